package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the CLI with a private XDG home and returns its output.
func run(t *testing.T, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("NO_COLOR", "1")
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestLabsJSONShape(t *testing.T) {
	out, errOut, code := run(t, t.TempDir(), "labs", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("labs --json is not an array of objects: %v\n%s", err, out)
	}
	if len(rows) < 12 {
		t.Fatalf("%d labs listed", len(rows))
	}
	for _, k := range []string{"id", "title", "domain", "points"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("labs --json rows lack %q: %v", k, rows[0])
		}
	}
	out, _, code = run(t, t.TempDir(), "labs", "--json", "--domain", "ingress")
	if code != 0 {
		t.Fatal("filter failed")
	}
	rows = nil
	json.Unmarshal([]byte(out), &rows)
	for _, r := range rows {
		if r["domain"] != "ingress" {
			t.Fatalf("--domain ingress listed %v", r)
		}
	}
	if _, errOut, code := run(t, t.TempDir(), "labs", "--domain", "storage"); code != ExitError || !strings.Contains(errOut, "want services, ingress or networkpolicy") {
		t.Fatalf("bad domain: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(t, t.TempDir(), "labs", "--difficulty", "bogus"); code != ExitError || !strings.Contains(errOut, "want easy, medium, hard") {
		t.Fatalf("bad difficulty: exit %d, %s", code, errOut)
	}
	if out, errOut, code := run(t, t.TempDir(), "labs", "--difficulty", "Hard"); code != 0 || !strings.Contains(out, "hard") {
		t.Fatalf("--difficulty Hard: exit %d, %s", code, errOut)
	}
}

func TestStartCheckResetFlow(t *testing.T) {
	home := t.TempDir()
	lab := firstLab(t, home)
	if _, errOut, code := run(t, home, "check", lab); code != ExitError || !strings.Contains(errOut, "not started") {
		t.Fatalf("check before start: exit %d, %s", code, errOut)
	}
	out, errOut, code := run(t, home, "start", lab, "--json")
	if code != 0 {
		t.Fatalf("start: exit %d: %s", code, errOut)
	}
	var info struct{ Workspace string }
	if err := json.Unmarshal([]byte(out), &info); err != nil || info.Workspace == "" {
		t.Fatalf("start --json: %v %s", err, out)
	}
	// The untouched setup fails.
	out, _, code = run(t, home, "check", lab, "--json")
	if code != ExitFailed {
		t.Fatalf("blank answer: exit %d, want %d\n%s", code, ExitFailed, out)
	}
	var rep struct {
		Lab    string
		Score  int
		Max    int
		Checks []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Lab != lab || rep.Max == 0 || rep.Score == rep.Max || len(rep.Checks) == 0 {
		t.Fatalf("report: %+v", rep)
	}
	for _, k := range []string{"id", "passed", "points", "expected", "observed", "why"} {
		if _, ok := rep.Checks[0][k]; !ok {
			t.Errorf("check --json checks lack %q", k)
		}
	}
	// The reference solution, written into the workspace, passes.
	if _, errOut, code := run(t, home, "solution", lab, "--write", info.Workspace); code != 0 {
		t.Fatalf("solution --write: %s", errOut)
	}
	if _, errOut, code := run(t, home, "solution", lab, "--write", info.Workspace); code != ExitError || !strings.Contains(errOut, "not overwriting") {
		t.Fatalf("second --write must refuse: %d %s", code, errOut)
	}
	out, errOut, code = run(t, home, "check", lab)
	if code != 0 {
		t.Fatalf("solution does not pass: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "all checks passed") || !strings.Contains(out, "✓") {
		t.Fatalf("text report: %s", out)
	}
	out, _, _ = run(t, home, "labs", "--json")
	if !strings.Contains(out, `"status": "passed"`) {
		t.Fatalf("progress not recorded:\n%s", out)
	}
	out, _, code = run(t, home, "reset", lab)
	if code != 0 || !strings.Contains(out, "moved to") {
		t.Fatalf("reset: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(info.Workspace, "solution.yaml")); !os.IsNotExist(err) {
		t.Fatal("reset left the answer in place")
	}
}

func TestCheckReportsBadYAMLWithFileName(t *testing.T) {
	home := t.TempDir()
	lab := firstLab(t, home)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "answer.yaml"), []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels: {env: yes}\n"), 0o644)
	_, errOut, code := run(t, home, "check", lab, "--answers", dir)
	if code != ExitError || !strings.Contains(errOut, "answer.yaml") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestUnknownLabSuggests(t *testing.T) {
	home := t.TempDir()
	lab := firstLab(t, home)
	_, errOut, code := run(t, home, "show", lab[:len(lab)-1])
	if code != ExitError || !strings.Contains(errOut, lab) {
		t.Fatalf("exit %d, stderr %q (want a suggestion of %s)", code, errOut, lab)
	}
}

func TestClusterFlag(t *testing.T) {
	home := t.TempDir()
	lab := firstLab(t, home)
	if _, errOut, code := run(t, home, "--cluster", "bogus", "start", lab); code != ExitError || !strings.Contains(errOut, "want auto, offline") {
		t.Fatalf("bad --cluster: %d %s", code, errOut)
	}
	if _, errOut, code := run(t, home, "--cluster", "offline", "start", lab); code != 0 {
		t.Fatalf("--cluster offline: %d %s", code, errOut)
	}
	// $CKADLAB_CLUSTER is the default; the flag still wins.
	t.Setenv(ClusterEnv, "bogus")
	if _, errOut, code := run(t, home, "start", lab); code != ExitError || !strings.Contains(errOut, `"bogus"`) {
		t.Fatalf("$%s=bogus: %d %s", ClusterEnv, code, errOut)
	}
	if out, errOut, code := run(t, home, "--cluster", "offline", "start", lab, "--json"); code != 0 || !strings.Contains(out, `"cluster": "offline"`) {
		t.Fatalf("--cluster offline over $%s: %d %s%s", ClusterEnv, code, out, errOut)
	}
	t.Setenv(ClusterEnv, "offline")
	if out, errOut, code := run(t, home, "start", lab, "--json"); code != 0 || !strings.Contains(out, `"cluster": "offline"`) || strings.Contains(errOut, "using the built-in offline cluster") {
		t.Fatalf("$%s=offline: %d %s%s", ClusterEnv, code, out, errOut)
	}
}

func TestReach(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "app.yaml")
	os.WriteFile(f, []byte(reachFixture), 0o644)
	home := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		allowed bool
		backend string
		reason  string
	}{
		{"client reaches db through the service", []string{"--from", "prod/client", "--to", "svc:prod/db", "--port", "6379"}, true, "prod/db", ""},
		{"stranger is denied by the policy", []string{"--from", "prod/stranger", "--to", "svc:prod/db", "--port", "6379"}, false, "", "db-allow-client"},
		{"pod IP from outside is unreachable", []string{"--from", "external", "--to", "prod/db", "--port", "6379"}, false, "", "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"reach", "-f", f, "--json"}, tt.args...)
			out, errOut, code := run(t, home, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var res struct {
				Allowed bool
				Backend string
				Reasons []string
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			if res.Allowed != tt.allowed || res.Backend != tt.backend || len(res.Reasons) == 0 {
				t.Fatalf("got %+v", res)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(res.Reasons, "\n"), tt.reason) {
				t.Fatalf("reasons lack %q: %v", tt.reason, res.Reasons)
			}
		})
	}
	if _, errOut, code := run(t, home, "reach", "-f", f, "--from", "nope", "--to", "svc:prod/db", "--port", "1"); code != ExitError || !strings.Contains(errOut, "--from") {
		t.Fatalf("bad --from: %d %s", code, errOut)
	}
}

func TestLintBuiltinAndBroken(t *testing.T) {
	home := t.TempDir()
	out, errOut, code := run(t, home, "lint", "--json")
	if code != 0 {
		t.Fatalf("built-in labs do not lint clean: %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		Labs     int `json:"labs"`
		Mutation []struct {
			Lab      string `json:"lab"`
			Variant  uint64 `json:"variant"`
			Mutants  int    `json:"mutants"`
			Survived int    `json:"survived"`
		} `json:"mutation"`
		Variants []struct {
			Lab      string   `json:"lab"`
			Variants int      `json:"variants"`
			Proved   []uint64 `json:"proved"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// One mutation report per proved variant of each lab: variant 0, and
	// at least 5 variants of a lab with parameters.
	reports := map[string]int{}
	for _, m := range rep.Mutation {
		reports[m.Lab]++
	}
	parameterized := 0
	for _, v := range rep.Variants {
		if reports[v.Lab] != len(v.Proved) || len(v.Proved) == 0 || v.Proved[0] != 0 {
			t.Errorf("%s: %d mutation reports, proved variants %v", v.Lab, reports[v.Lab], v.Proved)
		}
		if v.Variants > 1 {
			parameterized++
			if len(v.Proved) < 5 {
				t.Errorf("%s: %d variants, only %v proved", v.Lab, v.Variants, v.Proved)
			}
		}
	}
	if len(rep.Variants) != rep.Labs || len(reports) != rep.Labs || parameterized < 4 {
		t.Fatalf("variants of %d labs, mutation reports of %d, of %d labs (%d with parameters)", len(rep.Variants), len(reports), rep.Labs, parameterized)
	}
	for _, m := range rep.Mutation {
		if m.Mutants == 0 || m.Survived != 0 {
			t.Errorf("%s: %d mutants, %d survived", m.Lab, m.Mutants, m.Survived)
		}
	}
	if text, _, _ := run(t, home, "lint", "--mutants"); !strings.Contains(text, "total: 100.0%") || !strings.Contains(text, "killed     ") {
		t.Errorf("lint --mutants text lacks the score or the mutant list:\n%.2000s", text)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.toml"), []byte("id = \"bad\"\ntitle = \"x\"\nbogus = 1\n"), 0o644)
	out, _, code = run(t, home, "lint", dir)
	if code != ExitFailed || !strings.Contains(out, "bad.toml:3:") {
		t.Fatalf("lint of a broken lab: exit %d\n%s", code, out)
	}
}

func firstLab(t *testing.T, home string) string {
	t.Helper()
	out, errOut, code := run(t, home, "labs", "--json")
	if code != 0 {
		t.Fatalf("labs: %s", errOut)
	}
	var rows []struct{ ID string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) == 0 {
		t.Fatalf("labs --json: %v", err)
	}
	return rows[0].ID
}

const reachFixture = `apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
spec:
  containers:
  - name: db
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=6379"]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: prod, labels: {role: client}}
spec:
  containers:
  - name: c
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
---
apiVersion: v1
kind: Pod
metadata: {name: stranger, namespace: prod, labels: {role: stranger}}
spec:
  containers:
  - name: c
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: prod}
spec:
  selector: {app: db}
  ports: [{port: 6379}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-allow-client, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: client}}}]
    ports: [{port: 6379}]
`
