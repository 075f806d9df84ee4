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
}

func openUDP(c *core.Core, s *socket) pcb {
	recv := func(c *core.Core, d *core.UDPDatagram) {
		s.enqueue(d.Payload, d.Src, d.TTL, 0)
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

func (u *udpPCB) connect(c *core.Core, addr netip.AddrPort) error {
	if !addr.IsValid() {
		c.UDPDisconnect(u.p)
		return nil
	}
	return c.UDPConnect(u.p, addr)
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
	}
	return nil
}

func (u *udpPCB) addrs() (local, remote netip.AddrPort) { return u.p.Local(), u.p.Remote() }

func (u *udpPCB) close(c *core.Core) { c.UDPClose(u.p) }
