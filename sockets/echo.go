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
	s      *socket
	p      *core.EchoPCB
	remote netip.Addr // the core keeps it too, but does not say
	ttl    uint8
}

func openEcho(c *core.Core, s *socket) pcb {
	e := &echoPCB{s: s, ttl: core.DefaultTTL}
	e.p = e.newPCB(c)
	return e
}

func (e *echoPCB) newPCB(c *core.Core) *core.EchoPCB {
	s := e.s
	recv := func(c *core.Core, r *core.EchoReply) {
		s.enqueue(r.Message, netip.AddrPortFrom(r.From, 0), r.TTL, r.Seq)
	}
	errf := func(c *core.Core, x *core.EchoError) {
		s.setError(x.Err, x.Seq, netip.AddrPortFrom(x.To, 0), x.From)
	}
	return c.NewEcho(recv, errf, s)
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
// does. The core cannot forget a peer, so disconnecting replaces the
// control block with a new one bound the same way.
func (e *echoPCB) connect(c *core.Core, addr netip.AddrPort) error {
	if addr.IsValid() {
		if err := c.EchoConnect(e.p, addr.Addr()); err != nil {
			return err
		}
		e.remote = addr.Addr()
		return nil
	}
	if !e.remote.IsValid() {
		return nil
	}
	local, id := e.p.Local(), e.p.ID()
	c.EchoClose(e.p)
	e.p = e.newPCB(c)
	e.remote = netip.Addr{}
	c.EchoSetTTL(e.p, e.ttl)
	if id != 0 {
		if _, err := c.EchoBind(e.p, local, id); err != nil {
			return err
		}
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
	if opt == IP_TTL {
		e.ttl = uint8(value)
		c.EchoSetTTL(e.p, e.ttl)
	}
	return nil
}

func (e *echoPCB) addrs() (local, remote netip.AddrPort) {
	if e.bound() {
		local = netip.AddrPortFrom(e.p.Local(), e.p.ID())
	}
	if e.remote.IsValid() {
		remote = netip.AddrPortFrom(e.remote, 0)
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
