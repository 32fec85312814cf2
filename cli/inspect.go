package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/inspect"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/session"
)

// worldFlags choose the offline cluster `get` and `describe` read.
type worldFlags struct {
	lab, answers string
}

func (f *worldFlags) add(a *app, cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.lab, "lab", "", "the lab whose offline cluster to read (default: the lab started last)")
	cmd.Flags().StringVar(&f.answers, "answers", "", "apply the YAML files in this folder instead of the lab's workspace")
	cmd.RegisterFlagCompletionFunc("lab", func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return a.completeLabs(cmd, nil, toComplete)
	})
}

// mode is where the learner works, for rendering hints and solutions:
// offline (ckadlab get/describe and the workspace) or a live cluster
// (kubectl as written).
func (a *app) mode(l *labs.Lab) inspect.Mode {
	m := inspect.Mode{Lab: l.ID}
	if d, err := a.stateDirs(); err == nil {
		m.Workspace = d.Workspace(l.ID)
	}
	choice, err := session.ChooseCluster(context.Background(), a.clusterF)
	m.Offline = err == nil && !choice.Target.Live()
	return m
}

// currentLab is the lab started last whose workspace still exists.
func (a *app) currentLab() (*labs.Lab, error) {
	d, err := a.stateDirs()
	if err != nil {
		return nil, err
	}
	prog, err := d.LoadProgress()
	if err != nil {
		return nil, err
	}
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	var best *labs.Lab
	var at time.Time
	for _, l := range cat.All() {
		lp := prog.Get(l.ID)
		if lp.StartedAt.IsZero() {
			continue
		}
		if _, err := os.Stat(d.Workspace(l.ID)); err != nil {
			continue
		}
		if best == nil || lp.StartedAt.After(at) {
			best, at = l, lp.StartedAt
		}
	}
	if best == nil {
		return nil, errors.New("no lab is started: name one with --lab LAB, or run ckadlab start LAB (ckadlab labs lists them)")
	}
	return a.started(best)
}

// world builds the offline cluster a lab's check would grade: its setup
// and the answer files. It says on stderr which lab's world is shown.
// namespace is the lab's: where get and describe look without -n, as
// kubectl does on a live cluster, whose kube context names the lab's
// namespace ("default" for a lab without one).
func (a *app) world(cmdName string, f worldFlags) (c *offline.Cluster, namespace string, err error) {
	c, l, err := a.labWorld(cmdName, f)
	if err != nil {
		return nil, "", err
	}
	namespace = l.Namespace
	if namespace == "" {
		namespace = "default"
	}
	return c, namespace, nil
}

// labWorld is world's cluster and the lab it belongs to.
func (a *app) labWorld(cmdName string, f worldFlags) (*offline.Cluster, *labs.Lab, error) {
	choice, err := session.ChooseCluster(context.Background(), a.clusterF)
	if err != nil {
		return nil, nil, err
	}
	if choice.Target.Live() {
		return nil, nil, fmt.Errorf("ckadlab %s reads the offline cluster; you are working on the %s cluster: use kubectl there (eval \"$(ckadlab env)\"), or pass --cluster offline", cmdName, choice.Target)
	}
	var l *labs.Lab
	if f.lab != "" {
		l, err = a.startedLab(f.lab)
	} else {
		l, err = a.currentLab()
	}
	if err != nil {
		return nil, nil, err
	}
	setup, err := checker.SetupObjects(l)
	if err != nil {
		return nil, nil, err
	}
	dir, where := f.answers, f.answers
	if dir == "" {
		d, err := a.stateDirs()
		if err != nil {
			return nil, nil, err
		}
		dir, where = d.Workspace(l.ID), "the workspace"
	}
	var answers []manifest.Object
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if f.answers != "" {
			return nil, nil, fmt.Errorf("--answers %s: no such folder", f.answers)
		}
		a.notice("lab %s (offline): its setup only; the lab is not started (ckadlab start %s)", l.ID, l.ID)
	} else {
		if answers, err = session.ReadAnswers(dir, l.Namespace, where); err != nil {
			return nil, nil, err
		}
		a.notice("lab %s (offline): its setup and %d answer object(s) from %s", l.ID, len(answers), dir)
	}
	c, err := offline.Build(setup, answers, l.Namespace)
	return c, l, err
}

const inspectLong = `Offline there is no API server for kubectl: ckadlab %s reads the offline
cluster a check grades (the lab's setup and your answer files, with what the
controllers derive: ReplicaSets, pods with IPs, EndpointSlices, Endpoints,
load balancer addresses) and prints it as kubectl does. It reads the lab
started last, or --lab LAB; without -n it looks in the lab's namespace, as
kubectl does live. On a live cluster, use kubectl.`

func (a *app) getCommand() *cobra.Command {
	var wf worldFlags
	var o inspect.GetOptions
	cmd := &cobra.Command{
		Use:   "get KIND[,KIND...] [NAME...]",
		Short: "Offline: list objects of the lab's offline cluster, as kubectl get does",
		Long:  fmt.Sprintf(inspectLong, "get"),
		Example: `  ckadlab get pods -n prod --show-labels
  ckadlab get endpointslices -n shop -l kubernetes.io/service-name=catalog
  ckadlab get all -n shop -o wide
  ckadlab get svc web -n shop -o yaml
  ckadlab get ns --show-labels --lab np-and-vs-or`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("name a kind to list, e.g. ckadlab get pods -n NAMESPACE (kinds: pods, services, endpointslices, ingresses, networkpolicies, namespaces, deployments, ...)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := a.world("get", wf)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("namespace") {
				o.Namespace = ns
			}
			o.Kinds, o.Names = args[0], args[1:]
			return inspect.Get(a.stdout, a.stderr, c, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Namespace, "namespace", "n", "", "namespace (default: the lab's namespace, as its kube context has it live)")
	fl.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "every namespace")
	fl.StringVarP(&o.Selector, "selector", "l", "", "label selector, e.g. app=web,tier!=db or role")
	fl.BoolVar(&o.ShowLabels, "show-labels", false, "add a LABELS column")
	fl.StringVarP(&o.Output, "output", "o", "", "wide, name, yaml, json or jsonpath=TEMPLATE")
	wf.add(a, cmd)
	return cmd
}

func (a *app) describeCommand() *cobra.Command {
	var wf worldFlags
	var o inspect.DescribeOptions
	cmd := &cobra.Command{
		Use:   "describe KIND [NAME...]",
		Short: "Offline: describe objects of the lab's offline cluster, as kubectl describe does",
		Long:  fmt.Sprintf(inspectLong, "describe"),
		Example: `  ckadlab describe networkpolicy test-network-policy -n prod
  ckadlab describe ingress desk -n ticketing
  ckadlab describe svc helpdesk -n support`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("name a kind (and names), e.g. ckadlab describe service NAME -n NAMESPACE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := a.world("describe", wf)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("namespace") {
				o.Namespace = ns
			}
			o.Kind, o.Names = args[0], args[1:]
			return inspect.Describe(a.stdout, c, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Namespace, "namespace", "n", "", "namespace (default: the lab's namespace, as its kube context has it live)")
	fl.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "every namespace")
	fl.StringVarP(&o.Selector, "selector", "l", "", "label selector (when no NAME is given)")
	wf.add(a, cmd)
	return cmd
}

// renderLines renders solution command lines for the mode in use.
func renderLines(m inspect.Mode, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = m.Line(l)
	}
	return out
}

func renderTexts(m inspect.Mode, texts []string) []string {
	out := make([]string, len(texts))
	for i, s := range texts {
		out[i] = m.Text(s)
	}
	return out
}
