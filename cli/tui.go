package cli

import (
	"context"
	"fmt"
	"github.com/go-logr/logr"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/tui"
)

// LogFile is the TUI's log, in the XDG state directory.
const LogFile = "ckadlab.log"

// runTUI is `ckadlab` with no subcommand: the TUI on a terminal; the lab
// listing (runHome) with --json or when stdin/stdout is not a terminal, so
// scripts still get a listing.
func (a *app) runTUI(cmd *cobra.Command, args []string) error {
	if len(args) > 0 || a.jsonOut || !isTerminal(a.stdout) || !isTerminal(a.stdin) {
		return a.runHome(cmd, args)
	}
	mgr, err := a.manager()
	if err != nil {
		return err
	}
	mgr.Kind.Events = nil // never write to the terminal the TUI owns
	logger, closeLog, err := openLog(mgr.Dirs.State)
	if err != nil {
		return err
	}
	defer closeLog()
	// A live cluster comes up in the background; its steps show on the
	// home screen (never on the terminal) while the learner browses.
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	status, events := clusterFeed(ctx, mgr, logger, a.now)

	color := a.tuiColor()
	if !color {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	cfg := tui.Config{
		LoadCatalog:   func() (*labs.Catalog, error) { return a.catalog() },
		Session:       mgr,
		Dirs:          mgr.Dirs,
		Cluster:       status,
		ClusterEvents: events,
		Color:         color,
		// Asked once, before the program owns the terminal.
		LightBackground: color && !lipgloss.HasDarkBackground(),
		Animate:         os.Getenv("TERM") != "dumb",
		Environ:         os.Environ(),
		NewVariant:      (*labs.Lab).RandomVariant,
		Now:             a.now,
		Log:             logger,
	}
	logger.Info("tui start", "version", Version, "cluster", mgr.Cluster.String(), "color", color, "term", os.Getenv("TERM"))
	err = tui.Run(ctx, cfg, tea.WithInput(a.stdin), tea.WithOutput(a.stdout))
	if err != nil {
		logger.Error("tui", "err", err)
		return err
	}
	logger.Info("tui quit")
	return nil
}

// tuiColor is whether the TUI uses colours: not with --no-color, NO_COLOR
// or TERM=dumb.
func (a *app) tuiColor() bool {
	if a.noColor || os.Getenv("TERM") == "dumb" {
		return false
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	return !noColor
}

// openLog opens the log file in the state directory (appending). The
// standard logger goes there too, so no library ever writes on the screen.
func openLog(dir string) (*slog.Logger, func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create the state directory for the log: %w", err)
	}
	path := filepath.Join(dir, LogFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open the log: %w", err)
	}
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(f)
	// client-go and kind log through klog, to stderr by default.
	klog.ClearLogger()
	klog.LogToStderr(false)
	klog.SetOutput(f)
	logger := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
	prevLive := session.LiveLogf
	session.LiveLogf = log.Printf
	return logger, func() {
		session.LiveLogf = prevLive
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		klog.SetOutput(io.Discard)
		klog.SetLogger(logr.Discard())
		f.Close()
	}, nil
}

// isTerminal reports whether r or w is a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
