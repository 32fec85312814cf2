// Package cli is ckadlab's command line (cobra). Each command turns flags into
// calls to the library packages (labs, session, checker, exam, drill, state)
// and prints the result as text or, with --json, as JSON.
package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/go-logr/logr"
	"io"
	"k8s.io/klog/v2"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/sigctl"
	"github.com/ckadlab/ckadlab/state"
)

// Version is set at build time with -ldflags "-X github.com/ckadlab/ckadlab/cli.Version=…".
var Version = "dev"

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // a check run did not get full marks, lint found errors
	ExitError  = 2 // bad input, or the command could not run
	// ExitNotSaved: the command did its work and printed the result (a
	// grade, a started lab, a graded exam), but the progress database
	// could not record it.
	ExitNotSaved = 3
)

// ClusterEnv, when set, is the default of --cluster (a classroom can pin
// every learner's shell to offline or to context:NAME).
const ClusterEnv = "CKADLAB_CLUSTER"

// exitError carries an exit code without an extra message.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// app holds the global flags and what commands share.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	jsonOut  bool
	noColor  bool
	clusterF string
	labDirs  []string

	now func() time.Time

	noticeShown bool
	dirs        *state.Dirs // resolved lazily
	cat         *labs.Catalog

	// class mode (classmode.go): read once
	classRead bool
	class     *session.Class
	classErr  error
	excluded  []class.Excluded // labs the class leaves out

	managers []*session.Manager // closed when the command ends
}

// Main runs the command line and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// client-go reports closed exec streams and the like through klog,
	// to stderr by default: not on a learner's terminal (the TUI sends
	// klog to its log file).
	klog.SetLogger(logr.Discard())
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ctx, sw := watchSignals(context.Background(), stderr, signalGrace(root, args))
	err := root.ExecuteContext(ctx)
	for _, m := range a.managers {
		m.Close() // ends the probe agents kept between checks
	}
	if code, ok := sw.stop(); ok {
		fmt.Fprintln(stderr, "ckadlab: interrupted")
		return code
	}
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return a.printError(err, args)
}

// Signals. The first SIGINT or SIGTERM cancels the command's context, so
// work in progress stops, and the command returns; should it not return
// within the grace period, or should a second signal come, the process
// exits anyway (removing the temporary files of atomic writes in
// progress, so nothing half-written is left). The exit code is 128 plus
// the signal: 130 for SIGINT, 143 for SIGTERM. The TUI reads Ctrl-C as a
// key (its terminal is raw), so these are only signals sent to it.
var (
	defaultGrace = 750 * time.Millisecond
	// clusterGrace is for commands that create or remove containers and
	// clean up after themselves when cancelled.
	clusterGrace = 30 * time.Second
	// exitProcess ends the process (tests replace it).
	exitProcess = os.Exit
)

// signalGrace is how long the command that args run may take to return
// after a signal.
func signalGrace(root *cobra.Command, args []string) time.Duration {
	cmd, _, err := root.Find(args)
	if err != nil {
		return defaultGrace
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Name() == "cluster" {
			return clusterGrace
		}
	}
	return defaultGrace
}

type signalWatch struct {
	sigc chan os.Signal
	done chan struct{}
	got  chan int // the exit code, once a signal came
	code int
}

// watchSignals starts watching SIGINT and SIGTERM for the run of a
// command: the context it returns is cancelled by the first.
func watchSignals(parent context.Context, stderr io.Writer, grace time.Duration) (context.Context, *signalWatch) {
	ctx, cancel := context.WithCancel(parent)
	w := &signalWatch{sigc: make(chan os.Signal, 2), done: make(chan struct{}), got: make(chan int, 1)}
	signal.Notify(w.sigc, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer cancel()
		var sig os.Signal
		for sig == nil {
			select {
			case sig = <-w.sigc:
				if sig == os.Interrupt && sigctl.Held() {
					sig = nil // a Ctrl-C in the learner's shell is the shell's
				}
			case <-w.done:
				return
			}
		}
		code := 128 + int(syscall.SIGINT)
		if sig == syscall.SIGTERM {
			code = 128 + int(syscall.SIGTERM)
		}
		w.got <- code
		cancel()
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case <-w.done:
			return // the command returned: Main returns the code
		case <-w.sigc: // a second signal (even held: the first was not)
		case <-timer.C:
		}
		state.RemoveInflight()
		fmt.Fprintln(stderr, "ckadlab: interrupted")
		exitProcess(code)
	}()
	return ctx, w
}

// stop ends the watch and reports the exit code when a signal came.
func (w *signalWatch) stop() (int, bool) {
	signal.Stop(w.sigc)
	close(w.done)
	select {
	case w.code = <-w.got:
		return w.code, true
	default:
		return 0, false
	}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "ckadlab",
		Short: "Practise CKAD Services, Ingress and NetworkPolicy tasks, graded by real connectivity",
		Long: `ckadlab presents CKAD lab tasks about Services, Ingress and NetworkPolicy and grades
your answers by probing connectivity: a packet really flows, or really is blocked,
and a failed check tells you why.

Without Docker, ckadlab uses its built-in offline cluster: you write your answer
as YAML files in the lab's workspace folder and ckadlab grades them with a
faithful model of Kubernetes networking.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		RunE:          a.runTUI,
	}
	pf := root.PersistentFlags()
	pf.BoolVar(&a.jsonOut, "json", false, "print machine-readable JSON")
	pf.BoolVar(&a.noColor, "no-color", false, "no colours (also when NO_COLOR is set)")
	defCluster := "auto"
	if v := strings.TrimSpace(os.Getenv(ClusterEnv)); v != "" {
		defCluster = v
	}
	pf.StringVar(&a.clusterF, "cluster", defCluster, "cluster backend: auto, offline, kind or context:NAME (default from $"+ClusterEnv+")")
	pf.StringArrayVar(&a.labDirs, "labs", nil, "extra lab directory (a classroom pack); repeatable")
	root.AddCommand(
		a.labsCommand(),
		a.showCommand(),
		a.startCommand(),
		a.checkCommand(),
		a.resetCommand(),
		a.solutionCommand(),
		a.lintCommand(),
		a.reachCommand(),
		a.getCommand(), a.describeCommand(),
		a.clusterCommand(), a.envCommand(),
		a.examCommand(),
		a.statsCommand(),
		a.drillCommand(),
		a.classCommand(),
	)
	return root
}

// clusterNamed reports whether the learner named a cluster: --cluster on
// the command line or $CKADLAB_CLUSTER (not the default auto).
func (a *app) clusterNamed(cmd *cobra.Command) bool {
	if f := cmd.Flags().Lookup("cluster"); f != nil && f.Changed {
		return true
	}
	return strings.TrimSpace(os.Getenv(ClusterEnv)) != ""
}

// catalog loads the built-in labs plus --labs directories once. A pack
// is held to the rules `ckadlab lint DIR` checks (checkPack): one that
// lint rejects is refused, and one directory named twice (in any
// spelling) is one pack.
func (a *app) catalog() (*labs.Catalog, error) {
	if a.cat != nil {
		return a.cat, nil
	}
	builtin, err := loadBuiltin()
	if err != nil {
		return nil, err
	}
	all := [][]*labs.Lab{builtin}
	for _, d := range labs.UniqueDirs(a.labDirs) {
		pc, err := checkPack(context.Background(), d, builtin, true, 1)
		if err != nil {
			return nil, err
		}
		if err := pc.refusal(d); err != nil {
			return nil, err
		}
		all = append(all, pc.Labs)
	}
	k, err := a.classMode()
	if err != nil {
		return nil, err
	}
	var cat *labs.Catalog
	if k != nil {
		cat, err = a.classCatalog(k, all, builtin)
	} else {
		cat, err = labs.NewCatalog(all...)
	}
	if err != nil {
		return nil, err
	}
	a.cat = cat
	return cat, nil
}

func (a *app) lab(id string) (*labs.Lab, error) {
	cat, err := a.catalog()
	if err != nil {
		return nil, err
	}
	l, err := cat.Get(id)
	if err != nil {
		return nil, unknownLab(err, cat)
	}
	return l, nil
}

func (a *app) stateDirs() (state.Dirs, error) {
	if a.dirs != nil {
		return *a.dirs, nil
	}
	d, err := state.DefaultDirs()
	if err != nil {
		return state.Dirs{}, err
	}
	a.dirs = &d
	return d, nil
}

// manager resolves --cluster and the learner's directories.
func (a *app) manager() (*session.Manager, error) {
	choice, err := session.ChooseCluster(context.Background(), a.clusterF)
	if err != nil {
		return nil, err
	}
	if choice.Notice != "" && !a.noticeShown {
		a.noticeShown = true
		a.notice("%s", choice.Notice)
	}
	d, err := a.stateDirs()
	if err != nil {
		return nil, err
	}
	m := &session.Manager{Dirs: d, Cluster: choice.Target, Now: a.now}
	a.managers = append(a.managers, m)
	if name, ok := choice.Target.Context(); ok {
		if _, isClass := session.IsClassContext("", name); isClass {
			if m.Class, err = a.classMode(); err != nil {
				return nil, err
			}
		}
	}
	if choice.Target.IsKind() {
		// kind's steps are printed on stderr as they happen; the TUI
		// replaces Events (it owns the terminal).
		if m.Kind, err = a.kindOptions(kindFlags{}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (a *app) color() bool {
	if a.noColor || a.jsonOut {
		return false
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := a.stdout.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
