// Package netmodel is the offline network model: given the objects of a
// cluster it decides, with reasons, whether a probe's packets flow. It
// models Service DNAT to endpoints, NetworkPolicy on the source's egress and
// the destination's ingress, DNS, node ports, load balancers and Ingress
// routing through the ingress controller. It is pure: no I/O, no clock.
package netmodel

import (
	"net/netip"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Objects is a snapshot of what the model needs, as read back from an API
// server: defaulted objects with status (pod IPs, ClusterIPs, node ports,
// load balancer addresses) filled in.
type Objects struct {
	Nodes           []corev1.Node
	Namespaces      []corev1.Namespace
	Pods            []corev1.Pod
	Services        []corev1.Service
	EndpointSlices  []discoveryv1.EndpointSlice
	NetworkPolicies []networkingv1.NetworkPolicy
	Ingresses       []networkingv1.Ingress
	IngressClasses  []networkingv1.IngressClass
	// Secrets are read for the certificates of Ingress spec.tls (HTTPS
	// probes); nil means they were not read, and the model then does not
	// say which certificate the ingress controller presents.
	Secrets []corev1.Secret
	// Deployments are not needed for verdicts; they are carried so that
	// messages can name a pod's owner.
	Deployments []appsv1.Deployment
}

// IngressController says which pods serve Ingress objects of a class, and
// through which Service they are exposed.
type IngressController struct {
	Class     string               // IngressClass name, e.g. "traefik"
	Namespace string               // controller namespace, e.g. "traefik"
	Selector  metav1.LabelSelector // controller pods
	Service   string               // Service (in Namespace) that exposes the controller, e.g. "traefik"
}

// Options tune the model to a cluster.
type Options struct {
	ClusterDomain     string // default "cluster.local"
	DNSNamespace      string // default "kube-system"
	DNSService        string // default "kube-dns"
	IngressController IngressController
	// ExternalClient is the address of a client outside the cluster as a
	// backend sees it when nothing masquerades the traffic
	// (externalTrafficPolicy: Local). Default 172.18.0.1, the gateway of
	// kind's docker network.
	ExternalClient netip.Addr
	// PodNetwork is the cluster's pod network (kube-controller-manager's
	// --cluster-cidr; offline and on kind 10.244.0.0/16). A running pod
	// whose IP lies outside it (a lab pins status.podIP to place a VM or
	// a backup server at an address) is a host, not a pod, for
	// NetworkPolicy: only ipBlock peers match it and no policy selects it
	// (see IsHost). Empty: the nodes' spec.podCIDRs; with neither, every
	// pod is a pod.
	PodNetwork []netip.Prefix
}

// DefaultIngressController is the Traefik add-on ckadlab installs (and the
// offline cluster imitates).
var DefaultIngressController = IngressController{
	Class:     "traefik",
	Namespace: "traefik",
	Selector:  metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "traefik"}},
	Service:   "traefik",
}

// Model answers probes about one snapshot of objects. Build it with New; it
// is safe for concurrent use once built.
type Model struct {
	opts Options

	nodes      []*corev1.Node
	namespaces map[string]*corev1.Namespace
	pods       []*corev1.Pod                           // running pods with an IP, sorted by namespace/name
	podByKey   map[string]*corev1.Pod                  // "ns/name" (all pods, also not running)
	podByIP    map[string]*corev1.Pod                  // pod IP -> pod (hostNetwork pods excluded)
	podIndex   map[*corev1.Pod]int                     // position in pods
	services   map[string]*corev1.Service              // "ns/name"
	slices     map[string][]*discoveryv1.EndpointSlice // by "ns/service-name"
	ingresses  []*networkingv1.Ingress
	classes    map[string]*networkingv1.IngressClass
	objs       Objects
	podNet     []netip.Prefix // the pod network (Options.PodNetwork, else the nodes' pod CIDRs)

	pol *policyIndex // NetworkPolicy evaluation (policy.go)
}

// New indexes a snapshot. The Objects are not modified and must not be
// modified while the Model is in use.
func New(o Objects, opts Options) *Model {
	if opts.ClusterDomain == "" {
		opts.ClusterDomain = "cluster.local"
	}
	if opts.DNSNamespace == "" {
		opts.DNSNamespace = "kube-system"
	}
	if opts.DNSService == "" {
		opts.DNSService = "kube-dns"
	}
	if opts.IngressController.Class == "" {
		opts.IngressController = DefaultIngressController
	}
	m := &Model{
		opts:       opts,
		namespaces: make(map[string]*corev1.Namespace, len(o.Namespaces)),
		podByKey:   make(map[string]*corev1.Pod, len(o.Pods)),
		podByIP:    make(map[string]*corev1.Pod, len(o.Pods)),
		podIndex:   make(map[*corev1.Pod]int, len(o.Pods)),
		services:   make(map[string]*corev1.Service, len(o.Services)),
		slices:     map[string][]*discoveryv1.EndpointSlice{},
		classes:    map[string]*networkingv1.IngressClass{},
		objs:       o,
	}
	for i := range o.Nodes {
		m.nodes = append(m.nodes, &o.Nodes[i])
	}
	m.podNet = podNetwork(opts.PodNetwork, o.Nodes)
	for i := range o.Namespaces {
		m.namespaces[o.Namespaces[i].Name] = &o.Namespaces[i]
	}
	for i := range o.Pods {
		p := &o.Pods[i]
		m.podByKey[p.Namespace+"/"+p.Name] = p
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			continue
		}
		if !p.Spec.HostNetwork {
			m.podByIP[p.Status.PodIP] = p
		}
		m.pods = append(m.pods, p)
	}
	sortPods(m.pods)
	for i, p := range m.pods {
		m.podIndex[p] = i
	}
	for i := range o.Services {
		s := &o.Services[i]
		m.services[s.Namespace+"/"+s.Name] = s
	}
	for i := range o.EndpointSlices {
		es := &o.EndpointSlices[i]
		svc := es.Labels[discoveryv1.LabelServiceName]
		if svc == "" {
			continue
		}
		k := es.Namespace + "/" + svc
		m.slices[k] = append(m.slices[k], es)
	}
	for i := range o.Ingresses {
		m.ingresses = append(m.ingresses, &o.Ingresses[i])
	}
	for i := range o.IngressClasses {
		m.classes[o.IngressClasses[i].Name] = &o.IngressClasses[i]
	}
	m.pol = newPolicyIndex(m, o.NetworkPolicies)
	return m
}

// Pods returns the running pods with an IP, sorted by namespace and name.
func (m *Model) Pods() []*corev1.Pod { return m.pods }

// Pod returns a pod by namespace and name (nil when unknown).
func (m *Model) Pod(ns, name string) *corev1.Pod { return m.podByKey[ns+"/"+name] }

// Namespace returns a namespace by name (nil when unknown).
func (m *Model) Namespace(name string) *corev1.Namespace { return m.namespaces[name] }

// IsHost reports whether NetworkPolicy sees a running pod as a host
// outside the cluster: its IP lies outside the pod network (a lab pinned
// status.podIP to place a VM at that address; live, a host stand-in plays
// it). Only ipBlock peers match it, no NetworkPolicy selects it, and it
// still listens where its containers listen.
func (m *Model) IsHost(p *corev1.Pod) bool {
	if p == nil || p.Spec.HostNetwork {
		return false
	}
	ip, err := netip.ParseAddr(p.Status.PodIP)
	return err == nil && outsidePodNetwork(m.podNet, ip)
}

// PodReady reports whether a pod is Running with its Ready condition true:
// what the EndpointSlice controller marks a ready endpoint, and what
// waiting for a lab's pods waits for.
func PodReady(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PodNetwork is the pod network the model judges pod IPs against (nil
// when it does not know it).
func (m *Model) PodNetwork() []netip.Prefix { return m.podNet }

// podNetwork is the configured pod network, else the nodes' pod CIDRs.
func podNetwork(cfg []netip.Prefix, nodes []corev1.Node) []netip.Prefix {
	var out []netip.Prefix
	add := func(p netip.Prefix) {
		if p.IsValid() {
			out = append(out, p.Masked())
		}
	}
	for _, p := range cfg {
		add(p)
	}
	if len(out) > 0 {
		return out
	}
	for _, n := range nodes {
		cidrs := n.Spec.PodCIDRs
		if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
			cidrs = []string{n.Spec.PodCIDR}
		}
		for _, c := range cidrs {
			if p, err := netip.ParsePrefix(c); err == nil {
				add(p)
			}
		}
	}
	return out
}

// outsidePodNetwork reports whether ip lies outside a pod network that
// has prefixes of its address family (an IPv6 address is not judged
// against an IPv4-only pod network).
func outsidePodNetwork(ps []netip.Prefix, ip netip.Addr) bool {
	ip = ip.Unmap()
	family := false
	for _, p := range ps {
		if p.Addr().Is4() != ip.Is4() {
			continue
		}
		family = true
		if p.Contains(ip) {
			return false
		}
	}
	return family
}
