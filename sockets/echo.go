package sockets

import (
	"net/netip"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
)

// echoPCB drives a core.EchoPCB for an Echo socket, as Linux's ping
// sockets do (net/ipv4/ping.c): the port of an address is the ICMP
// identifier, messages sent are echo requests whose identifier the
// socket fills in, messages received are the echo replies carrying it.
type echoPCB struct {
	p *core.EchoPCB
	// routed reports that connect chose p's local address, as for UDP
	// (udpPCB.connect).
	routed bool
}

func openEcho(c *core.Core, s *socket) pcb {
	recv := func(c *core.Core, r *core.EchoReply) {
		s.enqueue(r.Message, netip.AddrPortFrom(r.From, 0), r.TTL, r.Seq)
	}
	errf := func(c *core.Core, x *core.EchoError) {
		s.setError(x.Err, x.Seq, netip.AddrPortFrom(x.To, 0), x.From)
	}
	return &echoPCB{p: c.NewEcho(recv, errf, s)}
}

func (e *echoPCB) bound() bool { return e.p.ID() != 0 }

func (e *echoPCB) bind(c *core.Core, addr netip.AddrPort) (netip.AddrPort, error) {
	if e.bound() {
		return netip.AddrPort{}, core.ErrInvalid
	}
	id, err := c.EchoBind(e.p, addr.Addr(), addr.Port())
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(e.p.Local(), id), nil
}

// connect fixes the peer; the port (an identifier) is ignored, as Linux
// does. Like a UDP socket's connect, it binds a socket bound to 0.0.0.0
// to the source address of the route to the peer, and disconnecting
// forgets that address; the identifier stays.
func (e *echoPCB) connect(c *core.Core, addr netip.AddrPort) error {
	if !addr.IsValid() {
		c.EchoDisconnect(e.p)
		if e.routed {
			e.routed = false
			c.EchoBind(e.p, netip.IPv4Unspecified(), e.p.ID()) // its own id: cannot fail
		}
		return nil
	}
	if err := c.EchoConnect(e.p, addr.Addr()); err != nil {
		return err
	}
	if !e.p.Local().IsUnspecified() {
		return nil
	}
	src, err := c.SourceFor(addr.Addr())
	if err != nil || src.IsUnspecified() {
		return nil
	}
	if _, err := c.EchoBind(e.p, src, e.p.ID()); err == nil {
		e.routed = true
	}
	return nil
}

// send sends b, an echo request message (RFC 792: type 8, code 0,
// checksum, identifier, sequence number, data); the checksum and the
// identifier are the socket's to fill in.
func (e *echoPCB) send(c *core.Core, b []byte, to netip.AddrPort) error {
	if len(b) < wire.ICMPHeaderLen || b[0] != wire.ICMPEchoRequest || b[1] != 0 {
		return core.ErrInvalid
	}
	m := wire.ICMP(b)
	return c.EchoSend(e.p, to.Addr(), m.Seq(), m.Payload())
}

func (e *echoPCB) setOption(c *core.Core, opt Option, value int) error {
	switch opt {
	case IP_TTL:
		c.EchoSetTTL(e.p, uint8(value))
	case IP_DONTFRAG:
		c.EchoSetDontFragment(e.p, value != 0)
	}
	return nil
}

func (e *echoPCB) addrs() (local, remote netip.AddrPort) {
	if e.bound() {
		local = netip.AddrPortFrom(e.p.Local(), e.p.ID())
	}
	if r := e.p.Remote(); r.IsValid() {
		remote = netip.AddrPortFrom(r, 0)
	}
	return local, remote
}

func (e *echoPCB) close(c *core.Core) { c.EchoClose(e.p) }

// EchoRequest builds an ICMP echo request message in b (which needs
// 8+len(data) bytes) and returns its length: what SendTo on an Echo
// socket takes. The identifier is left 0 (the socket fills it in) and
// the checksum is computed.
func EchoRequest(b []byte, seq uint16, data []byte) int {
	return wire.EncodeICMPEcho(b, wire.ICMPEchoRequest, 0, seq, data)
}

// ParseEcho returns the identifier, sequence number and data of an ICMP
// echo message (a reply as RecvFrom on an Echo socket returns it), and
// false when m is not an echo message. It does not check the checksum:
// the stack did, and m may be a reply cut short by a small buffer.
func ParseEcho(m []byte) (id, seq uint16, data []byte, ok bool) {
	v := wire.ICMP(m)
	if len(m) < wire.ICMPHeaderLen {
		return 0, 0, nil, false
	}
	if t := v.Type(); t != wire.ICMPEchoReply && t != wire.ICMPEchoRequest {
		return 0, 0, nil, false
	}
	return v.ID(), v.Seq(), v.Payload(), true
}
