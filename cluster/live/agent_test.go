package live

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/cluster/live/probeagent"
	agentbin "github.com/ckadlab/ckadlab/cluster/live/probeagent/bin"
	"github.com/ckadlab/ckadlab/probe"
)

// fakeContainer runs the probe agent in-process, as a container would
// run it in an exec: the install script is read for the machine check
// and the binary it receives, the agent itself is probeagent.Serve.
type fakeContainer struct {
	machine   string // what uname -m says
	noHead    bool   // the start command cannot copy the agent in (no head)
	dieAfter  int    // the agent ends after that many responses (0: never)
	mu        sync.Mutex
	installed [][]byte // decompressed binaries received
	wiped     bool     // the container restarted: /tmp is empty again
	starts    int
	exits     int
	runs      []string
}

func (f *fakeContainer) String() string { return "fake container" }
func (f *fakeContainer) Shell() bool    { return true }
func (f *fakeContainer) Run(ctx context.Context, argv []string) (ExecResult, error) {
	f.mu.Lock()
	f.runs = append(f.runs, strings.Join(argv, " "))
	f.mu.Unlock()
	return ExecResult{}, nil
}

var casePattern = regexp.MustCompile(`case "\$m" in ([^)]*)\)`)

func (f *fakeContainer) Stream(ctx context.Context, argv []string, stdin io.Reader, stdout io.Writer) (ExecResult, error) {
	if argv[0] != "sh" {
		return ExecResult{ExitCode: 127, Stderr: "not found"}, nil
	}
	if strings.Contains(argv[2], "read -r n") {
		return f.startCopying(ctx, argv[2], stdin, stdout)
	}
	{ // copy the agent in (installAgent)
		m := casePattern.FindStringSubmatch(argv[2])
		if m == nil {
			return ExecResult{ExitCode: 2, Stderr: "no machine check"}, nil
		}
		if !strings.Contains("|"+m[1]+"|", "|"+f.machine+"|") {
			return ExecResult{ExitCode: 42, Stderr: archMarker + f.machine + "\n"}, nil
		}
		zr, err := gzip.NewReader(stdin)
		if err != nil {
			return ExecResult{ExitCode: 1, Stderr: "gunzip: invalid magic"}, nil
		}
		raw, _ := io.ReadAll(zr)
		f.mu.Lock()
		f.installed = append(f.installed, raw)
		f.mu.Unlock()
		return ExecResult{}, nil
	}
}

// startCopying runs the start command that copies the agent in when it
// is missing (startScript with copy): the marker with the machine, a line
// with the length, that many bytes of gzip, then the agent.
func (f *fakeContainer) startCopying(ctx context.Context, script string, stdin io.Reader, stdout io.Writer) (ExecResult, error) {
	if !strings.Contains(script, agentPath()) || !strings.Contains(script, `head -c "$n"`) {
		return ExecResult{ExitCode: 2, Stderr: "wrong script"}, nil
	}
	f.mu.Lock()
	missing := len(f.installed) == 0 || f.wiped
	f.wiped = false
	noHead := f.noHead
	f.mu.Unlock()
	if missing {
		_, _ = io.WriteString(stdout, missingMarker+" "+f.machine+"\n")
		// read the length line byte by byte, as sh's read does
		var line []byte
		one := make([]byte, 1)
		for {
			if _, err := stdin.Read(one); err != nil {
				return ExecResult{ExitCode: 3}, nil
			}
			if one[0] == '\n' {
				break
			}
			line = append(line, one[0])
		}
		var n int64
		if _, err := fmt.Sscan(string(line), &n); err != nil {
			return ExecResult{ExitCode: 3}, nil
		}
		if noHead {
			return ExecResult{ExitCode: copyFailedExit, Stderr: "sh: head: not found"}, nil
		}
		zr, err := gzip.NewReader(io.LimitReader(stdin, n))
		if err != nil {
			return ExecResult{ExitCode: copyFailedExit, Stderr: "gunzip: invalid magic"}, nil
		}
		raw, _ := io.ReadAll(zr)
		f.mu.Lock()
		f.installed = append(f.installed, raw)
		f.mu.Unlock()
	}
	return f.serve(ctx, stdin, stdout)
}

func (f *fakeContainer) serve(ctx context.Context, stdin io.Reader, stdout io.Writer) (ExecResult, error) {
	f.mu.Lock()
	f.starts++
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.exits++; f.mu.Unlock() }()
	if f.dieAfter > 0 {
		// answer dieAfter requests, then end as a restarted container would
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		cw := &countingWriter{w: stdout, limit: f.dieAfter + 1, done: cancel}
		err := probeagent.Serve(ctx, stdin, cw, probeagent.Options{})
		f.dieAfter = 0
		return ExecResult{ExitCode: 137}, err
	}
	err := probeagent.Serve(ctx, stdin, stdout, probeagent.Options{})
	return ExecResult{}, err
}

// countingWriter cancels after limit lines (the hello counts).
type countingWriter struct {
	w     io.Writer
	n     int
	limit int
	done  func()
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.n >= c.limit {
		return len(p), nil
	}
	c.n += bytes.Count(p, []byte("\n"))
	n, err := c.w.Write(p)
	if c.n >= c.limit {
		c.done()
	}
	return n, err
}

type fakeSender struct{ sent int }

func (f *fakeSender) String() string { return "fallback" }
func (f *fakeSender) Send(ctx context.Context, atts []Attempt) ([][]Observation, error) {
	f.sent += len(atts)
	out := make([][]Observation, len(atts))
	for i := range atts {
		out[i] = []Observation{{Outcome: probe.Connected, Detail: "fallback"}}
	}
	return out, nil
}

func listener(t *testing.T) (int, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	c, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := c.Addr().(*net.TCPAddr).Port
	c.Close()
	return l.Addr().(*net.TCPAddr).Port, closed
}

func binary(t *testing.T, arch string) []byte {
	t.Helper()
	gz, err := agentbin.Gzipped(arch)
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := gzip.NewReader(gz)
	raw, _ := io.ReadAll(zr)
	return raw
}

func TestAgentSender(t *testing.T) {
	open, closed := listener(t)
	host := machineOf(t)
	f := &fakeContainer{machine: host}
	fb := &fakeSender{}
	s := &agentSender{r: f, fallback: fb, logf: t.Logf}
	atts := []Attempt{
		{Host: "127.0.0.1", Port: open, Proto: probe.TCP, Timeout: time.Second, Repeat: 2},
		{Host: "127.0.0.1", Port: closed, Proto: probe.TCP, Timeout: time.Second},
	}
	for round := 0; round < 2; round++ {
		obs, err := s.Send(context.Background(), atts)
		if err != nil {
			t.Fatal(err)
		}
		if len(obs[0]) != 2 || obs[0][0].Outcome != probe.Connected || obs[0][1].Outcome != probe.Connected {
			t.Errorf("round %d: open port, two runs: %+v", round, obs[0])
		}
		if len(obs[1]) != 1 || obs[1][0].Outcome != probe.Refused {
			t.Errorf("round %d: closed port: %+v", round, obs[1])
		}
	}
	if fb.sent != 0 || s.Broken() != nil {
		t.Errorf("the fallback was used (%d) or the agent broken (%v)", fb.sent, s.Broken())
	}
	// two rounds of two connections each, every one timed
	if b := (&Backend{agents: map[string]*agentSender{"x": s}}); len(b.ConnectTimes()) != 4 {
		t.Errorf("ConnectTimes = %v, want the 4 connections' times", b.ConnectTimes())
	}
	if f.starts != 1 || len(f.installed) != 1 {
		t.Errorf("two rounds started %d agents with %d installs, want one of each (the agent is kept)", f.starts, len(f.installed))
	}
	if !bytes.Equal(f.installed[0], binary(t, goarch(host))) {
		t.Errorf("the binary copied is not the agent for %s", host)
	}
	s.Close()
	waitFor(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.exits == 1 }, "the agent to end when the sender closes")
	if _, err := s.Send(context.Background(), atts[:1]); err != nil || fb.sent != 1 {
		t.Errorf("after Close, probes go through the fallback: err %v, fallback %d", err, fb.sent)
	}
}

func machineOf(t *testing.T) string {
	for _, m := range []string{"x86_64", "aarch64"} {
		if _, err := agentbin.Gzipped(goarch(m)); err == nil && goarch(m) == goarchHere() {
			return m
		}
	}
	t.Skip("no agent for this machine's architecture")
	return ""
}

func TestAgentSenderOtherArchitecture(t *testing.T) {
	// ckadlab guesses its own architecture; the container says otherwise
	// and gets the other binary (the fake runs the agent in-process, so
	// the binary is only compared).
	other := map[string]string{"amd64": "aarch64", "arm64": "x86_64"}[goarchHere()]
	if other == "" {
		t.Skip("no other architecture")
	}
	open, _ := listener(t)
	f := &fakeContainer{machine: other}
	s := &agentSender{r: f, fallback: &fakeSender{}, logf: t.Logf}
	defer s.Close()
	obs, err := s.Send(context.Background(), []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}})
	if err != nil || obs[0][0].Outcome != probe.Connected {
		t.Fatalf("Send = %+v, %v", obs, err)
	}
	if len(f.installed) != 1 || !bytes.Equal(f.installed[0], binary(t, goarch(other))) {
		t.Errorf("the container got %d binaries, want the %s one", len(f.installed), goarch(other))
	}
}

func TestAgentSenderFallsBack(t *testing.T) {
	f := &fakeContainer{machine: "s390x"}
	fb := &fakeSender{}
	s := &agentSender{r: f, fallback: fb, logf: t.Logf}
	obs, err := s.Send(context.Background(), []Attempt{{Host: "127.0.0.1", Port: 1, Timeout: time.Second}})
	if err != nil || fb.sent != 1 || obs[0][0].Detail != "fallback" {
		t.Fatalf("a container without an agent for its architecture uses the fallback: %+v %v (fallback %d)", obs, err, fb.sent)
	}
	if err := s.Broken(); err == nil || !strings.Contains(err.Error(), "s390x") {
		t.Errorf("Broken() = %v, want the architecture named", err)
	}
	if f.starts != 0 {
		t.Errorf("the agent was started %d times without being installed", f.starts)
	}
}

func TestAgentSenderRestartsOnce(t *testing.T) {
	open, _ := listener(t)
	f := &fakeContainer{machine: machineOf(t), dieAfter: 1}
	s := &agentSender{r: f, fallback: &fakeSender{}, logf: t.Logf}
	defer s.Close()
	att := []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}}
	if _, err := s.Send(context.Background(), att); err != nil {
		t.Fatal(err)
	}
	// the agent has ended (a restarted container): the next probe starts
	// a new one
	waitFor(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.exits == 1 }, "the first agent to end")
	obs, err := s.Send(context.Background(), att)
	if err != nil || obs[0][0].Outcome != probe.Connected {
		t.Fatalf("after the agent ended: %+v, %v", obs, err)
	}
	if f.starts != 2 {
		t.Errorf("agent started %d times, want 2", f.starts)
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if ok() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestObservation(t *testing.T) {
	tests := []struct {
		in   probeagent.Response
		want Observation
		err  bool
	}{
		{probeagent.Response{Outcome: probeagent.Connected, Status: 503, Body: "x"}, Observation{Outcome: probe.Connected, Status: 503, Body: "x"}, false},
		{probeagent.Response{Outcome: probeagent.Connected, TookMS: 2.5}, Observation{Outcome: probe.Connected, Took: 2500 * time.Microsecond}, false},
		{probeagent.Response{Outcome: probeagent.Refused, Detail: "r"}, Observation{Outcome: probe.Refused, Detail: "r"}, false},
		{probeagent.Response{Outcome: probeagent.Unresolved}, Observation{Outcome: probe.Unresolved}, false},
		{probeagent.Response{Outcome: probeagent.Unreachable}, Observation{Outcome: probe.Unreachable}, false},
		{probeagent.Response{Outcome: probeagent.TimedOut}, Observation{TimedOut: true}, false},
		{probeagent.Response{Outcome: probeagent.Stopped}, Observation{}, true},
		{probeagent.Response{Outcome: probeagent.Invalid}, Observation{}, true},
		{probeagent.Response{Outcome: "??"}, Observation{}, true},
	}
	for _, tt := range tests {
		got, err := observation(tt.in)
		if (err != nil) != tt.err || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("observation(%+v) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestAttemptRequest(t *testing.T) {
	a := Attempt{Host: "web.shop", Port: 80, Proto: probe.UDP, HTTP: true, HTTPHost: "shop.example", Marker: "m", Timeout: 1500 * time.Millisecond}
	req, wait := a.request()
	if req.Proto != "tcp" || req.Path != "/" || req.TimeoutMS != 1500 || req.HTTPHost != "shop.example" || req.Marker != "m" {
		t.Errorf("HTTP request = %+v", req)
	}
	if wait < 3*a.Timeout+7*time.Second {
		t.Errorf("the client waits %s, less than the agent may take", wait)
	}
	req, _ = Attempt{Host: "10.0.0.1", Port: 53, Proto: probe.UDP, Timeout: time.Second}.request()
	if req.Proto != "udp" || req.HTTP || req.Path != "" {
		t.Errorf("UDP request = %+v", req)
	}
}

func goarchHere() string { return runtime.GOARCH }

// TestAgentKeptBetweenChecks: a later check (a new sender) finds the agent
// already in the container; a restarted container (empty /tmp) gets it
// again.
func TestAgentKeptBetweenChecks(t *testing.T) {
	open, _ := listener(t)
	f := &fakeContainer{machine: machineOf(t)}
	att := []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}}
	for check := 0; check < 3; check++ {
		if check == 2 {
			f.mu.Lock()
			f.wiped = true
			f.mu.Unlock()
		}
		s := &agentSender{r: f, fallback: &fakeSender{}, logf: t.Logf}
		obs, err := s.Send(context.Background(), att)
		if err != nil || obs[0][0].Outcome != probe.Connected {
			t.Fatalf("check %d: %+v, %v", check, obs, err)
		}
		s.Close()
	}
	if len(f.installed) != 2 || f.starts != 3 {
		t.Errorf("three checks (the last after a container restart) copied the agent %d times and started it %d times, want 2 and 3", len(f.installed), f.starts)
	}
}

// TestAgentConfirmationOverlaps: a read still waiting after overlapAfter
// is confirmed by a second read that starts then (both are open at the
// server at once), not after it gives up; the observations keep their
// order; a read that answers at once is followed by the next only after
// it ended.
func TestAgentConfirmationOverlaps(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	open, most, total := 0, 0, 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open++
			total++
			most = max(most, open)
			mu.Unlock()
			go func() {
				// never answers: the client gives up
				_, _ = io.Copy(io.Discard, c)
				c.Close()
				mu.Lock()
				open--
				mu.Unlock()
			}()
		}
	}()
	s := &agentSender{r: &fakeContainer{machine: machineOf(t)}, fallback: &fakeSender{}, logf: t.Logf}
	defer s.Close()
	port := l.Addr().(*net.TCPAddr).Port
	obs, err := s.Send(context.Background(), []Attempt{{Host: "127.0.0.1", Port: port, Proto: probe.TCP, HTTP: true, Path: "/", Timeout: 300 * time.Millisecond, Repeat: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs[0]) != 2 || !obs[0][0].TimedOut || !obs[0][1].TimedOut {
		t.Fatalf("two silent reads: %+v", obs[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if total != 2 || most != 2 {
		t.Errorf("%d connections, at most %d at once: want the confirmation open while the first read still waits", total, most)
	}
}

// TestAgentCopiedByItsStart: a container without the agent gets it in the
// exec that starts it (one exec in all); one where that copy fails (no
// head) gets it through an exec of its own, then starts it.
func TestAgentCopiedByItsStart(t *testing.T) {
	open, _ := listener(t)
	att := []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}}
	for _, noHead := range []bool{false, true} {
		f := &fakeContainer{machine: machineOf(t), noHead: noHead}
		rec := &recordingStreamer{fakeContainer: f}
		s := &agentSender{r: rec, fallback: &fakeSender{}, logf: t.Logf}
		obs, err := s.Send(context.Background(), att)
		if err != nil || obs[0][0].Outcome != probe.Connected {
			t.Fatalf("noHead=%v: %+v, %v", noHead, obs, err)
		}
		b := &Backend{agents: map[string]*agentSender{"pod:x": s}}
		if apart := b.AgentsCopiedApart(); (len(apart) == 1) != noHead || noHead && !strings.Contains(apart[0], "head: not found") {
			t.Errorf("noHead=%v: AgentsCopiedApart() = %q", noHead, apart)
		}
		s.Close()
		want := 1 // the start that copies
		if noHead {
			want = 3 // the start that could not copy, the copy, the start
		}
		if rec.execs() != want || len(f.installed) != 1 || !bytes.Equal(f.installed[0], binary(t, goarch(f.machine))) {
			t.Errorf("noHead=%v: %d execs, %d copies; want %d execs and the agent copied once", noHead, rec.execs(), len(f.installed), want)
		}
	}
}

// recordingStreamer counts the execs.
type recordingStreamer struct {
	*fakeContainer
	mu sync.Mutex
	n  int
}

func (r *recordingStreamer) Stream(ctx context.Context, argv []string, stdin io.Reader, stdout io.Writer) (ExecResult, error) {
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
	return r.fakeContainer.Stream(ctx, argv, stdin, stdout)
}

func (r *recordingStreamer) execs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}
