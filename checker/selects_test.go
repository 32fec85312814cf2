package checker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/probe"
)

func pod(ns, name string, lbls map[string]any) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name, "namespace": ns, "labels": lbls}}
}

func policy(ns, name string, podSelector map[string]any) map[string]any {
	return map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": map[string]any{"podSelector": podSelector}}
}

func TestSelectsCheck(t *testing.T) {
	pods := map[string]map[string]any{
		"Pod shop/db":  pod("shop", "db", map[string]any{"app": "db", "tier": "data"}),
		"Pod shop/api": pod("shop", "api", map[string]any{"app": "api"}),
		"Pod dev/db":   pod("dev", "db", map[string]any{"app": "db"}),
		"Deployment shop/web": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web", "namespace": "shop"},
			"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}}}}},
	}
	check := &labs.SelectsCheck{Kind: "NetworkPolicy", Namespace: "shop", Name: "p", Pods: []string{"shop/db"}, NotPods: []string{"shop/api", "deployment:shop/web"}}
	cases := []struct {
		name   string
		obj    map[string]any
		ns     string
		pass   bool
		reason string
	}{
		{"matchLabels", policy("shop", "p", map[string]any{"matchLabels": map[string]any{"app": "db"}}), "shop", true, ""},
		{"matchExpressions In", policy("shop", "p", map[string]any{"matchExpressions": []any{map[string]any{"key": "app", "operator": "In", "values": []any{"db", "cache"}}}}), "shop", true, ""},
		{"other label of the same pod", policy("shop", "p", map[string]any{"matchLabels": map[string]any{"tier": "data"}}), "shop", true, ""},
		{"empty selects every pod", policy("shop", "p", map[string]any{}), "shop", false, "selects shop/api"},
		{"typo", policy("shop", "p", map[string]any{"matchLabels": map[string]any{"app": "dbb"}}), "shop", false, "does not select shop/db (labels app=db,tier=data)"},
		{"NotIn selects web", policy("shop", "p", map[string]any{"matchExpressions": []any{map[string]any{"key": "app", "operator": "NotIn", "values": []any{"api"}}}}), "shop", false, "selects deployment:shop/web"},
		{"wrong namespace", policy("default", "p", map[string]any{"matchLabels": map[string]any{"app": "db"}}), "default", false, "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := map[string]map[string]any{}
			for k, v := range pods {
				objs[k] = v
			}
			objs["NetworkPolicy "+tc.ns+"/p"] = tc.obj
			b := &fakeBackend{objs: objs}
			r := selectsCheck(context.Background(), check, b)
			if r.Passed != tc.pass {
				t.Fatalf("passed = %v, want %v: observed %q, why %q", r.Passed, tc.pass, r.Observed, strings.Join(r.Reasons, "; "))
			}
			text := r.Observed + " " + r.Why + " " + strings.Join(r.Reasons, "; ")
			if tc.reason != "" && !strings.Contains(text, tc.reason) {
				t.Errorf("result %q does not say %q", text, tc.reason)
			}
		})
	}
}

func TestSelectsService(t *testing.T) {
	objs := map[string]map[string]any{
		"Pod shop/db":  pod("shop", "db", map[string]any{"app": "db"}),
		"Pod shop/api": pod("shop", "api", map[string]any{"app": "api"}),
		"Service shop/s": {"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s", "namespace": "shop"},
			"spec": map[string]any{"selector": map[string]any{"app": "db"}}},
		"Service shop/none": {"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "none", "namespace": "shop"},
			"spec": map[string]any{}},
	}
	b := &fakeBackend{objs: objs}
	ok := selectsCheck(context.Background(), &labs.SelectsCheck{Kind: "Service", Namespace: "shop", Name: "s", Pods: []string{"shop/db"}, NotPods: []string{"shop/api"}}, b)
	if !ok.Passed {
		t.Fatalf("service selecting db: %+v", ok)
	}
	none := selectsCheck(context.Background(), &labs.SelectsCheck{Kind: "Service", Namespace: "shop", Name: "none", Pods: []string{"shop/db"}}, b)
	if none.Passed || !strings.Contains(strings.Join(none.Reasons, ";"), "no selector") {
		t.Fatalf("service without selector: %+v", none)
	}
	missingPod := selectsCheck(context.Background(), &labs.SelectsCheck{Kind: "Service", Namespace: "shop", Name: "s", Pods: []string{"shop/gone"}}, b)
	if missingPod.Passed || !strings.Contains(strings.Join(missingPod.Reasons, ";"), "Pod shop/gone does not exist") {
		t.Fatalf("missing pod: %+v", missingPod)
	}
}

// TestRequires: a check whose requirement fails is not run and fails,
// saying why; requirements chain; an ungraded requirement does not block.
func TestRequires(t *testing.T) {
	spec := mustSpec(t, "app/client", "svc:app/db", 6379)
	lab := &labs.Lab{ID: "t", Namespace: "app", Checks: []labs.Check{
		{ID: "exists", Points: 1, Description: "policy exists", Resource: &labs.ResourceCheck{Kind: "NetworkPolicy", Name: "db"}},
		{ID: "still-connects", Points: 2, Description: "client still connects", Requires: []string{"exists"},
			Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
		{ID: "chained", Points: 2, Description: "chained", Requires: []string{"still-connects"},
			Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
		{ID: "independent", Points: 1, Description: "independent", Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
	}}
	b := &fakeBackend{objs: map[string]map[string]any{},
		probe: func(probe.Spec) (probe.Result, error) {
			return probe.Result{Allowed: true, Outcome: probe.Connected}, nil
		}}
	var streamed []string
	rep, err := Run(context.Background(), lab, b, Options{OnResult: func(r Result) { streamed = append(streamed, r.ID) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Score != 1 {
		t.Errorf("score %d, want 1 (only the independent probe)", rep.Score)
	}
	if b.calls != 1 {
		t.Errorf("%d probes ran, want 1: blocked checks are not run", b.calls)
	}
	sc := rep.Checks[1]
	if sc.Passed || len(sc.Blocked) != 1 || !strings.Contains(sc.Why, "exists failed") || !strings.Contains(sc.Observed, "needs exists") {
		t.Errorf("blocked check: %+v", sc)
	}
	if ch := rep.Checks[2]; ch.Passed || !strings.Contains(ch.Why, "needs exists first") {
		t.Errorf("chained check: %+v", ch)
	}
	if len(streamed) != 4 {
		t.Errorf("streamed %v", streamed)
	}
	want := []string{"chained", "still-connects"}
	if got := ExpectedFailures(lab, []string{"exists"}); strings.Join(got, ",") != "chained,exists,still-connects" {
		t.Errorf("ExpectedFailures = %v, want exists and %v", got, want)
	}

	// With the policy there, the chain runs.
	b.objs["NetworkPolicy app/db"] = policy("app", "db", map[string]any{})
	b.calls = 0
	rep, err = Run(context.Background(), lab, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed() || b.calls != 3 {
		t.Errorf("score %d/%d with %d probes", rep.Score, rep.Max, b.calls)
	}

	// An ungraded requirement does not block.
	lab.Checks[0] = labs.Check{ID: "exists", Points: 1, Description: "probe", Probe: &labs.ProbeCheck{Expect: "deny", Spec: spec}}
	b.probe = func(probe.Spec) (probe.Result, error) {
		return probe.Result{Allowed: true, Outcome: probe.Connected, Ungradable: "no policy enforcement"}, nil
	}
	rep, _ = Run(context.Background(), lab, b, Options{})
	if rep.Checks[1].Blocked != nil {
		t.Errorf("ungraded requirement blocked: %+v", rep.Checks[1])
	}
}

// TestSpeculate: with Options.Speculate a check runs alongside its
// requirements (a chain of probes is in flight at once), and grades
// exactly as without: a failed requirement still blocks, with the same
// explanation, and the speculative run is cancelled and discarded.
func TestSpeculate(t *testing.T) {
	spec := mustSpec(t, "app/client", "svc:app/db", 6379)
	lab := &labs.Lab{ID: "t", Namespace: "app", Checks: []labs.Check{
		{ID: "first", Points: 1, Description: "first", Probe: &labs.ProbeCheck{Expect: "deny", Spec: spec}},
		{ID: "second", Points: 2, Description: "second", Requires: []string{"first"}, Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
		{ID: "third", Points: 2, Description: "third", Requires: []string{"second"}, Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
	}}
	// Every probe waits until all three are in flight: only a run that
	// starts the chain at once gets past it.
	var started sync.WaitGroup
	started.Add(3)
	allIn := make(chan struct{})
	go func() { started.Wait(); close(allIn) }()
	b := &fakeBackend{objs: map[string]map[string]any{}, probe: func(probe.Spec) (probe.Result, error) {
		started.Done()
		select {
		case <-allIn:
		case <-time.After(time.Minute):
			return probe.Result{}, errors.New("the chain ran one probe after another")
		}
		return probe.Result{Outcome: probe.Denied}, nil
	}}
	rep, err := Run(context.Background(), lab, b, Options{Speculate: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Error != "" {
			t.Errorf("%s: %s", c.ID, c.Error)
		}
	}
	if rep.Score != 1 || !rep.Checks[0].Passed || rep.Checks[1].Passed || rep.Checks[2].Passed {
		t.Fatalf("speculative run graded %d: %+v", rep.Score, rep.Checks)
	}
	plain, err := Run(context.Background(), lab, &fakeBackend{probe: func(probe.Spec) (probe.Result, error) {
		return probe.Result{Outcome: probe.Denied}, nil
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range plain.Checks {
		g, w := rep.Checks[i], plain.Checks[i]
		if g.Passed != w.Passed || g.Why != w.Why || g.Observed != w.Observed || !slices.Equal(g.Blocked, w.Blocked) {
			t.Errorf("%s: speculative %+v, in order %+v", g.ID, g, w)
		}
	}

	// A requirement that fails cancels the speculative run of its
	// dependants: their probes see a cancelled context.
	cancelled := make(chan string, 3)
	lab.Checks[0] = labs.Check{ID: "first", Points: 1, Description: "first", Resource: &labs.ResourceCheck{Kind: "NetworkPolicy", Name: "missing"}}
	b2 := &fakeBackend{objs: map[string]map[string]any{}}
	rep, err = Run(context.Background(), lab, &ctxBackend{fakeBackend: b2, cancelled: cancelled}, Options{Speculate: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Score != 0 || len(rep.Checks[1].Blocked) != 1 || len(rep.Checks[2].Blocked) != 1 {
		t.Fatalf("blocked chain: %+v", rep.Checks)
	}
	// (a dependant cancelled before its probe started sends none)
	if n := len(cancelled); n > 2 || slices.Contains(drain(cancelled), "not cancelled") {
		t.Errorf("speculative probes: %d ended, some not by cancellation", n)
	}
}

// ctxBackend's probes wait for their context to end.
type ctxBackend struct {
	*fakeBackend
	cancelled chan string
}

func (c *ctxBackend) Probe(ctx context.Context, s probe.Spec) (probe.Result, error) {
	select {
	case <-ctx.Done():
		c.cancelled <- s.From.String()
		return probe.Result{}, ctx.Err()
	case <-time.After(time.Minute):
		c.cancelled <- "not cancelled"
		return probe.Result{}, errors.New("not cancelled")
	}
}

func drain(ch chan string) []string {
	var out []string
	for len(ch) > 0 {
		out = append(out, <-ch)
	}
	return out
}

// TestHTTPErrorIsNoConnection: an allow probe answered 404 or 503, or
// redirected by the controller itself (no backend), fails unless the check
// names that status; a redirect a backend sent is the application's answer.
func TestHTTPErrorIsNoConnection(t *testing.T) {
	spec := mustSpec(t, "external", "ingress:shop.example.com/cart", 80)
	for _, tc := range []struct {
		status, want int
		backend      string
		pass         bool
	}{{200, 0, "shop/web-1", true}, {404, 0, "", false}, {503, 0, "", false}, {404, 404, "", true}, {200, 404, "shop/web-1", false},
		{308, 0, "", false}, {308, 308, "", true}, {301, 0, "shop/web-1", true}} {
		pc := &labs.ProbeCheck{Expect: "allow", Spec: spec}
		if tc.want != 0 {
			pc.HTTP = &labs.HTTPCheck{Status: tc.want}
		}
		b := &fakeBackend{probe: func(probe.Spec) (probe.Result, error) {
			r := probe.Result{Outcome: probe.Connected, HTTPStatus: tc.status, Allowed: true, Backend: tc.backend}
			if tc.want != 0 && tc.want != tc.status {
				r.Allowed = false
			}
			return r, nil
		}}
		r := probeCheck(context.Background(), pc, b)
		if r.Passed != tc.pass {
			t.Errorf("HTTP %d with expected status %d: passed %v, want %v (%v)", tc.status, tc.want, r.Passed, tc.pass, r.Reasons)
		}
		if !tc.pass && tc.want == 0 && !strings.Contains(strings.Join(r.Reasons, ";"), fmt.Sprintf("answered with HTTP %d", tc.status)) {
			t.Errorf("HTTP %d: reasons %v", tc.status, r.Reasons)
		}
	}
}
