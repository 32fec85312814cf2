package kind

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestKindLoggerTurnsStepsIntoEvents(t *testing.T) {
	var got []string
	p := newProgress(func(e Event) { got = append(got, string(e.Kind)+":"+e.Step+e.Message) })
	l := kindLogger{p}
	l.V(0).Infof("Creating cluster %q ...\n", "x")
	l.V(0).Infof(" • %s  ...\n", "Ensuring node image (kindest/node:v1.37.0) 🖼")
	l.V(0).Infof(" ✓ %s\n", "Ensuring node image (kindest/node:v1.37.0) 🖼")
	l.V(0).Infof(" • %s  ...\n", "Preparing nodes 📦")
	l.V(0).Info(" • Ready after 8s 💚")
	l.V(0).Infof(" ✗ %s\n", "Preparing nodes 📦")
	l.V(1).Info("debug line never shown")
	l.Warn("cgroup v1 is deprecated")
	want := []string{
		`info:Creating cluster "x" ...`,
		"step-started:Ensuring node image (kindest/node:v1.37.0)Ensuring node image (kindest/node:v1.37.0)",
		"step-done:Ensuring node image (kindest/node:v1.37.0)Ensuring node image (kindest/node:v1.37.0)",
		"step-started:Preparing nodesPreparing nodes",
		"info:Ready after 8s",
		"step-failed:Preparing nodesPreparing nodes",
		"warning:cgroup v1 is deprecated",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	steps := p.Steps()
	if len(steps) != 2 || !steps[0].OK || steps[1].OK || steps[1].Name != "Preparing nodes" {
		t.Fatalf("steps = %+v", steps)
	}
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		env  string
		in   Options
		want Options
	}{
		{"", Options{}, Options{Name: "ckadlab", NodeImage: DefaultNodeImage, HTTPPort: 8080, HTTPSPort: 8443, Wait: 4 * time.Minute, KubeProxyMode: "nftables"}},
		{"kind-offline.local/node:v1.37.2", Options{Name: "x", HTTPPort: -1}, Options{Name: "x", NodeImage: "kind-offline.local/node:v1.37.2", HTTPPort: -1, HTTPSPort: 8443, Wait: 4 * time.Minute, KubeProxyMode: "nftables"}},
		{"ignored:v1", Options{NodeImage: "kindest/node:v1.35.0", KubeProxyMode: "iptables"}, Options{Name: "ckadlab", NodeImage: "kindest/node:v1.35.0", HTTPPort: 8080, HTTPSPort: 8443, Wait: 4 * time.Minute, KubeProxyMode: "iptables"}},
	}
	for _, tt := range tests {
		t.Setenv(NodeImageEnv, tt.env)
		got := tt.in.withDefaults()
		got.Events = nil
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("withDefaults(%+v) with $%s=%q = %+v, want %+v", tt.in, NodeImageEnv, tt.env, got, tt.want)
		}
	}
}

func TestClusterConfig(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		cgroup  bool
		mapping int
		patch   bool
	}{
		{"defaults on cgroup v2", Options{}.withDefaults(), false, 2, false},
		{"cgroup v1 host", Options{}.withDefaults(), true, 2, true},
		{"no host ports", Options{HTTPPort: -1, HTTPSPort: -1}.withDefaults(), false, 0, false},
	}
	for _, tt := range tests {
		cfg := clusterConfig(tt.opts, tt.cgroup)
		if len(cfg.Nodes) != 1 || len(cfg.Nodes[0].ExtraPortMappings) != tt.mapping {
			t.Errorf("%s: nodes %+v", tt.name, cfg.Nodes)
		}
		for _, m := range cfg.Nodes[0].ExtraPortMappings {
			if m.ListenAddress != "127.0.0.1" {
				t.Errorf("%s: host port %d listens on %q, want 127.0.0.1 only", tt.name, m.HostPort, m.ListenAddress)
			}
		}
		hasPatch := len(cfg.KubeadmConfigPatches) == 1 && strings.Contains(cfg.KubeadmConfigPatches[0], "failCgroupV1: false")
		if hasPatch != tt.patch || cfg.Networking.APIServerAddress != "127.0.0.1" || string(cfg.Networking.KubeProxyMode) != tt.opts.KubeProxyMode {
			t.Errorf("%s: patches %q networking %+v", tt.name, cfg.KubeadmConfigPatches, cfg.Networking)
		}
	}
}

func TestNeedsCgroupV1Patch(t *testing.T) {
	for img, want := range map[string]bool{
		"kindest/node:v1.37.0@sha256:abc":   true,
		"kind-offline.local/node:v1.37.2":   true,
		"kindest/node:v1.31.0":              true,
		"kindest/node:v1.30.4":              false,
		"registry.example.com/node:latest":  true,
		"registry.example.com:5000/node:v1": true,
	} {
		if got := needsCgroupV1Patch(img); got != want {
			t.Errorf("needsCgroupV1Patch(%q) = %v, want %v", img, got, want)
		}
	}
}

func TestClassifyDockerError(t *testing.T) {
	tests := []struct {
		stderr string
		want   string
	}{
		{"Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?", "the Docker daemon is not running"},
		{"permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock", "no permission to use the Docker daemon socket"},
		{"error during connect: something odd", "Docker does not work: error during connect"},
	}
	for _, tt := range tests {
		err := classifyDockerError(context.Background(), &DockerError{Args: []string{"info"}, Stderr: tt.stderr, Err: errors.New("exit 1")})
		var pe *PreflightError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrNoDocker) || !strings.Contains(err.Error(), "--cluster offline") {
			t.Errorf("classify(%q) = %v", tt.stderr, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := classifyDockerError(ctx, errors.New("killed")); !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("timeout: %v", err)
	}
}

func lbService(ns, name string, created int, ip string) corev1.Service {
	s := corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(time.Unix(int64(created), 0))},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{{Port: 80}}},
	}
	if ip != "" {
		s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}}
	}
	return s
}

func TestPlanLB(t *testing.T) {
	node := netip.MustParseAddr("172.18.0.2")
	subnet := netip.MustParsePrefix("172.18.0.0/16")
	clusterIP := corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "plain"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}}
	tests := []struct {
		name  string
		svcs  []corev1.Service
		used  []string
		want  map[string]string
		extra []string
	}{
		{"the ingress controller gets the node address",
			[]corev1.Service{lbService("traefik", "traefik", 1, ""), clusterIP}, nil,
			map[string]string{"traefik/traefik": "172.18.0.2"}, nil},
		{"every other load balancer gets its own address, oldest first, from the top",
			[]corev1.Service{lbService("b", "two", 3, ""), lbService("traefik", "traefik", 1, ""), lbService("a", "one", 2, "")}, nil,
			map[string]string{"traefik/traefik": "172.18.0.2", "a/one": "172.18.255.254", "b/two": "172.18.255.253"}, []string{"172.18.255.253", "172.18.255.254"}},
		{"addresses in use on the network are skipped",
			[]corev1.Service{lbService("a", "one", 2, "")}, []string{"172.18.255.254"},
			map[string]string{"a/one": "172.18.255.253"}, []string{"172.18.255.253"}},
		{"a published address is kept",
			[]corev1.Service{lbService("a", "one", 2, ""), lbService("b", "old", 1, "172.18.255.200")}, nil,
			map[string]string{"a/one": "172.18.255.254", "b/old": "172.18.255.200"}, []string{"172.18.255.200", "172.18.255.254"}},
		{"an address taken by a container is given up",
			[]corev1.Service{lbService("b", "old", 1, "172.18.0.7")}, []string{"172.18.0.7"},
			map[string]string{"b/old": "172.18.255.254"}, []string{"172.18.255.254"}},
		{"two Services never share an address",
			[]corev1.Service{lbService("a", "x", 1, "172.18.255.254"), lbService("a", "y", 2, "172.18.255.254")}, nil,
			map[string]string{"a/x": "172.18.255.254", "a/y": "172.18.255.253"}, []string{"172.18.255.253", "172.18.255.254"}},
	}
	for _, tt := range tests {
		used := map[netip.Addr]bool{}
		for _, u := range tt.used {
			used[netip.MustParseAddr(u)] = true
		}
		plan, err := planLB(tt.svcs, node, subnet, used)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := map[string]string{}
		for k, v := range plan.assign {
			got[k] = v.String()
		}
		var extra []string
		for _, a := range plan.extra {
			extra = append(extra, a.String())
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || fmt.Sprint(extra) != fmt.Sprint(tt.extra) {
			t.Errorf("%s: assign %v extra %v; want %v %v", tt.name, got, extra, tt.want, tt.extra)
		}
	}
	// A full /30 has two usable addresses: the node's and one more.
	full := netip.MustParsePrefix("10.9.0.0/30")
	if _, err := planLB([]corev1.Service{lbService("a", "x", 1, ""), lbService("a", "y", 2, "")}, netip.MustParseAddr("10.9.0.1"), full, nil); err == nil {
		t.Error("planLB on an exhausted network: no error")
	}
}

func TestSubnetLastAndAddrShow(t *testing.T) {
	for p, want := range map[string]string{"172.18.0.0/16": "172.18.255.254", "10.1.2.0/24": "10.1.2.254", "192.168.7.5/30": "192.168.7.6"} {
		if got := subnetLast(netip.MustParsePrefix(p)); got.String() != want {
			t.Errorf("subnetLast(%s) = %s, want %s", p, got, want)
		}
	}
	out := `1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
2: eth0    inet 172.18.0.2/16 brd 172.18.255.255 scope global eth0\       valid_lft forever preferred_lft forever
2: eth0    inet 172.18.255.254/32 scope global eth0\       valid_lft forever preferred_lft forever
3: vethab    inet 10.244.0.1/32 scope global vethab\       valid_lft forever preferred_lft forever
`
	dev, have := parseAddrShow(out, netip.MustParseAddr("172.18.0.2"))
	if dev != "eth0" || len(have) != 1 || !have[netip.MustParseAddr("172.18.255.254")] {
		t.Fatalf("parseAddrShow = %q %v", dev, have)
	}
}

func TestSameIngressAndOurs(t *testing.T) {
	a := []corev1.LoadBalancerIngress{{IP: "172.18.0.2"}}
	if !sameIngress(a, []corev1.LoadBalancerIngress{{IP: "172.18.0.2"}}) || sameIngress(a, nil) || sameIngress(a, []corev1.LoadBalancerIngress{{IP: "172.18.0.3"}}) {
		t.Error("sameIngress")
	}
	subnet := netip.MustParsePrefix("172.18.0.0/16")
	if !ours(a, netip.MustParseAddr("172.18.0.2"), subnet) || ours([]corev1.LoadBalancerIngress{{IP: "34.1.2.3"}}, netip.MustParseAddr("172.18.0.2"), subnet) {
		t.Error("ours")
	}
}

func TestAddons(t *testing.T) {
	addons, err := Addons()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	classes := map[string]string{}
	var args []string
	for _, a := range addons {
		for _, o := range a.Objects {
			kinds[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = true
			switch o.GetKind() {
			case "IngressClass":
				ctrl := fmt.Sprint(o.Object["spec"].(map[string]any)["controller"])
				classes[o.GetName()] = ctrl + " default=" + o.GetAnnotations()["ingressclass.kubernetes.io/is-default-class"]
			case "Deployment":
				c := o.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
				if img := fmt.Sprint(c["image"]); img != "docker.io/library/traefik:3.7.13" {
					t.Errorf("Traefik image %s", img)
				}
				for _, a := range c["args"].([]any) {
					args = append(args, fmt.Sprint(a))
				}
			}
		}
	}
	for _, want := range []string{"Namespace /traefik", "IngressClass /nginx", "IngressClass /traefik", "Deployment traefik/traefik", "Service traefik/traefik", "ServiceAccount traefik/traefik"} {
		if !kinds[want] {
			t.Errorf("add-ons lack %s (have %v)", want, kinds)
		}
	}
	// nginx is the default class, served by the kubernetesIngressNGINX
	// provider; traefik by the standard provider, which takes only its
	// own class (so that no Ingress is served by both).
	wantClasses := map[string]string{"nginx": NginxController + " default=true", "traefik": TraefikController + " default="}
	if fmt.Sprint(classes) != fmt.Sprint(wantClasses) {
		t.Errorf("IngressClasses %v, want %v", classes, wantClasses)
	}
	for _, want := range []string{
		"--providers.kubernetesingress=true",
		"--providers.kubernetesingress.ingressClass=traefik",
		"--providers.kubernetesingressnginx=true",
		"--providers.kubernetesingressnginx.httpEntryPoint=web",
		"--providers.kubernetesingressnginx.httpsEntryPoint=websecure",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("Traefik args lack %s: %v", want, args)
		}
	}
	for _, a := range args {
		if strings.Contains(strings.ToLower(a), "watchingresswithoutclass") {
			t.Errorf("the nginx provider must not take Ingresses without a class (the standard provider would not either): %s", a)
		}
	}
}

func TestDescribeIngressClasses(t *testing.T) {
	cs := []IngressClass{
		{Name: "nginx", Controller: NginxController, Default: true},
		{Name: "traefik", Controller: TraefikController},
		{Name: "haproxy", Controller: "haproxy.org/ingress-controller"},
	}
	want := "nginx (default: Traefik, ingress-nginx semantics), traefik (Traefik), haproxy (controller haproxy.org/ingress-controller, not served by ckadlab's Traefik)"
	if got := DescribeIngressClasses(cs); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := DescribeIngressClasses(nil); got != "none" {
		t.Errorf("no class: %s", got)
	}
	if servedBy(NginxController) == "" || servedBy(TraefikController) == "" || servedBy("x") != "" {
		t.Error("servedBy")
	}
}

func TestContext(t *testing.T) {
	if Context("") != "kind-ckadlab" || Context("lab2") != "kind-lab2" {
		t.Fatal(Context(""), Context("lab2"))
	}
}
