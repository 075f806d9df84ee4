package mem

import (
	"context"
	"sync/atomic"

	"github.com/netlab/netlab/core/link"
)

// DefaultChannelSize is the number of transmitted frames a Channel holds
// when NewChannel is given a size below 1.
const DefaultChannelSize = 64

// Channel is an endpoint for unit tests of a stack, like gVisor's
// link/channel: frames the stack transmits wait in a bounded queue for the
// test to Read, and the test Injects frames as if they came from the wire.
//
// Transmit runs on the stack's tcpip goroutine and never blocks: on a full
// channel it drops and counts. Inject, Read, TryRead and Drain may be
// called from any goroutine; Read is the only call that waits. Read waits
// on a Go channel, outside any clock: with a Virtual clock, read from a
// goroutine that is not an actor, or use testing/synctest.
type Channel struct {
	name string
	q    chan []byte
	rx   atomic.Pointer[rxRef]
	ep   chanEnd

	transmitted, dropped atomic.Uint64
	injected, noReceiver atomic.Uint64
}

// ChannelStats counts a Channel's frames.
type ChannelStats struct {
	// Transmitted counts frames the stack transmitted that were queued
	// for Read.
	Transmitted uint64
	// Dropped counts frames the stack transmitted while the channel was
	// full, or that were longer than link.MaxFrame.
	Dropped uint64
	// Injected counts frames handed to the receiver by Inject.
	Injected uint64
	// NoReceiver counts injected frames dropped because no receiver was
	// attached, or because they were longer than link.MaxFrame.
	NoReceiver uint64
	// Queued is the number of transmitted frames waiting to be read.
	Queued int
}

// NewChannel returns a channel named name that holds up to size
// transmitted frames (DefaultChannelSize if size < 1).
func NewChannel(name string, size int) *Channel {
	if size < 1 {
		size = DefaultChannelSize
	}
	c := &Channel{name: name, q: make(chan []byte, size)}
	c.ep.c = c
	return c
}

// Endpoint returns the endpoint to attach to a stack's netif.
func (c *Channel) Endpoint() link.Endpoint { return &c.ep }

// Inject delivers a copy of frame to the endpoint's receiver, as if it had
// come from the wire, on the caller's goroutine. Without a receiver, or if
// frame is longer than link.MaxFrame, it is dropped and counted.
func (c *Channel) Inject(frame []byte) {
	ref := c.rx.Load()
	if ref == nil {
		c.noReceiver.Add(1)
		return
	}
	b := link.NewBuffer(frame)
	if b == nil {
		c.noReceiver.Add(1)
		return
	}
	c.injected.Add(1)
	ref.r.Receive([]*link.Buffer{b})
}

// Read returns the next frame the stack transmitted (a copy the caller
// owns), waiting until one comes or ctx ends (then it returns ctx's
// error).
func (c *Channel) Read(ctx context.Context) ([]byte, error) {
	select {
	case f := <-c.q:
		return f, nil
	default:
	}
	select {
	case f := <-c.q:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TryRead returns the next frame the stack transmitted, if one is waiting.
func (c *Channel) TryRead() ([]byte, bool) {
	select {
	case f := <-c.q:
		return f, true
	default:
		return nil, false
	}
}

// Drain discards every waiting frame and returns how many there were.
func (c *Channel) Drain() int {
	n := 0
	for {
		select {
		case <-c.q:
			n++
		default:
			return n
		}
	}
}

// Stats returns the channel's counters. Any goroutine.
func (c *Channel) Stats() ChannelStats {
	return ChannelStats{
		Transmitted: c.transmitted.Load(),
		Dropped:     c.dropped.Load(),
		Injected:    c.injected.Load(),
		NoReceiver:  c.noReceiver.Load(),
		Queued:      len(c.q),
	}
}

// chanEnd is the Channel's endpoint, as the stack's netif sees it.
type chanEnd struct{ c *Channel }

// Transmit queues a copy of frame for Read, or drops and counts it when
// the channel is full. It never blocks.
func (e *chanEnd) Transmit(frame []byte) {
	c := e.c
	if len(frame) > link.MaxFrame {
		c.dropped.Add(1)
		return
	}
	f := make([]byte, len(frame))
	copy(f, frame)
	select {
	case c.q <- f:
		c.transmitted.Add(1)
	default:
		c.dropped.Add(1)
	}
}

// SetReceiver connects frames injected into the channel to r; nil
// disconnects.
func (e *chanEnd) SetReceiver(r link.Receiver) {
	if r == nil {
		e.c.rx.Store(nil)
		return
	}
	e.c.rx.Store(&rxRef{r})
}

// Name returns the channel's name.
func (e *chanEnd) Name() string { return e.c.name }
