package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs/run"
)

// maxQueuedEvents bounds the events waiting to be printed; beyond it
// events are counted and the count is printed instead.
const maxQueuedEvents = 1 << 14

// stepPrinter prints a run's steps as they end, one line each. On a
// terminal it also keeps a live line at the bottom, rewritten in place:
// the step that runs and the clock. Its methods may be called from any
// goroutine (the runner's; a stack's tcpip goroutine for events, which
// only queues them: the loop never formats or writes).
type stepPrinter struct {
	qmu     sync.Mutex
	queued  []snapshot.Event // copies of the events not yet printed, in order
	dropped int              // events not queued: the queue was full
	notify  chan struct{}    // cap 1: events were queued

	mu    sync.Mutex
	w     io.Writer
	live  bool // keep a progress line (a terminal)
	color bool
	total int // steps in the lab

	clock   func() run.ClockState // the world's clock, once it is built
	running *run.StepResult       // the step that runs, nil between steps
	shown   bool                  // the live line is on the screen
	frame   int                   // the spinner's frame
	stop    chan struct{}
	done    chan struct{}
	failed  []run.StepResult
}

// newStepPrinter returns a printer for a lab of total steps; live keeps a
// progress line, color colors the marks.
func newStepPrinter(w io.Writer, total int, live, color bool) *stepPrinter {
	return &stepPrinter{w: w, total: total, live: live, color: color, notify: make(chan struct{}, 1)}
}

// event queues a copy of an event for printing (run.Options.OnEvent;
// *e is a slot of the stack's ring, reused later). It never blocks: it
// runs on a tcpip goroutine.
func (p *stepPrinter) event(e *snapshot.Event) {
	p.qmu.Lock()
	if len(p.queued) < maxQueuedEvents {
		p.queued = append(p.queued, *e)
	} else {
		p.dropped++
	}
	p.qmu.Unlock()
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// printEventsLocked prints the queued events, and how many did not fit
// in the queue.
func (p *stepPrinter) printEventsLocked() {
	p.qmu.Lock()
	events, dropped := p.queued, p.dropped
	p.queued, p.dropped = nil, 0
	p.qmu.Unlock()
	if len(events) == 0 && dropped == 0 {
		return
	}
	p.clearLocked()
	for i := range events {
		fmt.Fprintln(p.w, "  · "+events[i].String())
	}
	if dropped > 0 {
		fmt.Fprintf(p.w, "  · (%d events not shown: the output fell behind)\n", dropped)
	}
	p.drawLocked()
}

// start begins printing queued events as they come and, on a terminal,
// redrawing the live line ten times a second with the world's clock;
// finish stops it.
func (p *stepPrinter) start(clock func() run.ClockState) {
	p.mu.Lock()
	p.clock = clock
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	p.mu.Unlock()
	go func() {
		defer crash.Recover("step printer")
		defer close(p.done)
		var tick <-chan time.Time
		if p.live {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-p.stop:
				return
			case <-p.notify:
				p.mu.Lock()
				p.printEventsLocked()
				p.mu.Unlock()
			case <-tick:
				p.mu.Lock()
				p.frame++
				p.printEventsLocked()
				p.drawLocked()
				p.mu.Unlock()
			}
		}
	}()
}

// finish stops the live line and clears it.
func (p *stepPrinter) finish() {
	if p.stop != nil {
		close(p.stop)
		<-p.done
		p.stop = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printEventsLocked()
	p.clearLocked()
}

// step takes a step's result (run.Options.OnStep).
func (p *stepPrinter) step(r run.StepResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printEventsLocked() // the events that led to this outcome come first
	if r.Status == run.Running {
		p.running = &r
		p.drawLocked()
		return
	}
	p.running = nil
	if r.Status == run.Failed {
		p.failed = append(p.failed, r)
	}
	p.clearLocked()
	fmt.Fprintln(p.w, p.format(r))
	p.drawLocked()
}

// summary prints the failed steps again, then the run's verdict.
func (p *stepPrinter) summary(rep *run.Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printEventsLocked()
	p.clearLocked()
	if len(p.failed) > 0 && len(rep.Steps) > 1 {
		fmt.Fprintf(p.w, "%d step%s failed:\n", len(p.failed), plural(len(p.failed)))
		for _, r := range p.failed {
			fmt.Fprintln(p.w, "  "+p.format(r))
		}
	}
	fmt.Fprintln(p.w, rep.Summary())
}

// format formats a step's outcome: "✔  1    0.000s  ping b → a   3/3 replies".
func (p *stepPrinter) format(r run.StepResult) string {
	mark := map[run.Status]string{run.Passed: "✔", run.Failed: "✘", run.Skipped: "–"}[r.Status]
	if p.color {
		color := map[run.Status]string{run.Passed: "\x1b[32m", run.Failed: "\x1b[31m"}[r.Status]
		if color != "" {
			mark = color + mark + "\x1b[0m"
		}
	}
	return fmt.Sprintf("%s %2d %8.3fs  %s %s", mark, r.Index, r.At.Seconds(), pad(r.Name, 36), r.Detail)
}

// drawLocked writes the live line: the running step and the clock.
func (p *stepPrinter) drawLocked() {
	if !p.live || p.running == nil {
		return
	}
	spin := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}[p.frame%10]
	clock := ""
	if p.clock != nil {
		c := p.clock()
		kind := "real"
		if c.Virtual {
			kind = "virtual"
		}
		clock = fmt.Sprintf("  %s %.3fs", kind, c.Now.Seconds())
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s %d/%d %s%s", spin, p.running.Index, p.total, cut(p.running.Name, 60), clock)
	p.shown = true
}

// clearLocked erases the live line, if it is on the screen.
func (p *stepPrinter) clearLocked() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// pad pads s with spaces to n characters, or cuts it to n with an
// ellipsis.
func pad(s string, n int) string {
	s = cut(s, n)
	return s + strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s)))
}

// cut shortens s to n characters, the last an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
