package probeagent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServe sends requests on a pipe as the live backend does and reads
// the responses back by id.
func TestServe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port := hostPort(t, l.Addr().String())
	closed := closedPort(t, "tcp")

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), inR, outW, Options{}); outW.Close() }()
	sc := bufio.NewScanner(outR)
	if !sc.Scan() {
		t.Fatal("no hello")
	}
	var h Hello
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Agent != AgentName || h.Version != Version {
		t.Fatalf("hello = %s (%v)", sc.Text(), err)
	}
	want := map[int]string{}
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		p, outcome := port, Connected
		if i%3 == 0 {
			p, outcome = closed, Refused
		}
		want[i] = outcome
		fmt.Fprintf(&b, `{"id":%d,"host":"127.0.0.1","port":%d,"timeout_ms":1000}`+"\n", i, p)
	}
	b.WriteString("not json\n\n")
	go func() { _, _ = io.WriteString(inW, b.String()); inW.Close() }()
	got := map[int]string{}
	for sc.Scan() {
		var r Response
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad response line %q: %v", sc.Text(), err)
		}
		if _, dup := got[r.ID]; dup {
			t.Fatalf("two responses for id %d", r.ID)
		}
		got[r.ID] = r.Outcome
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve after the input ended: %v", err)
	}
	if got[-1] != Invalid {
		t.Errorf("a line that is not JSON gets an invalid response with id -1, got %v", got[-1])
	}
	delete(got, -1)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("responses %v, want %v", got, want)
	}
}

func TestServeEndsWhenIdle(t *testing.T) {
	inR, _ := io.Pipe() // never closed: a client that vanished
	err := Serve(context.Background(), inR, io.Discard, Options{Idle: 50 * time.Millisecond})
	if !errors.Is(err, ErrIdle) {
		t.Fatalf("Serve = %v, want ErrIdle", err)
	}
}

func TestServeEndsAtMaxLife(t *testing.T) {
	inR, _ := io.Pipe()
	err := Serve(context.Background(), inR, io.Discard, Options{MaxLife: 50 * time.Millisecond})
	if !errors.Is(err, ErrMaxLife) {
		t.Fatalf("Serve = %v, want ErrMaxLife", err)
	}
}
