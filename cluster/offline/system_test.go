package offline

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ckadlab/ckadlab/cluster/kind"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestSystemMatchesKind keeps the offline cluster's ingress controller the
// same as the kind cluster's add-on: the IngressClasses, the Traefik
// container (image, args, ports), the labels that select it and its
// Service.
func TestSystemMatchesKind(t *testing.T) {
	addons, err := kind.Addons()
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]*unstructured.Unstructured{}
	for _, a := range addons {
		for _, o := range a.Objects {
			live[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = o
		}
	}
	offline := map[string]*unstructured.Unstructured{}
	for _, o := range systemObjects() {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Obj)
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{Object: m}
		u.SetKind(o.Kind)
		offline[o.Kind+" "+o.Namespace+"/"+o.Name] = u
	}

	classes := func(objs map[string]*unstructured.Unstructured) map[string]string {
		out := map[string]string{}
		for _, o := range objs {
			if o.GetKind() != "IngressClass" {
				continue
			}
			ctrl, _, _ := unstructured.NestedString(o.Object, "spec", "controller")
			out[o.GetName()] = fmt.Sprintf("controller %s, default %q", ctrl, o.GetAnnotations()[defaultClassAn])
		}
		return out
	}
	if l, o := classes(live), classes(offline); !reflect.DeepEqual(l, o) {
		t.Errorf("IngressClasses differ:\nkind:    %v\noffline: %v", l, o)
	}
	want := map[string]string{NginxClass: "controller " + NginxCtrl + `, default "true"`, TraefikClass: "controller " + TraefikCtrl + `, default ""`}
	if o := classes(offline); !reflect.DeepEqual(o, want) {
		t.Errorf("IngressClasses: %v, want %v", o, want)
	}

	fields := []struct {
		obj  string
		path []string
	}{
		{"Deployment traefik/traefik", []string{"metadata", "labels"}},
		{"Deployment traefik/traefik", []string{"spec", "selector"}},
		{"Deployment traefik/traefik", []string{"spec", "template", "metadata", "labels"}},
		{"Deployment traefik/traefik", []string{"spec", "template", "spec", "serviceAccountName"}},
		{"Service traefik/traefik", []string{"metadata", "labels"}},
		{"Service traefik/traefik", []string{"spec", "type"}},
		{"Service traefik/traefik", []string{"spec", "selector"}},
		{"Service traefik/traefik", []string{"spec", "allocateLoadBalancerNodePorts"}},
		{"Service traefik/traefik", []string{"spec", "ports"}},
	}
	for _, f := range fields {
		l, lok, _ := unstructured.NestedFieldNoCopy(live[f.obj].Object, f.path...)
		o, ook, _ := unstructured.NestedFieldNoCopy(offline[f.obj].Object, f.path...)
		if lok != ook || !reflect.DeepEqual(normal(l), normal(o)) {
			t.Errorf("%s %v differ:\nkind:    %v\noffline: %v", f.obj, f.path, l, o)
		}
	}

	container := func(u *unstructured.Unstructured) map[string]any {
		cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		if len(cs) != 1 {
			t.Fatalf("%s has %d containers", u.GetName(), len(cs))
		}
		return cs[0].(map[string]any)
	}
	lc, oc := container(live["Deployment traefik/traefik"]), container(offline["Deployment traefik/traefik"])
	for _, k := range []string{"name", "image", "args", "ports"} {
		if !reflect.DeepEqual(normal(lc[k]), normal(oc[k])) {
			t.Errorf("Traefik container %s differ:\nkind:    %v\noffline: %v", k, lc[k], oc[k])
		}
	}
}

// normal makes numbers of YAML (int64) and of the converter (int64 too,
// but float64 in places) and absent protocols comparable.
func normal(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normal(x[i])
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normal(e)
		}
		if _, ok := out["containerPort"]; ok && out["protocol"] == nil {
			out["protocol"] = "TCP"
		}
		if _, ok := out["port"]; ok && out["protocol"] == nil {
			out["protocol"] = "TCP"
		}
		return out
	case float64:
		return int64(x)
	case int:
		return int64(x)
	case int32:
		return int64(x)
	}
	return v
}

func TestIngressClassServed(t *testing.T) {
	classes := map[string]*networkingv1.IngressClass{}
	for _, o := range systemObjects() {
		if ic, ok := o.Obj.(*networkingv1.IngressClass); ok {
			classes[ic.Name] = ic
		}
	}
	classes["haproxy"] = &networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Controller: "haproxy.org/ingress-controller"}}
	class := func(n string) *networkingv1.IngressClass { return classes[n] }
	name := func(s string) *string { return &s }
	tests := []struct {
		what      string
		className *string
		ann       map[string]string
		want      bool
	}{
		{"class nginx", name("nginx"), nil, true},
		{"class traefik", name("traefik"), nil, true},
		{"a class of another controller", name("haproxy"), nil, false},
		{"a class that does not exist", name("foo"), nil, false},
		{"annotation nginx", nil, map[string]string{"kubernetes.io/ingress.class": "nginx"}, true},
		{"annotation traefik", nil, map[string]string{"kubernetes.io/ingress.class": "traefik"}, true},
		// The annotation names a provider's class, not an IngressClass.
		{"annotation haproxy", nil, map[string]string{"kubernetes.io/ingress.class": "haproxy"}, false},
		{"no class at all", nil, nil, false},
	}
	for _, tt := range tests {
		ing := &networkingv1.Ingress{}
		ing.Spec.IngressClassName = tt.className
		ing.Annotations = tt.ann
		if got := IngressClassServed(ing, class); got != tt.want {
			t.Errorf("%s: served = %v, want %v", tt.what, got, tt.want)
		}
	}
}
