package labs

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// FieldPath is a parsed path into an object as the API server returns it
// (the JSON field names). Forms, freely combined:
//
//	spec.type                              a field
//	spec.ports[0].nodePort                 a list element by index (from 0)
//	spec.ports[name=http].targetPort       the first list element whose field name is http
//	spec.ports[port="80"].protocol         the value may be quoted
//	metadata.labels["app.kubernetes.io/name"]  a map key with dots or slashes
//	spec.rules[0].http.paths[*].path       every element (the result is a list)
//	spec.policyTypes                       a whole list
type FieldPath struct {
	steps []pathStep
}

type stepKind int

const (
	stepField    stepKind = iota // .name or ["name"]
	stepIndex                    // [N]
	stepWildcard                 // [*]
	stepSelect                   // [key=value]
)

type pathStep struct {
	kind  stepKind
	name  string // field name, or the selector's key
	index int
	value string // the selector's value
}

// ParseFieldPath parses a field path (see FieldPath).
func ParseFieldPath(s string) (FieldPath, error) {
	var p FieldPath
	fail := func(i int, format string, args ...any) (FieldPath, error) {
		return FieldPath{}, fmt.Errorf("field path %q: %s (at character %d)", s, fmt.Sprintf(format, args...), i+1)
	}
	if strings.TrimSpace(s) == "" {
		return FieldPath{}, fmt.Errorf("field path is empty")
	}
	i := 0
	expectName := true // at the start and after '.'
	for i < len(s) {
		c := s[i]
		switch {
		case c == '[':
			if expectName && i > 0 {
				return fail(i, "'[' right after '.'")
			}
			end, step, err := parseBracket(s, i)
			if err != nil {
				return fail(i, "%v", err)
			}
			p.steps = append(p.steps, step)
			i = end
			expectName = false
			if i < len(s) && s[i] != '.' && s[i] != '[' {
				return fail(i, "want '.' or '[' after ']'")
			}
		case c == '.':
			if expectName {
				return fail(i, "empty field name")
			}
			expectName = true
			i++
			if i == len(s) {
				return fail(i-1, "path ends with '.'")
			}
		case isNameChar(c):
			if !expectName {
				return fail(i, "want '.' before a field name")
			}
			start := i
			for i < len(s) && isNameChar(s[i]) {
				i++
			}
			p.steps = append(p.steps, pathStep{kind: stepField, name: s[start:i]})
			expectName = false
		default:
			return fail(i, "unexpected %q", c)
		}
	}
	return p, nil
}

func isNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$'
}

// parseBracket reads [...] starting at s[i] == '['; it returns the index
// after the closing bracket.
func parseBracket(s string, i int) (int, pathStep, error) {
	j := i + 1
	if j >= len(s) {
		return 0, pathStep{}, fmt.Errorf("unclosed '['")
	}
	switch c := s[j]; {
	case c == '*':
		if j+1 >= len(s) || s[j+1] != ']' {
			return 0, pathStep{}, fmt.Errorf("want ']' after '*'")
		}
		return j + 2, pathStep{kind: stepWildcard}, nil
	case c >= '0' && c <= '9':
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k >= len(s) || s[k] != ']' {
			return 0, pathStep{}, fmt.Errorf("want ']' after the index")
		}
		n, err := strconv.Atoi(s[j:k])
		if err != nil {
			return 0, pathStep{}, fmt.Errorf("bad index %q", s[j:k])
		}
		return k + 1, pathStep{kind: stepIndex, index: n}, nil
	case c == '"' || c == '\'':
		str, k, err := quoted(s, j)
		if err != nil {
			return 0, pathStep{}, err
		}
		if k >= len(s) || s[k] != ']' {
			return 0, pathStep{}, fmt.Errorf("want ']' after the quoted key")
		}
		return k + 1, pathStep{kind: stepField, name: str}, nil
	case isNameChar(c):
		k := j
		for k < len(s) && isNameChar(s[k]) {
			k++
		}
		key := s[j:k]
		if k >= len(s) || s[k] != '=' {
			return 0, pathStep{}, fmt.Errorf("want [N], [*], [\"key\"] or [field=value]")
		}
		k++
		var val string
		if k < len(s) && (s[k] == '"' || s[k] == '\'') {
			str, end, err := quoted(s, k)
			if err != nil {
				return 0, pathStep{}, err
			}
			val, k = str, end
		} else {
			start := k
			for k < len(s) && s[k] != ']' {
				k++
			}
			val = strings.TrimSpace(s[start:k])
			if val == "" || strings.ContainsAny(val, "[=\"'") {
				return 0, pathStep{}, fmt.Errorf("bad selector value %q (quote it)", val)
			}
		}
		if k >= len(s) || s[k] != ']' {
			return 0, pathStep{}, fmt.Errorf("unclosed '['")
		}
		return k + 1, pathStep{kind: stepSelect, name: key, value: val}, nil
	}
	return 0, pathStep{}, fmt.Errorf("want [N], [*], [\"key\"] or [field=value]")
}

// quoted reads a "..." (Go escapes) or '...' string at s[i].
func quoted(s string, i int) (string, int, error) {
	q := s[i]
	for k := i + 1; k < len(s); k++ {
		if s[k] == '\\' && q == '"' {
			k++
			continue
		}
		if s[k] == q {
			if q == '\'' {
				return s[i+1 : k], k + 1, nil
			}
			str, err := strconv.Unquote(s[i : k+1])
			if err != nil {
				return "", 0, fmt.Errorf("bad quoted key %s", s[i:k+1])
			}
			return str, k + 1, nil
		}
	}
	return "", 0, fmt.Errorf("unclosed quote")
}

// Multi reports whether the path has a [*] wildcard, so that its value is
// the list of the values found.
func (p FieldPath) Multi() bool {
	for _, s := range p.steps {
		if s.kind == stepWildcard {
			return true
		}
	}
	return false
}

// Eval returns the values at p in obj: one value for a path without a
// wildcard, and every value found for a path with one. found is false when
// nothing is there. A null value counts as absent, as in the API.
func (p FieldPath) Eval(obj map[string]any) (values []any, found bool) {
	if len(p.steps) == 0 || obj == nil {
		return nil, false
	}
	cur := []any{obj}
	for _, st := range p.steps {
		var next []any
		for _, node := range cur {
			switch st.kind {
			case stepField:
				if m, ok := asMap(node); ok {
					if v, ok := m[st.name]; ok && v != nil {
						next = append(next, v)
					}
				}
			case stepIndex:
				if l, ok := asList(node); ok && st.index < len(l) && l[st.index] != nil {
					next = append(next, l[st.index])
				}
			case stepWildcard:
				if l, ok := asList(node); ok {
					for _, e := range l {
						if e != nil {
							next = append(next, e)
						}
					}
				} else if m, ok := asMap(node); ok {
					keys := make([]string, 0, len(m))
					for k := range m {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						if m[k] != nil {
							next = append(next, m[k])
						}
					}
				}
			case stepSelect:
				if l, ok := asList(node); ok {
					for _, e := range l {
						if m, ok := asMap(e); ok {
							if v, ok := m[st.name]; ok && v != nil && FormatValue(v) == st.value {
								next = append(next, e)
								break
							}
						}
					}
				}
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil, false
		}
	}
	return cur, true
}

// asMap accepts the map shapes decoded YAML and unstructured objects use.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[string]string:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out, true
	}
	return nil, false
}

func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	case []map[string]any:
		out := make([]any, len(l))
		for i, m := range l {
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// FormatValue is the text form of a field value used to compare and show
// it: strings as they are, numbers as integers when whole, booleans as
// true/false, lists and maps as compact JSON (["Ingress","Egress"]).
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case float32:
		return formatFloat(float64(x))
	case float64:
		return formatFloat(x)
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return formatFloat(f)
		}
		return x.String()
	}
	return compactJSON(v)
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// compactJSON renders lists and maps (keys sorted) with the scalars in
// their FormatValue form.
func compactJSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v)
	return b.String()
}

func writeJSON(b *strings.Builder, v any) {
	if l, ok := asList(v); ok {
		b.WriteByte('[')
		for i, e := range l {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
		return
	}
	if m, ok := asMap(v); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeJSON(b, m[k])
		}
		b.WriteByte('}')
		return
	}
	switch x := v.(type) {
	case string:
		b.WriteString(strconv.Quote(x))
	case nil:
		b.WriteString("null")
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		b.WriteString(FormatValue(x))
	default:
		// Anything else (never produced by YAML or JSON decoding).
		b.WriteString(strconv.Quote(fmt.Sprint(x)))
	}
}

// observedText is a value as shown to the learner: "<absent>", `""` for
// an empty string, or FormatValue.
func observedText(v any, found bool) string {
	if !found {
		return "<absent>"
	}
	if s, ok := v.(string); ok && s == "" {
		return `""`
	}
	return FormatValue(v)
}

// Evaluate applies the assertion to obj (an object as the API server
// returns it). expected and observed are short texts for the learner, e.g.
// expected "NodePort", observed "ClusterIP"; observed is "<absent>" when
// the field is missing. A path with [*] observes the list of values found.
//
//   - equals: the field's text equals the value's (numbers as integers,
//     booleans as true/false, lists as ["a","b"]; a list may also be written
//     [a, b]);
//   - contains: a substring of a scalar's text, an element of a list, or a
//     key of a map;
//   - exists: whether the field is present (true) or absent (false);
//   - matches: the Go regular expression matches the field's text.
func (a FieldAssertion) Evaluate(obj map[string]any) (ok bool, expected, observed string) {
	expected = a.expectation()
	p, err := ParseFieldPath(a.Path)
	if err != nil {
		return false, expected, "invalid field path: " + err.Error()
	}
	values, found := p.Eval(obj)
	var v any
	if found {
		if p.Multi() {
			v = values
		} else {
			v = values[0]
		}
	}
	observed = observedText(v, found)
	if a.Any && p.Multi() && found {
		for _, x := range values {
			if ok, _, _ := a.evaluateValue(x, true); ok {
				return true, "any " + expected, observed
			}
		}
		return false, "any " + expected, observed
	}
	ok, _, observed = a.evaluateValue(v, found)
	if a.Any {
		expected = "any " + expected
	}
	return ok, expected, observed
}

// evaluateValue applies the assertion to one value.
func (a FieldAssertion) evaluateValue(v any, found bool) (ok bool, expected, observed string) {
	expected, observed = a.expectation(), observedText(v, found)
	switch {
	case a.Exists != nil:
		return found == *a.Exists, expected, observed
	case a.Equals != nil:
		return found && equalsText(v, a.Equals), expected, observed
	case a.Contains != "":
		return found && containsValue(v, a.Contains), expected, observed
	case a.Matches != "":
		re, err := regexp.Compile(a.Matches)
		if err != nil {
			return false, expected, "invalid regular expression: " + err.Error()
		}
		return found && re.MatchString(FormatValue(v)), expected, observed
	}
	return false, expected, observed
}

// expectation describes what the assertion wants.
func (a FieldAssertion) expectation() string {
	switch {
	case a.Exists != nil:
		if *a.Exists {
			return "present"
		}
		return "<absent>"
	case a.Equals != nil:
		return observedText(a.Equals, true)
	case a.Contains != "":
		return "contains " + strconv.Quote(a.Contains)
	case a.Matches != "":
		return "matches " + a.Matches
	}
	return "no assertion (set one of equals, contains, exists or matches)"
}

// equalsText compares a field value with an expected scalar by text. When
// the field holds a list or map, the expected text is read as JSON or as a
// YAML-style flow list ([Ingress, Egress]) and compared element-wise.
func equalsText(v, want any) bool {
	w := FormatValue(want)
	if _, isList := asList(v); !isList {
		if _, isMap := asMap(v); !isMap {
			return FormatValue(v) == w
		}
	}
	got := FormatValue(v)
	if got == w {
		return true
	}
	var parsed any
	if err := json.Unmarshal([]byte(w), &parsed); err == nil {
		return compactJSON(parsed) == got
	}
	if elems, ok := flowList(w); ok {
		l, _ := asList(v)
		if len(l) != len(elems) {
			return false
		}
		for i := range l {
			if FormatValue(l[i]) != elems[i] {
				return false
			}
		}
		return true
	}
	return false
}

// flowList reads a flat YAML flow list of scalars: [a, "b", 3].
func flowList(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, false
	}
	inner := strings.TrimSpace(s[1 : len(s)-1])
	if inner == "" {
		return []string{}, true
	}
	var out []string
	for _, e := range strings.Split(inner, ",") {
		e = strings.TrimSpace(e)
		if len(e) >= 2 && (e[0] == '"' && e[len(e)-1] == '"' || e[0] == '\'' && e[len(e)-1] == '\'') {
			e = e[1 : len(e)-1]
		}
		if strings.ContainsAny(e, "[]{}") {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}

// containsValue: an element of a list, a key of a map, or a substring of
// a scalar's text.
func containsValue(v any, want string) bool {
	if l, ok := asList(v); ok {
		for _, e := range l {
			if FormatValue(e) == want {
				return true
			}
		}
		return false
	}
	if m, ok := asMap(v); ok {
		_, ok := m[want]
		return ok
	}
	return strings.Contains(FormatValue(v), want)
}
