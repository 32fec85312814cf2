package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/exam/examrun"
	"github.com/ckadlab/ckadlab/session"
)

// finishHint is how to end the exam that keeps a lab closed.
const finishHint = "finish it with `ckadlab exam --finish`"

// guardExam refuses what would reveal a lab of the exam in progress: its
// hints, its solution, its checks' expected/observed/why (check, reach
// --lab) and practising it (start). Like the real exam, a mock exam has
// none of them. When the progress database cannot be read, it refuses
// too: an exam in progress cannot be ruled out.
func (a *app) guardExam(labID, what string) error {
	ex, err := a.activeExam()
	if err != nil {
		return fmt.Errorf("%s of %s are not available: cannot tell whether a mock exam is in progress (%w)", what, labID, err)
	}
	if ex == nil {
		return nil
	}
	for _, t := range ex.Tasks {
		if t.Lab == labID {
			return &hintError{fmt.Sprintf("%s of %s are not available during the mock exam in progress", what, labID), finishHint}
		}
	}
	return nil
}

// activeExam is the mock exam in progress (nil when none). An exam whose
// time is up is in progress until it is graded (the next exam command
// grades it): its answers could still change. It reads the progress
// database without creating one for a learner who has none.
func (a *app) activeExam() (*exam.Exam, error) {
	d, err := a.stateDirs()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(d.DBPath()); errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no database: no exam was ever started
	} else if err != nil {
		return nil, err
	}
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	mgr := &session.Manager{Dirs: d, Now: a.now} // reads the store only; no cluster
	ex, err := (&examrun.Runner{Mgr: mgr, Cat: cat}).Active()
	if err != nil {
		return nil, err
	}
	if ex == nil || ex.Done() {
		return nil, nil
	}
	return ex, nil
}

// guardReview refuses the review of a finished exam that shares a lab
// with the exam in progress (its solutions and reasons).
func (a *app) guardReview(e *exam.Exam) error {
	active, err := a.activeExam()
	if err != nil {
		return fmt.Errorf("the review of exam %s is not available: cannot tell whether a mock exam is in progress (%w)", e.ID, err)
	}
	if active == nil || active.ID == e.ID {
		return nil
	}
	for _, t := range e.Tasks {
		for _, at := range active.Tasks {
			if t.Lab == at.Lab {
				return &hintError{fmt.Sprintf("the review of exam %s shows the solution of %s, which is part of the mock exam in progress: it is not available during the mock exam", e.ID, t.Lab), finishHint}
			}
		}
	}
	return nil
}
