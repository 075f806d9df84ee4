package wire

import (
	"encoding/hex"
	"net/netip"
	"strings"
)

// Byte fixtures (STYLE rule 12). Each is written as a capture would show it,
// one header field group per chunk, and its checksums are worked out by hand
// in the comments beside it (one's complement sums of 16-bit words, carries
// folded back in, then complemented; RFC 1071).

// unhexFixture turns a hex dump with spaces, newlines and // comments into
// bytes.
func unhexFixture(s string) []byte {
	var clean strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		panic(err)
	}
	return b
}

var (
	macA = MAC{0x02, 0, 0, 0, 0, 0x0a} // 10.0.0.1
	macB = MAC{0x02, 0, 0, 0, 0, 0x0b} // 10.0.0.2
	ipA  = netip.MustParseAddr("10.0.0.1")
	ipB  = netip.MustParseAddr("10.0.0.2")
)

// fixtureARPRequest: 10.0.0.2 (02:00:00:00:00:0b) asks who has 10.0.0.1,
// padded to the 60-byte Ethernet minimum.
var fixtureARPRequest = unhexFixture(`
	ffffffffffff 02000000000b 0806 // Ethernet: broadcast, from B, ARP
	0001 0800 06 04 0001           // hrd Ethernet, pro IPv4, hln 6, pln 4, op request
	02000000000b 0a000002          // sender B, 10.0.0.2
	000000000000 0a000001          // target unknown, 10.0.0.1
	000000000000000000000000000000000000 // 18 bytes padding
`)

// fixtureARPReply: 10.0.0.1 is at 02:00:00:00:00:0a, unicast to B.
var fixtureARPReply = unhexFixture(`
	02000000000b 02000000000a 0806
	0001 0800 06 04 0002
	02000000000a 0a000001
	02000000000b 0a000002
	000000000000000000000000000000000000
`)

// fixtureEchoRequest: 10.0.0.2 pings 10.0.0.1, id 1 seq 1, data "netlab!\n".
//
// IPv4 checksum: 4500+0024+1234+4000+4001+0a00+0002+0a00+0001 = 0xeb5c (no
// carry), complemented 0x14a3.
// ICMP checksum: 0800+0001+0001+6e65+746c+6162+210a = 0x16d3f, folded
// 0x6d3f+1 = 0x6d40, complemented 0x92bf.
var fixtureEchoRequest = unhexFixture(`
	02000000000a 02000000000b 0800 // Ethernet: to A, from B, IPv4
	45 00 0024                     // version 4 IHL 5, tos 0, total length 36
	1234 4000                      // id 0x1234, DF, offset 0
	40 01 14a3                     // ttl 64, ICMP, checksum
	0a000002 0a000001              // 10.0.0.2 > 10.0.0.1
	08 00 92bf 0001 0001           // echo request, checksum, id 1, seq 1
	6e65746c6162210a               // "netlab!\n"
	000000000000000000             // 10 bytes Ethernet padding (50 -> 60)
	00
`)

// fixtureUDP: 10.0.0.1:5000 sends "hello" to 10.0.0.2:7.
//
// IPv4 checksum: 4500+0021+0007+0000+4011+0a00+0001+0a00+0002 = 0x993c,
// complemented 0x66c3.
// UDP checksum: pseudo-header 0a00+0001+0a00+0002+0011+000d = 0x1421;
// header 1388+0007+000d = 0x139c; data 6865+6c6c+6f00 = 0x143d1 (the odd
// byte padded with a zero on its right); total 0x16b8e, folded 0x6b8f,
// complemented 0x9470.
var fixtureUDP = unhexFixture(`
	02000000000b 02000000000a 0800 // Ethernet: to B, from A, IPv4
	45 00 0021 0007 0000           // IHL 5, total length 33, id 7, no flags
	40 11 66c3                     // ttl 64, UDP, checksum
	0a000001 0a000002              // 10.0.0.1 > 10.0.0.2
	1388 0007 000d 9470            // 5000 > 7, length 13, checksum
	68656c6c6f                     // "hello"
	00000000000000000000000000     // 13 bytes padding (47 -> 60)
`)

// fixtureOptions: an IPv4 datagram (no Ethernet header) carrying UDP "hi"
// from 10.0.0.1:5000 to 10.0.0.2:7, whose header (IHL 8) holds Router Alert
// (RFC 2113), a NOP and an empty one-slot Record Route: 12 bytes, no EOL
// needed.
//
// IPv4 checksum: 4800+002a+0009+0000+4011+0a00+0001+0a00+0002+9404+0000+
// 0107+0704+0000+0000 = 0x13856, folded 0x3857, complemented 0xc7a8.
// UDP checksum: pseudo-header 0a00+0001+0a00+0002+0011+000a = 0x141e;
// header 1388+0007+000a = 0x1399; data 0x6869; total 0x9020, complemented
// 0x6fdf.
var fixtureOptions = unhexFixture(`
	48 00 002a 0009 0000 40 11 c7a8 0a000001 0a000002
	94 04 0000                     // Router Alert, length 4, value 0
	01                             // NOP
	07 07 04 00000000              // Record Route, length 7, pointer 4, one empty slot
	1388 0007 000a 6fdf 6869       // UDP 5000 > 7, length 10, "hi"
`)

// fixturePortUnreachable: 10.0.0.2 tells 10.0.0.1 that nothing listens on
// port 7, quoting the IPv4 header and UDP header of fixtureUDP (28 bytes of
// its 33).
//
// IPv4 checksum: 4500+0038+0100+0000+4001+0a00+0002+0a00+0001 = 0x9a3c,
// complemented 0x65c3.
// ICMP checksum: 0x0303, plus the quoted IPv4 header, which is valid and so
// sums to 0xffff (one's complement zero), plus the quoted UDP header
// 1388+0007+000d+9470 = 0xa80c: 0x0303+0xa80c = 0xab0f, complemented
// 0x54f0.
var fixturePortUnreachable = unhexFixture(`
	02000000000a 02000000000b 0800
	45 00 0038 0100 0000 40 01 65c3 0a000002 0a000001
	03 03 54f0 00000000            // port unreachable, checksum, unused
	45 00 0021 0007 0000 40 11 66c3 0a000001 0a000002 // quoted IPv4 header
	1388 0007 000d 9470            // quoted UDP header
`)

// fixtureFragNeeded: an ICMP message (no IPv4 header) saying the next hop's
// MTU is 1400, about the same datagram.
//
// ICMP checksum: 0x0304 (type, code) + 0x0578 (MTU) = 0x087c, plus the
// valid quoted header (0xffff, one's complement zero), plus the quoted UDP
// header 0xa80c: 0xb088, complemented 0x4f77.
var fixtureFragNeeded = unhexFixture(`
	03 04 4f77 0000 0578           // frag needed, checksum, unused, MTU 1400
	45 00 0021 0007 0000 40 11 66c3 0a000001 0a000002
	1388 0007 000d 9470
`)
