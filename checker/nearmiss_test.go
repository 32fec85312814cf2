package checker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// TestNearMissesInLabs: the built-in labs' wrong answers that put the
// right object a small step away get it named first; the reference
// solution, the other correct answers and the untouched setup get no near
// miss (but the setup of a lab whose task is to fix a near miss, which is
// one).
func TestNearMissesInLabs(t *testing.T) {
	// Troubleshooting labs whose broken setup is itself a near miss.
	setupIsNearMiss := map[string]bool{
		"svc-fix-selector":       true, // a selector one label off
		"svc-wrong-namespace":    true, // the Service in the clients' namespace
		"svc-named-port-missing": true, // a named targetPort no container declares, one name off
	}
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*labs.Lab{}
	for _, l := range all {
		byID[l.ID] = l
	}
	grade := func(t *testing.T, l *labs.Lab, name, yaml string) *checker.Report {
		t.Helper()
		b, err := session.OfflineOpener(context.Background(), l, name, yaml)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := checker.Run(context.Background(), l, b, checker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	tests := []struct{ lab, wrong, check, first string }{
		{"np-test-network-policy", "docs-namespace", "policy-selects-db", "NetworkPolicy default/test-network-policy exists, but in namespace default, not prod: apply it with -n prod"},
		{"np-test-network-policy", "docs-namespace", "prod-frontend-denied", "NetworkPolicy default/test-network-policy selects role=db pods of namespace default only: apply it with -n prod"},
		{"np-port-not-service-port", "service-port-80", "reporter-by-name", "NetworkPolicy inventory/stock-allow-reporter allows TCP/80, the port of Service inventory/stock"},
		{"svc-clusterip-discovery", "selector-typo", "reach-clusterip", "Service shop/catalog selects app=catalogue: no pod has app=catalogue; pods have app=catalog"},
		{"svc-clusterip-discovery", "created-in-default-namespace", "reach-fqdn", "Service default/catalog exists, but in namespace default, not shop: apply it with -n shop"},
		{"ing-host-routing", "shop-in-default-namespace", "shop-cart", "Ingress default/shop names Service shop, which exists in namespace hosting only"},
		{"svc-named-targetport", "udp-port-without-protocol", "reach-udp", "Service billing/invoice port echo (5353/TCP) targets the port named echo, but its pods declare echo (8081/UDP): set protocol: UDP on the Service port"},
	}
	for _, tt := range tests {
		t.Run(tt.lab+"/"+tt.wrong+"/"+tt.check, func(t *testing.T) {
			l := byID[tt.lab]
			if l == nil {
				t.Fatalf("no lab %s", tt.lab)
			}
			var yaml string
			for _, w := range l.Wrong {
				if w.Name == tt.wrong {
					yaml = w.Manifests
				}
			}
			if yaml == "" {
				t.Fatalf("lab %s has no wrong answer %s", tt.lab, tt.wrong)
			}
			for _, r := range grade(t, l, tt.wrong, yaml).Checks {
				if r.ID != tt.check {
					continue
				}
				lines, _ := r.Brief()
				if r.Passed || len(lines) == 0 || !strings.HasPrefix(lines[0], tt.first) || !strings.HasPrefix(r.Explanation()[0], tt.first) {
					t.Errorf("explanation does not start with %q:\n  %s", tt.first, strings.Join(r.Explanation(), "\n  "))
				}
				return
			}
			t.Fatalf("no check %s", tt.check)
		})
	}
	for _, l := range all {
		answers := map[string]string{"blank answer": "", "solution": l.Solution.Manifests}
		for _, c := range l.Correct {
			answers["correct answer "+c.Name] = c.Manifests
		}
		for name, yaml := range answers {
			if name == "blank answer" && setupIsNearMiss[l.ID] {
				continue
			}
			for _, r := range grade(t, l, name, yaml).Checks {
				if r.Probe != nil && len(r.Probe.NearMisses) > 0 {
					t.Errorf("%s: %s: check %s: near misses %q", l.ID, name, r.ID, r.Probe.NearMisses)
				}
				if strings.Contains(r.Why, "exists, but in namespace") {
					t.Errorf("%s: %s: check %s: %s", l.ID, name, r.ID, r.Why)
				}
			}
		}
	}
}
