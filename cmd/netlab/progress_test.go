package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs/run"
)

// TestLiveProgressLine drives a step printer as a terminal would see it:
// the live line is drawn, erased before each line of output, and gone at
// the end.
func TestLiveProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := newStepPrinter(&b, 2, true, false)
	now := 1500 * time.Millisecond
	p.clock = func() run.ClockState { return run.ClockState{Virtual: true, Now: now} }
	p.step(run.StepResult{Index: 1, Name: "ping b → a", Status: run.Running})
	ev := &snapshot.Event{Node: "b", Kind: snapshot.EventState, Msg: "an event"}
	p.event(ev) // queued on a tcpip goroutine, printed before the next step
	p.step(run.StepResult{Index: 1, Name: "ping b → a", Status: run.Passed, At: time.Second, Detail: "3/3 replies"})
	p.step(run.StepResult{Index: 2, Name: "expect", Status: run.Running})
	p.step(run.StepResult{Index: 2, Name: "expect", Status: run.Failed, At: 2 * time.Second, Detail: "ping replies: want 3, got 0 of 3"})
	p.summary(&run.Report{Lab: "x", Clock: "virtual", Steps: make([]run.StepResult, 2)})
	p.finish()
	want := "\r\x1b[K⠋ 1/2 ping b → a  virtual 1.500s" +
		"\r\x1b[K  · " + ev.String() + "\n" +
		"\r\x1b[K⠋ 1/2 ping b → a  virtual 1.500s" +
		"\r\x1b[K✔  1    1.000s  ping b → a                           3/3 replies\n" +
		"\r\x1b[K⠋ 2/2 expect  virtual 1.500s" +
		"\r\x1b[K✘  2    2.000s  expect                               ping replies: want 3, got 0 of 3\n" +
		"1 step failed:\n" +
		"  ✘  2    2.000s  expect                               ping replies: want 3, got 0 of 3\n" +
		"x: FAILED, 0/2 steps passed in 0s of virtual time (0s wall)\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestPlainOutputHasNoLiveLine(t *testing.T) {
	code, out, _ := runCLI(t, "run", "quickstart")
	if code != exitOK || strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("exit %d, output with escapes or carriage returns:\n%q", code, out)
	}
}

func TestSeedOverridesTheLabs(t *testing.T) {
	code, out, _ := runCLI(t, "run", "--seed", "42", "quickstart")
	if code != exitOK || !strings.HasPrefix(out, "netlab · quickstart (virtual clock, seed 42)\n") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "run", "--json", "--seed", "7", "quickstart")
	var rep struct{ Seed uint64 }
	if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || rep.Seed != 7 {
		t.Errorf("exit %d, seed %d, %v", code, rep.Seed, err)
	}
	if code, _, errs := runCLI(t, "run", "--seed", "-1", "quickstart"); code != exitBadInput || !strings.Contains(errs, "seed") {
		t.Errorf("--seed -1: exit %d %q", code, errs)
	}
}

func TestLabsShowAndSchema(t *testing.T) {
	code, out, _ := runCLI(t, "labs", "show", "router")
	if code != exitOK || !strings.HasPrefix(out, "# yaml-language-server: $schema=lab.schema.json\nname: router\n") {
		t.Errorf("labs show router: exit %d\n%s", code, out)
	}
	if code, _, errs := runCLI(t, "labs", "show", "nope"); code != exitBadInput || !strings.Contains(errs, "unknown lab") {
		t.Errorf("labs show nope: exit %d %q", code, errs)
	}
	code, out, _ = runCLI(t, "labs", "schema")
	var schema map[string]any
	if err := json.Unmarshal([]byte(out), &schema); code != exitOK || err != nil || schema["title"] != "netlab lab" {
		t.Errorf("labs schema: exit %d, %v", code, err)
	}
	code, out, _ = runCLI(t, "__complete", "labs", "show", "ro")
	if code != exitOK || !strings.HasPrefix(out, "router\t") || !strings.Contains(out, ":4\n") {
		t.Errorf("completion of labs show: exit %d\n%s", code, out)
	}
}

// blockedWriter stands for a terminal that has stopped reading.
type blockedWriter struct {
	unblock chan struct{}
	mu      sync.Mutex
	b       bytes.Buffer
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	<-w.unblock
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestEventsNeverBlockTheLoop: while the output is stuck, events (which
// arrive on tcpip goroutines) are queued up to a bound and then counted,
// never waited for; once the output moves, they are printed in order
// with the count of those not shown, each as it was when it was recorded.
func TestEventsNeverBlockTheLoop(t *testing.T) {
	w := &blockedWriter{unblock: make(chan struct{})}
	p := newStepPrinter(w, 1, false, false)
	p.start(nil)
	queued := make(chan struct{})
	var slot snapshot.Event
	go func() {
		defer close(queued)
		for i := range 3 * maxQueuedEvents { // the printer holds at most one queue's worth
			// One slot, rewritten for every event, as a stack's ring does.
			slot = snapshot.Event{Seq: uint64(i), Node: "a", Kind: snapshot.EventState, Msg: "event %v", Arg: i}
			p.event(&slot)
		}
	}()
	select {
	case <-queued:
	case <-time.After(30 * time.Second):
		t.Fatal("queuing events waited for the output")
	}
	close(w.unblock)
	p.finish()
	out := w.b.String()
	if n := strings.Count(out, "\n"); n < 11 || !strings.Contains(out, "events not shown") {
		t.Fatalf("got %d lines, want the events and a count of those not shown; ending %q", n, out[max(0, len(out)-200):])
	}
	if first := strings.Index(out, "event 0\n"); first < 0 || first > strings.Index(out, "event 1\n") {
		t.Errorf("events out of order: %q", out[:min(len(out), 200)])
	}
}
