package probe

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseSource(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"prod/client", "prod/client", ""},
		{"external", "external", ""},
		{"ip:172.17.0.10", "ip:172.17.0.10", ""},
		{"ip:fd00::1", "ip:fd00::1", ""},
		{"ip:300.1.1.1", "", "bad IP"},
		{"client", "", "want NS/POD"},
		{"a/b/c", "", "want NS/POD"},
		{"/b", "", "want NS/POD"},
		{"svc:prod/db", "", "want NS/POD"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseSource(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || s.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", s, err, tt.want)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		kind    TargetKind
		str     string
		wantErr bool
	}{
		{"prod/db", ToPod, "prod/db", false},
		{"svc:prod/db", ToService, "svc:prod/db", false},
		{"lb:web/front", ToLB, "lb:web/front", false},
		{"dns:db.prod", ToDNS, "dns:db.prod", false},
		{"dns:db.prod.svc.cluster.local.", ToDNS, "dns:db.prod.svc.cluster.local", false},
		{"ip:10.96.0.10", ToIP, "ip:10.96.0.10", false},
		{"nodeport:30080", ToNodePort, "nodeport:30080", false},
		{"ingress:Shop.Example.com/api/v1", ToIngress, "ingress:shop.example.com/api/v1", false},
		{"ingress:shop.example.com", ToIngress, "ingress:shop.example.com/", false},
		{"ingress:/healthz", ToIngress, "ingress:/healthz", false},
		{"nodeport:0", "", "", true},
		{"nodeport:x", "", "", true},
		{"svc:db", "", "", true},
		{"dns:", "", "", true},
		{"foo:bar", "", "", true},
		{"ip:nope", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %v", got)
				}
				return
			}
			if err != nil || got.Kind != tt.kind || got.String() != tt.str {
				t.Fatalf("got %+v (%s), %v; want %s %s", got, got, err, tt.kind, tt.str)
			}
		})
	}
}

func TestParsePortAndProtocol(t *testing.T) {
	ports := []struct {
		in   string
		want Port
		err  bool
	}{
		{"", Port{}, false},
		{"6379", Port{Number: 6379}, false},
		{"http", Port{Name: "http"}, false},
		{"dns-tcp", Port{Name: "dns-tcp"}, false},
		{"0", Port{}, true},
		{"70000", Port{}, true},
		{"HTTP", Port{}, true},
		{"-http", Port{}, true},
		{"a--b", Port{}, true},
		{"averyveryverylongname", Port{}, true},
	}
	for _, tt := range ports {
		got, err := ParsePort(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParsePort(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	protos := map[string]Protocol{"": TCP, "tcp": TCP, "UDP": UDP, "sctp": SCTP}
	for in, want := range protos {
		if got, err := ParseProtocol(in); err != nil || got != want {
			t.Errorf("ParseProtocol(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseProtocol("icmp"); err == nil {
		t.Error("ParseProtocol(icmp) must fail")
	}
}

func TestSpecString(t *testing.T) {
	s := Spec{From: Source{Kind: FromExternal}, To: Target{Kind: ToNodePort, NodePort: 30080}}
	if got := s.String(); got != "external -> nodeport:30080/TCP" {
		t.Fatalf("got %q", got)
	}
	s = Spec{From: Source{Kind: FromPod, Namespace: "a", Name: "b"}, To: Target{Kind: ToService, Namespace: "a", Name: "c"}, Port: Port{Number: 53}, Protocol: UDP}
	if got := s.String(); got != "a/b -> svc:a/c:53/UDP" {
		t.Fatalf("got %q", got)
	}
	// Ingress: an HTTP request, the port with the host, no protocol.
	ext := Source{Kind: FromExternal}
	for _, tt := range []struct {
		to   Target
		port Port
		want string
	}{
		{Target{Kind: ToIngress, Host: "shop.example.com", Path: "/cart"}, Port{}, "external -> ingress:shop.example.com/cart"},
		{Target{Kind: ToIngress, Host: "shop.example.com", Path: "/"}, Port{Number: 80}, "external -> ingress:shop.example.com/"},
		{Target{Kind: ToIngress, Path: "/"}, Port{}, "external -> ingress:/"},
		{Target{Kind: ToIngress, Host: "shop.example.com", Path: "/x"}, Port{Number: 8080}, "external -> ingress:shop.example.com:8080/x"},
	} {
		if got := (Spec{From: ext, To: tt.to, Port: tt.port}).String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	// HTTPS: the scheme before the host, 443 is the default port.
	https := &HTTPExpect{HTTPS: true}
	for port, want := range map[int]string{0: "external -> ingress:https://shop.example.com/x", 443: "external -> ingress:https://shop.example.com/x", 80: "external -> ingress:https://shop.example.com:80/x"} {
		s := Spec{From: ext, To: Target{Kind: ToIngress, Host: "shop.example.com", Path: "/x"}, Port: Port{Number: port}, HTTP: https}
		if got := s.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

// TestResultJSONPolicy: the egress verdict fields are additive and left
// out when empty, so older readers of --json see the same object.
func TestResultJSONPolicy(t *testing.T) {
	b, err := json.Marshal(Result{Outcome: Unreachable, Reasons: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"allowed":false,"outcome":"unreachable","reasons":[]}` {
		t.Errorf("empty fields shown: %s", b)
	}
	b, _ = json.Marshal(Result{Outcome: Unreachable, Policy: "allowed", PolicyRule: "NetworkPolicy a/b egress rule 1", Ungradable: "why"})
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["policy"] != "allowed" || m["policy_rule"] != "NetworkPolicy a/b egress rule 1" || m["ungradable"] != "why" {
		t.Errorf("got %s", b)
	}
}
