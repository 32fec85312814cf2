package netmodel

import (
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// rfRouteWorld: two web pods behind Services of every kind (ClusterIP,
// headless, ExternalName, NodePort, LoadBalancer, an external IP) and an
// Ingress, with an ingress policy on the web pods.
func rfRouteWorld(t *testing.T) *Model {
	c := newRF(t)
	c.pod("shop", "client", map[string]string{"app": "client"}, rfSleeper())
	web := map[string]string{"app": "web"}
	for _, n := range []string{"web-1", "web-2"} {
		c.pod("shop", n, web, rfWithPorts(rfNetexec("--http-port=8080"), corev1.ContainerPort{Name: "http", ContainerPort: 8080}))
	}
	c.svc("shop", "web", web, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")})
	h := c.svc("shop", "web-h", web, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")})
	h.Spec.ClusterIP, h.Spec.ClusterIPs = corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
	c.ns("apps")
	c.o.Services = append(c.o.Services, corev1.Service{})
	alias := &c.o.Services[len(c.o.Services)-1]
	alias.Namespace, alias.Name = "apps", "alias"
	alias.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "web.shop.svc.cluster.local"}
	c.nodePorts(c.svc("shop", "np", web, corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt(8080)}))
	ext := c.svc("shop", "ext", web, corev1.ServicePort{Port: 9100, TargetPort: intstr.FromInt(8080)})
	ext.Spec.ExternalIPs = []string{"203.0.113.10"}
	c.ingress("shop", "web", nil, rfRule("web.example.com", rfPath(networkingv1.PathTypePrefix, "/", "web", 80)))
	c.netpol(rfAllowFrom("shop", "web-in", web, 8080, rfPodPeer(map[string]string{"app": "client"})))
	return c.model()
}

// TestRoute: the route names where the client connects (as it names the
// target: a ClusterIP, a DNS name, a node address ...), the Service that
// carries the traffic, the pods it may reach and whether a NetworkPolicy
// applies; its Result is Probe's.
func TestRoute(t *testing.T) {
	m := rfRouteWorld(t)
	webIP := m.services["shop/web"].Spec.ClusterIP
	npPort := m.services["shop/np"].Spec.Ports[0].NodePort
	webPods := "shop/web-1 shop/web-2"
	tests := []struct {
		from, to, port, proto string
		outcome               probe.Outcome
		entry                 Entry
		service               string
		reach                 string
		hops                  int
		policed               bool
	}{
		{from: "shop/client", to: "svc:shop/web", port: "80", outcome: probe.Connected,
			entry: Entry{Host: webIP, Port: 80}, service: "shop/web", reach: webPods, hops: 1, policed: true},
		{from: "shop/client", to: "svc:shop/web", port: "http", outcome: probe.Connected,
			entry: Entry{Host: webIP, Port: 80}, service: "shop/web", reach: webPods, hops: 1, policed: true},
		// A port the Service does not have: refused before any backend,
		// but the client still connects there.
		{from: "shop/client", to: "svc:shop/web", port: "8080", outcome: probe.Refused,
			entry: Entry{Host: webIP, Port: 8080}, service: "shop/web", reach: webPods, policed: true},
		{from: "shop/client", to: "svc:shop/web-h", port: "http", outcome: probe.Connected,
			entry: Entry{Host: "web-h.shop.svc.cluster.local", Port: 8080}, service: "shop/web-h", reach: webPods, hops: 1, policed: true},
		{from: "shop/client", to: "svc:apps/alias", port: "80", outcome: probe.Connected,
			entry: Entry{Host: "web.shop.svc.cluster.local", Port: 80}, service: "shop/web", reach: webPods, hops: 1, policed: true},
		{from: "shop/client", to: "dns:web", port: "80", outcome: probe.Connected,
			entry: Entry{Host: "web", Port: 80}, service: "shop/web", reach: webPods, hops: 1, policed: true},
		{from: "shop/client", to: "shop/web-2", port: "http", outcome: probe.Connected,
			entry: Entry{Host: m.Pod("shop", "web-2").Status.PodIP, Port: 8080}, reach: "shop/web-2", hops: 1, policed: true},
		{from: "shop/client", to: "shop/nope", port: "80", outcome: probe.Unreachable},
		// From outside: a node port, an external IP the network routes to
		// the first node, a ClusterIP that does not route, the ingress
		// controller's load balancer address.
		{from: "external", to: "nodeport:" + itoa(int(npPort)), outcome: probe.Denied,
			entry: Entry{Host: rfNodeIP, Port: int(npPort), Node: rfNodeName}, service: "shop/np", reach: webPods, hops: 1, policed: true},
		{from: "external", to: "ip:203.0.113.10", port: "9100", outcome: probe.Denied,
			entry: Entry{Host: "203.0.113.10", Port: 9100, Via: netip.MustParseAddr(rfNodeIP), ViaNode: rfNodeName}, service: "shop/ext", reach: webPods, hops: 1, policed: true},
		{from: "external", to: "svc:shop/web", port: "80", outcome: probe.Unreachable,
			entry: Entry{Host: webIP, Port: 80}, service: "", reach: ""},
		{from: "external", to: "ingress:web.example.com/", outcome: probe.Denied,
			entry: Entry{Host: rfNodeIP, Port: 80}, service: "shop/web", reach: "traefik/traefik-5d8f7c9b4-x2x7q " + webPods, hops: 2, policed: true},
		// No policy on the way.
		{from: "shop/web-1", to: "svc:kube-system/kube-dns", port: "53", proto: "UDP", outcome: probe.Connected,
			entry: Entry{Host: "10.96.0.10", Port: 53}, service: "kube-system/kube-dns", reach: "kube-system/coredns-1 kube-system/coredns-2", hops: 1},
	}
	for _, tt := range tests {
		proto := tt.proto
		if proto == "" {
			proto = "TCP"
		}
		spec := rfSpec(t, tt.from, tt.to, tt.port, proto)
		r, err := m.Route(spec)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		want, _ := m.Probe(spec)
		if !reflect.DeepEqual(r.Result, want) {
			t.Errorf("%s: Route's result differs from Probe's:\n%+v\n%+v", spec, r.Result, want)
		}
		var reach []string
		for _, p := range r.Reach {
			reach = append(reach, podKey(p))
		}
		svc := ""
		if r.Service != nil {
			svc = svcKey(r.Service)
		}
		if r.Result.Outcome != tt.outcome || r.Entry != tt.entry || svc != tt.service || strings.Join(reach, " ") != tt.reach || len(r.Hops) != tt.hops || r.Policed != tt.policed {
			t.Errorf("%s: %s entry %+v Service %q reach %q hops %d policed %v; want %s %+v %q %q %d %v\n%s",
				spec, r.Result.Outcome, r.Entry, svc, reach, len(r.Hops), r.Policed,
				tt.outcome, tt.entry, tt.service, tt.reach, tt.hops, tt.policed, strings.Join(r.Result.Reasons, "\n"))
		}
	}
}

// TestRouteSource: an ip: source names the node whose address it is, a
// pod source the pod.
func TestRouteSource(t *testing.T) {
	m := rfRouteWorld(t)
	r, err := m.Route(rfSpec(t, "ip:"+rfNodeIP, "svc:shop/web", "80", "TCP"))
	if err != nil || r.Source.Node != rfNodeName || r.Source.Pod != nil {
		t.Fatalf("node source: %+v, %v", r, err)
	}
	r, err = m.Route(rfSpec(t, "ip:192.0.2.7", "svc:shop/web", "80", "TCP"))
	if err != nil || r.Source.Node != "" {
		t.Fatalf("host source: %+v, %v", r, err)
	}
	r, err = m.Route(rfSpec(t, "shop/client", "svc:shop/web", "80", "TCP"))
	if err != nil || r.Source.Pod != m.Pod("shop", "client") || r.Source.Kind != probe.FromPod {
		t.Fatalf("pod source: %+v, %v", r, err)
	}
	if _, err := m.Route(rfSpec(t, "shop/nope", "svc:shop/web", "80", "TCP")); err == nil {
		t.Fatal("an unknown source pod: no error")
	}
	// The backends carry the policy verdict: web admits client on 8080.
	b := r.Hops[0].Backends
	if len(b) != 2 || !b[0].Policy.Allowed || !b[0].Listening || b[0].Port != 8080 || b[0].Pod != m.Pod("shop", "web-1") {
		t.Fatalf("backends: %+v", b)
	}
	if m.PodAt(b[1].IP) != m.Pod("shop", "web-2") || m.ServiceAt(netip.MustParseAddr(m.services["shop/web"].Spec.ClusterIP)) != m.services["shop/web"] {
		t.Fatal("PodAt or ServiceAt")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
