package exam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Format is a report file format.
type Format string

const (
	Markdown Format = "markdown"
	JSON     Format = "json"
)

// FormatFor picks the format from a file name: .md or .markdown, .json.
func FormatFor(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".md", ".markdown":
		return Markdown, nil
	case ".json":
		return JSON, nil
	}
	return "", fmt.Errorf("--out %s: the report is written as Markdown (.md) or JSON (.json); name the file so", path)
}

// Render is the report in a format.
func (r *Result) Render(f Format) ([]byte, error) {
	switch f {
	case JSON:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	case Markdown:
		return []byte(r.Markdown()), nil
	}
	return nil, fmt.Errorf("unknown report format %q", f)
}

// Verdict is "PASS" or "FAIL".
func (r *Result) Verdict() string {
	if r.Passed {
		return "PASS"
	}
	return "FAIL"
}

// Clock formats a duration as h:mm:ss.
func Clock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// Num formats points without trailing zeros (4, 4.5, 4.67).
func Num(x float64) string {
	s := fmt.Sprintf("%.2f", x)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Markdown is the report: the verdict, per domain, per task, then the
// review of every task (failure reasons and the reference solution).
func (r *Result) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# ckadlab mock exam %s\n\n", r.Exam)
	w("**%s: %s%%** (%s of %d points; the pass mark is %s%%)\n\n", r.Verdict(), Num(r.Percent), Num(r.Earned), r.Points, Num(r.PassMark))
	if r.Set > 0 {
		w("- Exam set %d, seed %d (`ckadlab exam --set %d` sits the same exam)\n", r.Set, r.Seed, r.Set)
	} else {
		w("- Seed: %d (`ckadlab exam --seed %d --tasks %d` sits the same exam)\n", r.Seed, r.Seed, len(r.Tasks))
	}
	w("- Cluster: %s\n", r.Cluster)
	w("- Started: %s\n", r.Started.UTC().Format(time.RFC3339))
	used := "- Time used: %s of %s\n"
	if r.Expired {
		used = "- Time used: %s of %s (time ran out; graded automatically)\n"
	}
	w(used, Clock(time.Duration(r.TimeUsedSeconds)*time.Second), Clock(time.Duration(r.DurationSeconds)*time.Second))
	w("\n## By domain\n\n| Domain | Tasks | Points | Score |\n|---|---:|---:|---:|\n")
	for _, d := range r.Domains {
		w("| %s | %d | %s / %d | %s%% |\n", d.Domain.Title(), d.Tasks, Num(d.Earned), d.Points, Num(d.Percent))
	}
	w("\n## By task\n\n| # | Task | Domain | Weight | Points | Checks | Notes |\n|---:|---|---|---:|---:|---:|---|\n")
	for _, t := range r.Tasks {
		w("| %d | %s (`%s`) | %s | %d%% | %s / %d | %d/%d | %s |\n", t.Number, mdCell(t.Title), t.Lab, t.Domain.Title(),
			t.Weight, Num(t.Earned), t.Points, t.Score, t.Max, mdCell(taskNotes(t)))
	}
	w("\n## Review\n")
	for _, t := range r.Tasks {
		mark := "✗"
		if t.Full() {
			mark = "✓"
		}
		w("\n### %d. %s %s (`%s`): %s / %d points\n\n", t.Number, mark, t.Title, t.Lab, Num(t.Earned), t.Points)
		if t.Context != "" {
			w("Weight %d%% · context `%s` · namespace `%s`\n\n", t.Weight, t.Context, t.Namespace)
		}
		if t.Note != "" {
			w("Your note:\n\n%s\n\n", quote(t.Note))
		}
		if t.NotAnswered {
			w("Not answered: the task's workspace had no answer, so it scores 0 (its checks were not run).\n\n")
		}
		if t.Error != "" {
			w("Could not be graded: %s\n\n", t.Error)
		}
		for _, c := range t.Checks {
			m := "✓"
			switch {
			case c.Ungraded:
				m = "–"
			case !c.Passed:
				m = "✗"
			}
			if t.NotRun {
				m = "–"
			}
			w("- %s **%s** (%d/%d): %s\n", m, c.ID, c.Points, c.Max, c.Description)
			if t.NotRun {
				w("  - %s\n", c.Observed)
				continue
			}
			if c.Passed || c.Ungraded {
				continue
			}
			w("  - expected: %s\n  - observed: %s\n", c.Expected, c.Observed)
			for _, why := range c.Explanation() {
				w("  - why: %s\n", why)
			}
		}
		if len(t.Docs) > 0 {
			w("\nDocumentation allowed for this task:\n\n")
			for _, d := range t.Docs {
				w("- [%s](%s)\n", d.Title, d.URL)
			}
		}
		s := t.Solution
		if len(s.Commands) == 0 && s.Manifests == "" {
			continue
		}
		w("\nReference solution:\n\n")
		if len(s.Commands) > 0 {
			w("```sh\n%s\n```\n\n", strings.Join(s.Commands, "\n"))
		}
		if e := strings.TrimSpace(s.Explanation); e != "" {
			w("%s\n\n", e)
		}
		if m := strings.TrimSpace(s.Manifests); m != "" {
			w("```yaml\n%s\n```\n", m)
		}
	}
	return b.String()
}

// taskNotes are a task's marks: flagged, not attempted, an error.
func taskNotes(t TaskResult) string {
	var n []string
	if t.Full() {
		n = append(n, "full marks")
	}
	if t.Flagged {
		n = append(n, "flagged")
	}
	if t.Note != "" {
		n = append(n, "note")
	}
	switch {
	case t.NotAnswered:
		n = append(n, "not answered")
	case !t.Attempted:
		n = append(n, "not marked attempted")
	}
	if t.Error != "" {
		n = append(n, "not graded: "+t.Error)
	}
	return strings.Join(n, "; ")
}

// quote is text as a Markdown block quote.
func quote(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}
