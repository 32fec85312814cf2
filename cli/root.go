// Package cli is ckadlab's command line (cobra). Each command turns flags into
// calls to the library packages (labs, session, checker, exam, drill, state)
// and prints the result as text or, with --json, as JSON.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
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
}

// Main runs the command line and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return a.printError(err, args)
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
		pc, err := checkPack(context.Background(), d, builtin, true)
		if err != nil {
			return nil, err
		}
		if err := pc.refusal(d); err != nil {
			return nil, err
		}
		all = append(all, pc.Labs)
	}
	cat, err := labs.NewCatalog(all...)
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
