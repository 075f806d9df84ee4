package wire

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestUDPFixture(t *testing.T) {
	ip := IPv4(fixtureUDP[EthernetHeaderLen:])
	if err := ip.Validate(); err != nil {
		t.Fatal(err)
	}
	u := UDP(ip.Payload())
	if err := u.Validate(ip.Src(), ip.Dst()); err != nil {
		t.Fatalf("got Validate() = %v, want nil", err)
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"SrcPort()", int(u.SrcPort()), 5000},
		{"DstPort()", int(u.DstPort()), 7},
		{"Length()", u.Length(), 13},
		{"Checksum()", int(u.Checksum()), 0x9470},
	} {
		if c.got != c.want {
			t.Errorf("got %s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if got := u.Payload(); string(got) != "hello" {
		t.Errorf("got Payload() = %q, want %q", got, "hello")
	}
	// Addresses swapped: the pseudo-header sum is the same (addition
	// commutes), so swapping does not break the checksum; another address
	// does.
	if err := u.Validate(ipA, netip.MustParseAddr("10.0.0.3")); err != ErrBadChecksum {
		t.Errorf("got Validate with the wrong destination = %v, want ErrBadChecksum", err)
	}

	b := make([]byte, 13)
	copy(b[UDPHeaderLen:], "hello")
	EncodeUDP(b, netip.AddrPortFrom(ipA, 5000), netip.AddrPortFrom(ipB, 7), 5)
	if !bytes.Equal(b, u) {
		t.Errorf("got EncodeUDP = %x, want %x", b, []byte(u))
	}
}

func TestUDPOptionsFixture(t *testing.T) {
	ip := IPv4(fixtureOptions)
	u := UDP(ip.Payload())
	if err := u.Validate(ip.Src(), ip.Dst()); err != nil || string(u.Payload()) != "hi" || u.Checksum() != 0x6fdf {
		t.Errorf("got Validate() = %v, Payload() = %q, Checksum() = %#04x, want nil, \"hi\", 0x6fdf", err, u.Payload(), u.Checksum())
	}
}

func TestUDPZeroChecksumSentAsOnes(t *testing.T) {
	// Choose two data bytes that make the sum over pseudo-header and header
	// exactly 0xffff, so the computed checksum is 0 (RFC 768: send 0xffff).
	src, dst := netip.AddrPortFrom(ipA, 1), netip.AddrPortFrom(ipB, 2)
	b := make([]byte, 10)
	b[0], b[1], b[2], b[3], b[4], b[5] = 0, 1, 0, 2, 0, 10
	rest := ^Fold(Sum(b[:8], PseudoHeaderSum(ipA, ipB, ProtoUDP, 10)))
	b[8], b[9] = byte(rest>>8), byte(rest)
	EncodeUDP(b, src, dst, 2)
	u := UDP(b)
	if got := u.Checksum(); got != 0xffff {
		t.Errorf("got Checksum() = %#04x, want 0xffff for a computed 0", got)
	}
	if err := u.Validate(ipA, ipB); err != nil {
		t.Errorf("got Validate() = %v, want nil", err)
	}
}

func TestUDPValidate(t *testing.T) {
	valid := UDP(IPv4(fixtureUDP[EthernetHeaderLen:]).Payload())
	with := func(off int, v ...byte) []byte {
		b := bytes.Clone(valid)
		copy(b[off:], v)
		return b
	}
	trailing := append(bytes.Clone(valid), 0xde, 0xad)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"valid", valid, nil},
		{"trailing bytes past length", trailing, nil},
		{"no checksum", with(6, 0, 0), nil},
		{"no checksum, data changed", with(6, 0, 0, 'j', 'j'), nil},
		{"empty", nil, ErrTruncated},
		{"7 bytes", valid[:7], ErrTruncated},
		{"length 7", with(4, 0, 7), ErrBadUDPLength},
		{"length 0", with(4, 0, 0), ErrBadUDPLength},
		{"length past end", with(4, 0, 14), ErrBadUDPLength},
		{"length 8, checksum now wrong", with(4, 0, 8), ErrBadChecksum},
		{"data changed", with(8, 'j'), ErrBadChecksum},
		{"cut short", valid[:12], ErrBadUDPLength},
	} {
		if got := UDP(tc.b).Validate(ipA, ipB); got != tc.want {
			t.Errorf("%s: got UDP(%x).Validate(%v, %v) = %v, want %v", tc.name, tc.b, ipA, ipB, got, tc.want)
		}
	}
	if got := UDP(trailing).Payload(); string(got) != "hello" {
		t.Errorf("got Payload() with trailing bytes = %q, want %q", got, "hello")
	}
}
