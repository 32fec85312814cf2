package netmodel

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	rfPrefix = networkingv1.PathTypePrefix
	rfExact  = networkingv1.PathTypeExact
	rfImpl   = networkingv1.PathTypeImplementationSpecific
)

// TestIngressPathMatchingDocsTable is the "Examples" table of the
// Kubernetes Ingress documentation (path types), plus case sensitivity and
// ImplementationSpecific. Each row is one Ingress rule with paths (each
// path routes to a Service named after it) and one request; want is the
// path that wins, "" when the default backend would be used.
func TestIngressPathMatchingDocsTable(t *testing.T) {
	type p struct {
		pt   networkingv1.PathType
		path string
	}
	rows := []struct {
		paths   []p
		request string
		want    string
		wantPT  networkingv1.PathType
	}{
		{[]p{{rfPrefix, "/"}}, "/", "/", rfPrefix},
		{[]p{{rfPrefix, "/"}}, "/any/path/at/all", "/", rfPrefix},
		{[]p{{rfExact, "/foo"}}, "/foo", "/foo", rfExact},
		{[]p{{rfExact, "/foo"}}, "/bar", "", ""},
		{[]p{{rfExact, "/foo"}}, "/foo/", "", ""},
		{[]p{{rfExact, "/foo/"}}, "/foo", "", ""},
		{[]p{{rfPrefix, "/foo"}}, "/foo", "/foo", rfPrefix},
		{[]p{{rfPrefix, "/foo"}}, "/foo/", "/foo", rfPrefix},
		{[]p{{rfPrefix, "/foo/"}}, "/foo", "/foo/", rfPrefix},
		{[]p{{rfPrefix, "/foo/"}}, "/foo/", "/foo/", rfPrefix},
		{[]p{{rfPrefix, "/foo"}}, "/foo/bar", "/foo", rfPrefix},
		{[]p{{rfPrefix, "/foo"}}, "/foobar", "", ""},
		{[]p{{rfPrefix, "/aaa/bb"}}, "/aaa/bbb", "", ""},
		{[]p{{rfPrefix, "/aaa/bbb"}}, "/aaa/bbb", "/aaa/bbb", rfPrefix},
		{[]p{{rfPrefix, "/aaa/bbb/"}}, "/aaa/bbb", "/aaa/bbb/", rfPrefix},
		{[]p{{rfPrefix, "/aaa/bbb"}}, "/aaa/bbb/", "/aaa/bbb", rfPrefix},
		{[]p{{rfPrefix, "/aaa/bbb"}}, "/aaa/bbb/ccc", "/aaa/bbb", rfPrefix},
		{[]p{{rfPrefix, "/aaa/bbb"}}, "/aaa/bbbxyz", "", ""},
		{[]p{{rfPrefix, "/"}, {rfPrefix, "/aaa"}}, "/aaa/ccc", "/aaa", rfPrefix},
		{[]p{{rfPrefix, "/"}, {rfPrefix, "/aaa"}, {rfPrefix, "/aaa/bbb"}}, "/aaa/bbb", "/aaa/bbb", rfPrefix},
		{[]p{{rfPrefix, "/"}, {rfPrefix, "/aaa"}, {rfPrefix, "/aaa/bbb"}}, "/ccc", "/", rfPrefix},
		{[]p{{rfPrefix, "/aaa"}}, "/ccc", "", ""},
		// The documentation says Exact; Traefik orders by rule length, and
		// (Path("/foo") || PathPrefix("/foo/")) is longer than Path("/foo").
		{[]p{{rfPrefix, "/foo"}, {rfExact, "/foo"}}, "/foo", "/foo", rfPrefix},
		{[]p{{rfExact, "/foo"}, {rfPrefix, "/foo"}}, "/foo", "/foo", rfPrefix},
		{[]p{{rfExact, "/foo"}, {rfPrefix, "/foo"}}, "/foo/", "/foo", rfPrefix},
		{[]p{{rfPrefix, "/aaa"}, {rfPrefix, "/aaa/bbb"}, {rfPrefix, "/aaa/bbb/ccc"}}, "/aaa/bbb/ccc/ddd", "/aaa/bbb/ccc", rfPrefix},
		{[]p{{rfPrefix, "/aaa"}, {rfPrefix, "/aaa/bbb"}, {rfPrefix, "/aaa/bbb/ccc"}}, "/aaa/bbb/cc", "/aaa/bbb", rfPrefix},
		{[]p{{rfPrefix, "/aaa"}, {rfPrefix, "/aaa/bbb"}, {rfPrefix, "/aaa/bbb/ccc"}}, "/aaa", "/aaa", rfPrefix},
		{[]p{{rfExact, "/Foo"}}, "/foo", "", ""},
		{[]p{{rfPrefix, "/Foo"}}, "/foo/bar", "", ""},
		{[]p{{rfImpl, "/foo"}}, "/foo/bar", "/foo", rfImpl},
		{[]p{{rfImpl, "/foo"}}, "/foobar", "", ""},
		{[]p{{rfPrefix, "/foo"}}, "/foo?x=/bar", "/foo", rfPrefix},
	}
	for _, row := range rows {
		var desc []string
		var paths []networkingv1.HTTPIngressPath
		for _, x := range row.paths {
			desc = append(desc, fmt.Sprintf("%s %s", x.pt, x.path))
			paths = append(paths, rfPath(x.pt, x.path, "svc"+strings.ReplaceAll(x.path, "/", "-"), 80))
		}
		name := fmt.Sprintf("%s on %s", strings.Join(desc, ", "), row.request)
		t.Run(name, func(t *testing.T) {
			c := newRF(t)
			rfBackendServices(c, "default", paths)
			c.ingress("default", "paths", rfStr("traefik"), rfRule("", paths...))
			m := c.model()
			got, why := m.routeIngress("foo.example.com", row.request)
			switch {
			case row.want == "" && got != nil:
				t.Fatalf("matched %s, want no match (default backend)", got.describe())
			case row.want == "" && len(why) == 0:
				t.Fatalf("no match and no explanation")
			case row.want != "" && got == nil:
				t.Fatalf("no match (%v), want %s %s", why, row.wantPT, row.want)
			case row.want != "" && (got.path != row.want || got.pathType != row.wantPT):
				t.Fatalf("matched %s %s, want %s %s", got.pathType, got.path, row.wantPT, row.want)
			}
		})
	}
}

// rfBackendServices creates the Services (port 80, no endpoints) the
// paths name, so Traefik keeps their routes.
func rfBackendServices(c *rf, ns string, paths []networkingv1.HTTPIngressPath) {
	seen := map[string]bool{}
	for _, x := range paths {
		if n := x.Backend.Service.Name; !seen[n] {
			seen[n] = true
			c.svc(ns, n, map[string]string{"app": n}, corev1.ServicePort{Port: 80})
		}
	}
}

// TestIngressExactVersusPrefix: where Traefik's order (rule length)
// differs from the specification's (longest path, then Exact), the model
// follows Traefik and says why.
func TestIngressExactVersusPrefix(t *testing.T) {
	c := newRF(t)
	paths := []networkingv1.HTTPIngressPath{rfPath(rfPrefix, "/api", "api", 80), rfPath(rfExact, "/api/status", "status", 80), rfPath(rfExact, "/api/v1/statusz", "statusz", 80)}
	rfBackendServices(c, "default", paths)
	c.ingress("default", "api", rfStr("traefik"), rfRule("api.example.com", paths...))
	m := c.model()
	rows := []struct {
		path, want, note string
	}{
		// Host("api.example.com") && Path("/api/status") is 46 long,
		// ... && (Path("/api") || PathPrefix("/api/")) 64.
		{"/api/status", "api", "this departs from the Kubernetes documentation, which would choose Ingress default/api rule api.example.com /api/status (Exact) (the longest matching path wins): Traefik orders routes by priority (the length of the rule unless the annotation traefik.ingress.kubernetes.io/router.priority sets it), and Ingress default/api rule api.example.com /api (Prefix) has priority 64 (Host(\"api.example.com\") && (Path(\"/api\") || PathPrefix(\"/api/\"))), Ingress default/api rule api.example.com /api/status (Exact) only 46 (Host(\"api.example.com\") && Path(\"/api/status\"))"},
		{"/api/v1/statusz", "api", "Traefik orders routes by priority"}, // 50 < 64
		{"/api/statusx", "api", ""},
	}
	for _, r := range rows {
		got, why := m.routeIngress("api.example.com", r.path)
		if got == nil || got.backend.Service.Name != r.want {
			t.Errorf("%s: routed by %v, want %s (%v)", r.path, got, r.want, why)
			continue
		}
		joined := strings.Join(why, "\n")
		if r.note == "" && strings.Contains(joined, "departs") || !strings.Contains(joined, r.note) {
			t.Errorf("%s: reasons %q, want one containing %q", r.path, why, r.note)
		}
	}

	// The priority annotation restores the specification's order.
	c = newRF(t)
	rfBackendServices(c, "default", paths)
	c.ingress("default", "api", rfStr("traefik"), rfRule("api.example.com", paths[0]))
	st := c.ingress("default", "status", rfStr("traefik"), rfRule("api.example.com", paths[1]))
	st.Annotations = map[string]string{priorityAnnotation: "100"}
	if got, why := c.model().routeIngress("api.example.com", "/api/status"); got == nil || got.backend.Service.Name != "status" {
		t.Errorf("with router.priority 100: routed by %v, want status (%v)", got, why)
	}
	st.Annotations[priorityAnnotation] = "high"
	got, why := c.model().routeIngress("api.example.com", "/api/status")
	if got == nil || got.backend.Service.Name != "api" || !strings.Contains(strings.Join(why, "\n"), `Traefik skips Ingress default/status: its annotation traefik.ingress.kubernetes.io/router.priority: "high" is not a number`) {
		t.Errorf("with router.priority high: routed by %v (%q), want api and the skipped Ingress explained", got, why)
	}
}

// TestTraefikRule pins the router rules (their length is the priority)
// to the ones Traefik 3.7 writes with strictPrefixMatching.
func TestTraefikRule(t *testing.T) {
	rows := []struct {
		host, path string
		pt         networkingv1.PathType
		want       string
	}{
		{"", "/", rfPrefix, `PathPrefix("/")`},
		{"", "/api", rfPrefix, `(Path("/api") || PathPrefix("/api/"))`},
		{"", "/api/", rfPrefix, `(Path("/api") || PathPrefix("/api/"))`},
		{"", "/api", rfImpl, `(Path("/api") || PathPrefix("/api/"))`},
		{"a.example.com", "/api", rfExact, `Host("a.example.com") && Path("/api")`},
		{"*.example.com", "/", rfPrefix, `Host("*.example.com") && PathPrefix("/")`},
		{"a.example.com", "", rfImpl, `Host("a.example.com")`},
	}
	for _, r := range rows {
		if got := traefikRule(r.host, r.path, r.pt); got != r.want {
			t.Errorf("traefikRule(%q, %q, %s) = %s, want %s", r.host, r.path, r.pt, got, r.want)
		}
	}
}

// TestIngressHostMatching is the hostname wildcard table of the Kubernetes
// Ingress documentation plus exact hosts and rules without host.
func TestIngressHostMatching(t *testing.T) {
	rows := []struct {
		rule, host string
		match      bool
		rank       int
	}{
		{"*.foo.com", "bar.foo.com", true, 1},
		{"*.foo.com", "baz.bar.foo.com", false, 1},
		{"*.foo.com", "foo.com", false, 1},
		{"*.foo.com", ".foo.com", false, 1},
		{"foo.bar.com", "foo.bar.com", true, 2},
		{"foo.bar.com", "bar.com", false, 2},
		{"foo.bar.com", "FOO.bar.com", true, 2},
		{"", "anything.example", true, 0},
		{"", "", true, 0},
		{"foo.bar.com", "", false, 2},
	}
	for _, r := range rows {
		rank, ok := hostMatch(r.rule, r.host)
		if ok != r.match || rank != r.rank {
			t.Errorf("hostMatch(%q, %q) = %d %v, want %d %v", r.rule, r.host, rank, ok, r.rank, r.match)
		}
	}
}

// TestIngressRulePrecedence checks how rules of several Ingresses merge.
func TestIngressRulePrecedence(t *testing.T) {
	c := newRF(t)
	for _, x := range []struct {
		ns, name, host string
		paths          []networkingv1.HTTPIngressPath
	}{
		{"a", "any-host", "", []networkingv1.HTTPIngressPath{rfPath(rfPrefix, "/api/v1/long", "hostless", 80), rfPath(rfPrefix, "/", "hostless-root", 80)}},
		{"b", "wildcard", "*.example.com", []networkingv1.HTTPIngressPath{rfPath(rfPrefix, "/", "wild", 80)}},
		{"c", "exact", "shop.example.com", []networkingv1.HTTPIngressPath{rfPath(rfPrefix, "/api", "exact-api", 80)}},
		{"d", "exact-dup", "shop.example.com", []networkingv1.HTTPIngressPath{rfPath(rfPrefix, "/api", "dup-api", 80)}},
	} {
		rfBackendServices(c, x.ns, x.paths)
		c.ingress(x.ns, x.name, rfStr("traefik"), rfRule(x.host, x.paths...))
	}
	m := c.model()
	if got, why := m.routeIngress("shop.example.com", "/api/x"); got == nil || !strings.Contains(strings.Join(why, "\n"), "Ingress c/exact rule shop.example.com /api (Prefix) and Ingress d/exact-dup rule shop.example.com /api (Prefix) both match with priority 65: Traefik picks either, unpredictably") {
		t.Errorf("equal priorities: %v %q, want the tie explained", got, why)
	}
	rows := []struct {
		host, path, want string
	}{
		{"shop.example.com", "/api/x", "exact-api"},       // exact host beats wildcard and host-less; a tie goes to the first Ingress (with a note)
		{"shop.example.com", "/api/v1/long", "exact-api"}, // 65 beats the host-less path's 53
		{"shop.example.com", "/other", "wild"},            // exact host has no path for it: the wildcard rule does
		{"blog.example.com", "/x", "wild"},
		{"a.b.example.com", "/x", "hostless-root"}, // the wildcard matches one label only
		{"other.test", "/api/v1/long/x", "hostless"},
		{"", "/", "hostless-root"},
	}
	for _, r := range rows {
		got, why := m.routeIngress(r.host, r.path)
		if got == nil {
			t.Errorf("%s%s: no match (%v), want %s", r.host, r.path, why, r.want)
			continue
		}
		if got.backend.Service.Name != r.want {
			t.Errorf("%s%s: routed by %s to %s, want %s", r.host, r.path, got.describe(), got.backend.Service.Name, r.want)
		}
	}
}

// rfShopIngress adds an api Deployment-like pod and the Ingress shop/shop
// for host shop.example.com: / → web:80, /api → api:http, /favicon.ico
// (Exact) → nginx:80.
func rfShopIngress(t testing.TB) *rf {
	c := rfShop(t)
	c.pod("shop", "api-1", map[string]string{"app": "api"}, rfWithPorts(rfNetexec("--http-port=9090"), corev1.ContainerPort{Name: "http", ContainerPort: 9090}))
	c.svc("shop", "api", map[string]string{"app": "api"}, corev1.ServicePort{Name: "http", Port: 8080, TargetPort: intstr.FromString("http")})
	c.ingress("shop", "shop", rfStr("traefik"), rfRule("shop.example.com",
		rfPath(rfPrefix, "/", "web", 80),
		rfPath(rfPrefix, "/api", "api", "http"),
		rfPath(rfExact, "/favicon.ico", "nginx", 80),
	))
	return c
}

func TestProbeIngress(t *testing.T) {
	traefikPod := "traefik/traefik-5d8f7c9b4-x2x7q"
	fromTraefik := networkingv1.NetworkPolicyPeer{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "traefik"}},
		PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "traefik"}},
	}
	runRFCases(t, []rfCase{
		{name: "root path to web", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			summary: "Connected: HTTP 200 from shop/web-1 through Ingress shop/shop rule shop.example.com / (Prefix) (Service shop/web).",
			reasons: []string{
				"the external client reaches the ingress controller at its load balancer address 172.18.0.2:80 (Service traefik/traefik)",
				"ingress controller pod " + traefikPod + " receives the request: Host shop.example.com, path /",
				"the request matches Ingress shop/shop rule shop.example.com / (Prefix) → Service shop/web port 80",
				"Traefik connects to the endpoints of Service shop/web directly (port 80/TCP → targetPort http on 3 ready endpoints), not through its ClusterIP",
			}},
		{name: "prefix path to api by port name", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/api/v1/items",
			allowed: true, outcome: probe.Connected, backend: "shop/api-1", service: "shop/api", status: 200},
		{name: "exact path to nginx", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/favicon.ico",
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx", status: 404,
			reasons: []string{"nginx's default site serves only / (index.html); /favicon.ico gives 404"}},
		{name: "exact path does not match a subpath", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/favicon.ico/x",
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "unknown host: 404 from Traefik", build: rfShopIngress, from: "external", to: "ingress:blog.example.com/",
			allowed: true, outcome: probe.Connected, status: 404,
			summary: "Connected: no Ingress rule matches host blog.example.com path /; Traefik answers 404 Not Found.",
			reasons: []string{"Ingress shop/shop serves hosts shop.example.com"}},
		{name: "no Host header", build: rfShopIngress, from: "external", to: "ingress:/",
			allowed: true, outcome: probe.Connected, status: 404, summary: "host (none)"},
		{name: "404 fails an expected 200", build: rfShopIngress, from: "external", to: "ingress:blog.example.com/",
			http:    &probe.HTTPExpect{Status: 200},
			allowed: false, outcome: probe.HTTPError, status: 404, summary: "HTTP check failed: expected status 200, got 404."},
		{name: "host-specific rule without the path", from: "external", to: "ingress:shop.example.com/admin",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				c.ingress("shop", "shop", rfStr("traefik"), rfRule("shop.example.com", rfPath(rfPrefix, "/api", "web", 80), rfPath(rfExact, "/", "web", 80)))
				return c
			},
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Ingress shop/shop has a rule for host shop.example.com, but none of its paths (/api Prefix, / Exact) matches /admin"}},
		{name: "Ingress of another class is ignored", from: "external", to: "ingress:shop.example.com/",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				c.ingress("shop", "shop", rfStr("nginx"), rfRule("shop.example.com", rfPath(rfPrefix, "/", "web", 80)))
				return c
			},
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Ingress shop/shop has ingressClassName nginx, but no IngressClass nginx exists, so no controller serves it; the controller here serves IngressClass traefik (Traefik's kubernetesIngress provider, the default class)"}},
		{name: "Ingress of a class of another controller is ignored", from: "external", to: "ingress:shop.example.com/",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				c.o.IngressClasses = append(c.o.IngressClasses, networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "haproxy"}, Spec: networkingv1.IngressClassSpec{Controller: "haproxy.org/ingress-controller"}})
				c.ingress("shop", "shop", rfStr("haproxy"), rfRule("shop.example.com", rfPath(rfPrefix, "/", "web", 80)))
				return c
			},
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Ingress shop/shop has ingressClassName haproxy (controller haproxy.org/ingress-controller); the controller here serves IngressClass traefik (Traefik's kubernetesIngress provider, the default class), so it ignores it"}},
		{name: "no class: served by the default IngressClass", from: "external", to: "ingress:shop.example.com/",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				c.ingress("shop", "shop", nil, rfRule("shop.example.com", rfPath(rfPrefix, "/", "web", 80)))
				return c
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		// Traefik's kubernetesIngress provider without an ingressClass
		// option takes every Ingress without class, default class or not
		// (kubernetes.go shouldProcessIngress: "" equals the missing
		// annotation); with the option set it takes none.
		{name: "no class and no default IngressClass: the provider without ingressClass takes it", from: "external", to: "ingress:shop.example.com/",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				c.o.IngressClasses[0].Annotations = nil
				c.ingress("shop", "shop", nil, rfRule("shop.example.com", rfPath(rfPrefix, "/", "web", 80)))
				return c
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "no class, provider with ingressClass traefik: not served", from: "external", to: "ingress:shop.example.com/",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				rfTraefikArgs(c, "--providers.kubernetesingress.ingressClass=traefik")
				c.ingress("shop", "shop", nil, rfRule("shop.example.com", rfPath(rfPrefix, "/", "web", 80)))
				return c
			},
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Ingress shop/shop has no ingressClassName and no kubernetes.io/ingress.class annotation, and neither provider takes such an Ingress (the API server gives an Ingress created without a class the default class traefik; this one was created before that class was the default); the controller here serves IngressClass traefik (Traefik's kubernetesIngress provider, the default class); set ingressClassName"}},
		{name: "legacy class annotation", from: "external", to: "ingress:shop.example.com/",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				c.o.IngressClasses[0].Annotations = nil
				ing := c.ingress("shop", "shop", nil, rfRule("shop.example.com", rfPath(rfPrefix, "/", "web", 80)))
				ing.Annotations = map[string]string{legacyClassAnnotation: "traefik"}
				return c
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "defaultBackend when no rule matches", build: rfShopIngress, from: "external", to: "ingress:blog.example.com/",
			setup: func(c *rf) {
				ing := c.ingress("shop", "fallback", rfStr("traefik"))
				b := rfBackend("nginx", 80)
				ing.Spec.DefaultBackend = &b
			},
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx", status: 200,
			reasons: []string{"no Ingress rule matches; the request goes to the defaultBackend of Ingress shop/fallback"}},
		{name: "wildcard host", from: "external", to: "ingress:eu.shop.example.com/",
			build: func(t testing.TB) *rf {
				c := rfShop(t)
				c.ingress("shop", "wild", rfStr("traefik"), rfRule("*.shop.example.com", rfPath(rfPrefix, "/", "nginx", 80)))
				return c
			},
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx", status: 200},
		{name: "backend Service missing: Traefik skips the path", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[0].Backend = rfBackend("ghost", 80) },
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Traefik skips Ingress shop/shop rule shop.example.com / (Prefix): Service shop/ghost does not exist (an Ingress can only name Services in its own namespace)"}},
		{name: "skipped path falls through to a shorter one", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/api/v1",
			setup:   func(c *rf) { c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[1].Backend = rfBackend("api", 9090) },
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			reasons: []string{"Traefik skips Ingress shop/shop rule shop.example.com /api (Prefix): Service shop/api has no port 9090 (it has http 8080/TCP); 9090 is the targetPort of its port 8080"}},
		{name: "backend without endpoints: 503", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.service("shop", "web").Spec.Selector = map[string]string{"app": "website"} },
			allowed: false, outcome: probe.Refused, status: 503, service: "shop/web", summary: "its selector app=website matches no running pod in shop"},
		{name: "backend names the targetPort: skipped, 404", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[0].Backend = rfBackend("web", 8080) },
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Service shop/web has no port 8080 (it has http 80/TCP); 8080 is the targetPort of its port 80: the Ingress backend names the Service port, not the targetPort"}},
		{name: "backend is a resource: skipped, 404", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[0].Backend = networkingv1.IngressBackend{Resource: &corev1.TypedLocalObjectReference{Kind: "StorageBucket", Name: "assets"}}
			},
			allowed: true, outcome: probe.Connected, status: 404, reasons: []string{"its backend is resource StorageBucket assets, not a Service"}},
		{name: "defaultBackend of an Ingress with rules is ignored", build: rfShopIngress, from: "external", to: "ingress:blog.example.com/",
			setup: func(c *rf) {
				b := rfBackend("nginx", 80)
				c.o.Ingresses[0].Spec.DefaultBackend = &b
			},
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Ingress shop/shop has a spec.defaultBackend, but Traefik uses the defaultBackend only of an Ingress without rules, so it ignores this one"}},
		{name: "one default backend per cluster", build: rfShopIngress, from: "external", to: "ingress:blog.example.com/",
			setup: func(c *rf) {
				for _, x := range []struct{ name, svc string }{{"fallback-a", "nginx"}, {"fallback-b", "web"}} {
					b := rfBackend(x.svc, 80)
					c.ingress("shop", x.name, rfStr("traefik")).Spec.DefaultBackend = &b
				}
			},
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx", status: 200},
		{name: "default backend with a missing Service is skipped", build: rfShopIngress, from: "external", to: "ingress:blog.example.com/",
			setup: func(c *rf) {
				b := rfBackend("welcome", 80)
				c.ingress("shop", "fallback", rfStr("traefik")).Spec.DefaultBackend = &b
			},
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"Traefik skips the defaultBackend of Ingress shop/fallback: Service shop/welcome does not exist"}},
		{name: "backend nothing listening: 502", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.service("shop", "web").Spec.Ports[0].TargetPort = intstr.FromInt(80) },
			allowed: false, outcome: probe.Refused, status: 502, service: "shop/web",
			reasons: []string{"Traefik's connection is refused and it answers 502 Bad Gateway", "check the Service's targetPort"}},
		{name: "NetworkPolicy drops the controller: 504", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "web-from-shop", map[string]string{"app": "web"}, 8080, rfPodPeer(nil)))
			},
			allowed: false, outcome: probe.Denied, status: 504, service: "shop/web",
			summary: "Denied: NetworkPolicy drops traffic from the ingress controller pod " + traefikPod + " to shop/web-1 on TCP/8080.",
			reasons: []string{"Traefik waits for the dropped connection and answers 504 Gateway Timeout"}},
		{name: "NetworkPolicy admits the controller", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "web-from-traefik", map[string]string{"app": "web"}, 8080, fromTraefik))
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "NetworkPolicy on the Service port instead of the pod port", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				c.netpol(rfAllowFrom("shop", "web-from-traefik", map[string]string{"app": "web"}, 80, fromTraefik))
			},
			allowed: false, outcome: probe.Denied, status: 504, service: "shop/web"},
		{name: "controller namespace isolated: never reaches the controller", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.netpol(rfDenyIngress("traefik", "deny-all", nil)) },
			allowed: false, outcome: probe.Denied,
			summary: "the request never reaches the ingress controller"},
		{name: "pod client through the controller ClusterIP", build: rfShopIngress, from: "other/client", to: "ingress:shop.example.com/api",
			allowed: true, outcome: probe.Connected, backend: "shop/api-1", service: "shop/api", status: 200,
			reasons: []string{"Service traefik/traefik (ClusterIP 10.96.0.12) port 80/TCP → targetPort web on 1 ready endpoint"}},
		{name: "expected Service differs", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			http:    &probe.HTTPExpect{Service: "shop/api"},
			allowed: false, outcome: probe.HTTPError, backend: "shop/web-1", service: "shop/web", status: 200,
			summary: "HTTP check failed: expected the answer from Service shop/api, but it came from shop/web."},
		{name: "expected Service and status met", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/api",
			http:    &probe.HTTPExpect{Service: "shop/api", Status: 200},
			allowed: true, outcome: probe.Connected, backend: "shop/api-1", service: "shop/api", status: 200},
		{name: "controller exposed by NodePort while the load balancer is pending", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.service("traefik", "traefik").Status.LoadBalancer.Ingress = nil },
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			reasons: []string{"the external client reaches the ingress controller at node port 172.18.0.2:3000"}},
		{name: "controller only on a ClusterIP", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				s := c.service("traefik", "traefik")
				s.Spec.Type, s.Status.LoadBalancer.Ingress = corev1.ServiceTypeClusterIP, nil
				for i := range s.Spec.Ports {
					s.Spec.Ports[i].NodePort = 0
				}
			},
			allowed: false, outcome: probe.Unreachable, summary: "the ingress controller Service traefik/traefik is type ClusterIP without an external address"},
		{name: "controller Service missing", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.service("traefik", "traefik").Name = "traefik-old" },
			allowed: false, outcome: probe.Unreachable, summary: "the ingress controller Service traefik/traefik does not exist"},
		{name: "controller Service without endpoints", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   func(c *rf) { c.service("traefik", "traefik").Spec.Selector = map[string]string{"app": "traefik"} },
			allowed: false, outcome: probe.Refused, summary: "Refused: Service traefik/traefik has no endpoints"},
		{name: "ingress over UDP is an error", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/", proto: "udp", wantErr: "HTTP requests over TCP"},
		{name: "only some backends admit the controller", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				c.get("shop", "web-2").Labels["locked"] = "true"
				c.netpol(rfDenyIngress("shop", "lock", map[string]string{"locked": "true"}))
			},
			allowed: false, outcome: probe.Denied, backend: "shop/web-1", service: "shop/web", status: 504,
			summary: "only 2 of 3 backends of Service shop/web admit the connection"},
	})
}

// rfTraefikArgs appends flags to the Traefik container of the cluster.
func rfTraefikArgs(c *rf, args ...string) {
	p := c.get("traefik", "traefik-5d8f7c9b4-x2x7q")
	p.Spec.Containers[0].Args = append(p.Spec.Containers[0].Args, args...)
}
