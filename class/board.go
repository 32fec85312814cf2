package class

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
)

// Board is the instructor's view of a class: one row per learner (roster
// order), one column per lab (or, for a class exam, per task), the last
// Record of each learner in each column, totals per row and per column,
// and the checks most failed. Build it with BuildBoard; it is read-only
// afterwards.
type Board struct {
	Class string `json:"class"`
	// Exam is the class exam the board shows (nil: the labs board).
	Exam    *Exam    `json:"exam,omitempty"`
	Columns []Column `json:"columns"`
	Rows    []Row    `json:"rows"`
	// Mean is the class's mean percent: over the learners who ran
	// anything on a labs board, over every learner for an exam (see Row).
	Mean float64 `json:"mean_percent"`
	// Passed counts the learners who passed the exam (exam.PassMark);
	// on a labs board, the learners with full marks in every column.
	Passed int `json:"passed"`
	// Heat lists the checks that failed, most failed first.
	Heat []Heat `json:"heat"`
	// Domains are the exam's results per domain (nil on a labs board).
	Domains []Domain `json:"domains,omitempty"`
	// Apart are records that are not on the board, each with why: a
	// learner not in the roster, a record that makes no sense.
	Apart []Apart `json:"apart"`
	// Other counts the records of the other kind, on purpose not shown:
	// lab records on an exam board, exam records (or another exam's) on
	// the labs board.
	Other int `json:"other_records"`

	last map[cellKey]*Record
}

// Column is one lab or exam task, with the class's results in it.
type Column struct {
	// Key names the column for Drill: the lab id, or the task number.
	Key string `json:"key"`
	Lab string `json:"lab"`
	// Task is the exam task number (1-based; 0 on a labs board).
	Task   int    `json:"task,omitempty"`
	Domain string `json:"domain"`
	// Points is an exam task's points (its weight; 0 when no record
	// says, then every task weighs the same).
	Points int `json:"points,omitempty"`
	// Ran counts the learners with a record; Passed those with full marks.
	Ran    int `json:"ran"`
	Passed int `json:"passed"`
	// Mean is the mean percent over Of learners: those who ran it on a
	// labs board, every learner for an exam task (not run scores 0).
	Mean float64 `json:"mean_percent"`
	Of   int     `json:"of"`
}

// Cell is one learner's last result in one column.
type Cell struct {
	Ran      bool      `json:"ran"`
	Lab      string    `json:"lab,omitempty"`
	Score    int       `json:"score"`
	Max      int       `json:"max"`
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at,omitzero"`
	Passed   bool      `json:"passed"`
}

// Percent is the cell's score in percent (0 when not run).
func (c Cell) Percent() float64 { return percent(c.Score, c.Max) }

// Row is one learner.
type Row struct {
	Learner string `json:"learner"`
	Cells   []Cell `json:"cells"`
	// Ran and Passed count the columns run and those with full marks.
	Ran    int `json:"ran"`
	Passed int `json:"passed"`
	// Percent is the learner's total: the mean percent of the columns
	// run on a labs board; for an exam, the tasks' percents weighted by
	// their points (a task not run scores 0), as the exam grades.
	Percent float64 `json:"percent"`
	// ExamPassed: the exam total reaches exam.PassMark.
	ExamPassed bool      `json:"exam_passed,omitempty"`
	Last       time.Time `json:"last,omitzero"`
}

// Heat is one check that failed: how many learners fail it of those
// whose last run of the lab (or task) had it.
type Heat struct {
	Lab      string   `json:"lab"`
	Task     int      `json:"task,omitempty"`
	Check    string   `json:"check"`
	Failing  int      `json:"failing"`
	Ran      int      `json:"ran"`
	Learners []string `json:"learners"` // those failing, roster order
}

// Domain is a class exam's results in one domain.
type Domain struct {
	Domain string `json:"domain"`
	Tasks  int    `json:"tasks"`
	// Mean is the mean over every learner of their domain percent
	// (tasks weighted by points, not run scores 0).
	Mean float64 `json:"mean_percent"`
	// Passed counts the learners with full marks in every task of it.
	Passed int `json:"passed"`
}

// Apart is a record left off the board, and why.
type Apart struct {
	Record Record `json:"record"`
	Reason string `json:"reason"`
}

type cellKey struct {
	learner, col string
}

// Title is the domain's display name.
func (d Domain) Title() string { return labs.Domain(d.Domain).Title() }

// BuildBoard builds the board of a class from its learners' records:
// the labs board, or with exam set that exam's board (its tasks
// 1..exam.Tasks). A learner without a record shows as not started; a
// record of a learner not in the roster, or one that makes no sense, is
// listed in Apart. When a learner has several records for one column,
// the latest counts.
func BuildBoard(c *Class, recs []Record, ex *Exam) *Board {
	b := &Board{Exam: ex, last: map[cellKey]*Record{}, Heat: []Heat{}, Apart: []Apart{}}
	if c == nil {
		c = &Class{}
	}
	b.Class = c.Name
	inRoster := make(map[string]bool, len(c.Learners))
	for _, l := range c.Learners {
		inRoster[l.Name] = true
	}
	for i := range recs {
		r := &recs[i]
		col, reason, mine := b.place(r)
		if !mine {
			b.Other++
			continue
		}
		if reason == "" && !inRoster[r.Learner] {
			reason = fmt.Sprintf("learner %q is not in the roster of class %s", r.Learner, c.Name)
		}
		if reason != "" {
			b.Apart = append(b.Apart, Apart{Record: *r, Reason: reason})
			continue
		}
		k := cellKey{r.Learner, col}
		if old, ok := b.last[k]; !ok || later(r, old) {
			b.last[k] = r
		}
	}
	b.columns(c)
	b.rows(c)
	b.heat()
	if ex != nil {
		b.domains()
	}
	return b
}

// place says which column a record goes in, or why it goes in none;
// mine is false for a record of the other kind (see Board.Other).
func (b *Board) place(r *Record) (col, reason string, mine bool) {
	switch {
	case b.Exam == nil && r.Exam != "":
		return "", "", false
	case b.Exam != nil && r.Exam != b.Exam.ID:
		return "", "", false
	}
	switch {
	case r.Learner == "":
		return "", "the record names no learner", true
	case r.Lab == "":
		return "", "the record names no lab", true
	case r.Max < 0 || r.Score < 0 || r.Score > r.Max:
		return "", fmt.Sprintf("score %d of %d is not a score", r.Score, r.Max), true
	}
	if b.Exam == nil {
		return r.Lab, "", true
	}
	if r.Task < 1 || r.Task > b.Exam.Tasks {
		return "", fmt.Sprintf("task %d is not a task of exam %s (1..%d)", r.Task, b.Exam.ID, b.Exam.Tasks), true
	}
	return strconv.Itoa(r.Task), "", true
}

// later reports whether r supersedes old (the same learner and column).
func later(r, old *Record) bool {
	if !r.At.Equal(old.At) {
		return r.At.After(old.At)
	}
	return r.Attempts > old.Attempts
}

// columns lays out the columns: an exam's tasks in order; else the
// class's labs in its order, then any other lab seen (by id), so no
// record is hidden.
func (b *Board) columns(c *Class) {
	if b.Exam != nil {
		labsOf := make([]map[string]int, b.Exam.Tasks+1)
		domsOf := make([]map[string]int, b.Exam.Tasks+1)
		points := make([]int, b.Exam.Tasks+1)
		for _, r := range b.last {
			if labsOf[r.Task] == nil {
				labsOf[r.Task], domsOf[r.Task] = map[string]int{}, map[string]int{}
			}
			labsOf[r.Task][r.Lab]++
			domsOf[r.Task][r.Domain]++
			points[r.Task] = max(points[r.Task], r.Points)
		}
		for t := 1; t <= b.Exam.Tasks; t++ {
			b.Columns = append(b.Columns, Column{Key: strconv.Itoa(t), Task: t,
				Lab: mostSeen(labsOf[t]), Domain: mostSeen(domsOf[t]), Points: points[t]})
		}
		return
	}
	seen := map[string]bool{}
	domain := map[string]map[string]int{}
	for _, r := range b.last {
		if domain[r.Lab] == nil {
			domain[r.Lab] = map[string]int{}
		}
		domain[r.Lab][r.Domain]++
	}
	add := func(lab string) {
		if !seen[lab] {
			seen[lab] = true
			b.Columns = append(b.Columns, Column{Key: lab, Lab: lab, Domain: mostSeen(domain[lab])})
		}
	}
	for _, lab := range c.Labs {
		add(lab)
	}
	var rest []string
	for lab := range domain {
		if !seen[lab] {
			rest = append(rest, lab)
		}
	}
	slices.Sort(rest)
	for _, lab := range rest {
		add(lab)
	}
}

// mostSeen is the value counted most often (the smallest on a tie).
func mostSeen(m map[string]int) string {
	best, n := "", 0
	for v, k := range m {
		if k > n || (k == n && v < best) {
			best, n = v, k
		}
	}
	return best
}

// rows fills the cells and the totals of rows and columns.
func (b *Board) rows(c *Class) {
	isExam := b.Exam != nil
	sums := make([]float64, len(b.Columns))
	var classSum float64
	var classOf int
	for _, l := range c.Learners {
		row := Row{Learner: l.Name, Cells: make([]Cell, len(b.Columns))}
		var weighted, weights float64
		for j, col := range b.Columns {
			w := 1.0
			if isExam && col.Points > 0 {
				w = float64(col.Points)
			}
			r, ok := b.last[cellKey{l.Name, col.Key}]
			if isExam {
				weights += w
			}
			if !ok {
				continue
			}
			cell := Cell{Ran: true, Lab: r.Lab, Score: r.Score, Max: r.Max, Attempts: r.Attempts, At: r.At,
				Passed: r.Max > 0 && r.Score == r.Max}
			row.Cells[j] = cell
			row.Ran++
			b.Columns[j].Ran++
			if cell.Passed {
				row.Passed++
				b.Columns[j].Passed++
			}
			sums[j] += cell.Percent()
			if !isExam {
				weights += w
			}
			weighted += w * cell.Percent()
			if r.At.After(row.Last) {
				row.Last = r.At
			}
		}
		if weights > 0 {
			row.Percent = round1(weighted / weights)
		}
		if isExam {
			row.ExamPassed = weights > 0 && weighted/weights+1e-9 >= exam.PassMark
			if row.ExamPassed {
				b.Passed++
			}
		} else if row.Ran > 0 && row.Passed == len(b.Columns) {
			b.Passed++
		}
		if isExam || row.Ran > 0 {
			classSum += row.Percent
			classOf++
		}
		b.Rows = append(b.Rows, row)
	}
	if classOf > 0 {
		b.Mean = round1(classSum / float64(classOf))
	}
	for j := range b.Columns {
		col := &b.Columns[j]
		col.Of = col.Ran
		if isExam {
			col.Of = len(b.Rows)
		}
		if col.Of > 0 {
			col.Mean = round1(sums[j] / float64(col.Of))
		}
	}
}

// heat counts, per check, the learners failing it among those whose last
// record had it (ungraded checks do not count).
func (b *Board) heat() {
	type hk struct {
		col, check string
	}
	idx := map[hk]int{}
	for _, row := range b.Rows {
		for _, col := range b.Columns {
			r, ok := b.last[cellKey{row.Learner, col.Key}]
			if !ok {
				continue
			}
			seen := map[string]bool{}
			for _, ch := range r.Checks {
				if ch.Ungraded || ch.ID == "" || seen[ch.ID] {
					continue
				}
				seen[ch.ID] = true
				k := hk{col.Key, ch.ID}
				i, ok := idx[k]
				if !ok {
					i = len(b.Heat)
					idx[k] = i
					b.Heat = append(b.Heat, Heat{Lab: col.Lab, Task: col.Task, Check: ch.ID, Learners: []string{}})
				}
				b.Heat[i].Ran++
				if !ch.Passed {
					b.Heat[i].Failing++
					b.Heat[i].Learners = append(b.Heat[i].Learners, row.Learner)
				}
			}
		}
	}
	b.Heat = slices.DeleteFunc(b.Heat, func(h Heat) bool { return h.Failing == 0 })
	slices.SortStableFunc(b.Heat, func(x, y Heat) int {
		if c := cmp.Compare(y.Failing, x.Failing); c != 0 {
			return c
		}
		// The larger share failing first: x.F/x.R > y.F/y.R.
		if c := cmp.Compare(y.Failing*x.Ran, x.Failing*y.Ran); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Task, y.Task); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Lab, y.Lab); c != 0 {
			return c
		}
		return cmp.Compare(x.Check, y.Check)
	})
}

// domains totals an exam board per domain, in the labs' display order.
func (b *Board) domains() {
	var order []labs.Domain
	for _, col := range b.Columns {
		if col.Domain != "" && !slices.Contains(order, labs.Domain(col.Domain)) {
			order = append(order, labs.Domain(col.Domain))
		}
	}
	slices.SortStableFunc(order, func(x, y labs.Domain) int {
		return cmp.Compare(domainRank(x), domainRank(y))
	})
	for _, d := range order {
		dr := Domain{Domain: string(d)}
		var sum float64
		for _, col := range b.Columns {
			if col.Domain == string(d) {
				dr.Tasks++
			}
		}
		for _, row := range b.Rows {
			var weighted, weights float64
			full := true
			for j, col := range b.Columns {
				if col.Domain != string(d) {
					continue
				}
				w := 1.0
				if col.Points > 0 {
					w = float64(col.Points)
				}
				weights += w
				weighted += w * row.Cells[j].Percent()
				full = full && row.Cells[j].Passed
			}
			if weights > 0 {
				sum += weighted / weights
			}
			if full {
				dr.Passed++
			}
		}
		if len(b.Rows) > 0 {
			dr.Mean = round1(sum / float64(len(b.Rows)))
		}
		b.Domains = append(b.Domains, dr)
	}
}

func domainRank(d labs.Domain) int {
	if i := slices.Index(labs.Domains, d); i >= 0 {
		return i
	}
	return len(labs.Domains)
}

// Column finds a column by its key (a lab id, or an exam task number).
func (b *Board) Column(key string) (int, bool) {
	i := slices.IndexFunc(b.Columns, func(c Column) bool { return c.Key == key })
	return i, i >= 0
}

// Drill is a learner's last record in a column (a lab id, or an exam
// task number), with its checks and their why-lines; false when the
// learner has none there.
func (b *Board) Drill(learner, col string) (*Record, bool) {
	r, ok := b.last[cellKey{learner, col}]
	if !ok {
		return nil, false
	}
	cp := *r
	cp.Checks = slices.Clone(r.Checks)
	for i := range cp.Checks {
		cp.Checks[i].Why = slices.Clone(cp.Checks[i].Why)
	}
	return &cp, true
}

func percent(score, max int) float64 {
	if max <= 0 {
		return 0
	}
	return 100 * float64(score) / float64(max)
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
