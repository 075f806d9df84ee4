package wire

import (
	"encoding/binary"
	"net/netip"
)

// ARP for IPv4 over Ethernet (RFC 826 "Packet format"; RFC 1122 §2.3.2;
// RFC 5227 for probes and announcements).
const (
	// ARPLen is the length of an Ethernet/IPv4 ARP packet: 8 bytes of fixed
	// header, two 6-byte hardware and two 4-byte protocol addresses. It fits
	// in EthernetMinLen with 18 bytes of padding.
	ARPLen = 28

	// ARPRequest is the ares_op$REQUEST opcode (RFC 826).
	ARPRequest = 1
	// ARPReply is the ares_op$REPLY opcode (RFC 826).
	ARPReply = 2

	// arpHTypeEthernet is ares_hrd$Ethernet (RFC 826; IANA hardware type 1).
	arpHTypeEthernet = 1
)

// Field offsets of an Ethernet/IPv4 ARP packet (RFC 826 "Packet format").
const (
	arpHType     = 0  // ar$hrd, hardware address space
	arpPType     = 2  // ar$pro, protocol address space (an EtherType)
	arpHLen      = 4  // ar$hln, hardware address length: 6
	arpPLen      = 5  // ar$pln, protocol address length: 4
	arpOp        = 6  // ar$op, opcode
	arpSenderMAC = 8  // ar$sha
	arpSenderIP  = 14 // ar$spa
	arpTargetMAC = 18 // ar$tha
	arpTargetIP  = 24 // ar$tpa
)

// ARP is a view of an ARP packet, the payload of an Ethernet frame with
// EtherType EtherTypeARP. Call Validate before any accessor.
type ARP []byte

// Validate reports whether a is an Ethernet/IPv4 ARP request or reply: at
// least ARPLen bytes (ErrTruncated), hardware type 1 (Ethernet), protocol
// type 0x0800 (IPv4), address lengths 6 and 4, opcode 1 or 2 (ErrBadARP).
// Bytes past ARPLen are Ethernet padding and ignored. It never panics.
func (a ARP) Validate() error {
	if len(a) < ARPLen {
		return ErrTruncated
	}
	if binary.BigEndian.Uint16(a[arpHType:]) != arpHTypeEthernet ||
		binary.BigEndian.Uint16(a[arpPType:]) != EtherTypeIPv4 ||
		a[arpHLen] != 6 || a[arpPLen] != 4 {
		return ErrBadARP
	}
	if op := a.Op(); op != ARPRequest && op != ARPReply {
		return ErrBadARP
	}
	return nil
}

// Op returns the opcode: ARPRequest or ARPReply.
func (a ARP) Op() uint16 { return binary.BigEndian.Uint16(a[arpOp:]) }

// SenderMAC returns the sender hardware address (ar$sha).
func (a ARP) SenderMAC() MAC { return MAC(a[arpSenderMAC : arpSenderMAC+6]) }

// SenderIP returns the sender protocol address (ar$spa); 0.0.0.0 in an
// RFC 5227 probe.
func (a ARP) SenderIP() netip.Addr { return netip.AddrFrom4([4]byte(a[arpSenderIP : arpSenderIP+4])) }

// TargetMAC returns the target hardware address (ar$tha); all zeros in a
// request, where it is not yet known.
func (a ARP) TargetMAC() MAC { return MAC(a[arpTargetMAC : arpTargetMAC+6]) }

// TargetIP returns the target protocol address (ar$tpa), the address being
// resolved in a request.
func (a ARP) TargetIP() netip.Addr { return netip.AddrFrom4([4]byte(a[arpTargetIP : arpTargetIP+4])) }

// IsProbe reports whether a is an RFC 5227 §2.1.1 probe: a request with
// sender IP 0.0.0.0, sent while checking that an address is free.
func (a ARP) IsProbe() bool {
	return a.Op() == ARPRequest && a.SenderIP() == netip.IPv4Unspecified()
}

// IsAnnouncement reports whether a is a gratuitous ARP (RFC 5227 §2.3;
// RFC 5944 §4.6): sender and target IP equal and not 0.0.0.0, whether sent
// as a request or a reply.
func (a ARP) IsAnnouncement() bool {
	return a.SenderIP() == a.TargetIP() && a.SenderIP() != netip.IPv4Unspecified()
}

// EncodeARP writes an Ethernet/IPv4 ARP packet into b[:ARPLen]. Addresses
// that are not IPv4 are written as 0.0.0.0. It panics if b is shorter than
// ARPLen.
func EncodeARP(b []byte, op uint16, senderMAC MAC, senderIP netip.Addr, targetMAC MAC, targetIP netip.Addr) {
	_ = b[ARPLen-1]
	binary.BigEndian.PutUint16(b[arpHType:], arpHTypeEthernet)
	binary.BigEndian.PutUint16(b[arpPType:], EtherTypeIPv4)
	b[arpHLen] = 6
	b[arpPLen] = 4
	binary.BigEndian.PutUint16(b[arpOp:], op)
	copy(b[arpSenderMAC:arpSenderMAC+6], senderMAC[:])
	s := addr4(senderIP)
	copy(b[arpSenderIP:arpSenderIP+4], s[:])
	copy(b[arpTargetMAC:arpTargetMAC+6], targetMAC[:])
	t := addr4(targetIP)
	copy(b[arpTargetIP:arpTargetIP+4], t[:])
}
