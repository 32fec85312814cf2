package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/labs"
)

func TestWrapText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"fits", "a short line", 20, "a short line"},
		{"hyphenated ids stay whole", "Reset “The documentation's test-network-policy, clause by clause”?", 30,
			"Reset “The documentation's\ntest-network-policy, clause by\nclause”?"},
		{"never after a hyphen", "a policy named test-network-policy", 20, "a policy named\ntest-network-policy"},
		{"a word wider than the line is cut hard", "see aaaaaaaaaaaaaaaaaaaaaaaaa end", 10,
			"see\naaaaaaaaaa\naaaaaaaaaa\naaaaa end"},
		{"newlines kept", "one two\nthree four five six", 12, "one two\nthree four\nfive six"},
		{"leading spaces kept on the first line", "    indented words wrap here", 16, "    indented\nwords wrap here"},
		{"width below ten is ten", "alpha beta gamma", 3, "alpha beta\ngamma"},
		{"wide runes", "日本語 日本語 日本語", 14, "日本語 日本語\n日本語"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapText(tt.in, tt.width)
			if got != tt.want {
				t.Errorf("wrapText(%q, %d) =\n%s\nwant\n%s", tt.in, tt.width, got, tt.want)
			}
			for _, l := range strings.Split(got, "\n") {
				if lipgloss.Width(l) > max(10, tt.width) {
					t.Errorf("line %q is wider than %d", l, tt.width)
				}
			}
		})
	}
}

func TestHangingBullet(t *testing.T) {
	got := hangingBullet(`NetworkPolicy orders/default-deny: spec.policyTypes is ["Ingress","Egress"], expected [Ingress]`, 40)
	want := "• NetworkPolicy orders/default-deny:\n  spec.policyTypes is\n  [\"Ingress\",\"Egress\"], expected\n  [Ingress]"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestUniqueParts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"spec.policyTypes = [Ingress]; spec.policyTypes = [Ingress]", "spec.policyTypes = [Ingress]"},
		{"a = 1; b = 2; a = 1", "a = 1; b = 2"},
		{"connected", "connected"},
	}
	for _, tt := range tests {
		if got := uniqueParts(tt.in); got != tt.want {
			t.Errorf("uniqueParts(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A paste while the filter is typed is capped and kept to one line;
// control characters in it become spaces.
func TestFilterPasteIsCapped(t *testing.T) {
	env := newTestEnv(t)
	d := newDriver(t, env.cfg, 80, 24)
	d.keys("enter", "/")
	d.send(tea.Msg(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("a\tb\n", 2500)), Paste: true}))
	f := d.m.browser().filter
	if n := len([]rune(f)); n != maxFilter {
		t.Errorf("the filter has %d runes, want %d", n, maxFilter)
	}
	if strings.ContainsAny(f, "\t\n") {
		t.Errorf("control characters in the filter: %q", f[:20])
	}
	checkFrame(t, d.view(), 80, 24)
	// The filter line is one line, with its count at the end.
	if line := strings.Split(d.view(), "\n")[1]; !strings.Contains(line, "▏") || !strings.HasSuffix(strings.TrimSpace(line), "of 3 labs") {
		t.Errorf("the filter line is not one line with its count:\n%s", d.view())
	}
}

func TestKeepEnd(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 5, "…ghij"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := keepEnd(tt.in, tt.w); got != tt.want {
			t.Errorf("keepEnd(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
	}
}

func TestShortenPath(t *testing.T) {
	tests := []struct {
		p    string
		w    int
		want string
	}{
		{"~/data/ckadlab/workspace/np-x", 40, "~/data/ckadlab/workspace/np-x"},
		{"~/.local/share/ckadlab/workspace/np-test-network-policy", 45, "~/…/ckadlab/workspace/np-test-network-policy"},
		{"~/.local/share/ckadlab/workspace/np-test-network-policy", 36, "~/…/workspace/np-test-network-policy"},
		{"~/.local/share/ckadlab/workspace/np-test-network-policy", 35, "~/…/np-test-network-policy"},
		{"~/.local/share/ckadlab/workspace/np-test-network-policy", 25, "…/np-test-network-policy"},
		{"~/.local/share/ckadlab/workspace/np-test-network-policy", 10, "…/np-test-network-policy"},
		{"/home/learner/a-very-long-folder-name/ckadlab/workspace/svc-nodeport", 40, "/home/…/ckadlab/workspace/svc-nodeport"},
	}
	for _, tt := range tests {
		got := shortenPath(tt.p, tt.w)
		if got != tt.want {
			t.Errorf("shortenPath(%q, %d) = %q, want %q", tt.p, tt.w, got, tt.want)
		}
		if !strings.HasSuffix(got, "/"+tt.p[strings.LastIndex(tt.p, "/")+1:]) {
			t.Errorf("shortenPath(%q, %d) = %q cut the lab's folder", tt.p, tt.w, got)
		}
	}
}

// The filter ranks id and title matches (exact, prefix, substring,
// fuzzy) above tags and the task's text.
func TestMatchRank(t *testing.T) {
	all := []*labs.Lab{
		{ID: "ing-exact-prefix", Title: "Exact vs Prefix paths", Task: "test it with curl", Domain: labs.Ingress},
		{ID: "np-test-network-policy", Title: "The documentation's test-network-policy", Domain: labs.NetworkPolicy},
		{ID: "test", Title: "A lab named test", Domain: labs.Services},
		{ID: "svc-a", Title: "Testing a Service", Domain: labs.Services},
		{ID: "svc-b", Title: "Another Service", Tags: []string{"testing"}, Domain: labs.Services},
		{ID: "svc-c", Title: "A Service", Domain: labs.Services},
	}
	ranks := map[string]int{}
	for _, l := range all {
		ranks[l.ID] = matchRank(l, "test")
	}
	order := []string{"test", "svc-a", "np-test-network-policy", "svc-b", "ing-exact-prefix"}
	for i := 1; i < len(order); i++ {
		if ranks[order[i-1]] >= ranks[order[i]] {
			t.Errorf("%s (rank %d) not above %s (rank %d)", order[i-1], ranks[order[i-1]], order[i], ranks[order[i]])
		}
	}
	// A fuzzy id match beats the task's text.
	if a, b := matchRank(all[1], "nptest"), matchRank(all[0], "nptest"); a >= b {
		t.Errorf("fuzzy id rank %d not above %d", a, b)
	}
	for _, tt := range []struct {
		s, text string
		want    bool
	}{
		{"np-test-network-policy", "nptest", true},
		{"np-test-network-policy", "np test", true},
		{"np-test-network-policy", "tsetpn", false},
		{"svc-nodeport", "sn", false}, // too short to mean anything
	} {
		if got := fuzzy(tt.s, tt.text); got != tt.want {
			t.Errorf("fuzzy(%q, %q) = %v, want %v", tt.s, tt.text, got, tt.want)
		}
	}
}

// Typing a filter puts the best match first, and enter opens it at once.
func TestFilterFindsFuzzyAndOpensWithOneEnter(t *testing.T) {
	env := newTestEnv(t)
	d := newDriver(t, env.cfg, 80, 24)
	d.keys("enter")
	for _, r := range "svcexp" {
		d.keys(string(r))
	}
	if l := d.m.browser().selected(); l == nil || l.ID != "svc-expose-web" {
		t.Fatalf("selected %v, want svc-expose-web", l)
	}
	d.keys("enter")
	if d.m.current != screenTask || d.m.task().lab.ID != "svc-expose-web" {
		t.Fatalf("one enter: screen %v", d.m.current)
	}
}
