package tui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
)

// checkModel shows a check run: results stream in check by check; each row
// has ✓/✗, points and the description, and a failure shows expected,
// observed and why. The summary score comes when the run is done.
type checkModel struct {
	c       *common
	lab     *labs.Lab
	run     int                // the current run; messages of earlier runs are dropped
	cancel  context.CancelFunc // stops the run in flight
	results map[string]checker.Result
	// notice says what the run did besides checking (the lab set up
	// again first); settingUp is set while it does.
	notice    string
	settingUp bool
	rep       *checker.Report
	err       error
	// notSaved says what of the run was done but not recorded in the
	// progress database, and why (the score is shown all the same).
	notSaved []error
	running  bool
	details  bool // also explain passed checks
	whyFull  bool // explain with the whole path, not only the cause

	spinner       spinner.Model
	vp            viewport.Model
	width, height int
}

// checkHeaderLines is the height of the summary above the results.
const checkHeaderLines = 4

func newCheck(c *common) *checkModel {
	return &checkModel{c: c, spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), vp: newViewport(c.keys)}
}

// Check messages: a run is asked for (the task's c key navigates here with
// it), streams one checkStreamMsg per finished check, then checkDoneMsg.
type (
	runCheckMsg    struct{ lab *labs.Lab }
	checkResultMsg struct {
		run int
		res checker.Result
	}
	// checkStreamMsg is a streamed result plus the command that waits for
	// the next one.
	checkStreamMsg struct {
		checkResultMsg
		next tea.Cmd
	}
	// checkNoticeMsg is what a run says besides results: the lab is
	// being set up first (setup), or was (its text stays above the
	// results); next waits for what follows.
	checkNoticeMsg struct {
		run   int
		text  string
		setup bool
		next  tea.Cmd
	}
	checkDoneMsg struct {
		run      int
		rep      *checker.Report
		err      error
		notSaved []error
	}
	// answersResetMsg says a lab's answers were set aside: results shown
	// for it are stale.
	answersResetMsg struct{ lab *labs.Lab }
)

func (runCheckMsg) owner() screenID     { return screenCheck }
func (checkStreamMsg) owner() screenID  { return screenCheck }
func (checkNoticeMsg) owner() screenID  { return screenCheck }
func (checkDoneMsg) owner() screenID    { return screenCheck }
func (answersResetMsg) owner() screenID { return screenCheck }

// start cancels a run in flight and starts a new run of lab, streaming
// each result into the program through a channel.
func (m *checkModel) start(l *labs.Lab) tea.Cmd {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	m.run++
	spin := m.begin(l)
	if c := m.c.cluster; c.Phase != ClusterReady {
		err := fmt.Errorf("the cluster (%s) is %s: browse and read meanwhile, and check once it is ready", c.Backend, c.Phase)
		if c.Err != nil {
			err = fmt.Errorf("the cluster (%s) failed: %v", c.Backend, c.Err)
		}
		m.done(nil, err)
		return nil
	}
	sess := m.c.cfg.Session
	if sess == nil {
		m.done(nil, errors.New("no session configured"))
		return nil
	}
	ctx, cancel := context.WithCancel(m.c.ctx)
	m.cancel = cancel
	results := make(chan tea.Msg, len(l.Checks)+3)
	m.c.work.Add(1)
	dirs, now := m.c.cfg.Dirs, m.c.now()
	guard := func() error { return guardLab(dirs, l, "checks and their reasons", now) }
	return tea.Batch(spin, runCheck(ctx, sess, l, m.run, guard, results, m.c.log, m.c.work.Done), waitResult(results))
}

// begin starts showing a new run of lab.
func (m *checkModel) begin(l *labs.Lab) tea.Cmd {
	if m.lab != l {
		m.details = false
	}
	m.lab = l
	m.results = map[string]checker.Result{}
	m.rep, m.err, m.notSaved, m.running = nil, nil, nil, true
	m.notice, m.settingUp = "", false
	m.refresh()
	m.vp.GotoTop()
	if m.c.cfg.Animate {
		return m.spinner.Tick
	}
	return nil
}

// add records one streamed result.
func (m *checkModel) add(r checker.Result) {
	if m.results == nil {
		return
	}
	m.results[r.ID] = r
	m.refresh()
}

// done ends the run with its report or the error that stopped it.
func (m *checkModel) done(rep *checker.Report, err error, notSaved ...error) {
	m.running, m.settingUp = false, false
	m.rep, m.err, m.notSaved = rep, err, notSaved
	if rep != nil {
		for _, r := range rep.Checks {
			m.results[r.ID] = r
		}
	}
	m.refresh()
}

// forget drops the results of lab (after a reset).
func (m *checkModel) forget(l *labs.Lab) {
	if m.lab == l && !m.running {
		m.results = map[string]checker.Result{}
		m.rep, m.err, m.notSaved = nil, nil, nil
		m.refresh()
	}
}

func (m *checkModel) SetSize(w, h int) {
	widthChanged := w != m.width
	m.width, m.height = w, h
	m.vp.Width = w
	m.vp.Height = max(1, h-checkHeaderLines)
	if widthChanged {
		m.refresh()
	}
}

func (m *checkModel) Init() tea.Cmd { return nil }

func (m *checkModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case runCheckMsg:
		return m, m.start(msg.lab)
	case checkStreamMsg:
		if msg.run != m.run {
			return m, nil
		}
		m.add(msg.res)
		return m, msg.next
	case checkNoticeMsg:
		if msg.run != m.run {
			return m, nil
		}
		m.notice, m.settingUp = msg.text, msg.setup
		m.refresh()
		return m, msg.next
	case checkDoneMsg:
		if msg.run != m.run {
			return m, nil
		}
		m.cancel = nil
		m.done(msg.rep, msg.err, msg.notSaved...)
		return m, m.c.loadProgress()
	case answersResetMsg:
		m.forget(msg.lab)
		return m, nil
	case progressMsg:
		m.refresh()
		return m, nil
	case spinner.TickMsg:
		if !m.running || !m.c.cfg.Animate {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case tea.KeyMsg:
		k := m.c.keys
		switch {
		case key.Matches(msg, k.Back):
			return m, back
		case key.Matches(msg, k.Recheck):
			return m, m.start(m.lab)
		case key.Matches(msg, k.Details):
			m.details = !m.details
			m.refresh()
			return m, nil
		case key.Matches(msg, k.WhyFull):
			m.whyFull = !m.whyFull
			m.refresh()
			return m, nil
		case key.Matches(msg, k.Top):
			m.vp.GotoTop()
			return m, nil
		case key.Matches(msg, k.Bottom):
			m.vp.GotoBottom()
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return m, cmd
}

// refresh rebuilds the result rows (on a result, a resize, a toggle).
func (m *checkModel) refresh() {
	if m.lab == nil || m.width <= 0 {
		return
	}
	off := m.vp.YOffset
	m.vp.SetContent(m.rows())
	m.vp.SetYOffset(off)
}

// rows renders every check of the lab in lab order; checks still running
// are shown as waiting.
func (m *checkModel) rows() string {
	s := m.c.styles
	const indent = 10 // "  ✓  2/2  "
	descW := max(10, m.width-indent-1)
	var b strings.Builder
	if m.notice != "" && !m.settingUp {
		b.WriteString(indentLines(s.Info.Render(hangingAfter(glyphSetup+" ", m.notice, m.width-4)), "  ") + "\n\n")
	}
	if m.err != nil {
		b.WriteString(indentLines(s.Fail.Render(wrapText(errText(m.err), m.width-4)), "  ") + "\n\n")
	}
	for _, ns := range m.notSaved {
		b.WriteString(indentLines(s.Warn.Render(hangingAfter(glyphWarn+" ", notSavedText(ns), m.width-4)), "  ") + "\n\n")
	}
	for i, c := range m.lab.Checks {
		if i > 0 {
			b.WriteString("\n")
		}
		r, ok := m.results[c.ID]
		desc := strings.TrimSpace(c.Description)
		lines := strings.Split(wrapText(desc, descW), "\n")
		var mark, pts string
		switch {
		case !ok:
			mark, pts = s.Muted.Render(glyphPending), s.Muted.Render(fmt.Sprintf("%3s", "–")+"/"+fmt.Sprint(c.Points))
			lines[0] = s.Muted.Render(lines[0])
		case r.Passed:
			mark, pts = s.Pass.Render(glyphPass), s.Pass.Render(fmt.Sprintf("%3d/%d", r.Points, r.Max))
		default:
			mark, pts = s.Fail.Render(glyphFail), s.Fail.Render(fmt.Sprintf("%3d/%d", r.Points, r.Max))
		}
		ptsPad := strings.Repeat(" ", max(0, 6-lipgloss.Width(pts)))
		b.WriteString("  " + mark + " " + pts + ptsPad + " " + lines[0] + "\n")
		for _, l := range lines[1:] {
			b.WriteString(strings.Repeat(" ", indent) + l + "\n")
		}
		b.WriteString(strings.Repeat(" ", indent) + s.Muted.Render(c.ID) + "\n")
		if ok && (!r.Passed || m.details) {
			b.WriteString(m.explain(r, indent))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// explain is the expected / observed / why block of one result.
func (m *checkModel) explain(r checker.Result, indent int) string {
	s := m.c.styles
	pad := strings.Repeat(" ", indent)
	const labelW = 10 // "expected  "
	w := max(10, m.width-indent-labelW-1)
	field := func(label, text string) string {
		lines := strings.Split(wrapText(text, w), "\n")
		out := pad + s.Label.Render(fmt.Sprintf("%-*s", labelW, label)) + lines[0] + "\n"
		for _, l := range lines[1:] {
			out += pad + strings.Repeat(" ", labelW) + l + "\n"
		}
		return out
	}
	var b strings.Builder
	if r.Expected != "" {
		b.WriteString(field("expected", r.Expected))
	}
	if r.Observed != "" {
		b.WriteString(field("observed", uniqueParts(r.Observed)))
	}
	reasons, folded := r.Brief()
	if m.whyFull {
		reasons, folded = r.Explanation(), 0
	}
	reasons = uniqueLines(reasons)
	for i, why := range reasons {
		label := "why"
		if i > 0 {
			label = ""
		}
		if len(reasons) > 1 {
			// A bullet's wrapped lines stay under its text.
			why = hangingBullet(why, w)
		}
		b.WriteString(field(label, why))
	}
	if folded > 0 {
		b.WriteString(field("", s.Muted.Render(fmt.Sprintf("(%d more line(s) of the path: w)", folded))))
	}
	return b.String()
}

func (m *checkModel) View() string {
	if m.lab == nil {
		return ""
	}
	return m.summary() + "\n" + m.vp.View()
}

// summary is the lines above the results: the lab, the run's state or
// score, and the learner's best.
func (m *checkModel) summary() string {
	s := m.c.styles
	l := m.lab
	line1 := " " + s.Bold.Render(truncate(l.Title, m.width-2))
	done, earned, passed := 0, 0, 0
	for _, c := range l.Checks {
		if r, ok := m.results[c.ID]; ok {
			done++
			earned += r.Points
			if r.Passed {
				passed++
			}
		}
	}
	var line2 string
	switch {
	case m.running && m.settingUp:
		line2 = " " + m.spinnerView() + " " + m.notice
	case m.running:
		line2 = fmt.Sprintf(" %s Checking against the %s cluster… %d of %d checks done", m.spinnerView(), m.c.cluster.Context, done, len(l.Checks))
	case m.err != nil:
		line2 = " " + s.Fail.Render(glyphFail+" The check could not run (why is below)")
	case m.rep != nil:
		pct := m.rep.Percent()
		score := fmt.Sprintf("Score %d/%d (%.0f%%)", m.rep.Score, m.rep.Max, pct)
		counts := fmt.Sprintf(" · %d of %d checks passed", passed, len(l.Checks))
		if m.rep.Passed() {
			line2 = " " + s.Pass.Render(glyphPass+" "+score+counts+" · lab passed")
		} else {
			line2 = " " + s.Fail.Render(glyphFail+" "+score) + counts
		}
		if len(m.notSaved) > 0 {
			line2 += s.Warn.Render(" · not saved (why is below)")
		}
	default:
		line2 = " No results: r checks the lab."
	}
	lp := m.c.labProgress(l.ID)
	line3 := " " + s.Label.Render("namespace ") + l.Namespace + s.Label.Render("  context ") + m.c.cluster.Context
	if lp.Attempts > 0 {
		line3 += s.Label.Render("  best ") + fmt.Sprintf("%d/%d", lp.Best, max(lp.Max, l.Points)) +
			s.Label.Render("  attempts ") + fmt.Sprint(lp.Attempts)
	}
	line4 := s.Muted.Render(strings.Repeat("─", max(0, m.width)))
	return strings.Join([]string{line1, truncate(line2, m.width), truncate(line3, m.width), line4}, "\n")
}

// spinnerView is the run's spinner frame, or a static marker without
// animation.
func (m *checkModel) spinnerView() string {
	if m.c.cfg.Animate {
		return m.spinner.View()
	}
	return glyphStarted
}

// errText explains the errors a learner can fix.
func errText(err error) string {
	if errors.Is(err, session.ErrNotStarted) {
		return "the lab has no workspace yet (press s for a shell in it)"
	}
	return err.Error()
}

func (m *checkModel) ShortHelp() []key.Binding {
	k := m.c.keys
	return []key.Binding{k.Recheck, k.Details, k.Down, k.Back, k.Help, k.Quit}
}

func (m *checkModel) FullHelp() [][]key.Binding {
	k := m.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Recheck, k.Details, k.WhyFull, k.Back},
		{k.Help, k.Quit, k.ForceQuit},
	}
}

func (m *checkModel) crumbs() []string {
	if m.lab == nil {
		return nil
	}
	return []string{m.lab.ID, "Check"}
}

// runCheck grades a lab, sending each result on results as it finishes,
// and answers with the report. A lab that is not started (no workspace
// yet, or its setup missing on the live cluster) is started first, so a
// first check works; the common case costs no extra round trip.
//
// guard says whether the lab's checks may be shown (see guardLab); a
// start or an attempt that could not be recorded is said with the score.
func runCheck(ctx context.Context, sess Session, l *labs.Lab, run int, guard func() error, results chan<- tea.Msg, log *slog.Logger, done func()) tea.Cmd {
	return func() tea.Msg {
		defer done()
		defer close(results)
		if err := guard(); err != nil {
			log.Info("check refused", "lab", l.ID, "err", err)
			return checkDoneMsg{run: run, err: err}
		}
		var unsaved []error
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
			// Said on the check screen, not only logged: the check takes
			// longer (a live setup waits for its pods).
			notice := func(text string, setup bool) {
				select {
				case results <- checkNoticeMsg{run: run, text: text, setup: setup}:
				case <-ctx.Done():
				}
			}
			notice(fmt.Sprintf("Setting lab %s up on this cluster before checking…", l.ID), true)
			setupStart := time.Now()
			info, serr := startLab(ctx, sess, l, log)
			if ns := notSaved(serr); ns != nil {
				unsaved = append(unsaved, ns)
			} else if serr != nil {
				return checkDoneMsg{run: run, err: serr}
			}
			notice(setUpNotice(l, info, time.Since(setupStart)), false)
			rep, err = check()
		}
		if ns := notSaved(err); ns != nil && rep != nil {
			log.Warn("check not recorded", "lab", l.ID, "err", err)
			unsaved = append(unsaved, ns)
			err = nil
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
		return checkDoneMsg{run: run, rep: rep, notSaved: unsaved}
	}
}

// notSavedText says that a result was not recorded, and why.
func notSavedText(err error) string {
	t := err.Error()
	if t == "" {
		return t
	}
	return strings.ToUpper(t[:1]) + t[1:] + "."
}

// setUpNotice says a check set its lab up first, and how long that took:
// live, the setup's own time (else took); offline, the workspace made.
func setUpNotice(l *labs.Lab, info session.StartInfo, took time.Duration) string {
	if info.Context == "" && info.Seconds == 0 {
		return fmt.Sprintf("Lab %s had no workspace yet: created it before checking.", l.ID)
	}
	secs := info.Seconds
	if secs == 0 {
		secs = took.Seconds()
	}
	return fmt.Sprintf("Lab %s was not set up on this cluster: set it up again (%.0f s) before checking.", l.ID, max(1, secs))
}

// waitResult delivers the next streamed check result or notice; the
// check screen asks for the next one after each.
func waitResult(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		switch r := msg.(type) {
		case checkResultMsg:
			return checkStreamMsg{checkResultMsg: r, next: waitResult(ch)}
		case checkNoticeMsg:
			r.next = waitResult(ch)
			return r
		}
		return msg
	}
}
