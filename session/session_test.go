package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
	"github.com/ckadlab/ckadlab/state"
	"github.com/ckadlab/ckadlab/store"
)

func TestParseCluster(t *testing.T) {
	noDocker := func(context.Context) error { return errors.New("the Docker daemon is not running: start it") }
	docker := func(context.Context) error { return nil }
	tests := []struct {
		in     string
		check  func(context.Context) error
		want   Target
		notice string
		err    string
	}{
		{"", noDocker, Offline, "Docker daemon is not running", ""},
		{"auto", noDocker, Offline, "using the built-in offline cluster", ""},
		{"auto", docker, Kind, "", ""},
		{"", docker, Kind, "", ""},
		{"offline", docker, Offline, "", ""},
		{" offline ", noDocker, Offline, "", ""},
		{"kind", noDocker, Kind, "", ""},
		{"context:prod-lab", noDocker, ContextTarget("prod-lab"), "", ""},
		{"context: prod-lab ", noDocker, ContextTarget("prod-lab"), "", ""},
		{"context:", docker, Offline, "", "name the kube context"},
		{"bogus", docker, Offline, "", "want auto, offline, kind or context:NAME"},
	}
	defer func(f func(context.Context) error) { DockerCheck = f }(DockerCheck)
	for _, tt := range tests {
		DockerCheck = tt.check
		got, err := ChooseCluster(context.Background(), tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ChooseCluster(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.Target != tt.want || !strings.Contains(got.Notice, tt.notice) || (tt.notice == "" && got.Notice != "") {
			t.Errorf("ChooseCluster(%q) = %+v, %v; want %q with notice %q", tt.in, got, err, tt.want, tt.notice)
		}
		if p, err := ParseCluster(tt.in); err != nil || p != tt.want {
			t.Errorf("ParseCluster(%q) = %q, %v; want %q", tt.in, p, err, tt.want)
		}
	}
}

func TestTarget(t *testing.T) {
	var zero Target
	if zero != Offline || zero.Live() || zero.String() != "offline" {
		t.Errorf("the zero Target is %v, live %v; want the offline cluster", zero, zero.Live())
	}
	if !Kind.Live() || !Kind.IsKind() || Kind.String() != "kind" {
		t.Errorf("Kind: %v", Kind)
	}
	c := ContextTarget("prod")
	if name, ok := c.Context(); !ok || name != "prod" || !c.Live() || c.IsKind() || c.String() != "context:prod" {
		t.Errorf("context target: %v", c)
	}
	if _, ok := Kind.Context(); ok {
		t.Error("Kind has a context")
	}
}

func TestManagerFlow(t *testing.T) {
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	l := all[0]
	dir := t.TempDir()
	clock := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	m := &Manager{Dirs: state.Dirs{Data: filepath.Join(dir, "data"), State: filepath.Join(dir, "state")}, Cluster: Offline, Now: func() time.Time { return clock }}
	ctx := context.Background()
	if _, err := m.Check(ctx, l, CheckOptions{}); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("check before start: %v", err)
	}
	if ok, err := m.Started(ctx, l); ok || err != nil {
		t.Fatalf("Started before start = %v, %v", ok, err)
	}
	info, err := m.Start(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := m.Started(ctx, l); !ok || err != nil {
		t.Fatalf("Started after start = %v, %v", ok, err)
	}
	if _, err := os.Stat(filepath.Join(info.Workspace, "setup", "setup.yaml")); err != nil {
		t.Fatalf("setup reference not written: %v", err)
	}
	var streamed int
	rep, err := m.Check(ctx, l, CheckOptions{OnResult: func(_ checker.Result) { streamed++ }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed() || streamed != len(l.Checks) {
		t.Fatalf("blank answer: passed=%v streamed=%d", rep.Passed(), streamed)
	}
	if err := os.WriteFile(filepath.Join(info.Workspace, "answer.yaml"), []byte(l.Solution.Manifests), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = m.Check(ctx, l, CheckOptions{})
	if err != nil || !rep.Passed() {
		t.Fatalf("solution: %v, failed %v", err, rep.Failed())
	}
	p, err := m.Progress()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Get(l.ID); got.Status != store.StatusPassed || got.Attempts != 2 || !got.LastChecked.Equal(clock) {
		t.Fatalf("progress = %+v", got)
	}
	// Grading another folder does not touch progress.
	other := t.TempDir()
	if _, err := m.Check(ctx, l, CheckOptions{AnswersDir: other}); err != nil {
		t.Fatal(err)
	}
	p, _ = m.Progress()
	if p.Get(l.ID).Attempts != 2 {
		t.Fatal("--answers run was recorded")
	}
	ri, err := m.Reset(ctx, l)
	if err != nil || ri.Moved != 1 {
		t.Fatalf("reset = %+v, %v", ri, err)
	}
}

// TestManagerKeepsAgents: the live clusters a manager opens share one set
// of kept probe agents until the manager closes.
func TestManagerKeepsAgents(t *testing.T) {
	m := &Manager{}
	a := m.keptAgents()
	if a == nil || m.keptAgents() != a {
		t.Fatal("two calls gave different kept agents")
	}
	m.Close()
	if b := m.keptAgents(); b == a || b == nil {
		t.Error("after Close, the manager kept the closed agents")
	}
	m.Close()
}
