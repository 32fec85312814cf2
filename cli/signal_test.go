package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalChildEnv makes the test binary run Main with the arguments after
// "--" (the re-exec pattern): signals are tested on a real process.
const signalChildEnv = "CKADLAB_SIGNAL_TEST_CHILD"

func init() {
	if os.Getenv(signalChildEnv) != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Main(args, os.Stdin, os.Stdout, os.Stderr))
}

// child starts the test binary as ckadlab with args and waits until it
// has started (its stderr is captured).
func child(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), signalChildEnv+"=1", "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "CKADLAB_CLUSTER=offline")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &stderr
}

// A command blocked reading a named pipe (reach -f FIFO) ends on the
// first SIGINT or SIGTERM, with exit 130 or 143, well before any writer
// comes; a second signal ends it at once.
func TestSignalEndsBlockedWork(t *testing.T) {
	tests := []struct {
		name string
		sigs []syscall.Signal
		code int
	}{
		{"SIGINT", []syscall.Signal{syscall.SIGINT}, 130},
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}, 143},
		{"two SIGINTs", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, 130},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "answer.yaml")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd, stderr := child(t, "reach", "-f", fifo, "--from", "default/a", "--to", "default/b", "--port", "80")
			// Wait until it blocks on the pipe.
			waitFor(t, func() bool { return blockedOnPipe(cmd.Process.Pid) })
			for _, s := range tt.sigs {
				if err := cmd.Process.Signal(s); err != nil {
					t.Fatal(err)
				}
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != tt.code {
					t.Fatalf("exit %v, want code %d; stderr:\n%s", err, tt.code, stderr)
				}
				if !strings.Contains(stderr.String(), "ckadlab: interrupted") {
					t.Errorf("stderr %q", stderr)
				}
			case <-time.After(10 * time.Second): // generous: the bound is the grace period
				t.Fatalf("still running after %v", tt.sigs)
			}
		})
	}
}

// blockedOnPipe reports whether a thread of process pid waits in the
// kernel on a named pipe (opening or reading it).
func blockedOnPipe(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		w, _ := os.ReadFile(filepath.Join(dir, e.Name(), "wchan"))
		if strings.Contains(string(w), "wait_for_partner") || strings.Contains(string(w), "pipe") {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("timed out waiting")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
