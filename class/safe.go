package class

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/probe"
)

// UnsafeError says why a lab cannot run side by side with other learners
// on one cluster.
type UnsafeError struct {
	Lab     string
	Reasons []string
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("lab %s cannot run side by side with other learners on one cluster: %s", e.Lab, strings.Join(e.Reasons, "; "))
}

// maxLabNamespace is the longest lab namespace a learner's prefix fits
// (learner names have at most MaxLearnerName characters, a DNS label 63).
const maxLabNamespace = 63 - MaxLearnerName - 1

// Safe reports whether a lab can run side by side with other learners'
// labs on one cluster once mapped (see Mapping): nil when it can, else an
// *UnsafeError with every reason, in a learner's words. It is computed
// from the lab's objects and checks: objects of the whole cluster,
// objects in namespaces every learner shares, pinned pod addresses and
// probes that need ckadlab's privileged helpers, Ingress rules that would
// answer other learners' requests, and addresses and ports that every
// learner's copy would claim. Wrong answers count where their mistake
// would reach other learners (an Ingress rule without host); what a
// learner may not create at all (objects of the whole cluster or of shared
// namespaces) is refused to them, and touches nobody.
func Safe(l *labs.Lab) error {
	if l == nil {
		return fmt.Errorf("no lab")
	}
	parts, err := parseParts(l)
	if err != nil {
		return err
	}
	var reasons []string
	add := func(format string, args ...any) {
		r := fmt.Sprintf(format, args...)
		if !slices.Contains(reasons, r) {
			reasons = append(reasons, r)
		}
	}
	shared := func(ns string) bool { return SystemNamespace(ns) }
	if shared(l.Namespace) {
		add("its namespace %s is shared by every learner", l.Namespace)
	}
	longNS := map[string]bool{}
	// Reasons that many objects or parts share are given once.
	var pinned, addrs, hostless []string
	group := func(list *[]string, s string) {
		if !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	for _, p := range parts {
		for _, o := range p.objects {
			ref := objRef(o)
			ns := o.namespace()
			if !p.wrong {
				switch {
				case o.kind == "Namespace":
					if shared(o.name()) {
						add("the %s creates namespace %s, which every learner shares", p.name, o.name())
					}
				case labs.IsClusterScoped(o.kind):
					add("the %s creates %s, an object of the whole cluster: every learner would share it", p.name, ref)
				case ns != "" && shared(ns):
					add("the %s puts %s in namespace %s, which every learner shares", p.name, ref, ns)
				}
			}
			for _, n := range []string{ns, map[bool]string{true: o.name()}[o.kind == "Namespace"]} {
				if len(n) > maxLabNamespace && !shared(n) && !longNS[n] {
					longNS[n] = true
					add("namespace %s is longer than %d characters: with a learner's name in front it would not be a valid name", n, maxLabNamespace)
				}
			}
			if ip := scalar(at(o.n, "status", "podIP")); o.kind == "Pod" && ip != "" {
				group(&pinned, nsName(o)+" ("+ip+")")
			}
			for _, spec := range o.podSpecs() {
				if scalar(get(spec, "hostNetwork")) == "true" {
					add("the %s runs %s on the node's network: every learner's copy would listen on the same node ports", p.name, ref)
				}
				for _, c := range append(items(get(spec, "containers")), items(get(spec, "initContainers"))...) {
					for _, port := range items(get(c, "ports")) {
						if hp := scalar(get(port, "hostPort")); hp != "" && hp != "0" {
							add("the %s gives %s host port %s: every learner's copy would claim it on the node", p.name, ref, hp)
						}
					}
				}
			}
			if o.kind == "Service" {
				spec := get(o.n, "spec")
				for _, ip := range items(get(spec, "externalIPs")) {
					group(&addrs, "external address "+ip.Value)
				}
				if ip := scalar(get(spec, "loadBalancerIP")); ip != "" {
					group(&addrs, "load balancer address "+ip)
				}
				if ip := scalar(get(spec, "clusterIP")); ip != "" && ip != "None" {
					group(&addrs, "cluster IP "+ip)
				}
			}
			if o.kind == "Ingress" {
				rules := items(at(o.n, "spec", "rules"))
				for _, r := range rules {
					if scalar(get(r, "host")) == "" {
						group(&hostless, p.name)
						break
					}
				}
				if len(rules) == 0 && get(get(o.n, "spec"), "defaultBackend") != nil {
					add("the %s gives Ingress %s a default backend and no rules: it would answer every learner's requests", p.name, nsName(o))
				}
			}
		}
	}
	if len(pinned) > 0 {
		add("pods pinned to an address (%s): live, host stand-ins in ckadlab-system answer for them, which learners may not run, and two learners cannot have one address", strings.Join(pinned, ", "))
	}
	if len(addrs) > 0 {
		add("its Services claim fixed addresses (%s): every learner's copy would claim the same ones", strings.Join(addrs, ", "))
	}
	if len(hostless) > 0 {
		add("an Ingress rule without host (in the %s): it would answer other learners' requests", strings.Join(hostless, ", "))
	}
	for _, c := range l.Checks {
		if c.Probe == nil {
			continue
		}
		s := c.Probe.Spec
		switch s.From.Kind {
		case probe.FromIP:
			add("check %s probes from the address %s: live, that needs ckadlab's node probe pods or host stand-ins (ckadlab-system), which learners may not run", c.ID, s.From.IP)
		case probe.FromPod:
			if shared(s.From.Namespace) {
				add("check %s probes from pod %s/%s of a namespace learners may not use", c.ID, s.From.Namespace, s.From.Name)
			}
		}
		if s.To.Kind == probe.ToIngress && s.To.Host == "" {
			add("check %s sends a request without host name (%s): its answer depends on every learner's Ingresses", c.ID, s.To)
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return &UnsafeError{Lab: l.ID, Reasons: reasons}
}

func nsName(o obj) string {
	if ns := o.namespace(); ns != "" {
		return ns + "/" + o.name()
	}
	return o.name()
}

func objRef(o obj) string {
	return o.kind + " " + nsName(o)
}

// Excluded is a lab a class leaves out, with why.
type Excluded struct {
	Lab string `json:"lab"`
	Why string `json:"why"`
}

// ClassLabs are the labs of a class, in the order given: those the class
// names (every lab when it names none) that can run side by side (Safe);
// the others are listed with the reason. Both the instructor's ckadlab
// (class exam draws) and a learner's (their lab list) ask it.
func ClassLabs(c *Class, all []*labs.Lab) ([]*labs.Lab, []Excluded) {
	var safe []*labs.Lab
	var out []Excluded
	for _, l := range all {
		if len(c.Labs) > 0 && !slices.Contains(c.Labs, l.ID) {
			continue
		}
		if err := Safe(l); err != nil {
			out = append(out, Excluded{Lab: l.ID, Why: err.Error()})
			continue
		}
		safe = append(safe, l)
	}
	return safe, out
}
