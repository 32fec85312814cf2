package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/probe"
)

// exampleLines returns the ckadlab command lines of a block of examples,
// without the program name and trailing comments.
func exampleLines(t *testing.T, block, prog string) [][]string {
	t.Helper()
	var out [][]string
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, prog+" ")
		if !ok {
			continue
		}
		if i := strings.Index(rest, " #"); i >= 0 {
			rest = rest[:i]
		}
		if strings.ContainsAny(rest, `'"$|><;&`) {
			t.Fatalf("example %q needs a shell; keep examples to plain words", line)
		}
		out = append(out, strings.Fields(rest))
	}
	return out
}

// readmeReachBlocks returns the shell blocks of README.md that run reach.
func readmeReachBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	parts := strings.Split(string(data), "```")
	for i := 1; i < len(parts); i += 2 {
		if strings.Contains(parts[i], "./ckadlab reach ") {
			out = append(out, parts[i])
		}
	}
	return out
}

// runExamples runs example command lines in order in a fresh folder and
// checks that each one succeeds and prints something.
func runExamples(t *testing.T, lines [][]string) map[string]string {
	t.Helper()
	home := t.TempDir()
	t.Chdir(t.TempDir())
	outs := map[string]string{}
	for _, args := range lines {
		out, errOut, code := run(t, home, args...)
		cmdline := strings.Join(args, " ")
		if code != 0 || strings.TrimSpace(out) == "" {
			t.Errorf("%s: exit %d\n%s%s", cmdline, code, out, errOut)
			continue
		}
		if slicesContains(args, "--json") {
			var v map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Errorf("%s: not JSON: %v\n%s", cmdline, err, out)
			}
		}
		outs[cmdline] = out
	}
	return outs
}

func slicesContains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestReachExamples: every reach example of README.md and of `reach
// --help` runs as printed (in order, in an empty folder).
func TestReachExamples(t *testing.T) {
	t.Run("README", func(t *testing.T) {
		blocks := readmeReachBlocks(t)
		if len(blocks) == 0 {
			t.Fatal("README.md has no reach examples")
		}
		n := 0
		for _, b := range blocks {
			lines := exampleLines(t, b, "./ckadlab")
			n += len(lines)
			outs := runExamples(t, lines)
			for cmd, out := range outs {
				if strings.Contains(cmd, "ip:10.0.0.99") && !strings.Contains(out, `"policy": "allowed"`) {
					t.Errorf("%s: no egress policy verdict:\n%s", cmd, out)
				}
				if strings.Contains(cmd, "/checkout") && !strings.HasPrefix(out, "✗ 404 no rule for host store.example.com path /checkout") {
					t.Errorf("%s: headline:\n%s", cmd, out)
				}
			}
		}
		if n < 3 {
			t.Errorf("only %d README reach examples found", n)
		}
	})
	t.Run("help", func(t *testing.T) {
		help, errOut, code := run(t, t.TempDir(), "reach", "--help")
		if code != 0 {
			t.Fatalf("reach --help: exit %d %s", code, errOut)
		}
		_, examples, ok := strings.Cut(help, "Examples:")
		if !ok {
			t.Fatalf("reach --help has no examples:\n%s", help)
		}
		examples, _, _ = strings.Cut(examples, "Flags:")
		lines := exampleLines(t, examples, "ckadlab")
		if len(lines) < 3 {
			t.Fatalf("only %d examples in reach --help", len(lines))
		}
		outs := runExamples(t, lines)
		for cmd, out := range outs {
			switch {
			case strings.Contains(cmd, "--from myproject/frontend"):
				if !strings.HasPrefix(out, "✓ allowed") || !strings.Contains(out, "ingress rule 1, peer 2 (namespaceSelector project=myproject AND podSelector role=frontend") {
					t.Errorf("%s:\n%s", cmd, out)
				}
			case strings.Contains(cmd, "ip:10.0.0.99"):
				if !strings.HasPrefix(out, "✗ Unreachable (egress allowed)") || !strings.Contains(out, "egress allowed by NetworkPolicy prod/test-network-policy egress rule 1, peer 1 (ipBlock 10.0.0.0/24 contains 10.0.0.99); nothing answers at 10.0.0.99 in this cluster") {
					t.Errorf("%s:\n%s", cmd, out)
				}
			case strings.Contains(cmd, "/cart"):
				if !strings.HasPrefix(out, "✓ 200 from store/cart-") {
					t.Errorf("%s:\n%s", cmd, out)
				}
			}
		}
	})
}

const reachShop = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec:
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: shop}
spec:
  selector: {app: nothing}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: traefik
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /empty, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
`

const reachAnnotated = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: shop
  annotations:
    traefik.ingress.kubernetes.io/router.pathmatcher: PathRegexp
spec:
  ingressClassName: traefik
  rules:
  - host: admin.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`

// TestReachHTTPHeadline: the HTTP status decides the first line of an
// HTTP probe; --json stays backward compatible and carries http_status.
func TestReachHTTPHeadline(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(reachShop), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "admin.yaml"), []byte(reachAnnotated), 0o644); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		to, path string
		head     string // prefix of the first line
		ok       bool
		status   int
		extra    string // substring of the output
	}{
		{to: "ingress:shop.example.com/", head: "✓ 200 from shop/web-1  external -> ingress:shop.example.com/", ok: true, status: 200},
		{to: "ingress:shop.example.com/empty", head: "✗ 503 no endpoints for Service shop/empty  external -> ingress:shop.example.com/empty", status: 503},
		{to: "ingress:other.example.com/x", head: "✗ 404 no rule for host other.example.com path /x  external -> ingress:other.example.com/x", status: 404},
		{to: "ingress:/x", head: "✗ 404 no rule for host (no Host header) path /x", status: 404},
		{to: "ingress:admin.example.com/", head: "✓ 200 from shop/web-1", ok: true, status: 200,
			extra: "  not graded: Ingress shop/admin sets traefik.ingress.kubernetes.io/router.pathmatcher, which the offline model does not simulate: this check cannot be graded offline (grade it on a live cluster)"},
	}
	for _, r := range rows {
		t.Run(r.to, func(t *testing.T) {
			home := t.TempDir()
			out, errOut, code := run(t, home, "reach", "-f", dir, "--from", "external", "--to", r.to)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.HasPrefix(out, r.head) {
				t.Errorf("first line:\n%s\nwant prefix %q", out, r.head)
			}
			if r.extra != "" && !strings.Contains(out, r.extra) {
				t.Errorf("output lacks %q:\n%s", r.extra, out)
			}
			out, _, code = run(t, home, "reach", "-f", dir, "--from", "external", "--to", r.to, "--json")
			var res map[string]any
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 {
				t.Fatalf("--json: exit %d %v\n%s", code, err, out)
			}
			for _, k := range []string{"allowed", "outcome", "reasons", "http_status"} {
				if _, ok := res[k]; !ok {
					t.Errorf("--json lacks %q: %s", k, out)
				}
			}
			if st, _ := res["http_status"].(float64); int(st) != r.status {
				t.Errorf("http_status %v, want %d", res["http_status"], r.status)
			}
			if r.extra != "" && res["ungradable"] == nil {
				t.Errorf("--json lacks ungradable: %s", out)
			}
		})
	}
	// A direct HTTP probe to a pod names the pod.
	out, errOut, code := run(t, t.TempDir(), "reach", "-f", dir, "--from", "ip:172.18.0.9", "--to", "shop/web-1", "--port", "8080", "--path", "/")
	if code != 0 || !strings.HasPrefix(out, "✓ 200 from shop/web-1  ip:172.18.0.9 -> shop/web-1:8080/TCP") {
		t.Errorf("exit %d %s\n%s", code, errOut, out)
	}
}

func TestReachVerdict(t *testing.T) {
	ing := probe.Spec{From: probe.Source{Kind: probe.FromExternal}, To: probe.Target{Kind: probe.ToIngress, Host: "shop.example.com", Path: "/api"}}
	pod := probe.Spec{To: probe.Target{Kind: probe.ToPod, Namespace: "shop", Name: "web-1"}}
	out := probe.Spec{To: probe.Target{Kind: probe.ToIP}}
	rows := []struct {
		name string
		res  probe.Result
		spec probe.Spec
		ok   bool
		word string
	}{
		{"200 through a Service", probe.Result{Allowed: true, Outcome: probe.Connected, HTTPStatus: 200, Backend: "shop/web-1"}, ing, true, "200 from shop/web-1"},
		{"200 from a pod", probe.Result{Allowed: true, Outcome: probe.Connected, HTTPStatus: 200}, pod, true, "200 from shop/web-1"},
		{"404 without a route", probe.Result{Allowed: true, Outcome: probe.Connected, HTTPStatus: 404}, ing, false, "404 no rule for host shop.example.com path /api"},
		{"404 from a backend", probe.Result{Allowed: true, Outcome: probe.Connected, HTTPStatus: 404, Backend: "shop/nginx-1"}, ing, false, "404 from shop/nginx-1"},
		{"503", probe.Result{Outcome: probe.Refused, HTTPStatus: 503, Service: "shop/web"}, ing, false, "503 no endpoints for Service shop/web"},
		{"503 for a missing Service", probe.Result{Outcome: probe.Refused, HTTPStatus: 503, NoBackend: "Service shop/webb does not exist"}, ing, false, "503 Service shop/webb does not exist"},
		{"503 reasons are not parsed", probe.Result{Outcome: probe.Refused, HTTPStatus: 503, Reasons: []string{"Refused: Traefik answers 503 Service Unavailable: Service shop/webb does not exist."}}, ing, false, "503 Service Unavailable"},
		{"503 without a reason", probe.Result{Outcome: probe.Refused, HTTPStatus: 503}, ing, false, "503 Service Unavailable"},
		{"502", probe.Result{Outcome: probe.Refused, HTTPStatus: 502, Service: "shop/web"}, ing, false, "502 connection to Service shop/web refused"},
		{"504", probe.Result{Outcome: probe.Denied, HTTPStatus: 504, Service: "shop/web"}, ing, false, "504 connection to Service shop/web timed out (dropped)"},
		{"400 from a TLS server", probe.Result{Allowed: true, Outcome: probe.Connected, HTTPStatus: 400, Backend: "shop/tls-1"}, ing, false, "400 from shop/tls-1"},
		{"200 that failed an expectation", probe.Result{Outcome: probe.HTTPError, HTTPStatus: 200, Backend: "shop/web-1"}, ing, false, "200 from shop/web-1"},
		{"unknown status", probe.Result{Outcome: probe.HTTPError, HTTPStatus: 500}, ing, false, "500 Internal Server Error"},
		{"no HTTP", probe.Result{Allowed: true, Outcome: probe.Connected}, pod, true, "allowed"},
		{"denied", probe.Result{Outcome: probe.Denied}, pod, false, "Denied"},
		{"outside, egress allowed", probe.Result{Outcome: probe.Unreachable, Policy: "allowed"}, out, false, "Unreachable (egress allowed)"},
		{"outside, egress denied", probe.Result{Outcome: probe.Unreachable, Policy: "denied"}, out, false, "Unreachable (egress denied)"},
		{"outside, not isolated", probe.Result{Outcome: probe.Unreachable, Policy: "not-isolated"}, out, false, "Unreachable (egress not isolated)"},
	}
	for _, r := range rows {
		ok, word := reachVerdict(r.res, r.spec)
		if ok != r.ok || word != r.word {
			t.Errorf("%s: %v %q, want %v %q", r.name, ok, word, r.ok, r.word)
		}
	}
}

// TestReachRefusesSpecialFiles: reach -f reads manifest files by the
// answers' rules: a FIFO is refused at once instead of blocking.
func TestReachRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan struct{})
	var stderr string
	var code int
	go func() {
		defer close(done)
		_, stderr, code = run(t, t.TempDir(), "reach", "-f", fifo, "--from", "external", "--to", "nodeport:30080")
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("reach -f FIFO still blocked after 20 s")
	}
	if code != ExitError || !strings.Contains(stderr, "pipe.yaml") || !strings.Contains(stderr, "not a regular file") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming the FIFO as not a regular file", code, stderr)
	}
}

// A near miss is printed before the reasons (and in --json).
func TestReachNearMiss(t *testing.T) {
	dir := t.TempDir()
	shop := reachShop + "---\napiVersion: v1\nkind: Service\nmetadata: {name: typo, namespace: shop}\nspec:\n  selector: {app: wbe}\n  ports: [{port: 80, targetPort: 8080}]\n"
	if err := os.WriteFile(filepath.Join(dir, "shop.yaml"), []byte(shop), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "near miss: Service shop/typo selects app=wbe: no pod has app=wbe; pods have app=web\n  - Refused"
	out, errOut, code := run(t, t.TempDir(), "reach", "-f", dir, "--from", "ip:172.18.0.9", "--to", "svc:shop/typo", "--port", "80")
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("exit %d %s\n%s\nwant %q", code, errOut, out, want)
	}
	out, _, _ = run(t, t.TempDir(), "reach", "-f", dir, "--from", "ip:172.18.0.9", "--to", "svc:shop/typo", "--port", "80", "--json")
	if !strings.Contains(out, `"near_misses": [`) {
		t.Errorf("--json lacks near_misses:\n%s", out)
	}
	out, _, _ = run(t, t.TempDir(), "reach", "-f", dir, "--from", "ip:172.18.0.9", "--to", "svc:shop/web", "--port", "80")
	if strings.Contains(out, "near miss") {
		t.Errorf("a near miss for the right Service:\n%s", out)
	}
}
