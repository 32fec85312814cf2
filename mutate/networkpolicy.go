package mutate

import (
	"fmt"
	"slices"
	"strconv"
)

// npRule is one enforced ingress or egress rule of a NetworkPolicy.
type npRule struct {
	at       path // spec.ingress[i]
	m        map[string]any
	peersKey string // "from" or "to"
}

// npSelector is a label selector of a NetworkPolicy.
type npSelector struct {
	at   path
	m    map[string]any
	whom string // "pods of the namespace", "pods", "namespaces"
}

var directions = []struct{ key, typ, peers, noun string }{
	{"ingress", "Ingress", "from", "source"},
	{"egress", "Egress", "to", "destination"},
}

// effectiveTypes is spec.policyTypes as the API defaults it: Ingress, and
// Egress when there are egress rules.
func effectiveTypes(spec map[string]any, list []any) map[string]bool {
	t := map[string]bool{}
	for _, v := range list {
		t[str(v)] = true
	}
	if len(list) == 0 {
		t["Ingress"] = true
		if len(asList(spec["egress"])) > 0 {
			t["Egress"] = true
		}
	}
	return t
}

func (g *gen) networkPolicy() {
	spec := asMap(g.obj["spec"])
	if spec == nil {
		return
	}
	sp := path{"spec"}
	types := effectiveTypes(spec, asList(spec["policyTypes"]))

	// Rules of a direction the policy does not enforce are ignored by the
	// API: editing them would make equivalent mutants, so they are skipped.
	var rules []npRule
	for _, d := range directions {
		if !types[d.typ] {
			continue
		}
		for i, r := range asList(spec[d.key]) {
			if m := asMap(r); m != nil {
				rules = append(rules, npRule{at: sp.at(d.key, i), m: m, peersKey: d.peers})
			}
		}
	}

	// drop-rule
	for _, r := range rules {
		g.add("drop-rule", r.at, "rule removed", func(o map[string]any) { delAt(o, r.at) })
	}

	// add-allow-all
	for _, d := range directions {
		if !types[d.typ] {
			continue // the direction is not isolated: an extra rule changes nothing
		}
		list := asList(spec[d.key])
		allowsAll := false
		for _, r := range list {
			m := asMap(r)
			if m != nil && len(asList(m[d.peers])) == 0 && len(asList(m["ports"])) == 0 {
				allowsAll = true
			}
		}
		if allowsAll {
			continue
		}
		at := sp.at(d.key)
		g.add("add-allow-all", at, fmt.Sprintf("an empty rule {} appended (every %s and port allowed)", d.noun),
			func(o map[string]any) {
				setAt(o, at, append(slices.Clone(asList(lookup(o, at))), map[string]any{}))
			})
	}

	g.npPorts(rules)
	g.npPeers(rules)

	// Selectors: spec.podSelector, then each peer's.
	var sels []npSelector
	if m := asMap(spec["podSelector"]); m != nil {
		sels = append(sels, npSelector{at: sp.at("podSelector"), m: m, whom: "every pod of the namespace"})
	}
	for _, r := range rules {
		for j, p := range asList(r.m[r.peersKey]) {
			peer := asMap(p)
			for _, k := range []string{"namespaceSelector", "podSelector"} {
				if m := asMap(peer[k]); m != nil {
					whom := "every namespace"
					switch {
					case k == "podSelector" && peer["namespaceSelector"] != nil:
						whom = "every pod of the selected namespaces"
					case k == "podSelector":
						whom = "every pod of the policy's namespace"
					}
					sels = append(sels, npSelector{at: r.at.at(r.peersKey, j, k), m: m, whom: whom})
				}
			}
		}
	}
	for _, s := range sels {
		if len(s.m) == 0 {
			continue
		}
		g.add("empty-selector", s.at, "→ {} ("+s.whom+")", func(o map[string]any) { setAt(o, s.at, map[string]any{}) })
	}
	// drop-selector: a peer keeps its other selector.
	for _, r := range rules {
		for j, p := range asList(r.m[r.peersKey]) {
			peer := asMap(p)
			if len(peer) < 2 {
				continue
			}
			for _, k := range []string{"namespaceSelector", "podSelector"} {
				if _, ok := peer[k]; !ok {
					continue
				}
				why := "pods of the policy's namespace only"
				if k == "podSelector" {
					why = "every pod of the selected namespaces"
				}
				at := r.at.at(r.peersKey, j, k)
				g.add("drop-selector", at, "removed ("+why+")", func(o map[string]any) { delAt(o, at) })
			}
		}
	}
	g.labelSelectorOps(sels)

	g.ipBlocks(rules)
	g.policyTypes(spec, types)
}

func (g *gen) npPorts(rules []npRule) {
	type portRef struct {
		at path
		m  map[string]any
	}
	var ports []portRef
	for _, r := range rules {
		for j, p := range asList(r.m["ports"]) {
			if m := asMap(p); m != nil {
				ports = append(ports, portRef{r.at.at("ports", j), m})
			}
		}
	}
	for _, r := range rules {
		if len(asList(r.m["ports"])) > 0 {
			g.add("drop-ports", r.at, "ports dropped (every port allowed)", func(o map[string]any) { delAt(o, r.at.at("ports")) })
		}
	}
	for _, r := range rules {
		list := asList(r.m["ports"])
		if len(list) < 2 {
			continue
		}
		for j, p := range list {
			at := r.at.at("ports", j)
			g.add("drop-port-item", at, "port item "+portText(asMap(p))+" removed", func(o map[string]any) { delAt(o, at) })
		}
	}
	for _, p := range ports {
		if _, ok := p.m["port"]; !ok {
			continue
		}
		at := p.at.at("port")
		g.add("drop-port-number", at, fmt.Sprintf("port %s removed (every %s port)", portText(p.m), protocol(p.m)),
			func(o map[string]any) { delAt(o, at); delAt(o, p.at.at("endPort")) })
	}
	for _, p := range ports {
		n, ok := toInt(p.m["port"])
		if !ok || n >= 65535 {
			continue
		}
		if e, ok := toInt(p.m["endPort"]); ok && n+1 > e {
			continue // endPort may not be below port
		}
		at := p.at.at("port")
		g.add("shift-port", at, fmt.Sprintf("%d → %d", n, n+1), func(o map[string]any) { setAt(o, at, numLike(p.m["port"], n+1)) })
	}
	for _, p := range ports {
		from := protocol(p.m)
		to, ok := swappedProtocol[from]
		if !ok {
			continue
		}
		at := p.at.at("protocol")
		g.add("swap-protocol", at, from+" → "+to, func(o map[string]any) { setAt(o, at, to) })
	}
	for _, p := range ports {
		n, ok := toInt(p.m["port"])
		if !ok {
			continue
		}
		at := p.at.at("endPort")
		if e, ok := toInt(p.m["endPort"]); ok {
			if e >= 65535 {
				continue
			}
			w := min(e+1000, 65535)
			g.add("add-end-port", at, fmt.Sprintf("%d → %d (ports %d-%d)", e, w, n, w),
				func(o map[string]any) { setAt(o, at, numLike(p.m["endPort"], w)) })
			continue
		}
		if n >= 65535 {
			continue
		}
		w := min(n+1000, 65535)
		g.add("add-end-port", at, fmt.Sprintf("%d added (ports %d-%d)", w, n, w),
			func(o map[string]any) { setAt(o, at, numLike(p.m["port"], w)) })
	}
	for _, p := range ports {
		if _, ok := p.m["endPort"]; !ok {
			continue
		}
		at := p.at.at("endPort")
		g.add("drop-end-port", at, "removed (only port "+fmt.Sprint(p.m["port"])+")", func(o map[string]any) { delAt(o, at) })
	}
}

func (g *gen) npPeers(rules []npRule) {
	for _, r := range rules {
		if len(asList(r.m[r.peersKey])) > 0 {
			noun := "source"
			if r.peersKey == "to" {
				noun = "destination"
			}
			g.add("drop-peers", r.at, r.peersKey+" dropped (every "+noun+" allowed)",
				func(o map[string]any) { delAt(o, r.at.at(r.peersKey)) })
		}
	}
	for _, r := range rules {
		peers := asList(r.m[r.peersKey])
		if len(peers) < 2 {
			continue
		}
		for j := range peers {
			at := r.at.at(r.peersKey, j)
			g.add("drop-peer", at, "peer removed", func(o map[string]any) { delAt(o, at) })
		}
	}
	for _, r := range rules {
		peers := asList(r.m[r.peersKey])
		for j, p := range peers {
			peer := asMap(p)
			ns, pod := peer["namespaceSelector"], peer["podSelector"]
			if ns == nil || pod == nil || peer["ipBlock"] != nil {
				continue
			}
			listAt := r.at.at(r.peersKey)
			g.add("split-peer", listAt.at(j), "namespaceSelector AND podSelector split into two peers (OR)",
				func(o map[string]any) {
					nl := slices.Clone(peers[:j])
					nl = append(nl, map[string]any{"namespaceSelector": ns}, map[string]any{"podSelector": pod})
					nl = append(nl, peers[j+1:]...)
					setAt(o, listAt, nl)
				})
		}
	}
	only := func(peer map[string]any, key string) bool {
		_, ok := peer[key]
		return ok && len(peer) == 1
	}
	for _, r := range rules {
		peers := asList(r.m[r.peersKey])
		for j := 0; j+1 < len(peers); j++ {
			a, b := asMap(peers[j]), asMap(peers[j+1])
			var merged map[string]any
			switch {
			case only(a, "namespaceSelector") && only(b, "podSelector"):
				merged = map[string]any{"namespaceSelector": a["namespaceSelector"], "podSelector": b["podSelector"]}
			case only(a, "podSelector") && only(b, "namespaceSelector"):
				merged = map[string]any{"namespaceSelector": b["namespaceSelector"], "podSelector": a["podSelector"]}
			default:
				continue
			}
			listAt := r.at.at(r.peersKey)
			g.add("merge-peers", listAt.at(j), fmt.Sprintf("peers %d and %d merged into one (namespaceSelector AND podSelector)", j, j+1),
				func(o map[string]any) {
					nl := slices.Clone(peers[:j])
					nl = append(nl, merged)
					nl = append(nl, peers[j+2:]...)
					setAt(o, listAt, nl)
				})
		}
	}
}

// labelSelectorOps edits matchLabels and matchExpressions.
func (g *gen) labelSelectorOps(sels []npSelector) {
	for _, s := range sels {
		ml := asMap(s.m["matchLabels"])
		for _, k := range sortedKeys(ml) {
			at := s.at.at("matchLabels", k)
			v := changedLabel(str(ml[k]))
			g.add("change-label", at, fmt.Sprintf("%q → %q", str(ml[k]), v), func(o map[string]any) { setAt(o, at, v) })
		}
	}
	for _, s := range sels {
		ml := asMap(s.m["matchLabels"])
		for _, k := range sortedKeys(ml) {
			at := s.at.at("matchLabels", k)
			g.add("drop-label", at, "removed (the selector matches more)", func(o map[string]any) { delPrune(o, at) })
		}
	}
	for _, s := range sels {
		for j := range asList(s.m["matchExpressions"]) {
			at := s.at.at("matchExpressions", j)
			g.add("drop-expression", at, "removed (the selector matches more)", func(o map[string]any) { delPrune(o, at) })
		}
	}
	for _, s := range sels {
		for j, e := range asList(s.m["matchExpressions"]) {
			from := str(asMap(e)["operator"])
			to, ok := flippedOperator[from]
			if !ok {
				continue
			}
			at := s.at.at("matchExpressions", j, "operator")
			g.add("flip-operator", at, from+" → "+to, func(o map[string]any) { setAt(o, at, to) })
		}
	}
}

var flippedOperator = map[string]string{"In": "NotIn", "NotIn": "In", "Exists": "DoesNotExist", "DoesNotExist": "Exists"}

// changedLabel is a label value a learner mistyped.
func changedLabel(v string) string {
	if v == "" {
		return "x"
	}
	return v + "-x"
}

func (g *gen) ipBlocks(rules []npRule) {
	type blockRef struct {
		at path
		m  map[string]any
	}
	var blocks []blockRef
	for _, r := range rules {
		for j, p := range asList(r.m[r.peersKey]) {
			if b := asMap(asMap(p)["ipBlock"]); b != nil {
				blocks = append(blocks, blockRef{r.at.at(r.peersKey, j, "ipBlock"), b})
			}
		}
	}
	for _, b := range blocks {
		if len(asList(b.m["except"])) > 0 {
			at := b.at.at("except")
			g.add("drop-except", at, "removed (the whole cidr allowed)", func(o map[string]any) { delAt(o, at) })
		}
	}
	for _, b := range blocks {
		for k, e := range asList(b.m["except"]) {
			at := b.at.at("except", k)
			g.add("drop-except-item", at, str(e)+" removed", func(o map[string]any) { delPrune(o, at) })
		}
	}

	// resize yields the CIDR edits of one field, keeping the ipBlock valid
	// (every except item a strict subset of cidr).
	resize := func(op, word string, deltas []int, single bool) {
		for _, b := range blocks {
			cidr := str(b.m["cidr"])
			except := asList(b.m["except"])
			try := func(at path, old string, bits int, newCIDR func(string) string) {
				nv, ok := resizePrefix(old, bits)
				if !ok || sameCIDR(nv, old) {
					return
				}
				c := newCIDR(nv)
				var ex []string
				for k, e := range except {
					if at[len(at)-1] == k && at[len(at)-2] == "except" {
						ex = append(ex, nv)
					} else {
						ex = append(ex, str(e))
					}
				}
				if !validIPBlock(c, ex) {
					return
				}
				g.add(op, at, fmt.Sprintf("%s → %s (%s)", old, nv, word), func(o map[string]any) { setAt(o, at, nv) })
			}
			if bits, ok := prefixBits(cidr); ok {
				for _, d := range deltas {
					try(b.at.at("cidr"), cidr, bits+d, func(nv string) string { return nv })
				}
			}
			for k, e := range except {
				old := str(e)
				bits, ok := prefixBits(old)
				if !ok {
					continue
				}
				for _, d := range deltas {
					try(b.at.at("except", k), old, bits+d, func(string) string { return cidr })
				}
				if single {
					try(b.at.at("except", k), old, addrBits(old), func(string) string { return cidr })
				}
			}
		}
	}
	resize("widen-cidr", "wider", []int{-1, -8}, false)
	resize("narrow-cidr", "narrower", []int{1, 8}, true)
}

func (g *gen) policyTypes(spec map[string]any, types map[string]bool) {
	list, present := spec["policyTypes"].([]any)
	at := path{"spec", "policyTypes"}
	typeText := func(t map[string]bool) string {
		s := ""
		for _, k := range []string{"Ingress", "Egress"} {
			if t[k] {
				if s != "" {
					s += ", "
				}
				s += k
			}
		}
		return s
	}
	same := func(a, b map[string]bool) bool { return typeText(a) == typeText(b) }
	if present {
		if def := effectiveTypes(spec, nil); !same(def, types) {
			g.add("drop-policy-types", at, "removed (defaulted from the rules present: "+typeText(def)+")",
				func(o map[string]any) { delAt(o, at) })
		}
		for i, t := range list {
			rest := slices.Clone(list[:i])
			rest = append(rest, list[i+1:]...)
			if same(effectiveTypes(spec, rest), types) {
				continue
			}
			item := at.at(i)
			g.add("drop-policy-type", item, str(t)+" removed ("+lowerDir(str(t))+" no longer isolated)",
				func(o map[string]any) { delPrune(o, item) })
		}
	}
	for _, t := range []string{"Ingress", "Egress"} {
		if types[t] {
			continue
		}
		var nl []any
		if present && len(list) > 0 {
			nl = append(slices.Clone(list), t)
		} else {
			for _, k := range []string{"Ingress", "Egress"} {
				if types[k] || k == t {
					nl = append(nl, k)
				}
			}
		}
		g.add("add-policy-type", at, t+" added ("+lowerDir(t)+" isolated: only its rules allow traffic)",
			func(o map[string]any) { setAt(o, at, nl) })
	}
}

func lowerDir(t string) string {
	switch t {
	case "Ingress":
		return "ingress"
	case "Egress":
		return "egress"
	}
	return strconv.Quote(t)
}
