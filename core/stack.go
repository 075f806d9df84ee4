// Package core is a user-space IPv4 stack with lwIP's architecture:
// netifs, Ethernet and ARP, IPv4 with forwarding, fragmentation and
// reassembly, ICMP, UDP, TCP (tcp*.go), named timers and hooks for
// protocols built on it.
//
// Every Stack has exactly one tcpip goroutine that owns all of its state.
// Code here runs on that goroutine, except the few methods of Stack that
// say otherwise (Call, Post, Snapshot, Stop), which other goroutines use to
// reach it by message passing, as lwIP's tcpip_callback and
// tcpip_api_call do. The *Core value is the capability to touch the core:
// it is only handed to functions that run on the tcpip goroutine.
package core

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/snapshot"
)

// Config configures a Stack.
type Config struct {
	// Name is the stack's name (its lab node's name).
	Name string
	// Clock is the world's clock; nil means a new real clock.
	Clock clock.Clock
	// EventSeq, when shared by the stacks of a world, orders their events
	// into one log. nil gives the stack its own.
	EventSeq *atomic.Uint64
	// EventRing is how many recent events snapshots carry (default 256).
	EventRing int
	// PacketEvents records a summary event for every frame in and out.
	PacketEvents bool
	// OnEvent, when set, is called on the tcpip goroutine with every event
	// recorded. It must not block. It may keep a copy of *e (its Frame
	// is never written again), not the pointer.
	OnEvent func(e *snapshot.Event)
	// Seed seeds the stack's deterministic choices (TCP initial sequence
	// numbers, RFC 6528): the lab's seed, so that runs replay.
	Seed uint64
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Stack is one user-space IPv4 stack and its tcpip goroutine.
type Stack struct {
	name  string
	clock clock.Clock
	task  clock.Task
	wake  clock.Timer // fires the loop at the earliest core timer
	core  *Core

	mu      sync.Mutex // guards inbox and stopped
	inbox   []request
	spare   []request
	stopped bool

	calls   sync.Pool // of *call: the state of Calls, reused
	callWhy string    // what a caller waiting in Call waits for

	done     chan struct{}
	snap     atomic.Pointer[snapshot.Stack]
	publish  atomic.Bool // someone asked for a fresh snapshot
	started  atomic.Bool
	stopOnce sync.Once
	panicked atomic.Pointer[PanicError] // set when the tcpip goroutine panicked (panic.go)

	// sched receives the scheduling points; nil (always, but under the
	// pitfall labs' explorer) makes every point a nil check.
	sched Scheduler
	// skipInbox makes Call run its function at once on the caller's
	// goroutine: a deliberately broken safe path, set only through the
	// unsafe door, so that the pitfall labs' tests can show the explorer
	// catches it.
	skipInbox bool
}

// request is one message to the tcpip goroutine: fn runs there; abort
// runs instead (on any goroutine) if the stack stops first.
type request struct {
	fn    func(c *Core)
	abort func()
}

// New returns a stack; Start starts its tcpip goroutine.
func New(cfg Config) *Stack {
	if cfg.Clock == nil {
		cfg.Clock = clock.NewReal()
	}
	if cfg.EventSeq == nil {
		cfg.EventSeq = new(atomic.Uint64)
	}
	if cfg.EventRing <= 0 {
		cfg.EventRing = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Stack{
		name:  cfg.Name,
		clock: cfg.Clock,
		done:  make(chan struct{}),
	}
	s.callWhy = "call to tcpip " + cfg.Name
	s.calls.New = func() any { return newCall(s.clock) }
	s.task = cfg.Clock.NewTask("tcpip "+cfg.Name, true)
	s.wake = cfg.Clock.NewTimer("tcpip "+cfg.Name, s.task.Wake)
	s.core = newCore(s, cfg)
	s.snap.Store(&snapshot.Stack{Name: cfg.Name})
	return s
}

// Name returns the stack's name. Any goroutine.
func (s *Stack) Name() string { return s.name }

// Clock returns the stack's clock. Any goroutine.
func (s *Stack) Clock() clock.Clock { return s.clock }

// Start starts the tcpip goroutine. Any goroutine; once.
func (s *Stack) Start() {
	if s.started.Swap(true) {
		return
	}
	s.task.Wake() // build the first snapshot
	s.publish.Store(true)
	go s.loop()
}

// Stop ends the tcpip goroutine: pending and later requests fail with
// ErrStopped, netifs are detached from their links. It waits until the
// goroutine has ended. Any goroutine but the tcpip goroutine.
func (s *Stack) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true
		s.mu.Unlock()
		if !s.started.Load() {
			s.failInbox()
			close(s.done)
			return
		}
		s.task.Wake()
	})
	<-s.done
}

// Done is closed when the tcpip goroutine has ended.
func (s *Stack) Done() <-chan struct{} { return s.done }

// Post queues fn to run on the tcpip goroutine (lwIP's tcpip_callback)
// and returns at once; ErrStopped if the stack has stopped. Any goroutine.
func (s *Stack) Post(fn func(c *Core)) error {
	return s.post(request{fn: fn})
}

func (s *Stack) post(r request) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return ErrStopped
	}
	first := len(s.inbox) == 0
	s.inbox = append(s.inbox, r)
	s.mu.Unlock()
	if first {
		s.task.Wake()
	}
	return nil
}

// Call runs fn on the tcpip goroutine and waits for its result (lwIP's
// tcpip_api_call). If ctx has ended already, fn is not queued; if ctx ends
// while Call waits, Call returns ctx's error, but fn may still run: a
// request once queued is not withdrawn. Call fails with
// ErrStopped if the stack stops before fn runs. Any goroutine but the
// tcpip goroutine (which would wait on itself).
//
// A Call from a goroutine that is not an actor allocates nothing once the
// stack has served a few: its state comes from a pool (an actor's still
// makes a waiter that sleeps through its task).
func (s *Stack) Call(ctx context.Context, fn func(c *Core) error) error {
	if err := ctx.Err(); err != nil {
		return err // an ended context queues nothing
	}
	if s.skipInbox {
		return fn(s.core)
	}
	k := s.calls.Get().(*call)
	k.fn = fn
	k.w = k.own
	if !k.own.Reuse(ctx) {
		k.w = clock.NewWaiter(ctx, s.clock) // an actor's, for this call only
	}
	if err := s.post(request{fn: k.run, abort: k.abort}); err != nil {
		k.release()
		s.calls.Put(k)
		return err
	}
	if h := s.sched; h != nil {
		for !k.done.Load() {
			h.Wait(PointCallReply, k.isDone)
		}
	}
	for !k.done.Load() {
		if err := k.w.Wait(0, s.callWhy); err != nil {
			// fn may still run and finish k: k is left to it, not
			// reused.
			k.w.Close()
			return err
		}
	}
	res := k.res
	k.release()
	s.calls.Put(k)
	return res
}

// call is the state of one Call, reused through Stack.calls: the request
// functions are method values taken once, not closures made per call.
type call struct {
	fn   func(c *Core) error
	res  error       // fn's result; written before done
	done atomic.Bool // res is ready: the tcpip goroutine is through with the call
	w    *clock.Waiter
	// own is the call's waiter for callers that are not actors, reused
	// from call to call (clock.Waiter.Reuse).
	own    *clock.Waiter
	run    func(c *Core) // k.runOnLoop
	abort  func()        // k.stopped
	isDone func() bool   // k.done.Load, for a Scheduler's Wait
}

func newCall(clk clock.Clock) *call {
	k := &call{own: clock.NewWaiter(context.Background(), clk)}
	k.run, k.abort, k.isDone = k.runOnLoop, k.stopped, k.done.Load
	return k
}

// runOnLoop runs the call's function; on the tcpip goroutine.
func (k *call) runOnLoop(c *Core) { k.finish(k.fn(c)) }

// stopped fails the call: the stack stopped before it ran.
func (k *call) stopped() { k.finish(ErrStopped) }

func (k *call) finish(err error) {
	w := k.w
	k.res = err
	k.done.Store(true)
	// The caller may have seen done already (after a spurious wake),
	// and k may be back in the pool: from here on only w. A waiter
	// reached this late sees a spurious wake, which waits allow.
	w.Wake()
}

// release readies k for the pool once its caller has seen it done.
func (k *call) release() {
	k.w.Close()
	k.fn, k.res, k.w = nil, nil, nil
	k.done.Store(false)
}

// Snapshot returns the latest published snapshot and asks the tcpip
// goroutine for a fresh one. It never blocks. Any goroutine.
func (s *Stack) Snapshot() *snapshot.Stack {
	if !s.publish.Swap(true) {
		s.post(request{})
	}
	return s.snap.Load()
}

// LatestSnapshot returns the latest published snapshot without asking
// for a new one. Any goroutine.
func (s *Stack) LatestSnapshot() *snapshot.Stack { return s.snap.Load() }

// loop is the tcpip goroutine.
func (s *Stack) loop() {
	defer s.recoverLoop()
	for {
		s.task.Sleep("idle")
		if s.turn(s.clock.Now()) {
			return
		}
	}
}

// turn is one turn of the tcpip goroutine at clock time now: the queued
// requests, the frames queued on the netifs, the due timers, a snapshot
// when one was asked for. It reports whether the stack stopped (the turn
// then ended the goroutine's work).
func (s *Stack) turn(now time.Duration) (stopped bool) {
	c := s.core
	s.mu.Lock()
	stopped = s.stopped
	batch := s.inbox
	s.inbox = s.spare[:0]
	s.mu.Unlock()
	c.onLoop.Store(true)
	c.now = now
	if stopped {
		c.shutdown()
		c.onLoop.Store(false)
		for i := range batch {
			if batch[i].abort != nil {
				batch[i].abort()
			}
		}
		s.failInbox()
		s.wake.Stop()
		s.task.Exit()
		close(s.done)
		return true
	}
	s.runRequests(batch)
	c.inputAll()
	c.runTimers()
	if s.publish.Swap(false) {
		s.snap.Store(c.buildSnapshot())
	}
	c.onLoop.Store(false)
	if next, ok := c.nextTimer(); ok {
		s.wake.Reset(next)
	} else {
		s.wake.Stop()
	}
	return false
}

// runRequests runs a batch taken from the inbox and keeps its array for
// the next one (the inbox and its spare take turns).
func (s *Stack) runRequests(batch []request) {
	for i := range batch {
		if batch[i].fn != nil {
			batch[i].fn(s.core)
		}
		batch[i] = request{}
	}
	s.mu.Lock()
	s.spare = batch[:0]
	s.mu.Unlock()
}

// serveInboxNow runs the requests that arrived since the turn began, if
// any, between the frames of a long batch: a call then waits behind at
// most inputBetweenRequests frames, not behind every frame queued on every
// netif. On a virtual clock only the tcpip goroutine itself can queue a
// request while it holds the world, so a run still repeats exactly.
func (s *Stack) serveInboxNow() {
	s.mu.Lock()
	if s.stopped || len(s.inbox) == 0 {
		s.mu.Unlock()
		return
	}
	batch := s.inbox
	s.inbox = s.spare[:0]
	s.mu.Unlock()
	s.runRequests(batch)
}

// failInbox aborts every request still queued after the loop ended.
func (s *Stack) failInbox() {
	s.mu.Lock()
	batch := s.inbox
	s.inbox = nil
	s.mu.Unlock()
	for i := range batch {
		if batch[i].abort != nil {
			batch[i].abort()
		}
	}
}
