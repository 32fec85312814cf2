package tui

import (
	"context"
	"errors"
	"log/slog"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// This file holds the root's commands (the catalog, the progress, the
// cluster's events) and the lab start the screens share; each screen's own
// commands live with it.

func loadCatalog(load func() (*labs.Catalog, error), log *slog.Logger) tea.Cmd {
	return func() tea.Msg {
		if load == nil {
			return catalogMsg{err: errors.New("no lab catalog configured")}
		}
		start := time.Now()
		cat, err := load()
		d := time.Since(start)
		if err != nil {
			log.Error("load labs", "err", err)
			return catalogMsg{err: err, dur: d}
		}
		log.Info("labs loaded", "labs", cat.Len(), "duration", d)
		return catalogMsg{cat: cat, dur: d}
	}
}

// loadProgress reads the learner's progress (after a check, a reset, a
// shell); the root keeps it.
func (c *common) loadProgress() tea.Cmd {
	sess, log := c.cfg.Session, c.log
	return func() tea.Msg {
		if sess == nil {
			return nil
		}
		p, err := sess.Progress()
		if err != nil {
			log.Error("load progress", "err", err)
		}
		return progressMsg{p: p, err: err}
	}
}

// waitCluster delivers the next cluster status event.
func waitCluster(ch <-chan ClusterStatus) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		st, ok := <-ch
		if !ok {
			return clusterClosedMsg{}
		}
		return st
	}
}

func clusterTick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return clusterTickMsg{} })
}

// ensureStarted starts a lab that has no workspace yet or whose setup is
// missing on the live cluster (never started there, or the cluster was
// recreated), so a shell or editor lands in a lab that is there. A start
// that could not be recorded in the progress database is a start (logged).
func ensureStarted(ctx context.Context, sess Session, l *labs.Lab, log *slog.Logger) error {
	ok, err := sess.Started(ctx, l)
	if err != nil {
		log.Error("is the lab started", "lab", l.ID, "err", err)
		return err
	}
	if ok {
		return nil
	}
	_, err = startLab(ctx, sess, l, log)
	if notSaved(err) != nil {
		return nil
	}
	return err
}

// startLab starts a lab for practice. The lab is ready also when the error
// is a *session.NotSavedError (only its record is missing): callers say so
// and go on (see notSaved).
func startLab(ctx context.Context, sess Session, l *labs.Lab, log *slog.Logger) (session.StartInfo, error) {
	info, err := sess.Start(ctx, l)
	if ns := notSaved(err); ns != nil {
		log.Warn("lab started, not recorded", "lab", l.ID, "workspace", info.Workspace, "err", err)
		return info, ns
	}
	if err != nil {
		log.Error("start lab", "lab", l.ID, "err", err)
		return info, err
	}
	log.Info("lab started", "lab", l.ID, "workspace", info.Workspace, "setup_seconds", info.Seconds)
	return info, nil
}

// notSaved is err when it says that a result (a started lab, a grade) was
// produced but not recorded in the progress database, else nil.
func notSaved(err error) *session.NotSavedError {
	var ns *session.NotSavedError
	if errors.As(err, &ns) {
		return ns
	}
	return nil
}
