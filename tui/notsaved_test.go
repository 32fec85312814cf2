package tui

import (
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/store"
)

// readOnlyDB is the error of a progress database that cannot be written.
func readOnlyDB(env *testEnv) error {
	return &store.WriteError{Path: env.cfg.Dirs.DBPath(), Err: store.ErrReadOnly}
}

// A grade is never lost: when the attempt (or the start a first check
// makes) cannot be recorded, the check screen shows the score as usual
// and says, on the screen, that it was not saved and why.
func TestCheckNotSavedShowsTheScore(t *testing.T) {
	for _, started := range []bool{true, false} {
		name := "started"
		if !started {
			name = "first check starts the lab"
		}
		t.Run(name, func(t *testing.T) {
			env := newTestEnv(t)
			env.sess.saveErr = readOnlyDB(env)
			d := newDriver(t, env.cfg, 200, 40)
			l, err := d.m.c.cat.Get("svc-expose-web")
			if err != nil {
				t.Fatal(err)
			}
			if started {
				if _, err := env.sess.Start(d.m.c.ctx, l); err == nil {
					t.Fatal("the fake recorded the start")
				}
			}
			d.openLab(l)
			d.keys("c")
			cm := d.m.check()
			if cm.err != nil || cm.rep == nil {
				t.Fatalf("the check failed: %v", cm.err)
			}
			d.requireView("Score 7/10 (70%)", "not saved (why is below)",
				"! This attempt of svc-expose-web was not saved in your progress: the progress database is read-only:",
				"expected")
			if n := len(cm.notSaved); n == 0 || !strings.HasSuffix(notSavedText(cm.notSaved[n-1]), "read-only: "+env.cfg.Dirs.DBPath()+".") {
				t.Fatalf("not saved: %v", cm.notSaved)
			}
			d.rejectView("could not run")
			startSaid := strings.Contains(d.view(), "The start of svc-expose-web was not saved")
			if startSaid == started {
				t.Fatalf("the start's record: said %v, want %v:\n%s", startSaid, !started, d.view())
			}
			// Checked again once the database can be written: no warning.
			env.sess.mu.Lock()
			env.sess.saveErr = nil
			env.sess.mu.Unlock()
			d.keys("r")
			d.requireView("Score 7/10")
			d.rejectView("not saved")
		})
	}
}

// A shell or editor on a lab whose start could not be recorded opens all
// the same: the workspace is there.
func TestHandoffWhenStartNotSaved(t *testing.T) {
	env := newTestEnv(t)
	env.sess.saveErr = readOnlyDB(env)
	d := newDriver(t, env.cfg, 100, 30)
	l, err := d.m.c.cat.Get("svc-expose-web")
	if err != nil {
		t.Fatal(err)
	}
	d.openLab(l)
	d.keys("s")
	if len(d.ready) != 1 || d.ready[0].err != nil || len(d.execed) != 1 {
		t.Fatalf("the shell did not open: %+v (flash %q)", d.ready, d.m.flash)
	}
}

// The exam's grade is shown when it cannot be stored, with the reason on
// the report (not only a flash), never "Grading failed".
func TestExamGradeNotSaved(t *testing.T) {
	env, fx, _ := examEnv(t)
	fx.saveErr = readOnlyDB(env)
	d := newExamDriver(t, env.cfg, 120, 40)
	d.keys("F", "y")
	d.requireView("enter reviews", "FAIL  61.9%", "11.13 of 18 points",
		"The result of exam 20260314-092653-s3 was not saved in your progress: the progress database is read-only:",
		"exam --finish` grades it again")
	if strings.Contains(d.m.flash, "Grading failed") {
		t.Fatalf("flash %q", d.m.flash)
	}
}
