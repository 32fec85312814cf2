package netmodel

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// This file models Traefik 3.7.13's kubernetesIngressNGINX provider
// (pkg/provider/kubernetes/ingress-nginx: build.go, translator.go,
// middleware.go, annotations.go), which serves IngressClasses of
// controller k8s.io/ingress-nginx with ingress-nginx semantics:
//
//   - every path of a rule becomes a router whose rule is built like the
//     standard provider's (Host && Path, or the element-wise prefix
//     (Path || PathPrefix)), except that on a host where any Ingress sets
//     use-regex or rewrite-target, Prefix and ImplementationSpecific paths
//     become case-insensitive regular expressions PathRegexp("(?i)^PATH");
//     it sets no priority, so Traefik ranks routers by rule length;
//   - a path whose Service, Service port or endpoints are missing keeps its
//     router and answers 503 (an empty backend), as ingress-nginx does;
//   - spec.defaultBackend of an Ingress with rules becomes a catch-all
//     router Host(HOST) for each host of its rules; of an Ingress without
//     rules, the cluster-wide catch-all PathPrefix("/") of the lowest
//     priority (the first such Ingress by creation time);
//   - an Ingress with a Prefix or Exact path that has characters other than
//     letters, digits and . _ - / is rejected whole (strictValidatePathType),
//     and so is one with a *-snippet annotation (allowSnippetAnnotations
//     off);
//   - an Ingress with spec.tls answers plain HTTP requests with a 308
//     redirect to HTTPS (ssl-redirect, on by default; force-ssl-redirect
//     redirects without spec.tls too);
//   - rewrite-target rewrites the path the backend sees: the path
//     (as a case-insensitive regular expression) is replaced by the
//     annotation's value, capture groups $1, $2 … included.

const nginxAnnotationPrefix = "nginx.ingress.kubernetes.io/"

// The nginx.ingress.kubernetes.io annotations the model simulates.
const (
	nginxRewriteTarget    = nginxAnnotationPrefix + "rewrite-target"
	nginxUseRegex         = nginxAnnotationPrefix + "use-regex"
	nginxSSLRedirect      = nginxAnnotationPrefix + "ssl-redirect"
	nginxForceSSLRedirect = nginxAnnotationPrefix + "force-ssl-redirect"
	nginxCanary           = nginxAnnotationPrefix + "canary"
)

// nginxNoEffect are the annotations the provider reads that do not change
// which backend answers one plain GET request, nor its status: timeouts,
// buffers and body sizes, access logs, CORS headers (a GET without Origin),
// the Host header sent upstream, cookie affinity, retries. The model
// simulates them as no-ops.
var nginxNoEffect = map[string]bool{
	"proxy-connect-timeout": true, "proxy-read-timeout": true, "proxy-send-timeout": true,
	"proxy-body-size": true, "client-body-buffer-size": true, "proxy-buffering": true, "proxy-buffer-size": true,
	"proxy-buffers-number": true, "proxy-max-temp-file-size": true, "proxy-request-buffering": true,
	"proxy-http-version": true, "proxy-next-upstream": true, "proxy-next-upstream-tries": true,
	"proxy-next-upstream-timeout": true, "enable-access-log": true, "enable-cors": true,
	"cors-allow-credentials": true, "cors-expose-headers": true, "cors-allow-headers": true,
	"cors-allow-methods": true, "cors-allow-origin": true, "cors-max-age": true, "upstream-vhost": true,
	"affinity": true, "affinity-canary-behavior": true, "session-cookie-name": true, "session-cookie-secure": true,
	"session-cookie-path": true, "session-cookie-domain": true, "session-cookie-samesite": true,
	"session-cookie-max-age": true, "session-cookie-expires": true, "x-forwarded-prefix": true,
}

// nginxRead are the annotations Traefik 3.7.13's provider reads
// (IngressConfig in annotations.go); any other nginx.ingress.kubernetes.io
// annotation is ignored by it.
var nginxRead = map[string]bool{
	"auth-type": true, "auth-secret": true, "auth-realm": true, "auth-secret-type": true, "auth-url": true,
	"auth-signin": true, "auth-response-headers": true, "auth-snippet": true, "auth-method": true,
	"enable-global-auth": true, "auth-tls-secret": true, "auth-tls-verify-client": true,
	"auth-tls-pass-certificate-to-upstream": true, "force-ssl-redirect": true, "ssl-redirect": true,
	"ssl-passthrough": true, "use-regex": true, "rewrite-target": true, "app-root": true,
	"permanent-redirect": true, "permanent-redirect-code": true, "temporal-redirect": true,
	"temporal-redirect-code": true, "from-to-www-redirect": true, "server-alias": true, "affinity": true,
	"affinity-canary-behavior": true, "session-cookie-name": true, "session-cookie-secure": true,
	"session-cookie-path": true, "session-cookie-domain": true, "session-cookie-samesite": true,
	"session-cookie-max-age": true, "session-cookie-expires": true, "service-upstream": true,
	"upstream-hash-by": true, "backend-protocol": true, "proxy-ssl-secret": true, "proxy-ssl-verify": true,
	"proxy-ssl-name": true, "proxy-ssl-server-name": true, "proxy-connect-timeout": true,
	"proxy-read-timeout": true, "proxy-send-timeout": true, "proxy-next-upstream": true,
	"proxy-next-upstream-tries": true, "proxy-next-upstream-timeout": true, "proxy-http-version": true,
	"enable-cors": true, "cors-allow-credentials": true, "cors-expose-headers": true, "cors-allow-headers": true,
	"cors-allow-methods": true, "cors-allow-origin": true, "cors-max-age": true, "enable-access-log": true,
	"whitelist-source-range": true, "allowlist-source-range": true, "limit-rpm": true, "limit-rps": true,
	"limit-burst-multiplier": true, "limit-connections": true, "custom-headers": true, "upstream-vhost": true,
	"x-forwarded-prefix": true, "custom-http-errors": true, "default-backend": true,
	"proxy-request-buffering": true, "client-body-buffer-size": true, "proxy-body-size": true,
	"proxy-buffering": true, "proxy-buffer-size": true, "proxy-buffers-number": true,
	"proxy-max-temp-file-size": true, "configuration-snippet": true, "server-snippet": true, "canary": true,
	"canary-by-cookie": true, "canary-by-header": true, "canary-by-header-value": true,
	"canary-by-header-pattern": true, "canary-weight": true, "canary-weight-total": true,
	"enable-modsecurity": true, "enable-owasp-core-rules": true, "modsecurity-transaction-id": true,
	"modsecurity-snippet": true,
}

// nginxSnippets are the snippet annotations: the provider rejects an
// Ingress that sets one (non-empty) unless allowSnippetAnnotations is on.
var nginxSnippets = []string{"server-snippet", "configuration-snippet", "auth-snippet"}

// nginxConfig is an Ingress's nginx annotations as the provider reads
// them: booleans are true only for "true" (any case), anything else is
// false.
type nginxConfig struct {
	rewriteTarget    string // "" when unset
	useRegex         bool
	sslRedirect      *bool // nil: unset (true with spec.tls)
	forceSSLRedirect bool
	canary           bool
	snippets         []string // snippet annotations set (non-empty)
	unmodelled       []string // read by the provider, not simulated: ungradable
	ignored          []string // not read by the provider at all
	noEffect         []string // read, but no effect on one plain request (nginxNoEffect)
}

func parseNginxConfig(ing *networkingv1.Ingress) nginxConfig {
	var c nginxConfig
	keys := make([]string, 0, len(ing.Annotations))
	for k := range ing.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	isTrue := func(v string) bool { return strings.EqualFold(v, "true") }
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, nginxAnnotationPrefix)
		if !ok {
			continue
		}
		v := ing.Annotations[k]
		switch {
		case !nginxRead[name]:
			c.ignored = append(c.ignored, k)
		case name == "rewrite-target":
			c.rewriteTarget = v
		case name == "use-regex":
			c.useRegex = isTrue(v)
		case name == "ssl-redirect":
			b := isTrue(v)
			c.sslRedirect = &b
		case name == "force-ssl-redirect":
			c.forceSSLRedirect = isTrue(v)
		case name == "canary":
			c.canary = isTrue(v)
			if c.canary {
				c.unmodelled = append(c.unmodelled, k)
			}
		case slices.Contains(nginxSnippets, name):
			if v != "" {
				c.snippets = append(c.snippets, k)
			}
		case name == "backend-protocol" && strings.EqualFold(strings.TrimSpace(v), "http"):
			c.noEffect = append(c.noEffect, k)
		case nginxNoEffect[name]:
			c.noEffect = append(c.noEffect, k)
		default:
			c.unmodelled = append(c.unmodelled, k)
		}
	}
	return c
}

// strictPathTypeRe is ingress-nginx's (and the provider's) check of a
// Prefix or Exact path under strictValidatePathType.
var strictPathTypeRe = regexp.MustCompile(`(?i)^/[[:alnum:]._\-/]*$`)

// nginxRejects says why the provider rejects an Ingress whole ("" when it
// does not).
func nginxRejects(c *nginxProviderConfig, ing *networkingv1.Ingress, cfg nginxConfig) string {
	key := ing.Namespace + "/" + ing.Name
	if !c.allowSnippets && len(cfg.snippets) > 0 {
		return fmt.Sprintf("Traefik's kubernetesIngressNGINX provider rejects the whole Ingress %s: it sets %s, and snippet annotations are not allowed (allowSnippetAnnotations is off)", key, joinAnd(cfg.snippets))
	}
	if !c.strictPathType {
		return ""
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for i := range rule.HTTP.Paths {
			p := &rule.HTTP.Paths[i]
			pt := networkingv1.PathTypePrefix
			if p.PathType != nil {
				pt = *p.PathType
			}
			if p.Path == "" || pt == networkingv1.PathTypeImplementationSpecific || strictPathTypeRe.MatchString(p.Path) {
				continue
			}
			return fmt.Sprintf("Traefik's kubernetesIngressNGINX provider rejects the whole Ingress %s (all its paths): path %s is %s and has characters other than letters, digits, '.', '_', '-' and '/' (strictValidatePathType, as in ingress-nginx); a regular expression needs pathType ImplementationSpecific", key, p.Path, pt)
		}
	}
	return ""
}

// nginxRule is the provider's router rule for a path (buildRule): Host,
// then Exact → Path, Prefix and ImplementationSpecific → the element-wise
// prefix, or PathRegexp("(?i)^PATH") on a host with use-regex.
func nginxRule(host, path string, pt networkingv1.PathType, useRegex bool) string {
	var parts []string
	if host != "" {
		parts = append(parts, fmt.Sprintf("Host(%q)", host))
	}
	switch {
	case path == "":
	case pt == networkingv1.PathTypeExact:
		parts = append(parts, fmt.Sprintf("Path(%q)", path))
	case useRegex:
		parts = append(parts, fmt.Sprintf("PathRegexp(%q)", "(?i)^"+path))
	case path == "/":
		parts = append(parts, `PathPrefix("/")`)
	default:
		p := strings.TrimSuffix(path, "/")
		parts = append(parts, fmt.Sprintf("(Path(%q) || PathPrefix(%q))", p, p+"/"))
	}
	return strings.Join(parts, " && ")
}

// rewriteTarget is the provider's rewrite-target middleware.
type rewriteTarget struct {
	re          *regexp.Regexp // "(?i)" + the location path; nil for a defaultBackend (no path)
	replacement string
}

// captureRefs are $1, $2 … in a replacement: without a regular expression
// (a defaultBackend's router has no path) Traefik drops them.
var captureRefs = regexp.MustCompile(`\$[0-9]+`)

// newRewrite is the rewrite-target middleware of a location with path
// (nil when the provider adds none: no annotation, or the annotation
// equals the path).
func newRewrite(target, path string) (*rewriteTarget, error) {
	if target == "" || target == path {
		return nil, nil
	}
	rw := &rewriteTarget{replacement: strings.TrimSpace(target)}
	if path == "" {
		return rw, nil
	}
	re, err := regexp.Compile("(?i)" + strings.TrimSpace(path))
	if err != nil {
		return nil, err
	}
	rw.re = re
	return rw, nil
}

// apply is the path (with the query) the backend receives for reqPath,
// or the status Traefik answers instead (500 for an empty result, 400
// when the result is not a clean path), with why.
func (rw *rewriteTarget) apply(reqPath string) (string, int, string) {
	p, query, hasQuery := strings.Cut(reqPath, "?")
	var np, how string
	switch {
	case rw.re == nil:
		np = captureRefs.ReplaceAllString(rw.replacement, "")
		how = "the whole path replaced: the defaultBackend's router has no path to match"
	case !rw.re.MatchString(p):
		return reqPath, 0, fmt.Sprintf("rewrite-target: the regular expression %s does not match %s, so the path is not rewritten", rw.re, p)
	default:
		np = rw.re.ReplaceAllString(p, rw.replacement)
		how = fmt.Sprintf("every match of %s replaced", rw.re)
	}
	if np == "" {
		return "", 500, fmt.Sprintf("rewrite-target: %s rewritten by %s to %q is empty: Traefik answers 500", p, rw.re, rw.replacement)
	}
	// Traefik sets the raw path to the result, unescapes it, and refuses
	// a path that cleaning (URL.JoinPath) would change.
	u := &url.URL{RawPath: np}
	var err error
	if u.Path, err = url.PathUnescape(np); err != nil {
		return "", 500, fmt.Sprintf("rewrite-target: %s rewritten to %s cannot be unescaped: Traefik answers 500", p, np)
	}
	if clean := u.JoinPath(); clean.Path != u.Path {
		return "", 400, fmt.Sprintf("rewrite-target: %s rewrites %s to %s, which is not a clean path (Traefik would make it %s): Traefik answers 400 Bad Request", rw.re, p, np, clean.Path)
	}
	if hasQuery {
		np += "?" + query
	}
	return np, 0, fmt.Sprintf("rewrite-target %q: Traefik rewrites the path %s to %s (%s), so the backend sees GET %s", rw.replacement, p, strings.SplitN(np, "?", 2)[0], how, np)
}

// nginxRoutes builds the routers of the kubernetesIngressNGINX provider
// from the Ingresses it picks up, in the provider's order.
func (m *Model) nginxRoutes(cfg *traefikConfig, ings []*networkingv1.Ingress, order *int) (routes []*ingressMatch, notes []ingressNote) {
	pc := cfg.nginx
	type entry struct {
		ing *networkingv1.Ingress
		cfg nginxConfig
	}
	var regular []entry
	useRegexHost := map[string]bool{}
	for _, ing := range ingressCreationOrder(ings) {
		c := parseNginxConfig(ing)
		if why := nginxRejects(pc, ing, c); why != "" {
			notes = append(notes, ingressNote{ing, why})
			continue
		}
		if c.canary {
			// A canary Ingress adds no router of its own; the model does
			// not simulate its weights (ingressGaps marks it).
			continue
		}
		for _, rule := range ing.Spec.Rules {
			if c.useRegex || c.rewriteTarget != "" {
				useRegexHost[rule.Host] = true
			}
		}
		regular = append(regular, entry{ing, c})
	}
	opts := &routerOptions{entryPoints: cfg.nginxPlainEntryPoints()}
	var dflt *ingressMatch
	for _, e := range regular {
		ing, c := e.ing, e.cfg
		hasTLS := len(ing.Spec.TLS) > 0
		redirect := c.forceSSLRedirect || (hasTLS && (c.sslRedirect == nil || *c.sslRedirect))
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for i := range rule.HTTP.Paths {
				p := &rule.HTTP.Paths[i]
				if p.Backend.Service == nil {
					continue
				}
				*order++
				pt := pathTypeOf(p)
				regex := useRegexHost[rule.Host] && pt != networkingv1.PathTypeExact
				r := &ingressMatch{ing: ing, backend: p.Backend, hostRank: hostRankOf(rule.Host), host: rule.Host, path: p.Path,
					pathType: pt, order: *order, provider: providerNGINX, opts: opts, cfg: cfg, redirectHTTPS: redirect,
					rule: nginxRule(rule.Host, p.Path, pt, regex)}
				r.priority = len(r.rule)
				if regex && p.Path != "" {
					r.regex = true
					re, err := regexp.Compile("(?i)^" + p.Path)
					if err != nil {
						r.skipped = fmt.Sprintf("its router rule %s is not a valid regular expression (%v), so Traefik refuses the router", r.rule, err)
					}
					r.re = re
				}
				if rw, err := newRewrite(c.rewriteTarget, p.Path); err != nil && r.skipped == "" {
					r.skipped = fmt.Sprintf("its rewrite-target middleware does not build: the path %s is not a valid regular expression (%v), so Traefik refuses the router", p.Path, err)
				} else {
					r.rewrite = rw
				}
				if r.rule == "" {
					r.skipped = "the path has neither host nor path, so its router rule would be empty"
				}
				routes = append(routes, r)
			}
		}
		b := ing.Spec.DefaultBackend
		if b == nil || b.Service == nil {
			continue
		}
		if len(ing.Spec.Rules) == 0 {
			*order++
			d := &ingressMatch{ing: ing, backend: *b, isDefault: true, order: *order, rule: `PathPrefix("/")`, priority: math.MinInt32,
				provider: providerNGINX, opts: opts, cfg: cfg, redirectHTTPS: redirect}
			d.rewrite, _ = newRewrite(c.rewriteTarget, "")
			if dflt != nil {
				d.skipped = fmt.Sprintf("the kubernetesIngressNGINX provider keeps one default backend for the whole cluster, and %s (created earlier) already is it", dflt.describe())
			} else {
				dflt = d
			}
			routes = append(routes, d)
			continue
		}
		// The provider names a defaultBackend's router after the Ingress,
		// not the host: each host's catch-all replaces the one before, and
		// only the host the rules introduce last keeps it (measured live:
		// hosts x, y, z, x → z only).
		var hosts []string
		for _, rule := range ing.Spec.Rules {
			if !slices.Contains(hosts, rule.Host) {
				hosts = append(hosts, rule.Host)
			}
		}
		last := hosts[len(hosts)-1]
		for _, host := range hosts {
			*order++
			d := &ingressMatch{ing: ing, backend: *b, hostDefault: true, hostRank: hostRankOf(host), host: host, order: *order,
				provider: providerNGINX, opts: opts, cfg: cfg, redirectHTTPS: redirect, rule: nginxRule(host, "", "", false)}
			d.priority = len(d.rule)
			d.rewrite, _ = newRewrite(c.rewriteTarget, "")
			switch {
			case host != last:
				d.skipped = fmt.Sprintf("the kubernetesIngressNGINX provider names a defaultBackend's router after the Ingress, so the catch-all of the host its rules introduce last (%s) replaces this one: only that host falls back to the defaultBackend (put each host's default backend in an Ingress of its own)", orAnyHost(last))
			case d.rule == "":
				d.skipped = "a rule without host gets a catch-all router without any rule, which Traefik refuses"
			}
			routes = append(routes, d)
		}
	}
	return routes, notes
}

func hostRankOf(host string) int {
	switch {
	case host == "":
		return 0
	case strings.HasPrefix(host, "*."):
		return 1
	}
	return 2
}

// nginxGaps lists what the model does not simulate about an Ingress the
// kubernetesIngressNGINX provider serves, and notes what it ignores.
func nginxGaps(pc *nginxProviderConfig, ing *networkingv1.Ingress) (unmodelled, ignored, noEffect []string) {
	c := parseNginxConfig(ing)
	noEffect = c.noEffect
	unmodelled = c.unmodelled
	if pc.allowSnippets {
		unmodelled = append(unmodelled, c.snippets...)
	}
	if strings.Contains(c.rewriteTarget, "://") {
		if u, err := url.Parse(strings.TrimSpace(c.rewriteTarget)); err == nil && u.Scheme != "" {
			unmodelled = append(unmodelled, nginxRewriteTarget+" (an absolute URL: a 302 redirect)")
		}
	}
	sort.Strings(unmodelled)
	return unmodelled, c.ignored, noEffect
}

// redirectHTTPS is the answer of a plain HTTP router that only redirects
// to HTTPS (ssl-redirect with spec.tls, or force-ssl-redirect): 308 to the
// same host and path on https (RedirectScheme, ForcePermanentRedirect).
func (pr *prober) redirectHTTPS(match *ingressMatch, req ingressRequest) verdict {
	host := req.host
	if host == "" {
		host = "(the request's Host)"
	}
	why := fmt.Sprintf("Ingress %s/%s has spec.tls, so the kubernetesIngressNGINX provider redirects its plain HTTP requests to HTTPS (annotation %s, true by default)", match.ing.Namespace, match.ing.Name, nginxSSLRedirect)
	if c := parseNginxConfig(match.ing); c.forceSSLRedirect {
		why = fmt.Sprintf("Ingress %s/%s sets %s: \"true\", so the kubernetesIngressNGINX provider redirects its plain HTTP requests to HTTPS", match.ing.Namespace, match.ing.Name, nginxForceSSLRedirect)
	}
	loc := "https://" + host + req.path
	return verdict{outcome: probe.Connected, status: http.StatusPermanentRedirect,
		summary: fmt.Sprintf("Connected: Traefik answers 308 Permanent Redirect to %s; no backend is contacted.", loc),
		reasons: []string{why + "; set " + nginxSSLRedirect + ": \"false\" to serve plain HTTP too"}}
}

// nginxBackend resolves a backend as the kubernetesIngressNGINX provider
// does (getBackendEndpoints): the Service in the Ingress's namespace; its
// port whose number or name the backend gives (a backend without port
// takes the first); the ready endpoints of that port. What is missing is
// the reason of a 503 (ending in noEndpoints for a Service without
// endpoints). An ExternalName Service is proxied to its DNS name, which
// the model does not simulate.
func (pr *prober) nginxBackend(ing *networkingv1.Ingress, b networkingv1.IngressBackend) (*corev1.Service, *corev1.ServicePort, string) {
	m := pr.m
	key := ing.Namespace + "/" + b.Service.Name
	s := m.services[key]
	if s == nil {
		return nil, nil, fmt.Sprintf("Service %s does not exist (an Ingress can only name Services in its own namespace)", key)
	}
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		if cfg := m.readTraefikConfig(); cfg.nginx != nil && cfg.nginx.disableExternal {
			return nil, nil, fmt.Sprintf("Service %s is an ExternalName, and the provider's disableSvcExternalName refuses it", key)
		}
		// The provider proxies to the DNS name, on the port the backend
		// names (declared or not).
		pr.cannotGrade(fmt.Sprintf("Traefik's kubernetesIngressNGINX provider proxies to the DNS name of the ExternalName Service %s, which the offline model does not simulate", key))
		return s, nil, ""
	}
	var sp *corev1.ServicePort
	for i := range s.Spec.Ports {
		p := &s.Spec.Ports[i]
		if (b.Service.Port.Number == 0 && b.Service.Port.Name == "") || b.Service.Port.Number == p.Port || (b.Service.Port.Name != "" && b.Service.Port.Name == p.Name) {
			sp = p
			break
		}
	}
	if sp == nil {
		return s, nil, m.noBackendPort(s, b, key)
	}
	if len(m.endpoints(s, sp)) == 0 {
		return s, sp, m.whyNoEndpoints(s, sp) + " " + noEndpoints
	}
	return s, sp, ""
}
