package wire

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestIPv4Fixtures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		b       []byte // from the IPv4 header on
		want    IPv4Header
		csum    uint16
		payload []byte
	}{
		{
			name: "echo request",
			b:    fixtureEchoRequest[EthernetHeaderLen:],
			want: IPv4Header{TotalLen: 36, ID: 0x1234, Flags: IPv4FlagDF, TTL: 64, Protocol: ProtoICMP, Src: ipB, Dst: ipA, Options: []byte{}},
			csum: 0x14a3, payload: fixtureEchoRequest[34:50],
		},
		{
			name: "udp",
			b:    fixtureUDP[EthernetHeaderLen:],
			want: IPv4Header{TotalLen: 33, ID: 7, TTL: 64, Protocol: ProtoUDP, Src: ipA, Dst: ipB, Options: []byte{}},
			csum: 0x66c3, payload: fixtureUDP[34:47],
		},
		{
			name: "options",
			b:    fixtureOptions,
			want: IPv4Header{TotalLen: 42, ID: 9, TTL: 64, Protocol: ProtoUDP, Src: ipA, Dst: ipB,
				Options: unhexFixture("94040000 01 07070400000000")},
			csum: 0xc7a8, payload: fixtureOptions[32:],
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip := IPv4(tc.b)
			if err := ip.Validate(); err != nil {
				t.Fatalf("got Validate() = %v, want nil", err)
			}
			w := tc.want
			if got, want := ip.HeaderLen(), w.Len(); got != want {
				t.Errorf("got HeaderLen() = %d, want %d", got, want)
			}
			if got := ip.TOS(); got != w.TOS {
				t.Errorf("got TOS() = %d, want %d", got, w.TOS)
			}
			if got := ip.TotalLen(); got != w.TotalLen {
				t.Errorf("got TotalLen() = %d, want %d", got, w.TotalLen)
			}
			if got := ip.ID(); got != w.ID {
				t.Errorf("got ID() = %d, want %d", got, w.ID)
			}
			if got := ip.DF(); got != (w.Flags&IPv4FlagDF != 0) {
				t.Errorf("got DF() = %v, want %v", got, !got)
			}
			if got := ip.MF(); got {
				t.Errorf("got MF() = %v, want false", got)
			}
			if got := ip.IsFragment(); got {
				t.Errorf("got IsFragment() = %v, want false", got)
			}
			if got := ip.FragOffset(); got != 0 {
				t.Errorf("got FragOffset() = %d, want 0", got)
			}
			if got := ip.TTL(); got != w.TTL {
				t.Errorf("got TTL() = %d, want %d", got, w.TTL)
			}
			if got := ip.Protocol(); got != w.Protocol {
				t.Errorf("got Protocol() = %d, want %d", got, w.Protocol)
			}
			if got := ip.Checksum(); got != tc.csum {
				t.Errorf("got Checksum() = %#04x, want %#04x", got, tc.csum)
			}
			if got := ip.Src(); got != w.Src {
				t.Errorf("got Src() = %v, want %v", got, w.Src)
			}
			if got := ip.Dst(); got != w.Dst {
				t.Errorf("got Dst() = %v, want %v", got, w.Dst)
			}
			if got := ip.Options(); !bytes.Equal(got, w.Options) {
				t.Errorf("got Options() = %x, want %x", got, w.Options)
			}
			if got := ip.Payload(); !bytes.Equal(got, tc.payload) {
				t.Errorf("got Payload() = %x, want %x (padding excluded)", got, tc.payload)
			}

			// Bytes to representation.
			h, err := ParseIPv4Header(tc.b)
			if err != nil {
				t.Fatalf("got ParseIPv4Header error %v, want nil", err)
			}
			if h.TOS != w.TOS || h.TotalLen != w.TotalLen || h.ID != w.ID || h.Flags != w.Flags ||
				h.FragOffset != w.FragOffset || h.TTL != w.TTL || h.Protocol != w.Protocol ||
				h.Src != w.Src || h.Dst != w.Dst || !bytes.Equal(h.Options, w.Options) {
				t.Errorf("got ParseIPv4Header = %+v, want %+v", h, w)
			}
			// Representation to bytes.
			b := make([]byte, w.Len())
			w.Marshal(b)
			if !bytes.Equal(b, tc.b[:w.Len()]) {
				t.Errorf("got Marshal(%+v) =\n%x, want\n%x", w, b, tc.b[:w.Len()])
			}
		})
	}
}

func TestIPv4HeaderMarshal(t *testing.T) {
	h := IPv4Header{TOS: 0xb8, TotalLen: 1500, ID: 0xbeef, Flags: IPv4FlagMF, FragOffset: 1480,
		TTL: 1, Protocol: ProtoUDP, Src: ipA, Dst: ipB, Options: []byte{IPv4OptNOP, IPv4OptRouterAlert, 4, 0, 0}}
	if got := h.Len(); got != 28 {
		t.Fatalf("got Len() with 5 option bytes = %d, want 28 (padded to 8)", got)
	}
	b := make([]byte, 1500)
	for i := range b {
		b[i] = 0xee // Marshal must overwrite every header byte
	}
	h.Marshal(b)
	ip := IPv4(b)
	if err := ip.Validate(); err != nil {
		t.Fatalf("got Validate() of marshalled header = %v, want nil", err)
	}
	if got, want := ip.Options(), []byte{1, 148, 4, 0, 0, 0, 0, 0}; !bytes.Equal(got, want) {
		t.Errorf("got Options() = %x, want %x (padded with EOL)", got, want)
	}
	if !ip.MF() || ip.DF() || ip.FragOffset() != 1480 || !ip.IsFragment() || ip.TOS() != 0xb8 || ip.TTL() != 1 {
		t.Errorf("got MF %v DF %v off %d frag %v tos %#x ttl %d, want true false 1480 true 0xb8 1",
			ip.MF(), ip.DF(), ip.FragOffset(), ip.IsFragment(), ip.TOS(), ip.TTL())
	}
	defer func() {
		if recover() == nil {
			t.Errorf("got no panic from Marshal with 41 option bytes, want one")
		}
	}()
	h.Options = make([]byte, 41)
	h.Marshal(b)
}

func TestIPv4Validate(t *testing.T) {
	valid := fixtureEchoRequest[EthernetHeaderLen:]
	// with returns a copy of valid with bytes at off replaced and, if fix,
	// the header checksum recomputed.
	with := func(fix bool, off int, v ...byte) []byte {
		b := bytes.Clone(valid)
		copy(b[off:], v)
		if fix {
			hl := min(int(b[0]&0xf)*4, len(b))
			b[10], b[11] = 0, 0
			c := Checksum(b[:hl], 0)
			b[10], b[11] = byte(c>>8), byte(c)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"valid, with padding", valid, nil},
		{"valid, exact", valid[:36], nil},
		{"empty", nil, ErrTruncated},
		{"19 bytes", valid[:19], ErrTruncated},
		{"version 6", with(true, 0, 0x65), ErrBadVersion},
		{"version 0", with(true, 0, 0x05), ErrBadVersion},
		{"IHL 4", with(true, 0, 0x44), ErrBadHeaderLen},
		{"IHL 0", with(false, 0, 0x40), ErrBadHeaderLen},
		{"IHL 15 past the bytes", with(true, 0, 0x4f), ErrTruncated},
		{"total length 19", with(true, 2, 0, 19), ErrBadTotalLen},
		{"total length past the bytes", with(true, 2, 0x05, 0xdc), ErrBadTotalLen},
		{"total length 0", with(true, 2, 0, 0), ErrBadTotalLen},
		{"total length = header", with(true, 2, 0, 20), nil},
		{"bad checksum", with(false, 10, 0x14, 0xa4), ErrBadChecksum},
		{"corrupted ttl", with(false, 8, 0x3f), ErrBadChecksum},
	} {
		if got := IPv4(tc.b).Validate(); got != tc.want {
			t.Errorf("%s: got IPv4(%x).Validate() = %v, want %v", tc.name, tc.b, got, tc.want)
		}
		if _, err := ParseIPv4Header(tc.b); err != tc.want {
			t.Errorf("%s: got ParseIPv4Header error %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestIPv4SetTTL(t *testing.T) {
	for _, b := range [][]byte{fixtureEchoRequest[EthernetHeaderLen:], fixtureUDP[EthernetHeaderLen:], fixtureOptions} {
		ip := IPv4(bytes.Clone(b))
		for ttl := ip.TTL(); ttl > 0; ttl-- {
			ip.SetTTL(ttl - 1)
			if err := ip.Validate(); err != nil {
				t.Fatalf("got Validate() after SetTTL(%d) = %v, want nil", ttl-1, err)
			}
		}
		ip.SetTTL(255)
		if got := ip.TTL(); got != 255 {
			t.Errorf("got TTL() after SetTTL(255) = %d, want 255", got)
		}
		// The incremental result verifies like a full recomputation.
		h, _ := ParseIPv4Header(ip)
		full := make([]byte, h.Len())
		h.Marshal(full)
		if Checksum(full, 0) != 0 || Checksum(ip[:ip.HeaderLen()], 0) != 0 {
			t.Errorf("got header checksums %#04x (incremental) %#04x (full) that do not verify", ip.Checksum(), IPv4(full).Checksum())
		}
	}
}

func TestIPv4Fragments(t *testing.T) {
	for _, tc := range []struct {
		flags   uint16
		off     int
		df, mf  bool
		isFrag  bool
		wantOff int
	}{
		{0, 0, false, false, false, 0},
		{IPv4FlagDF, 0, true, false, false, 0},
		{IPv4FlagMF, 0, false, true, true, 0},
		{IPv4FlagMF, 1480, false, true, true, 1480},
		{0, 2960, false, false, true, 2960},
		{IPv4FlagReserved | IPv4FlagDF, 0, true, false, false, 0},
		{0, 65528, false, false, true, 65528},
	} {
		h := IPv4Header{TotalLen: 20, Flags: tc.flags, FragOffset: tc.off, TTL: 64, Src: ipA, Dst: ipB}
		b := make([]byte, 20)
		h.Marshal(b)
		ip := IPv4(b)
		if err := ip.Validate(); err != nil {
			t.Fatalf("got Validate() = %v, want nil", err)
		}
		if ip.DF() != tc.df || ip.MF() != tc.mf || ip.IsFragment() != tc.isFrag || ip.FragOffset() != tc.wantOff || ip.Flags() != tc.flags {
			t.Errorf("got flags %#04x off %d: DF %v MF %v IsFragment %v FragOffset %d Flags %#04x, want %v %v %v %d %#04x",
				tc.flags, tc.off, ip.DF(), ip.MF(), ip.IsFragment(), ip.FragOffset(), ip.Flags(), tc.df, tc.mf, tc.isFrag, tc.wantOff, tc.flags)
		}
		back, _ := ParseIPv4Header(b)
		if back.Flags != tc.flags || back.FragOffset != tc.off {
			t.Errorf("got ParseIPv4Header Flags %#04x FragOffset %d, want %#04x %d", back.Flags, back.FragOffset, tc.flags, tc.off)
		}
	}
}

func TestIPv4PayloadOfQuote(t *testing.T) {
	// A quoted header whose total length says more than is present: Payload
	// returns what is there.
	q := IPv4(fixturePortUnreachable[EthernetHeaderLen+20+8:])
	if got := len(q.Payload()); got != 8 {
		t.Errorf("got len(Payload()) of a 28-byte quote of a 33-byte datagram = %d, want 8", got)
	}
}

func TestIPv4OptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    string
		want error
	}{
		{"empty", "", nil},
		{"fixture", "94040000 01 07070400000000", nil},
		{"with EOL", "94040000 01 00 000000", nil},
		{"EOL then garbage", "00 ff ff ff", nil},
		{"NOPs", "01010101", nil},
		{"length 0", "8800", ErrBadOptions},
		{"length 1", "8801", ErrBadOptions},
		{"type without length", "010188", ErrBadOptions},
		{"length past end", "880600000000"[:10], ErrBadOptions},
		{"unknown option, length 2", "1e02", nil},
		{"stream id", "88 04 1234", nil},
		{"RR length 2", "0702", ErrBadOptions},
		{"RR pointer 3", "07070300000000", ErrBadOptions},
		{"RR full", "07070800000000", nil},
		{"RR pointer mid-address", "070b0600000000 00000000", ErrBadOptions},
		{"LSRR two hops", "830b04 0a000001 0a000002", nil},
		{"SSRR", "890704 0a000001", nil},
		{"timestamp pointer 4", "4408040000000000", ErrBadOptions},
		{"timestamp", "4408050000000000", nil},
		{"timestamp length 3", "440305", ErrBadOptions},
		{"router alert length 6", "9406000000 00", ErrBadOptions},
		{"router alert", "94040000", nil},
	} {
		o := IPv4Options(unhexFixture(tc.o))
		if got := o.Validate(); got != tc.want {
			t.Errorf("%s: got IPv4Options(%x).Validate() = %v, want %v", tc.name, []byte(o), got, tc.want)
		}
	}
}

func TestIPv4OptionsIterate(t *testing.T) {
	o := IPv4Options(IPv4(fixtureOptions).Options())
	var types []uint8
	var lens []int
	for rest := o; len(rest) > 0; {
		opt, next, err := rest.Next()
		if err != nil {
			t.Fatalf("got Next() error %v, want nil", err)
		}
		types = append(types, opt[0])
		lens = append(lens, len(opt))
		rest = next
	}
	if want := []uint8{IPv4OptRouterAlert, IPv4OptNOP, IPv4OptRR}; !bytes.Equal(types, want) {
		t.Errorf("got option types %v, want %v", types, want)
	}
	for _, tc := range []struct {
		typ  uint8
		has  bool
		find []byte
	}{
		{IPv4OptRouterAlert, true, []byte{148, 4, 0, 0}},
		{IPv4OptRR, true, []byte{7, 7, 4, 0, 0, 0, 0}},
		{IPv4OptNOP, true, []byte{1}},
		{IPv4OptLSRR, false, nil},
		{IPv4OptTimestamp, false, nil},
	} {
		if got := o.Has(tc.typ); got != tc.has {
			t.Errorf("got Has(%d) = %v, want %v", tc.typ, got, tc.has)
		}
		if got := o.Find(tc.typ); !bytes.Equal(got, tc.find) {
			t.Errorf("got Find(%d) = %x, want %x", tc.typ, got, tc.find)
		}
	}
	if opt, rest, err := IPv4Options(nil).Next(); opt != nil || rest != nil || err != nil {
		t.Errorf("got Next() on empty options = %x, %x, %v, want nil, nil, nil", opt, rest, err)
	}
}

func TestIPv4OptionsCopied(t *testing.T) {
	// NOP, LSRR (copied), RR (not copied), Router Alert (copied), EOL.
	o := IPv4Options(unhexFixture("01 830704 0a000001 070704 00000000 94040000 00"))
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := o.CopiedLen(); got != 12 {
		t.Errorf("got CopiedLen() = %d, want 12 (7 + 4 padded)", got)
	}
	b := bytes.Repeat([]byte{0xee}, 16)
	n := o.WriteCopied(b)
	if want := unhexFixture("830704 0a000001 94040000 00"); n != 12 || !bytes.Equal(b[:n], want) {
		t.Errorf("got WriteCopied = %d, %x, want 12, %x", n, b[:n], want)
	}
	for _, tc := range []struct {
		typ  uint8
		want bool
	}{{IPv4OptLSRR, true}, {IPv4OptSSRR, true}, {IPv4OptRouterAlert, true}, {IPv4OptRR, false}, {IPv4OptTimestamp, false}, {IPv4OptNOP, false}} {
		if got := IPv4OptionCopied(tc.typ); got != tc.want {
			t.Errorf("got IPv4OptionCopied(%d) = %v, want %v", tc.typ, got, tc.want)
		}
	}
}

func TestIPv4HeaderAddresses(t *testing.T) {
	// Addresses that are not IPv4 become 0.0.0.0; IPv4-mapped ones unmap.
	h := IPv4Header{TotalLen: 20, Src: netip.Addr{}, Dst: netip.AddrFrom16(ipB.As16())}
	b := make([]byte, 20)
	h.Marshal(b)
	if got := IPv4(b).Src(); got != netip.IPv4Unspecified() {
		t.Errorf("got Src() for the zero Addr = %v, want 0.0.0.0", got)
	}
	if got := IPv4(b).Dst(); got != ipB {
		t.Errorf("got Dst() for ::ffff:10.0.0.2 = %v, want %v", got, ipB)
	}
}

func BenchmarkIPv4Validate(b *testing.B) {
	ip := IPv4(fixtureEchoRequest[EthernetHeaderLen:])
	b.ReportAllocs()
	for b.Loop() {
		if err := ip.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIPv4HeaderMarshal(b *testing.B) {
	h := IPv4Header{TotalLen: 1500, ID: 1, Flags: IPv4FlagDF, TTL: 64, Protocol: ProtoUDP, Src: ipA, Dst: ipB}
	buf := make([]byte, 20)
	b.ReportAllocs()
	for b.Loop() {
		h.Marshal(buf)
	}
}
