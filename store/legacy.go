package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// legacyProgress is the progress.json format of ckadlab before the store
// (version 1).
type legacyProgress struct {
	Version int `json:"version"`
	Labs    map[string]struct {
		Status      string    `json:"status"`
		Best        int       `json:"best"`
		Max         int       `json:"max"`
		Attempts    int       `json:"attempts"`
		StartedAt   time.Time `json:"started_at"`
		LastChecked time.Time `json:"last_checked"`
	} `json:"labs"`
}

const legacyMarker = "imported:progress.json"

// importLegacy imports progress.json once. A damaged or newer file is an
// error (the learner's progress is never dropped silently); the marker is
// written in the same transaction as the rows.
func (d *DB) importLegacy(ctx context.Context, path string) error {
	var done int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = ?`, legacyMarker).Scan(&done); err != nil {
		return d.wrap(err)
	}
	if done > 0 {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	var p legacyProgress
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("cannot import your earlier progress: %s is damaged (%v); move it away to start afresh", path, err)
	}
	if p.Version > 1 {
		return fmt.Errorf("cannot import your earlier progress: %s was written by a newer ckadlab (version %d); upgrade ckadlab", path, p.Version)
	}
	return d.tx(ctx, func(t *sql.Tx) error {
		// Another process may have imported it meanwhile.
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = ?`, legacyMarker).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			return nil
		}
		for lab, lp := range p.Labs {
			if lab == "" {
				continue
			}
			if _, err := t.ExecContext(ctx, `INSERT OR REPLACE INTO imported_progress (lab, status, best, max, attempts, started_ms, last_checked_ms)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, lab, lp.Status, lp.Best, lp.Max, lp.Attempts, nullMS(lp.StartedAt), nullMS(lp.LastChecked)); err != nil {
				return err
			}
		}
		_, err := t.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, legacyMarker,
			fmt.Sprintf("%d labs from %s", len(p.Labs), path))
		return err
	})
}

// Imported reports what was imported from progress.json ("" when nothing).
func (d *DB) Imported() (string, error) {
	var v string
	err := d.db.QueryRow(`SELECT value FROM meta WHERE key = ?`, legacyMarker).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, d.wrap(err)
}
