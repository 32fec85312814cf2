package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// An exam's blank tasks stay with the exam but are no attempts of their
// labs; answered exam tasks count, marked as exam attempts. Exam starts are
// not practice starts.
func TestExamTasksInSummaries(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.SaveExam(ExamRecord{ID: "e1", Seed: 1, Tasks: 3, StartedAt: t0, Deadline: t0.Add(2 * time.Hour), State: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for _, lab := range []string{"blank", "answered", "practised"} {
		if err := db.RecordStart(lab, t0, "e1"); err != nil {
			t.Fatal(err)
		}
	}
	// Practice before the exam: practised earned full marks once.
	if err := db.RecordStart("practised", t0.Add(-2*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordAttempt(attempt("practised", 10, 10, t0.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(90 * time.Minute)
	blank := Attempt{Lab: "blank", Domain: "ingress", At: at, Max: 8, Cluster: "offline", Exam: "e1", Unanswered: true}
	answered := attempt("answered", 6, 10, at, "c1")
	answered.Exam = "e1"
	practised := attempt("practised", 10, 10, at)
	practised.Exam = "e1"
	for _, a := range []Attempt{blank, answered, practised} {
		if _, err := db.RecordAttempt(a); err != nil {
			t.Fatal(err)
		}
	}
	// Only an exam task can be unanswered.
	bad := blank
	bad.Exam = ""
	if _, err := db.RecordAttempt(bad); err == nil {
		t.Fatal("an unanswered practice attempt was stored")
	}

	sums, err := db.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := sums["blank"]; ok {
		t.Fatalf("a blank exam task is in the summaries: %+v", s)
	}
	a := sums["answered"]
	if a == nil || a.Attempts != 1 || a.ExamAttempts != 1 || a.Best != 6 || a.LastScore != 6 || a.BestExam != "e1" || a.LastExam != "e1" ||
		!a.LastStarted.IsZero() || !a.LastChecked.Equal(at) || len(a.LastFailed) != 1 {
		t.Fatalf("answered = %+v", a)
	}
	p := sums["practised"]
	if p == nil || p.Attempts != 2 || p.ExamAttempts != 1 || p.Best != 10 || p.BestExam != "" || p.LastExam != "e1" ||
		p.Streak != 2 || !p.LastStarted.Equal(t0.Add(-2*time.Hour)) {
		t.Fatalf("practised = %+v", p)
	}
	// The exam keeps every task.
	ea, err := db.ExamAttempts("e1")
	if err != nil || len(ea) != 3 || !ea[0].Unanswered || ea[0].Lab != "blank" || ea[1].Unanswered || ea[2].Unanswered {
		t.Fatalf("exam attempts = %+v, %v", ea, err)
	}
}

// Migrating a version 1 database takes the exam tasks graded 0 that the
// exam never marked attempted as blank.
func TestMigrationMarksBlankExamTasks(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	all, version := migrations, SchemaVersion
	migrations, SchemaVersion = migrations[:1], 1
	db, err := Open(path, Options{})
	migrations, SchemaVersion = all, version
	if err != nil {
		t.Fatal(err)
	}
	state := `{"id":"e1","tasks":[{"lab":"seen","attempted":true},{"lab":"unseen","attempted":false},{"lab":"scored","attempted":false},{"lab":"gone"}]}`
	stmts := []string{
		`INSERT INTO exams (id, seed, tasks, started_ms, deadline_ms, finished_ms, percent, passed, state) VALUES ('e1', 1, 4, 0, 1, 1, 10, 0, '` + state + `')`,
		`INSERT INTO exams (id, seed, tasks, started_ms, deadline_ms, finished_ms, percent, passed, state) VALUES ('e2', 1, 1, 0, 1, 1, 0, 0, 'not json')`,
		`INSERT INTO attempts (lab, domain, at_ms, score, max, cluster, exam_id, duration_ms) VALUES
			('seen', 'services', 1, 0, 10, 'offline', 'e1', 0),
			('unseen', 'services', 1, 0, 10, 'offline', 'e1', 0),
			('scored', 'services', 1, 4, 10, 'offline', 'e1', 0),
			('gone', 'services', 1, 0, 10, 'offline', 'e1', 0),
			('damaged', 'services', 1, 0, 10, 'offline', 'e2', 0),
			('practice', 'services', 1, 0, 10, 'offline', NULL, 0)`,
	}
	for _, s := range stmts {
		if _, err := db.db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Version(); err != nil || v != SchemaVersion {
		t.Fatalf("version %d, %v", v, err)
	}
	got, err := db.Attempts("")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"seen": false, "unseen": true, "scored": false, "gone": true, "damaged": true, "practice": false}
	for _, a := range got {
		if a.Unanswered != want[a.Lab] {
			t.Errorf("%s: unanswered = %v, want %v", a.Lab, a.Unanswered, want[a.Lab])
		}
	}
	sums, err := db.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	for _, lab := range []string{"unseen", "gone", "damaged"} {
		if _, ok := sums[lab]; ok {
			t.Errorf("%s is still in the summaries", lab)
		}
	}
}

// FinishExam records the exam and its attempts together, once: a second
// finish (after a crash, or run twice) records nothing more.
func TestFinishExamOnce(t *testing.T) {
	db, _ := openTemp(t)
	e := ExamRecord{ID: "e1", Seed: 42, Tasks: 2, StartedAt: t0, Deadline: t0.Add(2 * time.Hour), State: []byte(`{"id":"e1"}`)}
	if err := db.SaveExam(e); err != nil {
		t.Fatal(err)
	}
	var tasks []Attempt
	for _, lab := range []string{"svc-a", "svc-b"} {
		a := attempt(lab, 5, 10, t0.Add(time.Hour), "c1")
		a.Exam = "e1"
		tasks = append(tasks, a)
	}
	// Refused before anything is written: an unfinished record, an
	// attempt of another exam.
	if _, err := db.FinishExam(e, tasks); err == nil {
		t.Fatal("an exam without a finish time was finished")
	}
	done := e
	done.FinishedAt, done.Percent, done.Passed, done.State = t0.Add(time.Hour), 50, false, []byte(`{"id":"e1","done":true}`)
	stray := append([]Attempt{}, tasks...)
	stray[1].Exam = "e2"
	if _, err := db.FinishExam(done, stray); err == nil {
		t.Fatal("an attempt of another exam was recorded with e1")
	}
	if ea, _ := db.ExamAttempts("e1"); len(ea) != 0 {
		t.Fatalf("a refused finish recorded %d attempts", len(ea))
	}

	got, err := db.FinishExam(done, tasks)
	if err != nil || string(got.State) != string(done.State) {
		t.Fatalf("finish: %+v %v", got, err)
	}
	again := done
	again.Percent, again.State = 100, []byte(`{"id":"e1","second":true}`)
	got, err = db.FinishExam(again, tasks)
	if !errors.Is(err, ErrExamFinished) || string(got.State) != string(done.State) || got.Percent != 50 {
		t.Fatalf("second finish: %+v %v", got, err)
	}
	ea, err := db.ExamAttempts("e1")
	if err != nil || len(ea) != 2 {
		t.Fatalf("attempts after finishing twice: %d %v", len(ea), err)
	}
	if cs, err := db.Checks(ea[0].ID); err != nil || len(cs) != 2 {
		t.Fatalf("checks of a finished exam's attempt: %v %v", cs, err)
	}
	if rec, _ := db.Exam("e1"); rec.Percent != 50 || !rec.Finished() {
		t.Fatalf("stored exam: %+v", rec)
	}
}

// A finished exam is not reopened by a late save of its running state.
func TestSaveDoesNotReopenAFinishedExam(t *testing.T) {
	db, _ := openTemp(t)
	e := ExamRecord{ID: "e1", Seed: 1, Tasks: 1, StartedAt: t0, Deadline: t0.Add(time.Hour), State: []byte(`{"running":true}`)}
	done := e
	done.FinishedAt, done.Percent, done.State = t0.Add(time.Minute), 80, []byte(`{"done":true}`)
	if _, err := db.FinishExam(done, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveExam(e); err != nil {
		t.Fatal(err)
	}
	got, err := db.Exam("e1")
	if err != nil || !got.Finished() || string(got.State) != `{"done":true}` || got.Percent != 80 {
		t.Fatalf("after a late save: %+v %v", got, err)
	}
}
