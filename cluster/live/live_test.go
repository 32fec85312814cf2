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
	"strconv"
	"strings"
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
	if fmt.Sprint(got) != "[{default 10.244.0.1 eth0} {10.244.0.0/24 10.244.0.1 eth0}]" {
		t.Fatalf("viaRoutes = %v", got)
	}
}

func svc(ns, name string, ports ...corev1.ServicePort) corev1.Service {
	return corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.9", Ports: ports}}
}

func TestServicePortAndPodPort(t *testing.T) {
	s := svc("a", "web", corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}, corev1.ServicePort{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP})
	tests := []struct {
		p     probe.Port
		proto probe.Protocol
		want  int32
		err   string
	}{
		{probe.Port{Number: 80}, probe.TCP, 80, ""},
		{probe.Port{Name: "http"}, probe.TCP, 80, ""},
		{probe.Port{}, probe.TCP, 80, ""},
		{probe.Port{}, probe.UDP, 53, ""},
		{probe.Port{Number: 8080}, probe.TCP, 8080, ""}, // sent anyway: the cluster refuses it
		{probe.Port{Name: "grpc"}, probe.TCP, 0, `no TCP port named "grpc"`},
	}
	for _, tt := range tests {
		sp, err := servicePort(&s, tt.p, tt.proto)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("servicePort(%v) err = %v", tt.p, err)
			}
			continue
		}
		if err != nil || sp.Port != tt.want {
			t.Errorf("servicePort(%v, %s) = %v, %v", tt.p, tt.proto, sp, err)
		}
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9100}}}}}}
	if n, err := podPort(pod, probe.Port{Name: "metrics"}, probe.TCP); err != nil || n != 9100 {
		t.Errorf("podPort(metrics) = %d, %v", n, err)
	}
	if _, err := podPort(pod, probe.Port{}, probe.TCP); err == nil {
		t.Error("podPort with two ports and none named: no error")
	}
}

func TestSnapshotLookups(t *testing.T) {
	webPod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-1", Labels: map[string]string{"app": "web"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.7"}}
	probePod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "ckadlab-probe-x", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{probeForAnnot: "client"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.8"}}
	web := svc("shop", "web", corev1.ServicePort{Port: 80})
	alias := corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "alias"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "web.shop.svc.cluster.local"}}
	ready := true
	slice := discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-x", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.244.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "web-1"}},
			{Addresses: []string{"10.244.0.8"}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "ckadlab-probe-x"}},
		}}
	deny := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "d"}, Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	snap := buildSnapshot(netmodel.Objects{
		Pods: []corev1.Pod{webPod, probePod}, Services: []corev1.Service{web, alias},
		EndpointSlices: []discoveryv1.EndpointSlice{slice}, NetworkPolicies: []networkingv1.NetworkPolicy{deny},
	}, nil, netip.Addr{}, nil)
	if snap.pods["shop/ckadlab-probe-x"] != nil {
		t.Error("probe pods must not be in the snapshot")
	}
	if eps := snap.endpointPods(&web); len(eps) != 1 || eps[0].Name != "web-1" {
		t.Errorf("endpointPods = %v", eps)
	}
	for _, tt := range []struct{ name, ns, want string }{
		{"web", "shop", "shop/web"}, {"web.shop", "apps", "shop/web"}, {"web.shop.svc", "", "shop/web"},
		{"web.shop.svc.cluster.local.", "", "shop/web"}, {"web", "apps", ""}, {"example.com", "shop", ""},
	} {
		got := ""
		if s := snap.serviceByName(tt.name, tt.ns); s != nil {
			got = s.Namespace + "/" + s.Name
		}
		if got != tt.want {
			t.Errorf("serviceByName(%q, %q) = %q, want %q", tt.name, tt.ns, got, tt.want)
		}
	}
	if s := snap.followExternalName(snap.services["apps/alias"]); s == nil || s.Name != "web" {
		t.Errorf("followExternalName = %v", s)
	}
	if !snap.selected(snap.pods["shop/web-1"], networkingv1.PolicyTypeIngress) || snap.selected(snap.pods["shop/web-1"], networkingv1.PolicyTypeEgress) {
		t.Error("selected: a policy without policyTypes and egress rules is Ingress only")
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
