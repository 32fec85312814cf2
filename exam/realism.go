package exam

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// This file is what makes a mock exam look like the real one: the kube
// context each task names, the task weights in percent, the timer's
// warnings, and the neutral task titles shown while the exam runs.

// ContextPrefix starts the name of every kube context an exam task names
// (ckad-k1, ckad-k2, …), after the real exam's per-task contexts.
const ContextPrefix = "ckad-k"

// ContextName is the n-th (1-based) exam context.
func ContextName(n int) string { return fmt.Sprintf("%s%d", ContextPrefix, n) }

// assignContexts gives every task its kube context: one per namespace, in
// the order the tasks first name it, so a context's default namespace is
// the namespace its tasks work in.
func assignContexts(tasks []Task) {
	byNS := map[string]string{}
	for i := range tasks {
		ns := tasks[i].Namespace
		c, ok := byNS[ns]
		if !ok {
			c = ContextName(len(byNS) + 1)
			byNS[ns] = c
		}
		tasks[i].Context = c
	}
}

// KubeContext is a kube context of an exam: its name and its default
// namespace.
type KubeContext struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// Contexts are the exam's kube contexts, each once, in task order.
func (e *Exam) Contexts() []KubeContext {
	var out []KubeContext
	seen := map[string]bool{}
	for _, t := range e.Tasks {
		if t.Context == "" || seen[t.Context] {
			continue
		}
		seen[t.Context] = true
		out = append(out, KubeContext{Name: t.Context, Namespace: t.Namespace})
	}
	return out
}

// UseContext is the command a task starts with.
func UseContext(context string) string { return "kubectl config use-context " + context }

// Percents turns points into whole percents of their sum that add up to
// exactly 100 (Hamilton's largest remainder method: each share rounded
// down, then the points left go to the largest remainders, ties to the
// task with more points, then to the earlier task). Values that already
// add up to 100 come back unchanged. All zero (or none) gives zeros.
// Every view of an exam (the TUI, `exam --status`, `--plan`, the report)
// shows these numbers.
func Percents(points []int) []int {
	out := make([]int, len(points))
	total := 0
	for _, p := range points {
		total += max(0, p)
	}
	if total == 0 {
		return out
	}
	type rem struct {
		i    int
		frac float64
	}
	rems := make([]rem, len(points))
	left := 100
	for i, p := range points {
		exact := 100 * float64(max(0, p)) / float64(total)
		out[i] = int(math.Floor(exact + 1e-9))
		left -= out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool {
		ra, rb := rems[a], rems[b]
		if math.Abs(ra.frac-rb.frac) > 1e-9 {
			return ra.frac > rb.frac
		}
		return points[ra.i] > points[rb.i]
	})
	for k := 0; left > 0 && k < len(rems); k++ {
		out[rems[k].i]++
		left--
	}
	return out
}

// Weights are the tasks' weights in percent (see Percents).
func (e *Exam) Weights() []int {
	pts := make([]int, len(e.Tasks))
	for i, t := range e.Tasks {
		pts[i] = t.Points
	}
	return Percents(pts)
}

// PlanWeights are a plan's task weights in percent (see Percents).
func (p Plan) Weights() []int {
	pts := make([]int, len(p.Tasks))
	for i, t := range p.Tasks {
		pts[i] = t.Points
	}
	return Percents(pts)
}

// Warning is a timer warning: the real exam warns at 30, 15 and 5
// minutes left.
type Warning struct {
	// Minutes is the mark the time left has passed (30, 15 or 5).
	Minutes int `json:"minutes"`
	// Text says it: "30 minutes left".
	Text string `json:"text"`
}

// WarningMarks are the warnings' marks, latest last.
var WarningMarks = []time.Duration{30 * time.Minute, 15 * time.Minute, 5 * time.Minute}

// WarningFor is the warning for a time left: the smallest mark it is at
// or under, none (ok false) above 30 minutes or once the time is up.
func WarningFor(left time.Duration) (Warning, bool) {
	if left <= 0 {
		return Warning{}, false
	}
	var w Warning
	ok := false
	for _, m := range WarningMarks {
		if left <= m {
			mins := int(m / time.Minute)
			w, ok = Warning{Minutes: mins, Text: fmt.Sprintf("%d minutes left", mins)}, true
		}
	}
	return w, ok
}

// Warning is the exam's timer warning at now (see WarningFor).
func (e *Exam) Warning(now time.Time) (Warning, bool) {
	return WarningFor(e.Remaining(now))
}

// NeutralTitle is a task's title while the exam runs: its number, domain
// and namespace ("Task 7 — NetworkPolicy (namespace shop)"), never the
// lab's title, which often names the answer. The review shows the lab's
// title.
func NeutralTitle(number int, t Task) string {
	return fmt.Sprintf("Task %d — %s", number, t.Topic())
}

// Topic is a task's domain and namespace ("NetworkPolicy (namespace
// shop)"), for lists too narrow for NeutralTitle.
func (t Task) Topic() string {
	if t.Namespace == "" {
		return t.Domain.Title()
	}
	return fmt.Sprintf("%s (namespace %s)", t.Domain.Title(), t.Namespace)
}

// TaskDocument is a task as the learner reads it during the exam
// (Markdown): the neutral title, the weight, the context line and where to
// work, the lab's task text, then the documentation it may look up. live
// is whether a kubeconfig holds the context; offline the context line is
// informational.
func TaskDocument(number int, t Task, weight int, taskText string, live bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", NeutralTitle(number, t))
	fmt.Fprintf(&b, "**Weight: %d%%**\n\n", weight)
	if t.Context != "" {
		fmt.Fprintf(&b, "Set the context first:\n\n```sh\n%s\n```\n\n", UseContext(t.Context))
	}
	switch {
	case live:
		fmt.Fprintf(&b, "Work in namespace `%s` (the context's default namespace).\n\n", t.Namespace)
	case t.Context != "":
		fmt.Fprintf(&b, "Work in namespace `%s`. The offline cluster has no API server, so the context line is informational: write your answer as YAML files in this task's workspace.\n\n", t.Namespace)
	default:
		fmt.Fprintf(&b, "Work in namespace `%s`: write your answer as YAML files in this task's workspace.\n\n", t.Namespace)
	}
	b.WriteString("---\n\n")
	b.WriteString(strings.TrimSpace(taskText))
	b.WriteString("\n")
	if len(t.Docs) > 0 {
		b.WriteString("\n---\n\nDocumentation you may use:\n\n")
		for _, d := range t.Docs {
			fmt.Fprintf(&b, "- [%s](%s)\n", d.Title, d.URL)
		}
	}
	return b.String()
}
