package clock

import (
	"sync"
	"time"
)

// Real is a Clock that follows the wall clock (its monotonic reading).
// Tasks run freely and in parallel; nothing is serialised.
type Real struct {
	start time.Time
}

// NewReal returns a real clock that starts now.
func NewReal() *Real { return &Real{start: time.Now()} }

// Now returns the time elapsed since the clock started.
func (c *Real) Now() time.Duration { return time.Since(c.start) }

// Virtual reports false.
func (c *Real) Virtual() bool { return false }

// Epoch returns the wall time at which the clock started.
func (c *Real) Epoch() time.Time { return c.start }

// NewTimer returns a stopped timer that calls f on its own goroutine.
func (c *Real) NewTimer(name string, f func()) Timer {
	t := &realTimer{clock: c}
	t.t = time.AfterFunc(time.Hour, f)
	t.t.Stop()
	return t
}

type realTimer struct {
	clock *Real
	t     *time.Timer
}

func (t *realTimer) Reset(at time.Duration) {
	d := at - t.clock.Now()
	if d < 0 {
		d = 0
	}
	t.t.Reset(d)
}

func (t *realTimer) Stop() bool { return t.t.Stop() }

// NewTask returns a task whose Sleep waits on a channel.
func (c *Real) NewTask(name string, daemon bool) Task {
	return &realTask{name: name, wake: make(chan struct{}, 1)}
}

type realTask struct {
	name string
	wake chan struct{}
	once sync.Once
}

func (t *realTask) Name() string { return t.name }

func (t *realTask) Wake() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *realTask) Sleep(why string) { <-t.wake }

func (t *realTask) Exit() {}
