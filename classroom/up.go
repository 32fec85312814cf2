package classroom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/state"
)

// UpOptions shape `class up`.
type UpOptions struct {
	// OutDir is where the learners' kubeconfig files are written
	// (LEARNER.kubeconfig; created 0700 when missing). Empty: none are
	// written.
	OutDir string
	// Server is the API server address written into the learners'
	// kubeconfigs (default: the instructor's, which may be 127.0.0.1 on
	// a kind cluster: learners on other machines need one they reach).
	// The kubeconfigs then verify the server's certificate under the
	// instructor's host name (tls-server-name), which it names.
	Server string
	// TokenTimeout bounds the wait for the token controller to fill a
	// learner's token Secret (default 60s).
	TokenTimeout time.Duration
	// PolicyTimeout bounds the wait for the API server to enforce the
	// class's admission policy (default 30s).
	PolicyTimeout time.Duration
	// NoPolicyCheck skips that wait (a fake clientset has no server).
	NoPolicyCheck bool
	// SelfTest, when set, runs the NetworkPolicy self-test (a learner
	// cannot: it needs ckadlab-system): Class.PolicyEnforced records its
	// result. nil, or an error (a warning), leaves it unknown.
	SelfTest func(ctx context.Context, cl *live.Clients) (enforced bool, err error)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// UpResult is what `class up` did.
type UpResult struct {
	Class     string `json:"class"`
	Namespace string `json:"namespace"`
	// Learners is the whole roster after the run (earlier learners kept).
	Learners []LearnerResult `json:"learners"`
	// Added are the learners this run added (all of them on a first run).
	Added  []string `json:"added"`
	OutDir string   `json:"out_dir,omitempty"`
	Server string   `json:"server"`
	Labs   []string `json:"labs,omitempty"`
	// Shared are the cluster's own namespaces learners may read (see
	// class.Class.Shared); PolicyEnforced the self-test's result.
	Shared         []string `json:"shared"`
	PolicyEnforced *bool    `json:"policy_enforced"`
	// Objects counts the objects of the class on the cluster.
	Objects int `json:"objects"`
	// Warnings are what the instructor should know (the admission
	// policy could not be verified, ...).
	Warnings []string `json:"warnings,omitempty"`
	// Seconds is how long the run took.
	Seconds float64 `json:"seconds"`
	// Class is the class as stored on the cluster.
	Stored *class.Class `json:"-"`
}

// LearnerResult is one learner of UpResult.
type LearnerResult struct {
	Name       string `json:"name"`
	Index      int    `json:"index"`
	Home       string `json:"home"`
	Context    string `json:"context"`
	Kubeconfig string `json:"kubeconfig,omitempty"`
}

// ErrLearnerClash is returned when a learner name is taken on the cluster
// (by another class, or by a namespace that is not a class's).
var ErrLearnerClash = errors.New("learner name taken on this cluster")

// Up puts class c on the cluster, or brings an existing class up to date:
// it is idempotent, and a second run adds the learners it names that the
// class does not have yet (the others keep their index and token;
// learners are never removed, see Down). c.Labs nil keeps the stored
// class's labs. It refuses a learner whose name another class on the
// cluster uses, or whose namespaces would overlap another learner's
// ("al" and "al-ice": "al-ice-prod" would be both).
func Up(ctx context.Context, cl *live.Clients, c *class.Class, opts UpOptions) (*UpResult, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	start := now()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if opts.TokenTimeout <= 0 {
		opts.TokenTimeout = 60 * time.Second
	}
	server, ca, insecure, serverName, err := serverOf(cl, opts.Server)
	if err != nil {
		return nil, err
	}
	stored, err := ReadClass(ctx, cl, c.Name)
	switch {
	case errors.Is(err, ErrNoClass):
		stored = nil
	case err != nil:
		return nil, err
	}
	merged, added := merge(stored, c)
	if err := merged.Validate(); err != nil {
		return nil, err
	}
	var ingressNS []string
	if merged.Shared, ingressNS, err = sharedNamespaces(ctx, cl); err != nil {
		return nil, err
	}
	if err := checkClashes(ctx, cl, merged); err != nil {
		return nil, err
	}
	if ns, err := cl.Kube.CoreV1().Namespaces().Get(ctx, merged.Namespace(), metav1.GetOptions{}); err == nil && ns.DeletionTimestamp != nil {
		return nil, fmt.Errorf("class %s is still being removed (namespace %s is terminating): try again when ckadlab class down --wait returns", merged.Name, merged.Namespace())
	}
	k := cl.Kube
	res := &UpResult{Class: merged.Name, Namespace: merged.Namespace(), Added: added, Server: server, Labs: merged.Labs, Stored: merged}
	if res.Added == nil {
		res.Added = []string{}
	}
	n := 0
	count := func(_ bool, err error) error {
		if err == nil {
			n++
		}
		return err
	}

	// The class namespace, then the cluster-wide pieces.
	if err := count(createOnly(ctx, k.CoreV1().Namespaces(), &corev1.Namespace{ObjectMeta: meta(merged.Namespace(), "", classLabels(merged.Name))})); err != nil {
		return nil, fmt.Errorf("class namespace: %w", err)
	}
	if err := count(upsert(ctx, k.RbacV1().ClusterRoles(), learnerClusterRole(merged.Name))); err != nil {
		return nil, fmt.Errorf("learner ClusterRole: %w", err)
	}
	if err := count(upsert(ctx, k.RbacV1().ClusterRoles(), clusterRole(merged.Name))); err != nil {
		return nil, fmt.Errorf("cluster ClusterRole: %w", err)
	}
	if err := count(upsert(ctx, k.RbacV1().ClusterRoles(), sharedRole(merged.Name))); err != nil {
		return nil, fmt.Errorf("shared ClusterRole: %w", err)
	}
	if err := count(upsert(ctx, k.RbacV1().ClusterRoles(), ingressLogsRole(merged.Name))); err != nil {
		return nil, fmt.Errorf("ingress logs ClusterRole: %w", err)
	}
	pol, bind := policy(merged.Name)
	if err := count(upsert(ctx, k.AdmissionregistrationV1().ValidatingAdmissionPolicies(), pol)); err != nil {
		return nil, fmt.Errorf("admission policy (Kubernetes 1.30 or later needed): %w", err)
	}
	if err := count(upsert(ctx, k.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings(), bind)); err != nil {
		return nil, fmt.Errorf("admission policy binding: %w", err)
	}

	// Each learner: ServiceAccount, token, home namespace and its objects.
	for _, l := range merged.Learners {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := upLearner(ctx, cl, merged, l)
		n += m
		if err != nil {
			return nil, fmt.Errorf("learner %s: %w", l.Name, err)
		}
	}
	// Bindings name every learner: after the ServiceAccounts exist.
	if err := count(upsert(ctx, k.RbacV1().ClusterRoleBindings(), clusterRoleBinding(merged))); err != nil {
		return nil, fmt.Errorf("ClusterRoleBinding: %w", err)
	}
	for _, ns := range merged.Shared {
		if err := count(upsert(ctx, k.RbacV1().RoleBindings(ns), sharedBinding(merged, ns))); err != nil {
			return nil, fmt.Errorf("RoleBinding in the shared namespace %s: %w", ns, err)
		}
	}
	for _, ns := range ingressNS {
		if err := count(upsert(ctx, k.RbacV1().RoleBindings(ns), roleBindingTo(merged, IngressLogsRole(merged.Name), ns))); err != nil {
			return nil, fmt.Errorf("RoleBinding in the ingress controller's namespace %s: %w", ns, err)
		}
	}
	role, rb := classReader(merged)
	if err := count(upsert(ctx, k.RbacV1().Roles(merged.Namespace()), role)); err != nil {
		return nil, fmt.Errorf("class reader Role: %w", err)
	}
	if err := count(upsert(ctx, k.RbacV1().RoleBindings(merged.Namespace()), rb)); err != nil {
		return nil, fmt.Errorf("class reader RoleBinding: %w", err)
	}
	if opts.SelfTest != nil {
		enforced, err := opts.SelfTest(ctx, cl)
		if err != nil {
			merged.PolicyEnforced = nil
			res.Warnings = append(res.Warnings, "the NetworkPolicy self-test did not run: "+err.Error())
		} else {
			merged.PolicyEnforced = &enforced
			if !enforced {
				res.Warnings = append(res.Warnings, "this cluster's network plugin does not enforce NetworkPolicy: policies will be graded by the model only, and learners are not isolated from each other's traffic")
			}
		}
	}
	res.Shared, res.PolicyEnforced = merged.Shared, merged.PolicyEnforced
	// The class itself last: a learner is in it once all of theirs exists.
	data, err := json.Marshal(merged)
	if err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{ObjectMeta: meta(class.ClassConfigMap, merged.Namespace(), classLabels(merged.Name)), Data: map[string]string{class.ClassKey: string(data)}}
	if err := count(upsert(ctx, k.CoreV1().ConfigMaps(merged.Namespace()), cm)); err != nil {
		return nil, fmt.Errorf("class ConfigMap: %w", err)
	}

	// The policy must be in force before any learner has a token to use.
	if !opts.NoPolicyCheck {
		if w := waitPolicy(ctx, cl, merged, opts.PolicyTimeout); w != "" {
			res.Warnings = append(res.Warnings, w)
		}
	}

	// Tokens and kubeconfigs.
	if opts.OutDir != "" {
		if err := os.MkdirAll(opts.OutDir, 0o700); err != nil {
			return nil, fmt.Errorf("kubeconfig directory: %w", err)
		}
		res.OutDir = opts.OutDir
	}
	for _, l := range merged.Learners {
		lr := LearnerResult{Name: l.Name, Index: l.Index, Home: class.Home(l.Name), Context: ContextName(merged.Name, l.Name)}
		if opts.OutDir != "" {
			token, err := waitToken(ctx, cl, merged, l.Name, opts.TokenTimeout)
			if err != nil {
				return nil, fmt.Errorf("learner %s: %w", l.Name, err)
			}
			kc, err := LearnerKubeconfig(merged.Name, l.Name, server, ca, insecure, serverName, token)
			if err != nil {
				return nil, err
			}
			lr.Kubeconfig = filepath.Join(opts.OutDir, KubeconfigFile(l.Name))
			if err := state.WriteFileAtomic(lr.Kubeconfig, kc, 0o600); err != nil {
				return nil, fmt.Errorf("learner %s kubeconfig: %w", l.Name, err)
			}
		}
		res.Learners = append(res.Learners, lr)
	}
	res.Objects = n
	res.Seconds = now().Sub(start).Seconds()
	return res, nil
}

// KubeconfigFile is the name of a learner's kubeconfig in UpOptions.OutDir.
func KubeconfigFile(learner string) string { return learner + ".kubeconfig" }

// merge adds c's new learners to the stored class (nil: c is new): stored
// learners keep their index, new ones take the lowest free ones.
func merge(stored, c *class.Class) (*class.Class, []string) {
	if stored == nil {
		out := *c
		out.Learners = slices.Clone(c.Learners)
		added := make([]string, 0, len(c.Learners))
		for _, l := range c.Learners {
			added = append(added, l.Name)
		}
		return &out, added
	}
	out := *stored
	out.Learners = slices.Clone(stored.Learners)
	if c.Labs != nil {
		out.Labs = slices.Clone(c.Labs)
	}
	if c.Quota != (class.Quota{}) {
		out.Quota = c.Quota
	}
	taken := map[int]bool{}
	for _, l := range out.Learners {
		taken[l.Index] = true
	}
	var added []string
	next := 0
	for _, l := range c.Learners {
		if _, ok := out.Learner(l.Name); ok {
			continue
		}
		for taken[next] {
			next++
		}
		taken[next] = true
		out.Learners = append(out.Learners, class.Learner{Name: l.Name, Index: next})
		added = append(added, l.Name)
	}
	return &out, added
}

// checkClashes refuses learners whose namespaces would be another's: a
// learner of another class with the same name, a home namespace that is
// not this class's, or two learners of whom one's name and a dash start
// the other's.
func checkClashes(ctx context.Context, cl *live.Clients, c *class.Class) error {
	names := make([]string, 0, len(c.Learners))
	for _, l := range c.Learners {
		names = append(names, l.Name)
	}
	list, err := cl.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: class.LabelLearner})
	if err != nil {
		return fmt.Errorf("list namespaces: %w", err)
	}
	others := map[string]string{} // learner -> class, of other classes
	for _, ns := range list.Items {
		if cls := ns.Labels[class.LabelClass]; cls != c.Name {
			others[ns.Labels[class.LabelLearner]] = cls
		}
	}
	all := slices.Clone(names)
	for l := range others {
		all = append(all, l)
	}
	for _, n := range names {
		if cls, ok := others[n]; ok {
			return fmt.Errorf("%w: learner %s is in class %s on this cluster (pick another name, or ckadlab class down --name %s)", ErrLearnerClash, n, cls, cls)
		}
		for _, o := range all {
			if o != n && strings.HasPrefix(o, n+"-") {
				return fmt.Errorf("%w: learner names %s and %s overlap (%s's namespaces %s-… would include %s's); rename one", ErrLearnerClash, n, o, n, n, o)
			}
		}
		home, err := cl.Kube.CoreV1().Namespaces().Get(ctx, class.Home(n), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("namespace %s: %w", class.Home(n), err)
		case home.Labels[class.LabelClass] != c.Name || home.Labels[class.LabelLearner] != n:
			return fmt.Errorf("%w: namespace %s exists and is not learner %s's of class %s", ErrLearnerClash, class.Home(n), n, c.Name)
		}
	}
	return nil
}

// upLearner creates (or updates) one learner's objects; it returns how
// many it made sure of.
func upLearner(ctx context.Context, cl *live.Clients, c *class.Class, l class.Learner) (int, error) {
	k := cl.Kube
	ns, home := c.Namespace(), class.Home(l.Name)
	labels := learnerLabels(c.Name, l.Name)
	n := 0
	step := func(what string) func(bool, error) error {
		return func(_ bool, err error) error {
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			n++
			return nil
		}
	}
	sa := &corev1.ServiceAccount{ObjectMeta: meta(l.Name, ns, labels)}
	if err := step("ServiceAccount")(createOnly(ctx, k.CoreV1().ServiceAccounts(ns), sa)); err != nil {
		return n, err
	}
	secret := &corev1.Secret{
		ObjectMeta: meta(TokenSecret(l.Name), ns, labels),
		Type:       corev1.SecretTypeServiceAccountToken,
	}
	secret.Annotations = map[string]string{corev1.ServiceAccountNameKey: l.Name}
	if err := step("token Secret")(createOnly(ctx, k.CoreV1().Secrets(ns), secret)); err != nil {
		return n, err
	}
	if err := step("home namespace")(createOnly(ctx, k.CoreV1().Namespaces(), &corev1.Namespace{ObjectMeta: meta(home, "", learnerNamespaceLabels(c.Name, l.Name))})); err != nil {
		return n, err
	}
	role, rb := homeRole(c.Name, l.Name)
	if err := step("home Role")(upsert(ctx, k.RbacV1().Roles(home), role)); err != nil {
		return n, err
	}
	if err := step("home RoleBinding")(upsert(ctx, k.RbacV1().RoleBindings(home), rb)); err != nil {
		return n, err
	}
	q, err := quota(c.Name, l.Name, home, c.Quota)
	if err != nil {
		return n, err
	}
	if err := step("ResourceQuota")(upsert(ctx, k.CoreV1().ResourceQuotas(home), q)); err != nil {
		return n, err
	}
	mb, err := json.Marshal(class.Membership{Class: c.Name, Learner: l.Name, Index: l.Index})
	if err != nil {
		return n, err
	}
	lcm := &corev1.ConfigMap{ObjectMeta: meta(class.LearnerConfigMap, home, labels), Data: map[string]string{class.LearnerKey: string(mb)}}
	if err := step("learner ConfigMap")(upsert(ctx, k.CoreV1().ConfigMaps(home), lcm)); err != nil {
		return n, err
	}
	// The results are the learner's: created empty once, never replaced.
	rcm := &corev1.ConfigMap{ObjectMeta: meta(class.ResultsConfigMap, home, labels), Data: map[string]string{}}
	if err := step("results ConfigMap")(createOnly(ctx, k.CoreV1().ConfigMaps(home), rcm)); err != nil {
		return n, err
	}
	return n, nil
}

// waitToken waits for the token controller to fill a learner's token
// Secret and returns the token.
func waitToken(ctx context.Context, cl *live.Clients, c *class.Class, learner string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 50 * time.Millisecond
	for {
		s, err := cl.Kube.CoreV1().Secrets(c.Namespace()).Get(ctx, TokenSecret(learner), metav1.GetOptions{})
		if err == nil && len(s.Data[corev1.ServiceAccountTokenKey]) > 0 {
			return string(s.Data[corev1.ServiceAccountTokenKey]), nil
		}
		if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
			return "", fmt.Errorf("token Secret: %w", err)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("token Secret %s/%s was not filled in %s (does the cluster run the token controller of kube-controller-manager?)", c.Namespace(), TokenSecret(learner), timeout)
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// serverOf is the API server address and CA a learner's kubeconfig uses.
func serverOf(cl *live.Clients, override string) (server string, ca []byte, insecure bool, serverName string, err error) {
	if cl.Config == nil {
		return "", nil, false, "", errors.New("no REST config for the instructor's cluster")
	}
	server = cl.Config.Host
	if override != "" {
		server = override
	}
	if server == "" {
		return "", nil, false, "", errors.New("the instructor's kube context names no API server")
	}
	tls := cl.Config.TLSClientConfig
	serverName = tls.ServerName
	if override != "" && serverName == "" {
		// The API server's certificate names the address the instructor
		// reaches it by (kind: 127.0.0.1), not the one learners use:
		// verify it under the instructor's name.
		if u, err := url.Parse(cl.Config.Host); err == nil && u.Hostname() != "" {
			serverName = u.Hostname()
		}
	}
	ca = tls.CAData
	if len(ca) == 0 && tls.CAFile != "" {
		if ca, err = os.ReadFile(tls.CAFile); err != nil {
			return "", nil, false, "", fmt.Errorf("the cluster's CA: %w", err)
		}
	}
	return server, ca, tls.Insecure, serverName, nil
}

// LearnerKubeconfig is a learner's kubeconfig: one cluster, one token
// user, one context (current) whose namespace is the learner's home.
func LearnerKubeconfig(className, learner, server string, ca []byte, insecure bool, serverName, token string) ([]byte, error) {
	name := ContextName(className, learner)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca, InsecureSkipTLSVerify: insecure && len(ca) == 0, TLSServerName: serverName}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: class.Home(learner)}
	cfg.CurrentContext = name
	return clientcmd.Write(*cfg)
}

// waitPolicy waits until the API server enforces the class's admission
// policy (it takes the policy up a moment after it is created): a
// dry-run, impersonating the first learner, of what the policy forbids
// must be denied by it. It returns a warning when that cannot be shown.
func waitPolicy(ctx context.Context, cl *live.Clients, c *class.Class, timeout time.Duration) string {
	if cl.Config == nil || len(c.Learners) == 0 {
		return ""
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	l := c.Learners[0].Name
	cfg := rest.CopyConfig(cl.Config)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: Username(c.Name, l),
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + c.Namespace(), "system:authenticated"},
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "could not check the admission policy: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	probe := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: l + "-policy-probe"}} // unlabelled: forbidden
	for {
		_, err := kube.CoreV1().Namespaces().Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		switch {
		case err != nil && strings.Contains(err.Error(), PolicyName(c.Name)):
			return ""
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "impersonate"):
			return "could not check that the admission policy is in force (impersonation is not allowed to you); give it a few seconds before learners start"
		case err != nil && ctx.Err() == nil && !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err):
			return "could not check that the admission policy is in force: " + err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Sprintf("the API server did not enforce the admission policy %s within %s: check it supports ValidatingAdmissionPolicy (Kubernetes 1.30 or later) before learners start", PolicyName(c.Name), timeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ingressControllers select the pods of the ingress controllers whose
// namespaces learners read: the one ckadlab installs, and ingress-nginx.
var ingressControllers = []string{
	"app.kubernetes.io/name=" + netmodel.DefaultIngressController.Selector.MatchLabels["app.kubernetes.io/name"],
	"app.kubernetes.io/name=ingress-nginx",
}

// sharedNamespaces finds the cluster's own namespaces a learner's ckadlab
// reads to model traffic: the cluster DNS Service's (kube-system) and the
// ingress controllers' (also returned apart), sorted.
func sharedNamespaces(ctx context.Context, cl *live.Clients) (shared, ingress []string, err error) {
	found := map[string]bool{}
	ing := map[string]bool{}
	svcs, err := cl.Kube.CoreV1().Services("").List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"})
	if err != nil {
		return nil, nil, fmt.Errorf("find the cluster DNS: %w", err)
	}
	for _, s := range svcs.Items {
		found[s.Namespace] = true
	}
	if len(found) == 0 {
		found[metav1.NamespaceSystem] = true
	}
	for _, sel := range ingressControllers {
		pods, err := cl.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return nil, nil, fmt.Errorf("find the ingress controller: %w", err)
		}
		for _, p := range pods.Items {
			found[p.Namespace], ing[p.Namespace] = true, true
		}
	}
	if ns := netmodel.DefaultIngressController.Namespace; !found[ns] {
		if _, err := cl.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
			found[ns], ing[ns] = true, true
		}
	}
	sorted := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for ns := range m {
			out = append(out, ns)
		}
		slices.Sort(out)
		return out
	}
	return sorted(found), sorted(ing), nil
}
