//go:build !linux

package probeagent

import (
	"context"
	"net/netip"
	"runtime"
	"time"
)

func sctpProbe(ctx context.Context, ip netip.Addr, port int, timeout time.Duration) Response {
	return Response{Outcome: Unreachable, Detail: "SCTP probes are not supported on " + runtime.GOOS}
}
