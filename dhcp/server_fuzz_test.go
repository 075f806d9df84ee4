package dhcp

import (
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/netlab/netlab/core/wire"
)

var writeSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzDHCPServer from the seed builders")

// maxFuzzMessages bounds the messages one fuzz input carries.
const maxFuzzMessages = 8

// The fuzzed server: 10.0.0.1/24, a pool of .1-.6 that holds the
// server's own address and an in-pool reservation (.5 for fzR1), and a
// reservation outside the pool (.50 for fzR2).
var (
	fzSelf             = netip.MustParsePrefix("10.0.0.1/24")
	fzA, fzB, fzC, fzD = wire.MAC{2, 0, 0, 0, 0xf, 0xa}, wire.MAC{2, 0, 0, 0, 0xf, 0xb}, wire.MAC{2, 0, 0, 0, 0xf, 0xc}, wire.MAC{2, 0, 0, 0, 0xf, 0xd}
	fzE, fzF           = wire.MAC{2, 0, 0, 0, 0xf, 0xe}, wire.MAC{2, 0, 0, 0, 0xf, 0xf}
	fzR1, fzR2         = wire.MAC{2, 0, 0, 0, 0xe, 1}, wire.MAC{2, 0, 0, 0, 0xe, 2}
)

func fuzzServerConfig() ServerConfig {
	return ServerConfig{
		PoolStart: netip.MustParseAddr("10.0.0.1"), PoolEnd: netip.MustParseAddr("10.0.0.6"),
		Router: fzSelf.Addr(), DNS: []netip.Addr{netip.MustParseAddr("10.0.0.53")},
		LeaseTime: time.Minute, T1: 30 * time.Second,
		OfferHold: 5 * time.Second, Quarantine: 20 * time.Second,
		Reservations: []Reservation{
			{MAC: fzR1, Address: netip.MustParseAddr("10.0.0.5")},
			{MAC: fzR2, Address: netip.MustParseAddr("10.0.0.50")},
		},
	}
}

func ciaddr(a string) func(p *dhcpv4.DHCPv4) {
	return func(p *dhcpv4.DHCPv4) { p.ClientIPAddr = net.ParseIP(a).To4() }
}

func giaddr(a string) func(p *dhcpv4.DHCPv4) {
	return func(p *dhcpv4.DHCPv4) { p.GatewayIPAddr = net.ParseIP(a).To4() }
}

func otherServerID(p *dhcpv4.DHCPv4) {
	p.UpdateOption(dhcpv4.OptServerIdentifier(net.IPv4(10, 0, 0, 9)))
}

func bootReply(p *dhcpv4.DHCPv4) { p.OpCode = dhcpv4.OpcodeBootReply }

// busyServer returns the fuzzed server at time 0 with a row of every
// kind: .2 bound to fzA, .3 offered to fzB, .4 declined (by fzC), .50
// bound to fzR2; fzD released .6 (the one pool address left free, fzR1's
// .5 aside).
func busyServer(t testing.TB) *Server {
	t.Helper()
	s, err := newServer(fuzzServerConfig(), fzSelf)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{
		clientMsg(dhcpv4.MessageTypeDiscover, fzA),
		clientMsg(dhcpv4.MessageTypeRequest, fzA, serverID, requested("10.0.0.2")),
		clientMsg(dhcpv4.MessageTypeDiscover, fzB),
		clientMsg(dhcpv4.MessageTypeDiscover, fzC, requested("10.0.0.4")),
		clientMsg(dhcpv4.MessageTypeRequest, fzC, serverID, requested("10.0.0.4")),
		clientMsg(dhcpv4.MessageTypeDecline, fzC, serverID, requested("10.0.0.4")),
		clientMsg(dhcpv4.MessageTypeDiscover, fzR2),
		clientMsg(dhcpv4.MessageTypeRequest, fzR2, serverID, requested("10.0.0.50")),
		clientMsg(dhcpv4.MessageTypeRequest, fzD, requested("10.0.0.6")),
		clientMsg(dhcpv4.MessageTypeRelease, fzD, serverID, ciaddr("10.0.0.6")),
	} {
		s.handle(0, b)
		s.takeEffects()
	}
	want := map[string]leaseState{"10.0.0.2": leaseBound, "10.0.0.3": leaseOffered, "10.0.0.4": leaseDeclined, "10.0.0.50": leaseBound}
	if len(s.byAddr) != len(want) || s.recent[fzD] != netip.MustParseAddr("10.0.0.6") {
		t.Fatalf("busy server: got %d rows (recent %v), want %d and fzD's .6 recent", len(s.byAddr), s.recent, len(want))
	}
	for a, st := range want {
		if l := s.byAddr[netip.MustParseAddr(a)]; l == nil || l.state != st {
			t.Fatalf("busy server: got row %+v for %s, want %v", l, a, st)
		}
	}
	checkTable(t, s)
	return s
}

// fuzzMessage is one message of a fuzz input and the seconds that pass
// before it arrives.
type fuzzMessage struct {
	gap time.Duration
	b   []byte
}

// splitMessages cuts a fuzz input into messages: each a byte of seconds
// to wait, a 2-byte big-endian length, then that many bytes (or what is
// left).
func splitMessages(data []byte) []fuzzMessage {
	var out []fuzzMessage
	for len(data) >= 3 && len(out) < maxFuzzMessages {
		n := min(int(binary.BigEndian.Uint16(data[1:])), len(data)-3)
		out = append(out, fuzzMessage{time.Duration(data[0]) * time.Second, data[3 : 3+n]})
		data = data[3+n:]
	}
	return out
}

// joinMessages is the inverse of splitMessages.
func joinMessages(msgs ...fuzzMessage) []byte {
	var out []byte
	for _, m := range msgs {
		out = append(out, byte(m.gap/time.Second))
		out = binary.BigEndian.AppendUint16(out, uint16(len(m.b)))
		out = append(out, m.b...)
	}
	return out
}

// after is a message arriving secs seconds after the one before.
func after(secs uint8, b []byte) fuzzMessage {
	return fuzzMessage{time.Duration(secs) * time.Second, b}
}

// FuzzDHCPServer feeds arbitrary UDP payloads to port 67 of a busy
// server (busyServer), a short sequence from each input, the way
// serverInput does: Server.handle with the payload, then the reply
// drained; the reclaim timer fires as serverDriver arms it. After every
// message the lease table must be consistent (checkTable), a message
// that does not decode must be counted malformed and change nothing, and
// no message may touch another client's row (serverStep).
func FuzzDHCPServer(f *testing.F) {
	if *writeSeeds {
		writeServerSeeds(f)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := busyServer(t)
		var now time.Duration
		for _, m := range splitMessages(data) {
			now += m.gap
			serverStep(t, s, now, m.b)
		}
	})
}

// tableRows copies the server's rows by address, and its byMAC index.
func tableRows(s *Server) (map[netip.Addr]srvLease, map[wire.MAC]netip.Addr) {
	rows := make(map[netip.Addr]srvLease, len(s.byAddr))
	for a, l := range s.byAddr {
		rows[a] = *l
	}
	macs := make(map[wire.MAC]netip.Addr, len(s.byMAC))
	for m, l := range s.byMAC {
		macs[m] = l.addr
	}
	return rows, macs
}

// checkTable checks the lease table's invariants: the two indexes agree,
// no MAC holds two rows, no row is the server's own address, every row
// is in the pool or a reservation, and a reserved address is only ever
// its MAC's (and a MAC with a reservation holds nothing else).
func checkTable(t testing.TB, s *Server) {
	t.Helper()
	pool := func(a netip.Addr) bool { return !a.Less(s.cfg.PoolStart) && !s.cfg.PoolEnd.Less(a) }
	for a, l := range s.byAddr {
		switch {
		case l.addr != a:
			t.Fatalf("row for %v holds %v", a, l.addr)
		case a == s.self.Addr():
			t.Fatalf("the server's own address %v is in the table: %+v", a, l)
		case !pool(a) && !s.isRes[a]:
			t.Fatalf("row %+v is neither in the pool %v-%v nor a reservation", l, s.cfg.PoolStart, s.cfg.PoolEnd)
		case l.state != leaseOffered && l.state != leaseBound && l.state != leaseDeclined:
			t.Fatalf("row %+v in state %d", l, l.state)
		case l.expires <= l.start:
			t.Fatalf("row %+v ends before it starts", l)
		}
		if l.state == leaseDeclined {
			if l.mac != (wire.MAC{}) {
				t.Fatalf("declined row %+v still has a MAC", l)
			}
			continue
		}
		if s.byMAC[l.mac] != l {
			t.Fatalf("row %+v of %v is not its MAC's row (%+v): the MAC holds two addresses", l, l.mac, s.byMAC[l.mac])
		}
		r, has := s.reserved[l.mac]
		switch {
		case s.isRes[a] && r != a:
			t.Fatalf("reserved %v held by %v", a, l.mac)
		case has && r != a:
			t.Fatalf("%v, reserved %v, holds %v", l.mac, r, a)
		}
	}
	for m, l := range s.byMAC {
		if l.mac != m || s.byAddr[l.addr] != l || l.state == leaseDeclined {
			t.Fatalf("byMAC[%v] = %+v, which the table does not hold for it", m, l)
		}
	}
	snap := s.snapshot()
	if len(snap.Leases) != len(s.byAddr) {
		t.Fatalf("snapshot has %d leases, the table %d rows", len(snap.Leases), len(s.byAddr))
	}
	seen := make(map[wire.MAC]netip.Addr)
	for i, l := range snap.Leases {
		if i > 0 && !snap.Leases[i-1].Address.Addr().Less(l.Address.Addr()) {
			t.Fatalf("snapshot leases out of order or twice: %v then %v", snap.Leases[i-1].Address, l.Address)
		}
		if l.State == "declined" {
			continue
		}
		if a, ok := seen[l.MAC]; ok {
			t.Fatalf("snapshot: %v holds %v and %v", l.MAC, a, l.Address)
		}
		seen[l.MAC] = l.Address.Addr()
	}
}

// handled is the count of messages the server took in: each lands in
// exactly one of these counters.
func (st serverStats) handled() uint64 {
	return st.discovers + st.requests + st.releases + st.declines + st.informs + st.malformed + st.ignored
}

// serverStep lets the time reach now (firing the reclaim timer wherever
// serverDriver would have armed it), hands b to s as serverInput does and
// checks what came of it.
func serverStep(t testing.TB, s *Server, now time.Duration, b []byte) {
	t.Helper()
	for at := s.nextExpiry(); at != 0 && at <= now; at = s.nextExpiry() {
		s.reclaim(at)
	}
	rows, macs := tableRows(s)
	st := s.stats
	s.handle(now, b)
	out := s.takeEffects()
	checkTable(t, s)
	if at := s.nextExpiry(); at != 0 && at <= now {
		t.Fatalf("a row ends at %v, not after now (%v)", at, now)
	}
	d := s.stats
	if d.handled() != st.handled()+1 {
		t.Fatalf("message %x moved the message counters by %d, want 1 (%+v to %+v)", b, d.handled()-st.handled(), st, d)
	}
	if replies := d.offers + d.acks + d.naks + d.informs - st.offers - st.acks - st.naks - st.informs; uint64(len(out)) != replies {
		t.Fatalf("got %d replies, the counters say %d (%+v to %+v)", len(out), replies, st, d)
	}
	got, gotMACs := tableRows(s)
	// unchanged checks that the message changed no row and got the
	// given number of replies.
	unchanged := func(why string, replies int) {
		t.Helper()
		if len(out) != replies || !reflect.DeepEqual(got, rows) || !reflect.DeepEqual(gotMACs, macs) {
			t.Fatalf("%s message %x: got %d replies and rows %+v, want %d and %+v", why, b, len(out), got, replies, rows)
		}
	}
	m, err := decode(b)
	switch {
	case err != nil:
		if d.malformed != st.malformed+1 {
			t.Fatalf("malformed message %x (%v) not counted malformed", b, err)
		}
		unchanged("malformed", 0)
		return
	case m.op != dhcpv4.OpcodeBootRequest:
		if d.ignored != st.ignored+1 {
			t.Fatalf("message with op %v not counted ignored", m.op)
		}
		unchanged("reply", 0)
		return
	}
	// No message touches another client's rows, or makes one for it.
	for a, l := range rows {
		if l.mac != m.chaddr && got[a] != l {
			t.Fatalf("%v from %v changed %v's row %+v to %+v", m.typ, m.chaddr, l.mac, l, got[a])
		}
	}
	for a, l := range got {
		if _, ok := rows[a]; !ok && l.mac != m.chaddr {
			t.Fatalf("%v from %v made a row %+v for %v", m.typ, m.chaddr, l, l.mac)
		}
	}
	if len(out) > 1 {
		t.Fatalf("%v from %v: got %d replies, want at most 1", m.typ, m.chaddr, len(out))
	}
	var r *message
	if len(out) == 1 {
		e := out[0]
		if len(e.payload) > maxMessage {
			t.Fatalf("reply of %d bytes, more than %d", len(e.payload), maxMessage)
		}
		if r, err = decode(e.payload); err != nil {
			t.Fatalf("reply to %v does not decode: %v", m.typ, err)
		}
		if r.op != dhcpv4.OpcodeBootReply || r.xid != m.xid || r.chaddr != m.chaddr || r.server != s.self.Addr() || e.src != s.self.Addr() || !e.dst.IsValid() {
			t.Fatalf("reply %+v from %v to %v does not answer %+v", r, e.src, e.dst, m)
		}
	}
	switch m.typ {
	case dhcpv4.MessageTypeDiscover:
		if r == nil {
			if d.exhausted != st.exhausted+1 {
				t.Fatalf("DISCOVER from %v unanswered, not counted exhausted", m.chaddr)
			}
			unchanged("unanswered DISCOVER", 0)
			return
		}
		if l := s.byMAC[m.chaddr]; r.typ != dhcpv4.MessageTypeOffer || l == nil || l.addr != r.yiaddr {
			t.Fatalf("DISCOVER from %v: got %v of %v, holding %+v", m.chaddr, r.typ, r.yiaddr, l)
		}
	case dhcpv4.MessageTypeRequest:
		switch {
		case r == nil:
			if !m.server.IsValid() || m.server == s.self.Addr() {
				t.Fatalf("REQUEST from %v to this server unanswered", m.chaddr)
			}
		case r.typ == dhcpv4.MessageTypeNak:
			unchanged("NAKed", 1)
		case r.typ == dhcpv4.MessageTypeAck:
			if l := s.byMAC[m.chaddr]; l == nil || l.addr != r.yiaddr || l.state != leaseBound || l.expires != now+s.cfg.LeaseTime || r.lease != s.cfg.LeaseTime {
				t.Fatalf("ACK of %v for %v to %v, holding %+v", r.yiaddr, r.lease, m.chaddr, l)
			}
		default:
			t.Fatalf("REQUEST answered with %v", r.typ)
		}
	case dhcpv4.MessageTypeInform:
		if r == nil || r.typ != dhcpv4.MessageTypeAck || !r.yiaddr.IsUnspecified() || r.lease != 0 {
			t.Fatalf("INFORM answered with %+v, want an ACK without an address or lease", r)
		}
		unchanged("INFORM", 1)
	case dhcpv4.MessageTypeRelease, dhcpv4.MessageTypeDecline:
		if r != nil {
			t.Fatalf("%v answered with %v", m.typ, r.typ)
		}
	default:
		unchanged(m.typ.String(), 0)
	}
}

// serverSeeds are the seed inputs: each kind of client message, in a
// short exchange with the busy server, and broken ones.
func serverSeeds() map[string][]byte {
	msg := clientMsg
	overloaded := func() []byte {
		// RFC 2132 section 9.3: option 52 says the file and sname fields
		// hold options too: the requested address in file, the host
		// name in sname.
		p := newPacket(dhcpv4.OpcodeBootRequest, dhcpv4.MessageTypeRequest, 7, fzE)
		p.Options[dhcpv4.OptionOptionOverload.Code()] = []byte{3}
		b := p.ToBytes()
		copy(b[offFile:offCookie], []byte{50, 4, 10, 0, 0, 6, 255})
		copy(b[offSname:offFile], append(append([]byte{12, 8}, "overload"...), 255))
		return b
	}
	discoverE := msg(dhcpv4.MessageTypeDiscover, fzE)
	renewA := msg(dhcpv4.MessageTypeRequest, fzA, ciaddr("10.0.0.2"))
	return map[string][]byte{
		"discover": joinMessages(after(1, discoverE), after(1, msg(dhcpv4.MessageTypeDiscover, fzR1)), after(1, msg(dhcpv4.MessageTypeDiscover, fzF))),
		"request-selecting": joinMessages(after(1, discoverE),
			after(1, msg(dhcpv4.MessageTypeRequest, fzE, serverID, requested("10.0.0.6"))),
			after(1, msg(dhcpv4.MessageTypeRequest, fzB, serverID, requested("10.0.0.3")))),
		"request-renewing": joinMessages(after(30, renewA),
			after(30, msg(dhcpv4.MessageTypeRequest, fzA, ciaddr("10.0.0.2"), giaddr("10.0.0.254"))),
			after(1, msg(dhcpv4.MessageTypeRequest, fzR2, requested("10.0.0.50")))),
		"request-move": joinMessages(after(1, msg(dhcpv4.MessageTypeRequest, fzA, serverID, requested("10.0.0.6")))),
		"request-other-server": joinMessages(after(1, msg(dhcpv4.MessageTypeRequest, fzB, otherServerID, requested("10.0.0.3"))),
			after(1, msg(dhcpv4.MessageTypeRequest, fzE, requested("10.0.0.2")))),
		"release": joinMessages(after(1, msg(dhcpv4.MessageTypeRelease, fzA, serverID, ciaddr("10.0.0.2"))),
			after(1, msg(dhcpv4.MessageTypeDiscover, fzA)),
			after(1, msg(dhcpv4.MessageTypeRequest, fzA, serverID, requested("10.0.0.2")))),
		"decline": joinMessages(after(1, msg(dhcpv4.MessageTypeDecline, fzA, serverID, requested("10.0.0.2"))),
			after(1, msg(dhcpv4.MessageTypeDiscover, fzA)), after(1, discoverE)),
		"inform": joinMessages(after(0, msg(dhcpv4.MessageTypeInform, fzE, ciaddr("10.0.0.77"))),
			after(0, msg(dhcpv4.MessageTypeInform, fzF, ciaddr("10.0.0.78"), giaddr("10.0.0.254"))),
			after(0, msg(dhcpv4.MessageTypeInform, fzE))),
		"overload":  joinMessages(after(1, overloaded())),
		"truncated": joinMessages(after(1, discoverE[:minMessage-1]), after(1, discoverE[:100]), after(1, renewA[:minMessage+3])),
		"wrong-op": joinMessages(after(1, msg(dhcpv4.MessageTypeDiscover, fzE, bootReply)),
			after(1, msg(dhcpv4.MessageTypeRequest, fzA, ciaddr("10.0.0.2"), bootReply)),
			after(1, msg(dhcpv4.MessageTypeOffer, fzE))),
		"lifecycle": joinMessages(after(1, discoverE),
			after(1, msg(dhcpv4.MessageTypeRequest, fzE, serverID, requested("10.0.0.6"))),
			after(40, msg(dhcpv4.MessageTypeRequest, fzE, ciaddr("10.0.0.6"))),
			after(1, msg(dhcpv4.MessageTypeRelease, fzE, serverID, ciaddr("10.0.0.6")))),
		"expired": joinMessages(after(255, msg(dhcpv4.MessageTypeDiscover, fzC)), after(1, renewA)),
		"empty":   joinMessages(after(0, nil)),
	}
}

// writeServerSeeds writes the seeds in the corpus format of go test.
func writeServerSeeds(f *testing.F) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDHCPServer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	for name, data := range serverSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			f.Fatal(err)
		}
	}
}

func TestSplitMessages(t *testing.T) {
	data := joinMessages(after(3, []byte{1, 2}), after(0, nil), after(255, []byte{4}))
	want := []fuzzMessage{{3 * time.Second, []byte{1, 2}}, {0, []byte{}}, {255 * time.Second, []byte{4}}}
	if got := splitMessages(data); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got splitMessages(%x) = %v, want %v", data, got, want)
	}
	if got := splitMessages([]byte{1, 0, 9, 7, 7}); len(got) != 1 || len(got[0].b) != 2 {
		t.Errorf("got splitMessages(short) = %v, want one message of the 2 bytes left", got)
	}
}

// Each seed reaches the path it is named after.
func TestServerFuzzSeedsReachTheirPaths(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	boundTo := func(s *Server, addr string, mac wire.MAC) bool {
		l := s.byAddr[a(addr)]
		return l != nil && l.state == leaseBound && l.mac == mac
	}
	base := busyServer(t).stats
	for name, reached := range map[string]func(s *Server, d serverStats) bool{
		"discover": func(s *Server, d serverStats) bool {
			return d.offers == 2 && d.exhausted == 1 && s.byMAC[fzE].addr == a("10.0.0.6") && s.byMAC[fzR1].addr == a("10.0.0.5")
		},
		"request-selecting": func(s *Server, d serverStats) bool {
			return d.acks == 2 && boundTo(s, "10.0.0.6", fzE) && boundTo(s, "10.0.0.3", fzB)
		},
		"request-renewing": func(s *Server, d serverStats) bool {
			return d.acks == 3 && boundTo(s, "10.0.0.2", fzA) && s.byAddr[a("10.0.0.2")].expires == 120*time.Second && boundTo(s, "10.0.0.50", fzR2)
		},
		"request-move": func(s *Server, d serverStats) bool {
			return d.acks == 1 && boundTo(s, "10.0.0.6", fzA) && s.byAddr[a("10.0.0.2")] == nil
		},
		"request-other-server": func(s *Server, d serverStats) bool {
			return d.requests == 2 && d.acks == 0 && d.naks == 1 && s.byMAC[fzB] == nil && boundTo(s, "10.0.0.2", fzA)
		},
		"release": func(s *Server, d serverStats) bool {
			return d.releases == 1 && d.offers == 1 && d.acks == 1 && boundTo(s, "10.0.0.2", fzA)
		},
		"decline": func(s *Server, d serverStats) bool {
			return d.declines == 1 && s.byAddr[a("10.0.0.2")].state == leaseDeclined && s.byMAC[fzA].addr == a("10.0.0.6") && d.exhausted == 1
		},
		"inform": func(s *Server, d serverStats) bool { return d.informs == 3 },
		"overload": func(s *Server, d serverStats) bool {
			return d.acks == 1 && boundTo(s, "10.0.0.6", fzE) && s.byAddr[a("10.0.0.6")].hostname == "overload"
		},
		"truncated": func(s *Server, d serverStats) bool { return d.malformed == 3 },
		"wrong-op":  func(s *Server, d serverStats) bool { return d.ignored == 3 && d.offers == 0 && d.acks == 0 },
		"lifecycle": func(s *Server, d serverStats) bool {
			return d.acks == 2 && d.releases == 1 && s.byMAC[fzE] == nil && s.recent[fzE] == a("10.0.0.6")
		},
		"expired": func(s *Server, d serverStats) bool {
			return d.offers == 1 && d.acks == 1 && boundTo(s, "10.0.0.2", fzA) && len(s.byAddr) == 2
		},
		"empty": func(s *Server, d serverStats) bool { return d.malformed == 1 },
	} {
		data, ok := serverSeeds()[name]
		if !ok {
			t.Errorf("no seed %s", name)
			continue
		}
		s := busyServer(t)
		var now time.Duration
		for _, m := range splitMessages(data) {
			now += m.gap
			serverStep(t, s, now, m.b)
		}
		d := s.stats
		d.discovers, d.offers, d.requests, d.acks, d.naks = d.discovers-base.discovers, d.offers-base.offers, d.requests-base.requests, d.acks-base.acks, d.naks-base.naks
		d.releases, d.declines, d.informs = d.releases-base.releases, d.declines-base.declines, d.informs-base.informs
		d.malformed, d.ignored, d.exhausted = d.malformed-base.malformed, d.ignored-base.ignored, d.exhausted-base.exhausted
		if !reached(s, d) {
			t.Errorf("seed %s: got counters %+v and rows %+v, not its path", name, d, s.snapshot().Leases)
		}
	}
}
