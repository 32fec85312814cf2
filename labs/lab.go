// Package labs is the lab model: lab files (TOML) are loaded, validated
// and cross-checked (ckadlab lint) here, and resource checks' field paths
// are parsed and evaluated here. It does no I/O to clusters and knows
// nothing about the TUI; grading and scores are package checker's.
package labs

import (
	"strings"

	"github.com/ckadlab/ckadlab/probe"
)

// Domain is the CKAD topic a lab practises.
type Domain string

const (
	Services      Domain = "services"
	Ingress       Domain = "ingress"
	NetworkPolicy Domain = "networkpolicy"
)

// Domains lists the domains in display order.
var Domains = []Domain{Services, Ingress, NetworkPolicy}

// Title is the human name of a domain.
func (d Domain) Title() string {
	switch d {
	case Services:
		return "Services"
	case Ingress:
		return "Ingress"
	case NetworkPolicy:
		return "NetworkPolicy"
	}
	return string(d)
}

// Difficulty levels.
const (
	Easy   = "easy"
	Medium = "medium"
	Hard   = "hard"
)

// Lab is one lab file. The toml tags are the file format (documented in
// content/README.md); fields without a tag are filled in by the loader.
type Lab struct {
	ID         string   `toml:"id"`
	Title      string   `toml:"title"`
	Domain     Domain   `toml:"domain"`
	Difficulty string   `toml:"difficulty"`
	Points     int      `toml:"points"`  // must equal the sum of the checks' points
	Minutes    int      `toml:"minutes"` // estimated time
	Tags       []string `toml:"tags"`
	// Namespace is where the learner works: the kube context's namespace,
	// and the namespace given to answer objects that name none.
	Namespace string   `toml:"namespace"`
	Task      string   `toml:"task"` // Markdown
	Hints     []string `toml:"hints"`

	Setup    Setup         `toml:"setup"`
	Solution Solution      `toml:"solution"`
	Wrong    []WrongAnswer `toml:"wrong"`
	// Correct are other right answers, phrased differently from the
	// solution (a matchExpressions selector, another rule order): each
	// must score 100%, which proves the checks test effects, not spelling.
	Correct []CorrectAnswer `toml:"correct"`
	// Equivalent lists mutants of the solution (see `ckadlab lint`) that
	// no check can kill because they behave the same, each with the
	// reason.
	Equivalent []EquivalentMutant `toml:"equivalent"`
	Checks     []Check            `toml:"checks"`

	// Source is the file the lab came from ("content/np-basic.toml" for
	// built-in labs), for messages.
	Source string `toml:"-"`

	// Variant is which variant of a lab with parameters this is: 0 is the
	// default values, N > 0 the values drawn with seed N (see
	// Lab.Variant). Always 0 for a lab without parameters.
	VariantN uint64 `toml:"-"`
	// Values are this variant's parameter values by name (nil for a lab
	// without parameters).
	Values map[string]string `toml:"-"`

	// index maps key paths to lines of Source (see Lab.Line); set by the
	// loader, nil for labs built in code.
	index *keyIndex
	// tpl is the lab's raw text and parameters (nil without [params]).
	tpl *template
}

// Setup is what `start` creates before the learner begins.
type Setup struct {
	// Manifests is multi-document YAML. Every object names its namespace,
	// and the namespaces themselves are created here too.
	Manifests string `toml:"manifests"`
}

// Solution is the reference answer.
type Solution struct {
	// Commands are what a person would type (shown to the learner; never run).
	Commands []string `toml:"commands"`
	// Manifests are the equivalent objects, applied on top of the setup by
	// tests and by `solution --write`.
	Manifests   string `toml:"manifests"`
	Explanation string `toml:"explanation"` // Markdown, optional
}

// WrongAnswer is a realistic mistake. Its manifests are applied on top of
// the setup instead of the solution's, and exactly the checks in Fails
// must then fail.
type WrongAnswer struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Manifests   string   `toml:"manifests"`
	Fails       []string `toml:"fails"`
}

// CorrectAnswer is another right answer: applied on top of the setup
// instead of the solution's manifests, it must score 100%.
type CorrectAnswer struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	Manifests   string `toml:"manifests"`
}

// EquivalentMutant declares that a mutant of the solution behaves like
// the solution, so no check can (or should) fail it.
type EquivalentMutant struct {
	Mutant string `toml:"mutant"` // the mutant's id as `ckadlab lint` prints it
	Reason string `toml:"reason"`
}

// Check is one graded item: exactly one of Resource, Selects or Probe is
// set.
type Check struct {
	ID          string `toml:"id"`
	Points      int    `toml:"points"`
	Description string `toml:"description"`
	// Requires names checks that must pass before this one is graded: until
	// they do, it fails with "needs …" and is not run. It is how a lab
	// gives nothing for nothing: a probe that already connects before the
	// learner does anything requires the check that the answer exists.
	Requires []string       `toml:"requires"`
	Resource *ResourceCheck `toml:"resource"`
	Selects  *SelectsCheck  `toml:"selects"`
	Probe    *ProbeCheck    `toml:"probe"`
}

// Kind is "resource", "selects" or "probe".
func (c *Check) Kind() string {
	switch {
	case c.Resource != nil:
		return "resource"
	case c.Selects != nil:
		return "selects"
	}
	return "probe"
}

// SelectsCheck asserts what an object's pod selector selects: the pods it
// must select and the pods it must not. Any selector with that effect
// passes (matchLabels, matchExpressions, extra labels), whatever its
// spelling. NetworkPolicy: spec.podSelector, pods of the policy's
// namespace. Service: spec.selector, pods of the Service's namespace (a
// Service without a selector selects nothing).
type SelectsCheck struct {
	Kind      string   `toml:"kind"`      // NetworkPolicy or Service
	Namespace string   `toml:"namespace"` // default: the lab's namespace
	Name      string   `toml:"name"`
	Pods      []string `toml:"pods"`     // NS/POD, or deployment:NS/NAME for a Deployment's pods
	NotPods   []string `toml:"not_pods"` // the same forms
}

// PodRef is one entry of SelectsCheck.Pods or NotPods.
type PodRef struct {
	Deployment bool // the pods of a Deployment (its pod template's labels)
	Namespace  string
	Name       string
}

func (r PodRef) String() string {
	if r.Deployment {
		return "deployment:" + r.Namespace + "/" + r.Name
	}
	return r.Namespace + "/" + r.Name
}

// ParsePodRef reads NS/POD or deployment:NS/NAME.
func ParsePodRef(s string) (PodRef, bool) {
	var r PodRef
	if rest, ok := strings.CutPrefix(s, "deployment:"); ok {
		r.Deployment, s = true, rest
	}
	ns, name, ok := strings.Cut(s, "/")
	if !ok || !isDNSLabel(ns) || !isDNSSubdomain(name) {
		return PodRef{}, false
	}
	r.Namespace, r.Name = ns, name
	return r, true
}

// ResourceCheck asserts on an object read back from the cluster.
type ResourceCheck struct {
	Kind      string           `toml:"kind"`      // e.g. Service, NetworkPolicy, Ingress (case-insensitive)
	Namespace string           `toml:"namespace"` // default: the lab's namespace
	Name      string           `toml:"name"`
	Absent    bool             `toml:"absent"` // the object must not exist
	Fields    []FieldAssertion `toml:"fields"`
}

// FieldAssertion tests one field path such as spec.type,
// spec.ports[0].nodePort, spec.ports[name=http].targetPort or
// metadata.labels["app.kubernetes.io/name"]. Exactly one of Equals,
// Contains, Exists or Matches is set.
type FieldAssertion struct {
	Path     string `toml:"path"`
	Equals   any    `toml:"equals"`   // string, integer or boolean; compared as the field's text
	Contains string `toml:"contains"` // substring of the text, or an element of a list
	Exists   *bool  `toml:"exists"`
	Matches  string `toml:"matches"` // Go regular expression, anchored by the author if needed
	// Any, with a path that has [*], passes when any one value found
	// satisfies the assertion (instead of the list of values as a whole):
	// spec.rules[*].http.paths[*].pathType with equals = "Prefix".
	Any bool `toml:"any"`
}

// ProbeCheck is a connectivity probe. From and To use the syntax of
// probe.ParseSource and probe.ParseTarget (the same as `ckadlab reach`).
type ProbeCheck struct {
	From     string     `toml:"from"`
	To       string     `toml:"to"`
	Port     any        `toml:"port"` // number or named port
	Protocol string     `toml:"protocol"`
	Expect   string     `toml:"expect"` // "allow" or "deny"
	HTTP     *HTTPCheck `toml:"http"`

	// Spec is the parsed probe, filled in by the loader.
	Spec probe.Spec `toml:"-"`
}

// HTTPCheck is an HTTP expectation on an allowed probe.
type HTTPCheck struct {
	Path    string `toml:"path"`
	Status  int    `toml:"status"`
	Service string `toml:"service"` // NS/NAME whose endpoints must have answered
}

// ExpectAllow reports whether the probe must connect.
func (p *ProbeCheck) ExpectAllow() bool { return p.Expect == "allow" }
