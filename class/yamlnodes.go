package class

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/labs"
	"go.yaml.in/yaml/v3"
)

// part is one manifests string of a lab (setup, solution, an answer),
// read as YAML nodes so that a mapping rewrites values in place and keeps
// the author's comments and layout.
type part struct {
	name    string // "setup", "solution", "correct NAME", "wrong NAME"
	answer  bool   // not the setup
	wrong   bool   // a wrong answer
	docs    []*yaml.Node
	objects []obj
}

// obj is one object of a part (List items count one by one).
type obj struct {
	n    *yaml.Node // its mapping node
	kind string
}

// parseParts reads every manifests string of a lab.
func parseParts(l *labs.Lab) ([]*part, error) {
	var out []*part
	add := func(name, text string, answer, wrong bool) error {
		p, err := parsePart(name, text)
		if err != nil {
			return fmt.Errorf("lab %s: %s manifests: %w", l.ID, name, err)
		}
		p.answer, p.wrong = answer, wrong
		out = append(out, p)
		return nil
	}
	if err := add("setup", l.Setup.Manifests, false, false); err != nil {
		return nil, err
	}
	if err := add("solution", l.Solution.Manifests, true, false); err != nil {
		return nil, err
	}
	for _, c := range l.Correct {
		if err := add("correct answer "+c.Name, c.Manifests, true, false); err != nil {
			return nil, err
		}
	}
	for _, w := range l.Wrong {
		if err := add("wrong answer "+w.Name, w.Manifests, true, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parsePart(name, text string) (*part, error) {
	p := &part{name: name}
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		d := &yaml.Node{}
		err := dec.Decode(d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		p.docs = append(p.docs, d)
		if len(d.Content) == 0 || d.Content[0].Kind != yaml.MappingNode {
			continue
		}
		top := d.Content[0]
		kind := scalar(get(top, "kind"))
		if kind == "List" {
			if items := get(top, "items"); items != nil && items.Kind == yaml.SequenceNode {
				for _, it := range items.Content {
					if it.Kind == yaml.MappingNode {
						p.objects = append(p.objects, obj{it, scalar(get(it, "kind"))})
					}
				}
			}
			continue
		}
		p.objects = append(p.objects, obj{top, kind})
	}
	return p, nil
}

// text encodes the part back to multi-document YAML.
func (p *part) text() (string, error) {
	if len(p.docs) == 0 {
		return "", nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range p.docs {
		if len(d.Content) == 0 {
			continue
		}
		if err := enc.Encode(d); err != nil {
			return "", err
		}
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// get is the value of key in a mapping node (nil when absent or n is no
// mapping).
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// at follows keys from n.
func at(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = get(n, k)
	}
	return n
}

// items are a sequence node's elements (nil for anything else).
func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// pairs calls f with each key and value node of a mapping node.
func pairs(n *yaml.Node, f func(k, v *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		f(n.Content[i], n.Content[i+1])
	}
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func (o obj) namespace() string { return scalar(at(o.n, "metadata", "namespace")) }
func (o obj) name() string      { return scalar(at(o.n, "metadata", "name")) }

// nodePorts are a Service's fixed node ports.
func (o obj) nodePorts() []int {
	if o.kind != "Service" {
		return nil
	}
	var out []int
	for _, p := range items(at(o.n, "spec", "ports")) {
		if n, err := strconv.Atoi(scalar(get(p, "nodePort"))); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// namespaceSelectors are the namespaceSelector nodes of a NetworkPolicy's
// peers.
func (o obj) namespaceSelectors() []*yaml.Node {
	if o.kind != "NetworkPolicy" {
		return nil
	}
	var out []*yaml.Node
	for _, dir := range [][2]string{{"ingress", "from"}, {"egress", "to"}} {
		for _, rule := range items(at(o.n, "spec", dir[0])) {
			for _, peer := range items(get(rule, dir[1])) {
				if s := get(peer, "namespaceSelector"); s != nil {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// selectorTerms calls f with each key of a label selector and the value
// nodes it compares with (matchLabels: the value; matchExpressions: the
// values list's items), and the operator ("" for matchLabels).
func selectorTerms(sel *yaml.Node, f func(key, op string, values []*yaml.Node)) {
	pairs(get(sel, "matchLabels"), func(k, v *yaml.Node) { f(k.Value, "", []*yaml.Node{v}) })
	for _, e := range items(get(sel, "matchExpressions")) {
		f(scalar(get(e, "key")), scalar(get(e, "operator")), items(get(e, "values")))
	}
}

// ingressHosts are the host nodes of an Ingress (rules and TLS).
func (o obj) ingressHosts() []*yaml.Node {
	if o.kind != "Ingress" {
		return nil
	}
	var out []*yaml.Node
	for _, r := range items(at(o.n, "spec", "rules")) {
		if h := get(r, "host"); h != nil && h.Kind == yaml.ScalarNode {
			out = append(out, h)
		}
	}
	for _, t := range items(at(o.n, "spec", "tls")) {
		for _, h := range items(get(t, "hosts")) {
			if h.Kind == yaml.ScalarNode {
				out = append(out, h)
			}
		}
	}
	return out
}

// podSpecs are the pod specs of a workload or Pod.
func (o obj) podSpecs() []*yaml.Node {
	switch o.kind {
	case "Pod":
		return []*yaml.Node{get(o.n, "spec")}
	case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController":
		return []*yaml.Node{at(o.n, "spec", "template", "spec")}
	case "CronJob":
		return []*yaml.Node{at(o.n, "spec", "jobTemplate", "spec", "template", "spec")}
	}
	return nil
}

// commandStrings are the string nodes of containers' command, args and
// env values: text a program reads, where DNS names may appear.
func (o obj) commandStrings() []*yaml.Node {
	var out []*yaml.Node
	for _, spec := range o.podSpecs() {
		for _, list := range []string{"containers", "initContainers"} {
			for _, c := range items(get(spec, list)) {
				out = append(out, items(get(c, "command"))...)
				out = append(out, items(get(c, "args"))...)
				for _, e := range items(get(c, "env")) {
					if v := get(e, "value"); v != nil {
						out = append(out, v)
					}
				}
			}
		}
	}
	return out
}

// walkScalars calls f with every scalar node under n (keys and values).
func walkScalars(n *yaml.Node, f func(*yaml.Node)) {
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode {
		f(n)
		return
	}
	for _, c := range n.Content {
		walkScalars(c, f)
	}
}
