package mem

import (
	"encoding/binary"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
)

// manualClock is a clock.Clock whose time moves only when the test calls
// Advance; timers due by then fire on the test's goroutine, in (deadline,
// sequence) order.
type manualClock struct {
	mu     sync.Mutex
	now    time.Duration
	seq    uint64
	timers []*manualTimer
}

type manualTimer struct {
	c     *manualClock
	name  string
	f     func()
	at    time.Duration
	seq   uint64
	armed bool
}

func newManualClock() *manualClock { return &manualClock{} }

func (c *manualClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Virtual() bool { return true }

func (c *manualClock) NewTimer(name string, f func()) clock.Timer {
	t := &manualTimer{c: c, name: name, f: f}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	return t
}

func (c *manualClock) NewTask(name string, daemon bool) clock.Task {
	panic("manualClock: no tasks")
}

func (t *manualTimer) Reset(at time.Duration) {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t.at, t.seq, t.armed = max(at, c.now), c.seq, true
}

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.armed = false
	return was
}

// Advance moves time forward by d, firing every timer due on the way at
// its own deadline.
func (c *manualClock) Advance(d time.Duration) { c.AdvanceTo(c.Now() + d) }

// AdvanceTo moves time to the absolute time to (never backwards).
func (c *manualClock) AdvanceTo(to time.Duration) {
	for {
		c.mu.Lock()
		var next *manualTimer
		for _, t := range c.timers {
			if t.armed && t.at <= to && (next == nil || t.at < next.at || t.at == next.at && t.seq < next.seq) {
				next = t
			}
		}
		if next == nil {
			c.now = max(c.now, to)
			c.mu.Unlock()
			return
		}
		c.now = max(c.now, next.at)
		next.armed = false
		c.mu.Unlock()
		next.f()
	}
}

// Armed returns the number of armed timers.
func (c *manualClock) Armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if t.armed {
			n++
		}
	}
	return n
}

// arrival is one frame a recorder received.
type arrival struct {
	data []byte
	at   time.Duration // Buffer.At
}

// recorder is a link.Receiver that keeps a copy of every frame and
// releases the buffers.
type recorder struct {
	mu  sync.Mutex
	got []arrival
}

func (r *recorder) Receive(batch []*link.Buffer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range batch {
		r.got = append(r.got, arrival{data: slices.Clone(b.Data), at: time.Duration(b.At)})
		b.Release()
	}
}

func (r *recorder) frames() []arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// releaser is a link.Receiver that only releases buffers.
type releaser struct{}

func (releaser) Receive(batch []*link.Buffer) { release(batch) }

// frame returns an Ethernet frame from src to dst carrying seq in its
// first payload bytes, padded to size bytes (at least 60).
func frame(dst, src [6]byte, seq uint32, size int) []byte {
	size = max(size, 60)
	f := make([]byte, size)
	copy(f[0:6], dst[:])
	copy(f[6:12], src[:])
	binary.BigEndian.PutUint16(f[12:14], 0x88b5) // local experimental EtherType
	binary.BigEndian.PutUint32(f[14:18], seq)
	for i := 18; i < size; i++ {
		f[i] = byte(i)
	}
	return f
}

// seqOf returns the sequence number frame carries.
func seqOf(f []byte) uint32 { return binary.BigEndian.Uint32(f[14:18]) }

// mac returns the locally administered unicast address 02:00:00:00:hi:lo.
func mac(n int) [6]byte { return [6]byte{0x02, 0, 0, 0, byte(n >> 8), byte(n)} }

var broadcast = [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// checkConservation checks that every frame of d is accounted for.
func checkConservation(t *testing.T, what string, d DirStats) {
	t.Helper()
	if !conserved(d) {
		t.Errorf("%s: tx %d + duplicated %d != rx %d + dropped %d + queued %d (%v)",
			what, d.TxFrames, d.Duplicated, d.RxFrames, d.Dropped(), d.Queued, d)
	}
}

func conserved(d DirStats) bool {
	return d.TxFrames+d.Duplicated == d.RxFrames+d.Dropped()+d.Queued
}

// seqs returns the sequence numbers of arrivals.
func seqs(as []arrival) []uint32 {
	out := make([]uint32, len(as))
	for i, a := range as {
		out[i] = seqOf(a.data)
	}
	return out
}
