package core_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
)

// ipPacket builds an IPv4 packet with header h (its total length filled
// in) and payload.
func ipPacket(h wire.IPv4Header, payload []byte) []byte {
	h.TotalLen = h.Len() + len(payload)
	b := make([]byte, h.TotalLen)
	h.Marshal(b)
	copy(b[h.Len():], payload)
	return b
}

// udpSegment builds a UDP header and data with its checksum.
func udpSegment(src, dst netip.AddrPort, data []byte) []byte {
	b := make([]byte, wire.UDPHeaderLen+len(data))
	copy(b[wire.UDPHeaderLen:], data)
	wire.EncodeUDP(b, src, dst, len(data))
	return b
}

// echoMsg builds an ICMP echo request or reply.
func echoMsg(typ uint8, id, seq uint16, data []byte) []byte {
	b := make([]byte, wire.ICMPHeaderLen+len(data))
	wire.EncodeICMPEcho(b, typ, id, seq, data)
	return b
}

// fromPeer is the header of a packet from 10.0.0.2 to dst.
func fromPeer(dst netip.Addr, proto uint8, id uint16) wire.IPv4Header {
	return wire.IPv4Header{ID: id, TTL: 64, Protocol: proto, Src: ipPeer, Dst: dst}
}

// peerFrame wraps an IPv4 packet from the peer into a frame to us.
func peerFrame(ip []byte) []byte { return ether(macUs, macPeer, wire.EtherTypeIPv4, ip) }

// echoFromPeer is an echo request from 10.0.0.2 to dst.
func echoFromPeer(dst netip.Addr, seq uint16, opts []byte) []byte {
	h := fromPeer(dst, wire.ProtoICMP, 0x1234)
	h.Options = opts
	return ipPacket(h, echoMsg(wire.ICMPEchoRequest, 1, seq, []byte("ping")))
}

// icmpSent returns the ICMP messages among frames, with their IP headers.
func icmpSent(frames [][]byte) (ips []wire.IPv4, msgs []wire.ICMP) {
	for _, f := range frames {
		eth := wire.Ethernet(f)
		if eth.Validate() != nil || eth.EtherType() != wire.EtherTypeIPv4 {
			continue
		}
		ip := wire.IPv4(eth.Payload())
		if ip.Validate() != nil || ip.Protocol() != wire.ProtoICMP {
			continue
		}
		m := wire.ICMP(ip.Payload())
		if m.Validate() != nil {
			continue
		}
		ips, msgs = append(ips, ip), append(msgs, m)
	}
	return ips, msgs
}

// fixtureEchoRequestPadded: 10.0.0.2 pings 10.0.0.1 with no data, id 1
// seq 1: a 28-byte IPv4 packet padded to a 60-byte frame.
//
// IPv4 checksum: 4500+001c+1234+0000+4001+0a00+0002+0a00+0001 = 0xab54,
// complemented 0x54ab. ICMP checksum: 0800+0001+0001 = 0x0802,
// complemented 0xf7fd.
var fixtureEchoRequestPadded = unhex(`
	020000000001 020000000002 0800 // Ethernet: to us, from the peer, IPv4
	45 00 001c 1234 0000           // IHL 5, total length 28, id 0x1234
	40 01 54ab                     // ttl 64, ICMP, checksum
	0a000002 0a000001              // 10.0.0.2 > 10.0.0.1
	08 00 f7fd 0001 0001           // echo request id 1 seq 1
	0000000000000000 0000000000000000 0000 // 18 bytes padding: 42 -> 60
`)

// fixtureEchoReplyToPeer: the answer, the stack's first IPv4 packet (id 1),
// 42 bytes with nothing of the padding.
//
// IPv4 checksum: 4500+001c+0001+0000+4001+0a00+0001+0a00+0002 = 0x9921,
// complemented 0x66de. ICMP checksum: 0000+0001+0001 = 0x0002,
// complemented 0xfffd.
var fixtureEchoReplyToPeer = unhex(`
	020000000002 020000000001 0800 // Ethernet: to the peer, from us, IPv4
	45 00 001c 0001 0000           // total length 28, id 1
	40 01 66de                     // ttl 64, ICMP, checksum
	0a000001 0a000002              // 10.0.0.1 > 10.0.0.2
	00 00 fffd 0001 0001           // echo reply id 1 seq 1
`)

func TestEthernetPaddingIsTrimmed(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	if len(fixtureEchoRequestPadded) != 60 {
		t.Fatalf("fixture is %d bytes, want 60", len(fixtureEchoRequestPadded))
	}
	built := pad(peerFrame(ipPacket(fromPeer(ipUs, wire.ProtoICMP, 0x1234), echoMsg(wire.ICMPEchoRequest, 1, 1, nil))))
	if !bytes.Equal(built, fixtureEchoRequestPadded) {
		t.Fatalf("got built request %x, want fixture %x", built, fixtureEchoRequestPadded)
	}
	w.inject(fixtureEchoRequestPadded)
	w.expectSent("echo request in a padded frame", fixtureEchoReplyToPeer)
}

func TestIPv4BadChecksumIsDropped(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	f := pad(peerFrame(echoFromPeer(ipUs, 1, nil)))
	f[wire.EthernetHeaderLen+11] ^= 0x01 // the header checksum's low byte
	w.inject(f)
	w.expectSent("echo request with a bad header checksum")
	if n := w.netifCounter("drops:ip-checksum"); n != 1 {
		t.Errorf("got drops:ip-checksum %d, want 1", n)
	}
	if n := w.counter(w.s, "ip-bad-header"); n != 1 {
		t.Errorf("got ip-bad-header %d, want 1", n)
	}
}

func TestIPv4OptionsRule(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []byte
		reply bool
	}{
		{"NOP and record route", unhex("01 07 07 04 00000000"), true},
		{"router alert", unhex("94 04 0000"), true},
		{"loose source route", unhex("01 83 07 04 0a000063"), false},
		{"strict source route", unhex("01 89 07 04 0a000063"), false},
		{"length past the end", unhex("07 ff 04 00"), false},
		{"length below 2", unhex("07 01 04 00"), false},
		{"timestamp pointer below 5", unhex("44 04 04 00"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWireTest(t)
			w.learnPeer()
			w.inject(peerFrame(echoFromPeer(ipUs, 7, tc.opts)))
			ips, msgs := icmpSent(w.sent())
			if got := len(msgs) == 1 && msgs[0].Type() == wire.ICMPEchoReply && msgs[0].Seq() == 7; got != tc.reply {
				t.Fatalf("options %x: got a reply %v, want %v", tc.opts, got, tc.reply)
			}
			if tc.reply && ips[0].HeaderLen() != wire.IPv4MinHeaderLen {
				t.Errorf("got a reply with a %d-byte header, want 20 (options are not echoed)", ips[0].HeaderLen())
			}
			want := uint64(0)
			if !tc.reply {
				want = 1
			}
			if n := w.netifCounter("drops:ip-options"); n != want {
				t.Errorf("got drops:ip-options %d, want %d", n, want)
			}
			if n := w.counter(w.s, "ip-bad-options"); n != want {
				t.Errorf("got ip-bad-options %d, want %d", n, want)
			}
		})
	}
}

// udpListener binds a UDP PCB on port on s whose datagrams go to a
// mailbox.
func udpListener(e *env, s *core.Stack, port uint16) *mailbox[udpResult] {
	got := newMailbox[udpResult](e)
	e.call(s, func(c *core.Core) error {
		p := c.NewUDP(func(c *core.Core, d *core.UDPDatagram) {
			got.put(udpResult{data: append([]byte(nil), d.Payload...), from: d.Src})
		}, nil, nil)
		_, err := c.UDPBind(p, netip.AddrPortFrom(netip.IPv4Unspecified(), port))
		return err
	})
	return got
}

// fragments cuts the UDP datagram seg (from the peer to us, IP id id) at
// the given payload offsets (multiples of 8) into IPv4 fragments.
func fragments(id uint16, seg []byte, cuts ...int) [][]byte {
	var out [][]byte
	bounds := append(append([]int{0}, cuts...), len(seg))
	for i := 0; i+1 < len(bounds); i++ {
		h := fromPeer(ipUs, wire.ProtoUDP, id)
		h.FragOffset = bounds[i]
		if i+2 < len(bounds) {
			h.Flags = wire.IPv4FlagMF
		}
		out = append(out, peerFrame(ipPacket(h, seg[bounds[i]:bounds[i+1]])))
	}
	return out
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

var peerPort = netip.AddrPortFrom(ipPeer, 4000)

func TestReassemblyTimeoutSendsTimeExceeded(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	seg := udpSegment(peerPort, netip.AddrPortFrom(ipUs, 7), payload(32, 'a'))
	first := fragments(99, seg, 16)[0]
	start := w.clk.Now()
	w.inject(first)
	w.sleep(14500 * time.Millisecond)
	w.expectSent("before the reassembly timeout")
	w.sleep(time.Second)
	ips, msgs := icmpSent(w.sent())
	if len(msgs) != 1 {
		t.Fatalf("got %d ICMP messages after 15.5s, want 1", len(msgs))
	}
	ip, m := ips[0], msgs[0]
	if m.Type() != wire.ICMPTimeExceeded || m.Code() != wire.ICMPReassemblyTimeExceeded {
		t.Errorf("got ICMP type %d code %d, want 11/1 (fragment reassembly time exceeded)", m.Type(), m.Code())
	}
	if ip.Src() != ipUs || ip.Dst() != ipPeer || ip.TTL() != core.DefaultTTL {
		t.Errorf("got %v > %v ttl %d, want 10.0.0.1 > 10.0.0.2 ttl 64", ip.Src(), ip.Dst(), ip.TTL())
	}
	// The quote is the first fragment's header as it came, then the first
	// 8 bytes of its data: the UDP header (RFC 792).
	want := first[wire.EthernetHeaderLen : wire.EthernetHeaderLen+wire.IPv4MinHeaderLen+8]
	if !bytes.Equal(m.Payload(), want) {
		t.Errorf("got quote %x, want %x", m.Payload(), want)
	}
	if n := w.counter(w.s, "ip-reassembly-failed"); n != 1 {
		t.Errorf("got ip-reassembly-failed %d, want 1", n)
	}
	_ = start
	// Without the first fragment, a timeout sends nothing.
	w.inject(fragments(100, seg, 16)[1])
	w.sleep(16 * time.Second)
	w.expectSent("timeout without the first fragment")
}

func TestOverlappingFragmentsDropTheDatagram(t *testing.T) {
	w := newWireTest(t)
	got := udpListener(w.env, w.s, 7)
	data := payload(32, 'a')
	seg := udpSegment(peerPort, netip.AddrPortFrom(ipUs, 7), data)
	f := fragments(1, seg, 16, 24)
	// An overlap that changes bytes already received (RFC 1858).
	forged := fragments(1, append(append([]byte(nil), seg[:8]...), payload(32, 'z')...), 8, 24)[1]
	w.inject(f[0], forged, f[1], f[2])
	if n := w.counter(w.s, "ip-reassembly-failed"); n != 1 {
		t.Errorf("got ip-reassembly-failed %d, want 1", n)
	}
	if n := w.counter(w.s, "udp-in"); n != 0 {
		t.Fatalf("got udp-in %d, want 0: an overlapped datagram was delivered", n)
	}
	// An exact duplicate is harmless.
	f = fragments(2, seg, 16, 24)
	w.inject(f[0], f[0], f[2], f[1], f[1])
	if r := got.get(w.env, time.Second); !bytes.Equal(r.data, data) {
		t.Errorf("got %q, want %q", r.data, data)
	}
	if n := w.counter(w.s, "ip-reassembled"); n != 1 {
		t.Errorf("got ip-reassembled %d, want 1", n)
	}
}

func TestReassemblyIsBounded(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	got := udpListener(w.env, w.s, 7)
	// 100 datagrams of which only the first fragment comes: 16 wait at
	// once, each new one beyond pushes out the oldest.
	seg := udpSegment(peerPort, netip.AddrPortFrom(ipUs, 7), payload(32, 'a'))
	for id := range 100 {
		w.ch.Inject(fragments(uint16(1000+id), seg, 16)[0])
	}
	w.settle()
	if n := w.counter(w.s, "ip-reassembly-failed"); n != 84 {
		t.Errorf("got ip-reassembly-failed %d, want 84 (16 may wait)", n)
	}
	w.sleep(16 * time.Second)
	if n := w.counter(w.s, "ip-reassembly-failed"); n != 100 {
		t.Errorf("got ip-reassembly-failed %d after the timeout, want 100", n)
	}
	if _, msgs := icmpSent(w.sent()); len(msgs) != 16 {
		t.Errorf("got %d ICMP time exceeded, want 16 (one per expired datagram)", len(msgs))
	}

	// Datagrams of 40 fragments of 1480 bytes without their last: fragment
	// data beyond 256 KiB fails the datagram that brings it.
	big := udpSegment(peerPort, netip.AddrPortFrom(ipUs, 7), payload(65000, 0))
	var cuts []int
	for off := 1480; off < len(big); off += 1480 {
		cuts = append(cuts, off)
	}
	for round := range 3 {
		before := w.counter(w.s, "ip-reassembly-failed")
		for id := range 8 {
			frags := fragments(uint16(2000+id), big, cuts...)
			w.inject(frags[:40]...)
		}
		if n := w.counter(w.s, "ip-reassembly-failed") - before; n == 0 {
			t.Fatalf("round %d: got no reassembly failures for 8 x 59200 bytes, want the memory limit to fail some", round)
		}
		w.sleep(16 * time.Second)
		w.ch.Drain()
	}
	// Everything expired: the memory came back, and a whole 65000-byte
	// datagram reassembles.
	w.inject(fragments(3000, big, cuts...)...)
	if r := got.get(w.env, time.Second); len(r.data) != 65000 {
		t.Fatalf("got %d bytes, want 65000", len(r.data))
	}
	if names := timerNames(freshSnapshot(w.env, w.s)); names["ip reass"] {
		t.Errorf("got timers %v with nothing being reassembled, want no \"ip reass\"", names)
	}
}

// TestReassemblyCountsMemoryHeld sends datagrams whose only fragment is a
// small one at a high offset: each holds a buffer of almost 64 KiB, and
// the limit (256 KiB) counts those buffers, not the 8 bytes received.
func TestReassemblyCountsMemoryHeld(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	seg := udpSegment(peerPort, netip.AddrPortFrom(ipUs, 7), payload(64008, 0))
	for id := range 8 {
		h := fromPeer(ipUs, wire.ProtoUDP, uint16(4000+id))
		h.FragOffset, h.Flags = 64000, wire.IPv4FlagMF // not the last either
		w.inject(peerFrame(ipPacket(h, seg[64000:64008])))
	}
	// Four buffers of 64008 bytes fit in 256 KiB; each later datagram
	// fails on its first fragment.
	if n := w.counter(w.s, "ip-reassembly-failed"); n != 4 {
		t.Errorf("got ip-reassembly-failed %d, want 4", n)
	}
}

func TestNoICMPErrorsAboutICMPErrorsOrBroadcasts(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	w.call(w.s, func(c *core.Core) error { c.SetForwarding(true); return nil })
	toUs := netip.AddrPortFrom(ipUs, 9) // nobody listens on port 9
	udpTo := func(dst netip.AddrPort) []byte {
		return ipPacket(fromPeer(dst.Addr(), wire.ProtoUDP, 5), udpSegment(peerPort, dst, []byte("x")))
	}
	// An ICMP error (port unreachable about something) that must be
	// forwarded with TTL 1: no time exceeded about it.
	quoted := udpTo(netip.AddrPortFrom(addr("10.0.0.77"), 53))
	var icmpErr [128]byte
	n := wire.EncodeICMPError(icmpErr[:], wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0, quoted)
	h := fromPeer(addr("10.0.0.77"), wire.ProtoICMP, 6)
	h.TTL = 1
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"ICMP error with TTL 1", peerFrame(ipPacket(h, icmpErr[:n]))},
		{"UDP to the directed broadcast", ether(wire.BroadcastMAC, macPeer, wire.EtherTypeIPv4, udpTo(netip.AddrPortFrom(addr("10.0.0.255"), 9)))},
		{"UDP to the limited broadcast", ether(wire.BroadcastMAC, macPeer, wire.EtherTypeIPv4, udpTo(netip.AddrPortFrom(addr("255.255.255.255"), 9)))},
		{"UDP to us in a link-layer broadcast", ether(wire.BroadcastMAC, macPeer, wire.EtherTypeIPv4, udpTo(toUs))},
		{"unknown protocol to the directed broadcast", ether(wire.BroadcastMAC, macPeer, wire.EtherTypeIPv4, ipPacket(fromPeer(addr("10.0.0.255"), 99, 7), []byte("?")))},
		{"UDP from 0.0.0.0", peerFrame(ipPacket(wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: netip.IPv4Unspecified(), Dst: ipUs},
			udpSegment(netip.AddrPortFrom(netip.IPv4Unspecified(), 68), toUs, []byte("x"))))},
	} {
		w.inject(tc.frame)
		w.expectSent(tc.name)
	}
	if n := w.counter(w.s, "icmp-errors-out"); n != 0 {
		t.Errorf("got icmp-errors-out %d, want 0", n)
	}
	// The same mistakes made by unicast do get errors.
	h.Protocol = wire.ProtoICMP
	ttl1Echo := fromPeer(addr("10.0.0.77"), wire.ProtoICMP, 8)
	ttl1Echo.TTL = 1
	for _, tc := range []struct {
		name     string
		frame    []byte
		typ, cod uint8
	}{
		{"echo request with TTL 1", peerFrame(ipPacket(ttl1Echo, echoMsg(wire.ICMPEchoRequest, 1, 1, nil))), wire.ICMPTimeExceeded, wire.ICMPTTLExceeded},
		{"UDP to us", peerFrame(udpTo(toUs)), wire.ICMPDestUnreachable, wire.ICMPPortUnreachable},
		{"unknown protocol to us", peerFrame(ipPacket(fromPeer(ipUs, 99, 9), []byte("?"))), wire.ICMPDestUnreachable, wire.ICMPProtoUnreachable},
	} {
		w.inject(tc.frame)
		_, msgs := icmpSent(w.sent())
		if len(msgs) != 1 || msgs[0].Type() != tc.typ || msgs[0].Code() != tc.cod {
			t.Errorf("%s: got %d ICMP messages, want one of type %d code %d", tc.name, len(msgs), tc.typ, tc.cod)
		}
	}
}

func TestEchoRequestsToBroadcastAreIgnored(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	for _, dst := range []string{"10.0.0.255", "255.255.255.255"} {
		w.inject(ether(wire.BroadcastMAC, macPeer, wire.EtherTypeIPv4, echoFromPeer(addr(dst), 1, nil)))
		w.expectSent(fmt.Sprintf("echo request to %s", dst))
	}
	if n := w.counter(w.s, "icmp-echo-in"); n != 2 {
		t.Errorf("got icmp-echo-in %d, want 2", n)
	}
	// RFC 1122 section 3.2.2.6 lets a host answer pings to its unicast
	// address that came in a link-layer broadcast; ours does.
	w.inject(ether(wire.BroadcastMAC, macPeer, wire.EtherTypeIPv4, echoFromPeer(ipUs, 2, nil)))
	if _, msgs := icmpSent(w.sent()); len(msgs) != 1 || msgs[0].Type() != wire.ICMPEchoReply {
		t.Errorf("got %d ICMP messages for a unicast ping, want one echo reply", len(msgs))
	}
}

func TestICMPErrorsAreRateLimited(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	for i := range 60 {
		w.ch.Inject(peerFrame(ipPacket(fromPeer(ipUs, wire.ProtoUDP, uint16(i)),
			udpSegment(peerPort, netip.AddrPortFrom(ipUs, 9), []byte("x")))))
	}
	w.settle()
	// A burst of 50, then 100 a second (RFC 1812 section 4.3.2.8): the
	// 60 datagrams came at one instant.
	if _, msgs := icmpSent(w.sent()); len(msgs) != 50 {
		t.Errorf("got %d port unreachables for 60 datagrams at once, want 50", len(msgs))
	}
	if n := w.counter(w.s, "icmp-rate-limited"); n != 10 {
		t.Errorf("got icmp-rate-limited %d, want 10", n)
	}
	if n := w.counter(w.s, "udp-no-port"); n != 60 {
		t.Errorf("got udp-no-port %d, want 60", n)
	}
	// Tokens come back with time: 100 ms gives 10.
	w.sleep(100 * time.Millisecond)
	for i := range 12 {
		w.ch.Inject(peerFrame(ipPacket(fromPeer(ipUs, wire.ProtoUDP, uint16(100+i)),
			udpSegment(peerPort, netip.AddrPortFrom(ipUs, 9), []byte("x")))))
	}
	w.settle()
	if _, msgs := icmpSent(w.sent()); len(msgs) != 10 {
		t.Errorf("got %d port unreachables 100ms later, want 10", len(msgs))
	}
}

// 127/8 must not appear outside a host (RFC 1122 section 3.2.1.3): from
// the wire, such packets are martians, and services bound to loopback are
// out of reach.
func TestLoopbackAddressesFromTheWireAreDropped(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	got := newMailbox[udpResult](w.env)
	w.call(w.s, func(c *core.Core) error {
		p := c.NewUDP(func(c *core.Core, d *core.UDPDatagram) { got.put(udpResult{data: append([]byte(nil), d.Payload...)}) }, nil, nil)
		_, err := c.UDPBind(p, netip.MustParseAddrPort("127.0.0.1:5353"))
		return err
	})
	lo := netip.MustParseAddrPort("127.0.0.1:5353")
	fromLo := wire.IPv4Header{ID: 3, TTL: 64, Protocol: wire.ProtoICMP, Src: addr("127.0.0.1"), Dst: ipUs}
	w.inject(
		peerFrame(ipPacket(fromPeer(lo.Addr(), wire.ProtoUDP, 1), udpSegment(peerPort, lo, []byte("secret?")))),
		peerFrame(echoFromPeer(addr("127.0.0.1"), 1, nil)),
		peerFrame(ipPacket(fromLo, echoMsg(wire.ICMPEchoRequest, 1, 2, nil))),
	)
	w.expectSent("packets to and from 127.0.0.1 off the wire")
	if n := w.netifCounter("drops:ip-malformed"); n != 3 {
		t.Errorf("got drops:ip-malformed %d, want 3 (martians)", n)
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.q) != 0 {
		t.Errorf("got %q delivered to 127.0.0.1:5353 from the wire, want nothing", got.q[0].data)
	}
}

// A router does not forward directed broadcasts (RFC 2644): they would
// make it an amplifier.
func TestDirectedBroadcastIsNotForwarded(t *testing.T) {
	w := newWireTest(t)
	eth1 := mem.NewChannel("s:eth1", 16)
	w.addNetif(w.s, "eth1", mac(10), "10.1.0.1/24", 0, eth1.Endpoint())
	w.call(w.s, func(c *core.Core) error { c.SetForwarding(true); return nil })
	w.settle()
	eth1.Drain()
	w.inject(peerFrame(ipPacket(fromPeer(addr("10.1.0.255"), wire.ProtoUDP, 1),
		udpSegment(peerPort, netip.MustParseAddrPort("10.1.0.255:9"), []byte("smurf")))))
	if f, ok := eth1.TryRead(); ok {
		t.Errorf("got %s forwarded to eth1, want the directed broadcast dropped", wire.Summarize(f))
	}
	if n := w.netifCounter("drops:not-forwarding"); n != 1 {
		t.Errorf("got drops:not-forwarding %d, want 1", n)
	}
}

// A packet from the wire claiming one of our addresses as its source is a
// martian (RFC 1812 section 5.3.7): taken in, a UDP echo service answering
// it would talk to itself over loopback for ever.
func TestOwnSourceAddressFromTheWireIsDropped(t *testing.T) {
	w := newWireTest(t)
	udpEcho(w.env, w.s, 7)
	self := netip.AddrPortFrom(ipUs, 7)
	spoofed := wire.IPv4Header{ID: 1, TTL: 64, Protocol: wire.ProtoUDP, Src: ipUs, Dst: ipUs}
	w.inject(peerFrame(ipPacket(spoofed, udpSegment(self, self, []byte("loop")))))
	w.settle()
	w.settle()
	if n := w.counter(w.s, "udp-in"); n != 0 {
		t.Errorf("got udp-in %d after a datagram from our own address off the wire, want 0", n)
	}
	if n := w.netifCounter("drops:ip-malformed"); n != 1 {
		t.Errorf("got drops:ip-malformed %d, want 1 (a martian)", n)
	}
}
