package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"
)

// MakeReadOnly makes the file at path unwritable for this process, also
// as root (which ignores file modes): chattr +i there, chmod otherwise.
// It skips the test where neither works.
func makeReadOnly(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, 0o444); err != nil {
			t.Skip(err)
		}
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("cannot make %s immutable here: %v %s", path, err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

// A read-only database still reads; a write fails with an error that
// names the file and says it is read-only.
func TestReadOnlyDatabase(t *testing.T) {
	db, path := openTemp(t)
	if _, err := db.RecordAttempt(attempt("svc-a", 3, 10, t0)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	makeReadOnly(t, path)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("a read-only database does not open for reading: %v", err)
	}
	defer db.Close()
	if s, err := db.Summaries(); err != nil || s["svc-a"] == nil {
		t.Fatalf("read: %v %v", s, err)
	}
	_, err = db.RecordAttempt(attempt("svc-a", 4, 10, t0))
	want := "the progress database is read-only: " + path
	var we *WriteError
	if !errors.Is(err, ErrReadOnly) || !errors.As(err, &we) || err.Error() != want {
		t.Fatalf("write: %v, want %q", err, want)
	}
}

// A full file system is "no space left on device", not SQLite's "database
// or disk is full" or "disk I/O error".
func TestFullDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small file system here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	path := filepath.Join(dir, FileName)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	big := attempt("svc-a", 3, 10, t0)
	for range 400 {
		big.Checks = append(big.Checks, CheckResult{ID: "x", Why: strings.Repeat("y", 1000)})
	}
	_, err = db.RecordAttempt(big)
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), path) {
		t.Fatalf("write on a full disk: %v", err)
	}
}

type fakeSQLiteError int

func (e fakeSQLiteError) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e fakeSQLiteError) Code() int     { return int(e) }

func TestClassifyWrite(t *testing.T) {
	defer func(f func(string) bool) { diskFull = f }(diskFull)
	full := false
	diskFull = func(string) bool { return full }
	other := errors.New("something else")
	tests := []struct {
		name string
		err  error
		full bool
		want error // nil: returned as it is
	}{
		{"readonly", fakeSQLiteError(sqlite3.SQLITE_READONLY), false, ErrReadOnly},
		{"readonly extended", fakeSQLiteError(sqlite3.SQLITE_READONLY | 3<<8), false, ErrReadOnly},
		{"full", fakeSQLiteError(sqlite3.SQLITE_FULL), false, ErrDiskFull},
		{"I/O error on a full disk", fakeSQLiteError(sqlite3.SQLITE_IOERR | 3<<8), true, ErrDiskFull},
		{"I/O error with space left", fakeSQLiteError(sqlite3.SQLITE_IOERR), false, nil},
		{"ENOSPC", fmt.Errorf("write: %w", syscall.ENOSPC), false, ErrDiskFull},
		{"EROFS", fmt.Errorf("open: %w", syscall.EROFS), false, ErrReadOnly},
		{"busy", fakeSQLiteError(sqlite3.SQLITE_BUSY), true, nil},
		{"other", other, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full = tt.full
			got := classifyWrite("/x/ckadlab.db", tt.err)
			if tt.want == nil {
				if got != tt.err {
					t.Fatalf("got %v, want the error unchanged", got)
				}
				return
			}
			if !errors.Is(got, tt.want) || !strings.Contains(got.Error(), "/x/ckadlab.db") || !errors.Is(got, tt.err) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
