package class

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func atMin(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func roster(t testing.TB, labs []string, names ...string) *Class {
	t.Helper()
	c, err := NewClass("ckad-mon", names, t0)
	if err != nil {
		t.Fatal(err)
	}
	c.Labs = labs
	return c
}

// rec is a record with checks given as "id" (passed, 5 points), "!id"
// (failed, 0 of 5, with a why-line), "~id" (ungraded).
func rec(learner, lab string, minute, attempts int, checks ...string) Record {
	r := Record{Learner: learner, Lab: lab, Domain: "networkpolicy", At: atMin(minute), Attempts: attempts}
	for _, c := range checks {
		cr := CheckRecord{ID: strings.TrimLeft(c, "!~"), Max: 5}
		switch {
		case strings.HasPrefix(c, "~"):
			cr.Ungraded, cr.Max = true, 0
		case strings.HasPrefix(c, "!"):
			cr.Why = []string{"why " + cr.ID + " failed for " + learner}
			cr.Expected, cr.Observed = "allowed", "blocked"
		default:
			cr.Passed, cr.Points = true, 5
		}
		r.Checks = append(r.Checks, cr)
		r.Score += cr.Points
		r.Max += cr.Max
	}
	return r
}

func examRec(learner, exam string, task int, lab, domain string, points, minute int, checks ...string) Record {
	r := rec(learner, lab, minute, 1, checks...)
	r.Exam, r.Task, r.Domain, r.Points = exam, task, domain, points
	return r
}

func cellsOf(b *Board) []string {
	var out []string
	for _, r := range b.Rows {
		var cs []string
		for _, c := range r.Cells {
			s := c.Short()
			if c.Ran {
				s += fmt.Sprintf("(%d)", c.Attempts)
			}
			cs = append(cs, s)
		}
		out = append(out, r.Learner+": "+strings.Join(cs, " | ")+" = "+rowTotal(b, r))
	}
	return out
}

func heatOf(b *Board) []string {
	var out []string
	for _, h := range b.Heat {
		where := h.Lab
		if h.Task > 0 {
			where = fmt.Sprintf("%d:%s", h.Task, h.Lab)
		}
		out = append(out, fmt.Sprintf("%s/%s %d/%d %s", where, h.Check, h.Failing, h.Ran, strings.Join(h.Learners, ",")))
	}
	return out
}

func TestBuildBoardLabs(t *testing.T) {
	bad := rec("bob", "np-a", 9, 1, "a")
	bad.Score = 12
	recs := []Record{
		rec("alice", "np-a", 5, 2, "a", "b"),
		rec("alice", "svc-b", 7, 1, "a", "!b", "~note"),
		rec("bob", "np-a", 1, 1, "a", "b"), // superseded by the later one
		rec("bob", "np-a", 8, 3, "!a", "!b"),
		rec("eve", "np-a", 2, 1, "a"), // not in the roster
		bad,
		examRec("alice", "e1", 1, "np-a", "networkpolicy", 10, 3, "a"), // an exam's
		rec("dave", "zz-extra", 4, 1, "!x"),                            // a lab not in the class's list
	}
	b := BuildBoard(roster(t, []string{"svc-b", "np-a", "ing-c"}, "alice", "bob", "carol", "dave"), recs, nil)
	var keys []string
	for _, c := range b.Columns {
		keys = append(keys, c.Key)
	}
	if want := []string{"svc-b", "np-a", "ing-c", "zz-extra"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("columns %v, want %v", keys, want)
	}
	wantCells := []string{
		"alice: ◐ 5/10(1) | ✓ 10/10(2) | · | · = 1/4 ✓, 75%",
		"bob: · | ✗ 0/10(3) | · | · = 0/4 ✓, 0%",
		"carol: · | · | · | · = not started",
		"dave: · | · | · | ✗ 0/5(1) = 0/4 ✓, 0%",
	}
	if got := cellsOf(b); !reflect.DeepEqual(got, wantCells) {
		t.Errorf("cells:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCells, "\n"))
	}
	// Column totals: ran, full marks, mean over those who ran.
	for _, w := range []struct {
		key         string
		ran, passed int
		mean        float64
	}{{"svc-b", 1, 0, 50}, {"np-a", 2, 1, 50}, {"ing-c", 0, 0, 0}, {"zz-extra", 1, 0, 0}} {
		i, _ := b.Column(w.key)
		c := b.Columns[i]
		if c.Ran != w.ran || c.Passed != w.passed || c.Mean != w.mean || c.Of != w.ran {
			t.Errorf("column %s: ran %d passed %d mean %v of %d, want %d %d %v", w.key, c.Ran, c.Passed, c.Mean, c.Of, w.ran, w.passed, w.mean)
		}
	}
	// The class mean is over the learners who ran anything (75, 0, 0).
	if b.Mean != 25 || b.Passed != 0 {
		t.Errorf("class mean %v passed %d, want 25 and 0", b.Mean, b.Passed)
	}
	wantHeat := []string{"svc-b/b 1/1 alice", "zz-extra/x 1/1 dave", "np-a/a 1/2 bob", "np-a/b 1/2 bob"}
	if got := heatOf(b); !reflect.DeepEqual(got, wantHeat) {
		t.Errorf("heat:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantHeat, "\n"))
	}
	if len(b.Apart) != 2 || b.Apart[0].Record.Learner != "eve" || !strings.Contains(b.Apart[0].Reason, "not in the roster") ||
		!strings.Contains(b.Apart[1].Reason, "score 12 of 5") {
		t.Errorf("apart: %+v", b.Apart)
	}
	if b.Other != 1 {
		t.Errorf("other records %d, want 1 (the exam's)", b.Other)
	}
	if b.Rows[0].Last != atMin(7) || !b.Rows[2].Last.IsZero() {
		t.Errorf("last times %v %v", b.Rows[0].Last, b.Rows[2].Last)
	}
}

func TestDrill(t *testing.T) {
	recs := []Record{rec("alice", "svc-b", 7, 4, "a", "!b"), rec("bob", "np-a", 1, 1, "a")}
	b := BuildBoard(roster(t, nil, "alice", "bob"), recs, nil)
	r, ok := b.Drill("alice", "svc-b")
	if !ok || r.Attempts != 4 || len(r.Checks) != 2 || r.Checks[1].Passed || r.Checks[1].Why[0] != "why b failed for alice" {
		t.Fatalf("drill alice svc-b: %+v %v", r, ok)
	}
	// The board keeps its own copy: changing the drilled record changes nothing.
	r.Checks[1].Why[0] = "changed"
	if again, _ := b.Drill("alice", "svc-b"); again.Checks[1].Why[0] != "why b failed for alice" {
		t.Error("Drill shares the board's record")
	}
	for _, c := range [][2]string{{"alice", "np-a"}, {"carol", "svc-b"}, {"bob", "nope"}} {
		if r, ok := b.Drill(c[0], c[1]); ok {
			t.Errorf("drill %v: %+v, want none", c, r)
		}
	}
}

func TestBuildBoardExam(t *testing.T) {
	ex := &Exam{ID: "e1", Seed: 42, Tasks: 3, Duration: time.Hour, Start: t0}
	recs := []Record{
		// Task 1 (services, 20 points), task 2 (networkpolicy, 40), task 3 (networkpolicy, 40).
		examRec("alice", "e1", 1, "svc-a", "services", 20, 10, "a", "b"),
		examRec("alice", "e1", 2, "np-b", "networkpolicy", 40, 20, "a", "b"),
		examRec("alice", "e1", 3, "np-c", "networkpolicy", 40, 30, "a", "!b"),
		examRec("bob", "e1", 1, "svc-a", "services", 20, 12, "!a", "!b"),
		examRec("bob", "e1", 3, "np-c", "networkpolicy", 40, 25, "a", "!b"),
		examRec("bob", "e1", 4, "np-d", "networkpolicy", 40, 25, "a"), // no task 4
		examRec("carol", "e0", 1, "svc-a", "services", 20, 1, "a"),    // another exam
		rec("carol", "np-b", 3, 1, "a"),                               // a lab
	}
	b := BuildBoard(roster(t, nil, "alice", "bob", "carol"), recs, ex)
	wantCells := []string{
		// 20*100 + 40*100 + 40*50 = 8000 / 100 = 80%.
		"alice: ✓ 10/10(1) | ✓ 10/10(1) | ◐ 5/10(1) = 80% ✓ pass",
		// 40*50 / 100 = 20%.
		"bob: ✗ 0/10(1) | · | ◐ 5/10(1) = 20% ✗ fail",
		"carol: · | · | · = 0% ✗ fail",
	}
	if got := cellsOf(b); !reflect.DeepEqual(got, wantCells) {
		t.Errorf("cells:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCells, "\n"))
	}
	var cols []string
	for _, c := range b.Columns {
		cols = append(cols, fmt.Sprintf("%s %s %s %d ran %d full %d mean %v of %d", c.Key, c.Lab, c.Domain, c.Points, c.Ran, c.Passed, c.Mean, c.Of))
	}
	wantCols := []string{
		"1 svc-a services 20 ran 2 full 1 mean 33.3 of 3",
		"2 np-b networkpolicy 40 ran 1 full 1 mean 33.3 of 3",
		"3 np-c networkpolicy 40 ran 2 full 0 mean 33.3 of 3",
	}
	if !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("columns:\n%s\nwant:\n%s", strings.Join(cols, "\n"), strings.Join(wantCols, "\n"))
	}
	if b.Passed != 1 || b.Mean != 33.3 {
		t.Errorf("passed %d mean %v, want 1 and 33.3", b.Passed, b.Mean)
	}
	var doms []string
	for _, d := range b.Domains {
		doms = append(doms, fmt.Sprintf("%s %d tasks mean %v full %d", d.Title(), d.Tasks, d.Mean, d.Passed))
	}
	// Services: alice 100, bob 0, carol 0. NetworkPolicy: alice 75, bob 25, carol 0.
	wantDoms := []string{"Services 1 tasks mean 33.3 full 1", "NetworkPolicy 2 tasks mean 33.3 full 0"}
	if !reflect.DeepEqual(doms, wantDoms) {
		t.Errorf("domains %v, want %v", doms, wantDoms)
	}
	wantHeat := []string{"3:np-c/b 2/2 alice,bob", "1:svc-a/a 1/2 bob", "1:svc-a/b 1/2 bob"}
	if got := heatOf(b); !reflect.DeepEqual(got, wantHeat) {
		t.Errorf("heat %v, want %v", got, wantHeat)
	}
	if len(b.Apart) != 1 || !strings.Contains(b.Apart[0].Reason, "task 4 is not a task of exam e1") || b.Other != 2 {
		t.Errorf("apart %+v other %d", b.Apart, b.Other)
	}
	if r, ok := b.Drill("bob", "3"); !ok || r.Lab != "np-c" || r.Task != 3 {
		t.Errorf("drill bob task 3: %+v %v", r, ok)
	}
}

// Exam records without points weigh every task the same.
func TestBuildBoardExamEqualWeights(t *testing.T) {
	ex := &Exam{ID: "e1", Tasks: 2, Duration: time.Hour, Start: t0}
	recs := []Record{
		examRec("alice", "e1", 1, "svc-a", "services", 0, 1, "a"),
		examRec("alice", "e1", 2, "np-b", "networkpolicy", 0, 2, "a", "!b"),
	}
	b := BuildBoard(roster(t, nil, "alice"), recs, ex)
	if r := b.Rows[0]; r.Percent != 75 || !r.ExamPassed {
		t.Errorf("alice %v%% passed %v, want 75%% and passed", r.Percent, r.ExamPassed)
	}
}

// Bad input never panics: no class, no records, records with nothing in them.
func TestBuildBoardOddInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     *Class
		recs  []Record
		ex    *Exam
		apart int
	}{
		{name: "nil class", c: nil, recs: []Record{rec("alice", "np-a", 1, 1, "a")}, apart: 1},
		{name: "empty", c: roster(t, nil, "alice")},
		{name: "no learner", c: roster(t, nil, "alice"), recs: []Record{{Lab: "np-a"}}, apart: 1},
		{name: "no lab", c: roster(t, nil, "alice"), recs: []Record{{Learner: "alice"}}, apart: 1},
		{name: "negative", c: roster(t, nil, "alice"), recs: []Record{{Learner: "alice", Lab: "x", Score: -1, Max: 3}}, apart: 1},
		{name: "exam of no tasks", c: roster(t, nil, "alice"), ex: &Exam{ID: "e"}, recs: []Record{{Learner: "alice", Lab: "x", Exam: "e", Task: 1}}, apart: 1},
		{name: "no checks, no max", c: roster(t, nil, "alice"), recs: []Record{{Learner: "alice", Lab: "x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := BuildBoard(tc.c, tc.recs, tc.ex)
			if len(b.Apart) != tc.apart {
				t.Errorf("apart %+v, want %d", b.Apart, tc.apart)
			}
			for _, f := range Formats {
				if err := Report(b, f, &strings.Builder{}); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
		})
	}
}

// BenchmarkBuildBoard: 30 learners × 46 labs, 6 checks a record.
func BenchmarkBuildBoard(b *testing.B) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("learner-%02d", i))
	}
	c := roster(b, nil, names...)
	var recs []Record
	for _, n := range names {
		for lab := range 46 {
			recs = append(recs, rec(n, fmt.Sprintf("lab-%02d", lab), lab, 2, "a", "b", "!c", "d", "!e", "f"))
		}
	}
	for b.Loop() {
		BuildBoard(c, recs, nil)
	}
}
