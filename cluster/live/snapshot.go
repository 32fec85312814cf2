package live

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/netmodel"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// snapshot is the cluster's objects at one moment and the offline model
// built from them, which routes every probe; the pinned pods are the ones
// host stand-ins play.
type snapshot struct {
	objs   netmodel.Objects
	model  *netmodel.Model
	taken  time.Time
	pinned map[string]PinnedPod // ns/name
}

// probeRoleLabel marks ckadlab's own probe pods; they are left out of
// snapshots (they copy a source pod's labels but are never endpoints).
const (
	probeRoleLabel = "ckadlab.io/probe"
	probeForAnnot  = "ckadlab.io/probe-for"
)

// settledSnapshot is the snapshot, taken with the outside client's address.
func (b *Backend) settledSnapshot(ctx context.Context) (*snapshot, error) {
	_, ext, _ := b.opts.Outside.External(ctx)
	return b.snapshotFor(ctx, ext)
}

// snapshotFor returns the cached snapshot, reading the cluster when there
// is none. Reading waits until the newest object change is Settle old,
// and while a LoadBalancer Service that changed a moment ago has no
// address yet (see lbPendingUntil).
func (b *Backend) snapshotFor(ctx context.Context, external netip.Addr) (*snapshot, error) {
	b.snapMu.Lock()
	defer b.snapMu.Unlock()
	if b.snap != nil {
		return b.snap, nil
	}
	if !b.podNetRead {
		b.podNet, b.podNetRead = podNetwork(ctx, b.c), true
	}
	for settles, polls := 0, 0; ; {
		var scope []string
		if b.opts.Namespaces != nil {
			sc, err := b.opts.Namespaces(ctx)
			if err != nil {
				return nil, fmt.Errorf("the namespaces to read: %w", err)
			}
			scope = append([]string{}, sc...) // non-nil: scoped
		}
		o, err := listAll(ctx, b.c, scope)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		// Server times are truncated to the second: a change stamped t
		// happened before t+1s.
		wait := newestChange(o).Add(time.Second + b.opts.Settle).Sub(now)
		switch {
		case wait > 0 && settles < 3:
			settles++
		case lbPendingUntil(o).After(now) && polls < int(lbWait/lbPoll):
			polls++
			wait = lbPoll
		default:
			b.snap = buildSnapshot(o, b.opts.Pinned, external, b.podNet)
			return b.snap, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// lbWait bounds how long reading waits for the address of a LoadBalancer
// Service after the Service changed: kind's load balancer publisher needs
// a few seconds on a busy machine, and a cluster without a load balancer
// provider leaves the address pending (reading then goes on without it).
// lbPoll is how often it looks meanwhile.
const (
	lbWait = 15 * time.Second
	lbPoll = 250 * time.Millisecond
)

// lbPendingUntil is until when reading waits for load balancer addresses:
// lbWait after the latest change of a LoadBalancer Service that has no
// address yet (zero when every LoadBalancer Service has one).
func lbPendingUntil(o netmodel.Objects) time.Time {
	var t time.Time
	for _, s := range o.Services {
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer || len(s.Status.LoadBalancer.Ingress) > 0 {
			continue
		}
		if u := changedAt(s.ObjectMeta).Add(time.Second + lbWait); u.After(t) {
			t = u
		}
	}
	return t
}

// listAll reads everything the model needs, concurrently: cluster-wide,
// or only the namespaces of scope (a learner of a class may read no
// other; see Options.Namespaces).
func listAll(ctx context.Context, c *Clients, scope []string) (netmodel.Objects, error) {
	var o netmodel.Objects
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	run := func(what string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("list %s: %w", what, err)
				}
				mu.Unlock()
			}
		}()
	}
	lo := metav1.ListOptions{}
	all := []string{metav1.NamespaceAll}
	if scope != nil {
		all = scope
	}
	// each namespaced kind: one list per namespace in scope, appended
	// under mu
	each := func(what string, f func(ns string) error) {
		for _, ns := range all {
			run(what, func() error { return f(ns) })
		}
	}
	run("nodes", func() error {
		l, err := c.Kube.CoreV1().Nodes().List(ctx, lo)
		if err == nil {
			o.Nodes = l.Items
		}
		return err
	})
	run("namespaces", func() error {
		l, err := c.Kube.CoreV1().Namespaces().List(ctx, lo)
		if err == nil {
			o.Namespaces = inScope(l.Items, scope)
		}
		return err
	})
	each("pods", func(ns string) error {
		l, err := c.Kube.CoreV1().Pods(ns).List(ctx, lo)
		if err == nil {
			mu.Lock()
			o.Pods = append(o.Pods, l.Items...)
			mu.Unlock()
		}
		return err
	})
	each("services", func(ns string) error {
		l, err := c.Kube.CoreV1().Services(ns).List(ctx, lo)
		if err == nil {
			mu.Lock()
			o.Services = append(o.Services, l.Items...)
			mu.Unlock()
		}
		return err
	})
	each("endpointslices", func(ns string) error {
		l, err := c.Kube.DiscoveryV1().EndpointSlices(ns).List(ctx, lo)
		if err == nil {
			mu.Lock()
			o.EndpointSlices = append(o.EndpointSlices, l.Items...)
			mu.Unlock()
		}
		return err
	})
	each("networkpolicies", func(ns string) error {
		l, err := c.Kube.NetworkingV1().NetworkPolicies(ns).List(ctx, lo)
		if err == nil {
			mu.Lock()
			o.NetworkPolicies = append(o.NetworkPolicies, l.Items...)
			mu.Unlock()
		}
		return err
	})
	each("ingresses", func(ns string) error {
		l, err := c.Kube.NetworkingV1().Ingresses(ns).List(ctx, lo)
		if err == nil {
			mu.Lock()
			o.Ingresses = append(o.Ingresses, l.Items...)
			mu.Unlock()
		}
		return err
	})
	run("ingressclasses", func() error {
		l, err := c.Kube.NetworkingV1().IngressClasses().List(ctx, lo)
		if err == nil {
			o.IngressClasses = l.Items
		}
		return err
	})
	each("deployments", func(ns string) error {
		l, err := c.Kube.AppsV1().Deployments(ns).List(ctx, lo)
		if err == nil {
			mu.Lock()
			o.Deployments = append(o.Deployments, l.Items...)
			mu.Unlock()
		}
		return err
	})
	wg.Wait()
	return o, firstErr
}

// inScope keeps the namespaces named in scope (all of them for nil).
func inScope(all []corev1.Namespace, scope []string) []corev1.Namespace {
	if scope == nil {
		return all
	}
	var out []corev1.Namespace
	for _, n := range all {
		if slices.Contains(scope, n.Name) {
			out = append(out, n)
		}
	}
	return out
}

// podNetwork reads the cluster's pod network: kubeadm's podSubnet (kind
// and kubeadm clusters keep it in ConfigMap kube-system/kubeadm-config),
// the range kube-proxy and the CNI treat as the pod network. nil when the
// cluster does not say (or cannot be read): the model then takes the
// nodes' pod CIDRs.
func podNetwork(ctx context.Context, c *Clients) []netip.Prefix {
	cm, err := c.Kube.CoreV1().ConfigMaps("kube-system").Get(ctx, "kubeadm-config", metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return kubeadmPodSubnet(cm.Data["ClusterConfiguration"])
}

// kubeadmPodSubnet reads networking.podSubnet (comma-separated CIDRs) from
// a kubeadm ClusterConfiguration.
func kubeadmPodSubnet(cfg string) []netip.Prefix {
	var cc struct {
		Networking struct {
			PodSubnet string `json:"podSubnet"`
		} `json:"networking"`
	}
	if err := yaml.Unmarshal([]byte(cfg), &cc); err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, c := range strings.Split(cc.Networking.PodSubnet, ",") {
		if p, err := netip.ParsePrefix(strings.TrimSpace(c)); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// withoutProbePods drops ckadlab's probe pods and their endpoints.
func withoutProbePods(o netmodel.Objects) netmodel.Objects {
	probePods := map[string]bool{}
	pods := o.Pods[:0:0]
	for _, p := range o.Pods {
		if p.Labels[probeRoleLabel] != "" || p.Annotations[probeForAnnot] != "" {
			probePods[p.Namespace+"/"+p.Name] = true
			continue
		}
		pods = append(pods, p)
	}
	o.Pods = pods
	if len(probePods) == 0 {
		return o
	}
	slices := make([]discoveryv1.EndpointSlice, 0, len(o.EndpointSlices))
	for _, es := range o.EndpointSlices {
		es := *es.DeepCopy()
		eps := es.Endpoints[:0]
		for _, e := range es.Endpoints {
			if e.TargetRef != nil && probePods[es.Namespace+"/"+e.TargetRef.Name] {
				continue
			}
			eps = append(eps, e)
		}
		es.Endpoints = eps
		slices = append(slices, es)
	}
	o.EndpointSlices = slices
	return o
}

// newestChange is the latest moment any object the probes depend on was
// created or changed (server-side times have a resolution of one second).
func newestChange(o netmodel.Objects) time.Time {
	var t time.Time
	see := func(m metav1.ObjectMeta) {
		if c := changedAt(m); c.After(t) {
			t = c
		}
	}
	for _, p := range o.NetworkPolicies {
		see(p.ObjectMeta)
	}
	for _, n := range o.Namespaces {
		see(n.ObjectMeta)
	}
	for _, s := range o.Services {
		see(s.ObjectMeta)
	}
	for _, s := range o.EndpointSlices {
		see(s.ObjectMeta)
	}
	for _, i := range o.Ingresses {
		see(i.ObjectMeta)
	}
	for _, p := range o.Pods {
		see(p.ObjectMeta)
		for _, c := range p.Status.Conditions {
			if c.LastTransitionTime.After(t) {
				t = c.LastTransitionTime.Time
			}
		}
	}
	return t
}

// changedAt is when an object was created or last changed (by any field
// manager).
func changedAt(m metav1.ObjectMeta) time.Time {
	t := m.CreationTimestamp.Time
	for _, f := range m.ManagedFields {
		if f.Time != nil && f.Time.After(t) {
			t = f.Time.Time
		}
	}
	return t
}

// buildSnapshot builds the model from the objects. external is the
// address outside probes come from (the model's ExternalClient); podNet
// is the cluster's pod network (nil: the model takes the nodes' pod
// CIDRs), against which the model, like NetworkPolicy live, tells pinned
// pods (host stand-ins) from pods.
func buildSnapshot(o netmodel.Objects, pinned []PinnedPod, external netip.Addr, podNet []netip.Prefix) *snapshot {
	s := &snapshot{taken: time.Now(), pinned: map[string]PinnedPod{}}
	o = withoutProbePods(o)
	for _, p := range pinned {
		key := p.Pod.Namespace + "/" + p.Pod.Name
		s.pinned[key] = p
		// The stand-in replaces the pod: the model sees the pod the lab
		// describes, at the address the lab pins.
		kept := o.Pods[:0:0]
		for _, q := range o.Pods {
			if q.Namespace+"/"+q.Name != key {
				kept = append(kept, q)
			}
		}
		o.Pods = append(kept, p.modelPod())
	}
	s.objs = o
	opts := netmodel.Options{PodNetwork: podNet}
	if external.IsValid() {
		opts.ExternalClient = external
	}
	s.model = netmodel.New(o, opts)
	return s
}

// WaitSettled waits until the cluster has settled after the latest change
// to the objects probes depend on (as a check's first probe would), and
// returns how long it waited. The snapshot read meanwhile is dropped: the
// next probe reads the cluster again.
func (b *Backend) WaitSettled(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	_, err := b.settledSnapshot(ctx)
	b.Refresh()
	return time.Since(start), err
}
