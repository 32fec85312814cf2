package tui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/inspect"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// taskModel shows one lab: a header (lab, namespace, kube context) and the
// task rendered from Markdown with the hints revealed so far and, once
// confirmed, the reference solution.
type taskModel struct {
	c        *common
	lab      *labs.Lab
	hints    int  // revealed
	solution bool // shown

	vp            viewport.Model
	width, height int

	// cache holds renderings by lab, width, hints and solution; a resize
	// back to a width seen before costs nothing.
	cache    map[renderKey]string
	inflight map[renderKey]bool
	shown    renderKey // what the viewport holds
	toEnd    bool      // scroll to the end when the next rendering arrives
	toSol    bool      // scroll to the solution's start when it arrives
}

// taskHeaderLines is the height of the header above the viewport, when
// where you work fits on one line (see whereLines).
const taskHeaderLines = 4

func newTask(c *common) *taskModel {
	return &taskModel{c: c, vp: newViewport(c.keys), cache: map[renderKey]string{}, inflight: map[renderKey]bool{}}
}

// newViewport is a viewport driven by the app's movement keys.
func newViewport(k *KeyMap) viewport.Model {
	vp := viewport.New(0, 0)
	vp.KeyMap = viewport.KeyMap{
		PageDown:     k.PageDown,
		PageUp:       k.PageUp,
		HalfPageUp:   key.NewBinding(key.WithKeys("ctrl+u")),
		HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d")),
		Up:           k.Up,
		Down:         k.Down,
		Left:         key.NewBinding(key.WithDisabled()),
		Right:        key.NewBinding(key.WithDisabled()),
	}
	return vp
}

// open shows a lab (keeping its revealed hints when it is the lab shown
// last): for a lab with parameters, the variant started last, or a fresh
// one when the lab was never started (session.PracticeVariant).
func (t *taskModel) open(l *labs.Lab) tea.Cmd {
	if t.lab != nil && t.lab.ID == l.ID {
		l = t.lab // the variant shown already
	} else if v, err := session.PracticeVariant(t.c.cfg.Dirs, l, t.c.cfg.NewVariant); err != nil {
		t.c.log.Error("lab variant", "lab", l.ID, "err", err)
		return flash(err.Error(), true)
	} else {
		l = v
	}
	if t.lab != l {
		t.lab, t.hints, t.solution = l, 0, false
		t.shown = renderKey{}
		t.vp.SetContent("")
		t.vp.GotoTop()
		t.fitViewport()
	}
	return t.ensureRendered()
}

func (t *taskModel) key() renderKey {
	return renderKey{lab: t.lab.ID, variant: t.lab.VariantN, width: t.width, hints: t.hints, solution: t.solution}
}

// ensureRendered shows the cached rendering for the current state, or asks
// for one (keeping the previous rendering on screen meanwhile).
func (t *taskModel) ensureRendered() tea.Cmd {
	if t.lab == nil || t.width <= 0 {
		return nil
	}
	k := t.key()
	if out, ok := t.cache[k]; ok {
		t.apply(k, out)
		return nil
	}
	if t.inflight[k] {
		return nil
	}
	t.inflight[k] = true
	return renderMarkdown(t.c.mdStyle, t.c.profile, k, taskDocument(t.forMode(), t.hints, t.solution), t.c.cfg.Log)
}

func (t *taskModel) apply(k renderKey, out string) {
	if t.shown == k {
		return
	}
	prev := t.shown
	pct := t.vp.ScrollPercent()
	t.vp.SetContent(out)
	t.shown = k
	switch {
	case t.toSol:
		// The solution from its start: its commands come first.
		t.toSol = false
		t.vp.GotoBottom()
		for i, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "Reference solution") {
				t.vp.SetYOffset(i)
			}
		}
	case t.toEnd:
		t.toEnd = false
		t.vp.GotoBottom()
	case prev.lab == k.lab:
		// Keep the reading position across a resize.
		t.vp.SetYOffset(int(pct * float64(max(0, t.vp.TotalLineCount()-t.vp.Height))))
	default:
		t.vp.GotoTop()
	}
}

// showSolution reveals the solution (after the confirmation).
func (t *taskModel) showSolution() tea.Cmd {
	if t.lab == nil {
		return nil
	}
	t.solution, t.toSol = true, true
	return t.ensureRendered()
}

func (t *taskModel) SetSize(w, h int) {
	t.width, t.height = w, h
	t.vp.Width = w
	t.fitViewport()
}

// fitViewport gives the viewport what the header leaves (the header is a
// line taller when the workspace needs a line of its own).
func (t *taskModel) fitViewport() {
	t.vp.Height = max(1, t.height-taskHeaderLines-len(t.whereLines())+1)
}

func (t *taskModel) Init() tea.Cmd { return nil }

// Task messages.
type (
	// openLabMsg shows a lab (the browser's enter navigates here with it).
	openLabMsg struct{ lab *labs.Lab }
	// renderedMsg is a rendering of the task document.
	renderedMsg struct {
		key renderKey
		out string
		err error
	}
	// showSolutionMsg and resetMsg are the dialog's yes.
	showSolutionMsg struct{}
	resetMsg        struct{ lab *labs.Lab }
	resetDoneMsg    struct {
		lab  *labs.Lab
		info session.ResetInfo
		err  error
	}
)

func (openLabMsg) owner() screenID      { return screenTask }
func (renderedMsg) owner() screenID     { return screenTask }
func (showSolutionMsg) owner() screenID { return screenTask }
func (resetMsg) owner() screenID        { return screenTask }
func (resetDoneMsg) owner() screenID    { return screenTask }

func (t *taskModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case openLabMsg:
		return t, t.open(msg.lab)
	case tea.WindowSizeMsg:
		// The root set the size; the Markdown follows the width.
		return t, t.ensureRendered()
	case guardedMsg:
		return t, t.act(msg)
	case showSolutionMsg:
		return t, t.showSolution()
	case resetMsg:
		return t, t.reset(msg.lab)
	case resetDoneMsg:
		return t, t.resetDone(msg)
	case answerFilesMsg:
		return t, chooseAnswerFile(msg, func(file string) tea.Cmd { return t.edit(msg.lab, msg.ws, file) })
	case editFileMsg:
		return t, t.edit(msg.lab, msg.ws, msg.file)
	case handoffReadyMsg:
		return t, handoffReady(msg)
	case handoffDoneMsg:
		return t, t.handoffDone(msg)
	case renderedMsg:
		delete(t.inflight, msg.key)
		out := msg.out
		if msg.err != nil && t.lab != nil && msg.key.lab == t.lab.ID {
			// Still readable: the Markdown source, wrapped.
			out = wrapText(taskDocument(t.forMode(), msg.key.hints, msg.key.solution), msg.key.width-2)
		}
		t.cache[msg.key] = out
		if t.lab != nil && msg.key == t.key() {
			t.apply(msg.key, out)
		}
		return t, nil
	case tea.KeyMsg:
		return t, t.handleKey(msg)
	}
	var cmd tea.Cmd
	t.vp, cmd = t.vp.Update(msg)
	return t, cmd
}

func (t *taskModel) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := t.c.keys
	l := t.lab
	if l == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return back
	case key.Matches(msg, k.Hint):
		if t.hints >= len(l.Hints) {
			text := "This lab has no hints."
			if len(l.Hints) > 0 {
				text = fmt.Sprintf("All %d hints are shown. S shows the solution.", len(l.Hints))
			}
			return flash(text, false)
		}
		return t.guarded(l, "hints", actHint)
	case key.Matches(msg, k.Solution):
		if t.solution {
			t.solution = false
			return t.ensureRendered()
		}
		return t.guarded(l, "solution", actSolution)
	case key.Matches(msg, k.Reset):
		return ask(confirmation{
			title: "Reset “" + l.Title + "”?",
			body:  "Your answer files are moved to .trash in the lab's\nworkspace (nothing is deleted); the next check starts afresh.",
			yes:   resetMsg{lab: l},
		})
	case key.Matches(msg, k.Shell):
		return t.guarded(l, "practice runs", actShell)
	case key.Matches(msg, k.Editor):
		return t.guarded(l, "practice runs", actEditor)
	case key.Matches(msg, k.Check):
		return navigate(screenCheck, runCheckMsg{lab: l})
	case key.Matches(msg, k.Top):
		t.vp.GotoTop()
		return nil
	case key.Matches(msg, k.Bottom):
		t.vp.GotoBottom()
		return nil
	}
	var cmd tea.Cmd
	t.vp, cmd = t.vp.Update(msg)
	return cmd
}

// act does what the guard let through, on the lab still shown.
func (t *taskModel) act(msg guardedMsg) tea.Cmd {
	l := t.lab
	if l == nil || l != msg.lab {
		return nil
	}
	switch msg.act {
	case actHint:
		if t.hints >= len(l.Hints) {
			return nil
		}
		t.hints++
		t.toEnd = true
		return t.ensureRendered()
	case actSolution:
		return ask(solutionQuestion(l, t.hints))
	case actShell:
		return prepareHandoff(t.c, handoffShell, l, screenTask)
	case actEditor:
		return listAnswerFiles(screenTask, l, t.c.cfg.Dirs.Workspace(l.ID))
	}
	return nil
}

// edit opens the editor on file in the lab's workspace ws ("" for a new
// answer.yaml).
func (t *taskModel) edit(l *labs.Lab, ws, file string) tea.Cmd {
	return editorOn(prepareHandoff(t.c, handoffEditor, l, screenTask), ws, file)
}

func (t *taskModel) View() string {
	if t.lab == nil {
		return ""
	}
	body := t.vp.View()
	if t.shown.lab != t.lab.ID {
		body = " Rendering the task…"
	}
	return t.header() + "\n" + body
}

// header is the lab's title, its facts, where you work, and a rule with
// the scroll position.
func (t *taskModel) header() string {
	s := t.c.styles
	l := t.lab
	lp := t.c.labProgress(l.ID)
	line1 := " " + s.Bold.Render(truncate(l.Title, t.width-2))
	facts := []string{
		l.Domain.Title(), s.difficulty(l.Difficulty), fmt.Sprintf("%d pts", l.Points),
		fmt.Sprintf("~%d min", l.Minutes), statusText(s, lp, l.Points),
	}
	if l.HasParams() {
		facts = append(facts, s.Muted.Render(fmt.Sprintf("variant %d", l.VariantN)))
	}
	line2 := " " + strings.Join(facts, s.Muted.Render(" · "))
	hints := fmt.Sprintf(" hints %d/%d ", t.hints, len(l.Hints))
	pos := fmt.Sprintf(" %3.f%% ", t.vp.ScrollPercent()*100)
	if t.vp.TotalLineCount() <= t.vp.Height {
		pos = " all "
	}
	rule := max(0, t.width-lipgloss.Width(hints)-lipgloss.Width(pos)-2)
	line4 := s.Muted.Render("─" + hints + strings.Repeat("─", rule) + pos + "─")
	lines := append([]string{truncate(line1, t.width), truncate(line2, t.width)}, t.whereLines()...)
	return strings.Join(append(lines, line4), "\n")
}

// whereLines say where you work: the namespace, the kube context and the
// workspace folder, on one line when they fit, else the workspace on a
// line of its own (a path too long even there loses folders in its
// middle, never the lab's folder at its end: see shortenPath).
func (t *taskModel) whereLines() []string {
	if t.lab == nil {
		return nil
	}
	s := t.c.styles
	l := t.lab
	where := " " + s.Label.Render("namespace ") + l.Namespace + s.Label.Render("  context ") + orText(t.c.cluster.Context, "none")
	ws := s.Label.Render("workspace ") + t.c.displayPath(t.c.cfg.Dirs.Workspace(l.ID))
	if one := where + s.Label.Render("  ") + ws; lipgloss.Width(one) <= t.width {
		return []string{one}
	}
	label := s.Label.Render("workspace ")
	path := shortenPath(t.c.displayPath(t.c.cfg.Dirs.Workspace(l.ID)), t.width-1-lipgloss.Width(label))
	return []string{truncate(where, t.width), " " + label + path}
}

func (t *taskModel) ShortHelp() []key.Binding {
	k := t.c.keys
	return []key.Binding{k.Hint, k.Check, k.Shell, k.Editor, k.Back, k.Help, k.Quit}
}

func (t *taskModel) FullHelp() [][]key.Binding {
	k := t.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Hint, k.Solution, k.Check, k.Reset},
		{k.Shell, k.Editor, k.Back},
		{k.Help, k.Quit, k.ForceQuit},
	}
}

func (t *taskModel) crumbs() []string {
	if t.lab == nil {
		return nil
	}
	return []string{t.lab.ID}
}

// solutionQuestion asks before the solution shows, pointing at the hints
// still hidden.
func solutionQuestion(l *labs.Lab, hints int) confirmation {
	body := "You will see the commands and manifests that solve it."
	if left := len(l.Hints) - hints; left > 0 {
		body = fmt.Sprintf("%d %s still hidden (h shows the next):\nworking it out teaches more than reading the answer.", left, plural(left, "hint is", "hints are"))
	}
	return confirmation{title: "Show the reference solution of “" + l.Title + "”?", body: body, yes: showSolutionMsg{}}
}

// reset sets the lab's answer files aside, in a command.
func (t *taskModel) reset(l *labs.Lab) tea.Cmd {
	sess, ctx, log, work := t.c.cfg.Session, t.c.ctx, t.c.log, t.c.work
	work.Add(1)
	return func() tea.Msg {
		defer work.Done()
		if sess == nil {
			return resetDoneMsg{lab: l, err: errors.New("no session configured")}
		}
		info, err := sess.Reset(ctx, l)
		if err != nil {
			log.Error("reset", "lab", l.ID, "err", err)
		} else {
			log.Info("reset", "lab", l.ID, "moved", info.Moved, "trash", info.Trash)
		}
		return resetDoneMsg{lab: l, info: info, err: err}
	}
}

// resetDone says where the answers went; the check screen forgets the
// lab's results and the progress is read again.
func (t *taskModel) resetDone(msg resetDoneMsg) tea.Cmd {
	if msg.err != nil {
		return flash(msg.err.Error(), true)
	}
	text := "Nothing to reset: the workspace has no answer files."
	if msg.info.Moved > 0 {
		where := t.c.displayPath(msg.info.Trash)
		if rel, err := filepath.Rel(t.c.cfg.Dirs.Workspace(msg.lab.ID), msg.info.Trash); err == nil && !strings.HasPrefix(rel, "..") {
			where = rel + " in the workspace"
		}
		text = fmt.Sprintf("Reset: %d answer %s moved to %s", msg.info.Moved, plural(msg.info.Moved, "file", "files"), where)
	}
	return tea.Batch(screenFlash(screenTask, text, false), send(answersResetMsg{lab: msg.lab}), t.c.loadProgress())
}

// handoffDone is back from the shell or the editor.
func (t *taskModel) handoffDone(msg handoffDoneMsg) tea.Cmd {
	what := "shell"
	if msg.kind == handoffEditor {
		what = "editor"
	}
	text, isErr := fmt.Sprintf("Back from the %s. Press c to check your answer.", what), false
	if msg.err != nil {
		text, isErr = fmt.Sprintf("The %s ended with an error: %v", what, msg.err), true
	}
	return tea.Batch(screenFlash(screenTask, text, isErr), t.c.loadProgress())
}

// forMode is the lab with its kubectl steps rendered for the cluster in
// use (offline: ckadlab get/describe, files relative to the workspace,
// where the shell opens; see inspect.Mode).
func (t *taskModel) forMode() *labs.Lab {
	return inspect.Mode{Offline: t.c.cluster.Context == "offline", Lab: t.lab.ID}.Render(t.lab)
}
