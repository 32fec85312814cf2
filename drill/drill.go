package drill

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/store"
)

// Intervals are the spaced-repetition review intervals (a Leitner
// schedule): a lab passed n times in a row is due again Intervals[n-1]
// after it was last checked (the last interval from then on). A failed
// attempt resets the streak, so the lab comes back at once.
var Intervals = []time.Duration{
	1 * 24 * time.Hour,
	3 * 24 * time.Hour,
	7 * 24 * time.Hour,
	14 * 24 * time.Hour,
	30 * 24 * time.Hour,
}

// Interval is the review interval after streak passes in a row.
func Interval(streak int) time.Duration {
	if streak <= 0 {
		return 0
	}
	return Intervals[min(streak, len(Intervals))-1]
}

// Kinds of pick, most urgent first.
const (
	KindFailed    = "failed"    // the latest attempt lost points
	KindDue       = "due"       // passed, and its review interval has elapsed
	KindUnchecked = "unchecked" // started but never graded
	KindNew       = "new"       // never tried, from a weak domain
)

// Pick is one lab the drill proposes, and why.
type Pick struct {
	Lab      string      `json:"lab"`
	Title    string      `json:"title"`
	Domain   labs.Domain `json:"domain"`
	Kind     string      `json:"kind"`
	Reason   string      `json:"reason"`
	Urgency  float64     `json:"urgency"`
	LastSeen time.Time   `json:"last_seen,omitzero"`
	DueAt    time.Time   `json:"due_at,omitzero"`
}

// Plan is a drill: the picks, most urgent first, and when the next lab
// that was left out (passed, not yet due) comes due.
type Plan struct {
	Picks []Pick `json:"picks"`
	// NotDue counts passed labs whose review is not due yet.
	NotDue int `json:"not_due"`
	// NextDue is the earliest review among them (zero when none).
	NextDue time.Time `json:"next_due,omitzero"`
	// Weakest is the domain with the lowest mastery.
	Weakest labs.Domain `json:"weakest_domain"`
}

// Options tune a drill.
type Options struct {
	N      int       // number of picks (3 when 0)
	Now    time.Time // the clock
	Domain labs.Domain
}

// Next picks the labs to practise next from the catalog and the learner's
// history: first the labs whose latest attempt failed (lowest score and
// longest ago first), then passed labs whose spaced-repetition review is
// due (most overdue first), then labs started and never checked, then new
// labs from the weakest domains (easiest first). Within a kind, a weaker
// domain comes first. Passed labs that are not due are left out.
func Next(catalog []*labs.Lab, sums map[string]*store.LabSummary, opts Options) Plan {
	n := opts.N
	if n <= 0 {
		n = 3
	}
	st := Compute(catalog, sums, nil)
	mastery := map[labs.Domain]float64{}
	weakest, low := labs.Domain(""), math.Inf(1)
	for _, d := range st.Domains {
		mastery[d.Domain] = d.Mastery
		if d.Mastery < low {
			weakest, low = d.Domain, d.Mastery
		}
	}
	plan := Plan{Picks: []Pick{}, Weakest: weakest}
	var picks []Pick
	for _, l := range catalog {
		if opts.Domain != "" && l.Domain != opts.Domain {
			continue
		}
		s := sums[l.ID]
		weak := 1 - mastery[l.Domain]/100 // 0 (mastered) .. 1 (weak)
		domainNote := ""
		if l.Domain == weakest && len(st.Domains) > 1 {
			domainNote = fmt.Sprintf("; %s is your weakest domain (%s%% mastery)", l.Domain.Title(), num(mastery[l.Domain]))
		}
		p := Pick{Lab: l.ID, Title: l.Title, Domain: l.Domain}
		switch {
		case s == nil:
			p.Kind = KindNew
			p.Urgency = 100 + 50*weak - 5*float64(difficultyRank(l.Difficulty))
			p.Reason = fmt.Sprintf("never tried (%s)", l.Difficulty)
			if domainNote != "" {
				p.Reason += domainNote
			} else {
				p.Reason += fmt.Sprintf("; %s mastery is %s%%", l.Domain.Title(), num(mastery[l.Domain]))
			}
		case s.Attempts == 0 || s.LastMax == 0:
			p.Kind, p.LastSeen = KindUnchecked, s.LastSeen()
			p.Urgency = 150 + 20*weak
			p.Reason = fmt.Sprintf("started %s but never checked%s", ago(opts.Now, s.LastSeen()), domainNote)
		case s.LastScore < s.LastMax:
			p.Kind, p.LastSeen = KindFailed, s.LastChecked
			frac := float64(s.LastScore) / float64(s.LastMax)
			days := opts.Now.Sub(s.LastChecked).Hours() / 24
			p.Urgency = 300 + 50*(1-frac) + math.Min(math.Max(days, 0), 30) + 10*weak
			last := "last attempt"
			if s.LastExam != "" {
				last = "last attempt, in mock exam " + s.LastExam + ","
			}
			p.Reason = fmt.Sprintf("%s scored %d/%d (%s%%) %s", last, s.LastScore, s.LastMax, num(100*frac), ago(opts.Now, s.LastChecked))
			if len(s.LastFailed) > 0 {
				p.Reason += "; failed " + strings.Join(s.LastFailed, ", ")
			}
			p.Reason += domainNote
		default:
			iv := Interval(max(1, s.Streak))
			due := s.LastChecked.Add(iv)
			p.DueAt, p.LastSeen = due, s.LastChecked
			if opts.Now.Before(due) {
				plan.NotDue++
				if plan.NextDue.IsZero() || due.Before(plan.NextDue) {
					plan.NextDue = due
				}
				continue
			}
			p.Kind = KindDue
			overdue := opts.Now.Sub(due).Hours() / iv.Hours()
			p.Urgency = 200 + 10*math.Min(overdue, 3) + 20*weak
			p.Reason = fmt.Sprintf("passed %s, last %s; the review interval after that is %s, so it is due (spaced repetition)%s",
				times(max(1, s.Streak)), ago(opts.Now, s.LastChecked), days(iv), domainNote)
		}
		picks = append(picks, p)
	}
	sort.SliceStable(picks, func(i, j int) bool {
		if picks[i].Urgency != picks[j].Urgency {
			return picks[i].Urgency > picks[j].Urgency
		}
		return picks[i].Lab < picks[j].Lab
	})
	for i := range picks {
		picks[i].Urgency = math.Round(picks[i].Urgency*10) / 10
	}
	if len(picks) > n {
		picks = picks[:n]
	}
	plan.Picks = append(plan.Picks, picks...)
	return plan
}

func difficultyRank(d string) int {
	for i, x := range labs.Difficulties {
		if x == d {
			return i
		}
	}
	return len(labs.Difficulties)
}

// ago is a short relative time in calendar days of now's time zone (see
// Seen): "today", "yesterday", "5 days ago", "3 weeks ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "some time ago"
	}
	if t.After(now) {
		return "just now"
	}
	switch days := calendarDays(now, t); {
	case days == 0:
		return "today"
	case days == 1:
		return "yesterday"
	case days < 14:
		return fmt.Sprintf("%d days ago", days)
	case days < 60:
		return fmt.Sprintf("%d weeks ago", days/7)
	default:
		return fmt.Sprintf("%d months ago", days/30)
	}
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice in a row"
	}
	return fmt.Sprintf("%d times in a row", n)
}

func num(x float64) string {
	s := fmt.Sprintf("%.1f", x)
	return strings.TrimSuffix(s, ".0")
}
