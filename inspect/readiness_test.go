package inspect

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/manifest"
)

func readinessWorld(t *testing.T) *offline.Cluster {
	t.Helper()
	objs, err := manifest.Decode("r.yaml", []byte(`apiVersion: v1
kind: Namespace
metadata: {name: orders}
---
apiVersion: v1
kind: Pod
metadata: {name: broken, namespace: orders, labels: {app: orders}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    readinessProbe: {httpGet: {path: /healthz, port: 80}, periodSeconds: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: fine, namespace: orders}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{name: http, containerPort: 80}]
    readinessProbe: {tcpSocket: {port: http}}
    livenessProbe: {httpGet: {path: /, port: 80}}
---
apiVersion: v1
kind: Pod
metadata: {name: execd, namespace: orders}
spec:
  containers:
  - name: web
    image: nginx:1.27
    readinessProbe: {exec: {command: [cat, /tmp/ready]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := offline.Build(objs, nil, "orders")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReadinessShown: get pods shows READY 0/1 for a pod whose readiness
// probe fails, and describe shows the probe and the kubelet's event.
func TestReadinessShown(t *testing.T) {
	c := readinessWorld(t)
	var out, info bytes.Buffer
	if err := Get(&out, &info, c, GetOptions{Kinds: "pods", Namespace: "orders"}); err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(out.String(), "\n")[1:] {
		if f := strings.Fields(l); len(f) > 2 {
			rows[f[0]] = f[1] + " " + f[2]
		}
	}
	for pod, want := range map[string]string{"broken": "0/1 Running", "fine": "1/1 Running", "execd": "1/1 Running"} {
		if rows[pod] != want {
			t.Errorf("get pods: %s is %q, want %q:\n%s", pod, rows[pod], want, out.String())
		}
	}
	cases := []struct {
		pod       string
		want, not []string
	}{
		{"broken", []string{
			"Readiness:       http-get http://:80/healthz delay=0s timeout=1s period=2s successThreshold=1 failureThreshold=3",
			"Ready:          False",
			"Warning  Unhealthy  <unknown>  kubelet  Readiness probe failed: HTTP probe failed with statuscode: 404",
		}, []string{"Events:  <none>"}},
		{"fine", []string{
			"Liveness:       http-get http://:80/ delay=0s timeout=1s period=10s successThreshold=1 failureThreshold=3",
			"Readiness:      tcp-socket :http delay=0s",
			"Events:                      <none>",
		}, []string{"Unhealthy"}},
		{"execd", []string{
			"Readiness:      exec [cat /tmp/ready] delay=0s",
			"Normal  ReadinessProbeNotSimulated  <unknown>  ckadlab  pod orders/execd: container web's readinessProbe runs \"cat /tmp/ready\"",
		}, nil},
	}
	for _, tc := range cases {
		out.Reset()
		if err := Describe(&out, c, DescribeOptions{Kind: "pod", Names: []string{tc.pod}, Namespace: "orders"}); err != nil {
			t.Fatal(err)
		}
		norm := out.String()
		for _, w := range tc.want {
			if !strings.Contains(squeeze(norm), squeeze(w)) {
				t.Errorf("describe pod %s lacks %q:\n%s", tc.pod, w, norm)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(squeeze(norm), squeeze(w)) {
				t.Errorf("describe pod %s has %q:\n%s", tc.pod, w, norm)
			}
		}
	}
}

// squeeze collapses runs of spaces, so that tests do not depend on the
// tab writer's column widths.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
