// Package mem provides in-memory links: a Pipe (an Ethernet wire between
// two endpoints, with netem-like impairments), a Switch (a learning
// Ethernet bridge joining several links) and a Channel (an endpoint that a
// unit test injects frames into and reads frames from).
//
// Goroutines: Transmit runs on the sending stack's tcpip goroutine. A frame
// that needs no waiting is handed to the peer's receiver right there, on
// that goroutine; a delayed frame is delivered from a clock timer callback
// (the Virtual clock's scheduler, or a Real clock's timer goroutine). A
// Switch forwards inline, on whichever goroutine delivered the frame to it.
// Nothing in this package has a goroutine of its own, and nothing ever
// blocks: a link that cannot take a frame drops and counts it. Control
// calls (SetImpairments, Stats, Attach, Close) may come from any goroutine.
//
// Random choices (loss, duplication, corruption, reordering, jitter) come
// from a PCG source per direction, seeded from the link's seed and the
// direction, so the choices are the same sequence on every run. A whole run
// is reproducible only under the Virtual clock, which serialises every
// caller and fires timers in a fixed order; under the Real clock the
// goroutines' interleaving (and so which frame meets which choice) varies.
package mem

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
)

// Pipe is an in-memory Ethernet wire between two endpoints, A and B:
// frames transmitted on A arrive at B's receiver and frames transmitted on
// B arrive at A's. Each direction has its own queue, timer, random source
// and counters; both share one set of Impairments.
type Pipe struct {
	name string

	mu  sync.Mutex // guards imp
	imp Impairments

	ab, ba dir // A to B, B to A
	a, b   end
}

// end is one side of a Pipe, as the netif or switch port attached to it
// sees it.
type end struct {
	name string
	tx   *dir // frames transmitted here
	rx   *dir // frames arriving here
}

// Transmit sends frame to the other side. It copies frame before it
// returns and never blocks.
func (e *end) Transmit(frame []byte) { e.tx.transmit(frame) }

// SetReceiver connects frames arriving at this side to r; nil disconnects.
func (e *end) SetReceiver(r link.Receiver) { e.rx.setReceiver(r) }

// Name is the pipe's name followed by "/A" or "/B".
func (e *end) Name() string { return e.name }

// NewPipe returns a pipe named name whose delays and timers run on clk and
// whose random choices are seeded by seed. It panics if imp is not valid:
// callers check user input with Impairments.Validate first.
func NewPipe(name string, clk clock.Clock, seed uint64, imp Impairments) *Pipe {
	if err := imp.Validate(); err != nil {
		panic(fmt.Sprintf("mem.NewPipe %q: %v", name, err))
	}
	p := &Pipe{name: name, imp: imp}
	p.ab.init(name+" A->B", clk, seed, 0, imp)
	p.ba.init(name+" B->A", clk, seed, 1, imp)
	p.a = end{name: name + "/A", tx: &p.ab, rx: &p.ba}
	p.b = end{name: name + "/B", tx: &p.ba, rx: &p.ab}
	return p
}

// Name returns the pipe's name.
func (p *Pipe) Name() string { return p.name }

// A returns side A: frames transmitted on it arrive at B's receiver.
func (p *Pipe) A() link.Endpoint { return &p.a }

// B returns side B: frames transmitted on it arrive at A's receiver.
func (p *Pipe) B() link.Endpoint { return &p.b }

// SetImpairments changes the impairments of both directions, while frames
// flow: frames already waiting keep their delivery times, and later frames
// still never overtake them (unless Reorder picks them). Any goroutine.
func (p *Pipe) SetImpairments(imp Impairments) error {
	if err := imp.Validate(); err != nil {
		return err
	}
	p.mu.Lock()
	p.imp = imp
	p.ab.setImpairments(imp)
	p.ba.setImpairments(imp)
	p.mu.Unlock()
	return nil
}

// Impairments returns the pipe's current impairments. Any goroutine.
func (p *Pipe) Impairments() Impairments {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.imp
}

// Stats returns the counters of both directions. Any goroutine; the
// counters are read with atomics, so it never blocks the senders.
func (p *Pipe) Stats() Stats {
	return Stats{Name: p.name, AtoB: p.ab.c.load(), BtoA: p.ba.c.load(), Impair: p.Impairments()}
}

// Close stops the pipe's timers and releases the frames waiting for
// delivery (counted as Closed). Frames transmitted afterwards are dropped
// and counted as Closed. A delivery already handed to a receiver
// completes. Close may be called more than once, from any goroutine.
func (p *Pipe) Close() {
	p.ab.close()
	p.ba.close()
}

// slot is a frame waiting for delivery.
type slot struct {
	at time.Duration // clock time of delivery
	b  *link.Buffer
}

// ring is a FIFO of waiting frames whose delivery times never decrease.
// It grows by doubling and never shrinks, so it does not allocate in
// steady state.
type ring struct {
	buf  []slot // len is 0 or a power of two
	head int
	n    int
}

func (r *ring) len() int { return r.n }

func (r *ring) push(s slot) {
	if r.n == len(r.buf) {
		nb := make([]slot, max(16, 2*len(r.buf)))
		for i := 0; i < r.n; i++ {
			nb[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = s
	r.n++
}

// peek returns the oldest slot; the ring must not be empty.
func (r *ring) peek() slot { return r.buf[r.head] }

// pop removes and returns the oldest slot; the ring must not be empty.
func (r *ring) pop() slot {
	s := r.buf[r.head]
	r.buf[r.head] = slot{}
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return s
}

// rxRef boxes a Receiver for an atomic pointer.
type rxRef struct{ r link.Receiver }

// dir is one direction of a Pipe: the frames transmitted on one side,
// delivered to the other side's receiver.
type dir struct {
	name  string
	clk   clock.Clock
	timer clock.Timer
	rx    atomic.Pointer[rxRef] // the receiving side's receiver
	tap   tap                   // the capture hook (capture.go)
	c     dirCounters

	// one is the batch of one for frames delivered inline; oneBusy says a
	// Transmit is using it (a concurrent or re-entrant one then allocates).
	one     [1]*link.Buffer
	oneBusy atomic.Bool

	mu sync.Mutex
	// Guarded by mu:
	imp      Impairments
	dice     dice
	q        ring
	wireFree time.Duration // when the wire can take the next frame's first bit (Rate)
	last     time.Duration // delivery time of the last queued frame
	closed   bool
	// delivering says a timer callback is handing frames to the receiver
	// (with mu released); it re-arms the timer when it is done, and new
	// frames queue behind the ones it delivers.
	delivering bool
	batch      []*link.Buffer // used only by the delivering callback
}

func (d *dir) init(name string, clk clock.Clock, seed, dirn uint64, imp Impairments) {
	d.name = name
	d.clk = clk
	d.imp = imp
	d.dice = newDice(seed, dirn)
	d.timer = clk.NewTimer("link "+name, d.fire)
}

func (d *dir) setReceiver(r link.Receiver) {
	if r == nil {
		d.rx.Store(nil)
		return
	}
	d.rx.Store(&rxRef{r})
}

func (d *dir) receiver() link.Receiver {
	if ref := d.rx.Load(); ref != nil {
		return ref.r
	}
	return nil
}

func (d *dir) setImpairments(imp Impairments) {
	d.mu.Lock()
	d.imp = imp
	d.mu.Unlock()
}

// transmit is Transmit for this direction: it decides the frame's fate
// under mu, queues it or hands it to the receiver after releasing mu.
func (d *dir) transmit(frame []byte) {
	n := len(frame)
	d.c.txFrames.Add(1)
	d.c.txBytes.Add(uint64(n))
	if n > link.MaxFrame {
		d.c.tooBig.Add(1)
		return
	}
	var now [2]*link.Buffer // copies to hand over at once
	k := 0
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.c.closed.Add(1)
		return
	}
	imp := &d.imp
	if d.dice.chance(imp.Loss) {
		d.mu.Unlock()
		d.c.lost.Add(1)
		return
	}
	copies := 1
	if d.dice.chance(imp.Duplicate) {
		copies = 2
		d.c.duplicated.Add(1)
	}
	t := d.clk.Now()
	for range copies {
		b := link.NewBuffer(frame)
		if d.dice.chance(imp.Corrupt) && n > 0 {
			d.dice.flipBit(b.Data)
			d.c.corrupted.Add(1)
		}
		waiting := d.q.len() > 0 || d.delivering
		if d.dice.chance(imp.Reorder) && (waiting || !imp.direct()) {
			d.c.reordered.Add(1)
			b.At = int64(t)
			now[k] = b
			k++
			continue
		}
		if !waiting && imp.direct() {
			b.At = int64(t)
			now[k] = b
			k++
			continue
		}
		if d.q.len() >= imp.queueLimit() {
			b.Release()
			d.c.queueFull.Add(1)
			continue
		}
		at := t
		if imp.Rate > 0 {
			at = max(at, d.wireFree) + serialisation(n, imp.Rate)
			d.wireFree = at
		}
		at += imp.Delay + d.dice.jitter(imp.Jitter)
		at = max(at, d.last)
		d.last = at
		d.q.push(slot{at: at, b: b})
		d.c.queued.Add(1)
		if !waiting {
			d.timer.Reset(at)
		}
	}
	d.mu.Unlock()
	for _, b := range now[:k] {
		d.deliverOne(b)
	}
}

// deliverOne hands b to the receiver as a batch of one, on the caller's
// goroutine, with mu not held.
func (d *dir) deliverOne(b *link.Buffer) {
	d.tap.one(b)
	r := d.receiver()
	if r == nil {
		d.c.noReceiver.Add(1)
		b.Release()
		return
	}
	d.c.rxFrames.Add(1)
	d.c.rxBytes.Add(uint64(len(b.Data)))
	if d.oneBusy.CompareAndSwap(false, true) {
		d.one[0] = b
		r.Receive(d.one[:])
		d.one[0] = nil
		d.oneBusy.Store(false)
		return
	}
	r.Receive([]*link.Buffer{b})
}

// fire is the direction's timer callback: it hands every frame due by now
// to the receiver in one batch, again until none is due, then re-arms the
// timer for the next frame. It runs on the clock's scheduler (Virtual) or
// a timer goroutine (Real); a second callback that finds one delivering
// leaves the work to it.
func (d *dir) fire() {
	d.mu.Lock()
	if d.delivering || d.closed {
		d.mu.Unlock()
		return
	}
	d.delivering = true
	for !d.closed {
		now := d.clk.Now()
		for d.q.len() > 0 && d.q.peek().at <= now {
			s := d.q.pop()
			s.b.At = int64(s.at)
			d.batch = append(d.batch, s.b)
		}
		if len(d.batch) == 0 {
			break
		}
		d.c.queued.Add(^uint64(len(d.batch) - 1))
		d.mu.Unlock()
		d.deliver(d.batch)
		clear(d.batch)
		d.batch = d.batch[:0]
		d.mu.Lock()
	}
	if !d.closed && d.q.len() > 0 {
		d.timer.Reset(d.q.peek().at)
	}
	d.delivering = false
	d.mu.Unlock()
}

// deliver hands batch to the receiver, or releases it when there is none.
func (d *dir) deliver(batch []*link.Buffer) {
	d.tap.batch(batch)
	r := d.receiver()
	if r == nil {
		d.c.noReceiver.Add(uint64(len(batch)))
		for _, b := range batch {
			b.Release()
		}
		return
	}
	var bytes uint64
	for _, b := range batch {
		bytes += uint64(len(b.Data))
	}
	d.c.rxFrames.Add(uint64(len(batch)))
	d.c.rxBytes.Add(bytes)
	r.Receive(batch)
}

// close stops the timer and releases the waiting frames.
func (d *dir) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	d.timer.Stop()
	n := d.q.len()
	for d.q.len() > 0 {
		d.q.pop().b.Release()
	}
	d.c.queued.Add(^uint64(n - 1))
	d.c.closed.Add(uint64(n))
}
