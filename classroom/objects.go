// Package classroom puts a class (package class) on a cluster and reads it
// back, through client-go: `class up` (namespaces, ServiceAccounts and
// their tokens, RBAC, a ValidatingAdmissionPolicy, ResourceQuotas and one
// kubeconfig per learner), `class down`, `class status`, the learner's
// own namespaces (ProvisionNamespace, RemoveNamespace, run with the
// learner's token), and the ConfigMaps the instructor and the learners
// share: results, the class exam and a published lab pack.
//
// Isolation rests on two layers. RBAC lets a learner work (edit-like) only
// where a RoleBinding of the class's learner ClusterRole to them exists,
// and lets them create namespaces, RoleBindings and ResourceQuotas
// anywhere; the class's ValidatingAdmissionPolicy, which matches only the
// class's ServiceAccounts, narrows those: a learner's namespaces are named
// "<learner>-…" and labelled with their name and class, a RoleBinding may
// only bind the learner ClusterRole to the learner who creates it, in a
// namespace of theirs, and a ResourceQuota is created, never changed.
package classroom

import (
	"fmt"
	"strings"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ckadlab/ckadlab/class"
)

// Names of a class's objects. The cluster-wide ones are named after the
// class (ckadlab-class-NAME-…), so classes on one cluster never share one.
const (
	// TokenSuffix: a learner's long-lived token is the Secret
	// "<learner>-token" in the class namespace.
	TokenSuffix = "-token"
	// HomeRole is the Role (and RoleBinding) in a learner's home namespace:
	// read the Membership, read and write the results.
	HomeRole = "ckadlab-learner-home"
	// ClassReaderRole is the Role (and RoleBinding) in the class namespace
	// that lets the learners read the class, exam and pack ConfigMaps.
	ClassReaderRole = "ckadlab-class-reader"
	// QuotaName is the ResourceQuota in each of a learner's namespaces,
	// and the LimitRange that gives their pods the limits the quota
	// requires (a lab's pods declare none).
	QuotaName = "ckadlab-quota"
	// LabRoleBinding is the RoleBinding in each of a learner's lab
	// namespaces, binding LearnerRole to the learner.
	LabRoleBinding = "ckadlab-learner"

	saUserPrefix = "system:serviceaccount:"

	// PodSecurityLabel = PodSecurityLevel on every learner namespace:
	// Pod Security admission refuses privileged pods, host namespaces and
	// host paths there (a learner who could run one would own the node).
	PodSecurityLabel = "pod-security.kubernetes.io/enforce"
	PodSecurityLevel = "baseline"
)

// LearnerRole is the ClusterRole a learner works with in their namespaces
// (bound there by RoleBindings).
func LearnerRole(className string) string { return class.NamespacePrefix + className + "-learner" }

// ClusterRoleName is the ClusterRole (and ClusterRoleBinding) of a class's
// cluster-wide reads and of the namespace, RoleBinding and ResourceQuota
// creation the admission policy narrows.
func ClusterRoleName(className string) string { return class.NamespacePrefix + className + "-cluster" }

// SharedRole is the ClusterRole (and the RoleBinding in each of the
// class's Shared namespaces) that lets learners read the cluster's own
// namespaces the network model needs: cluster DNS, the ingress controller.
func SharedRole(className string) string { return class.NamespacePrefix + className + "-shared" }

// sharedRole reads what the network model reads of the cluster's own
// namespaces (pods, Services, EndpointSlices, NetworkPolicies,
// Deployments, Ingresses), and kubeadm's ClusterConfiguration (the pod
// network), nothing else.
func sharedRole(className string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		ObjectMeta: meta(SharedRole(className), "", classLabels(className)),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "services"}, Verbs: readVerbs},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: readVerbs},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies", "ingresses"}, Verbs: readVerbs},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: readVerbs},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}, ResourceNames: []string{"kubeadm-config"}},
		},
	}
}

// sharedBinding binds SharedRole to every learner in one shared namespace.
func sharedBinding(c *class.Class, ns string) *rbacv1.RoleBinding {
	return roleBindingTo(c, SharedRole(c.Name), ns)
}

// IngressLogsRole is the ClusterRole (and the RoleBinding in each ingress
// controller's namespace) that lets learners read the controller's logs:
// a learner's ckadlab finds the backend that answered an ingress probe in
// Traefik's access log (without it, each ingress probe waits for the log
// in vain).
func IngressLogsRole(className string) string {
	return class.NamespacePrefix + className + "-ingress-logs"
}

func ingressLogsRole(className string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		ObjectMeta: meta(IngressLogsRole(className), "", classLabels(className)),
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}}},
	}
}

func roleBindingTo(c *class.Class, role, ns string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: meta(role, ns, classLabels(c.Name)),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   learnerSubjects(c),
	}
}

// PolicyName is the ValidatingAdmissionPolicy (and its binding) of a class.
func PolicyName(className string) string { return class.NamespacePrefix + className }

// TokenSecret is the name of a learner's token Secret.
func TokenSecret(learner string) string { return learner + TokenSuffix }

// ContextName is the kube context of a learner's kubeconfig.
func ContextName(className, learner string) string {
	return "ckadlab-" + className + "-" + learner
}

// Username is the API user a learner's token authenticates as.
func Username(className, learner string) string {
	return saUserPrefix + class.NamespacePrefix + className + ":" + learner
}

func classLabels(className string) map[string]string {
	return map[string]string{class.LabelClass: className}
}

func learnerLabels(className, learner string) map[string]string {
	return map[string]string{class.LabelClass: className, class.LabelLearner: learner}
}

// learnerNamespaceLabels are the labels of a learner's namespace.
func learnerNamespaceLabels(className, learner string) map[string]string {
	l := learnerLabels(className, learner)
	l[PodSecurityLabel] = PodSecurityLevel
	return l
}

func meta(name, ns string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}
}

var (
	readVerbs = []string{"get", "list", "watch"}
	allVerbs  = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
)

// learnerClusterRole is what a learner may do in a namespace of theirs:
// the objects the labs are about (edit-like), reads of what they need to
// debug, exec into and logs of their pods.
func learnerClusterRole(className string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		ObjectMeta: meta(LearnerRole(className), "", classLabels(className)),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "services", "configmaps"}, Verbs: allVerbs},
			{APIGroups: []string{""}, Resources: []string{"pods/exec", "pods/attach"}, Verbs: []string{"get", "create"}},
			{APIGroups: []string{""}, Resources: []string{"pods/log", "pods/status", "services/status"}, Verbs: readVerbs},
			{APIGroups: []string{""}, Resources: []string{"endpoints", "events", "resourcequotas", "limitranges", "serviceaccounts"}, Verbs: readVerbs},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets", "statefulsets", "deployments/scale", "replicasets/scale", "statefulsets/scale"}, Verbs: allVerbs},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/status", "replicasets/status", "statefulsets/status"}, Verbs: readVerbs},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: readVerbs},
			{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: readVerbs},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies", "ingresses"}, Verbs: allVerbs},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses/status"}, Verbs: readVerbs},
			{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"rolebindings"}, Verbs: readVerbs},
		},
	}
}

// clusterRole is what a learner may do cluster-wide: read what labs read
// (namespaces, nodes, IngressClasses) and create their own namespaces,
// RoleBindings of the learner ClusterRole and ResourceQuotas, which the
// admission policy narrows to their own.
func clusterRole(className string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		ObjectMeta: meta(ClusterRoleName(className), "", classLabels(className)),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: readVerbs},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingressclasses"}, Verbs: readVerbs},
			{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"rolebindings"}, Verbs: []string{"create"}},
			{APIGroups: []string{""}, Resources: []string{"resourcequotas", "limitranges"}, Verbs: []string{"create"}},
			{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}, Verbs: []string{"bind"}, ResourceNames: []string{LearnerRole(className)}},
		},
	}
}

func learnerSubjects(c *class.Class) []rbacv1.Subject {
	out := make([]rbacv1.Subject, 0, len(c.Learners))
	for _, l := range c.Learners {
		out = append(out, learnerSubject(c.Name, l.Name))
	}
	return out
}

func learnerSubject(className, learner string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: learner, Namespace: class.NamespacePrefix + className}
}

func clusterRoleBinding(c *class.Class) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: meta(ClusterRoleName(c.Name), "", classLabels(c.Name)),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ClusterRoleName(c.Name)},
		Subjects:   learnerSubjects(c),
	}
}

// classReader lets the learners read the class's own ConfigMaps, by name.
func classReader(c *class.Class) (*rbacv1.Role, *rbacv1.RoleBinding) {
	ns := c.Namespace()
	role := &rbacv1.Role{
		ObjectMeta: meta(ClassReaderRole, ns, classLabels(c.Name)),
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: readVerbs,
			ResourceNames: []string{class.ClassConfigMap, class.ExamConfigMap, class.PackConfigMap},
		}},
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: meta(ClassReaderRole, ns, classLabels(c.Name)),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ClassReaderRole},
		Subjects:   learnerSubjects(c),
	}
	return role, rb
}

// homeRole lets a learner read their Membership and write their results
// in their home namespace, and read (not create) what their ckadlab reads
// in every namespace of theirs.
func homeRole(className, learner string) (*rbacv1.Role, *rbacv1.RoleBinding) {
	ns := class.Home(learner)
	role := &rbacv1.Role{
		ObjectMeta: meta(HomeRole, ns, learnerLabels(className, learner)),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: readVerbs, ResourceNames: []string{class.LearnerConfigMap}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch", "update", "patch"}, ResourceNames: []string{class.ResultsConfigMap}},
			{APIGroups: []string{""}, Resources: []string{"resourcequotas"}, Verbs: readVerbs},
			// What a learner's ckadlab lists in each of their namespaces
			// (it reads all LEARNER-… namespaces, home too): nothing there.
			{APIGroups: []string{""}, Resources: []string{"pods", "services"}, Verbs: readVerbs},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: readVerbs},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies", "ingresses"}, Verbs: readVerbs},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: readVerbs},
		},
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: meta(HomeRole, ns, learnerLabels(className, learner)),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: HomeRole},
		Subjects:   []rbacv1.Subject{learnerSubject(className, learner)},
	}
	return role, rb
}

// labRoleBinding binds the learner ClusterRole to the learner in one of
// their lab namespaces (the only RoleBinding the policy lets them create).
func labRoleBinding(className, learner, ns string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: meta(LabRoleBinding, ns, learnerLabels(className, learner)),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: LearnerRole(className)},
		Subjects:   []rbacv1.Subject{learnerSubject(className, learner)},
	}
}

// quota is the ResourceQuota of one of a learner's namespaces.
func quota(className, learner, ns string, q class.Quota) (*corev1.ResourceQuota, error) {
	hard := corev1.ResourceList{}
	for _, f := range []struct {
		name corev1.ResourceName
		val  string
	}{
		{corev1.ResourcePods, q.Pods},
		{corev1.ResourceServices, q.Services},
		{corev1.ResourceLimitsCPU, q.CPU},
		{corev1.ResourceLimitsMemory, q.Memory},
	} {
		if strings.TrimSpace(f.val) == "" {
			continue
		}
		v, err := resource.ParseQuantity(f.val)
		if err != nil {
			return nil, fmt.Errorf("quota %s %q: %v", f.name, f.val, err)
		}
		hard[f.name] = v
	}
	return &corev1.ResourceQuota{
		ObjectMeta: meta(QuotaName, ns, learnerLabels(className, learner)),
		Spec:       corev1.ResourceQuotaSpec{Hard: hard},
	}, nil
}

// limitRange gives the pods of one of a learner's namespaces the limits
// the quota requires: the quota's share of one pod (CPU and memory over
// pods), and small requests so that a room's pods fit on one node.
func limitRange(className, learner, ns string, q class.Quota) (*corev1.LimitRange, error) {
	pods, err := resource.ParseQuantity(q.Pods)
	if err != nil || pods.Value() <= 0 {
		return nil, fmt.Errorf("quota pods %q: want a positive number", q.Pods)
	}
	limits, requests := corev1.ResourceList{}, corev1.ResourceList{}
	if q.CPU != "" {
		cpu, err := resource.ParseQuantity(q.CPU)
		if err != nil {
			return nil, fmt.Errorf("quota cpu %q: %v", q.CPU, err)
		}
		limits[corev1.ResourceCPU] = *resource.NewMilliQuantity(cpu.MilliValue()/pods.Value(), resource.DecimalSI)
		requests[corev1.ResourceCPU] = resource.MustParse("10m")
	}
	if q.Memory != "" {
		mem, err := resource.ParseQuantity(q.Memory)
		if err != nil {
			return nil, fmt.Errorf("quota memory %q: %v", q.Memory, err)
		}
		per := mem.Value() / pods.Value() / (1 << 20)
		limits[corev1.ResourceMemory] = *resource.NewQuantity(per<<20, resource.BinarySI)
		requests[corev1.ResourceMemory] = resource.MustParse("16Mi")
	}
	return &corev1.LimitRange{
		ObjectMeta: meta(QuotaName, ns, learnerLabels(className, learner)),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer, Default: limits, DefaultRequest: requests,
		}}},
	}, nil
}

// cel quotes s as a CEL string literal.
func cel(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// policy is the class's ValidatingAdmissionPolicy: it matches only the
// requests of the class's ServiceAccounts (matchConditions on the user
// name) and reads the learner's name from it.
func policy(className string) (*admv1.ValidatingAdmissionPolicy, *admv1.ValidatingAdmissionPolicyBinding) {
	userPrefix := saUserPrefix + class.NamespacePrefix + className + ":"
	labelled := func(obj string) string {
		return fmt.Sprintf("has(%[1]s.metadata.labels) && %[2]s in %[1]s.metadata.labels && %[1]s.metadata.labels[%[2]s] == variables.learner && %[3]s in %[1]s.metadata.labels && %[1]s.metadata.labels[%[3]s] == %[4]s",
			obj, cel(class.LabelLearner), cel(class.LabelClass), cel(className))
	}
	ownName := func(name string) string {
		return fmt.Sprintf("%[1]s.startsWith(variables.learner + '-') && %[1]s != variables.learner + %[2]s", name, cel("-"+class.HomeSuffix))
	}
	fail := admv1.Fail
	all := []admv1.OperationType{admv1.Create, admv1.Update, admv1.Delete}
	p := &admv1.ValidatingAdmissionPolicy{
		ObjectMeta: meta(PolicyName(className), "", classLabels(className)),
		Spec: admv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admv1.MatchResources{
				ResourceRules: []admv1.NamedRuleWithOperations{
					{RuleWithOperations: admv1.RuleWithOperations{Operations: all, Rule: admv1.Rule{APIGroups: []string{""}, APIVersions: []string{"*"}, Resources: []string{"namespaces"}}}},
					{RuleWithOperations: admv1.RuleWithOperations{Operations: all, Rule: admv1.Rule{APIGroups: []string{"rbac.authorization.k8s.io"}, APIVersions: []string{"*"}, Resources: []string{"rolebindings"}}}},
					{RuleWithOperations: admv1.RuleWithOperations{Operations: all, Rule: admv1.Rule{APIGroups: []string{""}, APIVersions: []string{"*"}, Resources: []string{"resourcequotas", "limitranges"}}}},
				},
			},
			MatchConditions: []admv1.MatchCondition{{
				Name:       "class-learner",
				Expression: "request.userInfo.username.startsWith(" + cel(userPrefix) + ")",
			}},
			Variables: []admv1.Variable{
				{Name: "learner", Expression: fmt.Sprintf("request.userInfo.username.substring(%d)", len(userPrefix))},
			},
			Validations: []admv1.Validation{
				{
					Expression: "request.resource.resource != 'namespaces' || (request.operation == 'DELETE' || (" +
						ownName("object.metadata.name") + " && " + labelled("object") + "))",
					Message: fmt.Sprintf("a learner of class %s may create or change only namespaces named LEARNER-… (not the home namespace) labelled %s=LEARNER and %s=%s", className, class.LabelLearner, class.LabelClass, className),
				},
				{
					Expression: fmt.Sprintf("request.resource.resource != 'namespaces' || request.operation == 'DELETE' || (has(object.metadata.labels) && %[1]s in object.metadata.labels && object.metadata.labels[%[1]s] in ['baseline', 'restricted'])", cel(PodSecurityLabel)),
					Message:    fmt.Sprintf("a learner's namespace must be labelled %s=%s (or restricted): no privileged pods", PodSecurityLabel, PodSecurityLevel),
				},
				{
					Expression: "request.resource.resource != 'namespaces' || request.operation == 'CREATE' || (" +
						ownName("oldObject.metadata.name") + " && " + labelled("oldObject") + ")",
					Message: fmt.Sprintf("a learner of class %s may change or delete only their own namespaces (LEARNER-…, labelled %s=LEARNER), not their home namespace", className, class.LabelLearner),
				},
				{
					Expression: "request.resource.resource != 'rolebindings' || (request.operation == 'CREATE' && " +
						ownName("request.namespace") + " && " + labelled("namespaceObject") + ")",
					Message: fmt.Sprintf("a learner of class %s may only create RoleBindings, in their own lab namespaces", className),
				},
				{
					Expression: fmt.Sprintf("request.resource.resource != 'rolebindings' || request.operation != 'CREATE' || (object.roleRef.kind == 'ClusterRole' && object.roleRef.name == %s)", cel(LearnerRole(className))),
					Message:    fmt.Sprintf("a learner of class %s may only bind the ClusterRole %s", className, LearnerRole(className)),
				},
				{
					Expression: "request.resource.resource != 'rolebindings' || request.operation != 'CREATE' || (has(object.subjects) && size(object.subjects) == 1 && object.subjects[0].kind == 'ServiceAccount' && object.subjects[0].name == variables.learner)",
					Message:    fmt.Sprintf("a learner of class %s may bind the learner ClusterRole only to themselves, alone", className),
				},
				{
					Expression: fmt.Sprintf("request.resource.resource != 'rolebindings' || request.operation != 'CREATE' || ('namespace' in object.subjects[0] && object.subjects[0]['namespace'] == %s)", cel(class.NamespacePrefix+className)),
					Message:    fmt.Sprintf("a learner of class %s may bind the learner ClusterRole only to their own ServiceAccount in namespace %s", className, class.NamespacePrefix+className),
				},
				{
					Expression: "!(request.resource.resource in ['resourcequotas', 'limitranges']) || (request.operation == 'CREATE' && " +
						ownName("request.namespace") + " && " + labelled("namespaceObject") + ")",
					Message: fmt.Sprintf("a learner of class %s may only create ResourceQuotas and LimitRanges in their own lab namespaces, never change or delete one", className),
				},
			},
		},
	}
	b := &admv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: meta(PolicyName(className), "", classLabels(className)),
		Spec: admv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        PolicyName(className),
			ValidationActions: []admv1.ValidationAction{admv1.Deny},
		},
	}
	return p, b
}
