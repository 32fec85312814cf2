package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/probe"
	"github.com/ckadlab/ckadlab/session"
)

// matrixSetup: 9 pods in 3 namespaces under policies that make the 9×9
// matrix a mix of allowed and denied cells (namespace and pod selectors,
// AND within an item, a port restriction, an egress policy with DNS).
func matrixSetup() string {
	var b strings.Builder
	for _, team := range []string{"a", "b", "c"} {
		fmt.Fprintf(&b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mx-%s\n  labels:\n    team: %s\n---\n", team, team)
		for _, role := range []string{"web", "api", "db"} {
			fmt.Fprintf(&b, `apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: mx-%s
  labels:
    role: %s
spec:
  containers:
  - name: agnhost
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
    ports:
    - containerPort: 8080
---
`, role, team, role)
		}
	}
	b.WriteString(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-from-web
  namespace: mx-a
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchLabels:
          role: web
    ports:
    - port: 8080
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-from-team-a-api
  namespace: mx-b
spec:
  podSelector:
    matchLabels:
      role: db
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          team: a
      podSelector:
        matchLabels:
          role: api
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-egress-to-b
  namespace: mx-c
spec:
  podSelector:
    matchLabels:
      role: web
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          team: b
  - ports:
    - port: 53
      protocol: UDP
`)
	return b.String()
}

// matrixLab writes a lab pack with one lab whose 72 checks are the 9×9
// matrix (loopback cells left out), each expecting what the offline model
// predicts for the setup.
func matrixLab(t *testing.T, dir string) (string, int, int) {
	t.Helper()
	setupYAML := matrixSetup()
	setup, err := manifest.Decode("matrix setup", []byte(setupYAML))
	if err != nil {
		t.Fatal(err)
	}
	off, err := session.NewOffline(setup, nil, "mx-a")
	if err != nil {
		t.Fatal(err)
	}
	var pods []string
	for _, team := range []string{"a", "b", "c"} {
		for _, role := range []string{"web", "api", "db"} {
			pods = append(pods, "mx-"+team+"/"+role)
		}
	}
	var checks strings.Builder
	n, allowed := 0, 0
	for _, from := range pods {
		for _, to := range pods {
			if from == to {
				continue
			}
			src, _ := probe.ParseSource(from)
			dst, _ := probe.ParseTarget(to)
			r, err := off.Probe(context.Background(), probe.Spec{From: src, To: dst, Port: probe.Port{Number: 8080}, Protocol: probe.TCP})
			if err != nil {
				t.Fatal(err)
			}
			expect := "deny"
			if r.Allowed {
				expect, allowed = "allow", allowed+1
			}
			n++
			fmt.Fprintf(&checks, "\n[[checks]]\nid = %q\npoints = 1\ndescription = %q\nrequires = [\"answered\"]\n[checks.probe]\nfrom = %q\nto = %q\nport = 8080\nexpect = %q\n",
				fmt.Sprintf("c%02d", n), from+" -> "+to, from, to, expect)
		}
	}
	lab := fmt.Sprintf(`id = "matrix-9x9"
title = "NetworkPolicy matrix, 9 pods"
domain = "networkpolicy"
difficulty = "hard"
points = %d
minutes = 5
tags = ["matrix"]
namespace = "mx-a"
task = "Every pod to every other pod on 8080."
hints = ["Read the policies."]

[setup]
manifests = '''
%s'''

[solution]
commands = ["kubectl -n mx-a create configmap answered"]
manifests = '''
%s'''

[[wrong]]
name = "other"
description = "Another ConfigMap."
manifests = '''
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  namespace: mx-a
'''
fails = ["answered"]

[[checks]]
id = "answered"
points = 1
description = "ConfigMap mx-a/answered exists (the matrix checks need it, so that the untouched setup scores 0)"
[checks.resource]
kind = "ConfigMap"
name = "answered"
%s`, n+1, setupYAML, matrixAnswer, checks.String())
	if err := os.WriteFile(filepath.Join(dir, "matrix.toml"), []byte(lab), 0o644); err != nil {
		t.Fatal(err)
	}
	return "matrix-9x9", n, allowed
}

// matrixAnswer is the matrix lab's answer: the lab is a pack that `lint`
// (and so --labs) accepts, so its untouched setup must score 0.
const matrixAnswer = `apiVersion: v1
kind: ConfigMap
metadata:
  name: answered
  namespace: mx-a
`

// TestPolicyMatrix grades a 9×9 NetworkPolicy matrix through the CLI on
// the live cluster (--cluster context:kind-NAME): start, three checks
// (timed, with the peak memory of the ckadlab process), reset.
func TestPolicyMatrix(t *testing.T) {
	c := need(t)
	pack := t.TempDir()
	id, n, allowed := matrixLab(t, pack)
	t.Logf("matrix: %d cells, %d allowed by the model", n, allowed)
	if allowed == 0 || allowed == n {
		t.Fatalf("the matrix should mix allowed and denied cells (%d of %d allowed)", allowed, n)
	}
	home := t.TempDir()
	env := []string{"KUBECONFIG=" + suite.opts.Kubeconfig}
	args := func(a ...string) []string {
		return append([]string{"--cluster", "context:" + c.Context, "--labs", pack}, a...)
	}
	r := runCLI(t, home, env, args("start", id, "--json")...)
	if r.code != 0 {
		t.Fatalf("start: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	record("lab start (ckadlab start, 9 pods)", r.wall)
	answer := t.TempDir()
	if err := os.WriteFile(filepath.Join(answer, "answer.yaml"), []byte(matrixAnswer), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same checks with a command per probe (CKADLAB_PROBE_AGENT=off,
	// the way probes ran before the probe agent), then with the agent:
	// the before and after figures of one run (the slow before figure
	// once: it is there to compare).
	for i := 0; i < 4; i++ {
		how, runEnv := "agent", env
		if i < 1 {
			how, runEnv = "commands", append(slices.Clone(env), "CKADLAB_PROBE_AGENT=off")
		}
		cpu0 := nodeCPU(t)
		r = runCLI(t, home, runEnv, args("check", id, "--json", "--answers", answer)...)
		if cpu := nodeCPU(t) - cpu0; cpu0 > 0 {
			record("9x9 matrix check: node CPU seconds, "+how, cpu)
		}
		if r.code != 0 {
			t.Errorf("check: exit %d\n%s", r.code, r.stderr)
		}
		var rep checker.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("check --json: %v\n%s", err, r.stdout)
		}
		record("9x9 matrix check (ckadlab check, wall), "+how, r.wall)
		record("9x9 matrix check (grading only), "+how, rep.Duration)
		if r.maxRSSKiB <= 0 {
			t.Errorf("no peak memory figure for the check")
		} else {
			recordMem("ckadlab check peak RSS (9x9 matrix), "+how, r.maxRSSKiB)
		}
		for _, ch := range rep.Checks {
			if ch.ID == "answered" && ch.Passed {
				continue
			}
			if !ch.Passed || ch.Probe == nil || ch.Probe.Disagrees {
				t.Errorf("check %s (%s): passed=%v observed %s; model %s", ch.ID, ch.Description, ch.Passed, ch.Observed, predictionOf(ch))
			}
		}
		if rep.Score != n+1 || rep.Max != n+1 {
			t.Errorf("score %d/%d, want %d/%d", rep.Score, rep.Max, n+1, n+1)
		}
	}
	r = runCLI(t, home, env, args("reset", id, "--json")...)
	if r.code != 0 {
		t.Fatalf("reset: exit %d\n%s", r.code, r.stderr)
	}
	record("lab reset (ckadlab reset)", r.wall)
	start := time.Now()
	if err := waitNamespacesGone(context.Background(), c.Clients, []string{"mx-a", "mx-b", "mx-c"}, 60*time.Second); err != nil {
		t.Error(err)
	}
	record("lab reset: namespaces gone after the command", time.Since(start))
	// A check after the reset says the lab is not set up instead of
	// grading empty namespaces.
	r = runCLI(t, home, env, args("check", id)...)
	if r.code == 0 || !strings.Contains(r.stderr, "lab not started on this cluster") || !strings.Contains(r.stderr, "ckadlab start "+id) {
		t.Errorf("check after reset: exit %d, want an error that the lab is not set up\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// nodeCPU is the CPU time the kind node container has used so far (its
// cgroup's usage: cgroup v2 cpu.stat, or v1 cpuacct.usage), 0 when it
// cannot be read.
func nodeCPU(t *testing.T) time.Duration {
	out, err := exec.Command("docker", "exec", suite.opts.Name+"-control-plane", "sh", "-c",
		"cat /sys/fs/cgroup/cpu.stat 2>/dev/null || echo cpuacct $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage)").Output()
	if err != nil {
		t.Logf("node CPU: %v", err)
		return 0
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			if us, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Duration(us) * time.Microsecond
			}
		}
		if v, ok := strings.CutPrefix(line, "cpuacct "); ok {
			if ns, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Duration(ns)
			}
		}
	}
	return 0
}

func predictionOf(ch checker.Result) string {
	if ch.Probe == nil {
		return ""
	}
	return ch.Probe.Prediction
}
