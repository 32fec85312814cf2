package labs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
)

type validator struct {
	lab  *Lab
	errs []pathError
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, pathError{path, fmt.Sprintf(format, args...)})
}

// present reports whether the key is written in the file, or its value is
// non-empty.
func (v *validator) present(path string, nonEmpty bool) bool {
	return v.lab.index.has(path) || nonEmpty
}

// required checks a string that must be non-blank.
func (v *validator) required(path, value string) bool {
	if strings.TrimSpace(value) != "" {
		return true
	}
	if v.lab.index.has(path) {
		v.add(path, "%s must not be empty", displayKey(path))
	} else {
		v.add(path, "missing key %q", stripIndexes(path))
	}
	return false
}

// validate checks a decoded lab against the rules of the lab format and
// fills in what the loader derives (resource check namespaces, probe
// Specs). Every problem is reported, by key path (Parse places it at the
// key's line).
func validate(l *Lab) []pathError {
	v := &validator{lab: l}
	v.header()
	v.setupAndSolution()
	checkIDs := v.checks()
	v.requires(checkIDs)
	v.wrongAnswers(checkIDs)
	v.correctAnswers()
	v.equivalents()
	return v.errs
}

func (v *validator) header() {
	l := v.lab
	if v.required("id", l.ID) && !isDNSLabel(l.ID) {
		v.add("id", "id %q: %s", l.ID, dnsLabelRule)
	}
	v.required("title", l.Title)
	if v.required("domain", string(l.Domain)) && !validDomain(l.Domain) {
		names := make([]string, len(Domains))
		for i, d := range Domains {
			names[i] = string(d)
		}
		v.add("domain", "domain %q: want services, ingress or networkpolicy%s", l.Domain, didYouMean(string(l.Domain), names))
	}
	if v.required("difficulty", l.Difficulty) && !validDifficulty(l.Difficulty) {
		v.add("difficulty", "difficulty %q: want easy, medium or hard%s", l.Difficulty, didYouMean(l.Difficulty, Difficulties))
	}
	if !v.present("points", l.Points != 0) {
		v.add("points", "missing key %q", "points")
	} else if l.Points <= 0 {
		v.add("points", "points must be > 0, not %d", l.Points)
	}
	if !v.present("minutes", l.Minutes != 0) {
		v.add("minutes", "missing key %q (the estimated time)", "minutes")
	} else if l.Minutes <= 0 {
		v.add("minutes", "minutes must be > 0, not %d", l.Minutes)
	}
	for i, t := range l.Tags {
		if strings.TrimSpace(t) == "" {
			v.add(indexPath("tags", i), "tags[%d] is empty", i)
		}
	}
	if v.required("namespace", l.Namespace) && !isDNSLabel(l.Namespace) {
		v.add("namespace", "namespace %q: %s", l.Namespace, dnsLabelRule)
	}
	v.required("task", l.Task)
	if len(l.Hints) == 0 {
		v.add("hints", "at least one hint is required (hints = [\"...\"])")
	}
	for i, h := range l.Hints {
		if strings.TrimSpace(h) == "" {
			v.add(indexPath("hints", i), "hints[%d] is empty", i)
		}
	}
}

func (v *validator) setupAndSolution() {
	l := v.lab
	v.required("setup.manifests", l.Setup.Manifests)
	if len(l.Solution.Commands) == 0 {
		v.add("solution.commands", "solution.commands must list at least one command (shown to the learner, never run)")
	}
	for i, c := range l.Solution.Commands {
		if strings.TrimSpace(c) == "" {
			v.add(indexPath("solution.commands", i), "solution.commands[%d] is empty", i)
		}
	}
	v.required("solution.manifests", l.Solution.Manifests)
}

// checks validates every check and returns the set of valid ids.
func (v *validator) checks() map[string]bool {
	l := v.lab
	ids := map[string]bool{}
	firstAt := map[string]int{}
	if len(l.Checks) == 0 {
		v.add("checks", "at least one check is required ([[checks]])")
	}
	sum := 0
	for i := range l.Checks {
		c := &l.Checks[i]
		path := indexPath("checks", i)
		sum += c.Points
		if v.required(path+".id", c.ID) {
			switch {
			case !isDNSLabel(c.ID):
				v.add(path+".id", "check id %q: %s", c.ID, dnsLabelRule)
			case ids[c.ID]:
				v.add(path+".id", "duplicate check id %q (first used by checks[%d])", c.ID, firstAt[c.ID])
			default:
				ids[c.ID] = true
				firstAt[c.ID] = i
			}
		}
		if !v.present(path+".points", c.Points != 0) {
			v.add(path+".points", "missing key %q", "checks.points")
		} else if c.Points <= 0 {
			v.add(path+".points", "checks.points must be > 0, not %d", c.Points)
		}
		v.required(path+".description", c.Description)
		var kinds []string
		for _, k := range []struct {
			name string
			set  bool
		}{{"resource", c.Resource != nil}, {"selects", c.Selects != nil}, {"probe", c.Probe != nil}} {
			if k.set {
				kinds = append(kinds, k.name)
			}
		}
		switch {
		case len(kinds) > 1:
			v.add(path, "check %q has %s: a check is exactly one of resource, selects or probe", c.ID, strings.Join(kinds, " and "))
		case c.Resource != nil:
			v.resource(path+".resource", c.Resource)
		case c.Selects != nil:
			v.selects(path+".selects", c.Selects)
		case c.Probe != nil:
			v.probe(path+".probe", c.Probe)
		default:
			v.add(path, "check %q needs a resource, selects or probe table", c.ID)
		}
	}
	if len(l.Checks) > 0 && l.Points > 0 && sum != l.Points {
		v.add("points", "points is %d but the checks add up to %d", l.Points, sum)
	}
	return ids
}

// clusterScoped are the kinds a resource check may name without a
// namespace.
var clusterScoped = map[string]bool{
	"namespace": true, "node": true, "ingressclass": true, "persistentvolume": true,
	"storageclass": true, "clusterrole": true, "clusterrolebinding": true,
	"customresourcedefinition": true, "priorityclass": true,
	"validatingwebhookconfiguration": true, "mutatingwebhookconfiguration": true,
}

// IsClusterScoped reports whether objects of kind (case-insensitive) have
// no namespace.
func IsClusterScoped(kind string) bool { return clusterScoped[strings.ToLower(kind)] }

var kindRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

func (v *validator) resource(path string, r *ResourceCheck) {
	if v.required(path+".kind", r.Kind) && !kindRE.MatchString(r.Kind) {
		v.add(path+".kind", "kind %q: want a Kubernetes kind such as Service, Ingress or NetworkPolicy", r.Kind)
	}
	if v.required(path+".name", r.Name) && !isDNSSubdomain(r.Name) {
		v.add(path+".name", "name %q: want a Kubernetes object name (lower-case letters, digits, '-' and '.')", r.Name)
	}
	switch {
	case IsClusterScoped(r.Kind):
		if r.Namespace != "" {
			v.add(path+".namespace", "%s is cluster-scoped: remove namespace", r.Kind)
		}
	case r.Namespace == "":
		r.Namespace = v.lab.Namespace
	case !isDNSLabel(r.Namespace):
		v.add(path+".namespace", "namespace %q: %s", r.Namespace, dnsLabelRule)
	}
	if r.Absent && len(r.Fields) > 0 {
		v.add(path+".fields", "an absent object has no fields: remove absent = true or the fields")
	}
	for i := range r.Fields {
		v.field(indexPath(path+".fields", i), &r.Fields[i])
	}
}

// selects validates a selects check and defaults its namespace.
func (v *validator) selects(path string, s *SelectsCheck) {
	if v.required(path+".kind", s.Kind) {
		switch strings.ToLower(s.Kind) {
		case "networkpolicy":
			s.Kind = "NetworkPolicy"
		case "service":
			s.Kind = "Service"
		default:
			v.add(path+".kind", "kind %q: a selects check reads the pod selector of a NetworkPolicy or a Service", s.Kind)
		}
	}
	if v.required(path+".name", s.Name) && !isDNSSubdomain(s.Name) {
		v.add(path+".name", "name %q: want a Kubernetes object name (lower-case letters, digits, '-' and '.')", s.Name)
	}
	switch {
	case s.Namespace == "":
		s.Namespace = v.lab.Namespace
	case !isDNSLabel(s.Namespace):
		v.add(path+".namespace", "namespace %q: %s", s.Namespace, dnsLabelRule)
	}
	if len(s.Pods) == 0 && len(s.NotPods) == 0 {
		v.add(path, "a selects check lists the pods the selector must select (pods) and/or must not select (not_pods)")
	}
	seen := map[string]string{}
	for key, list := range map[string][]string{"pods": s.Pods, "not_pods": s.NotPods} {
		for i, p := range list {
			r, ok := ParsePodRef(p)
			if !ok {
				v.add(indexPath(path+"."+key, i), "%s entry %q: want NS/POD or deployment:NS/NAME", key, p)
				continue
			}
			if other, dup := seen[r.String()]; dup {
				v.add(indexPath(path+"."+key, i), "%s is listed twice (also in %s)", r, other)
			}
			seen[r.String()] = key
		}
	}
}

// requires checks that every required check exists and that requirements
// have no cycle.
func (v *validator) requires(ids map[string]bool) {
	l := v.lab
	all := make([]string, 0, len(l.Checks))
	idx := map[string]int{}
	for i, c := range l.Checks {
		all = append(all, c.ID)
		idx[c.ID] = i
	}
	for i, c := range l.Checks {
		path := indexPath("checks", i) + ".requires"
		seen := map[string]bool{}
		for j, r := range c.Requires {
			rp := indexPath(path, j)
			switch {
			case r == c.ID:
				v.add(rp, "check %q requires itself", c.ID)
			case seen[r]:
				v.add(rp, "requires lists %q twice", r)
			case !ids[r]:
				v.add(rp, "requires names unknown check %q%s", r, didYouMean(r, all))
			}
			seen[r] = true
		}
	}
	// Cycles: depth-first search over valid edges.
	state := make([]int, len(l.Checks)) // 0 new, 1 on the stack, 2 done
	var visit func(i int, chain []string) bool
	visit = func(i int, chain []string) bool {
		state[i] = 1
		chain = append(chain, l.Checks[i].ID)
		for _, r := range l.Checks[i].Requires {
			j, ok := idx[r]
			if !ok || r == l.Checks[i].ID {
				continue
			}
			if state[j] == 1 {
				v.add(indexPath("checks", i)+".requires", "requirements form a cycle: %s -> %s", strings.Join(chain, " -> "), r)
				return true
			}
			if state[j] == 0 && visit(j, chain) {
				return true
			}
		}
		state[i] = 2
		return false
	}
	for i := range l.Checks {
		if state[i] == 0 && visit(i, nil) {
			return
		}
	}
}

// unique records that element i of a list uses key, or reports (format
// with the key and the first element's index) that an earlier one does.
func (v *validator) unique(first map[string]int, key string, i int, path, format string) {
	if j, dup := first[key]; dup {
		v.add(path, format, key, j)
		return
	}
	first[key] = i
}

func (v *validator) correctAnswers() {
	names := map[string]int{}
	for i, c := range v.lab.Correct {
		path := indexPath("correct", i)
		if v.required(path+".name", c.Name) {
			v.unique(names, c.Name, i, path+".name", "duplicate correct answer name %q (first used by correct[%d])")
			for _, w := range v.lab.Wrong {
				if w.Name == c.Name {
					v.add(path+".name", "correct answer %q has the name of a wrong answer", c.Name)
				}
			}
		}
		v.required(path+".manifests", c.Manifests)
	}
}

func (v *validator) equivalents() {
	seen := map[string]int{}
	for i, e := range v.lab.Equivalent {
		path := indexPath("equivalent", i)
		if v.required(path+".mutant", e.Mutant) {
			v.unique(seen, e.Mutant, i, path+".mutant", "mutant %q is declared twice (first in equivalent[%d])")
		}
		v.required(path+".reason", e.Reason)
	}
}

func (v *validator) field(path string, f *FieldAssertion) {
	if v.required(path+".path", f.Path) {
		if _, err := ParseFieldPath(f.Path); err != nil {
			v.add(path+".path", "%v", err)
		}
	}
	var set []string
	if f.Equals != nil {
		set = append(set, "equals")
		switch f.Equals.(type) {
		case string, int64, bool:
		default:
			v.add(path+".equals", "equals: want a string, an integer or true/false, found %s", describeValue(f.Equals))
		}
	}
	if v.present(path+".contains", f.Contains != "") {
		set = append(set, "contains")
		if f.Contains == "" {
			v.add(path+".contains", "contains must not be empty")
		}
	}
	if f.Exists != nil {
		set = append(set, "exists")
	}
	if v.present(path+".matches", f.Matches != "") {
		set = append(set, "matches")
		if f.Matches == "" {
			v.add(path+".matches", "matches must not be empty")
		} else if _, err := regexp.Compile(f.Matches); err != nil {
			v.add(path+".matches", "matches %q: %v", f.Matches, err)
		}
	}
	if f.Any {
		if p, err := ParseFieldPath(f.Path); err == nil && !p.Multi() {
			v.add(path+".any", "any = true needs a path with [*] (every element), e.g. spec.rules[*].host")
		}
		if f.Exists != nil {
			v.add(path+".any", "any = true does not go with exists")
		}
	}
	switch len(set) {
	case 0:
		v.add(path, "field %q needs one of equals, contains, exists or matches", f.Path)
	case 1:
	default:
		v.add(path, "field %q has %s: use exactly one of equals, contains, exists or matches", f.Path, strings.Join(set, " and "))
	}
}

func (v *validator) probe(path string, p *ProbeCheck) {
	var spec probe.Spec
	okFrom, okTo := false, false
	if v.required(path+".from", p.From) {
		src, err := probe.ParseSource(p.From)
		if err != nil {
			v.add(path+".from", "from: %v", err)
		} else {
			spec.From, okFrom = src, true
		}
	}
	if v.required(path+".to", p.To) {
		dst, err := probe.ParseTarget(p.To)
		if err != nil {
			v.add(path+".to", "to: %v", err)
		} else {
			spec.To, okTo = dst, true
		}
	}
	if okFrom && okTo && spec.To.Kind == probe.ToDNS && spec.From.Kind != probe.FromPod {
		v.add(path+".from", "a dns: target is resolved by the source pod: from must be NS/POD")
	}

	// Port.
	if p.Port == nil {
		switch {
		case okTo && spec.To.Kind == probe.ToIngress:
			spec.Port = probe.Port{Number: 80}
		case okTo && spec.To.Kind == probe.ToNodePort:
			spec.Port = probe.Port{Number: spec.To.NodePort}
		case okTo:
			v.add(path, "missing key %q (a port number, or a container port name for a pod target)", "checks.probe.port")
		}
	} else {
		var port probe.Port
		var err error
		switch x := p.Port.(type) {
		case int64:
			port, err = probe.ParsePort(strconv.FormatInt(x, 10))
		case string:
			if strings.TrimSpace(x) == "" {
				err = fmt.Errorf("port is empty")
			} else {
				port, err = probe.ParsePort(x)
			}
		default:
			err = fmt.Errorf("want a port number or name, found %s", describeValue(p.Port))
		}
		switch {
		case err != nil:
			v.add(path+".port", "port: %v", err)
		case !okTo:
		case port.Name != "" && spec.To.Kind != probe.ToPod:
			v.add(path+".port", "port %q: named ports only work with a pod target (NS/POD); use the number", port.Name)
		case spec.To.Kind == probe.ToNodePort && port.Number != spec.To.NodePort:
			v.add(path+".port", "port %s differs from the node port in to = %q: leave port out", port, p.To)
		case spec.To.Kind == probe.ToIngress && port.Number != 80 && port.Number != 443:
			v.add(path+".port", "port %s: ingress probes go through the controller's port 80 (default) or 443", port)
		default:
			spec.Port = port
		}
	}

	proto, err := probe.ParseProtocol(p.Protocol)
	if err != nil {
		v.add(path+".protocol", "protocol: %v", err)
	} else if v.present(path+".protocol", p.Protocol != "") && strings.TrimSpace(p.Protocol) == "" {
		v.add(path+".protocol", "protocol must not be empty (leave it out for TCP)")
	}
	spec.Protocol = proto

	switch p.Expect {
	case "allow", "deny":
	case "":
		v.required(path+".expect", p.Expect)
	default:
		v.add(path+".expect", "expect %q: want \"allow\" or \"deny\"%s", p.Expect, didYouMean(p.Expect, []string{"allow", "deny"}))
	}

	if h := p.HTTP; h != nil {
		hp := path + ".http"
		if p.Expect == "deny" {
			v.add(hp, "http expectations only make sense with expect = \"allow\"")
		}
		if err == nil && proto != probe.TCP {
			v.add(hp, "http needs protocol TCP, not %s", proto)
		}
		if h.Path != "" {
			switch {
			case okTo && spec.To.Kind == probe.ToIngress:
				v.add(hp+".path", "an ingress target carries its path (to = \"ingress:HOST/PATH\"): remove http.path")
			case !strings.HasPrefix(h.Path, "/"):
				v.add(hp+".path", "http.path %q must start with /", h.Path)
			}
		}
		if h.Status != 0 && (h.Status < 100 || h.Status > 599) {
			v.add(hp+".status", "http.status %d: want an HTTP status code (100-599)", h.Status)
		}
		if h.Service != "" {
			ns, name, ok := strings.Cut(h.Service, "/")
			if !ok || !isDNSLabel(ns) || !isDNSLabel(name) {
				v.add(hp+".service", "http.service %q: want NS/NAME of a Service", h.Service)
			}
		}
		spec.HTTP = &probe.HTTPExpect{Path: h.Path, Status: h.Status, Service: h.Service}
	}
	p.Spec = spec
}

func (v *validator) wrongAnswers(checkIDs map[string]bool) {
	l := v.lab
	if len(l.Wrong) == 0 {
		v.add("wrong", "at least one wrong answer is required ([[wrong]] with name, manifests and fails)")
	}
	ids := make([]string, 0, len(l.Checks))
	for _, c := range l.Checks {
		ids = append(ids, c.ID)
	}
	names := map[string]int{}
	for i, w := range l.Wrong {
		path := indexPath("wrong", i)
		if v.required(path+".name", w.Name) {
			v.unique(names, w.Name, i, path+".name", "duplicate wrong answer name %q (first used by wrong[%d])")
		}
		v.required(path+".manifests", w.Manifests)
		if len(w.Fails) == 0 {
			v.add(path+".fails", "wrong answer %q must list the checks it fails (fails = [\"check-id\"])", w.Name)
		}
		seen := map[string]bool{}
		for j, id := range w.Fails {
			fp := indexPath(path+".fails", j)
			switch {
			case seen[id]:
				v.add(fp, "fails lists %q twice", id)
			case !checkIDs[id]:
				v.add(fp, "fails names unknown check %q%s", id, didYouMean(id, ids))
			}
			seen[id] = true
		}
	}
}

// Difficulties lists the difficulty levels in order.
var Difficulties = []string{Easy, Medium, Hard}

func validDomain(d Domain) bool {
	for _, x := range Domains {
		if d == x {
			return true
		}
	}
	return false
}

func validDifficulty(s string) bool {
	for _, x := range Difficulties {
		if s == x {
			return true
		}
	}
	return false
}

const dnsLabelRule = "use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"

// isDNSLabel reports whether s is an RFC 1123 label (Kubernetes namespace
// names, check ids, lab ids).
func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// isDNSSubdomain reports whether s is an RFC 1123 subdomain (most object
// names).
func isDNSSubdomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !isDNSLabel(part) {
			return false
		}
	}
	return true
}
