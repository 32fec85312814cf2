package class

import (
	"os"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

func TestPortPlan(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPortPlan(all, MaxLearners)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := NewPortPlan(all, MaxLearners)
	if plan.Block() == 0 {
		t.Fatal("the built-in labs use fixed node ports")
	}
	seen := map[int]string{}
	for i := range MaxLearners {
		who := Learner{Name: "l", Index: i}
		for _, p := range plan.Ports() {
			got, err := plan.Port(who, p)
			if err != nil {
				t.Fatal(err)
			}
			if g2, _ := again.Port(who, p); g2 != got {
				t.Fatalf("not deterministic: %d then %d", got, g2)
			}
			if got < NodePortMin || got > NodePortMax {
				t.Fatalf("learner %d, port %d → %d: outside the node port range", i, p, got)
			}
			if other, dup := seen[got]; dup {
				t.Fatalf("learner %d, port %d → %d, already %s", i, p, got, other)
			}
			seen[got] = "taken"
		}
	}
	// svc-nodeport draws its node port from a pool: every value is planned.
	for _, p := range []int{30080, 31080, 32111} {
		if _, err := plan.Port(Learner{Name: "a"}, p); err != nil {
			t.Errorf("port %d: %v", p, err)
		}
	}
	if _, err := plan.Port(Learner{Name: "a"}, 30001); err == nil || !strings.Contains(err.Error(), "not in the class's port plan") {
		t.Errorf("an unplanned port: %v", err)
	}
	if _, err := plan.Port(Learner{Name: "z", Index: MaxLearners}, 30080); err == nil || !strings.Contains(err.Error(), "outside the port plan") {
		t.Errorf("a learner past the class: %v", err)
	}
	fit := (NodePortMax - NodePortMin + 1) / plan.Block()
	if _, err := NewPortPlan(all, fit); err != nil {
		t.Errorf("%d learners fit: %v", fit, err)
	}
	_, err = NewPortPlan(all, fit+1)
	if err == nil || !strings.Contains(err.Error(), "holds at most") || !strings.Contains(err.Error(), "2768 ports") {
		t.Errorf("a class too big: %v", err)
	}
	if _, err := NewPortPlan(all, 0); err == nil {
		t.Error("a plan for no learners")
	}
}

// A lab whose parameter draws node ports from a range cannot be planned.
func TestPortPlanRange(t *testing.T) {
	src, err := os.ReadFile("testdata/map-demo.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(src), "30080", "{{np}}")
	s = strings.Replace(s, "[setup]", "[params]\nnp = { range = [30000, 30100] }\n\n[setup]", 1)
	l, errs := labs.Parse("demo.toml", []byte(s))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := NewPortPlan([]*labs.Lab{l}, 2); err == nil || !strings.Contains(err.Error(), "parameter np draws from 30000-30100") {
		t.Errorf("got %v", err)
	}
	// Without a plan, a lab with a node port cannot be mapped.
	if _, err := (Mapping{Learner: Learner{Name: "alice"}}).Lab(loadDemo(t)); err == nil || !strings.Contains(err.Error(), "no port plan") {
		t.Errorf("mapping without a plan: %v", err)
	}
}
