package class

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/exam"
)

// Report formats.
const (
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatJSON     = "json"
)

// Formats are the report formats, for help texts and errors.
var Formats = []string{FormatMarkdown, FormatCSV, FormatJSON}

// Mark is a cell's state as a glyph, never as colour alone: ✓ full
// marks, ◐ some points, ✗ none, · not run.
func (c Cell) Mark() string {
	switch {
	case !c.Ran:
		return "·"
	case c.Passed:
		return "✓"
	case c.Score > 0:
		return "◐"
	}
	return "✗"
}

// Short is the cell as the board shows it: "✓ 10/10", "◐ 4/10", "·".
func (c Cell) Short() string {
	if !c.Ran {
		return "·"
	}
	return fmt.Sprintf("%s %d/%d", c.Mark(), c.Score, c.Max)
}

// Title is the board's title: "Class ckad-mon: labs" or
// "Class ckad-mon: exam e20260314".
func (b *Board) Title() string {
	if b.Exam != nil {
		return fmt.Sprintf("Class %s: exam %s", b.Class, b.Exam.ID)
	}
	return fmt.Sprintf("Class %s: labs", b.Class)
}

// Report writes the board as md (tables: results, checks most failed,
// for an exam per task and per domain), csv (one row per learner and
// column, a header row first) or json (the Board, stable field names).
func Report(b *Board, format string, w io.Writer) error {
	if b == nil {
		return fmt.Errorf("no board to report")
	}
	switch format {
	case FormatMarkdown:
		_, err := io.WriteString(w, b.markdown())
		return err
	case FormatCSV:
		return b.csv(w)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(b)
	}
	return fmt.Errorf("unknown report format %q (choose %s)", format, strings.Join(Formats, ", "))
}

// Num formats a percent or points without trailing zeros.
func Num(x float64) string { return exam.Num(x) }

func (b *Board) markdown() string {
	var s strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&s, format, args...) }
	w("# %s\n\n", b.Title())
	ran := 0
	for _, r := range b.Rows {
		if r.Ran > 0 {
			ran++
		}
	}
	w("- Learners: %d (%d with results)\n", len(b.Rows), ran)
	if e := b.Exam; e != nil {
		w("- Exam: seed %d, %d tasks, %s, started %s, deadline %s\n", e.Seed, e.Tasks, e.Duration,
			e.Start.UTC().Format(time.RFC3339), e.Deadline().UTC().Format(time.RFC3339))
		w("- Class mean: %s%%; passed (%s%% or more): %d of %d\n", Num(b.Mean), Num(exam.PassMark), b.Passed, len(b.Rows))
	} else {
		w("- Labs: %d; class mean (learners with results): %s%%; full marks in every lab: %d of %d\n",
			len(b.Columns), Num(b.Mean), b.Passed, len(b.Rows))
	}
	w("\nA cell is the learner's last run: ✓ full marks, ◐ some points, ✗ none, · not run; (n) attempts.\n")

	w("\n## Results\n\n| Learner |")
	for _, c := range b.Columns {
		w(" %s |", mdCell(b.columnName(c)))
	}
	w(" Total |\n|---|")
	for range b.Columns {
		w("---|")
	}
	w("---:|\n")
	for _, r := range b.Rows {
		w("| %s |", mdCell(r.Learner))
		for _, c := range r.Cells {
			if c.Ran {
				w(" %s (%d) |", c.Short(), c.Attempts)
			} else {
				w(" %s |", c.Short())
			}
		}
		w(" %s |\n", rowTotal(b, r))
	}
	w("| **Class** |")
	for _, c := range b.Columns {
		w(" %d/%d ✓, %s%% |", c.Passed, c.Ran, Num(c.Mean))
	}
	w(" %s%% |\n", Num(b.Mean))

	w("\n## Checks most failed\n\n")
	if len(b.Heat) == 0 {
		w("None: every check run passed.\n")
	} else {
		w("| %s | Check | Failing | Learners failing |\n|---|---|---:|---|\n", b.columnHead())
		for _, h := range b.Heat {
			w("| %s | `%s` | %d of %d | %s |\n", mdCell(b.heatWhere(h)), mdCell(h.Check), h.Failing, h.Ran, mdCell(strings.Join(h.Learners, ", ")))
		}
	}

	if b.Exam != nil {
		w("\n## By task\n\n| # | Lab | Domain | Points | Ran | Full marks | Mean |\n|---:|---|---|---:|---:|---:|---:|\n")
		for _, c := range b.Columns {
			pts := "–"
			if c.Points > 0 {
				pts = strconv.Itoa(c.Points)
			}
			w("| %d | %s | %s | %s | %d | %d | %s%% |\n", c.Task, mdCell(orDash(c.Lab)), mdCell(orDash(Domain{Domain: c.Domain}.Title())),
				pts, c.Ran, c.Passed, Num(c.Mean))
		}
		w("\n## By domain\n\n| Domain | Tasks | Mean | Full marks in all its tasks |\n|---|---:|---:|---:|\n")
		for _, d := range b.Domains {
			w("| %s | %d | %s%% | %d of %d |\n", mdCell(d.Title()), d.Tasks, Num(d.Mean), d.Passed, len(b.Rows))
		}
	}

	if len(b.Apart) > 0 {
		w("\n## Records not on the board\n\n")
		for _, a := range b.Apart {
			w("- %s, %s: %s\n", orDash(a.Record.Learner), orDash(recordWhere(a.Record)), a.Reason)
		}
	}
	if b.Other > 0 {
		kind := "class exams"
		if b.Exam != nil {
			kind = "labs or other exams"
		}
		w("\nNot on this board: %d record(s) of %s.\n", b.Other, kind)
	}
	return s.String()
}

// columnName is a column's heading: the lab id, or "3 lab-id" for a task.
func (b *Board) columnName(c Column) string {
	if c.Task > 0 {
		if c.Lab == "" {
			return strconv.Itoa(c.Task)
		}
		return fmt.Sprintf("%d %s", c.Task, c.Lab)
	}
	return c.Lab
}

func (b *Board) columnHead() string {
	if b.Exam != nil {
		return "Task"
	}
	return "Lab"
}

func (b *Board) heatWhere(h Heat) string {
	if h.Task > 0 {
		return fmt.Sprintf("%d %s", h.Task, h.Lab)
	}
	return h.Lab
}

func recordWhere(r Record) string {
	if r.Exam != "" {
		return fmt.Sprintf("exam %s task %d (%s)", r.Exam, r.Task, orDash(r.Lab))
	}
	return r.Lab
}

// rowTotal is a learner's total: "72% ✓" (exam passed), "3/46 ✓, 80%".
func rowTotal(b *Board, r Row) string {
	if b.Exam != nil {
		v := Num(r.Percent) + "% "
		if r.ExamPassed {
			return v + "✓ pass"
		}
		return v + "✗ fail"
	}
	if r.Ran == 0 {
		return "not started"
	}
	return fmt.Sprintf("%d/%d ✓, %s%%", r.Passed, len(b.Columns), Num(r.Percent))
}

// RowTotal is a learner's total as the board shows it.
func (b *Board) RowTotal(r Row) string { return rowTotal(b, r) }

var csvHeader = []string{"class", "exam", "learner", "column", "task", "lab", "domain", "ran", "score", "max",
	"percent", "passed", "attempts", "at", "note"}

func (b *Board) csv(out io.Writer) error {
	w := csv.NewWriter(out)
	examID := ""
	if b.Exam != nil {
		examID = b.Exam.ID
	}
	if err := w.Write(csvHeader); err != nil {
		return err
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	task := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for _, r := range b.Rows {
		for j, c := range r.Cells {
			col := b.Columns[j]
			lab := col.Lab
			if c.Lab != "" {
				lab = c.Lab
			}
			rec := []string{b.Class, examID, r.Learner, col.Key, task(col.Task), lab, col.Domain,
				strconv.FormatBool(c.Ran), strconv.Itoa(c.Score), strconv.Itoa(c.Max), Num(round1(c.Percent())),
				strconv.FormatBool(c.Passed), strconv.Itoa(c.Attempts), at(c.At), ""}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
	}
	for _, a := range b.Apart {
		r := a.Record
		rec := []string{b.Class, r.Exam, r.Learner, "", task(r.Task), r.Lab, r.Domain, "true",
			strconv.Itoa(r.Score), strconv.Itoa(r.Max), Num(round1(percent(r.Score, r.Max))),
			strconv.FormatBool(r.Max > 0 && r.Score == r.Max), strconv.Itoa(r.Attempts), at(r.At), "not on the board: " + a.Reason}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
