package drill

import (
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/store"
)

var now = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func day(n float64) time.Time { return now.Add(-time.Duration(n * 24 * float64(time.Hour))) }

func catalog() []*labs.Lab {
	mk := func(id string, d labs.Domain, diff string) *labs.Lab {
		return &labs.Lab{ID: id, Title: "Lab " + id, Domain: d, Difficulty: diff}
	}
	return []*labs.Lab{
		mk("svc-a", labs.Services, labs.Easy),
		mk("svc-b", labs.Services, labs.Medium),
		mk("svc-c", labs.Services, labs.Hard),
		mk("ing-a", labs.Ingress, labs.Easy),
		mk("ing-b", labs.Ingress, labs.Hard),
		mk("np-a", labs.NetworkPolicy, labs.Easy),
		mk("np-b", labs.NetworkPolicy, labs.Medium),
	}
}

func passed(streak int, last time.Time) *store.LabSummary {
	return &store.LabSummary{Attempts: streak, Best: 10, Max: 10, LastScore: 10, LastMax: 10, Streak: streak, LastChecked: last}
}

func failed(score int, last time.Time, checks ...string) *store.LabSummary {
	return &store.LabSummary{Attempts: 1, Best: score, Max: 10, LastScore: score, LastMax: 10, LastChecked: last, LastFailed: checks}
}

func TestIntervals(t *testing.T) {
	for _, tt := range []struct {
		streak int
		want   time.Duration
	}{{0, 0}, {1, 24 * time.Hour}, {2, 72 * time.Hour}, {5, 30 * 24 * time.Hour}, {9, 30 * 24 * time.Hour}} {
		if got := Interval(tt.streak); got != tt.want {
			t.Errorf("Interval(%d) = %s, want %s", tt.streak, got, tt.want)
		}
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name    string
		sums    map[string]*store.LabSummary
		n       int
		domain  labs.Domain
		want    []string // lab:kind
		reasons []string // substrings of each pick's reason, in order
		notDue  int
	}{
		{
			name: "a new learner starts with easy labs of every domain",
			sums: map[string]*store.LabSummary{},
			n:    3,
			want: []string{"ing-a:new", "np-a:new", "svc-a:new"},
		},
		{
			name: "failed labs first, lowest score first",
			sums: map[string]*store.LabSummary{
				"svc-a": failed(8, day(1), "svc-port"),
				"np-a":  failed(2, day(1), "np-deny", "np-allow"),
				"ing-a": passed(1, day(0.5)),
			},
			n:       2,
			want:    []string{"np-a:failed", "svc-a:failed"},
			reasons: []string{"last attempt scored 2/10 (20%) yesterday; failed np-deny, np-allow", "scored 8/10 (80%)"},
			notDue:  1,
		},
		{
			name: "a passed lab is due after its interval, and not before",
			sums: map[string]*store.LabSummary{
				"svc-a": passed(2, day(4)),  // interval 3 days: due
				"svc-b": passed(2, day(2)),  // not due
				"np-a":  passed(5, day(40)), // 30 days: due, more overdue
			},
			n:       2,
			want:    []string{"np-a:due", "svc-a:due"},
			reasons: []string{"passed 5 times in a row, last 5 weeks ago; the review interval after that is 30 days", "passed twice in a row, last 4 days ago; the review interval after that is 3 days, so it is due"},
			notDue:  1,
		},
		{
			name: "started and never checked comes before new",
			sums: map[string]*store.LabSummary{
				"ing-b": {LastStarted: day(3)},
			},
			n:       1,
			want:    []string{"ing-b:unchecked"},
			reasons: []string{"started 3 days ago but never checked"},
		},
		{
			name: "new labs of the weakest domains, easiest first",
			sums: map[string]*store.LabSummary{
				"svc-a": passed(1, day(0.2)), "svc-b": passed(1, day(0.2)), "svc-c": passed(1, day(0.2)),
				"np-a": passed(1, day(0.2)), "ing-a": passed(1, day(0.2)),
			},
			n:       2,
			want:    []string{"np-b:new", "ing-b:new"},
			reasons: []string{"never tried (medium); NetworkPolicy mastery is 50%", "never tried (hard); Ingress is your weakest domain (50% mastery)"},
			notDue:  5,
		},
		{
			name:   "one domain",
			sums:   map[string]*store.LabSummary{"svc-b": failed(5, day(2))},
			n:      5,
			domain: labs.Services,
			want:   []string{"svc-b:failed", "svc-a:new", "svc-c:new"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := Next(catalog(), tt.sums, Options{N: tt.n, Now: now, Domain: tt.domain})
			var got []string
			for _, p := range plan.Picks {
				got = append(got, p.Lab+":"+p.Kind)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("picks = %v, want %v", got, tt.want)
			}
			for i, r := range tt.reasons {
				if !strings.Contains(plan.Picks[i].Reason, r) {
					t.Errorf("pick %d reason %q lacks %q", i, plan.Picks[i].Reason, r)
				}
			}
			if plan.NotDue != tt.notDue {
				t.Errorf("not due = %d, want %d", plan.NotDue, tt.notDue)
			}
			for _, p := range plan.Picks {
				if p.Reason == "" {
					t.Errorf("%s has no reason", p.Lab)
				}
			}
		})
	}
}

func TestNothingDue(t *testing.T) {
	sums := map[string]*store.LabSummary{}
	for _, l := range catalog() {
		sums[l.ID] = passed(3, day(1))
	}
	plan := Next(catalog(), sums, Options{Now: now})
	if len(plan.Picks) != 0 || plan.NotDue != 7 || !plan.NextDue.Equal(day(1).Add(7*24*time.Hour)) {
		t.Fatalf("plan = %+v", plan)
	}
}

func TestCompute(t *testing.T) {
	sums := map[string]*store.LabSummary{
		"svc-a":  passed(1, day(1)),
		"svc-b":  failed(5, day(2), "x"),
		"np-a":   {LastStarted: day(3)},
		"gone-1": {Domain: "services", Attempts: 2, Best: 1, Max: 4, LastChecked: day(9)},
	}
	exams := []store.ExamRecord{{ID: "e2", Seed: 5, Tasks: 15, StartedAt: day(1)}, {ID: "e1", Seed: 4, Tasks: 15, StartedAt: day(5), FinishedAt: day(5), Percent: 71.3, Passed: true}}
	st := Compute(catalog(), sums, exams)
	if len(st.Labs) != 8 || st.Labs[7].Lab != "gone-1" || st.Labs[7].Known {
		t.Fatalf("labs = %+v", st.Labs)
	}
	svc := st.Domain(labs.Services)
	// (100 + 50 + 0) / 3 labs.
	if svc.Labs != 3 || svc.Passed != 1 || svc.Partial != 1 || svc.New != 1 || svc.Attempts != 2 || svc.Mastery != 50 || !svc.LastSeen.Equal(day(1)) {
		t.Fatalf("services = %+v", svc)
	}
	np := st.Domain(labs.NetworkPolicy)
	if np.Started != 1 || np.Mastery != 0 {
		t.Fatalf("networkpolicy = %+v", np)
	}
	if len(st.Exams) != 2 || !st.Exams[0].InProgress || st.Exams[1].InProgress || st.Exams[1].Percent != 71.3 {
		t.Fatalf("exams = %+v", st.Exams)
	}
}
