package class

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/probe"
	"go.yaml.in/yaml/v3"
)

// Mapping maps labs into one learner's share of a class cluster: the
// learner's own namespaces, namespace label values, Ingress hosts and node
// ports (from the class's PortPlan).
type Mapping struct {
	Learner Learner
	// Ports is the class's node port plan (nil: labs with fixed node
	// ports cannot be mapped).
	Ports *PortPlan
}

// MetadataNameLabel is the label every namespace carries with its own name.
const MetadataNameLabel = "kubernetes.io/metadata.name"

// Lab returns a deep copy of l (any variant) with everything that would
// collide or leak across the learners of one cluster mapped for this
// learner, the same way in every part of the lab: setup, solution, correct
// and wrong answers, equivalent mutants, checks, the lab's namespace and
// the text the learner reads (task, hints, commands, explanation,
// descriptions), so that it shows the names the learner must use.
//
//   - Lab namespaces: shop → alice-shop (objects' namespaces, Namespace
//     objects, namespaceSelectors on kubernetes.io/metadata.name, DNS names,
//     probe sources and targets, checks).
//   - Namespace label values that namespaceSelectors compare (team=ops →
//     team=alice-ops) on the namespaces and in every selector.
//   - Ingress hosts: the learner is a label before the last two
//     (shop.example.com → shop.alice.example.com; wildcards keep matching).
//   - Fixed node ports: into the learner's block of the PortPlan.
//
// Prose keeps its words: a namespace name is rewritten in code spans, code
// blocks and commands, and in prose only in unambiguous forms ("namespace
// shop", "the shop namespace", shop/web, web.shop, -n shop). A name that
// the lab also uses for something else (a Service, a label value, a path)
// is rewritten in the unambiguous forms only, everywhere.
//
// The mapped lab is validated as a lab file is: a mapping that breaks it
// is an error.
func (m Mapping) Lab(l *labs.Lab) (*labs.Lab, error) {
	if l == nil {
		return nil, fmt.Errorf("no lab to map")
	}
	if err := ValidName("learner", m.Learner.Name, MaxLearnerName); err != nil {
		return nil, err
	}
	parts, err := parseParts(l)
	if err != nil {
		return nil, err
	}
	mp, err := newMapper(m, l, parts)
	if err != nil {
		return nil, err
	}
	out, err := mp.lab(l, parts)
	if err != nil {
		return nil, fmt.Errorf("mapping lab %s for learner %s: %w", l.ID, m.Learner.Name, err)
	}
	return out, nil
}

// SystemNamespace reports whether a namespace belongs to the cluster, not
// to a lab: default, kube-*, and the namespaces of the course's add-ons
// and of ckadlab itself. They are never mapped.
func SystemNamespace(ns string) bool {
	switch ns {
	case "default", "traefik", "ckadlab-system", "local-path-storage":
		return true
	}
	return strings.HasPrefix(ns, "kube-")
}

// mapper holds one lab's mapping tables for one learner.
type mapper struct {
	learner string
	ns      map[string]bool   // lab namespaces
	keys    map[string]bool   // namespace label keys that selectors compare
	words   map[string]string // namespace names and those label values → mapped
	hosts   map[string]string
	ports   map[int]int
	// ambiguous words are also used for something else in the lab (an
	// object name, a pod label value, a path): they are rewritten only in
	// unambiguous forms.
	ambiguous map[string]bool
}

func newMapper(m Mapping, l *labs.Lab, parts []*part) (*mapper, error) {
	mp := &mapper{
		learner: m.Learner.Name,
		ns:      map[string]bool{}, keys: map[string]bool{}, words: map[string]string{},
		hosts: map[string]string{}, ports: map[int]int{}, ambiguous: map[string]bool{},
	}
	addNS := func(ns string) {
		if ns != "" && !SystemNamespace(ns) {
			mp.ns[ns] = true
		}
	}
	addNS(l.Namespace)
	for _, p := range parts {
		for _, o := range p.objects {
			if o.kind == "Namespace" {
				addNS(o.name())
			}
			addNS(o.namespace())
			for _, sel := range o.namespaceSelectors() {
				selectorTerms(sel, func(key, _ string, _ []*yaml.Node) {
					if key != "" && key != MetadataNameLabel {
						mp.keys[key] = true
					}
				})
			}
		}
	}
	for ns := range mp.ns {
		mp.words[ns] = mp.learner + "-" + ns
	}
	// Label values the selectors compare, on namespaces and in selectors.
	addValue := func(v string) {
		if v != "" && mp.words[v] == "" {
			mp.words[v] = mp.learner + "-" + v
		}
	}
	for _, p := range parts {
		for _, o := range p.objects {
			if o.kind == "Namespace" {
				pairs(at(o.n, "metadata", "labels"), func(k, v *yaml.Node) {
					if mp.keys[k.Value] {
						addValue(v.Value)
					}
				})
			}
			for _, sel := range o.namespaceSelectors() {
				selectorTerms(sel, func(key, _ string, vals []*yaml.Node) {
					if mp.keys[key] {
						for _, v := range vals {
							addValue(v.Value)
						}
					}
				})
			}
			for _, h := range o.ingressHosts() {
				mp.addHost(h.Value)
			}
			for _, port := range o.nodePorts() {
				if err := mp.addPort(m, port); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, c := range l.Checks {
		if c.Probe == nil {
			continue
		}
		switch to := c.Probe.Spec.To; to.Kind {
		case probe.ToIngress:
			mp.addHost(to.Host)
		case probe.ToNodePort:
			if err := mp.addPort(m, to.NodePort); err != nil {
				return nil, err
			}
		}
	}
	for w, to := range mp.words {
		if len(to) > 63 {
			return nil, fmt.Errorf("%q becomes %q for learner %s, longer than the 63 characters of a Kubernetes name or label value", w, to, mp.learner)
		}
	}
	mp.findAmbiguous(l, parts)
	return mp, nil
}

func (mp *mapper) addHost(h string) {
	h = strings.ToLower(h)
	if h == "" || mp.hosts[h] != "" {
		return
	}
	labels := strings.Split(h, ".")
	at := max(len(labels)-2, 0)
	if labels[0] == "*" {
		at = max(at, 1)
	}
	out := slices.Insert(labels, at, mp.learner)
	mp.hosts[h] = strings.Join(out, ".")
}

func (mp *mapper) addPort(m Mapping, port int) error {
	if _, ok := mp.ports[port]; ok {
		return nil
	}
	to, err := m.Ports.Port(m.Learner, port)
	if err != nil {
		return err
	}
	mp.ports[port] = to
	return nil
}

// dnsLabelRun is a run of DNS label characters: the unit a word is
// compared as.
var dnsLabelRun = regexp.MustCompile(`[a-z0-9]([a-z0-9-]*[a-z0-9])?`)

// findAmbiguous marks the words the lab also uses for something other
// than a namespace or a namespace label value.
func (mp *mapper) findAmbiguous(l *labs.Lab, parts []*part) {
	mark := func(s string) {
		for _, t := range dnsLabelRun.FindAllString(s, -1) {
			if mp.words[t] != "" {
				mp.ambiguous[t] = true
			}
		}
	}
	for _, p := range parts {
		for _, o := range p.objects {
			skip := map[*yaml.Node]bool{}
			if ns := at(o.n, "metadata", "namespace"); ns != nil {
				skip[ns] = true
			}
			if o.kind == "Namespace" {
				skip[at(o.n, "metadata", "name")] = true
				pairs(at(o.n, "metadata", "labels"), func(k, v *yaml.Node) {
					if mp.keys[k.Value] || k.Value == MetadataNameLabel {
						skip[v] = true
					}
				})
			}
			for _, sel := range o.namespaceSelectors() {
				walkScalars(sel, func(n *yaml.Node) { skip[n] = true })
			}
			for _, h := range o.ingressHosts() {
				skip[h] = true
			}
			for _, s := range o.commandStrings() {
				skip[s] = true
			}
			if o.kind == "Service" {
				if n := at(o.n, "spec", "externalName"); n != nil {
					skip[n] = true
				}
			}
			var walk func(n *yaml.Node, isKey bool)
			walk = func(n *yaml.Node, isKey bool) {
				if n == nil || skip[n] {
					return
				}
				switch n.Kind {
				case yaml.ScalarNode:
					if !isKey {
						mark(n.Value)
					}
				case yaml.MappingNode:
					for i := 0; i+1 < len(n.Content); i += 2 {
						walk(n.Content[i], true)
						walk(n.Content[i+1], false)
					}
				default:
					for _, c := range n.Content {
						walk(c, false)
					}
				}
			}
			walk(o.n, false)
		}
	}
	for _, c := range l.Checks {
		switch {
		case c.Resource != nil:
			if !strings.EqualFold(c.Resource.Kind, "Namespace") {
				mark(c.Resource.Name)
			}
		case c.Selects != nil:
			mark(c.Selects.Name)
			for _, p := range append(slices.Clone(c.Selects.Pods), c.Selects.NotPods...) {
				if r, ok := labs.ParsePodRef(p); ok {
					mark(r.Name)
				}
			}
		case c.Probe != nil:
			s := c.Probe.Spec
			if s.From.Kind == probe.FromPod {
				mark(s.From.Name)
			}
			switch s.To.Kind {
			case probe.ToPod, probe.ToService, probe.ToLB:
				mark(s.To.Name)
			case probe.ToIngress:
				mark(s.To.Path)
			}
			if c.Probe.HTTP != nil {
				mark(c.Probe.HTTP.Path)
			}
		}
	}
}

// mapNS maps a namespace name (others are kept).
func (mp *mapper) mapNS(ns string) string {
	if mp.ns[ns] {
		return mp.words[ns]
	}
	return ns
}

// mapValue maps a value of a namespace label key selectors compare.
func (mp *mapper) mapValue(v string) string {
	if to := mp.words[v]; to != "" {
		return to
	}
	return v
}

// mapDNS maps a DNS name: an Ingress host of the lab, or a Service's name
// whose namespace label is a lab namespace (web.shop, web.shop.svc,
// web.shop.svc.cluster.local, web-0.web.shop.svc.cluster.local).
func (mp *mapper) mapDNS(name string) string {
	if to := mp.hosts[strings.ToLower(name)]; to != "" {
		return to
	}
	labels := strings.Split(name, ".")
	n := len(labels)
	if n < 2 {
		return name
	}
	at := n - 1
	for i := 1; i < n; i++ {
		if labels[i] == "svc" && (i == n-1 || (i == n-3 && labels[i+1] == "cluster" && labels[i+2] == "local")) {
			at = i - 1
			break
		}
	}
	if at != n-1 && mp.ns[labels[at]] {
		labels[at] = mp.words[labels[at]]
		return strings.Join(labels, ".")
	}
	// No svc label: web.shop, web-0.web.shop, or a name missing its svc
	// label (web.shop.cluster.local, a mistake a lab may show).
	for i := 1; i < n; i++ {
		if mp.ns[labels[i]] {
			labels[i] = mp.words[labels[i]]
		}
	}
	return strings.Join(labels, ".")
}

// Text modes.
const (
	prose = iota // only unambiguous forms
	code         // every word that is not ambiguous, and the unambiguous forms
)

// tokenRE finds candidate words: DNS-like names, numbers and wildcard
// hosts. \x00 stands for an escaped dot of a regular expression.
var tokenRE = regexp.MustCompile(`(\*[.\x00])?[A-Za-z0-9\x00][A-Za-z0-9.\x00-]*`)

// mapText maps the names in s; inCode says which bytes are code.
func (mp *mapper) mapText(s string, inCode func(i int) bool) string {
	var b strings.Builder
	last := 0
	for _, loc := range tokenRE.FindAllStringIndex(s, -1) {
		i, j := loc[0], loc[1]
		for j > i && strings.ContainsRune(".-\x00", rune(s[j-1])) {
			j--
		}
		if j == i {
			continue
		}
		mode := prose
		if inCode(i) {
			mode = code
		}
		to, ok := mp.mapToken(s, i, j, mode)
		if !ok {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(to)
		last = j
	}
	b.WriteString(s[last:])
	return b.String()
}

// mapToken maps the token s[i:j] if it is a name to map in its context.
func (mp *mapper) mapToken(s string, i, j, mode int) (string, bool) {
	tok := s[i:j]
	plain := strings.ReplaceAll(tok, "\x00", ".")
	escaped := func(x string) string {
		if strings.Contains(tok, "\x00") {
			return strings.ReplaceAll(x, ".", "\x00")
		}
		return x
	}
	if to := mp.hosts[plain]; to != "" {
		return escaped(to), true
	}
	if portName.MatchString(tok) {
		if to := mp.mapPortName(tok); to != tok && !digitAround(s, i, j) {
			return to, true
		}
		return "", false
	}
	if n, err := strconv.Atoi(tok); err == nil {
		if to, ok := mp.ports[n]; ok && !digitAround(s, i, j) {
			return strconv.Itoa(to), true
		}
		return "", false
	}
	if strings.ContainsAny(plain, ".") {
		if to := mp.mapDNS(plain); to != plain {
			return escaped(to), true
		}
		return "", false
	}
	to := mp.words[tok]
	if to == "" {
		return "", false
	}
	if mode == code && !mp.ambiguous[tok] && !prevIs(s, i, "/") {
		return to, true
	}
	if mp.context(s, i, j, tok) {
		return to, true
	}
	return "", false
}

// portName is a name made of numbers, as kubectl create service names a
// port (30047-8080).
var portName = regexp.MustCompile(`^[0-9]+(-[0-9]+)+$`)

// mapPortName maps the node port numbers of a portName.
func (mp *mapper) mapPortName(s string) string {
	nums := strings.Split(s, "-")
	for i, x := range nums {
		if n, err := strconv.Atoi(x); err == nil {
			if to, ok := mp.ports[n]; ok {
				nums[i] = strconv.Itoa(to)
			}
		}
	}
	return strings.Join(nums, "-")
}

func digitAround(s string, i, j int) bool {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	return (i > 0 && (isDigit(s[i-1]) || s[i-1] == '.')) || (j < len(s) && isDigit(s[j]))
}

func prevIs(s string, i int, chars string) bool {
	return i > 0 && strings.IndexByte(chars, s[i-1]) >= 0
}

// nsBefore are the words before a namespace name that make it one.
var nsBefore = regexp.MustCompile(`(?i)(?:^|[^a-z0-9-])(?:-n|--namespace|namespaces?|ns)(?:[ =:/]|\*\*)*$`)

// nsAfter: "shop namespace", "shop/web" (NS/NAME).
var nsAfter = regexp.MustCompile(`^(?:[` + "`" + `*]*\s+namespaces?\b|/[a-z0-9])`)

// context reports whether the word at s[i:j] is a namespace name or a
// mapped label value by its surroundings.
func (mp *mapper) context(s string, i, j int, tok string) bool {
	before := strings.TrimRight(s[:i], " `'\"*")
	after := s[j:]
	if mp.ns[tok] {
		if nsBefore.MatchString(before) {
			return true
		}
		if nsAfter.MatchString(after) && !prevIs(s, i, "/.") {
			return true
		}
	}
	// key=value, key: value of a label a namespace selector compares.
	for key := range mp.keys {
		if strings.HasSuffix(before, key+"=") || strings.HasSuffix(before, key+":") {
			return true
		}
	}
	if mp.ns[tok] && (strings.HasSuffix(before, MetadataNameLabel+"=") || strings.HasSuffix(before, MetadataNameLabel+":")) {
		return true
	}
	return false
}

// mapMarkdown maps Markdown: code spans and fenced blocks in code mode,
// the rest as prose.
func (mp *mapper) mapMarkdown(s string) string {
	codeAt := markdownCode(s)
	return mp.mapText(s, func(i int) bool { return codeAt[i] })
}

// mapCode maps a command line or a field value: all code.
func (mp *mapper) mapCode(s string) string {
	return mp.mapText(s, func(int) bool { return true })
}

// mapRegexp maps a Go regular expression, reading \. as a dot.
func (mp *mapper) mapRegexp(s string) string {
	t := strings.ReplaceAll(s, `\.`, "\x00")
	t = mp.mapCode(t)
	return strings.ReplaceAll(t, "\x00", `\.`)
}

// markdownCode marks the bytes of s inside code spans and fenced blocks.
func markdownCode(s string) []bool {
	code := make([]bool, len(s)+1)
	fenced := false
	pos := 0
	for _, line := range strings.SplitAfter(s, "\n") {
		t := strings.TrimSpace(line)
		isFence := strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
		if fenced || isFence {
			for k := pos; k < pos+len(line); k++ {
				code[k] = true
			}
			if isFence {
				fenced = !fenced
			}
			pos += len(line)
			continue
		}
		// Inline code spans: a run of n backticks up to the next run of n.
		for k := 0; k < len(line); {
			if line[k] != '`' {
				k++
				continue
			}
			n := 0
			for k+n < len(line) && line[k+n] == '`' {
				n++
			}
			open := k + n
			closeAt := -1
			for m := open; m < len(line); {
				if line[m] != '`' {
					m++
					continue
				}
				r := 0
				for m+r < len(line) && line[m+r] == '`' {
					r++
				}
				if r == n {
					closeAt = m
					break
				}
				m += r
			}
			if closeAt < 0 {
				k = open
				continue
			}
			for c := open; c < closeAt; c++ {
				code[pos+c] = true
			}
			k = closeAt + n
		}
		pos += len(line)
	}
	return code
}

// manifests rewrites the parts' objects.
func (mp *mapper) manifests(parts []*part) error {
	setNS := func(n *yaml.Node) {
		if n != nil && n.Kind == yaml.ScalarNode {
			n.Value = mp.mapNS(n.Value)
		}
	}
	for _, p := range parts {
		for _, o := range p.objects {
			setNS(at(o.n, "metadata", "namespace"))
			if o.kind == "Namespace" {
				setNS(at(o.n, "metadata", "name"))
				pairs(at(o.n, "metadata", "labels"), func(k, v *yaml.Node) {
					switch {
					case k.Value == MetadataNameLabel:
						setNS(v)
					case mp.keys[k.Value]:
						v.Value = mp.mapValue(v.Value)
					}
				})
			}
			for _, sel := range o.namespaceSelectors() {
				selectorTerms(sel, func(key, _ string, vals []*yaml.Node) {
					for _, v := range vals {
						switch {
						case key == MetadataNameLabel:
							setNS(v)
						case mp.keys[key]:
							v.Value = mp.mapValue(v.Value)
						}
					}
				})
			}
			for _, h := range o.ingressHosts() {
				if to := mp.hosts[strings.ToLower(h.Value)]; to != "" {
					h.Value = to
				}
			}
			if o.kind == "Service" {
				if n := at(o.n, "spec", "externalName"); n != nil && n.Kind == yaml.ScalarNode {
					n.Value = mp.mapDNS(strings.TrimSuffix(n.Value, "."))
				}
				for _, port := range items(at(o.n, "spec", "ports")) {
					if n := get(port, "name"); n != nil && portName.MatchString(n.Value) {
						n.Value = mp.mapPortName(n.Value)
					}
					for _, f := range []string{"nodePort", "port"} {
						if n := get(port, f); n != nil {
							if v, err := strconv.Atoi(n.Value); err == nil {
								if to, ok := mp.ports[v]; ok {
									n.Value = strconv.Itoa(to)
								}
							}
						}
					}
				}
			}
			for _, s := range o.commandStrings() {
				if s.Kind == yaml.ScalarNode {
					s.Value = mp.mapText(s.Value, func(int) bool { return false })
				}
			}
		}
	}
	return nil
}

// lab builds the mapped lab and validates it.
func (mp *mapper) lab(l *labs.Lab, parts []*part) (*labs.Lab, error) {
	if err := mp.manifests(parts); err != nil {
		return nil, err
	}
	texts := make([]string, len(parts))
	for i, p := range parts {
		t, err := p.text()
		if err != nil {
			return nil, fmt.Errorf("%s manifests: %w", p.name, err)
		}
		texts[i] = t
	}
	c := *l
	c.Title = mp.mapMarkdown(l.Title)
	c.Namespace = mp.mapNS(l.Namespace)
	c.Task = mp.mapMarkdown(l.Task)
	c.Hints = mapAll(l.Hints, mp.mapMarkdown)
	c.Setup.Manifests = texts[0]
	c.Solution = labs.Solution{
		Commands:    mapAll(l.Solution.Commands, mp.mapCode),
		Manifests:   texts[1],
		Explanation: mp.mapMarkdown(l.Solution.Explanation),
	}
	k := 2
	c.Correct = make([]labs.CorrectAnswer, len(l.Correct))
	for i, a := range l.Correct {
		c.Correct[i] = labs.CorrectAnswer{Name: a.Name, Description: mp.mapMarkdown(a.Description), Manifests: texts[k]}
		k++
	}
	c.Wrong = make([]labs.WrongAnswer, len(l.Wrong))
	for i, w := range l.Wrong {
		c.Wrong[i] = labs.WrongAnswer{Name: w.Name, Description: mp.mapMarkdown(w.Description), Manifests: texts[k], Fails: slices.Clone(w.Fails)}
		k++
	}
	c.Equivalent = make([]labs.EquivalentMutant, len(l.Equivalent))
	for i, e := range l.Equivalent {
		c.Equivalent[i] = labs.EquivalentMutant{Mutant: mp.mapMutant(e.Mutant), Reason: mp.mapMarkdown(e.Reason)}
	}
	c.Checks = make([]labs.Check, len(l.Checks))
	for i, ch := range l.Checks {
		c.Checks[i] = mp.check(ch)
	}
	c.Tags = slices.Clone(l.Tags)
	var values map[string]string
	if l.Values != nil {
		values = make(map[string]string, len(l.Values))
		for k, v := range l.Values {
			values[k] = mp.mapCode(v)
		}
	}
	text, err := labTOML(&c)
	if err != nil {
		return nil, err
	}
	out, errs := labs.Parse(l.Source, []byte(text))
	if len(errs) > 0 {
		return nil, fmt.Errorf("the mapped lab is invalid: %w", errs)
	}
	out.VariantN, out.Values = l.VariantN, values
	return out, nil
}

func mapAll(ss []string, f func(string) string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// mapMutant maps the namespace of a mutant id OP@Kind/NAMESPACE/NAME:FIELD.
func (mp *mapper) mapMutant(id string) string {
	op, rest, ok := strings.Cut(id, "@")
	if !ok {
		return id
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) == 3 {
		parts[1] = mp.mapNS(parts[1])
	}
	return op + "@" + strings.Join(parts, "/")
}

func (mp *mapper) podRef(s string) string {
	prefix := ""
	if rest, ok := strings.CutPrefix(s, "deployment:"); ok {
		prefix, s = "deployment:", rest
	}
	ns, name, ok := strings.Cut(s, "/")
	if !ok {
		return prefix + s
	}
	return prefix + mp.mapNS(ns) + "/" + name
}

// check maps one check (a deep copy).
func (mp *mapper) check(ch labs.Check) labs.Check {
	out := labs.Check{ID: ch.ID, Points: ch.Points, Description: mp.mapMarkdown(ch.Description), Requires: slices.Clone(ch.Requires)}
	if r := ch.Resource; r != nil {
		nr := &labs.ResourceCheck{Kind: r.Kind, Namespace: mp.mapNS(r.Namespace), Name: r.Name, Absent: r.Absent}
		if strings.EqualFold(r.Kind, "Namespace") {
			nr.Name = mp.mapNS(r.Name)
		}
		for _, f := range r.Fields {
			nf := labs.FieldAssertion{Path: mp.mapPath(f.Path), Any: f.Any, Contains: mp.mapCode(f.Contains), Matches: mp.mapRegexp(f.Matches)}
			if f.Exists != nil {
				e := *f.Exists
				nf.Exists = &e
			}
			nf.Equals = mp.mapAny(f.Equals)
			nr.Fields = append(nr.Fields, nf)
		}
		out.Resource = nr
	}
	if s := ch.Selects; s != nil {
		out.Selects = &labs.SelectsCheck{Kind: s.Kind, Namespace: mp.mapNS(s.Namespace), Name: s.Name,
			Pods: mapAll(s.Pods, mp.podRef), NotPods: mapAll(s.NotPods, mp.podRef)}
	}
	if p := ch.Probe; p != nil {
		np := &labs.ProbeCheck{From: mp.source(p.Spec.From, p.From), To: mp.target(p.Spec.To, p.To), Port: p.Port, Protocol: p.Protocol, Expect: p.Expect}
		if p.Spec.To.Kind != probe.ToNodePort && p.Spec.To.Kind != probe.ToIngress {
			np.Port = mp.mapAny(p.Port)
		}
		if p.HTTP != nil {
			h := *p.HTTP
			if h.Service != "" {
				h.Service = mp.podRef(h.Service)
			}
			np.HTTP = &h
		}
		out.Probe = np
	}
	return out
}

// pathSelector is a list element selector of a field path: [key=value]
// or [key="value"].
var pathSelector = regexp.MustCompile(`\[([A-Za-z0-9_.-]+)=("?)([^\]"]*)("?)\]`)

// mapPath maps the values of a field path's element selectors
// (spec.rules[host="shop.example.com"].host).
func (mp *mapper) mapPath(p string) string {
	return pathSelector.ReplaceAllStringFunc(p, func(m string) string {
		sub := pathSelector.FindStringSubmatch(m)
		return "[" + sub[1] + "=" + sub[2] + mp.mapCode(sub[3]) + sub[4] + "]"
	})
}

// mapAny maps a TOML value: a node port number, or names in a string.
func (mp *mapper) mapAny(v any) any {
	switch x := v.(type) {
	case int64:
		if to, ok := mp.ports[int(x)]; ok {
			return int64(to)
		}
	case string:
		return mp.mapCode(x)
	}
	return v
}

func (mp *mapper) source(s probe.Source, raw string) string {
	if s.Kind != probe.FromPod {
		return raw
	}
	return mp.mapNS(s.Namespace) + "/" + s.Name
}

func (mp *mapper) target(t probe.Target, raw string) string {
	switch t.Kind {
	case probe.ToPod:
		return mp.mapNS(t.Namespace) + "/" + t.Name
	case probe.ToService, probe.ToLB:
		return string(t.Kind) + ":" + mp.mapNS(t.Namespace) + "/" + t.Name
	case probe.ToDNS:
		return "dns:" + mp.mapDNS(t.Name)
	case probe.ToNodePort:
		if to, ok := mp.ports[t.NodePort]; ok {
			return "nodeport:" + strconv.Itoa(to)
		}
	case probe.ToIngress:
		if to := mp.hosts[t.Host]; to != "" {
			return "ingress:" + to + t.Path
		}
	}
	return raw
}
