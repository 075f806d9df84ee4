package wire

import (
	"encoding/binary"
	"net/netip"
)

// TCP (RFC 9293 §3.1; options: RFC 9293 §3.2, RFC 7323, RFC 2018).

// TCP header lengths: the fixed header, and the most the 4-bit data
// offset can say (15 words).
const (
	TCPMinHeaderLen = 20
	TCPMaxHeaderLen = 60
	// TCPMaxOptionsLen is the room for options after the fixed header.
	TCPMaxOptionsLen = TCPMaxHeaderLen - TCPMinHeaderLen
)

// Field offsets of a TCP header (RFC 9293 §3.1, "Header Format").
const (
	tcpOffSrcPort  = 0
	tcpOffDstPort  = 2
	tcpOffSeq      = 4
	tcpOffAck      = 8
	tcpOffDataOff  = 12 // high 4 bits: header length in 32-bit words
	tcpOffFlags    = 13
	tcpOffWindow   = 14
	tcpOffChecksum = 16 // over pseudo-header, header and data
	tcpOffUrgent   = 18
)

// TCP control bits (RFC 9293 §3.1; ECE and CWR: RFC 3168 §6.1).
const (
	TCPFin uint8 = 0x01
	TCPSyn uint8 = 0x02
	TCPRst uint8 = 0x04
	TCPPsh uint8 = 0x08
	TCPAck uint8 = 0x10
	TCPUrg uint8 = 0x20
	TCPEce uint8 = 0x40
	TCPCwr uint8 = 0x80
)

// TCP option kinds (RFC 9293 §3.2; IANA "TCP Option Kind Numbers").
const (
	TCPOptEOL           = 0 // End of Option List, 1 byte
	TCPOptNOP           = 1 // No-Operation, 1 byte
	TCPOptMSS           = 2 // Maximum Segment Size, length 4 (RFC 9293 §3.7.1)
	TCPOptWindowScale   = 3 // Window Scale, length 3 (RFC 7323 §2)
	TCPOptSACKPermitted = 4 // SACK-Permitted, length 2 (RFC 2018 §2)
	TCPOptSACK          = 5 // SACK, length 2+8n, n in 1..4 (RFC 2018 §3)
	TCPOptTimestamps    = 8 // Timestamps, length 10 (RFC 7323 §3)
)

// TCPMaxWindowShift is the largest window scale shift (RFC 7323 §2.3):
// a larger one received is used as 14.
const TCPMaxWindowShift = 14

// TCP is a view of a TCP segment, the payload of an IPv4 datagram with
// protocol ProtoTCP (IPv4.Payload, so exactly the segment). Call Validate
// before any accessor.
type TCP []byte

// Validate reports whether t holds at least the 20-byte fixed header
// (ErrTruncated), a data offset of at least 5 words and within t
// (ErrBadTCPDataOffset), and a checksum over the pseudo-header of src and
// dst, the header and the data that verifies (ErrBadChecksum; TCP's
// checksum is mandatory, RFC 9293 §3.1). It does not look into the
// options: ParseTCPOptions does. It never panics.
func (t TCP) Validate(src, dst netip.Addr) error {
	if len(t) < TCPMinHeaderLen {
		return ErrTruncated
	}
	if n := t.HeaderLen(); n < TCPMinHeaderLen || n > len(t) {
		return ErrBadTCPDataOffset
	}
	if Checksum(t, PseudoHeaderSum(src, dst, ProtoTCP, len(t))) != 0 {
		return ErrBadChecksum
	}
	return nil
}

// SrcPort returns the source port.
func (t TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(t[tcpOffSrcPort:]) }

// DstPort returns the destination port.
func (t TCP) DstPort() uint16 { return binary.BigEndian.Uint16(t[tcpOffDstPort:]) }

// Seq returns the sequence number.
func (t TCP) Seq() uint32 { return binary.BigEndian.Uint32(t[tcpOffSeq:]) }

// Ack returns the acknowledgment number (meaningful with TCPAck set).
func (t TCP) Ack() uint32 { return binary.BigEndian.Uint32(t[tcpOffAck:]) }

// HeaderLen returns the data offset in bytes: header and options.
func (t TCP) HeaderLen() int { return int(t[tcpOffDataOff]>>4) * 4 }

// Flags returns the control bits (TCPSyn, TCPAck, ...).
func (t TCP) Flags() uint8 { return t[tcpOffFlags] }

// Window returns the window field as sent, not yet scaled.
func (t TCP) Window() uint16 { return binary.BigEndian.Uint16(t[tcpOffWindow:]) }

// Checksum returns the checksum field.
func (t TCP) Checksum() uint16 { return binary.BigEndian.Uint16(t[tcpOffChecksum:]) }

// Urgent returns the urgent pointer (meaningful with TCPUrg set).
func (t TCP) Urgent() uint16 { return binary.BigEndian.Uint16(t[tcpOffUrgent:]) }

// Options returns the option bytes between the fixed header and the data.
func (t TCP) Options() []byte { return t[TCPMinHeaderLen:t.HeaderLen()] }

// Payload returns the data after the header.
func (t TCP) Payload() []byte { return t[t.HeaderLen():] }

// TCPSACKBlock is one block of a SACK option (RFC 2018 §3): the data
// from Left up to, not including, Right was received.
type TCPSACKBlock struct{ Left, Right uint32 }

// TCPOptions is the representation of the options TCP uses. The zero
// value is no options.
type TCPOptions struct {
	// MSS is the Maximum Segment Size option's value, 0 when absent
	// (RFC 9293 §3.7.1; only in SYN segments).
	MSS uint16
	// WindowScale is the shift count of the Window Scale option, valid
	// when HasWindowScale (RFC 7323 §2; only in SYN segments). As parsed
	// it is the value sent, possibly above TCPMaxWindowShift.
	WindowScale    uint8
	HasWindowScale bool
	// SACKPermitted reports the SACK-Permitted option (RFC 2018 §2).
	SACKPermitted bool
	// Timestamps reports the Timestamps option with its TSval and TSecr
	// (RFC 7323 §3).
	Timestamps   bool
	TSVal, TSEcr uint32
	// SACK holds the first NumSACK blocks of a SACK option (RFC 2018 §3).
	SACK    [4]TCPSACKBlock
	NumSACK int
}

// ParseTCPOptions parses the option bytes of a TCP header (TCP.Options)
// into o. Options end at End of Option List or at the end of b; NOPs are
// skipped; unknown options with a well-formed length are skipped too
// (RFC 9293 §3.2, RFC 1122 §4.2.2.5). Malformed options are
// ErrBadTCPOptions: a length byte missing, below 2 or past the end, or a
// known option with a length it cannot have. It allocates nothing and
// never panics.
func ParseTCPOptions(b []byte, o *TCPOptions) error {
	*o = TCPOptions{}
	for len(b) > 0 {
		kind := b[0]
		if kind == TCPOptEOL {
			return nil
		}
		if kind == TCPOptNOP {
			b = b[1:]
			continue
		}
		if len(b) < 2 {
			return ErrBadTCPOptions
		}
		n := int(b[1])
		if n < 2 || n > len(b) {
			return ErrBadTCPOptions
		}
		v := b[2:n]
		switch kind {
		case TCPOptMSS:
			if n != 4 {
				return ErrBadTCPOptions
			}
			o.MSS = binary.BigEndian.Uint16(v)
		case TCPOptWindowScale:
			if n != 3 {
				return ErrBadTCPOptions
			}
			o.WindowScale, o.HasWindowScale = v[0], true
		case TCPOptSACKPermitted:
			if n != 2 {
				return ErrBadTCPOptions
			}
			o.SACKPermitted = true
		case TCPOptTimestamps:
			if n != 10 {
				return ErrBadTCPOptions
			}
			o.Timestamps = true
			o.TSVal = binary.BigEndian.Uint32(v)
			o.TSEcr = binary.BigEndian.Uint32(v[4:])
		case TCPOptSACK:
			if (n-2)%8 != 0 || n < 10 || n > 34 {
				return ErrBadTCPOptions
			}
			o.NumSACK = (n - 2) / 8
			for i := range o.NumSACK {
				o.SACK[i] = TCPSACKBlock{binary.BigEndian.Uint32(v[8*i:]), binary.BigEndian.Uint32(v[8*i+4:])}
			}
		}
		b = b[n:]
	}
	return nil
}

// Len returns the length of o encoded by Marshal, padded to a multiple
// of 4 bytes. With every option present it may exceed TCPMaxOptionsLen;
// Marshal then drops SACK blocks until it fits.
func (o *TCPOptions) Len() int {
	n := o.rawLen(o.NumSACK)
	return (n + 3) &^ 3
}

func (o *TCPOptions) rawLen(sack int) int {
	n := 0
	if o.MSS != 0 {
		n += 4
	}
	switch {
	case o.SACKPermitted && o.Timestamps:
		n += 12
	case o.Timestamps:
		n += 12
	case o.SACKPermitted:
		n += 4
	}
	if o.HasWindowScale {
		n += 4
	}
	if sack > 0 {
		n += 2 + 2 + 8*sack
	}
	return n
}

// Marshal writes o into b in the layout Linux uses (MSS; SACK-Permitted
// and Timestamps, or NOPs and one of them; NOP and Window Scale; NOPs and
// SACK), pads it with EOL to a multiple of 4 bytes and returns the
// length. SACK blocks that would not fit in TCPMaxOptionsLen are left
// out. It panics if b is shorter than the result.
func (o *TCPOptions) Marshal(b []byte) int {
	sack := o.NumSACK
	for sack > 0 && (o.rawLen(sack)+3)&^3 > TCPMaxOptionsLen {
		sack--
	}
	i := 0
	if o.MSS != 0 {
		b[i], b[i+1] = TCPOptMSS, 4
		binary.BigEndian.PutUint16(b[i+2:], o.MSS)
		i += 4
	}
	ts := func() {
		b[i], b[i+1] = TCPOptTimestamps, 10
		binary.BigEndian.PutUint32(b[i+2:], o.TSVal)
		binary.BigEndian.PutUint32(b[i+6:], o.TSEcr)
		i += 10
	}
	switch {
	case o.SACKPermitted && o.Timestamps:
		b[i], b[i+1] = TCPOptSACKPermitted, 2
		i += 2
		ts()
	case o.Timestamps:
		b[i], b[i+1] = TCPOptNOP, TCPOptNOP
		i += 2
		ts()
	case o.SACKPermitted:
		b[i], b[i+1], b[i+2], b[i+3] = TCPOptNOP, TCPOptNOP, TCPOptSACKPermitted, 2
		i += 4
	}
	if o.HasWindowScale {
		b[i], b[i+1], b[i+2], b[i+3] = TCPOptNOP, TCPOptWindowScale, 3, o.WindowScale
		i += 4
	}
	if sack > 0 {
		b[i], b[i+1], b[i+2], b[i+3] = TCPOptNOP, TCPOptNOP, TCPOptSACK, byte(2+8*sack)
		i += 4
		for k := range sack {
			binary.BigEndian.PutUint32(b[i:], o.SACK[k].Left)
			binary.BigEndian.PutUint32(b[i+4:], o.SACK[k].Right)
			i += 8
		}
	}
	for i&3 != 0 {
		b[i] = TCPOptEOL
		i++
	}
	return i
}

// TCPHeader is the representation of a TCP header.
type TCPHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	// Flags are the control bits (TCPSyn | TCPAck, ...).
	Flags uint8
	// Window is the window field as sent (already scaled down).
	Window uint16
	Urgent uint16
	// Options are the options to encode (Marshal lays them out).
	Options TCPOptions
}

// Len returns the header's length with its options: the data offset.
func (h *TCPHeader) Len() int {
	n := TCPMinHeaderLen + h.Options.Len()
	if n > TCPMaxHeaderLen {
		n = TCPMaxHeaderLen // Marshal drops SACK blocks to fit
	}
	return n
}

// Marshal writes the header and its options into b with a zero checksum
// and returns the header length; SetTCPChecksum fills the checksum once
// the data follows it. It panics if b is shorter than h.Len().
func (h *TCPHeader) Marshal(b []byte) int {
	n := TCPMinHeaderLen + h.Options.Marshal(b[TCPMinHeaderLen:])
	binary.BigEndian.PutUint16(b[tcpOffSrcPort:], h.SrcPort)
	binary.BigEndian.PutUint16(b[tcpOffDstPort:], h.DstPort)
	binary.BigEndian.PutUint32(b[tcpOffSeq:], h.Seq)
	binary.BigEndian.PutUint32(b[tcpOffAck:], h.Ack)
	b[tcpOffDataOff] = byte(n/4) << 4
	b[tcpOffFlags] = h.Flags
	binary.BigEndian.PutUint16(b[tcpOffWindow:], h.Window)
	b[tcpOffChecksum], b[tcpOffChecksum+1] = 0, 0
	binary.BigEndian.PutUint16(b[tcpOffUrgent:], h.Urgent)
	return n
}

// SetTCPChecksum computes the checksum of the whole segment seg (header,
// options and data) from src to dst and writes it into the header
// (RFC 9293 §3.1). It panics if seg is shorter than 20 bytes.
func SetTCPChecksum(seg []byte, src, dst netip.Addr) {
	seg[tcpOffChecksum], seg[tcpOffChecksum+1] = 0, 0
	c := Checksum(seg, PseudoHeaderSum(src, dst, ProtoTCP, len(seg)))
	binary.BigEndian.PutUint16(seg[tcpOffChecksum:], c)
}
