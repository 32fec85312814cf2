package netmodel

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// nmWorld is namespace prod with pods db (role=db, listens on 6379 and
// 8080 as agnhost netexec), web-1 (app=web, tier=frontend, port named
// http 8080) and client (app=client), and namespace myproject
// (project=myproject) with pod frontend (role=frontend).
func nmWorld(t *testing.T) *rf {
	c := newRF(t)
	c.ns("prod")
	c.ns("myproject", "project=myproject")
	c.pod("prod", "db", map[string]string{"role": "db"}, rfNetexec("--http-port=8080", "--udp-port=6379"))
	c.pod("prod", "web-1", map[string]string{"app": "web", "tier": "frontend"}, rfWithPorts(rfNetexec("--http-port=8080"), corev1.ContainerPort{Name: "http", ContainerPort: 8080}))
	c.pod("prod", "client", map[string]string{"app": "client"}, rfSleeper())
	c.pod("myproject", "frontend", map[string]string{"role": "frontend"}, rfSleeper())
	return c
}

func nmPolicy(ns, name string, sel map[string]string, types ...networkingv1.PolicyType) networkingv1.NetworkPolicy {
	return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: sel}, PolicyTypes: types}}
}

var (
	nmIngress = networkingv1.PolicyTypeIngress
	nmEgress  = networkingv1.PolicyTypeEgress
)

func TestNearMisses(t *testing.T) {
	http80 := func(target intstr.IntOrString) corev1.ServicePort {
		return corev1.ServicePort{Name: "http", Port: 80, TargetPort: target}
	}
	tests := []struct {
		name           string
		world          func(c *rf)
		from, to, port string
		want           string // a near miss containing it; "" none at all
	}{
		// A NetworkPolicy applied without -n.
		{"policy in default", func(c *rf) {
			c.netpol(nmPolicy("default", "test-network-policy", map[string]string{"role": "db"}, nmIngress))
		},
			"prod/client", "prod/db", "8080", "NetworkPolicy default/test-network-policy selects role=db pods of namespace default only: apply it with -n prod"},
		{"egress policy in default", func(c *rf) { c.netpol(nmPolicy("default", "client-out", map[string]string{"app": "client"}, nmEgress)) },
			"prod/client", "prod/db", "8080", "NetworkPolicy default/client-out selects app=client pods of namespace default only: apply it with -n prod"},
		{"empty podSelector in default", func(c *rf) { c.netpol(nmPolicy("default", "deny", nil, nmIngress)) },
			"prod/client", "prod/db", "8080", "NetworkPolicy default/deny selects every pod of namespace default only: apply it with -n prod"},
		{"policy in default, and the right one in prod", func(c *rf) {
			c.netpol(nmPolicy("default", "test-network-policy", map[string]string{"role": "db"}, nmIngress))
			c.netpol(nmPolicy("prod", "test-network-policy", map[string]string{"role": "db"}, nmIngress))
		}, "prod/client", "prod/db", "8080", ""},
		{"policy in default selects pods there", func(c *rf) {
			c.pod("default", "db", map[string]string{"role": "db"}, rfSleeper())
			c.netpol(nmPolicy("default", "test-network-policy", map[string]string{"role": "db"}, nmIngress))
		}, "prod/client", "prod/db", "8080", ""},
		{"egress-only policy in default does not isolate ingress", func(c *rf) { c.netpol(nmPolicy("default", "db-out", map[string]string{"role": "db"}, nmEgress)) },
			"prod/client", "prod/db", "8080", ""},
		{"blank", func(c *rf) {}, "prod/client", "prod/db", "8080", ""},

		// A Service named one typo off the name the probe uses.
		{"Service named one typo off", func(c *rf) {
			c.svc("prod", "webb", map[string]string{"app": "web"}, http80(intstr.FromInt(8080)))
		},
			"prod/client", "svc:prod/web", "80", "there is no Service prod/web, but there is prod/webb: name the Service web"},
		{"Service named far off", func(c *rf) {
			c.svc("prod", "frontend", map[string]string{"app": "web"}, http80(intstr.FromInt(8080)))
		},
			"prod/client", "svc:prod/web", "80", ""},

		// A Service selector one label off.
		{"selector one label off", func(c *rf) {
			c.svc("prod", "web", map[string]string{"app": "web", "tier": "front"}, http80(intstr.FromInt(8080)))
		},
			"prod/client", "svc:prod/web", "80", "Service prod/web selects app=web,tier=front: no pod has tier=front; pods app=web have tier=frontend"},
		{"selector with a label pods lack", func(c *rf) {
			c.svc("prod", "web", map[string]string{"app": "web", "env": "prod"}, http80(intstr.FromInt(8080)))
		},
			"prod/client", "svc:prod/web", "80", "Service prod/web selects app=web,env=prod: no pod has env=prod; pods app=web have no label env"},
		{"single label value typo", func(c *rf) { c.svc("prod", "web", map[string]string{"app": "wbe"}, http80(intstr.FromInt(8080))) },
			"prod/client", "svc:prod/web", "80", "Service prod/web selects app=wbe: no pod has app=wbe; pods have app=web"},
		{"single label key typo", func(c *rf) { c.svc("prod", "web", map[string]string{"ap": "web"}, http80(intstr.FromInt(8080))) },
			"prod/client", "svc:prod/web", "80", "Service prod/web selects ap=web: no pod has ap=web; pods have app=web"},
		{"selector right", func(c *rf) {
			c.svc("prod", "web", map[string]string{"app": "web", "tier": "frontend"}, http80(intstr.FromInt(8080)))
		},
			"prod/client", "svc:prod/web", "80", ""},
		{"selector far off", func(c *rf) { c.svc("prod", "web", map[string]string{"app": "payments"}, http80(intstr.FromInt(8080))) },
			"prod/client", "svc:prod/web", "80", ""},

		// A Service in another namespace than the client expects.
		{"Service in default", func(c *rf) { c.svc("default", "web", map[string]string{"app": "web"}, http80(intstr.FromInt(8080))) },
			"prod/client", "svc:prod/web", "80", "Service default/web exists, but in namespace default, not prod: apply it with -n prod"},
		{"Service in default, by DNS name", func(c *rf) { c.svc("default", "web", map[string]string{"app": "web"}, http80(intstr.FromInt(8080))) },
			"prod/client", "dns:web", "80", "Service default/web exists, but in namespace default, not prod: apply it with -n prod"},
		{"Service in its namespace", func(c *rf) { c.svc("prod", "web", map[string]string{"app": "web"}, http80(intstr.FromInt(8080))) },
			"prod/client", "svc:prod/web", "80", ""},

		// A named targetPort no container declares.
		{"named targetPort typo", func(c *rf) { c.svc("prod", "web", map[string]string{"app": "web"}, http80(intstr.FromString("htp"))) },
			"prod/client", "svc:prod/web", "80", "Service prod/web port http (80/TCP) targets the port named htp, but no container of its pods declares it; the closest is http (8080/TCP)"},
		{"named targetPort right", func(c *rf) { c.svc("prod", "web", map[string]string{"app": "web"}, http80(intstr.FromString("http"))) },
			"prod/client", "svc:prod/web", "80", ""},

		// A policy allowing the Service port instead of the pod's.
		{"policy allows the Service port", func(c *rf) {
			c.svc("prod", "web", map[string]string{"app": "web"}, http80(intstr.FromInt(8080)))
			c.netpol(rfAllowFrom("prod", "web-in", map[string]string{"app": "web"}, 80, rfPodPeer(map[string]string{"app": "client"})))
		}, "prod/client", "svc:prod/web", "80", "NetworkPolicy prod/web-in allows TCP/80, the port of Service prod/web, but NetworkPolicy sees the pod's port after the Service translates it: allow TCP/8080 (the targetPort)"},
		{"policy allows the pod port", func(c *rf) {
			c.svc("prod", "web", map[string]string{"app": "web"}, http80(intstr.FromInt(8080)))
			c.netpol(rfAllowFrom("prod", "web-in", map[string]string{"app": "web"}, 8080, rfPodPeer(map[string]string{"app": "client"})))
		}, "prod/client", "svc:prod/web", "80", ""},

		// A label typo in a namespaceSelector.
		{"namespaceSelector value typo", func(c *rf) {
			c.netpol(rfAllowFrom("prod", "db-in", map[string]string{"role": "db"}, 8080,
				networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"project": "myprojct"}}}))
		}, "myproject/frontend", "prod/db", "8080", "NetworkPolicy prod/db-in: namespaceSelector project=myprojct matches no namespace; namespace myproject has project=myproject"},
		{"namespaceSelector right", func(c *rf) {
			c.netpol(rfAllowFrom("prod", "db-in", map[string]string{"role": "db"}, 8080,
				networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"project": "myproject"}}}))
		}, "myproject/frontend", "prod/db", "8080", ""},
		{"namespaceSelector far off", func(c *rf) {
			c.netpol(rfAllowFrom("prod", "db-in", map[string]string{"role": "db"}, 8080,
				networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "payments"}}}))
		}, "myproject/frontend", "prod/db", "8080", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := nmWorld(t)
			tt.world(c)
			got, err := c.model().Probe(rfSpec(t, tt.from, tt.to, tt.port, ""))
			if err != nil {
				t.Fatal(err)
			}
			nm := "\n  " + strings.Join(got.NearMisses, "\n  ")
			if tt.want == "" {
				if len(got.NearMisses) > 0 {
					t.Errorf("want no near miss, got:%s", nm)
				}
				return
			}
			if !rfContains(got.NearMisses, tt.want) {
				t.Errorf("no near miss contains %q; got:%s\nreasons:\n  %s", tt.want, nm, strings.Join(got.Reasons, "\n  "))
			}
		})
	}
}

// TestNearMissIngressNamespace: an Ingress whose backend Service lives in
// another namespace names it; in the Service's namespace it does not.
func TestNearMissIngressNamespace(t *testing.T) {
	for _, ns := range []string{"other", "m"} {
		c := rfNginxCluster(t)
		c.ns("other")
		c.ingress(ns, "shop", rfStr("nginx"), rfRule("s.test", rfPath(rfPrefix, "/", "a", 80)))
		got, err := c.model().Probe(rfSpec(t, "external", "ingress:s.test/", "", ""))
		if err != nil {
			t.Fatal(err)
		}
		want := "Ingress other/shop names Service a, which exists in namespace m only: an Ingress routes to Services of its own namespace, so create the Ingress with -n m"
		if ns == "other" && (got.HTTPStatus != 503 || !rfContains(got.NearMisses, want)) {
			t.Errorf("Ingress in other: status %d near misses %q, want 503 and %q", got.HTTPStatus, got.NearMisses, want)
		}
		if ns == "m" && (got.HTTPStatus != 200 || len(got.NearMisses) > 0) {
			t.Errorf("Ingress in m: status %d near misses %q, want 200 and none", got.HTTPStatus, got.NearMisses)
		}
	}
}

// An Ingress backend one typo off a Service of its namespace is named
// (503 "does not exist" alone does not say which Service was meant); one
// far off is not.
func TestNearMissIngressBackendTypo(t *testing.T) {
	for _, tt := range []struct{ backend, want string }{
		{"webb", "Ingress m/shop names Service webb, which does not exist; Service m/web does: fix the backend's service name"},
		{"zzz", ""},
	} {
		c := rfNginxCluster(t)
		c.ingress("m", "shop", rfStr("nginx"), rfRule("s.test", rfPath(rfPrefix, "/", tt.backend, 80)))
		got, err := c.model().Probe(rfSpec(t, "external", "ingress:s.test/", "", ""))
		if err != nil {
			t.Fatal(err)
		}
		if got.HTTPStatus != 503 {
			t.Errorf("backend %s: status %d, want 503", tt.backend, got.HTTPStatus)
		}
		if tt.want == "" && len(got.NearMisses) > 0 || tt.want != "" && !rfContains(got.NearMisses, tt.want) {
			t.Errorf("backend %s: near misses %q, want %q", tt.backend, got.NearMisses, tt.want)
		}
	}
}
