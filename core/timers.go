package core

import (
	"time"

	"github.com/netlab/netlab/core/clock"
)

// Timer is a named timer of the core, in lwIP's one table of timeouts
// (src/core/timeouts.c). Timers are ordered by (deadline, sequence), so
// timers due at the same time fire in the order they were armed, on every
// run. Owned by the tcpip goroutine.
type Timer struct {
	slot        clock.Slot
	name, owner string
	fn          func(c *Core)
	period      time.Duration
	fired       uint64
	// Socket ties the timer to a socket's control block in snapshots.
	socket any
}

// Slot places t in the core's queue of deadlines.
func (t *Timer) Slot() *clock.Slot { return &t.slot }

// NewTimer returns a stopped timer named name ("arp age", "dhcp t1")
// belonging to owner ("eth0", "core", "fd 4") that runs fn on the tcpip
// goroutine when it fires.
func (c *Core) NewTimer(name, owner string, fn func(c *Core)) *Timer {
	return &Timer{name: name, owner: owner, fn: fn}
}

// StartTimer arms t to fire after d and then every period (0: once).
func (c *Core) StartTimer(t *Timer, d, period time.Duration) {
	t.period = period
	c.timers.Set(t, c.now+d)
}

// ResetTimer arms a one-shot t to fire at the absolute clock time at.
func (c *Core) ResetTimer(t *Timer, at time.Duration) {
	t.period = 0
	c.timers.Set(t, at)
}

// StopTimer disarms t, and reports whether it was armed. A timer stopped
// by the tcpip goroutine never fires afterwards, even if it was due.
func (c *Core) StopTimer(t *Timer) bool { return c.timers.Remove(t) }

// Armed reports whether t is armed.
func (t *Timer) Armed() bool { return t.slot.Queued() }

// Due returns the clock time at which t fires.
func (t *Timer) Due() time.Duration { return t.slot.At() }

// Name returns the timer's name.
func (t *Timer) Name() string { return t.name }

// runTimers fires every timer due by now. A periodic timer is armed
// again before it runs, after the timers already due at its next time.
func (c *Core) runTimers() {
	for {
		t, ok := c.timers.PopDue(c.now)
		if !ok {
			return
		}
		if t.period > 0 {
			next := t.slot.At() + t.period
			if next <= c.now {
				next = c.now + t.period
			}
			c.timers.Set(t, next)
		}
		t.fired++
		t.fn(c)
	}
}

// nextTimer returns when the earliest timer is due.
func (c *Core) nextTimer() (time.Duration, bool) {
	t, ok := c.timers.Next()
	if !ok {
		return 0, false
	}
	return t.slot.At(), true
}
