package core_test

import (
	"net/netip"
	"testing"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
)

// TestBadChecksumsDropped: a UDP datagram and an ICMP echo request whose
// checksums are wrong are dropped and counted (udp-bad, icmp-bad): the
// bound socket hears nothing and no reply goes out; the same messages
// with good checksums get through.
func TestBadChecksumsDropped(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	got := newMailbox[string](r.env)
	r.call(r.s, func(c *core.Core) error {
		p := c.NewUDP(func(c *core.Core, d *core.UDPDatagram) { got.put(string(d.Payload)) }, nil, nil)
		_, err := c.UDPBind(p, netip.MustParseAddrPort("0.0.0.0:7"))
		return err
	})
	udp := func(bad bool) []byte {
		b := make([]byte, wire.UDPHeaderLen+5)
		copy(b[wire.UDPHeaderLen:], "hello")
		wire.EncodeUDP(b, netip.MustParseAddrPort("10.0.0.1:5000"), netip.MustParseAddrPort("10.0.0.2:7"), 5)
		if bad {
			b[6] ^= 0x01
		}
		return b
	}
	echo := func(bad bool) []byte {
		b := make([]byte, wire.ICMPHeaderLen+4)
		n := wire.EncodeICMPEcho(b, wire.ICMPEchoRequest, 1, 1, []byte("ping"))
		if bad {
			b[2] ^= 0x80
		}
		return b[:n]
	}
	r.ip(wire.ProtoUDP, addr("10.0.0.1"), udp(true))
	r.ip(wire.ProtoICMP, addr("10.0.0.1"), echo(true))
	r.sync()
	if n := r.ch.Drain(); n != 0 {
		t.Fatalf("got %d frames sent for bad checksums, want none", n)
	}
	if u, i := r.counter(r.s, "udp-bad"), r.counter(r.s, "icmp-bad"); u != 1 || i != 1 {
		t.Fatalf("got udp-bad %d, icmp-bad %d, want 1 each", u, i)
	}
	got.mu.Lock()
	if len(got.q) != 0 {
		t.Errorf("got %q delivered from a datagram with a bad checksum", got.q)
	}
	got.mu.Unlock()
	// The good ones pass.
	r.ip(wire.ProtoUDP, addr("10.0.0.1"), udp(false))
	r.ip(wire.ProtoICMP, addr("10.0.0.1"), echo(false))
	r.sync()
	if n := r.ch.Drain(); n != 1 {
		t.Errorf("got %d frames for a good echo request, want the reply", n)
	}
	if d := got.get(r.env, 0); d != "hello" {
		t.Errorf("got %q, want %q", d, "hello")
	}
}
