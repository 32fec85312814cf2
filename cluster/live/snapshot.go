package live

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/netmodel"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// snapshot is the cluster's objects at one moment, the offline model built
// from them, and indexes the live prober needs.
type snapshot struct {
	objs     netmodel.Objects
	model    *netmodel.Model
	taken    time.Time
	pods     map[string]*corev1.Pod // ns/name, including pinned stand-ins
	services map[string]*corev1.Service
	podByIP  map[string]*corev1.Pod
	nsLabels map[string]map[string]string
	pinned   map[string]PinnedPod // ns/name
}

// probeRoleLabel marks ckadlab's own probe pods; they are left out of
// snapshots (they copy a source pod's labels but are never endpoints).
const (
	probeRoleLabel = "ckadlab.io/probe"
	probeForAnnot  = "ckadlab.io/probe-for"
)

// listAll reads everything the model needs, concurrently.
func listAll(ctx context.Context, c *Clients) (netmodel.Objects, error) {
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
			o.Namespaces = l.Items
		}
		return err
	})
	run("pods", func() error {
		l, err := c.Kube.CoreV1().Pods("").List(ctx, lo)
		if err == nil {
			o.Pods = l.Items
		}
		return err
	})
	run("services", func() error {
		l, err := c.Kube.CoreV1().Services("").List(ctx, lo)
		if err == nil {
			o.Services = l.Items
		}
		return err
	})
	run("endpointslices", func() error {
		l, err := c.Kube.DiscoveryV1().EndpointSlices("").List(ctx, lo)
		if err == nil {
			o.EndpointSlices = l.Items
		}
		return err
	})
	run("networkpolicies", func() error {
		l, err := c.Kube.NetworkingV1().NetworkPolicies("").List(ctx, lo)
		if err == nil {
			o.NetworkPolicies = l.Items
		}
		return err
	})
	run("ingresses", func() error {
		l, err := c.Kube.NetworkingV1().Ingresses("").List(ctx, lo)
		if err == nil {
			o.Ingresses = l.Items
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
	run("deployments", func() error {
		l, err := c.Kube.AppsV1().Deployments("").List(ctx, lo)
		if err == nil {
			o.Deployments = l.Items
		}
		return err
	})
	wg.Wait()
	return o, firstErr
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
		if m.CreationTimestamp.After(t) {
			t = m.CreationTimestamp.Time
		}
		for _, f := range m.ManagedFields {
			if f.Time != nil && f.Time.After(t) {
				t = f.Time.Time
			}
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

// buildSnapshot indexes objects and builds the model. external is the
// address outside probes come from (the model's ExternalClient); podNet
// is the cluster's pod network (nil: the model takes the nodes' pod
// CIDRs), against which the model, like NetworkPolicy live, tells pinned
// pods (host stand-ins) from pods.
func buildSnapshot(o netmodel.Objects, pinned []PinnedPod, external netip.Addr, podNet []netip.Prefix) *snapshot {
	s := &snapshot{
		taken:    time.Now(),
		pods:     map[string]*corev1.Pod{},
		services: map[string]*corev1.Service{},
		podByIP:  map[string]*corev1.Pod{},
		nsLabels: map[string]map[string]string{},
		pinned:   map[string]PinnedPod{},
	}
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
	for i := range o.Pods {
		p := &o.Pods[i]
		s.pods[p.Namespace+"/"+p.Name] = p
		if p.Status.PodIP != "" && !p.Spec.HostNetwork && p.Status.Phase == corev1.PodRunning {
			s.podByIP[p.Status.PodIP] = p
		}
	}
	for i := range o.Services {
		sv := &o.Services[i]
		s.services[sv.Namespace+"/"+sv.Name] = sv
	}
	for _, n := range o.Namespaces {
		s.nsLabels[n.Name] = n.Labels
	}
	opts := netmodel.Options{PodNetwork: podNet}
	if external.IsValid() {
		opts.ExternalClient = external
	}
	s.model = netmodel.New(o, opts)
	return s
}

// selected reports whether a NetworkPolicy of the pod's namespace selects
// it for the direction ("Ingress" or "Egress").
func (s *snapshot) selected(p *corev1.Pod, dir networkingv1.PolicyType) bool {
	if p == nil || p.Spec.HostNetwork || s.model.IsHost(p) {
		// No NetworkPolicy selects a host (a pinned pod's stand-in).
		return false
	}
	for _, np := range s.objs.NetworkPolicies {
		if np.Namespace != p.Namespace || !hasType(&np, dir) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err == nil && sel.Matches(labels.Set(p.Labels)) {
			return true
		}
	}
	return false
}

// hasType reports whether a NetworkPolicy isolates direction t (with the
// API server's defaulting of policyTypes).
func hasType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	return slices.Contains(netmodel.PolicyTypes(np), t)
}

// endpointPods are the pods behind a Service's endpoints (all ports).
func (s *snapshot) endpointPods(svc *corev1.Service) []*corev1.Pod {
	var out []*corev1.Pod
	seen := map[string]bool{}
	for _, es := range s.objs.EndpointSlices {
		if es.Namespace != svc.Namespace || es.Labels[discoveryv1.LabelServiceName] != svc.Name {
			continue
		}
		for _, e := range es.Endpoints {
			if e.TargetRef == nil || e.TargetRef.Kind != "Pod" {
				continue
			}
			key := es.Namespace + "/" + e.TargetRef.Name
			if p := s.pods[key]; p != nil && !seen[key] {
				seen[key] = true
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ingressControllerPods are Traefik's pods.
func (s *snapshot) ingressControllerPods() []*corev1.Pod {
	ic := netmodel.DefaultIngressController
	sel, err := metav1.LabelSelectorAsSelector(&ic.Selector)
	if err != nil {
		return nil
	}
	var out []*corev1.Pod
	for i := range s.objs.Pods {
		p := &s.objs.Pods[i]
		if p.Namespace == ic.Namespace && sel.Matches(labels.Set(p.Labels)) && p.Status.Phase == corev1.PodRunning {
			out = append(out, p)
		}
	}
	return out
}

// nodeAddress is the InternalIP of the first node (by name), as the model
// picks it for node ports.
func (s *snapshot) nodeAddress() (netip.Addr, string, bool) {
	nodes := append([]corev1.Node(nil), s.objs.Nodes...)
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	for _, n := range nodes {
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				if ip, err := netip.ParseAddr(a.Address); err == nil && ip.Is4() {
					return ip, n.Name, true
				}
			}
		}
	}
	return netip.Addr{}, "", false
}

// nodeByIP finds a node with that InternalIP.
func (s *snapshot) nodeByIP(ip netip.Addr) (*corev1.Node, bool) {
	for i := range s.objs.Nodes {
		for _, a := range s.objs.Nodes[i].Status.Addresses {
			if a.Address == ip.String() {
				return &s.objs.Nodes[i], true
			}
		}
	}
	return nil, false
}

func deploymentOf(o netmodel.Objects, p *corev1.Pod) *appsv1.Deployment {
	for _, ref := range p.OwnerReferences {
		if ref.Kind != "ReplicaSet" {
			continue
		}
		name := ref.Name
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		for i := range o.Deployments {
			if o.Deployments[i].Namespace == p.Namespace && o.Deployments[i].Name == name {
				return &o.Deployments[i]
			}
		}
	}
	return nil
}

// isExternalIP reports whether ip is in a Service's spec.externalIPs.
func (s *snapshot) isExternalIP(ip netip.Addr) bool {
	for _, svc := range s.services {
		for _, e := range svc.Spec.ExternalIPs {
			if a, err := netip.ParseAddr(e); err == nil && a == ip {
				return true
			}
		}
	}
	return false
}
