package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVariantRecord(t *testing.T) {
	d := Dirs{Data: t.TempDir()}
	// No workspace, and a workspace from before variants: variant 0.
	if n, ok, err := d.LoadVariant("svc-a"); n != 0 || ok || err != nil {
		t.Fatalf("no workspace: %d %v %v", n, ok, err)
	}
	if _, err := d.PrepareWorkspace("svc-a", "task", "setup"); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := d.LoadVariant("svc-a"); n != 0 || ok || err != nil {
		t.Fatalf("old workspace: %d %v %v", n, ok, err)
	}
	for _, n := range []uint64{4711, 0, 999_999} {
		if err := d.SaveVariant("svc-a", n); err != nil {
			t.Fatal(err)
		}
		got, ok, err := d.LoadVariant("svc-a")
		if got != n || !ok || err != nil {
			t.Errorf("saved %d, loaded %d %v %v", n, got, ok, err)
		}
	}
	// The record is not an answer file, and no temporary file is left.
	files, _ := AnswerFiles(d.Workspace("svc-a"))
	if len(files) != 0 {
		t.Errorf("answer files %v", files)
	}
	left, _ := filepath.Glob(filepath.Join(d.Workspace("svc-a"), ".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A damaged record, or another lab's, is an error naming the file.
	for _, bad := range []string{"{not json", `{"lab":"svc-b","variant":3}`} {
		os.WriteFile(filepath.Join(d.Workspace("svc-a"), variantFile), []byte(bad), 0o644)
		if _, _, err := d.LoadVariant("svc-a"); err == nil || !strings.Contains(err.Error(), variantFile) {
			t.Errorf("%s: err %v", bad, err)
		}
	}
}
