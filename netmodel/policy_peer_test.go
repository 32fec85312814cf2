package netmodel

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPolicyAdmissionNamesPeer: an allowed packet names the policy, the
// rule and the peer item that admitted it, and what that item means.
func TestPolicyAdmissionNamesPeer(t *testing.T) {
	world := func(pols ...networkingv1.NetworkPolicy) *Model {
		return New(Objects{
			Namespaces: []corev1.Namespace{polNamespace("payments", "team=pay"), polNamespace("ops", "team=ops")},
			Pods: []corev1.Pod{
				polPod("payments", "ledger", "10.244.1.10", polLabels("app=ledger")),
				polPod("payments", "auditor", "10.244.1.11", polLabels("role=auditor")),
				polPod("ops", "auditor", "10.244.2.11", polLabels("role=auditor")),
				polPod("ops", "shell", "10.244.2.12", polLabels("role=shell")),
			},
			NetworkPolicies: pols,
		}, Options{})
	}
	audit := func(peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicy {
		return polPolicyObj("payments", "ledger-audit", networkingv1.NetworkPolicySpec{
			PodSelector: *polSel("app=ledger"), PolicyTypes: polTypes(polIn),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  peers,
				Ports: []networkingv1.NetworkPolicyPort{polPortNum(polTCP, 8080)},
			}},
		})
	}
	ledger := "payments/ledger"
	cases := []struct {
		name string
		m    *Model
		src  string
		want string
	}{
		{
			name: "podSelector alone: the policy's namespace",
			m:    world(audit(polBlockPeer("192.168.0.0/16"), polPodPeer(polSel("role=auditor")))),
			src:  "payments/auditor",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 2 (podSelector role=auditor with no namespaceSelector → only pods of namespace payments) admits pod payments/auditor (10.244.1.11) to pod payments/ledger on TCP/8080",
		},
		{
			name: "empty podSelector",
			m:    world(audit(polPodPeer(&metav1.LabelSelector{}))),
			src:  "payments/auditor",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 1 (podSelector {} with no namespaceSelector → every pod of namespace payments) admits pod payments/auditor (10.244.1.11) to pod payments/ledger on TCP/8080",
		},
		{
			name: "namespaceSelector alone",
			m:    world(audit(polNSPeer(polSel("team=ops")))),
			src:  "ops/shell",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 1 (namespaceSelector team=ops → every pod of the namespaces it selects, here namespace ops) admits pod ops/shell (10.244.2.12) to pod payments/ledger on TCP/8080",
		},
		{
			name: "empty namespaceSelector",
			m:    world(audit(polNSPeer(&metav1.LabelSelector{}))),
			src:  "ops/shell",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 1 (namespaceSelector {} → every pod of every namespace) admits pod ops/shell (10.244.2.12) to pod payments/ledger on TCP/8080",
		},
		{
			name: "namespaceSelector AND podSelector",
			m:    world(audit(polBothPeer(polSel("team=ops"), polSel("role=auditor")))),
			src:  "ops/auditor",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 1 (namespaceSelector team=ops AND podSelector role=auditor → pods with role=auditor in namespaces with team=ops) admits pod ops/auditor (10.244.2.11) to pod payments/ledger on TCP/8080",
		},
		{
			name: "empty namespaceSelector AND podSelector",
			m:    world(audit(polBothPeer(&metav1.LabelSelector{}, polSel("role=auditor")))),
			src:  "ops/auditor",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 1 (namespaceSelector {} AND podSelector role=auditor → pods with role=auditor in every namespace) admits pod ops/auditor (10.244.2.11) to pod payments/ledger on TCP/8080",
		},
		{
			name: "matchExpressions written as kubectl does",
			m:    world(audit(polBothPeer(polExpr("team", metav1.LabelSelectorOpIn, "ops", "sec"), polExpr("role", metav1.LabelSelectorOpExists)))),
			src:  "ops/auditor",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 1 (namespaceSelector team in (ops,sec) AND podSelector role → pods with role in namespaces with team in (ops,sec)) admits pod ops/auditor (10.244.2.11) to pod payments/ledger on TCP/8080",
		},
		{
			name: "ipBlock with except",
			m:    world(audit(polPodPeer(polSel("role=none")), polBlockPeer("10.244.0.0/16", "10.244.1.0/24"))),
			src:  "ops/shell",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1, peer 2 (ipBlock 10.244.0.0/16 except [10.244.1.0/24] contains 10.244.2.12) admits pod ops/shell (10.244.2.12) to pod payments/ledger on TCP/8080",
		},
		{
			name: "rule without from",
			m:    world(audit()),
			src:  "ops/shell",
			want: "allowed: NetworkPolicy payments/ledger-audit ingress rule 1 (no from: every source) admits pod ops/shell (10.244.2.12) to pod payments/ledger on TCP/8080",
		},
		{
			name: "the first admitting rule and peer are named",
			m: world(polPolicyObj("payments", "two-rules", networkingv1.NetworkPolicySpec{
				PodSelector: *polSel("app=ledger"), PolicyTypes: polTypes(polIn),
				Ingress: []networkingv1.NetworkPolicyIngressRule{
					{From: []networkingv1.NetworkPolicyPeer{polPodPeer(polSel("role=auditor"))}, Ports: []networkingv1.NetworkPolicyPort{polPortNum(polTCP, 9090)}},
					{From: []networkingv1.NetworkPolicyPeer{polNSPeer(polSel("team=pay")), polPodPeer(polSel("role=auditor"))}},
				},
			})),
			src:  "payments/auditor",
			want: "allowed: NetworkPolicy payments/two-rules ingress rule 2, peer 1 (namespaceSelector team=pay → every pod of the namespaces it selects, here namespace payments) admits pod payments/auditor (10.244.1.11) to pod payments/ledger on TCP/8080",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns, name, _ := strings.Cut(tc.src, "/")
			dns, dname, _ := strings.Cut(ledger, "/")
			d := tc.m.Policy(polPeerOf(tc.m.Pod(ns, name)), polPeerOf(tc.m.Pod(dns, dname)), 8080, polTCP)
			if !d.Allowed {
				t.Fatalf("denied: %q", d.Reasons)
			}
			if d.Reasons[0] != tc.want {
				t.Errorf("reason:\n got: %s\nwant: %s", d.Reasons[0], tc.want)
			}
		})
	}
}

// TestPolicyEgressAdmissionNamesPeer: the egress side names its peer too.
func TestPolicyEgressAdmissionNamesPeer(t *testing.T) {
	m := New(polDocsObjects(), Options{})
	d := m.Policy(polPeerOf(m.Pod("prod", "db")), polHost("10.0.0.99"), 5978, polTCP)
	want := "allowed: NetworkPolicy prod/test-network-policy egress rule 1, peer 1 (ipBlock 10.0.0.0/24 contains 10.0.0.99) admits pod prod/db to 10.0.0.99 on TCP/5978"
	if !d.Allowed || d.Reasons[0] != want {
		t.Errorf("got %v %q, want %q", d.Allowed, d.Reasons, want)
	}
}

// TestPolicyDenialNearestMiss: a denial says which half of a peer item
// matched when only one did.
func TestPolicyDenialNearestMiss(t *testing.T) {
	m := New(Objects{
		Namespaces: []corev1.Namespace{polNamespace("payments", "team=pay"), polNamespace("ops", "team=ops")},
		Pods: []corev1.Pod{
			polPod("payments", "ledger", "10.244.1.10", polLabels("app=ledger")),
			polPod("payments", "auditor", "10.244.1.11", polLabels("role=auditor")),
			polPod("ops", "auditor", "10.244.2.11", polLabels("role=auditor")),
			polPod("ops", "shell", "10.244.2.12", polLabels("role=shell")),
		},
		NetworkPolicies: []networkingv1.NetworkPolicy{polPolicyObj("payments", "ledger-audit", networkingv1.NetworkPolicySpec{
			PodSelector: *polSel("app=ledger"), PolicyTypes: polTypes(polIn),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				polBothPeer(polSel("team=ops"), polSel("role=auditor")),
				polPodPeer(polSel("role=auditor")),
			}}},
		})},
	}, Options{})
	rows := []struct {
		src  string
		want []string
	}{
		{"ops/shell", []string{
			"rule 1 peer 1 matches namespace ops (namespaceSelector team=ops) but not the pod labels: needs pod label role=auditor (pod ops/shell has role=shell)",
			"rule 1 peer 2 has no namespaceSelector, so it only matches pods in namespace payments (pod ops/shell is in ops)",
			"rule 1 peer 2 needs pod label role=auditor (pod ops/shell has role=shell)",
		}},
		{"ops/auditor", []string{
			// peer 1 matches: this source is admitted; checked below.
		}},
	}
	for _, r := range rows {
		d := m.Policy(polPeerOf(m.Pod("ops", strings.TrimPrefix(r.src, "ops/"))), polPeerOf(m.Pod("payments", "ledger")), 80, polTCP)
		if len(r.want) == 0 {
			if !d.Allowed {
				t.Errorf("%s denied: %q", r.src, d.Reasons)
			}
			continue
		}
		if d.Allowed {
			t.Fatalf("%s allowed: %q", r.src, d.Reasons)
		}
		for _, w := range r.want {
			if !rfContains(d.Reasons, w) {
				t.Errorf("%s: no reason %q in\n  %s", r.src, w, strings.Join(d.Reasons, "\n  "))
			}
		}
	}
	// A pod of another namespace whose labels match a podSelector-only peer.
	m2 := New(Objects{
		Namespaces: []corev1.Namespace{polNamespace("payments"), polNamespace("ops", "team=ops")},
		Pods: []corev1.Pod{
			polPod("payments", "ledger", "10.244.1.10", polLabels("app=ledger")),
			polPod("ops", "auditor", "10.244.2.11", polLabels("role=auditor")),
		},
		NetworkPolicies: []networkingv1.NetworkPolicy{polPolicyObj("payments", "ledger-audit", networkingv1.NetworkPolicySpec{
			PodSelector: *polSel("app=ledger"), PolicyTypes: polTypes(polIn),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				polBothPeer(polSel("team=audit"), polSel("role=auditor")),
				polPodPeer(polSel("role=auditor")),
			}}},
		})},
	}, Options{})
	d := m2.Policy(polPeerOf(m2.Pod("ops", "auditor")), polPeerOf(m2.Pod("payments", "ledger")), 80, polTCP)
	for _, w := range []string{
		"rule 1 peer 1 matches the pod labels (podSelector role=auditor) but not the namespace: needs namespace label team=audit (namespace ops has team=ops)",
		"rule 1 peer 2 matches the pod labels (podSelector role=auditor) but has no namespaceSelector, so it only matches pods in namespace payments (pod ops/auditor is in ops)",
	} {
		if d.Allowed || !rfContains(d.Reasons, w) {
			t.Errorf("no reason %q in\n  %s", w, strings.Join(d.Reasons, "\n  "))
		}
	}
}
