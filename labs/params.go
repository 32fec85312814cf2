package labs

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Parameters and variants.
//
// A lab may declare parameters in a [params] table:
//
//	[params]
//	ns   = { pool = ["shop", "store", "market"] }
//	port = { range = [8000, 8999], default = 8080 }
//	alt  = { range = [8000, 8999], differs = ["port"] }
//	app  = { pool = ["web", "api", "db"], follows = "ns" }
//
// and write {{name}} anywhere in the file. The raw text of the file is
// rendered with one set of values before the TOML is decoded, so a
// parameter can stand for a string, part of one, or a whole integer
// (port = {{port}}), and every line keeps its number. Variant 0 takes each
// parameter's default (the first pool value, the low end of a range, or
// `default`); variant N > 0 draws the values with the seeded generator
// seeded by N.

// Param is one declared parameter.
type Param struct {
	Name string
	// Pool is the values to choose from (integers as their decimal text);
	// nil for a range.
	Pool []string
	// Lo and Hi bound a range (inclusive) when Pool is nil.
	Lo, Hi int64
	// Default is variant 0's value.
	Default string
	// Differs names parameters whose value must differ from this one's.
	Differs []string
	// Follows names a pool parameter of the same length: this parameter
	// takes the value at the same index (values that go together).
	Follows string
	// Line is where the parameter is declared.
	Line int
}

// IsRange reports whether the parameter is an integer range.
func (p *Param) IsRange() bool { return p.Pool == nil }

// size is how many values the parameter can take.
func (p *Param) size() uint64 {
	if p.IsRange() {
		return uint64(p.Hi-p.Lo) + 1
	}
	return uint64(len(p.Pool))
}

// value is the parameter's i-th value.
func (p *Param) value(i uint64) string {
	if p.IsRange() {
		return strconv.FormatInt(p.Lo+int64(i), 10)
	}
	return p.Pool[i]
}

// index is the index of v among the parameter's values, or -1.
func (p *Param) index(v string) int {
	if p.IsRange() {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < p.Lo || n > p.Hi {
			return -1
		}
		return int(n - p.Lo)
	}
	return slices.Index(p.Pool, v)
}

// MaxVariantDraws is how many draws a variant may take to satisfy the
// constraints before it is an error.
const MaxVariantDraws = 1000

// variantCap is the largest product of the parameters' sizes whose
// variants are counted one by one; above it the count is estimated.
const variantCap = 100_000

// maxRangeValue is the largest value of a range (ports, CIDR octets and
// counts are far below it).
const maxRangeValue = 1<<32 - 1

// maxParams bounds the parameters of one lab.
const maxParams = 32

// placeholderRE matches {{name}} (a parameter) and {{"text"}} (text
// written as is: a literal "{{" in a kubectl go-template).
var placeholderRE = regexp.MustCompile(`\{\{\s*(?:([A-Za-z][A-Za-z0-9_]*)|"([^"\n]*)")\s*\}\}`)

var paramNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// template is a lab file with parameters: its raw text and what it
// declares.
type template struct {
	name   string // file name, for messages
	src    string
	params []*Param // sorted by name
	byName map[string]*Param
	used   map[string]bool
	// variants counts the distinct value sets; estimated when the
	// parameters have too many combinations to count.
	variants  int
	estimated bool

	// post are transformations applied to every rendered variant, in
	// order (Lab.Transformed: a class maps each variant into a learner's
	// namespaces).
	post []func(*Lab) (*Lab, error)

	mu     sync.Mutex
	cached map[uint64]*Lab // rendered variants (Lab.Variant)
}

// declaresParams is a quick test of whether src may declare parameters.
var declaresParamsRE = regexp.MustCompile(`(?m)^[ \t]*(\[[ \t]*params[ \t]*[.\]]|params[ \t]*[.=])`)

// parseTemplate reads the [params] table of a lab file. It returns nil
// (and no error) for a file that declares no parameters: such a file is
// parsed as written, {{...}} and all.
func parseTemplate(name, src string) (*template, ErrorList) {
	if !declaresParamsRE.MatchString(src) {
		return nil, nil
	}
	// The file as TOML with every placeholder replaced by 1: valid in
	// strings and as an integer, so that the [params] table can be read
	// before there are values. Line numbers do not change.
	neutral := placeholderRE.ReplaceAllStringFunc(src, func(m string) string {
		if sub := placeholderRE.FindStringSubmatch(m); sub[1] == "" {
			return sub[2]
		}
		return "1"
	})
	raw, serr := decodeRaw(name, neutral)
	if serr != nil {
		return nil, ErrorList{serr}
	}
	decl, ok := raw["params"]
	if !ok {
		return nil, nil
	}
	ix := indexKeys(neutral)
	t := &template{name: name, src: src, byName: map[string]*Param{}, used: map[string]bool{}}
	var perrs []pathError
	table, ok := decl.(map[string]any)
	if !ok {
		perrs = append(perrs, pathError{"params", fmt.Sprintf("params: want a table of parameters (name = { pool = [...] }), found %s", describeValue(decl))})
		return nil, locate(name, ix, perrs)
	}
	names := make([]string, 0, len(table))
	for k := range table {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > maxParams {
		perrs = append(perrs, pathError{"params", fmt.Sprintf("params: %d parameters, at most %d", len(names), maxParams)})
	}
	for _, k := range names {
		p := parseParam(k, table[k], &perrs)
		if p == nil {
			continue
		}
		p.Line = ix.line(childPath("params", k))
		t.params = append(t.params, p)
		t.byName[k] = p
	}
	if len(perrs) == 0 {
		t.crossCheck(&perrs)
	}
	var errs ErrorList
	if len(perrs) > 0 {
		errs = locate(name, ix, perrs)
	}
	// Every placeholder must name a declared parameter.
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(src, -1) {
		if m[2] < 0 {
			continue
		}
		pname := src[m[2]:m[3]]
		if _, ok := t.byName[pname]; ok {
			t.used[pname] = true
			continue
		}
		errs = append(errs, &Error{File: name, Line: lineAt(src, m[0]), Key: "params",
			Msg: fmt.Sprintf("unknown parameter {{%s}}%s (declare it under [params]; a literal {{ is written {{\"{{\"}})", pname, didYouMean(pname, names))})
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	t.count()
	if t.variants == 0 {
		return nil, ErrorList{{File: name, Line: max(ix.line("params"), 1), Key: "params",
			Msg: "params: no set of values satisfies the constraints (differs, follows)"}}
	}
	return t, nil
}

// lineAt is the 1-based line of byte offset off of src.
func lineAt(src string, off int) int { return strings.Count(src[:off], "\n") + 1 }

// paramValue reads a pool value or a default: a string or an integer.
func paramValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// badValueChars may not appear in a parameter's value: the value is
// written into TOML strings and YAML as is.
const badValueChars = "\"'\\{}`\n\r\t"

func parseParam(name string, v any, perrs *[]pathError) *Param {
	path := childPath("params", name)
	add := func(sub, format string, args ...any) {
		p := path
		if sub != "" {
			p = childPath(path, sub)
		}
		*perrs = append(*perrs, pathError{p, fmt.Sprintf(format, args...)})
	}
	if !paramNameRE.MatchString(name) {
		add("", "params.%s: a parameter name is a letter followed by letters, digits or _", name)
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		add("", "params.%s: want a table such as { pool = [\"a\", \"b\"] } or { range = [8000, 8999] }, found %s", name, describeValue(v))
		return nil
	}
	p := &Param{Name: name}
	keys := []string{"pool", "range", "default", "differs", "follows"}
	for k := range m {
		if !slices.Contains(keys, k) {
			add(k, "unknown key %q in params.%s%s", k, name, didYouMean(k, keys))
		}
	}
	pool, hasPool := m["pool"]
	rng, hasRange := m["range"]
	switch {
	case hasPool == hasRange:
		add("", "params.%s: give exactly one of pool = [values] or range = [low, high]", name)
		return nil
	case hasPool:
		list, ok := pool.([]any)
		if !ok || len(list) == 0 {
			add("pool", "params.%s.pool: want a non-empty array of strings or integers", name)
			return nil
		}
		p.Pool = []string{}
		for i, e := range list {
			s, ok := paramValue(e)
			switch {
			case !ok:
				add("pool", "params.%s.pool[%d]: want a string or an integer, found %s", name, i, describeValue(e))
			case s == "" || strings.ContainsAny(s, badValueChars) || len(s) > 253:
				add("pool", "params.%s.pool[%d]: %q: a value is 1-253 characters without quotes, backslashes, braces, backquotes or line breaks", name, i, s)
			case slices.Contains(p.Pool, s):
				add("pool", "params.%s.pool: %q is listed twice", name, s)
			}
			p.Pool = append(p.Pool, s)
		}
	default:
		list, ok := rng.([]any)
		var lo, hi int64
		if ok && len(list) == 2 {
			lo, ok = list[0].(int64)
			var ok2 bool
			hi, ok2 = list[1].(int64)
			ok = ok && ok2
		}
		if !ok || len(list) != 2 || lo > hi || lo < 0 || hi > maxRangeValue {
			add("range", "params.%s.range: want [low, high], two integers with 0 ≤ low ≤ high ≤ %d", name, int64(maxRangeValue))
			return nil
		}
		p.Lo, p.Hi = lo, hi
	}
	if d, ok := m["default"]; ok {
		s, ok := paramValue(d)
		switch {
		case !ok:
			add("default", "params.%s.default: want a string or an integer, found %s", name, describeValue(d))
		case p.index(s) < 0:
			add("default", "params.%s.default: %q is not one of its values", name, s)
		}
		p.Default = s
	} else if p.IsRange() {
		p.Default = strconv.FormatInt(p.Lo, 10)
	} else if len(p.Pool) > 0 {
		p.Default = p.Pool[0]
	}
	if d, ok := m["differs"]; ok {
		list, ok := d.([]any)
		if !ok {
			add("differs", "params.%s.differs: want an array of parameter names", name)
		}
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				add("differs", "params.%s.differs: want an array of parameter names", name)
				continue
			}
			p.Differs = append(p.Differs, s)
		}
	}
	if f, ok := m["follows"]; ok {
		s, ok := f.(string)
		if !ok {
			add("follows", "params.%s.follows: want a parameter name", name)
		}
		p.Follows = s
		if _, has := m["default"]; has {
			add("default", "params.%s: a parameter that follows another takes its default from it", name)
		}
	}
	return p
}

// crossCheck validates the references between parameters.
func (t *template) crossCheck(perrs *[]pathError) {
	names := make([]string, len(t.params))
	for i, p := range t.params {
		names[i] = p.Name
	}
	for _, p := range t.params {
		path := childPath("params", p.Name)
		for _, d := range p.Differs {
			switch {
			case d == p.Name:
				*perrs = append(*perrs, pathError{childPath(path, "differs"), fmt.Sprintf("params.%s.differs names the parameter itself", p.Name)})
			case t.byName[d] == nil:
				*perrs = append(*perrs, pathError{childPath(path, "differs"), fmt.Sprintf("params.%s.differs: no parameter %q%s", p.Name, d, didYouMean(d, names))})
			}
		}
		if p.Follows == "" {
			continue
		}
		lead := t.byName[p.Follows]
		switch {
		case lead == nil:
			*perrs = append(*perrs, pathError{childPath(path, "follows"), fmt.Sprintf("params.%s.follows: no parameter %q%s", p.Name, p.Follows, didYouMean(p.Follows, names))})
		case lead.Follows != "":
			*perrs = append(*perrs, pathError{childPath(path, "follows"), fmt.Sprintf("params.%s.follows %s, which follows %s itself: follow %s", p.Name, lead.Name, lead.Follows, lead.Follows)})
		case p.IsRange() || lead.IsRange() || len(p.Pool) != len(lead.Pool):
			*perrs = append(*perrs, pathError{childPath(path, "follows"), fmt.Sprintf("params.%s.follows %s: both need pools of the same length", p.Name, lead.Name)})
		default:
			p.Default = p.Pool[lead.index(lead.Default)]
		}
	}
	if bad := t.broken(t.defaults()); bad != "" {
		*perrs = append(*perrs, pathError{"params", "params: the default values (variant 0) break the constraints: " + bad})
	}
}

// leaders are the parameters drawn independently (not following another).
func (t *template) leaders() []*Param {
	var out []*Param
	for _, p := range t.params {
		if p.Follows == "" {
			out = append(out, p)
		}
	}
	return out
}

// defaults are variant 0's values.
func (t *template) defaults() map[string]string {
	v := make(map[string]string, len(t.params))
	for _, p := range t.params {
		v[p.Name] = p.Default
	}
	return v
}

// fill sets the followers' values from their leaders'.
func (t *template) fill(v map[string]string) {
	for _, p := range t.params {
		if p.Follows != "" {
			v[p.Name] = p.Pool[t.byName[p.Follows].index(v[p.Follows])]
		}
	}
}

// broken says which constraint values break, or "".
func (t *template) broken(v map[string]string) string {
	for _, p := range t.params {
		for _, d := range p.Differs {
			if q, ok := v[d]; ok && q == v[p.Name] {
				return fmt.Sprintf("%s and %s are both %q (differs)", p.Name, d, q)
			}
		}
	}
	return ""
}

// draw returns the values of variant n.
func (t *template) draw(n uint64) (map[string]string, error) {
	if n == 0 {
		return t.defaults(), nil
	}
	r := newVariantRand(n)
	lead := t.leaders()
	for range MaxVariantDraws {
		v := make(map[string]string, len(t.params))
		for _, p := range lead {
			v[p.Name] = p.value(r.Uint64n(p.size()))
		}
		t.fill(v)
		if t.broken(v) == "" {
			return v, nil
		}
	}
	return nil, fmt.Errorf("variant %d: no values satisfying the constraints (differs) after %d draws", n, MaxVariantDraws)
}

// count sets the number of distinct variants: every combination of the
// leaders' values that keeps the constraints, counted one by one up to
// variantCap combinations and estimated from a sample above it.
func (t *template) count() {
	lead := t.leaders()
	total := uint64(1)
	for _, p := range lead {
		total = sat(total, p.size())
	}
	over := total > variantCap
	v := make(map[string]string, len(t.params)) // reused: no allocation per value set
	if !over {
		ok := 0
		idx := make([]uint64, len(lead))
		for {
			for i, p := range lead {
				v[p.Name] = p.value(idx[i])
			}
			t.fill(v)
			if t.broken(v) == "" {
				ok++
			}
			i := 0
			for ; i < len(lead); i++ {
				idx[i]++
				if idx[i] < lead[i].size() {
					break
				}
				idx[i] = 0
			}
			if i == len(lead) {
				break
			}
		}
		t.variants = ok
		return
	}
	const samples = 2000
	r := newVariantRand(1)
	ok := 0
	for range samples {
		for _, p := range lead {
			v[p.Name] = p.value(r.Uint64n(p.size()))
		}
		t.fill(v)
		if t.broken(v) == "" {
			ok++
		}
	}
	est := float64(total) * float64(ok) / samples
	t.estimated = true
	switch {
	case ok == 0:
		t.variants = 0
	case est >= maxVariantCount:
		t.variants = maxVariantCount
	default:
		t.variants = max(1, int(est))
	}
}

// maxVariantCount caps Variants.
const maxVariantCount = 1_000_000_000

// sat multiplies without overflowing past maxVariantCount.
func sat(a, b uint64) uint64 {
	if a > maxVariantCount/b {
		return maxVariantCount
	}
	return a * b
}

// render substitutes the values into the raw text.
func (t *template) render(v map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(t.src, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		if sub[1] == "" {
			return sub[2]
		}
		return v[sub[1]]
	})
}

// unused are the declared parameters the file never writes.
func (t *template) unused() []*Param {
	var out []*Param
	for _, p := range t.params {
		if !t.used[p.Name] {
			out = append(out, p)
		}
	}
	return out
}

// valuesKey is a canonical text of a value set (to compare variants).
func valuesKey(v map[string]string) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v[k])
		b.WriteByte('\n')
	}
	return b.String()
}
