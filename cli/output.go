package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/manifest"
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

// jsonError is an error as --json prints it on stdout:
// {"error": {"message", "hint", "file", "line"}} (empty fields left out).
// Message is the whole text as ckadlab prints it without --json, apart
// from the hint; file and line locate the problem when it is in a file (a
// lab file, a manifest). An error of several problems (a lab pack with
// many) also lists each under problems.
type jsonError struct {
	Message  string      `json:"message"`
	Hint     string      `json:"hint,omitempty"`
	File     string      `json:"file,omitempty"`
	Line     int         `json:"line,omitempty"`
	Problems []jsonError `json:"problems,omitempty"`
}

// hinter is an error that says how to fix it apart from its message.
type hinter interface{ Hint() string }

// errorJSON describes err for --json.
func errorJSON(err error) jsonError {
	var ll labs.ErrorList
	if errors.As(err, &ll) && len(ll) > 0 {
		return listJSON(err, len(ll), func(i int) jsonError { return errorJSON(ll[i]) })
	}
	var ml manifest.ErrorList
	if errors.As(err, &ml) && len(ml) > 0 {
		return listJSON(err, len(ml), func(i int) jsonError { return errorJSON(ml[i]) })
	}
	var le *labs.Error
	if errors.As(err, &le) {
		return jsonError{Message: err.Error(), File: le.File, Line: le.Line}
	}
	var me *manifest.Error
	if errors.As(err, &me) {
		msg := err.Error()
		if me.Hint != "" {
			// The hint has its own field; the message is the rest.
			msg = strings.Replace(msg, " — "+me.Hint, "", 1)
		}
		return jsonError{Message: msg, Hint: me.Hint, File: me.File, Line: me.At}
	}
	out := jsonError{Message: err.Error()}
	var h hinter
	if errors.As(err, &h) && h.Hint() != "" {
		out.Hint = h.Hint()
		out.Message = strings.Replace(out.Message, " ("+out.Hint+")", "", 1)
	}
	return out
}

// hintError is a message with how to go on, printed as "message (hint)"
// and, with --json, in the two fields.
type hintError struct{ msg, hint string }

func (e *hintError) Error() string { return e.msg + " (" + e.hint + ")" }
func (e *hintError) Hint() string  { return e.hint }

// listJSON describes an error of n problems: the first locates it, and
// each is listed when there are several.
func listJSON(err error, n int, item func(i int) jsonError) jsonError {
	first := item(0)
	if n == 1 {
		if err.Error() != first.Message {
			first.Message = err.Error() // with what wraps it ("built-in labs: …")
		}
		return first
	}
	out := jsonError{Message: err.Error(), File: first.File, Line: first.Line}
	for i := range n {
		out.Problems = append(out.Problems, item(i))
	}
	return out
}

// printError prints the error a command ended with and returns the exit
// status: with --json as a JSON object on stdout, otherwise as text on
// stderr. args are the command line, for a --json that cobra did not get
// to parse (an unknown flag before it).
func (a *app) printError(err error, args []string) int {
	if a.jsonOut || jsonInArgs(args) {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if enc.Encode(map[string]jsonError{"error": errorJSON(err)}) == nil {
			return ExitError
		}
	}
	fmt.Fprintf(a.stderr, "ckadlab: %v\n", err)
	return ExitError
}

// jsonInArgs reports whether the command line asks for --json (before a
// bare "--", after which arguments are not flags).
func jsonInArgs(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--json":
			return true
		case strings.HasPrefix(a, "--json="):
			if v, err := strconv.ParseBool(strings.TrimPrefix(a, "--json=")); err == nil {
				return v
			}
		}
	}
	return false
}
