package netmodel

import (
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file is the NetworkPolicy (networking.k8s.io/v1) engine. New compiles
// every policy once (selectors parsed, CIDRs parsed, selected pods and
// matched peer pods as bitsets over m.pods); Policy explains one packet with
// reasons (policy_explain.go) and PolicyMatrix answers many packets at once
// from the bitsets.
//
// Semantics, as the API documents them and as kube-network-policies (the
// engine kind's CNI enforces with) implements them:
//   - a pod is isolated for a direction when a policy of its namespace
//     selects it and lists the direction in policyTypes (empty policyTypes
//     default to Ingress, plus Egress when egress rules exist); traffic is
//     then allowed only if some rule of such a policy admits it;
//   - a rule without from/to admits every peer, without ports every port;
//     items are ORed; inside one item podSelector and namespaceSelector are
//     ANDed; a podSelector alone means the policy's namespace;
//   - ipBlock matches the peer's IP, also when the peer is a pod; selectors
//     never match peers that are not pods (host-network pods included, and
//     pods whose IP lies outside the pod network: a lab pins such an
//     address for a host outside the cluster, see Model.IsHost, and no
//     policy selects them either);
//   - ports: protocol defaults to TCP, endPort makes a range, and a named
//     port matches when the destination pod has a container port of that
//     name and protocol on the packet's port (only regular containers are
//     searched, as kube-network-policies does);
//   - a selector or CIDR that does not parse matches nothing.
//
// Namespaces always carry the kubernetes.io/metadata.name label, as the API
// server forces it, even when a snapshot's namespace object lacks it or is
// missing.
//
// Where kube-network-policies v1.1.1 (checked by netmodel/difftest) differs
// on input the API server never returns, the model follows the API:
//   - `ingress: []` (an empty, non-nil list) admits everything upstream, but
//     the API server reads it back as absent, so here any empty rule list
//     admits nothing;
//   - a selector or CIDR that does not parse makes upstream accept the
//     packet; validation rejects such objects, and here they match nothing
//     (the reasons say so);
//   - a named port with endPort, or an item with neither ipBlock nor selectors,
//     is invalid; here the endPort is ignored and the item matches nothing.
// Named ports search only spec.containers (not sidecar init containers),
// exactly as kube-network-policies builds its PodInfo.

// Peer is one end of a packet as NetworkPolicy sees it: a pod (Pod set, IP
// its pod IP) or a host that is not a pod (Pod nil). A host-network pod,
// or a pod outside the pod network (Model.IsHost), acts as a host.
type Peer struct {
	Pod *corev1.Pod
	IP  netip.Addr
}

// Decision is the NetworkPolicy verdict for one packet, with reasons. The
// first reason states the verdict ("allowed: ..." or "denied: ...").
type Decision struct {
	Allowed bool
	Reasons []string
}

// PolicyTypes are the directions a NetworkPolicy isolates, as the API
// server defaults spec.policyTypes: the list itself when it is set, else
// Ingress, plus Egress when the policy has egress rules.
func PolicyTypes(np *networkingv1.NetworkPolicy) []networkingv1.PolicyType {
	if len(np.Spec.PolicyTypes) > 0 {
		return np.Spec.PolicyTypes
	}
	if len(np.Spec.Egress) > 0 {
		return []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	}
	return []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
}

// Policy decides whether NetworkPolicies let a packet from src to dst on
// dstPort/proto pass: the source pod's egress policies and the destination
// pod's ingress policies. dstPort is the port on the destination (after
// Service DNAT). An empty proto means TCP.
func (m *Model) Policy(src, dst Peer, dstPort int, proto corev1.Protocol) Decision {
	ix := m.pol
	s, d := ix.end(src), ix.end(dst)
	proto = polProto(proto)
	eg := ix.direction(polEgress, s, d, dstPort, proto)
	in := ix.direction(polIngress, s, d, dstPort, proto)
	dec := Decision{Allowed: eg.allowed && in.allowed}
	// The lines of a denying direction come first: they state the verdict.
	switch {
	case !eg.allowed:
		dec.Reasons = append(append(dec.Reasons, eg.lines...), in.lines...)
	default:
		dec.Reasons = append(append(dec.Reasons, in.lines...), eg.lines...)
	}
	if len(dec.Reasons) == 0 {
		dec.Reasons = []string{"allowed: neither " + s.name() + " nor " + d.name() + " is a pod, so no NetworkPolicy applies"}
	}
	return dec
}

// policyEgress runs only the source pod's egress policies for a packet from
// src to dst on dstPort/proto (for a destination whose ingress sees a
// translated source; run policyIngress with that source).
func (m *Model) policyEgress(src, dst Peer, dstPort int, proto corev1.Protocol) Decision {
	return m.policyOneWay(polEgress, src, dst, dstPort, proto)
}

// policyIngress runs only the destination pod's ingress policies.
func (m *Model) policyIngress(src, dst Peer, dstPort int, proto corev1.Protocol) Decision {
	return m.policyOneWay(polIngress, src, dst, dstPort, proto)
}

func (m *Model) policyOneWay(d polDir, src, dst Peer, dstPort int, proto corev1.Protocol) Decision {
	ix := m.pol
	s, t := ix.end(src), ix.end(dst)
	v := ix.direction(d, s, t, dstPort, polProto(proto))
	if len(v.lines) == 0 {
		subject := s
		if d == polIngress {
			subject = t
		}
		v.lines = []string{fmt.Sprintf("allowed: %s is not a pod, so no %s NetworkPolicy applies", subject.name(), d)}
	}
	return Decision{Allowed: v.allowed, Reasons: v.lines}
}

// PolicyMatrix returns the NetworkPolicy verdict for every ordered pair of
// m.Pods() on one destination port and protocol: out[i][j] says whether a
// packet from Pods()[i] to Pods()[j] passes (the same verdict as Policy,
// without reasons; the diagonal is evaluated like any other pair).
// Host-network pods act as hosts with their IP.
func (m *Model) PolicyMatrix(port int, proto corev1.Protocol) [][]bool {
	return m.pol.matrix(port, polProto(proto))
}

// polDir is a direction of NetworkPolicy.
type polDir int

const (
	polIngress polDir = iota
	polEgress
)

func (d polDir) String() string {
	if d == polEgress {
		return "egress"
	}
	return "ingress"
}

// policyIndex holds the compiled policies of a Model.
type policyIndex struct {
	m        *Model
	n        int          // len(m.pods)
	pols     []*polPolicy // sorted by namespace/name
	byNS     map[string][]*polPolicy
	podIP    []netip.Addr          // per pod index
	isPod    []bool                // per pod index: takes part as a pod (not host network, not a host outside the pod network)
	cports   [][]polContainerPort  // per pod index
	nsPods   map[string][]int      // namespace -> pod indexes
	nsLabels map[string]labels.Set // namespace -> labels (with metadata.name)
	nsNames  []string              // namespaces that have pods, sorted
	selects  [2][][]int32          // direction -> pod index -> indexes into pols selecting it
}

// polPolicy is one compiled NetworkPolicy.
type polPolicy struct {
	np       *networkingv1.NetworkPolicy
	key      string // namespace/name
	podSel   *polSelector
	types    [2]bool       // policyTypes (defaulted when empty)
	rules    [2][]*polRule // ingress rules, egress rules
	selected polBits       // pods the policy selects
}

// polRule is one ingress or egress rule.
type polRule struct {
	allPeers bool // no from/to: every peer
	peers    []*polItem
	allPorts bool // no ports: every port
	ports    []polPort
	peerPods polBits // indexed pods some item matches (all when allPeers)
	named    bool    // some port is named
}

// polItem is one item of from/to.
type polItem struct {
	block *polBlock
	pods  *polSelector // podSelector, nil when absent
	ns    *polSelector // namespaceSelector, nil when absent
}

// polSelector is a parsed label selector.
type polSelector struct {
	src *metav1.LabelSelector
	sel labels.Selector
	err error
}

func (s *polSelector) matches(l labels.Set) bool {
	return s.err == nil && s.sel.Matches(l)
}

// polBlock is a parsed ipBlock.
type polBlock struct {
	cidrText string
	cidr     netip.Prefix
	except   []netip.Prefix
	exceptTx []string
	err      error
}

// contains reports whether ip is in the block; when it is in cidr but in an
// except range, excludedBy names that range.
func (b *polBlock) contains(ip netip.Addr) (ok bool, excludedBy string) {
	if b.err != nil || !ip.IsValid() {
		return false, ""
	}
	ip = ip.Unmap()
	if !b.cidr.Contains(ip) {
		return false, ""
	}
	for i, e := range b.except {
		if e.Contains(ip) {
			return false, b.exceptTx[i]
		}
	}
	return true, ""
}

// polPort is one entry of a rule's ports.
type polPort struct {
	proto    corev1.Protocol
	any      bool   // no port: every port of proto
	name     string // named port
	num, end int    // numeric port range [num, end]
}

// polContainerPort is a declared container port, for named ports.
type polContainerPort struct {
	name  string
	proto corev1.Protocol
	port  int
}

func polProto(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func newPolicyIndex(m *Model, pols []networkingv1.NetworkPolicy) *policyIndex {
	n := len(m.pods)
	ix := &policyIndex{
		m:        m,
		n:        n,
		byNS:     map[string][]*polPolicy{},
		podIP:    make([]netip.Addr, n),
		isPod:    make([]bool, n),
		cports:   make([][]polContainerPort, n),
		nsPods:   map[string][]int{},
		nsLabels: map[string]labels.Set{},
	}
	var cports []polContainerPort // every pod's, in pod order
	cportsEnd := make([]int, n)
	for i, p := range m.pods {
		if ip, err := netip.ParseAddr(p.Status.PodIP); err == nil {
			ix.podIP[i] = ip.Unmap()
		}
		ix.isPod[i] = !p.Spec.HostNetwork && !m.IsHost(p)
		cports = polAppendContainerPorts(cports, p)
		cportsEnd[i] = len(cports)
		if _, seen := ix.nsPods[p.Namespace]; !seen {
			ix.nsNames = append(ix.nsNames, p.Namespace)
		}
		ix.nsPods[p.Namespace] = append(ix.nsPods[p.Namespace], i)
	}
	for i, end := range cportsEnd {
		start := 0
		if i > 0 {
			start = cportsEnd[i-1]
		}
		ix.cports[i] = cports[start:end:end]
	}
	sort.Strings(ix.nsNames)
	for _, ns := range ix.nsNames {
		ix.nsLabels[ns] = m.polNamespaceLabels(ns)
	}
	for d := range ix.selects {
		ix.selects[d] = make([][]int32, n)
	}
	c := newPolCompiler(ix)
	for i := range pols {
		ix.pols = append(ix.pols, c.compile(&pols[i]))
	}
	sort.SliceStable(ix.pols, func(i, j int) bool {
		a, b := ix.pols[i].np, ix.pols[j].np
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	for k, p := range ix.pols {
		ix.byNS[p.np.Namespace] = append(ix.byNS[p.np.Namespace], p)
		c.markPods(p.np.Namespace, p.podSel, p.selected)
		for _, i := range ix.nsPods[p.np.Namespace] {
			if !p.selected.has(i) {
				continue
			}
			for d := range p.types {
				if p.types[d] {
					ix.selects[d][i] = append(ix.selects[d][i], int32(k))
				}
			}
		}
	}
	return ix
}

// polNamespaceLabels returns a namespace's labels with the
// kubernetes.io/metadata.name label the API server maintains.
func (m *Model) polNamespaceLabels(name string) labels.Set {
	out := labels.Set{}
	if ns := m.namespaces[name]; ns != nil {
		for k, v := range ns.Labels {
			out[k] = v
		}
	}
	out[corev1.LabelMetadataName] = name
	return out
}

func polContainerPorts(p *corev1.Pod) []polContainerPort {
	return polAppendContainerPorts(nil, p)
}

// polAppendContainerPorts appends the ports a named policy port can name:
// those of the pod's regular containers.
func polAppendContainerPorts(out []polContainerPort, p *corev1.Pod) []polContainerPort {
	for i := range p.Spec.Containers {
		for _, cp := range p.Spec.Containers[i].Ports {
			out = append(out, polContainerPort{name: cp.Name, proto: polProto(cp.Protocol), port: int(cp.ContainerPort)})
		}
	}
	return out
}

// polCompiler holds what compiling the policies of one index reuses: each
// distinct selector is parsed once, and evaluated once per distinct set of
// pod labels (the pods of a workload share their labels) and once per
// namespace.
type polCompiler struct {
	ix        *policyIndex
	selectors map[string]*polSelector   // by polSelectorKey
	labelSets []labels.Set              // the distinct label sets of the pods
	groups    map[string][]polGroup     // namespace -> its pods that take part as pods, by label set
	podMatch  map[*polSelector][]int8   // per index into labelSets: 0 not evaluated yet, 1 selected, -1 not
	nsMatch   map[*polSelector][]string // the namespaces with pods that a namespaceSelector selects
	inPrefix  map[netip.Prefix]polBits  // the pods whose IP a CIDR contains
	byIP      []int                     // the pods with an IP (without zone), sorted by IP
	buf       []byte                    // for keys
}

// polGroup is the pods of one namespace that have the same labels.
type polGroup struct {
	labels int   // index into polCompiler.labelSets
	pods   []int // pod indexes
}

func newPolCompiler(ix *policyIndex) *polCompiler {
	c := &polCompiler{
		ix:        ix,
		selectors: map[string]*polSelector{},
		groups:    map[string][]polGroup{},
		podMatch:  map[*polSelector][]int8{},
		nsMatch:   map[*polSelector][]string{},
		inPrefix:  map[netip.Prefix]polBits{},
	}
	setOf := map[string]int{} // polAppendLabels -> index into labelSets
	for _, ns := range ix.nsNames {
		groupOf := map[int]int{} // label set -> index into groups[ns]
		for _, i := range ix.nsPods[ns] {
			if !ix.isPod[i] {
				continue
			}
			l := ix.m.pods[i].Labels
			c.buf = polAppendLabels(c.buf[:0], l)
			set, ok := setOf[string(c.buf)]
			if !ok {
				set = len(c.labelSets)
				setOf[string(c.buf)] = set
				c.labelSets = append(c.labelSets, labels.Set(l))
			}
			g, ok := groupOf[set]
			if !ok {
				g = len(c.groups[ns])
				groupOf[set] = g
				c.groups[ns] = append(c.groups[ns], polGroup{labels: set})
			}
			c.groups[ns][g].pods = append(c.groups[ns][g].pods, i)
		}
	}
	for i, ip := range ix.podIP {
		if ip.IsValid() && ip.Zone() == "" {
			c.byIP = append(c.byIP, i)
		}
	}
	sort.Slice(c.byIP, func(a, b int) bool { return ix.podIP[c.byIP[a]].Less(ix.podIP[c.byIP[b]]) })
	return c
}

// selector compiles a label selector, once per distinct selector (nil when
// s is nil).
func (c *polCompiler) selector(s *metav1.LabelSelector) *polSelector {
	if s == nil {
		return nil
	}
	c.buf = polAppendSelector(c.buf[:0], s)
	if cs, ok := c.selectors[string(c.buf)]; ok {
		return cs
	}
	cs := polCompileSelector(s)
	c.selectors[string(c.buf)] = cs
	return cs
}

// namespaces returns the namespaces with pods that a namespace selector
// selects.
func (c *polCompiler) namespaces(s *polSelector) []string {
	if nss, ok := c.nsMatch[s]; ok {
		return nss
	}
	nss := []string{}
	for _, ns := range c.ix.nsNames {
		if s.matches(c.ix.nsLabels[ns]) {
			nss = append(nss, ns)
		}
	}
	c.nsMatch[s] = nss
	return nss
}

// podsIn returns the pods whose IP a CIDR contains. The addresses of a
// CIDR are consecutive in the order of c.byIP (an address with a zone is
// in no CIDR), so they are found from the CIDR's first address on.
func (c *polCompiler) podsIn(p netip.Prefix) polBits {
	if b, ok := c.inPrefix[p]; ok {
		return b
	}
	b := newPolBits(c.ix.n)
	first := sort.Search(len(c.byIP), func(k int) bool { return !c.ix.podIP[c.byIP[k]].Less(p.Addr()) })
	for _, i := range c.byIP[first:] {
		if !p.Contains(c.ix.podIP[i]) {
			break
		}
		b.set(i)
	}
	c.inPrefix[p] = b
	return b
}

// markPods sets in into the pods of namespace ns (those that take part as
// pods) that a pod selector selects, every one when s is nil.
func (c *polCompiler) markPods(ns string, s *polSelector, into polBits) {
	var memo []int8 // s's verdict per label set: 0 not evaluated yet, 1 selected, -1 not
	if s != nil {
		if memo = c.podMatch[s]; memo == nil {
			memo = make([]int8, len(c.labelSets))
			c.podMatch[s] = memo
		}
	}
	for _, g := range c.groups[ns] {
		if s != nil {
			if memo[g.labels] == 0 {
				memo[g.labels] = -1
				if s.matches(c.labelSets[g.labels]) {
					memo[g.labels] = 1
				}
			}
			if memo[g.labels] < 0 {
				continue
			}
		}
		for _, i := range g.pods {
			into.set(i)
		}
	}
}

// polAppendSelector appends a label selector as a key: equal for
// selectors with the same matchLabels and the same matchExpressions (in the
// same order), so that they compile to the same selector, and different for
// others.
func polAppendSelector(b []byte, s *metav1.LabelSelector) []byte {
	b = polAppendLabels(b, s.MatchLabels)
	b = strconv.AppendInt(b, int64(len(s.MatchExpressions)), 10)
	b = append(b, ':')
	for _, e := range s.MatchExpressions {
		b = polAppendString(b, e.Key)
		b = polAppendString(b, string(e.Operator))
		b = strconv.AppendInt(b, int64(len(e.Values)), 10)
		b = append(b, ':')
		for _, v := range e.Values {
			b = polAppendString(b, v)
		}
	}
	return b
}

// polAppendLabels appends a label set as a key, equal for equal sets (nil
// and empty included) and different for different ones: the number of
// labels, then each key and value, sorted by key.
func polAppendLabels(b []byte, l map[string]string) []byte {
	var small [8]string
	keys := small[:0]
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = strconv.AppendInt(b, int64(len(keys)), 10)
	b = append(b, ':')
	for _, k := range keys {
		b = polAppendString(b, k)
		b = polAppendString(b, l[k])
	}
	return b
}

// polAppendString appends a string prefixed by its length, so that a
// sequence of them reads back unambiguously.
func polAppendString(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func polCompileSelector(s *metav1.LabelSelector) *polSelector {
	if s == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	return &polSelector{src: s, sel: sel, err: err}
}

func polCompileBlock(b *networkingv1.IPBlock) *polBlock {
	out := &polBlock{cidrText: b.CIDR}
	var err error
	if out.cidr, err = netip.ParsePrefix(b.CIDR); err != nil {
		out.err = fmt.Errorf("%q is not a CIDR", b.CIDR)
		return out
	}
	out.cidr = out.cidr.Masked()
	for _, e := range b.Except {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			out.err = fmt.Errorf("except %q is not a CIDR", e)
			return out
		}
		out.except = append(out.except, p.Masked())
		out.exceptTx = append(out.exceptTx, e)
	}
	return out
}

func polCompilePort(p networkingv1.NetworkPolicyPort) polPort {
	out := polPort{proto: corev1.ProtocolTCP}
	if p.Protocol != nil {
		out.proto = polProto(*p.Protocol)
	}
	switch {
	case p.Port == nil:
		out.any = true
	case p.Port.Type == intstr.String:
		out.name = p.Port.StrVal
	default:
		out.num = int(p.Port.IntVal)
		out.end = out.num
		if p.EndPort != nil && int(*p.EndPort) > out.num {
			out.end = int(*p.EndPort)
		}
	}
	return out
}

func (c *polCompiler) compile(np *networkingv1.NetworkPolicy) *polPolicy {
	p := &polPolicy{
		np:       np,
		key:      np.Namespace + "/" + np.Name,
		podSel:   c.selector(&np.Spec.PodSelector),
		selected: newPolBits(c.ix.n),
	}
	for _, t := range PolicyTypes(np) {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.types[polIngress] = true
		case networkingv1.PolicyTypeEgress:
			p.types[polEgress] = true
		}
	}
	for _, r := range np.Spec.Ingress {
		p.rules[polIngress] = append(p.rules[polIngress], c.compileRule(np.Namespace, r.From, r.Ports))
	}
	for _, r := range np.Spec.Egress {
		p.rules[polEgress] = append(p.rules[polEgress], c.compileRule(np.Namespace, r.To, r.Ports))
	}
	return p
}

func (c *polCompiler) compileRule(ns string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) *polRule {
	ix := c.ix
	r := &polRule{allPeers: len(peers) == 0, allPorts: len(ports) == 0, peerPods: newPolBits(ix.n)}
	for _, pp := range ports {
		cp := polCompilePort(pp)
		r.named = r.named || cp.name != ""
		r.ports = append(r.ports, cp)
	}
	if r.allPeers {
		r.peerPods.fill(ix.n)
		return r
	}
	for i := range peers {
		it := &polItem{pods: c.selector(peers[i].PodSelector), ns: c.selector(peers[i].NamespaceSelector)}
		if peers[i].IPBlock != nil {
			it.block = polCompileBlock(peers[i].IPBlock)
		}
		r.peers = append(r.peers, it)
		c.markItem(ns, it, r.peerPods)
	}
	return r
}

// markItem sets in into the indexed pods that item matches.
func (c *polCompiler) markItem(policyNS string, it *polItem, into polBits) {
	if b := it.block; b != nil {
		if b.err != nil {
			return
		}
		// polBlock.contains for every pod: in the CIDR and in no except
		// range.
		in := c.podsIn(b.cidr)
		if len(b.except) == 0 {
			into.or(in)
			return
		}
		matched := newPolBits(c.ix.n)
		copy(matched, in)
		for _, e := range b.except {
			matched.andNot(c.podsIn(e))
		}
		into.or(matched)
		return
	}
	if it.pods == nil && it.ns == nil {
		return
	}
	if it.ns == nil {
		c.markPods(policyNS, it.pods, into)
		return
	}
	for _, ns := range c.namespaces(it.ns) {
		c.markPods(ns, it.pods, into)
	}
}

// portMatches reports whether a rule's ports admit port/proto towards a
// destination with the given container ports (nil when it is not a pod).
func (r *polRule) portMatches(port int, proto corev1.Protocol, dstPod bool, cports []polContainerPort) bool {
	if r.allPorts {
		return true
	}
	for _, pp := range r.ports {
		if pp.portMatches(port, proto, dstPod, cports) {
			return true
		}
	}
	return false
}

func (pp polPort) portMatches(port int, proto corev1.Protocol, dstPod bool, cports []polContainerPort) bool {
	if pp.proto != proto {
		return false
	}
	switch {
	case pp.any:
		return true
	case pp.name != "":
		if !dstPod {
			return false
		}
		for _, c := range cports {
			if c.name == pp.name && c.proto == proto && c.port == port {
				return true
			}
		}
		return false
	}
	return port >= pp.num && port <= pp.end
}

// matrix computes PolicyMatrix from the bitsets: for every source the set of
// destinations its egress admits, for every destination the set of sources
// its ingress admits. A rule admits a pair when its peers contain the other
// end (r.peerPods) and its ports admit port/proto towards the destination
// (portDests).
func (ix *policyIndex) matrix(port int, proto corev1.Protocol) [][]bool {
	n := ix.n
	named := ix.namedPorts(port, proto)
	all := newPolBits(n)
	all.fill(n)

	// Egress: what a policy's rules admit does not depend on the source it
	// selects, so each policy's admitted destinations are computed once.
	egAdmits := make([]polBits, len(ix.pols))
	for k, p := range ix.pols {
		if !p.types[polEgress] {
			continue
		}
		b := newPolBits(n)
		for _, r := range p.rules[polEgress] {
			anyDst, dsts := ix.portDests(r, port, proto, named)
			switch {
			case anyDst:
				b.or(r.peerPods)
			case dsts != nil:
				b.orAnd(r.peerPods, dsts)
			}
		}
		egAdmits[k] = b
	}
	egress := make([]polBits, n)
	for i := 0; i < n; i++ {
		sel := ix.selects[polEgress][i]
		switch len(sel) {
		case 0:
			egress[i] = all
		case 1:
			egress[i] = egAdmits[sel[0]]
		default:
			row := newPolBits(n)
			for _, k := range sel {
				row.or(egAdmits[k])
			}
			egress[i] = row
		}
	}

	// Ingress: the sources a policy admits to every destination it selects
	// (rules whose ports do not depend on the destination), and its rules
	// with named ports, which admit only some destinations.
	type namedRule struct {
		peers polBits // r.peerPods
		dsts  polBits // destinations whose named ports the rule admits
	}
	inAdmits := make([]polBits, len(ix.pols))
	inNamed := make([][]namedRule, len(ix.pols))
	for k, p := range ix.pols {
		if !p.types[polIngress] {
			continue
		}
		b := newPolBits(n)
		for _, r := range p.rules[polIngress] {
			anyDst, dsts := ix.portDests(r, port, proto, named)
			switch {
			case anyDst:
				b.or(r.peerPods)
			case dsts != nil:
				inNamed[k] = append(inNamed[k], namedRule{peers: r.peerPods, dsts: dsts})
			}
		}
		inAdmits[k] = b
	}
	ingress := make([]polBits, n)
	for j := 0; j < n; j++ {
		sel := ix.selects[polIngress][j]
		if len(sel) == 0 {
			ingress[j] = all
			continue
		}
		if len(sel) == 1 && len(inNamed[sel[0]]) == 0 {
			ingress[j] = inAdmits[sel[0]]
			continue
		}
		col := newPolBits(n)
		for _, k := range sel {
			col.or(inAdmits[k])
			for _, nr := range inNamed[k] {
				if nr.dsts.has(j) {
					col.or(nr.peers)
				}
			}
		}
		ingress[j] = col
	}

	// A packet from i to j passes when egress[i] has j and ingress[j] has
	// i. Turn the ingress columns into rows (admitted[i] has j when
	// ingress[j] has i) so that each row of the matrix is egress[i] AND
	// admitted[i].
	open := newPolBits(n) // destinations no policy isolates for ingress
	for j := 0; j < n; j++ {
		if len(ix.selects[polIngress][j]) == 0 {
			open.set(j)
		}
	}
	words := len(open)
	admitted := make([]polBits, n)
	slab := make(polBits, n*words)
	for i := range admitted {
		admitted[i] = slab[i*words : (i+1)*words : (i+1)*words]
		copy(admitted[i], open)
	}
	for j := 0; j < n; j++ {
		if open.has(j) {
			continue
		}
		for w, word := range ingress[j] {
			for word != 0 {
				admitted[w*64+bits.TrailingZeros64(word)].set(j)
				word &= word - 1
			}
		}
	}

	out := make([][]bool, n)
	cells := make([]bool, n*n)
	for i := 0; i < n; i++ {
		row := cells[i*n : (i+1)*n : (i+1)*n]
		out[i] = row
		eg, in := egress[i], admitted[i]
		for w := range eg {
			word := eg[w] & in[w]
			if word == ^uint64(0) {
				copy(row[w*64:w*64+64], allowed64[:])
				continue
			}
			for word != 0 {
				row[w*64+bits.TrailingZeros64(word)] = true
				word &= word - 1
			}
		}
	}
	return out
}

// allowed64 is the 64 cells of a full word of a matrix row.
var allowed64 = func() (cells [64]bool) {
	for i := range cells {
		cells[i] = true
	}
	return cells
}()

// namedPorts maps a container port name to the indexed pods (never a
// host) that declare a port of that name on port/proto: the destinations
// a named policy port of that name admits for the packet (see
// polPort.portMatches).
func (ix *policyIndex) namedPorts(port int, proto corev1.Protocol) map[string]polBits {
	out := map[string]polBits{}
	for j, cports := range ix.cports {
		if !ix.isPod[j] {
			continue
		}
		for _, c := range cports {
			if c.name == "" || c.proto != proto || c.port != port {
				continue
			}
			b := out[c.name]
			if b == nil {
				b = newPolBits(ix.n)
				out[c.name] = b
			}
			b.set(j)
		}
	}
	return out
}

// portDests says towards which destinations a rule's ports admit
// port/proto: every destination (anyDst), else the pods in dsts (from named
// ports; nil when none). It is r.portMatches for all destinations at once,
// named being ix.namedPorts(port, proto): a port that is not named admits
// the packet or not whatever the destination, a named one admits exactly
// the destinations in named[name].
func (ix *policyIndex) portDests(r *polRule, port int, proto corev1.Protocol, named map[string]polBits) (anyDst bool, dsts polBits) {
	if r.allPorts {
		return true, nil
	}
	for _, pp := range r.ports {
		if pp.name == "" && pp.portMatches(port, proto, false, nil) {
			return true, nil
		}
	}
	for _, pp := range r.ports {
		if pp.name == "" || pp.proto != proto || named[pp.name] == nil {
			continue
		}
		if dsts == nil {
			dsts = newPolBits(ix.n)
		}
		dsts.or(named[pp.name])
	}
	return false, dsts
}

// polBits is a set of pod indexes.
type polBits []uint64

func newPolBits(n int) polBits { return make(polBits, (n+63)/64) }

func (b polBits) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b polBits) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

func (b polBits) fill(n int) {
	for i := 0; i < n; i++ {
		b.set(i)
	}
}

func (b polBits) or(c polBits) {
	for i := range b {
		b[i] |= c[i]
	}
}

// andNot removes the members of c.
func (b polBits) andNot(c polBits) {
	for i := range b {
		b[i] &^= c[i]
	}
}

// orAnd adds the members of both c and d.
func (b polBits) orAnd(c, d polBits) {
	for i := range b {
		b[i] |= c[i] & d[i]
	}
}
