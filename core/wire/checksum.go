package wire

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// The Internet checksum (RFC 1071) is the 16-bit one's complement of the one's
// complement sum of a message taken as 16-bit big-endian words, a final odd
// byte padded with a zero byte on its right. IPv4 (RFC 791 §3.1), ICMP
// (RFC 792) and UDP (RFC 768) use it.
//
// The one's complement sum is the ordinary sum modulo 2^16-1 (with "negative
// zero" 0xffff kept apart from 0). Because 2^32 and 2^64 are both 1 modulo
// 2^16-1, adding 64-bit big-endian words with end-around carry and folding
// the result down to 16 bits gives the same sum as adding 16-bit words
// (RFC 1071 §2 (A) associativity, (C) parallel summation): Sum reads eight
// bytes at a time.

// Sum returns the one's complement sum of b added to initial, not yet folded
// to 16 bits and not complemented: a partial sum to compose with further Sum
// calls, Checksum or PseudoHeaderSum results (RFC 1071 §2 (C), §4.1).
//
// Sums compose like concatenation, Sum(b2, Sum(b1, s)) ≡ Sum(b1‖b2, s),
// as long as every part but the last has an even length: an odd part would
// shift the bytes after it out of their 16-bit lanes (RFC 1071 §2 (B)).
// The result is congruent to the true sum modulo 0xffff; compare sums only
// after folding (Fold) or through Checksum.
func Sum(b []byte, initial uint32) uint32 {
	acc := uint64(initial)
	var carry uint64
	for len(b) >= 32 {
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[0:8]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[8:16]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[16:24]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[24:32]), carry)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b), carry)
		b = b[8:]
	}
	if len(b) >= 4 {
		acc, carry = bits.Add64(acc, uint64(binary.BigEndian.Uint32(b)), carry)
		b = b[4:]
	}
	if len(b) >= 2 {
		acc, carry = bits.Add64(acc, uint64(binary.BigEndian.Uint16(b)), carry)
		b = b[2:]
	}
	if len(b) == 1 {
		acc, carry = bits.Add64(acc, uint64(b[0])<<8, carry)
	}
	// End-around carry: 2^64 ≡ 1 (mod 2^16-1). acc+carry cannot overflow
	// twice, so one more add settles it.
	acc, carry = bits.Add64(acc, carry, 0)
	acc += carry
	// Fold 64 bits into 32 (2^32 ≡ 1), twice to absorb the carry.
	acc = acc>>32 + acc&0xffffffff
	acc = acc>>32 + acc&0xffffffff
	return uint32(acc)
}

// Fold folds a partial sum from Sum or PseudoHeaderSum into 16 bits with
// end-around carry (RFC 1071 §4.1), without complementing it. A non-zero sum
// never folds to zero.
func Fold(sum uint32) uint16 {
	s := sum>>16 + sum&0xffff
	s = s>>16 + s&0xffff
	return uint16(s)
}

// Checksum returns the Internet checksum of b with initial as a partial sum
// of what precedes it (a pseudo-header, say): the one's complement of the
// folded one's complement sum (RFC 1071). Over a message whose checksum
// field holds a correct checksum, Checksum returns 0.
func Checksum(b []byte, initial uint32) uint16 {
	return ^Fold(Sum(b, initial))
}

// PseudoHeaderSum returns the partial sum of the IPv4 pseudo-header that the
// UDP (RFC 768) and TCP (RFC 793 §3.1) checksums cover: source and
// destination address, zero, protocol, and the transport length in bytes.
// Addresses that are not IPv4 (or IPv4-mapped IPv6) count as 0.0.0.0.
func PseudoHeaderSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	s, d := addr4(src), addr4(dst)
	sum := uint32(binary.BigEndian.Uint16(s[0:2])) + uint32(binary.BigEndian.Uint16(s[2:4])) +
		uint32(binary.BigEndian.Uint16(d[0:2])) + uint32(binary.BigEndian.Uint16(d[2:4])) +
		uint32(proto) + uint32(length)&0xffff
	return sum
}

// addr4 returns a's four bytes, or 0.0.0.0 for an address that is not IPv4
// or IPv4-mapped IPv6 (including the zero Addr).
func addr4(a netip.Addr) [4]byte {
	if a.Is4() || a.Is4In6() {
		return a.As4()
	}
	return [4]byte{}
}

// UpdateChecksum returns the checksum hc of a header after one of its 16-bit
// words changed from old to new, without summing the header again
// (RFC 1624 §3, eqn. 3: HC' = ~(~HC + ~m + m')).
func UpdateChecksum(hc, old, new uint16) uint16 {
	s := uint32(^hc) + uint32(^old) + uint32(new)
	return ^Fold(s)
}
