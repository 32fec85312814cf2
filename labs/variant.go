package labs

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/ckadlab/ckadlab/internal/seeded"
)

// VariantNumbers bounds the variant numbers ckadlab draws: a fresh
// practice variant and an exam task's variant are in [1, VariantNumbers).
// Any number can be asked for (--variant N); distinct numbers may give the
// same values when a lab has fewer variants.
const VariantNumbers = 1_000_000

// newVariantRand is the generator of variant n's values.
func newVariantRand(n uint64) *seeded.Rand { return seeded.New(seeded.Mix(n, "variant")) }

// maxCachedVariants bounds a template's cache of rendered variants.
const maxCachedVariants = 64

// lab renders variant n and parses it.
func (t *template) lab(n uint64) (*Lab, ErrorList) {
	v, err := t.draw(n)
	if err != nil {
		return nil, ErrorList{{File: t.name, Line: 1, Key: "params", Msg: err.Error()}}
	}
	return t.labWith(n, v)
}

func (t *template) labWith(n uint64, v map[string]string) (*Lab, ErrorList) {
	text := t.render(v)
	// Values are longer than their {{name}}: the rendered text is held to
	// the limits of a lab file too.
	errs := ErrorList(nil)
	if err := checkLimits(t.name, []byte(text)); err != nil {
		errs = ErrorList{err}
	}
	var l *Lab
	if len(errs) == 0 {
		l, errs = parseText(t.name, text, t)
	}
	if len(errs) > 0 {
		if n != 0 {
			for _, e := range errs {
				e.Msg = fmt.Sprintf("variant %d (%s): %s", n, valuesText(v), e.Msg)
			}
		}
		return nil, errs
	}
	l.VariantN, l.Values = n, v
	for _, f := range t.post {
		m, err := f(l)
		if err != nil {
			return nil, ErrorList{{File: t.name, Line: 1, Msg: fmt.Sprintf("variant %d: %v", n, err)}}
		}
		m.tpl, m.VariantN, m.Values = t, n, v
		l = m
	}
	return l, nil
}

// Transformed is f(l), and every variant of it (Variant) is f of the
// same variant of l: a transformation that holds whatever variant is
// drawn later. f must return a new lab (it may share l's strings).
func (l *Lab) Transformed(f func(*Lab) (*Lab, error)) (*Lab, error) {
	out, err := f(l)
	if err != nil {
		return nil, err
	}
	if out == l {
		return nil, fmt.Errorf("transforming %s returned the lab itself", l.ID)
	}
	out.VariantN, out.Values = l.VariantN, l.Values
	out.tpl = nil
	if t := l.tpl; t != nil {
		out.tpl = &template{name: t.name, src: t.src, params: t.params, byName: t.byName, used: t.used,
			variants: t.variants, estimated: t.estimated, post: append(slices.Clip(t.post), f)}
	}
	return out, nil
}

// valuesText is "ns=shop, port=8080".
func valuesText(v map[string]string) string {
	return strings.ReplaceAll(strings.TrimSuffix(valuesKey(v), "\n"), "\n", ", ")
}

// NoParamsError is returned by Lab.Variant for a variant other than 0 of
// a lab without parameters.
type NoParamsError struct {
	Lab     string
	Variant uint64
}

func (e *NoParamsError) Error() string {
	return fmt.Sprintf("lab %s has no parameters: its only variant is 0 (asked for variant %d)", e.Lab, e.Variant)
}

// Variant returns variant n of the lab: its text, setup, solution, answers
// and checks rendered from the values that n draws (0: the defaults). A
// lab without parameters is its own variant 0 and has no other. The error
// says why a variant does not render (an ErrorList with file:line, or the
// constraints could not be met).
func (l *Lab) Variant(n uint64) (*Lab, error) {
	if l.tpl == nil {
		if n == 0 {
			return l, nil
		}
		return nil, &NoParamsError{Lab: l.ID, Variant: n}
	}
	if n == l.VariantN {
		return l, nil
	}
	c := l.tpl
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cached[n]; ok {
		return v, nil
	}
	v, errs := l.tpl.lab(n)
	if len(errs) > 0 {
		return nil, errs
	}
	if err := sameIDs(l, v); err != nil {
		return nil, err
	}
	if c.cached == nil || len(c.cached) >= maxCachedVariants {
		c.cached = map[uint64]*Lab{}
	}
	c.cached[n] = v
	return v, nil
}

// sameIDs checks that a variant keeps the ids of the lab: the lab's id,
// check ids and requirements, and the names of answers and what wrong
// answers fail are what progress, reports and other files refer to.
func sameIDs(a, b *Lab) error {
	bad := func(what, x, y string) error {
		return &Error{File: b.Source, Line: max(b.Line("params"), 1), Key: "params",
			Msg: fmt.Sprintf("variant %d: %s is %q in variant %d but %q here: ids stay the same in every variant (write no {{parameter}} in ids, names and fails)", b.VariantN, what, x, a.VariantN, y)}
	}
	if a.ID != b.ID {
		return bad("the lab id", a.ID, b.ID)
	}
	ids := func(l *Lab) []string {
		var out []string
		for _, c := range l.Checks {
			out = append(out, "checks: "+c.ID+" requires "+strings.Join(c.Requires, ","))
		}
		for _, w := range l.Wrong {
			out = append(out, "wrong: "+w.Name+" fails "+strings.Join(w.Fails, ","))
		}
		for _, c := range l.Correct {
			out = append(out, "correct: "+c.Name)
		}
		return out
	}
	x, y := ids(a), ids(b)
	for i := range min(len(x), len(y)) {
		if x[i] != y[i] {
			return bad("an id", x[i], y[i])
		}
	}
	if len(x) != len(y) {
		return bad("the number of checks and answers", fmt.Sprint(len(x)), fmt.Sprint(len(y)))
	}
	return nil
}

// HasParams reports whether the lab declares parameters.
func (l *Lab) HasParams() bool { return l.tpl != nil }

// Params are the lab's parameters, sorted by name (nil without any).
func (l *Lab) Params() []Param {
	if l.tpl == nil {
		return nil
	}
	out := make([]Param, len(l.tpl.params))
	for i, p := range l.tpl.params {
		out[i] = *p
	}
	return out
}

// Variants is the number of distinct variants of the lab: value sets that
// keep the constraints (1 without parameters). Above a hundred thousand
// combinations it is estimated from a sample (VariantsEstimated), and it
// is capped at a billion.
func (l *Lab) Variants() int {
	if l.tpl == nil {
		return 1
	}
	return l.tpl.variants
}

// VariantsEstimated reports whether Variants is an estimate.
func (l *Lab) VariantsEstimated() bool { return l.tpl != nil && l.tpl.estimated }

// UnusedParams are the parameters the lab declares but never writes.
func (l *Lab) UnusedParams() []Param {
	if l.tpl == nil {
		return nil
	}
	var out []Param
	for _, p := range l.tpl.unused() {
		out = append(out, *p)
	}
	return out
}

// VariantForSeed is the variant a seed gives this lab: the same seed gives
// the same variant (an exam's seed fixes each task's variant, and `start
// --seed S` repeats it), different labs get independent draws. 0 for a lab
// without parameters.
func (l *Lab) VariantForSeed(seed uint64) uint64 {
	if l.tpl == nil {
		return 0
	}
	return 1 + seeded.New(seeded.Mix(seed, l.ID)).Uint64n(VariantNumbers-1)
}

// RandomVariant is a fresh variant for practice (0 for a lab without
// parameters).
func (l *Lab) RandomVariant() uint64 {
	if l.tpl == nil {
		return 0
	}
	return 1 + rand.Uint64N(VariantNumbers-1)
}

// SampleVariants lists up to k variants with distinct values, variant 0
// first and then the first numbers from 1 up that give values not seen
// yet: the variants lint proves. Without parameters it is [0].
func (l *Lab) SampleVariants(k int) []uint64 {
	out := []uint64{0}
	if l.tpl == nil || k <= 1 {
		return out
	}
	seen := map[string]bool{valuesKey(l.tpl.defaults()): true}
	want := min(k, l.Variants())
	for n := uint64(1); len(out) < want && n <= uint64(8*k)+16; n++ {
		v, err := l.tpl.draw(n)
		if err != nil {
			continue
		}
		key := valuesKey(v)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, n)
	}
	return out
}

// maxCover bounds the value sets of coverVariants.
const maxCover = 64

// coverVariants are renderings that together use every pool value of
// every parameter (the i-th of each pool in the i-th; a range's low end
// only), constraints ignored: what may appear in any variant, such as the
// namespaces a lab can use. Variants that do not parse are skipped. A lab
// without parameters is its own cover.
func (l *Lab) coverVariants() []*Lab {
	if l.tpl == nil {
		return []*Lab{l}
	}
	t := l.tpl
	lead := t.leaders()
	n := 1
	for _, p := range lead {
		if !p.IsRange() {
			n = max(n, len(p.Pool))
		}
	}
	out := []*Lab{l}
	seen := map[string]bool{valuesKey(l.Values): true}
	for i := range min(n, maxCover) {
		v := map[string]string{}
		for _, p := range lead {
			if p.IsRange() {
				v[p.Name] = p.Default
			} else {
				v[p.Name] = p.Pool[i%len(p.Pool)]
			}
		}
		t.fill(v)
		if key := valuesKey(v); !seen[key] {
			seen[key] = true
			if c, errs := t.labWith(0, v); len(errs) == 0 {
				out = append(out, c)
			}
		}
	}
	return out
}

// ValuesText is the variant's values as "name=value, …", sorted by name
// ("" for a lab without parameters).
func (l *Lab) ValuesText() string {
	if len(l.Values) == 0 {
		return ""
	}
	return valuesText(l.Values)
}
