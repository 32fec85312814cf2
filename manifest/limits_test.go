package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Objects the API server refuses for their size are refused offline with
// its message, naming the file and the object; objects just within the
// limits are accepted.
func TestDecodeSizeLimits(t *testing.T) {
	cm := func(name string, value int) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  k: " + strings.Repeat("v", value) + "\n"
	}
	annotated := func(value int) string {
		return "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    a: " + strings.Repeat("v", value) + "\nspec:\n  ports: [{port: 80}]\n"
	}
	tests := []struct {
		name, yaml string
		want       string // "" when accepted
	}{
		{"ConfigMap data at 1 MiB", cm("ok", MaxConfigMapBytes-1), ""},
		{"ConfigMap data over 1 MiB", cm("big", MaxConfigMapBytes), `a.yaml: document 1 (ConfigMap big), line 5: ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes`},
		{"annotations at 256 KiB", annotated(MaxAnnotationBytes - 1), ""},
		{"annotations over 256 KiB", annotated(MaxAnnotationBytes), `a.yaml: document 1 (Service web), line 5: Service "web" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes`},
		{"data over 1 MiB and object over 1.5 MiB: the data message", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n" +
			"  a: " + strings.Repeat("v", 900<<10) + "\n  b: " + strings.Repeat("v", 700<<10) + "\n",
			`ConfigMap "huge" is invalid: []: Too long`},
		{"object over 3 MiB", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n  labels:\n    a: &v " + strings.Repeat("v", 1<<20) +
			"\n    b: *v\n    c: *v\n    d: *v\n", // aliases: a 1 MiB file, 4 MiB of JSON
			"a.yaml: document 1 (ConfigMap huge), line 1: Request entity too large: limit is 3145728"},
		{"object over 1.5 MiB of labels", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n  labels:\n" +
			labels(1600) + "data: {}\n", "a.yaml: document 1 (ConfigMap huge), line 1: etcdserver: request is too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode("a.yaml", []byte(tt.yaml))
			if tt.want == "" {
				if err != nil || len(objs) != 1 {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// labels writes n labels of about 1 KiB each.
func labels(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("    k" + strconv.Itoa(i) + ": " + strings.Repeat("v", 1000) + "\n")
	}
	return b.String()
}

// A 200 MB answer file fails at once on its size, without being read;
// named pipes and devices among the answers are skipped, not read.
func TestLoadDirBoundsFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("apiVersion: v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 200<<20); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := LoadDir(dir)
	runtime.ReadMemStats(&after)
	var e *Error
	if !errors.As(err, &e) || e.File != big || !strings.Contains(err.Error(), big+": file is larger than 3 MiB, the most ckadlab reads — the API server refuses any request over 3145728 bytes") {
		t.Errorf("error %v", err)
	}
	if strings.Contains(err.Error(), "pipe") || strings.Contains(err.Error(), "zero") {
		t.Errorf("special files reported: %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("allocated %d bytes for a file it refuses", got)
	}
	if _, err := Decode("x.yaml", make([]byte, MaxFileSize+1)); err == nil || !strings.Contains(err.Error(), "x.yaml: file is larger than 3 MiB") {
		t.Errorf("Decode: %v", err)
	}
}

func TestReadFileRefusesSpecialAndBigFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "p.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{fifo, fifo + ": not a regular file"},
		{"/dev/zero", "/dev/zero: not a regular file"},
		{big, big + ": file is larger than 3 MiB"},
		{filepath.Join(dir, "missing.yaml"), "no such file"},
		{ok, ""},
	} {
		data, err := ReadFile(tt.path)
		switch {
		case tt.want == "" && (err != nil || string(data) != "a: 1\n"):
			t.Errorf("%s: %q, %v", tt.path, data, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.path, err, tt.want)
		}
	}
}
