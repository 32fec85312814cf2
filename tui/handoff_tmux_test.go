package tui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

// The shell hand-off is a job of its own, whatever stderr is (here a log
// file: `ckadlab 2>log`): Ctrl-C and Ctrl-\ typed in the shell stop the
// command running there, not ckadlab, and after exit the TUI is back.
func TestTmuxShellOwnsCtrlC(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	lab := all[0]
	// bash, interactive (its prompt on the terminal), as a learner's shell.
	shell, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	home := t.TempDir()
	logFile := filepath.Join(home, "stderr.log")
	env := []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"TERM=xterm-256color",
		"SHELL=" + shell,
		"LANG=C.UTF-8",
	}
	s := startTmux(t, "/bin/sh", env, 100, 30, "-c", "exec "+shellJoin([]string{bin, "--cluster", "offline"})+" 2>"+shellJoin([]string{logFile}))
	s.waitFor(20*time.Second, "Press enter to browse the labs")
	s.keys(false, "Enter")
	s.waitFor(15*time.Second, "labs · type to filter")
	s.keys(false, "/")
	s.keys(true, lab.ID)
	s.waitFor(15*time.Second, "1 of ")
	s.keys(false, "Enter")
	s.waitFor(15*time.Second, "s shell in workspace")
	s.keys(false, "s")
	s.waitFor(15*time.Second, "a shell in the workspace of lab "+lab.ID)

	// Ctrl-C stops the command in the shell; the shell carries on.
	s.keys(true, "sleep 60; echo after-sleep-$((6*7))")
	s.keys(false, "Enter")
	time.Sleep(300 * time.Millisecond)
	s.keys(false, "C-c")
	s.keys(true, "echo alive-$((40+2))")
	s.keys(false, "Enter")
	s.waitFor(20*time.Second, "alive-42")
	// Ctrl-\ likewise (SIGQUIT would dump ckadlab's goroutines).
	s.keys(true, "sleep 60")
	s.keys(false, "Enter")
	time.Sleep(300 * time.Millisecond)
	s.keys(false, `C-\`)
	s.keys(true, "echo still-$((50+5))")
	s.keys(false, "Enter")
	s.waitFor(20*time.Second, "still-55")

	s.keys(true, "exit")
	s.keys(false, "Enter")
	s.waitFor(20*time.Second, "Back from the shell")
	// Still running, and still answering keys.
	time.Sleep(time.Second)
	if !s.alive() {
		t.Fatal("ckadlab ended after the shell")
	}
	s.keys(false, "Escape")
	s.waitFor(15*time.Second, "enter open lab")
	// Ctrl-C in the TUI itself still quits it (Bubble Tea reads it as a key).
	s.keys(false, "C-c")
	deadline := time.Now().Add(5 * time.Second)
	for s.alive() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	logData, _ := os.ReadFile(logFile)
	for _, bad := range []string{"context canceled", "goroutine", "SIGQUIT", "interrupted"} {
		if strings.Contains(string(logData), bad) {
			t.Errorf("stderr has %q:\n%s", bad, logData)
		}
	}
}
