package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

type builtBinary struct {
	sync.Once
	path string
	err  error
}

var binOnce, peakOnce builtBinary

// do builds pkg (relative to the module) once for the suite.
func (b *builtBinary) do(pkg, name string) {
	b.Do(func() {
		b.path = filepath.Join(suite.dir, name)
		cmd := exec.Command("go", "build", "-o", b.path, pkg)
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.err = &buildError{pkg: pkg, out: string(out), err: err}
		}
	})
}

// build returns the binary of pkg, building it unless the suite already
// has (TestMain starts the builds while the cluster comes up).
func (b *builtBinary) build(t *testing.T, pkg, name string) string {
	t.Helper()
	b.do(pkg, name)
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// buildBinaries builds the suite's binaries in the background.
func buildBinaries() {
	go binOnce.do(ckadlabPkg, "ckadlab")
	go peakOnce.do(peakrssPkg, "peakrss")
}

const (
	ckadlabPkg = "./cmd/ckadlab"
	peakrssPkg = "./e2e/internal/peakrss"
)

// ckadlabBinary builds cmd/ckadlab once for the suite.
func ckadlabBinary(t *testing.T) string {
	return binOnce.build(t, ckadlabPkg, "ckadlab")
}

type buildError struct {
	pkg string
	out string
	err error
}

func (e *buildError) Error() string { return "go build " + e.pkg + ": " + e.err.Error() + "\n" + e.out }

// cliRun is one run of the ckadlab binary.
type cliRun struct {
	stdout, stderr string
	code           int
	wall           time.Duration
	maxRSSKiB      int64 // peak resident memory of the process
}

// runCLI runs the binary with its own XDG directories (home) and extra
// environment.
func runCLI(t *testing.T, home string, env []string, args ...string) cliRun {
	t.Helper()
	// through peakrss, for the process's own peak memory (see there)
	rss := filepath.Join(t.TempDir(), "peak-rss")
	cmd := exec.Command(peakOnce.build(t, peakrssPkg, "peakrss"), append([]string{rss, ckadlabBinary(t)}, args...)...)
	cmd.Env = append(os.Environ(),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := cliRun{stdout: out.String(), stderr: errb.String(), wall: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run ckadlab %v: %v", args, err)
	}
	if b, err := os.ReadFile(rss); err == nil {
		r.maxRSSKiB, _ = strconv.ParseInt(string(b), 10, 64)
	}
	return r
}
