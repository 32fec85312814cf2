package labs

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// paramLab is validLab with parameters: the namespace, the db pod's name
// and the probe's port. Its [params] table is at lines 15-19 (after the
// top-level keys: every key below a [table] header is the table's).
var paramLab = strings.NewReplacer(
	"[setup]\n", `[params]
ns = { pool = ["shop", "store", "market"] }
db = { pool = ["db", "cache"], default = "db" }
port = { range = [6379, 6390], differs = ["other"] }
other = { range = [6380, 6381] }

[setup]
`,
	`namespace = "shop"`, `namespace = "{{ns}}"`,
	`metadata: {name: shop}`, `metadata: {name: {{ns}}}`,
	`metadata: {name: db, namespace: shop, labels: {role: db}}`, `metadata: {name: {{db}}, namespace: {{ns}}, labels: {role: db}}`,
	`probe.port = 6379`, `probe.port = {{port}}`,
	`description = "Other pods are denied"`, `description = "Other pods cannot reach port {{port}} of {{ns}}/{{db}} (not {{other}})"`,
	`probe.from = "shop/db"`, `probe.from = "{{ns}}/{{db}}"`,
).Replace(validLab)

func mustParse(t *testing.T, src string) *Lab {
	t.Helper()
	l, errs := Parse("p.toml", []byte(src))
	if len(errs) > 0 {
		t.Fatalf("parse: %v", errs)
	}
	return l
}

func TestVariantZeroIsTheDefaults(t *testing.T) {
	l := mustParse(t, paramLab)
	if l.VariantN != 0 || l.Namespace != "shop" {
		t.Fatalf("variant %d namespace %q, want 0 shop", l.VariantN, l.Namespace)
	}
	p := l.Checks[1].Probe
	if p.Port != int64(6379) || p.From != "shop/db" {
		t.Errorf("probe port %v from %q, want 6379 (an integer) from shop/db", p.Port, p.From)
	}
	if got := l.ValuesText(); got != "db=db, ns=shop, other=6380, port=6379" {
		t.Errorf("values %s", got)
	}
}

func TestParseParamsErrors(t *testing.T) {
	base := paramLab
	for _, tt := range []struct {
		name, old, new string
		want           string // substring of the error, with its line
	}{
		{"unknown parameter", `namespace = "{{ns}}"`, `namespace = "{{nss}}"`, `p.toml:8: unknown parameter {{nss}} (did you mean "ns"?)`},
		{"pool and range", `ns = { pool = ["shop", "store", "market"] }`, `ns = { pool = ["shop"], range = [1, 2] }`, "p.toml:16: params.ns: give exactly one of pool"},
		{"empty pool", `ns = { pool = ["shop", "store", "market"] }`, `ns = { pool = [] }`, "p.toml:16: params.ns.pool: want a non-empty array"},
		{"quote in a value", `"store"`, `"st'ore"`, `p.toml:16: params.ns.pool[1]: "st'ore"`},
		{"duplicate value", `"store"`, `"shop"`, `p.toml:16: params.ns.pool: "shop" is listed twice`},
		{"bad range", `range = [6379, 6390]`, `range = [6390, 6379]`, "p.toml:18: params.port.range: want [low, high]"},
		{"huge range", `range = [6379, 6390]`, `range = [-9223372036854775808, 9223372036854775807]`, "p.toml:18: params.port.range: want [low, high], two integers with 0 ≤ low ≤ high ≤ 4294967295"},
		{"default outside", `default = "db"`, `default = "redis"`, `p.toml:17: params.db.default: "redis" is not one of its values`},
		{"unknown key", `differs = ["other"]`, `differz = ["other"]`, `p.toml:18: unknown key "differz" in params.port (did you mean "differs"?)`},
		{"differs unknown", `differs = ["other"]`, `differs = ["otter"]`, `p.toml:18: params.port.differs: no parameter "otter" (did you mean "other"?)`},
		{"differs itself", `differs = ["other"]`, `differs = ["port"]`, "params.port.differs names the parameter itself"},
		{"follows a range", `default = "db"`, `follows = "port"`, "params.db.follows port: both need pools of the same length"},
		{"defaults break differs", `range = [6380, 6381] }`, `range = [6379, 6380] }`, "p.toml:15: params: the default values (variant 0) break the constraints: port and other are both \"6379\""},
		{"unsatisfiable", `range = [6379, 6390], differs = ["other"]`, `range = [6380, 6380], differs = ["other"]`, "the default values (variant 0) break the constraints"},
		{"not a table", `ns = { pool = ["shop", "store", "market"] }`, `ns = "shop"`, "p.toml:16: params.ns: want a table"},
		{"bad name", `ns = { pool`, `"n-s" = { pool`, "params.n-s: a parameter name is a letter"},
		{"rendered TOML breaks", `probe.port = {{port}}`, `probe.port = {{port}}{{ns}}`, "p.toml:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := edit(t, base, tt.old, tt.new)
			_, errs := Parse("p.toml", []byte(src))
			if len(errs) == 0 {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(errs.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", errs, tt.want)
			}
		})
	}
}

func TestUnsatisfiableConstraints(t *testing.T) {
	src := strings.Replace(strings.Replace(validLab, `title = "Only the frontend reaches the database"`, `title = "{{a}} {{b}}"`, 1), "[setup]\n", `[params]
a = { pool = ["x", "y"] }
b = { pool = ["x", "y"], follows = "a", differs = ["a"] }
[setup]
`, 1)
	_, errs := Parse("p.toml", []byte(src))
	if len(errs) == 0 || !strings.Contains(errs.Error(), "break the constraints") {
		t.Fatalf("errors %v, want the defaults to break the constraints", errs)
	}
	src = strings.Replace(src, `b = { pool = ["x", "y"]`, `b = { pool = ["y", "x"]`, 1)
	src = strings.Replace(src, `a = { pool = ["x", "y"] }`, `a = { pool = ["x", "y"] }
c = { pool = ["p", "q"], differs = ["d"] }
d = { pool = ["p"] }`, 1)
	_, errs = Parse("p.toml", []byte(src))
	if len(errs) == 0 || !strings.Contains(errs.Error(), "break the constraints") {
		t.Fatalf("errors %v", errs)
	}
}

func TestVariantsRenderEverywhere(t *testing.T) {
	l := mustParse(t, paramLab)
	seenNS := map[string]bool{}
	for n := uint64(1); n <= 40; n++ {
		v, err := l.Variant(n)
		if err != nil {
			t.Fatalf("variant %d: %v", n, err)
		}
		ns, db, port := v.Values["ns"], v.Values["db"], v.Values["port"]
		seenNS[ns] = true
		if v.Namespace != ns || v.VariantN != n {
			t.Fatalf("variant %d: namespace %q, values %v", n, v.Namespace, v.Values)
		}
		if !strings.Contains(v.Setup.Manifests, "name: "+db+", namespace: "+ns) {
			t.Errorf("variant %d: setup not rendered:\n%s", n, v.Setup.Manifests)
		}
		p := v.Checks[1].Probe
		if p.From != ns+"/"+db || p.Port != mustInt(t, port) || p.Spec.From.Namespace != ns {
			t.Errorf("variant %d: probe %+v, values %v", n, p, v.Values)
		}
		if v.Values["port"] == v.Values["other"] {
			t.Errorf("variant %d breaks differs: %v", n, v.Values)
		}
		if !strings.Contains(v.Checks[1].Description, "port "+port+" of "+ns+"/"+db) {
			t.Errorf("variant %d: description %q", n, v.Checks[1].Description)
		}
		// Ids stay.
		if v.ID != l.ID || v.Checks[1].ID != "deny-other" || v.Wrong[0].Name != "no-policy" {
			t.Errorf("variant %d changed ids", n)
		}
		if v.Line("checks[1].probe.port") != l.Line("checks[1].probe.port") {
			t.Errorf("variant %d: lines moved", n)
		}
	}
	if len(seenNS) != 3 {
		t.Errorf("40 variants used namespaces %v, want all 3", seenNS)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestVariantDeterminism(t *testing.T) {
	a := mustParse(t, paramLab)
	b := mustParse(t, paramLab)
	for _, n := range []uint64{1, 2, 3, 77, 999_999} {
		va, err := a.Variant(n)
		if err != nil {
			t.Fatal(err)
		}
		vb, _ := b.Variant(n)
		if va.ValuesText() != vb.ValuesText() {
			t.Errorf("variant %d: %s vs %s", n, va.ValuesText(), vb.ValuesText())
		}
	}
	// Fixed forever: published seeds must keep their variants.
	v, _ := a.Variant(1)
	if got, want := v.ValuesText(), "db=cache, ns=shop, other=6381, port=6386"; got != want {
		t.Errorf("variant 1 = %s, want %s", got, want)
	}
	if a.VariantForSeed(42) != b.VariantForSeed(42) || a.VariantForSeed(42) == a.VariantForSeed(43) {
		t.Error("VariantForSeed: same seed must give the same variant, another seed another")
	}
	if n := a.VariantForSeed(42); n == 0 || n >= VariantNumbers {
		t.Errorf("VariantForSeed(42) = %d, want 1..%d", n, VariantNumbers-1)
	}
}

// Over many variant numbers every value of a pool is drawn about as often.
func TestVariantDistribution(t *testing.T) {
	l := mustParse(t, paramLab)
	counts := map[string]int{}
	for n := uint64(1); n <= 3000; n++ {
		v, err := l.tpl.draw(n)
		if err != nil {
			t.Fatal(err)
		}
		counts[v["ns"]]++
	}
	for _, ns := range []string{"shop", "store", "market"} {
		if c := counts[ns]; c < 850 || c > 1150 {
			t.Errorf("ns=%s in %d of 3000 variants, want about 1000", ns, c)
		}
	}
}

func TestVariantsCount(t *testing.T) {
	for _, tt := range []struct {
		params    string
		want      int
		estimated bool
	}{
		{`a = { pool = ["x", "y", "z"] }`, 3, false},
		{`a = { pool = ["x", "y", "z"] }
b = { range = [1, 4] }`, 12, false},
		{`a = { pool = ["x", "y", "z"] }
b = { pool = ["y", "x", "z"], differs = ["a"] }`, 6, false},
		{`a = { pool = ["x", "y", "z"] }
b = { pool = ["p", "q", "r"], follows = "a" }`, 3, false},
		{`a = { range = [0, 999] }
b = { range = [0, 999] }`, 1_000_000, true},
	} {
		var uses strings.Builder
		for _, line := range strings.Split(tt.params, "\n") {
			name, _, _ := strings.Cut(line, " ")
			uses.WriteString("{{" + name + "}}")
		}
		src := strings.Replace(strings.Replace(validLab, `title = "Only the frontend reaches the database"`, `title = "`+uses.String()+`"`, 1), "[setup]\n", "[params]\n"+tt.params+"\n[setup]\n", 1)
		l := mustParse(t, src)
		if l.Variants() != tt.want || l.VariantsEstimated() != tt.estimated {
			t.Errorf("%s: %d variants (estimated %v), want %d (%v)", tt.params, l.Variants(), l.VariantsEstimated(), tt.want, tt.estimated)
		}
	}
	if l := mustParse(t, validLab); l.Variants() != 1 || l.HasParams() {
		t.Errorf("a lab without params has %d variants", l.Variants())
	}
}

func TestSampleVariantsAreDistinct(t *testing.T) {
	l := mustParse(t, paramLab)
	s := l.SampleVariants(5)
	if len(s) != 5 || s[0] != 0 {
		t.Fatalf("sample %v, want 5 variants from 0", s)
	}
	seen := map[string]bool{}
	for _, n := range s {
		v, err := l.Variant(n)
		if err != nil {
			t.Fatal(err)
		}
		if seen[v.ValuesText()] {
			t.Errorf("variant %d repeats %s", n, v.ValuesText())
		}
		seen[v.ValuesText()] = true
	}
	// Fewer variants than asked: all of them.
	src := strings.Replace(paramLab, `ns = { pool = ["shop", "store", "market"] }`, `ns = { pool = ["shop"] }`, 1)
	src = strings.Replace(src, `port = { range = [6379, 6390], differs = ["other"] }`, `port = { range = [6379, 6379], differs = ["other"] }`, 1)
	src = strings.Replace(src, `other = { range = [6380, 6381] }`, `other = { range = [6380, 6380] }`, 1)
	l = mustParse(t, src)
	if got := l.SampleVariants(5); len(got) != 2 || l.Variants() != 2 {
		t.Errorf("sample %v of %d variants, want both", got, l.Variants())
	}
}

func TestNoParams(t *testing.T) {
	src := strings.Replace(validLab, `hints = ["Select the db pods with podSelector."]`, `hints = ["kubectl get pods -o go-template='{{range .items}}{{end}}'"]`, 1)
	l := mustParse(t, src)
	if !strings.Contains(l.Hints[0], "{{end}}") {
		t.Errorf("a lab without [params] is not rendered: %q", l.Hints[0])
	}
	if v, err := l.Variant(0); err != nil || v != l {
		t.Errorf("Variant(0) = %v, %v", v, err)
	}
	var npe *NoParamsError
	if _, err := l.Variant(3); !errors.As(err, &npe) {
		t.Errorf("Variant(3) of a lab without params: %v", err)
	}
	if l.VariantForSeed(42) != 0 || l.RandomVariant() != 0 || len(l.SampleVariants(5)) != 1 {
		t.Error("a lab without params has only variant 0")
	}
}

func TestLiteralBraces(t *testing.T) {
	src := strings.Replace(paramLab, `hints = ["Select the db pods with podSelector."]`, `hints = ["in {{ns}}: kubectl get pods -o go-template='{{"{{"}}range .items}}'"]`, 1)
	l := mustParse(t, src)
	if got := l.Hints[0]; got != "in shop: kubectl get pods -o go-template='{{range .items}}'" {
		t.Errorf("hint %q", got)
	}
}

func TestVariantIDsStayFixed(t *testing.T) {
	src := strings.Replace(paramLab, `id = "deny-other"`, `id = "deny-{{ns}}"`, 1)
	src = strings.Replace(src, `fails = ["deny-other"]`, `fails = ["deny-{{ns}}"]`, 1)
	l := mustParse(t, src)
	var err error
	for n := uint64(1); n < 20 && err == nil; n++ {
		_, err = l.Variant(n)
	}
	if err == nil || !strings.Contains(err.Error(), "ids stay the same in every variant") {
		t.Fatalf("err %v, want ids to stay fixed", err)
	}
	diags := Lint([]*Lab{l}, nil)
	found := false
	for _, d := range diags {
		found = found || strings.Contains(d.Message, "ids stay the same")
	}
	if !found {
		t.Errorf("lint does not report the id: %v", diags)
	}
}

func TestLintUnusedParam(t *testing.T) {
	src := strings.Replace(paramLab, "[params]\n", "[params]\nextra = { pool = [\"a\"] }\n", 1)
	l := mustParse(t, src)
	var got []string
	for _, d := range Lint([]*Lab{l}, nil) {
		if d.Severity == SeverityWarning && strings.Contains(d.Message, "never used") {
			got = append(got, d.String())
		}
	}
	if len(got) != 1 || got[0] != "p.toml:16: warning: parameter extra is declared but never used ({{extra}} appears nowhere)" {
		t.Errorf("warnings %q", got)
	}
}

func TestAllNamespacesCoverEveryValue(t *testing.T) {
	nsLineDecode := func(string, string) ([]ObjectInfo, error) { return nil, nil } // the lab's namespace only
	l := mustParse(t, paramLab)
	got := strings.Join(AllNamespaces(l, nsLineDecode), ",")
	if got != "market,shop,store" {
		t.Errorf("namespaces %s, want every pool value", got)
	}
	other := mustParse(t, strings.Replace(validLab, `namespace = "shop"`, `namespace = "market"`, 1))
	other.ID = "np-other"
	clashes := NamespaceClashes([]*Lab{l}, []*Lab{other}, nsLineDecode)
	if len(clashes) != 1 || !strings.Contains(clashes[0].Message, "namespace market is also used by lab np-basic") {
		t.Errorf("clashes %v, want market (a variant's namespace)", clashes)
	}
}

// Counting the variants costs no allocation per value set: a lab whose
// parameters have ~10^5 combinations stays within Parse's budget.
func TestParseParamsBudget(t *testing.T) {
	src := strings.Replace(paramLab, `other = { range = [6380, 6381] }`, `other = { range = [6380, 6679] }
extra = { range = [0, 299] }`, 1)
	src = strings.Replace(src, `title = "Only the frontend reaches the database"`, `title = "{{extra}}"`, 1)
	src = strings.Replace(src, `ns = { pool = ["shop", "store", "market"] }`, `ns = { pool = ["shop"] }`, 1)
	src = strings.Replace(src, `db = { pool = ["db", "cache"], default = "db" }`, `db = { pool = ["db"] }`, 1)
	src = strings.Replace(src, `range = [6379, 6390]`, `range = [6379, 6379]`, 1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	l := mustParse(t, src)
	runtime.ReadMemStats(&after)
	if l.Variants() != 90_000 || l.VariantsEstimated() {
		t.Errorf("%d variants (estimated %v), want 90000 counted", l.Variants(), l.VariantsEstimated())
	}
	if got, budget := after.TotalAlloc-before.TotalAlloc, parseBudget(src); got > budget {
		t.Errorf("allocated %d bytes, budget %d", got, budget)
	}
}

// A transformed lab stays transformed in every variant drawn from it (a
// class maps each variant into a learner's namespaces); the original is
// untouched.
func TestTransformedVariants(t *testing.T) {
	l := mustParse(t, paramLab)
	calls := 0
	prefix := func(in *Lab) (*Lab, error) {
		calls++
		out := *in
		out.Namespace = "alice-" + in.Namespace
		return &out, nil
	}
	m, err := l.Transformed(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if m.Namespace != "alice-shop" || l.Namespace != "shop" || !m.HasParams() {
		t.Fatalf("transformed %q (params %v), original %q", m.Namespace, m.HasParams(), l.Namespace)
	}
	for _, n := range []uint64{0, 1, 2, 7, 42} {
		orig, err := l.Variant(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Variant(n)
		if err != nil {
			t.Fatal(err)
		}
		if got.Namespace != "alice-"+orig.Namespace || got.VariantN != n || got.ValuesText() != orig.ValuesText() {
			t.Errorf("variant %d: %q %d %q, want alice-%s %d %q", n, got.Namespace, got.VariantN, got.ValuesText(), orig.Namespace, n, orig.ValuesText())
		}
		// a variant of the variant is still mapped once, not twice
		again, err := got.Variant(n + 1)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(again.Namespace, "alice-") != 1 {
			t.Errorf("variant %d of variant %d: %q", n+1, n, again.Namespace)
		}
	}
	fail := func(*Lab) (*Lab, error) { return nil, errors.New("no room") }
	if _, err := l.Transformed(fail); err == nil {
		t.Error("a failing transformation gave a lab")
	}
	if _, err := l.Transformed(func(x *Lab) (*Lab, error) { return x, nil }); err == nil {
		t.Error("a transformation returning its input was accepted")
	}
	if calls == 0 {
		t.Error("the transformation never ran")
	}
}
