package inspect

import (
	"path"
	"regexp"
	"strings"

	"github.com/ckadlab/ckadlab/labs"
)

// Mode says where the learner works, for rendering hints and solutions.
type Mode struct {
	// Offline: no API server; ckadlab get/describe inspect the offline
	// cluster and answers are YAML files in Workspace.
	Offline bool
	Lab     string // lab id, for `ckadlab check LAB` and `reach --lab`
	// Workspace is the lab's workspace folder; "" when commands run in
	// it (the TUI's shell): files stay relative and notes say "the
	// workspace".
	Workspace string
}

// where names the workspace in notes.
func (m Mode) where() string {
	if m.Workspace == "" {
		return "the workspace"
	}
	return m.Workspace
}

// wsDir is the workspace as a command argument.
func (m Mode) wsDir() string {
	if m.Workspace == "" {
		return "."
	}
	return m.Workspace
}

// token is one shell word: as written (quotes kept) and its value.
type token struct{ raw, val string }

// SplitArgs splits a command line into words as a POSIX shell does for
// the simple commands hints show: whitespace separates words, single and
// double quotes group (and are removed), a backslash escapes the next
// character outside single quotes. Redirections stay words (">").
func SplitArgs(s string) []string {
	toks := tokenize(s)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.val
	}
	return out
}

func tokenize(s string) []token {
	var toks []token
	var raw, val strings.Builder
	in := false // inside a word
	var quote rune
	flush := func() {
		if in {
			toks = append(toks, token{raw.String(), val.String()})
		}
		raw.Reset()
		val.Reset()
		in = false
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			raw.WriteRune(r)
			if r == quote {
				quote = 0
			} else if r == '\\' && quote == '"' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\') {
				i++
				raw.WriteRune(rs[i])
				val.WriteRune(rs[i])
			} else {
				val.WriteRune(r)
			}
		case r == '\'' || r == '"':
			in = true
			quote = r
			raw.WriteRune(r)
		case r == '\\' && i+1 < len(rs):
			in = true
			i++
			raw.WriteRune(r)
			raw.WriteRune(rs[i])
			val.WriteRune(rs[i])
		case r == ' ' || r == '\t' || r == '\n':
			flush()
		default:
			in = true
			raw.WriteRune(r)
			val.WriteRune(r)
		}
	}
	flush()
	return toks
}

// splitComment separates a trailing shell comment ("cmd   # note").
func splitComment(line string) (cmd, comment string) {
	var quote rune
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return strings.TrimRight(line[:i], " \t"), strings.TrimSpace(line[i+1:])
		}
	}
	return line, ""
}

func joinRaw(toks []token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.raw
	}
	return strings.Join(parts, " ")
}

// kubectlCmd is a parsed kubectl command line: the verb, its positional
// arguments (flags removed) and the namespace flag.
type kubectlCmd struct {
	verb      string
	pos       []string
	namespace string
	flags     map[string]string // --flag=value and --flag value (value "" for booleans)
}

// flags of kubectl that take a value when written as a separate word.
var valueFlags = map[string]bool{"-n": true, "--namespace": true, "-o": true, "--output": true, "-l": true,
	"--selector": true, "-f": true, "--filename": true, "-p": true, "--patch": true, "--type": true, "-c": true, "--container": true}

func parseKubectl(toks []token) kubectlCmd {
	k := kubectlCmd{flags: map[string]string{}}
	for i := 1; i < len(toks); i++ {
		v := toks[i].val
		if v == "--" {
			for _, t := range toks[i+1:] {
				k.pos = append(k.pos, t.val)
			}
			break
		}
		if strings.HasPrefix(v, "-") && len(v) > 1 {
			name, value, hasValue := strings.Cut(v, "=")
			if !hasValue && valueFlags[name] && i+1 < len(toks) {
				i++
				value = toks[i].val
			}
			k.flags[name] = value
			if name == "-n" || name == "--namespace" {
				k.namespace = value
			}
			continue
		}
		if k.verb == "" {
			k.verb = v
		} else {
			k.pos = append(k.pos, v)
		}
	}
	return k
}

func (k kubectlCmd) flag(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := k.flags[n]; ok {
			return v, true
		}
	}
	return "", false
}

// inWorkspace places a relative file name in the workspace.
func (m Mode) inWorkspace(file string) string {
	if file == "" || m.Workspace == "" || strings.HasPrefix(file, "/") || strings.HasPrefix(file, "~") || strings.HasPrefix(file, "$") {
		return file
	}
	return path.Join(m.Workspace, file)
}

// Command renders one command line of a hint or solution for the mode in
// use. Offline, `kubectl get` and `kubectl describe` become ckadlab's
// (which read the offline cluster), `kubectl create` writes its YAML into
// the workspace, `kubectl apply -f FILE` becomes checking (the answer is
// the file in the workspace), `kubectl edit` and `patch` start from a copy
// of the object in the workspace, `kubectl exec … agnhost connect` becomes
// `ckadlab reach`, and commands that need a server (`kubectl expose`) keep
// their text with a note saying what to do instead. A note is returned
// separately; Line and Text place it. Live, everything is unchanged.
func (m Mode) Command(line string) (cmd, note string) {
	if !m.Offline {
		return line, ""
	}
	toks := tokenize(line)
	if len(toks) == 0 {
		return line, ""
	}
	switch toks[0].val {
	case "vi", "vim", "nano", "emacs", "$EDITOR":
		for i := 1; i < len(toks); i++ {
			if !strings.HasPrefix(toks[i].val, "-") && !strings.ContainsAny(toks[i].raw, "'\"") {
				toks[i] = token{m.inWorkspace(toks[i].val), m.inWorkspace(toks[i].val)}
			}
		}
		return joinRaw(toks), ""
	case "kubectl":
	default:
		return line, ""
	}
	k := parseKubectl(toks)
	nsArgs := ""
	if k.namespace != "" {
		nsArgs = " -n " + k.namespace
	}
	switch k.verb {
	case "get", "describe":
		return ckadlabInspect(toks, k), ""
	case "create":
		if _, ok := k.flag("--dry-run"); ok {
			return m.redirectIntoWorkspace(toks), ""
		}
		name := ""
		res := ""
		if len(k.pos) > 0 {
			res = k.pos[0]
		}
		switch {
		case res == "service" && len(k.pos) > 2:
			name = k.pos[2]
		case len(k.pos) > 1:
			name = k.pos[1]
		}
		if name == "" {
			return line, "write the object as YAML in " + m.where()
		}
		return joinRaw(toks) + " --dry-run=client -o yaml > " + m.inWorkspace(name+"-"+res+".yaml"), ""
	case "apply":
		file, _ := k.flag("-f", "--filename")
		if file == "" {
			return line, "offline, your answer is the YAML in " + m.where() + ", graded by ckadlab check " + m.Lab
		}
		return "ckadlab check " + m.Lab, "offline, applying is saving " + m.inWorkspace(file) + ": check grades every YAML file in the workspace"
	case "edit", "patch":
		if len(k.pos) < 2 && !(len(k.pos) == 1 && strings.Contains(k.pos[0], "/")) {
			return line, "offline, copy the object from " + m.inWorkspace("setup/setup.yaml") + " into a file in the workspace and change it there"
		}
		kind, name := "", ""
		if len(k.pos) == 1 {
			kind, name, _ = strings.Cut(k.pos[0], "/")
		} else {
			kind, name = k.pos[0], k.pos[1]
		}
		return "ckadlab get " + kind + " " + name + nsArgs + " -o yaml > " + m.inWorkspace(name+".yaml"),
			"offline, then change that copy in the workspace: it replaces the lab's object"
	case "exec":
		if r, ok := m.reach(k); ok {
			return r, ""
		}
		return line, "offline, ckadlab reach --lab " + m.Lab + " asks the network model instead"
	case "expose":
		return line, "offline, kubectl expose needs a cluster: write the Service it would create as YAML in " + m.where()
	case "run", "delete", "label", "annotate", "scale", "set", "rollout", "replace":
		return line, "offline, change the YAML in " + m.where() + " instead"
	}
	return line, ""
}

// redirectIntoWorkspace points a "> FILE" redirection at the workspace.
func (m Mode) redirectIntoWorkspace(toks []token) string {
	for i := 0; i < len(toks); i++ {
		switch {
		case toks[i].val == ">" && i+1 < len(toks):
			f := m.inWorkspace(toks[i+1].val)
			toks[i+1] = token{f, f}
			i++
		case strings.HasPrefix(toks[i].raw, ">") && len(toks[i].raw) > 1:
			f := m.inWorkspace(strings.TrimPrefix(toks[i].val, ">"))
			toks[i] = token{"> " + f, "> " + f}
		}
	}
	return joinRaw(toks)
}

// reach turns `kubectl -n NS exec POD -- /agnhost connect [--flags] HOST:PORT`
// into the ckadlab reach command that asks the same question offline.
func (m Mode) reach(k kubectlCmd) (string, bool) {
	if len(k.pos) < 3 || k.pos[1] != "/agnhost" && k.pos[1] != "agnhost" || k.pos[2] != "connect" {
		return "", false
	}
	target := ""
	for _, a := range k.pos[3:] {
		target = a
	}
	host, port, ok := strings.Cut(target, ":")
	if !ok || host == "" || port == "" {
		return "", false
	}
	ns := k.namespace
	if ns == "" {
		ns = "default"
	}
	to := "dns:" + host
	if ipLike(host) {
		to = "ip:" + host
	}
	return "ckadlab reach --lab " + m.Lab + " -f " + m.wsDir() + " --from " + ns + "/" + k.pos[0] + " --to " + to + " --port " + port, true
}

var ipPlaceholder = regexp.MustCompile(`^(<[^>]*ip[^>]*>|[0-9]+(\.[0-9]+){3})$`)

func ipLike(h string) bool { return ipPlaceholder.MatchString(h) }

// Line renders one solution command line (which may end in "# comment").
func (m Mode) Line(line string) string {
	cmd, comment := splitComment(line)
	out, note := m.Command(cmd)
	if out == cmd && note == "" {
		return line
	}
	var notes []string
	if comment != "" {
		notes = append(notes, comment)
	}
	if note != "" {
		notes = append(notes, note)
	}
	if len(notes) > 0 {
		out += "   # " + strings.Join(notes, "; ")
	}
	return out
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// Text renders prose (a hint, a task): every `kubectl …` code span is
// rewritten by Command, its note following in parentheses.
func (m Mode) Text(s string) string {
	if !m.Offline {
		return s
	}
	return codeSpan.ReplaceAllStringFunc(s, func(span string) string {
		inner := span[1 : len(span)-1]
		if !strings.HasPrefix(inner, "kubectl ") {
			return span
		}
		out, note := m.Command(inner)
		if note == "" {
			return "`" + out + "`"
		}
		return "`" + out + "` (" + note + ")"
	})
}

// ckadlabInspect is `ckadlab VERB ARGS -n NS FLAGS`: kubectl's words in
// their order, the namespace flag (which kubectl takes before the verb
// too) moved after the verb's arguments.
func ckadlabInspect(toks []token, k kubectlCmd) string {
	var rest []token
	for i := 1; i < len(toks); i++ {
		v := toks[i].val
		name, _, hasValue := strings.Cut(v, "=")
		if name == "-n" || name == "--namespace" {
			if !hasValue {
				i++
			}
			continue
		}
		if v == k.verb && len(rest) == 0 {
			continue
		}
		rest = append(rest, toks[i])
	}
	out := []token{{"ckadlab", "ckadlab"}, {k.verb, k.verb}}
	at := 0
	for at < len(rest) && !strings.HasPrefix(rest[at].val, "-") {
		at++
	}
	out = append(out, rest[:at]...)
	if k.namespace != "" {
		out = append(out, token{"-n", "-n"}, token{k.namespace, k.namespace})
	}
	out = append(out, rest[at:]...)
	return joinRaw(out)
}

// Render returns a copy of a lab whose task, hints, solution commands and
// explanation are rendered for the mode (the lab itself is unchanged).
func (m Mode) Render(l *labs.Lab) *labs.Lab {
	if !m.Offline || l == nil {
		return l
	}
	c := *l
	c.Task = m.Text(l.Task)
	c.Hints = make([]string, len(l.Hints))
	for i, h := range l.Hints {
		c.Hints[i] = m.Text(h)
	}
	c.Solution.Commands = make([]string, len(l.Solution.Commands))
	for i, s := range l.Solution.Commands {
		c.Solution.Commands[i] = m.Line(s)
	}
	c.Solution.Explanation = m.Text(l.Solution.Explanation)
	return &c
}
