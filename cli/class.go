package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
)

// classConnect reaches the instructor's cluster; classNoServer says the
// clients it gives have no API server behind them (a fake clientset in
// tests), so that class up skips its checks that need one: the admission
// policy in force, the NetworkPolicy self-test.
var (
	classConnect  = live.Connect
	classNoServer = false
)

// DefaultClassName is the class --name names when not given.
const DefaultClassName = "ckad"

// classFlags are the flags every class subcommand shares.
type classFlags struct {
	context    string
	kubeconfig string
	name       string
}

func (f *classFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.context, "context", "", "the instructor's kube context of the class cluster (default: the current context)")
	cmd.PersistentFlags().StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file holding that context (default: $KUBECONFIG or ~/.kube/config)")
	cmd.PersistentFlags().StringVar(&f.name, "name", DefaultClassName, "class name (one cluster can hold several classes)")
}

func (f *classFlags) connect() (*live.Clients, error) {
	if err := class.ValidName("class", f.name, class.MaxClassName); err != nil {
		return nil, fmt.Errorf("--name: %w", err)
	}
	return classConnect(f.kubeconfig, f.context)
}

// classSubcommands are the subcommands of `ckadlab class`: the lead adds
// the board's (class board, class report) here.
func (a *app) classSubcommands(f *classFlags) []*cobra.Command {
	return []*cobra.Command{
		a.classUpCommand(f),
		a.classDownCommand(f),
		a.classStatusCommand(f),
		a.classExamCommand(f),
		a.classPublishCommand(f),
		newClassBoardCmd(f.loader()),
		newClassReportCmd(f.loader()),
	}
}

// loader reads the class, its learners' results (one List call) and the
// running exam from the instructor's cluster, connecting once.
func (f *classFlags) loader() Loader {
	var cl *live.Clients
	return func(ctx context.Context) (*class.Class, []class.Record, *class.Exam, error) {
		if cl == nil {
			c, err := f.connect()
			if err != nil {
				return nil, nil, nil, err
			}
			cl = c
		}
		c, recs, e, err := classroom.ReadBoard(ctx, cl, f.name)
		var bad *classroom.MalformedError
		if err != nil && !errors.As(err, &bad) {
			return nil, nil, nil, err
		}
		return c, recs, e, nil
	}
}

func (a *app) classCommand() *cobra.Command {
	f := &classFlags{}
	cmd := &cobra.Command{
		Use:   "class",
		Short: "Run a class on one shared cluster (instructor: up, status, exam, publish, down)",
		Long: `Run a classroom workshop on one cluster the instructor has (kind or any other):
every learner gets a ServiceAccount, their own namespaces (LEARNER-…), RBAC and an
admission policy that keep them there, ResourceQuotas, and a kubeconfig file. A
learner's ckadlab, pointed at that kubeconfig, runs labs in the learner's own
namespaces and records every check where the instructor reads it.

  ckadlab class up --context kind-ckadlab --learners alice,bob,carol --out kc/
  (hand each learner kc/LEARNER.kubeconfig; they run KUBECONFIG=… ckadlab)
  ckadlab class status                  learners, namespaces, results, exam, pack
  ckadlab class exam --seed 7 --tasks 5 --duration 1h   one exam for the room
  ckadlab class publish ./pack          lint a lab pack and hand it to the room
  ckadlab class down --context kind-ckadlab              remove it all`,
	}
	f.register(cmd)
	cmd.AddCommand(a.classSubcommands(f)...)
	return cmd
}

// learnerNames parses --learners or makes --count names.
func learnerNames(list string, count int, listSet, countSet bool) ([]string, error) {
	switch {
	case listSet == countSet:
		return nil, errors.New("name the learners with --learners alice,bob,… or give their number with --count N")
	case countSet:
		if count < 1 || count > class.MaxLearners {
			return nil, fmt.Errorf("--count %d: want 1 to %d", count, class.MaxLearners)
		}
		names := make([]string, count)
		for i := range names {
			names[i] = fmt.Sprintf("learner%02d", i+1)
		}
		return names, nil
	}
	var names []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, errors.New("--learners names no learner")
	}
	return names, nil
}

// classLabIDs checks --labs against the catalog.
func (a *app) classLabIDs(ids string) ([]string, error) {
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, id := range strings.Split(ids, ",") {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		l, err := cat.Get(id)
		if err != nil {
			return nil, fmt.Errorf("--labs: %w", unknownLab(err, cat))
		}
		if err := class.Safe(l); err != nil {
			return nil, fmt.Errorf("--labs: %w", err)
		}
		seen[id] = true
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, errors.New("--labs names no lab")
	}
	return out, nil
}

func (a *app) classUpCommand(f *classFlags) *cobra.Command {
	var learners, labIDs, out, server string
	var count int
	var noSelfTest bool
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Put a class on the cluster (or add learners to it): namespaces, RBAC, quotas, kubeconfigs",
		Long: `Put a class on the cluster of --context: per learner a ServiceAccount with a
long-lived token, a home namespace LEARNER-ckadlab, RBAC and an admission policy
that let the learner work only in namespaces LEARNER-… (which their ckadlab
creates as labs start), a ResourceQuota per namespace, and a kubeconfig file
--out/LEARNER.kubeconfig (token auth, context ckadlab-CLASS-LEARNER). Running it
again is safe: it adds new learners and keeps the others' tokens.

The kubeconfigs name the API server of --context; learners on other machines
need an address they reach: --server https://HOST:PORT.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("context") {
				return errors.New("class up changes a cluster: name its kube context with --context NAME")
			}
			names, err := learnerNames(learners, count, cmd.Flags().Changed("learners"), cmd.Flags().Changed("count"))
			if err != nil {
				return err
			}
			c, err := class.NewClass(f.name, names, a.now())
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("labs") {
				if c.Labs, err = a.classLabIDs(labIDs); err != nil {
					return err
				}
			}
			if out == "" {
				out = "ckadlab-" + f.name + "-kubeconfigs"
			}
			cl, err := f.connect()
			if err != nil {
				return err
			}
			opts := classroom.UpOptions{OutDir: out, Server: server, Now: a.now, NoPolicyCheck: classNoServer}
			if !noSelfTest && !classNoServer {
				opts.SelfTest = func(ctx context.Context, cl *live.Clients) (bool, error) {
					if !a.jsonOut {
						a.notice("Checking that the cluster enforces NetworkPolicy (once per cluster start)…")
					}
					st, err := live.RunSelfTest(ctx, cl, live.SelfTestOptions{})
					return st.Enforced, err
				}
			}
			res, err := classroom.Up(cmd.Context(), cl, c, opts)
			if err != nil {
				return err
			}
			for _, w := range res.Warnings {
				a.notice("ckadlab: warning: %s", w)
			}
			return a.emit(res, func(w io.Writer) {
				p := a.pal()
				fmt.Fprintf(w, "%s class %s on %s (%d learners, %d added; %d objects in %.1fs)\n", p.ok("Ready:"), res.Class, cl.Context, len(res.Learners), len(res.Added), res.Objects, res.Seconds)
				fmt.Fprintf(w, "  API server in the kubeconfigs: %s\n", res.Server)
				fmt.Fprintf(w, "  learners read the cluster's: %s\n", strings.Join(res.Shared, ", "))
				if res.PolicyEnforced != nil {
					fmt.Fprintf(w, "  NetworkPolicy enforced:       %v\n", *res.PolicyEnforced)
				}
				if strings.Contains(res.Server, "127.0.0.1") || strings.Contains(res.Server, "localhost") {
					fmt.Fprintf(w, "  %s learners on other machines cannot reach %s: run again with --server https://ADDRESS:PORT\n", p.warn("!"), res.Server)
				}
				if len(res.Labs) > 0 {
					fmt.Fprintf(w, "  labs: %s\n", strings.Join(res.Labs, ", "))
				}
				fmt.Fprintln(w, "Kubeconfigs (hand each learner theirs; it holds their token):")
				for _, l := range res.Learners {
					fmt.Fprintf(w, "  %-20s %s\n", l.Name, l.Kubeconfig)
				}
				if len(res.Learners) > 0 {
					l := res.Learners[0]
					fmt.Fprintf(w, "\nA learner runs: KUBECONFIG=%s ckadlab\n", shellQuote(l.Kubeconfig))
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&learners, "learners", "", "learner names, comma-separated (lowercase, e.g. alice,bob)")
	fl.IntVar(&count, "count", 0, "number of learners, named learner01, learner02, …")
	fl.StringVar(&labIDs, "labs", "", "lab ids the class works on, comma-separated (default: every lab that runs side by side)")
	fl.StringVar(&out, "out", "", "directory for the learners' kubeconfig files (default ckadlab-CLASS-kubeconfigs)")
	fl.StringVar(&server, "server", "", "API server address written into the kubeconfigs (default: the one of --context)")
	fl.BoolVar(&noSelfTest, "no-self-test", false, "skip the NetworkPolicy self-test (its result stays unknown to the learners' ckadlab)")
	return cmd
}

func (a *app) classDownCommand(f *classFlags) *cobra.Command {
	var wait bool
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove a class: its learners' tokens, namespaces (their work too) and cluster-wide objects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("context") {
				return errors.New("class down deletes namespaces: name the cluster's kube context with --context NAME")
			}
			cl, err := f.connect()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			res, err := classroom.Down(ctx, cl, f.name, wait)
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) {
				if !res.Found {
					fmt.Fprintf(w, "There is no class %s on %s.\n", res.Class, cl.Context)
					return
				}
				state := "deleting"
				if res.Waited {
					state = "deleted"
				}
				fmt.Fprintf(w, "Removed class %s from %s in %.1fs.\n", res.Class, cl.Context, res.Seconds)
				fmt.Fprintf(w, "  namespaces (%s): %s\n", state, strings.Join(res.Namespaces, ", "))
				fmt.Fprintf(w, "  cluster-wide:         %s\n", strings.Join(res.ClusterObjects, ", "))
			})
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the namespaces are gone")
	return cmd
}

func (a *app) classStatusCommand(f *classFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show a class: learners, their namespaces and results, the exam and the pack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := f.connect()
			if err != nil {
				return err
			}
			st, err := classroom.GetStatus(cmd.Context(), cl, f.name, a.now())
			if err != nil {
				return err
			}
			info := classStatusInfo{Status: st}
			if info.LeftOut, err = a.classLeftOut(st.Labs); err != nil {
				return err
			}
			return a.emit(info, func(w io.Writer) { a.printClassStatus(w, info) })
		},
	}
}

// leftOutLab is a lab a class leaves out, and why.
type leftOutLab struct {
	Lab    string `json:"lab"`
	Reason string `json:"reason"`
}

// unsafeReason is why a lab cannot run side by side (nil: it can).
func unsafeReason(l *labs.Lab) (string, bool) {
	err := class.Safe(l)
	if err == nil {
		return "", false
	}
	var ue *class.UnsafeError
	if errors.As(err, &ue) {
		return strings.Join(ue.Reasons, "; "), true
	}
	return err.Error(), true
}

// classLeftOut are the labs of the class's choice (all labs when it names
// none) that cannot run side by side (class.Safe), with the reason.
func (a *app) classLeftOut(ids []string) ([]leftOutLab, error) {
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	out := []leftOutLab{}
	for _, l := range cat.All() {
		if len(ids) > 0 && !slices.Contains(ids, l.ID) {
			continue
		}
		if why, unsafe := unsafeReason(l); unsafe {
			out = append(out, leftOutLab{Lab: l.ID, Reason: why})
		}
	}
	return out, nil
}

// classStatusInfo is what `class status` prints.
type classStatusInfo struct {
	*classroom.Status
	// LeftOut are the labs learners do not get: they cannot run side by
	// side with other learners' on one cluster.
	LeftOut []leftOutLab `json:"left_out"`
}

func (a *app) printClassStatus(w io.Writer, info classStatusInfo) {
	p := a.pal()
	st := info.Status
	fmt.Fprintf(w, "%s %s (namespace %s, created %s)\n", p.title("Class"), st.Class, st.Namespace, st.Created.Local().Format("2006-01-02 15:04"))
	labsText := "every lab that runs side by side"
	if len(st.Labs) > 0 {
		labsText = strings.Join(st.Labs, ", ")
	}
	fmt.Fprintf(w, "  labs:  %s\n", labsText)
	fmt.Fprintf(w, "  quota: %s pods, %s services, %s CPU, %s memory per namespace\n", st.Quota.Pods, st.Quota.Services, st.Quota.CPU, st.Quota.Memory)
	enforced := "unknown (class up ran no self-test)"
	if st.PolicyEnforced != nil {
		enforced = fmt.Sprint(*st.PolicyEnforced)
	}
	fmt.Fprintf(w, "  NetworkPolicy enforced: %s; learners read the cluster's %s\n", enforced, strings.Join(st.Shared, ", "))
	switch {
	case st.Exam == nil:
		fmt.Fprintln(w, "  exam:  none")
	case st.Running:
		fmt.Fprintf(w, "  exam:  %s running: %d tasks, seed %d, until %s\n", st.Exam.ID, st.Exam.Tasks, st.Exam.Seed, st.Exam.Deadline().Local().Format("15:04"))
	default:
		fmt.Fprintf(w, "  exam:  %s ended %s\n", st.Exam.ID, st.Exam.Deadline().Local().Format("2006-01-02 15:04"))
	}
	if st.Pack != nil {
		fmt.Fprintf(w, "  pack:  %d bytes, published %s (sha256 %.12s)\n", st.Pack.Bytes, st.Pack.Published.Local().Format("2006-01-02 15:04"), st.Pack.SHA256)
	} else {
		fmt.Fprintln(w, "  pack:  none")
	}
	fmt.Fprintf(w, "%d learners:\n", len(st.Learners))
	fmt.Fprintf(w, "  %-20s %7s  %-16s  %s\n", "LEARNER", "RESULTS", "LAST CHECK", "NAMESPACES")
	for _, l := range st.Learners {
		last := "-"
		if !l.LastCheck.IsZero() {
			last = l.LastCheck.Local().Format("01-02 15:04:05")
		}
		ns := strings.Join(l.Namespaces, ", ")
		if ns == "" {
			ns = p.dim("(none yet)")
		}
		fmt.Fprintf(w, "  %-20s %7d  %-16s  %s\n", l.Name, l.Results, last, ns)
	}
	if len(info.LeftOut) > 0 {
		fmt.Fprintf(w, "%d lab(s) left out (they cannot run side by side with other learners):\n", len(info.LeftOut))
		for _, l := range info.LeftOut {
			fmt.Fprintf(w, "  %-30s %s\n", l.Lab, p.dim(l.Reason))
		}
	}
	for _, pr := range st.Problems {
		fmt.Fprintf(w, "%s %s\n", p.warn("!"), pr)
	}
}

// classExamInfo is what `class exam` prints.
type classExamInfo struct {
	Class   string      `json:"class"`
	Exam    *class.Exam `json:"exam"`
	Plan    *exam.Plan  `json:"plan,omitempty"`
	Stopped bool        `json:"stopped,omitempty"`
}

func (a *app) classExamCommand(f *classFlags) *cobra.Command {
	var seed uint64
	var tasks int
	var duration time.Duration
	var stop bool
	cmd := &cobra.Command{
		Use:   "exam",
		Short: "Start one exam for the whole class (same tasks, variants and deadline), or --stop it",
		Long: `Start one exam for the class: every learner's ckadlab picks it up and starts the
same tasks (the draw of --seed from the class's labs, so the same variants) with
the same deadline. The draw is checked here as ckadlab exam --plan would draw it.
--stop ends the class exam (learners' ckadlab stop offering it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := f.connect()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if stop {
				for _, other := range []string{"seed", "tasks", "duration"} {
					if cmd.Flags().Changed(other) {
						return fmt.Errorf("--stop takes no --%s", other)
					}
				}
				stopped, err := classroom.StopExam(ctx, cl, f.name)
				if err != nil {
					return err
				}
				return a.emit(classExamInfo{Class: f.name, Stopped: stopped}, func(w io.Writer) {
					if stopped {
						fmt.Fprintf(w, "Stopped the exam of class %s.\n", f.name)
					} else {
						fmt.Fprintf(w, "Class %s has no exam to stop.\n", f.name)
					}
				})
			}
			if duration <= 0 {
				return fmt.Errorf("--duration %s: want a positive duration such as 2h or 90m", duration)
			}
			if tasks <= 0 {
				return fmt.Errorf("--tasks %d: want a positive number", tasks)
			}
			c, err := classroom.ReadClass(ctx, cl, f.name)
			if err != nil {
				return err
			}
			pool, err := a.classPool(c)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("seed") {
				seed = freshSeed()
			}
			n := tasks
			if !cmd.Flags().Changed("tasks") {
				n = min(tasks, len(pool))
			}
			plan, err := exam.Draw(pool, exam.DrawOptions{Seed: seed, Tasks: n})
			if err != nil {
				return err
			}
			start := a.now().UTC().Truncate(time.Second)
			e := &class.Exam{ID: "e" + start.Format("20060102T150405Z"), Seed: seed, Tasks: len(plan.Tasks), Duration: duration, Start: start}
			for _, t := range plan.Tasks {
				e.Plan = append(e.Plan, class.ExamTask{Lab: t.ID, Domain: string(t.Domain), Points: t.Points})
			}
			if err := classroom.StartExam(ctx, cl, f.name, e); err != nil {
				return err
			}
			return a.emit(classExamInfo{Class: f.name, Exam: e, Plan: &plan}, func(w io.Writer) {
				p := a.pal()
				fmt.Fprintf(w, "%s exam %s for class %s: %d tasks (seed %d), until %s\n", p.ok("Started"), e.ID, f.name, e.Tasks, e.Seed, e.Deadline().Local().Format("15:04"))
				for i, t := range plan.Tasks {
					fmt.Fprintf(w, "  %2d. %-30s %-14s %d points\n", i+1, t.ID, t.Domain, t.Points)
				}
				fmt.Fprintln(w, "Learners' ckadlab pick it up; follow it with ckadlab class status.")
			})
		},
	}
	fl := cmd.Flags()
	fl.Uint64Var(&seed, "seed", 0, "seed of the draw (fresh when not set)")
	fl.IntVar(&tasks, "tasks", exam.DefaultTasks, "number of tasks")
	fl.DurationVar(&duration, "duration", exam.DefaultDuration, "time allowed")
	fl.BoolVar(&stop, "stop", false, "stop the class exam")
	return cmd
}

// classPool is the labs a class exam draws from: the class's labs that
// run side by side (class.ClassLabs, as a learner's ckadlab lists them).
func (a *app) classPool(c *class.Class) ([]*labs.Lab, error) {
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	for _, id := range c.Labs {
		if _, err := cat.Get(id); err != nil {
			return nil, fmt.Errorf("class %s names lab %s: %w", c.Name, id, err)
		}
	}
	pool, _ := class.ClassLabs(c, cat.All())
	if len(pool) == 0 {
		return nil, fmt.Errorf("class %s has no lab that runs side by side to draw from", c.Name)
	}
	return pool, nil
}

// classPublishInfo is what `class publish` prints.
type classPublishInfo struct {
	Class string              `json:"class"`
	Labs  []string            `json:"labs"`
	Pack  *classroom.PackInfo `json:"pack"`
	// LeftOut are the pack's labs learners will not get: they cannot run
	// side by side with other learners' on one cluster.
	LeftOut []leftOutLab `json:"left_out"`
}

func (a *app) classPublishCommand(f *classFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "publish DIR|FILE.tar.gz",
		Short: "Lint a lab pack and publish it to the class (learners' ckadlab pick it up)",
		Long: `Publish a lab pack to the class: a directory of lab files (its *.toml files, as
--labs DIR loads them) or a .tar.gz of them. The pack is held to the rules
ckadlab lint DIR checks (format, cross-references, solutions pass and wrong
answers fail) and refused when it has errors. A pack holds only regular files
(no symbolic links), at most 200 lab files of 1 MiB, 900 KiB compressed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := args[0]
			dir, tgz, cleanup, err := packSource(src)
			if err != nil {
				return err
			}
			defer cleanup()
			builtin, err := loadBuiltin()
			if err != nil {
				return err
			}
			pc, err := checkPack(cmd.Context(), dir, builtin, true, labs.LintSample)
			if err != nil {
				return err
			}
			if err := pc.refusal(src); err != nil {
				return err
			}
			if tgz == nil {
				if tgz, err = classroom.BuildPack(dir); err != nil {
					return err
				}
			}
			cl, err := f.connect()
			if err != nil {
				return err
			}
			info, err := classroom.PublishPack(cmd.Context(), cl, f.name, tgz)
			if err != nil {
				return err
			}
			out := classPublishInfo{Class: f.name, Pack: info, Labs: []string{}, LeftOut: []leftOutLab{}}
			for _, l := range pc.Labs {
				out.Labs = append(out.Labs, l.ID)
				if why, unsafe := unsafeReason(l); unsafe {
					out.LeftOut = append(out.LeftOut, leftOutLab{Lab: l.ID, Reason: why})
				}
			}
			return a.emit(out, func(w io.Writer) {
				p := a.pal()
				fmt.Fprintf(w, "%s %d lab(s) to class %s (%d bytes, sha256 %.12s): %s\n", p.ok("Published"), len(out.Labs), f.name, info.Bytes, info.SHA256, strings.Join(out.Labs, ", "))
				for _, l := range out.LeftOut {
					fmt.Fprintf(w, "  %s %s is left out: it cannot run side by side with other learners (%s)\n", p.warn("!"), l.Lab, l.Reason)
				}
			})
		},
	}
}

// packSource is the lab directory of a pack to publish: the directory
// itself, or a .tar.gz unpacked (with the pack bounds) into a temporary
// one, whose bytes are then published as they are after a rebuild.
func packSource(src string) (dir string, tgz []byte, cleanup func(), err error) {
	cleanup = func() {}
	fi, err := os.Stat(src)
	if err != nil {
		return "", nil, cleanup, fmt.Errorf("lab pack: %w", err)
	}
	if fi.IsDir() {
		return src, nil, cleanup, nil
	}
	if !fi.Mode().IsRegular() || !(strings.HasSuffix(src, ".tar.gz") || strings.HasSuffix(src, ".tgz")) {
		return "", nil, cleanup, fmt.Errorf("lab pack %s: want a directory or a .tar.gz file", src)
	}
	if fi.Size() > classroom.MaxConfigMapData {
		return "", nil, cleanup, fmt.Errorf("lab pack %s takes %d KiB, over the %d KiB a class pack may take", src, fi.Size()>>10, classroom.MaxConfigMapData>>10)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return "", nil, cleanup, err
	}
	tmp, err := os.MkdirTemp("", "ckadlab-pack-")
	if err != nil {
		return "", nil, cleanup, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	dir = filepath.Join(tmp, strings.TrimSuffix(strings.TrimSuffix(filepath.Base(src), ".tar.gz"), ".tgz"))
	if err := os.Mkdir(dir, 0o700); err != nil {
		cleanup()
		return "", nil, func() {}, err
	}
	if _, err := classroom.UnpackPack(data, dir); err != nil {
		cleanup()
		return "", nil, func() {}, fmt.Errorf("lab pack %s: %w", src, err)
	}
	// Rebuilt from what was checked: the published pack is exactly the
	// files lint saw, in the canonical form.
	tgz, err = classroom.BuildPack(dir)
	if err != nil {
		cleanup()
		return "", nil, func() {}, err
	}
	return dir, tgz, cleanup, nil
}
