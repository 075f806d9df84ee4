package core_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
)

var writeSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzNetifInput from the seed builders")

// maxFuzzFrames bounds the frames one fuzz input carries.
const maxFuzzFrames = 16

// onEth1 marks, in the length word of a fuzz input, a frame for eth1.
const onEth1 = 0x8000

// fuzzFrame is one frame of a fuzz input and the netif it goes to.
type fuzzFrame struct {
	eth1  bool
	frame []byte
}

// splitFrames cuts a fuzz input into frames: each a 2-byte big-endian
// word, its top bit set for eth1 and the rest a length, then that many
// bytes (or what is left).
func splitFrames(data []byte) []fuzzFrame {
	var out []fuzzFrame
	for len(data) >= 2 && len(out) < maxFuzzFrames {
		w := binary.BigEndian.Uint16(data)
		n := min(int(w&^onEth1), len(data)-2)
		out = append(out, fuzzFrame{w&onEth1 != 0, data[2 : 2+n]})
		data = data[2+n:]
	}
	return out
}

// joinFrames is the inverse of splitFrames, for frames to eth0.
func joinFrames(frames ...[]byte) []byte {
	var out []byte
	for _, f := range frames {
		out = binary.BigEndian.AppendUint16(out, uint16(len(f)))
		out = append(out, f...)
	}
	return out
}

// toEth1 marks the frames of a fuzz input made by joinFrames for eth1.
func toEth1(data []byte) []byte {
	out := append([]byte(nil), data...)
	for i := 0; i+2 <= len(out); {
		n := int(binary.BigEndian.Uint16(out[i:]))
		out[i] |= onEth1 >> 8
		i += 2 + n
	}
	return out
}

// FuzzNetifInput feeds arbitrary frames to a stack's whole input path: a
// router (forwarding on) with eth0 10.0.0.1/24 and eth1 10.1.0.1/24 (MTU
// 576) on Channels, a default route, a UDP echo PCB on port 7 and packet
// events on. Then 16 s pass on the virtual clock (reassembly and ARP
// timers fire), and the stack must still answer a ping. A panic anywhere on
// the tcpip goroutine crashes the test binary, which the fuzzer reports.
func FuzzNetifInput(f *testing.F) {
	if *writeSeeds {
		writeFuzzSeeds(f)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, s, eth0, eth1 := fuzzStack(t, data)
		e.call(s, func(c *core.Core) error { return nil })
		e.sleep(16 * time.Second)
		s.Snapshot()
		eth0.Drain()
		eth1.Drain()

		ping := peerFrame(ipPacket(fromPeer(ipUs, wire.ProtoICMP, 0x4242), echoMsg(wire.ICMPEchoRequest, 0xbeef, 0xcafe, []byte("still there?"))))
		eth0.Inject(ping)
		e.call(s, func(c *core.Core) error { return nil })
		for {
			fr, ok := eth0.TryRead()
			if !ok {
				t.Fatalf("got no echo reply after the frames %x", data)
			}
			_, msgs := icmpSent([][]byte{fr})
			if len(msgs) == 1 && msgs[0].Type() == wire.ICMPEchoReply && msgs[0].ID() == 0xbeef && msgs[0].Seq() == 0xcafe {
				return
			}
		}
	})
}

// fuzzStack starts the stack FuzzNetifInput feeds and injects the frames
// of data.
func fuzzStack(t *testing.T, data []byte) (*env, *core.Stack, *mem.Channel, *mem.Channel) {
	// A stack that loops for ever (say, answering itself) never lets the
	// virtual clock reach the test's deadline: the watchdog turns that
	// hang into a crash the fuzzer keeps the input of.
	clk := clock.NewVirtual(clock.VirtualOptions{Watchdog: 10 * time.Second, OnStuck: func(err error) {
		panic(fmt.Sprintf("fuzz input %x: %v", data, err))
	}})
	t.Cleanup(clk.Stop)
	e := newEnv(t, clk)
	s := core.New(core.Config{Name: "fuzz", Clock: clk, PacketEvents: true, EventRing: 16})
	s.Start()
	t.Cleanup(s.Stop)
	e.actorDone()
	eth0, eth1 := mem.NewChannel("fuzz:eth0", 1024), mem.NewChannel("fuzz:eth1", 1024)
	e.addNetif(s, "eth0", macUs, "10.0.0.1/24", 0, eth0.Endpoint())
	e.addNetif(s, "eth1", mac(10), "10.1.0.1/24", 576, eth1.Endpoint())
	e.call(s, func(c *core.Core) error {
		c.SetForwarding(true)
		if err := c.AddRoute(core.Route{To: pfx("0.0.0.0/0"), Via: addr("10.0.0.254")}); err != nil {
			return err
		}
		var p *core.UDPPCB
		p = c.NewUDP(func(c *core.Core, d *core.UDPDatagram) { c.UDPSend(p, d.Payload, d.Src) }, nil, nil)
		if _, err := c.UDPBind(p, netip.MustParseAddrPort("0.0.0.0:7")); err != nil {
			return err
		}
		// The pinger's entry is static: no fuzz frame can move it.
		return c.AddStaticARP(c.NetifByName("eth0"), ipPeer, macPeer)
	})
	for _, fr := range splitFrames(data) {
		if fr.eth1 {
			eth1.Inject(fr.frame)
		} else {
			eth0.Inject(fr.frame)
		}
	}
	return e, s, eth0, eth1
}

// fuzzSeeds are the seed inputs: valid ARP, ICMP, UDP and fragment frames,
// frames to forward, and broken ones.
func fuzzSeeds() map[string][]byte {
	toUs := netip.AddrPortFrom(ipUs, 7)
	udp := func(dst netip.AddrPort, data []byte) []byte {
		return ipPacket(fromPeer(dst.Addr(), wire.ProtoUDP, 1), udpSegment(peerPort, dst, data))
	}
	bcast := func(ip []byte) []byte { return ether(wire.BroadcastMAC, macPeer, wire.EtherTypeIPv4, ip) }
	seg := udpSegment(peerPort, toUs, payload(40, 'f'))
	frags := fragments(77, seg, 24)
	whole := fragments(78, seg, 16)
	forged := fragments(78, append(append([]byte(nil), seg[:8]...), payload(40, 'x')...), 8)[1]
	overlap := [][]byte{whole[0], forged, whole[1]}
	ttl1 := fromPeer(addr("10.1.0.2"), wire.ProtoICMP, 3)
	ttl1.TTL = 1
	df := fromPeer(addr("10.1.0.9"), wire.ProtoUDP, 4)
	df.Flags = wire.IPv4FlagDF
	rr := fromPeer(ipUs, wire.ProtoICMP, 5)
	rr.Options = unhex("01 07 07 04 00000000")
	lsrr := fromPeer(ipUs, wire.ProtoICMP, 6)
	lsrr.Options = unhex("01 83 07 04 0a000063")
	var icmpErr [128]byte
	n := wire.EncodeICMPError(icmpErr[:], wire.ICMPDestUnreachable, wire.ICMPPortUnreachable, 0,
		ipPacket(wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: ipUs, Dst: ipPeer},
			udpSegment(netip.AddrPortFrom(ipUs, 7), peerPort, []byte("x"))))
	badSum := peerFrame(echoFromPeer(ipUs, 1, nil))
	badSum[wire.EthernetHeaderLen+10] ^= 0xff
	echo := peerFrame(echoFromPeer(ipUs, 1, nil))
	fromEth1 := wire.IPv4Header{ID: 9, TTL: 64, Protocol: wire.ProtoUDP, Src: addr("10.1.0.2"), Dst: ipPeer}
	fromEth1Seg := udpSegment(netip.AddrPortFrom(addr("10.1.0.2"), 4000), netip.AddrPortFrom(ipPeer, 7), []byte("back"))
	return map[string][]byte{
		"arp_request":        joinFrames(fixtureARPRequestForUs),
		"arp_reply":          joinFrames(arpFrame(macUs, wire.ARPReply, macOther, ipOther, macUs, ipUs)),
		"arp_gratuitous":     joinFrames(arpFrame(wire.BroadcastMAC, wire.ARPRequest, macOther, ipOther, wire.MAC{}, ipOther)),
		"arp_conflict":       joinFrames(arpFrame(wire.BroadcastMAC, wire.ARPReply, macOther, ipUs, wire.BroadcastMAC, ipUs)),
		"arp_probe":          joinFrames(arpFrame(wire.BroadcastMAC, wire.ARPRequest, macOther, netip.IPv4Unspecified(), wire.MAC{}, ipUs)),
		"icmp_echo":          joinFrames(echo),
		"icmp_echo_padded":   joinFrames(fixtureEchoRequestPadded),
		"icmp_echo_bcast":    joinFrames(bcast(echoFromPeer(addr("10.0.0.255"), 1, nil))),
		"icmp_error":         joinFrames(peerFrame(ipPacket(fromPeer(ipUs, wire.ProtoICMP, 2), icmpErr[:n]))),
		"udp_echo":           joinFrames(peerFrame(udp(toUs, []byte("hello")))),
		"udp_no_port":        joinFrames(peerFrame(udp(netip.AddrPortFrom(ipUs, 9), []byte("x")))),
		"udp_own_source":     joinFrames(peerFrame(ipPacket(wire.IPv4Header{TTL: 64, Protocol: wire.ProtoUDP, Src: ipUs, Dst: ipUs}, udpSegment(toUs, toUs, []byte("loop"))))),
		"udp_broadcast":      joinFrames(bcast(udp(netip.AddrPortFrom(addr("255.255.255.255"), 7), []byte("b")))),
		"fragments":          joinFrames(frags...),
		"fragments_reversed": joinFrames(frags[1], frags[0]),
		"fragment_first":     joinFrames(frags[0]),
		"fragment_overlap":   joinFrames(overlap...),
		"forward":            joinFrames(peerFrame(udp(netip.AddrPortFrom(addr("10.1.0.2"), 7), []byte("through")))),
		"forward_fragment":   joinFrames(peerFrame(udp(netip.AddrPortFrom(addr("10.1.0.9"), 7), payload(1000, 0)))),
		"forward_df":         joinFrames(peerFrame(ipPacket(df, udpSegment(peerPort, netip.AddrPortFrom(addr("10.1.0.9"), 7), payload(1000, 0))))),
		"forward_ttl1":       joinFrames(peerFrame(ipPacket(ttl1, echoMsg(wire.ICMPEchoRequest, 1, 1, nil)))),
		"forward_from_eth1":  toEth1(joinFrames(ether(mac(10), mac(11), wire.EtherTypeIPv4, ipPacket(fromEth1, fromEth1Seg)))),
		"forward_default":    joinFrames(peerFrame(udp(netip.AddrPortFrom(addr("192.0.2.1"), 7), []byte("away")))),
		"options_rr":         joinFrames(peerFrame(ipPacket(rr, echoMsg(wire.ICMPEchoRequest, 1, 1, nil)))),
		"options_lsrr":       joinFrames(peerFrame(ipPacket(lsrr, echoMsg(wire.ICMPEchoRequest, 1, 1, nil)))),
		"bad_checksum":       joinFrames(badSum),
		"truncated_ip":       joinFrames(echo[:wire.EthernetHeaderLen+12]),
		"total_len_too_long": joinFrames(append(append([]byte(nil), echo[:wire.EthernetHeaderLen+2]...), append([]byte{0xff, 0xff}, echo[wire.EthernetHeaderLen+4:]...)...)),
		"ipv6":               joinFrames(pad(ether(macUs, macPeer, wire.EtherTypeIPv6, make([]byte, 40)))),
		"vlan":               joinFrames(ether(wire.BroadcastMAC, macPeer, wire.EtherTypeVLAN, append([]byte{0, 5, 0x08, 0x06}, fixtureARPRequestForUs[14:]...))),
		"not_for_us":         joinFrames(ether(macOther, macPeer, wire.EtherTypeIPv4, echoFromPeer(ipUs, 1, nil))),
		"runt":               joinFrames([]byte{1, 2, 3, 4, 5}),
		"empty":              joinFrames([]byte{}),
		"mixed":              joinFrames(fixtureARPRequestForUs, frags[0], echo, badSum, frags[1]),
	}
}

// writeFuzzSeeds writes the seeds in the corpus format of go test.
func writeFuzzSeeds(f *testing.F) {
	dir := filepath.Join("testdata", "fuzz", "FuzzNetifInput")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	for name, data := range fuzzSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			f.Fatal(err)
		}
	}
}

func TestSplitFrames(t *testing.T) {
	data := append(joinFrames([]byte{1, 2, 3}, []byte{}), toEth1(joinFrames([]byte{4}))...)
	want := []fuzzFrame{{false, []byte{1, 2, 3}}, {false, []byte{}}, {true, []byte{4}}}
	if got := splitFrames(data); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got splitFrames(%x) = %v, want %v", data, got, want)
	}
	if got := splitFrames([]byte{0x80, 9, 1, 2}); len(got) != 1 || !got[0].eth1 || len(got[0].frame) != 2 {
		t.Errorf("got splitFrames(short) = %v, want one frame for eth1 of the 2 bytes left", got)
	}
}

// Each seed reaches the path it is named after.
func TestFuzzSeedsReachTheirPaths(t *testing.T) {
	seeds := fuzzSeeds()
	for name, counter := range map[string]string{
		"arp_request":       "arp-replies-out",
		"arp_conflict":      "arp-conflicts",
		"icmp_echo":         "icmp-echo-replies-out",
		"icmp_echo_padded":  "icmp-echo-replies-out",
		"icmp_echo_bcast":   "icmp-echo-in",
		"icmp_error":        "icmp-errors-in",
		"udp_echo":          "udp-out",
		"udp_no_port":       "udp-no-port",
		"udp_broadcast":     "udp-out",
		"fragments":         "ip-reassembled",
		"fragment_overlap":  "ip-reassembly-failed",
		"forward":           "ip-forwarded",
		"forward_fragment":  "ip-fragmented",
		"forward_df":        "ip-frag-needed",
		"forward_ttl1":      "ip-ttl-exceeded",
		"forward_default":   "ip-forwarded",
		"forward_from_eth1": "ip-forwarded",
		"options_rr":        "icmp-echo-replies-out",
		"options_lsrr":      "ip-bad-options",
		"bad_checksum":      "ip-bad-header",
		"truncated_ip":      "ip-bad-header",
	} {
		t.Run(name, func(t *testing.T) {
			e, s, _, _ := fuzzStack(t, seeds[name])
			e.call(s, func(c *core.Core) error { return nil })
			if n := e.counter(s, counter); n == 0 {
				t.Errorf("got %s 0 after seed %s, want it counted", counter, name)
			}
		})
	}
}
