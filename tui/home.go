package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/store"
)

// homeModel is the home screen: the cluster panel and the learner's
// progress by domain.
type homeModel struct {
	c             *common
	labs          []*labs.Lab
	loadErr       error
	width, height int
}

func newHome(c *common) *homeModel { return &homeModel{c: c} }

func (h *homeModel) SetSize(w, hh int) { h.width, h.height = w, hh }

func (h *homeModel) Init() tea.Cmd { return nil }

func (h *homeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case catalogMsg:
		h.loadErr = msg.err
		if msg.cat != nil {
			h.labs = msg.cat.All()
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, h.c.keys.Browse):
			return h, navigate(screenBrowser, nil)
		case key.Matches(msg, h.c.keys.Stats):
			return h, navigate(screenStats, loadStatsMsg{})
		}
	}
	return h, nil
}

func (h *homeModel) crumbs() []string { return []string{"Home"} }

func (h *homeModel) ShortHelp() []key.Binding {
	k := h.c.keys
	return []key.Binding{k.Browse, k.Stats, k.Help, k.Quit}
}

func (h *homeModel) FullHelp() [][]key.Binding {
	k := h.c.keys
	return [][]key.Binding{{k.Browse, k.Stats}, {k.Help, k.Quit, k.ForceQuit}}
}

func (h *homeModel) View() string {
	s := h.c.styles
	var b strings.Builder
	b.WriteString(h.clusterPanel())
	b.WriteString("\n")
	b.WriteString(h.progressPanel())
	b.WriteString("\n")
	switch {
	case h.loadErr != nil:
		b.WriteString(" " + s.Fail.Render(glyphFail+" The labs could not be loaded:") + "\n")
		b.WriteString(indentLines(wrapText(h.loadErr.Error(), h.width-4), "   ") + "\n")
	case h.labs == nil:
		b.WriteString(" Loading the labs…\n")
	default:
		b.WriteString(" Press " + s.Bold.Render("enter") + " to browse the labs, " + s.Bold.Render("?") + " for all keys.\n")
	}
	out := b.String()
	// The welcome only when there is room for it.
	welcome := "\n " + s.Bold.Render("CKAD practice for Services, Ingress and NetworkPolicy,") + "\n" +
		" " + s.Bold.Render("graded by real connectivity.") + "\n\n"
	if strings.Count(out, "\n")+4 <= h.height {
		out = welcome + out
	}
	return out
}

// row is a label/value line of a panel.
func (h *homeModel) row(label, value string) string {
	s := h.c.styles
	return "   " + s.Label.Render(fmt.Sprintf("%-14s", label)) + " " + value + "\n"
}

func (h *homeModel) clusterPanel() string {
	s := h.c.styles
	c := h.c.cluster
	var b strings.Builder
	b.WriteString(" " + s.Heading.Render("Cluster") + "\n")
	b.WriteString(h.row("Backend", c.Backend))
	b.WriteString(h.row("Kubernetes", orText(c.KubernetesVersion, "unknown yet")))
	b.WriteString(h.row("NetworkPolicy", orText(c.NetworkPolicy, "unknown yet")))
	if c.Ingress != "" {
		// Values start after 18 columns; wrap under them on narrow terminals.
		first, rest, _ := strings.Cut(wrapText(c.Ingress, h.width-20), "\n")
		b.WriteString(h.row("Ingress", first))
		if rest != "" {
			b.WriteString(indentLines(rest, strings.Repeat(" ", 18)) + "\n")
		}
	}
	switch c.Phase {
	case ClusterReady:
		b.WriteString(h.row("Status", s.Pass.Render(glyphPass+" ready")))
	case ClusterStarting:
		st := h.c.spinnerView() + " starting: " + orText(c.Step, "preparing")
		if c.Steps > 0 {
			st += fmt.Sprintf(" (step %d of %d)", c.StepIndex, c.Steps)
		}
		if !c.Since.IsZero() {
			st += " · " + elapsed(h.c.now().Sub(c.Since)) + " elapsed"
		}
		b.WriteString(h.row("Status", s.Warn.Render(st)))
		if c.Steps > 0 {
			b.WriteString(h.row("", bar(c.StepIndex, c.Steps, 20, h.c.cfg.Color)))
		}
		b.WriteString(h.stepList(c))
		b.WriteString(h.row("", s.Muted.Render("Browse and read meanwhile; checks run once it is ready.")))
	case ClusterFailed:
		b.WriteString(h.row("Status", s.Fail.Render(glyphFail+" failed")))
		b.WriteString(h.stepList(c))
		if c.Err != nil {
			b.WriteString(indentLines(wrapText(c.Err.Error(), h.width-20), strings.Repeat(" ", 18)) + "\n")
		}
	}
	return b.String()
}

// stepList is the checklist of finished steps and the latest message.
func (h *homeModel) stepList(c ClusterStatus) string {
	s := h.c.styles
	var b strings.Builder
	done := c.Done
	// The latest finished steps, as many as fit.
	maxSteps := 2
	if h.height >= 30 {
		maxSteps = 6
	}
	if len(done) > maxSteps {
		n := len(done) - maxSteps
		b.WriteString(h.row("", s.Muted.Render(fmt.Sprintf("(%d earlier %s)", n, plural(n, "step", "steps")))))
		done = done[len(done)-maxSteps:]
	}
	w := max(10, h.width-22)
	for _, st := range done {
		line := fmt.Sprintf("%s (%.1fs)", st.Name, st.Elapsed.Seconds())
		if st.OK {
			b.WriteString(h.row("", s.Pass.Render(glyphPass)+" "+truncate(line, w)))
		} else {
			b.WriteString(h.row("", s.Fail.Render(glyphFail)+" "+truncate(line, w)))
		}
	}
	if c.Message != "" {
		b.WriteString(h.row("", s.Muted.Render(truncate(c.Message, w+2))))
	}
	return b.String()
}

func (h *homeModel) progressPanel() string {
	s := h.c.styles
	var b strings.Builder
	b.WriteString(" " + s.Heading.Render("Your progress") + "\n")
	if h.labs == nil {
		return b.String()
	}
	totalPassed, totalLabs, totalBest, totalPts := 0, 0, 0, 0
	for _, d := range labs.Domains {
		passed, n, best, pts := 0, 0, 0, 0
		for _, l := range h.labs {
			if l.Domain != d {
				continue
			}
			lp := h.c.labProgress(l.ID)
			n++
			pts += l.Points
			best += min(lp.Best, l.Points)
			if lp.Status == store.StatusPassed {
				passed++
			}
		}
		if n == 0 {
			continue
		}
		totalPassed, totalLabs, totalBest, totalPts = totalPassed+passed, totalLabs+n, totalBest+best, totalPts+pts
		b.WriteString(h.row(d.Title(), fmt.Sprintf("%-16s %s %3d/%d pts", fmt.Sprintf("%d of %d passed", passed, n), bar(best, pts, 12, h.c.cfg.Color), best, pts)))
	}
	b.WriteString(h.row("All labs", s.Bold.Render(fmt.Sprintf("%d of %d passed · %d/%d pts", totalPassed, totalLabs, totalBest, totalPts))))
	return b.String()
}

// bar is a progress bar of width cells; its fill is a shape, not a colour.
func bar(n, total, width int, color bool) string {
	if total <= 0 {
		total = 1
	}
	filled := min(width, max(0, n*width/total))
	on, off := "█", "░"
	if !color {
		on, off = "#", "-"
	}
	return "[" + strings.Repeat(on, filled) + strings.Repeat(off, width-filled) + "]"
}

// indentLines prefixes every line of s.
func indentLines(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
