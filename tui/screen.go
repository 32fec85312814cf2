package tui

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
)

// screenID names the screens; the root keeps them in an array indexed by it.
type screenID int

const (
	screenHome screenID = iota
	screenBrowser
	screenTask
	screenCheck
	screenExam
	screenExamReport
	screenStats
	numScreens
)

func (s screenID) String() string {
	return [...]string{"Home", "Labs", "Task", "Check", "Exam", "Report", "Stats"}[s]
}

// component is anything the root draws in the body: a screen or the
// confirmation dialog. Its keymap is the help shown under it.
type component interface {
	tea.Model
	help.KeyMap
	SetSize(width, height int)
}

// screen is one screen of the app. It owns its state and its slow work
// (each a tea.Cmd answering with a message the screen owns), and talks to
// the root only through messages: navigateMsg, backMsg, flashMsg, askMsg.
type screen interface {
	component
	// crumbs is where the learner is, for the header bar ("Labs";
	// "np-deny-all", "Check").
	crumbs() []string
}

// capturer is a screen that can take typed text (the browser's filter):
// a key it takes as text (q, and ? while typing) is no global key.
type capturer interface {
	takesText(tea.KeyMsg) bool
}

// ownedMsg is a message for one screen, delivered to it whichever screen
// is showing (the result of a command it started keeps arriving after the
// learner moved on). Messages that are no screen's own go to every screen.
type ownedMsg interface {
	owner() screenID
}

// Messages from the screens to the root.
type (
	// navigateMsg shows screen to, remembering the current one for
	// backMsg, then delivers open (a message to owns, nil for none):
	// which lab to show, which run to start.
	navigateMsg struct {
		to   screenID
		open ownedMsg
	}
	// backMsg returns to the screen shown before the current one.
	backMsg struct{}
	// flashMsg shows a line in the status bar until the next key or
	// screen change. A flash about a screen (scoped) shows only while that
	// screen (from) does: one arriving after the learner moved on is
	// dropped.
	flashMsg struct {
		text   string
		err    bool
		from   screenID
		scoped bool
	}
	// askMsg opens a yes/no dialog over the current screen.
	askMsg struct{ q confirmation }
	// answeredMsg is the dialog's answer.
	answeredMsg struct {
		q   confirmation
		yes bool
	}
)

// navigate asks the root to show a screen, then sends it open.
func navigate(to screenID, open ownedMsg) tea.Cmd {
	return func() tea.Msg { return navigateMsg{to: to, open: open} }
}

// back asks the root for the previous screen.
func back() tea.Msg { return backMsg{} }

// flash asks the root to show a message in the status line.
func flash(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return flashMsg{text: text, err: isErr} }
}

// screenFlash is a flash about screen from (see flashMsg).
func screenFlash(from screenID, text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return flashMsg{text: text, err: isErr, from: from, scoped: true} }
}

// ask asks the root to put a question to the learner.
func ask(q confirmation) tea.Cmd {
	return func() tea.Msg { return askMsg{q: q} }
}

// send is a command that delivers msg.
func send(msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return msg }
}
