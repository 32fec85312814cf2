package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/content"
)

// packLab is a built-in lab's file with another id (and, with edit, its
// text changed).
func packLab(t *testing.T, dir, builtin, id string, edit func(string) string) {
	t.Helper()
	src, err := content.FS.ReadFile(builtin + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	if id != builtin {
		re := regexp.MustCompile(`(?m)^id = "` + regexp.QuoteMeta(builtin) + `"`)
		if !re.MatchString(text) {
			t.Fatalf("%s has no id line", builtin)
		}
		text = re.ReplaceAllString(text, `id = "`+id+`"`)
	}
	if edit != nil {
		text = edit(text)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lint DIR and --labs DIR apply the same rules: what one refuses the other
// refuses, and a sound pack loads in both.
func TestPackRulesAreLintRules(t *testing.T) {
	good := t.TempDir()
	packLab(t, good, "np-default-deny", "class-deny", nil)

	dupBuiltin := t.TempDir()
	packLab(t, dupBuiltin, "np-default-deny", "np-default-deny", nil)

	// The solution is the lab's first wrong answer: it fails its own lab.
	badSolution := t.TempDir()
	packLab(t, badSolution, "svc-nodeport", "class-nodeport", func(s string) string {
		return strings.Replace(s, "type: NodePort", "type: ClusterIP", 1)
	})

	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "README.md"), []byte("no labs here\n"), 0o644)

	tests := []struct {
		name     string
		dir      string
		lintCode int
		want     string // in lint's output and in --labs' error
	}{
		{"built-in id reused", dupBuiltin, ExitFailed, `duplicate lab id "np-default-deny"`},
		{"failing solution", badSolution, ExitFailed, "solution"},
		{"empty directory", empty, ExitError, "no lab files (*.toml)"},
		{"root directory", "/", ExitError, "no lab files (*.toml)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			out, errOut, code := run(t, home, "lint", tt.dir, "--no-mutants")
			if code != tt.lintCode || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("lint: exit %d, want %d and %q\n%s%s", code, tt.lintCode, tt.want, out, errOut)
			}
			out, errOut, code = run(t, home, "--labs", tt.dir, "labs")
			if code != ExitError || out != "" || !strings.Contains(errOut, tt.want) {
				t.Errorf("--labs: exit %d, want %d and %q\n%s%s", code, ExitError, tt.want, out, errOut)
			}
		})
	}
	home := t.TempDir()
	if out, errOut, code := run(t, home, "lint", good, "--no-mutants"); code != 0 || !strings.Contains(out, "1 lab(s): 0 error(s)") {
		t.Errorf("lint of a sound pack: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := run(t, home, "--labs", good, "labs"); code != 0 || !strings.Contains(out, "class-deny") {
		t.Errorf("--labs of a sound pack: exit %d\n%s%s", code, out, errOut)
	}
}

// The same directory named twice, in any spelling, is one pack.
func TestSamePackTwice(t *testing.T) {
	base := t.TempDir()
	pack := filepath.Join(base, "pack")
	os.MkdirAll(pack, 0o755)
	packLab(t, pack, "np-default-deny", "class-deny", nil)
	link := filepath.Join(base, "link")
	if err := os.Symlink(pack, link); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	packLab(t, other, "np-default-deny", "class-deny", nil)
	spellings := [][]string{
		{pack, pack},
		{pack, link},
		{pack, filepath.Join(base, "pack", "..", "pack") + "/"},
	}
	for _, dirs := range spellings {
		args := []string{}
		for _, d := range dirs {
			args = append(args, "--labs", d)
		}
		out, errOut, code := run(t, t.TempDir(), append(args, "labs", "--json")...)
		var rows []struct{ ID string }
		if code != 0 || json.Unmarshal([]byte(out), &rows) != nil {
			t.Fatalf("%v: exit %d %s", dirs, code, errOut)
		}
		n := 0
		for _, r := range rows {
			if r.ID == "class-deny" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%v: class-deny listed %d times", dirs, n)
		}
	}
	// Two different packs with one id still clash.
	if _, errOut, code := run(t, t.TempDir(), "--labs", pack, "--labs", other, "labs"); code != ExitError || !strings.Contains(errOut, `duplicate lab id "class-deny"`) {
		t.Errorf("two packs with one id: exit %d %s", code, errOut)
	}
}

// A pack lab that uses a built-in lab's namespace, or another pack lab's,
// gets a warning naming both (an exam with both would reset one task's
// setup with the other's); the pack still loads. A lab of namespaces of
// its own gets none.
func TestPackNamespaceClash(t *testing.T) {
	dir := t.TempDir()
	packLab(t, dir, "np-default-deny", "class-deny", nil)
	own := t.TempDir()
	packLab(t, own, "np-default-deny", "class-own", func(s string) string {
		return regexp.MustCompile(`\bsecure\b|\boutside\b`).ReplaceAllStringFunc(s, func(ns string) string { return "class-" + ns })
	})
	home := t.TempDir()
	out, _, code := run(t, home, "lint", dir)
	if code != 0 || !strings.Contains(out, "also used by lab np-default-deny") || !strings.Contains(out, "warning") {
		t.Fatalf("lint of a lab sharing np-default-deny's namespace: exit %d\n%s", code, out)
	}
	out, _, code = run(t, home, "lint", own)
	if code != 0 || strings.Contains(out, "also used by lab") {
		t.Fatalf("lint of a lab with namespaces of its own: exit %d\n%s", code, out)
	}
}
