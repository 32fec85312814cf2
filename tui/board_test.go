package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/ckadlab/ckadlab/class"
)

var boardLabs = []string{"svc-expose-web", "np-deny-all", "ing-two-paths", "np-allow-app", "svc-headless", "np-egress-dns", "ing-tls", "svc-nodeport"}

// boardFixture is a class of six learners over eight labs: full marks,
// partial runs, failures with why-lines, learners not started, and a
// record of someone not in the roster.
func boardFixture(t testing.TB) (*class.Class, []class.Record) {
	c, err := class.NewClass("ckad-mon", []string{"alice", "bob", "carol", "dave", "erin", "frank-the-long-name"}, testNow.Add(-3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c.Labs = boardLabs
	mk := func(learner, lab string, ago time.Duration, attempts int, checks ...string) class.Record {
		r := class.Record{Learner: learner, Lab: lab, Domain: domainOf(lab), Variant: 3, At: testNow.Add(-ago), Attempts: attempts}
		for _, ch := range checks {
			cr := class.CheckRecord{ID: strings.TrimPrefix(ch, "!"), Max: 2}
			if strings.HasPrefix(ch, "!") {
				cr.Expected = "frontend/client reaches backend/api on TCP 8080"
				cr.Observed = "blocked: no policy in backend allows it"
				cr.Why = []string{"NetworkPolicy backend/deny-all selects backend/api and allows no ingress",
					"NetworkPolicy backend/allow-frontend selects app=api but its from selects namespaces labelled team=frontend; frontend has no labels"}
			} else {
				cr.Passed, cr.Points = true, 2
			}
			r.Checks = append(r.Checks, cr)
			r.Score += cr.Points
			r.Max += cr.Max
		}
		return r
	}
	recs := []class.Record{
		mk("alice", "svc-expose-web", 50*time.Minute, 1, "service-exists", "selects-web", "reaches-web"),
		mk("alice", "np-deny-all", 40*time.Minute, 3, "policy-exists", "dns-allowed", "!blocks-others"),
		mk("alice", "ing-two-paths", 10*time.Minute, 2, "ingress-exists", "routes-api", "routes-web"),
		mk("bob", "svc-expose-web", 45*time.Minute, 4, "service-exists", "!selects-web", "!reaches-web"),
		mk("bob", "np-deny-all", 20*time.Minute, 1, "!policy-exists", "!dns-allowed", "!blocks-others"),
		mk("carol", "svc-expose-web", 30*time.Minute, 1, "service-exists", "selects-web", "reaches-web"),
		mk("carol", "np-deny-all", 25*time.Minute, 2, "policy-exists", "dns-allowed", "!blocks-others"),
		mk("carol", "svc-nodeport", 5*time.Minute, 1, "service-exists", "!node-port"),
		mk("erin", "ing-tls", 2*time.Hour, 5, "secret-exists", "!tls-host"),
		mk("frank-the-long-name", "svc-expose-web", 30*time.Second, 1, "service-exists", "selects-web", "!reaches-web"),
		mk("mallory", "np-deny-all", time.Minute, 1, "policy-exists"),
	}
	return c, recs
}

func domainOf(lab string) string {
	switch {
	case strings.HasPrefix(lab, "np-"):
		return "networkpolicy"
	case strings.HasPrefix(lab, "ing-"):
		return "ingress"
	}
	return "services"
}

// fakeClass is the board's loader in tests: the fixture, an exam, or an
// error, counting its calls.
type fakeClass struct {
	mu    sync.Mutex
	c     *class.Class
	recs  []class.Record
	exam  *class.Exam
	err   error
	calls int
}

func (f *fakeClass) load(context.Context) (*class.Class, []class.Record, *class.Exam, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, nil, nil, f.err
	}
	return f.c, f.recs, f.exam, nil
}

func (f *fakeClass) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func newFakeClass(t testing.TB) *fakeClass {
	c, recs := boardFixture(t)
	return &fakeClass{c: c, recs: recs}
}

func examFake(t testing.TB) *fakeClass {
	f := newFakeClass(t)
	f.exam = &class.Exam{ID: "e1773479213", Seed: 7, Tasks: 4, Duration: 2 * time.Hour, Start: testNow.Add(-time.Hour)}
	var recs []class.Record
	labsOf := []string{"svc-expose-web", "np-deny-all", "ing-two-paths", "np-allow-app"}
	for _, r := range f.recs {
		for i, lab := range labsOf {
			if r.Lab == lab {
				r.Exam, r.Task, r.Points = f.exam.ID, i+1, 20+5*i
				recs = append(recs, r)
			}
		}
	}
	f.recs = recs
	return f
}

func boardConfig(f *fakeClass) BoardConfig {
	// An hour between refreshes: the goldens never see one; refreshes
	// are tested by message.
	return BoardConfig{Load: f.load, Interval: time.Hour, Now: func() time.Time { return testNow }}
}

var boardGoldenCases = []struct {
	name  string
	fake  func(testing.TB) *fakeClass
	steps []step
}{
	{name: "grid", steps: []step{keys("refreshes every")}},
	// The cursor moves right past the last column shown: the columns scroll.
	{name: "grid-scrolled", steps: []step{keys("refreshes every"), keys("svc-nodeport", "l", "l", "l", "l", "l", "l", "l", "down", "down")}},
	{name: "drill", steps: []step{keys("refreshes every"), keys("bob · np-deny-all", "down", "l"), keys("why:", "enter")}},
	{name: "drill-not-run", steps: []step{keys("refreshes every"), keys("has not run", "down", "down", "down", "enter")}},
	{name: "heat", steps: []step{keys("refreshes every"), keys("checks most failed", "m")}},
	{name: "exam", fake: examFake, steps: []step{keys("refreshes every")}},
	{name: "load-error", fake: func(t testing.TB) *fakeClass {
		f := newFakeClass(t)
		f.err = errors.New(`configmaps is forbidden: User "system:serviceaccount:ckadlab-class-ckad-mon:alice" cannot list resource "configmaps" in API group "" at the cluster scope`)
		return f
	}, steps: []step{keys("could not be read")}},
	{name: "empty", fake: func(t testing.TB) *fakeClass {
		f := newFakeClass(t)
		f.recs = nil
		return f
	}, steps: []step{keys("No results yet")}},
}

func TestGoldenBoard(t *testing.T) {
	for _, tc := range boardGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range [][2]int{{60, 16}, {80, 24}, {120, 40}} {
				t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
					f := newFakeClass(t)
					if tc.fake != nil {
						f = tc.fake(t)
					}
					frame := runBoard(t, boardConfig(f), size[0], size[1], tc.steps)
					checkFrame(t, frame, size[0], size[1])
					teatest.RequireEqualOutput(t, []byte(frame))
				})
			}
		})
	}
}

// runBoard runs the board program in teatest through steps and returns
// its last frame.
func runBoard(t *testing.T, cfg BoardConfig, w, h int, steps []step) string {
	t.Helper()
	a := newBoardApp(context.Background(), cfg)
	tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(w, h))
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
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*boardApp).View()
}

// boardDriver drives the board model by hand: a read it starts is run
// at once and its answer fed back; the tick scheduled after a read is
// never run (it would wait): tests send boardTickMsg themselves.
type boardDriver struct {
	t *testing.T
	m *boardModel
}

func newBoardDriver(t *testing.T, f *fakeClass) *boardDriver {
	km, st := DefaultKeyMap(), NewStyles(false)
	m := newBoard(context.Background(), &km, &st, boardConfig(f))
	m.SetSize(100, 30)
	d := &boardDriver{t: t, m: m}
	d.m.Update(m.Init()())
	return d
}

func (d *boardDriver) send(msg tea.Msg) {
	_, cmd := d.m.Update(msg)
	if d.m.loading && cmd != nil {
		d.m.Update(cmd())
	}
}

func (d *boardDriver) key(k string) { d.send(keyMsg(k)) }

// A failed refresh keeps the last good board and says why; the next good
// one clears it. A stale tick is ignored; a current one refreshes.
func TestBoardRefresh(t *testing.T) {
	f := newFakeClass(t)
	d := newBoardDriver(t, f)
	if d.m.board == nil || f.calls != 1 {
		t.Fatalf("first read: board %v, %d calls", d.m.board, f.calls)
	}
	if !strings.Contains(d.m.View(), "alice") {
		t.Fatalf("no board:\n%s", d.m.View())
	}
	f.fail(errors.New("connection refused"))
	d.send(boardTickMsg{gen: d.m.gen})
	if f.calls != 2 {
		t.Fatalf("a current tick did not refresh (%d calls)", f.calls)
	}
	v := d.m.View()
	if !strings.Contains(v, "refresh failed: connection refused") || !strings.Contains(v, "alice") {
		t.Errorf("a failed refresh lost the board or said nothing:\n%s", v)
	}
	// A tick of an older chain does nothing.
	d.send(boardTickMsg{gen: d.m.gen - 1})
	if f.calls != 2 {
		t.Errorf("a stale tick refreshed (%d calls)", f.calls)
	}
	f.fail(nil)
	f.recs = append(f.recs, class.Record{Learner: "dave", Lab: "np-deny-all", Score: 6, Max: 6, At: testNow, Attempts: 1})
	d.key("r")
	if f.calls != 3 {
		t.Fatalf("r did not refresh (%d calls)", f.calls)
	}
	v = d.m.View()
	if strings.Contains(v, "refresh failed") || d.m.board.Rows[3].Cells[1].Score != 6 {
		t.Errorf("a good refresh did not replace the board:\n%s", v)
	}
}

// While a read runs, neither r nor a tick starts another.
func TestBoardOneReadAtATime(t *testing.T) {
	f := newFakeClass(t)
	km, st := DefaultKeyMap(), NewStyles(false)
	m := newBoard(context.Background(), &km, &st, boardConfig(f))
	m.SetSize(100, 30)
	load := m.Init() // a read in flight, not yet answered
	if !m.loading || load == nil {
		t.Fatal("Init does not read the class")
	}
	if _, cmd := m.Update(keyMsg("r")); cmd != nil {
		t.Error("r started a second read")
	}
	if !strings.Contains(m.View(), "Already reading") {
		t.Errorf("r while reading says nothing:\n%s", m.View())
	}
	if _, cmd := m.Update(boardTickMsg{gen: m.gen}); cmd != nil {
		t.Error("a tick started a second read")
	}
	if f.calls != 0 {
		t.Errorf("the loader ran in Update (%d calls)", f.calls)
	}
	if _, cmd := m.Update(load()); cmd == nil {
		t.Error("no tick scheduled after a read")
	}
}

// The cursor stays on the board whatever the keys; drill, heat map and
// back move between the views; back from the grid leaves the screen.
func TestBoardKeys(t *testing.T) {
	d := newBoardDriver(t, newFakeClass(t))
	for range 20 {
		d.key("h")
		d.key("up")
	}
	if d.m.row != 0 || d.m.col != 0 {
		t.Errorf("cursor %d,%d, want 0,0", d.m.row, d.m.col)
	}
	for range 20 {
		d.key("l")
		d.key("j")
	}
	if d.m.row != 5 || d.m.col != len(boardLabs)-1 {
		t.Errorf("cursor %d,%d, want 5,%d", d.m.row, d.m.col, len(boardLabs)-1)
	}
	d.key("home")
	d.key("h")
	d.key("h")
	d.key("h")
	d.key("h")
	d.key("h")
	d.key("h")
	d.key("h") // svc-expose-web
	d.key("enter")
	if d.m.view != boardDrill || !strings.Contains(d.m.View(), "alice") || !strings.Contains(d.m.View(), "reaches-web") {
		t.Fatalf("enter did not drill into alice's svc-expose-web:\n%s", d.m.View())
	}
	d.key("esc")
	if d.m.view != boardGrid {
		t.Error("esc did not leave the drill")
	}
	d.key("m")
	if d.m.view != boardHeat || !strings.Contains(d.m.View(), "3/3") {
		t.Errorf("m did not show the heat map:\n%s", d.m.View())
	}
	d.key("m")
	if d.m.view != boardGrid {
		t.Error("m did not toggle back")
	}
	_, cmd := d.m.Update(keyMsg("esc"))
	if cmd == nil {
		t.Fatal("esc on the grid does nothing")
	}
	if _, ok := cmd().(backMsg); !ok {
		t.Error("esc on the grid is no back")
	}
}

// A refresh while drilled in shows the record read afresh.
func TestBoardDrillFollowsRefresh(t *testing.T) {
	f := newFakeClass(t)
	d := newBoardDriver(t, f)
	d.key("j") // bob
	d.key("enter")
	if !strings.Contains(d.m.View(), "4 attempts") {
		t.Fatalf("bob's svc-expose-web:\n%s", d.m.View())
	}
	f.recs = append(f.recs, class.Record{Learner: "bob", Lab: "svc-expose-web", Score: 6, Max: 6, At: testNow, Attempts: 5})
	d.key("r")
	if !strings.Contains(d.m.View(), "5 attempts") {
		t.Errorf("the drill did not follow the refresh:\n%s", d.m.View())
	}
}

// q quits the board program; esc on the grid quits it too.
func TestBoardAppQuits(t *testing.T) {
	for _, k := range []string{"q", "esc", "ctrl+c"} {
		a := newBoardApp(context.Background(), boardConfig(newFakeClass(t)))
		a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		_, cmd := a.Update(keyMsg(k))
		if k == "esc" { // the board answers back; the program quits on it
			_, cmd = a.Update(cmd())
		}
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
}
