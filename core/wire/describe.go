package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Describe decodes an Ethernet frame into lines for a packet detail view,
// one line per group of fields per layer, each starting with the layer's
// name:
//
//	Ethernet: dst ff:ff:ff:ff:ff:ff src 02:00:00:00:00:0a type 0x0806 (ARP)
//	ARP: hardware 1 (Ethernet) protocol 0x0800 (IPv4) hlen 6 plen 4 op 1 (request)
//	ARP: sender 02:00:00:00:00:0a 10.0.0.2
//	ARP: target 00:00:00:00:00:00 10.0.0.1
//	Ethernet: padding 18 bytes
//
// Checksums are marked "(correct)" or "(bad, want 0x....)"; malformed or
// truncated layers get a line saying what is wrong, and decoding stops
// there. The datagram quoted in an ICMP error is decoded with the prefix
// "quoted". It never panics on any input.
func Describe(frame []byte) []string {
	d := &describer{}
	e := Ethernet(frame)
	if e.Validate() != nil {
		d.add("Ethernet", "truncated header (%d bytes)", len(frame))
		return d.lines
	}
	typ, p := e.EtherType(), e.Payload()
	d.add("Ethernet", "dst %s src %s type 0x%04x (%s)", e.Dst(), e.Src(), typ, etherTypeName(typ))
	if typ == EtherTypeVLAN {
		if len(p) < VLANTagLen {
			d.add("802.1Q", "truncated tag (%d bytes)", len(p))
			return d.lines
		}
		tci := binary.BigEndian.Uint16(p)
		typ = binary.BigEndian.Uint16(p[2:])
		d.add("802.1Q", "vlan %d priority %d dei %d type 0x%04x (%s)", tci&0x0fff, tci>>13, tci>>12&1, typ, etherTypeName(typ))
		p = p[VLANTagLen:]
	}
	used := len(p)
	switch typ {
	case EtherTypeARP:
		used = d.arp(p)
	case EtherTypeIPv4:
		used = d.ipv4("", p)
	default:
		d.add("Ethernet", "payload %d bytes (not decoded)", len(p))
	}
	if pad := len(p) - used; pad > 0 {
		d.add("Ethernet", "padding %d bytes", pad)
	}
	return d.lines
}

type describer struct {
	lines []string
}

func (d *describer) add(layer, format string, args ...any) {
	d.lines = append(d.lines, layer+": "+fmt.Sprintf(format, args...))
}

// checksumNote says whether the checksum field got, stored in a message
// whose one's complement sum with the field included is sum, is correct,
// and if not which value would be.
func checksumNote(got uint16, sum uint32) string {
	if ^Fold(sum) == 0 {
		return "(correct)"
	}
	// Take the field out of the sum: adding ^got subtracts it (RFC 1624 §3).
	// Fold first so that the addition cannot overflow 32 bits.
	want := ^Fold(uint32(Fold(sum)) + uint32(^got))
	return fmt.Sprintf("(bad, want 0x%04x)", want)
}

// arp describes an ARP packet and returns the bytes it uses.
func (d *describer) arp(p []byte) int {
	if len(p) < ARPLen {
		d.add("ARP", "truncated (%d bytes)", len(p))
		return len(p)
	}
	a := ARP(p)
	op := a.Op()
	opName := "unknown"
	switch op {
	case ARPRequest:
		opName = "request"
	case ARPReply:
		opName = "reply"
	}
	hrd, pro := binary.BigEndian.Uint16(p[arpHType:]), binary.BigEndian.Uint16(p[arpPType:])
	hrdName := "unknown"
	if hrd == arpHTypeEthernet {
		hrdName = "Ethernet"
	}
	d.add("ARP", "hardware %d (%s) protocol 0x%04x (%s) hlen %d plen %d op %d (%s)",
		hrd, hrdName, pro, etherTypeName(pro), p[arpHLen], p[arpPLen], op, opName)
	if err := a.Validate(); err != nil {
		d.add("ARP", "unsupported: %v", err)
		return len(p)
	}
	d.add("ARP", "sender %s %s", a.SenderMAC(), a.SenderIP())
	d.add("ARP", "target %s %s", a.TargetMAC(), a.TargetIP())
	switch {
	case a.IsProbe():
		d.add("ARP", "probe (RFC 5227)")
	case a.IsAnnouncement():
		d.add("ARP", "announcement (gratuitous)")
	}
	return ARPLen
}

// ipv4 describes an IPv4 datagram (or, with prefix "quoted ", one quoted
// in an ICMP error) and returns the bytes it uses.
func (d *describer) ipv4(prefix string, p []byte) int {
	layer := prefix + "IPv4"
	quoted := prefix != ""
	if len(p) < IPv4MinHeaderLen {
		d.add(layer, "truncated header (%d bytes)", len(p))
		return len(p)
	}
	ip := IPv4(p)
	hl, tl := ip.HeaderLen(), ip.TotalLen()
	d.add(layer, "version %d header length %d tos 0x%02x total length %d", p[ipVerIHL]>>4, hl, ip.TOS(), tl)
	if bad := ipv4Loose(p, quoted); bad != "" {
		d.add(layer, "%s", bad)
		return len(p)
	}
	d.add(layer, "id %d flags [%s] fragment offset %d ttl %d protocol %d (%s)",
		ip.ID(), ipv4FlagString(ip.Flags()), ip.FragOffset(), ip.TTL(), ip.Protocol(), protoName(ip.Protocol()))
	d.add(layer, "checksum 0x%04x %s src %s dst %s", ip.Checksum(), checksumNote(ip.Checksum(), Sum(p[:hl], 0)), ip.Src(), ip.Dst())
	if opts := IPv4Options(ip.Options()); len(opts) > 0 {
		d.options(layer, opts)
	}
	payload := ip.Payload()
	used := tl
	if quoted {
		used = len(p)
		d.add(layer, "payload %d bytes quoted", len(payload))
	}
	if ip.FragOffset() > 0 {
		d.add(layer, "payload %d bytes (fragment, not decoded)", len(payload))
		return used
	}
	whole := !ip.MF() && !quoted
	switch ip.Protocol() {
	case ProtoUDP:
		d.udp(prefix, ip.Src(), ip.Dst(), payload, whole)
	case ProtoTCP:
		d.tcp(prefix, ip.Src(), ip.Dst(), payload, whole)
	case ProtoICMP:
		if quoted {
			d.icmpQuoted(payload)
		} else {
			d.icmp(payload, whole)
		}
	default:
		if !quoted {
			d.add(layer, "payload %d bytes (not decoded)", len(payload))
		}
	}
	return used
}

func ipv4FlagString(f uint16) string {
	s := ""
	for _, x := range [...]struct {
		bit  uint16
		name string
	}{{IPv4FlagReserved, "reserved"}, {IPv4FlagDF, "DF"}, {IPv4FlagMF, "MF"}} {
		if f&x.bit != 0 {
			if s != "" {
				s += " "
			}
			s += x.name
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// options describes IPv4 options, one option per line.
func (d *describer) options(layer string, opts IPv4Options) {
	d.add(layer, "options %d bytes", len(opts))
	for o := opts; len(o) > 0; {
		opt, rest, err := o.Next()
		if err != nil {
			d.add(layer, "option at offset %d malformed: %v", len(opts)-len(o), err)
			return
		}
		switch t := opt[0]; {
		case t == IPv4OptEOL:
			d.add(layer, "option EOL (%d bytes padding follow)", len(o)-1)
		case t == IPv4OptNOP:
			d.add(layer, "option NOP")
		case t == IPv4OptRR || t == IPv4OptLSRR || t == IPv4OptSSRR:
			d.add(layer, "option %s len %d pointer %d route %s", optionName(t), opt[1], opt[2], routeList(opt[3:]))
		case t == IPv4OptTimestamp:
			d.add(layer, "option TS len %d pointer %d overflow %d flags %d", opt[1], opt[2], opt[3]>>4, opt[3]&0xf)
		case t == IPv4OptRouterAlert:
			d.add(layer, "option RA value %d", binary.BigEndian.Uint16(opt[2:]))
		default:
			d.add(layer, "option %s (copied %t) len %d", optionName(t), IPv4OptionCopied(t), opt[1])
		}
		o = rest
	}
}

// routeList formats the addresses of a route option's data.
func routeList(b []byte) string {
	if len(b) < 4 {
		return "[]"
	}
	s := "["
	for i := 0; i+4 <= len(b); i += 4 {
		if i > 0 {
			s += " "
		}
		s += netip.AddrFrom4([4]byte(b[i : i+4])).String()
	}
	return s + "]"
}

func (d *describer) udp(prefix string, src, dst netip.Addr, p []byte, whole bool) {
	layer := prefix + "UDP"
	if len(p) < UDPHeaderLen {
		d.add(layer, "truncated header (%d bytes)", len(p))
		return
	}
	u := UDP(p)
	n := u.Length()
	d.add(layer, "src port %d dst port %d length %d", u.SrcPort(), u.DstPort(), n)
	switch {
	case !whole:
		d.add(layer, "checksum 0x%04x (not checked: datagram incomplete)", u.Checksum())
		return
	case n < UDPHeaderLen || n > len(p):
		d.add(layer, "bad length %d (%d bytes present)", n, len(p))
		return
	case u.Checksum() == 0:
		d.add(layer, "checksum 0x0000 (none)")
	default:
		d.add(layer, "checksum 0x%04x %s", u.Checksum(), checksumNote(u.Checksum(), Sum(p[:n], PseudoHeaderSum(src, dst, ProtoUDP, n))))
	}
	d.add(layer, "payload %d bytes", n-UDPHeaderLen)
}

func (d *describer) tcp(prefix string, src, dst netip.Addr, p []byte, whole bool) {
	layer := prefix + "TCP"
	if len(p) < 4 {
		d.add(layer, "truncated header (%d bytes)", len(p))
		return
	}
	sp, dp := binary.BigEndian.Uint16(p[0:]), binary.BigEndian.Uint16(p[2:])
	if len(p) < tcpMinHeaderLen {
		d.add(layer, "src port %d dst port %d", sp, dp)
		if prefix == "" {
			d.add(layer, "truncated header (%d bytes)", len(p))
		}
		return
	}
	d.add(layer, "src port %d dst port %d seq %d ack %d", sp, dp, binary.BigEndian.Uint32(p[tcpSeq:]), binary.BigEndian.Uint32(p[tcpAck:]))
	doff := int(p[tcpDataOff]>>4) * 4
	d.add(layer, "header length %d flags [%s] window %d urgent %d", doff, tcpFlagString(p[tcpFlags]), binary.BigEndian.Uint16(p[tcpWindow:]), binary.BigEndian.Uint16(p[tcpUrgent:]))
	if doff < tcpMinHeaderLen || doff > len(p) {
		d.add(layer, "bad header length %d (%d bytes present)", doff, len(p))
		return
	}
	got := binary.BigEndian.Uint16(p[tcpChecksum:])
	if whole {
		d.add(layer, "checksum 0x%04x %s", got, checksumNote(got, Sum(p, PseudoHeaderSum(src, dst, ProtoTCP, len(p)))))
	} else {
		d.add(layer, "checksum 0x%04x (not checked: segment incomplete)", got)
	}
	if doff > tcpMinHeaderLen {
		d.add(layer, "options %d bytes", doff-tcpMinHeaderLen)
	}
	d.add(layer, "payload %d bytes", len(p)-doff)
}

func (d *describer) icmp(p []byte, whole bool) {
	if len(p) < ICMPHeaderLen {
		d.add("ICMP", "truncated header (%d bytes)", len(p))
		return
	}
	m := ICMP(p)
	if whole {
		d.add("ICMP", "type %d (%s) code %d checksum 0x%04x %s", m.Type(), icmpTypeName(m.Type()), m.Code(), m.Checksum(), checksumNote(m.Checksum(), Sum(p, 0)))
	} else {
		d.add("ICMP", "type %d (%s) code %d checksum 0x%04x (not checked: message incomplete)", m.Type(), icmpTypeName(m.Type()), m.Code(), m.Checksum())
	}
	switch typ := m.Type(); {
	case typ == ICMPEchoRequest || typ == ICMPEchoReply:
		d.add("ICMP", "id %d seq %d data %d bytes", m.ID(), m.Seq(), len(m.Payload()))
	case m.IsError():
		d.add("ICMP", "%s", icmpErrorText(m))
		if _, err := ICMPQuote(m); err != nil {
			d.add("ICMP", "quoted datagram malformed: %v (%d bytes)", err, len(m.Payload()))
			return
		}
		d.ipv4("quoted ", m.Payload())
	default:
		d.add("ICMP", "rest of header 0x%08x data %d bytes", binary.BigEndian.Uint32(p[4:]), len(m.Payload()))
	}
}

// icmpQuoted describes the start of an ICMP message quoted in an ICMP error
// (an error about an ICMP message, such as an echo request whose TTL ran
// out).
func (d *describer) icmpQuoted(p []byte) {
	if len(p) < ICMPHeaderLen {
		d.add("quoted ICMP", "%d bytes", len(p))
		return
	}
	m := ICMP(p)
	d.add("quoted ICMP", "type %d (%s) code %d id %d seq %d", m.Type(), icmpTypeName(m.Type()), m.Code(), m.ID(), m.Seq())
}
