package sockets

import (
	"net/netip"

	"github.com/netlab/netlab/core"
)

// pcb is a socket's protocol control block, as the socket layer drives
// it. Every method runs on the tcpip goroutine, inside a Call or Post
// function, with the *core.Core that proves it.
type pcb interface {
	// bind binds to addr and returns the local address bound.
	bind(c *core.Core, addr netip.AddrPort) (netip.AddrPort, error)
	// connect sets the remote address; a zero addr disconnects.
	connect(c *core.Core, addr netip.AddrPort) error
	// send sends b to to, or to the connected remote when to is zero.
	send(c *core.Core, b []byte, to netip.AddrPort) error
	// setOption applies an option the core implements.
	setOption(c *core.Core, opt Option, value int) error
	// addrs returns the local and remote addresses as the core has them.
	addrs() (local, remote netip.AddrPort)
	close(c *core.Core)
}

// udpPCB drives a core.UDPPCB for a Datagram socket.
type udpPCB struct {
	p *core.UDPPCB
	// routed reports that connect chose p's local address (the route's
	// source) for a socket bound to 0.0.0.0; disconnecting undoes it.
	routed bool
}

func openUDP(c *core.Core, s *socket) pcb {
	recv := func(c *core.Core, d *core.UDPDatagram) {
		if s.enqueue(d.Payload, d.Src, d.TTL, 0) {
			c.CountUDPRecvDrop()
		}
	}
	errf := func(c *core.Core, err error) {
		s.setError(err, 0, netip.AddrPort{}, netip.Addr{})
	}
	return &udpPCB{p: c.NewUDP(recv, errf, s)}
}

func (u *udpPCB) bind(c *core.Core, addr netip.AddrPort) (netip.AddrPort, error) {
	if u.p.Local().IsValid() {
		return netip.AddrPort{}, core.ErrInvalid // bound already (EINVAL, as BSD)
	}
	return c.UDPBind(u.p, addr)
}

// connect connects p (binding it to an ephemeral port first if needed).
// A socket bound to 0.0.0.0 is then bound to the source address of the
// route to addr, as Linux's connect does (ip4_datagram_connect): that is
// what getsockname reports, what the datagrams it sends come from, and
// the address they must be sent to to reach it. Without a route the
// address stays 0.0.0.0, and each send picks one (Linux would fail the
// connect with ENETUNREACH). Disconnecting forgets the address connect
// chose, as Linux's udp_disconnect does; the port stays bound.
func (u *udpPCB) connect(c *core.Core, addr netip.AddrPort) error {
	if !addr.IsValid() {
		c.UDPDisconnect(u.p)
		if u.routed {
			u.routed = false
			// It can only fail when another socket has since bound the
			// port on another address: the socket then keeps its own.
			c.UDPBind(u.p, netip.AddrPortFrom(netip.IPv4Unspecified(), u.p.Local().Port()))
		}
		return nil
	}
	if err := c.UDPConnect(u.p, addr); err != nil {
		return err
	}
	local := u.p.Local()
	if !local.Addr().IsUnspecified() {
		return nil // bound to an address, or connected before (Linux keeps it)
	}
	src, err := c.SourceFor(addr.Addr())
	if err != nil || src.IsUnspecified() {
		return nil
	}
	if _, err := c.UDPBind(u.p, netip.AddrPortFrom(src, local.Port())); err == nil {
		u.routed = true
	}
	return nil
}

func (u *udpPCB) send(c *core.Core, b []byte, to netip.AddrPort) error {
	return c.UDPSend(u.p, b, to)
}

func (u *udpPCB) setOption(c *core.Core, opt Option, value int) error {
	switch opt {
	case SO_BROADCAST:
		c.UDPSetBroadcast(u.p, value != 0)
	case SO_REUSEADDR:
		c.UDPSetReuse(u.p, value != 0)
	case IP_TTL:
		c.UDPSetTTL(u.p, uint8(value))
	case IP_DONTFRAG:
		c.UDPSetDontFragment(u.p, value != 0)
	}
	return nil
}

func (u *udpPCB) addrs() (local, remote netip.AddrPort) { return u.p.Local(), u.p.Remote() }

func (u *udpPCB) close(c *core.Core) { c.UDPClose(u.p) }
