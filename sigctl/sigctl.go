// Package sigctl lets a terminal hand-off hold off ckadlab's own handling
// of SIGINT: while a shell or editor the learner runs has the terminal, a
// Ctrl-C typed there is the shell's, never a request to stop ckadlab.
// (With the shell in its own foreground process group the terminal does
// not signal ckadlab at all; the hold covers the case where no controlling
// terminal could be handed over.)
package sigctl

import "sync/atomic"

var holds atomic.Int32

// Hold starts holding off SIGINT; call the function it returns to stop.
// Holds nest.
func Hold() (release func()) {
	holds.Add(1)
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			holds.Add(-1)
		}
	}
}

// Held reports whether SIGINT is held off now.
func Held() bool { return holds.Load() > 0 }
