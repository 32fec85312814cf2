package labs

import (
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestIndexKeys(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		lines map[string]int // path → line
	}{
		{
			name: "top-level keys and tables",
			src: `a = 1
b = "x"

[t]
c = true
[t.u]
d = 2
`,
			lines: map[string]int{"a": 1, "b": 2, "t": 4, "t.c": 5, "t.u": 6, "t.u.d": 7},
		},
		{
			name: "arrays of tables with indexes",
			src: `[[checks]]
id = "a"
[[checks]]
id = "b"
[checks.probe]
port = 80

[[checks]]
id = "c"
probe.port = 443
`,
			lines: map[string]int{
				"checks": 1, "checks[0]": 1, "checks[0].id": 2,
				"checks[1]": 3, "checks[1].id": 4, "checks[1].probe": 5, "checks[1].probe.port": 6,
				"checks[2]": 8, "checks[2].id": 9, "checks[2].probe": 10, "checks[2].probe.port": 10,
			},
		},
		{
			name: "nested arrays of tables count per parent element",
			src: `[[checks]]
[checks.resource]
kind = "Service"
[[checks.resource.fields]]
path = "spec.type"
[[checks.resource.fields]]
path = "spec.ports[0].port"
[[checks]]
[[checks.resource.fields]]
path = "metadata.name"
`,
			lines: map[string]int{
				"checks[0].resource":                2,
				"checks[0].resource.kind":           3,
				"checks[0].resource.fields[0]":      4,
				"checks[0].resource.fields[0].path": 5,
				"checks[0].resource.fields[1].path": 7,
				"checks[1]":                         8,
				"checks[1].resource":                9,
				"checks[1].resource.fields[0].path": 10,
				"checks[0].resource.fields":         4,
				"checks[1].resource.fields":         9,
			},
		},
		{
			name: "multi-line strings hide table headers and keys",
			src: `task = """
[not.a.table]
[[nor.this]]
fake = 1
ends here: \"""
"""
after = 1
lit = '''
[x]
y = 2 '' still inside
'''
z = """"quoted content""""
last = 3
`,
			lines: map[string]int{"task": 1, "after": 7, "lit": 8, "z": 12, "last": 13},
		},
		{
			name: "inline tables and arrays spanning lines",
			src: `fields = [
  { path = "spec.type", equals = "NodePort" },

  # a comment with [brackets] and "quotes
  { path = "spec.ports[0].nodePort", equals = 30080 },
]
probe = { from = "a/b", to = "svc:a/c",
  port = 80 }
nested = [[1, 2], ["]", "x"]]
after = true
`,
			lines: map[string]int{
				"fields": 1, "fields[0]": 2, "fields[0].path": 2, "fields[0].equals": 2,
				"fields[1]": 5, "fields[1].path": 5, "fields[1].equals": 5,
				"probe": 7, "probe.from": 7, "probe.to": 7, "probe.port": 8,
				"nested": 9, "nested[1]": 9, "nested[1][1]": 9, "after": 10,
			},
		},
		{
			name: "quoted and dotted keys, comments, spaces",
			src: `# header comment
"app.kubernetes.io/name" = "web"  # trailing comment
a . b . c = 1
'lit.key' = 2
[ "weird table" . sub ]
k = 'v'
`,
			lines: map[string]int{
				`"app.kubernetes.io/name"`: 2, "a": 3, "a.b": 3, "a.b.c": 3, `"lit.key"`: 4,
				`"weird table"`: 5, `"weird table".sub`: 5, `"weird table".sub.k`: 6,
			},
		},
		{
			name: "an explicit super-table after its sub-table",
			src: `[a.b]
x = 1
[a]
y = 2
`,
			lines: map[string]int{"a.b": 1, "a": 3, "a.y": 4, "a.b.x": 2},
		},
		{
			name:  "CRLF line ends and a date with a space",
			src:   "a = 1\r\nwhen = 1979-05-27 07:32:00Z\r\n[t]\r\nb = \"\"\"\r\nx\r\n\"\"\"\r\nc = 3\r\n",
			lines: map[string]int{"a": 1, "when": 2, "t": 3, "t.b": 4, "t.c": 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := toml.Decode(tt.src, new(map[string]any)); err != nil {
				t.Fatalf("fixture is not valid TOML: %v", err)
			}
			keys := indexKeys(tt.src).all()
			for path, want := range tt.lines {
				got, ok := keys[path]
				if !ok {
					t.Errorf("%s: not indexed (have %v)", path, sortedKeys(keys))
					continue
				}
				if got != want {
					t.Errorf("%s: line %d, want %d", path, got, want)
				}
			}
			for path := range keys {
				if strings.Contains(path, "not") || strings.Contains(path, "fake") || strings.Contains(path, "nor") {
					t.Errorf("indexed %q from inside a string", path)
				}
			}
		})
	}
}

func TestIndexKeysLineFallbackAndValueLines(t *testing.T) {
	ix := indexKeys(validLab)
	tests := []struct {
		path string
		line int
	}{
		{"checks[1].probe.port", 59},
		{"checks[1].probe.protocol", 57}, // not written: its probe table (first dotted key)
		{"checks[0].resource.fields[0].matches", 49},
		{"checks[0].resource.namespace", 46},
		{"wrong[0].description", 37},
		{"setup.manifests", 16},
		{"nothing.here", 0},
	}
	for _, tt := range tests {
		if got := ix.line(tt.path); got != tt.line {
			t.Errorf("line(%s) = %d, want %d", tt.path, got, tt.line)
		}
	}
	values := map[string]int{
		"setup.manifests":    17, // """ then a line break: the text starts on the next line
		"solution.manifests": 32,
		"wrong[0].manifests": 39,
		"task":               10,
		"id":                 1,
	}
	for path, want := range values {
		if got := ix.valueLine(path); got != want {
			t.Errorf("valueLine(%s) = %d, want %d", path, got, want)
		}
	}
	var nilIndex *keyIndex
	if nilIndex.line("id") != 0 || nilIndex.valueLine("id") != 0 || nilIndex.has("id") {
		t.Error("a nil index must know no lines")
	}
}

// Every key BurntSushi's parser sees must be indexed, under the same name
// once array indexes are dropped.
func TestIndexKeysAgreesWithParser(t *testing.T) {
	srcs := []string{validLab, `
[[a]]
b.c = 1
[[a.d]]
"e f" = { g = [1, { h = 2 }] }
[[a]]
[a.i]
'j' = """
[k]
"""
`}
	for _, src := range srcs {
		md, err := toml.Decode(src, new(map[string]any))
		if err != nil {
			t.Fatal(err)
		}
		stripped := map[string]bool{}
		for p := range indexKeys(src).all() {
			stripped[stripIndexes(p)] = true
		}
		for _, k := range md.Keys() {
			var p string
			for _, part := range k {
				p = childPath(p, part)
			}
			if !stripped[p] {
				t.Errorf("parser key %q not indexed (have %v)", p, sortedKeys(stripped))
			}
		}
	}
}

func TestIndexKeysNeverPanics(t *testing.T) {
	bad := []string{
		"[", "[[a", "a =", `a = "unterminated`, `a = """never closed`, "= 1", "[a]]\nb = {", "a = [1,\n",
		"a = {b = }", `"\u00`, "x = '''\n", "[[a]]\n[a.b", "a.b.=1", "k = \"\\",
	}
	for _, src := range bad {
		indexKeys(src) // must return
	}
}

func TestPathHelpers(t *testing.T) {
	tests := []struct {
		path, parent, stripped, display string
	}{
		{"checks[3].probe.port", "checks[3].probe", "checks.probe.port", "checks.probe.port"},
		{"checks[3]", "checks", "checks", "checks[3]"},
		{"hints[0]", "hints", "hints", "hints[0]"},
		{"id", "", "id", "id"},
		{`labels."a.b/c[0]".x`, `labels."a.b/c[0]"`, `labels."a.b/c[0]".x`, `labels."a.b/c[0]".x`},
		{"a[1][2]", "a[1]", "a", "a[2]"},
	}
	for _, tt := range tests {
		if got := parentPath(tt.path); got != tt.parent {
			t.Errorf("parentPath(%s) = %q, want %q", tt.path, got, tt.parent)
		}
		if got := stripIndexes(tt.path); got != tt.stripped {
			t.Errorf("stripIndexes(%s) = %q, want %q", tt.path, got, tt.stripped)
		}
		if got := displayKey(tt.path); got != tt.display {
			t.Errorf("displayKey(%s) = %q, want %q", tt.path, got, tt.display)
		}
	}
	if got := childPath("a", "b.c"); got != `a."b.c"` {
		t.Errorf("childPath quoting: %s", got)
	}
	if got := unescapeBasic(`a\tb\"c\u00e9\x41\\`); got != "a\tb\"c\u00e9A\\" {
		t.Errorf("unescapeBasic: %q", got)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
