package labs

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
)

// Severity of a lint diagnostic.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one lint finding.
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line"` // 0 when unknown
	Lab      string   `json:"lab,omitempty"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// String is "file:line: message" for errors and "file:line: warning:
// message" for warnings.
func (d Diagnostic) String() string {
	loc := d.File
	if d.Line > 0 {
		loc = fmt.Sprintf("%s:%d", d.File, d.Line)
	}
	if d.Severity == SeverityWarning {
		return loc + ": warning: " + d.Message
	}
	return loc + ": " + d.Message
}

// Diagnostics converts the list to lint diagnostics (all errors).
func (l ErrorList) Diagnostics() []Diagnostic {
	out := make([]Diagnostic, len(l))
	for i, e := range l {
		out[i] = Diagnostic{File: e.File, Line: e.Line, Severity: SeverityError, Message: e.Msg}
	}
	return out
}

// ObjectInfo is what lint needs to know about one manifest object.
type ObjectInfo struct {
	Kind      string
	Namespace string // "" when the manifest names none
	Name      string
	Images    []string // container and init container images
	Line      int      // 1-based line of the object's document in the YAML text; 0 if unknown
}

// ManifestDecoder reads the multi-document YAML of one manifests string.
// name says which one it is, for messages ("setup.manifests",
// "wrong[1].manifests"). The CLI wires it to the manifest package; labs
// itself knows nothing about Kubernetes decoding. An error that is (or
// wraps) a *ManifestError, or has a Line() int method, is reported at that
// line of the YAML.
type ManifestDecoder func(name string, yaml string) ([]ObjectInfo, error)

// ManifestError is a decode error at a line of a manifests string.
type ManifestError struct {
	Line int // 1-based line in the YAML text
	Err  error
}

func (e *ManifestError) Error() string { return e.Err.Error() }
func (e *ManifestError) Unwrap() error { return e.Err }

// Objects every cluster has (kind, the offline cluster and the course's
// set-up): labs may probe and check them without creating them.
var (
	builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease", "traefik"}
	builtinObjects    = []objKey{
		{"service", "default", "kubernetes"},
		{"service", "kube-system", "kube-dns"},
		{"service", "traefik", "traefik"},
		{"ingressclass", "", "nginx"},
		{"ingressclass", "", "traefik"},
	}
)

type objKey struct{ kind, ns, name string } // kind lower-case

// world is the set of objects a lab's cluster holds.
type world struct {
	objs       map[objKey]string // → where it comes from ("setup", "solution", "the cluster")
	namespaces map[string]bool
	workloads  []objKey // Deployments, ReplicaSets, StatefulSets, DaemonSets
}

func newWorld() *world {
	w := &world{objs: map[objKey]string{}, namespaces: map[string]bool{}}
	for _, ns := range builtinNamespaces {
		w.namespaces[ns] = true
		w.objs[objKey{"namespace", "", ns}] = "the cluster"
	}
	for _, k := range builtinObjects {
		w.objs[k] = "the cluster"
	}
	return w
}

func (w *world) add(o ObjectInfo, from string) {
	k := objKey{strings.ToLower(o.Kind), o.Namespace, o.Name}
	if _, ok := w.objs[k]; !ok {
		w.objs[k] = from
	}
	switch k.kind {
	case "namespace":
		w.namespaces[o.Name] = true
	case "deployment", "replicaset", "statefulset", "daemonset":
		w.workloads = append(w.workloads, k)
	}
}

func (w *world) has(kind, ns, name string) bool {
	_, ok := w.objs[objKey{strings.ToLower(kind), ns, name}]
	return ok
}

// linter collects the diagnostics of one lab.
type linter struct {
	lab    *Lab
	decode ManifestDecoder
	out    []Diagnostic
}

func (l *linter) report(line int, sev Severity, format string, args ...any) {
	l.out = append(l.out, Diagnostic{
		File: l.lab.Source, Line: line, Lab: l.lab.ID, Severity: sev,
		Message: fmt.Sprintf(format, args...),
	})
}

// Lint cross-checks validated labs: probes and resource checks must name
// objects that the setup or the solution creates (or that every cluster
// has), probe pods must be bare Pods (their names are stable), the lab
// namespace must be created by the setup, every namespace used must be
// created, images must be pinned (a tag other than latest, or a digest),
// and every manifests string must decode. Lab ids must be unique. The
// result is sorted by file and line.
func Lint(labs []*Lab, decode ManifestDecoder) []Diagnostic {
	var out []Diagnostic
	seen := map[string]*Lab{}
	for _, lab := range labs {
		if lab == nil {
			continue
		}
		if first, dup := seen[lab.ID]; dup {
			out = append(out, Diagnostic{
				File: lab.Source, Line: lab.Line("id"), Lab: lab.ID, Severity: SeverityError,
				Message: fmt.Sprintf("duplicate lab id %q: also in %s:%d", lab.ID, first.Source, first.Line("id")),
			})
		} else {
			seen[lab.ID] = lab
		}
		l := &linter{lab: lab, decode: decode}
		l.run()
		out = append(out, l.out...)
		out = append(out, lintVariants(lab, decode, l.out)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// manifests decodes one manifests string, reporting decode errors and
// unpinned images. ok is false when it could not be decoded.
func (l *linter) manifests(key, text string) (objs []ObjectInfo, ok bool) {
	if strings.TrimSpace(text) == "" {
		return nil, true
	}
	if l.decode == nil {
		return nil, false
	}
	objs, err := l.decode(key, text)
	if err != nil {
		line := l.lab.Line(key)
		var me *ManifestError
		var liner interface{ Line() int }
		switch {
		case errors.As(err, &me) && me.Line > 0:
			line = l.yamlLine(key, me.Line)
		case errors.As(err, &liner) && liner.Line() > 0:
			line = l.yamlLine(key, liner.Line())
		}
		l.report(line, SeverityError, "%s: %v", key, err)
		return nil, false
	}
	for _, o := range objs {
		for _, img := range o.Images {
			if why := unpinned(img); why != "" {
				l.report(l.yamlLine(key, o.Line), SeverityError, "%s: %s %s: image %q %s", key, o.Kind, o.Name, img, why)
			}
		}
	}
	return objs, true
}

// yamlLine maps line n of the manifests string at key to a line of the
// lab file (the key's line when unknown).
func (l *linter) yamlLine(key string, n int) int {
	if start := l.lab.TextLine(key); start > 0 && n > 0 {
		return start + n - 1
	}
	return l.lab.Line(key)
}

// unpinned says why an image reference is not pinned, or "".
func unpinned(img string) string {
	if strings.Contains(img, "@") {
		return "" // a digest
	}
	name := img
	if i := strings.LastIndex(img, "/"); i >= 0 {
		name = img[i+1:]
	}
	_, tag, ok := strings.Cut(name, ":")
	switch {
	case !ok || tag == "":
		return "has no tag: pin a version (e.g. nginx:1.27)"
	case tag == "latest":
		return "uses :latest: pin a version (e.g. nginx:1.27)"
	}
	return ""
}

func (l *linter) run() {
	lab := l.lab
	setup, setupOK := l.manifests("setup.manifests", lab.Setup.Manifests)
	solution, solutionOK := l.manifests("solution.manifests", lab.Solution.Manifests)

	w := newWorld()
	setupNS := map[string]bool{}
	for _, o := range setup {
		if o.Namespace == "" && !IsClusterScoped(o.Kind) {
			l.report(l.yamlLine("setup.manifests", o.Line), SeverityWarning,
				"setup.manifests: %s %s names no namespace (setup objects name theirs; %q is assumed)", o.Kind, o.Name, lab.Namespace)
		}
		o = l.defaultNamespace(o)
		w.add(o, "setup")
		if strings.EqualFold(o.Kind, "Namespace") {
			setupNS[o.Name] = true
		}
	}
	for _, o := range solution {
		w.add(l.defaultNamespace(o), "solution")
	}
	if setupOK && lab.Namespace != "" && !setupNS[lab.Namespace] {
		l.report(max(lab.Line("namespace"), 0), SeverityError,
			"namespace %q is not created by setup.manifests (add a Namespace object)", lab.Namespace)
	}
	wrong := make([][]ObjectInfo, len(lab.Wrong))
	for i, wa := range lab.Wrong {
		wrong[i], _ = l.manifests(indexPath("wrong", i)+".manifests", wa.Manifests)
	}

	// Cross-references need the setup and the solution decoded, or they
	// would report objects that are only hidden by a decode error.
	if !setupOK || !solutionOK {
		return
	}
	l.namespacesExist("setup.manifests", setup, w)
	l.namespacesExist("solution.manifests", solution, w)
	for i, objs := range wrong {
		// A wrong answer is applied on top of the setup instead of the
		// solution.
		ww := newWorld()
		for _, o := range setup {
			ww.add(l.defaultNamespace(o), "setup")
		}
		for _, o := range objs {
			ww.add(l.defaultNamespace(o), "wrong answer")
		}
		l.namespacesExist(indexPath("wrong", i)+".manifests", objs, ww)
	}
	for i := range lab.Checks {
		c := &lab.Checks[i]
		path := indexPath("checks", i)
		switch {
		case c.Probe != nil:
			l.probeRefs(path+".probe", c, w)
		case c.Resource != nil:
			l.resourceRefs(path+".resource", c, w)
		case c.Selects != nil:
			l.selectsRefs(path+".selects", c, w)
		}
	}
}

// defaultNamespace gives a namespaced object without a namespace the lab's.
func (l *linter) defaultNamespace(o ObjectInfo) ObjectInfo {
	if o.Namespace == "" && !IsClusterScoped(o.Kind) {
		o.Namespace = l.lab.Namespace
	}
	return o
}

func (l *linter) namespacesExist(key string, objs []ObjectInfo, w *world) {
	for _, o := range objs {
		o = l.defaultNamespace(o)
		if o.Namespace != "" && !w.namespaces[o.Namespace] {
			l.report(l.yamlLine(key, o.Line), SeverityError,
				"%s: %s %s is in namespace %q, which neither the setup nor the solution creates", key, o.Kind, o.Name, o.Namespace)
		}
	}
}

func (l *linter) probeRefs(path string, c *Check, w *world) {
	p := c.Probe
	spec := p.Spec
	if spec.From.Kind == probe.FromPod {
		l.podRef(path+".from", "source", spec.From.Namespace, spec.From.Name, w)
	}
	switch spec.To.Kind {
	case probe.ToPod:
		l.podRef(path+".to", "target", spec.To.Namespace, spec.To.Name, w)
	case probe.ToService, probe.ToLB:
		l.serviceRef(path+".to", "target", spec.To.Namespace, spec.To.Name, w)
	case probe.ToDNS:
		l.dnsRef(path+".to", spec, w)
	}
	if p.HTTP != nil && p.HTTP.Service != "" {
		ns, name, _ := strings.Cut(p.HTTP.Service, "/")
		l.serviceRef(path+".http.service", "http.service", ns, name, w)
	}
}

func (l *linter) podRef(path, role, ns, name string, w *world) {
	line := l.lab.Line(path)
	if !w.namespaces[ns] {
		l.report(line, SeverityError, "probe %s %s/%s: namespace %q is created by neither the setup nor the solution", role, ns, name, ns)
		return
	}
	if w.has("Pod", ns, name) {
		return
	}
	for _, wl := range w.workloads {
		if wl.ns == ns && strings.HasPrefix(name, wl.name+"-") {
			l.report(line, SeverityError,
				"probe %s %s/%s: pods of %s %s/%s get generated names; probes need a bare Pod with a stable name", role, ns, name, kindTitle(wl.kind), wl.ns, wl.name)
			return
		}
	}
	l.report(line, SeverityError, "probe %s %s/%s: no Pod %s/%s in the setup or the solution (probes need a bare Pod)", role, ns, name, ns, name)
}

func (l *linter) serviceRef(path, role, ns, name string, w *world) {
	if w.has("Service", ns, name) {
		return
	}
	line := l.lab.Line(path)
	if !w.namespaces[ns] {
		l.report(line, SeverityError, "probe %s: namespace %q is created by neither the setup nor the solution", role, ns)
		return
	}
	l.report(line, SeverityError, "probe %s: no Service %s/%s in the setup or the solution", role, ns, name)
}

// dnsRef checks names of the Service form NAME, NAME.NS, NAME.NS.svc and
// NAME.NS.svc.cluster.local. A name nobody creates is only a warning: a
// lab may probe it on purpose (it does not resolve).
func (l *linter) dnsRef(path string, spec probe.Spec, w *world) {
	name := strings.ToLower(spec.To.Name)
	strict := false
	for _, suffix := range []string{".svc.cluster.local", ".svc"} {
		if strings.HasSuffix(name, suffix) {
			name, strict = strings.TrimSuffix(name, suffix), true
			break
		}
	}
	parts := strings.Split(name, ".")
	var svc, ns string
	switch {
	case len(parts) == 1:
		svc, ns = parts[0], spec.From.Namespace
	case len(parts) == 2 && (strict || w.namespaces[parts[1]]):
		svc, ns = parts[0], parts[1]
	default:
		return // another DNS name (an ExternalName target, a host outside)
	}
	line := l.lab.Line(path)
	if !w.namespaces[ns] {
		l.report(line, SeverityError, "probe target dns:%s: namespace %q is created by neither the setup nor the solution", spec.To.Name, ns)
		return
	}
	if !w.has("Service", ns, svc) {
		l.report(line, SeverityWarning, "probe target dns:%s: no Service %s/%s in the setup or the solution, so the name never resolves", spec.To.Name, ns, svc)
	}
}

func (l *linter) resourceRefs(path string, c *Check, w *world) {
	r := c.Resource
	line := l.lab.Line(path)
	from, exists := w.objs[objKey{strings.ToLower(r.Kind), r.Namespace, r.Name}]
	where := r.Name
	if r.Namespace != "" {
		where = r.Namespace + "/" + r.Name
	}
	switch {
	case r.Absent && from == "solution":
		l.report(line, SeverityWarning, "check %q wants %s %s absent, but the solution creates it", c.ID, r.Kind, where)
	case !r.Absent && !exists:
		l.report(line, SeverityError, "check %q reads %s %s, which neither the setup nor the solution creates", c.ID, r.Kind, where)
	}
}

func (l *linter) selectsRefs(path string, c *Check, w *world) {
	s := c.Selects
	line := l.lab.Line(path)
	if !w.has(s.Kind, s.Namespace, s.Name) {
		l.report(line, SeverityError, "check %q reads %s %s/%s, which neither the setup nor the solution creates", c.ID, s.Kind, s.Namespace, s.Name)
	}
	for _, list := range [][]string{s.Pods, s.NotPods} {
		for _, p := range list {
			r, ok := ParsePodRef(p)
			if !ok {
				continue
			}
			kind := "Pod"
			if r.Deployment {
				kind = "Deployment"
			}
			if !w.has(kind, r.Namespace, r.Name) {
				l.report(line, SeverityError, "check %q names %s %s/%s, which neither the setup nor the solution creates", c.ID, kind, r.Namespace, r.Name)
			}
		}
	}
}

func kindTitle(lower string) string {
	switch lower {
	case "deployment":
		return "Deployment"
	case "replicaset":
		return "ReplicaSet"
	case "statefulset":
		return "StatefulSet"
	case "daemonset":
		return "DaemonSet"
	}
	return lower
}

// LintSample is how many variants of a lab with parameters lint proves
// (Lab.SampleVariants): variant 0 and the first others with new values.
const LintSample = 5

// lintVariants reports the parameters a lab declares and never uses, and
// lints its sampled variants other than 0: a variant that does not
// render, and the findings of a variant that variant 0 (whose findings
// are seen) does not have.
func lintVariants(lab *Lab, decode ManifestDecoder, seen []Diagnostic) []Diagnostic {
	if !lab.HasParams() {
		return nil
	}
	var out []Diagnostic
	for _, p := range lab.UnusedParams() {
		out = append(out, Diagnostic{File: lab.Source, Line: p.Line, Lab: lab.ID, Severity: SeverityWarning,
			Message: fmt.Sprintf("parameter %s is declared but never used ({{%s}} appears nowhere)", p.Name, p.Name)})
	}
	known := map[string]bool{}
	for _, d := range seen {
		known[fmt.Sprint(d.Line, d.Severity, d.Message)] = true
	}
	for _, n := range lab.SampleVariants(LintSample)[1:] {
		v, err := lab.Variant(n)
		if err != nil {
			var el ErrorList
			if errors.As(err, &el) {
				for _, d := range el.Diagnostics() {
					d.Lab = lab.ID
					out = append(out, d)
				}
				continue
			}
			d := Diagnostic{File: lab.Source, Line: max(lab.Line("params"), 1), Lab: lab.ID, Severity: SeverityError, Message: err.Error()}
			var e *Error
			if errors.As(err, &e) {
				d.Line, d.Message = e.Line, e.Msg
			}
			out = append(out, d)
			continue
		}
		l := &linter{lab: v, decode: decode}
		l.run()
		for _, d := range l.out {
			// The same finding in another variant's words is still news:
			// only an identical one is dropped.
			if key := fmt.Sprint(d.Line, d.Severity, d.Message); !known[key] {
				known[key] = true
				d.Message = fmt.Sprintf("variant %d (%s): %s", n, v.ValuesText(), d.Message)
				out = append(out, d)
			}
		}
	}
	return out
}
