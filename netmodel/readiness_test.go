package netmodel

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPodReadiness(t *testing.T) {
	const ip = "10.244.0.7"
	netexec := func(args ...string) corev1.Container {
		return corev1.Container{Name: "app", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", Args: append([]string{"netexec"}, args...)}
	}
	nginx := corev1.Container{Name: "web", Image: "nginx:1.27"}
	httpGet := func(port intstr.IntOrString, path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: port, Path: path}}}
	}
	https := func(port int, path string) *corev1.Probe {
		p := httpGet(intstr.FromInt32(int32(port)), path)
		p.HTTPGet.Scheme = corev1.URISchemeHTTPS
		return p
	}
	tcp := func(port intstr.IntOrString) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: port}}}
	}
	with := func(c corev1.Container, p *corev1.Probe, ports ...corev1.ContainerPort) corev1.Container {
		c.ReadinessProbe, c.Ports = p, ports
		return c
	}
	port := func(name string, n int32) corev1.ContainerPort {
		return corev1.ContainerPort{Name: name, ContainerPort: n, Protocol: corev1.ProtocolTCP}
	}
	always := corev1.ContainerRestartPolicyAlways
	cases := []struct {
		name       string
		containers []corev1.Container
		sidecars   []corev1.Container
		ready      bool
		event      string // the kubelet's event, "" for none
		unknown    string // part of why the model cannot tell
	}{
		{name: "no probe", containers: []corev1.Container{nginx}, ready: true},
		{name: "nginx serves /", containers: []corev1.Container{with(nginx, httpGet(intstr.FromInt32(80), "/"))}, ready: true},
		{name: "nginx serves /index.html", containers: []corev1.Container{with(nginx, httpGet(intstr.FromInt32(80), "/index.html"))}, ready: true},
		{name: "nginx answers 404 to /healthz", containers: []corev1.Container{with(nginx, httpGet(intstr.FromInt32(80), "/healthz"))},
			event: "Readiness probe failed: HTTP probe failed with statuscode: 404"},
		{name: "nothing listens on nginx's 8080", containers: []corev1.Container{with(nginx, httpGet(intstr.FromInt32(8080), "/"))},
			event: `Readiness probe failed: Get "http://10.244.0.7:8080/": dial tcp 10.244.0.7:8080: connect: connection refused`},
		{name: "a named port resolves through the container's ports", containers: []corev1.Container{with(nginx, httpGet(intstr.FromString("http"), "/"), port("http", 80))}, ready: true},
		{name: "a named port that points where nothing listens", containers: []corev1.Container{with(nginx, httpGet(intstr.FromString("http"), "/"), port("http", 8080))},
			event: `Readiness probe failed: Get "http://10.244.0.7:8080/": dial tcp 10.244.0.7:8080: connect: connection refused`},
		{name: "a named port the container does not declare", containers: []corev1.Container{with(nginx, httpGet(intstr.FromString("web"), "/"), port("http", 80))},
			event: `Readiness probe errored and resulted in unknown state: port "web" not found`},
		{name: "a named port of another container does not count", containers: []corev1.Container{
			with(nginx, httpGet(intstr.FromString("metrics"), "/")),
			{Name: "side", Image: "busybox:1.37", Command: []string{"sleep", "1d"}, Ports: []corev1.ContainerPort{port("metrics", 80)}}},
			event: `Readiness probe errored and resulted in unknown state: port "metrics" not found`},
		{name: "netexec answers 200 on any path", containers: []corev1.Container{with(netexec("--http-port=8080"), httpGet(intstr.FromInt32(8080), "/anything"))}, ready: true},
		{name: "netexec /healthz is 200 with its UDP server", containers: []corev1.Container{with(netexec("--http-port=8080"), httpGet(intstr.FromInt32(8080), "/healthz"))}, ready: true},
		{name: "netexec /healthz is 412 without a UDP server", containers: []corev1.Container{with(netexec("--http-port=8080", "--udp-port=-1"), httpGet(intstr.FromInt32(8080), "/healthz"))},
			event: "Readiness probe failed: HTTP probe failed with statuscode: 412"},
		{name: "netexec /echo?code=500", containers: []corev1.Container{with(netexec("--http-port=8080"), httpGet(intstr.FromInt32(8080), "/echo?code=500"))},
			event: "Readiness probe failed: HTTP probe failed with statuscode: 500"},
		{name: "a redirect counts as success", containers: []corev1.Container{with(netexec("--http-port=8080"), httpGet(intstr.FromInt32(8080), "/redirect?location=/"))}, ready: true},
		{name: "a path without a slash", containers: []corev1.Container{with(nginx, httpGet(intstr.FromInt32(80), "index.html"))}, ready: true},
		{name: "the wrong port of netexec", containers: []corev1.Container{with(netexec("--http-port=8080"), httpGet(intstr.FromInt32(80), "/"))},
			event: `Readiness probe failed: Get "http://10.244.0.7:80/": dial tcp 10.244.0.7:80: connect: connection refused`},
		{name: "HTTPS to a plain HTTP server", containers: []corev1.Container{with(nginx, https(80, "/"))},
			event: `Readiness probe failed: Get "https://10.244.0.7:80/": http: server gave HTTP response to HTTPS client`},
		{name: "HTTP to a TLS server gets 400", containers: []corev1.Container{with(netexec("--http-port=8443", "--tls-cert-file=/c/tls.crt", "--tls-private-key-file=/c/tls.key"), httpGet(intstr.FromInt32(8443), "/"))},
			event: "Readiness probe failed: HTTP probe failed with statuscode: 400"},
		{name: "HTTPS to a TLS server", containers: []corev1.Container{with(netexec("--http-port=8443", "--tls-cert-file=/c/tls.crt", "--tls-private-key-file=/c/tls.key"), https(8443, "/"))}, ready: true},
		{name: "HTTP to a socket that speaks no HTTP times out", containers: []corev1.Container{with(corev1.Container{Name: "nc", Image: "busybox:1.37", Command: []string{"nc", "-lk", "-p", "9000"}}, httpGet(intstr.FromInt32(9000), "/"))},
			event: `Readiness probe failed: Get "http://10.244.0.7:9000/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`},
		{name: "tcpSocket where netexec listens", containers: []corev1.Container{with(netexec("--http-port=8080"), tcp(intstr.FromInt32(8080)))}, ready: true},
		{name: "tcpSocket on a named port", containers: []corev1.Container{with(netexec("--http-port=8080"), tcp(intstr.FromString("http")), port("http", 8080))}, ready: true},
		{name: "tcpSocket where nothing listens", containers: []corev1.Container{with(netexec("--http-port=8080"), tcp(intstr.FromInt32(9090)))},
			event: "Readiness probe failed: dial tcp 10.244.0.7:9090: connect: connection refused"},
		{name: "tcpSocket on netexec's UDP port", containers: []corev1.Container{with(netexec("--http-port=8080", "--udp-port=8081"), tcp(intstr.FromInt32(8081)))},
			event: "Readiness probe failed: dial tcp 10.244.0.7:8081: connect: connection refused"},
		{name: "another container of the pod serves the port", containers: []corev1.Container{
			with(corev1.Container{Name: "helper", Image: "busybox:1.37", Command: []string{"sleep", "1d"}}, httpGet(intstr.FromInt32(80), "/")), nginx}, ready: true},
		{name: "one failing container makes the pod not ready", containers: []corev1.Container{
			with(nginx, httpGet(intstr.FromInt32(80), "/")), with(netexec("--http-port=8080"), tcp(intstr.FromInt32(9090)))},
			event: "Readiness probe failed: dial tcp 10.244.0.7:9090: connect: connection refused"},
		{name: "a sidecar's failing probe makes the pod not ready", containers: []corev1.Container{nginx},
			sidecars: []corev1.Container{func() corev1.Container {
				c := with(netexec("--http-port=8080"), tcp(intstr.FromInt32(9090)))
				c.Name, c.RestartPolicy = "proxy", &always
				return c
			}()},
			event: "Readiness probe failed: dial tcp 10.244.0.7:9090: connect: connection refused"},
		{name: "exec cannot be told", containers: []corev1.Container{with(nginx, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ready"}}}})},
			ready: true, unknown: `container web's readinessProbe runs "cat /tmp/ready" in the container`},
		{name: "grpc cannot be told", containers: []corev1.Container{with(nginx, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9000}}})},
			ready: true, unknown: "gRPC health check on port 9000"},
		{name: "another host cannot be told", containers: []corev1.Container{with(nginx, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "example.com", Port: intstr.FromInt32(80), Path: "/"}}})},
			ready: true, unknown: "asks host example.com"},
		{name: "an unmodelled image's HTTP answer cannot be told", containers: []corev1.Container{with(corev1.Container{Name: "api", Image: "example.com/api:1"}, httpGet(intstr.FromInt32(5000), "/healthz"), port("", 5000))},
			ready: true, unknown: "what the container answers there is not modelled"},
		{name: "an unmodelled image's undeclared port cannot be told", containers: []corev1.Container{with(corev1.Container{Name: "api", Image: "example.com/api:1"}, tcp(intstr.FromInt32(6000)), port("", 5000))},
			ready: true, unknown: "cannot tell what pod shop/p listens on"},
		{name: "an unmodelled image's declared port is taken as listening", containers: []corev1.Container{with(corev1.Container{Name: "api", Image: "example.com/api:1"}, tcp(intstr.FromInt32(5000)), port("", 5000))}, ready: true},
		{name: "no handler", containers: []corev1.Container{with(nginx, &corev1.Probe{})},
			event: "Readiness probe errored and resulted in unknown state: missing probe handler for shop/p:web"},
		{name: "port 0", containers: []corev1.Container{with(nginx, tcp(intstr.FromInt32(0)))},
			event: "Readiness probe errored and resulted in unknown state: invalid port number: 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &corev1.Pod{Spec: corev1.PodSpec{Containers: tc.containers, InitContainers: tc.sidecars}}
			p.Namespace, p.Name = "shop", "p"
			r := PodReadiness(p, ip)
			if r.Ready != tc.ready {
				t.Errorf("ready = %v, want %v (%+v)", r.Ready, tc.ready, r)
			}
			events := strings.Join(r.Events(), "\n")
			if events != tc.event {
				t.Errorf("events:\n got %q\nwant %q", events, tc.event)
			}
			unknown := strings.Join(r.Unknown(), "\n")
			if (tc.unknown == "") != (unknown == "") || !strings.Contains(unknown, tc.unknown) {
				t.Errorf("unknown = %q, want it to contain %q", unknown, tc.unknown)
			}
			if !tc.ready && len(r.NotReady()) == 0 {
				t.Errorf("not ready, but no container is named unready")
			}
			if len(r.Containers) != len(tc.containers)+len(tc.sidecars) {
				t.Errorf("%d container results, want %d", len(r.Containers), len(tc.containers)+len(tc.sidecars))
			}
		})
	}
}

// TestPodReadinessWithoutIP: the kubelet probes the pod IP; without one
// (a template), messages name a placeholder.
func TestPodReadinessWithoutIP(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27",
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(81)}}}}}}}
	r := PodReadiness(p, "")
	if want := "Readiness probe failed: dial tcp <pod-ip>:81: connect: connection refused"; r.Ready || strings.Join(r.Events(), "") != want {
		t.Fatalf("got %+v, want not ready with %q", r, want)
	}
}
