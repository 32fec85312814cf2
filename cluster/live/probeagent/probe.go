package probeagent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// httpGrace is how much longer than the connect timeout an HTTP answer
// may take by default (see Request.AnswerMS).
const httpGrace = 3 * time.Second

// dnsGrace is how much longer than the connect timeout a name lookup may
// take by default before it reads as unresolved.
const dnsGrace = 4 * time.Second

// Do runs one request.
func Do(ctx context.Context, req Request) Response {
	resp := do(ctx, req)
	if ctx.Err() != nil && resp.Outcome != Connected {
		// the agent is stopping: no verdict on the traffic
		resp = Response{Outcome: Stopped, Detail: "stopped: " + ctx.Err().Error()}
	}
	resp.ID = req.ID
	return resp
}

func do(ctx context.Context, req Request) Response {
	if req.Port < 1 || req.Port > 65535 {
		return Response{Outcome: Invalid, Detail: fmt.Sprintf("port %d is out of range", req.Port)}
	}
	if req.Host == "" {
		return Response{Outcome: Invalid, Detail: "no host"}
	}
	if strings.ContainsAny(req.Host+req.HTTPHost+req.Path+req.Marker, "\r\n \t") {
		return Response{Outcome: Invalid, Detail: "the host, a header or the path contains white space"}
	}
	timeout := time.Duration(req.TimeoutMS) * time.Millisecond
	if timeout <= 0 {
		timeout = time.Second
	}
	proto := strings.ToLower(req.Proto)
	if req.HTTP || proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return Response{Outcome: Invalid, Detail: "unknown protocol " + req.Proto}
	}

	ip, bad := resolve(ctx, req, timeout)
	if bad != nil {
		return *bad
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(req.Port))
	switch {
	case proto == "udp":
		return udpProbe(ctx, addr, udpPayloads(req.Port), timeout)
	case proto == "sctp":
		return sctpProbe(ctx, ip, req.Port, timeout)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	began := time.Now()
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return classify(err)
	}
	took := ms(time.Since(began))
	defer conn.Close()
	if !req.HTTP {
		return Response{Outcome: Connected, TookMS: took}
	}
	wait := time.Duration(req.AnswerMS) * time.Millisecond
	if wait <= 0 {
		wait = timeout + httpGrace
	}
	resp := httpGet(conn, req, wait)
	resp.TookMS = took
	return resp
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// resolver is the agent's resolver (a test replaces it).
var resolver = net.DefaultResolver

// resolve turns the request's host into an address the way the container
// does (Go's resolver reads the container's /etc/resolv.conf and
// /etc/hosts, as agnhost connect does). A lookup that fails or gets no
// answer in time is an unresolved probe.
func resolve(ctx context.Context, req Request, timeout time.Duration) (netip.Addr, *Response) {
	if ip, err := netip.ParseAddr(req.Host); err == nil {
		return ip.Unmap(), nil
	}
	wait := time.Duration(req.DNSTimeoutMS) * time.Millisecond
	if wait <= 0 {
		wait = timeout + dnsGrace
	}
	lctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	addrs, err := resolver.LookupNetIP(lctx, "ip", req.Host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		if lctx.Err() != nil {
			return netip.Addr{}, &Response{Outcome: Unresolved, NoDNSAnswer: true, Detail: fmt.Sprintf("no DNS answer for %s within %s", req.Host, wait)}
		}
		return netip.Addr{}, &Response{Outcome: Unresolved, Detail: err.Error()}
	}
	return addrs[0].Unmap(), nil
}

// classify reads a dial or I/O error as agnhost connect does.
func classify(err error) Response {
	r := Response{Detail: err.Error()}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		r.Outcome = Refused
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		r.Outcome = TimedOut
	default:
		r.Outcome = Unreachable
	}
	return r
}

// udpPayloads are the datagrams a UDP probe sends; any answer to any of
// them is a connection. agnhost's servers answer "hostname" (what agnhost
// connect sends; netexec ignores anything else), a DNS server ignores a
// datagram that is no DNS message: port 53 gets both, a real query too
// (an answer, NXDOMAIN included, proves the server got it).
func udpPayloads(port int) [][]byte {
	hostname := []byte("hostname\n")
	if port != 53 {
		return [][]byte{hostname}
	}
	// ID 0x6b6c, recursion desired, one question:
	// kubernetes.default.svc.cluster.local. A IN
	msg := []byte{0x6b, 0x6c, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	for _, label := range strings.Split("kubernetes.default.svc.cluster.local", ".") {
		msg = append(msg, byte(len(label)))
		msg = append(msg, label...)
	}
	return [][]byte{hostname, append(msg, 0, 0, 1, 0, 1)}
}

// udpProbe sends a datagram and waits for an answer, as agnhost connect
// does: an answer is a connection, an ICMP port unreachable is refused,
// silence is a timeout.
func udpProbe(ctx context.Context, addr string, payloads [][]byte, timeout time.Duration) Response {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return classify(err)
	}
	defer conn.Close()
	began := time.Now()
	_ = conn.SetDeadline(began.Add(timeout))
	for _, p := range payloads {
		if _, err := conn.Write(p); err != nil {
			return classify(err)
		}
	}
	buf := make([]byte, 1024)
	n, err := conn.Read(buf)
	if err != nil {
		return classify(err)
	}
	if n == 0 {
		return Response{Outcome: Unreachable, Detail: "no data received from the server"}
	}
	return Response{Outcome: Connected, TookMS: ms(time.Since(began))}
}

// httpGet sends a GET on conn and reads the answer's status and the start
// of its body. Redirects are not followed: the status is the first
// answer's (a 308 to HTTPS is what the learner's client sees first).
func httpGet(conn net.Conn, req Request, wait time.Duration) Response {
	_ = conn.SetDeadline(time.Now().Add(wait))
	host := req.HTTPHost
	if host == "" {
		host = net.JoinHostPort(req.Host, strconv.Itoa(req.Port))
	}
	path := req.Path
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ckadlab-probe\r\nAccept: */*\r\nConnection: close\r\n", path, host)
	if req.Marker != "" {
		fmt.Fprintf(&b, "X-Ckadlab-Probe: %s\r\n", req.Marker)
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return connectedNoAnswer(err, wait)
	}
	br := bufio.NewReaderSize(conn, 4096)
	status, err := readStatus(br)
	if err != nil {
		return connectedNoAnswer(err, wait)
	}
	length, chunked, err := readHeaders(br)
	if err != nil {
		return Response{Outcome: Connected, Status: status, Detail: "bad HTTP headers: " + err.Error()}
	}
	body := readBody(br, length, chunked)
	return Response{Outcome: Connected, Status: status, Body: strings.TrimSpace(body)}
}

// connectedNoAnswer: the connection worked but no HTTP answer came. A
// server that closes or resets the connection counts as connected (as
// busybox wget's "error getting response"); silence until the deadline
// is a timeout.
func connectedNoAnswer(err error, wait time.Duration) Response {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return Response{Outcome: TimedOut, NoHTTPAnswer: true, Detail: fmt.Sprintf("connected, but no HTTP answer within %s", wait)}
	}
	return Response{Outcome: Connected, Detail: "connected, but the server closed without an HTTP answer: " + err.Error()}
}

func readStatus(br *bufio.Reader) (int, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return 0, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return 0, fmt.Errorf("not an HTTP status line: %q", strings.TrimSpace(line))
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 999 {
		return 0, fmt.Errorf("bad HTTP status %q", f[1])
	}
	return code, nil
}

// readHeaders reads the header block and returns the body's length (-1:
// until the connection closes) and whether it is chunked.
func readHeaders(br *bufio.Reader) (int, bool, error) {
	length, chunked := -1, false
	for n := 0; ; n++ {
		if n > 200 {
			return 0, false, errors.New("too many header lines")
		}
		line, err := br.ReadString('\n')
		if err != nil {
			return 0, false, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return length, chunked, nil
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "content-length":
			if l, err := strconv.Atoi(v); err == nil && l >= 0 {
				length = l
			}
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(v), "chunked")
		}
	}
}

// readBody reads at most MaxBody bytes of the body; errors end it early
// (the status is what matters, the body is a bonus).
func readBody(br *bufio.Reader, length int, chunked bool) string {
	var b strings.Builder
	switch {
	case chunked:
		for b.Len() < MaxBody {
			line, err := br.ReadString('\n')
			if err != nil {
				break
			}
			size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
			if err != nil || size <= 0 {
				break
			}
			if _, err := io.CopyN(&b, br, min(size, int64(MaxBody-b.Len()))); err != nil {
				break
			}
			if int64(b.Len()) >= MaxBody {
				break
			}
			_, _ = br.ReadString('\n') // the CRLF after the chunk
		}
	case length >= 0:
		_, _ = io.CopyN(&b, br, int64(min(length, MaxBody)))
	default:
		_, _ = io.CopyN(&b, br, MaxBody)
	}
	return b.String()
}
