package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/exam"
)

// start draws a variant, records it, and show, solution, check, get and
// reset then use that variant; --variant and --seed repeat one.
func TestVariantsFlowThroughCommands(t *testing.T) {
	home := t.TempDir()
	lab := builtinLabs(t)["svc-nodeport"]
	v3, err := lab.Variant(3)
	if err != nil {
		t.Fatal(err)
	}
	if v3.Namespace == lab.Namespace {
		t.Fatalf("variant 3 keeps namespace %s: pick another variant for this test", v3.Namespace)
	}
	out, errOut, code := run(t, home, "start", "svc-nodeport", "--variant", "3", "--json")
	if code != 0 {
		t.Fatalf("start: %d %s", code, errOut)
	}
	var started struct {
		Variant   uint64            `json:"variant"`
		Namespace string            `json:"namespace"`
		Values    map[string]string `json:"values"`
		Workspace string            `json:"workspace"`
	}
	if err := json.Unmarshal([]byte(out), &started); err != nil || started.Variant != 3 || started.Namespace != v3.Namespace || started.Values["ns"] != v3.Namespace {
		t.Fatalf("start --json: %v %s", err, out)
	}
	task, _ := os.ReadFile(filepath.Join(started.Workspace, "TASK.md"))
	if string(task) != v3.Task {
		t.Errorf("TASK.md is not variant 3's task:\n%s", task)
	}
	// show and solution follow the started variant.
	out, _, _ = run(t, home, "show", "svc-nodeport", "--json")
	var shown struct {
		Variant   uint64 `json:"variant"`
		Variants  int    `json:"variants"`
		Namespace string `json:"namespace"`
		Task      string `json:"task"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || shown.Variant != 3 || shown.Namespace != v3.Namespace || shown.Variants < 5 {
		t.Fatalf("show --json: %v %s", err, out)
	}
	text, _, _ := run(t, home, "show", "svc-nodeport")
	if !strings.Contains(text, "variant 3 of ") {
		t.Errorf("show does not say which variant:\n%s", text)
	}
	if _, errOut, code := run(t, home, "solution", "svc-nodeport", "--write", started.Workspace); code != 0 {
		t.Fatalf("solution --write: %s", errOut)
	}
	// The variant's solution scores 100% on the variant's checks.
	out, errOut, code = run(t, home, "check", "svc-nodeport", "--json")
	if code != 0 {
		t.Fatalf("check of variant 3's solution: %d %s\n%s", code, errOut, out)
	}
	// get reads the started variant's world.
	out, _, code = run(t, home, "get", "svc", "-n", v3.Namespace)
	if code != 0 || !strings.Contains(out, v3.Values["app"]) {
		t.Errorf("get svc -n %s: %d\n%s", v3.Namespace, code, out)
	}
	// Variant 3's answer is no answer to variant 0 (its namespace is
	// not there: an error, or checks that fail).
	out, _, code = run(t, home, "check", "svc-nodeport", "--variant", "0", "--json")
	if code == 0 {
		t.Errorf("variant 0's checks on variant 3's answer: exit %d\n%s", code, out)
	}
	// reset keeps the variant.
	run(t, home, "reset", "svc-nodeport")
	if out, _, _ := run(t, home, "show", "svc-nodeport", "--json"); !strings.Contains(out, `"variant": 3`) {
		t.Errorf("after reset:\n%s", out)
	}

	// --seed S starts the variant an exam with seed S sets.
	out, _, code = run(t, home, "start", "svc-nodeport", "--seed", "42", "--json")
	if err := json.Unmarshal([]byte(out), &started); err != nil || code != 0 || started.Variant != lab.VariantForSeed(42) {
		t.Fatalf("start --seed 42: %d %v %s", code, err, out)
	}
	// Without a flag, start draws a fresh variant (from 1 up).
	seen := map[uint64]bool{}
	for range 3 {
		out, _, _ = run(t, home, "start", "svc-nodeport", "--json")
		json.Unmarshal([]byte(out), &started)
		seen[started.Variant] = true
	}
	if len(seen) < 2 || seen[0] {
		t.Errorf("three starts drew variants %v", seen)
	}
}

func TestVariantFlagErrors(t *testing.T) {
	home := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"start", "svc-externalname", "--variant", "2"}, "lab svc-externalname has no parameters: its only variant is 0"},
		{[]string{"show", "svc-nodeport", "--variant", "2", "--seed", "3"}, "--variant and --seed both choose the variant"},
		{[]string{"solution", "svc-nodeport", "--variant", "x"}, "invalid argument"},
	} {
		_, errOut, code := run(t, home, tt.args...)
		if code != ExitError || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want %q", tt.args, code, errOut, tt.want)
		}
	}
	// A lab without parameters takes --variant 0.
	if _, errOut, code := run(t, home, "show", "svc-externalname", "--variant", "0"); code != 0 {
		t.Errorf("--variant 0 of a lab without parameters: %s", errOut)
	}
}

// A workspace from before variants existed has no record: variant 0.
func TestWorkspaceWithoutVariantRecord(t *testing.T) {
	home := t.TempDir()
	if _, errOut, code := run(t, home, "start", "svc-nodeport", "--variant", "5"); code != 0 {
		t.Fatal(errOut)
	}
	rec := filepath.Join(home, "data", "ckadlab", "workspace", "svc-nodeport", ".variant.json")
	if err := os.Remove(rec); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, home, "show", "svc-nodeport", "--json")
	if code != 0 || !strings.Contains(out, `"variant": 0`) || !strings.Contains(out, `"namespace": "web"`) {
		t.Errorf("old workspace:\n%s", out)
	}
}

// During a mock exam, show gives an exam lab's task in the exam's variant
// (the one its seed fixes), whatever variant was practised before.
func TestShowDuringExamUsesTheTaskVariant(t *testing.T) {
	home := t.TempDir()
	lab := builtinLabs(t)["svc-nodeport"]
	if _, errOut, code := run(t, home, "start", "svc-nodeport", "--variant", "3"); code != 0 {
		t.Fatal(errOut)
	}
	n := len(builtinLabs(t))
	if _, errOut, code := run(t, home, "exam", "--start", "--seed", "7", "--tasks", fmt.Sprint(n), "--json"); code != 0 {
		t.Fatalf("exam --start: %s", errOut)
	}
	want := exam.TaskVariant(lab, 7)
	out, errOut, code := run(t, home, "show", "svc-nodeport", "--json")
	if code != 0 || !strings.Contains(out, fmt.Sprintf(`"variant": %d,`, want)) {
		t.Errorf("show during the exam: exit %d %s\n%s (want variant %d)", code, errOut, out, want)
	}
}
