package wire

import "fmt"

// MAC is an IEEE 802 48-bit hardware address, in transmission order. It is a
// value: compare it with ==, use it as a map key. Its text form (String,
// MarshalText) is six lower-case hexadecimal pairs joined by ':', such as
// "02:00:00:00:00:0a", so lab YAML decodes straight into it.
type MAC [6]byte

// BroadcastMAC is the Ethernet broadcast address ff:ff:ff:ff:ff:ff, the
// destination of ARP requests (RFC 826).
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

const hexDigits = "0123456789abcdef"

// String returns m as "02:00:00:00:00:0a".
func (m MAC) String() string {
	var b [17]byte
	m.appendTo(b[:0])
	return string(b[:])
}

// appendTo appends the text form of m to b.
func (m MAC) appendTo(b []byte) []byte {
	for i, x := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return b
}

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func (m MAC) IsBroadcast() bool { return m == BroadcastMAC }

// IsMulticast reports whether m is a group address: the I/G bit, the least
// significant bit of the first octet, is set (IEEE 802-2014 §8.2). The
// broadcast address is a multicast address.
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// IsZero reports whether m is 00:00:00:00:00:00, the "unknown" target
// hardware address of an ARP request (RFC 826; RFC 5227 §2.1.1).
func (m MAC) IsZero() bool { return m == MAC{} }

// ParseMAC parses six hexadecimal pairs separated by ':' or '-' (one
// separator throughout, either case), such as "02:00:00:00:00:0A". Errors
// wrap ErrBadMAC and quote s.
func ParseMAC(s string) (MAC, error) {
	var m MAC
	if len(s) != 17 {
		return m, fmt.Errorf("%w %q: want 6 hex pairs like 02:00:00:00:00:0a", ErrBadMAC, s)
	}
	sep := s[2]
	if sep != ':' && sep != '-' {
		return m, fmt.Errorf("%w %q: separator must be ':' or '-'", ErrBadMAC, s)
	}
	for i := range m {
		p := i * 3
		if i > 0 && s[p-1] != sep {
			return m, fmt.Errorf("%w %q: mixed or missing separator at offset %d", ErrBadMAC, s, p-1)
		}
		hi, ok1 := unhex(s[p])
		lo, ok2 := unhex(s[p+1])
		if !ok1 || !ok2 {
			return m, fmt.Errorf("%w %q: bad hex digit at offset %d", ErrBadMAC, s, p)
		}
		m[i] = hi<<4 | lo
	}
	return m, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// MarshalText implements encoding.TextMarshaler: the String form.
func (m MAC) MarshalText() ([]byte, error) {
	return m.appendTo(make([]byte, 0, 17)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseMAC.
func (m *MAC) UnmarshalText(text []byte) error {
	v, err := ParseMAC(string(text))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
