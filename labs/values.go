package labs

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Duration is a length of time written as a Go duration: "500ms", "2s",
// "1h30m". It is never negative.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d as time.Duration does ("1.5s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText formats d as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a Go duration with a unit ("0" alone is allowed);
// negative durations are errors.
func (d *Duration) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration: %q (write a number and a unit, such as 500ms or 2s)", s)
	}
	if v < 0 {
		return fmt.Errorf("negative duration: %q", s)
	}
	*d = Duration(v)
	return nil
}

// Percent is a share in percent, from 0 to 100, written "5%" or "0.1%".
type Percent float64

// Fraction returns p as a fraction from 0 to 1.
func (p Percent) Fraction() float64 { return float64(p) / 100 }

// String formats p with a % sign, as short as it can be exact ("0.1%").
func (p Percent) String() string {
	return strconv.FormatFloat(float64(p), 'f', -1, 64) + "%"
}

// MarshalText formats p as String does.
func (p Percent) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText parses a percentage: a number from 0 to 100 followed by
// "%".
func (p *Percent) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	num, ok := strings.CutSuffix(s, "%")
	if !ok {
		return fmt.Errorf("not a percentage: %q (write it with a %% sign, such as 5%%)", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("not a percentage: %q (write a number and a %% sign, such as 5%% or 0.1%%)", s)
	}
	if v < 0 || v > 100 {
		return fmt.Errorf("percentage out of range: %q (0%% to 100%%)", s)
	}
	*p = Percent(v)
	return nil
}

// Rate is a bit rate in bits per second, written with a unit: "512kbit",
// "10Mbit", "1Gbit" (decimal multiples, as tc writes them). 0 means
// unlimited.
type Rate uint64

// MaxRate is the largest Rate a lab may give: 1 Tbit/s.
const MaxRate Rate = 1e12

var rateUnits = []struct {
	name string
	mult uint64
}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}}

// String formats r in the largest unit that writes it exactly ("1500kbit").
func (r Rate) String() string {
	canon := map[string]string{"gbit": "Gbit", "mbit": "Mbit", "kbit": "kbit", "bit": "bit"}
	for _, u := range rateUnits {
		if r != 0 && uint64(r)%u.mult == 0 {
			return strconv.FormatUint(uint64(r)/u.mult, 10) + canon[u.name]
		}
	}
	return "0bit"
}

// MarshalText formats r as String does.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses a rate: a number (decimals allowed) and one of the
// units bit, kbit, Mbit, Gbit (in any case), up to MaxRate.
func (r *Rate) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	bad := fmt.Errorf("not a rate: %q (write bits per second with a unit, such as 512kbit, 10Mbit or 1Gbit)", s)
	lower := strings.ToLower(s)
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(lower, u.name)
		if !ok {
			continue
		}
		num = strings.TrimSpace(num)
		if num == "" || strings.ContainsAny(num, "eE+-_") {
			return bad
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad
		}
		bits := math.Round(v * float64(u.mult))
		if bits > float64(MaxRate) {
			return fmt.Errorf("rate too high: %q (at most %s)", s, MaxRate)
		}
		if bits == 0 && v != 0 {
			return fmt.Errorf("rate below 1bit: %q", s)
		}
		*r = Rate(bits)
		return nil
	}
	return bad
}

// MAC is an Ethernet hardware address, written "02:00:00:00:00:0a".
type MAC [6]byte

// String formats m as six lowercase hex bytes separated by colons.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// IsZero reports whether m is 00:00:00:00:00:00, which the lab format uses
// for "not given".
func (m MAC) IsZero() bool { return m == MAC{} }

// IsMulticast reports whether m is a group address (the least significant
// bit of the first byte set, IEEE 802-2014 section 8.2), broadcast
// included.
func (m MAC) IsMulticast() bool { return m[0]&1 == 1 }

// MarshalText formats m as String does.
func (m MAC) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses six two-digit hex bytes separated by ':' or '-'.
func (m *MAC) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	bad := fmt.Errorf("not a MAC address: %q (write six hex bytes, such as 02:00:00:00:00:0a)", s)
	if len(s) != 17 {
		return bad
	}
	var out MAC
	sep := s[2]
	if sep != ':' && sep != '-' {
		return bad
	}
	for i := range out {
		if i > 0 && s[3*i-1] != sep {
			return bad
		}
		v, err := strconv.ParseUint(s[3*i:3*i+2], 16, 8)
		if err != nil {
			return bad
		}
		out[i] = byte(v)
	}
	*m = out
	return nil
}

// derivedMAC returns the MAC Load gives the if'th interface (0-based) of
// the node'th node (1-based): 02:00:00:<node, 3 bytes>:<if>.
func derivedMAC(node, iface int) MAC {
	return MAC{0x02, 0, byte(node >> 16), byte(node >> 8), byte(node), byte(iface)}
}

// errIPv6 says that netlab speaks IPv4 only.
var errIPv6 = errors.New("netlab is IPv4-only")

// parseAddr parses an IPv4 address such as 10.0.0.1.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err == nil && !a.Is4() {
		return netip.Addr{}, fmt.Errorf("IPv6 address %q: %w", s, errIPv6)
	}
	if err != nil || !reIPv4.MatchString(s) {
		return netip.Addr{}, fmt.Errorf("not an IPv4 address: %q", s)
	}
	return a, nil
}

// parsePrefix parses an IPv4 address with a prefix length, such as
// 10.0.0.1/24 (host bits kept).
func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, err := netip.ParseAddr(s); err == nil {
			if !a.Is4() {
				return netip.Prefix{}, fmt.Errorf("IPv6 address %q: %w", s, errIPv6)
			}
			return netip.Prefix{}, fmt.Errorf("missing prefix length: %q (write address/length, such as %s/24)", s, s)
		}
		return netip.Prefix{}, fmt.Errorf("not an IPv4 prefix: %q (write address/length, such as 10.0.0.1/24)", s)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("IPv6 prefix %q: %w", s, errIPv6)
	}
	if !rePrefix.MatchString(s) {
		return netip.Prefix{}, fmt.Errorf("not an IPv4 prefix: %q (write address/length, such as 10.0.0.1/24)", s)
	}
	return p, nil
}

// parseAddrPort parses an IPv4 address and port, such as 10.0.0.1:7.
func parseAddrPort(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		if a, err := netip.ParseAddr(s); err == nil {
			if !a.Is4() {
				return netip.AddrPort{}, fmt.Errorf("IPv6 address %q: %w", s, errIPv6)
			}
			return netip.AddrPort{}, fmt.Errorf("missing port: %q (write address:port, such as %s:7)", s, s)
		}
		return netip.AddrPort{}, fmt.Errorf("not an IPv4 address:port: %q (such as 10.0.0.1:7)", s)
	}
	if !ap.Addr().Is4() {
		return netip.AddrPort{}, fmt.Errorf("IPv6 address %q: %w", s, errIPv6)
	}
	if !reAddrPort.MatchString(s) {
		return netip.AddrPort{}, fmt.Errorf("not an IPv4 address:port: %q (such as 10.0.0.1:7)", s)
	}
	return ap, nil
}

// Names of things in a lab.
const (
	maxNodeName  = 12
	maxIfaceName = 15
	maxID        = 32
	maxLabName   = 64
)

// isName reports whether s is [a-z][a-z0-9-]* (or, with digitsFirst,
// [a-z0-9][a-z0-9-]*), hyphens allowed when dash is set.
func isName(s string, digitsFirst, dash bool) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9':
			if i == 0 && !digitsFirst {
				return false
			}
		case c == '-' && dash:
		default:
			return false
		}
	}
	return true
}

// checkName returns why s is not a valid name of the given sort ("node",
// "interface", "link id", "socket id", "ping id", "lab name"), or nil.
func checkName(sort, s string) error {
	var ok bool
	var rule string
	max := maxID
	switch sort {
	case "lab name":
		ok, rule, max = isName(s, true, true), "lowercase letters, digits and '-'", maxLabName
	case "node name":
		ok, rule, max = isName(s, false, true), "a lowercase letter, then lowercase letters, digits and '-'", maxNodeName
	case "interface name":
		ok, rule, max = isName(s, false, false), "a lowercase letter, then lowercase letters and digits", maxIfaceName
	default:
		ok, rule = isName(s, false, true), "a lowercase letter, then lowercase letters, digits and '-'"
	}
	if !ok {
		return fmt.Errorf("bad %s %q: use %s", sort, s, rule)
	}
	if len(s) > max {
		return fmt.Errorf("%s %q is too long: at most %d characters", sort, s, max)
	}
	return nil
}
