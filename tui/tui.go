// Package tui is ckadlab's terminal user interface (Bubble Tea + Lip Gloss):
// a home screen with the cluster panel, a lab browser, the task view (task
// Markdown, progressive hints, solution, reset, shell and editor
// hand-off) and a check screen that streams results check by check.
//
// Each screen is a component (a tea.Model with a help.KeyMap and SetSize,
// see screen.go) that owns its state, its messages and its slow work: the
// check screen its streaming runs, the task screen its rendering, reset and
// hand-off, the stats and exam screens their loading, saving and grading.
// Screens talk to the root only through messages (navigateMsg, backMsg,
// flashMsg, askMsg). The root Model keeps the size, the global keys, the
// catalog, the progress, the cluster, a navigation stack, the flash line
// and the dialog, and routes every other message to the screen that owns
// it. Update and View do no I/O: every slow operation is a tea.Cmd that
// answers with a typed message.
package tui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Model is the root model. It keeps the terminal's size, the global keys
// (quit, help), the catalog, the progress and the cluster (in common, for
// the screens to read), navigation, the flash line and the dialog. Every
// other message belongs to a screen and is routed to it.
type Model struct {
	c      *common
	keys   KeyMap
	styles Styles
	help   help.Model
	cancel context.CancelFunc

	width, height int
	screens       [numScreens]screen
	current       screenID
	stack         []screenID // the screens to go back to, last on top
	dialog        component  // a question or a picker drawn over the current screen, gets the keys

	clusterTick bool // the elapsed-time tick is running
	flash       string
	flashErr    bool
}

// New builds the root model. Cancelling ctx (or quitting) cancels any work
// in flight.
func New(ctx context.Context, cfg Config) *Model {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Cluster.Backend == "" {
		cfg.Cluster = OfflineCluster()
	}
	ctx, cancel := context.WithCancel(ctx)
	m := &Model{keys: DefaultKeyMap(), styles: NewStyles(cfg.Color), cancel: cancel, help: help.New()}
	profile := termenv.Ascii
	if cfg.Color {
		profile = lipgloss.ColorProfile()
	}
	m.c = &common{keys: &m.keys, styles: &m.styles, cfg: &cfg, log: cfg.Log, cluster: cfg.Cluster,
		spin:    spinner.New(spinner.WithSpinner(spinner.Dot)),
		mdStyle: markdownStyle(cfg.Color, cfg.LightBackground), profile: profile, home: lookupEnv(cfg.Environ, "HOME"),
		ctx: ctx, work: &sync.WaitGroup{}}
	if !cfg.Color {
		plain, bold := lipgloss.NewStyle(), lipgloss.NewStyle().Bold(true)
		m.help.Styles = help.Styles{Ellipsis: plain, ShortKey: bold, ShortDesc: plain, ShortSeparator: plain,
			FullKey: bold, FullDesc: plain, FullSeparator: plain}
	}
	m.screens = [numScreens]screen{
		screenHome:       newHome(m.c),
		screenBrowser:    newBrowser(m.c),
		screenTask:       newTask(m.c),
		screenCheck:      newCheck(m.c),
		screenExam:       newExam(m.c, cfg.Exam),
		screenExamReport: newExamReport(m.c, cfg.Exam),
		screenStats:      newStats(m.c),
	}
	if e := cfg.Exam; e != nil {
		m.current = screenExam
		if e.Done() {
			m.current = screenExamReport
		}
	}
	return m
}

// Init starts loading the labs and the learner's progress, and listens for
// cluster events.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{loadCatalog(m.c.cfg.LoadCatalog, m.c.log), m.c.loadProgress()}
	for _, s := range m.screens {
		cmds = append(cmds, s.Init())
	}
	if m.c.cfg.ClusterEvents != nil {
		cmds = append(cmds, waitCluster(m.c.cfg.ClusterEvents))
	}
	if m.c.cluster.Phase == ClusterStarting {
		m.clusterTick = true
		cmds = append(cmds, clusterTick())
		if m.c.cfg.Animate {
			cmds = append(cmds, m.c.spin.Tick)
		}
	}
	return tea.Batch(cmds...)
}

// Run runs the TUI on the terminal until the learner quits, then waits
// (briefly) for cancelled work to finish.
func Run(ctx context.Context, cfg Config, opts ...tea.ProgramOption) error {
	m := New(ctx, cfg)
	opts = append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, opts...)
	p := tea.NewProgram(m, opts...)
	_, err := p.Run()
	m.cancel()
	m.Wait(3 * time.Second)
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Wait waits up to d for the model's background work (a check run, a
// reset) to finish after cancellation; it reports whether it did.
func (m *Model) Wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { m.c.work.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Update handles the root's own messages and routes the rest: keys to the
// dialog or the current screen, a screen's own messages to it, anything
// else to every screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, m.broadcast(tea.WindowSizeMsg{Width: m.width, Height: m.bodyHeight()})
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	case catalogMsg:
		m.c.cat = msg.cat
		return m, m.broadcast(msg)
	case progressMsg:
		if msg.err != nil {
			m.flash, m.flashErr = "progress: "+msg.err.Error(), true
			return m, nil
		}
		m.c.progress = msg.p
		return m, m.broadcast(msg)
	case ClusterStatus, clusterTickMsg, clusterClosedMsg:
		return m, m.clusterUpdate(msg)
	case spinner.TickMsg:
		if msg.ID == m.c.spin.ID() {
			return m, m.clusterUpdate(msg)
		}
	case navigateMsg:
		return m, m.navigate(msg.to, msg.open)
	case backMsg:
		if n := len(m.stack); n > 0 {
			m.show(m.stack[n-1])
			m.stack = m.stack[:n-1]
			m.layout()
		}
		return m, nil
	case flashMsg:
		if msg.scoped && msg.from != m.current {
			return m, nil // about a screen no longer shown
		}
		m.flash, m.flashErr = msg.text, msg.err
		return m, nil
	case askMsg:
		m.dialog = newConfirm(m.c, msg.q)
		m.layout()
		return m, nil
	case answeredMsg:
		m.dialog = nil
		m.layout()
		if msg.yes {
			return m, m.route(msg.q.yes)
		}
		return m, nil
	case pickMsg:
		m.dialog = newPick(m.c, msg.q)
		m.layout()
		return m, nil
	case pickedMsg:
		m.dialog = nil
		m.layout()
		if msg.pick != nil {
			return m, m.route(msg.pick)
		}
		return m, nil
	}
	return m, m.route(msg)
}

// route delivers a message to the screen that owns it, or to every screen.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	if msg == nil {
		return nil
	}
	if o, ok := msg.(ownedMsg); ok {
		_, cmd := m.screens[o.owner()].Update(msg)
		return cmd
	}
	return m.broadcast(msg)
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.screens))
	for _, s := range m.screens {
		_, cmd := s.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// navigate shows a screen, remembering the current one for back, and
// sends the screen open.
func (m *Model) navigate(to screenID, open ownedMsg) tea.Cmd {
	if to != m.current {
		m.stack = append(m.stack, m.current)
		m.show(to)
	}
	m.layout()
	if open == nil {
		return nil
	}
	return m.route(open)
}

// show makes a screen the current one. A flash was about the screen it
// was shown on, so it goes.
func (m *Model) show(id screenID) {
	m.current, m.flash = id, ""
}

// clusterUpdate follows the cluster: its status events, the elapsed-time
// tick while it starts, and the spinner.
func (m *Model) clusterUpdate(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ClusterStatus:
		m.c.cluster = msg
		cmds := []tea.Cmd{waitCluster(m.c.cfg.ClusterEvents)}
		if msg.Phase == ClusterStarting {
			cmds = append(cmds, m.c.spin.Tick)
			if !m.clusterTick {
				m.clusterTick = true
				cmds = append(cmds, clusterTick())
			}
		}
		return tea.Batch(cmds...)
	case clusterTickMsg:
		// Keeps the elapsed time moving while the cluster starts.
		if m.c.cluster.Phase != ClusterStarting {
			m.clusterTick = false
			return nil
		}
		return clusterTick()
	case spinner.TickMsg:
		// Spin only while the cluster comes up.
		if m.c.cluster.Phase != ClusterStarting || !m.c.cfg.Animate {
			return nil
		}
		var cmd tea.Cmd
		m.c.spin, cmd = m.c.spin.Update(msg)
		return cmd
	}
	return nil
}

// handleKey deals with global keys, then hands the key to the dialog or
// the current screen.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	m.flash = ""
	if key.Matches(msg, m.keys.ForceQuit) {
		return m.quit()
	}
	if m.tooSmall() {
		if key.Matches(msg, m.keys.Quit) {
			return m.quit()
		}
		return nil
	}
	if !m.keysTaken(msg) {
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m.quit()
		case key.Matches(msg, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
			desc := "more keys"
			if m.help.ShowAll {
				desc = "fewer keys"
			}
			m.keys.Help.SetHelp("?", desc)
			m.layout()
			return nil
		}
	}
	_, cmd := m.active().Update(msg)
	m.layout()
	return cmd
}

// keysTaken reports whether a key (q, ?) is not a global key now: a
// dialog waits for its answer, or the screen takes the key as text.
func (m *Model) keysTaken(msg tea.KeyMsg) bool {
	if m.dialog != nil {
		return true
	}
	c, ok := m.screens[m.current].(capturer)
	return ok && c.takesText(msg)
}

func (m *Model) quit() tea.Cmd {
	m.cancel() // the work in flight runs under this context
	return tea.Quit
}

// active is the component receiving keys: the dialog, or the current screen.
func (m *Model) active() component {
	if m.dialog != nil {
		return m.dialog
	}
	return m.screens[m.current]
}

func (m *Model) tooSmall() bool {
	return m.width < MinWidth || m.height < MinHeight
}

// layout gives every screen (and the dialog) its size: the body is what
// the header bar, the status line and the help leave.
func (m *Model) layout() {
	if m.width == 0 {
		return
	}
	bodyH := m.bodyHeight()
	for _, s := range m.screens {
		s.SetSize(m.width, bodyH)
	}
	if m.dialog != nil {
		m.dialog.SetSize(m.width, bodyH)
	}
}
