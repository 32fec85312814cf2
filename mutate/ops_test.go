package mutate

import (
	"strconv"
	"strings"
	"testing"
)

// opCase checks every mutant of one operator on one object: want maps the
// ID's field part (after ':') to the expected value of the subtree at cmp
// ("<absent>" when the edit removes it); the rest of the object must be the
// input's.
type opCase struct {
	name string
	in   string
	opt  Options
	op   string
	cmp  path
	want map[string]string
}

const absent = "<absent>"

func runOpCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.op+"/"+c.name, func(t *testing.T) {
			objs := parseObjs(t, c.in)
			if len(objs) != 1 {
				t.Fatalf("want one input object, got %d", len(objs))
			}
			in := objs[0].Object
			got := map[string]string{}
			for _, m := range Generate(objs, c.opt) {
				if m.Op != c.op {
					continue
				}
				prefix := m.Op + "@" + str(in["kind"]) + "/"
				if !strings.HasPrefix(m.ID, prefix) {
					t.Errorf("ID %q does not start with %q", m.ID, prefix)
				}
				tail := m.ID[strings.Index(m.ID, ":")+1:]
				if !strings.HasPrefix(tail, m.Path) || !strings.HasPrefix(m.Description, m.Path+": ") {
					t.Errorf("%s: path %q, description %q", m.ID, m.Path, m.Description)
				}
				if _, dup := got[tail]; dup {
					t.Errorf("two mutants at %s", tail)
				}
				edited := m.Objects[0].Object
				sub := lookup(edited, c.cmp)
				if sub == nil {
					got[tail] = absent
				} else {
					got[tail] = canon(t, sub)
				}
				// Outside cmp the object is the input's.
				want := deepCopy(in).(map[string]any)
				if sub == nil {
					delAt(want, c.cmp)
				} else {
					setAt(want, c.cmp, sub)
				}
				if canon(t, want) != canon(t, edited) {
					t.Errorf("%s: changed outside %s:\n got %s\nwant %s", m.ID, c.cmp, canon(t, edited), canon(t, want))
				}
			}
			for k, w := range c.want {
				g, ok := got[k]
				switch {
				case !ok:
					t.Errorf("missing mutant at %s", k)
				case w == absent && g != absent:
					t.Errorf("%s: %s still present: %s", k, c.cmp, g)
				case w != absent && g != canonYAML(t, w):
					t.Errorf("%s:\n got %s\nwant %s", k, g, canonYAML(t, w))
				}
			}
			for k, g := range got {
				if _, ok := c.want[k]; !ok {
					t.Errorf("unexpected mutant at %s: %s", k, g)
				}
			}
		})
	}
}

const npPorts = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - ports:
    - port: 80
    - {protocol: UDP, port: 53, endPort: 60}
    - {protocol: SCTP, port: metrics}
    - {port: 65535}
`

const npEdgePorts = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  egress:
  - ports:
    - {port: 100, endPort: 100}
    - {port: 65000, endPort: 65000}
    - {port: 65000, endPort: 65535}
`

func TestNetworkPolicyPortOps(t *testing.T) {
	ing := path{"spec", "ingress"}
	eg := path{"spec", "egress"}
	runOpCases(t, []opCase{
		{name: "ports", in: npPorts, op: "drop-ports", cmp: ing, want: map[string]string{
			"spec.ingress[0]": `[{}]`,
		}},
		{name: "ports", in: npPorts, op: "drop-port-item", cmp: ing, want: map[string]string{
			"spec.ingress[0].ports[0]": `[{ports: [{protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535}]}]`,
			"spec.ingress[0].ports[1]": `[{ports: [{port: 80}, {protocol: SCTP, port: metrics}, {port: 65535}]}]`,
			"spec.ingress[0].ports[2]": `[{ports: [{port: 80}, {protocol: UDP, port: 53, endPort: 60}, {port: 65535}]}]`,
			"spec.ingress[0].ports[3]": `[{ports: [{port: 80}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}]}]`,
		}},
		{name: "ports", in: npPorts, op: "drop-port-number", cmp: ing.at(0, "ports"), want: map[string]string{
			"spec.ingress[0].ports[0].port": `[{}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
			"spec.ingress[0].ports[1].port": `[{port: 80}, {protocol: UDP}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
			"spec.ingress[0].ports[2].port": `[{port: 80}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP}, {port: 65535}]`,
			"spec.ingress[0].ports[3].port": `[{port: 80}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {}]`,
		}},
		{name: "ports", in: npPorts, op: "shift-port", cmp: ing.at(0, "ports"), want: map[string]string{
			"spec.ingress[0].ports[0].port": `[{port: 81}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
			"spec.ingress[0].ports[1].port": `[{port: 80}, {protocol: UDP, port: 54, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
		}},
		{name: "endPort equal to port", in: npEdgePorts, op: "shift-port", cmp: eg.at(0, "ports"), want: map[string]string{
			"spec.egress[0].ports[2].port": `[{port: 100, endPort: 100}, {port: 65000, endPort: 65000}, {port: 65001, endPort: 65535}]`,
		}},
		{name: "ports", in: npPorts, op: "swap-protocol", cmp: ing.at(0, "ports"), want: map[string]string{
			"spec.ingress[0].ports[0].protocol": `[{port: 80, protocol: UDP}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
			"spec.ingress[0].ports[1].protocol": `[{port: 80}, {protocol: TCP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
			"spec.ingress[0].ports[2].protocol": `[{port: 80}, {protocol: UDP, port: 53, endPort: 60}, {protocol: TCP, port: metrics}, {port: 65535}]`,
			"spec.ingress[0].ports[3].protocol": `[{port: 80}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535, protocol: UDP}]`,
		}},
		{name: "ports", in: npPorts, op: "add-end-port", cmp: ing.at(0, "ports"), want: map[string]string{
			"spec.ingress[0].ports[0].endPort": `[{port: 80, endPort: 1080}, {protocol: UDP, port: 53, endPort: 60}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
			"spec.ingress[0].ports[1].endPort": `[{port: 80}, {protocol: UDP, port: 53, endPort: 1060}, {protocol: SCTP, port: metrics}, {port: 65535}]`,
		}},
		{name: "capped", in: npEdgePorts, op: "add-end-port", cmp: eg.at(0, "ports"), want: map[string]string{
			"spec.egress[0].ports[0].endPort": `[{port: 100, endPort: 1100}, {port: 65000, endPort: 65000}, {port: 65000, endPort: 65535}]`,
			"spec.egress[0].ports[1].endPort": `[{port: 100, endPort: 100}, {port: 65000, endPort: 65535}, {port: 65000, endPort: 65535}]`,
		}},
		{name: "ports", in: npPorts, op: "drop-end-port", cmp: ing.at(0, "ports", 1), want: map[string]string{
			"spec.ingress[0].ports[1].endPort": `{protocol: UDP, port: 53}`,
		}},
	})
}

const npPeers = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: a}}
      podSelector: {matchLabels: {app: one}}
    - podSelector: {matchLabels: {app: two}}
    - namespaceSelector: {matchLabels: {team: b}}
  - from:
    - namespaceSelector: {matchLabels: {team: c}}
    ports:
    - port: 80
`

func TestNetworkPolicyPeerOps(t *testing.T) {
	ing := path{"spec", "ingress"}
	from0 := ing.at(0, "from")
	p0 := `{namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: one}}}`
	p1 := `{podSelector: {matchLabels: {app: two}}}`
	p2 := `{namespaceSelector: {matchLabels: {team: b}}}`
	list := func(ps ...string) string { return "[" + strings.Join(ps, ", ") + "]" }
	rule1 := `{from: [{namespaceSelector: {matchLabels: {team: c}}}], ports: [{port: 80}]}`
	rules := func(from0, r1 string) string { return `[{from: ` + from0 + `}, ` + r1 + `]` }
	runOpCases(t, []opCase{
		{name: "peers", in: npPeers, op: "drop-peers", cmp: ing, want: map[string]string{
			"spec.ingress[0]": `[{}, {from: [{namespaceSelector: {matchLabels: {team: c}}}], ports: [{port: 80}]}]`,
			"spec.ingress[1]": `[{from: ` + list(p0, p1, p2) + `}, {ports: [{port: 80}]}]`,
		}},
		{name: "peers", in: npPeers, op: "drop-peer", cmp: from0, want: map[string]string{
			"spec.ingress[0].from[0]": list(p1, p2),
			"spec.ingress[0].from[1]": list(p0, p2),
			"spec.ingress[0].from[2]": list(p0, p1),
		}},
		{name: "AND to OR", in: npPeers, op: "split-peer", cmp: from0, want: map[string]string{
			"spec.ingress[0].from[0]": list(`{namespaceSelector: {matchLabels: {team: a}}}`, `{podSelector: {matchLabels: {app: one}}}`, p1, p2),
		}},
		{name: "OR to AND", in: npPeers, op: "merge-peers", cmp: from0, want: map[string]string{
			"spec.ingress[0].from[1]": list(p0, `{namespaceSelector: {matchLabels: {team: b}}, podSelector: {matchLabels: {app: two}}}`),
		}},
		{name: "peers", in: npPeers, op: "empty-selector", cmp: ing, want: map[string]string{
			"spec.ingress[0].from[0].namespaceSelector": rules(list(`{namespaceSelector: {}, podSelector: {matchLabels: {app: one}}}`, p1, p2), rule1),
			"spec.ingress[0].from[0].podSelector":       rules(list(`{namespaceSelector: {matchLabels: {team: a}}, podSelector: {}}`, p1, p2), rule1),
			"spec.ingress[0].from[1].podSelector":       rules(list(p0, `{podSelector: {}}`, p2), rule1),
			"spec.ingress[0].from[2].namespaceSelector": rules(list(p0, p1, `{namespaceSelector: {}}`), rule1),
			"spec.ingress[1].from[0].namespaceSelector": rules(list(p0, p1, p2), `{from: [{namespaceSelector: {}}], ports: [{port: 80}]}`),
		}},
		{name: "peers", in: npPeers, op: "drop-selector", cmp: from0, want: map[string]string{
			"spec.ingress[0].from[0].namespaceSelector": list(`{podSelector: {matchLabels: {app: one}}}`, p1, p2),
			"spec.ingress[0].from[0].podSelector":       list(`{namespaceSelector: {matchLabels: {team: a}}}`, p1, p2),
		}},
		// A single-key selector losing its key is the empty selector: dropped as a duplicate.
		{name: "single keys", in: npPeers, op: "drop-label", cmp: ing, want: map[string]string{}},
		{name: "peers", in: npPeers, op: "change-label", cmp: ing, want: map[string]string{
			"spec.ingress[0].from[0].namespaceSelector.matchLabels.team": `[{from: [{namespaceSelector: {matchLabels: {team: a-x}}, podSelector: {matchLabels: {app: one}}}, ` + p1 + `, ` + p2 + `]}, {from: [{namespaceSelector: {matchLabels: {team: c}}}], ports: [{port: 80}]}]`,
			"spec.ingress[0].from[0].podSelector.matchLabels.app":        `[{from: [{namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: one-x}}}, ` + p1 + `, ` + p2 + `]}, {from: [{namespaceSelector: {matchLabels: {team: c}}}], ports: [{port: 80}]}]`,
			"spec.ingress[0].from[1].podSelector.matchLabels.app":        `[{from: [` + p0 + `, {podSelector: {matchLabels: {app: two-x}}}, ` + p2 + `]}, {from: [{namespaceSelector: {matchLabels: {team: c}}}], ports: [{port: 80}]}]`,
			"spec.ingress[0].from[2].namespaceSelector.matchLabels.team": `[{from: [` + p0 + `, ` + p1 + `, {namespaceSelector: {matchLabels: {team: b-x}}}]}, {from: [{namespaceSelector: {matchLabels: {team: c}}}], ports: [{port: 80}]}]`,
			"spec.ingress[1].from[0].namespaceSelector.matchLabels.team": `[{from: ` + list(p0, p1, p2) + `}, {from: [{namespaceSelector: {matchLabels: {team: c-x}}}], ports: [{port: 80}]}]`,
		}},
		{name: "rules", in: npPeers, op: "drop-rule", cmp: ing, want: map[string]string{
			"spec.ingress[0]": `[{from: [{namespaceSelector: {matchLabels: {team: c}}}], ports: [{port: 80}]}]`,
			"spec.ingress[1]": `[{from: ` + list(p0, p1, p2) + `}]`,
		}},
	})
}

const npSelectorYAML = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector:
    matchLabels: {app: db, tier: be}
    matchExpressions:
    - {key: env, operator: In, values: [prod]}
    - {key: canary, operator: Exists}
  policyTypes: [Ingress]
`

const npSelectorOneLabel = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector:
    matchLabels: {app: db}
    matchExpressions:
    - {key: env, operator: NotIn, values: [dev]}
  policyTypes: [Ingress]
`

func TestNetworkPolicySelectorOps(t *testing.T) {
	sel := path{"spec", "podSelector"}
	exprs := `[{key: env, operator: In, values: [prod]}, {key: canary, operator: Exists}]`
	runOpCases(t, []opCase{
		{name: "pod selector", in: npSelectorYAML, op: "empty-selector", cmp: sel, want: map[string]string{
			"spec.podSelector": `{}`,
		}},
		{name: "pod selector", in: npSelectorYAML, op: "change-label", cmp: sel, want: map[string]string{
			"spec.podSelector.matchLabels.app":  `{matchLabels: {app: db-x, tier: be}, matchExpressions: ` + exprs + `}`,
			"spec.podSelector.matchLabels.tier": `{matchLabels: {app: db, tier: be-x}, matchExpressions: ` + exprs + `}`,
		}},
		{name: "pod selector", in: npSelectorYAML, op: "drop-label", cmp: sel, want: map[string]string{
			"spec.podSelector.matchLabels.app":  `{matchLabels: {tier: be}, matchExpressions: ` + exprs + `}`,
			"spec.podSelector.matchLabels.tier": `{matchLabels: {app: db}, matchExpressions: ` + exprs + `}`,
		}},
		{name: "one label and an expression", in: npSelectorOneLabel, op: "drop-label", cmp: sel, want: map[string]string{
			"spec.podSelector.matchLabels.app": `{matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}`,
		}},
		{name: "one label and an expression", in: npSelectorOneLabel, op: "drop-expression", cmp: sel, want: map[string]string{
			"spec.podSelector.matchExpressions[0]": `{matchLabels: {app: db}}`,
		}},
		{name: "pod selector", in: npSelectorYAML, op: "drop-expression", cmp: sel, want: map[string]string{
			"spec.podSelector.matchExpressions[0]": `{matchLabels: {app: db, tier: be}, matchExpressions: [{key: canary, operator: Exists}]}`,
			"spec.podSelector.matchExpressions[1]": `{matchLabels: {app: db, tier: be}, matchExpressions: [{key: env, operator: In, values: [prod]}]}`,
		}},
		{name: "pod selector", in: npSelectorYAML, op: "flip-operator", cmp: sel.at("matchExpressions"), want: map[string]string{
			"spec.podSelector.matchExpressions[0].operator": `[{key: env, operator: NotIn, values: [prod]}, {key: canary, operator: Exists}]`,
			"spec.podSelector.matchExpressions[1].operator": `[{key: env, operator: In, values: [prod]}, {key: canary, operator: DoesNotExist}]`,
		}},
		{name: "NotIn", in: npSelectorOneLabel, op: "flip-operator", cmp: sel.at("matchExpressions"), want: map[string]string{
			"spec.podSelector.matchExpressions[0].operator": `[{key: env, operator: In, values: [dev]}]`,
		}},
	})
}

const npRules = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{podSelector: {}}]
`

const npEgressOnly = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Egress]
  ingress:
  - from: [{podSelector: {}}]
  egress:
  - to: [{podSelector: {}}]
  - {}
`

const npNoTypes = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  egress:
  - to: [{podSelector: {}}]
`

const npIngressType = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {}}]
`

func TestNetworkPolicyRuleAndTypeOps(t *testing.T) {
	spec := path{"spec"}
	types := path{"spec", "policyTypes"}
	runOpCases(t, []opCase{
		{name: "both directions", in: npRules, op: "add-allow-all", cmp: spec, want: map[string]string{
			"spec.ingress": `{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {}}]}, {}]}`,
			"spec.egress":  `{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {}}]}], egress: [{}]}`,
		}},
		// Ingress rules are ignored without Ingress in policyTypes, and egress already allows all.
		{name: "not isolated or already open", in: npEgressOnly, op: "add-allow-all", cmp: spec, want: map[string]string{}},
		{name: "ignored rules are not edited", in: npEgressOnly, op: "drop-rule", cmp: path{"spec", "egress"}, want: map[string]string{
			"spec.egress[0]": `[{}]`,
			"spec.egress[1]": `[{to: [{podSelector: {}}]}]`,
		}},
		{name: "the only rule", in: npRules, op: "drop-rule", cmp: path{"spec", "ingress"}, want: map[string]string{
			"spec.ingress[0]": `[]`,
		}},
		{name: "deny-all egress", in: npRules, op: "drop-policy-types", cmp: types, want: map[string]string{
			"spec.policyTypes": absent,
		}},
		{name: "deny-all egress", in: npRules, op: "drop-policy-type", cmp: types, want: map[string]string{
			"spec.policyTypes[0]": `[Egress]`,
			"spec.policyTypes[1]": `[Ingress]`,
		}},
		{name: "complete", in: npRules, op: "add-policy-type", cmp: types, want: map[string]string{}},
		// [Ingress] is what the API defaults to: removing it changes nothing.
		{name: "equal to the default", in: npIngressType, op: "drop-policy-types", cmp: types, want: map[string]string{}},
		{name: "equal to the default", in: npIngressType, op: "drop-policy-type", cmp: types, want: map[string]string{}},
		{name: "Egress missing", in: npIngressType, op: "add-policy-type", cmp: types, want: map[string]string{
			"spec.policyTypes": `[Ingress, Egress]`,
		}},
		{name: "Ingress missing", in: npEgressOnly, op: "add-policy-type", cmp: types, want: map[string]string{
			"spec.policyTypes": `[Egress, Ingress]`,
		}},
		// Dropping the only entry is removing the field: one mutant.
		{name: "only Egress", in: npEgressOnly, op: "drop-policy-types", cmp: types, want: map[string]string{
			"spec.policyTypes": absent,
		}},
		{name: "only Egress", in: npEgressOnly, op: "drop-policy-type", cmp: types, want: map[string]string{}},
		{name: "defaulted", in: npNoTypes, op: "add-policy-type", cmp: types, want: map[string]string{}},
		{name: "defaulted", in: npNoTypes, op: "drop-policy-types", cmp: types, want: map[string]string{}},
		{name: "defaulted", in: npIngressType, op: "add-allow-all", cmp: path{"spec", "ingress"}, want: map[string]string{
			"spec.ingress": `[{from: [{podSelector: {}}]}, {}]`,
		}},
	})
}

const npIPv4 = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  ingress:
  - from:
    - ipBlock:
        cidr: 0.0.0.0/0
        except: [10.0.0.0/8, 192.168.1.0/24]
    - ipBlock: {cidr: 10.0.0.1/32}
`

const npIPv6 = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  podSelector: {}
  ingress:
  - from:
    - ipBlock:
        cidr: 2001:db8::/32
        except: [2001:db8:1::/48]
`

func TestNetworkPolicyIPBlockOps(t *testing.T) {
	from := path{"spec", "ingress", 0, "from"}
	b0 := from.at(0, "ipBlock")
	v6 := from.at(0, "ipBlock")
	runOpCases(t, []opCase{
		{name: "v4", in: npIPv4, op: "drop-except", cmp: b0, want: map[string]string{
			"spec.ingress[0].from[0].ipBlock.except": `{cidr: 0.0.0.0/0}`,
		}},
		{name: "v4", in: npIPv4, op: "drop-except-item", cmp: b0, want: map[string]string{
			"spec.ingress[0].from[0].ipBlock.except[0]": `{cidr: 0.0.0.0/0, except: [192.168.1.0/24]}`,
			"spec.ingress[0].from[0].ipBlock.except[1]": `{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}`,
		}},
		// The only except item: the same as drop-except, so dropped.
		{name: "v6", in: npIPv6, op: "drop-except-item", cmp: v6, want: map[string]string{}},
		// /0 cannot widen; 10.0.0.0/8 −8 is /0, no strict subset of cidr.
		{name: "v4", in: npIPv4, op: "widen-cidr", cmp: from, want: map[string]string{
			"spec.ingress[0].from[0].ipBlock.except[0]":   `[{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/7, 192.168.1.0/24]}}, {ipBlock: {cidr: 10.0.0.1/32}}]`,
			"spec.ingress[0].from[0].ipBlock.except[1]":   `[{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.0.0/23]}}, {ipBlock: {cidr: 10.0.0.1/32}}]`,
			"spec.ingress[0].from[0].ipBlock.except[1]#2": `[{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.0.0/16]}}, {ipBlock: {cidr: 10.0.0.1/32}}]`,
			"spec.ingress[0].from[1].ipBlock.cidr":        `[{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.1.0/24]}}, {ipBlock: {cidr: 10.0.0.0/31}}]`,
			"spec.ingress[0].from[1].ipBlock.cidr#2":      `[{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.1.0/24]}}, {ipBlock: {cidr: 10.0.0.0/24}}]`,
		}},
		// 0.0.0.0/1 would leave 192.168.1.0/24 outside, 0.0.0.0/8 both; /32 cannot narrow.
		{name: "v4 cidr", in: npIPv4, op: "narrow-cidr", cmp: b0, want: map[string]string{
			"spec.ingress[0].from[0].ipBlock.except[0]":   `{cidr: 0.0.0.0/0, except: [10.0.0.0/9, 192.168.1.0/24]}`,
			"spec.ingress[0].from[0].ipBlock.except[0]#2": `{cidr: 0.0.0.0/0, except: [10.0.0.0/16, 192.168.1.0/24]}`,
			"spec.ingress[0].from[0].ipBlock.except[0]#3": `{cidr: 0.0.0.0/0, except: [10.0.0.0/32, 192.168.1.0/24]}`,
			"spec.ingress[0].from[0].ipBlock.except[1]":   `{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.1.0/25]}`,
			"spec.ingress[0].from[0].ipBlock.except[1]#2": `{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 192.168.1.0/32]}`,
		}},
		{name: "v6", in: npIPv6, op: "widen-cidr", cmp: v6, want: map[string]string{
			"spec.ingress[0].from[0].ipBlock.cidr":        `{cidr: 2001:db8::/31, except: [2001:db8:1::/48]}`,
			"spec.ingress[0].from[0].ipBlock.cidr#2":      `{cidr: 2001:d00::/24, except: [2001:db8:1::/48]}`,
			"spec.ingress[0].from[0].ipBlock.except[0]":   `{cidr: 2001:db8::/32, except: [2001:db8::/47]}`,
			"spec.ingress[0].from[0].ipBlock.except[0]#2": `{cidr: 2001:db8::/32, except: [2001:db8::/40]}`,
		}},
		{name: "v6", in: npIPv6, op: "narrow-cidr", cmp: v6, want: map[string]string{
			"spec.ingress[0].from[0].ipBlock.cidr":        `{cidr: 2001:db8::/33, except: [2001:db8:1::/48]}`,
			"spec.ingress[0].from[0].ipBlock.cidr#2":      `{cidr: 2001:db8::/40, except: [2001:db8:1::/48]}`,
			"spec.ingress[0].from[0].ipBlock.except[0]":   `{cidr: 2001:db8::/32, except: [2001:db8:1::/49]}`,
			"spec.ingress[0].from[0].ipBlock.except[0]#2": `{cidr: 2001:db8::/32, except: [2001:db8:1::/56]}`,
			"spec.ingress[0].from[0].ipBlock.except[0]#3": `{cidr: 2001:db8::/32, except: [2001:db8:1::/128]}`,
		}},
	})
}

func TestResizePrefix(t *testing.T) {
	for _, c := range []struct {
		in   string
		bits int
		want string // "" when not possible
	}{
		{"172.17.1.0/24", 23, "172.17.0.0/23"},
		{"172.17.1.0/24", 16, "172.17.0.0/16"},
		{"172.17.0.0/16", 17, "172.17.0.0/17"},
		{"172.17.0.0/16", 24, "172.17.0.0/24"},
		{"172.17.0.0/16", 8, "172.0.0.0/8"},
		{"172.17.1.5/24", 25, "172.17.1.0/25"}, // host bits cleared first
		{"10.1.2.3/32", 31, "10.1.2.2/31"},
		{"10.1.2.3/32", 24, "10.1.2.0/24"},
		{"10.1.2.3/32", 33, ""},
		{"192.168.1.0/24", 0, "0.0.0.0/0"},
		{"0.0.0.0/0", -1, ""},
		{"0.0.0.0/0", 1, "0.0.0.0/1"},
		{"0.0.0.0/0", 32, "0.0.0.0/32"},
		{"2001:db8:1::/48", 47, "2001:db8::/47"},
		{"2001:db8:1::/48", 49, "2001:db8:1::/49"},
		{"2001:db8::/32", 24, "2001:d00::/24"},
		{"2001:db8::1/128", 127, "2001:db8::/127"},
		{"2001:db8::1/128", 129, ""},
		{"2001:db8::1/128", 120, "2001:db8::/120"},
		{"fe80::/10", 9, "fe80::/9"},
		{"fe80::/10", 2, "c000::/2"},
		{"::/0", -1, ""},
		{"::/0", 8, "::/8"},
		{"::/0", 128, "::/128"},
		{"not-a-cidr", 8, ""},
		{"10.0.0.0", 8, ""},
	} {
		got, ok := resizePrefix(c.in, c.bits)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("resizePrefix(%q, %d) = %q, want %q", c.in, c.bits, got, c.want)
		}
	}
}

const svcLB = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  allocateLoadBalancerNodePorts: true
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: web, nodePort: 32767}
  - {name: dns, port: 53, protocol: UDP}
  - {name: https, port: 443, targetPort: 443}
  externalIPs: [192.0.2.1, 192.0.2.2]
`

const svcClash = `
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: shop}
spec:
  selector: {app: dns, tier: be}
  ports:
  - {name: a, port: 53, protocol: TCP, targetPort: 5353}
  - {name: b, port: 53, protocol: UDP, targetPort: 5353}
  - {name: c, port: 54, protocol: UDP, targetPort: 5353}
  externalIPs: [192.0.2.1]
`

const svcExternalName = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  type: ExternalName
  externalName: db.example.com
  selector: {app: db}
  ports:
  - {port: 5432}
`

const svcHeadless = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: None
  selector: {app: db}
  ports:
  - {port: 5432, targetPort: 5433}
`

func TestServiceOps(t *testing.T) {
	spec := path{"spec"}
	ports := path{"spec", "ports"}
	http := `{name: http, port: 80, targetPort: web, nodePort: 32767}`
	dns := `{name: dns, port: 53, protocol: UDP}`
	https := `{name: https, port: 443, targetPort: 443}`
	list := func(ps ...string) string { return "[" + strings.Join(ps, ", ") + "]" }
	runOpCases(t, []opCase{
		{name: "LoadBalancer", in: svcLB, op: "change-type", cmp: spec, want: map[string]string{
			"spec.type": `{type: ClusterIP, selector: {app: web}, externalIPs: [192.0.2.1, 192.0.2.2], ports: [{name: http, port: 80, targetPort: web}, ` + dns + `, ` + https + `]}`,
			"spec.type#2": `{type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, externalIPs: [192.0.2.1, 192.0.2.2], ports: ` +
				list(http, dns, https) + `}`,
		}},
		{name: "ClusterIP by default", in: svcClash, op: "change-type", cmp: path{"spec", "type"}, want: map[string]string{
			"spec.type":   `NodePort`,
			"spec.type#2": `LoadBalancer`,
		}},
		{name: "ExternalName", in: svcExternalName, op: "change-type", cmp: spec, want: map[string]string{}},
		{name: "headless", in: svcHeadless, op: "change-type", cmp: spec, want: map[string]string{}},
		{name: "headless", in: svcHeadless, op: "shift-target-port", cmp: spec, want: map[string]string{}},
		{name: "ExternalName", in: svcExternalName, op: "change-external-name", cmp: spec.at("externalName"), want: map[string]string{
			"spec.externalName": `xdb.example.com`,
		}},
		{name: "ExternalName", in: svcExternalName, op: "shift-port", cmp: spec, want: map[string]string{}},
		{name: "ExternalName", in: svcExternalName, op: "drop-selector", cmp: spec, want: map[string]string{}},
		{name: "LoadBalancer", in: svcLB, op: "drop-port-item", cmp: ports, want: map[string]string{
			"spec.ports[0]": list(dns, https),
			"spec.ports[1]": list(http, https),
			"spec.ports[2]": list(http, dns),
		}},
		{name: "LoadBalancer", in: svcLB, op: "shift-port", cmp: ports, want: map[string]string{
			"spec.ports[0].port": list(`{name: http, port: 81, targetPort: web, nodePort: 32767}`, dns, https),
			"spec.ports[1].port": list(http, `{name: dns, port: 54, protocol: UDP}`, https),
			"spec.ports[2].port": list(http, dns, `{name: https, port: 444, targetPort: 443}`),
		}},
		// 53/UDP + 1 is taken by c.
		{name: "clash", in: svcClash, op: "shift-port", cmp: ports, want: map[string]string{
			"spec.ports[0].port": `[{name: a, port: 54, protocol: TCP, targetPort: 5353}, {name: b, port: 53, protocol: UDP, targetPort: 5353}, {name: c, port: 54, protocol: UDP, targetPort: 5353}]`,
			"spec.ports[2].port": `[{name: a, port: 53, protocol: TCP, targetPort: 5353}, {name: b, port: 53, protocol: UDP, targetPort: 5353}, {name: c, port: 55, protocol: UDP, targetPort: 5353}]`,
		}},
		{name: "LoadBalancer", in: svcLB, op: "shift-target-port", cmp: ports, want: map[string]string{
			"spec.ports[0].targetPort": list(`{name: http, port: 80, targetPort: webx, nodePort: 32767}`, dns, https),
			"spec.ports[1].targetPort": list(http, `{name: dns, port: 53, protocol: UDP, targetPort: 54}`, https),
			"spec.ports[2].targetPort": list(http, dns, `{name: https, port: 443, targetPort: 444}`),
		}},
		{name: "LoadBalancer", in: svcLB, op: "drop-target-port", cmp: ports, want: map[string]string{
			"spec.ports[0].targetPort": list(`{name: http, port: 80, nodePort: 32767}`, dns, https),
		}},
		{name: "LoadBalancer", in: svcLB, op: "swap-protocol", cmp: ports, want: map[string]string{
			"spec.ports[0].protocol": list(`{name: http, port: 80, targetPort: web, nodePort: 32767, protocol: UDP}`, dns, https),
			"spec.ports[1].protocol": list(http, `{name: dns, port: 53, protocol: TCP}`, https),
			"spec.ports[2].protocol": list(http, dns, `{name: https, port: 443, targetPort: 443, protocol: UDP}`),
		}},
		// a and b would both be 53/TCP or 53/UDP; c becomes 54/TCP.
		{name: "clash", in: svcClash, op: "swap-protocol", cmp: ports.at(2), want: map[string]string{
			"spec.ports[2].protocol": `{name: c, port: 54, protocol: TCP, targetPort: 5353}`,
		}},
		{name: "at the top of the range", in: svcLB, op: "shift-node-port", cmp: ports.at(0), want: map[string]string{
			"spec.ports[0].nodePort": `{name: http, port: 80, targetPort: web, nodePort: 32766}`,
		}},
		{name: "LoadBalancer", in: svcLB, op: "drop-node-port", cmp: ports.at(0), want: map[string]string{
			"spec.ports[0].nodePort": `{name: http, port: 80, targetPort: web}`,
		}},
		{name: "LoadBalancer", in: svcLB, op: "drop-selector", cmp: spec.at("selector"), want: map[string]string{
			"spec.selector": absent,
		}},
		{name: "LoadBalancer", in: svcLB, op: "change-label", cmp: spec.at("selector"), want: map[string]string{
			"spec.selector.app": `{app: web-x}`,
		}},
		{name: "one key", in: svcLB, op: "drop-label", cmp: spec.at("selector"), want: map[string]string{}},
		{name: "two keys", in: svcClash, op: "drop-label", cmp: spec.at("selector"), want: map[string]string{
			"spec.selector.app":  `{tier: be}`,
			"spec.selector.tier": `{app: dns}`,
		}},
		{name: "LoadBalancer", in: svcLB, op: "drop-external-ips", cmp: spec.at("externalIPs"), want: map[string]string{
			"spec.externalIPs": absent,
		}},
		{name: "LoadBalancer", in: svcLB, op: "drop-external-ip", cmp: spec.at("externalIPs"), want: map[string]string{
			"spec.externalIPs[0]": `[192.0.2.2]`,
			"spec.externalIPs[1]": `[192.0.2.1]`,
		}},
		{name: "one item", in: svcClash, op: "drop-external-ip", cmp: spec.at("externalIPs"), want: map[string]string{}},
	})
}

const ingFull = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ing
  namespace: web
  annotations:
    traefik.ingress.kubernetes.io/router.priority: "10"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
    kubernetes.io/description: kept
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  tls:
  - hosts: [a.example.com, b.example.com]
    secretName: tls
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /api/v1/, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
      - {path: /, pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 8080}}}}
  - host: "*.example.com"
    http:
      paths:
      - {path: /ab, pathType: Exact, backend: {service: {name: web, port: {number: 443}}}}
`

const ingOneRule = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ing
  namespace: web
  annotations:
    traefik.ingress.kubernetes.io/router.priority: "10"
    nginx.ingress.kubernetes.io/rewrite-target: /
spec:
  ingressClassName: traefik
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  rules:
  - host: example.com
    http:
      paths:
      - {path: /a/b, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
`

func TestIngressOps(t *testing.T) {
	rules := path{"spec", "rules"}
	r0 := rules.at(0)
	r0paths := r0.at("http", "paths")
	api := `{path: /api/v1/, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}`
	web := `{path: /, pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 8080}}}}`
	rule1 := `{host: "*.example.com", http: {paths: [{path: /ab, pathType: Exact, backend: {service: {name: web, port: {number: 443}}}}]}}`
	paths3 := func(a, b, c string) string {
		return `[{host: a.example.com, http: {paths: [` + a + `, ` + b + `]}}, {host: "*.example.com", http: {paths: [` + c + `]}}]`
	}
	ab := func(path, typ string) string {
		return `{path: ` + path + `, pathType: ` + typ + `, backend: {service: {name: web, port: {number: 443}}}}`
	}
	runOpCases(t, []opCase{
		{name: "two rules", in: ingFull, op: "drop-rule", cmp: rules, want: map[string]string{
			"spec.rules[0]": `[` + rule1 + `]`,
			"spec.rules[1]": `[{host: a.example.com, http: {paths: [` + api + `, ` + web + `]}}]`,
		}},
		{name: "one rule and a default backend", in: ingOneRule, op: "drop-rule", cmp: rules, want: map[string]string{
			"spec.rules[0]": absent,
		}},
		{name: "two paths", in: ingFull, op: "drop-path", cmp: r0paths, want: map[string]string{
			"spec.rules[0].http.paths[0]": `[` + web + `]`,
			"spec.rules[0].http.paths[1]": `[` + api + `]`,
		}},
		{name: "hosts", in: ingFull, op: "drop-host", cmp: rules, want: map[string]string{
			"spec.rules[0].host": `[{http: {paths: [` + api + `, ` + web + `]}}, ` + rule1 + `]`,
			"spec.rules[1].host": `[{host: a.example.com, http: {paths: [` + api + `, ` + web + `]}}, {http: {paths: [` + ab("/ab", "Exact") + `]}}]`,
		}},
		{name: "hosts", in: ingFull, op: "wildcard-host", cmp: r0.at("host"), want: map[string]string{
			"spec.rules[0].host": `"*.example.com"`,
		}},
		{name: "two labels", in: ingOneRule, op: "wildcard-host", cmp: rules, want: map[string]string{}},
		{name: "hosts", in: ingFull, op: "other-host", cmp: r0.at("host"), want: map[string]string{
			"spec.rules[0].host": `ax.example.com`,
		}},
		{name: "two labels", in: ingOneRule, op: "other-host", cmp: r0.at("host"), want: map[string]string{
			"spec.rules[0].host": `examplex.com`,
		}},
		{name: "all three", in: ingFull, op: "swap-path-type", cmp: rules, want: map[string]string{
			"spec.rules[0].http.paths[0].pathType": paths3(`{path: /api/v1/, pathType: Exact, backend: {service: {name: api, port: {name: http}}}}`, web, ab("/ab", "Exact")),
			"spec.rules[0].http.paths[1].pathType": paths3(api, `{path: /, pathType: Exact, backend: {service: {name: web, port: {number: 8080}}}}`, ab("/ab", "Exact")),
			"spec.rules[1].http.paths[0].pathType": paths3(api, web, ab("/ab", "Prefix")),
		}},
		{name: "paths", in: ingFull, op: "shorten-path", cmp: rules, want: map[string]string{
			"spec.rules[0].http.paths[0].path": paths3(`{path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}`, web, ab("/ab", "Exact")),
			"spec.rules[1].http.paths[0].path": paths3(api, web, ab("/", "Exact")),
		}},
		{name: "paths", in: ingFull, op: "extend-path", cmp: rules, want: map[string]string{
			"spec.rules[0].http.paths[0].path": paths3(`{path: /api/v1/x, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}`, web, ab("/ab", "Exact")),
			"spec.rules[0].http.paths[1].path": paths3(api, `{path: /x, pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 8080}}}}`, ab("/ab", "Exact")),
			"spec.rules[1].http.paths[0].path": paths3(api, web, ab("/ab/x", "Exact")),
		}},
		{name: "paths", in: ingFull, op: "typo-path", cmp: rules, want: map[string]string{
			"spec.rules[0].http.paths[0].path": paths3(`{path: /api/v, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}`, web, ab("/ab", "Exact")),
			"spec.rules[1].http.paths[0].path": paths3(api, web, ab("/a", "Exact")),
		}},
		// /a/b → /a/ is /a, the same as shorten-path: dropped.
		{name: "same as shorten", in: ingOneRule, op: "typo-path", cmp: rules, want: map[string]string{}},
		{name: "backends", in: ingFull, op: "rename-backend", cmp: path{"spec"}, want: map[string]string{
			"spec.defaultBackend.service.name": `{ingressClassName: nginx, defaultBackend: {service: {name: fallbackx, port: {number: 80}}}, tls: [{hosts: [a.example.com, b.example.com], secretName: tls}], rules: ` + paths3(api, web, ab("/ab", "Exact")) + `}`,
			"spec.rules[0].http.paths[0].backend.service.name": `{ingressClassName: nginx, defaultBackend: {service: {name: fallback, port: {number: 80}}}, tls: [{hosts: [a.example.com, b.example.com], secretName: tls}], rules: ` +
				paths3(`{path: /api/v1/, pathType: Prefix, backend: {service: {name: apix, port: {name: http}}}}`, web, ab("/ab", "Exact")) + `}`,
			"spec.rules[0].http.paths[1].backend.service.name": `{ingressClassName: nginx, defaultBackend: {service: {name: fallback, port: {number: 80}}}, tls: [{hosts: [a.example.com, b.example.com], secretName: tls}], rules: ` +
				paths3(api, `{path: /, pathType: ImplementationSpecific, backend: {service: {name: webx, port: {number: 8080}}}}`, ab("/ab", "Exact")) + `}`,
			"spec.rules[1].http.paths[0].backend.service.name": `{ingressClassName: nginx, defaultBackend: {service: {name: fallback, port: {number: 80}}}, tls: [{hosts: [a.example.com, b.example.com], secretName: tls}], rules: ` +
				paths3(api, web, `{path: /ab, pathType: Exact, backend: {service: {name: webx, port: {number: 443}}}}`) + `}`,
		}},
		{name: "one rule", in: ingOneRule, op: "shift-backend-port", cmp: path{"spec"}, want: map[string]string{
			"spec.defaultBackend.service.port.number":                 `{ingressClassName: traefik, defaultBackend: {service: {name: fallback, port: {number: 81}}}, rules: [{host: example.com, http: {paths: [{path: /a/b, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]}`,
			"spec.rules[0].http.paths[0].backend.service.port.number": `{ingressClassName: traefik, defaultBackend: {service: {name: fallback, port: {number: 80}}}, rules: [{host: example.com, http: {paths: [{path: /a/b, pathType: Prefix, backend: {service: {name: api, port: {number: 81}}}}]}}]}`,
		}},
		{name: "named", in: ingFull, op: "rename-backend-port", cmp: r0paths.at(0), want: map[string]string{
			"spec.rules[0].http.paths[0].backend.service.port.name": `{path: /api/v1/, pathType: Prefix, backend: {service: {name: api, port: {name: httpx}}}}`,
		}},
		{name: "nginx", in: ingFull, opt: Options{DefaultIngressClass: "traefik"}, op: "drop-ingress-class", cmp: path{"spec", "ingressClassName"}, want: map[string]string{
			"spec.ingressClassName": absent,
		}},
		// Removing the default class changes nothing.
		{name: "the default class", in: ingOneRule, opt: Options{DefaultIngressClass: "traefik"}, op: "drop-ingress-class", cmp: path{"spec"}, want: map[string]string{}},
		{name: "no default class", in: ingOneRule, op: "drop-ingress-class", cmp: path{"spec", "ingressClassName"}, want: map[string]string{
			"spec.ingressClassName": absent,
		}},
		{name: "nginx", in: ingFull, op: "other-ingress-class", cmp: path{"spec", "ingressClassName"}, want: map[string]string{
			"spec.ingressClassName": `xnginx`,
		}},
		{name: "with rules", in: ingOneRule, op: "drop-default-backend", cmp: path{"spec", "defaultBackend"}, want: map[string]string{
			"spec.defaultBackend": absent,
		}},
		{name: "tls", in: ingFull, op: "drop-tls", cmp: path{"spec", "tls"}, want: map[string]string{
			"spec.tls": absent,
		}},
		{name: "tls", in: ingFull, op: "drop-tls-host", cmp: path{"spec", "tls"}, want: map[string]string{
			"spec.tls[0].hosts[0]": `[{hosts: [b.example.com], secretName: tls}]`,
			"spec.tls[0].hosts[1]": `[{hosts: [a.example.com], secretName: tls}]`,
		}},
		// Class nginx: the nginx annotations that change routing; not
		// use-regex (rewrite-target implies it), not the Traefik one (the
		// kubernetesIngressNGINX provider ignores it).
		{name: "class nginx", in: ingFull, op: "drop-annotation", cmp: path{"metadata", "annotations"}, want: map[string]string{
			`metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"]`: `{traefik.ingress.kubernetes.io/router.priority: "10", nginx.ingress.kubernetes.io/use-regex: "true", nginx.ingress.kubernetes.io/ssl-redirect: "false", kubernetes.io/description: kept}`,
			`metadata.annotations["nginx.ingress.kubernetes.io/ssl-redirect"]`:   `{traefik.ingress.kubernetes.io/router.priority: "10", nginx.ingress.kubernetes.io/rewrite-target: /$2, nginx.ingress.kubernetes.io/use-regex: "true", kubernetes.io/description: kept}`,
		}},
		// Class traefik: the Traefik annotation only.
		{name: "class traefik", in: ingOneRule, op: "drop-annotation", cmp: path{"metadata", "annotations"}, want: map[string]string{
			`metadata.annotations["traefik.ingress.kubernetes.io/router.priority"]`: `{nginx.ingress.kubernetes.io/rewrite-target: /}`,
		}},
		{name: "class nginx", in: ingFull, op: "flip-annotation", cmp: path{"metadata", "annotations", "nginx.ingress.kubernetes.io/ssl-redirect"}, want: map[string]string{
			`metadata.annotations["nginx.ingress.kubernetes.io/ssl-redirect"]`: `"true"`,
		}},
		{name: "class traefik", in: ingOneRule, op: "flip-annotation", cmp: path{"metadata"}, want: map[string]string{}},
		{name: "class nginx", in: ingFull, op: "rewrite-target-group", cmp: path{"metadata", "annotations", "nginx.ingress.kubernetes.io/rewrite-target"}, want: map[string]string{
			`metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"]`: `/$1`,
		}},
	})
}

func TestMoveNamespace(t *testing.T) {
	cm := func(ns string) string {
		s := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
		if ns != "" {
			s += "  namespace: " + ns + "\n"
		}
		return s + "data: {a: b}\n"
	}
	ns := path{"metadata", "namespace"}
	runOpCases(t, []opCase{
		{name: "first other namespace", in: cm("prod"), opt: Options{Namespaces: []string{"prod", "dev", "qa"}}, op: "move-namespace", cmp: ns, want: map[string]string{
			"metadata.namespace": `dev`,
		}},
		{name: "defaulted namespace", in: cm(""), opt: Options{DefaultNamespace: "prod", Namespaces: []string{"prod"}}, op: "move-namespace", cmp: ns, want: map[string]string{
			"metadata.namespace": `default`,
		}},
		{name: "already in default", in: cm("default"), opt: Options{Namespaces: []string{"default"}}, op: "move-namespace", cmp: ns, want: map[string]string{}},
		{name: "no namespaces at all", in: cm(""), op: "move-namespace", cmp: ns, want: map[string]string{}},
		{name: "from default", in: cm("default"), opt: Options{Namespaces: []string{"default", "prod"}}, op: "move-namespace", cmp: ns, want: map[string]string{
			"metadata.namespace": `prod`,
		}},
	})

	// The ID names the effective namespace; other kinds get move-namespace only.
	objs := parseObjs(t, cm(""))
	ms := Generate(objs, Options{DefaultNamespace: "lab", Namespaces: []string{"lab", "other"}})
	if len(ms) != 1 || ms[0].ID != "move-namespace@ConfigMap/lab/cfg:metadata.namespace" || ms[0].Object != "ConfigMap lab/cfg" {
		t.Fatalf("got %+v", ms)
	}
	if ms[0].Description != "metadata.namespace: lab → other (the answer in the wrong namespace)" {
		t.Errorf("description %q", ms[0].Description)
	}
	// Cluster-scoped objects have no namespace to move.
	if ms := Generate(parseObjs(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: lab}\n"), Options{Namespaces: []string{"lab", "x"}}); len(ms) != 0 {
		t.Errorf("Namespace: %d mutants", len(ms))
	}
}

// TestNginxAnnotationOps: on class nginx, only the nginx annotations whose
// edit changes routing are mutated.
func TestNginxAnnotationOps(t *testing.T) {
	ing := func(class string, tls bool, ann ...string) string {
		s := "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\n  namespace: web\n  annotations:\n"
		for i := 0; i+1 < len(ann); i += 2 {
			s += "    " + ann[i] + ": " + strconv.Quote(ann[i+1]) + "\n"
		}
		s += "spec:\n"
		if class != "" {
			s += "  ingressClassName: " + class + "\n"
		}
		if tls {
			s += "  tls: [{hosts: [a.test], secretName: tls}]\n"
		}
		return s + "  rules: [{host: a.test, http: {paths: [{path: /a, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]}}]\n"
	}
	ur, rt, sr, fsr := "nginx.ingress.kubernetes.io/use-regex", "nginx.ingress.kubernetes.io/rewrite-target", "nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect"
	rows := []struct {
		name string
		in   string
		opt  Options
		want []string // op@annotation
	}{
		{"use-regex alone", ing("nginx", false, ur, "true"), Options{}, []string{"drop-annotation@" + ur, "flip-annotation@" + ur}},
		{"use-regex false: only the flip", ing("nginx", false, ur, "false"), Options{}, []string{"flip-annotation@" + ur}},
		{"use-regex implied by rewrite-target", ing("nginx", false, ur, "true", rt, "/$1"), Options{}, []string{"drop-annotation@" + rt, "rewrite-target-group@" + rt}},
		{"ssl-redirect without tls changes nothing", ing("nginx", false, sr, "false"), Options{}, nil},
		{"ssl-redirect true is the default with tls", ing("nginx", true, sr, "true"), Options{}, []string{"flip-annotation@" + sr}},
		{"ssl-redirect under force-ssl-redirect", ing("nginx", true, sr, "false", fsr, "true"), Options{}, []string{"drop-annotation@" + fsr, "flip-annotation@" + fsr}},
		{"force-ssl-redirect false", ing("nginx", false, fsr, "false"), Options{}, []string{"flip-annotation@" + fsr}},
		{"no class, default nginx", ing("", false, rt, "/"), Options{DefaultIngressClass: "nginx"}, []string{"drop-annotation@" + rt}},
		{"no class, default traefik", ing("", false, rt, "/"), Options{DefaultIngressClass: "traefik"}, nil},
		{"legacy annotation nginx", ing("", false, "kubernetes.io/ingress.class", "nginx", rt, "/"), Options{DefaultIngressClass: "traefik"}, []string{"drop-annotation@" + rt}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var got []string
			for _, m := range Generate(parseObjs(t, r.in), r.opt) {
				if k, ok := strings.CutPrefix(m.Path, `metadata.annotations["`); ok && m.Op != "move-namespace" {
					got = append(got, m.Op+"@"+strings.TrimSuffix(k, `"]`))
				}
			}
			if strings.Join(got, "\n") != strings.Join(r.want, "\n") {
				t.Errorf("mutants %q, want %q", got, r.want)
			}
		})
	}
	for in, want := range map[string]string{"/$2": "/$1", "/$1": "/$2", "/a/$1/$3": "/a/$1/$2", "/": "", "$9x": "$8x"} {
		got, ok := otherCaptureGroup(in)
		if got != want || ok != (want != "") {
			t.Errorf("otherCaptureGroup(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
