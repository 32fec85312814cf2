package session

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/manifest"
)

// ReadAnswers reads a learner's answer: every *.yaml, *.yml and *.json
// file directly in dir (hidden files and sub-folders such as .trash/ and
// setup/ are not read; see manifest.LoadDir). defaultNamespace is the
// lab's namespace, where objects without one go. Two definitions of the
// same object (in two files, or twice in one file) are an error
// (*DuplicateError, or several joined): the later one would silently
// replace the earlier one, and hide the learner's fix. where names dir
// in that error ("the workspace", or the folder given with --answers).
func ReadAnswers(dir, defaultNamespace, where string) ([]manifest.Object, error) {
	objs, err := manifest.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	if err := CheckDuplicates(objs, defaultNamespace, dir, where); err != nil {
		return nil, err
	}
	return objs, nil
}

// DuplicateError is an object defined more than once in an answer.
type DuplicateError struct {
	// Object is the object, its namespace defaulted: "NetworkPolicy prod/db".
	Object string
	// Defs are where it is defined, in reading order.
	Defs []manifest.Origin
	// Dir is the answer folder (file names are shown relative to it), and
	// Where how to name it ("the workspace").
	Dir, Where string
}

func (e *DuplicateError) Error() string {
	var b strings.Builder
	b.WriteString(e.Object)
	b.WriteString(" is defined ")
	if len(e.Defs) == 2 {
		b.WriteString("twice")
	} else {
		b.WriteString(strconv.Itoa(len(e.Defs)) + " times")
	}
	b.WriteString(": ")
	for i, d := range e.Defs {
		switch {
		case i == 0:
		case i == len(e.Defs)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(e.place(d))
	}
	where := e.Where
	if where == "" {
		where = e.Dir
	}
	fmt.Fprintf(&b, "; keep one (ckadlab reads every *.yaml, *.yml and *.json file in %s)", where)
	return b.String()
}

// place is "fix.yaml (document 2, line 14)".
func (e *DuplicateError) place(o manifest.Origin) string {
	file := o.File
	if e.Dir != "" {
		if rel, err := filepath.Rel(e.Dir, o.File); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	var in []string
	if o.Document > 0 {
		in = append(in, "document "+strconv.Itoa(o.Document))
	}
	if o.Item > 0 {
		in = append(in, "item "+strconv.Itoa(o.Item))
	}
	if o.Line > 0 {
		in = append(in, "line "+strconv.Itoa(o.Line))
	}
	if len(in) == 0 {
		return file
	}
	return file + " (" + strings.Join(in, ", ") + ")"
}

// CheckDuplicates reports every object of objs that is defined more than
// once: the same API group and kind, namespace (objects without one are in
// defaultNamespace, "default" when empty, as kubectl apply puts them) and
// name. dir and where name the answer folder in the error (see
// DuplicateError).
func CheckDuplicates(objs []manifest.Object, defaultNamespace, dir, where string) error {
	if defaultNamespace == "" {
		defaultNamespace = "default"
	}
	type key struct{ group, kind, ns, name string }
	defs := map[key][]manifest.Origin{}
	var order []key
	for _, o := range objs {
		k := key{kind: o.Kind, name: o.Name}
		if o.Obj != nil {
			k.group = o.Obj.GetObjectKind().GroupVersionKind().Group
		}
		if manifest.IsNamespaced(o.Kind) {
			k.ns = o.Namespace
			if k.ns == "" {
				k.ns = defaultNamespace
			}
		}
		if len(defs[k]) == 0 {
			order = append(order, k)
		}
		defs[k] = append(defs[k], o.Origin)
	}
	var errs []error
	for _, k := range order {
		if len(defs[k]) < 2 {
			continue
		}
		what := k.kind + " " + k.name
		if k.ns != "" {
			what = k.kind + " " + k.ns + "/" + k.name
		}
		errs = append(errs, &DuplicateError{Object: what, Defs: defs[k], Dir: dir, Where: where})
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
