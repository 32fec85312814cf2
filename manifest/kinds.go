package manifest

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// KindInfo describes one kind ckadlab reads: how kubectl names it and
// whether it lives in a namespace.
type KindInfo struct {
	Group      string // "" for the core group
	Version    string
	Kind       string // as written in manifests, e.g. "NetworkPolicy"
	Plural     string // resource name, e.g. "networkpolicies"
	Short      []string
	Namespaced bool
	// Manifest is false for kinds that clusters have but manifests cannot
	// create here (Node).
	Manifest bool
	new      func() runtime.Object
}

// APIVersion is "v1" or "group/version".
func (k KindInfo) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// New returns an empty typed object of this kind.
func (k KindInfo) New() runtime.Object { return k.new() }

var kinds = []KindInfo{
	{Version: "v1", Kind: "Namespace", Plural: "namespaces", Short: []string{"ns"}, Manifest: true, new: func() runtime.Object { return &corev1.Namespace{} }},
	{Version: "v1", Kind: "Pod", Plural: "pods", Short: []string{"po"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &corev1.Pod{} }},
	{Version: "v1", Kind: "Service", Plural: "services", Short: []string{"svc"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &corev1.Service{} }},
	{Version: "v1", Kind: "ConfigMap", Plural: "configmaps", Short: []string{"cm"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &corev1.ConfigMap{} }},
	{Version: "v1", Kind: "Secret", Plural: "secrets", Namespaced: true, Manifest: true, new: func() runtime.Object { return &corev1.Secret{} }},
	{Version: "v1", Kind: "ServiceAccount", Plural: "serviceaccounts", Short: []string{"sa"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &corev1.ServiceAccount{} }},
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	{Version: "v1", Kind: "Endpoints", Plural: "endpoints", Short: []string{"ep"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &corev1.Endpoints{} }},
	{Version: "v1", Kind: "Node", Plural: "nodes", Short: []string{"no"}, new: func() runtime.Object { return &corev1.Node{} }},
	{Group: "apps", Version: "v1", Kind: "Deployment", Plural: "deployments", Short: []string{"deploy"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &appsv1.Deployment{} }},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet", Plural: "replicasets", Short: []string{"rs"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &appsv1.ReplicaSet{} }},
	{Group: "apps", Version: "v1", Kind: "StatefulSet", Plural: "statefulsets", Short: []string{"sts"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &appsv1.StatefulSet{} }},
	{Group: "apps", Version: "v1", Kind: "DaemonSet", Plural: "daemonsets", Short: []string{"ds"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &appsv1.DaemonSet{} }},
	{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice", Plural: "endpointslices", Namespaced: true, Manifest: true, new: func() runtime.Object { return &discoveryv1.EndpointSlice{} }},
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy", Plural: "networkpolicies", Short: []string{"netpol"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &networkingv1.NetworkPolicy{} }},
	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Plural: "ingresses", Short: []string{"ing"}, Namespaced: true, Manifest: true, new: func() runtime.Object { return &networkingv1.Ingress{} }},
	{Group: "networking.k8s.io", Version: "v1", Kind: "IngressClass", Plural: "ingressclasses", Manifest: true, new: func() runtime.Object { return &networkingv1.IngressClass{} }},
}

// Kinds lists every kind ckadlab knows (also Node, which manifests cannot
// create), in a stable order.
func Kinds() []KindInfo { return append([]KindInfo(nil), kinds...) }

// LookupKind finds a kind the way kubectl resolves resource names on the
// command line: the Kind in any case ("Service", "service"), the plural
// resource ("services"), the singular ("service") or a short name ("svc"),
// optionally qualified with the group ("ingresses.networking.k8s.io").
func LookupKind(name string) (KindInfo, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	group := ""
	if i := strings.Index(n, "."); i >= 0 {
		n, group = n[:i], n[i+1:]
	}
	for _, k := range kinds {
		if group != "" && group != k.Group && group != strings.TrimSuffix(k.Version+"."+k.Group, ".") {
			continue
		}
		if n == strings.ToLower(k.Kind) || n == k.Plural {
			return k, true
		}
		for _, s := range k.Short {
			if n == s {
				return k, true
			}
		}
	}
	return KindInfo{}, false
}

// IsNamespaced says whether objects of the kind (as written in manifests)
// live in a namespace. Unknown kinds are reported as namespaced.
func IsNamespaced(kind string) bool {
	if k, ok := lookupExact(kind); ok {
		return k.Namespaced
	}
	return true
}

func lookupExact(kind string) (KindInfo, bool) {
	for _, k := range kinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return KindInfo{}, false
}

// removed lists group/versions that Kubernetes once served for a kind and
// has since removed, with the release that removed them.
var removed = map[string]string{
	"extensions/v1beta1 Deployment":          "1.16",
	"extensions/v1beta1 ReplicaSet":          "1.16",
	"extensions/v1beta1 DaemonSet":           "1.16",
	"extensions/v1beta1 NetworkPolicy":       "1.16",
	"extensions/v1beta1 Ingress":             "1.22",
	"apps/v1beta1 Deployment":                "1.16",
	"apps/v1beta1 StatefulSet":               "1.16",
	"apps/v1beta2 Deployment":                "1.16",
	"apps/v1beta2 ReplicaSet":                "1.16",
	"apps/v1beta2 StatefulSet":               "1.16",
	"apps/v1beta2 DaemonSet":                 "1.16",
	"networking.k8s.io/v1beta1 Ingress":      "1.22",
	"networking.k8s.io/v1beta1 IngressClass": "1.22",
	"discovery.k8s.io/v1beta1 EndpointSlice": "1.25",
}

// supportedList is the human list of supported kinds, for messages.
func supportedList() string {
	byVersion := map[string][]string{}
	var order []string
	for _, k := range kinds {
		if !k.Manifest {
			continue
		}
		v := k.APIVersion()
		if _, ok := byVersion[v]; !ok {
			order = append(order, v)
		}
		byVersion[v] = append(byVersion[v], k.Kind)
	}
	parts := make([]string, 0, len(order))
	for _, v := range order {
		parts = append(parts, v+" "+strings.Join(byVersion[v], ", "))
	}
	return strings.Join(parts, "; ")
}

// resolveKind checks apiVersion and kind as written in a manifest and
// returns the kind, or the field at fault with an error message (and a
// hint) as kubectl would explain it.
func resolveKind(apiVersion, kind string) (k KindInfo, field, msg, hint string) {
	k, ok := lookupExact(kind)
	if !ok {
		// Kinds are case-sensitive in manifests.
		for _, c := range kinds {
			if strings.EqualFold(c.Kind, kind) {
				return KindInfo{}, "kind", fmt.Sprintf("no matches for kind %q in version %q", kind, apiVersion),
					fmt.Sprintf("kinds are case-sensitive: did you mean kind: %s (apiVersion: %s)?", c.Kind, c.APIVersion())
			}
		}
		return KindInfo{}, "kind", fmt.Sprintf("kind %q (apiVersion %q) is not supported by ckadlab", kind, apiVersion),
			"supported kinds: " + supportedList()
	}
	if !k.Manifest {
		return KindInfo{}, "kind", fmt.Sprintf("kind %q cannot be created from a manifest here (the cluster manages its own %s)", kind, k.Plural),
			"supported kinds: " + supportedList()
	}
	if apiVersion == k.APIVersion() {
		return k, "", "", ""
	}
	msg = fmt.Sprintf("no matches for kind %q in version %q", kind, apiVersion)
	if rel, ok := removed[apiVersion+" "+kind]; ok {
		return KindInfo{}, "apiVersion", msg, fmt.Sprintf("%s was removed in Kubernetes %s; use apiVersion: %s", apiVersion, rel, k.APIVersion())
	}
	return KindInfo{}, "apiVersion", msg, fmt.Sprintf("%s is served as apiVersion: %s", kind, k.APIVersion())
}
