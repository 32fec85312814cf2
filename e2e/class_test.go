package e2e

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/exam/examrun"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/probe"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// classLabs are the labs the class of TestClass works on: a NetworkPolicy
// lab whose policies select namespaces by label (what must not leak
// across learners) and a NodePort lab with a fixed node port (what must
// not collide).
var classLabs = []string{"np-namespace-isolation", "svc-nodeport"}

// TestClass runs a class of three learners on the suite's cluster, as
// their own ckadlab would (their kubeconfigs, class mode): side by side,
// alice answers every lab right, bob wrong, carol not at all; the board
// shows exactly that; a learner's credentials cannot read or change
// another's namespaces; probes across learners are decided by the
// receiving learner's policies; class down removes everything.
func TestClass(t *testing.T) {
	c := need(t)
	ctx := context.Background()
	admin := c.Clients
	cls, err := class.NewClass("e2e", []string{"alice", "bob", "carol"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cls.Labs = classLabs
	out := t.TempDir()
	start := time.Now()
	up, err := classroom.Up(ctx, admin, cls, classroom.UpOptions{OutDir: out,
		SelfTest: func(ctx context.Context, cl *live.Clients) (bool, error) {
			st, err := live.RunSelfTest(ctx, cl, live.SelfTestOptions{})
			return st.Enforced, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	record("class up (3 learners)", time.Since(start))
	if up.PolicyEnforced == nil || !*up.PolicyEnforced {
		t.Fatalf("class up: the self-test did not find NetworkPolicy enforced (%v): the suite's cluster enforces it", up.PolicyEnforced)
	}
	t.Logf("class up: %d objects, shared namespaces %v", up.Objects, up.Shared)
	defer func() {
		// Not waiting for the namespaces to go (tens of seconds): every
		// one of them must be on its way out, the rest gone.
		start := time.Now()
		res, err := classroom.Down(ctx, admin, cls.Name, false)
		if err != nil {
			t.Errorf("class down: %v", err)
			return
		}
		record("class down (command)", time.Since(start))
		left, err := admin.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: class.LabelClass + "=" + cls.Name})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range left.Items {
			if n.DeletionTimestamp == nil {
				t.Errorf("after class down: namespace %s is still there (removed: %v)", n.Name, res.Namespaces)
			}
		}
		if len(res.Namespaces) < 1+len(up.Learners)*(1+len(classLabs)) {
			t.Errorf("class down removed %d namespaces (%v), want the class's, 3 homes and every lab namespace", len(res.Namespaces), res.Namespaces)
		}
		for _, name := range []string{classroom.LearnerRole(cls.Name), classroom.ClusterRoleName(cls.Name)} {
			if _, err := admin.Kube.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{}); err == nil {
				t.Errorf("after class down: ClusterRole %s is still there", name)
			}
		}
	}()
	builtin, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}

	type learnerRun struct {
		name    string
		m       *session.Manager
		lc      *session.LiveCluster
		labs    map[string]*labs.Lab
		reports map[string]*checker.Report
		want    map[string][]string // lab -> checks that must fail
	}
	runs := map[string]*learnerRun{}
	for _, lr := range up.Learners {
		kc := filepath.Join(out, classroom.KubeconfigFile(lr.Name))
		if _, ok := session.IsClassContext(kc, lr.Context); !ok {
			t.Fatalf("%s: the kubeconfig's context %s is not recognised as a class learner's", lr.Name, lr.Context)
		}
		dir := t.TempDir()
		m := &session.Manager{Dirs: state.Dirs{Data: filepath.Join(dir, "data"), State: filepath.Join(dir, "state")},
			Cluster: session.ContextTarget(lr.Context), Kubeconfig: kc}
		k, err := m.ReadClass(ctx)
		if err != nil || k == nil {
			t.Fatalf("%s: class mode: %v (class %v)", lr.Name, err, k)
		}
		m.Class = k
		t.Cleanup(m.Close) // the probe agents it kept
		mapped, excluded, err := k.Labs(builtin)
		if err != nil {
			t.Fatal(err)
		}
		if len(mapped) != len(classLabs) || len(excluded) != 0 {
			t.Fatalf("%s: %d labs, %d left out (%v), want the class's %v", lr.Name, len(mapped), len(excluded), excluded, classLabs)
		}
		lc, err := m.OpenLive(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		r := &learnerRun{name: lr.Name, m: m, lc: lc, labs: map[string]*labs.Lab{}, reports: map[string]*checker.Report{}, want: map[string][]string{}}
		for _, l := range mapped {
			r.labs[l.ID] = l
		}
		runs[lr.Name] = r
	}

	// Side by side: each learner starts both labs, answers and checks.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range classLabs {
				l := r.labs[id]
				if _, err := r.m.Start(ctx, l); err != nil {
					errs <- fmt.Errorf("%s: start %s: %w", r.name, id, err)
					return
				}
				var answer string
				switch r.name {
				case "alice":
					answer = l.Solution.Manifests
				case "bob":
					w := l.Wrong[0]
					answer = w.Manifests
					r.want[id] = checker.ExpectedFailures(l, w.Fails)
				default:
					for _, ch := range l.Checks {
						r.want[id] = append(r.want[id], ch.ID)
					}
				}
				if answer != "" {
					objs, err := manifest.Decode(l.Source, []byte(answer))
					if err != nil {
						errs <- err
						return
					}
					us, err := live.ToUnstructured(objs, l.Namespace)
					if err != nil {
						errs <- err
						return
					}
					if err := r.lc.Clients.Apply(ctx, us); err != nil {
						errs <- fmt.Errorf("%s: apply the answer to %s with the learner's credentials: %w", r.name, id, err)
						return
					}
				}
				rep, err := r.m.Check(ctx, l, session.CheckOptions{})
				var ns *session.NotSavedError
				if err != nil && !errors.As(err, &ns) {
					errs <- fmt.Errorf("%s: check %s: %w", r.name, id, err)
					return
				}
				if ns != nil {
					errs <- fmt.Errorf("%s: check %s: %w", r.name, id, ns)
				}
				r.reports[id] = rep
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	for _, r := range runs {
		for id, rep := range r.reports {
			failed := rep.Failed()
			want := slices.Clone(r.want[id])
			slices.Sort(failed)
			slices.Sort(want)
			if !slices.Equal(failed, want) {
				t.Errorf("%s, %s: failed %v, want %v\n%s", r.name, id, failed, want, describe(rep, func(x checker.Result) bool {
					return slices.Contains(failed, x.ID) != slices.Contains(want, x.ID)
				}))
			}
		}
	}

	// The board, as the instructor reads it.
	board, recs := readBoard(t, admin, cls.Name, "class board read and built (3 learners)")
	if len(recs) != 6 {
		t.Errorf("%d records on the board, want 6 (3 learners × 2 labs)", len(recs))
	}
	for _, r := range runs {
		for _, id := range classLabs {
			rec, ok := board.Drill(r.name, id)
			if !ok {
				t.Errorf("board: no result of %s for %s", r.name, id)
				continue
			}
			var failed []string
			for _, ch := range rec.Checks {
				if !ch.Passed {
					failed = append(failed, ch.ID)
					if len(ch.Why) == 0 {
						t.Errorf("board: %s's failed check %s of %s has no why-line", r.name, ch.ID, id)
					}
				}
			}
			want := slices.Clone(r.want[id])
			slices.Sort(failed)
			slices.Sort(want)
			if !slices.Equal(failed, want) || rec.Score != r.reports[id].Score {
				t.Errorf("board: %s, %s: failed %v (score %d), want %v (score %d)", r.name, id, failed, rec.Score, want, r.reports[id].Score)
			}
		}
	}

	// RBAC: alice's credentials stay in alice's namespaces.
	alice, bob := runs["alice"], runs["bob"]
	ak := alice.lc.Clients.Kube
	bobNS := bob.labs["np-namespace-isolation"].Namespace
	if _, err := ak.CoreV1().Pods(bobNS).List(ctx, metav1.ListOptions{}); err == nil {
		t.Errorf("alice listed the pods of bob's namespace %s", bobNS)
	}
	if _, err := ak.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err == nil {
		t.Error("alice listed the pods of every namespace")
	}
	if err := ak.CoreV1().Pods(bobNS).Delete(ctx, "sensor", metav1.DeleteOptions{}); err == nil {
		t.Errorf("alice deleted bob's pod %s/sensor", bobNS)
	}
	if _, err := ak.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bob-stolen",
		Labels: map[string]string{class.LabelClass: cls.Name, class.LabelLearner: "bob"}}}, metav1.CreateOptions{}); err == nil {
		t.Error("alice created a namespace in bob's name")
	}
	if _, err := ak.CoreV1().ConfigMaps(class.Home("bob")).Get(ctx, class.ResultsConfigMap, metav1.GetOptions{}); err == nil {
		t.Error("alice read bob's results")
	}
	if err := classroom.WriteRecord(ctx, alice.lc.Clients, class.Membership{Class: cls.Name, Learner: "bob"}, &class.Record{Learner: "bob", Lab: "x"}); err == nil {
		t.Error("alice wrote bob's results")
	}

	// Probes across learners: decided by the receiving learner's
	// policies, never by another learner's namespace labels.
	lab := func(who string) *labs.Lab { return runs[who].labs["np-namespace-isolation"] }
	b, err := session.LiveBackend(liveCluster(c), "kind", lab("alice"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	client := func(who string) string {
		return strings.Replace(lab(who).Namespace, "greenhouse", "agronomy", 1) + "/client"
	}
	for _, tc := range []struct {
		from, to string
		allowed  bool
		why      string
	}{
		{client("alice"), lab("alice").Namespace + "/sensor", true, "alice's policy admits her own agronomy namespace"},
		{client("alice"), lab("bob").Namespace + "/sensor", false, "bob's policy (his wrong answer: only namespaces labelled access=bob-…) does not admit alice's"},
		{client("bob"), lab("alice").Namespace + "/sensor", false, "alice's policy admits namespaces labelled access=alice-…, not bob's"},
		{client("alice"), lab("carol").Namespace + "/sensor", true, "carol has no policy: her pods take any traffic"},
	} {
		from, err := probe.ParseSource(tc.from)
		if err != nil {
			t.Fatal(err)
		}
		to, err := probe.ParseTarget(tc.to)
		if err != nil {
			t.Fatal(err)
		}
		port, err := probe.ParsePort("8080")
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.Probe(ctx, probe.Spec{From: from, To: to, Port: port, Protocol: probe.TCP})
		if err != nil {
			t.Errorf("%s -> %s: %v", tc.from, tc.to, err)
			continue
		}
		if res.Allowed != tc.allowed || res.Disagrees {
			t.Errorf("%s -> %s: allowed %v (disagrees with the model: %v), want %v: %s\n%s", tc.from, tc.to, res.Allowed, res.Disagrees, tc.allowed, tc.why, strings.Join(res.Reasons, "\n"))
		}
	}

	// A class exam: the instructor's plan, every learner's ckadlab sits
	// it with the same tasks and deadline; the board shows it per task.
	ce := &class.Exam{ID: "e2e-exam", Seed: 11, Tasks: 2, Duration: 30 * time.Minute, Start: time.Now().UTC().Truncate(time.Second),
		Plan: []class.ExamTask{{Lab: "svc-nodeport", Domain: "services", Points: 40}, {Lab: "np-namespace-isolation", Domain: "networkpolicy", Points: 60}}}
	if err := classroom.StartExam(ctx, admin, cls.Name, ce); err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Answers are graded above; here the exam's plumbing: the
			// shared plan, deadline and variants, and one result per task
			// on the board (nobody answers: every task scores 0).
			if err := sitClassExam(ctx, r.m, r.labs); err != nil {
				t.Errorf("%s: class exam: %v", r.name, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	eb, erecs := readBoardExam(t, admin, cls.Name)
	if len(erecs) < 6 {
		t.Errorf("%d exam results on the board, want 6 (3 learners × 2 tasks)", len(erecs))
	}
	// the same tasks in the same variants for everyone
	variants := map[string]uint64{}
	for _, r := range erecs {
		key := fmt.Sprint(r.Task, r.Lab)
		if v, seen := variants[key]; seen && v != r.Variant {
			t.Errorf("exam task %d (%s): variant %d for %s, another learner got %d", r.Task, r.Lab, r.Variant, r.Learner, v)
		}
		variants[key] = r.Variant
	}
	if len(variants) != 2 {
		t.Errorf("exam results name %d task/lab pairs, want 2: %v", len(variants), variants)
	}
	for _, who := range []string{"alice", "bob", "carol"} {
		for task := 1; task <= 2; task++ {
			rec, ok := eb.Drill(who, fmt.Sprint(task))
			switch {
			case !ok:
				t.Errorf("exam board: no task %d of %s", task, who)
			case rec.Score != 0 || rec.Max == 0:
				t.Errorf("exam board: %s left task %d blank but scored %d/%d:\n%s", who, task, rec.Score, rec.Max, failedChecks(rec))
			case rec.Points != ce.Plan[task-1].Points:
				t.Errorf("exam board: task %d of %s weighs %d, want %d", task, who, rec.Points, ce.Plan[task-1].Points)
			}
		}
	}
}

// readBoard reads a class and its results as `class board` does (one
// List call) and builds the board, timing it as the figure what.
func readBoard(t *testing.T, admin *live.Clients, name, what string) (*class.Board, []class.Record) {
	t.Helper()
	start := time.Now()
	stored, recs, _, err := classroom.ReadBoard(context.Background(), admin, name)
	if err != nil {
		t.Fatal(err)
	}
	b := class.BuildBoard(stored, recs, nil)
	record(what, time.Since(start))
	return b, recs
}

// sitClassExam is a learner's ckadlab sitting the class exam: it reads
// the class again (the exam is new), begins the exam with the
// instructor's plan and deadline (every task set up afresh) and grades
// the exam.
func sitClassExam(ctx context.Context, m *session.Manager, mapped map[string]*labs.Lab) error {
	k, err := m.ReadClass(ctx)
	if err != nil {
		return err
	}
	if k.Exam == nil {
		return fmt.Errorf("no class exam")
	}
	m.Class = k
	var list []*labs.Lab
	for _, l := range mapped {
		list = append(list, l)
	}
	cat, err := labs.NewCatalog(list)
	if err != nil {
		return err
	}
	plan := exam.Plan{Seed: k.Exam.Seed}
	for _, t := range k.Exam.Plan {
		l, err := cat.Get(t.Lab)
		if err != nil {
			return err
		}
		plan.Tasks = append(plan.Tasks, exam.PlanTask{ID: l.ID, Domain: l.Domain, Points: t.Points})
	}
	run := &examrun.Runner{Mgr: m, Cat: cat}
	e, err := run.BeginShared(ctx, plan, k.Exam.ID, k.Exam.Deadline(), nil)
	if err != nil {
		return err
	}
	if !e.Deadline.Equal(k.Exam.Deadline()) {
		return fmt.Errorf("deadline %v, want the class's %v", e.Deadline, k.Exam.Deadline())
	}
	_, err = run.Grade(ctx, e, nil)
	return err
}

// readBoardExam is readBoard with the class's running exam.
func readBoardExam(t *testing.T, admin *live.Clients, name string) (*class.Board, []class.Record) {
	t.Helper()
	stored, recs, e, err := classroom.ReadBoard(context.Background(), admin, name)
	if err != nil || e == nil {
		t.Fatalf("the class exam: %v %v", e, err)
	}
	var exams []class.Record
	for _, r := range recs {
		if r.Exam == e.ID {
			exams = append(exams, r)
		}
	}
	return class.BuildBoard(stored, recs, e), exams
}

// failedChecks lists a record's failed checks with their reasons.
func failedChecks(r *class.Record) string {
	var b strings.Builder
	for _, ch := range r.Checks {
		if !ch.Passed {
			fmt.Fprintf(&b, "  %s: expected %s, observed %s\n", ch.ID, ch.Expected, ch.Observed)
			for _, w := range ch.Why {
				fmt.Fprintf(&b, "    %s\n", w)
			}
		}
	}
	return b.String()
}
