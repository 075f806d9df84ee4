package clock

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// On a paused clock, Idle turns true only once the work of the current
// instant is done, and stays true.
func TestVirtualIdleWhilePaused(t *testing.T) {
	c := NewVirtual(VirtualOptions{Paused: true})
	defer c.Stop()
	if !c.Idle() {
		t.Fatal("a clock with no tasks is not idle")
	}
	var yields atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := actor(c, "a", func(actx context.Context) {
		ctx := clockContext(ctx, actx)
		task := TaskFrom(ctx)
		for range 200 {
			yields.Add(1)
			task.Wake()
			task.Sleep("yield")
		}
		Sleep(ctx, c, time.Second) // paused: returns only when cancelled
	})
	deadline := time.Now().Add(10 * time.Second)
	for !c.Idle() {
		if time.Now().After(deadline) {
			t.Fatalf("never idle: %v", c.Tasks())
		}
		time.Sleep(10 * time.Microsecond)
	}
	if n := yields.Load(); n != 200 {
		t.Fatalf("idle after %d of 200 yields", n)
	}
	for range 100 {
		if !c.Idle() {
			t.Fatal("an idle paused clock became busy")
		}
	}
	cancel()
	<-done
	c.Stop()
	if !c.Idle() {
		t.Error("a stopped clock is not idle")
	}
}

// clockContext returns ctx carrying the task that actx marks.
func clockContext(ctx, actx context.Context) context.Context {
	return WithTask(ctx, TaskFrom(actx))
}
