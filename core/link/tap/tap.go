//go:build linux

package tap

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/internal/crash"
)

// Defaults for Options.
const (
	// DefaultQueue is the number of transmitted frames waiting for the
	// writer goroutine before Transmit drops.
	DefaultQueue = 512
	// DefaultBatch is the largest number of frames read from the device
	// and handed to the receiver in one batch.
	DefaultBatch = 64
)

// ErrBlocking is returned by New for a file whose descriptor is not in
// non-blocking mode (or cannot be polled): its reads would hold an OS
// thread, and Close could not interrupt them.
var ErrBlocking = errors.New("tap: file is not in non-blocking mode")

// Options configure an Endpoint.
type Options struct {
	// Name names the endpoint, such as "h1:eth0<->tap nl01abc2t0".
	Name string
	// Clock stamps received buffers (link.Buffer.At); nil leaves them 0.
	Clock clock.Clock
	// Queue is the number of transmitted frames that may wait for the
	// writer (DefaultQueue if < 1).
	Queue int
	// Batch is the largest batch handed to the receiver (DefaultBatch if
	// < 1).
	Batch int
}

// Endpoint is a link.Endpoint on an open TAP device. Make it with New;
// Close it when done, which also closes the device.
type Endpoint struct {
	name  string
	f     *os.File
	rc    syscall.RawConn
	clk   clock.Clock
	batch int

	q  chan *link.Buffer
	rx atomic.Pointer[rxRef]

	// mu orders Transmit's queueing against Close: Transmit holds it for
	// reading, Close for writing while it sets closed.
	mu     sync.RWMutex
	closed bool

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	out, in             counters
	batches             atomic.Uint64
	writeErrs, readErrs atomic.Uint64
	carrierDown         atomic.Bool
	lastErr             atomic.Pointer[errRef]
}

type rxRef struct{ r link.Receiver }

type errRef struct{ err error }

// counters are one direction's counters, written and read with atomics.
type counters struct {
	txFrames, txBytes atomic.Uint64
	rxFrames, rxBytes atomic.Uint64
	queueFull         atomic.Uint64
	noReceiver        atomic.Uint64
	closed, tooBig    atomic.Uint64
}

func (c *counters) load() mem.DirStats {
	return mem.DirStats{
		TxFrames: c.txFrames.Load(), TxBytes: c.txBytes.Load(),
		RxFrames: c.rxFrames.Load(), RxBytes: c.rxBytes.Load(),
		QueueFull: c.queueFull.Load(), NoReceiver: c.noReceiver.Load(),
		Closed: c.closed.Load(), TooBig: c.tooBig.Load(),
	}
}

// New returns an endpoint on f, an open TAP device (IFF_TAP|IFF_NO_PI)
// whose descriptor is in non-blocking mode, and starts its reader and
// writer goroutines. The endpoint owns f from then on: Close closes it.
// f's descriptor is never switched to blocking mode.
func New(f *os.File, o Options) (*Endpoint, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("tap %s: %w", o.Name, err)
	}
	var flags int
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0)
	}); err != nil {
		return nil, fmt.Errorf("tap %s: %w", o.Name, err)
	}
	if ferr != nil {
		return nil, fmt.Errorf("tap %s: fcntl: %w", o.Name, ferr)
	}
	if flags&unix.O_NONBLOCK == 0 {
		return nil, fmt.Errorf("tap %s: %w", o.Name, ErrBlocking)
	}
	if o.Queue < 1 {
		o.Queue = DefaultQueue
	}
	if o.Batch < 1 {
		o.Batch = DefaultBatch
	}
	e := &Endpoint{name: o.Name, f: f, rc: rc, clk: o.Clock, batch: o.Batch, q: make(chan *link.Buffer, o.Queue)}
	e.wg.Add(2)
	go e.writer()
	go e.reader()
	return e, nil
}

// Name returns the endpoint's name.
func (e *Endpoint) Name() string { return e.name }

// SetReceiver connects the frames read from the device to r; nil
// disconnects (frames are then dropped and counted as NoReceiver).
func (e *Endpoint) SetReceiver(r link.Receiver) {
	if r == nil {
		e.rx.Store(nil)
		return
	}
	e.rx.Store(&rxRef{r})
}

// Transmit queues a copy of frame for the writer goroutine. It runs on the
// sending stack's tcpip goroutine and never blocks: a full queue, a frame
// longer than link.MaxFrame or a closed endpoint drops and counts.
func (e *Endpoint) Transmit(frame []byte) {
	c := &e.out
	c.txFrames.Add(1)
	c.txBytes.Add(uint64(len(frame)))
	b := link.NewBuffer(frame)
	if b == nil {
		c.tooBig.Add(1)
		return
	}
	e.mu.RLock()
	if e.closed {
		e.mu.RUnlock()
		b.Release()
		c.closed.Add(1)
		return
	}
	select {
	case e.q <- b:
		e.mu.RUnlock()
	default:
		e.mu.RUnlock()
		b.Release()
		c.queueFull.Add(1)
	}
}

// writer writes queued frames to the device until Close.
func (e *Endpoint) writer() {
	defer crash.Recover("tap writer " + e.name)
	defer e.wg.Done()
	for b := range e.q {
		_, err := e.f.Write(b.Data)
		n := uint64(len(b.Data))
		b.Release()
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				e.out.closed.Add(1)
				continue
			}
			e.writeErrs.Add(1)
			e.setErr(fmt.Errorf("write: %w", err))
			continue
		}
		e.out.rxFrames.Add(1)
		e.out.rxBytes.Add(n)
	}
}

// reader reads frames from the device and hands them to the receiver in
// batches: every frame ready at once (up to Batch) makes one batch.
func (e *Endpoint) reader() {
	defer crash.Recover("tap reader " + e.name)
	defer e.wg.Done()
	var scratch [link.MaxFrame + 1]byte
	batch := make([]*link.Buffer, 0, e.batch)
	for {
		var rerr error
		err := e.rc.Read(func(fd uintptr) bool {
			for len(batch) < cap(batch) {
				n, err := unix.Read(int(fd), scratch[:])
				switch {
				case err == unix.EINTR:
					continue
				case err == unix.EAGAIN:
					return len(batch) > 0
				case err != nil:
					rerr = err
					return true
				case n > link.MaxFrame:
					e.in.txFrames.Add(1)
					e.in.txBytes.Add(uint64(n))
					e.in.tooBig.Add(1)
					continue
				}
				e.in.txFrames.Add(1)
				e.in.txBytes.Add(uint64(n))
				b := link.NewBuffer(scratch[:n])
				if e.clk != nil {
					b.At = int64(e.clk.Now())
				}
				batch = append(batch, b)
			}
			return true
		})
		e.deliver(batch)
		clear(batch)
		batch = batch[:0]
		if err != nil {
			return // closed
		}
		if rerr != nil {
			// The device is gone (EBADFD once its namespace is deleted)
			// or broken: reading again would spin.
			e.readErrs.Add(1)
			e.setErr(fmt.Errorf("read: %w", rerr))
			return
		}
	}
}

// deliver hands batch to the receiver, or drops it.
func (e *Endpoint) deliver(batch []*link.Buffer) {
	if len(batch) == 0 {
		return
	}
	var n uint64
	for _, b := range batch {
		n += uint64(len(b.Data))
	}
	ref := e.rx.Load()
	if ref == nil {
		for _, b := range batch {
			b.Release()
		}
		e.in.noReceiver.Add(uint64(len(batch)))
		return
	}
	e.in.rxFrames.Add(uint64(len(batch)))
	e.in.rxBytes.Add(n)
	e.batches.Add(1)
	ref.r.Receive(batch)
}

func (e *Endpoint) setErr(err error) { e.lastErr.Store(&errRef{err}) }

// SetCarrier turns the device's carrier on or off (TUNSETCARRIER), which
// the kernel side sees as its link state (NO-CARRIER, operstate DOWN):
// this is how a netif's link going down shows on a TAP link. Any
// goroutine. It does not change what Transmit does: the stack's netif
// stops transmitting when its own link is down.
func (e *Endpoint) SetCarrier(up bool) error {
	v := 0
	if up {
		v = 1
	}
	var ierr error
	if err := e.rc.Control(func(fd uintptr) {
		ierr = unix.IoctlSetPointerInt(int(fd), unix.TUNSETCARRIER, v)
	}); err != nil {
		return fmt.Errorf("tap %s: set carrier: %w", e.name, err)
	}
	if ierr != nil {
		return fmt.Errorf("tap %s: set carrier: %w", e.name, ierr)
	}
	e.carrierDown.Store(!up)
	return nil
}

// Close stops the driver's goroutines and closes the device. Frames still
// queued are dropped and counted as Closed, as are frames transmitted
// afterwards. It waits for the goroutines and is safe to call more than
// once, from any goroutine but a Receiver's.
func (e *Endpoint) Close() error {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
		// Frames already queued are dropped rather than written: the
		// writer sees a closed file.
		e.closeErr = e.f.Close()
		close(e.q)
		e.wg.Wait()
	})
	return e.closeErr
}

// Stats is a snapshot of an Endpoint's counters.
//
// Once nothing is queued, Out.TxFrames = Out.RxFrames + Out.Dropped() +
// WriteErrors, and In.TxFrames = In.RxFrames + In.Dropped().
type Stats struct {
	// Name is the endpoint's name.
	Name string
	// Out counts the stack's frames towards the device: TxFrames offered
	// by Transmit, RxFrames written to the device, QueueFull, TooBig and
	// Closed drops, and Queued, waiting for the writer.
	Out mem.DirStats
	// In counts the device's frames towards the stack: TxFrames read from
	// the device, RxFrames handed to the receiver, NoReceiver and TooBig
	// drops.
	In mem.DirStats
	// Batches counts the batches handed to the receiver.
	Batches uint64
	// WriteErrors and ReadErrors count failed writes and reads; the reader
	// stops at its first error.
	WriteErrors, ReadErrors uint64
	// Err is the last read or write error, or nil.
	Err error
	// CarrierDown reports whether SetCarrier last turned the carrier off.
	CarrierDown bool
}

// String summarises s on one line.
func (s Stats) String() string {
	str := fmt.Sprintf("%s out %v; in %v", s.Name, s.Out, s.In)
	if s.CarrierDown {
		str += "; no carrier"
	}
	if s.Err != nil {
		str += "; " + s.Err.Error()
	}
	return str
}

// Stats returns the endpoint's counters. Any goroutine; never blocks.
func (e *Endpoint) Stats() Stats {
	s := Stats{
		Name: e.name, Out: e.out.load(), In: e.in.load(),
		Batches:     e.batches.Load(),
		WriteErrors: e.writeErrs.Load(), ReadErrors: e.readErrs.Load(),
		CarrierDown: e.carrierDown.Load(),
	}
	s.Out.Queued = uint64(len(e.q))
	if r := e.lastErr.Load(); r != nil {
		s.Err = r.err
	}
	return s
}

var _ link.Endpoint = (*Endpoint)(nil)
