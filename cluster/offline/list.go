package offline

import (
	"fmt"
	"sort"

	"github.com/ckadlab/ckadlab/manifest"
	"k8s.io/apimachinery/pkg/runtime"
)

// List returns copies of every object of a kind, as Get names kinds (the
// Kind in any case, the plural or a short name), stored or derived by the
// controllers, with status, sorted by namespace and name. ns limits the
// list to one namespace; "" lists every namespace (and is ignored for
// cluster-scoped kinds).
func (c *Cluster) List(kind, ns string) ([]runtime.Object, error) {
	info, ok := manifest.LookupKind(kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %q: the offline cluster has %s", kind, knownKinds())
	}
	if !info.Namespaced {
		ns = ""
	}
	c.mu.RLock()
	v := c.view
	c.mu.RUnlock()
	var keys []key
	for k := range v.all {
		if k.kind == info.Kind && (ns == "" || k.ns == ns) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ns != keys[j].ns {
			return keys[i].ns < keys[j].ns
		}
		return keys[i].name < keys[j].name
	})
	out := make([]runtime.Object, 0, len(keys))
	for _, k := range keys {
		out = append(out, v.all[k].DeepCopyObject())
	}
	return out, nil
}
