package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/cluster/live/probeagent"
	"github.com/ckadlab/ckadlab/probe"
)

// TestAgentsKeptAcrossBackends: checks given the same Agents start a
// source's agent once (the first check), share it when they run at the
// same time, start it again once its container ended, and end it once
// nobody used it for the idle time or the Agents close.
func TestAgentsKeptAcrossBackends(t *testing.T) {
	open, _ := listener(t)
	f := &fakeContainer{machine: machineOf(t)}
	kept := NewAgents(time.Hour)
	att := []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}}
	check := func(n int) {
		t.Helper()
		s := &agentSender{r: f, key: "pod:a/b/c", kept: kept, fallback: &fakeSender{}, logf: t.Logf}
		obs, err := s.Send(context.Background(), att)
		if err != nil || obs[0][0].Outcome != probe.Connected {
			t.Fatalf("check %d: %+v, %v", n, obs, err)
		}
		s.Close()
	}
	starts := func() int { f.mu.Lock(); defer f.mu.Unlock(); return f.starts }
	exits := func() int { f.mu.Lock(); defer f.mu.Unlock(); return f.exits }

	for n := 0; n < 3; n++ {
		check(n)
	}
	if starts() != 1 || exits() != 0 || kept.Len() != 1 {
		t.Fatalf("three checks one after the other: %d agents started, %d ended, %d kept; want 1, 0, 1", starts(), exits(), kept.Len())
	}

	// checks at the same time share it
	var wg sync.WaitGroup
	for n := 0; n < 8; n++ {
		wg.Add(1)
		go func() { defer wg.Done(); check(10 + n) }()
	}
	wg.Wait()
	if starts() != 1 {
		t.Errorf("eight checks at once started %d agents in all, want the one kept", starts())
	}

	// its container ended (the pod was replaced): forgotten, started anew
	kept.mu.Lock()
	sess := kept.kept["pod:a/b/c"].sess
	kept.mu.Unlock()
	sess.close()
	waitFor(t, func() bool { return kept.Len() == 0 }, "the ended agent to be forgotten")
	check(20)
	if starts() != 2 {
		t.Errorf("after the agent ended, the next check started %d agents in all, want 2", starts())
	}

	kept.Close()
	if exits() != 2 || kept.Len() != 0 {
		t.Errorf("after Close: %d agents ended (want both, before Close returns), %d kept", exits(), kept.Len())
	}
	// closed: a check still probes, through its own agent
	s := &agentSender{r: f, key: "pod:a/b/c", kept: kept, fallback: &fakeSender{}, logf: t.Logf}
	if _, err := s.Send(context.Background(), att); err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestAgentsIdle: an agent nobody uses for the idle time ends; one in use
// does not.
func TestAgentsIdle(t *testing.T) {
	open, _ := listener(t)
	f := &fakeContainer{machine: machineOf(t)}
	kept := NewAgents(50 * time.Millisecond)
	defer kept.Close()
	att := []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}}
	busy := &agentSender{r: f, key: "k", kept: kept, fallback: &fakeSender{}, logf: t.Logf}
	if _, err := busy.Send(context.Background(), att); err != nil {
		t.Fatal(err)
	}
	other := &agentSender{r: f, key: "k", kept: kept, fallback: &fakeSender{}, logf: t.Logf}
	if _, err := other.Send(context.Background(), att); err != nil {
		t.Fatal(err)
	}
	other.Close()
	time.Sleep(200 * time.Millisecond)
	f.mu.Lock()
	exits := f.exits
	f.mu.Unlock()
	if exits != 0 || kept.Len() != 1 {
		t.Fatalf("an agent still in use ended (%d exits, %d kept)", exits, kept.Len())
	}
	busy.Close()
	waitFor(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.exits == 1 && kept.Len() == 0 }, "the unused agent to end after the idle time")
}

// nsContainer is a fakeContainer in a pod of a namespace.
type nsContainer struct {
	*fakeContainer
	ns string
}

func (c nsContainer) Namespace() string { return c.ns }

// TestAgentsEndIn: a reset ends the agents kept in the lab's namespaces
// (before their pods go), not the others'.
func TestAgentsEndIn(t *testing.T) {
	open, _ := listener(t)
	a := nsContainer{&fakeContainer{machine: machineOf(t)}, "shop"}
	b := nsContainer{&fakeContainer{machine: machineOf(t)}, "other"}
	kept := NewAgents(time.Hour)
	defer kept.Close()
	att := []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}}
	for _, c := range []nsContainer{a, b} {
		s := &agentSender{r: c, key: c.ns, kept: kept, fallback: &fakeSender{}, logf: t.Logf}
		if _, err := s.Send(context.Background(), att); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	kept.EndIn([]string{"shop"})
	a.mu.Lock()
	aExits := a.exits
	a.mu.Unlock()
	b.mu.Lock()
	bExits := b.exits
	b.mu.Unlock()
	if aExits != 1 || bExits != 0 || kept.Len() != 1 {
		t.Errorf("after EndIn(shop): shop's agent ended %d times, other's %d, %d kept; want 1, 0, 1", aExits, bExits, kept.Len())
	}
	var nilAgents *Agents
	nilAgents.EndIn([]string{"shop"}) // no kept agents: nothing to do
}

// stuckContainer starts an agent that says hello and then takes no more
// input (a stream whose pod went away under it).
type stuckContainer struct{ fakeContainer }

func (c *stuckContainer) Stream(ctx context.Context, argv []string, stdin io.Reader, stdout io.Writer) (ExecResult, error) {
	if !strings.Contains(argv[2], "exec ") {
		return c.fakeContainer.Stream(ctx, argv, stdin, stdout)
	}
	fmt.Fprintf(stdout, `{"agent":%q,"version":%q}`+"\n", probeagent.AgentName, probeagent.Version)
	<-ctx.Done() // never reads its input
	return ExecResult{}, ctx.Err()
}

// TestAgentStuckInput: a request the agent's stream does not take ends the
// agent (it is not waited for forever); the probe starts a new one.
func TestAgentStuckInput(t *testing.T) {
	old := stuckAfter
	stuckAfter = 100 * time.Millisecond
	defer func() { stuckAfter = old }()
	open, _ := listener(t)
	c := &stuckContainer{fakeContainer{machine: machineOf(t), installed: [][]byte{nil}}}
	s := &agentSender{r: c, fallback: &fakeSender{}, logf: t.Logf}
	defer s.Close()
	done := make(chan error, 1)
	go func() {
		_, err := s.Send(context.Background(), []Attempt{{Host: "127.0.0.1", Port: open, Timeout: time.Second}})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, errAgentGone) || !strings.Contains(err.Error(), "took no request") {
			t.Errorf("Send = %v, want the agent ended because its input is stuck", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a probe through an agent whose input is stuck never returned")
	}
}
