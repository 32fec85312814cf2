package netmodel

import (
	"testing"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// rfAllowEgressTo lets pods matching sel in ns out to peers on TCP port.
func rfAllowEgressTo(ns, name string, sel map[string]string, port int, peers ...networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicy {
	np := rfDenyEgress(ns, name, sel)
	tcp := corev1.ProtocolTCP
	pp := intstr.FromInt(port)
	np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To:    peers,
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &pp}},
	}}
	return np
}

// TestProbeOutsideAddressJudgesEgress: an ip: destination that nothing in
// the cluster owns is unreachable either way, and the probe also reports
// the sending pod's egress policy verdict on the packet.
func TestProbeOutsideAddressJudgesEgress(t *testing.T) {
	client := map[string]string{"app": "client"}
	runRFCases(t, []rfCase{
		{name: "no egress policy", from: "shop/client", to: "ip:10.0.0.99", port: "80",
			allowed: false, outcome: probe.Unreachable, summary: "Unreachable: no pod, Service or node in the cluster has the address 10.0.0.99.",
			policy: "not-isolated", policyRule: "no NetworkPolicy selects pod shop/client for egress",
			reasons: []string{"egress not isolated: no NetworkPolicy selects pod shop/client for egress; nothing answers at 10.0.0.99 in this cluster"}},
		{name: "egress allowed by an ipBlock", from: "shop/client", to: "ip:10.0.0.99", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowEgressTo("shop", "out", client, 80, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/24", Except: []string{"10.0.0.128/25"}}}))
			},
			allowed: false, outcome: probe.Unreachable,
			policy: "allowed", policyRule: "NetworkPolicy shop/out egress rule 1, peer 1 (ipBlock 10.0.0.0/24 except [10.0.0.128/25] contains 10.0.0.99)",
			reasons: []string{"egress allowed by NetworkPolicy shop/out egress rule 1, peer 1 (ipBlock 10.0.0.0/24 except [10.0.0.128/25] contains 10.0.0.99); nothing answers at 10.0.0.99 in this cluster"}},
		{name: "egress allowed by a rule without to", from: "shop/client", to: "ip:203.0.113.7", port: "443",
			setup: func(c *rf) {
				np := rfDenyEgress("shop", "open", client)
				np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
				c.netpol(np)
			},
			allowed: false, outcome: probe.Unreachable,
			policy: "allowed", policyRule: "NetworkPolicy shop/open egress rule 1 (no to: every destination)"},
		{name: "egress denied: the address is outside the ipBlock", from: "shop/client", to: "ip:10.0.1.99", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowEgressTo("shop", "out", client, 80, rfIPBlock("10.0.0.0/24")))
			},
			allowed: false, outcome: probe.Unreachable,
			policy: "denied", policyRule: "NetworkPolicy shop/out (no egress rule admits 10.0.1.99 on TCP/80)",
			reasons: []string{
				"egress denied: NetworkPolicy shop/out (no egress rule admits 10.0.1.99 on TCP/80) drops the packet as it leaves pod shop/client (and nothing answers at 10.0.1.99 in this cluster)",
				"rule 1 peer 1 ipBlock 10.0.0.0/24 does not contain 10.0.1.99",
			}},
		{name: "egress denied: wrong port", from: "shop/client", to: "ip:10.0.0.99", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowEgressTo("shop", "out", client, 80, rfIPBlock("10.0.0.0/24")))
			},
			allowed: false, outcome: probe.Unreachable,
			policy: "denied", policyRule: "NetworkPolicy shop/out",
			reasons: []string{"rule 1 allows only TCP/80, not TCP/8080"}},
		{name: "egress denied by a default deny", from: "shop/client", to: "ip:10.0.0.99", port: "80",
			setup: func(c *rf) {
				c.netpol(networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "deny-all"},
					Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}})
			},
			allowed: false, outcome: probe.Unreachable, policy: "denied", policyRule: "NetworkPolicy shop/deny-all",
			reasons: []string{"NetworkPolicy shop/deny-all has no egress rules, so it admits nothing"}},
		{name: "an unrelated namespace's policy does not isolate", from: "other/client", to: "ip:10.0.0.99", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowEgressTo("shop", "out", client, 80, rfIPBlock("10.0.0.0/24")))
			},
			allowed: false, outcome: probe.Unreachable, policy: "not-isolated", policyRule: "pod other/client"},
		{name: "a host source has no egress policy", from: "ip:10.1.2.3", to: "ip:10.0.0.99", port: "80",
			allowed: false, outcome: probe.Unreachable},
		{name: "an address in the cluster is judged with the connection", from: "shop/client", to: "ip:10.244.0.15", port: "8080",
			allowed: true, outcome: probe.Connected},
	})
}
