package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/class"
)

var boardT0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// fakeLoader is a class of two learners: alice ran np-a (full marks) and,
// in the class exam, task 1; bob ran nothing.
func fakeLoader(t *testing.T, withExam bool) Loader {
	c, err := class.NewClass("ckad-mon", []string{"alice", "bob"}, boardT0)
	if err != nil {
		t.Fatal(err)
	}
	recs := []class.Record{
		{Learner: "alice", Lab: "np-a", Domain: "networkpolicy", Score: 4, Max: 4, Attempts: 2, At: boardT0,
			Checks: []class.CheckRecord{{ID: "blocks", Passed: true, Points: 4, Max: 4}}},
		{Learner: "alice", Lab: "svc-b", Domain: "services", Exam: "e1", Task: 1, Score: 1, Max: 4, Attempts: 1, At: boardT0,
			Checks: []class.CheckRecord{{ID: "selects", Passed: false, Max: 3, Why: []string{"no pod has app=web"}}, {ID: "exists", Passed: true, Points: 1, Max: 1}}},
	}
	var ex *class.Exam
	if withExam {
		ex = &class.Exam{ID: "e1", Seed: 9, Tasks: 2, Duration: time.Hour, Start: boardT0}
	}
	return func(context.Context) (*class.Class, []class.Record, *class.Exam, error) { return c, recs, ex, nil }
}

// runClassCmd runs a class command as the lead wires it: under a root with
// the global --json and --no-color flags.
func runClassCmd(t *testing.T, sub *cobra.Command, args ...string) (string, string, error) {
	t.Helper()
	root := &cobra.Command{Use: "ckadlab", SilenceUsage: true, SilenceErrors: true}
	root.PersistentFlags().Bool("json", false, "")
	root.PersistentFlags().Bool("no-color", false, "")
	group := &cobra.Command{Use: "class"}
	group.AddCommand(sub)
	root.AddCommand(group)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(append([]string{"class"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestClassReport(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		exam     bool
		args     []string
		file     string   // the file --out writes, read instead of stdout
		want     []string // in the output
		notWant  []string
		errWants string
	}{
		{name: "md default", args: []string{"report"}, want: []string{"# Class ckad-mon: labs", "| alice | ✓ 4/4 (2) |", "| bob | · |"}},
		{name: "exam board while an exam runs", exam: true, args: []string{"report"},
			want: []string{"# Class ckad-mon: exam e1", "## By task", "## By domain", "| 1 | svc-b | Services |", "`selects`"}},
		{name: "--labs while an exam runs", exam: true, args: []string{"report", "--labs"}, want: []string{"# Class ckad-mon: labs"}, notWant: []string{"By task"}},
		{name: "csv", args: []string{"report", "--format", "csv"}, want: []string{"class,exam,learner,column,", "ckad-mon,,alice,np-a,,np-a,networkpolicy,true,4,4,100,true,2,"}},
		{name: "json by --json", args: []string{"report", "--json"}, want: []string{`"mean_percent": 100`, `"learner": "bob"`}},
		{name: "--format wins over --json", args: []string{"report", "--json", "--format", "md"}, want: []string{"# Class"}},
		{name: "--out picks csv by extension", args: []string{"report", "--out", filepath.Join(dir, "r.csv")}, file: filepath.Join(dir, "r.csv"),
			want: []string{"class,exam,learner"}},
		{name: "--out with --format", args: []string{"report", "--format", "json", "-o", filepath.Join(dir, "r.txt")}, file: filepath.Join(dir, "r.txt"),
			want: []string{`"class": "ckad-mon"`}},
		{name: "unknown format", args: []string{"report", "--format", "xlsx"}, errWants: "--format xlsx: choose md, csv, json"},
		{name: "unknown extension", args: []string{"report", "--out", filepath.Join(dir, "r.xlsx")}, errWants: "name the file .md, .csv or .json"},
		// Without a terminal the board prints the report once.
		{name: "board without a terminal", args: []string{"board"}, want: []string{"# Class ckad-mon: labs", "## Checks most failed"}},
		{name: "board --json", exam: true, args: []string{"board", "--json"}, want: []string{`"exam": {`, `"task": 1`}},
		{name: "board interval too short", args: []string{"board", "--interval", "10ms"}, errWants: "--interval 10ms is too short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			load := fakeLoader(t, tc.exam)
			sub := newClassReportCmd(load)
			if tc.args[0] == "board" {
				sub = newClassBoardCmd(load)
			}
			stdout, stderr, err := runClassCmd(t, sub, tc.args...)
			if tc.errWants != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errWants) {
					t.Fatalf("error %v, want %q", err, tc.errWants)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := stdout
			if tc.file != "" {
				data, err := os.ReadFile(tc.file)
				if err != nil {
					t.Fatal(err)
				}
				got = string(data)
				if stdout != "" || !strings.Contains(stderr, "Report written to "+tc.file) {
					t.Errorf("stdout %q, stderr %q", stdout, stderr)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("%q in:\n%s", w, got)
				}
			}
		})
	}
}

// Each format parses as what it claims to be.
func TestClassReportParses(t *testing.T) {
	out, _, err := runClassCmd(t, newClassReportCmd(fakeLoader(t, true)), "report", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 1+2*2 {
		t.Errorf("csv: %d rows, %v", len(rows), err)
	}
	out, _, err = runClassCmd(t, newClassReportCmd(fakeLoader(t, true)), "report", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var b class.Board
	if err := json.Unmarshal([]byte(out), &b); err != nil || b.Exam == nil || len(b.Rows) != 2 {
		t.Errorf("json: %v %+v", err, b)
	}
}

// A class that cannot be read is an error, and no file is written.
func TestClassReportLoadError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.md")
	failing := func(context.Context) (*class.Class, []class.Record, *class.Exam, error) {
		return nil, nil, nil, errors.New("the server has asked for the client to provide credentials")
	}
	for _, load := range []Loader{failing, func(context.Context) (*class.Class, []class.Record, *class.Exam, error) { return nil, nil, nil, nil }} {
		_, _, err := runClassCmd(t, newClassReportCmd(load), "report", "--out", out)
		if err == nil || !strings.Contains(err.Error(), "read the class") {
			t.Errorf("error %v", err)
		}
		if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
			t.Errorf("a report was written: %v", statErr)
		}
	}
}
