package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/exam"
)

// A result as a resource check with two assertions on one field reports
// it: the field's value twice, a reason twice, reasons longer than a line.
var repeatedResult = checker.Result{
	ID: "default-deny-intact", Description: "NetworkPolicy orders/default-deny is unchanged", Max: 1,
	Expected: "spec.policyTypes contains Ingress; spec.policyTypes has 1 item",
	Observed: `spec.policyTypes = ["Ingress","Egress"]; spec.policyTypes = ["Ingress","Egress"]`,
	Reasons: []string{
		`NetworkPolicy orders/default-deny: spec.policyTypes is ["Ingress","Egress"], expected 1 item of them`,
		`NetworkPolicy orders/default-deny: spec.policyTypes is ["Ingress","Egress"], expected 1 item of them`,
		`NetworkPolicy orders/default-deny: spec.egress is [{}], expected it absent (the lab's policy has no egress)`,
	},
}

// explainChecks asserts what the check screen and the exam review show of
// repeatedResult: each observed part and reason once, and a bullet's
// wrapped lines under its text.
func explainChecks(t *testing.T, out string) {
	t.Helper()
	if n := strings.Count(out, `spec.policyTypes = ["Ingress","Egress"]`); n != 1 {
		t.Errorf("the observed value shows %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "expected 1 item of them"); n != 1 {
		t.Errorf("the repeated reason shows %d times, want once:\n%s", n, out)
	}
	// Each bullet's wrapped lines start where its text does.
	textCol, bullets := -1, 0
	for i, l := range strings.Split(out, "\n") {
		if before, _, ok := strings.Cut(l, "• "); ok {
			textCol, bullets = lipgloss.Width(before)+2, bullets+1
			continue
		}
		if textCol < 0 || strings.TrimSpace(l) == "" {
			continue
		}
		if ind := len(l) - len(strings.TrimLeft(l, " ")); ind != textCol {
			t.Errorf("line %d %q is indented %d, want %d (under the bullet's text):\n%s", i+1, l, ind, textCol, out)
		}
	}
	if bullets != 2 {
		t.Fatalf("%d bulleted reasons, want 2:\n%s", bullets, out)
	}
}

func TestCheckExplainDedupesAndHangs(t *testing.T) {
	env := newTestEnv(t)
	d := newDriver(t, env.cfg, 70, 24)
	explainChecks(t, d.m.check().explain(repeatedResult, 10))
}

func TestExamReviewDedupesAndHangs(t *testing.T) {
	env := newTestEnv(t)
	d := newDriver(t, env.cfg, 70, 24)
	r := d.m.screens[screenExamReport].(*examReportModel)
	out := r.reviewText(exam.TaskResult{Number: 1, Lab: "np-allow-app", Title: "Open one port", Points: 4, Max: 1,
		Checks: []checker.Result{repeatedResult}})
	// Only the reasons: the review's first lines are the task's title.
	_, rest, _ := strings.Cut(out, "Checks\n")
	explainChecks(t, rest)
}
