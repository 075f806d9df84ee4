package wire

import (
	"bytes"
	"testing"
)

// fixtureTCPSyn: 10.0.0.1:49152 opens a connection to 10.0.0.2:80, as
// Linux would: MSS 1460, SACK-Permitted, Timestamps (val 1, ecr 0), NOP,
// Window Scale 7. Data offset 10 words (40 bytes).
//
// Checksum: pseudo-header 0a00+0001+0a00+0002+0006+0028 = 0x1431; header
// and options bring the folded sum to 0x9059, complemented 0x6fa6.
var fixtureTCPSyn = unhexFixture(`
	c000 0050                      // 49152 > 80
	01020304 00000000              // seq 0x01020304, no ack
	a0 02 ffff                     // data offset 10, SYN, window 65535
	6fa6 0000                      // checksum, urgent 0
	02 04 05b4                     // MSS 1460
	04 02                          // SACK-Permitted
	08 0a 00000001 00000000        // Timestamps val 1 ecr 0
	01 03 03 07                    // NOP, Window Scale 7
`)

// fixtureTCPData: "hello" with PSH|ACK, seq 0x01020305 ack 0x0a0b0c0d,
// window 502, no options.
//
// Checksum: pseudo-header 0a00+0001+0a00+0002+0006+0019 = 0x1422; the
// folded sum with header and data is 0x8472, complemented 0x7b8d.
var fixtureTCPData = unhexFixture(`
	c000 0050 01020305 0a0b0c0d
	50 18 01f6                     // data offset 5, PSH|ACK, window 502
	7b8d 0000
	68656c6c6f                     // "hello"
`)

func TestTCPFixtures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		b       []byte
		hdr     TCPHeader
		payload string
	}{
		{"syn", fixtureTCPSyn, TCPHeader{SrcPort: 49152, DstPort: 80, Seq: 0x01020304, Flags: TCPSyn, Window: 65535,
			Options: TCPOptions{MSS: 1460, SACKPermitted: true, Timestamps: true, TSVal: 1, WindowScale: 7, HasWindowScale: true}}, ""},
		{"data", fixtureTCPData, TCPHeader{SrcPort: 49152, DstPort: 80, Seq: 0x01020305, Ack: 0x0a0b0c0d, Flags: TCPPsh | TCPAck, Window: 502}, "hello"},
	} {
		s := TCP(tc.b)
		if err := s.Validate(ipA, ipB); err != nil {
			t.Fatalf("%s: got Validate() = %v, want nil", tc.name, err)
		}
		var o TCPOptions
		if err := ParseTCPOptions(s.Options(), &o); err != nil {
			t.Fatalf("%s: got ParseTCPOptions() = %v", tc.name, err)
		}
		got := TCPHeader{SrcPort: s.SrcPort(), DstPort: s.DstPort(), Seq: s.Seq(), Ack: s.Ack(), Flags: s.Flags(),
			Window: s.Window(), Urgent: s.Urgent(), Options: o}
		if got != tc.hdr {
			t.Errorf("%s: got decoded %+v, want %+v", tc.name, got, tc.hdr)
		}
		if string(s.Payload()) != tc.payload {
			t.Errorf("%s: got Payload() = %q, want %q", tc.name, s.Payload(), tc.payload)
		}
		// And back: the representation encodes to the same bytes.
		b := make([]byte, tc.hdr.Len()+len(tc.payload))
		n := tc.hdr.Marshal(b)
		copy(b[n:], tc.payload)
		SetTCPChecksum(b, ipA, ipB)
		if !bytes.Equal(b, tc.b) {
			t.Errorf("%s: got Marshal = %x, want %x", tc.name, b, tc.b)
		}
	}
}

func TestTCPValidate(t *testing.T) {
	with := func(off int, v ...byte) []byte {
		b := bytes.Clone(fixtureTCPData)
		copy(b[off:], v)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"valid", fixtureTCPData, nil},
		{"empty", nil, ErrTruncated},
		{"19 bytes", fixtureTCPData[:19], ErrTruncated},
		{"data offset 4", with(12, 0x40), ErrBadTCPDataOffset},
		{"data offset 0", with(12, 0x00), ErrBadTCPDataOffset},
		{"data offset past end", with(12, 0x70), ErrBadTCPDataOffset},
		{"data changed", with(20, 'j'), ErrBadChecksum},
		{"cut short", fixtureTCPData[:22], ErrBadChecksum},
	} {
		if got := TCP(tc.b).Validate(ipA, ipB); got != tc.want {
			t.Errorf("%s: got TCP(%x).Validate() = %v, want %v", tc.name, tc.b, got, tc.want)
		}
	}
}

func TestParseTCPOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want TCPOptions
		err  error
	}{
		{"none", nil, TCPOptions{}, nil},
		{"EOL ends the list", []byte{0, 2, 1}, TCPOptions{}, nil},
		{"NOPs", []byte{1, 1, 1, 1}, TCPOptions{}, nil},
		{"MSS", []byte{2, 4, 0x02, 0x18}, TCPOptions{MSS: 536}, nil},
		{"window scale 15 kept as sent", []byte{1, 3, 3, 15}, TCPOptions{WindowScale: 15, HasWindowScale: true}, nil},
		{"SACK two blocks", []byte{1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 9},
			TCPOptions{NumSACK: 2, SACK: [4]TCPSACKBlock{{1, 2}, {5, 9}}}, nil},
		{"unknown option skipped", []byte{30, 4, 9, 9, 2, 4, 1, 0}, TCPOptions{MSS: 256}, nil},
		{"kind without length", []byte{2}, TCPOptions{}, ErrBadTCPOptions},
		{"length 1", []byte{30, 1, 0, 0}, TCPOptions{}, ErrBadTCPOptions},
		{"length 0", []byte{30, 0}, TCPOptions{}, ErrBadTCPOptions},
		{"length past end", []byte{2, 4, 5}, TCPOptions{}, ErrBadTCPOptions},
		{"MSS length 3", []byte{2, 3, 5, 0}, TCPOptions{}, ErrBadTCPOptions},
		{"window scale length 4", []byte{3, 4, 1, 1}, TCPOptions{}, ErrBadTCPOptions},
		{"SACK-Permitted length 3", []byte{4, 3, 0, 0}, TCPOptions{}, ErrBadTCPOptions},
		{"timestamps length 8", []byte{8, 8, 0, 0, 0, 0, 0, 0}, TCPOptions{}, ErrBadTCPOptions},
		{"SACK length 9", []byte{5, 9, 0, 0, 0, 0, 0, 0, 0, 0}, TCPOptions{}, ErrBadTCPOptions},
		{"SACK no blocks", []byte{5, 2, 0, 0}, TCPOptions{}, ErrBadTCPOptions},
	} {
		var got TCPOptions
		err := ParseTCPOptions(tc.b, &got)
		if err != tc.err || (err == nil && got != tc.want) {
			t.Errorf("%s: got ParseTCPOptions(%x) = %+v, %v, want %+v, %v", tc.name, tc.b, got, err, tc.want, tc.err)
		}
	}
}

func TestTCPOptionsRoundTrip(t *testing.T) {
	for _, o := range []TCPOptions{
		{},
		{MSS: 1460},
		{MSS: 1460, HasWindowScale: true, WindowScale: 3},
		{MSS: 1460, SACKPermitted: true},
		{Timestamps: true, TSVal: 7, TSEcr: 9},
		{Timestamps: true, TSVal: 7, TSEcr: 9, NumSACK: 3, SACK: [4]TCPSACKBlock{{1, 2}, {3, 4}, {5, 6}}},
		{MSS: 1, SACKPermitted: true, Timestamps: true, HasWindowScale: true, WindowScale: 14},
	} {
		b := make([]byte, TCPMaxOptionsLen)
		n := o.Marshal(b)
		if n != o.Len() || n%4 != 0 {
			t.Errorf("got Marshal length %d, Len() %d for %+v", n, o.Len(), o)
		}
		var got TCPOptions
		if err := ParseTCPOptions(b[:n], &got); err != nil || got != o {
			t.Errorf("got ParseTCPOptions(Marshal(%+v)) = %+v, %v", o, got, err)
		}
	}
	// Four SACK blocks do not fit beside timestamps: Marshal drops one.
	o := TCPOptions{Timestamps: true, NumSACK: 4, SACK: [4]TCPSACKBlock{{1, 2}, {3, 4}, {5, 6}, {7, 8}}}
	h := TCPHeader{Options: o}
	b := make([]byte, TCPMaxHeaderLen)
	if n := h.Marshal(b); n != h.Len() || n > TCPMaxHeaderLen {
		t.Fatalf("got Marshal length %d, Len() %d, want equal and at most 60", n, h.Len())
	}
	var got TCPOptions
	if err := ParseTCPOptions(TCP(b).Options(), &got); err != nil || got.NumSACK != 3 || !got.Timestamps {
		t.Errorf("got %+v, %v, want timestamps and 3 SACK blocks", got, err)
	}
}
