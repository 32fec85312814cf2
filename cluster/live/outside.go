package live

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/ckadlab/ckadlab/probe"
)

// Sender sends attempts from one place and reports what each saw.
type Sender interface {
	// Send runs the attempts concurrently; each yields one Observation
	// per repetition (Attempt.Repeat), in order.
	Send(ctx context.Context, atts []Attempt) ([][]Observation, error)
	String() string
}

// CommandSender sends attempts by running agnhost connect and wget with r.
func CommandSender(r Runner) Sender { return cmdSender{r} }

type cmdSender struct{ r Runner }

// runner is where a command sender runs its commands.
func (s cmdSender) runner() Runner { return s.r }

func (s cmdSender) Send(ctx context.Context, atts []Attempt) ([][]Observation, error) {
	return runAttempts(ctx, s.r, atts)
}
func (s cmdSender) String() string { return s.r.String() }

// Outside sends traffic from outside the cluster.
type Outside interface {
	// External is a client outside the cluster, on the nodes' network:
	// where it sends from and the source address the nodes see.
	External(ctx context.Context) (Sender, netip.Addr, error)
}

// Router is an Outside whose network can route an address to a node, as
// a data-centre network routes a Service's spec.externalIPs to the
// cluster's nodes (kube-proxy then serves the Service on them).
type Router interface {
	// Route sends the outside client's traffic for dst through the node
	// address via; an invalid via removes such a route.
	Route(ctx context.Context, dst, via netip.Addr) error
}

// LocalOutside sends "outside" probes from this machine itself: the
// default for a cluster ckadlab did not create, whose node addresses this
// machine can usually reach.
type LocalOutside struct{}

func (LocalOutside) External(ctx context.Context) (Sender, netip.Addr, error) {
	return localSender{}, netip.Addr{}, nil
}

type localSender struct{}

func (localSender) String() string { return "this machine" }

func (localSender) Send(ctx context.Context, atts []Attempt) ([][]Observation, error) {
	out := make([][]Observation, len(atts))
	done := make(chan struct{}, len(atts))
	for i, a := range atts {
		go func() {
			for k := 0; k < a.repeats(); k++ {
				if k > 0 {
					time.Sleep(repeatPause)
				}
				out[i] = append(out[i], localAttempt(ctx, a.run(k)))
			}
			done <- struct{}{}
		}()
	}
	for range atts {
		<-done
	}
	return out, nil
}

func localAttempt(ctx context.Context, a Attempt) Observation {
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	if a.HTTP {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a.addr()+a.Path, nil)
		if err != nil {
			return Observation{Outcome: probe.Unreachable, Detail: err.Error()}
		}
		if a.HTTPHost != "" {
			req.Host = a.HTTPHost
		}
		req.Header.Set("User-Agent", "ckadlab-probe")
		if a.Marker != "" {
			req.Header.Set("X-Ckadlab-Probe", a.Marker)
		}
		cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := cl.Do(req)
		if err != nil {
			return classifyNetErr(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return Observation{Outcome: probe.Connected, Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	network := strings.ToLower(string(a.Proto))
	if network == "" {
		network = "tcp"
	}
	if network == "sctp" {
		return Observation{Outcome: probe.Unreachable, Detail: "SCTP probes from this machine are not supported"}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, a.addr())
	if err != nil {
		return classifyNetErr(err)
	}
	defer conn.Close()
	if network == "udp" {
		_ = conn.SetDeadline(time.Now().Add(a.Timeout))
		if _, err := conn.Write([]byte("hostname\n")); err != nil {
			return classifyNetErr(err)
		}
		buf := make([]byte, 512)
		if _, err := conn.Read(buf); err != nil {
			return classifyNetErr(err)
		}
	}
	return Observation{Outcome: probe.Connected}
}

func classifyNetErr(err error) Observation {
	o := Observation{Detail: err.Error()}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		o.Outcome = probe.Unresolved
	case errors.Is(err, syscall.ECONNREFUSED):
		o.Outcome = probe.Refused
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		o.TimedOut = true
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			o.TimedOut = true
		} else {
			o.Outcome = probe.Unreachable
		}
	}
	return o
}
