package netmodel

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// polDocsObjects is the world of the NetworkPolicy documentation example
// (the test-network-policy manifest of the spec) with a few clients.
func polDocsObjects(extra ...networkingv1.NetworkPolicy) Objects {
	docs := polPolicyObj("prod", "test-network-policy", networkingv1.NetworkPolicySpec{
		PodSelector: *polSel("role=db"),
		PolicyTypes: polTypes(polIn, polEg),
		Ingress: []networkingv1.NetworkPolicyIngressRule{{
			From: []networkingv1.NetworkPolicyPeer{
				polBlockPeer("172.17.0.0/16", "172.17.1.0/24"),
				polBothPeer(polSel("project=myproject"), polSel("role=frontend")),
			},
			Ports: []networkingv1.NetworkPolicyPort{polPortNum(polTCP, 6379)},
		}},
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			To:    []networkingv1.NetworkPolicyPeer{polBlockPeer("10.0.0.0/24")},
			Ports: []networkingv1.NetworkPolicyPort{polPortNum(polTCP, 5978)},
		}},
	})
	return Objects{
		Namespaces: []corev1.Namespace{polNamespace("prod"), polNamespace("dev"), polNamespace("myproj", "project=myproject")},
		Pods: []corev1.Pod{
			polPod("prod", "db", "10.244.1.10", polLabels("role=db"), polCPort("redis", 6379, polTCP)),
			polPod("prod", "web", "10.244.1.11", polLabels("role=frontend", "tier=web"), polCPort("http", 8080, polTCP), polCPort("metrics", 9090, polUDP)),
			polPod("dev", "frontend", "10.244.2.10", polLabels("role=frontend")),
			polPod("myproj", "frontend", "10.244.2.11", polLabels("role=frontend")),
			polPod("myproj", "backend", "10.244.2.12", polLabels("role=backend")),
		},
		NetworkPolicies: append([]networkingv1.NetworkPolicy{docs}, extra...),
	}
}

func TestPolicyReasons(t *testing.T) {
	base := New(polDocsObjects(), Options{})
	pod := func(m *Model, key string) Peer {
		ns, name, _ := strings.Cut(key, "/")
		return polPeerOf(m.Pod(ns, name))
	}
	cases := []struct {
		name     string
		m        *Model
		src, dst string // NS/NAME or an IP
		port     int
		proto    corev1.Protocol
		allowed  bool
		want     []string
	}{
		{
			name: "namespace label missing", src: "dev/frontend", dst: "prod/db", port: 6379, proto: polTCP,
			want: []string{
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no ingress rule admits pod dev/frontend (10.244.2.10) on TCP/6379",
				"rule 1 peer 1 ipBlock 172.17.0.0/16 does not contain 10.244.2.10",
				"rule 1 peer 2 matches the pod labels (podSelector role=frontend) but not the namespace: needs namespace label project=myproject (namespace dev has no label project)",
				"allowed: no NetworkPolicy selects pod dev/frontend for egress",
			},
		},
		{
			name: "pod label wrong", src: "myproj/backend", dst: "prod/db", port: 6379, proto: polTCP,
			want: []string{
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no ingress rule admits pod myproj/backend (10.244.2.12) on TCP/6379",
				"rule 1 peer 1 ipBlock 172.17.0.0/16 does not contain 10.244.2.12",
				"rule 1 peer 2 matches namespace myproj (namespaceSelector project=myproject) but not the pod labels: needs pod label role=frontend (pod myproj/backend has role=backend)",
				"allowed: no NetworkPolicy selects pod myproj/backend for egress",
			},
		},
		{
			name: "right peer, wrong port", src: "myproj/frontend", dst: "prod/db", port: 80, proto: polTCP,
			want: []string{
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no ingress rule admits pod myproj/frontend (10.244.2.11) on TCP/80",
				"rule 1 allows only TCP/6379, not TCP/80",
				"allowed: no NetworkPolicy selects pod myproj/frontend for egress",
			},
		},
		{
			name: "right peer, wrong protocol", src: "myproj/frontend", dst: "prod/db", port: 6379, proto: polUDP,
			want: []string{
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no ingress rule admits pod myproj/frontend (10.244.2.11) on UDP/6379",
				"rule 1 allows only TCP/6379, not UDP/6379",
				"allowed: no NetworkPolicy selects pod myproj/frontend for egress",
			},
		},
		{
			name: "admitted", src: "myproj/frontend", dst: "prod/db", port: 6379, proto: polTCP, allowed: true,
			want: []string{
				"allowed: NetworkPolicy prod/test-network-policy ingress rule 1, peer 2 (namespaceSelector project=myproject AND podSelector role=frontend → pods with role=frontend in namespaces with project=myproject) admits pod myproj/frontend (10.244.2.11) to pod prod/db on TCP/6379",
				"allowed: no NetworkPolicy selects pod myproj/frontend for egress",
			},
		},
		{
			name: "host in an except range", src: "172.17.1.5", dst: "prod/db", port: 6379, proto: polTCP,
			want: []string{
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no ingress rule admits 172.17.1.5 on TCP/6379",
				"rule 1 peer 1 ipBlock 172.17.0.0/16 excludes 172.17.1.0/24",
				"rule 1 peer 2 selects pods, and 172.17.1.5 is not a pod",
			},
		},
		{
			name: "host in cidr", src: "172.17.0.5", dst: "prod/db", port: 6379, proto: polTCP, allowed: true,
			want: []string{"allowed: NetworkPolicy prod/test-network-policy ingress rule 1, peer 1 (ipBlock 172.17.0.0/16 except [172.17.1.0/24] contains 172.17.0.5) admits 172.17.0.5 to pod prod/db on TCP/6379"},
		},
		{
			name: "egress admitted to a host", src: "prod/db", dst: "10.0.0.5", port: 5978, proto: polTCP, allowed: true,
			want: []string{"allowed: NetworkPolicy prod/test-network-policy egress rule 1, peer 1 (ipBlock 10.0.0.0/24 contains 10.0.0.5) admits pod prod/db to 10.0.0.5 on TCP/5978"},
		},
		{
			name: "egress denied: the denying direction comes first", src: "prod/db", dst: "myproj/frontend", port: 80, proto: polTCP,
			want: []string{
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no egress rule allows traffic to pod myproj/frontend (10.244.2.11) on TCP/80",
				"rule 1 allows only TCP/5978, not TCP/80",
				"rule 1 peer 1 ipBlock 10.0.0.0/24 does not contain 10.244.2.11",
				"allowed: no NetworkPolicy selects pod myproj/frontend for ingress",
			},
		},
		{
			name: "both directions denied", src: "prod/db", dst: "prod/db", port: 6379, proto: polTCP,
			want: []string{
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no egress rule allows traffic to pod prod/db (10.244.1.10) on TCP/6379",
				"rule 1 allows only TCP/5978, not TCP/6379",
				"rule 1 peer 1 ipBlock 10.0.0.0/24 does not contain 10.244.1.10",
				"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no ingress rule admits pod prod/db (10.244.1.10) on TCP/6379",
				"rule 1 peer 1 ipBlock 172.17.0.0/16 does not contain 10.244.1.10",
				"rule 1 peer 2 needs namespace label project=myproject (namespace prod has no label project)",
				"rule 1 peer 2 needs pod label role=frontend (pod prod/db has role=db)",
			},
		},
		{
			name: "hosts only: nothing applies", src: "1.2.3.4", dst: "5.6.7.8", port: 80, proto: polTCP, allowed: true,
			want: []string{"allowed: neither 1.2.3.4 nor 5.6.7.8 is a pod, so no NetworkPolicy applies"},
		},
		{
			name: "default deny, stacked policies and podSelector in another namespace",
			m: New(polDocsObjects(
				polPolicyObj("prod", "deny-all", networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{}, PolicyTypes: polTypes(polIn)}),
				polPolicyObj("prod", "web", networkingv1.NetworkPolicySpec{
					PodSelector: *polSel("tier=web"), PolicyTypes: polTypes(polIn),
					Ingress: []networkingv1.NetworkPolicyIngressRule{
						{From: []networkingv1.NetworkPolicyPeer{polPodPeer(polSel("role=frontend"))}},
						{From: []networkingv1.NetworkPolicyPeer{polNSPeer(polExpr("project", metav1.LabelSelectorOpIn, "a", "b"))}, Ports: []networkingv1.NetworkPolicyPort{polPortName(polTCP, "http"), polPortRange(polTCP, 8000, 8010)}},
					},
				}),
			), Options{}),
			src: "myproj/frontend", dst: "prod/web", port: 9000, proto: polTCP,
			want: []string{
				"denied: pod prod/web is selected by NetworkPolicies prod/deny-all and prod/web; no ingress rule admits pod myproj/frontend (10.244.2.11) on TCP/9000",
				"NetworkPolicy prod/deny-all has no ingress rules, so it admits nothing",
				"prod/web rule 1 peer 1 matches the pod labels (podSelector role=frontend) but has no namespaceSelector, so it only matches pods in namespace prod (pod myproj/frontend is in myproj)",
				"prod/web rule 2 allows only TCP/http, TCP/8000-8010, not TCP/9000 (port http of pod prod/web is TCP/8080)",
				"prod/web rule 2 peer 1 needs namespace label project in (a, b) (namespace myproj has project=myproject)",
				"allowed: no NetworkPolicy selects pod myproj/frontend for egress",
			},
		},
		{
			name: "named port the destination lacks, and policyTypes omitting egress",
			m: New(polDocsObjects(
				polPolicyObj("dev", "fe", networkingv1.NetworkPolicySpec{
					PodSelector: *polSel("role=frontend"), PolicyTypes: polTypes(polIn),
					Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{polPortName(polTCP, "http"), polPortName(polUDP, "metrics")}}},
					Egress:  []networkingv1.NetworkPolicyEgressRule{{}},
				}),
			), Options{}),
			src: "prod/web", dst: "dev/frontend", port: 8080, proto: polTCP,
			want: []string{
				"denied: pod dev/frontend is selected by NetworkPolicy dev/fe; no ingress rule admits pod prod/web (10.244.1.11) on TCP/8080",
				"rule 1 allows only TCP/http, UDP/metrics, not TCP/8080 (pod dev/frontend has no container port named http)",
				"allowed: no NetworkPolicy selects pod prod/web for egress",
			},
		},
		{
			name: "note on ignored egress rules",
			m: New(polDocsObjects(
				polPolicyObj("dev", "fe", networkingv1.NetworkPolicySpec{
					PodSelector: *polSel("role=frontend"), PolicyTypes: polTypes(polIn),
					Ingress: []networkingv1.NetworkPolicyIngressRule{{}},
					Egress:  []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{polBlockPeer("10.0.0.0/8")}}},
				}),
			), Options{}),
			src: "dev/frontend", dst: "8.8.8.8", port: 53, proto: polUDP, allowed: true,
			want: []string{
				"allowed: no NetworkPolicy selects pod dev/frontend for egress",
				"note: NetworkPolicy dev/fe has egress rules but its policyTypes omit Egress, so they are ignored",
			},
		},
		{
			name: "named egress port towards a host",
			m: New(polDocsObjects(
				polPolicyObj("dev", "fe", networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{}, PolicyTypes: polTypes(polEg),
					Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{polPortName(polTCP, "http")}}},
				}),
			), Options{}),
			src: "dev/frontend", dst: "8.8.8.8", port: 80, proto: polTCP,
			want: []string{
				"denied: pod dev/frontend is selected by NetworkPolicy dev/fe; no egress rule allows traffic to 8.8.8.8 on TCP/80",
				"rule 1 allows only TCP/http, not TCP/80 (named port http only matches pods, and 8.8.8.8 is not a pod)",
			},
		},
		{
			name: "matchExpressions explained",
			m: New(polDocsObjects(
				polPolicyObj("myproj", "exprs", networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{}, PolicyTypes: polTypes(polIn),
					Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
						polBothPeer(polExpr("project", metav1.LabelSelectorOpExists), polExpr("role", metav1.LabelSelectorOpNotIn, "db", "frontend")),
						polBothPeer(polExpr("project", metav1.LabelSelectorOpDoesNotExist), &metav1.LabelSelector{
							MatchLabels:      polLabels("tier=web"),
							MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{"api"}}},
						}),
					}}},
				}),
			), Options{}),
			src: "prod/web", dst: "myproj/backend", port: 80, proto: polTCP,
			want: []string{
				"denied: pod myproj/backend is selected by NetworkPolicy myproj/exprs; no ingress rule admits pod prod/web (10.244.1.11) on TCP/80",
				"rule 1 peer 1 needs namespace label project with any value (namespace prod has no label project)",
				"rule 1 peer 1 needs pod label role not in (db, frontend) (pod prod/web has role=frontend)",
				"rule 1 peer 2 matches namespace prod (namespaceSelector !project) but not the pod labels: needs pod label role=api (pod prod/web has role=frontend)",
				"allowed: no NetworkPolicy selects pod prod/web for egress",
			},
		},
		{
			name: "DoesNotExist explained",
			m: New(polDocsObjects(
				polPolicyObj("prod", "no-project", networkingv1.NetworkPolicySpec{
					PodSelector: *polSel("tier=web"), PolicyTypes: polTypes(polIn),
					Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
						polNSPeer(polExpr("project", metav1.LabelSelectorOpDoesNotExist)),
					}}},
				}),
			), Options{}),
			src: "myproj/backend", dst: "prod/web", port: 80, proto: polTCP,
			want: []string{
				"denied: pod prod/web is selected by NetworkPolicy prod/no-project; no ingress rule admits pod myproj/backend (10.244.2.12) on TCP/80",
				"rule 1 peer 1 needs no namespace label project (namespace myproj has project=myproject)",
				"allowed: no NetworkPolicy selects pod myproj/backend for egress",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			if m == nil {
				m = base
			}
			end := func(s string) Peer {
				if strings.Contains(s, "/") {
					return pod(m, s)
				}
				return polHost(s)
			}
			d := m.Policy(end(tc.src), end(tc.dst), tc.port, tc.proto)
			if d.Allowed != tc.allowed {
				t.Errorf("allowed = %v, want %v", d.Allowed, tc.allowed)
			}
			if !reflect.DeepEqual(d.Reasons, tc.want) {
				t.Errorf("reasons:\n got: %s\nwant: %s", strings.Join(d.Reasons, "\n      "), strings.Join(tc.want, "\n      "))
			}
		})
	}
}

// TestPolicyInvalidSelectors: selectors and CIDRs that do not parse match
// nothing, and the reasons say so.
func TestPolicyInvalidSelectors(t *testing.T) {
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "role", Operator: metav1.LabelSelectorOpIn}}}
	m := New(polDocsObjects(
		polPolicyObj("dev", "bad-target", networkingv1.NetworkPolicySpec{PodSelector: *bad, PolicyTypes: polTypes(polIn)}),
		polPolicyObj("myproj", "bad-peers", networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{}, PolicyTypes: polTypes(polIn),
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				polPodPeer(bad),
				polNSPeer(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Near"}}}),
				polBlockPeer("10.244.0.0/33"),
				polBlockPeer("10.244.0.0/16", "nonsense"),
				{},
			}}},
		}),
	), Options{})
	d := m.Policy(polPeerOf(m.Pod("myproj", "backend")), polPeerOf(m.Pod("dev", "frontend")), 80, polTCP)
	if !d.Allowed {
		t.Fatalf("a policy with an invalid podSelector selects nothing, so dev/frontend is open; reasons: %q", d.Reasons)
	}
	polWantPrefixes(t, d.Reasons, []string{
		"allowed: no NetworkPolicy selects pod dev/frontend for ingress",
		"note: NetworkPolicy dev/bad-target has an invalid podSelector (",
		"allowed: no NetworkPolicy selects pod myproj/backend for egress",
	})
	d = m.Policy(polPeerOf(m.Pod("prod", "web")), polPeerOf(m.Pod("myproj", "frontend")), 80, polTCP)
	if d.Allowed {
		t.Fatalf("invalid peers match nothing; reasons: %q", d.Reasons)
	}
	polWantPrefixes(t, d.Reasons, []string{
		"denied: pod myproj/frontend is selected by NetworkPolicy myproj/bad-peers; no ingress rule admits pod prod/web (10.244.1.11) on TCP/80",
		"rule 1 peer 1 podSelector is invalid (",
		"rule 1 peer 2 namespaceSelector is invalid (",
		"rule 1 peer 3 ipBlock 10.244.0.0/33 is invalid (",
		"rule 1 peer 4 ipBlock 10.244.0.0/16 is invalid (",
		"rule 1 peer 5 is empty, so it matches nothing",
		"allowed: no NetworkPolicy selects pod prod/web for egress",
	})
	for _, r := range d.Reasons[1:6] {
		if !strings.Contains(r, "so it matches nothing") {
			t.Errorf("reason %q should say the item matches nothing", r)
		}
	}
	if mat := m.PolicyMatrix(80, polTCP); mat[m.podIndex[m.Pod("prod", "web")]][m.podIndex[m.Pod("myproj", "frontend")]] {
		t.Errorf("PolicyMatrix admits what Policy denies")
	}
}

func polWantPrefixes(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d reasons, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("reason %d = %q, want prefix %q", i+1, got[i], want[i])
		}
	}
}

// TestPolicyOneWay covers policyEgress and policyIngress, which the prober
// uses when a NAT changes the source between the two directions.
func TestPolicyOneWay(t *testing.T) {
	m := New(polDocsObjects(), Options{})
	db := polPeerOf(m.Pod("prod", "db"))
	fe := polPeerOf(m.Pod("myproj", "frontend"))
	node := polHost("172.18.0.2")
	cases := []struct {
		name    string
		d       Decision
		allowed bool
		want    []string
	}{
		{"egress denied alone", m.policyEgress(db, fe, 6379, polTCP), false, []string{
			"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no egress rule allows traffic to pod myproj/frontend (10.244.2.11) on TCP/6379",
			"rule 1 allows only TCP/5978, not TCP/6379",
			"rule 1 peer 1 ipBlock 10.0.0.0/24 does not contain 10.244.2.11",
		}},
		{"egress of a pod no policy selects", m.policyEgress(fe, db, 6379, polTCP), true, []string{
			"allowed: no NetworkPolicy selects pod myproj/frontend for egress",
		}},
		{"egress of a host", m.policyEgress(node, db, 6379, polTCP), true, []string{
			"allowed: 172.18.0.2 is not a pod, so no egress NetworkPolicy applies",
		}},
		{"ingress with a translated source", m.policyIngress(node, db, 6379, polTCP), false, []string{
			"denied: pod prod/db is selected by NetworkPolicy prod/test-network-policy; no ingress rule admits 172.18.0.2 on TCP/6379",
			"rule 1 peer 1 ipBlock 172.17.0.0/16 does not contain 172.18.0.2",
			"rule 1 peer 2 selects pods, and 172.18.0.2 is not a pod",
		}},
		{"ingress to a host", m.policyIngress(db, node, 80, polTCP), true, []string{
			"allowed: 172.18.0.2 is not a pod, so no ingress NetworkPolicy applies",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.d.Allowed != tc.allowed {
				t.Errorf("allowed = %v, want %v", tc.d.Allowed, tc.allowed)
			}
			if !reflect.DeepEqual(tc.d.Reasons, tc.want) {
				t.Errorf("reasons:\n got: %s\nwant: %s", strings.Join(tc.d.Reasons, "\n      "), strings.Join(tc.want, "\n      "))
			}
		})
	}
}
