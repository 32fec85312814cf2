package cli

import (
	"errors"
	"fmt"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/exam/examrun"
)

// finishHint is how to end the exam that keeps a lab closed.
const finishHint = "finish it with `ckadlab exam --finish`"

// guardExam refuses what would reveal a lab of the exam in progress: its
// hints, its solution, its checks' expected/observed/why (check, reach
// --lab) and practising it (start). The rule is examrun.Guard's (the TUI
// asks it too); this says it with the CLI's hint. When the progress
// database cannot be read, it refuses too.
func (a *app) guardExam(labID, what string) error {
	d, err := a.stateDirs()
	if err != nil {
		return fmt.Errorf("%s of %s are not available: cannot tell whether a mock exam is in progress (%w)", what, labID, err)
	}
	return cliGuardError(examrun.Guard(d, labID, what))
}

// guardReview refuses the review of a finished exam that shares a lab
// with the exam in progress (its solutions and reasons).
func (a *app) guardReview(e *exam.Exam) error {
	d, err := a.stateDirs()
	if err != nil {
		return fmt.Errorf("the review of exam %s is not available: cannot tell whether a mock exam is in progress (%w)", e.ID, err)
	}
	err = examrun.GuardReview(d, e)
	var closed *examrun.ClosedError
	var unknown *examrun.UnknownError
	switch {
	case errors.As(err, &closed):
		return &hintError{fmt.Sprintf("the review of exam %s shows the solution of %s, which is part of the mock exam in progress: it is not available during the mock exam", e.ID, closed.Lab), finishHint}
	case errors.As(err, &unknown):
		return fmt.Errorf("the review of exam %s is not available: cannot tell whether a mock exam is in progress (%w)", e.ID, unknown.Err)
	}
	return err
}

// cliGuardError gives a closed lab the hint of how to open it.
func cliGuardError(err error) error {
	var closed *examrun.ClosedError
	if errors.As(err, &closed) {
		return &hintError{closed.Error(), finishHint}
	}
	return err
}
