package exam

import (
	"strings"
	"testing"
	"time"
)

// A task without an answer scores 0 and says so in the report.
func TestNotAnsweredTasks(t *testing.T) {
	e, p := newExam(t, 3)
	out := map[string]Outcome{
		e.Tasks[0].Lab: outcome(e.Tasks[0].Lab, 10),
		e.Tasks[1].Lab: {NotAnswered: true},
		e.Tasks[2].Lab: {NotAnswered: true},
	}
	e.SetAttempted(0, true)
	e.SetAttempted(1, true) // marked, but the workspace stayed empty
	r, err := e.Grade(out, lookupIn(p), start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range r.Tasks {
		if tr.NotAnswered != (i > 0) {
			t.Errorf("task %d: not answered = %v", i+1, tr.NotAnswered)
		}
		if i > 0 && (tr.Score != 0 || tr.Earned != 0 || tr.Max != 10 || tr.Error != "" || !tr.NotRun || len(tr.Checks) != 2) {
			t.Errorf("task %d: %+v", i+1, tr)
		}
		// The review lists every check of a task not answered, not run.
		for _, c := range tr.Checks {
			if i > 0 && (c.Passed || c.Points != 0 || c.Observed != "not run: the task was not answered") {
				t.Errorf("task %d: check %+v", i+1, c)
			}
		}
		if i == 0 && tr.NotRun {
			t.Errorf("task 1 was graded but its checks say not run")
		}
	}
	want := 100 * float64(e.Tasks[0].Points) / float64(e.Points())
	if r.Percent != round1(want) {
		t.Errorf("percent %v, want %v", r.Percent, round1(want))
	}
	md := r.Markdown()
	for _, s := range []string{"| full marks |", "| not answered |", "Not answered: the task's workspace had no answer",
		"- – **a** (0/6): \n  - not run: the task was not answered"} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown lacks %q:\n%s", s, md)
		}
	}
	if strings.Contains(md, "not marked attempted") {
		t.Errorf("a task not answered is also \"not marked attempted\":\n%s", md)
	}
	js, _ := r.Render(JSON)
	if !strings.Contains(string(js), `"not_answered": true`) || !strings.Contains(string(js), `"not_answered": false`) {
		t.Errorf("JSON lacks not_answered:\n%s", js)
	}
}
