package tui

import (
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
)

// The editor key opens the learner's answer: the answer files of the
// workspace, as the answers loader reads them (state.AnswerFiles: the
// top-level *.yaml, *.yml and *.json, not hidden). One opens at once;
// several are offered in a picker; none opens a new answer.yaml.

// answerFilesMsg is a workspace's answer files, for the screen that asked
// (from) to open the editor on.
type answerFilesMsg struct {
	from  screenID
	lab   *labs.Lab
	ws    string
	files []string
	err   error
}

func (m answerFilesMsg) owner() screenID { return m.from }

// editFileMsg is the file picked for the editor.
type editFileMsg struct {
	from screenID
	lab  *labs.Lab
	ws   string
	file string
}

func (m editFileMsg) owner() screenID { return m.from }

// listAnswerFiles reads a workspace's answer files, in a command (a
// workspace not created yet has none).
func listAnswerFiles(from screenID, l *labs.Lab, ws string) tea.Cmd {
	return func() tea.Msg {
		files, err := state.AnswerFiles(ws)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return answerFilesMsg{from: from, lab: l, ws: ws, files: files, err: err}
	}
}

// chooseAnswerFile opens the editor (open, given the file; "" for a new
// answer.yaml) on the only answer file, or asks which one when there are
// several.
func chooseAnswerFile(msg answerFilesMsg, open func(file string) tea.Cmd) tea.Cmd {
	switch {
	case msg.err != nil:
		return flash("cannot list the answer files: "+msg.err.Error(), true)
	case len(msg.files) == 0:
		return open("")
	case len(msg.files) == 1:
		return open(msg.files[0])
	}
	names := make([]string, len(msg.files))
	picks := make([]ownedMsg, len(msg.files))
	for i, f := range msg.files {
		names[i] = filepath.Base(f)
		picks[i] = editFileMsg{from: msg.from, lab: msg.lab, ws: msg.ws, file: f}
	}
	return func() tea.Msg {
		return pickMsg{q: pickQuestion{title: "Edit which answer file?", items: names, picks: picks}}
	}
}

// editorOn makes a prepared editor hand-off open file instead of the
// default answer.yaml of ws (the editor's last argument).
func editorOn(prepare tea.Cmd, ws, file string) tea.Cmd {
	if file == "" {
		return prepare
	}
	return func() tea.Msg {
		msg := prepare()
		if r, ok := msg.(handoffReadyMsg); ok && r.kind == handoffEditor && r.cmd != nil {
			retarget(r.cmd, filepath.Join(ws, AnswerFile), file)
		}
		return msg
	}
}

// retarget replaces the editor's file argument from with to.
func retarget(cmd *exec.Cmd, from, to string) {
	if n := len(cmd.Args); n > 1 && cmd.Args[n-1] == from {
		cmd.Args[n-1] = to
	}
}

// pickQuestion is a list to pick one item of; picks[i] goes to its
// owner when item i is picked.
type pickQuestion struct {
	title string
	items []string
	picks []ownedMsg
}

// Picker messages: pickMsg opens it over the current screen, pickedMsg
// closes it (pick nil when cancelled).
type (
	pickMsg   struct{ q pickQuestion }
	pickedMsg struct{ pick ownedMsg }
)

// pickModel is the picker dialog: a short list, enter picks, esc cancels.
type pickModel struct {
	c             *common
	q             pickQuestion
	cursor        int
	width, height int
}

func newPick(c *common, q pickQuestion) *pickModel { return &pickModel{c: c, q: q} }

func (p *pickModel) SetSize(w, h int) { p.width, p.height = w, h }

func (p *pickModel) Init() tea.Cmd { return nil }

func (p *pickModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	k := p.c.keys
	switch {
	case key.Matches(km, k.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(km, k.Down):
		p.cursor = min(len(p.q.items)-1, p.cursor+1)
	case key.Matches(km, k.Pick):
		return p, send(pickedMsg{pick: p.q.picks[p.cursor]})
	case key.Matches(km, k.Cancel):
		return p, send(pickedMsg{})
	}
	return p, nil
}

func (p *pickModel) View() string {
	s := p.c.styles
	w := min(64, max(20, p.width-6))
	// As many items as fit; the list scrolls with the cursor.
	rows := max(1, min(len(p.q.items), p.height-8))
	first := max(0, min(p.cursor-rows+1, len(p.q.items)-rows))
	first = min(first, p.cursor)
	text := s.Bold.Render(wrapText(p.q.title, w)) + "\n"
	for i := first; i < first+rows && i < len(p.q.items); i++ {
		mark, item := "  ", truncate(p.q.items[i], w-2)
		if i == p.cursor {
			mark, item = s.Cursor.Render(glyphCursor)+" ", s.Selected.Render(item)
		}
		text += "\n" + mark + item
	}
	text += "\n\n" + s.Bold.Render("enter") + " edit   " + s.Bold.Render("esc") + " cancel"
	return lipgloss.Place(p.width, p.height, lipgloss.Center, lipgloss.Center, s.Dialog.Render(text))
}

func (p *pickModel) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Up, k.Down, k.Pick, k.Cancel, k.ForceQuit}
}

func (p *pickModel) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
