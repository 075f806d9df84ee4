package clock

// Idle reports whether nothing runs in the world now: no task holds it or
// waits for it, and no timer callback runs. On a paused clock an idle world
// stays idle (time does not move, so no timer fires) until something
// outside it wakes a task, or Step or Resume moves time: callers that want
// the end of an instant's work (a capture stopped at the end of a run) poll
// it. Any goroutine.
func (c *Virtual) Idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idleLocked() || c.stopped
}
