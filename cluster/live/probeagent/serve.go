package probeagent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Options bound an agent's life.
type Options struct {
	// Idle ends the agent when no request has been in flight for this
	// long (default 2 minutes): a client that vanished without closing
	// the agent's input leaves no process behind for long.
	Idle time.Duration
	// MaxLife ends the agent after this long, whatever it is doing
	// (default 30 minutes).
	MaxLife time.Duration
	// MaxInFlight bounds the probes running at once (default 256);
	// requests beyond it wait for a slot.
	MaxInFlight int
}

func (o *Options) defaults() {
	if o.Idle <= 0 {
		o.Idle = 2 * time.Minute
	}
	if o.MaxLife <= 0 {
		o.MaxLife = 30 * time.Minute
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 256
	}
}

// MaxRequest is the longest request line the agent reads.
const MaxRequest = 64 << 10

// ErrIdle and ErrMaxLife say why Serve returned early.
var (
	ErrIdle    = errors.New("idle for too long")
	ErrMaxLife = errors.New("lived too long")
)

// Serve prints the Hello, then answers every request read from in until
// in ends (it then waits for the probes in flight), ctx ends, or a limit
// in opts is reached. Responses are written to out one JSON line each.
func Serve(ctx context.Context, in io.Reader, out io.Writer, opts Options) error {
	opts.defaults()
	ctx, cancel := context.WithTimeout(ctx, opts.MaxLife)
	defer cancel()

	var outMu sync.Mutex
	enc := json.NewEncoder(out)
	write := func(v any) error {
		outMu.Lock()
		defer outMu.Unlock()
		return enc.Encode(v)
	}
	if err := write(Hello{Agent: AgentName, Version: Version, PID: os.Getpid()}); err != nil {
		return err
	}

	lines := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 4096), MaxRequest)
		for sc.Scan() {
			line := append([]byte(nil), sc.Bytes()...)
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()

	slots := make(chan struct{}, opts.MaxInFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	inFlight, last := 0, time.Now()
	finish := func() {
		mu.Lock()
		inFlight--
		last = time.Now()
		mu.Unlock()
	}
	tick := time.NewTicker(min(opts.Idle/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case line := <-lines:
			if len(line) == 0 {
				continue
			}
			var req Request
			if err := json.Unmarshal(line, &req); err != nil {
				if err := write(Response{ID: -1, Outcome: Invalid, Detail: "not a request: " + err.Error()}); err != nil {
					return err
				}
				continue
			}
			mu.Lock()
			inFlight++
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer finish()
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				resp := Do(ctx, req)
				<-slots
				_ = write(resp)
			}()
		case err := <-readErr:
			wg.Wait()
			if err != nil {
				return fmt.Errorf("read requests: %w", err)
			}
			return nil
		case <-tick.C:
			mu.Lock()
			idle := inFlight == 0 && time.Since(last) >= opts.Idle
			mu.Unlock()
			if idle {
				return ErrIdle
			}
		case <-ctx.Done():
			wg.Wait()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return ErrMaxLife
			}
			return ctx.Err()
		}
	}
}
