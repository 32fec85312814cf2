package kind

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/cluster/live"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// DownResult reports what Down did.
type DownResult struct {
	Cluster          string        `json:"cluster"`
	Deleted          bool          `json:"deleted"` // false: there was no such cluster
	PublisherStopped bool          `json:"publisher_stopped"`
	Containers       []string      `json:"probe_containers_removed,omitempty"`
	Duration         time.Duration `json:"duration_ns"`
	Seconds          float64       `json:"seconds"`
}

// Down deletes the cluster (and its kube context, as kind does), stops
// its load balancer publisher and removes ckadlab's probe containers.
func Down(ctx context.Context, opts Options) (*DownResult, error) {
	start := time.Now()
	opts = opts.withDefaults()
	p := newProgress(opts.Events)
	res := &DownResult{Cluster: opts.Name}
	p.start("Checking Docker")
	if _, err := Preflight(ctx); err != nil {
		p.end(false)
		return nil, err
	}
	p.start("Stopping the load balancer publisher")
	stopped, err := StopPublisher(opts)
	if err != nil {
		p.end(false)
		return nil, err
	}
	res.PublisherStopped = stopped
	p.start("Removing probe containers")
	if res.Containers, err = removeHelperContainers(ctx, opts.Name); err != nil {
		p.end(false)
		return nil, err
	}
	provider := newProvider(p)
	exists, err := clusterExists(provider, opts.Name)
	if err != nil {
		p.end(false)
		return nil, err
	}
	if exists {
		p.start("Deleting cluster " + opts.Name)
		if err := provider.Delete(opts.Name, live.KubeconfigPath(opts.Kubeconfig)); err != nil {
			p.end(false)
			return nil, fmt.Errorf("delete cluster %s: %w", opts.Name, err)
		}
		res.Deleted = true
	}
	p.end(true)
	res.Duration = time.Since(start)
	res.Seconds = roundSeconds(res.Duration)
	return res, nil
}

// Status is what `ckadlab cluster status` shows.
type Status struct {
	Cluster           string          `json:"cluster"`
	Exists            bool            `json:"exists"`
	Running           bool            `json:"running"`
	Ready             bool            `json:"ready"` // the API server answers
	Context           string          `json:"context"`
	Kubeconfig        string          `json:"kubeconfig"`
	NodeImage         string          `json:"node_image,omitempty"`
	KubernetesVersion string          `json:"kubernetes_version,omitempty"`
	NodeAddress       string          `json:"node_address,omitempty"`
	IngressHTTP       string          `json:"ingress_http,omitempty"`
	IngressHTTPS      string          `json:"ingress_https,omitempty"`
	IngressClasses    []IngressClass  `json:"ingress_classes,omitempty"`
	LoadBalancers     string          `json:"load_balancers,omitempty"`
	LoadBalancer      PublisherStatus `json:"load_balancer"`
	NetworkPolicy     *live.SelfTest  `json:"network_policy,omitempty"`
	Problem           string          `json:"problem,omitempty"`
}

// GetStatus reports on the cluster without changing it.
func GetStatus(ctx context.Context, opts Options) (*Status, error) {
	opts = opts.withDefaults()
	st := &Status{Cluster: opts.Name, Context: Context(opts.Name), Kubeconfig: live.KubeconfigPath(opts.Kubeconfig), LoadBalancer: PublisherState(opts)}
	if _, err := Preflight(ctx); err != nil {
		return nil, err
	}
	provider := newProvider(newProgress(nil))
	exists, err := clusterExists(provider, opts.Name)
	if err != nil || !exists {
		return st, err
	}
	st.Exists = true
	nodes, err := provider.ListNodes(opts.Name)
	if err != nil {
		return st, err
	}
	st.NodeImage, _ = nodeImage(ctx, nodes)
	cs, _, err := dockerCLI.inspectContainer(ctx, nodes[0].String())
	if err != nil {
		return st, err
	}
	st.Running = cs.Running
	if !st.Running {
		st.Problem = "the node container is stopped: `ckadlab cluster up` starts it"
		return st, nil
	}
	if v, err := nodeutils.KubeVersion(nodes[0]); err == nil {
		st.KubernetesVersion = v
	}
	c, err := open(ctx, provider, opts)
	if err != nil {
		st.Problem = err.Error()
		return st, nil
	}
	st.NodeAddress = c.NodeAddress.String()
	st.IngressHTTP, st.IngressHTTPS = hostPorts(ctx, c.NodeName)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	svcs, err := c.Clients.Kube.CoreV1().Services("").List(rctx, metav1.ListOptions{})
	if err != nil {
		st.Problem = "the API server does not answer: " + err.Error()
		return st, nil
	}
	st.Ready = true
	st.LoadBalancers = describeAddresses(svcs.Items)
	if cs, err := listIngressClasses(rctx, c.Clients); err == nil {
		st.IngressClasses = cs
	}
	if t, ok, err := live.CachedSelfTest(rctx, c.Clients); err == nil && ok {
		st.NetworkPolicy = &t
	}
	return st, nil
}

// helperLabel marks ckadlab's probe containers with their cluster's name.
const helperLabel = "io.ckadlab.cluster"

func removeHelperContainers(ctx context.Context, name string) ([]string, error) {
	out, err := dockerCLI.run(ctx, "ps", "-a", "--filter", "label="+helperLabel+"="+name, "--format", "{{.Names}}")
	if err != nil {
		return nil, err
	}
	names := strings.Fields(out)
	if len(names) == 0 {
		return nil, nil
	}
	if _, err := dockerCLI.run(ctx, append([]string{"rm", "-f"}, names...)...); err != nil {
		var de *DockerError
		if !errors.As(err, &de) || !strings.Contains(de.Stderr, "No such container") {
			return nil, err
		}
	}
	return names, nil
}
