package cli

import (
	"encoding/json"
	"fmt"
	"io"
)

// emit prints v as JSON with --json, otherwise calls text. Every command
// goes through it, so every command supports --json the same way.
func (a *app) emit(v any, text func(w io.Writer)) error {
	if a.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	text(a.stdout)
	return nil
}

// notice prints a one-line message on stderr (never mixed into --json output).
func (a *app) notice(format string, args ...any) {
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

type palette struct{ on bool }

func (p palette) wrap(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) ok(s string) string    { return p.wrap("32", s) }
func (p palette) bad(s string) string   { return p.wrap("31", s) }
func (p palette) dim(s string) string   { return p.wrap("2", s) }
func (p palette) bold(s string) string  { return p.wrap("1", s) }
func (p palette) warn(s string) string  { return p.wrap("33", s) }
func (p palette) title(s string) string { return p.wrap("1;36", s) }

func (a *app) pal() palette { return palette{on: a.color()} }

// mark is the state of a check, never shown by colour alone.
func (p palette) mark(passed bool) string {
	if passed {
		return p.ok("✓")
	}
	return p.bad("✗")
}
