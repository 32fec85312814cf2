package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/kind"
	"k8s.io/client-go/tools/clientcmd"
)

// Target is the cluster a session grades on: the built-in offline
// cluster, ckadlab's kind cluster, or any kube context. It is resolved
// from --cluster in one place (ChooseCluster) and passed to whatever needs
// it; its zero value is the offline cluster.
type Target struct {
	kind    targetKind
	context string // the kube context, for a context target
}

type targetKind int

const (
	offlineTarget targetKind = iota
	kindTarget
	contextTarget
)

// The targets without a name.
var (
	Offline = Target{kind: offlineTarget}
	Kind    = Target{kind: kindTarget}
)

// ContextPrefix starts a --cluster value naming a kube context.
const ContextPrefix = "context:"

// ContextTarget is the kube context name.
func ContextTarget(name string) Target { return Target{kind: contextTarget, context: name} }

// String is the --cluster value: "offline", "kind" or "context:NAME".
func (t Target) String() string {
	switch t.kind {
	case kindTarget:
		return "kind"
	case contextTarget:
		return ContextPrefix + t.context
	}
	return "offline"
}

// Live reports whether the target is a real cluster (kind or a context).
func (t Target) Live() bool { return t.kind != offlineTarget }

// IsKind reports whether the target is ckadlab's kind cluster.
func (t Target) IsKind() bool { return t.kind == kindTarget }

// Context is the kube context of a context target (ok false otherwise).
func (t Target) Context() (name string, ok bool) { return t.context, t.kind == contextTarget }

// Choice is a resolved --cluster value.
type Choice struct {
	Target Target
	// Notice explains an automatic choice of the offline cluster (empty
	// otherwise); print it on one line.
	Notice string
}

// DockerCheck reports whether Docker answers (for --cluster auto). Tests
// that must never create a kind cluster replace it (or pass --cluster
// offline, or set CKADLAB_CLUSTER=offline).
var DockerCheck = func(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := kind.Preflight(ctx)
	return err
}

// ParseCluster validates a --cluster value and returns the target it
// selects on this machine. auto picks kind when Docker answers, else
// offline (ChooseCluster also gives the one-line notice explaining the
// fallback).
func ParseCluster(v string) (Target, error) {
	c, err := ChooseCluster(context.Background(), v)
	return c.Target, err
}

// ChooseCluster resolves a --cluster value: auto asks Docker.
func ChooseCluster(ctx context.Context, v string) (Choice, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "offline":
		return Choice{Target: Offline}, nil
	case v == "" || v == "auto":
		// A class learner's kubeconfig (KUBECONFIG=alice.kubeconfig
		// ckadlab): its current context is the class cluster.
		if name, learner, ok := ClassContext(""); ok {
			return Choice{Target: ContextTarget(name), Notice: fmt.Sprintf("ckadlab: class cluster of learner %s (context %s)", learner, name)}, nil
		}
		if err := DockerCheck(ctx); err != nil {
			return Choice{Target: Offline, Notice: "ckadlab: using the built-in offline cluster (" + firstLine(err.Error()) + ")"}, nil
		}
		return Choice{Target: Kind}, nil
	case v == "kind":
		return Choice{Target: Kind}, nil
	case strings.HasPrefix(v, ContextPrefix):
		name := strings.TrimSpace(strings.TrimPrefix(v, ContextPrefix))
		if name == "" {
			return Choice{}, fmt.Errorf("--cluster %s: name the kube context, e.g. context:kind-ckadlab", v)
		}
		return Choice{Target: ContextTarget(name)}, nil
	}
	return Choice{}, fmt.Errorf("--cluster %q: want auto, offline, kind or context:NAME", v)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// ClassContext reports whether the current context of a kubeconfig
// (kubectl's rules: "" is $KUBECONFIG or ~/.kube/config) is a class
// learner's (see IsClassContext).
func ClassContext(kubeconfig string) (name, learner string, ok bool) {
	learner, ok = IsClassContext(kubeconfig, "")
	if !ok {
		return "", "", false
	}
	raw, _ := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loadingRules(kubeconfig), nil).RawConfig()
	return raw.CurrentContext, learner, true
}

func loadingRules(kubeconfig string) *clientcmd.ClientConfigLoadingRules {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	return rules
}

// IsClassContext reports whether a kube context (""= the current one) is
// a class learner's, as `ckadlab class up` writes it: named
// ckadlab-CLASS-LEARNER, with the learner's home namespace LEARNER-ckadlab.
// Only the file is read (the cluster is asked later, by ReadClass).
func IsClassContext(kubeconfig, name string) (learner string, ok bool) {
	raw, err := loadingRules(kubeconfig).Load()
	if err != nil {
		return "", false
	}
	if name == "" {
		name = raw.CurrentContext
	}
	c := raw.Contexts[name]
	if c == nil {
		return "", false
	}
	learner, found := strings.CutSuffix(c.Namespace, "-"+class.HomeSuffix)
	if !found || class.ValidName("learner", learner, class.MaxLearnerName) != nil {
		return "", false
	}
	if !strings.HasPrefix(name, "ckadlab-") || !strings.HasSuffix(name, "-"+learner) {
		return "", false
	}
	return learner, true
}
