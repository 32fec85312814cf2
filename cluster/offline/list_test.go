package offline

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
)

func TestListKindsNamespacesAndOrder(t *testing.T) {
	c := New()
	applyYAML(t, c, `
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: b}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: zz, namespace: a}
spec: {containers: [{name: c, image: nginx}]}
`)
	names := func(kind, ns string) string {
		objs, err := c.List(kind, ns)
		if err != nil {
			t.Fatalf("List(%q, %q): %v", kind, ns, err)
		}
		var out []string
		for _, o := range objs {
			acc, err := meta.Accessor(o)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, acc.GetNamespace()+"/"+acc.GetName())
		}
		return strings.Join(out, " ")
	}
	// Derived pods (from the Deployment's ReplicaSet) are listed with the
	// stored one, sorted by namespace then name.
	if got := names("po", ""); !strings.HasPrefix(got, "a/zz b/web-") || strings.Count(got, "b/web-") != 2 {
		t.Errorf("pods in all namespaces = %q", got)
	}
	if got := names("pods", "a"); got != "a/zz" {
		t.Errorf("pods in a = %q", got)
	}
	if got := names("rs", "b"); !strings.HasPrefix(got, "b/web-") {
		t.Errorf("replicasets in b = %q", got)
	}
	// Cluster-scoped: the namespace argument is ignored.
	if got := names("ns", "a"); !strings.Contains(got, "/a /b") {
		t.Errorf("namespaces = %q", got)
	}
	if _, err := c.List("widgets", ""); err == nil || !strings.Contains(err.Error(), `unknown kind "widgets"`) {
		t.Errorf("unknown kind: err = %v", err)
	}
	// Copies: changing one does not change the cluster.
	objs, _ := c.List("Pod", "a")
	acc, _ := meta.Accessor(objs[0])
	acc.SetName("changed")
	if got := names("Pod", "a"); got != "a/zz" {
		t.Errorf("List returned the stored object, not a copy: %q", got)
	}
}
