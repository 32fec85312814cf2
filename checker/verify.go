package checker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/labs"
)

// Opener builds a backend for a lab with the given answer manifests (YAML)
// applied on top of its setup. name labels the answer in messages.
type Opener func(ctx context.Context, lab *labs.Lab, name, answerYAML string) (cluster.Backend, error)

// Problem is one way a lab fails its own contract.
type Problem struct {
	Lab     string `json:"lab"`
	Answer  string `json:"answer"` // "solution", "blank answer", "correct answer NAME", "wrong answer NAME" or "mutant ID"
	Message string `json:"message"`
}

func (p Problem) String() string { return fmt.Sprintf("%s: %s: %s", p.Lab, p.Answer, p.Message) }

// Verify grades a lab's reference solution and its other correct answers
// (each must score 100%), the untouched setup (it must score 0: nothing
// for nothing) and each of its wrong answers (exactly the checks it names
// must fail, together with the checks that require them) with backends
// from open. It is how tests and `ckadlab lint` prove a lab grades
// correctly; VerifyMutants goes further.
func Verify(ctx context.Context, lab *labs.Lab, open Opener) []Problem {
	var out []Problem
	run := func(name, yaml string) (*Report, bool) {
		rep, err := grade(ctx, lab, open, name, yaml)
		if err != nil {
			out = append(out, Problem{lab.ID, name, err.Error()})
			return nil, false
		}
		return rep, true
	}
	full := func(name, yaml string) {
		rep, ok := run(name, yaml)
		if !ok || rep.Passed() {
			return
		}
		for _, c := range rep.Checks {
			if !c.Passed && !c.Ungraded {
				out = append(out, Problem{lab.ID, name, fmt.Sprintf("check %s fails: expected %s; observed %s; why: %s", c.ID, c.Expected, c.Observed, c.Why)})
			}
		}
	}
	full("solution", lab.Solution.Manifests)
	for _, c := range lab.Correct {
		full("correct answer "+c.Name, c.Manifests)
	}
	if rep, ok := run("blank answer", ""); ok && rep.Score > 0 {
		var passing []string
		for _, c := range rep.Checks {
			if c.Passed {
				passing = append(passing, c.ID)
			}
		}
		out = append(out, Problem{lab.ID, "blank answer", fmt.Sprintf(
			"the untouched setup scores %d/%d: %s pass(es) before the learner does anything; make them require a check that the setup fails (requires = [\"...\"])",
			rep.Score, rep.Max, strings.Join(passing, ", "))})
	}
	for _, w := range lab.Wrong {
		rep, ok := run("wrong answer "+w.Name, w.Manifests)
		if !ok {
			continue
		}
		want := ExpectedFailures(lab, w.Fails)
		got := slices.Clone(rep.Failed())
		slices.Sort(got)
		if slices.Equal(want, got) {
			continue
		}
		var extra, missing []string
		for _, id := range got {
			if !slices.Contains(want, id) {
				extra = append(extra, id)
			}
		}
		for _, id := range want {
			if !slices.Contains(got, id) {
				missing = append(missing, id)
			}
		}
		msg := fmt.Sprintf("must fail exactly [%s] but failed [%s]", strings.Join(want, ", "), strings.Join(got, ", "))
		if len(missing) > 0 {
			msg += "; passes although it should fail: " + strings.Join(missing, ", ")
		}
		for _, c := range rep.Checks {
			if slices.Contains(extra, c.ID) {
				msg += fmt.Sprintf("; %s fails unexpectedly: observed %s; why: %s", c.ID, c.Observed, c.Why)
			}
		}
		out = append(out, Problem{lab.ID, "wrong answer " + w.Name, msg})
	}
	return out
}

// VerifyVariants is Verify on each of the variants of lab that
// labs.Lab.SampleVariants(k) picks (variant 0 first; a lab without
// parameters has only that one). A problem of another variant names it
// and its values in Answer ("variant 7 (ns=store, port=8081): solution").
// A variant that does not render is a problem too.
func VerifyVariants(ctx context.Context, lab *labs.Lab, open Opener, k int) []Problem {
	var out []Problem
	for _, n := range lab.SampleVariants(k) {
		v, err := lab.Variant(n)
		if err != nil {
			out = append(out, Problem{lab.ID, fmt.Sprintf("variant %d", n), err.Error()})
			continue
		}
		for _, p := range Verify(ctx, v, open) {
			p.Answer = VariantLabel(v) + p.Answer
			out = append(out, p)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return out
}

// VariantLabel is "variant N (values): " for a variant other than 0, ""
// for variant 0.
func VariantLabel(l *labs.Lab) string {
	if l.VariantN == 0 {
		return ""
	}
	return fmt.Sprintf("variant %d (%s): ", l.VariantN, l.ValuesText())
}

// ExpectedFailures is the sorted set of checks that fail when the checks
// in fails do: fails and every check that requires one of them, directly
// or not (such a check is not graded, so it fails too).
func ExpectedFailures(lab *labs.Lab, fails []string) []string {
	set := map[string]bool{}
	for _, id := range fails {
		set[id] = true
	}
	for changed := true; changed; {
		changed = false
		for _, c := range lab.Checks {
			if set[c.ID] {
				continue
			}
			for _, r := range c.Requires {
				if set[r] {
					set[c.ID], changed = true, true
					break
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// grade opens a backend for one answer and runs the lab's checks on it.
func grade(ctx context.Context, lab *labs.Lab, open Opener, name, yaml string) (*Report, error) {
	b, err := open(ctx, lab, name, yaml)
	if err != nil {
		return nil, err
	}
	return Run(ctx, lab, b, Options{})
}
