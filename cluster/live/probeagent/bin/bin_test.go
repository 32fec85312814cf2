package bin

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/cluster/live/probeagent"
	"github.com/ckadlab/ckadlab/cluster/live/probeagent/internal/srchash"
)

// TestBinariesMatchSources fails when the agent's sources changed since
// the embedded binaries were built: run `go generate ./cluster/live/probeagent/bin`.
func TestBinariesMatchSources(t *testing.T) {
	h, err := srchash.Of("..")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(SourceHash); got != h {
		t.Fatalf("the embedded probe agent was built from other sources (hash %s, sources %s): run `go generate ./cluster/live/probeagent/bin`", got, h)
	}
	for _, arch := range Arches {
		b, err := Gzipped(arch)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(b)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if !bytes.HasPrefix(raw, []byte("\x7fELF")) {
			t.Errorf("%s: not an ELF binary", arch)
		}
	}
	if _, err := Gzipped("s390x"); err == nil || !strings.Contains(err.Error(), "no probe agent for linux/s390x") {
		t.Errorf("an architecture without an agent: %v", err)
	}
}

// TestEmbeddedAgentRuns runs the shipped binary for this machine as the
// live backend does, answering requests on its standard input until the
// input ends.
func TestEmbeddedAgentRuns(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the agent is a Linux binary")
	}
	gz, err := Gzipped(runtime.GOARCH)
	if err != nil {
		t.Skip(err)
	}
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), probeagent.FilePrefix+".test")
	if err := os.WriteFile(path, raw, 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	cmd := exec.Command(path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("no hello (stderr: %s)", stderr.String())
	}
	var h probeagent.Hello
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Agent != probeagent.AgentName || h.Version != probeagent.Version {
		t.Fatalf("hello %q: %v", sc.Text(), err)
	}
	fmt.Fprintf(stdin, `{"id":7,"host":"127.0.0.1","port":%d,"timeout_ms":1000}`+"\n", l.Addr().(*net.TCPAddr).Port)
	if !sc.Scan() {
		t.Fatal("no response")
	}
	var r probeagent.Response
	if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID != 7 || r.Outcome != probeagent.Connected {
		t.Fatalf("response %q: %v", sc.Text(), err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the agent did not end cleanly when its input ended: %v (stderr: %s)", err, stderr.String())
	}
}
