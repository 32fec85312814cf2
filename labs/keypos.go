package labs

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Key paths name a key of a TOML document the way messages show it:
// segments joined by ".", non-bare segments quoted, array elements (from
// [[array.of.tables]] or inline arrays) as "[N]", counting from 0. For
// example `checks[3].probe.port` or `metadata."app.kubernetes.io/name"`.

// keyIndex maps key paths of one TOML source to line numbers. BurntSushi's
// MetaData records key positions but does not expose them, so the loader
// indexes the source text itself. The index is a tree of keys (not a map
// of full path strings) so that its size grows with the source, however
// long or deep the keys: a path string per key would cost the length of
// its table header for every key below it.
type keyIndex struct {
	root keyNode
}

// keyNode is one key, table or array element of the source.
type keyNode struct {
	line     int  // line of the key or table header; 0 when not written
	value    int  // line where a string value's text starts; 0 when unknown
	explicit bool // a table defined by a [header] (not implicitly)
	tables   int  // elements so far when this is an array of tables
	isAOT    bool // an array of tables ([[header]])
	keys     map[string]*keyNode
	elems    []*keyNode
}

// child returns the node of key k, creating it.
func (n *keyNode) child(k string) *keyNode {
	if c, ok := n.keys[k]; ok {
		return c
	}
	if n.keys == nil {
		n.keys = map[string]*keyNode{}
	}
	c := &keyNode{}
	n.keys[k] = c
	return c
}

// elem returns the node of element i, creating it.
func (n *keyNode) elem(i int) *keyNode {
	for len(n.elems) <= i {
		n.elems = append(n.elems, nil)
	}
	if n.elems[i] == nil {
		n.elems[i] = &keyNode{}
	}
	return n.elems[i]
}

// walk follows path from the root as far as it is indexed and returns the
// nodes met, the root first.
func (ix *keyIndex) walk(path string) []*keyNode {
	nodes := []*keyNode{&ix.root}
	n := &ix.root
	for _, part := range splitPath(path) {
		var next *keyNode
		if strings.HasPrefix(part, "[") {
			i, err := strconv.Atoi(strings.TrimSuffix(part[1:], "]"))
			if err == nil && i >= 0 && i < len(n.elems) {
				next = n.elems[i]
			}
		} else {
			k := strings.TrimPrefix(part, ".")
			if strings.HasPrefix(k, `"`) {
				if u, err := strconv.Unquote(k); err == nil {
					k = u
				}
			}
			next = n.keys[k]
		}
		if next == nil {
			break
		}
		nodes = append(nodes, next)
		n = next
	}
	return nodes
}

// find is the node of path when it is written in the source.
func (ix *keyIndex) find(path string) *keyNode {
	if ix == nil || path == "" {
		return nil
	}
	nodes := ix.walk(path)
	if len(nodes) != len(splitPath(path))+1 {
		return nil
	}
	return nodes[len(nodes)-1]
}

// line is the line of path or, when path is not in the source (a missing
// key), of its nearest ancestor; 0 when nothing matches.
func (ix *keyIndex) line(path string) int {
	if ix == nil {
		return 0
	}
	nodes := ix.walk(path)
	for i := len(nodes) - 1; i > 0; i-- {
		if nodes[i].line > 0 {
			return nodes[i].line
		}
	}
	return 0
}

// has reports whether path is written in the source.
func (ix *keyIndex) has(path string) bool {
	n := ix.find(path)
	return n != nil && n.line > 0
}

// valueLine is the line where the text of the string at path starts (for a
// multi-line string whose opening delimiter ends the line, the next line).
func (ix *keyIndex) valueLine(path string) int {
	if n := ix.find(path); n != nil {
		return n.value
	}
	return 0
}

// all lists every indexed path with its line (for tests and debugging;
// it builds the full path strings the tree avoids).
func (ix *keyIndex) all() map[string]int {
	out := map[string]int{}
	var visit func(n *keyNode, path string)
	visit = func(n *keyNode, path string) {
		if n.line > 0 && path != "" {
			out[path] = n.line
		}
		for k, c := range n.keys {
			visit(c, childPath(path, k))
		}
		for i, c := range n.elems {
			if c != nil {
				visit(c, indexPath(path, i))
			}
		}
	}
	visit(&ix.root, "")
	return out
}

// isBareKey reports whether k can be written without quotes.
func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isBareChar(k[i]) {
			return false
		}
	}
	return true
}

func isBareChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// keySegment renders one key for a path.
func keySegment(k string) string {
	if isBareKey(k) {
		return k
	}
	return strconv.Quote(k)
}

// childPath is parent.key.
func childPath(parent, key string) string {
	if parent == "" {
		return keySegment(key)
	}
	return parent + "." + keySegment(key)
}

// indexPath is parent[i].
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// splitPath cuts a path into its elements: "a", ".b", "[3]", `."x.y"`.
func splitPath(path string) []string {
	var parts []string
	start := 0
	inQuote := false
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case (c == '.' || c == '[') && i > start:
			parts = append(parts, path[start:i])
			start = i
		}
	}
	if start < len(path) {
		parts = append(parts, path[start:])
	}
	return parts
}

// parentPath drops the last element of a path ("" for a top-level key).
func parentPath(path string) string {
	parts := splitPath(path)
	if len(parts) <= 1 {
		return ""
	}
	return strings.Join(parts[:len(parts)-1], "")
}

// stripIndexes drops the array indexes: checks[3].probe.port → checks.probe.port.
func stripIndexes(path string) string {
	var b strings.Builder
	for _, p := range splitPath(path) {
		if !strings.HasPrefix(p, "[") {
			b.WriteString(p)
		}
	}
	return b.String()
}

// indexKeys scans TOML source text and records the line of every key,
// table header and array element. It assumes the text has already been
// parsed successfully, but never fails or panics on bad input: it skips
// what it does not understand to the end of the line. Its time and memory
// are linear in the source, and its recursion follows the nesting of
// inline values (which the loader bounds before it gets here).
func indexKeys(src string) *keyIndex {
	s := &keyScanner{src: src, line: 1, ix: &keyIndex{}}
	table := &s.ix.root
	for {
		s.skipBlank(true)
		if s.eof() {
			break
		}
		start := s.pos
		if s.peek() == '[' {
			if t, ok := s.header(); ok {
				table = t
			}
		} else {
			s.keyValue(table)
		}
		s.skipRestOfLine()
		if s.pos == start { // no progress: give up on this character
			s.advance()
		}
	}
	return s.ix
}

type keyScanner struct {
	src  string
	pos  int
	line int
	ix   *keyIndex
}

func (s *keyScanner) eof() bool  { return s.pos >= len(s.src) }
func (s *keyScanner) peek() byte { return s.src[s.pos] }

func (s *keyScanner) hasPrefix(p string) bool { return strings.HasPrefix(s.src[s.pos:], p) }

// advance moves one byte, counting lines.
func (s *keyScanner) advance() {
	if s.src[s.pos] == '\n' {
		s.line++
	}
	s.pos++
}

// skipBlank skips spaces, tabs, comments and, when newlines is set, line
// breaks.
func (s *keyScanner) skipBlank(newlines bool) {
	for !s.eof() {
		switch c := s.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			s.pos++
		case c == '\n' && newlines:
			s.advance()
		case c == '#':
			for !s.eof() && s.peek() != '\n' {
				s.pos++
			}
		default:
			return
		}
	}
}

// skipRestOfLine moves to the next line break (not past it).
func (s *keyScanner) skipRestOfLine() {
	for !s.eof() && s.peek() != '\n' {
		s.pos++
	}
}

// setImplicit records a table created by a dotted key or a header of a
// sub-table, unless it was already recorded.
func setImplicit(n *keyNode, line int) {
	if n.line == 0 {
		n.line = line
	}
}

// header reads [a.b] or [[a.b]] and returns the node of the table it opens.
func (s *keyScanner) header() (*keyNode, bool) {
	line := s.line
	double := s.hasPrefix("[[")
	if double {
		s.pos += 2
	} else {
		s.pos++
	}
	s.skipBlank(false)
	keys, ok := s.key()
	if !ok {
		return nil, false
	}
	s.skipBlank(false)
	closing := "]"
	if double {
		closing = "]]"
	}
	if !s.hasPrefix(closing) {
		return nil, false
	}
	s.pos += len(closing)

	n := &s.ix.root
	for i, k := range keys {
		n = n.child(k)
		if i == len(keys)-1 {
			break
		}
		// [a.b] inside an array of tables a means its last element.
		if n.isAOT && n.tables > 0 {
			n = n.elem(n.tables - 1)
		}
		setImplicit(n, line)
	}
	if double {
		i := n.tables
		n.isAOT = true
		n.tables++
		setImplicit(n, line)
		n = n.elem(i)
		n.line = line
		return n, true
	}
	if !n.explicit {
		n.line = line
		n.explicit = true
	}
	return n, true
}

// keyValue reads key = value inside table.
func (s *keyScanner) keyValue(table *keyNode) {
	line := s.line
	keys, ok := s.key()
	if !ok {
		return
	}
	s.skipBlank(false)
	if s.eof() || s.peek() != '=' {
		return
	}
	s.pos++
	s.skipBlank(false)
	n := table
	for i, k := range keys {
		n = n.child(k)
		if i < len(keys)-1 {
			setImplicit(n, line)
		}
	}
	n.line = line
	s.value(n)
}

// key reads a possibly dotted key.
func (s *keyScanner) key() ([]string, bool) {
	var keys []string
	for {
		s.skipBlank(false)
		if s.eof() {
			return nil, false
		}
		var k string
		switch c := s.peek(); {
		case c == '"':
			v, ok := s.basicString()
			if !ok {
				return nil, false
			}
			k = unescapeBasic(v)
		case c == '\'':
			v, ok := s.literalString()
			if !ok {
				return nil, false
			}
			k = v
		case isBareChar(c):
			start := s.pos
			for !s.eof() && isBareChar(s.peek()) {
				s.pos++
			}
			k = s.src[start:s.pos]
		default:
			return nil, false
		}
		keys = append(keys, k)
		s.skipBlank(false)
		if s.eof() || s.peek() != '.' {
			return keys, true
		}
		s.pos++
	}
}

// value reads any value and records the keys and elements inside it.
func (s *keyScanner) value(n *keyNode) {
	if s.eof() {
		return
	}
	switch c := s.peek(); {
	case c == '"' || c == '\'':
		s.stringValue(n)
	case c == '[':
		s.pos++
		for i := 0; ; i++ {
			s.skipBlank(true)
			if s.eof() {
				return
			}
			if s.peek() == ']' {
				s.pos++
				return
			}
			elem := n.elem(i)
			elem.line = s.line
			before := s.pos
			s.value(elem)
			s.skipBlank(true)
			if s.eof() || s.pos == before {
				return
			}
			switch s.peek() {
			case ',':
				s.pos++
			case ']':
				s.pos++
				return
			default:
				return
			}
		}
	case c == '{':
		s.pos++
		for {
			s.skipBlank(true) // TOML 1.1 allows line breaks in inline tables
			if s.eof() {
				return
			}
			if s.peek() == '}' {
				s.pos++
				return
			}
			before := s.pos
			s.keyValue(n)
			s.skipBlank(true)
			if s.eof() || s.pos == before {
				return
			}
			switch s.peek() {
			case ',':
				s.pos++
			case '}':
				s.pos++
				return
			default:
				return
			}
		}
	default:
		// Numbers, booleans, dates (which may hold a space).
		for !s.eof() && !strings.ContainsRune(",]}\n#", rune(s.peek())) {
			s.pos++
		}
	}
}

// stringValue reads a string of any of the four kinds and records where
// its text starts.
func (s *keyScanner) stringValue(n *keyNode) {
	line := s.line
	switch {
	case s.hasPrefix(`"""`) || s.hasPrefix(`'''`):
		delim := s.src[s.pos]
		s.pos += 3
		// A line break right after the opening delimiter is trimmed.
		if s.hasPrefix("\r\n") {
			s.pos++
		}
		if !s.eof() && s.peek() == '\n' {
			s.advance()
		}
		n.value = s.line
		for !s.eof() {
			c := s.peek()
			if c == '\\' && delim == '"' {
				s.pos++
				if !s.eof() {
					s.advance()
				}
				continue
			}
			if c == delim && s.hasPrefix(strings.Repeat(string(delim), 3)) {
				// Up to two more quotes belong to the content.
				k := 0
				for !s.eof() && s.peek() == delim && k < 5 {
					s.pos++
					k++
				}
				return
			}
			s.advance()
		}
	case s.peek() == '"':
		n.value = line
		s.basicString()
	default:
		n.value = line
		s.literalString()
	}
}

// basicString reads "..." and returns the raw text between the quotes.
func (s *keyScanner) basicString() (string, bool) {
	s.pos++
	start := s.pos
	for !s.eof() {
		switch s.peek() {
		case '\\':
			s.pos += 2
			if s.pos > len(s.src) {
				s.pos = len(s.src)
			}
		case '"':
			raw := s.src[start:s.pos]
			s.pos++
			return raw, true
		case '\n':
			return "", false
		default:
			s.pos++
		}
	}
	return "", false
}

// literalString reads '...'.
func (s *keyScanner) literalString() (string, bool) {
	s.pos++
	start := s.pos
	for !s.eof() {
		switch s.peek() {
		case '\'':
			raw := s.src[start:s.pos]
			s.pos++
			return raw, true
		case '\n':
			return "", false
		default:
			s.pos++
		}
	}
	return "", false
}

// unescapeBasic decodes the escapes of a TOML basic string. Bad escapes
// are kept as written (the TOML parser has rejected them already).
func unescapeBasic(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := raw[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case '"', '\\':
			b.WriteByte(e)
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n < len(raw) {
				if v, err := strconv.ParseUint(raw[i+1:i+1+n], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
					b.WriteRune(rune(v))
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}
