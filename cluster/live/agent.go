package live

// The probe agent: one long-lived process per source (see package
// probeagent) instead of a process per probe. A check starts it in an
// exec whose standard input and output stay open and sends every probe
// from that source as a JSON line; the agent answers each as it finishes.
// The first start in a container also copies the agent there: the start
// command finds it missing, says so with the container's machine, reads
// the gzip-compressed binary for it from its standard input into
// /tmp/.ckadlab-probe-agent-HASH (where later checks find it) and runs it,
// all in that one exec (startAgent). Closing the backend closes the
// agent's input and it exits, unless the backend was given Agents to keep
// it for the next check (agents.go: the TUI keeps a source's agent while
// it is used, ending it after 45 s unused). The only trace in the
// container is that hidden file in /tmp: no new container, no change to
// the pod that kubectl get, describe or logs would show, gone with the
// pod. A source where the agent cannot run (no writable /tmp, an
// architecture without an agent) falls back to running agnhost connect
// and wget per probe.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/cluster/live/probeagent"
	agentbin "github.com/ckadlab/ckadlab/cluster/live/probeagent/bin"
	"github.com/ckadlab/ckadlab/probe"
)

// Streamer is a Runner that can run a command with its standard input and
// output attached until it exits (the probe agent needs it). Its result's
// Stdout is empty: the output went to stdout.
type Streamer interface {
	Runner
	Stream(ctx context.Context, argv []string, stdin io.Reader, stdout io.Writer) (ExecResult, error)
}

// errAgentGone: the agent's exec ended while probes were waiting.
var errAgentGone = errors.New("the probe agent ended")

// agentSender sends attempts through a probe agent in r's container,
// falling back to commands (agnhost connect, wget) where the agent cannot
// run.
type agentSender struct {
	r        Streamer
	key      string  // the source (Agents' key)
	kept     *Agents // nil: the agent is this sender's own, ended by Close
	fallback Sender
	logf     func(string, ...any)

	mu     sync.Mutex
	sess   *agentSession
	broken error // why the agent cannot run here (then fallback is used)
	apart  error // why its start could not copy it in (an exec of its own did)
	closed bool
	took   []time.Duration // how long each connection took (ConnectTimes)
}

func (s *agentSender) String() string { return s.r.String() }

// direct: the agent needs no batching (every attempt is a line on an open
// stream).
func (s *agentSender) direct() {}

// Send runs the attempts through the agent (started on first use).
func (s *agentSender) Send(ctx context.Context, atts []Attempt) ([][]Observation, error) {
	for try := 0; ; try++ {
		sess, err := s.session(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return s.fallback.Send(ctx, atts)
		}
		obs, err := sess.send(ctx, atts)
		if errors.Is(err, errAgentGone) && try == 0 && ctx.Err() == nil {
			// the container restarted, or the exec stream broke: start a
			// new agent once
			s.logf("probe agent in %s: %v; starting it again", s.r, err)
			s.drop(sess)
			continue
		}
		if err == nil {
			s.mu.Lock()
			for _, ob := range obs {
				for _, o := range ob {
					if o.Outcome == probe.Connected && o.Took > 0 {
						s.took = append(s.took, o.Took)
					}
				}
			}
			s.mu.Unlock()
		}
		return obs, err
	}
}

// session returns the running agent, starting it when there is none.
func (s *agentSender) session(ctx context.Context) (*agentSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return nil, s.broken
	}
	if s.closed {
		return nil, errors.New("the backend is closed")
	}
	if s.sess != nil {
		return s.sess, nil
	}
	start := time.Now()
	var sess *agentSession
	var err error
	fresh := true
	if s.kept != nil {
		sess, fresh, err = s.kept.get(ctx, s.key, s.r)
	} else {
		sess, err = startAgent(ctx, s.r)
	}
	if err == nil && fresh && sess.installTook > 0 {
		how := "by the exec that starts it"
		if sess.copiedApart != nil {
			how = fmt.Sprintf("by an exec of its own (%v)", sess.copiedApart)
			s.apart = sess.copiedApart
		}
		s.logf("probe agent copied to %s %s in %s (ready after %s)", s.r, how, sess.installTook.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}
	if err != nil {
		if ctx.Err() == nil {
			s.broken = err
			s.logf("probe agent in %s cannot run (%v): probes from there run agnhost connect and wget instead", s.r, err)
		}
		return nil, err
	}
	s.sess = sess
	return sess, nil
}

func (s *agentSender) drop(sess *agentSession) {
	s.mu.Lock()
	if s.sess == sess {
		s.sess = nil
	}
	s.mu.Unlock()
	if s.kept != nil {
		s.kept.discard(s.key, sess)
	}
	sess.close()
}

// Close ends the agent (if one runs), or hands a kept one back.
func (s *agentSender) Close() {
	s.mu.Lock()
	sess := s.sess
	s.sess, s.closed = nil, true
	s.mu.Unlock()
	switch {
	case sess == nil:
	case s.kept != nil:
		s.kept.put(s.key, sess)
	default:
		sess.close()
	}
}

// Broken says why the agent could not run here (nil: it could, or it was
// not needed yet).
func (s *agentSender) Broken() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.broken
}

// goarch names a machine (uname -m) as Go does.
func goarch(machine string) string {
	switch machine {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64", "armv8l":
		return "arm64"
	}
	return machine
}

// machines are uname -m's names for a Go architecture.
func machines(arch string) string {
	switch arch {
	case "amd64":
		return "x86_64|amd64"
	case "arm64":
		return "aarch64|arm64|armv8l"
	}
	return arch
}

const archMarker = "ckadlab-machine="

// installAgent copies the agent into the container at path, guessing the
// container's architecture (ckadlab's own first: kind nodes run on the
// same machine) and retrying once with the one the container reports.
func installAgent(ctx context.Context, r Streamer, path string) error {
	arch := runtime.GOARCH
	for try := 0; ; try++ {
		gz, err := agentbin.Gzipped(arch)
		if err != nil {
			return err
		}
		script := fmt.Sprintf(`m=$(uname -m); case "$m" in %s) ;; *) echo "%s$m" >&2; exit 42;; esac; umask 077 && t=%s.$$ && gunzip -c >"$t" && chmod 700 "$t" && mv -f "$t" %s || { rm -f "$t"; exit 1; }`,
			machines(arch), archMarker, path, path)
		res, err := r.Stream(ctx, []string{"sh", "-c", script}, gz, io.Discard)
		if i := strings.Index(res.Stderr, archMarker); i >= 0 {
			m := strings.Fields(res.Stderr[i+len(archMarker):])
			if len(m) == 0 || try > 0 {
				return fmt.Errorf("the container's architecture (%s) has no probe agent", strings.TrimSpace(res.Stderr[i:]))
			}
			arch = goarch(m[0])
			continue
		}
		if err != nil {
			return fmt.Errorf("copy the probe agent: %w", err)
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("copy the probe agent to %s: exit %d: %s", path, res.ExitCode, lastLine(res.Stderr))
		}
		return nil
	}
}

// agentSession is one running agent.
type agentSession struct {
	r      Streamer
	stdin  *io.PipeWriter
	cancel context.CancelFunc

	writeMu sync.Mutex
	mu      sync.Mutex
	nextID  int
	pending map[int]chan probeagent.Response
	hello   chan probeagent.Hello
	missing chan string // the agent is not in the container (its machine)
	dead    chan struct{}
	why     error

	installTook time.Duration // how long copying the agent took
	copiedApart error         // why its start could not copy it (it took an exec of its own)
}

// agentPath is where the agent lives in a container: named after its
// sources, so that a changed agent is copied again.
func agentPath() string {
	return "/tmp/" + probeagent.FilePrefix + "-" + strings.TrimSpace(agentbin.SourceHash)[:16]
}

// missingMarker is what the start command prints when the agent is not
// in the container yet, followed by the container's machine (uname -m).
const missingMarker = "ckadlab-probe-agent-missing"

// copyFailedExit is the start command's exit code when copying the agent
// in failed (a container without head, say).
const copyFailedExit = 4

// errCopyFailed: the start command could not copy the agent in.
var errCopyFailed = errors.New("the start command could not copy the probe agent")

// startAgent starts the agent in r's container and waits for its hello.
// One exec does it all: when the agent is not there yet, the start command
// says so, with the container's machine, reads the gzip-compressed binary
// for it (after a line with its length) from its standard input, and runs
// it. A container where that copy fails gets the agent the older way, an
// exec of its own (installAgent), before it starts.
func startAgent(ctx context.Context, r Streamer) (*agentSession, error) {
	path := agentPath()
	s, err := runAgent(ctx, r, path)
	if !errors.Is(err, errCopyFailed) {
		return s, err
	}
	t0 := time.Now()
	if err := installAgent(ctx, r, path); err != nil {
		return nil, err
	}
	installed := time.Since(t0)
	apart := err
	s, err = runAgent(ctx, r, path) // finds it there
	if s != nil {
		s.installTook, s.copiedApart = installed, apart
	}
	return s, err
}

// startScript is the command that starts the agent at path, copying it
// in first when it is missing (see startAgent).
func startScript(path string) string {
	return fmt.Sprintf(`[ -x %[1]s ] && exec %[1]s; echo "%[2]s $(uname -m)"; IFS= read -r n || exit 3; `+
		`umask 077 && t=%[1]s.$$ && head -c "$n" | gunzip -c >"$t" && chmod 700 "$t" && mv -f "$t" %[1]s || { rm -f "$t"; exit %[3]d; }; exec %[1]s`,
		path, missingMarker, copyFailedExit)
}

// runAgent starts the agent at path (copying it in when it is missing)
// and waits for its hello.
func runAgent(ctx context.Context, r Streamer, path string) (*agentSession, error) {
	sctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &agentSession{r: r, stdin: pw, cancel: cancel, pending: map[int]chan probeagent.Response{},
		hello: make(chan probeagent.Hello, 1), missing: make(chan string, 1), dead: make(chan struct{})}
	lw := &lineWriter{fn: s.onLine}
	// The marker goes to standard output, read as it comes: `docker exec
	// -i` does not end before its input does, even when the command has.
	go func() {
		res, err := r.Stream(sctx, []string{"sh", "-c", startScript(path)}, pr, lw)
		_ = pw.Close() // writers fail, the copy into the exec ends quietly (EOF)
		switch {
		case err == nil && res.ExitCode == copyFailedExit:
			err = fmt.Errorf("%w (%s)", errCopyFailed, lastLine(res.Stderr))
		case err == nil:
			err = fmt.Errorf("%w (exit %d: %s)", errAgentGone, res.ExitCode, lastLine(res.Stderr))
		default:
			err = fmt.Errorf("%w: %v", errAgentGone, err)
		}
		s.die(err)
	}()
	timer := time.NewTimer(20 * time.Second)
	defer timer.Stop()
	var copying time.Time
	for {
		select {
		case h := <-s.hello:
			if h.Version != probeagent.Version {
				s.close()
				return nil, fmt.Errorf("the probe agent speaks protocol %q, ckadlab %q", h.Version, probeagent.Version)
			}
			if !copying.IsZero() {
				s.installTook = time.Since(copying)
			}
			return s, nil
		case machine := <-s.missing:
			gz, err := agentbin.Gzipped(goarch(machine))
			if err != nil {
				s.close()
				return nil, fmt.Errorf("the container's architecture (%s) has no probe agent", machine)
			}
			copying = time.Now()
			go func() {
				// ends when the command has read it all, or has ended
				s.writeMu.Lock()
				defer s.writeMu.Unlock()
				if _, err := fmt.Fprintf(s.stdin, "%d\n", gz.Len()); err == nil {
					_, _ = io.Copy(s.stdin, gz)
				}
			}()
		case <-s.dead:
			return nil, s.why
		case <-timer.C:
			s.close()
			return nil, errors.New("the probe agent did not start within 20s")
		case <-ctx.Done():
			s.close()
			return nil, ctx.Err()
		}
	}
}

func (s *agentSession) onLine(line []byte) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	if rest, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte(missingMarker)); ok && s.missing != nil {
		select {
		case s.missing <- string(bytes.TrimSpace(rest)):
		default:
		}
		return
	}
	var probeResp probeagent.Response
	if bytes.Contains(line, []byte(`"agent"`)) {
		var h probeagent.Hello
		if json.Unmarshal(line, &h) == nil && h.Agent == probeagent.AgentName {
			select {
			case s.hello <- h:
			default:
			}
			return
		}
	}
	if err := json.Unmarshal(line, &probeResp); err != nil {
		return
	}
	s.mu.Lock()
	ch := s.pending[probeResp.ID]
	delete(s.pending, probeResp.ID)
	s.mu.Unlock()
	if ch != nil {
		ch <- probeResp
	}
}

// ended reports whether the agent's exec has ended.
func (s *agentSession) ended() bool {
	select {
	case <-s.dead:
		return true
	default:
		return false
	}
}

func (s *agentSession) die(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.dead:
		return
	default:
	}
	s.why = err
	close(s.dead)
}

// close ends the agent: its input ends (it exits once its probes are
// done), and the exec is cancelled if it has not ended two seconds later.
func (s *agentSession) close() {
	_ = s.stdin.Close()
	go func() {
		select {
		case <-s.dead:
		case <-time.After(2 * time.Second):
		}
		s.cancel()
	}()
}

// do sends one request and waits for its response.
func (s *agentSession) do(ctx context.Context, req probeagent.Request, wait time.Duration) (probeagent.Response, error) {
	ch := make(chan probeagent.Response, 1)
	s.mu.Lock()
	s.nextID++
	req.ID = s.nextID
	s.pending[req.ID] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, req.ID)
		s.mu.Unlock()
	}()
	line, err := json.Marshal(req)
	if err != nil {
		return probeagent.Response{}, err
	}
	if err := s.write(ctx, append(line, '\n')); err != nil {
		return probeagent.Response{}, err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r, nil
	case <-s.dead:
		return probeagent.Response{}, s.why
	case <-ctx.Done():
		return probeagent.Response{}, ctx.Err()
	case <-timer.C:
		return probeagent.Response{}, fmt.Errorf("the probe agent in %s gave no answer to %s within %s", s.r, describeRequest(req), wait)
	}
}

// stuckAfter bounds how long a request line may wait to be taken by the
// exec's stream: one that is not (a stream whose pod went away under it,
// a connection to the API server that stopped) ends the agent, and the
// probe starts a new one (agentSender.Send).
var stuckAfter = 5 * time.Second

// write sends a request line to the agent.
func (s *agentSession) write(ctx context.Context, line []byte) error {
	wrote := make(chan error, 1)
	go func() {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		_, err := s.stdin.Write(line)
		wrote <- err
	}()
	timer := time.NewTimer(stuckAfter)
	defer timer.Stop()
	var err error
	select {
	case err = <-wrote:
		if err == nil {
			return nil
		}
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		err = fmt.Errorf("its input took no request for %s", stuckAfter)
		s.die(fmt.Errorf("%w: %v", errAgentGone, err))
		s.close()
		return s.why
	}
	// the exec has ended (its input is closed): say why it ended
	select {
	case <-s.dead:
		return s.why
	case <-time.After(time.Second):
		return fmt.Errorf("%w: %v", errAgentGone, err)
	}
}

func describeRequest(r probeagent.Request) string {
	if r.HTTP {
		return fmt.Sprintf("GET http://%s:%d%s", r.Host, r.Port, r.Path)
	}
	return fmt.Sprintf("%s connect %s:%d", r.Proto, r.Host, r.Port)
}

// request is the agent's request for one run of an attempt, and how long
// the answer may take at most.
func (a Attempt) request() (probeagent.Request, time.Duration) {
	proto := strings.ToLower(string(a.Proto))
	if proto == "" || a.HTTP {
		proto = "tcp"
	}
	req := probeagent.Request{Proto: proto, Host: a.Host, Port: a.Port, HTTP: a.HTTP, HTTPHost: a.HTTPHost,
		Path: a.Path, Marker: a.Marker, TimeoutMS: int(a.Timeout / time.Millisecond)}
	if a.HTTP && req.Path == "" {
		req.Path = "/"
	}
	// name lookup (timeout+4s, as the commands' watchdog), connect,
	// HTTP answer (timeout+3s), and room for a busy node
	return req, 3*a.Timeout + 7*time.Second + 10*time.Second
}

// observation reads an agent's response as an Observation.
func observation(r probeagent.Response) (Observation, error) {
	o := Observation{Status: r.Status, Body: r.Body, Detail: r.Detail, NoDNSAnswer: r.NoDNSAnswer,
		Took: time.Duration(r.TookMS * float64(time.Millisecond))}
	switch r.Outcome {
	case probeagent.Connected:
		o.Outcome = probe.Connected
	case probeagent.Refused:
		o.Outcome = probe.Refused
	case probeagent.Unresolved:
		o.Outcome = probe.Unresolved
	case probeagent.Unreachable:
		o.Outcome = probe.Unreachable
	case probeagent.TimedOut:
		o.TimedOut = true
	default:
		return Observation{}, fmt.Errorf("the probe agent could not run the probe: %s (%s)", r.Outcome, r.Detail)
	}
	return o, nil
}

// overlapAfter: the runs of one attempt start one after the other, each
// when the one before it has answered and repeatPause has passed, or when
// the one before has waited overlapAfter without an answer, whichever
// comes first. A connection that works answers within milliseconds, so
// its reads are consecutive, apart; a read that waits for a drop's timeout
// is confirmed by a read that started overlapAfter later (a separate
// connection, its own timeout), not one that waits for the first to give
// up: a drop is then read twice in Timeout+overlapAfter instead of
// 2×Timeout+repeatPause.
const overlapAfter = 200 * time.Millisecond

// send runs the attempts concurrently, the runs of one attempt staggered
// as above.
func (s *agentSession) send(ctx context.Context, atts []Attempt) ([][]Observation, error) {
	obs := make([][]Observation, len(atts))
	errs := make([]error, len(atts))
	var wg sync.WaitGroup
	for i, a := range atts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obs[i], errs[i] = s.runs(ctx, a)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return obs, nil
}

// runs sends the runs of one attempt, staggered, and returns their
// observations in order.
func (s *agentSession) runs(ctx context.Context, a Attempt) ([]Observation, error) {
	n := a.repeats()
	obs := make([]Observation, n)
	errs := make([]error, n)
	done := make([]chan struct{}, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := 0
	for k := 0; k < n && ctx.Err() == nil; k++ {
		if k > 0 {
			// the previous run answered (then pause), or has waited long
			// enough to be a drop in the making
			overlap := time.NewTimer(overlapAfter)
			failed := false
			select {
			case <-done[k-1]:
				if failed = errs[k-1] != nil; !failed {
					select {
					case <-time.After(repeatPause):
					case <-ctx.Done():
					}
				}
			case <-overlap.C:
			case <-ctx.Done():
			}
			overlap.Stop()
			if failed || ctx.Err() != nil {
				break
			}
		}
		done[k] = make(chan struct{})
		started++
		go func() {
			defer close(done[k])
			req, wait := a.run(k).request()
			resp, err := s.do(ctx, req, wait)
			if err == nil {
				obs[k], err = observation(resp)
			}
			errs[k] = err
		}()
	}
	for k := 0; k < started; k++ {
		<-done[k] // every run ends: s.do ends with ctx
		if errs[k] != nil {
			return nil, errs[k]
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return obs, nil
}

// lineWriter calls fn with every complete line written to it.
type lineWriter struct {
	fn  func([]byte)
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.fn(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 1<<20 {
		w.buf = nil // a line that long is not the agent's
	}
	return len(p), nil
}

// sender is the Sender for probes from r (key names the source): its probe
// agent, started on first use and kept until the backend closes (or, with
// Options.Agents, taken from and handed back to those kept between checks).
func (b *Backend) sender(key string, r Runner) Sender {
	return b.senderOf(key, CommandSender(r))
}

// senderOf gives a command sender whose runner can stream a probe agent;
// other senders (this machine's own) are returned as they are.
func (b *Backend) senderOf(key string, s Sender) Sender {
	cs, ok := s.(cmdSender)
	if !ok || b.opts.NoAgent {
		return s
	}
	st, ok := cs.runner().(Streamer)
	if !ok {
		return s
	}
	b.agentsMu.Lock()
	defer b.agentsMu.Unlock()
	if b.closed {
		return s
	}
	// key names the container (runners are made afresh per probe)
	if a := b.agents[key]; a != nil {
		return a
	}
	a := &agentSender{r: st, key: key, kept: b.opts.Agents, fallback: s, logf: b.opts.Logf}
	b.agents[key] = a
	return a
}

// Close ends the probe agents the backend started (hands kept ones back to
// Options.Agents). The backend can still probe afterwards, with a command
// per probe.
func (b *Backend) Close() error {
	b.agentsMu.Lock()
	agents := b.agents
	b.agents, b.closed = map[string]*agentSender{}, true
	b.agentsMu.Unlock()
	for _, a := range agents {
		a.Close()
	}
	return nil
}

// AgentsCopiedApart lists the sources where the exec that starts the
// agent could not copy it in (an exec of its own did), with the reason.
func (b *Backend) AgentsCopiedApart() []string {
	b.agentsMu.Lock()
	defer b.agentsMu.Unlock()
	var out []string
	for key, a := range b.agents {
		a.mu.Lock()
		if a.apart != nil {
			out = append(out, key+": "+a.apart.Error())
		}
		a.mu.Unlock()
	}
	sort.Strings(out)
	return out
}

// ConnectTimes are how long the connections of this backend's probes took
// to establish (agents only): what the network needs against the timeout
// that reads silence as a drop.
func (b *Backend) ConnectTimes() []time.Duration {
	b.agentsMu.Lock()
	defer b.agentsMu.Unlock()
	var out []time.Duration
	for _, a := range b.agents {
		a.mu.Lock()
		out = append(out, a.took...)
		a.mu.Unlock()
	}
	return out
}

// AgentFallbacks lists the sources where the probe agent could not run
// (their probes ran a command each), with the reason.
func (b *Backend) AgentFallbacks() []string {
	b.agentsMu.Lock()
	defer b.agentsMu.Unlock()
	var out []string
	for key, a := range b.agents {
		if err := a.Broken(); err != nil {
			out = append(out, key+": "+err.Error())
		}
	}
	sort.Strings(out)
	return out
}
