package state

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/store"
)

func testDirs(t *testing.T) Dirs {
	t.Helper()
	d := t.TempDir()
	return Dirs{Data: filepath.Join(d, "data"), State: filepath.Join(d, "state")}
}

// A lab with no history is new; the statuses of the others come from the
// database (TestProgressFromTheStore).
func TestUnknownLabIsNew(t *testing.T) {
	p := ProgressOf(nil)
	if got := p.Get("unknown"); got.Status != store.StatusNew || got.Attempts != 0 {
		t.Fatalf("unknown lab = %+v, want new", got)
	}
}

func TestProgressFromTheStore(t *testing.T) {
	d := testDirs(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	p, err := d.LoadProgress()
	if err != nil || len(p.Labs) != 0 {
		t.Fatalf("empty progress = %+v, %v", p, err)
	}
	if _, err := os.Stat(d.DBPath()); err == nil {
		t.Fatal("reading progress created a database")
	}
	steps := []struct {
		start   bool
		lab     string
		score   int
		want    store.Status
		best    int
		attempt int
	}{
		{true, "a", -1, store.StatusStarted, 0, 0},
		{false, "a", 0, store.StatusStarted, 0, 1},
		{false, "a", 3, store.StatusPartial, 3, 2},
		{false, "a", 10, store.StatusPassed, 10, 3},
		{false, "a", 2, store.StatusPassed, 10, 4},
		{false, "b", 5, store.StatusPartial, 5, 1},
	}
	for i, st := range steps {
		if st.start {
			if err := d.RecordStart(st.lab, now, ""); err != nil {
				t.Fatal(err)
			}
		} else if err := d.RecordAttempt(store.Attempt{Lab: st.lab, Domain: "services", At: now.Add(time.Duration(i) * time.Minute), Score: st.score, Max: 10, Cluster: "offline"}); err != nil {
			t.Fatal(err)
		}
		p, err := d.LoadProgress()
		if err != nil {
			t.Fatal(err)
		}
		got := p.Get(st.lab)
		if got.Status != st.want || got.Best != st.best || got.Attempts != st.attempt {
			t.Fatalf("step %d: %+v, want %s best %d attempts %d", i, got, st.want, st.best, st.attempt)
		}
	}
}

// The history (stats, drills) is every lab's summary and the exams, read
// without creating a database for a new learner.
func TestLoadHistory(t *testing.T) {
	d := testDirs(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	h, err := d.LoadHistory()
	if err != nil || len(h.Labs) != 0 || len(h.Exams) != 0 || d.HasProgress() {
		t.Fatalf("a new learner's history = %+v, %v (database created: %v)", h, err, d.HasProgress())
	}
	if err := d.RecordAttempt(store.Attempt{Lab: "a", Domain: "services", At: now, Score: 4, Max: 10, Cluster: "offline"}); err != nil {
		t.Fatal(err)
	}
	err = d.WithStore(func(db *store.DB) error {
		return db.SaveExam(store.ExamRecord{ID: "e1", Seed: 7, Tasks: 3, StartedAt: now, Deadline: now.Add(2 * time.Hour), State: []byte(`{}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err = d.LoadHistory()
	if err != nil || h.Labs["a"].Status() != store.StatusPartial || len(h.Exams) != 1 || h.Exams[0].ID != "e1" {
		t.Fatalf("history = %+v, %v", h, err)
	}
}

func TestProgressJSONIsImported(t *testing.T) {
	d := testDirs(t)
	os.MkdirAll(d.Data, 0o755)
	old := `{"version":1,"labs":{"svc-a":{"status":"passed","best":8,"max":8,"attempts":3,"last_checked":"2026-01-02T00:00:00Z"}}}`
	if err := os.WriteFile(d.progressPath(), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := d.LoadProgress()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Get("svc-a"); got.Status != store.StatusPassed || got.Attempts != 3 || got.Best != 8 {
		t.Fatalf("imported = %+v", got)
	}
	if err := d.RecordAttempt(store.Attempt{Lab: "svc-a", At: time.Now(), Score: 1, Max: 8, Cluster: "offline"}); err != nil {
		t.Fatal(err)
	}
	p, _ = d.LoadProgress()
	if got := p.Get("svc-a"); got.Status != store.StatusPassed || got.Attempts != 4 {
		t.Fatalf("after a new attempt = %+v", got)
	}
}

func TestDamagedProgressIsAnError(t *testing.T) {
	d := testDirs(t)
	os.MkdirAll(d.Data, 0o755)
	if err := os.WriteFile(d.DBPath(), []byte("not a database at all, but long enough"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LoadProgress(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged database: err = %v", err)
	}
	if err := d.RecordStart("a", time.Now(), ""); err == nil {
		t.Fatal("a start was recorded into a damaged database")
	}
	d = testDirs(t)
	os.MkdirAll(d.Data, 0o755)
	if err := os.WriteFile(d.progressPath(), []byte(`{"version": 99, "labs": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LoadProgress(); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer progress.json: err = %v", err)
	}
}

func TestAtomicWriteLeavesNoTemporaryFiles(t *testing.T) {
	d := testDirs(t)
	path := filepath.Join(d.Data, "x.json")
	for range 3 {
		if err := WriteFileAtomic(path, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(d.Data)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
}

func TestWorkspaceResetKeepsAnswers(t *testing.T) {
	d := testDirs(t)
	ws, err := d.PrepareWorkspace("lab1", "# Task", "kind: Namespace\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a.yaml", "b.yml", "notes.txt", ".hidden.yaml"} {
		if err := os.WriteFile(filepath.Join(ws, f), []byte("x: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := AnswerFiles(ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("answer files = %v, want a.yaml and b.yml", files)
	}
	n, trash, err := d.ResetWorkspace("lab1", time.Unix(0, 0))
	if err != nil || n != 2 {
		t.Fatalf("reset = %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(trash, "a.yaml")); err != nil {
		t.Fatalf("answer not kept in trash: %v", err)
	}
	if files, _ := AnswerFiles(ws); len(files) != 0 {
		t.Fatalf("answers left after reset: %v", files)
	}
	if _, err := os.Stat(filepath.Join(ws, "notes.txt")); err != nil {
		t.Fatalf("non-answer file removed: %v", err)
	}
	if n, _, err := d.ResetWorkspace("never-started", time.Now()); n != 0 || err != nil {
		t.Fatalf("reset of unknown lab = %d, %v", n, err)
	}
}

func TestDefaultDirsXDG(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/x/data")
	t.Setenv("XDG_STATE_HOME", "/x/state")
	d, err := DefaultDirs()
	if err != nil {
		t.Fatal(err)
	}
	if d.Data != "/x/data/ckadlab" || d.State != "/x/state/ckadlab" {
		t.Fatalf("dirs = %+v", d)
	}
	t.Setenv("XDG_DATA_HOME", "relative/is/ignored")
	t.Setenv("HOME", "/home/u")
	d, _ = DefaultDirs()
	if d.Data != "/home/u/.local/share/ckadlab" {
		t.Fatalf("relative XDG_DATA_HOME must be ignored, got %s", d.Data)
	}
}

// Atomic writes create files as os.WriteFile does: perm less the umask.
func TestAtomicWriteRespectsUmask(t *testing.T) {
	saved := umask
	defer func() { umask = saved }()
	dir := t.TempDir()
	for _, tt := range []struct {
		mask, perm, want fs.FileMode
	}{
		{0o027, 0o666, 0o640},
		{0o077, 0o644, 0o600},
		{0o000, 0o600, 0o600},
		{0o022, 0o755, 0o755},
	} {
		umask = tt.mask
		p := filepath.Join(dir, "f")
		if err := WriteFileAtomic(p, []byte("x"), tt.perm); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != tt.want {
			t.Errorf("umask %o, perm %o: mode %o, want %o", tt.mask, tt.perm, got, tt.want)
		}
	}
}

// A start killed (kill -9) while writing leaves temporary files; the next
// start removes them, and RemoveInflight removes those of writes still
// running when the process exits on a signal.
func TestStaleTemporaryFilesAreRemoved(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	stale := []string{filepath.Join(ws, "setup", ".setup.yaml.tmp-123"), filepath.Join(ws, ".TASK.md.tmp-456")}
	for _, p := range stale {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	keep := filepath.Join(ws, ".answer.yaml.tmp-1") // not PrepareDir's
	if err := os.WriteFile(keep, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := PrepareDir(ws, "# Task", "kind: Namespace\n"); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left: %v", p, err)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("removed another file's temporary: %v", err)
	}

	busy := filepath.Join(ws, ".x.tmp-9")
	if err := os.WriteFile(busy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	inflight.Store(busy, struct{}{})
	defer inflight.Delete(busy)
	RemoveInflight()
	if _, err := os.Stat(busy); !os.IsNotExist(err) {
		t.Errorf("in-flight temporary left: %v", err)
	}
}
