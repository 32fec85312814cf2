// Command ckadlab-probe-agent answers probe requests on its standard input
// (see package probeagent). ckadlab copies it into the containers probes
// start from; it is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ckadlab/ckadlab/cluster/live/probeagent"
)

func main() {
	// ckadlab copies the agent to a temporary file and starts it there:
	// the file goes at once (the running process keeps its image), so
	// nothing is left in the container.
	if len(os.Args) > 0 && strings.HasPrefix(filepath.Base(os.Args[0]), probeagent.FilePrefix) {
		_ = os.Remove(os.Args[0])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := probeagent.Serve(ctx, os.Stdin, os.Stdout, probeagent.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "ckadlab-probe-agent:", err)
		os.Exit(1)
	}
}
