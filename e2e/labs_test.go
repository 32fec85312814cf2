package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/session"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

func liveCluster(c *kind.Cluster) *session.LiveCluster {
	return &session.LiveCluster{Clients: c.Clients, Kind: c, Outside: c.Outside()}
}

// TestLabs grades every built-in lab live: its solution passes, the
// untouched setup scores 0, each wrong answer fails exactly the checks it
// names (and those that require them), every live verdict
// equals the offline model's prediction for the same objects, and a reset
// clears the lab promptly. Labs (and the edge fixtures of testdata) run
// side by side.
func TestLabs(t *testing.T) {
	c := need(t)
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	// The edge fixtures in testdata are graded the same way.
	all = append(all, edgeLabs(t)...)
	lc := liveCluster(c)
	// The probe agents are kept between the checks of a lab, as the TUI
	// keeps them (session.Manager): a lab's first check starts its pods'
	// agents, the next ones find them running.
	lc.Agents = live.NewAgents(0)
	t.Cleanup(lc.Agents.Close) // after the labs (parallel subtests) end
	t.Cleanup(func() {
		namespacesGone.wg.Wait()
		for _, err := range namespacesGone.errs {
			t.Error(err)
		}
	})
	for _, l := range byCost(all) {
		t.Run(l.ID, func(t *testing.T) {
			// Labs run side by side (go test -parallel), each in its own
			// namespaces; labs that share a cluster-wide resource take
			// turns (see locks_test.go).
			t.Parallel()
			gradeLab(t, lc, l)
		})
	}
}

func gradeLab(t *testing.T, lc *session.LiveCluster, l *labs.Lab) {
	ctx := context.Background()
	cl := lc.Clients
	setup, err := manifest.Decode(l.Source, []byte(l.Setup.Manifests))
	if err != nil {
		t.Fatal(err)
	}
	setupObjs, _, err := live.LabSetup(setup, l.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	res := labNeeds(t, l)
	unlockLab := suiteLocks.lock(res.lab)
	defer unlockLab()
	// A lab whose setup has Ingresses holds its ingress keys throughout;
	// the others per answer, from applying it to reverting it.
	var unlockIngressLab func()
	if res.setupIngress {
		unlockIngressLab = suiteLocks.lockIngress(res.union())
		defer func() { unlockIngressLab() }()
	}
	start := time.Now()
	if err := session.StartLive(ctx, cl, l); err != nil {
		t.Fatal(err)
	}
	record("lab start (setup applied and ready)", time.Since(start))

	type answer struct {
		name  string
		yaml  string
		fails []string
	}
	blank := answer{name: "blank answer"}
	for _, c := range l.Checks {
		blank.fails = append(blank.fails, c.ID)
	}
	answers := []answer{{"solution", l.Solution.Manifests, nil}, blank}
	for _, w := range l.Wrong {
		answers = append(answers, answer{"wrong answer " + w.Name, w.Manifests, checker.ExpectedFailures(l, w.Fails)})
	}
	for i, a := range answers {
		objs, err := manifest.Decode(l.Source+" ("+a.name+")", []byte(a.yaml))
		if err != nil {
			t.Fatal(err)
		}
		us, err := live.ToUnstructured(objs, l.Namespace)
		if err != nil {
			t.Fatal(err)
		}
		unlockIngress := func() {}
		if !res.setupIngress {
			unlockIngress = suiteLocks.lockIngress(res.answers[a.name])
		}
		if err := cl.Apply(ctx, us); err != nil {
			unlockIngress()
			t.Fatalf("%s: %v", a.name, err)
		}
		// An answer may replace a setup Deployment: wait for its pods.
		if err := cl.WaitReady(ctx, live.Namespaces(append(setupObjs, us...)), 2*time.Minute); err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
		b, err := session.LiveBackend(lc, "kind", l)
		if err != nil {
			t.Fatal(err)
		}
		// A learner checks a while after the last change; the answer was
		// applied a moment ago. Wait for the cluster to settle first (as
		// the check would), so that the figure is the check's own time.
		settled, err := b.WaitSettled(ctx)
		if err != nil {
			t.Fatal(err)
		}
		record("lab check: settle wait after applying an answer", settled)
		rep, err := checker.Run(ctx, l, b, session.LiveCheckOptions(nil))
		fallbacks := b.AgentFallbacks()
		apart := b.AgentsCopiedApart()
		for _, d := range b.ConnectTimes() {
			// the margin a connected probe leaves to the timeout that
			// reads silence as a drop (Options.Timeout)
			record("probe: connection time of connected probes", d)
		}
		b.Close()
		if err != nil {
			t.Fatal(err)
		}
		record("lab check", rep.Duration)
		if i == 0 {
			record("lab check: the lab's first (its pods' probe agents start)", rep.Duration)
		} else {
			record("lab check: later ones (probe agents kept from the one before)", rep.Duration)
		}
		for _, r := range rep.Checks {
			if r.Probe == nil {
				continue
			}
			why := strings.Join(r.Reasons, "\n")
			count("probes graded live", 1)
			if strings.Contains(why, live.NoteCaughtUp) || strings.Contains(why, live.NoteStillDiffers) {
				// the data plane lagged the objects (Backend.converge)
				count("probes read again until live agreed with the model", 1)
				t.Logf("%s: %s read again: %s", a.name, r.ID, why)
			}
		}
		if len(apart) > 0 {
			t.Errorf("%s: the exec that starts the probe agent could not copy it in (it took one more exec):\n%s", a.name, strings.Join(apart, "\n"))
		}
		if len(fallbacks) > 0 {
			t.Errorf("%s: the probe agent could not run everywhere (probes fell back to a command each):\n%s", a.name, strings.Join(fallbacks, "\n"))
		}
		failed := rep.Failed()
		want := slices.Clone(a.fails)
		slices.Sort(failed)
		slices.Sort(want)
		if !slices.Equal(failed, want) {
			t.Errorf("%s: failed %v, want %v\n%s", a.name, failed, want, describe(rep, func(r checker.Result) bool {
				return slices.Contains(failed, r.ID) != slices.Contains(want, r.ID)
			}))
		}
		if d := describe(rep, func(r checker.Result) bool { return r.Probe != nil && r.Probe.Disagrees }); d != "" {
			t.Errorf("%s: live verdicts differ from the model's:\n%s", a.name, d)
		}
		// (a probe agent kept in a pod the revert replaces ends with its
		// pod, as when a learner's change replaces it)
		err = revert(ctx, cl, us, setupObjs)
		if res.answers[a.name].any && hasKind(objs, "Ingress") {
			// The controller applies a removed Ingress within its
			// providers' throttle (100 ms): only then may another lab
			// rely on the route being gone.
			time.Sleep(time.Second)
		}
		unlockIngress()
		if err != nil {
			t.Fatalf("%s: revert: %v", a.name, err)
		}
	}

	start = time.Now()
	ns, err := session.ResetLive(ctx, lc, l)
	if err != nil {
		t.Fatal(err)
	}
	record("lab reset (command)", time.Since(start))
	if err := waitContentGone(ctx, cl, ns, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	record("lab reset (pods, Services, policies, Ingresses gone)", d)
	// Labs run side by side, so the limit leaves room for a busy node
	// (the figure above is what to watch).
	if d > 10*time.Second {
		t.Errorf("reset took %.1fs to clear the lab, want ≤ 10s", d.Seconds())
	}
	if res.setupIngress {
		// the ingress controller drops the routes within its throttle
		// (see the answers above) before another lab may use the hosts
		time.Sleep(time.Second)
	}
	// The namespaces themselves go in the background: the next lab need
	// not wait for them (StartLive waits for a namespace it reuses), but
	// how long it takes is still a figure.
	namespacesGone.wg.Add(1)
	go func() {
		defer namespacesGone.wg.Done()
		if err := waitNamespacesGone(ctx, cl, ns, 2*time.Minute); err != nil {
			namespacesGone.mu.Lock()
			namespacesGone.errs = append(namespacesGone.errs, fmt.Errorf("lab %s reset: %w", l.ID, err))
			namespacesGone.mu.Unlock()
			return
		}
		record("lab reset (namespaces gone)", time.Since(start))
	}()
}

// namespacesGone waits for the labs' namespaces to go (gradeLab); TestLabs
// reports the namespaces that did not.
var namespacesGone struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

// waitContentGone waits until the namespaces hold no pod, Service,
// NetworkPolicy or Ingress.
func waitContentGone(ctx context.Context, cl *live.Clients, ns []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		left := ""
		for _, n := range ns {
			if l, err := cl.Kube.CoreV1().Pods(n).List(ctx, metav1.ListOptions{}); err == nil && len(l.Items) > 0 {
				left = "pod " + n + "/" + l.Items[0].Name
			} else if l, err := cl.Kube.CoreV1().Services(n).List(ctx, metav1.ListOptions{}); err == nil && len(l.Items) > 0 {
				left = "Service " + n + "/" + l.Items[0].Name
			} else if l, err := cl.Kube.NetworkingV1().NetworkPolicies(n).List(ctx, metav1.ListOptions{}); err == nil && len(l.Items) > 0 {
				left = "NetworkPolicy " + n + "/" + l.Items[0].Name
			} else if l, err := cl.Kube.NetworkingV1().Ingresses(n).List(ctx, metav1.ListOptions{}); err == nil && len(l.Items) > 0 {
				left = "Ingress " + n + "/" + l.Items[0].Name
			}
			if left != "" {
				break
			}
		}
		if left == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is still there after %s", left, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// describe lists the checks pick selects, with what was observed.
func describe(rep *checker.Report, pick func(checker.Result) bool) string {
	var b strings.Builder
	for _, r := range rep.Checks {
		if !pick(r) {
			continue
		}
		fmt.Fprintf(&b, "  %s passed=%v\n    expected: %s\n    observed: %s\n", r.ID, r.Passed, r.Expected, r.Observed)
		if r.Probe != nil {
			fmt.Fprintf(&b, "    model:    %s\n", r.Probe.Prediction)
		}
		for _, why := range r.Reasons {
			fmt.Fprintf(&b, "      %s\n", why)
		}
		if r.Error != "" {
			fmt.Fprintf(&b, "    error: %s\n", r.Error)
		}
	}
	return b.String()
}

// revert undoes an answer: objects the setup also has get the setup's
// version back (same field manager, so the answer's extra fields go),
// the others are deleted.
func revert(ctx context.Context, cl *live.Clients, answer, setup []*unstructured.Unstructured) error {
	key := func(u *unstructured.Unstructured) string {
		return u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
	}
	inSetup := map[string]*unstructured.Unstructured{}
	for _, u := range setup {
		inSetup[key(u)] = u
	}
	var restore, remove []*unstructured.Unstructured
	for _, u := range answer {
		if s, ok := inSetup[key(u)]; ok {
			restore = append(restore, s)
		} else {
			remove = append(remove, u)
		}
	}
	// A workload the answer changed is created afresh, its pods gone
	// first: re-applying the setup's template would leave the answer's
	// pods serving while a rollout to never-ready pods (a broken
	// readiness probe) waits for them, where a learner's untouched setup
	// has none.
	var workloads []*unstructured.Unstructured
	for _, u := range restore {
		switch u.GetKind() {
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
			workloads = append(workloads, u)
		}
	}
	if err := cl.Delete(ctx, append(remove, workloads...), time.Minute); err != nil {
		return err
	}
	if err := deletePodsOf(ctx, cl, workloads); err != nil {
		return err
	}
	if err := cl.Apply(ctx, restore); err != nil {
		return err
	}
	return cl.WaitReady(ctx, live.Namespaces(setup), 2*time.Minute)
}

// deletePodsOf deletes the pods the workloads' selectors select and waits
// until they are gone.
func deletePodsOf(ctx context.Context, cl *live.Clients, workloads []*unstructured.Unstructured) error {
	zero := int64(0)
	for _, w := range workloads {
		sel, found, _ := unstructured.NestedStringMap(w.Object, "spec", "selector", "matchLabels")
		if !found || len(sel) == 0 {
			continue
		}
		lo := metav1.ListOptions{LabelSelector: labels.SelectorFromSet(sel).String()}
		pods := cl.Kube.CoreV1().Pods(w.GetNamespace())
		// only pods a controller owns: a bare setup pod with the same
		// labels stays
		owned := func() ([]string, error) {
			l, err := pods.List(ctx, lo)
			if err != nil {
				return nil, err
			}
			var names []string
			for _, p := range l.Items {
				if metav1.GetControllerOf(&p) != nil {
					names = append(names, p.Name)
				}
			}
			return names, nil
		}
		names, err := owned()
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := pods.Delete(ctx, n, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
		deadline := time.Now().Add(time.Minute)
		for {
			if left, err := owned(); err == nil && len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("pods of %s %s/%s still there after a minute", w.GetKind(), w.GetNamespace(), w.GetName())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

func waitNamespacesGone(ctx context.Context, cl *live.Clients, ns []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, n := range ns {
		for {
			_, err := cl.Kube.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("namespace %s still exists after %s", n, timeout)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}
