package kind

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/cluster/live"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	kindnodes "sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// NetworkName is the Docker network kind attaches nodes to.
const NetworkName = "kind"

// Cluster is a running kind cluster with its API clients.
type Cluster struct {
	Name        string
	Context     string
	Kubeconfig  string
	Clients     *live.Clients
	NodeAddress netip.Addr // the control-plane node's address on the kind network
	NodeName    string     // its container (and Kubernetes node) name
	nodes       []kindnodes.Node
	provider    *kindcluster.Provider
}

// UpResult reports what Up did.
type UpResult struct {
	Cluster           string          `json:"cluster"`
	Context           string          `json:"context"`
	Kubeconfig        string          `json:"kubeconfig"`
	Action            string          `json:"action"` // "created", "reused" or "restarted"
	NodeImage         string          `json:"node_image"`
	KubernetesVersion string          `json:"kubernetes_version"`
	NodeAddress       string          `json:"node_address"`
	CgroupV1          bool            `json:"cgroup_v1"`
	IngressHTTP       string          `json:"ingress_http,omitempty"`  // host address reaching Traefik port 80
	IngressHTTPS      string          `json:"ingress_https,omitempty"` // ... port 443
	IngressClasses    []IngressClass  `json:"ingress_classes,omitempty"`
	Images            []ImageResult   `json:"images"`
	Addons            []string        `json:"addons"`
	LoadBalancer      PublisherStatus `json:"load_balancer"`
	NetworkPolicy     live.SelfTest   `json:"network_policy"`
	Warnings          []string        `json:"warnings,omitempty"`
	Steps             []Step          `json:"steps"`
	Duration          time.Duration   `json:"duration_ns"`
	Seconds           float64         `json:"seconds"`
}

// provider builds kind's provider with ckadlab's logger: kind never writes
// to the terminal.
func newProvider(p *progress) *kindcluster.Provider {
	return kindcluster.NewProvider(kindcluster.ProviderWithLogger(kindLogger{p}), kindcluster.ProviderWithDocker())
}

// Up creates the cluster, or reuses it when it exists (starting its
// stopped node containers), then preloads images, installs the add-ons,
// makes sure the LoadBalancer publisher runs and runs (or reuses) the
// NetworkPolicy self-test.
func Up(ctx context.Context, opts Options) (*Cluster, *UpResult, error) {
	start := time.Now()
	explicitImage := opts.NodeImage != "" || os.Getenv(NodeImageEnv) != ""
	opts = opts.withDefaults()
	p := newProgress(opts.Events)
	res := &UpResult{Cluster: opts.Name, Context: Context(opts.Name), Kubeconfig: live.KubeconfigPath(opts.Kubeconfig)}
	fail := func(err error) (*Cluster, *UpResult, error) {
		p.end(false)
		return nil, nil, err
	}

	p.start("Checking Docker")
	eng, err := Preflight(ctx)
	if err != nil {
		return fail(err)
	}
	res.CgroupV1 = eng.CgroupV1
	for _, w := range eng.Warnings {
		p.warn("%s", w)
		res.Warnings = append(res.Warnings, w)
	}
	provider := newProvider(p)
	exists, err := clusterExists(provider, opts.Name)
	if err != nil {
		return fail(err)
	}
	p.end(true)

	if exists {
		res.Action = "reused"
		nodes, err := provider.ListNodes(opts.Name)
		if err != nil {
			return fail(err)
		}
		restarted, err := startStopped(ctx, nodes, p)
		if err != nil {
			return fail(err)
		}
		if restarted {
			res.Action = "restarted"
		}
		img, _ := nodeImage(ctx, nodes)
		res.NodeImage = img
		if explicitImage && img != "" && img != opts.NodeImage {
			w := fmt.Sprintf("cluster %s already runs node image %s; --node-image %s applies to a new cluster only (ckadlab cluster down, then up)", opts.Name, img, opts.NodeImage)
			p.warn("%s", w)
			res.Warnings = append(res.Warnings, w)
		}
		p.start("Writing kube context " + res.Context)
		if err := ensureKubeconfig(provider, opts.Name, res.Kubeconfig); err != nil {
			return fail(err)
		}
	} else {
		res.Action = "created"
		res.NodeImage = opts.NodeImage
		if err := checkHostPort(opts.HTTPPort, "--http-port"); err != nil {
			return fail(err)
		}
		if err := checkHostPort(opts.HTTPSPort, "--https-port"); err != nil {
			return fail(err)
		}
		cfg := clusterConfig(opts, eng.CgroupV1 && needsCgroupV1Patch(opts.NodeImage))
		if eng.CgroupV1 {
			p.info("the Docker host uses cgroup v1: setting kubelet failCgroupV1: false")
		}
		err := provider.Create(opts.Name,
			kindcluster.CreateWithV1Alpha4Config(cfg),
			kindcluster.CreateWithNodeImage(opts.NodeImage),
			kindcluster.CreateWithWaitForReady(opts.Wait),
			kindcluster.CreateWithKubeconfigPath(opts.Kubeconfig),
			kindcluster.CreateWithDisplayUsage(false),
			kindcluster.CreateWithDisplaySalutation(false),
		)
		if err != nil {
			return fail(fmt.Errorf("create kind cluster %s: %w", opts.Name, err))
		}
	}

	c, err := open(ctx, provider, opts)
	if err != nil {
		return fail(err)
	}
	res.NodeAddress = c.NodeAddress.String()
	if v, err := nodeutils.KubeVersion(c.nodes[0]); err == nil {
		res.KubernetesVersion = v
	}
	if exists {
		p.start("Waiting for the API server")
		if err := waitAPI(ctx, c.Clients, opts.Wait); err != nil {
			return fail(err)
		}
	}
	res.IngressHTTP, res.IngressHTTPS = hostPorts(ctx, c.NodeName)

	p.start("Preloading images")
	if res.Images, err = preloadImages(ctx, c.nodes, Images, p); err != nil {
		return fail(err)
	}

	p.start("Installing add-ons (Traefik)")
	addons, err := installAddons(ctx, c.Clients)
	if err != nil {
		return fail(err)
	}
	var deps []string
	for _, a := range addons {
		res.Addons = append(res.Addons, a.Name)
		deps = append(deps, a.Deployments...)
	}

	p.start("Publishing load balancer addresses")
	if err := c.PublishOnce(ctx); err != nil {
		return fail(err)
	}
	if res.LoadBalancer, err = EnsurePublisher(ctx, c, opts); err != nil {
		return fail(err)
	}

	p.start("Waiting for Traefik and CoreDNS")
	if err := waitDeployments(ctx, c.Clients, append(deps, "kube-system/coredns"), 3*time.Minute); err != nil {
		return fail(err)
	}

	if res.IngressClasses, err = listIngressClasses(ctx, c.Clients); err != nil {
		return fail(err)
	}

	p.start("NetworkPolicy self-test")
	st, err := live.RunSelfTest(ctx, c.Clients, live.SelfTestOptions{NotBefore: nodeStarted(ctx, c.NodeName)})
	if err != nil {
		return fail(err)
	}
	res.NetworkPolicy = st
	p.end(true)
	if !st.Enforced {
		p.warn("%s", st.Detail)
	}
	res.Steps = p.Steps()
	res.Duration = time.Since(start)
	res.Seconds = roundSeconds(res.Duration)
	return c, res, nil
}

func roundSeconds(d time.Duration) float64 {
	return float64(d.Milliseconds()/100) / 10
}

func clusterExists(provider *kindcluster.Provider, name string) (bool, error) {
	names, err := provider.List()
	if err != nil {
		return false, fmt.Errorf("list kind clusters: %w", err)
	}
	return slices.Contains(names, name), nil
}

// clusterConfig is the kind configuration: one control-plane node, the
// ingress controller's ports published on 127.0.0.1 only, and kubelet's
// failCgroupV1: false on cgroup v1 hosts.
func clusterConfig(opts Options, cgroupV1 bool) *v1alpha4.Cluster {
	node := v1alpha4.Node{Role: v1alpha4.ControlPlaneRole}
	for _, m := range []struct{ host, container int32 }{{int32(opts.HTTPPort), 80}, {int32(opts.HTTPSPort), 443}} {
		if m.host > 0 {
			node.ExtraPortMappings = append(node.ExtraPortMappings, v1alpha4.PortMapping{
				ContainerPort: m.container, HostPort: m.host, ListenAddress: "127.0.0.1", Protocol: v1alpha4.PortMappingProtocolTCP,
			})
		}
	}
	cfg := &v1alpha4.Cluster{
		TypeMeta:   v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"},
		Nodes:      []v1alpha4.Node{node},
		Networking: v1alpha4.Networking{APIServerAddress: "127.0.0.1", KubeProxyMode: v1alpha4.ProxyMode(opts.KubeProxyMode)},
	}
	if cgroupV1 {
		cfg.KubeadmConfigPatches = append(cfg.KubeadmConfigPatches, "kind: KubeletConfiguration\nfailCgroupV1: false\n")
	}
	return cfg
}

var imageVersion = regexp.MustCompile(`:v(\d+)\.(\d+)`)

// needsCgroupV1Patch: failCgroupV1 exists in kubelets from v1.31 on (and
// defaults to true from v1.35). Images whose version cannot be read get
// the patch.
func needsCgroupV1Patch(image string) bool {
	m := imageVersion.FindStringSubmatch(image)
	if m == nil {
		return true
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major > 1 || minor >= 31
}

// startStopped starts node containers that are not running (after a
// reboot or `docker stop`).
func startStopped(ctx context.Context, nodes []kindnodes.Node, p *progress) (bool, error) {
	var stopped []string
	for _, n := range nodes {
		st, ok, err := dockerCLI.inspectContainer(ctx, n.String())
		if err != nil {
			return false, err
		}
		if ok && !st.Running {
			stopped = append(stopped, n.String())
		}
	}
	if len(stopped) == 0 {
		return false, nil
	}
	p.start("Starting stopped node containers")
	if _, err := dockerCLI.run(ctx, append([]string{"start"}, stopped...)...); err != nil {
		return false, err
	}
	return true, nil
}

func nodeImage(ctx context.Context, nodes []kindnodes.Node) (string, error) {
	if len(nodes) == 0 {
		return "", errors.New("no nodes")
	}
	out, err := dockerCLI.run(ctx, "inspect", "--type", "container", "--format", "{{.Config.Image}}", nodes[0].String())
	return strings.TrimSpace(out), err
}

// nodeStarted is when the control-plane container last started: a self-test
// older than that is stale.
func nodeStarted(ctx context.Context, name string) time.Time {
	st, ok, err := dockerCLI.inspectContainer(ctx, name)
	if err != nil || !ok {
		return time.Time{}
	}
	return st.StartedAt
}

// hostPorts reads the host addresses published for the node's ports 80
// and 443.
func hostPorts(ctx context.Context, node string) (string, string) {
	get := func(port string) string {
		out, err := dockerCLI.run(ctx, "port", node, port)
		if err != nil {
			return ""
		}
		return firstLine(out)
	}
	return get("80/tcp"), get("443/tcp")
}

// Open connects to an existing, running cluster (it does not create one).
func Open(ctx context.Context, opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	p := newProgress(opts.Events)
	if _, err := Preflight(ctx); err != nil {
		return nil, err
	}
	provider := newProvider(p)
	exists, err := clusterExists(provider, opts.Name)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, &NotFoundError{Name: opts.Name}
	}
	return open(ctx, provider, opts)
}

// NotFoundError says the kind cluster does not exist.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("kind cluster %q does not exist: create it with `ckadlab cluster up`", e.Name)
}

func open(ctx context.Context, provider *kindcluster.Provider, opts Options) (*Cluster, error) {
	nodes, err := provider.ListInternalNodes(opts.Name)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, &NotFoundError{Name: opts.Name}
	}
	cp, err := nodeutils.ControlPlaneNodes(nodes)
	if err != nil || len(cp) == 0 {
		return nil, fmt.Errorf("cluster %s has no control-plane node", opts.Name)
	}
	ipv4, _, err := cp[0].IP()
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", cp[0], err)
	}
	addr, err := netip.ParseAddr(ipv4)
	if err != nil {
		return nil, fmt.Errorf("node %s has no IPv4 address on the kind network", cp[0])
	}
	kc := live.KubeconfigPath(opts.Kubeconfig)
	clients, err := live.Connect(kc, Context(opts.Name))
	if errors.Is(err, live.ErrNoContext) {
		if err := ensureKubeconfig(provider, opts.Name, kc); err != nil {
			return nil, err
		}
		clients, err = live.Connect(kc, Context(opts.Name))
	}
	if err != nil {
		return nil, err
	}
	if err := tuneNodes(nodes); err != nil {
		return nil, err
	}
	return &Cluster{
		Name: opts.Name, Context: Context(opts.Name), Kubeconfig: kc, Clients: clients,
		NodeAddress: addr, NodeName: cp[0].String(), nodes: nodes, provider: provider,
	}, nil
}

// tuneNodes turns off the kernel's rate limit on ICMP errors in the nodes'
// network namespace. kube-proxy rejects connections to a Service port
// that does not exist with an ICMP error, and the kernel sends at most a
// few per second to one client: a probe (or a learner's curl) would see
// "connection refused" or a timeout at random. The setting is lost when a
// node container restarts, so it is applied whenever ckadlab opens the
// cluster.
func tuneNodes(nodes []kindnodes.Node) error {
	for _, n := range nodes {
		if err := n.Command("sysctl", "-q", "-w", "net.ipv4.icmp_ratelimit=0").Run(); err != nil {
			return fmt.Errorf("node %s: set net.ipv4.icmp_ratelimit: %w", n, err)
		}
	}
	return nil
}

// waitAPI waits until the API server answers /readyz.
func waitAPI(ctx context.Context, c *live.Clients, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := c.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(rctx)
		rcancel()
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("the API server did not become ready within %s: %v", timeout, last)
		case <-time.After(time.Second):
		}
	}
}
