package wire

import (
	"net/netip"
	"strings"
	"testing"
)

func TestSummarizeCapturedUsesHeaderLengths(t *testing.T) {
	src := netip.MustParseAddrPort("10.0.0.1:5000")
	dst := netip.MustParseAddrPort("10.0.0.2:7")
	frame := make([]byte, EthernetHeaderLen+IPv4MinHeaderLen+UDPHeaderLen+1400)
	EncodeEthernet(frame, MAC{2}, MAC{1}, EtherTypeIPv4)
	h := IPv4Header{TotalLen: IPv4MinHeaderLen + UDPHeaderLen + 1400, TTL: 64, Protocol: ProtoUDP, Src: src.Addr(), Dst: dst.Addr()}
	h.Marshal(frame[EthernetHeaderLen:])
	EncodeUDP(frame[EthernetHeaderLen+IPv4MinHeaderLen:], src, dst, 1400)
	snap := frame[:128]
	if got, want := SummarizeCaptured(snap, len(frame)), "IPv4 10.0.0.1:5000 > 10.0.0.2:7 UDP len 1400"; got != want {
		t.Errorf("got SummarizeCaptured(128 of %d bytes) = %q, want %q", len(frame), got, want)
	}
	if got := Summarize(snap); !strings.Contains(got, "bad total length") {
		t.Errorf("got Summarize(truncated) = %q, want it to report the truncation", got)
	}

	frame = frame[:EthernetHeaderLen+IPv4MinHeaderLen+ICMPHeaderLen+1000]
	h = IPv4Header{TotalLen: IPv4MinHeaderLen + ICMPHeaderLen + 1000, TTL: 64, Protocol: ProtoICMP, Src: src.Addr(), Dst: dst.Addr()}
	h.Marshal(frame[EthernetHeaderLen:])
	EncodeICMPEcho(frame[EthernetHeaderLen+IPv4MinHeaderLen:], ICMPEchoRequest, 1, 2, make([]byte, 1000))
	if got, want := SummarizeCaptured(frame[:128], len(frame)), "IPv4 10.0.0.1 > 10.0.0.2 ICMP echo request id 1 seq 2 len 1008"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
