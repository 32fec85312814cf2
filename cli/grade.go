package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
)

// labCommand is a command that takes one LAB argument and works through the
// session manager. --variant and --seed choose the lab's variant; without
// them, pick chooses (the started variant, or a fresh one for start).
func (a *app) labCommand(use, short string, pick func(*labs.Lab) (*labs.Lab, error), run func(cmd *cobra.Command, l *labs.Lab, m *session.Manager) error) *cobra.Command {
	var vf variantFlags
	cmd := &cobra.Command{
		Use:               use,
		Short:             short,
		Args:              oneLab,
		ValidArgsFunction: a.completeLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.lab(args[0])
			if err != nil {
				return err
			}
			if l, err = vf.pick(cmd, l, pick); err != nil {
				return err
			}
			m, err := a.manager()
			if err != nil {
				return err
			}
			return run(cmd, l, m)
		},
	}
	vf.add(cmd, strings.Fields(use)[0])
	return cmd
}

func (a *app) startCommand() *cobra.Command {
	cmd := a.labCommand("start LAB", "Start a lab: prepare its environment and workspace (a fresh variant of a lab with parameters)", fresh,
		func(cmd *cobra.Command, l *labs.Lab, m *session.Manager) error {
			if err := a.guardExam(l.ID, "practice runs"); err != nil {
				return err
			}
			info, err := m.Start(cmd.Context(), l)
			var ns *session.NotSavedError
			if err != nil && !errors.As(err, &ns) {
				return err
			}
			ws := info.Workspace
			out := struct {
				session.StartInfo
				NotSaved string `json:"not_saved,omitempty"`
			}{info, notSavedText(ns)}
			if err := a.emit(out, func(w io.Writer) {
				p := a.pal()
				fmt.Fprintf(w, "%s %s\n\n", p.ok("Started"), p.bold(l.Title))
				if vl := variantLine(l); vl != "" {
					fmt.Fprintf(w, "Variant:   %s; again with: ckadlab start %s --variant %d\n", vl, l.ID, l.VariantN)
				}
				if info.Context != "" {
					fmt.Fprintf(w, "Cluster:   %s (context %s, set up in %.1fs)\n", info.Cluster, info.Context, info.Seconds)
					fmt.Fprintf(w, "Namespace: %s\n\n", l.Namespace)
					fmt.Fprintf(w, "Work with kubectl in another terminal:\n  export KUBECONFIG=%s\n  kubectl config use-context %s\n  kubectl -n %s get all\n\n", orDefault(info.Kubeconfig, "~/.kube/config"), info.Context, l.Namespace)
					fmt.Fprintf(w, "Read the task: ckadlab show %s    Grade it: ckadlab check %s\n", l.ID, l.ID)
					return
				}
				fmt.Fprintf(w, "Cluster:   offline (built in; no Docker needed)\n")
				fmt.Fprintf(w, "Workspace: %s\n", ws)
				fmt.Fprintf(w, "Namespace: %s\n\n", l.Namespace)
				fmt.Fprintln(w, "Write your answer as YAML files in the workspace folder (kubectl create ...")
				fmt.Fprintf(w, "--dry-run=client -o yaml > %s writes one without a cluster).\n", filepath.Join(ws, "NAME.yaml"))
				fmt.Fprintf(w, "What the lab created is in %s (copy an object to change it).\n", filepath.Join(ws, "setup", "setup.yaml"))
				fmt.Fprintf(w, "Look at the lab's world as a check sees it: ckadlab get all -n %s, ckadlab describe KIND NAME -n %s\n\n", l.Namespace, l.Namespace)
				if len(info.Answers) > 0 {
					fmt.Fprintf(w, "Your earlier answers are still there (%d file(s)); ckadlab reset %s clears them.\n", len(info.Answers), l.ID)
				}
				fmt.Fprintf(w, "Read the task: ckadlab show %s    Grade it: ckadlab check %s\n", l.ID, l.ID)
			}); err != nil {
				return err
			}
			if ns != nil {
				return a.notSaved(ns)
			}
			return nil
		})
	cmd.Long = `Start a lab: prepare its workspace (offline) or apply its setup (live).

A lab with parameters (names, namespaces, ports, ... drawn from pools) gets a
fresh variant at every start: its task, setup, hints, solution and checks all
use the values drawn. show, check, solution, reset, get, describe and reach
then use the variant started last. --variant N repeats variant N (0 is the
lab's default values); --seed S starts the variant a mock exam drawn with
--seed S sets for this lab.`
	return cmd
}

func (a *app) checkCommand() *cobra.Command {
	var answersDir string
	var whyFull bool
	cmd := a.labCommand("check LAB", "Grade a lab: run its checks and explain every failure", a.started,
		func(cmd *cobra.Command, l *labs.Lab, m *session.Manager) error {
			if err := a.guardExam(l.ID, "checks and their reasons"); err != nil {
				return err
			}
			nAnswers := 0
			rep, err := m.Check(cmd.Context(), l, session.CheckOptions{AnswersDir: answersDir, OnAnswers: func(n int) { nAnswers = n }})
			var ns *session.NotSavedError
			if err != nil && !errors.As(err, &ns) {
				return err
			}
			out := struct {
				*checker.Report
				NotSaved string `json:"not_saved,omitempty"`
			}{rep, notSavedText(ns)}
			if err := a.emit(out, func(w io.Writer) { a.printReport(w, l, rep, nAnswers, whyFull) }); err != nil {
				return err
			}
			if ns != nil {
				return a.notSaved(ns)
			}
			if !rep.Passed() {
				return exitError{ExitFailed}
			}
			return nil
		})
	cmd.Long = `Grade a lab: run its checks (resource assertions and connectivity probes) and
explain every failure with what was expected, what was observed and why.

Offline, your answer is the YAML in the lab's workspace folder (see ckadlab start),
or in --answers DIR. --answers DIR grades on the offline cluster unless a cluster
is named (--cluster or $CKADLAB_CLUSTER): YAML is graded anywhere, Docker or not.
Exit status: 0 all checks passed, 1 some failed, 2 error, 3 graded but the
result could not be saved in your progress.`
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if answersDir != "" && !a.clusterNamed(cmd) {
			a.clusterF = "offline"
		}
		return nil
	}
	cmd.Flags().StringVar(&answersDir, "answers", "", "grade the YAML files in this folder instead of the lab's workspace")
	cmd.Flags().BoolVar(&whyFull, "why-full", false, "explain a failed probe with its whole path, not only the cause (--json carries both)")
	return cmd
}

func (a *app) printReport(w io.Writer, l *labs.Lab, rep *checker.Report, nAnswers int, whyFull bool) {
	p := a.pal()
	fmt.Fprintf(w, "%s  %s\n", p.title(l.Title), p.dim(fmt.Sprintf("[%s cluster, %d answer object(s)]", rep.Backend, nAnswers)))
	for _, c := range rep.Checks {
		fmt.Fprintf(w, "%s %-28s %2d/%-2d %s\n", p.mark(c.Passed), c.ID, c.Points, c.Max, c.Description)
		if c.Passed {
			continue
		}
		fmt.Fprintf(w, "    expected: %s\n", c.Expected)
		fmt.Fprintf(w, "    observed: %s\n", c.Observed)
		lines, folded := c.Brief()
		if whyFull {
			lines, folded = c.Explanation(), 0
		}
		for i, r := range lines {
			label := "         "
			if i == 0 {
				label = "    why: "
			}
			fmt.Fprintf(w, "%s%s\n", label, r)
		}
		if folded > 0 {
			fmt.Fprintf(w, "         %s\n", p.dim(fmt.Sprintf("(%d more line(s) of the path: --why-full)", folded)))
		}
	}
	score := fmt.Sprintf("Score: %d/%d (%.0f%%)", rep.Score, rep.Max, rep.Percent())
	if rep.Passed() {
		fmt.Fprintln(w, p.ok(score)+" — all checks passed")
	} else {
		fmt.Fprintln(w, p.bad(score)+p.dim(fmt.Sprintf(" — hints: ckadlab show %s --hints 1", l.ID)))
	}
}

func (a *app) resetCommand() *cobra.Command {
	return a.labCommand("reset LAB", "Reset a lab: set your answer files aside (kept under .trash) and start clean", a.started,
		func(cmd *cobra.Command, l *labs.Lab, m *session.Manager) error {
			info, err := m.Reset(cmd.Context(), l)
			if err != nil {
				return err
			}
			return a.emit(info, func(w io.Writer) {
				if info.Moved == 0 {
					fmt.Fprintf(w, "Lab %s has no answer files to reset.\n", l.ID)
					return
				}
				fmt.Fprintf(w, "Reset %s: %d answer file(s) moved to %s\n", l.ID, info.Moved, info.Trash)
			})
		})
}

func (a *app) solutionCommand() *cobra.Command {
	var writeDir string
	var vf variantFlags
	cmd := &cobra.Command{
		Use:               "solution LAB",
		Short:             "Show a lab's reference solution (--write DIR saves it as YAML)",
		Args:              oneLab,
		ValidArgsFunction: a.completeLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.lab(args[0])
			if err != nil {
				return err
			}
			if l, err = vf.pick(cmd, l, a.started); err != nil {
				return err
			}
			if err := a.guardExam(l.ID, "solutions"); err != nil {
				return err
			}
			written := ""
			if writeDir != "" {
				if _, err := checker.SolutionObjects(l); err != nil {
					return err
				}
				written = filepath.Join(writeDir, "solution.yaml")
				if _, err := os.Stat(written); err == nil {
					return fmt.Errorf("%s exists; not overwriting it (remove it or choose another --write folder)", written)
				}
				if err := state.WriteFileAtomic(written, []byte(strings.TrimLeft(l.Solution.Manifests, "\n")), 0o644); err != nil {
					return err
				}
			}
			mode := a.mode(l)
			commands := renderLines(mode, l.Solution.Commands)
			v := map[string]any{"lab": l.ID, "variant": l.VariantN, "commands": commands, "manifests": l.Solution.Manifests,
				"explanation": mode.Text(l.Solution.Explanation), "written": written}
			return a.emit(v, func(w io.Writer) {
				p := a.pal()
				fmt.Fprintf(w, "%s\n\n", p.title("Solution: "+l.Title))
				if vl := variantLine(l); vl != "" {
					fmt.Fprintf(w, "%s\n\n", p.dim("For "+vl))
				}
				for _, c := range commands {
					fmt.Fprintf(w, "  $ %s\n", c)
				}
				if l.Solution.Explanation != "" {
					fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(mode.Text(l.Solution.Explanation)))
				}
				fmt.Fprintf(w, "\n%s\n%s\n", p.bold("Equivalent manifests:"), strings.TrimSpace(l.Solution.Manifests))
				if written != "" {
					fmt.Fprintf(w, "\nWrote %s\n", written)
				}
			})
		},
	}
	vf.add(cmd, "show")
	cmd.Flags().StringVar(&writeDir, "write", "", "write the solution manifests to DIR/solution.yaml (for example the lab's workspace)")
	return cmd
}

// notSavedText is why a result was not saved ("" when it was), for the
// not_saved field of --json output.
func notSavedText(ns *session.NotSavedError) string {
	if ns == nil {
		return ""
	}
	return ns.Err.Error()
}

// notSaved says, after the result was printed, that it was not saved and
// why, and exits with ExitNotSaved.
func (a *app) notSaved(err error) error {
	a.notice("ckadlab: %v", err)
	return exitError{ExitNotSaved}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
