package core

import (
	"net/netip"

	"github.com/netlab/netlab/core/wire"
)

// DefaultTTL is the TTL of packets the stack originates (RFC 1700).
const DefaultTTL = 64

// Offsets into an outgoing frame built in a scratch buffer: the Ethernet
// header, then an IPv4 header without options, then the transport.
const (
	ipOff        = wire.EthernetHeaderLen
	transportOff = ipOff + wire.IPv4MinHeaderLen
)

var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// ipInput handles an IPv4 packet that arrived on n (lwIP's ip4_input).
// linkBroadcast reports that the frame was sent to a broadcast or
// multicast MAC.
func (c *Core) ipInput(n *Netif, pkt []byte, linkBroadcast bool) {
	c.count(cntIPIn)
	ip := wire.IPv4(pkt)
	if err := ip.Validate(); err != nil {
		c.count(cntIPBadHeader)
		if err == wire.ErrBadChecksum {
			n.dropped(dropIPChecksum)
		} else {
			n.dropped(dropIPMalformed)
		}
		return
	}
	ip = ip[:ip.TotalLen()] // trim link padding
	// Options rule: well-formed options are accepted and ignored, except
	// source routes (LSRR, SSRR), which are dropped as RFC 7126 section
	// 4.3 and 4.4 advise; malformed options drop the packet.
	if ip.HeaderLen() > wire.IPv4MinHeaderLen {
		opts := wire.IPv4Options(ip.Options())
		if opts.Validate() != nil || opts.Has(wire.IPv4OptLSRR) || opts.Has(wire.IPv4OptSSRR) {
			c.count(cntIPBadOptions)
			n.dropped(dropIPOptions)
			return
		}
	}
	src, dst := ip.Src(), ip.Dst()
	if src.IsMulticast() || src == limitedBroadcast {
		n.dropped(dropIPMalformed) // a martian source (RFC 1812 section 5.3.7)
		return
	}
	if !n.loopback && (src.IsLoopback() || dst.IsLoopback() || c.localNetif(src) != nil) {
		// 127/8 never appears outside a host (RFC 1122 section 3.2.1.3):
		// otherwise the wire reaches what is bound to loopback. Nor does
		// one of our own addresses as a source (RFC 1812 section 5.3.7):
		// a UDP echo service would answer itself over loopback for ever.
		n.dropped(dropIPMalformed)
		return
	}
	broadcast := dst == limitedBroadcast || isDirectedBroadcast(n, dst)
	if !broadcast && !n.loopback && c.localNetif(dst) == nil {
		if linkBroadcast || dst.IsMulticast() {
			n.dropped(dropNotForUs)
			return
		}
		if !c.forwarding {
			c.count(cntIPNotForwarding)
			n.dropped(dropNotForwarding)
			return
		}
		c.forward(n, ip)
		return
	}
	if ip.MF() || ip.FragOffset() > 0 {
		c.count(cntIPFragmentsIn)
		whole := c.reass.input(n, ip)
		if whole == nil {
			return
		}
		ip = wire.IPv4(whole)
	}
	c.count(cntIPDelivered)
	// No ICMP errors about a datagram sent as a link-layer broadcast or
	// multicast either, even to our unicast address (RFC 1122 section
	// 3.2.2).
	quiet := broadcast || linkBroadcast
	switch ip.Protocol() {
	case wire.ProtoICMP:
		c.icmpInput(n, ip, broadcast)
	case wire.ProtoUDP:
		c.udpInput(n, ip, broadcast, quiet)
	case wire.ProtoTCP:
		c.tcpInput(ip, quiet)
	default:
		c.count(cntIPUnknownProto)
		if !quiet {
			c.icmpError(ip, wire.ICMPDestUnreachable, wire.ICMPProtoUnreachable, 0)
		}
	}
}

// forward sends a packet that is not for this stack on towards its
// destination (RFC 1812 section 5).
func (c *Core) forward(in *Netif, ip wire.IPv4) {
	if ip.TTL() <= 1 {
		c.count(cntIPTTLExceeded)
		in.dropped(dropTTLExceeded)
		c.icmpError(ip, wire.ICMPTimeExceeded, wire.ICMPTTLExceeded, 0)
		return
	}
	out, hop, ok := c.lookupRoute(ip.Dst())
	if !ok || out.loopback {
		c.count(cntIPNoRoute)
		in.dropped(dropNoRoute)
		c.icmpError(ip, wire.ICMPDestUnreachable, wire.ICMPNetUnreachable, 0)
		return
	}
	if isDirectedBroadcast(out, ip.Dst()) {
		// Directed broadcasts are not forwarded (RFC 2644): a router
		// that did would amplify one packet to a whole subnet.
		c.count(cntIPNotForwarding)
		in.dropped(dropNotForwarding)
		return
	}
	if len(ip) > out.mtu && ip.DF() {
		c.count(cntIPFragNeeded)
		in.dropped(dropFragNeeded)
		c.icmpError(ip, wire.ICMPDestUnreachable, wire.ICMPFragNeeded, uint16(out.mtu))
		return
	}
	frame := c.scratch[:ipOff+len(ip)]
	copy(frame[ipOff:], ip)
	wire.IPv4(frame[ipOff:]).SetTTL(ip.TTL() - 1)
	c.count(cntIPForwarded)
	c.sendOn(out, hop, frame)
}

// path is where a locally originated packet goes.
type path struct {
	netif *Netif
	hop   netip.Addr
	src   netip.Addr
}

// selectPath finds the netif, next hop and source address for a packet
// to dst. src, when valid and not unspecified, is kept; via forces the
// egress netif (a socket bound to a device, a DHCP client).
func (c *Core) selectPath(dst, src netip.Addr, via *Netif, broadcastOK bool) (path, error) {
	var p path
	switch {
	case dst == limitedBroadcast:
		if !broadcastOK {
			return p, ErrBroadcast
		}
		p.netif, p.hop = via, dst
		if p.netif == nil && src.IsValid() && !src.IsUnspecified() {
			p.netif = c.localNetif(src)
		}
		if p.netif == nil {
			p.netif = c.firstUsableNetif()
		}
		if p.netif == nil {
			return p, ErrNetDown
		}
	case via != nil:
		p.netif, p.hop = via, dst
		if via.addr.IsValid() && !via.addr.Contains(dst) {
			if n, hop, ok := c.lookupRoute(dst); ok && n == via {
				p.hop = hop
			}
		}
	default:
		n, hop, ok := c.lookupRoute(dst)
		if !ok {
			c.count(cntIPNoRoute)
			return p, ErrNoRoute
		}
		p.netif, p.hop = n, hop
	}
	if !p.netif.Usable() {
		return p, ErrNetDown
	}
	if !broadcastOK && isDirectedBroadcast(p.netif, dst) {
		return p, ErrBroadcast
	}
	p.src = src
	if !src.IsValid() || src.IsUnspecified() {
		switch {
		case p.netif.loopback:
			p.src = dst
			if !dst.IsLoopback() && c.localNetif(dst) == nil {
				p.src = netip.AddrFrom4([4]byte{127, 0, 0, 1})
			}
		case p.netif.addr.IsValid():
			p.src = p.netif.addr.Addr()
		case via != nil:
			p.src = netip.IPv4Unspecified()
		default:
			return p, ErrAddrNotAvail
		}
	}
	return p, nil
}

func (c *Core) firstUsableNetif() *Netif {
	for _, n := range c.netifs {
		if n != nil && !n.loopback && n.Usable() && n.addr.IsValid() {
			return n
		}
	}
	return nil
}

// ipSend completes an outgoing packet whose transport header and payload
// (tlen bytes) are already at c.scratch[transportOff:] and sends it.
func (c *Core) ipSend(p path, dst netip.Addr, proto, ttl uint8, df bool, tlen int) error {
	c.point(PointIPSend, nil)
	h := wire.IPv4Header{
		TotalLen: wire.IPv4MinHeaderLen + tlen,
		ID:       c.nextIPID(),
		TTL:      ttl,
		Protocol: proto,
		Src:      p.src,
		Dst:      dst,
	}
	if df {
		h.Flags = wire.IPv4FlagDF
	}
	if h.TotalLen > 65535 {
		return ErrMsgSize
	}
	if df && h.TotalLen > p.netif.mtu {
		return ErrMsgSize
	}
	h.Marshal(c.scratch[ipOff:transportOff])
	c.count(cntIPOut)
	c.sendOn(p.netif, p.hop, c.scratch[:transportOff+tlen])
	return nil
}

func (c *Core) nextIPID() uint16 {
	c.ipID++
	return c.ipID
}

// sendOn sends frame (14 bytes of room, then an IPv4 packet) on n to
// next hop hop, fragmenting it when it is larger than n's MTU.
func (c *Core) sendOn(n *Netif, hop netip.Addr, frame []byte) {
	if len(frame)-ipOff > n.mtu {
		c.fragment(n, hop, frame)
		return
	}
	if n.loopback {
		n.etherOutput(wire.MAC{}, wire.EtherTypeIPv4, frame)
		return
	}
	c.arp.resolveAndSend(n, hop, frame)
}

// SourceFor returns the source address the stack would use for a packet
// to dst: the address of the netif its route goes out of (what Linux's
// getsockname shows after connect).
func (c *Core) SourceFor(dst netip.Addr) (netip.Addr, error) {
	c.assertOnLoop()
	p, err := c.selectPath(dst, netip.Addr{}, nil, true)
	if err != nil {
		return netip.Addr{}, err
	}
	return p.src, nil
}
