package clock

import (
	"container/heap"
	"time"
)

// Slot is the place of a timer in a Deadlines queue: when it is due and
// in what order it was armed. Embed it (its zero value is "not queued")
// and return it from the timer's Slot method.
type Slot struct {
	at    time.Duration
	seq   uint64
	index int // position in the queue plus one; 0 when not queued
}

// Queued reports whether the timer is in a queue.
func (s *Slot) Queued() bool { return s.index > 0 }

// At returns the clock time the timer was last armed for.
func (s *Slot) At() time.Duration { return s.at }

// Slotted is a timer that a Deadlines queue can hold.
type Slotted interface{ Slot() *Slot }

// Deadlines is a queue of timers ordered by (deadline, arming order), so
// that timers due at the same time come out in the order they were armed,
// on every run: the one structure of timers of a virtual clock and of a
// stack's core (lwIP's src/core/timeouts.c). It is not safe for
// concurrent use: its owner guards it.
type Deadlines[T Slotted] struct {
	h   dheap[T]
	seq uint64
}

// Set arms (or re-arms) x to be due at at, after every timer armed
// before it for the same time.
func (q *Deadlines[T]) Set(x T, at time.Duration) {
	s := x.Slot()
	q.seq++
	s.at, s.seq = at, q.seq
	if s.index > 0 {
		heap.Fix(&q.h, s.index-1)
	} else {
		heap.Push(&q.h, x)
	}
}

// Remove takes x out of the queue and reports whether it was in it.
func (q *Deadlines[T]) Remove(x T) bool {
	s := x.Slot()
	if s.index == 0 {
		return false
	}
	heap.Remove(&q.h, s.index-1)
	return true
}

// Next returns the earliest timer without removing it.
func (q *Deadlines[T]) Next() (T, bool) {
	if len(q.h) == 0 {
		var zero T
		return zero, false
	}
	return q.h[0], true
}

// PopDue removes and returns the earliest timer if it is due by now.
func (q *Deadlines[T]) PopDue(now time.Duration) (T, bool) {
	if len(q.h) == 0 || q.h[0].Slot().at > now {
		var zero T
		return zero, false
	}
	return heap.Pop(&q.h).(T), true
}

// Len returns how many timers are queued.
func (q *Deadlines[T]) Len() int { return len(q.h) }

// All returns the queued timers in no particular order; the slice is the
// queue's own and must not be changed.
func (q *Deadlines[T]) All() []T { return q.h }

// dheap is the heap behind Deadlines.
type dheap[T Slotted] []T

func (h dheap[T]) Len() int { return len(h) }
func (h dheap[T]) Less(i, j int) bool {
	a, b := h[i].Slot(), h[j].Slot()
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}
func (h dheap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].Slot().index = i + 1
	h[j].Slot().index = j + 1
}
func (h *dheap[T]) Push(x any) {
	t := x.(T)
	*h = append(*h, t)
	t.Slot().index = len(*h)
}
func (h *dheap[T]) Pop() any {
	old := *h
	t := old[len(old)-1]
	var zero T
	old[len(old)-1] = zero
	*h = old[:len(old)-1]
	t.Slot().index = 0
	return t
}
