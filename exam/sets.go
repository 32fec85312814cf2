package exam

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ckadlab/ckadlab/labs"
)

// Set is a published exam: a fixed seed and a fixed list of labs, so a
// class (or a learner sitting it again) gets the same exam whatever labs
// the bank holds (`ckadlab exam --set N`). Each set is balanced over the
// three competencies and fits the real exam's two hours; the README lists
// them, and a test keeps the two in step.
type Set struct {
	Number int
	Seed   uint64
	Labs   []string
}

// Sets are the published exam sets.
var Sets = []Set{
	{Number: 1, Seed: 101, Labs: []string{
		"svc-clusterip-discovery", "svc-externalname", "svc-fix-selector", "svc-named-targetport", "svc-nodeport",
		"ing-exact-prefix", "ing-expose-deployment", "ing-fix-503", "ing-host-routing", "ing-path-routing",
		"np-allow-app", "np-and-vs-or", "np-default-deny", "np-egress-dns", "np-port-not-service-port",
	}},
	{Number: 2, Seed: 202, Labs: []string{
		"svc-externalip", "svc-externalname", "svc-fix-selector", "svc-loadbalancer", "svc-named-targetport",
		"ing-expose-deployment", "ing-fix-503", "ing-host-routing", "ing-path-routing", "ing-rewrite-target",
		"np-and-vs-or", "np-default-deny", "np-egress-dns", "np-ingress-controller", "np-port-not-service-port",
	}},
	{Number: 3, Seed: 303, Labs: []string{
		"svc-clusterip-discovery", "svc-externalip", "svc-loadbalancer", "svc-named-targetport", "svc-nodeport",
		"ing-exact-prefix", "ing-expose-deployment", "ing-fix-503", "ing-path-routing", "ing-rewrite-target",
		"np-allow-app", "np-default-deny", "np-ingress-controller", "np-port-not-service-port", "np-test-network-policy",
	}},
}

// SetNumbers is "1, 2 or 3", for messages.
func SetNumbers() string {
	var n []string
	for _, s := range Sets {
		n = append(n, fmt.Sprint(s.Number))
	}
	if len(n) < 2 {
		return strings.Join(n, "")
	}
	return strings.Join(n[:len(n)-1], ", ") + " or " + n[len(n)-1]
}

// FindSet is the published set number n.
func FindSet(n int) (Set, error) {
	for _, s := range Sets {
		if s.Number == n {
			return s, nil
		}
	}
	return Set{}, fmt.Errorf("--set %d: the published exam sets are %s", n, SetNumbers())
}

// Plan draws the set's exam from pool: every lab of the set, in the order
// (and with whatever else Draw picks, such as variants) its seed gives.
// A lab of the set missing from pool is an error: the set would not be
// the published one.
func (s Set) Plan(pool []*labs.Lab) (Plan, error) {
	var picked []*labs.Lab
	for _, id := range s.Labs {
		i := slices.IndexFunc(pool, func(l *labs.Lab) bool { return l.ID == id })
		if i < 0 {
			return Plan{}, fmt.Errorf("exam set %d needs lab %s, which is not in the catalog", s.Number, id)
		}
		picked = append(picked, pool[i])
	}
	p, err := Draw(picked, DrawOptions{Seed: s.Seed, Tasks: len(picked)})
	if err != nil {
		return Plan{}, fmt.Errorf("exam set %d: %w", s.Number, err)
	}
	p.Set = s.Number
	return p, nil
}
