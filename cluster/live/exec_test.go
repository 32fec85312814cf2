package live

import (
	"errors"
	"fmt"
	"testing"

	"k8s.io/streaming/pkg/httpstream"
)

// TestFallBackToSPDY: the upgrade failure client-go's WebSocket transport
// returns (a k8s.io/streaming error, possibly wrapped) makes the exec fall
// back to SPDY; other errors do not.
func TestFallBackToSPDY(t *testing.T) {
	upgrade := &httpstream.UpgradeFailureError{Cause: errors.New("bad handshake")}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{upgrade, true},
		{fmt.Errorf("exec: %w", upgrade), true},
		{errors.New("proxy: unknown scheme: https"), true},
		{errors.New("connection refused"), false},
		{nil, false},
	} {
		if got := fallBackToSPDY(tt.err); got != tt.want {
			t.Errorf("fallBackToSPDY(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
