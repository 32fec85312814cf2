package netmodel

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// rfShop is the common scenario: namespace shop with a client, three
// agnhost netexec replicas behind Service web (port 80 → named targetPort
// http = 8080), an nginx pod behind Service nginx, and a client in
// namespace other.
func rfShop(t testing.TB) *rf {
	c := newRF(t)
	c.ns("shop", "team=shop")
	c.ns("other", "team=other")
	c.pod("shop", "client", map[string]string{"app": "client"}, rfSleeper())
	for _, n := range []string{"web-1", "web-2", "web-3"} {
		c.pod("shop", n, map[string]string{"app": "web"}, rfWithPorts(rfNetexec("--http-port=8080"), corev1.ContainerPort{Name: "http", ContainerPort: 8080}))
	}
	c.svc("shop", "web", map[string]string{"app": "web"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")})
	c.pod("shop", "nginx-1", map[string]string{"app": "nginx"}, rfWithPorts(rfNginxC(), corev1.ContainerPort{ContainerPort: 80}))
	c.svc("shop", "nginx", map[string]string{"app": "nginx"}, corev1.ServicePort{Port: 80})
	c.pod("other", "client", map[string]string{"app": "client"}, rfSleeper())
	return c
}

type rfCase struct {
	name  string
	setup func(c *rf)
	from  string
	to    string
	port  string
	proto string
	http  *probe.HTTPExpect

	wantErr    string // substring of the error; the probe cannot be evaluated
	allowed    bool
	outcome    probe.Outcome
	backend    string
	service    string
	status     int
	summary    string   // substring of the first reason
	reasons    []string // substrings that must appear in some reason
	notReasons []string // substrings that must not appear in any reason
	ungradable string   // substring of Result.Ungradable; "" requires it empty
	policy     string   // Result.Policy
	policyRule string   // substring of Result.PolicyRule
	build      func(t testing.TB) *rf
}

func runRFCases(t *testing.T, cases []rfCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			build := tc.build
			if build == nil {
				build = rfShop
			}
			c := build(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			m := c.model()
			spec := rfSpec(t, tc.from, tc.to, tc.port, tc.proto)
			spec.HTTP = tc.http
			got, err := m.Probe(spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Probe(%s) error = %v, want one containing %q (result %+v)", spec, err, tc.wantErr, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Probe(%s): %v", spec, err)
			}
			explain := "\n  " + strings.Join(got.Reasons, "\n  ")
			if got.Allowed != tc.allowed || got.Outcome != tc.outcome {
				t.Fatalf("Probe(%s) = allowed %v outcome %s, want %v %s; reasons:%s", spec, got.Allowed, got.Outcome, tc.allowed, tc.outcome, explain)
			}
			if got.Backend != tc.backend || got.Service != tc.service || got.HTTPStatus != tc.status {
				t.Errorf("Probe(%s) backend %q service %q status %d, want %q %q %d; reasons:%s", spec, got.Backend, got.Service, got.HTTPStatus, tc.backend, tc.service, tc.status, explain)
			}
			if len(got.Reasons) == 0 {
				t.Fatalf("Probe(%s) gave no reasons", spec)
			}
			if (tc.ungradable == "") != (got.Ungradable == "") || !strings.Contains(got.Ungradable, tc.ungradable) {
				t.Errorf("Probe(%s) ungradable %q, want %q; reasons:%s", spec, got.Ungradable, tc.ungradable, explain)
			}
			if got.Policy != tc.policy || !strings.Contains(got.PolicyRule, tc.policyRule) {
				t.Errorf("Probe(%s) policy %q (%q), want %q (%q); reasons:%s", spec, got.Policy, got.PolicyRule, tc.policy, tc.policyRule, explain)
			}
			if tc.summary != "" && !strings.Contains(got.Reasons[0], tc.summary) {
				t.Errorf("summary %q does not contain %q; reasons:%s", got.Reasons[0], tc.summary, explain)
			}
			for _, want := range tc.reasons {
				if !rfContains(got.Reasons, want) {
					t.Errorf("no reason contains %q; reasons:%s", want, explain)
				}
			}
			for _, bad := range tc.notReasons {
				if rfContains(got.Reasons, bad) {
					t.Errorf("a reason contains %q; reasons:%s", bad, explain)
				}
			}
			// Deterministic: the same probe on a fresh model gives the same result.
			again, err := c.model().Probe(spec)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("second run differs: %+v vs %+v (%v)", again, got, err)
			}
		})
	}
}

func rfContains(reasons []string, sub string) bool {
	for _, r := range reasons {
		if strings.Contains(r, sub) {
			return true
		}
	}
	return false
}

func TestProbeSources(t *testing.T) {
	runRFCases(t, []rfCase{
		{name: "pod to pod", from: "shop/client", to: "shop/web-1", port: "8080",
			allowed: true, outcome: probe.Connected, summary: "Connected: pod shop/client reached shop/web-1 on TCP/8080."},
		{name: "unknown source pod", from: "shop/ghost", to: "shop/web-1", port: "8080", wantErr: "source pod shop/ghost does not exist"},
		{name: "pending source pod", from: "shop/pending", to: "shop/web-1", port: "8080", wantErr: "source pod shop/pending is not running (Pending)",
			setup: func(c *rf) {
				p := c.pod("shop", "pending", nil, rfSleeper())
				p.Status = corev1.PodStatus{Phase: corev1.PodPending}
			}},
		{name: "running source pod without IP", from: "shop/noip", to: "shop/web-1", port: "8080", wantErr: "has no IP",
			setup: func(c *rf) { c.pod("shop", "noip", nil, rfSleeper()).Status.PodIP = "" }},
		{name: "host in the cluster network reaches a pod IP", from: "ip:10.0.0.5", to: "shop/web-1", port: "8080",
			allowed: true, outcome: probe.Connected, summary: "host 10.0.0.5 reached shop/web-1"},
		{name: "ipBlock admits a host, pod selectors never do", from: "ip:172.17.0.5", to: "shop/web-1", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "from-block", map[string]string{"app": "web"}, 8080, rfIPBlock("172.17.0.0/16")))
			},
			allowed: true, outcome: probe.Connected},
		{name: "pod selector does not admit a host", from: "ip:172.17.0.5", to: "shop/web-1", port: "8080",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "from-pods", map[string]string{"app": "web"}, 8080, rfPodPeer(nil)))
			},
			allowed: false, outcome: probe.Denied, summary: "Denied: NetworkPolicy drops traffic from host 172.17.0.5 to shop/web-1 on TCP/8080."},
		{name: "external client cannot reach a pod IP", from: "external", to: "shop/web-1", port: "8080",
			allowed: false, outcome: probe.Unreachable,
			summary: "pod IPs are not routable from outside the cluster; expose the pod with a NodePort or LoadBalancer Service or an Ingress"},
		{name: "external client cannot reach a ClusterIP", from: "external", to: "svc:shop/web", port: "80",
			allowed: false, outcome: probe.Unreachable, summary: "ClusterIPs are not routable from outside the cluster"},
		{name: "pod to itself stays in the pod", from: "shop/web-1", to: "shop/web-1", port: "8080",
			setup:   func(c *rf) { c.netpol(rfDenyIngress("shop", "deny", map[string]string{"app": "web"})) },
			allowed: true, outcome: probe.Connected, reasons: []string{"stays inside the pod"}},
	})
}

func TestProbePodTargets(t *testing.T) {
	runRFCases(t, []rfCase{
		{name: "named container port", from: "shop/client", to: "shop/web-2", port: "http",
			allowed: true, outcome: probe.Connected, summary: "reached shop/web-2 on TCP/8080"},
		{name: "unknown port name is an error", from: "shop/client", to: "shop/web-2", port: "metrics", wantErr: `no TCP container port named "metrics" (it has http TCP/8080)`},
		{name: "port omitted: the only container port", from: "shop/client", to: "shop/web-2",
			allowed: true, outcome: probe.Connected, summary: "on TCP/8080"},
		{name: "port omitted without a declared port is an error", from: "shop/web-1", to: "shop/client", wantErr: "needs a port"},
		{name: "nothing listens on the port", from: "shop/client", to: "shop/web-1", port: "80",
			allowed: false, outcome: probe.Refused, summary: "Refused: nothing listens on shop/web-1 TCP/80.",
			reasons:    []string{"pod shop/web-1 listens on TCP/8080, UDP/8081 (agnhost netexec); nothing listens on TCP/80"},
			notReasons: []string{"targetPort"}},
		{name: "UDP is a different socket", from: "shop/client", to: "shop/web-1", port: "8081", proto: "udp",
			allowed: true, outcome: probe.Connected, summary: "on UDP/8081"},
		{name: "TCP on the UDP port is refused", from: "shop/client", to: "shop/web-1", port: "8081",
			allowed: false, outcome: probe.Refused},
		{name: "nginx listens on 80", from: "shop/client", to: "shop/nginx-1", port: "80", allowed: true, outcome: probe.Connected},
		{name: "declared containerPort does not make nginx listen", from: "shop/client", to: "shop/nginx-1", port: "8080",
			setup: func(c *rf) {
				p := c.get("shop", "nginx-1")
				p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: 8080, Protocol: corev1.ProtocolTCP})
			},
			allowed: false, outcome: probe.Refused,
			reasons: []string{"containerPort 8080 is declared, but declaring a containerPort does not make the container listen on it"}},
		{name: "unknown image: assumed from containerPorts", from: "shop/client", to: "shop/custom", port: "5000",
			setup: func(c *rf) {
				c.pod("shop", "custom", nil, corev1.Container{Name: "app", Image: "example.com/shop/api:1.0", Ports: []corev1.ContainerPort{{ContainerPort: 5000, Protocol: corev1.ProtocolTCP}}})
			},
			allowed: true, outcome: probe.Connected, reasons: []string{"assumed from containerPorts"}},
		{name: "target pod does not exist", from: "shop/client", to: "shop/ghost", port: "80",
			allowed: false, outcome: probe.Unreachable, summary: "pod shop/ghost does not exist"},
		{name: "target pod pending", from: "shop/client", to: "shop/later", port: "80",
			setup: func(c *rf) {
				c.pod("shop", "later", nil, rfNginxC()).Status = corev1.PodStatus{Phase: corev1.PodPending}
			},
			allowed: false, outcome: probe.Unreachable, summary: "pod shop/later has no IP: it is Pending"},
		{name: "ingress policy denies the client", from: "shop/client", to: "shop/web-1", port: "8080",
			setup:   func(c *rf) { c.netpol(rfDenyIngress("shop", "deny-web", map[string]string{"app": "web"})) },
			allowed: false, outcome: probe.Denied, summary: "Denied: NetworkPolicy drops traffic from pod shop/client to shop/web-1 on TCP/8080."},
		{name: "egress policy of the source denies", from: "shop/client", to: "shop/web-1", port: "8080",
			setup:   func(c *rf) { c.netpol(rfDenyEgress("shop", "deny-out", map[string]string{"app": "client"})) },
			allowed: false, outcome: probe.Denied},
	})
}

func TestProbeServices(t *testing.T) {
	runRFCases(t, []rfCase{
		{name: "ClusterIP to all backends", from: "shop/client", to: "svc:shop/web", port: "80",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web",
			summary: "Connected: pod shop/client reached shop/web-1 on TCP/8080 through Service shop/web (all 3 backends admit it).",
			reasons: []string{"Service shop/web (ClusterIP 10.96.0.13) port 80/TCP → targetPort http on 3 ready endpoints",
				"the other backends (shop/web-2, shop/web-3) admit the connection too"}},
		{name: "Service port by name", from: "shop/client", to: "svc:shop/web", port: "http",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "Service port omitted: its only port", from: "shop/client", to: "svc:shop/web",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "probe on the targetPort instead of the Service port", from: "shop/client", to: "svc:shop/web", port: "8080",
			allowed: false, outcome: probe.Refused, service: "shop/web",
			summary: "Refused: Service shop/web has no port 8080/TCP (it has http 80/TCP).",
			reasons: []string{"8080 is the targetPort of its port 80"}},
		{name: "unknown Service port name is an error", from: "shop/client", to: "svc:shop/web", port: "https", wantErr: `no TCP port named "https" on Service shop/web`},
		{name: "wrong protocol", from: "shop/client", to: "svc:shop/web", port: "80", proto: "udp",
			allowed: false, outcome: probe.Refused, service: "shop/web", summary: "Service shop/web has no port 80/UDP (it has http 80/TCP)"},
		{name: "Service does not exist", from: "shop/client", to: "svc:shop/ghost", port: "80",
			allowed: false, outcome: probe.Unreachable, summary: "Service shop/ghost does not exist"},
		{name: "selector matches no pod", from: "shop/client", to: "svc:shop/web", port: "80",
			setup:   func(c *rf) { c.service("shop", "web").Spec.Selector = map[string]string{"app": "web-v2"} },
			allowed: false, outcome: probe.Refused, service: "shop/web",
			summary: "Refused: Service shop/web has no endpoints",
			reasons: []string{"its selector app=web-v2 matches no running pod in shop; pods there have labels app=client; app=nginx; app=web"}},
		{name: "Service without selector nor slices", from: "shop/client", to: "svc:shop/web", port: "80",
			setup:   func(c *rf) { c.service("shop", "web").Spec.Selector = nil },
			allowed: false, outcome: probe.Refused, service: "shop/web",
			reasons: []string{"has no selector, so Kubernetes creates no endpoints for it"}},
		{name: "matching pods not running", from: "shop/client", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				for _, n := range []string{"web-1", "web-2", "web-3"} {
					c.get("shop", n).Status.Phase = corev1.PodFailed
				}
			},
			allowed: false, outcome: probe.Refused, service: "shop/web", reasons: []string{"are not running (web-1 is Failed, web-2 is Failed, web-3 is Failed)"}},
		{name: "not-ready pod is not a backend", from: "shop/client", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				c.get("shop", "web-1").Status.Conditions[0].Status = corev1.ConditionFalse
				c.netpol(rfDenyIngress("shop", "deny-web-1", map[string]string{"app": "web", "slow": "yes"}))
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-2", service: "shop/web", summary: "all 2 backends"},
		{name: "wrong targetPort: nothing listens", from: "shop/client", to: "svc:shop/web", port: "80",
			setup:   func(c *rf) { c.service("shop", "web").Spec.Ports[0].TargetPort = intstr.FromInt(80) },
			allowed: false, outcome: probe.Refused, service: "shop/web",
			reasons: []string{"pod shop/web-1 listens on TCP/8080, UDP/8081 (agnhost netexec); nothing listens on TCP/80 — check the Service's targetPort"}},
		{name: "only some backends admit", from: "shop/client", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				c.get("shop", "web-3").Labels["locked"] = "true"
				c.netpol(rfDenyIngress("shop", "lock", map[string]string{"locked": "true"}))
			},
			allowed: false, outcome: probe.Denied, backend: "shop/web-1", service: "shop/web",
			summary: "Denied: only 2 of 3 backends of Service shop/web admit the connection; live, the Service spreads connections across all of them, so the probe would be flaky.",
			reasons: []string{"backend shop/web-3 (10.244.0.17:8080): denied by NetworkPolicy", "backend shop/web-1 (10.244.0.15:8080): admits the connection"}},
		{name: "policy uses the pod port after DNAT, not the Service port", from: "shop/client", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "web-80", map[string]string{"app": "web"}, 80, rfPodPeer(map[string]string{"app": "client"})))
			},
			allowed: false, outcome: probe.Denied, service: "shop/web", summary: "on TCP/8080"},
		{name: "named targetPort resolved per pod", from: "shop/client", to: "svc:shop/api", port: "80",
			setup: func(c *rf) {
				c.pod("shop", "api-a", map[string]string{"app": "api"}, rfWithPorts(rfNetexec("--http-port=8080"), corev1.ContainerPort{Name: "http", ContainerPort: 8080}))
				c.pod("shop", "api-b", map[string]string{"app": "api"}, rfWithPorts(rfNetexec("--http-port", "9090"), corev1.ContainerPort{Name: "http", ContainerPort: 9090}))
				c.svc("shop", "api", map[string]string{"app": "api"}, corev1.ServicePort{Name: "web", Port: 80, TargetPort: intstr.FromString("http")})
			},
			allowed: true, outcome: probe.Connected, backend: "shop/api-a", service: "shop/api", summary: "all 2 backends"},
		{name: "selectorless Service with a hand-made EndpointSlice", from: "shop/client", to: "svc:shop/manual", port: "80",
			setup: func(c *rf) {
				c.svc("shop", "manual", nil, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)})
				name, proto, port, ready := "http", corev1.ProtocolTCP, int32(8080), true
				c.manualSlices = append(c.manualSlices, discoveryv1.EndpointSlice{
					ObjectMeta:  metav1.ObjectMeta{Namespace: "shop", Name: "manual-1", Labels: map[string]string{discoveryv1.LabelServiceName: "manual"}},
					AddressType: discoveryv1.AddressTypeIPv4,
					Ports:       []discoveryv1.EndpointPort{{Name: &name, Protocol: &proto, Port: &port}},
					Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{c.get("shop", "web-2").Status.PodIP}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
				})
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-2", service: "shop/manual"},
		{name: "EndpointSlice address outside the cluster", from: "shop/client", to: "svc:shop/ext", port: "80",
			setup: func(c *rf) {
				c.svc("shop", "ext", nil, corev1.ServicePort{Name: "http", Port: 80})
				name, port := "http", int32(80)
				c.manualSlices = append(c.manualSlices, discoveryv1.EndpointSlice{
					ObjectMeta:  metav1.ObjectMeta{Namespace: "shop", Name: "ext-1", Labels: map[string]string{discoveryv1.LabelServiceName: "ext"}},
					AddressType: discoveryv1.AddressTypeIPv4,
					Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
					Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.10"}}},
				})
			},
			allowed: false, outcome: probe.Unreachable, service: "shop/ext", summary: "endpoint 192.0.2.10 is not a pod of the cluster"},
		{name: "host client is masqueraded to the node address", from: "ip:172.17.0.5", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "from-block", map[string]string{"app": "web"}, 8080, rfIPBlock("172.17.0.0/16")))
			},
			allowed: false, outcome: probe.Denied, service: "shop/web",
			reasons: []string{"kube-proxy masquerades traffic to a ClusterIP that does not come from a pod: NetworkPolicy on the backends sees the node address 172.18.0.2, not 172.17.0.5"}},
		{name: "pod reaching itself through its Service: policy sees the pod before the hairpin masquerade", from: "shop/nginx-1", to: "svc:shop/nginx", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "nginx-from-pods", map[string]string{"app": "nginx"}, 80, rfPodPeer(nil)))
			},
			allowed: true, outcome: probe.Connected, service: "shop/nginx", backend: "shop/nginx-1"},
		{name: "pod reaching itself through its Service: a policy without it denies", from: "shop/nginx-1", to: "svc:shop/nginx", port: "80",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "nginx-from-clients", map[string]string{"app": "nginx"}, 80, rfPodPeer(map[string]string{"app": "client"})))
			},
			allowed: false, outcome: probe.Denied, service: "shop/nginx"},
		{name: "internalTrafficPolicy Local keeps traffic on the client's node", from: "shop/client", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				local := corev1.ServiceInternalTrafficPolicyLocal
				c.service("shop", "web").Spec.InternalTrafficPolicy = &local
				c.o.Nodes = append(c.o.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ckadlab-worker"},
					Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "172.18.0.3"}}}})
				c.get("shop", "web-1").Spec.NodeName = "ckadlab-worker"
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-2", service: "shop/web", summary: "all 2 backends",
			reasons: []string{"internalTrafficPolicy: Local: only endpoints on node ckadlab-control-plane receive the traffic"}},
		{name: "internalTrafficPolicy Local without a local endpoint", from: "shop/client", to: "svc:shop/web", port: "80",
			setup: func(c *rf) {
				local := corev1.ServiceInternalTrafficPolicyLocal
				c.service("shop", "web").Spec.InternalTrafficPolicy = &local
				c.o.Nodes = append(c.o.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ckadlab-worker"},
					Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "172.18.0.3"}}}})
				c.get("shop", "client").Spec.NodeName = "ckadlab-worker"
			},
			allowed: false, outcome: probe.Unreachable, service: "shop/web",
			summary: "internalTrafficPolicy: Local and no endpoint on node ckadlab-worker, where pod shop/client runs"},
		{name: "headless Service: pods directly on the probe's port", from: "shop/client", to: "svc:shop/web-headless", port: "8080",
			setup: func(c *rf) {
				s := c.svc("shop", "web-headless", map[string]string{"app": "web"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)})
				s.Spec.ClusterIP, s.Spec.ClusterIPs = corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web-headless",
			reasons: []string{"is headless (clusterIP: None)"}},
		{name: "headless Service: no port translation", from: "shop/client", to: "svc:shop/web-headless", port: "80",
			setup: func(c *rf) {
				s := c.svc("shop", "web-headless", map[string]string{"app": "web"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)})
				s.Spec.ClusterIP, s.Spec.ClusterIPs = corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
			},
			allowed: false, outcome: probe.Refused, service: "shop/web-headless", notReasons: []string{"check the Service's targetPort"}},
		{name: "ExternalName to an in-cluster Service", from: "shop/client", to: "svc:shop/alias", port: "80",
			setup: func(c *rf) {
				s := c.svc("shop", "alias", nil)
				s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "", nil, "web.shop.svc.cluster.local"
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web",
			reasons: []string{"Service shop/alias is an ExternalName: its name is a DNS CNAME to web.shop.svc.cluster.local", "reaches CoreDNS"}},
		{name: "ExternalName to an external host", from: "shop/client", to: "svc:shop/ext", port: "443",
			setup: func(c *rf) {
				s := c.svc("shop", "ext", nil)
				s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "", nil, "api.example.com"
			},
			allowed: false, outcome: probe.Unreachable, summary: "Service shop/ext resolves to external host api.example.com outside the offline cluster"},
		{name: "ExternalName to a cluster name cut short", from: "shop/client", to: "svc:shop/short", port: "80",
			setup: func(c *rf) {
				s := c.svc("shop", "short", nil)
				s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "", nil, "web.shop.svc"
			},
			allowed: false, outcome: probe.Unresolved, summary: "points to web.shop.svc, which does not resolve (NXDOMAIN)"},
		{name: "ExternalName loop", from: "shop/client", to: "svc:shop/a", port: "80",
			setup: func(c *rf) {
				for _, p := range [][2]string{{"a", "b.shop.svc.cluster.local"}, {"b", "a.shop.svc.cluster.local."}} {
					s := c.svc("shop", p[0], nil)
					s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "", nil, p[1]
				}
			},
			allowed: false, outcome: probe.Unresolved, summary: "CNAME chain longer than 8"},
		{name: "ExternalName to a missing in-cluster name", from: "shop/client", to: "svc:shop/alias", port: "80",
			setup: func(c *rf) {
				s := c.svc("shop", "alias", nil)
				s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "", nil, "gone.shop.svc.cluster.local"
			},
			allowed: false, outcome: probe.Unresolved, summary: "points to gone.shop.svc.cluster.local, which does not resolve"},
		{name: "ExternalName from a host uses no cluster DNS", from: "ip:10.0.0.5", to: "svc:shop/alias", port: "80",
			setup: func(c *rf) {
				s := c.svc("shop", "alias", nil)
				s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "", nil, "web.shop.svc.cluster.local"
			},
			allowed: false, outcome: probe.Unresolved, summary: "does not use the cluster DNS"},
	})
}

func TestProbeDNS(t *testing.T) {
	hostnamePod := func(c *rf) {
		p := c.pod("shop", "db-0", map[string]string{"app": "db"}, rfWithPorts(rfNetexec("--http-port=5432"), corev1.ContainerPort{Name: "pg", ContainerPort: 5432}))
		p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db"
		s := c.svc("shop", "db", map[string]string{"app": "db"}, corev1.ServicePort{Name: "pg", Port: 5432})
		s.Spec.ClusterIP, s.Spec.ClusterIPs = corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
	}
	dnsEgressOnly := func(c *rf) {
		udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
		p53 := intstr.FromInt(53)
		c.netpol(networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "dns-only"},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "client"}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
						PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
					}},
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &p53}, {Protocol: &tcp, Port: &p53}},
				}},
			},
		})
	}
	runRFCases(t, []rfCase{
		{name: "short name through the search path", from: "shop/client", to: "dns:web", port: "80",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web",
			reasons: []string{"web resolves as web.shop.svc.cluster.local (search path of pod shop/client)", "the DNS query from pod shop/client reaches CoreDNS (kube-system/kube-dns, UDP/53)"}},
		{name: "name.namespace from another namespace", from: "other/client", to: "dns:web.shop", port: "80",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", reasons: []string{"web.shop resolves as web.shop.svc.cluster.local"}},
		{name: "name.namespace.svc", from: "other/client", to: "dns:web.shop.svc", port: "80",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", reasons: []string{"web.shop.svc resolves as web.shop.svc.cluster.local"}},
		{name: "fully qualified", from: "other/client", to: "dns:web.shop.svc.cluster.local", port: "80",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", notReasons: []string{"search path"}},
		{name: "short name from another namespace: NXDOMAIN", from: "other/client", to: "dns:web", port: "80",
			allowed: false, outcome: probe.Unresolved,
			summary: "Unresolved: web does not resolve (NXDOMAIN); the resolver of pod other/client tried web.other.svc.cluster.local, web.svc.cluster.local, web.cluster.local, web.",
			reasons: []string{"Service shop/web exists: from another namespace use web.shop"}},
		{name: "pod names are not DNS names", from: "shop/client", to: "dns:web-1", port: "8080",
			allowed: false, outcome: probe.Unresolved, reasons: []string{"web-1 is a pod, and pods get no DNS name of their own"}},
		{name: "dns target needs a pod source", from: "ip:10.0.0.5", to: "dns:web.shop", port: "80", wantErr: "needs a pod source"},
		{name: "dns target from outside", from: "external", to: "dns:web.shop", port: "80", wantErr: "needs a pod source"},
		{name: "egress deny-all blocks the DNS query", from: "shop/client", to: "dns:web", port: "80",
			setup:   func(c *rf) { c.netpol(rfDenyEgress("shop", "deny-out", map[string]string{"app": "client"})) },
			allowed: false, outcome: probe.Unresolved,
			summary: "Unresolved: the DNS query from pod shop/client to CoreDNS (kube-system/kube-dns, UDP/53) is dropped by NetworkPolicy.",
			reasons: []string{"needs a rule allowing UDP (and TCP) port 53 to the CoreDNS pods in kube-system"}},
		{name: "DNS allowed, the connection is not", from: "shop/client", to: "dns:web", port: "80",
			setup:   dnsEgressOnly,
			allowed: false, outcome: probe.Denied, service: "shop/web", reasons: []string{"reaches CoreDNS"}},
		{name: "DNS allowed, pod IP direct also denied", from: "shop/client", to: "shop/web-1", port: "8080",
			setup:   dnsEgressOnly,
			allowed: false, outcome: probe.Denied},
		{name: "external name", from: "shop/client", to: "dns:example.com", port: "443",
			allowed: false, outcome: probe.Unreachable, summary: "example.com resolves to external host example.com outside the offline cluster"},
		{name: "NAME.NAMESPACE of no Service", from: "shop/client", to: "dns:nosuch.shop", port: "80",
			allowed: false, outcome: probe.Unresolved, summary: "nosuch.shop does not resolve (NXDOMAIN)"},
		{name: "special-use name", from: "shop/client", to: "dns:api.internal", port: "80",
			allowed: false, outcome: probe.Unresolved, summary: "api.internal does not resolve (NXDOMAIN)"},
		{name: "pod A record", from: "shop/client", to: "dns:10-244-0-15.shop.pod.cluster.local", port: "8080",
			allowed: true, outcome: probe.Connected, summary: "reached shop/web-1 on TCP/8080", reasons: []string{"10.244.0.15 is the IP of pod shop/web-1"}},
		{name: "hostname record of a headless Service", from: "shop/client", to: "dns:db-0.db", port: "5432",
			setup:   hostnamePod,
			allowed: true, outcome: probe.Connected, summary: "reached shop/db-0 on TCP/5432",
			reasons: []string{"db-0.db resolves as db-0.db.shop.svc.cluster.local", "is the hostname record of pod shop/db-0"}},
		{name: "hostname record of a ClusterIP Service (CoreDNS answers endpoint queries for any Service)", from: "shop/client", to: "dns:db-0.db.shop.svc.cluster.local", port: "5432",
			setup: func(c *rf) {
				hostnamePod(c)
				s := &c.o.Services[len(c.o.Services)-1]
				s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.99", []string{"10.96.0.99"}
			},
			allowed: true, outcome: probe.Connected, summary: "reached shop/db-0 on TCP/5432",
			reasons: []string{"is the hostname record of pod shop/db-0"}},
		{name: "endpoint named by its address with dashes", from: "shop/client", to: "dns:10-244-0-15.web.shop.svc.cluster.local", port: "8080",
			allowed: true, outcome: probe.Connected, summary: "reached shop/web-1 on TCP/8080"},
		{name: "a hostname no endpoint has", from: "shop/client", to: "dns:db-7.db.shop.svc.cluster.local", port: "5432",
			setup:   hostnamePod,
			allowed: false, outcome: probe.Unresolved},
		{name: "headless Service name", from: "other/client", to: "dns:db.shop", port: "5432",
			setup:   hostnamePod,
			allowed: true, outcome: probe.Connected, backend: "shop/db-0", service: "shop/db"},
		{name: "ExternalName through DNS", from: "shop/client", to: "dns:alias", port: "80",
			setup: func(c *rf) {
				s := c.svc("shop", "alias", nil)
				s.Spec.Type, s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "", nil, "nginx.shop.svc.cluster.local"
			},
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx"},
		{name: "no DNS Service in the cluster", from: "shop/client", to: "dns:web", port: "80",
			setup: func(c *rf) {
				for i := range c.o.Services {
					if c.o.Services[i].Name == "kube-dns" {
						c.o.Services[i].Name = "coredns"
					}
				}
			},
			allowed: false, outcome: probe.Unresolved, summary: "the cluster has no DNS Service kube-system/kube-dns"},
		{name: "dnsPolicy Default uses the node resolver", from: "shop/dflt", to: "dns:web", port: "80",
			setup:   func(c *rf) { c.pod("shop", "dflt", nil, rfSleeper()).Spec.DNSPolicy = corev1.DNSDefault },
			allowed: false, outcome: probe.Unresolved, summary: "dnsPolicy Default"},
		{name: "ndots option: dotted names are tried as-is first", from: "shop/dots", to: "dns:web.shop", port: "80",
			setup: func(c *rf) {
				one := "1"
				c.pod("shop", "dots", nil, rfSleeper()).Spec.DNSConfig = &corev1.PodDNSConfig{Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: &one}}}
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "only one CoreDNS pod admits the query", from: "shop/client", to: "dns:web", port: "80",
			setup: func(c *rf) {
				c.get("kube-system", "coredns-2").Labels["locked"] = "true"
				c.netpol(rfDenyIngress("kube-system", "lock", map[string]string{"locked": "true"}))
			},
			allowed: false, outcome: probe.Unresolved, summary: "only 1 of 2 CoreDNS pods admit the DNS query"},
	})
}

func TestProbeNodePortsAndLoadBalancers(t *testing.T) {
	shopNP := func(t testing.TB) *rf {
		c := rfShop(t)
		c.nodePorts(c.service("shop", "web")).Spec.Ports[0].NodePort = 30080
		c.loadBalancer(c.svc("shop", "web-lb", map[string]string{"app": "web"}, corev1.ServicePort{Name: "http", Port: 8888, TargetPort: intstr.FromString("http")}))
		return c
	}
	onlyClients := func(c *rf) {
		c.netpol(rfAllowFrom("shop", "web-from-clients", map[string]string{"app": "web"}, 8080, rfPodPeer(map[string]string{"app": "client"})))
	}
	local := func(c *rf) {
		c.service("shop", "web").Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	}
	// webOnWorker adds a second node and moves every web backend onto it.
	webOnWorker := func(c *rf) {
		c.o.Nodes = append(c.o.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ckadlab-worker"},
			Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "172.18.0.3"}}}})
		for _, n := range []string{"web-1", "web-2", "web-3"} {
			c.get("shop", n).Spec.NodeName = "ckadlab-worker"
		}
	}
	runRFCases(t, []rfCase{
		{name: "external client to a node port", build: shopNP, from: "external", to: "nodeport:30080",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web",
			reasons: []string{"node ckadlab-control-plane (172.18.0.2) port 30080/TCP is the nodePort of Service shop/web port 80/TCP",
				"kube-proxy masquerades traffic to a node port (externalTrafficPolicy: Cluster) to the node address 172.18.0.2, but only as it leaves for the backend: NetworkPolicy on node ckadlab-control-plane judges it first, so the backends see the external client as the source (172.18.0.1)"}},
		{name: "no Service has the node port", build: shopNP, from: "external", to: "nodeport:30081",
			allowed: false, outcome: probe.Refused, summary: "no Service has nodePort 30081/TCP"},
		{name: "node port confused with the Service port", build: shopNP, from: "external", to: "nodeport:80",
			allowed: false, outcome: probe.Refused, reasons: []string{"Service shop/web uses 80 as its port or targetPort; its nodePort is 30080", "Service shop/nginx uses 80 as its port or targetPort, but it is type ClusterIP and has no nodePort"}},
		{name: "masquerade after policy: a pod allowed by selector is admitted through the node port", build: shopNP, from: "shop/client", to: "nodeport:30080",
			setup:   onlyClients,
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "masquerade after policy: a pod not allowed is denied through the node port", build: shopNP, from: "shop/nginx-1", to: "nodeport:30080",
			setup:   onlyClients,
			allowed: false, outcome: probe.Denied, service: "shop/web", summary: "Denied: NetworkPolicy drops traffic from pod shop/nginx-1 to shop/web-1 on TCP/8080."},
		{name: "backends on another node see the masquerading node", build: shopNP, from: "shop/client", to: "nodeport:30080",
			setup: func(c *rf) {
				onlyClients(c)
				webOnWorker(c)
			},
			allowed: false, outcome: probe.Denied, service: "shop/web", summary: "Denied: NetworkPolicy drops traffic from pod shop/client (the backend sees it coming from 172.18.0.2) to shop/web-1 on TCP/8080.",
			reasons: []string{"the backends run on other nodes than ckadlab-control-plane and see its address 172.18.0.2 as the source"}},
		{name: "masquerade: the same pod through the ClusterIP is allowed", build: shopNP, from: "shop/client", to: "svc:shop/web", port: "80",
			setup:   onlyClients,
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "the node address in an ipBlock does not admit an external client on the same node", build: shopNP, from: "external", to: "nodeport:30080",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "web-from-node", map[string]string{"app": "web"}, 8080, rfIPBlock("172.18.0.2/32")))
			},
			allowed: false, outcome: probe.Denied, service: "shop/web"},
		{name: "the client address in an ipBlock admits it through the node port", build: shopNP, from: "external", to: "nodeport:30080",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "web-from-docker", map[string]string{"app": "web"}, 8080, rfIPBlock("172.18.0.0/16")))
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "Local keeps the external client address", build: shopNP, from: "external", to: "nodeport:30080",
			setup: func(c *rf) {
				local(c)
				c.netpol(rfAllowFrom("shop", "web-from-docker", map[string]string{"app": "web"}, 8080, rfIPBlock("172.18.0.1/32")))
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web",
			reasons: []string{"externalTrafficPolicy: Local keeps the client address 172.18.0.1; only endpoints on node ckadlab-control-plane receive the traffic"}},
		{name: "Local: the node address is no longer the source", build: shopNP, from: "external", to: "nodeport:30080",
			setup: func(c *rf) {
				local(c)
				c.netpol(rfAllowFrom("shop", "web-from-node", map[string]string{"app": "web"}, 8080, rfIPBlock("172.18.0.2/32")))
			},
			allowed: false, outcome: probe.Denied, service: "shop/web"},
		{name: "Local: configurable external client address", build: shopNP, from: "external", to: "nodeport:30080",
			setup: func(c *rf) {
				local(c)
				c.opts.ExternalClient = netip.MustParseAddr("192.168.1.20")
				c.netpol(rfAllowFrom("shop", "web-from-lan", map[string]string{"app": "web"}, 8080, rfIPBlock("192.168.1.0/24")))
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "Local: pod clients keep their address", build: shopNP, from: "shop/client", to: "nodeport:30080",
			setup:   func(c *rf) { local(c); onlyClients(c) },
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web",
			reasons: []string{"externalTrafficPolicy: Local does not apply to pod clients"}},
		{name: "Local: no endpoint on the receiving node", build: shopNP, from: "external", to: "nodeport:30080",
			setup: func(c *rf) {
				local(c)
				webOnWorker(c)
			},
			allowed: false, outcome: probe.Unreachable, service: "shop/web", summary: "externalTrafficPolicy: Local and no endpoint on node ckadlab-control-plane"},
		{name: "node address and node port as ip target", build: shopNP, from: "ip:10.0.0.5", to: "ip:172.18.0.2", port: "30080",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web"},
		{name: "node address without a listener", build: shopNP, from: "external", to: "ip:172.18.0.2", port: "22",
			allowed: false, outcome: probe.Refused, summary: "nothing listens on node ckadlab-control-plane (172.18.0.2) port 22/TCP"},
		{name: "hostPort pod on the node address", build: shopNP, from: "external", to: "ip:172.18.0.2", port: "9000",
			setup: func(c *rf) {
				c.pod("shop", "hp", nil, rfWithPorts(rfNetexec("--http-port=8080"), corev1.ContainerPort{ContainerPort: 8080, HostPort: 9000}))
			},
			allowed: true, outcome: probe.Connected, summary: "reached shop/hp on TCP/8080", reasons: []string{"pod shop/hp publishes hostPort 9000 → containerPort 8080"}},
		{name: "load balancer address", build: shopNP, from: "external", to: "lb:shop/web-lb", port: "8888",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web-lb",
			reasons: []string{"Service shop/web-lb has the load balancer address 172.18.0.2", "masquerades traffic to a load balancer address"}},
		{name: "load balancer port omitted: its only port", build: shopNP, from: "external", to: "lb:shop/web-lb",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web-lb"},
		{name: "load balancer address as ip target", build: shopNP, from: "external", to: "ip:172.18.0.2", port: "8888",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web-lb", reasons: []string{"is the load balancer address of Service shop/web-lb"}},
		{name: "lb target of a ClusterIP Service", build: shopNP, from: "external", to: "lb:shop/nginx", port: "80",
			allowed: false, outcome: probe.Unreachable, summary: "Service shop/nginx is type ClusterIP, not LoadBalancer"},
		{name: "load balancer pending", build: shopNP, from: "external", to: "lb:shop/web-lb", port: "8888",
			setup:   func(c *rf) { c.service("shop", "web-lb").Status.LoadBalancer.Ingress = nil },
			allowed: false, outcome: probe.Unreachable, summary: "EXTERNAL-IP is pending"},
		{name: "external IP of a Service", build: shopNP, from: "external", to: "ip:198.51.100.7", port: "80",
			setup:   func(c *rf) { c.service("shop", "nginx").Spec.ExternalIPs = []string{"198.51.100.7"} },
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx", reasons: []string{"198.51.100.7 is an external IP of Service shop/nginx"}},
		{name: "external IP on a port no Service serves: the node routes it on", build: shopNP, from: "external", to: "ip:198.51.100.7", port: "8080",
			setup:   func(c *rf) { c.service("shop", "nginx").Spec.ExternalIPs = []string{"198.51.100.7"} },
			allowed: false, outcome: probe.Unreachable,
			summary: "Unreachable: the network routes 198.51.100.7 to a node, but no Service serves TCP/8080 on it",
			reasons: []string{"Service shop/nginx accepts 198.51.100.7 on 80/TCP"}},
		{name: "ClusterIP as ip target", build: shopNP, from: "shop/client", to: "ip:10.96.0.13", port: "80",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", reasons: []string{"10.96.0.13 is the ClusterIP of Service shop/web"}},
		{name: "unknown address", build: shopNP, from: "shop/client", to: "ip:10.99.9.9", port: "80",
			allowed: false, outcome: probe.Unreachable, summary: "no pod, Service or node in the cluster has the address 10.99.9.9",
			policy: "not-isolated", policyRule: "no NetworkPolicy selects pod shop/client for egress"},
		{name: "pod IP from outside", build: shopNP, from: "external", to: "ip:10.244.0.15", port: "8080",
			allowed: false, outcome: probe.Unreachable, summary: podIPsFromOutside},
		{name: "nodeport target with a contradicting port", build: shopNP, from: "external", to: "nodeport:30080", port: "80", wantErr: "already names the port"},
	})
}

func TestProbeHTTPExpectations(t *testing.T) {
	runRFCases(t, []rfCase{
		{name: "status and Service as expected", from: "shop/client", to: "svc:shop/web", port: "80",
			http:    &probe.HTTPExpect{Status: 200, Service: "shop/web"},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "nginx answers 404 off its root", from: "shop/client", to: "svc:shop/nginx", port: "80",
			http:    &probe.HTTPExpect{Path: "/api", Status: 200},
			allowed: false, outcome: probe.HTTPError, service: "shop/nginx", backend: "shop/nginx-1", status: 404,
			summary: "HTTP check failed: expected status 200, but shop/nginx-1 answers 404.",
			reasons: []string{"nginx's default site serves only / (index.html); /api gives 404"}},
		{name: "any status, 404 observed", from: "shop/client", to: "svc:shop/nginx", port: "80",
			http:    &probe.HTTPExpect{Path: "/api"},
			allowed: true, outcome: probe.Connected, service: "shop/nginx", backend: "shop/nginx-1", status: 404},
		{name: "the wrong Service answered", from: "shop/client", to: "svc:shop/nginx", port: "80",
			http:    &probe.HTTPExpect{Service: "shop/web"},
			allowed: false, outcome: probe.HTTPError, service: "shop/nginx", backend: "shop/nginx-1", status: 200,
			summary: "HTTP check failed: expected the answer from Service shop/web, but it came from shop/nginx."},
		{name: "direct pod probe has no Service", from: "shop/client", to: "shop/web-1", port: "8080",
			http:    &probe.HTTPExpect{Service: "shop/web"},
			allowed: false, outcome: probe.HTTPError, status: 200, summary: "it came from no Service"},
		{name: "nc does not speak HTTP", from: "shop/client", to: "shop/nc", port: "7000",
			setup: func(c *rf) {
				c.pod("shop", "nc", nil, corev1.Container{Name: "nc", Image: rfBusybox, Command: []string{"sh", "-c", "while true; do nc -lk -p 7000; done"}})
			},
			http:    &probe.HTTPExpect{Status: 200},
			allowed: false, outcome: probe.HTTPError, summary: "does not speak HTTP"},
		{name: "HTTP over UDP is an error", from: "shop/client", to: "shop/web-1", port: "8081", proto: "udp",
			http: &probe.HTTPExpect{Status: 200}, wantErr: "needs a TCP probe"},
		{name: "backends answer differently", from: "shop/client", to: "svc:shop/mixed", port: "80",
			setup: func(c *rf) {
				c.get("shop", "nginx-1").Labels["tier"] = "front"
				c.get("shop", "web-1").Labels["tier"] = "front"
				c.svc("shop", "mixed", map[string]string{"tier": "front"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")})
				p := c.get("shop", "nginx-1")
				p.Spec.Containers[0].Ports[0].Name = "http"
			},
			http:    &probe.HTTPExpect{Path: "/hostname", Status: 200},
			allowed: false, outcome: probe.HTTPError, backend: "shop/nginx-1", service: "shop/mixed", status: 404,
			reasons: []string{"backends answer GET /hostname differently: 200 from shop/web-1; 404 from shop/nginx-1"}},
	})
}

func BenchmarkProbeService(b *testing.B) {
	c := rfShop(b)
	c.netpol(rfAllowFrom("shop", "web-from-clients", map[string]string{"app": "web"}, 8080, rfPodPeer(map[string]string{"app": "client"})))
	m := c.model()
	spec := rfSpec(b, "shop/client", "svc:shop/web", "80", "TCP")
	b.ReportAllocs()
	for b.Loop() {
		r, err := m.Probe(spec)
		if err != nil || !r.Allowed {
			b.Fatalf("%+v %v", r, err)
		}
	}
}
