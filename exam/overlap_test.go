package exam

import (
	"testing"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

// TestExamsShareFewTaskVariants: two full exams drawn with different
// seeds share at most a third of their task variants (the same lab in the
// same variant), so a second mock exam is mostly new.
func TestExamsShareFewTaskVariants(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*labs.Lab{}
	for _, l := range all {
		byID[l.ID] = l
	}
	sit := func(seed uint64) map[string]uint64 {
		plan, err := Draw(all, DrawOptions{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]uint64{}
		for _, pt := range plan.Tasks {
			out[pt.ID] = TaskVariant(byID[pt.ID], seed)
		}
		return out
	}
	worst, total, pairs := 0, 0, 0
	for seed := uint64(1); seed <= 200; seed++ {
		a, b := sit(seed), sit(seed+1000)
		shared := 0
		for id, v := range a {
			if w, ok := b[id]; ok && w == v {
				shared++
			}
		}
		worst, total, pairs = max(worst, shared), total+shared, pairs+1
		if shared*3 > len(a) {
			t.Errorf("seeds %d and %d share %d of %d task variants, more than a third", seed, seed+1000, shared, len(a))
		}
	}
	t.Logf("two exams share on average %.1f task variants, at most %d (%d pairs)", float64(total)/float64(pairs), worst, pairs)
}
