package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/tui"
)

// clusterFeed starts the session's live cluster in the background (kind:
// created or reused, as `ckadlab cluster up` does; context:NAME:
// connected) and reports its progress to the TUI as cluster statuses,
// whose channel it closes when done. The offline cluster has nothing to
// start: its status, and no channel.
func clusterFeed(ctx context.Context, mgr *session.Manager, logger *slog.Logger, now func() time.Time) (tui.ClusterStatus, <-chan tui.ClusterStatus) {
	switch {
	case mgr.Cluster.IsKind():
		b := newKindStatus(mgr.Kind, now)
		ch := make(chan tui.ClusterStatus, 64)
		var mu sync.Mutex
		closed := false
		send := func(st tui.ClusterStatus, last bool) {
			mu.Lock()
			defer mu.Unlock()
			if closed {
				return // later events (a check reopening the cluster) only go to the log
			}
			select {
			case ch <- st:
			case <-ctx.Done():
			}
			if last {
				closed = true
				close(ch)
			}
		}
		mgr.Kind.Events = func(e kind.Event) {
			logger.Info("cluster", "event", e.String())
			send(b.event(e), false)
		}
		go func() {
			res, err := mgr.UpKind(ctx)
			if err != nil {
				logger.Error("cluster up", "err", err)
			}
			send(b.finish(res, err), true)
		}()
		return b.snapshot(), ch
	case mgr.Cluster.Live():
		name, _ := mgr.Cluster.Context()
		st := tui.ClusterStatus{Backend: "context " + name, Context: name, Kubeconfig: mgr.Kubeconfig,
			NetworkPolicy: "self-test at the first check", Phase: tui.ClusterStarting, Step: "Connecting", Since: now()}
		ch := make(chan tui.ClusterStatus, 1)
		go func() {
			defer close(ch)
			next := st
			lc, err := mgr.OpenLive(ctx, false)
			if err == nil {
				var v fmt.Stringer
				if v, err = lc.Clients.Kube.Discovery().ServerVersion(); err == nil {
					next.KubernetesVersion = v.String()
				}
			}
			next.Step = ""
			if err != nil {
				logger.Error("cluster connect", "context", name, "err", err)
				next.Phase, next.Err = tui.ClusterFailed, err
			} else {
				next.Phase = tui.ClusterReady
			}
			ch <- next
		}()
		return st, ch
	}
	st := tui.OfflineCluster()
	st.Ingress = kind.DescribeIngressClasses([]kind.IngressClass{
		{Name: offline.NginxClass, Controller: kind.NginxController, Default: offline.DefaultIngressClass == offline.NginxClass},
		{Name: offline.TraefikClass, Controller: kind.TraefikController, Default: offline.DefaultIngressClass == offline.TraefikClass},
	})
	return st, nil
}

// kindStatus turns kind's progress events into TUI cluster statuses.
type kindStatus struct {
	mu  sync.Mutex
	st  tui.ClusterStatus
	now func() time.Time
}

func newKindStatus(o kind.Options, now func() time.Time) *kindStatus {
	name := o.Name
	if name == "" {
		name = kind.DefaultName
	}
	return &kindStatus{now: now, st: tui.ClusterStatus{
		Backend:           "kind (" + name + ")",
		Context:           kind.Context(name),
		KubernetesVersion: "…",
		NetworkPolicy:     "self-test pending",
		Kubeconfig:        o.Kubeconfig,
		Phase:             tui.ClusterStarting,
		Step:              "Starting",
		Since:             now(),
	}}
}

// snapshot copies the status (its step list is shared otherwise).
func (k *kindStatus) snapshot() tui.ClusterStatus {
	st := k.st
	st.Done = append([]tui.ClusterStep(nil), k.st.Done...)
	return st
}

func (k *kindStatus) event(e kind.Event) tui.ClusterStatus {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch e.Kind {
	case kind.StepStarted:
		k.st.Step = e.Step
		k.st.StepIndex++
	case kind.StepDone, kind.StepFailed:
		k.st.Done = append(k.st.Done, tui.ClusterStep{Name: e.Step, OK: e.Kind == kind.StepDone, Elapsed: e.Elapsed})
	default:
		k.st.Message = e.Message
	}
	return k.snapshot()
}

// finish is the last status: ready (with what Up found) or failed.
func (k *kindStatus) finish(res *kind.UpResult, err error) tui.ClusterStatus {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.st.Step = ""
	if err != nil {
		k.st.Phase, k.st.Err = tui.ClusterFailed, err
		return k.snapshot()
	}
	k.st.Phase, k.st.Since = tui.ClusterReady, k.now()
	k.st.KubernetesVersion = res.KubernetesVersion
	if res.Kubeconfig != "" {
		k.st.Kubeconfig = res.Kubeconfig
	}
	if res.Context != "" {
		k.st.Context = res.Context
	}
	if len(res.IngressClasses) > 0 {
		k.st.Ingress = kind.DescribeIngressClasses(res.IngressClasses)
	}
	if res.NetworkPolicy.Enforced {
		k.st.NetworkPolicy = "enforced (self-test passed)"
	} else {
		k.st.NetworkPolicy = "NOT enforced: " + res.NetworkPolicy.Detail
	}
	k.st.Message = fmt.Sprintf("cluster %s in %.1fs", res.Action, res.Duration.Seconds())
	if len(res.Warnings) > 0 {
		k.st.Message += "; " + strings.Join(res.Warnings, "; ")
	}
	return k.snapshot()
}
