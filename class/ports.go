package class

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/ckadlab/ckadlab/labs"
)

// The node port range of a cluster (kube-apiserver's default
// --service-node-port-range).
const (
	NodePortMin = 30000
	NodePortMax = 32767
)

// PortPlan gives each learner of a class a block of node ports of their
// own: every fixed node port the class's labs use (sorted, distinct: the
// block's slots) has one port in every learner's block. Learner i's block
// starts at NodePortMin + i×Block, so two learners never share a port and
// one learner's distinct lab ports stay distinct (two labs of an exam run
// side by side). Built once for a class's labs; pure and deterministic.
type PortPlan struct {
	slots    []int       // the labs' fixed node ports, sorted
	index    map[int]int // port → slot
	learners int
}

// NewPortPlan plans the node ports of a class of learners working on
// labs: the ports of every lab (its setup, answers and checks) and those
// any of its variants can draw. A class too big for the node port range
// is an error that says how many learners fit.
func NewPortPlan(ls []*labs.Lab, learners int) (*PortPlan, error) {
	if learners < 1 {
		return nil, fmt.Errorf("a port plan needs at least one learner (got %d)", learners)
	}
	set := map[int]bool{}
	for _, l := range ls {
		if l == nil {
			continue
		}
		ports, err := labNodePorts(l)
		if err != nil {
			return nil, err
		}
		for _, p := range ports {
			set[p] = true
		}
	}
	p := &PortPlan{index: map[int]int{}, learners: learners}
	for port := range set {
		p.slots = append(p.slots, port)
	}
	slices.Sort(p.slots)
	for i, port := range p.slots {
		p.index[port] = i
	}
	if n := len(p.slots); n > 0 && learners*n > NodePortMax-NodePortMin+1 {
		return nil, fmt.Errorf("the class's labs use %d fixed node ports per learner, so the node port range %d-%d (%d ports) holds at most %d learners; this class has %d (leave labs with node ports out, or split the class)",
			n, NodePortMin, NodePortMax, NodePortMax-NodePortMin+1, (NodePortMax-NodePortMin+1)/n, learners)
	}
	return p, nil
}

// Block is the number of node ports each learner gets.
func (p *PortPlan) Block() int { return len(p.slots) }

// Learners is the class size the plan was made for.
func (p *PortPlan) Learners() int { return p.learners }

// Ports are the lab node ports the plan knows, sorted.
func (p *PortPlan) Ports() []int { return slices.Clone(p.slots) }

// Port is learner's node port for a lab's node port.
func (p *PortPlan) Port(l Learner, port int) (int, error) {
	if p == nil {
		return 0, fmt.Errorf("node port %d: the class has no port plan", port)
	}
	slot, ok := p.index[port]
	if !ok {
		return 0, fmt.Errorf("node port %d is not in the class's port plan (planned: %v): the plan is built from the class's labs", port, p.slots)
	}
	if l.Index < 0 || l.Index >= p.learners {
		return 0, fmt.Errorf("learner %s has index %d, outside the port plan's %d learners", l.Name, l.Index, p.learners)
	}
	return NodePortMin + l.Index*len(p.slots) + slot, nil
}

// labNodePorts are the fixed node ports a lab uses in its variant at hand
// (nodePort fields of any manifests, nodeport: probe targets) and the
// integer values in the node port range its parameters can draw.
func labNodePorts(l *labs.Lab) ([]int, error) {
	docs, err := parseParts(l)
	if err != nil {
		return nil, err
	}
	set := map[int]bool{}
	for _, part := range docs {
		for _, o := range part.objects {
			for _, p := range o.nodePorts() {
				set[p] = true
			}
		}
	}
	for _, c := range l.Checks {
		if c.Probe != nil && c.Probe.Spec.To.Kind == "nodeport" {
			set[c.Probe.Spec.To.NodePort] = true
		}
	}
	for _, prm := range l.Params() {
		if prm.Pool == nil {
			lo, hi := prm.Lo, prm.Hi
			if lo <= NodePortMax && hi >= NodePortMin {
				return nil, fmt.Errorf("lab %s: parameter %s draws from %d-%d, which overlaps the node port range: node ports drawn from a range cannot be planned for a class", l.ID, prm.Name, lo, hi)
			}
			continue
		}
		for _, v := range prm.Pool {
			if n, err := strconv.Atoi(v); err == nil && n >= NodePortMin && n <= NodePortMax {
				set[n] = true
			}
		}
	}
	out := make([]int, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}
