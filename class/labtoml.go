package class

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/ckadlab/ckadlab/labs"
)

// labTOML writes a lab as a lab file (the keys of its toml tags, zero
// values left out), so that labs.Parse validates it as it validates a file.
func labTOML(l *labs.Lab) (string, error) {
	v, ok := tomlValue(reflect.ValueOf(l))
	if !ok {
		return "", fmt.Errorf("lab %s: nothing to write", l.ID)
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return "", fmt.Errorf("lab %s: writing TOML: %w", l.ID, err)
	}
	return buf.String(), nil
}

// tomlValue converts v to maps, slices and scalars; ok is false for a
// zero value (left out).
func tomlValue(v reflect.Value) (any, bool) {
	if !v.IsValid() || v.IsZero() {
		return nil, false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		// A set pointer or interface is written even when it holds a zero
		// (exists = false, equals = 0).
		if e := v.Elem(); e.Kind() != reflect.Struct && e.IsZero() {
			return e.Interface(), true
		}
		return tomlValue(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			if x, ok := tomlValue(v.Field(i)); ok {
				m[name] = x
			}
		}
		return m, len(m) > 0
	case reflect.Slice:
		out := make([]any, 0, v.Len())
		for i := range v.Len() {
			x, ok := tomlValue(v.Index(i))
			if !ok {
				x = reflect.Zero(v.Type().Elem()).Interface()
			}
			out = append(out, x)
		}
		return out, true
	}
	return v.Interface(), true
}
