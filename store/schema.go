package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the schema, one step per version: migrations[i] takes a
// database from version i to version i+1. Steps are only ever appended; a
// released step never changes.
var migrations = []string{
	// 1: starts, attempts with their check results, exams, imported
	// progress.json, and a key/value table for one-off markers.
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE starts (
	id      INTEGER PRIMARY KEY,
	lab     TEXT NOT NULL,
	at_ms   INTEGER NOT NULL,
	exam_id TEXT
);
CREATE INDEX starts_lab ON starts (lab, at_ms);
CREATE TABLE exams (
	id          TEXT PRIMARY KEY,
	seed        INTEGER NOT NULL,
	tasks       INTEGER NOT NULL,
	started_ms  INTEGER NOT NULL,
	deadline_ms INTEGER NOT NULL,
	finished_ms INTEGER,            -- NULL while the exam runs
	percent     REAL,               -- set when graded
	passed      INTEGER,
	state       TEXT NOT NULL       -- the exam (JSON), enough to resume it
);
CREATE INDEX exams_started ON exams (started_ms);
CREATE TABLE attempts (
	id          INTEGER PRIMARY KEY,
	lab         TEXT NOT NULL,
	domain      TEXT NOT NULL,
	at_ms       INTEGER NOT NULL,
	score       INTEGER NOT NULL,
	max         INTEGER NOT NULL,
	cluster     TEXT NOT NULL,
	exam_id     TEXT REFERENCES exams (id),
	duration_ms INTEGER NOT NULL
);
CREATE INDEX attempts_lab ON attempts (lab, at_ms);
CREATE INDEX attempts_exam ON attempts (exam_id);
CREATE TABLE check_results (
	attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	check_id   TEXT NOT NULL,
	passed     INTEGER NOT NULL,
	ungraded   INTEGER NOT NULL,
	points     INTEGER NOT NULL,
	max        INTEGER NOT NULL,
	expected   TEXT NOT NULL,
	observed   TEXT NOT NULL,
	why        TEXT NOT NULL,
	PRIMARY KEY (attempt_id, seq)
);
CREATE TABLE imported_progress (
	lab             TEXT PRIMARY KEY,
	status          TEXT NOT NULL,
	best            INTEGER NOT NULL,
	max             INTEGER NOT NULL,
	attempts        INTEGER NOT NULL,
	started_ms      INTEGER,
	last_checked_ms INTEGER
);
`,
	// 2: an exam task the learner left blank is kept with its exam but is
	// no attempt of the lab (stats, drills, the lab browser). Exam
	// attempts graded before this scored 0 on a task the exam did not
	// mark attempted: those are taken as blank.
	`
ALTER TABLE attempts ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
UPDATE attempts SET unanswered = 1
WHERE exam_id IS NOT NULL AND score = 0 AND NOT EXISTS (
	SELECT 1 FROM exams e, json_each(CASE WHEN json_valid(e.state) THEN e.state ELSE '{}' END, '$.tasks') t
	WHERE e.id = attempts.exam_id
		AND json_extract(t.value, '$.lab') = attempts.lab
		AND json_extract(t.value, '$.attempted') = 1
);
`,
}

// SchemaVersion is the schema this build writes.
var SchemaVersion = len(migrations)

// migrate applies the missing steps, each in its own transaction that also
// bumps user_version, so a crash mid-migration leaves the previous version.
// The version is read again inside the (immediate) transaction, so two
// processes opening a new database at once do not both migrate it.
func (d *DB) migrate(ctx context.Context) error {
	for {
		done := false
		err := d.tx(ctx, func(t *sql.Tx) error {
			var v int
			if err := t.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
				return err
			}
			if v > SchemaVersion {
				return &OpenError{Path: d.path, Err: ErrNewerSchema, Detail: fmt.Sprintf("has schema version %d (written by a newer ckadlab)", v)}
			}
			if v == SchemaVersion {
				done = true
				return nil
			}
			if _, err := t.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrate the schema to version %d: %w", v+1, err)
			}
			// PRAGMA takes no parameters; v+1 is an integer we computed.
			_, err := t.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			var oe *OpenError
			if errors.As(err, &oe) {
				return oe
			}
			return openError(d.path, err)
		}
		if done {
			return nil
		}
	}
}
