package inspect

import (
	"bytes"
	"strings"
	"testing"
)

func TestGetFormats(t *testing.T) {
	_, c := labWorld(t, "ing-fix-503")
	tests := []struct {
		name string
		o    GetOptions
		want []string // substrings of stdout, in order
		not  []string
		err  string
		info string
	}{
		{name: "table", o: GetOptions{Kinds: "svc", Namespace: "ticketing"},
			want: []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "\napi ", "ClusterIP", "80/TCP", "\nfrontend "}},
		{name: "wide adds the selector", o: GetOptions{Kinds: "services", Namespace: "ticketing", Output: "wide"},
			want: []string{"SELECTOR", "app=api"}},
		{name: "load balancer address", o: GetOptions{Kinds: "svc", Names: []string{"traefik"}, Namespace: "traefik"},
			want: []string{"LoadBalancer", "172.18.0.2", "80/TCP"}},
		{name: "all-namespaces and labels", o: GetOptions{Kinds: "po", AllNamespaces: true, ShowLabels: true, Selector: "app in (api)"},
			want: []string{"NAMESPACE", "LABELS", "ticketing", "api-", "1/1", "Running", "app=api,pod-template-hash="}, not: []string{"web-", "coredns"}},
		{name: "selector that exists", o: GetOptions{Kinds: "pods", AllNamespaces: true, Selector: "k8s-app"},
			want: []string{"coredns-"}, not: []string{"api-"}},
		{name: "slices by service", o: GetOptions{Kinds: "endpointslices", Namespace: "ticketing", Selector: "kubernetes.io/service-name=api"},
			want: []string{"ADDRESSTYPE", "api-", "IPv4", "8080", "10.244."}, not: []string{"frontend"}},
		{name: "several kinds prefix names", o: GetOptions{Kinds: "deploy,svc", Namespace: "ticketing"},
			want: []string{"deployment.apps/api", "service/api"}},
		{name: "ingress", o: GetOptions{Kinds: "ing", Namespace: "ticketing"},
			want: []string{"CLASS", "HOSTS", "ADDRESS", "desk", "nginx", "desk.example.org", "172.18.0.2", "80"}},
		{name: "name", o: GetOptions{Kinds: "ingresses.networking.k8s.io", Namespace: "ticketing", Output: "name"},
			want: []string{"ingress.networking.k8s.io/desk\n"}},
		{name: "yaml of one object", o: GetOptions{Kinds: "svc", Names: []string{"api"}, Namespace: "ticketing", Output: "yaml"},
			want: []string{"apiVersion: v1\n", "kind: Service\n", "name: api\n", "clusterIP: 10.96."}, not: []string{"kind: List"}},
		{name: "json list", o: GetOptions{Kinds: "ns", Output: "json"},
			want: []string{`"name": "ticketing"`, `"kind": "List"`}},
		{name: "jsonpath", o: GetOptions{Kinds: "pod", Names: []string{"monitor"}, Namespace: "ticketing", Output: "jsonpath={.status.podIP}"},
			want: []string{"10.244."}},
		{name: "empty", o: GetOptions{Kinds: "netpol", Namespace: "ticketing"}, info: "No resources found in ticketing namespace.\n"},
		{name: "missing", o: GetOptions{Kinds: "svc", Names: []string{"web"}, Namespace: "ticketing"}, err: `services "web" not found`},
		{name: "unknown kind", o: GetOptions{Kinds: "gateways"}, err: `doesn't have a resource type "gateways"`},
		{name: "bad output", o: GetOptions{Kinds: "po", Output: "go-template={{.}}"}, err: "-o \"go-template={{.}}\""},
		{name: "bad selector", o: GetOptions{Kinds: "po", Selector: "a=(b"}, err: "-l \"a=(b\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, info bytes.Buffer
			err := Get(&out, &info, c, tt.o)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rest := out.String()
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, out.String())
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tt.not {
				if strings.Contains(out.String(), n) {
					t.Errorf("output has %q:\n%s", n, out.String())
				}
			}
			if info.String() != tt.info {
				t.Errorf("info = %q, want %q", info.String(), tt.info)
			}
		})
	}
}

func TestDescribeShowsBackendsAndPolicies(t *testing.T) {
	_, c := labWorld(t, "ing-fix-503")
	var out bytes.Buffer
	if err := Describe(&out, c, DescribeOptions{Kind: "ingress", Names: []string{"desk"}, Namespace: "ticketing"}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Name:", "desk", "Ingress Class:", "nginx", "desk.example.org", "/api", "api:80 (10.244."} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("describe ingress lacks %q:\n%s", w, out.String())
		}
	}
	_, c = labWorld(t, "np-test-network-policy")
	out.Reset()
	if err := Describe(&out, c, DescribeOptions{Kind: "networkpolicies", Names: []string{"test-network-policy"}, Namespace: "prod"}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"PodSelector:     role=db", "Allowing ingress traffic:", "To Port: 6379/TCP", "CIDR: 172.17.0.0/16", "Except: 172.17.1.0/24",
		"NamespaceSelector: project=myproject", "Allowing egress traffic:", "Policy Types: Ingress, Egress"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("describe netpol lacks %q:\n%s", w, out.String())
		}
	}
	if err := Describe(&out, c, DescribeOptions{Kind: "svc", Namespace: "nowhere"}); err == nil || !strings.Contains(err.Error(), "no services found in nowhere namespace") {
		t.Errorf("empty namespace: %v", err)
	}
}
