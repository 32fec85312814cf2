package tui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The editor opens the learner's answer files: the only one at once,
// a picker for several, a new answer.yaml for none; hidden files, other
// extensions and folders are no answer files.
func TestEditorOpensAnswerFiles(t *testing.T) {
	tests := []struct {
		name   string
		files  []string
		keys   []string // after e
		picker []string // the picker's items ("" none)
		want   string   // the file the editor gets ("" no editor)
	}{
		{name: "none: a new answer.yaml", want: "answer.yaml"},
		{name: "one: it", files: []string{"ingress.yaml", "notes.txt", ".draft.yaml"}, want: "ingress.yaml"},
		{name: "several: the one picked", files: []string{"svc.yaml", "deploy.yml", "np.json", "setup/x.yaml"},
			picker: []string{"deploy.yml", "np.json", "svc.yaml"}, keys: []string{"down", "enter"}, want: "np.json"},
		{name: "several: the first with enter", files: []string{"b.yaml", "a.yaml"},
			picker: []string{"a.yaml", "b.yaml"}, keys: []string{"enter"}, want: "a.yaml"},
		{name: "several: esc cancels", files: []string{"b.yaml", "a.yaml"},
			picker: []string{"a.yaml", "b.yaml"}, keys: []string{"esc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t)
			env.cfg.Environ = append(env.cfg.Environ, "EDITOR=/bin/true")
			ws := env.cfg.Dirs.Workspace("svc-expose-web")
			for _, f := range tt.files {
				p := filepath.Join(ws, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("kind: Service\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			d := newDriver(t, env.cfg, 80, 24)
			d.keys("enter", "enter", "e")
			pick, _ := d.m.dialog.(*pickModel)
			switch {
			case tt.picker == nil && pick != nil:
				t.Fatalf("a picker for %v", pick.q.items)
			case tt.picker != nil && pick == nil:
				t.Fatalf("no picker; the editor got %d", len(d.ready))
			case pick != nil:
				if !slices.Equal(pick.q.items, tt.picker) {
					t.Errorf("the picker lists %v, want %v", pick.q.items, tt.picker)
				}
				d.requireView("Edit which answer file?", tt.picker[0])
				checkFrame(t, d.view(), 80, 24)
			}
			d.keys(tt.keys...)
			if d.m.dialog != nil {
				t.Fatal("the picker is still open")
			}
			if tt.want == "" {
				if len(d.ready) != 0 || len(d.execed) != 0 {
					t.Fatalf("an editor after a cancel: %d", len(d.ready))
				}
				return
			}
			if len(d.ready) != 1 || d.ready[0].cmd == nil || len(d.execed) != 1 {
				t.Fatalf("%d editors prepared, %d run, want 1", len(d.ready), len(d.execed))
			}
			args := d.ready[0].cmd.Args
			if got, want := args[len(args)-1], filepath.Join(ws, tt.want); got != want {
				t.Errorf("the editor opens %s, want %s", got, want)
			}
		})
	}
}

// In the exam, the editor opens the current task's answer files in its
// exam workspace, by the same rule.
func TestExamEditorPicksAnswerFile(t *testing.T) {
	env, _, _ := examEnv(t)
	env.cfg.Environ = append(env.cfg.Environ, "EDITOR=/bin/true")
	ws := env.cfg.Exam.Tasks[0].Workspace
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"policy.yaml", "svc.yaml"} {
		if err := os.WriteFile(filepath.Join(ws, f), []byte("kind: Service\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := newExamDriver(t, env.cfg, 80, 24)
	d.keys("e")
	d.requireView("Edit which answer file?", "policy.yaml", "svc.yaml")
	d.keys("down", "enter")
	if len(d.ready) != 1 || d.ready[0].cmd == nil {
		t.Fatalf("%d editors prepared, want 1", len(d.ready))
	}
	args := d.ready[0].cmd.Args
	if got, want := args[len(args)-1], filepath.Join(ws, "svc.yaml"); got != want {
		t.Errorf("the editor opens %s, want %s", got, want)
	}
}
