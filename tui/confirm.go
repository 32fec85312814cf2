package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// confirmation is a question to the learner before an action: the screen
// asking writes it, and owns yes, the message it gets when the answer is
// yes.
type confirmation struct {
	title, body string
	yes         ownedMsg
}

// confirmModel is the yes/no dialog drawn over the current screen.
type confirmModel struct {
	c             *common
	q             confirmation
	width, height int
}

func newConfirm(c *common, q confirmation) *confirmModel { return &confirmModel{c: c, q: q} }

func (d *confirmModel) SetSize(w, h int) { d.width, d.height = w, h }

func (d *confirmModel) Init() tea.Cmd { return nil }

func (d *confirmModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return d, nil
	}
	q := d.q
	switch {
	case key.Matches(km, d.c.keys.Yes):
		return d, send(answeredMsg{q: q, yes: true})
	case key.Matches(km, d.c.keys.No), key.Matches(km, d.c.keys.Quit):
		return d, send(answeredMsg{q: q, yes: false})
	}
	return d, nil
}

func (d *confirmModel) View() string {
	s := d.c.styles
	w := min(64, max(20, d.width-6))
	text := s.Bold.Render(wrapText(d.q.title, w)) + "\n\n" + wrapText(d.q.body, w) + "\n\n" +
		s.Bold.Render("y") + " yes   " + s.Bold.Render("n") + " no"
	box := s.Dialog.Render(text)
	return lipgloss.Place(d.width, d.height, lipgloss.Center, lipgloss.Center, box)
}

func (d *confirmModel) ShortHelp() []key.Binding {
	k := d.c.keys
	return []key.Binding{k.Yes, k.No, k.ForceQuit}
}

func (d *confirmModel) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.ShortHelp()}
}
