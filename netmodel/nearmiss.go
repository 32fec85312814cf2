package netmodel

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/internal/textdist"
	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file names near misses: objects the probe's route did not use
// (or used to no effect) that would have worked with one small change:
// the right object in the wrong namespace, a selector one label off, a
// port or label name one typo off. A check that fails says them first,
// before the generic reason. They are read from the objects alone, so a
// live backend (which builds the model from the same objects) gives the
// same ones.

// nearMisses finds the near misses of a probe the model carried: pr's
// route (its hops, the Services it went through) and its target.
func (pr *prober) nearMisses(v verdict) []string {
	m := pr.m
	var out []string
	out = append(out, pr.missingTargetElsewhere()...)
	out = append(out, pr.ingressBackendElsewhere...)
	var svcs []*corev1.Service
	seenSvc := map[*corev1.Service]bool{}
	addSvc := func(s *corev1.Service) {
		if s != nil && !seenSvc[s] {
			seenSvc[s] = true
			svcs = append(svcs, s)
		}
	}
	for _, h := range pr.hops {
		addSvc(h.c.svc)
	}
	addSvc(m.services[pr.service])
	addSvc(m.services[v.service])
	if t := pr.spec.To; t.Kind == probe.ToService || t.Kind == probe.ToLB {
		addSvc(m.services[t.Namespace+"/"+t.Name])
	}
	for _, s := range svcs {
		if s.Namespace == m.opts.IngressController.Namespace && s.Name == m.opts.IngressController.Service {
			continue
		}
		out = append(out, m.selectorOneOff(s)...)
		out = append(out, m.namedTargetPortTypos(s)...)
	}
	// NetworkPolicy: a policy in another namespace that would select the
	// pods, and rules of the policies that do select them that miss by a
	// port or a namespace label.
	if p := pr.client.pod; p != nil && !m.IsHost(p) && !p.Spec.HostNetwork {
		out = append(out, m.policyElsewhere(p, polEgress)...)
	}
	seenPod := map[*corev1.Pod]bool{}
	for _, h := range pr.hops {
		for _, l := range h.rs {
			p := l.ep.pod
			if p == nil || seenPod[p] || m.IsHost(p) || p.Spec.HostNetwork {
				continue
			}
			seenPod[p] = true
			out = append(out, m.policyElsewhere(p, polIngress)...)
			if l.policy.Allowed {
				continue
			}
			if h.c.svc != nil && !h.c.direct {
				out = append(out, m.policyServicePort(p, h.c.svc, l.ep.port, h.c.proto)...)
			}
			if s := h.c.sender.Pod; s != nil {
				out = append(out, m.namespaceSelectorTypos(p, s.Namespace)...)
			}
		}
	}
	return dedupe(out)
}

// missingTargetElsewhere: the probe names a Service (svc:, lb:, or a DNS
// name of a Service) that does not exist in its namespace, and a Service
// of that name exists in another one (or, failing that, one of a name one
// typo off in the same namespace).
func (pr *prober) missingTargetElsewhere() []string {
	m := pr.m
	t := pr.spec.To
	var ns, name string
	switch t.Kind {
	case probe.ToService, probe.ToLB:
		ns, name = t.Namespace, t.Name
	case probe.ToDNS:
		parts := strings.Split(strings.TrimSuffix(strings.ToLower(t.Name), "."), ".")
		name = parts[0]
		switch {
		case len(parts) == 1 && pr.client.pod != nil:
			ns = pr.client.pod.Namespace
		case len(parts) == 2, len(parts) > 2 && parts[2] == "svc":
			ns = parts[1]
		}
	}
	if name == "" || ns == "" || m.services[ns+"/"+name] != nil {
		return nil
	}
	var out []string
	for _, s := range m.sortedServices() {
		if s.Name == name && s.Namespace != ns {
			out = append(out, fmt.Sprintf("Service %s exists, but in namespace %s, not %s: apply it with -n %s", svcKey(s), s.Namespace, ns, ns))
		}
	}
	if len(out) == 0 {
		for _, s := range m.closeServices(ns, name) {
			out = append(out, fmt.Sprintf("there is no Service %s/%s, but there is %s: name the Service %s", ns, name, svcKey(s), name))
		}
	}
	return out
}

// closeServices are the Services of namespace ns whose names are one typo
// off name (not name itself).
func (m *Model) closeServices(ns, name string) []*corev1.Service {
	var out []*corev1.Service
	for _, s := range m.sortedServices() {
		if s.Namespace == ns && s.Name != name && nearName(s.Name, name) {
			out = append(out, s)
		}
	}
	return out
}

// ingressBackendNearMiss: an Ingress names a Service its namespace lacks,
// and a Service of that name exists in another namespace (or, failing
// that, one of a name one typo off in its own).
func (m *Model) ingressBackendNearMiss(ing *networkingv1.Ingress, svc string) []string {
	if svc == "" || m.services[ing.Namespace+"/"+svc] != nil {
		return nil
	}
	var out []string
	for _, s := range m.sortedServices() {
		if s.Name == svc && s.Namespace != ing.Namespace {
			out = append(out, fmt.Sprintf("Ingress %s/%s names Service %s, which exists in namespace %s only: an Ingress routes to Services of its own namespace, so create the Ingress with -n %s", ing.Namespace, ing.Name, svc, s.Namespace, s.Namespace))
		}
	}
	if len(out) == 0 {
		for _, s := range m.closeServices(ing.Namespace, svc) {
			out = append(out, fmt.Sprintf("Ingress %s/%s names Service %s, which does not exist; Service %s does: fix the backend's service name", ing.Namespace, ing.Name, svc, svcKey(s)))
		}
	}
	return out
}

// runningIn are the running pods of a namespace (sorted by name).
func (m *Model) runningIn(ns string) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range m.pods {
		if p.Namespace == ns {
			out = append(out, p)
		}
	}
	return out
}

// selectorOneOff: a Service whose selector selects no running pod of its
// namespace, but would select some with one label dropped (a multi-label
// selector) or with one label's key or value one typo off.
func (m *Model) selectorOneOff(s *corev1.Service) []string {
	sel := s.Spec.Selector
	if len(sel) == 0 {
		return nil
	}
	pods := m.runningIn(s.Namespace)
	for _, p := range pods {
		if labels.SelectorFromSet(sel).Matches(labels.Set(p.Labels)) {
			return nil
		}
	}
	keys := make([]string, 0, len(sel))
	for k := range sel {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	head := fmt.Sprintf("Service %s selects %s", svcKey(s), formatLabels(sel))
	var out []string
	for _, k := range keys {
		rest := map[string]string{}
		for k2, v2 := range sel {
			if k2 != k {
				rest[k2] = v2
			}
		}
		var match []*corev1.Pod
		for _, p := range pods {
			if labels.SelectorFromSet(rest).Matches(labels.Set(p.Labels)) {
				match = append(match, p)
			}
		}
		if len(match) == 0 {
			continue
		}
		who := "pods " + formatLabels(rest)
		if len(rest) == 0 {
			who = "pods"
		}
		var have []string
		seen := map[string]bool{}
		for _, p := range match {
			for pk, pv := range p.Labels {
				var kv string
				switch {
				case pk == k && (len(rest) > 0 || nearName(pv, sel[k])):
					kv = pk + "=" + pv
				case pk != k && pv == sel[k] && nearName(pk, k):
					kv = pk + "=" + pv
				}
				if kv != "" && !seen[kv] {
					seen[kv] = true
					have = append(have, kv)
				}
			}
		}
		sort.Strings(have)
		switch {
		case len(have) > 0:
			out = append(out, fmt.Sprintf("%s: no pod has %s=%s; %s have %s", head, k, sel[k], who, strings.Join(have, " or ")))
		case len(rest) > 0:
			out = append(out, fmt.Sprintf("%s: no pod has %s=%s; %s have no label %s", head, k, sel[k], who, k))
		}
	}
	return out
}

// namedTargetPortTypos: a Service port whose targetPort is a name that no
// container of the pods it selects declares.
func (m *Model) namedTargetPortTypos(s *corev1.Service) []string {
	if len(s.Spec.Selector) == 0 {
		return nil
	}
	var pods []*corev1.Pod
	for _, p := range m.runningIn(s.Namespace) {
		if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(p.Labels)) {
			pods = append(pods, p)
		}
	}
	if len(pods) == 0 {
		return nil
	}
	var out []string
	for i := range s.Spec.Ports {
		sp := &s.Spec.Ports[i]
		if sp.TargetPort.Type != intstr.String || sp.TargetPort.StrVal == "" {
			continue
		}
		want := sp.TargetPort.StrVal
		declared := map[string]string{}
		found := false
		for _, p := range pods {
			for _, c := range p.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == want && protoOf(cp.Protocol) == protoOf(sp.Protocol) {
						found = true
					}
					if cp.Name != "" {
						declared[cp.Name] = fmt.Sprintf("%s (%d/%s)", cp.Name, cp.ContainerPort, protoOf(cp.Protocol))
					}
				}
			}
		}
		if found {
			continue
		}
		var names []string
		for n := range declared {
			names = append(names, n)
		}
		sort.Slice(names, func(a, b int) bool {
			da, db := textdist.Levenshtein(names[a], want), textdist.Levenshtein(names[b], want)
			if da != db {
				return da < db
			}
			return names[a] < names[b]
		})
		what := "no container of its pods declares a port of that name"
		switch {
		case declared[want] != "":
			what = fmt.Sprintf("its pods declare %s: set protocol: %s on the Service port", declared[want], protoOfDeclared(pods, want))
		case len(names) > 0:
			what = "no container of its pods declares it; the closest is " + declared[names[0]]
		}
		out = append(out, fmt.Sprintf("Service %s port %s targets the port named %s, but %s", svcKey(s), portName(sp), want, what))
	}
	return out
}

// protoOfDeclared is the protocol of the first container port named name.
func protoOfDeclared(pods []*corev1.Pod, name string) corev1.Protocol {
	for _, p := range pods {
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == name {
					return protoOf(cp.Protocol)
				}
			}
		}
	}
	return corev1.ProtocolTCP
}

func protoOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// policyElsewhere: no NetworkPolicy of p's namespace selects p for the
// direction, but one in another namespace, which selects no pod of its
// own, has a podSelector that would select p: it was applied without -n.
func (m *Model) policyElsewhere(p *corev1.Pod, d polDir) []string {
	if m.isolated(p, d) {
		return nil
	}
	want := networkingv1.PolicyTypeIngress
	if d == polEgress {
		want = networkingv1.PolicyTypeEgress
	}
	var out []string
	for i := range m.objs.NetworkPolicies {
		np := &m.objs.NetworkPolicies[i]
		if np.Namespace == p.Namespace || !hasPolicyType(np, want) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		own := false
		for _, q := range m.runningIn(np.Namespace) {
			if sel.Matches(labels.Set(q.Labels)) {
				own = true
				break
			}
		}
		if own {
			continue
		}
		what := sel.String() + " pods"
		if sel.Empty() {
			what = "every pod"
		}
		out = append(out, fmt.Sprintf("NetworkPolicy %s/%s selects %s of namespace %s only: apply it with -n %s", np.Namespace, np.Name, what, np.Namespace, p.Namespace))
	}
	sort.Strings(out)
	return out
}

func hasPolicyType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	for _, x := range PolicyTypes(np) {
		if x == t {
			return true
		}
	}
	return false
}

// selectingPolicies are the NetworkPolicies of p's namespace whose
// podSelector selects p and that isolate it for t.
func (m *Model) selectingPolicies(p *corev1.Pod, t networkingv1.PolicyType) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for i := range m.objs.NetworkPolicies {
		np := &m.objs.NetworkPolicies[i]
		if np.Namespace != p.Namespace || !hasPolicyType(np, t) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err == nil && sel.Matches(labels.Set(p.Labels)) {
			out = append(out, np)
		}
	}
	return out
}

// policyServicePort: a policy selecting p allows, in an ingress rule, the
// port of the Service the traffic went through instead of the pod's port
// (NetworkPolicy sees the packet after the Service's DNAT).
func (m *Model) policyServicePort(p *corev1.Pod, s *corev1.Service, podPort int, proto corev1.Protocol) []string {
	var svcPort *corev1.ServicePort
	for i := range s.Spec.Ports {
		sp := &s.Spec.Ports[i]
		if protoOf(sp.Protocol) != protoOf(proto) || int(sp.Port) == podPort {
			continue
		}
		if tp, ok := resolveTargetPort(p, sp); ok && tp == podPort {
			svcPort = sp
			break
		}
	}
	if svcPort == nil {
		return nil
	}
	var out []string
	for _, np := range m.selectingPolicies(p, networkingv1.PolicyTypeIngress) {
		for _, r := range np.Spec.Ingress {
			allows, other := false, false
			for _, pp := range r.Ports {
				if pp.Port == nil || protoOf(ptrProto(pp.Protocol)) != protoOf(proto) {
					continue
				}
				if pp.Port.Type == intstr.Int && int(pp.Port.IntVal) == int(svcPort.Port) {
					allows = true
				} else {
					other = true
				}
			}
			if allows && !other {
				out = append(out, fmt.Sprintf("NetworkPolicy %s/%s allows %s/%d, the port of Service %s, but NetworkPolicy sees the pod's port after the Service translates it: allow %s/%d (the targetPort)", np.Namespace, np.Name, protoOf(proto), svcPort.Port, svcKey(s), protoOf(proto), podPort))
			}
		}
	}
	return out
}

func ptrProto(p *corev1.Protocol) corev1.Protocol {
	if p == nil {
		return corev1.ProtocolTCP
	}
	return *p
}

// resolveTargetPort is the pod port a Service port's targetPort names.
func resolveTargetPort(p *corev1.Pod, sp *corev1.ServicePort) (int, bool) {
	switch {
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == sp.TargetPort.StrVal && protoOf(cp.Protocol) == protoOf(sp.Protocol) {
					return int(cp.ContainerPort), true
				}
			}
		}
		return 0, false
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return int(sp.TargetPort.IntVal), true
	}
	return int(sp.Port), true
}

// namespaceSelectorTypos: a peer of a policy selecting p (for ingress)
// has a namespaceSelector that selects no namespace, and namespace ns
// (where the sender runs) has a label one typo off one of its labels.
func (m *Model) namespaceSelectorTypos(p *corev1.Pod, ns string) []string {
	nsObj := m.namespaces[ns]
	if nsObj == nil {
		return nil
	}
	have := m.polNamespaceLabels(ns)
	var out []string
	for _, np := range m.selectingPolicies(p, networkingv1.PolicyTypeIngress) {
		for _, r := range np.Spec.Ingress {
			for _, peer := range r.From {
				s := peer.NamespaceSelector
				if s == nil || len(s.MatchLabels) == 0 || m.selectsSomeNamespace(s) {
					continue
				}
				for k, v := range s.MatchLabels {
					if hv, ok := have[k]; ok && hv == v {
						continue
					}
					for hk, hv := range have {
						if (hk == k && nearName(hv, v)) || (hk != k && hv == v && nearName(hk, k)) {
							out = append(out, fmt.Sprintf("NetworkPolicy %s/%s: namespaceSelector %s matches no namespace; namespace %s has %s=%s (namespace labels: kubectl get ns %s --show-labels)", np.Namespace, np.Name, formatLabels(s.MatchLabels), ns, hk, hv, ns))
						}
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// selectsSomeNamespace reports whether a namespaceSelector selects a
// namespace of the cluster.
func (m *Model) selectsSomeNamespace(s *metav1.LabelSelector) bool {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return true
	}
	for name := range m.namespaces {
		if sel.Matches(m.polNamespaceLabels(name)) {
			return true
		}
	}
	return false
}

// nearName reports whether two names are one typo apart: at most two edits
// (a letter added, dropped or changed), or one a prefix of the other, and
// not equal.
func nearName(a, b string) bool {
	if a == b || a == "" || b == "" {
		return false
	}
	if strings.HasPrefix(a, b) || strings.HasPrefix(b, a) || strings.EqualFold(a, b) {
		return true
	}
	return textdist.Levenshtein(a, b) <= 2 && min(len(a), len(b)) > 2
}
