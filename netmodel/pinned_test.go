package netmodel

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pod whose pinned address lies outside the pod network stands for a
// host outside the cluster (live, a host stand-in plays it, and no pod has
// that address): NetworkPolicy matches it only with ipBlock peers and never
// selects it; a pod pinned inside the pod network stays a pod.

var pinnedPodNet = []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")}

// pinnedWorld: secure/api (a pod), legacy/vm (pinned outside the pod
// network, agnhost netexec on 8080) and legacy/inside (pinned inside it),
// both labelled app=vm.
func pinnedWorld(opts Options, pols ...networkingv1.NetworkPolicy) *Model {
	netexec := func(p corev1.Pod) corev1.Pod {
		p.Spec.Containers[0].Args = []string{"netexec", "--http-port=8080"}
		return p
	}
	return New(Objects{
		Namespaces: []corev1.Namespace{polNamespace("secure"), polNamespace("legacy", "zone=legacy")},
		Pods: []corev1.Pod{
			netexec(polPod("secure", "api", "10.244.1.10", polLabels("app=api"))),
			netexec(polPod("legacy", "vm", "172.17.1.10", polLabels("app=vm"))),
			netexec(polPod("legacy", "inside", "10.244.7.10", polLabels("app=vm"))),
		},
		NetworkPolicies: pols,
	}, opts)
}

func TestPinnedHostPolicy(t *testing.T) {
	egressTo := func(peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicy {
		return polPolicyObj("secure", "out", networkingv1.NetworkPolicySpec{
			PodSelector: *polSel(), PolicyTypes: polTypes(polIn, polEg),
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: peers}},
		})
	}
	ingressFrom := func(peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicy {
		return polPolicyObj("secure", "in", networkingv1.NetworkPolicySpec{
			PodSelector: *polSel(), PolicyTypes: polTypes(polIn),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: peers}},
		})
	}
	denyLegacy := polPolicyObj("legacy", "deny", networkingv1.NetworkPolicySpec{
		PodSelector: *polSel("app=vm"), PolicyTypes: polTypes(polIn, polEg),
	})
	const hostLine = "legacy/vm is a host outside the pod network (pinned 172.17.1.10): only ipBlock peers match it"
	everyNS := polNSPeer(&metav1.LabelSelector{})
	cases := []struct {
		name     string
		pols     []networkingv1.NetworkPolicy
		from, to string
		allowed  bool
		reasons  []string // substrings some reason must contain
	}{
		// The host as the destination of a pod's egress.
		{name: "egress: namespaceSelector {} does not match the host", pols: []networkingv1.NetworkPolicy{egressTo(everyNS)},
			from: "secure/api", to: "legacy/vm", allowed: false,
			reasons: []string{
				"denied: pod secure/api is selected by NetworkPolicy secure/out; no egress rule allows traffic to host legacy/vm (172.17.1.10) on TCP/8080",
				"rule 1 peer 1 (namespaceSelector {}) matches only pods, and " + hostLine,
			}},
		{name: "egress: podSelector matching its labels does not match the host", pols: []networkingv1.NetworkPolicy{egressTo(polBothPeer(&metav1.LabelSelector{}, polSel("app=vm")))},
			from: "secure/api", to: "legacy/vm", allowed: false,
			reasons: []string{"rule 1 peer 1 (namespaceSelector {} AND podSelector app=vm) matches only pods, and " + hostLine}},
		{name: "egress: ipBlock matches the host", pols: []networkingv1.NetworkPolicy{egressTo(polBlockPeer("172.17.0.0/16"))},
			from: "secure/api", to: "legacy/vm", allowed: true,
			reasons: []string{"allowed: NetworkPolicy secure/out egress rule 1, peer 1 (ipBlock 172.17.0.0/16 contains 172.17.1.10) admits pod secure/api to host legacy/vm (172.17.1.10)"}},
		{name: "egress: ipBlock except carves the host out", pols: []networkingv1.NetworkPolicy{egressTo(polBlockPeer("172.17.0.0/16", "172.17.1.0/24"))},
			from: "secure/api", to: "legacy/vm", allowed: false,
			reasons: []string{"rule 1 peer 1 ipBlock 172.17.0.0/16 excludes 172.17.1.0/24"}},
		// The host as the source of a pod's ingress.
		{name: "ingress: namespaceSelector {} does not match the host", pols: []networkingv1.NetworkPolicy{ingressFrom(everyNS)},
			from: "legacy/vm", to: "secure/api", allowed: false,
			reasons: []string{
				"denied: pod secure/api is selected by NetworkPolicy secure/in; no ingress rule admits host legacy/vm (172.17.1.10) on TCP/8080",
				"rule 1 peer 1 (namespaceSelector {}) matches only pods, and " + hostLine,
			}},
		{name: "ingress: podSelector matching its labels does not match the host", pols: []networkingv1.NetworkPolicy{ingressFrom(polBothPeer(polSel("zone=legacy"), polSel("app=vm")))},
			from: "legacy/vm", to: "secure/api", allowed: false,
			reasons: []string{"(namespaceSelector zone=legacy AND podSelector app=vm) matches only pods"}},
		{name: "ingress: ipBlock matches the host", pols: []networkingv1.NetworkPolicy{ingressFrom(polBlockPeer("172.17.1.10/32"))},
			from: "legacy/vm", to: "secure/api", allowed: true,
			reasons: []string{"peer 1 (ipBlock 172.17.1.10/32 contains 172.17.1.10) admits host legacy/vm (172.17.1.10) to pod secure/api"}},
		// A policy of its namespace whose podSelector matches its labels
		// does not select it, in either direction.
		{name: "a policy in its namespace does not isolate the host for ingress", pols: []networkingv1.NetworkPolicy{denyLegacy},
			from: "secure/api", to: "legacy/vm", allowed: true,
			reasons: []string{
				"allowed: no NetworkPolicy selects host legacy/vm (172.17.1.10) for ingress: it is outside the pod network",
				"note: NetworkPolicy legacy/deny selects pods labelled like legacy/vm, but legacy/vm is not a pod of the pod network",
			}},
		{name: "a policy in its namespace does not isolate the host for egress", pols: []networkingv1.NetworkPolicy{denyLegacy},
			from: "legacy/vm", to: "secure/api", allowed: true,
			reasons: []string{"allowed: no NetworkPolicy selects host legacy/vm (172.17.1.10) for egress"}},
		// A pod pinned inside the pod network stays a pod.
		{name: "pinned inside the pod network: namespaceSelector {} matches", pols: []networkingv1.NetworkPolicy{egressTo(everyNS)},
			from: "secure/api", to: "legacy/inside", allowed: true,
			reasons: []string{"namespaceSelector {} → every pod of every namespace) admits pod secure/api to pod legacy/inside (10.244.7.10)"}},
		{name: "pinned inside the pod network: a policy of its namespace selects it", pols: []networkingv1.NetworkPolicy{denyLegacy},
			from: "secure/api", to: "legacy/inside", allowed: false,
			reasons: []string{"denied: pod legacy/inside is selected by NetworkPolicy legacy/deny"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := pinnedWorld(Options{PodNetwork: pinnedPodNet}, tc.pols...)
			ns, name, _ := strings.Cut(tc.from, "/")
			src := m.Pod(ns, name)
			ns, name, _ = strings.Cut(tc.to, "/")
			dst := m.Pod(ns, name)
			d := m.Policy(polPeerOf(src), polPeerOf(dst), 8080, polTCP)
			explain := "\n  " + strings.Join(d.Reasons, "\n  ")
			if d.Allowed != tc.allowed {
				t.Fatalf("allowed = %v, want %v; reasons:%s", d.Allowed, tc.allowed, explain)
			}
			polCheckHeadline(t, d)
			for _, want := range tc.reasons {
				if !rfContains(d.Reasons, want) {
					t.Errorf("no reason contains %q; reasons:%s", want, explain)
				}
			}
			// PolicyMatrix gives the same verdict.
			idx := map[*corev1.Pod]int{}
			for i, p := range m.Pods() {
				idx[p] = i
			}
			if got := m.PolicyMatrix(8080, polTCP)[idx[src]][idx[dst]]; got != tc.allowed {
				t.Errorf("PolicyMatrix = %v, want %v", got, tc.allowed)
			}
		})
	}
}

func TestPinnedHostPodNetwork(t *testing.T) {
	cases := []struct {
		name       string
		opts       Options
		nodeCIDRs  []string
		vm, inside bool // IsHost of legacy/vm and legacy/inside
	}{
		{name: "configured pod network", opts: Options{PodNetwork: pinnedPodNet}, vm: true},
		{name: "the nodes' pod CIDRs when none is configured", nodeCIDRs: []string{"10.244.0.0/24", "10.244.1.0/24"}, vm: true, inside: true},
		{name: "the configured pod network wins over the nodes'", opts: Options{PodNetwork: pinnedPodNet}, nodeCIDRs: []string{"10.244.0.0/24"}, vm: true},
		{name: "no pod network known: every pod is a pod"},
		{name: "an IPv6-only pod network does not judge IPv4 pods", opts: Options{PodNetwork: []netip.Prefix{netip.MustParsePrefix("fd00:10:244::/56")}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := pinnedWorld(tc.opts)
			if tc.nodeCIDRs != nil {
				o := m.objs
				o.Nodes = []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Spec: corev1.NodeSpec{PodCIDR: tc.nodeCIDRs[0], PodCIDRs: tc.nodeCIDRs}}}
				m = New(o, tc.opts)
			}
			if got := m.IsHost(m.Pod("legacy", "vm")); got != tc.vm {
				t.Errorf("IsHost(legacy/vm) = %v, want %v", got, tc.vm)
			}
			if got := m.IsHost(m.Pod("legacy", "inside")); got != tc.inside {
				t.Errorf("IsHost(legacy/inside) = %v, want %v", got, tc.inside)
			}
			if m.IsHost(m.Pod("secure", "api")) {
				t.Error("secure/api is a host")
			}
		})
	}
}

// rfPinned is rfShop with legacy/vm pinned at 172.17.1.10 outside the pod
// network 10.244.0.0/16 (agnhost netexec on TCP 8080 and UDP 8081).
func rfPinned(t testing.TB) *rf {
	c := rfShop(t)
	c.opts.PodNetwork = pinnedPodNet
	p := c.pod("legacy", "vm", map[string]string{"app": "vm"}, rfNetexec("--http-port=8080"))
	p.Status.PodIP = "172.17.1.10"
	return c
}

func TestProbePinnedHost(t *testing.T) {
	everyNS := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}}
	host := "legacy/vm is a host outside the pod network (pinned 172.17.1.10): only ipBlock peers match it, and no NetworkPolicy selects it"
	runRFCases(t, []rfCase{
		{name: "pod to host: namespaceSelector {} egress does not admit it", build: rfPinned, from: "shop/client", to: "legacy/vm", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowEgressTo("shop", "out", map[string]string{"app": "client"}, 8080, everyNS))
			},
			allowed: false, outcome: probe.Denied,
			summary: "Denied: NetworkPolicy drops traffic from pod shop/client to legacy/vm on TCP/8080.",
			reasons: []string{host, "matches only pods, and legacy/vm is a host outside the pod network"}},
		{name: "pod to host: an ipBlock egress admits it", build: rfPinned, from: "shop/client", to: "legacy/vm", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowEgressTo("shop", "out", map[string]string{"app": "client"}, 8080, rfIPBlock("172.17.0.0/16")))
			},
			allowed: true, outcome: probe.Connected, reasons: []string{host}},
		{name: "host to pod: namespaceSelector {} ingress does not admit it", build: rfPinned, from: "legacy/vm", to: "shop/web-1", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "in", map[string]string{"app": "web"}, 8080, everyNS))
			},
			allowed: false, outcome: probe.Denied,
			summary: "Denied: NetworkPolicy drops traffic from host legacy/vm (172.17.1.10) to shop/web-1 on TCP/8080.",
			reasons: []string{host}},
		{name: "host to pod: a podSelector matching its labels does not admit it", build: rfPinned, from: "legacy/vm", to: "shop/web-1", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "in", map[string]string{"app": "web"}, 8080,
					networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "vm"}}}))
			},
			allowed: false, outcome: probe.Denied},
		{name: "host to pod: an ipBlock ingress admits it", build: rfPinned, from: "legacy/vm", to: "shop/web-1", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "in", map[string]string{"app": "web"}, 8080, rfIPBlock("172.17.1.0/24")))
			},
			allowed: true, outcome: probe.Connected},
		{name: "a deny-all in the host's namespace does not select it", build: rfPinned, from: "shop/client", to: "legacy/vm", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfDenyIngress("legacy", "deny", nil))
				c.netpol(rfDenyEgress("legacy", "deny-out", nil))
			},
			allowed: true, outcome: probe.Connected,
			reasons: []string{"note: NetworkPolicy legacy/deny selects pods labelled like legacy/vm"}},
		{name: "the host keeps what its containers listen on", build: rfPinned, from: "shop/client", to: "legacy/vm", port: "8081", proto: "UDP",
			allowed: true, outcome: probe.Connected},
		{name: "nothing listens on another port of the host", build: rfPinned, from: "shop/client", to: "legacy/vm", port: "9999",
			allowed: false, outcome: probe.Refused, reasons: []string{"nothing listens on TCP/9999"}},
		{name: "host to a ClusterIP is masqueraded to the node", build: rfPinned, from: "legacy/vm", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "in", map[string]string{"app": "web"}, 8080, rfIPBlock("172.17.1.0/24")))
			},
			allowed: false, outcome: probe.Denied, service: "shop/web",
			reasons: []string{"kube-proxy masquerades traffic to a ClusterIP that does not come from the pod network: NetworkPolicy on the backends sees the node address 172.18.0.2, not 172.17.1.10"}},
		{name: "without a pod network the pinned pod is a pod", from: "shop/client", to: "legacy/vm", port: "8080",
			build: func(t testing.TB) *rf {
				c := rfPinned(t)
				c.opts.PodNetwork = nil
				return c
			},
			setup: func(c *rf) {
				c.netpol(rfAllowEgressTo("shop", "out", map[string]string{"app": "client"}, 8080, everyNS))
			},
			allowed: true, outcome: probe.Connected, notReasons: []string{"host outside the pod network"}},
	})
}
