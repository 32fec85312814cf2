package checker

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/mutate"
)

// MutantResult is how one mutant of a lab's solution fared.
type MutantResult struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Status      string   `json:"status"`           // "killed", "survived", "equivalent" or "invalid"
	FailedBy    []string `json:"failed,omitempty"` // the checks it fails (killed)
	Reason      string   `json:"reason,omitempty"` // equivalent: the lab's reason; invalid: why the cluster refused it
}

// MutationReport is the mutation score of one lab: the share of its
// solution's realistic mutants that fail at least one check. Equivalent
// mutants (declared by the lab) and invalid ones (the API refuses them)
// do not count.
type MutationReport struct {
	Lab string `json:"lab"`
	// Variant is the variant of the lab whose solution was mutated (0:
	// the default values; see labs.Lab.Variant).
	Variant    uint64         `json:"variant"`
	Mutants    int            `json:"mutants"`
	Killed     int            `json:"killed"`
	Survived   int            `json:"survived"`
	Equivalent int            `json:"equivalent"`
	Invalid    int            `json:"invalid"`
	Results    []MutantResult `json:"results"`
	// Stale lists equivalent declarations that name no mutant of the
	// solution (a renamed object or an edited solution).
	Stale []string `json:"stale,omitempty"`
}

// Score is killed / (killed + survived) in percent; 100 with nothing to
// kill.
func (r *MutationReport) Score() float64 {
	if r.Killed+r.Survived == 0 {
		return 100
	}
	return 100 * float64(r.Killed) / float64(r.Killed+r.Survived)
}

// Problems are the survivors and stale declarations, as lab problems.
func (r *MutationReport) Problems() []Problem {
	var out []Problem
	for _, m := range r.Results {
		switch {
		case m.Status == "survived":
			out = append(out, Problem{r.Lab, "mutant " + m.ID, "survives every check (" + m.Description + "): add a check that fails it, or declare it [[equivalent]] with the reason"})
		case m.Status == "killed" && m.Reason != "":
			out = append(out, Problem{r.Lab, "equivalent " + m.ID, "is declared equivalent but fails " + strings.Join(m.FailedBy, ", ") + ": remove the declaration"})
		}
	}
	for _, id := range r.Stale {
		out = append(out, Problem{r.Lab, "equivalent " + id, "no such mutant of the solution (ckadlab lint --mutants lists them)"})
	}
	if r.Variant != 0 {
		for i := range out {
			out[i].Answer = fmt.Sprintf("variant %d: %s", r.Variant, out[i].Answer)
		}
	}
	return out
}

// MutationOptions describe the cluster the mutants are graded on.
type MutationOptions struct {
	// DefaultIngressClass is the cluster's default IngressClass: removing
	// ingressClassName: CLASS changes nothing there, so it is no mutant.
	DefaultIngressClass string
}

// Mutants derives the mutants of a lab's reference solution.
func Mutants(lab *labs.Lab, opt MutationOptions) ([]mutate.Mutant, error) {
	objs, err := SolutionObjects(lab)
	if err != nil {
		return nil, err
	}
	setup, err := SetupObjects(lab)
	if err != nil {
		return nil, err
	}
	var namespaces []string
	for _, o := range setup {
		if o.Kind == "Namespace" {
			namespaces = append(namespaces, o.Name)
		}
	}
	us := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		m, err := k8sruntime.DefaultUnstructuredConverter.ToUnstructured(o.Obj)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", o, err)
		}
		pruneEmpty(m)
		us = append(us, &unstructured.Unstructured{Object: m})
	}
	return mutate.Generate(us, mutate.Options{DefaultNamespace: lab.Namespace, Namespaces: namespaces, DefaultIngressClass: opt.DefaultIngressClass}), nil
}

// pruneEmpty drops what the typed round trip adds to a manifest
// (creationTimestamp: null, status: {}), so mutants read like YAML a
// person wrote.
func pruneEmpty(m map[string]any) {
	if md, ok := m["metadata"].(map[string]any); ok {
		if v, ok := md["creationTimestamp"]; ok && v == nil {
			delete(md, "creationTimestamp")
		}
	}
	if st, ok := m["status"].(map[string]any); ok && isEmptyTree(st) {
		delete(m, "status")
	}
}

func isEmptyTree(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range x {
			if !isEmptyTree(e) {
				return false
			}
		}
		return true
	case []any:
		return len(x) == 0
	}
	return false
}

// MutantYAML is a mutant's answer as multi-document YAML.
func MutantYAML(m mutate.Mutant) (string, error) {
	var b strings.Builder
	for i, o := range m.Objects {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return b.String(), nil
}

// VerifyMutants grades every mutant of the lab's solution with backends
// from open: each must fail at least one check, unless the lab declares it
// equivalent. Mutants are graded concurrently, one per CPU.
func VerifyMutants(ctx context.Context, lab *labs.Lab, open Opener, opt MutationOptions) (*MutationReport, error) {
	mutants, err := Mutants(lab, opt)
	if err != nil {
		return nil, err
	}
	declared := map[string]string{}
	for _, e := range lab.Equivalent {
		declared[e.Mutant] = e.Reason
	}
	rep := &MutationReport{Lab: lab.ID, Variant: lab.VariantN, Mutants: len(mutants), Results: make([]MutantResult, len(mutants))}
	seen := map[string]bool{}
	for _, m := range mutants {
		seen[m.ID] = true
	}
	for _, e := range lab.Equivalent {
		if !seen[e.Mutant] {
			rep.Stale = append(rep.Stale, e.Mutant)
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, runtime.NumCPU()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				rep.Results[i] = gradeMutant(ctx, lab, open, mutants[i], declared)
			}
		}()
	}
	for i := range mutants {
		select {
		case work <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range rep.Results {
		switch r.Status {
		case "killed":
			rep.Killed++
		case "survived":
			rep.Survived++
		case "equivalent":
			rep.Equivalent++
		case "invalid":
			rep.Invalid++
		}
	}
	return rep, nil
}

func gradeMutant(ctx context.Context, lab *labs.Lab, open Opener, m mutate.Mutant, declared map[string]string) MutantResult {
	res := MutantResult{ID: m.ID, Description: m.Description}
	text, err := MutantYAML(m)
	if err != nil {
		res.Status, res.Reason = "invalid", err.Error()
		return res
	}
	rep, err := grade(ctx, lab, open, "mutant "+m.ID, text)
	if err != nil {
		res.Status, res.Reason = "invalid", err.Error()
		return res
	}
	res.FailedBy = rep.Failed()
	switch reason, eq := declared[m.ID]; {
	case len(res.FailedBy) > 0 && eq:
		// Declared equivalent but killed: the kill counts, and the
		// declaration is wrong (Problems reports it).
		res.Status = "killed"
		res.Reason = "declared equivalent (" + reason + ")"
	case len(res.FailedBy) > 0:
		res.Status = "killed"
	case eq:
		res.Status, res.Reason = "equivalent", reason
	default:
		res.Status = "survived"
	}
	return res
}
