package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/session"
)

// kindFlags are the flags that pick and shape the kind cluster.
type kindFlags struct {
	name       string
	nodeImage  string
	kubeconfig string
	httpPort   int
	httpsPort  int
}

func (f *kindFlags) register(cmd *cobra.Command, create bool) {
	cmd.Flags().StringVar(&f.name, "name", kind.DefaultName, "kind cluster name (the kube context is kind-NAME)")
	cmd.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file to write the context to (default: $KUBECONFIG or ~/.kube/config)")
	if create {
		cmd.Flags().StringVar(&f.nodeImage, "node-image", "", "kind node image, e.g. kindest/node:v1.35.0 to practise on the exam's Kubernetes version (default: $"+kind.NodeImageEnv+", else kind's default)")
		cmd.Flags().IntVar(&f.httpPort, "http-port", kind.DefaultHTTPPort, "host port on 127.0.0.1 that reaches the ingress controller's port 80 (-1: none)")
		cmd.Flags().IntVar(&f.httpsPort, "https-port", kind.DefaultHTTPSPort, "host port on 127.0.0.1 that reaches the ingress controller's port 443 (-1: none)")
	}
}

// kindOptions builds the kind options of a command; progress goes to
// stderr as one line per event (never into --json output).
func (a *app) kindOptions(f kindFlags) (kind.Options, error) {
	d, err := a.stateDirs()
	if err != nil {
		return kind.Options{}, err
	}
	var mu sync.Mutex
	return kind.Options{
		Name:       f.name,
		NodeImage:  f.nodeImage,
		Kubeconfig: f.kubeconfig,
		HTTPPort:   f.httpPort,
		HTTPSPort:  f.httpsPort,
		StateDir:   d.State,
		Events: func(e kind.Event) {
			mu.Lock()
			defer mu.Unlock()
			p := a.pal()
			switch e.Kind {
			case kind.StepStarted:
				return // the finished line says it all; a started step shows as "...":
			case kind.StepDone:
				fmt.Fprintf(a.stderr, " %s %s %s\n", p.ok("✓"), e.Step, p.dim(fmt.Sprintf("%.1fs", e.Elapsed.Seconds())))
			case kind.StepFailed:
				fmt.Fprintf(a.stderr, " %s %s %s\n", p.bad("✗"), e.Step, p.dim(fmt.Sprintf("%.1fs", e.Elapsed.Seconds())))
			case kind.Warning:
				fmt.Fprintf(a.stderr, " %s %s\n", p.warn("!"), e.Message)
			default:
				fmt.Fprintf(a.stderr, "   %s\n", p.dim(e.Message))
			}
		},
	}, nil
}

func init() {
	// `cluster up`, `start` and `check` keep the load balancer publisher
	// running in the background: this very executable, hidden command.
	kind.PublisherCommand = func(o kind.Options) []string {
		exe, err := os.Executable()
		if err != nil {
			return nil
		}
		argv := []string{exe, "cluster", "lb-publisher", "--name", o.Name, "--state-dir", o.StateDir}
		if o.Kubeconfig != "" {
			argv = append(argv, "--kubeconfig", o.Kubeconfig)
		}
		return argv
	}
}

func (a *app) clusterCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Manage ckadlab's kind cluster (up, down, status)",
		Long: `Manage the kind cluster ckadlab grades on (needs Docker). ckadlab creates it with
the kind library: one node, Traefik serving the IngressClasses "nginx" (the
default, with ingress-nginx semantics) and "traefik", a load balancer publisher
that gives LoadBalancer Services an EXTERNAL-IP, and the lab images preloaded.
kubectl reaches it through the kube context kind-NAME (see ckadlab env).`,
	}
	cmd.AddCommand(a.clusterUpCommand(), a.clusterDownCommand(), a.clusterStatusCommand(), a.clusterPublisherCommand())
	return cmd
}

func (a *app) clusterUpCommand() *cobra.Command {
	var f kindFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create the cluster, or reuse it in seconds when it exists",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.kindOptions(f)
			if err != nil {
				return err
			}
			_, res, err := kind.Up(cmd.Context(), opts)
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) {
				p := a.pal()
				fmt.Fprintf(w, "%s cluster %s (%s in %.1fs)\n", p.ok("Ready:"), res.Cluster, res.Action, res.Seconds)
				fmt.Fprintf(w, "  Kubernetes:     %s (node image %s)\n", res.KubernetesVersion, res.NodeImage)
				fmt.Fprintf(w, "  kube context:   %s in %s\n", res.Context, res.Kubeconfig)
				fmt.Fprintf(w, "  node address:   %s\n", res.NodeAddress)
				if res.IngressHTTP != "" {
					fmt.Fprintf(w, "  ingress:        http://%s\n", res.IngressHTTP)
				}
				fmt.Fprintf(w, "  IngressClasses: %s\n", kind.DescribeIngressClasses(res.IngressClasses))
				fmt.Fprintf(w, "  load balancers: %s\n", publisherText(res.LoadBalancer))
				fmt.Fprintf(w, "  NetworkPolicy:  %s\n", res.NetworkPolicy.Detail)
				fmt.Fprintf(w, "\nUse it with kubectl: kubectl --context %s get nodes   (or: eval \"$(ckadlab env)\")\n", res.Context)
			})
		},
	}
	f.register(cmd, true)
	return cmd
}

func publisherText(s kind.PublisherStatus) string {
	if s.Running {
		return fmt.Sprintf("publisher running (pid %d, log %s)", s.PID, s.Log)
	}
	return "publisher " + s.Mode
}

func (a *app) clusterDownCommand() *cobra.Command {
	var f kindFlags
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Delete the cluster and its kube context",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.kindOptions(f)
			if err != nil {
				return err
			}
			res, err := kind.Down(cmd.Context(), opts)
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) {
				if !res.Deleted {
					fmt.Fprintf(w, "There is no cluster %s.\n", res.Cluster)
					return
				}
				fmt.Fprintf(w, "Deleted cluster %s in %.1fs.\n", res.Cluster, res.Seconds)
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func (a *app) clusterStatusCommand() *cobra.Command {
	var f kindFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether the cluster exists and runs, and how to reach it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := a.kindOptions(f)
			if err != nil {
				return err
			}
			st, err := kind.GetStatus(cmd.Context(), opts)
			if err != nil {
				return err
			}
			return a.emit(st, func(w io.Writer) {
				p := a.pal()
				switch {
				case !st.Exists:
					fmt.Fprintf(w, "Cluster %s does not exist: ckadlab cluster up creates it.\n", st.Cluster)
					return
				case !st.Ready:
					fmt.Fprintf(w, "Cluster %s %s: %s\n", st.Cluster, p.warn("is not ready"), st.Problem)
					return
				}
				fmt.Fprintf(w, "Cluster %s %s\n", st.Cluster, p.ok("is running"))
				fmt.Fprintf(w, "  Kubernetes:     %s (node image %s)\n", st.KubernetesVersion, st.NodeImage)
				fmt.Fprintf(w, "  kube context:   %s in %s\n", st.Context, st.Kubeconfig)
				fmt.Fprintf(w, "  node address:   %s\n", st.NodeAddress)
				if st.IngressHTTP != "" {
					fmt.Fprintf(w, "  ingress:        http://%s\n", st.IngressHTTP)
				}
				fmt.Fprintf(w, "  IngressClasses: %s\n", kind.DescribeIngressClasses(st.IngressClasses))
				fmt.Fprintf(w, "  load balancers: %s\n", publisherText(st.LoadBalancer))
				if st.LoadBalancers != "" {
					fmt.Fprintf(w, "                  %s\n", st.LoadBalancers)
				}
				if st.NetworkPolicy != nil {
					fmt.Fprintf(w, "  NetworkPolicy:  %s\n", st.NetworkPolicy.Detail)
				}
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

// clusterPublisherCommand is the background load balancer publisher that
// `cluster up`, `start` and `check` start when it is not running.
func (a *app) clusterPublisherCommand() *cobra.Command {
	var f kindFlags
	var stateDir string
	cmd := &cobra.Command{
		Use:    "lb-publisher",
		Short:  "Publish load balancer addresses for the cluster's LoadBalancer Services (runs in the background)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			opts := kind.Options{Name: f.name, Kubeconfig: f.kubeconfig, StateDir: stateDir}
			logf := func(format string, args ...any) {
				fmt.Fprintf(a.stderr, a.now().Format("2006-01-02T15:04:05Z07:00")+" "+format+"\n", args...)
			}
			err := kind.RunPublisherDaemon(ctx, opts, logf)
			switch {
			case errors.Is(err, kind.ErrPublisherRunning):
				logf("%v", err)
				return nil
			case errors.Is(err, kind.ErrClusterGone):
				logf("cluster %s is gone; stopping", opts.Name)
				return nil
			case errors.Is(err, context.Canceled):
				logf("stopped")
				return nil
			}
			return err
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&stateDir, "state-dir", "", "state directory holding the publisher's pid file")
	return cmd
}

// envInfo is what `ckadlab env --json` prints.
type envInfo struct {
	Kubeconfig string `json:"kubeconfig"`
	Context    string `json:"context"`
}

func (a *app) envCommand() *cobra.Command {
	var f kindFlags
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print what a shell needs to use the cluster with kubectl (eval \"$(ckadlab env)\")",
		Long: `Print what a shell needs to use ckadlab's cluster with kubectl: KUBECONFIG and the
kube context. eval "$(ckadlab env)" sets KUBECONFIG; the context is kind-NAME for
the kind cluster (--cluster kind, the default with Docker) or NAME for
--cluster context:NAME. --json prints {"kubeconfig": ..., "context": ...}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			choice, err := session.ChooseCluster(cmd.Context(), a.clusterF)
			if err != nil {
				return err
			}
			var info envInfo
			name, isContext := choice.Target.Context()
			switch {
			case choice.Target.IsKind():
				info = envInfo{Kubeconfig: live.KubeconfigPath(f.kubeconfig), Context: kind.Context(f.name)}
			case isContext:
				info = envInfo{Kubeconfig: live.KubeconfigPath(f.kubeconfig), Context: name}
			default:
				msg := "the offline cluster has no API server for kubectl: use --cluster kind (needs Docker) or --cluster context:NAME"
				if choice.Notice != "" {
					msg += " (" + strings.TrimPrefix(choice.Notice, "ckadlab: ") + ")"
				}
				return errors.New(msg)
			}
			if abs, err := filepath.Abs(info.Kubeconfig); err == nil {
				info.Kubeconfig = abs
			}
			return a.emit(info, func(w io.Writer) {
				fmt.Fprintf(w, "export KUBECONFIG=%s\n", shellQuote(info.Kubeconfig))
				fmt.Fprintf(w, "# kube context: %s (kubectl --context %s ..., or kubectl config use-context %s)\n", info.Context, info.Context, info.Context)
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[](){};&|<>#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
