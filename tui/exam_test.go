package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// testClock is a clock a test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// fakeExams grades with the fake session's canned results and keeps the
// saved exams in memory.
type fakeExams struct {
	mu     sync.Mutex
	sess   *fakeSession
	cat    *labs.Catalog
	clock  func() time.Time
	saved  []*exam.Exam
	graded int
	err    error
	// saveErr, when set, is why the graded exam is not stored: Grade
	// returns the result with it, as examrun.Runner does.
	saveErr error
}

func (f *fakeExams) Save(e *exam.Exam) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.saved = append(f.saved, e)
	return nil
}

func (f *fakeExams) RefreshAttempted(e *exam.Exam) bool {
	changed := false
	for i, t := range e.Tasks {
		if files, err := state.AnswerFiles(t.Workspace); err == nil && len(files) > 0 && !t.Attempted {
			e.Tasks[i].Attempted, changed = true, true
		}
	}
	return changed
}

func (f *fakeExams) Grade(ctx context.Context, e *exam.Exam, _ func(int, exam.Task, exam.Outcome)) (*exam.Result, error) {
	f.mu.Lock()
	f.graded++
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := map[string]exam.Outcome{}
	for _, t := range e.Tasks {
		l, err := f.cat.Get(t.Lab)
		if err != nil {
			return nil, err
		}
		rep, err := f.sess.Check(ctx, l, session.CheckOptions{Exam: e.ID})
		out[t.Lab] = exam.Outcome{Report: rep, Err: err}
	}
	res, err := e.Grade(out, f.cat.Get, f.clock())
	if err != nil {
		return nil, err
	}
	if f.saveErr != nil {
		return res, f.saveErr
	}
	return res, f.Save(e)
}

func (f *fakeExams) last() *exam.Exam {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.saved) == 0 {
		return nil
	}
	return f.saved[len(f.saved)-1]
}

// examEnv is a test environment sitting an exam of the three fixture
// labs, drawn with seed 3, started at testNow with an hour to go.
func examEnv(t testing.TB) (*testEnv, *fakeExams, *testClock) {
	t.Helper()
	env := newTestEnv(t)
	cat := fixtureLabs(t)
	plan, err := exam.Draw(cat.All(), exam.DrawOptions{Seed: 3, Tasks: 3})
	if err != nil {
		t.Fatal(err)
	}
	e, err := exam.New("20260314-092653-s3", plan, cat.Get, func(lab string) string { return env.cfg.Dirs.ExamWorkspace("20260314-092653-s3", lab) },
		"offline", testNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: testNow.Add(23*time.Minute + 7*time.Second)}
	fx := &fakeExams{sess: env.sess, cat: cat, clock: clock.now}
	env.cfg.Now = clock.now
	env.cfg.Exam, env.cfg.Exams = e, fx
	return env, fx, clock
}

// newExamDriver is a driver that lets the countdown's one-second tick go
// (the tests send examTickMsg themselves after moving the clock).
func newExamDriver(t testing.TB, cfg Config, w, h int) *driver {
	t.Helper()
	d := &driver{t: t, m: New(context.Background(), cfg), wait: 700 * time.Millisecond}
	d.send(d.m.Init())
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// The exam screens, as golden files at 80×24 and 120×40.
var examGoldenCases = []struct {
	name  string
	setup func(*testEnv, *fakeExams, *testClock)
	steps []step
}{
	{name: "exam-task", steps: []step{keys("listens on TCP 5432")}},
	{name: "exam-flagged", steps: []step{keys("listens on TCP 5432"), keys("1 flagged", "f"), keys("Task 2 of 3", "n"), keys("Task 3 of 3", "n"), keys("2 flagged", "f")}},
	{name: "exam-confirm", steps: []step{keys("listens on TCP 5432"), keys("1 flagged", "f"), keys("grade it now?", "F")}},
	{name: "exam-report", steps: []step{keys("listens on TCP 5432"), keys("1 flagged", "f"), keys("grade it now?", "F"), keys("enter reviews", "y")}},
	{name: "exam-review", steps: []step{keys("listens on TCP 5432"), keys("grade it now?", "F"), keys("enter reviews", "y"), keys("Review: task 2", "down", "enter")}},
	{name: "exam-report-not-saved", setup: func(_ *testEnv, fx *fakeExams, _ *testClock) {
		fx.saveErr = &store.WriteError{Path: "/home/learner/.local/share/ckadlab/ckadlab.db", Err: store.ErrReadOnly}
	}, steps: []step{keys("listens on TCP 5432"), keys("grade it now?", "F"), keys("enter reviews", "y")}},
	{name: "exam-review-full", steps: []step{keys("listens on TCP 5432"), keys("grade it now?", "F"), keys("enter reviews", "y"), keys("Review: task 2", "down", "enter"), keys("reaches CoreDNS", "w")}},
	{name: "exam-expired", setup: func(_ *testEnv, _ *fakeExams, c *testClock) { c.set(testNow.Add(61 * time.Minute)) },
		steps: []step{keys("time ran out")}},
	{name: "exam-low-time", setup: func(_ *testEnv, _ *fakeExams, c *testClock) { c.set(testNow.Add(55*time.Minute + 30*time.Second)) },
		steps: []step{keys("listens on TCP 5432")}},
	// 20 minutes left: the 30-minute warning, in the header and flashed.
	{name: "exam-warning", setup: func(_ *testEnv, _ *fakeExams, c *testClock) { c.set(testNow.Add(40 * time.Minute)) },
		steps: []step{keys("listens on TCP 5432")}},
	{name: "exam-note", steps: []step{keys("listens on TCP 5432"), keys("Note on Task 1", "o"), keys("port q?", "check the port q?")}},
	{name: "exam-note-saved", steps: []step{keys("listens on TCP 5432"), keys("Note on Task 1", "o"), keys("port q?", "check the port q?"), keys("Note saved", "esc")}},
	{name: "exam-review-note", steps: []step{keys("listens on TCP 5432"), keys("Note on Task 1", "o"), keys("port", "check the port"), keys("Note saved", "esc"),
		keys("grade it now?", "F"), keys("enter reviews", "y"), keys("Review: task 1", "enter")}},
}

func TestGoldenExam(t *testing.T) {
	for _, tc := range examGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range [][2]int{{80, 24}, {120, 40}} {
				t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
					env, fx, clock := examEnv(t)
					if tc.setup != nil {
						tc.setup(env, fx, clock)
					}
					frame := runProgram(t, env.cfg, size[0], size[1], tc.steps)
					checkFrame(t, frame, size[0], size[1])
					teatest.RequireEqualOutput(t, []byte(frame))
				})
			}
		})
	}
}

func TestExamFlowWithFakeClock(t *testing.T) {
	env, fx, clock := examEnv(t)
	d := newExamDriver(t, env.cfg, 100, 30)
	d.requireView("Task 1 of 3", "0:36:53 left", "Questions", "0 of 3 attempted")
	// No hints and no solution in an exam.
	d.keys("h", "S")
	if v := d.view(); strings.Contains(v, "Hints (") || strings.Contains(v, "Reference solution") || strings.Contains(v, "reference solution") {
		t.Fatalf("a hint or the solution shows during the exam:\n%s", v)
	}
	d.keys("f", "n", "m")
	d.requireView("Task 2 of 3", "1 of 3 attempted · 1 flagged")
	saved := fx.last()
	if saved == nil || saved.Current != 1 || !saved.Tasks[0].Flagged || !saved.Tasks[1].Attempted {
		t.Fatalf("the exam was not saved after the changes: %+v", saved)
	}
	// An answer file written in the shell marks the task attempted.
	ws := env.cfg.Exam.Tasks[2].Workspace
	os.MkdirAll(ws, 0o755)
	os.WriteFile(filepath.Join(ws, "answer.yaml"), []byte("kind: Service\n"), 0o644)
	d.send(handoffDoneMsg{from: screenExam, kind: handoffShell})
	d.requireView("2 of 3 attempted", "Back in the exam.")

	// The countdown follows the clock, not the ticks.
	clock.set(testNow.Add(59*time.Minute + 58*time.Second))
	d.send(examTickMsg{})
	d.requireView("0:00:02 left")
	if fx.graded != 0 {
		t.Fatal("graded before the deadline")
	}
	// Time runs out: the next tick grades automatically.
	clock.set(testNow.Add(time.Hour))
	d.send(examTickMsg{})
	d.requireView("Report", "time used 1:00:00 of 1:00:00 (time ran out)", "enter reviews")
	// The flash was about the exam screen; the report starts without it,
	// and one arriving late (the shell ended as time ran out) stays off.
	d.rejectView("Back in the exam.")
	d.send(handoffDoneMsg{from: screenExam, kind: handoffShell})
	d.rejectView("Back in the exam.")
	if fx.graded != 1 || !fx.last().Done() || !fx.last().Result.Expired {
		t.Fatalf("graded %d times; saved %+v", fx.graded, fx.last())
	}
	// Review: every task, with failure reasons and the reference solution.
	d.keys("enter")
	d.requireView("Review: task 1 of 3", "Reference solution")
	d.keys("n")
	d.requireView("Review: task 2 of 3")
	d.keys("esc")
	d.requireView("enter reviews")
}

func TestExamFinishAndGradingError(t *testing.T) {
	env, fx, _ := examEnv(t)
	fx.err = errors.New("the cluster went away")
	d := newExamDriver(t, env.cfg, 100, 30)
	d.keys("F")
	d.requireView("Finish the exam and grade it now?", "3 tasks are not marked attempted")
	d.keys("n")
	d.requireView("Task 1 of 3")
	d.keys("F", "y")
	d.requireView("Grading failed: the cluster went away", "Task 1 of 3")
	fx.mu.Lock()
	fx.err = nil
	fx.mu.Unlock()
	d.keys("F", "y")
	d.requireView("enter reviews")
	if fx.graded != 2 {
		t.Fatalf("graded %d times", fx.graded)
	}
}

// An exam opened after its deadline (a resume after a crash) is graded at once.
func TestExamResumedAfterDeadline(t *testing.T) {
	env, fx, clock := examEnv(t)
	clock.set(testNow.Add(3 * time.Hour))
	d := newExamDriver(t, env.cfg, 100, 30)
	d.requireView("(time ran out)")
	if fx.graded != 1 {
		t.Fatalf("graded %d times", fx.graded)
	}
}

// A graded exam opens on its report.
func TestGradedExamOpensOnReport(t *testing.T) {
	env, fx, _ := examEnv(t)
	if _, err := fx.Grade(context.Background(), env.cfg.Exam, nil); err != nil {
		t.Fatal(err)
	}
	d := newExamDriver(t, env.cfg, 100, 30)
	d.requireView("Report", "enter reviews")
}

// statsEnv records some history in the environment's progress database.
func statsEnv(t testing.TB) *testEnv {
	t.Helper()
	env := newTestEnv(t)
	dirs := env.cfg.Dirs
	for _, a := range []store.Attempt{
		{Lab: "svc-expose-web", Domain: "services", At: testNow.Add(-72 * time.Hour), Score: 4, Max: 10, Cluster: "offline"},
		{Lab: "svc-expose-web", Domain: "services", At: testNow.Add(-2 * time.Hour), Score: 10, Max: 10, Cluster: "offline"},
		{Lab: "np-deny-all", Domain: "networkpolicy", At: testNow.Add(-30 * time.Hour), Score: 3, Max: 9, Cluster: "offline"},
	} {
		if err := dirs.RecordAttempt(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := dirs.RecordStart("ing-two-paths", testNow.Add(-5*24*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	err := dirs.WithStore(func(db *store.DB) error {
		return db.SaveExam(store.ExamRecord{ID: "20260310-080000-s42", Seed: 42, Tasks: 3, StartedAt: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC),
			Deadline: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 3, 10, 9, 40, 0, 0, time.UTC), Percent: 71.4, Passed: true, State: []byte(`{}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestGoldenStats(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			env := statsEnv(t)
			frame := runProgram(t, env.cfg, size[0], size[1], []step{keys("1 of 3 passed"), keys("By lab", "t")})
			checkFrame(t, frame, size[0], size[1])
			teatest.RequireEqualOutput(t, []byte(frame))
		})
	}
}

func TestStatsScreen(t *testing.T) {
	env := statsEnv(t)
	d := newDriver(t, env.cfg, 100, 40)
	d.requireView("t stats")
	d.keys("t")
	d.requireView("Stats", "By domain", "Services", "1/1", "svc-expose-web", "✓ passed", "10/10", "np-deny-all", "◐ partial", "3/9",
		"yesterday", "ing-two-paths", "… started", "5 days ago", "71.4% ✓ pass")
	d.keys("esc")
	d.requireView("Your progress")
	// A new learner: no database is created by looking.
	env2 := newTestEnv(t)
	d2 := newDriver(t, env2.cfg, 100, 40)
	d2.keys("t")
	d2.requireView("None yet")
	if env2.cfg.Dirs.HasProgress() {
		t.Fatal("the stats screen created a database")
	}
}

// The stats screen shows times on the learner's clock: days and dates in
// its time zone, not in UTC.
func TestStatsScreenUsesTheClocksZone(t *testing.T) {
	env := statsEnv(t)
	east := time.FixedZone("UTC+10", 10*60*60)
	env.cfg.Now = func() time.Time { return testNow.In(east) } // 19:26 on 14 March there
	// Checked at 23:30 on 13 March in UTC, 09:30 on the 14th on the clock.
	if err := env.cfg.Dirs.RecordAttempt(store.Attempt{Lab: "ing-two-paths", Domain: "ingress", At: time.Date(2026, 3, 13, 23, 30, 0, 0, time.UTC),
		Score: 2, Max: 6, Cluster: "offline"}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, env.cfg, 100, 40)
	d.keys("t")
	d.requireView("2026-03-10 18:00  seed 42", "ing-two-paths   ◐ partial     2/6        1  today")
}

// Letters typed quickly arrive as one message; each is a key.
func TestExamKeysTypedTogether(t *testing.T) {
	env, _, _ := examEnv(t)
	d := newExamDriver(t, env.cfg, 100, 30)
	d.send(tea.Msg(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("fnm")}))
	d.requireView("Task 2 of 3", "1 of 3 attempted · 1 flagged")
}

// The review keeps a reason's wrapped lines under its text, and scrolls.
func TestReviewWrapsUnderTheTextAndScrolls(t *testing.T) {
	env, fx, _ := examEnv(t)
	if _, err := fx.Grade(context.Background(), env.cfg.Exam, nil); err != nil {
		t.Fatal(err)
	}
	d := newExamDriver(t, env.cfg, 80, 24)
	d.keys("down", "enter")
	d.requireView("Review: task 2 of 3", "why  • Service store/web has no endpoints", "  0% ")
	label := regexp.MustCompile(`^ {8}(expected|observed|why) `)
	for _, line := range strings.Split(d.view(), "\n") {
		if strings.HasPrefix(line, strings.Repeat(" ", 8)) && !strings.HasPrefix(line, strings.Repeat(" ", 9)) && !label.MatchString(line) {
			t.Errorf("a wrapped line left of its text: %q\n%s", line, d.view())
		}
	}
	d.keys("down")
	d.rejectView("  0% ")
}

// During the exam no lab title shows: the task, the header and the
// question list name the domain and namespace; the task starts with its
// context line (informational offline) and lists its documentation.
func TestExamShowsNeutralTitles(t *testing.T) {
	env, _, _ := examEnv(t)
	d := newExamDriver(t, env.cfg, 120, 40)
	for i, task := range env.cfg.Exam.Tasks {
		d.requireView(exam.NeutralTitle(i+1, task), "kubectl config use-context "+task.Context, "informational",
			"Documentation you may use", "context "+task.Context)
		if v := d.view(); strings.Contains(v, task.Title) || strings.Contains(v, "# "+task.Title) {
			t.Fatalf("task %d shows its lab's title %q:\n%s", i+1, task.Title, v)
		}
		d.keys("n")
	}
}

// Each timer warning flashes once, when its mark is passed.
func TestExamWarningsFlashOnce(t *testing.T) {
	env, _, clock := examEnv(t) // 36:53 left
	d := newExamDriver(t, env.cfg, 100, 30)
	d.rejectView("minutes left")
	for _, tt := range []struct {
		left  time.Duration
		flash string
	}{
		{30*time.Minute + time.Second, ""},
		{30 * time.Minute, "30 minutes left in the exam"},
		{26 * time.Minute, ""}, // the same warning does not flash again
		{15 * time.Minute, "15 minutes left in the exam"},
		{5 * time.Minute, "5 minutes left in the exam"},
	} {
		clock.set(testNow.Add(time.Hour - tt.left))
		d.send(examTickMsg{})
		if tt.flash != "" {
			d.requireView(tt.flash)
		} else {
			d.rejectView("in the exam: check")
		}
		d.keys("n") // a key clears the flash
	}
	// The header keeps the latest warning.
	d.requireView("5 minutes left  ⏱ 0:05:00 left")
}

// The note editor takes every key as text (q does not quit), saves the
// note with the exam on esc, and a note typed when time runs out is kept.
func TestExamNotes(t *testing.T) {
	env, fx, clock := examEnv(t)
	d := newExamDriver(t, env.cfg, 100, 30)
	d.keys("o")
	d.requireView("Note on Task 1 — ")
	d.keys("q", "?", "n", "f")
	d.requireView("q?nf")
	d.keys("esc")
	d.requireView("Note saved", "✎ note")
	if saved := fx.last(); saved == nil || saved.Tasks[0].Note != "q?nf" || saved.Tasks[0].Flagged {
		t.Fatalf("saved %+v", saved)
	}
	// Editing it again starts from the note; unchanged, nothing is saved.
	n := len(fx.saved)
	d.keys("o")
	d.requireView("q?nf")
	d.keys("esc")
	if len(fx.saved) != n {
		t.Fatal("an unchanged note was saved again")
	}
	// Time runs out while typing a note on task 2: the note is graded with it.
	d.keys("n", "o", "x", "y")
	clock.set(testNow.Add(time.Hour))
	d.send(examTickMsg{})
	d.requireView("enter reviews")
	if got := fx.last(); !got.Done() || got.Tasks[1].Note != "xy" || got.Result.Tasks[1].Note != "xy" {
		t.Fatalf("the note typed at the deadline: %+v", got.Tasks[1])
	}
}

// On a live cluster the exam shell's kubeconfig holds every exam context
// (the lab cluster's cluster and user, each task's namespace) and starts
// in the task's; the prompt and the banner name the task, not the lab.
func TestExamShellLiveKubeconfig(t *testing.T) {
	env, _, _ := examEnv(t)
	src := filepath.Join(env.home, "kubeconfig")
	if err := os.WriteFile(src, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	env.cfg.Cluster = ClusterStatus{Backend: "kind (ckadlab)", Context: "kind-ckadlab", Kubeconfig: src, Phase: ClusterReady}
	d := newExamDriver(t, env.cfg, 100, 30)
	d.keys("n") // task 2
	em := d.m.screens[screenExam].(*examModel)
	task := env.cfg.Exam.Tasks[1]
	l := mustLab(t, env, task.Lab)
	msg := em.handoffIn(handoffShell, l, task.Workspace, 2)().(handoffReadyMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	path := filepath.Join(task.Workspace, ".kube", "config")
	if !slices.Contains(msg.cmd.Env, "KUBECONFIG="+path) || !slices.Contains(msg.cmd.Env, "PS1=(ckadlab exam task 2) $ ") {
		t.Fatalf("env: %q", msg.cmd.Env)
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != task.Context {
		t.Errorf("current context %s, want %s", cfg.CurrentContext, task.Context)
	}
	for _, c := range env.cfg.Exam.Contexts() {
		got := cfg.Contexts[c.Name]
		if got == nil || got.Cluster != "kind-ckadlab" || got.AuthInfo != "kind-ckadlab" || got.Namespace != c.Namespace {
			t.Errorf("context %s = %+v", c.Name, got)
		}
	}
	if cfg.Contexts["prod"] != nil || cfg.AuthInfos["prod-admin"] != nil {
		t.Error("the shell's kubeconfig has another cluster's context")
	}
	if !strings.Contains(msg.banner, "exam workspace of task 2 (namespace "+task.Namespace+")") || !strings.Contains(msg.banner, "kubectl config use-context "+task.Context) ||
		strings.Contains(msg.banner, task.Lab) {
		t.Errorf("banner: %s", msg.banner)
	}
}
