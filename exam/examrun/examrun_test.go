package examrun

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/drill"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// newRunner is an offline runner over the built-in labs, with a clock
// that moves a minute per reading.
func newRunner(t *testing.T) *Runner {
	t.Helper()
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := labs.NewCatalog(all)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	clock := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Minute); return clock }
	m := &session.Manager{Dirs: state.Dirs{Data: filepath.Join(dir, "data"), State: filepath.Join(dir, "state")}, Cluster: session.Offline, Now: now}
	return &Runner{Mgr: m, Cat: cat}
}

var examLabs = []string{"np-default-deny", "svc-nodeport", "ing-path-routing"}

func begin(t *testing.T, r *Runner) *exam.Exam {
	t.Helper()
	plan := exam.Plan{Seed: 7}
	for _, id := range examLabs {
		l, err := r.Cat.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		plan.Tasks = append(plan.Tasks, exam.PlanTask{ID: id, Domain: l.Domain, Points: 5})
	}
	e, err := r.Begin(context.Background(), plan, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func history(t *testing.T, r *Runner) (map[string]*store.LabSummary, []store.Attempt) {
	t.Helper()
	var sums map[string]*store.LabSummary
	var attempts []store.Attempt
	err := r.Mgr.Dirs.WithStore(func(db *store.DB) error {
		var err error
		if sums, err = db.Summaries(); err != nil {
			return err
		}
		attempts, err = db.Attempts("")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums, attempts
}

// A blank exam scores 0% and leaves no practice history: no lab is
// started, failed or picked by the drill for it.
func TestBlankExam(t *testing.T) {
	r := newRunner(t)
	e := begin(t, r)
	// An empty file (or only comments) is no answer either.
	if err := os.WriteFile(filepath.Join(e.Tasks[2].Workspace, "answer.yaml"), []byte("# todo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := r.Grade(context.Background(), e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Percent != 0 || res.Earned != 0 || res.Passed {
		t.Fatalf("blank exam: %v%% (%v points), passed %v", res.Percent, res.Earned, res.Passed)
	}
	for _, tr := range res.Tasks {
		// Its checks were not run: the review lists each, not run.
		if !tr.NotAnswered || tr.Score != 0 || tr.Max == 0 || !tr.NotRun || len(tr.Checks) == 0 || tr.Error != "" {
			t.Errorf("task %s: %+v", tr.Lab, tr)
		}
		for _, c := range tr.Checks {
			if c.Passed || c.Points != 0 {
				t.Errorf("task %s: a check not run passed: %+v", tr.Lab, c)
			}
		}
	}
	if !res.Tasks[2].Attempted {
		t.Error("a task with an answer file is not marked attempted")
	}
	sums, attempts := history(t, r)
	if len(sums) != 0 {
		t.Fatalf("a blank exam left practice history: %v", sums)
	}
	if len(attempts) != 3 {
		t.Fatalf("the exam's %d tasks left %d attempts", len(e.Tasks), len(attempts))
	}
	for _, a := range attempts {
		if !a.Unanswered || a.Exam != e.ID || a.Score != 0 || a.Max == 0 {
			t.Errorf("attempt %+v", a)
		}
	}
	plan := drill.Next(r.Cat.All(), sums, drill.Options{N: r.Cat.Len(), Now: time.Now()})
	for _, p := range plan.Picks {
		if p.Kind != drill.KindNew {
			t.Errorf("after a blank exam the drill picks %s as %s: %s", p.Lab, p.Kind, p.Reason)
		}
	}
	st := drill.Compute(r.Cat.All(), sums, nil)
	for _, l := range st.Labs {
		if l.Attempts != 0 || l.Status != store.StatusNew {
			t.Errorf("stats: %s is %s with %d attempts", l.Lab, l.Status, l.Attempts)
		}
	}
	// The stored exam has the report.
	back, err := r.Load(e.ID)
	if err != nil || !back.Done() || !back.Result.Tasks[0].NotAnswered {
		t.Fatalf("stored exam: %v", err)
	}
}

// Only the task that was answered becomes an attempt of its lab, marked as
// an exam's.
func TestExamWithOneAnswer(t *testing.T) {
	r := newRunner(t)
	e := begin(t, r)
	l, _ := r.Cat.GetVariant(e.Tasks[1].Lab, e.Tasks[1].Variant)
	if err := os.WriteFile(filepath.Join(e.Tasks[1].Workspace, "answer.yaml"), []byte(l.Wrong[0].Manifests), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := r.Grade(context.Background(), e, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range res.Tasks {
		if tr.NotAnswered != (i != 1) {
			t.Errorf("task %d (%s): not answered = %v", i+1, tr.Lab, tr.NotAnswered)
		}
	}
	if tr := res.Tasks[1]; tr.Score >= tr.Max || len(tr.Checks) == 0 {
		t.Fatalf("the wrong answer: %d/%d, %d checks", tr.Score, tr.Max, len(tr.Checks))
	}
	sums, _ := history(t, r)
	if len(sums) != 1 {
		t.Fatalf("summaries: %v", sums)
	}
	s := sums[l.ID]
	if s == nil || s.Attempts != 1 || s.ExamAttempts != 1 || s.LastExam != e.ID || s.LastScore != res.Tasks[1].Score {
		t.Fatalf("%s: %+v", l.ID, s)
	}
	plan := drill.Next(r.Cat.All(), sums, drill.Options{N: r.Cat.Len(), Now: time.Now()})
	for _, p := range plan.Picks {
		if p.Kind != drill.KindNew && p.Lab != l.ID {
			t.Errorf("the drill picks %s as %s: %s", p.Lab, p.Kind, p.Reason)
		}
		if p.Lab == l.ID && p.Kind != drill.KindFailed {
			t.Errorf("the answered task is picked as %s", p.Kind)
		}
	}
}

// A duplicate object in a task's workspace is that task's error, scored 0.
func TestExamTaskWithDuplicateObjects(t *testing.T) {
	r := newRunner(t)
	e := begin(t, r)
	l, _ := r.Cat.GetVariant(e.Tasks[0].Lab, e.Tasks[0].Variant)
	for _, f := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(e.Tasks[0].Workspace, f), []byte(l.Solution.Manifests), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := r.Grade(context.Background(), e, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Tasks[0]; tr.NotAnswered || tr.Score != 0 || tr.Error == "" {
		t.Fatalf("task with a duplicate: %+v", tr)
	}
}

// Finishing an exam twice records its attempts once: a finish killed
// before it stored anything leaves no attempt behind, and a second finish
// of a copy that was loaded before the first one finished (another
// terminal, or a retry after a crash past the commit) returns the stored
// result without recording again.
func TestFinishTwiceRecordsOnce(t *testing.T) {
	r := newRunner(t)
	e := begin(t, r)
	for i, tk := range e.Tasks {
		l, _ := r.Cat.GetVariant(tk.Lab, tk.Variant)
		answer := l.Solution.Manifests
		if i == 0 {
			answer = l.Wrong[0].Manifests
		}
		if err := os.WriteFile(filepath.Join(tk.Workspace, "answer.yaml"), []byte(answer), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The crash point: graded, not stored yet. Nothing is recorded.
	crashed := false
	beforeFinish = func(*exam.Exam) {
		if _, attempts := history(t, r); len(attempts) != 0 {
			t.Errorf("%d attempts recorded before the exam was stored finished", len(attempts))
		}
		crashed = true
	}
	defer func() { beforeFinish = nil }()
	first, err := r.Active()
	if err != nil || first == nil {
		t.Fatalf("active: %v", err)
	}
	second, _ := r.Active()
	res1, err := r.Grade(context.Background(), first, nil)
	if err != nil || !crashed {
		t.Fatalf("first finish: %v", err)
	}
	beforeFinish = nil
	// The second copy still looks unfinished; it is graded (differently,
	// with an answer changed meanwhile) but the first result stands.
	l0, _ := r.Cat.GetVariant(e.Tasks[0].Lab, e.Tasks[0].Variant)
	os.WriteFile(filepath.Join(e.Tasks[0].Workspace, "answer.yaml"), []byte(l0.Solution.Manifests), 0o644)
	res2, err := r.Grade(context.Background(), second, nil)
	if err != nil {
		t.Fatalf("second finish: %v", err)
	}
	if res2.Percent != res1.Percent || res2.Finished != res1.Finished || !second.Done() {
		t.Fatalf("second finish: %v%% at %v, first %v%% at %v", res2.Percent, res2.Finished, res1.Percent, res1.Finished)
	}
	_, attempts := history(t, r)
	if len(attempts) != len(e.Tasks) {
		t.Fatalf("finishing twice recorded %d attempts for %d tasks", len(attempts), len(e.Tasks))
	}
	if active, err := r.Active(); err != nil || active != nil {
		t.Fatalf("still active after finishing: %v %v", active, err)
	}
}

// A shared exam (a class's) keeps the id and deadline it was given,
// whenever this learner starts it; one that has ended cannot start.
func TestBeginShared(t *testing.T) {
	r := newRunner(t)
	plan := exam.Plan{Seed: 9}
	for _, id := range examLabs {
		l, err := r.Cat.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		plan.Tasks = append(plan.Tasks, exam.PlanTask{ID: id, Domain: l.Domain, Points: 5})
	}
	deadline := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	if _, err := r.BeginShared(context.Background(), plan, "e-late", time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), nil); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("an exam that ended started: %v", err)
	}
	e, err := r.BeginShared(context.Background(), plan, "e20261125T085500Z", deadline, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "e20261125T085500Z" || !e.Deadline.Equal(deadline) || len(e.Tasks) != 3 {
		t.Errorf("exam %s deadline %v with %d tasks, want the class's id and deadline %v", e.ID, e.Deadline, len(e.Tasks), deadline)
	}
	saved, err := r.Load(e.ID)
	if err != nil || !saved.Deadline.Equal(deadline) {
		t.Errorf("saved: %v, %v", saved, err)
	}
}
