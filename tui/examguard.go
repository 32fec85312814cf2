package tui

import (
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ckadlab/ckadlab/exam/examrun"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
)

// guardLab is examrun.Guard (the rule the CLI applies too) in the TUI's
// words: nil when what of lab may be shown or done in practice; while a
// mock exam holds the lab, where to open it instead; when the database
// cannot be read, that it cannot tell (and refuses). An app without a
// data directory has no database to ask.
func guardLab(dirs state.Dirs, l *labs.Lab, what string, now time.Time) error {
	if dirs.Data == "" {
		return nil
	}
	err := examrun.Guard(dirs, l.ID, what)
	var closed *examrun.ClosedError
	if !errors.As(err, &closed) {
		return err
	}
	e := closed.Exam
	if e.Expired(now) {
		return fmt.Errorf("lab %s is part of the mock exam whose time is up: grade it with `ckadlab exam --finish` (its %s are shown after the exam)", l.ID, what)
	}
	return fmt.Errorf("lab %s is part of the mock exam running until %s: open it from the exam screen (`ckadlab exam --resume`); its %s are shown after the exam", l.ID, e.Deadline.In(now.Location()).Format("15:04"), what)
}

// What the task screen does only once the guard let it (see guarded).
type taskAction int

const (
	actHint taskAction = iota
	actSolution
	actShell
	actEditor
)

// guardedMsg is the guard's yes to an action on lab.
type guardedMsg struct {
	lab *labs.Lab
	act taskAction
}

func (guardedMsg) owner() screenID { return screenTask }

// guarded asks the guard for what of lab in a command (it reads the
// progress database): its yes comes back as a guardedMsg, its no as a
// flash saying why.
func (t *taskModel) guarded(l *labs.Lab, what string, act taskAction) tea.Cmd {
	dirs, now := t.c.cfg.Dirs, t.c.now()
	return func() tea.Msg {
		if err := guardLab(dirs, l, what, now); err != nil {
			return flashMsg{text: err.Error(), err: true, from: screenTask, scoped: true}
		}
		return guardedMsg{lab: l, act: act}
	}
}
