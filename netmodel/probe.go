package netmodel

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
)

// Probe decides what happens to one probe: it resolves the target to the
// backends the packets reach (DNS, Service DNAT, node ports, load balancers,
// Ingress routing), runs NetworkPolicy on every hop, checks that something
// listens on the backend port and, for HTTP, what answers. The first reason
// is a one-line summary; the others explain the path taken.
//
// It returns an error only for probes that cannot be evaluated: an unknown
// source pod, a source pod that is not running or has no IP, a dns: target
// from a source that is not a pod, a port name (or a missing port) the
// target does not define. A blocked or refused probe is a Result with
// Allowed=false.
func (m *Model) Probe(spec probe.Spec) (probe.Result, error) {
	_, res, err := m.run(spec)
	return res, err
}

// run carries one probe through the model: the prober, which keeps the
// route it took (see Route), and the verdict.
func (m *Model) run(spec probe.Spec) (*prober, probe.Result, error) {
	pr, err := m.newProber(spec)
	if err != nil {
		return nil, probe.Result{}, err
	}
	var v verdict
	if spec.To.Kind == probe.ToIngress {
		v, err = pr.ingress()
	} else {
		v, err = pr.direct()
	}
	var r *refusal
	if errors.As(err, &r) {
		v = verdict{outcome: r.outcome, summary: r.summary, reasons: r.reasons, service: pr.service}
	} else if err != nil {
		return nil, probe.Result{}, err
	}
	pr.expectHTTP(&v)
	reasons := append([]string{v.summary, pr.policyLine}, v.key...)
	reasons = append(reasons, pr.notes...)
	reasons = append(reasons, v.reasons...)
	cause := append([]string{v.summary, pr.policyLine}, v.key...)
	if (v.outcome == probe.Denied || v.outcome == probe.Connected) && pr.policed() {
		// The source address of the last connection, which decided.
		for _, n := range pr.sourceNotes {
			if n.hop >= len(pr.hops)-1 {
				cause = append(cause, n.line)
			}
		}
	}
	cause = append(cause, pr.decisive...)
	cause = append(cause, v.decisive()...)
	return pr, probe.Result{
		Allowed:    v.outcome == probe.Connected,
		Outcome:    v.outcome,
		Backend:    v.backend,
		Service:    v.service,
		HTTPStatus: v.status,
		Reasons:    dedupe(reasons),
		Ungradable: strings.Join(dedupe(pr.ungradable), "; "),
		Policy:     pr.policy,
		PolicyRule: pr.policyRule,
		Cause:      dedupe(cause),
		NoBackend:  v.noBackend,
		NearMisses: pr.nearMisses(v),
	}, nil
}

// ungradableSuffix ends every reason the offline model gives for not
// grading a probe.
const ungradableSuffix = UngradableSuffix

// UngradableSuffix ends every reason in Result.Ungradable that the model
// gives (a live backend comparing its verdict with the model's drops it).
const UngradableSuffix = ": this check cannot be graded offline (grade it on a live cluster)"

// cannotGrade records that the model cannot decide the probe exactly:
// the Result is marked Ungradable with why (the checker then neither
// passes nor fails it); the verdict is still the model's best guess.
func (pr *prober) cannotGrade(why string) {
	pr.ungradable = append(pr.ungradable, why+ungradableSuffix)
}

// verdict is a Result under construction.
type verdict struct {
	outcome probe.Outcome
	summary string
	key     []string // what decided the outcome, shown right after the summary
	reasons []string
	service string // NS/NAME of the Service that carried the traffic
	backend string // NS/POD that answered
	status  int    // HTTP status, 0 when no HTTP response
	// policyLines are the NetworkPolicy verdicts among reasons (every
	// backend's of the last connection): they decide a connection that
	// got through or was dropped, not one refused, unreachable or
	// answered by the wrong backend.
	policyLines []string
	// noBackend is what the Ingress path's backend lacks (a 503 without
	// a Service): probe.Result.NoBackend.
	noBackend string
}

// decisive are the reasons that decided the outcome: all of them but
// the NetworkPolicy verdicts when no policy decided it.
func (v *verdict) decisive() []string {
	if v.outcome == probe.Connected || v.outcome == probe.Denied {
		return v.reasons
	}
	var out []string
	for _, r := range v.reasons {
		if !slices.Contains(v.policyLines, r) {
			out = append(out, r)
		}
	}
	return out
}

// client is where a probe starts.
type client struct {
	kind probe.SourceKind
	pod  *corev1.Pod // FromPod
	peer Peer        // the sender as NetworkPolicy sees it before any NAT
	name string      // for messages: "pod shop/client", "host 10.1.2.3", "the external client"
}

// prober carries one probe through the model.
type prober struct {
	m      *Model
	spec   probe.Spec
	proto  corev1.Protocol
	client client
	notes  []string // how the traffic was routed, in order
	// decisive are the notes that decided the outcome (the Ingress rule a
	// request matched); the others are the path.
	decisive []string
	// sourceNotes are the notes on the source address NetworkPolicy sees
	// (see sourceNote).
	sourceNotes []hopNote
	service     string // NS/NAME of the Service the traffic went through
	dnsDone     bool   // the DNS query to CoreDNS was already checked
	// ungradable lists why the model cannot decide the probe exactly.
	ungradable []string
	// policy, policyRule and policyLine: the sender's egress verdict on a
	// destination outside the cluster, where the connection's outcome
	// does not show it ("allowed", "denied", "not-isolated"; "" when not
	// judged apart from the connection), what decided it, and the reason
	// line that says both.
	policy, policyRule, policyLine string
	// entry and hops record the route for Route: where the client sends
	// the traffic, and every connection evaluated on the way.
	entry Entry
	hops  []hop
	// ingressBackendElsewhere are the near misses of an Ingress backend
	// Service missing from the Ingress's namespace (see nearMisses).
	ingressBackendElsewhere []string
}

func (m *Model) newProber(spec probe.Spec) (*prober, error) {
	proto, err := probe.ParseProtocol(string(spec.Protocol))
	if err != nil {
		return nil, err
	}
	c, err := m.newClient(spec.From)
	if err != nil {
		return nil, err
	}
	pr := &prober{m: m, spec: spec, proto: corev1.Protocol(proto), client: c}
	if m.IsHost(c.pod) {
		pr.client.name = fmt.Sprintf("host %s (%s)", podKey(c.pod), c.pod.Status.PodIP)
		pr.sourceNote("%s", m.hostNote(c.pod))
	}
	return pr, nil
}

// hostNote says what a pod outside the pod network is to NetworkPolicy.
func (m *Model) hostNote(p *corev1.Pod) string {
	return fmt.Sprintf("%s is a host outside the pod network (pinned %s): only ipBlock peers match it, and no NetworkPolicy selects it", podKey(p), p.Status.PodIP)
}

// seenAsPod reports whether NetworkPolicy and kube-proxy see a peer as a
// pod of the pod network (not a host, a host-network pod or a pod outside
// the pod network).
func (m *Model) seenAsPod(p Peer) bool {
	return p.Pod != nil && !p.Pod.Spec.HostNetwork && !m.IsHost(p.Pod)
}

// externalClientAddr is the address of a client outside the cluster when
// nothing masquerades it.
func (m *Model) externalClientAddr() netip.Addr {
	if m.opts.ExternalClient.IsValid() {
		return m.opts.ExternalClient
	}
	return netip.MustParseAddr("172.18.0.1")
}

func (m *Model) newClient(src probe.Source) (client, error) {
	switch src.Kind {
	case probe.FromPod:
		p := m.podByKey[src.Namespace+"/"+src.Name]
		if p == nil {
			return client{}, fmt.Errorf("source pod %s/%s does not exist", src.Namespace, src.Name)
		}
		if p.Status.Phase != corev1.PodRunning {
			phase := string(p.Status.Phase)
			if phase == "" {
				phase = "not scheduled"
			}
			return client{}, fmt.Errorf("source pod %s is not running (%s)", podKey(p), phase)
		}
		ip, err := netip.ParseAddr(p.Status.PodIP)
		if err != nil {
			return client{}, fmt.Errorf("source pod %s has no IP", podKey(p))
		}
		c := client{kind: probe.FromPod, pod: p, peer: Peer{Pod: p, IP: ip}, name: "pod " + podKey(p)}
		if p.Spec.HostNetwork {
			// A hostNetwork pod sends from the node's network namespace:
			// NetworkPolicy treats it as the node, not as a pod.
			c.peer.Pod = nil
		}
		return c, nil
	case probe.FromIP:
		if !src.IP.IsValid() {
			return client{}, fmt.Errorf("source ip: needs an address")
		}
		return client{kind: probe.FromIP, peer: Peer{IP: src.IP}, name: "host " + src.IP.String()}, nil
	case probe.FromExternal:
		return client{kind: probe.FromExternal, peer: Peer{IP: m.externalClientAddr()}, name: "the external client"}, nil
	}
	return client{}, fmt.Errorf("unknown source kind %q", src.Kind)
}

func (pr *prober) note(format string, a ...any) {
	pr.notes = append(pr.notes, fmt.Sprintf(format, a...))
}

// sourceNote records a note on the source address NetworkPolicy sees
// (NAT, a host outside the pod network): it decided the outcome when a
// NetworkPolicy did.
func (pr *prober) sourceNote(format string, a ...any) {
	pr.note(format, a...)
	pr.sourceNotes = append(pr.sourceNotes, hopNote{hop: len(pr.hops), line: pr.notes[len(pr.notes)-1]})
}

// hopNote is a note about the connection numbered hop (the next one
// evaluated when the note was made).
type hopNote struct {
	hop  int
	line string
}

// policed reports whether a NetworkPolicy applies to the probe's
// traffic: one selects a sender for egress or a backend for ingress.
func (pr *prober) policed() bool {
	if p := pr.client.pod; p != nil && pr.m.isolated(p, polEgress) {
		return true
	}
	for _, h := range pr.hops {
		if p := h.c.sender.Pod; p != nil && pr.m.isolated(p, polEgress) {
			return true
		}
		for _, l := range h.rs {
			if l.ep.pod != nil && pr.m.isolated(l.ep.pod, polIngress) {
				return true
			}
		}
	}
	return false
}

// decide records a note that decided the outcome (see Result.Cause).
func (pr *prober) decide(format string, a ...any) {
	pr.note(format, a...)
	pr.decisive = append(pr.decisive, pr.notes[len(pr.notes)-1])
}

// conn is a connection after routing: who sends it, how the backends'
// NetworkPolicy sees the source, and the backends (after DNAT) it may reach.
type conn struct {
	sender Peer            // the sending pod (its egress policy applies) or host
	seenAs Peer            // the source address the backend's ingress policy sees
	svc    *corev1.Service // the Service that chose the backend (nil: direct)
	legs   []endpoint
	proto  corev1.Protocol
	direct bool   // addressed to the pod itself (no Service DNAT)
	masq   node   // node that masquerades the source (node ports, load balancers)
	what   string // what the client connected to, for messages
}

// seenFor is the source address a backend's ingress policy judges.
// NetworkPolicy runs on the backend's node before the source NAT there
// (kube-network-policies hooks mangle POSTROUTING, ahead of kube-proxy's
// MASQUERADE in nat POSTROUTING; iptables-based CNIs filter in FORWARD),
// so a backend on the node that masquerades still sees the client; a
// backend on another node gets the packet already masqueraded to that
// node's address.
func (c *conn) seenFor(e endpoint) Peer {
	if c.masq.ip.IsValid() && e.node != "" && e.node != c.masq.name {
		return Peer{IP: c.masq.ip}
	}
	return c.seenAs
}

// direct handles every target except ingress: route, then connect.
func (pr *prober) direct() (verdict, error) {
	c, err := pr.route()
	if err != nil {
		return verdict{}, err
	}
	v, rs := pr.connect(c, pr.client.name)
	if v.outcome == probe.Connected && pr.spec.HTTP != nil {
		if c.proto != corev1.ProtocolTCP {
			return verdict{}, fmt.Errorf("an HTTP expectation needs a TCP probe, not %s", c.proto)
		}
		reqPath := pr.spec.HTTP.Path
		if reqPath == "" {
			reqPath = "/"
		}
		pr.answerHTTP(rs, reqPath, &v)
	}
	return v, nil
}

// route resolves the target to a connection.
func (pr *prober) route() (*conn, error) {
	t := pr.spec.To
	switch t.Kind {
	case probe.ToPod:
		p := pr.m.podByKey[t.Namespace+"/"+t.Name]
		if p == nil {
			return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: pod %s/%s does not exist.", t.Namespace, t.Name))
		}
		return pr.toPod(p)
	case probe.ToService:
		s := pr.m.services[t.Namespace+"/"+t.Name]
		if s == nil {
			return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s/%s does not exist.", t.Namespace, t.Name))
		}
		return pr.toService(s, 0)
	case probe.ToDNS:
		pr.enter(t.Name, pr.spec.Port.Number)
		return pr.toDNS(t.Name)
	case probe.ToIP:
		return pr.toIP(t.IP)
	case probe.ToNodePort:
		return pr.toNodePort(t.NodePort)
	case probe.ToLB:
		return pr.toLB(t.Namespace, t.Name)
	}
	return nil, fmt.Errorf("unknown target kind %q", t.Kind)
}

const podIPsFromOutside = "pod IPs are not routable from outside the cluster; expose the pod with a NodePort or LoadBalancer Service or an Ingress"

// toPod connects straight to a pod's IP.
func (pr *prober) toPod(p *corev1.Pod) (*conn, error) {
	if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
		phase := string(p.Status.Phase)
		if phase == "" {
			phase = "not scheduled"
		}
		return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: pod %s has no IP: it is %s.", podKey(p), phase))
	}
	port, err := pr.podPort(p)
	pr.enter(p.Status.PodIP, port)
	if pr.client.kind == probe.FromExternal {
		return nil, refuse(probe.Unreachable, "Unreachable: "+podIPsFromOutside+".")
	}
	if err != nil {
		return nil, err
	}
	if pr.m.IsHost(p) {
		pr.sourceNote("%s", pr.m.hostNote(p))
	}
	ip, _ := netip.ParseAddr(p.Status.PodIP)
	return &conn{
		sender: pr.client.peer, seenAs: pr.client.peer, proto: pr.proto, direct: true,
		legs: []endpoint{{pod: p, ip: ip, port: port, node: p.Spec.NodeName}},
		what: "pod " + podKey(p),
	}, nil
}

// podPort is the probe's port on a pod: a number, a named container port,
// or (when the probe names none) the pod's only port of the protocol.
func (pr *prober) podPort(p *corev1.Pod) (int, error) {
	sp := pr.spec.Port
	if sp.Number != 0 {
		return sp.Number, nil
	}
	var names []string
	var same []int
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name != "" {
				names = append(names, fmt.Sprintf("%s %s/%d", cp.Name, protoOr(cp.Protocol), cp.ContainerPort))
			}
			if protoOr(cp.Protocol) != pr.proto {
				continue
			}
			if sp.Name != "" && cp.Name == sp.Name {
				return int(cp.ContainerPort), nil
			}
			same = append(same, int(cp.ContainerPort))
		}
	}
	if sp.Name != "" {
		has := "no named ports"
		if len(names) > 0 {
			has = strings.Join(names, ", ")
		}
		return 0, fmt.Errorf("pod %s has no %s container port named %q (it has %s)", podKey(p), pr.proto, sp.Name, has)
	}
	if len(same) == 1 {
		return same[0], nil
	}
	return 0, fmt.Errorf("probe to pod %s needs a port: it declares %d %s container ports", podKey(p), len(same), pr.proto)
}

// toService connects to a Service by its ClusterIP (or, for ExternalName,
// its DNS name; for headless Services, straight to its pods). depth counts
// ExternalName hops.
func (pr *prober) toService(s *corev1.Service, depth int) (*conn, error) {
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		// The client connects to the name the CNAME points to.
		pr.enter(s.Spec.ExternalName, pr.spec.Port.Number)
		return pr.followExternalName(s, depth)
	}
	var sp *corev1.ServicePort
	var err error
	if headless(s) {
		pr.enter(s.Name+"."+s.Namespace+".svc."+pr.m.opts.ClusterDomain, pr.spec.Port.Number)
	} else {
		pr.enter(s.Spec.ClusterIP, pr.spec.Port.Number)
		if sp, err = pr.m.servicePort(s, pr.spec.Port, pr.proto); err == nil {
			pr.enter("", int(sp.Port))
		}
	}
	if pr.client.kind == probe.FromExternal {
		return nil, refuse(probe.Unreachable, "Unreachable: ClusterIPs are not routable from outside the cluster; use the Service's node port or load balancer address, or an Ingress.")
	}
	pr.service = svcKey(s)
	if headless(s) {
		return pr.toHeadless(s)
	}
	if err != nil {
		return nil, err
	}
	eps := pr.m.endpoints(s, sp)
	pr.readinessUnsure(s, eps)
	if len(eps) == 0 {
		return nil, refuse(probe.Refused, fmt.Sprintf("Refused: Service %s has no endpoints, so kube-proxy rejects connections to %s:%d.", svcKey(s), s.Spec.ClusterIP, sp.Port), pr.m.whyNoEndpoints(s, sp))
	}
	pr.note("Service %s (ClusterIP %s) port %s → targetPort %s on %s", svcKey(s), s.Spec.ClusterIP, portString(sp), sp.TargetPort.String(), countBackends(eps))
	if p := s.Spec.InternalTrafficPolicy; p != nil && *p == corev1.ServiceInternalTrafficPolicyLocal {
		n, ok := pr.hostNode()
		if ok {
			var local []endpoint
			for _, e := range eps {
				if e.node == "" || e.node == n.name {
					local = append(local, e)
				}
			}
			if len(local) == 0 {
				return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s has internalTrafficPolicy: Local and no endpoint on node %s, where %s runs, so kube-proxy drops the traffic.", svcKey(s), n.name, pr.client.name))
			}
			pr.note("internalTrafficPolicy: Local: only endpoints on node %s receive the traffic", n.name)
			eps = local
		}
	}
	c := &conn{sender: pr.client.peer, seenAs: pr.client.peer, svc: s, legs: eps, proto: pr.proto, what: "Service " + svcKey(s)}
	if pr.client.pod == nil || pr.m.IsHost(pr.client.pod) {
		// kube-proxy masquerades traffic to a ClusterIP that does not
		// come from the pod network.
		if n, ok := pr.hostNode(); ok {
			c.seenAs = Peer{IP: n.ip}
			what := "a pod"
			if pr.client.pod != nil {
				what = "the pod network"
			}
			pr.sourceNote("kube-proxy masquerades traffic to a ClusterIP that does not come from %s: NetworkPolicy on the backends sees the node address %s, not %s", what, n.ip, pr.client.peer.IP)
		}
	}
	// A pod reaching itself through the Service (hairpin) is masqueraded
	// too, but after its node's NetworkPolicy saw the pod's own address.
	return c, nil
}

// hostNode is the node that forwards a host client's traffic: the node
// itself when the client is a node, else the first node.
func (pr *prober) hostNode() (node, bool) {
	if n, ok := pr.m.nodeByIP(pr.client.peer.IP); ok {
		return n, true
	}
	if pr.client.pod != nil {
		return pr.m.podNode(pr.client.pod)
	}
	ns := pr.m.nodeList()
	if len(ns) == 0 {
		return node{}, false
	}
	return ns[0], true
}

func countBackends(eps []endpoint) string {
	if len(eps) == 1 {
		return "1 ready endpoint"
	}
	return fmt.Sprintf("%d ready endpoints", len(eps))
}

// toHeadless connects to the pods of a headless Service: its name
// resolves to the pod IPs, so the client connects to the probe's port on
// each pod directly, without port translation.
func (pr *prober) toHeadless(s *corev1.Service) (*conn, error) {
	var eps []endpoint
	p := pr.spec.Port
	switch {
	case p.Number != 0:
		for _, e := range pr.m.readyAddresses(s) {
			e.port = p.Number
			eps = append(eps, e)
		}
		pr.readinessUnsure(s, eps)
	default:
		sp, err := pr.m.servicePort(s, p, pr.proto)
		if err != nil {
			return nil, err
		}
		eps = pr.m.endpoints(s, sp)
		pr.readinessUnsure(s, eps)
		// The client connects to the target port the name's addresses
		// serve (the first endpoint's; without one, the targetPort).
		port := sp.TargetPort.IntValue()
		switch {
		case len(eps) > 0:
			port = eps[0].port
		case port == 0:
			port = int(sp.Port)
		}
		pr.enter("", port)
	}
	if len(eps) == 0 {
		return nil, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: headless Service %s has no ready endpoints, so its name has no addresses.", svcKey(s)), pr.m.whyNoEndpoints(s, firstPort(s)))
	}
	pr.note("Service %s is headless (clusterIP: None): its name resolves to the pod IPs and the client connects to them directly, without port translation", svcKey(s))
	return &conn{sender: pr.client.peer, seenAs: pr.client.peer, svc: s, legs: eps, proto: pr.proto, direct: true, what: "headless Service " + svcKey(s)}, nil
}

func firstPort(s *corev1.Service) *corev1.ServicePort {
	if len(s.Spec.Ports) > 0 {
		return &s.Spec.Ports[0]
	}
	return &corev1.ServicePort{}
}

// toIP classifies an address: pod, ClusterIP, node, load balancer or
// external IP, or nothing known.
func (pr *prober) toIP(ip netip.Addr) (*conn, error) {
	pr.enter(ip.String(), pr.spec.Port.Number)
	if p := pr.m.podByIP[ip.String()]; p != nil {
		if pr.client.kind == probe.FromExternal {
			return nil, refuse(probe.Unreachable, "Unreachable: "+podIPsFromOutside+".", fmt.Sprintf("%s is the IP of pod %s", ip, podKey(p)))
		}
		pr.note("%s is the IP of pod %s", ip, podKey(p))
		return pr.toPod(p)
	}
	if s := pr.m.serviceByClusterIP(ip); s != nil {
		pr.note("%s is the ClusterIP of Service %s", ip, svcKey(s))
		return pr.toService(s, 0)
	}
	port := pr.spec.Port
	if port.Name != "" {
		return nil, fmt.Errorf("ip:%s is not a pod or a ClusterIP: the probe needs a port number, not the name %q", ip, port.Name)
	}
	if port.Number == 0 {
		return nil, fmt.Errorf("ip:%s is not a pod or a ClusterIP: the probe needs a port number", ip)
	}
	if n, ok := pr.m.nodeByIP(ip); ok {
		pr.enterNode(n, port.Number)
		return pr.toNode(n, port.Number)
	}
	pr.enterVia(ip)
	if s, sp, kind := pr.m.serviceByExternalAddr(ip, port.Number, pr.proto); s != nil {
		article := "a"
		if strings.HasPrefix(kind, "e") {
			article = "an"
		}
		pr.note("%s is %s %s of Service %s", ip, article, kind, svcKey(s))
		n, _ := pr.firstNode()
		return pr.viaExternal(s, sp, n, fmt.Sprintf("%s %s:%d", kind, ip, port.Number))
	}
	if pr.m.isExternalAddr(ip) {
		// Not a node's own address: kube-proxy has no rule for this port,
		// so the node routes the packet on, and nothing answers.
		var served []string
		for _, s := range pr.m.sortedServices() {
			if slices.Contains(s.Spec.ExternalIPs, ip.String()) {
				served = append(served, fmt.Sprintf("Service %s accepts %s on %s", svcKey(s), ip, servicePorts(s)))
			}
		}
		pr.judgeOutsideEgress(ip, port.Number)
		return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: the network routes %s to a node, but no Service serves %s/%d on it; the node does not own the address, so it forwards the packet on and nothing answers.", ip, pr.proto, port.Number), served...)
	}
	pr.judgeOutsideEgress(ip, port.Number)
	return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: no pod, Service or node in the cluster has the address %s.", ip))
}

// judgeOutsideEgress runs the sending pod's egress NetworkPolicy on a
// packet to an address outside the cluster. Nothing there answers in
// this cluster either way, so the outcome alone would hide whether the
// policy lets the packet out; the probe reports the verdict next to it.
func (pr *prober) judgeOutsideEgress(ip netip.Addr, port int) {
	if pr.client.kind != probe.FromPod || !pr.m.seenAsPod(pr.client.peer) {
		return
	}
	ix := pr.m.pol
	src := ix.end(pr.client.peer)
	v := ix.direction(polEgress, src, ix.end(Peer{IP: ip}), port, polProto(pr.proto))
	nothing := fmt.Sprintf("nothing answers at %s in this cluster", ip)
	switch {
	case !v.isolated:
		pr.policy = "not-isolated"
		pr.policyRule = fmt.Sprintf("no NetworkPolicy selects %s for egress", src.podName())
		pr.policyLine = fmt.Sprintf("egress not isolated: %s; %s", pr.policyRule, nothing)
	case v.allowed:
		pr.policy = "allowed"
		pr.policyRule = v.by
		pr.policyLine = fmt.Sprintf("egress allowed by %s; %s", v.by, nothing)
	default:
		pr.policy = "denied"
		pr.policyRule = v.by
		pr.policyLine = fmt.Sprintf("egress denied: %s drops the packet as it leaves %s (and %s)", v.by, src.podName(), nothing)
		// The denial's explanation: which rules and peers missed.
		pr.notes = append(pr.notes, v.lines[1:]...)
	}
}

func (pr *prober) firstNode() (node, bool) {
	ns := pr.m.nodeList()
	if len(ns) == 0 {
		return node{}, false
	}
	return ns[0], true
}

// toNode connects to a port on a node's address: a load balancer port
// served there, a node port, or a hostPort/hostNetwork pod.
func (pr *prober) toNode(n node, port int) (*conn, error) {
	if s, sp, kind := pr.m.serviceByExternalAddr(n.ip, port, pr.proto); s != nil {
		pr.note("%s (node %s) is the %s of Service %s", n.ip, n.name, kind, svcKey(s))
		return pr.viaExternal(s, sp, n, fmt.Sprintf("%s %s:%d", kind, n.ip, port))
	}
	if s, sp := pr.m.serviceByNodePort(port, pr.proto); s != nil {
		pr.note("node %s (%s) port %d/%s is the nodePort of Service %s port %s", n.name, n.ip, port, pr.proto, svcKey(s), portString(sp))
		return pr.viaExternal(s, sp, n, fmt.Sprintf("node port %s:%d", n.ip, port))
	}
	if p, cport, ok := pr.m.hostPortPod(n, port, pr.proto); ok {
		ip, _ := netip.ParseAddr(p.Status.PodIP)
		if p.Spec.HostNetwork {
			pr.note("pod %s uses hostNetwork and listens on the node's address", podKey(p))
		} else {
			pr.note("pod %s publishes hostPort %d → containerPort %d", podKey(p), port, cport)
		}
		return &conn{sender: pr.client.peer, seenAs: pr.client.peer, proto: pr.proto, direct: true,
			legs: []endpoint{{pod: p, ip: ip, port: cport, node: n.name}}, what: "pod " + podKey(p)}, nil
	}
	return nil, refuse(probe.Refused, fmt.Sprintf("Refused: nothing listens on node %s (%s) port %d/%s: no Service has that nodePort.", n.name, n.ip, port, pr.proto), pr.m.nodePortHint(port, pr.proto)...)
}

// nodePortHint points out Services whose port or targetPort is n (a
// frequent confusion with the nodePort).
func (m *Model) nodePortHint(n int, proto corev1.Protocol) []string {
	var out []string
	for _, s := range m.sortedServices() {
		for i := range s.Spec.Ports {
			sp := &s.Spec.Ports[i]
			if protoOr(sp.Protocol) != proto || (int(sp.Port) != n && sp.TargetPort.IntValue() != n) {
				continue
			}
			if sp.NodePort != 0 {
				out = append(out, fmt.Sprintf("Service %s uses %d as its port or targetPort; its nodePort is %d", svcKey(s), n, sp.NodePort))
			} else {
				out = append(out, fmt.Sprintf("Service %s uses %d as its port or targetPort, but it is type %s and has no nodePort", svcKey(s), n, serviceType(s)))
			}
		}
	}
	return out
}

func serviceType(s *corev1.Service) corev1.ServiceType {
	if s.Spec.Type == "" {
		return corev1.ServiceTypeClusterIP
	}
	return s.Spec.Type
}

// toNodePort connects to port n on the first node.
func (pr *prober) toNodePort(n int) (*conn, error) {
	if (pr.spec.Port.Number != 0 && pr.spec.Port.Number != n) || pr.spec.Port.Name != "" {
		return nil, fmt.Errorf("nodeport:%d already names the port; the probe's port %s contradicts it", n, pr.spec.Port)
	}
	nd, ok := pr.firstNode()
	if !ok {
		return nil, refuse(probe.Unreachable, "Unreachable: the cluster has no node with an InternalIP.")
	}
	pr.enterNode(nd, n)
	s, sp := pr.m.serviceByNodePort(n, pr.proto)
	if s == nil {
		return nil, refuse(probe.Refused, fmt.Sprintf("Refused: no Service has nodePort %d/%s, so nothing listens on node %s (%s) port %d.", n, pr.proto, nd.name, nd.ip, n), pr.m.nodePortHint(n, pr.proto)...)
	}
	pr.note("node %s (%s) port %d/%s is the nodePort of Service %s port %s", nd.name, nd.ip, n, pr.proto, svcKey(s), portString(sp))
	return pr.viaExternal(s, sp, nd, fmt.Sprintf("node port %s:%d", nd.ip, n))
}

// toLB connects to a LoadBalancer Service's external address.
func (pr *prober) toLB(ns, name string) (*conn, error) {
	s := pr.m.services[ns+"/"+name]
	if s == nil {
		return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s/%s does not exist.", ns, name))
	}
	if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s is type %s, not LoadBalancer: it has no external address.", svcKey(s), serviceType(s)))
	}
	ip, hostname, ok := lbAddress(s)
	if !ok {
		return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s has no load balancer address yet (EXTERNAL-IP is pending).", svcKey(s)))
	}
	if hostname != "" {
		return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s's load balancer is the external host %s, outside the offline cluster.", svcKey(s), hostname))
	}
	pr.enter(ip.String(), pr.spec.Port.Number)
	sp, err := pr.m.servicePort(s, pr.spec.Port, pr.proto)
	if err != nil {
		return nil, err
	}
	pr.enter("", int(sp.Port))
	n, ok := pr.m.nodeByIP(ip)
	if !ok {
		n, _ = pr.firstNode()
	}
	pr.note("Service %s has the load balancer address %s", svcKey(s), ip)
	return pr.viaExternal(s, sp, n, fmt.Sprintf("load balancer address %s:%d", ip, sp.Port))
}

// viaExternal models traffic that enters through a node port, a load
// balancer address or an external IP (kube-proxy's "external destinations"):
// with externalTrafficPolicy Cluster the source is masqueraded to the
// receiving node's address; with Local the client address is kept and only
// endpoints on the receiving node count, except for pod clients, which
// kube-proxy sends to all endpoints as cluster traffic.
func (pr *prober) viaExternal(s *corev1.Service, sp *corev1.ServicePort, n node, entry string) (*conn, error) {
	pr.enterExternal(s, sp, n, entryKind(entry))
	pr.service = svcKey(s)
	eps := pr.m.endpoints(s, sp)
	pr.readinessUnsure(s, eps)
	if len(eps) == 0 {
		return nil, refuse(probe.Refused, fmt.Sprintf("Refused: Service %s has no endpoints, so kube-proxy rejects connections to its %s.", svcKey(s), entry), pr.m.whyNoEndpoints(s, sp))
	}
	c := &conn{sender: pr.client.peer, seenAs: pr.client.peer, svc: s, proto: pr.proto, what: "Service " + svcKey(s)}
	pr.note("Service %s port %s → targetPort %s on %s", svcKey(s), portString(sp), sp.TargetPort.String(), countBackends(eps))
	switch {
	case !externalPolicyLocal(s):
		c.legs = eps
		c.masq = n
		var here, there []string
		for _, e := range eps {
			if e.node != "" && e.node != n.name {
				there = append(there, e.key())
			} else {
				here = append(here, e.key())
			}
		}
		switch {
		case len(there) == 0:
			pr.sourceNote("kube-proxy masquerades traffic to a %s (externalTrafficPolicy: Cluster) to the node address %s, but only as it leaves for the backend: NetworkPolicy on node %s judges it first, so the backends see %s as the source (%s)", entryKind(entry), n.ip, n.name, pr.client.name, clientAddr(pr.client.peer))
		case len(here) == 0:
			pr.sourceNote("kube-proxy masquerades traffic to a %s (externalTrafficPolicy: Cluster): the backends run on other nodes than %s and see its address %s as the source, not %s", entryKind(entry), n.name, n.ip, pr.client.name)
		default:
			pr.sourceNote("kube-proxy masquerades traffic to a %s (externalTrafficPolicy: Cluster): backends on node %s (%s) see %s as the source, backends on other nodes (%s) see the node address %s", entryKind(entry), n.name, strings.Join(here, ", "), pr.client.name, strings.Join(there, ", "), n.ip)
		}
	case pr.m.seenAsPod(pr.client.peer):
		c.legs = eps
		pr.sourceNote("externalTrafficPolicy: Local does not apply to pod clients: kube-proxy sends them to all endpoints and keeps the pod's address")
	default:
		for _, e := range eps {
			if e.node == "" || e.node == n.name {
				c.legs = append(c.legs, e)
			}
		}
		if len(c.legs) == 0 {
			return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s has externalTrafficPolicy: Local and no endpoint on node %s, so kube-proxy drops the traffic.", svcKey(s), n.name))
		}
		pr.sourceNote("externalTrafficPolicy: Local keeps the client address %s; only endpoints on node %s receive the traffic", pr.client.peer.IP, n.name)
	}
	return c, nil
}

func entryKind(entry string) string {
	for _, k := range []string{"node port", "load balancer address", "external IP"} {
		if strings.HasPrefix(entry, k) {
			return k
		}
	}
	return entry
}

// legResult is the verdict for one backend.
type legResult struct {
	ep     endpoint
	policy Decision
	listen listenResult
	broken string // the backend cannot be reached at all (not a pod)
}

func (r legResult) ok() bool { return r.broken == "" && r.policy.Allowed && r.listen.ok }

// evaluate runs NetworkPolicy and the listening check for every backend.
func (m *Model) evaluate(c *conn) []legResult {
	out := make([]legResult, 0, len(c.legs))
	for _, e := range c.legs {
		r := legResult{ep: e}
		if e.pod == nil {
			r.broken = fmt.Sprintf("endpoint %s is not a pod of the cluster; the offline model cannot reach it", e.ip)
			out = append(out, r)
			continue
		}
		r.policy = m.admit(c, e)
		if r.policy.Allowed {
			r.listen = checkListen(e.pod, e.port, c.proto, c.svc != nil && !c.direct)
		}
		out = append(out, r)
	}
	return out
}

// admit runs NetworkPolicy for one packet from the connection's client to
// a backend pod on its port after DNAT: the sending pod's egress and the
// backend's ingress, with the source as the backend sees it.
func (m *Model) admit(c *conn, e endpoint) Decision {
	dst := Peer{Pod: e.pod, IP: e.ip}
	if e.pod.Spec.HostNetwork {
		dst.Pod = nil
	}
	src, seen := c.sender, c.seenFor(e)
	if src.Pod != nil && src.Pod == e.pod && (c.svc == nil || c.direct) {
		return Decision{Allowed: true, Reasons: []string{"traffic from a pod to its own IP stays inside the pod; NetworkPolicy does not see it"}}
	}
	if seen == src {
		return m.Policy(src, dst, e.port, c.proto)
	}
	// The source is translated: the sending pod's egress sees the packet
	// as it leaves the pod (after DNAT), the backend's ingress sees the
	// translated source.
	d := Decision{Allowed: true}
	if src.Pod != nil {
		eg := m.policyEgress(src, dst, e.port, c.proto)
		d.Allowed = eg.Allowed
		d.Reasons = append(d.Reasons, eg.Reasons...)
	}
	in := m.policyIngress(seen, dst, e.port, c.proto)
	d.Allowed = d.Allowed && in.Allowed
	d.Reasons = append(d.Reasons, in.Reasons...)
	return d
}

// connect evaluates a connection from clientName and turns the backends'
// verdicts into one.
func (pr *prober) connect(c *conn, clientName string) (verdict, []legResult) {
	rs := pr.m.evaluate(c)
	pr.hops = append(pr.hops, hop{c, rs})
	v := verdict{service: pr.service}
	if len(rs) == 0 {
		v.outcome, v.summary = probe.Unreachable, fmt.Sprintf("Unreachable: %s has no backend.", c.what)
		return v, rs
	}
	var okN, unknownN int
	var unknown []string
	for _, r := range rs {
		if r.broken == "" && r.policy.Allowed && r.listen.unknown != "" {
			unknownN++
			unknown = append(unknown, r.listen.unknown)
		}
		if r.ok() {
			okN++
			// Backend names the pod a Service (or DNS for a headless
			// Service) chose; a probe to a pod needs no such answer.
			if v.backend == "" && c.svc != nil {
				v.backend = r.ep.key()
			}
		}
	}
	v.reasons = legReasons(rs)
	for _, r := range rs {
		v.policyLines = append(v.policyLines, r.policy.Reasons...)
	}
	if unknownN > 0 && okN+unknownN == len(rs) {
		// Only backends the model cannot judge decide the outcome.
		for _, u := range unknown {
			pr.cannotGrade(u)
		}
	}
	if okN == len(rs) {
		v.outcome = probe.Connected
		first := rs[0].ep
		via := ""
		if c.svc != nil && !c.direct {
			via = " through Service " + svcKey(c.svc)
		}
		all := ""
		if len(rs) > 1 {
			all = fmt.Sprintf(" (all %d backends admit it)", len(rs))
		}
		v.summary = fmt.Sprintf("Connected: %s reached %s on %s/%d%s%s.", clientName, first.key(), c.proto, first.port, via, all)
		return v, rs
	}
	v.outcome, v.summary = failure(clientName, c, rs)
	if okN > 0 {
		v.summary = fmt.Sprintf("%s: only %d of %d backends of %s admit the connection; live, the Service spreads connections across all of them, so the probe would be flaky.", titleOutcome(v.outcome), okN, len(rs), c.what)
	}
	return v, rs
}

// failure names the outcome of the first failing backend (a NetworkPolicy
// drop wins over a refused port).
func failure(clientName string, c *conn, rs []legResult) (probe.Outcome, string) {
	for _, r := range rs {
		if r.broken == "" && !r.policy.Allowed {
			seen := ""
			if sa := c.seenFor(r.ep); sa != c.sender {
				seen = fmt.Sprintf(" (the backend sees it coming from %s)", sa.IP)
			}
			return probe.Denied, fmt.Sprintf("Denied: NetworkPolicy drops traffic from %s%s to %s on %s/%d.", clientName, seen, r.ep.key(), c.proto, r.ep.port)
		}
	}
	for _, r := range rs {
		if r.broken == "" && !r.listen.ok && r.listen.unknown == "" {
			return probe.Refused, fmt.Sprintf("Refused: nothing listens on %s %s/%d.", r.ep.key(), c.proto, r.ep.port)
		}
	}
	for _, r := range rs {
		if r.broken == "" && !r.listen.ok {
			return probe.Refused, fmt.Sprintf("Refused, as far as the offline model can tell: nothing it knows of listens on %s %s/%d, but it cannot tell what this pod runs.", r.ep.key(), c.proto, r.ep.port)
		}
	}
	for _, r := range rs {
		if r.broken != "" {
			return probe.Unreachable, "Unreachable: " + r.broken + "."
		}
	}
	return probe.Unreachable, "Unreachable."
}

func titleOutcome(o probe.Outcome) string {
	switch o {
	case probe.Denied:
		return "Denied"
	case probe.Refused:
		return "Refused"
	}
	return "Unreachable"
}

// legState says in a few words what happened at one backend.
func legState(r legResult) string {
	switch {
	case r.broken != "":
		return "unreachable"
	case !r.policy.Allowed:
		return "denied by NetworkPolicy"
	case !r.listen.ok:
		return "refused"
	}
	return "admits the connection"
}

// legDetails are the NetworkPolicy and listening reasons of one backend.
func legDetails(r legResult) []string {
	if r.broken != "" {
		return []string{r.broken}
	}
	return append(append([]string(nil), r.policy.Reasons...), r.listen.reasons...)
}

// legReasons explains the backends' verdicts. When every backend fares
// the same, the first one is explained and the others are named; when
// they differ, each is explained.
func legReasons(rs []legResult) []string {
	if len(rs) == 0 {
		return nil
	}
	uniform := true
	for _, r := range rs[1:] {
		if legState(r) != legState(rs[0]) {
			uniform = false
		}
	}
	if uniform {
		out := legDetails(rs[0])
		if len(rs) > 1 {
			var others []string
			for _, r := range rs[1:] {
				others = append(others, r.ep.key())
			}
			verb := "are " + legState(rs[0]) + " in the same way"
			if rs[0].ok() {
				verb = "admit the connection too"
			}
			out = append(out, fmt.Sprintf("the other backends (%s) %s", strings.Join(others, ", "), verb))
		}
		return out
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("backend %s (%s:%d): %s", r.ep.key(), r.ep.ip, r.ep.port, legState(r)))
		out = append(out, legDetails(r)...)
	}
	return out
}

// answerHTTP fills in the HTTP answer of the backends that accepted the
// connection to GET reqPath. A backend that does not speak HTTP, or (with
// an expected status) one that answers differently, fails the probe:
// live, the Service would spread requests across all of them.
func (pr *prober) answerHTTP(rs []legResult, reqPath string, v *verdict) {
	want := 0
	if pr.spec.HTTP != nil {
		want = pr.spec.HTTP.Status
	}
	statuses := map[int][]string{}
	for _, r := range rs {
		st, note, isHTTP := httpAnswer(r.listen.socket, reqPath)
		if !isHTTP {
			v.outcome, v.status = probe.HTTPError, 0
			v.summary = fmt.Sprintf("No HTTP answer: %s accepts the connection but does not speak HTTP, so the request hangs.", r.ep.key())
			v.reasons = append(v.reasons, note)
			return
		}
		if note != "" {
			v.reasons = append(v.reasons, fmt.Sprintf("%s: %s", r.ep.key(), note))
		}
		if len(statuses) == 0 {
			v.status = st
		}
		statuses[st] = append(statuses[st], r.ep.key())
	}
	if len(statuses) > 1 {
		v.reasons = append(v.reasons, fmt.Sprintf("backends answer GET %s differently: %s", reqPath, formatStatuses(statuses)))
	}
	if want == 0 {
		return
	}
	for _, r := range rs {
		if st, _, _ := httpAnswer(r.listen.socket, reqPath); st != want {
			v.outcome, v.status = probe.HTTPError, st
			v.summary = fmt.Sprintf("HTTP check failed: expected status %d, but %s answers %d.", want, r.ep.key(), st)
			return
		}
	}
}

func formatStatuses(m map[int][]string) string {
	var parts []string
	for st, who := range m {
		parts = append(parts, fmt.Sprintf("%d from %s", st, strings.Join(who, ", ")))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// expectHTTP compares the response with the probe's HTTP expectation.
func (pr *prober) expectHTTP(v *verdict) {
	h := pr.spec.HTTP
	if h == nil || v.outcome != probe.Connected {
		return
	}
	if h.Status != 0 && v.status != h.Status {
		v.outcome = probe.HTTPError
		v.summary = fmt.Sprintf("HTTP check failed: expected status %d, got %d.", h.Status, v.status)
		return
	}
	if h.Service != "" && v.service != h.Service {
		v.outcome = probe.HTTPError
		got := v.service
		if got == "" {
			got = "no Service (the request did not go through one)"
		}
		v.summary = fmt.Sprintf("HTTP check failed: expected the answer from Service %s, but it came from %s.", h.Service, got)
	}
}

// dedupe drops repeated reasons, keeping the first occurrence.
func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// clientAddr is a peer's address for messages.
func clientAddr(p Peer) string {
	if p.IP.IsValid() {
		return p.IP.String()
	}
	return "its own address"
}
