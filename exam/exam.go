package exam

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/labs"
)

// DefaultDuration is the real exam's length.
const DefaultDuration = 2 * time.Hour

// StateVersion is the version of the exam's JSON state.
const StateVersion = 1

// Exam is a mock exam in progress (or finished): everything needed to
// resume it, stored as JSON in the progress database after every change.
//
// Time is a stored deadline, never a running timer: the time left is
// Deadline minus the clock's now, so an exam resumed after a crash keeps
// its deadline, and a test's fake clock drives it exactly.
type Exam struct {
	Version int    `json:"version"`
	ID      string `json:"id"`
	Seed    uint64 `json:"seed"`
	// Set is the published exam set (Sets) the exam sits; 0 when drawn.
	Set      int           `json:"set,omitempty"`
	Cluster  string        `json:"cluster"`
	Started  time.Time     `json:"started_at"`
	Deadline time.Time     `json:"deadline"`
	Duration time.Duration `json:"duration_ns"`
	Tasks    []Task        `json:"tasks"`
	// Current is the index of the task on screen.
	Current  int       `json:"current"`
	Finished time.Time `json:"finished_at,omitzero"`
	Result   *Result   `json:"result,omitempty"`
}

// Task is one task of an exam.
type Task struct {
	Lab        string      `json:"lab"`
	Title      string      `json:"title"`
	Domain     labs.Domain `json:"domain"`
	Difficulty string      `json:"difficulty"`
	Points     int         `json:"points"`
	Minutes    int         `json:"minutes"`
	Namespace  string      `json:"namespace"`
	// Context is the kube context the task names (ckad-k1, …): on a live
	// cluster ckadlab writes it into the kubeconfig with the task's
	// namespace as its default (see ContextName).
	Context string `json:"context"`
	// Variant is the variant of the lab the task sets (0, the default
	// values, in exams saved before labs had variants).
	Variant uint64 `json:"variant,omitempty"`
	// Workspace is where the task's answer files go (offline). Its name
	// is the task's number, not the lab's, which could give the answer
	// away.
	Workspace string `json:"workspace"`
	// Docs are the documentation pages the task may look up.
	Docs      []Doc `json:"docs"`
	Flagged   bool  `json:"flagged"`
	Attempted bool  `json:"attempted"`
	Visited   bool  `json:"visited"`
	// Note is the learner's free text about the task (shown in the
	// review).
	Note string `json:"note,omitempty"`
}

// TaskKey names task i (0-based) where the lab's id would give the answer
// away: its workspace folder ("task-07").
func TaskKey(i int) string { return fmt.Sprintf("task-%02d", i+1) }

// New builds an exam from a plan: lookup finds each task's lab, and
// workspace gives each task's workspace from its key (TaskKey). Each task
// gets its kube context (one per namespace) and its documentation pages.
// The exam starts at now and ends at now+duration.
func New(id string, plan Plan, lookup func(id string) (*labs.Lab, error), workspace func(key string) string, cluster string, now time.Time, duration time.Duration) (*Exam, error) {
	if id == "" {
		return nil, errors.New("an exam needs an id")
	}
	if duration <= 0 {
		return nil, fmt.Errorf("--duration %s: want a positive duration such as 2h or 90m", duration)
	}
	if len(plan.Tasks) == 0 {
		return nil, errors.New("the exam has no tasks")
	}
	e := &Exam{Version: StateVersion, ID: id, Seed: plan.Seed, Set: plan.Set, Cluster: cluster, Started: now.UTC(),
		Deadline: now.UTC().Add(duration), Duration: duration}
	seen := map[string]bool{}
	for i, pt := range plan.Tasks {
		if seen[pt.ID] {
			return nil, fmt.Errorf("lab %s is drawn twice", pt.ID)
		}
		seen[pt.ID] = true
		l, err := lookup(pt.ID)
		if err != nil {
			return nil, err
		}
		variant := TaskVariant(l, plan.Seed)
		if l, err = l.Variant(variant); err != nil {
			return nil, fmt.Errorf("task %s: %w", pt.ID, err)
		}
		e.Tasks = append(e.Tasks, Task{Lab: l.ID, Title: l.Title, Domain: l.Domain, Difficulty: l.Difficulty,
			Points: pt.Points, Minutes: l.Minutes, Namespace: l.Namespace, Variant: variant, Workspace: workspace(TaskKey(i)), Docs: LabDocs(l)})
	}
	assignContexts(e.Tasks)
	e.Tasks[0].Visited = true
	return e, nil
}

// Remaining is the time left (0 once the deadline has passed).
func (e *Exam) Remaining(now time.Time) time.Duration {
	return max(0, e.Deadline.Sub(now))
}

// Expired reports whether the deadline has passed.
func (e *Exam) Expired(now time.Time) bool { return !now.Before(e.Deadline) }

// Done reports whether the exam was graded.
func (e *Exam) Done() bool { return e.Result != nil }

// Points is the exam's maximum.
func (e *Exam) Points() int {
	n := 0
	for _, t := range e.Tasks {
		n += t.Points
	}
	return n
}

// Goto makes task i (0-based) the current one.
func (e *Exam) Goto(i int) error {
	if i < 0 || i >= len(e.Tasks) {
		return fmt.Errorf("no task %d (the exam has %d)", i+1, len(e.Tasks))
	}
	e.Current = i
	e.Tasks[i].Visited = true
	return nil
}

// Move goes d tasks forward (or back), wrapping around.
func (e *Exam) Move(d int) {
	n := len(e.Tasks)
	if n == 0 {
		return
	}
	e.Goto(((e.Current+d)%n + n) % n)
}

// SetNote keeps the learner's note on task i (surrounding blank space
// trimmed; "" removes it).
func (e *Exam) SetNote(i int, note string) error {
	if i < 0 || i >= len(e.Tasks) {
		return fmt.Errorf("no task %d", i+1)
	}
	e.Tasks[i].Note = strings.TrimSpace(note)
	return nil
}

// ToggleFlag flags task i for review, or unflags it.
func (e *Exam) ToggleFlag(i int) error {
	if i < 0 || i >= len(e.Tasks) {
		return fmt.Errorf("no task %d", i+1)
	}
	e.Tasks[i].Flagged = !e.Tasks[i].Flagged
	return nil
}

// SetAttempted marks task i attempted (or not).
func (e *Exam) SetAttempted(i int, v bool) error {
	if i < 0 || i >= len(e.Tasks) {
		return fmt.Errorf("no task %d", i+1)
	}
	e.Tasks[i].Attempted = v
	return nil
}

// Counts are the numbers of flagged and attempted tasks.
func (e *Exam) Counts() (flagged, attempted int) {
	for _, t := range e.Tasks {
		if t.Flagged {
			flagged++
		}
		if t.Attempted {
			attempted++
		}
	}
	return
}

// Marshal is the exam's stored form.
func (e *Exam) Marshal() ([]byte, error) { return json.Marshal(e) }

// Unmarshal reads a stored exam.
func Unmarshal(data []byte) (*Exam, error) {
	var e Exam
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("the stored exam is damaged: %w", err)
	}
	if e.Version > StateVersion {
		return nil, fmt.Errorf("exam %s was saved by a newer ckadlab (state version %d): upgrade ckadlab", e.ID, e.Version)
	}
	if e.ID == "" || len(e.Tasks) == 0 || e.Deadline.IsZero() {
		return nil, errors.New("the stored exam is incomplete (no id, tasks or deadline)")
	}
	if e.Current < 0 || e.Current >= len(e.Tasks) {
		e.Current = 0
	}
	// An exam stored before tasks named contexts gets them now.
	for _, t := range e.Tasks {
		if t.Context == "" {
			assignContexts(e.Tasks)
			break
		}
	}
	return &e, nil
}
