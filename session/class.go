package session

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Class is class mode: the session's cluster is a class's (see package
// classroom) and the learner one of its learners. Labs are mapped into
// the learner's own namespaces, started in namespaces the learner's
// ckadlab provisions, and every check is recorded where the instructor's
// board reads it.
type Class struct {
	Class      *class.Class
	Membership class.Membership
	Learner    class.Learner
	// Exam is the class exam running when the class was read (nil: none).
	Exam *class.Exam
	// Pack is the lab pack the instructor published (nil: none): a
	// .tar.gz of lab files.
	Pack []byte
}

// ReadClass reads the class of the session's cluster: nil (and no error)
// when the cluster is no class cluster for this user (offline, kind, or a
// context whose namespace holds no class membership).
func (m *Manager) ReadClass(ctx context.Context) (*Class, error) {
	if !m.live() || m.Cluster.IsKind() {
		return nil, nil
	}
	lc, err := m.openLive(ctx, false)
	if err != nil {
		return nil, err
	}
	mem, err := classroom.ReadMembership(ctx, lc.Clients, lc.Clients.Namespace)
	if err != nil || mem == nil {
		return nil, err
	}
	c, err := classroom.ReadClass(ctx, lc.Clients, mem.Class)
	if err != nil {
		return nil, err
	}
	l, ok := c.Learner(mem.Learner)
	if !ok {
		return nil, fmt.Errorf("learner %s is no longer in class %s (ask the instructor)", mem.Learner, mem.Class)
	}
	k := &Class{Class: c, Membership: *mem, Learner: l}
	if k.Exam, err = classroom.ReadExam(ctx, lc.Clients, mem.Class); err != nil {
		return nil, err
	}
	if k.Pack, _, err = classroom.ReadPack(ctx, lc.Clients, mem.Class); err != nil {
		return nil, err
	}
	return k, nil
}

// Labs maps labs for the learner: the class's labs (class.ClassLabs),
// each mapped into the learner's namespaces in every variant
// (labs.Lab.Transformed). The others are listed with the reason.
func (k *Class) Labs(all []*labs.Lab) ([]*labs.Lab, []class.Excluded, error) {
	safe, out := class.ClassLabs(k.Class, all)
	plan, err := class.NewPortPlan(safe, len(k.Class.Learners))
	if err != nil {
		return nil, nil, err
	}
	mp := class.Mapping{Learner: k.Learner, Ports: plan}
	var mapped []*labs.Lab
	for _, l := range safe {
		ml, err := l.Transformed(mp.Lab)
		if err != nil {
			out = append(out, class.Excluded{Lab: l.ID, Why: err.Error()})
			continue
		}
		mapped = append(mapped, ml)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Lab < out[j].Lab })
	return mapped, out, nil
}

// Prefix starts the name of every namespace of the learner.
func (k *Class) Prefix() string { return k.Membership.Learner + "-" }

// namespaces are the namespaces a learner's backend reads: the learner's
// own and the class's shared system namespaces.
func (k *Class) namespaces(c *live.Clients) func(ctx context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		l, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		var out []string
		for _, n := range l.Items {
			switch {
			case slices.Contains(k.Class.Shared, n.Name):
				out = append(out, n.Name)
			case n.Name == class.Home(k.Membership.Learner):
				// results only: nothing a lab routes
			case n.DeletionTimestamp != nil || n.Status.Phase == corev1.NamespaceTerminating:
				// going: its RoleBinding may be gone already
			case strings.HasPrefix(n.Name, k.Prefix()) && n.Labels[class.LabelLearner] == k.Membership.Learner:
				out = append(out, n.Name)
			}
		}
		return out, nil
	}
}

// labNamespaces are the namespaces a lab needs, with their labels: its
// setup's, and those its solution and other right answers create (a
// learner cannot create a namespace with kubectl alone: ckadlab
// provisions it with the RoleBinding that lets them work in it).
func labNamespaces(l *labs.Lab) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	texts := []string{l.Setup.Manifests, l.Solution.Manifests}
	for _, c := range l.Correct {
		texts = append(texts, c.Manifests)
	}
	for i, t := range texts {
		objs, err := manifest.Decode(fmt.Sprintf("%s (part %d)", l.Source, i), []byte(t))
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.Kind == "Namespace" {
				// the setup's labels; a namespace only an answer creates
				// is provisioned bare (its labels are the answer's work)
				if n, ok := o.Obj.(*corev1.Namespace); ok && i == 0 {
					out[o.Name] = n.Labels
				} else if _, ok := out[o.Name]; !ok {
					out[o.Name] = nil
				}
				continue
			}
			ns := o.Namespace
			if ns == "" {
				ns = l.Namespace
			}
			if _, ok := out[ns]; !ok && ns != "" {
				out[ns] = nil
			}
		}
	}
	if _, ok := out[l.Namespace]; !ok && l.Namespace != "" {
		out[l.Namespace] = nil
	}
	return out, nil
}

// labNamespaceNames are the names of labNamespaces, sorted.
func (k *Class) labNamespaceNames(l *labs.Lab) ([]string, error) {
	nss, err := labNamespaces(l)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(nss))
	for n := range nss {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// provision creates the lab's namespaces as the learner (RoleBinding,
// quota) before its setup is applied.
func (k *Class) provision(ctx context.Context, c *live.Clients, l *labs.Lab) error {
	nss, err := labNamespaces(l)
	if err != nil {
		return err
	}
	names, err := k.labNamespaceNames(l)
	if err != nil {
		return err
	}
	for _, n := range names {
		if !strings.HasPrefix(n, k.Prefix()) {
			return fmt.Errorf("lab %s uses namespace %s, which is not learner %s's (a mapping bug)", l.ID, n, k.Membership.Learner)
		}
		if err := classroom.ProvisionNamespace(ctx, c, k.Membership, k.Class, n, nss[n]); err != nil {
			return err
		}
	}
	return nil
}

// recordClass writes a check's result where the instructor's board reads
// it (WriteRecord counts the attempts).
func (m *Manager) recordClass(ctx context.Context, l *labs.Lab, rep *checker.Report, opts CheckOptions) error {
	lc, err := m.openLive(ctx, false)
	if err != nil {
		return err
	}
	k := m.Class
	if opts.Exam != "" && (k.Exam == nil || opts.Exam != k.Exam.ID) {
		return nil // a private mock exam: not the class's
	}
	r := &class.Record{Learner: k.Membership.Learner, Lab: l.ID, Variant: l.VariantN, Domain: string(l.Domain),
		Score: rep.Score, Max: rep.Max, At: m.now().UTC()}
	if opts.Exam != "" && opts.Task > 0 {
		r.Exam, r.Task, r.Points = opts.Exam, opts.Task, opts.Points
	}
	for _, ch := range rep.Checks {
		cr := class.CheckRecord{ID: ch.ID, Passed: ch.Passed, Ungraded: ch.Ungraded, Points: ch.Points, Max: ch.Max,
			Expected: ch.Expected, Observed: ch.Observed}
		if !ch.Passed {
			why := ch.Explanation()
			if len(ch.Cause) > 0 {
				why = ch.Cause
			}
			cr.Why = why[:min(len(why), class.MaxWhy)]
		}
		r.Checks = append(r.Checks, cr)
	}
	return classroom.WriteRecord(ctx, lc.Clients, k.Membership, r)
}
