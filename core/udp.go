package core

import (
	"net/netip"

	"github.com/netlab/netlab/core/wire"
)

// Ephemeral ports (RFC 6335 section 6).
const (
	ephemeralFirst = 49152
	ephemeralLast  = 65535
)

// SocketOwner is what the sockets layer tells the core about the socket
// that owns a control block, for snapshots. SocketInfo runs on the tcpip
// goroutine: it must not block.
type SocketOwner interface {
	SocketInfo() SocketInfo
}

// SocketInfo describes a socket in snapshots.
type SocketInfo struct {
	FD           int
	Owner        string
	RecvQ, SendQ int
	Error        string
}

// UDPPCB is a UDP control block (lwIP's struct udp_pcb). Owned by the
// tcpip goroutine: create and use it only through *Core.
type UDPPCB struct {
	local, remote netip.AddrPort
	bound         bool
	broadcast     bool
	reuse         bool
	df            bool
	ttl           uint8
	netif         *Netif // bound to a device, nil: any
	closed        bool
	portHandler   bool
	recv          func(c *Core, d *UDPDatagram)
	errf          func(c *Core, err error)
	owner         SocketOwner
}

// Local returns the bound local address and port.
func (p *UDPPCB) Local() netip.AddrPort { return p.local }

// Remote returns the connected remote address, zero if not connected.
func (p *UDPPCB) Remote() netip.AddrPort { return p.remote }

// udpTable demultiplexes datagrams by local port in O(1).
type udpTable struct {
	ports map[uint16][]*UDPPCB
	all   []*UDPPCB // in creation order, for snapshots
	next  uint16
}

func (t *udpTable) init() {
	t.ports = make(map[uint16][]*UDPPCB)
	t.next = ephemeralFirst
}

// NewUDP makes a UDP control block. recv gets every datagram delivered to
// it, errf every error reported about what it sent (ICMP errors, failed
// ARP); either may be nil. owner describes its socket in snapshots.
func (c *Core) NewUDP(recv func(c *Core, d *UDPDatagram), errf func(c *Core, err error), owner SocketOwner) *UDPPCB {
	c.assertOnLoop()
	p := &UDPPCB{recv: recv, errf: errf, owner: owner, ttl: DefaultTTL}
	c.udp.all = append(c.udp.all, p)
	return p
}

// UDPSetBroadcast allows or forbids sending to broadcast addresses
// (SO_BROADCAST).
func (c *Core) UDPSetBroadcast(p *UDPPCB, on bool) { p.broadcast = on }

// UDPSetReuse lets several control blocks bind the same port
// (SO_REUSEADDR).
func (c *Core) UDPSetReuse(p *UDPPCB, on bool) { p.reuse = on }

// UDPSetDontFragment sets the DF flag on datagrams p sends
// (IP_MTU_DISCOVER): a datagram larger than the path's MTU then fails
// with ErrMsgSize instead of being fragmented.
func (c *Core) UDPSetDontFragment(p *UDPPCB, on bool) { p.df = on }

// UDPSetTTL sets the TTL of datagrams p sends (IP_TTL).
func (c *Core) UDPSetTTL(p *UDPPCB, ttl uint8) { p.ttl = ttl }

// UDPBindNetif ties p to netif n (SO_BINDTODEVICE); nil unties it.
func (c *Core) UDPBindNetif(p *UDPPCB, n *Netif) { p.netif = n }

// UDPBind binds p to a local address and port; port 0 picks an
// ephemeral port. It returns the address bound.
func (c *Core) UDPBind(p *UDPPCB, local netip.AddrPort) (netip.AddrPort, error) {
	c.assertOnLoop()
	if p.closed {
		return netip.AddrPort{}, ErrClosed
	}
	addr := local.Addr()
	if !addr.IsValid() {
		addr = netip.IPv4Unspecified()
	}
	if !addr.Is4() {
		return netip.AddrPort{}, ErrInvalid
	}
	if !addr.IsUnspecified() && !addr.IsLoopback() && addr != limitedBroadcast && c.localNetif(addr) == nil {
		return netip.AddrPort{}, ErrAddrNotAvail
	}
	if p.bound {
		c.udp.unlink(p)
	}
	port := local.Port()
	if port == 0 {
		var ok bool
		if port, ok = c.udp.ephemeral(addr); !ok {
			return netip.AddrPort{}, ErrAddrInUse
		}
	} else if c.udp.conflicts(p, addr, port) {
		if p.bound {
			c.udp.ports[p.local.Port()] = append(c.udp.ports[p.local.Port()], p)
		}
		return netip.AddrPort{}, ErrAddrInUse
	}
	p.local = netip.AddrPortFrom(addr, port)
	p.bound = true
	c.udp.ports[port] = append(c.udp.ports[port], p)
	return p.local, nil
}

func (t *udpTable) conflicts(p *UDPPCB, addr netip.Addr, port uint16) bool {
	for _, q := range t.ports[port] {
		if q == p {
			continue
		}
		if q.portHandler {
			return true
		}
		same := q.local.Addr() == addr || q.local.Addr().IsUnspecified() || addr.IsUnspecified()
		if same && !(p.reuse && q.reuse) {
			return true
		}
	}
	return false
}

func (t *udpTable) ephemeral(addr netip.Addr) (uint16, bool) {
	for i := 0; i <= ephemeralLast-ephemeralFirst; i++ {
		port := t.next
		if t.next == ephemeralLast {
			t.next = ephemeralFirst
		} else {
			t.next++
		}
		if len(t.ports[port]) == 0 {
			return port, true
		}
	}
	return 0, false
}

func (t *udpTable) unlink(p *UDPPCB) {
	port := p.local.Port()
	list := t.ports[port]
	for i, q := range list {
		if q == p {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(t.ports, port)
	} else {
		t.ports[port] = list
	}
}

// UDPConnect sets p's remote address: it then receives only from there,
// and ICMP errors about its datagrams reach errf. Binds first if needed.
func (c *Core) UDPConnect(p *UDPPCB, remote netip.AddrPort) error {
	c.assertOnLoop()
	if p.closed {
		return ErrClosed
	}
	if !remote.Addr().Is4() || remote.Port() == 0 {
		return ErrInvalid
	}
	if !p.bound {
		if _, err := c.UDPBind(p, netip.AddrPort{}); err != nil {
			return err
		}
	}
	p.remote = remote
	return nil
}

// UDPDisconnect clears p's remote address.
func (c *Core) UDPDisconnect(p *UDPPCB) {
	c.assertOnLoop()
	p.remote = netip.AddrPort{}
}

// UDPSend sends payload to to, or to the connected remote when to is
// zero (lwIP's udp_sendto). Binds to an ephemeral port first if needed.
func (c *Core) UDPSend(p *UDPPCB, payload []byte, to netip.AddrPort) error {
	c.assertOnLoop()
	if p.closed {
		return ErrClosed
	}
	if !to.IsValid() {
		if !p.remote.IsValid() {
			return ErrNotConnected
		}
		to = p.remote
	}
	if !to.Addr().Is4() || to.Port() == 0 {
		return ErrInvalid
	}
	if len(payload) > 65535-wire.IPv4MinHeaderLen-wire.UDPHeaderLen {
		return ErrMsgSize
	}
	if !p.bound {
		if _, err := c.UDPBind(p, netip.AddrPort{}); err != nil {
			return err
		}
	}
	path, err := c.selectPath(to.Addr(), p.local.Addr(), p.netif, p.broadcast)
	if err != nil {
		return err
	}
	return c.udpOutput(path, netip.AddrPortFrom(path.src, p.local.Port()), to, payload, p.ttl, p.df)
}

// UDPSendOn sends a datagram out of netif n from src to dst, whether or
// not n has an address: what a DHCP client sends before it has one.
func (c *Core) UDPSendOn(n *Netif, src, dst netip.AddrPort, payload []byte) error {
	c.assertOnLoop()
	path, err := c.selectPath(dst.Addr(), src.Addr(), n, true)
	if err != nil {
		return err
	}
	return c.udpOutput(path, netip.AddrPortFrom(path.src, src.Port()), dst, payload, DefaultTTL, false)
}

func (c *Core) udpOutput(p path, src, dst netip.AddrPort, payload []byte, ttl uint8, df bool) error {
	copy(c.scratch[transportOff+wire.UDPHeaderLen:], payload)
	wire.EncodeUDP(c.scratch[transportOff:], src, dst, len(payload))
	if err := c.ipSend(p, dst.Addr(), wire.ProtoUDP, ttl, df, wire.UDPHeaderLen+len(payload)); err != nil {
		return err
	}
	c.count(cntUDPOut)
	return nil
}

// UDPClose removes p (lwIP's udp_remove).
func (c *Core) UDPClose(p *UDPPCB) {
	c.assertOnLoop()
	if p.closed {
		return
	}
	p.closed = true
	if p.bound {
		c.udp.unlink(p)
	}
	c.udp.all = without(c.udp.all, p)
}

// udpInput delivers a datagram to the best-matching control block, or
// to every matching one when it was broadcast (lwIP's udp_input). quiet
// forbids a port unreachable error (a broadcast, at the IP or link layer).
func (c *Core) udpInput(n *Netif, ip wire.IPv4, broadcast, quiet bool) {
	c.count(cntUDPIn)
	u := wire.UDP(ip.Payload())
	if u.Validate(ip.Src(), ip.Dst()) != nil {
		c.count(cntUDPBad)
		return
	}
	src := netip.AddrPortFrom(ip.Src(), u.SrcPort())
	dst := netip.AddrPortFrom(ip.Dst(), u.DstPort())
	d := &c.udpD
	*d = UDPDatagram{Src: src, Dst: dst, Netif: n, Broadcast: broadcast, TTL: ip.TTL(), Payload: u.Payload()}
	delivered := false
	var best *UDPPCB
	bestScore := -1
	for _, p := range c.udp.ports[dst.Port()] {
		if p.portHandler {
			p.recv(c, d)
			return
		}
		if p.netif != nil && p.netif != n {
			continue
		}
		la := p.local.Addr()
		if !la.IsUnspecified() && la != dst.Addr() && !(broadcast && la == limitedBroadcast) {
			continue
		}
		if p.remote.IsValid() && p.remote != src {
			continue
		}
		if broadcast {
			if p.recv != nil {
				p.recv(c, d)
			}
			delivered = true
			continue
		}
		score := 0
		if !la.IsUnspecified() {
			score++
		}
		if p.remote.IsValid() {
			score += 2
		}
		if score > bestScore {
			best, bestScore = p, score
		}
	}
	if best != nil {
		if best.recv != nil {
			best.recv(c, d)
		}
		delivered = true
	}
	d.Payload = nil
	if !delivered {
		c.count(cntUDPNoPort)
		if !quiet {
			c.icmpError(ip, wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0)
		}
	}
}

// notify hands an error about a datagram from local to remote to the
// control block that sent it. Unconnected sockets do not hear about
// ICMP errors (as in BSD and lwIP); connected ones do.
func (t *udpTable) notify(c *Core, local, remote netip.AddrPort, err error) {
	for _, p := range t.ports[local.Port()] {
		if p.remote == remote && p.errf != nil {
			p.errf(c, err)
			return
		}
	}
	if err == ErrHostUnreach || err == ErrNetUnreach {
		// A local failure (ARP) reaches unconnected senders too.
		for _, p := range t.ports[local.Port()] {
			if !p.remote.IsValid() && p.errf != nil && (p.local.Addr().IsUnspecified() || p.local.Addr() == local.Addr()) {
				p.errf(c, err)
				return
			}
		}
	}
}

// addressGone tells control blocks bound to addr that it went away.
func (t *udpTable) addressGone(c *Core, addr netip.Addr) {
	for _, p := range t.all {
		if p.bound && p.local.Addr() == addr && p.errf != nil {
			p.errf(c, ErrNetDown)
		}
	}
}

func (t *udpTable) closeAll(c *Core, err error) {
	for _, p := range t.all {
		if p.errf != nil && !p.portHandler {
			p.errf(c, err)
		}
	}
}

// CountUDPRecvDrop counts a datagram that a socket's full receive queue
// dropped (the udp-recv-drops counter).
func (c *Core) CountUDPRecvDrop() { c.count(cntUDPRecvDrops) }
