package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two workspace files defining the same object stop check with a clear
// error (exit 2), with or without --json.
func TestCheckRefusesDuplicateObjects(t *testing.T) {
	home := t.TempDir()
	const lab = "np-default-deny"
	l := builtinLabs(t)[lab]
	if _, errOut, code := run(t, home, "start", lab, "--variant", "0"); code != 0 {
		t.Fatalf("start: %s", errOut)
	}
	ws := filepath.Join(home, "data", "ckadlab", "workspace", lab)
	// The policy once with its namespace, once without (the lab's).
	fix := strings.Replace(l.Solution.Manifests, "namespace: secure", "", 1)
	if fix == l.Solution.Manifests {
		t.Fatal("the solution does not name its namespace")
	}
	os.WriteFile(filepath.Join(ws, "answer.yaml"), []byte(l.Solution.Manifests), 0o644)
	os.WriteFile(filepath.Join(ws, "fix.yaml"), []byte(fix), 0o644)
	for _, args := range [][]string{{"check", lab}, {"check", lab, "--json"}} {
		errOut, code := runErr(t, home, args...)
		if code != ExitError ||
			!strings.Contains(errOut, "NetworkPolicy secure/default-deny-ingress is defined twice: answer.yaml (document 1") ||
			!strings.Contains(errOut, "and fix.yaml (document 1") || !strings.Contains(errOut, "keep one") {
			t.Fatalf("%v: exit %d\n%q", args, code, errOut)
		}
	}
	// Kept under .trash/ by hand, the copy is not read.
	os.MkdirAll(filepath.Join(ws, ".trash"), 0o755)
	if err := os.Rename(filepath.Join(ws, "fix.yaml"), filepath.Join(ws, ".trash", "fix.yaml")); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, home, "check", lab); code != 0 {
		t.Fatalf("after setting the copy aside: exit %d\n%s%s", code, out, errOut)
	}
	// The stats show the one graded attempt only.
	if out, _, _ := run(t, home, "stats", "--json"); !strings.Contains(out, `"attempts": 1,`) {
		t.Fatalf("stats:\n%s", out)
	}
}

// A failed Ingress check leads with its cause and folds the path (the
// controller's load balancer, kube-proxy, policies that decided nothing);
// --why-full prints it all, and --json carries both.
func TestCheckFoldsThePath(t *testing.T) {
	home := t.TempDir()
	const lab = "ing-path-routing"
	l := builtinLabs(t)[lab]
	dir := t.TempDir()
	wrong := strings.Replace(l.Solution.Manifests, "name: catalog\n", "name: catalgo\n", 1)
	if wrong == l.Solution.Manifests {
		t.Fatal("the solution names no Service catalog")
	}
	os.WriteFile(filepath.Join(dir, "answer.yaml"), []byte(wrong), 0o644)
	const cause = "decided by class nginx"
	const path = "kube-proxy masquerades"
	out, errOut, code := run(t, home, "check", lab, "--cluster", "offline", "--answers", dir)
	if code != ExitFailed || !strings.Contains(out, cause) || strings.Contains(out, path) || !strings.Contains(out, "more line(s) of the path: --why-full)") {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, home, "check", lab, "--cluster", "offline", "--answers", dir, "--why-full")
	if code != ExitFailed || !strings.Contains(out, cause) || !strings.Contains(out, path) || strings.Contains(out, "--why-full)") {
		t.Fatalf("check --why-full: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = run(t, home, "check", lab, "--cluster", "offline", "--answers", dir, "--json")
	if !strings.Contains(out, `"cause": [`) || !strings.Contains(out, path) {
		t.Fatalf("check --json lacks the cause or the path:\n%s", out)
	}
}
