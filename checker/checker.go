// Package checker grades a lab: it runs the lab's checks against a
// cluster.Backend (resource assertions and connectivity probes,
// concurrently) and returns plain results with expected, observed and why.
package checker

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Result is the outcome of one check.
type Result struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Kind        string `json:"kind"` // "resource", "selects" or "probe"
	Passed      bool   `json:"passed"`
	Points      int    `json:"points"` // earned: Max when passed, else 0
	Max         int    `json:"max"`
	Expected    string `json:"expected"`
	Observed    string `json:"observed"`
	// Why explains a verdict in one or more sentences (joined with "; ").
	Why     string   `json:"why"`
	Reasons []string `json:"reasons,omitempty"`
	// Cause are the reasons that decided the verdict, the first of
	// them first (a near miss, the deciding hop); the other reasons are
	// the path the traffic took. Empty: every reason counts (see Brief).
	Cause []string `json:"cause,omitempty"`
	// Probe is the raw probe result for probe checks.
	Probe *probe.Result `json:"probe,omitempty"`
	// Error is set when the check could not be run at all (the cluster did
	// not answer, an unknown pod); such a check counts as failed.
	Error string `json:"error,omitempty"`
	// Ungraded is set when the backend cannot grade the check here (a
	// live cluster whose network plugin does not enforce NetworkPolicy):
	// it neither passes nor fails, and its points leave the maximum.
	Ungraded bool `json:"ungraded,omitempty"`
	// Blocked lists the required checks that did not pass; the check was
	// then not run and counts as failed.
	Blocked []string `json:"blocked_by,omitempty"`
}

// Report is the outcome of a check run.
type Report struct {
	Lab      string        `json:"lab"`
	Backend  string        `json:"backend"`
	Score    int           `json:"score"`
	Max      int           `json:"max"`
	Checks   []Result      `json:"checks"`
	Duration time.Duration `json:"duration_ns"`
}

// Passed reports whether every check passed.
func (r *Report) Passed() bool { return r.Score == r.Max }

// Explanation is why the check came out as it did, one reason a line:
// its Reasons, or Why as the only one (nil when there is neither). Every
// report (the CLI, the TUI's check and exam screens, the exam report)
// shows a failed check's explanation so.
func (r Result) Explanation() []string {
	if len(r.Reasons) > 0 {
		return r.Reasons
	}
	if r.Why != "" {
		return []string{r.Why}
	}
	return nil
}

// Brief is the explanation with the path folded: the lines of Cause
// (or the whole explanation when there is no Cause) and how many other
// lines Explanation has. Reports show Brief and offer the full path.
func (r Result) Brief() (lines []string, folded int) {
	all := r.Explanation()
	if len(r.Cause) == 0 {
		return all, 0
	}
	folded = len(all)
	for _, l := range r.Cause {
		if slices.Contains(all, l) {
			folded--
		}
	}
	return r.Cause, folded
}

// Percent is the score in percent (0 when Max is 0).
func (r *Report) Percent() float64 {
	if r.Max == 0 {
		return 0
	}
	return 100 * float64(r.Score) / float64(r.Max)
}

// Failed lists the ids of the failed checks, in lab order.
func (r *Report) Failed() []string {
	var ids []string
	for _, c := range r.Checks {
		if !c.Passed && !c.Ungraded {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Options tune a run.
type Options struct {
	// Concurrency bounds the checks in flight (default: 2×CPUs, at least 4).
	Concurrency int
	// OnResult, when set, is called once per check as soon as it finishes
	// (from several goroutines, never concurrently with itself).
	OnResult func(Result)
	// Speculate runs a check at once, alongside its requirements, instead
	// of after them: checks only read, so the grade is the same, and a
	// chain of slow probes (a drop is seen only after a timeout) takes as
	// long as its slowest link, not the sum. A check whose requirement
	// fails is cancelled and its result discarded. For backends whose
	// checks wait on the network (live clusters).
	Speculate bool
}

// Run grades lab against b. It returns an error only when ctx is cancelled;
// every other problem is reported per check. A check with requirements
// waits for them, and is not run (it fails, saying which requirement
// failed) unless each of them passed or could not be graded here.
func Run(ctx context.Context, lab *labs.Lab, b cluster.Backend, opts Options) (*Report, error) {
	start := time.Now()
	n := opts.Concurrency
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	rep := &Report{Lab: lab.ID, Backend: b.Name(), Checks: make([]Result, len(lab.Checks))}
	index := make(map[string]int, len(lab.Checks))
	done := make([]chan struct{}, len(lab.Checks))
	for i, c := range lab.Checks {
		index[c.ID] = i
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var cbMu sync.Mutex
	for i := range lab.Checks {
		c := &lab.Checks[i]
		rep.Max += c.Points
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			run := func(ctx context.Context) Result {
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
					return runOne(ctx, lab, c, b)
				case <-ctx.Done():
					return errResult(c, ctx.Err())
				}
			}
			var r Result
			if opts.Speculate && len(c.Requires) > 0 {
				sctx, cancel := context.WithCancel(ctx)
				spec := make(chan Result, 1)
				go func() { spec <- run(sctx) }()
				blocked, ok := awaitRequirements(ctx, lab, c, index, done, rep.Checks)
				if !ok {
					cancel() // a blocked check's run is discarded
				}
				r = <-spec // nothing of the check runs after Run returns
				cancel()
				if !ok {
					r = blocked
				}
			} else if rr, ok := awaitRequirements(ctx, lab, c, index, done, rep.Checks); ok {
				r = run(ctx)
			} else {
				r = rr
			}
			rep.Checks[i] = r
			if opts.OnResult != nil {
				cbMu.Lock()
				opts.OnResult(r)
				cbMu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range rep.Checks {
		rep.Score += r.Points
		if r.Ungraded {
			rep.Max -= r.Max
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// awaitRequirements waits until c's requirements are graded. ok is true
// when c may run; otherwise r is its result: failed, naming the
// requirements that did not pass. A result is read only after its done
// channel is closed.
func awaitRequirements(ctx context.Context, lab *labs.Lab, c *labs.Check, index map[string]int, done []chan struct{}, results []Result) (r Result, ok bool) {
	var unmet, whys []string
	for _, id := range c.Requires {
		j, known := index[id]
		if !known {
			continue // validation rejects it; nothing to wait for
		}
		select {
		case <-done[j]:
		case <-ctx.Done():
			return errResult(c, ctx.Err()), false
		}
		req := results[j]
		if req.Passed || req.Ungraded {
			continue
		}
		unmet = append(unmet, id)
		why := req.Why
		if len(req.Blocked) > 0 {
			why = "it needs " + strings.Join(req.Blocked, ", ") + " first"
		}
		if why != "" {
			whys = append(whys, fmt.Sprintf("%s failed (%s)", id, why))
		} else {
			whys = append(whys, id+" failed")
		}
	}
	if len(unmet) == 0 {
		return Result{}, true
	}
	r = Result{ID: c.ID, Description: c.Description, Kind: c.Kind(), Max: c.Points, Blocked: unmet}
	r.Expected = expectedFor(lab, c)
	r.Observed = "not graded: needs " + strings.Join(unmet, ", ") + " first"
	r.Why = "this check counts only once " + strings.Join(unmet, " and ") + " passes: " + strings.Join(whys, "; ")
	return r, false
}

// expectedFor is what a check expects, as Result.Expected says it.
func expectedFor(lab *labs.Lab, c *labs.Check) string {
	switch {
	case c.Probe != nil:
		return expectedText(c.Probe)
	case c.Selects != nil:
		return selectsExpected(describeRef(cluster.ObjectRef{Kind: c.Selects.Kind, Namespace: c.Selects.Namespace, Name: c.Selects.Name}), c.Selects)
	case c.Resource != nil:
		what := describeRef(resourceRef(lab, c.Resource))
		if c.Resource.Absent {
			return what + " absent"
		}
		return what + " to exist"
	}
	return ""
}

func runOne(ctx context.Context, lab *labs.Lab, c *labs.Check, b cluster.Backend) Result {
	switch {
	case c.Resource != nil:
		return finish(c, resourceCheck(ctx, lab, c.Resource, b))
	case c.Selects != nil:
		return finish(c, selectsCheck(ctx, c.Selects, b))
	case c.Probe != nil:
		return finish(c, probeCheck(ctx, c.Probe, b))
	}
	return errResult(c, errors.New("check has no resource, selects or probe table"))
}

func finish(c *labs.Check, r Result) Result {
	r.ID, r.Description, r.Max = c.ID, c.Description, c.Points
	if r.Passed {
		r.Points = c.Points
	}
	if r.Why == "" && len(r.Reasons) > 0 {
		r.Why = strings.Join(r.Reasons, "; ")
	}
	return r
}

func errResult(c *labs.Check, err error) Result {
	return Result{ID: c.ID, Description: c.Description, Kind: c.Kind(), Max: c.Points,
		Expected: "the check to run", Observed: "error", Why: err.Error(), Error: err.Error()}
}

// resourceRef is the object a resource check reads: a namespaced kind
// without a namespace is in the lab's.
func resourceRef(lab *labs.Lab, rc *labs.ResourceCheck) cluster.ObjectRef {
	ns := rc.Namespace
	if ns == "" && !labs.IsClusterScoped(rc.Kind) {
		ns = lab.Namespace
	}
	return cluster.ObjectRef{Kind: rc.Kind, Namespace: ns, Name: rc.Name}
}

func resourceCheck(ctx context.Context, lab *labs.Lab, rc *labs.ResourceCheck, b cluster.Backend) Result {
	ref := resourceRef(lab, rc)
	ns := ref.Namespace
	what := describeRef(ref)
	res := Result{Kind: "resource"}
	obj, err := b.Get(ctx, ref)
	switch {
	case errors.Is(err, cluster.ErrNotFound):
		if rc.Absent {
			res.Passed, res.Expected, res.Observed = true, what+" absent", "absent"
			return res
		}
		res.Expected, res.Observed = what+" to exist", "not found"
		res.Why = fmt.Sprintf("%s does not exist: check its kind, name and namespace (kubectl get %s -n %s)", what, strings.ToLower(rc.Kind), orDefault(ns, "default"))
		if nm := inDefaultNamespace(ctx, b, ref); nm != "" {
			res.Reasons = []string{nm, res.Why}
			res.Why = ""
		}
		return res
	case err != nil:
		res.Expected, res.Observed, res.Error = what+" readable", "error", err.Error()
		res.Why = "could not read " + what + ": " + err.Error()
		return res
	}
	if rc.Absent {
		res.Expected, res.Observed = what+" absent", "exists"
		res.Why = what + " must be deleted"
		return res
	}
	if why := assumedStatus(obj, rc); why != "" {
		res.Ungraded = true
		res.Expected, res.Observed = what+" status", "not graded: its status counts pods as ready whose readiness probe was not run"
		res.Why = why + netmodel.UngradableSuffix
		return res
	}
	res.Passed = true
	var exp, obs, why []string
	for _, fa := range rc.Fields {
		ok, e, o := fa.Evaluate(obj.Object)
		exp = append(exp, fa.Path+" "+e)
		// Several assertions on one field observe it once.
		if line := fa.Path + " = " + o; !slices.Contains(obs, line) {
			obs = append(obs, line)
		}
		if !ok {
			res.Passed = false
			why = append(why, fmt.Sprintf("%s: %s is %s, expected %s", what, fa.Path, o, e))
		}
	}
	if len(rc.Fields) == 0 {
		exp, obs = []string{what + " to exist"}, []string{"exists"}
	}
	res.Expected, res.Observed = strings.Join(exp, "; "), strings.Join(obs, "; ")
	res.Reasons = why
	return res
}

// assumedStatus is why a resource check of an object's status cannot be
// graded (""): the offline cluster counted pods of it as ready without
// being able to run their readiness probe (an exec or grpc probe), and
// marked a status condition with netmodel.ReadinessAssumed. A live
// cluster never does.
func assumedStatus(obj *unstructured.Unstructured, rc *labs.ResourceCheck) string {
	reads := false
	for _, fa := range rc.Fields {
		if fa.Path == "status" || strings.HasPrefix(fa.Path, "status.") || strings.HasPrefix(fa.Path, "status[") {
			reads = true
		}
	}
	if !reads {
		return ""
	}
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["reason"] == netmodel.ReadinessAssumed {
			msg, _ := m["message"].(string)
			return msg
		}
	}
	return ""
}

func probeCheck(ctx context.Context, pc *labs.ProbeCheck, b cluster.Backend) Result {
	res := Result{Kind: "probe"}
	spec := pc.Spec
	pr, err := b.Probe(ctx, spec)
	res.Expected = expectedText(pc)
	if err != nil {
		res.Observed, res.Error = "probe could not run", err.Error()
		res.Why = err.Error()
		return res
	}
	res.Probe = &pr
	res.Observed = observedText(pr)
	res.Reasons = pr.Reasons
	res.Cause = pr.Cause
	// lead puts a line before the explanation, in Cause too.
	lead := func(line string) {
		res.Reasons = append([]string{line}, res.Reasons...)
		if len(res.Cause) > 0 {
			res.Cause = append([]string{line}, res.Cause...)
		}
	}
	if pr.Ungradable != "" {
		res.Ungraded = true
		res.Observed = "not graded: " + res.Observed
		res.Why = pr.Ungradable
		// Why it is not graded comes first in every report.
		lead(pr.Ungradable)
		return res
	}
	connected := pr.Outcome == probe.Connected || pr.Outcome == probe.HTTPError
	if pc.ExpectAllow() {
		res.Passed = pr.Allowed
		// An HTTP error answer is no connection the task asked for: a 404
		// (no rule) or a 503 (no endpoints) fails an allow probe unless
		// the check names that status; so does a redirect the controller
		// answered itself (no backend: e.g. ssl-redirect's 308).
		if res.Passed && answeredWithoutApp(pr) && (pc.HTTP == nil || pc.HTTP.Status == 0) {
			res.Passed = false
			lead(fmt.Sprintf("the request was answered with HTTP %d, not by the application", pr.HTTPStatus))
		}
	} else {
		res.Passed = !connected && !pr.Allowed
		if !res.Passed {
			lead("the traffic must be blocked but it got through")
		}
	}
	// A near miss (the right object in another namespace, a selector one
	// label off ...) comes first when the check fails.
	if !res.Passed {
		for i := len(pr.NearMisses) - 1; i >= 0; i-- {
			lead(pr.NearMisses[i])
		}
	}
	if pr.Disagrees {
		note := "note: the offline model predicted " + pr.Prediction + " (a broken CNI or a model bug)"
		res.Reasons = append(res.Reasons, note)
		if len(res.Cause) > 0 {
			res.Cause = append(res.Cause, note)
		}
	}
	return res
}

// inDefaultNamespace is the near miss of an object that does not exist
// in its namespace but does, with the same kind and name, in namespace
// default (applied without -n); "" otherwise.
func inDefaultNamespace(ctx context.Context, b cluster.Backend, ref cluster.ObjectRef) string {
	if ref.Namespace == "" || ref.Namespace == "default" {
		return ""
	}
	alt := ref
	alt.Namespace = "default"
	if _, err := b.Get(ctx, alt); err != nil {
		return ""
	}
	return fmt.Sprintf("%s exists, but in namespace default, not %s: apply it with -n %s", describeRef(alt), ref.Namespace, ref.Namespace)
}

// answeredWithoutApp reports an HTTP answer that is not the application's:
// any error status, or a redirect no backend sent.
func answeredWithoutApp(pr probe.Result) bool {
	return pr.HTTPStatus >= 400 || (pr.HTTPStatus >= 300 && pr.HTTPStatus < 400 && pr.Backend == "")
}

func expectedText(pc *labs.ProbeCheck) string {
	s := pc.Spec.String()
	if !pc.ExpectAllow() {
		return "blocked: " + s
	}
	s = "connects: " + s
	if h := pc.HTTP; h != nil {
		var parts []string
		if h.Status != 0 {
			parts = append(parts, fmt.Sprintf("HTTP %d", h.Status))
		}
		if h.Service != "" {
			parts = append(parts, "answered by Service "+h.Service)
		}
		if len(parts) > 0 {
			s += " (" + strings.Join(parts, ", ") + ")"
		}
	}
	return s
}

func observedText(pr probe.Result) string {
	s := string(pr.Outcome)
	var extra []string
	if pr.HTTPStatus != 0 {
		extra = append(extra, fmt.Sprintf("HTTP %d", pr.HTTPStatus))
	}
	if pr.Service != "" {
		extra = append(extra, "via Service "+pr.Service)
	}
	if pr.Backend != "" {
		extra = append(extra, "backend "+pr.Backend)
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

func describeRef(r cluster.ObjectRef) string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
