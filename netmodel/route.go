package netmodel

import (
	"net/netip"
	"slices"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
)

// This file exposes the route a probe takes through the model, so that a
// live backend sends the very same traffic and adds only what the data
// plane decides (which process sends it, whether packets really flow): a
// live verdict that differs from the model's then points at the data
// plane, never at a second reading of the objects.

// Route is the way one probe's traffic takes through the model.
type Route struct {
	// Result is the model's verdict, as Probe returns it.
	Result probe.Result
	// Source is where the traffic starts.
	Source Source
	// Entry is where the client sends the traffic.
	Entry Entry
	// Service is the Service whose endpoints receive the traffic (after
	// ExternalName CNAMEs; through the ingress controller, the backend
	// Service the request was routed to); nil when none does.
	Service *corev1.Service
	// Hops are the connections the traffic makes, in order: one, or two
	// through the ingress controller (the client to a controller pod, the
	// controller to the backend Service's endpoints). None when the model
	// stopped the probe before a connection (a Service without endpoints,
	// a pod IP from outside the cluster ...).
	Hops []Hop
	// Reach are the pods the traffic may reach: every hop's backend pods
	// or, when no hop got that far, the ready pods of Service.
	Reach []*corev1.Pod
	// Policed reports whether a NetworkPolicy applies to the traffic: one
	// selects a sending pod (the client, the ingress controller) for
	// egress or a pod of Reach for ingress. Only then can packets that
	// vanish be a policy's doing.
	Policed bool
	// Notes explain the routing, in order (they are among Result.Reasons).
	Notes []string
}

// Source is where a probe's traffic starts.
type Source struct {
	Kind probe.SourceKind
	Pod  *corev1.Pod // the sending pod (probe.FromPod)
	Node string      // the node whose InternalIP an ip: source has ("" when none)
}

// Entry is where the client sends the traffic, as it names it: a pod IP,
// a ClusterIP, a DNS name the client resolves (a dns: target, a headless
// Service's name, an ExternalName's CNAME target), a node address, a load
// balancer address or an external IP.
type Entry struct {
	// Host is the address or DNS name; "" when there is nothing to send
	// traffic to (the target does not exist, a pod has no IP, a Service
	// has no load balancer address ...).
	Host string
	// Port is the port the client connects to; 0 when the probe names
	// none and the model stopped before it could tell.
	Port int
	// Node is the node whose InternalIP Host is (a node port, a node's
	// address); "" otherwise.
	Node string
	// Via is the node address the network in front of the cluster routes
	// Host through when Host is a Service's external IP that no node owns
	// (invalid otherwise), and ViaNode that node's name.
	Via     netip.Addr
	ViaNode string
}

// Hop is one connection of a route.
type Hop struct {
	// From is the sender as NetworkPolicy sees it before any NAT.
	From Peer
	// Service is the Service whose endpoints are the backends (nil: the
	// client addressed a pod or a node directly).
	Service *corev1.Service
	// Backends are where the packets may go (after DNAT), with the model's
	// verdict on each.
	Backends []Backend
}

// Backend is one destination of a hop.
type Backend struct {
	Pod  *corev1.Pod // nil: an address that is no pod of the cluster
	IP   netip.Addr
	Port int    // on the backend, after DNAT
	Node string // "" when unknown
	// Policy is NetworkPolicy's verdict on the packet (zero when the
	// backend is no pod).
	Policy Decision
	// Listening: something listens on Port, as far as the model can tell
	// (false when NetworkPolicy drops the packet first).
	Listening bool
}

// hop is a connection the prober evaluated.
type hop struct {
	c  *conn
	rs []legResult
}

// Route carries a probe through the model, like Probe, and returns the way
// its traffic takes with the verdict. Its errors are Probe's.
func (m *Model) Route(spec probe.Spec) (*Route, error) {
	pr, res, err := m.run(spec)
	if err != nil {
		return nil, err
	}
	r := &Route{
		Result:  res,
		Source:  Source{Kind: pr.client.kind, Pod: pr.client.pod},
		Entry:   pr.entry,
		Service: m.services[res.Service],
		Notes:   slices.Clone(pr.notes),
	}
	if pr.client.kind == probe.FromIP {
		if n, ok := m.nodeByIP(pr.client.peer.IP); ok {
			r.Source.Node = n.name
		}
	}
	senders := []*corev1.Pod{pr.client.pod}
	seen := map[*corev1.Pod]bool{}
	for _, h := range pr.hops {
		rh := Hop{From: h.c.sender, Service: h.c.svc}
		senders = append(senders, h.c.sender.Pod)
		for _, l := range h.rs {
			rh.Backends = append(rh.Backends, Backend{Pod: l.ep.pod, IP: l.ep.ip, Port: l.ep.port, Node: l.ep.node, Policy: l.policy, Listening: l.listen.ok})
			if l.ep.pod != nil && !seen[l.ep.pod] {
				seen[l.ep.pod] = true
				r.Reach = append(r.Reach, l.ep.pod)
			}
		}
		r.Hops = append(r.Hops, rh)
	}
	if len(r.Hops) == 0 && r.Service != nil {
		for _, e := range m.readyAddresses(r.Service) {
			if e.pod != nil {
				r.Reach = append(r.Reach, e.pod)
			}
		}
	}
	for _, p := range senders {
		r.Policed = r.Policed || m.isolated(p, polEgress)
	}
	for _, p := range r.Reach {
		r.Policed = r.Policed || m.isolated(p, polIngress)
	}
	return r, nil
}

// isolated reports whether a NetworkPolicy selects the pod for the
// direction (never a host, a host-network pod or a pod that is not
// running).
func (m *Model) isolated(p *corev1.Pod, d polDir) bool {
	i, ok := m.podIndex[p]
	return ok && len(m.pol.selects[d][i]) > 0
}

// enter records where the client sends the traffic: the first address the
// route names (a DNS name, not the Service it resolves to) and the first
// port it knows. An empty host or a zero port records nothing.
func (pr *prober) enter(host string, port int) {
	if pr.entry.Host == "" {
		pr.entry.Host = host
	}
	if pr.entry.Port == 0 {
		pr.entry.Port = port
	}
}

// enterNode records a node's address as the entry.
func (pr *prober) enterNode(n node, port int) {
	pr.enter(n.ip.String(), port)
	if pr.entry.Host == n.ip.String() {
		pr.entry.Node = n.name
	}
}

// enterVia records that the network in front of the cluster routes ip,
// a Service's external IP that no node owns, through the first node.
func (pr *prober) enterVia(ip netip.Addr) {
	if pr.entry.Host != ip.String() || !pr.m.inExternalIPs(ip) {
		return
	}
	if n, ok := pr.firstNode(); ok {
		pr.entry.Via, pr.entry.ViaNode = n.ip, n.name
	}
}

// enterExternal records the address traffic enters a Service through
// from outside (kind as entryKind names it), unless the route named one
// already.
func (pr *prober) enterExternal(s *corev1.Service, sp *corev1.ServicePort, n node, kind string) {
	switch kind {
	case "node port":
		pr.enterNode(n, int(sp.NodePort))
	case "load balancer address":
		if ip, _, ok := lbAddress(s); ok && ip.IsValid() {
			pr.enter(ip.String(), int(sp.Port))
		}
	}
}

// inExternalIPs reports whether ip is in some Service's spec.externalIPs.
func (m *Model) inExternalIPs(ip netip.Addr) bool {
	for _, s := range m.services {
		for _, e := range s.Spec.ExternalIPs {
			if a, err := netip.ParseAddr(e); err == nil && a == ip {
				return true
			}
		}
	}
	return false
}

// PodAt returns the running pod with that IP (not a host-network pod), or
// nil.
func (m *Model) PodAt(ip netip.Addr) *corev1.Pod { return m.podByIP[ip.String()] }

// ServiceAt returns the Service with that ClusterIP, or nil.
func (m *Model) ServiceAt(ip netip.Addr) *corev1.Service { return m.serviceByClusterIP(ip) }
