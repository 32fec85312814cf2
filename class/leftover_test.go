package class

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

// texts are the learner-facing texts of a lab: Markdown and commands.
func texts(l *labs.Lab) (markdown, commands []string) {
	markdown = append([]string{l.Title, l.Task, l.Solution.Explanation}, l.Hints...)
	for _, c := range l.Correct {
		markdown = append(markdown, c.Description)
	}
	for _, w := range l.Wrong {
		markdown = append(markdown, w.Description)
	}
	for _, e := range l.Equivalent {
		markdown = append(markdown, e.Reason)
	}
	for _, c := range l.Checks {
		markdown = append(markdown, c.Description)
	}
	return markdown, l.Solution.Commands
}

// codeOf is the code of Markdown text (spans and fenced blocks), one
// piece per run.
func codeOf(s string) []string {
	at := markdownCode(s)
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if at[i] {
			b.WriteByte(s[i])
			continue
		}
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// TestNoUnmappedNamesInCode: in the code spans, code blocks and commands
// of every class-safe built-in lab mapped for a learner, no lab namespace
// is left unmapped (except a word the lab also uses for something else,
// and then not in a namespace's place: -n X, X/NAME, namespace X), and in
// all of its text no Ingress host or fixed node port of the lab is left.
func TestNoUnmappedNamesInCode(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPortPlan(all, 30)
	if err != nil {
		t.Fatal(err)
	}
	who := Learner{Name: "alice", Index: 7}
	checked := 0
	for _, base := range all {
		if Safe(base) != nil {
			continue
		}
		for _, n := range base.SampleVariants(3) {
			l, err := base.Variant(n)
			if err != nil {
				t.Fatal(err)
			}
			parts, err := parseParts(l)
			if err != nil {
				t.Fatal(err)
			}
			mp, err := newMapper(Mapping{Learner: who, Ports: plan}, l, parts)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Mapping{Learner: who, Ports: plan}.Lab(l)
			if err != nil {
				t.Fatal(err)
			}
			md, cmds := texts(m)
			var code []string
			for _, s := range md {
				code = append(code, codeOf(s)...)
			}
			code = append(code, cmds...)
			for i, c := range code {
				for _, h := range mp.hosts {
					c = strings.ReplaceAll(c, h, strings.Repeat(" ", len(h)))
				}
				code[i] = c
			}
			for _, c := range code {
				for _, loc := range dnsLabelRun.FindAllStringIndex(c, -1) {
					tok := c[loc[0]:loc[1]]
					if !mp.ns[tok] || (loc[0] > 0 && c[loc[0]-1] == '-') || (loc[1] < len(c) && c[loc[1]] == '-') {
						continue
					}
					if loc[0] > 0 && strings.HasSuffix(c[:loc[0]], "alice-") {
						continue
					}
					if !mp.ambiguous[tok] || mp.context(c, loc[0], loc[1], tok) {
						t.Errorf("%s variant %d: namespace %s left unmapped in %q", l.ID, n, tok, c)
					}
				}
			}
			all := strings.Join(append(md, cmds...), "\n")
			for h := range mp.hosts {
				re := regexp.MustCompile(`(^|[^a-z0-9.-])` + regexp.QuoteMeta(h) + `($|[^a-z0-9-]|\.[^a-z0-9])`)
				if re.MatchString(all) {
					t.Errorf("%s variant %d: host %s left unmapped", l.ID, n, h)
				}
			}
			for p := range mp.ports {
				re := regexp.MustCompile(`(^|[^0-9.])` + strconv.Itoa(p) + `($|[^0-9])`)
				if re.MatchString(all) {
					t.Errorf("%s variant %d: node port %d left unmapped", l.ID, n, p)
				}
			}
			checked++
		}
	}
	if checked < 60 {
		t.Errorf("only %d mapped variants checked", checked)
	}
}
