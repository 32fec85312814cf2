package inspect

import (
	"reflect"
	"testing"
)

func TestModeLineOffline(t *testing.T) {
	m := Mode{Offline: true, Lab: "np-x", Workspace: "/ws/np-x"}
	tests := []struct{ in, want string }{
		{"kubectl -n prod get pods --show-labels", "ckadlab get pods -n prod --show-labels"},
		{"kubectl get pods -A -o wide --show-labels", "ckadlab get pods -A -o wide --show-labels"},
		{"kubectl -n ticketing describe ingress desk     # backends web:80 and api:8080",
			"ckadlab describe ingress desk -n ticketing   # backends web:80 and api:8080"},
		{"kubectl -n billing get pod invoice -o jsonpath='{.spec.containers[0].ports}'",
			"ckadlab get pod invoice -n billing -o jsonpath='{.spec.containers[0].ports}'"},
		{"kubectl -n store create ingress store --class=nginx --rule='store.example.com/cart*=cart:80'",
			"kubectl -n store create ingress store --class=nginx --rule='store.example.com/cart*=cart:80' --dry-run=client -o yaml > /ws/np-x/store-ingress.yaml"},
		{"kubectl -n apps create service externalname billing --external-name=x.legacy",
			"kubectl -n apps create service externalname billing --external-name=x.legacy --dry-run=client -o yaml > /ws/np-x/billing-service.yaml"},
		{"kubectl -n kb create ingress docs --rule='kb/docs=docs:80' --dry-run=client -o yaml > docs.yaml",
			"kubectl -n kb create ingress docs --rule='kb/docs=docs:80' --dry-run=client -o yaml > /ws/np-x/docs.yaml"},
		{"kubectl apply -f docs.yaml",
			"ckadlab check np-x   # offline, applying is saving /ws/np-x/docs.yaml: check grades every YAML file in the workspace"},
		{"vi docs.yaml   # add the path", "vi /ws/np-x/docs.yaml   # add the path"},
		{"kubectl -n support edit service helpdesk",
			"ckadlab get service helpdesk -n support -o yaml > /ws/np-x/helpdesk.yaml   # offline, then change that copy in the workspace: it replaces the lab's object"},
		{"kubectl -n support patch svc/helpdesk --type=json -p='[]'",
			"ckadlab get svc helpdesk -n support -o yaml > /ws/np-x/helpdesk.yaml   # offline, then change that copy in the workspace: it replaces the lab's object"},
		{"kubectl -n checkout exec app -- /agnhost connect --timeout=3s gateway.payment-gw:80",
			"ckadlab reach --lab np-x -f /ws/np-x --from checkout/app --to dns:gateway.payment-gw --port 80"},
		{"kubectl -n outside exec client -- /agnhost connect --timeout=3s <api-pod-ip>:8080   # times out",
			"ckadlab reach --lab np-x -f /ws/np-x --from outside/client --to ip:<api-pod-ip> --port 8080   # times out"},
		{"kubectl -n shop expose deployment catalog --port=80 --target-port=9376",
			"kubectl -n shop expose deployment catalog --port=80 --target-port=9376   # offline, kubectl expose needs a cluster: write the Service it would create as YAML in /ws/np-x"},
		{"kubectl get --namespace=prod svc web -o wide", "ckadlab get svc web -n prod -o wide"},
		{"kubectl get ns traefik --show-labels", "ckadlab get ns traefik --show-labels"},
		{"ls -la", "ls -la"},
		{"kubectl version", "kubectl version"},
	}
	for _, tt := range tests {
		if got := m.Line(tt.in); got != tt.want {
			t.Errorf("Line(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestModeLiveUnchanged(t *testing.T) {
	m := Mode{Lab: "np-x", Workspace: "/ws/np-x"}
	for _, s := range []string{"kubectl -n prod get pods", "kubectl apply -f x.yaml", "`kubectl expose deployment a`"} {
		if got := m.Line(s); got != s {
			t.Errorf("live Line(%q) = %q", s, got)
		}
		if got := m.Text(s); got != s {
			t.Errorf("live Text(%q) = %q", s, got)
		}
	}
}

func TestModeTextRewritesCodeSpans(t *testing.T) {
	m := Mode{Offline: true, Lab: "svc-x", Workspace: "/ws"}
	tests := []struct{ in, want string }{
		{"Compare `kubectl -n support describe svc helpdesk` with `kubectl -n support get pods --show-labels`.",
			"Compare `ckadlab describe svc helpdesk -n support` with `ckadlab get pods -n support --show-labels`."},
		{"`kubectl expose` has an `--external-ip` flag.",
			"`kubectl expose` (offline, kubectl expose needs a cluster: write the Service it would create as YAML in /ws) has an `--external-ip` flag."},
		{"A `pathType: Prefix` path.", "A `pathType: Prefix` path."},
		{"`kubectl -n prod apply` puts it in `prod`", "`kubectl -n prod apply` (offline, your answer is the YAML in /ws, graded by ckadlab check svc-x) puts it in `prod`"},
	}
	for _, tt := range tests {
		if got := m.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"ckadlab get pods -n prod", []string{"ckadlab", "get", "pods", "-n", "prod"}},
		{`a -o jsonpath='{.spec.x}' "b c" d\ e`, []string{"a", "-o", "jsonpath={.spec.x}", "b c", "d e"}},
		{`x -p='[{"op":"replace"}]'`, []string{"x", `-p=[{"op":"replace"}]`}},
		{"  ", []string{}},
	}
	for _, tt := range tests {
		if got := SplitArgs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestModeWithoutWorkspacePathKeepsFilesRelative(t *testing.T) {
	m := Mode{Offline: true, Lab: "l"}
	tests := []struct{ in, want string }{
		{"kubectl create ingress a --rule='h/*=s:80'", "kubectl create ingress a --rule='h/*=s:80' --dry-run=client -o yaml > a-ingress.yaml"},
		{"kubectl apply -f a.yaml", "ckadlab check l   # offline, applying is saving a.yaml: check grades every YAML file in the workspace"},
		{"kubectl expose deployment a", "kubectl expose deployment a   # offline, kubectl expose needs a cluster: write the Service it would create as YAML in the workspace"},
		{"kubectl -n x exec c -- /agnhost connect s:80", "ckadlab reach --lab l -f . --from x/c --to dns:s --port 80"},
	}
	for _, tt := range tests {
		if got := m.Line(tt.in); got != tt.want {
			t.Errorf("Line(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
