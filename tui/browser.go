package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// browserModel lists the labs grouped by domain, with type-to-filter.
type browserModel struct {
	c       *common
	cat     *labs.Catalog
	all     []*labs.Lab
	visible []*labs.Lab // after the filter, in catalog order (domain, difficulty, id)
	loadErr error

	filter    string
	filtering bool // keys go to the filter

	cursor        int // index into visible
	offset        int // first list line shown
	width, height int
}

func newBrowser(c *common) *browserModel { return &browserModel{c: c} }

func (b *browserModel) setCatalog(cat *labs.Catalog) {
	b.cat = cat
	b.all = cat.All()
	b.applyFilter()
}

// takesText: while the filter is typed every key is its own, and on the
// list any letter starts it (q too: the app quits with ctrl+c here).
func (b *browserModel) takesText(km tea.KeyMsg) bool { return b.filtering || startsFilter(km) }

func (b *browserModel) crumbs() []string { return []string{"Labs"} }

// selected is the lab under the cursor (nil when none is visible).
func (b *browserModel) selected() *labs.Lab {
	if b.cursor >= 0 && b.cursor < len(b.visible) {
		return b.visible[b.cursor]
	}
	return nil
}

// applyFilter shows the labs the filter matches, best first, with the
// cursor on the best; without a filter every lab shows, and the cursor
// stays on the lab it was on.
func (b *browserModel) applyFilter() {
	keep := b.selected()
	b.cursor = 0
	if b.filter == "" || b.cat == nil {
		b.visible = b.all
		for i, l := range b.visible {
			if l == keep {
				b.cursor = i
			}
		}
	} else {
		matches := b.cat.Filter("", "", "", b.filter)
		// And the labs whose id has the filter's letters in order
		// ("nptest" finds np-test-network-policy; titles are too long
		// for that to mean anything).
		for _, l := range b.all {
			if !slices.Contains(matches, l) && fuzzy(l.ID, b.filter) {
				matches = append(matches, l)
			}
		}
		b.visible = rankMatches(matches, b.filter)
	}
	b.scroll()
}

// rankMatches orders a filter's matches: by where the text matched (see
// matchRank), the domains by their best match; in catalog order otherwise.
func rankMatches(matches []*labs.Lab, text string) []*labs.Lab {
	rank := make(map[*labs.Lab]int, len(matches))
	best := map[labs.Domain]int{}
	for _, l := range matches {
		r := matchRank(l, text)
		rank[l] = r
		if b, ok := best[l.Domain]; !ok || r < b {
			best[l.Domain] = r
		}
	}
	out := slices.Clone(matches)
	slices.SortStableFunc(out, func(x, y *labs.Lab) int {
		return cmp.Or(
			cmp.Compare(best[x.Domain], best[y.Domain]),
			cmp.Compare(slices.Index(labs.Domains, x.Domain), slices.Index(labs.Domains, y.Domain)),
			cmp.Compare(rank[x], rank[y]))
	})
	return out
}

// matchRank is how well text matched a lab, best first: its id or title
// (the id first at each step) exactly, at their start, inside them, or
// the id's letters in order (fuzzy); then a tag; then only the task's
// text.
func matchRank(l *labs.Lab, text string) int {
	text = strings.ToLower(strings.TrimSpace(text))
	rank := func(field string, fuzzyOK bool) int {
		f := strings.ToLower(field)
		switch {
		case f == text:
			return 0
		case strings.HasPrefix(f, text):
			return 1
		case strings.Contains(f, text):
			return 2
		case fuzzyOK && fuzzy(f, text):
			return 3
		}
		return 4
	}
	if r := min(2*rank(l.ID, true), 2*rank(l.Title, false)+1); r < 8 {
		return r
	}
	if slices.ContainsFunc(l.Tags, func(t string) bool { return strings.Contains(strings.ToLower(t), text) }) {
		return 8
	}
	return 9
}

// fuzzy reports whether the letters and digits of text (at least three)
// appear in s in order, case aside.
func fuzzy(s, text string) bool {
	var want []rune
	for _, r := range strings.ToLower(text) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			want = append(want, r)
		}
	}
	if len(want) < 3 {
		return false
	}
	i := 0
	for _, r := range strings.ToLower(s) {
		if i < len(want) && r == want[i] {
			i++
		}
	}
	return i == len(want)
}

func (b *browserModel) SetSize(w, h int) {
	b.width, b.height = w, h
	b.scroll()
}

func (b *browserModel) Init() tea.Cmd { return nil }

func (b *browserModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cm, ok := msg.(catalogMsg); ok {
		b.loadErr = cm.err
		if cm.cat != nil {
			b.setCatalog(cm.cat)
		}
		return b, nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return b, nil
	}
	k := b.c.keys
	if b.filtering {
		return b, b.filterKey(km)
	}
	switch {
	case key.Matches(km, k.Open):
		return b, b.open()
	case b.moveKey(km):
	case key.Matches(km, k.Filter):
		b.filtering = true
	case key.Matches(km, k.ClearFilter) && b.filter != "":
		b.filter = ""
		b.applyFilter()
	case km.Type == tea.KeyBackspace && b.filter != "":
		// A kept filter is edited as it was typed.
		b.filtering = true
		return b, b.filterKey(km)
	case key.Matches(km, k.Back):
		return b, back
	case startsFilter(km):
		// Type to filter: any letter, digit or '-' starts the filter.
		b.filtering = true
		b.addFilter(km.Runes)
	}
	return b, nil
}

// open opens the lab under the cursor; the filter stays for the way back.
func (b *browserModel) open() tea.Cmd {
	b.filtering = false
	if l := b.selected(); l != nil {
		return navigate(screenTask, openLabMsg{lab: l})
	}
	return nil
}

// moveKey moves the cursor on the list's movement keys (never letters:
// they type into the filter) and reports whether it did.
func (b *browserModel) moveKey(km tea.KeyMsg) bool {
	k := b.c.keys
	switch {
	case key.Matches(km, k.ListUp):
		b.move(-1)
	case key.Matches(km, k.ListDown):
		b.move(1)
	case key.Matches(km, k.ListPageUp):
		b.move(-max(1, b.listHeight()/2))
	case key.Matches(km, k.ListPageDown):
		b.move(max(1, b.listHeight()/2))
	case key.Matches(km, k.ListTop):
		b.move(-len(b.visible))
	case key.Matches(km, k.ListBottom):
		b.move(len(b.visible))
	default:
		return false
	}
	return true
}

// startsFilter reports whether text typed on the list begins a filter:
// letters, digits and '-' (text typed quickly arrives as one message with
// several runes).
func startsFilter(km tea.KeyMsg) bool {
	if km.Type != tea.KeyRunes || len(km.Runes) == 0 || km.Alt {
		return false
	}
	if km.Paste {
		return true // pasted text filters, whatever it holds
	}
	for _, r := range km.Runes {
		if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// maxFilter caps the filter's length in runes: a paste of a whole file
// must not fill the screen (no lab's id or title is near that long).
const maxFilter = 256

// addFilter types text into the filter: line breaks, tabs and other
// control characters become spaces, and what goes past maxFilter is
// dropped.
func (b *browserModel) addFilter(text []rune) {
	r := []rune(b.filter)
	for _, c := range text {
		if len(r) >= maxFilter {
			break
		}
		if unicode.IsControl(c) {
			c = ' '
		}
		r = append(r, c)
	}
	b.filter = string(r)
	b.applyFilter()
}

// filterKey edits the filter; the list follows on every key.
func (b *browserModel) filterKey(km tea.KeyMsg) tea.Cmd {
	k := b.c.keys
	switch {
	case km.Type == tea.KeyRunes || km.Type == tea.KeySpace:
		b.addFilter(km.Runes)
	case km.Type == tea.KeyBackspace:
		if r := []rune(b.filter); len(r) > 0 {
			b.filter = string(r[:len(r)-1])
			b.applyFilter()
		} else {
			b.filtering = false
		}
	case km.Type == tea.KeyCtrlU:
		b.filter = ""
		b.applyFilter()
	case key.Matches(km, k.ClearFilter):
		b.filter, b.filtering = "", false
		b.applyFilter()
	case key.Matches(km, k.Open):
		return b.open()
	case b.moveKey(km):
		// The list takes over; typing goes on adding to the filter.
		b.filtering = false
	}
	return nil
}

func (b *browserModel) move(d int) {
	if len(b.visible) == 0 {
		b.cursor = 0
		return
	}
	b.cursor = max(0, min(len(b.visible)-1, b.cursor+d))
	b.scroll()
}

// previewLines is the height of the selected lab's preview under the list
// (none on short terminals).
func (b *browserModel) previewLines() int {
	if b.height >= 14 {
		return 3
	}
	return 0
}

// listHeight is the number of list lines: the screen less the filter line,
// the blank line under it and the preview.
func (b *browserModel) listHeight() int { return max(1, b.height-2-b.previewLines()) }

// preview shows the selected lab in full: title, id (for the CLI),
// minutes and tags.
func (b *browserModel) preview() string {
	l := b.selected()
	if l == nil || b.previewLines() == 0 {
		return ""
	}
	s := b.c.styles
	rule := s.Muted.Render(strings.Repeat("─", max(0, b.width)))
	line1 := " " + s.Bold.Render(truncate(l.Title, b.width-2))
	facts := []string{l.ID}
	if !b.columns().showFacts {
		facts = append(facts, l.Difficulty, fmt.Sprintf("%d pts", l.Points))
	}
	facts = append(facts, fmt.Sprintf("~%d min", l.Minutes))
	if len(l.Tags) > 0 {
		facts = append(facts, "tags: "+strings.Join(l.Tags, ", "))
	}
	line2 := " " + s.Muted.Render(truncate(strings.Join(facts, " · "), b.width-2))
	return rule + "\n" + line1 + "\n" + line2
}

// layoutLines are the list's lines (domain headings, labs, gaps) and the
// line of each visible lab.
func (b *browserModel) layoutLines() (lines []string, labLine []int) {
	labLine = make([]int, len(b.visible))
	cols := b.columns()
	// The domains in the order of the list (by their best match when
	// filtered).
	var domains []labs.Domain
	for _, l := range b.visible {
		if !slices.Contains(domains, l.Domain) {
			domains = append(domains, l.Domain)
		}
	}
	for _, d := range domains {
		var in []int
		for i, l := range b.visible {
			if l.Domain == d {
				in = append(in, i)
			}
		}
		if len(in) == 0 {
			continue
		}
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, b.heading(d))
		for _, i := range in {
			labLine[i] = len(lines)
			lines = append(lines, b.row(b.visible[i], i == b.cursor, cols))
		}
	}
	return lines, labLine
}

// scroll keeps the cursor's line (and its domain heading, when it is the
// first of its group) on screen.
func (b *browserModel) scroll() {
	if len(b.visible) == 0 {
		b.offset = 0
		return
	}
	_, labLine := b.layoutLines()
	line := labLine[b.cursor]
	h := b.listHeight()
	top := line
	if line > 0 && (b.cursor == 0 || b.visible[b.cursor-1].Domain != b.visible[b.cursor].Domain) {
		top = line - 1 // show the heading too
	}
	if top < b.offset {
		b.offset = top
	}
	if line >= b.offset+h {
		b.offset = line - h + 1
	}
	b.offset = max(0, b.offset)
}

// heading is a domain's title line with how many of its labs are passed.
func (b *browserModel) heading(d labs.Domain) string {
	passed, n := 0, 0
	for _, l := range b.all {
		if l.Domain == d {
			n++
			if b.c.labProgress(l.ID).Status == store.StatusPassed {
				passed++
			}
		}
	}
	s := b.c.styles
	return " " + s.Heading.Render(d.Title()) + s.Muted.Render(fmt.Sprintf("  %d of %d passed", passed, n))
}

// columns are the widths of a row's columns for the current width.
type columns struct {
	id, title   int
	showFacts   bool // difficulty and points
	showMinutes bool
}

const (
	colDifficulty = 6  // "medium"
	colPoints     = 6  // "10 pts"
	colMinutes    = 7  // "~15 min"
	colStatus     = 13 // "◐ best 12/20"
)

// columns fits the row to the width. The id (what the CLI takes) and the
// status always show; the difficulty and points when the title keeps 20
// cells, the minutes when it keeps 40; the title takes what is left (the
// preview under the list has whatever the row lacks).
func (b *browserModel) columns() columns {
	c := columns{}
	for _, l := range b.all {
		c.id = max(c.id, lipgloss.Width(l.ID))
	}
	c.id = min(c.id, 26)
	left := b.width - (3 + c.id + 2 + 2 + colStatus + 1)
	if facts := colDifficulty + 2 + colPoints + 2; left-facts >= 20 {
		c.showFacts, left = true, left-facts
	}
	if c.showFacts && left-(colMinutes+2) >= 40 {
		c.showMinutes, left = true, left-(colMinutes+2)
	}
	titleW := 0
	for _, l := range b.all {
		titleW = max(titleW, lipgloss.Width(l.Title))
	}
	c.title = max(10, min(titleW, left))
	return c
}

func (b *browserModel) row(l *labs.Lab, selected bool, c columns) string {
	s := b.c.styles
	mark := "  "
	if selected {
		mark = s.Cursor.Render(glyphCursor) + " "
	}
	title := truncateWords(l.Title, c.title)
	title += strings.Repeat(" ", c.title-lipgloss.Width(title))
	if selected {
		title = s.Selected.Render(title)
	}
	id := truncate(l.ID, c.id)
	parts := []string{" " + mark, s.Muted.Render(id+strings.Repeat(" ", c.id-lipgloss.Width(id))) + "  ", title + "  "}
	if c.showFacts {
		parts = append(parts,
			s.difficulty(fmt.Sprintf("%-*s", colDifficulty, l.Difficulty))+"  ",
			fmt.Sprintf("%*s", colPoints, fmt.Sprintf("%d pts", l.Points))+"  ",
		)
	}
	if c.showMinutes {
		parts = append(parts, fmt.Sprintf("%*s", colMinutes, fmt.Sprintf("~%d min", l.Minutes))+"  ")
	}
	parts = append(parts, b.status(l))
	return strings.Join(parts, "")
}

// truncateWords cuts s to at most w cells, with an ellipsis, after a
// whole word (a space or a hyphen) when that keeps two thirds of it.
func truncateWords(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	cut := ansi.Truncate(s, w-1, "")
	if strings.HasPrefix(s[len(cut):], " ") {
		return strings.TrimRight(cut, " ,:;(") + "…"
	}
	if i := strings.LastIndexAny(cut, " -"); i > 0 && lipgloss.Width(cut[:i+1]) >= 2*w/3 {
		cut = strings.TrimRight(cut[:i+1], " ,:;(")
	}
	return cut + "…"
}

// status is a lab's progress with a glyph, never by colour alone.
func (b *browserModel) status(l *labs.Lab) string {
	return statusText(b.c.styles, b.c.labProgress(l.ID), l.Points)
}

// statusText renders a lab's progress: ✓ passed, ◐ best N/M, … started, ○ new.
func statusText(s *Styles, lp state.LabProgress, points int) string {
	switch lp.Status {
	case store.StatusPassed:
		return s.Pass.Render(glyphPass + " passed")
	case store.StatusPartial:
		m := lp.Max
		if m == 0 {
			m = points
		}
		return s.Warn.Render(fmt.Sprintf("%s best %d/%d", glyphPartial, lp.Best, m))
	case store.StatusStarted:
		return s.Info.Render(glyphStarted + " started")
	}
	return s.Muted.Render(glyphNew + " new")
}

func (b *browserModel) View() string {
	s := b.c.styles
	var top string
	switch {
	case b.filtering:
		count := fmt.Sprintf("   %d of %d labs", len(b.visible), len(b.all))
		text := keepEnd(b.filter, b.width-lipgloss.Width(" / ▏"+count))
		top = " " + s.Filter.Render("/ "+text) + "▏" + s.Muted.Render(count)
	case b.filter != "":
		count := fmt.Sprintf("   %d of %d labs · esc clears", len(b.visible), len(b.all))
		text := keepEnd(b.filter, b.width-lipgloss.Width(" filter: "+count))
		top = " " + s.Filter.Render("filter: "+text) + s.Muted.Render(count)
	case b.loadErr != nil:
		top = " " + s.Fail.Render(glyphFail+" The labs could not be loaded")
	case b.cat == nil:
		top = " Loading the labs…"
	default:
		top = " " + s.Muted.Render(fmt.Sprintf("%d labs · type to filter · enter opens", len(b.all)))
	}
	if b.loadErr != nil {
		return top + "\n\n" + indentLines(wrapText(b.loadErr.Error(), b.width-4), "   ")
	}
	if b.cat != nil && len(b.visible) == 0 {
		return truncate(top, b.width) + "\n\n" + indentLines(wrapText("No lab matches “"+truncate(b.filter, 40)+"”. Backspace edits the filter, esc clears it.", b.width-4), "   ")
	}
	lines, _ := b.layoutLines()
	end := min(len(lines), b.offset+b.listHeight())
	start := min(b.offset, end)
	view := lines[start:end]
	for i := range view {
		view[i] = truncate(view[i], b.width)
	}
	for len(view) < b.listHeight() {
		view = append(view, "")
	}
	out := truncate(top, b.width) + "\n\n" + strings.Join(view, "\n")
	if p := b.preview(); p != "" {
		out += "\n" + p
	}
	return out
}

func (b *browserModel) ShortHelp() []key.Binding {
	k := b.c.keys
	if b.filtering {
		return []key.Binding{k.Open, k.ListUp, k.ListDown, k.ClearFilter, k.ForceQuit}
	}
	back := k.Back
	if b.filter != "" {
		back = k.ClearFilter
	}
	return []key.Binding{k.ListUp, k.ListDown, k.Open, k.Filter, back, k.Help, k.ForceQuit}
}

func (b *browserModel) FullHelp() [][]key.Binding {
	k := b.c.keys
	if b.filtering {
		return [][]key.Binding{{k.Open, k.ListUp, k.ListDown}, {k.ClearFilter, k.ForceQuit}}
	}
	return [][]key.Binding{
		{k.ListUp, k.ListDown, k.ListPageUp, k.ListPageDown, k.ListTop, k.ListBottom},
		{k.Open, k.Filter, k.ClearFilter, k.Back},
		{k.Help, k.ForceQuit},
	}
}
