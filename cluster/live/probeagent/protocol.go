// Package probeagent is ckadlab's probe agent: a small program that runs
// where probes start (a source pod's container, a host stand-in, the
// container outside the cluster) and answers a stream of probe requests,
// each in its own goroutine: a TCP, UDP or SCTP connect, or an HTTP GET
// with a Host header and a path. One agent process serves every probe of
// a check from its source, so a probe costs a dial, not a process start.
//
// The protocol is JSON lines: the agent prints a Hello, then reads
// Requests from its standard input and prints one Response per Request
// (in the order they finish). It exits when its input ends, after an idle
// period, or after a maximum lifetime.
//
// The agent classifies outcomes the way agnhost connect and busybox wget
// (the commands it replaces) do, so that the live backend reads the same
// verdicts whichever way a probe was sent.
package probeagent

// Hello is the agent's first line.
type Hello struct {
	Agent   string `json:"agent"`   // always "ckadlab-probe-agent"
	Version string `json:"version"` // the protocol version (Version)
	PID     int    `json:"pid"`
}

// AgentName is Hello.Agent.
const AgentName = "ckadlab-probe-agent"

// Version is the protocol version; a client refuses an agent that prints
// another.
const Version = "1"

// Request is one probe.
type Request struct {
	ID int `json:"id"`
	// Proto is "tcp", "udp" or "sctp"; HTTP requests are TCP.
	Proto string `json:"proto,omitempty"`
	Host  string `json:"host"` // address or DNS name (resolved as the container resolves it)
	Port  int    `json:"port"`
	// HTTP makes the probe a GET once connected.
	HTTP     bool   `json:"http,omitempty"`
	HTTPHost string `json:"http_host,omitempty"` // Host header ("": HOST:PORT)
	Path     string `json:"path,omitempty"`      // "": "/"
	Marker   string `json:"marker,omitempty"`    // X-Ckadlab-Probe header
	// TimeoutMS bounds the connect, and (HTTP) the wait for the answer.
	TimeoutMS int `json:"timeout_ms"`
	// DNSTimeoutMS bounds the name lookup of a Host that is a name (0:
	// TimeoutMS plus four seconds): a lookup with no answer by then reads
	// as unresolved (the DNS query is dropped).
	DNSTimeoutMS int `json:"dns_timeout_ms,omitempty"`
	// AnswerMS bounds the wait for an HTTP answer once connected (0:
	// TimeoutMS plus three seconds: an ingress controller that cannot
	// reach a backend answers 504 after its own one-second timeout).
	AnswerMS int `json:"answer_ms,omitempty"`
}

// Outcomes of a Response.
const (
	Connected   = "connected"   // connected (HTTP: an answer, or the server closed without one)
	Refused     = "refused"     // connection refused (TCP RST, ICMP port unreachable, SCTP ABORT)
	Unresolved  = "unresolved"  // the name does not resolve (NXDOMAIN, or no DNS answer in time)
	Unreachable = "unreachable" // no route, network unreachable, or another network error
	TimedOut    = "timeout"     // no answer within the timeout
	Invalid     = "invalid"     // the request itself is wrong (bad port, unknown protocol)
	Stopped     = "stopped"     // the agent stopped before the probe ended: no verdict
)

// Response is a Request's result.
type Response struct {
	ID      int    `json:"id"`
	Outcome string `json:"outcome"`
	// Status and Body are an HTTP answer's (Body: at most MaxBody bytes,
	// trimmed).
	Status int    `json:"status,omitempty"`
	Body   string `json:"body,omitempty"`
	// Detail is the error in the client's words, for reasons.
	Detail string `json:"detail,omitempty"`
	// NoHTTPAnswer: connected, but no HTTP answer within the timeout.
	NoHTTPAnswer bool `json:"no_http_answer,omitempty"`
	// NoDNSAnswer: unresolved because no DNS answer came in time (rather
	// than an answer saying the name does not exist).
	NoDNSAnswer bool `json:"no_dns_answer,omitempty"`
	// TookMS is how long a connection took to establish (a UDP answer
	// to arrive), in milliseconds, for a connected probe: how close the
	// network comes to the timeout that reads silence as blocked.
	TookMS float64 `json:"took_ms,omitempty"`
}

// MaxBody is how much of an HTTP body a Response carries.
const MaxBody = 4096

// FilePrefix starts the name of the agent's executable in a container
// (/tmp/.ckadlab-probe-agent-HASH).
const FilePrefix = ".ckadlab-probe-agent"
