package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
)

func policy(name, ns string) string {
	s := "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n"
	if ns != "" {
		s += "  namespace: " + ns + "\n"
	}
	return s + "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n"
}

func service(name, ns string) string {
	return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
		"\nspec:\n  selector: {app: db}\n  ports:\n  - port: 80\n"
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadAnswersDuplicates(t *testing.T) {
	const ns = "prod"
	tests := []struct {
		name  string
		files map[string]string
		err   []string // substrings of the error; none: no error
		n     int      // objects read when there is no error
	}{
		{
			name: "the same object in two files",
			files: map[string]string{
				"answer.yaml": policy("db-allow", ns),
				"fix.yaml":    service("db", ns) + "---\n" + policy("db-allow", ns),
			},
			err: []string{"NetworkPolicy prod/db-allow is defined twice: answer.yaml (document 1, line 1) and fix.yaml (document 2, line 11); keep one",
				"every *.yaml, *.yml and *.json file in the workspace"},
		},
		{
			name:  "the same object twice in one file",
			files: map[string]string{"answer.yaml": policy("db-allow", ns) + "---\n" + policy("db-allow", ns)},
			err:   []string{"NetworkPolicy prod/db-allow is defined twice: answer.yaml (document 1, line 1) and answer.yaml (document 2, line 10)"},
		},
		{
			name: "without a namespace it is the lab's",
			files: map[string]string{
				"a.yaml": policy("db-allow", ""),
				"b.yml":  policy("db-allow", ns),
			},
			err: []string{"NetworkPolicy prod/db-allow is defined twice: a.yaml (document 1, line 1) and b.yml (document 1, line 1)"},
		},
		{
			name: "three definitions and two objects",
			files: map[string]string{
				"a.yaml": policy("x", "") + "---\n" + service("db", ns),
				"b.yaml": policy("x", ns) + "---\n" + service("db", ns),
				"c.json": `{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "x"}, "spec": {"podSelector": {}}}`,
			},
			err: []string{"NetworkPolicy prod/x is defined 3 times: a.yaml (document 1, line 1), b.yaml (document 1, line 1) and c.json (document 1, line 1)",
				"\nService prod/db is defined twice: a.yaml (document 2, line 9) and b.yaml (document 2, line 10)"},
		},
		{
			name: "distinct objects",
			files: map[string]string{
				"answer.yaml": policy("db-allow", ns) + "---\n" + policy("db-allow", "staging") + "---\n" + policy("web-allow", ""),
				"svc.yaml":    service("db-allow", ns),
			},
			n: 4,
		},
		{
			name: "set-aside and hidden files are not read",
			files: map[string]string{
				"answer.yaml":                        policy("db-allow", ns),
				".trash/20260101T000000.000Z/a.yaml": policy("db-allow", ns),
				".backup.yml":                        policy("db-allow", ""),
				"setup/setup.yaml":                   policy("db-allow", ns),
				"drafts/fix.yaml":                    policy("db-allow", ns),
				"notes.txt":                          policy("db-allow", ns),
			},
			n: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			objs, err := ReadAnswers(dir, ns, "the workspace")
			if len(tt.err) == 0 {
				if err != nil || len(objs) != tt.n {
					t.Fatalf("read %d objects, %v; want %d", len(objs), err, tt.n)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; want %q", tt.err)
			}
			for _, want := range tt.err {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%s\nlacks %q", err, want)
				}
			}
			var de *DuplicateError
			if !errors.As(err, &de) || len(de.Defs) < 2 {
				t.Errorf("not a *DuplicateError: %#v", err)
			}
		})
	}
}

// A duplicate stops a check with a normal error (the CLI prints it and
// exits 2; the TUI shows it) and records no attempt.
func TestCheckRefusesDuplicates(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	l := all[0]
	dir := t.TempDir()
	m := &Manager{Dirs: state.Dirs{Data: filepath.Join(dir, "data"), State: filepath.Join(dir, "state")}, Cluster: Offline,
		Now: func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }}
	ctx := context.Background()
	info, err := m.Start(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	// The solution twice: once as written, once in a second file.
	writeFiles(t, info.Workspace, map[string]string{"answer.yaml": l.Solution.Manifests, "fix.yaml": l.Solution.Manifests})
	_, err = m.Check(ctx, l, CheckOptions{})
	var de *DuplicateError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "answer.yaml (document 1") || !strings.Contains(err.Error(), "fix.yaml (document 1") ||
		!strings.Contains(err.Error(), "in the workspace") {
		t.Fatalf("check = %v", err)
	}
	if p, err := m.Progress(); err != nil || p.Get(l.ID).Attempts != 0 {
		t.Fatalf("a refused check was recorded: %+v %v", p.Get(l.ID), err)
	}
	// --answers DIR names the folder.
	other := t.TempDir()
	writeFiles(t, other, map[string]string{"a.yaml": l.Solution.Manifests, "b.yaml": l.Solution.Manifests})
	if _, err := m.Check(ctx, l, CheckOptions{AnswersDir: other}); !errors.As(err, &de) || !strings.Contains(err.Error(), "file in "+other) {
		t.Fatalf("check --answers = %v", err)
	}
	// Set aside, the second copy no longer counts.
	if err := os.Remove(filepath.Join(info.Workspace, "fix.yaml")); err != nil {
		t.Fatal(err)
	}
	if rep, err := m.Check(ctx, l, CheckOptions{}); err != nil || !rep.Passed() {
		t.Fatalf("solution once: %v", err)
	}
}

// What an interrupted write leaves (the temporary files of atomic writes,
// hidden) and special files are never read as answers; an answer file
// over the API server's request limit is refused unread, naming it.
func TestReadAnswersIgnoresLeftoversAndBoundsFiles(t *testing.T) {
	dir := t.TempDir()
	svc := "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n"
	for name, text := range map[string]string{
		"answer.yaml":                 svc,
		".answer.yaml.tmp-123":        "this: [is half-written",
		"setup/.setup.yaml.tmp-456":   "kind: [",
		".TASK.md.tmp-1":              "x",
		"setup/setup.yaml":            svc, // the setup is not an answer
		"notes/.answer.yaml.tmp-9.js": "x",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := ReadAnswers(dir, "shop", "the workspace")
	if err != nil || len(objs) != 1 || objs[0].String() != "Service web" {
		t.Fatalf("objects %v, error %v", objs, err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 200<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAnswers(dir, "shop", "the workspace"); err == nil || !strings.Contains(err.Error(), big+": file is larger than 3 MiB") {
		t.Errorf("error %v", err)
	}
}
