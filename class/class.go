// Package class is the classroom model: a class of learners sharing one
// cluster, the names of the objects that hold it on that cluster, how a
// lab is mapped into one learner's own namespaces (mapping.go), the
// results a learner's ckadlab records and the instructor's board and
// reports built from them. Pure: no cluster I/O (see package classroom).
package class

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Object names and labels on the class cluster: one vocabulary for the
// instructor's side (class up/down/status/board/exam/publish) and the
// learner's ckadlab.
const (
	// NamespacePrefix + class name is the class's own namespace: the
	// learners' ServiceAccounts and the class objects below.
	NamespacePrefix = "ckadlab-class-"
	// ClassConfigMap (in the class namespace) holds the Class as JSON
	// under ClassKey.
	ClassConfigMap = "ckadlab-class"
	ClassKey       = "class.json"
	// ExamConfigMap (in the class namespace) holds the running class exam
	// (Exam as JSON under ExamKey); absent when none runs.
	ExamConfigMap = "ckadlab-exam"
	ExamKey       = "exam.json"
	// PackConfigMap (in the class namespace) holds a published lab pack:
	// a .tar.gz of lab TOML files under PackKey (binaryData).
	PackConfigMap = "ckadlab-pack"
	PackKey       = "pack.tar.gz"
	// HomeSuffix: a learner's home namespace is Learner + "-" + HomeSuffix
	// ("alice-ckadlab"): the learner kubeconfig's namespace, holding
	// LearnerConfigMap and ResultsConfigMap.
	HomeSuffix = "ckadlab"
	// LearnerConfigMap (in the home namespace) says who the learner is:
	// LearnerKey holds a Membership as JSON. A ckadlab connected to a
	// context whose namespace holds it runs in class mode.
	LearnerConfigMap = "ckadlab-learner"
	LearnerKey       = "learner.json"
	// ResultsConfigMap (in the home namespace) holds the learner's
	// results: one key per lab (ResultKey), each a Record as JSON.
	ResultsConfigMap = "ckadlab-results"

	// LabelClass and LabelLearner mark every namespace and object a class
	// creates (values: class name, learner name).
	LabelClass   = "ckadlab.io/class"
	LabelLearner = "ckadlab.io/learner"
)

// Limits on names: a learner's namespaces are "<learner>-<lab namespace>"
// and must stay valid DNS labels (63 characters).
const (
	MaxLearnerName = 20
	MaxClassName   = 30
	MaxLearners    = 200
)

var dnsLabel = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// ValidName checks a class or learner name: a lowercase DNS label starting
// with a letter, at most max characters.
func ValidName(what, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s name is empty", what)
	}
	if len(s) > max {
		return fmt.Errorf("%s name %q is longer than %d characters", what, s, max)
	}
	if !dnsLabel.MatchString(s) {
		return fmt.Errorf("%s name %q is not a lowercase DNS label (letters, digits and '-', starting with a letter)", what, s)
	}
	return nil
}

// Learner is one person of a class. Index is their position in the
// roster (0-based, stable for the class's life): it picks their node port
// block.
type Learner struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// Quota is what each of a learner's namespaces may hold (a
// ResourceQuota's hard limits, Kubernetes quantities as strings).
type Quota struct {
	Pods     string `json:"pods"`
	Services string `json:"services"`
	CPU      string `json:"cpu"`    // limits.cpu
	Memory   string `json:"memory"` // limits.memory
}

// DefaultQuota fits every built-in lab with room for a learner's own
// experiments.
var DefaultQuota = Quota{Pods: "20", Services: "10", CPU: "4", Memory: "4Gi"}

// Class is a class on one cluster, as `class up` writes it.
type Class struct {
	Name     string    `json:"name"`
	Learners []Learner `json:"learners"`
	// Labs are the lab ids the class works on (empty: every lab that can
	// run side by side, see Safe).
	Labs    []string  `json:"labs,omitempty"`
	Quota   Quota     `json:"quota"`
	Created time.Time `json:"created"`
	// Shared are the cluster's own namespaces a learner's ckadlab reads
	// to model traffic (cluster DNS, the ingress controller): `class up`
	// finds them and lets learners read pods, Services, EndpointSlices,
	// NetworkPolicies, Deployments and Ingresses there (nothing else).
	Shared []string `json:"shared,omitempty"`
	// PolicyEnforced is the NetworkPolicy self-test's result, run by
	// `class up` (a learner cannot run it); nil when unknown.
	PolicyEnforced *bool `json:"policy_enforced,omitempty"`
}

// Namespace is the class's own namespace.
func (c *Class) Namespace() string { return NamespacePrefix + c.Name }

// Learner finds a learner by name.
func (c *Class) Learner(name string) (Learner, bool) {
	i := slices.IndexFunc(c.Learners, func(l Learner) bool { return l.Name == name })
	if i < 0 {
		return Learner{}, false
	}
	return c.Learners[i], true
}

// Validate checks the class's names and roster.
func (c *Class) Validate() error {
	if err := ValidName("class", c.Name, MaxClassName); err != nil {
		return err
	}
	if len(c.Learners) == 0 {
		return fmt.Errorf("class %s has no learners", c.Name)
	}
	if len(c.Learners) > MaxLearners {
		return fmt.Errorf("class %s has %d learners, at most %d are supported", c.Name, len(c.Learners), MaxLearners)
	}
	seen := map[string]bool{}
	idx := map[int]bool{}
	for _, l := range c.Learners {
		if err := ValidName("learner", l.Name, MaxLearnerName); err != nil {
			return err
		}
		if seen[l.Name] {
			return fmt.Errorf("learner %s is listed twice", l.Name)
		}
		if idx[l.Index] || l.Index < 0 {
			return fmt.Errorf("learner %s has index %d, already taken or negative", l.Name, l.Index)
		}
		seen[l.Name], idx[l.Index] = true, true
	}
	// A learner owns the namespaces named "<learner>-…": no learner's
	// prefix may start another's ("al" would own "al-ice-shop").
	for _, a := range c.Learners {
		for _, b := range c.Learners {
			if a.Name != b.Name && strings.HasPrefix(b.Name, a.Name+"-") {
				return fmt.Errorf("learners %s and %s clash: %s's namespaces (%s-…) would include %s's; rename one", a.Name, b.Name, a.Name, a.Name, b.Name)
			}
		}
	}
	return nil
}

// NewClass builds a class from learner names (in roster order).
func NewClass(name string, learners []string, now time.Time) (*Class, error) {
	c := &Class{Name: name, Quota: DefaultQuota, Created: now.UTC()}
	for i, n := range learners {
		c.Learners = append(c.Learners, Learner{Name: strings.TrimSpace(n), Index: i})
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Home is a learner's home namespace.
func Home(learner string) string { return learner + "-" + HomeSuffix }

// Membership is what a learner's ckadlab reads from LearnerConfigMap.
type Membership struct {
	Class   string `json:"class"`
	Learner string `json:"learner"`
	Index   int    `json:"index"`
}

// Exam is a class exam: every learner's ckadlab starts the same exam
// (same seed, so the same tasks and variants) with the same deadline.
type Exam struct {
	ID       string        `json:"id"` // unique per class exam ("e" + start time)
	Seed     uint64        `json:"seed"`
	Tasks    int           `json:"tasks"`
	Duration time.Duration `json:"duration_ns"`
	Start    time.Time     `json:"start"`
	// Plan is the draw every learner sits, in order (drawn once by the
	// instructor's ckadlab: a learner's ckadlab does not draw again).
	Plan []ExamTask `json:"plan"`
}

// ExamTask is one task of a class exam's plan.
type ExamTask struct {
	Lab    string `json:"lab"`
	Domain string `json:"domain"`
	Points int    `json:"points"`
}

// Deadline is when the exam ends for everyone.
func (e *Exam) Deadline() time.Time { return e.Start.Add(e.Duration) }

// Record is one graded check run of a learner, as written to
// ResultsConfigMap (the latest per lab, or per exam task).
type Record struct {
	Learner string `json:"learner"`
	Lab     string `json:"lab"`
	Variant uint64 `json:"variant"`
	// Exam and Task are set for a class exam's task (Task is 1-based).
	Exam   string `json:"exam,omitempty"`
	Task   int    `json:"task,omitempty"`
	Domain string `json:"domain"`
	// Points is a class exam task's exam points (its weight in the
	// exam's grade); 0 for a lab, or when not known.
	Points int           `json:"points,omitempty"`
	Score  int           `json:"score"`
	Max    int           `json:"max"`
	Checks []CheckRecord `json:"checks"`
	At     time.Time     `json:"at"`
	// Attempts counts the learner's check runs of this lab (or task).
	Attempts int `json:"attempts"`
}

// CheckRecord is one check of a Record: a failed one keeps its
// explanation (the why-lines the learner saw, at most MaxWhy).
type CheckRecord struct {
	ID       string   `json:"id"`
	Passed   bool     `json:"passed"`
	Ungraded bool     `json:"ungraded,omitempty"`
	Points   int      `json:"points"`
	Max      int      `json:"max"`
	Expected string   `json:"expected,omitempty"`
	Observed string   `json:"observed,omitempty"`
	Why      []string `json:"why,omitempty"`
}

// MaxWhy bounds the why-lines a CheckRecord keeps (a ConfigMap holds at
// most 1 MiB for all of a learner's results).
const MaxWhy = 6

// ResultKey is a Record's key in ResultsConfigMap: "lab.ID", or
// "exam.EXAM.N" for a class exam's task N.
func ResultKey(r *Record) string {
	if r.Exam != "" {
		return fmt.Sprintf("exam.%s.%d", r.Exam, r.Task)
	}
	return "lab." + r.Lab
}
