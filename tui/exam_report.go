package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/exam"
)

// examReportModel is the graded exam: the verdict, per domain and per
// task; enter opens the review of a task (every check with expected,
// observed and why, then the reference solution).
type examReportModel struct {
	c       *common
	res     *exam.Result
	cursor  int
	review  bool // showing the review of the task under the cursor
	whyFull bool // the review explains with the whole path, not only the cause
	vp      viewport.Model
	offset  int
	width   int
	height  int
	lastKey int // the task the review viewport holds (-1 none)
	// notSaved says the result could not be stored, and why.
	notSaved error
}

// showResultMsg shows a graded exam (the exam screen navigates here with it).
type showResultMsg struct {
	res      *exam.Result
	notSaved error // the result could not be stored (shown all the same)
}

func (showResultMsg) owner() screenID { return screenExamReport }

// newExamReport is the report screen; an exam graded before the app
// started opens on it.
func newExamReport(c *common, e *exam.Exam) *examReportModel {
	r := &examReportModel{c: c, vp: newViewport(c.keys), lastKey: -1}
	if e != nil && e.Done() {
		r.set(e.Result)
	}
	return r
}

func (r *examReportModel) crumbs() []string {
	if r.review {
		return []string{"Exam", "Report", "Review"}
	}
	return []string{"Exam", "Report"}
}

func (r *examReportModel) set(res *exam.Result) {
	r.res, r.cursor, r.review, r.offset, r.lastKey = res, 0, false, 0, -1
}

func (r *examReportModel) Init() tea.Cmd { return nil }

func (r *examReportModel) SetSize(w, h int) {
	widthChanged := w != r.width
	r.width, r.height = w, h
	r.vp.Width, r.vp.Height = w, max(1, h-2)
	if widthChanged {
		// The review is wrapped to the width (the root sizes the screens
		// after every key: only a new width refills it).
		r.lastKey = -1
		r.fillReview()
	}
}

func (r *examReportModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if sr, ok := msg.(showResultMsg); ok {
		r.set(sr.res)
		r.notSaved = sr.notSaved
		return r, nil
	}
	km, ok := msg.(tea.KeyMsg)
	if !ok || r.res == nil {
		return r, nil
	}
	if keys := splitKeys(km); len(keys) > 1 {
		var cmds []tea.Cmd
		for _, k := range keys {
			_, c := r.Update(k)
			cmds = append(cmds, c)
		}
		return r, tea.Batch(cmds...)
	}
	k := r.c.keys
	n := len(r.res.Tasks)
	if r.review {
		switch {
		case key.Matches(km, k.Back):
			r.review = false
		case key.Matches(km, k.NextTask):
			r.cursor = (r.cursor + 1) % n
			r.fillReview()
		case key.Matches(km, k.PrevTask):
			r.cursor = (r.cursor - 1 + n) % n
			r.fillReview()
		case key.Matches(km, k.Top):
			r.vp.GotoTop()
		case key.Matches(km, k.Bottom):
			r.vp.GotoBottom()
		case key.Matches(km, k.WhyFull):
			r.whyFull, r.lastKey = !r.whyFull, -1
			off := r.vp.YOffset
			r.fillReview()
			r.vp.SetYOffset(off)
		default:
			var cmd tea.Cmd
			r.vp, cmd = r.vp.Update(km)
			return r, cmd
		}
		return r, nil
	}
	switch {
	case key.Matches(km, k.Up):
		r.cursor = max(0, r.cursor-1)
	case key.Matches(km, k.Down):
		r.cursor = min(n-1, r.cursor+1)
	case key.Matches(km, k.Top):
		r.cursor = 0
	case key.Matches(km, k.Bottom):
		r.cursor = n - 1
	case key.Matches(km, k.Review):
		r.review = true
		r.fillReview()
	}
	r.scroll()
	return r, nil
}

// fillReview puts the review of the task under the cursor in the viewport.
func (r *examReportModel) fillReview() {
	if r.res == nil || len(r.res.Tasks) == 0 || r.lastKey == r.cursor {
		return
	}
	r.lastKey = r.cursor
	r.vp.SetContent(r.reviewText(r.res.Tasks[r.cursor]))
	r.vp.GotoTop()
}

// reviewText is one task's review: each check, and the reference solution.
func (r *examReportModel) reviewText(t exam.TaskResult) string {
	s := r.c.styles
	w := max(20, r.width-2)
	var b strings.Builder
	mark := s.Fail.Render(glyphFail)
	if t.Full() {
		mark = s.Pass.Render(glyphPass)
	}
	fmt.Fprintf(&b, " %s %s  %s\n", mark, s.Bold.Render(t.Title), s.Muted.Render(fmt.Sprintf("%s/%d points · checks %d/%d · %s", exam.Num(t.Earned), t.Points, t.Score, t.Max, t.Lab)))
	if t.Context != "" {
		b.WriteString("   " + s.Muted.Render(fmt.Sprintf("weight %d%% · context %s · namespace %s", t.Weight, t.Context, t.Namespace)) + "\n")
	}
	if t.Note != "" {
		b.WriteString("\n " + s.Heading.Render("Your note") + "\n")
		b.WriteString(indentLines(wrapText(t.Note, w-4), "   ") + "\n")
	}
	if t.NotAnswered {
		b.WriteString("\n" + indentLines(wrapText(s.Fail.Render("Not answered: ")+"the task's workspace had no answer, so it scores 0 and its checks were not run.", w-2), " ") + "\n")
	}
	if t.Error != "" {
		b.WriteString("\n" + indentLines(wrapText(s.Fail.Render("Could not be graded: ")+t.Error, w-2), " ") + "\n")
	}
	if len(t.Checks) > 0 {
		b.WriteString("\n " + s.Heading.Render("Checks") + "\n")
	}
	for _, c := range t.Checks {
		m := s.Pass.Render(glyphPass)
		switch {
		case c.Ungraded || t.NotRun:
			m = s.Muted.Render("–")
		case !c.Passed:
			m = s.Fail.Render(glyphFail)
		}
		b.WriteString(truncate(fmt.Sprintf(" %s %2d/%-2d %s", m, c.Points, c.Max, c.Description), w+1) + "\n")
		if t.NotRun {
			b.WriteString(hanging(8, "", s.Muted.Render(c.Observed), w-8) + "\n")
			continue
		}
		if c.Passed || c.Ungraded {
			continue
		}
		b.WriteString(hanging(8, s.Label.Render("expected "), c.Expected, w-8) + "\n")
		b.WriteString(hanging(8, s.Label.Render("observed "), uniqueParts(c.Observed), w-8) + "\n")
		reasons, folded := c.Brief()
		if r.whyFull {
			reasons, folded = c.Explanation(), 0
		}
		reasons = uniqueLines(reasons)
		for i, why := range reasons {
			label := "     "
			if i == 0 {
				label = "why  "
			}
			if len(reasons) > 1 {
				why = hangingBullet(why, w-8-lipgloss.Width(label))
			}
			b.WriteString(hanging(8, s.Label.Render(label), why, w-8) + "\n")
		}
		if folded > 0 {
			b.WriteString(hanging(8, s.Label.Render("     "), s.Muted.Render(fmt.Sprintf("(%d more line(s) of the path: w)", folded)), w-8) + "\n")
		}
	}
	if len(t.Docs) > 0 {
		b.WriteString("\n " + s.Heading.Render("Documentation allowed") + "\n")
		for _, d := range t.Docs {
			b.WriteString(truncate("   "+d.Title+"  "+s.Muted.Render(d.URL), w+1) + "\n")
		}
	}
	sol := t.Solution
	if len(sol.Commands) > 0 || strings.TrimSpace(sol.Manifests) != "" {
		b.WriteString("\n " + s.Heading.Render("Reference solution") + "\n")
		for _, c := range sol.Commands {
			b.WriteString(indentLines(wrapText("$ "+strings.TrimSpace(c), w-4), "   ") + "\n")
		}
		if e := strings.TrimSpace(sol.Explanation); e != "" {
			b.WriteString("\n" + indentLines(wrapText(e, w-4), "   ") + "\n")
		}
		if m := strings.TrimSpace(sol.Manifests); m != "" {
			b.WriteString("\n" + indentLines(m, "   ") + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// hanging is a label and its text wrapped to width, indented by indent;
// the text's wrapped lines stay under its first line.
func hanging(indent int, label, text string, width int) string {
	lw := lipgloss.Width(label)
	lines := strings.Split(wrapText(text, width-lw), "\n")
	pad := strings.Repeat(" ", indent)
	for i, l := range lines {
		if i == 0 {
			lines[i] = pad + label + l
		} else {
			lines[i] = pad + strings.Repeat(" ", lw) + l
		}
	}
	return strings.Join(lines, "\n")
}

// summaryLines are the verdict and the per-domain results.
func (r *examReportModel) summaryLines() []string {
	s := r.c.styles
	res := r.res
	verdict := s.Pass.Render(glyphPass + " PASS")
	if !res.Passed {
		verdict = s.Fail.Render(glyphFail + " FAIL")
	}
	used := fmt.Sprintf("time used %s of %s", exam.Clock(time.Duration(res.TimeUsedSeconds)*time.Second), exam.Clock(time.Duration(res.DurationSeconds)*time.Second))
	if res.Expired {
		used += " (time ran out)"
	}
	lines := []string{
		" " + s.Bold.Render(verdict) + "  " + s.Bold.Render(exam.Num(res.Percent)+"%") + s.Muted.Render(fmt.Sprintf("  %s of %d points · %s%% to pass", exam.Num(res.Earned), res.Points, exam.Num(res.PassMark))),
		" " + s.Muted.Render(fmt.Sprintf("exam %s · seed %d · %s", res.Exam, res.Seed, used)),
		"",
	}
	if r.notSaved != nil {
		// Kept to the width: the rows are cut to it.
		for _, l := range strings.Split(hangingAfter(glyphWarn+" ", notSavedText(r.notSaved)+" `ckadlab exam --finish` grades it again once it can be saved.", r.width-2), "\n") {
			lines = append(lines, " "+s.Warn.Render(l))
		}
		lines = append(lines, "")
	}
	for _, d := range res.Domains {
		lines = append(lines, fmt.Sprintf(" %-14s %2d %s  %6s/%-3d %5s%%", d.Domain.Title(), d.Tasks, plural(d.Tasks, "task ", "tasks"), exam.Num(d.Earned), d.Points, exam.Num(d.Percent)))
	}
	return append(lines, "")
}

// listHeight is how many task rows fit under the summary.
func (r *examReportModel) listHeight() int {
	return max(1, r.height-len(r.summaryLines())-1)
}

func (r *examReportModel) scroll() {
	h := r.listHeight()
	if r.cursor < r.offset {
		r.offset = r.cursor
	}
	if r.cursor >= r.offset+h {
		r.offset = r.cursor - h + 1
	}
}

func (r *examReportModel) taskRow(i int) string {
	s := r.c.styles
	t := r.res.Tasks[i]
	cur := "  "
	title := t.Title
	if i == r.cursor {
		cur = s.Cursor.Render(glyphCursor) + " "
		title = s.Selected.Render(title)
	}
	mark := s.Fail.Render(glyphFail)
	if t.Full() {
		mark = s.Pass.Render(glyphPass)
	}
	flag := " "
	if t.Flagged {
		flag = s.Warn.Render(glyphFlag)
	}
	score := fmt.Sprintf("%5s/%-2d", exam.Num(t.Earned), t.Points)
	row := fmt.Sprintf("%s%s%s %2d. %s  ", cur, mark, flag, t.Number, score)
	return truncate(row+title, r.width)
}

func (r *examReportModel) View() string {
	if r.res == nil {
		return " The exam has not been graded yet."
	}
	s := r.c.styles
	if r.review {
		t := r.res.Tasks[r.cursor]
		pos := fmt.Sprintf(" %3.f%% ", r.vp.ScrollPercent()*100)
		if r.vp.TotalLineCount() <= r.vp.Height {
			pos = " all "
		}
		title := fmt.Sprintf(" Review: task %d of %d ", t.Number, len(r.res.Tasks))
		rule := s.Muted.Render("─" + title + strings.Repeat("─", max(0, r.width-lipgloss.Width(title)-lipgloss.Width(pos)-2)) + pos + "─")
		return rule + "\n" + r.vp.View()
	}
	lines := r.summaryLines()
	lines = append(lines, " "+s.Heading.Render("Tasks")+s.Muted.Render(" · enter reviews a task: checks, why, reference solution"))
	end := min(len(r.res.Tasks), r.offset+r.listHeight())
	for i := r.offset; i < end; i++ {
		lines = append(lines, r.taskRow(i))
	}
	for i := range lines {
		lines[i] = truncate(lines[i], r.width)
	}
	return strings.Join(lines, "\n")
}

func (r *examReportModel) ShortHelp() []key.Binding {
	k := r.c.keys
	if r.review {
		return []key.Binding{k.NextTask, k.PrevTask, k.Down, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Up, k.Down, k.Review, k.Help, k.Quit}
}

func (r *examReportModel) FullHelp() [][]key.Binding {
	k := r.c.keys
	if r.review {
		return [][]key.Binding{{k.NextTask, k.PrevTask, k.WhyFull}, {k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Back, k.Help, k.Quit}}
	}
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Review}, {k.Help, k.Quit, k.ForceQuit}}
}
