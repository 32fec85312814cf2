package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// learnerClass is alice's class mode in a class of two, with a pack.
func learnerClass(t *testing.T, pack []byte) *session.Class {
	t.Helper()
	c, err := class.NewClass("ws", []string{"alice", "bob"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l, _ := c.Learner("alice")
	return &session.Class{Class: c, Membership: class.Membership{Class: "ws", Learner: "alice"}, Learner: l, Pack: pack}
}

// In class mode the catalog is the class's labs, the published pack's
// included, mapped into the learner's namespaces; the labs that cannot
// run side by side are left out with the reason.
func TestClassCatalog(t *testing.T) {
	src, err := content.FS.ReadFile("np-allow-app.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	packLab := strings.Replace(string(src), `id = "np-allow-app"`, `id = "pack-allow-app"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "pack-allow-app.toml"), []byte(packLab), 0o644); err != nil {
		t.Fatal(err)
	}
	tgz, err := classroom.BuildPack(dir)
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := loadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	a := &app{}
	cat, err := a.classCatalog(learnerClass(t, tgz), [][]*labs.Lab{builtin}, builtin)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cat.Get("pack-allow-app")
	if err != nil {
		t.Fatalf("the pack's lab is not in the learner's catalog: %v", err)
	}
	if !strings.HasPrefix(p.Namespace, "alice-") || !strings.Contains(p.Task, "alice-") {
		t.Errorf("the pack's lab is not mapped for alice: namespace %s", p.Namespace)
	}
	for _, l := range cat.All() {
		if !strings.HasPrefix(l.Namespace, "alice-") {
			t.Errorf("%s: namespace %s is not alice's", l.ID, l.Namespace)
		}
		if err := class.Safe(l); err != nil && !strings.Contains(err.Error(), "longer") {
			// mapped labs stay safe
			t.Errorf("%s: %v", l.ID, err)
		}
	}
	if _, err := cat.Get("np-test-network-policy"); err == nil {
		t.Error("a lab with pinned addresses is in a class")
	}
	found := false
	for _, e := range a.excluded {
		if e.Lab == "np-test-network-policy" && e.Why != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("np-test-network-policy is not listed as left out with a reason: %v", a.excluded)
	}
	if cat.Len()+len(a.excluded) != len(builtin)+1 {
		t.Errorf("%d labs + %d left out, want %d", cat.Len(), len(a.excluded), len(builtin)+1)
	}
	// a pack that is no pack is refused with the class named
	if _, err := (&app{}).classCatalog(learnerClass(t, []byte("not a tar.gz")), [][]*labs.Lab{builtin}, builtin); err == nil || !strings.Contains(err.Error(), "class ws") {
		t.Errorf("a broken pack: %v", err)
	}
}

// A class exam is sat with the instructor's plan over the learner's
// (mapped) labs; a plan naming a lab the learner does not have is an
// error, not another exam.
func TestClassExamPlan(t *testing.T) {
	builtin, err := loadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	a := &app{}
	cat, err := a.classCatalog(learnerClass(t, nil), [][]*labs.Lab{builtin}, builtin)
	if err != nil {
		t.Fatal(err)
	}
	e := &class.Exam{ID: "e1", Seed: 5, Tasks: 2, Duration: time.Hour, Start: time.Now(),
		Plan: []class.ExamTask{{Lab: "np-allow-app", Domain: "networkpolicy", Points: 60}, {Lab: "svc-nodeport", Domain: "services", Points: 40}}}
	plan, err := classExamPlan(e, cat)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Seed != 5 || len(plan.Tasks) != 2 || plan.Tasks[0].ID != "np-allow-app" || plan.Tasks[0].Points != 60 || plan.Tasks[1].Points != 40 {
		t.Errorf("plan %+v", plan)
	}
	e.Plan = append(e.Plan, class.ExamTask{Lab: "np-test-network-policy", Points: 1})
	if _, err := classExamPlan(e, cat); err == nil || !strings.Contains(err.Error(), "task 3") {
		t.Errorf("a task the learner does not have: %v", err)
	}
	e.Plan = nil
	if _, err := classExamPlan(e, cat); err == nil {
		t.Error("an exam without a plan was sat")
	}
}
