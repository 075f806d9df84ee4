package wire

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestICMPEchoFixture(t *testing.T) {
	ip := IPv4(fixtureEchoRequest[EthernetHeaderLen:])
	if err := ip.Validate(); err != nil {
		t.Fatal(err)
	}
	m := ICMP(ip.Payload())
	if err := m.Validate(); err != nil {
		t.Fatalf("got Validate() = %v, want nil", err)
	}
	for _, c := range []struct {
		name      string
		got, want uint16
	}{
		{"Type()", uint16(m.Type()), ICMPEchoRequest},
		{"Code()", uint16(m.Code()), 0},
		{"Checksum()", m.Checksum(), 0x92bf},
		{"ID()", m.ID(), 1},
		{"Seq()", m.Seq(), 1},
	} {
		if c.got != c.want {
			t.Errorf("got %s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if got, want := m.Payload(), []byte("netlab!\n"); !bytes.Equal(got, want) {
		t.Errorf("got Payload() = %q, want %q", got, want)
	}
	if m.IsError() {
		t.Errorf("got IsError() = true, want false")
	}
	if _, err := ICMPQuote(m); err != ErrNotICMPError {
		t.Errorf("got ICMPQuote(echo) error %v, want ErrNotICMPError", err)
	}

	b := make([]byte, 64)
	n := EncodeICMPEcho(b, ICMPEchoRequest, 1, 1, []byte("netlab!\n"))
	if !bytes.Equal(b[:n], m) {
		t.Errorf("got EncodeICMPEcho = %x, want %x", b[:n], []byte(m))
	}
	// The payload may already be in place.
	c := make([]byte, 64)
	copy(c[ICMPHeaderLen:], "netlab!\n")
	n = EncodeICMPEcho(c, ICMPEchoRequest, 1, 1, c[ICMPHeaderLen:ICMPHeaderLen+8])
	if !bytes.Equal(c[:n], m) {
		t.Errorf("got EncodeICMPEcho with payload in place = %x, want %x", c[:n], []byte(m))
	}
	// A reply to it: same id, seq and data, type 0, checksum 0x92bf+0x0800.
	n = EncodeICMPEcho(b, ICMPEchoReply, m.ID(), m.Seq(), m.Payload())
	r := ICMP(b[:n])
	if r.Validate() != nil || r.Type() != ICMPEchoReply || r.Checksum() != 0x9abf {
		t.Errorf("got echo reply type %d checksum %#04x (valid: %v), want 0 0x9abf true", r.Type(), r.Checksum(), r.Validate())
	}
}

func TestICMPErrorFixtures(t *testing.T) {
	original := fixtureUDP[EthernetHeaderLen : EthernetHeaderLen+33]
	for _, tc := range []struct {
		name       string
		msg        []byte
		typ, code  uint8
		mtu        uint16
		checksum   uint16
		quoteBytes int
	}{
		{"port unreachable", fixturePortUnreachable[EthernetHeaderLen+20:], ICMPDestUnreachable, ICMPPortUnreachable, 0, 0x54f0, 28},
		{"frag needed", fixtureFragNeeded, ICMPDestUnreachable, ICMPFragNeeded, 1400, 0x4f77, 28},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ICMP(tc.msg)
			if err := m.Validate(); err != nil {
				t.Fatalf("got Validate() = %v, want nil", err)
			}
			if m.Type() != tc.typ || m.Code() != tc.code || m.NextHopMTU() != tc.mtu || m.Checksum() != tc.checksum {
				t.Errorf("got type %d code %d mtu %d checksum %#04x, want %d %d %d %#04x",
					m.Type(), m.Code(), m.NextHopMTU(), m.Checksum(), tc.typ, tc.code, tc.mtu, tc.checksum)
			}
			if !m.IsError() {
				t.Errorf("got IsError() = false, want true")
			}
			q, err := ICMPQuote(m)
			if err != nil {
				t.Fatalf("got ICMPQuote error %v, want nil", err)
			}
			if q.Src() != ipA || q.Dst() != ipB || q.Protocol() != ProtoUDP || q.ID() != 7 || q.TotalLen() != 33 {
				t.Errorf("got quote %v > %v proto %d id %d len %d, want %v > %v 17 7 33",
					q.Src(), q.Dst(), q.Protocol(), q.ID(), q.TotalLen(), ipA, ipB)
			}
			u := UDP(q.Payload())
			if len(u) != 8 || u.SrcPort() != 5000 || u.DstPort() != 7 {
				t.Errorf("got quoted UDP %x, want ports 5000 > 7 in 8 bytes", []byte(u))
			}

			b := make([]byte, 128)
			n := EncodeICMPError(b, tc.typ, tc.code, tc.mtu, original)
			if n != ICMPHeaderLen+tc.quoteBytes || !bytes.Equal(b[:n], tc.msg) {
				t.Errorf("got EncodeICMPError = %x, want %x", b[:n], tc.msg)
			}
		})
	}
}

func TestICMPErrorQuoteLen(t *testing.T) {
	h := IPv4Header{TotalLen: 1500, TTL: 1, Protocol: ProtoUDP, Src: ipA, Dst: ipB}
	withOpts := h
	withOpts.Options = []byte{IPv4OptRouterAlert, 4, 0, 0}
	short := h
	short.TotalLen = 24
	dgram := func(h IPv4Header, n int) []byte {
		b := make([]byte, n)
		h.Marshal(b)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want int
	}{
		{"full datagram", dgram(h, 1500), 28},
		{"options", dgram(withOpts, 1500), 32},
		{"4-byte payload", dgram(short, 24), 24},
		{"given only 25 bytes", dgram(h, 1500)[:25], 25},
		{"empty", nil, 0},
		{"garbage IHL 0", []byte{0x40, 0, 0, 0}, 4},
	} {
		if got := ICMPErrorQuoteLen(tc.b); got != tc.want {
			t.Errorf("%s: got ICMPErrorQuoteLen = %d, want %d", tc.name, got, tc.want)
		}
		b := make([]byte, 8+tc.want)
		if n := EncodeICMPError(b, ICMPTimeExceeded, ICMPTTLExceeded, 0, tc.b); n != 8+tc.want || Checksum(b[:n], 0) != 0 {
			t.Errorf("%s: got EncodeICMPError length %d checksum ok %v, want %d true", tc.name, n, Checksum(b[:n], 0) == 0, 8+tc.want)
		}
	}
}

func TestICMPParamProblem(t *testing.T) {
	b := make([]byte, 64)
	n := EncodeICMPParamProblem(b, 20, fixtureOptions)
	m := ICMP(b[:n])
	if err := m.Validate(); err != nil {
		t.Fatalf("got Validate() = %v, want nil", err)
	}
	if m.Type() != ICMPParamProblem || m.Code() != 0 || m.Pointer() != 20 || n != 8+32+8 {
		t.Errorf("got type %d code %d pointer %d len %d, want 12 0 20 48", m.Type(), m.Code(), m.Pointer(), n)
	}
	q, err := ICMPQuote(m)
	if err != nil || !bytes.Equal(q.Options(), IPv4(fixtureOptions).Options()) {
		t.Errorf("got ICMPQuote = %x, %v, want the options quoted", []byte(q), err)
	}
}

func TestICMPValidate(t *testing.T) {
	valid := ICMP(IPv4(fixtureEchoRequest[EthernetHeaderLen:]).Payload())
	corrupt := bytes.Clone(valid)
	corrupt[len(corrupt)-1] ^= 0x01
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"valid", valid, nil},
		{"header only, valid", []byte{8, 0, 0xf7, 0xff, 0, 0, 0, 0}, nil},
		{"empty", nil, ErrTruncated},
		{"7 bytes", valid[:7], ErrTruncated},
		{"cut data", valid[:12], ErrBadChecksum},
		{"flipped bit", corrupt, ErrBadChecksum},
	} {
		if got := ICMP(tc.b).Validate(); got != tc.want {
			t.Errorf("%s: got ICMP(%x).Validate() = %v, want %v", tc.name, tc.b, got, tc.want)
		}
	}
}

func TestICMPQuoteErrors(t *testing.T) {
	msg := func(typ uint8, quote []byte) ICMP {
		b := make([]byte, 8+len(quote))
		n := EncodeICMPError(b, typ, 0, 0, nil)
		copy(b[n:], quote)
		b[2], b[3] = 0, 0
		c := Checksum(b, 0)
		b[2], b[3] = byte(c>>8), byte(c)
		return b
	}
	orig := fixtureUDP[EthernetHeaderLen : EthernetHeaderLen+33]
	with := func(off int, v ...byte) []byte {
		b := bytes.Clone(orig[:28])
		copy(b[off:], v)
		return b
	}
	for _, tc := range []struct {
		name string
		m    ICMP
		want error
	}{
		{"port unreachable", msg(ICMPDestUnreachable, orig[:28]), nil},
		{"time exceeded, whole datagram", msg(ICMPTimeExceeded, orig), nil},
		{"redirect", msg(ICMPRedirect, orig[:28]), nil},
		{"parameter problem", msg(ICMPParamProblem, orig[:28]), nil},
		{"source quench", msg(ICMPSourceQuench, orig[:28]), nil},
		{"echo reply", msg(ICMPEchoReply, orig[:28]), ErrNotICMPError},
		{"timestamp", msg(13, orig[:28]), ErrNotICMPError},
		{"empty quote", msg(ICMPDestUnreachable, nil), ErrTruncated},
		{"19-byte quote", msg(ICMPDestUnreachable, orig[:19]), ErrTruncated},
		{"header only", msg(ICMPDestUnreachable, orig[:20]), ErrTruncated},
		{"header and 7 bytes", msg(ICMPDestUnreachable, orig[:27]), ErrTruncated},
		{"version 6", msg(ICMPDestUnreachable, with(0, 0x65)), ErrBadVersion},
		{"IHL 4", msg(ICMPDestUnreachable, with(0, 0x44)), ErrBadHeaderLen},
		{"IHL 7 past the quote", msg(ICMPDestUnreachable, with(0, 0x47)), ErrTruncated},
		{"total length 20, header only", msg(ICMPDestUnreachable, with(2, 0, 20)[:20]), nil},
		{"bad quoted checksum is fine", msg(ICMPDestUnreachable, with(10, 0, 0)), nil},
	} {
		if err := tc.m.Validate(); err != nil {
			t.Fatalf("%s: test message does not validate: %v", tc.name, err)
		}
		if _, got := ICMPQuote(tc.m); got != tc.want {
			t.Errorf("%s: got ICMPQuote(%x) error %v, want %v", tc.name, []byte(tc.m), got, tc.want)
		}
	}
}

func TestICMPErrorAllowed(t *testing.T) {
	dgram := func(mod func(*IPv4Header), payload ...byte) IPv4 {
		h := IPv4Header{TTL: 64, Protocol: ProtoUDP, Src: ipA, Dst: ipB}
		mod(&h)
		h.TotalLen = h.Len() + len(payload)
		b := make([]byte, h.TotalLen)
		h.Marshal(b)
		copy(b[h.Len():], payload)
		return b
	}
	none := func(*IPv4Header) {}
	for _, tc := range []struct {
		name string
		ip   IPv4
		want bool
	}{
		{"unicast UDP", dgram(none), true},
		{"first fragment", dgram(func(h *IPv4Header) { h.Flags = IPv4FlagMF }), true},
		{"later fragment", dgram(func(h *IPv4Header) { h.FragOffset = 8 }), false},
		{"to broadcast", dgram(func(h *IPv4Header) { h.Dst = netip.MustParseAddr("255.255.255.255") }), false},
		{"to multicast", dgram(func(h *IPv4Header) { h.Dst = netip.MustParseAddr("224.0.0.1") }), false},
		{"from 0.0.0.0", dgram(func(h *IPv4Header) { h.Src = netip.IPv4Unspecified() }), false},
		{"from loopback", dgram(func(h *IPv4Header) { h.Src = netip.MustParseAddr("127.0.0.1") }), false},
		{"from multicast", dgram(func(h *IPv4Header) { h.Src = netip.MustParseAddr("239.1.1.1") }), false},
		{"echo request", dgram(func(h *IPv4Header) { h.Protocol = ProtoICMP }, ICMPEchoRequest, 0, 0, 0, 0, 0, 0, 0), true},
		{"ICMP error", dgram(func(h *IPv4Header) { h.Protocol = ProtoICMP }, ICMPDestUnreachable, 3, 0, 0, 0, 0, 0, 0), false},
		{"empty ICMP", dgram(func(h *IPv4Header) { h.Protocol = ProtoICMP }), false},
	} {
		if err := tc.ip.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := ICMPErrorAllowed(tc.ip); got != tc.want {
			t.Errorf("%s: got ICMPErrorAllowed = %v, want %v", tc.name, got, tc.want)
		}
	}
}
