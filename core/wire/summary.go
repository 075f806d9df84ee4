package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// Summaries for the event log and the packet detail view. These decode
// loosely: they describe whatever the bytes hold, malformed or cut short,
// and never panic. They allocate, so callers format them lazily, off the
// tcpip goroutine's fast path.

// Summarize returns a one-line, tcpdump-like summary of an Ethernet frame,
// such as
//
//	ARP who-has 10.0.0.1 tell 10.0.0.2
//	ARP 10.0.0.1 is-at 02:00:00:00:00:0a
//	IPv4 10.0.0.2 > 10.0.0.1 ICMP echo request id 1 seq 1 len 64
//	IPv4 10.0.0.1:5000 > 10.0.0.2:7 UDP len 5
//	IPv4 10.0.0.1 > 10.0.0.2 UDP frag id 7 off 1480+ len 1480
//	IPv4 truncated header (12 bytes)
//
// ICMP lengths count the ICMP message, UDP and TCP lengths their data; a
// fragment says "frag id ID off OFFSET", with "+" while more follow.
// Checksums that do not verify are noted ("[bad ip checksum]"). It never
// panics on any input.
func Summarize(frame []byte) string { return summarize(frame, false) }

// SummarizeCaptured summarizes the first bytes of a frame that was wireLen
// bytes long, as tcpdump does with a snap length: lengths come from the
// headers, and checksums that need the missing bytes are not checked.
func SummarizeCaptured(frame []byte, wireLen int) string {
	return summarize(frame, wireLen > len(frame))
}

func summarize(frame []byte, snapped bool) string {
	var b strings.Builder
	e := Ethernet(frame)
	if e.Validate() != nil {
		fmt.Fprintf(&b, "Ethernet truncated header (%d bytes)", len(frame))
		return b.String()
	}
	typ, p := e.EtherType(), e.Payload()
	if typ == EtherTypeVLAN {
		if len(p) < VLANTagLen {
			fmt.Fprintf(&b, "802.1Q truncated tag (%d bytes)", len(p))
			return b.String()
		}
		fmt.Fprintf(&b, "802.1Q vlan %d ", binary.BigEndian.Uint16(p)&0x0fff)
		typ, p = binary.BigEndian.Uint16(p[2:]), p[VLANTagLen:]
	}
	switch {
	case typ == EtherTypeARP:
		summarizeARP(&b, p)
	case typ == EtherTypeIPv4:
		summarizeIPv4(&b, p, snapped)
	case typ == EtherTypeIPv6:
		fmt.Fprintf(&b, "IPv6 (not decoded) len %d", len(p))
	case typ < 0x0600:
		// IEEE 802.3 length field, not an EtherType.
		fmt.Fprintf(&b, "802.3 length %d", typ)
	default:
		fmt.Fprintf(&b, "ethertype 0x%04x len %d", typ, len(p))
	}
	return b.String()
}

func summarizeARP(b *strings.Builder, p []byte) {
	a := ARP(p)
	switch err := a.Validate(); err {
	case nil:
	case ErrTruncated:
		fmt.Fprintf(b, "ARP truncated (%d bytes)", len(p))
		return
	default:
		fmt.Fprintf(b, "ARP unsupported hrd %d pro 0x%04x hln %d pln %d op %d",
			binary.BigEndian.Uint16(p[arpHType:]), binary.BigEndian.Uint16(p[arpPType:]),
			p[arpHLen], p[arpPLen], binary.BigEndian.Uint16(p[arpOp:]))
		return
	}
	if a.Op() == ARPRequest {
		fmt.Fprintf(b, "ARP who-has %s tell %s", a.TargetIP(), a.SenderIP())
		switch {
		case a.IsProbe():
			b.WriteString(" (probe)")
		case a.IsAnnouncement():
			b.WriteString(" (announce)")
		}
		return
	}
	fmt.Fprintf(b, "ARP %s is-at %s", a.SenderIP(), a.SenderMAC())
	if a.IsAnnouncement() {
		b.WriteString(" (announce)")
	}
}

// ipv4Loose checks what a summary needs of an IPv4 header and returns a
// description of what is wrong, or "" if the header can be decoded.
// quoted relaxes the total length check for a datagram quoted in ICMP.
func ipv4Loose(p []byte, quoted bool) string {
	if len(p) < IPv4MinHeaderLen {
		return fmt.Sprintf("truncated header (%d bytes)", len(p))
	}
	if v := p[ipVerIHL] >> 4; v != IPv4Version {
		return fmt.Sprintf("bad version %d", v)
	}
	hl := IPv4(p).HeaderLen()
	if hl < IPv4MinHeaderLen {
		return fmt.Sprintf("bad header length %d", hl)
	}
	if hl > len(p) {
		return fmt.Sprintf("truncated header (%d of %d bytes)", len(p), hl)
	}
	if tl := IPv4(p).TotalLen(); !quoted && (tl < hl || tl > len(p)) {
		return fmt.Sprintf("%s > %s bad total length %d (%d bytes present)", IPv4(p).Src(), IPv4(p).Dst(), tl, len(p))
	}
	return ""
}

func summarizeIPv4(b *strings.Builder, p []byte, snapped bool) {
	b.WriteString("IPv4 ")
	if bad := ipv4Loose(p, snapped); bad != "" {
		b.WriteString(bad)
		return
	}
	ip := IPv4(p)
	src, dst, proto, payload := ip.Src(), ip.Dst(), ip.Protocol(), ip.Payload()
	if off := ip.FragOffset(); off > 0 {
		fmt.Fprintf(b, "%s > %s %s", src, dst, protoName(proto))
		writeFrag(b, ip)
		fmt.Fprintf(b, " len %d", len(payload))
	} else {
		whole := !ip.MF() && !snapped
		if snapped && proto == ProtoICMP {
			// The echo's length is the datagram's, not the capture's.
			fmt.Fprintf(b, "%s > %s ICMP", src, dst)
			summarizeICMP(b, payload, false)
			if m := ICMP(payload); len(payload) >= ICMPHeaderLen && (m.Type() == ICMPEchoRequest || m.Type() == ICMPEchoReply) {
				s := b.String()
				if i := strings.LastIndex(s, " len "); i >= 0 {
					b.Reset()
					b.WriteString(s[:i])
					fmt.Fprintf(b, " len %d", ip.TotalLen()-ip.HeaderLen())
				}
			}
		} else {
			summarizeTransport(b, src, dst, proto, payload, whole)
		}
		if ip.MF() {
			writeFrag(b, ip)
		}
	}
	if opts := IPv4Options(ip.Options()); len(opts) > 0 {
		if opts.Validate() != nil {
			b.WriteString(" [bad ip options]")
		} else {
			b.WriteString(" options [")
			writeOptionNames(b, opts)
			b.WriteString("]")
		}
	}
	if Checksum(ip[:ip.HeaderLen()], 0) != 0 {
		b.WriteString(" [bad ip checksum]")
	}
}

func writeFrag(b *strings.Builder, ip IPv4) {
	fmt.Fprintf(b, " frag id %d off %d", ip.ID(), ip.FragOffset())
	if ip.MF() {
		b.WriteByte('+')
	}
}

func writeOptionNames(b *strings.Builder, opts IPv4Options) {
	for o, i := opts, 0; len(o) > 0; i++ {
		opt, rest, err := o.Next()
		if err != nil {
			return
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(optionName(opt[0]))
		o = rest
	}
}

// summarizeTransport writes "SRC > DST PROTO ..." for the payload of an
// unfragmented datagram (whole) or of a first fragment (!whole: lengths and
// checksums of the transport cannot be checked).
func summarizeTransport(b *strings.Builder, src, dst netip.Addr, proto uint8, p []byte, whole bool) {
	switch proto {
	case ProtoUDP:
		summarizeUDP(b, src, dst, p, whole)
	case ProtoTCP:
		summarizeTCP(b, src, dst, p, whole)
	case ProtoICMP:
		fmt.Fprintf(b, "%s > %s ICMP", src, dst)
		summarizeICMP(b, p, whole)
	default:
		fmt.Fprintf(b, "%s > %s %s len %d", src, dst, protoName(proto), len(p))
	}
}

func summarizeUDP(b *strings.Builder, src, dst netip.Addr, p []byte, whole bool) {
	if len(p) < UDPHeaderLen {
		fmt.Fprintf(b, "%s > %s UDP truncated header (%d bytes)", src, dst, len(p))
		return
	}
	u := UDP(p)
	fmt.Fprintf(b, "%s > %s UDP", netip.AddrPortFrom(src, u.SrcPort()), netip.AddrPortFrom(dst, u.DstPort()))
	n := u.Length()
	if n < UDPHeaderLen || (whole && n > len(p)) {
		fmt.Fprintf(b, " bad length %d (%d bytes present)", n, len(p))
		return
	}
	fmt.Fprintf(b, " len %d", n-UDPHeaderLen)
	if whole && u.Checksum() != 0 && Checksum(p[:n], PseudoHeaderSum(src, dst, ProtoUDP, n)) != 0 {
		b.WriteString(" [bad udp checksum]")
	}
}

// TCP header fields a summary shows (RFC 793 §3.1).
const (
	tcpMinHeaderLen = 20
	tcpSeq          = 4
	tcpAck          = 8
	tcpDataOff      = 12
	tcpFlags        = 13
	tcpWindow       = 14
	tcpChecksum     = 16
	tcpUrgent       = 18

	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
	tcpURG = 0x20
	tcpECE = 0x40
	tcpCWR = 0x80
)

// tcpFlagString returns the flags as tcpdump writes them: S F R P U E W,
// then "." for ACK.
func tcpFlagString(f byte) string {
	var s []byte
	for _, x := range [...]struct {
		bit byte
		c   byte
	}{{tcpSYN, 'S'}, {tcpFIN, 'F'}, {tcpRST, 'R'}, {tcpPSH, 'P'}, {tcpURG, 'U'}, {tcpECE, 'E'}, {tcpCWR, 'W'}, {tcpACK, '.'}} {
		if f&x.bit != 0 {
			s = append(s, x.c)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return string(s)
}

func summarizeTCP(b *strings.Builder, src, dst netip.Addr, p []byte, whole bool) {
	if len(p) < tcpMinHeaderLen {
		fmt.Fprintf(b, "%s > %s TCP truncated header (%d bytes)", src, dst, len(p))
		return
	}
	sp, dp := binary.BigEndian.Uint16(p[0:]), binary.BigEndian.Uint16(p[2:])
	flags := p[tcpFlags]
	fmt.Fprintf(b, "%s > %s TCP [%s]", netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp), tcpFlagString(flags))
	doff := int(p[tcpDataOff]>>4) * 4
	if doff < tcpMinHeaderLen || doff > len(p) {
		fmt.Fprintf(b, " bad data offset %d", doff)
		return
	}
	fmt.Fprintf(b, " seq %d", binary.BigEndian.Uint32(p[tcpSeq:]))
	if flags&tcpACK != 0 {
		fmt.Fprintf(b, " ack %d", binary.BigEndian.Uint32(p[tcpAck:]))
	}
	fmt.Fprintf(b, " win %d len %d", binary.BigEndian.Uint16(p[tcpWindow:]), len(p)-doff)
	if whole && Checksum(p, PseudoHeaderSum(src, dst, ProtoTCP, len(p))) != 0 {
		b.WriteString(" [bad tcp checksum]")
	}
}

func summarizeICMP(b *strings.Builder, p []byte, whole bool) {
	if len(p) < ICMPHeaderLen {
		fmt.Fprintf(b, " truncated header (%d bytes)", len(p))
		return
	}
	m := ICMP(p)
	switch typ, code := m.Type(), m.Code(); {
	case typ == ICMPEchoRequest || typ == ICMPEchoReply:
		fmt.Fprintf(b, " %s id %d seq %d len %d", icmpTypeName(typ), m.ID(), m.Seq(), len(p))
	case m.IsError():
		b.WriteByte(' ')
		b.WriteString(icmpErrorText(m))
		q, err := ICMPQuote(m)
		if err != nil {
			fmt.Fprintf(b, " for malformed quote (%v)", err)
			break
		}
		b.WriteString(" for ")
		summarizeQuote(b, q)
	default:
		fmt.Fprintf(b, " type %d code %d len %d", typ, code, len(p))
	}
	if whole && Checksum(p, 0) != 0 {
		b.WriteString(" [bad icmp checksum]")
	}
}

// icmpErrorText names an error message's type and code: "port
// unreachable", "frag needed (mtu 1400)", "ttl exceeded", ...
func icmpErrorText(m ICMP) string {
	code := m.Code()
	switch m.Type() {
	case ICMPDestUnreachable:
		switch code {
		case ICMPNetUnreachable:
			return "net unreachable"
		case ICMPHostUnreachable:
			return "host unreachable"
		case ICMPProtoUnreachable:
			return "protocol unreachable"
		case ICMPPortUnreachable:
			return "port unreachable"
		case ICMPFragNeeded:
			return fmt.Sprintf("frag needed (mtu %d)", m.NextHopMTU())
		}
		return fmt.Sprintf("unreachable code %d", code)
	case ICMPTimeExceeded:
		switch code {
		case ICMPTTLExceeded:
			return "ttl exceeded"
		case ICMPReassemblyTimeExceeded:
			return "reassembly time exceeded"
		}
		return fmt.Sprintf("time exceeded code %d", code)
	case ICMPParamProblem:
		return fmt.Sprintf("parameter problem (pointer %d)", m.Pointer())
	case ICMPRedirect:
		return fmt.Sprintf("redirect code %d to %s", code, m.Gateway())
	case ICMPSourceQuench:
		return "source quench"
	}
	return fmt.Sprintf("type %d code %d", m.Type(), code)
}

// summarizeQuote writes "SRC[:PORT] > DST[:PORT] PROTO" for a datagram
// quoted in an ICMP error.
func summarizeQuote(b *strings.Builder, q IPv4) {
	src, dst, proto, p := q.Src(), q.Dst(), q.Protocol(), q.Payload()
	if (proto == ProtoUDP || proto == ProtoTCP) && len(p) >= 4 && q.FragOffset() == 0 {
		fmt.Fprintf(b, "%s > %s %s",
			netip.AddrPortFrom(src, binary.BigEndian.Uint16(p)),
			netip.AddrPortFrom(dst, binary.BigEndian.Uint16(p[2:])), protoName(proto))
		return
	}
	fmt.Fprintf(b, "%s > %s %s", src, dst, protoName(proto))
	if proto == ProtoICMP && len(p) >= 1 && q.FragOffset() == 0 {
		fmt.Fprintf(b, " %s", icmpTypeName(p[icmpType]))
	}
}

// protoName names an IP protocol number.
func protoName(proto uint8) string {
	switch proto {
	case ProtoICMP:
		return "ICMP"
	case ProtoTCP:
		return "TCP"
	case ProtoUDP:
		return "UDP"
	case 2:
		return "IGMP"
	case 47:
		return "GRE"
	case 89:
		return "OSPF"
	}
	return fmt.Sprintf("proto %d", proto)
}

// icmpTypeName names an ICMP type.
func icmpTypeName(typ uint8) string {
	switch typ {
	case ICMPEchoReply:
		return "echo reply"
	case ICMPDestUnreachable:
		return "destination unreachable"
	case ICMPSourceQuench:
		return "source quench"
	case ICMPRedirect:
		return "redirect"
	case ICMPEchoRequest:
		return "echo request"
	case ICMPTimeExceeded:
		return "time exceeded"
	case ICMPParamProblem:
		return "parameter problem"
	}
	return fmt.Sprintf("type %d", typ)
}

// optionName names an IPv4 option type.
func optionName(t uint8) string {
	switch t {
	case IPv4OptEOL:
		return "EOL"
	case IPv4OptNOP:
		return "NOP"
	case IPv4OptRR:
		return "RR"
	case IPv4OptTimestamp:
		return "TS"
	case IPv4OptLSRR:
		return "LSRR"
	case IPv4OptSSRR:
		return "SSRR"
	case IPv4OptRouterAlert:
		return "RA"
	}
	return fmt.Sprintf("opt-%d", t)
}

func etherTypeName(t uint16) string {
	switch t {
	case EtherTypeIPv4:
		return "IPv4"
	case EtherTypeARP:
		return "ARP"
	case EtherTypeIPv6:
		return "IPv6"
	case EtherTypeVLAN:
		return "802.1Q"
	}
	if t < 0x0600 {
		return "802.3 length"
	}
	return "unknown"
}
