package checker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/probe"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fakeBackend answers Get from a map and Probe from a function.
type fakeBackend struct {
	objs  map[string]map[string]any // "Kind ns/name"
	probe func(probe.Spec) (probe.Result, error)
	mu    sync.Mutex
	calls int
}

func (f *fakeBackend) Name() string { return "fake" }

func (f *fakeBackend) Get(_ context.Context, r cluster.ObjectRef) (*unstructured.Unstructured, error) {
	o, ok := f.objs[r.Kind+" "+r.Namespace+"/"+r.Name]
	if !ok {
		return nil, cluster.ErrNotFound
	}
	return &unstructured.Unstructured{Object: o}, nil
}

func (f *fakeBackend) Probe(_ context.Context, s probe.Spec) (probe.Result, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return f.probe(s)
}

func mustSpec(t *testing.T, from, to string, port int) probe.Spec {
	t.Helper()
	src, err := probe.ParseSource(from)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := probe.ParseTarget(to)
	if err != nil {
		t.Fatal(err)
	}
	return probe.Spec{From: src, To: dst, Port: probe.Port{Number: port}, Protocol: probe.TCP}
}

func TestRunGradesResourceAndProbeChecks(t *testing.T) {
	allowDB := mustSpec(t, "app/client", "svc:app/db", 6379)
	denyDB := mustSpec(t, "other/client", "svc:app/db", 6379)
	yes := true
	lab := &labs.Lab{ID: "t", Namespace: "app", Checks: []labs.Check{
		{ID: "svc-type", Points: 2, Description: "type", Resource: &labs.ResourceCheck{Kind: "Service", Name: "db",
			Fields: []labs.FieldAssertion{{Path: "spec.type", Equals: "ClusterIP"}}}},
		{ID: "svc-port", Points: 1, Description: "port", Resource: &labs.ResourceCheck{Kind: "Service", Name: "db",
			Fields: []labs.FieldAssertion{{Path: "spec.ports[0].port", Equals: int64(6380)}}}},
		{ID: "policy-exists", Points: 1, Description: "policy", Resource: &labs.ResourceCheck{Kind: "NetworkPolicy", Name: "db",
			Fields: []labs.FieldAssertion{{Path: "metadata.name", Exists: &yes}}}},
		{ID: "old-gone", Points: 1, Description: "old deleted", Resource: &labs.ResourceCheck{Kind: "Service", Name: "old", Absent: true}},
		{ID: "allow", Points: 3, Description: "client reaches db", Probe: &labs.ProbeCheck{Expect: "allow", Spec: allowDB}},
		{ID: "deny", Points: 3, Description: "other is blocked", Probe: &labs.ProbeCheck{Expect: "deny", Spec: denyDB}},
	}}
	b := &fakeBackend{
		objs: map[string]map[string]any{
			"Service app/db": {"metadata": map[string]any{"name": "db"}, "spec": map[string]any{
				"type": "ClusterIP", "ports": []any{map[string]any{"port": int64(6379)}}}},
		},
		probe: func(s probe.Spec) (probe.Result, error) {
			if s.From.Namespace == "app" {
				return probe.Result{Allowed: true, Outcome: probe.Connected, Backend: "app/db-0", Service: "app/db", Reasons: []string{"allowed"}}, nil
			}
			// The wrong answer lets everyone in.
			return probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: []string{"allowed: no NetworkPolicy selects pod app/db-0"}}, nil
		},
	}
	var streamed []string
	rep, err := Run(context.Background(), lab, b, Options{OnResult: func(r Result) { streamed = append(streamed, r.ID) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Max != 11 || rep.Score != 6 {
		t.Fatalf("score %d/%d, want 6/11; failed %v", rep.Score, rep.Max, rep.Failed())
	}
	if got := strings.Join(rep.Failed(), ","); got != "svc-port,policy-exists,deny" {
		t.Fatalf("failed = %s", got)
	}
	if len(streamed) != len(lab.Checks) {
		t.Fatalf("OnResult called %d times, want %d", len(streamed), len(lab.Checks))
	}
	byID := map[string]Result{}
	for _, r := range rep.Checks {
		byID[r.ID] = r
	}
	if r := byID["svc-port"]; !strings.Contains(r.Observed, "6379") || !strings.Contains(r.Expected, "6380") || r.Why == "" {
		t.Fatalf("svc-port result lacks expected/observed/why: %+v", r)
	}
	if r := byID["policy-exists"]; r.Observed != "not found" || !strings.Contains(r.Why, "NetworkPolicy app/db does not exist") {
		t.Fatalf("policy-exists: %+v", r)
	}
	if r := byID["deny"]; r.Passed || !strings.Contains(r.Why, "must be blocked") || !strings.Contains(r.Why, "no NetworkPolicy selects") {
		t.Fatalf("deny: %+v", r)
	}
	if r := byID["allow"]; !r.Passed || r.Points != 3 || !strings.Contains(r.Observed, "backend app/db-0") {
		t.Fatalf("allow: %+v", r)
	}
	if r := byID["old-gone"]; !r.Passed {
		t.Fatalf("old-gone: %+v", r)
	}
}

func TestProbeExpectations(t *testing.T) {
	spec := mustSpec(t, "a/b", "svc:a/c", 80)
	tests := []struct {
		name   string
		expect string
		res    probe.Result
		err    error
		pass   bool
	}{
		{"allow connected", "allow", probe.Result{Allowed: true, Outcome: probe.Connected}, nil, true},
		{"allow denied", "allow", probe.Result{Outcome: probe.Denied}, nil, false},
		{"allow http mismatch", "allow", probe.Result{Outcome: probe.HTTPError}, nil, false},
		{"deny denied", "deny", probe.Result{Outcome: probe.Denied}, nil, true},
		{"deny refused", "deny", probe.Result{Outcome: probe.Refused}, nil, true},
		{"deny unreachable", "deny", probe.Result{Outcome: probe.Unreachable}, nil, true},
		{"deny unresolved", "deny", probe.Result{Outcome: probe.Unresolved}, nil, true},
		{"deny but connected", "deny", probe.Result{Allowed: true, Outcome: probe.Connected}, nil, false},
		{"deny but connected with wrong http", "deny", probe.Result{Outcome: probe.HTTPError}, nil, false},
		{"probe error never passes a deny", "deny", probe.Result{}, errors.New("pod a/b not found"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := &labs.Lab{ID: "t", Checks: []labs.Check{{ID: "c", Points: 1, Probe: &labs.ProbeCheck{Expect: tt.expect, Spec: spec}}}}
			b := &fakeBackend{probe: func(probe.Spec) (probe.Result, error) { return tt.res, tt.err }}
			rep, err := Run(context.Background(), lab, b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Checks[0].Passed != tt.pass {
				t.Fatalf("passed = %v, want %v (%+v)", rep.Checks[0].Passed, tt.pass, rep.Checks[0])
			}
			if tt.err != nil && rep.Checks[0].Error == "" {
				t.Fatal("probe error not reported")
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lab := &labs.Lab{ID: "t", Checks: []labs.Check{{ID: "c", Points: 1, Probe: &labs.ProbeCheck{Expect: "allow"}}}}
	b := &fakeBackend{probe: func(probe.Spec) (probe.Result, error) { return probe.Result{Allowed: true}, nil }}
	if _, err := Run(ctx, lab, b, Options{Concurrency: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestVerifyReportsContractBreaches(t *testing.T) {
	spec := mustSpec(t, "a/b", "svc:a/c", 80)
	lab := &labs.Lab{ID: "t", Checks: []labs.Check{
		{ID: "one", Points: 1, Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
		{ID: "two", Points: 1, Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
	},
		Solution: labs.Solution{Manifests: "good"},
		Wrong: []labs.WrongAnswer{
			{Name: "exact", Manifests: "fail-one", Fails: []string{"one"}},
			{Name: "too-many", Manifests: "fail-both", Fails: []string{"one"}},
			{Name: "too-few", Manifests: "good", Fails: []string{"two"}},
		}}
	open := func(_ context.Context, _ *labs.Lab, _ string, yaml string) (cluster.Backend, error) {
		return &fakeBackend{probe: func(s probe.Spec) (probe.Result, error) {
			ok := yaml == "good"
			return probe.Result{Allowed: ok, Outcome: map[bool]probe.Outcome{true: probe.Connected, false: probe.Denied}[ok]}, nil
		}}, nil
	}
	// "fail-one" fails both here too, because the fake cannot tell checks apart;
	// so "exact" is reported as well.
	probs := Verify(context.Background(), lab, open)
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"wrong answer too-many: must fail exactly [one] but failed [one, two]", "wrong answer too-few", "passes although it should fail: two"} {
		if !strings.Contains(all, want) {
			t.Errorf("Verify output lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, ": solution:") {
		t.Errorf("solution reported although it passes:\n%s", all)
	}
}

// A live cluster that does not enforce NetworkPolicy marks policy probes
// ungradable: they neither pass nor fail, and leave the maximum.
func TestRunUngradedProbes(t *testing.T) {
	spec := mustSpec(t, "app/client", "svc:app/db", 6379)
	lab := &labs.Lab{ID: "t", Namespace: "app", Checks: []labs.Check{
		{ID: "graded", Points: 2, Description: "allowed", Probe: &labs.ProbeCheck{Expect: "allow", Spec: spec}},
		{ID: "policy", Points: 3, Description: "blocked by a policy", Probe: &labs.ProbeCheck{Expect: "deny", Spec: mustSpec(t, "other/client", "svc:app/db", 6379)}},
	}}
	tests := []struct {
		name      string
		ungraded  string
		score     int
		max       int
		failed    []string
		passedAll bool
	}{
		{"enforced", "", 2, 5, []string{"policy"}, false},
		{"not enforced", "cannot be graded live here: no NetworkPolicy enforcement", 2, 2, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBackend{probe: func(s probe.Spec) (probe.Result, error) {
				r := probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: []string{"connected"}}
				if s.From.Namespace == "other" {
					r.Ungradable = tt.ungraded
				}
				return r, nil
			}}
			rep, err := Run(context.Background(), lab, b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Score != tt.score || rep.Max != tt.max || rep.Passed() != tt.passedAll || strings.Join(rep.Failed(), ",") != strings.Join(tt.failed, ",") {
				t.Fatalf("score %d/%d passed=%v failed=%v; want %d/%d %v %v", rep.Score, rep.Max, rep.Passed(), rep.Failed(), tt.score, tt.max, tt.passedAll, tt.failed)
			}
			c := rep.Checks[1]
			if tt.ungraded != "" && (!c.Ungraded || c.Passed || c.Why != tt.ungraded || !strings.HasPrefix(c.Observed, "not graded")) {
				t.Fatalf("ungraded check = %+v", c)
			}
		})
	}
}

// A failed check is explained by its reasons, or by Why when it has none;
// a check run fills Why from the reasons, and the explanation stays the list.
func TestResultExplanation(t *testing.T) {
	tests := []struct {
		r    Result
		want []string
	}{
		{Result{Why: "a; b", Reasons: []string{"a", "b"}}, []string{"a", "b"}},
		{Result{Why: "the pod does not exist"}, []string{"the pod does not exist"}},
		{Result{}, nil},
	}
	for _, tt := range tests {
		if got := tt.r.Explanation(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: Explanation = %q, want %q", tt.r, got, tt.want)
		}
	}
	c := &labs.Check{ID: "c", Points: 1}
	r := finish(c, Result{Reasons: []string{"denied by policy x", "no other policy allows it"}})
	if r.Why != "denied by policy x; no other policy allows it" || len(r.Explanation()) != 2 {
		t.Errorf("finish: Why %q, Explanation %q", r.Why, r.Explanation())
	}
}

// TestResourceObservedOncePerField: two assertions on one field (a list
// that must contain two values) observe the field once.
func TestResourceObservedOncePerField(t *testing.T) {
	lab := &labs.Lab{ID: "t", Namespace: "app", Checks: []labs.Check{
		{ID: "types", Points: 1, Resource: &labs.ResourceCheck{Kind: "NetworkPolicy", Name: "np", Fields: []labs.FieldAssertion{
			{Path: "spec.policyTypes", Contains: "Ingress"},
			{Path: "spec.policyTypes", Contains: "Egress"},
			{Path: "metadata.name", Equals: "np"},
		}}},
	}}
	b := &fakeBackend{objs: map[string]map[string]any{
		"NetworkPolicy app/np": {"metadata": map[string]any{"name": "np"}, "spec": map[string]any{"policyTypes": []any{"Ingress"}}},
	}}
	rep, err := Run(context.Background(), lab, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Checks[0]
	if want := `spec.policyTypes = ["Ingress"]; metadata.name = np`; r.Observed != want {
		t.Errorf("observed = %q, want %q", r.Observed, want)
	}
	if r.Passed || strings.Count(r.Expected, "spec.policyTypes") != 2 {
		t.Errorf("result %+v: want failed, both expectations listed", r)
	}
}

// TestBriefFoldsThePath: a probe check leads with the model's cause (and
// the checker's own first line), and counts the folded path lines.
func TestBriefFoldsThePath(t *testing.T) {
	spec := mustSpec(t, "a/b", "svc:a/c", 80)
	res := probe.Result{Allowed: true, Outcome: probe.Connected, Disagrees: true, Prediction: "denied",
		Reasons: []string{"Connected: a/b reached a/c-1.", "Service a/c port 80 → 8080", "allowed: no NetworkPolicy selects pod a/c-1 for ingress"},
		Cause:   []string{"Connected: a/b reached a/c-1.", "allowed: no NetworkPolicy selects pod a/c-1 for ingress"}}
	tests := []struct {
		name      string
		res       probe.Result
		want      []string
		wantFold  int
		wantTotal int
	}{
		{"with a cause", res, []string{"the traffic must be blocked but it got through", "Connected: a/b reached a/c-1.",
			"allowed: no NetworkPolicy selects pod a/c-1 for ingress", "note: the offline model predicted denied (a broken CNI or a model bug)"}, 1, 5},
		{"without a cause every line counts", probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: res.Reasons},
			[]string{"the traffic must be blocked but it got through", "Connected: a/b reached a/c-1.", "Service a/c port 80 → 8080",
				"allowed: no NetworkPolicy selects pod a/c-1 for ingress"}, 0, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := &labs.Lab{ID: "t", Checks: []labs.Check{{ID: "c", Points: 1, Probe: &labs.ProbeCheck{Expect: "deny", Spec: spec}}}}
			b := &fakeBackend{probe: func(probe.Spec) (probe.Result, error) { return tt.res, nil }}
			rep, err := Run(context.Background(), lab, b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Checks[0]
			lines, folded := r.Brief()
			if !slices.Equal(lines, tt.want) || folded != tt.wantFold || len(r.Explanation()) != tt.wantTotal {
				t.Errorf("Brief = %q, %d (of %d lines), want %q, %d (of %d)", lines, folded, len(r.Explanation()), tt.want, tt.wantFold, tt.wantTotal)
			}
		})
	}
}

// TestObjectInDefaultNamespace: an object missing from its namespace but
// present, same kind and name, in default is named first (applied
// without -n); one missing everywhere is not.
func TestObjectInDefaultNamespace(t *testing.T) {
	np := map[string]any{"metadata": map[string]any{"name": "np"}, "spec": map[string]any{"podSelector": map[string]any{}}}
	tests := []struct {
		name  string
		objs  map[string]map[string]any
		check labs.Check
		first string
	}{
		{"resource in default", map[string]map[string]any{"NetworkPolicy default/np": np},
			labs.Check{ID: "c", Points: 1, Resource: &labs.ResourceCheck{Kind: "NetworkPolicy", Name: "np"}},
			"NetworkPolicy default/np exists, but in namespace default, not app: apply it with -n app"},
		{"selects in default", map[string]map[string]any{"NetworkPolicy default/np": np},
			labs.Check{ID: "c", Points: 1, Selects: &labs.SelectsCheck{Kind: "NetworkPolicy", Namespace: "app", Name: "np"}},
			"NetworkPolicy default/np exists, but in namespace default, not app: apply it with -n app"},
		{"missing everywhere", nil,
			labs.Check{ID: "c", Points: 1, Resource: &labs.ResourceCheck{Kind: "NetworkPolicy", Name: "np"}},
			"NetworkPolicy app/np does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := &labs.Lab{ID: "t", Namespace: "app", Checks: []labs.Check{tt.check}}
			rep, err := Run(context.Background(), lab, &fakeBackend{objs: tt.objs}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Checks[0]
			if ex := r.Explanation(); r.Passed || len(ex) == 0 || !strings.HasPrefix(ex[0], tt.first) {
				t.Errorf("explanation %q, want it to start with %q", ex, tt.first)
			}
		})
	}
}

// TestNearMissesLeadAFailedProbe: the model's near misses come first
// in a failed probe check (cause and reasons), and not at all in a
// passed one.
func TestNearMissesLeadAFailedProbe(t *testing.T) {
	spec := mustSpec(t, "a/b", "svc:a/c", 80)
	res := probe.Result{Allowed: true, Outcome: probe.Connected, NearMisses: []string{"near miss 1", "near miss 2"},
		Reasons: []string{"Connected.", "path"}, Cause: []string{"Connected."}}
	for _, expect := range []string{"allow", "deny"} {
		lab := &labs.Lab{ID: "t", Checks: []labs.Check{{ID: "c", Points: 1, Probe: &labs.ProbeCheck{Expect: expect, Spec: spec}}}}
		rep, err := Run(context.Background(), lab, &fakeBackend{probe: func(probe.Spec) (probe.Result, error) { return res, nil }}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Checks[0]
		lines, _ := r.Brief()
		has := slices.Contains(r.Explanation(), "near miss 1")
		switch {
		case expect == "allow" && (!r.Passed || has):
			t.Errorf("passed check: %q", r.Explanation())
		case expect == "deny" && (r.Passed || !slices.Equal(lines[:2], []string{"near miss 1", "near miss 2"}) || r.Explanation()[0] != "near miss 1"):
			t.Errorf("failed check: brief %q, explanation %q", lines, r.Explanation())
		}
	}
}
