package labs

import (
	"flag"
	"runtime"
	"strings"
	"testing"
	"time"
)

// parseBudget is the most Parse may allocate for src: a constant plus a
// multiple of its size (real labs allocate about 25 bytes per byte of
// source). Allocation is the deterministic measure of both the memory and
// the time an input costs; the adversarial shapes of the seed corpus in
// testdata/fuzz/FuzzParse (deep arrays and inline tables, dotted keys with
// 10k parts, long headers over many keys) took gigabytes before the limits.
func parseBudget(src string) uint64 { return 16<<20 + 256*uint64(len(src)) }

// fuzzing reports whether the test runs under -fuzz (not as a unit test).
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

// Parse must never panic, every problem it reports has a line, and no
// input costs more than parseBudget.
func FuzzParse(f *testing.F) {
	f.Add(validLab)
	f.Add(lintLab)
	f.Add(paramLab)
	f.Add(strings.Replace(validLab, "[[checks]]", "[[checks.x]]", 1))
	f.Add("a = [{b = 1}, [2, '''\n]''']]\n[t]\nc.d = \"\"\"\n[x]\n\"\"\"")
	f.Fuzz(func(t *testing.T, src string) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		lab, errs := Parse("f.toml", []byte(src))
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if got, budget := after.TotalAlloc-before.TotalAlloc, parseBudget(src); got > budget {
			t.Fatalf("%d-byte input allocated %d bytes, budget %d", len(src), got, budget)
		}
		// Wall-clock only while fuzzing, and generous: unit tests never
		// assert time.
		if fuzzing() && took > 2*time.Second {
			t.Fatalf("%d-byte input took %v", len(src), took)
		}
		if (lab == nil) == (len(errs) == 0) {
			t.Fatalf("lab %v with %d errors", lab != nil, len(errs))
		}
		for _, e := range errs {
			if e.Line < 1 && e.Key != "" {
				t.Errorf("no line: %v", e)
			}
		}
	})
}

// ParseFieldPath and Eval must never panic.
func FuzzFieldPath(f *testing.F) {
	for _, s := range []string{"spec.ports[name=http].targetPort", `metadata.labels["a.b/c"]`, "a[*].b[0]", "a[x='y']"} {
		f.Add(s)
	}
	obj := map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"name": "http", "port": 80.0}}}}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseFieldPath(s)
		if err != nil {
			return
		}
		p.Eval(obj)
		FieldAssertion{Path: s, Contains: "x"}.Evaluate(obj)
	})
}
