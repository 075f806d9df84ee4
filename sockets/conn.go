package sockets

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"time"
)

// Dial connects to address over api's stack and returns the connection
// as a net.Conn (a *Conn), so that Go code written for the standard
// library's TCP connections (an http.Transport's DialContext) runs over
// netlab. network is "tcp" or "tcp4"; address is "host:port" with an
// IPv4 literal host ("localhost" or "" for 127.0.0.1). ctx bounds the
// connect only. Errors are *net.OpError values like net.Dial's.
func Dial(ctx context.Context, api *API, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4":
	default:
		return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	ap, err := parseHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if ap.Addr().IsUnspecified() {
		ap = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), ap.Port())
	}
	raddr := net.TCPAddrFromAddrPort(ap)
	fd, err := api.Socket(ctx, Stream, "conn")
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: syscallErr("socket", err)}
	}
	if err := api.Connect(ctx, fd, ap); err != nil {
		api.Close(context.WithoutCancel(ctx), fd)
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: syscallErr("connect", err)}
	}
	return newConn(api, fd, network), nil
}

func newConn(api *API, fd FD, network string) *Conn {
	c := &Conn{api: api, fd: fd, net: network}
	if s := api.lookup(fd); s != nil {
		s.mu.Lock()
		c.laddr, c.raddr = net.TCPAddrFromAddrPort(s.local), net.TCPAddrFromAddrPort(s.remote)
		s.mu.Unlock()
	}
	return c
}

// Conn is a connected Stream socket as a net.Conn, with the extras of a
// *net.TCPConn (CloseWrite, CloseRead, SetNoDelay, SetKeepAlive,
// SetLinger). Any goroutine: a Read may block in one goroutine while
// another writes, sets deadlines or closes. Deadlines are wall-clock
// times, as the interface says: each is converted to the stack clock's
// time when set (clock.Now() + time.Until(t)). Reads and writes use
// context.Background(), so they run on goroutines the clock does not
// schedule: under a virtual clock use the socket calls with an actor's
// context.
type Conn struct {
	api          *API
	fd           FD
	net          string
	laddr, raddr *net.TCPAddr
	closed       atomic.Bool
}

var _ net.Conn = (*Conn)(nil)

// FD returns the socket's descriptor, for the socket calls.
func (c *Conn) FD() FD { return c.fd }

func (c *Conn) opErr(op string, err error) error {
	if c.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: c.net, Source: c.laddr, Addr: c.raddr, Err: err}
}

// Read reads what the connection has received, up to len(b), waiting
// for some; io.EOF at the end of the stream.
func (c *Conn) Read(b []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opErr("read", net.ErrClosed)
	}
	s := c.api.lookup(c.fd)
	if s == nil {
		return 0, c.opErr("read", net.ErrClosed)
	}
	n, err := c.api.streamRecv(context.Background(), "recv", c.fd, s, b)
	if err != nil {
		return n, c.opErr("read", syscallErr("read", err))
	}
	if n == 0 && len(b) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Write writes b, waiting while the send buffer is full; it returns
// fewer bytes than len(b) only with an error.
func (c *Conn) Write(b []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opErr("write", net.ErrClosed)
	}
	s := c.api.lookup(c.fd)
	if s == nil {
		return 0, c.opErr("write", net.ErrClosed)
	}
	n, err := c.api.streamSend(context.Background(), "send", c.fd, s, b)
	if err != nil {
		return n, c.opErr("write", syscallErr("write", err))
	}
	return n, nil
}

// Close closes the connection (as close(2): a FIN after the data
// queued, or as SetLinger says); Reads and Writes blocked in other
// goroutines return net.ErrClosed.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return c.opErr("close", net.ErrClosed)
	}
	if err := c.api.Close(context.Background(), c.fd); err != nil {
		return c.opErr("close", syscallErr("close", err))
	}
	return nil
}

// CloseWrite shuts the sending half (a FIN follows the data queued);
// the peer reads io.EOF, and this side can still read.
func (c *Conn) CloseWrite() error { return c.shutdown(SHUT_WR) }

// CloseRead shuts the reading half: Reads return io.EOF.
func (c *Conn) CloseRead() error { return c.shutdown(SHUT_RD) }

func (c *Conn) shutdown(how How) error {
	if c.closed.Load() {
		return c.opErr("close", net.ErrClosed)
	}
	if err := c.api.Shutdown(context.Background(), c.fd, how); err != nil {
		return c.opErr("close", syscallErr("shutdown", err))
	}
	return nil
}

// LocalAddr returns the local address, a *net.TCPAddr.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address, a *net.TCPAddr.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline of reads, pending ones included; a
// zero t means none. A read past it fails with os.ErrDeadlineExceeded.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return setDeadline(c.api, c.fd, &c.closed, c.net, c.laddr, t, false)
}

// SetWriteDeadline sets the deadline of writes, pending ones included;
// a zero t means none.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return setDeadline(c.api, c.fd, &c.closed, c.net, c.laddr, t, true)
}

// setDeadline sets a socket's read or write deadline from a wall-clock
// time and wakes the calls waiting on it.
func setDeadline(api *API, fd FD, closed *atomic.Bool, network string, laddr net.Addr, t time.Time, write bool) error {
	s := api.lookup(fd)
	if closed.Load() || s == nil {
		return &net.OpError{Op: "set", Net: network, Addr: laddr, Err: net.ErrClosed}
	}
	var at time.Duration
	if !t.IsZero() {
		at = api.clock.Now() + time.Until(t)
	}
	s.mu.Lock()
	if write {
		s.st.wdlSet, s.st.wdl = !t.IsZero(), at
	} else {
		s.rdlSet, s.rdl = !t.IsZero(), at
	}
	s.wakeLocked()
	s.mu.Unlock()
	return nil
}

// SetNoDelay sets TCP_NODELAY (the standard library's default is on).
func (c *Conn) SetNoDelay(on bool) error { return c.setOpt(TCP_NODELAY, b2i(on)) }

// SetKeepAlive sets SO_KEEPALIVE.
func (c *Conn) SetKeepAlive(on bool) error { return c.setOpt(SO_KEEPALIVE, b2i(on)) }

// SetKeepAlivePeriod sets the idle time and the interval of keepalive
// probes (TCP_KEEPIDLE and TCP_KEEPINTVL), in whole seconds.
func (c *Conn) SetKeepAlivePeriod(d time.Duration) error {
	secs := max(int((d+time.Second-1)/time.Second), 1)
	if err := c.setOpt(TCP_KEEPIDLE, secs); err != nil {
		return err
	}
	return c.setOpt(TCP_KEEPINTVL, secs)
}

// SetLinger sets SO_LINGER as *net.TCPConn's does: sec < 0 the default
// (close returns at once, the data is sent in the background), 0 close
// resets the connection, sec > 0 close waits up to sec seconds for the
// data to be acknowledged.
func (c *Conn) SetLinger(sec int) error {
	if c.closed.Load() {
		return c.opErr("set", net.ErrClosed)
	}
	if err := c.api.SetLinger(c.fd, sec >= 0, time.Duration(max(sec, 0))*time.Second); err != nil {
		return c.opErr("set", syscallErr("setsockopt", err))
	}
	return nil
}

func (c *Conn) setOpt(opt Option, v int) error {
	if c.closed.Load() {
		return c.opErr("set", net.ErrClosed)
	}
	if err := c.api.SetSockOpt(context.Background(), c.fd, opt, v); err != nil {
		return c.opErr("set", syscallErr("setsockopt", err))
	}
	return nil
}
