package labs

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// service is a Service as the API server returns it (decoded from JSON, so
// numbers are float64).
const serviceJSON = `{
  "apiVersion": "v1",
  "kind": "Service",
  "metadata": {
    "name": "web",
    "namespace": "shop",
    "labels": {"app.kubernetes.io/name": "web", "tier": "front"}
  },
  "spec": {
    "type": "NodePort",
    "selector": {"app": "web"},
    "ports": [
      {"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080, "protocol": "TCP"},
      {"name": "metrics", "port": 9090, "targetPort": 9090, "nodePort": 30090, "protocol": "TCP"}
    ],
    "externalIPs": [],
    "publishNotReadyAddresses": false,
    "sessionAffinity": null
  }
}`

const policyJSON = `{
  "kind": "NetworkPolicy",
  "spec": {
    "podSelector": {"matchLabels": {"role": "db"}},
    "policyTypes": ["Ingress", "Egress"],
    "ingress": [{"from": [{"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}}], "ports": [{"protocol": "TCP", "port": 6379}]}]
  }
}`

const ingressJSON = `{
  "kind": "Ingress",
  "spec": {
    "rules": [
      {"host": "shop.example", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
        {"path": "/api", "pathType": "Exact", "backend": {"service": {"name": "api", "port": {"name": "http"}}}}
      ]}}
    ]
  }
}`

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseFieldPathErrors(t *testing.T) {
	tests := []struct{ path, msg string }{
		{"", "field path is empty"},
		{"spec..type", `field path "spec..type": empty field name (at character 6)`},
		{".spec", `empty field name (at character 1)`},
		{"spec.", `path ends with '.'`},
		{"spec.ports[", `unclosed '['`},
		{"spec.ports[0", `want ']' after the index`},
		{"spec.ports[x]", `want [N], [*], ["key"] or [field=value]`},
		{"spec.ports[-1]", `want [N], [*], ["key"] or [field=value]`},
		{"spec.ports[*", `want ']' after '*'`},
		{"spec.ports[0]x", `want '.' or '[' after ']'`},
		{`metadata.labels["a`, `unclosed quote`},
		{`metadata.labels["a"`, `want ']' after the quoted key`},
		{"spec.ports[name=]", `bad selector value ""`},
		{"spec.ports[name=a", `unclosed '['`},
		{"spec.[0]", `'[' right after '.'`},
		{"spec type", `unexpected ' '`},
	}
	for _, tt := range tests {
		_, err := ParseFieldPath(tt.path)
		if err == nil {
			t.Errorf("%q: no error", tt.path)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: error %q, want it to contain %q", tt.path, err, tt.msg)
		}
	}
}

func TestFieldPathEval(t *testing.T) {
	svc := mustJSON(t, serviceJSON)
	pol := mustJSON(t, policyJSON)
	ing := mustJSON(t, ingressJSON)
	tests := []struct {
		name  string
		obj   map[string]any
		path  string
		want  []any
		found bool
		multi bool
	}{
		{"field", svc, "spec.type", []any{"NodePort"}, true, false},
		{"index", svc, "spec.ports[0].nodePort", []any{30080.0}, true, false},
		{"second index", svc, "spec.ports[1].targetPort", []any{9090.0}, true, false},
		{"selector", svc, "spec.ports[name=http].targetPort", []any{"http"}, true, false},
		{"quoted selector value", svc, `spec.ports[name="metrics"].nodePort`, []any{30090.0}, true, false},
		{"selector on a number", svc, "spec.ports[port=9090].name", []any{"metrics"}, true, false},
		{"quoted map key", svc, `metadata.labels["app.kubernetes.io/name"]`, []any{"web"}, true, false},
		{"single-quoted map key", svc, `metadata.labels['tier']`, []any{"front"}, true, false},
		{"whole list", pol, "spec.policyTypes", []any{[]any{"Ingress", "Egress"}}, true, false},
		{"whole map", pol, "spec.podSelector.matchLabels", []any{map[string]any{"role": "db"}}, true, false},
		{"deep", pol, "spec.ingress[0].from[0].ipBlock.except[0]", []any{"172.17.1.0/24"}, true, false},
		{"wildcard", ing, "spec.rules[0].http.paths[*].path", []any{"/", "/api"}, true, true},
		{"two wildcards", ing, "spec.rules[*].http.paths[*].backend.service.name", []any{"web", "api"}, true, true},
		{"wildcard skips missing", ing, "spec.rules[0].http.paths[*].backend.service.port.number", []any{80.0}, true, true},
		{"wildcard over a map", svc, "metadata.labels[*]", []any{"web", "front"}, true, true},
		{"false is present", svc, "spec.publishNotReadyAddresses", []any{false}, true, false},
		{"empty list is present", svc, "spec.externalIPs", []any{[]any{}}, true, false},
		{"null is absent", svc, "spec.sessionAffinity", nil, false, false},
		{"missing field", svc, "spec.clusterIP", nil, false, false},
		{"missing below", svc, "spec.type.name", nil, false, false},
		{"index out of range", svc, "spec.ports[2].port", nil, false, false},
		{"index on a map", svc, "spec.selector[0]", nil, false, false},
		{"no selector match", svc, "spec.ports[name=https].port", nil, false, false},
		{"wildcard with nothing", ing, "spec.rules[*].http.paths[*].nothing", nil, false, true},
		{"nil object", nil, "spec.type", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseFieldPath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if p.Multi() != tt.multi {
				t.Errorf("Multi = %v", p.Multi())
			}
			got, found := p.Eval(tt.obj)
			if found != tt.found || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval = %#v, %v; want %#v, %v", got, found, tt.want, tt.found)
			}
		})
	}
	var zero FieldPath
	if _, found := zero.Eval(svc); found {
		t.Error("the zero path finds nothing")
	}
}

// Objects built in Go (unstructured, typed maps) evaluate too.
func TestFieldPathEvalGoShapes(t *testing.T) {
	obj := map[string]any{
		"metadata": map[string]any{"labels": map[string]string{"a": "b"}},
		"spec":     map[string]any{"types": []string{"Ingress"}, "ports": []map[string]any{{"port": int64(80)}}},
	}
	for path, want := range map[string]string{
		`metadata.labels["a"]`:     "b",
		"spec.types[0]":            "Ingress",
		"spec.ports[port=80].port": "80",
	} {
		p, _ := ParseFieldPath(path)
		got, found := p.Eval(obj)
		if !found || FormatValue(got[0]) != want {
			t.Errorf("%s = %v, %v; want %s", path, got, found, want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{"x", "x"}, {30080.0, "30080"}, {int64(-3), "-3"}, {7, "7"}, {1.5, "1.5"}, {true, "true"},
		{nil, "null"}, {json.Number("80"), "80"},
		{[]any{"Ingress", "Egress"}, `["Ingress","Egress"]`},
		{map[string]any{"b": 1.0, "a": []any{true, nil}}, `{"a":[true,null],"b":1}`},
		{[]any{map[string]any{"port": 80.0, "name": "a\"b"}}, `[{"name":"a\"b","port":80}]`},
	}
	for _, tt := range tests {
		if got := FormatValue(tt.v); got != tt.want {
			t.Errorf("FormatValue(%#v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}

func TestFieldAssertionEvaluate(t *testing.T) {
	svc := mustJSON(t, serviceJSON)
	pol := mustJSON(t, policyJSON)
	ing := mustJSON(t, ingressJSON)
	yes, no := true, false
	tests := []struct {
		name     string
		obj      map[string]any
		a        FieldAssertion
		ok       bool
		expected string
		observed string
	}{
		{"equals string", svc, FieldAssertion{Path: "spec.type", Equals: "NodePort"}, true, "NodePort", "NodePort"},
		{"equals string fails", svc, FieldAssertion{Path: "spec.type", Equals: "ClusterIP"}, false, "ClusterIP", "NodePort"},
		{"equals integer", svc, FieldAssertion{Path: "spec.ports[0].nodePort", Equals: int64(30080)}, true, "30080", "30080"},
		{"equals integer as text", svc, FieldAssertion{Path: "spec.ports[0].nodePort", Equals: "30080"}, true, "30080", "30080"},
		{"equals integer fails", svc, FieldAssertion{Path: "spec.ports[name=http].nodePort", Equals: int64(30081)}, false, "30081", "30080"},
		{"equals named port", svc, FieldAssertion{Path: "spec.ports[name=http].targetPort", Equals: "http"}, true, "http", "http"},
		{"equals bool", svc, FieldAssertion{Path: "spec.publishNotReadyAddresses", Equals: false}, true, "false", "false"},
		{"equals absent", svc, FieldAssertion{Path: "spec.clusterIP", Equals: "None"}, false, "None", "<absent>"},
		{"equals list as JSON", pol, FieldAssertion{Path: "spec.policyTypes", Equals: `["Ingress", "Egress"]`}, true, `["Ingress", "Egress"]`, `["Ingress","Egress"]`},
		{"equals list as flow YAML", pol, FieldAssertion{Path: "spec.policyTypes", Equals: `[Ingress, Egress]`}, true, `[Ingress, Egress]`, `["Ingress","Egress"]`},
		{"equals list order matters", pol, FieldAssertion{Path: "spec.policyTypes", Equals: `[Egress, Ingress]`}, false, `[Egress, Ingress]`, `["Ingress","Egress"]`},
		{"equals list length", pol, FieldAssertion{Path: "spec.policyTypes", Equals: `[Ingress]`}, false, `[Ingress]`, `["Ingress","Egress"]`},
		{"equals list vs scalar", pol, FieldAssertion{Path: "spec.policyTypes", Equals: "Ingress"}, false, "Ingress", `["Ingress","Egress"]`},
		{"equals map as JSON", pol, FieldAssertion{Path: "spec.podSelector.matchLabels", Equals: `{"role": "db"}`}, true, `{"role": "db"}`, `{"role":"db"}`},
		{"equals wildcard list", ing, FieldAssertion{Path: "spec.rules[0].http.paths[*].path", Equals: `["/", "/api"]`}, true, `["/", "/api"]`, `["/","/api"]`},
		{"contains list element", pol, FieldAssertion{Path: "spec.policyTypes", Contains: "Egress"}, true, `contains "Egress"`, `["Ingress","Egress"]`},
		{"contains is not a substring of an element", pol, FieldAssertion{Path: "spec.policyTypes", Contains: "Egr"}, false, `contains "Egr"`, `["Ingress","Egress"]`},
		{"contains substring", pol, FieldAssertion{Path: "spec.ingress[0].from[0].ipBlock.cidr", Contains: "172.17."}, true, `contains "172.17."`, "172.17.0.0/16"},
		{"contains map key", svc, FieldAssertion{Path: "metadata.labels", Contains: "tier"}, true, `contains "tier"`, `{"app.kubernetes.io/name":"web","tier":"front"}`},
		{"contains wildcard", ing, FieldAssertion{Path: "spec.rules[*].http.paths[*].path", Contains: "/api"}, true, `contains "/api"`, `["/","/api"]`},
		{"contains absent", svc, FieldAssertion{Path: "spec.externalName", Contains: "x"}, false, `contains "x"`, "<absent>"},
		{"exists", svc, FieldAssertion{Path: `metadata.labels["app.kubernetes.io/name"]`, Exists: &yes}, true, "present", "web"},
		{"exists fails", svc, FieldAssertion{Path: "spec.clusterIP", Exists: &yes}, false, "present", "<absent>"},
		{"absent", svc, FieldAssertion{Path: "spec.externalName", Exists: &no}, true, "<absent>", "<absent>"},
		{"absent fails", svc, FieldAssertion{Path: "spec.type", Exists: &no}, false, "<absent>", "NodePort"},
		{"exists with null", svc, FieldAssertion{Path: "spec.sessionAffinity", Exists: &no}, true, "<absent>", "<absent>"},
		{"matches", svc, FieldAssertion{Path: "spec.ports[0].nodePort", Matches: `^3[0-9]{4}$`}, true, "matches ^3[0-9]{4}$", "30080"},
		{"matches list text", pol, FieldAssertion{Path: "spec.policyTypes", Matches: `"Egress"`}, true, `matches "Egress"`, `["Ingress","Egress"]`},
		{"matches fails", svc, FieldAssertion{Path: "spec.type", Matches: `^Cluster`}, false, "matches ^Cluster", "NodePort"},
		{"matches absent", svc, FieldAssertion{Path: "spec.nope", Matches: `.*`}, false, "matches .*", "<absent>"},
		{"bad path", svc, FieldAssertion{Path: "spec..type", Equals: "x"}, false, "x", `invalid field path: field path "spec..type": empty field name (at character 6)`},
		{"bad regex", svc, FieldAssertion{Path: "spec.type", Matches: "("}, false, "matches (", "invalid regular expression: error parsing regexp: missing closing ): `(`"},
		{"no assertion", svc, FieldAssertion{Path: "spec.type"}, false, "no assertion (set one of equals, contains, exists or matches)", "NodePort"},
		{"any element equals", ing, FieldAssertion{Path: "spec.rules[*].http.paths[*].path", Equals: "/api", Any: true}, true, "any /api", `["/","/api"]`},
		{"any element equals fails", ing, FieldAssertion{Path: "spec.rules[*].http.paths[*].path", Equals: "/cart", Any: true}, false, "any /cart", `["/","/api"]`},
		{"any element matches", ing, FieldAssertion{Path: "spec.rules[*].http.paths[*].path", Matches: "^/a", Any: true}, true, "any matches ^/a", `["/","/api"]`},
		{"empty string observed", map[string]any{"a": ""}, FieldAssertion{Path: "a", Equals: ""}, true, `""`, `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, expected, observed := tt.a.Evaluate(tt.obj)
			if ok != tt.ok || expected != tt.expected || observed != tt.observed {
				t.Errorf("Evaluate = %v, %q, %q; want %v, %q, %q", ok, expected, observed, tt.ok, tt.expected, tt.observed)
			}
		})
	}
}
