// Package drill turns a learner's history (package store) into statistics
// per domain and per lab, and into drills: the next labs to practise,
// picked from the weakest areas with spaced repetition, each with the
// reason it was picked. Seen is how every "last seen" reads (calendar days
// of the learner's time zone). It does no I/O.
package drill

import (
	"sort"
	"time"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/store"
)

// LabStat is one lab's history.
type LabStat struct {
	Lab        string       `json:"lab"`
	Title      string       `json:"title"`
	Domain     labs.Domain  `json:"domain"`
	Difficulty string       `json:"difficulty"`
	Status     store.Status `json:"status"`
	Best       int          `json:"best"`
	Max        int          `json:"max"`
	// BestPercent is Best of Max (0 for a lab never graded).
	BestPercent float64   `json:"best_percent"`
	Attempts    int       `json:"attempts"`
	LastScore   int       `json:"last_score"`
	LastMax     int       `json:"last_max"`
	Streak      int       `json:"streak"`
	LastFailed  []string  `json:"last_failed,omitempty"`
	LastSeen    time.Time `json:"last_seen,omitzero"`
	LastChecked time.Time `json:"last_checked,omitzero"`
	// ExamAttempts is how many of Attempts were answered mock exam tasks
	// (an exam task left blank is no attempt). BestExam and LastExam name
	// the exam that earned the best score and the exam that graded the
	// latest attempt ("" for practice).
	ExamAttempts int    `json:"exam_attempts"`
	BestExam     string `json:"best_exam,omitempty"`
	LastExam     string `json:"last_exam,omitempty"`
	// Known is false for a lab in the history but not in the catalog (a
	// lab pack that is not loaded now).
	Known bool `json:"known"`
}

// DomainStat totals one domain.
type DomainStat struct {
	Domain   labs.Domain `json:"domain"`
	Labs     int         `json:"labs"`
	Passed   int         `json:"passed"`
	Partial  int         `json:"partial"`
	Started  int         `json:"started"`
	New      int         `json:"new"`
	Attempts int         `json:"attempts"`
	// Mastery is the mean best percent over the domain's labs (a lab
	// never graded counts 0).
	Mastery  float64   `json:"mastery"`
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// ExamStat is one mock exam.
type ExamStat struct {
	ID         string    `json:"id"`
	Seed       uint64    `json:"seed"`
	Tasks      int       `json:"tasks"`
	Started    time.Time `json:"started_at"`
	Finished   time.Time `json:"finished_at,omitzero"`
	InProgress bool      `json:"in_progress"`
	Percent    float64   `json:"percent"`
	Passed     bool      `json:"passed"`
}

// Stats is the learner's history.
type Stats struct {
	Domains []DomainStat `json:"domains"`
	Labs    []LabStat    `json:"labs"`
	Exams   []ExamStat   `json:"exams"`
}

// Compute builds the statistics: every catalog lab (in catalog order),
// then labs known only from the history; every domain of labs.Domains that
// has labs; the exams as given (newest first).
func Compute(catalog []*labs.Lab, sums map[string]*store.LabSummary, exams []store.ExamRecord) *Stats {
	st := &Stats{Domains: []DomainStat{}, Labs: []LabStat{}, Exams: []ExamStat{}}
	known := map[string]bool{}
	for _, l := range catalog {
		known[l.ID] = true
		st.Labs = append(st.Labs, labStat(l.ID, l.Title, l.Domain, l.Difficulty, sums[l.ID], true))
	}
	var extra []LabStat
	for id, s := range sums {
		if !known[id] {
			extra = append(extra, labStat(id, id, labs.Domain(s.Domain), "", s, false))
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Lab < extra[j].Lab })
	st.Labs = append(st.Labs, extra...)

	byDomain := map[labs.Domain]*DomainStat{}
	for _, ls := range st.Labs {
		if !ls.Known {
			continue
		}
		d, ok := byDomain[ls.Domain]
		if !ok {
			d = &DomainStat{Domain: ls.Domain}
			byDomain[ls.Domain] = d
		}
		d.Labs++
		d.Attempts += ls.Attempts
		d.Mastery += ls.BestPercent
		switch ls.Status {
		case store.StatusPassed:
			d.Passed++
		case store.StatusPartial:
			d.Partial++
		case store.StatusStarted:
			d.Started++
		default:
			d.New++
		}
		if ls.LastSeen.After(d.LastSeen) {
			d.LastSeen = ls.LastSeen
		}
	}
	for _, dom := range orderedDomains(byDomain) {
		d := byDomain[dom]
		if d.Labs > 0 {
			d.Mastery = round1(d.Mastery / float64(d.Labs))
		}
		st.Domains = append(st.Domains, *d)
	}
	for _, e := range exams {
		st.Exams = append(st.Exams, ExamStat{ID: e.ID, Seed: e.Seed, Tasks: e.Tasks, Started: e.StartedAt, Finished: e.FinishedAt,
			InProgress: !e.Finished(), Percent: e.Percent, Passed: e.Passed})
	}
	return st
}

func labStat(id, title string, d labs.Domain, difficulty string, s *store.LabSummary, known bool) LabStat {
	ls := LabStat{Lab: id, Title: title, Domain: d, Difficulty: difficulty, Status: s.Status(), Known: known}
	if s == nil {
		return ls
	}
	ls.Best, ls.Max, ls.Attempts = s.Best, s.Max, s.Attempts
	ls.ExamAttempts, ls.BestExam, ls.LastExam = s.ExamAttempts, s.BestExam, s.LastExam
	ls.LastScore, ls.LastMax, ls.Streak = s.LastScore, s.LastMax, s.Streak
	ls.LastFailed = s.LastFailed
	ls.LastSeen, ls.LastChecked = s.LastSeen(), s.LastChecked
	if s.Max > 0 {
		ls.BestPercent = round1(100 * float64(min(s.Best, s.Max)) / float64(s.Max))
	}
	return ls
}

// orderedDomains is labs.Domains order, then other domains by name.
func orderedDomains(m map[labs.Domain]*DomainStat) []labs.Domain {
	var out []labs.Domain
	for _, d := range labs.Domains {
		if _, ok := m[d]; ok {
			out = append(out, d)
		}
	}
	var rest []labs.Domain
	for d := range m {
		found := false
		for _, k := range labs.Domains {
			if d == k {
				found = true
			}
		}
		if !found {
			rest = append(rest, d)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	return append(out, rest...)
}

// Domain returns the stat of a domain (zero when absent).
func (s *Stats) Domain(d labs.Domain) DomainStat {
	for _, x := range s.Domains {
		if x.Domain == d {
			return x
		}
	}
	return DomainStat{Domain: d}
}

func round1(x float64) float64 {
	if x < 0 {
		return -round1(-x)
	}
	return float64(int64(x*10+0.5)) / 10
}
