package mem

import (
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core/link"
)

// Capturer takes copies of the frames a link carries, for a packet capture
// (capture.Writer is one).
type Capturer interface {
	// Capture is handed a frame and the clock time at which it reached
	// the far end of the wire. It runs on the delivering goroutine (the
	// sender's tcpip goroutine, or the link's timer callback), must not
	// block, must not change frame and must copy it to keep it.
	Capture(at time.Duration, frame []byte)
}

// SetCapture makes c see every frame the pipe delivers, in both
// directions; nil stops it. Any goroutine, while frames flow: a delivery
// already under way may still hand a frame or two to the capturer it
// replaced.
//
// A capture sees frames as delivered, the way a sniffer at the far end of
// the wire would, not as transmitted: after Loss and a full queue have
// dropped theirs, with Duplicate's extra copies, Corrupt's flipped bits and
// Reorder's order, each stamped with its delivery time (so Delay and Rate
// show in the timestamps). A frame that finds no receiver attached still
// crossed the wire and is captured; frames released by Close, or too big
// for the link, are not. Both directions share c, in delivery order.
func (p *Pipe) SetCapture(c Capturer) {
	p.ab.tap.set(c)
	p.ba.tap.set(c)
}

// capRef boxes a Capturer for an atomic pointer.
type capRef struct{ c Capturer }

// tap is a direction's capture hook; its zero value captures nothing. Read
// with an atomic load on every delivery, so that an idle hook costs one
// load.
type tap struct{ p atomic.Pointer[capRef] }

func (t *tap) set(c Capturer) {
	if c == nil {
		t.p.Store(nil)
		return
	}
	t.p.Store(&capRef{c})
}

// one shows b to the capturer, if there is one.
func (t *tap) one(b *link.Buffer) {
	if ref := t.p.Load(); ref != nil {
		ref.c.Capture(time.Duration(b.At), b.Data)
	}
}

// batch shows every frame of batch to the capturer, if there is one.
func (t *tap) batch(batch []*link.Buffer) {
	if ref := t.p.Load(); ref != nil {
		for _, b := range batch {
			ref.c.Capture(time.Duration(b.At), b.Data)
		}
	}
}
