package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", FileName)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func attempt(lab string, score, max int, at time.Time, failed ...string) Attempt {
	a := Attempt{Lab: lab, Domain: "services", At: at, Score: score, Max: max, Cluster: "offline", Duration: 12 * time.Millisecond}
	a.Checks = append(a.Checks, CheckResult{ID: "ok-check", Passed: true, Points: score, Max: score, Expected: "e", Observed: "o"})
	for _, f := range failed {
		a.Checks = append(a.Checks, CheckResult{ID: f, Max: 1, Expected: "allowed", Observed: "refused", Why: "no endpoints"})
	}
	return a
}

func TestOpenCreatesWALSchema(t *testing.T) {
	db, path := openTemp(t)
	v, err := db.Version()
	if err != nil || v != SchemaVersion || SchemaVersion < 1 {
		t.Fatalf("version = %d, %v; want %d", v, err, SchemaVersion)
	}
	var mode string
	if err := db.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	db.Close()
	// Reopening is a no-op migration.
	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
}

func TestAttemptsAndSummaries(t *testing.T) {
	db, _ := openTemp(t)
	steps := []Attempt{
		attempt("svc-a", 3, 10, t0, "c1", "c2"),
		attempt("svc-a", 10, 10, t0.Add(time.Hour)),
		attempt("svc-a", 10, 10, t0.Add(2*time.Hour)),
		attempt("svc-b", 10, 10, t0.Add(time.Hour)),
		attempt("svc-b", 4, 10, t0.Add(3*time.Hour), "c9"),
	}
	for _, a := range steps {
		if _, err := db.RecordAttempt(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordStart("svc-c", t0.Add(5*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	sum, err := db.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lab                          string
		attempts, best, last, streak int
		failed                       string
		lastSeen                     time.Time
	}{
		{"svc-a", 3, 10, 10, 2, "", t0.Add(2 * time.Hour)},
		{"svc-b", 2, 10, 4, 0, "c9", t0.Add(3 * time.Hour)},
		{"svc-c", 0, 0, 0, 0, "", t0.Add(5 * time.Hour)},
	}
	for _, tt := range tests {
		s := sum[tt.lab]
		if s == nil {
			t.Fatalf("no summary for %s", tt.lab)
		}
		if s.Attempts != tt.attempts || s.Best != tt.best || s.LastScore != tt.last || s.Streak != tt.streak ||
			strings.Join(s.LastFailed, ",") != tt.failed || !s.LastSeen().Equal(tt.lastSeen) {
			t.Errorf("%s: %+v", tt.lab, *s)
		}
	}
	list, _ := db.Attempts("svc-a")
	if len(list) != 3 || !list[0].At.Equal(t0) || list[0].Duration != 12*time.Millisecond {
		t.Fatalf("attempts = %+v", list)
	}
	checks, err := db.Checks(list[0].ID)
	if err != nil || len(checks) != 3 || checks[1].ID != "c1" || checks[1].Passed || checks[1].Why != "no endpoints" {
		t.Fatalf("checks = %+v, %v", checks, err)
	}
	if _, err := db.RecordAttempt(Attempt{Lab: "x", Score: 5, Max: 3}); err == nil {
		t.Fatal("an impossible score was stored")
	}
}

// Every view of progress takes a lab's status from its summary: a lab
// with nothing recorded is new, a started or zero-scored one started, some
// points partial, full marks once passed (a worse attempt later keeps it).
func TestLabSummaryStatus(t *testing.T) {
	for _, tt := range []struct {
		s    *LabSummary
		want Status
	}{
		{nil, StatusNew},
		{&LabSummary{}, StatusStarted},
		{&LabSummary{Attempts: 1, Max: 10}, StatusStarted},
		{&LabSummary{Best: 1, Max: 2}, StatusPartial},
		{&LabSummary{Best: 2, Max: 2}, StatusPassed},
		{&LabSummary{Best: 10, Max: 10, LastScore: 2, LastMax: 10}, StatusPassed},
		{&LabSummary{Best: 3}, StatusPartial},
	} {
		if got := tt.s.Status(); got != tt.want {
			t.Errorf("%+v: Status = %s, want %s", tt.s, got, tt.want)
		}
	}
}

func TestExams(t *testing.T) {
	db, _ := openTemp(t)
	if _, ok, err := db.ActiveExam(); ok || err != nil {
		t.Fatalf("active exam in a new database: %v %v", ok, err)
	}
	e := ExamRecord{ID: "e1", Seed: 42, Tasks: 3, StartedAt: t0, Deadline: t0.Add(2 * time.Hour), State: []byte(`{"id":"e1"}`)}
	if err := db.SaveExam(e); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.ActiveExam()
	if err != nil || !ok || got.ID != "e1" || got.Seed != 42 || !got.Deadline.Equal(e.Deadline) || got.Finished() {
		t.Fatalf("active = %+v %v %v", got, ok, err)
	}
	e.FinishedAt, e.Percent, e.Passed = t0.Add(time.Hour), 71.5, true
	if err := db.SaveExam(e); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.ActiveExam(); ok {
		t.Fatal("a graded exam is still active")
	}
	got, err = db.Exam("e1")
	if err != nil || got.Percent != 71.5 || !got.Passed || !got.FinishedAt.Equal(e.FinishedAt) {
		t.Fatalf("exam = %+v, %v", got, err)
	}
	if _, err := db.Exam("nope"); !errors.Is(err, ErrNoExam) {
		t.Fatalf("unknown exam: %v", err)
	}
	a := attempt("svc-a", 1, 10, t0)
	a.Exam = "e1"
	if _, err := db.RecordAttempt(a); err != nil {
		t.Fatal(err)
	}
	a.Exam = "no-such-exam"
	if _, err := db.RecordAttempt(a); err == nil {
		t.Fatal("an attempt of an unknown exam was stored")
	}
	ea, err := db.ExamAttempts("e1")
	if err != nil || len(ea) != 1 {
		t.Fatalf("exam attempts = %v, %v", ea, err)
	}
	if err := db.DeleteExam("e1"); err == nil {
		t.Fatal("an exam with attempts was deleted")
	}
	e2 := ExamRecord{ID: "e2", Seed: 1, Tasks: 1, StartedAt: t0, Deadline: t0.Add(time.Hour), State: []byte(`{}`)}
	if err := db.SaveExam(e2); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordStart("svc-a", t0, "e2"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteExam("e2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exam("e2"); !errors.Is(err, ErrNoExam) {
		t.Fatalf("deleted exam: %v", err)
	}
}

func TestLegacyImport(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "progress.json")
	os.WriteFile(legacy, []byte(`{"version":1,"labs":{
		"svc-a":{"status":"passed","best":10,"max":10,"attempts":4,"started_at":"2026-01-02T03:04:05Z","last_checked":"2026-01-03T00:00:00Z"},
		"np-b":{"status":"partial","best":2,"max":8,"attempts":1}}}`), 0o644)
	path := filepath.Join(dir, FileName)
	db, err := Open(path, Options{LegacyProgress: legacy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordAttempt(attempt("np-b", 5, 8, t0)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A second open does not import again.
	db, err = Open(path, Options{LegacyProgress: legacy})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sum, err := db.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	a, b := sum["svc-a"], sum["np-b"]
	if a == nil || !a.Imported || a.Attempts != 4 || a.Best != 10 || a.Streak != 1 || !a.LastChecked.Equal(time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("svc-a = %+v", a)
	}
	if b == nil || b.Attempts != 2 || b.Best != 5 || b.LastScore != 5 {
		t.Fatalf("np-b = %+v", b)
	}
	if what, _ := db.Imported(); !strings.Contains(what, "2 labs") {
		t.Fatalf("import marker = %q", what)
	}
	if _, err := os.Stat(legacy); err != nil {
		t.Fatal("progress.json was removed")
	}
}

func TestLegacyImportDamaged(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "progress.json")
	os.WriteFile(legacy, []byte(`{"version":1,"labs":{`), 0o644)
	_, err := Open(filepath.Join(dir, FileName), Options{LegacyProgress: legacy})
	if err == nil || !strings.Contains(err.Error(), "progress.json is damaged") {
		t.Fatalf("damaged progress.json: %v", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	db, path := openTemp(t)
	if _, err := db.RecordAttempt(attempt("svc-a", 1, 2, t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade ckadlab") {
		t.Fatalf("newer schema: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("a newer database was changed")
	}
}

func TestCorruptDatabaseIsRefused(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"not a database", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("this is a text file that someone saved here by mistake\n"), 0o644)
		}},
		{"truncated header", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("SQLite for"), 0o644)
		}},
		{"damaged pages", func(t *testing.T, path string) {
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 300 {
				if _, err := db.RecordAttempt(attempt(fmt.Sprintf("lab-%03d", i), 1, 2, t0, "c1", "c2")); err != nil {
					t.Fatal(err)
				}
			}
			// Fold the WAL into the file so the damage hits real pages.
			if _, err := db.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			data, err := os.ReadFile(path)
			if err != nil || len(data) < 8*4096 {
				t.Fatalf("database of %d bytes: %v", len(data), err)
			}
			// Overwrite pages 2.. with garbage, keeping the header page.
			for i := 4096; i < len(data)-4096; i++ {
				data[i] = byte(i*7 + 3)
			}
			os.WriteFile(path, data, 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			tt.corrupt(t, path)
			before, _ := os.ReadFile(path)
			db, err := Open(path, Options{})
			if err == nil {
				db.Close()
				t.Fatal("a damaged database opened")
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), path) {
				t.Fatalf("error = %v", err)
			}
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Fatal("the damaged database was changed (reset?)")
			}
		})
	}
}

func TestConcurrentWriters(t *testing.T) {
	_, path := openTemp(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(path, Options{})
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			for i := range 10 {
				if _, err := db.RecordAttempt(attempt(fmt.Sprintf("w%d", w), i, 10, t0)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, _ := db.Attempts("")
	if len(all) != 40 {
		t.Fatalf("%d attempts, want 40", len(all))
	}
}

// BenchmarkRecordAttempt is the cost of recording one graded attempt with
// 6 check results (one fsync'd WAL transaction).
func BenchmarkRecordAttempt(b *testing.B) {
	db, _ := openTemp(b)
	a := attempt("svc-a", 4, 10, t0, "c1", "c2", "c3", "c4", "c5")
	b.ResetTimer()
	for range b.N {
		if _, err := db.RecordAttempt(a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSummaries reads the summaries of 50 labs with 1,000 attempts.
func BenchmarkSummaries(b *testing.B) {
	db, _ := openTemp(b)
	for i := range 1000 {
		if _, err := db.RecordAttempt(attempt(fmt.Sprintf("lab-%02d", i%50), i%11, 10, t0.Add(time.Duration(i)*time.Minute), "c1")); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := db.Summaries(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen is the cost of opening a database of 5,000 attempts (with
// 3 check results each): the quick_check and the migration check that
// every command pays.
func BenchmarkOpen(b *testing.B) {
	db, path := openTemp(b)
	for i := range 5000 {
		if _, err := db.RecordAttempt(attempt(fmt.Sprintf("lab-%02d", i%50), i%11, 10, t0, "c1", "c2")); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	b.ResetTimer()
	for range b.N {
		d, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}
