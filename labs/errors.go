package labs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/internal/textdist"
)

// Error is one problem in a lab file, at a line of it.
type Error struct {
	File string
	Line int    // 1-based; 0 when unknown
	Key  string // key path such as checks[2].probe.port ("" for syntax errors)
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ErrorList is every problem found while loading one or more lab files,
// sorted by file and line. Its Error method prints one problem per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err is l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Sort orders the list by file and line, keeping the order of problems on
// the same line.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].File != l[j].File {
			return l[i].File < l[j].File
		}
		return l[i].Line < l[j].Line
	})
}

// pathError is a problem at a key path, before it gets its line.
type pathError struct {
	path string
	msg  string
}

// locate gives path errors their file and line.
func locate(file string, ix *keyIndex, errs []pathError) ErrorList {
	out := make(ErrorList, 0, len(errs))
	for _, pe := range errs {
		line := ix.line(pe.path)
		if line == 0 {
			line = 1
		}
		out = append(out, &Error{File: file, Line: line, Key: pe.path, Msg: pe.msg})
	}
	out.Sort()
	return out
}

// suggest returns the candidate closest to word, or "" when none is close
// enough to be a plausible typo or several are equally close.
func suggest(word string, candidates []string) string {
	best, bestScore, ties := "", -1, 0
	lw := strings.ToLower(word)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		var score int
		switch {
		case lc == lw:
			score = 0
		case len(lw) >= 3 && (strings.HasPrefix(lc, lw) || strings.HasPrefix(lw, lc)):
			score = 1
		default:
			d := textdist.Levenshtein(lw, lc)
			limit := max(1, len(lw)/2)
			if d > limit || d >= len(lw) {
				continue
			}
			score = 1 + d
		}
		switch {
		case bestScore < 0 || score < bestScore:
			best, bestScore, ties = c, score, 0
		case score == bestScore && c != best:
			ties++
		}
	}
	if ties > 0 {
		return "" // ambiguous
	}
	return best
}

// didYouMean formats a suggestion as " (did you mean "x"?)" or "".
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" && s != word {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
