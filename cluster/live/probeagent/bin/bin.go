// Package bin holds the probe agent, built for Linux on each architecture
// a kind node runs (see `go generate`): ckadlab embeds the binaries and
// copies the one for the source's architecture into a container when a
// check starts.
package bin

import (
	"embed"
	"fmt"
	"runtime"
)

//go:generate go run ../internal/build

//go:embed agent-linux-*.gz
var agents embed.FS

// SourceHash is the hash of the agent's sources the binaries were built
// from (checked by a test, so that a changed agent is rebuilt).
//
//go:embed SOURCE_HASH
var SourceHash string

// Arches are the architectures with an embedded agent.
var Arches = []string{"amd64", "arm64"}

// Gzipped returns the gzip-compressed agent for arch (a GOARCH name, as
// a node reports it in status.nodeInfo.architecture).
func Gzipped(arch string) ([]byte, error) {
	if arch == "" {
		arch = runtime.GOARCH
	}
	b, err := agents.ReadFile("agent-linux-" + arch + ".gz")
	if err != nil {
		return nil, fmt.Errorf("no probe agent for linux/%s (built for %v)", arch, Arches)
	}
	return b, nil
}
