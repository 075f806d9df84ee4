// Package capture writes the frames a link carries to a pcap file that
// Wireshark, tshark and tcpdump read (Ethernet link type, nanosecond
// timestamps), off the loop.
//
// Goroutines: Capture runs on whichever goroutine hands it a frame (a
// stack's tcpip goroutine, a link's timer callback) and never blocks: it
// copies the frame into a bounded queue under a mutex held only for the
// copy, and drops and counts the frame when the queue is full. Each Writer
// has one goroutine of its own that takes the whole queue at once and
// writes it out, so file I/O never happens on the caller's goroutine. Close
// and Stats may be called from any goroutine.
//
// With Options.WaitWhenFull, Capture waits for the writer's goroutine to
// take the queue instead of dropping a frame: a virtual-clock world, where
// waiting costs wall time and never changes what happens, uses it so that
// its captures are complete however busy the machine is.
//
// Timestamps are Options.Epoch plus the clock time a frame was captured
// at. Under a virtual clock with a fixed epoch, the same run gives the same
// file byte for byte, as long as nothing was dropped (Stats.Dropped, never
// more than 0 with WaitWhenFull).
package capture

import (
	"bufio"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/netlab/netlab/internal/crash"
)

// Defaults for the zero fields of Options.
const (
	// DefaultSnapLen is the most bytes of a frame written by default:
	// enough for any frame a link carries (link.MaxFrame is 9014).
	DefaultSnapLen = 65535
	// DefaultQueueFrames is how many frames may wait to be written.
	DefaultQueueFrames = 8192
	// DefaultQueueBytes is how many bytes of frames may wait to be written.
	DefaultQueueBytes = 4 << 20
)

// ErrClosed is returned by Close when the Writer was already closed.
var ErrClosed = errors.New("capture: writer is closed")

// Options configure a Writer. The zero value is usable: the Unix epoch,
// whole frames, the default queue.
type Options struct {
	// Epoch is the wall time that clock time 0 stands for: a frame
	// captured at clock time t is stamped Epoch+t. The zero Time means the
	// Unix epoch, so that the file's absolute times read as clock times.
	Epoch time.Time
	// SnapLen is the most bytes of each frame written; longer frames are
	// cut, their original length kept in the record (0: DefaultSnapLen).
	SnapLen int
	// QueueFrames bounds the frames waiting for the writer's goroutine
	// (0: DefaultQueueFrames).
	QueueFrames int
	// QueueBytes bounds the bytes of the frames waiting for the writer's
	// goroutine (0: DefaultQueueBytes). Frames that would pass either
	// bound are dropped and counted, unless WaitWhenFull.
	QueueBytes int
	// WaitWhenFull makes Capture wait until the writer's goroutine has
	// taken the queue, instead of dropping the frame, when the queue is
	// full. The wait is for the writer's I/O only (the writer never waits
	// for Capture's callers), so it cannot deadlock; it stalls the caller
	// for wall time, which only a virtual clock can afford.
	WaitWhenFull bool
}

// Stats counts what a Writer did. It is a plain value.
type Stats struct {
	// Captured counts the frames Capture accepted into the queue.
	Captured uint64
	// Written and WrittenBytes count the frames (and their captured bytes)
	// written out and flushed; once Close has returned, Written = Captured
	// - Failed.
	Written, WrittenBytes uint64
	// Dropped counts frames Capture dropped because the queue was full.
	Dropped uint64
	// Late counts frames handed to Capture after Close.
	Late uint64
	// Failed counts queued frames not (or not surely) written because
	// writing failed (Err says why): writing stops at the first error.
	Failed uint64
}

// record is one queued frame: where its bytes are in its batch's data.
type record struct {
	at       time.Duration // clock time of capture
	orig     int           // the frame's length on the wire
	off, len int           // its captured bytes in batch.data
}

// batch is a queue of frames: their records and their bytes back to back.
// A Writer has two, one filling while the other is written, reused for
// ever, so that Capture does not allocate once they have grown.
type batch struct {
	recs []record
	data []byte
}

func (b *batch) reset() {
	b.recs = b.recs[:0]
	b.data = b.data[:0]
}

// Writer writes captured frames to a pcap stream from its own goroutine.
type Writer struct {
	epoch     time.Time
	snap      int
	maxFrames int
	maxBytes  int
	wait      bool // Options.WaitWhenFull
	out       io.Writer
	file      io.Closer // closed by the writer's goroutine when done; may be nil

	wake chan struct{} // capacity 1: the writer's goroutine has work
	done chan struct{} // closed when the writer's goroutine has ended

	mu   sync.Mutex
	room *sync.Cond // on mu: the writer took the queue (WaitWhenFull)
	// Guarded by mu:
	pending *batch
	closed  bool

	captured, dropped, late atomic.Uint64
	written, writtenBytes   atomic.Uint64
	failed                  atomic.Uint64
	errMu                   sync.Mutex
	err                     error // the first write error; guarded by errMu
}

// New returns a Writer that writes a pcap stream to out from a goroutine
// of its own, starting with the file header. Close ends it; New never
// closes out.
func New(out io.Writer, o Options) *Writer {
	return start(out, nil, o)
}

// Create creates (or truncates) the file at path and returns a Writer
// that writes a pcap stream to it; Close closes the file.
func Create(path string, o Options) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return start(f, f, o), nil
}

func start(out io.Writer, file io.Closer, o Options) *Writer {
	w := &Writer{
		epoch:     o.Epoch,
		snap:      o.SnapLen,
		maxFrames: o.QueueFrames,
		maxBytes:  o.QueueBytes,
		wait:      o.WaitWhenFull,
		out:       out,
		file:      file,
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		pending:   &batch{},
	}
	w.room = sync.NewCond(&w.mu)
	if w.epoch.IsZero() {
		w.epoch = time.Unix(0, 0).UTC()
	}
	if w.snap <= 0 {
		w.snap = DefaultSnapLen
	}
	if w.maxFrames <= 0 {
		w.maxFrames = DefaultQueueFrames
	}
	if w.maxBytes <= 0 {
		w.maxBytes = DefaultQueueBytes
	}
	go w.loop()
	return w
}

// Capture queues a copy of frame (at most SnapLen bytes of it), captured
// at clock time at, for writing. Any goroutine; it never keeps frame. When
// the queue is full it drops the frame and counts it, or with WaitWhenFull
// waits for the writer's goroutine to take the queue; after Close it
// counts the frame as Late.
func (w *Writer) Capture(at time.Duration, frame []byte) {
	n := min(len(frame), w.snap)
	w.mu.Lock()
	for {
		if w.closed {
			w.mu.Unlock()
			w.late.Add(1)
			return
		}
		b := w.pending
		fits := len(b.recs) < w.maxFrames && len(b.data)+n <= w.maxBytes
		if fits || w.wait && len(b.recs) == 0 { // a waiter's frame too big for the queue goes alone
			break
		}
		if !w.wait {
			w.mu.Unlock()
			w.dropped.Add(1)
			return
		}
		w.kick()
		w.room.Wait()
	}
	b := w.pending
	b.recs = append(b.recs, record{at: at, orig: len(frame), off: len(b.data), len: n})
	b.data = append(b.data, frame[:n]...)
	first := len(b.recs) == 1
	w.mu.Unlock()
	w.captured.Add(1)
	if first {
		w.kick()
	}
}

// kick tells the writer's goroutine there is work, without blocking.
func (w *Writer) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Close stops taking frames, waits until every frame queued so far is
// written and flushed, closes the file that Create opened, and returns the
// first error writing met. Frames captured after Close are counted as Late.
// Calling Close again returns ErrClosed. Any goroutine.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return ErrClosed
	}
	w.closed = true
	w.mu.Unlock()
	w.kick()
	<-w.done
	return w.Err()
}

// Err returns the first error writing met, or nil. Any goroutine.
func (w *Writer) Err() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

func (w *Writer) setErr(err error) {
	w.errMu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.errMu.Unlock()
}

// Stats returns the Writer's counters. Any goroutine; never blocks.
func (w *Writer) Stats() Stats {
	return Stats{
		Captured:     w.captured.Load(),
		Written:      w.written.Load(),
		WrittenBytes: w.writtenBytes.Load(),
		Dropped:      w.dropped.Load(),
		Late:         w.late.Load(),
		Failed:       w.failed.Load(),
	}
}

// loop is the writer's goroutine: it writes the file header, then swaps
// out the queue each time it is kicked and writes it, until Close.
func (w *Writer) loop() {
	defer crash.Recover("capture writer")
	defer close(w.done)
	defer func() {
		// Ended by a panic (crash.Recover), the writer takes no more
		// frames: a Capture waiting for room counts its frame as late
		// instead of waiting for ever.
		w.mu.Lock()
		w.closed = true
		w.room.Broadcast()
		w.mu.Unlock()
	}()
	bw := bufio.NewWriterSize(w.out, 64<<10)
	pw := pcapgo.NewWriterNanos(bw)
	err := pw.WriteFileHeader(uint32(w.snap), layers.LinkTypeEthernet)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		w.setErr(err)
	}
	spare := &batch{}
	for {
		<-w.wake
		w.mu.Lock()
		b := w.pending
		w.pending = spare
		closed := w.closed
		w.room.Broadcast()
		w.mu.Unlock()
		err = w.writeBatch(pw, bw, b, err)
		b.reset()
		spare = b
		if closed {
			break
		}
	}
	if w.file != nil {
		if cerr := w.file.Close(); cerr != nil {
			w.setErr(cerr)
		}
	}
}

// writeBatch writes b's frames in order and flushes them, unless an
// earlier write failed, and returns the error writing is in now. A frame
// counts as written once it has been flushed to the output.
func (w *Writer) writeBatch(pw *pcapgo.Writer, bw *bufio.Writer, b *batch, err error) error {
	if len(b.recs) == 0 {
		return err
	}
	if err != nil {
		w.failed.Add(uint64(len(b.recs)))
		return err
	}
	var frames, bytes uint64
	for _, r := range b.recs {
		ci := gopacket.CaptureInfo{
			Timestamp:     w.epoch.Add(r.at),
			CaptureLength: r.len,
			Length:        r.orig,
		}
		if err = pw.WritePacket(ci, b.data[r.off:r.off+r.len]); err != nil {
			break
		}
		frames++
		bytes += uint64(r.len)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		w.setErr(err)
		w.failed.Add(uint64(len(b.recs)))
		return err
	}
	w.written.Add(frames)
	w.writtenBytes.Add(bytes)
	return nil
}
