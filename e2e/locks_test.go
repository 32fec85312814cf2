package e2e

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/probe"
)

// Labs run side by side on one cluster, each in its own namespaces. What
// is not confined to a lab's namespaces is shared, and labs that use the
// same shared thing take turns. Two tiers of locks keep that deadlock-free:
//
//   - lab keys, held for the whole lab: namespaces, pinned host addresses,
//     fixed node ports and external IPs;
//   - ingress keys, taken after the lab keys and only while an answer is
//     applied (from applying it to reverting it), or for the whole lab
//     when its setup has Ingresses: the ingress controller, shared (an
//     Ingress whose rules all name hosts only answers those hosts) or
//     exclusive (a rule without host or a default backend answers every
//     host), and one key per host name a lab's Ingresses or probes use.
//
// Every acquisition takes keys in one global order (lab keys sorted, then
// the controller, then the domains of host names sorted, then host keys
// sorted) while holding only keys that come before them.
var suiteLocks = &resourceLocks{locks: map[string]*sync.Mutex{}}

type resourceLocks struct {
	mu         sync.Mutex
	locks      map[string]*sync.Mutex
	domains    map[string]*sync.RWMutex
	controller sync.RWMutex
}

func (r *resourceLocks) domain(d string) *sync.RWMutex {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.domains == nil {
		r.domains = map[string]*sync.RWMutex{}
	}
	m := r.domains[d]
	if m == nil {
		m = &sync.RWMutex{}
		r.domains[d] = m
	}
	return m
}

// domainsOf maps the domains under which hosts names fall to whether a
// wildcard covers them: a wildcard *.D takes D exclusively, a host x.D
// (at any depth) shares D, so that a wildcard and the names it matches
// take turns.
func domainsOf(hosts map[string]bool) map[string]bool {
	out := map[string]bool{}
	for h := range hosts {
		if d, ok := strings.CutPrefix(h, "*."); ok {
			out[d] = true
			continue
		}
		for rest := h; ; {
			_, after, ok := strings.Cut(rest, ".")
			if !ok {
				break
			}
			if _, ok := out[after]; !ok {
				out[after] = false
			}
			rest = after
		}
	}
	return out
}

func (r *resourceLocks) mutex(k string) *sync.Mutex {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.locks[k]
	if m == nil {
		m = &sync.Mutex{}
		r.locks[k] = m
	}
	return m
}

// lock takes the lab keys in sorted order and returns their release.
func (r *resourceLocks) lock(keys []string) func() {
	keys = slices.Sorted(slices.Values(keys))
	var held []*sync.Mutex
	for _, k := range keys {
		m := r.mutex("lab " + k)
		m.Lock()
		held = append(held, m)
	}
	return func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i].Unlock()
		}
	}
}

// lockIngress takes what n needs of the ingress controller.
func (r *resourceLocks) lockIngress(n ingressNeed) func() {
	if !n.any {
		return func() {}
	}
	if n.exclusive {
		r.controller.Lock()
	} else {
		r.controller.RLock()
	}
	doms := domainsOf(n.hosts)
	var release []func()
	for _, d := range slices.Sorted(maps.Keys(doms)) {
		m := r.domain(d)
		if doms[d] {
			m.Lock()
			release = append(release, m.Unlock)
		} else {
			m.RLock()
			release = append(release, m.RUnlock)
		}
	}
	for _, h := range slices.Sorted(maps.Keys(n.hosts)) {
		m := r.mutex("ingress host " + h)
		m.Lock()
		release = append(release, m.Unlock)
	}
	return func() {
		for i := len(release) - 1; i >= 0; i-- {
			release[i]()
		}
		if n.exclusive {
			r.controller.Unlock()
		} else {
			r.controller.RUnlock()
		}
	}
}

// ingressNeed is what a set of objects and probes uses of the ingress
// controller.
type ingressNeed struct {
	any       bool            // an Ingress, or a probe through the controller
	exclusive bool            // a rule without host, or a default backend
	hosts     map[string]bool // host names of rules and probes
}

func (n *ingressNeed) add(o ingressNeed) {
	n.any = n.any || o.any
	n.exclusive = n.exclusive || o.exclusive
	for h := range o.hosts {
		n.hosts[h] = true
	}
}

// ingressNeedOf reads the Ingresses among objs and the ingress probes
// of checks.
func ingressNeedOf(objs []manifest.Object, checks []labs.Check) ingressNeed {
	n := ingressNeed{hosts: map[string]bool{}}
	for _, o := range objs {
		ing, ok := o.Obj.(*networkingv1.Ingress)
		if !ok {
			continue
		}
		n.any = true
		if ing.Spec.DefaultBackend != nil {
			n.exclusive = true
		}
		for _, r := range ing.Spec.Rules {
			if r.Host == "" {
				n.exclusive = true
			} else {
				n.hosts[strings.ToLower(r.Host)] = true
			}
		}
	}
	for _, c := range checks {
		if c.Probe == nil || !strings.HasPrefix(c.Probe.To, "ingress:") {
			continue
		}
		n.any = true
		if t, err := probe.ParseTarget(c.Probe.To); err == nil && t.Host != "" {
			n.hosts[strings.ToLower(t.Host)] = true
		}
	}
	return n
}

// labNeeds is what a lab shares with others: its lab keys, whether its
// setup has Ingresses, and the ingress needs of each answer (by the
// answer's name in gradeLab) and of them all.
type labResources struct {
	lab          []string
	setupIngress bool
	answers      map[string]ingressNeed
}

func (r labResources) union() ingressNeed {
	u := ingressNeed{hosts: map[string]bool{}}
	for _, n := range r.answers {
		u.add(n)
	}
	return u
}

func labNeeds(t *testing.T, l *labs.Lab) labResources {
	t.Helper()
	decode := func(what, text string) []manifest.Object {
		objs, err := manifest.Decode(l.Source+" ("+what+")", []byte(text))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return objs
	}
	setup := decode("setup", l.Setup.Manifests)
	res := labResources{answers: map[string]ingressNeed{}}
	base := ingressNeedOf(setup, l.Checks)
	res.setupIngress = hasKind(setup, "Ingress")
	keys := map[string]bool{}
	answer := func(name, text string) {
		objs := decode(name, text)
		n := ingressNeedOf(objs, nil)
		n.add(base)
		res.answers[name] = n
		for _, o := range append(slices.Clone(setup), objs...) {
			// Labs own their namespaces (content's TestLabsOwnTheirNamespaces);
			// the fixtures of testdata are held to it here.
			if ns := o.Namespace; o.Kind == "Namespace" {
				keys["namespace "+o.Name] = true
			} else if ns != "" && ns != "default" {
				keys["namespace "+ns] = true
			}
			switch x := o.Obj.(type) {
			case *corev1.Pod:
				if x.Status.PodIP != "" {
					keys["host "+x.Status.PodIP] = true
				}
			case *corev1.Service:
				for _, p := range x.Spec.Ports {
					if p.NodePort != 0 {
						keys[fmt.Sprintf("node port %d", p.NodePort)] = true
					}
				}
				for _, ip := range x.Spec.ExternalIPs {
					keys["external IP "+ip] = true
				}
			}
		}
	}
	keys["namespace "+l.Namespace] = true
	answer("solution", l.Solution.Manifests)
	answer("blank answer", "")
	for _, w := range l.Wrong {
		answer("wrong answer "+w.Name, w.Manifests)
	}
	res.lab = slices.Sorted(maps.Keys(keys))
	return res
}

func hasKind(objs []manifest.Object, kind string) bool {
	return slices.ContainsFunc(objs, func(o manifest.Object) bool { return o.Kind == kind })
}

// byCost orders labs so that the longest start first (answers × checks
// approximates a lab's time): side by side, a long lab started last
// would be the suite's tail.
func byCost(all []*labs.Lab) []*labs.Lab {
	out := slices.Clone(all)
	cost := func(l *labs.Lab) int { return (len(l.Wrong) + 2) * len(l.Checks) }
	slices.SortStableFunc(out, func(a, b *labs.Lab) int { return cmp.Compare(cost(b), cost(a)) })
	return out
}

// TestIngressLocks checks, without a cluster, the scheduling the suite
// relies on: wildcards take their domain exclusively, host names share it.
func TestIngressLocks(t *testing.T) {
	got := domainsOf(map[string]bool{"*.example.com": true, "www.example.com": true, "a.b.example.org": true})
	want := map[string]bool{"example.com": true, "b.example.org": false, "example.org": false, "com": false, "org": false}
	if !maps.Equal(got, want) {
		t.Errorf("domainsOf = %v, want %v", got, want)
	}
	objs, err := manifest.Decode("t", []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a}
spec:
  rules:
  - host: Shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}
  - http: {paths: [{path: /x, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	n := ingressNeedOf(objs, []labs.Check{{Probe: &labs.ProbeCheck{To: "ingress:other.example.com/"}}})
	if !n.any || !n.exclusive || !n.hosts["shop.example.com"] || !n.hosts["other.example.com"] || len(n.hosts) != 2 {
		t.Errorf("ingressNeedOf = %+v", n)
	}
	// An exclusive holder keeps a sharing one out until it releases.
	r := &resourceLocks{locks: map[string]*sync.Mutex{}}
	release := r.lockIngress(ingressNeed{any: true, hosts: map[string]bool{"*.example.com": true}})
	got2 := make(chan bool)
	go func() {
		unlock := r.lockIngress(ingressNeed{any: true, hosts: map[string]bool{"www.example.com": true}})
		unlock()
		got2 <- true
	}()
	time.Sleep(100 * time.Millisecond) // room for the goroutine to (wrongly) get through
	select {
	case <-got2:
		t.Fatal("www.example.com was taken while *.example.com was held")
	default:
	}
	release()
	<-got2
}
