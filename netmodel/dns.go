package netmodel

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// This file models the cluster DNS as CoreDNS serves it and as a pod's
// resolver (resolv.conf written by the kubelet) uses it: the search path
// <ns>.svc.<domain> svc.<domain> <domain> with ndots 5, Service records
// (ClusterIP, headless pod IPs, ExternalName CNAMEs), hostname records of
// headless Service endpoints and a-b-c-d.<ns>.pod.<domain> records. The
// query itself is a UDP packet from the pod to a CoreDNS pod and must pass
// NetworkPolicy.

// maxCNAME bounds ExternalName chains (a loop never resolves).
const maxCNAME = 8

// dnsAnswer is what a name resolves to.
type dnsAnswer struct {
	fqdn     string
	svc      *corev1.Service // a Service record
	pod      *corev1.Pod     // a hostname record of a headless Service endpoint
	ip       netip.Addr      // a pod A record (a-b-c-d.ns.pod.<domain>)
	external bool            // a name outside the cluster domain
}

// resolver is a pod's DNS configuration.
type resolver struct {
	search []string
	ndots  int
}

// resolverOf returns the resolver of a pod that uses the cluster DNS, or
// a refusal explaining why the pod does not use it.
func (m *Model) resolverOf(p *corev1.Pod) (resolver, error) {
	d := m.opts.ClusterDomain
	r := resolver{ndots: 5}
	switch p.Spec.DNSPolicy {
	case "", corev1.DNSClusterFirst:
		if p.Spec.HostNetwork {
			return r, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: pod %s uses hostNetwork with dnsPolicy ClusterFirst, so it uses the node's resolver, which does not know cluster names; set dnsPolicy: ClusterFirstWithHostNet.", podKey(p)))
		}
		r.search = []string{p.Namespace + ".svc." + d, "svc." + d, d}
	case corev1.DNSClusterFirstWithHostNet:
		r.search = []string{p.Namespace + ".svc." + d, "svc." + d, d}
	case corev1.DNSDefault:
		return r, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: pod %s has dnsPolicy Default: it uses the node's resolver, which does not know cluster names.", podKey(p)))
	case corev1.DNSNone:
		if !m.usesClusterDNS(p.Spec.DNSConfig) {
			return r, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: pod %s has dnsPolicy None and its dnsConfig does not name the cluster DNS Service's ClusterIP as a nameserver.", podKey(p)))
		}
	}
	if c := p.Spec.DNSConfig; c != nil {
		r.search = append(r.search, c.Searches...)
		for _, o := range c.Options {
			if o.Name == "ndots" && o.Value != nil {
				if n, err := strconv.Atoi(*o.Value); err == nil && n >= 0 {
					r.ndots = n
				}
			}
		}
	}
	return r, nil
}

func (m *Model) usesClusterDNS(c *corev1.PodDNSConfig) bool {
	if c == nil {
		return false
	}
	s := m.services[m.opts.DNSNamespace+"/"+m.opts.DNSService]
	if s == nil {
		return false
	}
	for _, ns := range c.Nameservers {
		if ns == s.Spec.ClusterIP {
			return true
		}
	}
	return false
}

// candidates lists the names a resolver tries for name, in order.
func (r resolver) candidates(name string) []string {
	name = strings.ToLower(name)
	if strings.HasSuffix(name, ".") {
		return []string{strings.TrimSuffix(name, ".")}
	}
	var search []string
	for _, s := range r.search {
		search = append(search, name+"."+strings.TrimSuffix(strings.ToLower(s), "."))
	}
	if strings.Count(name, ".") >= r.ndots {
		return append([]string{name}, search...)
	}
	return append(search, name)
}

// answer looks one fully qualified name up as CoreDNS would.
func (m *Model) answer(fqdn string) (dnsAnswer, bool) {
	d := m.opts.ClusterDomain
	a := dnsAnswer{fqdn: fqdn}
	if rest, ok := strings.CutSuffix(fqdn, ".svc."+d); ok {
		l := strings.Split(rest, ".")
		switch len(l) {
		case 2:
			if s := m.services[l[1]+"/"+l[0]]; s != nil {
				a.svc = s
				return a, true
			}
		case 3:
			if p := m.hostnameRecord(l[2], l[1], l[0]); p != nil {
				a.pod = p
				return a, true
			}
		}
		return a, false
	}
	if rest, ok := strings.CutSuffix(fqdn, ".pod."+d); ok {
		l := strings.Split(rest, ".")
		if len(l) == 2 && m.namespaces[l[1]] != nil {
			if ip, err := netip.ParseAddr(strings.ReplaceAll(l[0], "-", ".")); err == nil && ip.Is4() {
				a.ip = ip
				return a, true
			}
		}
		return a, false
	}
	if fqdn == d || strings.HasSuffix(fqdn, "."+d) || !strings.Contains(fqdn, ".") {
		return a, false
	}
	if m.noPublicTLD(fqdn) {
		// The upstream resolver answers NXDOMAIN: "web.shop" or
		// "web.shop.svc" (a cluster name cut short) and special-use names
		// exist in no public zone.
		return a, false
	}
	a.external = true
	return a, true
}

// specialUseTLDs are top-level domains no public resolver answers
// (RFC 6761, RFC 6762, ICANN's .internal).
var specialUseTLDs = map[string]bool{"test": true, "invalid": true, "localhost": true, "example": true, "local": true, "internal": true, "svc": true, "cluster": true}

// noPublicTLD reports whether a name outside the cluster domain ends in a
// label no public DNS zone has: a special-use TLD, or a namespace of this
// cluster (the form NAME.NAMESPACE that only the search path completes).
func (m *Model) noPublicTLD(fqdn string) bool {
	tld := fqdn[strings.LastIndexByte(fqdn, '.')+1:]
	return specialUseTLDs[tld] || m.namespaces[tld] != nil
}

// hostnameRecord finds the pod behind host.svc.ns as CoreDNS's
// kubernetes plugin does for an endpoint query: a ready endpoint of
// Service svc whose hostname is host (pods with spec.hostname and
// spec.subdomain set to the Service name, as a StatefulSet's), or, for an
// endpoint without a hostname, whose address written with dashes is host
// (10-244-0-7). Headless or not: CoreDNS answers endpoint queries for
// every Service with endpoints (measured live with a StatefulSet behind a
// ClusterIP Service).
func (m *Model) hostnameRecord(ns, svc, host string) *corev1.Pod {
	s := m.services[ns+"/"+svc]
	if s == nil || s.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	for _, es := range m.slices[ns+"/"+svc] {
		for _, ep := range es.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready && !s.Spec.PublishNotReadyAddresses {
				continue
			}
			if !endpointNamed(ep, host) {
				continue
			}
			if ep.TargetRef != nil {
				if p := m.runningPod(ep.TargetRef.Namespace, ep.TargetRef.Name); p != nil {
					return p
				}
			}
			for _, a := range ep.Addresses {
				if p := m.podByIP[a]; p != nil {
					return p
				}
			}
		}
	}
	return nil
}

// endpointNamed: the endpoint's DNS label is host (its hostname, else its
// first address with dashes).
func endpointNamed(ep discoveryv1.Endpoint, host string) bool {
	if ep.Hostname != nil && *ep.Hostname != "" {
		return *ep.Hostname == host
	}
	return len(ep.Addresses) > 0 && strings.ReplaceAll(strings.ReplaceAll(ep.Addresses[0], ".", "-"), ":", "-") == host
}

// readyAddresses lists the ready pods of a Service whatever their ports
// (the A records of a headless Service).
func (m *Model) readyAddresses(s *corev1.Service) []endpoint {
	seen := map[string]bool{}
	var out []endpoint
	for _, es := range m.slices[svcKey(s)] {
		for _, ep := range es.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				ip, err := netip.ParseAddr(a)
				if err != nil || seen[a] {
					continue
				}
				seen[a] = true
				e := endpoint{ip: ip, pod: m.podByIP[a]}
				if e.pod != nil {
					e.node = e.pod.Spec.NodeName
				}
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// checkDNSQuery checks that the client pod's DNS query reaches CoreDNS:
// UDP/53 to the kube-dns Service, DNATed to the CoreDNS pods, through
// NetworkPolicy (the source's egress and CoreDNS's ingress).
func (pr *prober) checkDNSQuery() error {
	if pr.dnsDone {
		return nil
	}
	key := pr.m.opts.DNSNamespace + "/" + pr.m.opts.DNSService
	s := pr.m.services[key]
	if s == nil {
		return refuse(probe.Unresolved, fmt.Sprintf("Unresolved: the cluster has no DNS Service %s.", key))
	}
	sp, err := pr.m.servicePort(s, probe.Port{Number: 53}, corev1.ProtocolUDP)
	if err != nil {
		return refuse(probe.Unresolved, fmt.Sprintf("Unresolved: the DNS Service %s has no port 53/UDP.", key))
	}
	eps := pr.m.endpoints(s, sp)
	pr.readinessUnsure(s, eps)
	if len(eps) == 0 {
		return refuse(probe.Unresolved, fmt.Sprintf("Unresolved: the DNS Service %s has no endpoints.", key), pr.m.whyNoEndpoints(s, sp))
	}
	c := &conn{sender: pr.client.peer, seenAs: pr.client.peer, svc: s, legs: eps, proto: corev1.ProtocolUDP, what: "Service " + key}
	rs := pr.m.evaluate(c)
	okN := 0
	for _, r := range rs {
		if r.ok() {
			okN++
		}
	}
	if okN < len(rs) {
		outcome, _ := failure(pr.client.name, c, rs)
		why := "is dropped by NetworkPolicy"
		if outcome != probe.Denied {
			why = "gets no answer"
		}
		summary := fmt.Sprintf("Unresolved: the DNS query from %s to CoreDNS (%s, UDP/53) %s.", pr.client.name, key, why)
		if okN > 0 {
			summary = fmt.Sprintf("Unresolved: only %d of %d CoreDNS pods admit the DNS query from %s, so name resolution would be flaky.", okN, len(rs), pr.client.name)
		}
		reasons := legReasons(rs)
		if outcome == probe.Denied {
			reasons = append(reasons, fmt.Sprintf("a pod whose egress is restricted needs a rule allowing UDP (and TCP) port 53 to the CoreDNS pods in %s", pr.m.opts.DNSNamespace))
		}
		return refuse(probe.Unresolved, summary, reasons...)
	}
	pr.dnsDone = true
	pr.note("the DNS query from %s reaches CoreDNS (%s, UDP/53)", pr.client.name, key)
	return nil
}

// toDNS resolves a name from the client pod and connects to the answer.
func (pr *prober) toDNS(name string) (*conn, error) {
	p := pr.client.pod
	if p == nil {
		return nil, fmt.Errorf("dns:%s needs a pod source: only pods use the cluster DNS (source is %s)", name, pr.client.name)
	}
	r, err := pr.m.resolverOf(p)
	if err != nil {
		return nil, err
	}
	if err := pr.checkDNSQuery(); err != nil {
		return nil, err
	}
	tried := r.candidates(name)
	var external *dnsAnswer
	for _, fqdn := range tried {
		a, ok := pr.m.answer(fqdn)
		if !ok {
			continue
		}
		if a.external {
			// Forwarded upstream; offline there is no upstream to say
			// NXDOMAIN, so a cluster name later in the search list wins.
			if external == nil {
				external = &a
			}
			continue
		}
		if fqdn != strings.ToLower(strings.TrimSuffix(name, ".")) {
			pr.note("%s resolves as %s (search path of pod %s)", name, fqdn, podKey(p))
		}
		return pr.toAnswer(a, 0)
	}
	if external != nil {
		return pr.toAnswer(*external, 0)
	}
	return nil, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: %s does not resolve (NXDOMAIN); the resolver of pod %s tried %s.", name, podKey(p), strings.Join(tried, ", ")), pr.m.dnsHints(name)...)
}

// toAnswer connects to what a name resolved to.
func (pr *prober) toAnswer(a dnsAnswer, depth int) (*conn, error) {
	switch {
	case a.svc != nil:
		return pr.toService(a.svc, depth)
	case a.pod != nil:
		pr.note("%s is the hostname record of pod %s", a.fqdn, podKey(a.pod))
		return pr.toPod(a.pod)
	case a.ip.IsValid():
		return pr.toIP(a.ip)
	}
	return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: %s resolves to external host %s outside the offline cluster.", pr.spec.To.Name, a.fqdn))
}

// followExternalName follows an ExternalName Service's CNAME.
func (pr *prober) followExternalName(s *corev1.Service, depth int) (*conn, error) {
	target := strings.ToLower(strings.TrimSuffix(s.Spec.ExternalName, "."))
	if pr.client.pod == nil {
		return nil, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: Service %s is an ExternalName, only a DNS CNAME to %s, and %s does not use the cluster DNS.", svcKey(s), target, pr.client.name))
	}
	if depth >= maxCNAME {
		return nil, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: ExternalName Services form a CNAME chain longer than %d (a loop?) at %s.", maxCNAME, svcKey(s)))
	}
	if _, err := pr.m.resolverOf(pr.client.pod); err != nil {
		return nil, err
	}
	if err := pr.checkDNSQuery(); err != nil {
		return nil, err
	}
	pr.note("Service %s is an ExternalName: its name is a DNS CNAME to %s", svcKey(s), target)
	a, ok := pr.m.answer(target)
	if !ok {
		return nil, refuse(probe.Unresolved, fmt.Sprintf("Unresolved: ExternalName Service %s points to %s, which does not resolve (NXDOMAIN).", svcKey(s), target))
	}
	if a.external {
		return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: Service %s resolves to external host %s outside the offline cluster.", svcKey(s), target))
	}
	return pr.toAnswer(a, depth+1)
}

// dnsHints suggests the right name when a Service of that first label
// exists in another namespace.
func (m *Model) dnsHints(name string) []string {
	first := strings.ToLower(strings.SplitN(strings.TrimSuffix(name, "."), ".", 2)[0])
	var out []string
	for _, s := range m.sortedServices() {
		if s.Name == first {
			out = append(out, fmt.Sprintf("Service %s exists: from another namespace use %s.%s (or %s.%s.svc.%s)", svcKey(s), s.Name, s.Namespace, s.Name, s.Namespace, m.opts.ClusterDomain))
		}
	}
	if len(out) == 0 {
		// A pod name is not a DNS name: say so when that is the mistake.
		for _, p := range m.objs.Pods {
			if p.Name == first {
				out = append(out, fmt.Sprintf("%s is a pod, and pods get no DNS name of their own: use a Service (or %s.%s.pod.%s)", podKey(&p), strings.ReplaceAll(p.Status.PodIP, ".", "-"), p.Namespace, m.opts.ClusterDomain))
				break
			}
		}
	}
	return out
}
