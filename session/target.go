package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/cluster/kind"
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
