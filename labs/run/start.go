package run

import (
	"context"
	"errors"
	"time"

	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/internal/crash"
)

// Pending is the status of a step that has not started yet (Steps only;
// a Report never holds it).
const Pending Status = "pending"

// progress is what a run started by Start has done so far. Guarded by
// World.mu.
type progress struct {
	started bool
	steps   []StepResult
	report  *Report
	cancel  context.CancelFunc
	done    chan struct{}
}

// Start configures the world and runs its steps in the background, as Run
// does, except that the clock runs on after the last step (a person is
// watching: the TUI). Read what it did with Steps, Report and Done. Close
// cancels the run and waits for it. Start may be called once.
func (w *World) Start(ctx context.Context) {
	w.mu.Lock()
	if w.prog.started {
		w.mu.Unlock()
		return
	}
	w.prog.started = true
	w.opts.KeepRunning = true
	rctx, cancel := context.WithCancel(ctx)
	w.prog.cancel = cancel
	w.prog.done = make(chan struct{})
	done := w.prog.done
	w.mu.Unlock()
	go func() {
		defer crash.Recover("lab run")
		defer close(done)
		rep := w.Run(rctx)
		w.mu.Lock()
		w.prog.report = rep
		w.mu.Unlock()
	}()
}

// Done returns a channel closed when the run that Start began has ended
// (nil before Start).
func (w *World) Done() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.prog.done
}

// Report returns the report of the run that Start began, nil while it
// runs.
func (w *World) Report() *Report {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.prog.report
}

// Steps returns every step of the lab with its latest status: Pending,
// Running, or its outcome. Any goroutine; it never blocks on the run.
func (w *World) Steps() []StepResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]StepResult, len(w.Lab.Steps))
	for i, st := range w.Lab.Steps {
		out[i] = StepResult{Index: i + 1, Name: st.Name, Kind: st.Action.Kind(), Status: Pending}
	}
	for _, r := range w.prog.steps {
		if r.Index >= 1 && r.Index <= len(out) {
			out[r.Index-1] = r
		}
	}
	return out
}

// recordStep remembers a step's latest result for Steps.
func (w *World) recordStep(r StepResult) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.prog.steps {
		if w.prog.steps[i].Index == r.Index {
			w.prog.steps[i] = r
			return
		}
	}
	w.prog.steps = append(w.prog.steps, r)
}

// stopRun cancels the run that Start began and waits for it to end.
func (w *World) stopRun() {
	w.mu.Lock()
	cancel, done := w.prog.cancel, w.prog.done
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Act runs fn as an actor of the world's clock, the way the runner runs
// steps, and returns its error: under a virtual clock, time stands still
// while fn works and moves while it waits in netlab calls, so a person's
// ping or send behaves like a lab's. It blocks the caller (a TUI command's
// goroutine) until fn returns; fn must honour ctx.
func (w *World) Act(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return ErrClosed
	}
	done, errp := w.actor(ctx, name, false, fn)
	<-done
	return *errp
}

// Go runs fn in the background as a daemon actor of the world's clock
// (an accept loop a person started from the TUI) and returns a channel
// closed when fn has returned. A daemon does not keep the virtual clock
// from reporting a stuck world; fn must return once its sockets fail, as
// they do when the world closes. ErrClosed on a closed world.
func (w *World) Go(ctx context.Context, name string, fn func(ctx context.Context) error) (<-chan struct{}, error) {
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	done, _ := w.actor(ctx, name, true, fn)
	return done, nil
}

// ErrClosed is returned by Act on a closed world.
var ErrClosed = errors.New("run: world is closed")

// Endpoint returns the link endpoint that interface iface of node
// attaches to, and its link, if a link of the lab names it.
func (w *World) Endpoint(node, iface string) (link.Endpoint, *Link) {
	return w.endpointFor(node, iface)
}

// FreeEndpoints returns the interface names of node that links of the lab
// name but that are not in use (given the node's current interfaces).
func (w *World) FreeEndpoints(node string, inUse []string) []string {
	var out []string
	for _, l := range w.Links {
		for _, e := range []struct{ node, iface string }{{l.Spec.A.Node, l.Spec.A.Interface}, {l.Spec.B.Node, l.Spec.B.Interface}} {
			if e.node != node {
				continue
			}
			used := false
			for _, n := range inUse {
				used = used || n == e.iface
			}
			if !used {
				out = append(out, e.iface)
			}
		}
	}
	return out
}

// ClockState is what a clock shows a person.
type ClockState struct {
	// Virtual reports a virtual clock; Paused, Stepping and Speed apply
	// only to it. Stepping is a paused clock that a person steps from
	// deadline to deadline (clock.Virtual.Stepping).
	Virtual  bool
	Paused   bool
	Stepping bool
	// Speed is the pace (1 = real time, 0 = as fast as possible).
	Speed float64
	// Now is the clock's time.
	Now time.Duration
}

// ClockState returns the clock's state. Any goroutine; never blocks.
func (w *World) ClockState() ClockState {
	if w.Virtual == nil {
		return ClockState{Now: w.Clock.Now(), Speed: 1}
	}
	return ClockState{Virtual: true, Paused: w.Virtual.Paused(), Stepping: w.Virtual.Stepping(), Speed: w.Virtual.Speed(), Now: w.Virtual.Now()}
}

// LinkStats returns every link's counters and impairments, in lab order.
// Any goroutine; never blocks.
func (w *World) LinkStats() []mem.Stats {
	out := make([]mem.Stats, len(w.Links))
	for i, l := range w.Links {
		out[i] = l.Pipe.Stats()
	}
	return out
}
