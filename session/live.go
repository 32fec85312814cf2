package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/classroom"
	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/labs"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// live reports whether the manager grades on a real cluster.
func (m *Manager) live() bool {
	return m.Cluster.Live()
}

// LiveCluster is a connection to the live cluster of a session.
type LiveCluster struct {
	Clients *live.Clients
	// Kind is the kind cluster (nil for a context:NAME cluster).
	Kind *kind.Cluster
	// Outside sends probes from outside the cluster.
	Outside live.Outside
	// Agents keeps the probe agents running between checks (nil: each
	// check starts and ends its own). A Manager keeps one for its life.
	Agents *live.Agents
}

// OpenLive connects to the session's live cluster. With create, the kind
// cluster is created (or reused and brought up to date: add-ons, load
// balancer publisher, self-test) as `ckadlab cluster up` does; without,
// it must exist (its load balancer publisher is started if it stopped).
func (m *Manager) OpenLive(ctx context.Context, create bool) (*LiveCluster, error) {
	return m.openLive(ctx, create)
}

func (m *Manager) openLive(ctx context.Context, create bool) (*LiveCluster, error) {
	switch {
	case m.Cluster.IsKind():
		m.upMu.Lock()
		defer m.upMu.Unlock()
		var c *kind.Cluster
		var err error
		var nf *kind.NotFoundError
		if !create || m.upDone {
			c, err = kind.Open(ctx, m.Kind)
			if err == nil {
				_, err = kind.EnsurePublisher(ctx, c, m.Kind)
			}
		}
		// Up when asked to create, first in this process or because the
		// cluster was deleted since (`ckadlab cluster down` in another
		// terminal while the TUI runs).
		if create && (!m.upDone || errors.As(err, &nf)) {
			c, _, err = kind.Up(ctx, m.Kind)
			m.upDone = err == nil
		}
		if err != nil {
			return nil, err
		}
		return &LiveCluster{Clients: c.Clients, Kind: c, Outside: c.Outside(), Agents: m.keptAgents()}, nil
	case m.Cluster.Live():
		name, _ := m.Cluster.Context()
		c, err := live.Connect(m.Kubeconfig, name)
		if err != nil {
			return nil, err
		}
		return &LiveCluster{Clients: c, Outside: live.LocalOutside{}, Agents: m.keptAgents()}, nil
	}
	return nil, fmt.Errorf("cluster %q is not a live cluster", m.Cluster)
}

// keptAgents are the probe agents the manager keeps between checks
// (see live.Agents): a later check of the TUI finds them running.
func (m *Manager) keptAgents() *live.Agents {
	m.agentsMu.Lock()
	defer m.agentsMu.Unlock()
	if m.agents == nil {
		m.agents = live.NewAgents(0)
	}
	return m.agents
}

// Close ends what the manager keeps running on the cluster (the probe
// agents of its checks). The manager can be used again afterwards.
func (m *Manager) Close() {
	m.agentsMu.Lock()
	a := m.agents
	m.agents = nil
	m.agentsMu.Unlock()
	if a != nil {
		a.Close()
	}
}

// UpKind creates or reuses the kind cluster (as `ckadlab cluster up`
// does) and reports what it did; later OpenLive calls in this process
// only open it. The TUI calls it in the background at start.
func (m *Manager) UpKind(ctx context.Context) (*kind.UpResult, error) {
	if !m.Cluster.IsKind() {
		return nil, fmt.Errorf("cluster %q is not kind", m.Cluster)
	}
	m.upMu.Lock()
	defer m.upMu.Unlock()
	_, res, err := kind.Up(ctx, m.Kind)
	m.upDone = err == nil
	return res, err
}

// liveSetup is a lab's setup as objects to apply, and the pods it pins to
// fixed addresses (played by host stand-ins, see live.LabSetup).
func liveSetup(l *labs.Lab) ([]*unstructured.Unstructured, []live.PinnedPod, error) {
	setup, err := checker.SetupObjects(l)
	if err != nil {
		return nil, nil, err
	}
	return live.LabSetup(setup, l.Namespace)
}

// LabNamespaces are the namespaces a lab's setup uses, plus its own.
func LabNamespaces(l *labs.Lab) ([]string, error) {
	objs, _, err := liveSetup(l)
	if err != nil {
		return nil, err
	}
	ns := live.Namespaces(objs)
	for _, n := range ns {
		if n == l.Namespace {
			return ns, nil
		}
	}
	if l.Namespace != "" {
		ns = append(ns, l.Namespace)
	}
	return ns, nil
}

// StartLive applies a lab's setup with server-side apply (waiting first
// for a previous reset's namespaces to be gone) and waits, at most three
// minutes, until its pods are ready.
func StartLive(ctx context.Context, c *live.Clients, l *labs.Lab) error {
	ns, err := LabNamespaces(l)
	if err != nil {
		return err
	}
	return startLive(ctx, c, l, ns, nil)
}

// startLive is StartLive over the namespaces ns, with provision run
// between the old namespaces' end and the setup (nil: nothing).
func startLive(ctx context.Context, c *live.Clients, l *labs.Lab, ns []string, provision func() error) error {
	objs, _, err := liveSetup(l)
	if err != nil {
		return err
	}
	if err := c.WaitTerminated(ctx, ns, 2*time.Minute); err != nil {
		return err
	}
	if provision != nil {
		if err := provision(); err != nil {
			return fmt.Errorf("lab %s: %w", l.ID, err)
		}
	}
	if err := c.Apply(ctx, objs); err != nil {
		return fmt.Errorf("lab %s setup: %w", l.ID, err)
	}
	if err := c.WaitReady(ctx, ns, 3*time.Minute); err != nil {
		return fmt.Errorf("lab %s setup: %w", l.ID, err)
	}
	return nil
}

// SetUpFresh sets a lab up again from scratch on the session's live
// cluster (creating the kind cluster when needed): its namespaces are
// deleted, then its setup is applied and waited for, as Reset and Start
// do, but the learner's practice workspace and progress are left alone.
// The mock exam sets up its tasks so: a lab drawn in an exam is not
// started as practice.
func (m *Manager) SetUpFresh(ctx context.Context, l *labs.Lab) error {
	lc, err := m.openLive(ctx, true)
	if err != nil {
		return err
	}
	if _, err := m.resetLive(ctx, lc, l); err != nil {
		return err
	}
	return m.startLive(ctx, lc, l)
}

// startLive sets a lab up on the session's live cluster; in class mode
// the learner's ckadlab provisions the lab's namespaces first.
func (m *Manager) startLive(ctx context.Context, lc *LiveCluster, l *labs.Lab) error {
	if m.Class == nil {
		return StartLive(ctx, lc.Clients, l)
	}
	ns, err := m.Class.labNamespaceNames(l)
	if err != nil {
		return err
	}
	return startLive(ctx, lc.Clients, l, ns, func() error { return m.Class.provision(ctx, lc.Clients, l) })
}

// resetLive deletes a lab's namespaces (class mode: also those the
// learner's ckadlab provisioned for its answers).
func (m *Manager) resetLive(ctx context.Context, lc *LiveCluster, l *labs.Lab) ([]string, error) {
	if m.Class == nil {
		return ResetLive(ctx, lc, l)
	}
	ns, err := m.Class.labNamespaceNames(l)
	if err != nil {
		return nil, err
	}
	lc.Agents.EndIn(ns) // as ResetLive
	return ns, m.deleteNamespaces(ctx, lc, ns)
}

// deleteNamespaces deletes namespaces with everything in them. In class
// mode, the namespaces alone: a learner may not clear kinds the labs do
// not use (Jobs, …), nor touch a namespace of theirs that does not exist
// (no RoleBinding there); the namespace controller removes the rest.
func (m *Manager) deleteNamespaces(ctx context.Context, lc *LiveCluster, ns []string) error {
	if m.Class == nil {
		return lc.Clients.DeleteNamespaces(ctx, ns)
	}
	var errs []error
	for _, n := range ns {
		errs = append(errs, classroom.RemoveNamespace(ctx, lc.Clients, m.Class.Membership, n))
	}
	return errors.Join(errs...)
}

// ResetLive deletes a lab's namespaces (with everything in them) and
// returns their names; the probe agents kept in their pods end first. It
// does not wait for the namespaces to disappear.
func ResetLive(ctx context.Context, lc *LiveCluster, l *labs.Lab) ([]string, error) {
	ns, err := LabNamespaces(l)
	if err != nil {
		return nil, err
	}
	lc.Agents.EndIn(ns)
	return ns, lc.Clients.DeleteNamespaces(ctx, ns)
}

// LiveLogf receives what the live backend logs (a probe agent that had to
// be copied or could not run): nothing by default, the TUI's log file
// when the TUI runs.
var LiveLogf = func(string, ...any) {}

// LiveBackend is the live grading backend for a lab (the one check uses,
// and the e2e suite): it knows the lab's pinned pods (host stand-ins) and
// probes from outside through lc.
func LiveBackend(lc *LiveCluster, name string, l *labs.Lab) (*live.Backend, error) {
	_, pinned, err := liveSetup(l)
	if err != nil {
		return nil, err
	}
	return live.New(lc.Clients, live.Options{Name: name, Outside: lc.Outside, Pinned: pinned, Logf: LiveLogf,
		NoAgent: os.Getenv("CKADLAB_PROBE_AGENT") == "off", Agents: lc.Agents}), nil
}

// liveBackend is LiveBackend for the session: in class mode it reads
// only the learner's namespaces and the class's shared ones, and takes
// the NetworkPolicy self-test from the class (a learner cannot run it).
func (m *Manager) liveBackend(lc *LiveCluster, l *labs.Lab) (*live.Backend, error) {
	if m.Class == nil {
		return LiveBackend(lc, m.Cluster.String(), l)
	}
	_, pinned, err := liveSetup(l)
	if err != nil {
		return nil, err
	}
	return live.New(lc.Clients, live.Options{Name: m.Cluster.String(), Outside: lc.Outside, Pinned: pinned, Logf: LiveLogf,
		NoAgent: os.Getenv("CKADLAB_PROBE_AGENT") == "off", Agents: lc.Agents, Namespaces: m.Class.namespaces(lc.Clients),
		PolicyEnforced: m.Class.Class.PolicyEnforced}), nil
}

// LiveCheckOptions are how checks run on a live cluster: up to 128 at once
// (probes from one source share its probe agent, so more in flight costs
// little), each alongside its requirements (checker.Options.Speculate: a
// chain of probes that each wait for a drop's timeout takes as long as one).
func LiveCheckOptions(onResult func(checker.Result)) checker.Options {
	return checker.Options{OnResult: onResult, Concurrency: 128, Speculate: true}
}

func (m *Manager) checkLive(ctx context.Context, l *labs.Lab, opts CheckOptions) (*checker.Report, error) {
	lc, err := m.openLive(ctx, false)
	if err != nil {
		var nf *kind.NotFoundError
		if errors.As(err, &nf) {
			// Not started either: the TUI starts it (which creates the cluster).
			return nil, fmt.Errorf("%w (%w: run `ckadlab start %s`, which creates it)", err, ErrNotStarted, l.ID)
		}
		return nil, err
	}
	setup, _, err := liveSetup(l)
	if err != nil {
		return nil, err
	}
	if err := requireSetUp(ctx, lc, setup, l.ID); err != nil {
		return nil, err
	}
	if opts.AnswersDir != "" {
		answers, err := ReadAnswers(opts.AnswersDir, l.Namespace, answersWhere(opts))
		if err != nil {
			return nil, err
		}
		if opts.OnAnswers != nil {
			opts.OnAnswers(len(answers))
		}
		objs, err := live.ToUnstructured(answers, l.Namespace)
		if err != nil {
			return nil, err
		}
		if err := lc.Clients.Apply(ctx, objs); err != nil {
			return nil, fmt.Errorf("apply the answers in %s: %w", opts.AnswersDir, err)
		}
	}
	b, err := m.liveBackend(lc, l)
	if err != nil {
		return nil, err
	}
	defer b.Close() // ends the probe agents (or keeps them: lc.Agents)
	return checker.Run(ctx, l, b, LiveCheckOptions(opts.OnResult))
}

// requireSetUp reports ErrNotStarted when the lab's namespaces are missing on
// the cluster: grading a lab that was never set up there (or whose
// cluster was recreated) would only list failures that say nothing.
func requireSetUp(ctx context.Context, lc *LiveCluster, setup []*unstructured.Unstructured, lab string) error {
	missing, err := lc.Clients.MissingNamespaces(ctx, live.Namespaces(setup))
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w on this cluster: namespace %s does not exist (never started here, reset, or the cluster was recreated); run `ckadlab start %s`",
			ErrNotStarted, strings.Join(missing, ", "), lab)
	}
	return nil
}

// Started reports whether a lab is ready to work on: its workspace exists
// and, on a live cluster, its setup is there (a cluster that does not
// exist yet counts as not started: Start creates it).
func (m *Manager) Started(ctx context.Context, l *labs.Lab) (bool, error) {
	if _, err := os.Stat(m.Dirs.Workspace(l.ID)); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if !m.live() {
		return true, nil
	}
	lc, err := m.openLive(ctx, false)
	var nf *kind.NotFoundError
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	setup, _, err := liveSetup(l)
	if err != nil {
		return false, err
	}
	err = requireSetUp(ctx, lc, setup, l.ID)
	if errors.Is(err, ErrNotStarted) {
		return false, nil
	}
	return err == nil, err
}
