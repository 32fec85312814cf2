package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// The main flow: home → labs → open → hint → check → results → back.
func TestFlowOpenHintCheckBack(t *testing.T) {
	env := newTestEnv(t)
	d := newDriver(t, env.cfg, 80, 24)
	d.requireView("offline (built in)", "enforced (modelled)", "1 of 3 passed")

	d.keys("enter")
	if d.m.current != screenBrowser {
		t.Fatalf("screen = %v, want Labs", d.m.current)
	}
	d.requireView("Services", "Ingress", "NetworkPolicy", "› svc-expose-web  Expose a Deployment", "◐ best 4/10", "✓ passed")

	d.keys("enter")
	if d.m.current != screenTask || d.m.task().lab.ID != "svc-expose-web" {
		t.Fatalf("screen = %v lab = %v, want the task of svc-expose-web", d.m.current, d.m.task().lab)
	}
	d.requireView("namespace shop", "context offline", "hints 0/3", "Graded checks")

	for i, want := range []string{"Hints (1 of 3)", "Hints (2 of 3)", "Hints (3 of 3)"} {
		d.keys("h")
		if d.m.task().hints != i+1 {
			t.Fatalf("after %d presses hints = %d", i+1, d.m.task().hints)
		}
		if !strings.Contains(d.m.task().vp.View(), want) {
			t.Fatalf("after %d presses the task lacks %q:\n%s", i+1, want, d.view())
		}
	}
	d.keys("h") // no more
	if d.m.task().hints != 3 || !strings.Contains(d.m.flash, "All 3 hints are shown") {
		t.Fatalf("a fourth press: hints = %d, flash %q", d.m.task().hints, d.m.flash)
	}

	d.keys("c")
	if d.m.current != screenCheck {
		t.Fatalf("screen = %v, want Check", d.m.current)
	}
	d.requireView("Score 7/10 (70%)", "2 of 3 checks passed", "✓   2/2", "✗   0/3", "expected", "observed", "why",
		"targetPort is 80", "best 7/10", "attempts 2")
	// The lab has progress but no workspace yet: the check starts it first.
	if starts, checks, _ := env.sess.counts(); starts != 1 || checks != 1 {
		t.Fatalf("starts = %d, checks = %d, want 1 and 1", starts, checks)
	}
	if _, err := os.Stat(env.cfg.Dirs.Workspace("svc-expose-web")); err != nil {
		t.Fatalf("the check should have created the workspace: %v", err)
	}
	// and says so.
	d.requireView("↻ Lab svc-expose-web had no workspace yet: created it before checking.")

	d.keys("r")
	if _, checks, _ := env.sess.counts(); checks != 2 {
		t.Fatalf("re-check: checks = %d, want 2", checks)
	}
	d.requireView("attempts 3")
	d.rejectView("↻")

	// The cluster was recreated: the workspace stays, the setup is gone;
	// the next check sets the lab up again before it grades.
	env.sess.loseSetup("svc-expose-web")
	d.keys("r")
	if starts, checks, _ := env.sess.counts(); starts != 2 || checks != 3 {
		t.Fatalf("check after the setup was lost: starts = %d, checks = %d, want 2 and 3", starts, checks)
	}
	// The learner is told why the check took longer.
	d.requireView("attempts 4", "↻ Lab svc-expose-web was not set up on this cluster: set it up again (4 s)")

	d.keys("esc")
	if d.m.current != screenTask || d.m.task().hints != 3 {
		t.Fatalf("back: screen = %v hints = %d, want the task with its 3 hints", d.m.current, d.m.task().hints)
	}
	d.keys("esc")
	if d.m.current != screenBrowser {
		t.Fatalf("back: screen = %v, want Labs", d.m.current)
	}
	d.requireView("◐ best 7/10")
	d.keys("esc")
	if d.m.current != screenHome {
		t.Fatalf("back: screen = %v, want Home", d.m.current)
	}
	d.keys("q")
	if !d.quit {
		t.Fatal("q did not quit")
	}
}

func TestBrowserNavigationAndFilter(t *testing.T) {
	tests := []struct {
		name     string
		keys     []string
		filter   string
		visible  []string
		selected string
		screen   screenID
	}{
		{"first lab selected", nil, "", []string{"svc-expose-web", "ing-two-paths", "np-deny-all"}, "svc-expose-web", screenBrowser},
		{"down moves across domains", []string{"down", "down"}, "", nil, "np-deny-all", screenBrowser},
		{"down stops at the end", []string{"end", "down", "down"}, "", nil, "np-deny-all", screenBrowser},
		{"up stops at the top", []string{"up", "home", "up"}, "", nil, "svc-expose-web", screenBrowser},
		{"filter by text", []string{"/", "d", "e", "n", "y"}, "deny", []string{"np-deny-all"}, "np-deny-all", screenBrowser},
		{"filter is case-insensitive and searches titles", []string{"/", "R", "O", "U", "T", "E"}, "ROUTE", []string{"ing-two-paths"}, "ing-two-paths", screenBrowser},
		{"filter keeps q as text", []string{"/", "q"}, "q", []string{}, "", screenBrowser},
		{"typing an unbound letter filters", []string{"n", "p", "-"}, "np-", []string{"np-deny-all"}, "np-deny-all", screenBrowser},
		{"every letter types into the filter, j and k too", []string{"down", "j", "k"}, "jk", []string{}, "", screenBrowser},
		{"a filter may start with q", []string{"q"}, "q", []string{}, "", screenBrowser},
		{"text typed fast arrives at once", []string{"np-d"}, "np-d", []string{"np-deny-all"}, "np-deny-all", screenBrowser},
		{"backspace edits the filter", []string{"/", "e", "x", "backspace"}, "e", []string{"svc-expose-web", "np-deny-all", "ing-two-paths"}, "svc-expose-web", screenBrowser},
		{"esc clears the filter", []string{"/", "d", "e", "n", "y", "esc"}, "", []string{"svc-expose-web", "ing-two-paths", "np-deny-all"}, "np-deny-all", screenBrowser},
		{"enter opens the lab the filter found", []string{"/", "p", "a", "t", "h", "s", "enter"}, "paths", []string{"ing-two-paths"}, "ing-two-paths", screenTask},
		{"enter opens a lab typed without /", []string{"deny", "enter"}, "deny", []string{"np-deny-all"}, "np-deny-all", screenTask},
		{"back from the lab keeps the filter", []string{"deny", "enter", "esc"}, "deny", []string{"np-deny-all"}, "np-deny-all", screenBrowser},
		{"backspace edits a kept filter", []string{"deny", "down", "backspace"}, "den", []string{"np-deny-all"}, "np-deny-all", screenBrowser},
		{"esc without filter goes home", []string{"esc"}, "", nil, "svc-expose-web", screenHome},
		{"esc after a kept filter clears it first", []string{"/", "d", "e", "n", "y", "down", "esc"}, "", nil, "np-deny-all", screenBrowser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			d := newDriver(t, env.cfg, 100, 30)
			d.keys("enter")
			d.keys(tt.keys...)
			if d.m.current != tt.screen {
				t.Fatalf("screen = %v, want %v", d.m.current, tt.screen)
			}
			b := d.m.browser()
			if b.filter != tt.filter {
				t.Errorf("filter = %q, want %q", b.filter, tt.filter)
			}
			if tt.visible != nil {
				var ids []string
				for _, l := range b.visible {
					ids = append(ids, l.ID)
				}
				if !slices.Equal(ids, tt.visible) && !(len(ids) == 0 && len(tt.visible) == 0) {
					t.Errorf("visible = %v, want %v", ids, tt.visible)
				}
			}
			got := ""
			if l := b.selected(); l != nil {
				got = l.ID
			}
			if got != tt.selected {
				t.Errorf("selected = %q, want %q", got, tt.selected)
			}
			if d.quit {
				t.Error("the app quit")
			}
		})
	}
}

func TestSolutionAndResetNeedConfirmation(t *testing.T) {
	tests := []struct {
		name         string
		keys         []string
		wantSolution bool
		wantResets   int
		wantFlash    string
	}{
		{"solution asked, declined", []string{"S", "n"}, false, 0, ""},
		{"solution asked, esc declines", []string{"S", "esc"}, false, 0, ""},
		{"solution asked, q declines and does not quit", []string{"S", "q"}, false, 0, ""},
		{"solution confirmed", []string{"S", "y"}, true, 0, ""},
		{"solution hidden again", []string{"S", "y", "S"}, false, 0, ""},
		{"other keys wait for an answer", []string{"S", "h", "c"}, false, 0, ""},
		{"reset declined", []string{"R", "n"}, false, 0, ""},
		{"reset confirmed", []string{"R", "y"}, false, 1, "Reset: 1 answer file moved to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			d := newDriver(t, env.cfg, 80, 24)
			d.keys("enter", "enter")
			d.keys(tt.keys...)
			if d.quit {
				t.Fatal("the app quit")
			}
			if d.m.task().solution != tt.wantSolution {
				t.Errorf("solution shown = %v, want %v", d.m.task().solution, tt.wantSolution)
			}
			if tt.wantSolution && !strings.Contains(d.m.task().vp.View(), "kubectl -n shop expose deployment web") {
				t.Errorf("the solution's command is not on screen:\n%s", d.view())
			}
			_, checks, resets := env.sess.counts()
			if resets != tt.wantResets || checks != 0 {
				t.Errorf("resets = %d checks = %d, want %d and 0", resets, checks, tt.wantResets)
			}
			if !strings.Contains(d.m.flash, tt.wantFlash) {
				t.Errorf("flash = %q, want it to contain %q", d.m.flash, tt.wantFlash)
			}
			if len(tt.keys) > 1 && tt.keys[1] == "h" && d.m.dialog == nil {
				t.Error("the dialog went away on an unrelated key")
			}
		})
	}
}

func TestQuitFromAnywhereCancelsWork(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		quit string
	}{
		{"home q", nil, "q"},
		{"labs ctrl+c", []string{"enter"}, "ctrl+c"},
		{"labs q after esc", []string{"enter", "esc"}, "q"},
		{"filtering ctrl+c", []string{"enter", "/", "x"}, "ctrl+c"},
		{"task q", []string{"enter", "enter"}, "q"},
		{"dialog ctrl+c", []string{"enter", "enter", "S"}, "ctrl+c"},
		{"check running q", []string{"enter", "enter", "c"}, "q"},
		{"help q", []string{"?"}, "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.sess.hold, env.sess.release = make(chan struct{}), 1
			d := newDriver(t, env.cfg, 80, 24)
			d.keys(tt.keys...)
			d.keys(tt.quit)
			if !d.quit {
				t.Fatalf("%s did not quit", tt.quit)
			}
			if !d.m.Wait(2 * time.Second) {
				t.Fatal("work still running after quit")
			}
			if d.m.c.ctx.Err() == nil {
				t.Error("the app's context is not cancelled")
			}
			if slices.Contains(tt.keys, "c") {
				env.sess.mu.Lock()
				cancelled := env.sess.cancelled
				env.sess.mu.Unlock()
				if !cancelled {
					t.Error("the running check was not cancelled")
				}
			}
		})
	}
}

func TestCheckStreamsResults(t *testing.T) {
	env := newTestEnv(t)
	env.sess.hold, env.sess.release = make(chan struct{}), 2
	d := newDriver(t, env.cfg, 80, 24)
	d.keys("enter", "enter", "c")
	if !d.m.check().running {
		t.Fatal("the check is not running")
	}
	d.requireView("2 of 3 checks done", "✓   2/2", "✗   0/3", "·   –/5")
	if strings.Contains(d.view(), "Score") {
		t.Fatal("a score before the run is done")
	}
	// A re-check cancels the held run; its late messages are ignored.
	close(env.sess.hold)
	env.sess.mu.Lock()
	env.sess.hold = nil
	env.sess.mu.Unlock()
	d.keys("r")
	d.requireView("Score 7/10 (70%)")
	if d.m.check().running {
		t.Fatal("still running after the re-check")
	}
	stale := checkDoneMsg{run: d.m.check().run - 1, err: errors.New("stale")}
	d.send(tea.Msg(stale))
	if d.m.check().err != nil {
		t.Fatal("a stale run's message was applied")
	}
}

func TestCheckErrorsAreShown(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*testEnv)
		want    []string
		noCalls bool
	}{
		{"session error", func(e *testEnv) {
			e.sess.checkErr = errors.New("answer.yaml: document 2: unknown kind \"Servce\"")
		}, []string{"The check could not run", "unknown kind \"Servce\""}, false},
		{"cluster still starting", func(e *testEnv) {
			e.cfg.Cluster = ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Phase: ClusterStarting, Step: "Preparing nodes"}
		}, []string{"The check could not run", "kind (ckadlab)", "is starting"}, true},
		{"cluster failed", func(e *testEnv) {
			e.cfg.Cluster = ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Phase: ClusterFailed, Err: errors.New("docker is not running")}
		}, []string{"failed: docker is not running"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			tt.setup(env)
			d := newDriver(t, env.cfg, 100, 30)
			d.keys("enter", "enter", "c")
			d.requireView(tt.want...)
			if _, checks, _ := env.sess.counts(); tt.noCalls && checks != 0 {
				t.Errorf("checks = %d, want none", checks)
			}
		})
	}
}

func TestClusterEventsUpdateThePanel(t *testing.T) {
	env := newTestEnv(t)
	env.cfg.Cluster = ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Phase: ClusterStarting, Since: testNow.Add(-42 * time.Second)}
	d := newDriver(t, env.cfg, 100, 30)
	d.requireView("starting: preparing", "0:42 elapsed", "kind (ckadlab) … starting 0:42")
	d.send(tea.Msg(ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Phase: ClusterStarting, Step: "Preparing nodes",
		StepIndex: 2, Steps: 6, Since: testNow.Add(-75 * time.Second)}))
	d.requireView("Preparing nodes (step 2 of 6)", "1:15 elapsed", "[######--------------]")
	// Browsing and reading work while the cluster starts.
	d.keys("enter", "enter")
	d.requireView("Graded checks", "context kind-ckadlab")
	d.keys("esc", "esc")
	d.send(tea.Msg(ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", KubernetesVersion: "v1.35.0",
		NetworkPolicy: "enforced (kube-network-policies)", Phase: ClusterReady}))
	d.requireView("v1.35.0", "enforced (kube-network-policies)", "✓ ready", "cluster: kind (ckadlab) ✓")
}

func TestWaitCluster(t *testing.T) {
	ch := make(chan ClusterStatus, 1)
	want := ClusterStatus{Backend: "kind", Phase: ClusterStarting, Step: "Ensuring node image"}
	ch <- want
	if got, ok := waitCluster(ch)().(ClusterStatus); !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("waitCluster = %#v, want %#v", got, want)
	}
	close(ch)
	if got := waitCluster(ch)(); got != tea.Msg(clusterClosedMsg{}) {
		t.Fatalf("after close waitCluster = %#v", got)
	}
	if waitCluster(nil) != nil {
		t.Fatal("waitCluster(nil) is a command")
	}
}

func TestHelpMatchesTheScreen(t *testing.T) {
	tests := []struct {
		name    string
		keys    []string
		want    []string
		notWant []string
	}{
		{"home", nil, []string{"browse labs", "quit"}, []string{"next hint", "re-check"}},
		{"labs", []string{"enter"}, []string{"open lab", "filter"}, []string{"next hint", "re-check"}},
		{"filtering", []string{"enter", "/"}, []string{"open lab", "clear filter", "ctrl+c quit"}, []string{"keep filter", "q quit"}},
		{"labs say which keys move", []string{"enter"}, []string{"↑ up", "↓ down", "ctrl+c quit"}, []string{"↓/j", "q quit"}},
		{"task", []string{"enter", "enter"}, []string{"next hint", "check", "shell in workspace", "edit your answer"}, []string{"re-check", "open lab"}},
		{"task full", []string{"enter", "enter", "?"}, []string{"solution", "reset answers", "page down"}, []string{"re-check"}},
		{"check", []string{"enter", "enter", "c"}, []string{"re-check", "explain passed"}, []string{"next hint", "open lab"}},
		{"dialog", []string{"enter", "enter", "R"}, []string{"yes", "no"}, []string{"next hint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			d := newDriver(t, env.cfg, 120, 40)
			d.keys(tt.keys...)
			h := d.m.helpView()
			for _, w := range tt.want {
				if !strings.Contains(h, w) {
					t.Errorf("help lacks %q: %s", w, h)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(h, w) {
					t.Errorf("help has %q: %s", w, h)
				}
			}
		})
	}
}

func TestTooSmallAndResize(t *testing.T) {
	env := newTestEnv(t)
	d := newDriver(t, env.cfg, 40, 10)
	d.requireView("needs a bigger terminal", "this one is 40×10")
	d.keys("enter") // ignored while too small
	if d.m.current != screenHome {
		t.Fatal("keys act while the terminal is too small")
	}
	d.send(tea.Msg(tea.WindowSizeMsg{Width: 80, Height: 24}))
	d.keys("enter", "enter")
	first := d.m.task().vp.View()
	// Re-rendered on resize, cached per width.
	d.send(tea.Msg(tea.WindowSizeMsg{Width: 120, Height: 40}))
	if !d.m.task().cacheHas(120) {
		t.Fatal("no rendering for width 120")
	}
	d.send(tea.Msg(tea.WindowSizeMsg{Width: 80, Height: 24}))
	if got := d.m.task().vp.View(); got != first {
		t.Fatalf("back at 80 columns the task differs:\n%s\n---\n%s", got, first)
	}
	for _, line := range strings.Split(d.view(), "\n") {
		if w := lineWidth(line); w > 80 {
			t.Fatalf("a line is %d cells wide at 80 columns: %q", w, line)
		}
	}
	if n := strings.Count(d.view(), "\n") + 1; n != 24 {
		t.Fatalf("the frame has %d lines at 24 rows", n)
	}
}

func (t *taskModel) cacheHas(width int) bool {
	for k := range t.cache {
		if k.width == width && k.lab == t.lab.ID {
			return true
		}
	}
	return false
}

func TestLoadErrorIsShown(t *testing.T) {
	env := newTestEnv(t)
	env.cfg.LoadCatalog = func() (*labs.Catalog, error) {
		return nil, errors.New("pack/bad.toml:3: unknown key \"titel\"")
	}
	d := newDriver(t, env.cfg, 80, 24)
	d.requireView("The labs could not be loaded", "unknown key \"titel\"")
	d.keys("enter")
	d.requireView("The labs could not be loaded")
	d.keys("enter") // nothing to open
	if d.m.current != screenBrowser {
		t.Fatalf("screen = %v", d.m.current)
	}
}

func TestHandoffCommand(t *testing.T) {
	dir := t.TempDir()
	fakeBin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(fakeBin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"myshell", "myeditor"} {
		if err := os.WriteFile(filepath.Join(fakeBin, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l := &labs.Lab{ID: "np-x", Namespace: "prod"}
	ws := filepath.Join(dir, "ws")
	base := []string{"PATH=" + fakeBin, "HOME=" + dir, "KUBECONFIG=/home/me/.kube/prod", "PS1=old"}
	tests := []struct {
		name     string
		kind     handoffKind
		env      []string
		cluster  ClusterStatus
		wantArgs []string
		wantEnv  []string
		noEnv    []string
		wantErr  string
	}{
		{"shell offline", handoffShell, append(base, "SHELL=myshell"), OfflineCluster(), []string{"myshell"},
			[]string{"CKADLAB_LAB=np-x", "CKADLAB_NAMESPACE=prod", "CKADLAB_WORKSPACE=" + ws, "PS1=(ckadlab np-x) $ "}, []string{"KUBECONFIG", "PS1=old"}, ""},
		{"shell live", handoffShell, append(base, "SHELL=myshell"), ClusterStatus{Backend: "kind", Context: "kind-ckadlab", Kubeconfig: "/tmp/kc"}, []string{"myshell"},
			[]string{"KUBECONFIG=/tmp/kc"}, []string{"KUBECONFIG=/home/me"}, ""},
		{"shell missing", handoffShell, append(base, "SHELL=nosuchshell"), OfflineCluster(), nil, nil, nil, "cannot start the shell \"nosuchshell\" (set $SHELL)"},
		{"editor with arguments", handoffEditor, append(base, "EDITOR=myeditor -w --flag"), OfflineCluster(), []string{"myeditor", "-w", "--flag", filepath.Join(ws, AnswerFile)}, []string{"CKADLAB_LAB=np-x"}, nil, ""},
		{"visual wins", handoffEditor, append(base, "EDITOR=nosuch", "VISUAL=myeditor"), OfflineCluster(), []string{"myeditor", filepath.Join(ws, AnswerFile)}, nil, nil, ""},
		{"no editor found", handoffEditor, base, OfflineCluster(), nil, nil, nil, "cannot start the editor \"vi\" (set $EDITOR or $VISUAL)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := handoffCommand(tt.kind, l, ws, tt.env, tt.cluster)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cmd.Args, tt.wantArgs) {
				t.Errorf("args = %q, want %q", cmd.Args, tt.wantArgs)
			}
			if cmd.Dir != ws {
				t.Errorf("dir = %q, want %q", cmd.Dir, ws)
			}
			for _, w := range tt.wantEnv {
				if !slices.Contains(cmd.Env, w) {
					t.Errorf("env lacks %q: %q", w, cmd.Env)
				}
			}
			for _, n := range tt.noEnv {
				for _, kv := range cmd.Env {
					if strings.HasPrefix(kv, n) {
						t.Errorf("env has %q", kv)
					}
				}
			}
		})
	}
}

func TestHandoffFlow(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		kind      handoffKind
		wantFlash string
	}{
		{"shell", "s", handoffShell, "Back from the shell"},
		{"editor", "e", handoffEditor, "Back from the editor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.cfg.Environ = append(env.cfg.Environ, "EDITOR=/bin/true", "SHELL=/bin/sh")
			d := newDriver(t, env.cfg, 80, 24)
			d.keys("enter", "enter", tt.key)
			if len(d.execed) != 1 {
				t.Fatalf("%d processes asked for, want 1", len(d.execed))
			}
			ws := env.cfg.Dirs.Workspace("svc-expose-web")
			if fi, err := os.Stat(ws); err != nil || !fi.IsDir() {
				t.Fatalf("the hand-off did not start the lab (workspace %s): %v", ws, err)
			}
			d.send(tea.Msg(handoffDoneMsg{from: screenTask, kind: tt.kind, lab: d.m.task().lab}))
			if !strings.Contains(d.m.flash, tt.wantFlash) || d.m.current != screenTask {
				t.Fatalf("after the hand-off: flash %q screen %v", d.m.flash, d.m.current)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	s := NewStyles(false)
	tests := []struct {
		lp   state.LabProgress
		want string
	}{
		{state.LabProgress{Status: store.StatusNew}, "○ new"},
		{state.LabProgress{Status: store.StatusStarted}, "… started"},
		{state.LabProgress{Status: store.StatusPartial, Best: 6, Max: 10}, "◐ best 6/10"},
		{state.LabProgress{Status: store.StatusPartial, Best: 6}, "◐ best 6/12"},
		{state.LabProgress{Status: store.StatusPassed, Best: 12, Max: 12}, "✓ passed"},
	}
	for _, tt := range tests {
		if got := statusText(&s, tt.lp, 12); got != tt.want {
			t.Errorf("statusText(%+v) = %q, want %q", tt.lp, got, tt.want)
		}
	}
}

func TestRunQuitsOnContextCancel(t *testing.T) {
	env := newTestEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go func() {
		done <- Run(ctx, env.cfg, tea.WithInput(r), tea.WithOutput(discard{}), tea.WithoutSignals())
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the context was cancelled")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Every built-in lab opens, reveals each hint and its solution, and checks
// on the offline cluster (no answer yet: a score, never an error), at the
// smallest supported size and at 80×24, with every line inside the frame.
func TestEveryBuiltInLab(t *testing.T) {
	cfg := shippedConfig(t)
	cat, err := cfg.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{MinWidth, MinHeight}, {80, 24}} {
		d := newDriver(t, cfg, size[0], size[1])
		for _, l := range cat.All() {
			d.openLab(l)
			// Where to work is on screen in full (the header gives the
			// workspace a line of its own when it needs one); a path too
			// long for the frame loses folders in its middle, never the
			// lab's folder (shortenPath).
			where := "workspace " + d.m.c.displayPath(cfg.Dirs.Workspace(l.ID))
			if len(where) > size[0]-4 {
				where = "/" + l.ID
			}
			d.requireView("namespace "+l.Namespace, where)
			for range l.Hints {
				d.keys("h")
			}
			d.keys("S", "y")
			doc := d.m.task().cache[d.m.task().key()]
			if !strings.Contains(doc, fmt.Sprintf("Hints (%d of %d)", len(l.Hints), len(l.Hints))) || !strings.Contains(doc, "Reference solution") {
				t.Fatalf("%s at %v: the task lacks its hints or solution:\n%s", l.ID, size, doc)
			}
			d.keys("c")
			if d.m.check().err != nil || d.m.check().rep == nil {
				t.Fatalf("%s at %v: check error %v", l.ID, size, d.m.check().err)
			}
			if !strings.Contains(d.view(), fmt.Sprintf("/%d (", l.Points)) {
				t.Fatalf("%s at %v: no score:\n%s", l.ID, size, d.view())
			}
			for i, line := range strings.Split(d.view(), "\n") {
				if w := lineWidth(line); w > size[0] {
					t.Fatalf("%s at %v: line %d is %d cells wide", l.ID, size, i+1, w)
				}
			}
			d.keys("esc", "esc")
		}
	}
}

const twoContexts = `apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: kind-ckadlab
  cluster: {server: "https://127.0.0.1:40123", certificate-authority: ca.crt}
- name: prod
  cluster: {server: "https://prod.example.com"}
users:
- name: kind-ckadlab
  user: {token: lab-token}
- name: prod-admin
  user: {token: prod-token}
contexts:
- name: kind-ckadlab
  context: {cluster: kind-ckadlab, user: kind-ckadlab, namespace: default}
- name: prod
  context: {cluster: prod, user: prod-admin}
`

func TestLabKubeconfig(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "config")
	if err := os.WriteFile(src, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		kubeconfig string
		context    string
		wantCtx    string
		wantErr    string
	}{
		{"named context", src, "kind-ckadlab", "kind-ckadlab", ""},
		{"current context", src, "", "prod", ""},
		{"list of files", filepath.Join(dir, "missing") + string(os.PathListSeparator) + src, "kind-ckadlab", "kind-ckadlab", ""},
		{"unknown context", src, "kind-other", "", `has no context "kind-other"`},
		{"broken file", filepath.Join(dir, "broken"), "x", "", "read the kubeconfig"},
	}
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("clusters: [[["), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := filepath.Join(t.TempDir(), "ws")
			path, err := labKubeconfig(tt.kubeconfig, tt.context, "shop", ws)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if path != filepath.Join(ws, ".kube", "config") {
				t.Errorf("path = %s", path)
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("stat %s: %v %v", path, err, fi)
			}
			cfg, err := clientcmd.LoadFromFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.CurrentContext != tt.wantCtx || len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 {
				t.Fatalf("current %q, %d contexts, %d clusters, %d users: want only %q", cfg.CurrentContext, len(cfg.Contexts), len(cfg.Clusters), len(cfg.AuthInfos), tt.wantCtx)
			}
			if ns := cfg.Contexts[tt.wantCtx].Namespace; ns != "shop" {
				t.Errorf("namespace = %q, want shop", ns)
			}
			if tt.wantCtx == "kind-ckadlab" {
				if ca := cfg.Clusters["kind-ckadlab"].CertificateAuthority; ca != filepath.Join(dir, "ca.crt") {
					t.Errorf("certificate-authority = %q, want it resolved to %s", ca, filepath.Join(dir, "ca.crt"))
				}
				if files, _ := state.AnswerFiles(ws); len(files) != 0 {
					t.Errorf("the kubeconfig counts as an answer file: %v", files)
				}
			}
		})
	}
}

// On a live cluster the shell gets a kubeconfig in the lab's namespace.
func TestHandoffLiveKubeconfig(t *testing.T) {
	env := newTestEnv(t)
	src := filepath.Join(env.home, "kubeconfig")
	if err := os.WriteFile(src, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	env.cfg.Cluster = ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Kubeconfig: src, Phase: ClusterReady}
	d := newDriver(t, env.cfg, 80, 24)
	d.openLab(mustLab(t, env, "svc-expose-web"))
	msg := prepareHandoff(d.m.c, handoffShell, d.m.task().lab, screenTask)().(handoffReadyMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	want := "KUBECONFIG=" + filepath.Join(env.cfg.Dirs.Workspace("svc-expose-web"), ".kube", "config")
	if !slices.Contains(msg.cmd.Env, want) {
		t.Fatalf("env lacks %s: %q", want, msg.cmd.Env)
	}
	if !strings.Contains(msg.banner, "kubectl talks to the lab cluster (kind-ckadlab); your namespace is shop") {
		t.Fatalf("banner: %s", msg.banner)
	}
}

func mustLab(t *testing.T, env *testEnv, id string) *labs.Lab {
	t.Helper()
	cat, err := env.cfg.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	l, err := cat.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A screen's messages reach it whichever screen shows: a check run ends
// on the check screen while the learner reads the task.
func TestScreenMessagesReachTheirScreen(t *testing.T) {
	env := newTestEnv(t)
	env.sess.hold, env.sess.release = make(chan struct{}), 1
	defer close(env.sess.hold)
	d := newDriver(t, env.cfg, 80, 24)
	d.keys("enter", "enter", "c", "esc")
	if d.m.current != screenTask || !d.m.check().running {
		t.Fatalf("screen = %v, running = %v: want the task with the check still running", d.m.current, d.m.check().running)
	}
	rep := &checker.Report{Lab: "svc-expose-web", Score: 10, Max: 10}
	d.send(tea.Msg(checkDoneMsg{run: d.m.check().run, rep: rep}))
	if d.m.current != screenTask || d.m.check().running || d.m.check().rep != rep {
		t.Fatalf("screen = %v, running = %v: the run's end did not reach the check screen", d.m.current, d.m.check().running)
	}
	d.keys("c")
	if d.m.current != screenCheck {
		t.Fatalf("screen = %v, want Check", d.m.current)
	}
	d.keys("esc", "esc", "esc")
	if d.m.current != screenHome {
		t.Fatalf("back three times from the check: screen = %v, want Home", d.m.current)
	}
}

// The filter ranks where it matched: a lab whose id has the text comes
// before one that only mentions it in its task, whatever their domains.
func TestFilterRanksIDsFirst(t *testing.T) {
	d := newDriver(t, shippedConfig(t), 100, 30)
	d.keys("enter", "test")
	b := d.m.browser()
	if len(b.visible) < 2 || b.visible[0].ID != "np-test-network-policy" || b.selected() != b.visible[0] {
		var ids []string
		for _, l := range b.visible {
			ids = append(ids, l.ID)
		}
		t.Fatalf("filter \"test\": visible %v, cursor %d; want np-test-network-policy first and selected", ids, b.cursor)
	}
	if i, j := strings.Index(d.view(), "› np-test-network-policy"), strings.Index(d.view(), "ing-exact-prefix"); i < 0 || j >= 0 && j < i {
		t.Fatalf("the id match is not drawn first:\n%s", d.view())
	}
	d.keys("enter")
	if d.m.current != screenTask || d.m.task().lab.ID != "np-test-network-policy" {
		t.Fatalf("enter opened the wrong lab (screen %v)", d.m.current)
	}
}

// At 80×24 the browser keeps every lab's id (what the CLI takes); titles
// that do not fit end after a whole word.
func TestBrowserKeepsIDsAt80(t *testing.T) {
	cfg := shippedConfig(t)
	cat, err := cfg.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, cfg, 80, 24)
	d.keys("enter")
	for _, l := range cat.All() {
		d.keys("end")
		for i := 0; i < cat.Len() && d.m.browser().selected().ID != l.ID; i++ {
			d.keys("up")
		}
		d.requireView("› "+l.ID+" ", "· "+l.Difficulty+" · ", fmt.Sprintf("%d pts", l.Points))
	}
	if got := truncateWords("The documentation's test-network-policy, clause by clause", 36); got != "The documentation's test-network-…" {
		t.Errorf("truncateWords = %q", got)
	}
	if got := truncateWords("Exact vs Prefix paths and the longest match", 30); got != "Exact vs Prefix paths and the…" {
		t.Errorf("truncateWords = %q", got)
	}
}

// While a check sets its lab up again, the check screen says so (not
// "0 of 3 checks done").
func TestCheckSaysItSetsTheLabUp(t *testing.T) {
	env := newTestEnv(t)
	os.MkdirAll(env.cfg.Dirs.Workspace("svc-expose-web"), 0o755)
	env.sess.loseSetup("svc-expose-web")
	env.sess.startHold = make(chan struct{})
	d := newDriver(t, env.cfg, 80, 24)
	d.wait = 200 * time.Millisecond // the held start blocks the run
	d.keys("enter", "enter", "c")
	d.requireView("… Setting lab svc-expose-web up on this cluster before checking…")
	d.rejectView("checks done", "↻")
	// Quitting cancels the held start; the run ends before the test does.
	d.keys("ctrl+c")
	if !d.m.Wait(3 * time.Second) {
		t.Fatal("the run did not end after quitting")
	}
}
