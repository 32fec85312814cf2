package exam

import (
	"fmt"
	"math"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
)

// Outcome is how one task was graded: a check report, or the error that
// stopped grading it (bad YAML in the answer, say), which scores 0. A task
// that was not answered (offline: nothing in its workspace) scores 0 by
// definition, without a report.
type Outcome struct {
	Report      *checker.Report
	Err         error
	NotAnswered bool
}

// Result is a graded exam.
type Result struct {
	Exam string `json:"exam"`
	Seed uint64 `json:"seed"`
	// Set is the published exam set sat (0: a drawn exam).
	Set      int       `json:"set,omitempty"`
	Cluster  string    `json:"cluster"`
	Started  time.Time `json:"started_at"`
	Finished time.Time `json:"finished_at"`
	Deadline time.Time `json:"deadline"`
	// DurationSeconds is the time allowed; TimeUsedSeconds the time taken
	// (at most the time allowed).
	DurationSeconds int64 `json:"duration_seconds"`
	TimeUsedSeconds int64 `json:"time_used_seconds"`
	// Expired is set when time ran out before the learner finished.
	Expired bool `json:"expired"`

	Earned   float64 `json:"earned"`
	Points   int     `json:"points"`
	Percent  float64 `json:"percent"`
	PassMark float64 `json:"pass_mark"`
	Passed   bool    `json:"passed"`

	Domains []DomainResult `json:"domains"`
	Tasks   []TaskResult   `json:"tasks"`
}

// DomainResult totals the tasks of one domain.
type DomainResult struct {
	Domain  labs.Domain `json:"domain"`
	Tasks   int         `json:"tasks"`
	Earned  float64     `json:"earned"`
	Points  int         `json:"points"`
	Percent float64     `json:"percent"`
}

// TaskResult is one graded task, with what the review shows.
type TaskResult struct {
	Number     int         `json:"number"`
	Lab        string      `json:"lab"`
	Title      string      `json:"title"`
	Domain     labs.Domain `json:"domain"`
	Difficulty string      `json:"difficulty"`
	// Namespace and Context are where the task was worked on.
	Namespace string `json:"namespace"`
	Context   string `json:"context"`
	// Weight is the task's share of the exam in whole percent (Percents).
	Weight int `json:"weight_percent"`
	// Points is the task's exam points; Earned its share of them (the
	// fraction of the lab's check points that passed).
	Points  int     `json:"points"`
	Earned  float64 `json:"earned"`
	Percent float64 `json:"percent"`
	// Score and Max are the lab's check points.
	Score     int  `json:"score"`
	Max       int  `json:"max"`
	Flagged   bool `json:"flagged"`
	Attempted bool `json:"attempted"`
	// NotAnswered is set when the task had no answer (offline: no answer
	// object in its workspace): it scores 0 and its checks were not run.
	NotAnswered bool   `json:"not_answered"`
	Error       string `json:"error,omitempty"`
	// Checks are the results of the lab's checks. A task not answered or
	// not graded lists them too, each failed with why it was not run
	// (NotRun set), so the review always shows every check.
	Checks []checker.Result `json:"checks"`
	// NotRun is set when the checks were not run (see Checks).
	NotRun bool `json:"checks_not_run,omitempty"`
	// Note is the learner's note on the task; Docs the pages it allowed.
	Note string `json:"note,omitempty"`
	Docs []Doc  `json:"docs,omitempty"`
	// Solution is the reference answer, for the review.
	Solution labs.Solution `json:"solution"`
}

// Full reports whether the task earned every point.
func (t TaskResult) Full() bool { return t.Max > 0 && t.Score == t.Max }

// Grade scores the exam from each task's outcome (by lab id; a task
// without one scores 0) and records the result in the exam. lookup gives
// the labs (for the reference solutions). now is when grading happened:
// at or after the deadline, the exam counts as expired and the time used
// as the whole duration.
func (e *Exam) Grade(outcomes map[string]Outcome, lookup func(id string) (*labs.Lab, error), now time.Time) (*Result, error) {
	if e.Done() {
		return nil, fmt.Errorf("exam %s is already graded", e.ID)
	}
	now = now.UTC()
	end := now
	if e.Expired(now) {
		end = e.Deadline
	}
	r := &Result{Exam: e.ID, Seed: e.Seed, Set: e.Set, Cluster: e.Cluster, Started: e.Started, Finished: now, Deadline: e.Deadline,
		DurationSeconds: int64(e.Duration / time.Second), TimeUsedSeconds: int64(max(0, end.Sub(e.Started)) / time.Second),
		Expired: e.Expired(now), PassMark: PassMark}
	domains := map[labs.Domain]*DomainResult{}
	var domainOrder []labs.Domain
	weights := e.Weights()
	for i, t := range e.Tasks {
		tr := TaskResult{Number: i + 1, Lab: t.Lab, Title: t.Title, Domain: t.Domain, Difficulty: t.Difficulty,
			Namespace: t.Namespace, Context: t.Context, Weight: weights[i], Note: t.Note, Docs: t.Docs,
			Points: t.Points, Flagged: t.Flagged, Attempted: t.Attempted, Checks: []checker.Result{}}
		var labChecks []labs.Check
		if l, err := lookup(t.Lab); err == nil {
			tr.Solution = l.Solution
			labChecks = l.Checks
			for _, c := range l.Checks {
				tr.Max += c.Points
			}
		}
		o, ok := outcomes[t.Lab]
		switch {
		case !ok:
			tr.Error = "not graded"
		case o.NotAnswered:
			tr.NotAnswered = true
		case o.Err != nil:
			tr.Error = o.Err.Error()
		case o.Report == nil:
			tr.Error = "no report"
		default:
			tr.Score, tr.Max = o.Report.Score, o.Report.Max
			tr.Checks = o.Report.Checks
		}
		if len(tr.Checks) == 0 && len(labChecks) > 0 {
			tr.Checks, tr.NotRun = notRun(labChecks, tr), true
		}
		if tr.Max > 0 {
			frac := float64(tr.Score) / float64(tr.Max)
			tr.Earned = round2(float64(t.Points) * frac)
			tr.Percent = round1(100 * frac)
		}
		r.Tasks = append(r.Tasks, tr)
		r.Points += t.Points
		r.Earned += float64(t.Points) * fraction(tr.Score, tr.Max)
		d, ok := domains[t.Domain]
		if !ok {
			d = &DomainResult{Domain: t.Domain}
			domains[t.Domain] = d
			domainOrder = append(domainOrder, t.Domain)
		}
		d.Tasks++
		d.Points += t.Points
		d.Earned += float64(t.Points) * fraction(tr.Score, tr.Max)
	}
	if r.Points > 0 {
		pct := 100 * r.Earned / float64(r.Points)
		r.Passed = pct+1e-9 >= PassMark
		r.Percent = round1(pct)
	}
	r.Earned = round2(r.Earned)
	for _, d := range sortDomains(domainOrder) {
		dr := domains[d]
		if dr.Points > 0 {
			dr.Percent = round1(100 * dr.Earned / float64(dr.Points))
		}
		dr.Earned = round2(dr.Earned)
		r.Domains = append(r.Domains, *dr)
	}
	e.Result, e.Finished = r, now
	return r, nil
}

// notRun lists a lab's checks, each failed with why it was not run.
func notRun(checks []labs.Check, tr TaskResult) []checker.Result {
	why := "not run: the task was not answered"
	if tr.Error != "" {
		why = "not run: the task could not be graded"
	}
	out := make([]checker.Result, len(checks))
	for i, c := range checks {
		out[i] = checker.Result{ID: c.ID, Description: c.Description, Max: c.Points, Observed: why}
	}
	return out
}

func fraction(score, max int) float64 {
	if max <= 0 {
		return 0
	}
	return float64(score) / float64(max)
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// sortDomains puts the known domains in display order, others after.
func sortDomains(ds []labs.Domain) []labs.Domain {
	var out []labs.Domain
	in := map[labs.Domain]bool{}
	for _, d := range ds {
		in[d] = true
	}
	for _, d := range labs.Domains {
		if in[d] {
			out = append(out, d)
			delete(in, d)
		}
	}
	for _, d := range ds {
		if in[d] {
			out = append(out, d)
		}
	}
	return out
}
