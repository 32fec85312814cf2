package live

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/probe"
)

// Attempt is one try of a probe from a Runner: a connection (agnhost
// connect) or an HTTP GET (busybox wget, found in every agnhost image).
type Attempt struct {
	Host     string // IP address or DNS name, resolved where the command runs
	Port     int
	Proto    probe.Protocol
	HTTP     bool
	HTTPHost string // Host header ("" sends HOST:PORT as wget does)
	Path     string // request path, starting with "/"
	Marker   string // value of the X-Ckadlab-Probe header (finds the request in Traefik's access log)
	Timeout  time.Duration
	// Repeat runs the attempt that many times in a row (0 and 1: once),
	// repeatPause apart: in the same command, consecutive reads for the
	// price of one exec; through a probe agent, staggered (overlapAfter).
	Repeat int
}

func (a Attempt) addr() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

func (a Attempt) String() string {
	if a.HTTP {
		h := ""
		if a.HTTPHost != "" {
			h = " (Host: " + a.HTTPHost + ")"
		}
		return "GET http://" + a.addr() + a.Path + h
	}
	return fmt.Sprintf("%s connect %s", a.Proto, a.addr())
}

// Observation is what one Attempt saw.
type Observation struct {
	// Outcome: Connected, Refused, Unresolved or Unreachable; a timeout is
	// reported with TimedOut (whether a policy dropped the packets or
	// nothing routes them is decided by the caller).
	Outcome  probe.Outcome
	TimedOut bool
	// NoDNSAnswer: Unresolved because no DNS answer came in time (a
	// dropped query, or a node too busy to answer).
	NoDNSAnswer bool
	Status      int    // HTTP status (HTTP attempts that got an answer)
	Body        string // HTTP body (short answers only, e.g. /hostname)
	Detail      string // the client's own words, for reasons
	// Took is how long a connection took to establish (the probe agent
	// measures it; 0 when unknown).
	Took time.Duration
}

func seconds(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// byName reports whether the attempt's host is a DNS name (resolved by
// the client) rather than an address.
func (a Attempt) byName() bool {
	_, err := netip.ParseAddr(a.Host)
	return err != nil
}

// watchdog prefixes a client command with busybox timeout when the host
// is a DNS name: only a hung name lookup outlasts the client's own
// timeout. An address gets none: on a busy node (a large probe matrix
// starts many clients at once) a client can wait seconds for the CPU
// before it even dials, and stopping it would turn that wait into a
// verdict; the exec's own deadline bounds it instead.
func (a Attempt) watchdog(argv ...string) []string {
	if !a.byName() {
		return argv
	}
	return append([]string{"timeout", strconv.Itoa(int(a.Timeout/time.Second) + 4)}, argv...)
}

// connectArgv is agnhost connect to the attempt's address.
func (a Attempt) connectArgv() []string {
	proto := strings.ToLower(string(a.Proto))
	if proto == "" || a.HTTP {
		proto = "tcp"
	}
	return a.watchdog("/agnhost", "connect", "--timeout="+a.Timeout.String(), "--protocol="+proto, a.addr())
}

// wgetArgv is the HTTP GET of an HTTP attempt (busybox wget).
func (a Attempt) wgetArgv() []string {
	args := a.watchdog("wget", "-S", "-O", "-", "-T", seconds(a.Timeout), "-U", "ckadlab-probe")
	if a.HTTPHost != "" {
		args = append(args, "--header", "Host: "+a.HTTPHost)
	}
	if a.Marker != "" {
		args = append(args, "--header", "X-Ckadlab-Probe: "+a.Marker)
	}
	path := a.Path
	if path == "" {
		path = "/"
	}
	return append(args, "http://"+a.addr()+path)
}

// attemptResult is what an attempt's commands printed: for an HTTP
// attempt, the connection check (agnhost connect) and, when it connected,
// the GET.
type attemptResult struct {
	connect ExecResult
	get     *ExecResult
}

// observe classifies an attempt: the connection decides reachability the
// same way for every probe (including a name that does not resolve, or
// whose DNS query is dropped); the GET adds the status and the body.
func (a Attempt) observe(r attemptResult) Observation {
	conn := a.parseConnect(r.connect)
	if !a.HTTP || conn.Outcome != probe.Connected || r.get == nil {
		return conn
	}
	return a.parseGet(*r.get)
}

var httpStatusLine = regexp.MustCompile(`HTTP/\d(?:\.\d)? (\d{3})`)

// parseGet reads wget's answer to a GET on a connection that worked.
func (a Attempt) parseGet(r ExecResult) Observation {
	stderr := strings.TrimSpace(r.Stderr)
	low := strings.ToLower(stderr)
	o := Observation{Detail: lastLine(stderr)}
	if r.ExitCode == 124 || r.ExitCode == 143 {
		// connected, but no HTTP answer in time
		o.Outcome, o.Detail = probe.Connected, "connected, but no HTTP answer within "+a.Timeout.String()
		return o
	}
	if m := httpStatusLine.FindAllStringSubmatch(stderr, -1); len(m) > 0 {
		o.Outcome = probe.Connected
		o.Status, _ = strconv.Atoi(m[len(m)-1][1])
		o.Body = strings.TrimSpace(r.Stdout)
		return o
	}
	switch {
	case strings.Contains(low, "bad address"):
		o.Outcome = probe.Unresolved
	case strings.Contains(low, "refused"):
		o.Outcome = probe.Refused
	case strings.Contains(low, "timed out") || strings.Contains(low, "timeout"):
		o.TimedOut = true
	case strings.Contains(low, "no route") || strings.Contains(low, "unreachable"):
		o.Outcome = probe.Unreachable
	case strings.Contains(low, "connection reset") || strings.Contains(low, "error getting response"):
		// connected, but the server closed without an HTTP answer
		o.Outcome = probe.Connected
	default:
		o.Outcome = probe.Unreachable
		if o.Detail == "" {
			o.Detail = fmt.Sprintf("wget exited with %d", r.ExitCode)
		}
	}
	return o
}

// parseConnect reads agnhost connect's verdict.
func (a Attempt) parseConnect(r ExecResult) Observation {
	stderr := strings.TrimSpace(r.Stderr)
	low := strings.ToLower(stderr)
	o := Observation{Detail: lastLine(stderr)}
	if (r.ExitCode == 124 || r.ExitCode == 143) && a.byName() {
		// killed by the watchdog: name resolution hung
		o.Outcome, o.NoDNSAnswer, o.Detail = probe.Unresolved, true, "no DNS answer within "+a.Timeout.String()+"+4s (the client was stopped)"
		return o
	}
	if r.ExitCode == 0 {
		o.Outcome, o.Detail = probe.Connected, ""
		return o
	}
	switch {
	case strings.HasPrefix(stderr, "TIMEOUT"):
		o.TimedOut = true
	case strings.HasPrefix(stderr, "REFUSED"):
		o.Outcome = probe.Refused
	case strings.HasPrefix(stderr, "DNS"):
		// NXDOMAIN, or no answer at all (the DNS query is dropped)
		o.Outcome = probe.Unresolved
	case strings.Contains(low, "no route") || strings.Contains(low, "unreachable"):
		o.Outcome = probe.Unreachable
	case strings.Contains(low, "i/o timeout"):
		o.TimedOut = true
	default:
		o.Outcome = probe.Unreachable
		if o.Detail == "" {
			o.Detail = fmt.Sprintf("agnhost connect exited with %d", r.ExitCode)
		}
	}
	return o
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

const batchMarker = "@@ckadlab-result"

func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// repeats is how often an attempt runs in a row (at least once).
func (a Attempt) repeats() int { return max(1, a.Repeat) }

// run is one execution of an attempt; repetitions carry their own marker.
func (a Attempt) run(k int) Attempt {
	if k > 0 && a.Marker != "" {
		a.Marker += "-" + strconv.Itoa(k)
	}
	return a
}

// runScript is the shell command of one run, writing its results to
// files named after j (the run's index in the batch).
func runScript(a Attempt, j int) string {
	f := fmt.Sprintf("\"$d/%d", j)
	if a.HTTP {
		return fmt.Sprintf("%s >/dev/null 2>%s.ke\"; k=$?; echo $k >%s.kc\"; if [ $k -eq 0 ]; then %s >%s.o\" 2>%s.e\"; echo $? >%s.c\"; fi",
			quoteArgv(a.connectArgv()), f, f, quoteArgv(a.wgetArgv()), f, f, f)
	}
	return fmt.Sprintf("%s >/dev/null 2>%s.ke\"; echo $? >%s.kc\"", quoteArgv(a.connectArgv()), f, f)
}

// repeatPause separates the consecutive runs of an attempt (after the run
// before has answered; see overlapAfter for the probe agent).
const repeatPause = 200 * time.Millisecond

// batchScript runs every attempt at once in the background (the runs of
// one attempt one after the other) and prints the runs' outputs behind
// marker lines. It returns the script and the number of runs.
func batchScript(atts []Attempt) (string, int) {
	var b strings.Builder
	// One OS thread per client: a probe is a single dial, and a large
	// matrix starts many clients at once on a small node.
	b.WriteString("export GOMAXPROCS=1\n")
	b.WriteString("d=$(mktemp -d /tmp/ckadlab.XXXXXX) || exit 97\n")
	j := 0
	for _, a := range atts {
		var parts []string
		for k := 0; k < a.repeats(); k++ {
			parts = append(parts, runScript(a.run(k), j))
			j++
		}
		fmt.Fprintf(&b, "( %s ) &\n", strings.Join(parts, fmt.Sprintf("; sleep %g; ", repeatPause.Seconds())))
	}
	b.WriteString("wait\n")
	fmt.Fprintf(&b, "i=0; while [ $i -lt %d ]; do printf '\\n%s %%s %%s %%s\\n' $i \"$(cat \"$d/$i.kc\" 2>/dev/null)\" \"$(cat \"$d/$i.c\" 2>/dev/null || echo -)\"; cat \"$d/$i.ke\" 2>/dev/null; printf '\\n%s-out\\n'; cat \"$d/$i.o\" 2>/dev/null; printf '\\n%s-err\\n'; cat \"$d/$i.e\" 2>/dev/null; i=$((i+1)); done\n", j, batchMarker, batchMarker, batchMarker)
	b.WriteString("rm -rf \"$d\"\n")
	return b.String(), j
}

// parseBatch splits a batch's output into one result per attempt.
func parseBatch(out string, n int) ([]attemptResult, error) {
	res := make([]attemptResult, n)
	seen := make([]bool, n)
	parts := strings.Split(out, "\n"+batchMarker+" ")
	for _, p := range parts[1:] {
		head, rest, _ := strings.Cut(p, "\n")
		f := strings.Fields(head)
		if len(f) < 2 {
			continue
		}
		i, err := strconv.Atoi(f[0])
		if err != nil || i < 0 || i >= n {
			continue
		}
		kc, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("batched probe %d has no exit status", i)
		}
		kerr, rest, _ := strings.Cut(rest, "\n"+batchMarker+"-out\n")
		stdout, stderr, _ := strings.Cut(rest, "\n"+batchMarker+"-err\n")
		res[i].connect = ExecResult{Stderr: kerr, ExitCode: kc}
		if len(f) > 2 && f[2] != "-" {
			c, err := strconv.Atoi(f[2])
			if err == nil {
				res[i].get = &ExecResult{Stdout: strings.TrimSuffix(stdout, "\n"), Stderr: stderr, ExitCode: c}
			}
		}
		seen[i] = true
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("batched probe %d printed no result", i)
		}
	}
	return res, nil
}

// runAttempts runs attempts from r: in one batched shell command when the
// runner has a shell, else one command each (concurrently). Each attempt
// yields one Observation per repetition, in order.
func runAttempts(ctx context.Context, r Runner, atts []Attempt) ([][]Observation, error) {
	if len(atts) == 0 {
		return nil, nil
	}
	var longest time.Duration
	for _, a := range atts {
		longest = max(longest, time.Duration(a.repeats())*(2*a.Timeout+time.Second))
	}
	ctx, cancel := context.WithTimeout(ctx, longest+20*time.Second)
	defer cancel()
	obs := make([][]Observation, len(atts))
	if r.Shell() {
		script, n := batchScript(atts)
		out, err := r.Run(ctx, []string{"sh", "-c", script})
		if err != nil {
			return nil, err
		}
		if out.ExitCode == 97 {
			return nil, fmt.Errorf("%s: cannot create a directory under /tmp for probes", r)
		}
		results, err := parseBatch(out.Stdout, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (stderr: %s)", r, err, lastLine(out.Stderr))
		}
		j := 0
		for i, a := range atts {
			for k := 0; k < a.repeats(); k++ {
				obs[i] = append(obs[i], a.run(k).observe(results[j]))
				j++
			}
		}
		return obs, nil
	}
	errs := make([]error, len(atts))
	done := make(chan int, len(atts))
	for i, a := range atts {
		go func() {
			defer func() { done <- i }()
			for k := 0; k < a.repeats(); k++ {
				if k > 0 {
					time.Sleep(repeatPause)
				}
				ra := a.run(k)
				var res attemptResult
				if res.connect, errs[i] = r.Run(ctx, ra.connectArgv()); errs[i] != nil {
					return
				}
				if ra.HTTP && res.connect.ExitCode == 0 {
					get, err := r.Run(ctx, ra.wgetArgv())
					if errs[i] = err; err != nil {
						return
					}
					res.get = &get
				}
				obs[i] = append(obs[i], ra.observe(res))
			}
		}()
	}
	for range atts {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return obs, nil
}
