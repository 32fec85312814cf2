package checker

import (
	"context"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
)

// TestStatusOfAssumedReadinessIsNotGraded: offline, a Deployment whose
// pods count as ready only because their readiness probe could not be run
// (its Available condition says netmodel.ReadinessAssumed) has a status no
// check can grade; its spec still can. An ungradable probe says why first.
func TestStatusOfAssumedReadinessIsNotGraded(t *testing.T) {
	yes := true
	deploy := func(reason string) map[string]any {
		return map[string]any{
			"metadata": map[string]any{"name": "web"},
			"spec":     map[string]any{"replicas": int64(2)},
			"status": map[string]any{"readyReplicas": int64(2), "conditions": []any{
				map[string]any{"type": "Available", "status": "True", "reason": reason, "message": "pod app/web-1: its readinessProbe runs \"true\""},
			}},
		}
	}
	lab := &labs.Lab{ID: "t", Namespace: "app", Checks: []labs.Check{
		{ID: "ready", Points: 2, Description: "ready", Resource: &labs.ResourceCheck{Kind: "Deployment", Name: "web",
			Fields: []labs.FieldAssertion{{Path: "status.readyReplicas", Equals: int64(2)}}}},
		{ID: "replicas", Points: 1, Description: "replicas", Resource: &labs.ResourceCheck{Kind: "Deployment", Name: "web",
			Fields: []labs.FieldAssertion{{Path: "spec.replicas", Equals: int64(2)}, {Path: "metadata.name", Exists: &yes}}}},
		{ID: "reach", Points: 3, Description: "reach", Probe: &labs.ProbeCheck{Expect: "allow", Spec: mustSpec(t, "app/client", "svc:app/web", 80)}},
	}}
	probeFn := func(probe.Spec) (probe.Result, error) {
		return probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: []string{"Connected: ..."}, Cause: []string{"Connected: ..."},
			Ungradable: "whether app/web-1 is one of the ready endpoints of Service app/web is not known" + netmodel.UngradableSuffix}, nil
	}
	for _, tc := range []struct {
		reason      string
		readyGraded bool
	}{{netmodel.ReadinessAssumed, false}, {"MinimumReplicasAvailable", true}} {
		b := &fakeBackend{objs: map[string]map[string]any{"Deployment app/web": deploy(tc.reason)}, probe: probeFn}
		rep, err := Run(context.Background(), lab, b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ready, replicas, reach := rep.Checks[0], rep.Checks[1], rep.Checks[2]
		if ready.Ungraded == tc.readyGraded || ready.Passed != tc.readyGraded {
			t.Errorf("%s: status check ungraded=%v passed=%v, want graded=%v", tc.reason, ready.Ungraded, ready.Passed, tc.readyGraded)
		}
		if !tc.readyGraded && (!strings.Contains(ready.Why, `runs "true"`) || !strings.HasSuffix(ready.Why, netmodel.UngradableSuffix)) {
			t.Errorf("status check why: %q", ready.Why)
		}
		if replicas.Ungraded || !replicas.Passed {
			t.Errorf("%s: a spec check is graded: %+v", tc.reason, replicas)
		}
		if !reach.Ungraded || len(reach.Explanation()) == 0 || !strings.HasPrefix(reach.Explanation()[0], "whether app/web-1") {
			t.Errorf("ungradable probe: the reason is not first: %q", reach.Explanation())
		}
		if lines, _ := reach.Brief(); len(lines) == 0 || !strings.HasPrefix(lines[0], "whether app/web-1") {
			t.Errorf("ungradable probe: the brief does not start with the reason: %q", lines)
		}
	}
}
