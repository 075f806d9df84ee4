package sockets

import (
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// ListenPacket opens a UDP socket bound to address and returns it as a
// net.PacketConn, so that Go code written for the standard library's
// packet connections runs over the stack. network is "udp" or "udp4";
// address is "host:port" with an IPv4 literal host ("" or "0.0.0.0" for
// any address, "localhost" for 127.0.0.1) and a numeric port (0 for an
// ephemeral one). Its errors are *net.OpError values like the standard
// library's; its methods use context.Background(), so that they run on a
// goroutine the clock does not schedule (use the socket calls with an
// actor's context for that).
func (a *API) ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	switch network {
	case "udp", "udp4":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	ap, err := parseHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	laddr := net.UDPAddrFromAddrPort(ap)
	fd, err := a.Socket(ctx, Datagram, "packetconn")
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: laddr, Err: syscallErr("socket", err)}
	}
	if err := a.Bind(ctx, fd, ap); err != nil {
		a.Close(context.WithoutCancel(ctx), fd)
		return nil, &net.OpError{Op: "listen", Net: network, Addr: laddr, Err: syscallErr("bind", err)}
	}
	local, _ := a.GetSockName(ctx, fd)
	c := &PacketConn{api: a, fd: fd, net: network, laddr: net.UDPAddrFromAddrPort(local)}
	c.wdl.Store(math.MinInt64)
	return c, nil
}

// parseHostPort parses a listen address: an IPv4 literal (or "",
// "localhost") and a numeric port.
func parseHostPort(address string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	var addr netip.Addr
	switch host {
	case "":
		addr = netip.IPv4Unspecified()
	case "localhost":
		addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	default:
		addr, err = netip.ParseAddr(host)
		if err != nil || !addr.Unmap().Is4() {
			return netip.AddrPort{}, &net.AddrError{Err: "not an IPv4 address", Addr: host}
		}
		addr = addr.Unmap()
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, &net.AddrError{Err: "invalid port", Addr: address}
	}
	return netip.AddrPortFrom(addr, uint16(p)), nil
}

// PacketConn is a UDP socket as a net.PacketConn (ListenPacket returns
// one). Any goroutine; reads may block in one goroutine while others
// write, set deadlines or close. Deadlines are wall-clock times, as the
// interface says: each is converted to the stack clock's time when set
// (clock.Now() + time.Until(t)).
type PacketConn struct {
	api    *API
	fd     FD
	net    string
	laddr  *net.UDPAddr
	closed atomic.Bool
	wdl    atomic.Int64 // write deadline in clock time; MinInt64: none
}

var _ net.PacketConn = (*PacketConn)(nil)

// FD returns the socket's descriptor, for the socket calls.
func (c *PacketConn) FD() FD { return c.fd }

// syscallErr turns an *Error into what the standard library puts in a
// net.OpError: net.ErrClosed for a closed descriptor,
// os.ErrDeadlineExceeded for a deadline, else an *os.SyscallError.
func syscallErr(call string, err error) error {
	var se *Error
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Err == syscall.EBADF:
		return net.ErrClosed
	case errors.Is(se.Cause, os.ErrDeadlineExceeded):
		return os.ErrDeadlineExceeded
	case se.Cause != nil && isContextErr(se.Cause):
		return se.Cause
	}
	return os.NewSyscallError(call, se.Err)
}

func (c *PacketConn) opErr(op string, addr net.Addr, err error) error {
	if c.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: c.net, Source: c.laddr, Addr: addr, Err: err}
}

// ReadFrom receives a datagram into p and returns its length and source
// (a *net.UDPAddr).
func (c *PacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(p)
	if err != nil {
		return n, nil, err
	}
	return n, newUDPAddr(from), nil
}

// udpAddrWithIP is a *net.UDPAddr and the bytes of its IP in one
// allocation, where net.UDPAddrFromAddrPort makes two.
type udpAddrWithIP struct {
	addr net.UDPAddr
	ip   [4]byte
}

// newUDPAddr returns a fresh *net.UDPAddr for an IPv4 ap, made with one
// allocation: each ReadFrom returns its own, as the standard library's do,
// so a caller may keep or change it.
func newUDPAddr(ap netip.AddrPort) *net.UDPAddr {
	if !ap.Addr().Is4() {
		return net.UDPAddrFromAddrPort(ap)
	}
	a := &udpAddrWithIP{ip: ap.Addr().As4()}
	a.addr = net.UDPAddr{IP: a.ip[:], Port: int(ap.Port())}
	return &a.addr
}

// ReadFromUDPAddrPort is ReadFrom returning the source as a
// netip.AddrPort (no allocation).
func (c *PacketConn) ReadFromUDPAddrPort(p []byte) (int, netip.AddrPort, error) {
	if c.closed.Load() {
		return 0, netip.AddrPort{}, c.opErr("read", nil, net.ErrClosed)
	}
	n, m, err := c.api.recv(context.Background(), "recvfrom", c.fd, p, 0)
	if err != nil {
		return 0, netip.AddrPort{}, c.opErr("read", nil, syscallErr("recvfrom", err))
	}
	return n, m.from, nil
}

// WriteTo sends p to addr, a *net.UDPAddr (or any net.Addr whose String
// is an IPv4 "host:port").
func (c *PacketConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.closed.Load() {
		return 0, c.opErr("write", addr, net.ErrClosed)
	}
	var to netip.AddrPort
	switch x := addr.(type) {
	case *net.UDPAddr:
		if x == nil {
			return 0, c.opErr("write", nil, syscall.EDESTADDRREQ)
		}
		to = x.AddrPort()
	case nil:
		return 0, c.opErr("write", nil, syscall.EDESTADDRREQ)
	default:
		var err error
		if to, err = netip.ParseAddrPort(addr.String()); err != nil {
			return 0, c.opErr("write", addr, syscall.EINVAL)
		}
	}
	n, err := c.write(p, to)
	if err != nil {
		return n, c.opErr("write", addr, err)
	}
	return n, nil
}

// WriteToUDPAddrPort is WriteTo with a netip.AddrPort (no allocation).
func (c *PacketConn) WriteToUDPAddrPort(p []byte, to netip.AddrPort) (int, error) {
	if c.closed.Load() {
		return 0, c.opErr("write", nil, net.ErrClosed)
	}
	n, err := c.write(p, to)
	if err != nil {
		return n, c.opErr("write", net.UDPAddrFromAddrPort(to), err)
	}
	return n, nil
}

func (c *PacketConn) write(p []byte, to netip.AddrPort) (int, error) {
	if dl := c.wdl.Load(); dl != math.MinInt64 && int64(c.api.clock.Now()) >= dl {
		return 0, os.ErrDeadlineExceeded
	}
	if !to.Addr().IsValid() {
		return 0, syscall.EDESTADDRREQ
	}
	n, err := c.api.SendTo(context.Background(), c.fd, p, to)
	if err != nil {
		return n, syscallErr("sendto", err)
	}
	return n, nil
}

// Close closes the socket; a ReadFrom blocked in another goroutine
// returns net.ErrClosed.
func (c *PacketConn) Close() error {
	if c.closed.Swap(true) {
		return c.opErr("close", nil, net.ErrClosed)
	}
	c.api.Close(context.Background(), c.fd)
	return nil
}

// LocalAddr returns the bound address, a *net.UDPAddr.
func (c *PacketConn) LocalAddr() net.Addr { return c.laddr }

// clockTime converts a wall-clock deadline to the stack clock's time.
func (c *PacketConn) clockTime(t time.Time) time.Duration {
	return c.api.clock.Now() + time.Until(t)
}

// SetDeadline sets the read and write deadlines.
func (c *PacketConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline of reads, pending ones included; a
// zero t means none. A read past it fails with os.ErrDeadlineExceeded
// (a net.Error whose Timeout is true).
func (c *PacketConn) SetReadDeadline(t time.Time) error {
	s := c.api.lookup(c.fd)
	if c.closed.Load() || s == nil {
		return &net.OpError{Op: "set", Net: c.net, Addr: c.laddr, Err: net.ErrClosed}
	}
	s.mu.Lock()
	s.rdlSet = !t.IsZero()
	if s.rdlSet {
		s.rdl = c.clockTime(t)
	}
	s.wakeLocked()
	s.mu.Unlock()
	return nil
}

// SetWriteDeadline sets the deadline of writes; a zero t means none.
// Sends never wait for room, so it only fails writes made after it.
func (c *PacketConn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return &net.OpError{Op: "set", Net: c.net, Addr: c.laddr, Err: net.ErrClosed}
	}
	if t.IsZero() {
		c.wdl.Store(math.MinInt64)
	} else {
		c.wdl.Store(int64(c.clockTime(t)))
	}
	return nil
}
