package wire

import "encoding/binary"

// Ethernet II framing (IEEE 802.3 §3.2 with the Type interpretation of the
// Length/Type field; RFC 894 for IPv4 over it). Frames here carry no
// preamble and no frame check sequence.
const (
	// EthernetHeaderLen is the length of an Ethernet II header: destination
	// MAC, source MAC, EtherType.
	EthernetHeaderLen = 14
	// EthernetMinLen is the shortest Ethernet frame without its FCS (64
	// bytes on the wire less the 4-byte FCS). Senders pad shorter frames with
	// zeros to this length (RFC 894; RFC 1042); receivers must ignore the
	// padding, which IPv4.Payload does by honouring the total length.
	EthernetMinLen = 60

	// EtherTypeIPv4 is the EtherType of IPv4 (RFC 894).
	EtherTypeIPv4 = 0x0800
	// EtherTypeARP is the EtherType of ARP (RFC 826).
	EtherTypeARP = 0x0806
	// EtherTypeIPv6 is the EtherType of IPv6 (RFC 8200 via RFC 2464).
	// netlab's stacks do not speak IPv6; kernel peers have it turned off.
	EtherTypeIPv6 = 0x86dd
	// EtherTypeVLAN is the IEEE 802.1Q tag protocol identifier. netlab's
	// stacks do not tag frames; summaries decode one tag.
	EtherTypeVLAN = 0x8100
)

// Field offsets of an Ethernet II header.
const (
	ethDst  = 0
	ethSrc  = 6
	ethType = 12
)

// VLANTagLen is the length of an IEEE 802.1Q tag: tag control information
// (priority, DEI, VLAN id) and the inner EtherType, following the outer
// EtherType 0x8100.
const VLANTagLen = 4

// Ethernet is a view of an Ethernet II frame starting at the destination MAC.
// Call Validate before any accessor.
type Ethernet []byte

// Validate reports whether e is long enough to hold an Ethernet II header
// (ErrTruncated if not). It never panics.
func (e Ethernet) Validate() error {
	if len(e) < EthernetHeaderLen {
		return ErrTruncated
	}
	return nil
}

// Dst returns the destination MAC address.
func (e Ethernet) Dst() MAC { return MAC(e[ethDst : ethDst+6]) }

// Src returns the source MAC address.
func (e Ethernet) Src() MAC { return MAC(e[ethSrc : ethSrc+6]) }

// EtherType returns the EtherType field, which says what the payload is:
// EtherTypeIPv4, EtherTypeARP, ...
func (e Ethernet) EtherType() uint16 { return binary.BigEndian.Uint16(e[ethType:]) }

// Payload returns the bytes after the header, including any padding up to
// EthernetMinLen: the layer above trims it by its own length field.
func (e Ethernet) Payload() []byte { return e[EthernetHeaderLen:] }

// SetDst overwrites the destination MAC address in place, as when a frame is
// queued on ARP resolution and sent once the neighbour's address is known.
func (e Ethernet) SetDst(m MAC) { copy(e[ethDst:ethDst+6], m[:]) }

// EncodeEthernet writes an Ethernet II header into b[:EthernetHeaderLen]. It
// panics if b is shorter.
func EncodeEthernet(b []byte, dst, src MAC, etherType uint16) {
	_ = b[EthernetHeaderLen-1]
	copy(b[ethDst:ethDst+6], dst[:])
	copy(b[ethSrc:ethSrc+6], src[:])
	binary.BigEndian.PutUint16(b[ethType:], etherType)
}
