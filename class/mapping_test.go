package class

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/labs"
)

func loadDemo(t *testing.T) *labs.Lab {
	t.Helper()
	src, err := os.ReadFile("testdata/map-demo.toml")
	if err != nil {
		t.Fatal(err)
	}
	l, errs := labs.Parse("testdata/map-demo.toml", src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return l
}

func mapDemo(t *testing.T, name string, index int) (*labs.Lab, *PortPlan) {
	t.Helper()
	l := loadDemo(t)
	plan, err := NewPortPlan([]*labs.Lab{l}, 30)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Mapping{Learner: Learner{Name: name, Index: index}, Ports: plan}.Lab(l)
	if err != nil {
		t.Fatal(err)
	}
	return m, plan
}

// TestMappingParts: every part of the lab names the learner's namespaces,
// label values, hosts and node port, consistently.
func TestMappingParts(t *testing.T) {
	m, plan := mapDemo(t, "alice", 2)
	port := NodePortMin + 2*plan.Block() // 30080 is the demo's only node port
	if plan.Block() != 1 {
		t.Fatalf("block %d, want 1", plan.Block())
	}
	ps := strconv.Itoa(port)
	if m.Namespace != "alice-shop" {
		t.Errorf("namespace %q", m.Namespace)
	}
	contains := func(what, text string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", what, w, text)
			}
		}
	}
	lacks := func(what, text string, bad ...string) {
		t.Helper()
		for _, b := range bad {
			if strings.Contains(text, b) {
				t.Errorf("%s still has %q:\n%s", what, b, text)
			}
		}
	}
	contains("setup", m.Setup.Manifests,
		"name: alice-shop", "name: alice-ops", "team: alice-ops", "# the ops team", "namespace: alice-shop",
		"namespace: alice-ops", "nodePort: "+ps, "externalName: web.alice-shop.svc.cluster.local",
		"host: shop.alice.example.com", `host: "*.alice.example.com"`, "http://web.alice-shop.svc.cluster.local:8080")
	lacks("setup", m.Setup.Manifests, "30080", "host: shop.example.com", "team: ops")
	contains("solution", m.Solution.Manifests, "team: alice-ops", "values: [alice-ops, alice-shop]", "namespace: alice-shop")
	contains("correct answer", m.Correct[0].Manifests, "values: [alice-ops]")
	contains("wrong answer", m.Wrong[0].Manifests, "team: alice-dev", "namespace: alice-shop")
	// Prose keeps its words; code, commands and unambiguous forms change.
	contains("task", m.Task, "The shop team wants a default deny", "In namespace alice-shop,", "`team=alice-ops`",
		"`alice-shop/web`", "`web.alice-shop.svc.cluster.local`", "`shop.alice.example.com`", "node port "+ps,
		"`kubectl -n alice-shop get netpol`", "The alice-shop namespace keeps", "web.alice-shop answers",
		"kubectl label ns alice-ops team=alice-ops", "http://shop.alice.example.com/ and *.alice.example.com")
	if m.Title != "Isolate shop: the shop team's default deny" {
		t.Errorf("title %q: prose must not change", m.Title)
	}
	contains("hint", m.Hints[0], "`team: alice-ops`", "`kubectl get ns alice-ops --show-labels`")
	want := []string{"kubectl -n alice-shop apply -f allow-ops.yaml", "kubectl get netpol --namespace=alice-shop allow-ops", "kubectl -n alice-ops exec client -- wget -qO- web.alice-shop:80"}
	if !slices.Equal(m.Solution.Commands, want) {
		t.Errorf("commands %q, want %q", m.Solution.Commands, want)
	}
	contains("explanation", m.Solution.Explanation, "Pods of `alice-ops` (team=alice-ops) reach `alice-shop/web`; the shop team is happy.")
	if got := m.Equivalent[0].Mutant; got != "drop-peer@NetworkPolicy/alice-shop/allow-ops:spec.ingress[0].from[1]" {
		t.Errorf("mutant %q", got)
	}
	c := map[string]labs.Check{}
	for _, ch := range m.Checks {
		c[ch.ID] = ch
	}
	if s := c["policy"].Selects; s.Pods[0] != "alice-shop/web" || c["policy"].Description != "NetworkPolicy alice-shop/allow-ops selects alice-shop/web" {
		t.Errorf("selects %+v %q", s, c["policy"].Description)
	}
	if p := c["ops-allowed"].Probe; p.From != "alice-ops/client" || p.To != "dns:web.alice-shop" || p.Spec.From.Namespace != "alice-ops" || p.Spec.To.Name != "web.alice-shop" {
		t.Errorf("probe %+v", p)
	}
	if p := c["host"].Probe; p.To != "ingress:shop.alice.example.com/" || p.Spec.To.Host != "shop.alice.example.com" {
		t.Errorf("ingress probe %+v", p)
	}
	if p := c["nodeport"].Probe; p.To != "nodeport:"+ps || p.Spec.To.NodePort != port || c["nodeport"].Description != "node port "+ps+" answers" {
		t.Errorf("node port probe %+v %q", p, c["nodeport"].Description)
	}
	r := c["np-field"].Resource
	if r.Namespace != "alice-shop" || r.Fields[0].Equals != int64(port) || r.Fields[1].Path != `spec.rules[host="shop.alice.example.com"].host` || r.Fields[1].Matches != `^shop\.alice\.example\.com$` {
		t.Errorf("resource check %+v", r)
	}
	if r := c["ns-label"].Resource; r.Name != "alice-ops" || r.Fields[0].Equals != "alice-ops" {
		t.Errorf("namespace check %+v", r)
	}
	// The original is untouched (a deep copy).
	if l := loadDemo(t); l.Namespace != "shop" {
		t.Fatal("the demo changed")
	}
}

// A mapping that cannot be made or breaks the lab is an error, never a
// silent pass; the mapped lab is detached from the original's variants.
func TestMappingErrors(t *testing.T) {
	l := loadDemo(t)
	plan, err := NewPortPlan([]*labs.Lab{l}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Mapping{Learner: Learner{Name: "Bad_Name"}, Ports: plan}).Lab(l); err == nil {
		t.Error("an invalid learner name maps")
	}
	long := strings.Replace(string(mustRead(t, "testdata/map-demo.toml")), "labels: {team: ops}", "labels: {team: "+strings.Repeat("o", 60)+"}", 1)
	ll, errs := labs.Parse("long.toml", []byte(long))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := (Mapping{Learner: Learner{Name: "alice"}, Ports: plan}).Lab(ll); err == nil || !strings.Contains(err.Error(), "longer than the 63 characters") {
		t.Errorf("a label value too long once mapped: %v", err)
	}
	m, err := Mapping{Learner: Learner{Name: "alice", Index: 1}, Ports: plan}.Lab(l)
	if err != nil {
		t.Fatal(err)
	}
	if m.HasParams() || m.Source != l.Source || m.ID != l.ID {
		t.Errorf("mapped lab: params %v, source %q, id %q", m.HasParams(), m.Source, m.ID)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
