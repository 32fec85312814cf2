// Package probe defines the vocabulary shared by lab files, the checker, the
// `reach` command and every cluster backend: where a probe starts (Source),
// where it goes (Target), on which port and protocol, and what came back
// (Result). It is pure data plus parsing; it performs no I/O.
package probe

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SourceKind says what sends the traffic.
type SourceKind string

const (
	// FromPod: an existing pod, written NS/POD.
	FromPod SourceKind = "pod"
	// FromIP: a host with that address inside the cluster network (for
	// example a node or a routed VM), written ip:ADDR.
	FromIP SourceKind = "ip"
	// FromExternal: a client outside the cluster (a laptop on the node
	// network), written external. It can reach node ports, load balancer
	// addresses and the ingress controller, never pod or cluster IPs.
	FromExternal SourceKind = "external"
)

// Source is where a probe starts.
type Source struct {
	Kind      SourceKind
	Namespace string     // FromPod
	Name      string     // FromPod
	IP        netip.Addr // FromIP
}

func (s Source) String() string {
	switch s.Kind {
	case FromPod:
		return s.Namespace + "/" + s.Name
	case FromIP:
		return "ip:" + s.IP.String()
	case FromExternal:
		return "external"
	}
	return "?"
}

// TargetKind says what a probe connects to.
type TargetKind string

const (
	ToPod      TargetKind = "pod"      // NS/POD: the pod's IP
	ToService  TargetKind = "svc"      // svc:NS/NAME: the Service's ClusterIP (or, for ExternalName, its DNS name)
	ToDNS      TargetKind = "dns"      // dns:NAME: a DNS name resolved by the source (needs a pod source)
	ToIP       TargetKind = "ip"       // ip:ADDR: any address (pod, ClusterIP, node, external)
	ToNodePort TargetKind = "nodeport" // nodeport:N: port N on a node's address
	ToLB       TargetKind = "lb"       // lb:NS/NAME: the LoadBalancer Service's external address
	ToIngress  TargetKind = "ingress"  // ingress:HOST/PATH: an HTTP request through the ingress controller
)

// Target is where a probe goes.
type Target struct {
	Kind      TargetKind
	Namespace string     // ToPod, ToService, ToLB
	Name      string     // ToPod, ToService, ToLB; the DNS name for ToDNS
	IP        netip.Addr // ToIP
	NodePort  int        // ToNodePort
	Host      string     // ToIngress (may be empty: no Host header match, i.e. rules without host and the default backend)
	Path      string     // ToIngress, always starts with "/"
}

func (t Target) String() string {
	switch t.Kind {
	case ToPod:
		return t.Namespace + "/" + t.Name
	case ToService:
		return "svc:" + t.Namespace + "/" + t.Name
	case ToDNS:
		return "dns:" + t.Name
	case ToIP:
		return "ip:" + t.IP.String()
	case ToNodePort:
		return "nodeport:" + strconv.Itoa(t.NodePort)
	case ToLB:
		return "lb:" + t.Namespace + "/" + t.Name
	case ToIngress:
		return "ingress:" + t.Host + t.Path
	}
	return "?"
}

// Protocol is TCP, UDP or SCTP (upper case, as in the Kubernetes API).
type Protocol string

const (
	TCP  Protocol = "TCP"
	UDP  Protocol = "UDP"
	SCTP Protocol = "SCTP"
)

// ParseProtocol accepts tcp/udp/sctp in any case; empty means TCP.
func ParseProtocol(s string) (Protocol, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "TCP":
		return TCP, nil
	case "UDP":
		return UDP, nil
	case "SCTP":
		return SCTP, nil
	}
	return "", fmt.Errorf("protocol %q: want TCP, UDP or SCTP", s)
}

// Port is a port number or, for pod targets, a named container port.
type Port struct {
	Number int
	Name   string
}

func (p Port) IsZero() bool { return p.Number == 0 && p.Name == "" }

func (p Port) String() string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(p.Number)
}

// ParsePort reads "8080" or "http". Empty gives the zero Port.
func ParsePort(s string) (Port, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Port{}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 65535 {
			return Port{}, fmt.Errorf("port %d: want 1-65535", n)
		}
		return Port{Number: n}, nil
	}
	if !validPortName(s) {
		return Port{}, fmt.Errorf("port %q: want a number 1-65535 or a port name (lower-case letters, digits and '-', at most 15 characters)", s)
	}
	return Port{Name: s}, nil
}

func validPortName(s string) bool {
	if len(s) == 0 || len(s) > 15 {
		return false
	}
	letter := false
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			letter = true
		case r >= '0' && r <= '9':
		case r == '-':
			if i == 0 || i == len(s)-1 || s[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return letter
}

// HTTPExpect is an optional HTTP-level expectation of an allowed probe.
type HTTPExpect struct {
	Path    string // request path for non-ingress targets (default "/")
	Status  int    // expected status code (0: any)
	Service string // NS/NAME of the Service whose backend must answer ("" = any)
	// HTTPS sends an ingress request over TLS (SNI and Host = the target's
	// host), to port 443 unless the probe names one.
	HTTPS bool
	// CertHost (with HTTPS) requires the certificate the controller
	// presents to be valid for the target's host, as a browser checks it
	// (a DNS name of the certificate covers the host).
	CertHost bool
}

// Spec is one probe: from Source to Target on Port/Protocol.
type Spec struct {
	From     Source
	To       Target
	Port     Port // zero: the target's default (80 for ingress and lb/svc with one port)
	Protocol Protocol
	HTTP     *HTTPExpect
}

func (s Spec) String() string {
	if s.To.Kind == ToIngress {
		// An HTTP request: the port (when not the default 80) goes with
		// the host, before the path, and the protocol is always TCP.
		host, def, scheme := s.To.Host, "80", ""
		if s.HTTP != nil && s.HTTP.HTTPS {
			def, scheme = "443", "https://"
		}
		if !s.Port.IsZero() && s.Port.String() != def {
			host += ":" + s.Port.String()
		}
		return fmt.Sprintf("%s -> ingress:%s%s%s", s.From, scheme, host, s.To.Path)
	}
	p := ""
	if !s.Port.IsZero() {
		p = ":" + s.Port.String()
	}
	proto := s.Protocol
	if proto == "" {
		proto = TCP
	}
	return fmt.Sprintf("%s -> %s%s/%s", s.From, s.To, p, proto)
}

// Outcome classifies what happened to a probe.
type Outcome string

const (
	Connected   Outcome = "connected"   // the connection was established (and, for HTTP, a response came back)
	Denied      Outcome = "denied"      // a NetworkPolicy dropped the packet (times out live)
	Refused     Outcome = "refused"     // nothing answers: no endpoints, nothing listening, wrong port
	Unreachable Outcome = "unreachable" // no route: e.g. a pod IP from outside the cluster
	Unresolved  Outcome = "unresolved"  // the DNS name does not resolve
	HTTPError   Outcome = "http-error"  // connected, but the HTTP expectation (status, backend) was not met
)

// Result is a backend's answer to a Spec.
type Result struct {
	Allowed    bool     `json:"allowed"`
	Outcome    Outcome  `json:"outcome"`
	Backend    string   `json:"backend,omitempty"`     // NS/POD that answered, when a Service or Ingress chose one
	Service    string   `json:"service,omitempty"`     // NS/NAME of the Service that carried the traffic
	HTTPStatus int      `json:"http_status,omitempty"` // for ingress and HTTP probes
	Reasons    []string `json:"reasons"`
	// Prediction is the offline model's verdict for a live probe ("" offline);
	// Disagrees is set when it differs from what happened live.
	Prediction string `json:"prediction,omitempty"`
	Disagrees  bool   `json:"disagrees,omitempty"`
	// Ungradable is set (to the reason) when a backend cannot grade the
	// probe here: live, NetworkPolicy applies to its traffic but the
	// cluster's network plugin does not enforce NetworkPolicy; offline, the
	// answer depends on something the network model does not simulate (a
	// Traefik annotation it does not model, a container whose listening
	// ports it cannot tell). The checker neither passes nor fails such a
	// check. The other fields are still the backend's best answer.
	Ungradable string `json:"ungradable,omitempty"`
	// Policy is the sending pod's egress NetworkPolicy verdict when the
	// connection's outcome does not show it (a destination outside the
	// cluster, where nothing answers either way): "allowed", "denied" or
	// "not-isolated" (no policy selects the pod for egress); "" when not
	// judged separately. PolicyRule names what decided it.
	Policy     string `json:"policy,omitempty"`
	PolicyRule string `json:"policy_rule,omitempty"`
	// Cause are the reasons that decided the outcome, the summary first:
	// what decided at the deciding hop (the NetworkPolicy rule, the
	// Ingress rule, the missing port); the other reasons are the path the
	// traffic took. Each is one of Reasons; empty: every reason counts.
	Cause []string `json:"cause,omitempty"`
	// NoBackend is what the backend of the Ingress path that matched
	// lacks when the controller answered 503 without reaching a Service:
	// "Service shop/web does not exist", "Service shop/web has no port
	// 8080"; "" otherwise.
	NoBackend string `json:"no_backend,omitempty"`
	// NearMisses name objects that would have changed the outcome with
	// one small change: the right object in another namespace, a
	// selector one label off, a port or label name one typo off. A
	// failed check says them first.
	NearMisses []string `json:"near_misses,omitempty"`
}

// ParseSource reads NS/POD, ip:ADDR or external.
func ParseSource(s string) (Source, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "external":
		return Source{Kind: FromExternal}, nil
	case strings.HasPrefix(s, "ip:"):
		a, err := netip.ParseAddr(strings.TrimPrefix(s, "ip:"))
		if err != nil {
			return Source{}, fmt.Errorf("source %q: bad IP address", s)
		}
		return Source{Kind: FromIP, IP: a}, nil
	}
	ns, name, err := nsName(s)
	if err != nil {
		return Source{}, fmt.Errorf("source %q: want NS/POD, ip:ADDR or external", s)
	}
	return Source{Kind: FromPod, Namespace: ns, Name: name}, nil
}

// ParseTarget reads NS/POD, svc:NS/NAME, dns:NAME, ip:ADDR, nodeport:N,
// lb:NS/NAME or ingress:HOST/PATH.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		ns, name, err := nsName(s)
		if err != nil {
			return Target{}, targetErr(s)
		}
		return Target{Kind: ToPod, Namespace: ns, Name: name}, nil
	}
	switch TargetKind(kind) {
	case ToService, ToLB:
		ns, name, err := nsName(rest)
		if err != nil {
			return Target{}, fmt.Errorf("target %q: want %s:NS/NAME", s, kind)
		}
		return Target{Kind: TargetKind(kind), Namespace: ns, Name: name}, nil
	case ToDNS:
		if rest == "" || strings.ContainsAny(rest, " /:") {
			return Target{}, fmt.Errorf("target %q: want dns:NAME such as dns:web.shop or dns:web.shop.svc.cluster.local", s)
		}
		return Target{Kind: ToDNS, Name: strings.TrimSuffix(rest, ".")}, nil
	case ToIP:
		a, err := netip.ParseAddr(rest)
		if err != nil {
			return Target{}, fmt.Errorf("target %q: bad IP address", s)
		}
		return Target{Kind: ToIP, IP: a}, nil
	case ToNodePort:
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("target %q: want nodeport:N with N a port number", s)
		}
		return Target{Kind: ToNodePort, NodePort: n}, nil
	case ToIngress:
		host, path := rest, "/"
		if i := strings.Index(rest, "/"); i >= 0 {
			host, path = rest[:i], rest[i:]
		}
		if strings.ContainsAny(host, " :") {
			return Target{}, fmt.Errorf("target %q: want ingress:HOST/PATH (HOST may be empty: ingress:/path)", s)
		}
		return Target{Kind: ToIngress, Host: strings.ToLower(host), Path: path}, nil
	}
	return Target{}, targetErr(s)
}

func targetErr(s string) error {
	return fmt.Errorf("target %q: want NS/POD, svc:NS/NAME, dns:NAME, ip:ADDR, nodeport:N, lb:NS/NAME or ingress:HOST/PATH", s)
}

func nsName(s string) (string, string, error) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(s, " :") {
		return "", "", fmt.Errorf("want NS/NAME")
	}
	return ns, name, nil
}
