package dhcp

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/netlab/netlab/core/wire"
)

// clientMsg builds a client's message of type typ from mac.
func clientMsg(typ dhcpv4.MessageType, mac wire.MAC, mods ...func(p *dhcpv4.DHCPv4)) []byte {
	p := newPacket(dhcpv4.OpcodeBootRequest, typ, 7, mac)
	for _, m := range mods {
		m(p)
	}
	return p.ToBytes()
}

func requested(a string) func(p *dhcpv4.DHCPv4) {
	return func(p *dhcpv4.DHCPv4) {
		p.UpdateOption(dhcpv4.OptRequestedIPAddress(net.ParseIP(a)))
	}
}

func serverID(p *dhcpv4.DHCPv4) { p.UpdateOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 0, 0, 1))) }

// sent decodes the server's one queued reply.
func sent(t *testing.T, s *Server) (*message, effect) {
	t.Helper()
	out := s.takeEffects()
	if len(out) != 1 {
		t.Fatalf("got %d replies, want 1", len(out))
	}
	m, err := decode(out[0].payload)
	if err != nil {
		t.Fatalf("reply does not decode: %v", err)
	}
	return m, out[0]
}

func TestServerTable(t *testing.T) {
	a, b, r := wire.MAC{2, 0, 0, 0, 0, 0xa}, wire.MAC{2, 0, 0, 0, 0, 0xb}, wire.MAC{2, 0, 0, 0, 0, 0xc}
	s, err := newServer(ServerConfig{
		PoolStart: netip.MustParseAddr("10.0.0.10"), PoolEnd: netip.MustParseAddr("10.0.0.11"),
		LeaseTime: time.Minute, OfferHold: 5 * time.Second, Quarantine: time.Hour,
		Reservations: []Reservation{{MAC: r, Address: netip.MustParseAddr("10.0.0.50")}},
	}, netip.MustParsePrefix("10.0.0.1/24"))
	if err != nil {
		t.Fatal(err)
	}
	// A reservation is offered and acknowledged to its MAC only.
	s.handle(0, clientMsg(dhcpv4.MessageTypeDiscover, r))
	if m, _ := sent(t, s); m.typ != dhcpv4.MessageTypeOffer || m.yiaddr != netip.MustParseAddr("10.0.0.50") || m.maskBits != 24 || m.lease != time.Minute {
		t.Fatalf("got %v of %v /%d for %v, want an OFFER of 10.0.0.50/24 for a minute", m.typ, m.yiaddr, m.maskBits, m.lease)
	}
	s.handle(0, clientMsg(dhcpv4.MessageTypeRequest, a, serverID, requested("10.0.0.50")))
	if m, _ := sent(t, s); m.typ != dhcpv4.MessageTypeNak {
		t.Fatalf("got %v for another MAC's reservation, want NAK", m.typ)
	}
	// The pool: a gets .10, held 5s; b gets .11.
	s.handle(0, clientMsg(dhcpv4.MessageTypeDiscover, a))
	if m, _ := sent(t, s); m.yiaddr != netip.MustParseAddr("10.0.0.10") {
		t.Fatalf("a offered %v, want 10.0.0.10", m.yiaddr)
	}
	s.handle(0, clientMsg(dhcpv4.MessageTypeDiscover, b))
	if m, _ := sent(t, s); m.yiaddr != netip.MustParseAddr("10.0.0.11") {
		t.Fatalf("b offered %v, want 10.0.0.11", m.yiaddr)
	}
	// Exhausted while both are held; a's offer ends after 5s, and the
	// address is reclaimed for a third MAC.
	c := wire.MAC{2, 0, 0, 0, 0, 0xd}
	s.handle(time.Second, clientMsg(dhcpv4.MessageTypeDiscover, c))
	if out := s.takeEffects(); len(out) != 0 || s.stats.exhausted != 1 {
		t.Fatalf("got %d replies with the pool held, want none and exhausted counted", len(out))
	}
	if at := s.nextExpiry(); at != 5*time.Second {
		t.Fatalf("got next expiry %v, want 5s", at)
	}
	s.reclaim(5 * time.Second)
	if len(s.byAddr) != 0 {
		t.Fatalf("got %d rows after the offers ended, want 0", len(s.byAddr))
	}
	// b takes .11 by REQUEST (SELECTING), then declines it: quarantined.
	s.handle(6*time.Second, clientMsg(dhcpv4.MessageTypeRequest, b, serverID, requested("10.0.0.11")))
	if m, e := sent(t, s); m.typ != dhcpv4.MessageTypeAck || e.dst != broadcast {
		t.Fatalf("got %v to %v, want an ACK broadcast", m.typ, e.dst)
	}
	s.handle(7*time.Second, clientMsg(dhcpv4.MessageTypeDecline, b, serverID, requested("10.0.0.11")))
	if l := s.byAddr[netip.MustParseAddr("10.0.0.11")]; l == nil || l.state != leaseDeclined || l.expires != 7*time.Second+time.Hour {
		t.Fatalf("got row %+v, want .11 declined for an hour", l)
	}
	s.handle(8*time.Second, clientMsg(dhcpv4.MessageTypeDiscover, b))
	if m, _ := sent(t, s); m.yiaddr != netip.MustParseAddr("10.0.0.10") {
		t.Fatalf("b offered %v after declining .11, want .10", m.yiaddr)
	}
	// A relayed renewal (giaddr) is answered to the relay's server port.
	s.handle(9*time.Second, clientMsg(dhcpv4.MessageTypeRequest, b, func(p *dhcpv4.DHCPv4) {
		p.ClientIPAddr = net.IPv4(10, 0, 0, 10)
		p.GatewayIPAddr = net.IPv4(10, 0, 0, 254)
	}))
	if m, e := sent(t, s); m.typ != dhcpv4.MessageTypeAck || e.dst != netip.MustParseAddr("10.0.0.254") || !e.addr.IsValid() || m.giaddr != e.dst {
		t.Fatalf("got %v to %v (relay %v), want an ACK to the relay", m.typ, e.dst, e.addr)
	}
	// RELEASE frees; the MAC gets the same address again.
	s.handle(10*time.Second, clientMsg(dhcpv4.MessageTypeRelease, b, serverID, func(p *dhcpv4.DHCPv4) { p.ClientIPAddr = net.IPv4(10, 0, 0, 10) }))
	if _, ok := s.byAddr[netip.MustParseAddr("10.0.0.10")]; ok {
		t.Fatalf("10.0.0.10 still leased after RELEASE")
	}
	s.handle(11*time.Second, clientMsg(dhcpv4.MessageTypeDiscover, b))
	if m, _ := sent(t, s); m.yiaddr != netip.MustParseAddr("10.0.0.10") {
		t.Fatalf("b offered %v after release, want 10.0.0.10 again", m.yiaddr)
	}
	// Bound leases expire and are reclaimed.
	s.handle(12*time.Second, clientMsg(dhcpv4.MessageTypeRequest, b, serverID, requested("10.0.0.10")))
	sent(t, s)
	s.reclaim(12*time.Second + time.Minute)
	if _, ok := s.byAddr[netip.MustParseAddr("10.0.0.10")]; ok {
		t.Fatalf("10.0.0.10 still leased after its end")
	}
	// INFORM: an ACK with options, no address, no lease time, to ciaddr.
	s.handle(time.Hour, clientMsg(dhcpv4.MessageTypeInform, c, func(p *dhcpv4.DHCPv4) { p.ClientIPAddr = net.IPv4(10, 0, 0, 77) }))
	if m, e := sent(t, s); m.typ != dhcpv4.MessageTypeAck || m.yiaddr != netip.IPv4Unspecified() || m.lease != 0 || e.dst != netip.MustParseAddr("10.0.0.77") {
		t.Fatalf("got %v of %v lease %v to %v, want an ACK without a lease to 10.0.0.77", m.typ, m.yiaddr, m.lease, e.dst)
	}
	// Malformed and replies (op 2) are counted, never answered.
	s.handle(time.Hour, []byte{1, 2, 3})
	s.handle(time.Hour, serverReplyFor(c))
	if out := s.takeEffects(); len(out) != 0 || s.stats.malformed != 1 || s.stats.ignored != 1 {
		t.Fatalf("got %d replies, malformed %d ignored %d, want 0, 1, 1", len(out), s.stats.malformed, s.stats.ignored)
	}
	snap := s.snapshot()
	if snap.PoolStart != netip.MustParseAddr("10.0.0.10") || len(snap.Leases) != 1 || snap.Leases[0].State != "declined" {
		t.Errorf("got snapshot %+v, want one declined row", snap)
	}
}

func serverReplyFor(mac wire.MAC) []byte {
	p := newPacket(dhcpv4.OpcodeBootReply, dhcpv4.MessageTypeOffer, 7, mac)
	return p.ToBytes()
}

func TestServerConfigChecked(t *testing.T) {
	self := netip.MustParsePrefix("10.0.0.1/24")
	for _, cfg := range []ServerConfig{
		{},
		{PoolStart: netip.MustParseAddr("10.0.0.20"), PoolEnd: netip.MustParseAddr("10.0.0.10")},
		{PoolStart: netip.MustParseAddr("10.0.0.20"), PoolEnd: netip.MustParseAddr("10.0.1.10")},
		{PoolStart: netip.MustParseAddr("10.0.0.20"), PoolEnd: netip.MustParseAddr("10.0.0.30"), Reservations: []Reservation{{Address: netip.MustParseAddr("10.1.0.1")}}},
	} {
		if _, err := newServer(cfg, self); err == nil {
			t.Errorf("newServer(%+v) succeeded", cfg)
		}
	}
	if _, err := newServer(ServerConfig{PoolStart: netip.MustParseAddr("10.0.0.20"), PoolEnd: netip.MustParseAddr("10.0.0.30")}, netip.Prefix{}); err == nil {
		t.Errorf("newServer without an address succeeded")
	}
}
