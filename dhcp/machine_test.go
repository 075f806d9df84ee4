package dhcp

import (
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/netlab/netlab/core/wire"
)

var (
	testMAC    = wire.MAC{2, 0, 0, 0, 0, 2}
	testServer = netip.MustParseAddr("10.0.0.1")
	testAddr   = netip.MustParseAddr("10.0.0.100")
)

// serverReply builds a reply of type typ to c's current exchange.
func serverReply(c *Client, typ dhcpv4.MessageType, mods ...func(p *dhcpv4.DHCPv4)) []byte {
	p := newPacket(dhcpv4.OpcodeBootReply, typ, c.xid, c.mac)
	p.UpdateOption(dhcpv4.OptServerIdentifier(netIP(testServer)))
	if typ != dhcpv4.MessageTypeNak {
		p.YourIPAddr = netIP(testAddr)
		p.Options[dhcpv4.OptionSubnetMask.Code()] = net.CIDRMask(24, 32)
		p.UpdateOption(dhcpv4.OptRouter(netIP(testServer)))
		p.Options[dhcpv4.OptionIPAddressLeaseTime.Code()] = seconds(time.Hour)
	}
	for _, m := range mods {
		m(p)
	}
	return p.ToBytes()
}

// clientIn returns a client driven into state s at time 10s, its
// effects drained.
func clientIn(t testing.TB, s ClientState) *Client {
	c := newClient(ClientConfig{}, testMAC, 42)
	now := 10 * time.Second
	must := func(err error) {
		if err != nil {
			t.Fatalf("driving to %v: %v", s, err)
		}
	}
	bound := func() {
		c.start(now, true)
		must(c.handle(now, serverReply(c, dhcpv4.MessageTypeOffer)))
		must(c.handle(now, serverReply(c, dhcpv4.MessageTypeAck)))
		c.timer(now+time.Second, tmRetransmit)
		c.timer(now+2*time.Second, tmRetransmit)
	}
	switch s {
	case Off:
	case Init:
		c.start(now, false)
	case Selecting:
		c.start(now, true)
	case Requesting:
		c.start(now, true)
		must(c.handle(now, serverReply(c, dhcpv4.MessageTypeOffer)))
	case Checking:
		c.start(now, true)
		must(c.handle(now, serverReply(c, dhcpv4.MessageTypeOffer)))
		must(c.handle(now, serverReply(c, dhcpv4.MessageTypeAck)))
	case Bound:
		bound()
	case Renewing:
		bound()
		c.timer(c.deadlines[tmT1], tmT1)
	case Rebinding:
		bound()
		c.timer(c.deadlines[tmT2], tmT2)
	case InitReboot:
		bound()
		c.link(now, false)
		c.stop()
		c.start(now, false)
	case Rebooting:
		bound()
		c.stop()
		c.start(now, true)
	case BackingOff:
		c.start(now, true)
		must(c.handle(now, serverReply(c, dhcpv4.MessageTypeOffer)))
		must(c.handle(now, serverReply(c, dhcpv4.MessageTypeAck)))
		c.conflict(now, testAddr)
	case Informing:
		c.inform(now, netip.MustParsePrefix("10.0.0.7/24"), true)
	}
	if c.state != s {
		t.Fatalf("drove to %v, got %v", s, c.state)
	}
	c.takeEffects()
	return c
}

// machineState is what a reply must not change unless it is valid.
type machineState struct {
	state           ClientState
	xid             uint32
	tries           int
	offer           offerData
	check           checkData
	lease, informed leaseData
	last            netip.Addr
	configured      netip.Prefix
	deadlines       [numTimers]time.Duration
}

func stateOf(c *Client) machineState {
	return machineState{c.state, c.xid, c.tries, c.offer, c.check, c.lease, c.informed, c.last, c.configured, c.deadlines}
}

func TestMalformedRepliesIgnored(t *testing.T) {
	type mod = func(p *dhcpv4.DHCPv4)
	tests := []struct {
		name      string
		state     ClientState
		typ       dhcpv4.MessageType
		mod       mod
		raw       func(b []byte) []byte
		malformed bool
	}{
		{name: "truncated", state: Selecting, typ: dhcpv4.MessageTypeOffer, raw: func(b []byte) []byte { return b[:239] }, malformed: true},
		{name: "bad cookie", state: Selecting, typ: dhcpv4.MessageTypeOffer, raw: func(b []byte) []byte { b[236] = 0; return b }, malformed: true},
		{name: "option runs off the end", state: Selecting, typ: dhcpv4.MessageTypeOffer, raw: func(b []byte) []byte { return append(b[:240:240], 12, 200, 'x') }, malformed: true},
		{name: "too long", state: Selecting, typ: dhcpv4.MessageTypeOffer, raw: func(b []byte) []byte { return append(b, make([]byte, 1500)...) }, malformed: true},
		{name: "op request", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.OpCode = dhcpv4.OpcodeBootRequest }},
		{name: "other xid", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.TransactionID[0]++ }},
		{name: "other chaddr", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.ClientHWAddr = net.HardwareAddr{2, 0, 0, 0, 0, 9} }},
		{name: "short chaddr", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.ClientHWAddr = p.ClientHWAddr[:4] }, malformed: true},
		{name: "ACK while selecting", state: Selecting, typ: dhcpv4.MessageTypeAck},
		{name: "no message type", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options.Del(dhcpv4.OptionDHCPMessageType) }, malformed: true},
		{name: "message type 9", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options[53] = []byte{9} }, malformed: true},
		{name: "no server id", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options.Del(dhcpv4.OptionServerIdentifier) }, malformed: true},
		{name: "server id of 3 bytes", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options[54] = []byte{10, 0, 0} }, malformed: true},
		{name: "broadcast server id", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options[54] = []byte{255, 255, 255, 255} }, malformed: true},
		{name: "bad overload", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options[52] = []byte{4} }, malformed: true},
		{name: "overloaded file malformed", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options[52] = []byte{1}; p.BootFileName = "\x0c\x7f" }, malformed: true},
		{name: "yiaddr 0", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.YourIPAddr = net.IPv4zero }, malformed: true},
		{name: "yiaddr multicast", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.YourIPAddr = net.IPv4(224, 0, 0, 1) }, malformed: true},
		{name: "no lease time", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options.Del(dhcpv4.OptionIPAddressLeaseTime) }, malformed: true},
		{name: "mask not contiguous", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options[1] = []byte{255, 0, 255, 0} }, malformed: true},
		{name: "router of 5 bytes", state: Selecting, typ: dhcpv4.MessageTypeOffer, mod: func(p *dhcpv4.DHCPv4) { p.Options[3] = []byte{1, 2, 3, 4, 5} }, malformed: true},
		{name: "ACK from another server", state: Requesting, typ: dhcpv4.MessageTypeAck, mod: func(p *dhcpv4.DHCPv4) { p.Options[54] = []byte{10, 0, 0, 2} }},
		{name: "NAK from another server", state: Requesting, typ: dhcpv4.MessageTypeNak, mod: func(p *dhcpv4.DHCPv4) { p.Options[54] = []byte{10, 0, 0, 2} }},
		{name: "ACK of another address", state: Requesting, typ: dhcpv4.MessageTypeAck, mod: func(p *dhcpv4.DHCPv4) { p.YourIPAddr = net.IPv4(10, 0, 0, 101) }},
		{name: "OFFER while requesting", state: Requesting, typ: dhcpv4.MessageTypeOffer},
		{name: "ACK while bound", state: Bound, typ: dhcpv4.MessageTypeAck},
		{name: "NAK while bound", state: Bound, typ: dhcpv4.MessageTypeNak},
		{name: "NAK while checking", state: Checking, typ: dhcpv4.MessageTypeNak},
		{name: "ACK from another server while renewing", state: Renewing, typ: dhcpv4.MessageTypeAck, mod: func(p *dhcpv4.DHCPv4) { p.Options[54] = []byte{10, 0, 0, 2} }},
		{name: "ACK of another address while rebinding", state: Rebinding, typ: dhcpv4.MessageTypeAck, mod: func(p *dhcpv4.DHCPv4) { p.YourIPAddr = net.IPv4(10, 0, 0, 9) }},
		{name: "OFFER while informing", state: Informing, typ: dhcpv4.MessageTypeOffer},
		{name: "ACK while off", state: Off, typ: dhcpv4.MessageTypeAck},
		{name: "ACK while backing off", state: BackingOff, typ: dhcpv4.MessageTypeAck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clientIn(t, tt.state)
			var mods []func(p *dhcpv4.DHCPv4)
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			b := serverReply(c, tt.typ, mods...)
			if tt.raw != nil {
				b = tt.raw(b)
			}
			before, stats := stateOf(c), c.stats
			if err := c.handle(20*time.Second, b); err == nil {
				t.Fatalf("got handle = nil, want an error")
			}
			if after := stateOf(c); !reflect.DeepEqual(after, before) {
				t.Errorf("got state %+v, want %+v unchanged", after, before)
			}
			if len(c.out) != 0 {
				t.Errorf("got %d effects, want none", len(c.out))
			}
			wantM, wantI := stats.malformed, stats.ignored+1
			if tt.malformed {
				wantM, wantI = stats.malformed+1, stats.ignored
			}
			if c.stats.malformed != wantM || c.stats.ignored != wantI {
				t.Errorf("got malformed %d ignored %d, want %d %d", c.stats.malformed, c.stats.ignored, wantM, wantI)
			}
		})
	}
}

func TestOverloadedOptionsAccepted(t *testing.T) {
	c := clientIn(t, Selecting)
	b := serverReply(c, dhcpv4.MessageTypeOffer, func(p *dhcpv4.DHCPv4) {
		p.Options.Del(dhcpv4.OptionServerIdentifier)
		p.Options.Del(dhcpv4.OptionIPAddressLeaseTime)
		p.Options[52] = []byte{3}
	})
	// RFC 2132 section 9.3: the server id in file, the lease time in sname.
	copy(b[offFile:], []byte{54, 4, 10, 0, 0, 1, 255})
	copy(b[offSname:], []byte{51, 4, 0, 0, 14, 16, 255})
	if err := c.handle(0, b); err != nil {
		t.Fatalf("got %v, want the overloaded offer accepted", err)
	}
	if c.state != Requesting || c.offer.server != testServer {
		t.Errorf("got %v offer %+v, want requesting from %v", c.state, c.offer, testServer)
	}
}

func TestBackoff(t *testing.T) {
	c := newClient(ClientConfig{}, testMAC, 1)
	want := []time.Duration{4, 8, 16, 32, 64, 64, 64}
	for i, w := range want {
		d := c.backoff(i + 1)
		if d < (w-1)*time.Second || d > (w+1)*time.Second {
			t.Errorf("got backoff(%d) = %v, want %vs +-1s", i+1, d, w)
		}
	}
	// Seeded: the same seed gives the same delays.
	a, b := newClient(ClientConfig{}, testMAC, 7), newClient(ClientConfig{}, testMAC, 7)
	for i := range 10 {
		if x, y := a.backoff(i), b.backoff(i); x != y {
			t.Fatalf("backoff %d: %v and %v with one seed", i, x, y)
		}
	}
}

func TestClientStateNames(t *testing.T) {
	for s := Off; s <= Informing; s++ {
		if s.String() == "" || s.String()[0] == 's' && s != Selecting {
			t.Errorf("state %d has name %q", s, s)
		}
	}
	if InitReboot.String() != "init-reboot" || BackingOff.String() != "backing-off" {
		t.Errorf("got %v, %v", InitReboot, BackingOff)
	}
}

// FuzzDHCPReply feeds arbitrary bytes as a reply to a client in every
// state: it never panics, and a reply it rejects changes nothing but the
// counters. With patch set, the xid and chaddr are made the client's, so
// that the fuzzer reaches the checks after them.
func FuzzDHCPReply(f *testing.F) {
	c := clientIn(f, Selecting)
	f.Add(serverReply(c, dhcpv4.MessageTypeOffer), true)
	f.Add(serverReply(c, dhcpv4.MessageTypeAck), true)
	f.Add(serverReply(c, dhcpv4.MessageTypeNak), true)
	f.Add(serverReply(c, dhcpv4.MessageTypeOffer, func(p *dhcpv4.DHCPv4) { p.Options[52] = []byte{3} }), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, b []byte, patch bool) {
		for s := Off; s <= Informing; s++ {
			c := clientIn(t, s)
			in := append([]byte(nil), b...)
			if patch && len(in) >= 34 {
				in[4], in[5], in[6], in[7] = byte(c.xid>>24), byte(c.xid>>16), byte(c.xid>>8), byte(c.xid)
				copy(in[28:34], c.mac[:])
			}
			before := stateOf(c)
			if err := c.handle(20*time.Second, in); err != nil {
				if after := stateOf(c); !reflect.DeepEqual(after, before) {
					t.Fatalf("state %v: rejected reply (%v) changed %+v to %+v", s, err, before, after)
				}
				if len(c.out) != 0 {
					t.Fatalf("state %v: rejected reply (%v) made %d effects", s, err, len(c.out))
				}
			}
		}
	})
}

func TestRelayedReplyAccepted(t *testing.T) {
	c := clientIn(t, Selecting)
	relay := func(p *dhcpv4.DHCPv4) { p.GatewayIPAddr = net.IPv4(10, 9, 0, 1); p.HopCount = 1 }
	if err := c.handle(0, serverReply(c, dhcpv4.MessageTypeOffer, relay)); err != nil || c.state != Requesting {
		t.Fatalf("relayed OFFER: got %v in %v, want requesting", err, c.state)
	}
	if err := c.handle(0, serverReply(c, dhcpv4.MessageTypeAck, relay)); err != nil || c.state != Checking {
		t.Fatalf("relayed ACK: got %v in %v, want checking", err, c.state)
	}
}
