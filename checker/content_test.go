package checker_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// TestContent is the contract of every built-in lab, on the offline
// cluster: the reference solution scores 100%, and each wrong answer fails
// exactly the checks it names, in variant 0 and in the sample of other
// variants lint proves (labs.LintSample).
func TestContent(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatalf("loading built-in labs: %v", err)
	}
	if len(all) < 12 {
		t.Fatalf("only %d built-in labs; the course needs at least 12", len(all))
	}
	domains := map[labs.Domain]int{}
	for _, l := range all {
		domains[l.Domain]++
		t.Run(l.ID, func(t *testing.T) {
			if len(l.Wrong) == 0 {
				t.Fatal("lab has no wrong answer")
			}
			for _, p := range checker.VerifyVariants(context.Background(), l, session.OfflineOpener, labs.LintSample) {
				t.Error(p)
			}
			if l.HasParams() && len(l.SampleVariants(labs.LintSample)) < labs.LintSample {
				t.Errorf("%d variants: a lab with parameters has at least %d", l.Variants(), labs.LintSample)
			}
		})
	}
	for _, d := range labs.Domains {
		if domains[d] < 3 {
			t.Errorf("domain %s has %d labs, want at least 3", d, domains[d])
		}
	}
}

// TestBlankAnswerScoresZero: with no answer at all, every lab scores 0
// (nothing for nothing: a check that passes before the learner does
// anything requires one that cannot).
func TestBlankAnswerScoresZero(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range all {
		for _, n := range base.SampleVariants(labs.LintSample) {
			l, err := base.Variant(n)
			if err != nil {
				t.Fatal(err)
			}
			blankScoresZero(t, l)
		}
	}
}

func blankScoresZero(t *testing.T, l *labs.Lab) {
	t.Helper()
	{
		b, err := session.OfflineOpener(context.Background(), l, "blank answer", "")
		if err != nil {
			t.Errorf("%s: %v", l.ID, err)
			return
		}
		rep, err := checker.Run(context.Background(), l, b, checker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Score != 0 {
			t.Errorf("%s variant %d: the untouched setup scores %d/%d (passing: %v)", l.ID, l.VariantN, rep.Score, rep.Max, passing(rep))
		}
	}
}

func passing(rep *checker.Report) []string {
	var ids []string
	for _, c := range rep.Checks {
		if c.Passed {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// TestMutationScore: every mutant of every built-in lab's solution fails at
// least one check, or the lab declares it equivalent with a reason, in
// every variant lint proves.
func TestMutationScore(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, l := range variantsOf(t, all) {
		t.Run(fmt.Sprintf("%s/variant-%d", l.ID, l.VariantN), func(t *testing.T) {
			rep, err := checker.VerifyMutants(context.Background(), l, session.OfflineOpener, session.OfflineMutationOptions)
			if err != nil {
				t.Fatal(err)
			}
			total += rep.Mutants
			if rep.Mutants == 0 {
				t.Error("the solution has no mutants: nothing proves its checks")
			}
			for _, p := range rep.Problems() {
				t.Error(p)
			}
			if rep.Score() != 100 {
				t.Errorf("mutation score %.1f%%, want 100%%", rep.Score())
			}
		})
	}
	t.Logf("%d mutants over %d labs", total, len(all))
}

// variantsOf is every lab of all in each variant lint proves.
func variantsOf(tb testing.TB, all []*labs.Lab) []*labs.Lab {
	var out []*labs.Lab
	for _, base := range all {
		for _, n := range base.SampleVariants(labs.LintSample) {
			v, err := base.Variant(n)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, v)
		}
	}
	return out
}

// BenchmarkLintAll is what `ckadlab lint` spends grading the built-in labs:
// each lab's solution, correct, blank and wrong answers, and every mutant,
// in every variant lint proves.
func BenchmarkLintAll(b *testing.B) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("default-variants", func(b *testing.B) { benchmarkLint(b, all) })
	b.Run("sampled-variants", func(b *testing.B) { benchmarkLint(b, variantsOf(b, all)) })
}

func benchmarkLint(b *testing.B, all []*labs.Lab) {
	b.ReportMetric(float64(len(all)), "variants")
	ctx := context.Background()
	mutants := 0
	for i := 0; i < b.N; i++ {
		mutants = 0
		for _, l := range all {
			checker.Verify(ctx, l, session.OfflineOpener)
			rep, err := checker.VerifyMutants(ctx, l, session.OfflineOpener, session.OfflineMutationOptions)
			if err != nil {
				b.Fatal(err)
			}
			mutants += rep.Mutants
		}
	}
	b.ReportMetric(float64(mutants), "mutants")
}

func BenchmarkCheckOffline(b *testing.B) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		b.Fatal(err)
	}
	var l *labs.Lab
	for _, x := range all {
		if x.ID == "np-test-network-policy" {
			l = x
		}
	}
	if l == nil {
		l = all[0]
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bk, err := session.OfflineOpener(ctx, l, "solution", l.Solution.Manifests)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := checker.Run(ctx, l, bk, checker.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
