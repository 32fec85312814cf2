package netmodel

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestCause: Result.Cause leads with what decided the outcome and leaves
// the rest of the path (how the traffic got there) to Reasons.
func TestCause(t *testing.T) {
	c := rfNginxCluster(t)
	c.svc("m", "badtp", map[string]string{"app": "a"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(9999)})
	c.nginxIngress("t", nil, rfRule("s.test",
		rfPath(rfPrefix, "/missing", "nope", 80),
		rfPath(rfPrefix, "/badtp", "badtp", 80),
		rfPath(rfPrefix, "/ok", "a", 80),
		rfPath(rfPrefix, "/c", "c", 80),
	))
	c.pod("m", "client", map[string]string{"app": "client"}, rfSleeper())
	c.netpol(rfDenyIngress("m", "deny-c", map[string]string{"app": "c"}))
	c.loadBalancer(c.svc("m", "clb", map[string]string{"app": "c"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)}))
	c.loadBalancer(c.svc("m", "alb", map[string]string{"app": "a"}, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt(8080)}))
	m := c.model()
	tests := []struct {
		name, from, to, port string
		want, notWant        []string // substrings of Cause lines
	}{
		{"503 for a missing Service", "external", "ingress:s.test/missing", "",
			[]string{"answers 503", "decided by class nginx", "the request matches Ingress m/t rule s.test /missing", "keeps the router of a path"},
			[]string{"kube-proxy masquerades", "reaches the ingress controller", "NetworkPolicy", "receives the request"}},
		{"502 nothing listens", "external", "ingress:s.test/badtp", "",
			[]string{"nothing listens", "the request matches Ingress m/t rule s.test /badtp", "answers 502"},
			[]string{"kube-proxy masquerades", "no NetworkPolicy selects"}},
		{"404 no rule", "external", "ingress:s.test/other", "",
			[]string{"none of its paths"},
			[]string{"kube-proxy masquerades", "no NetworkPolicy selects"}},
		{"refused direct", "m/client", "svc:m/badtp", "80",
			[]string{"Refused: nothing listens", "nothing listens on TCP/9999"},
			[]string{"no NetworkPolicy selects", "port 80/TCP → targetPort"}},
		{"denied direct", "m/client", "svc:m/c", "80",
			[]string{"Denied", "NetworkPolicy m/deny-c"},
			[]string{"port 80/TCP → targetPort"}},
		{"denied after masquerading: the source address decided", "external", "lb:m/clb", "80",
			[]string{"Denied", "NetworkPolicy m/deny-c", "kube-proxy masquerades"},
			[]string{"has the load balancer address"}},
		{"connected, no policy: the source address decided nothing", "external", "lb:m/alb", "80",
			[]string{"Connected"},
			[]string{"kube-proxy masquerades", "has the load balancer address"}},
		{"denied at the backend behind the ingress controller: the client's masquerade decided nothing", "external", "ingress:s.test/c", "",
			[]string{"Denied", "NetworkPolicy m/deny-c", "answers 504"},
			[]string{"kube-proxy masquerades"}},
		{"connected: the policies decided", "m/client", "svc:m/a", "80",
			[]string{"Connected", "no NetworkPolicy selects pod m/a-1 for ingress", "no NetworkPolicy selects pod m/client for egress"},
			[]string{"port 80/TCP → targetPort"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Probe(rfSpec(t, tt.from, tt.to, tt.port, ""))
			if err != nil {
				t.Fatal(err)
			}
			explain := "\ncause:\n  " + strings.Join(got.Cause, "\n  ") + "\nreasons:\n  " + strings.Join(got.Reasons, "\n  ")
			if len(got.Cause) == 0 || got.Cause[0] != got.Reasons[0] {
				t.Fatalf("the cause does not start with the summary;%s", explain)
			}
			for _, l := range got.Cause {
				if !slices.Contains(got.Reasons, l) {
					t.Errorf("cause line %q is not among the reasons;%s", l, explain)
				}
			}
			if len(got.Cause) >= len(got.Reasons) && len(tt.notWant) > 0 {
				t.Errorf("nothing folded;%s", explain)
			}
			for _, w := range tt.want {
				if !rfContains(got.Cause, w) {
					t.Errorf("no cause line contains %q;%s", w, explain)
				}
			}
			for _, w := range tt.notWant {
				if rfContains(got.Cause, w) {
					t.Errorf("a cause line contains %q;%s", w, explain)
				}
				if !rfContains(got.Reasons, w) {
					t.Errorf("test bug: no reason contains %q at all;%s", w, explain)
				}
			}
		})
	}
}
