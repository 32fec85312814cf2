package cli

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/cluster/kind"
	"github.com/ckadlab/ckadlab/cluster/live"
	"github.com/ckadlab/ckadlab/session"
	"github.com/ckadlab/ckadlab/tui"
)

func TestKindStatus(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clock := t0
	now := func() time.Time { return clock }
	newB := func() *kindStatus { return newKindStatus(kind.Options{Name: "lab", Kubeconfig: "/k/config"}, now) }

	b := newB()
	st := b.snapshot()
	if st.Phase != tui.ClusterStarting || st.Backend != "kind (lab)" || st.Context != "kind-lab" || st.Kubeconfig != "/k/config" || !st.Since.Equal(t0) {
		t.Fatalf("initial status %+v", st)
	}
	st = b.event(kind.Event{Kind: kind.StepStarted, Step: "Preparing nodes"})
	if st.Step != "Preparing nodes" || st.StepIndex != 1 || len(st.Done) != 0 {
		t.Fatalf("after a started step: %+v", st)
	}
	first := b.event(kind.Event{Kind: kind.StepDone, Step: "Preparing nodes", Elapsed: 3 * time.Second})
	b.event(kind.Event{Kind: kind.StepStarted, Step: "Installing add-ons (Traefik)"})
	st = b.event(kind.Event{Kind: kind.StepFailed, Step: "Installing add-ons (Traefik)", Elapsed: time.Second})
	if len(first.Done) != 1 {
		t.Fatalf("an earlier status changed after later events: %+v", first.Done)
	}
	want := []tui.ClusterStep{{Name: "Preparing nodes", OK: true, Elapsed: 3 * time.Second}, {Name: "Installing add-ons (Traefik)", OK: false, Elapsed: time.Second}}
	if len(st.Done) != 2 || st.Done[0] != want[0] || st.Done[1] != want[1] || st.StepIndex != 2 {
		t.Fatalf("steps %+v, want %+v", st.Done, want)
	}
	st = b.event(kind.Event{Kind: kind.Warning, Message: "inotify limits are low"})
	if st.Message != "inotify limits are low" {
		t.Fatalf("warning not shown: %+v", st)
	}

	clock = t0.Add(40 * time.Second)
	st = b.finish(&kind.UpResult{Action: "created", Duration: 36500 * time.Millisecond, KubernetesVersion: "v1.37.2",
		Kubeconfig: "/k/other", Context: "kind-lab", NetworkPolicy: live.SelfTest{Enforced: true},
		IngressClasses: []kind.IngressClass{{Name: "nginx", Controller: kind.NginxController, Default: true}, {Name: "traefik", Controller: kind.TraefikController}}}, nil)
	if st.Ingress != "nginx (default: Traefik, ingress-nginx semantics), traefik (Traefik)" {
		t.Errorf("ingress classes %q", st.Ingress)
	}
	if st.Phase != tui.ClusterReady || st.KubernetesVersion != "v1.37.2" || st.Kubeconfig != "/k/other" || st.Step != "" ||
		st.NetworkPolicy != "enforced (self-test passed)" || st.Message != "cluster created in 36.5s" || !st.Since.Equal(clock) {
		t.Fatalf("ready status %+v", st)
	}

	st = newB().finish(&kind.UpResult{Action: "reused", NetworkPolicy: live.SelfTest{Detail: "a deny-all policy did not block traffic"}, Warnings: []string{"cgroup v1 host"}}, nil)
	if !strings.HasPrefix(st.NetworkPolicy, "NOT enforced: a deny-all policy") || !strings.Contains(st.Message, "cgroup v1 host") {
		t.Fatalf("unenforced status %+v", st)
	}

	off, ch := clusterFeed(context.Background(), &session.Manager{}, slog.New(slog.DiscardHandler), now)
	if ch != nil || off.Backend != "offline (built in)" || off.Ingress != "nginx (default: Traefik, ingress-nginx semantics), traefik (Traefik)" {
		t.Errorf("offline status %+v", off)
	}

	boom := errors.New("docker: the daemon does not answer")
	st = newB().finish(nil, boom)
	if st.Phase != tui.ClusterFailed || !errors.Is(st.Err, boom) {
		t.Fatalf("failed status %+v", st)
	}
}
