package labs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// LoadDir loads every *.toml file in dir (not its subdirectories), sorted
// by lab id: a lab pack. Lab Sources are dir/FILE. Files that fail do not
// stop the others: the labs that loaded are returned together with an
// ErrorList of every problem in every file ("file:line: msg"), and
// duplicate lab ids are problems too.
func LoadDir(dir string) ([]*Lab, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err // names dir: "open ./pack: permission denied"
	}
	return loadEntries(entries, func(name string) (string, []byte, *Error) {
		shown := filepath.Join(dir, name)
		src, e := readLabFile(shown, shown)
		return shown, src, e
	})
}

// LoadFSAs loads every *.toml file in dir of fsys as LoadDir does, with
// the files shown as shownDir/FILE in Sources and messages: for the
// embedded built-in labs, whose root is a directory of the repository,
// LoadFSAs(content.FS, ".", "content") names "content/np-basic.toml".
func LoadFSAs(fsys fs.FS, dir, shownDir string) ([]*Lab, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	return loadEntries(entries, func(name string) (string, []byte, *Error) {
		shown := path.Join(shownDir, name)
		src, e := readFSLabFile(fsys, path.Join(dir, name), shown)
		return shown, src, e
	})
}

// loadEntries parses the *.toml files among entries; read returns a file's
// name as shown and its text.
func loadEntries(entries []fs.DirEntry, read func(name string) (string, []byte, *Error)) ([]*Lab, error) {
	var labs []*Lab
	var all ErrorList
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
			continue
		}
		name, src, rerr := read(e.Name())
		if rerr != nil {
			all = append(all, rerr)
			continue
		}
		lab, errs := Parse(name, src)
		all = append(all, errs...)
		if lab != nil {
			labs = append(labs, lab)
		}
	}
	labs, dups := dedupe(labs)
	all = append(all, dups...)
	sortByID(labs)
	all.Sort()
	return labs, all.Err()
}

// dedupe drops labs whose id an earlier lab has, reporting each at its id
// line with the other file.
func dedupe(labs []*Lab) ([]*Lab, ErrorList) {
	var errs ErrorList
	seen := map[string]*Lab{}
	out := labs[:0:0]
	for _, l := range labs {
		if first, dup := seen[l.ID]; dup {
			errs = append(errs, &Error{
				File: l.Source, Line: max(l.Line("id"), 1), Key: "id",
				Msg: fmt.Sprintf("duplicate lab id %q: also in %s:%d", l.ID, first.Source, max(first.Line("id"), 1)),
			})
			continue
		}
		seen[l.ID] = l
		out = append(out, l)
	}
	return out, errs
}

func sortByID(labs []*Lab) {
	sort.SliceStable(labs, func(i, j int) bool { return labs[i].ID < labs[j].ID })
}

// Parse decodes and validates a lab from TOML source; name is the file
// name used in messages and in Lab.Source. Source over MaxLabFileSize or
// nested deeper than MaxLabDepth is refused before it is parsed. The lab is nil when there is
// any problem; the ErrorList holds them all, sorted by line.
func Parse(name string, src []byte) (*Lab, ErrorList) {
	if err := checkLimits(name, src); err != nil {
		return nil, ErrorList{err}
	}
	text := string(src)
	tpl, errs := parseTemplate(name, text)
	if len(errs) > 0 {
		return nil, errs
	}
	if tpl == nil {
		return parseText(name, text, nil)
	}
	return tpl.lab(0)
}

// decodeRaw decodes TOML text into a generic tree.
func decodeRaw(name, text string) (map[string]any, *Error) {
	var raw map[string]any
	if _, err := toml.Decode(text, &raw); err != nil {
		return nil, syntaxError(name, err)
	}
	return raw, nil
}

// parseText decodes and validates the TOML text of a lab (of a lab with
// parameters, the text rendered with one variant's values: tpl is its
// template and [params] is allowed).
func parseText(name, text string, tpl *template) (*Lab, ErrorList) {
	raw, serr := decodeRaw(name, text)
	if serr != nil {
		return nil, ErrorList{serr}
	}
	ix := indexKeys(text)
	if tpl != nil {
		delete(raw, "params") // read by parseTemplate
	}

	var perrs []pathError
	checkSchema(reflect.TypeOf(Lab{}), raw, "", &perrs)
	if len(perrs) > 0 {
		return nil, locate(name, ix, perrs)
	}

	lab := &Lab{}
	if _, err := toml.Decode(text, lab); err != nil {
		// checkSchema accepted the tree, so this is not expected.
		return nil, ErrorList{syntaxError(name, err)}
	}
	lab.Source = name
	lab.index = ix
	lab.tpl = tpl
	if errs := validate(lab); len(errs) > 0 {
		return nil, locate(name, ix, errs)
	}
	return lab, nil
}

var tomlLineRE = regexp.MustCompile(`^toml: line (\d+)`)

// syntaxError turns a BurntSushi error into file:line: message.
func syntaxError(name string, err error) *Error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if msg == "" {
			msg = err.Error()
		}
		return &Error{File: name, Line: pe.Position.Line, Msg: "TOML syntax: " + msg}
	}
	msg := err.Error()
	line := 0
	if m := tomlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return &Error{File: name, Line: line, Msg: strings.TrimPrefix(msg, "toml: ")}
}

// Line is the line of Source where the key path is written (for example
// "checks[2].probe.port", "wrong[0].manifests", "setup"), or of the nearest
// enclosing table when the key itself is not written; 0 when the lab did
// not come from a file.
func (l *Lab) Line(keyPath string) int { return l.index.line(keyPath) }

// TextLine is the line of Source where the text of the string at keyPath
// starts: for manifests = """ followed by a line break, the line after the
// key. Line n of the string is at TextLine + n - 1. It is 0 when unknown.
func (l *Lab) TextLine(keyPath string) int { return l.index.valueLine(keyPath) }
