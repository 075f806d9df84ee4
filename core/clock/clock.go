// Package clock is a world's time and its scheduler.
//
// A Clock is either Real (wall time; every goroutine runs freely) or Virtual
// (time stands still while anything can still happen now and jumps to the
// earliest deadline when nothing can). Under a Virtual clock every Task (a
// stack's tcpip goroutine, a lab actor) runs only while it holds the world:
// one Task at a time, handed on in a fixed FIFO order, so a lab and its seed
// give the same run under any GOMAXPROCS.
//
// Code in this package runs on whichever goroutine calls it; the Virtual
// clock's own scheduler goroutine runs timer callbacks.
package clock

import (
	"context"
	"errors"
	"time"
)

// Clock is a source of time, timers and scheduling for one world.
type Clock interface {
	// Now returns the time elapsed since the clock started.
	Now() time.Duration
	// NewTimer returns a stopped timer that calls f when it fires. f must
	// not block: it runs on the clock's scheduler (Virtual) or on a timer
	// goroutine (Real). name says what the timer is for, for diagnostics.
	NewTimer(name string, f func()) Timer
	// NewTask registers a goroutine that sleeps until it has work. The
	// caller's goroutine becomes the task's goroutine when it first calls
	// Sleep. A daemon task (a stack's loop) does not keep a run alive: the
	// Virtual clock reports a stuck world only when a non-daemon task is
	// asleep with nothing left that could wake it.
	NewTask(name string, daemon bool) Task
	// Virtual reports whether this is a virtual clock.
	Virtual() bool
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	// Reset arms the timer to fire at the absolute clock time at (a time
	// in the past fires at once). It replaces any earlier arming.
	Reset(at time.Duration)
	// Stop disarms the timer and reports whether it was armed.
	Stop() bool
}

// Task is a goroutine the clock schedules.
type Task interface {
	// Name is the task's name, for diagnostics.
	Name() string
	// Wake says the task has work. It may be called from any goroutine,
	// never blocks, and is remembered if the task is not asleep yet.
	Wake()
	// Sleep blocks the task's goroutine until Wake has been called since
	// Sleep last returned. Under a Virtual clock the task gives up the world
	// while it sleeps and holds it again when Sleep returns. why says what
	// the task waits for ("recvfrom fd 3"), for a stuck world's report.
	Sleep(why string)
	// Exit ends the task; its goroutine must not call Sleep again.
	Exit()
}

// ErrTimeout is returned by Waiter.Wait when its deadline passes.
var ErrTimeout = errors.New("clock: deadline passed")

// ErrStopped is returned by waits on a clock that has stopped.
var ErrStopped = errors.New("clock: stopped")

type taskKey struct{}

// WithTask returns a context that marks its holder as running as task t.
// Blocking calls of netifapi and sockets made with this context sleep
// through t, so that a Virtual clock knows the actor is waiting.
func WithTask(ctx context.Context, t Task) context.Context {
	return context.WithValue(ctx, taskKey{}, t)
}

// TaskFrom returns the task that ctx marks, or nil.
func TaskFrom(ctx context.Context) Task {
	t, _ := ctx.Value(taskKey{}).(Task)
	return t
}
