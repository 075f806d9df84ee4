package sockets

import (
	"net/netip"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
)

// Stream sockets (TCP) after lwIP's sockets layer over its netconn: the
// control block's handler (tcpPCB, a core.TCPHandler) runs on the tcpip
// goroutine and moves data and events into the socket's stream state
// under the socket's mu; application goroutines read that state and take
// data off the receive buffer without asking the core, and reach the
// core only to send, to reopen the window (a Post, not a Call, and only
// once enough was read) and for the control calls.

// streamState is where a stream socket is in its life, as the socket
// layer sees it (the core's TCPState says more).
type streamState int

const (
	stIdle       streamState = iota // opened, maybe bound
	stListening                     // listen was called
	stConnecting                    // SYN sent, no answer yet
	stConnected                     // the handshake completed (or accepted)
	stDead                          // reset, refused, timed out: the PCB is gone
)

var streamStateNames = [...]string{"idle", "listening", "connecting", "connected", "closed"}

func (s streamState) String() string { return streamStateNames[s] }

// stream is the state of a Stream socket, under its socket's mu.
type stream struct {
	state streamState
	// The receive buffer: a ring of rlen bytes from rbuf[rhead], grown
	// by doubling as data arrives, up to SO_RCVBUF (the core never
	// delivers more than the window it advertised, which that bounds).
	rbuf         []byte
	rhead, rlen  int
	eof          bool // the peer's FIN came after the data in rbuf
	rdShut       bool // shutdown(SHUT_RD): reads return end of stream
	wrShut       bool // shutdown(SHUT_WR): sends fail with EPIPE
	everConn     bool // was connected once (ENOTCONN vs EPIPE)
	resetPending bool // soErr holds the fatal error, not yet reported
	// unreported counts bytes read that the core has not been told of
	// (TCPRecved); pending those handed to a queued Post, posted tells
	// whether one is queued. thresh is how many bytes make a report
	// worth a message: min(MSS, half the buffer).
	unreported, pending int
	posted              bool
	mss                 int
	// Send side: sndBuf is SO_SNDBUF, sndQueued what the core holds
	// (written, not yet acknowledged), both bytes.
	sndBuf, sndQueued int
	// Listener: accepted connections not yet taken by accept.
	acceptQ []*socket
	backlog int
	// Options as set.
	nodelay, keepalive   bool
	keepIdle, keepIntvl  time.Duration
	keepCnt              int
	linger               bool
	lingerT              time.Duration
	sndTimeo             time.Duration
	wwaiters             []*clock.Waiter // sends and lingering closes
	wspare               *clock.Waiter
	sentBytes, recvBytes uint64 // through the socket, over its life
	wdl                  time.Duration
	wdlSet               bool
	recvedFn             func(c *core.Core) // tcpPCB.recvedOnLoop, taken once
}

// thresh is how many read bytes make a window update worth a message.
func (st *stream) thresh(rcvbuf int) int {
	mss := st.mss
	if mss <= 0 {
		mss = 536
	}
	return max(min(mss, rcvbuf/2), 1)
}

// push appends data to the receive ring, growing it as needed.
func (st *stream) push(data []byte, rcvbuf int) {
	need := st.rlen + len(data)
	if need > len(st.rbuf) {
		size := max(len(st.rbuf), min(rcvbuf, 16<<10), 1)
		for size < need {
			size *= 2
		}
		nb := make([]byte, size)
		st.copyOut(nb, st.rlen)
		st.rbuf, st.rhead = nb, 0
	}
	tail := (st.rhead + st.rlen) % len(st.rbuf)
	n := copy(st.rbuf[tail:], data)
	copy(st.rbuf, data[n:])
	st.rlen += len(data)
}

// copyOut copies the first n bytes of the ring to dst without taking
// them.
func (st *stream) copyOut(dst []byte, n int) {
	if n == 0 {
		return
	}
	c := copy(dst[:n], st.rbuf[st.rhead:])
	if c < n {
		copy(dst[c:n], st.rbuf)
	}
}

// take moves up to len(b) bytes off the ring into b.
func (st *stream) take(b []byte) int {
	n := min(len(b), st.rlen)
	st.copyOut(b, n)
	st.rhead = (st.rhead + n) % max(len(st.rbuf), 1)
	st.rlen -= n
	if st.rlen == 0 {
		st.rhead = 0
	}
	return n
}

// discard drops what the ring holds (shutdown(SHUT_RD)) and counts it
// as read.
func (st *stream) discard() {
	st.unreported += st.rlen
	st.rlen, st.rhead = 0, 0
}

// tcpPCB drives a core.TCPPCB for a Stream socket and receives its
// events. Its fields are set on the tcpip goroutine; p is used only
// there.
type tcpPCB struct {
	s *socket
	p *core.TCPPCB
}

// openTCP makes a control block for s with the stack's default buffers.
func openTCP(c *core.Core, s *socket) pcb {
	t := &tcpPCB{s: s}
	t.p = c.NewTCP(t, s)
	cfg := c.TCPConfig()
	s.mu.Lock()
	s.tcp = t
	s.st.sndBuf = cfg.SendBuffer
	s.rcvbuf = cfg.RecvBuffer
	s.st.recvedFn = t.recvedOnLoop
	s.mu.Unlock()
	return t
}

func (t *tcpPCB) bind(c *core.Core, addr netip.AddrPort) (netip.AddrPort, error) {
	return c.TCPBind(t.p, addr)
}

// connect starts the handshake; the socket waits for TCPConnected or
// TCPError.
func (t *tcpPCB) connect(c *core.Core, addr netip.AddrPort) error {
	if err := c.TCPConnect(t.p, addr); err != nil {
		return err
	}
	s := t.s
	s.mu.Lock()
	s.st.state = stConnecting
	s.st.eof, s.st.rdShut, s.st.wrShut = false, false, false
	s.mu.Unlock()
	return nil
}

// send is not used for streams (streamWrite calls TCPWrite).
func (t *tcpPCB) send(c *core.Core, b []byte, to netip.AddrPort) error {
	_, err := c.TCPWrite(t.p, b)
	return err
}

func (t *tcpPCB) setOption(c *core.Core, opt Option, value int) error {
	s := t.s
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	switch opt {
	case SO_REUSEADDR:
		c.TCPSetReuseAddr(t.p, value != 0)
	case TCP_NODELAY:
		c.TCPSetNoDelay(t.p, value != 0)
	case SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT:
		c.TCPSetKeepAlive(t.p, st.keepalive, st.keepIdle, st.keepIntvl, st.keepCnt)
	case SO_RCVBUF:
		return c.TCPSetBuffers(t.p, 0, value)
	case SO_SNDBUF:
		if err := c.TCPSetBuffers(t.p, value, 0); err != nil {
			return err
		}
		s.mu.Lock()
		s.st.sndBuf = t.p.Info().SendBuffer
		s.wakeWriteLocked()
		s.mu.Unlock()
	}
	return nil
}

func (t *tcpPCB) addrs() (local, remote netip.AddrPort) { return t.p.Local(), t.p.Remote() }

// close closes the control block as close(2) without SO_LINGER does; the
// read bytes not yet reported are reported first, so that only data
// never read makes the core reset the connection (RFC 1122 §4.2.2.13).
func (t *tcpPCB) close(c *core.Core) {
	s := t.s
	s.mu.Lock()
	n := s.st.unreported + s.st.pending
	s.st.unreported, s.st.pending = 0, 0
	queued := s.st.acceptQ
	s.st.acceptQ = nil
	s.mu.Unlock()
	for _, child := range queued {
		child.abortChild(c)
	}
	c.TCPRecved(t.p, n)
	c.TCPClose(t.p)
}

// abortChild resets a connection that was never accepted (its listener
// closed), as Linux does.
func (s *socket) abortChild(c *core.Core) {
	s.mu.Lock()
	s.closed = true
	s.st.state = stDead
	s.mu.Unlock()
	c.TCPAbort(s.tcp.p)
}

// recvedOnLoop tells the core how much the application has read, so
// that the window reopens (lwIP's netconn_recv_tcp_pbuf telling
// tcp_recved).
func (t *tcpPCB) recvedOnLoop(c *core.Core) {
	s := t.s
	s.mu.Lock()
	n := s.st.pending
	s.st.pending, s.st.posted = 0, false
	s.mu.Unlock()
	c.TCPRecved(t.p, n)
}

// The core.TCPHandler methods run on the tcpip goroutine. Events of a
// control block other than the socket's own (a child still in
// SYN-RECEIVED reported to its listener's handler) are ignored.

// TCPAccepted makes a socket for conn, not yet in the descriptor table,
// and queues it for accept.
func (t *tcpPCB) TCPAccepted(c *core.Core, l, conn *core.TCPPCB) {
	s := t.s
	if l != t.p {
		return
	}
	child := newSocket(s.api, Stream, s.owner)
	ct := &tcpPCB{s: child, p: conn}
	child.pcb, child.tcp = ct, ct
	info := conn.Info()
	s.mu.Lock()
	closed := s.closed
	child.rcvbuf = s.rcvbuf
	cst := &child.st
	cst.state, cst.everConn = stConnected, true
	cst.eof = conn.State() != core.TCPEstablished // CLOSE-WAIT: the FIN came already
	cst.sndBuf, cst.mss = info.SendBuffer, info.MSS
	cst.nodelay, cst.keepalive = s.st.nodelay, s.st.keepalive
	cst.keepIdle, cst.keepIntvl, cst.keepCnt = s.st.keepIdle, s.st.keepIntvl, s.st.keepCnt
	cst.linger, cst.lingerT = s.st.linger, s.st.lingerT
	cst.sndTimeo = s.st.sndTimeo
	cst.recvedFn = ct.recvedOnLoop
	child.rcvTimeo = s.rcvTimeo
	child.reuse = s.reuse
	child.local, child.remote = conn.Local(), conn.Remote()
	if !closed {
		s.st.acceptQ = append(s.st.acceptQ, child)
		s.wakeReadLocked()
	}
	s.mu.Unlock()
	c.TCPSetHandler(conn, ct, child)
	if closed {
		child.abortChild(c)
	}
}

// TCPConnected completes a connect.
func (t *tcpPCB) TCPConnected(c *core.Core, p *core.TCPPCB) {
	if p != t.p {
		return
	}
	s := t.s
	info := p.Info()
	s.mu.Lock()
	s.st.state, s.st.everConn = stConnected, true
	s.st.mss = info.MSS
	s.local, s.remote = p.Local(), p.Remote()
	s.wakeLocked()
	s.mu.Unlock()
}

// TCPReceived copies data into the receive buffer and wakes readers.
func (t *tcpPCB) TCPReceived(c *core.Core, p *core.TCPPCB, data []byte) {
	if p != t.p {
		return
	}
	s := t.s
	s.mu.Lock()
	if !s.closed {
		s.st.push(data, s.rcvbuf)
		s.st.recvBytes += uint64(len(data))
		s.wakeReadLocked()
	}
	s.mu.Unlock()
}

// TCPSent frees send buffer space and wakes writers.
func (t *tcpPCB) TCPSent(c *core.Core, p *core.TCPPCB, n int) {
	if p != t.p {
		return
	}
	s := t.s
	s.mu.Lock()
	s.st.sndQueued = max(s.st.sndQueued-n, 0)
	s.wakeWriteLocked()
	s.mu.Unlock()
}

// TCPPeerClosed marks the end of the stream after the buffered data.
func (t *tcpPCB) TCPPeerClosed(c *core.Core, p *core.TCPPCB) {
	if p != t.p {
		return
	}
	s := t.s
	s.mu.Lock()
	s.st.eof = true
	s.wakeLocked()
	s.mu.Unlock()
}

// TCPError ends the connection on a fatal error (the PCB is CLOSED):
// the error is pending (SO_ERROR) for the next call, and reads return
// the data still buffered, then it, then the end of the stream. Soft
// errors are left to the core (TCPInfo.SoftError), as Linux keeps them
// out of SO_ERROR while the connection lives.
func (t *tcpPCB) TCPError(c *core.Core, p *core.TCPPCB, err error) {
	if p != t.p || p.State() != core.TCPClosed {
		return
	}
	s := t.s
	s.mu.Lock()
	s.st.state = stDead
	s.st.sndQueued = 0
	if err == core.ErrStopped {
		s.stopped = true
	} else {
		s.soErr = err
		s.st.resetPending = true
	}
	s.wakeLocked()
	s.mu.Unlock()
}
