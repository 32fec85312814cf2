// Package store is ckadlab's memory of a learner: every lab start, every
// graded attempt with its check results, and every mock exam, in one SQLite
// database (modernc.org/sqlite, pure Go) in the XDG data directory.
// Summaries sums each lab's history up, and LabSummary.Status is the one
// rule for where a learner stands on a lab (new, started, partial, passed).
//
// The database runs in WAL mode with synchronous=FULL, so a committed write
// survives a crash of the process (and of the machine). Its schema is
// versioned (PRAGMA user_version) and migrated forward on open, one
// transaction per version. A damaged file, or one written by a newer
// ckadlab, is an error that says so: the store never resets a database by
// itself.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the database's name in the data directory.
const FileName = "ckadlab.db"

// ErrCorrupt is wrapped by the error Open returns for a damaged database
// (or a file that is not a SQLite database at all).
var ErrCorrupt = errors.New("database is damaged")

// ErrNewerSchema is wrapped by the error Open returns for a database written
// by a newer ckadlab.
var ErrNewerSchema = errors.New("database was written by a newer ckadlab")

// DB is an open store. It is safe for concurrent use, and several processes
// may open the same file (SQLite locking; writers wait up to BusyTimeout).
type DB struct {
	db   *sql.DB
	path string
}

// BusyTimeoutMS is how long a write waits for another writer (another
// ckadlab process) before failing.
const BusyTimeoutMS = 10000

// Options tune Open.
type Options struct {
	// LegacyProgress is the progress.json file of earlier versions. When the
	// database has not imported it yet and the file exists, its per-lab
	// progress is imported once (in the same transaction that records the
	// import), so no learner progress is lost. The file itself is left in
	// place.
	LegacyProgress string
}

// Open opens (creating when needed) the database at path and migrates it to
// the current schema.
func Open(path string, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create the directory of %s: %w", path, err)
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeoutMS))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, openError(path, err)
	}
	d := &DB{db: sdb, path: path}
	if err := d.init(opts); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// checkHeader rejects a file that exists, is not empty and does not start
// with SQLite's magic string, before SQLite sees it.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil // an empty file is a new database
	}
	if n < 16 || !bytes.Equal(head, []byte("SQLite format 3\x00")) {
		return &OpenError{Path: path, Err: ErrCorrupt, Detail: "not a SQLite database"}
	}
	return nil
}

// OpenError is why a database could not be opened.
type OpenError struct {
	Path   string
	Err    error // ErrCorrupt, ErrNewerSchema, or the underlying error
	Detail string
}

func (e *OpenError) Error() string {
	switch {
	case errors.Is(e.Err, ErrCorrupt):
		return fmt.Sprintf("ckadlab's progress database %s is damaged (%s); ckadlab will not reset it by itself: move it away (your lab workspaces are separate and stay) and run ckadlab again to start a new one", e.Path, e.Detail)
	case errors.Is(e.Err, ErrNewerSchema):
		return fmt.Sprintf("ckadlab's progress database %s %s; this ckadlab only knows schema %d: upgrade ckadlab (the database is left untouched)", e.Path, e.Detail, SchemaVersion)
	}
	return fmt.Sprintf("open ckadlab's progress database %s: %v", e.Path, e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// openError classifies a SQLite error met while opening.
func openError(path string, err error) error {
	if isCorrupt(err) {
		return &OpenError{Path: path, Err: ErrCorrupt, Detail: err.Error()}
	}
	if c := classifyWrite(path, err); c != err {
		return c
	}
	return &OpenError{Path: path, Err: err}
}

func isCorrupt(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// init checks the file, then migrates and imports.
func (d *DB) init(opts Options) error {
	ctx := context.Background()
	var v int
	if err := d.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return openError(d.path, err)
	}
	if v > SchemaVersion {
		return &OpenError{Path: d.path, Err: ErrNewerSchema, Detail: fmt.Sprintf("has schema version %d (written by a newer ckadlab)", v)}
	}
	if err := d.quickCheck(ctx); err != nil {
		return err
	}
	if err := d.migrate(ctx); err != nil {
		return err
	}
	if opts.LegacyProgress != "" {
		if err := d.importLegacy(ctx, opts.LegacyProgress); err != nil {
			return err
		}
	}
	return nil
}

// quickCheck runs SQLite's quick_check (a structural check of every page;
// milliseconds for a learner's database).
func (d *DB) quickCheck(ctx context.Context) error {
	rows, err := d.db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return openError(d.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return openError(d.path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return openError(d.path, err)
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		return &OpenError{Path: d.path, Err: ErrCorrupt, Detail: "integrity check: " + strings.Join(problems, "; ")}
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Version is the database's schema version.
func (d *DB) Version() (int, error) {
	var v int
	err := d.db.QueryRow("PRAGMA user_version").Scan(&v)
	return v, err
}

// tx runs f in a write transaction (BEGIN IMMEDIATE), committing when f
// returns nil.
func (d *DB) tx(ctx context.Context, f func(*sql.Tx) error) error {
	t, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.wrap(err)
	}
	if err := f(t); err != nil {
		t.Rollback()
		return d.wrap(err)
	}
	return d.wrap(t.Commit())
}

// wrap names the database in an error, and says so clearly when SQLite
// finds it damaged.
func (d *DB) wrap(err error) error {
	var oe *OpenError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oe):
		return oe
	case isCorrupt(err):
		return &OpenError{Path: d.path, Err: ErrCorrupt, Detail: err.Error()}
	}
	var we *WriteError
	if errors.As(err, &we) {
		return we
	}
	if c := classifyWrite(d.path, err); c != err {
		return c
	}
	return fmt.Errorf("%s: %w", d.path, err)
}
