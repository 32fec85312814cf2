package tui

import (
	"fmt"
	"log/slog"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
	"github.com/muesli/termenv"

	"github.com/ckadlab/ckadlab/labs"
)

// renderKey identifies one rendering of a lab's task document: the
// document depends on how many hints are revealed and whether the solution
// is shown, and the rendering on the width.
type renderKey struct {
	lab      string
	variant  uint64
	width    int
	hints    int
	solution bool
}

// markdownStyle picks glamour's theme. Without colour it is "notty", which
// uses no escape sequences at all.
func markdownStyle(color, light bool) string {
	switch {
	case !color:
		return styles.NoTTYStyle
	case light:
		return styles.LightStyle
	}
	return styles.DarkStyle
}

// taskDocument is the Markdown shown in the task view: the task, the hints
// revealed so far, and (once confirmed) the reference solution.
func taskDocument(l *labs.Lab, hints int, solution bool) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(l.Task))
	b.WriteString("\n\n## Graded checks\n\n")
	for _, c := range l.Checks {
		fmt.Fprintf(&b, "- %s (%d %s)\n", strings.TrimSpace(c.Description), c.Points, plural(c.Points, "pt", "pts"))
	}
	if n := min(hints, len(l.Hints)); n > 0 {
		fmt.Fprintf(&b, "\n## Hints (%d of %d)\n\n", n, len(l.Hints))
		for i, h := range l.Hints[:n] {
			fmt.Fprintf(&b, "%d. %s\n", i+1, indentContinuation(strings.TrimSpace(h), "   "))
		}
	}
	if solution {
		b.WriteString("\n## Reference solution\n\n")
		if len(l.Solution.Commands) > 0 {
			b.WriteString("```sh\n")
			for _, c := range l.Solution.Commands {
				b.WriteString(strings.TrimSpace(c))
				b.WriteString("\n")
			}
			b.WriteString("```\n\n")
		}
		if m := strings.TrimSpace(l.Solution.Manifests); m != "" {
			b.WriteString("The same as manifests (what the offline cluster grades):\n\n```yaml\n")
			b.WriteString(m)
			b.WriteString("\n```\n\n")
		}
		if e := strings.TrimSpace(l.Solution.Explanation); e != "" {
			b.WriteString(e)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// indentContinuation indents every line after the first, so a multi-line
// hint stays inside its list item.
func indentContinuation(s, pad string) string {
	return strings.ReplaceAll(s, "\n", "\n"+pad)
}

// renderMarkdown renders a document with glamour, in a command.
func renderMarkdown(style string, profile termenv.Profile, key renderKey, doc string, log *slog.Logger) tea.Cmd {
	return func() tea.Msg {
		out, err := renderDoc(style, profile, key.width, doc)
		if err != nil {
			log.Error("render markdown", "lab", key.lab, "width", key.width, "err", err)
		}
		return renderedMsg{key: key, out: out, err: err}
	}
}

func renderDoc(style string, profile termenv.Profile, width int, doc string) (string, error) {
	r, err := glamour.NewTermRenderer(
		glamour.WithStandardStyle(style),
		glamour.WithColorProfile(profile),
		glamour.WithWordWrap(wrapWidth(width)),
	)
	if err != nil {
		return "", err
	}
	out, err := r.Render(doc)
	if err != nil {
		return "", err
	}
	return trimTrailingSpace(out), nil
}

// maxWrap caps the text's width: long lines are hard to read on wide
// terminals.
const maxWrap = 100

func wrapWidth(width int) int { return max(20, min(maxWrap, width-4)) }

// trimTrailingSpace drops the padding glamour adds at the end of lines and
// the blank lines around the document.
func trimTrailingSpace(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}
