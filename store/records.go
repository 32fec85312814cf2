package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Attempt is one graded run of a lab's checks.
type Attempt struct {
	ID      int64
	Lab     string
	Domain  string
	At      time.Time
	Score   int
	Max     int
	Cluster string // offline, kind, context:NAME
	// Exam is the exam the attempt was graded in ("" for practice).
	Exam string
	// Unanswered marks an exam task the learner left blank (no answer in
	// its workspace; on a live cluster, not marked attempted and no point
	// earned). It stays with its exam, but is no attempt of the lab: lab
	// summaries (stats, drills) leave it out.
	Unanswered bool
	Duration   time.Duration
	Checks     []CheckResult
}

// Full reports whether the attempt earned every point.
func (a Attempt) Full() bool { return a.Max > 0 && a.Score == a.Max }

// CheckResult is one check of an attempt.
type CheckResult struct {
	ID       string
	Passed   bool
	Ungraded bool
	Points   int
	Max      int
	Expected string
	Observed string
	Why      string
}

func toMS(t time.Time) int64 { return t.UnixMilli() }

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: toMS(t), Valid: true}
}

func fromNullMS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMS(n.Int64)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RecordStart records that a lab was started (exam "" for practice).
func (d *DB) RecordStart(lab string, at time.Time, exam string) error {
	if lab == "" {
		return errors.New("record start: no lab")
	}
	return d.tx(context.Background(), func(t *sql.Tx) error {
		_, err := t.Exec(`INSERT INTO starts (lab, at_ms, exam_id) VALUES (?, ?, ?)`, lab, toMS(at), nullString(exam))
		return err
	})
}

// RecordAttempt stores an attempt and its check results in one
// transaction and returns its id.
func (d *DB) RecordAttempt(a Attempt) (int64, error) {
	if err := a.valid(); err != nil {
		return 0, err
	}
	var id int64
	err := d.tx(context.Background(), func(t *sql.Tx) error {
		var err error
		id, err = insertAttempt(t, a)
		return err
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

func (a Attempt) valid() error {
	if a.Lab == "" {
		return errors.New("record attempt: no lab")
	}
	if a.Score < 0 || a.Max < 0 || a.Score > a.Max {
		return fmt.Errorf("record attempt of %s: score %d/%d is impossible", a.Lab, a.Score, a.Max)
	}
	if a.Unanswered && a.Exam == "" {
		return fmt.Errorf("record attempt of %s: only an exam task can be unanswered", a.Lab)
	}
	return nil
}

// insertAttempt inserts an attempt and its check results in t.
func insertAttempt(t *sql.Tx, a Attempt) (int64, error) {
	res, err := t.Exec(`INSERT INTO attempts (lab, domain, at_ms, score, max, cluster, exam_id, unanswered, duration_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Lab, a.Domain, toMS(a.At), a.Score, a.Max, a.Cluster, nullString(a.Exam), b2i(a.Unanswered), a.Duration.Milliseconds())
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if len(a.Checks) == 0 {
		return id, nil
	}
	st, err := t.Prepare(`INSERT INTO check_results (attempt_id, seq, check_id, passed, ungraded, points, max, expected, observed, why)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	for i, c := range a.Checks {
		if _, err := st.Exec(id, i, c.ID, b2i(c.Passed), b2i(c.Ungraded), c.Points, c.Max, c.Expected, c.Observed, c.Why); err != nil {
			return 0, err
		}
	}
	return id, nil
}

const attemptColumns = `id, lab, domain, at_ms, score, max, cluster, exam_id, unanswered, duration_ms`

// Attempts lists attempts, oldest first: of one lab, or of every lab when
// lab is "" (unanswered exam tasks included). Check results are not
// loaded (see Checks).
func (d *DB) Attempts(lab string) ([]Attempt, error) {
	q := `SELECT ` + attemptColumns + ` FROM attempts`
	var args []any
	if lab != "" {
		q += ` WHERE lab = ?`
		args = append(args, lab)
	}
	q += ` ORDER BY at_ms, id`
	return d.queryAttempts(q, args...)
}

// ExamAttempts lists the attempts graded in an exam, in grading order.
func (d *DB) ExamAttempts(exam string) ([]Attempt, error) {
	return d.queryAttempts(`SELECT `+attemptColumns+` FROM attempts WHERE exam_id = ? ORDER BY id`, exam)
}

func (d *DB) queryAttempts(q string, args ...any) ([]Attempt, error) {
	rows, err := d.db.Query(q, args...)
	if err != nil {
		return nil, d.wrap(err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var at, dur int64
		var exam sql.NullString
		var unanswered int
		if err := rows.Scan(&a.ID, &a.Lab, &a.Domain, &at, &a.Score, &a.Max, &a.Cluster, &exam, &unanswered, &dur); err != nil {
			return nil, d.wrap(err)
		}
		a.At, a.Exam, a.Duration = fromMS(at), exam.String, time.Duration(dur)*time.Millisecond
		a.Unanswered = unanswered != 0
		out = append(out, a)
	}
	return out, d.wrap(rows.Err())
}

// Checks returns the check results of an attempt, in lab order.
func (d *DB) Checks(attemptID int64) ([]CheckResult, error) {
	rows, err := d.db.Query(`SELECT check_id, passed, ungraded, points, max, expected, observed, why
		FROM check_results WHERE attempt_id = ? ORDER BY seq`, attemptID)
	if err != nil {
		return nil, d.wrap(err)
	}
	defer rows.Close()
	var out []CheckResult
	for rows.Next() {
		var c CheckResult
		var passed, ungraded int
		if err := rows.Scan(&c.ID, &passed, &ungraded, &c.Points, &c.Max, &c.Expected, &c.Observed, &c.Why); err != nil {
			return nil, d.wrap(err)
		}
		c.Passed, c.Ungraded = passed != 0, ungraded != 0
		out = append(out, c)
	}
	return out, d.wrap(rows.Err())
}

// LabSummary is what is known about one lab: the attempts in the database
// plus any progress imported from progress.json. Starts in a mock exam and
// exam tasks left blank are not part of it: a lab the learner never
// worked on in an exam is not "started" or "failed" because the exam drew it.
type LabSummary struct {
	Lab    string
	Domain string // from the latest attempt ("" when never graded here)
	// Attempts counts graded attempts (practice and answered exam tasks);
	// ExamAttempts how many of them were exam tasks.
	Attempts     int
	ExamAttempts int
	// Best is the best score; Max the latest maximum.
	Best, Max int
	// BestExam is the exam whose task earned the best score ("" when a
	// practice attempt did, or earned as much).
	BestExam string
	// LastExam is the exam the latest attempt was graded in ("" for
	// practice).
	LastExam string
	// Last is the latest attempt (zero when none is stored).
	LastScore, LastMax int
	// Streak is how many attempts in a row, up to the latest, earned full
	// marks (0 when the latest did not).
	Streak int
	// LastFailed are the check ids the latest attempt failed.
	LastFailed   []string
	FirstStarted time.Time
	LastStarted  time.Time
	LastChecked  time.Time
	// Imported is set when part of this comes from progress.json.
	Imported bool
}

// LastSeen is the latest start or check.
func (s *LabSummary) LastSeen() time.Time {
	if s.LastStarted.After(s.LastChecked) {
		return s.LastStarted
	}
	return s.LastChecked
}

// Status is where a learner stands on a lab: the one rule every view of
// progress uses (the lab list, the browser, stats, drills).
type Status string

const (
	StatusNew     Status = "new"     // never started or graded
	StatusStarted Status = "started" // started (or graded), no point earned yet
	StatusPartial Status = "partial" // some points, never all
	StatusPassed  Status = "passed"  // full marks at least once
)

// Status is the lab's status from its summary; a nil summary (nothing
// recorded) is StatusNew.
func (s *LabSummary) Status() Status {
	switch {
	case s == nil:
		return StatusNew
	case s.Max > 0 && s.Best >= s.Max:
		return StatusPassed
	case s.Best > 0:
		return StatusPartial
	}
	return StatusStarted
}

// Summaries returns a summary for every lab that was started, graded or
// imported, by lab id.
func (d *DB) Summaries() (map[string]*LabSummary, error) {
	out := map[string]*LabSummary{}
	get := func(lab string) *LabSummary {
		s, ok := out[lab]
		if !ok {
			s = &LabSummary{Lab: lab}
			out[lab] = s
		}
		return s
	}
	// Practice starts (an exam sets up every task it draws, seen or not).
	rows, err := d.db.Query(`SELECT lab, MIN(at_ms), MAX(at_ms) FROM starts WHERE exam_id IS NULL GROUP BY lab`)
	if err != nil {
		return nil, d.wrap(err)
	}
	for rows.Next() {
		var lab string
		var first, last int64
		if err := rows.Scan(&lab, &first, &last); err != nil {
			rows.Close()
			return nil, d.wrap(err)
		}
		s := get(lab)
		s.FirstStarted, s.LastStarted = fromMS(first), fromMS(last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, d.wrap(err)
	}
	// Attempts, oldest first, so the latest is applied last.
	all, err := d.Attempts("")
	if err != nil {
		return nil, err
	}
	lastID := map[string]int64{}
	for _, a := range all {
		if a.Unanswered {
			continue
		}
		s := get(a.Lab)
		s.Attempts++
		if a.Exam != "" {
			s.ExamAttempts++
		}
		switch {
		case s.Attempts == 1 || a.Score > s.Best:
			s.BestExam = a.Exam
		case a.Score == s.Best && a.Exam == "":
			s.BestExam = ""
		}
		s.Domain = a.Domain
		s.Best = max(s.Best, a.Score)
		s.Max, s.LastScore, s.LastMax, s.LastExam = a.Max, a.Score, a.Max, a.Exam
		if a.Full() {
			s.Streak++
		} else {
			s.Streak = 0
		}
		if a.At.After(s.LastChecked) {
			s.LastChecked = a.At
		}
		lastID[a.Lab] = a.ID
	}
	for lab, id := range lastID {
		checks, err := d.Checks(id)
		if err != nil {
			return nil, err
		}
		for _, c := range checks {
			if !c.Passed && !c.Ungraded {
				out[lab].LastFailed = append(out[lab].LastFailed, c.ID)
			}
		}
	}
	// Imported progress.json entries add to what the database has.
	rows, err = d.db.Query(`SELECT lab, status, best, max, attempts, started_ms, last_checked_ms FROM imported_progress`)
	if err != nil {
		return nil, d.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var lab, status string
		var best, mx, attempts int
		var started, checked sql.NullInt64
		if err := rows.Scan(&lab, &status, &best, &mx, &attempts, &started, &checked); err != nil {
			return nil, d.wrap(err)
		}
		s := get(lab)
		s.Imported = true
		s.Attempts += attempts
		if best > s.Best {
			s.BestExam = ""
		}
		s.Best = max(s.Best, best)
		if s.Max == 0 {
			s.Max = mx
		}
		if _, own := lastID[lab]; !own && attempts > 0 {
			// Only the best score is known: the latest attempt is taken to
			// be it, so a passed lab is due for review, not failed.
			s.LastScore, s.LastMax = best, mx
			if mx > 0 && best == mx {
				s.Streak = 1
			}
		}
		if t := fromNullMS(started); !t.IsZero() {
			if s.FirstStarted.IsZero() || t.Before(s.FirstStarted) {
				s.FirstStarted = t
			}
			if t.After(s.LastStarted) {
				s.LastStarted = t
			}
		}
		if t := fromNullMS(checked); t.After(s.LastChecked) {
			s.LastChecked = t
		}
	}
	return out, d.wrap(rows.Err())
}
