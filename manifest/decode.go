// Package manifest reads Kubernetes manifests exactly as kubectl does: YAML
// 1.1 (through go-yaml v2, so an unquoted yes, no, on, off, y or n is a
// boolean), multi-document files, List objects expanded, and the API
// server's strict field validation (unknown and duplicate fields and wrong
// types are errors). Every error names the file, the document, the object
// and, when it can be found, the line.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	sjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Object is one Kubernetes object read from a manifest.
type Object struct {
	// Obj is the typed object, a pointer to a k8s.io/api struct such as
	// *corev1.Service or *networkingv1.NetworkPolicy, as written (not
	// defaulted), with apiVersion and kind set.
	Obj        runtime.Object
	APIVersion string
	Kind       string
	Namespace  string // metadata.namespace as written; "" when absent
	Name       string
	Origin     Origin

	src  *source // the document's text, for field line numbers
	base string  // path prefix of the object in src ("items[2]" for List items)
}

// Origin says where an object was read.
type Origin struct {
	File     string
	Document int // 1-based among the file's non-empty documents
	Item     int // 1-based item of a List document; 0 otherwise
	Line     int // 1-based line where the object starts
}

func (o Origin) String() string {
	s := o.File
	if o.Document > 0 {
		s += ": document " + strconv.Itoa(o.Document)
		if o.Item > 0 {
			s += ", item " + strconv.Itoa(o.Item)
		}
	}
	return s
}

// String is "Kind namespace/name", or "Kind name" without a namespace.
func (o Object) String() string { return describe(o.Kind, o.Namespace, o.Name) }

func describe(kind, ns, name string) string {
	switch {
	case name == "" && ns == "":
		return kind
	case name == "":
		return kind + " " + ns + "/?"
	case ns == "":
		return kind + " " + name
	}
	return kind + " " + ns + "/" + name
}

// Errorf returns an error about the object, placed at the line of field (a
// path such as "spec.ports[0].nodePort"; "" for the object itself, or when
// the field is not written in the manifest the line of its nearest written
// parent). The message is used as is: include the field in it when it
// matters, as the API server does.
func (o Object) Errorf(field, format string, args ...any) *Error {
	e := &Error{
		File:     o.Origin.File,
		Document: o.Origin.Document,
		Item:     o.Origin.Item,
		At:       o.Origin.Line,
		Object:   o.String(),
		Msg:      fmt.Sprintf(format, args...),
	}
	if o.src != nil && field != "" {
		if l := o.src.line(joinPath(o.base, field)); l > 0 {
			e.At = l
		}
	}
	return e
}

// Decode reads every object of one manifest file (YAML, possibly with
// several "---" separated documents, or JSON). file names the file in
// errors. Empty documents are skipped; List documents (kind: List, or a
// typed list such as ServiceList, as `kubectl get -o yaml` prints) give
// their items. On any problem it returns nil and an error listing every
// problem found (an *Error, or an ErrorList of them). Data over
// MaxFileSize is refused unread, and objects over the API server's size
// limits are errors with its message.
func Decode(file string, data []byte) ([]Object, error) {
	if len(data) > MaxFileSize {
		return nil, fileTooBig(file)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	d := &decoder{file: file}
	chunks, err := d.split(data)
	if err != nil {
		return nil, err
	}
	var out []Object
	for _, c := range chunks {
		objs := d.document(c)
		out = append(out, objs...)
	}
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// LoadDir reads every *.yaml, *.yml and *.json file directly in dir (not
// in sub-folders; names starting with "." are ignored), in name order.
// Only regular files (or links to them) are read; a file over MaxFileSize
// is an error without being parsed.
func LoadDir(dir string) ([]Object, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Object
	var errs ErrorList
	var other []error
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !hasManifestExt(name) {
			continue
		}
		p := filepath.Join(dir, name)
		data, regular, err := readManifestFile(p)
		var big *Error
		switch {
		case errors.As(err, &big):
			errs = append(errs, big)
			continue
		case err != nil:
			other = append(other, err)
			continue
		case !regular:
			continue // a named pipe, device or socket: never read
		}
		objs, err := Decode(p, data)
		var one *Error
		var many ErrorList
		switch {
		case err == nil:
			out = append(out, objs...)
		case errors.As(err, &many):
			errs = append(errs, many...)
		case errors.As(err, &one):
			errs = append(errs, one)
		default:
			other = append(other, err)
		}
	}
	if len(other) > 0 {
		return nil, errors.Join(append(other, errs.Err())...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func hasManifestExt(name string) bool {
	switch filepath.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

type decoder struct {
	file string
	doc  int // non-empty documents seen
	errs ErrorList
}

// chunk is one document's text.
type chunk struct {
	text      []byte
	startLine int  // file line of the text's first line
	json      bool // the text is JSON (not YAML)
}

// split cuts a file into documents the way kubectl's YAML reader does: a
// line starting with "---" ends a document, and only spaces or a comment
// may follow the dashes on that line. A file whose first non-space
// character is '{' is a stream of JSON objects.
func (d *decoder) split(data []byte) ([]chunk, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return d.splitJSON(data)
	}
	var chunks []chunk
	cur := chunk{startLine: 1}
	line := 1
	for rest := data; len(rest) > 0; line++ {
		l := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		if bytes.HasPrefix(l, []byte("---")) {
			after := strings.TrimSpace(string(l[3:]))
			if after != "" && after[0] != '#' {
				return nil, &Error{File: d.file, At: line, Msg: fmt.Sprintf("invalid YAML document separator: %s", strings.TrimSpace(string(l))),
					Hint: `a line starting with "---" separates documents; only a comment may follow it`}
			}
			chunks = append(chunks, cur)
			cur = chunk{startLine: line + 1}
			continue
		}
		cur.text = append(cur.text, l...)
	}
	chunks = append(chunks, cur)
	return chunks, nil
}

func (d *decoder) splitJSON(data []byte) ([]chunk, error) {
	var chunks []chunk
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return chunks, nil
		}
		if err != nil {
			at := lineAt(data, int(dec.InputOffset()))
			var se *json.SyntaxError
			if errors.As(err, &se) {
				at = lineAt(data, int(se.Offset))
			}
			return nil, &Error{File: d.file, At: at, Msg: "invalid JSON: " + err.Error()}
		}
		// Skip the whitespace between objects so the line is the object's.
		off := int(start)
		for off < len(data) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
			off++
		}
		chunks = append(chunks, chunk{text: raw, startLine: lineAt(data, off), json: true})
	}
}

func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// document decodes one document into its objects.
func (d *decoder) document(c chunk) []Object {
	src := &source{text: c.text, startLine: c.startLine}
	raw := c.text
	if !c.json {
		j, err := yaml.YAMLToJSONStrict(c.text)
		if err != nil {
			d.doc++
			d.yamlError(c, err)
			return nil
		}
		raw = j
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return nil
	}
	d.doc++
	start := src.line("")
	if start == 0 {
		start = firstContentLine(c)
	}
	return d.object(raw, src, "", Origin{File: d.file, Document: d.doc, Line: start}, "", "")
}

func (d *decoder) yamlError(c chunk, err error) {
	msg := err.Error()
	at := firstContentLine(c)
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, perr := strconv.Atoi(m[1]); perr == nil {
			at = c.startLine + n - 1
			// The line number is now in the prefix; keep the message plain.
			msg = strings.Replace(msg, "line "+m[1]+": ", "", 1)
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	e := &Error{File: d.file, Document: d.doc, At: at, Msg: "invalid YAML: " + msg, Err: err}
	switch {
	case strings.Contains(msg, "already set in map"):
		e.Hint = "each key may appear once in a mapping"
	case strings.Contains(msg, "found character that cannot start any token") && bytes.Contains(c.text, []byte("\t")):
		e.Hint = "YAML indentation must use spaces, not tabs"
	}
	d.errs = append(d.errs, e)
}

// firstContentLine is the first line of a chunk that is neither blank nor a
// comment.
func firstContentLine(c chunk) int {
	for i, l := range strings.Split(string(c.text), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			return c.startLine + i
		}
	}
	return c.startLine
}

// header is what every object has, read leniently so that errors can name
// the object even when its fields have the wrong types.
type header struct {
	APIVersion any `json:"apiVersion"`
	Kind       any `json:"kind"`
	Metadata   any `json:"metadata"`
}

func asString(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	case json.Number:
		return t.String(), false
	}
	b, _ := json.Marshal(v)
	return string(b), false
}

// object decodes one object's JSON. base is its path within the document
// ("items[3]" for a List item); listAPIVersion and listKind are the
// enclosing List's, used when an item leaves out its apiVersion or kind.
func (d *decoder) object(raw []byte, src *source, base string, origin Origin, listAPIVersion, listKind string) []Object {
	at := func(field string) int {
		if l := src.line(joinPath(base, field)); l > 0 {
			return l
		}
		return origin.Line
	}
	fail := func(obj, field, msg, hint string, err error) []Object {
		d.errs = append(d.errs, &Error{File: origin.File, Document: origin.Document, Item: origin.Item, At: at(field), Object: obj, Msg: msg, Hint: hint, Err: err})
		return nil
	}

	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return fail("", "", "invalid JSON: "+err.Error(), "", err)
	}
	m, ok := top.(map[string]any)
	if !ok {
		return fail("", "", "not a Kubernetes object", "each document must be a mapping with apiVersion, kind and metadata", nil)
	}
	h := header{APIVersion: m["apiVersion"], Kind: m["kind"], Metadata: m["metadata"]}
	apiVersion, okV := asString(h.APIVersion)
	kind, okK := asString(h.Kind)
	if base != "" {
		if apiVersion == "" && okV {
			apiVersion = listAPIVersion
		}
		if kind == "" && okK && listKind != "List" {
			kind = strings.TrimSuffix(listKind, "List")
		}
	}
	var ns, name string
	if md, ok := h.Metadata.(map[string]any); ok {
		var okNS, okName bool
		ns, okNS = asString(md["namespace"])
		name, okName = asString(md["name"])
		// Name the object as written (y, not true) in messages.
		if !okNS {
			ns = src.scalar(joinPath(base, "metadata.namespace"), ns)
		}
		if !okName {
			name = src.scalar(joinPath(base, "metadata.name"), name)
		}
	}
	what := describe(kind, ns, name)
	if !okV || !okK {
		return fail(what, "", "apiVersion and kind must be strings", "", nil)
	}
	switch {
	case apiVersion == "" && kind == "":
		return fail(what, "", "apiVersion and kind are not set", "every object starts with apiVersion and kind, e.g. apiVersion: v1 and kind: Service", nil)
	case kind == "":
		return fail(what, "", "kind is not set", "every object needs a kind, e.g. kind: Service", nil)
	case apiVersion == "":
		hint := "every object needs an apiVersion"
		if k, ok := lookupExact(kind); ok && k.Manifest {
			hint = fmt.Sprintf("%s needs apiVersion: %s", kind, k.APIVersion())
		}
		return fail(what, "", "apiVersion is not set", hint, nil)
	}

	if isList(kind, m) {
		items, ok := m["items"].([]any)
		if !ok && m["items"] != nil {
			return fail(what, "items", "items must be a list of objects", "", nil)
		}
		var out []Object
		for i, it := range items {
			b, err := json.Marshal(it)
			if err != nil {
				return fail(what, "items", "invalid item: "+err.Error(), "", err)
			}
			ib := fmt.Sprintf("items[%d]", i)
			if base != "" {
				ib = base + "." + ib
			}
			itemOrigin := origin
			itemOrigin.Item = i + 1
			if l := src.line(ib); l > 0 {
				itemOrigin.Line = l
			}
			out = append(out, d.object(b, src, ib, itemOrigin, apiVersion, kind)...)
		}
		return out
	}

	k, field, msg, hint := resolveKind(apiVersion, kind)
	if msg != "" {
		return fail(what, field, msg, hint, nil)
	}
	obj := k.New()
	strict, err := sjson.UnmarshalStrict(raw, obj)
	if err != nil {
		field, line, h := explainDecodeError(err, src, base)
		e := &Error{File: origin.File, Document: origin.Document, Item: origin.Item, At: line, Object: what, Msg: err.Error(), Hint: h, Err: err}
		if e.At == 0 {
			e.At = at(field)
		}
		d.errs = append(d.errs, e)
		return nil
	}
	if len(strict) > 0 {
		parts := make([]string, len(strict))
		for i, s := range strict {
			parts[i] = s.Error()
		}
		field := ""
		var fe sjson.FieldError
		if errors.As(strict[0], &fe) {
			field = fe.FieldPath()
		}
		hint := ""
		if strings.HasPrefix(parts[0], "unknown field") {
			hint = "check the spelling and indentation against `kubectl explain " + strings.ToLower(kind) + "`"
		}
		return fail(what, field, "strict decoding error: "+strings.Join(parts, ", "), hint, errors.Join(strict...))
	}
	if name == "" {
		hint := "set metadata.name"
		if md, ok := h.Metadata.(map[string]any); ok && md["generateName"] != nil {
			hint = "kubectl apply needs metadata.name (generateName works only with kubectl create)"
		}
		return fail(what, "metadata", "resource name may not be empty", hint, nil)
	}
	if field, msg := limitError(raw, obj, kind, name); msg != "" {
		return fail(what, field, msg, "", nil)
	}
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind})
	return []Object{{
		Obj:        obj,
		APIVersion: apiVersion,
		Kind:       kind,
		Namespace:  ns,
		Name:       name,
		Origin:     origin,
		src:        src,
		base:       base,
	}}
}

func joinPath(base, field string) string {
	switch {
	case base == "":
		return field
	case field == "":
		return base
	}
	return base + "." + field
}

// isList says whether a document is a list of objects: kind List, or a
// typed list (ServiceList) with items.
func isList(kind string, m map[string]any) bool {
	if kind == "List" {
		return true
	}
	if !strings.HasSuffix(kind, "List") {
		return false
	}
	if _, known := lookupExact(kind); known {
		return false
	}
	_, has := m["items"]
	return has
}

var typeErrRE = regexp.MustCompile(`cannot unmarshal (\w+)(?: [^ ]+)? into Go struct field [A-Za-z0-9_]+\.(\S+) of type (\S+)`)

// explainDecodeError finds the field and line of a typed decoding error and
// suggests a fix: most often a YAML 1.1 boolean or a number where the API
// wants a string.
func explainDecodeError(err error, src *source, base string) (field string, line int, hint string) {
	m := typeErrRE.FindStringSubmatch(err.Error())
	if m == nil {
		return "", 0, ""
	}
	got, field, want := m[1], m[2], m[3]
	if base != "" {
		field = base + "." + field
	}
	c, found := src.culprit(field, got)
	line = c.line
	key := c.key
	if key == "" {
		key = field[strings.LastIndex(field, ".")+1:]
	}
	switch {
	case want == "string" && (got == "bool" || got == "number") && found:
		how := "a number"
		if got == "bool" {
			how = "a boolean"
		}
		lead := fmt.Sprintf("YAML reads an unquoted %s as %s", c.text, how)
		if got == "bool" && yaml11Bool(c.text) {
			lead = fmt.Sprintf("YAML 1.1 (what kubectl reads) treats an unquoted %s as a boolean", c.text)
		}
		hint = fmt.Sprintf("%s; quote it: %s: %q", lead, key, c.text)
	case want == "string":
		hint = fmt.Sprintf("%s must be a string", key)
	case strings.HasPrefix(want, "int") && got == "string" && found:
		if _, err := strconv.Atoi(c.text); err == nil {
			hint = fmt.Sprintf("write the number without quotes: %s: %s", key, c.text)
		} else {
			hint = fmt.Sprintf("%s takes a number, not %q", key, c.text)
		}
	case strings.HasPrefix(want, "int"):
		hint = fmt.Sprintf("%s takes a number", key)
	case strings.HasPrefix(want, "[]") || strings.HasPrefix(want, "map["):
		hint = fmt.Sprintf("%s has the wrong shape here (a list or a mapping is expected); check its indentation", key)
	}
	return field, line, hint
}
