package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// This file holds the tea.Cmds: every piece of I/O the TUI does.

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

func (m *Model) loadProgress() tea.Cmd {
	sess, log := m.c.cfg.Session, m.log
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

// startCheck cancels a check in flight and starts a new run for lab,
// streaming each result into the program through a channel.
func (m *Model) startCheck(l *labs.Lab) tea.Cmd {
	if m.checkCancel != nil {
		m.checkCancel()
		m.checkCancel = nil
	}
	m.screen = screenCheck
	m.checkRun++
	run := m.checkRun
	spin := m.check.begin(l, run)
	layout := m.layout()
	if c := m.c.cluster; c.Phase != ClusterReady {
		err := fmt.Errorf("the cluster (%s) is %s: browse and read meanwhile, and check once it is ready", c.Backend, c.Phase)
		if c.Err != nil {
			err = fmt.Errorf("the cluster (%s) failed: %v", c.Backend, c.Err)
		}
		m.check.done(nil, err)
		return layout
	}
	if m.c.cfg.Session == nil {
		m.check.done(nil, errors.New("no session configured"))
		return layout
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.checkCancel = cancel
	results := make(chan tea.Msg, len(l.Checks)+1)
	m.work.Add(1)
	return tea.Batch(layout, spin, runCheck(ctx, m.c.cfg.Session, l, run, results, m.log, m.work.Done), waitResult(results))
}

// ensureStarted starts a lab that has no workspace yet or whose setup is
// missing on the live cluster (never started there, or the cluster was
// recreated), so a shell or editor lands in a lab that is there.
func ensureStarted(ctx context.Context, sess Session, l *labs.Lab, log *slog.Logger) error {
	ok, err := sess.Started(ctx, l)
	if err != nil {
		log.Error("is the lab started", "lab", l.ID, "err", err)
		return err
	}
	if ok {
		return nil
	}
	return startLab(ctx, sess, l, log)
}

func startLab(ctx context.Context, sess Session, l *labs.Lab, log *slog.Logger) error {
	info, err := sess.Start(ctx, l)
	if err != nil {
		log.Error("start lab", "lab", l.ID, "err", err)
		return err
	}
	log.Info("lab started", "lab", l.ID, "workspace", info.Workspace, "setup_seconds", info.Seconds)
	return nil
}

// runCheck grades a lab, sending each result on results as it finishes,
// and answers with the report. A lab that is not started (no workspace
// yet, or its setup missing on the live cluster) is started first, so a
// first check works; the common case costs no extra round trip.
func runCheck(ctx context.Context, sess Session, l *labs.Lab, run int, results chan<- tea.Msg, log *slog.Logger, done func()) tea.Cmd {
	return func() tea.Msg {
		defer done()
		defer close(results)
		start := time.Now()
		check := func() (*checker.Report, error) {
			return sess.Check(ctx, l, session.CheckOptions{OnResult: func(r checker.Result) {
				select {
				case results <- checkResultMsg{run: run, res: r}:
				case <-ctx.Done():
				}
			}})
		}
		rep, err := check()
		if errors.Is(err, session.ErrNotStarted) {
			if err := startLab(ctx, sess, l, log); err != nil {
				return checkDoneMsg{run: run, err: err}
			}
			rep, err = check()
		}
		if err != nil {
			if ctx.Err() != nil {
				log.Info("check cancelled", "lab", l.ID)
			} else {
				log.Error("check", "lab", l.ID, "err", err)
			}
			return checkDoneMsg{run: run, err: err}
		}
		log.Info("check finished", "lab", l.ID, "score", rep.Score, "max", rep.Max, "failed", rep.Failed(), "duration", time.Since(start))
		return checkDoneMsg{run: run, rep: rep}
	}
}

// waitResult delivers the next streamed check result; the check screen
// asks for the next one after each (see checkModel.add).
func waitResult(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		if r, ok := msg.(checkResultMsg); ok {
			return checkStreamMsg{checkResultMsg: r, next: waitResult(ch)}
		}
		return msg
	}
}

// checkStreamMsg is a streamed result plus the command that waits for the
// next one.
type checkStreamMsg struct {
	checkResultMsg
	next tea.Cmd
}

func (m *Model) reset(l *labs.Lab) tea.Cmd {
	sess, ctx, log := m.c.cfg.Session, m.ctx, m.log
	m.work.Add(1)
	return func() tea.Msg {
		defer m.work.Done()
		if sess == nil {
			return resetDoneMsg{lab: l, err: errors.New("no session configured")}
		}
		info, err := sess.Reset(ctx, l)
		if err != nil {
			log.Error("reset", "lab", l.ID, "err", err)
		} else {
			log.Info("reset", "lab", l.ID, "moved", info.Moved, "trash", info.Trash)
		}
		return resetDoneMsg{lab: l, info: info, err: err}
	}
}
