package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/labs"
)

// oneLab is the Args validator of every command taking a LAB: a missing
// or extra argument says what is wanted and how to list the labs, instead
// of cobra's bare "accepts 1 arg(s)".
func oneLab(cmd *cobra.Command, args []string) error {
	name := cmd.Name()
	switch {
	case len(args) == 0:
		return fmt.Errorf("which lab? ckadlab %s LAB, e.g. ckadlab %s np-default-deny (ckadlab labs lists them)", name, name)
	case len(args) > 1:
		return fmt.Errorf("ckadlab %s takes one lab, got %d (%s)", name, len(args), strings.Join(args, " "))
	}
	return nil
}

// closeLabs lists lab ids that contain what was typed, or that it
// starts with, for an unknown id that has no single closest id.
func closeLabs(typed string, ids []string) []string {
	t := strings.ToLower(strings.TrimSpace(typed))
	if t == "" {
		return nil
	}
	var out []string
	for _, id := range ids {
		if strings.Contains(id, t) || strings.HasPrefix(t, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		// Words of the typed id ("egress-np" → np-egress-dns).
		for _, id := range ids {
			for _, w := range strings.FieldsFunc(t, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
				if len(w) >= 4 && strings.Contains(id, w) {
					out = append(out, id)
					break
				}
			}
		}
	}
	return out
}

// unknownLab adds close ids to an unknown-lab error that has no single
// suggestion.
func unknownLab(err error, cat *labs.Catalog) error {
	var ue *labs.UnknownLabError
	if !errors.As(err, &ue) || ue.Suggestion != "" {
		return err
	}
	var ids []string
	for _, l := range cat.All() {
		ids = append(ids, l.ID)
	}
	hits := closeLabs(ue.ID, ids)
	switch {
	case len(hits) == 0:
		return err
	case len(hits) == 1:
		return fmt.Errorf("unknown lab %q (did you mean %q?)", ue.ID, hits[0])
	case len(hits) > 6:
		return fmt.Errorf("unknown lab %q: did you mean one of %s, … (ckadlab labs lists them)", ue.ID, strings.Join(hits[:6], ", "))
	}
	return fmt.Errorf("unknown lab %q: did you mean one of %s? (ckadlab labs lists them)", ue.ID, strings.Join(hits, ", "))
}
