// Package srchash hashes the probe agent's sources: the embedded binaries
// record the hash they were built from, and a test compares it with the
// sources in the tree.
package srchash

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Of hashes the non-test Go files of the agent (package probeagent and
// its command) under root, the probeagent directory.
func Of(root string) (string, error) {
	var files []string
	for _, dir := range []string{".", "cmd/ckadlab-probe-agent"} {
		ents, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			return "", err
		}
		for _, e := range ents {
			n := e.Name()
			if e.Type()&fs.ModeType != 0 || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
				continue
			}
			files = append(files, filepath.ToSlash(filepath.Join(dir, n)))
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
