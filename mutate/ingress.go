package mutate

import (
	"fmt"
	"regexp"
	"strings"
)

func (g *gen) ingress(defaultClass string) {
	spec := asMap(g.obj["spec"])
	if spec == nil {
		return
	}
	sp := path{"spec"}
	rules := asList(spec["rules"])
	_, hasDefault := spec["defaultBackend"]

	type ruleRef struct {
		at   path
		host string
	}
	type pathRef struct {
		at path
		m  map[string]any
	}
	type backendRef struct {
		at  path // …backend.service
		svc map[string]any
	}
	var rs []ruleRef
	var paths []pathRef
	var backends []backendRef
	if svc := asMap(asMap(spec["defaultBackend"])["service"]); svc != nil {
		backends = append(backends, backendRef{sp.at("defaultBackend", "service"), svc})
	}
	for i, r := range rules {
		rm := asMap(r)
		if rm == nil {
			continue
		}
		rat := sp.at("rules", i)
		rs = append(rs, ruleRef{rat, str(rm["host"])})
		for j, p := range asList(asMap(rm["http"])["paths"]) {
			pm := asMap(p)
			if pm == nil {
				continue
			}
			pat := rat.at("http", "paths", j)
			paths = append(paths, pathRef{pat, pm})
			if svc := asMap(asMap(pm["backend"])["service"]); svc != nil {
				backends = append(backends, backendRef{pat.at("backend", "service"), svc})
			}
		}
	}

	if len(rules) >= 2 || hasDefault {
		for _, r := range rs {
			g.add("drop-rule", r.at, "rule removed", func(o map[string]any) { delPrune(o, r.at) })
		}
	}
	for _, r := range rs {
		ps := asList(asMap(asMap(lookup(g.obj, r.at))["http"])["paths"])
		if len(ps) < 2 {
			continue
		}
		for j := range ps {
			at := r.at.at("http", "paths", j)
			g.add("drop-path", at, "path "+str(asMap(ps[j])["path"])+" removed", func(o map[string]any) { delAt(o, at) })
		}
	}
	for _, r := range rs {
		if r.host != "" {
			at := r.at.at("host")
			g.add("drop-host", at, r.host+" removed (the rule matches every host)", func(o map[string]any) { delAt(o, at) })
		}
	}
	for _, r := range rs {
		labels := strings.Split(r.host, ".")
		if strings.HasPrefix(r.host, "*") || len(labels) < 3 {
			continue
		}
		at := r.at.at("host")
		nv := "*." + strings.Join(labels[1:], ".")
		g.add("wildcard-host", at, r.host+" → "+nv, func(o map[string]any) { setAt(o, at, nv) })
	}
	for _, r := range rs {
		if r.host == "" || strings.HasPrefix(r.host, "*") {
			continue
		}
		labels := strings.Split(r.host, ".")
		labels[0] += "x"
		nv := strings.Join(labels, ".")
		at := r.at.at("host")
		g.add("other-host", at, r.host+" → "+nv, func(o map[string]any) { setAt(o, at, nv) })
	}
	for _, p := range paths {
		from := str(p.m["pathType"])
		to, ok := swappedPathType[from]
		if !ok {
			continue
		}
		at := p.at.at("pathType")
		g.add("swap-path-type", at, from+" → "+to, func(o map[string]any) { setAt(o, at, to) })
	}
	pathEdit := func(op string, f func(string) (string, bool)) {
		for _, p := range paths {
			old, ok := p.m["path"].(string)
			if !ok {
				continue
			}
			nv, ok := f(old)
			if !ok || nv == old {
				continue
			}
			at := p.at.at("path")
			g.add(op, at, old+" → "+nv, func(o map[string]any) { setAt(o, at, nv) })
		}
	}
	pathEdit("shorten-path", shortenPath)
	pathEdit("extend-path", func(p string) (string, bool) { return strings.TrimRight(p, "/") + "/x", true })
	pathEdit("typo-path", typoPath)

	for _, b := range backends {
		if name := str(b.svc["name"]); name != "" {
			at := b.at.at("name")
			g.add("rename-backend", at, name+" → "+name+"x (no such Service)", func(o map[string]any) { setAt(o, at, name+"x") })
		}
	}
	for _, b := range backends {
		port := asMap(b.svc["port"])
		if n, ok := toInt(port["number"]); ok && n < 65535 {
			at := b.at.at("port", "number")
			g.add("shift-backend-port", at, fmt.Sprintf("%d → %d", n, n+1), func(o map[string]any) { setAt(o, at, numLike(port["number"], n+1)) })
		}
	}
	for _, b := range backends {
		if name := str(asMap(b.svc["port"])["name"]); name != "" {
			at := b.at.at("port", "name")
			g.add("rename-backend-port", at, name+" → "+name+"x (no such Service port)", func(o map[string]any) { setAt(o, at, name+"x") })
		}
	}
	if class, ok := spec["ingressClassName"].(string); ok {
		at := sp.at("ingressClassName")
		if class != defaultClass {
			what := class + " removed (no controller serves the Ingress)"
			if defaultClass != "" {
				what = class + " removed (the default IngressClass " + defaultClass + " applies)"
			}
			g.add("drop-ingress-class", at, what, func(o map[string]any) { delAt(o, at) })
		}
		if class != "" {
			g.add("other-ingress-class", at, class+" → x"+class+" (no controller serves it)", func(o map[string]any) { setAt(o, at, "x"+class) })
		}
	}
	if hasDefault && len(rules) > 0 {
		at := sp.at("defaultBackend")
		g.add("drop-default-backend", at, "removed", func(o map[string]any) { delAt(o, at) })
	}
	if tls := asList(spec["tls"]); len(tls) > 0 {
		at := sp.at("tls")
		g.add("drop-tls", at, "removed (no HTTPS)", func(o map[string]any) { delAt(o, at) })
		for i, t := range tls {
			for j, h := range asList(asMap(t)["hosts"]) {
				at := at.at(i, "hosts", j)
				g.add("drop-tls-host", at, str(h)+" removed", func(o map[string]any) { delPrune(o, at) })
			}
		}
	}
	g.ingressAnnotations(defaultClass, len(asList(spec["tls"])) > 0)
}

// Annotation prefixes of the two controllers ckadlab's Traefik runs.
const (
	nginxPrefix   = "nginx.ingress.kubernetes.io/"
	traefikPrefix = "traefik.ingress.kubernetes.io/"
)

// nginxClass is the IngressClass served with ingress-nginx semantics
// (ckadlab's clusters: Traefik's kubernetesIngressNGINX provider, like
// ingress-nginx's own default class name).
const nginxClass = "nginx"

// ingressAnnotations mutates the controller annotations of an Ingress that
// its controller reads: nginx.ingress.kubernetes.io/* on class nginx (its
// ingressClassName, else its kubernetes.io/ingress.class annotation, else
// the cluster's default class), traefik.ingress.kubernetes.io/* on any
// other class, and other *ingress.kubernetes.io/* keys on any class. An
// edit the controller would not notice is not made: an nginx annotation
// on a class that ignores it, use-regex next to a rewrite-target (which
// implies it), ssl-redirect without spec.tls or equal to its default.
func (g *gen) ingressAnnotations(defaultClass string, hasTLS bool) {
	ann := asMap(lookup(g.obj, path{"metadata", "annotations"}))
	class := str(lookup(g.obj, path{"spec", "ingressClassName"}))
	if class == "" {
		class = str(ann["kubernetes.io/ingress.class"])
	}
	if class == "" {
		class = defaultClass
	}
	onNginx := class == nginxClass
	isTrue := func(k string) bool { return strings.EqualFold(str(ann[nginxPrefix+k]), "true") }
	rewrite := strings.TrimSpace(str(ann[nginxPrefix+"rewrite-target"]))
	// matters: whether the annotation with value v changes routing, and
	// whether its boolean opposite would.
	matters := func(name, v string) (drop, flip bool) {
		b := strings.EqualFold(v, "true")
		switch name {
		case "use-regex":
			return b && rewrite == "", rewrite == ""
		case "ssl-redirect":
			return hasTLS && !b && !isTrue("force-ssl-redirect"), hasTLS && !isTrue("force-ssl-redirect")
		case "force-ssl-redirect":
			return b, true
		}
		return true, false
	}
	for _, k := range sortedKeys(ann) {
		at := path{"metadata", "annotations", k}
		v := str(ann[k])
		switch {
		case strings.HasPrefix(k, nginxPrefix):
			if !onNginx {
				continue
			}
			name := strings.TrimPrefix(k, nginxPrefix)
			drop, flip := matters(name, v)
			if drop {
				g.add("drop-annotation", at, "removed", func(o map[string]any) { delPrune(o, at) })
			}
			if flip {
				nv := "true"
				if strings.EqualFold(v, "true") {
					nv = "false"
				}
				g.add("flip-annotation", at, v+" → "+nv, func(o map[string]any) { setAt(o, at, nv) })
			}
			if name == "rewrite-target" {
				if nv, ok := otherCaptureGroup(v); ok {
					g.add("rewrite-target-group", at, v+" → "+nv, func(o map[string]any) { setAt(o, at, nv) })
				}
			}
		case strings.HasPrefix(k, traefikPrefix):
			if onNginx {
				continue
			}
			g.add("drop-annotation", at, "removed", func(o map[string]any) { delPrune(o, at) })
		case strings.Contains(k, "ingress.kubernetes.io/"):
			g.add("drop-annotation", at, "removed", func(o map[string]any) { delPrune(o, at) })
		}
	}
}

// captureRef is a capture group reference in a rewrite-target.
var captureRef = regexp.MustCompile(`\$([1-9])`)

// otherCaptureGroup moves the last capture group reference of a
// rewrite-target one group down ($2 → $1), or $1 up to $2: the classic
// slip with /something(/|$)(.*) → /$2.
func otherCaptureGroup(v string) (string, bool) {
	locs := captureRef.FindAllStringSubmatchIndex(v, -1)
	if len(locs) == 0 {
		return "", false
	}
	l := locs[len(locs)-1]
	n := v[l[2]] - '0'
	if n == 1 {
		n = 2
	} else {
		n--
	}
	return v[:l[2]] + string('0'+n) + v[l[3]:], true
}

var swappedPathType = map[string]string{"Prefix": "Exact", "Exact": "Prefix", "ImplementationSpecific": "Exact"}

// shortenPath drops the last segment: /api/v1 → /api, /api → /; not /.
func shortenPath(p string) (string, bool) {
	t := strings.TrimRight(p, "/")
	if t == "" || !strings.HasPrefix(t, "/") {
		return "", false
	}
	t = t[:strings.LastIndex(t, "/")]
	if t == "" {
		t = "/"
	}
	return t, true
}

// typoPath drops the last character of a path longer than 2 characters
// (/api → /ap); a trailing slash is not a character that counts.
func typoPath(p string) (string, bool) {
	t := strings.TrimRight(p, "/")
	if len(t) <= 2 {
		return "", false
	}
	t = t[:len(t)-1]
	if len(t) > 1 {
		t = strings.TrimRight(t, "/")
	}
	return t, true
}
