package sockets

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
)

// How says which halves Shutdown closes.
type How int

// The halves of shutdown(2).
const (
	SHUT_RD   How = iota // no more receptions: reads return end of stream
	SHUT_WR              // no more sends: a FIN follows the data queued
	SHUT_RDWR            // both
)

// Listen makes the Stream socket fd a listener (binding it to an
// ephemeral port first if it is not bound). backlog bounds the
// connections waiting for Accept and those still in their handshake
// (1 to 4096). EINVAL on a connected socket, EOPNOTSUPP on a datagram
// one.
func (a *API) Listen(ctx context.Context, fd FD, backlog int) error {
	const op = "listen"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	if s.typ != Stream {
		return errnoErr(op, fd, syscall.EOPNOTSUPP)
	}
	err = a.withPCB(ctx, s, func(c *core.Core, p pcb) error {
		t := p.(*tcpPCB)
		s.mu.Lock()
		state := s.st.state
		s.mu.Unlock()
		if state != stIdle && state != stListening {
			return syscall.EINVAL
		}
		if err := c.TCPListen(t.p, backlog); err != nil {
			if errors.Is(err, core.ErrIsConnected) {
				return syscall.EINVAL
			}
			return err
		}
		s.mu.Lock()
		s.st.state = stListening
		s.st.backlog = backlog
		s.mu.Unlock()
		return nil
	})
	return fail(op, fd, err, false)
}

// Accept takes the next connection off the listener fd's queue and
// returns its new descriptor and the peer's address. It waits for one
// unless fd is non-blocking (EAGAIN), up to SO_RCVTIMEO (EAGAIN), or
// until ctx ends; EINVAL when fd is not listening.
func (a *API) Accept(ctx context.Context, fd FD) (FD, netip.AddrPort, error) {
	const op = "accept"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	if s.typ != Stream {
		return -1, netip.AddrPort{}, errnoErr(op, fd, syscall.EOPNOTSUPP)
	}
	var child *socket
	err = a.waitLoop(ctx, op, fd, s, waitRead, func() (bool, error) {
		st := &s.st
		if st.state != stListening {
			return true, syscall.EINVAL
		}
		if s.stopped {
			return true, core.ErrStopped
		}
		if len(st.acceptQ) > 0 {
			child = st.acceptQ[0]
			st.acceptQ[0] = nil
			st.acceptQ = st.acceptQ[1:]
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	s.mu.Lock()
	lp := s.tcp.p
	s.mu.Unlock()
	a.stack.Post(func(c *core.Core) { c.TCPAcceptDone(lp) })
	a.mu.Lock()
	nfd, err := a.allocLocked(child)
	a.mu.Unlock()
	if err != nil {
		a.stack.Post(child.abortChild)
		return -1, netip.AddrPort{}, fail(op, fd, err, false)
	}
	child.mu.Lock()
	child.fd = nfd
	remote := child.remote
	child.mu.Unlock()
	return nfd, remote, nil
}

// waitKind says which of a socket's lists a wait registers on.
type waitKind int

const (
	waitRead    waitKind = iota // receives, accepts: SO_RCVTIMEO and the read deadline
	waitWrite                   // sends: SO_SNDTIMEO and the write deadline
	waitConnect                 // connects: woken as receives, SO_SNDTIMEO as Linux
)

// waitLoop runs ready under s.mu until it reports done, waiting between
// tries as the socket says: EBADF once closed, EAGAIN at once when
// non-blocking, EAGAIN after SO_RCVTIMEO or SO_SNDTIMEO, a timeout
// error after the deadline of a Conn, ctx's error. ready's error ends
// the wait as the call's error.
func (a *API) waitLoop(ctx context.Context, op string, fd FD, s *socket, kind waitKind, ready func() (bool, error)) error {
	clk := a.clock
	var (
		w        *clock.Waiter
		deadline time.Duration
	)
	defer func() {
		if w != nil {
			s.doneWaitingKind(w, kind)
		}
	}()
	s.mu.Lock()
	nonblock := s.nonblock
	for {
		if s.closed {
			s.mu.Unlock()
			return errnoErr(op, fd, syscall.EBADF)
		}
		dlSet, dlAt := s.rdlSet, s.rdl
		timeo := s.rcvTimeo
		if kind != waitRead {
			dlSet, dlAt, timeo = s.st.wdlSet, s.st.wdl, s.st.sndTimeo
		}
		if dlSet && clk.Now() >= dlAt {
			s.mu.Unlock()
			return timeoutErr(op, fd)
		}
		done, err := ready()
		if done {
			s.mu.Unlock()
			return fail(op, fd, err, kind == waitWrite)
		}
		if nonblock {
			s.mu.Unlock()
			return errnoErr(op, fd, syscall.EAGAIN)
		}
		if w == nil {
			w = s.waiterLocked(ctx, clk, kind)
			if timeo > 0 {
				deadline = clk.Now() + timeo
			}
		}
		dl := deadline
		if dlSet && (dl == 0 || dlAt < dl) {
			dl = dlAt
		}
		why := s.whyLocked(op)
		s.mu.Unlock()
		if deadline > 0 && clk.Now() >= deadline && dl == deadline {
			return errnoErr(op, fd, syscall.EAGAIN)
		}
		if err := w.Wait(dl, why); err != nil && err != clock.ErrTimeout {
			return fail(op, fd, err, false)
		}
		s.mu.Lock()
	}
}

// waiterLocked registers a waiter for a wait of kind, reusing the
// socket's spare one when it can. s.mu held.
func (s *socket) waiterLocked(ctx context.Context, clk clock.Clock, kind waitKind) *clock.Waiter {
	if kind != waitWrite {
		w := s.recvWaiterLocked(ctx, clk)
		s.addWaiterLocked(w)
		return w
	}
	w := s.st.wspare
	if w != nil && w.Reuse(ctx) {
		s.st.wspare = nil
	} else {
		w = clock.NewWaiter(ctx, clk)
	}
	s.st.wwaiters = append(s.st.wwaiters, w)
	return w
}

// doneWaitingKind unregisters and closes w and keeps it as a spare.
func (s *socket) doneWaitingKind(w *clock.Waiter, kind waitKind) {
	if kind != waitWrite {
		s.doneWaiting(w)
		return
	}
	s.mu.Lock()
	s.st.wwaiters = removeFrom(s.st.wwaiters, w)
	s.mu.Unlock()
	w.Close()
	s.mu.Lock()
	if !s.closed {
		s.st.wspare = w
	}
	s.mu.Unlock()
}

// streamConnect connects a Stream socket: it starts the handshake and,
// unless the socket is non-blocking (EINPROGRESS: poll for POLLOUT, then
// read SO_ERROR), waits for it to complete, up to SO_SNDTIMEO
// (EINPROGRESS, as Linux) or until ctx ends (the handshake goes on).
func (a *API) streamConnect(ctx context.Context, fd FD, s *socket, addr netip.AddrPort) error {
	const op = "connect"
	if !addr.Addr().IsValid() || addr.Port() == 0 {
		return errnoErr(op, fd, syscall.EINVAL)
	}
	s.mu.Lock()
	state, everConn := s.st.state, s.st.everConn
	s.mu.Unlock()
	switch {
	case state == stConnecting:
		return errnoErr(op, fd, syscall.EALREADY)
	case state == stConnected, state == stDead && everConn:
		return errnoErr(op, fd, syscall.EISCONN)
	case state == stListening:
		return errnoErr(op, fd, syscall.EINVAL)
	}
	err := a.withPCB(ctx, s, func(c *core.Core, p pcb) error {
		s.mu.Lock()
		s.soErr = nil
		s.mu.Unlock()
		return p.connect(c, addr)
	})
	if err != nil {
		if errors.Is(err, core.ErrAddrInUse) {
			// No free 4-tuple (no ephemeral port left, or the one bound
			// is in use towards addr): EADDRNOTAVAIL, as Linux's connect.
			return &Error{Op: op, FD: fd, Err: syscall.EADDRNOTAVAIL, Cause: err}
		}
		return fail(op, fd, err, false)
	}
	s.mu.Lock()
	nonblock := s.nonblock
	s.mu.Unlock()
	if nonblock {
		return errnoErr(op, fd, syscall.EINPROGRESS)
	}
	err = a.waitLoop(ctx, op, fd, s, waitConnect, func() (bool, error) {
		switch s.st.state {
		case stConnected:
			return true, nil
		case stDead:
			s.st.resetPending = false
			if err := s.takeErrorLocked(); err != nil {
				return true, err
			}
			return true, syscall.ECONNABORTED
		}
		if s.stopped {
			return true, core.ErrStopped
		}
		return false, nil
	})
	var se *Error
	if errors.As(err, &se) && se.Err == syscall.EAGAIN && se.Cause == nil {
		se.Err = syscall.EINPROGRESS // SO_SNDTIMEO passed
	}
	return err
}

// streamRecv reads what the receive buffer holds, up to len(b), waiting
// for data as the socket says. It returns 0 and no error at the end of
// the stream (the peer's FIN, SHUT_RD, or after a reset was reported).
// A pending error (a reset) comes after the data received before it.
// Enough bytes read (min(MSS, half the buffer)) are reported to the core
// with a Post so that the window reopens.
func (a *API) streamRecv(ctx context.Context, op string, fd FD, s *socket, b []byte) (int, error) {
	var (
		n    int
		post func(c *core.Core)
	)
	err := a.waitLoop(ctx, op, fd, s, waitRead, func() (bool, error) {
		st := &s.st
		if st.rlen > 0 && !st.rdShut {
			n = st.take(b)
			st.unreported += n
			if st.unreported >= st.thresh(s.rcvbuf) || (st.rlen == 0 && st.eof) {
				st.pending += st.unreported
				st.unreported = 0
				if !st.posted {
					st.posted = true
					post = st.recvedFn
				}
			}
			return true, nil
		}
		if len(b) == 0 {
			return true, nil
		}
		if s.soErr != nil {
			st.resetPending = false
			return true, s.takeErrorLocked()
		}
		switch {
		case st.eof || st.rdShut || st.state == stDead:
			return true, nil
		case s.stopped:
			return true, core.ErrStopped
		case st.state == stIdle || st.state == stListening:
			return true, core.ErrNotConnected
		}
		return false, nil
	})
	if post != nil {
		a.stack.Post(post)
	}
	return n, err
}

// streamSend copies b into the connection's send buffer through the
// core, waiting while the buffer is full (woken by TCPSent) unless the
// socket is non-blocking, up to SO_SNDTIMEO, a Conn's write deadline or
// ctx's end. It returns the bytes taken and, when it stopped early, why.
func (a *API) streamSend(ctx context.Context, op string, fd FD, s *socket, b []byte) (int, error) {
	sent := 0
	for {
		err := a.waitLoop(ctx, op, fd, s, waitWrite, func() (bool, error) {
			st := &s.st
			if s.soErr != nil {
				st.resetPending = false
				return true, s.takeErrorLocked()
			}
			switch {
			case s.stopped:
				return true, core.ErrStopped
			case st.wrShut || st.state == stDead:
				return true, syscall.EPIPE
			case st.state == stIdle || st.state == stListening:
				return true, core.ErrNotConnected
			}
			return st.sndQueued < st.sndBuf || len(b) == sent, nil
		})
		if err != nil || sent == len(b) {
			return sent, err
		}
		n, err := a.write(ctx, s, b[sent:])
		sent += n
		if err != nil {
			if errors.Is(err, core.ErrShutdown) || errors.Is(err, core.ErrNotConnected) {
				err = syscall.EPIPE
			}
			return sent, fail(op, fd, err, true)
		}
		if sent == len(b) {
			return sent, nil
		}
	}
}

// write runs one TCPWrite of b on the tcpip goroutine and returns what
// it took. When ctx ends first, the write is withdrawn if it has not
// run yet (b is the caller's again once write returns).
func (a *API) write(ctx context.Context, s *socket, b []byte) (int, error) {
	r := writePool.Get().(*streamWrite)
	r.s, r.b = s, b
	err := a.stack.Call(ctx, r.fn)
	if err != nil && isContextErr(err) {
		r.mu.Lock()
		if !r.ran {
			r.abandoned = true
			r.mu.Unlock()
			return 0, err // r is left to the request
		}
		r.mu.Unlock()
	}
	n, werr := r.n, r.err
	if err == nil || isContextErr(err) {
		err = werr
	}
	*r = streamWrite{fn: r.fn}
	writePool.Put(r)
	return n, err
}

// streamWrite is one TCPWrite, the function Call runs.
type streamWrite struct {
	s  *socket
	b  []byte
	fn func(c *core.Core) error // r.run, taken once

	mu        sync.Mutex
	ran       bool
	abandoned bool
	n         int
	err       error
}

var writePool = sync.Pool{New: func() any {
	r := new(streamWrite)
	r.fn = r.run
	return r
}}

func (r *streamWrite) run(c *core.Core) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.abandoned {
		return context.Canceled
	}
	r.ran = true
	s := r.s
	s.mu.Lock()
	closed, t := s.closed, s.tcp
	s.mu.Unlock()
	if closed || t == nil {
		r.err = core.ErrClosed
		return r.err
	}
	r.n, r.err = c.TCPWrite(t.p, r.b)
	info := t.p.Info()
	s.mu.Lock()
	s.st.sndQueued, s.st.sndBuf = info.SendQueued, info.SendBuffer
	s.st.sentBytes += uint64(r.n)
	s.mu.Unlock()
	return r.err
}

// Shutdown closes one or both halves of the connection fd (shutdown(2)).
// SHUT_WR sends a FIN after the data queued; later sends fail with
// EPIPE. SHUT_RD drops what is buffered and what arrives (acknowledged
// still); reads return the end of the stream. ENOTCONN unless connected.
func (a *API) Shutdown(ctx context.Context, fd FD, how How) error {
	const op = "shutdown"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	if how < SHUT_RD || how > SHUT_RDWR {
		return errnoErr(op, fd, syscall.EINVAL)
	}
	if s.typ != Stream {
		return errnoErr(op, fd, syscall.EOPNOTSUPP)
	}
	rd, wr := how != SHUT_WR, how != SHUT_RD
	s.mu.Lock()
	st := &s.st
	if st.state != stConnected && st.state != stConnecting {
		s.mu.Unlock()
		return errnoErr(op, fd, syscall.ENOTCONN)
	}
	if rd {
		st.rdShut = true
		st.discard()
	}
	if wr {
		st.wrShut = true
	}
	n := st.unreported + st.pending
	st.unreported, st.pending = 0, 0
	s.wakeLocked()
	s.mu.Unlock()
	return fail(op, fd, a.withPCB(ctx, s, func(c *core.Core, p pcb) error {
		t := p.(*tcpPCB)
		c.TCPRecved(t.p, n)
		err := c.TCPShutdown(t.p, rd, wr)
		if errors.Is(err, core.ErrNotConnected) {
			return nil // reset meanwhile: nothing to shut
		}
		return err
	}), false)
}

// streamClose closes a Stream socket whose descriptor is gone already.
// Without SO_LINGER the core finishes the close on its own (a FIN after
// the data queued; a reset if data was never read). SO_LINGER with 0
// resets the connection. SO_LINGER with a time waits up to that long
// for the data queued to be acknowledged.
func (a *API) streamClose(ctx context.Context, fd FD, s *socket) error {
	const op = "close"
	s.mu.Lock()
	s.closed = true
	st := &s.st
	abort := st.linger && st.lingerT == 0 && st.state != stListening
	graceful := st.linger && st.lingerT > 0 && st.state == stConnected && !s.stopped
	lingerT := st.lingerT
	st.rbuf, st.rlen, st.rhead = nil, 0, 0
	s.wakeLocked()
	s.mu.Unlock()
	err := a.stack.Call(ctx, func(c *core.Core) error {
		t := s.tcp
		switch {
		case t == nil:
		case abort:
			c.TCPAbort(t.p)
		case graceful:
			s.mu.Lock()
			n := st.unreported + st.pending
			st.unreported, st.pending = 0, 0
			s.mu.Unlock()
			c.TCPRecved(t.p, n)
			c.TCPShutdown(t.p, false, true)
		default:
			t.close(c)
		}
		return nil
	})
	if err == nil && graceful {
		deadline := a.clock.Now() + lingerT
		w := clock.NewWaiter(ctx, a.clock)
		s.mu.Lock()
		st.wwaiters = append(st.wwaiters, w)
		for st.sndQueued > 0 && st.state == stConnected && !s.stopped && a.clock.Now() < deadline {
			s.mu.Unlock()
			werr := w.Wait(deadline, "close fd "+fd.String()+" (SO_LINGER)")
			s.mu.Lock()
			if werr != nil && werr != clock.ErrTimeout {
				break
			}
		}
		st.wwaiters = removeFrom(st.wwaiters, w)
		s.mu.Unlock()
		w.Close()
		err = a.stack.Call(context.WithoutCancel(ctx), func(c *core.Core) error {
			s.tcp.close(c)
			return nil
		})
	}
	if err == nil || errors.Is(err, core.ErrStopped) {
		return nil
	}
	return fail(op, fd, err, false)
}

// SetLinger sets SO_LINGER: off (the default), on with 0 (close resets
// the connection), or on with d (close waits up to d of clock time for
// the data queued to be acknowledged).
func (a *API) SetLinger(fd FD, on bool, d time.Duration) error {
	const op = "setsockopt"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	if s.typ != Stream || d < 0 {
		return errnoErr(op, fd, syscall.EINVAL)
	}
	s.mu.Lock()
	s.st.linger, s.st.lingerT = on, d
	s.mu.Unlock()
	return nil
}

// SetSendTimeout sets SO_SNDTIMEO to d of clock time (0: wait forever).
func (a *API) SetSendTimeout(fd FD, d time.Duration) error {
	const op = "setsockopt"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	if d < 0 {
		return errnoErr(op, fd, syscall.EINVAL)
	}
	s.mu.Lock()
	s.st.sndTimeo = d
	s.mu.Unlock()
	return nil
}

// setStreamOption handles the options of Stream sockets for
// SetSockOpt; s.mu held. It reports whether the core must hear of it.
func (s *socket) setStreamOptionLocked(opt Option, value int) (viaCore bool, err error) {
	st := &s.st
	switch opt {
	case SO_SNDBUF:
		if value <= 0 {
			return false, syscall.EINVAL
		}
		st.sndBuf = min(value, MaxRcvBuf)
		return true, nil
	case SO_KEEPALIVE:
		st.keepalive = value != 0
	case TCP_KEEPIDLE:
		if value < 1 || value > 32767 {
			return false, syscall.EINVAL
		}
		st.keepIdle = time.Duration(value) * time.Second
	case TCP_KEEPINTVL:
		if value < 1 || value > 32767 {
			return false, syscall.EINVAL
		}
		st.keepIntvl = time.Duration(value) * time.Second
	case TCP_KEEPCNT:
		if value < 1 || value > 127 {
			return false, syscall.EINVAL
		}
		st.keepCnt = value
	case TCP_NODELAY:
		st.nodelay = value != 0
	case SO_LINGER:
		st.linger = value >= 0
		st.lingerT = time.Duration(max(value, 0)) * time.Millisecond
		return false, nil
	default:
		return false, syscall.ENOPROTOOPT
	}
	return true, nil
}

// getStreamOptionLocked returns a Stream socket's option; s.mu held.
func (s *socket) getStreamOptionLocked(opt Option) (int, bool) {
	st := &s.st
	orDefault := func(d, def time.Duration) int {
		if d == 0 {
			d = def
		}
		return int(d / time.Second)
	}
	switch opt {
	case SO_SNDBUF:
		return st.sndBuf, true
	case SO_KEEPALIVE:
		return b2i(st.keepalive), true
	case TCP_KEEPIDLE:
		return orDefault(st.keepIdle, 2*time.Hour), true
	case TCP_KEEPINTVL:
		return orDefault(st.keepIntvl, 75*time.Second), true
	case TCP_KEEPCNT:
		if st.keepCnt == 0 {
			return 9, true
		}
		return st.keepCnt, true
	case TCP_NODELAY:
		return b2i(st.nodelay), true
	case SO_LINGER:
		if !st.linger {
			return -1, true
		}
		return int(st.lingerT / time.Millisecond), true
	}
	return 0, false
}

// TCPInfo returns the Stream socket fd's connection as the core has it
// (getsockopt TCP_INFO): its RFC 9293 state, queues, windows, congestion
// window and RTT estimators. ENOPROTOOPT on a datagram socket.
func (a *API) TCPInfo(ctx context.Context, fd FD) (core.TCPInfo, error) {
	const op = "getsockopt"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return core.TCPInfo{}, err
	}
	if s.typ != Stream {
		return core.TCPInfo{}, errnoErr(op, fd, syscall.ENOPROTOOPT)
	}
	var info core.TCPInfo
	err = a.withPCB(ctx, s, func(c *core.Core, p pcb) error {
		info = p.(*tcpPCB).p.Info()
		return nil
	})
	return info, fail(op, fd, err, false)
}
