package live

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestParseConnect(t *testing.T) {
	a := Attempt{Host: "10.96.0.5", Port: 80, Proto: probe.TCP, Timeout: time.Second}
	tests := []struct {
		res      ExecResult
		outcome  probe.Outcome
		timedOut bool
	}{
		{ExecResult{ExitCode: 0}, probe.Connected, false},
		{ExecResult{ExitCode: 1, Stderr: "TIMEOUT\n"}, "", true},
		{ExecResult{ExitCode: 1, Stderr: "REFUSED\n"}, probe.Refused, false},
		{ExecResult{ExitCode: 1, Stderr: "DNS: lookup nothere on 10.96.0.10:53: no such host\n"}, probe.Unresolved, false},
		{ExecResult{ExitCode: 1, Stderr: "DNS: lookup web on 10.96.0.10:53: read udp: i/o timeout\n"}, probe.Unresolved, false},
		{ExecResult{ExitCode: 1, Stderr: "OTHER: dial tcp 10.244.0.5:80: connect: no route to host\n"}, probe.Unreachable, false},
		{ExecResult{ExitCode: 1, Stderr: "OTHER: dial tcp 10.96.0.5:80: connect: network is unreachable\n"}, probe.Unreachable, false},
		{ExecResult{ExitCode: 1, Stderr: "TIMEOUT: read udp 10.244.0.9:4000->10.96.0.7:5353: i/o timeout\n"}, "", true},
		{ExecResult{ExitCode: 1, Stderr: "REFUSED: read udp: connection refused\n"}, probe.Refused, false},
	}
	for _, tt := range tests {
		o := a.parseConnect(tt.res)
		if o.Outcome != tt.outcome || o.TimedOut != tt.timedOut {
			t.Errorf("parseConnect(%q, %d) = %+v, want %s timedOut=%v", tt.res.Stderr, tt.res.ExitCode, o, tt.outcome, tt.timedOut)
		}
	}
	// The watchdog guards name lookups only: stopping the client of a
	// name means its lookup hung; a client of an address has no watchdog
	// (on a busy node it may wait long for the CPU), so such an exit is no
	// DNS verdict.
	byName := Attempt{Host: "web.shop", Port: 80, Proto: probe.TCP, Timeout: time.Second}
	if o := byName.parseConnect(ExecResult{ExitCode: 143}); o.Outcome != probe.Unresolved {
		t.Errorf("watchdog on a name: %+v, want unresolved", o)
	}
	if o := a.parseConnect(ExecResult{ExitCode: 143}); o.Outcome == probe.Unresolved {
		t.Errorf("exit 143 on an address: %+v, must not be a DNS verdict", o)
	}
	if argv := a.connectArgv(); argv[0] != "/agnhost" {
		t.Errorf("connect to an address: %q, want no watchdog", argv)
	}
	if argv := byName.connectArgv(); argv[0] != "timeout" || argv[1] != "5" || argv[2] != "/agnhost" {
		t.Errorf("connect to a name: %q, want the watchdog (timeout 5)", argv)
	}
	if argv := a.wgetArgv(); argv[0] != "wget" {
		t.Errorf("GET from an address: %q, want no watchdog", argv)
	}
}

func TestParseGet(t *testing.T) {
	a := Attempt{Host: "web", Port: 80, HTTP: true, Timeout: time.Second}
	tests := []struct {
		res     ExecResult
		outcome probe.Outcome
		status  int
		body    string
	}{
		{ExecResult{Stdout: "web-7d9f-abc", Stderr: "Connecting to web:80 (10.96.0.5:80)\n  HTTP/1.1 200 OK\n  Content-Type: text/plain\n"}, probe.Connected, 200, "web-7d9f-abc"},
		{ExecResult{ExitCode: 1, Stderr: "  HTTP/1.1 404 Not Found\nwget: server returned error: HTTP/1.1 404 Not Found\n"}, probe.Connected, 404, ""},
		{ExecResult{ExitCode: 1, Stderr: "wget: server returned error: HTTP/1.1 503 Service Unavailable\n"}, probe.Connected, 503, ""},
		{ExecResult{ExitCode: 1, Stderr: "wget: can't connect to remote host (10.96.0.5): Connection refused\n"}, probe.Refused, 0, ""},
		{ExecResult{ExitCode: 1, Stderr: "wget: bad address 'web'\n"}, probe.Unresolved, 0, ""},
		{ExecResult{ExitCode: 143}, probe.Connected, 0, ""},
	}
	for _, tt := range tests {
		o := a.parseGet(tt.res)
		if o.Outcome != tt.outcome || o.Status != tt.status || o.Body != tt.body {
			t.Errorf("parseGet(%q) = %+v", tt.res.Stderr, o)
		}
	}
	// The connection decides reachability; the GET only adds status and body.
	o := a.observe(attemptResult{connect: ExecResult{ExitCode: 1, Stderr: "TIMEOUT\n"}})
	if !o.TimedOut {
		t.Errorf("observe with a dropped connection = %+v", o)
	}
}

// TestBatchScript runs a generated batch with stand-ins for agnhost,
// timeout and wget, and reads the outputs back.
func TestBatchScript(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	atts := []Attempt{
		{Host: "10.0.0.1", Port: 80, Proto: probe.TCP, Timeout: time.Second},
		{Host: "10.0.0.2", Port: 81, Proto: probe.TCP, Timeout: time.Second, Repeat: 2},
		{Host: "web", Port: 80, HTTP: true, HTTPHost: "it's.example.com", Path: "/a b", Marker: "m1", Timeout: time.Second},
		{Host: "down", Port: 80, HTTP: true, Path: "/", Timeout: time.Second},
	}
	script, n := batchScript(atts)
	if n != 5 {
		t.Fatalf("runs = %d, want 5", n)
	}
	// Stand-ins for the container's tools, on PATH (and for /agnhost).
	bin := t.TempDir()
	tools := map[string]string{
		"timeout": "#!/bin/sh\nshift\nexec \"$@\"\n",
		"wget": `#!/bin/sh
for a in "$@"; do last="$a"; case "$a" in "Host: "*) host="$a";; esac; done
echo "  HTTP/1.1 200 OK" >&2; printf '%s|%s' "$host" "$last"
`,
		"agnhost": `#!/bin/sh
case "$4" in
  10.0.0.1:80) exit 0;;
  10.0.0.2:81) echo TIMEOUT >&2; exit 1;;
  down:80) echo "DNS: lookup down: no such host" >&2; exit 1;;
esac
exit 0
`,
	}
	for name, body := range tools {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(script, " /agnhost ", " "+filepath.Join(bin, "agnhost")+" "))
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("script: %v\n%s", err, script)
	}
	res, err := parseBatch(string(out), n)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got []string
	j := 0
	for _, a := range atts {
		for k := 0; k < a.repeats(); k++ {
			o := a.run(k).observe(res[j])
			got = append(got, fmt.Sprintf("%s/%v/%d/%s", o.Outcome, o.TimedOut, o.Status, o.Body))
			j++
		}
	}
	want := []string{
		"connected/false/0/",
		"/true/0/", "/true/0/",
		"connected/false/200/Host: it's.example.com|http://web:80/a b",
		"unresolved/false/0/",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("observations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := parseBatch("garbage", 2); err == nil {
		t.Error("parseBatch(garbage): no error")
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1:80":         "10.0.0.1:80",
		"Host: a.example.com": "'Host: a.example.com'",
		"it's":                `'it'\''s'`,
		"":                    "''",
		"http://x/$(reboot)":  "'http://x/$(reboot)'",
		"--timeout=1s":        "--timeout=1s",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestLocalSender(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Ckadlab-Probe") != "m" || r.Host != "shop.example.com" {
			http.Error(w, "wrong request", 400)
			return
		}
		if r.URL.Path == "/hostname" {
			fmt.Fprint(w, "web-1")
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	u := srv.Listener.Addr().(*net.TCPAddr)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	atts := []Attempt{
		{Host: "127.0.0.1", Port: u.Port, HTTP: true, HTTPHost: "shop.example.com", Path: "/hostname", Marker: "m", Timeout: time.Second},
		{Host: "127.0.0.1", Port: u.Port, HTTP: true, HTTPHost: "shop.example.com", Path: "/x", Marker: "m", Timeout: time.Second},
		{Host: "127.0.0.1", Port: closedPort, Proto: probe.TCP, Timeout: time.Second, Repeat: 2},
	}
	obs, err := localSender{}.Send(context.Background(), atts)
	if err != nil {
		t.Fatal(err)
	}
	if o := obs[0][0]; o.Outcome != probe.Connected || o.Status != 200 || o.Body != "web-1" {
		t.Errorf("GET /hostname = %+v", o)
	}
	if o := obs[1][0]; o.Status != 404 {
		t.Errorf("GET /x = %+v", o)
	}
	if len(obs[2]) != 2 || obs[2][0].Outcome != probe.Refused || obs[2][1].Outcome != probe.Refused {
		t.Errorf("closed port = %+v", obs[2])
	}
}

func TestViaRoutes(t *testing.T) {
	out := "default via 10.244.0.1 dev eth0 \n10.244.0.0/24 via 10.244.0.1 dev eth0  src 10.244.0.50 \n10.244.0.1 dev eth0 scope link  src 10.244.0.50 \n"
	got := viaRoutes(out)
	if fmt.Sprint(got) != "[{default 10.244.0.1 eth0 } {10.244.0.0/24 10.244.0.1 eth0 10.244.0.50}]" {
		t.Fatalf("viaRoutes = %v", got)
	}
}

// planWorld: client pods with an agnhost container (probes run there, no
// API call needed), web pods behind a Service with a TCP and a UDP port,
// an ExternalName alias in another namespace, CoreDNS, one of ckadlab's
// probe pods among the web Service's endpoints, and an ingress policy
// without policyTypes on web.
func planWorld() netmodel.Objects {
	ready := true
	running := func(ns, name, ip string, lbl map[string]string, c corev1.Container) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbl},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{c}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
				ContainerStatuses: []corev1.ContainerStatus{{Name: c.Name, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}
	}
	agnhost := func(args ...string) corev1.Container {
		return corev1.Container{Name: "agnhost", Image: ProbeImage, Args: args,
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9100}}}
	}
	web := map[string]string{"app": "web"}
	probePod := running("shop", "ckadlab-probe-x", "10.244.0.8", web, agnhost("pause"))
	probePod.Annotations = map[string]string{probeForAnnot: "client"}
	coredns := corev1.Container{Name: "coredns", Image: "registry.k8s.io/coredns/coredns:v1.12.1", Args: []string{"-conf", "/etc/coredns/Corefile"},
		Ports: []corev1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}}}
	endpoint := func(ns, pod, ip string) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod}}
	}
	slicePort := func(name string, port int32, proto corev1.Protocol) discoveryv1.EndpointPort {
		return discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto}
	}
	return netmodel.Objects{
		Nodes: []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
			Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "172.18.0.2"}}}}},
		Namespaces: []corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, {ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, {ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}},
		Pods: []corev1.Pod{
			running("shop", "client", "10.244.0.5", map[string]string{"app": "client"}, agnhost("pause")),
			running("apps", "client", "10.244.0.6", map[string]string{"app": "client"}, agnhost("pause")),
			running("shop", "web-1", "10.244.0.7", web, agnhost("netexec", "--http-port=8080", "--udp-port=5353")),
			probePod,
			running("kube-system", "coredns-1", "10.244.0.2", map[string]string{"k8s-app": "kube-dns"}, coredns),
		},
		Services: []corev1.Service{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.9", Selector: web, Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")},
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt(5353)}}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "alias"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "web.shop.svc.cluster.local"}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-dns"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.10", Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}}}},
		},
		EndpointSlices: []discoveryv1.EndpointSlice{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-x", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
				AddressType: discoveryv1.AddressTypeIPv4,
				Ports:       []discoveryv1.EndpointPort{slicePort("http", 8080, corev1.ProtocolTCP), slicePort("dns", 5353, corev1.ProtocolUDP)},
				Endpoints:   []discoveryv1.Endpoint{endpoint("shop", "web-1", "10.244.0.7"), endpoint("shop", "ckadlab-probe-x", "10.244.0.8")}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-dns-x", Labels: map[string]string{discoveryv1.LabelServiceName: "kube-dns"}},
				AddressType: discoveryv1.AddressTypeIPv4,
				Ports:       []discoveryv1.EndpointPort{slicePort("dns", 53, corev1.ProtocolUDP)},
				Endpoints:   []discoveryv1.Endpoint{endpoint("kube-system", "coredns-1", "10.244.0.2")}},
		},
		NetworkPolicies: []networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "d"},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: web}}}},
	}
}

// TestPlanFollowsTheRoute: the live plan sends to the model's entry (a
// Service port by number or name, the only port of the protocol, a number
// the Service does not have, a container port by name, a DNS name as the
// probe names it, an ExternalName's target), reports the route's Service,
// identifies answers among the route's pods (never ckadlab's probe pods),
// and reads vanished packets as a policy's doing only when a policy
// applies (a policy without policyTypes and egress rules isolates
// ingress only).
func TestPlanFollowsTheRoute(t *testing.T) {
	snap := buildSnapshot(planWorld(), nil, netip.Addr{}, nil)
	if snap.model.Pod("shop", "ckadlab-probe-x") != nil {
		t.Fatal("probe pods must not be in the snapshot")
	}
	b := New(&Clients{Context: "test"}, Options{})
	tests := []struct {
		from, to, port, proto string
		host                  string
		att                   int
		service, reach, err   string
		policed               bool
	}{
		{from: "shop/client", to: "svc:shop/web", port: "80", host: "10.96.0.9", att: 80, service: "shop/web", reach: "shop/web-1", policed: true},
		{from: "shop/client", to: "svc:shop/web", port: "http", host: "10.96.0.9", att: 80, service: "shop/web", reach: "shop/web-1", policed: true},
		{from: "shop/client", to: "svc:shop/web", port: "", host: "10.96.0.9", att: 80, service: "shop/web", reach: "shop/web-1", policed: true},
		{from: "shop/client", to: "svc:shop/web", port: "", proto: "UDP", host: "10.96.0.9", att: 53, service: "shop/web", reach: "shop/web-1", policed: true},
		// sent anyway: the cluster refuses it
		{from: "shop/client", to: "svc:shop/web", port: "8080", host: "10.96.0.9", att: 8080, service: "shop/web", reach: "shop/web-1", policed: true},
		{from: "shop/client", to: "svc:shop/web", port: "grpc", err: `no TCP port named "grpc"`},
		{from: "shop/client", to: "shop/web-1", port: "metrics", host: "10.244.0.7", att: 9100, reach: "shop/web-1", policed: true},
		{from: "shop/client", to: "shop/web-1", port: "", err: "declares 2 TCP container ports"},
		{from: "shop/client", to: "dns:web", port: "80", host: "web", att: 80, service: "shop/web", reach: "shop/web-1", policed: true},
		{from: "apps/client", to: "dns:web.shop", port: "80", host: "web.shop", att: 80, service: "shop/web", reach: "shop/web-1", policed: true},
		{from: "apps/client", to: "dns:web.shop.svc.cluster.local.", port: "80", host: "web.shop.svc.cluster.local", att: 80, service: "shop/web", reach: "shop/web-1", policed: true},
		{from: "apps/client", to: "svc:apps/alias", port: "80", host: "web.shop.svc.cluster.local", att: 80, service: "shop/web", reach: "shop/web-1", policed: true},
		// web-1 is isolated for ingress only: its own traffic is not policed.
		{from: "shop/web-1", to: "apps/client", port: "8080", host: "10.244.0.6", att: 8080, reach: "apps/client"},
		// nothing to send traffic to
		{from: "shop/client", to: "svc:shop/nope", port: "80"},
	}
	for _, tt := range tests {
		proto := tt.proto
		if proto == "" {
			proto = "TCP"
		}
		spec := pinnedSpec(t, tt.from, tt.to, tt.port, proto)
		if tt.port == "" {
			spec.Port = probe.Port{}
		}
		name := spec.String()
		rt, err := snap.model.Route(spec)
		var pl *plan
		if err == nil {
			pl, err = b.plan(context.Background(), snap, spec, rt, nil, nil)
		}
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tt.host == "" {
			if pl.noTraffic == nil || pl.noTraffic.Outcome != probe.Unreachable || !strings.Contains(pl.noTraffic.Reasons[0], "no traffic sent: Unreachable: Service shop/nope does not exist") {
				t.Errorf("%s: no traffic expected, got %+v %+v", name, pl.att, pl.noTraffic)
			}
			continue
		}
		svc := ""
		if pl.route.Service != nil {
			svc = pl.route.Service.Namespace + "/" + pl.route.Service.Name
		}
		var reach []string
		for _, p := range pl.route.Reach {
			reach = append(reach, p.Namespace+"/"+p.Name)
		}
		if pl.noTraffic != nil || pl.att.Host != tt.host || pl.att.Port != tt.att || svc != tt.service || strings.Join(reach, " ") != tt.reach || pl.route.Policed != tt.policed {
			t.Errorf("%s: sends to %s:%d (Service %q, reach %v, policed %v, no traffic %v), want %s:%d (%q, %q, %v)",
				name, pl.att.Host, pl.att.Port, svc, reach, pl.route.Policed, pl.noTraffic, tt.host, tt.att, tt.service, tt.reach, tt.policed)
		}
		if !strings.HasPrefix(pl.key, "pod:pod "+tt.from+" ") {
			t.Errorf("%s: sent from %q, want the source pod's agnhost container", name, pl.key)
		}
		if p := podNamed(pl.route.Reach, "web-1\n"); tt.reach == "shop/web-1" && (p == nil || p.Name != "web-1") {
			t.Errorf("%s: /hostname web-1 names %v", name, p)
		}
		if podNamed(pl.route.Reach, "ckadlab-probe-x") != nil {
			t.Errorf("%s: a probe pod answered", name)
		}
	}
}

func TestNewestChange(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	mt := metav1.NewTime(t0.Add(5 * time.Second))
	o := netmodel.Objects{
		NetworkPolicies: []networkingv1.NetworkPolicy{{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(t0), ManagedFields: []metav1.ManagedFieldsEntry{{Time: &mt}}}}},
		Pods:            []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(t0)}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{LastTransitionTime: metav1.NewTime(t0.Add(7 * time.Second))}}}}},
	}
	if got := newestChange(o); !got.Equal(t0.Add(7 * time.Second)) {
		t.Fatalf("newestChange = %s", got)
	}
}

// TestLBPendingUntil: reading waits for the address of a LoadBalancer
// Service that changed a moment ago, never for one that has its address
// or for another type.
func TestLBPendingUntil(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	later := metav1.NewTime(t0.Add(4 * time.Second))
	lb := func(name string, ip string, changed ...metav1.ManagedFieldsEntry) corev1.Service {
		s := corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0), ManagedFields: changed},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}}
		if ip != "" {
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}}
		}
		return s
	}
	plain := corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "plain", CreationTimestamp: metav1.NewTime(t0.Add(time.Hour))}}
	for _, tt := range []struct {
		svcs []corev1.Service
		want time.Time
	}{
		{[]corev1.Service{plain, lb("done", "172.18.0.200")}, time.Time{}},
		{[]corev1.Service{plain, lb("pending", "")}, t0.Add(time.Second + lbWait)},
		{[]corev1.Service{lb("pending", "", metav1.ManagedFieldsEntry{Time: &later}), lb("done", "172.18.0.200")}, t0.Add(5*time.Second + lbWait)},
	} {
		if got := lbPendingUntil(netmodel.Objects{Services: tt.svcs}); !got.Equal(tt.want) {
			t.Errorf("lbPendingUntil(%d Services) = %s, want %s", len(tt.svcs), got, tt.want)
		}
	}
}

func TestAttachPrediction(t *testing.T) {
	tests := []struct {
		live, pred probe.Result
		disagrees  bool
	}{
		{probe.Result{Allowed: true, Outcome: probe.Connected}, probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: []string{"why"}}, false},
		{probe.Result{Outcome: probe.Denied}, probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: []string{"why"}}, true},
		{probe.Result{Outcome: probe.Unreachable}, probe.Result{Outcome: probe.Refused, Reasons: []string{"why"}}, true},
		{probe.Result{Outcome: probe.HTTPError, HTTPStatus: 404}, probe.Result{Outcome: probe.HTTPError, HTTPStatus: 503, Reasons: []string{"why"}}, true},
		{probe.Result{Allowed: true, Outcome: probe.Connected, Service: "a/x"}, probe.Result{Allowed: true, Outcome: probe.Connected, Service: "a/y", Reasons: []string{"why"}}, true},
		// An ungradable model only guessed: no disagreement either way.
		{probe.Result{Outcome: probe.Refused}, probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: []string{"why"}, Ungradable: "cannot tell what pod a/b listens on" + netmodel.UngradableSuffix}, false},
		{probe.Result{Allowed: true, Outcome: probe.Connected}, probe.Result{Allowed: true, Outcome: probe.Connected, Reasons: []string{"why"}, Ungradable: "cannot tell what pod a/b listens on" + netmodel.UngradableSuffix}, false},
	}
	for i, tt := range tests {
		r := tt.live
		attachPrediction(&r, tt.pred)
		if r.Disagrees != tt.disagrees || r.Prediction == "" || len(r.Reasons) == 0 {
			t.Errorf("case %d: %+v", i, r)
		}
		if tt.pred.Ungradable != "" {
			note := ""
			for _, x := range r.Reasons {
				if strings.HasPrefix(x, "note: the offline model") {
					note = x
				}
			}
			if !strings.Contains(note, "cannot tell what pod a/b listens on") || strings.Contains(note, netmodel.UngradableSuffix) || r.Ungradable != "" {
				t.Errorf("case %d: want a note with the model's reason, live gradable: %q %+v", i, note, r)
			}
		}
	}
}

func TestPinnedPodsAndLabSetup(t *testing.T) {
	y := `
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: Pod
metadata: {name: vm-a, namespace: legacy}
spec:
  containers:
  - name: c
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
status:
  podIP: 172.17.0.10
---
apiVersion: v1
kind: Pod
metadata: {name: backup, namespace: legacy}
spec:
  containers:
  - name: sink
    image: busybox:1.37
    command: ["sh", "-c", "nc -lk -p 5978 -e true"]
    ports: [{containerPort: 5978}]
  - name: http
    image: registry.k8s.io/e2e-test-images/agnhost:2.66.1
    args: ["netexec", "--http-port=8080"]
    ports: [{containerPort: 8080}]
status:
  podIP: 10.0.0.10
---
apiVersion: v1
kind: Pod
metadata: {name: normal, namespace: legacy}
spec:
  containers: [{name: c, image: nginx:1.27}]
`
	objs, err := manifest.Decode("setup", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	apply, pinned, err := LabSetup(objs, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pinned {
		got = append(got, p.Pod.Namespace+"/"+p.Pod.Name+"@"+p.Addr.String()+fmt.Sprint(p.Listen))
	}
	// What the model says they listen on: netexec's HTTP port and its
	// default UDP port 8081, busybox nc on 5978.
	if strings.Join(got, " ") != "legacy/vm-a@172.17.0.10[TCP/8080 UDP/8081] legacy/backup@10.0.0.10[TCP/5978 TCP/8080 UDP/8081]" {
		t.Fatalf("pinned = %v", got)
	}
	var names []string
	for _, u := range apply {
		names = append(names, u.GetKind()+"/"+u.GetName())
		if _, ok := u.Object["status"]; ok && u.GetKind() == "Pod" {
			t.Errorf("%s keeps its status", u.GetName())
		}
	}
	if strings.Join(names, " ") != "Namespace/legacy Pod/normal" {
		t.Fatalf("applied = %v", names)
	}
	mp := pinned[0].modelPod()
	if mp.Status.PodIP != "172.17.0.10" || mp.Status.Phase != corev1.PodRunning {
		t.Fatalf("model pod = %+v", mp.Status)
	}
	if ns := Namespaces(apply); strings.Join(ns, ",") != "legacy" {
		t.Fatalf("namespaces = %v", ns)
	}
}

func TestFindAccess(t *testing.T) {
	snap := buildSnapshot(netmodel.Objects{Pods: []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Namespace: "store", Name: "catalog-1"}, Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.12"}}}}, nil, netip.Addr{}, nil)
	logs := `{"DownstreamStatus":200,"KubernetesIngressNamespace":"store","KubernetesServiceName":"catalog","ServiceAddr":"10.244.0.12:8080","request_X-Ckadlab-Probe":"other"}
not json with abc123 in it
{"DownstreamStatus":200,"KubernetesIngressNamespace":"store","KubernetesServiceName":"catalog","ServiceAddr":"10.244.0.12:8080","request_X-Ckadlab-Probe":"abc123"}
{"DownstreamStatus":404,"request_X-Ckadlab-Probe":"nf404"}
`
	e, ok := findAccess([]byte(logs), "abc123", snap)
	if !ok || e.service != "store/catalog" || e.backend != "store/catalog-1" || e.status != 200 {
		t.Errorf("findAccess(abc123) = %+v %v", e, ok)
	}
	e, ok = findAccess([]byte(logs), "nf404", snap)
	if !ok || e.service != "" || e.status != 404 {
		t.Errorf("findAccess(nf404) = %+v %v", e, ok)
	}
	if _, ok := findAccess([]byte(logs), "missing", snap); ok {
		t.Error("found a missing marker")
	}
}

func TestLiveReadSame(t *testing.T) {
	a := liveRead{outcome: probe.Connected, status: 200, service: "a/b", backend: "a/b-1"}
	b := a
	b.backend = "a/b-2" // another replica answering is the same verdict
	c := a
	c.status = 503
	if !a.same(b) || a.same(c) {
		t.Fatal("same")
	}
}

func TestAttemptString(t *testing.T) {
	a := Attempt{Host: "10.0.0.1", Port: 5978, Proto: probe.TCP}
	if a.String() != "TCP connect 10.0.0.1:5978" || a.addr() != net.JoinHostPort("10.0.0.1", strconv.Itoa(5978)) {
		t.Fatal(a.String())
	}
}

// fakeOutside is an outside client whose network routes addresses.
type fakeOutside struct{ routes map[netip.Addr]netip.Addr }

func (fakeOutside) External(ctx context.Context) (Sender, netip.Addr, error) {
	return localSender{}, netip.Addr{}, nil
}

func (f fakeOutside) Route(ctx context.Context, dst, via netip.Addr) error {
	f.routes[dst] = via
	return nil
}

// TestPlanRoutesExternalIPs: from outside, a Service's external IP is
// routed through the node the model enters it by; another address that is
// no node's loses any such route; a node address is left alone.
func TestPlanRoutesExternalIPs(t *testing.T) {
	o := planWorld()
	o.Services = append(o.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "exporter"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.11", ExternalIPs: []string{"203.0.113.10"},
			Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 9100, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt(8080)}}}})
	snap := buildSnapshot(o, nil, netip.Addr{}, nil)
	out := fakeOutside{routes: map[netip.Addr]netip.Addr{}}
	b := New(&Clients{Context: "test"}, Options{Outside: out})
	for _, tt := range []struct {
		to, port string
		routed   bool
		via      string
	}{
		{"ip:203.0.113.10", "9100", true, "172.18.0.2"},
		{"ip:198.51.100.1", "80", true, ""},
		{"ip:172.18.0.2", "30080", false, ""},
		{"svc:shop/web", "80", false, ""},
	} {
		clear(out.routes)
		spec := pinnedSpec(t, "external", tt.to, tt.port, "TCP")
		rt, err := snap.model.Route(spec)
		if err != nil {
			t.Fatal(err)
		}
		ext, _, _ := out.External(context.Background())
		pl, err := b.plan(context.Background(), snap, spec, rt, ext, nil)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		via, routed := out.routes[netip.MustParseAddr(pl.att.Host)]
		want := netip.Addr{}
		if tt.via != "" {
			want = netip.MustParseAddr(tt.via)
		}
		if routed != tt.routed || via != want || pl.key != "external" {
			t.Errorf("%s: routed %v via %v from %q, want %v via %v", spec, routed, via, pl.key, tt.routed, want)
		}
		if note := strings.Join(pl.notes, "\n"); (tt.via != "") != strings.Contains(note, "routes 203.0.113.10 (a Service's spec.externalIPs) to node node-1 (172.18.0.2)") {
			t.Errorf("%s: notes %q", spec, note)
		}
	}
}

// TestAttachPredictionCause: a live verdict the model agrees with leads
// with the live line and the model's cause; a disagreement shows all.
func TestAttachPredictionCause(t *testing.T) {
	pred := probe.Result{Outcome: probe.Refused, HTTPStatus: 503, NoBackend: "Service a/x does not exist", NearMisses: []string{"Service b/x exists"},
		Reasons: []string{"Refused: 503", "the client reaches the controller", "the request matches rule / → Service a/x"},
		Cause:   []string{"Refused: 503", "the request matches rule / → Service a/x"}}
	live := probe.Result{Outcome: probe.Refused, HTTPStatus: 503, Reasons: []string{"Live: GET / answered 503", "sent from the outside client"}}
	r := live
	attachPrediction(&r, pred)
	want := []string{"Live: GET / answered 503", "Refused: 503", "the request matches rule / → Service a/x"}
	if !slices.Equal(r.Cause, want) || r.NoBackend != pred.NoBackend || len(r.Reasons) != 5 {
		t.Errorf("agreeing: cause %q no backend %q (%d reasons), want %q", r.Cause, r.NoBackend, len(r.Reasons), want)
	}
	r = live
	r.HTTPStatus, r.Outcome = 404, probe.HTTPError
	attachPrediction(&r, pred)
	if len(r.Cause) != 0 || r.NoBackend != "" || !r.Disagrees {
		t.Errorf("disagreeing: cause %q no backend %q, want none", r.Cause, r.NoBackend)
	}
	// Near misses are read from the objects: live as offline, whatever
	// the verdicts.
	if !slices.Equal(r.NearMisses, pred.NearMisses) {
		t.Errorf("near misses %q, want the model's %q", r.NearMisses, pred.NearMisses)
	}
}

// scriptedSender answers every run of an attempt with the next outcome of
// its script (the last one repeats): a data plane that catches up.
type scriptedSender struct {
	mu     sync.Mutex
	script []Observation
	runs   int
}

func (s *scriptedSender) String() string { return "scripted" }
func (s *scriptedSender) Send(ctx context.Context, atts []Attempt) ([][]Observation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]Observation, len(atts))
	for i, a := range atts {
		for k := 0; k < a.repeats(); k++ {
			out[i] = append(out[i], s.script[min(s.runs, len(s.script)-1)])
			s.runs++
		}
	}
	return out, nil
}

// TestConverge: a live verdict that differs from the model's is read
// again until the data plane catches up (then it agrees, with a note), or
// until Options.Converge has passed (then the difference stands, flagged);
// a verdict that agrees, or a model that only guessed, is not read again.
func TestConverge(t *testing.T) {
	snap := buildSnapshot(planWorld(), nil, netip.Addr{}, nil)
	enforced := true
	b := New(&Clients{Context: "test"}, Options{Converge: 1500 * time.Millisecond, PolicyEnforced: &enforced})
	// policy d isolates web-1 for ingress: the model says denied
	spec := pinnedSpec(t, "shop/client", "svc:shop/web", "80", "TCP")
	rt, err := snap.model.Route(spec)
	if err != nil {
		t.Fatal(err)
	}
	if rt.Result.Outcome != probe.Denied {
		t.Fatalf("model: %s", rt.Result.Outcome)
	}
	connected, dropped := Observation{Outcome: probe.Connected}, Observation{TimedOut: true}
	for _, tc := range []struct {
		name      string
		script    []Observation
		pred      probe.Result
		want      probe.Outcome
		minRuns   int
		maxRuns   int
		note      string
		disagrees bool
	}{
		{"agrees at once", []Observation{dropped}, rt.Result, probe.Denied, 2, 2, "", false},
		{"catches up", []Observation{connected, connected, connected, dropped}, rt.Result, probe.Denied, 5, 6, "caught up", false},
		{"never catches up", []Observation{connected}, rt.Result, probe.Connected, 4, 100, "it still does", true},
		{"the model only guessed", []Observation{connected}, probe.Result{Outcome: probe.Denied, Ungradable: "a guess"}, probe.Connected, 2, 2, "", false},
	} {
		pl, err := b.plan(context.Background(), snap, spec, rt, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := &scriptedSender{script: tc.script}
		pl.sender, pl.key = s, "scripted "+tc.name
		r, reads, stable, err := b.poll(context.Background(), snap, pl, true)
		if err != nil {
			t.Fatal(err)
		}
		res := b.result(spec, pl, r, reads, stable)
		res, err = b.converge(context.Background(), snap, spec, pl, tc.pred, res, reads)
		if err != nil {
			t.Fatal(err)
		}
		attachPrediction(&res, tc.pred)
		why := strings.Join(res.Reasons, "\n")
		noted := strings.Contains(why, NoteStillDiffers) || strings.Contains(why, NoteCaughtUp)
		if res.Outcome != tc.want || s.runs < tc.minRuns || s.runs > tc.maxRuns || res.Disagrees != tc.disagrees ||
			noted != (tc.note != "") || !strings.Contains(why, tc.note) {
			t.Errorf("%s: %s after %d reads (disagrees %v):\n%s", tc.name, res.Outcome, s.runs, res.Disagrees, why)
		}
	}
}
