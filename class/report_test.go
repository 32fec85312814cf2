package class

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func labsBoard(t *testing.T) *Board {
	recs := []Record{
		rec("alice", "np-a", 5, 2, "a", "b"),
		rec("alice", "svc-b", 7, 1, "a", "!b"),
		rec("bob", "np-a", 8, 3, "!a", "b"),
		rec("eve", "np-a", 2, 1, "a"),
	}
	return BuildBoard(roster(t, []string{"svc-b", "np-a"}, "alice", "bob", "carol"), recs, nil)
}

func examBoard(t *testing.T) *Board {
	ex := &Exam{ID: "e1", Seed: 42, Tasks: 2, Duration: time.Hour, Start: t0}
	recs := []Record{
		examRec("alice", "e1", 1, "svc-a", "services", 40, 10, "a", "b"),
		examRec("alice", "e1", 2, "np-b", "networkpolicy", 60, 20, "a", "!b"),
		examRec("bob", "e1", 2, "np-b", "networkpolicy", 60, 30, "!a", "!b"),
		rec("bob", "np-b", 3, 1, "a"),
	}
	return BuildBoard(roster(t, nil, "alice", "bob"), recs, ex)
}

const labsMD = `# Class ckad-mon: labs

- Learners: 3 (2 with results)
- Labs: 2; class mean (learners with results): 62.5%; full marks in every lab: 0 of 3

A cell is the learner's last run: ✓ full marks, ◐ some points, ✗ none, · not run; (n) attempts.

## Results

| Learner | svc-b | np-a | Total |
|---|---|---|---:|
| alice | ◐ 5/10 (1) | ✓ 10/10 (2) | 1/2 ✓, 75% |
| bob | · | ◐ 5/10 (3) | 0/2 ✓, 50% |
| carol | · | · | not started |
| **Class** | 0/1 ✓, 50% | 1/2 ✓, 75% | 62.5% |

## Checks most failed

| Lab | Check | Failing | Learners failing |
|---|---|---:|---|
| svc-b | ` + "`b`" + ` | 1 of 1 | alice |
| np-a | ` + "`a`" + ` | 1 of 2 | bob |

## Records not on the board

- eve, np-a: learner "eve" is not in the roster of class ckad-mon
`

const labsCSV = `class,exam,learner,column,task,lab,domain,ran,score,max,percent,passed,attempts,at,note
ckad-mon,,alice,svc-b,,svc-b,networkpolicy,true,5,10,50,false,1,2026-03-14T09:07:00Z,
ckad-mon,,alice,np-a,,np-a,networkpolicy,true,10,10,100,true,2,2026-03-14T09:05:00Z,
ckad-mon,,bob,svc-b,,svc-b,networkpolicy,false,0,0,0,false,0,,
ckad-mon,,bob,np-a,,np-a,networkpolicy,true,5,10,50,false,3,2026-03-14T09:08:00Z,
ckad-mon,,carol,svc-b,,svc-b,networkpolicy,false,0,0,0,false,0,,
ckad-mon,,carol,np-a,,np-a,networkpolicy,false,0,0,0,false,0,,
ckad-mon,,eve,,,np-a,networkpolicy,true,5,5,100,true,1,2026-03-14T09:02:00Z,"not on the board: learner ""eve"" is not in the roster of class ckad-mon"
`

const examMD = `# Class ckad-mon: exam e1

- Learners: 2 (2 with results)
- Exam: seed 42, 2 tasks, 1h0m0s, started 2026-03-14T09:00:00Z, deadline 2026-03-14T10:00:00Z
- Class mean: 35%; passed (66% or more): 1 of 2

A cell is the learner's last run: ✓ full marks, ◐ some points, ✗ none, · not run; (n) attempts.

## Results

| Learner | 1 svc-a | 2 np-b | Total |
|---|---|---|---:|
| alice | ✓ 10/10 (1) | ◐ 5/10 (1) | 70% ✓ pass |
| bob | · | ✗ 0/10 (1) | 0% ✗ fail |
| **Class** | 1/1 ✓, 50% | 0/2 ✓, 25% | 35% |

## Checks most failed

| Task | Check | Failing | Learners failing |
|---|---|---:|---|
| 2 np-b | ` + "`b`" + ` | 2 of 2 | alice, bob |
| 2 np-b | ` + "`a`" + ` | 1 of 2 | bob |

## By task

| # | Lab | Domain | Points | Ran | Full marks | Mean |
|---:|---|---|---:|---:|---:|---:|
| 1 | svc-a | Services | 40 | 1 | 1 | 50% |
| 2 | np-b | NetworkPolicy | 60 | 2 | 0 | 25% |

## By domain

| Domain | Tasks | Mean | Full marks in all its tasks |
|---|---:|---:|---:|
| Services | 1 | 50% | 1 of 2 |
| NetworkPolicy | 1 | 25% | 0 of 2 |

Not on this board: 1 record(s) of labs or other exams.
`

const examCSV = `class,exam,learner,column,task,lab,domain,ran,score,max,percent,passed,attempts,at,note
ckad-mon,e1,alice,1,1,svc-a,services,true,10,10,100,true,1,2026-03-14T09:10:00Z,
ckad-mon,e1,alice,2,2,np-b,networkpolicy,true,5,10,50,false,1,2026-03-14T09:20:00Z,
ckad-mon,e1,bob,1,1,svc-a,services,false,0,0,0,false,0,,
ckad-mon,e1,bob,2,2,np-b,networkpolicy,true,0,10,0,false,1,2026-03-14T09:30:00Z,
`

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		name, format, want string
		board              func(*testing.T) *Board
	}{
		{"labs md", FormatMarkdown, labsMD, labsBoard},
		{"labs csv", FormatCSV, labsCSV, labsBoard},
		{"exam md", FormatMarkdown, examMD, examBoard},
		{"exam csv", FormatCSV, examCSV, examBoard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Report(tc.board(t), tc.format, &b); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// keys are a JSON object's field names, sorted.
func keysOf(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The JSON field names are an interface: scripts read them.
func TestReportJSONFields(t *testing.T) {
	var buf bytes.Buffer
	if err := Report(examBoard(t), FormatJSON, &buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		v    any
		want string
	}{
		{"board", doc, "apart class columns domains exam heat mean_percent other_records passed rows"},
		{"column", doc["columns"].([]any)[0], "domain key lab mean_percent of passed points ran task"},
		{"row", doc["rows"].([]any)[0], "cells exam_passed last learner passed percent ran"},
		{"cell", doc["rows"].([]any)[0].(map[string]any)["cells"].([]any)[0], "at attempts lab max passed ran score"},
		{"cell not run", doc["rows"].([]any)[1].(map[string]any)["cells"].([]any)[0], "attempts max passed ran score"},
		{"heat", doc["heat"].([]any)[0], "check failing lab learners ran task"},
		{"domain", doc["domains"].([]any)[0], "domain mean_percent passed tasks"},
	} {
		if got := strings.Join(keysOf(t, tc.v), " "); got != tc.want {
			t.Errorf("%s fields: %s, want %s", tc.what, got, tc.want)
		}
	}
	// It reads back as the same board.
	var back Board
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Mean != 35 || back.Passed != 1 || len(back.Rows) != 2 || back.Rows[0].Cells[1].Score != 5 || back.Exam.Seed != 42 {
		t.Errorf("read back: %+v", back)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestReportErrors(t *testing.T) {
	b := labsBoard(t)
	if err := Report(b, "xlsx", &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "md, csv, json") {
		t.Errorf("unknown format: %v", err)
	}
	if err := Report(nil, FormatMarkdown, &strings.Builder{}); err == nil {
		t.Error("a nil board reported")
	}
	for _, f := range Formats {
		if err := Report(b, f, failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s to a failing writer: %v", f, err)
		}
	}
}

// A learner name or lab id with a | cannot break the Markdown table.
func TestReportMarkdownEscapes(t *testing.T) {
	b := BuildBoard(roster(t, nil, "alice"), []Record{rec("alice", "a|b", 1, 1, "ok", "!x|y")}, nil)
	var s strings.Builder
	if err := Report(b, FormatMarkdown, &s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.String(), "| alice | ◐ 5/10 (1) |") || !strings.Contains(s.String(), `| Learner | a\|b |`) ||
		!strings.Contains(s.String(), "| a\\|b | `x\\|y` | 1 of 1 | alice |") {
		t.Errorf("not escaped:\n%s", s.String())
	}
}
