package clock

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/netlab/netlab/internal/crash"
)

// Virtual is a Clock whose time stands still while anything can still
// happen now, and jumps to the earliest deadline when nothing can.
//
// Tasks hold "the world" one at a time. A task that sleeps hands the world
// to the task at the head of the ready queue (FIFO); when none is ready and
// none holds the world, the scheduler goroutine advances time to the
// earliest timer, runs every timer due then in (deadline, sequence) order,
// and hands the world on again. All ordering is decided by this queue and
// this heap, never by the Go runtime, so runs repeat exactly.
//
// The clock runs as fast as the CPU allows (speed 0), or paced at a speed
// relative to the wall clock; it can be paused and stepped.
type Virtual struct {
	mu      sync.Mutex
	now     time.Duration
	timers  Deadlines[*vtimer]
	ready   []*vtask
	holder  *vtask // the task holding the world, nil when none
	firing  bool   // the scheduler is running timer callbacks
	idle    bool   // the scheduler found the world idle and waits
	tasks   []*vtask
	kick    chan struct{}
	stopped bool
	done    chan struct{}

	speed      float64 // 0: as fast as possible
	paused     bool
	steps      int  // instants to advance while paused
	stepped    bool // stepped since it was last paused or resumed
	anchorReal time.Time
	anchorVirt time.Duration

	fired      uint64 // timers fired so far
	instants   uint64 // distinct instants the clock has advanced to
	lastActor  time.Time
	heldSince  time.Time
	watchdog   time.Duration
	onStuck    func(error)
	stuckSaid  bool
	stuckTimer *time.Timer
}

// VirtualOptions configure a Virtual clock.
type VirtualOptions struct {
	// Speed paces virtual time against the wall clock (1 = real time);
	// 0 runs as fast as possible.
	Speed float64
	// Paused starts the clock paused.
	Paused bool
	// Watchdog is the wall time after which a world that makes no progress
	// is reported stuck: a task that holds the world that long, or no
	// non-daemon task running for that long. 0 means 10s; negative is off.
	Watchdog time.Duration
	// OnStuck is called (once) with a report when the world cannot make
	// progress. It runs on a clock goroutine and must not block.
	OnStuck func(error)
}

// ErrStuck is wrapped by the error OnStuck receives.
var ErrStuck = fmt.Errorf("clock: world cannot make progress")

// NewVirtual starts a virtual clock at time 0. Stop it when done.
func NewVirtual(o VirtualOptions) *Virtual {
	c := &Virtual{
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		speed:    o.Speed,
		paused:   o.Paused,
		watchdog: o.Watchdog,
		onStuck:  o.OnStuck,
	}
	if c.watchdog == 0 {
		c.watchdog = 10 * time.Second
	}
	now := time.Now()
	c.anchorReal, c.lastActor = now, now
	go c.schedule()
	if c.watchdog > 0 {
		go c.watch()
	}
	return c
}

// Virtual reports true.
func (c *Virtual) Virtual() bool { return true }

// Now returns the current virtual time. While the world is idle and the
// clock is paced, it moves with the wall clock up to the next deadline.
func (c *Virtual) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.displayNowLocked()
}

func (c *Virtual) displayNowLocked() time.Duration {
	if c.idleLocked() && c.speed > 0 && !c.paused && !c.stopped {
		return c.pacedNowLocked()
	}
	return c.now
}

// pacedNowLocked is where paced time would be now, never beyond the next
// deadline and never behind c.now.
func (c *Virtual) pacedNowLocked() time.Duration {
	t := c.anchorVirt + time.Duration(float64(time.Since(c.anchorReal))*c.speed)
	if next, ok := c.timers.Next(); ok && t > next.slot.at {
		t = next.slot.at
	}
	if t < c.now {
		t = c.now
	}
	return t
}

func (c *Virtual) idleLocked() bool {
	return c.holder == nil && !c.firing && len(c.ready) == 0
}

// Stop ends the clock: timers no longer fire, and from now on tasks run
// freely (Sleep waits only for Wake), so that stacks can shut down.
func (c *Virtual) Stop() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	for _, t := range c.tasks {
		if t.state == taskQueued || t.state == taskAsleep && t.woken {
			t.signal()
		}
	}
	c.ready = nil
	c.holder = nil
	c.mu.Unlock()
	close(c.done)
	c.kickScheduler()
}

// Speed returns the pace (0: as fast as possible).
func (c *Virtual) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// SetSpeed sets the pace: 1 is real time, 10 ten times faster, 0 as fast
// as possible.
func (c *Virtual) SetSpeed(speed float64) {
	if speed < 0 || math.IsNaN(speed) || math.IsInf(speed, 0) {
		speed = 0
	}
	c.mu.Lock()
	c.reanchorLocked()
	c.speed = speed
	c.mu.Unlock()
	c.kickScheduler()
}

// Paused reports whether time is held still.
func (c *Virtual) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// Pause holds time still. Work due at the current instant still runs.
func (c *Virtual) Pause() {
	c.mu.Lock()
	c.reanchorLocked()
	c.paused = true
	c.stepped = false
	c.mu.Unlock()
}

// Resume lets time move again.
func (c *Virtual) Resume() {
	c.mu.Lock()
	c.paused = false
	c.steps = 0
	c.stepped = false
	c.anchorReal, c.anchorVirt = time.Now(), c.now
	c.mu.Unlock()
	c.kickScheduler()
}

// Step advances a paused clock to its next deadline and runs what is due.
func (c *Virtual) Step() {
	c.mu.Lock()
	c.steps++
	c.stepped = true
	c.mu.Unlock()
	c.kickScheduler()
}

// Stepping reports whether the clock is paused and has been stepped since
// it was paused: a person walks it from deadline to deadline. Pause and
// Resume end it.
func (c *Virtual) Stepping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused && c.stepped
}

// Stats reports how many timers have fired and how many instants passed.
func (c *Virtual) Stats() (fired, instants uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fired, c.instants
}

// NextDeadline returns the earliest armed timer's deadline.
func (c *Virtual) NextDeadline() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next, ok := c.timers.Next()
	if !ok {
		return 0, false
	}
	return next.slot.at, true
}

func (c *Virtual) reanchorLocked() {
	if c.speed > 0 && !c.paused && c.idleLocked() {
		c.now = c.pacedNowLocked()
	}
	c.anchorReal, c.anchorVirt = time.Now(), c.now
}

func (c *Virtual) kickScheduler() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// dispatchLocked hands the world to the head of the ready queue if nobody
// holds it, or lets the scheduler advance time if nothing is ready.
func (c *Virtual) dispatchLocked() {
	if c.stopped || c.holder != nil || c.firing {
		return
	}
	if len(c.ready) == 0 {
		c.kickScheduler()
		return
	}
	if c.idle && c.speed > 0 && !c.paused {
		// The world was idle while paced time moved on: work that
		// arrives from outside (a key press) happens at the wall
		// clock's virtual time.
		c.now = c.pacedNowLocked()
	}
	c.idle = false
	t := c.ready[0]
	copy(c.ready, c.ready[1:])
	c.ready[len(c.ready)-1] = nil
	c.ready = c.ready[:len(c.ready)-1]
	t.state = taskRunning
	c.holder = t
	c.heldSince = time.Now()
	if !t.daemon {
		c.lastActor = c.heldSince
	}
	t.signal()
}

// schedule is the scheduler goroutine: it advances time when the world is
// idle.
func (c *Virtual) schedule() {
	defer crash.Recover("virtual clock scheduler")
	for {
		c.mu.Lock()
		if c.stopped {
			c.mu.Unlock()
			return
		}
		wait, d := c.advanceLocked()
		c.mu.Unlock()
		if !wait {
			continue
		}
		if d > 0 {
			t := time.NewTimer(d)
			select {
			case <-c.kick:
			case <-t.C:
			case <-c.done:
			}
			t.Stop()
			continue
		}
		select {
		case <-c.kick:
		case <-c.done:
		}
	}
}

// advanceLocked moves time to the next deadline and runs the timers due
// then, if the world is idle and the clock may move. It returns wait=true
// when the scheduler should sleep (d > 0: at most that long).
func (c *Virtual) advanceLocked() (wait bool, d time.Duration) {
	if !c.idleLocked() {
		return true, 0
	}
	c.idle = true
	head, ok := c.timers.Next()
	if !ok {
		c.reportIdleLocked()
		return true, 0
	}
	next := head.slot.at
	if c.paused {
		if c.steps == 0 {
			return true, 0
		}
		c.steps--
	} else if c.speed > 0 {
		if pn := c.pacedNowLocked(); pn < next {
			return true, time.Duration(float64(next-pn)/c.speed) + 1
		}
	}
	if next > c.now {
		c.now = next
		c.instants++
	}
	if c.speed > 0 && !c.paused {
		c.anchorReal, c.anchorVirt = time.Now(), c.now
	}
	c.idle = false
	c.firing = true
	for !c.stopped {
		t, ok := c.timers.PopDue(c.now)
		if !ok {
			break
		}
		c.fired++
		t.fires++
		f := t.f
		c.mu.Unlock()
		f()
		c.mu.Lock()
	}
	c.firing = false
	c.dispatchLocked()
	return false, 0
}

// reportIdleLocked reports a stuck world: nothing can happen, and yet an
// actor waits.
func (c *Virtual) reportIdleLocked() {
	var waiting []string
	for _, t := range c.tasks {
		if !t.daemon && t.state == taskAsleep {
			waiting = append(waiting, fmt.Sprintf("%s waits in %s", t.name, t.why))
		}
	}
	if len(waiting) > 0 {
		c.stuckLocked(fmt.Errorf("%w: nothing is due at %v and nothing else can happen, but %s",
			ErrStuck, c.now, strings.Join(waiting, "; ")))
	}
}

func (c *Virtual) stuckLocked(err error) {
	if c.stuckSaid || c.onStuck == nil {
		return
	}
	c.stuckSaid = true
	f := c.onStuck
	go func() {
		defer crash.Recover("virtual clock stuck report")
		f(err)
	}()
}

// watch is the wall-clock watchdog.
func (c *Virtual) watch() {
	defer crash.Recover("virtual clock watchdog")
	tick := time.NewTicker(c.watchdog / 10)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
		c.mu.Lock()
		now := time.Now()
		switch {
		case c.paused || c.speed > 0:
			// A person is pacing the clock: waiting is expected.
			c.lastActor = now
		case c.holder != nil && now.Sub(c.heldSince) > c.watchdog:
			c.stuckLocked(fmt.Errorf("%w: %s has held the world for %v of wall time without yielding (it must not block outside netlab calls)",
				ErrStuck, c.holder.name, now.Sub(c.heldSince).Round(time.Millisecond)))
		case c.hasActorsLocked() && now.Sub(c.lastActor) > c.watchdog &&
			(c.holder == nil || c.heldSince.Sub(c.lastActor) > c.watchdog):
			// While a task holds the world, the stall is its own until
			// its hold passes the watchdog (the case above), unless no
			// actor had run for a whole watchdog before it took the world.
			var waiting []string
			for _, t := range c.tasks {
				if !t.daemon && t.state == taskAsleep {
					waiting = append(waiting, fmt.Sprintf("%s waits in %s", t.name, t.why))
				}
			}
			c.stuckLocked(fmt.Errorf("%w: no actor has run for %v of wall time (virtual time is %v): %s",
				ErrStuck, now.Sub(c.lastActor).Round(time.Millisecond), c.now, strings.Join(waiting, "; ")))
		}
		c.mu.Unlock()
	}
}

func (c *Virtual) hasActorsLocked() bool {
	for _, t := range c.tasks {
		if !t.daemon && t.state != taskExited {
			return true
		}
	}
	return false
}

// Tasks describes every live task and what it waits for, for diagnostics.
func (c *Virtual) Tasks() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, t := range c.tasks {
		if t.state == taskExited {
			continue
		}
		s := t.name + " " + t.state.String()
		if t.state == taskAsleep && t.why != "" {
			s += " in " + t.why
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

type taskState uint8

const (
	taskFree    taskState = iota // running outside the world (before its first Sleep)
	taskAsleep                   // waiting for Wake
	taskQueued                   // woken, waiting for the world
	taskRunning                  // holding the world
	taskExited
)

func (s taskState) String() string {
	return [...]string{"free", "asleep", "queued", "running", "exited"}[s]
}

type vtask struct {
	c      *Virtual
	name   string
	daemon bool
	run    chan struct{} // cap 1: the world has been handed over
	// Guarded by c.mu:
	state   taskState
	woken   bool
	started bool // Sleep has been called once
	why     string
}

// NewTask registers a task. Its goroutine must call Sleep before it first
// touches the world; call Wake first to have that Sleep return at once.
func (c *Virtual) NewTask(name string, daemon bool) Task {
	t := &vtask{c: c, name: name, daemon: daemon, run: make(chan struct{}, 1)}
	c.mu.Lock()
	c.tasks = append(c.tasks, t)
	c.mu.Unlock()
	return t
}

func (t *vtask) Name() string { return t.name }

func (t *vtask) signal() {
	select {
	case t.run <- struct{}{}:
	default:
	}
}

func (t *vtask) Wake() {
	c := t.c
	c.mu.Lock()
	switch {
	case c.stopped:
		t.woken = true
		t.signal()
	case t.state == taskAsleep:
		t.state = taskQueued
		c.ready = append(c.ready, t)
		c.dispatchLocked()
	case t.state == taskFree && !t.started:
		// A new task joins the ready queue in the order of its first
		// Wake, not in the order its goroutine happens to start.
		t.state = taskQueued
		c.ready = append(c.ready, t)
		c.dispatchLocked()
	case t.state == taskRunning || t.state == taskFree:
		t.woken = true
	}
	c.mu.Unlock()
}

func (t *vtask) Sleep(why string) {
	c := t.c
	c.mu.Lock()
	if c.stopped {
		if t.woken {
			t.woken = false
			c.mu.Unlock()
			return
		}
		t.state = taskAsleep
		c.mu.Unlock()
		<-t.run
		c.mu.Lock()
		t.woken = false
		c.mu.Unlock()
		return
	}
	if !t.started {
		t.started = true
		if t.state == taskQueued || t.state == taskRunning {
			// Woken before its first Sleep: it is in the queue already,
			// or was handed the world before it got here.
			c.mu.Unlock()
			<-t.run
			return
		}
	}
	if t.state == taskRunning {
		c.holder = nil
	}
	if t.woken {
		t.woken = false
		t.state = taskQueued
		c.ready = append(c.ready, t)
	} else {
		t.state = taskAsleep
		t.why = why
	}
	c.dispatchLocked()
	c.mu.Unlock()
	<-t.run
}

func (t *vtask) Exit() {
	c := t.c
	c.mu.Lock()
	if t.state == taskRunning {
		c.holder = nil
	}
	t.state = taskExited
	for i, x := range c.tasks {
		if x == t {
			c.tasks = append(c.tasks[:i], c.tasks[i+1:]...)
			break
		}
	}
	c.dispatchLocked()
	c.mu.Unlock()
}

// NewTimer returns a stopped timer that calls f from the scheduler, while
// it holds the world.
func (c *Virtual) NewTimer(name string, f func()) Timer {
	return &vtimer{c: c, name: name, f: f}
}

type vtimer struct {
	c     *Virtual
	name  string
	f     func()
	slot  Slot
	fires uint64
}

func (t *vtimer) Slot() *Slot { return &t.slot }

func (t *vtimer) Reset(at time.Duration) {
	c := t.c
	c.mu.Lock()
	if at < c.now {
		at = c.now
	}
	c.timers.Set(t, at)
	idle := c.idleLocked()
	c.mu.Unlock()
	if idle {
		c.kickScheduler()
	}
}

func (t *vtimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timers.Remove(t)
}
