package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/class"
)

// bigClass is a 30-learner class over 46 labs, every learner having run
// every lab: 3 to 9 checks a record, a failed check with its expected,
// observed and MaxWhy why-lines (the largest a record gets).
func bigClass(tb testing.TB) (*class.Class, []class.Record) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("learner-%02d", i))
	}
	c, err := class.NewClass("bench", names, testNow)
	if err != nil {
		tb.Fatal(err)
	}
	var recs []class.Record
	for li, n := range names {
		for lab := range 46 {
			r := class.Record{Learner: n, Lab: fmt.Sprintf("np-lab-%02d", lab), Domain: domainOf("np-"), Variant: uint64(lab),
				At: testNow.Add(-time.Duration(li*46+lab) * time.Second), Attempts: 1 + (li+lab)%5}
			for ch := range 3 + (lab % 7) {
				cr := class.CheckRecord{ID: fmt.Sprintf("check-%d", ch), Max: 2}
				if (li+lab+ch)%4 == 0 {
					cr.Expected = "frontend/client reaches backend/api on TCP 8080"
					cr.Observed = "blocked: NetworkPolicy backend/deny-all selects backend/api and allows no ingress from frontend"
					for w := range class.MaxWhy {
						cr.Why = append(cr.Why, fmt.Sprintf("why %d: NetworkPolicy backend/allow-frontend selects app=api but its from selects namespaces labelled team=frontend", w))
					}
				} else {
					cr.Passed, cr.Points = true, 2
				}
				r.Checks = append(r.Checks, cr)
				r.Score += cr.Points
				r.Max += cr.Max
			}
			recs = append(recs, r)
		}
	}
	return c, recs
}

// BenchmarkBoardLoad is the board's work for one read of a 30-learner
// class × 46 labs: build the board, then the screen's first frame.
func BenchmarkBoardLoad(b *testing.B) {
	c, recs := bigClass(b)
	km, st := DefaultKeyMap(), NewStyles(false)
	b.ResetTimer()
	for b.Loop() {
		m := newBoard(context.Background(), &km, &st, BoardConfig{Now: func() time.Time { return testNow }})
		m.SetSize(120, 40)
		m.Update(boardLoadedMsg{board: class.BuildBoard(c, recs, nil)})
		if m.View() == "" {
			b.Fatal("no frame")
		}
	}
}

// BenchmarkBoardDecode is decoding the same records from their JSON (what
// a read does after its List call: one Record per lab and learner).
func BenchmarkBoardDecode(b *testing.B) {
	_, recs := bigClass(b)
	raw := make([][]byte, len(recs))
	size := 0
	for i, r := range recs {
		raw[i], _ = json.Marshal(r)
		size += len(raw[i])
	}
	b.ResetTimer()
	for b.Loop() {
		for _, d := range raw {
			var r class.Record
			if err := json.Unmarshal(d, &r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(size)/30/1024, "KiB/learner")
}
