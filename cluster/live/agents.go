package live

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Agents keeps probe agents running between checks: one per source, shared
// by the backends given the same Agents (Options.Agents), so that a check
// after the first one of a lab does not start its agents again (an exec
// through the API server each, 0.3–0.5 s on a busy node, the largest fixed
// cost of a check after a drop's timeout). A long-lived process (the TUI)
// keeps one for its life; a one-shot command gains nothing from it.
//
// An agent nobody uses for Idle is ended (its input is closed and it
// exits): between checks the learner's pods hold, for that long, one idle
// process that listens on nothing, as during a check. An agent whose
// container ends (the pod was replaced) is forgotten; the next check
// starts one in the new pod. Close ends them all.
type Agents struct {
	idle time.Duration

	mu     sync.Mutex
	kept   map[string]*keptAgent
	closed bool
}

// DefaultAgentIdle is how long an unused agent is kept. When a pod is
// replaced under its agent, the exec's stream can stall rather than end
// (the API server stops taking its input); client-go's WebSocket
// heartbeat then times out after 61 s and, once it has, never stops
// (it logs a failed ping every 5 s for the life of the process). An
// agent ended within 45 s of its last use (plus the 2 s its exec is
// given to end) is closed before that, so the heartbeat ends with it.
const DefaultAgentIdle = 45 * time.Second

// keptAgent is one source's agent: being started (ready open), running,
// or failed to start (err).
type keptAgent struct {
	namespace string // of the source pod ("" for other sources)
	ready     chan struct{}
	sess      *agentSession
	err       error
	users     int
	idle      *time.Timer
}

// NewAgents returns an empty set of kept agents; idle ≤ 0 means
// DefaultAgentIdle.
func NewAgents(idle time.Duration) *Agents {
	if idle <= 0 {
		idle = DefaultAgentIdle
	}
	return &Agents{idle: idle, kept: map[string]*keptAgent{}}
}

var errAgentsClosed = errors.New("the kept probe agents are closed")

// get returns the running agent of the source key, starting it in r's
// container when there is none (fresh says it was started now), and counts
// a user until put.
func (p *Agents) get(ctx context.Context, key string, r Streamer) (sess *agentSession, fresh bool, err error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, false, errAgentsClosed
		}
		k := p.kept[key]
		if k == nil {
			k = &keptAgent{ready: make(chan struct{}), users: 1}
			if n, ok := r.(interface{ Namespace() string }); ok {
				k.namespace = n.Namespace()
			}
			p.kept[key] = k
			p.mu.Unlock()
			sess, err := startAgent(ctx, r)
			p.mu.Lock()
			k.sess, k.err = sess, err
			close(k.ready)
			closed := p.closed
			if err != nil || closed {
				if p.kept[key] == k {
					delete(p.kept, key)
				}
			}
			p.mu.Unlock()
			if err != nil {
				return nil, false, err
			}
			if closed {
				sess.close()
				return nil, false, errAgentsClosed
			}
			go p.forgetWhenDead(key, k)
			return sess, true, nil
		}
		p.mu.Unlock()
		select {
		case <-k.ready:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		p.mu.Lock()
		switch {
		case k.err != nil:
			p.mu.Unlock()
			if isContextErr(k.err) && ctx.Err() == nil {
				continue // the check that started it was cancelled, not this one
			}
			return nil, false, k.err
		case p.kept[key] != k || k.sess.ended():
			// ended since (idle, or its container went): start anew
			if p.kept[key] == k {
				delete(p.kept, key)
			}
			p.mu.Unlock()
			continue
		}
		k.users++
		if k.idle != nil {
			k.idle.Stop()
			k.idle = nil
		}
		p.mu.Unlock()
		return k.sess, false, nil
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// put ends a use of key's agent sess: the last user's put starts its
// idle time.
func (p *Agents) put(key string, sess *agentSession) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.kept[key]
	if k == nil || k.sess != sess {
		// not kept (it broke, or was ended while starting): end it
		sess.close()
		return
	}
	if k.users--; k.users > 0 || p.closed {
		return
	}
	k.idle = time.AfterFunc(p.idle, func() {
		p.mu.Lock()
		end := k.users == 0 && p.kept[key] == k
		if end {
			delete(p.kept, key)
		}
		p.mu.Unlock()
		if end {
			sess.close()
		}
	})
}

// discard forgets key's agent sess (it broke); its users end it.
func (p *Agents) discard(key string, sess *agentSession) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := p.kept[key]; k != nil && k.sess == sess {
		delete(p.kept, key)
	}
}

// forgetWhenDead forgets k once its agent ended (its container went, or
// it was closed).
func (p *Agents) forgetWhenDead(key string, k *keptAgent) {
	<-k.sess.dead
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.kept[key] == k {
		delete(p.kept, key)
		if k.idle != nil {
			k.idle.Stop()
		}
	}
}

// EndIn ends the kept agents of pods in the namespaces, before a reset
// deletes them: their input ends and they exit, rather than being killed
// with their pods while a check may still hold them.
func (p *Agents) EndIn(namespaces []string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	ending := p.take(func(k *keptAgent) bool { return k.namespace != "" && slices.Contains(namespaces, k.namespace) })
	p.mu.Unlock()
	end(ending)
}

// Len is how many agents are kept (running or starting).
func (p *Agents) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.kept)
}

// Close ends every kept agent and waits, at most a second, for their
// execs to end (so that a process exiting next does not cut an agent's
// input before it has read its end). Agents are not kept afterwards.
func (p *Agents) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	ending := p.take(func(*keptAgent) bool { return true })
	p.closed = true
	p.mu.Unlock()
	end(ending)
}

// take forgets the kept agents match selects (p.mu held) and stops their
// idle time.
func (p *Agents) take(match func(*keptAgent) bool) []*keptAgent {
	var out []*keptAgent
	for key, k := range p.kept {
		if match(k) {
			delete(p.kept, key)
			if k.idle != nil {
				k.idle.Stop()
			}
			out = append(out, k)
		}
	}
	return out
}

// end ends agents no longer kept (their users, if any, find them ended)
// and waits, at most a second, for their execs to end.
func end(kept []*keptAgent) {
	var ending []*agentSession
	for _, k := range kept {
		select {
		case <-k.ready:
			if k.sess != nil {
				k.sess.close()
				ending = append(ending, k.sess)
			}
		default: // still starting: its user ends it (put), as it is not kept
		}
	}
	deadline := time.After(time.Second)
	for _, s := range ending {
		select {
		case <-s.dead:
		case <-deadline:
			return
		}
	}
}
