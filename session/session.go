// Package session binds a lab to a cluster backend and to the learner's
// workspace and progress: start, check and reset, as the CLI and the TUI both
// need them. It is where a backend is chosen (--cluster); the offline
// cluster is always available.
package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// Manager runs labs for one learner.
type Manager struct {
	Dirs    state.Dirs
	Cluster Target // from ChooseCluster
	Now     func() time.Time
	// Kind configures the kind cluster (name, node image, kubeconfig,
	// progress events) when Cluster is Kind.
	Kind kind.Options
	// Kubeconfig is the kubeconfig of a context Cluster ("" follows
	// kubectl's rules).
	Kubeconfig string
	// Class is set in class mode (see ReadClass): labs are the class's,
	// mapped for the learner, started in namespaces the learner's
	// ckadlab provisions, and every check is recorded for the board.
	Class *Class

	// upMu serialises bringing the kind cluster up: the TUI starts it in
	// the background while the learner may already start a lab.
	upMu   sync.Mutex
	upDone bool // kind.Up succeeded in this process: later calls only open

	agentsMu sync.Mutex
	agents   *live.Agents // kept between checks (keptAgents)
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// StartInfo says where a started lab lives.
type StartInfo struct {
	Lab       string   `json:"lab"`
	Cluster   string   `json:"cluster"`
	Workspace string   `json:"workspace"`
	Namespace string   `json:"namespace"`
	Answers   []string `json:"answers"` // answer files already in the workspace
	// Variant is the lab's variant (0: the default values) and Values its
	// parameters' values (none for a lab without parameters).
	Variant uint64            `json:"variant"`
	Values  map[string]string `json:"values,omitempty"`
	// Live clusters only: where kubectl reaches the lab, and how long
	// applying the setup and waiting for it took.
	Context    string  `json:"context,omitempty"`
	Kubeconfig string  `json:"kubeconfig,omitempty"`
	Seconds    float64 `json:"setup_seconds,omitempty"`
}

// Start prepares a lab: its workspace (keeping earlier answers) and its
// progress entry; on a live cluster it also applies the lab's setup and
// waits until it is ready. When only the progress entry cannot be written,
// the ready lab's info is returned with a *NotSavedError.
func (m *Manager) Start(ctx context.Context, l *labs.Lab) (StartInfo, error) {
	// The variant started before, if another: live, its namespaces go
	// (they may not be this variant's).
	var previous *labs.Lab
	if prev, ok, err := StartedVariant(m.Dirs, l); err == nil && ok && prev.VariantN != l.VariantN {
		previous = prev
	}
	ws, err := m.Dirs.PrepareWorkspace(l.ID, l.Task, l.Setup.Manifests)
	if err != nil {
		return StartInfo{}, err
	}
	if err := m.Dirs.SaveVariant(l.ID, l.VariantN); err != nil {
		return StartInfo{}, err
	}
	info := StartInfo{Lab: l.ID, Cluster: m.Cluster.String(), Workspace: ws, Namespace: l.Namespace, Variant: l.VariantN, Values: l.Values}
	if m.live() {
		lc, err := m.openLive(ctx, true)
		if err != nil {
			return StartInfo{}, err
		}
		start := m.now()
		if previous != nil {
			if err := m.removeVariant(ctx, lc, previous, l); err != nil {
				return StartInfo{}, err
			}
		}
		if err := m.startLive(ctx, lc, l); err != nil {
			return StartInfo{}, err
		}
		info.Context, info.Kubeconfig = lc.Clients.Context, lc.Clients.Kubeconfig
		info.Seconds = m.now().Sub(start).Seconds()
	}
	existing, err := state.AnswerFiles(ws)
	if err != nil {
		return StartInfo{}, err
	}
	if existing == nil {
		existing = []string{}
	}
	info.Answers = existing
	if err := m.Dirs.RecordStart(l.ID, m.now(), ""); err != nil {
		// The lab is ready: say that only its record is missing.
		return info, &NotSavedError{What: "the start of " + l.ID, Err: err}
	}
	return info, nil
}

// StartedVariant is the variant of lab (any variant of it) that was
// started last in its workspace, and whether a start was recorded:
// show, check, solution, reset and hints use it. A lab never started, or
// started before labs had variants, is variant 0.
func (m *Manager) StartedVariant(l *labs.Lab) (*labs.Lab, bool, error) {
	return StartedVariant(m.Dirs, l)
}

// StartedVariant is Manager.StartedVariant for the workspaces of dirs.
func StartedVariant(dirs state.Dirs, l *labs.Lab) (*labs.Lab, bool, error) {
	if !l.HasParams() {
		return l, false, nil // one variant: nothing to read
	}
	n, ok, err := dirs.LoadVariant(l.ID)
	if err != nil {
		return nil, false, err
	}
	v, err := l.Variant(n)
	if err != nil {
		return nil, false, fmt.Errorf("the started variant %d of %s: %w (start the lab again)", n, l.ID, err)
	}
	return v, ok, nil
}

// PracticeVariant is the variant of lab to practise: the one started last
// when a start was recorded, variant 0 when the lab has a workspace from
// before variants were recorded, else variant fresh(lab) (a new draw: the
// TUI shows it and starts it when the learner begins).
func PracticeVariant(dirs state.Dirs, l *labs.Lab, fresh func(*labs.Lab) uint64) (*labs.Lab, error) {
	v, ok, err := StartedVariant(dirs, l)
	if err != nil || ok || !l.HasParams() {
		return v, err
	}
	if _, err := os.Stat(dirs.Workspace(l.ID)); err == nil || fresh == nil {
		return v, nil
	}
	return l.Variant(fresh(l))
}

// removeVariant deletes, live, the namespaces of the variant started
// before that the variant l does not use (StartLive resets l's own).
func (m *Manager) removeVariant(ctx context.Context, lc *LiveCluster, previous, l *labs.Lab) error {
	old, err := LabNamespaces(previous)
	if err != nil {
		return err
	}
	keep, err := LabNamespaces(l)
	if err != nil {
		return err
	}
	var gone []string
	for _, ns := range old {
		if !slices.Contains(keep, ns) {
			gone = append(gone, ns)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if err := m.deleteNamespaces(ctx, lc, gone); err != nil {
		return fmt.Errorf("remove variant %d of %s (namespaces %s): %w", previous.VariantN, l.ID, strings.Join(gone, ", "), err)
	}
	return nil
}

// NotSavedError is returned with a result (a started lab, a grade) that
// could not be recorded in the progress database: the work was done, and
// the result is valid and returned with it.
type NotSavedError struct {
	What string // "the start of LAB", "the attempt of LAB"
	Err  error
}

func (e *NotSavedError) Error() string {
	return fmt.Sprintf("%s was not saved in your progress: %v", e.What, e.Err)
}

func (e *NotSavedError) Unwrap() error { return e.Err }

// CheckOptions tune Check.
type CheckOptions struct {
	// AnswersDir grades the YAML there instead of the lab's workspace; such
	// a run is not recorded in the learner's progress.
	AnswersDir string
	// OnResult streams each check's result as it finishes.
	OnResult func(checker.Result)
	// OnAnswers, when set, is told how many answer objects were read.
	OnAnswers func(n int)
	// Exam, when set, is the mock exam the check grades: the attempt is
	// recorded with it (also when AnswersDir is set: an exam task's
	// answers live in the exam's own workspace).
	Exam string
	// NoRecord grades without recording the attempt: the caller records
	// it (the mock exam does, with what it knows about the task).
	NoRecord bool
	// Task and Points are an exam task's number (1-based) and weight,
	// for the class board (class mode records every graded exam task).
	Task, Points int
}

// ErrNotStarted is returned by Check for a lab without a workspace.
var ErrNotStarted = errors.New("lab not started")

// Check grades a lab and records the attempt. When the attempt cannot be
// recorded, the report is returned with a *NotSavedError. Offline it grades the YAML
// in the lab's workspace (or AnswersDir); on a live cluster it grades the
// cluster as the learner left it (AnswersDir, when set, is applied first).
func (m *Manager) Check(ctx context.Context, l *labs.Lab, opts CheckOptions) (*checker.Report, error) {
	dir := opts.AnswersDir
	if dir == "" && !m.live() {
		dir = m.Dirs.Workspace(l.ID)
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: run `ckadlab start %s` and write your answer in its workspace, or pass --answers DIR", ErrNotStarted, l.ID)
		}
	}
	var rep *checker.Report
	var err error
	if m.live() {
		rep, err = m.checkLive(ctx, l, opts)
	} else {
		rep, err = m.checkOffline(ctx, l, dir, opts)
	}
	if err != nil {
		return nil, err
	}
	var classErr error
	if m.Class != nil && m.live() && (opts.AnswersDir == "" || opts.Exam != "") {
		// for the instructor's board; the grade stands without it
		classErr = m.recordClass(ctx, l, rep, opts)
	}
	if !opts.NoRecord && (opts.AnswersDir == "" || opts.Exam != "") {
		if err := m.Dirs.RecordAttempt(Attempt(l, rep, m.Cluster.String(), opts.Exam, m.now())); err != nil {
			return rep, &NotSavedError{What: "this attempt of " + l.ID, Err: errors.Join(err, classErr)}
		}
	}
	if classErr != nil {
		return rep, &NotSavedError{What: "this result of " + l.ID + " on the class board", Err: classErr}
	}
	return rep, nil
}

// answersWhere names the folder a check reads answers from, in errors.
func answersWhere(opts CheckOptions) string {
	if opts.AnswersDir == "" || opts.Exam != "" {
		return "the workspace"
	}
	return opts.AnswersDir
}

func (m *Manager) checkOffline(ctx context.Context, l *labs.Lab, dir string, opts CheckOptions) (*checker.Report, error) {
	answers, err := ReadAnswers(dir, l.Namespace, answersWhere(opts))
	if err != nil {
		return nil, err
	}
	if opts.OnAnswers != nil {
		opts.OnAnswers(len(answers))
	}
	b, err := OfflineBackend(l, answers)
	if err != nil {
		return nil, err
	}
	return checker.Run(ctx, l, b, checker.Options{OnResult: opts.OnResult})
}

// ResetInfo says what Reset did.
type ResetInfo struct {
	Lab   string `json:"lab"`
	Moved int    `json:"moved"`
	Trash string `json:"trash"`
	// Live clusters only: the lab's namespaces, deleted.
	Namespaces []string `json:"namespaces,omitempty"`
	Seconds    float64  `json:"seconds,omitempty"`
}

// Reset sets a lab's answer files aside (under .trash in its workspace);
// on a live cluster it also deletes the lab's namespaces.
func (m *Manager) Reset(ctx context.Context, l *labs.Lab) (ResetInfo, error) {
	n, trash, err := m.Dirs.ResetWorkspace(l.ID, m.now())
	if err != nil {
		return ResetInfo{}, fmt.Errorf("reset %s: %w", l.ID, err)
	}
	info := ResetInfo{Lab: l.ID, Moved: n, Trash: trash}
	if m.live() {
		lc, err := m.openLive(ctx, false)
		if err != nil {
			return info, err
		}
		start := m.now()
		if info.Namespaces, err = m.resetLive(ctx, lc, l); err != nil {
			return info, err
		}
		info.Seconds = m.now().Sub(start).Seconds()
	}
	return info, nil
}

// Progress reads the learner's progress.
func (m *Manager) Progress() (*state.Progress, error) { return m.Dirs.LoadProgress() }

// Attempt is the progress database's record of a graded report.
func Attempt(l *labs.Lab, rep *checker.Report, cluster, exam string, at time.Time) store.Attempt {
	a := store.Attempt{Lab: l.ID, Domain: string(l.Domain), At: at.UTC(), Score: rep.Score, Max: rep.Max,
		Cluster: cluster, Exam: exam, Duration: rep.Duration}
	for _, c := range rep.Checks {
		a.Checks = append(a.Checks, store.CheckResult{ID: c.ID, Passed: c.Passed, Ungraded: c.Ungraded, Points: c.Points,
			Max: c.Max, Expected: c.Expected, Observed: c.Observed, Why: c.Why})
	}
	return a
}

// OfflineBackend builds the offline cluster for a lab: its setup, then the
// answer objects on top (same kind/namespace/name replaces, like apply).
func OfflineBackend(l *labs.Lab, answers []manifest.Object) (cluster.Backend, error) {
	setup, err := checker.SetupObjects(l)
	if err != nil {
		return nil, err
	}
	return NewOffline(setup, answers, l.Namespace)
}

// NewOffline builds an offline cluster from setup and answer objects.
func NewOffline(setup, answers []manifest.Object, defaultNamespace string) (cluster.Backend, error) {
	c, err := offline.Build(setup, answers, defaultNamespace)
	if err != nil {
		return nil, err
	}
	return offline.NewBackend(c), nil
}

// OfflineOpener opens an offline cluster with a lab's setup and the given
// answer manifests (for checker.Verify in lint and tests).
func OfflineOpener(_ context.Context, l *labs.Lab, name, answerYAML string) (cluster.Backend, error) {
	answers, err := manifest.Decode(l.Source+" ("+name+")", []byte(answerYAML))
	if err != nil {
		return nil, err
	}
	return OfflineBackend(l, answers)
}
