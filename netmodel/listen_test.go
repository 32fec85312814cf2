package netmodel

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestImageName(t *testing.T) {
	rows := map[string]string{
		"nginx":                        "nginx",
		"nginx:1.27":                   "nginx",
		"docker.io/library/nginx:1.27": "library/nginx",
		"nginx@sha256:0123abcd":        "nginx",
		"registry.k8s.io/e2e-test-images/agnhost:2.66.1": "e2e-test-images/agnhost",
		"localhost:5000/team/app:v1":                     "team/app",
		"bitnami/nginx:1.27":                             "bitnami/nginx",
	}
	for in, want := range rows {
		if got := imageName(in); got != want {
			t.Errorf("imageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContainerListeners(t *testing.T) {
	agn := func(args ...string) corev1.Container {
		return corev1.Container{Name: "c", Image: rfAgnhost, Args: args}
	}
	bb := func(cmd ...string) corev1.Container {
		return corev1.Container{Name: "c", Image: rfBusybox, Command: cmd}
	}
	rows := []struct {
		name    string
		c       corev1.Container
		want    string // sockets, comma separated
		assumed bool
		note    string
	}{
		{name: "nginx", c: rfNginxC(), want: "TCP/80"},
		{name: "nginx any tag and registry", c: corev1.Container{Image: "docker.io/library/nginx:1.25-alpine"}, want: "TCP/80"},
		{name: "nginx started explicitly", c: corev1.Container{Image: rfNginx, Command: []string{"nginx", "-g", "daemon off;"}}, want: "TCP/80"},
		{name: "nginx image running sleep", c: corev1.Container{Image: rfNginx, Command: []string{"sleep", "infinity"}}, want: "", note: "replaces nginx"},
		{name: "nginx declared 8080 still 80", c: rfWithPorts(rfNginxC(), corev1.ContainerPort{ContainerPort: 8080}), want: "TCP/80"},
		{name: "bitnami nginx is another image", c: rfWithPorts(corev1.Container{Image: "bitnami/nginx:1.27"}, corev1.ContainerPort{ContainerPort: 8080}), want: "TCP/8080", assumed: true},
		{name: "netexec defaults", c: agn("netexec"), want: "TCP/8080, UDP/8081"},
		{name: "netexec --http-port=N", c: agn("netexec", "--http-port=9376"), want: "UDP/8081, TCP/9376"},
		{name: "netexec --http-port N, UDP off", c: agn("netexec", "--http-port", "80", "--udp-port=-1"), want: "TCP/80"},
		{name: "netexec SCTP", c: agn("netexec", "--sctp-port=9000"), want: "TCP/8080, UDP/8081, SCTP/9000"},
		{name: "netexec through /agnhost command", c: corev1.Container{Image: rfAgnhost, Command: []string{"/agnhost", "netexec", "--http-port=8000"}}, want: "TCP/8000, UDP/8081"},
		{name: "netexec bad port", c: agn("netexec", "--http-port=http"), want: "", note: "not a number"},
		{name: "serve-hostname default", c: agn("serve-hostname"), want: "TCP/9376"},
		{name: "serve-hostname port", c: agn("serve-hostname", "--port", "8080"), want: "TCP/8080"},
		{name: "serve-hostname UDP", c: agn("serve-hostname", "--http=false", "--udp", "--port=5353"), want: "UDP/5353"},
		{name: "serve-hostname TCP and UDP", c: agn("serve-hostname", "--http=false", "--tcp", "--udp"), want: "TCP/9376, UDP/9376"},
		{name: "serve-hostname --udp alone exits", c: agn("serve-hostname", "--udp"), want: "", note: "cannot be combined with --tcp or --udp"},
		{name: "porter", c: corev1.Container{Image: rfAgnhost, Args: []string{"porter"}, Env: []corev1.EnvVar{
			{Name: "SERVE_PORT_80", Value: "foo"}, {Name: "SERVE_TLS_PORT_443", Value: "bar"}, {Name: "SERVE_SCTP_PORT_9000", Value: "baz"}, {Name: "OTHER", Value: "x"},
		}}, want: "TCP/80, TCP/443, SCTP/9000"},
		{name: "porter without variables", c: agn("porter"), want: "", note: "SERVE_PORT_N"},
		{name: "porter every kind of variable", c: corev1.Container{Image: rfAgnhost, Args: []string{"porter"}, Env: []corev1.EnvVar{
			{Name: "SERVE_PORT_8080", Value: "a"}, {Name: "SERVE_TCP_PORT_9001", Value: "b"}, {Name: "SERVE_TLS_PORT_9443", Value: "c"},
			{Name: "SERVE_UDP_PORT_9002", Value: "d"}, {Name: "SERVE_SCTP_PORT_9004", Value: "e"},
		}}, want: "TCP/8080, TCP/9001, UDP/9002, SCTP/9004, TCP/9443"},
		{name: "porter through /agnhost command", c: corev1.Container{Image: rfAgnhost, Command: []string{"/agnhost", "porter"}, Env: []corev1.EnvVar{{Name: "SERVE_UDP_PORT_53", Value: "x"}}}, want: "UDP/53"},
		{name: "porter TCP port that is not a number fails alone", c: corev1.Container{Image: rfAgnhost, Args: []string{"porter"}, Env: []corev1.EnvVar{
			{Name: "SERVE_PORT_http", Value: "a"}, {Name: "SERVE_PORT_81", Value: "b"}, {Name: "SERVE_TCP_PORT_70000", Value: "c"},
		}}, want: "TCP/81"},
		{name: "porter UDP port that is not a number exits", c: corev1.Container{Image: rfAgnhost, Args: []string{"porter"}, Env: []corev1.EnvVar{
			{Name: "SERVE_PORT_80", Value: "a"}, {Name: "SERVE_UDP_PORT_dns", Value: "b"},
		}}, want: "", note: "porter exits: SERVE_UDP_PORT_dns"},
		{name: "porter with envFrom", c: corev1.Container{Image: rfAgnhost, Args: []string{"porter"}, EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "ports"}}}}}, want: "", note: "envFrom is not visible"},
		{name: "e2e suite TCP server", c: corev1.Container{Image: rfAgnhost, Command: []string{"/agnhost", "serve-hostname", "--tcp", "--http=false", "--port", "80"}}, want: "TCP/80"},
		{name: "e2e suite UDP server", c: corev1.Container{Image: rfAgnhost, Command: []string{"/agnhost", "serve-hostname", "--udp", "--http=false", "--port", "81"}}, want: "UDP/81"},
		{name: "e2e suite SCTP server", c: corev1.Container{Image: rfAgnhost, Command: []string{"/agnhost", "porter"}, Env: []corev1.EnvVar{{Name: "SERVE_SCTP_PORT_80", Value: "foo"}}}, want: "SCTP/80"},
		{name: "agnhost pause", c: rfWithPorts(agn("pause"), corev1.ContainerPort{ContainerPort: 80}), want: ""},
		{name: "agnhost connect", c: agn("connect", "web:80"), want: ""},
		{name: "agnhost without arguments", c: agn(), want: "", note: "prints its help"},
		{name: "agnhost other subcommand", c: rfWithPorts(agn("liveness"), corev1.ContainerPort{ContainerPort: 8080}), want: "TCP/8080", assumed: true},
		{name: "busybox sleep", c: bb("sleep", "3600"), want: ""},
		{name: "busybox default shell", c: corev1.Container{Image: rfBusybox}, want: ""},
		{name: "nc -l -p", c: bb("nc", "-l", "-p", "8080"), want: "TCP/8080"},
		{name: "nc -lk -p", c: bb("nc", "-lk", "-p", "8080"), want: "TCP/8080"},
		{name: "nc -lp", c: bb("nc", "-lp", "8080"), want: "TCP/8080"},
		{name: "nc -lkp8080", c: bb("nc", "-lkp8080"), want: "TCP/8080"},
		{name: "nc UDP", c: bb("nc", "-u", "-l", "-p", "5353"), want: "UDP/5353"},
		{name: "nc -e prog", c: bb("nc", "-l", "-e", "/bin/cat", "-p", "7000"), want: "TCP/7000"},
		{name: "nc in sh -c loop", c: bb("sh", "-c", "while true; do echo 'HTTP/1.1 200 OK' | nc -l -p 9000; done"), want: "TCP/9000"},
		{name: "nc in args", c: corev1.Container{Image: rfBusybox, Args: []string{"sh", "-c", "nc -lk -p 7000 & nc -lu -p 7001; wait"}}, want: "TCP/7000, UDP/7001"},
		{name: "nc client does not listen", c: bb("sh", "-c", "nc web 80"), want: ""},
		{name: "nc -l without -p", c: bb("nc", "-l", "8080"), want: ""},
		{name: "httpd -p", c: bb("httpd", "-p", "8080"), want: "TCP/8080"},
		{name: "httpd -f -p with address", c: bb("sh", "-c", "echo hi > /www/index.html && httpd -f -p 0.0.0.0:8081 -h /www"), want: "TCP/8081"},
		{name: "httpd default port", c: bb("busybox", "httpd", "-f"), want: "TCP/80"},
		{name: "httpd inetd mode", c: bb("httpd", "-i"), want: ""},
		{name: "traefik default entrypoints", c: corev1.Container{Image: rfTraefik}, want: "TCP/80, TCP/443"},
		{name: "traefik entrypoint flags", c: corev1.Container{Image: rfTraefik, Args: []string{"--entryPoints.web.address=:8000", "--entrypoints.dns.address", ":5353/udp"}}, want: "UDP/5353, TCP/8000"},
		{name: "traefik insecure API", c: corev1.Container{Image: "traefik:v3.7", Args: []string{"--entryPoints.web.address=:8000", "--api.insecure=true"}}, want: "TCP/8000, TCP/8080"},
		{name: "coredns", c: corev1.Container{Image: rfCoreDNS}, want: "TCP/53, UDP/53, TCP/8080, TCP/8181, TCP/9153"},
		{name: "unknown image", c: rfWithPorts(corev1.Container{Image: "ghcr.io/acme/api:2"}, corev1.ContainerPort{ContainerPort: 5000}, corev1.ContainerPort{ContainerPort: 5001, Protocol: corev1.ProtocolUDP}), want: "TCP/5000, UDP/5001", assumed: true},
		{name: "unknown image without ports", c: corev1.Container{Image: "ghcr.io/acme/api:2"}, want: "", assumed: true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			l := containerListener(&r.c)
			var got []string
			for _, s := range l.sockets {
				got = append(got, s.String())
			}
			if strings.Join(got, ", ") != r.want {
				t.Errorf("sockets = %q, want %q (%s)", strings.Join(got, ", "), r.want, l.what)
			}
			if l.assumed != r.assumed {
				t.Errorf("assumed = %v, want %v", l.assumed, r.assumed)
			}
			if !strings.Contains(l.note, r.note) || (r.note == "" && l.note != "") {
				t.Errorf("note = %q, want %q", l.note, r.note)
			}
		})
	}
}

func TestSidecarsListen(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	p := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{
			{Name: "setup", Image: rfBusybox, Command: []string{"nc", "-l", "-p", "1111"}},
			{Name: "proxy", Image: rfBusybox, Command: []string{"nc", "-lk", "-p", "2222"}, RestartPolicy: &always},
		},
		Containers: []corev1.Container{rfNginxC()},
	}}
	if r := checkListen(p, 2222, corev1.ProtocolTCP, false); !r.ok {
		t.Errorf("sidecar port 2222 not listening: %v", r.reasons)
	}
	if r := checkListen(p, 1111, corev1.ProtocolTCP, false); r.ok {
		t.Errorf("init container port 1111 should not listen once the pod runs")
	}
	if r := checkListen(p, 80, corev1.ProtocolTCP, false); !r.ok {
		t.Errorf("nginx port 80 not listening: %v", r.reasons)
	}
}

func TestHTTPAnswer(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	rows := []struct {
		s      socket
		path   string
		status int
		isHTTP bool
	}{
		{socket{port: 80, proto: tcp, app: appNginx, tls: false}, "/", 200, true},
		{socket{port: 80, proto: tcp, app: appNginx, tls: false}, "/index.html", 200, true},
		{socket{port: 80, proto: tcp, app: appNginx, tls: false}, "/?q=1", 200, true},
		{socket{port: 80, proto: tcp, app: appNginx, tls: false}, "/api", 404, true},
		{socket{port: 8080, proto: tcp, app: appNetexec, tls: false}, "/anything", 200, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/hostname", 200, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/echo?msg=hi", 200, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/echo?msg=hi&code=503", 503, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/echo?code=abc", 200, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/redirect?location=/x", 302, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/redirect?location=/x&code=307", 307, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/dial?host=a&port=80", 400, true},
		{socket{port: 8080, proto: tcp, app: appNetexec}, "/healthz", 200, true},
		{socket{port: 8080, proto: tcp, app: appNetexec, unready: true}, "/healthz", 412, true},
		{socket{port: 8080, proto: tcp, app: appNetexec, override: "/echo?code=404"}, "/", 404, true},
		{socket{port: 8080, proto: tcp, app: appNetexec, override: "/hostname"}, "/echo?code=500", 200, true},
		{socket{port: 8080, proto: tcp, app: appNetexec, tls: true}, "/", 400, true},
		{socket{port: 9376, proto: tcp, app: appServeHostname, tls: false}, "/", 200, true},
		{socket{port: 443, proto: tcp, app: appPorter, tls: true}, "/", 400, true},
		{socket{port: 8000, proto: tcp, app: appTraefik, tls: false}, "/", 404, true},
		{socket{port: 9000, proto: tcp, app: appHTTPD}, "/", 404, true},
		{socket{port: 9000, proto: tcp, app: appHTTPD, index: true}, "/", 200, true},
		{socket{port: 5000, proto: tcp, app: appAssumed, tls: false}, "/", 200, true},
		{socket{port: 7000, proto: tcp, app: appRaw, tls: false}, "/", 0, false},
		{socket{port: 8081, proto: udp, app: appRaw, tls: false}, "/", 0, false},
	}
	for _, r := range rows {
		st, note, isHTTP := httpAnswer(r.s, r.path)
		if st != r.status || isHTTP != r.isHTTP {
			t.Errorf("httpAnswer(%v app %d, %s) = %d %v, want %d %v", r.s, r.s.app, r.path, st, isHTTP, r.status, r.isHTTP)
		}
		if (st != 200 || r.s.app == appAssumed) && note == "" {
			t.Errorf("httpAnswer(%v, %s) = %d without a note", r.s, r.path, st)
		}
	}
}

// TestListenUnsure: for an image or agnhost subcommand the model does not
// simulate, a port it does not declare is "cannot tell", never "nothing
// listens"; for the images the model knows, nothing changes.
func TestListenUnsure(t *testing.T) {
	pod := func(c ...corev1.Container) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "x"}, Spec: corev1.PodSpec{Containers: c}}
	}
	envFrom := []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "ports"}}}}
	rows := []struct {
		name    string
		p       *corev1.Pod
		port    int
		proto   corev1.Protocol
		ok      bool
		unknown string // substring of listenResult.unknown; "" when the model knows
	}{
		{name: "unknown image, declared port", p: pod(rfWithPorts(corev1.Container{Name: "api", Image: "ghcr.io/acme/api:2"}, corev1.ContainerPort{ContainerPort: 5000})), port: 5000, proto: corev1.ProtocolTCP, ok: true},
		{name: "unknown image, undeclared port", p: pod(rfWithPorts(corev1.Container{Name: "api", Image: "ghcr.io/acme/api:2"}, corev1.ContainerPort{ContainerPort: 5000})), port: 6000, proto: corev1.ProtocolTCP,
			unknown: "cannot tell what pod shop/x listens on: container api runs image ghcr.io/acme/api:2, which the offline model does not simulate, and no container declares containerPort TCP/6000"},
		{name: "unknown image without ports", p: pod(corev1.Container{Name: "api", Image: "redis:7"}), port: 6379, proto: corev1.ProtocolTCP, unknown: "runs image redis:7"},
		{name: "agnhost subcommand not modelled", p: pod(corev1.Container{Name: "c", Image: rfAgnhost, Args: []string{"test-webserver"}}), port: 80, proto: corev1.ProtocolTCP, unknown: "container c runs agnhost test-webserver, which the offline model does not simulate"},
		{name: "porter with envFrom", p: pod(corev1.Container{Name: "c", Image: rfAgnhost, Args: []string{"porter"}, EnvFrom: envFrom}), port: 80, proto: corev1.ProtocolTCP, unknown: "envFrom adds variables the offline model cannot see"},
		{name: "porter with envFrom, a port from env", p: pod(corev1.Container{Name: "c", Image: rfAgnhost, Args: []string{"porter"}, EnvFrom: envFrom, Env: []corev1.EnvVar{{Name: "SERVE_PORT_80", Value: "a"}}}), port: 80, proto: corev1.ProtocolTCP, ok: true},
		{name: "unknown sidecar next to nginx", p: pod(rfNginxC(), corev1.Container{Name: "proxy", Image: "envoyproxy/envoy:v1"}), port: 9901, proto: corev1.ProtocolTCP, unknown: "container proxy runs image envoyproxy/envoy:v1"},
		{name: "nginx alone knows", p: pod(rfNginxC()), port: 8080, proto: corev1.ProtocolTCP},
		{name: "netexec knows", p: pod(corev1.Container{Name: "c", Image: rfAgnhost, Args: []string{"netexec", "--http-port=8080"}}), port: 9090, proto: corev1.ProtocolTCP},
		{name: "porter knows", p: pod(corev1.Container{Name: "c", Image: rfAgnhost, Args: []string{"porter"}, Env: []corev1.EnvVar{{Name: "SERVE_UDP_PORT_53", Value: "a"}}}), port: 53, proto: corev1.ProtocolTCP},
		{name: "porter UDP", p: pod(corev1.Container{Name: "c", Image: rfAgnhost, Args: []string{"porter"}, Env: []corev1.EnvVar{{Name: "SERVE_UDP_PORT_53", Value: "a"}}}), port: 53, proto: corev1.ProtocolUDP, ok: true},
		{name: "agnhost pause knows", p: pod(corev1.Container{Name: "c", Image: rfAgnhost, Args: []string{"pause"}}), port: 80, proto: corev1.ProtocolTCP},
		{name: "busybox sleep knows", p: pod(corev1.Container{Name: "c", Image: rfBusybox, Command: []string{"sleep", "3600"}}), port: 80, proto: corev1.ProtocolTCP},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := checkListen(r.p, r.port, r.proto, false)
			if got.ok != r.ok {
				t.Fatalf("ok = %v, want %v (%q)", got.ok, r.ok, got.reasons)
			}
			if (r.unknown == "") != (got.unknown == "") || !strings.Contains(got.unknown, r.unknown) {
				t.Errorf("unknown = %q, want %q", got.unknown, r.unknown)
			}
			if !got.ok && got.unknown != "" {
				for _, why := range got.reasons {
					if strings.Contains(why, "nothing answers") || strings.Contains(why, "; nothing listens on") {
						t.Errorf("reason %q reads as nothing listens", why)
					}
				}
			}
		})
	}
}

// TestListening: the ports a pod listens on as the model infers them,
// which live host stand-ins serve for pinned pods.
func TestListening(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "a", Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", Args: []string{"netexec", "--http-port=8080"}},
		{Name: "b", Image: "busybox:1.37", Command: []string{"sh", "-c", "nc -lu -p 5978 & nc -lk -p 5978 -e true"},
			Ports: []corev1.ContainerPort{{ContainerPort: 9999}}},
		{Name: "c", Image: "example.com/unknown:1", Ports: []corev1.ContainerPort{{ContainerPort: 7000, Protocol: corev1.ProtocolUDP}}},
		{Name: "d", Image: "nginx:1.27"},
		{Name: "e", Image: "nginx:1.27"},
	}}}
	got := fmt.Sprint(Listening(p))
	// containerPort 9999 of busybox is only declared: nothing listens there.
	if want := "[TCP/80 TCP/5978 TCP/8080 UDP/5978 UDP/7000 UDP/8081]"; got != want {
		t.Errorf("Listening = %s, want %s", got, want)
	}
}

// TestAgnhostCommandReplacesEntrypoint: `kubectl create deployment ... --
// netexec` writes command [netexec], which replaces /agnhost: nothing
// listens (live, the container cannot start).
func TestAgnhostCommandReplacesEntrypoint(t *testing.T) {
	img := "registry.k8s.io/e2e-test-images/agnhost:2.66.1"
	tests := []struct {
		name string
		c    corev1.Container
		want string
		note string
	}{
		{"args", corev1.Container{Name: "a", Image: img, Args: []string{"netexec", "--http-port=8080"}}, "[TCP/8080 UDP/8081]", ""},
		{"command /agnhost", corev1.Container{Name: "a", Image: img, Command: []string{"/agnhost", "netexec", "--http-port=8080"}}, "[TCP/8080 UDP/8081]", ""},
		{"command agnhost", corev1.Container{Name: "a", Image: img, Command: []string{"agnhost"}, Args: []string{"netexec", "--http-port=9090"}}, "[TCP/9090 UDP/8081]", ""},
		{"command netexec", corev1.Container{Name: "a", Image: img, Command: []string{"netexec", "--http-port=8080"}}, "[]", "has no program \"netexec\""},
		{"shell nc", corev1.Container{Name: "a", Image: img, Command: []string{"sh", "-c", "nc -lk -p 7000 -e true"}}, "[TCP/7000]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{tt.c}}}
			if got := fmt.Sprint(Listening(p)); got != tt.want {
				t.Errorf("Listening = %s, want %s", got, tt.want)
			}
			l := containerListener(&tt.c)
			if tt.note != "" && !strings.Contains(l.note, tt.note) {
				t.Errorf("note = %q, want it to contain %q", l.note, tt.note)
			}
		})
	}
}
