package sockets

import (
	"context"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
)

// Receive queue limits.
const (
	// DefaultRcvBuf is a socket's receive queue limit in payload bytes
	// (SO_RCVBUF) until changed.
	DefaultRcvBuf = 65536
	// MaxRcvBuf is the largest SO_RCVBUF accepted.
	MaxRcvBuf = 16 << 20
	// maxQueued bounds the datagrams queued whatever their size, so that
	// empty datagrams cannot grow a queue without end.
	maxQueued = 4096
	// maxErrQueue bounds the errors an error-queue socket keeps.
	maxErrQueue = 64
	// smallBuf is the size of the pooled buffers datagrams are copied
	// into; larger ones get a buffer of their own.
	smallBuf = 2048
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, smallBuf); return &b }}

// item is one received datagram (or, on an error-queue socket, one
// error) waiting in a socket's queue.
type item struct {
	buf  *[]byte // pooled backing array, nil when data has its own
	data []byte
	from netip.AddrPort
	ttl  uint8
	seq  uint16     // echo sequence number
	err  error      // an error-queue entry: the core error
	by   netip.Addr // who reported err (zero: this stack)
}

func (it *item) release() {
	if it.buf != nil {
		bufPool.Put(it.buf)
	}
	*it = item{}
}

// queue is a FIFO ring of items that grows by doubling.
type queue struct {
	items []item // len is 0 or a power of two
	head  int
	n     int
	bytes int // payload bytes queued
}

func (q *queue) push(it item) {
	if q.n == len(q.items) {
		nb := make([]item, max(8, 2*len(q.items)))
		for i := 0; i < q.n; i++ {
			nb[i] = q.items[(q.head+i)&(len(q.items)-1)]
		}
		q.items, q.head = nb, 0
	}
	q.items[(q.head+q.n)&(len(q.items)-1)] = it
	q.n++
	q.bytes += len(it.data)
}

func (q *queue) pop() item {
	it := q.items[q.head]
	q.items[q.head] = item{}
	q.head = (q.head + 1) & (len(q.items) - 1)
	q.n--
	q.bytes -= len(it.data)
	return it
}

func (q *queue) clear() {
	for q.n > 0 {
		it := q.pop()
		it.release()
	}
}

// socket is one open socket. Application goroutines and the tcpip
// goroutine share it: the fields under mu are read and written by both,
// held only briefly and never across a call into the core or a wait.
type socket struct {
	api   *API
	typ   Type
	owner string

	// pcb is the control block. Owned by the tcpip goroutine: it is set
	// and used only inside Call and Post functions.
	pcb pcb

	mu       sync.Mutex
	fd       FD
	closed   bool // Close was called: every call fails with EBADF
	stopped  bool // the stack stopped: calls fail with ENETDOWN
	q        queue
	rcvbuf   int             // receive queue limit, payload bytes
	drops    uint64          // datagrams dropped because the queue was full
	rxDgrams uint64          // datagrams queued since the socket opened
	rxBytes  uint64          // payload bytes queued since the socket opened
	soErr    error           // pending error (SO_ERROR), a core error; nil when none
	errQueue bool            // errors go into q as items (Ping's IP_RECVERR)
	errs     int             // error items in q
	waiters  []*clock.Waiter // receives (and, for streams, connects and accepts)
	pollers  []*clock.Waiter // polls
	rcvTimeo time.Duration   // SO_RCVTIMEO; 0 waits forever
	nonblock bool
	// Options as set, for getsockopt.
	broadcast, reuse, dontFrag bool
	ttl                        int
	// Addresses, as the core last reported them.
	local, remote netip.AddrPort
	// rdl is a PacketConn's read deadline in clock time, valid if rdlSet.
	rdl    time.Duration
	rdlSet bool

	// Under mu too: spare is a waiter a receive finished with, closed,
	// for the next receive that must wait to reuse (clock.Waiter.Reuse);
	// nil when none.
	spare *clock.Waiter
	// why is what a receive waits for ("recvfrom fd 3"), made once per
	// op (whyOp) rather than at every wait.
	why, whyOp string

	// tcp is a Stream socket's control block (s.pcb too), set on the
	// tcpip goroutine when it is made; st its stream state, under mu.
	tcp *tcpPCB
	st  stream
}

func newSocket(a *API, t Type, owner string) *socket {
	return &socket{api: a, typ: t, owner: owner, fd: -1, rcvbuf: DefaultRcvBuf, ttl: core.DefaultTTL}
}

// SocketInfo describes the socket for the stack's snapshots
// (core.SocketOwner). It runs on the tcpip goroutine and never blocks.
func (s *socket) SocketInfo() core.SocketInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := core.SocketInfo{FD: s.fd.Num(), Owner: s.owner, RecvQ: s.q.bytes + s.st.rlen, SendQ: s.st.sndQueued}
	if s.soErr != nil {
		info.Error = ErrnoName(Errno(s.soErr, false))
	}
	return info
}

// enqueue copies a datagram into the queue and wakes the waiters, or
// drops it when the socket is closed or its queue full, and reports
// whether the queue was full (for the stack's udp-recv-drops counter).
// It runs on the tcpip goroutine.
func (s *socket) enqueue(data []byte, from netip.AddrPort, ttl uint8, seq uint16) (overflow bool) {
	s.mu.Lock()
	if s.closed || s.q.bytes+len(data) > s.rcvbuf || s.q.n >= maxQueued {
		s.drops++
		s.mu.Unlock()
		return !s.closed
	}
	it := item{from: from, ttl: ttl, seq: seq}
	if len(data) <= smallBuf {
		it.buf = bufPool.Get().(*[]byte)
		it.data = (*it.buf)[:len(data)]
	} else {
		it.data = make([]byte, len(data))
	}
	copy(it.data, data)
	s.q.push(it)
	s.rxDgrams++
	s.rxBytes += uint64(len(data))
	s.wakeLocked()
	s.mu.Unlock()
	return false
}

// setError records an error the core reports about the socket: the
// stack stopped, or a pending error for the next call (an ICMP error, a
// failed ARP, an address gone). It runs on the tcpip goroutine.
func (s *socket) setError(err error, seq uint16, to netip.AddrPort, by netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == core.ErrStopped:
		s.stopped = true
	case s.errQueue:
		if s.errs >= maxErrQueue {
			s.drops++
			return
		}
		s.q.push(item{err: err, seq: seq, from: to, by: by})
		s.errs++
	default:
		s.soErr = err
	}
	s.wakeLocked()
}

// wakeLocked wakes every waiter: receivers, senders, polls. s.mu held;
// Wake never blocks.
func (s *socket) wakeLocked() {
	wakeAll(s.waiters)
	wakeAll(s.pollers)
	wakeAll(s.st.wwaiters)
}

// wakeReadLocked wakes receivers and polls (data, a connection to
// accept). s.mu held.
func (s *socket) wakeReadLocked() {
	wakeAll(s.waiters)
	wakeAll(s.pollers)
}

// wakeWriteLocked wakes senders and polls (send buffer space). s.mu
// held.
func (s *socket) wakeWriteLocked() {
	wakeAll(s.st.wwaiters)
	wakeAll(s.pollers)
}

func wakeAll(ws []*clock.Waiter) {
	for _, w := range ws {
		w.Wake()
	}
}

func (s *socket) addWaiterLocked(w *clock.Waiter) { s.waiters = append(s.waiters, w) }

func (s *socket) removeWaiter(w *clock.Waiter) {
	s.mu.Lock()
	s.removeWaiterLocked(w)
	s.mu.Unlock()
}

func (s *socket) addPollerLocked(w *clock.Waiter) { s.pollers = append(s.pollers, w) }

func (s *socket) removePoller(w *clock.Waiter) {
	s.mu.Lock()
	s.pollers = removeFrom(s.pollers, w)
	s.mu.Unlock()
}

// recvWaiterLocked returns a waiter for a receive under ctx: the spare
// one when it can serve ctx, else a new one. s.mu held.
func (s *socket) recvWaiterLocked(ctx context.Context, clk clock.Clock) *clock.Waiter {
	if w := s.spare; w != nil && w.Reuse(ctx) {
		s.spare = nil
		return w
	}
	return clock.NewWaiter(ctx, clk)
}

// doneWaiting unregisters and closes w, a receive's waiter, and keeps it
// as the spare for the next receive.
func (s *socket) doneWaiting(w *clock.Waiter) {
	s.removeWaiter(w)
	w.Close()
	s.mu.Lock()
	if !s.closed {
		s.spare = w // a newer one replaces an older one
	}
	s.mu.Unlock()
}

// whyLocked returns what a receive for op waits for. s.mu held.
func (s *socket) whyLocked(op string) string {
	if s.whyOp != op {
		s.whyOp, s.why = op, op+" fd "+s.fd.String()
	}
	return s.why
}

func (s *socket) removeWaiterLocked(w *clock.Waiter) { s.waiters = removeFrom(s.waiters, w) }

// removeFrom removes w from ws, not keeping the order.
func removeFrom(ws []*clock.Waiter, w *clock.Waiter) []*clock.Waiter {
	for i, x := range ws {
		if x == w {
			last := len(ws) - 1
			ws[i] = ws[last]
			ws[last] = nil
			return ws[:last]
		}
	}
	return ws
}

// takeErrorLocked returns and clears the pending error.
func (s *socket) takeErrorLocked() error {
	err := s.soErr
	s.soErr = nil
	return err
}

// checkSendLocked is what a send checks before it asks the core: the
// descriptor closed, a pending error, the stack stopped.
func (s *socket) checkSendLocked() error {
	switch {
	case s.closed:
		return syscall.EBADF
	case s.soErr != nil:
		return s.takeErrorLocked()
	case s.stopped:
		return core.ErrStopped
	}
	return nil
}

// meta describes a received item.
type meta struct {
	n    int // the datagram's full length (larger than copied when truncated)
	from netip.AddrPort
	ttl  uint8
	seq  uint16
	err  error      // an error-queue entry
	by   netip.Addr // who reported err
}

// recv takes the next item off fd's queue into b, waiting as the socket
// says (non-blocking, SO_RCVTIMEO, a PacketConn's read deadline) and at
// most until the clock time until when it is not zero. It never asks the
// core: the queue is filled on the tcpip goroutine (lwIP's recvmbox).
func (a *API) recv(ctx context.Context, op string, fd FD, b []byte, until time.Duration) (int, meta, error) {
	s := a.lookup(fd)
	if s == nil {
		return 0, meta{}, errnoErr(op, fd, syscall.EBADF)
	}
	a.stack.Point(PointFDLookup, s)
	if s.typ == Stream {
		n, err := a.streamRecv(ctx, op, fd, s, b)
		s.mu.Lock()
		from := s.remote
		s.mu.Unlock()
		return n, meta{n: n, from: from}, err
	}
	clk := a.clock
	var (
		w        *clock.Waiter
		why      string
		deadline time.Duration // SO_RCVTIMEO's, set when the wait starts
	)
	defer func() {
		if w != nil {
			s.doneWaiting(w)
		}
	}()
	s.mu.Lock()
	nonblock := s.nonblock // as the call found it, as with fcntl
	for {
		// s.mu is held here.
		if s.closed {
			s.mu.Unlock()
			return 0, meta{}, errnoErr(op, fd, syscall.EBADF)
		}
		if s.rdlSet && clk.Now() >= s.rdl {
			s.mu.Unlock()
			return 0, meta{}, timeoutErr(op, fd)
		}
		if err := s.takeErrorLocked(); err != nil {
			s.mu.Unlock()
			return 0, meta{}, fail(op, fd, err, false)
		}
		if s.q.n > 0 && a.opts.NoFullDuplex {
			return s.recvHalfDuplex(b) // unlocks s.mu
		}
		if s.q.n > 0 {
			it := s.q.pop()
			if it.err != nil {
				s.errs--
			}
			s.mu.Unlock()
			m := meta{n: len(it.data), from: it.from, ttl: it.ttl, seq: it.seq, err: it.err, by: it.by}
			n := copy(b, it.data)
			it.release()
			return n, m, nil
		}
		if s.stopped {
			s.mu.Unlock()
			return 0, meta{}, fail(op, fd, core.ErrStopped, false)
		}
		if nonblock {
			s.mu.Unlock()
			return 0, meta{}, errnoErr(op, fd, syscall.EAGAIN)
		}
		if w == nil {
			// Registered under mu with the queue seen empty: whatever is
			// queued from now on wakes this waiter.
			w = s.recvWaiterLocked(ctx, clk)
			s.addWaiterLocked(w)
			why = s.whyLocked(op)
			if s.rcvTimeo > 0 {
				deadline = clk.Now() + s.rcvTimeo
			}
		}
		dl := deadline
		if s.rdlSet && (dl == 0 || s.rdl < dl) {
			dl = s.rdl // a read deadline that passes is reported above
		}
		if until > 0 && (dl == 0 || until < dl) {
			dl = until
		}
		s.mu.Unlock()
		if dl > 0 && clk.Now() >= dl {
			switch {
			case until > 0 && dl == until:
				return 0, meta{}, timeoutErr(op, fd)
			case deadline > 0 && dl == deadline:
				return 0, meta{}, errnoErr(op, fd, syscall.EAGAIN)
			}
		} else if err := w.Wait(dl, why); err != nil && err != clock.ErrTimeout {
			return 0, meta{}, fail(op, fd, err, false)
		}
		s.mu.Lock()
	}
}

// recvHalfDuplex is a datagram receive without full-duplex support: it
// copies the head of the queue while leaving it there, unlocked, and pops
// the head afterwards, as lwIP's sockets keep the data being read in the
// socket (lastdata) rather than in the reader. Two receives at once copy
// the same datagram and lose the next; a close meanwhile frees the buffer
// being copied. s.mu is held on entry and released.
func (s *socket) recvHalfDuplex(b []byte) (int, meta, error) {
	it := &s.q.items[s.q.head]
	s.mu.Unlock()
	s.api.stack.Point(PointRecvCopy, s)
	m := meta{n: len(it.data), from: it.from, ttl: it.ttl, seq: it.seq, err: it.err, by: it.by}
	n := copy(b, it.data)
	s.mu.Lock()
	if s.q.n > 0 {
		head := s.q.pop()
		if head.err != nil {
			s.errs--
		}
		head.release()
	}
	s.mu.Unlock()
	return n, m, nil
}
