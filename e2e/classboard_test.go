package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// TestClassBoard30 measures the board of a 30-learner class that ran
// every lab of the class (one result each) on the suite's cluster: the
// read (one List call) and the build, as `class board` does every few
// seconds; and the class's footprint on the cluster.
func TestClassBoard30(t *testing.T) {
	c := need(t)
	ctx := context.Background()
	admin := c.Clients
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("l%02d", i+1))
	}
	cls, err := class.NewClass("board30", names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	up, err := classroom.Up(ctx, admin, cls, classroom.UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	record("class up (30 learners)", time.Since(start))
	defer func() {
		if _, err := classroom.Down(ctx, admin, cls.Name, false); err != nil {
			t.Errorf("class down: %v", err)
		}
	}()
	t.Logf("30 learners: %d objects on the cluster (%.1f per learner), before any lab", up.Objects, float64(up.Objects)/30)
	builtin, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := class.ClassLabs(cls, builtin)
	// Every learner ran every lab once, some checks failing with their
	// reasons: the size of a busy class's results (written side by side,
	// as learners do).
	// (Written through a client without ckadlab's 100 requests/s limit:
	// 30 learners each have their own; the figure is the board's read.)
	wcfg := rest.CopyConfig(admin.Config)
	wcfg.QPS, wcfg.Burst = 1000, 1000
	writer, err := live.NewClients(wcfg)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(cls.Learners))
	for i, l := range cls.Learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeResults(ctx, writer, cls, i, l, pool)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d results in %.1fs", 30*len(pool), time.Since(start).Seconds())
	for range 3 {
		b, recs := readBoard(t, admin, cls.Name, "class board of 30 learners × all class labs (read + build)")
		if len(recs) != 30*len(pool) || len(b.Rows) != 30 {
			t.Fatalf("%d records, %d rows; want %d and 30", len(recs), len(b.Rows), 30*len(pool))
		}
	}
	cm, err := admin.Kube.CoreV1().ConfigMaps(class.Home("l01")).Get(ctx, class.ResultsConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for k, v := range cm.Data {
		size += len(k) + len(v)
	}
	t.Logf("one learner's results after every lab: %.1f KiB", float64(size)/1024)
}

// writeResults writes one result per lab for the i-th learner l, some
// checks failing with their reasons.
func writeResults(ctx context.Context, admin *live.Clients, cls *class.Class, i int, l class.Learner, pool []*labs.Lab) error {
	m := class.Membership{Class: cls.Name, Learner: l.Name, Index: l.Index}
	for j, lab := range pool {
		r := &class.Record{Lab: lab.ID, Domain: string(lab.Domain), At: time.Now().UTC(), Attempts: 1}
		for k, ch := range lab.Checks {
			cr := class.CheckRecord{ID: ch.ID, Max: ch.Points, Passed: (i+j+k)%3 != 0}
			if cr.Passed {
				cr.Points = ch.Points
			} else {
				cr.Observed = "denied"
				cr.Why = []string{"Live: TCP connect 10.244.0.7:8080 from pod " + l.Name + "-shop/web: no answer within 1s", "denied: no ingress rule admits it"}
			}
			r.Max += cr.Max
			r.Score += cr.Points
			r.Checks = append(r.Checks, cr)
		}
		if err := classroom.WriteRecord(ctx, admin, m, r); err != nil {
			return err
		}
	}
	return nil
}
