package core

import (
	"time"

	"github.com/netlab/netlab/core/internal/door"
)

func init() {
	door.Open = func(s any) any { return &Unsafe{s: s.(*Stack)} }
}

// Unsafe is the deliberately unsafe door into one stack's core, for the
// pitfall labs only; it is handed out by core/unsafecore, which no other
// package may import (internal/deptest). Through it any goroutine may
// hold the *Core, call core functions without the on-loop check, run the
// tcpip goroutine's turns itself and install a Scheduler for the named
// scheduling points. Nothing here is safe: that is what the labs show.
type Unsafe struct {
	s *Stack
}

// Stack returns the door's stack.
func (u *Unsafe) Stack() *Stack { return u.s }

// Core returns the stack's core and turns its on-loop check off, so that
// core functions called from any goroutine run instead of panicking
// (what calling lwIP's core from an application thread does). Call it
// before the goroutines that use it start.
func (u *Unsafe) Core() *Core {
	u.s.core.unguarded = true
	return u.s.core
}

// SetScheduler installs h as the receiver of the stack's scheduling
// points (nil removes it). Call it before any goroutine uses the stack.
func (u *Unsafe) SetScheduler(h Scheduler) { u.s.sched = h }

// BreakCalls makes every Call (and so every netifapi and socket call)
// skip the inbox and run its function at once on the caller's goroutine:
// a broken safe path, for tests that show the explorer catches one.
func (u *Unsafe) BreakCalls(on bool) { u.s.skipInbox = on }

// Turn runs one turn of the tcpip loop on the calling goroutine at clock
// time now: the queued requests, the queued frames, the due timers, then
// a snapshot if one was asked for. The stack must not have been started
// (its own tcpip goroutine would run turns too). It reports whether the
// stack has stopped (the turn then ended it).
func (u *Unsafe) Turn(now time.Duration) (stopped bool) { return u.s.turn(now) }

// HasWork reports whether a turn at now would do something: a request is
// queued, a frame waits on a netif, or a timer is due.
func (u *Unsafe) HasWork(now time.Duration) bool {
	s := u.s
	s.mu.Lock()
	queued := len(s.inbox) > 0 || s.stopped
	s.mu.Unlock()
	if queued {
		return true
	}
	c := s.core
	for _, n := range c.netifs {
		if n != nil && n.rx.pending() {
			return true
		}
	}
	at, ok := c.nextTimer()
	return ok && at <= now
}

// Removed reports whether n has been removed from its stack.
func (u *Unsafe) Removed(n *Netif) bool { return n.removed }

// Netifs returns the stack's netifs in list order, loopback first.
func (u *Unsafe) Netifs() []*Netif {
	var out []*Netif
	for _, n := range u.s.core.netifs {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}
