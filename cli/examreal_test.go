package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// Published exam sets: --plan --set prints one, and nothing else may pick
// the labs or the seed with it.
func TestExamSets(t *testing.T) {
	home := t.TempDir()
	out, errOut, code := run(t, home, "exam", "--plan", "--set", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var plan struct {
		Seed  uint64 `json:"seed"`
		Set   int    `json:"set"`
		Tasks []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || plan.Set != 2 || plan.Seed != 202 || len(plan.Tasks) != 15 {
		t.Fatalf("--plan --set 2: %v %s", err, out)
	}
	again, _, _ := run(t, home, "exam", "--plan", "--set", "2", "--json")
	if again != out {
		t.Fatal("set 2 changed between two runs")
	}
	text, _, code := run(t, home, "exam", "--plan", "--set", "1")
	if code != 0 || !strings.Contains(text, "Exam set 1: seed 101, 15 tasks") || !strings.Contains(text, "Sit it with: ckadlab exam --set 1") || !strings.Contains(text, "%") {
		t.Fatalf("--plan --set 1:\n%s", text)
	}
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"exam", "--plan", "--set", "4"}, "the published exam sets are 1, 2 or 3"},
		{[]string{"exam", "--plan", "--set", "1", "--seed", "3"}, "leave out --seed"},
		{[]string{"exam", "--start", "--set", "1", "--tasks", "3"}, "leave out --tasks"},
		{[]string{"exam", "--note", "1"}, "takes the note as one argument"},
		{[]string{"exam", "--note", "1", "x", "--json"}, "no exam in progress"},
		{[]string{"exam", "--status", "extra"}, "unknown command"},
	} {
		errOut, code := runErr(t, t.TempDir(), tt.args...)
		if code != ExitError || !strings.Contains(errOut, tt.err) {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, errOut, tt.err)
		}
	}
}

// A running exam shows neutral titles, weights in percent adding up to
// 100, each task's context (informational offline), its docs, the timer's
// warning and the learner's notes; the review shows the real titles and
// the notes.
func TestExamRealismCLI(t *testing.T) {
	all := builtinLabs(t)
	home := t.TempDir()
	out, errOut, code := run(t, home, "exam", "--start", "--set", "3", "--duration", "20m", "--json")
	if code != 0 {
		t.Fatalf("start: exit %d %s", code, errOut)
	}
	var st struct {
		Warning *struct {
			Minutes int    `json:"minutes"`
			Text    string `json:"text"`
		} `json:"warning"`
		Contexts     []struct{ Name, Namespace string }
		ContextsNote string `json:"contexts_note"`
		Tasks        []struct {
			ID         string `json:"id"`
			Title      string `json:"title"`
			Weight     int    `json:"weight_percent"`
			Context    string `json:"context"`
			UseContext string `json:"use_context"`
			Namespace  string `json:"namespace"`
			Docs       []struct{ Title, URL string }
			Note       string `json:"note"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Tasks) != 15 {
		t.Fatalf("start --json: %v\n%s", err, out)
	}
	if st.Warning == nil || st.Warning.Minutes != 30 || st.Warning.Text != "30 minutes left" {
		t.Errorf("20 minutes left: warning %+v", st.Warning)
	}
	if !strings.Contains(st.ContextsNote, "informational") || len(st.Contexts) != 15 {
		t.Errorf("contexts %+v, note %q", st.Contexts, st.ContextsNote)
	}
	sum := 0
	for i, task := range st.Tasks {
		sum += task.Weight
		l := all[task.ID]
		if !strings.HasPrefix(task.Title, "Task ") || strings.Contains(task.Title, l.Title) || task.Namespace == "" || !strings.Contains(task.Title, "(namespace "+task.Namespace+")") {
			t.Errorf("task %d: title %q", i+1, task.Title)
		}
		if !strings.HasPrefix(task.Context, "ckad-k") || task.UseContext != "kubectl config use-context "+task.Context || len(task.Docs) == 0 {
			t.Errorf("task %d: %+v", i+1, task)
		}
	}
	if sum != 100 {
		t.Errorf("weights add up to %d", sum)
	}
	if out, errOut, code := run(t, home, "exam", "--note", "2", "  check the targetPort again  "); code != 0 || !strings.Contains(out, "Kept the note on Task 2 — ") {
		t.Fatalf("--note: exit %d %s %s", code, out, errOut)
	}
	if errOut, code := runErr(t, home, "exam", "--note", "16", "x"); code != ExitError || !strings.Contains(errOut, "no task 16") {
		t.Fatalf("--note 16: exit %d %s", code, errOut)
	}
	text, _, code := run(t, home, "exam", "--status")
	for _, want := range []string{"⚠ 30 minutes left", "Task 1 — ", "kubectl config use-context ckad-k1", "✎", "informational"} {
		if code != 0 || !strings.Contains(text, want) {
			t.Errorf("status lacks %q:\n%s", want, text)
		}
	}
	for _, task := range st.Tasks {
		if strings.Contains(text, all[task.ID].Title) {
			t.Errorf("status gives the title of %s away:\n%s", task.ID, text)
		}
	}
	out, _, _ = run(t, home, "exam", "--status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Tasks[1].Note != "check the targetPort again" {
		t.Fatalf("the note is not stored: %v %+v", err, st.Tasks[1])
	}
	run(t, home, "exam", "--finish", "--json")
	review, _, _ := run(t, home, "exam", "--review")
	for _, want := range []string{"Your note:\n\n> check the targetPort again", "Documentation allowed for this task:", "context `ckad-k2`", "exam --set 3", all[st.Tasks[1].ID].Title} {
		if !strings.Contains(review, want) {
			t.Errorf("the review lacks %q", want)
		}
	}
}
