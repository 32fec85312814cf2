package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/store"
)

// step sends keys (or a message) and then waits until the screen shows
// wait; waiting between steps keeps the program's commands and the keys
// in a known order.
type step struct {
	keys []string
	msg  tea.Msg
	wait string
}

func keys(wait string, k ...string) step { return step{keys: k, wait: wait} }

// The screens, each as a golden file at 80×24 and 120×40 (ASCII profile,
// fixed clock, fake session; regenerate with go test ./tui -run Golden -update).
var goldenCases = []struct {
	name  string
	setup func(*testEnv)
	steps []step
}{
	{name: "home", steps: []step{keys("1 of 3 passed")}},
	{name: "home-ingress", setup: func(e *testEnv) {
		e.cfg.Cluster.Ingress = "nginx (default: Traefik, ingress-nginx semantics), traefik (Traefik)"
	}, steps: []step{keys("1 of 3 passed")}},
	{name: "labs", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter")}},
	{name: "labs-filter", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("3 of 3 labs", "/"), keys("1 of 3 labs", "d", "e", "n", "y")}},
	{name: "labs-filter-kept", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("3 of 3 labs", "/"), keys("1 of 3 labs", "p", "a", "t", "h"), keys("Graded checks", "enter"), keys("esc clears", "esc")}},
	{name: "labs-no-match", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("3 of 3 labs", "/"), keys("No lab matches", "z", "z", "z")}},
	// A 10k-character paste into the filter keeps to one line.
	{name: "labs-paste", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"),
		{msg: tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("kubectl -n prod get pods\n", 400)), Paste: true}, wait: "No lab matches"}}},
	{name: "task", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter")}},
	// A lab with parameters never started: a fresh variant (7 here), named
	// in the header, its values in the task.
	{name: "task-variant", setup: func(e *testEnv) {
		cat := variantCatalog(e.t)
		e.cfg.LoadCatalog = func() (*labs.Catalog, error) { return cat, nil }
		e.cfg.NewVariant = func(*labs.Lab) uint64 { return 7 }
		os.RemoveAll(e.cfg.Dirs.Workspace("svc-expose-web"))
	}, steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("market/client reaches", "enter")}},
	// A workspace path too long for its line loses folders in its middle.
	{name: "task-long-workspace", setup: func(e *testEnv) {
		e.cfg.Dirs.Data = filepath.Join(e.home, ".local", "share", "a-rather-long-folder-name", "and-another-one-under-it", "ckadlab")
		e.sess.dirs = e.cfg.Dirs
	}, steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter")}},
	{name: "task-hints", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("Hints (1 of 3)", "h"), keys("Hints (2 of 3)", "h")}},
	{name: "task-help", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("page down", "?")}},
	{name: "task-networkpolicy", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Default deny", "end"), keys("Graded checks", "enter")}},
	{name: "solution-confirm", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("reference solution", "S")}},
	{name: "solution", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("reference solution", "S"), keys("expose deployment web", "y")}},
	{name: "reset-confirm", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("nothing is deleted", "R")}},
	{name: "reset-done", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("nothing is deleted", "R"), keys("answer file moved", "y")}},
	{name: "editor-picker", setup: func(e *testEnv) {
		ws := e.cfg.Dirs.Workspace("svc-expose-web")
		os.MkdirAll(ws, 0o755)
		for _, f := range []string{"service.yaml", "deployment.yaml"} {
			os.WriteFile(filepath.Join(ws, f), []byte("kind: Service\n"), 0o644)
		}
	}, steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("Edit which answer file?", "e")}},
	{name: "check-running", setup: func(e *testEnv) { e.sess.hold, e.sess.release = make(chan struct{}), 1 },
		steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("1 of 3 checks done", "c")}},
	{name: "check-done", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("attempts 2", "c")}},
	{name: "check-folded", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Default deny", "end"), keys("Graded checks", "enter"), keys("2 of 3 checks passed", "c")}},
	{name: "check-why-full", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Default deny", "end"), keys("Graded checks", "enter"), keys("2 of 3 checks passed", "c"), keys("reaches CoreDNS", "w")}},
	{name: "check-details", steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("attempts 2", "c"), keys("it passed", "d")}},
	// The cluster lost the lab's setup: the check sets it up again first,
	// and says so.
	{name: "check-set-up-again", setup: func(e *testEnv) {
		os.MkdirAll(e.cfg.Dirs.Workspace("svc-expose-web"), 0o755)
		e.sess.loseSetup("svc-expose-web")
	}, steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("attempts 2", "c")}},
	{name: "check-passed", setup: func(e *testEnv) { e.sess.passAll["ing-two-paths"] = true },
		steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Route two paths", "down"), keys("Graded checks", "enter"), keys("attempts 2", "c")}},
	// The attempt could not be recorded: the score all the same, and why.
	{name: "check-not-saved", setup: func(e *testEnv) {
		e.sess.saveErr = &store.WriteError{Path: "/home/learner/.local/share/ckadlab/ckadlab.db", Err: store.ErrReadOnly}
	}, steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("not saved (why", "c")}},
	{name: "check-error", setup: func(e *testEnv) {
		e.sess.checkErr = errors.New(`answer.yaml: document 2 (line 14): unknown kind "Servce" in apiVersion v1 (did you mean "Service"?)`)
	}, steps: []step{keys("1 of 3 passed"), keys("best 4/10", "enter"), keys("Graded checks", "enter"), keys("could not run", "c")}},
	{name: "cluster-starting", setup: func(e *testEnv) {
		e.cfg.Cluster = ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Phase: ClusterStarting,
			Step: "Writing configuration", StepIndex: 4, Steps: 6, Since: testNow.Add(-83 * time.Second),
			Done: []ClusterStep{
				{Name: "Preflight: docker", OK: true, Elapsed: 300 * time.Millisecond},
				{Name: "Ensuring node image (kindest/node:v1.37.0)", OK: true, Elapsed: 61200 * time.Millisecond},
				{Name: "Preparing nodes", OK: true, Elapsed: 4100 * time.Millisecond},
			},
			Message: "preloading 4 lab images into the node"}
	}, steps: []step{keys("1 of 3 passed")}},
	{name: "cluster-failed", setup: func(e *testEnv) {
		e.cfg.Cluster = ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Phase: ClusterFailed,
			Done: []ClusterStep{{Name: "Preflight: docker", OK: false, Elapsed: 300 * time.Millisecond}},
			Err:  errors.New("cannot reach the Docker daemon: is Docker running? (ckadlab --cluster offline works without it)")}
	}, steps: []step{keys("1 of 3 passed")}},
	{name: "load-error", setup: func(e *testEnv) {
		e.cfg.LoadCatalog = func() (*labs.Catalog, error) {
			return nil, errors.New(`pack/np-extra.toml:3: unknown key "titel" (did you mean "title"?)`)
		}
	}, steps: []step{keys("could not be loaded")}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range [][2]int{{80, 24}, {120, 40}} {
				t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
					env := newTestEnv(t)
					if tc.setup != nil {
						tc.setup(env)
					}
					if env.sess.hold != nil {
						t.Cleanup(func() { close(env.sess.hold) })
					}
					frame := runProgram(t, env.cfg, size[0], size[1], tc.steps)
					checkFrame(t, frame, size[0], size[1])
					teatest.RequireEqualOutput(t, []byte(frame))
				})
			}
		})
	}
}

// Too small a terminal says so, in words never cut (the longest message
// that fits whole).
func TestGoldenTooSmall(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		wait string
	}{
		{50, 12, "this one is 50×12"},
		{20, 5, "need 60×16"},
		{12, 2, "< 60×16"},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.w, tc.h), func(t *testing.T) {
			env := newTestEnv(t)
			frame := runProgram(t, env.cfg, tc.w, tc.h, []step{keys(tc.wait)})
			checkFrame(t, frame, tc.w, tc.h)
			words := map[string]bool{}
			for _, w := range strings.Fields("ckadlab needs a bigger terminal at least 60×16; this one is " +
				fmt.Sprintf("%d×%d. %d×%d, %d×%d ", tc.w, tc.h, tc.w, tc.h, tc.w, tc.h) +
				"Enlarge the window, or press q to quit. Too small: need 60×16. 60×16 q quits. <") {
				words[w] = true
			}
			for _, w := range strings.Fields(frame) {
				if !words[w] {
					t.Errorf("%q is no whole word of the message:\n%s", w, frame)
				}
			}
			teatest.RequireEqualOutput(t, []byte(frame))
		})
	}
}

// runProgram runs the TUI in teatest through steps and returns its last frame.
func runProgram(t *testing.T, cfg Config, w, h int, steps []step) string {
	t.Helper()
	m := New(context.Background(), cfg)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	for _, st := range steps {
		for _, k := range st.keys {
			tm.Send(keyMsg(k))
		}
		if st.msg != nil {
			tm.Send(st.msg)
		}
		want := []byte(st.wait)
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, want) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	return final.View()
}

// checkFrame asserts what every frame must be: exactly the terminal's
// size, no escape sequences without colour, state glyphs where state is.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	if strings.Contains(frame, "\x1b") {
		t.Errorf("an escape sequence in a frame without colour: %q", frame)
	}
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Errorf("the frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, lw, w, l)
		}
	}
}

// With colour on, state still has its glyphs (never colour alone), and the
// colours are really there.
func TestColorKeepsGlyphs(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	env := newTestEnv(t)
	env.cfg.Color = true
	d := newDriver(t, env.cfg, 100, 30)
	d.keys("enter")
	v := d.view()
	if !strings.Contains(v, "\x1b[") {
		t.Fatal("no colour with Color on")
	}
	for _, g := range []string{glyphCursor, "✓ passed", "◐ best 4/10", "○ new"} {
		if !strings.Contains(v, g) {
			t.Errorf("no %q with colour on", g)
		}
	}
	d.keys("enter", "c")
	v = d.view()
	for _, g := range []string{glyphPass, glyphFail} {
		if !strings.Contains(v, g) {
			t.Errorf("no %q on the check screen with colour on", g)
		}
	}
}

// variantCatalog is the fixture labs with svc-expose-web given parameters
// (its namespace and its Deployment's port).
func variantCatalog(t testing.TB) *labs.Catalog {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "labs", "svc-expose-web.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "shop", "{{ns}}")
	text = strings.Replace(text, "\n[setup]\n", "\n[params]\nns = { pool = [\"shop\", \"market\", \"bazaar\"] }\n\n[setup]\n", 1)
	l, errs := labs.Parse("svc-expose-web.toml", []byte(text))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	all := []*labs.Lab{l}
	for _, o := range fixtureLabs(t).All() {
		if o.ID != l.ID {
			all = append(all, o)
		}
	}
	cat, err := labs.NewCatalog(all)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
