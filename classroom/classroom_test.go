package classroom

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/live"
)

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// tokenPrefix starts the tokens the fake token controller gives.
var tokenPrefix = "token-of-"

// fakeCluster is a fake clientset whose token controller fills token
// Secrets as they are created.
func fakeCluster(objs ...runtime.Object) (*live.Clients, *fake.Clientset) {
	fc := fake.NewClientset(objs...)
	fc.PrependReactor("create", "secrets", func(a k8stesting.Action) (bool, runtime.Object, error) {
		s := a.(k8stesting.CreateAction).GetObject().(*corev1.Secret)
		if s.Type == corev1.SecretTypeServiceAccountToken {
			s.Data = map[string][]byte{corev1.ServiceAccountTokenKey: []byte(tokenPrefix + s.Annotations[corev1.ServiceAccountNameKey])}
		}
		return false, nil, nil
	})
	cl := &live.Clients{Kube: fc, Config: &rest.Config{Host: "https://203.0.113.5:6443", TLSClientConfig: rest.TLSClientConfig{CAData: []byte("-----CA-----")}}}
	return cl, fc
}

func newClass(t *testing.T, name string, learners ...string) *class.Class {
	t.Helper()
	c, err := class.NewClass(name, learners, t0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func up(t *testing.T, cl *live.Clients, c *class.Class, out string) *UpResult {
	t.Helper()
	res, err := Up(context.Background(), cl, c, UpOptions{OutDir: out, NoPolicyCheck: true, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestUpCreatesTheClassObjects(t *testing.T) {
	cl, fc := fakeCluster()
	ctx := context.Background()
	res := up(t, cl, newClass(t, "room", "alice", "bob"), t.TempDir())
	if res.Class != "room" || len(res.Learners) != 2 || strings.Join(res.Added, ",") != "alice,bob" {
		t.Fatalf("result: %+v", res)
	}
	k := fc
	classLbl := map[string]string{class.LabelClass: "room"}
	aliceLbl := map[string]string{class.LabelClass: "room", class.LabelLearner: "alice"}
	type obj struct {
		kind, ns, name string
		labels         map[string]string
		get            func() (metav1.Object, error)
	}
	for _, o := range []obj{
		{"Namespace", "", "ckadlab-class-room", classLbl, nil},
		{"Namespace", "", "alice-ckadlab", map[string]string{class.LabelClass: "room", class.LabelLearner: "alice", PodSecurityLabel: "baseline"}, nil},
		{"ServiceAccount", "ckadlab-class-room", "alice", aliceLbl, nil},
		{"Secret", "ckadlab-class-room", "alice-token", aliceLbl, nil},
		{"Role", "alice-ckadlab", HomeRole, aliceLbl, nil},
		{"RoleBinding", "alice-ckadlab", HomeRole, aliceLbl, nil},
		{"ResourceQuota", "alice-ckadlab", QuotaName, aliceLbl, nil},
		{"ConfigMap", "alice-ckadlab", class.LearnerConfigMap, aliceLbl, nil},
		{"ConfigMap", "alice-ckadlab", class.ResultsConfigMap, aliceLbl, nil},
		{"ConfigMap", "ckadlab-class-room", class.ClassConfigMap, classLbl, nil},
		{"Role", "ckadlab-class-room", ClassReaderRole, classLbl, nil},
		{"RoleBinding", "ckadlab-class-room", ClassReaderRole, classLbl, nil},
		{"ClusterRole", "", "ckadlab-class-room-learner", classLbl, nil},
		{"ClusterRole", "", "ckadlab-class-room-cluster", classLbl, nil},
		{"ClusterRoleBinding", "", "ckadlab-class-room-cluster", classLbl, nil},
		{"ValidatingAdmissionPolicy", "", "ckadlab-class-room", classLbl, nil},
		{"ValidatingAdmissionPolicyBinding", "", "ckadlab-class-room", classLbl, nil},
	} {
		t.Run(o.kind+"/"+o.name, func(t *testing.T) {
			var m metav1.Object
			var err error
			g := metav1.GetOptions{}
			switch o.kind {
			case "Namespace":
				m, err = k.CoreV1().Namespaces().Get(ctx, o.name, g)
			case "ServiceAccount":
				m, err = k.CoreV1().ServiceAccounts(o.ns).Get(ctx, o.name, g)
			case "Secret":
				var s *corev1.Secret
				s, err = k.CoreV1().Secrets(o.ns).Get(ctx, o.name, g)
				if err == nil && (s.Type != corev1.SecretTypeServiceAccountToken || s.Annotations[corev1.ServiceAccountNameKey] != "alice") {
					t.Errorf("token Secret: type %s, annotations %v", s.Type, s.Annotations)
				}
				m = s
			case "Role":
				m, err = k.RbacV1().Roles(o.ns).Get(ctx, o.name, g)
			case "RoleBinding":
				m, err = k.RbacV1().RoleBindings(o.ns).Get(ctx, o.name, g)
			case "ResourceQuota":
				m, err = k.CoreV1().ResourceQuotas(o.ns).Get(ctx, o.name, g)
			case "ConfigMap":
				m, err = k.CoreV1().ConfigMaps(o.ns).Get(ctx, o.name, g)
			case "ClusterRole":
				m, err = k.RbacV1().ClusterRoles().Get(ctx, o.name, g)
			case "ClusterRoleBinding":
				m, err = k.RbacV1().ClusterRoleBindings().Get(ctx, o.name, g)
			case "ValidatingAdmissionPolicy":
				m, err = k.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(ctx, o.name, g)
			case "ValidatingAdmissionPolicyBinding":
				m, err = k.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Get(ctx, o.name, g)
			}
			if err != nil {
				t.Fatal(err)
			}
			for key, v := range o.labels {
				if m.GetLabels()[key] != v {
					t.Errorf("label %s=%q, want %q", key, m.GetLabels()[key], v)
				}
			}
			if len(m.GetLabels()) != len(o.labels) {
				t.Errorf("labels %v, want %v", m.GetLabels(), o.labels)
			}
		})
	}

	// Contents that others read.
	cm, _ := k.CoreV1().ConfigMaps("alice-ckadlab").Get(ctx, class.LearnerConfigMap, metav1.GetOptions{})
	var mb class.Membership
	if err := json.Unmarshal([]byte(cm.Data[class.LearnerKey]), &mb); err != nil || mb != (class.Membership{Class: "room", Learner: "alice", Index: 0}) {
		t.Errorf("alice's membership: %+v %v", mb, err)
	}
	bm, err := ReadMembership(ctx, cl, "bob-ckadlab")
	if err != nil || bm == nil || *bm != (class.Membership{Class: "room", Learner: "bob", Index: 1}) {
		t.Errorf("ReadMembership(bob-ckadlab) = %+v, %v", bm, err)
	}
	c, err := ReadClass(ctx, cl, "room")
	if err != nil || len(c.Learners) != 2 || !c.Created.Equal(t0) || c.Quota != class.DefaultQuota {
		t.Errorf("ReadClass = %+v, %v", c, err)
	}
	crb, _ := k.RbacV1().ClusterRoleBindings().Get(ctx, "ckadlab-class-room-cluster", metav1.GetOptions{})
	if len(crb.Subjects) != 2 || crb.Subjects[1].Name != "bob" || crb.Subjects[1].Namespace != "ckadlab-class-room" || crb.Subjects[1].Kind != "ServiceAccount" {
		t.Errorf("ClusterRoleBinding subjects: %+v", crb.Subjects)
	}
	cr, _ := k.RbacV1().ClusterRoles().Get(ctx, "ckadlab-class-room-cluster", metav1.GetOptions{})
	bind := false
	for _, r := range cr.Rules {
		if slices.Contains(r.Verbs, "bind") {
			bind = slices.Equal(r.ResourceNames, []string{"ckadlab-class-room-learner"}) && slices.Equal(r.Resources, []string{"clusterroles"})
		}
		if slices.Contains(r.Verbs, "*") || slices.Contains(r.Resources, "*") || slices.Contains(r.Resources, "secrets") {
			t.Errorf("cluster rule too wide: %+v", r)
		}
	}
	if !bind {
		t.Errorf("the cluster ClusterRole has no bind on exactly the learner ClusterRole: %+v", cr.Rules)
	}
	pol, _ := k.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(ctx, "ckadlab-class-room", metav1.GetOptions{})
	if len(pol.Spec.MatchConditions) != 1 || pol.Spec.MatchConditions[0].Expression != "request.userInfo.username.startsWith('system:serviceaccount:ckadlab-class-room:')" {
		t.Errorf("policy match conditions: %+v", pol.Spec.MatchConditions)
	}
	if pol.Spec.FailurePolicy == nil || *pol.Spec.FailurePolicy != "Fail" {
		t.Errorf("policy must fail closed: %v", pol.Spec.FailurePolicy)
	}
	pb, _ := k.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Get(ctx, "ckadlab-class-room", metav1.GetOptions{})
	if pb.Spec.PolicyName != "ckadlab-class-room" || len(pb.Spec.ValidationActions) != 1 || pb.Spec.ValidationActions[0] != "Deny" {
		t.Errorf("policy binding: %+v", pb.Spec)
	}
	q, _ := k.CoreV1().ResourceQuotas("alice-ckadlab").Get(ctx, QuotaName, metav1.GetOptions{})
	if q.Spec.Hard.Pods().String() != "20" || q.Spec.Hard.Name("limits.memory", "").String() != "4Gi" {
		t.Errorf("quota: %v", q.Spec.Hard)
	}
}

func TestUpIsIdempotentAndAddsLearners(t *testing.T) {
	cl, fc := fakeCluster()
	ctx := context.Background()
	out := t.TempDir()
	up(t, cl, newClass(t, "room", "alice", "bob"), out)
	m := class.Membership{Class: "room", Learner: "alice"}
	if err := WriteRecord(ctx, cl, m, &class.Record{Lab: "np-basic", Score: 1, Max: 2}); err != nil {
		t.Fatal(err)
	}
	alice1, _ := os.ReadFile(filepath.Join(out, "alice.kubeconfig"))
	// The token controller gives every new token Secret a new token: a
	// re-run must not create alice's again.
	tokenPrefix = "second-token-of-"
	defer func() { tokenPrefix = "token-of-" }()
	// Same roster again: nothing added. Then bob again with carol and dave.
	res := up(t, cl, newClass(t, "room", "alice", "bob"), out)
	if len(res.Added) != 0 || len(res.Learners) != 2 {
		t.Errorf("second run: %+v", res)
	}
	res = up(t, cl, newClass(t, "room", "carol", "bob", "dave"), out)
	if strings.Join(res.Added, ",") != "carol,dave" || len(res.Learners) != 4 {
		t.Fatalf("third run added %v, has %d learners", res.Added, len(res.Learners))
	}
	c, err := ReadClass(ctx, cl, "room")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"alice": 0, "bob": 1, "carol": 2, "dave": 3}
	for _, l := range c.Learners {
		if want[l.Name] != l.Index {
			t.Errorf("learner %s has index %d, want %d", l.Name, l.Index, want[l.Name])
		}
	}
	alice2, _ := os.ReadFile(filepath.Join(out, "alice.kubeconfig"))
	if string(alice1) != string(alice2) {
		t.Errorf("alice's kubeconfig changed on a re-run")
	}
	carol, _ := os.ReadFile(filepath.Join(out, "carol.kubeconfig"))
	if !strings.Contains(string(carol), "second-token-of-carol") {
		t.Errorf("carol's kubeconfig has no token of hers:\n%s", carol)
	}
	recs, err := ReadRecords(ctx, cl, "room")
	if err != nil || len(recs) != 1 || recs[0].Learner != "alice" {
		t.Errorf("alice's result lost by a re-run: %+v %v", recs, err)
	}
	crb, _ := fc.RbacV1().ClusterRoleBindings().Get(ctx, ClusterRoleName("room"), metav1.GetOptions{})
	if len(crb.Subjects) != 4 {
		t.Errorf("ClusterRoleBinding has %d subjects, want 4", len(crb.Subjects))
	}
}

func TestUpRefusesClashes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing []runtime.Object
		learners []string
		want     string
	}{
		{"learner of another class", []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "alice-ckadlab", Labels: map[string]string{class.LabelClass: "other", class.LabelLearner: "alice"}}}}, []string{"alice", "bob"}, "learner alice is in class other"},
		{"home namespace not a class's", []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bob-ckadlab"}}}, []string{"alice", "bob"}, "namespace bob-ckadlab exists and is not learner bob's"},
		{"overlapping another class's learner", []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ann-b-ckadlab", Labels: map[string]string{class.LabelClass: "other", class.LabelLearner: "ann-b"}}}}, []string{"ann"}, "learner names ann and ann-b overlap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, fc := fakeCluster(tc.existing...)
			_, err := Up(context.Background(), cl, newClass(t, "room", tc.learners...), UpOptions{NoPolicyCheck: true})
			if !errors.Is(err, ErrLearnerClash) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a clash saying %q", err, tc.want)
			}
			if _, err := fc.CoreV1().Namespaces().Get(context.Background(), "ckadlab-class-room", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("a refused class up created its namespace (%v)", err)
			}
		})
	}
}

func TestUpRefusesATerminatingClass(t *testing.T) {
	now := metav1.Now()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ckadlab-class-room", DeletionTimestamp: &now, Finalizers: []string{"kubernetes"}}}
	cl, _ := fakeCluster(ns)
	_, err := Up(context.Background(), cl, newClass(t, "room", "alice"), UpOptions{NoPolicyCheck: true})
	if err == nil || !strings.Contains(err.Error(), "still being removed") {
		t.Fatalf("err = %v", err)
	}
}

func TestLearnerKubeconfig(t *testing.T) {
	cl, _ := fakeCluster()
	out := filepath.Join(t.TempDir(), "kc")
	other := filepath.Join(filepath.Dir(out), "config")
	os.WriteFile(other, []byte("untouched"), 0o600)
	_, err := Up(context.Background(), cl, newClass(t, "room", "alice"), UpOptions{OutDir: out, Server: "https://10.1.2.3:6443", NoPolicyCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, "alice.kubeconfig")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("the kubeconfig directory holds %d files (temporary files left?)", len(entries))
	}
	if b, _ := os.ReadFile(other); string(b) != "untouched" {
		t.Errorf("another file was changed")
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctxName := "ckadlab-room-alice"
	kc := cfg.Contexts[ctxName]
	if cfg.CurrentContext != ctxName || kc == nil || kc.Namespace != "alice-ckadlab" {
		t.Fatalf("context: current %q, %+v", cfg.CurrentContext, kc)
	}
	c := cfg.Clusters[kc.Cluster]
	if c.Server != "https://10.1.2.3:6443" || string(c.CertificateAuthorityData) != "-----CA-----" || c.InsecureSkipTLSVerify || c.TLSServerName != "203.0.113.5" {
		t.Errorf("cluster: %+v", c)
	}
	u := cfg.AuthInfos[kc.AuthInfo]
	if u.Token != "token-of-alice" || u.ClientCertificateData != nil || u.Exec != nil {
		t.Errorf("user: %+v", u)
	}
	if len(cfg.Contexts) != 1 || len(cfg.Clusters) != 1 || len(cfg.AuthInfos) != 1 {
		t.Errorf("a learner kubeconfig holds one context, cluster and user: %d %d %d", len(cfg.Contexts), len(cfg.Clusters), len(cfg.AuthInfos))
	}
}

func TestUpWaitsForTheTokenBounded(t *testing.T) {
	fc := fake.NewClientset() // no token controller
	cl := &live.Clients{Kube: fc, Config: &rest.Config{Host: "https://h:6443"}}
	_, err := Up(context.Background(), cl, newClass(t, "room", "alice"), UpOptions{OutDir: t.TempDir(), TokenTimeout: 300 * time.Millisecond, NoPolicyCheck: true})
	if err == nil || !strings.Contains(err.Error(), "was not filled") {
		t.Fatalf("err = %v", err)
	}
}

func TestDownRemovesTheClass(t *testing.T) {
	unrelated := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "alice-other", Labels: map[string]string{class.LabelClass: "other", class.LabelLearner: "zed"}}}
	cl, fc := fakeCluster(unrelated)
	ctx := context.Background()
	up(t, cl, newClass(t, "room", "alice", "bob"), "")
	c, _ := ReadClass(ctx, cl, "room")
	if err := ProvisionNamespace(ctx, cl, class.Membership{Class: "room", Learner: "alice"}, c, "alice-shop", nil); err != nil {
		t.Fatal(err)
	}
	res, err := Down(ctx, cl, "room", true)
	if err != nil {
		t.Fatal(err)
	}
	wantNS := []string{"alice-ckadlab", "alice-shop", "bob-ckadlab", "ckadlab-class-room"}
	if !res.Found || !slices.Equal(res.Namespaces, wantNS) || len(res.ClusterObjects) != 8 || res.ClusterObjects[0] != "RoleBinding/kube-system/ckadlab-class-room-shared" || !res.Waited {
		t.Errorf("down: %+v", res)
	}
	nss, _ := fc.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if len(nss.Items) != 1 || nss.Items[0].Name != "alice-other" {
		t.Errorf("namespaces left: %v", nss.Items)
	}
	crs, _ := fc.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
	vaps, _ := fc.AdmissionregistrationV1().ValidatingAdmissionPolicies().List(ctx, metav1.ListOptions{})
	if len(crs.Items)+len(vaps.Items) != 0 {
		t.Errorf("cluster objects left: %d ClusterRoles, %d policies", len(crs.Items), len(vaps.Items))
	}
	again, err := Down(ctx, cl, "room", false)
	if err != nil || again.Found {
		t.Errorf("second down: %+v %v", again, err)
	}
}

func TestProvisionNamespace(t *testing.T) {
	cl, fc := fakeCluster()
	ctx := context.Background()
	up(t, cl, newClass(t, "room", "alice", "bob"), "")
	c, _ := ReadClass(ctx, cl, "room")
	am := class.Membership{Class: "room", Learner: "alice"}
	for i := 0; i < 2; i++ { // idempotent
		if err := ProvisionNamespace(ctx, cl, am, c, "alice-shop", map[string]string{"team": "shop"}); err != nil {
			t.Fatal(err)
		}
	}
	ns, _ := fc.CoreV1().Namespaces().Get(ctx, "alice-shop", metav1.GetOptions{})
	if ns.Labels["team"] != "shop" || ns.Labels[class.LabelLearner] != "alice" || ns.Labels[class.LabelClass] != "room" || ns.Labels[PodSecurityLabel] != "baseline" {
		t.Errorf("labels %v", ns.Labels)
	}
	rb, err := fc.RbacV1().RoleBindings("alice-shop").Get(ctx, LabRoleBinding, metav1.GetOptions{})
	if err != nil || rb.RoleRef.Name != "ckadlab-class-room-learner" || len(rb.Subjects) != 1 || rb.Subjects[0].Name != "alice" {
		t.Errorf("RoleBinding %+v %v", rb, err)
	}
	lr, err := fc.CoreV1().LimitRanges("alice-shop").Get(ctx, QuotaName, metav1.GetOptions{})
	if err != nil || lr.Spec.Limits[0].Default.Cpu().String() != "200m" || lr.Spec.Limits[0].Default.Memory().String() != "204Mi" {
		t.Errorf("LimitRange %+v %v", lr, err)
	}
	if _, err := fc.CoreV1().ResourceQuotas("alice-shop").Get(ctx, QuotaName, metav1.GetOptions{}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"bob-shop", "alice-ckadlab", "alice", "shop"} {
		if err := ProvisionNamespace(ctx, cl, am, c, bad, nil); err == nil {
			t.Errorf("alice provisioned %s", bad)
		}
	}
	// bob's namespace of a name in alice's range is not hers to take.
	fc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "alice-x", Labels: map[string]string{class.LabelClass: "room", class.LabelLearner: "bob"}}}, metav1.CreateOptions{})
	if err := ProvisionNamespace(ctx, cl, am, c, "alice-x", nil); err == nil || !strings.Contains(err.Error(), "is not learner alice's") {
		t.Errorf("alice-x: %v", err)
	}
	if err := RemoveNamespace(ctx, cl, am, "alice-shop"); err != nil {
		t.Fatal(err)
	}
	if err := RemoveNamespace(ctx, cl, am, "alice-shop"); err != nil {
		t.Errorf("removing a gone namespace: %v", err)
	}
	if err := RemoveNamespace(ctx, cl, am, "alice-ckadlab"); err == nil {
		t.Errorf("alice removed her home")
	}
}

func TestWriteRecordRetriesConflictsAndIsBounded(t *testing.T) {
	cl, fc := fakeCluster()
	ctx := context.Background()
	up(t, cl, newClass(t, "room", "alice"), "")
	conflicts := 2
	fc.PrependReactor("update", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			conflicts--
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, class.ResultsConfigMap, errors.New("changed"))
		}
		return false, nil, nil
	})
	m := class.Membership{Class: "room", Learner: "alice"}
	if err := WriteRecord(ctx, cl, m, &class.Record{Lab: "np-basic", Score: 2, Max: 4, At: t0}); err != nil {
		t.Fatalf("write with conflicts: %v", err)
	}
	if err := WriteRecord(ctx, cl, m, &class.Record{Lab: "np-basic", Exam: "e1", Task: 2, Score: 1, Max: 4, At: t0}); err != nil {
		t.Fatal(err)
	}
	cm, _ := fc.CoreV1().ConfigMaps("alice-ckadlab").Get(ctx, class.ResultsConfigMap, metav1.GetOptions{})
	if len(cm.Data) != 2 || cm.Data["lab.np-basic"] == "" || cm.Data["exam.e1.2"] == "" {
		t.Errorf("results: %v", cm.Data)
	}
	// Attempts count up per key unless the record says.
	third := &class.Record{Lab: "np-basic", Score: 4, Max: 4, At: t0}
	if err := WriteRecord(ctx, cl, m, third); err != nil || third.Attempts != 2 {
		t.Errorf("second attempt at np-basic: attempts %d, %v", third.Attempts, err)
	}
	if err := WriteRecord(ctx, cl, m, &class.Record{Lab: "np-basic", Attempts: 9, At: t0}); err != nil {
		t.Fatal(err)
	}
	own, err := ReadLearnerRecords(ctx, cl, m)
	if err != nil || len(own) != 2 || own[0].Exam != "e1" || own[0].Attempts != 1 || own[1].Lab != "np-basic" || own[1].Attempts != 9 {
		t.Errorf("alice's own records: %+v %v", own, err)
	}
	big := &class.Record{Lab: "huge", Checks: []class.CheckRecord{{ID: "c", Why: []string{strings.Repeat("x", MaxConfigMapData)}}}}
	if err := WriteRecord(ctx, cl, m, big); err == nil || !strings.Contains(err.Error(), "KiB") {
		t.Errorf("an oversized record: %v", err)
	}
	if err := WriteRecord(ctx, cl, m, &class.Record{Learner: "bob", Lab: "x"}); err == nil {
		t.Errorf("alice wrote bob's record")
	}
	gone := class.Membership{Class: "room", Learner: "zed"}
	if err := WriteRecord(ctx, cl, gone, &class.Record{Lab: "x"}); err == nil || !strings.Contains(err.Error(), "no results ConfigMap") {
		t.Errorf("a learner without results: %v", err)
	}
}

func TestReadRecordsOneListMalformedReported(t *testing.T) {
	cl, fc := fakeCluster()
	ctx := context.Background()
	up(t, cl, newClass(t, "room", "alice", "bob"), "")
	up(t, cl, newClass(t, "other", "carol"), "")
	for _, w := range []struct {
		learner string
		r       class.Record
	}{{"bob", class.Record{Lab: "b-lab", Score: 1}}, {"alice", class.Record{Lab: "a-lab", Score: 2}}, {"carol", class.Record{Lab: "c-lab"}}} {
		cls := "room"
		if w.learner == "carol" {
			cls = "other"
		}
		if err := WriteRecord(ctx, cl, class.Membership{Class: cls, Learner: w.learner}, &w.r); err != nil {
			t.Fatal(err)
		}
	}
	cm, _ := fc.CoreV1().ConfigMaps("bob-ckadlab").Get(ctx, class.ResultsConfigMap, metav1.GetOptions{})
	cm.Data["lab.broken"] = "{not json"
	cm.Data["lab.forged"] = `{"learner":"alice","lab":"forged"}`
	fc.CoreV1().ConfigMaps("bob-ckadlab").Update(ctx, cm, metav1.UpdateOptions{})
	fc.ClearActions()
	recs, err := ReadRecords(ctx, cl, "room")
	var me *MalformedError
	if !errors.As(err, &me) || len(me.Problems) != 2 {
		t.Fatalf("err = %v, want 2 malformed", err)
	}
	if len(recs) != 2 || recs[0].Learner != "alice" || recs[1].Learner != "bob" || recs[1].Lab != "b-lab" {
		t.Errorf("records: %+v", recs)
	}
	lists := 0
	for _, a := range fc.Actions() {
		if a.GetVerb() == "list" {
			lists++
		} else {
			t.Errorf("ReadRecords did %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	if lists != 1 {
		t.Errorf("ReadRecords made %d List calls, want 1", lists)
	}
}

func TestExamStartReadStop(t *testing.T) {
	cl, _ := fakeCluster()
	ctx := context.Background()
	up(t, cl, newClass(t, "room", "alice"), "")
	if e, err := ReadExam(ctx, cl, "room"); e != nil || err != nil {
		t.Fatalf("no exam yet: %v %v", e, err)
	}
	e := &class.Exam{ID: "e1", Seed: 42, Tasks: 5, Duration: time.Hour, Start: t0}
	if err := StartExam(ctx, cl, "room", e); err != nil {
		t.Fatal(err)
	}
	got, err := ReadExam(ctx, cl, "room")
	if err != nil || got.ID != "e1" || got.Seed != 42 || !got.Deadline().Equal(t0.Add(time.Hour)) {
		t.Fatalf("read: %+v %v", got, err)
	}
	e2 := &class.Exam{ID: "e2", Seed: 1, Tasks: 5, Duration: time.Hour, Start: t0.Add(30 * time.Minute)}
	if err := StartExam(ctx, cl, "room", e2); !errors.Is(err, ErrExamRunning) {
		t.Errorf("a second exam while one runs: %v", err)
	}
	e2.Start = t0.Add(2 * time.Hour) // the first is over
	if err := StartExam(ctx, cl, "room", e2); err != nil {
		t.Errorf("an exam after the last ended: %v", err)
	}
	if stopped, err := StopExam(ctx, cl, "room"); !stopped || err != nil {
		t.Errorf("stop: %v %v", stopped, err)
	}
	if stopped, err := StopExam(ctx, cl, "room"); stopped || err != nil {
		t.Errorf("stop again: %v %v", stopped, err)
	}
	if err := StartExam(ctx, cl, "room", &class.Exam{ID: "x"}); err == nil {
		t.Errorf("an exam without tasks was started")
	}
}

func TestStatus(t *testing.T) {
	cl, _ := fakeCluster()
	ctx := context.Background()
	up(t, cl, newClass(t, "room", "alice", "bob"), "")
	c, _ := ReadClass(ctx, cl, "room")
	am := class.Membership{Class: "room", Learner: "alice"}
	ProvisionNamespace(ctx, cl, am, c, "alice-shop", nil)
	WriteRecord(ctx, cl, am, &class.Record{Lab: "a", At: t0})
	WriteRecord(ctx, cl, am, &class.Record{Lab: "b", At: t0.Add(time.Minute)})
	StartExam(ctx, cl, "room", &class.Exam{ID: "e1", Tasks: 2, Duration: time.Hour, Start: t0})
	st, err := GetStatus(ctx, cl, "room", t0.Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	a, b := st.Learners[0], st.Learners[1]
	if a.Name != "alice" || a.Results != 2 || !a.LastCheck.Equal(t0.Add(time.Minute)) || !slices.Equal(a.Namespaces, []string{"alice-shop"}) {
		t.Errorf("alice: %+v", a)
	}
	if b.Name != "bob" || b.Results != 0 || len(b.Namespaces) != 0 {
		t.Errorf("bob: %+v", b)
	}
	if st.Exam == nil || !st.Running || st.Pack != nil {
		t.Errorf("exam %+v running %v pack %+v", st.Exam, st.Running, st.Pack)
	}
	if _, err := GetStatus(ctx, cl, "nope", t0); !errors.Is(err, ErrNoClass) {
		t.Errorf("status of no class: %v", err)
	}
}

func TestReadMembership(t *testing.T) {
	cl, fc := fakeCluster()
	ctx := context.Background()
	if m, err := ReadMembership(ctx, cl, "default"); m != nil || err != nil {
		t.Errorf("not a class: %v %v", m, err)
	}
	fc.PrependReactor("get", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "locked" {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "x", errors.New("no"))
		}
		return false, nil, nil
	})
	if m, err := ReadMembership(ctx, cl, "locked"); m != nil || err != nil {
		t.Errorf("forbidden: %v %v", m, err)
	}
	for _, tc := range []struct{ ns, data, want string }{
		{"alice-ckadlab", "{", "not a class membership"},
		{"bob-ckadlab", `{"class":"room","learner":"alice"}`, "whose home is alice-ckadlab"},
		{"x-ckadlab", `{"class":"","learner":"x"}`, "class name is empty"},
	} {
		fc.CoreV1().ConfigMaps(tc.ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: class.LearnerConfigMap, Namespace: tc.ns}, Data: map[string]string{class.LearnerKey: tc.data}}, metav1.CreateOptions{})
		if _, err := ReadMembership(ctx, cl, tc.ns); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.ns, err, tc.want)
		}
	}
}

func TestUpSharedNamespacesAndSelfTest(t *testing.T) {
	dns := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}}}
	traefik := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "traefik-1", Namespace: "edge", Labels: map[string]string{"app.kubernetes.io/name": "traefik"}}}
	nginx := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "ctl", Namespace: "ingress-nginx", Labels: map[string]string{"app.kubernetes.io/name": "ingress-nginx"}}}
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "payments", Labels: map[string]string{"app.kubernetes.io/name": "postgres"}}}
	for _, tc := range []struct {
		name     string
		selfTest func(context.Context, *live.Clients) (bool, error)
		enforced *bool
		warning  string
	}{
		{"enforced", func(context.Context, *live.Clients) (bool, error) { return true, nil }, ptrTo(true), ""},
		{"not enforced", func(context.Context, *live.Clients) (bool, error) { return false, nil }, ptrTo(false), "does not enforce NetworkPolicy"},
		{"self-test failed", func(context.Context, *live.Clients) (bool, error) { return false, errors.New("no nodes") }, nil, "self-test did not run: no nodes"},
		{"no self-test", nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, fc := fakeCluster(dns, traefik, nginx, other)
			ctx := context.Background()
			res, err := Up(ctx, cl, newClass(t, "room", "alice", "bob"), UpOptions{NoPolicyCheck: true, SelfTest: tc.selfTest})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"edge", "ingress-nginx", "kube-system"}
			c, _ := ReadClass(ctx, cl, "room")
			if !slices.Equal(res.Shared, want) || !slices.Equal(c.Shared, want) {
				t.Errorf("shared: %v, stored %v, want %v", res.Shared, c.Shared, want)
			}
			if (c.PolicyEnforced == nil) != (tc.enforced == nil) || (c.PolicyEnforced != nil && *c.PolicyEnforced != *tc.enforced) {
				t.Errorf("policy enforced %v, want %v", c.PolicyEnforced, tc.enforced)
			}
			if got := strings.Join(res.Warnings, "; "); (tc.warning == "") != (got == "") || !strings.Contains(got, tc.warning) {
				t.Errorf("warnings %q, want %q", got, tc.warning)
			}
			for _, ns := range want {
				rb, err := fc.RbacV1().RoleBindings(ns).Get(ctx, SharedRole("room"), metav1.GetOptions{})
				if err != nil || rb.RoleRef.Name != SharedRole("room") || len(rb.Subjects) != 2 {
					t.Errorf("shared RoleBinding in %s: %+v %v", ns, rb, err)
				}
			}
			for _, ns := range want {
				_, err := fc.RbacV1().RoleBindings(ns).Get(ctx, IngressLogsRole("room"), metav1.GetOptions{})
				if ns == "kube-system" && !apierrors.IsNotFound(err) {
					t.Errorf("learners may read kube-system's logs (%v)", err)
				}
				if ns != "kube-system" && err != nil {
					t.Errorf("learners may not read the ingress controller's logs in %s: %v", ns, err)
				}
			}
			if _, err := fc.RbacV1().RoleBindings("payments").Get(ctx, SharedRole("room"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("learners may read an application's namespace (%v)", err)
			}
			cr, _ := fc.RbacV1().ClusterRoles().Get(ctx, SharedRole("room"), metav1.GetOptions{})
			for _, r := range cr.Rules {
				for _, v := range r.Verbs {
					if !slices.Contains(readVerbs, v) {
						t.Errorf("the shared role may %s %v", v, r.Resources)
					}
				}
				if slices.Contains(r.Resources, "configmaps") && !slices.Equal(r.ResourceNames, []string{"kubeadm-config"}) || slices.Contains(r.Resources, "secrets") {
					t.Errorf("the shared role reads too much: %+v", r)
				}
			}
		})
	}
	// Without a DNS Service or a controller: kube-system alone.
	cl, _ := fakeCluster()
	res, err := Up(context.Background(), cl, newClass(t, "room", "alice"), UpOptions{NoPolicyCheck: true})
	if err != nil || !slices.Equal(res.Shared, []string{"kube-system"}) {
		t.Errorf("shared on a bare cluster: %v %v", res.Shared, err)
	}
}

func ptrTo[T any](v T) *T { return &v }
