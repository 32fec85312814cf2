package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/exam/examrun"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// variantFlags are --variant N and --seed S: which variant of a lab with
// parameters a command uses.
type variantFlags struct {
	variant uint64
	seed    uint64
}

// add declares the flags; verb is the command's ("start", "show", ...).
func (f *variantFlags) add(cmd *cobra.Command, verb string) {
	cmd.Flags().Uint64Var(&f.variant, "variant", 0, verb+" variant N of the lab (0: its default values; labs with parameters only)")
	cmd.Flags().Uint64Var(&f.seed, "seed", 0, verb+" the variant that seed S gives the lab (the one a mock exam drawn with --seed S sets)")
}

// chosen is the variant the flags name, and whether they name one.
func (f *variantFlags) chosen(cmd *cobra.Command, l *labs.Lab) (uint64, bool, error) {
	v, s := cmd.Flags().Changed("variant"), cmd.Flags().Changed("seed")
	switch {
	case v && s:
		return 0, false, errors.New("--variant and --seed both choose the variant: give one")
	case v:
		return f.variant, true, nil
	case s:
		return l.VariantForSeed(f.seed), true, nil
	}
	return 0, false, nil
}

// pick is variant of l the flags name, else fallback's.
func (f *variantFlags) pick(cmd *cobra.Command, l *labs.Lab, fallback func(*labs.Lab) (*labs.Lab, error)) (*labs.Lab, error) {
	n, ok, err := f.chosen(cmd, l)
	if err != nil {
		return nil, err
	}
	if !ok {
		return fallback(l)
	}
	v, err := l.Variant(n)
	var npe *labs.NoParamsError
	if errors.As(err, &npe) {
		return nil, fmt.Errorf("%w (--variant and --seed choose among the variants of labs with parameters)", err)
	}
	return v, err
}

// started is the variant of l to use: during a mock exam that sets l, the
// exam task's variant; else the variant started last (variant 0 when none
// was).
func (a *app) started(l *labs.Lab) (*labs.Lab, error) {
	if !l.HasParams() {
		return l, nil
	}
	d, err := a.stateDirs()
	if err != nil {
		return nil, err
	}
	// An unreadable database is examguard's to report (it refuses what an
	// exam keeps closed); here it only means no exam variant.
	if e, err := examrun.InProgress(d); err == nil && e != nil {
		for _, t := range e.Tasks {
			if t.Lab == l.ID {
				return l.Variant(t.Variant)
			}
		}
	}
	v, _, err := session.StartedVariant(d, l)
	return v, err
}

// fresh is a new variant of l for practice (l itself without parameters).
func fresh(l *labs.Lab) (*labs.Lab, error) { return l.Variant(l.RandomVariant()) }

// startedLab is the lab with that id, in the variant started last.
func (a *app) startedLab(id string) (*labs.Lab, error) {
	l, err := a.lab(id)
	if err != nil {
		return nil, err
	}
	return a.started(l)
}

// variantLine is "variant N (ns=shop, port=8080)" for a lab with
// parameters, "" for one without.
func variantLine(l *labs.Lab) string {
	if !l.HasParams() {
		return ""
	}
	return fmt.Sprintf("variant %d (%s)", l.VariantN, l.ValuesText())
}

// variantsText is "12 variants", "about 9000 variants" or "1 variant".
func variantsText(l *labs.Lab) string {
	n := l.Variants()
	switch {
	case n == 1:
		return "1 variant"
	case l.VariantsEstimated():
		return fmt.Sprintf("about %d variants", n)
	}
	return fmt.Sprintf("%d variants", n)
}
