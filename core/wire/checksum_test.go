package wire

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// naiveSum is the reference one's complement sum: 16-bit big-endian words,
// an odd byte padded on its right, carries folded in after every addition
// (RFC 1071 §4.1, written for clarity rather than speed).
func naiveSum(b []byte, initial uint32) uint16 {
	s := uint32(Fold(initial))
	for i := 0; i < len(b); i += 2 {
		w := uint32(b[i]) << 8
		if i+1 < len(b) {
			w |= uint32(b[i+1])
		}
		s += w
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestChecksumRFC1071(t *testing.T) {
	// RFC 1071 §3 "Numerical Examples": bytes 00 01 f2 03 f4 f5 f6 f7 sum to
	// 0x2ddf0, which folds to 0xddf2; the checksum is its complement.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := Fold(Sum(b, 0)); got != 0xddf2 {
		t.Errorf("got Fold(Sum(%x)) = %#04x, want 0xddf2", b, got)
	}
	if got := Checksum(b, 0); got != 0x220d {
		t.Errorf("got Checksum(%x) = %#04x, want 0x220d", b, got)
	}
}

func TestChecksumIPv4Header(t *testing.T) {
	// The IPv4 header example of Wikipedia's "Internet checksum" article,
	// 192.168.0.1 > 192.168.0.199 UDP: 4500+0073+0000+4000+4011+c0a8+0001+
	// c0a8+00c7 = 0x2479c, folded 0x479e, complemented 0xb861.
	h := unhexFixture("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7")
	if got := Checksum(h, 0); got != 0xb861 {
		t.Errorf("got Checksum(header with zero field) = %#04x, want 0xb861", got)
	}
	h[10], h[11] = 0xb8, 0x61
	if got := Checksum(h, 0); got != 0 {
		t.Errorf("got Checksum(header with its checksum) = %#04x, want 0", got)
	}
}

func TestChecksumOddLengths(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want uint16
	}{
		{nil, 0xffff},
		{[]byte{0x01}, 0xfeff},                               // 0x0100
		{[]byte{0xab, 0xcd, 0xef}, 0x6531},                   // 0xabcd+0xef00 = 0x19acd -> 0x9ace
		{[]byte{0xff, 0xff, 0xff}, 0x00ff},                   // 0xffff+0xff00 = 0x1feff -> 0xff00
		{[]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, ^uint16(0x1914)}, // 0102+0304+0506+0708+0900
	} {
		if got := Checksum(tc.b, 0); got != tc.want {
			t.Errorf("got Checksum(%x) = %#04x, want %#04x", tc.b, got, tc.want)
		}
	}
}

func TestChecksumAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4000)
	for i := 0; i < 3000; i++ {
		n := r.IntN(len(buf))
		b := buf[:n]
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		initial := r.Uint32()
		if i%3 == 0 {
			initial = 0
		}
		if got, want := Fold(Sum(b, initial)), naiveSum(b, initial); got != want {
			// 0 and 0xffff are both one's complement zero; the sum of
			// data that is not all zero is never 0.
			t.Fatalf("got Fold(Sum(%d random bytes, %#x)) = %#04x, want %#04x", n, initial, got, want)
		}
	}
	// Carry stress: all ones, any length.
	ones := bytes.Repeat([]byte{0xff}, 65536)
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 1500, 65535, 65536} {
		for _, initial := range []uint32{0, 0xffff, 0xffffffff} {
			if got, want := Fold(Sum(ones[:n], initial)), naiveSum(ones[:n], initial); got != want {
				t.Errorf("got Fold(Sum(%d x ff, %#x)) = %#04x, want %#04x", n, initial, got, want)
			}
		}
	}
}

func TestSumComposes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.IntN(600))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		cut := r.IntN(len(b)+1) &^ 1 // every part but the last even
		cut2 := cut + (r.IntN(len(b)-cut+1) &^ 1)
		initial := r.Uint32()
		composed := Sum(b[cut2:], Sum(b[cut:cut2], Sum(b[:cut], initial)))
		whole := Sum(b, initial)
		if Fold(composed) != Fold(whole) {
			t.Fatalf("got Fold(Sum in parts at %d, %d of %d bytes) = %#04x, want Fold(Sum(whole)) = %#04x",
				cut, cut2, len(b), Fold(composed), Fold(whole))
		}
		if Checksum(b[cut:], Sum(b[:cut], initial)) != Checksum(b, initial) {
			t.Fatalf("got Checksum composed != Checksum whole at cut %d of %d", cut, len(b))
		}
	}
}

func TestPseudoHeaderSum(t *testing.T) {
	// 0a00+0001+0a00+0002+0011+000d = 0x1421 (fixtureUDP).
	got := Fold(PseudoHeaderSum(ipA, ipB, ProtoUDP, 13))
	if got != 0x1421 {
		t.Errorf("got Fold(PseudoHeaderSum(10.0.0.1, 10.0.0.2, 17, 13)) = %#04x, want 0x1421", got)
	}
	// The same as summing the pseudo-header's bytes.
	ph := unhexFixture("0a000001 0a000002 00 11 000d")
	if want := Fold(Sum(ph, 0)); got != want {
		t.Errorf("got PseudoHeaderSum %#04x, want Sum of its bytes %#04x", got, want)
	}
	mapped := netip.AddrFrom16(ipA.As16())
	if got2 := Fold(PseudoHeaderSum(mapped, ipB, ProtoUDP, 13)); got2 != got {
		t.Errorf("got PseudoHeaderSum with IPv4-mapped source %#04x, want %#04x", got2, got)
	}
}

func TestUpdateChecksum(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 5000; i++ {
		h := make([]byte, 20)
		for j := range h {
			h[j] = byte(r.Uint32())
		}
		h[0] = 0x45 // never all zero
		h[10], h[11] = 0, 0
		c := Checksum(h, 0)
		h[10], h[11] = byte(c>>8), byte(c)
		k := 2 * (r.IntN(9) + 1)
		if k == 10 {
			k = 8
		}
		old := uint16(h[k])<<8 | uint16(h[k+1])
		nw := uint16(r.Uint32())
		if i%7 == 0 {
			nw = 0
		}
		h[k], h[k+1] = byte(nw>>8), byte(nw)
		c = UpdateChecksum(c, old, nw)
		h[10], h[11] = byte(c>>8), byte(c)
		if got := Checksum(h, 0); got != 0 {
			t.Fatalf("got Checksum after UpdateChecksum(word %d: %#04x -> %#04x) = %#04x, want 0", k, old, nw, got)
		}
	}
}

func BenchmarkChecksum1500(b *testing.B) {
	buf := make([]byte, 1500)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var sink uint16
	for b.Loop() {
		sink += Checksum(buf, 0)
	}
	_ = sink
}

func BenchmarkChecksumNaive1500(b *testing.B) {
	buf := make([]byte, 1500)
	b.SetBytes(int64(len(buf)))
	var sink uint16
	for b.Loop() {
		sink += naiveSum(buf, 0)
	}
	_ = sink
}
