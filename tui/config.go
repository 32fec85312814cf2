package tui

import (
	"context"
	"log/slog"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
)

// Minimum terminal size; below it the app shows a friendly message instead.
const (
	MinWidth  = 60
	MinHeight = 16
)

// Session is what the TUI needs from a learner's session
// (*session.Manager implements it).
type Session interface {
	// Started reports whether the lab is ready to work on (its workspace
	// exists and, live, its setup is on the cluster).
	Started(ctx context.Context, l *labs.Lab) (bool, error)
	Start(ctx context.Context, l *labs.Lab) (session.StartInfo, error)
	Check(ctx context.Context, l *labs.Lab, opts session.CheckOptions) (*checker.Report, error)
	Reset(ctx context.Context, l *labs.Lab) (session.ResetInfo, error)
	Progress() (*state.Progress, error)
}

// Config is everything the TUI is built from.
type Config struct {
	// LoadCatalog loads the labs; it runs in a command when the app starts.
	LoadCatalog func() (*labs.Catalog, error)
	Session     Session
	// Dirs locate lab workspaces (for the shell and editor hand-off).
	Dirs state.Dirs
	// Cluster is the backend's status at start; ClusterEvents, when set,
	// delivers updates (a backend that is still coming up).
	Cluster       ClusterStatus
	ClusterEvents <-chan ClusterStatus

	// Color enables colours (false for NO_COLOR, --no-color, TERM=dumb).
	Color bool
	// LightBackground picks the light Markdown theme when colour is on.
	LightBackground bool
	// Animate enables the spinner animation (a static marker otherwise).
	Animate bool

	// Environ is the base environment of the shell and the editor
	// (os.Environ()); SHELL, VISUAL and EDITOR are read from it.
	Environ []string
	// NewVariant draws the variant of a lab with parameters that is shown
	// when the learner opens a lab never started (then started with it):
	// labs.Lab.RandomVariant in the app; nil shows variant 0.
	NewVariant func(*labs.Lab) uint64
	// Now is the clock (tests inject a fixed one).
	Now func() time.Time
	// Log receives the app's log (a file in the XDG state dir); nil
	// discards it. Nothing is ever logged to the screen.
	Log *slog.Logger

	// Exam, when set, opens the app on this mock exam (its report when it
	// is graded); Exams saves and grades it.
	Exam  *exam.Exam
	Exams ExamService
}
