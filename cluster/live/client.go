// Package live grades labs on a real cluster reached through any kube
// context: it reads objects back through the dynamic client, applies lab
// setups with server-side apply, and decides probes by sending real
// traffic (agnhost connect, and busybox wget where a status code or the
// answering backend matters) from pods through client-go's remotecommand
// exec, and from outside the cluster through an Outside prober. Every live
// verdict carries the offline model's prediction for the same objects.
package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Clients are the API clients of one cluster.
type Clients struct {
	Context    string // kube context name
	Kubeconfig string // file the context came from ("" when unknown)
	// Namespace is the context's namespace ("default" when it names
	// none): a class learner's context names their home namespace.
	Namespace string
	Config    *rest.Config
	Kube      kubernetes.Interface
	Dynamic   dynamic.Interface
	Mapper    meta.ResettableRESTMapper
}

// KubeconfigPath is the file kubectl would write to: the first entry of
// $KUBECONFIG, else ~/.kube/config (explicit wins when set).
func KubeconfigPath(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		for _, p := range filepath.SplitList(env) {
			if p != "" {
				return p
			}
		}
	}
	return clientcmd.RecommendedHomeFile
}

// ErrNoContext is returned when the kube context does not exist.
var ErrNoContext = errors.New("kube context not found")

// Connect builds clients for a context of a kubeconfig ("" kubeconfig:
// kubectl's loading rules; "" context: the current context).
func Connect(kubeconfig, context string) (*Clients, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	raw, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig: %w", err)
	}
	if context == "" {
		context = raw.CurrentContext
	}
	if _, ok := raw.Contexts[context]; !ok || context == "" {
		where := kubeconfig
		if where == "" {
			where = "your kubeconfig"
		}
		return nil, fmt.Errorf("%w: no context %q in %s (kubectl config get-contexts lists them)", ErrNoContext, context, where)
	}
	cc := clientcmd.NewNonInteractiveClientConfig(*raw, context, &clientcmd.ConfigOverrides{}, rules)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kube context %s: %w", context, err)
	}
	c, err := NewClients(cfg)
	if err != nil {
		return nil, err
	}
	c.Context, c.Kubeconfig = context, KubeconfigPath(kubeconfig)
	if c.Namespace, _, err = cc.Namespace(); err != nil {
		return nil, fmt.Errorf("kube context %s: %w", context, err)
	}
	return c, nil
}

// NewClients builds clients from a REST config.
func NewClients(cfg *rest.Config) (*Clients, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		// Probes and snapshots come in bursts; the defaults (5 QPS, burst
		// 10) would throttle a check for seconds.
		cfg.QPS, cfg.Burst = 100, 200
	}
	// The API server's warnings (spec.externalIPs is deprecated, ...)
	// concern objects the labs create on purpose; client-go would print
	// them on stderr, under the TUI.
	cfg.WarningHandler = rest.NoWarnings{}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	return &Clients{Config: cfg, Kube: kube, Dynamic: dyn, Mapper: mapper}, nil
}
