package clock

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// actor runs fn as a non-daemon task of c and returns a channel closed
// when it is done.
func actor(c Clock, name string, fn func(ctx context.Context)) <-chan struct{} {
	done := make(chan struct{})
	t := c.NewTask(name, false)
	t.Wake()
	go func() {
		defer close(done)
		defer t.Exit()
		t.Sleep("start")
		fn(WithTask(context.Background(), t))
	}()
	return done
}

func TestVirtualSleepJumpsTime(t *testing.T) {
	c := NewVirtual(VirtualOptions{})
	defer c.Stop()
	var at []time.Duration
	<-actor(c, "a", func(ctx context.Context) {
		for i := 0; i < 3; i++ {
			if err := Sleep(ctx, c, time.Hour); err != nil {
				t.Error(err)
			}
			at = append(at, c.Now())
		}
	})
	want := []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour}
	if fmt.Sprint(at) != fmt.Sprint(want) {
		t.Fatalf("got times %v, want %v", at, want)
	}
}

// TestVirtualInterleavingIsDeterministic runs actors that sleep for equal
// and different durations and append to a shared log without any lock of
// their own: the clock serialises them, and the order must be the same on
// every run and under any GOMAXPROCS. -race proves that they never run at
// the same time.
func TestVirtualInterleavingIsDeterministic(t *testing.T) {
	run := func() string {
		// Paused until every actor exists: the test goroutine is not an
		// actor, so a running clock could move on between two starts.
		c := NewVirtual(VirtualOptions{Paused: true})
		defer c.Stop()
		var log []string
		var dones []<-chan struct{}
		for i := 0; i < 5; i++ {
			name := fmt.Sprintf("actor%d", i)
			step := time.Duration(1+i%2) * time.Millisecond
			dones = append(dones, actor(c, name, func(ctx context.Context) {
				for j := 0; j < 20; j++ {
					log = append(log, fmt.Sprintf("%v %s %d", c.Now(), name, j))
					Sleep(ctx, c, step)
				}
			}))
		}
		c.Resume()
		for _, d := range dones {
			<-d
		}
		return strings.Join(log, "\n")
	}
	first := run()
	prev := runtime.GOMAXPROCS(1)
	second := run()
	runtime.GOMAXPROCS(prev)
	for i := 0; i < 3; i++ {
		if got := run(); got != first {
			t.Fatalf("run %d differs from the first run", i)
		}
	}
	if second != first {
		t.Fatalf("GOMAXPROCS 1 run differs")
	}
}

func TestVirtualTimersFireInDeadlineThenSequenceOrder(t *testing.T) {
	c := NewVirtual(VirtualOptions{})
	defer c.Stop()
	var mu sync.Mutex
	var order []string
	done := make(chan struct{})
	mk := func(name string) Timer {
		return c.NewTimer(name, func() {
			mu.Lock()
			order = append(order, name)
			if len(order) == 4 {
				close(done)
			}
			mu.Unlock()
		})
	}
	a, b, d, e := mk("a"), mk("b"), mk("d"), mk("e")
	c.Pause()
	b.Reset(2 * time.Second)
	a.Reset(2 * time.Second)
	d.Reset(time.Second)
	e.Reset(3 * time.Second)
	b.Reset(2 * time.Second) // re-arming takes a new sequence number
	c.Resume()
	<-done
	if got, want := strings.Join(order, ""), "dabe"; got != want {
		t.Fatalf("got fire order %q, want %q", got, want)
	}
}

func TestVirtualReportsStuckActor(t *testing.T) {
	stuck := make(chan error, 1)
	c := NewVirtual(VirtualOptions{OnStuck: func(err error) { stuck <- err }})
	defer c.Stop()
	task := c.NewTask("runner", false)
	done := make(chan struct{})
	go func() {
		defer close(done)
		task.Sleep("recvfrom fd 3")
		task.Exit()
	}()
	// The actor leaves once the test is over, stuck or not.
	defer func() { task.Wake(); <-done }()
	select {
	case err := <-stuck:
		if !errors.Is(err, ErrStuck) || !strings.Contains(err.Error(), "runner waits in recvfrom fd 3") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no stuck report")
	}
}

func TestVirtualWatchdogReportsHolder(t *testing.T) {
	stuck := make(chan error, 1)
	c := NewVirtual(VirtualOptions{Watchdog: 200 * time.Millisecond, OnStuck: func(err error) { stuck <- err }})
	defer c.Stop()
	release := make(chan struct{})
	done := actor(c, "busy", func(ctx context.Context) { <-release })
	select {
	case err := <-stuck:
		if !strings.Contains(err.Error(), "busy has held the world") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watchdog report")
	}
	close(release)
	<-done
}

// TestVirtualWatchdogBlamesTheHolderNotTheActors: an actor holds the world
// for most of a watchdog period, then calls a daemon (a tcpip goroutine)
// that blocks. The stall is the daemon's, although the last actor ran
// more than a watchdog ago by the time the daemon's hold is reported.
func TestVirtualWatchdogBlamesTheHolderNotTheActors(t *testing.T) {
	stuck := make(chan error, 1)
	c := NewVirtual(VirtualOptions{Watchdog: 200 * time.Millisecond, OnStuck: func(err error) { stuck <- err }})
	defer c.Stop()
	release := make(chan struct{})
	daemon := c.NewTask("tcpip a", true)
	reply := make(chan *Waiter, 1)
	daemonDone := make(chan struct{})
	go func() {
		defer close(daemonDone)
		daemon.Sleep("idle")
		<-release // a blocking OnEvent hook
		(<-reply).Wake()
		daemon.Exit()
	}()
	done := actor(c, "runner", func(ctx context.Context) {
		time.Sleep(150 * time.Millisecond) // busy, within the watchdog
		w := NewWaiter(ctx, c)
		defer w.Close()
		reply <- w
		daemon.Wake()
		if err := w.Wait(0, "call to tcpip a"); err != nil {
			t.Error(err)
		}
	})
	select {
	case err := <-stuck:
		if !strings.Contains(err.Error(), "tcpip a has held the world") {
			t.Fatalf("got %v, want the daemon named as the holder", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watchdog report")
	}
	close(release)
	<-daemonDone
	<-done
}

func TestWaiterTimeoutAndWake(t *testing.T) {
	for _, c := range []Clock{NewVirtual(VirtualOptions{}), NewReal()} {
		var err1, err2 error
		<-actor(c, "a", func(ctx context.Context) {
			w := NewWaiter(ctx, c)
			defer w.Close()
			err1 = w.Wait(c.Now()+20*time.Millisecond, "nothing")
			w.Wake() // remembered until the next Wait
			err2 = w.Wait(c.Now()+time.Hour, "wake")
		})
		if err1 != ErrTimeout || err2 != nil {
			t.Errorf("virtual=%v: got %v and %v, want timeout then nil", c.Virtual(), err1, err2)
		}
		if v, ok := c.(*Virtual); ok {
			v.Stop()
		}
	}
}

func TestWaiterNonActorInVirtualTime(t *testing.T) {
	c := NewVirtual(VirtualOptions{})
	defer c.Stop()
	w := NewWaiter(context.Background(), c)
	defer w.Close()
	if err := w.Wait(5*time.Second, "x"); err != ErrTimeout {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if got := c.Now(); got != 5*time.Second {
		t.Fatalf("got Now() = %v, want 5s", got)
	}
}

func TestWaiterContextCancel(t *testing.T) {
	c := NewVirtual(VirtualOptions{})
	defer c.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	done := actor(c, "a", func(actx context.Context) {
		actx, stop := context.WithCancel(actx)
		defer stop()
		go func() { <-ctx.Done(); stop() }()
		w := NewWaiter(actx, c)
		defer w.Close()
		err = w.Wait(0, "forever")
	})
	cancel()
	<-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestVirtualPacedFollowsWallClock(t *testing.T) {
	c := NewVirtual(VirtualOptions{Speed: 1})
	defer c.Stop()
	start := time.Now()
	<-actor(c, "a", func(ctx context.Context) { Sleep(ctx, c, 50*time.Millisecond) })
	if el := time.Since(start); el < 45*time.Millisecond {
		t.Fatalf("a paced sleep of 50ms took %v of wall time", el)
	}
}

func TestVirtualStepWhilePaused(t *testing.T) {
	c := NewVirtual(VirtualOptions{Paused: true})
	defer c.Stop()
	fired := make(chan time.Duration, 2)
	tm := c.NewTimer("t", func() { fired <- c.now })
	tm.Reset(time.Second)
	select {
	case <-fired:
		t.Fatal("a paused clock fired a timer")
	case <-time.After(50 * time.Millisecond):
	}
	if c.Stepping() {
		t.Fatal("a clock never stepped reports stepping")
	}
	c.Step()
	if got := <-fired; got != time.Second {
		t.Fatalf("got %v, want 1s", got)
	}
	if !c.Stepping() {
		t.Fatal("a paused clock that stepped does not report stepping")
	}
	c.Pause()
	if c.Stepping() {
		t.Fatal("Pause did not end stepping")
	}
	c.Step()
	c.Resume()
	if c.Stepping() || c.Paused() {
		t.Fatal("Resume did not end stepping")
	}
	c.Step() // a running clock is not stepping
	if c.Stepping() {
		t.Fatal("a running clock reports stepping")
	}
}
