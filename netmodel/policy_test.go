package netmodel

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// polGridOrder is the row and column order of the truth tables.
var polGridOrder = []string{"x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"}

// polGrid joins the nine rows of a truth table. Row i is the source
// polGridOrder[i], column j the destination polGridOrder[j]; '.' means
// allowed and 'X' denied, as in the upstream e2e truth tables.
func polGrid(rows ...string) string { return strings.Join(rows, "\n") }

func polSame(row string) string {
	return polGrid(row, row, row, row, row, row, row, row, row)
}

const polAll = "........."

// TestPolicyE2ETruthTables follows the cases of the upstream Kubernetes
// network-policy e2e suite (test/e2e/network/netpol) on its x/y/z a/b/c
// world. Each table is checked through PolicyMatrix and through Policy.
func TestPolicyE2ETruthTables(t *testing.T) {
	xa := polSel("pod=a")
	allowAll := []networkingv1.NetworkPolicyIngressRule{{}}
	ingressTo := func(name string, sel *metav1.LabelSelector, rules ...networkingv1.NetworkPolicyIngressRule) networkingv1.NetworkPolicy {
		return polPolicyObj("x", name, networkingv1.NetworkPolicySpec{PodSelector: *sel, PolicyTypes: polTypes(polIn), Ingress: rules})
	}
	from := func(ports []networkingv1.NetworkPolicyPort, peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicyIngressRule {
		return networkingv1.NetworkPolicyIngressRule{From: peers, Ports: ports}
	}
	egressFrom := func(name string, sel *metav1.LabelSelector, rules ...networkingv1.NetworkPolicyEgressRule) networkingv1.NetworkPolicy {
		return polPolicyObj("x", name, networkingv1.NetworkPolicySpec{PodSelector: *sel, PolicyTypes: polTypes(polEg), Egress: rules})
	}
	ports := func(p ...networkingv1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort { return p }
	colA := func(allowedRows ...int) string {
		rows := make([]string, 9)
		for i := range rows {
			rows[i] = "X........"
		}
		for _, r := range allowedRows {
			rows[r] = polAll
		}
		return polGrid(rows...)
	}
	type check struct {
		port  int
		proto corev1.Protocol
		want  string
	}
	tcp80 := func(want string) []check { return []check{{80, polTCP, want}} }
	cases := []struct {
		name   string
		pols   []networkingv1.NetworkPolicy
		checks []check
	}{
		{"no policies allow everything", nil, tcp80(polSame(polAll))},
		{"default deny ingress", []networkingv1.NetworkPolicy{ingressTo("deny", polSel())},
			tcp80(polSame("XXX......"))},
		{"default deny egress", []networkingv1.NetworkPolicy{egressFrom("deny", polSel())},
			tcp80(polGrid("XXXXXXXXX", "XXXXXXXXX", "XXXXXXXXX", polAll, polAll, polAll, polAll, polAll, polAll))},
		{"default deny ingress and egress", []networkingv1.NetworkPolicy{
			polPolicyObj("x", "deny", networkingv1.NetworkPolicySpec{PolicyTypes: polTypes(polIn, polEg)})},
			tcp80(polGrid("XXXXXXXXX", "XXXXXXXXX", "XXXXXXXXX", "XXX......", "XXX......", "XXX......", "XXX......", "XXX......", "XXX......"))},
		{"allow all ingress", []networkingv1.NetworkPolicy{ingressTo("allow", polSel(), allowAll...)},
			tcp80(polSame(polAll))},
		{"allow all ingress stacked on default deny", []networkingv1.NetworkPolicy{ingressTo("deny", polSel()), ingressTo("allow", polSel(), allowAll...)},
			tcp80(polSame(polAll))},
		{"podSelector only: same namespace", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polPodPeer(polSel("pod=b"))))},
			tcp80(colA(1))},
		{"namespaceSelector only", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polNSPeer(polSel("ns=y"))))},
			tcp80(colA(3, 4, 5))},
		{"AND: one item with both selectors", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polBothPeer(polSel("ns=y"), polSel("pod=b"))))},
			tcp80(colA(4))},
		{"OR: two items", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polNSPeer(polSel("ns=y")), polPodPeer(polSel("pod=b"))))},
			tcp80(colA(1, 3, 4, 5))},
		{"empty namespaceSelector is every namespace", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polBothPeer(polSel(), polSel("pod=b"))))},
			tcp80(colA(1, 4, 7))},
		{"metadata.name label selects a namespace", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polNSPeer(polSel("kubernetes.io/metadata.name=z"))))},
			tcp80(colA(6, 7, 8))},
		{"matchExpressions NotIn on namespaces", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polNSPeer(polExpr("ns", metav1.LabelSelectorOpNotIn, "y"))))},
			tcp80(colA(0, 1, 2, 6, 7, 8))},
		{"matchExpressions In and Exists", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polBothPeer(polExpr("ns", metav1.LabelSelectorOpExists), polExpr("pod", metav1.LabelSelectorOpIn, "b", "c"))))},
			tcp80(colA(1, 2, 4, 5, 7, 8))},
		{"matchExpressions DoesNotExist selects nothing labelled", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polBothPeer(polSel(), polExpr("pod", metav1.LabelSelectorOpDoesNotExist))))},
			tcp80(colA())},
		{"podSelector matchExpressions on the policy", []networkingv1.NetworkPolicy{ingressTo("p", polExpr("pod", metav1.LabelSelectorOpNotIn, "a", "b"))},
			tcp80(polSame("..X......"))},
		{"policyTypes Ingress only: egress rules ignored", []networkingv1.NetworkPolicy{polPolicyObj("x", "p", networkingv1.NetworkPolicySpec{
			PodSelector: *xa, PolicyTypes: polTypes(polIn), Ingress: allowAll,
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{polPodPeer(polSel("pod=b"))}}}})},
			tcp80(polSame(polAll))},
		{"policyTypes Egress only: ingress rules ignored", []networkingv1.NetworkPolicy{polPolicyObj("x", "p", networkingv1.NetworkPolicySpec{
			PodSelector: *xa, PolicyTypes: polTypes(polEg),
			Ingress: []networkingv1.NetworkPolicyIngressRule{from(nil, polPodPeer(polSel("pod=b")))},
			Egress:  []networkingv1.NetworkPolicyEgressRule{{}}})},
			tcp80(polSame(polAll))},
		{"empty policyTypes default to Ingress plus Egress when egress rules exist", []networkingv1.NetworkPolicy{polPolicyObj("x", "p", networkingv1.NetworkPolicySpec{
			PodSelector: *xa,
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{polPodPeer(polSel("pod=b"))}}}})},
			tcp80(polGrid("X.XXXXXXX", "X........", "X........", "X........", "X........", "X........", "X........", "X........", "X........"))},
		{"empty policyTypes without egress rules default to Ingress only", []networkingv1.NetworkPolicy{polPolicyObj("x", "p", networkingv1.NetworkPolicySpec{PodSelector: *xa})},
			tcp80(colA())},
		{"named port on ingress", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(ports(polPortName(polTCP, "serve-80-tcp"))))},
			[]check{{80, polTCP, polSame(polAll)}, {81, polTCP, colA()}, {80, polUDP, colA()}}},
		{"named UDP port on ingress", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(ports(polPortName(polUDP, "serve-81-udp"))))},
			[]check{{81, polUDP, polSame(polAll)}, {81, polTCP, colA()}, {80, polUDP, colA()}}},
		{"named port on egress", []networkingv1.NetworkPolicy{egressFrom("p", xa, networkingv1.NetworkPolicyEgressRule{Ports: ports(polPortName(polTCP, "serve-81-tcp"))})},
			[]check{{81, polTCP, polSame(polAll)}, {80, polTCP, polGrid("XXXXXXXXX", polAll, polAll, polAll, polAll, polAll, polAll, polAll, polAll)}}},
		{"endPort range", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(ports(polPortRange(polTCP, 80, 81))))},
			[]check{{80, polTCP, polSame(polAll)}, {81, polTCP, polSame(polAll)}, {82, polTCP, colA()}, {79, polTCP, colA()}, {81, polUDP, colA()}}},
		{"UDP port does not admit TCP or SCTP", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(ports(polPortNum(polUDP, 80))))},
			[]check{{80, polUDP, polSame(polAll)}, {80, polTCP, colA()}, {80, polSCTP, colA()}}},
		{"protocol without port admits every port of it", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(ports(polPortAny(polSCTP))))},
			[]check{{81, polSCTP, polSame(polAll)}, {80, polSCTP, polSame(polAll)}, {81, polTCP, colA()}}},
		{"ipBlock with except on pod IPs", []networkingv1.NetworkPolicy{ingressTo("p", xa, from(nil, polBlockPeer("10.244.0.0/16", "10.244.2.0/24")))},
			tcp80(colA(0, 1, 2, 6, 7, 8))},
		{"egress ipBlock with except on pod IPs", []networkingv1.NetworkPolicy{egressFrom("p", xa, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{polBlockPeer("10.244.3.0/24", "10.244.3.2/32")}})},
			tcp80(polGrid("XXXXXX.X.", polAll, polAll, polAll, polAll, polAll, polAll, polAll, polAll))},
		{"stacked policies add up", []networkingv1.NetworkPolicy{
			ingressTo("from-b", xa, from(nil, polPodPeer(polSel("pod=b")))),
			ingressTo("from-y", xa, from(nil, polNSPeer(polSel("ns=y"))))},
			tcp80(colA(1, 3, 4, 5))},
		{"deny all plus one allow", []networkingv1.NetworkPolicy{
			ingressTo("deny", polSel()),
			ingressTo("from-y", xa, from(nil, polNSPeer(polSel("ns=y"))))},
			tcp80(polGrid("XXX......", "XXX......", "XXX......", ".XX......", ".XX......", ".XX......", "XXX......", "XXX......", "XXX......"))},
		{"egress and ingress both needed", []networkingv1.NetworkPolicy{
			egressFrom("eg", polSel("pod=b"), networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{polNSPeer(polSel("ns=y"))}}),
			ingressTo("in", xa, from(nil, polPodPeer(polSel("pod=b"))))},
			tcp80(polGrid("X........", "XXX...XXX", "X........", "X........", "X........", "X........", "X........", "X........", "X........"))},
		{"second rule admits what the first does not", []networkingv1.NetworkPolicy{ingressTo("p", xa,
			from(ports(polPortNum(polTCP, 81)), polNSPeer(polSel("ns=z"))),
			from(ports(polPortNum(polTCP, 80)), polPodPeer(polSel("pod=c"))))},
			[]check{{80, polTCP, colA(2)}, {81, polTCP, colA(6, 7, 8)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := New(polE2EObjects(tc.pols...), Options{})
			pods := m.Pods()
			if len(pods) != 9 {
				t.Fatalf("world has %d pods, want 9", len(pods))
			}
			for i, p := range pods {
				if got := p.Namespace + "/" + p.Name; got != polGridOrder[i] {
					t.Fatalf("pod %d is %s, want %s", i, got, polGridOrder[i])
				}
			}
			for _, c := range tc.checks {
				mat := m.PolicyMatrix(c.port, c.proto)
				rows := make([]string, len(pods))
				for i := range pods {
					var b strings.Builder
					for j := range pods {
						viaMatrix := mat[i][j]
						d := m.Policy(polPeerOf(pods[i]), polPeerOf(pods[j]), c.port, c.proto)
						if d.Allowed != viaMatrix {
							t.Errorf("%s/%d %s -> %s: Policy says %v, PolicyMatrix %v; reasons:\n%s", c.proto, c.port, polGridOrder[i], polGridOrder[j], d.Allowed, viaMatrix, strings.Join(d.Reasons, "\n"))
						}
						polCheckHeadline(t, d)
						if viaMatrix {
							b.WriteByte('.')
						} else {
							b.WriteByte('X')
						}
					}
					rows[i] = b.String()
				}
				if got := polGrid(rows...); got != c.want {
					t.Errorf("%s/%d: truth table (rows from, columns to %v)\ngot:\n%s\nwant:\n%s", c.proto, c.port, polGridOrder, got, c.want)
				}
			}
		})
	}
}

// polCheckHeadline asserts that the first reason states the verdict.
func polCheckHeadline(t *testing.T, d Decision) {
	t.Helper()
	if len(d.Reasons) == 0 {
		t.Errorf("decision %v has no reasons", d.Allowed)
		return
	}
	want := "denied: "
	if d.Allowed {
		want = "allowed: "
	}
	if !strings.HasPrefix(d.Reasons[0], want) {
		t.Errorf("first reason %q should start with %q (allowed=%v)", d.Reasons[0], want, d.Allowed)
	}
	for _, r := range d.Reasons[1:] {
		if !d.Allowed && strings.HasPrefix(r, "allowed: ") {
			continue // the other direction may allow
		}
		if d.Allowed && strings.HasPrefix(r, "denied: ") {
			t.Errorf("allowed decision carries a denial: %q", r)
		}
	}
}

// TestPolicyHostsAndDNS covers peers that are not pods (external hosts,
// the node, host-network pods) and the egress-to-DNS pattern.
func TestPolicyHostsAndDNS(t *testing.T) {
	dnsPolicy := polPolicyObj("x", "dns-only", networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{},
		PolicyTypes: polTypes(polEg),
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			To:    []networkingv1.NetworkPolicyPeer{polBothPeer(polSel("kubernetes.io/metadata.name=kube-system"), polSel("k8s-app=kube-dns"))},
			Ports: []networkingv1.NetworkPolicyPort{polPortNum(polUDP, 53), polPortNum(polTCP, 53)},
		}},
	})
	external := polPolicyObj("y", "from-office", networkingv1.NetworkPolicySpec{
		PodSelector: *polSel("pod=a"),
		PolicyTypes: polTypes(polIn),
		Ingress: []networkingv1.NetworkPolicyIngressRule{{
			From: []networkingv1.NetworkPolicyPeer{polBlockPeer("172.17.0.0/16", "172.17.1.0/24"), polPodPeer(polSel("pod=b"))},
		}},
	})
	namedEgress := polPolicyObj("z", "named-egress", networkingv1.NetworkPolicySpec{
		PodSelector: *polSel("pod=a"),
		PolicyTypes: polTypes(polEg),
		Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{polPortName(polTCP, "serve-80-tcp")}}},
	})
	o := polE2EObjects(dnsPolicy, external, namedEgress)
	o.Namespaces = append(o.Namespaces, polNamespace("kube-system"))
	o.Pods = append(o.Pods,
		polPod("kube-system", "coredns", "10.244.0.5", polLabels("k8s-app=kube-dns"), polCPort("dns", 53, polUDP), polCPort("dns-tcp", 53, polTCP)),
		// A host-network pod carrying pod=b: NetworkPolicy sees the node.
		func() corev1.Pod {
			p := polPod("y", "hostnet", "172.18.0.2", polLabels("pod=b"), polCPort("serve-80-tcp", 8080, polTCP))
			p.Spec.HostNetwork = true
			return p
		}(),
		// A pod whose serve-80-tcp port is 8080.
		polPod("y", "d", "10.244.2.4", polLabels("pod=d"), polCPort("serve-80-tcp", 8080, polTCP)),
	)
	m := New(o, Options{})
	pod := func(key string) Peer {
		ns, name, _ := strings.Cut(key, "/")
		p := m.Pod(ns, name)
		if p == nil {
			t.Fatalf("no pod %s", key)
		}
		return polPeerOf(p)
	}
	cases := []struct {
		name     string
		src, dst Peer
		port     int
		proto    corev1.Protocol
		allowed  bool
	}{
		{"DNS over UDP", pod("x/a"), pod("kube-system/coredns"), 53, polUDP, true},
		{"DNS over TCP", pod("x/b"), pod("kube-system/coredns"), 53, polTCP, true},
		{"other port on the DNS pod", pod("x/a"), pod("kube-system/coredns"), 80, polTCP, false},
		{"port 53 on another pod", pod("x/a"), pod("y/b"), 53, polUDP, false},
		{"web traffic to another pod", pod("x/a"), pod("y/b"), 80, polTCP, false},
		{"external host to DNS-only pods is not restricted", polHost("8.8.8.8"), pod("x/a"), 80, polTCP, true},
		{"egress to an external host", pod("x/c"), polHost("8.8.8.8"), 53, polUDP, false},
		{"ipBlock admits a host in cidr", polHost("172.17.0.9"), pod("y/a"), 80, polTCP, true},
		{"ipBlock except carves out a range", polHost("172.17.1.9"), pod("y/a"), 80, polTCP, false},
		{"host outside cidr", polHost("192.168.0.1"), pod("y/a"), 80, polTCP, false},
		{"podSelector admits a pod", pod("y/b"), pod("y/a"), 80, polTCP, true},
		{"host-network pod is not a pod for selectors", polPeerOf(m.Pod("y", "hostnet")), pod("y/a"), 80, polTCP, false},
		{"node address", polHost("172.18.0.2"), pod("y/a"), 80, polTCP, false},
		{"egress to a host-network pod is egress to a host", pod("x/a"), polPeerOf(m.Pod("y", "hostnet")), 80, polTCP, false},
		{"host-network pod is never isolated", pod("y/c"), polPeerOf(m.Pod("y", "hostnet")), 80, polTCP, true},
		{"named egress port resolves on the destination pod", pod("z/a"), pod("y/c"), 80, polTCP, true},
		{"named egress port: destination declares it on 8080", pod("z/a"), pod("y/d"), 8080, polTCP, true},
		{"named egress port: destination declares it on 8080, not 80", pod("z/a"), pod("y/d"), 80, polTCP, false},
		{"named egress port never matches a host", pod("z/a"), polHost("1.1.1.1"), 80, polTCP, false},
		{"named egress port never matches a host-network pod", pod("z/a"), polPeerOf(m.Pod("y", "hostnet")), 8080, polTCP, false},
		{"named egress port, other protocol", pod("z/a"), pod("y/c"), 80, polUDP, false},
	}
	pods := m.Pods()
	idx := map[*corev1.Pod]int{}
	for i, p := range pods {
		idx[p] = i
	}
	matrices := map[string][][]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := m.Policy(tc.src, tc.dst, tc.port, tc.proto)
			if d.Allowed != tc.allowed {
				t.Errorf("allowed = %v, want %v; reasons:\n%s", d.Allowed, tc.allowed, strings.Join(d.Reasons, "\n"))
			}
			polCheckHeadline(t, d)
			if tc.src.Pod != nil && tc.dst.Pod != nil {
				key := fmt.Sprintf("%s/%d", tc.proto, tc.port)
				mat, ok := matrices[key]
				if !ok {
					mat = m.PolicyMatrix(tc.port, tc.proto)
					matrices[key] = mat
				}
				if got := mat[idx[tc.src.Pod]][idx[tc.dst.Pod]]; got != tc.allowed {
					t.Errorf("PolicyMatrix says %v, want %v", got, tc.allowed)
				}
			}
		})
	}
}

// TestPolicyUnindexedPod evaluates a pod that is not in the snapshot's
// running pods (e.g. Pending, or built by the caller): selectors are
// evaluated directly.
func TestPolicyUnindexedPod(t *testing.T) {
	m := New(polE2EObjects(polPolicyObj("x", "p", networkingv1.NetworkPolicySpec{
		PodSelector: *polSel("pod=b"),
		PolicyTypes: polTypes(polIn, polEg),
		Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{polPodPeer(polSel("pod=a"))}}},
	})), Options{})
	newcomer := polPod("x", "newcomer", "10.244.1.9", polLabels("pod=b"))
	stranger := polPod("x", "stranger", "10.244.1.10", polLabels("pod=a"))
	xa := polPeerOf(m.Pod("x", "a"))
	cases := []struct {
		name     string
		src, dst Peer
		allowed  bool
	}{
		{"unindexed selected pod: ingress from pod=a", xa, polPeerOf(&newcomer), true},
		{"unindexed selected pod: egress denied", polPeerOf(&newcomer), xa, false},
		{"unindexed pod=a source admitted", polPeerOf(&stranger), polPeerOf(m.Pod("x", "b")), true},
		{"pod without IP in Peer uses its pod IP", Peer{Pod: &stranger}, polPeerOf(m.Pod("x", "b")), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := m.Policy(tc.src, tc.dst, 80, "")
			if d.Allowed != tc.allowed {
				t.Errorf("allowed = %v, want %v; reasons:\n%s", d.Allowed, tc.allowed, strings.Join(d.Reasons, "\n"))
			}
			polCheckHeadline(t, d)
		})
	}
}

// TestPolicyTypes: policyTypes as the API server defaults them.
func TestPolicyTypes(t *testing.T) {
	in, eg := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	for _, tt := range []struct {
		spec networkingv1.NetworkPolicySpec
		want []networkingv1.PolicyType
	}{
		{networkingv1.NetworkPolicySpec{}, []networkingv1.PolicyType{in}},
		{networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}, []networkingv1.PolicyType{in}},
		{networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{}}}, []networkingv1.PolicyType{in, eg}},
		{networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{eg}}, []networkingv1.PolicyType{eg}},
		{networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{eg}, Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}, []networkingv1.PolicyType{eg}},
	} {
		np := &networkingv1.NetworkPolicy{Spec: tt.spec}
		if got := PolicyTypes(np); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("PolicyTypes(%+v) = %v, want %v", tt.spec, got, tt.want)
		}
	}
}
