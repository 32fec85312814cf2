package live

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/manifest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Options tune a live Backend.
type Options struct {
	// Name is the backend's name: "kind" or "context:NAME".
	Name string
	// Outside sends probes from outside the cluster (default LocalOutside).
	Outside Outside
	// Pinned are setup pods that routed hosts stand in for (see PinnedPods).
	Pinned []PinnedPod
	// PolicyEnforced says whether the CNI enforces NetworkPolicy; nil
	// reads the self-test result cached in the cluster (running the
	// self-test when there is none).
	PolicyEnforced *bool
	// Timeout is the per-attempt timeout (default 1 s): a connection
	// that is not established by then counts as dropped.
	Timeout time.Duration
	// Window bounds the polling for a stable verdict (default 15 s).
	Window time.Duration
	// Converge bounds how long a stable live verdict that differs from
	// the model's is read again, waiting for the data plane to catch up
	// with the objects (default 6 s; see Backend.converge).
	Converge time.Duration
	// NoAgent sends every probe with a command per probe (agnhost
	// connect, busybox wget) instead of the probe agent (see agent.go):
	// slower, for comparison and as a way out.
	NoAgent bool
	// Agents, when set, keeps the probe agents running after the backend
	// closes, for the next backend given the same Agents (the next check):
	// see Agents. nil: the backend's agents end when it closes.
	Agents *Agents
	// Logf logs what a learner need not see (nil: nothing is logged).
	Logf func(format string, args ...any)
	// Settle is how long after the last change to the cluster's objects
	// probes wait, so that the CNI and the ingress controller have caught
	// up (default 1 s, on top of the API's one-second time resolution;
	// kube-proxy and the CNI apply changes within about a second, and a
	// data plane that takes longer is waited for by reading again while
	// the live verdict differs from the model's: see Converge).
	Settle time.Duration
	// Namespaces, when set, are the only namespaces the backend reads
	// (a learner of a class may read only their own and the system
	// ones): it is called for every snapshot, since a learner's answer
	// may add one. nil reads the whole cluster.
	Namespaces func(ctx context.Context) ([]string, error)
}

// Backend is a cluster.Backend on a live cluster.
type Backend struct {
	c     *Clients
	opts  Options
	batch *batcher

	snapMu sync.Mutex
	snap   *snapshot
	// podNet is the cluster's pod network, read with the first snapshot.
	podNet     []netip.Prefix
	podNetRead bool

	enfOnce sync.Once
	enf     bool
	enfErr  error

	podsMu    sync.Mutex
	probePods map[string]*probePodState

	agentsMu sync.Mutex
	agents   map[string]*agentSender
	closed   bool
}

var _ cluster.Backend = (*Backend)(nil)

// New makes a live backend.
func New(c *Clients, opts Options) *Backend {
	if opts.Outside == nil {
		opts.Outside = LocalOutside{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Window <= 0 {
		opts.Window = 15 * time.Second
	}
	if opts.Converge <= 0 {
		opts.Converge = 6 * time.Second
	}
	if opts.Settle <= 0 {
		opts.Settle = time.Second
	}
	if opts.Name == "" {
		opts.Name = "context:" + c.Context
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &Backend{c: c, opts: opts, batch: newBatcher(), probePods: map[string]*probePodState{}, agents: map[string]*agentSender{}}
}

// Name is "kind" or "context:NAME".
func (b *Backend) Name() string { return b.opts.Name }

// Clients are the backend's API clients.
func (b *Backend) Clients() *Clients { return b.c }

// Refresh drops the cached snapshot: the next probe reads the cluster
// again (after a change such as applying an answer).
func (b *Backend) Refresh() {
	b.snapMu.Lock()
	b.snap = nil
	b.snapMu.Unlock()
}

// Get reads an object back from the API server.
func (b *Backend) Get(ctx context.Context, ref cluster.ObjectRef) (*unstructured.Unstructured, error) {
	gvr, namespaced, err := b.resource(ref.Kind)
	if err != nil {
		return nil, err
	}
	ns := ref.Namespace
	if namespaced && ns == "" {
		ns = "default"
	}
	if gvr.Resource == "pods" {
		if p, ok := b.pinnedPod(ns, ref.Name); ok {
			return p, nil
		}
	}
	// Read objects once the cluster has settled, as probes do: a Service
	// created a moment ago gets its load balancer address within seconds.
	if _, err := b.settledSnapshot(ctx); err != nil {
		return nil, err
	}
	var u *unstructured.Unstructured
	if namespaced {
		u, err = b.c.Dynamic.Resource(gvr).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
	} else {
		u, err = b.c.Dynamic.Resource(gvr).Get(ctx, ref.Name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%s %s: %w", ref.Kind, ref.Name, cluster.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	return u, nil
}

// pinnedPod returns the pod a routed host stands in for, as the lab wrote
// it (with its pinned address), like the offline cluster shows it.
func (b *Backend) pinnedPod(ns, name string) (*unstructured.Unstructured, bool) {
	for _, p := range b.opts.Pinned {
		if p.Pod.Namespace == ns && p.Pod.Name == name {
			mp := p.modelPod()
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&mp)
			if err != nil {
				return nil, false
			}
			u := &unstructured.Unstructured{Object: m}
			u.SetAPIVersion("v1")
			u.SetKind("Pod")
			return u, true
		}
	}
	return nil, false
}

// resource maps a Kind as written in a lab to its API resource.
func (b *Backend) resource(kind string) (schema.GroupVersionResource, bool, error) {
	if k, ok := manifest.LookupKind(kind); ok {
		return schema.GroupVersionResource{Group: k.Group, Version: k.Version, Resource: k.Plural}, k.Namespaced, nil
	}
	gvk, err := b.c.Mapper.KindFor(schema.GroupVersionResource{Resource: strings.ToLower(kind)})
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("unknown kind %q: %w", kind, err)
	}
	m, err := b.c.mapping(gvk)
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("unknown kind %q: %w", kind, err)
	}
	return m.Resource, m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// enforced reports whether the cluster's CNI enforces NetworkPolicy.
func (b *Backend) enforced(ctx context.Context) (bool, error) {
	if b.opts.PolicyEnforced != nil {
		return *b.opts.PolicyEnforced, nil
	}
	b.enfOnce.Do(func() {
		st, ok, err := CachedSelfTest(ctx, b.c)
		if err == nil && !ok {
			st, err = RunSelfTest(ctx, b.c, SelfTestOptions{})
		}
		b.enf, b.enfErr = st.Enforced, err
	})
	return b.enf, b.enfErr
}
