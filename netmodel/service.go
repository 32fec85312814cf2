package netmodel

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// This file models what kube-proxy does with a Service: which port a client
// names, which ready endpoints (from EndpointSlices) it DNATs to, and where
// node ports and load balancer addresses lead.

// endpoint is one backend of a Service port after DNAT.
type endpoint struct {
	pod  *corev1.Pod // nil when the address is not a known pod
	ip   netip.Addr
	port int    // target port on the backend
	node string // node of the endpoint ("" when unknown)
}

func (e endpoint) key() string {
	if e.pod != nil {
		return podKey(e.pod)
	}
	return e.ip.String()
}

func svcKey(s *corev1.Service) string { return s.Namespace + "/" + s.Name }

func portString(sp *corev1.ServicePort) string {
	return fmt.Sprintf("%d/%s", sp.Port, protoOr(sp.Protocol))
}

func servicePorts(s *corev1.Service) string {
	var ps []string
	for i := range s.Spec.Ports {
		sp := &s.Spec.Ports[i]
		p := portString(sp)
		if sp.Name != "" {
			p = sp.Name + " " + p
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return "no ports"
	}
	return strings.Join(ps, ", ")
}

// refusal is a probe that ends before reaching a backend; it becomes a
// Result with Allowed=false.
type refusal struct {
	outcome probe.Outcome
	summary string   // the first line of the reasons
	reasons []string // details
}

func (r *refusal) Error() string { return r.summary }

func refuse(o probe.Outcome, summary string, reasons ...string) *refusal {
	return &refusal{outcome: o, summary: summary, reasons: reasons}
}

// servicePort finds the Service port a probe names: by number (the Service
// port, not the targetPort) or by name, with the probe's protocol. A zero
// port picks the only port of that protocol. Naming a port that does not
// exist is an error in the probe; a number the Service does not expose is a
// refusal, since that is what a client would experience.
func (m *Model) servicePort(s *corev1.Service, p probe.Port, proto corev1.Protocol) (*corev1.ServicePort, error) {
	var same []*corev1.ServicePort
	for i := range s.Spec.Ports {
		sp := &s.Spec.Ports[i]
		if protoOr(sp.Protocol) == proto {
			same = append(same, sp)
		}
	}
	switch {
	case p.Name != "":
		for _, sp := range same {
			if sp.Name == p.Name {
				return sp, nil
			}
		}
		return nil, fmt.Errorf("no %s port named %q on Service %s (it has %s)", proto, p.Name, svcKey(s), servicePorts(s))
	case p.Number == 0:
		if len(same) == 1 {
			return same[0], nil
		}
		return nil, fmt.Errorf("the probe must name a port: Service %s has %d %s ports (%s)", svcKey(s), len(same), proto, servicePorts(s))
	}
	for _, sp := range same {
		if int(sp.Port) == p.Number {
			return sp, nil
		}
	}
	r := refuse(probe.Refused, fmt.Sprintf("Refused: Service %s has no port %d/%s (it has %s).", svcKey(s), p.Number, proto, servicePorts(s)))
	if sp := m.targetPortOf(s, p.Number, proto); sp != nil {
		r.reasons = append(r.reasons, fmt.Sprintf("%d is the targetPort of its port %d: clients connect to the Service port, kube-proxy translates it to the targetPort", p.Number, sp.Port))
	}
	return nil, r
}

// targetPortOf returns the Service port whose targetPort is n (a number,
// or a named port that resolves to n on some endpoint).
func (m *Model) targetPortOf(s *corev1.Service, n int, proto corev1.Protocol) *corev1.ServicePort {
	for i := range s.Spec.Ports {
		sp := &s.Spec.Ports[i]
		if protoOr(sp.Protocol) != proto {
			continue
		}
		if sp.TargetPort.IntValue() == n {
			return sp
		}
		if sp.TargetPort.IntValue() == 0 {
			for _, e := range m.endpoints(s, sp) {
				if e.port == n {
					return sp
				}
			}
		}
	}
	return nil
}

// endpoints lists the ready backends of a Service port from the
// EndpointSlices labelled with the Service name: the slice port named like
// the Service port gives the target port (named targetPorts are resolved
// per pod by the EndpointSlice controller). Sorted by pod, deduplicated.
func (m *Model) endpoints(s *corev1.Service, sp *corev1.ServicePort) []endpoint {
	slices := append([]*discoveryv1.EndpointSlice(nil), m.slices[svcKey(s)]...)
	sort.Slice(slices, func(i, j int) bool { return slices[i].Name < slices[j].Name })
	seen := map[string]bool{}
	var out []endpoint
	for _, es := range slices {
		if es.AddressType == discoveryv1.AddressTypeFQDN {
			continue
		}
		port := -1
		for _, p := range es.Ports {
			name := ""
			if p.Name != nil {
				name = *p.Name
			}
			proto := corev1.ProtocolTCP
			if p.Protocol != nil {
				proto = *p.Protocol
			}
			if name == sp.Name && proto == protoOr(sp.Protocol) && p.Port != nil {
				port = int(*p.Port)
			}
		}
		if port < 0 {
			continue
		}
		for _, ep := range es.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				ip, err := netip.ParseAddr(a)
				if err != nil {
					continue
				}
				e := endpoint{ip: ip, port: port}
				if ep.TargetRef != nil && ep.TargetRef.Kind == "Pod" {
					ns := ep.TargetRef.Namespace
					if ns == "" {
						ns = es.Namespace
					}
					e.pod = m.runningPod(ns, ep.TargetRef.Name)
				}
				if e.pod == nil {
					e.pod = m.podByIP[a]
				}
				if ep.NodeName != nil {
					e.node = *ep.NodeName
				} else if e.pod != nil {
					e.node = e.pod.Spec.NodeName
				}
				k := fmt.Sprintf("%s:%d", e.key(), port)
				if seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, e)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.pod == nil) != (b.pod == nil) {
			return a.pod != nil
		}
		if a.pod != nil && a.pod != b.pod {
			return podKey(a.pod) < podKey(b.pod)
		}
		if a.ip != b.ip {
			return a.ip.Less(b.ip)
		}
		return a.port < b.port
	})
	return out
}

// runningPod returns a pod that is Running with an IP, or nil.
func (m *Model) runningPod(ns, name string) *corev1.Pod {
	p := m.podByKey[ns+"/"+name]
	if p == nil || p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
		return nil
	}
	return p
}

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return labels.Set(l).String()
}

// whyNoEndpoints explains an empty endpoint list the way a person debugging
// `kubectl get endpointslices` would.
func (m *Model) whyNoEndpoints(s *corev1.Service, sp *corev1.ServicePort) string {
	key := svcKey(s)
	if len(s.Spec.Selector) == 0 {
		if len(m.slices[key]) == 0 {
			return fmt.Sprintf("Service %s has no selector, so Kubernetes creates no endpoints for it; add a selector or create an EndpointSlice labelled %s=%s", key, discoveryv1.LabelServiceName, s.Name)
		}
		return fmt.Sprintf("Service %s has no selector and its hand-made EndpointSlices list no ready address for port %s", key, portName(sp))
	}
	sel := labels.SelectorFromSet(s.Spec.Selector)
	var matching, notRunning, probeFails []string
	others := map[string]bool{}
	for _, p := range m.objs.Pods {
		if p.Namespace != s.Namespace {
			continue
		}
		if !sel.Matches(labels.Set(p.Labels)) {
			others[formatLabels(p.Labels)] = true
			continue
		}
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			phase := string(p.Status.Phase)
			if phase == "" {
				phase = "not scheduled"
			}
			notRunning = append(notRunning, fmt.Sprintf("%s is %s", p.Name, phase))
			continue
		}
		matching = append(matching, p.Name)
		if !PodReady(&p) {
			if ev := PodReadiness(&p, p.Status.PodIP).Events(); len(ev) > 0 {
				probeFails = append(probeFails, fmt.Sprintf("%s: %s", p.Name, strings.Join(ev, "; ")))
			}
		}
	}
	selStr := formatLabels(s.Spec.Selector)
	switch {
	case len(matching) > 0:
		sort.Strings(matching)
		msg := fmt.Sprintf("Service %s has no ready endpoints for port %s: pods %s match its selector %s but are not ready or not listed in its EndpointSlices", key, portName(sp), strings.Join(matching, ", "), selStr)
		if len(probeFails) > 0 {
			sort.Strings(probeFails)
			msg += fmt.Sprintf("; their readinessProbe fails (%s), and a pod that is not ready is not a Service endpoint", strings.Join(probeFails, "; "))
		}
		return msg
	case len(notRunning) > 0:
		sort.Strings(notRunning)
		return fmt.Sprintf("Service %s has no endpoints: the pods its selector %s matches are not running (%s)", key, selStr, strings.Join(notRunning, ", "))
	case len(others) == 0:
		return fmt.Sprintf("Service %s has no endpoints: its selector %s matches no running pod in %s; there are no pods in %s", key, selStr, s.Namespace, s.Namespace)
	}
	var ls []string
	for l := range others {
		ls = append(ls, l)
	}
	sort.Strings(ls)
	if len(ls) > 4 {
		ls = append(ls[:4], "…")
	}
	return fmt.Sprintf("Service %s has no endpoints: its selector %s matches no running pod in %s; pods there have labels %s", key, selStr, s.Namespace, strings.Join(ls, "; "))
}

func portName(sp *corev1.ServicePort) string {
	if sp.Name != "" {
		return sp.Name + " (" + portString(sp) + ")"
	}
	return portString(sp)
}

// node is a node with its InternalIP.
type node struct {
	name string
	ip   netip.Addr
}

// nodes returns the nodes that have an InternalIP, sorted by name.
func (m *Model) nodeList() []node {
	var out []node
	for _, n := range m.nodes {
		for _, a := range n.Status.Addresses {
			if a.Type != corev1.NodeInternalIP {
				continue
			}
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				out = append(out, node{name: n.Name, ip: ip})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (m *Model) nodeByIP(ip netip.Addr) (node, bool) {
	for _, n := range m.nodeList() {
		if n.ip == ip {
			return n, true
		}
	}
	return node{}, false
}

func (m *Model) nodeByName(name string) (node, bool) {
	for _, n := range m.nodeList() {
		if n.name == name {
			return n, true
		}
	}
	return node{}, false
}

// podNode is the node a pod runs on (the first node when unknown).
func (m *Model) podNode(p *corev1.Pod) (node, bool) {
	if n, ok := m.nodeByName(p.Spec.NodeName); ok {
		return n, true
	}
	ns := m.nodeList()
	if len(ns) == 0 {
		return node{}, false
	}
	return ns[0], true
}

// sortedServices returns the Services sorted by namespace/name.
func (m *Model) sortedServices() []*corev1.Service {
	out := make([]*corev1.Service, 0, len(m.services))
	for _, s := range m.services {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return svcKey(out[i]) < svcKey(out[j]) })
	return out
}

// serviceByClusterIP finds the Service with that ClusterIP.
func (m *Model) serviceByClusterIP(ip netip.Addr) *corev1.Service {
	for _, s := range m.sortedServices() {
		for _, c := range append([]string{s.Spec.ClusterIP}, s.Spec.ClusterIPs...) {
			if a, err := netip.ParseAddr(c); err == nil && a == ip {
				return s
			}
		}
	}
	return nil
}

// serviceByNodePort finds the NodePort or LoadBalancer Service port that
// allocated nodePort n for proto.
func (m *Model) serviceByNodePort(n int, proto corev1.Protocol) (*corev1.Service, *corev1.ServicePort) {
	for _, s := range m.sortedServices() {
		if s.Spec.Type != corev1.ServiceTypeNodePort && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		for i := range s.Spec.Ports {
			sp := &s.Spec.Ports[i]
			if int(sp.NodePort) == n && protoOr(sp.Protocol) == proto {
				return s, sp
			}
		}
	}
	return nil, nil
}

// lbAddress returns the first load balancer ingress IP of a Service.
func lbAddress(s *corev1.Service) (netip.Addr, string, bool) {
	for _, in := range s.Status.LoadBalancer.Ingress {
		if ip, err := netip.ParseAddr(in.IP); err == nil {
			return ip, "", true
		}
		if in.Hostname != "" {
			return netip.Addr{}, in.Hostname, true
		}
	}
	return netip.Addr{}, "", false
}

// serviceByExternalAddr finds the Service port that kube-proxy serves on an
// external address (a load balancer ingress IP or a spec.externalIPs entry)
// and port.
func (m *Model) serviceByExternalAddr(ip netip.Addr, port int, proto corev1.Protocol) (*corev1.Service, *corev1.ServicePort, string) {
	for _, s := range m.sortedServices() {
		kind := ""
		if s.Spec.Type == corev1.ServiceTypeLoadBalancer {
			for _, in := range s.Status.LoadBalancer.Ingress {
				if a, err := netip.ParseAddr(in.IP); err == nil && a == ip {
					kind = "load balancer address"
				}
			}
		}
		for _, e := range s.Spec.ExternalIPs {
			if a, err := netip.ParseAddr(e); err == nil && a == ip && kind == "" {
				kind = "external IP"
			}
		}
		if kind == "" {
			continue
		}
		for i := range s.Spec.Ports {
			sp := &s.Spec.Ports[i]
			if int(sp.Port) == port && protoOr(sp.Protocol) == proto {
				return s, sp, kind
			}
		}
	}
	return nil, nil, ""
}

// isExternalAddr reports whether ip is a load balancer or external IP of
// any Service.
func (m *Model) isExternalAddr(ip netip.Addr) bool {
	for _, s := range m.sortedServices() {
		for _, in := range s.Status.LoadBalancer.Ingress {
			if a, err := netip.ParseAddr(in.IP); err == nil && a == ip {
				return true
			}
		}
		for _, e := range s.Spec.ExternalIPs {
			if a, err := netip.ParseAddr(e); err == nil && a == ip {
				return true
			}
		}
	}
	return false
}

// hostPortPod finds a running pod on node n that publishes hostPort port
// (CNI portmap) or listens on it with hostNetwork.
func (m *Model) hostPortPod(n node, port int, proto corev1.Protocol) (*corev1.Pod, int, bool) {
	for _, p := range m.pods {
		if p.Spec.NodeName != "" && p.Spec.NodeName != n.name {
			continue
		}
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if int(cp.HostPort) == port && protoOr(cp.Protocol) == proto {
					return p, int(cp.ContainerPort), true
				}
			}
		}
		if p.Spec.HostNetwork {
			if r := checkListen(p, port, proto, false); r.ok {
				return p, port, true
			}
		}
	}
	return nil, 0, false
}

// headless reports whether a Service has no ClusterIP.
func headless(s *corev1.Service) bool {
	return s.Spec.ClusterIP == corev1.ClusterIPNone
}

func externalPolicyLocal(s *corev1.Service) bool {
	return s.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}
