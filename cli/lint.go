package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/session"
)

// manifestDecoder adapts the manifest reader to the lab linter.
func manifestDecoder(file, yaml string) ([]labs.ObjectInfo, error) {
	objs, err := manifest.Decode(file, []byte(yaml))
	if err != nil {
		return nil, err
	}
	out := make([]labs.ObjectInfo, 0, len(objs))
	for _, o := range objs {
		out = append(out, objectInfo(o))
	}
	return out, nil
}

type lintReport struct {
	Labs        int               `json:"labs"`
	Errors      int               `json:"errors"`
	Warnings    int               `json:"warnings"`
	Diagnostics []labs.Diagnostic `json:"diagnostics"`
	Grading     []checker.Problem `json:"grading"`
	// Mutation is the mutation score of each graded lab (without
	// --no-mutants), one report per proved variant.
	Mutation []*checker.MutationReport `json:"mutation"`
	// Variants is how many variants each lab has and which lint proved.
	Variants []labVariants `json:"variants"`
}

// labVariants is one lab's variants in lint's report.
type labVariants struct {
	Lab       string `json:"lab"`
	Variants  int    `json:"variants"`
	Estimated bool   `json:"estimated,omitempty"`
	// Proved are the variants graded (solution, correct and wrong
	// answers, blank, mutants): variant 0 and a sample of the others.
	Proved []uint64 `json:"proved"`
}

func (a *app) lintCommand() *cobra.Command {
	var noGrade, noMutants, listMutants bool
	var sample int
	cmd := &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Check lab files: format, cross-references, and that solutions pass and wrong answers fail",
		Long: `Check lab files (the built-in labs, or the *.toml files in DIR): TOML syntax and
unknown keys (file:line), values, cross-references (probes naming pods or Services
that no setup or solution creates, wrong answers naming unknown checks, unpinned
images), and then grade each lab on the offline cluster: the reference solution
and every [[correct]] answer must score 100%, the untouched setup must score 0,
and each wrong answer must fail exactly the checks it names (and the checks that
require them).

Then mutation testing: lint derives mutants of each reference solution by the
edits learners really make (ports dropped or widened, protocol swapped, except
dropped or shrunk, CIDR widened or narrowed, AND peer split into OR, selector
emptied, policyTypes changed, an allow-all rule added, object moved to another
namespace, Service type/port/targetPort/selector changed, pathType swapped, host
dropped or wildcarded, path shortened or extended, rule or path dropped, ...).
Every mutant must fail at least one check, or the lab declares it [[equivalent]]
with a reason. The mutation score per lab is printed; --mutants lists every
mutant with what killed it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			builtin, err := loadBuiltin()
			if err != nil {
				return err
			}
			if sample < 1 {
				return fmt.Errorf("--variants %d: want 1 or more", sample)
			}
			rep := lintReport{Diagnostics: []labs.Diagnostic{}, Grading: []checker.Problem{}, Mutation: []*checker.MutationReport{}, Variants: []labVariants{}}
			list := builtin
			if len(args) == 1 {
				// The pack rules --labs applies, and the same findings.
				pc, err := checkPack(cmd.Context(), args[0], builtin, !noGrade, sample)
				if err != nil {
					return err
				}
				list = pc.Labs
				rep.Diagnostics = append(rep.Diagnostics, pc.Diagnostics...)
				rep.Grading = append(rep.Grading, pc.Grading...)
			} else {
				rep.Diagnostics = append(rep.Diagnostics, labs.Lint(list, manifestDecoder)...)
				if !noGrade {
					for _, l := range list {
						rep.Grading = append(rep.Grading, checker.VerifyVariants(cmd.Context(), l, session.OfflineOpener, sample)...)
					}
				}
			}
			rep.Labs = len(list)
			broken := map[string]bool{}
			for _, d := range rep.Diagnostics {
				if d.Severity == labs.SeverityError {
					rep.Errors++
					broken[d.Lab] = true
				} else {
					rep.Warnings++
				}
			}
			for _, g := range rep.Grading {
				broken[g.Lab] = true
			}
			if !noGrade && !noMutants {
				for _, l := range list {
					if broken[l.ID] {
						continue
					}
					for _, n := range l.SampleVariants(sample) {
						v, err := l.Variant(n)
						if err != nil {
							continue // VerifyVariants reported it
						}
						mr, err := checker.VerifyMutants(cmd.Context(), v, session.OfflineOpener, session.OfflineMutationOptions)
						if err != nil {
							if cmd.Context().Err() != nil {
								return err
							}
							rep.Grading = append(rep.Grading, checker.Problem{Lab: l.ID, Answer: checker.VariantLabel(v) + "mutants", Message: err.Error()})
							continue
						}
						rep.Mutation = append(rep.Mutation, mr)
						rep.Grading = append(rep.Grading, mr.Problems()...)
					}
				}
			}
			for _, l := range list {
				lv := labVariants{Lab: l.ID, Variants: l.Variants(), Estimated: l.VariantsEstimated(), Proved: []uint64{}}
				if !noGrade {
					lv.Proved = l.SampleVariants(sample)
				}
				rep.Variants = append(rep.Variants, lv)
			}
			rep.Errors += len(rep.Grading)
			if err := a.emit(rep, func(w io.Writer) { a.printLint(w, rep, listMutants) }); err != nil {
				return err
			}
			if rep.Errors > 0 {
				return exitError{ExitFailed}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noGrade, "no-grade", false, "skip grading solutions, wrong answers and mutants")
	cmd.Flags().BoolVar(&noMutants, "no-mutants", false, "skip mutation testing")
	cmd.Flags().BoolVar(&listMutants, "mutants", false, "list every mutant of each solution and what killed it")
	cmd.Flags().IntVar(&sample, "variants", labs.LintSample, "how many variants of each lab with parameters to prove (variant 0 and the first others with new values)")
	return cmd
}

func (a *app) printLint(w io.Writer, rep lintReport, listMutants bool) {
	p := a.pal()
	if len(rep.Mutation) > 0 {
		killed, counted, total := 0, 0, 0
		fmt.Fprintln(w, "mutation score (mutants of each solution that fail a check):")
		for i := 0; i < len(rep.Mutation); {
			// One line per lab: its proved variants' mutants together.
			first := rep.Mutation[i]
			var m checker.MutationReport
			m.Lab = first.Lab
			nv := 0
			for ; i < len(rep.Mutation) && rep.Mutation[i].Lab == first.Lab; i++ {
				r := rep.Mutation[i]
				m.Killed += r.Killed
				m.Survived += r.Survived
				m.Equivalent += r.Equivalent
				m.Invalid += r.Invalid
				m.Mutants += r.Mutants
				nv++
			}
			mark := p.ok("✓")
			if m.Survived > 0 {
				mark = p.bad("✗")
			}
			extra := ""
			if nv > 1 {
				extra += fmt.Sprintf(", %d variants", nv)
			}
			if m.Equivalent > 0 {
				extra += fmt.Sprintf(", %d equivalent", m.Equivalent)
			}
			if m.Invalid > 0 {
				extra += fmt.Sprintf(", %d refused by the API", m.Invalid)
			}
			fmt.Fprintf(w, "  %s %-28s %5.1f%%  %d/%d killed%s\n", mark, m.Lab, m.Score(), m.Killed, m.Killed+m.Survived, extra)
			killed += m.Killed
			counted += m.Killed + m.Survived
			total += m.Mutants
			if listMutants {
				for _, r := range rep.Mutation[i-nv : i] {
					if nv > 1 {
						fmt.Fprintf(w, "    variant %d:\n", r.Variant)
					}
					for _, res := range r.Results {
						detail := res.Reason
						if res.Status == "killed" {
							detail = "by " + strings.Join(res.FailedBy, ", ")
						}
						fmt.Fprintf(w, "      %-10s %s: %s  %s\n", res.Status, res.ID, res.Description, detail)
					}
				}
			}
		}
		score := 100.0
		if counted > 0 {
			score = 100 * float64(killed) / float64(counted)
		}
		fmt.Fprintf(w, "  total: %.1f%% (%d of %d mutants killed; %d mutants)\n", score, killed, counted, total)
	}
	var varied []labVariants
	for _, v := range rep.Variants {
		if v.Variants > 1 {
			varied = append(varied, v)
		}
	}
	if len(varied) > 0 {
		fmt.Fprintf(w, "variants (distinct parameter values) of the %d lab(s) with parameters:\n", len(varied))
		for _, v := range varied {
			n := fmt.Sprint(v.Variants)
			if v.Estimated {
				n = "~" + n
			}
			proved := "not graded (--no-grade)"
			if len(v.Proved) > 0 {
				ids := make([]string, len(v.Proved))
				for i, x := range v.Proved {
					ids[i] = fmt.Sprint(x)
				}
				proved = fmt.Sprintf("proved %d: %s", len(v.Proved), strings.Join(ids, ", "))
			}
			fmt.Fprintf(w, "  %-30s %8s  %s\n", v.Lab, n, proved)
		}
	}
	for _, d := range rep.Diagnostics {
		sev := p.bad(string(d.Severity))
		if d.Severity != labs.SeverityError {
			sev = p.warn(string(d.Severity))
		}
		loc := d.File
		if d.Line > 0 {
			loc = fmt.Sprintf("%s:%d", d.File, d.Line)
		}
		fmt.Fprintf(w, "%s: %s: %s\n", loc, sev, d.Message)
	}
	for _, g := range rep.Grading {
		fmt.Fprintf(w, "%s %s\n", p.bad("grading:"), g)
	}
	msg := fmt.Sprintf("%d lab(s): %d error(s), %d warning(s)", rep.Labs, rep.Errors, rep.Warnings)
	if rep.Errors == 0 {
		fmt.Fprintln(w, p.ok("✓ "+msg))
	} else {
		fmt.Fprintln(w, p.bad("✗ "+msg))
	}
}

// loadBuiltin loads the built-in labs.
func loadBuiltin() ([]*labs.Lab, error) {
	list, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		return nil, fmt.Errorf("built-in labs: %w", err)
	}
	return list, nil
}

// packCheck is what the pack rules found in a lab pack.
type packCheck struct {
	Labs        []*labs.Lab // the labs that loaded
	Diagnostics []labs.Diagnostic
	Grading     []checker.Problem
}

// checkPack applies the rules of a lab pack, the same for `lint DIR` and
// `--labs DIR`: the directory holds lab files (an empty one is an error),
// each loads (format, values), no lab reuses the id of a built-in lab or
// of another lab of the pack, the cross-references hold (labs.Lint), a
// warning names namespaces shared with another lab (labs.NamespaceClashes), and,
// with grade, each lab's reference solution and correct answers score
// 100%, its setup 0 and its wrong answers fail what they name
// (checker.VerifyVariants of sample variants, on the offline cluster:
// --labs proves variant 0 only, lint a sample). Mutation testing is lint's
// alone. The error is for a pack that cannot be read at all.
func checkPack(ctx context.Context, dir string, builtin []*labs.Lab, grade bool, sample int) (packCheck, error) {
	var pc packCheck
	list, err := labs.LoadPack(dir)
	if err != nil {
		var le labs.ErrorList
		if !errors.As(err, &le) {
			return pc, err
		}
		pc.Diagnostics = append(pc.Diagnostics, le.Diagnostics()...)
	}
	pc.Labs = list
	if _, err := labs.NewCatalog(builtin, list); err != nil {
		var le labs.ErrorList
		if !errors.As(err, &le) {
			return pc, err
		}
		for _, d := range le.Diagnostics() {
			d.Message += " (a built-in lab)"
			pc.Diagnostics = append(pc.Diagnostics, d)
		}
	}
	pc.Diagnostics = append(pc.Diagnostics, labs.Lint(list, manifestDecoder)...)
	pc.Diagnostics = append(pc.Diagnostics, labs.NamespaceClashes(builtin, list, manifestDecoder)...)
	if !grade {
		return pc, nil
	}
	broken := map[string]bool{}
	for _, d := range pc.Diagnostics {
		if d.Severity == labs.SeverityError {
			broken[d.Lab] = true
		}
	}
	for _, l := range list {
		if broken[l.ID] {
			continue
		}
		pc.Grading = append(pc.Grading, checker.VerifyVariants(ctx, l, session.OfflineOpener, sample)...)
		if err := ctx.Err(); err != nil {
			return pc, err
		}
	}
	return pc, nil
}

// refusal is why --labs refuses a pack (nil when the pack is sound): its
// errors as a labs.ErrorList, so that --json gives the first one's file
// and line.
func (pc packCheck) refusal(dir string) error {
	var errs labs.ErrorList
	for _, d := range pc.Diagnostics {
		if d.Severity == labs.SeverityError {
			errs = append(errs, &labs.Error{File: d.File, Line: d.Line, Msg: d.Message})
		}
	}
	source := map[string]*labs.Lab{}
	for _, l := range pc.Labs {
		source[l.ID] = l
	}
	for _, g := range pc.Grading {
		e := &labs.Error{File: dir, Msg: g.String()}
		if l := source[g.Lab]; l != nil {
			e.File, e.Msg = l.Source, g.Answer+": "+g.Message
		}
		errs = append(errs, e)
	}
	if len(errs) == 0 {
		return nil
	}
	errs.Sort()
	return &packError{Dir: dir, Errs: errs}
}

// packError is a lab pack --labs refuses.
type packError struct {
	Dir  string
	Errs labs.ErrorList
}

// maxPackErrors is how many problems a refused pack's message lists
// (lint lists them all).
const maxPackErrors = 10

func (e *packError) Error() string {
	shown, more := e.Errs, ""
	if len(shown) > maxPackErrors {
		shown, more = shown[:maxPackErrors], fmt.Sprintf("\n… and %d more", len(e.Errs)-maxPackErrors)
	}
	return fmt.Sprintf("lab pack %s is refused: `ckadlab lint %s` finds %d error(s):\n%v%s", e.Dir, e.Dir, len(e.Errs), shown, more)
}

func (e *packError) Unwrap() error { return e.Errs }
