// Package mutate derives "mutants" of a lab's reference answer: the answer
// with one realistic edit applied, of the kind CKAD learners really make
// (a port dropped, a peer split from AND into OR, a CIDR one bit too wide, a
// Service of the wrong type, an Ingress path one segment short). `ckadlab
// lint` requires every mutant to fail at least one of the lab's checks, so
// that the checks are proven to notice each mistake (mutation testing).
//
// Edits that no check could notice are not made: rules of a direction the
// policy does not isolate, a policyTypes change that the API's defaulting
// undoes, a targetPort equal to port, the ports of an ExternalName or
// headless Service, an ingressClassName equal to the cluster's default.
// Nor are edits the API would reject: an except item that is no longer a
// strict subset of its cidr, two Service ports with the same port and
// protocol, node ports on a ClusterIP Service.
//
// The package is pure: no I/O, no cluster. Objects are read as plain maps
// (map[string]any, []any, string, bool, int64 or float64 numbers).
package mutate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Mutant is the reference answer with one realistic edit applied.
type Mutant struct {
	// ID is stable and unique within one Generate call:
	// "<op>@<Kind>/<namespace>/<name>:<field path>", e.g.
	// "drop-ports@NetworkPolicy/prod/test-network-policy:spec.ingress[0]".
	// The namespace is the effective one (after defaulting); a second
	// mutant with the same op and field gets a suffix "#2", "#3", ….
	ID string
	// Op is the operator's name, e.g. "drop-ports" (see Ops).
	Op string
	// Object names the edited object: "NetworkPolicy prod/test-network-policy".
	Object string
	// Description is one line for people:
	// "spec.ingress[0]: ports dropped (every port allowed)".
	Description string
	// Path is the field path of the edit, e.g. "spec.ingress[0].ports[0].port",
	// in the syntax of lab field paths (indexes from 0, keys with dots or
	// slashes as ["key"]).
	Path string
	// Index is the position of the edited object in Objects (and in the input).
	Index int
	// Objects is the whole answer (every input object, deep-copied) with the
	// edit applied.
	Objects []*unstructured.Unstructured
}

// Options tell Generate about the lab.
type Options struct {
	// DefaultNamespace is the namespace of objects that name none (the lab's
	// namespace); "default" when empty.
	DefaultNamespace string
	// Namespaces are the namespaces that exist in the lab. move-namespace
	// picks the first one that differs from the object's; with none it uses
	// "default", and skips an object already in "default".
	Namespaces []string
	// DefaultIngressClass is the cluster's default IngressClass (ckadlab's
	// clusters: "nginx"). Removing an ingressClassName equal to it changes
	// nothing, so drop-ingress-class skips it; an Ingress without class is
	// of this class, so its nginx.ingress.kubernetes.io annotations are
	// mutated when it is "nginx". Empty: no default.
	DefaultIngressClass string
}

// Op is an operator: a kind of edit.
type Op struct{ Name, Description string }

// ops lists every operator a Mutant.Op names, with what it edits (the
// tests hold Generate to it: each mutant's operator is listed, and each
// listed operator makes mutants).
var ops = []Op{
	{"move-namespace", "any namespaced object: metadata.namespace set to another namespace of the lab"},
	{"drop-rule", "NetworkPolicy: remove one ingress/egress rule; Ingress: remove one rule (when ≥2, or with a defaultBackend)"},
	{"add-allow-all", "NetworkPolicy: append an empty rule {} to an isolated direction (everything allowed)"},
	{"drop-ports", "NetworkPolicy: remove a rule's ports (every port allowed)"},
	{"drop-port-item", "NetworkPolicy rule or Service: remove one item of a list of ≥2 ports"},
	{"drop-port-number", "NetworkPolicy: remove a port item's port (every port of its protocol)"},
	{"shift-port", "NetworkPolicy or Service: a numeric port P becomes P+1"},
	{"swap-protocol", "NetworkPolicy or Service port: TCP→UDP, UDP→TCP, SCTP→TCP (no protocol is TCP)"},
	{"add-end-port", "NetworkPolicy: a numeric port gets endPort port+1000, an existing endPort grows by 1000 (at most 65535)"},
	{"drop-end-port", "NetworkPolicy: remove a port item's endPort (only its first port)"},
	{"drop-peers", "NetworkPolicy: remove a rule's from/to (every peer allowed)"},
	{"drop-peer", "NetworkPolicy: remove one peer of a rule with ≥2"},
	{"split-peer", "NetworkPolicy: a peer with namespaceSelector AND podSelector becomes two peers (OR)"},
	{"merge-peers", "NetworkPolicy: consecutive namespaceSelector-only and podSelector-only peers become one (AND)"},
	{"empty-selector", "NetworkPolicy: spec.podSelector or a peer's podSelector/namespaceSelector becomes {} (everything)"},
	{"drop-selector", "NetworkPolicy: remove a peer's podSelector or namespaceSelector (keeping the other); Service: remove spec.selector (no endpoints)"},
	{"change-label", "NetworkPolicy label selector or Service selector: a matchLabels value gets \"-x\" appended"},
	{"drop-label", "NetworkPolicy label selector or Service selector: remove one key"},
	{"drop-expression", "NetworkPolicy label selector: remove one matchExpressions item"},
	{"flip-operator", "NetworkPolicy label selector: a matchExpressions operator In↔NotIn, Exists↔DoesNotExist"},
	{"drop-except", "NetworkPolicy ipBlock: remove except"},
	{"drop-except-item", "NetworkPolicy ipBlock: remove one except item"},
	{"widen-cidr", "NetworkPolicy ipBlock cidr or except item: prefix length −1 and −8 (network address recomputed)"},
	{"narrow-cidr", "NetworkPolicy ipBlock cidr or except item: prefix length +1 and +8 (the lower part); an except item also a single address"},
	{"drop-policy-types", "NetworkPolicy: remove spec.policyTypes (the API defaults it from the rules present)"},
	{"drop-policy-type", "NetworkPolicy: remove one entry of spec.policyTypes"},
	{"add-policy-type", "NetworkPolicy: add the missing Ingress or Egress to spec.policyTypes"},
	{"change-type", "Service: spec.type becomes each other of ClusterIP, NodePort, LoadBalancer"},
	{"shift-target-port", "Service: targetPort P becomes P+1, a named one gets \"x\" appended, a missing one becomes port+1"},
	{"drop-target-port", "Service: remove a targetPort that differs from port (it then defaults to port)"},
	{"shift-node-port", "Service: a fixed nodePort N becomes N+1 (N−1 at 32767)"},
	{"drop-node-port", "Service: remove a fixed nodePort (a random one is allocated)"},
	{"drop-external-ips", "Service: remove spec.externalIPs"},
	{"drop-external-ip", "Service: remove one spec.externalIPs item"},
	{"change-external-name", "Service of type ExternalName: \"x\" prefixed to the first label of spec.externalName"},
	{"drop-path", "Ingress: remove one path of a rule with ≥2"},
	{"drop-host", "Ingress: remove a rule's host (it then matches every host)"},
	{"wildcard-host", "Ingress: a host a.b.c becomes *.b.c"},
	{"other-host", "Ingress: a host's first label gets \"x\" appended"},
	{"swap-path-type", "Ingress: pathType Prefix→Exact, Exact→Prefix, ImplementationSpecific→Exact"},
	{"shorten-path", "Ingress: a path loses its last segment (/api/v1 → /api, /api → /)"},
	{"extend-path", "Ingress: a path gets /x appended"},
	{"typo-path", "Ingress: a path longer than 2 characters loses its last character"},
	{"rename-backend", "Ingress: a backend's service name gets \"x\" appended"},
	{"shift-backend-port", "Ingress: a backend's service port number P becomes P+1"},
	{"rename-backend-port", "Ingress: a backend's service port name gets \"x\" appended"},
	{"drop-ingress-class", "Ingress: remove spec.ingressClassName"},
	{"other-ingress-class", "Ingress: \"x\" prefixed to spec.ingressClassName (a class no controller serves)"},
	{"drop-default-backend", "Ingress with rules: remove spec.defaultBackend"},
	{"drop-tls", "Ingress: remove spec.tls"},
	{"drop-tls-host", "Ingress: remove one spec.tls[i].hosts item"},
	{"drop-annotation", "Ingress: remove one annotation whose key contains \"ingress.kubernetes.io/\" and that its controller reads (nginx.ingress.kubernetes.io/* on class nginx, traefik.ingress.kubernetes.io/* on other classes)"},
	{"flip-annotation", "Ingress of class nginx: use-regex, ssl-redirect or force-ssl-redirect \"true\" ↔ \"false\""},
	{"rewrite-target-group", "Ingress of class nginx: the last capture group reference of rewrite-target moves one down ($2 → $1; $1 → $2)"},
}

// Generate returns the mutants of objs in a deterministic order: objects in
// input order, operators in a fixed order (per kind), fields in document
// order. Mutants whose edited object equals the input, or equals an earlier
// mutant's, are dropped. It never mutates objs.
func Generate(objs []*unstructured.Unstructured, opt Options) []Mutant {
	norm := make([]map[string]any, len(objs))
	for i, o := range objs {
		if o != nil && o.Object != nil {
			norm[i] = deepCopy(o.Object).(map[string]any)
		}
	}
	var out []Mutant
	idCount := map[string]int{}
	for i, obj := range norm {
		if obj == nil {
			continue
		}
		kind := str(obj["kind"])
		name := str(lookup(obj, path{"metadata", "name"}))
		namespaced := !clusterScoped[kind]
		ns := ""
		object := kind + " " + name
		if namespaced {
			ns = str(lookup(obj, path{"metadata", "namespace"}))
			if ns == "" {
				ns = opt.DefaultNamespace
			}
			if ns == "" {
				ns = "default"
			}
			object = kind + " " + ns + "/" + name
		}
		g := &gen{obj: obj}
		if namespaced {
			g.moveNamespace(ns, opt)
		}
		apiVersion := str(obj["apiVersion"])
		switch {
		case kind == "NetworkPolicy" && apiVersion == "networking.k8s.io/v1":
			g.networkPolicy()
		case kind == "Service" && apiVersion == "v1":
			g.service()
		case kind == "Ingress" && apiVersion == "networking.k8s.io/v1":
			g.ingress(opt.DefaultIngressClass)
		}

		seen := map[string]bool{canonical(obj): true}
		for _, c := range g.cands {
			p := c.at.String()
			id := c.op + "@" + kind + "/" + ns + "/" + name + ":" + p
			idCount[id]++
			if n := idCount[id]; n > 1 {
				id += "#" + strconv.Itoa(n)
			}
			edited := deepCopy(obj).(map[string]any)
			c.edit(edited)
			key := canonical(edited)
			if seen[key] {
				continue
			}
			seen[key] = true
			objects := make([]*unstructured.Unstructured, len(objs))
			for j, o := range norm {
				switch {
				case j == i:
					objects[j] = &unstructured.Unstructured{Object: edited}
				case o != nil:
					objects[j] = &unstructured.Unstructured{Object: deepCopy(o).(map[string]any)}
				case objs[j] != nil:
					objects[j] = &unstructured.Unstructured{}
				}
			}
			out = append(out, Mutant{
				ID:          id,
				Op:          c.op,
				Object:      object,
				Description: p + ": " + c.what,
				Path:        p,
				Index:       i,
				Objects:     objects,
			})
		}
	}
	return out
}

// clusterScoped are the kinds without a namespace (move-namespace skips them).
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "StorageClass": true,
	"ClusterRole": true, "ClusterRoleBinding": true, "IngressClass": true,
	"CustomResourceDefinition": true, "PriorityClass": true, "RuntimeClass": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"APIService": true, "CSIDriver": true, "VolumeAttachment": true,
}

// gen collects the candidate edits of one object.
type gen struct {
	obj   map[string]any // the (normalized) input object; read only
	cands []cand
}

type cand struct {
	op   string
	at   path
	what string
	edit func(obj map[string]any) // applied to a deep copy of the object
}

func (g *gen) add(op string, at path, what string, edit func(obj map[string]any)) {
	g.cands = append(g.cands, cand{op: op, at: at, what: what, edit: edit})
}

func (g *gen) moveNamespace(ns string, opt Options) {
	target := ""
	for _, n := range opt.Namespaces {
		if n != "" && n != ns {
			target = n
			break
		}
	}
	if target == "" {
		if ns == "default" {
			return
		}
		target = "default"
	}
	g.add("move-namespace", path{"metadata", "namespace"},
		fmt.Sprintf("%s → %s (the answer in the wrong namespace)", ns, target),
		func(o map[string]any) { setAt(o, path{"metadata", "namespace"}, target) })
}

// path is a field path: string keys and int list indexes.
type path []any

// at returns a copy of p with more steps.
func (p path) at(steps ...any) path {
	q := make(path, 0, len(p)+len(steps))
	return append(append(q, p...), steps...)
}

// String renders p as a lab field path: spec.ingress[0].from[1].ipBlock,
// metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"].
func (p path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch k := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		case string:
			if plainKey(k) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(k)
			} else {
				b.WriteString("[" + strconv.Quote(k) + "]")
			}
		}
	}
	return b.String()
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

// lookup returns the value at p, or nil.
func lookup(root any, p path) any {
	cur := root
	for _, s := range p {
		switch k := s.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k < 0 || k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

// setAt sets the value at p to a deep copy of v, creating missing maps on
// the way.
func setAt(root map[string]any, p path, v any) {
	var cur any = root
	for _, s := range p[:len(p)-1] {
		switch k := s.(type) {
		case string:
			m := cur.(map[string]any)
			next, ok := m[k].(map[string]any)
			if !ok {
				if l, isList := m[k].([]any); isList {
					cur = l
					continue
				}
				next = map[string]any{}
				m[k] = next
			}
			cur = next
		case int:
			cur = cur.([]any)[k]
		}
	}
	v = deepCopy(v)
	switch k := p[len(p)-1].(type) {
	case string:
		cur.(map[string]any)[k] = v
	case int:
		cur.([]any)[k] = v
	}
}

// delAt removes the map key or list item at p.
func delAt(root map[string]any, p path) {
	parent := p[:len(p)-1]
	switch k := p[len(p)-1].(type) {
	case string:
		if m, ok := lookup(root, parent).(map[string]any); ok {
			delete(m, k)
		}
	case int:
		if l, ok := lookup(root, parent).([]any); ok && k >= 0 && k < len(l) {
			nl := make([]any, 0, len(l)-1)
			nl = append(append(nl, l[:k]...), l[k+1:]...)
			setAt(root, parent, nl)
		}
	}
}

// delPrune removes the value at p, and then its parent if that is left an
// empty map or list.
func delPrune(root map[string]any, p path) {
	delAt(root, p)
	parent := p[:len(p)-1]
	if len(parent) == 0 {
		return
	}
	switch c := lookup(root, parent).(type) {
	case map[string]any:
		if len(c) == 0 {
			delAt(root, parent)
		}
	case []any:
		if len(c) == 0 {
			delAt(root, parent)
		}
	}
}

// deepCopy copies maps and lists (also []string, map[string]string and
// []map[string]any, which become []any and map[string]any); other values
// are returned as they are.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = deepCopy(x)
		}
		return l
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = x
		}
		return m
	case []string:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = x
		}
		return l
	case []map[string]any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = deepCopy(x)
		}
		return l
	}
	return v
}

// canonical is a text equal for equal objects (map keys sorted; int64 and
// float64 of the same integer the same).
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }
func str(v any) string           { s, _ := v.(string); return s }

// toInt reads a whole number stored as int64, float64 (JSON), int or int32.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// numLike is n stored as like is (so float64 input stays float64).
func numLike(like any, n int64) any {
	switch like.(type) {
	case float64:
		return float64(n)
	case int:
		return int(n)
	case int32:
		return int32(n)
	case json.Number:
		return json.Number(strconv.FormatInt(n, 10))
	}
	return n
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// protocol is a port item's protocol (TCP when unset).
func protocol(port map[string]any) string {
	if p := str(port["protocol"]); p != "" {
		return p
	}
	return "TCP"
}

var swappedProtocol = map[string]string{"TCP": "UDP", "UDP": "TCP", "SCTP": "TCP"}

// portText is a port item for people: "6379/TCP", "http/TCP", "all TCP ports".
func portText(port map[string]any) string {
	p := port["port"]
	if p == nil {
		return "all " + protocol(port) + " ports"
	}
	s := fmt.Sprint(p)
	if n, ok := toInt(p); ok {
		s = strconv.FormatInt(n, 10)
	}
	if e, ok := toInt(port["endPort"]); ok {
		s += "-" + strconv.FormatInt(e, 10)
	}
	return s + "/" + protocol(port)
}
