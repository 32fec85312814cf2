package classroom

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/cluster/live"
)

// Status is a class as `class status` shows it.
type Status struct {
	Class     string      `json:"class"`
	Namespace string      `json:"namespace"`
	Created   time.Time   `json:"created"`
	Labs      []string    `json:"labs,omitempty"`
	Quota     class.Quota `json:"quota"`
	// Shared and PolicyEnforced as class up recorded them (class.Class).
	Shared         []string        `json:"shared"`
	PolicyEnforced *bool           `json:"policy_enforced"`
	Learners       []LearnerStatus `json:"learners"`
	// Exam is the class exam (nil: none); Running says whether its
	// deadline is still ahead.
	Exam    *class.Exam `json:"exam"`
	Running bool        `json:"exam_running"`
	Pack    *PackInfo   `json:"pack"`
	// Problems are results that could not be read.
	Problems []string `json:"problems,omitempty"`
}

// LearnerStatus is one learner of Status.
type LearnerStatus struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
	Home  string `json:"home"`
	// Namespaces are the learner's lab namespaces (home left out).
	Namespaces []string `json:"namespaces"`
	// Results is how many results the learner recorded; LastCheck the
	// time of the latest (zero: none).
	Results   int       `json:"results"`
	LastCheck time.Time `json:"last_check"`
}

// GetStatus reads a class: learners, their namespaces, results, the exam
// and the pack (ErrNoClass when the class is not on the cluster).
func GetStatus(ctx context.Context, cl *live.Clients, name string, now time.Time) (*Status, error) {
	c, err := ReadClass(ctx, cl, name)
	if err != nil {
		return nil, err
	}
	st := &Status{Class: c.Name, Namespace: c.Namespace(), Created: c.Created, Labs: c.Labs, Quota: c.Quota, Shared: c.Shared, PolicyEnforced: c.PolicyEnforced}
	nss, err := cl.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: class.LabelClass + "=" + name + "," + class.LabelLearner})
	if err != nil {
		return nil, fmt.Errorf("list the class's namespaces: %w", err)
	}
	byLearner := map[string][]string{}
	for _, ns := range nss.Items {
		l := ns.Labels[class.LabelLearner]
		if ns.Name != class.Home(l) {
			byLearner[l] = append(byLearner[l], ns.Name)
		}
	}
	recs, err := ReadRecords(ctx, cl, name)
	var bad *MalformedError
	if errors.As(err, &bad) {
		st.Problems = bad.Problems
	} else if err != nil {
		return nil, err
	}
	type sum struct {
		n    int
		last time.Time
	}
	sums := map[string]sum{}
	for _, r := range recs {
		s := sums[r.Learner]
		s.n++
		if r.At.After(s.last) {
			s.last = r.At
		}
		sums[r.Learner] = s
	}
	for _, l := range c.Learners {
		ls := LearnerStatus{Name: l.Name, Index: l.Index, Home: class.Home(l.Name), Namespaces: byLearner[l.Name], Results: sums[l.Name].n, LastCheck: sums[l.Name].last}
		if ls.Namespaces == nil {
			ls.Namespaces = []string{}
		}
		sort.Strings(ls.Namespaces)
		st.Learners = append(st.Learners, ls)
	}
	if st.Exam, err = ReadExam(ctx, cl, name); err != nil {
		return nil, err
	}
	st.Running = st.Exam != nil && st.Exam.Deadline().After(now)
	if _, st.Pack, err = ReadPack(ctx, cl, name); err != nil {
		return nil, err
	}
	return st, nil
}
