package probeagent

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// closedPort returns a local TCP port nothing listens on.
func closedPort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		return p
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

func TestDoTCPAndHTTP(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, fmt.Sprintf("%s %s %s %s", r.Host, r.URL.Path, r.Header.Get("X-Ckadlab-Probe"), r.UserAgent()))
		switch r.URL.Path {
		case "/hostname":
			fmt.Fprint(w, "pod-a\n")
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		case "/moved":
			http.Redirect(w, r, "https://example.invalid/", http.StatusPermanentRedirect)
		case "/chunked":
			w.(http.Flusher).Flush() // no Content-Length: chunked
			fmt.Fprint(w, strings.Repeat("x", 10))
			w.(http.Flusher).Flush()
			fmt.Fprint(w, "yz")
		case "/big":
			fmt.Fprint(w, strings.Repeat("b", 3*MaxBody))
		}
	}))
	defer srv.Close()
	host, port := hostPort(t, srv.Listener.Addr().String())
	closed := closedPort(t, "tcp")

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	hangup, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hangup.Close()
	go func() {
		for {
			c, err := hangup.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 512)
			_, _ = c.Read(buf)
			c.Close()
		}
	}()
	_, silentPort := hostPort(t, silent.Addr().String())
	_, hangupPort := hostPort(t, hangup.Addr().String())

	tests := []struct {
		name string
		req  Request
		want Response
	}{
		{"tcp connects", Request{Host: host, Port: port}, Response{Outcome: Connected}},
		{"tcp refused", Request{Host: host, Port: closed}, Response{Outcome: Refused}},
		{"http status and body", Request{Host: host, Port: port, HTTP: true, Path: "/hostname", HTTPHost: "shop.example", Marker: "m1"}, Response{Outcome: Connected, Status: 200, Body: "pod-a"}},
		{"http other status", Request{Host: host, Port: port, HTTP: true, Path: "/teapot"}, Response{Outcome: Connected, Status: 418}},
		{"http redirect not followed", Request{Host: host, Port: port, HTTP: true, Path: "/moved"}, Response{Outcome: Connected, Status: 308, Body: `<a href="https://example.invalid/">Permanent Redirect</a>.`}},
		{"http chunked body", Request{Host: host, Port: port, HTTP: true, Path: "/chunked"}, Response{Outcome: Connected, Status: 200, Body: "xxxxxxxxxxyz"}},
		{"http body capped", Request{Host: host, Port: port, HTTP: true, Path: "/big"}, Response{Outcome: Connected, Status: 200, Body: strings.Repeat("b", MaxBody)}},
		{"http refused", Request{Host: host, Port: closed, HTTP: true}, Response{Outcome: Refused}},
		{"http no answer", Request{Host: host, Port: silentPort, HTTP: true, AnswerMS: 200}, Response{Outcome: TimedOut, NoHTTPAnswer: true}},
		{"http server hangs up", Request{Host: host, Port: hangupPort, HTTP: true}, Response{Outcome: Connected}},
		{"name from /etc/hosts", Request{Host: "localhost", Port: port}, Response{Outcome: Connected}},
		{"name that does not resolve", Request{Host: "no-such-name.invalid", Port: port, DNSTimeoutMS: 1500}, Response{Outcome: Unresolved}},
		{"bad port", Request{Host: host, Port: 0}, Response{Outcome: Invalid}},
		{"unknown protocol", Request{Host: host, Port: port, Proto: "icmp"}, Response{Outcome: Invalid}},
		{"header injection", Request{Host: host, Port: port, HTTP: true, HTTPHost: "a\r\nX-Evil: 1"}, Response{Outcome: Invalid}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.ID = i + 1
			if tt.req.TimeoutMS == 0 {
				tt.req.TimeoutMS = 1000
			}
			got := Do(context.Background(), tt.req)
			if got.ID != tt.req.ID || got.Outcome != tt.want.Outcome || got.Status != tt.want.Status || got.Body != tt.want.Body || got.NoHTTPAnswer != tt.want.NoHTTPAnswer {
				t.Fatalf("Do(%+v) = %+v, want %+v", tt.req, got, tt.want)
			}
			if got.Outcome != Connected && got.Detail == "" {
				t.Errorf("%s without a detail", got.Outcome)
			}
			// a connection says how long it took (the margin to the
			// timeout); a probe that never connected has no time
			if (got.Outcome == Connected) != (got.TookMS > 0) && !got.NoHTTPAnswer {
				t.Errorf("%s with took_ms %v", got.Outcome, got.TookMS)
			}
		})
	}
	want := "shop.example /hostname m1 ckadlab-probe"
	if len(seen) == 0 || seen[0] != want {
		t.Errorf("first request seen as %q, want %q", seen, want)
	}
	if seen[1] != fmt.Sprintf("%s:%d /teapot  ckadlab-probe", host, port) {
		t.Errorf("a request without a Host header sends HOST:PORT, got %q", seen[1])
	}
}

func TestDoUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if string(buf[:n]) == "hostname\n" {
				_, _ = pc.WriteTo([]byte("pod-u"), from)
			}
		}
	}()
	_, port := hostPort(t, pc.LocalAddr().String())
	if got := Do(context.Background(), Request{Proto: "UDP", Host: "127.0.0.1", Port: port, TimeoutMS: 1000}); got.Outcome != Connected {
		t.Errorf("UDP to a server that answers: %+v", got)
	}
	if got := Do(context.Background(), Request{Proto: "udp", Host: "127.0.0.1", Port: closedPort(t, "udp"), TimeoutMS: 1000}); got.Outcome != Refused {
		t.Errorf("UDP to a closed port: %+v, want refused (ICMP port unreachable)", got)
	}
}

func TestDoSCTP(t *testing.T) {
	got := Do(context.Background(), Request{Proto: "sctp", Host: "127.0.0.1", Port: 9, TimeoutMS: 1000})
	switch {
	case got.Outcome == Refused:
	case got.Outcome == Unreachable && strings.Contains(got.Detail, "SCTP"):
		t.Logf("no SCTP here: %s", got.Detail)
	default:
		t.Errorf("SCTP to a closed port: %+v, want refused (or no SCTP on this machine)", got)
	}
}

func TestDoStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := Do(ctx, Request{Host: "no-such-name.invalid", Port: 80, TimeoutMS: 1000})
	if got.Outcome != Stopped {
		t.Errorf("a stopped lookup must not read as a verdict on the name: %+v", got)
	}
}

// TestDoDNSWithoutAnswer: a DNS server that never answers (a dropped
// query) makes the name unresolved, marked as "no answer" so that the
// backend can ask again before a verdict.
func TestDoDNSWithoutAnswer(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	old := resolver
	defer func() { resolver = old }()
	resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", silent.LocalAddr().String())
	}}
	got := Do(context.Background(), Request{Host: "db.shop.svc.cluster.local", Port: 80, TimeoutMS: 100, DNSTimeoutMS: 300})
	if got.Outcome != Unresolved || !got.NoDNSAnswer || !strings.Contains(got.Detail, "no DNS answer") {
		t.Errorf("Do = %+v, want unresolved with no DNS answer", got)
	}
}

// TestDoUDPToDNS: a DNS server answers only DNS messages, agnhost netexec
// only "hostname": a probe to UDP port 53 sends both and reads any answer
// as connected.
func TestDoUDPToDNS(t *testing.T) {
	p := udpPayloads(53)
	if len(p) != 2 || string(p[0]) != "hostname\n" || len(p[1]) < 12 || p[1][5] != 1 || p[1][len(p[1])-1] != 1 {
		t.Fatalf("port 53 payloads: %q", p)
	}
	if p := udpPayloads(8081); len(p) != 1 || string(p[0]) != "hostname\n" {
		t.Errorf("other ports get agnhost's hostname request only: %q", p)
	}
	server := func(answers func([]byte) bool) string {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		go func() {
			buf := make([]byte, 512)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				if answers(buf[:n]) {
					_, _ = pc.WriteTo([]byte("answer"), from)
				}
			}
		}()
		return pc.LocalAddr().String()
	}
	dns := server(func(b []byte) bool {
		return len(b) > 12 && strings.Contains(string(b[12:]), "\x0akubernetes\x07default")
	})
	netexec := server(func(b []byte) bool { return strings.TrimSpace(string(b)) == "hostname" })
	for name, addr := range map[string]string{"DNS server": dns, "netexec": netexec} {
		if got := udpProbe(context.Background(), addr, udpPayloads(53), time.Second); got.Outcome != Connected {
			t.Errorf("port-53 probe to a %s: %+v", name, got)
		}
	}
	if got := udpProbe(context.Background(), dns, udpPayloads(8081), 300*time.Millisecond); got.Outcome != TimedOut {
		t.Errorf("agnhost's request alone to a DNS server goes unanswered: %+v", got)
	}
}
