package wire

import (
	"encoding/binary"
	"net/netip"
)

// ICMP for IPv4 (RFC 792; RFC 1122 §3.2.2; RFC 1812 §4.3).
const (
	// ICMPHeaderLen is the length of the ICMP header: type, code, checksum
	// and four bytes whose meaning depends on the type.
	ICMPHeaderLen = 8
)

// ICMP message types (RFC 792).
const (
	// ICMPEchoReply answers an echo request (RFC 792 "Echo or Echo Reply").
	ICMPEchoReply = 0
	// ICMPDestUnreachable reports a datagram that could not be delivered
	// (RFC 792; codes below; RFC 1122 §3.2.2.1).
	ICMPDestUnreachable = 3
	// ICMPSourceQuench is deprecated (RFC 6633) but still an error message
	// that quotes a datagram.
	ICMPSourceQuench = 4
	// ICMPRedirect tells a host of a better first hop (RFC 792;
	// RFC 1122 §3.2.2.2).
	ICMPRedirect = 5
	// ICMPEchoRequest asks for an echo reply: ping (RFC 792;
	// RFC 1122 §3.2.2.6).
	ICMPEchoRequest = 8
	// ICMPTimeExceeded reports a datagram dropped for TTL or reassembly
	// time (RFC 792; RFC 1122 §3.2.2.4).
	ICMPTimeExceeded = 11
	// ICMPParamProblem reports a header field a receiver could not process,
	// with a pointer to it (RFC 792; RFC 1122 §3.2.2.5).
	ICMPParamProblem = 12
)

// ICMP codes of destination unreachable (type 3) and time exceeded
// (type 11) messages (RFC 792; RFC 1191 §4 for fragmentation needed).
const (
	// ICMPNetUnreachable (type 3): no route to the network.
	ICMPNetUnreachable = 0
	// ICMPHostUnreachable (type 3): the host did not answer ARP.
	ICMPHostUnreachable = 1
	// ICMPProtoUnreachable (type 3): no handler for the IP protocol.
	ICMPProtoUnreachable = 2
	// ICMPPortUnreachable (type 3): no socket bound to the UDP port.
	ICMPPortUnreachable = 3
	// ICMPFragNeeded (type 3): the datagram had DF set and is larger than
	// the next hop's MTU, which the message carries (RFC 1191 §4).
	ICMPFragNeeded = 4
	// ICMPTTLExceeded (type 11): the TTL reached zero in transit.
	ICMPTTLExceeded = 0
	// ICMPReassemblyTimeExceeded (type 11): fragments did not all arrive in
	// time (RFC 1122 §3.3.2).
	ICMPReassemblyTimeExceeded = 1
)

// Field offsets of an ICMP message (RFC 792).
const (
	icmpType     = 0
	icmpCode     = 1
	icmpChecksum = 2
	icmpID       = 4 // echo: identifier
	icmpSeq      = 6 // echo: sequence number
	icmpPointer  = 4 // parameter problem: offset of the bad octet
	icmpMTU      = 6 // fragmentation needed: next-hop MTU (RFC 1191 §4)
	icmpGateway  = 4 // redirect: gateway address
	icmpData     = 8 // echo data or quoted datagram
)

// ICMPQuoteDataLen is how much of the original datagram's payload an ICMP
// error quotes after its IP header: "the first 64 bits" (RFC 792;
// RFC 1122 §3.2.2), enough for transport ports.
const ICMPQuoteDataLen = 8

// ICMP is a view of an ICMP message, the payload of an IPv4 datagram with
// protocol ProtoICMP. Call Validate before any accessor.
type ICMP []byte

// Validate reports whether m holds at least the 8-byte header (ErrTruncated)
// and its checksum over the whole message is correct (ErrBadChecksum,
// RFC 792). It never panics.
func (m ICMP) Validate() error {
	if len(m) < ICMPHeaderLen {
		return ErrTruncated
	}
	if Checksum(m, 0) != 0 {
		return ErrBadChecksum
	}
	return nil
}

// Type returns the message type: ICMPEchoRequest, ICMPDestUnreachable, ...
func (m ICMP) Type() uint8 { return m[icmpType] }

// Code returns the code, whose meaning depends on the type.
func (m ICMP) Code() uint8 { return m[icmpCode] }

// Checksum returns the checksum field as sent.
func (m ICMP) Checksum() uint16 { return binary.BigEndian.Uint16(m[icmpChecksum:]) }

// ID returns the identifier of an echo request or reply.
func (m ICMP) ID() uint16 { return binary.BigEndian.Uint16(m[icmpID:]) }

// Seq returns the sequence number of an echo request or reply.
func (m ICMP) Seq() uint16 { return binary.BigEndian.Uint16(m[icmpSeq:]) }

// NextHopMTU returns the next-hop MTU of a fragmentation-needed message
// (type 3 code 4), or 0 from a router older than RFC 1191 §4.
func (m ICMP) NextHopMTU() uint16 { return binary.BigEndian.Uint16(m[icmpMTU:]) }

// Pointer returns the octet offset into the quoted header of a parameter
// problem message (RFC 792 "Parameter Problem Message").
func (m ICMP) Pointer() uint8 { return m[icmpPointer] }

// Gateway returns the gateway address of a redirect message (RFC 792
// "Redirect Message").
func (m ICMP) Gateway() netip.Addr {
	return netip.AddrFrom4([4]byte(m[icmpGateway : icmpGateway+4]))
}

// Payload returns the bytes after the 8-byte header: echo data, or the
// quoted datagram of an error message (see ICMPQuote).
func (m ICMP) Payload() []byte { return m[icmpData:] }

// IsError reports whether m is an error message that quotes a datagram.
func (m ICMP) IsError() bool { return ICMPIsError(m.Type()) }

// ICMPIsError reports whether messages of type typ are error messages that
// quote the datagram they are about (destination unreachable, source quench,
// redirect, time exceeded, parameter problem; RFC 1122 §3.2.2) rather than
// queries (echo and the like).
func ICMPIsError(typ uint8) bool {
	switch typ {
	case ICMPDestUnreachable, ICMPSourceQuench, ICMPRedirect, ICMPTimeExceeded, ICMPParamProblem:
		return true
	}
	return false
}

// EncodeICMPEcho writes an echo request or reply (typ ICMPEchoRequest or
// ICMPEchoReply) with identifier id, sequence number seq and data payload
// into b, computes its checksum and returns its length, 8+len(payload).
// payload may already sit at b[8:] (copy handles the overlap). It panics if
// b is too short.
func EncodeICMPEcho(b []byte, typ uint8, id, seq uint16, payload []byte) int {
	n := ICMPHeaderLen + len(payload)
	b = b[:n]
	copy(b[icmpData:], payload)
	b[icmpType] = typ
	b[icmpCode] = 0
	b[icmpChecksum], b[icmpChecksum+1] = 0, 0
	binary.BigEndian.PutUint16(b[icmpID:], id)
	binary.BigEndian.PutUint16(b[icmpSeq:], seq)
	binary.BigEndian.PutUint16(b[icmpChecksum:], Checksum(b, 0))
	return n
}

// ICMPErrorQuoteLen returns how many bytes of original an ICMP error about it
// quotes: its IP header and at most the first 8 bytes of its payload
// (RFC 792; RFC 1122 §3.2.2), never past its total length or the bytes
// given. original need not be valid; ICMPErrorQuoteLen never panics.
func ICMPErrorQuoteLen(original []byte) int {
	n := len(original)
	if n == 0 {
		return 0
	}
	hl := max(int(original[ipVerIHL]&0x0f)*4, IPv4MinHeaderLen)
	want := hl + ICMPQuoteDataLen
	if n >= ipTotalLen+2 {
		if tl := int(binary.BigEndian.Uint16(original[ipTotalLen:])); tl >= hl && tl < want {
			want = tl
		}
	}
	return min(n, want)
}

// EncodeICMPError writes an ICMP error message of type typ and code code
// about the datagram original into b, computes its checksum and returns its
// length: the 8-byte header, then the original IP header and at most the
// first 8 bytes of its payload (ICMPErrorQuoteLen; RFC 792; RFC 1812
// §4.3.2.3 allows more, netlab quotes the minimum). nextHopMTU goes into
// bytes 6-7, as fragmentation needed (type 3 code 4) carries it (RFC 1191
// §4); pass 0 for every other message. b must not overlap original. It
// panics if b is too short.
func EncodeICMPError(b []byte, typ, code uint8, nextHopMTU uint16, original []byte) int {
	q := ICMPErrorQuoteLen(original)
	b = b[:ICMPHeaderLen+q]
	b[icmpType] = typ
	b[icmpCode] = code
	b[icmpChecksum], b[icmpChecksum+1] = 0, 0
	b[4], b[5] = 0, 0
	binary.BigEndian.PutUint16(b[icmpMTU:], nextHopMTU)
	copy(b[icmpData:], original[:q])
	binary.BigEndian.PutUint16(b[icmpChecksum:], Checksum(b, 0))
	return len(b)
}

// EncodeICMPParamProblem writes a parameter problem message (type 12 code
// 0) whose pointer names the octet of original's header that could not be
// processed (RFC 792; RFC 1122 §3.2.2.5), quoting original like
// EncodeICMPError, and returns its length. b must not overlap original. It
// panics if b is too short.
func EncodeICMPParamProblem(b []byte, pointer uint8, original []byte) int {
	n := EncodeICMPError(b, ICMPParamProblem, 0, 0, original)
	b[icmpPointer] = pointer
	binary.BigEndian.PutUint16(b[icmpChecksum:], UpdateChecksum(
		binary.BigEndian.Uint16(b[icmpChecksum:]), 0, uint16(pointer)<<8))
	return n
}

// ICMPQuote returns the datagram quoted in an error message m (one that
// IsError): its IPv4 header and what follows of it. m must be valid. The
// quote is cut short, so it is checked loosely, not with IPv4.Validate:
// version 4 (ErrBadVersion), IHL of at least 5 (ErrBadHeaderLen), the whole
// header and the first min(8, total length - header) payload bytes present
// (ErrTruncated); neither its checksum nor its total length is checked.
// For other types it returns ErrNotICMPError. On the result, the header
// accessors are safe and Payload returns the quoted payload bytes. It never
// panics on a valid m.
func ICMPQuote(m ICMP) (IPv4, error) {
	if !m.IsError() {
		return nil, ErrNotICMPError
	}
	q := IPv4(m[icmpData:])
	if len(q) < IPv4MinHeaderLen {
		return nil, ErrTruncated
	}
	if q[ipVerIHL]>>4 != IPv4Version {
		return nil, ErrBadVersion
	}
	hl := q.HeaderLen()
	if hl < IPv4MinHeaderLen {
		return nil, ErrBadHeaderLen
	}
	need := hl + min(ICMPQuoteDataLen, max(q.TotalLen()-hl, 0))
	if len(q) < need {
		return nil, ErrTruncated
	}
	return q, nil
}

// ICMPErrorAllowed reports whether RFC 1122 §3.2.2 (and RFC 1812 §4.3.2.7)
// allows sending an ICMP error about the valid datagram orig: not about an
// ICMP error message, nor a fragment other than the first, nor a datagram
// sent to the limited broadcast or a multicast address, nor one whose
// source is not a single host (0.0.0.0, broadcast, multicast, loopback).
// Directed broadcasts are for the caller to check: it knows the netif's
// prefix. orig must be valid (IPv4.Validate).
func ICMPErrorAllowed(orig IPv4) bool {
	if orig.FragOffset() != 0 {
		return false
	}
	dst, src := orig.Dst(), orig.Src()
	if dst.IsMulticast() || dst == limitedBroadcast {
		return false
	}
	if src.IsUnspecified() || src.IsMulticast() || src.IsLoopback() || src == limitedBroadcast {
		return false
	}
	if orig.Protocol() == ProtoICMP {
		p := orig.Payload()
		if len(p) == 0 || ICMPIsError(p[icmpType]) {
			return false
		}
	}
	return true
}

// limitedBroadcast is 255.255.255.255 (RFC 919 §7; RFC 1122 §3.2.1.3).
var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})
