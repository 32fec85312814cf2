package live

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// A scoped backend reads only the namespaces of its scope: never a
// cluster-wide list of a namespaced kind (a class learner's RBAC refuses
// it), and nothing of the namespaces outside.
func TestListAllScoped(t *testing.T) {
	var objs []runtime.Object
	for _, ns := range []string{"alice-shop", "bob-shop", "kube-system"} {
		objs = append(objs,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
			&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns}},
			&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: ns}},
			&networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "n", Namespace: ns}})
	}
	kube := fake.NewSimpleClientset(objs...)
	var clusterWide []string
	kube.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "" && a.GetResource().Resource != "namespaces" && a.GetResource().Resource != "nodes" && a.GetResource().Resource != "ingressclasses" {
			clusterWide = append(clusterWide, a.GetResource().Resource)
		}
		return false, nil, nil
	})
	c := &Clients{Kube: kube}
	o, err := listAll(context.Background(), c, []string{"alice-shop", "kube-system"})
	if err != nil {
		t.Fatal(err)
	}
	nsOf := func(metas []metav1.ObjectMeta) []string {
		var out []string
		for _, m := range metas {
			out = append(out, m.Namespace+"/"+m.Name)
		}
		slices.Sort(out)
		return out
	}
	var pods, nss []metav1.ObjectMeta
	for _, p := range o.Pods {
		pods = append(pods, p.ObjectMeta)
	}
	for _, n := range o.Namespaces {
		nss = append(nss, metav1.ObjectMeta{Name: n.Name})
	}
	if got := nsOf(pods); !slices.Equal(got, []string{"alice-shop/p", "kube-system/p"}) {
		t.Errorf("pods read: %v", got)
	}
	if got := nsOf(nss); !slices.Equal(got, []string{"/alice-shop", "/kube-system"}) {
		t.Errorf("namespaces kept: %v", got)
	}
	if len(o.Services) != 2 || len(o.NetworkPolicies) != 2 {
		t.Errorf("services %d, policies %d, want 2 each", len(o.Services), len(o.NetworkPolicies))
	}
	if len(clusterWide) > 0 {
		t.Errorf("cluster-wide lists of %v", clusterWide)
	}
	// unscoped: everything
	o, err = listAll(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Pods) != 3 || len(o.Namespaces) != 3 {
		t.Errorf("unscoped: %d pods, %d namespaces, want 3 each", len(o.Pods), len(o.Namespaces))
	}
}
