package checker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/labs"
)

// selectsCheck grades what an object's pod selector selects: every pod of
// Pods must be selected and no pod of NotPods, whatever the selector's
// spelling.
func selectsCheck(ctx context.Context, sc *labs.SelectsCheck, b cluster.Backend) Result {
	ref := cluster.ObjectRef{Kind: sc.Kind, Namespace: sc.Namespace, Name: sc.Name}
	what := describeRef(ref)
	res := Result{Kind: "selects"}
	res.Expected = selectsExpected(what, sc)
	obj, err := b.Get(ctx, ref)
	switch {
	case errors.Is(err, cluster.ErrNotFound):
		res.Observed = what + " not found"
		res.Why = fmt.Sprintf("%s does not exist: check its kind, name and namespace (kubectl get %s -n %s)", what, strings.ToLower(sc.Kind), sc.Namespace)
		if nm := inDefaultNamespace(ctx, b, ref); nm != "" {
			res.Reasons = []string{nm, res.Why}
			res.Why = ""
		}
		return res
	case err != nil:
		res.Observed, res.Error = "error", err.Error()
		res.Why = "could not read " + what + ": " + err.Error()
		return res
	}
	sel, desc, err := podSelector(obj)
	if err != nil {
		res.Observed, res.Error = "invalid selector", err.Error()
		res.Why = what + ": " + err.Error()
		return res
	}
	type verdict struct {
		ref      labs.PodRef
		selected bool
		why      string
	}
	judge := func(p string) (verdict, error) {
		r, _ := labs.ParsePodRef(p)
		lbls, err := podLabels(ctx, b, r)
		if err != nil {
			return verdict{ref: r}, err
		}
		v := verdict{ref: r}
		switch {
		case sel == nil:
			v.why = fmt.Sprintf("%s has no selector, so it selects no pod", what)
		case r.Namespace != sc.Namespace:
			v.why = fmt.Sprintf("%s selects pods of namespace %s only; %s is in %s", what, sc.Namespace, r, r.Namespace)
		default:
			v.selected = sel.Matches(labels.Set(lbls))
			v.why = fmt.Sprintf("%s %s %s (labels %s)", desc, map[bool]string{true: "selects", false: "does not select"}[v.selected], r, formatLabels(lbls))
		}
		return v, nil
	}
	var selected, notSelected []string
	res.Passed = true
	for _, list := range []struct {
		pods []string
		want bool
	}{{sc.Pods, true}, {sc.NotPods, false}} {
		for _, p := range list.pods {
			v, err := judge(p)
			if err != nil {
				res.Passed = false
				res.Reasons = append(res.Reasons, err.Error())
				continue
			}
			if v.selected {
				selected = append(selected, v.ref.String())
			} else {
				notSelected = append(notSelected, v.ref.String())
			}
			if v.selected != list.want {
				res.Passed = false
				res.Reasons = append(res.Reasons, v.why)
			}
		}
	}
	var obs []string
	if len(selected) > 0 {
		obs = append(obs, "selects "+strings.Join(selected, ", "))
	}
	if len(notSelected) > 0 {
		obs = append(obs, "does not select "+strings.Join(notSelected, ", "))
	}
	res.Observed = desc + ": " + strings.Join(obs, "; ")
	if sel == nil {
		res.Observed = what + " has no selector"
	}
	return res
}

func selectsExpected(what string, sc *labs.SelectsCheck) string {
	var parts []string
	if len(sc.Pods) > 0 {
		parts = append(parts, "selects "+strings.Join(sc.Pods, ", "))
	}
	if len(sc.NotPods) > 0 {
		parts = append(parts, "not "+strings.Join(sc.NotPods, ", "))
	}
	return what + " " + strings.Join(parts, "; ")
}

// podSelector reads the pod selector of a NetworkPolicy (spec.podSelector)
// or a Service (spec.selector). A nil selector selects nothing; desc
// describes it for people.
func podSelector(obj *unstructured.Unstructured) (sel labels.Selector, desc string, err error) {
	switch obj.GetKind() {
	case "NetworkPolicy":
		var np networkingv1.NetworkPolicy
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &np); err != nil {
			return nil, "", err
		}
		s, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil {
			return nil, "", fmt.Errorf("spec.podSelector: %v", err)
		}
		d := "spec.podSelector {" + s.String() + "}"
		if s.Empty() {
			d = "spec.podSelector {} (every pod of the namespace)"
		}
		return s, d, nil
	case "Service":
		m, _, err := unstructured.NestedStringMap(obj.Object, "spec", "selector")
		if err != nil {
			return nil, "", fmt.Errorf("spec.selector: %v", err)
		}
		if len(m) == 0 {
			return nil, "spec.selector (none)", nil
		}
		s := labels.SelectorFromSet(m)
		return s, "spec.selector {" + s.String() + "}", nil
	}
	return nil, "", fmt.Errorf("a selects check reads NetworkPolicy or Service, not %s", obj.GetKind())
}

// podLabels reads the labels of a pod, or of a Deployment's pod template.
func podLabels(ctx context.Context, b cluster.Backend, r labs.PodRef) (map[string]string, error) {
	kind := "Pod"
	if r.Deployment {
		kind = "Deployment"
	}
	ref := cluster.ObjectRef{Kind: kind, Namespace: r.Namespace, Name: r.Name}
	obj, err := b.Get(ctx, ref)
	if err != nil {
		if errors.Is(err, cluster.ErrNotFound) {
			return nil, fmt.Errorf("%s does not exist", describeRef(ref))
		}
		return nil, fmt.Errorf("could not read %s: %v", describeRef(ref), err)
	}
	if r.Deployment {
		m, _, err := unstructured.NestedStringMap(obj.Object, "spec", "template", "metadata", "labels")
		return m, err
	}
	return obj.GetLabels(), nil
}

func formatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	return labels.Set(m).String() // sorted key=value pairs joined by commas
}
