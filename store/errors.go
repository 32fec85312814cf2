package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	sqlite3 "modernc.org/sqlite/lib"
)

// ErrReadOnly is wrapped by the error of a write to a database that cannot
// be written (a read-only file, directory or file system).
var ErrReadOnly = errors.New("the progress database is read-only")

// ErrDiskFull is wrapped by the error of a write that found no space left
// on the database's file system.
var ErrDiskFull = errors.New("no space left on device")

// WriteError is why a write to the database failed, in the learner's
// words: SQLite says "attempt to write a readonly database" or, on a full
// disk, "disk I/O error".
type WriteError struct {
	Path  string
	Err   error // ErrReadOnly or ErrDiskFull
	Cause error // SQLite's or the system's error
}

func (e *WriteError) Error() string {
	if errors.Is(e.Err, ErrReadOnly) {
		return fmt.Sprintf("the progress database is read-only: %s", e.Path)
	}
	return fmt.Sprintf("cannot write the progress database %s: no space left on device", e.Path)
}

func (e *WriteError) Unwrap() []error { return []error{e.Err, e.Cause} }

// coder is SQLite's error (its Code is the extended result code).
type coder interface{ Code() int }

// diskFull reports whether the file system of path has no space left; a
// var so that tests can say so.
var diskFull = func(path string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		return false
	}
	return st.Bavail == 0
}

// classifyWrite turns a read-only database or a full disk into a
// *WriteError naming path; other errors are returned as they are.
func classifyWrite(path string, err error) error {
	var ce coder
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EROFS):
		return &WriteError{Path: path, Err: ErrReadOnly, Cause: err}
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &WriteError{Path: path, Err: ErrDiskFull, Cause: err}
	case errors.As(err, &ce):
		switch ce.Code() & 0xff {
		case sqlite3.SQLITE_READONLY:
			return &WriteError{Path: path, Err: ErrReadOnly, Cause: err}
		case sqlite3.SQLITE_FULL:
			return &WriteError{Path: path, Err: ErrDiskFull, Cause: err}
		case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			// A failed write or fsync on a full disk is an I/O error to
			// SQLite; the file system says why.
			if diskFull(path) {
				return &WriteError{Path: path, Err: ErrDiskFull, Cause: err}
			}
		}
	}
	return err
}
