package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
)

func builtinLabs(t *testing.T) map[string]*labs.Lab {
	t.Helper()
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*labs.Lab{}
	for _, l := range all {
		m[l.ID] = l
	}
	return m
}

func TestExamPlan(t *testing.T) {
	home := t.TempDir()
	out, errOut, code := run(t, home, "exam", "--plan", "--seed", "42", "--tasks", "6", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var plan struct {
		Seed  uint64 `json:"seed"`
		Tasks []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Seed != 42 || len(plan.Tasks) != 6 {
		t.Fatalf("plan = %s", out)
	}
	for _, task := range plan.Tasks {
		keys := []string{}
		for k := range task {
			keys = append(keys, k)
		}
		if len(task) != 3 || task["id"] == nil || task["domain"] == nil || task["points"] == nil {
			t.Fatalf("a task has keys %v, want id, domain, points", keys)
		}
	}
	// The same seed is the same exam; a plan starts nothing.
	again, _, _ := run(t, home, "exam", "--plan", "--seed", "42", "--tasks", "6", "--json")
	if again != out {
		t.Fatal("the same seed drew another exam")
	}
	other, _, _ := run(t, home, "exam", "--plan", "--seed", "43", "--tasks", "6", "--json")
	if other == out {
		t.Fatal("seeds 42 and 43 drew the same exam")
	}
	if _, err := os.Stat(filepath.Join(home, "data", "ckadlab", "ckadlab.db")); err == nil {
		t.Fatal("--plan created the progress database")
	}
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"exam", "--plan", "--tasks", "500"}, "the pool has only"},
		{[]string{"exam", "--plan", "--tasks", "0"}, "want a positive number"},
		{[]string{"exam", "--plan", "--weights", "storage=1"}, "unknown domain"},
		{[]string{"exam", "--plan", "--finish"}, "choose one of"},
		{[]string{"exam", "--finish", "--out", "r.txt"}, "Markdown (.md) or JSON (.json)"},
		{[]string{"exam", "--duration", "-5m", "--json"}, "want a positive duration"},
		{[]string{"exam", "--finish", "--json"}, "no exam in progress"},
		{[]string{"exam", "--resume", "--json"}, "no exam in progress to resume"},
		{[]string{"exam", "--review"}, "no exam yet"},
	}
	for _, tt := range tests {
		errOut, code := runErr(t, t.TempDir(), tt.args...)
		if code != ExitError || !strings.Contains(errOut, tt.err) {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, errOut, tt.err)
		}
	}
	out, _, code = run(t, home, "exam", "--plan", "--seed", "5", "--tasks", "3", "--weights", "services=1", "--json")
	if code != 0 || strings.Count(out, `"domain": "services"`) != 3 {
		t.Fatalf("--weights services=1: %s", out)
	}
}

type startJSON struct {
	Exam     string    `json:"exam"`
	Seed     uint64    `json:"seed"`
	Deadline time.Time `json:"deadline"`
	Tasks    []struct {
		ID        string `json:"id"`
		Workspace string `json:"workspace"`
		Points    int    `json:"points"`
		Attempted bool   `json:"attempted"`
	} `json:"tasks"`
}

type resultJSON struct {
	Exam    string  `json:"exam"`
	Percent float64 `json:"percent"`
	Passed  bool    `json:"passed"`
	Expired bool    `json:"expired"`
	Points  int     `json:"points"`
	Domains []struct {
		Domain string `json:"domain"`
	} `json:"domains"`
	Tasks []struct {
		Lab      string `json:"lab"`
		Score    int    `json:"score"`
		Max      int    `json:"max"`
		Checks   []struct{ ID string }
		Solution struct {
			Commands []string `json:"Commands"`
		} `json:"solution"`
	} `json:"tasks"`
}

// An offline exam end to end: start, answer in the workspaces, finish.
func TestExamOfflineEndToEnd(t *testing.T) {
	all := builtinLabs(t)
	tests := []struct {
		name    string
		answer  func(l *labs.Lab) string
		code    int
		passed  bool
		percent float64
	}{
		{"reference answers score 100%", func(l *labs.Lab) string { return l.Solution.Manifests }, ExitOK, true, 100},
		// Each lab's harshest wrong answer: the exam fails whichever
		// labs the seed draws as the bank grows.
		{"wrong answers fail", func(l *labs.Lab) string { return harshestWrong(l).Manifests }, ExitFailed, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			out, errOut, code := run(t, home, "exam", "--start", "--seed", "11", "--tasks", "5", "--json")
			if code != 0 {
				t.Fatalf("start: exit %d: %s", code, errOut)
			}
			var st startJSON
			if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Tasks) != 5 || st.Seed != 11 {
				t.Fatalf("start --json: %v\n%s", err, out)
			}
			// The draw is the published plan.
			planOut, _, _ := run(t, home, "exam", "--plan", "--seed", "11", "--tasks", "5", "--json")
			for i, task := range st.Tasks {
				if !strings.Contains(planOut, `"id": "`+task.ID+`"`) {
					t.Fatalf("task %d (%s) is not in the plan %s", i+1, task.ID, planOut)
				}
				if _, err := os.Stat(filepath.Join(task.Workspace, "TASK.md")); err != nil {
					t.Fatalf("task %d has no workspace: %v", i+1, err)
				}
			}
			// No hints or solutions of the exam's labs while it runs.
			if _, errOut, code := run(t, home, "solution", st.Tasks[0].ID); code != ExitError || !strings.Contains(errOut, "not available during the mock exam") {
				t.Fatalf("solution during the exam: exit %d %s", code, errOut)
			}
			if _, errOut, code := run(t, home, "show", st.Tasks[0].ID, "--hints", "1"); code != ExitError || !strings.Contains(errOut, "not available during the mock exam") {
				t.Fatalf("hints during the exam: exit %d %s", code, errOut)
			}
			if _, errOut, code := run(t, home, "show", st.Tasks[0].ID); code != 0 {
				t.Fatalf("the task itself stays readable: exit %d %s", code, errOut)
			}
			// A second exam cannot start while this one runs.
			if errOut, code := runErr(t, home, "exam", "--start", "--json"); code != ExitError || !strings.Contains(errOut, "--resume") {
				t.Fatalf("second start: exit %d %s", code, errOut)
			}
			for _, task := range st.Tasks {
				// The seed fixes each task's variant (of a lab with
				// parameters): the answer is that variant's.
				l, err := all[task.ID].Variant(exam.TaskVariant(all[task.ID], st.Seed))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(task.Workspace, "answer.yaml"), []byte(tt.answer(l)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// Status: the same deadline, every task attempted (answer files).
			out, _, code = run(t, home, "exam", "--resume", "--json")
			var status startJSON
			if code != 0 || json.Unmarshal([]byte(out), &status) != nil || status.Exam != st.Exam || !status.Deadline.Equal(st.Deadline) {
				t.Fatalf("resume: exit %d %s", code, out)
			}
			for _, task := range status.Tasks {
				if !task.Attempted {
					t.Fatalf("%s not marked attempted after writing its answer", task.ID)
				}
			}
			report := filepath.Join(home, "report.json")
			out, errOut, code = run(t, home, "exam", "--finish", "--json", "--out", report)
			if code != tt.code {
				t.Fatalf("finish: exit %d, want %d: %s\n%s", code, tt.code, errOut, out)
			}
			var res resultJSON
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			if res.Passed != tt.passed || (tt.percent >= 0 && res.Percent != tt.percent) || len(res.Tasks) != 5 || res.Expired {
				t.Fatalf("result: %+v", res)
			}
			if !tt.passed {
				for _, task := range res.Tasks {
					if task.Score == task.Max {
						t.Errorf("%s: a wrong answer got full marks", task.Lab)
					}
				}
			}
			data, err := os.ReadFile(report)
			var fromFile resultJSON
			if err != nil || json.Unmarshal(data, &fromFile) != nil || !reflect.DeepEqual(fromFile, res) {
				t.Fatalf("--out report differs: %v", err)
			}
			// The review has the reference solutions and failure reasons.
			md := filepath.Join(home, "review.md")
			out, _, code = run(t, home, "exam", "--review", "--out", md)
			if code != tt.code || !strings.Contains(out, "Reference solution:") || !strings.Contains(out, "## Review") {
				t.Fatalf("review: exit %d\n%s", code, out)
			}
			if !tt.passed && !strings.Contains(out, "  - why: ") {
				t.Fatalf("the review of a failed exam has no reasons:\n%s", out)
			}
			if data, err := os.ReadFile(md); err != nil || !strings.HasPrefix(string(data), "# ckadlab mock exam "+st.Exam) {
				t.Fatalf("review --out: %v", err)
			}
			// Every task was recorded as an attempt.
			out, _, _ = run(t, home, "stats", "--json")
			var stats struct {
				Labs []struct {
					Lab      string
					Status   string
					Attempts int
				}
				Exams []struct {
					ID     string
					Passed bool
				}
			}
			if err := json.Unmarshal([]byte(out), &stats); err != nil {
				t.Fatal(err)
			}
			attempts := map[string]int{}
			statuses := map[string]string{}
			for _, l := range stats.Labs {
				attempts[l.Lab], statuses[l.Lab] = l.Attempts, l.Status
			}
			for _, task := range st.Tasks {
				if attempts[task.ID] != 1 {
					t.Errorf("%s: %d attempts recorded", task.ID, attempts[task.ID])
				}
				if tt.passed && statuses[task.ID] != "passed" {
					t.Errorf("%s: status %s after full marks", task.ID, statuses[task.ID])
				}
			}
			if len(stats.Exams) != 1 || stats.Exams[0].ID != st.Exam || stats.Exams[0].Passed != tt.passed {
				t.Fatalf("exams in stats: %+v", stats.Exams)
			}
			// Finished: a new exam may start.
			if _, errOut, code := run(t, home, "exam", "--status", "--json"); code != 0 {
				t.Fatalf("status after finish: %s", errOut)
			}
		})
	}
}

// An exam whose time is up is graded by the next exam command.
func TestExamExpiryGradesAutomatically(t *testing.T) {
	home := t.TempDir()
	started, errOut, code := run(t, home, "exam", "--start", "--tasks", "2", "--duration", "1s", "--json")
	var st startJSON
	if code != 0 || json.Unmarshal([]byte(started), &st) != nil {
		t.Fatalf("start: %s", errOut)
	}
	time.Sleep(1100 * time.Millisecond)
	// Time is up but the exam is not graded yet: its labs stay closed
	// (answers could still change before the grading).
	if _, errOut, code := run(t, home, "solution", st.Tasks[0].ID); code != ExitError || !strings.Contains(errOut, "exam --finish") {
		t.Fatalf("solution after the deadline, before grading: exit %d %s", code, errOut)
	}
	out, errOut, code := run(t, home, "exam", "--status", "--json")
	var res resultJSON
	if code != ExitFailed || json.Unmarshal([]byte(out), &res) != nil || !res.Expired || res.Passed || !strings.Contains(errOut, "Time is up") {
		t.Fatalf("exit %d %s\n%s", code, errOut, out)
	}
	// Graded once: the exam is no longer in progress.
	out, _, code = run(t, home, "exam", "--status", "--json")
	if code != 0 || !strings.Contains(out, `"exam": null`) {
		t.Fatalf("after expiry: %d %s", code, out)
	}
}

func TestStatsAndDrill(t *testing.T) {
	home := t.TempDir()
	// A new learner: everything is new, the drill starts with easy labs.
	out, errOut, code := run(t, home, "drill", "--json", "-n", "3")
	if code != 0 {
		t.Fatalf("drill: %s", errOut)
	}
	var plan struct {
		Picks []struct{ Lab, Kind, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan.Picks) != 3 || plan.Picks[0].Kind != "new" {
		t.Fatalf("drill for a new learner: %v %s", err, out)
	}
	all := builtinLabs(t)
	// One lab failed, one passed.
	failedLab, passedLab := "np-default-deny", "svc-nodeport"
	for _, id := range []string{failedLab, passedLab} {
		if _, errOut, code := run(t, home, "start", id, "--variant", "0"); code != 0 {
			t.Fatalf("start: %s", errOut)
		}
	}
	ws := filepath.Join(home, "data", "ckadlab", "workspace")
	os.WriteFile(filepath.Join(ws, failedLab, "answer.yaml"), []byte(all[failedLab].Wrong[0].Manifests), 0o644)
	// svc-nodeport has parameters: start drew a variant, whose solution
	// `solution` shows.
	if _, errOut, code := run(t, home, "solution", passedLab, "--write", filepath.Join(ws, passedLab)); code != 0 {
		t.Fatalf("solution --write: %s", errOut)
	}
	run(t, home, "check", failedLab)
	run(t, home, "check", passedLab)
	out, _, code = run(t, home, "drill", "--json", "-n", "2")
	if err := json.Unmarshal([]byte(out), &plan); err != nil || code != 0 {
		t.Fatal(err)
	}
	if plan.Picks[0].Lab != failedLab || plan.Picks[0].Kind != "failed" || !strings.Contains(plan.Picks[0].Reason, "failed ") {
		t.Fatalf("the failed lab is not first: %+v", plan.Picks)
	}
	for _, p := range plan.Picks {
		if p.Lab == passedLab {
			t.Fatalf("a lab passed today was picked: %+v", plan.Picks)
		}
	}
	out, _, code = run(t, home, "drill")
	if code != 0 || !strings.Contains(out, "why: last attempt scored") {
		t.Fatalf("drill text:\n%s", out)
	}
	out, _, code = run(t, home, "drill", "--start", "-n", "1")
	if code != 0 || !strings.Contains(out, "Started "+failedLab) {
		t.Fatalf("drill --start:\n%s", out)
	}
	out, _, code = run(t, home, "stats", "--json")
	var st struct {
		Domains []struct {
			Domain   string
			Passed   int
			Attempts int
		}
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || len(st.Domains) != 3 {
		t.Fatalf("stats: %v %s", err, out)
	}
	for _, d := range st.Domains {
		want := map[string][2]int{"services": {1, 1}, "ingress": {0, 0}, "networkpolicy": {0, 1}}[d.Domain]
		if d.Passed != want[0] || d.Attempts != want[1] {
			t.Errorf("%s: passed %d attempts %d, want %v", d.Domain, d.Passed, d.Attempts, want)
		}
	}
	out, _, code = run(t, home, "stats")
	if code != 0 || !strings.Contains(out, "By domain") || !strings.Contains(out, "✓ passed") {
		t.Fatalf("stats text:\n%s", out)
	}
}

// A damaged database is an error, never a silent reset.
func TestDamagedDatabase(t *testing.T) {
	home := t.TempDir()
	db := filepath.Join(home, "data", "ckadlab", "ckadlab.db")
	os.MkdirAll(filepath.Dir(db), 0o755)
	junk := []byte("this is not a database, it is a shopping list\n")
	os.WriteFile(db, junk, 0o644)
	for _, args := range [][]string{{"stats"}, {"drill"}, {"exam", "--start", "--json"}} {
		errOut, code := runErr(t, home, args...)
		if code != ExitError || !strings.Contains(errOut, "is damaged") || !strings.Contains(errOut, "move it away") {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
	if data, _ := os.ReadFile(db); string(data) != string(junk) {
		t.Fatal("the damaged database was changed")
	}
}

// An exam's tasks that were not answered score 0 and are no practice
// attempts: stats and drill know only the tasks that were answered.
func TestExamUnansweredTasksAreNoPractice(t *testing.T) {
	all := builtinLabs(t)
	for _, answer := range []int{-1, 1} {
		name := "blank exam"
		if answer >= 0 {
			name = "one task answered"
		}
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			out, errOut, code := run(t, home, "exam", "--start", "--seed", "3", "--tasks", "4", "--json")
			var st startJSON
			if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
				t.Fatalf("start: exit %d %s", code, errOut)
			}
			answered := ""
			if answer >= 0 {
				answered = st.Tasks[answer].ID
				// the exam's seed fixes the task's variant: answer that one
				l, err := all[answered].Variant(exam.TaskVariant(all[answered], st.Seed))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(st.Tasks[answer].Workspace, "answer.yaml"), []byte(l.Wrong[0].Manifests), 0o644)
			}
			out, errOut, code = run(t, home, "exam", "--finish", "--json")
			var res struct {
				Percent float64
				Tasks   []struct {
					Lab         string
					Score       int
					NotAnswered bool `json:"not_answered"`
				}
			}
			if code != ExitFailed || json.Unmarshal([]byte(out), &res) != nil || len(res.Tasks) != 4 {
				t.Fatalf("finish: exit %d %s\n%s", code, errOut, out)
			}
			if answer < 0 && res.Percent != 0 {
				t.Fatalf("a blank exam scored %v%%", res.Percent)
			}
			for _, task := range res.Tasks {
				if task.NotAnswered != (task.Lab != answered) || (task.NotAnswered && task.Score != 0) {
					t.Errorf("%s: %+v", task.Lab, task)
				}
			}
			if out, _, _ := run(t, home, "exam", "--review"); !strings.Contains(out, "| not answered |") {
				t.Errorf("the review does not say which tasks were not answered:\n%s", out)
			}

			out, _, _ = run(t, home, "stats", "--json")
			var stats struct {
				Labs []struct {
					Lab          string
					Status       string
					Attempts     int
					ExamAttempts int    `json:"exam_attempts"`
					LastExam     string `json:"last_exam"`
				}
			}
			if err := json.Unmarshal([]byte(out), &stats); err != nil {
				t.Fatal(err)
			}
			for _, l := range stats.Labs {
				switch {
				case l.Lab == answered:
					if l.Attempts != 1 || l.ExamAttempts != 1 || l.LastExam == "" || l.Status == "new" {
						t.Errorf("the answered task in stats: %+v", l)
					}
				case l.Attempts != 0 || l.Status != "new":
					t.Errorf("stats: %+v", l)
				}
			}
			if answered != "" {
				if out, _, _ := run(t, home, "stats"); !strings.Contains(out, "1 (1 in exams)") {
					t.Errorf("stats text does not say the attempt was an exam's:\n%s", out)
				}
			}
			out, _, _ = run(t, home, "drill", "--json", "-n", "100")
			var plan struct {
				Picks []struct{ Lab, Kind, Reason string }
			}
			if err := json.Unmarshal([]byte(out), &plan); err != nil {
				t.Fatal(err)
			}
			for _, p := range plan.Picks {
				switch {
				case p.Lab == answered:
					if p.Kind != "failed" || !strings.Contains(p.Reason, "in mock exam") {
						t.Errorf("the answered task in the drill: %+v", p)
					}
				case p.Kind != "new":
					t.Errorf("drill: %+v", p)
				}
			}
		})
	}
}

// harshestWrong is the wrong answer of l that loses the most points.
func harshestWrong(l *labs.Lab) labs.WrongAnswer {
	points := map[string]int{}
	for _, c := range l.Checks {
		points[c.ID] = c.Points
	}
	best, lost := l.Wrong[0], -1
	for _, w := range l.Wrong {
		n := 0
		for _, id := range checker.ExpectedFailures(l, w.Fails) {
			n += points[id]
		}
		if n > lost {
			best, lost = w, n
		}
	}
	return best
}
