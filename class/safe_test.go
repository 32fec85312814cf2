package class

import (
	"os"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/labs"
)

// demoWith is the demo lab with its setup extended by extra (YAML
// documents) and a probe check's from/to replaced.
func demoWith(t *testing.T, extraSetup, extraWrong, probeFrom, probeTo string) *labs.Lab {
	t.Helper()
	src, err := os.ReadFile("testdata/map-demo.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	if extraSetup != "" {
		s = strings.Replace(s, "'''\n\n[solution]", "---\n"+extraSetup+"\n'''\n\n[solution]", 1)
	}
	if extraWrong != "" {
		s = strings.Replace(s, "'''\nfails = [\"ops-allowed\"]", "---\n"+extraWrong+"\n'''\nfails = [\"ops-allowed\"]", 1)
	}
	if probeFrom != "" {
		s = strings.Replace(s, "from = \"ops/client\"\nto = \"dns:web.shop\"", "from = \""+probeFrom+"\"\nto = \"shop/web\"", 1)
		s = strings.Replace(s, "port = 80\nexpect", "port = 8080\nexpect", 1)
	}
	if probeTo != "" {
		s = strings.Replace(s, `to = "ingress:shop.example.com/"`, `to = "`+probeTo+`"`, 1)
	}
	l, errs := labs.Parse("demo.toml", []byte(s))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return l
}

func TestSafeReasons(t *testing.T) {
	if err := Safe(loadDemo(t)); err != nil {
		t.Fatalf("the demo is safe: %v", err)
	}
	pod := func(ns, extra string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: " + ns + "}\nspec:\n" + extra
	}
	for _, tc := range []struct {
		name                   string
		setup, wrong, from, to string
		want                   string
	}{
		{name: "cluster-scoped", setup: "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: mine}\nspec: {controller: example.com/x}", want: "IngressClass mine, an object of the whole cluster"},
		{name: "cluster role", setup: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: []", want: "ClusterRole reader, an object of the whole cluster"},
		{name: "pinned", setup: pod("shop", "  containers: [{name: x, image: busybox:1.37}]\nstatus: {podIP: 172.16.0.10}"), want: "pinned to an address (shop/x (172.16.0.10))"},
		{name: "node source", from: "ip:172.18.0.2", want: "probes from the address 172.18.0.2"},
		{name: "system pod source", from: "kube-system/coredns", want: "probes from pod kube-system/coredns of a namespace learners may not use"},
		{name: "hostless rule", wrong: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: any, namespace: shop}\nspec:\n  rules:\n  - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}", want: "rule without host (in the wrong answer wrong-label)"},
		{name: "default backend only", setup: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: all, namespace: shop}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}", want: "a default backend and no rules"},
		{name: "probe without host", to: "ingress:/", want: "request without host name (ingress:/)"},
		{name: "default namespace", setup: pod("default", "  containers: [{name: x, image: busybox:1.37}]"), want: "puts Pod default/x in namespace default, which every learner shares"},
		{name: "kube namespace", setup: pod("kube-public", "  containers: [{name: x, image: busybox:1.37}]"), want: "namespace kube-public, which every learner shares"},
		{name: "external address", setup: "apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: shop}\nspec:\n  externalIPs: [203.0.113.10]\n  ports: [{port: 80}]", want: "external address 203.0.113.10"},
		{name: "fixed cluster IP", setup: "apiVersion: v1\nkind: Service\nmetadata: {name: fixed, namespace: shop}\nspec:\n  clusterIP: 10.96.0.50\n  ports: [{port: 80}]", want: "cluster IP 10.96.0.50"},
		{name: "host port", setup: pod("shop", "  containers: [{name: x, image: busybox:1.37, ports: [{containerPort: 80, hostPort: 8080}]}]"), want: "host port 8080"},
		{name: "host network", setup: pod("shop", "  hostNetwork: true\n  containers: [{name: x, image: busybox:1.37}]"), want: "on the node's network"},
		{name: "long namespace", setup: "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + strings.Repeat("n", 43) + "}", want: "longer than 42 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Safe(demoWith(t, tc.setup, tc.wrong, tc.from, tc.to))
			if err == nil {
				t.Fatalf("Safe accepts it; want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "lab map-demo cannot run side by side") {
				t.Errorf("got %q, want it to say %q", err, tc.want)
			}
		})
	}
	// What a learner may not create at all touches nobody: a wrong answer
	// in the default namespace is no reason.
	if err := Safe(demoWith(t, "", pod("default", "  containers: [{name: x, image: busybox:1.37}]"), "", "")); err != nil {
		t.Errorf("a wrong answer in default makes the lab unsafe: %v", err)
	}
}
