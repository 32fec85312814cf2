package netmodel

import (
	"reflect"
	"testing"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestTraefikRouterOptions(t *testing.T) {
	rows := []struct {
		name string
		ann  map[string]string
		want routerOptions
	}{
		{name: "none", want: routerOptions{}},
		{name: "priority is modelled elsewhere", ann: map[string]string{priorityAnnotation: "10"}, want: routerOptions{}},
		{name: "one entrypoint", ann: map[string]string{entryPointsAnnotation: "websecure"}, want: routerOptions{entryPoints: []string{"websecure"}}},
		{name: "a list with spaces", ann: map[string]string{entryPointsAnnotation: "web, websecure"}, want: routerOptions{entryPoints: []string{"web", "websecure"}}},
		{name: "key read case-insensitively after the prefix", ann: map[string]string{"traefik.ingress.kubernetes.io/router.entryPoints": "websecure"}, want: routerOptions{entryPoints: []string{"websecure"}}},
		{name: "empty list is not modelled", ann: map[string]string{entryPointsAnnotation: " , "}, want: routerOptions{unmodelled: []string{entryPointsAnnotation}}},
		{name: "tls true", ann: map[string]string{routerTLSAnnotation: "true"}, want: routerOptions{tls: true}},
		{name: "tls True", ann: map[string]string{routerTLSAnnotation: "True"}, want: routerOptions{tls: true}},
		{name: "tls false", ann: map[string]string{routerTLSAnnotation: "false"}, want: routerOptions{}},
		{name: "tls nonsense", ann: map[string]string{routerTLSAnnotation: "yes"}, want: routerOptions{unmodelled: []string{routerTLSAnnotation}}},
		{name: "router and service annotations the model does not simulate", ann: map[string]string{
			"traefik.ingress.kubernetes.io/router.middlewares":      "shop-strip@kubernetescrd",
			"traefik.ingress.kubernetes.io/router.pathmatcher":      "PathRegexp",
			"traefik.ingress.kubernetes.io/router.rulesyntax":       "v2",
			"traefik.ingress.kubernetes.io/router.tls.certresolver": "le",
			"traefik.ingress.kubernetes.io/service.sticky.cookie":   "true",
			"traefik.ingress.kubernetes.io/unrelated":               "x",
			"kubernetes.io/ingress.class":                           "traefik",
			"nginx.ingress.kubernetes.io/rewrite-target":            "/",
		}, want: routerOptions{unmodelled: []string{
			"traefik.ingress.kubernetes.io/router.middlewares",
			"traefik.ingress.kubernetes.io/router.pathmatcher",
			"traefik.ingress.kubernetes.io/router.rulesyntax",
			"traefik.ingress.kubernetes.io/router.tls.certresolver",
			"traefik.ingress.kubernetes.io/service.sticky.cookie",
		}}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			ing := &networkingv1.Ingress{}
			ing.Annotations = r.ann
			if got := traefikRouterOptions(ing); !reflect.DeepEqual(got, r.want) {
				t.Errorf("got %+v, want %+v", got, r.want)
			}
		})
	}
}

// TestProbeIngressTraefikAnnotations: router.entrypoints and router.tls
// decide which plain HTTP requests an Ingress's routers take; any other
// Traefik router or service annotation makes a request the Ingress could
// serve ungradable offline, and only such a request.
func TestProbeIngressTraefikAnnotations(t *testing.T) {
	annotate := func(kv ...string) func(c *rf) {
		return func(c *rf) {
			ing := &c.o.Ingresses[0]
			if ing.Annotations == nil {
				ing.Annotations = map[string]string{}
			}
			for i := 0; i+1 < len(kv); i += 2 {
				ing.Annotations[kv[i]] = kv[i+1]
			}
		}
	}
	// A second Ingress for another host, with its own annotations.
	blog := func(kv ...string) func(c *rf) {
		return func(c *rf) {
			ing := c.ingress("shop", "blog", rfStr("traefik"), rfRule("blog.example.com", rfPath(rfPrefix, "/", "nginx", 80)))
			ing.Annotations = map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				ing.Annotations[kv[i]] = kv[i+1]
			}
		}
	}
	const pathmatcher = "traefik.ingress.kubernetes.io/router.pathmatcher"
	runRFCases(t, []rfCase{
		{name: "entrypoint web: routed on :80", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   annotate(entryPointsAnnotation, "web"),
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "entrypoints web and websecure: routed on :80", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   annotate(entryPointsAnnotation, "websecure,web"),
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "websecure only: 404 on :80", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   annotate(entryPointsAnnotation, "websecure"),
			allowed: true, outcome: probe.Connected, status: 404,
			summary: "Connected: no router on entrypoint web takes a plain HTTP request for host shop.example.com path /; Traefik answers 404 Not Found.",
			reasons: []string{
				"router of Ingress shop/shop is bound to entrypoint websecure only (traefik.ingress.kubernetes.io/router.entrypoints): a request on :80 (entrypoint web) does not reach it",
				"no router that takes a plain HTTP request on entrypoint web (:80) matches host shop.example.com path /",
			},
			notReasons: []string{"no Ingress rule the controller serves matches"}},
		{name: "websecure only from a pod: 404 too", build: rfShopIngress, from: "shop/client", to: "ingress:shop.example.com/api",
			setup:   annotate(entryPointsAnnotation, "websecure"),
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"is bound to entrypoint websecure only"}},
		{name: "websecure only: a shorter path of another Ingress answers", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/api/v1",
			setup: func(c *rf) {
				c.ingress("shop", "api", rfStr("traefik"), rfRule("shop.example.com", rfPath(rfPrefix, "/api", "api", "http")))
				c.o.Ingresses[1].Annotations = map[string]string{entryPointsAnnotation: "websecure"}
				c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths = c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[:1]
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			reasons: []string{"router of Ingress shop/api is bound to entrypoint websecure only"}},
		{name: "router.tls: a plain HTTP request does not match", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   annotate(routerTLSAnnotation, "true"),
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{`router of Ingress shop/shop has traefik.ingress.kubernetes.io/router.tls: "true": it matches only TLS (HTTPS) requests, so a plain HTTP request on :80 does not match it`}},
		{name: "router.tls false changes nothing", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   annotate(routerTLSAnnotation, "false"),
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "websecure-only default backend", build: rfShop, from: "external", to: "ingress:any.example.com/",
			setup: func(c *rf) {
				ing := c.ingress("shop", "fallback", rfStr("traefik"))
				b := rfBackend("nginx", 80)
				ing.Spec.DefaultBackend = &b
				ing.Annotations = map[string]string{entryPointsAnnotation: "websecure"}
			},
			allowed: true, outcome: probe.Connected, status: 404,
			reasons: []string{"router of Ingress shop/fallback is bound to entrypoint websecure only"}},
		{name: "pathmatcher: ungradable", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/api",
			setup:   annotate(pathmatcher, "PathRegexp"),
			allowed: true, outcome: probe.Connected, backend: "shop/api-1", service: "shop/api", status: 200,
			ungradable: "Ingress shop/shop sets traefik.ingress.kubernetes.io/router.pathmatcher, which the offline model does not simulate: this check cannot be graded offline (grade it on a live cluster)",
			reasons:    []string{"Ingress shop/shop sets traefik.ingress.kubernetes.io/router.pathmatcher, which the offline model does not simulate; the verdict below ignores it"}},
		{name: "middlewares and a service annotation: both named", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   annotate("traefik.ingress.kubernetes.io/router.middlewares", "shop-auth@kubernetescrd", "traefik.ingress.kubernetes.io/service.passhostheader", "false"),
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			ungradable: "Ingress shop/shop sets traefik.ingress.kubernetes.io/router.middlewares and traefik.ingress.kubernetes.io/service.passhostheader, which"},
		{name: "ungradable also when the request gets 404", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/nothing",
			setup: func(c *rf) {
				annotate(pathmatcher, "PathRegexp")(c)
				c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths = c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[1:]
			},
			allowed: true, outcome: probe.Connected, status: 404, ungradable: "router.pathmatcher"},
		{name: "a host-less rule takes part in every request", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				ing := c.ingress("shop", "any", rfStr("traefik"), rfRule("", rfPath(rfPrefix, "/x", "nginx", 80)))
				ing.Annotations = map[string]string{"traefik.ingress.kubernetes.io/router.middlewares": "shop-redirect@kubernetescrd"}
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			ungradable: "Ingress shop/any sets traefik.ingress.kubernetes.io/router.middlewares"},
		{name: "another host's annotation does not make this request ungradable", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup:   blog(pathmatcher, "PathRegexp", entryPointsAnnotation, "websecure"),
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			notReasons: []string{"shop/blog"}},
		{name: "the other host's request is ungradable", build: rfShopIngress, from: "external", to: "ingress:blog.example.com/",
			setup:   blog(pathmatcher, "PathRegexp"),
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx", status: 200,
			ungradable: "Ingress shop/blog sets traefik.ingress.kubernetes.io/router.pathmatcher"},
		{name: "an Ingress of another class does not count", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				ing := c.ingress("shop", "nginx-class", rfStr("nginx"), rfRule("shop.example.com", rfPath(rfPrefix, "/", "nginx", 80)))
				ing.Annotations = map[string]string{pathmatcher: "PathRegexp"}
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200},
		{name: "a request denied before the controller is not ungradable", build: rfShopIngress, from: "shop/client", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				annotate(pathmatcher, "PathRegexp")(c)
				c.netpol(rfDenyEgress("shop", "no-out", map[string]string{"app": "client"}))
			},
			allowed: false, outcome: probe.Denied},
		{name: "priority keeps working next to entrypoints", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/favicon.ico",
			setup: func(c *rf) {
				c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths = c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[:2]
				ing := c.ingress("shop", "icons", rfStr("traefik"), rfRule("shop.example.com", rfPath(rfPrefix, "/favicon.ico", "nginx", 80)))
				ing.Annotations = map[string]string{entryPointsAnnotation: "web", priorityAnnotation: "1000"}
			},
			allowed: true, outcome: probe.Connected, backend: "shop/nginx-1", service: "shop/nginx", status: 404,
			summary: "through Ingress shop/icons"},
		{name: "a Traefik service annotation on the backend Service", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				c.service("shop", "web").Annotations = map[string]string{"traefik.ingress.kubernetes.io/service.serversscheme": "https"}
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			ungradable: "Service shop/web sets traefik.ingress.kubernetes.io/service.serversscheme, which the offline model does not simulate"},
		{name: "Traefik talks HTTPS to a port 443", build: rfShopIngress, from: "external", to: "ingress:shop.example.com/",
			setup: func(c *rf) {
				s := c.service("shop", "web")
				s.Spec.Ports = []corev1.ServicePort{{Name: "web", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}}
				c.o.Ingresses[0].Spec.Rules[0].HTTP.Paths[0].Backend = rfBackend("web", 443)
			},
			allowed: true, outcome: probe.Connected, backend: "shop/web-1", service: "shop/web", status: 200,
			ungradable: "Traefik talks HTTPS to the endpoints of Service shop/web port 443/TCP (a port 443 or a port named https…)"},
	})
}
