package mutate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// parseObjs reads YAML documents as the lab loader hands them over (int64
// numbers).
func parseObjs(t testing.TB, docs string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, d := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(d) == "" {
			continue
		}
		j, err := yaml.YAMLToJSON([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(j); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// canonYAML is the JSON of a YAML text, for comparisons.
func canonYAML(t testing.TB, s string) string {
	t.Helper()
	var x any
	if err := yaml.Unmarshal([]byte(s), &x); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
	return canon(t, x)
}

// canon is the JSON of a value, for comparisons.
func canon(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const testNetworkPolicy = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
`

const nodePortService = `
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  selector:
    app: web
    tier: frontend
  ports:
  - name: http
    port: 80
    targetPort: 8080
    nodePort: 30080
`

const twoHostIngress = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service:
            name: api
            port:
              number: 8080
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              name: http
  - host: admin.example.com
    http:
      paths:
      - path: /
        pathType: Exact
        backend:
          service:
            name: admin
            port:
              number: 80
`

var realisticOpts = Options{DefaultNamespace: "default", Namespaces: []string{"default", "prod"}, DefaultIngressClass: "nginx"}

func ids(ms []Mutant) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestRealisticExamples(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    string
		count int
		has   []string
	}{
		{"test-network-policy", testNetworkPolicy, 40, []string{
			"move-namespace@NetworkPolicy/default/test-network-policy:metadata.namespace",
			"drop-ports@NetworkPolicy/default/test-network-policy:spec.ingress[0]",
			"drop-peers@NetworkPolicy/default/test-network-policy:spec.egress[0]",
			"merge-peers@NetworkPolicy/default/test-network-policy:spec.ingress[0].from[1]",
			"swap-protocol@NetworkPolicy/default/test-network-policy:spec.ingress[0].ports[0].protocol",
			"drop-except@NetworkPolicy/default/test-network-policy:spec.ingress[0].from[0].ipBlock.except",
			"widen-cidr@NetworkPolicy/default/test-network-policy:spec.ingress[0].from[0].ipBlock.cidr#2",
			"narrow-cidr@NetworkPolicy/default/test-network-policy:spec.ingress[0].from[0].ipBlock.except[0]#2",
			"change-label@NetworkPolicy/default/test-network-policy:spec.ingress[0].from[1].namespaceSelector.matchLabels.project",
			"drop-policy-type@NetworkPolicy/default/test-network-policy:spec.policyTypes[1]",
		}},
		{"NodePort Service", nodePortService, 14, []string{
			"move-namespace@Service/shop/web:metadata.namespace",
			"change-type@Service/shop/web:spec.type",
			"change-type@Service/shop/web:spec.type#2",
			"shift-node-port@Service/shop/web:spec.ports[0].nodePort",
			"drop-target-port@Service/shop/web:spec.ports[0].targetPort",
			"drop-label@Service/shop/web:spec.selector.tier",
		}},
		{"two-host Ingress", twoHostIngress, 27, []string{
			"move-namespace@Ingress/default/shop:metadata.namespace",
			"drop-rule@Ingress/default/shop:spec.rules[1]",
			"wildcard-host@Ingress/default/shop:spec.rules[0].host",
			"swap-path-type@Ingress/default/shop:spec.rules[1].http.paths[0].pathType",
			"typo-path@Ingress/default/shop:spec.rules[0].http.paths[0].path",
			"rename-backend-port@Ingress/default/shop:spec.rules[0].http.paths[1].backend.service.port.name",
			`drop-annotation@Ingress/default/shop:metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"]`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := Generate(parseObjs(t, c.in), realisticOpts)
			got := ids(ms)
			if len(ms) != c.count {
				t.Errorf("%d mutants, want %d:\n%s", len(ms), c.count, strings.Join(got, "\n"))
			}
			for _, id := range c.has {
				if !slices.Contains(got, id) {
					t.Errorf("missing %s", id)
				}
			}
		})
	}

	// The docs' example of the edit the IDs describe.
	ms := Generate(parseObjs(t, testNetworkPolicy), realisticOpts)
	i := slices.IndexFunc(ms, func(m Mutant) bool { return m.Op == "drop-ports" })
	m := ms[i]
	if m.ID != "drop-ports@NetworkPolicy/default/test-network-policy:spec.ingress[0]" || m.Object != "NetworkPolicy default/test-network-policy" ||
		m.Description != "spec.ingress[0]: ports dropped (every port allowed)" || m.Path != "spec.ingress[0]" || m.Index != 0 {
		t.Errorf("%+v", m)
	}
	// The Ingress's class is the cluster's default: dropping it is no mistake.
	for _, m := range Generate(parseObjs(t, twoHostIngress), realisticOpts) {
		if m.Op == "drop-ingress-class" {
			t.Errorf("%s", m.ID)
		}
	}
}

// allInputs are every input of the tests, alone and together.
func allInputs(t testing.TB) [][]*unstructured.Unstructured {
	docs := []string{testNetworkPolicy, nodePortService, twoHostIngress, npPorts, npEdgePorts, npPeers, npSelectorYAML,
		npSelectorOneLabel, npRules, npEgressOnly, npNoTypes, npIngressType, npIPv4, npIPv6, svcLB, svcClash,
		svcExternalName, svcHeadless, ingFull, ingOneRule}
	var out [][]*unstructured.Unstructured
	for _, d := range docs {
		out = append(out, parseObjs(t, d))
	}
	out = append(out, parseObjs(t, strings.Join(docs, "\n---\n")))
	return out
}

func TestGenerateInvariants(t *testing.T) {
	opts := []Options{realisticOpts, {}, {DefaultNamespace: "lab", Namespaces: []string{"lab"}}}
	for _, objs := range allInputs(t) {
		opts := opts
		if len(objs) > 1 {
			opts = opts[:1] // every input together: slow, once is enough
		}
		for _, opt := range opts {
			before := make([]string, len(objs))
			for i, o := range objs {
				before[i] = canon(t, o.Object)
			}
			kept := make([]map[string]any, len(objs))
			for i, o := range objs {
				kept[i] = o.DeepCopy().Object
			}

			first := Generate(objs, opt)
			second := Generate(objs, opt)

			// The input is untouched.
			for i, o := range objs {
				if !reflect.DeepEqual(o.Object, kept[i]) || canon(t, o.Object) != before[i] {
					t.Fatalf("input %d changed", i)
				}
			}
			// Deterministic.
			if len(first) != len(second) {
				t.Fatalf("%d then %d mutants", len(first), len(second))
			}
			for i := range first {
				a, b := first[i], second[i]
				if a.ID != b.ID || a.Op != b.Op || a.Object != b.Object || a.Description != b.Description || a.Path != b.Path || a.Index != b.Index ||
					canon(t, objsOf(a)) != canon(t, objsOf(b)) {
					t.Fatalf("run 1 gives %s, run 2 %s", a.ID, b.ID)
				}
			}
			seenID := map[string]bool{}
			seenAnswer := map[string]string{}
			for _, m := range first {
				if seenID[m.ID] {
					t.Errorf("duplicate ID %s", m.ID)
				}
				seenID[m.ID] = true
				if !slices.ContainsFunc(ops, func(o Op) bool { return o.Name == m.Op }) || !strings.HasPrefix(m.ID, m.Op+"@") {
					t.Errorf("%s: op %q not listed in ops", m.ID, m.Op)
				}
				if len(m.Objects) != len(objs) {
					t.Fatalf("%s: %d objects, want %d", m.ID, len(m.Objects), len(objs))
				}
				// One object edited, the others equal to the input.
				for i, o := range m.Objects {
					same := canon(t, o.Object) == before[i]
					if same == (i == m.Index) {
						t.Errorf("%s: object %d: edited %v, want edited %v", m.ID, i, !same, i == m.Index)
					}
				}
				// No two mutants make the same answer.
				key := canon(t, objsOf(m))
				if prev, dup := seenAnswer[key]; dup {
					t.Errorf("%s makes the same answer as %s", m.ID, prev)
				}
				seenAnswer[key] = m.ID
				// A namespace stays unset unless the edit is to move it.
				in := objs[m.Index]
				if in.GetNamespace() == "" && m.Objects[m.Index].GetNamespace() != "" && m.Op != "move-namespace" {
					t.Errorf("%s: namespace set", m.ID)
				}
			}
			// The mutants share no map or list with the input or each other.
			owner := map[uintptr]string{}
			for i, o := range objs {
				noSharing(t, o.Object, fmt.Sprintf("input %d", i), owner)
			}
			for _, m := range first {
				for _, o := range m.Objects {
					noSharing(t, o.Object, m.ID, owner)
				}
			}
		}
	}
}

// noSharing records the address of every map and list under v as who's,
// failing if one is already someone's.
func noSharing(t *testing.T, v any, who string, owner map[uintptr]string) {
	t.Helper()
	var addr uintptr
	switch x := v.(type) {
	case map[string]any:
		addr = uintptr(reflect.ValueOf(x).UnsafePointer())
		for _, y := range x {
			noSharing(t, y, who, owner)
		}
	case []any:
		if len(x) == 0 {
			return
		}
		addr = uintptr(unsafe.Pointer(&x[0]))
		for _, y := range x {
			noSharing(t, y, who, owner)
		}
	default:
		return
	}
	if prev, ok := owner[addr]; ok {
		t.Fatalf("%s shares memory with %s", who, prev)
	}
	owner[addr] = who
}

func objsOf(m Mutant) []any {
	var out []any
	for _, o := range m.Objects {
		out = append(out, o.Object)
	}
	return out
}

// Every operator is exercised by some test input.
func TestOpsCovered(t *testing.T) {
	used := map[string]bool{}
	for _, objs := range allInputs(t) {
		for _, opt := range []Options{realisticOpts, {}} {
			for _, m := range Generate(objs, opt) {
				used[m.Op] = true
			}
		}
	}
	names := map[string]bool{}
	for _, o := range ops {
		if names[o.Name] {
			t.Errorf("%s listed twice", o.Name)
		}
		names[o.Name] = true
		if !used[o.Name] {
			t.Errorf("%s makes no mutant in the tests", o.Name)
		}
		for _, r := range o.Name {
			if !(r >= 'a' && r <= 'z' || r == '-') {
				t.Errorf("%s is not kebab-case", o.Name)
				break
			}
		}
		if o.Description == "" || strings.Contains(o.Description, "\n") {
			t.Errorf("%s: description %q", o.Name, o.Description)
		}
	}
}

// Numbers decoded by encoding/json are float64: read and written as such.
func TestFloatNumbers(t *testing.T) {
	j, err := yaml.YAMLToJSON([]byte(testNetworkPolicy))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	floats := Generate([]*unstructured.Unstructured{{Object: m}}, realisticOpts)
	ints := Generate(parseObjs(t, testNetworkPolicy), realisticOpts)
	if len(floats) != len(ints) {
		t.Fatalf("%d mutants from float64 numbers, %d from int64", len(floats), len(ints))
	}
	for i := range floats {
		if floats[i].ID != ints[i].ID || canon(t, objsOf(floats[i])) != canon(t, objsOf(ints[i])) {
			t.Errorf("%s differs from %s", floats[i].ID, ints[i].ID)
		}
	}
	i := slices.IndexFunc(floats, func(m Mutant) bool { return m.Op == "add-end-port" })
	got := lookup(floats[i].Objects[0].Object, path{"spec", "ingress", 0, "ports", 0, "endPort"})
	if got != float64(7379) {
		t.Errorf("endPort %#v, want float64 7379", got)
	}
}

func TestPathString(t *testing.T) {
	for _, c := range []struct {
		p    path
		want string
	}{
		{path{"spec", "ingress", 0, "from", 1, "ipBlock", "except", 0}, "spec.ingress[0].from[1].ipBlock.except[0]"},
		{path{"metadata", "annotations", "nginx.ingress.kubernetes.io/rewrite-target"}, `metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"]`},
		{path{"spec", "selector", "app.kubernetes.io/name"}, `spec.selector["app.kubernetes.io/name"]`},
		{path{"spec", "selector", ""}, `spec.selector[""]`},
		{path{"spec", "selector", "tier"}, `spec.selector.tier`},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%v: %s, want %s", c.p, got, c.want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	objs := parseObjs(b, testNetworkPolicy)
	b.ReportAllocs()
	for b.Loop() {
		Generate(objs, realisticOpts)
	}
}
