package netmodel

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// This file reads which Kubernetes providers the ingress controller's
// Traefik runs, from the flags of its pod, and decides which provider
// picks up an Ingress. Traefik 3.7 has two that serve Ingress objects:
//
//   - kubernetesIngress (the standard provider, Traefik's own semantics and
//     traefik.ingress.kubernetes.io/* annotations), for IngressClasses whose
//     controller is traefik.io/ingress-controller;
//   - kubernetesIngressNGINX (ingress-nginx semantics and
//     nginx.ingress.kubernetes.io/* annotations), for IngressClasses whose
//     controller is k8s.io/ingress-nginx.
//
// Both feed one router table per entrypoint, so the routes of the two
// compete by priority as any Traefik routers do.

// ingressProvider names a Traefik provider of Ingress objects.
type ingressProvider int

const (
	providerTraefik ingressProvider = iota + 1 // kubernetesIngress
	providerNGINX                              // kubernetesIngressNGINX
)

const (
	traefikControllerName = "traefik.io/ingress-controller"
	nginxControllerName   = "k8s.io/ingress-nginx"
)

// traefikConfig is what the model reads from the flags of the ingress
// controller's Traefik container.
type traefikConfig struct {
	pod         string // NS/NAME of the pod the flags come from ("" when none was found)
	std         *stdProviderConfig
	nginx       *nginxProviderConfig
	entryPoints map[string]entryPointConfig // lower-cased name → options
}

// stdProviderConfig is the kubernetesIngress provider's configuration.
type stdProviderConfig struct {
	ingressClass string // --providers.kubernetesingress.ingressClass ("" by default)
}

// nginxProviderConfig is the kubernetesIngressNGINX provider's
// configuration (Traefik 3.7.13's options that change routing).
type nginxProviderConfig struct {
	ingressClass       string // annotation value and, with classByName, IngressClass name ("nginx")
	controllerClass    string // IngressClass spec.controller it implements ("k8s.io/ingress-nginx")
	watchWithoutClass  bool   // also take an Ingress without class and annotation
	classByName        bool   // also take the IngressClass named ingressClass whatever its controller
	strictPathType     bool   // reject an Ingress whose Prefix/Exact path has regex characters (default true)
	allowSnippets      bool   // allow *-snippet annotations (default false: such an Ingress is rejected)
	disableExternal    bool   // refuse ExternalName Services
	httpEntryPoint     string // entrypoint of the plain HTTP routers ("": every entrypoint without TLS)
	httpsEntryPoint    string // entrypoint of the TLS routers ("": every entrypoint)
	unmodelledSettings []string
}

// entryPointConfig is what the model knows of an entrypoint.
type entryPointConfig struct {
	tls       bool // --entryPoints.NAME.http.tls: every router on it terminates TLS
	asDefault bool // --entryPoints.NAME.asDefault
}

// nginxSettingsHarmless are kubernetesIngressNGINX options that do not
// change which backend answers a plain request or with which status (they
// tune timeouts, buffers, status publication, the API connection).
var nginxSettingsHarmless = map[string]bool{
	"enabled": true, "endpoint": true, "token": true, "certauthfilepath": true, "throttleduration": true,
	"publishservice": true, "publishstatusaddress": true, "proxyconnecttimeout": true, "proxyreadtimeout": true,
	"proxysendtimeout": true, "upstreamkeepalivetimeout": true, "proxybodysize": true, "clientbodybuffersize": true,
	"proxybuffersize": true, "proxybuffersnumber": true, "proxybuffering": true, "proxyrequestbuffering": true,
	"globalallowedresponseheaders": true, "ipallowliststrategy": true, "proxynextupstream": true,
	"proxynextupstreamtries": true, "proxynextupstreamtimeout": true, "allowcrossnamespaceresources": true,
}

// readTraefikConfig reads the providers and entrypoints from the flags of
// the first running controller pod (IngressController selector in its
// namespace). Without such a pod it falls back to the standard provider
// alone (the model's behaviour before the controller said more).
func (m *Model) readTraefikConfig() *traefikConfig {
	ic := m.opts.IngressController
	sel, err := metav1.LabelSelectorAsSelector(&ic.Selector)
	if err != nil {
		sel = labels.Nothing()
	}
	for _, p := range m.pods {
		if p.Namespace != ic.Namespace || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		for _, c := range p.Spec.Containers {
			if !isTraefikImage(c.Image) {
				continue
			}
			cfg := parseTraefikFlags(append(append([]string{}, c.Command...), c.Args...))
			cfg.pod = podKey(p)
			return cfg
		}
	}
	return &traefikConfig{std: &stdProviderConfig{}, entryPoints: map[string]entryPointConfig{}}
}

// parseTraefikFlags reads Traefik's static configuration flags (keys are
// case-insensitive; a flag without a value is a boolean true; a value may
// also follow as the next argument).
func parseTraefikFlags(argv []string) *traefikConfig {
	cfg := &traefikConfig{entryPoints: map[string]entryPointConfig{}}
	var nginxOn, stdOn *bool
	nginx := &nginxProviderConfig{ingressClass: "nginx", controllerClass: nginxControllerName, strictPathType: true}
	std := &stdProviderConfig{}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		k, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		lk := strings.ToLower(k)
		if !hasValue && i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") {
			v, hasValue = argv[i+1], true
			i++
		}
		flagBool := func() bool { return !hasValue || strings.EqualFold(strings.TrimSpace(v), "true") }
		switch {
		case lk == "providers.kubernetesingress":
			b := flagBool()
			stdOn = &b
		case strings.HasPrefix(lk, "providers.kubernetesingress."):
			if stdOn == nil {
				b := true
				stdOn = &b
			}
			if strings.TrimPrefix(lk, "providers.kubernetesingress.") == "ingressclass" {
				std.ingressClass = v
			}
		case lk == "providers.kubernetesingressnginx":
			b := flagBool()
			nginxOn = &b
		case strings.HasPrefix(lk, "providers.kubernetesingressnginx."):
			if nginxOn == nil {
				b := true
				nginxOn = &b
			}
			switch opt := strings.TrimPrefix(lk, "providers.kubernetesingressnginx."); opt {
			case "ingressclass":
				nginx.ingressClass = v
			case "controllerclass":
				nginx.controllerClass = v
			case "watchingresswithoutclass":
				nginx.watchWithoutClass = flagBool()
			case "ingressclassbyname":
				nginx.classByName = flagBool()
			case "strictvalidatepathtype":
				nginx.strictPathType = flagBool()
			case "allowsnippetannotations":
				nginx.allowSnippets = flagBool()
			case "disablesvcexternalname":
				nginx.disableExternal = flagBool()
			case "httpentrypoint":
				nginx.httpEntryPoint = strings.ToLower(v)
			case "httpsentrypoint":
				nginx.httpsEntryPoint = strings.ToLower(v)
			default:
				if !nginxSettingsHarmless[strings.SplitN(opt, ".", 2)[0]] {
					nginx.unmodelledSettings = append(nginx.unmodelledSettings, "--"+k)
				}
			}
		case strings.HasPrefix(lk, "entrypoints."):
			rest := strings.TrimPrefix(lk, "entrypoints.")
			name, opt, ok := strings.Cut(rest, ".")
			if !ok {
				continue
			}
			ep := cfg.entryPoints[name]
			switch {
			case opt == "address":
			case opt == "http.tls" || strings.HasPrefix(opt, "http.tls."):
				ep.tls = opt != "http.tls" || flagBool()
			case opt == "asdefault":
				ep.asDefault = flagBool()
			default:
				continue
			}
			cfg.entryPoints[name] = ep
		}
	}
	if stdOn != nil && *stdOn {
		cfg.std = std
	}
	if nginxOn != nil && *nginxOn {
		sort.Strings(nginx.unmodelledSettings)
		cfg.nginx = nginx
	}
	if len(cfg.entryPoints) == 0 {
		cfg.entryPoints = map[string]entryPointConfig{"web": {}, "websecure": {}}
	}
	return cfg
}

// nginxPlainEntryPoints are the entrypoints of the kubernetesIngressNGINX
// provider's plain HTTP routers: its httpEntryPoint, else every entrypoint
// without TLS (only those marked asDefault if any is), except Traefik's
// internal one.
func (c *traefikConfig) nginxPlainEntryPoints() []string {
	if ep := c.nginx.httpEntryPoint; ep != "" {
		return []string{ep}
	}
	anyDefault := false
	for _, ep := range c.entryPoints {
		anyDefault = anyDefault || ep.asDefault
	}
	var out []string
	for name, ep := range c.entryPoints {
		if name == "traefik" || ep.tls || (anyDefault && !ep.asDefault) {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// nginxTLSEntryPoints are the entrypoints of the kubernetesIngressNGINX
// provider's TLS routers: its httpsEntryPoint, else nil (every
// entrypoint).
func (c *traefikConfig) nginxTLSEntryPoints() []string {
	if ep := c.nginx.httpsEntryPoint; ep != "" {
		return []string{ep}
	}
	return nil
}

// ingressClassDesc says which provider serves an IngressClass's
// controller, for messages.
func providerDesc(p ingressProvider) string {
	if p == providerNGINX {
		return "Traefik's kubernetesIngressNGINX provider"
	}
	return "Traefik's kubernetesIngress provider"
}

// servedBy lists the providers that pick up an Ingress, and says why none
// does when the list is empty. The rules are Traefik 3.7.13's:
// kubernetesIngress takes an Ingress whose ingressClassName names an
// IngressClass of controller traefik.io/ingress-controller (and, with its
// ingressClass option, of that name); without ingressClassName, one whose
// kubernetes.io/ingress.class annotation equals its ingressClass option
// (an empty option takes no annotation and "traefik").
// kubernetesIngressNGINX takes an Ingress whose ingressClassName names an
// IngressClass of its controllerClass (when such classes exist); else one
// whose annotation equals its ingressClass; else, with
// watchIngressWithoutClass, any.
func (m *Model) servedBy(cfg *traefikConfig, ing *networkingv1.Ingress) ([]ingressProvider, string) {
	var out []ingressProvider
	if cfg.std != nil && m.stdTakes(cfg.std, ing) {
		out = append(out, providerTraefik)
	}
	if cfg.nginx != nil && m.nginxTakes(cfg.nginx, ing) {
		out = append(out, providerNGINX)
	}
	if len(out) > 0 {
		return out, ""
	}
	return nil, m.whyNotServed(cfg, ing)
}

func (m *Model) stdTakes(c *stdProviderConfig, ing *networkingv1.Ingress) bool {
	if n := ing.Spec.IngressClassName; n != nil {
		ic := m.classes[*n]
		return ic != nil && ic.Spec.Controller == traefikControllerName && (c.ingressClass == "" || c.ingressClass == ic.Name)
	}
	a := ing.Annotations[legacyClassAnnotation]
	return a == c.ingressClass || (c.ingressClass == "" && a == "traefik")
}

// nginxClasses are the IngressClasses the kubernetesIngressNGINX
// provider implements, sorted by name.
func (m *Model) nginxClasses(c *nginxProviderConfig) []*networkingv1.IngressClass {
	names := make([]string, 0, len(m.classes))
	for n := range m.classes {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*networkingv1.IngressClass
	for _, n := range names {
		ic := m.classes[n]
		if c.classByName && ic.Name == c.ingressClass {
			return append(out, ic)
		}
		if ic.Spec.Controller == c.controllerClass {
			out = append(out, ic)
		}
	}
	return out
}

func (m *Model) nginxTakes(c *nginxProviderConfig, ing *networkingv1.Ingress) bool {
	if classes := m.nginxClasses(c); len(classes) > 0 && ing.Spec.IngressClassName != nil {
		for _, ic := range classes {
			if ic.Name == *ing.Spec.IngressClassName {
				return true
			}
		}
		return false
	}
	if a, ok := ing.Annotations[legacyClassAnnotation]; ok {
		return a == c.ingressClass
	}
	return c.watchWithoutClass
}

// classesServed describes the IngressClasses the controller serves, e.g.
// "nginx (Traefik's kubernetesIngressNGINX provider, the default class)
// and traefik (Traefik's kubernetesIngress provider)".
func (m *Model) classesServed(cfg *traefikConfig) string {
	var parts []string
	names := make([]string, 0, len(m.classes))
	for n := range m.classes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ic := m.classes[n]
		probe := &networkingv1.Ingress{Spec: networkingv1.IngressSpec{IngressClassName: &ic.Name}}
		var who []string
		if cfg.std != nil && m.stdTakes(cfg.std, probe) {
			who = append(who, providerDesc(providerTraefik))
		}
		if cfg.nginx != nil && m.nginxTakes(cfg.nginx, probe) {
			who = append(who, providerDesc(providerNGINX))
		}
		if len(who) == 0 {
			continue
		}
		d := strings.Join(who, " and ")
		if isDefaultClass(ic) {
			d += ", the default class"
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", n, d))
	}
	if len(parts) == 0 {
		return "none"
	}
	return joinAnd(parts)
}

func isDefaultClass(ic *networkingv1.IngressClass) bool {
	return ic.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true"
}

// defaultClass is the name of the default IngressClass ("" when none).
func (m *Model) defaultClass() string {
	var names []string
	for n, ic := range m.classes {
		if isDefaultClass(ic) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// whyNotServed explains why no provider picks up an Ingress.
func (m *Model) whyNotServed(cfg *traefikConfig, ing *networkingv1.Ingress) string {
	key := ing.Namespace + "/" + ing.Name
	served := "the controller here serves IngressClass " + m.classesServed(cfg)
	if n := ing.Spec.IngressClassName; n != nil {
		ic := m.classes[*n]
		switch {
		case ic == nil:
			return fmt.Sprintf("Ingress %s has ingressClassName %s, but no IngressClass %s exists, so no controller serves it; %s", key, *n, *n, served)
		case ic.Spec.Controller == nginxControllerName && cfg.nginx == nil:
			return fmt.Sprintf("Ingress %s has ingressClassName %s (controller %s), but the controller here does not run the kubernetesIngressNGINX provider, so nothing serves it; %s", key, *n, ic.Spec.Controller, served)
		}
		return fmt.Sprintf("Ingress %s has ingressClassName %s (controller %s); %s, so it ignores it", key, *n, ic.Spec.Controller, served)
	}
	if a, ok := ing.Annotations[legacyClassAnnotation]; ok {
		return fmt.Sprintf("Ingress %s has the annotation %s: %s, which no provider here takes; %s", key, legacyClassAnnotation, a, served)
	}
	fix := ""
	if d := m.defaultClass(); d != "" {
		fix = fmt.Sprintf(" (the API server gives an Ingress created without a class the default class %s; this one was created before that class was the default)", d)
	}
	return fmt.Sprintf("Ingress %s has no ingressClassName and no %s annotation, and neither provider takes such an Ingress%s; %s; set ingressClassName", key, legacyClassAnnotation, fix, served)
}

// controllerOfClassDesc is used by messages about a route: "class nginx
// (Traefik's kubernetesIngressNGINX provider)".
func classOf(ing *networkingv1.Ingress) string {
	if n := ing.Spec.IngressClassName; n != nil {
		return "class " + *n
	}
	if a, ok := ing.Annotations[legacyClassAnnotation]; ok {
		return legacyClassAnnotation + " " + strconv.Quote(a)
	}
	return "no class"
}

// ingressCreationOrder sorts Ingresses as the kubernetesIngressNGINX
// provider processes them: by creation time, ties by descending
// namespace/name.
func ingressCreationOrder(ings []*networkingv1.Ingress) []*networkingv1.Ingress {
	out := append([]*networkingv1.Ingress(nil), ings...)
	sort.SliceStable(out, func(a, b int) bool {
		ta, tb := out[a].CreationTimestamp, out[b].CreationTimestamp
		if ta.Equal(&tb) {
			return out[a].Namespace+"/"+out[a].Name > out[b].Namespace+"/"+out[b].Name
		}
		return ta.Before(&tb)
	})
	return out
}
