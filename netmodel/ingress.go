package netmodel

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// This file models an HTTP request through the ingress controller: the
// client reaches the controller's Service, the controller picks an Ingress
// rule by host and path (Kubernetes semantics), and connects to the chosen
// Service's endpoints directly (not through the ClusterIP), through
// NetworkPolicy from the controller pod.

// legacyClassAnnotation is the pre-IngressClass way to pick a controller;
// Traefik still honours it when spec.ingressClassName is unset.
const legacyClassAnnotation = "kubernetes.io/ingress.class"

// priorityAnnotation sets a Traefik router's priority; without it the
// priority is the length of the router's rule.
const priorityAnnotation = "traefik.ingress.kubernetes.io/router.priority"

// The Traefik annotations of an Ingress (traefik.ingress.kubernetes.io/
// router.*, read case-insensitively after the prefix) that the model
// simulates besides router.priority: router.entrypoints (a comma-separated
// list: the routers exist only on those entrypoints) and router.tls ("true":
// the routers match only TLS requests, never a plain HTTP request). Every
// other router.* or service.* annotation makes a request the Ingress could
// serve ungradable offline.
const (
	traefikAnnotationPrefix = "traefik.ingress.kubernetes.io/"
	entryPointsAnnotation   = traefikAnnotationPrefix + "router.entrypoints"
	routerTLSAnnotation     = traefikAnnotationPrefix + "router.tls"
)

// routerOptions is what the Traefik annotations of an Ingress do to the
// routers Traefik builds from it.
type routerOptions struct {
	entryPoints []string // the routers exist only on these (nil: on every entrypoint)
	tls         bool     // the routers match only TLS requests
	unmodelled  []string // annotations the model does not simulate, sorted
}

// traefikRouterOptions reads the Traefik annotations of an Ingress.
// Traefik takes the annotations whose key starts with the exact prefix and
// decodes the rest of the key case-insensitively.
func traefikRouterOptions(ing *networkingv1.Ingress) routerOptions {
	var o routerOptions
	keys := make([]string, 0, len(ing.Annotations))
	for k := range ing.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rest, ok := strings.CutPrefix(k, traefikAnnotationPrefix)
		if !ok {
			continue
		}
		v := ing.Annotations[k]
		switch lk := strings.ToLower(rest); {
		case lk == "router.priority":
			// ingressRoutes models it.
		case lk == "router.entrypoints":
			var eps []string
			for _, e := range strings.Split(v, ",") {
				if e = strings.TrimSpace(e); e != "" {
					eps = append(eps, e)
				}
			}
			if len(eps) == 0 {
				o.unmodelled = append(o.unmodelled, k)
				continue
			}
			o.entryPoints = eps
		case lk == "router.tls":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				o.tls = true
			case "false":
			default:
				o.unmodelled = append(o.unmodelled, k)
			}
		case strings.HasPrefix(lk, "router.") || strings.HasPrefix(lk, "service."):
			o.unmodelled = append(o.unmodelled, k)
		}
	}
	return o
}

// ingressRequest is an HTTP request as the controller receives it.
type ingressRequest struct {
	host, path string
	entryPoint string // the Traefik entrypoint it arrived on, e.g. "web"
	port       int    // the port the client connected to, for messages
	tls        bool   // HTTPS (SNI = host)
}

// ingressMatch is one route Traefik builds from an Ingress: a path of a
// rule, or the defaultBackend of an Ingress without rules.
type ingressMatch struct {
	ing       *networkingv1.Ingress
	backend   networkingv1.IngressBackend
	hostRank  int // 2: exact host, 1: wildcard host, 0: rule without host
	host      string
	path      string
	pathType  networkingv1.PathType
	order     int // position among all routes, for a stable tie-break
	isDefault bool

	rule     string // Traefik's router rule, e.g. Host("a.com") && Path("/x")
	priority int    // Traefik's router priority
	skipped  string // why Traefik builds no router for this path ("" if it does)
	opts     *routerOptions

	provider ingressProvider // the Traefik provider that built the router
	cfg      *traefikConfig  // the controller's configuration (entrypoints)
	// kubernetesIngressNGINX only:
	hostDefault   bool           // the catch-all router Host(HOST) of a defaultBackend next to rules
	regex         bool           // the path is matched as PathRegexp("(?i)^PATH") (use-regex on the host)
	re            *regexp.Regexp // the compiled PathRegexp (nil when not regex or invalid)
	rewrite       *rewriteTarget // the rewrite-target middleware (nil: none)
	redirectHTTPS bool           // the plain HTTP router only redirects to HTTPS (308)

	// tied are the other matching routers of the same priority that
	// route elsewhere, set on the chosen route by routeIngressAt: Traefik
	// orders them by map iteration when it builds its routing table, so
	// which one wins is not predictable.
	tied []*ingressMatch
}

// matches reports whether the router's rule matches a request.
func (im *ingressMatch) matches(host, reqPath string) bool {
	if _, ok := hostMatch(im.host, host); !ok {
		return false
	}
	if im.regex {
		p := reqPath
		if i := strings.IndexAny(p, "?#"); i >= 0 {
			p = p[:i]
		}
		return im.re != nil && im.re.MatchString(p)
	}
	return pathMatch(im.pathType, im.path, reqPath)
}

// controller names who built the router, for messages: "class nginx
// (Traefik's kubernetesIngressNGINX provider)".
func (im *ingressMatch) controller() string {
	return fmt.Sprintf("%s (%s)", classOf(im.ing), providerDesc(im.provider))
}

// notFor says why the router does not take a plain HTTP request arriving
// on req's entrypoint ("" when it does).
func (im *ingressMatch) notFor(req ingressRequest) string {
	key := im.ing.Namespace + "/" + im.ing.Name
	ep := strings.ToLower(req.entryPoint)
	arrived := "a request on :" + strconv.Itoa(req.port)
	if req.entryPoint != "" {
		arrived += " (entrypoint " + req.entryPoint + ")"
	}
	epTLS := im.cfg != nil && im.cfg.entryPoints[ep].tls
	if im.provider == providerNGINX {
		if req.tls {
			if eps := im.cfg.nginxTLSEntryPoints(); eps != nil && !containsFold(eps, ep) {
				return fmt.Sprintf("the kubernetesIngressNGINX provider's HTTPS routers are on entrypoint %s only (its httpsEntryPoint): %s does not reach them", strings.Join(eps, ", "), arrived)
			}
			return ""
		}
		if eps := im.opts.entryPoints; !containsFold(eps, ep) {
			return fmt.Sprintf("the kubernetesIngressNGINX provider's plain HTTP routers are on entrypoint %s only (its httpEntryPoint, or every entrypoint without TLS): %s does not reach them", strings.Join(eps, ", "), arrived)
		}
		return ""
	}
	if eps := im.opts.entryPoints; len(eps) > 0 && !containsFold(eps, ep) {
		which := "entrypoint " + eps[0]
		if len(eps) > 1 {
			which = "entrypoints " + strings.Join(eps, ", ")
		}
		return fmt.Sprintf("router of Ingress %s is bound to %s only (%s): %s does not reach it", key, which, entryPointsAnnotation, arrived)
	}
	switch {
	case req.tls && !epTLS && !im.opts.tls:
		return fmt.Sprintf("router of Ingress %s takes only plain HTTP on entrypoint %s (neither --entryPoints.%s.http.tls nor the annotation %s makes it a TLS router): an HTTPS request does not match it", key, orUnnamed(req.entryPoint), orUnnamed(req.entryPoint), routerTLSAnnotation)
	case !req.tls && epTLS:
		return fmt.Sprintf("entrypoint %s terminates TLS (--entryPoints.%s.http.tls), so every router on it takes only HTTPS requests: a plain HTTP request on :%d matches none of them", req.entryPoint, req.entryPoint, req.port)
	case !req.tls && im.opts.tls:
		return fmt.Sprintf("router of Ingress %s has %s: \"true\": it matches only TLS (HTTPS) requests, so a plain HTTP request on :%d does not match it", key, routerTLSAnnotation, req.port)
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

func (im *ingressMatch) describe() string {
	key := im.ing.Namespace + "/" + im.ing.Name
	if im.isDefault {
		return "the defaultBackend of Ingress " + key
	}
	host := im.host
	if host == "" {
		host = "any host"
	}
	if im.hostDefault {
		return fmt.Sprintf("the defaultBackend of Ingress %s (the catch-all of host %s)", key, host)
	}
	return fmt.Sprintf("Ingress %s rule %s %s (%s)", key, host, im.path, im.pathType)
}

// handles reports whether a provider of the controller serves an
// Ingress, and why not.
func (m *Model) handles(ing *networkingv1.Ingress) (bool, string) {
	ps, why := m.servedBy(m.readTraefikConfig(), ing)
	return len(ps) > 0, why
}

func (m *Model) sortedIngresses() []*networkingv1.Ingress {
	out := append([]*networkingv1.Ingress(nil), m.ingresses...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// hostMatch ranks how a rule host matches a request host: an exact host
// beats a wildcard, which beats a rule without host. A wildcard *.foo.com
// matches exactly one extra label (bar.foo.com, not baz.bar.foo.com nor
// foo.com). Traefik's Host matcher agrees: case-insensitive, and a leading
// * stands for the first label.
func hostMatch(ruleHost, host string) (int, bool) {
	ruleHost = strings.ToLower(ruleHost)
	host = strings.ToLower(host)
	switch {
	case ruleHost == "":
		return 0, true
	case strings.HasPrefix(ruleHost, "*."):
		label, ok := strings.CutSuffix(host, ruleHost[1:])
		return 1, ok && label != "" && !strings.Contains(label, ".")
	}
	return 2, ruleHost == host
}

// pathMatch is Traefik's matching of an Ingress path, which for the
// controller's strictPrefixMatching option is the Kubernetes one. Exact
// compares the whole path, case-sensitively. Prefix (and
// ImplementationSpecific, which Traefik also turns into a prefix) compares
// element by element: /foo and /foo/ both match /foo, /foo/ and /foo/bar
// but not /foobar. The query string is not part of the path.
func pathMatch(pt networkingv1.PathType, rulePath, reqPath string) bool {
	if i := strings.IndexAny(reqPath, "?#"); i >= 0 {
		reqPath = reqPath[:i]
	}
	switch {
	case rulePath == "":
		return true
	case pt == networkingv1.PathTypeExact:
		return rulePath == reqPath
	case rulePath == "/":
		return strings.HasPrefix(reqPath, "/")
	}
	p := strings.TrimSuffix(rulePath, "/")
	return reqPath == p || strings.HasPrefix(reqPath, p+"/")
}

// traefikRule is the router rule Traefik 3 writes for an Ingress path
// (strictPrefixMatching on): its length is the router's default priority.
func traefikRule(host, path string, pt networkingv1.PathType) string {
	var parts []string
	if host != "" {
		parts = append(parts, fmt.Sprintf("Host(%q)", host))
	}
	switch {
	case path == "":
	case pt == networkingv1.PathTypeExact:
		parts = append(parts, fmt.Sprintf("Path(%q)", path))
	case path == "/":
		parts = append(parts, `PathPrefix("/")`)
	default:
		p := strings.TrimSuffix(path, "/")
		parts = append(parts, fmt.Sprintf("(Path(%q) || PathPrefix(%q))", p, p+"/"))
	}
	return strings.Join(parts, " && ")
}

func pathTypeOf(p *networkingv1.HTTPIngressPath) networkingv1.PathType {
	if p.PathType == nil {
		return networkingv1.PathTypeImplementationSpecific
	}
	return *p.PathType
}

// docBetter is the precedence the Kubernetes documentation gives two
// matching routes (as ingress-nginx applies it): host specificity first
// (an exact host, then a wildcard, then a rule without host; a host's
// defaultBackend catches what that host's rules do not), then the
// longest path, then Exact over Prefix, then the first rule. Traefik
// does not follow it (it orders by priority); the model uses it to say
// where the two differ.
func docBetter(a, b *ingressMatch) bool {
	if a.hostRank != b.hostRank {
		return a.hostRank > b.hostRank
	}
	if a.hostDefault != b.hostDefault {
		return !a.hostDefault
	}
	if len(a.path) != len(b.path) {
		return len(a.path) > len(b.path)
	}
	ae, be := a.pathType == networkingv1.PathTypeExact, b.pathType == networkingv1.PathTypeExact
	if ae != be {
		return ae
	}
	return a.order < b.order
}

// docMatches reports whether the Kubernetes documentation's matching of
// the route's path (Prefix element by element, Exact whole) takes reqPath;
// a regular expression path (ImplementationSpecific under use-regex) is
// the controller's own matching, taken as it is.
func docMatches(r *ingressMatch, reqPath string) bool {
	if !r.regex || r.pathType == networkingv1.PathTypeImplementationSpecific {
		return true
	}
	return pathMatch(r.pathType, r.path, reqPath)
}

// regexDeparture says that a Prefix path matched only because use-regex
// made it a regular expression ("" otherwise).
func regexDeparture(best *ingressMatch, reqPath string) string {
	if !best.regex || best.pathType != networkingv1.PathTypePrefix || pathMatch(best.pathType, best.path, reqPath) {
		return ""
	}
	return fmt.Sprintf("this departs from the Kubernetes documentation: an Ingress on host %s sets use-regex or rewrite-target, so the kubernetesIngressNGINX provider matches every Prefix path of that host as the case-insensitive regular expression %s, a plain string prefix: %s matches %s, which the documentation's Prefix (whole path elements) would not", orAnyHost(best.host), "^"+best.path, best.path, reqPath)
}

func orAnyHost(h string) string {
	if h == "" {
		return "(any host)"
	}
	return h
}

// departure explains, naming both routes and their rules, why Traefik's
// choice best is not the route spec the Kubernetes documentation's
// precedence picks.
func departure(best, spec *ingressMatch) string {
	var rule string
	switch {
	case spec.hostRank > best.hostRank && spec.hostDefault:
		rule = fmt.Sprintf("every request for host %s that no rule for %s matches goes to that host's defaultBackend, before any rule for another host pattern", spec.host, spec.host)
	case spec.hostRank > best.hostRank && best.hostRank == 0:
		rule = fmt.Sprintf("a rule for the request's host %s comes before a rule without host", spec.host)
	case spec.hostRank > best.hostRank:
		rule = fmt.Sprintf("the exact host %s comes before the wildcard %s", spec.host, best.host)
	case len(spec.path) > len(best.path):
		rule = "the longest matching path wins"
	case spec.pathType == networkingv1.PathTypeExact && best.pathType != networkingv1.PathTypeExact:
		rule = "of paths of the same length, Exact wins over Prefix"
	default:
		rule = "the first rule wins a tie"
	}
	how := fmt.Sprintf("%s sets no router priority, so Traefik tries the longest rule first", providerDesc(best.provider))
	if best.provider == providerTraefik {
		how = fmt.Sprintf("Traefik orders routes by priority (the length of the rule unless the annotation %s sets it)", priorityAnnotation)
	}
	return fmt.Sprintf("this departs from the Kubernetes documentation, which would choose %s (%s): %s, and %s has priority %d (%s), %s only %d (%s)",
		spec.describe(), rule, how, best.describe(), best.priority, best.rule, spec.describe(), spec.priority, spec.rule)
}

// ingressRoutes builds Traefik's routers from every Ingress a provider of
// the controller picks up, in a stable order; routes Traefik skips carry
// the reason, and notes explain Ingresses that produce nothing. The
// kubernetesIngress provider's routers are built by stdRoutes, the
// kubernetesIngressNGINX provider's by nginxRoutes; Traefik ranks them all
// in one table.
func (m *Model) ingressRoutes() (routes []*ingressMatch, notes []ingressNote) {
	cfg := m.readTraefikConfig()
	var dflt *ingressMatch
	order := 0
	var nginxIngs []*networkingv1.Ingress
	for _, ing := range m.sortedIngresses() {
		ps, _ := m.servedBy(cfg, ing)
		for _, p := range ps {
			if p == providerNGINX {
				nginxIngs = append(nginxIngs, ing)
				continue
			}
			rs, ns := m.stdRoutes(cfg, ing, &order, &dflt)
			routes, notes = append(routes, rs...), append(notes, ns...)
		}
	}
	if len(nginxIngs) > 0 {
		rs, ns := m.nginxRoutes(cfg, nginxIngs, &order)
		routes, notes = append(routes, rs...), append(notes, ns...)
	}
	return routes, notes
}

// stdRoutes builds the kubernetesIngress provider's routers of an Ingress
// (Traefik 3.7): every path of every rule becomes a router whose priority
// is the length of its rule unless the Ingress sets router.priority; a
// path whose backend is not a Service, whose Service (or its port) does
// not exist, or which is an ExternalName, is skipped; spec.defaultBackend
// is used only on an Ingress without rules, as a catch-all of the lowest
// priority, and only once in the cluster (*dflt).
func (m *Model) stdRoutes(cfg *traefikConfig, ing *networkingv1.Ingress, order *int, dflt **ingressMatch) (routes []*ingressMatch, notes []ingressNote) {
	key := ing.Namespace + "/" + ing.Name
	opts := traefikRouterOptions(ing)
	priority, annotated := 0, false
	if v, ok := ing.Annotations[priorityAnnotation]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			notes = append(notes, ingressNote{ing, fmt.Sprintf("Traefik skips Ingress %s: its annotation %s: %q is not a number", key, priorityAnnotation, v)})
			return routes, notes
		}
		priority, annotated = n, n != 0
	}
	if b := ing.Spec.DefaultBackend; b != nil {
		if len(ing.Spec.Rules) > 0 {
			notes = append(notes, ingressNote{ing, fmt.Sprintf("Ingress %s has a spec.defaultBackend, but Traefik uses the defaultBackend only of an Ingress without rules, so it ignores this one; put the default backend in an Ingress of its own (or add a rule without host for path / Prefix)", key)})
		} else {
			*order++
			d := &ingressMatch{ing: ing, backend: *b, isDefault: true, order: *order, rule: `PathPrefix("/")`, priority: math.MinInt32, opts: &opts,
				provider: providerTraefik, cfg: cfg}
			switch {
			case *dflt != nil:
				d.skipped = fmt.Sprintf("Traefik keeps one default backend for the whole cluster and %s already is it", (*dflt).describe())
			default:
				if _, _, why := m.ingressBackend(ing, *b); why != "" && !strings.HasSuffix(why, noEndpoints) {
					d.skipped = why
				} else {
					*dflt = d
				}
			}
			routes = append(routes, d)
		}
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for i := range rule.HTTP.Paths {
			p := &rule.HTTP.Paths[i]
			*order++
			pt := pathTypeOf(p)
			r := &ingressMatch{ing: ing, backend: p.Backend, hostRank: hostRankOf(rule.Host), host: rule.Host, path: p.Path, pathType: pt, order: *order,
				rule: traefikRule(rule.Host, p.Path, pt), priority: priority, opts: &opts, provider: providerTraefik, cfg: cfg}
			if !annotated {
				r.priority = len(r.rule)
			}
			if _, _, why := m.ingressBackend(ing, p.Backend); why != "" && !strings.HasSuffix(why, noEndpoints) {
				r.skipped = why
			} else if r.rule == "" {
				r.skipped = "the path has neither host nor path, so its router rule would be empty"
			}
			routes = append(routes, r)
		}
	}
	return routes, notes
}

// routeIngress chooses the route Traefik serves a plain HTTP request on
// entrypoint web (:80) with; see routeIngressAt.
func (m *Model) routeIngress(host, reqPath string) (*ingressMatch, []string) {
	match, why, _ := m.routeIngressAt(ingressRequest{host: host, path: reqPath, entryPoint: "web", port: 80})
	return match, why
}

// routeIngressAt chooses the route Traefik serves a plain HTTP request
// with: the matching router of the highest priority among those on the
// request's entrypoint that take plain HTTP. It returns nil and the
// explanation when nothing matches (Traefik's 404); offEntry is set when
// some router would match but is not on the entrypoint or needs TLS.
func (m *Model) routeIngressAt(req ingressRequest) (_ *ingressMatch, _ []string, offEntry bool) {
	host, reqPath := req.host, req.path
	routes, notes := m.ingressRoutes()
	var best, spec *ingressMatch
	var ties, off []*ingressMatch
	for _, r := range routes {
		if r.skipped != "" || !r.matches(host, reqPath) {
			continue
		}
		if r.notFor(req) != "" {
			off = append(off, r)
			continue
		}
		switch {
		case best == nil || r.priority > best.priority:
			best, ties = r, nil
		case r.priority == best.priority:
			ties = append(ties, r)
		}
		if !r.isDefault && docMatches(r, reqPath) && (spec == nil || docBetter(r, spec)) {
			spec = r
		}
	}
	var why []string
	for _, r := range off {
		if best == nil || r.priority >= best.priority {
			why = append(why, r.notFor(req))
		}
	}
	offEntry = len(why) > 0
	for _, r := range routes {
		if r.skipped == "" || (best != nil && r.priority < best.priority) {
			continue
		}
		if r.matches(host, reqPath) {
			why = append(why, fmt.Sprintf("Traefik skips %s: %s", r.describe(), r.skipped))
		}
	}
	why = dedupe(why)
	if best != nil {
		for _, t := range ties {
			if backendService(t.backend) != backendService(best.backend) || backendPort(t.backend) != backendPort(best.backend) || t.ing != best.ing {
				fix := "give one a longer path or set the annotation " + priorityAnnotation
				if best.provider == providerNGINX || t.provider == providerNGINX {
					fix = "the kubernetesIngressNGINX provider sets no router priority, so only different rules tell them apart"
				}
				why = append(why, fmt.Sprintf("%s and %s both match with priority %d: Traefik picks either, unpredictably; %s", best.describe(), t.describe(), best.priority, fix))
				best.tied = append(best.tied, t)
			}
		}
		if best.isDefault {
			why = append([]string{fmt.Sprintf("no Ingress rule matches; the request goes to %s, the cluster-wide catch-all of %s", best.describe(), best.controller())}, why...)
			return best, append(why, notesFor(notes, host, reqPath)...), offEntry
		}
		decided := fmt.Sprintf("decided by %s: %s, router rule %s, priority %d", best.controller(), best.describe(), best.rule, best.priority)
		if best.priority == len(best.rule) {
			decided += " (the length of its rule)"
		}
		why = append([]string{decided}, why...)
		if d := regexDeparture(best, reqPath); d != "" {
			why = append(why, d)
		}
		if spec != nil && spec != best && spec.priority != best.priority {
			why = append(why, departure(best, spec))
		}
		return best, append(why, notesFor(notes, host, reqPath)...), offEntry
	}

	hostDesc := host
	if hostDesc == "" {
		hostDesc = "(no Host header)"
	}
	first := fmt.Sprintf("no Ingress rule the controller serves matches host %s path %s, and no Ingress it serves has a defaultBackend for it (it serves IngressClass %s)", hostDesc, reqPath, m.classesServed(m.readTraefikConfig()))
	if offEntry {
		first = fmt.Sprintf("no router that takes a plain HTTP request on entrypoint %s (:%d) matches host %s path %s", orUnnamed(req.entryPoint), req.port, hostDesc, reqPath)
	}
	out := []string{first}
	out = append(out, why...)
	out = append(out, notesFor(notes, host, reqPath)...)
	var hostPaths, otherHosts []string
	for _, ing := range m.sortedIngresses() {
		key := ing.Namespace + "/" + ing.Name
		ok, whyNot := m.handles(ing)
		if !ok {
			if ingressWouldMatch(ing, host, reqPath) {
				out = append(out, whyNot)
			}
			continue
		}
		var hosts []string
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			if _, hostOK := hostMatch(rule.Host, host); !hostOK {
				hosts = append(hosts, rule.Host)
				continue
			}
			if rule.Host == "" {
				continue
			}
			var paths []string
			matched := false
			for i := range rule.HTTP.Paths {
				p := &rule.HTTP.Paths[i]
				paths = append(paths, fmt.Sprintf("%s %s", p.Path, pathTypeOf(p)))
				matched = matched || pathMatch(pathTypeOf(p), p.Path, reqPath)
			}
			if !matched {
				hostPaths = append(hostPaths, fmt.Sprintf("Ingress %s has a rule for host %s, but none of its paths (%s) matches %s", key, rule.Host, strings.Join(paths, ", "), reqPath))
			}
		}
		if len(hosts) > 0 {
			otherHosts = append(otherHosts, fmt.Sprintf("Ingress %s serves hosts %s", key, strings.Join(dedupe(hosts), ", ")))
		}
	}
	out = append(out, hostPaths...)
	if len(hostPaths) == 0 {
		out = append(out, otherHosts...)
	}
	return nil, dedupe(out), offEntry
}

func orUnnamed(entryPoint string) string {
	if entryPoint == "" {
		return "(unnamed)"
	}
	return entryPoint
}

// ingressNote explains why Traefik ignores an Ingress or a part of it.
type ingressNote struct {
	ing  *networkingv1.Ingress
	text string
}

// notesFor keeps the notes about Ingresses that have something for the
// request (a skipped Ingress or an ignored defaultBackend).
func notesFor(notes []ingressNote, host, reqPath string) []string {
	var out []string
	for _, n := range notes {
		if ingressWouldMatch(n.ing, host, reqPath) {
			out = append(out, n.text)
		}
	}
	return out
}

// ingressWouldMatch reports whether an Ingress has a rule for the request
// (used to explain an Ingress the controller ignores).
func ingressWouldMatch(ing *networkingv1.Ingress, host, reqPath string) bool {
	if ing.Spec.DefaultBackend != nil {
		return true
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		if _, ok := hostMatch(rule.Host, host); !ok {
			continue
		}
		for i := range rule.HTTP.Paths {
			p := &rule.HTTP.Paths[i]
			if pathMatch(pathTypeOf(p), p.Path, reqPath) {
				return true
			}
		}
	}
	return false
}

// noEndpoints ends the reason of a backend whose Service has no endpoint:
// Traefik keeps that route (allowEmptyServices) and answers 503.
const noEndpoints = "(no endpoints)"

// ingressBackend resolves an Ingress backend to a Service port, or says
// why it cannot. A reason ending in noEndpoints
// is Traefik's 503; any other makes Traefik skip the path.
func (m *Model) ingressBackend(ing *networkingv1.Ingress, b networkingv1.IngressBackend) (*corev1.Service, *corev1.ServicePort, string) {
	if b.Service == nil {
		kind := "a resource"
		if b.Resource != nil {
			kind = "resource " + b.Resource.Kind + " " + b.Resource.Name
		}
		return nil, nil, fmt.Sprintf("its backend is %s, not a Service, and Traefik routes only to Services", kind)
	}
	key := ing.Namespace + "/" + b.Service.Name
	s := m.services[key]
	if s == nil {
		return nil, nil, fmt.Sprintf("Service %s does not exist (an Ingress can only name Services in its own namespace)", key)
	}
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		return nil, nil, fmt.Sprintf("Service %s is an ExternalName, and Traefik does not route to ExternalName Services by default", key)
	}
	var sp *corev1.ServicePort
	for i := range s.Spec.Ports {
		p := &s.Spec.Ports[i]
		if protoOr(p.Protocol) != corev1.ProtocolTCP {
			continue
		}
		if (b.Service.Port.Name != "" && p.Name == b.Service.Port.Name) || (b.Service.Port.Name == "" && p.Port == b.Service.Port.Number) {
			sp = p
			break
		}
	}
	if sp == nil {
		return nil, nil, m.noBackendPort(s, b, key)
	}
	if len(m.endpoints(s, sp)) == 0 {
		return s, sp, m.whyNoEndpoints(s, sp) + " " + noEndpoints
	}
	return s, sp, ""
}

// noBackendPort says that Service s (key) lacks the port an Ingress backend
// b names, and when the number is one of its targetPorts, that the backend
// names the Service port.
func (m *Model) noBackendPort(s *corev1.Service, b networkingv1.IngressBackend, key string) string {
	want := fmt.Sprintf("%d", b.Service.Port.Number)
	if b.Service.Port.Name != "" {
		want = "named " + b.Service.Port.Name
	}
	why := fmt.Sprintf("Service %s has no port %s (it has %s)", key, want, servicePorts(s))
	if n := int(b.Service.Port.Number); n != 0 {
		if tp := m.targetPortOf(s, n, corev1.ProtocolTCP); tp != nil {
			why += fmt.Sprintf("; %d is the targetPort of its port %d: the Ingress backend names the Service port, not the targetPort", n, tp.Port)
		}
	}
	return why
}

// ingress handles ingress:HOST/PATH targets.
func (pr *prober) ingress() (verdict, error) {
	ic := pr.m.opts.IngressController
	key := ic.Namespace + "/" + ic.Service
	if pr.proto != corev1.ProtocolTCP {
		return verdict{}, fmt.Errorf("ingress probes are HTTP requests over TCP, not %s", pr.proto)
	}
	s := pr.m.services[key]
	if s == nil {
		return verdict{}, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: the ingress controller Service %s does not exist.", key))
	}
	https := pr.spec.HTTP != nil && pr.spec.HTTP.HTTPS
	if pr.spec.Port.IsZero() {
		pr.spec.Port = probe.Port{Number: 80}
		if https {
			pr.spec.Port = probe.Port{Number: 443}
		}
	}
	host, reqPath := pr.spec.To.Host, pr.spec.To.Path
	if reqPath == "" {
		reqPath = "/"
	}
	if clean := sanitizePath(reqPath); clean != reqPath {
		pr.decide("Traefik's entrypoint cleans the request path %s to %s before routing (sanitizePath)", reqPath, clean)
		reqPath = clean
	}

	// Hop 1: the client reaches the controller through its Service.
	c, err := pr.toController(s)
	if err != nil {
		pr.service = "" // Service names the backend Service, never the controller's
		return verdict{}, err
	}
	v, rs := pr.connect(c, pr.client.name)
	if v.outcome != probe.Connected {
		v.summary = strings.TrimSuffix(v.summary, ".") + "; the request never reaches the ingress controller."
		v.service, v.backend = "", ""
		return v, nil
	}
	ctrl, ctrlPort := pr.controllerPod(rs)
	pr.notes = append(pr.notes, v.reasons...)
	pr.service = ""
	hostDesc := host
	if hostDesc == "" {
		hostDesc = "(none)"
	}
	req := ingressRequest{host: host, path: reqPath, entryPoint: traefikEntryPointAt(ctrl, ctrlPort), port: pr.spec.Port.Number, tls: https}
	if req.port == 0 {
		req.port = ctrlPort
	}
	pr.note("ingress controller pod %s receives the request: Host %s, path %s (entrypoint %s)", podKey(ctrl), hostDesc, reqPath, orUnnamed(req.entryPoint))
	gaps := pr.ingressGaps(host)
	if https && pr.m.objs.Secrets == nil {
		pr.note("HTTPS: Traefik terminates TLS on entrypoint %s and presents the certificate of a spec.tls Secret whose names cover the SNI %s (else its self-signed default certificate); the offline model was given no Secrets, so it does not say which certificate that is", orUnnamed(req.entryPoint), hostDesc)
	}

	// Routing.
	match, why, offEntry := pr.m.routeIngressAt(req)
	why = append(gaps, why...)
	if match != nil && len(match.tied) > 0 {
		var names []string
		for _, t := range append([]*ingressMatch{match}, match.tied...) {
			names = append(names, t.describe())
		}
		pr.cannotGrade(fmt.Sprintf("%s match with the same priority %d, and which one Traefik tries first depends on the order it builds its routing table in", joinAnd(names), match.priority))
	}
	if match == nil {
		summary := fmt.Sprintf("Connected: no Ingress rule matches host %s path %s; Traefik answers 404 Not Found.", hostDesc, reqPath)
		if offEntry {
			summary = fmt.Sprintf("Connected: no router on entrypoint %s takes a plain HTTP request for host %s path %s; Traefik answers 404 Not Found.", orUnnamed(req.entryPoint), hostDesc, reqPath)
		}
		v = verdict{outcome: probe.Connected, status: 404, summary: summary, key: why}
	} else {
		v, err = pr.routed(match, ctrl, req)
		v.key = append(why, v.key...)
	}
	if https && err == nil {
		pr.tlsCertificate(pr.m.readTraefikConfig(), host, &v)
	}
	return v, err
}

// ingressGaps finds what the model does not simulate about a request for
// host: the annotations it does not model on an Ingress a provider of the
// controller serves that could take part in the request (a rule for the
// host or without host, or a defaultBackend), and kubernetesIngressNGINX
// options it does not model. Each makes the probe ungradable; the returned
// reason lines say the verdict ignores them. nginx annotations the
// provider does not read at all are only noted.
func (pr *prober) ingressGaps(host string) []string {
	var out []string
	cfg := pr.m.readTraefikConfig()
	nginxInvolved := false
	for _, ing := range pr.m.sortedIngresses() {
		ps, _ := pr.m.servedBy(cfg, ing)
		if len(ps) == 0 || !ingressCouldServe(ing, host) {
			continue
		}
		key := ing.Namespace + "/" + ing.Name
		for _, p := range ps {
			var unmodelled []string
			switch p {
			case providerTraefik:
				unmodelled = traefikRouterOptions(ing).unmodelled
			case providerNGINX:
				nginxInvolved = true
				var ignored, noEffect []string
				unmodelled, ignored, noEffect = nginxGaps(cfg.nginx, ing)
				if len(ignored) > 0 {
					out = append(out, fmt.Sprintf("Ingress %s sets %s, which Traefik's kubernetesIngressNGINX provider does not support: it ignores it (ingress-nginx would not)", key, joinAnd(ignored)))
				}
				if len(noEffect) > 0 {
					out = append(out, fmt.Sprintf("Ingress %s sets %s, which change timeouts, buffers, headers, retries or cookies but not which backend answers one request, nor its status", key, joinAnd(noEffect)))
				}
			}
			if len(unmodelled) == 0 {
				continue
			}
			what := fmt.Sprintf("Ingress %s sets %s, which the offline model does not simulate", key, joinAnd(unmodelled))
			pr.cannotGrade(what)
			out = append(out, what+"; the verdict below ignores it")
		}
	}
	if nginxInvolved && len(cfg.nginx.unmodelledSettings) > 0 {
		what := fmt.Sprintf("the ingress controller runs the kubernetesIngressNGINX provider with %s, which the offline model does not simulate", joinAnd(cfg.nginx.unmodelledSettings))
		pr.cannotGrade(what)
		out = append(out, what+"; the verdict below ignores it")
	}
	return out
}

// ingressCouldServe reports whether an Ingress could take part in a
// request for host, whatever its path: a rule for the host or without
// host, or a defaultBackend of an Ingress without rules.
func ingressCouldServe(ing *networkingv1.Ingress, host string) bool {
	if len(ing.Spec.Rules) == 0 && ing.Spec.DefaultBackend != nil {
		return true
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		if _, ok := hostMatch(rule.Host, host); ok {
			return true
		}
	}
	return false
}

// joinAnd writes a list as "a", "a and b" or "a, b and c".
func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// traefikEntryPointAt names the entrypoint of a Traefik pod that listens on
// port (TCP): from its --entryPoints flags, else web for 80 and websecure
// for 443; "" when unknown.
func traefikEntryPointAt(p *corev1.Pod, port int) string {
	for _, c := range p.Spec.Containers {
		if !isTraefikImage(c.Image) {
			continue
		}
		for _, ep := range traefikEntryPoints(append(append([]string{}, c.Command...), c.Args...)) {
			if ep.s.port == port && ep.s.proto == corev1.ProtocolTCP {
				return ep.name
			}
		}
	}
	switch port {
	case 80:
		return "web"
	case 443:
		return "websecure"
	}
	return ""
}

// routed follows a request from the controller pod to the backend of the
// route Traefik chose.
func (pr *prober) routed(match *ingressMatch, ctrl *corev1.Pod, req ingressRequest) (verdict, error) {
	reqPath := req.path
	pr.decide("the request matches %s → Service %s/%s port %s", match.describe(), match.ing.Namespace, backendService(match.backend), backendPort(match.backend))
	if match.redirectHTTPS && !req.tls {
		return pr.redirectHTTPS(match, req), nil
	}
	if match.rewrite != nil {
		np, st, note := match.rewrite.apply(reqPath)
		pr.decide("%s", note)
		if st != 0 {
			v := verdict{outcome: probe.Connected, status: st, summary: fmt.Sprintf("Connected: Traefik answers %d %s itself: %s.", st, http.StatusText(st), note)}
			// The router had chosen its Service (Traefik's access log names
			// it) before the middleware answered; no backend was contacted.
			if s := pr.m.services[match.ing.Namespace+"/"+backendService(match.backend)]; s != nil {
				v.service = svcKey(s)
			}
			return v, nil
		}
		reqPath = np
	}
	var bs *corev1.Service
	var bsp *corev1.ServicePort
	var why503 string
	if match.provider == providerNGINX {
		bs, bsp, why503 = pr.nginxBackend(match.ing, match.backend)
	} else {
		bs, bsp, why503 = pr.m.ingressBackend(match.ing, match.backend)
	}
	if why503 != "" {
		// The standard provider gets here only for a Service without
		// endpoints: it keeps the route (allowEmptyServices) and has no
		// server to send it to. The kubernetesIngressNGINX provider keeps
		// the route whatever is missing (Service, port or endpoints).
		if bs == nil {
			pr.ingressBackendElsewhere = pr.m.ingressBackendNearMiss(match.ing, backendService(match.backend))
		}
		v := verdict{outcome: probe.Refused, status: 503,
			summary: "Refused: Traefik answers 503 Service Unavailable: " + strings.TrimSpace(strings.TrimSuffix(why503, noEndpoints)) + "."}
		if strings.HasSuffix(why503, noEndpoints) {
			v.service = svcKey(bs)
		} else {
			v.noBackend, _, _ = strings.Cut(why503, " (")
			v.noBackend = strings.TrimSuffix(strings.TrimSpace(v.noBackend), ".")
		}
		if match.provider == providerNGINX {
			v.reasons = append(v.reasons, "the kubernetesIngressNGINX provider keeps the router of a path whose Service, Service port or endpoints are missing, with an empty backend, and Traefik answers 503, as ingress-nginx does")
		}
		return v, nil
	}
	if bs.Spec.Type == corev1.ServiceTypeExternalName {
		// Only the kubernetesIngressNGINX provider gets here (nginxBackend
		// marked the probe ungradable).
		return verdict{outcome: probe.Connected, status: 200, service: svcKey(bs),
			summary: fmt.Sprintf("Connected: Traefik proxies the request to %s port %s (ExternalName Service %s); what answers there is not simulated, 200 is assumed.", bs.Spec.ExternalName, backendPort(match.backend), svcKey(bs))}, nil
	}
	pr.backendGaps(bs, bsp)

	// Hop 2: the controller connects to the Service's endpoints.
	pr.service = svcKey(bs)
	eps := pr.m.endpoints(bs, bsp)
	pr.readinessUnsure(bs, eps)
	ip, _ := netip.ParseAddr(ctrl.Status.PodIP)
	from := Peer{Pod: ctrl, IP: ip}
	if ctrl.Spec.HostNetwork {
		from.Pod = nil
	}
	pr.note("Traefik connects to the endpoints of Service %s directly (port %s → targetPort %s on %s), not through its ClusterIP", svcKey(bs), portString(bsp), bsp.TargetPort.String(), countBackends(eps))
	c2 := &conn{sender: from, seenAs: from, svc: bs, legs: eps, proto: corev1.ProtocolTCP, what: "Service " + svcKey(bs)}
	v, rs := pr.connect(c2, "the ingress controller pod "+podKey(ctrl))
	switch v.outcome {
	case probe.Denied:
		v.status = 504
		v.reasons = append(v.reasons, "Traefik waits for the dropped connection and answers 504 Gateway Timeout")
		return v, nil
	case probe.Refused:
		v.status = 502
		v.reasons = append(v.reasons, "Traefik's connection is refused and it answers 502 Bad Gateway")
		return v, nil
	case probe.Connected:
	default:
		return v, nil
	}
	pr.answerHTTP(rs, reqPath, &v)
	if v.outcome == probe.Connected {
		v.summary = fmt.Sprintf("Connected: HTTP %d from %s through %s (Service %s).", v.status, v.backend, match.describe(), svcKey(bs))
	}
	return v, nil
}

// backendGaps finds what the model does not simulate about how Traefik
// talks to a backend Service: its traefik.ingress.kubernetes.io/service.*
// annotations, and HTTPS to the endpoints, which Traefik uses for a port
// 443 or a port whose name starts with "https".
func (pr *prober) backendGaps(s *corev1.Service, sp *corev1.ServicePort) {
	var keys []string
	for k := range s.Annotations {
		if rest, ok := strings.CutPrefix(k, traefikAnnotationPrefix); ok && strings.HasPrefix(strings.ToLower(rest), "service.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		what := fmt.Sprintf("Service %s sets %s, which the offline model does not simulate", svcKey(s), joinAnd(keys))
		pr.cannotGrade(what)
		pr.note("%s; the verdict below ignores it", what)
	}
	if sp.Port == 443 || strings.HasPrefix(sp.Name, "https") {
		what := fmt.Sprintf("Traefik talks HTTPS to the endpoints of Service %s port %s (a port 443 or a port named https…), which the offline model does not simulate", svcKey(s), portString(sp))
		pr.cannotGrade(what)
		pr.note("%s; the verdict below assumes plain HTTP", what)
	}
}

func backendService(b networkingv1.IngressBackend) string {
	if b.Service == nil {
		return "(none)"
	}
	return b.Service.Name
}

func backendPort(b networkingv1.IngressBackend) string {
	switch {
	case b.Service == nil:
		return "(none)"
	case b.Service.Port.Name != "":
		return b.Service.Port.Name
	}
	return fmt.Sprintf("%d", b.Service.Port.Number)
}

// toController routes the client to the ingress controller's Service: by
// ClusterIP from inside the cluster; from outside by its load balancer
// address or, while that is pending, its node port.
func (pr *prober) toController(s *corev1.Service) (*conn, error) {
	if pr.client.kind != probe.FromExternal {
		return pr.toService(s, 0)
	}
	sp, err := pr.m.servicePort(s, pr.spec.Port, corev1.ProtocolTCP)
	if err != nil {
		return nil, err
	}
	if s.Spec.Type == corev1.ServiceTypeLoadBalancer {
		if ip, _, ok := lbAddress(s); ok && ip.IsValid() {
			n, found := pr.m.nodeByIP(ip)
			if !found {
				n, _ = pr.firstNode()
			}
			pr.note("the external client reaches the ingress controller at its load balancer address %s:%d (Service %s)", ip, sp.Port, svcKey(s))
			return pr.viaExternal(s, sp, n, fmt.Sprintf("load balancer address %s:%d", ip, sp.Port))
		}
	}
	if sp.NodePort != 0 {
		n, ok := pr.firstNode()
		if !ok {
			return nil, refuse(probe.Unreachable, "Unreachable: the cluster has no node with an InternalIP.")
		}
		pr.note("the external client reaches the ingress controller at node port %s:%d (Service %s)", n.ip, sp.NodePort, svcKey(s))
		return pr.viaExternal(s, sp, n, fmt.Sprintf("node port %s:%d", n.ip, sp.NodePort))
	}
	return nil, refuse(probe.Unreachable, fmt.Sprintf("Unreachable: the ingress controller Service %s is type %s without an external address, so clients outside the cluster cannot reach it.", svcKey(s), serviceType(s)))
}

// controllerPod is the controller pod that handles the request: the first
// running pod matching the controller selector among the backends that
// admitted the connection.
func (pr *prober) controllerPod(rs []legResult) (*corev1.Pod, int) {
	ic := pr.m.opts.IngressController
	sel, err := metav1.LabelSelectorAsSelector(&ic.Selector)
	if err != nil {
		sel = labels.Nothing()
	}
	var fallback *legResult
	for i, r := range rs {
		if !r.ok() || r.ep.pod == nil {
			continue
		}
		if fallback == nil {
			fallback = &rs[i]
		}
		if r.ep.pod.Namespace == ic.Namespace && sel.Matches(labels.Set(r.ep.pod.Labels)) {
			return r.ep.pod, r.ep.port
		}
	}
	if fallback == nil {
		return nil, 0
	}
	return fallback.ep.pod, fallback.ep.port
}

// sanitizePath is the request path as Traefik's entrypoints clean it
// before routing (URL.JoinPath: repeated slashes, . and .. segments; a
// trailing slash stays); the query is kept.
func sanitizePath(reqPath string) string {
	u, err := url.Parse(reqPath)
	if err != nil || u.Path == "" {
		return reqPath
	}
	c := u.JoinPath()
	if c.Path == u.Path {
		return reqPath
	}
	return c.RequestURI()
}
