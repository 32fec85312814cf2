package tui

import "github.com/charmbracelet/lipgloss"

// Glyphs carry state on their own, so nothing is shown by colour alone.
const (
	glyphPass    = "✓"
	glyphFail    = "✗"
	glyphCursor  = "›"
	glyphPending = "·"
	glyphPartial = "◐"
	glyphStarted = "…"
	glyphNew     = "○"
	glyphFlag    = "⚑"
	glyphSetup   = "↻"
	glyphWarn    = "!"
)

// Styles is every style the TUI uses, built once from the colour choice.
// Without colour only the glyphs (✓ ✗ ›) and layout carry meaning.
type Styles struct {
	App        lipgloss.Style // outer frame padding
	Title      lipgloss.Style // "ckadlab" in the header bar
	Crumb      lipgloss.Style // the screen name in the header bar
	HeaderBar  lipgloss.Style
	Muted      lipgloss.Style
	Bold       lipgloss.Style
	Heading    lipgloss.Style // domain groups, panel titles
	Label      lipgloss.Style // left column of key/value panels
	Cursor     lipgloss.Style // the › marker
	Selected   lipgloss.Style // the selected row's text
	Pass       lipgloss.Style
	Fail       lipgloss.Style
	Warn       lipgloss.Style
	Info       lipgloss.Style
	Filter     lipgloss.Style // the filter prompt
	Dialog     lipgloss.Style // confirmation box
	Panel      lipgloss.Style // bordered panel on the home screen
	StatusOK   lipgloss.Style // flash message (success)
	StatusErr  lipgloss.Style // flash message (error)
	Difficulty map[string]lipgloss.Style
}

// NewStyles returns the styles for a terminal with or without colour.
func NewStyles(color bool) Styles {
	s := Styles{
		App:       lipgloss.NewStyle(),
		Title:     lipgloss.NewStyle().Bold(true),
		Crumb:     lipgloss.NewStyle(),
		HeaderBar: lipgloss.NewStyle(),
		Muted:     lipgloss.NewStyle(),
		Bold:      lipgloss.NewStyle().Bold(true),
		Heading:   lipgloss.NewStyle().Bold(true),
		Label:     lipgloss.NewStyle(),
		Cursor:    lipgloss.NewStyle().Bold(true),
		Selected:  lipgloss.NewStyle().Bold(true),
		Pass:      lipgloss.NewStyle(),
		Fail:      lipgloss.NewStyle(),
		Warn:      lipgloss.NewStyle(),
		Info:      lipgloss.NewStyle(),
		Filter:    lipgloss.NewStyle().Bold(true),
		Dialog:    lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 2),
		Panel:     lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
		StatusOK:  lipgloss.NewStyle(),
		StatusErr: lipgloss.NewStyle().Bold(true),
		Difficulty: map[string]lipgloss.Style{
			"easy": lipgloss.NewStyle(), "medium": lipgloss.NewStyle(), "hard": lipgloss.NewStyle(),
		},
	}
	if !color {
		return s
	}
	var (
		accent = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#A78BFA"}
		muted  = lipgloss.AdaptiveColor{Light: "#6B7280", Dark: "#9CA3AF"}
		green  = lipgloss.AdaptiveColor{Light: "#047857", Dark: "#34D399"}
		red    = lipgloss.AdaptiveColor{Light: "#B91C1C", Dark: "#F87171"}
		amber  = lipgloss.AdaptiveColor{Light: "#B45309", Dark: "#FBBF24"}
		blue   = lipgloss.AdaptiveColor{Light: "#1D4ED8", Dark: "#60A5FA"}
		barBG  = lipgloss.AdaptiveColor{Light: "#E5E7EB", Dark: "#1F2937"}
	)
	s.Title = s.Title.Foreground(accent)
	s.Crumb = s.Crumb.Foreground(blue)
	s.HeaderBar = s.HeaderBar.Background(barBG)
	s.Muted = s.Muted.Foreground(muted)
	s.Heading = s.Heading.Foreground(accent)
	s.Label = s.Label.Foreground(muted)
	s.Cursor = s.Cursor.Foreground(accent)
	s.Selected = s.Selected.Foreground(accent)
	s.Pass = s.Pass.Foreground(green)
	s.Fail = s.Fail.Foreground(red)
	s.Warn = s.Warn.Foreground(amber)
	s.Info = s.Info.Foreground(blue)
	s.Filter = s.Filter.Foreground(amber)
	s.Dialog = s.Dialog.BorderForeground(amber)
	s.Panel = s.Panel.BorderForeground(muted)
	s.StatusOK = s.StatusOK.Foreground(green)
	s.StatusErr = s.StatusErr.Foreground(red)
	s.Difficulty = map[string]lipgloss.Style{
		"easy":   lipgloss.NewStyle().Foreground(green),
		"medium": lipgloss.NewStyle().Foreground(amber),
		"hard":   lipgloss.NewStyle().Foreground(red),
	}
	return s
}

// difficulty styles a difficulty name.
func (s Styles) difficulty(d string) string {
	if st, ok := s.Difficulty[d]; ok {
		return st.Render(d)
	}
	return d
}
