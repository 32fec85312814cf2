package classroom

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/live"
)

// DownResult is what `class down` removed.
type DownResult struct {
	Class string `json:"class"`
	// Found is false when nothing of the class was on the cluster.
	Found bool `json:"found"`
	// Namespaces are the namespaces deleted (learners' and the class's).
	Namespaces []string `json:"namespaces"`
	// ClusterObjects are the objects deleted outside the class's
	// namespaces, as KIND/NAME (KIND/NAMESPACE/NAME for the RoleBindings
	// in the shared namespaces).
	ClusterObjects []string `json:"cluster_objects"`
	// Waited: Down waited until the namespaces were gone.
	Waited  bool    `json:"waited"`
	Seconds float64 `json:"seconds"`
}

// Down removes a class: its learners' tokens first (so no learner acts
// while the rest goes), the class's ConfigMaps, every namespace labelled with the class (the
// learners' and the class's own), then the cluster-wide objects named
// after it. wait: until the namespaces are gone (bounded by ctx).
func Down(ctx context.Context, cl *live.Clients, name string, wait bool) (*DownResult, error) {
	if err := class.ValidName("class", name, class.MaxClassName); err != nil {
		return nil, err
	}
	start := time.Now()
	res := &DownResult{Class: name, Namespaces: []string{}, ClusterObjects: []string{}}
	k := cl.Kube
	classNS := class.NamespacePrefix + name
	sel := metav1.ListOptions{LabelSelector: class.LabelClass + "=" + name}

	// Tokens and ServiceAccounts: learners lose access at once.
	if err := k.CoreV1().Secrets(classNS).DeleteCollection(ctx, metav1.DeleteOptions{}, sel); err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("delete learner tokens: %w", err)
	}
	if err := k.CoreV1().ServiceAccounts(classNS).DeleteCollection(ctx, metav1.DeleteOptions{}, sel); err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("delete learner ServiceAccounts: %w", err)
	}

	// The class's own ConfigMaps: the class is gone for everyone at once,
	// while its namespaces terminate.
	for _, name := range []string{class.ClassConfigMap, class.ExamConfigMap, class.PackConfigMap} {
		if err := k.CoreV1().ConfigMaps(classNS).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("delete ConfigMap %s/%s: %w", classNS, name, err)
		}
	}

	nss, err := k.CoreV1().Namespaces().List(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("list the class's namespaces: %w", err)
	}
	var gone []string
	for _, ns := range nss.Items {
		if ns.DeletionTimestamp == nil {
			if err := k.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("delete namespace %s: %w", ns.Name, err)
			}
		}
		gone = append(gone, ns.Name)
	}
	// The class namespace even if its label was lost.
	if err := k.CoreV1().Namespaces().Delete(ctx, classNS, metav1.DeleteOptions{}); err == nil {
		if !contains(gone, classNS) {
			gone = append(gone, classNS)
		}
	} else if !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("delete namespace %s: %w", classNS, err)
	}
	sort.Strings(gone)
	res.Namespaces = append(res.Namespaces, gone...)

	// The RoleBindings in the shared namespaces (those in the class's
	// namespaces go with them).
	rbs, err := k.RbacV1().RoleBindings("").List(ctx, metav1.ListOptions{LabelSelector: class.LabelClass + "=" + name + ",!" + class.LabelLearner})
	if err != nil {
		return nil, fmt.Errorf("list the class's RoleBindings: %w", err)
	}
	for _, rb := range rbs.Items {
		if (rb.Name != SharedRole(name) && rb.Name != IngressLogsRole(name)) || rb.Namespace == classNS || contains(gone, rb.Namespace) {
			continue
		}
		err := k.RbacV1().RoleBindings(rb.Namespace).Delete(ctx, rb.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("delete RoleBinding %s/%s: %w", rb.Namespace, rb.Name, err)
		}
		if err == nil {
			res.ClusterObjects = append(res.ClusterObjects, "RoleBinding/"+rb.Namespace+"/"+rb.Name)
		}
	}

	del := func(kind, name string, f func(context.Context, string, metav1.DeleteOptions) error) error {
		err := f(ctx, name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete %s %s: %w", kind, name, err)
		}
		res.ClusterObjects = append(res.ClusterObjects, kind+"/"+name)
		return nil
	}
	rbac, adm := k.RbacV1(), k.AdmissionregistrationV1()
	for _, step := range []error{
		del("ClusterRoleBinding", ClusterRoleName(name), rbac.ClusterRoleBindings().Delete),
		del("ClusterRole", ClusterRoleName(name), rbac.ClusterRoles().Delete),
		del("ClusterRole", LearnerRole(name), rbac.ClusterRoles().Delete),
		del("ClusterRole", SharedRole(name), rbac.ClusterRoles().Delete),
		del("ClusterRole", IngressLogsRole(name), rbac.ClusterRoles().Delete),
		del("ValidatingAdmissionPolicyBinding", PolicyName(name), adm.ValidatingAdmissionPolicyBindings().Delete),
		del("ValidatingAdmissionPolicy", PolicyName(name), adm.ValidatingAdmissionPolicies().Delete),
	} {
		if step != nil {
			return nil, step
		}
	}
	res.Found = len(res.Namespaces) > 0 || len(res.ClusterObjects) > 0
	if wait && len(gone) > 0 {
		if err := waitGone(ctx, cl, gone); err != nil {
			return res, err
		}
		res.Waited = true
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// waitGone waits until the namespaces are deleted.
func waitGone(ctx context.Context, cl *live.Clients, names []string) error {
	left := names
	for {
		var still []string
		for _, n := range left {
			_, err := cl.Kube.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
			if err == nil {
				still = append(still, n)
			} else if !apierrors.IsNotFound(err) {
				return fmt.Errorf("namespace %s: %w", n, err)
			}
		}
		if len(still) == 0 {
			return nil
		}
		left = still
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("namespaces still terminating: %v", still))
		case <-time.After(time.Second):
		}
	}
}
