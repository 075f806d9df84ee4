package wire

import (
	"encoding/binary"
	"net/netip"
)

// UDP (RFC 768; RFC 1122 §4.1).

// UDPHeaderLen is the length of the UDP header: source port, destination
// port, length, checksum.
const UDPHeaderLen = 8

// Field offsets of a UDP header (RFC 768 "Format").
const (
	udpSrcPort  = 0
	udpDstPort  = 2
	udpLength   = 4 // header plus data, in bytes
	udpChecksum = 6 // over pseudo-header, header and data; 0 means none
)

// UDP is a view of a UDP datagram, the payload of an IPv4 datagram with
// protocol ProtoUDP (IPv4.Payload, so without link padding). Call Validate
// before any accessor.
type UDP []byte

// Validate reports whether u holds at least the 8-byte header
// (ErrTruncated), a length field of at least 8 and within u
// (ErrBadUDPLength), and, unless the checksum field is 0 ("no checksum",
// RFC 768; RFC 1122 §4.1.3.4), a checksum over the pseudo-header of src and
// dst, the header and the data up to the length field that verifies
// (ErrBadChecksum). Bytes past the length field are ignored. It never
// panics.
func (u UDP) Validate(src, dst netip.Addr) error {
	if len(u) < UDPHeaderLen {
		return ErrTruncated
	}
	n := u.Length()
	if n < UDPHeaderLen || n > len(u) {
		return ErrBadUDPLength
	}
	if u.Checksum() != 0 && Checksum(u[:n], PseudoHeaderSum(src, dst, ProtoUDP, n)) != 0 {
		return ErrBadChecksum
	}
	return nil
}

// SrcPort returns the source port (0 if the sender expects no reply).
func (u UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(u[udpSrcPort:]) }

// DstPort returns the destination port.
func (u UDP) DstPort() uint16 { return binary.BigEndian.Uint16(u[udpDstPort:]) }

// Length returns the length field: header plus data, in bytes.
func (u UDP) Length() int { return int(binary.BigEndian.Uint16(u[udpLength:])) }

// Checksum returns the checksum field as sent; 0 means the sender computed
// none (RFC 768).
func (u UDP) Checksum() uint16 { return binary.BigEndian.Uint16(u[udpChecksum:]) }

// Payload returns the data after the header, up to the length field.
func (u UDP) Payload() []byte { return u[UDPHeaderLen:u.Length()] }

// EncodeUDP writes a UDP header from src to dst into b[:8] for the
// payloadLen bytes of data that must already sit at b[8:8+payloadLen], and
// the checksum over the pseudo-header, header and data (RFC 768;
// RFC 1122 §4.1.3.4 says a host MUST be able to send it and netlab always
// does). A computed checksum of 0 is sent as 0xffff, since 0 means "no
// checksum" (RFC 768). payloadLen must fit the 16-bit length field (at
// most 65507 inside an IPv4 datagram). It panics if b is shorter than
// 8+payloadLen.
func EncodeUDP(b []byte, src, dst netip.AddrPort, payloadLen int) {
	n := UDPHeaderLen + payloadLen
	b = b[:n]
	binary.BigEndian.PutUint16(b[udpSrcPort:], src.Port())
	binary.BigEndian.PutUint16(b[udpDstPort:], dst.Port())
	binary.BigEndian.PutUint16(b[udpLength:], uint16(n))
	b[udpChecksum], b[udpChecksum+1] = 0, 0
	c := Checksum(b, PseudoHeaderSum(src.Addr(), dst.Addr(), ProtoUDP, n))
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(b[udpChecksum:], c)
}
