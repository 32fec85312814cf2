package netmodel

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// This file evaluates one packet against the compiled policies and says
// why, in short sentences a learner can act on:
//
//	denied: pod prod/db is selected by NetworkPolicy prod/p; no ingress rule admits pod dev/fe (10.244.1.3) on TCP/6379
//	rule 1 peer 2 matches the pod labels (podSelector role=fe) but not the namespace: needs namespace label project=myproject (namespace dev has no label project)
//	rule 1 peer 1 ipBlock 172.17.0.0/16 does not contain 10.244.1.3
//	allowed: NetworkPolicy prod/p ingress rule 1, peer 2 (namespaceSelector project=myproject AND podSelector role=fe → pods with role=fe in namespaces with project=myproject) admits pod myproject/fe (10.244.1.4) to pod prod/db on TCP/6379
//	allowed: no NetworkPolicy selects pod prod/db for ingress
//
// Rules and peers (the items of from/to) are numbered from 1. When several
// policies select a pod, rule lines start with the policy ("prod/p rule 1
// ...").

// polEnd is one end of a packet, resolved against the index.
type polEnd struct {
	pod     *corev1.Pod // nil when NetworkPolicy does not see a pod
	hostPod *corev1.Pod // a host-network pod (pod is nil then)
	outside *corev1.Pod // a pod outside the pod network, a host (pod is nil then; Model.IsHost)
	ip      netip.Addr
	idx     int // position in m.pods, -1 when not indexed
}

func (ix *policyIndex) end(p Peer) polEnd {
	e := polEnd{ip: p.IP.Unmap(), idx: -1}
	if p.Pod == nil {
		return e
	}
	if !e.ip.IsValid() {
		if ip, err := netip.ParseAddr(p.Pod.Status.PodIP); err == nil {
			e.ip = ip.Unmap()
		}
	}
	if p.Pod.Spec.HostNetwork {
		e.hostPod = p.Pod
		return e
	}
	if ix.m.IsHost(p.Pod) {
		e.outside = p.Pod
		return e
	}
	e.pod = p.Pod
	if i, ok := ix.m.podIndex[p.Pod]; ok {
		e.idx = i
	}
	return e
}

func (e polEnd) ipText() string {
	if !e.ip.IsValid() {
		return "no IP"
	}
	return e.ip.String()
}

// name names a peer: "pod NS/NAME (IP)" or the bare IP.
func (e polEnd) name() string {
	switch {
	case e.pod != nil:
		return "pod " + e.pod.Namespace + "/" + e.pod.Name + " (" + e.ipText() + ")"
	case e.hostPod != nil:
		return e.ipText() + " (host-network pod " + e.hostPod.Namespace + "/" + e.hostPod.Name + ")"
	case e.outside != nil:
		return "host " + e.outside.Namespace + "/" + e.outside.Name + " (" + e.ipText() + ")"
	case !e.ip.IsValid():
		return "a peer with no IP"
	}
	return e.ip.String()
}

// hostLine says what NetworkPolicy makes of a pod outside the pod network.
func (e polEnd) hostLine() string {
	return fmt.Sprintf("%s/%s is a host outside the pod network (pinned %s): only ipBlock peers match it", e.outside.Namespace, e.outside.Name, e.ipText())
}

// podName names a pod end without its IP.
func (e polEnd) podName() string { return "pod " + e.pod.Namespace + "/" + e.pod.Name }

func (ix *policyIndex) labelsOf(e polEnd) labels.Set { return labels.Set(e.pod.Labels) }

func (ix *policyIndex) nsLabelsOf(ns string) labels.Set {
	if l, ok := ix.nsLabels[ns]; ok {
		return l
	}
	return ix.m.polNamespaceLabels(ns)
}

func (ix *policyIndex) containerPorts(e polEnd) []polContainerPort {
	if e.idx >= 0 {
		return ix.cports[e.idx]
	}
	return polContainerPorts(e.pod)
}

// selecting returns the policies that select a pod for a direction.
func (ix *policyIndex) selecting(e polEnd, d polDir) []*polPolicy {
	if e.pod == nil {
		return nil
	}
	var out []*polPolicy
	if e.idx >= 0 {
		for _, k := range ix.selects[d][e.idx] {
			out = append(out, ix.pols[k])
		}
		return out
	}
	for _, p := range ix.byNS[e.pod.Namespace] {
		if p.types[d] && p.podSel.matches(ix.labelsOf(e)) {
			out = append(out, p)
		}
	}
	return out
}

// polVerdict is the verdict of one direction.
type polVerdict struct {
	allowed bool
	lines   []string
	// isolated: some policy selects the subject for the direction.
	isolated bool
	// by names what decided: the admitting policy, rule and peer, or the
	// policies that select the subject when none admits the packet.
	by string
}

// direction evaluates the egress of src or the ingress of dst.
func (ix *policyIndex) direction(d polDir, src, dst polEnd, port int, proto corev1.Protocol) polVerdict {
	subject, peer := dst, src
	if d == polEgress {
		subject, peer = src, dst
	}
	if subject.outside != nil {
		return ix.hostDirection(d, subject)
	}
	if subject.pod == nil {
		return polVerdict{allowed: true}
	}
	notes := ix.notes(d, subject)
	pols := ix.selecting(subject, d)
	if len(pols) == 0 {
		return polVerdict{allowed: true, lines: append([]string{fmt.Sprintf("allowed: no NetworkPolicy selects %s for %s", subject.podName(), d)}, notes...)}
	}
	pt := fmt.Sprintf("%s/%d", proto, port)
	for _, p := range pols {
		for ri, r := range p.rules[d] {
			peerIdx, ok := ix.ruleAdmits(p, r, peer, dst, port, proto)
			if !ok {
				continue
			}
			by := fmt.Sprintf("NetworkPolicy %s %s rule %d", p.key, d, ri+1)
			detail := ix.describeAdmission(d, p, r, peerIdx, peer)
			var line string
			if d == polIngress {
				line = fmt.Sprintf("allowed: %s%s admits %s to %s on %s", by, detail, peer.name(), subject.podName(), pt)
			} else {
				line = fmt.Sprintf("allowed: %s%s admits %s to %s on %s", by, detail, subject.podName(), peer.name(), pt)
			}
			return polVerdict{allowed: true, isolated: true, by: by + detail, lines: append([]string{line}, notes...)}
		}
	}
	keys := make([]string, len(pols))
	for i, p := range pols {
		keys[i] = p.key
	}
	what := "NetworkPolicy " + keys[0]
	if len(keys) > 1 {
		what = "NetworkPolicies " + strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
	}
	var head string
	if d == polIngress {
		head = fmt.Sprintf("denied: %s is selected by %s; no ingress rule admits %s on %s", subject.podName(), what, peer.name(), pt)
	} else {
		head = fmt.Sprintf("denied: %s is selected by %s; no egress rule allows traffic to %s on %s", subject.podName(), what, peer.name(), pt)
	}
	lines := []string{head}
	by := what + " (no " + d.String() + " rule admits " + peer.name() + " on " + pt + ")"
	for _, p := range pols {
		if len(p.rules[d]) == 0 {
			lines = append(lines, fmt.Sprintf("NetworkPolicy %s has no %s rules, so it admits nothing", p.key, d))
			continue
		}
		prefix := ""
		if len(pols) > 1 {
			prefix = p.key + " "
		}
		for ri, r := range p.rules[d] {
			lines = append(lines, ix.explainRule(fmt.Sprintf("%srule %d", prefix, ri+1), p, r, peer, dst, port, proto)...)
		}
	}
	return polVerdict{allowed: false, isolated: true, by: by, lines: append(lines, notes...)}
}

// hostDirection is the verdict for a pod outside the pod network as the
// subject of a direction: no NetworkPolicy selects a host, so it is open;
// the lines say so, and name the policies of its namespace whose pod
// selector its labels match, which one might expect to apply.
func (ix *policyIndex) hostDirection(d polDir, subject polEnd) polVerdict {
	p := subject.outside
	key := p.Namespace + "/" + p.Name
	lines := []string{fmt.Sprintf("allowed: no NetworkPolicy selects %s for %s: it is outside the pod network", subject.name(), d)}
	for _, np := range ix.byNS[p.Namespace] {
		if np.types[d] && np.podSel.matches(labels.Set(p.Labels)) {
			lines = append(lines, fmt.Sprintf("note: NetworkPolicy %s selects pods labelled like %s, but %s is not a pod of the pod network, so the policy does not apply to it", np.key, key, key))
		}
	}
	return polVerdict{allowed: true, lines: lines}
}

// notes points out policies of the subject's namespace that do not do what
// they seem to for this direction: rules ignored because policyTypes omit
// the direction, and pod selectors that do not parse.
func (ix *policyIndex) notes(d polDir, subject polEnd) []string {
	var out []string
	for _, p := range ix.byNS[subject.pod.Namespace] {
		if p.podSel.err != nil {
			if p.types[d] {
				out = append(out, fmt.Sprintf("note: NetworkPolicy %s has an invalid podSelector (%v), so it selects no pods", p.key, p.podSel.err))
			}
			continue
		}
		if !p.types[d] && len(p.rules[d]) > 0 && p.podSel.matches(ix.labelsOf(subject)) {
			t := "Ingress"
			if d == polEgress {
				t = "Egress"
			}
			out = append(out, fmt.Sprintf("note: NetworkPolicy %s has %s rules but its policyTypes omit %s, so they are ignored", p.key, d, t))
		}
	}
	return out
}

// ruleAdmits reports whether a rule admits the packet, and which peer (the
// index into r.peers; -1 for a rule without peers, which admits every
// peer) matched.
func (ix *policyIndex) ruleAdmits(p *polPolicy, r *polRule, peer, dst polEnd, port int, proto corev1.Protocol) (int, bool) {
	if !ix.rulePorts(r, dst, port, proto) {
		return -1, false
	}
	if r.allPeers {
		return -1, true
	}
	for i, it := range r.peers {
		if ix.itemMatches(p, it, peer) {
			return i, true
		}
	}
	return -1, false
}

// describeAdmission says which peer of a rule admitted the packet and
// what that peer means: ", peer 2 (podSelector role=x with no
// namespaceSelector → only pods of namespace prod)".
func (ix *policyIndex) describeAdmission(d polDir, p *polPolicy, r *polRule, peerIdx int, peer polEnd) string {
	if peerIdx < 0 {
		if d == polIngress {
			return " (no from: every source)"
		}
		return " (no to: every destination)"
	}
	return fmt.Sprintf(", peer %d (%s)", peerIdx+1, ix.describeItem(p, r.peers[peerIdx], peer))
}

// describeItem explains what a matching peer item selects.
func (ix *policyIndex) describeItem(p *polPolicy, it *polItem, peer polEnd) string {
	if b := it.block; b != nil {
		return fmt.Sprintf("%s contains %s", describeBlock(b), peer.ip)
	}
	ns := p.np.Namespace
	switch {
	case it.ns == nil:
		pods := selectorText(it.pods)
		if pods == "{}" {
			return fmt.Sprintf("podSelector {} with no namespaceSelector → every pod of namespace %s", ns)
		}
		return fmt.Sprintf("podSelector %s with no namespaceSelector → only pods of namespace %s", pods, ns)
	case it.pods == nil:
		nsSel := selectorText(it.ns)
		if nsSel == "{}" {
			return "namespaceSelector {} → every pod of every namespace"
		}
		return fmt.Sprintf("namespaceSelector %s → every pod of the namespaces it selects, here namespace %s", nsSel, peer.pod.Namespace)
	}
	nsSel, pods := selectorText(it.ns), selectorText(it.pods)
	where := "in namespaces with " + nsSel
	if nsSel == "{}" {
		where = "in every namespace"
	}
	who := "pods with " + pods
	if pods == "{}" {
		who = "every pod"
	}
	return fmt.Sprintf("namespaceSelector %s AND podSelector %s → %s %s", nsSel, pods, who, where)
}

// describeSelectors writes the selectors of a peer item:
// "namespaceSelector {}", "podSelector app=x", or both joined by AND.
func describeSelectors(it *polItem) string {
	var parts []string
	if it.ns != nil {
		parts = append(parts, "namespaceSelector "+selectorText(it.ns))
	}
	if it.pods != nil {
		parts = append(parts, "podSelector "+selectorText(it.pods))
	}
	return strings.Join(parts, " AND ")
}

// describeBlock writes an ipBlock as "ipBlock 172.17.0.0/16 except
// [172.17.1.0/24]".
func describeBlock(b *polBlock) string {
	if len(b.exceptTx) == 0 {
		return "ipBlock " + b.cidrText
	}
	return fmt.Sprintf("ipBlock %s except [%s]", b.cidrText, strings.Join(b.exceptTx, ", "))
}

// selectorText writes a label selector as kubectl does (role=db,
// tier in (a,b), !legacy), "{}" when it selects everything.
func selectorText(s *polSelector) string {
	if s == nil || s.err != nil {
		return "(invalid)"
	}
	if t := s.sel.String(); t != "" {
		return t
	}
	return "{}"
}

func (ix *policyIndex) rulePorts(r *polRule, dst polEnd, port int, proto corev1.Protocol) bool {
	if r.allPorts {
		return true
	}
	var cports []polContainerPort
	if r.named && dst.pod != nil {
		cports = ix.containerPorts(dst)
	}
	return r.portMatches(port, proto, dst.pod != nil, cports)
}

func (ix *policyIndex) itemMatches(p *polPolicy, it *polItem, peer polEnd) bool {
	if it.block != nil {
		ok, _ := it.block.contains(peer.ip)
		return ok
	}
	if peer.pod == nil || (it.pods == nil && it.ns == nil) {
		return false
	}
	if it.pods != nil && !it.pods.matches(ix.labelsOf(peer)) {
		return false
	}
	if it.ns == nil {
		return peer.pod.Namespace == p.np.Namespace
	}
	return it.ns.matches(ix.nsLabelsOf(peer.pod.Namespace))
}

// explainRule says why a rule does not admit the packet.
func (ix *policyIndex) explainRule(prefix string, p *polPolicy, r *polRule, peer, dst polEnd, port int, proto corev1.Protocol) []string {
	var out []string
	if !ix.rulePorts(r, dst, port, proto) {
		line := fmt.Sprintf("%s allows only %s, not %s/%d", prefix, polDescribePorts(r.ports), proto, port)
		if notes := ix.namedPortNotes(r, dst, proto); len(notes) > 0 {
			line += " (" + strings.Join(notes, "; ") + ")"
		}
		out = append(out, line)
	}
	if r.allPeers {
		return out
	}
	for _, it := range r.peers {
		if ix.itemMatches(p, it, peer) {
			// The peer matches; the rule failed on its ports.
			return out
		}
	}
	for i, it := range r.peers {
		for _, why := range ix.explainItem(p, it, peer) {
			out = append(out, fmt.Sprintf("%s peer %d %s", prefix, i+1, why))
		}
	}
	return out
}

// explainItem says why an item of from/to does not match the peer.
func (ix *policyIndex) explainItem(p *polPolicy, it *polItem, peer polEnd) []string {
	if b := it.block; b != nil {
		switch ok, excl := b.contains(peer.ip); {
		case b.err != nil:
			return []string{fmt.Sprintf("ipBlock %s is invalid (%v), so it matches nothing", b.cidrText, b.err)}
		case !peer.ip.IsValid():
			return []string{fmt.Sprintf("ipBlock %s cannot match %s", b.cidrText, peer.name())}
		case excl != "":
			return []string{fmt.Sprintf("ipBlock %s excludes %s", b.cidrText, excl)}
		case !ok:
			return []string{fmt.Sprintf("ipBlock %s does not contain %s", b.cidrText, peer.ip)}
		}
		return nil
	}
	if it.pods == nil && it.ns == nil {
		return []string{"is empty, so it matches nothing"}
	}
	if peer.outside != nil {
		return []string{fmt.Sprintf("(%s) matches only pods, and %s", describeSelectors(it), peer.hostLine())}
	}
	if peer.pod == nil {
		return []string{fmt.Sprintf("selects pods, and %s is not a pod", peer.name())}
	}
	for _, s := range []struct {
		sel   *polSelector
		field string
	}{{it.pods, "podSelector"}, {it.ns, "namespaceSelector"}} {
		if s.sel != nil && s.sel.err != nil {
			return []string{fmt.Sprintf("%s is invalid (%v), so it matches nothing", s.field, s.sel.err)}
		}
	}
	podOwner := "pod " + peer.pod.Namespace + "/" + peer.pod.Name
	var nsMiss, podMiss []string
	if it.ns == nil {
		if peer.pod.Namespace != p.np.Namespace {
			nsMiss = []string{fmt.Sprintf("has no namespaceSelector, so it only matches pods in namespace %s (%s is in %s)", p.np.Namespace, podOwner, peer.pod.Namespace)}
		}
	} else {
		nsMiss = polExplainSelector(it.ns, "namespaceSelector", "namespace label", "namespace "+peer.pod.Namespace, ix.nsLabelsOf(peer.pod.Namespace))
	}
	if it.pods != nil {
		podMiss = polExplainSelector(it.pods, "podSelector", "pod label", podOwner, ix.labelsOf(peer))
	}
	// The nearest miss: one half of the peer matches, the other does not.
	switch {
	case len(nsMiss) > 0 && len(podMiss) == 0 && it.pods != nil:
		if it.ns == nil {
			nsMiss[0] = fmt.Sprintf("matches the pod labels (podSelector %s) but %s", selectorText(it.pods), nsMiss[0])
		} else {
			nsMiss[0] = fmt.Sprintf("matches the pod labels (podSelector %s) but not the namespace: %s", selectorText(it.pods), nsMiss[0])
		}
	case len(podMiss) > 0 && len(nsMiss) == 0:
		where := "namespace " + peer.pod.Namespace
		if it.ns != nil {
			where += " (namespaceSelector " + selectorText(it.ns) + ")"
		}
		podMiss[0] = fmt.Sprintf("matches %s but not the pod labels: %s", where, podMiss[0])
	}
	return append(nsMiss, podMiss...)
}

// polExplainSelector lists the requirements of a selector that the labels
// of owner do not meet.
func polExplainSelector(s *polSelector, field, what, owner string, have labels.Set) []string {
	if s.err != nil {
		return []string{fmt.Sprintf("%s is invalid (%v), so it matches nothing", field, s.err)}
	}
	if s.sel.Matches(have) {
		return nil
	}
	var out []string
	lacks := func(k string) string {
		if v, ok := have[k]; ok {
			return fmt.Sprintf("%s has %s=%s", owner, k, v)
		}
		return fmt.Sprintf("%s has no label %s", owner, k)
	}
	keys := make([]string, 0, len(s.src.MatchLabels))
	for k := range s.src.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := s.src.MatchLabels[k]
		if v, ok := have[k]; !ok || v != want {
			out = append(out, fmt.Sprintf("needs %s %s=%s (%s)", what, k, want, lacks(k)))
		}
	}
	for _, e := range s.src.MatchExpressions {
		v, has := have[e.Key]
		in := false
		for _, x := range e.Values {
			in = in || (has && v == x)
		}
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if !in {
				want := e.Key + " in (" + strings.Join(e.Values, ", ") + ")"
				if len(e.Values) == 1 {
					want = e.Key + "=" + e.Values[0]
				}
				out = append(out, fmt.Sprintf("needs %s %s (%s)", what, want, lacks(e.Key)))
			}
		case metav1.LabelSelectorOpNotIn:
			if in {
				out = append(out, fmt.Sprintf("needs %s %s not in (%s) (%s)", what, e.Key, strings.Join(e.Values, ", "), lacks(e.Key)))
			}
		case metav1.LabelSelectorOpExists:
			if !has {
				out = append(out, fmt.Sprintf("needs %s %s with any value (%s)", what, e.Key, lacks(e.Key)))
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if has {
				out = append(out, fmt.Sprintf("needs no %s %s (%s)", what, e.Key, lacks(e.Key)))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("%s does not match %s", field, owner))
	}
	return out
}

// namedPortNotes explains the named ports of a rule for the packet's
// protocol: what the destination pod declares under that name.
func (ix *policyIndex) namedPortNotes(r *polRule, dst polEnd, proto corev1.Protocol) []string {
	var out []string
	seen := map[string]bool{}
	for _, pp := range r.ports {
		if pp.name == "" || pp.proto != proto || seen[pp.name] {
			continue
		}
		seen[pp.name] = true
		if dst.pod == nil {
			out = append(out, fmt.Sprintf("named port %s only matches pods, and %s is not a pod", pp.name, dst.name()))
			continue
		}
		var decl []string
		for _, c := range ix.containerPorts(dst) {
			if c.name == pp.name {
				decl = append(decl, fmt.Sprintf("%s/%d", c.proto, c.port))
			}
		}
		if len(decl) == 0 {
			out = append(out, fmt.Sprintf("%s has no container port named %s", dst.podName(), pp.name))
			continue
		}
		out = append(out, fmt.Sprintf("port %s of %s is %s", pp.name, dst.podName(), strings.Join(decl, ", ")))
	}
	return out
}

// polDescribePorts lists a rule's ports: "TCP/6379, TCP/8000-8080, TCP/http,
// UDP (any port)".
func polDescribePorts(ports []polPort) string {
	parts := make([]string, len(ports))
	for i, pp := range ports {
		switch {
		case pp.any:
			parts[i] = string(pp.proto) + " (any port)"
		case pp.name != "":
			parts[i] = string(pp.proto) + "/" + pp.name
		case pp.end > pp.num:
			parts[i] = string(pp.proto) + "/" + strconv.Itoa(pp.num) + "-" + strconv.Itoa(pp.end)
		default:
			parts[i] = string(pp.proto) + "/" + strconv.Itoa(pp.num)
		}
	}
	return strings.Join(parts, ", ")
}
