package classroom

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/labs"
)

// Bounds of a class pack: it travels in one ConfigMap (MaxConfigMapData
// compressed) and is unpacked on every learner's machine.
const (
	MaxPackFiles = 200
	// MaxPackBytes bounds the unpacked size (a small .tar.gz could
	// otherwise unpack to gigabytes).
	MaxPackBytes = 16 << 20
)

// packFileName is what a file in a pack may be called: a lab file at the
// pack's top level.
var packFileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*\.toml$`)

// BuildPack builds a class pack from a lab directory: its *.toml files
// (what --labs DIR loads), as a .tar.gz. Only regular files are taken: a
// symbolic link, a named pipe or a device among them is an error, as are
// more than MaxPackFiles files, a file over labs.MaxLabFileSize and a
// pack over MaxConfigMapData compressed.
func BuildPack(dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("lab pack %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
			continue // what --labs DIR loads: not subdirectories
		}
		if e.Type()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("lab pack %s: %s is a symbolic link: a published pack holds only regular files (copy the file in)", dir, e.Name())
		}
		if !e.Type().IsRegular() {
			return nil, fmt.Errorf("lab pack %s: %s is not a regular file", dir, e.Name())
		}
		if !packFileName.MatchString(e.Name()) {
			return nil, fmt.Errorf("lab pack %s: file name %q: use letters, digits, '.', '_' and '-'", dir, e.Name())
		}
		names = append(names, e.Name())
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("lab pack %s: %w in this directory", dir, labs.ErrEmptyPack)
	}
	if len(names) > MaxPackFiles {
		return nil, fmt.Errorf("lab pack %s: %d lab files, at most %d are published", dir, len(names), MaxPackFiles)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	total := 0
	for _, n := range names {
		data, err := readRegular(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("lab pack %s: %w", dir, err)
		}
		total += len(data)
		if total > MaxPackBytes {
			return nil, fmt.Errorf("lab pack %s: over %d MiB of lab files", dir, MaxPackBytes>>20)
		}
		hdr := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > MaxConfigMapData {
		return nil, fmt.Errorf("lab pack %s takes %d KiB compressed, over the %d KiB a class pack may take", dir, buf.Len()>>10, MaxConfigMapData>>10)
	}
	return buf.Bytes(), nil
}

// readRegular reads a regular file of at most labs.MaxLabFileSize bytes,
// without following a symbolic link.
func readRegular(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", filepath.Base(path))
	}
	if fi.Size() > labs.MaxLabFileSize {
		return nil, fmt.Errorf("%s is larger than %d KiB, the limit for a lab file", filepath.Base(path), labs.MaxLabFileSize>>10)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, labs.MaxLabFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > labs.MaxLabFileSize {
		return nil, fmt.Errorf("%s is larger than %d KiB, the limit for a lab file", filepath.Base(path), labs.MaxLabFileSize>>10)
	}
	return data, nil
}

// UnpackPack writes a class pack's lab files into dir (which must exist
// and should be empty), with the bounds BuildPack keeps: only regular
// files named NAME.toml at the top level, at most MaxPackFiles of them,
// each at most labs.MaxLabFileSize, MaxPackBytes in all. Anything else in
// the archive is an error, and nothing is written outside dir.
func UnpackPack(tgz []byte, dir string) ([]string, error) {
	if len(tgz) > MaxConfigMapData {
		return nil, fmt.Errorf("the pack takes %d KiB compressed, over %d KiB", len(tgz)>>10, MaxConfigMapData>>10)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("the pack is not a .tar.gz: %v", err)
	}
	tr := tar.NewReader(zr)
	var names []string
	seen := map[string]bool{}
	total := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the pack is not a valid .tar.gz: %v", err)
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		if hdr.Typeflag == tar.TypeDir && (name == "" || name == ".") {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("the pack holds %q, which is not a regular file (a pack holds only lab files)", hdr.Name)
		}
		if !packFileName.MatchString(name) {
			return nil, fmt.Errorf("the pack holds %q: a pack holds only NAME.toml lab files at its top level", hdr.Name)
		}
		if seen[name] {
			return nil, fmt.Errorf("the pack holds %s twice", name)
		}
		seen[name] = true
		if len(names) >= MaxPackFiles {
			return nil, fmt.Errorf("the pack holds more than %d files", MaxPackFiles)
		}
		if hdr.Size > labs.MaxLabFileSize {
			return nil, fmt.Errorf("the pack's %s is larger than %d KiB, the limit for a lab file", name, labs.MaxLabFileSize>>10)
		}
		data, err := io.ReadAll(io.LimitReader(tr, labs.MaxLabFileSize+1))
		if err != nil {
			return nil, fmt.Errorf("the pack's %s: %v", name, err)
		}
		if len(data) > labs.MaxLabFileSize {
			return nil, fmt.Errorf("the pack's %s is larger than %d KiB, the limit for a lab file", name, labs.MaxLabFileSize>>10)
		}
		total += len(data)
		if total > MaxPackBytes {
			return nil, fmt.Errorf("the pack unpacks to over %d MiB", MaxPackBytes>>20)
		}
		if err := writeNew(filepath.Join(dir, name), data); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("the pack: %w", labs.ErrEmptyPack)
	}
	sort.Strings(names)
	return names, nil
}

// writeNew writes a file that must not exist yet (so never through a
// symbolic link left in the directory).
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
