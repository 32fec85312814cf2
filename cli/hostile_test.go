package cli

import (
	"context"
	"encoding/json"
	"github.com/ckadlab/ckadlab/exam"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/session"
)

// makeReadOnly makes the file at path unwritable for this process, also
// as root (which ignores file modes): chattr +i there, chmod otherwise.
// It skips the test where neither works.
func makeReadOnly(t *testing.T, path string) (undo func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, 0o444); err != nil {
			t.Skip(err)
		}
		return func() { os.Chmod(path, 0o644) }
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("cannot make %s immutable here: %v %s", path, err, out)
	}
	undo = func() { exec.Command("chattr", "-i", path).Run() }
	t.Cleanup(undo)
	return undo
}

func dbPath(home string) string { return filepath.Join(home, "data", "ckadlab", "ckadlab.db") }

// While an exam runs, nothing reveals its labs' checks, reasons or
// solutions, nor practises them; other labs stay open.
func TestExamIntegrity(t *testing.T) {
	home := t.TempDir()
	out, errOut, code := run(t, home, "exam", "--start", "--seed", "3", "--tasks", "3", "--json")
	if code != 0 {
		t.Fatalf("exam start: exit %d %s", code, errOut)
	}
	var st startJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	lab, ws := st.Tasks[0].ID, st.Tasks[0].Workspace
	all := builtinLabs(t)
	os.WriteFile(filepath.Join(ws, "answer.yaml"), []byte(all[lab].Wrong[0].Manifests), 0o644)
	inExam := map[string]bool{}
	for _, task := range st.Tasks {
		inExam[task.ID] = true
	}
	other := ""
	for id := range all {
		if !inExam[id] {
			other = id
			break
		}
	}
	reach := []string{"--from", "external", "--to", "ip:10.0.0.1", "--port", "80"}
	refused := [][]string{
		{"check", lab, "--answers", ws},
		{"check", lab, "--answers", ws, "--json"},
		{"check", lab},
		append([]string{"reach", "--lab", lab, "--solution"}, reach...),
		append([]string{"reach", "--lab", lab}, reach...),
		{"start", lab},
		{"solution", lab},
		{"show", lab, "--hints", "1"},
	}
	for _, args := range refused {
		out, errOut, code := run(t, home, args...)
		if jsonInArgs(args) {
			var e struct {
				Error struct{ Message, Hint string }
			}
			if json.Unmarshal([]byte(out), &e) != nil || !strings.HasSuffix(e.Error.Message, "not available during the mock exam in progress") || e.Error.Hint != "finish it with `ckadlab exam --finish`" {
				t.Errorf("%v: the JSON error does not give the hint apart: %s", args, out)
			}
			continue
		}
		if code != ExitError || !strings.Contains(out+errOut, "not available during the mock exam") || !strings.Contains(out+errOut, "exam --finish") {
			t.Errorf("%v during the exam: exit %d\n%s%s", args, code, out, errOut)
		}
		if strings.Contains(out, "expected:") || strings.Contains(out, "why:") || strings.Contains(out, `"reasons"`) {
			t.Errorf("%v revealed the checks:\n%s", args, out)
		}
	}
	if _, errOut, code := run(t, home, "start", other); code != 0 {
		t.Errorf("a lab outside the exam cannot be started: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, home, append([]string{"reach", "--lab", other, "--solution"}, reach...)...); code != 0 {
		t.Errorf("reach --lab of a lab outside the exam: exit %d %s", code, errOut)
	}
	// Finished, everything opens again.
	run(t, home, "exam", "--finish")
	if out, errOut, code := run(t, home, "check", lab, "--answers", ws); code != ExitFailed || !strings.Contains(out, "expected:") {
		t.Errorf("check after the exam: exit %d %s%s", code, out, errOut)
	}
}

// The guard refuses when it cannot read the database: an exam in progress
// cannot be ruled out.
func TestExamGuardRefusesWithoutDatabase(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, home string)
		want   string
	}{
		{"data directory under a file", func(t *testing.T, home string) {
			os.WriteFile(filepath.Join(home, "data"), []byte("not a directory"), 0o644)
		}, "not a directory"},
		{"damaged database", func(t *testing.T, home string) {
			os.MkdirAll(filepath.Dir(dbPath(home)), 0o755)
			os.WriteFile(dbPath(home), []byte("this is not a database, it is a shopping list\n"), 0o644)
		}, "is damaged"},
	}
	lab := "np-default-deny"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			tt.break_(t, home)
			for _, args := range [][]string{{"solution", lab}, {"show", lab, "--hints", "1"}, {"check", lab, "--answers", home}, {"start", lab}} {
				out, errOut, code := run(t, home, args...)
				if code != ExitError || !strings.Contains(errOut, "cannot tell whether a mock exam is in progress") || !strings.Contains(errOut, tt.want) {
					t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
				}
			}
		})
	}
	// A learner without a database has no exam: nothing is refused, and
	// no database is created by asking.
	home := t.TempDir()
	if _, errOut, code := run(t, home, "solution", lab); code != 0 {
		t.Fatalf("solution for a new learner: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(dbPath(home)); !os.IsNotExist(err) {
		t.Fatalf("asking for a solution created the database: %v", err)
	}
}

// A grade is never lost: when the database cannot be written, check prints
// the grade, then says it was not saved and why, and exits 3.
func TestGradeWithReadOnlyDatabase(t *testing.T) {
	home := t.TempDir()
	lab := "np-default-deny"
	l := builtinLabs(t)[lab]
	out, errOut, code := run(t, home, "start", lab, "--json", "--variant", "0")
	if code != 0 {
		t.Fatalf("start: exit %d %s", code, errOut)
	}
	var info struct{ Workspace string }
	json.Unmarshal([]byte(out), &info)
	os.WriteFile(filepath.Join(info.Workspace, "answer.yaml"), []byte(l.Solution.Manifests), 0o644)
	undo := makeReadOnly(t, dbPath(home))
	want := "the progress database is read-only: " + dbPath(home)

	out, errOut, code = run(t, home, "check", lab)
	if code != ExitNotSaved || !strings.Contains(out, "all checks passed") || !strings.Contains(errOut, "not saved") || !strings.Contains(errOut, want) {
		t.Fatalf("check: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	out, _, code = run(t, home, "check", lab, "--json")
	var rep struct {
		Score, Max int
		NotSaved   string `json:"not_saved"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitNotSaved || rep.Score != rep.Max || rep.Max == 0 || rep.NotSaved != want {
		t.Fatalf("check --json: exit %d %v %+v\n%s", code, err, rep, out)
	}
	// start: the workspace is ready, only its record is missing.
	lab2 := "svc-nodeport"
	out, errOut, code = run(t, home, "start", lab2)
	ws2 := filepath.Join(home, "data", "ckadlab", "workspace", lab2)
	if code != ExitNotSaved || !strings.Contains(out, "Workspace: "+ws2) || !strings.Contains(errOut, want) {
		t.Fatalf("start: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(ws2, "TASK.md")); err != nil {
		t.Fatalf("start left no usable workspace: %v", err)
	}
	undo()
	out, _, _ = run(t, home, "stats", "--json")
	var stats struct {
		Labs []struct {
			Lab      string
			Attempts int
		}
	}
	json.Unmarshal([]byte(out), &stats)
	for _, s := range stats.Labs {
		if s.Attempts != 0 {
			t.Errorf("%s: %d attempts recorded in a read-only database", s.Lab, s.Attempts)
		}
	}
}

// exam --finish on a read-only database prints the result, says it was not
// saved (exit 3) and leaves the exam in progress; finishing it again once
// the database is writable records each task once.
func TestExamFinishWithReadOnlyDatabase(t *testing.T) {
	home := t.TempDir()
	out, errOut, code := run(t, home, "exam", "--start", "--seed", "5", "--tasks", "3", "--json")
	if code != 0 {
		t.Fatalf("exam start: exit %d %s", code, errOut)
	}
	var st startJSON
	json.Unmarshal([]byte(out), &st)
	all := builtinLabs(t)
	for _, task := range st.Tasks {
		l, err := all[task.ID].Variant(exam.TaskVariant(all[task.ID], st.Seed))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(task.Workspace, "answer.yaml"), []byte(l.Solution.Manifests), 0o644)
	}
	undo := makeReadOnly(t, dbPath(home))
	out, errOut, code = run(t, home, "exam", "--finish")
	if code != ExitNotSaved || !strings.Contains(out, "PASS  100%") || !strings.Contains(errOut, "not saved") || !strings.Contains(errOut, "read-only") {
		t.Fatalf("finish on a read-only database: exit %d\n%s%s", code, out, errOut)
	}
	undo()
	if _, errOut, code := run(t, home, "exam", "--finish"); code != 0 {
		t.Fatalf("second finish: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, home, "exam", "--finish"); code != ExitError || !strings.Contains(errOut, "no exam in progress") {
		t.Fatalf("third finish: exit %d %s", code, errOut)
	}
	out, _, _ = run(t, home, "stats", "--json")
	var stats struct {
		Labs []struct {
			Lab      string
			Attempts int
		}
	}
	json.Unmarshal([]byte(out), &stats)
	n := 0
	for _, s := range stats.Labs {
		n += s.Attempts
	}
	if n != len(st.Tasks) {
		t.Fatalf("%d attempts recorded for %d tasks", n, len(st.Tasks))
	}
}

// stats and drill say when the history cannot be read, instead of showing
// an empty one.
func TestHistoryUnreadable(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "data"), []byte("not a directory"), 0o644)
	for _, args := range [][]string{{"stats"}, {"drill"}, {"stats", "--json"}} {
		out, errOut, code := run(t, home, args...)
		if code != ExitError || !strings.Contains(out+errOut, "cannot read your history") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

// check --answers DIR grades offline unless a cluster is named, also where
// Docker answers (auto would pick kind).
func TestCheckAnswersIsOfflineByDefault(t *testing.T) {
	defer func(f func(context.Context) error) { session.DockerCheck = f }(session.DockerCheck)
	session.DockerCheck = func(context.Context) error { return nil }
	t.Setenv(ClusterEnv, "")
	home := t.TempDir()
	dir := t.TempDir()
	l := builtinLabs(t)["np-default-deny"]
	os.WriteFile(filepath.Join(dir, "answer.yaml"), []byte(l.Solution.Manifests), 0o644)
	out, errOut, code := run(t, home, "check", l.ID, "--answers", dir)
	if code != 0 || !strings.Contains(out, "[offline cluster") {
		t.Fatalf("check --answers with Docker: exit %d\n%s%s", code, out, errOut)
	}
}

// The review of an earlier exam does not show the solutions of labs of the
// exam in progress.
func TestReviewDuringAnotherExam(t *testing.T) {
	home := t.TempDir()
	out, errOut, code := run(t, home, "exam", "--start", "--seed", "1", "--tasks", "2", "--json")
	if code != 0 {
		t.Fatalf("first exam: exit %d %s", code, errOut)
	}
	var first startJSON
	json.Unmarshal([]byte(out), &first)
	run(t, home, "exam", "--finish")
	// Every lab: the second exam shares the first one's labs.
	n := len(builtinLabs(t))
	if _, errOut, code := run(t, home, "exam", "--start", "--seed", "2", "--tasks", strconv.Itoa(n), "--json"); code != 0 {
		t.Fatalf("second exam: exit %d %s", code, errOut)
	}
	out, errOut, code = run(t, home, "exam", "--review", "--id", first.Exam)
	if code != ExitError || strings.Contains(out, "Reference solution") || !strings.Contains(errOut, "not available during the mock exam") {
		t.Fatalf("review during another exam: exit %d\n%s%s", code, out, errOut)
	}
	run(t, home, "exam", "--finish")
	if out, errOut, code := run(t, home, "exam", "--review", "--id", first.Exam); code == ExitError || !strings.Contains(out, "Reference solution") {
		t.Fatalf("review after the exam: exit %d\n%s%s", code, out, errOut)
	}
}
