// Package bin holds the probe agent, built for Linux on each architecture
// a kind node runs (see `go generate`): ckadlab embeds the binaries and
// copies the one for the source's architecture into a container when a
// check starts.
package bin

import (
	"fmt"
	"runtime"
	"strings"

	_ "embed" // the agents
)

//go:generate go run ../internal/build

// The agents are strings, so that handing one out copies nothing.
var (
	//go:embed agent-linux-amd64.gz
	amd64 string
	//go:embed agent-linux-arm64.gz
	arm64 string
)

// SourceHash is the hash of the agent's sources the binaries were built
// from (checked by a test, so that a changed agent is rebuilt).
//
//go:embed SOURCE_HASH
var SourceHash string

// Arches are the architectures with an embedded agent.
var Arches = []string{"amd64", "arm64"}

// Gzipped returns the gzip-compressed agent for arch (a GOARCH name, as
// a node reports it in status.nodeInfo.architecture; "" is this
// machine's).
func Gzipped(arch string) (*strings.Reader, error) {
	if arch == "" {
		arch = runtime.GOARCH
	}
	switch arch {
	case "amd64":
		return strings.NewReader(amd64), nil
	case "arm64":
		return strings.NewReader(arm64), nil
	}
	return nil, fmt.Errorf("no probe agent for linux/%s (built for %v)", arch, Arches)
}
