package exam

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

// pool is a synthetic pool: 7 services, 3 ingress and 7 networkpolicy labs
// (the built-in pool's shape), with a mix of difficulties.
func pool() []*labs.Lab {
	var out []*labs.Lab
	diffs := []string{labs.Easy, labs.Medium, labs.Hard}
	add := func(d labs.Domain, prefix string, n int) {
		for i := range n {
			out = append(out, &labs.Lab{ID: fmt.Sprintf("%s-%d", prefix, i+1), Title: fmt.Sprintf("%s lab %d", d.Title(), i+1),
				Domain: d, Difficulty: diffs[i%3], Points: 10, Minutes: 8, Namespace: prefix,
				Checks:   []labs.Check{{ID: "a", Points: 6}, {ID: "b", Points: 4}},
				Solution: labs.Solution{Commands: []string{"kubectl apply -f x.yaml"}, Manifests: "kind: Service\n"}})
		}
	}
	add(labs.Services, "svc", 7)
	add(labs.Ingress, "ing", 3)
	add(labs.NetworkPolicy, "np", 7)
	return out
}

func lookupIn(p []*labs.Lab) func(string) (*labs.Lab, error) {
	return func(id string) (*labs.Lab, error) {
		for _, l := range p {
			if l.ID == id {
				return l, nil
			}
		}
		return nil, fmt.Errorf("unknown lab %q", id)
	}
}

func ids(p Plan) []string {
	var out []string
	for _, t := range p.Tasks {
		out = append(out, t.ID)
	}
	return out
}

func perDomain(p Plan) map[labs.Domain]int {
	m := map[labs.Domain]int{}
	for _, t := range p.Tasks {
		m[t.Domain]++
	}
	return m
}

func TestDrawQuotas(t *testing.T) {
	tests := []struct {
		name    string
		tasks   int
		weights string
		want    map[labs.Domain]int
		err     string
	}{
		{"default is 15, proportional to the pool", 0, "", map[labs.Domain]int{labs.Services: 6, labs.Ingress: 3, labs.NetworkPolicy: 6}, ""},
		{"whole pool", 17, "", map[labs.Domain]int{labs.Services: 7, labs.Ingress: 3, labs.NetworkPolicy: 7}, ""},
		{"three tasks cover every domain", 3, "", map[labs.Domain]int{labs.Services: 1, labs.Ingress: 1, labs.NetworkPolicy: 1}, ""},
		{"small exam keeps the proportions", 7, "", map[labs.Domain]int{labs.Services: 3, labs.Ingress: 1, labs.NetworkPolicy: 3}, ""},
		{"one task", 1, "", map[labs.Domain]int{labs.Services: 1}, ""},
		{"weights", 10, "services=1,ingress=1,networkpolicy=3", map[labs.Domain]int{labs.Services: 2, labs.Ingress: 2, labs.NetworkPolicy: 6}, ""},
		{"a capped domain passes its share on", 12, "ingress=10,services=1,np=1", map[labs.Domain]int{labs.Services: 5, labs.Ingress: 3, labs.NetworkPolicy: 4}, ""},
		{"a zero weight leaves a domain out", 8, "services=1,networkpolicy=1", map[labs.Domain]int{labs.Services: 4, labs.NetworkPolicy: 4}, ""},
		{"more than the pool", 18, "", nil, "only 17 labs"},
		{"more than the weighted domains have", 11, "ingress=1,services=1", nil, "only 10 labs"},
		{"negative", -2, "", nil, "want a positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DrawOptions{Seed: 7, Tasks: tt.tasks}
			if tt.weights != "" {
				w, err := ParseWeights(tt.weights)
				if err != nil {
					t.Fatal(err)
				}
				opts.Weights = w
			}
			p, err := Draw(pool(), opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := perDomain(p); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("per domain = %v, want %v", got, tt.want)
			}
			seen := map[string]bool{}
			for _, task := range p.Tasks {
				if seen[task.ID] {
					t.Fatalf("%s drawn twice", task.ID)
				}
				seen[task.ID] = true
			}
		})
	}
}

// The same seed is the same exam, forever: these draws are pinned.
func TestDrawSeedStability(t *testing.T) {
	tests := []struct {
		seed  uint64
		tasks int
		want  string
	}{
		{1, 5, "ing-3 np-1 svc-6 np-7 svc-7"},
		{42, 5, "svc-3 np-2 np-1 ing-3 svc-5"},
		{42, 15, "svc-3 np-2 svc-1 np-3 svc-7 ing-1 svc-2 svc-5 ing-3 np-6 svc-4 np-1 ing-2 np-5 np-4"},
		{123456, 3, "np-2 svc-4 ing-3"},
	}
	for _, tt := range tests {
		p, err := Draw(pool(), DrawOptions{Seed: tt.seed, Tasks: tt.tasks})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(ids(p), " "); got != tt.want {
			t.Errorf("seed %d, %d tasks: %s, want %s", tt.seed, tt.tasks, got, tt.want)
		}
		// The pool's order does not matter.
		rev := pool()
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		p2, _ := Draw(rev, DrawOptions{Seed: tt.seed, Tasks: tt.tasks})
		if !reflect.DeepEqual(p, p2) {
			t.Errorf("seed %d: a reordered pool gives another exam", tt.seed)
		}
	}
}

func TestDrawSeedsDiffer(t *testing.T) {
	seen := map[string]uint64{}
	for seed := range uint64(50) {
		p, err := Draw(pool(), DrawOptions{Seed: seed, Tasks: 8})
		if err != nil {
			t.Fatal(err)
		}
		key := strings.Join(ids(p), " ")
		if other, dup := seen[key]; dup {
			t.Fatalf("seeds %d and %d give the same exam", other, seed)
		}
		seen[key] = seed
	}
}

// Over many seeds every lab of a domain is drawn about equally often.
func TestDrawIsUniformWithinADomain(t *testing.T) {
	counts := map[string]int{}
	const n = 3000
	for seed := range uint64(n) {
		p, _ := Draw(pool(), DrawOptions{Seed: seed, Tasks: 7})
		for _, id := range ids(p) {
			counts[id]++
		}
	}
	// Services: 3 of 7 labs per exam → 3/7 of the draws each.
	for i := 1; i <= 7; i++ {
		got := float64(counts[fmt.Sprintf("svc-%d", i)]) / n
		if got < 3.0/7-0.05 || got > 3.0/7+0.05 {
			t.Errorf("svc-%d drawn in %.2f of exams, want about %.2f", i, got, 3.0/7)
		}
	}
}

func TestDrawBuiltInContent(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{0, 1, 99} {
		p, err := Draw(all, DrawOptions{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Tasks) != min(DefaultTasks, len(all)) {
			t.Fatalf("%d tasks", len(p.Tasks))
		}
		for _, d := range labs.Domains {
			if perDomain(p)[d] == 0 {
				t.Errorf("seed %d: no %s task", seed, d)
			}
		}
	}
}

func TestParseWeights(t *testing.T) {
	tests := []struct {
		in   string
		want Weights
		err  string
	}{
		{"services=2,ingress=1,networkpolicy=2", Weights{labs.Services: 2, labs.Ingress: 1, labs.NetworkPolicy: 2}, ""},
		{" np=0.5 , svc=1 ", Weights{labs.Services: 1, labs.NetworkPolicy: 0.5}, ""},
		{"services", nil, "want DOMAIN=NUMBER"},
		{"storage=1", nil, "unknown domain"},
		{"services=-1", nil, "≥ 0"},
		{"services=1,svc=2", nil, "given twice"},
		{"", nil, "none given"},
	}
	for _, tt := range tests {
		w, err := ParseWeights(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !maps.Equal(w, tt.want) {
			t.Errorf("%q = %v, %v; want %v", tt.in, w, err, tt.want)
		}
	}
}

var start = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func newExam(t *testing.T, tasks int) (*Exam, []*labs.Lab) {
	t.Helper()
	p := pool()
	plan, err := Draw(p, DrawOptions{Seed: 42, Tasks: tasks})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New("e1", plan, lookupIn(p), func(id string) string { return "/ws/" + id }, "offline", start, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return e, p
}

func TestTimingWithAFakeClock(t *testing.T) {
	e, _ := newExam(t, 3)
	tests := []struct {
		at      time.Duration
		left    time.Duration
		expired bool
		clock   string
	}{
		{0, 2 * time.Hour, false, "2:00:00"},
		{83 * time.Minute, 37 * time.Minute, false, "0:37:00"},
		{2*time.Hour - time.Second, time.Second, false, "0:00:01"},
		{2 * time.Hour, 0, true, "0:00:00"},
		{5 * time.Hour, 0, true, "0:00:00"},
	}
	for _, tt := range tests {
		now := start.Add(tt.at)
		if got := e.Remaining(now); got != tt.left || e.Expired(now) != tt.expired || Clock(got) != tt.clock {
			t.Errorf("at +%s: remaining %s (%s), expired %v", tt.at, got, Clock(got), e.Expired(now))
		}
	}
	// A resumed exam keeps its deadline.
	data, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(data)
	if err != nil || !back.Deadline.Equal(e.Deadline) || back.Remaining(start.Add(time.Hour)) != time.Hour {
		t.Fatalf("resumed: %+v, %v", back, err)
	}
	if _, err := New("e2", Plan{Tasks: []PlanTask{{ID: "svc-1"}}}, lookupIn(pool()), func(string) string { return "" }, "offline", start, 0); err == nil {
		t.Fatal("a zero duration was accepted")
	}
}

func TestNavigationFlagsAndAttempts(t *testing.T) {
	e, _ := newExam(t, 4)
	e.Move(-1)
	if e.Current != 3 || !e.Tasks[3].Visited {
		t.Fatalf("move back from the first wraps to the last: %d", e.Current)
	}
	e.Move(1)
	if e.Current != 0 {
		t.Fatalf("move forward from the last wraps: %d", e.Current)
	}
	if err := e.Goto(4); err == nil {
		t.Fatal("goto past the end")
	}
	e.ToggleFlag(2)
	e.SetAttempted(1, true)
	e.SetAttempted(2, true)
	if f, a := e.Counts(); f != 1 || a != 2 {
		t.Fatalf("counts = %d flagged, %d attempted", f, a)
	}
	e.ToggleFlag(2)
	if f, _ := e.Counts(); f != 0 {
		t.Fatal("unflag failed")
	}
}

// outcome builds a report scoring score of the lab's 10 check points.
func outcome(lab string, score int) Outcome {
	rep := &checker.Report{Lab: lab, Score: score, Max: 10}
	rep.Checks = []checker.Result{{ID: "a", Passed: score >= 6, Points: min(score, 6), Max: 6}, {ID: "b", Passed: score == 10, Max: 4,
		Expected: "connects", Observed: "refused", Why: "no endpoints"}}
	return Outcome{Report: rep}
}

func TestScoringAndPassMark(t *testing.T) {
	// Three tasks of 4, 6 and 8 points (easy, medium, hard): 18 points.
	p := pool()
	plan := Plan{Seed: 1, Tasks: []PlanTask{{"svc-1", labs.Services, 4}, {"svc-2", labs.Services, 6}, {"np-3", labs.NetworkPolicy, 8}}}
	tests := []struct {
		name    string
		scores  map[string]int // check points of 10
		errs    map[string]bool
		at      time.Duration
		earned  float64
		percent float64
		passed  bool
		expired bool
		domain  map[labs.Domain]float64
	}{
		{"full marks", map[string]int{"svc-1": 10, "svc-2": 10, "np-3": 10}, nil, time.Hour, 18, 100, true, false,
			map[labs.Domain]float64{labs.Services: 100, labs.NetworkPolicy: 100}},
		{"nothing", map[string]int{"svc-1": 0, "svc-2": 0, "np-3": 0}, nil, time.Hour, 0, 0, false, false,
			map[labs.Domain]float64{labs.Services: 0, labs.NetworkPolicy: 0}},
		// 4*1 + 6*0.6 + 8*0.6 = 12.4 of 18 = 68.9%.
		{"partial credit passes", map[string]int{"svc-1": 10, "svc-2": 6, "np-3": 6}, nil, time.Hour, 12.4, 68.9, true, false,
			map[labs.Domain]float64{labs.Services: 76, labs.NetworkPolicy: 60}},
		// 4*1 + 6*1 + 8*0.2 = 11.6 of 18 = 64.4%: fails.
		{"just under the mark", map[string]int{"svc-1": 10, "svc-2": 10, "np-3": 2}, nil, time.Hour, 11.6, 64.4, false, false,
			map[labs.Domain]float64{labs.Services: 100, labs.NetworkPolicy: 20}},
		// An ungradable answer scores 0 for its task only.
		{"bad YAML scores zero", map[string]int{"svc-1": 10, "np-3": 10}, map[string]bool{"svc-2": true}, time.Hour, 12, 66.7, true, false,
			map[labs.Domain]float64{labs.Services: 40, labs.NetworkPolicy: 100}},
		{"graded at expiry", map[string]int{"svc-1": 10, "svc-2": 10, "np-3": 10}, nil, 3 * time.Hour, 18, 100, true, true,
			map[labs.Domain]float64{labs.Services: 100, labs.NetworkPolicy: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New("e1", plan, lookupIn(p), func(id string) string { return "/ws/" + id }, "offline", start, 2*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]Outcome{}
			for lab, s := range tt.scores {
				out[lab] = outcome(lab, s)
			}
			for lab := range tt.errs {
				out[lab] = Outcome{Err: errors.New("answer.yaml: document 1: unknown kind")}
			}
			r, err := e.Grade(out, lookupIn(p), start.Add(tt.at))
			if err != nil {
				t.Fatal(err)
			}
			if r.Earned != tt.earned || r.Percent != tt.percent || r.Passed != tt.passed || r.Points != 18 || r.Expired != tt.expired {
				t.Fatalf("result: earned %v percent %v passed %v expired %v", r.Earned, r.Percent, r.Passed, r.Expired)
			}
			for _, d := range r.Domains {
				if d.Percent != tt.domain[d.Domain] {
					t.Errorf("%s: %v%%, want %v%%", d.Domain, d.Percent, tt.domain[d.Domain])
				}
			}
			wantUsed := int64(tt.at / time.Second)
			if tt.expired {
				wantUsed = 7200
			}
			if r.TimeUsedSeconds != wantUsed {
				t.Errorf("time used %ds, want %d", r.TimeUsedSeconds, wantUsed)
			}
			if !e.Done() || e.Result != r {
				t.Fatal("the result is not kept in the exam")
			}
			if _, err := e.Grade(out, lookupIn(p), start); err == nil {
				t.Fatal("graded twice")
			}
		})
	}
}

func TestPassMarkBoundary(t *testing.T) {
	// Two tasks of 6 points; check points out of 50 give exact percents.
	p := []*labs.Lab{
		{ID: "a", Domain: labs.Services, Difficulty: labs.Medium, Checks: []labs.Check{{ID: "x", Points: 50}}},
		{ID: "b", Domain: labs.Ingress, Difficulty: labs.Medium, Checks: []labs.Check{{ID: "x", Points: 50}}},
	}
	tests := []struct {
		a, b   int
		passed bool
	}{
		{50, 16, true},  // 66%
		{50, 15, false}, // 65%
		{33, 33, true},  // 66%
		{33, 32, false}, // 65%
	}
	for _, tt := range tests {
		e, _ := New("e", Plan{Tasks: []PlanTask{{"a", labs.Services, 6}, {"b", labs.Ingress, 6}}}, lookupIn(p), func(string) string { return "" }, "offline", start, time.Hour)
		r, _ := e.Grade(map[string]Outcome{
			"a": {Report: &checker.Report{Score: tt.a, Max: 50}},
			"b": {Report: &checker.Report{Score: tt.b, Max: 50}},
		}, lookupIn(p), start)
		if r.Passed != tt.passed {
			t.Errorf("%d+%d of 100: %v%% passed=%v, want %v", tt.a, tt.b, r.Percent, r.Passed, tt.passed)
		}
	}
}

func TestReportMarkdownAndJSON(t *testing.T) {
	e, p := newExam(t, 3)
	e.ToggleFlag(1)
	e.SetAttempted(0, true)
	out := map[string]Outcome{}
	for i, task := range e.Tasks {
		out[task.Lab] = outcome(task.Lab, []int{10, 6, 0}[i])
	}
	r, err := e.Grade(out, lookupIn(p), start.Add(95*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	md, err := r.Render(Markdown)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# ckadlab mock exam e1", "**FAIL: ", "the pass mark is 66%", "--seed 42 --tasks 3", "Time used: 1:35:00 of 2:00:00",
		"## By domain", "## By task", "flagged", "not marked attempted", "## Review",
		"- ✗ **b** (0/4)", "  - why: no endpoints", "Reference solution:", "kubectl apply -f x.yaml", "```yaml\nkind: Service",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	js, err := r.Render(JSON)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.Percent != r.Percent || len(back.Tasks) != 3 || back.Tasks[0].Solution.Commands[0] != "kubectl apply -f x.yaml" || back.PassMark != 66 {
		t.Fatalf("JSON round trip: %+v", back)
	}
	for _, tt := range []struct {
		path string
		f    Format
		err  bool
	}{{"r.md", Markdown, false}, {"R.MARKDOWN", Markdown, false}, {"x/r.json", JSON, false}, {"r.txt", "", true}, {"r", "", true}} {
		f, err := FormatFor(tt.path)
		if f != tt.f || (err != nil) != tt.err {
			t.Errorf("FormatFor(%q) = %q, %v", tt.path, f, err)
		}
	}
}

func TestUnmarshalRejectsBadState(t *testing.T) {
	for _, tt := range []struct{ in, err string }{
		{`{`, "damaged"},
		{`{"version": 9, "id": "x"}`, "newer ckadlab"},
		{`{"version": 1, "id": "x"}`, "incomplete"},
	} {
		if _, err := Unmarshal([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.in, err, tt.err)
		}
	}
}

// BenchmarkDraw is the cost of drawing a 15-task exam from the built-in pool.
func BenchmarkDraw(b *testing.B) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := Draw(all, DrawOptions{Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}
