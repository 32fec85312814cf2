// Package state owns where ckadlab keeps a learner's files: the XDG
// directories and one workspace folder per lab (where offline answers
// live), whose files it writes atomically (temp file, fsync, rename), so a
// crash never leaves half a file behind. It fronts the progress database
// (package store): it opens it, records starts and attempts, and reads the
// history (LoadHistory) and the progress the lab list shows (LoadProgress)
// without creating a database for a learner who has none.
package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ckadlab/ckadlab/store"
)

// Dirs are ckadlab's directories.
type Dirs struct {
	Data  string // workspaces, progress database ($XDG_DATA_HOME/ckadlab)
	State string // logs ($XDG_STATE_HOME/ckadlab)
}

// DefaultDirs follows the XDG base directory spec, falling back to
// ~/.local/share and ~/.local/state.
func DefaultDirs() (Dirs, error) {
	home, herr := os.UserHomeDir()
	pick := func(env, fallback string) (string, error) {
		if v := os.Getenv(env); v != "" && filepath.IsAbs(v) {
			return filepath.Join(v, "ckadlab"), nil
		}
		if herr != nil {
			return "", fmt.Errorf("cannot find a home directory for ckadlab's files (set %s): %w", env, herr)
		}
		return filepath.Join(home, fallback, "ckadlab"), nil
	}
	data, err := pick("XDG_DATA_HOME", filepath.Join(".local", "share"))
	if err != nil {
		return Dirs{}, err
	}
	st, err := pick("XDG_STATE_HOME", filepath.Join(".local", "state"))
	if err != nil {
		return Dirs{}, err
	}
	return Dirs{Data: data, State: st}, nil
}

// Workspace is the folder of one lab: the learner's answer files (*.yaml at
// its top level) plus a setup/ folder with the lab's setup for reference.
func (d Dirs) Workspace(labID string) string {
	return filepath.Join(d.Data, "workspace", labID)
}

// umask is the process's file mode creation mask, read once at start
// (syscall.Umask both reads and sets it, so it is read before any other
// goroutine creates files).
var umask = func() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}()

// inflight holds the temporary files WriteFileAtomic is writing, for
// RemoveInflight.
var inflight sync.Map

// tempPattern is the name of WriteFileAtomic's temporary file for path.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, fsyncs it and renames it into place. The file gets perm less
// the umask, as os.WriteFile would create it.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return err
	}
	tmp := f.Name()
	inflight.Store(tmp, struct{}{})
	defer inflight.Delete(tmp)
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(perm &^ umask); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// RemoveInflight removes the temporary files of the atomic writes still
// in progress: a process that exits on a signal without waiting for them
// calls it last, so that nothing half-written is left.
func RemoveInflight() {
	inflight.Range(func(k, _ any) bool {
		os.Remove(k.(string))
		return true
	})
}

// removeStaleTemps removes temporary files that an atomic write of path
// left when its process was killed (kill -9 cannot be caught).
func removeStaleTemps(path string) {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern(path)))
	for _, p := range stale {
		if _, busy := inflight.Load(p); !busy {
			os.Remove(p)
		}
	}
}

// ExamWorkspace is the folder of one task of a mock exam: exams start
// from empty workspaces, apart from the learner's practice answers.
func (d Dirs) ExamWorkspace(examID, labID string) string {
	return filepath.Join(d.Data, "exams", examID, labID)
}

// PrepareWorkspace creates a lab's workspace (keeping any answers already
// there) and writes setup/setup.yaml and TASK.md for reference.
func (d Dirs) PrepareWorkspace(labID, task, setupYAML string) (string, error) {
	return PrepareDir(d.Workspace(labID), task, setupYAML)
}

// PrepareDir makes ws a workspace: it creates the folder (keeping any
// answers already there) and writes setup/setup.yaml and TASK.md.
func PrepareDir(ws, task, setupYAML string) (string, error) {
	if err := os.MkdirAll(ws, 0o755); err != nil {
		return "", fmt.Errorf("create workspace: %w", err)
	}
	// A start killed while writing left its temporary files: remove them.
	removeStaleTemps(filepath.Join(ws, "setup", "setup.yaml"))
	removeStaleTemps(filepath.Join(ws, "TASK.md"))
	if err := WriteFileAtomic(filepath.Join(ws, "setup", "setup.yaml"), []byte(setupHeader+setupYAML), 0o644); err != nil {
		return "", fmt.Errorf("write setup: %w", err)
	}
	if err := WriteFileAtomic(filepath.Join(ws, "TASK.md"), []byte(task), 0o644); err != nil {
		return "", fmt.Errorf("write task: %w", err)
	}
	return ws, nil
}

const setupHeader = `# What this lab created before you started (for reference; edits here are ignored).
# To change one of these objects, copy it into a .yaml file in the folder above and edit it there:
# an answer object with the same kind, namespace and name replaces the setup's, like kubectl apply.
`

// AnswerFiles lists the answer files of a workspace (top-level *.yaml,
// *.yml and *.json, not hidden), sorted.
func AnswerFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		switch strings.ToLower(filepath.Ext(n)) {
		case ".yaml", ".yml", ".json":
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}

// ResetWorkspace moves the answer files of a lab into
// .trash/<timestamp>/ inside the workspace (nothing the learner wrote is
// deleted) and returns how many files were moved and where.
func (d Dirs) ResetWorkspace(labID string, now time.Time) (int, string, error) {
	ws := d.Workspace(labID)
	files, err := AnswerFiles(ws)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	if len(files) == 0 {
		return 0, "", nil
	}
	trash := filepath.Join(ws, ".trash", now.UTC().Format("20060102T150405.000Z"))
	if err := os.MkdirAll(trash, 0o755); err != nil {
		return 0, "", err
	}
	for _, f := range files {
		if err := os.Rename(f, filepath.Join(trash, filepath.Base(f))); err != nil {
			return 0, "", err
		}
	}
	return len(files), trash, nil
}

// LabProgress is what is known about one lab, as the lab list and the
// browser show it.
type LabProgress struct {
	Status      store.Status
	Best        int
	Max         int
	Attempts    int
	StartedAt   time.Time
	LastChecked time.Time
}

// Progress maps lab ids to progress. It is read from the progress
// database (see package store) by Dirs.LoadProgress; the database is
// written with Dirs.RecordStart and Dirs.RecordAttempt.
type Progress struct {
	Labs map[string]*LabProgress
}

// progressPath is the progress file of ckadlab before the database; it is
// imported into the database once, and left in place.
func (d Dirs) progressPath() string { return filepath.Join(d.Data, "progress.json") }

// DBPath is the progress database.
func (d Dirs) DBPath() string { return filepath.Join(d.Data, store.FileName) }

// OpenStore opens the progress database (creating it, and importing an
// earlier progress.json, on first use). The caller closes it.
func (d Dirs) OpenStore() (*store.DB, error) {
	return store.Open(d.DBPath(), store.Options{LegacyProgress: d.progressPath()})
}

// WithStore opens the database, runs f and closes it.
func (d Dirs) WithStore(f func(*store.DB) error) error {
	db, err := d.OpenStore()
	if err != nil {
		return err
	}
	ferr := f(db)
	cerr := db.Close()
	if ferr != nil {
		return ferr
	}
	return cerr
}

// LoadProgress reads every lab's progress from the database (see
// LoadHistory: nothing is created, and a damaged or newer database is an
// error).
func (d Dirs) LoadProgress() (*Progress, error) {
	h, err := d.LoadHistory()
	if err != nil {
		return nil, err
	}
	return ProgressOf(h.Labs), nil
}

// History is the learner's history: every lab's summary, by lab id, and
// the mock exams, newest first.
type History struct {
	Labs  map[string]*store.LabSummary
	Exams []store.ExamRecord
}

// LoadHistory reads the learner's history from the database. With neither
// a database nor an earlier progress.json there is nothing to read, and
// nothing is created. A damaged or newer database (or progress.json) is an
// error naming the file: progress is never reset silently.
func (d Dirs) LoadHistory() (History, error) {
	h := History{Labs: map[string]*store.LabSummary{}}
	if !d.HasProgress() {
		return h, nil
	}
	err := d.WithStore(func(db *store.DB) error {
		var err error
		if h.Labs, err = db.Summaries(); err != nil {
			return err
		}
		h.Exams, err = db.Exams()
		return err
	})
	if err != nil {
		return History{}, err
	}
	return h, nil
}

// HasProgress reports whether there is any progress to read: the
// database, or an earlier progress.json to import.
func (d Dirs) HasProgress() bool { return exists(d.DBPath()) || exists(d.progressPath()) }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// ProgressOf is the progress of every lab in sums, as the lab list and
// the browser show it.
func ProgressOf(sums map[string]*store.LabSummary) *Progress {
	p := &Progress{Labs: make(map[string]*LabProgress, len(sums))}
	for id, s := range sums {
		p.Labs[id] = &LabProgress{Status: s.Status(), Best: s.Best, Max: s.Max, Attempts: s.Attempts,
			StartedAt: s.LastStarted, LastChecked: s.LastChecked}
	}
	return p
}

// RecordStart records in the database that a lab was started (exam is the
// exam it belongs to, "" for practice).
func (d Dirs) RecordStart(labID string, now time.Time, exam string) error {
	return d.WithStore(func(db *store.DB) error { return db.RecordStart(labID, now.UTC(), exam) })
}

// RecordAttempt records a graded attempt and its check results.
func (d Dirs) RecordAttempt(a store.Attempt) error {
	return d.WithStore(func(db *store.DB) error {
		_, err := db.RecordAttempt(a)
		return err
	})
}

// Get returns a lab's progress (StatusNew when unknown, or when p is nil:
// not read yet).
func (p *Progress) Get(labID string) LabProgress {
	if p == nil {
		return LabProgress{Status: store.StatusNew}
	}
	if lp, ok := p.Labs[labID]; ok {
		return *lp
	}
	return LabProgress{Status: store.StatusNew}
}
