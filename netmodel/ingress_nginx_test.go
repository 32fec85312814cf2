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

// rfNginxArgs are the flags of ckadlab's Traefik (cluster/kind/addons/
// traefik.yaml): both providers, class traefik for the standard one, the
// kubernetesIngressNGINX provider on web (plain) and websecure (TLS).
var rfNginxArgs = []string{
	"--entryPoints.web.address=:8000/tcp",
	"--entryPoints.websecure.address=:8443/tcp",
	"--entryPoints.websecure.http.tls=true",
	"--entryPoints.traefik.address=:9000/tcp",
	"--providers.kubernetesingress=true",
	"--providers.kubernetesingress.ingressendpoint.publishedservice=traefik/traefik",
	"--providers.kubernetesingress.allowEmptyServices=true",
	"--providers.kubernetesingress.strictPrefixMatching=true",
	"--providers.kubernetesingress.ingressClass=traefik",
	"--providers.kubernetesingressnginx=true",
	"--providers.kubernetesingressnginx.publishService=traefik/traefik",
	"--providers.kubernetesingressnginx.httpEntryPoint=web",
	"--providers.kubernetesingressnginx.httpsEntryPoint=websecure",
	"--providers.kubernetesingressnginx.proxyConnectTimeout=1",
	"--providers.kubernetesingressnginx.proxyNextUpstreamTries=1",
}

// rfNginxCluster is the cluster of helper C's measurements
// (/tmp/nginx-measurements.md): ckadlab's Traefik with both providers,
// IngressClass nginx (controller k8s.io/ingress-nginx, the default) and
// traefik; in namespace m the Services a, b, c, d (port 80 named http →
// 8080) each with one agnhost netexec pod a-1 … d-1, agn (port 80 → 8080,
// pod agn-1), noep (selects no pod) and an nginx pod behind Service web.
func rfNginxCluster(t testing.TB) *rf {
	c := newRF(t)
	p := c.get("traefik", "traefik-5d8f7c9b4-x2x7q")
	p.Spec.Containers[0].Args = append([]string(nil), rfNginxArgs...)
	c.o.IngressClasses = []networkingv1.IngressClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "nginx", Annotations: map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}},
			Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "traefik"}, Spec: networkingv1.IngressClassSpec{Controller: "traefik.io/ingress-controller"}},
	}
	c.ns("m")
	for _, n := range []string{"a", "b", "c", "d", "agn"} {
		c.pod("m", n+"-1", map[string]string{"app": n}, rfWithPorts(rfNetexec("--http-port=8080"), corev1.ContainerPort{Name: "http", ContainerPort: 8080}))
		c.svc("m", n, map[string]string{"app": n}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)})
	}
	c.svc("m", "noep", map[string]string{"app": "nothing"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)})
	c.pod("m", "web-1", map[string]string{"app": "web"}, rfWithPorts(rfNginxC(), corev1.ContainerPort{ContainerPort: 80}))
	c.svc("m", "web", map[string]string{"app": "web"}, corev1.ServicePort{Name: "http", Port: 80})
	return c
}

// nginxIngress adds an Ingress of class nginx in namespace m.
func (c *rf) nginxIngress(name string, ann map[string]string, rules ...networkingv1.IngressRule) *networkingv1.Ingress {
	ing := c.ingress("m", name, rfStr("nginx"), rules...)
	ing.Annotations = ann
	return ing
}

// nginxRoute is one request through the controller and what answers it:
// want is the Service (in m) whose pod answers with 200, or "" for an
// answer of Traefik itself with status.
type nginxRoute struct {
	host, path string
	want       string
	status     int
	svc        string // with want: the Service that carried it when not want's own
	seen       string // with want: the path the backend sees ("" = not checked)
	note       string // a reason that must be given
	ungradable string // substring of Result.Ungradable ("" = gradable)
}

func runNginxRoutes(t *testing.T, c *rf, rows []nginxRoute) {
	t.Helper()
	m := c.model()
	for _, r := range rows {
		t.Run(r.host+r.path, func(t *testing.T) {
			spec := rfSpec(t, "external", "ingress:"+r.host+r.path, "", "")
			got, err := m.Probe(spec)
			if err != nil {
				t.Fatal(err)
			}
			explain := "\n  " + strings.Join(got.Reasons, "\n  ")
			wantStatus, wantBackend, wantService := r.status, "", ""
			if r.want != "" {
				wantStatus, wantBackend, wantService = 200, "m/"+r.want+"-1", "m/"+r.want
				if r.svc != "" {
					wantService = "m/" + r.svc
				}
			}
			if got.HTTPStatus != wantStatus || got.Backend != wantBackend || (r.want != "" && got.Service != wantService) {
				t.Fatalf("%s: status %d backend %q service %q, want %d %q %q;%s", spec, got.HTTPStatus, got.Backend, got.Service, wantStatus, wantBackend, wantService, explain)
			}
			if r.seen != "" && !rfContains(got.Reasons, "the backend sees GET "+r.seen) {
				t.Errorf("%s: no reason says the backend sees GET %s;%s", spec, r.seen, explain)
			}
			if r.note != "" && !rfContains(got.Reasons, r.note) {
				t.Errorf("%s: no reason contains %q;%s", spec, r.note, explain)
			}
			if (r.ungradable == "") != (got.Ungradable == "") || !strings.Contains(got.Ungradable, r.ungradable) {
				t.Errorf("%s: ungradable %q, want %q;%s", spec, got.Ungradable, r.ungradable, explain)
			}
		})
	}
}

// TestNginxProviderClasses (measurements §1): which provider takes which
// Ingress.
func TestNginxProviderClasses(t *testing.T) {
	c := rfNginxCluster(t)
	root := func(host, svc string) networkingv1.IngressRule {
		return rfRule(host, rfPath(rfPrefix, "/", svc, 80))
	}
	c.nginxIngress("ing-nginx", nil, root("nginx.test", "a"))
	c.ingress("m", "ing-traefik", rfStr("traefik"), root("traefik.test", "c"))
	c.ingress("m", "ing-ann-nginx", nil, root("annnginx.test", "d")).Annotations = map[string]string{legacyClassAnnotation: "nginx"}
	c.ingress("m", "ing-ann-traefik", nil, root("anntraefik.test", "a")).Annotations = map[string]string{legacyClassAnnotation: "traefik"}
	c.ingress("m", "ing-foo", rfStr("foo"), root("foo.test", "b"))
	c.ingress("m", "ing-none", nil, root("none.test", "b"))
	runNginxRoutes(t, c, []nginxRoute{
		{host: "nginx.test", path: "/", want: "a", note: "decided by class nginx (Traefik's kubernetesIngressNGINX provider)"},
		{host: "traefik.test", path: "/", want: "c", note: "decided by class traefik (Traefik's kubernetesIngress provider)"},
		{host: "annnginx.test", path: "/", want: "d", note: "kubernetesIngressNGINX"},
		{host: "anntraefik.test", path: "/", want: "a", note: "decided by kubernetes.io/ingress.class \"traefik\" (Traefik's kubernetesIngress provider)"},
		{host: "foo.test", path: "/", status: 404, note: "Ingress m/ing-foo has ingressClassName foo, but no IngressClass foo exists"},
		{host: "none.test", path: "/", status: 404, note: "Ingress m/ing-none has no ingressClassName and no kubernetes.io/ingress.class annotation, and neither provider takes such an Ingress (the API server gives an Ingress created without a class the default class nginx"},
	})
	if got := c.model().classesServed(c.model().readTraefikConfig()); got != "nginx (Traefik's kubernetesIngressNGINX provider, the default class) and traefik (Traefik's kubernetesIngress provider)" {
		t.Errorf("classesServed = %q", got)
	}
}

// TestNginxProvider503 (measurements §2): a path whose Service, Service
// port or endpoints are missing keeps its router and answers 503; nothing
// listening on the targetPort is 502.
func TestNginxProvider503(t *testing.T) {
	c := rfNginxCluster(t)
	c.svc("m", "badtp", map[string]string{"app": "a"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(9999)})
	c.nginxIngress("t2", nil, rfRule("s.test",
		rfPath(rfPrefix, "/missing", "nope", 80),
		rfPath(rfPrefix, "/badport", "a", 81),
		rfPath(rfPrefix, "/badportname", "a", "web"),
		rfPath(rfPrefix, "/noep", "noep", 80),
		rfPath(rfPrefix, "/badtp", "badtp", 80),
		rfPath(rfPrefix, "/ok", "a", 80),
		rfPath(rfPrefix, "/okname", "b", "http"),
	))
	c.nginxIngress("t2b", nil, rfRule("s2.test", rfPath(rfPrefix, "/", "nope", 80)))
	runNginxRoutes(t, c, []nginxRoute{
		{host: "s.test", path: "/missing", status: 503, note: "Service m/nope does not exist"},
		{host: "s.test", path: "/missing/x", status: 503},
		{host: "s.test", path: "/badport", status: 503, note: "Service m/a has no port 81"},
		{host: "s.test", path: "/badportname", status: 503, note: "Service m/a has no port named web"},
		{host: "s.test", path: "/noep", status: 503, note: "its selector app=nothing matches no running pod in m"},
		{host: "s.test", path: "/badtp", status: 502},
		{host: "s.test", path: "/ok", want: "a"},
		{host: "s.test", path: "/okname", want: "b"},
		{host: "s.test", path: "/other", status: 404},
		{host: "s.test", path: "/", status: 404},
		{host: "s2.test", path: "/", status: 503},
		{host: "s2.test", path: "/x", status: 503},
	})
	got, err := c.model().Probe(rfSpec(t, "external", "ingress:s.test/noep", "", ""))
	if err != nil || got.Outcome != probe.Refused || got.Service != "m/noep" || got.Allowed {
		t.Errorf("no endpoints: %+v (%v), want refused through Service m/noep", got, err)
	}
	if got, _ := c.model().Probe(rfSpec(t, "external", "ingress:s.test/missing", "", "")); got.Service != "" {
		t.Errorf("missing Service: Service %q, want none (no Service carried the request)", got.Service)
	}
	// NoBackend says what the path's backend lacks, for a headline.
	for path, want := range map[string]string{
		"/missing":     "Service m/nope does not exist",
		"/badport":     "Service m/a has no port 81",
		"/badportname": "Service m/a has no port named web",
		"/noep":        "",
		"/badtp":       "",
		"/ok":          "",
	} {
		got, err := c.model().Probe(rfSpec(t, "external", "ingress:s.test"+path, "", ""))
		if err != nil || got.NoBackend != want {
			t.Errorf("%s: NoBackend %q (%v), want %q", path, got.NoBackend, err, want)
		}
	}
}

// TestNginxProviderDefaultBackend (measurements §3).
func TestNginxProviderDefaultBackend(t *testing.T) {
	withDefault := func(ing *networkingv1.Ingress, svc string) *networkingv1.Ingress {
		b := rfBackend(svc, 80)
		ing.Spec.DefaultBackend = &b
		return ing
	}
	t.Run("per host", func(t *testing.T) {
		c := rfNginxCluster(t)
		withDefault(c.nginxIngress("dbk", nil, rfRule("db.test", rfPath(rfPrefix, "/app", "a", 80))), "d")
		runNginxRoutes(t, c, []nginxRoute{
			{host: "db.test", path: "/app", want: "a"},
			{host: "db.test", path: "/app/x", want: "a"},
			{host: "db.test", path: "/other", want: "d", note: "the defaultBackend of Ingress m/dbk (the catch-all of host db.test)"},
			{host: "db.test", path: "/", want: "d"},
			{host: "other.test", path: "/", status: 404},
			{host: "", path: "/app", status: 404},
		})
	})
	t.Run("several hosts: only the host introduced last", func(t *testing.T) {
		// Measured live: the router is named after the Ingress, so each
		// host's catch-all replaces the one before (hosts x, y, z, x → z).
		c := rfNginxCluster(t)
		withDefault(c.nginxIngress("multi", nil,
			rfRule("x.test", rfPath(rfPrefix, "/app", "a", 80)), rfRule("y.test", rfPath(rfPrefix, "/app", "a", 80)),
			rfRule("z.test", rfPath(rfPrefix, "/app", "a", 80)), rfRule("x.test", rfPath(rfPrefix, "/more", "b", 80))), "d")
		runNginxRoutes(t, c, []nginxRoute{
			{host: "z.test", path: "/other", want: "d"},
			{host: "x.test", path: "/app", want: "a"},
			{host: "x.test", path: "/more", want: "b"},
			{host: "x.test", path: "/other", status: 404, note: "only that host falls back to the defaultBackend"},
			{host: "y.test", path: "/other", status: 404},
		})
	})
	t.Run("no rules: the cluster-wide catch-all", func(t *testing.T) {
		c := rfNginxCluster(t)
		withDefault(c.nginxIngress("dbk-norules", nil), "d")
		runNginxRoutes(t, c, []nginxRoute{
			{host: "zzz.test", path: "/", want: "d", note: "the cluster-wide catch-all of class nginx"},
			{host: "", path: "/", want: "d"},
		})
	})
	t.Run("host-less rule beats a host's fallback", func(t *testing.T) {
		c := rfNginxCluster(t)
		withDefault(c.nginxIngress("dbk-norules", nil), "d")
		withDefault(c.nginxIngress("dbk-host", nil, rfRule("h.test", rfPath(rfPrefix, "/app", "a", 80))), "c")
		c.nginxIngress("other-same-host", nil, rfRule("h.test", rfPath(rfExact, "/x", "b", 80)), rfRule("", rfPath(rfPrefix, "/hl", "b", 80)))
		runNginxRoutes(t, c, []nginxRoute{
			{host: "h.test", path: "/", want: "c"},
			{host: "h.test", path: "/q", want: "c"},
			{host: "h.test", path: "/app", want: "a"},
			{host: "h.test", path: "/x", want: "b"},
			{host: "h.test", path: "/hl", want: "b", note: "this departs from the Kubernetes documentation, which would choose the defaultBackend of Ingress m/dbk-host (the catch-all of host h.test) (every request for host h.test that no rule for h.test matches goes to that host's defaultBackend, before any rule for another host pattern): Traefik's kubernetesIngressNGINX provider sets no router priority, so Traefik tries the longest rule first, and Ingress m/other-same-host rule any host /hl (Prefix) has priority 35 ((Path(\"/hl\") || PathPrefix(\"/hl/\"))), the defaultBackend of Ingress m/dbk-host (the catch-all of host h.test) only 14 (Host(\"h.test\"))"},
			{host: "zzz.test", path: "/x", want: "d"},
			{host: "zzz.test", path: "/hl", want: "b"},
		})
	})
	t.Run("defaultBackend next to a host-less rule does nothing", func(t *testing.T) {
		c := rfNginxCluster(t)
		withDefault(c.nginxIngress("dbk-hostless", nil, rfRule("", rfPath(rfPrefix, "/app", "a", 80))), "d")
		runNginxRoutes(t, c, []nginxRoute{
			{host: "any.test", path: "/app", want: "a"},
			{host: "any.test", path: "/other", status: 404, note: "Traefik skips the defaultBackend of Ingress m/dbk-hostless (the catch-all of host any host): a rule without host gets a catch-all router without any rule, which Traefik refuses"},
			{host: "", path: "/", status: 404},
		})
	})
	t.Run("missing defaultBackend Service: 503", func(t *testing.T) {
		c := rfNginxCluster(t)
		withDefault(c.nginxIngress("dbk-missing", nil, rfRule("dbm.test", rfPath(rfPrefix, "/app", "b", 80))), "nope")
		runNginxRoutes(t, c, []nginxRoute{
			{host: "dbm.test", path: "/app", want: "b"},
			{host: "dbm.test", path: "/other", status: 503, note: "Service m/nope does not exist"},
		})
	})
	t.Run("one cluster-wide default: the oldest Ingress", func(t *testing.T) {
		c := rfNginxCluster(t)
		old := withDefault(c.nginxIngress("z-old", nil), "a")
		old.CreationTimestamp = metav1.Unix(100, 0)
		young := withDefault(c.nginxIngress("a-young", nil), "b")
		young.CreationTimestamp = metav1.Unix(200, 0)
		runNginxRoutes(t, c, []nginxRoute{{host: "x.test", path: "/", want: "a"}})
		young.CreationTimestamp = metav1.Unix(100, 0) // same second: descending namespace/name first
		runNginxRoutes(t, c, []nginxRoute{{host: "x.test", path: "/", want: "a"}})
	})
}

// TestNginxProviderRanking (measurements §4): routers ranked by the length
// of their rule; element-wise Prefix; the path cleaned first.
func TestNginxProviderRanking(t *testing.T) {
	c := rfNginxCluster(t)
	c.nginxIngress("rank", nil, rfRule("r.test",
		rfPath(rfExact, "/foo", "a", 80),
		rfPath(rfPrefix, "/foo", "b", 80),
		rfPath(rfPrefix, "/foo/bar", "c", 80),
		rfPath(rfPrefix, "/api/", "d", 80),
		rfPath(rfExact, "/exact/", "a", 80),
		rfPath(rfPrefix, "/", "agn", 80),
	))
	c.nginxIngress("rank2", nil, rfRule("r2.test",
		rfPath(rfExact, "/foo", "a", 80),
		rfPath(rfExact, "/abcde", "c", 80),
		rfPath(rfPrefix, "/", "b", 80),
	))
	runNginxRoutes(t, c, []nginxRoute{
		{host: "r.test", path: "/foo", want: "b", note: "which would choose Ingress m/rank rule r.test /foo (Exact) (of paths of the same length, Exact wins over Prefix)"},
		{host: "r.test", path: "/foo/", want: "b"},
		{host: "r.test", path: "/foo/x", want: "b"},
		{host: "r.test", path: "/foo/barx", want: "b"},
		{host: "r.test", path: "/foobar", want: "agn"},
		{host: "r.test", path: "/foo/bar", want: "c"},
		{host: "r.test", path: "/foo/bar/", want: "c"},
		{host: "r.test", path: "/foo/bar/y", want: "c"},
		{host: "r.test", path: "/foo//bar", want: "c", note: "Traefik's entrypoint cleans the request path /foo//bar to /foo/bar"},
		{host: "r.test", path: "/api", want: "d"},
		{host: "r.test", path: "/api/", want: "d"},
		{host: "r.test", path: "/api/x", want: "d"},
		{host: "r.test", path: "/apix", want: "agn"},
		{host: "r.test", path: "/exact", want: "agn"},
		// Exact /exact/ ties with / Prefix (33 = 33); live, / won.
		{host: "r.test", path: "/exact/", want: "a", ungradable: "match with the same priority 33"},
		{host: "r.test", path: "/FOO", want: "agn"},
		{host: "r.test", path: "/foo?q=1", want: "b"},
		{host: "r2.test", path: "/foo", want: "b", note: "this departs from the Kubernetes documentation"},
		{host: "r2.test", path: "/abcde", want: "b"},
		{host: "r2.test", path: "/x", want: "b"},
	})
}

// TestNginxProviderHosts (measurements §5): host-less and wildcard rules
// against a host's.
func TestNginxProviderHosts(t *testing.T) {
	c := rfNginxCluster(t)
	c.nginxIngress("hosts", nil,
		rfRule("hh.test", rfPath(rfPrefix, "/", "a", 80), rfPath(rfPrefix, "/hp/deep", "a", 80)),
		rfRule("", rfPath(rfPrefix, "/hp", "b", 80), rfPath(rfPrefix, "/", "agn", 80)),
		rfRule("*.w.test", rfPath(rfPrefix, "/", "c", 80), rfPath(rfPrefix, "/long-path-here", "c", 80)),
		rfRule("x.w.test", rfPath(rfPrefix, "/", "d", 80), rfPath(rfPrefix, "/long-path-here", "d", 80)),
		rfRule("averyveryverylongname.w.test", rfPath(rfPrefix, "/", "d", 80)),
	)
	runNginxRoutes(t, c, []nginxRoute{
		{host: "hh.test", path: "/", want: "a"},
		{host: "hh.test", path: "/hp", want: "b", note: "(a rule for the request's host hh.test comes before a rule without host)"},
		{host: "hh.test", path: "/hp/deep", want: "a"},
		{host: "hh.test", path: "/long-path-here", want: "a"},
		{host: "other.test", path: "/", want: "agn"},
		{host: "other.test", path: "/hp/deep", want: "b"},
		{host: "", path: "/hp", want: "b"},
		// 35 = 35 ties; live the wildcard won.
		{host: "x.w.test", path: "/", want: "c", ungradable: "same priority 35"},
		{host: "y.w.test", path: "/long-path-here", want: "c"},
		{host: "a.b.w.test", path: "/", want: "agn"},
		{host: "a.b.w.test", path: "/hp", want: "b"},
		{host: "w.test", path: "/", want: "agn"},
		{host: "averyveryverylongname.w.test", path: "/hp", want: "d"},
		{host: "averyveryverylongname.w.test", path: "/long-path-here", want: "c", note: "(the exact host averyveryverylongname.w.test comes before the wildcard *.w.test)"},
	})
}

// TestNginxProviderRewrite (measurements §6): rewrite-target and use-regex
// as kubernetes.io writes them, the host-wide regex mode, ImplementationSpecific,
// and a Prefix path with regex characters.
func TestNginxProviderRewrite(t *testing.T) {
	c := rfNginxCluster(t)
	c.nginxIngress("rw1", map[string]string{nginxUseRegex: "true", nginxRewriteTarget: "/$2"},
		rfRule("rw.test", rfPath(rfImpl, "/something(/|$)(.*)", "a", 80)))
	c.nginxIngress("rw1b", map[string]string{nginxUseRegex: "true", nginxRewriteTarget: "/$1"},
		rfRule("rw1.test", rfPath(rfImpl, "/something(/|$)(.*)", "a", 80)))
	c.nginxIngress("rw2", nil, rfRule("rw.test", rfPath(rfPrefix, "/plain", "b", 80), rfPath(rfExact, "/ex", "d", 80)))
	c.nginxIngress("rw3", map[string]string{nginxRewriteTarget: "/"}, rfRule("rs.test", rfPath(rfPrefix, "/app", "c", 80)))
	c.nginxIngress("rw4", map[string]string{nginxRewriteTarget: "/"}, rfRule("rn.test", rfPath(rfPrefix, "/shop", "web", 80)))
	c.nginxIngress("is1", nil, rfRule("is.test", rfPath(rfImpl, "/foo", "d", 80), rfPath(rfPrefix, "/", "agn", 80)))
	c.nginxIngress("bad1", nil, rfRule("bad.test", rfPath(rfPrefix, "/something(/|$)(.*)", "a", 80), rfPath(rfPrefix, "/good", "b", 80)))
	runNginxRoutes(t, c, []nginxRoute{
		{host: "rw.test", path: "/something", want: "a", seen: "/"},
		{host: "rw.test", path: "/something/", want: "a", seen: "/"},
		{host: "rw.test", path: "/something/new", want: "a", seen: "/new"},
		{host: "rw.test", path: "/something/new/deeper", want: "a", seen: "/new/deeper"},
		{host: "rw.test", path: "/something/x?q=1", want: "a", seen: "/x?q=1"},
		{host: "rw.test", path: "/SOMETHING/new", want: "a", seen: "/new"},
		{host: "rw.test", path: "/something/something/x", want: "a", seen: "/something/x"},
		{host: "rw.test", path: "/somethingelse", status: 404},
		{host: "rw.test", path: "/x/something/new", status: 404},
		// §6b: the wrong capture group.
		{host: "rw1.test", path: "/something", want: "a", seen: "/"},
		{host: "rw1.test", path: "/something/", status: 400},
		{host: "rw1.test", path: "/something/new", status: 400, note: "which is not a clean path"},
		{host: "rw.test", path: "/plain", want: "b"},
		{host: "rw.test", path: "/plainx", want: "b", note: "matches every Prefix path of that host as the case-insensitive regular expression ^/plain"},
		{host: "rw.test", path: "/PLAIN", want: "b"},
		{host: "rw.test", path: "/ex", want: "d"},
		{host: "rw.test", path: "/ex/", status: 404},
		{host: "rs.test", path: "/app", want: "c", seen: "/"},
		{host: "rs.test", path: "/APP", want: "c", seen: "/"},
		{host: "rs.test", path: "/appx", want: "c", seen: "/x"},
		{host: "rs.test", path: "/appapp", want: "c", seen: "/app"},
		{host: "rs.test", path: "/appx/app", want: "c", seen: "/x/"},
		{host: "rs.test", path: "/app/", status: 400},
		{host: "rs.test", path: "/app/x/y", status: 400},
		{host: "is.test", path: "/foo", want: "d"},
		{host: "is.test", path: "/foo/x", want: "d"},
		{host: "is.test", path: "/foobar", want: "agn"},
		{host: "is.test", path: "/FOO", want: "agn"},
		{host: "bad.test", path: "/good", status: 404, note: "rejects the whole Ingress m/bad1 (all its paths): path /something(/|$)(.*) is Prefix"},
	})
	// Traefik's own 400 after the rewrite: the router had chosen Service
	// a (live, the access log names it), no backend answered.
	got400, err := c.model().Probe(rfSpec(t, "external", "ingress:rw1.test/something/new", "", ""))
	if err != nil || got400.HTTPStatus != 400 || got400.Service != "m/a" || got400.Backend != "" {
		t.Errorf("rw1.test/something/new: %+v (%v), want 400 via Service m/a and no backend", got400, err)
	}
	// The backend answers the rewritten path: nginx's default site has
	// only /, so /shop/ would be 404 without the rewrite.
	got, err := c.model().Probe(rfSpec(t, "external", "ingress:rn.test/shop", "", ""))
	if err != nil || got.HTTPStatus != 200 || got.Backend != "m/web-1" {
		t.Errorf("rn.test/shop: %+v (%v), want 200 from m/web-1 (nginx serves the rewritten /)", got, err)
	}
}

// TestNginxProviderTLS: spec.tls redirects plain HTTP to HTTPS (308);
// ssl-redirect "false" serves it; force-ssl-redirect redirects without
// spec.tls.
func TestNginxProviderTLS(t *testing.T) {
	c := rfNginxCluster(t)
	tls := func(ing *networkingv1.Ingress, hosts ...string) {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: hosts, SecretName: "cert"}}
	}
	tls(c.nginxIngress("sec", nil, rfRule("sec.test", rfPath(rfPrefix, "/", "a", 80))), "sec.test")
	tls(c.nginxIngress("plain-ok", map[string]string{nginxSSLRedirect: "false"}, rfRule("ok.test", rfPath(rfPrefix, "/", "b", 80))), "ok.test")
	c.nginxIngress("forced", map[string]string{nginxForceSSLRedirect: "true"}, rfRule("force.test", rfPath(rfPrefix, "/", "nope", 80)))
	runNginxRoutes(t, c, []nginxRoute{
		{host: "sec.test", path: "/x?y=1", status: 308, note: "Traefik answers 308 Permanent Redirect to https://sec.test/x?y=1"},
		{host: "ok.test", path: "/", want: "b"},
		{host: "force.test", path: "/", status: 308, note: "force-ssl-redirect"},
	})
	got, err := c.model().Probe(rfSpec(t, "external", "ingress:sec.test/", "", ""))
	if err != nil || !got.Allowed || got.Outcome != probe.Connected {
		t.Errorf("redirect: %+v (%v), want a connected answer", got, err)
	}
	// A plain HTTP request on websecure (:443, http.tls) matches no router.
	got, err = c.model().Probe(rfSpec(t, "external", "ingress:ok.test/", "443", ""))
	if err != nil || got.HTTPStatus != 404 || !rfContains(got.Reasons, "the kubernetesIngressNGINX provider's plain HTTP routers are on entrypoint web only") {
		t.Errorf("plain HTTP on :443: %+v (%v), want 404 explained", got, err)
	}

	// HTTPS (to :443, entrypoint websecure): the TLS routers, no redirect.
	c.ingress("m", "std", rfStr("traefik"), rfRule("std.test", rfPath(rfPrefix, "/", "c", 80)))
	m := c.model()
	for _, r := range []struct {
		host, port string
		status     int
		backend    string
		reason     string
	}{
		{"sec.test", "", 200, "m/a-1", "the offline model was given no Secrets"},
		{"ok.test", "", 200, "m/b-1", ""},
		{"force.test", "", 503, "", "Service m/nope does not exist"},
		{"std.test", "", 200, "m/c-1", ""}, // websecure's http.tls makes the standard provider's routers TLS routers
		{"sec.test", "80", 404, "", "the kubernetesIngressNGINX provider's HTTPS routers are on entrypoint websecure only"},
		{"std.test", "80", 404, "", "router of Ingress m/std takes only plain HTTP on entrypoint web"},
	} {
		spec := rfSpec(t, "external", "ingress:"+r.host+"/", r.port, "")
		spec.HTTP = &probe.HTTPExpect{HTTPS: true}
		got, err := m.Probe(spec)
		if err != nil || got.HTTPStatus != r.status || got.Backend != r.backend || (r.reason != "" && !rfContains(got.Reasons, r.reason)) {
			t.Errorf("%s: %d %q, want %d %q and a reason %q;\n  %s", spec, got.HTTPStatus, got.Backend, r.status, r.backend, r.reason, strings.Join(got.Reasons, "\n  "))
		}
	}
}

// TestNginxProviderAnnotations: an annotation the provider reads but the
// model does not simulate makes a request the Ingress could serve
// ungradable, naming it; one the provider does not read is noted; snippet
// annotations get the whole Ingress rejected.
func TestNginxProviderAnnotations(t *testing.T) {
	c := rfNginxCluster(t)
	c.nginxIngress("auth", map[string]string{nginxAnnotationPrefix + "auth-url": "http://auth.m.svc/check"}, rfRule("auth.test", rfPath(rfPrefix, "/", "a", 80)))
	c.nginxIngress("ign", map[string]string{nginxAnnotationPrefix + "enable-rewrite-log": "true", nginxAnnotationPrefix + "proxy-read-timeout": "30"}, rfRule("ign.test", rfPath(rfPrefix, "/", "a", 80)))
	c.nginxIngress("snip", map[string]string{nginxAnnotationPrefix + "configuration-snippet": "more_set_headers x: y;"}, rfRule("snip.test", rfPath(rfPrefix, "/", "a", 80)))
	c.nginxIngress("canary", map[string]string{nginxCanary: "true", nginxAnnotationPrefix + "canary-weight": "50"}, rfRule("auth.test", rfPath(rfPrefix, "/", "b", 80)))
	runNginxRoutes(t, c, []nginxRoute{
		{host: "auth.test", path: "/", want: "a", ungradable: "Ingress m/auth sets nginx.ingress.kubernetes.io/auth-url, which the offline model does not simulate"},
		{host: "ign.test", path: "/", want: "a", note: "Ingress m/ign sets nginx.ingress.kubernetes.io/enable-rewrite-log, which Traefik's kubernetesIngressNGINX provider does not support: it ignores it"},
		{host: "ign.test", path: "/", want: "a", note: "Ingress m/ign sets nginx.ingress.kubernetes.io/proxy-read-timeout, which change timeouts, buffers, headers, retries or cookies but not which backend answers one request"},
		{host: "snip.test", path: "/", status: 404, note: "rejects the whole Ingress m/snip: it sets nginx.ingress.kubernetes.io/configuration-snippet"},
	})
	got, _ := c.model().Probe(rfSpec(t, "external", "ingress:auth.test/", "", ""))
	if !strings.Contains(got.Ungradable, "Ingress m/canary sets nginx.ingress.kubernetes.io/canary and nginx.ingress.kubernetes.io/canary-weight") {
		t.Errorf("canary not named: %q", got.Ungradable)
	}
}

// TestNginxRuleLengths pins the router rules of the provider to the ones
// measured from Traefik's API.
func TestNginxRuleLengths(t *testing.T) {
	rows := []struct {
		host, path string
		pt         networkingv1.PathType
		regex      bool
		rule       string
		priority   int
	}{
		{"h.test", "/app", rfPrefix, false, `Host("h.test") && (Path("/app") || PathPrefix("/app/"))`, 55},
		{"h.test", "/x", rfExact, false, `Host("h.test") && Path("/x")`, 28},
		{"", "/hl", rfPrefix, false, `(Path("/hl") || PathPrefix("/hl/"))`, 35},
		{"h.test", "", "", false, `Host("h.test")`, 14},
		{"rw.test", "/something(/|$)(.*)", rfImpl, true, `Host("rw.test") && PathRegexp("(?i)^/something(/|$)(.*)")`, 57},
		{"rw.test", "/plain", rfPrefix, true, `Host("rw.test") && PathRegexp("(?i)^/plain")`, 44},
		{"r.test", "/api/", rfPrefix, false, `Host("r.test") && (Path("/api") || PathPrefix("/api/"))`, 55},
		{"*.w.test", "/", rfPrefix, false, `Host("*.w.test") && PathPrefix("/")`, 35},
	}
	for _, r := range rows {
		got := nginxRule(r.host, r.path, r.pt, r.regex)
		if got != r.rule || len(got) != r.priority {
			t.Errorf("nginxRule(%q, %q, %s, %v) = %s (%d), want %s (%d)", r.host, r.path, r.pt, r.regex, got, len(got), r.rule, r.priority)
		}
	}
}

// TestParseTraefikFlags reads the providers of a Traefik container.
func TestParseTraefikFlags(t *testing.T) {
	cfg := parseTraefikFlags(rfNginxArgs)
	if cfg.std == nil || cfg.std.ingressClass != "traefik" || cfg.nginx == nil {
		t.Fatalf("providers: %+v", cfg)
	}
	n := cfg.nginx
	if n.ingressClass != "nginx" || n.controllerClass != "k8s.io/ingress-nginx" || n.watchWithoutClass || !n.strictPathType || n.httpEntryPoint != "web" || n.httpsEntryPoint != "websecure" || len(n.unmodelledSettings) != 0 {
		t.Errorf("nginx provider: %+v", n)
	}
	if !cfg.entryPoints["websecure"].tls || cfg.entryPoints["web"].tls {
		t.Errorf("entrypoints: %+v", cfg.entryPoints)
	}
	cfg = parseTraefikFlags([]string{"--providers.kubernetesingress", "--entryPoints.web.address=:80"})
	if cfg.std == nil || cfg.std.ingressClass != "" || cfg.nginx != nil {
		t.Errorf("standard only: %+v", cfg)
	}
	cfg = parseTraefikFlags([]string{"--providers.kubernetesingressnginx.watchIngressWithoutClass", "--providers.kubernetesIngressNginx.defaultBackendService=a/b", "--entrypoints.web.address=:80", "--entrypoints.other.address=:81"})
	if cfg.std != nil || cfg.nginx == nil || !cfg.nginx.watchWithoutClass || fmt.Sprint(cfg.nginx.unmodelledSettings) != "[--providers.kubernetesIngressNginx.defaultBackendService]" {
		t.Errorf("nginx only: %+v %+v", cfg, cfg.nginx)
	}
	if got := fmt.Sprint(cfg.nginxPlainEntryPoints()); got != "[other web]" {
		t.Errorf("plain entrypoints without httpEntryPoint: %s", got)
	}
	if cfg := parseTraefikFlags([]string{"--providers.kubernetesingressnginx=false"}); cfg.nginx != nil {
		t.Errorf("=false enables the provider")
	}
}

// TestNginxProviderBackendKinds (measurements §10).
func TestNginxProviderBackendKinds(t *testing.T) {
	c := rfNginxCluster(t)
	ext := c.svc("m", "extname", nil, corev1.ServicePort{Name: "http", Port: 80})
	ext.Spec.Type, ext.Spec.ExternalName, ext.Spec.ClusterIP, ext.Spec.ClusterIPs = corev1.ServiceTypeExternalName, "a.m.svc.cluster.local", "", nil
	c.svc("m", "unnamed", map[string]string{"app": "b"}, corev1.ServicePort{Port: 8081, TargetPort: intstr.FromInt(8080)})
	headless := c.svc("m", "headless", map[string]string{"app": "c"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)})
	headless.Spec.ClusterIP, headless.Spec.ClusterIPs = corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
	c.svc("m", "multi", map[string]string{"app": "d"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)}, corev1.ServicePort{Name: "other", Port: 81, TargetPort: intstr.FromInt(9999)})
	res := rfPath(rfPrefix, "/resource", "a", 80)
	res.Backend = networkingv1.IngressBackend{Resource: &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "b"}}
	c.nginxIngress("kinds", nil, rfRule("k.test",
		rfPath(rfPrefix, "/ext", "extname", 80),
		rfPath(rfPrefix, "/extother", "extname", 8080),
		rfPath(rfPrefix, "/unnamed", "unnamed", 8081),
		rfPath(rfPrefix, "/headless", "headless", 80),
		rfPath(rfPrefix, "/multi81", "multi", 81),
		rfPath(rfPrefix, "/multi80", "multi", "http"),
		res,
	))
	runNginxRoutes(t, c, []nginxRoute{
		{host: "k.test", path: "/unnamed", want: "b", svc: "unnamed"},
		{host: "k.test", path: "/headless", want: "c", svc: "headless"},
		{host: "k.test", path: "/multi81", status: 502},
		{host: "k.test", path: "/multi80", want: "d", svc: "multi"},
		{host: "k.test", path: "/resource", status: 404},
	})
	for _, p := range []string{"/ext", "/extother"} {
		got, err := c.model().Probe(rfSpec(t, "external", "ingress:k.test"+p, "", ""))
		if err != nil || got.HTTPStatus != 200 || !strings.Contains(got.Ungradable, "ExternalName Service m/extname") {
			t.Errorf("%s: %+v (%v), want 200 assumed and ungradable", p, got, err)
		}
	}
}
