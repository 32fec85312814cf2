// Package examrun runs mock exams (package exam) for a learner: it sets up
// every drawn lab at the start, keeps the exam in the progress database
// after every change (so quitting or a crash loses nothing and --resume
// keeps the deadline), and grades every task at the end through the
// session, recording each task as an attempt of the exam.
//
// Offline, each task's answer is the YAML in its own exam workspace
// (state.Dirs.ExamWorkspace), apart from the learner's practice
// workspaces; on a live cluster it is the cluster as the learner left it.
package examrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// Runner runs exams for one learner.
type Runner struct {
	Mgr *session.Manager
	Cat *labs.Catalog
}

func (r *Runner) now() time.Time {
	if r.Mgr.Now != nil {
		return r.Mgr.Now()
	}
	return time.Now()
}

func (r *Runner) offline() bool { return !r.Mgr.Cluster.Live() }

// InProgressError is returned by Begin while another exam runs.
type InProgressError struct {
	Exam *exam.Exam
	Now  time.Time
}

func (e *InProgressError) Error() string {
	left := "its time is up"
	if !e.Exam.Expired(e.Now) {
		left = exam.Clock(e.Exam.Remaining(e.Now)) + " left"
	}
	return fmt.Sprintf("exam %s is in progress (%d tasks, %s): continue it with `ckadlab exam --resume`, or grade it now with `ckadlab exam --finish`", e.Exam.ID, len(e.Exam.Tasks), left)
}

// ExamID names an exam by its start and seed.
func ExamID(start time.Time, seed uint64) string {
	return fmt.Sprintf("%s-s%d", start.UTC().Format("20060102-150405"), seed)
}

// Begin starts an exam from plan: it refuses while another exam runs,
// sets up every task (offline: a fresh workspace with TASK.md and the
// setup for reference; live: the lab's namespaces reset and its setup
// applied), and stores the exam. Progress, when set, is told each task as
// it is set up.
func (r *Runner) Begin(ctx context.Context, plan exam.Plan, duration time.Duration, progress func(i int, t exam.Task)) (*exam.Exam, error) {
	return r.begin(ctx, plan, "", duration, time.Time{}, progress)
}

// BeginShared starts an exam that others sit too (a class exam): its id
// and deadline are given, the same for everyone, whenever this learner
// starts it.
func (r *Runner) BeginShared(ctx context.Context, plan exam.Plan, id string, deadline time.Time, progress func(i int, t exam.Task)) (*exam.Exam, error) {
	left := deadline.Sub(r.now())
	if left <= 0 {
		return nil, fmt.Errorf("exam %s ended at %s", id, deadline.Local().Format("15:04"))
	}
	return r.begin(ctx, plan, id, left, deadline, progress)
}

func (r *Runner) begin(ctx context.Context, plan exam.Plan, id string, duration time.Duration, deadline time.Time, progress func(i int, t exam.Task)) (*exam.Exam, error) {
	if active, err := r.Active(); err != nil {
		return nil, err
	} else if active != nil {
		return nil, &InProgressError{Exam: active, Now: r.now()}
	}
	start := r.now()
	if id == "" {
		id = ExamID(start, plan.Seed)
	}
	e, err := exam.New(id, plan, r.Cat.Get, func(lab string) string { return r.Mgr.Dirs.ExamWorkspace(id, lab) }, r.Mgr.Cluster.String(), start, duration)
	if err != nil {
		return nil, err
	}
	// Stored first: the tasks' starts and attempts refer to it.
	if err := r.Save(e); err != nil {
		return nil, err
	}
	if err := r.setUp(ctx, e, progress); err != nil {
		// Nothing was graded: the exam never started.
		if derr := r.Mgr.Dirs.WithStore(func(db *store.DB) error { return db.DeleteExam(e.ID) }); derr != nil {
			return nil, fmt.Errorf("%w (and the unfinished exam could not be removed: %v)", err, derr)
		}
		return nil, err
	}
	// The start is when the environment is ready, as in the real exam.
	if ready := r.now(); ready.After(e.Started) {
		e.Started = ready.UTC()
		e.Deadline = e.Started.Add(duration)
		if !deadline.IsZero() {
			// shared: the deadline stands
			e.Deadline = deadline.UTC()
		}
		if err := r.Save(e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// setUp prepares every task of a new exam.
func (r *Runner) setUp(ctx context.Context, e *exam.Exam, progress func(i int, t exam.Task)) error {
	if !r.offline() {
		// Create (or reuse) the cluster once, before the labs' resets.
		if _, err := r.Mgr.OpenLive(ctx, true); err != nil {
			return err
		}
		// The contexts the tasks name, next to ckadlab's own.
		if err := r.WriteContexts(e); err != nil {
			return err
		}
	}
	weights := e.Weights()
	for i, t := range e.Tasks {
		if progress != nil {
			progress(i, t)
		}
		l, err := r.Cat.GetVariant(t.Lab, t.Variant)
		if err != nil {
			return err
		}
		// TASK.md is the task as the exam shows it: neutral title, weight,
		// context line, documentation.
		doc := exam.TaskDocument(i+1, t, weights[i], l.Task, !r.offline())
		if _, err := state.PrepareDir(t.Workspace, doc, l.Setup.Manifests); err != nil {
			return fmt.Errorf("set up task %d (%s): %w", i+1, l.ID, err)
		}
		if !r.offline() {
			// Not Reset and Start: the practice workspace and progress of
			// the lab stay as they are (a drawn lab is not practised).
			if err := r.Mgr.SetUpFresh(ctx, l); err != nil {
				return fmt.Errorf("set up task %d (%s): %w", i+1, l.ID, err)
			}
		}
		if err := r.Mgr.Dirs.RecordStart(l.ID, e.Started, e.ID); err != nil {
			return err
		}
	}
	return nil
}

// KubeContext is where kubectl reaches the live cluster: the kubeconfig
// (a file, or several as in $KUBECONFIG) and ckadlab's own context in
// it. ok is false offline, where there is no API server.
func (r *Runner) KubeContext() (kubeconfig, context string, ok bool) {
	switch {
	case r.Mgr.Cluster.IsKind():
		return live.KubeconfigPath(r.Mgr.Kind.Kubeconfig), kind.Context(r.Mgr.Kind.Name), true
	case r.Mgr.Cluster.Live():
		name, _ := r.Mgr.Cluster.Context()
		kc := r.Mgr.Kubeconfig
		if kc == "" {
			kc = os.Getenv(clientcmd.RecommendedConfigPathEnvVar)
		}
		if kc == "" {
			kc = clientcmd.RecommendedHomeFile
		}
		return kc, name, true
	}
	return "", "", false
}

// WriteContexts writes the exam's kube contexts (ckad-k1, …, each with its
// tasks' namespace) into the live cluster's kubeconfig, with the cluster
// and user of ckadlab's own context, touching no other context (see
// kind.EnsureContexts). Offline there is no kubeconfig: nothing to do.
func (r *Runner) WriteContexts(e *exam.Exam) error {
	kc, base, ok := r.KubeContext()
	if !ok {
		return nil
	}
	var want []kind.NamedContext
	for _, c := range e.Contexts() {
		want = append(want, kind.NamedContext{Name: c.Name, Namespace: c.Namespace})
	}
	if _, err := kind.EnsureContexts(kc, base, want); err != nil {
		return fmt.Errorf("write the exam's kube contexts: %w", err)
	}
	return nil
}

// Save stores the exam (after every change: navigation, flags, marks).
func (r *Runner) Save(e *exam.Exam) error {
	rec, err := r.record(e)
	if err != nil {
		return err
	}
	return r.Mgr.Dirs.WithStore(func(db *store.DB) error { return db.SaveExam(rec) })
}

// record is the exam as the database stores it.
func (r *Runner) record(e *exam.Exam) (store.ExamRecord, error) {
	data, err := e.Marshal()
	if err != nil {
		return store.ExamRecord{}, err
	}
	rec := store.ExamRecord{ID: e.ID, Seed: e.Seed, Tasks: len(e.Tasks), StartedAt: e.Started, Deadline: e.Deadline, State: data}
	if e.Result != nil {
		rec.FinishedAt, rec.Percent, rec.Passed = e.Finished, e.Result.Percent, e.Result.Passed
	}
	return rec, nil
}

// Active is the exam in progress (nil when none).
func (r *Runner) Active() (*exam.Exam, error) {
	var rec store.ExamRecord
	var ok bool
	err := r.Mgr.Dirs.WithStore(func(db *store.DB) error {
		var err error
		rec, ok, err = db.ActiveExam()
		return err
	})
	if err != nil || !ok {
		return nil, err
	}
	return exam.Unmarshal(rec.State)
}

// Load returns a stored exam by id, or the latest one for id "".
func (r *Runner) Load(id string) (*exam.Exam, error) {
	var rec store.ExamRecord
	err := r.Mgr.Dirs.WithStore(func(db *store.DB) error {
		if id != "" {
			var err error
			rec, err = db.Exam(id)
			return err
		}
		all, err := db.Exams()
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return errNoExams
		}
		rec = all[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rec.ID == "" {
		return nil, errNoExams
	}
	return exam.Unmarshal(rec.State)
}

var errNoExams = errors.New("no exam yet: start one with `ckadlab exam`")

// RefreshAttempted marks a task attempted once its workspace holds an
// answer file (offline; on a live cluster the learner marks tasks). It
// reports whether anything changed.
func (r *Runner) RefreshAttempted(e *exam.Exam) bool {
	if !r.offline() {
		return false
	}
	changed := false
	for i, t := range e.Tasks {
		if t.Attempted {
			continue
		}
		if files, err := state.AnswerFiles(t.Workspace); err == nil && len(files) > 0 {
			e.Tasks[i].Attempted = true
			changed = true
		}
	}
	return changed
}

// Grade grades every task with the answers as they are now, scores the
// exam, and records it finished together with an attempt per task in one
// transaction (store.DB.FinishExam): a crash before it leaves the exam in
// progress with no attempt recorded, and finishing it again (also from
// another process that graded it meanwhile) records nothing twice but
// returns the stored result. Progress, when set, is told after each task.
// A task whose answer cannot be read (bad YAML) scores 0 with the reason;
// only cancellation stops grading.
//
// When the result cannot be stored (a read-only database, a full disk)
// Grade returns the result with the error: the grade is never lost.
//
// Offline, a task whose workspace holds no answer object is not answered:
// it scores 0 by definition, without running its checks. On a live
// cluster an answer cannot be told from the setup, so every task is
// graded (an untouched setup scores 0). Either way a task left blank
// (offline: not answered; live: not marked attempted and no point
// earned) is recorded as an unanswered attempt of the exam, which is no
// attempt of the lab in the learner's stats and drills.
func (r *Runner) Grade(ctx context.Context, e *exam.Exam, progress func(done int, t exam.Task, o exam.Outcome)) (*exam.Result, error) {
	if e.Done() {
		return e.Result, nil
	}
	r.RefreshAttempted(e)
	outcomes := map[string]exam.Outcome{}
	var attempts []store.Attempt
	for i, t := range e.Tasks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := r.Cat.GetVariant(t.Lab, t.Variant)
		if err != nil {
			outcomes[t.Lab] = exam.Outcome{Err: fmt.Errorf("the lab is no longer in the catalog (%v)", err)}
			continue
		}
		o, a := r.gradeTask(ctx, e, i+1, t, l)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		outcomes[t.Lab] = o
		if a != nil {
			attempts = append(attempts, *a)
		}
		if progress != nil {
			progress(i+1, t, o)
		}
	}
	res, err := e.Grade(outcomes, r.Cat.Get, r.now())
	if err != nil {
		return nil, err
	}
	if beforeFinish != nil {
		beforeFinish(e)
	}
	rec, err := r.record(e)
	if err != nil {
		return res, err
	}
	var stored store.ExamRecord
	err = r.Mgr.Dirs.WithStore(func(db *store.DB) error {
		var err error
		stored, err = db.FinishExam(rec, attempts)
		return err
	})
	if errors.Is(err, store.ErrExamFinished) {
		// Graded meanwhile: that grade stands, with its attempts.
		prev, uerr := exam.Unmarshal(stored.State)
		if uerr != nil {
			return nil, uerr
		}
		*e = *prev
		return e.Result, nil
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// beforeFinish, when set, runs after grading and before the result is
// stored (tests stop there, as a crash would).
var beforeFinish func(e *exam.Exam)

// gradeTask grades one task and returns the attempt to record with the
// exam (nil when there is none).
func (r *Runner) gradeTask(ctx context.Context, e *exam.Exam, n int, t exam.Task, l *labs.Lab) (exam.Outcome, *store.Attempt) {
	if r.offline() && !answered(t.Workspace, l.Namespace) {
		a := store.Attempt{Lab: l.ID, Domain: string(l.Domain), At: r.now().UTC(), Max: labMax(l), Cluster: r.Mgr.Cluster.String(),
			Exam: e.ID, Unanswered: true}
		return exam.Outcome{NotAnswered: true}, &a
	}
	opts := session.CheckOptions{Exam: e.ID, NoRecord: true, Task: n, Points: t.Points}
	if r.offline() {
		opts.AnswersDir = t.Workspace
	}
	rep, err := r.Mgr.Check(ctx, l, opts)
	if err != nil {
		return exam.Outcome{Err: err}, nil
	}
	a := session.Attempt(l, rep, r.Mgr.Cluster.String(), e.ID, r.now())
	// Live: an untouched setup scores 0, and only the learner's mark says
	// the task was worked on.
	a.Unanswered = !r.offline() && !t.Attempted && rep.Score == 0
	return exam.Outcome{Report: rep}, &a
}

// answered reports whether an exam task's workspace holds an answer: an
// object the grading would read. A workspace that cannot be read counts
// as answered, so that grading reports why.
func answered(ws, namespace string) bool {
	objs, err := session.ReadAnswers(ws, namespace, "the workspace")
	return err != nil || len(objs) > 0
}

func labMax(l *labs.Lab) int {
	n := 0
	for _, c := range l.Checks {
		n += c.Points
	}
	return n
}
