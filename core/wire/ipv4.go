package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 header lengths and limits (RFC 791 §3.1).
const (
	// IPv4MinHeaderLen is the length of an IPv4 header without options
	// (IHL 5).
	IPv4MinHeaderLen = 20
	// IPv4MaxHeaderLen is the longest IPv4 header (IHL 15), leaving 40 bytes
	// for options.
	IPv4MaxHeaderLen = 60
	// IPv4MaxLen is the largest total length an IPv4 datagram can state.
	IPv4MaxLen = 65535
	// IPv4Version is the value of the version field.
	IPv4Version = 4
)

// IP protocol numbers (RFC 790 "Assigned Internet Protocol Numbers", now the
// IANA registry) carried in the IPv4 protocol field.
const (
	// ProtoICMP is ICMP for IPv4 (RFC 792).
	ProtoICMP = 1
	// ProtoTCP is TCP (RFC 793).
	ProtoTCP = 6
	// ProtoUDP is UDP (RFC 768).
	ProtoUDP = 17
)

// IPv4 flag bits in the 16-bit flags and fragment offset word, as in
// IPv4Header.Flags (RFC 791 §3.1 "Flags").
const (
	// IPv4FlagDF is "Don't Fragment" (RFC 791 §3.1; path MTU discovery,
	// RFC 1191 §3).
	IPv4FlagDF = 0x4000
	// IPv4FlagMF is "More Fragments": set on every fragment but the last
	// (RFC 791 §3.2 "Fragmentation and Reassembly").
	IPv4FlagMF = 0x2000
	// IPv4FlagReserved is bit 0 of the flags, which RFC 791 §3.1 says must
	// be zero. Receivers ignore it.
	IPv4FlagReserved = 0x8000

	ipv4FlagMask   = 0xe000
	ipv4OffsetMask = 0x1fff
)

// Field offsets of an IPv4 header (RFC 791 §3.1 "Internet Header Format").
const (
	ipVerIHL    = 0  // version (high nibble), IHL in 32-bit words (low nibble)
	ipTOS       = 1  // type of service (DSCP and ECN, RFC 2474, RFC 3168)
	ipTotalLen  = 2  // total length in bytes, header included
	ipID        = 4  // identification, for reassembly
	ipFlagsFrag = 6  // flags (3 bits) and fragment offset in 8-byte units
	ipTTL       = 8  // time to live
	ipProto     = 9  // protocol of the payload
	ipChecksum  = 10 // header checksum
	ipSrc       = 12 // source address
	ipDst       = 16 // destination address
	ipOptions   = 20 // options, up to the header length
)

// IPv4 is a view of an IPv4 datagram starting at its header, as found in an
// Ethernet payload (possibly followed by Ethernet padding). Call Validate
// before any accessor.
type IPv4 []byte

// Validate checks the header as RFC 1122 §3.2.1 asks of a receiver: at least
// 20 bytes (ErrTruncated), version 4 (ErrBadVersion), IHL of at least 5
// words (ErrBadHeaderLen), the whole header present (ErrTruncated), a total
// length covering the header and within the bytes received (ErrBadTotalLen;
// bytes past it are link padding), and a correct header checksum
// (ErrBadChecksum, RFC 791 §3.1, RFC 1071). It does not check the options:
// IPv4Options(ip.Options()).Validate does. It never panics.
func (ip IPv4) Validate() error {
	if len(ip) < IPv4MinHeaderLen {
		return ErrTruncated
	}
	if ip[ipVerIHL]>>4 != IPv4Version {
		return ErrBadVersion
	}
	hl := ip.HeaderLen()
	if hl < IPv4MinHeaderLen {
		return ErrBadHeaderLen
	}
	if hl > len(ip) {
		return ErrTruncated
	}
	if tl := ip.TotalLen(); tl < hl || tl > len(ip) {
		return ErrBadTotalLen
	}
	if Checksum(ip[:hl], 0) != 0 {
		return ErrBadChecksum
	}
	return nil
}

// HeaderLen returns the header length in bytes (IHL × 4), options included.
func (ip IPv4) HeaderLen() int { return int(ip[ipVerIHL]&0x0f) * 4 }

// TOS returns the type of service octet (RFC 791 §3.1; now DSCP and ECN,
// RFC 2474 §3 and RFC 3168 §5).
func (ip IPv4) TOS() uint8 { return ip[ipTOS] }

// TotalLen returns the total length field in bytes: header plus payload.
func (ip IPv4) TotalLen() int { return int(binary.BigEndian.Uint16(ip[ipTotalLen:])) }

// ID returns the identification field, which groups fragments of one
// datagram (RFC 791 §3.2).
func (ip IPv4) ID() uint16 { return binary.BigEndian.Uint16(ip[ipID:]) }

// Flags returns the three flag bits in place (IPv4FlagReserved, IPv4FlagDF,
// IPv4FlagMF), the fragment offset masked out.
func (ip IPv4) Flags() uint16 { return binary.BigEndian.Uint16(ip[ipFlagsFrag:]) & ipv4FlagMask }

// DF reports whether the Don't Fragment flag is set.
func (ip IPv4) DF() bool { return ip[ipFlagsFrag]&(IPv4FlagDF>>8) != 0 }

// MF reports whether the More Fragments flag is set.
func (ip IPv4) MF() bool { return ip[ipFlagsFrag]&(IPv4FlagMF>>8) != 0 }

// FragOffset returns the fragment offset in bytes (the field counts 8-byte
// units, RFC 791 §3.1).
func (ip IPv4) FragOffset() int {
	return int(binary.BigEndian.Uint16(ip[ipFlagsFrag:])&ipv4OffsetMask) * 8
}

// IsFragment reports whether ip is a fragment rather than a whole datagram:
// MF set or a non-zero offset (RFC 791 §3.2).
func (ip IPv4) IsFragment() bool {
	return binary.BigEndian.Uint16(ip[ipFlagsFrag:])&(IPv4FlagMF|ipv4OffsetMask) != 0
}

// TTL returns the time to live (RFC 791 §3.1; RFC 1122 §3.2.1.7).
func (ip IPv4) TTL() uint8 { return ip[ipTTL] }

// Protocol returns the protocol of the payload: ProtoICMP, ProtoUDP, ...
func (ip IPv4) Protocol() uint8 { return ip[ipProto] }

// Checksum returns the header checksum field as sent.
func (ip IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(ip[ipChecksum:]) }

// Src returns the source address.
func (ip IPv4) Src() netip.Addr { return netip.AddrFrom4([4]byte(ip[ipSrc : ipSrc+4])) }

// Dst returns the destination address.
func (ip IPv4) Dst() netip.Addr { return netip.AddrFrom4([4]byte(ip[ipDst : ipDst+4])) }

// Options returns the option bytes between the fixed header and the payload,
// padding included; empty for IHL 5. View them with IPv4Options.
func (ip IPv4) Options() []byte { return ip[ipOptions:ip.HeaderLen()] }

// Payload returns the bytes after the header up to the total length, without
// link padding. On a quoted header from ICMPQuote, whose datagram is cut
// short, it returns only the bytes present.
func (ip IPv4) Payload() []byte {
	hl := ip.HeaderLen()
	end := min(ip.TotalLen(), len(ip))
	if end < hl {
		end = hl
	}
	return ip[hl:end]
}

// SetTTL writes ttl into the header and updates the header checksum
// incrementally (RFC 1624 §3), as a router does when it forwards
// (RFC 1812 §5.3.1).
func (ip IPv4) SetTTL(ttl uint8) {
	old := binary.BigEndian.Uint16(ip[ipTTL:])
	ip[ipTTL] = ttl
	updated := binary.BigEndian.Uint16(ip[ipTTL:])
	binary.BigEndian.PutUint16(ip[ipChecksum:], UpdateChecksum(ip.Checksum(), old, updated))
}

// IPv4Header is the representation of an IPv4 header: parse it from bytes
// with ParseIPv4Header, write it with Marshal. Fields hold host values; the
// version and header length fields are derived (Len), the checksum is
// computed by Marshal.
type IPv4Header struct {
	// TOS is the type of service octet.
	TOS uint8
	// TotalLen is the datagram length in bytes, header included.
	TotalLen int
	// ID is the identification field.
	ID uint16
	// Flags holds the flag bits in place: IPv4FlagDF, IPv4FlagMF (and
	// IPv4FlagReserved as received). Other bits are ignored.
	Flags uint16
	// FragOffset is the fragment offset in bytes, a multiple of 8 below
	// 65536.
	FragOffset int
	// TTL is the time to live.
	TTL uint8
	// Protocol is the payload's protocol number (ProtoUDP, ...).
	Protocol uint8
	// Src and Dst are the IPv4 source and destination addresses.
	Src, Dst netip.Addr
	// Options are the raw option bytes, at most 40. Marshal pads them with
	// zeros (End of Option List) to a multiple of 4 bytes. From
	// ParseIPv4Header they alias the parsed buffer.
	Options []byte
}

// Len returns the header length in bytes that Marshal writes: 20 plus the
// options rounded up to a multiple of 4.
func (h *IPv4Header) Len() int {
	return IPv4MinHeaderLen + (len(h.Options)+3)&^3
}

// Marshal writes the header, checksum included, into b[:h.Len()]. It panics
// if b is shorter than Len or the options are longer than 40 bytes.
// Addresses that are not IPv4 (or IPv4-mapped) are written as 0.0.0.0.
func (h *IPv4Header) Marshal(b []byte) {
	n := h.Len()
	if n > IPv4MaxHeaderLen {
		panic("wire: IPv4 options longer than 40 bytes")
	}
	b = b[:n]
	b[ipVerIHL] = IPv4Version<<4 | byte(n/4)
	b[ipTOS] = h.TOS
	binary.BigEndian.PutUint16(b[ipTotalLen:], uint16(h.TotalLen))
	binary.BigEndian.PutUint16(b[ipID:], h.ID)
	binary.BigEndian.PutUint16(b[ipFlagsFrag:], h.Flags&ipv4FlagMask|uint16(h.FragOffset/8)&ipv4OffsetMask)
	b[ipTTL] = h.TTL
	b[ipProto] = h.Protocol
	b[ipChecksum], b[ipChecksum+1] = 0, 0
	s, d := addr4(h.Src), addr4(h.Dst)
	copy(b[ipSrc:ipSrc+4], s[:])
	copy(b[ipDst:ipDst+4], d[:])
	o := copy(b[ipOptions:], h.Options)
	clear(b[ipOptions+o:])
	binary.BigEndian.PutUint16(b[ipChecksum:], Checksum(b, 0))
}

// ParseIPv4Header validates b as an IPv4 datagram (IPv4.Validate) and returns
// its header. Options alias b.
func ParseIPv4Header(b []byte) (IPv4Header, error) {
	ip := IPv4(b)
	if err := ip.Validate(); err != nil {
		return IPv4Header{}, err
	}
	return IPv4Header{
		TOS:        ip.TOS(),
		TotalLen:   ip.TotalLen(),
		ID:         ip.ID(),
		Flags:      ip.Flags(),
		FragOffset: ip.FragOffset(),
		TTL:        ip.TTL(),
		Protocol:   ip.Protocol(),
		Src:        ip.Src(),
		Dst:        ip.Dst(),
		Options:    ip.Options(),
	}, nil
}

// IPv4 option types: the whole type octet, copied flag and class included
// (RFC 791 §3.1 "Options"; IANA "IP Option Numbers").
const (
	// IPv4OptEOL (End of Option List) is a single octet that ends the
	// options; what follows is padding.
	IPv4OptEOL = 0
	// IPv4OptNOP (No Operation) is a single octet, used to align options.
	IPv4OptNOP = 1
	// IPv4OptRR is Record Route (RFC 791 §3.1).
	IPv4OptRR = 7
	// IPv4OptTimestamp is Internet Timestamp (RFC 791 §3.1).
	IPv4OptTimestamp = 68
	// IPv4OptLSRR is Loose Source and Record Route (RFC 791 §3.1).
	IPv4OptLSRR = 131
	// IPv4OptSSRR is Strict Source and Record Route (RFC 791 §3.1).
	IPv4OptSSRR = 137
	// IPv4OptRouterAlert is Router Alert (RFC 2113 §2.1), 4 bytes long.
	IPv4OptRouterAlert = 148

	// ipv4OptCopied is the copied flag of an option type: the option goes
	// into every fragment (RFC 791 §3.1, §3.2).
	ipv4OptCopied = 0x80
)

// IPv4Options is a view of the options of an IPv4 header (IPv4.Options):
// a sequence of single-octet options (EOL, NOP) and type-length-value
// options (RFC 791 §3.1 "Options"). Call Validate before Has, Find or
// CopiedLen; Next checks as it goes.
type IPv4Options []byte

// Validate reports whether o is well formed (ErrBadOptions if not): every
// option but EOL and NOP has a length octet of at least 2 that fits in o,
// and the known options have a shape RFC 791 allows: route options (RR,
// LSRR, SSRR) at least 3 bytes with a pointer of at least 4 at an address
// slot, a timestamp at
// least 4 bytes with a pointer of at least 5, router alert exactly 4 bytes
// (RFC 2113). Bytes after EOL are padding and not looked at. Empty options
// are valid. It never panics.
func (o IPv4Options) Validate() error {
	for len(o) > 0 {
		_, rest, err := o.Next()
		if err != nil {
			return err
		}
		o = rest
	}
	return nil
}

// Next splits the first option off o. opt is the whole option (opt[0] is
// its type, for TLV options opt[1] its length); rest is what follows, empty
// after EOL. On an empty o it returns nil, nil, nil. Iterate with
//
//	for o := opts; len(o) > 0; {
//		opt, rest, err := o.Next()
//		...
//		o = rest
//	}
//
// It returns ErrBadOptions for a malformed option (see Validate) and never
// panics.
func (o IPv4Options) Next() (opt []byte, rest IPv4Options, err error) {
	if len(o) == 0 {
		return nil, nil, nil
	}
	switch o[0] {
	case IPv4OptEOL:
		return o[:1], nil, nil
	case IPv4OptNOP:
		return o[:1], o[1:], nil
	}
	if len(o) < 2 {
		return nil, nil, ErrBadOptions
	}
	n := int(o[1])
	if n < 2 || n > len(o) {
		return nil, nil, ErrBadOptions
	}
	opt = o[:n]
	if !ipv4OptionShapeOK(opt) {
		return nil, nil, ErrBadOptions
	}
	return opt, o[n:], nil
}

// ipv4OptionShapeOK checks the length and pointer of the options RFC 791
// and RFC 2113 define; opt has at least 2 bytes and its own length.
func ipv4OptionShapeOK(opt []byte) bool {
	n := len(opt)
	switch opt[0] {
	case IPv4OptRR, IPv4OptLSRR, IPv4OptSSRR:
		// type, length, pointer, then route data of 4-byte addresses; the
		// pointer (1-based, within the option) is at least 4, points at an
		// address slot, and, while the route is not full, leaves room for
		// a whole address.
		if n < 3 {
			return false
		}
		p := int(opt[2])
		return p >= 4 && p%4 == 0 && (p > n || p+3 <= n)
	case IPv4OptTimestamp:
		// type, length, pointer, overflow and flags, then the data; the
		// smallest legal pointer is 5.
		return n >= 4 && opt[2] >= 5
	case IPv4OptRouterAlert:
		return n == 4
	}
	return true
}

// Has reports whether o holds an option of type optType (EOL and NOP
// included). Malformed options end the search.
func (o IPv4Options) Has(optType uint8) bool {
	return o.Find(optType) != nil
}

// Find returns the first option of type optType, whole (type and length
// included), or nil if there is none before EOL or a malformed option.
func (o IPv4Options) Find(optType uint8) []byte {
	for len(o) > 0 {
		opt, rest, err := o.Next()
		if err != nil {
			return nil
		}
		if opt[0] == optType {
			return opt
		}
		o = rest
	}
	return nil
}

// IPv4OptionCopied reports whether an option of type optType must be copied
// into every fragment (its copied flag, RFC 791 §3.1; §3.2 "Fragmentation":
// others go only into the first).
func IPv4OptionCopied(optType uint8) bool { return optType&ipv4OptCopied != 0 }

// CopiedLen returns the length of the options that go into fragments after
// the first (those whose copied flag is set), rounded up to a multiple of 4:
// the space WriteCopied needs. o must be valid.
func (o IPv4Options) CopiedLen() int {
	n := 0
	for len(o) > 0 {
		opt, rest, err := o.Next()
		if err != nil {
			break
		}
		if IPv4OptionCopied(opt[0]) {
			n += len(opt)
		}
		o = rest
	}
	return (n + 3) &^ 3
}

// WriteCopied writes the options whose copied flag is set into b, padded
// with EOL to a multiple of 4 bytes, and returns the length written, as
// fragments after the first carry them (RFC 791 §3.2). It panics if b is
// shorter than CopiedLen. o must be valid.
func (o IPv4Options) WriteCopied(b []byte) int {
	n := 0
	for len(o) > 0 {
		opt, rest, err := o.Next()
		if err != nil {
			break
		}
		if IPv4OptionCopied(opt[0]) {
			n += copy(b[n:n+len(opt)], opt)
		}
		o = rest
	}
	padded := (n + 3) &^ 3
	clear(b[n:padded])
	return padded
}
