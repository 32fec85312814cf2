package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ExamRecord is a stored exam: a few columns to list and query exams, and
// the exam itself as JSON (see package exam), enough to resume it.
type ExamRecord struct {
	ID         string
	Seed       uint64
	Tasks      int
	StartedAt  time.Time
	Deadline   time.Time
	FinishedAt time.Time // zero while the exam runs
	// Percent and Passed are set once the exam is graded.
	Percent float64
	Passed  bool
	State   []byte
}

// Finished reports whether the exam was graded.
func (e ExamRecord) Finished() bool { return !e.FinishedAt.IsZero() }

// ErrNoExam is returned for an exam id the database does not have.
var ErrNoExam = errors.New("no such exam")

// SaveExam inserts or updates an exam. A finished exam is history: saving
// it again (a screen that saved its navigation late) changes nothing.
func (d *DB) SaveExam(e ExamRecord) error {
	if err := e.valid(); err != nil {
		return err
	}
	return d.tx(context.Background(), func(t *sql.Tx) error { return saveExam(t, e) })
}

func (e ExamRecord) valid() error {
	if e.ID == "" {
		return errors.New("save exam: no id")
	}
	if len(e.State) == 0 {
		return fmt.Errorf("save exam %s: no state", e.ID)
	}
	return nil
}

func saveExam(t *sql.Tx, e ExamRecord) error {
	var pct sql.NullFloat64
	var passed sql.NullInt64
	if e.Finished() {
		pct = sql.NullFloat64{Float64: e.Percent, Valid: true}
		passed = sql.NullInt64{Int64: int64(b2i(e.Passed)), Valid: true}
	}
	_, err := t.Exec(`INSERT INTO exams (id, seed, tasks, started_ms, deadline_ms, finished_ms, percent, passed, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seed = excluded.seed, tasks = excluded.tasks,
			started_ms = excluded.started_ms, deadline_ms = excluded.deadline_ms,
			finished_ms = excluded.finished_ms, percent = excluded.percent,
			passed = excluded.passed, state = excluded.state
		WHERE exams.finished_ms IS NULL`,
		e.ID, int64(e.Seed), e.Tasks, toMS(e.StartedAt), toMS(e.Deadline), nullMS(e.FinishedAt), pct, passed, string(e.State))
	return err
}

// ErrExamFinished is wrapped by FinishExam's error for an exam that was
// already graded: its record is returned as it was stored.
var ErrExamFinished = errors.New("exam already finished")

// FinishExam records a graded exam and the attempts of its tasks in one
// transaction, so that a crash leaves either the exam in progress with
// none of them or the finished exam with all of them. An exam that is
// already finished is left as it is: FinishExam returns its stored record
// and an error wrapping ErrExamFinished, and records nothing, so grading
// an exam twice never records its attempts twice.
func (d *DB) FinishExam(e ExamRecord, attempts []Attempt) (ExamRecord, error) {
	if err := e.valid(); err != nil {
		return e, err
	}
	if !e.Finished() {
		return e, fmt.Errorf("finish exam %s: no finish time", e.ID)
	}
	for _, a := range attempts {
		if a.Exam != e.ID {
			return e, fmt.Errorf("finish exam %s: attempt of %s belongs to exam %q", e.ID, a.Lab, a.Exam)
		}
		if err := a.valid(); err != nil {
			return e, err
		}
	}
	stored := e
	var done bool
	err := d.tx(context.Background(), func(t *sql.Tx) error {
		prev, err := scanExam(t.QueryRow(`SELECT `+examColumns+` FROM exams WHERE id = ?`, e.ID))
		switch {
		case err == nil && prev.Finished():
			stored, done = prev, true
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		for _, a := range attempts {
			if _, err := insertAttempt(t, a); err != nil {
				return err
			}
		}
		return saveExam(t, e)
	})
	if err != nil {
		return e, err
	}
	if done {
		return stored, fmt.Errorf("%w: %s", ErrExamFinished, e.ID)
	}
	return stored, nil
}

const examColumns = `id, seed, tasks, started_ms, deadline_ms, finished_ms, percent, passed, state`

func scanExam(sc interface{ Scan(...any) error }) (ExamRecord, error) {
	var e ExamRecord
	var seed, started, deadline int64
	var finished sql.NullInt64
	var pct sql.NullFloat64
	var passed sql.NullInt64
	var state string
	if err := sc.Scan(&e.ID, &seed, &e.Tasks, &started, &deadline, &finished, &pct, &passed, &state); err != nil {
		return e, err
	}
	e.Seed = uint64(seed)
	e.StartedAt, e.Deadline, e.FinishedAt = fromMS(started), fromMS(deadline), fromNullMS(finished)
	e.Percent, e.Passed = pct.Float64, passed.Int64 != 0
	e.State = []byte(state)
	return e, nil
}

// Exam returns one exam (ErrNoExam when unknown).
func (d *DB) Exam(id string) (ExamRecord, error) {
	e, err := scanExam(d.db.QueryRow(`SELECT `+examColumns+` FROM exams WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("%w %q", ErrNoExam, id)
	}
	return e, d.wrap(err)
}

// ActiveExam returns the latest exam that has not been graded; ok is false
// when there is none.
func (d *DB) ActiveExam() (e ExamRecord, ok bool, err error) {
	e, err = scanExam(d.db.QueryRow(`SELECT ` + examColumns + ` FROM exams WHERE finished_ms IS NULL ORDER BY started_ms DESC, id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, d.wrap(err)
	}
	return e, true, nil
}

// Exams lists every exam, newest first.
func (d *DB) Exams() ([]ExamRecord, error) {
	rows, err := d.db.Query(`SELECT ` + examColumns + ` FROM exams ORDER BY started_ms DESC, id DESC`)
	if err != nil {
		return nil, d.wrap(err)
	}
	defer rows.Close()
	var out []ExamRecord
	for rows.Next() {
		e, err := scanExam(rows)
		if err != nil {
			return nil, d.wrap(err)
		}
		out = append(out, e)
	}
	return out, d.wrap(rows.Err())
}

// DeleteExam removes an exam that has no graded attempts (one whose set-up
// failed). An exam with attempts is history and stays.
func (d *DB) DeleteExam(id string) error {
	return d.tx(context.Background(), func(t *sql.Tx) error {
		var n int
		if err := t.QueryRow(`SELECT COUNT(*) FROM attempts WHERE exam_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("exam %s has %d graded attempts and is kept", id, n)
		}
		if _, err := t.Exec(`DELETE FROM starts WHERE exam_id = ?`, id); err != nil {
			return err
		}
		_, err := t.Exec(`DELETE FROM exams WHERE id = ?`, id)
		return err
	})
}
