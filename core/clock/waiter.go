package clock

import (
	"context"
	"sync/atomic"
	"time"
)

// Waiter blocks one goroutine's call until something wakes it, a deadline
// passes or its context ends. It is how netifapi and sockets wait: for an
// actor (a context made by WithTask) it sleeps through the actor's task, so
// a Virtual clock sees the actor waiting; for any other goroutine it waits
// on a channel, and its deadline is still a timer of the clock.
//
// A Waiter may be reused for several waits by the goroutine that made it.
type Waiter struct {
	ctx      context.Context
	clock    Clock
	task     Task
	ch       chan struct{}
	timer    Timer
	timedOut atomic.Bool
	stop     func() bool
}

// NewWaiter returns a waiter for one goroutine's calls on clock c.
func NewWaiter(ctx context.Context, c Clock) *Waiter {
	w := &Waiter{ctx: ctx, task: TaskFrom(ctx)}
	if w.task == nil {
		w.ch = make(chan struct{}, 1)
	} else if ctx.Done() != nil {
		w.stop = context.AfterFunc(ctx, w.task.Wake)
	}
	w.clock = c
	return w
}

func (w *Waiter) expire() {
	w.timedOut.Store(true)
	w.Wake()
}

// Wake wakes the waiting goroutine, or makes its next Wait return at once.
// Any goroutine; never blocks.
func (w *Waiter) Wake() {
	if w.task != nil {
		w.task.Wake()
		return
	}
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// Wait blocks until Wake, until the clock reaches deadline (when it is not
// zero; it returns ErrTimeout), or until the context ends (its error).
// A wake may be spurious: callers check their condition in a loop.
func (w *Waiter) Wait(deadline time.Duration, why string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	w.timedOut.Store(false)
	if deadline > 0 {
		if w.timer == nil {
			w.timer = w.clock.NewTimer("wait", w.expire)
		}
		w.timer.Reset(deadline)
	}
	if w.task != nil {
		w.task.Sleep(why)
	} else {
		select {
		case <-w.ch:
		case <-w.ctx.Done():
		}
	}
	if deadline > 0 {
		w.timer.Stop()
	}
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if w.timedOut.Load() {
		return ErrTimeout
	}
	return nil
}

// Reuse readies w, closed after its last wait, for waits under ctx (a
// later call of the goroutine that made it, or of another goroutine it
// was handed to), so that callers can keep waiters rather than make one
// per call. It reports false, and changes nothing, unless ctx marks the
// same task as the context w was made for, or like it none: a Wake still
// on its way from an earlier wait must not reach another task. Such a
// late Wake, or the late expiry of an earlier deadline, can still make a
// Wait return early, as any spurious wake can: callers check their
// condition in a loop.
func (w *Waiter) Reuse(ctx context.Context) bool {
	if TaskFrom(ctx) != w.task {
		return false
	}
	w.ctx = ctx
	w.stop = nil // Close has run it
	if w.task != nil && ctx.Done() != nil {
		w.stop = context.AfterFunc(ctx, w.task.Wake)
	}
	if w.ch != nil {
		select { // a wake left over from an earlier wait
		case <-w.ch:
		default:
		}
	}
	return true
}

// Close releases the waiter's resources. A closed waiter may be made
// ready again with Reuse.
func (w *Waiter) Close() {
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.stop != nil {
		w.stop()
	}
}

// Sleep blocks the caller for d of clock time (an actor through its task).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	w := NewWaiter(ctx, c)
	defer w.Close()
	deadline := c.Now() + d
	for {
		err := w.Wait(deadline, "sleep "+d.String())
		if err == ErrTimeout || c.Now() >= deadline {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Yield lets every other task that can run now run once before the
// caller (an actor) goes on. Time does not advance. Without an actor in
// ctx, Yield does nothing.
func Yield(ctx context.Context) {
	if t := TaskFrom(ctx); t != nil {
		t.Wake()
		t.Sleep("yield")
	}
}
