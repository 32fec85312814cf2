// Package tui is ckadlab's terminal user interface (Bubble Tea + Lip Gloss):
// a home screen with the cluster panel, a lab browser, the task view (task
// Markdown, progressive hints, solution, reset, shell and editor
// hand-off) and a check screen that streams results check by check.
//
// The root Model routes messages to one small component per screen; each
// component is a tea.Model with a help.KeyMap and SetSize. Update and View do
// no I/O: loading, checking, Markdown rendering, resetting and preparing the
// shell all run in tea.Cmds that answer with typed messages.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
)

// Minimum terminal size; below it the app shows a friendly message instead.
const (
	MinWidth  = 60
	MinHeight = 16
)

// Session is what the TUI needs from a learner's session
// (*session.Manager implements it).
type Session interface {
	// Started reports whether the lab is ready to work on (its workspace
	// exists and, live, its setup is on the cluster).
	Started(ctx context.Context, l *labs.Lab) (bool, error)
	Start(ctx context.Context, l *labs.Lab) (session.StartInfo, error)
	Check(ctx context.Context, l *labs.Lab, opts session.CheckOptions) (*checker.Report, error)
	Reset(ctx context.Context, l *labs.Lab) (session.ResetInfo, error)
	Progress() (*state.Progress, error)
}

// Config is everything the TUI is built from.
type Config struct {
	// LoadCatalog loads the labs; it runs in a command when the app starts.
	LoadCatalog func() (*labs.Catalog, error)
	Session     Session
	// Dirs locate lab workspaces (for the shell and editor hand-off).
	Dirs state.Dirs
	// Cluster is the backend's status at start; ClusterEvents, when set,
	// delivers updates (a backend that is still coming up).
	Cluster       ClusterStatus
	ClusterEvents <-chan ClusterStatus

	// Color enables colours (false for NO_COLOR, --no-color, TERM=dumb).
	Color bool
	// LightBackground picks the light Markdown theme when colour is on.
	LightBackground bool
	// Animate enables the spinner animation (a static marker otherwise).
	Animate bool

	// Environ is the base environment of the shell and the editor
	// (os.Environ()); SHELL, VISUAL and EDITOR are read from it.
	Environ []string
	// Now is the clock (tests inject a fixed one).
	Now func() time.Time
	// Log receives the app's log (a file in the XDG state dir); nil
	// discards it. Nothing is ever logged to the screen.
	Log *slog.Logger

	// Exam, when set, opens the app on this mock exam (its report when it
	// is graded); Exams saves and grades it.
	Exam  *exam.Exam
	Exams ExamService
}

// screenID names the screens.
type screenID int

const (
	screenHome screenID = iota
	screenBrowser
	screenTask
	screenCheck
	screenExam
	screenExamReport
	screenStats
)

func (s screenID) String() string {
	return [...]string{"Home", "Labs", "Task", "Check", "Exam", "Report", "Stats"}[s]
}

// component is one screen (or the confirmation dialog).
type component interface {
	tea.Model
	help.KeyMap
	SetSize(width, height int)
}

// common is the state the screens read: set by the root only.
type common struct {
	keys     *KeyMap
	styles   *Styles
	cfg      *Config
	cluster  ClusterStatus
	progress *state.Progress
	cat      *labs.Catalog // nil until loaded
	mdStyle  string
	profile  termenv.Profile // for glamour
	home     string          // $HOME, to show paths as ~/…
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

// labProgress is a lab's progress (New when unknown or not yet loaded).
func (c *common) labProgress(id string) state.LabProgress {
	if c.progress == nil {
		return state.LabProgress{Status: state.New}
	}
	return c.progress.Get(id)
}

// Model is the root model: it owns the screens and routes messages.
type Model struct {
	c      *common
	keys   KeyMap
	styles Styles
	help   help.Model
	log    *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	work   *sync.WaitGroup

	width, height int
	screen        screenID
	home          *homeModel
	browser       *browserModel
	task          *taskModel
	check         *checkModel
	confirm       *confirmModel
	exam          *examModel
	report        *examReportModel
	stats         *statsModel

	cat         *labs.Catalog
	loadErr     error
	loaded      bool
	clusterTick bool

	checkRun    int
	checkCancel context.CancelFunc

	flash    string
	flashErr bool
	quitting bool
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
	m := &Model{
		keys:   DefaultKeyMap(),
		styles: NewStyles(cfg.Color),
		log:    cfg.Log,
		ctx:    ctx,
		cancel: cancel,
		work:   &sync.WaitGroup{},
	}
	profile := termenv.Ascii
	if cfg.Color {
		profile = lipgloss.ColorProfile()
	}
	m.c = &common{keys: &m.keys, styles: &m.styles, cfg: &cfg, cluster: cfg.Cluster,
		mdStyle: markdownStyle(cfg.Color, cfg.LightBackground), profile: profile, home: lookupEnv(cfg.Environ, "HOME")}
	m.help = help.New()
	if !cfg.Color {
		m.help.Styles = help.Styles{
			Ellipsis: lipgloss.NewStyle(), ShortKey: lipgloss.NewStyle().Bold(true), ShortDesc: lipgloss.NewStyle(),
			ShortSeparator: lipgloss.NewStyle(), FullKey: lipgloss.NewStyle().Bold(true), FullDesc: lipgloss.NewStyle(),
			FullSeparator: lipgloss.NewStyle(),
		}
	}
	m.home = newHome(m.c)
	m.browser = newBrowser(m.c)
	m.task = newTask(m.c)
	m.check = newCheck(m.c)
	m.exam = newExam(m.c, cfg.Exam)
	m.report = newExamReport(m.c)
	m.stats = newStats(m.c)
	if e := cfg.Exam; e != nil {
		m.screen = screenExam
		if e.Done() {
			m.screen = screenExamReport
			m.report.set(e.Result)
		}
	}
	return m
}

// Init starts loading the labs and the learner's progress, and listens for
// cluster events.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{loadCatalog(m.c.cfg.LoadCatalog, m.log), m.loadProgress(), m.home.Init(), m.exam.Init()}
	if m.c.cfg.ClusterEvents != nil {
		cmds = append(cmds, waitCluster(m.c.cfg.ClusterEvents))
	}
	if m.c.cluster.Phase == ClusterStarting {
		m.clusterTick = true
		cmds = append(cmds, clusterTick())
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
	go func() { m.work.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Update routes a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, m.layout()

	case tea.KeyMsg:
		return m, m.handleKey(msg)

	case catalogMsg:
		m.loaded = true
		if msg.err != nil {
			m.loadErr = msg.err
			m.home.loadErr = msg.err
			m.browser.loadErr = msg.err
			return m, nil
		}
		m.cat = msg.cat
		m.c.cat = msg.cat
		m.home.setLabs(msg.cat.All())
		m.browser.setCatalog(msg.cat)
		return m, m.exam.ensureRendered()

	case progressMsg:
		if msg.err != nil {
			m.setFlash("progress: "+msg.err.Error(), true)
			return m, nil
		}
		m.c.progress = msg.p
		m.check.refresh()
		return m, nil

	case ClusterStatus:
		m.c.cluster = msg
		cmds = append(cmds, waitCluster(m.c.cfg.ClusterEvents))
		if msg.Phase == ClusterStarting {
			cmds = append(cmds, m.home.spinner.Tick)
			if !m.clusterTick {
				m.clusterTick = true
				cmds = append(cmds, clusterTick())
			}
		}
		return m, tea.Batch(cmds...)

	case clusterClosedMsg:
		return m, nil

	case clusterTickMsg:
		// Keeps the elapsed time moving while the cluster starts.
		if m.c.cluster.Phase != ClusterStarting {
			m.clusterTick = false
			return m, nil
		}
		return m, clusterTick()

	case spinner.TickMsg:
		var c1, c2 tea.Cmd
		_, c1 = m.home.Update(msg)
		_, c2 = m.check.Update(msg)
		return m, tea.Batch(c1, c2)

	case browseMsg:
		m.screen = screenBrowser
		return m, m.layout()

	case backMsg:
		switch m.screen {
		case screenCheck:
			m.screen = screenTask
		case screenTask:
			m.screen = screenBrowser
		case screenBrowser, screenStats:
			m.screen = screenHome
		}
		return m, m.layout()

	case showStatsMsg:
		m.screen = screenStats
		m.stats.loaded(statsLoadedMsg{})
		return m, tea.Batch(m.layout(), loadStats(m.c.cfg.Dirs, m.cat))

	case statsLoadedMsg:
		m.stats.loaded(msg)
		return m, nil

	case examScreenMsg:
		m.screen = msg.screen
		if msg.screen == screenExamReport && m.exam.e != nil {
			m.report.set(m.exam.e.Result)
		}
		return m, m.layout()

	case openLabMsg:
		m.screen = screenTask
		return m, tea.Batch(m.layout(), m.task.open(msg.lab))

	case renderedMsg:
		_, cmd := m.task.Update(msg)
		return m, cmd

	case flashMsg:
		m.setFlash(msg.text, msg.err)
		return m, nil

	case askMsg:
		m.confirm = newConfirm(m.c, msg.c)
		return m, m.layout()

	case answeredMsg:
		m.confirm = nil
		cmds = append(cmds, m.layout())
		if !msg.yes {
			return m, tea.Batch(cmds...)
		}
		switch msg.c.kind {
		case confirmSolution:
			cmds = append(cmds, m.task.showSolution())
		case confirmReset:
			cmds = append(cmds, m.reset(msg.c.lab))
		}
		return m, tea.Batch(cmds...)

	case resetDoneMsg:
		if msg.err != nil {
			m.setFlash(msg.err.Error(), true)
			return m, nil
		}
		if msg.info.Moved == 0 {
			m.setFlash("Nothing to reset: the workspace has no answer files.", false)
		} else {
			where := m.c.displayPath(msg.info.Trash)
			if rel, err := filepath.Rel(m.c.cfg.Dirs.Workspace(msg.lab.ID), msg.info.Trash); err == nil && !strings.HasPrefix(rel, "..") {
				where = rel + " in the workspace"
			}
			m.setFlash(fmt.Sprintf("Reset: %d answer %s moved to %s", msg.info.Moved, plural(msg.info.Moved, "file", "files"), where), false)
		}
		m.check.forget(msg.lab)
		return m, m.loadProgress()

	case startCheckMsg:
		return m, m.startCheck(msg.lab)

	case checkStreamMsg:
		if msg.run != m.checkRun {
			return m, nil
		}
		m.check.add(msg.res)
		return m, msg.next

	case checkDoneMsg:
		if msg.run != m.checkRun {
			return m, nil
		}
		m.checkCancel = nil
		m.check.done(msg.rep, msg.err)
		return m, m.loadProgress()

	case handoffMsg:
		if msg.kind == handoffShell || msg.kind == handoffEditor {
			return m, m.prepareHandoff(msg.kind, msg.lab)
		}
		return m, nil

	case handoffReadyMsg:
		if msg.err != nil {
			m.setFlash(msg.err.Error(), true)
			return m, nil
		}
		return m, runHandoff(msg)

	case handoffDoneMsg:
		if m.screen == screenExam {
			if msg.err != nil {
				m.setFlash(fmt.Sprintf("The hand-off ended with an error: %v", msg.err), true)
			} else {
				m.setFlash("Back in the exam.", false)
			}
			return m, m.exam.refresh()
		}
		what := "shell"
		if msg.kind == handoffEditor {
			what = "editor"
		}
		if msg.err != nil {
			m.setFlash(fmt.Sprintf("The %s ended with an error: %v", what, msg.err), true)
		} else {
			m.setFlash(fmt.Sprintf("Back from the %s. Press c to check your answer.", what), false)
		}
		return m, m.loadProgress()
	}

	// Anything else goes to the active screen.
	_, cmd := m.active().Update(msg)
	return m, cmd
}

// handleKey deals with global keys, then hands the key to the active screen.
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
	if m.confirm == nil && !m.capturing() {
		switch {
		case m.screen == screenHome && key.Matches(msg, m.keys.Stats):
			return func() tea.Msg { return showStatsMsg{} }
		case key.Matches(msg, m.keys.Quit):
			return m.quit()
		case key.Matches(msg, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
			if m.help.ShowAll {
				m.keys.Help.SetHelp("?", "fewer keys")
			} else {
				m.keys.Help.SetHelp("?", "more keys")
			}
			return m.layout()
		}
	}
	_, cmd := m.active().Update(msg)
	return tea.Batch(cmd, m.layout())
}

// capturing reports whether the active screen is taking typed text.
func (m *Model) capturing() bool {
	return m.screen == screenBrowser && m.browser.filtering
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	if m.checkCancel != nil {
		m.checkCancel()
	}
	m.cancel()
	return tea.Quit
}

func (m *Model) setFlash(s string, isErr bool) {
	m.flash, m.flashErr = s, isErr
}

// active is the component receiving keys.
func (m *Model) active() component {
	if m.confirm != nil {
		return m.confirm
	}
	switch m.screen {
	case screenBrowser:
		return m.browser
	case screenTask:
		return m.task
	case screenCheck:
		return m.check
	case screenExam:
		return m.exam
	case screenExamReport:
		return m.report
	case screenStats:
		return m.stats
	}
	return m.home
}

func (m *Model) tooSmall() bool {
	return m.width < MinWidth || m.height < MinHeight
}

// helpView is the help for the active screen, plus the global keys.
func (m *Model) helpView() string {
	m.help.Width = m.width
	var km help.KeyMap = m.active()
	if m.screen == screenHome && m.confirm == nil {
		km = withStats{km, m.keys.Stats}
	}
	lines := strings.Split(m.help.View(km), "\n")
	for i, l := range lines {
		lines[i] = truncate(l, m.width)
	}
	return strings.Join(lines, "\n")
}

// layout gives every screen its size: the body is what the header bar,
// the status line and the help leave.
func (m *Model) layout() tea.Cmd {
	if m.width == 0 {
		return nil
	}
	bodyH := m.bodyHeight()
	w := m.width
	m.home.SetSize(w, bodyH)
	m.browser.SetSize(w, bodyH)
	m.check.SetSize(w, bodyH)
	m.task.SetSize(w, bodyH)
	m.exam.SetSize(w, bodyH)
	m.report.SetSize(w, bodyH)
	m.stats.SetSize(w, bodyH)
	if m.confirm != nil {
		m.confirm.SetSize(w, bodyH)
	}
	return tea.Batch(m.task.ensureRendered(), m.exam.ensureRendered())
}

// withStats adds the stats key to the home screen's help (the root
// handles the key there).
type withStats struct {
	help.KeyMap
	stats key.Binding
}

func (w withStats) ShortHelp() []key.Binding {
	short := w.KeyMap.ShortHelp()
	if len(short) == 0 {
		return []key.Binding{w.stats}
	}
	return append([]key.Binding{short[0], w.stats}, short[1:]...)
}

func (w withStats) FullHelp() [][]key.Binding {
	full := w.KeyMap.FullHelp()
	if len(full) == 0 {
		return [][]key.Binding{{w.stats}}
	}
	out := append([][]key.Binding{append(append([]key.Binding(nil), full[0]...), w.stats)}, full[1:]...)
	return out
}

func (m *Model) bodyHeight() int {
	return max(1, m.height-2-lipgloss.Height(m.helpView()))
}

// View draws the frame: header bar, the active screen, status line, help.
func (m *Model) View() string {
	if m.width == 0 {
		return "Loading ckadlab…"
	}
	if m.tooSmall() {
		return m.tooSmallView()
	}
	bodyH := m.bodyHeight()
	var body string
	if m.confirm != nil {
		body = m.confirm.View()
	} else {
		body = m.active().View()
	}
	body = lipgloss.NewStyle().Width(m.width).Height(bodyH).MaxHeight(bodyH).MaxWidth(m.width).Render(body)
	return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), body, m.statusView(), m.helpView())
}

func (m *Model) tooSmallView() string {
	s := m.styles
	msg := strings.Join([]string{
		s.Bold.Render("ckadlab needs a bigger terminal"),
		fmt.Sprintf("at least %d×%d; this one is %d×%d.", MinWidth, MinHeight, m.width, m.height),
		"Enlarge the window, or press q to quit.",
	}, "\n")
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center,
		lipgloss.NewStyle().MaxWidth(m.width).Render(msg))
}

// headerView is the top bar: where you are, and the cluster's state.
// Every piece inherits the bar's background, so it runs unbroken.
func (m *Model) headerView() string {
	s := m.styles
	bar := s.HeaderBar
	on := func(st lipgloss.Style, text string) string { return st.Inherit(bar).Render(text) }
	crumbs := []string{on(s.Title, "ckadlab")}
	switch m.screen {
	case screenHome:
		crumbs = append(crumbs, on(s.Crumb, "Home"))
	case screenBrowser:
		crumbs = append(crumbs, on(s.Crumb, "Labs"))
	case screenTask, screenCheck:
		if l := m.task.lab; l != nil {
			crumbs = append(crumbs, on(s.Crumb, l.ID))
		}
		if m.screen == screenCheck {
			crumbs = append(crumbs, on(s.Crumb, "Check"))
		}
	case screenExam:
		crumbs = append(crumbs, on(s.Crumb, "Exam"))
	case screenExamReport:
		crumbs = append(crumbs, on(s.Crumb, "Exam"), on(s.Crumb, "Report"))
		if m.report.review {
			crumbs = append(crumbs, on(s.Crumb, "Review"))
		}
	case screenStats:
		crumbs = append(crumbs, on(s.Crumb, "Stats"))
	}
	left := on(lipgloss.NewStyle(), " ") + strings.Join(crumbs, on(lipgloss.NewStyle(), " › "))
	right := on(m.clusterStyle(), clusterBadge(m.c.cluster, m.c.now(), m.home.spinnerView())) + on(lipgloss.NewStyle(), " ")
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		right = ""
		gap = m.width - lipgloss.Width(left)
	}
	line := left + on(lipgloss.NewStyle(), strings.Repeat(" ", max(0, gap))) + right
	return truncate(line, m.width)
}

// clusterStyle colours the cluster badge by phase (its glyph says the same).
func (m *Model) clusterStyle() lipgloss.Style {
	switch m.c.cluster.Phase {
	case ClusterStarting:
		return m.styles.Warn
	case ClusterFailed:
		return m.styles.Fail
	}
	return m.styles.Muted
}

// statusView is the flash message line (results of actions, errors).
func (m *Model) statusView() string {
	if m.flash == "" {
		return ""
	}
	st := m.styles.StatusOK
	prefix := ""
	if m.flashErr {
		st = m.styles.StatusErr
		prefix = "! "
	}
	return st.MaxWidth(m.width).Render(" " + prefix + truncate(m.flash, m.width-3))
}

// clusterBadge is the short cluster state in the header bar.
func clusterBadge(c ClusterStatus, now time.Time, spin string) string {
	switch c.Phase {
	case ClusterStarting:
		s := c.Backend + " " + spin + " " + orText(c.Step, "starting")
		if !c.Since.IsZero() {
			s += " " + elapsed(now.Sub(c.Since))
		}
		return s
	case ClusterFailed:
		return c.Backend + " " + glyphFail + " failed"
	}
	return "cluster: " + c.Backend + " " + glyphPass
}

func orText(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// elapsed formats a duration as m:ss.
func elapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// truncate cuts s to at most w cells, with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}
