package live

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
)

const pinnedSetup = `
apiVersion: v1
kind: Namespace
metadata: {name: secure}
---
apiVersion: v1
kind: Namespace
metadata: {name: outside}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: secure, labels: {app: api}}
spec:
  containers:
  - {name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.66.1, args: ["netexec", "--http-port=8080"]}
---
apiVersion: v1
kind: Pod
metadata: {name: vm, namespace: outside, labels: {app: vm}}
spec:
  containers:
  - {name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.66.1, args: ["netexec", "--http-port=8080"]}
  - {name: sink, image: "busybox:1.37", command: ["sh", "-c", "nc -lu -p 5978"]}
status:
  podIP: 172.16.0.10
`

// TestPinnedSnapshotPredictsAsOffline: the live snapshot (the cluster's
// objects without the pinned pods, which live has no pod for, plus the pods
// the stand-ins play) predicts exactly what the offline cluster says: the
// pinned pod is a host to NetworkPolicy in both.
func TestPinnedSnapshotPredictsAsOffline(t *testing.T) {
	answers := map[string]string{
		"egress to every namespace": `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x, namespace: secure}
spec: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{namespaceSelector: {}}]}]}
`,
		"ingress from every namespace": `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x, namespace: secure}
spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}
`,
		"ipBlock both ways": `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x, namespace: secure}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{ipBlock: {cidr: 172.16.0.0/16}}]}]
  egress: [{to: [{ipBlock: {cidr: 172.16.0.0/16}}]}]
`,
		"deny-all in the host's namespace": `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: outside}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`,
	}
	// secure/api → outside/vm on TCP 8080, per answer
	want8080 := map[string]probe.Outcome{
		"egress to every namespace":        probe.Denied,
		"ingress from every namespace":     probe.Connected,
		"ipBlock both ways":                probe.Connected,
		"deny-all in the host's namespace": probe.Connected,
	}
	specs := []string{
		"secure/api outside/vm 8080 TCP",
		"secure/api outside/vm 8081 UDP",
		"secure/api outside/vm 5978 UDP",
		"secure/api outside/vm 5978 TCP",
		"secure/api ip:172.16.0.10 8080 TCP",
		"outside/vm secure/api 8080 TCP",
	}
	setup, err := manifest.Decode("setup", []byte(pinnedSetup))
	if err != nil {
		t.Fatal(err)
	}
	_, pinned, err := LabSetup(setup, "default")
	if err != nil {
		t.Fatal(err)
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			ans, err := manifest.Decode("answer", []byte(answer))
			if err != nil {
				t.Fatal(err)
			}
			c, err := offline.Build(setup, ans, "default")
			if err != nil {
				t.Fatal(err)
			}
			// Live, the pinned pod does not exist: the snapshot adds the
			// pod its stand-in plays.
			o := c.Objects()
			var pods []corev1.Pod
			for _, p := range o.Pods {
				if p.Namespace+"/"+p.Name != "outside/vm" {
					pods = append(pods, p)
				}
			}
			o.Pods = pods
			for _, podNet := range [][]netip.Prefix{{netip.MustParsePrefix(offline.PodCIDR)}, nil} {
				snap := buildSnapshot(o, pinned, netip.Addr{}, podNet)
				vm := snap.model.Pod("outside", "vm")
				// No policy selects a host, for ingress or egress: traffic
				// from the pinned pod to itself is never policed.
				self, err := snap.model.Route(pinnedSpec(t, "outside/vm", "outside/vm", "8080", "TCP"))
				if !snap.model.IsHost(vm) || err != nil || self.Policed {
					t.Fatalf("pod network %v: the pinned pod is not a host, or a policy selects it (%v)", podNet, err)
				}
				for i, s := range specs {
					f := strings.Fields(s)
					spec := pinnedSpec(t, f[0], f[1], f[2], f[3])
					want, err1 := c.Model().Probe(spec)
					got, err2 := snap.model.Probe(spec)
					if err1 != nil || err2 != nil {
						t.Fatalf("%s: offline error %v, live snapshot error %v", s, err1, err2)
					}
					if i == 0 && want.Outcome != want8080[name] {
						t.Errorf("%s: offline says %s, want %s: %v", s, want.Outcome, want8080[name], want.Reasons)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("pod network %v, %s: live snapshot predicts %s %v, offline %s %v", podNet, s, got.Outcome, got.Reasons, want.Outcome, want.Reasons)
					}
				}
			}
		})
	}
}

func pinnedSpec(t *testing.T, from, to, port, proto string) probe.Spec {
	t.Helper()
	src, err := probe.ParseSource(from)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := probe.ParseTarget(to)
	if err != nil {
		t.Fatal(err)
	}
	p, err := probe.ParsePort(port)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := probe.ParseProtocol(proto)
	if err != nil {
		t.Fatal(err)
	}
	return probe.Spec{From: src, To: dst, Port: p, Protocol: pr}
}

func TestKubeadmPodSubnet(t *testing.T) {
	for _, tt := range []struct{ cfg, want string }{
		{"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.244.0.0/16\n  serviceSubnet: 10.96.0.0/16\n", "[10.244.0.0/16]"},
		{"networking:\n  podSubnet: 10.244.0.0/16,fd00:10:244::/56\n", "[10.244.0.0/16 fd00:10:244::/56]"},
		{"networking:\n  serviceSubnet: 10.96.0.0/16\n", "[]"},
		{"not: [yaml", "[]"},
	} {
		got := kubeadmPodSubnet(tt.cfg)
		if s := "[" + strings.Join(prefixStrings(got), " ") + "]"; s != tt.want {
			t.Errorf("kubeadmPodSubnet(%q) = %v, want %s", tt.cfg, got, tt.want)
		}
	}
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// TestStandInScript: a stand-in serves every port the model says the
// pinned pod listens on, TCP with netexec (no UDP server of its own) and
// UDP with serve-hostname, which answers agnhost connect's datagram.
func TestStandInScript(t *testing.T) {
	tcp, udp, sctp := corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP
	script, served := standInScript([]netmodel.ListenPort{
		{Port: 8081, Protocol: udp}, {Port: 8080, Protocol: tcp}, {Port: 5978, Protocol: udp}, {Port: 5978, Protocol: tcp},
		{Port: 8080, Protocol: tcp}, {Port: 9000, Protocol: sctp}, {Port: 0, Protocol: tcp},
	})
	want := "/agnhost netexec --http-port=5978 --udp-port=-1 & /agnhost netexec --http-port=8080 --udp-port=-1 & " +
		"/agnhost serve-hostname --http=false --udp --port=5978 & /agnhost serve-hostname --http=false --udp --port=8081 & exec /agnhost pause"
	if script != want {
		t.Errorf("script =\n  %s\nwant\n  %s", script, want)
	}
	if served != "TCP/5978 TCP/8080 UDP/5978 UDP/8081" {
		t.Errorf("served = %q", served)
	}
	if script, served := standInScript(nil); script != "exec /agnhost pause" || served != "" {
		t.Errorf("no ports: %q %q", script, served)
	}
	// The pinned pod of the setup: what the model infers is what is served.
	setup, err := manifest.Decode("setup", []byte(pinnedSetup))
	if err != nil {
		t.Fatal(err)
	}
	pinned := PinnedPods(setup)
	if len(pinned) != 1 {
		t.Fatalf("pinned = %v", pinned)
	}
	if _, served := standInScript(pinned[0].Listen); served != "TCP/8080 UDP/5978 UDP/8081" {
		t.Errorf("outside/vm serves %q", served)
	}
}
