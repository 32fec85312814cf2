package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/class"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/tui"
)

// Loader reads a class from its cluster: the class, every learner's
// records (one List call) and the running class exam (nil when none).
type Loader func(ctx context.Context) (*class.Class, []class.Record, *class.Exam, error)

// boardSource is the loader as a command's flags ask: --labs shows the
// labs board even while a class exam runs.
func boardSource(load Loader, labsOnly bool) Loader {
	if !labsOnly {
		return load
	}
	return func(ctx context.Context) (*class.Class, []class.Record, *class.Exam, error) {
		c, recs, _, err := load(ctx)
		return c, recs, nil, err
	}
}

// newClassBoardCmd is `ckadlab class board`: the live board of the room
// on a terminal; without one (or with --json), the report once.
func newClassBoardCmd(load Loader) *cobra.Command {
	var (
		interval time.Duration
		labsOnly bool
	)
	cmd := &cobra.Command{
		Use:   "board",
		Short: "The room's results live: learners × labs (or the class exam's tasks), checks most failed",
		Long: `ckadlab class board shows the class's results as every learner's ckadlab records
them: one row per learner, one column per lab (or, while a class exam runs, per
exam task), each cell the learner's last run (✓ full marks, ◐ some points, ✗ none,
· not run). It reads the class again every few seconds (--interval).

Arrows or h/j/k/l move; enter shows the learner's last run of that lab with the
reason each failed check gave; m shows the checks most failed across the room;
r reads the class now; q quits.

Without a terminal (or with --json) it prints the report once (see class report).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if interval < time.Second {
				return fmt.Errorf("--interval %s is too short: at least 1s", interval)
			}
			src := boardSource(load, labsOnly)
			in, out := cmd.InOrStdin(), cmd.OutOrStdout()
			if flagOn(cmd, "json") || !isTerminal(in) || !isTerminal(out) {
				format := class.FormatMarkdown
				if flagOn(cmd, "json") {
					format = class.FormatJSON
				}
				data, err := renderReport(cmd.Context(), src, format)
				if err != nil {
					return err
				}
				_, err = out.Write(data)
				return err
			}
			color := boardColor(cmd)
			if !color {
				lipgloss.SetColorProfile(termenv.Ascii)
			}
			err := tui.RunBoard(cmd.Context(), tui.BoardConfig{Load: tui.BoardLoader(src), Interval: interval, Color: color},
				tea.WithInput(in), tea.WithOutput(out))
			if err != nil && cmd.Context().Err() != nil {
				return nil // interrupted: the signal handler reports it
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&interval, "interval", tui.DefaultBoardInterval, "how often the board reads the class again")
	cmd.Flags().BoolVar(&labsOnly, "labs", false, "show the labs board even while a class exam runs")
	return cmd
}

// newClassReportCmd is `ckadlab class report`: the board as md, csv or
// json, on stdout or in a file.
func newClassReportCmd(load Loader) *cobra.Command {
	var (
		format, out string
		labsOnly    bool
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Export the class's results (md, csv or json)",
		Long: `ckadlab class report writes the class board once: every learner's last run of
every lab (or, while a class exam runs, of every exam task), totals per learner
and per lab, the checks most failed, and for an exam the results per task and
per domain. Records of learners not in the roster are listed apart.

--format md (the default; tables), csv (one row per learner and lab, a header
row first) or json (stable field names). --out FILE writes the report to FILE
instead of stdout; without --format, FILE's extension (.md, .csv, .json) picks
the format.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := reportFormat(cmd, format, out)
			if err != nil {
				return err
			}
			data, err := renderReport(cmd.Context(), boardSource(load, labsOnly), f)
			if err != nil {
				return err
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			if err := state.WriteFileAtomic(out, data, 0o644); err != nil {
				return fmt.Errorf("write the report: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Report written to %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "md, csv or json (default md, or as --out's extension says)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the report to FILE instead of stdout")
	cmd.Flags().BoolVar(&labsOnly, "labs", false, "report the labs even while a class exam runs")
	return cmd
}

// reportFormat is --format, else --out's extension, else --json, else md.
func reportFormat(cmd *cobra.Command, format, out string) (string, error) {
	if format != "" {
		f := strings.ToLower(format)
		if f == "markdown" {
			f = class.FormatMarkdown
		}
		for _, known := range class.Formats {
			if f == known {
				return f, nil
			}
		}
		return "", fmt.Errorf("--format %s: choose %s", format, strings.Join(class.Formats, ", "))
	}
	if out != "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".md", ".markdown":
			return class.FormatMarkdown, nil
		case ".csv":
			return class.FormatCSV, nil
		case ".json":
			return class.FormatJSON, nil
		}
		return "", fmt.Errorf("--out %s: name the file .md, .csv or .json, or give --format", out)
	}
	if flagOn(cmd, "json") {
		return class.FormatJSON, nil
	}
	return class.FormatMarkdown, nil
}

// renderReport reads the class and renders its board (nothing is
// written when reading fails).
func renderReport(ctx context.Context, load Loader, format string) ([]byte, error) {
	c, recs, ex, err := load(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the class: %w", err)
	}
	if c == nil {
		return nil, fmt.Errorf("read the class: no class found")
	}
	var buf bytes.Buffer
	if err := class.Report(class.BuildBoard(c, recs, ex), format, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// flagOn reports whether a boolean flag (the command's or inherited, such
// as the root's --json) is set.
func flagOn(cmd *cobra.Command, name string) bool {
	f := cmd.Flag(name)
	return f != nil && f.Value.String() == "true"
}

// boardColor: colours unless --no-color, NO_COLOR or TERM=dumb.
func boardColor(cmd *cobra.Command) bool {
	if flagOn(cmd, "no-color") || os.Getenv("TERM") == "dumb" {
		return false
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	return !noColor
}
