package exam

import (
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

// An exam's seed fixes every task's variant: the same seed gives the same
// exam, values and all; other seeds give other variants.
func TestExamSeedFixesVariants(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := labs.NewCatalog(all)
	if err != nil {
		t.Fatal(err)
	}
	sit := func(seed uint64) map[string]Task {
		plan, err := Draw(all, DrawOptions{Seed: seed, Tasks: len(all)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := New("e", plan, cat.Get, func(string) string { return "" }, "offline", time.Unix(0, 0), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]Task{}
		for _, task := range e.Tasks {
			out[task.Lab] = task
		}
		return out
	}
	a, b := sit(42), sit(42)
	varied := 0
	for id, ta := range a {
		l, _ := cat.Get(id)
		if ta.Variant != b[id].Variant || ta.Namespace != b[id].Namespace {
			t.Errorf("%s: seed 42 gave variants %d and %d", id, ta.Variant, b[id].Variant)
		}
		if !l.HasParams() {
			if ta.Variant != 0 {
				t.Errorf("%s has no parameters but variant %d", id, ta.Variant)
			}
			continue
		}
		varied++
		if ta.Variant != TaskVariant(l, 42) || ta.Variant == 0 {
			t.Errorf("%s: variant %d, want TaskVariant %d", id, ta.Variant, TaskVariant(l, 42))
		}
		v, err := l.Variant(ta.Variant)
		if err != nil || ta.Namespace != v.Namespace || ta.Title != v.Title {
			t.Errorf("%s: the task is not its variant's: %v", id, err)
		}
		// Other seeds: other variants, with other values most of the time.
		same := 0
		for seed := uint64(1); seed <= 20; seed++ {
			o, _ := l.Variant(sit(seed)[id].Variant)
			if o.ValuesText() == v.ValuesText() {
				same++
			}
		}
		if same > 10 {
			t.Errorf("%s: 20 other seeds gave seed 42's values %d times", id, same)
		}
	}
	if varied < 4 {
		t.Errorf("only %d labs with parameters", varied)
	}
}
