package wire

import (
	"bytes"
	"net/netip"
	"testing"
)

// FuzzTCP checks the TCP view and options parser on any bytes: Validate
// and ParseTCPOptions never panic; a valid segment's checksum recomputes
// to the same bytes; options that parse re-encode (Marshal) to options
// that parse to the same representation; a header re-encoded from its
// decoded fields decodes to the same fields.
func FuzzTCP(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, src, dst uint32) {
		s4 := netip.AddrFrom4([4]byte{byte(src >> 24), byte(src >> 16), byte(src >> 8), byte(src)})
		d4 := netip.AddrFrom4([4]byte{byte(dst >> 24), byte(dst >> 16), byte(dst >> 8), byte(dst)})
		seg := TCP(data)
		err := seg.Validate(s4, d4)
		switch {
		case len(data) < TCPMinHeaderLen:
			if err != ErrTruncated {
				t.Fatalf("got Validate() = %v for %d bytes, want ErrTruncated", err, len(data))
			}
			return
		case err == ErrBadTCPDataOffset:
			if n := seg.HeaderLen(); n >= TCPMinHeaderLen && n <= len(data) {
				t.Fatalf("got ErrBadTCPDataOffset for data offset %d of %d bytes", n, len(data))
			}
			return
		case err != nil && err != ErrBadChecksum:
			t.Fatalf("got Validate() = %v", err)
		}
		// The checksum recomputed: valid segments come out unchanged, and
		// any segment validates afterwards.
		b := bytes.Clone(data)
		SetTCPChecksum(b, s4, d4)
		if verr := TCP(b).Validate(s4, d4); verr != nil {
			t.Fatalf("got Validate(SetTCPChecksum(...)) = %v", verr)
		}
		if err == nil && !bytes.Equal(b, data) {
			t.Fatalf("got SetTCPChecksum = %x, want %x unchanged", b, data)
		}

		var o TCPOptions
		if perr := ParseTCPOptions(seg.Options(), &o); perr != nil {
			if perr != ErrBadTCPOptions {
				t.Fatalf("got ParseTCPOptions() = %v, want nil or ErrBadTCPOptions", perr)
			}
			return
		}
		if o.NumSACK < 0 || o.NumSACK > 4 {
			t.Fatalf("got NumSACK %d", o.NumSACK)
		}
		h := TCPHeader{SrcPort: seg.SrcPort(), DstPort: seg.DstPort(), Seq: seg.Seq(), Ack: seg.Ack(),
			Flags: seg.Flags(), Window: seg.Window(), Urgent: seg.Urgent(), Options: o}
		out := make([]byte, TCPMaxHeaderLen)
		n := h.Marshal(out)
		if n != h.Len() || n%4 != 0 || n > TCPMaxHeaderLen {
			t.Fatalf("got Marshal length %d, Len() %d", n, h.Len())
		}
		re := TCP(out[:n])
		var o2 TCPOptions
		if perr := ParseTCPOptions(re.Options(), &o2); perr != nil {
			t.Fatalf("got ParseTCPOptions(Marshal(%+v)) = %v", o, perr)
		}
		if n < TCPMaxHeaderLen && o2 != o {
			t.Fatalf("got options %+v after a round trip, want %+v", o2, o)
		}
		got := TCPHeader{SrcPort: re.SrcPort(), DstPort: re.DstPort(), Seq: re.Seq(), Ack: re.Ack(),
			Flags: re.Flags(), Window: re.Window(), Urgent: re.Urgent(), Options: o2}
		got.Options, h.Options = TCPOptions{}, TCPOptions{}
		if got != h {
			t.Fatalf("got header %+v after a round trip, want %+v", got, h)
		}
	})
}
