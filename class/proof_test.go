package class_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/probe"
)

// The learners of the proofs: the first, the second and the last of a
// 30-learner class, with names of different lengths (an Ingress host's
// length decides Traefik's rule order).
var (
	alice = class.Learner{Name: "alice", Index: 0}
	bo    = class.Learner{Name: "bo", Index: 1}
	last  = class.Learner{Name: "learner-twenty-chars", Index: 29}
)

const classSize = 30

func builtins(t *testing.T) []*labs.Lab {
	t.Helper()
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// safeLabs are the built-in labs Safe accepts, and the class's port plan.
func safeLabs(t *testing.T) ([]*labs.Lab, *class.PortPlan) {
	t.Helper()
	var out []*labs.Lab
	for _, l := range builtins(t) {
		if class.Safe(l) == nil {
			out = append(out, l)
		}
	}
	plan, err := class.NewPortPlan(out, classSize)
	if err != nil {
		t.Fatal(err)
	}
	return out, plan
}

func decode(l *labs.Lab, name, yaml string) ([]manifest.Object, error) {
	return manifest.Decode(l.Source+" ("+name+")", []byte(yaml))
}

// open is checker.Opener on the offline cluster.
func open(_ context.Context, l *labs.Lab, name, yaml string) (cluster.Backend, error) {
	setup, err := checker.SetupObjects(l)
	if err != nil {
		return nil, err
	}
	answers, err := decode(l, name, yaml)
	if err != nil {
		return nil, err
	}
	c, err := offline.Build(setup, answers, l.Namespace)
	if err != nil {
		return nil, err
	}
	return offline.NewBackend(c), nil
}

func mapFor(t *testing.T, l *labs.Lab, who class.Learner, plan *class.PortPlan) *labs.Lab {
	t.Helper()
	m, err := class.Mapping{Learner: who, Ports: plan}.Lab(l)
	if err != nil {
		t.Fatalf("%s for %s: %v", l.ID, who.Name, err)
	}
	return m
}

// TestMappedLabsVerify: every class-safe built-in lab, mapped for three
// learners of a 30-learner class, keeps its contract offline: the
// solution and correct answers 100%, each wrong answer fails exactly what
// it names, the blank setup 0. Variant 0 for each, and another variant
// for one learner.
func TestMappedLabsVerify(t *testing.T) {
	ls, plan := safeLabs(t)
	if len(ls) < 30 {
		t.Errorf("only %d built-in labs are class-safe", len(ls))
	}
	for _, l := range ls {
		t.Run(l.ID, func(t *testing.T) {
			for _, who := range []class.Learner{alice, bo, last} {
				for _, p := range checker.Verify(context.Background(), mapFor(t, l, who, plan), open) {
					t.Errorf("%s: %v", who.Name, p)
				}
			}
			if vs := l.SampleVariants(2); len(vs) == 2 {
				v, err := l.Variant(vs[1])
				if err != nil {
					t.Fatal(err)
				}
				m := mapFor(t, v, bo, plan)
				if m.VariantN != v.VariantN {
					t.Errorf("variant %d mapped as %d", v.VariantN, m.VariantN)
				}
				for _, p := range checker.Verify(context.Background(), m, open) {
					t.Errorf("bo, variant %d: %v", v.VariantN, p)
				}
			}
		})
	}
}

// outcome is a report reduced to what a learner sees: per check passed,
// ungraded, and the score.
func outcome(rep *checker.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d", rep.Score, rep.Max)
	for _, c := range rep.Checks {
		fmt.Fprintf(&b, " %s:%v/%v", c.ID, c.Passed, c.Ungraded)
	}
	return b.String()
}

// TestIsolationOnOneCluster: three learners' mapped labs in ONE offline
// cluster (alice's solution, bo's wrong answer, the last learner's blank
// setup) grade exactly as each does alone.
func TestIsolationOnOneCluster(t *testing.T) {
	ls, plan := safeLabs(t)
	ctx := context.Background()
	for _, l := range ls {
		t.Run(l.ID, func(t *testing.T) {
			type run struct {
				lab          *labs.Lab
				name, answer string
			}
			a, b, c := mapFor(t, l, alice, plan), mapFor(t, l, bo, plan), mapFor(t, l, last, plan)
			runs := []run{
				{a, "solution", a.Solution.Manifests},
				{b, "wrong answer " + b.Wrong[0].Name, b.Wrong[0].Manifests},
				{c, "blank answer", ""},
			}
			shared := offline.New()
			apply := func(l *labs.Lab, name, yaml string) {
				objs, err := decode(l, name, yaml)
				if err != nil {
					t.Fatal(err)
				}
				if err := shared.Apply(objs, l.Namespace); err != nil {
					t.Fatalf("%s on the shared cluster: %v", name, err)
				}
			}
			for _, r := range runs {
				apply(r.lab, "setup", r.lab.Setup.Manifests)
			}
			for _, r := range runs {
				apply(r.lab, r.name, r.answer)
			}
			for _, r := range runs {
				alone, err := open(ctx, r.lab, r.name, r.answer)
				if err != nil {
					t.Fatal(err)
				}
				want, err := checker.Run(ctx, r.lab, alone, checker.Options{})
				if err != nil {
					t.Fatal(err)
				}
				got, err := checker.Run(ctx, r.lab, offline.NewBackend(shared), checker.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if outcome(got) != outcome(want) {
					t.Errorf("%s (%s) on the shared cluster:\n got  %s\n want %s", r.lab.Namespace, r.name, outcome(got), outcome(want))
					for i := range got.Checks {
						if got.Checks[i].Passed != want.Checks[i].Passed {
							t.Logf("  %s: shared: %s; alone: %s", got.Checks[i].ID, got.Checks[i].Why, want.Checks[i].Why)
						}
					}
				}
			}
		})
	}
}

// TestCrossLearnerProbes: a probe between two learners' pods is decided
// by the policies of the learner it enters, never by the other learner's:
// alice's isolation policy admits only namespaces labelled with her own
// value (bo's namespace carries bo's), and bo's pods are open until bo's
// own policy closes them.
func TestCrossLearnerProbes(t *testing.T) {
	var lab *labs.Lab
	for _, l := range builtins(t) {
		if l.ID == "np-namespace-isolation" {
			lab = l
		}
	}
	if lab == nil {
		t.Fatal("np-namespace-isolation is gone: pick another lab with namespace labels")
	}
	if err := class.Safe(lab); err != nil {
		t.Fatal(err)
	}
	plan, err := class.NewPortPlan([]*labs.Lab{lab}, classSize)
	if err != nil {
		t.Fatal(err)
	}
	a, b := mapFor(t, lab, alice, plan), mapFor(t, lab, bo, plan)
	c := offline.New()
	apply := func(l *labs.Lab, name, yaml string) {
		objs, err := decode(l, name, yaml)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(objs, l.Namespace); err != nil {
			t.Fatal(err)
		}
	}
	apply(a, "setup", a.Setup.Manifests)
	apply(b, "setup", b.Setup.Manifests)
	apply(a, "solution", a.Solution.Manifests)
	be := offline.NewBackend(c)
	reach := func(fromNS, fromPod, toNS, toPod string) probe.Result {
		t.Helper()
		r, err := be.Probe(context.Background(), probe.Spec{
			From: probe.Source{Kind: probe.FromPod, Namespace: fromNS, Name: fromPod},
			To:   probe.Target{Kind: probe.ToPod, Namespace: toNS, Name: toPod},
			Port: probe.Port{Number: 8080}, Protocol: probe.TCP,
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Within alice's lab: her policy admits her own labelled namespace.
	if r := reach("alice-agronomy", "client", "alice-greenhouse", "planner"); !r.Allowed {
		t.Errorf("alice's agronomy client is refused by her own policy: %v", r.Reasons)
	}
	// bo's agronomy is labelled access=bo-greenhouse: alice's policy does
	// not admit it (unmapped labels would have).
	if r := reach("bo-agronomy", "client", "alice-greenhouse", "planner"); r.Allowed {
		t.Errorf("bo's client reaches alice's planner through alice's policy: %v", r.Reasons)
	}
	// bo has no policy yet: alice's pods reach his, alice's policy has no say.
	if r := reach("alice-agronomy", "client", "bo-greenhouse", "planner"); !r.Allowed {
		t.Errorf("alice's client cannot reach bo's open planner: %v", r.Reasons)
	}
	// bo's own policy closes his namespace to alice's, although alice's
	// namespaces carry the label her policy admits.
	apply(b, "solution", b.Solution.Manifests)
	if r := reach("alice-agronomy", "client", "bo-greenhouse", "planner"); r.Allowed {
		t.Errorf("alice's client reaches bo's isolated planner: %v", r.Reasons)
	}
	if r := reach("bo-nursery", "client", "bo-greenhouse", "planner"); !r.Allowed {
		t.Errorf("bo's own labelled client is refused: %v", r.Reasons)
	}
}

// TestSafeBuiltins reports which built-in labs can run in a class, with
// the reasons of the others.
func TestSafeBuiltins(t *testing.T) {
	all := builtins(t)
	var unsafe []string
	for _, l := range all {
		if err := class.Safe(l); err != nil {
			unsafe = append(unsafe, l.ID)
			t.Logf("%v", err)
		}
	}
	t.Logf("%d of %d built-in labs are class-safe", len(all)-len(unsafe), len(all))
	// Pinned pod addresses, probes without host and external addresses
	// keep these out; a lab that drops them may come in (update the list).
	for _, id := range []string{"np-test-network-policy", "svc-externalip", "ing-multi-host-paths"} {
		if !slices.Contains(unsafe, id) {
			t.Errorf("%s is class-safe, but it pins addresses, probes without host or claims an external address", id)
		}
	}
}
