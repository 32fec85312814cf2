package offline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
)

// readinessApp is a Deployment of two nginx pods behind a Service, with
// the readinessProbe given (YAML under readinessProbe:, "" for none), and
// a client pod.
func readinessApp(probeYAML string, publishNotReady bool) string {
	rp := ""
	if probeYAML != "" {
		rp = "        readinessProbe:\n" + probeYAML
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{name: http, containerPort: 80}]
%s---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  publishNotReadyAddresses: %v
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  containers: [{name: c, image: busybox:1.37, command: [sleep, 1d]}]
`, rp, publishNotReady)
}

func TestReadinessDecidesEndpoints(t *testing.T) {
	cases := []struct {
		name            string
		probe           string
		publishNotReady bool
		ready           bool
		reason          string // the Ready condition's reason
		endpoint        bool   // the Service's EndpointSlice lists the pods as ready
		outcome         probe.Outcome
		why             string // in the probe's reasons
		ungradable      string
	}{
		{name: "no probe", ready: true, endpoint: true, outcome: probe.Connected},
		{name: "a probe nginx answers", probe: "          httpGet: {path: /, port: 80}\n", ready: true, endpoint: true, outcome: probe.Connected},
		{name: "a probe by port name", probe: "          httpGet: {path: /index.html, port: http}\n", ready: true, endpoint: true, outcome: probe.Connected},
		{name: "tcpSocket where nginx listens", probe: "          tcpSocket: {port: 80}\n", ready: true, endpoint: true, outcome: probe.Connected},
		{name: "a path nginx answers 404", probe: "          httpGet: {path: /healthz, port: 80}\n", reason: "ContainersNotReady", outcome: probe.Refused,
			why: "their readinessProbe fails (web-"},
		{name: "a port nothing listens on", probe: "          tcpSocket: {port: 8080}\n", reason: "ContainersNotReady", outcome: probe.Refused,
			why: "connect: connection refused"},
		{name: "not ready but published", probe: "          httpGet: {path: /healthz, port: 80}\n", publishNotReady: true, reason: "ContainersNotReady",
			endpoint: true, outcome: probe.Connected},
		{name: "exec is assumed ready and not graded", probe: "          exec: {command: [cat, /tmp/ready]}\n", ready: true, reason: netmodel.ReadinessAssumed,
			endpoint: true, outcome: probe.Connected, ungradable: `readinessProbe runs "cat /tmp/ready" in the container`},
		{name: "exec but published is graded", probe: "          exec: {command: [cat, /tmp/ready]}\n", publishNotReady: true, ready: true, reason: netmodel.ReadinessAssumed,
			endpoint: true, outcome: probe.Connected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := New()
			applyYAML(t, c, readinessApp(tc.probe, tc.publishNotReady))
			pods := podsOf(c, "shop", "web-")
			if len(pods) != 2 {
				t.Fatalf("%d web pods, want 2", len(pods))
			}
			for _, p := range pods {
				if got := netmodel.PodReady(&p); got != tc.ready {
					t.Errorf("pod %s ready = %v, want %v", p.Name, got, tc.ready)
				}
				if p.Status.Phase != corev1.PodRunning {
					t.Errorf("pod %s is %s, want Running", p.Name, p.Status.Phase)
				}
				for _, cs := range p.Status.ContainerStatuses {
					if cs.Ready != tc.ready {
						t.Errorf("container %s ready = %v, want %v", cs.Name, cs.Ready, tc.ready)
					}
				}
				for _, cond := range p.Status.Conditions {
					if cond.Type == corev1.PodReady && cond.Reason != tc.reason {
						t.Errorf("Ready condition reason %q, want %q (%s)", cond.Reason, tc.reason, cond.Message)
					}
					if cond.Type == corev1.PodReady && tc.reason == "ContainersNotReady" && cond.Message != "containers with unready status: [web]" {
						t.Errorf("Ready condition message %q", cond.Message)
					}
				}
			}
			dep := get(t, c, "Deployment", "shop", "web")
			wantReady := "0"
			if tc.ready {
				wantReady = "2"
			}
			if got := fieldU(dep, "status.readyReplicas"); got != wantReady && !(wantReady == "0" && got == "<absent>") {
				t.Errorf("deployment readyReplicas = %s, want %s", got, wantReady)
			}
			// The Deployment's status rests on the assumption too: its
			// Available condition says so.
			if got := fieldU(dep, "status.conditions[0].reason"); (got == netmodel.ReadinessAssumed) != (tc.reason == netmodel.ReadinessAssumed) {
				t.Errorf("deployment Available reason %q (pods' Ready reason %q)", got, tc.reason)
			}
			slices := slicesOf(c, "shop", "web")
			if len(slices) != 1 || len(slices[0].Endpoints) != 2 {
				t.Fatalf("want one slice with both pods, got %+v", slices)
			}
			for _, e := range slices[0].Endpoints {
				if *e.Conditions.Ready != tc.endpoint || *e.Conditions.Serving != tc.ready {
					t.Errorf("endpoint %v ready=%v serving=%v, want ready=%v serving=%v", e.Addresses, *e.Conditions.Ready, *e.Conditions.Serving, tc.endpoint, tc.ready)
				}
			}
			ep := get(t, c, "Endpoints", "shop", "web")
			if addrs := fieldU(ep, "subsets[0].addresses"); (addrs != "<absent>") != tc.endpoint {
				t.Errorf("Endpoints addresses %s, want listed=%v", addrs, tc.endpoint)
			}
			res, err := c.Model().Probe(mustSpec(t, "shop/client", "svc:shop/web", "80"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.outcome {
				t.Errorf("outcome %s, want %s: %v", res.Outcome, tc.outcome, res.Reasons)
			}
			if tc.why != "" && !strings.Contains(strings.Join(res.Reasons, "\n"), tc.why) {
				t.Errorf("reasons do not say %q:\n%s", tc.why, strings.Join(res.Reasons, "\n"))
			}
			if (tc.ungradable == "") != (res.Ungradable == "") || !strings.Contains(res.Ungradable, tc.ungradable) {
				t.Errorf("ungradable = %q, want it to contain %q", res.Ungradable, tc.ungradable)
			}
			// A probe to the pod's own IP does not go through readiness.
			direct, err := c.Model().Probe(mustSpec(t, "shop/client", "shop/"+pods[0].Name, "80"))
			if err != nil {
				t.Fatal(err)
			}
			if direct.Outcome != probe.Connected || direct.Ungradable != "" {
				t.Errorf("direct probe to the pod: %s %q", direct.Outcome, direct.Ungradable)
			}
		})
	}
}

// TestReadinessManifestStillWins: a pod manifest's Ready condition False
// keeps the pod not ready whatever its probe says, without the kubelet's
// reason.
func TestReadinessManifestStillWins(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  containers: [{name: web, image: nginx:1.27, readinessProbe: {httpGet: {path: /, port: 80}}}]
status:
  conditions: [{type: Ready, status: "False"}]
`)
	p := podsOf(c, "default", "stuck")[0]
	if netmodel.PodReady(&p) || p.Status.ContainerStatuses[0].Ready {
		t.Fatalf("pod is ready: %+v", p.Status)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady && cond.Reason != "" {
			t.Errorf("Ready reason %q, want none", cond.Reason)
		}
	}
}

// TestOrderedReadyWaitsForReadiness: a StatefulSet with OrderedReady
// creates pod 1 only once pod 0 is ready.
func TestOrderedReadyWaitsForReadiness(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: nginx:1.27, readinessProbe: {tcpSocket: {port: 5432}}}]
`)
	if n := len(podsOf(c, "default", "db-")); n != 1 {
		t.Fatalf("%d pods, want only db-0 (it never becomes ready)", n)
	}
}

// TestProbeDefaultsAndValidation: the API server's probe defaults, and
// what it rejects.
func TestProbeDefaultsAndValidation(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: web, image: nginx:1.27, readinessProbe: {httpGet: {port: 80}}}]
`)
	p := get(t, c, "Pod", "default", "web")
	for path, want := range map[string]string{
		"spec.containers[0].readinessProbe.httpGet.path":     "/",
		"spec.containers[0].readinessProbe.httpGet.scheme":   "HTTP",
		"spec.containers[0].readinessProbe.periodSeconds":    "10",
		"spec.containers[0].readinessProbe.timeoutSeconds":   "1",
		"spec.containers[0].readinessProbe.successThreshold": "1",
		"spec.containers[0].readinessProbe.failureThreshold": "3",
	} {
		if got := fieldU(p, path); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
	bad := []struct{ probe, want string }{
		{"readinessProbe: {periodSeconds: 1}", "spec.containers[0].readinessProbe: Required value: must specify a handler type"},
		{"readinessProbe: {tcpSocket: {port: 80}, httpGet: {port: 80}}", "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"},
		{"readinessProbe: {tcpSocket: {port: 70000}}", "spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 70000"},
		{"readinessProbe: {httpGet: {port: Not_A_Name}}", "spec.containers[0].readinessProbe.httpGet.port: Invalid value: \"Not_A_Name\""},
		{"readinessProbe: {httpGet: {port: 80, scheme: FTP}}", "spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: \"FTP\""},
		{"readinessProbe: {exec: {command: []}}", "spec.containers[0].readinessProbe.exec.command: Required value"},
		{"readinessProbe: {tcpSocket: {port: 80}, periodSeconds: -1}", "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1"},
		{"livenessProbe: {tcpSocket: {port: 80}, successThreshold: 2}", "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"},
		{"startupProbe: {grpc: {port: 0}}", "spec.containers[0].startupProbe.grpc.port"},
	}
	for _, b := range bad {
		y := "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: web, image: nginx:1.27, " + b.probe + "}]\n"
		err := New().Apply(decode(t, "bad.yaml", y), "default")
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: got %v, want an error with %q", b.probe, err, b.want)
		}
	}
	y := `apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  initContainers: [{name: init, image: busybox:1.37, readinessProbe: {tcpSocket: {port: 80}}}]
  containers: [{name: web, image: nginx:1.27}]
`
	if err := New().Apply(decode(t, "bad.yaml", y), "default"); err == nil || !strings.Contains(err.Error(), "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always") {
		t.Errorf("init container probe: got %v", err)
	}
	// Liveness and startup probes do not decide readiness (and do not crash).
	c = New()
	applyYAML(t, c, `apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  containers: [{name: web, image: nginx:1.27, livenessProbe: {httpGet: {path: /healthz, port: 80}}, startupProbe: {tcpSocket: {port: 81}}}]
`)
	if p := podsOf(c, "default", "live")[0]; !netmodel.PodReady(&p) {
		t.Errorf("liveness/startup probes made the pod not ready")
	}
}
