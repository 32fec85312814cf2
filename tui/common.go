package tui

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	"github.com/muesli/termenv"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
)

// common is what every screen reads: the configuration, the keys and
// styles, and the state the root owns (the catalog, the learner's
// progress, the cluster). Only the root writes it.
type common struct {
	keys     *KeyMap
	styles   *Styles
	cfg      *Config
	log      *slog.Logger
	cluster  ClusterStatus
	spin     spinner.Model // the cluster's spinner (header bar, home panel)
	progress *state.Progress
	cat      *labs.Catalog // nil until loaded
	mdStyle  string
	profile  termenv.Profile // for glamour
	home     string          // $HOME, to show paths as ~/…

	// ctx is cancelled when the app quits; work counts the commands that
	// must end before it exits (a check run, a reset).
	ctx  context.Context
	work *sync.WaitGroup
}

// displayPath shows a path under $HOME as ~/….
func (c *common) displayPath(p string) string {
	if c.home != "" && c.home != "/" {
		if rel, err := filepath.Rel(c.home, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return filepath.Join("~", rel)
		}
	}
	return p
}

func (c *common) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

// labProgress is a lab's progress (new when unknown or not yet loaded).
func (c *common) labProgress(id string) state.LabProgress { return c.progress.Get(id) }

// spinnerView is the cluster spinner's frame, or a static marker without
// animation.
func (c *common) spinnerView() string {
	if !c.cfg.Animate {
		return glyphStarted
	}
	return c.spin.View()
}
