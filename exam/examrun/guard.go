package examrun

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// This file is the one rule of what a mock exam in progress keeps closed;
// the CLI and the TUI both ask it, and each says it in its own words.

// InProgress is the mock exam in progress in the learner's database (nil
// when none). An exam whose time is up is in progress until it is graded:
// its answers could still change. It reads the database without creating
// one for a learner who has none.
func InProgress(d state.Dirs) (*exam.Exam, error) {
	if _, err := os.Stat(d.DBPath()); errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no database: no exam was ever started
	} else if err != nil {
		return nil, err
	}
	var rec store.ExamRecord
	var ok bool
	err := d.WithStore(func(db *store.DB) error {
		var err error
		rec, ok, err = db.ActiveExam()
		return err
	})
	if err != nil || !ok {
		return nil, err
	}
	e, err := exam.Unmarshal(rec.State)
	if err != nil {
		return nil, err
	}
	if e.Done() {
		return nil, nil
	}
	return e, nil
}

// ClosedError is why something of a lab is not shown: the lab is part of
// the mock exam in progress (Exam).
type ClosedError struct {
	Lab  string
	What string // "hints", "checks and their reasons", ...
	Exam *exam.Exam
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("%s of %s are not available during the mock exam in progress", e.What, e.Lab)
}

// UnknownError is why something of a lab is not shown: whether a mock
// exam is in progress cannot be told (the database cannot be read), so it
// is not ruled out.
type UnknownError struct {
	Lab  string
	What string
	Err  error
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("%s of %s are not available: cannot tell whether a mock exam is in progress (%v)", e.What, e.Lab, e.Err)
}

func (e *UnknownError) Unwrap() error { return e.Err }

// Guard decides whether what of a lab may be shown or done (its hints, its
// solution, its checks' expected/observed/why, practising it): nil when no
// exam is in progress or the lab is not part of it; a *ClosedError when it
// is (like the real exam, a mock exam has none of them); an *UnknownError
// when the database cannot be read (an exam in progress cannot be ruled
// out, so it refuses).
func Guard(d state.Dirs, labID, what string) error {
	ex, err := InProgress(d)
	if err != nil {
		return &UnknownError{Lab: labID, What: what, Err: err}
	}
	if ex != nil && Holds(ex, labID) {
		return &ClosedError{Lab: labID, What: what, Exam: ex}
	}
	return nil
}

// Holds reports whether lab is one of the exam's tasks.
func Holds(e *exam.Exam, labID string) bool {
	for _, t := range e.Tasks {
		if t.Lab == labID {
			return true
		}
	}
	return false
}

// GuardReview decides whether the review of finished exam e (its
// solutions and reasons) may be shown: not while another exam in progress
// shares one of its labs (a *ClosedError naming that lab), nor when the
// database cannot be read (an *UnknownError).
func GuardReview(d state.Dirs, e *exam.Exam) error {
	active, err := InProgress(d)
	if err != nil {
		return &UnknownError{Lab: e.ID, What: "the review", Err: err}
	}
	if active == nil || active.ID == e.ID {
		return nil
	}
	for _, t := range e.Tasks {
		if Holds(active, t.Lab) {
			return &ClosedError{Lab: t.Lab, What: "the review", Exam: active}
		}
	}
	return nil
}
