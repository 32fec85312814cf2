package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/exam/examrun"
	"github.com/ckadlab/ckadlab/session"
)

// startExamInDB stores a mock exam of labs in progress in env's database,
// as `ckadlab exam` does, started at testNow with an hour to go.
func startExamInDB(t *testing.T, env *testEnv, ids ...string) *exam.Exam {
	t.Helper()
	cat := fixtureLabs(t)
	plan := exam.Plan{Seed: 5}
	for _, id := range ids {
		l, err := cat.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		plan.Tasks = append(plan.Tasks, exam.PlanTask{ID: id, Domain: l.Domain, Points: 5})
	}
	const id = "20260314-092653-s5"
	e, err := exam.New(id, plan, cat.Get, func(lab string) string { return env.cfg.Dirs.ExamWorkspace(id, lab) }, "offline", testNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := &examrun.Runner{Mgr: &session.Manager{Dirs: env.cfg.Dirs, Cluster: session.Offline}, Cat: cat}
	if err := r.Save(e); err != nil {
		t.Fatal(err)
	}
	return e
}

// While a mock exam runs (started from the CLI, so the practice app does
// not know it), practice mode reveals none of its labs: no hint, no
// solution, no check with expected/observed/why, no practice start (shell
// or editor); it says where to open the lab instead. A lab outside the
// exam stays open; a database that cannot be read refuses.
func TestPracticeKeepsExamLabsClosed(t *testing.T) {
	const inExam, other = "svc-expose-web", "np-deny-all"
	running := "lab svc-expose-web is part of the mock exam running until 10:26: open it from the exam screen"
	tests := []struct {
		name  string
		setup func(*testing.T, *testEnv)
		lab   string
		want  string // "" when open
	}{
		{"exam lab", func(t *testing.T, e *testEnv) { startExamInDB(t, e, inExam, "ing-two-paths") }, inExam, running},
		{"time up, not graded", func(t *testing.T, e *testEnv) {
			startExamInDB(t, e, inExam)
			e.cfg.Now = func() time.Time { return testNow.Add(2 * time.Hour) }
		}, inExam, "lab svc-expose-web is part of the mock exam whose time is up: grade it with `ckadlab exam --finish`"},
		{"lab outside the exam", func(t *testing.T, e *testEnv) { startExamInDB(t, e, inExam) }, other, ""},
		{"no exam", func(*testing.T, *testEnv) {}, inExam, ""},
		{"damaged database", func(t *testing.T, e *testEnv) {
			os.MkdirAll(e.cfg.Dirs.Data, 0o755)
			os.WriteFile(e.cfg.Dirs.DBPath(), []byte("a shopping list, not a database\n"), 0o644)
		}, other, "cannot tell whether a mock exam is in progress"},
	}
	actions := []struct {
		key    string
		what   string
		opened func(d *driver, env *testEnv) bool
	}{
		{"h", "hints", func(d *driver, _ *testEnv) bool { return d.m.task().hints == 1 }},
		{"S", "solution", func(d *driver, _ *testEnv) bool { return strings.Contains(d.view(), "reference solution") }},
		{"s", "practice runs", func(d *driver, env *testEnv) bool {
			starts, _, _ := env.sess.counts()
			return len(d.execed) == 1 && starts == 1
		}},
		{"e", "practice runs", func(d *driver, env *testEnv) bool {
			starts, _, _ := env.sess.counts()
			return len(d.execed) == 1 && starts == 1
		}},
		{"c", "checks and their reasons", func(d *driver, env *testEnv) bool {
			_, checks, _ := env.sess.counts()
			return checks == 1 && d.m.check().rep != nil && strings.Contains(d.view(), "expected")
		}},
	}
	for _, tt := range tests {
		for _, a := range actions {
			t.Run(tt.name+"/"+a.key, func(t *testing.T) {
				env := newTestEnv(t)
				env.cfg.Environ = append(env.cfg.Environ, "EDITOR=/bin/true")
				tt.setup(t, env)
				d := newDriver(t, env.cfg, 240, 40)
				l, err := d.m.c.cat.Get(tt.lab)
				if err != nil {
					t.Fatal(err)
				}
				d.openLab(l)
				d.keys(a.key)
				opened := a.opened(d, env)
				if tt.want == "" {
					if !opened {
						t.Fatalf("%s of an open lab refused:\nflash %q\n%s", a.what, d.m.flash, d.view())
					}
					return
				}
				if opened {
					t.Fatalf("%s of a closed lab revealed:\n%s", a.what, d.view())
				}
				said := d.m.flash
				if a.key == "c" {
					said = errText(d.m.check().err)
					d.requireView("The check could not run")
					d.rejectView("expected", "observed")
				}
				if !strings.Contains(said, tt.want) || !strings.Contains(said, a.what) {
					t.Fatalf("refusal says %q, want %q about %s", said, tt.want, a.what)
				}
				if starts, checks, _ := env.sess.counts(); starts+checks != 0 || len(d.ready) != 0 {
					t.Fatalf("refused, yet %d start(s), %d check(s), %d hand-off(s)", starts, checks, len(d.ready))
				}
				if _, err := os.Stat(filepath.Join(env.cfg.Dirs.Workspace(tt.lab))); err == nil {
					t.Fatalf("refused, yet the practice workspace was made")
				}
			})
		}
	}
}
