// Package exam is the mock-exam model, free of I/O: a seeded draw of tasks
// weighted by domain, the exam's state (deadline, current task, flags,
// attempted marks) driven by an injected clock, grading with per-task
// partial credit, the pass mark, per-domain results, and the report in
// Markdown and JSON.
//
// Running an exam (workspaces, the cluster, the progress database) is
// package examrun's job; the CLI and the TUI drive both.
package exam

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/internal/seeded"
	"github.com/ckadlab/ckadlab/labs"
)

// Defaults of an exam, after the real CKAD: about 15-20 tasks in two hours,
// 66% to pass.
const (
	DefaultTasks = 15
	PassMark     = 66.0 // percent
)

// DifficultyPoints are a task's exam points by the lab's difficulty. The
// real exam weighs each task 2-8% of the total; ckadlab weighs an easy task
// half a hard one. The lab's own check points only split a task's points
// (partial credit), so a lab with many small checks does not outweigh one
// with a few.
var DifficultyPoints = map[string]int{labs.Easy: 4, labs.Medium: 6, labs.Hard: 8}

// TaskPoints is the exam points of a lab (6 for an unknown difficulty).
func TaskPoints(l *labs.Lab) int {
	if p, ok := DifficultyPoints[l.Difficulty]; ok {
		return p
	}
	return DifficultyPoints[labs.Medium]
}

// Weights are the relative share of an exam's tasks per domain.
//
// The CKAD curriculum puts all three of ckadlab's topics in one domain
// ("Services and Networking", 20% of the exam: NetworkPolicies, access to
// applications through Services, Ingress rules) without splitting it, so
// the default weights follow the pool: each domain's share is its share of
// the labs, which gives every lab the same chance of being drawn. An
// instructor can set other weights (--weights services=2,ingress=1,...).
type Weights map[labs.Domain]float64

// PoolWeights weighs each domain by its number of labs in pool.
func PoolWeights(pool []*labs.Lab) Weights {
	w := Weights{}
	for _, l := range pool {
		w[l.Domain]++
	}
	return w
}

// ParseWeights reads "services=2,ingress=1,networkpolicy=2" (domain short
// forms as labs.ParseDomain accepts them). A domain left out weighs 0.
func ParseWeights(s string) (Weights, error) {
	w := Weights{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("weights: %q: want DOMAIN=NUMBER", part)
		}
		d, err := labs.ParseDomain(name)
		if err != nil {
			return nil, fmt.Errorf("weights: %w", err)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("weights: %q: the weight must be a number ≥ 0", part)
		}
		if _, dup := w[d]; dup {
			return nil, fmt.Errorf("weights: %s given twice", d)
		}
		w[d] = f
	}
	if len(w) == 0 {
		return nil, errors.New("weights: none given (want e.g. services=2,ingress=1,networkpolicy=2)")
	}
	return w, nil
}

// Plan is a drawn exam: what `exam --plan` prints and what an exam is
// built from.
type Plan struct {
	Seed uint64 `json:"seed"`
	// Set is the published exam set (Sets) the plan is; 0 when drawn.
	Set   int        `json:"set,omitempty"`
	Tasks []PlanTask `json:"tasks"`
}

// PlanTask is one drawn task.
type PlanTask struct {
	ID     string      `json:"id"`
	Domain labs.Domain `json:"domain"`
	Points int         `json:"points"`
}

// TaskVariant is the variant of lab l that an exam drawn with seed sets:
// the seed fixes every task's variant (labs.Lab.VariantForSeed; 0 for a
// lab without parameters), so the same seed gives the same exam, values
// and all, and `start LAB --seed S` repeats a task of exam S.
func TaskVariant(l *labs.Lab, seed uint64) uint64 { return l.VariantForSeed(seed) }

// DrawOptions choose a draw.
type DrawOptions struct {
	Seed uint64
	// Tasks is the number of tasks (DefaultTasks when 0, at most the pool).
	Tasks int
	// Weights (PoolWeights of the pool when nil).
	Weights Weights
}

// Draw picks opts.Tasks labs from pool. The number of tasks per domain
// follows the weights (largest remainder; every domain with labs and a
// positive weight gets at least one task when there are enough tasks); the
// labs within a domain and the order of the tasks are chosen by a
// generator seeded with opts.Seed. The same seed, pool and options always
// give the same exam (and TaskVariant the same variants), on every machine (the generator and the shuffle are
// ckadlab's own, not math/rand's, whose algorithms may change).
func Draw(pool []*labs.Lab, opts DrawOptions) (Plan, error) {
	if len(pool) == 0 {
		return Plan{}, errors.New("no labs to draw an exam from")
	}
	n := opts.Tasks
	if n == 0 {
		n = min(DefaultTasks, len(pool))
	}
	if n < 0 {
		return Plan{}, fmt.Errorf("--tasks %d: want a positive number", n)
	}
	if n > len(pool) {
		return Plan{}, fmt.Errorf("--tasks %d: the pool has only %d labs", n, len(pool))
	}
	byDomain := map[labs.Domain][]*labs.Lab{}
	for _, l := range pool {
		byDomain[l.Domain] = append(byDomain[l.Domain], l)
	}
	for _, list := range byDomain {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	}
	w := opts.Weights
	if w == nil {
		w = PoolWeights(pool)
	}
	quota, err := apportion(n, w, byDomain)
	if err != nil {
		return Plan{}, err
	}
	rng := seeded.New(opts.Seed)
	var picked []*labs.Lab
	for _, d := range domainOrder(byDomain) {
		list := append([]*labs.Lab(nil), byDomain[d]...)
		rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		picked = append(picked, list[:quota[d]]...)
	}
	rng.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
	plan := Plan{Seed: opts.Seed, Tasks: make([]PlanTask, len(picked))}
	for i, l := range picked {
		plan.Tasks[i] = PlanTask{ID: l.ID, Domain: l.Domain, Points: TaskPoints(l)}
	}
	return plan, nil
}

// domainOrder is the pool's domains: the known ones in display order, then
// any others by name.
func domainOrder(byDomain map[labs.Domain][]*labs.Lab) []labs.Domain {
	var out []labs.Domain
	seen := map[labs.Domain]bool{}
	for _, d := range labs.Domains {
		if len(byDomain[d]) > 0 {
			out = append(out, d)
			seen[d] = true
		}
	}
	var rest []labs.Domain
	for d := range byDomain {
		if !seen[d] {
			rest = append(rest, d)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	return append(out, rest...)
}

// apportion splits n tasks over the domains by weight (Hamilton's largest
// remainder method), never giving a domain more tasks than it has labs.
func apportion(n int, w Weights, byDomain map[labs.Domain][]*labs.Lab) (map[labs.Domain]int, error) {
	order := domainOrder(byDomain)
	quota := map[labs.Domain]int{}
	var active []labs.Domain // domains that can still take tasks
	total := 0
	for _, d := range order {
		if w[d] > 0 {
			active = append(active, d)
			total += len(byDomain[d])
		}
	}
	if len(active) == 0 {
		return nil, errors.New("the weights give no domain of the pool a share of the tasks")
	}
	if n > total {
		return nil, fmt.Errorf("--tasks %d: the domains with a weight have only %d labs", n, total)
	}
	left := n
	for left > 0 {
		var sum float64
		var open []labs.Domain
		for _, d := range active {
			if quota[d] < len(byDomain[d]) {
				open = append(open, d)
				sum += w[d]
			}
		}
		type share struct {
			d    labs.Domain
			frac float64
		}
		var shares []share
		given := 0
		for _, d := range open {
			exact := float64(left) * w[d] / sum
			whole := min(int(math.Floor(exact+1e-9)), len(byDomain[d])-quota[d])
			quota[d] += whole
			given += whole
			shares = append(shares, share{d, exact - float64(whole)})
		}
		left -= given
		sort.SliceStable(shares, func(i, j int) bool { return shares[i].frac > shares[j].frac+1e-12 })
		for _, s := range shares {
			if left == 0 {
				break
			}
			if quota[s.d] < len(byDomain[s.d]) {
				quota[s.d]++
				left--
			}
		}
	}
	// Every weighted domain gets a task when there are enough: one moves
	// from the domain with the most.
	if n >= len(active) {
		for _, d := range active {
			if quota[d] > 0 {
				continue
			}
			var from labs.Domain
			for _, o := range active {
				if quota[o] > 1 && (from == "" || quota[o] > quota[from]) {
					from = o
				}
			}
			if from == "" {
				break
			}
			quota[from]--
			quota[d]++
		}
	}
	return quota, nil
}
