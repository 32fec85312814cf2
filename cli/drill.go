package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/drill"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

func (a *app) drillCommand() *cobra.Command {
	var n int
	var domain string
	var start bool
	cmd := &cobra.Command{
		Use:   "drill",
		Short: "Pick the next labs to practise from your weak spots (spaced repetition), and say why",
		Long: `Pick the next labs to practise from your history, and say why each was picked:
first the labs whose latest attempt lost points (lowest score first), then passed
labs whose review is due (spaced repetition: due again 1, 3, 7, 14, then 30 days
after passing 1, 2, 3, 4, 5+ times in a row), then labs started but never
checked, then new labs from your weakest domain (easiest first).

--start also starts the first pick (as ckadlab start LAB).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 {
				return fmt.Errorf("-n %d: want 1 or more", n)
			}
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			opts := drill.Options{N: n, Now: a.now()}
			if domain != "" {
				d, err := labs.ParseDomain(domain)
				if err != nil {
					return fmt.Errorf("--domain: %w", err)
				}
				opts.Domain = d
			}
			h, err := a.history()
			if err != nil {
				return err
			}
			plan := drill.Next(cat.All(), h.Labs, opts)
			var started string
			var ns *session.NotSavedError
			if start && len(plan.Picks) > 0 {
				l, err := cat.Get(plan.Picks[0].Lab)
				if err != nil {
					return err
				}
				if err := a.guardExam(l.ID, "practice runs"); err != nil {
					return err
				}
				m, err := a.manager()
				if err != nil {
					return err
				}
				info, err := m.Start(cmd.Context(), l)
				if err != nil && !errors.As(err, &ns) {
					return err
				}
				started = info.Workspace
			}
			v := struct {
				drill.Plan
				Started  string `json:"started,omitempty"`
				NotSaved string `json:"not_saved,omitempty"`
			}{plan, started, notSavedText(ns)}
			if err := a.emit(v, func(w io.Writer) { a.printDrill(w, plan, started) }); err != nil {
				return err
			}
			if ns != nil {
				return a.notSaved(ns)
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "number", "n", 3, "how many labs to pick")
	cmd.Flags().StringVar(&domain, "domain", "", "only this domain")
	cmd.Flags().BoolVar(&start, "start", false, "start the first pick")
	return cmd
}

func (a *app) printDrill(w io.Writer, plan drill.Plan, started string) {
	p := a.pal()
	if len(plan.Picks) == 0 {
		fmt.Fprintln(w, "Nothing to drill: every lab is passed and none is due for review.")
		if !plan.NextDue.IsZero() {
			fmt.Fprintf(w, "The next review is due %s.\n", plan.NextDue.Local().Format("Mon 2 Jan 15:04"))
		}
		return
	}
	fmt.Fprintln(w, p.title("Practise next"))
	for i, pk := range plan.Picks {
		fmt.Fprintf(w, "\n%d. %s  %s\n", i+1, p.bold(pk.Title), p.dim(fmt.Sprintf("[%s · %s · %s]", pk.Lab, pk.Domain.Title(), pk.Kind)))
		fmt.Fprintf(w, "   why: %s\n", pk.Reason)
	}
	if plan.NotDue > 0 {
		fmt.Fprintf(w, "\n%s\n", p.dim(fmt.Sprintf("%d passed lab(s) are not due for review yet (next: %s).", plan.NotDue, plan.NextDue.Local().Format("Mon 2 Jan"))))
	}
	if started != "" {
		fmt.Fprintf(w, "\nStarted %s: write your answer in %s, then ckadlab check %s\n", plan.Picks[0].Lab, started, plan.Picks[0].Lab)
		return
	}
	fmt.Fprintf(w, "\n%s\n", p.dim(fmt.Sprintf("Start the first: ckadlab start %s   (or ckadlab drill --start)", plan.Picks[0].Lab)))
}
