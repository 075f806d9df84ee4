package wire

import "errors"

// Validation errors. Every Validate method and parser in this package returns
// one of these values unwrapped, so the fast path never allocates and callers
// may compare with == or errors.Is and map each value to a drop counter.
//
// ErrTruncated and ErrBadChecksum are shared by all formats: the caller knows
// which layer it validated. The others belong to one format and say so.
var (
	// ErrTruncated reports a buffer shorter than the header it must hold, or
	// than the header length the header itself claims.
	ErrTruncated = errors.New("wire: packet truncated")

	// ErrBadChecksum reports an Internet checksum (RFC 1071) that does not
	// verify: the IPv4 header checksum (RFC 791 §3.1), the ICMP checksum
	// (RFC 792) or the UDP checksum over its pseudo-header (RFC 768).
	ErrBadChecksum = errors.New("wire: checksum mismatch")

	// ErrBadVersion reports an IPv4 header whose version field is not 4
	// (RFC 791 §3.1; RFC 1122 §3.2.1.1: silently discard).
	ErrBadVersion = errors.New("ipv4: version is not 4")

	// ErrBadHeaderLen reports an IPv4 Internet Header Length below 5 words
	// (RFC 791 §3.1; RFC 1122 §3.2.1.2).
	ErrBadHeaderLen = errors.New("ipv4: header length (IHL) below 20 bytes")

	// ErrBadTotalLen reports an IPv4 total length shorter than the header or
	// longer than the bytes received (RFC 791 §3.1).
	ErrBadTotalLen = errors.New("ipv4: total length shorter than header or longer than packet")

	// ErrBadOptions reports IPv4 options that are not well formed
	// (RFC 791 §3.1 "Options"): an option length below 2 or past the end of
	// the header, or a known option with an impossible length or pointer.
	ErrBadOptions = errors.New("ipv4: malformed options")

	// ErrBadARP reports an ARP packet that is not an Ethernet/IPv4 request or
	// reply (RFC 826 "Packet format": hrd 1, pro 0x0800, hln 6, pln 4,
	// op 1 or 2).
	ErrBadARP = errors.New("arp: not an Ethernet/IPv4 request or reply")

	// ErrBadUDPLength reports a UDP length field below the 8-byte header or
	// past the end of the datagram (RFC 768).
	ErrBadUDPLength = errors.New("udp: length field below 8 or past end of datagram")

	// ErrBadTCPDataOffset reports a TCP data offset below 5 words or past
	// the end of the segment (RFC 9293 §3.1).
	ErrBadTCPDataOffset = errors.New("tcp: data offset below 20 bytes or past end of segment")

	// ErrBadTCPOptions reports TCP options that are not well formed
	// (RFC 9293 §3.2): a length below 2 or past the end of the header, or
	// a known option with a length it cannot have.
	ErrBadTCPOptions = errors.New("tcp: malformed options")

	// ErrNotICMPError reports an ICMP message that carries no quoted
	// datagram: only destination unreachable, source quench, redirect, time
	// exceeded and parameter problem do (RFC 792; RFC 1122 §3.2.2).
	ErrNotICMPError = errors.New("icmp: not an error message")

	// ErrBadMAC reports text that is not a 48-bit MAC address written as six
	// hexadecimal pairs separated by ':' or '-'. ParseMAC wraps it with the
	// input.
	ErrBadMAC = errors.New("wire: invalid MAC address")
)
