package wire

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// Packet builders for tests: each returns a whole Ethernet frame.

func ethFrame(typ uint16, payload []byte) []byte {
	b := make([]byte, EthernetHeaderLen+len(payload))
	EncodeEthernet(b, macA, macB, typ)
	copy(b[EthernetHeaderLen:], payload)
	return b
}

func ipv4Frame(h IPv4Header, payload []byte) []byte {
	if h.TTL == 0 {
		h.TTL = 64
	}
	if h.TotalLen == 0 {
		h.TotalLen = h.Len() + len(payload)
	}
	b := make([]byte, h.Len()+len(payload))
	h.Marshal(b)
	copy(b[h.Len():], payload)
	return ethFrame(EtherTypeIPv4, b)
}

func udpPayload(src, dst netip.AddrPort, data []byte) []byte {
	b := make([]byte, UDPHeaderLen+len(data))
	copy(b[UDPHeaderLen:], data)
	EncodeUDP(b, src, dst, len(data))
	return b
}

func icmpEcho(typ uint8, id, seq uint16, n int) []byte {
	b := make([]byte, ICMPHeaderLen+n)
	EncodeICMPEcho(b, typ, id, seq, bytes.Repeat([]byte{0x42}, n))
	return b
}

func tcpSegment(src, dst netip.AddrPort, seq, ack uint32, flags byte, data []byte) []byte {
	b := make([]byte, tcpMinHeaderLen+len(data))
	binary.BigEndian.PutUint16(b[0:], src.Port())
	binary.BigEndian.PutUint16(b[2:], dst.Port())
	binary.BigEndian.PutUint32(b[tcpSeq:], seq)
	binary.BigEndian.PutUint32(b[tcpAck:], ack)
	b[tcpDataOff] = 5 << 4
	b[tcpFlags] = flags
	binary.BigEndian.PutUint16(b[tcpWindow:], 65535)
	copy(b[tcpMinHeaderLen:], data)
	c := Checksum(b, PseudoHeaderSum(src.Addr(), dst.Addr(), ProtoTCP, len(b)))
	binary.BigEndian.PutUint16(b[tcpChecksum:], c)
	return b
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

func arpFrame(op uint16, sMAC MAC, sIP netip.Addr, tMAC MAC, tIP netip.Addr) []byte {
	b := make([]byte, ARPLen)
	EncodeARP(b, op, sMAC, sIP, tMAC, tIP)
	return ethFrame(EtherTypeARP, b)
}

var (
	apA = netip.AddrPortFrom(ipA, 5000)
	apB = netip.AddrPortFrom(ipB, 7)
	ipC = netip.MustParseAddr("10.0.0.9")
)

// summaryCases pairs frames with the one-line summary they must give.
func summaryCases() []struct {
	name  string
	frame []byte
	want  string
} {
	bigUDP := udpPayload(apA, apB, make([]byte, 2972))
	echo := ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipB, Dst: ipC}, icmpEcho(ICMPEchoRequest, 1, 1, 56))[EthernetHeaderLen:]
	ttlExceeded := make([]byte, 64)
	n := EncodeICMPError(ttlExceeded, ICMPTimeExceeded, ICMPTTLExceeded, 0, echo)
	ttlExceeded = ttlExceeded[:n]
	vlan := append([]byte{0x00, 0x05, 0x08, 0x06}, fixtureARPRequest[EthernetHeaderLen:]...)
	badARP := bytes.Clone(fixtureARPRequest)
	badARP[EthernetHeaderLen+1] = 6
	redirect := make([]byte, 64)
	n = EncodeICMPError(redirect, ICMPRedirect, 1, 0, fixtureUDP[EthernetHeaderLen:EthernetHeaderLen+33])
	redirect = redirect[:n]
	copy(redirect[4:8], ipC.AsSlice())
	binary.BigEndian.PutUint16(redirect[2:], 0)
	binary.BigEndian.PutUint16(redirect[2:], Checksum(redirect, 0))

	return []struct {
		name  string
		frame []byte
		want  string
	}{
		{"arp request", fixtureARPRequest, "ARP who-has 10.0.0.1 tell 10.0.0.2"},
		{"arp reply", fixtureARPReply, "ARP 10.0.0.1 is-at 02:00:00:00:00:0a"},
		{"arp probe", arpFrame(ARPRequest, macA, netip.IPv4Unspecified(), MAC{}, ipA), "ARP who-has 10.0.0.1 tell 0.0.0.0 (probe)"},
		{"arp announce request", arpFrame(ARPRequest, macA, ipA, MAC{}, ipA), "ARP who-has 10.0.0.1 tell 10.0.0.1 (announce)"},
		{"arp announce reply", arpFrame(ARPReply, macA, ipA, BroadcastMAC, ipA), "ARP 10.0.0.1 is-at 02:00:00:00:00:0a (announce)"},
		{"arp truncated", fixtureARPRequest[:24], "ARP truncated (10 bytes)"},
		{"arp unsupported", badARP, "ARP unsupported hrd 6 pro 0x0800 hln 6 pln 4 op 1"},
		{"vlan", ethFrame(EtherTypeVLAN, vlan), "802.1Q vlan 5 ARP who-has 10.0.0.1 tell 10.0.0.2"},
		{"vlan truncated", ethFrame(EtherTypeVLAN, []byte{0, 5}), "802.1Q truncated tag (2 bytes)"},
		{"ethernet truncated", fixtureUDP[:13], "Ethernet truncated header (13 bytes)"},
		{"ethernet empty", nil, "Ethernet truncated header (0 bytes)"},
		{"ipv6", ethFrame(EtherTypeIPv6, make([]byte, 40)), "IPv6 (not decoded) len 40"},
		{"lldp", ethFrame(0x88cc, make([]byte, 46)), "ethertype 0x88cc len 46"},
		{"802.3", ethFrame(46, make([]byte, 46)), "802.3 length 46"},

		{"echo request", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipB, Dst: ipA}, icmpEcho(ICMPEchoRequest, 1, 1, 56)),
			"IPv4 10.0.0.2 > 10.0.0.1 ICMP echo request id 1 seq 1 len 64"},
		{"echo reply", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipA, Dst: ipB}, icmpEcho(ICMPEchoReply, 7, 300, 0)),
			"IPv4 10.0.0.1 > 10.0.0.2 ICMP echo reply id 7 seq 300 len 8"},
		{"echo fixture", fixtureEchoRequest, "IPv4 10.0.0.2 > 10.0.0.1 ICMP echo request id 1 seq 1 len 16"},
		{"echo bad icmp checksum", flip(fixtureEchoRequest, 45), "IPv4 10.0.0.2 > 10.0.0.1 ICMP echo request id 1 seq 1 len 16 [bad icmp checksum]"},
		{"icmp truncated", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipA, Dst: ipB}, []byte{8, 0, 0}),
			"IPv4 10.0.0.1 > 10.0.0.2 ICMP truncated header (3 bytes)"},
		{"icmp other", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipA, Dst: ipB}, []byte{13, 0, 0xf2, 0xff, 0, 0, 0, 0}),
			"IPv4 10.0.0.1 > 10.0.0.2 ICMP type 13 code 0 len 8"},
		{"port unreachable", fixturePortUnreachable,
			"IPv4 10.0.0.2 > 10.0.0.1 ICMP port unreachable for 10.0.0.1:5000 > 10.0.0.2:7 UDP"},
		{"frag needed", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipC, Dst: ipA}, fixtureFragNeeded),
			"IPv4 10.0.0.9 > 10.0.0.1 ICMP frag needed (mtu 1400) for 10.0.0.1:5000 > 10.0.0.2:7 UDP"},
		{"ttl exceeded", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipA, Dst: ipB}, ttlExceeded),
			"IPv4 10.0.0.1 > 10.0.0.2 ICMP ttl exceeded for 10.0.0.2 > 10.0.0.9 ICMP echo request"},
		{"redirect", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipC, Dst: ipA}, redirect),
			"IPv4 10.0.0.9 > 10.0.0.1 ICMP redirect code 1 to 10.0.0.9 for 10.0.0.1:5000 > 10.0.0.2:7 UDP"},
		{"bad quote", ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipC, Dst: ipA}, fixtureFragNeeded[:20]),
			"IPv4 10.0.0.9 > 10.0.0.1 ICMP frag needed (mtu 1400) for malformed quote (wire: packet truncated) [bad icmp checksum]"},

		{"udp", fixtureUDP, "IPv4 10.0.0.1:5000 > 10.0.0.2:7 UDP len 5"},
		{"udp bad checksum", flip(fixtureUDP, 42), "IPv4 10.0.0.1:5000 > 10.0.0.2:7 UDP len 5 [bad udp checksum]"},
		{"udp bad length", ipv4Frame(IPv4Header{Protocol: ProtoUDP, Src: ipA, Dst: ipB}, []byte{0, 1, 0, 2, 0, 99, 0, 0}),
			"IPv4 10.0.0.1:1 > 10.0.0.2:2 UDP bad length 99 (8 bytes present)"},
		{"udp truncated", ipv4Frame(IPv4Header{Protocol: ProtoUDP, Src: ipA, Dst: ipB}, []byte{0, 1, 0}),
			"IPv4 10.0.0.1 > 10.0.0.2 UDP truncated header (3 bytes)"},
		{"ip bad checksum", flip(fixtureUDP, 22), "IPv4 10.0.0.1:5000 > 10.0.0.2:7 UDP len 5 [bad ip checksum]"},
		{"ip options", ethFrame(EtherTypeIPv4, fixtureOptions), "IPv4 10.0.0.1:5000 > 10.0.0.2:7 UDP len 2 options [RA NOP RR]"},

		{"first fragment", ipv4Frame(IPv4Header{ID: 7, Flags: IPv4FlagMF, Protocol: ProtoUDP, Src: ipA, Dst: ipB}, bigUDP[:1480]),
			"IPv4 10.0.0.1:5000 > 10.0.0.2:7 UDP len 2972 frag id 7 off 0+"},
		{"middle fragment", ipv4Frame(IPv4Header{ID: 7, Flags: IPv4FlagMF, FragOffset: 1480, Protocol: ProtoUDP, Src: ipA, Dst: ipB}, bigUDP[1480:2960]),
			"IPv4 10.0.0.1 > 10.0.0.2 UDP frag id 7 off 1480+ len 1480"},
		{"last fragment", ipv4Frame(IPv4Header{ID: 7, FragOffset: 2960, Protocol: ProtoUDP, Src: ipA, Dst: ipB}, bigUDP[2960:]),
			"IPv4 10.0.0.1 > 10.0.0.2 UDP frag id 7 off 2960 len 20"},

		{"tcp syn", ipv4Frame(IPv4Header{Protocol: ProtoTCP, Src: ipA, Dst: ipB}, tcpSegment(netip.AddrPortFrom(ipA, 40000), netip.AddrPortFrom(ipB, 80), 1000, 0, tcpSYN, nil)),
			"IPv4 10.0.0.1:40000 > 10.0.0.2:80 TCP [S] seq 1000 win 65535 len 0"},
		{"tcp data", ipv4Frame(IPv4Header{Protocol: ProtoTCP, Src: ipB, Dst: ipA}, tcpSegment(netip.AddrPortFrom(ipB, 80), netip.AddrPortFrom(ipA, 40000), 5, 1001, tcpPSH|tcpACK, []byte("HTTP"))),
			"IPv4 10.0.0.2:80 > 10.0.0.1:40000 TCP [P.] seq 5 ack 1001 win 65535 len 4"},
		{"tcp truncated", ipv4Frame(IPv4Header{Protocol: ProtoTCP, Src: ipA, Dst: ipB}, make([]byte, 12)),
			"IPv4 10.0.0.1 > 10.0.0.2 TCP truncated header (12 bytes)"},
		{"other protocol", ipv4Frame(IPv4Header{Protocol: 89, Src: ipA, Dst: ipB}, make([]byte, 4)), "IPv4 10.0.0.1 > 10.0.0.2 OSPF len 4"},
		{"unknown protocol", ipv4Frame(IPv4Header{Protocol: 253, Src: ipA, Dst: ipB}, nil), "IPv4 10.0.0.1 > 10.0.0.2 proto 253 len 0"},

		{"ipv4 truncated", fixtureUDP[:26], "IPv4 truncated header (12 bytes)"},
		{"ipv4 version 6", ethFrame(EtherTypeIPv4, append([]byte{0x60}, make([]byte, 39)...)), "IPv4 bad version 6"},
		{"ipv4 IHL 3", ethFrame(EtherTypeIPv4, append([]byte{0x43}, make([]byte, 19)...)), "IPv4 bad header length 12"},
		{"ipv4 header cut", ethFrame(EtherTypeIPv4, fixtureOptions[:24]), "IPv4 truncated header (24 of 32 bytes)"},
		{"ipv4 total length", fixtureUDP[:40], "IPv4 10.0.0.1 > 10.0.0.2 bad total length 33 (26 bytes present)"},
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range summaryCases() {
		if got := Summarize(tc.frame); got != tc.want {
			t.Errorf("%s: got Summarize(%x) =\n%q, want\n%q", tc.name, tc.frame, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame []byte
		want  []string // lines that must appear, in this order
	}{
		{"arp request", fixtureARPRequest, []string{
			"Ethernet: dst ff:ff:ff:ff:ff:ff src 02:00:00:00:00:0b type 0x0806 (ARP)",
			"ARP: hardware 1 (Ethernet) protocol 0x0800 (IPv4) hlen 6 plen 4 op 1 (request)",
			"ARP: sender 02:00:00:00:00:0b 10.0.0.2",
			"ARP: target 00:00:00:00:00:00 10.0.0.1",
			"Ethernet: padding 18 bytes",
		}},
		{"echo", fixtureEchoRequest, []string{
			"IPv4: version 4 header length 20 tos 0x00 total length 36",
			"IPv4: id 4660 flags [DF] fragment offset 0 ttl 64 protocol 1 (ICMP)",
			"IPv4: checksum 0x14a3 (correct) src 10.0.0.2 dst 10.0.0.1",
			"ICMP: type 8 (echo request) code 0 checksum 0x92bf (correct)",
			"ICMP: id 1 seq 1 data 8 bytes",
			"Ethernet: padding 10 bytes",
		}},
		{"bad checksums", flip(flip(fixtureUDP, 22), 42), []string{ // ttl 0x40->0x41 and "h"->"i": each sum +0x100, each checksum -0x100
			"IPv4: checksum 0x66c3 (bad, want 0x65c3) src 10.0.0.1 dst 10.0.0.2",
			"UDP: src port 5000 dst port 7 length 13",
			"UDP: checksum 0x9470 (bad, want 0x9370)",
			"UDP: payload 5 bytes",
		}},
		{"bad icmp checksum field", flip(fixtureEchoRequest, 36), []string{
			"ICMP: type 8 (echo request) code 0 checksum 0x93bf (bad, want 0x92bf)",
		}},
		{"no udp checksum", func() []byte { b := bytes.Clone(fixtureUDP); b[40], b[41] = 0, 0; return b }(), []string{
			"UDP: checksum 0x0000 (none)",
		}},
		{"options", ethFrame(EtherTypeIPv4, fixtureOptions), []string{
			"IPv4: options 12 bytes",
			"IPv4: option RA value 0",
			"IPv4: option NOP",
			"IPv4: option RR len 7 pointer 4 route [0.0.0.0]",
		}},
		{"port unreachable", fixturePortUnreachable, []string{
			"ICMP: port unreachable",
			"quoted IPv4: checksum 0x66c3 (correct) src 10.0.0.1 dst 10.0.0.2",
			"quoted UDP: src port 5000 dst port 7 length 13",
		}},
		{"tcp", ipv4Frame(IPv4Header{Protocol: ProtoTCP, Src: ipA, Dst: ipB}, tcpSegment(netip.AddrPortFrom(ipA, 40000), netip.AddrPortFrom(ipB, 80), 1000, 0, tcpSYN, nil)), []string{
			"TCP: src port 40000 dst port 80 seq 1000 ack 0",
			"TCP: header length 20 flags [S] window 65535 urgent 0",
			"TCP: payload 0 bytes",
		}},
		{"truncated ipv4", fixtureUDP[:26], []string{
			"IPv4: truncated header (12 bytes)",
		}},
		{"truncated ethernet", fixtureUDP[:5], []string{
			"Ethernet: truncated header (5 bytes)",
		}},
	} {
		got := Describe(tc.frame)
		i := 0
		for _, line := range got {
			if i < len(tc.want) && line == tc.want[i] {
				i++
			}
		}
		if i < len(tc.want) {
			t.Errorf("%s: got Describe =\n\t%s\nwant it to contain, in order, line\n\t%s",
				tc.name, strings.Join(got, "\n\t"), tc.want[i])
		}
	}
}

// TestSummariesNeverPanic feeds every prefix and many corruptions of every
// summary case to Summarize and Describe (FuzzSummarize goes further).
func TestSummariesNeverPanic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tc := range summaryCases() {
		for n := 0; n <= len(tc.frame); n++ {
			Summarize(tc.frame[:n])
			Describe(tc.frame[:n])
		}
		for range 200 {
			b := slices.Clone(tc.frame)
			for range 1 + r.IntN(4) {
				if len(b) > 0 {
					b[r.IntN(len(b))] = byte(r.Uint32())
				}
			}
			if s := Summarize(b); s == "" || strings.Contains(s, "\n") {
				t.Fatalf("got Summarize(%x) = %q, want one non-empty line", b, s)
			}
			if len(Describe(b)) == 0 {
				t.Fatalf("got Describe(%x) with no lines, want some", b)
			}
		}
	}
}
