package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the app, in one place. Screens pick the
// bindings they use for their help (see each screen's ShortHelp/FullHelp),
// so the help always lists exactly what works on the current screen.
type KeyMap struct {
	// Global.
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
	Back      key.Binding

	// Movement.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding

	// Home and browser. The browser's list moves with keys that are not
	// text (every letter types into its filter).
	Browse       key.Binding
	Open         key.Binding
	Filter       key.Binding
	ClearFilter  key.Binding
	ListUp       key.Binding
	ListDown     key.Binding
	ListPageUp   key.Binding
	ListPageDown key.Binding
	ListTop      key.Binding
	ListBottom   key.Binding

	// Task view.
	Hint     key.Binding
	Solution key.Binding
	Reset    key.Binding
	Shell    key.Binding
	Editor   key.Binding
	Check    key.Binding

	// Check screen.
	Recheck key.Binding
	Details key.Binding
	WhyFull key.Binding // the whole path of a failed probe, not only its cause

	// Confirmation, and the answer file picker.
	Yes    key.Binding
	No     key.Binding
	Pick   key.Binding
	Cancel key.Binding

	// Exam and stats.
	NextTask  key.Binding
	PrevTask  key.Binding
	Flag      key.Binding
	Attempted key.Binding
	Finish    key.Binding
	Review    key.Binding
	Stats     key.Binding

	// The class board.
	Left    key.Binding
	Right   key.Binding
	DrillIn key.Binding
	HeatMap key.Binding
	Refresh key.Binding
}

// DefaultKeyMap returns the key bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Back:      key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", " ", "f"), key.WithHelp("pgdn/space", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "bottom")),

		Browse:       key.NewBinding(key.WithKeys("enter", "l"), key.WithHelp("enter", "browse labs")),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open lab")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/ or type", "filter")),
		ClearFilter:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		ListUp:       key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "up")),
		ListDown:     key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "down")),
		ListPageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		ListPageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		ListTop:      key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "top")),
		ListBottom:   key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "bottom")),

		Hint:     key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "next hint")),
		Solution: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "solution")),
		Reset:    key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "reset answers")),
		Shell:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "shell in workspace")),
		Editor:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit your answer")),
		Check:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check")),

		Recheck: key.NewBinding(key.WithKeys("r", "c"), key.WithHelp("r", "re-check")),
		Details: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "explain passed checks too")),
		WhyFull: key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "whole path")),

		Yes: key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:  key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),

		Pick:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "edit this file")),
		Cancel: key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "cancel")),

		NextTask:  key.NewBinding(key.WithKeys("n", "right", "]"), key.WithHelp("n/→", "next task")),
		PrevTask:  key.NewBinding(key.WithKeys("p", "left", "["), key.WithHelp("p/←", "previous task")),
		Flag:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "flag")),
		Attempted: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mark attempted")),
		Finish:    key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "finish exam")),
		Review:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "review task")),
		Stats:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "stats")),

		Left:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:   key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		DrillIn: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "last run")),
		HeatMap: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "checks most failed")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
	}
}
