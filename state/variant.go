package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// variantFile is the file in a lab's workspace that records which variant
// of the lab was started (hidden, so it is not an answer file).
const variantFile = ".variant.json"

// variantRecord is the variant file's content.
type variantRecord struct {
	Lab     string `json:"lab"`
	Variant uint64 `json:"variant"`
}

// SaveVariant records in a lab's workspace which variant of it was
// started (atomically: a crash leaves the previous record or the new
// one).
func (d Dirs) SaveVariant(labID string, n uint64) error {
	return SaveVariantIn(d.Workspace(labID), labID, n)
}

// SaveVariantIn records the started variant of a lab in workspace ws.
func SaveVariantIn(ws, labID string, n uint64) error {
	data, err := json.Marshal(variantRecord{Lab: labID, Variant: n})
	if err != nil {
		return err
	}
	path := filepath.Join(ws, variantFile)
	removeStaleTemps(path)
	if err := WriteFileAtomic(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("record the lab's variant: %w", err)
	}
	return nil
}

// LoadVariant is the variant of a lab that was started last, and whether
// one was recorded. A workspace from before variants existed (or none at
// all) has no record: variant 0, the lab's default values. A record that
// cannot be read is an error naming the file, never silently variant 0.
func (d Dirs) LoadVariant(labID string) (uint64, bool, error) {
	path := filepath.Join(d.Workspace(labID), variantFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return 0, false, nil // no workspace (under a file: none either)
	}
	if err != nil {
		return 0, false, err
	}
	var rec variantRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return 0, false, fmt.Errorf("%s: not a variant record (%v): delete it, or start the lab again", path, err)
	}
	if rec.Lab != labID {
		return 0, false, fmt.Errorf("%s: records lab %q, not %s: delete it, or start the lab again", path, rec.Lab, labID)
	}
	return rec.Variant, true, nil
}
