package tui

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
)

// shippedConfig is the app as `ckadlab` builds it: the built-in labs and a
// real session on empty learner directories.
func shippedConfig(t testing.TB) Config {
	home := t.TempDir()
	dirs := state.Dirs{Data: filepath.Join(home, "data", "ckadlab"), State: filepath.Join(home, "state", "ckadlab")}
	return Config{
		LoadCatalog: func() (*labs.Catalog, error) {
			l, err := labs.LoadFSAs(content.FS, ".", "content")
			if err != nil {
				return nil, err
			}
			return labs.NewCatalog(l)
		},
		Session: &session.Manager{Dirs: dirs, Cluster: session.Offline, Now: func() time.Time { return testNow }},
		Dirs:    dirs,
		Cluster: OfflineCluster(),
		Environ: []string{"HOME=" + home},
		Now:     func() time.Time { return testNow },
	}
}

// Time to the first frame that shows every built-in lab, through a real
// Bubble Tea program (the target is 150 ms; the assertion only catches a
// gross regression, as the machine running the tests may be busy).
func TestFirstFrameWithAllLabs(t *testing.T) {
	cfg := shippedConfig(t)
	n := 0
	if l, err := labs.LoadFSAs(content.FS, ".", "content"); err == nil {
		n = len(l)
	} else {
		t.Fatal(err)
	}
	want := []byte(fmt.Sprintf("All labs       0 of %d passed", n))
	start := time.Now()
	tm := teatest.NewTestModel(t, New(context.Background(), cfg), teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, want) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(time.Millisecond))
	d := time.Since(start)
	tm.Quit()
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	t.Logf("first frame with all %d labs loaded: %v (target 150ms)", n, d.Round(100*time.Microsecond))
	if d > 2*time.Second {
		t.Fatalf("first frame took %v", d)
	}
}

// BenchmarkFirstFrame is the work before the first full frame: load and
// validate the built-in labs, read the progress, lay out, draw.
func BenchmarkFirstFrame(b *testing.B) {
	cfg := shippedConfig(b)
	for b.Loop() {
		d := newDriver(b, cfg, 80, 24)
		if d.m.c.cat == nil {
			b.Fatal("labs not loaded")
		}
		_ = d.view()
	}
}

// BenchmarkView measures View on every screen with the built-in labs at
// 120×40 (the largest goldens size); the check screen with every result
// explained is the heaviest.
func BenchmarkView(b *testing.B) {
	cfg := shippedConfig(b)
	// The heaviest lab: the one with the most checks.
	var heavy *labs.Lab
	if l, err := cfg.LoadCatalog(); err == nil {
		for _, x := range l.All() {
			if heavy == nil || len(x.Checks) > len(heavy.Checks) {
				heavy = x
			}
		}
	} else {
		b.Fatal(err)
	}
	screens := []struct {
		name  string
		setup func(d *driver)
	}{
		{"home", func(d *driver) {}},
		{"labs", func(d *driver) { d.keys("enter") }},
		{"task", func(d *driver) { d.keys("enter"); d.openLab(heavy); d.keys("h", "h") }},
		{"check", func(d *driver) {
			d.keys("enter")
			d.openLab(heavy)
			d.keys("c", "d") // every result, passed ones explained too
		}},
	}
	for _, sc := range screens {
		b.Run(sc.name, func(b *testing.B) {
			d := newDriver(b, cfg, 120, 40)
			sc.setup(d)
			for b.Loop() {
				_ = d.m.View()
			}
		})
	}
}

// BenchmarkRenderTask is the Markdown rendering a width change costs
// (it runs in a command, and is cached per width).
func BenchmarkRenderTask(b *testing.B) {
	cfg := shippedConfig(b)
	cat, err := cfg.LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	l := cat.All()[0]
	doc := taskDocument(l, len(l.Hints), true)
	for b.Loop() {
		if _, err := renderDoc("dark", termenv.TrueColor, 120, doc); err != nil {
			b.Fatal(err)
		}
	}
}
