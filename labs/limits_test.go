package labs

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// Inputs at the size limit that nest too deep or are too big are refused
// before parsing, with the file, the line and the limit, and within the
// allocation budget.
func TestParseRefusesHostileShapes(t *testing.T) {
	nest := func(open, close string, n int) string {
		return "a = " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n) + "\n"
	}
	tests := []struct {
		name, src, want string
		line            int
	}{
		{"arrays 100k deep", "id = 'x'\n" + nest("[", "]", 100000), "nested more than 32 levels deep, the limit for a lab file", 2},
		{"inline tables 10k deep", nest("{b=", "}", 10000), "nested more than 32 levels deep", 1},
		{"arrays and tables 33 deep", "\n\n" + nest("[{b=", "}]", 17), "nested more than 32 levels deep", 3},
		{"dotted header 10k parts", "[" + strings.Repeat("a.", 9999) + "a]\n", "nested more than 32 levels deep", 1},
		{"dotted key 33 parts", strings.Repeat("a.", 32) + "a = 1\n", "nested more than 32 levels deep", 1},
		{"dotted key under a deep header", "[" + strings.Repeat("a.", 19) + "a]\n" + strings.Repeat("b.", 12) + "b = 1\n", "nested more than 32 levels deep", 2},
		{"long header over many keys", "\n[" + strings.Repeat("h", 300) + "]\n" + strings.Repeat("x = 1\n", 2000), "key path longer than 256 bytes, the limit for a lab file", 2},
		{"long quoted key", "a = { b = 1, \"" + strings.Repeat("k", 300) + "\" = 1 }\n", "key path longer than 256 bytes", 1},
		{"long key under a long header", "[" + strings.Repeat("h", 200) + "]\n" + strings.Repeat("k", 60) + " = 1\n", "key path longer than 256 bytes", 2},
		{"over 1 MiB", "task = '''\n" + strings.Repeat("x", MaxLabFileSize) + "'''\n", "file is larger than 1 MiB, the limit for a lab file", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			lab, errs := Parse("p/x.toml", []byte(tt.src))
			runtime.ReadMemStats(&after)
			if lab != nil || len(errs) != 1 {
				t.Fatalf("got lab %v, errors %v", lab != nil, errs)
			}
			if !strings.Contains(errs[0].Error(), tt.want) || errs[0].File != "p/x.toml" || errs[0].Line != tt.line {
				t.Errorf("error %q (line %d), want %q at line %d", errs[0], errs[0].Line, tt.want, tt.line)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > parseBudget(tt.src) {
				t.Errorf("allocated %d bytes", got)
			}
		})
	}
}

// Nesting within the limit, and brackets, dots and braces inside strings
// and comments, are not counted against it.
func TestDepthWithinAllowsTheLimit(t *testing.T) {
	ok := []string{
		"a = " + strings.Repeat("[", 31) + strings.Repeat("]", 31),
		"[" + strings.Repeat("a.", 30) + "a]\nb = 1",
		strings.Repeat("a.", 31) + "a = 1",
		"a = \"" + strings.Repeat("[", 100) + "\"\n# " + strings.Repeat("{", 100) + "\nb = '''\n" + strings.Repeat("[.", 100) + "\n'''",
		"[\"" + strings.Repeat(".", 100) + "\"]\nx = 1",
		"[" + strings.Repeat("h", 200) + "]\n" + strings.Repeat("k", 50) + " = 1\n",
		"a = [1.5, 2.5, 1979-05-27T07:32:00Z]\nb = { c = 1.5, d.e = 2 }\n[[t]]\n[t.u]\nv = 1",
		"a = \"\"\"\n\\\n[[[[\"\"\"\"\"\nb = 1",
		validLab,
	}
	for _, src := range ok {
		if line, what := shapeWithin([]byte(src), MaxLabDepth, MaxLabKeyLen); what != shapeOK {
			t.Errorf("refused at line %d:\n%.200s", line, src)
		}
	}
}

// Only regular files (or links to them) are read from a pack: a named
// pipe would block for ever and /dev/zero never end. Each is an error
// naming the file, and the other labs still load.
func TestLoadDirRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a-good.toml", validLab)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.toml")); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.toml")
	if l, err := net.Listen("unix", sock); err == nil {
		defer l.Close()
	} else {
		t.Logf("no socket: %v", err)
	}
	if err := os.Symlink(filepath.Join(dir, "a-good.toml"), filepath.Join(dir, "link.toml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling.toml")); err != nil {
		t.Fatal(err)
	}
	labs, err := LoadDir(dir)
	if len(labs) != 1 {
		t.Errorf("loaded %d labs, want the regular file's (its link is a duplicate)", len(labs))
	}
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		filepath.Join(dir, "fifo.toml") + ": a named pipe (FIFO), not a regular file; a lab file must be a regular file",
		filepath.Join(dir, "zero.toml") + ": a device, not a regular file",
		filepath.Join(dir, "dangling.toml") + ": stat: no such file or directory",
		filepath.Join(dir, "link.toml") + ":1: duplicate lab id",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// A file over the limit is refused before it is read whole.
func TestLoadDirRefusesBigFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.toml")
	if err := os.WriteFile(p, []byte("task = '''\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 200<<20); err != nil { // sparse: 200 MiB
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := LoadDir(dir)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), p+": file is larger than 1 MiB") {
		t.Errorf("error %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("allocated %d bytes for a file it refuses", got)
	}
}

// An unreadable pack directory is named in the error.
func TestLoadDirUnreadableNamesTheDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any directory")
	}
	dir := filepath.Join(t.TempDir(), "pack")
	if err := os.Mkdir(dir, 0o000); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "open "+dir+": permission denied") {
		t.Errorf("error %v", err)
	}
}
