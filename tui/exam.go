package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	"k8s.io/client-go/tools/clientcmd"
)

// The exam screen's own keys.
var (
	// examNoteKey opens the note editor of the current task.
	examNoteKey = key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "note"))
	// examNoteDone saves the note and closes the editor.
	examNoteDone = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "save note"))
)

// ExamService runs the I/O of an exam for the TUI (*examrun.Runner
// implements it). The TUI hands it copies of the exam, never the one it
// is showing, so a save or a grading in a command races with nothing.
type ExamService interface {
	// Save stores the exam (after every navigation, flag or mark).
	Save(e *exam.Exam) error
	// RefreshAttempted marks tasks whose workspace has answers.
	RefreshAttempted(e *exam.Exam) bool
	// Grade grades every task and stores the graded exam.
	Grade(ctx context.Context, e *exam.Exam, progress func(done int, t exam.Task, o exam.Outcome)) (*exam.Result, error)
}

// Exam messages.
type (
	// examTickMsg redraws the countdown once a second. The time left is
	// always the stored deadline minus the clock's now, so ticks never
	// drift and a late tick loses nothing.
	examTickMsg   struct{}
	examSavedMsg  struct{ err error }
	examRenderMsg struct {
		key examRenderKey
		out string
		err error
	}
	examRefreshedMsg struct{ attempted []bool }
	examGradedMsg    struct {
		e   *exam.Exam
		res *exam.Result
		err error
	}
)

func (examTickMsg) owner() screenID      { return screenExam }
func (examSavedMsg) owner() screenID     { return screenExam }
func (examRenderMsg) owner() screenID    { return screenExam }
func (examRefreshedMsg) owner() screenID { return screenExam }
func (examGradedMsg) owner() screenID    { return screenExam }

type examRenderKey struct {
	lab   string
	width int
}

// examTickEvery is how often the countdown is redrawn.
const examTickEvery = time.Second

// examSidebarWidth is the question list's width.
func examSidebarWidth(w int) int { return max(14, min(26, w/4)) }

// examModel is the exam screen: the question list (attempted and flagged
// marks), the current task, and the countdown. No hints, no solutions.
type examModel struct {
	c  *common
	e  *exam.Exam
	vp viewport.Model

	cache    map[examRenderKey]string
	inflight map[examRenderKey]bool
	shown    examRenderKey

	confirming bool // "finish now?" asked
	grading    bool
	auto       bool // grading because time ran out
	gradeErr   error

	// warned is the timer warning last flashed (minutes: 30, 15, 5; 0
	// none yet), so each warning flashes once.
	warned int
	// noting is set while the note editor of the current task is open.
	noting bool
	note   textarea.Model

	width, height int
}

func newExam(c *common, e *exam.Exam) *examModel {
	return &examModel{c: c, e: e, vp: newViewport(c.keys), cache: map[examRenderKey]string{}, inflight: map[examRenderKey]bool{}}
}

// snapshot is a deep copy of the exam for a command.
func (m *examModel) snapshot() *exam.Exam {
	cp := *m.e
	cp.Tasks = append([]exam.Task(nil), m.e.Tasks...)
	return &cp
}

// takesText: the note editor takes every key as text (q and ? too).
func (m *examModel) takesText(tea.KeyMsg) bool { return m.noting }

// openNote opens the note editor on the current task's note.
func (m *examModel) openNote() tea.Cmd {
	ta := textarea.New()
	ta.Placeholder = "A note on this task: what is left, what to check again…"
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 2000
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.SetWidth(max(20, min(72, m.width-8)))
	ta.SetHeight(max(3, min(8, m.height-12)))
	ta.SetValue(m.e.Tasks[m.e.Current].Note)
	m.note, m.noting = ta, true
	return m.note.Focus()
}

// closeNote saves the note with the exam and closes the editor.
func (m *examModel) closeNote() tea.Cmd {
	m.noting = false
	m.note.Blur()
	before := m.e.Tasks[m.e.Current].Note
	m.e.SetNote(m.e.Current, m.note.Value())
	if m.e.Tasks[m.e.Current].Note == before {
		return nil
	}
	return tea.Batch(m.save(), screenFlash(screenExam, "Note saved with the exam (shown in the review).", false))
}

// warn flashes the timer's warning once per mark (30, 15, 5 minutes).
func (m *examModel) warn() tea.Cmd {
	w, ok := m.e.Warning(m.c.now())
	if !ok || w.Minutes == m.warned {
		return nil
	}
	m.warned = w.Minutes
	return screenFlash(screenExam, glyphWarn+" "+w.Text+" in the exam: check your flagged tasks.", false)
}

func (m *examModel) Init() tea.Cmd {
	if m.e == nil || m.e.Done() {
		return nil
	}
	if m.e.Expired(m.c.now()) {
		// Resumed after the deadline: graded at once.
		return m.grade(true)
	}
	return tea.Batch(examTick(), m.refresh(), m.warn())
}

func examTick() tea.Cmd {
	return tea.Tick(examTickEvery, func(time.Time) tea.Msg { return examTickMsg{} })
}

func (m *examModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.Width = max(1, w-examSidebarWidth(w)-3)
	m.vp.Height = max(1, h-3)
	if out, ok := m.cache[m.key()]; ok {
		m.apply(m.key(), out)
	}
}

func (m *examModel) key() examRenderKey {
	if m.e == nil {
		return examRenderKey{}
	}
	return examRenderKey{lab: m.e.Tasks[m.e.Current].Lab, width: m.vp.Width}
}

// ensureRendered renders the current task at the current width (once).
func (m *examModel) ensureRendered() tea.Cmd {
	k := m.key()
	if m.e == nil || m.width == 0 || m.inflight[k] {
		return nil
	}
	if out, ok := m.cache[k]; ok {
		m.apply(k, out)
		return nil
	}
	doc := m.document()
	if doc == "" {
		return nil
	}
	m.inflight[k] = true
	style, profile, log := m.c.mdStyle, m.c.profile, m.c.cfg.Log
	return func() tea.Msg {
		out, err := renderDoc(style, profile, k.width+4, doc)
		if err != nil && log != nil {
			log.Error("render exam task", "lab", k.lab, "err", err)
		}
		return examRenderMsg{key: k, out: out, err: err}
	}
}

// document is the current task as Markdown, as the exam shows it: the
// neutral title (never the lab's, which often names the answer), the
// weight, the context line, the task's text and its documentation.
func (m *examModel) document() string {
	i := m.e.Current
	t := m.e.Tasks[i]
	if m.c.cat == nil {
		return ""
	}
	l, err := m.c.cat.GetVariant(t.Lab, t.Variant)
	if err != nil {
		return "# " + exam.NeutralTitle(i+1, t) + "\n\n(" + err.Error() + ")"
	}
	return exam.TaskDocument(i+1, t, m.e.Weights()[i], l.Task, m.c.cluster.Kubeconfig != "")
}

func (m *examModel) apply(k examRenderKey, out string) {
	if k != m.key() {
		return
	}
	if m.shown != k {
		m.vp.GotoTop()
	}
	m.shown = k
	m.vp.SetContent(out)
}

func (m *examModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case catalogMsg, tea.WindowSizeMsg:
		// The task's text needs the labs and the width.
		return m, m.ensureRendered()
	case answerFilesMsg:
		return m, chooseAnswerFile(msg, func(file string) tea.Cmd {
			return editorOn(m.handoffIn(handoffEditor, msg.lab, msg.ws, 0), msg.ws, file)
		})
	case editFileMsg:
		return m, editorOn(m.handoffIn(handoffEditor, msg.lab, msg.ws, 0), msg.ws, msg.file)
	case handoffReadyMsg:
		return m, handoffReady(msg)
	case handoffDoneMsg:
		return m, m.handoffDone(msg)
	case examTickMsg:
		if m.e == nil || m.e.Done() || m.grading {
			return m, nil
		}
		if m.e.Expired(m.c.now()) {
			if m.noting {
				// The note typed so far is kept with the exam.
				m.noting = false
				m.e.SetNote(m.e.Current, m.note.Value())
			}
			return m, m.grade(true)
		}
		return m, tea.Batch(examTick(), m.warn())
	case examRenderMsg:
		delete(m.inflight, msg.key)
		out := msg.out
		if msg.err != nil {
			out = "The task could not be rendered: " + msg.err.Error()
		}
		m.cache[msg.key] = out
		m.apply(msg.key, out)
		return m, nil
	case examSavedMsg:
		if msg.err != nil {
			return m, flash("The exam could not be saved: "+msg.err.Error(), true)
		}
		return m, nil
	case examRefreshedMsg:
		changed := false
		for i, a := range msg.attempted {
			if i < len(m.e.Tasks) && a && !m.e.Tasks[i].Attempted {
				m.e.Tasks[i].Attempted = true
				changed = true
			}
		}
		if changed {
			return m, m.save()
		}
		return m, nil
	case examGradedMsg:
		m.grading = false
		if msg.err != nil && msg.res != nil {
			// Graded, but the result could not be stored: the grade is
			// shown all the same, and says so.
			m.c.log.Warn("exam graded, not recorded", "exam", msg.e.ID, "err", msg.err)
			m.e = msg.e
			ns := &session.NotSavedError{What: "the result of exam " + msg.e.ID, Err: msg.err}
			return m, navigate(screenExamReport, showResultMsg{res: msg.res, notSaved: ns})
		}
		if msg.err != nil {
			m.gradeErr = msg.err
			if m.e.Expired(m.c.now()) {
				return m, flash("Grading failed: "+msg.err.Error()+" (press F to try again)", true)
			}
			return m, tea.Batch(flash("Grading failed: "+msg.err.Error(), true), examTick())
		}
		m.e = msg.e
		return m, navigate(screenExamReport, showResultMsg{res: m.e.Result})
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	}
	return m, nil
}

// splitKeys splits letters typed quickly (several runes in one message)
// into one key message each.
func splitKeys(msg tea.KeyMsg) []tea.KeyMsg {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
		return []tea.KeyMsg{msg}
	}
	out := make([]tea.KeyMsg, len(msg.Runes))
	for i, r := range msg.Runes {
		out[i] = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
	}
	return out
}

func (m *examModel) handleKey(msg tea.KeyMsg) tea.Cmd {
	if keys := splitKeys(msg); len(keys) > 1 {
		var cmds []tea.Cmd
		for _, k := range keys {
			cmds = append(cmds, m.handleKey(k))
		}
		return tea.Batch(cmds...)
	}
	if m.e == nil || m.grading {
		return nil
	}
	k := m.c.keys
	if m.noting {
		if key.Matches(msg, examNoteDone) {
			return m.closeNote()
		}
		var cmd tea.Cmd
		m.note, cmd = m.note.Update(msg)
		return cmd
	}
	if m.confirming {
		switch {
		case key.Matches(msg, k.Yes):
			m.confirming = false
			return m.grade(false)
		case key.Matches(msg, k.No):
			m.confirming = false
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.NextTask):
		m.e.Move(1)
		return tea.Batch(m.save(), m.ensureRendered())
	case key.Matches(msg, k.PrevTask):
		m.e.Move(-1)
		return tea.Batch(m.save(), m.ensureRendered())
	case key.Matches(msg, k.Flag):
		m.e.ToggleFlag(m.e.Current)
		return m.save()
	case key.Matches(msg, k.Attempted):
		t := m.e.Tasks[m.e.Current]
		m.e.SetAttempted(m.e.Current, !t.Attempted)
		return m.save()
	case key.Matches(msg, k.Finish):
		m.confirming = true
		return nil
	case key.Matches(msg, examNoteKey):
		return m.openNote()
	case key.Matches(msg, k.Shell):
		return m.handoff(handoffShell)
	case key.Matches(msg, k.Editor):
		return m.handoff(handoffEditor)
	case key.Matches(msg, k.Top):
		m.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		m.vp.GotoBottom()
	default:
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return cmd
	}
	return nil
}

// save stores a copy of the exam in a command.
func (m *examModel) save() tea.Cmd {
	svc := m.c.cfg.Exams
	if svc == nil {
		return nil
	}
	snap := m.snapshot()
	return func() tea.Msg { return examSavedMsg{err: svc.Save(snap)} }
}

// refresh looks for answer files in the workspaces (after a shell or an
// editor, and at the start).
func (m *examModel) refresh() tea.Cmd {
	svc := m.c.cfg.Exams
	if svc == nil || m.e == nil {
		return nil
	}
	snap := m.snapshot()
	return func() tea.Msg {
		svc.RefreshAttempted(snap)
		out := make([]bool, len(snap.Tasks))
		for i, t := range snap.Tasks {
			out[i] = t.Attempted
		}
		return examRefreshedMsg{attempted: out}
	}
}

// grade grades the exam in a command; auto is set when time ran out.
func (m *examModel) grade(auto bool) tea.Cmd {
	svc := m.c.cfg.Exams
	if svc == nil {
		return flash("no exam service configured", true)
	}
	m.grading, m.auto, m.gradeErr = true, auto, nil
	snap := m.snapshot()
	ctx := context.Background()
	return func() tea.Msg {
		res, err := svc.Grade(ctx, snap, nil)
		return examGradedMsg{e: snap, res: res, err: err}
	}
}

// handoff opens a shell in the current task's workspace, or the editor on
// its answer files (see chooseAnswerFile).
func (m *examModel) handoff(kind handoffKind) tea.Cmd {
	t := m.e.Tasks[m.e.Current]
	if m.c.cat == nil {
		return nil
	}
	l, err := m.c.cat.GetVariant(t.Lab, t.Variant)
	if err != nil {
		return flash(err.Error(), true)
	}
	if kind == handoffEditor {
		return listAnswerFiles(screenExam, l, t.Workspace)
	}
	return m.handoffIn(kind, l, t.Workspace, m.e.Current+1)
}

// handoffIn prepares a shell or the editor in the workspace ws of task
// num (1-based) on lab l.
func (m *examModel) handoffIn(kind handoffKind, l *labs.Lab, ws string, num int) tea.Cmd {
	cfg, cluster := m.c.cfg, m.c.cluster
	var t exam.Task
	if num > 0 && num <= len(m.e.Tasks) {
		t = m.e.Tasks[num-1]
	}
	contexts := m.e.Contexts()
	return func() tea.Msg {
		if cluster.Kubeconfig != "" {
			path, err := labKubeconfig(cluster.Kubeconfig, cluster.Context, l.Namespace, ws)
			if err == nil {
				err = examKubeconfig(path, contexts, t.Context)
			}
			if err != nil {
				return handoffReadyMsg{from: screenExam, kind: kind, lab: l, err: err}
			}
			cluster.Kubeconfig = path
		}
		cmd, err := handoffCommand(kind, l, ws, cfg.Environ, cluster)
		if cmd != nil && num > 0 {
			// The prompt names the task, not the lab.
			for i, kv := range cmd.Env {
				if strings.HasPrefix(kv, "PS1=") {
					cmd.Env[i] = fmt.Sprintf("PS1=(ckadlab exam task %d) $ ", num)
				}
			}
		}
		msg := handoffReadyMsg{from: screenExam, kind: kind, lab: l, cmd: cmd, err: err}
		if kind == handoffShell {
			msg.banner = examBanner(num, t, ws, cluster.Kubeconfig != "")
		}
		return msg
	}
}

// examKubeconfig adds the exam's contexts to the shell's kubeconfig at
// path (labKubeconfig wrote it with one context, current): each with that
// context's cluster and user and its own namespace; the task's context
// becomes the current one.
func examKubeconfig(path string, contexts []exam.KubeContext, current string) error {
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return fmt.Errorf("read the shell's kubeconfig: %w", err)
	}
	b := cfg.Contexts[cfg.CurrentContext]
	if b == nil {
		return fmt.Errorf("the shell's kubeconfig %s has no current context", path)
	}
	for _, c := range contexts {
		nc := b.DeepCopy()
		nc.Namespace = c.Namespace
		cfg.Contexts[c.Name] = nc
	}
	if cfg.Contexts[current] != nil {
		cfg.CurrentContext = current
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	return state.WriteFileAtomic(path, data, 0o600)
}

// examBanner is printed before the shell of task num starts.
func examBanner(num int, t exam.Task, ws string, live bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ckadlab: a shell in the exam workspace of task %d (namespace %s)\n  %s\n", num, t.Namespace, ws)
	if live {
		fmt.Fprintf(&b, "kubectl starts in context %s (as after `%s`); every exam context is there.\n", t.Context, exam.UseContext(t.Context))
	} else {
		fmt.Fprintf(&b, "The task says `%s`: offline that is informational (there is no API server).\n", exam.UseContext(t.Context))
		b.WriteString("The offline cluster grades the YAML files in this folder. Write your answer here, e.g.\n")
		fmt.Fprintf(&b, "  kubectl create ... -n %s --dry-run=client -o yaml > %s\n", t.Namespace, AnswerFile)
	}
	b.WriteString("Type exit (or press ctrl+d) to return to ckadlab.\n\n")
	return b.String()
}

func (m *examModel) crumbs() []string { return []string{"Exam"} }

// handoffDone is back from the shell or the editor: the workspaces may
// have new answers.
func (m *examModel) handoffDone(msg handoffDoneMsg) tea.Cmd {
	text, isErr := "Back in the exam.", false
	if msg.err != nil {
		text, isErr = fmt.Sprintf("The hand-off ended with an error: %v", msg.err), true
	}
	return tea.Batch(screenFlash(screenExam, text, isErr), m.refresh())
}

// countdown is the time left, as h:mm:ss.
func (m *examModel) countdown() string {
	return exam.Clock(m.e.Remaining(m.c.now()))
}

func (m *examModel) View() string {
	if m.e == nil {
		return " No exam."
	}
	s := m.c.styles
	t := m.e.Tasks[m.e.Current]
	left := " " + s.Bold.Render(fmt.Sprintf("Task %d of %d", m.e.Current+1, len(m.e.Tasks))) + s.Muted.Render(" · ") +
		strings.Join([]string{t.Domain.Title(), s.Bold.Render(fmt.Sprintf("%d%%", m.e.Weights()[m.e.Current]))}, s.Muted.Render(" · "))
	if t.Flagged {
		left += "  " + s.Warn.Render(glyphFlag+" flagged")
	}
	if t.Note != "" {
		left += "  " + s.Muted.Render("✎ note")
	}
	clock := "⏱ " + m.countdown() + " left "
	if w, ok := m.e.Warning(m.c.now()); ok {
		clock = s.Warn.Render(glyphWarn + " " + w.Text + "  " + clock)
	}
	line1 := spread(left, clock, m.width)
	line2 := " " + s.Label.Render("context ") + t.Context + s.Label.Render("  namespace ") + t.Namespace + s.Label.Render("  workspace ") + m.c.displayPath(t.Workspace)
	flagged, attempted := m.e.Counts()
	info := fmt.Sprintf(" %d of %d attempted · %d flagged ", attempted, len(m.e.Tasks), flagged)
	pos := fmt.Sprintf(" %3.f%% ", m.vp.ScrollPercent()*100)
	if m.vp.TotalLineCount() <= m.vp.Height {
		pos = " all "
	}
	line3 := s.Muted.Render("─" + info + strings.Repeat("─", max(0, m.width-lipgloss.Width(info)-lipgloss.Width(pos)-2)) + pos + "─")
	header := strings.Join([]string{truncate(line1, m.width), truncate(line2, m.width), truncate(line3, m.width)}, "\n")

	var body string
	switch {
	case m.grading:
		why := "Grading"
		if m.auto {
			why = "Time is up. Grading"
		}
		body = "\n " + s.Bold.Render(fmt.Sprintf("%s %d tasks with the answers as they are now…", why, len(m.e.Tasks)))
		return header + "\n" + body
	case m.confirming:
		body = m.confirmView()
		return header + "\n" + body
	case m.noting:
		return header + "\n" + m.noteView()
	}
	text := m.vp.View()
	if m.shown != m.key() {
		text = " Rendering the task…"
	}
	return header + "\n" + lipgloss.JoinHorizontal(lipgloss.Top, m.sidebar(), s.Muted.Render(strings.Repeat("│\n", max(0, m.vp.Height-1))+"│"), " ", text)
}

// spread puts left and right on one line of width w.
func spread(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

// sidebar is the question list: cursor, number, ✓ attempted, ⚑ flagged.
func (m *examModel) sidebar() string {
	s := m.c.styles
	w := examSidebarWidth(m.width)
	h := m.vp.Height
	lines := []string{s.Heading.Render(" Questions")}
	first := max(0, min(m.e.Current-(h-2)/2, len(m.e.Tasks)-(h-1)))
	for i := first; i < len(m.e.Tasks) && len(lines) < h; i++ {
		t := m.e.Tasks[i]
		cur := "  "
		if i == m.e.Current {
			cur = s.Cursor.Render(glyphCursor) + " "
		}
		done := s.Muted.Render(glyphPending)
		if t.Attempted {
			done = s.Pass.Render(glyphPass)
		}
		flag := " "
		if t.Flagged {
			flag = s.Warn.Render(glyphFlag)
		}
		// The domain and namespace: the lab's title would give answers away.
		title := examDomainShort(t.Domain) + " " + t.Namespace
		row := fmt.Sprintf("%s%2d %s%s %s", cur, i+1, done, flag, title)
		if i == m.e.Current {
			row = fmt.Sprintf("%s%2d %s%s %s", cur, i+1, done, flag, s.Selected.Render(title))
		}
		lines = append(lines, truncate(row, w))
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lipgloss.NewStyle().Width(w).Render(strings.Join(lines, "\n"))
}

// examDomainShort is a domain in the question list, short enough to
// leave room for the namespace.
func examDomainShort(d labs.Domain) string {
	switch d {
	case labs.Services:
		return "Svc"
	case labs.Ingress:
		return "Ing"
	case labs.NetworkPolicy:
		return "NetPol"
	}
	return d.Title()
}

// noteView is the note editor of the current task.
func (m *examModel) noteView() string {
	s := m.c.styles
	title := s.Bold.Render("Note on " + exam.NeutralTitle(m.e.Current+1, m.e.Tasks[m.e.Current]))
	box := s.Dialog.Render(title + "\n\n" + m.note.View() + "\n\n" + s.Muted.Render("saved with the exam, shown in the review · esc save and close"))
	return lipgloss.Place(m.width, max(1, m.height-3), lipgloss.Center, lipgloss.Center, box)
}

func (m *examModel) confirmView() string {
	s := m.c.styles
	flagged, attempted := m.e.Counts()
	var notes []string
	if n := len(m.e.Tasks) - attempted; n > 0 {
		notes = append(notes, fmt.Sprintf("%d %s not marked attempted", n, plural(n, "task is", "tasks are")))
	}
	if flagged > 0 {
		notes = append(notes, fmt.Sprintf("%d %s flagged for review", flagged, plural(flagged, "task is", "tasks are")))
	}
	body := fmt.Sprintf("%s left. Every task is graded with the answers as they are now,\nand the exam cannot be continued afterwards.", m.countdown())
	if len(notes) > 0 {
		body += "\n\n" + strings.Join(notes, "; ") + "."
	}
	box := s.Dialog.Render(s.Bold.Render("Finish the exam and grade it now?") + "\n\n" + body + "\n\n" + "y finish · n keep working")
	return lipgloss.Place(m.width, max(1, m.height-3), lipgloss.Center, lipgloss.Center, box)
}

func (m *examModel) ShortHelp() []key.Binding {
	k := m.c.keys
	if m.confirming {
		return []key.Binding{k.Yes, k.No}
	}
	if m.noting {
		return []key.Binding{examNoteDone, k.ForceQuit}
	}
	return []key.Binding{k.NextTask, k.PrevTask, k.Flag, examNoteKey, k.Shell, k.Finish, k.Help, k.Quit}
}

func (m *examModel) FullHelp() [][]key.Binding {
	k := m.c.keys
	if m.confirming {
		return [][]key.Binding{{k.Yes, k.No}}
	}
	if m.noting {
		return [][]key.Binding{{examNoteDone, k.ForceQuit}}
	}
	return [][]key.Binding{
		{k.NextTask, k.PrevTask, k.Up, k.Down, k.PageUp, k.PageDown},
		{k.Flag, examNoteKey, k.Attempted, k.Shell, k.Editor},
		{k.Finish, k.Help, k.Quit},
	}
}
