package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/content"
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

// Slow work ends on the first SIGINT or SIGTERM, with exit 130 or 143 and
// "ckadlab: interrupted", long before it would have finished (lint of a
// pack of 300 labs grades for a minute); a second signal ends it at once.
// (A named pipe no longer blocks anything: every file read refuses special
// files unread, see TestReachRefusesSpecialFiles.)
func TestSignalEndsSlowWork(t *testing.T) {
	src, err := content.FS.ReadFile("np-allow-app.toml")
	if err != nil {
		t.Fatal(err)
	}
	pack := t.TempDir()
	for i := range 300 {
		lab := strings.Replace(string(src), `id = "np-allow-app"`, fmt.Sprintf(`id = "slow-%03d"`, i), 1)
		if err := os.WriteFile(filepath.Join(pack, fmt.Sprintf("slow-%03d.toml", i)), []byte(lab), 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
			cmd, stderr := child(t, "lint", pack)
			// Let it get into the grading.
			waitFor(t, func() bool { return cpuTicks(cmd.Process.Pid) > 50 })
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

// cpuTicks is the CPU time process pid has used, in clock ticks (utime +
// stime of /proc/PID/stat).
func cpuTicks(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return u + st
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
