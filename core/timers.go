package core

import (
	"container/heap"
	"time"
)

// Timer is a named timer of the core, in lwIP's one table of timeouts
// (src/core/timeouts.c). Timers are ordered by (deadline, sequence), so
// timers due at the same time fire in the order they were armed, on every
// run. Owned by the tcpip goroutine.
type Timer struct {
	name, owner string
	fn          func(c *Core)
	at          time.Duration
	period      time.Duration
	seq         uint64
	index       int // in the heap; -1 when not armed
	fired       uint64
	// Socket ties the timer to a socket's control block in snapshots.
	socket any
}

// NewTimer returns a stopped timer named name ("arp age", "dhcp t1")
// belonging to owner ("eth0", "core", "fd 4") that runs fn on the tcpip
// goroutine when it fires.
func (c *Core) NewTimer(name, owner string, fn func(c *Core)) *Timer {
	return &Timer{name: name, owner: owner, fn: fn, index: -1}
}

// Start arms t to fire after d and then every period (0: once).
func (c *Core) StartTimer(t *Timer, d, period time.Duration) {
	t.period = period
	c.armTimer(t, c.now+d)
}

// ResetTimer arms a one-shot t to fire at the absolute clock time at.
func (c *Core) ResetTimer(t *Timer, at time.Duration) {
	t.period = 0
	c.armTimer(t, at)
}

func (c *Core) armTimer(t *Timer, at time.Duration) {
	c.timerSeq++
	t.at, t.seq = at, c.timerSeq
	if t.index >= 0 {
		heap.Fix(&c.timers, t.index)
	} else {
		heap.Push(&c.timers, t)
	}
}

// StopTimer disarms t, and reports whether it was armed. A timer stopped
// by the tcpip goroutine never fires afterwards, even if it was due.
func (c *Core) StopTimer(t *Timer) bool {
	if t.index < 0 {
		return false
	}
	heap.Remove(&c.timers, t.index)
	return true
}

// Armed reports whether t is armed.
func (t *Timer) Armed() bool { return t.index >= 0 }

// Due returns the clock time at which t fires.
func (t *Timer) Due() time.Duration { return t.at }

// Name returns the timer's name.
func (t *Timer) Name() string { return t.name }

// runTimers fires every timer due by now.
func (c *Core) runTimers() {
	for len(c.timers) > 0 && c.timers[0].at <= c.now {
		t := c.timers[0]
		if t.period > 0 {
			t.at += t.period
			if t.at <= c.now {
				t.at = c.now + t.period
			}
			c.timerSeq++
			t.seq = c.timerSeq
			heap.Fix(&c.timers, 0)
		} else {
			heap.Pop(&c.timers)
		}
		t.fired++
		t.fn(c)
	}
}

type timerHeap []*Timer

func (h timerHeap) next() (time.Duration, bool) {
	if len(h) == 0 {
		return 0, false
	}
	return h[0].at, true
}

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
