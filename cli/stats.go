package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/drill"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// history reads the learner's history (state.Dirs.LoadHistory: without a
// database, a new learner, it is empty and nothing is created). A data
// directory or database that cannot be looked at is an error, not an
// empty history.
func (a *app) history() (state.History, error) {
	d, err := a.stateDirs()
	if err != nil {
		return state.History{}, err
	}
	for _, p := range []string{d.Data, d.DBPath()} {
		if _, err := os.Stat(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return state.History{}, fmt.Errorf("cannot read your history: %w", err)
		}
	}
	h, err := d.LoadHistory()
	if err != nil {
		return state.History{}, fmt.Errorf("cannot read your history: %w", err)
	}
	return h, nil
}

func (a *app) statsCommand() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Your progress per domain and per lab: best score, attempts, last seen; and your exams",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			list := cat.All()
			if domain != "" {
				d, err := labs.ParseDomain(domain)
				if err != nil {
					return fmt.Errorf("--domain: %w", err)
				}
				list = cat.Filter(d, "", "", "")
			}
			h, err := a.history()
			if err != nil {
				return err
			}
			st := drill.Compute(list, h.Labs, h.Exams)
			return a.emit(st, func(w io.Writer) { a.printStats(w, st) })
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "", "only this domain")
	return cmd
}

func (a *app) printStats(w io.Writer, st *drill.Stats) {
	p := a.pal()
	now := a.now()
	fmt.Fprintln(w, p.title("By domain"))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  DOMAIN\tPASSED\tPARTIAL\tNEW\tATTEMPTS\tMASTERY\tLAST SEEN")
	for _, d := range st.Domains {
		fmt.Fprintf(tw, "  %s\t%d/%d\t%d\t%d\t%d\t%s%%\t%s\n", d.Domain.Title(), d.Passed, d.Labs, d.Partial, d.New, d.Attempts, exam.Num(d.Mastery), drill.Seen(now, d.LastSeen))
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, p.title("By lab"))
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  LAB\tDOMAIN\tSTATUS\tBEST\tATTEMPTS\tLAST SEEN")
	for _, l := range st.Labs {
		best := "–"
		if l.Max > 0 {
			best = fmt.Sprintf("%d/%d", l.Best, l.Max)
			if l.BestExam != "" {
				best += " (exam)"
			}
		}
		attempts := fmt.Sprint(l.Attempts)
		if l.ExamAttempts > 0 {
			attempts += fmt.Sprintf(" (%d in exams)", l.ExamAttempts)
		}
		id := l.Lab
		if !l.Known {
			id += " (not loaded)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", id, l.Domain.Title(), statusGlyph(l.Status), best, attempts, drill.Seen(now, l.LastSeen))
	}
	tw.Flush()
	if len(st.Exams) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, p.title("Exams"))
		tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		for _, e := range st.Exams {
			res := "in progress"
			if !e.InProgress {
				res = fmt.Sprintf("%s%% %s", exam.Num(e.Percent), map[bool]string{true: "PASS", false: "FAIL"}[e.Passed])
			}
			fmt.Fprintf(tw, "  %s\tseed %d\t%d tasks\t%s\n", e.ID, e.Seed, e.Tasks, res)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\n%s\n", p.dim("What to practise next: ckadlab drill"))
}

func statusGlyph(s store.Status) string {
	switch s {
	case store.StatusPassed:
		return "✓ passed"
	case store.StatusPartial:
		return "◐ partial"
	case store.StatusStarted:
		return "… started"
	}
	return "○ new"
}
