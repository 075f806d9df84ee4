// Package sockets is the BSD-style socket API of a stack, after lwIP's
// sockets layer (src/api/sockets.c): a descriptor table per stack, UDP
// sockets, TCP stream sockets (listen, accept, connect, shutdown,
// SO_LINGER, TCP options) and ICMP echo sockets (what Linux's ping
// sockets are), blocking and non-blocking calls, timeouts, poll, errnos;
// net.PacketConn, net.Conn and net.Listener adapters (ListenPacket,
// Dial, Listen), so that Go programs, net/http included, run over a
// stack; and a ping built on them.
//
// Which goroutine: every call is safe from any goroutine, several at once
// on one socket (a receive blocked in one while another sends). Calls that
// touch the core (socket, bind, connect, send, close, options the core
// implements) are messages to the stack's tcpip goroutine (core.Stack.Call,
// lwIP's tcpip_api_call); the control blocks are created and used only
// there. The receive path runs on the tcpip goroutine: a control block's
// receive callback copies the datagram onto the socket's bounded queue
// under a small mutex and wakes the waiting receivers, never blocking; an
// application goroutine takes data off the queue without a round trip
// through the core (lwIP's recvmbox). A stream socket's data goes into a
// bounded ring the same way; a receive tells the core what it read with
// a Post (no waiting) only once min(MSS, half the buffer) has been read,
// so that the window reopens without a message per read. A send copies
// into the core's send buffer with a Call and waits, while that is full,
// for the acknowledgements that free it. Code on the tcpip goroutine never
// calls into this package's blocking API: it would wait on itself.
//
// Blocking calls wait with a clock.Waiter on the stack's clock: an actor
// whose context carries its task (clock.WithTask) sleeps through the task,
// so that a virtual clock sees it waiting and moves time on; timeouts
// (SO_RCVTIMEO, poll's) are clock times, so under a virtual clock a one
// second timeout takes no wall time.
//
// Every failure is an *Error carrying the errno a BSD socket call would
// set.
package sockets

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
)

// Options configure an API.
type Options struct {
	// Classic turns descriptor generations off: a stale descriptor then
	// reaches whatever socket reuses its number, as on a POSIX system
	// (for the pitfall labs).
	Classic bool
	// NoFullDuplex turns full-duplex support off, as lwIP without
	// LWIP_NETCONN_FULLDUPLEX: a datagram receive copies out of the head
	// of the queue while it stays there and takes it off afterwards, and
	// nothing keeps a close from freeing what a receive is copying. A
	// socket must then be used by one goroutine at a time (for the
	// pitfall labs).
	NoFullDuplex bool
}

// The sockets layer's scheduling points (see core.Point).
const (
	// PointFDLookup: a call has looked its descriptor up and is about to
	// use the socket it found. The argument is the socket.
	PointFDLookup core.Point = "look up descriptor"
	// PointRecvCopy: a receive without full duplex has found the
	// datagram at the head of the queue and is about to copy it out.
	PointRecvCopy core.Point = "copy datagram out of queue"
)

// API is the socket API of one stack: its descriptor table, like a
// host's. Any goroutine.
type API struct {
	stack *core.Stack
	clock clock.Clock
	opts  Options

	mu    sync.Mutex // guards slots; taken before a socket's mu, never after
	slots []slot     // by descriptor number
}

// New returns the socket API of stack s.
func New(s *core.Stack, opts Options) *API {
	return &API{stack: s, clock: s.Clock(), opts: opts}
}

// Stack returns the API's stack.
func (a *API) Stack() *core.Stack { return a.stack }

// Socket opens a socket of type t and returns its descriptor, the lowest
// free number from 3. owner labels the socket in snapshots and listings
// ("lab", "tui", "udp-echo").
func (a *API) Socket(ctx context.Context, t Type, owner string) (FD, error) {
	const op = "socket"
	if t != Datagram && t != Echo && t != Stream {
		return -1, errnoErr(op, -1, syscall.EPROTOTYPE)
	}
	s := newSocket(a, t, owner)
	a.mu.Lock()
	fd, err := a.allocLocked(s)
	if err == nil {
		s.fd = fd
	}
	a.mu.Unlock()
	if err != nil {
		return -1, fail(op, -1, err, false)
	}
	err = a.stack.Call(ctx, func(c *core.Core) error {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return core.ErrClosed
		}
		switch t {
		case Datagram:
			s.pcb = openUDP(c, s)
		case Stream:
			s.pcb = openTCP(c, s)
		default:
			s.pcb = openEcho(c, s)
		}
		return nil
	})
	if err != nil {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		a.release(fd, s)
		// The request may still run (a context that ended does not
		// withdraw it): close what it opens.
		a.stack.Post(func(c *core.Core) {
			if s.pcb != nil {
				s.pcb.close(c)
			}
		})
		return -1, fail(op, -1, err, false)
	}
	return fd, nil
}

// socketFor returns the open socket fd names, or EBADF.
func (a *API) socketFor(op string, fd FD) (*socket, error) {
	s := a.lookup(fd)
	if s == nil {
		return nil, errnoErr(op, fd, syscall.EBADF)
	}
	a.stack.Point(PointFDLookup, s)
	return s, nil
}

// withPCB runs fn with s's control block on the tcpip goroutine and
// records the addresses the core has for it afterwards.
func (a *API) withPCB(ctx context.Context, s *socket, fn func(c *core.Core, p pcb) error) error {
	return a.stack.Call(ctx, func(c *core.Core) error {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed || s.pcb == nil {
			return core.ErrClosed
		}
		err := fn(c, s.pcb)
		l, r := s.pcb.addrs()
		s.mu.Lock()
		s.local, s.remote = l, r
		s.mu.Unlock()
		return err
	})
}

// v4 checks that addr, when given, is IPv4 (an IPv4-mapped IPv6 address
// is unmapped).
func v4(addr netip.AddrPort) (netip.AddrPort, error) {
	if !addr.Addr().IsValid() {
		return netip.AddrPortFrom(netip.Addr{}, addr.Port()), nil
	}
	a := addr.Addr().Unmap()
	if !a.Is4() {
		return addr, syscall.EAFNOSUPPORT
	}
	return netip.AddrPortFrom(a, addr.Port()), nil
}

// Bind binds fd to a local address and port (0.0.0.0 for any address,
// port 0 for an ephemeral one). For Echo sockets the port is the ICMP
// identifier (0 picks one). A socket binds once: EINVAL after that.
func (a *API) Bind(ctx context.Context, fd FD, addr netip.AddrPort) error {
	const op = "bind"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	if addr, err = v4(addr); err != nil {
		return fail(op, fd, err, false)
	}
	if !addr.Addr().IsValid() {
		addr = netip.AddrPortFrom(netip.IPv4Unspecified(), addr.Port())
	}
	return fail(op, fd, a.withPCB(ctx, s, func(c *core.Core, p pcb) error {
		_, err := p.bind(c, addr)
		return err
	}), false)
}

// Connect fixes fd's peer: sends without an address go there, and only
// datagrams from there are received; a connected UDP socket hears ICMP
// errors about what it sent (ECONNREFUSED). A zero addr disconnects, as
// connect with AF_UNSPEC does. It binds an unbound socket first.
func (a *API) Connect(ctx context.Context, fd FD, addr netip.AddrPort) error {
	const op = "connect"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	if addr, err = v4(addr); err != nil {
		return fail(op, fd, err, false)
	}
	if s.typ == Stream {
		return a.streamConnect(ctx, fd, s, addr)
	}
	if !addr.Addr().IsValid() {
		addr = netip.AddrPort{}
	}
	return fail(op, fd, a.withPCB(ctx, s, func(c *core.Core, p pcb) error {
		return p.connect(c, addr)
	}), false)
}

// SendTo sends b to to, or to the connected peer when to is zero, and
// returns len(b). For an Echo socket b is an ICMP echo request message
// (type 8, code 0, checksum, identifier, sequence number, data; see
// EchoRequest): the identifier is replaced by the socket's and the
// checksum recomputed, as with Linux ping sockets; to's port is ignored.
// A pending error (SO_ERROR) is returned, and cleared, instead of
// sending. When ctx ends while SendTo waits for the stack, SendTo
// returns ctx's error if the datagram was not sent yet (it then never
// is), and the send's own result if it was; b is never read after SendTo
// returns.
func (a *API) SendTo(ctx context.Context, fd FD, b []byte, to netip.AddrPort) (int, error) {
	return a.sendTo(ctx, "sendto", fd, b, to)
}

// Send sends b to the connected peer (EDESTADDRREQ when there is none).
func (a *API) Send(ctx context.Context, fd FD, b []byte) (int, error) {
	return a.sendTo(ctx, "send", fd, b, netip.AddrPort{})
}

func (a *API) sendTo(ctx context.Context, op string, fd FD, b []byte, to netip.AddrPort) (int, error) {
	s, err := a.socketFor(op, fd)
	if err != nil {
		return 0, err
	}
	if s.typ == Stream {
		// The address of a sendto on a stream is ignored, as Linux
		// does on a connected socket. A send stopped early returns
		// what it took, as send(2) does.
		n, err := a.streamSend(ctx, op, fd, s, b)
		if n > 0 {
			return n, nil
		}
		return 0, err
	}
	if to, err = v4(to); err != nil {
		return 0, fail(op, fd, err, true)
	}
	if !to.Addr().IsValid() {
		to = netip.AddrPort{}
	}
	s.mu.Lock()
	err = s.checkSendLocked()
	s.mu.Unlock()
	if err != nil {
		return 0, fail(op, fd, err, true)
	}
	// The hot path: no closure per send, but a pooled request whose
	// function is a method value taken once.
	r := sendPool.Get().(*sendReq)
	r.s, r.b, r.to = s, b, to
	err = a.stack.Call(ctx, r.fn)
	if err != nil && isContextErr(err) {
		// The request may still run (Call does not withdraw it): make
		// sure it will not send b, which is the caller's again once we
		// return, or take its result if it has sent already.
		r.mu.Lock()
		if !r.ran {
			r.abandoned = true
			r.mu.Unlock()
			return 0, fail(op, fd, err, true) // r is left to the request
		}
		err = r.err
		r.mu.Unlock()
	}
	*r = sendReq{fn: r.fn}
	sendPool.Put(r)
	if err != nil {
		return 0, fail(op, fd, err, true)
	}
	return len(b), nil
}

// sendReq is one send, the function Call runs on the tcpip goroutine.
// b is the caller's slice, not a copy: the core copies it into the frame
// it builds while the caller waits.
type sendReq struct {
	s  *socket
	b  []byte
	to netip.AddrPort
	fn func(c *core.Core) error // r.run, taken once

	mu        sync.Mutex // held by run while it sends
	ran       bool       // run has sent (or failed to): err is its result
	abandoned bool       // the caller stopped waiting: run must not send
	err       error
}

var sendPool = sync.Pool{New: func() any {
	r := new(sendReq)
	r.fn = r.run
	return r
}}

// run sends on the tcpip goroutine, unless the caller has stopped
// waiting for it.
func (r *sendReq) run(c *core.Core) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.abandoned {
		return context.Canceled // nobody reads it
	}
	r.ran = true
	r.err = r.send(c)
	return r.err
}

func (r *sendReq) send(c *core.Core) error {
	s := r.s
	s.mu.Lock()
	closed, bound := s.closed, s.local.IsValid()
	s.mu.Unlock()
	if closed || s.pcb == nil {
		return core.ErrClosed
	}
	err := s.pcb.send(c, r.b, r.to)
	if !bound { // the core bound it to send
		l, rem := s.pcb.addrs()
		s.mu.Lock()
		s.local, s.remote = l, rem
		s.mu.Unlock()
	}
	return err
}

// RecvFrom receives the next datagram into b and returns its length (cut
// to len(b); the rest of a longer datagram is lost, as with UDP) and its
// source. For an Echo socket it returns the echo reply message, header
// and data, from the replying address with port 0. It waits for one
// unless fd is non-blocking (EAGAIN), up to SO_RCVTIMEO (EAGAIN), or
// until ctx ends. A pending error (SO_ERROR) is returned, and cleared,
// first.
func (a *API) RecvFrom(ctx context.Context, fd FD, b []byte) (int, netip.AddrPort, error) {
	n, m, err := a.recv(ctx, "recvfrom", fd, b, 0)
	return n, m.from, err
}

// Recv is RecvFrom without the source.
func (a *API) Recv(ctx context.Context, fd FD, b []byte) (int, error) {
	n, _, err := a.recv(ctx, "recv", fd, b, 0)
	return n, err
}

// Close closes fd: its number is free again, its queued datagrams are
// dropped, and calls blocked on it in other goroutines (receives, polls)
// return EBADF or POLLNVAL at once. The descriptor is closed even when
// ctx ends before the core has removed the control block.
func (a *API) Close(ctx context.Context, fd FD) error {
	const op = "close"
	s := a.remove(fd)
	if s == nil {
		return errnoErr(op, fd, syscall.EBADF)
	}
	if s.typ == Stream {
		return a.streamClose(ctx, fd, s)
	}
	s.mu.Lock()
	s.closed = true
	s.q.clear()
	s.errs = 0
	s.wakeLocked()
	s.mu.Unlock()
	err := a.stack.Call(ctx, func(c *core.Core) error {
		if s.pcb != nil {
			s.pcb.close(c)
		}
		return nil
	})
	if err == nil || errors.Is(err, core.ErrStopped) {
		return nil // a stopped stack took its control blocks with it
	}
	return fail(op, fd, err, false)
}

// GetSockName returns the address fd is bound to (0.0.0.0:0 when it is
// not). For Echo sockets the port is the ICMP identifier.
func (a *API) GetSockName(ctx context.Context, fd FD) (netip.AddrPort, error) {
	s, err := a.socketFor("getsockname", fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.local.IsValid() {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), 0), nil
	}
	return s.local, nil
}

// GetPeerName returns the address fd is connected to; ENOTCONN when it
// is not connected.
func (a *API) GetPeerName(ctx context.Context, fd FD) (netip.AddrPort, error) {
	const op = "getpeername"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.remote.IsValid() {
		return netip.AddrPort{}, errnoErr(op, fd, syscall.ENOTCONN)
	}
	return s.remote, nil
}

// Info describes an open socket, for UIs and labs.
type Info struct {
	FD    FD
	Type  Type
	Owner string
	// Local and Remote are the bound and connected addresses, zero when
	// unbound or unconnected (for Echo sockets the port is the
	// identifier).
	Local, Remote netip.AddrPort
	// RecvQ is the payload bytes queued to read, Queued the datagrams.
	RecvQ, Queued int
	// RcvBuf is the receive queue limit in bytes (SO_RCVBUF).
	RcvBuf int
	// Received and ReceivedBytes count the datagrams and payload bytes
	// queued since the socket opened.
	Received, ReceivedBytes uint64
	// Drops counts datagrams dropped because the queue was full.
	Drops uint64
	// Error is the pending error (SO_ERROR), 0 when none.
	Error syscall.Errno
	// Nonblock reports O_NONBLOCK; RecvTimeout is SO_RCVTIMEO.
	Nonblock    bool
	RecvTimeout time.Duration
	// For Stream sockets: State is "idle", "listening", "connecting",
	// "connected" or "closed" (reset, refused, timed out); SendQ the
	// bytes the core holds to send (not yet acknowledged); Pending the
	// connections waiting for accept; Sent and ReceivedBytes the bytes
	// through the socket.
	State   string
	SendQ   int
	Pending int
	Sent    uint64
}

func (s *socket) info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := Info{
		FD: s.fd, Type: s.typ, Owner: s.owner, Local: s.local, Remote: s.remote,
		RecvQ: s.q.bytes, Queued: s.q.n - s.errs, RcvBuf: s.rcvbuf,
		Received: s.rxDgrams, ReceivedBytes: s.rxBytes, Drops: s.drops,
		Error: Errno(s.soErr, false), Nonblock: s.nonblock, RecvTimeout: s.rcvTimeo,
	}
	if s.typ == Stream {
		st := &s.st
		i.State, i.RecvQ, i.SendQ, i.Pending = st.state.String(), st.rlen, st.sndQueued, len(st.acceptQ)
		i.ReceivedBytes, i.Sent = st.recvBytes, st.sentBytes
	}
	return i
}

// Sockets returns the descriptor table, in descriptor order. It never
// waits for the core.
func (a *API) Sockets() []Info {
	var out []Info
	for _, s := range a.all() {
		out = append(out, s.info())
	}
	return out
}

// Stat returns what Sockets says about fd.
func (a *API) Stat(fd FD) (Info, error) {
	s, err := a.socketFor("stat", fd)
	if err != nil {
		return Info{}, err
	}
	return s.info(), nil
}

// Option is a socket option.
type Option int

// The socket options. Values are ints: booleans are 0 or 1, SO_RCVTIMEO
// is in milliseconds, SO_RCVBUF in bytes.
const (
	// SO_RCVTIMEO bounds how long a receive waits, in milliseconds of
	// clock time (0: forever); it then fails with EAGAIN.
	SO_RCVTIMEO Option = iota + 1
	// SO_BROADCAST allows sending to broadcast addresses (else EACCES).
	SO_BROADCAST
	// SO_REUSEADDR lets sockets that all set it bind the same port.
	SO_REUSEADDR
	// SO_RCVBUF is the receive queue limit in payload bytes (default
	// DefaultRcvBuf); datagrams that do not fit are dropped and counted.
	SO_RCVBUF
	// SO_ERROR (get only) returns the pending errno and clears it.
	SO_ERROR
	// IP_TTL is the TTL of packets sent (1-255; -1 restores the default).
	IP_TTL
	// SO_TYPE (get only) returns the socket's Type.
	SO_TYPE
	// IP_DONTFRAG sets the Don't Fragment flag on the datagrams (or echo
	// requests) a socket sends (0 or 1; Linux's IP_MTU_DISCOVER with
	// IP_PMTUDISC_DO): one larger than the MTU fails with EMSGSIZE instead
	// of being fragmented, here or at a router on the way, which answers
	// with an ICMP "fragmentation needed" that the socket reports as
	// EMSGSIZE (RFC 1191). Path MTU discovery itself is the caller's.
	IP_DONTFRAG
	// SO_SNDBUF (Stream) is the send buffer in bytes: what the core
	// holds until the peer acknowledges it.
	SO_SNDBUF
	// SO_SNDTIMEO bounds how long a send (or a blocking connect) waits,
	// in milliseconds of clock time (0: forever); it then fails with
	// EAGAIN (EINPROGRESS for connect), or returns what it sent.
	SO_SNDTIMEO
	// SO_KEEPALIVE (Stream) sends keepalive probes on an idle
	// connection (RFC 1122 §4.2.3.6); TCP_KEEPIDLE, TCP_KEEPINTVL (in
	// seconds) and TCP_KEEPCNT are their parameters (Linux's defaults
	// 7200, 75, 9).
	SO_KEEPALIVE
	TCP_KEEPIDLE
	TCP_KEEPINTVL
	TCP_KEEPCNT
	// SO_LINGER (Stream): -1 off (the default); 0 close resets the
	// connection; N > 0 close waits up to N milliseconds of clock time
	// for the data queued to be acknowledged (SetLinger takes a
	// duration).
	SO_LINGER
	// TCP_NODELAY (Stream) turns Nagle's algorithm off.
	TCP_NODELAY
)

var optionNames = [...]string{"", "SO_RCVTIMEO", "SO_BROADCAST", "SO_REUSEADDR", "SO_RCVBUF", "SO_ERROR", "IP_TTL", "SO_TYPE", "IP_DONTFRAG",
	"SO_SNDBUF", "SO_SNDTIMEO", "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "SO_LINGER", "TCP_NODELAY"}

// String returns the option's name ("SO_RCVBUF").
func (o Option) String() string {
	if o > 0 && int(o) < len(optionNames) {
		return optionNames[o]
	}
	return "option-" + strconv.Itoa(int(o))
}

// SetSockOpt sets option opt of fd to value (ENOPROTOOPT for an unknown
// or read-only option, EINVAL for a bad value).
func (a *API) SetSockOpt(ctx context.Context, fd FD, opt Option, value int) error {
	const op = "setsockopt"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	s.mu.Lock()
	viaCore := false
	switch opt {
	case SO_RCVTIMEO:
		if value < 0 {
			err = syscall.EINVAL
			break
		}
		s.rcvTimeo = time.Duration(value) * time.Millisecond
	case SO_RCVBUF:
		if value <= 0 {
			err = syscall.EINVAL
			break
		}
		s.rcvbuf = min(value, MaxRcvBuf)
		viaCore = s.typ == Stream
	case SO_SNDTIMEO:
		if value < 0 {
			err = syscall.EINVAL
			break
		}
		s.st.sndTimeo = time.Duration(value) * time.Millisecond
	case SO_BROADCAST:
		if s.typ == Stream {
			err = syscall.ENOPROTOOPT
			break
		}
		s.broadcast, viaCore = value != 0, true
	case SO_REUSEADDR:
		s.reuse, viaCore = value != 0, true
	case IP_TTL:
		if s.typ == Stream {
			err = syscall.ENOPROTOOPT // the core's TCP uses the default TTL
			break
		}
		if value == -1 {
			value = core.DefaultTTL
		}
		if value < 1 || value > 255 {
			err = syscall.EINVAL
			break
		}
		s.ttl, viaCore = value, true
	case IP_DONTFRAG:
		if s.typ == Stream {
			err = syscall.ENOPROTOOPT
			break
		}
		s.dontFrag, viaCore = value != 0, true
	default:
		if s.typ == Stream {
			viaCore, err = s.setStreamOptionLocked(opt, value)
		} else {
			err = syscall.ENOPROTOOPT
		}
	}
	s.mu.Unlock()
	if err != nil || !viaCore {
		return fail(op, fd, err, false)
	}
	return fail(op, fd, a.withPCB(ctx, s, func(c *core.Core, p pcb) error {
		return p.setOption(c, opt, value)
	}), false)
}

// GetSockOpt returns option opt of fd. Getting SO_ERROR clears the
// pending error.
func (a *API) GetSockOpt(ctx context.Context, fd FD, opt Option) (int, error) {
	const op = "getsockopt"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch opt {
	case SO_RCVTIMEO:
		return int(s.rcvTimeo / time.Millisecond), nil
	case SO_RCVBUF:
		return s.rcvbuf, nil
	case SO_BROADCAST:
		return b2i(s.broadcast), nil
	case SO_REUSEADDR:
		return b2i(s.reuse), nil
	case IP_TTL:
		return s.ttl, nil
	case IP_DONTFRAG:
		return b2i(s.dontFrag), nil
	case SO_ERROR:
		return int(Errno(s.takeErrorLocked(), false)), nil
	case SO_TYPE:
		return int(s.typ), nil
	case SO_SNDTIMEO:
		return int(s.st.sndTimeo / time.Millisecond), nil
	}
	if s.typ == Stream {
		if v, ok := s.getStreamOptionLocked(opt); ok {
			return v, nil
		}
	}
	return 0, errnoErr(op, fd, syscall.ENOPROTOOPT)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SetRecvTimeout sets SO_RCVTIMEO to d of clock time (0: wait forever).
func (a *API) SetRecvTimeout(fd FD, d time.Duration) error {
	const op = "setsockopt"
	s, err := a.socketFor(op, fd)
	if err != nil {
		return err
	}
	if d < 0 {
		return errnoErr(op, fd, syscall.EINVAL)
	}
	s.mu.Lock()
	s.rcvTimeo = d
	s.mu.Unlock()
	return nil
}

// SetNonblock turns O_NONBLOCK on or off (fcntl F_SETFL): a receive with
// nothing queued then fails at once with EAGAIN (EWOULDBLOCK).
func (a *API) SetNonblock(fd FD, on bool) error {
	s, err := a.socketFor("fcntl", fd)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.nonblock = on // calls blocked already keep waiting, as with fcntl
	s.mu.Unlock()
	return nil
}
