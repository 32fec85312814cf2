package classroom

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/internal/apiservertest"
)

// TestRealRBACAndAdmission runs class up against a real kube-apiserver
// and proves, with the learners' own kubeconfigs, what a learner can and
// cannot do.
func TestRealRBACAndAdmission(t *testing.T) {
	begin := time.Now()
	srv := apiservertest.Start(t)
	srv.FakeControllers(t)
	t.Logf("kube-apiserver ready in %.1fs", srv.Started.Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	admin, err := live.NewClients(srv.Admin)
	if err != nil {
		t.Fatal(err)
	}
	c, err := class.NewClass("room", []string{"alice", "bob"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	upStart := time.Now()
	// The learners reach the server by another name than the instructor
	// (localhost, not 127.0.0.1): their kubeconfigs still verify it.
	learnerServer := strings.Replace(srv.Admin.Host, "127.0.0.1", "localhost", 1)
	res, err := Up(ctx, admin, c, UpOptions{OutDir: out, Server: learnerServer, TokenTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Fatalf("class up warned: %v", res.Warnings)
	}
	t.Logf("class up (2 learners, %d objects) in %.1fs", res.Objects, time.Since(upStart).Seconds())

	learner := func(name string) *live.Clients {
		t.Helper()
		cl, err := live.Connect(filepath.Join(out, KubeconfigFile(name)), "")
		if err != nil {
			t.Fatalf("%s's kubeconfig: %v", name, err)
		}
		if cl.Context != ContextName("room", name) {
			t.Fatalf("%s's context is %s", name, cl.Context)
		}
		if cl.Config.Insecure || len(cl.Config.CAData) == 0 || cl.Config.Host != learnerServer {
			t.Fatalf("%s's kubeconfig does not verify %s: %+v", name, learnerServer, cl.Config.TLSClientConfig)
		}
		return cl
	}
	alice, bob := learner("alice"), learner("bob")
	am := class.Membership{Class: "room", Learner: "alice", Index: 0}
	bm := class.Membership{Class: "room", Learner: "bob", Index: 1}

	// What a learner reads of the class.
	m, err := ReadMembership(ctx, alice, "alice-ckadlab")
	if err != nil || m == nil || *m != am {
		t.Fatalf("alice's membership: %+v, %v", m, err)
	}
	stored, err := ReadClass(ctx, alice, "room")
	if err != nil || len(stored.Learners) != 2 {
		t.Fatalf("alice reads the class: %+v, %v", stored, err)
	}

	// The class exam and pack: the instructor writes, learners read.
	if e, err := ReadExam(ctx, alice, "room"); e != nil || err != nil {
		t.Fatalf("alice reads the absent exam: %v %v", e, err)
	}
	if err := StartExam(ctx, admin, "room", &class.Exam{ID: "e1", Seed: 3, Tasks: 2, Duration: time.Hour, Start: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if e, err := ReadExam(ctx, alice, "room"); err != nil || e == nil || e.Seed != 3 {
		t.Fatalf("alice reads the exam: %+v %v", e, err)
	}
	if _, err := StopExam(ctx, alice, "room"); !apierrors.IsForbidden(errors.Unwrap(err)) {
		t.Errorf("alice stops the class exam: %v", err)
	}
	pack := []byte("\x1f\x8b pack bytes")
	if _, err := PublishPack(ctx, admin, "room", pack); err != nil {
		t.Fatal(err)
	}
	if got, _, err := ReadPack(ctx, alice, "room"); err != nil || string(got) != string(pack) {
		t.Errorf("alice reads the pack: %q %v", got, err)
	}
	if _, err := PublishPack(ctx, alice, "room", []byte("evil")); err == nil {
		t.Errorf("alice published a pack")
	}

	// alice works in her own namespace.
	if err := ProvisionNamespace(ctx, alice, am, stored, "alice-shop", map[string]string{"team": "shop"}); err != nil {
		t.Fatalf("alice provisions alice-shop: %v", err)
	}
	if err := ProvisionNamespace(ctx, alice, am, stored, "alice-shop", map[string]string{"team": "shop"}); err != nil {
		t.Fatalf("alice provisions alice-shop again: %v", err)
	}
	if err := ProvisionNamespace(ctx, bob, bm, stored, "bob-shop", nil); err != nil {
		t.Fatalf("bob provisions bob-shop: %v", err)
	}
	pod := func(ns string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.k8s.io/e2e-test-images/agnhost:2.53"}}}}
	}
	// The RoleBinding reaches alice a moment after it is created.
	eventually(t, "alice creates a pod in alice-shop", func() error {
		_, err := alice.Kube.CoreV1().Pods("alice-shop").Create(ctx, pod("alice-shop"), metav1.CreateOptions{})
		return err
	})
	eventually(t, "bob creates a pod in bob-shop", func() error {
		_, err := bob.Kube.CoreV1().Pods("bob-shop").Create(ctx, pod("bob-shop"), metav1.CreateOptions{})
		return err
	})
	got, err := alice.Kube.CoreV1().Pods("alice-shop").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Containers[0].Resources.Limits.Cpu().IsZero() {
		t.Errorf("alice's pod got no CPU limit from the LimitRange: %v", got.Spec.Containers[0].Resources)
	}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "deny"}, Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	if _, err := alice.Kube.NetworkingV1().NetworkPolicies("alice-shop").Create(ctx, np, metav1.CreateOptions{}); err != nil {
		t.Errorf("alice creates a NetworkPolicy in alice-shop: %v", err)
	}
	if _, err := alice.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("alice lists namespaces: %v", err)
	}

	// Her ckadlab reads every namespace of hers, home too.
	if _, err := alice.Kube.CoreV1().Pods("alice-ckadlab").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("alice lists the pods of her home: %v", err)
	}

	// The cluster's own namespaces: read what the model needs, no more.
	if _, err := alice.Kube.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("alice lists kube-system's pods: %v", err)
	}
	if _, err := alice.Kube.DiscoveryV1().EndpointSlices("kube-system").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("alice lists kube-system's EndpointSlices: %v", err)
	}

	// What she must not do.
	nsWith := func(name string, labels map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	ab := learnerNamespaceLabels("room", "alice")
	q, _ := quota("room", "alice", "alice-shop", stored.Quota)
	denied := []struct {
		name string
		do   func() error
		want string // in the error: which rule refused it
	}{
		{"create bob-shop2 labelled as hers", func() error {
			_, err := alice.Kube.CoreV1().Namespaces().Create(ctx, nsWith("bob-shop2", ab), metav1.CreateOptions{})
			return err
		}, "only namespaces named LEARNER-"},
		{"create bob-x labelled as bob's", func() error {
			_, err := alice.Kube.CoreV1().Namespaces().Create(ctx, nsWith("bob-x", learnerNamespaceLabels("room", "bob")), metav1.CreateOptions{})
			return err
		}, "only namespaces named LEARNER-"},
		{"create an unlabelled alice-raw", func() error {
			_, err := alice.Kube.CoreV1().Namespaces().Create(ctx, nsWith("alice-raw", nil), metav1.CreateOptions{})
			return err
		}, "only namespaces named LEARNER-"},
		{"create alice-psa without a Pod Security level", func() error {
			_, err := alice.Kube.CoreV1().Namespaces().Create(ctx, nsWith("alice-psa", learnerLabels("room", "alice")), metav1.CreateOptions{})
			return err
		}, "pod-security.kubernetes.io/enforce=baseline"},
		{"lower alice-shop's Pod Security level", func() error {
			ns, err := alice.Kube.CoreV1().Namespaces().Get(ctx, "alice-shop", metav1.GetOptions{})
			if err != nil {
				return err
			}
			ns.Labels[PodSecurityLabel] = "privileged"
			_, err = alice.Kube.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
			return err
		}, "pod-security.kubernetes.io/enforce=baseline"},
		{"run a privileged pod in alice-shop", func() error {
			p := pod("alice-shop")
			p.Name = "root"
			yes := true
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &yes}
			_, err := alice.Kube.CoreV1().Pods("alice-shop").Create(ctx, p, metav1.CreateOptions{})
			return err
		}, "violates PodSecurity"},
		{"run a hostPath pod in alice-shop", func() error {
			p := pod("alice-shop")
			p.Name = "host"
			p.Spec.Volumes = []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
			_, err := alice.Kube.CoreV1().Pods("alice-shop").Create(ctx, p, metav1.CreateOptions{})
			return err
		}, "violates PodSecurity"},
		{"create alice-y labelled with another class", func() error {
			_, err := alice.Kube.CoreV1().Namespaces().Create(ctx, nsWith("alice-y", learnerNamespaceLabels("other", "alice")), metav1.CreateOptions{})
			return err
		}, "only namespaces named LEARNER-"},
		{"delete bob-shop", func() error {
			return alice.Kube.CoreV1().Namespaces().Delete(ctx, "bob-shop", metav1.DeleteOptions{})
		}, "only their own namespaces"},
		{"delete her home namespace", func() error {
			return alice.Kube.CoreV1().Namespaces().Delete(ctx, "alice-ckadlab", metav1.DeleteOptions{})
		}, "only their own namespaces"},
		{"relabel bob-shop as hers", func() error {
			ns, err := alice.Kube.CoreV1().Namespaces().Get(ctx, "bob-shop", metav1.GetOptions{})
			if err != nil {
				return err
			}
			ns.Labels[class.LabelLearner] = "alice"
			_, err = alice.Kube.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{})
			return err
		}, "only namespaces named LEARNER-|only their own namespaces"},
		{"get bob's pod", func() error {
			_, err := alice.Kube.CoreV1().Pods("bob-shop").Get(ctx, "web", metav1.GetOptions{})
			return err
		}, ""},
		{"list bob's pods", func() error {
			_, err := alice.Kube.CoreV1().Pods("bob-shop").List(ctx, metav1.ListOptions{})
			return err
		}, ""},
		{"list pods in all namespaces", func() error {
			_, err := alice.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
			return err
		}, ""},
		{"delete bob's pod", func() error {
			return alice.Kube.CoreV1().Pods("bob-shop").Delete(ctx, "web", metav1.DeleteOptions{})
		}, ""},
		{"create a pod in bob-shop", func() error {
			_, err := alice.Kube.CoreV1().Pods("bob-shop").Create(ctx, pod("bob-shop"), metav1.CreateOptions{})
			return err
		}, ""},
		{"read bob's results", func() error {
			_, err := alice.Kube.CoreV1().ConfigMaps("bob-ckadlab").Get(ctx, class.ResultsConfigMap, metav1.GetOptions{})
			return err
		}, ""},
		{"write bob's results", func() error {
			return WriteRecord(ctx, alice, bm, &class.Record{Learner: "bob", Lab: "np-basic", Score: 10, Max: 10})
		}, ""},
		{"change her membership", func() error {
			cm, err := alice.Kube.CoreV1().ConfigMaps("alice-ckadlab").Get(ctx, class.LearnerConfigMap, metav1.GetOptions{})
			if err != nil {
				return err
			}
			cm.Data[class.LearnerKey] = `{"class":"room","learner":"alice","index":7}`
			_, err = alice.Kube.CoreV1().ConfigMaps("alice-ckadlab").Update(ctx, cm, metav1.UpdateOptions{})
			return err
		}, ""},
		{"bind cluster-admin to herself in alice-shop", func() error {
			rb := labRoleBinding("room", "alice", "alice-shop")
			rb.Name, rb.RoleRef.Name = "admin", "cluster-admin"
			_, err := alice.Kube.RbacV1().RoleBindings("alice-shop").Create(ctx, rb, metav1.CreateOptions{})
			return err
		}, "attempting to grant RBAC permissions not currently held|may only bind"},
		{"bind cluster-admin cluster-wide", func() error {
			crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-admin"}, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"}, Subjects: []rbacv1.Subject{learnerSubject("room", "alice")}}
			_, err := alice.Kube.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{})
			return err
		}, ""},
		{"bind the learner role to bob in alice-shop", func() error {
			rb := labRoleBinding("room", "bob", "alice-shop")
			rb.Name = "for-bob"
			_, err := alice.Kube.RbacV1().RoleBindings("alice-shop").Create(ctx, rb, metav1.CreateOptions{})
			return err
		}, "only to themselves"},
		{"bind the learner role to a ServiceAccount alice of another namespace", func() error {
			rb := labRoleBinding("room", "alice", "alice-shop")
			rb.Name, rb.Subjects[0].Namespace = "other-alice", "alice-shop"
			_, err := alice.Kube.RbacV1().RoleBindings("alice-shop").Create(ctx, rb, metav1.CreateOptions{})
			return err
		}, "only to their own ServiceAccount in namespace ckadlab-class-room"},
		{"bind the learner role to herself in bob-shop", func() error {
			_, err := alice.Kube.RbacV1().RoleBindings("bob-shop").Create(ctx, labRoleBinding("room", "alice", "bob-shop"), metav1.CreateOptions{})
			return err
		}, "only create RoleBindings, in their own lab namespaces"},
		{"bind the learner role to herself in her home", func() error {
			_, err := alice.Kube.RbacV1().RoleBindings("alice-ckadlab").Create(ctx, labRoleBinding("room", "alice", "alice-ckadlab"), metav1.CreateOptions{})
			return err
		}, "only create RoleBindings, in their own lab namespaces"},
		{"change her quota", func() error {
			old, err := alice.Kube.CoreV1().ResourceQuotas("alice-shop").Get(ctx, QuotaName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			old.Spec.Hard = q.Spec.Hard.DeepCopy()
			old.Spec.Hard[corev1.ResourcePods] = resourceMust("500")
			_, err = alice.Kube.CoreV1().ResourceQuotas("alice-shop").Update(ctx, old, metav1.UpdateOptions{})
			return err
		}, "forbidden"},
		{"delete her quota", func() error {
			return alice.Kube.CoreV1().ResourceQuotas("alice-shop").Delete(ctx, QuotaName, metav1.DeleteOptions{})
		}, ""},
		{"create a quota in bob-shop", func() error {
			q2, _ := quota("room", "alice", "bob-shop", stored.Quota)
			q2.Name = "more"
			_, err := alice.Kube.CoreV1().ResourceQuotas("bob-shop").Create(ctx, q2, metav1.CreateOptions{})
			return err
		}, "only create ResourceQuotas"},
		{"create a pod in her home", func() error {
			_, err := alice.Kube.CoreV1().Pods("alice-ckadlab").Create(ctx, pod("alice-ckadlab"), metav1.CreateOptions{})
			return err
		}, ""},
		{"read kube-system's Secrets", func() error {
			_, err := alice.Kube.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{})
			return err
		}, ""},
		{"create a pod in kube-system", func() error {
			_, err := alice.Kube.CoreV1().Pods("kube-system").Create(ctx, pod("kube-system"), metav1.CreateOptions{})
			return err
		}, ""},
		{"read the class's token Secrets", func() error {
			_, err := alice.Kube.CoreV1().Secrets("ckadlab-class-room").List(ctx, metav1.ListOptions{})
			return err
		}, ""},
	}
	for _, d := range denied {
		err := d.do()
		if err == nil {
			t.Errorf("alice could %s", d.name)
			continue
		}
		if !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err) {
			t.Errorf("alice %s: want forbidden, got %v", d.name, err)
		}
		if d.want != "" && !regexp.MustCompile(d.want).MatchString(err.Error()) {
			t.Errorf("alice %s: refused for another reason than %q: %v", d.name, d.want, err)
		}
	}
	// bob's pod is untouched.
	if _, err := bob.Kube.CoreV1().Pods("bob-shop").Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Errorf("bob's pod: %v", err)
	}

	// Results: alice writes hers, the instructor reads them all at once.
	if err := WriteRecord(ctx, alice, am, &class.Record{Lab: "np-basic", Score: 3, Max: 5, At: time.Now()}); err != nil {
		t.Fatalf("alice writes her result: %v", err)
	}
	if err := WriteRecord(ctx, bob, bm, &class.Record{Lab: "np-basic", Score: 5, Max: 5, At: time.Now()}); err != nil {
		t.Fatalf("bob writes his result: %v", err)
	}
	if _, err := ReadRecords(ctx, alice, "room"); err == nil {
		t.Errorf("alice could list every learner's results")
	}
	recs, err := ReadRecords(ctx, admin, "room")
	if err != nil || len(recs) != 2 || recs[0].Learner != "alice" || recs[0].Score != 3 || recs[1].Learner != "bob" {
		t.Fatalf("instructor reads results: %+v, %v", recs, err)
	}

	// Reset: alice removes her namespace; not bob's.
	if err := RemoveNamespace(ctx, alice, am, "alice-shop"); err != nil {
		t.Errorf("alice removes alice-shop: %v", err)
	}

	// Re-run adds carol and keeps alice's token.
	before, _ := os.ReadFile(filepath.Join(out, KubeconfigFile("alice")))
	c2, _ := class.NewClass("room", []string{"carol"}, time.Now())
	res2, err := Up(ctx, admin, c2, UpOptions{OutDir: out, Server: learnerServer, TokenTimeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("second class up: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, KubeconfigFile("alice")))
	if string(before) != string(after) || len(res2.Learners) != 3 || strings.Join(res2.Added, ",") != "carol" {
		t.Errorf("second class up: added %v, %d learners, alice's kubeconfig kept: %v", res2.Added, len(res2.Learners), string(before) == string(after))
	}

	// Down: the learners' tokens stop working (within the API server's
	// 10s cache of authenticated tokens).
	down, err := Down(ctx, admin, "room", false)
	if err != nil {
		t.Fatal(err)
	}
	if !down.Found || len(down.ClusterObjects) != 8 {
		t.Errorf("class down: %+v", down)
	}
	eventuallyWithin(t, 20*time.Second, "alice's token is refused after class down", func() error {
		_, err := alice.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if apierrors.IsUnauthorized(err) {
			return nil
		}
		return errString("still accepted: " + errText(err))
	})
	t.Logf("real RBAC/admission test: %.1fs in all", time.Since(begin).Seconds())
}

type errString string

func (e errString) Error() string { return string(e) }

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// eventually retries f for a few seconds (RBAC and admission caches take
// up new objects a moment after they are written).
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	eventuallyWithin(t, 10*time.Second, what, f)
}

func eventuallyWithin(t *testing.T, d time.Duration, what string, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v", what, err)
}

func resourceMust(s string) resource.Quantity { return resource.MustParse(s) }
