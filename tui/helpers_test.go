package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func TestMain(m *testing.M) {
	// Goldens are plain text: no colour, no styling escapes.
	lipgloss.SetColorProfile(termenv.Ascii)
	// Nothing the tests run may touch the real home of whoever runs them.
	tmp, err := os.MkdirTemp("", "ckadlab-tui-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_DATA_HOME", filepath.Join(tmp, "data"))
	os.Setenv("XDG_STATE_HOME", filepath.Join(tmp, "state"))
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// fixtureLabs loads the test labs of testdata/labs.
func fixtureLabs(t testing.TB) *labs.Catalog {
	t.Helper()
	l, err := labs.LoadDir(filepath.Join("testdata", "labs"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := labs.NewCatalog(l)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// fakeSession is a deterministic Session: canned check results (even
// checks pass, odd ones fail with an explanation, or all pass for the labs
// in passAll), the history kept in memory as the database summarises it
// (the product turns it into progress), workspaces created on disk.
type fakeSession struct {
	mu      sync.Mutex
	dirs    state.Dirs
	history map[string]*store.LabSummary
	passAll map[string]bool
	// hold, when set, stops a check after streaming `release` results
	// until hold is closed (or the context is cancelled).
	hold    chan struct{}
	release int

	lost                   map[string]bool // labs whose setup loseSetup dropped
	startHold              chan struct{}
	starts, checks, resets int
	cancelled              bool
	checkErr               error
	// saveErr, when set, is why nothing is recorded: Start and Check do
	// their work and return it with a *session.NotSavedError.
	saveErr error
}

func newFakeSession(dirs state.Dirs) *fakeSession {
	return &fakeSession{dirs: dirs, history: map[string]*store.LabSummary{}, passAll: map[string]bool{}, lost: map[string]bool{}}
}

// Started: the workspace exists and the lab's setup was not lost (see
// loseSetup).
func (f *fakeSession) Started(_ context.Context, l *labs.Lab) (bool, error) {
	f.mu.Lock()
	lost := f.lost[l.ID]
	f.mu.Unlock()
	if _, err := os.Stat(f.dirs.Workspace(l.ID)); err != nil {
		return false, nil
	}
	return !lost, nil
}

// loseSetup plays a live cluster that was recreated: the lab's workspace
// stays but its setup is gone until the next Start.
func (f *fakeSession) loseSetup(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lost[id] = true
}

// Start makes the workspace; a lab whose setup was lost is set up again
// as on a live cluster (its context and setup time in the answer).
// startHold, when set, holds Start until it is closed.
func (f *fakeSession) Start(ctx context.Context, l *labs.Lab) (session.StartInfo, error) {
	if f.startHold != nil {
		select {
		case <-f.startHold:
		case <-ctx.Done():
			return session.StartInfo{}, ctx.Err()
		}
	}
	ws := f.dirs.Workspace(l.ID)
	if err := os.MkdirAll(ws, 0o755); err != nil {
		return session.StartInfo{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts++
	info := session.StartInfo{Lab: l.ID, Cluster: "offline", Workspace: ws, Namespace: l.Namespace}
	if f.lost[l.ID] {
		info.Cluster, info.Context, info.Seconds = "kind", "kind-ckadlab", 4.2
	}
	delete(f.lost, l.ID)
	if f.saveErr != nil {
		return info, &session.NotSavedError{What: "the start of " + l.ID, Err: f.saveErr}
	}
	f.started(l.ID, testNow)
	return info, nil
}

// cannedResult is check i of l as the fake grades it.
func (f *fakeSession) cannedResult(l *labs.Lab, i int) checker.Result {
	c := l.Checks[i]
	r := checker.Result{ID: c.ID, Description: c.Description, Max: c.Points, Kind: "resource"}
	if c.Probe != nil {
		r.Kind = "probe"
	}
	if f.passAll[l.ID] || i%2 == 0 {
		r.Passed, r.Points = true, c.Points
		r.Expected, r.Observed = "the check to pass", "it passed"
		r.Reasons = []string{"allowed: no NetworkPolicy selects the destination pod"}
		return r
	}
	if c.Probe != nil {
		r.Expected = fmt.Sprintf("connects: %s → %s", c.Probe.From, c.Probe.To)
		r.Observed = "refused"
		r.Reasons = []string{
			"Service " + l.Namespace + "/web has no endpoints: its selector app=webb matches no pod",
			"the DNS query reaches CoreDNS (kube-system/kube-dns, UDP/53)",
			"a connection to a ClusterIP without endpoints is refused",
		}
		// The DNS line is the path, folded behind w.
		r.Cause = []string{r.Reasons[0], r.Reasons[2]}
	} else {
		r.Expected = "spec.ports[0].targetPort = 8080"
		r.Observed = "spec.ports[0].targetPort = 80"
		r.Reasons = []string{"Service " + l.Namespace + "/web: spec.ports[0].targetPort is 80, expected 8080 (the port the containers listen on)"}
	}
	r.Why = strings.Join(r.Reasons, "; ")
	return r
}

func (f *fakeSession) Check(ctx context.Context, l *labs.Lab, opts session.CheckOptions) (*checker.Report, error) {
	// As the real session: a lab without its workspace (or, live, its
	// setup) is not started; an exam's tasks (graded in the exam's own
	// workspace) and a run on an answers folder are.
	if ok, _ := f.Started(ctx, l); !ok && opts.AnswersDir == "" && opts.Exam == "" {
		return nil, session.ErrNotStarted
	}
	f.mu.Lock()
	f.checks++
	err, hold, release := f.checkErr, f.hold, f.release
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	rep := &checker.Report{Lab: l.ID, Backend: "offline", Duration: 7 * time.Millisecond}
	for i := range l.Checks {
		if hold != nil && i == release {
			select {
			case <-hold:
			case <-ctx.Done():
				f.mu.Lock()
				f.cancelled = true
				f.mu.Unlock()
				return nil, ctx.Err()
			}
		}
		r := f.cannedResult(l, i)
		rep.Checks = append(rep.Checks, r)
		rep.Max += r.Max
		rep.Score += r.Points
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saveErr != nil {
		return rep, &session.NotSavedError{What: "this attempt of " + l.ID, Err: f.saveErr}
	}
	f.checked(l.ID, rep.Score, rep.Max, testNow)
	return rep, nil
}

func (f *fakeSession) Reset(_ context.Context, l *labs.Lab) (session.ResetInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets++
	return session.ResetInfo{Lab: l.ID, Moved: 1, Trash: filepath.Join(f.dirs.Workspace(l.ID), ".trash", "20260314T092653.000Z")}, nil
}

// summary is a lab's history (callers hold f.mu).
func (f *fakeSession) summary(lab string) *store.LabSummary {
	s, ok := f.history[lab]
	if !ok {
		s = &store.LabSummary{Lab: lab}
		f.history[lab] = s
	}
	return s
}

// started records a start, as the database does (callers hold f.mu).
func (f *fakeSession) started(lab string, at time.Time) {
	f.summary(lab).LastStarted = at
}

// checked records a graded attempt, as the database summarises it
// (callers hold f.mu).
func (f *fakeSession) checked(lab string, score, maxScore int, at time.Time) {
	s := f.summary(lab)
	s.Attempts++
	s.Best, s.Max = max(s.Best, score), maxScore
	s.LastScore, s.LastMax, s.LastChecked = score, maxScore, at
}

// Progress is the product's progress of the recorded history.
func (f *fakeSession) Progress() (*state.Progress, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return state.ProgressOf(f.history), nil
}

func (f *fakeSession) counts() (starts, checks, resets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.starts, f.checks, f.resets
}

// testEnv is a model's surroundings in a test.
type testEnv struct {
	cfg  Config
	sess *fakeSession
	home string
	t    testing.TB
}

// newTestEnv builds a Config over the fixture labs and a fake session, with
// a fixed clock, no colour and no animation; the learner's home is a
// temporary directory (paths show as ~/data/…).
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	home := t.TempDir()
	dirs := state.Dirs{Data: filepath.Join(home, "data", "ckadlab"), State: filepath.Join(home, "state", "ckadlab")}
	sess := newFakeSession(dirs)
	// Some history, so statuses show: one lab passed, one partial.
	sess.checked("ing-two-paths", 6, 6, testNow)
	sess.started("svc-expose-web", testNow)
	sess.checked("svc-expose-web", 4, 10, testNow)
	cat := fixtureLabs(t)
	return &testEnv{
		t:    t,
		sess: sess,
		home: home,
		cfg: Config{
			LoadCatalog: func() (*labs.Catalog, error) { return cat, nil },
			Session:     sess,
			Dirs:        dirs,
			Cluster:     OfflineCluster(),
			Environ:     []string{"HOME=" + home, "PATH=/usr/bin:/bin", "SHELL=/bin/sh"},
			Now:         func() time.Time { return testNow },
		},
	}
}

// key builds a key message: "enter", "esc", "up", "down", "backspace",
// "end", "home", "ctrl+c", or runes.
func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// driver runs a model synchronously: it feeds messages to Update and runs
// the commands Update returns (each with a time limit), feeding their
// messages back, until nothing is left. Ticks (spinner, cluster clock) are
// not followed.
type driver struct {
	t      testing.TB
	m      *Model
	quit   bool
	execed []tea.Msg         // messages asking to run a process (shell, editor)
	ready  []handoffReadyMsg // the prepared shells and editors, in order
	// wait bounds each command; a command still running then (a tick, a
	// check the test holds) is let go and its message dropped.
	wait time.Duration
}

func newDriver(t testing.TB, cfg Config, w, h int) *driver {
	t.Helper()
	d := &driver{t: t, m: New(context.Background(), cfg), wait: 3 * time.Second}
	if f, ok := cfg.Session.(*fakeSession); ok && f.hold != nil {
		d.wait = 200 * time.Millisecond // the held check would block every time
	}
	if cfg.Cluster.Phase == ClusterStarting {
		d.wait = min(d.wait, 200*time.Millisecond) // the elapsed-time tick
	}
	d.send(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// send delivers a message, or runs a command, and everything that follows.
func (d *driver) send(first any) {
	d.t.Helper()
	var queue []tea.Msg
	push := func(c tea.Cmd) {
		if c != nil {
			queue = append(queue, d.run(c))
		}
	}
	switch v := first.(type) {
	case tea.Cmd:
		push(v)
	case tea.Msg:
		queue = append(queue, v)
	}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			d.t.Fatal("driver: too many messages (a loop?)")
		}
		msg := queue[0]
		queue = queue[1:]
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			for _, c := range msg {
				push(c)
			}
			continue
		case tea.QuitMsg:
			d.quit = true
			continue
		case clusterTickMsg:
			continue
		}
		if r, ok := msg.(handoffReadyMsg); ok {
			d.ready = append(d.ready, r)
		}
		if fmt.Sprintf("%T", msg) == "tea.execMsg" {
			d.execed = append(d.execed, msg)
			continue
		}
		_, cmd := d.m.Update(msg)
		push(cmd)
	}
}

// run runs one command, for at most d.wait.
func (d *driver) run(c tea.Cmd) tea.Msg {
	d.t.Helper()
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(d.wait):
		return nil
	}
}

func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(tea.Msg(keyMsg(k)))
	}
}

func (d *driver) view() string { return d.m.View() }

// requireView fails unless the view contains every string.
func (d *driver) requireView(want ...string) {
	d.t.Helper()
	v := d.view()
	for _, w := range want {
		if !strings.Contains(v, w) {
			d.t.Fatalf("view lacks %q:\n%s", w, v)
		}
	}
}

// rejectView fails if the view contains any of the strings.
func (d *driver) rejectView(unwanted ...string) {
	d.t.Helper()
	v := d.view()
	for _, u := range unwanted {
		if strings.Contains(v, u) {
			d.t.Fatalf("view has %q:\n%s", u, v)
		}
	}
}

func lineWidth(s string) int { return lipgloss.Width(s) }

// The screens, for the tests' assertions (the root never reaches into
// them).
func (m *Model) task() *taskModel       { return m.screens[screenTask].(*taskModel) }
func (m *Model) check() *checkModel     { return m.screens[screenCheck].(*checkModel) }
func (m *Model) browser() *browserModel { return m.screens[screenBrowser].(*browserModel) }

// openLab shows a lab's task, as the browser's enter does.
func (d *driver) openLab(l *labs.Lab) {
	d.t.Helper()
	d.send(tea.Msg(navigateMsg{to: screenTask, open: openLabMsg{lab: l}}))
}
