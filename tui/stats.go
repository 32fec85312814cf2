package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/drill"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// Stats messages: the home screen's t navigates here with loadStatsMsg.
type (
	loadStatsMsg   struct{}
	statsLoadedMsg struct {
		st  *drill.Stats
		err error
	}
)

func (loadStatsMsg) owner() screenID   { return screenStats }
func (statsLoadedMsg) owner() screenID { return screenStats }

// loadStats reads the learner's history from the progress database (a
// new learner has none, and nothing is created).
func loadStats(dirs state.Dirs, cat *labs.Catalog) tea.Cmd {
	return func() tea.Msg {
		if cat == nil {
			return statsLoadedMsg{err: fmt.Errorf("the labs are still loading")}
		}
		h, err := dirs.LoadHistory()
		if err != nil {
			return statsLoadedMsg{err: err}
		}
		return statsLoadedMsg{st: drill.Compute(cat.All(), h.Labs, h.Exams)}
	}
}

// statsModel shows the learner's progress per domain and per lab (best
// score, attempts, last seen) and their exams.
type statsModel struct {
	c             *common
	st            *drill.Stats
	err           error
	vp            viewport.Model
	width, height int
}

func newStats(c *common) *statsModel { return &statsModel{c: c, vp: newViewport(c.keys)} }

func (m *statsModel) Init() tea.Cmd { return nil }

func (m *statsModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.Width, m.vp.Height = w, max(1, h)
	m.fill()
}

func (m *statsModel) loaded(msg statsLoadedMsg) {
	m.st, m.err = msg.st, msg.err
	m.fill()
	m.vp.GotoTop()
}

func (m *statsModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadStatsMsg:
		// Read afresh each time the screen opens.
		m.loaded(statsLoadedMsg{})
		return m, loadStats(m.c.cfg.Dirs, m.c.cat)
	case statsLoadedMsg:
		m.loaded(msg)
		return m, nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(km, m.c.keys.Back):
		return m, back
	case key.Matches(km, m.c.keys.Top):
		m.vp.GotoTop()
	case key.Matches(km, m.c.keys.Bottom):
		m.vp.GotoBottom()
	default:
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(km)
		return m, cmd
	}
	return m, nil
}

func (m *statsModel) fill() {
	m.vp.SetContent(m.content())
}

func (m *statsModel) content() string {
	s := m.c.styles
	switch {
	case m.err != nil:
		return " " + s.Fail.Render(glyphFail+" Your progress could not be read") + "\n\n" + indentLines(wrapText(m.err.Error(), m.width-4), "   ")
	case m.st == nil:
		return " Reading your progress…"
	}
	now := m.c.now() // its time zone is the learner's (see drill.Seen)
	var b strings.Builder
	b.WriteString(" " + s.Heading.Render("By domain") + "\n")
	b.WriteString(s.Muted.Render(fmt.Sprintf("   %-14s %7s %7s %8s %8s  %s", "", "passed", "partial", "attempts", "mastery", "last seen")) + "\n")
	for _, d := range m.st.Domains {
		b.WriteString(fmt.Sprintf("   %-14s %7s %7d %8d %7s%%  %s\n", d.Domain.Title(), fmt.Sprintf("%d/%d", d.Passed, d.Labs), d.Partial, d.Attempts, exam.Num(d.Mastery), drill.Seen(now, d.LastSeen)))
	}
	idw := 10
	for _, l := range m.st.Labs {
		idw = max(idw, len(l.Lab))
	}
	idw = min(idw, max(10, m.width-46))
	b.WriteString("\n " + s.Heading.Render("By lab") + "\n")
	b.WriteString(s.Muted.Render(fmt.Sprintf("   %-*s  %-11s %6s %8s  %s", idw, "", "status", "best", "attempts", "last seen")) + "\n")
	for _, l := range m.st.Labs {
		best := "–"
		if l.Max > 0 {
			best = fmt.Sprintf("%d/%d", l.Best, l.Max)
		}
		b.WriteString(truncate(fmt.Sprintf("   %-*s  %s%6s %8d  %s", idw, truncate(l.Lab, idw), statusWord(s, l.Status), best, l.Attempts, drill.Seen(now, l.LastSeen)), m.width) + "\n")
	}
	b.WriteString("\n " + s.Heading.Render("Exams") + "\n")
	if len(m.st.Exams) == 0 {
		b.WriteString("   None yet: ckadlab exam starts a timed mock exam.\n")
	}
	for _, e := range m.st.Exams {
		res := "in progress"
		if !e.InProgress {
			res = exam.Num(e.Percent) + "% "
			if e.Passed {
				res += s.Pass.Render(glyphPass + " pass")
			} else {
				res += s.Fail.Render(glyphFail + " fail")
			}
		}
		b.WriteString(truncate(fmt.Sprintf("   %s  seed %d  %d tasks  %s", e.Started.In(now.Location()).Format("2006-01-02 15:04"), e.Seed, e.Tasks, res), m.width) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// statusWord is a lab's status with its glyph, padded for the table.
func statusWord(s *Styles, status store.Status) string {
	var out string
	switch status {
	case store.StatusPassed:
		out = s.Pass.Render(glyphPass + " passed")
	case store.StatusPartial:
		out = s.Warn.Render(glyphPartial + " partial")
	case store.StatusStarted:
		out = s.Info.Render(glyphStarted + " started")
	default:
		out = s.Muted.Render(glyphNew + " new")
	}
	return out + strings.Repeat(" ", max(1, 11-lipgloss.Width(out)))
}

func (m *statsModel) View() string { return m.vp.View() }

func (m *statsModel) crumbs() []string { return []string{"Stats"} }

func (m *statsModel) ShortHelp() []key.Binding {
	k := m.c.keys
	return []key.Binding{k.Up, k.Down, k.PageDown, k.Back, k.Help, k.Quit}
}

func (m *statsModel) FullHelp() [][]key.Binding {
	k := m.c.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Back, k.Help, k.Quit, k.ForceQuit}}
}
