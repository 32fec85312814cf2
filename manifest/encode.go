package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Encode writes one object as clean YAML, the way `kubectl create
// --dry-run=client -o yaml` would minus the noise: keys in kubectl's
// (alphabetical) order, no null fields (so no creationTimestamp: null) and
// no empty status. apiVersion and kind are filled in for the kinds ckadlab
// knows when the object leaves them empty. Meaningful empty values such as
// podSelector: {} are kept.
func Encode(obj runtime.Object) ([]byte, error) {
	if obj == nil || reflect.ValueOf(obj).IsNil() {
		return nil, fmt.Errorf("encode: nil object")
	}
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	if m["apiVersion"] == nil || m["kind"] == nil {
		t := reflect.TypeOf(obj)
		for _, k := range kinds {
			if reflect.TypeOf(k.new()) == t {
				if m["apiVersion"] == nil {
					m["apiVersion"] = k.APIVersion()
				}
				if m["kind"] == nil {
					m["kind"] = k.Kind
				}
				break
			}
		}
	}
	dropNulls(m)
	if st, ok := m["status"].(map[string]any); ok && emptyTree(st) {
		delete(m, "status")
	}
	j, err = json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	return yaml.JSONToYAML(j)
}

func dropNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				delete(t, k)
				continue
			}
			dropNulls(x)
		}
	case []any:
		for _, x := range t {
			dropNulls(x)
		}
	}
}

// emptyTree is true for a mapping whose values are all empty mappings.
func emptyTree(m map[string]any) bool {
	for _, v := range m {
		sub, ok := v.(map[string]any)
		if !ok || !emptyTree(sub) {
			return false
		}
	}
	return true
}
