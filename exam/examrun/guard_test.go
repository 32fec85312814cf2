package examrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The guard's rule: open without a database (and none is created), closed
// for the labs of the exam in progress only, open again once it is graded,
// and closed for every lab when the database cannot be read.
func TestGuard(t *testing.T) {
	r := newRunner(t)
	d := r.Mgr.Dirs
	if err := Guard(d, "np-default-deny", "hints"); err != nil {
		t.Fatalf("no database: %v", err)
	}
	if _, err := os.Stat(d.DBPath()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("asking created the database: %v", err)
	}
	e := begin(t, r)
	var closed *ClosedError
	for _, id := range examLabs {
		err := Guard(d, id, "hints")
		if !errors.As(err, &closed) || closed.Lab != id || closed.Exam.ID != e.ID || !closed.Exam.Deadline.Equal(e.Deadline) {
			t.Errorf("%s during the exam: %v", id, err)
		}
	}
	if err := Guard(d, "svc-fix-selector", "hints"); err != nil {
		t.Errorf("a lab outside the exam is closed: %v", err)
	}
	if _, err := r.Grade(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	if err := Guard(d, examLabs[0], "hints"); err != nil {
		t.Errorf("after the exam: %v", err)
	}
	// The review of a finished exam sharing a lab with a running one.
	e2 := begin(t, r)
	if err := GuardReview(d, e); !errors.As(err, &closed) || closed.Exam.ID != e2.ID {
		t.Errorf("review of an exam sharing labs with the running one: %v", err)
	}
	if err := GuardReview(d, e2); err != nil {
		t.Errorf("review of the running exam itself: %v", err)
	}

	if err := os.WriteFile(d.DBPath(), []byte("this is not a database\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var unknown *UnknownError
	for _, id := range []string{examLabs[0], "svc-fix-selector"} {
		if err := Guard(d, id, "hints"); !errors.As(err, &unknown) || unknown.Lab != id {
			t.Errorf("%s with a damaged database: %v", id, err)
		}
	}
	if err := GuardReview(d, e); !errors.As(err, &unknown) {
		t.Errorf("review with a damaged database: %v", err)
	}
	// A data directory that is a file: cannot tell either.
	bad := d
	bad.Data = filepath.Join(d.DBPath(), "sub")
	if err := Guard(bad, "svc-fix-selector", "hints"); !errors.As(err, &unknown) {
		t.Errorf("data dir under a file: %v", err)
	}
}
