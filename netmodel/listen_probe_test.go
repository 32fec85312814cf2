package netmodel

import (
	"testing"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestProbeListeningGaps: porter's ports are served, and a port of a
// container the model cannot read is "cannot tell" (Ungradable), never
// "nothing listens".
func TestProbeListeningGaps(t *testing.T) {
	porter := func(env ...corev1.EnvVar) corev1.Container {
		return corev1.Container{Name: "porter", Image: rfAgnhost, Command: []string{"/agnhost", "porter"}, Env: env}
	}
	unknown := func(c *rf) {
		c.pod("shop", "custom", map[string]string{"app": "custom"}, corev1.Container{Name: "app", Image: "example.com/shop/api:1.0", Ports: []corev1.ContainerPort{{ContainerPort: 5000}}})
	}
	runRFCases(t, []rfCase{
		{name: "porter SERVE_PORT_N answers HTTP", from: "shop/client", to: "shop/porter", port: "8080", http: &probe.HTTPExpect{Path: "/"},
			setup:   func(c *rf) { c.pod("shop", "porter", nil, porter(corev1.EnvVar{Name: "SERVE_PORT_8080", Value: "hi"})) },
			allowed: true, outcome: probe.Connected, status: 200},
		{name: "porter SERVE_TCP_PORT_N", from: "shop/client", to: "shop/porter", port: "9001",
			setup: func(c *rf) {
				c.pod("shop", "porter", nil, porter(corev1.EnvVar{Name: "SERVE_TCP_PORT_9001", Value: "hi"}))
			},
			allowed: true, outcome: probe.Connected},
		{name: "porter SERVE_UDP_PORT_N", from: "shop/client", to: "shop/porter", port: "9002", proto: "udp",
			setup: func(c *rf) {
				c.pod("shop", "porter", nil, porter(corev1.EnvVar{Name: "SERVE_UDP_PORT_9002", Value: "hi"}))
			},
			allowed: true, outcome: probe.Connected},
		{name: "porter SERVE_TLS_PORT_N expects TLS", from: "shop/client", to: "shop/porter", port: "9443", http: &probe.HTTPExpect{Path: "/"},
			setup: func(c *rf) {
				c.pod("shop", "porter", nil, porter(corev1.EnvVar{Name: "SERVE_TLS_PORT_9443", Value: "hi"}))
			},
			allowed: true, outcome: probe.Connected, status: 400, reasons: []string{"expects TLS"}},
		{name: "porter SERVE_SCTP_PORT_N", from: "shop/client", to: "shop/porter", port: "80", proto: "sctp",
			setup: func(c *rf) {
				c.pod("shop", "porter", nil, porter(corev1.EnvVar{Name: "SERVE_SCTP_PORT_80", Value: "foo"}))
			},
			allowed: true, outcome: probe.Connected},
		{name: "porter UDP variable on TCP is refused", from: "shop/client", to: "shop/porter", port: "9002",
			setup: func(c *rf) {
				c.pod("shop", "porter", nil, porter(corev1.EnvVar{Name: "SERVE_UDP_PORT_9002", Value: "hi"}))
			},
			allowed: false, outcome: probe.Refused, summary: "Refused: nothing listens on shop/porter TCP/9002.",
			reasons: []string{"pod shop/porter listens on UDP/9002 (agnhost porter)"}},
		{name: "unknown image on an undeclared port cannot be graded", from: "shop/client", to: "shop/custom", port: "6000",
			setup: unknown, allowed: false, outcome: probe.Refused, summary: "Refused, as far as the offline model can tell",
			ungradable: "cannot tell what pod shop/custom listens on: container app runs image example.com/shop/api:1.0, which the offline model does not simulate, and no container declares containerPort TCP/6000: this check cannot be graded offline",
			notReasons: []string{"nothing listens on TCP/6000"}},
		{name: "unknown image behind a Service", from: "shop/client", to: "svc:shop/custom", port: "80",
			setup: func(c *rf) {
				unknown(c)
				c.svc("shop", "custom", map[string]string{"app": "custom"}, corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt(6000)})
			},
			allowed: false, outcome: probe.Refused, service: "shop/custom", ungradable: "cannot tell what pod shop/custom listens on"},
		{name: "a NetworkPolicy drop decides before the listener", from: "shop/client", to: "shop/custom", port: "6000",
			setup: func(c *rf) {
				unknown(c)
				c.netpol(rfDenyIngress("shop", "deny", map[string]string{"app": "custom"}))
			},
			allowed: false, outcome: probe.Denied},
		{name: "agnhost subcommand not modelled", from: "shop/client", to: "shop/tw", port: "80",
			setup: func(c *rf) {
				c.pod("shop", "tw", nil, corev1.Container{Name: "web", Image: rfAgnhost, Args: []string{"test-webserver"}})
			},
			allowed: false, outcome: probe.Refused, ungradable: "container web runs agnhost test-webserver, which the offline model does not simulate"},
		{name: "netexec /echo?code=503 answers 503", from: "shop/client", to: "shop/web-1", port: "8080", http: &probe.HTTPExpect{Path: "/echo?msg=x&code=503"},
			allowed: true, outcome: probe.Connected, status: 503, reasons: []string{"netexec /echo answers with the status its code parameter asks for (503)"}},
		{name: "netexec /healthz without a UDP server", from: "shop/client", to: "shop/h", port: "8080", http: &probe.HTTPExpect{Path: "/healthz", Status: 200},
			setup:   func(c *rf) { c.pod("shop", "h", nil, rfNetexec("--http-port=8080", "--udp-port=-1")) },
			allowed: false, outcome: probe.HTTPError, status: 412, summary: "expected status 200, but shop/h answers 412"},
		{name: "netexec --http-override", from: "shop/client", to: "shop/o", port: "8080", http: &probe.HTTPExpect{Path: "/"},
			setup:   func(c *rf) { c.pod("shop", "o", nil, rfNetexec("--http-port=8080", "--http-override=/echo?code=418")) },
			allowed: true, outcome: probe.Connected, status: 418, reasons: []string{"netexec --http-override=/echo?code=418 answers every request as GET /echo?code=418"}},
		{name: "a known image stays decided", from: "shop/client", to: "shop/web-1", port: "80",
			allowed: false, outcome: probe.Refused, summary: "Refused: nothing listens on shop/web-1 TCP/80."},
	})
}
