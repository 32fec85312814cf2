// Package inspect is ckadlab's read-only `get` and `describe` over the
// offline cluster: it prints what cluster/offline holds (a lab's setup and
// the learner's answers, with what its controllers derived: ReplicaSets,
// pods with IPs and status, EndpointSlices, Endpoints, load balancer
// addresses) as kubectl prints it for the kinds the labs use. It never
// changes the cluster and decides nothing about connectivity (that is
// netmodel's).
package inspect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"

	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/manifest"
)

// GetOptions are `get`'s arguments and flags.
type GetOptions struct {
	// Kinds as kubectl accepts them: "pods", "po", "svc,deploy", "all".
	Kinds string
	// Names limits the output to these objects (one kind only).
	Names []string
	// Namespace is -n ("" means "default"); AllNamespaces is -A.
	Namespace     string
	AllNamespaces bool
	// Selector is -l, kubectl's label selector syntax.
	Selector   string
	ShowLabels bool
	// Output is -o: "", "wide", "name", "yaml", "json" or
	// "jsonpath=TEMPLATE".
	Output string
	// Now is the time ages are counted to; zero means a minute after the
	// newest object was created.
	Now time.Time
}

// allKinds is what `get all` lists, in kubectl's order.
var allKinds = []string{"Pod", "Service", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"}

// ResolveKinds turns kubectl's resource argument into manifest kinds.
func ResolveKinds(arg string) ([]manifest.KindInfo, error) {
	var out []manifest.KindInfo
	for _, part := range strings.Split(arg, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("resource %q: an empty kind", arg)
		}
		if strings.EqualFold(part, "all") {
			for _, k := range allKinds {
				info, _ := manifest.LookupKind(k)
				out = append(out, info)
			}
			continue
		}
		// kubectl also accepts RESOURCE.GROUP (ingresses.networking.k8s.io).
		name := part
		if i := strings.IndexByte(part, '.'); i > 0 {
			name = part[:i]
		}
		info, ok := manifest.LookupKind(name)
		if !ok || (name != part && !strings.EqualFold(part[len(name)+1:], info.Group)) {
			return nil, fmt.Errorf("the server doesn't have a resource type %q (the offline cluster has %s)", part, kindNames())
		}
		out = append(out, info)
	}
	return out, nil
}

func kindNames() string {
	var names []string
	for _, k := range manifest.Kinds() {
		s := k.Plural
		if len(k.Short) > 0 {
			s += " (" + strings.Join(k.Short, ", ") + ")"
		}
		names = append(names, s)
	}
	return strings.Join(names, ", ")
}

// qualified is kubectl's name for a kind in `-o name` and mixed lists:
// "pod", "deployment.apps".
func qualified(k manifest.KindInfo) string {
	s := strings.ToLower(k.Kind)
	if k.Group != "" {
		s += "." + k.Group
	}
	return s
}

// NotFoundError is a named object that does not exist.
type NotFoundError struct{ Resource, Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found", e.Resource, e.Name)
}

// Get prints objects of the offline cluster as `kubectl get` does. What
// kubectl prints on stderr ("No resources found in prod namespace.") is
// written to info.
func Get(out, info io.Writer, c *offline.Cluster, o GetOptions) error {
	kinds, err := ResolveKinds(o.Kinds)
	if err != nil {
		return err
	}
	if len(o.Names) > 0 && len(kinds) > 1 {
		return fmt.Errorf("names can only be given with a single resource type (got %q)", o.Kinds)
	}
	if o.AllNamespaces && len(o.Names) > 0 {
		return fmt.Errorf("a resource cannot be retrieved by name across all namespaces")
	}
	sel := labels.Everything()
	if o.Selector != "" {
		if sel, err = labels.Parse(o.Selector); err != nil {
			return fmt.Errorf("-l %q: %v", o.Selector, err)
		}
	}
	format, tmpl, err := parseOutput(o.Output)
	if err != nil {
		return err
	}
	ns := o.Namespace
	if ns == "" {
		ns = "default"
	}
	if o.AllNamespaces {
		ns = ""
	}
	type group struct {
		kind manifest.KindInfo
		objs []runtime.Object
	}
	var groups []group
	var missing []error
	for _, k := range kinds {
		objs, err := c.List(k.Kind, ns)
		if err != nil {
			return err
		}
		var keep []runtime.Object
		if len(o.Names) > 0 {
			byName := map[string]runtime.Object{}
			for _, obj := range objs {
				byName[metaOf(obj).GetName()] = obj
			}
			for _, n := range o.Names {
				obj, ok := byName[n]
				if !ok {
					missing = append(missing, &NotFoundError{Resource: k.Plural, Name: n})
					continue
				}
				keep = append(keep, obj)
			}
		} else {
			for _, obj := range objs {
				if sel.Matches(labels.Set(metaOf(obj).GetLabels())) {
					keep = append(keep, obj)
				}
			}
		}
		for _, obj := range keep {
			setKind(obj, k)
		}
		groups = append(groups, group{k, keep})
	}
	var all []runtime.Object
	for _, g := range groups {
		all = append(all, g.objs...)
	}
	now := o.Now
	if now.IsZero() {
		now = worldNow(c)
	}
	single := len(o.Names) == 1 && len(all) == 1
	switch format {
	case "yaml", "json", "jsonpath":
		if len(all) == 0 && len(missing) > 0 {
			break
		}
		v, err := asMaps(all, single)
		if err != nil {
			return err
		}
		switch format {
		case "json":
			b, err := json.MarshalIndent(v, "", "    ")
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s\n", b)
		case "yaml":
			b, err := yaml.Marshal(v)
			if err != nil {
				return err
			}
			out.Write(b)
		default:
			jp := jsonpath.New("out")
			if err := jp.Parse(tmpl); err != nil {
				return fmt.Errorf("-o jsonpath: %v", err)
			}
			if err := jp.Execute(out, v); err != nil {
				return fmt.Errorf("-o jsonpath: %v", err)
			}
		}
	case "name":
		for _, g := range groups {
			for _, obj := range g.objs {
				fmt.Fprintf(out, "%s/%s\n", qualified(g.kind), metaOf(obj).GetName())
			}
		}
	default:
		printed := false
		for _, g := range groups {
			if len(g.objs) == 0 {
				continue
			}
			if printed {
				fmt.Fprintln(out)
			}
			printed = true
			printTable(out, g.kind, g.objs, tableOptions{
				wide: format == "wide", allNS: o.AllNamespaces, showLabels: o.ShowLabels,
				prefix: len(kinds) > 1, now: now,
			})
		}
		if !printed && len(missing) == 0 {
			if o.AllNamespaces || len(kinds) == 1 && !kinds[0].Namespaced {
				fmt.Fprintln(info, "No resources found")
			} else {
				fmt.Fprintf(info, "No resources found in %s namespace.\n", ns)
			}
		}
	}
	if len(missing) > 0 {
		msgs := make([]string, len(missing))
		for i, e := range missing {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("%s", strings.Join(msgs, "\n"))
	}
	return nil
}

func parseOutput(o string) (format, tmpl string, err error) {
	switch {
	case o == "" || o == "wide" || o == "name" || o == "yaml" || o == "json":
		return o, "", nil
	case strings.HasPrefix(o, "jsonpath="):
		return "jsonpath", strings.TrimPrefix(o, "jsonpath="), nil
	}
	return "", "", fmt.Errorf("-o %q: the offline cluster prints wide, name, yaml, json and jsonpath=TEMPLATE", o)
}

func metaOf(obj runtime.Object) metav1.Object {
	acc, err := meta.Accessor(obj)
	if err != nil {
		// Every kind the offline cluster stores has metadata.
		panic(fmt.Sprintf("inspect: %T has no metadata", obj))
	}
	return acc
}

func setKind(obj runtime.Object, k manifest.KindInfo) {
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind})
}

// asMaps is what -o yaml/json print: the object itself for one named
// object, otherwise a v1 List.
func asMaps(objs []runtime.Object, single bool) (any, error) {
	items := make([]any, 0, len(objs))
	for _, obj := range objs {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return nil, err
		}
		items = append(items, m)
	}
	if single {
		return items[0], nil
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "items": items,
		"metadata": map[string]any{"resourceVersion": ""}}, nil
}

// worldNow is a minute after the newest object was created: the offline
// cluster is built anew for every command, so ages count from its start.
func worldNow(c *offline.Cluster) time.Time {
	var newest time.Time
	for _, k := range manifest.Kinds() {
		objs, err := c.List(k.Kind, "")
		if err != nil {
			continue
		}
		for _, o := range objs {
			if t := metaOf(o).GetCreationTimestamp().Time; t.After(newest) {
				newest = t
			}
		}
	}
	return newest.Add(time.Minute)
}

func age(m metav1.Object, now time.Time) string {
	t := m.GetCreationTimestamp()
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// newTabWriter pads columns as kubectl's table printer does.
func newTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 10, 4, 3, ' ', 0)
}

func labelsText(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	return labels.Set(m).String() // sorted key=value pairs joined by commas
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// tableString renders rows through a kubectl-like tab writer.
func tableString(rows [][]string) string {
	var b bytes.Buffer
	tw := newTabWriter(&b)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	return b.String()
}
