package tui

import (
	"path/filepath"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// wrapText wraps s at width cells (at least 10) at spaces only: a word,
// a hyphenated id such as np-test-network-policy included, stays whole on
// its line unless it alone is wider than the line (then it is cut hard).
// Leading spaces of a line are kept; the spaces where a line breaks go.
// Styling escapes are kept and take no width.
func wrapText(s string, width int) string { return wrapAt(s, max(10, width)) }

// wrapAt is wrapText at exactly width (at least 1) cells.
func wrapAt(s string, width int) string {
	width = max(1, width)
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	for _, line := range lines {
		out = append(out, wrapLine(line, width)...)
	}
	return strings.Join(out, "\n")
}

// wrapLine wraps one line (see wrapText).
func wrapLine(line string, width int) []string {
	if ansi.StringWidth(line) <= width {
		return []string{line}
	}
	var out []string
	cur, curW := "", 0
	started := false // cur holds a word (leading spaces alone do not count)
	for i, word := range strings.Split(line, " ") {
		ww := ansi.StringWidth(word)
		switch {
		case i == 0:
			cur, curW = word, ww
			started = ww > 0
		case !started:
			// Leading spaces (one per empty word) stay on the first line.
			cur, curW = cur+" "+word, curW+1+ww
			started = ww > 0
		case ww == 0:
			// A run of spaces inside the line: kept while it fits.
			if curW+1 <= width {
				cur, curW = cur+" ", curW+1
			}
			continue
		case curW+1+ww <= width:
			cur, curW = cur+" "+word, curW+1+ww
			continue
		default:
			out = append(out, trimRightSpace(cur))
			cur, curW = word, ww
		}
		// A word wider than the line is cut hard.
		for curW > width {
			head := ansi.Truncate(cur, width, "")
			out = append(out, head)
			cur = ansi.TruncateLeft(cur, width, "")
			curW = ansi.StringWidth(cur)
		}
	}
	return append(out, trimRightSpace(cur))
}

// trimRightSpace drops the spaces at the end of a line (not the styling
// escapes after them).
func trimRightSpace(s string) string {
	if strings.Contains(s, "\x1b") {
		return s
	}
	return strings.TrimRight(s, " ")
}

// hangingBullet is "• text" wrapped to width, its wrapped lines under
// the text (not under the bullet).
func hangingBullet(text string, width int) string { return hangingAfter("• ", text, width) }

// hangingAfter is mark and text wrapped to width, the text's wrapped
// lines under its first (not under the mark).
func hangingAfter(mark, text string, width int) string {
	mw := ansi.StringWidth(mark)
	lines := strings.Split(wrapText(text, width-mw), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = mark + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", mw) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// uniqueLines drops repeated lines (a result can carry the same reason
// twice), keeping the first of each in order.
func uniqueLines(lines []string) []string {
	seen := make(map[string]bool, len(lines))
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		k := strings.TrimSpace(l)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, l)
	}
	return out
}

// uniqueParts drops repeated parts of a "; "-joined list (an observed
// value listing the same field once per assertion on it).
func uniqueParts(s string) string {
	return strings.Join(uniqueLines(strings.Split(s, "; ")), "; ")
}

// fitsWhole reports whether s, wrapped at width, fits in height lines
// with no word cut.
func fitsWhole(s string, width, height int) bool {
	for _, word := range strings.Fields(s) {
		if ansi.StringWidth(word) > width {
			return false
		}
	}
	return strings.Count(wrapAt(s, width), "\n")+1 <= height
}

// keepEnd fits s in w cells by dropping its start (an ellipsis says so):
// the end of what is being typed stays in view.
func keepEnd(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w <= 1 {
		return truncate("…", w)
	}
	return "…" + ansi.TruncateLeft(s, ansi.StringWidth(s)-(w-1), "")
}

// shortenPath fits a path in w cells by leaving out folders in its middle
// ("~/…/workspace/np-test-network-policy"): its first folder and as many
// of its last as fit stay; the last (a lab's folder) always stays whole,
// even when it alone is wider.
func shortenPath(p string, w int) string {
	if ansi.StringWidth(p) <= w {
		return p
	}
	sep := string(filepath.Separator)
	parts := strings.Split(p, sep)
	if len(parts) < 3 {
		return p
	}
	head := parts[0] + sep // "~/", "/" (an absolute path's first part is "")
	if parts[0] == "" && len(parts) > 3 {
		head = sep + parts[1] + sep
		parts = parts[1:]
	}
	tail := parts[len(parts)-1]
	for i := len(parts) - 2; i > 0; i-- {
		next := parts[i] + sep + tail
		if ansi.StringWidth(head+"…"+sep+next) > w {
			break
		}
		tail = next
	}
	if out := head + "…" + sep + tail; ansi.StringWidth(out) <= w {
		return out
	}
	return "…" + sep + parts[len(parts)-1]
}
