package core

import (
	"net/netip"

	"github.com/netlab/netlab/core/wire"
)

// icmpInput handles an ICMP message addressed to this stack (RFC 792).
func (c *Core) icmpInput(n *Netif, ip wire.IPv4, broadcast bool) {
	c.count(cntICMPIn)
	m := wire.ICMP(ip.Payload())
	if m.Validate() != nil {
		c.count(cntICMPBad)
		return
	}
	switch m.Type() {
	case wire.ICMPEchoRequest:
		c.count(cntICMPEchoIn)
		if broadcast {
			return // RFC 1122 section 3.2.2.6 lets hosts ignore these
		}
		c.echoReply(ip, m)
	case wire.ICMPEchoReply:
		c.echo.deliver(c, ip, m)
	case wire.ICMPDestUnreachable, wire.ICMPTimeExceeded, wire.ICMPParamProblem:
		c.count(cntICMPErrorsIn)
		quote, err := wire.ICMPQuote(m)
		if err != nil {
			c.count(cntICMPBad)
			return
		}
		c.notify(quote, icmpToErr(m.Type(), m.Code()), ip.Src())
	}
}

// echoReply answers an echo request with the same identifier, sequence
// number and data (RFC 792, "Echo or Echo Reply Message").
func (c *Core) echoReply(ip wire.IPv4, req wire.ICMP) {
	p, err := c.selectPath(ip.Src(), ip.Dst(), nil, false)
	if err != nil {
		return
	}
	tlen := wire.EncodeICMPEcho(c.scratch[transportOff:], wire.ICMPEchoReply, req.ID(), req.Seq(), req.Payload())
	if c.ipSend(p, ip.Src(), wire.ProtoICMP, DefaultTTL, false, tlen) == nil {
		c.count(cntICMPOut)
		c.count(cntICMPEchoRepliesOut)
	}
}

func icmpToErr(typ, code uint8) error {
	switch typ {
	case wire.ICMPTimeExceeded:
		return ErrTTLExceeded
	case wire.ICMPParamProblem:
		return ErrInvalid
	}
	switch code {
	case wire.ICMPNetUnreachable:
		return ErrNetUnreach
	case wire.ICMPProtoUnreachable:
		return ErrProtoUnreach
	case wire.ICMPPortUnreachable:
		return ErrConnRefused
	case wire.ICMPFragNeeded:
		return ErrMsgSize
	}
	return ErrHostUnreach
}

// notify hands an error about a packet this stack sent (quoted in an
// ICMP error from from, or found locally) to the control block that
// sent it.
func (c *Core) notify(quote wire.IPv4, err error, from netip.Addr) {
	body := quote[quote.HeaderLen():]
	switch quote.Protocol() {
	case wire.ProtoUDP:
		if len(body) < 4 {
			return
		}
		u := wire.UDP(body)
		c.udp.notify(c, netip.AddrPortFrom(quote.Src(), u.SrcPort()), netip.AddrPortFrom(quote.Dst(), u.DstPort()), err)
	case wire.ProtoTCP:
		// RFC 792 quotes at least 8 bytes: the ports and the sequence
		// number.
		if len(body) < 8 {
			return
		}
		t := wire.TCP(body)
		c.tcpNotify(netip.AddrPortFrom(quote.Src(), t.SrcPort()), netip.AddrPortFrom(quote.Dst(), t.DstPort()), t.Seq(), true, err)
	case wire.ProtoICMP:
		if len(body) < wire.ICMPHeaderLen {
			return
		}
		m := wire.ICMP(body)
		if m.Type() == wire.ICMPEchoRequest {
			c.echo.notify(c, quote.Src(), m.ID(), quote.Dst(), m.Seq(), err, from)
		}
	}
}

// unreachable reports that packet pkt (an IPv4 packet) could not be
// delivered: to the local sender's control block, or with an ICMP error
// to a remote sender whose packet was being forwarded.
func (c *Core) unreachable(n *Netif, pkt []byte, err error) {
	ip := wire.IPv4(pkt)
	if len(ip) < wire.IPv4MinHeaderLen {
		return
	}
	if c.localNetif(ip.Src()) != nil || ip.Src().IsUnspecified() {
		c.notify(ip, err, netip.Addr{})
		return
	}
	c.icmpError(ip, wire.ICMPDestUnreachable, wire.ICMPHostUnreachable, 0)
}

// icmpError sends an ICMP error about orig to its source, unless RFC 1122
// section 3.2.2 forbids it: not about ICMP errors, broadcasts, multicasts,
// non-first fragments, or packets from no particular host. Errors are
// rate limited (RFC 1812 section 4.3.2.8).
func (c *Core) icmpError(orig wire.IPv4, typ, code uint8, mtu uint16) {
	src, dst := orig.Src(), orig.Dst()
	if src.IsUnspecified() || src == limitedBroadcast || src.IsMulticast() || dst.IsMulticast() || dst == limitedBroadcast {
		return
	}
	if orig.FragOffset() != 0 {
		return
	}
	if orig.Protocol() == wire.ProtoICMP {
		hl := orig.HeaderLen()
		if len(orig) > hl {
			switch orig[hl] {
			case wire.ICMPEchoRequest, wire.ICMPEchoReply:
			default:
				return
			}
		}
	}
	if !c.icmpBucket.take(c.now) {
		c.count(cntICMPRateLimited)
		return
	}
	p, err := c.selectPath(src, netip.Addr{}, nil, false)
	if err != nil || isDirectedBroadcast(p.netif, src) {
		return
	}
	// Built in a buffer of its own: orig may sit in c.scratch.
	buf := c.icmpBuf[:]
	tlen := wire.EncodeICMPError(buf[transportOff:], typ, code, mtu, orig)
	h := wire.IPv4Header{
		TotalLen: wire.IPv4MinHeaderLen + tlen,
		ID:       c.nextIPID(),
		TTL:      DefaultTTL,
		Protocol: wire.ProtoICMP,
		Src:      p.src,
		Dst:      src,
	}
	h.Marshal(buf[ipOff:transportOff])
	c.count(cntICMPOut)
	c.count(cntICMPErrorsOut)
	c.count(cntIPOut)
	frame := buf[:transportOff+tlen]
	if p.netif.loopback {
		p.netif.etherOutput(wire.MAC{}, wire.EtherTypeIPv4, frame)
		return
	}
	c.arp.resolveAndSend(p.netif, p.hop, frame)
}
