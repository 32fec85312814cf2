package cli

import (
	"strings"
	"testing"
)

func TestHintsLeft(t *testing.T) {
	tests := []struct {
		shown, total int
		want         string
	}{
		{0, 4, "4 hints: ckadlab show L --hints 1 shows the first"},
		{1, 4, "3 more hints: ckadlab show L --hints 2 shows the next"},
		{3, 4, "1 more hint: ckadlab show L --hints 4"},
		{4, 4, ""},
		{0, 1, "1 hint: ckadlab show L --hints 1"},
		{0, 0, ""},
	}
	for _, tt := range tests {
		if got := hintsLeft("L", tt.shown, tt.total); got != tt.want {
			t.Errorf("hintsLeft(%d, %d) = %q, want %q", tt.shown, tt.total, got, tt.want)
		}
	}
}

func TestLabArgumentMessages(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"check"}, "which lab? ckadlab check LAB, e.g. ckadlab check np-default-deny (ckadlab labs lists them)"},
		{[]string{"show"}, "which lab? ckadlab show LAB"},
		{[]string{"start"}, "which lab? ckadlab start LAB"},
		{[]string{"reset"}, "which lab? ckadlab reset LAB"},
		{[]string{"solution"}, "which lab? ckadlab solution LAB"},
		{[]string{"check", "a", "b"}, "ckadlab check takes one lab, got 2 (a b)"},
		{[]string{"show", "np-defualt-deny"}, `unknown lab "np-defualt-deny" (did you mean "np-default-deny"?)`},
		{[]string{"check", "egress-np"}, `unknown lab "egress-np" (did you mean "np-egress-dns"?)`},
		{[]string{"show", "svc-external"}, `unknown lab "svc-external": did you mean one of svc-externalip, svc-externalname? (ckadlab labs lists them)`},
		{[]string{"show", "zzz"}, `unknown lab "zzz" (` + "`ckadlab labs`" + ` lists them)`},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, home, append(tt.args, "--cluster", "offline")...)
		if code != ExitError || !strings.Contains(errOut, tt.want) {
			t.Errorf("ckadlab %s: exit %d, stderr %q; want %q", strings.Join(tt.args, " "), code, errOut, tt.want)
		}
	}
}

func TestShowHintsFooter(t *testing.T) {
	home := t.TempDir()
	out, _, _ := run(t, home, "show", "np-default-deny", "--hints", "1", "--cluster", "offline")
	if !strings.Contains(out, "3 more hints: ckadlab show np-default-deny --hints 2 shows the next") || strings.Contains(out, "hint(s) available") {
		t.Errorf("after --hints 1:\n%s", out)
	}
	out, _, _ = run(t, home, "show", "np-default-deny", "--hints", "4", "--cluster", "offline")
	if strings.Contains(out, "more hint") || !strings.Contains(out, "Hint 4/4") {
		t.Errorf("after every hint:\n%s", out)
	}
}

func TestGetDescribeOffline(t *testing.T) {
	home := t.TempDir()
	// No lab started and none named.
	if _, errOut, code := run(t, home, "get", "pods", "--cluster", "offline"); code != ExitError || !strings.Contains(errOut, "no lab is started: name one with --lab LAB") {
		t.Fatalf("get without a lab: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(t, home, "get", "--cluster", "offline"); code != ExitError || !strings.Contains(errOut, "name a kind to list") {
		t.Fatalf("get without a kind: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(t, home, "start", "np-test-network-policy", "--cluster", "offline", "--variant", "0"); code != 0 {
		t.Fatalf("start: %s", errOut)
	}
	out, errOut, code := run(t, home, "get", "po", "-n", "prod", "--show-labels", "--cluster", "offline")
	if code != 0 || !strings.Contains(errOut, "lab np-test-network-policy (offline): its setup and 0 answer object(s)") {
		t.Fatalf("get pods: exit %d, %s", code, errOut)
	}
	if !strings.HasPrefix(out, "NAME ") || !strings.Contains(out, "Running") || !strings.Contains(out, "role=db") {
		t.Errorf("get pods -n prod --show-labels:\n%s", out)
	}
	// The reference solution written into the workspace is what describe shows.
	if _, errOut, code := run(t, home, "solution", "np-test-network-policy", "--write", workspaceOf(home, "np-test-network-policy"), "--cluster", "offline"); code != 0 {
		t.Fatalf("solution --write: %s", errOut)
	}
	out, errOut, code = run(t, home, "describe", "netpol", "test-network-policy", "-n", "prod", "--cluster", "offline")
	if code != 0 || !strings.Contains(out, "PodSelector:     role=db") || !strings.Contains(out, "Allowing ingress traffic:") {
		t.Errorf("describe netpol: exit %d, %s\n%s", code, errOut, out)
	}
	if _, errOut, code := run(t, home, "describe", "netpol", "nope", "-n", "prod", "--cluster", "offline"); code != ExitError || !strings.Contains(errOut, `networkpolicies "nope" not found`) {
		t.Errorf("describe missing: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(t, home, "get", "widgets", "--cluster", "offline"); code != ExitError || !strings.Contains(errOut, `doesn't have a resource type "widgets"`) {
		t.Errorf("unknown kind: exit %d, %s", code, errOut)
	}
	// A live cluster: use kubectl.
	if _, errOut, code := run(t, home, "get", "pods", "--cluster", "context:kind-ckadlab"); code != ExitError || !strings.Contains(errOut, `use kubectl there (eval "$(ckadlab env)")`) {
		t.Errorf("live: exit %d, %s", code, errOut)
	}
}

// TestGetDescribeUseTheLabNamespace: without -n, get and describe look
// in the lab's namespace, as kubectl does live (the lab's kube context
// names it); -n still chooses another.
func TestGetDescribeUseTheLabNamespace(t *testing.T) {
	home := t.TempDir()
	if _, errOut, code := run(t, home, "start", "np-test-network-policy", "--cluster", "offline", "--variant", "0"); code != 0 {
		t.Fatalf("start: %s", errOut)
	}
	out, errOut, code := run(t, home, "get", "pods", "--show-labels", "--cluster", "offline")
	if code != 0 || !strings.Contains(out, "role=db") {
		t.Errorf("get pods without -n: exit %d, %s\n%s", code, errOut, out)
	}
	out, errOut, code = run(t, home, "get", "pods", "-n", "default", "--cluster", "offline")
	if code != 0 || strings.Contains(out, "role=db") || !strings.Contains(errOut, "No resources found in default namespace.") {
		t.Errorf("get pods -n default: exit %d, %s\n%s", code, errOut, out)
	}
	if _, errOut, code := run(t, home, "solution", "np-test-network-policy", "--write", workspaceOf(home, "np-test-network-policy"), "--cluster", "offline"); code != 0 {
		t.Fatalf("solution --write: %s", errOut)
	}
	out, errOut, code = run(t, home, "describe", "netpol", "test-network-policy", "--cluster", "offline")
	if code != 0 || !strings.Contains(out, "Namespace:    prod") {
		t.Errorf("describe without -n: exit %d, %s\n%s", code, errOut, out)
	}
	// Another lab named with --lab: its namespace.
	out, errOut, code = run(t, home, "get", "svc", "--lab", "svc-fix-selector", "--cluster", "offline")
	if code != 0 || !strings.Contains(out, "helpdesk") {
		t.Errorf("get svc --lab svc-fix-selector: exit %d, %s\n%s", code, errOut, out)
	}
}

// workspaceOf is the workspace folder of a lab under a test home.
func workspaceOf(home, lab string) string {
	return home + "/data/ckadlab/workspace/" + lab
}

func TestStartOfflineSuggestsNoService(t *testing.T) {
	out, errOut, code := run(t, t.TempDir(), "start", "np-default-deny", "--cluster", "offline")
	if code != 0 {
		t.Fatal(errOut)
	}
	if strings.Contains(out, "create service") || !strings.Contains(out, "ckadlab get all -n secure") {
		t.Errorf("start np-default-deny offline:\n%s", out)
	}
}
