package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

// labSummary is one row of `labs --json`.
type labSummary struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Domain     string   `json:"domain"`
	Difficulty string   `json:"difficulty"`
	Points     int      `json:"points"`
	Minutes    int      `json:"minutes"`
	Tags       []string `json:"tags"`
	Status     string   `json:"status"`
	Best       int      `json:"best"`
	Source     string   `json:"source"`
	// Variants is how many distinct variants the lab has (1 without
	// parameters; estimated above a hundred thousand combinations).
	Variants int `json:"variants"`
}

func (a *app) summaries(list []*labs.Lab) []labSummary {
	var prog *state.Progress // nil: every lab is new
	if d, err := a.stateDirs(); err == nil {
		if prog, err = d.LoadProgress(); err != nil {
			a.notice("warning: %v", err)
		}
	}
	out := make([]labSummary, 0, len(list))
	for _, l := range list {
		lp := prog.Get(l.ID)
		tags := l.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, labSummary{ID: l.ID, Title: l.Title, Domain: string(l.Domain), Difficulty: l.Difficulty,
			Points: l.Points, Minutes: l.Minutes, Tags: tags, Status: string(lp.Status), Best: lp.Best, Source: l.Source, Variants: l.Variants()})
	}
	return out
}

func (a *app) labsCommand() *cobra.Command {
	var domain, difficulty, tag, search string
	cmd := &cobra.Command{
		Use:   "labs",
		Short: "List labs (filter by domain, difficulty, tag or text)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, err := a.catalog()
			if err != nil {
				return err
			}
			if domain != "" && !validDomain(domain) {
				return fmt.Errorf("--domain %q: want services, ingress or networkpolicy", domain)
			}
			if difficulty != "" && !validDifficulty(difficulty) {
				return fmt.Errorf("--difficulty %q: want %s", difficulty, strings.Join(labs.Difficulties, ", "))
			}
			list := cat.Filter(labs.Domain(domain), difficulty, tag, search)
			rows := a.summaries(list)
			return a.emit(rows, func(w io.Writer) {
				a.printLabTable(w, rows)
				if k := a.class; k != nil {
					fmt.Fprintf(w, "\nClass %s, learner %s: your namespaces are %s… (the tasks show their names).\n", k.Class.Name, k.Membership.Learner, k.Prefix())
					if len(a.excluded) > 0 {
						fmt.Fprintf(w, "Left out of the class (they cannot run side by side on a shared cluster): %s.\n", excludedIDs(a.excluded))
					}
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&domain, "domain", "", "services, ingress or networkpolicy")
	f.StringVar(&difficulty, "difficulty", "", "easy, medium or hard")
	f.StringVar(&tag, "tag", "", "only labs with this tag")
	f.StringVarP(&search, "search", "s", "", "only labs whose id, title or task contains this text")
	cmd.RegisterFlagCompletionFunc("domain", cobra.FixedCompletions([]string{"services", "ingress", "networkpolicy"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("difficulty", cobra.FixedCompletions([]string{"easy", "medium", "hard"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func validDifficulty(d string) bool {
	for _, x := range labs.Difficulties {
		if strings.EqualFold(x, strings.TrimSpace(d)) {
			return true
		}
	}
	return false
}

func validDomain(d string) bool {
	for _, x := range labs.Domains {
		if string(x) == d {
			return true
		}
	}
	return false
}

func (a *app) printLabTable(w io.Writer, rows []labSummary) {
	p := a.pal()
	if len(rows) == 0 {
		fmt.Fprintln(w, "No labs match.")
		return
	}
	for _, d := range labs.Domains {
		var in []labSummary
		for _, r := range rows {
			if r.Domain == string(d) {
				in = append(in, r)
			}
		}
		if len(in) == 0 {
			continue
		}
		fmt.Fprintln(w, p.title(d.Title()))
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		for _, r := range in {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d pts\t%d min\t%s\n", r.ID, r.Title, r.Difficulty, r.Points, r.Minutes, statusText(r))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, p.dim("Open one with: ckadlab show LAB   Start it with: ckadlab start LAB"))
}

// statusText is a row's status as `ckadlab labs` lists it (as stats
// does, with the best score of a partial lab).
func statusText(r labSummary) string {
	st := store.Status(r.Status)
	if st == store.StatusPartial {
		return fmt.Sprintf("%s (best %d/%d)", statusGlyph(st), r.Best, r.Points)
	}
	return statusGlyph(st)
}

func (a *app) runHome(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unknown command %q (see ckadlab --help)", args[0])
	}
	cat, err := a.catalog()
	if err != nil {
		return err
	}
	rows := a.summaries(cat.All())
	return a.emit(rows, func(w io.Writer) {
		p := a.pal()
		fmt.Fprintln(w, p.bold("ckadlab")+" — CKAD practice for Services, Ingress and NetworkPolicy")
		target, err := session.ParseCluster(a.clusterF)
		cl := target.String()
		if err != nil {
			cl = err.Error()
		}
		fmt.Fprintf(w, "cluster: %s\n\n", cl)
		a.printLabTable(w, rows)
		fmt.Fprintln(w, p.dim("Grade your answer: ckadlab check LAB    Why can't A reach B: ckadlab reach --help"))
	})
}

func (a *app) showCommand() *cobra.Command {
	var hints int
	var vf variantFlags
	cmd := &cobra.Command{
		Use:               "show LAB",
		Short:             "Show a lab's task (and, with --hints N, its first N hints)",
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
			if hints < 0 {
				return fmt.Errorf("--hints %d: want 0 or more", hints)
			}
			if hints > 0 {
				if err := a.guardExam(l.ID, "hints"); err != nil {
					return err
				}
			}
			shown := l.Hints
			if hints < len(shown) {
				shown = shown[:hints]
			}
			mode := a.mode(l)
			shown = renderTexts(mode, shown)
			task := mode.Text(l.Task)
			checks := make([]map[string]any, 0, len(l.Checks))
			for _, c := range l.Checks {
				checks = append(checks, map[string]any{"id": c.ID, "points": c.Points, "description": c.Description})
			}
			v := map[string]any{"id": l.ID, "title": l.Title, "domain": l.Domain, "difficulty": l.Difficulty,
				"points": l.Points, "minutes": l.Minutes, "namespace": l.Namespace, "tags": l.Tags,
				"task": task, "hints": shown, "hints_total": len(l.Hints), "checks": checks,
				"variant": l.VariantN, "variants": l.Variants(), "values": l.Values}
			return a.emit(v, func(w io.Writer) {
				p := a.pal()
				fmt.Fprintf(w, "%s  %s\n", p.title(l.Title), p.dim(fmt.Sprintf("[%s · %s · %d pts · ~%d min · namespace %s]", l.Domain, l.Difficulty, l.Points, l.Minutes, l.Namespace)))
				if l.HasParams() {
					fmt.Fprintln(w, p.dim(fmt.Sprintf("variant %d of %s (start draws a fresh one; --variant N shows another)", l.VariantN, variantsText(l))))
				}
				fmt.Fprintln(w)
				fmt.Fprintln(w, strings.TrimSpace(task))
				fmt.Fprintln(w)
				fmt.Fprintln(w, p.bold("Graded checks"))
				for _, c := range l.Checks {
					fmt.Fprintf(w, "  %-28s %2d pts  %s\n", c.ID, c.Points, c.Description)
				}
				for i, h := range shown {
					fmt.Fprintf(w, "\n%s %s\n", p.warn(fmt.Sprintf("Hint %d/%d:", i+1, len(l.Hints))), h)
				}
				if next := hintsLeft(l.ID, len(shown), len(l.Hints)); next != "" {
					fmt.Fprintf(w, "\n%s\n", p.dim(next))
				}
			})
		},
	}
	cmd.Flags().IntVar(&hints, "hints", 0, "also show the first N hints")
	vf.add(cmd, "show")
	return cmd
}

func (a *app) completeLabs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cat, err := a.catalog()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, l := range cat.All() {
		if strings.HasPrefix(l.ID, toComplete) {
			out = append(out, l.ID+"\t"+l.Title)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// hintsLeft says how many hints are still hidden and the flag that shows
// the next one; "" when every hint is shown.
func hintsLeft(lab string, shown, total int) string {
	left := total - shown
	switch {
	case left <= 0:
		return ""
	case shown == 0 && left == 1:
		return fmt.Sprintf("1 hint: ckadlab show %s --hints 1", lab)
	case shown == 0:
		return fmt.Sprintf("%d hints: ckadlab show %s --hints 1 shows the first", total, lab)
	case left == 1:
		return fmt.Sprintf("1 more hint: ckadlab show %s --hints %d", lab, total)
	}
	return fmt.Sprintf("%d more hints: ckadlab show %s --hints %d shows the next", left, lab, shown+1)
}
