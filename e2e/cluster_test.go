package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/probe"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestDockerDown: with the daemon unreachable, preflight, Up and the CLI
// say so plainly, with the fix.
func TestDockerDown(t *testing.T) {
	if !suite.enabled {
		t.Skipf("set %s=1 to run the live e2e tests (needs Docker)", envGate)
	}
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/ckadlab-e2e/docker.sock")
	ctx := context.Background()
	_, err := kind.Preflight(ctx)
	var pe *kind.PreflightError
	if !errors.As(err, &pe) || !errors.Is(err, kind.ErrNoDocker) || !strings.Contains(err.Error(), "Docker daemon is not running") || !strings.Contains(err.Error(), "--cluster offline") {
		t.Fatalf("preflight with the daemon down: %v", err)
	}
	if _, _, err := kind.Up(ctx, kind.Options{Name: "ckadlab-e2e-nodocker", StateDir: t.TempDir()}); !errors.Is(err, kind.ErrNoDocker) {
		t.Fatalf("Up with the daemon down: %v", err)
	}
	home := t.TempDir()
	r := runCLI(t, home, []string{"DOCKER_HOST=unix:///nonexistent/ckadlab-e2e/docker.sock"}, "cluster", "up", "--name", "ckadlab-e2e-nodocker")
	if r.code != 2 || !strings.Contains(r.stderr, "the Docker daemon is not running") {
		t.Fatalf("cluster up with the daemon down: exit %d\n%s", r.code, r.stderr)
	}
	// auto falls back to the offline cluster with a one-line notice.
	r = runCLI(t, home, []string{"DOCKER_HOST=unix:///nonexistent/ckadlab-e2e/docker.sock"}, "env")
	if r.code != 2 || !strings.Contains(r.stderr, "offline cluster") {
		t.Fatalf("env with the daemon down: exit %d\n%s", r.code, r.stderr)
	}
}

// TestClusterReuse: a second Up reuses the cluster in seconds; the CLI
// reports it as JSON, prints the environment and the status.
func TestClusterReuse(t *testing.T) {
	c := need(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		start := time.Now()
		_, res, err := kind.Up(ctx, suite.opts)
		if err != nil {
			t.Fatal(err)
		}
		record("cluster reuse (library)", time.Since(start))
		if res.Action != "reused" || res.Context != "kind-"+suite.opts.Name || res.NodeAddress != c.NodeAddress.String() {
			t.Fatalf("second up = %+v", res)
		}
	}
	home := t.TempDir()
	common := []string{"--name", suite.opts.Name, "--kubeconfig", suite.opts.Kubeconfig}
	r := runCLI(t, home, nil, append([]string{"cluster", "up", "--json"}, common...)...)
	if r.code != 0 {
		t.Fatalf("cluster up: exit %d\n%s", r.code, r.stderr)
	}
	record("cluster reuse (ckadlab cluster up)", r.wall)
	var up kind.UpResult
	if err := json.Unmarshal([]byte(r.stdout), &up); err != nil {
		t.Fatalf("cluster up --json: %v\n%s", err, r.stdout)
	}
	if up.Action != "reused" || up.Seconds <= 0 || len(up.Steps) == 0 || !up.NetworkPolicy.Enforced || up.Kubeconfig != suite.opts.Kubeconfig {
		t.Fatalf("cluster up --json = %s", r.stdout)
	}
	// The CLI started its own background publisher: stop it.
	pubOpts := kind.Options{Name: suite.opts.Name, StateDir: home + "/state/ckadlab"}
	if st := kind.PublisherState(pubOpts); !st.Running && up.LoadBalancer.Running {
		t.Errorf("publisher reported running (%+v) but its pid file says otherwise", up.LoadBalancer)
	}
	t.Cleanup(func() { _, _ = kind.StopPublisher(pubOpts) })

	r = runCLI(t, home, nil, append([]string{"env", "--json", "--cluster", "kind"}, common...)...)
	var env map[string]string
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &env) != nil || env["kubeconfig"] != suite.opts.Kubeconfig || env["context"] != "kind-"+suite.opts.Name || len(env) != 2 {
		t.Fatalf("env --json: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, home, nil, append([]string{"env", "--cluster", "kind"}, common...)...)
	if !strings.Contains(r.stdout, "export KUBECONFIG="+suite.opts.Kubeconfig) {
		t.Fatalf("env: %s", r.stdout)
	}
	r = runCLI(t, home, nil, append([]string{"cluster", "status", "--json"}, common...)...)
	var st kind.Status
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || !st.Running || !st.Ready || st.NetworkPolicy == nil {
		t.Fatalf("cluster status --json: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// Both IngressClasses, nginx the default, read from the cluster.
	wantClasses := "nginx (default: Traefik, ingress-nginx semantics), traefik (Traefik)"
	if got := kind.DescribeIngressClasses(up.IngressClasses); got != wantClasses {
		t.Errorf("cluster up --json: IngressClasses %s, want %s", got, wantClasses)
	}
	if got := kind.DescribeIngressClasses(st.IngressClasses); got != wantClasses {
		t.Errorf("cluster status --json: IngressClasses %s, want %s", got, wantClasses)
	}
	r = runCLI(t, home, nil, append([]string{"cluster", "status"}, common...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "IngressClasses: "+wantClasses) {
		t.Errorf("cluster status: exit %d, want the line IngressClasses: %s\n%s%s", r.code, wantClasses, r.stdout, r.stderr)
	}
}

// TestSelfTest: the CNI here enforces NetworkPolicy; a backend told that
// it does not marks policy checks ungradable instead of grading them.
func TestSelfTest(t *testing.T) {
	c := need(t)
	ctx := context.Background()
	start := time.Now()
	st, err := live.RunSelfTest(ctx, c.Clients, live.SelfTestOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	record("NetworkPolicy self-test", time.Since(start))
	if !st.Enforced || st.Cached {
		t.Fatalf("self-test = %+v", st)
	}
	cached, ok, err := live.CachedSelfTest(ctx, c.Clients)
	if err != nil || !ok || !cached.Enforced {
		t.Fatalf("cached self-test = %+v %v %v", cached, ok, err)
	}

	// A policy probe on a cluster said not to enforce policies.
	objs := applyYAML(t, c, "selftest-e2e", `
apiVersion: v1
kind: Namespace
metadata: {name: selftest-e2e}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: selftest-e2e, labels: {app: server}}
spec:
  containers:
  - {name: s, image: registry.k8s.io/e2e-test-images/agnhost:2.66.1, args: [netexec, --http-port=8080], ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: selftest-e2e}
spec:
  containers:
  - {name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.66.1, args: [pause]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: selftest-e2e}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
`)
	defer cleanup(t, c, objs)
	spec := probe.Spec{From: probe.Source{Kind: probe.FromPod, Namespace: "selftest-e2e", Name: "client"},
		To: probe.Target{Kind: probe.ToPod, Namespace: "selftest-e2e", Name: "server"}, Port: probe.Port{Number: 8080}, Protocol: probe.TCP}
	no := false
	for _, tt := range []struct {
		enforced *bool
		ungraded bool
	}{{nil, false}, {&no, true}} {
		b := live.New(c.Clients, live.Options{Name: "kind", Outside: c.Outside(), PolicyEnforced: tt.enforced})
		r, err := b.Probe(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != probe.Denied || (r.Ungradable != "") != tt.ungraded || r.Disagrees {
			t.Errorf("enforced=%v: %+v", tt.enforced, r)
		}
	}
}

// TestOutsideLoadBalancerAndIngress: LoadBalancer Services get their own
// EXTERNAL-IP within seconds (two on the same port do not clash), and a
// client outside the cluster reaches them, and the Ingress through Traefik.
func TestOutsideLoadBalancerAndIngress(t *testing.T) {
	c := need(t)
	ctx := context.Background()
	start := time.Now()
	objs := applyYAML(t, c, "outside-e2e", `
apiVersion: v1
kind: Namespace
metadata: {name: outside-e2e}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: outside-e2e}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: registry.k8s.io/e2e-test-images/agnhost:2.66.1, args: [netexec, --http-port=8080], ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: outside-e2e}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web2, namespace: outside-e2e}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: outside-e2e}
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /shop, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`)
	defer cleanup(t, c, objs)
	ips := map[string]string{}
	deadline := time.Now().Add(10 * time.Second)
	for len(ips) < 2 && time.Now().Before(deadline) {
		for _, n := range []string{"web", "web2"} {
			s, err := c.Clients.Kube.CoreV1().Services("outside-e2e").Get(ctx, n, metav1.GetOptions{})
			if err == nil && len(s.Status.LoadBalancer.Ingress) > 0 && ips[n] == "" {
				ips[n] = s.Status.LoadBalancer.Ingress[0].IP
				record("LoadBalancer EXTERNAL-IP published", time.Since(start))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(ips) < 2 || ips["web"] == ips["web2"] || ips["web"] == c.NodeAddress.String() {
		t.Fatalf("load balancer addresses: %v (node %s)", ips, c.NodeAddress)
	}
	if err := c.Clients.WaitReady(ctx, []string{"outside-e2e"}, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	b := live.New(c.Clients, live.Options{Name: "kind", Outside: c.Outside()})
	ext := probe.Source{Kind: probe.FromExternal}
	cases := []struct {
		to      probe.Target
		http    *probe.HTTPExpect
		outcome probe.Outcome
		status  int
	}{
		{probe.Target{Kind: probe.ToLB, Namespace: "outside-e2e", Name: "web"}, &probe.HTTPExpect{Service: "outside-e2e/web"}, probe.Connected, 200},
		{probe.Target{Kind: probe.ToLB, Namespace: "outside-e2e", Name: "web2"}, &probe.HTTPExpect{Service: "outside-e2e/web2"}, probe.Connected, 200},
		{probe.Target{Kind: probe.ToIngress, Host: "web.example.com", Path: "/shop/cart"}, &probe.HTTPExpect{Service: "outside-e2e/web"}, probe.Connected, 200},
		{probe.Target{Kind: probe.ToIngress, Host: "web.example.com", Path: "/shopping"}, nil, probe.Connected, 404},
		{probe.Target{Kind: probe.ToService, Namespace: "outside-e2e", Name: "web"}, nil, probe.Unreachable, 0},
	}
	for _, tc := range cases {
		spec := probe.Spec{From: ext, To: tc.to, Protocol: probe.TCP, HTTP: tc.http}
		r, err := b.Probe(ctx, spec)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if r.Outcome != tc.outcome || r.HTTPStatus != tc.status || r.Disagrees || (tc.http != nil && tc.http.Service != "" && !strings.HasPrefix(r.Backend, "outside-e2e/web-")) {
			t.Errorf("%s: %s status %d backend %q disagrees=%v (model %s)\n%s", spec, r.Outcome, r.HTTPStatus, r.Backend, r.Disagrees, r.Prediction, strings.Join(r.Reasons, "\n"))
		}
	}
	// The address is on the kind network, next to the node's.
	if a, err := netip.ParseAddr(ips["web"]); err != nil || !netip.PrefixFrom(c.NodeAddress, 16).Masked().Contains(a) {
		t.Errorf("load balancer address %q is not on the kind network of %s", ips["web"], c.NodeAddress)
	}
}

func applyYAML(t *testing.T, c *kind.Cluster, ns, y string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifest.Decode(ns+".yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	us, err := live.ToUnstructured(objs, ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Clients.Apply(context.Background(), us); err != nil {
		t.Fatal(err)
	}
	if err := c.Clients.WaitReady(context.Background(), []string{ns}, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	return us
}

func cleanup(t *testing.T, c *kind.Cluster, objs []*unstructured.Unstructured) {
	var ns []string
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			ns = append(ns, u.GetName())
		}
	}
	if err := c.Clients.DeleteNamespaces(context.Background(), ns); err != nil {
		t.Error(err)
	}
}
