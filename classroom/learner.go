package classroom

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/live"
)

// checkOwn refuses a namespace that cannot be the learner's lab namespace.
func checkOwn(m class.Membership, name string) error {
	if !strings.HasPrefix(name, m.Learner+"-") || name == class.Home(m.Learner) {
		return fmt.Errorf("namespace %s is not one of learner %s's lab namespaces (%s-…, not %s)", name, m.Learner, m.Learner, class.Home(m.Learner))
	}
	return nil
}

// ProvisionNamespace creates one of a learner's lab namespaces (a lab's
// namespace mapped for them, see class.Mapping) with the learner's own
// token: the namespace labelled with labels plus the class, the learner
// and the Pod Security level (PodSecurityLabel), the RoleBinding that
// lets the learner work in it, the class's ResourceQuota and a LimitRange
// giving pods the limits it requires. It is idempotent: what exists is
// kept (a namespace of that name that is not the learner's is an error).
func ProvisionNamespace(ctx context.Context, cl *live.Clients, m class.Membership, c *class.Class, name string, labels map[string]string) error {
	if err := checkOwn(m, name); err != nil {
		return err
	}
	l := map[string]string{}
	for k, v := range labels {
		l[k] = v
	}
	for k, v := range learnerNamespaceLabels(m.Class, m.Learner) {
		l[k] = v
	}
	k := cl.Kube
	ns := &corev1.Namespace{ObjectMeta: meta(name, "", l)}
	if _, err := k.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
		old, err := k.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("namespace %s: %w", name, err)
		}
		if old.Labels[class.LabelLearner] != m.Learner || old.Labels[class.LabelClass] != m.Class {
			return fmt.Errorf("namespace %s exists and is not learner %s's (class %s)", name, m.Learner, m.Class)
		}
		if old.DeletionTimestamp != nil {
			return fmt.Errorf("namespace %s is still being deleted: try again in a few seconds", name)
		}
		missing := false
		for k, v := range l {
			if old.Labels[k] != v {
				missing = true
			}
		}
		if missing {
			old.Labels = mergeMaps(old.Labels, l)
			if _, err := k.CoreV1().Namespaces().Update(ctx, old, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("label namespace %s: %w", name, err)
			}
		}
	}
	if _, err := createOnly(ctx, k.RbacV1().RoleBindings(name), labRoleBinding(m.Class, m.Learner, name)); err != nil {
		return fmt.Errorf("RoleBinding in %s: %w", name, err)
	}
	q, err := quota(m.Class, m.Learner, name, c.Quota)
	if err != nil {
		return err
	}
	lr, err := limitRange(m.Class, m.Learner, name, c.Quota)
	if err != nil {
		return err
	}
	// The LimitRange first: once the quota is there, pods need limits.
	if _, err := createOnly(ctx, k.CoreV1().LimitRanges(name), lr); err != nil {
		return fmt.Errorf("LimitRange in %s: %w", name, err)
	}
	if _, err := createOnly(ctx, k.CoreV1().ResourceQuotas(name), q); err != nil {
		return fmt.Errorf("ResourceQuota in %s: %w", name, err)
	}
	return nil
}

// RemoveNamespace deletes one of a learner's lab namespaces (and so all
// in it); one that is gone already is fine. It does not wait.
func RemoveNamespace(ctx context.Context, cl *live.Clients, m class.Membership, name string) error {
	if err := checkOwn(m, name); err != nil {
		return err
	}
	err := cl.Kube.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete namespace %s: %w", name, err)
	}
	return nil
}
