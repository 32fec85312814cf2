package mutate

import (
	"fmt"
	"strconv"
)

// Service fields that are valid only for some types: a type change drops
// them so that the mutant is still accepted by the API.
var (
	loadBalancerOnly = []string{"allocateLoadBalancerNodePorts", "loadBalancerClass", "loadBalancerIP", "loadBalancerSourceRanges", "healthCheckNodePort"}
	externalOnly     = []string{"externalTrafficPolicy"}
)

func (g *gen) service() {
	spec := asMap(g.obj["spec"])
	if spec == nil {
		return
	}
	sp := path{"spec"}
	typ := str(spec["type"])
	if typ == "" {
		typ = "ClusterIP"
	}
	if typ == "ExternalName" {
		// Ports, selector and addresses of an ExternalName Service do
		// nothing: only its name matters.
		if name := str(spec["externalName"]); name != "" {
			at := sp.at("externalName")
			nv := "x" + name
			g.add("change-external-name", at, name+" → "+nv, func(o map[string]any) { setAt(o, at, nv) })
		}
		return
	}
	headless := str(spec["clusterIP"]) == "None"

	type portRef struct {
		at path
		m  map[string]any
	}
	var ports []portRef
	for i, p := range asList(spec["ports"]) {
		if m := asMap(p); m != nil {
			ports = append(ports, portRef{sp.at("ports", i), m})
		}
	}
	// clash reports whether another port item than i already has the
	// protocol and port (or node port) given.
	clash := func(i int, proto string, field string, n int64) bool {
		for j, q := range ports {
			if j == i {
				continue
			}
			if m, ok := toInt(q.m[field]); ok && m == n && protocol(q.m) == proto {
				return true
			}
		}
		return false
	}

	if !headless {
		for _, to := range []string{"ClusterIP", "NodePort", "LoadBalancer"} {
			if to == typ {
				continue
			}
			what := typ + " → " + to
			if to == "ClusterIP" {
				what += " (no node ports)"
			}
			g.add("change-type", sp.at("type"), what, func(o map[string]any) {
				s := asMap(o["spec"])
				s["type"] = to
				if to != "LoadBalancer" {
					for _, k := range loadBalancerOnly {
						delete(s, k)
					}
				}
				if to == "ClusterIP" {
					for _, k := range externalOnly {
						delete(s, k)
					}
					for _, p := range asList(s["ports"]) {
						delete(asMap(p), "nodePort")
					}
				}
			})
		}
	}

	if !headless {
		if len(ports) >= 2 {
			for _, p := range ports {
				g.add("drop-port-item", p.at, "port item "+svcPortText(p.m)+" removed", func(o map[string]any) { delAt(o, p.at) })
			}
		}
		for i, p := range ports {
			n, ok := toInt(p.m["port"])
			if !ok || n >= 65535 || clash(i, protocol(p.m), "port", n+1) {
				continue
			}
			at := p.at.at("port")
			what := fmt.Sprintf("%d → %d", n, n+1)
			if _, ok := p.m["targetPort"]; !ok {
				what += " (targetPort, unset, follows it)"
			}
			g.add("shift-port", at, what, func(o map[string]any) { setAt(o, at, numLike(p.m["port"], n+1)) })
		}
		for _, p := range ports {
			at := p.at.at("targetPort")
			tp, present := p.m["targetPort"]
			var nv any
			var what string
			if n, ok := toInt(tp); ok {
				if n >= 65535 {
					continue
				}
				nv, what = numLike(tp, n+1), fmt.Sprintf("%d → %d", n, n+1)
			} else if s, ok := tp.(string); ok && s != "" {
				if _, err := strconv.Atoi(s); err == nil {
					continue
				}
				nv, what = s+"x", fmt.Sprintf("%s → %sx (a port name no container has)", s, s)
			} else if !present {
				n, ok := toInt(p.m["port"])
				if !ok || n >= 65535 {
					continue
				}
				nv, what = numLike(p.m["port"], n+1), fmt.Sprintf("%d added (it was port %d)", n+1, n)
			} else {
				continue
			}
			g.add("shift-target-port", at, what, func(o map[string]any) { setAt(o, at, nv) })
		}
		for _, p := range ports {
			tp, present := p.m["targetPort"]
			if !present {
				continue
			}
			n, isNum := toInt(tp)
			port, _ := toInt(p.m["port"])
			if isNum && n == port {
				continue
			}
			at := p.at.at("targetPort")
			g.add("drop-target-port", at, fmt.Sprintf("removed (defaults to port %d)", port), func(o map[string]any) { delAt(o, at) })
		}
		for i, p := range ports {
			from := protocol(p.m)
			to, ok := swappedProtocol[from]
			if !ok {
				continue
			}
			if n, ok := toInt(p.m["port"]); ok && clash(i, to, "port", n) {
				continue
			}
			if n, ok := toInt(p.m["nodePort"]); ok && n != 0 && clash(i, to, "nodePort", n) {
				continue
			}
			at := p.at.at("protocol")
			g.add("swap-protocol", at, from+" → "+to, func(o map[string]any) { setAt(o, at, to) })
		}
		for i, p := range ports {
			n, ok := toInt(p.m["nodePort"])
			if !ok || n == 0 {
				continue
			}
			nv := n + 1
			if nv > 32767 {
				nv = n - 1
			}
			if clash(i, protocol(p.m), "nodePort", nv) {
				continue
			}
			at := p.at.at("nodePort")
			g.add("shift-node-port", at, fmt.Sprintf("%d → %d", n, nv), func(o map[string]any) { setAt(o, at, numLike(p.m["nodePort"], nv)) })
		}
		for _, p := range ports {
			if n, ok := toInt(p.m["nodePort"]); ok && n != 0 {
				at := p.at.at("nodePort")
				g.add("drop-node-port", at, fmt.Sprintf("%d removed (a random one is allocated)", n), func(o map[string]any) { delAt(o, at) })
			}
		}
	}

	if sel := asMap(spec["selector"]); len(sel) > 0 {
		at := sp.at("selector")
		g.add("drop-selector", at, "removed (no endpoints)", func(o map[string]any) { delAt(o, at) })
		for _, k := range sortedKeys(sel) {
			at := at.at(k)
			v := changedLabel(str(sel[k]))
			g.add("change-label", at, fmt.Sprintf("%q → %q (no pod matches)", str(sel[k]), v), func(o map[string]any) { setAt(o, at, v) })
		}
		for _, k := range sortedKeys(sel) {
			at := at.at(k)
			g.add("drop-label", at, "removed (the selector matches more pods)", func(o map[string]any) { delPrune(o, at) })
		}
	}

	if ips := asList(spec["externalIPs"]); len(ips) > 0 {
		at := sp.at("externalIPs")
		g.add("drop-external-ips", at, "removed", func(o map[string]any) { delAt(o, at) })
		for i, ip := range ips {
			at := at.at(i)
			g.add("drop-external-ip", at, str(ip)+" removed", func(o map[string]any) { delPrune(o, at) })
		}
	}
}

// svcPortText is a Service port item for people: "80/TCP (http)".
func svcPortText(port map[string]any) string {
	s := fmt.Sprint(port["port"])
	if n, ok := toInt(port["port"]); ok {
		s = strconv.FormatInt(n, 10)
	}
	s += "/" + protocol(port)
	if name := str(port["name"]); name != "" {
		s += " (" + name + ")"
	}
	return s
}
