package exam

import (
	"encoding/json"
	"github.com/ckadlab/ckadlab/internal/seeded"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/labs"
)

func TestPercents(t *testing.T) {
	tests := []struct {
		name   string
		points []int
		want   []int
	}{
		{"none", nil, []int{}},
		{"all zero", []int{0, 0}, []int{0, 0}},
		{"one task is the whole exam", []int{6}, []int{100}},
		{"exact shares", []int{4, 6, 8, 2}, []int{20, 30, 40, 10}},
		{"already percents come back unchanged", []int{7, 4, 8, 6, 75}, []int{7, 4, 8, 6, 75}},
		// 4/18 = 22.2, 6/18 = 33.3, 8/18 = 44.4: 99 rounded down, the
		// largest remainder (44.4 and 22.2 tie at .4 and .2: 44.4 has the
		// larger remainder of .44) gets the last point.
		{"largest remainder", []int{4, 6, 8}, []int{22, 33, 45}},
		// Three equal tasks: 33.3 each; the tie goes to the first.
		{"a tie goes to the earlier task", []int{6, 6, 6}, []int{34, 33, 33}},
		// A tie between unequal tasks goes to the larger one: 1/8 and 7/8
		// are 12.5 and 87.5.
		{"a tie goes to the larger task", []int{1, 7}, []int{12, 88}},
		{"negative points count as zero", []int{-3, 5}, []int{0, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Percents(tt.points)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Percents(%v) = %v, want %v", tt.points, got, tt.want)
			}
		})
	}
}

// Whatever the points, the percents add up to 100 and each is within one
// of its exact share.
func TestPercentsAddUpTo100(t *testing.T) {
	for seed := range uint64(300) {
		r := seeded.New(seed)
		n := 1 + r.Intn(20)
		pts := make([]int, n)
		total := 0
		for i := range pts {
			pts[i] = []int{4, 6, 8}[r.Intn(3)]
			total += pts[i]
		}
		got := Percents(pts)
		sum := 0
		for i, p := range got {
			sum += p
			exact := 100 * float64(pts[i]) / float64(total)
			if math.Abs(float64(p)-exact) >= 1 {
				t.Fatalf("%v: %d%% for an exact %.2f%%", pts, p, exact)
			}
		}
		if sum != 100 {
			t.Fatalf("%v: percents %v add up to %d", pts, got, sum)
		}
	}
}

func TestWarnings(t *testing.T) {
	e, _ := newExam(t, 3) // two hours from start
	tests := []struct {
		at   time.Duration // since the start
		want int           // minutes of the warning, 0 none
		text string
	}{
		{0, 0, ""},
		{89*time.Minute + 59*time.Second, 0, ""}, // 30:01 left
		{90 * time.Minute, 30, "30 minutes left"},
		{100 * time.Minute, 30, "30 minutes left"},
		{104*time.Minute + 59*time.Second, 30, "30 minutes left"},
		{105 * time.Minute, 15, "15 minutes left"},
		{114*time.Minute + 59*time.Second, 15, "15 minutes left"},
		{115 * time.Minute, 5, "5 minutes left"},
		{2*time.Hour - time.Second, 5, "5 minutes left"},
		{2 * time.Hour, 0, ""}, // time is up: grading, no warning
		{3 * time.Hour, 0, ""},
	}
	for _, tt := range tests {
		w, ok := e.Warning(start.Add(tt.at))
		if ok != (tt.want > 0) || w.Minutes != tt.want || w.Text != tt.text {
			t.Errorf("at +%s: %+v %v, want %d minutes", tt.at, w, ok, tt.want)
		}
	}
}

func TestNeutralTitles(t *testing.T) {
	tests := []struct {
		n    int
		task Task
		want string
	}{
		{7, Task{Title: "namespaceSelector AND podSelector: one peer, not two", Domain: labs.NetworkPolicy, Namespace: "shop"}, "Task 7 — NetworkPolicy (namespace shop)"},
		{1, Task{Title: "Fix the 503", Domain: labs.Ingress, Namespace: "ticketing"}, "Task 1 — Ingress (namespace ticketing)"},
		{12, Task{Title: "Fix the selector", Domain: labs.Services, Namespace: "support"}, "Task 12 — Services (namespace support)"},
		{2, Task{Title: "x", Domain: labs.Services}, "Task 2 — Services"},
	}
	for _, tt := range tests {
		got := NeutralTitle(tt.n, tt.task)
		if got != tt.want {
			t.Errorf("NeutralTitle(%d) = %q, want %q", tt.n, got, tt.want)
		}
		if strings.Contains(got, tt.task.Title) {
			t.Errorf("%q gives the lab's title away", got)
		}
	}
}

// Every built-in lab's neutral title leaves its title out.
func TestNeutralTitlesOfTheBuiltInLabs(t *testing.T) {
	all := builtIn(t)
	plan, err := Draw(all, DrawOptions{Seed: 5, Tasks: len(all)})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New("e", plan, lookupIn(all), func(k string) string { return "/ws/" + k }, "offline", start, DefaultDuration)
	if err != nil {
		t.Fatal(err)
	}
	for i, task := range e.Tasks {
		got := NeutralTitle(i+1, task)
		if strings.Contains(got, task.Title) || strings.Contains(got, task.Lab) || strings.Contains(task.Workspace, task.Lab) {
			t.Errorf("task %d (%s): %q, workspace %s", i+1, task.Lab, got, task.Workspace)
		}
	}
}

func TestContextsPerNamespace(t *testing.T) {
	p := []*labs.Lab{
		{ID: "a", Domain: labs.Services, Namespace: "shop"},
		{ID: "b", Domain: labs.Ingress, Namespace: "web"},
		{ID: "c", Domain: labs.NetworkPolicy, Namespace: "shop"},
		{ID: "d", Domain: labs.NetworkPolicy, Namespace: "bank"},
	}
	plan := Plan{Tasks: []PlanTask{{"a", labs.Services, 6}, {"b", labs.Ingress, 6}, {"c", labs.NetworkPolicy, 6}, {"d", labs.NetworkPolicy, 6}}}
	e, err := New("e", plan, lookupIn(p), func(k string) string { return "/ws/" + k }, "offline", start, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range e.Tasks {
		got = append(got, task.Context)
	}
	if want := []string{"ckad-k1", "ckad-k2", "ckad-k1", "ckad-k3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("contexts %v, want %v (one per namespace)", got, want)
	}
	want := []KubeContext{{"ckad-k1", "shop"}, {"ckad-k2", "web"}, {"ckad-k3", "bank"}}
	if cs := e.Contexts(); !reflect.DeepEqual(cs, want) {
		t.Fatalf("Contexts() = %v, want %v", cs, want)
	}
	if e.Tasks[3].Workspace != "/ws/task-04" {
		t.Errorf("workspace %s, want /ws/task-04", e.Tasks[3].Workspace)
	}
	// An exam stored before contexts gets them when read back.
	for i := range e.Tasks {
		e.Tasks[i].Context = ""
	}
	data, _ := e.Marshal()
	back, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if cs := back.Contexts(); !reflect.DeepEqual(cs, want) {
		t.Fatalf("contexts of an old exam: %v, want %v", cs, want)
	}
}

func TestNotes(t *testing.T) {
	e, p := newExam(t, 3)
	if err := e.SetNote(1, "  check the port again\n\n"); err != nil {
		t.Fatal(err)
	}
	if err := e.SetNote(3, "x"); err == nil {
		t.Fatal("a note on task 4 of 3")
	}
	data, _ := e.Marshal()
	back, err := Unmarshal(data)
	if err != nil || back.Tasks[1].Note != "check the port again" {
		t.Fatalf("the note did not survive a save: %+v %v", back.Tasks[1], err)
	}
	if !strings.Contains(string(data), `"note":"check the port again"`) || strings.Count(string(data), `"note"`) != 1 {
		t.Errorf("stored state: %s", data)
	}
	r, err := back.Grade(map[string]Outcome{}, lookupIn(p), start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r.Tasks[1].Note != "check the port again" {
		t.Fatalf("the result lacks the note: %+v", r.Tasks[1])
	}
	md := r.Markdown()
	if !strings.Contains(md, "Your note:\n\n> check the port again\n") || !strings.Contains(md, "| note;") && !strings.Contains(md, "; note") {
		t.Errorf("the report lacks the note:\n%s", md)
	}
	js, _ := r.Render(JSON)
	var decoded struct {
		Tasks []struct {
			Note string `json:"note"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(js, &decoded); err != nil || decoded.Tasks[1].Note != "check the port again" {
		t.Fatalf("JSON note: %v %s", err, js)
	}
	// Clearing it removes it.
	back.Result = nil
	back.SetNote(1, " \n")
	if back.Tasks[1].Note != "" {
		t.Fatal("a blank note was kept")
	}
}

// The report shows each task's weight, context, namespace and the
// documentation it allowed.
func TestReportShowsWeightsContextsAndDocs(t *testing.T) {
	e, p := newExam(t, 3)
	r, err := e.Grade(map[string]Outcome{}, lookupIn(p), start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for i, tr := range r.Tasks {
		sum += tr.Weight
		if tr.Weight != e.Weights()[i] || tr.Context != e.Tasks[i].Context || tr.Namespace != e.Tasks[i].Namespace || len(tr.Docs) == 0 {
			t.Errorf("task %d: %+v", i+1, tr)
		}
	}
	if sum != 100 {
		t.Errorf("weights add up to %d", sum)
	}
	md := r.Markdown()
	for _, want := range []string{"| Weight |", "context `ckad-k1`", "Documentation allowed for this task:", "](https://kubernetes.io/docs/"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}

func TestTaskDocument(t *testing.T) {
	task := Task{Title: "namespaceSelector AND podSelector: one peer, not two", Domain: labs.NetworkPolicy, Namespace: "shop",
		Context: "ckad-k3", Docs: Docs(labs.NetworkPolicy, nil)}
	tests := []struct {
		name string
		live bool
		want []string
		not  []string
	}{
		{"live", true, []string{"# Task 7 — NetworkPolicy (namespace shop)\n\n**Weight: 7%**", "kubectl config use-context ckad-k3",
			"Work in namespace `shop` (the context's default namespace).", "Allow the frontend.\n",
			"Documentation you may use:\n\n- [Network Policies](https://kubernetes.io/docs/concepts/services-networking/network-policies/)"},
			[]string{"informational", task.Title}},
		{"offline", false, []string{"kubectl config use-context ckad-k3", "the context line is informational"}, []string{task.Title}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := TaskDocument(7, task, 7, "  Allow the frontend.\n\n", tt.live)
			for _, w := range tt.want {
				if !strings.Contains(doc, w) {
					t.Errorf("lacks %q:\n%s", w, doc)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(doc, w) {
					t.Errorf("has %q:\n%s", w, doc)
				}
			}
			if !strings.HasPrefix(doc, "# Task 7") || strings.Index(doc, "use-context") > strings.Index(doc, "Allow the frontend") {
				t.Errorf("the task does not start with its title and context line:\n%s", doc)
			}
		})
	}
}
