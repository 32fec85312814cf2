package tui

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
)

// tmuxSession drives the real binary in a private tmux server.
type tmuxSession struct {
	t    *testing.T
	sock string
	name string
}

// startTmux builds nothing: it starts bin with env (and nothing else) in a
// new tmux server of its own, in a w×h window.
func startTmux(t *testing.T, bin string, env []string, w, h int, args ...string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock"), name: "ckadlab"}
	cmdline := append([]string{"env", "-i"}, env...)
	cmdline = append(cmdline, bin)
	cmdline = append(cmdline, args...)
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", s.name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), shellJoin(cmdline))
	s.tmux("set-option", "-s", "escape-time", "0")
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// alive reports whether the app still runs (its window closes when it exits).
func (s *tmuxSession) alive() bool {
	return exec.Command("tmux", "-S", s.sock, "has-session", "-t", s.name).Run() == nil
}

func (s *tmuxSession) capture(escapes bool) string {
	s.t.Helper()
	args := []string{"capture-pane", "-p", "-t", s.name}
	if escapes {
		args = append(args, "-e")
	}
	return s.tmux(args...)
}

// keys sends tmux key names (Enter, Escape, C-c) or, with literal, text.
func (s *tmuxSession) keys(literal bool, keys ...string) {
	s.t.Helper()
	args := []string{"send-keys", "-t", s.name}
	if literal {
		args = append(args, "-l")
	}
	s.tmux(append(args, keys...)...)
}

// waitFor polls the screen until it contains every string, and returns it.
func (s *tmuxSession) waitFor(d time.Duration, want ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	var screen string
	for time.Now().Before(deadline) {
		if !s.alive() {
			s.t.Fatalf("the app exited while waiting for %q; last screen:\n%s", want, screen)
		}
		screen = s.capture(false)
		ok := true
		for _, w := range want {
			if !strings.Contains(screen, w) {
				ok = false
				break
			}
		}
		if ok {
			return screen
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %q; last screen:\n%s", want, screen)
	return ""
}

// shellJoin quotes argv for the shell tmux runs the command with.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// buildBinary builds ./cmd/ckadlab into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ckadlab")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ckadlab")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed, so the test that drives the real binary in tmux is skipped " +
			"(install tmux to run it; CI does)")
	}
	if testing.Short() {
		t.Skip("-short: not building and driving the real binary")
	}
}

// The real binary in tmux, on the offline cluster: browse → open → hint →
// check (no answer: failures with why) → shell hand-off in the workspace
// (the reference solution copied in) → re-check (full marks) → quit.
func TestTmuxRealBinary(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)

	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := labs.NewCatalog(all)
	if err != nil {
		t.Fatal(err)
	}
	lab := cat.All()[0]

	home := t.TempDir()
	solution := filepath.Join(home, "solution.yaml")
	env := []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"TERM=xterm-256color",
		"SHELL=/bin/sh",
		"LANG=C.UTF-8",
	}
	start := time.Now()
	s := startTmux(t, bin, env, 100, 30, "--cluster", "offline")
	s.waitFor(10*time.Second, "Press enter to browse the labs", "All labs")
	t.Logf("real binary in tmux: first frame with all labs loaded after %v (process start included)", time.Since(start).Round(time.Millisecond))

	// Browse, filter to the lab, open it.
	s.keys(false, "Enter")
	s.waitFor(5*time.Second, "labs · type to filter")
	s.keys(false, "/")
	s.keys(true, lab.ID)
	s.waitFor(5*time.Second, "1 of ")
	s.keys(false, "Enter")
	// A lab with parameters shows a fresh variant: its namespace is
	// known once it is started.
	s.waitFor(5*time.Second, "namespace ", "context offline", "Graded checks")

	// One hint per key press.
	s.keys(false, "h")
	s.waitFor(5*time.Second, "hints 1/")

	// Check with no answer: failures, explained.
	s.keys(false, "c")
	screen := s.waitFor(10*time.Second, "Score ", "attempts 1")
	if !strings.Contains(screen, "✗") || !strings.Contains(screen, "expected") || !strings.Contains(screen, "why") {
		t.Fatalf("a check without an answer shows no explained failure:\n%s", screen)
	}

	// The check started the lab: the reference solution of the variant
	// it recorded is the answer the shell copies in.
	n, recorded, err := state.Dirs{Data: filepath.Join(home, "data", "ckadlab")}.LoadVariant(lab.ID)
	if err != nil || (lab.HasParams() && !recorded) {
		t.Fatalf("the started variant is not recorded: %v", err)
	}
	started, err := lab.Variant(n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(screen, "namespace "+started.Namespace) {
		t.Errorf("the screen does not show variant %d's namespace %s:\n%s", n, started.Namespace, screen)
	}
	if err := os.WriteFile(solution, []byte(started.Solution.Manifests), 0o644); err != nil {
		t.Fatal(err)
	}

	// The shell hand-off: a shell in the workspace, back on exit.
	s.keys(false, "Escape")
	s.waitFor(5*time.Second, "Graded checks")
	s.keys(false, "s")
	s.waitFor(5*time.Second, "a shell in the workspace of lab "+lab.ID)
	s.keys(true, "test \"$CKADLAB_LAB\" = "+lab.ID+" && test -z \"$KUBECONFIG\" && cp "+solution+" answer.yaml && exit")
	s.keys(false, "Enter")
	s.waitFor(10*time.Second, "Back from the shell")
	ws := state.Dirs{Data: filepath.Join(home, "data", "ckadlab")}.Workspace(lab.ID)
	if _, err := os.Stat(filepath.Join(ws, "answer.yaml")); err != nil {
		t.Fatalf("the shell did not run in the workspace with the lab's environment: %v", err)
	}

	// Re-check: full marks.
	s.keys(false, "c")
	screen = s.waitFor(10*time.Second, "lab passed", "attempts 2")
	if !regexp.MustCompile(`Score (\d+)/(\d+) \(100%\)`).MatchString(screen) || strings.Contains(screen, "✗") {
		t.Fatalf("the reference solution does not score 100%%:\n%s", screen)
	}

	// Back to the list: the lab shows as passed.
	s.keys(false, "Escape")
	s.waitFor(5*time.Second, "Graded checks")
	s.keys(false, "Escape")
	s.waitFor(5*time.Second, "✓ passed")

	// q types into the list's filter; on the home screen it quits. The log
	// went to the state directory, not the screen.
	s.keys(false, "Escape")
	s.waitFor(5*time.Second, "labs · type to filter")
	s.keys(false, "Escape")
	s.waitFor(5*time.Second, "Press enter to browse the labs")
	s.keys(false, "q")
	deadline := time.Now().Add(5 * time.Second)
	for s.alive() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s.alive() {
		t.Fatal("q did not quit the app")
	}
	logData, err := os.ReadFile(filepath.Join(home, "state", "ckadlab", "ckadlab.log"))
	if err != nil {
		t.Fatalf("no log in the state directory: %v", err)
	}
	for _, want := range []string{"labs loaded", "check finished", "hand-off", "tui quit"} {
		if !bytes.Contains(logData, []byte(want)) {
			t.Errorf("the log lacks %q:\n%s", want, logData)
		}
	}
}

// Without colour (NO_COLOR, --no-color, TERM=dumb) the real binary draws no
// colour at all, and state is still shown by glyphs.
func TestTmuxNoColor(t *testing.T) {
	requireTmux(t)
	bin := buildBinary(t)
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"NO_COLOR", []string{"TERM=xterm-256color", "NO_COLOR=1"}, nil},
		{"--no-color", []string{"TERM=xterm-256color"}, []string{"--no-color"}},
		{"TERM=dumb", []string{"TERM=dumb"}, nil},
	}
	colour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9;]*)?m`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			env := append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8",
				"XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_STATE_HOME=" + filepath.Join(home, "state")}, tt.env...)
			s := startTmux(t, bin, env, 80, 24, tt.args...)
			s.waitFor(10*time.Second, "Press enter to browse the labs")
			s.keys(false, "Enter")
			s.waitFor(5*time.Second, "labs · type to filter")
			screen := s.capture(true)
			if m := colour.FindString(screen); m != "" {
				t.Fatalf("a colour escape %q without colour:\n%q", m, screen)
			}
			if !strings.Contains(screen, glyphCursor) || !strings.Contains(screen, "○ new") {
				t.Fatalf("no cursor or status glyphs:\n%s", screen)
			}
			s.keys(false, "q")
		})
	}
}
