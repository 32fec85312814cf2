package checker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

const mutationLab = `
id = "np-mut"
title = "t"
domain = "networkpolicy"
difficulty = "easy"
points = 4
minutes = 1
namespace = "shop"
task = "t"
hints = ["h"]

[setup]
manifests = '''
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec:
  containers:
  - {name: db, image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", args: ["netexec", "--http-port=5432"]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  containers:
  - {name: api, image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", args: ["netexec", "--http-port=8080"]}
'''

[solution]
commands = ["kubectl apply -f p.yaml"]
manifests = '''
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{protocol: TCP, port: 5432}]
'''

[[wrong]]
name = "none"
manifests = "# nothing"
fails = ["selects-db"]

[[checks]]
id = "selects-db"
points = 2
description = "the policy selects db"
[checks.selects]
kind = "NetworkPolicy"
name = "db"
pods = ["shop/db"]
not_pods = ["shop/api"]

[[checks]]
id = "api-allowed"
points = 2
description = "api reaches db"
requires = ["selects-db"]
[checks.probe]
from = "shop/api"
to = "shop/db"
port = 5432
expect = "allow"
`

func loadLab(t *testing.T, text string) *labs.Lab {
	t.Helper()
	l, errs := labs.Parse("np-mut.toml", []byte(text))
	if err := errs.Err(); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestVerifyMutants(t *testing.T) {
	ctx := context.Background()
	l := loadLab(t, mutationLab)
	rep, err := checker.VerifyMutants(ctx, l, session.OfflineOpener, session.OfflineMutationOptions)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mutants == 0 || rep.Killed == 0 || rep.Survived == 0 {
		t.Fatalf("want killed and surviving mutants (no probe on another port or from another pod): %+v", rep)
	}
	byID := map[string]checker.MutantResult{}
	for _, r := range rep.Results {
		byID[r.ID] = r
	}
	// No check tries another port: dropping the ports survives.
	drop := byID["drop-ports@NetworkPolicy/shop/db:spec.ingress[0]"]
	if drop.Status != "survived" {
		t.Errorf("drop-ports: %+v", drop)
	}
	// Emptying the podSelector selects api too: the selects check kills it.
	empty := byID["empty-selector@NetworkPolicy/shop/db:spec.podSelector"]
	if empty.Status != "killed" || strings.Join(empty.FailedBy, ",") != "selects-db,api-allowed" {
		t.Errorf("empty-selector: %+v", empty)
	}
	problems := rep.Problems()
	if len(problems) != rep.Survived {
		t.Errorf("%d problems for %d survivors", len(problems), rep.Survived)
	}
	if rep.Score() >= 100 {
		t.Errorf("score %.1f", rep.Score())
	}

	// Declaring it equivalent takes it out of the score; a stale
	// declaration and a wrong one are problems.
	l.Equivalent = []labs.EquivalentMutant{
		{Mutant: drop.ID, Reason: "test"},
		{Mutant: "no-such@NetworkPolicy/shop/db:spec", Reason: "stale"},
		{Mutant: empty.ID, Reason: "wrong"},
	}
	rep, err = checker.VerifyMutants(ctx, l, session.OfflineOpener, session.OfflineMutationOptions)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Equivalent != 1 {
		t.Errorf("equivalent = %d, want 1", rep.Equivalent)
	}
	text := ""
	for _, p := range rep.Problems() {
		text += p.String() + "\n"
	}
	for _, want := range []string{"no-such@NetworkPolicy/shop/db:spec: no such mutant", empty.ID + ": is declared equivalent but fails selects-db"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems do not say %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "mutant "+drop.ID+":") {
		t.Errorf("declared equivalent mutant still reported:\n%s", text)
	}
}

// TestVerifyBlankAndCorrect: Verify reports a lab whose untouched setup
// scores, and a correct answer that loses marks.
func TestVerifyBlankAndCorrect(t *testing.T) {
	ctx := context.Background()
	l := loadLab(t, mutationLab)
	if ps := checker.Verify(ctx, l, session.OfflineOpener); len(ps) != 0 {
		t.Fatalf("the test lab itself: %v", ps)
	}
	l.Checks[1].Requires = nil
	l.Wrong[0].Fails = []string{"selects-db"}
	ps := checker.Verify(ctx, l, session.OfflineOpener)
	if len(ps) != 1 || ps[0].Answer != "blank answer" || !strings.Contains(ps[0].Message, "scores 2/4: api-allowed") {
		t.Fatalf("blank: %v", ps)
	}
	l = loadLab(t, mutationLab)
	l.Correct = []labs.CorrectAnswer{
		{Name: "expressions", Manifests: strings.Replace(l.Solution.Manifests, "podSelector: {matchLabels: {app: db}}", "podSelector: {matchExpressions: [{key: app, operator: In, values: [db]}]}", 1)},
		{Name: "other-port", Manifests: strings.Replace(l.Solution.Manifests, "port: 5432", "port: 5433", 1)},
	}
	ps = checker.Verify(ctx, l, session.OfflineOpener)
	if len(ps) != 1 || ps[0].Answer != "correct answer other-port" || !strings.Contains(ps[0].Message, "check api-allowed fails") {
		t.Fatalf("correct answers: %v", ps)
	}
}
