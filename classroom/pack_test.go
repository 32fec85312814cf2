package classroom

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ckadlab/ckadlab/labs"
)

func tarGz(t *testing.T, files ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range files {
		body := []byte(strings.Repeat("x", int(h.Size)))
		if h.Typeflag != tar.TypeReg {
			h.Size, body = 0, nil
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestPackRoundTrip(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "b.toml"), []byte("id = 'b'\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.toml"), []byte("id = 'a'\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a lab"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub.toml"), 0o755) // a directory: skipped, as --labs does
	tgz, err := BuildPack(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := BuildPack(dir)
	if !bytes.Equal(tgz, again) {
		t.Errorf("building a pack twice gives different bytes")
	}
	out := t.TempDir()
	names, err := UnpackPack(tgz, out)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"a.toml", "b.toml"}) {
		t.Errorf("unpacked %v", names)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "a.toml")); string(b) != "id = 'a'\n" {
		t.Errorf("a.toml: %q", b)
	}

	cl, _ := fakeCluster()
	ctx := context.Background()
	if _, err := PublishPack(ctx, cl, "room", tgz); err == nil {
		t.Errorf("published a pack to a class that does not exist")
	}
	up(t, cl, newClass(t, "room", "alice"), "")
	if got, info, err := ReadPack(ctx, cl, "room"); got != nil || info != nil || err != nil {
		t.Errorf("no pack yet: %v %v", info, err)
	}
	info, err := PublishPack(ctx, cl, "room", tgz)
	if err != nil {
		t.Fatal(err)
	}
	got, rinfo, err := ReadPack(ctx, cl, "room")
	if err != nil || !bytes.Equal(got, tgz) || rinfo.SHA256 != info.SHA256 || rinfo.Bytes != len(tgz) {
		t.Errorf("read back: %v %+v", err, rinfo)
	}
	if _, err := PublishPack(ctx, cl, "room", make([]byte, MaxConfigMapData+1)); err == nil {
		t.Errorf("published an oversized pack")
	}
}

func TestBuildPackRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(dir string)
		want  string
	}{
		{"empty", func(string) {}, labs.ErrEmptyPack.Error()},
		{"symlink", func(d string) {
			os.WriteFile(filepath.Join(d, "real.txt"), []byte("x"), 0o644)
			os.Symlink(filepath.Join(d, "real.txt"), filepath.Join(d, "a.toml"))
		}, "symbolic link"},
		{"fifo", func(d string) { syscall.Mkfifo(filepath.Join(d, "a.toml"), 0o644) }, "not a regular file"},
		{"big file", func(d string) {
			os.WriteFile(filepath.Join(d, "a.toml"), make([]byte, labs.MaxLabFileSize+1), 0o644)
		}, "larger than"},
		{"too many", func(d string) {
			for i := range MaxPackFiles + 1 {
				os.WriteFile(filepath.Join(d, "l"+strings.Repeat("0", 3)+string(rune('a'+i%26))+strings.Repeat("z", i/26)+".toml"), []byte("x"), 0o644)
			}
		}, "at most"},
		{"odd name", func(d string) { os.WriteFile(filepath.Join(d, "a b.toml"), []byte("x"), 0o644) }, "file name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(dir)
			_, err := BuildPack(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestUnpackPackRefuses(t *testing.T) {
	reg := func(name string, size int64) *tar.Header {
		return &tar.Header{Name: name, Size: size, Mode: 0o644, Typeflag: tar.TypeReg}
	}
	many := []*tar.Header{}
	for i := range MaxPackFiles + 1 {
		many = append(many, reg("l"+strings.Repeat("a", i%50+1)+strings.Repeat("b", i/50)+".toml", 1))
	}
	for _, tc := range []struct {
		name string
		tgz  func(t *testing.T) []byte
		want string
	}{
		{"not gzip", func(*testing.T) []byte { return []byte("plain") }, "not a .tar.gz"},
		{"traversal", func(t *testing.T) []byte { return tarGz(t, reg("../evil.toml", 1)) }, "top level"},
		{"absolute", func(t *testing.T) []byte { return tarGz(t, reg("/etc/evil.toml", 1)) }, "top level"},
		{"subdirectory", func(t *testing.T) []byte { return tarGz(t, reg("d/a.toml", 1)) }, "top level"},
		{"symlink", func(t *testing.T) []byte {
			return tarGz(t, &tar.Header{Name: "a.toml", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
		}, "not a regular file"},
		{"not a lab file", func(t *testing.T) []byte { return tarGz(t, reg("run.sh", 1)) }, "only NAME.toml"},
		{"twice", func(t *testing.T) []byte { return tarGz(t, reg("a.toml", 1), reg("a.toml", 1)) }, "twice"},
		{"big file", func(t *testing.T) []byte { return tarGz(t, reg("a.toml", labs.MaxLabFileSize+1)) }, "larger than"},
		{"too many", func(t *testing.T) []byte { return tarGz(t, many...) }, "more than"},
		{"unpacks too big", func(t *testing.T) []byte {
			var hs []*tar.Header
			for i := range MaxPackBytes/labs.MaxLabFileSize + 1 {
				hs = append(hs, reg("f"+strings.Repeat("x", i+1)+".toml", labs.MaxLabFileSize))
			}
			return tarGz(t, hs...)
		}, "over"},
		{"empty", func(t *testing.T) []byte { return tarGz(t) }, labs.ErrEmptyPack.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := UnpackPack(tc.tgz(t), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil.toml")); err == nil {
				t.Errorf("a file was written outside the directory")
			}
		})
	}
	// A file already there (a symbolic link planted in the directory) is
	// never written through.
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "target")
	os.Symlink(target, filepath.Join(dir, "a.toml"))
	if _, err := UnpackPack(tarGz(t, reg("a.toml", 3)), dir); err == nil {
		t.Errorf("unpacked through a symbolic link")
	}
	if _, err := os.Stat(target); err == nil {
		t.Errorf("the link's target was written")
	}
}
