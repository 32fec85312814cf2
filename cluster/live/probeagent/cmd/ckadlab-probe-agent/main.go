// Command ckadlab-probe-agent answers probe requests on its standard input
// (see package probeagent). ckadlab copies it into the containers probes
// start from; it is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ckadlab/ckadlab/cluster/live/probeagent"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := probeagent.Serve(ctx, os.Stdin, os.Stdout, probeagent.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "ckadlab-probe-agent:", err)
		os.Exit(1)
	}
}
