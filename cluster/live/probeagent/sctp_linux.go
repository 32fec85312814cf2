package probeagent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// sctpProbe opens an SCTP association and waits for an answer to a
// datagram, as agnhost connect does (Go's net package has no SCTP, so
// this uses the socket API directly).
func sctpProbe(ctx context.Context, ip netip.Addr, port int, timeout time.Duration) Response {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	family := unix.AF_INET
	var sa unix.Sockaddr = &unix.SockaddrInet4{Port: port, Addr: ip.As4()}
	if ip.Is6() {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	}
	began := time.Now()
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_SCTP)
	if err != nil {
		return Response{Outcome: Unreachable, Detail: "cannot open an SCTP socket here: " + err.Error()}
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, sa); err != nil && !errors.Is(err, unix.EINPROGRESS) {
		return sctpErr(err)
	}
	if r := waitFD(fd, unix.POLLOUT, deadline); r != nil {
		return *r
	}
	if soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil {
		return sctpErr(err)
	} else if soErr != 0 {
		return sctpErr(unix.Errno(soErr))
	}
	if _, err := unix.Write(fd, []byte("hostname\n")); err != nil {
		return sctpErr(err)
	}
	if r := waitFD(fd, unix.POLLIN, deadline); r != nil {
		return *r
	}
	buf := make([]byte, 1024)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return sctpErr(err)
	}
	if n == 0 {
		return Response{Outcome: Unreachable, Detail: "the SCTP server closed without an answer"}
	}
	return Response{Outcome: Connected, TookMS: ms(time.Since(began))}
}

// waitFD waits until fd is ready for events or the deadline passes (a
// timeout Response).
func waitFD(fd int, events int16, deadline time.Time) *Response {
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return &Response{Outcome: TimedOut, Detail: "TIMEOUT"}
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(pfd, int(max(1, left.Milliseconds())))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			r := sctpErr(err)
			return &r
		}
		if n > 0 {
			return nil
		}
	}
}

func sctpErr(err error) Response {
	switch {
	case errors.Is(err, unix.ECONNREFUSED):
		return Response{Outcome: Refused, Detail: err.Error()}
	case errors.Is(err, unix.ETIMEDOUT):
		return Response{Outcome: TimedOut, Detail: err.Error()}
	}
	return Response{Outcome: Unreachable, Detail: fmt.Sprintf("SCTP: %v", err)}
}
