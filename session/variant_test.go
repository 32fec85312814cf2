package session

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

// Starting another variant live removes the namespaces of the variant
// started before that the new one does not use.
func TestRemoveVariantNamespaces(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	var lab *labs.Lab
	for _, l := range all {
		if l.ID == "np-allow-app" {
			lab = l
		}
	}
	// Two variants that differ in one namespace only.
	var a, b *labs.Lab
	for n := uint64(1); n < 200 && b == nil; n++ {
		v, err := lab.Variant(n)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case a == nil:
			a = v
		case v.Values["ns"] == a.Values["ns"] && v.Values["mon"] != a.Values["mon"]:
			b = v
		}
	}
	if b == nil {
		t.Fatal("no two variants sharing ns")
	}
	kube := fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: a.Values["ns"]}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: a.Values["mon"]}},
	)
	lc := &LiveCluster{Clients: &live.Clients{Kube: kube}}
	if err := (&Manager{}).removeVariant(context.Background(), lc, a, b); err != nil {
		t.Fatal(err)
	}
	list, err := kube.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, ns := range list.Items {
		left = append(left, ns.Name)
	}
	if !slices.Equal(left, []string{a.Values["ns"]}) {
		t.Errorf("namespaces left %v, want only %s (shared by both variants)", left, a.Values["ns"])
	}
}
