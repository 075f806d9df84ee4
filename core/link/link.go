// Package link defines what a link driver and a stack's netif say to each
// other, and the frame buffers they pass.
//
// Transmit runs on the sending stack's tcpip goroutine and never blocks.
// Receive may be called on any goroutine (a driver's, the clock's, another
// stack's tcpip goroutine for a zero-delay in-memory link) and never blocks:
// it queues the batch for the receiving stack's tcpip goroutine.
package link

import "sync"

// MaxFrame is the largest Ethernet frame (header included, no FCS) a link
// carries: a 9000-byte jumbo MTU plus the 14-byte Ethernet header.
const MaxFrame = 9014

// Buffer holds one frame. A Buffer belongs to exactly one owner at a time:
// whoever receives it from Receive must call Release when done with it.
type Buffer struct {
	// Data is the frame, starting with the Ethernet header.
	Data []byte
	// At is the clock time (Clock.Now) at which the frame arrived.
	At  int64
	mem [MaxFrame]byte
}

var pool = sync.Pool{New: func() any { return new(Buffer) }}

// NewBuffer returns a Buffer holding a copy of frame, or nil if frame is
// longer than MaxFrame.
func NewBuffer(frame []byte) *Buffer {
	if len(frame) > MaxFrame {
		return nil
	}
	b := pool.Get().(*Buffer)
	b.Data = b.mem[:copy(b.mem[:], frame)]
	b.At = 0
	return b
}

// Release returns b to the pool; b must not be used afterwards.
func (b *Buffer) Release() {
	b.Data = nil
	pool.Put(b)
}

// Receiver takes frames that arrive from a link.
type Receiver interface {
	// Receive queues a batch of frames for the receiving stack and takes
	// ownership of every buffer in it (the slice itself stays the caller's).
	// Any goroutine; never blocks; drops and counts when its queue is full.
	Receive(batch []*Buffer)
}

// Endpoint is one side of a link, as the netif it is attached to sees it.
type Endpoint interface {
	// Transmit sends one frame. It runs on the sending stack's tcpip
	// goroutine, copies frame before returning, and never blocks: a link
	// that cannot take the frame drops and counts it.
	Transmit(frame []byte)
	// SetReceiver connects frames arriving at this endpoint to r; nil
	// disconnects (frames then are dropped and counted as "no receiver").
	SetReceiver(r Receiver)
	// Name says which link and side this is, such as "a:eth0<->b:eth0".
	Name() string
}
