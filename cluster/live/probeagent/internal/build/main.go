// Command build builds the probe agent for every architecture in
// ../bin (run by `go generate ./cluster/live/probeagent/bin`): a static,
// stripped, reproducible binary, gzip-compressed, and the hash of the
// sources it was built from.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ckadlab/ckadlab/cluster/live/probeagent/internal/srchash"
)

func main() {
	// go generate runs in the bin directory.
	root := ".."
	for _, arch := range []string{"amd64", "arm64"} {
		out := filepath.Join(os.TempDir(), "ckadlab-probe-agent-"+arch)
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, "./cmd/ckadlab-probe-agent")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fail(err)
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			fail(err)
		}
		_ = os.Remove(out)
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(raw); err != nil {
			fail(err)
		}
		if err := zw.Close(); err != nil {
			fail(err)
		}
		if err := os.WriteFile("agent-linux-"+arch+".gz", buf.Bytes(), 0o644); err != nil {
			fail(err)
		}
		fmt.Printf("agent-linux-%s.gz: %d bytes (%d uncompressed)\n", arch, buf.Len(), len(raw))
	}
	h, err := srchash.Of(root)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile("SOURCE_HASH", []byte(h+"\n"), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "build the probe agent:", err)
	os.Exit(1)
}
