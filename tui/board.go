package tui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/class"
)

// The class board: the instructor's live view of a room (learners ×
// labs, or × exam tasks), refreshed every few seconds by a command that
// reads the class; a failed refresh keeps the last good board and says
// so. enter drills into a learner's last run of a lab with its
// why-lines, m shows the checks most failed. RunBoard runs it as its own
// program (ckadlab class board).

// BoardLoader reads a class, its learners' records and the running class
// exam (nil when none).
type BoardLoader func(ctx context.Context) (*class.Class, []class.Record, *class.Exam, error)

// BoardConfig is what the board screen is built from.
type BoardConfig struct {
	Load BoardLoader
	// Interval between refreshes (DefaultBoardInterval when 0).
	Interval time.Duration
	// Timeout bounds one read of the class (DefaultBoardTimeout when 0).
	Timeout time.Duration
	Color   bool
	// Now is the clock (tests inject a fixed one).
	Now func() time.Time
}

// Board refresh defaults.
const (
	DefaultBoardInterval = 3 * time.Second
	DefaultBoardTimeout  = 20 * time.Second
)

// Board messages.
type (
	boardLoadedMsg struct {
		board *class.Board
		err   error
	}
	// boardTickMsg asks for a refresh; one of an older chain (gen) is
	// dropped, so a refresh by key never doubles the ticking.
	boardTickMsg struct{ gen int }
)

// Board cell layout.
const (
	boardCellW  = 10 // a cursor mark and "◐ 100/120"
	boardTotalW = 13 // "46/46 ✓, 100%"
	boardNameW  = 16 // the longest learner name shown whole
)

type boardView int

const (
	boardGrid boardView = iota
	boardHeat
	boardDrill
)

// boardModel is the board screen.
type boardModel struct {
	keys   *KeyMap
	styles *Styles
	cfg    BoardConfig
	ctx    context.Context

	board   *class.Board
	updated time.Time // when board was read
	err     error     // the last refresh's error (the board is older)
	loading bool
	gen     int

	view           boardView
	row, col       int // the cursor: a learner, a column
	rowOff, colOff int // the first row and column shown
	drilled        string
	vp             viewport.Model
	note           string // a one-off line about the last key (nothing to drill)
	width, height  int
}

func newBoard(ctx context.Context, keys *KeyMap, styles *Styles, cfg BoardConfig) *boardModel {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultBoardInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultBoardTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &boardModel{keys: keys, styles: styles, cfg: cfg, ctx: ctx, vp: newViewport(keys)}
}

// Init reads the class for the first time.
func (m *boardModel) Init() tea.Cmd { return m.load() }

// load reads the class and builds its board in a command (never in
// Update).
func (m *boardModel) load() tea.Cmd {
	if m.cfg.Load == nil {
		return send(boardLoadedMsg{err: errors.New("no class to read")})
	}
	m.loading = true
	load, parent, timeout := m.cfg.Load, m.ctx, m.cfg.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		c, recs, ex, err := load(ctx)
		if err != nil {
			return boardLoadedMsg{err: err}
		}
		if c == nil {
			return boardLoadedMsg{err: errors.New("the class could not be read (none returned)")}
		}
		return boardLoadedMsg{board: class.BuildBoard(c, recs, ex)}
	}
}

func (m *boardModel) tick() tea.Cmd {
	m.gen++
	gen := m.gen
	return tea.Tick(m.cfg.Interval, func(time.Time) tea.Msg { return boardTickMsg{gen: gen} })
}

func (m *boardModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.vp.Width, m.vp.Height = w, max(1, h-2)
	m.fillViewport()
	m.scroll()
}

func (m *boardModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case boardLoadedMsg:
		m.loading = false
		if msg.err != nil {
			m.err = msg.err
		} else {
			m.board, m.err, m.updated = msg.board, nil, m.cfg.Now()
			m.clamp()
			m.fillViewport()
		}
		return m, m.tick()
	case boardTickMsg:
		if msg.gen != m.gen || m.loading {
			return m, nil
		}
		return m, m.load()
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *boardModel) key(km tea.KeyMsg) tea.Cmd {
	k := m.keys
	m.note = ""
	switch {
	case key.Matches(km, k.Back):
		if m.view != boardGrid {
			m.view = boardGrid
			return nil
		}
		return back
	case key.Matches(km, k.Refresh):
		if m.loading {
			m.note = "Already reading the class…"
			return nil
		}
		return m.load()
	case key.Matches(km, k.HeatMap):
		if m.view == boardHeat {
			m.view = boardGrid
		} else {
			m.view = boardHeat
			m.fillViewport()
			m.vp.GotoTop()
		}
		return nil
	}
	if m.view != boardGrid {
		switch {
		case key.Matches(km, k.Top):
			m.vp.GotoTop()
		case key.Matches(km, k.Bottom):
			m.vp.GotoBottom()
		default:
			var cmd tea.Cmd
			m.vp, cmd = m.vp.Update(km)
			return cmd
		}
		return nil
	}
	if m.board == nil {
		return nil
	}
	rows := len(m.board.Rows)
	switch {
	case key.Matches(km, k.Up):
		m.row--
	case key.Matches(km, k.Down):
		m.row++
	case key.Matches(km, k.Left):
		m.col--
	case key.Matches(km, k.Right):
		m.col++
	case key.Matches(km, k.PageUp):
		m.row -= m.visibleRows()
	case key.Matches(km, k.PageDown):
		m.row += m.visibleRows()
	case key.Matches(km, k.Top):
		m.row = 0
	case key.Matches(km, k.Bottom):
		m.row = rows - 1
	case key.Matches(km, k.DrillIn):
		m.openDrill()
	}
	m.clamp()
	return nil
}

// openDrill shows the learner's last run in the cursor's column.
func (m *boardModel) openDrill() {
	if len(m.board.Rows) == 0 || len(m.board.Columns) == 0 {
		return
	}
	row, col := m.board.Rows[m.row], m.board.Columns[m.col]
	if _, ok := m.board.Drill(row.Learner, col.Key); !ok {
		m.note = fmt.Sprintf("%s has not run %s yet.", row.Learner, m.columnLabel(col))
		return
	}
	m.view, m.drilled = boardDrill, row.Learner+"\x00"+col.Key
	m.fillViewport()
	m.vp.GotoTop()
}

// clamp keeps the cursor on the board and in view.
func (m *boardModel) clamp() {
	if m.board == nil {
		return
	}
	m.row = max(0, min(m.row, len(m.board.Rows)-1))
	m.col = max(0, min(m.col, len(m.board.Columns)-1))
	m.scroll()
}

// scroll moves the window of rows and columns shown so that the cursor
// is in it.
func (m *boardModel) scroll() {
	vr, vc := m.visibleRows(), m.visibleCols()
	if m.row < m.rowOff {
		m.rowOff = m.row
	}
	if m.row >= m.rowOff+vr {
		m.rowOff = m.row - vr + 1
	}
	if m.col < m.colOff {
		m.colOff = m.col
	}
	if m.col >= m.colOff+vc {
		m.colOff = m.col - vc + 1
	}
	m.rowOff, m.colOff = max(0, m.rowOff), max(0, m.colOff)
}

// The grid's lines: title, column heads, the rows, the class's row, two
// lines about the cursor's cell and column, the status line.
const boardChrome = 6

func (m *boardModel) visibleRows() int {
	extra := 0
	if m.board != nil && len(m.board.Apart) > 0 {
		extra = 1
	}
	return max(1, m.height-boardChrome-extra)
}

// apartLine says which records are not on the board (learners not in
// the roster, records that make no sense): never dropped silently.
func (m *boardModel) apartLine() string {
	b := m.board
	var who []string
	for _, a := range b.Apart {
		if name := a.Record.Learner; name != "" && !slices.Contains(who, name) {
			who = append(who, name)
		}
	}
	text := fmt.Sprintf(" %s %d record(s) not on the board (%s): class report lists them with why", glyphWarn, len(b.Apart), strings.Join(who, ", "))
	return m.styles.Warn.Render(truncate(text, m.width))
}

func (m *boardModel) nameW() int {
	w := 7 // "Learner"
	if m.board != nil {
		for _, r := range m.board.Rows {
			w = max(w, lipgloss.Width(r.Learner))
		}
	}
	return min(w, boardNameW) + 3 // the cursor mark and a space before, a space after
}

func (m *boardModel) visibleCols() int {
	return max(1, (m.width-m.nameW()-boardTotalW-1)/boardCellW)
}

func (m *boardModel) View() string {
	s := m.styles
	var body string
	switch {
	case m.board == nil && m.err != nil:
		body = " " + s.Fail.Render(glyphFail+" The class could not be read") + "\n\n" +
			indentLines(wrapText(m.err.Error(), m.width-4), "   ")
	case m.board == nil:
		body = " Reading the class…"
	case m.view == boardGrid:
		body = m.gridView()
	default:
		body = m.title() + "\n" + m.vp.View()
	}
	lines := strings.Split(body, "\n")
	lines = lines[:min(len(lines), max(0, m.height-1))]
	for len(lines) < m.height-1 {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, m.statusLine()), "\n")
}

// title is the board's first line.
func (m *boardModel) title() string {
	b, s := m.board, m.styles
	var t string
	switch m.view {
	case boardHeat:
		t = s.Heading.Render(b.Title()+": checks most failed") + s.Muted.Render(fmt.Sprintf("  %d failing", len(b.Heat)))
	case boardDrill:
		t = s.Heading.Render(b.Title() + ": last run")
	default:
		ran := 0
		for _, r := range b.Rows {
			if r.Ran > 0 {
				ran++
			}
		}
		sum := fmt.Sprintf("  %d learners · %d started · mean %s%%", len(b.Rows), ran, class.Num(b.Mean))
		if b.Exam != nil {
			sum += fmt.Sprintf(" · %d passed", b.Passed)
		}
		t = s.Heading.Render(b.Title()) + s.Muted.Render(sum)
	}
	return truncate(" "+t, m.width)
}

func (m *boardModel) columnLabel(c class.Column) string {
	if c.Task > 0 {
		if c.Lab == "" {
			return fmt.Sprintf("task %d", c.Task)
		}
		return fmt.Sprintf("task %d: %s", c.Task, c.Lab)
	}
	return c.Lab
}

func (m *boardModel) gridView() string {
	b, s := m.board, m.styles
	nw := m.nameW()
	vc := m.visibleCols()
	first, last := m.colOff, min(len(b.Columns), m.colOff+vc)
	pad := func(text string, w int) string {
		text = truncate(text, w)
		return text + strings.Repeat(" ", max(0, w-lipgloss.Width(text)))
	}
	var out []string
	out = append(out, m.title())

	head := pad("", 2) + pad("Learner", nw-2) + pad("Total", boardTotalW)
	for j := first; j < last; j++ {
		c := b.Columns[j]
		label := c.Lab
		if c.Task > 0 {
			label = fmt.Sprintf("%d %s", c.Task, c.Lab)
		}
		mark := " "
		if j == m.col {
			mark = glyphCursor
		}
		head += pad(mark+strings.TrimSpace(label), boardCellW)
	}
	if first > 0 || last < len(b.Columns) {
		head += s.Muted.Render(fmt.Sprintf(" %d–%d/%d", first+1, last, len(b.Columns)))
	}
	out = append(out, truncate(s.Muted.Render(head), m.width))

	if len(b.Rows) == 0 {
		out = append(out, "   No learners in this class.")
	}
	vr := m.visibleRows()
	for i := m.rowOff; i < min(len(b.Rows), m.rowOff+vr); i++ {
		r := b.Rows[i]
		name := "  " + pad(r.Learner, nw-3) + " "
		if i == m.row {
			name = s.Cursor.Render(glyphCursor+" ") + s.Selected.Render(pad(r.Learner, nw-3)) + " "
		}
		line := name + pad(m.total(r), boardTotalW)
		for j := first; j < last; j++ {
			c := r.Cells[j]
			mark := " "
			if i == m.row && j == m.col {
				mark = glyphCursor
			}
			line += mark + m.cellStyle(c).Render(pad(c.Short(), boardCellW-1))
		}
		out = append(out, truncate(line, m.width))
	}
	// The class's row: full marks of those who ran, per column.
	cl := "  " + pad("class", nw-2) + pad("mean "+class.Num(b.Mean)+"%", boardTotalW)
	for j := first; j < last; j++ {
		c := b.Columns[j]
		sum := glyphPending
		if c.Ran > 0 {
			sum = fmt.Sprintf("%d/%d %s", c.Passed, c.Ran, glyphPass)
		}
		cl += " " + pad(sum, boardCellW-1)
	}
	out = append(out, truncate(s.Bold.Render(cl), m.width))
	if len(b.Apart) > 0 {
		out = append(out, m.apartLine())
	}
	out = append(out, m.cursorLines()...)
	return strings.Join(out, "\n")
}

// total is a learner's total for the grid.
func (m *boardModel) total(r class.Row) string {
	if m.board.Exam != nil {
		mark := glyphFail
		if r.ExamPassed {
			mark = glyphPass
		}
		return fmt.Sprintf("%s%% %s", class.Num(r.Percent), mark)
	}
	if r.Ran == 0 {
		return glyphPending
	}
	return fmt.Sprintf("%d/%d %s %s%%", r.Passed, len(m.board.Columns), glyphPass, class.Num(r.Percent))
}

func (m *boardModel) cellStyle(c class.Cell) lipgloss.Style {
	s := m.styles
	switch {
	case !c.Ran:
		return s.Muted
	case c.Passed:
		return s.Pass
	case c.Score > 0:
		return s.Warn
	}
	return s.Fail
}

// cursorLines say what the cursor is on: the cell, then its column.
func (m *boardModel) cursorLines() []string {
	b, s := m.board, m.styles
	ran := false
	for _, r := range b.Rows {
		ran = ran || r.Ran > 0
	}
	if !ran || len(b.Columns) == 0 {
		return []string{"", s.Muted.Render(truncate(" No results yet: each learner's ckadlab records every check run here.", m.width))}
	}
	r, c := b.Rows[m.row], b.Columns[m.col]
	cell := r.Cells[m.col]
	what := fmt.Sprintf(" %s · %s", r.Learner, m.columnLabel(c))
	if cell.Ran {
		what += fmt.Sprintf(" · %s (%s%%) · %s · %s · enter: last run", cell.Short(), class.Num(roundPct(cell.Percent())), attempts(cell.Attempts), ago(m.cfg.Now(), cell.At))
	} else {
		what += " · not run yet"
	}
	col := fmt.Sprintf(" %s", m.columnLabel(c))
	if c.Domain != "" {
		col += " (" + class.Domain{Domain: c.Domain}.Title() + ")"
	}
	col += fmt.Sprintf(": %d of %d ran, %d full marks, mean %s%%", c.Ran, len(b.Rows), c.Passed, class.Num(c.Mean))
	if b.Exam != nil {
		col += " (not run counts 0)"
	}
	return []string{truncate(what, m.width), s.Muted.Render(truncate(col, m.width))}
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

func roundPct(x float64) float64 { return math.Round(x*10) / 10 }

// ago is how long ago t was: "just now", "4m ago", "2h ago", then the date.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return t.In(now.Location()).Format("2006-01-02 15:04")
}

// statusLine is the board's last line: when it was read, or why the last
// refresh failed (the board shown is the last good one).
func (m *boardModel) statusLine() string {
	s := m.styles
	var line string
	switch {
	case m.note != "":
		line = s.Info.Render(" " + m.note)
	case m.err != nil && m.board != nil:
		line = s.StatusErr.Render(fmt.Sprintf(" %s refresh failed: %s (showing the board read at %s)", glyphWarn,
			oneLine(m.err.Error()), m.updated.Format("15:04:05")))
	case m.board == nil && m.err != nil:
		line = s.Muted.Render(fmt.Sprintf(" Trying again every %s; r tries now.", m.cfg.Interval))
	case m.board == nil:
		line = ""
	default:
		line = s.Muted.Render(fmt.Sprintf(" Read at %s · refreshes every %s", m.updated.Format("15:04:05"), m.cfg.Interval))
		if m.loading {
			line += s.Muted.Render(" · reading…")
		}
	}
	return truncate(line, m.width)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fillViewport puts the heat map or the drilled record in the viewport.
func (m *boardModel) fillViewport() {
	if m.board == nil {
		return
	}
	switch m.view {
	case boardHeat:
		m.vp.SetContent(m.heatContent())
	case boardDrill:
		m.vp.SetContent(m.drillContent())
	}
}

func (m *boardModel) heatContent() string {
	b, s := m.board, m.styles
	if len(b.Heat) == 0 {
		return "\n   No check is failing: every check run passed."
	}
	var out []string
	out = append(out, s.Muted.Render(fmt.Sprintf("   %-7s %-10s %s", "failing", "", "lab / check · learners failing")))
	for _, h := range b.Heat {
		const barW = 10
		filled := 0
		if h.Ran > 0 {
			filled = (h.Failing*barW + h.Ran - 1) / h.Ran
		}
		bar := strings.Repeat("█", filled) + strings.Repeat("░", barW-filled)
		where := h.Lab
		if h.Task > 0 {
			where = fmt.Sprintf("task %d %s", h.Task, h.Lab)
		}
		line := fmt.Sprintf("   %-7s %s %s / %s · %s", fmt.Sprintf("%d/%d", h.Failing, h.Ran), s.Fail.Render(bar), where, h.Check,
			strings.Join(h.Learners, ", "))
		out = append(out, truncate(line, m.width))
	}
	return strings.Join(out, "\n")
}

func (m *boardModel) drillContent() string {
	s := m.styles
	learner, col, _ := strings.Cut(m.drilled, "\x00")
	r, ok := m.board.Drill(learner, col)
	if !ok {
		return "\n   " + learner + " has no run here any more."
	}
	w := m.width
	var b strings.Builder
	where := r.Lab
	if r.Task > 0 {
		where = fmt.Sprintf("task %d: %s", r.Task, r.Lab)
	}
	fmt.Fprintf(&b, " %s · %s", s.Bold.Render(r.Learner), where)
	if r.Domain != "" {
		fmt.Fprintf(&b, " (%s)", class.Domain{Domain: r.Domain}.Title())
	}
	fmt.Fprintf(&b, " · variant %d\n", r.Variant)
	cell := class.Cell{Ran: true, Score: r.Score, Max: r.Max, Passed: r.Max > 0 && r.Score == r.Max}
	fmt.Fprintf(&b, " %s · %s · last run %s (%s)\n", m.cellStyle(cell).Render(cell.Short()), attempts(r.Attempts),
		r.At.In(m.cfg.Now().Location()).Format("2006-01-02 15:04:05"), ago(m.cfg.Now(), r.At))
	for _, c := range r.Checks {
		mark := s.Pass.Render(glyphPass)
		switch {
		case c.Ungraded:
			mark = s.Muted.Render("–")
		case !c.Passed:
			mark = s.Fail.Render(glyphFail)
		}
		b.WriteString("\n" + truncate(fmt.Sprintf("   %s %s  %d/%d", mark, c.ID, c.Points, c.Max), w))
		if c.Passed || c.Ungraded {
			continue
		}
		if c.Expected != "" {
			b.WriteString("\n" + hangingAfter("       expected: ", oneLine(c.Expected), w))
		}
		if c.Observed != "" {
			b.WriteString("\n" + hangingAfter("       observed: ", oneLine(c.Observed), w))
		}
		for _, why := range c.Why {
			b.WriteString("\n" + hangingAfter("       why: ", oneLine(why), w))
		}
	}
	return b.String()
}

func (m *boardModel) crumbs() []string {
	switch m.view {
	case boardHeat:
		return []string{"Board", "Checks most failed"}
	case boardDrill:
		learner, col, _ := strings.Cut(m.drilled, "\x00")
		return []string{"Board", learner + " " + col}
	}
	return []string{"Board"}
}

func (m *boardModel) ShortHelp() []key.Binding {
	k := m.keys
	if m.view != boardGrid {
		return []key.Binding{k.Up, k.Down, k.HeatMap, k.Refresh, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Up, k.Down, k.Left, k.Right, k.DrillIn, k.HeatMap, k.Refresh, k.Help, k.Quit}
}

func (m *boardModel) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.Down, k.Left, k.Right, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.DrillIn, k.HeatMap, k.Refresh}, {k.Back, k.Help, k.Quit, k.ForceQuit}}
}

// boardApp runs the board as a program of its own: the header bar, the
// board, the help; back from the board quits.
type boardApp struct {
	keys          KeyMap
	styles        Styles
	help          help.Model
	board         *boardModel
	cancel        context.CancelFunc
	width, height int
}

func newBoardApp(ctx context.Context, cfg BoardConfig) *boardApp {
	ctx, cancel := context.WithCancel(ctx)
	a := &boardApp{keys: DefaultKeyMap(), styles: NewStyles(cfg.Color), help: help.New(), cancel: cancel}
	if !cfg.Color {
		plain, bold := lipgloss.NewStyle(), lipgloss.NewStyle().Bold(true)
		a.help.Styles = help.Styles{Ellipsis: plain, ShortKey: bold, ShortDesc: plain, ShortSeparator: plain,
			FullKey: bold, FullDesc: plain, FullSeparator: plain}
	}
	a.board = newBoard(ctx, &a.keys, &a.styles, cfg)
	return a
}

// RunBoard runs the class board on the terminal until the instructor
// quits.
func RunBoard(ctx context.Context, cfg BoardConfig, opts ...tea.ProgramOption) error {
	a := newBoardApp(ctx, cfg)
	defer a.cancel()
	opts = append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, opts...)
	_, err := tea.NewProgram(a, opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (a *boardApp) Init() tea.Cmd { return a.board.Init() }

func (a *boardApp) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.layout()
		return a, nil
	case backMsg:
		return a, a.quit()
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, a.keys.ForceQuit), key.Matches(msg, a.keys.Quit):
			return a, a.quit()
		case a.tooSmall():
			return a, nil
		case key.Matches(msg, a.keys.Help):
			a.help.ShowAll = !a.help.ShowAll
			desc := "more keys"
			if a.help.ShowAll {
				desc = "fewer keys"
			}
			a.keys.Help.SetHelp("?", desc)
			a.layout()
			return a, nil
		}
		_, cmd := a.board.Update(msg)
		a.layout()
		return a, cmd
	}
	_, cmd := a.board.Update(msg)
	return a, cmd
}

func (a *boardApp) quit() tea.Cmd {
	a.cancel()
	return tea.Quit
}

func (a *boardApp) tooSmall() bool { return a.width < MinWidth || a.height < MinHeight }

func (a *boardApp) helpView() string {
	a.help.Width = a.width
	lines := strings.Split(a.help.View(a.board), "\n")
	for i, l := range lines {
		lines[i] = truncate(l, a.width)
	}
	return strings.Join(lines, "\n")
}

func (a *boardApp) layout() {
	if a.width == 0 {
		return
	}
	a.board.SetSize(a.width, max(1, a.height-1-lipgloss.Height(a.helpView())))
}

func (a *boardApp) View() string {
	if a.width == 0 {
		return "Loading the class board…"
	}
	if a.tooSmall() {
		return (&Model{styles: a.styles, width: a.width, height: a.height}).tooSmallView()
	}
	s := a.styles
	bar := s.HeaderBar
	on := func(st lipgloss.Style, text string) string { return st.Inherit(bar).Render(text) }
	crumbs := []string{on(s.Title, "ckadlab")}
	for _, c := range a.board.crumbs() {
		crumbs = append(crumbs, on(s.Crumb, c))
	}
	left := on(lipgloss.NewStyle(), " ") + strings.Join(crumbs, on(lipgloss.NewStyle(), " › "))
	header := truncate(left+on(lipgloss.NewStyle(), strings.Repeat(" ", max(0, a.width-lipgloss.Width(left)))), a.width)
	bodyH := max(1, a.height-1-lipgloss.Height(a.helpView()))
	body := lipgloss.NewStyle().Width(a.width).Height(bodyH).MaxHeight(bodyH).MaxWidth(a.width).Render(a.board.View())
	return lipgloss.JoinVertical(lipgloss.Left, header, body, a.helpView())
}
