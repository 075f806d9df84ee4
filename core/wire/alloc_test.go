//go:build !race

package wire

import (
	"net/netip"
	"testing"
)

// Allocation tests: the fast path allocates nothing. Under -race sync.Pool
// and the race runtime change allocation counts, so CI runs these in a
// second pass without -race.

var (
	sinkErr   error
	sinkMAC   MAC
	sinkAddr  netip.Addr
	sinkU16   uint16
	sinkU32   uint32
	sinkInt   int
	sinkBool  bool
	sinkBytes []byte
)

func assertNoAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(200, f); n != 0 {
		t.Errorf("got %s allocations per run = %v, want 0", name, n)
	}
}

func TestAllocsEthernet(t *testing.T) {
	frame := fixtureEchoRequest
	out := make([]byte, EthernetHeaderLen)
	assertNoAllocs(t, "Ethernet", func() {
		e := Ethernet(frame)
		sinkErr = e.Validate()
		sinkMAC = e.Dst()
		sinkMAC = e.Src()
		sinkU16 = e.EtherType()
		sinkBytes = e.Payload()
		EncodeEthernet(out, macA, macB, EtherTypeIPv4)
		Ethernet(out).SetDst(macB)
	})
}

func TestAllocsARP(t *testing.T) {
	p := fixtureARPRequest[EthernetHeaderLen:]
	out := make([]byte, ARPLen)
	assertNoAllocs(t, "ARP", func() {
		a := ARP(p)
		sinkErr = a.Validate()
		sinkU16 = a.Op()
		sinkMAC = a.SenderMAC()
		sinkAddr = a.SenderIP()
		sinkMAC = a.TargetMAC()
		sinkAddr = a.TargetIP()
		sinkBool = a.IsProbe() || a.IsAnnouncement()
		EncodeARP(out, ARPReply, macA, ipA, macB, ipB)
	})
}

func TestAllocsIPv4(t *testing.T) {
	p := append([]byte(nil), fixtureOptions...)
	h := IPv4Header{TotalLen: 42, ID: 1, Flags: IPv4FlagDF, TTL: 64, Protocol: ProtoUDP, Src: ipA, Dst: ipB,
		Options: IPv4(fixtureOptions).Options()}
	out := make([]byte, IPv4MaxHeaderLen)
	assertNoAllocs(t, "IPv4", func() {
		ip := IPv4(p)
		sinkErr = ip.Validate()
		sinkInt = ip.HeaderLen() + ip.TotalLen() + ip.FragOffset()
		sinkU16 = ip.ID() + ip.Checksum() + ip.Flags()
		sinkBool = ip.DF() || ip.MF() || ip.IsFragment()
		sinkU16 = uint16(ip.TOS()) + uint16(ip.TTL()) + uint16(ip.Protocol())
		sinkAddr = ip.Src()
		sinkAddr = ip.Dst()
		sinkBytes = ip.Payload()
		opts := IPv4Options(ip.Options())
		sinkErr = opts.Validate()
		sinkBool = opts.Has(IPv4OptRR)
		sinkBytes = opts.Find(IPv4OptRouterAlert)
		sinkInt = opts.CopiedLen() + opts.WriteCopied(out)
		ip.SetTTL(ip.TTL() - 1)
		ip.SetTTL(ip.TTL() + 1)
		hh, err := ParseIPv4Header(p)
		sinkErr = err
		sinkInt = hh.Len()
		h.Marshal(out)
	})
}

func TestAllocsICMP(t *testing.T) {
	echo := IPv4(fixtureEchoRequest[EthernetHeaderLen:]).Payload()
	unreach := fixturePortUnreachable[EthernetHeaderLen+20:]
	original := fixtureUDP[EthernetHeaderLen : EthernetHeaderLen+33]
	out := make([]byte, 128)
	data := []byte("netlab!\n")
	assertNoAllocs(t, "ICMP", func() {
		m := ICMP(echo)
		sinkErr = m.Validate()
		sinkU16 = uint16(m.Type()) + uint16(m.Code()) + m.Checksum() + m.ID() + m.Seq()
		sinkBytes = m.Payload()
		e := ICMP(unreach)
		sinkErr = e.Validate()
		sinkU16 = e.NextHopMTU() + uint16(e.Pointer())
		sinkAddr = e.Gateway()
		q, err := ICMPQuote(e)
		sinkErr = err
		sinkAddr = q.Src()
		sinkBytes = q.Payload()
		sinkInt = EncodeICMPEcho(out, ICMPEchoReply, 1, 1, data)
		sinkInt = EncodeICMPError(out, ICMPDestUnreachable, ICMPPortUnreachable, 0, original)
		sinkInt = EncodeICMPParamProblem(out, 20, original)
		sinkBool = ICMPErrorAllowed(IPv4(original))
	})
}

func TestAllocsUDP(t *testing.T) {
	p := IPv4(fixtureUDP[EthernetHeaderLen:]).Payload()
	out := make([]byte, 13)
	copy(out[UDPHeaderLen:], "hello")
	src, dst := netip.AddrPortFrom(ipA, 5000), netip.AddrPortFrom(ipB, 7)
	assertNoAllocs(t, "UDP", func() {
		u := UDP(p)
		sinkErr = u.Validate(ipA, ipB)
		sinkU16 = u.SrcPort() + u.DstPort() + u.Checksum()
		sinkInt = u.Length()
		sinkBytes = u.Payload()
		EncodeUDP(out, src, dst, 5)
	})
}

func TestAllocsChecksum(t *testing.T) {
	buf := make([]byte, 1500)
	assertNoAllocs(t, "Checksum", func() {
		sinkU32 = Sum(buf, PseudoHeaderSum(ipA, ipB, ProtoUDP, len(buf)))
		sinkU16 = Checksum(buf, sinkU32) + Fold(sinkU32) + UpdateChecksum(1, 2, 3)
	})
}

func TestAllocsErrors(t *testing.T) {
	// Failing validation allocates nothing either.
	short := make([]byte, 5)
	assertNoAllocs(t, "errors", func() {
		sinkErr = Ethernet(short).Validate()
		sinkErr = ARP(short).Validate()
		sinkErr = IPv4(short).Validate()
		sinkErr = ICMP(short).Validate()
		sinkErr = UDP(short).Validate(ipA, ipB)
		_, sinkErr = ParseIPv4Header(short)
		sinkErr = IPv4Options{7, 1}.Validate()
	})
}
