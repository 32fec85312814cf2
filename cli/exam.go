package cli

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/ckadlab/ckadlab/class"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/exam"
	"github.com/ckadlab/ckadlab/exam/examrun"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/tui"
)

type examFlags struct {
	seed     uint64
	duration time.Duration
	tasks    int
	weights  string
	out      string
	id       string
	set      int
	note     int

	plan, start, finish, resume, status, review bool
}

func (a *app) examCommand() *cobra.Command {
	var f examFlags
	cmd := &cobra.Command{
		Use:   "exam",
		Short: "Sit a timed mock exam (seeded draw, countdown, partial credit, 66% to pass)",
		Long: `Sit a timed mock exam like the real CKAD: tasks drawn from the labs, weighted by
domain, a countdown from a stored deadline, partial credit per task from its
checks, and 66% to pass. Hints and solutions stay hidden until the review.

On a terminal, ckadlab exam opens the exam in the TUI: move between tasks, flag
them for review, hand off to a shell in a task's workspace, and finish (or let
the time run out) to see the report and the review.

Without a terminal (or with --json) an exam runs in steps:
  ckadlab exam --start --json      set up the drawn labs; prints the tasks and,
                                   offline, each task's workspace folder
  (write each task's answer as YAML files in its workspace)
  ckadlab exam --status --json     time left, flags and attempted marks
  ckadlab exam --finish --json     grade every task now (exit 0 pass, 1 fail)
  ckadlab exam --review            the reference solutions and failure reasons
A bare ckadlab exam --json starts an exam, or shows the one in progress. An
exam whose time is up is graded automatically by the next exam command.

ckadlab exam --plan --seed S --tasks N --json prints the draw without starting
anything, so an instructor can publish the exam a class will sit with --seed S.
--set 1, 2 or 3 sits (or, with --plan, prints) a published exam set: fixed labs
and seed, balanced over the three competencies (see the README).

Like the real exam, each task is titled by its domain and namespace only, shows
its weight in percent, names the kube context to use (kubectl config use-context
ckad-k1; on a live cluster ckadlab writes these contexts into the kubeconfig,
offline the line is informational) and the kubernetes.io pages it allows. The
timer warns at 30, 15 and 5 minutes left. ckadlab exam --note N TEXT keeps a
note on task N (shown in the review; "" removes it).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("note") {
				if len(args) != 1 {
					return fmt.Errorf("--note %d takes the note as one argument: ckadlab exam --note %d \"TEXT\"", f.note, f.note)
				}
				return nil
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.runExam(cmd, f, args) },
	}
	fl := cmd.Flags()
	fl.Uint64Var(&f.seed, "seed", 0, "seed of the draw (the same seed, tasks and labs give the same exam; fresh when not set)")
	fl.DurationVar(&f.duration, "duration", exam.DefaultDuration, "time allowed")
	fl.IntVar(&f.tasks, "tasks", exam.DefaultTasks, "number of tasks (at most the number of labs)")
	fl.StringVar(&f.weights, "weights", "", "share of tasks per domain, e.g. services=2,ingress=1,networkpolicy=2 (default: proportional to the labs)")
	fl.BoolVar(&f.plan, "plan", false, "print the draw and start nothing")
	fl.BoolVar(&f.start, "start", false, "set up an exam and print its tasks (non-interactive)")
	fl.BoolVar(&f.finish, "finish", false, "grade the exam in progress now")
	fl.BoolVar(&f.resume, "resume", false, "continue the exam in progress (same deadline)")
	fl.BoolVar(&f.status, "status", false, "show the exam in progress")
	fl.BoolVar(&f.review, "review", false, "show a graded exam's report with reference solutions and failure reasons (the latest, or --id)")
	fl.StringVar(&f.id, "id", "", "the exam --review shows (default: the latest)")
	fl.IntVar(&f.set, "set", 0, "sit (or with --plan, print) published exam set 1, 2 or 3 (fixed labs and seed)")
	fl.IntVar(&f.note, "note", 0, "keep the note given as the argument on task N of the exam in progress")
	fl.StringVarP(&f.out, "out", "o", "", "also write the report to FILE (.md or .json)")
	return cmd
}

func (a *app) runExam(cmd *cobra.Command, f examFlags, args []string) error {
	noting := cmd.Flags().Changed("note")
	modes := 0
	for _, m := range []bool{f.plan, f.start, f.finish, f.resume, f.status, f.review, noting} {
		if m {
			modes++
		}
	}
	if modes > 1 {
		return errors.New("choose one of --plan, --start, --finish, --resume, --status, --review and --note")
	}
	if cmd.Flags().Changed("set") {
		if _, err := exam.FindSet(f.set); err != nil {
			return err
		}
		for _, other := range []string{"seed", "tasks", "weights"} {
			if cmd.Flags().Changed(other) {
				return fmt.Errorf("--set %d fixes the labs and the seed: leave out --%s", f.set, other)
			}
		}
	}
	if f.out != "" {
		if _, err := exam.FormatFor(f.out); err != nil {
			return err
		}
	}
	if f.id != "" && !f.review {
		return errors.New("--id goes with --review")
	}
	if f.duration <= 0 {
		return fmt.Errorf("--duration %s: want a positive duration such as 2h or 90m", f.duration)
	}
	cat, err := a.catalog()
	if err != nil {
		return err
	}
	if f.plan {
		plan, err := a.drawExam(cmd, cat, f)
		if err != nil {
			return err
		}
		return a.emit(plan, func(w io.Writer) { a.printPlan(w, cat, plan) })
	}
	mgr, err := a.manager()
	if err != nil {
		return err
	}
	run := &examrun.Runner{Mgr: mgr, Cat: cat}
	if f.review {
		e, err := run.Load(f.id)
		if err != nil {
			return err
		}
		if !e.Done() {
			return fmt.Errorf("exam %s is still in progress: finish it first (ckadlab exam --finish)", e.ID)
		}
		// An earlier exam's review must not show the solutions of the
		// labs of the exam in progress.
		if err := a.guardReview(e); err != nil {
			return err
		}
		return a.emitResult(e.Result, f.out, true)
	}

	// An exam whose time is up is graded before anything else.
	active, err := run.Active()
	if err != nil {
		return err
	}
	if active != nil && active.Expired(a.now()) {
		if noting {
			// A note is kept even at the deadline: it changes no answer.
			return a.noteExam(run, active, f.note, args[0])
		}
		a.notice("Time is up for exam %s: grading it.", active.ID)
		res, err := run.Grade(cmd.Context(), active, nil)
		return a.emitGraded(res, err, f.out)
	}

	switch {
	case noting:
		if active == nil {
			return errors.New("no exam in progress to keep a note on (start one with ckadlab exam)")
		}
		return a.noteExam(run, active, f.note, args[0])
	case f.finish:
		if active == nil {
			return errors.New("no exam in progress (start one with ckadlab exam, or ckadlab exam --start)")
		}
		res, err := run.Grade(cmd.Context(), active, nil)
		return a.emitGraded(res, err, f.out)
	case f.status:
		if active == nil {
			return a.emit(map[string]any{"exam": nil}, func(w io.Writer) {
				fmt.Fprintln(w, "No exam in progress. Start one with: ckadlab exam")
			})
		}
		return a.emitStatus(run, active)
	case f.resume:
		if active == nil {
			return errors.New("no exam in progress to resume (start one with ckadlab exam)")
		}
		if !a.interactive() {
			return a.emitStatus(run, active)
		}
		return a.examTUI(cmd, run, active, f.out)
	case f.start || !a.interactive():
		if active != nil {
			if !f.start {
				return a.emitStatus(run, active)
			}
			return &examrun.InProgressError{Exam: active, Now: a.now()}
		}
		e, err := a.beginExam(cmd, run, cat, f)
		if err != nil {
			return err
		}
		return a.emitStart(run, e)
	}
	// The TUI.
	if active != nil {
		return &examrun.InProgressError{Exam: active, Now: a.now()}
	}
	e, err := a.beginExam(cmd, run, cat, f)
	if err != nil {
		return err
	}
	return a.examTUI(cmd, run, e, f.out)
}

// interactive is whether the exam runs in the TUI.
func (a *app) interactive() bool {
	return !a.jsonOut && isTerminal(a.stdout) && isTerminal(a.stdin)
}

func (a *app) drawExam(cmd *cobra.Command, cat *labs.Catalog, f examFlags) (exam.Plan, error) {
	if cmd.Flags().Changed("set") {
		s, err := exam.FindSet(f.set)
		if err != nil {
			return exam.Plan{}, err
		}
		return s.Plan(cat.All())
	}
	seed := f.seed
	if !cmd.Flags().Changed("seed") {
		seed = freshSeed()
	}
	opts := exam.DrawOptions{Seed: seed, Tasks: f.tasks}
	if f.tasks <= 0 {
		return exam.Plan{}, fmt.Errorf("--tasks %d: want a positive number", f.tasks)
	}
	if !cmd.Flags().Changed("tasks") {
		opts.Tasks = min(f.tasks, cat.Len())
	}
	if f.weights != "" {
		w, err := exam.ParseWeights(f.weights)
		if err != nil {
			return exam.Plan{}, fmt.Errorf("--%w", err)
		}
		opts.Weights = w
	}
	return exam.Draw(cat.All(), opts)
}

// freshSeed is a random seed short enough to read out to a class.
func freshSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uint64(time.Now().UnixNano()%999999) + 1
	}
	return binary.LittleEndian.Uint64(b[:])%999999 + 1
}

func (a *app) beginExam(cmd *cobra.Command, run *examrun.Runner, cat *labs.Catalog, f examFlags) (*exam.Exam, error) {
	if k := run.Mgr.Class; k != nil && k.Exam != nil && !cmd.Flags().Changed("seed") && !cmd.Flags().Changed("set") {
		// the class's exam: the instructor's draw and deadline
		plan, err := classExamPlan(k.Exam, cat)
		if err != nil {
			return nil, err
		}
		if !a.jsonOut {
			a.notice("Class exam %s: setting up %d tasks (until %s)…", k.Exam.ID, len(plan.Tasks), k.Exam.Deadline().Local().Format("15:04"))
		}
		return run.BeginShared(cmd.Context(), plan, k.Exam.ID, k.Exam.Deadline(), nil)
	}
	plan, err := a.drawExam(cmd, cat, f)
	if err != nil {
		return nil, err
	}
	if !a.jsonOut {
		a.notice("Setting up %d tasks (seed %d)…", len(plan.Tasks), plan.Seed)
	}
	return run.Begin(cmd.Context(), plan, f.duration, nil)
}

func (a *app) printPlan(w io.Writer, cat *labs.Catalog, plan exam.Plan) {
	p := a.pal()
	total := 0
	head := fmt.Sprintf("Exam draw: seed %d, %d tasks", plan.Seed, len(plan.Tasks))
	sit := fmt.Sprintf("ckadlab exam --seed %d --tasks %d", plan.Seed, len(plan.Tasks))
	if plan.Set > 0 {
		head = fmt.Sprintf("Exam set %d: seed %d, %d tasks", plan.Set, plan.Seed, len(plan.Tasks))
		sit = fmt.Sprintf("ckadlab exam --set %d", plan.Set)
	}
	fmt.Fprintf(w, "%s\n\n", p.title(head))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	weights := plan.Weights()
	for i, t := range plan.Tasks {
		title := t.ID
		if l, err := cat.Get(t.ID); err == nil {
			title = l.Title
		}
		total += t.Points
		fmt.Fprintf(tw, "  %d.\t%s\t%s\t%s\t%d%%\t(%d pts)\n", i+1, t.ID, title, labs.Domain(t.Domain).Title(), weights[i], t.Points)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d points; weights in whole percents of them; %s%% to pass. Sit it with: %s\n", total, exam.Num(exam.PassMark), sit)
}

// examTask is a task as the non-interactive commands print it. Its title
// is the neutral one (exam.NeutralTitle): the lab's comes with the review.
type examTask struct {
	Number     int        `json:"number"`
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Domain     string     `json:"domain"`
	Difficulty string     `json:"difficulty"`
	Points     int        `json:"points"`
	Weight     int        `json:"weight_percent"`
	Namespace  string     `json:"namespace"`
	Context    string     `json:"context"`
	UseContext string     `json:"use_context"`
	Workspace  string     `json:"workspace"`
	Docs       []exam.Doc `json:"docs"`
	Note       string     `json:"note,omitempty"`
	Flagged    bool       `json:"flagged"`
	Attempted  bool       `json:"attempted"`
}

type examInfo struct {
	Exam             string    `json:"exam"`
	Seed             uint64    `json:"seed"`
	Cluster          string    `json:"cluster"`
	StartedAt        time.Time `json:"started_at"`
	Deadline         time.Time `json:"deadline"`
	DurationSeconds  int64     `json:"duration_seconds"`
	RemainingSeconds int64     `json:"remaining_seconds"`
	Points           int       `json:"points"`
	PassMark         float64   `json:"pass_mark"`
	// Warning is the timer's warning (30, 15 or 5 minutes left), if any.
	Warning *exam.Warning `json:"warning,omitempty"`
	// Contexts are the kube contexts the tasks name; ContextsNote says
	// where they are (the kubeconfig, or informational offline).
	Contexts     []exam.KubeContext `json:"contexts"`
	ContextsNote string             `json:"contexts_note"`
	Tasks        []examTask         `json:"tasks"`
	Next         string             `json:"next"`
}

func (a *app) info(run *examrun.Runner, e *exam.Exam) examInfo {
	now := a.now()
	in := examInfo{Exam: e.ID, Seed: e.Seed, Cluster: e.Cluster, StartedAt: e.Started, Deadline: e.Deadline,
		DurationSeconds: int64(e.Duration / time.Second), RemainingSeconds: int64(e.Remaining(now) / time.Second),
		Points: e.Points(), PassMark: exam.PassMark, Tasks: []examTask{}, Contexts: e.Contexts(),
		Next: "write each task's answer in its workspace, then: ckadlab exam --finish"}
	if w, ok := e.Warning(now); ok {
		in.Warning = &w
	}
	if kc, _, ok := run.KubeContext(); ok {
		in.ContextsNote = "the contexts are in the kubeconfig " + kc
		in.Next = "work on the cluster (kubectl config use-context as each task says), then: ckadlab exam --finish"
	} else {
		in.ContextsNote = "informational: the offline cluster has no API server; write each task's answer as YAML in its workspace"
	}
	weights := e.Weights()
	for i, t := range e.Tasks {
		in.Tasks = append(in.Tasks, examTask{Number: i + 1, ID: t.Lab, Title: exam.NeutralTitle(i+1, t), Domain: string(t.Domain), Difficulty: t.Difficulty,
			Points: t.Points, Weight: weights[i], Namespace: t.Namespace, Context: t.Context, UseContext: exam.UseContext(t.Context),
			Workspace: t.Workspace, Docs: t.Docs, Note: t.Note, Flagged: t.Flagged, Attempted: t.Attempted})
	}
	return in
}

func (a *app) emitStart(run *examrun.Runner, e *exam.Exam) error {
	in := a.info(run, e)
	return a.emit(in, func(w io.Writer) {
		p := a.pal()
		fmt.Fprintf(w, "%s %s\n", p.ok("Exam started:"), p.bold(e.ID))
		a.printExamInfo(w, in)
	})
}

func (a *app) emitStatus(run *examrun.Runner, e *exam.Exam) error {
	if run.RefreshAttempted(e) {
		if err := run.Save(e); err != nil {
			return err
		}
	}
	in := a.info(run, e)
	return a.emit(in, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s\n", a.pal().bold("Exam in progress:"), e.ID)
		a.printExamInfo(w, in)
	})
}

func (a *app) printExamInfo(w io.Writer, in examInfo) {
	p := a.pal()
	fmt.Fprintf(w, "Seed %d · %d tasks · %d points · %s%% to pass · cluster %s\n", in.Seed, len(in.Tasks), in.Points, exam.Num(in.PassMark), in.Cluster)
	fmt.Fprintf(w, "Time left: %s (deadline %s)\n", exam.Clock(time.Duration(in.RemainingSeconds)*time.Second), in.Deadline.Local().Format("15:04:05"))
	if in.Warning != nil {
		fmt.Fprintf(w, "%s\n", p.bad("⚠ "+in.Warning.Text+": check your flagged tasks"))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, t := range in.Tasks {
		marks := ""
		if t.Attempted {
			marks += "✓"
		}
		if t.Flagged {
			marks += "⚑"
		}
		if t.Note != "" {
			marks += "✎"
		}
		fmt.Fprintf(tw, "  %s\t%d%%\t%s\t%s\t%s\n", t.Title, t.Weight, t.UseContext, marks, t.Workspace)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%s\n", p.dim("Contexts: "+in.ContextsNote+"."))
	fmt.Fprintf(w, "%s\n", p.dim("Each workspace has the task in TASK.md, with its allowed documentation: write your answer there as YAML files (hints and"))
	fmt.Fprintf(w, "%s\n", p.dim("solutions are for after the exam). Grade it with: ckadlab exam --finish"))
}

// noteExam keeps a note on task n (1-based) of the exam in progress.
func (a *app) noteExam(run *examrun.Runner, e *exam.Exam, n int, text string) error {
	if err := e.SetNote(n-1, text); err != nil {
		return fmt.Errorf("--note %d: %w (the exam has %d)", n, err, len(e.Tasks))
	}
	if err := run.Save(e); err != nil {
		return err
	}
	t := e.Tasks[n-1]
	return a.emit(map[string]any{"exam": e.ID, "task": n, "note": t.Note}, func(w io.Writer) {
		if t.Note == "" {
			fmt.Fprintf(w, "Removed the note on %s.\n", exam.NeutralTitle(n, t))
			return
		}
		fmt.Fprintf(w, "Kept the note on %s (shown in the review).\n", exam.NeutralTitle(n, t))
	})
}

// emitGraded prints what Runner.Grade returned: a result that could not
// be stored is printed all the same, then said to be unsaved.
func (a *app) emitGraded(res *exam.Result, err error, out string) error {
	if res == nil {
		return err
	}
	if err == nil {
		return a.emitResult(res, out, false)
	}
	ns := &session.NotSavedError{What: "the result of exam " + res.Exam, Err: err}
	if perr := a.emitResultNote(res, out, false, notSavedText(ns)); perr != nil {
		var ee exitError
		if !errors.As(perr, &ee) {
			return perr
		}
	}
	return a.notSaved(ns)
}

// emitResult prints a graded exam (the review with reference solutions
// when review is set), writes --out, and exits 1 when it failed.
func (a *app) emitResult(r *exam.Result, out string, review bool) error {
	return a.emitResultNote(r, out, review, "")
}

// emitResultNote is emitResult with --json's not_saved field.
func (a *app) emitResultNote(r *exam.Result, out string, review bool, notSaved string) error {
	if out != "" {
		if err := writeReport(r, out); err != nil {
			return err
		}
	}
	v := any(r)
	if notSaved != "" {
		v = struct {
			*exam.Result
			NotSaved string `json:"not_saved"`
		}{r, notSaved}
	}
	err := a.emit(v, func(w io.Writer) {
		if review {
			fmt.Fprint(w, r.Markdown())
		} else {
			a.printResult(w, r)
		}
		if out != "" {
			fmt.Fprintf(w, "\nReport written to %s\n", out)
		}
	})
	if err != nil {
		return err
	}
	if !r.Passed {
		return exitError{ExitFailed}
	}
	return nil
}

func writeReport(r *exam.Result, path string) error {
	f, err := exam.FormatFor(path)
	if err != nil {
		return err
	}
	data, err := r.Render(f)
	if err != nil {
		return err
	}
	return state.WriteFileAtomic(path, data, 0o644)
}

func (a *app) printResult(w io.Writer, r *exam.Result) {
	p := a.pal()
	verdict := p.ok("PASS")
	if !r.Passed {
		verdict = p.bad("FAIL")
	}
	fmt.Fprintf(w, "%s  %s%%  (%s of %d points; %s%% to pass)\n", verdict, exam.Num(r.Percent), exam.Num(r.Earned), r.Points, exam.Num(r.PassMark))
	used := fmt.Sprintf("Time used %s of %s", exam.Clock(time.Duration(r.TimeUsedSeconds)*time.Second), exam.Clock(time.Duration(r.DurationSeconds)*time.Second))
	if r.Expired {
		used += " (time ran out)"
	}
	fmt.Fprintf(w, "Exam %s · seed %d · %s\n\n", r.Exam, r.Seed, used)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, d := range r.Domains {
		fmt.Fprintf(tw, "  %s\t%d %s\t%s/%d\t%s%%\n", d.Domain.Title(), d.Tasks, plural(d.Tasks, "task", "tasks"), exam.Num(d.Earned), d.Points, exam.Num(d.Percent))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, t := range r.Tasks {
		note := ""
		if t.NotAnswered {
			note = "not answered"
		} else if t.Error != "" {
			note = "not graded: " + firstLine(t.Error)
		} else if failed := failedChecks(t); failed != "" {
			note = "failed " + failed
		}
		if t.Flagged {
			note = strings.TrimSpace("⚑ " + note)
		}
		fmt.Fprintf(tw, "  %s %d.\t%s\t%s/%d\t%s\n", p.mark(t.Full()), t.Number, t.Title, exam.Num(t.Earned), t.Points, note)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%s\n", p.dim("Review with reference solutions and failure reasons: ckadlab exam --review"))
}

func failedChecks(t exam.TaskResult) string {
	var ids []string
	for _, c := range t.Checks {
		if !c.Passed && !c.Ungraded {
			ids = append(ids, c.ID)
		}
	}
	return strings.Join(ids, ", ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// examTUI runs an exam in the TUI; the report is written to out when the
// exam was graded.
func (a *app) examTUI(cmd *cobra.Command, run *examrun.Runner, e *exam.Exam, out string) error {
	logger, closeLog, err := openLog(run.Mgr.Dirs.State)
	if err != nil {
		return err
	}
	defer closeLog()
	color := a.tuiColor()
	if !color {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	// The exam set the cluster up: on a live one, the shell's kubectl
	// reaches it through the kubeconfig with the exam's contexts.
	cluster := tui.OfflineCluster()
	if kc, name, ok := run.KubeContext(); ok {
		cluster = tui.ClusterStatus{Backend: run.Mgr.Cluster.String(), Context: name, Kubeconfig: kc,
			KubernetesVersion: "…", NetworkPolicy: "self-test at the first check", Phase: tui.ClusterReady, Since: a.now()}
	}
	cfg := tui.Config{
		LoadCatalog:     func() (*labs.Catalog, error) { return a.catalog() },
		Session:         run.Mgr,
		Dirs:            run.Mgr.Dirs,
		Cluster:         cluster,
		Color:           color,
		LightBackground: color && !lipgloss.HasDarkBackground(),
		Animate:         os.Getenv("TERM") != "dumb",
		Environ:         os.Environ(),
		Now:             a.now,
		Log:             logger,
		Exam:            e,
		Exams:           run,
	}
	logger.Info("exam tui start", "exam", e.ID, "cluster", run.Mgr.Cluster.String())
	ctx := cmd.Context()
	if err := tui.Run(ctx, cfg, tea.WithInput(a.stdin), tea.WithOutput(a.stdout)); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("exam tui", "err", err)
		return err
	}
	// The TUI saved every change; read back what it left.
	final, err := run.Load(e.ID)
	if err != nil {
		return err
	}
	if !final.Done() {
		fmt.Fprintf(a.stdout, "Exam %s continues: %s left. Resume with: ckadlab exam --resume\n", final.ID, exam.Clock(final.Remaining(a.now())))
		return nil
	}
	if out != "" {
		if err := writeReport(final.Result, out); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "Report written to %s\n", out)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// classExamPlan is a class exam's plan over the learner's catalog (the
// class's labs, mapped for the learner): the tasks the instructor drew.
func classExamPlan(e *class.Exam, cat *labs.Catalog) (exam.Plan, error) {
	if len(e.Plan) == 0 {
		return exam.Plan{}, fmt.Errorf("class exam %s has no tasks (the instructor's ckadlab is older than the plan: start the exam again)", e.ID)
	}
	plan := exam.Plan{Seed: e.Seed}
	for i, t := range e.Plan {
		l, err := cat.Get(t.Lab)
		if err != nil {
			return exam.Plan{}, fmt.Errorf("class exam %s, task %d: lab %s is not among your labs (%w)", e.ID, i+1, t.Lab, err)
		}
		plan.Tasks = append(plan.Tasks, exam.PlanTask{ID: l.ID, Domain: l.Domain, Points: t.Points})
	}
	return plan, nil
}
