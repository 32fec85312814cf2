package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// The frame the root draws around the current screen: the header bar
// (where you are, the cluster), the status line (the flash) and the help.

func (m *Model) bodyHeight() int {
	return max(1, m.height-2-lipgloss.Height(m.helpView()))
}

// View draws the frame: header bar, the active screen, status line, help.
func (m *Model) View() string {
	if m.width == 0 {
		return "Loading ckadlab…"
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	bodyH := m.bodyHeight()
	body := lipgloss.NewStyle().Width(m.width).Height(bodyH).MaxHeight(bodyH).MaxWidth(m.width).Render(m.active().View())
	return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), body, m.statusView(), m.helpView())
}

// tooSmallView says the terminal is too small, in the longest of its
// messages that fits whole (wrapped at spaces, no word cut).
func (m *Model) tooSmallView() string {
	s := m.styles
	w, h := m.width, m.height
	variants := []string{
		s.Bold.Render("ckadlab needs a bigger terminal") + "\n" +
			fmt.Sprintf("at least %d×%d; this one is %d×%d.", MinWidth, MinHeight, w, h) + "\n" +
			"Enlarge the window, or press q to quit.",
		fmt.Sprintf("Too small: %d×%d, need %d×%d. q quits.", w, h, MinWidth, MinHeight),
		fmt.Sprintf("Too small: %d×%d, need %d×%d.", w, h, MinWidth, MinHeight),
		fmt.Sprintf("%d×%d < %d×%d", w, h, MinWidth, MinHeight),
	}
	msg := variants[len(variants)-1]
	for _, v := range variants {
		if fitsWhole(v, w, h) {
			msg = wrapAt(v, w)
			break
		}
	}
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center,
		lipgloss.NewStyle().MaxWidth(w).MaxHeight(h).Render(msg))
}

// headerView is the top bar: where you are, and the cluster's state.
// Every piece inherits the bar's background, so it runs unbroken.
func (m *Model) headerView() string {
	s := m.styles
	bar := s.HeaderBar
	on := func(st lipgloss.Style, text string) string { return st.Inherit(bar).Render(text) }
	crumbs := []string{on(s.Title, "ckadlab")}
	for _, c := range m.screens[m.current].crumbs() {
		crumbs = append(crumbs, on(s.Crumb, c))
	}
	left := on(lipgloss.NewStyle(), " ") + strings.Join(crumbs, on(lipgloss.NewStyle(), " › "))
	right := on(m.clusterStyle(), clusterBadge(m.c.cluster, m.c.now(), m.c.spinnerView())) + on(lipgloss.NewStyle(), " ")
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		right = ""
		gap = m.width - lipgloss.Width(left)
	}
	line := left + on(lipgloss.NewStyle(), strings.Repeat(" ", max(0, gap))) + right
	return truncate(line, m.width)
}

// clusterStyle colours the cluster badge by phase (its glyph says the same).
func (m *Model) clusterStyle() lipgloss.Style {
	switch m.c.cluster.Phase {
	case ClusterStarting:
		return m.styles.Warn
	case ClusterFailed:
		return m.styles.Fail
	}
	return m.styles.Muted
}

// statusView is the flash message line (results of actions, errors).
func (m *Model) statusView() string {
	if m.flash == "" {
		return ""
	}
	st := m.styles.StatusOK
	prefix := ""
	if m.flashErr {
		st = m.styles.StatusErr
		prefix = "! "
	}
	return st.MaxWidth(m.width).Render(" " + prefix + truncate(m.flash, m.width-3))
}

// clusterBadge is the short cluster state in the header bar.
func clusterBadge(c ClusterStatus, now time.Time, spin string) string {
	switch c.Phase {
	case ClusterStarting:
		s := c.Backend + " " + spin + " " + orText(c.Step, "starting")
		if !c.Since.IsZero() {
			s += " " + elapsed(now.Sub(c.Since))
		}
		return s
	case ClusterFailed:
		return c.Backend + " " + glyphFail + " failed"
	}
	return "cluster: " + c.Backend + " " + glyphPass
}

func orText(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// elapsed formats a duration as m:ss.
func elapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// truncate cuts s to at most w cells, with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// helpView is the help for the active screen, plus the global keys.
func (m *Model) helpView() string {
	m.help.Width = m.width
	lines := strings.Split(m.help.View(m.active()), "\n")
	for i, l := range lines {
		lines[i] = truncate(l, m.width)
	}
	return strings.Join(lines, "\n")
}
