package drill

import (
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/store"
)

// A score from a mock exam says so, in the drill's reason and the stats.
func TestExamAttemptsShowTheirExam(t *testing.T) {
	s := failed(3, day(2), "c1")
	s.ExamAttempts, s.BestExam, s.LastExam = 1, "e1", "e1"
	plan := Next(catalog(), map[string]*store.LabSummary{"np-a": s}, Options{N: 1, Now: now})
	if len(plan.Picks) != 1 || plan.Picks[0].Lab != "np-a" || plan.Picks[0].Kind != KindFailed ||
		!strings.HasPrefix(plan.Picks[0].Reason, "last attempt, in mock exam e1, scored 3/10 (30%) 2 days ago; failed c1") {
		t.Fatalf("picks = %+v", plan.Picks)
	}
	st := Compute(catalog(), map[string]*store.LabSummary{"np-a": s}, nil)
	for _, l := range st.Labs {
		if l.Lab == "np-a" && (l.ExamAttempts != 1 || l.BestExam != "e1" || l.LastExam != "e1" || l.Attempts != 1) {
			t.Fatalf("np-a = %+v", l)
		}
	}
}
