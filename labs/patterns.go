package labs

import (
	"encoding"
	"fmt"
	"regexp"
)

// The grammars of the format's values, as regular expressions that mean
// the same in Go (RE2) and in JSON Schema (ECMA-262): the lab schema
// (schema/lab.schema.json) uses these very strings, and a test keeps them
// equal. The loader checks a value against its pattern and parses it;
// whatever the pattern lets through, the parser accepts (ranges and
// relations between values aside), so that the schema and the loader agree
// on what is well written.
const (
	octet = `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
	ipv4  = octet + `(\.` + octet + `){3}`
	port  = `(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})`

	// PatternIPv4 is an IPv4 address in dotted decimal, no leading zeros.
	PatternIPv4 = `^` + ipv4 + `$`
	// PatternPrefix is an IPv4 address and a prefix length, 0 to 32.
	PatternPrefix = `^` + ipv4 + `/(3[0-2]|[12][0-9]|[0-9])$`
	// PatternInterfaceAddress is a prefix whose length is 1 to 32.
	PatternInterfaceAddress = `^` + ipv4 + `/(3[0-2]|[12][0-9]|[1-9])$`
	// PatternAddrPort is an IPv4 address and a port, 0 to 65535.
	PatternAddrPort = `^` + ipv4 + `:` + port + `$`
	// PatternMAC is six hex bytes, all separated by ':' or all by '-'.
	PatternMAC = `^([0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5})$`
	// PatternUnicastMAC is a MAC whose first byte is even (not a group
	// address).
	PatternUnicastMAC = `^[0-9A-Fa-f][02468aceACE]`
	// PatternDuration is a Go duration without a sign: numbers with units
	// (ns, us, µs, ms, s, m, h), or 0 alone.
	PatternDuration = `^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`
	// PatternPercent is a number from 0 to 100 and a % sign.
	PatternPercent = `^0*(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)%$`
	// PatternRate is a number of bits per second and a unit: bit, kbit,
	// Mbit or Gbit (the prefix in either case).
	PatternRate = `^[0-9]+(\.[0-9]+)?[kKmMgG]?bit$`
	// PatternLabName, PatternNodeName, PatternInterfaceName and PatternID
	// are the names of labs, nodes, interfaces, and the ids of links,
	// sockets and pings (their lengths are bounded too).
	PatternLabName       = `^[a-z0-9-]+$`
	PatternNodeName      = `^[a-z][a-z0-9-]*$`
	PatternInterfaceName = `^[a-z][a-z0-9]*$`
	PatternID            = `^[a-z][a-z0-9-]*$`
)

var (
	reIPv4     = regexp.MustCompile(PatternIPv4)
	rePrefix   = regexp.MustCompile(PatternPrefix)
	reAddrPort = regexp.MustCompile(PatternAddrPort)
	reMAC      = regexp.MustCompile(PatternMAC)
	reDuration = regexp.MustCompile(PatternDuration)
	rePercent  = regexp.MustCompile(PatternPercent)
	reRate     = regexp.MustCompile(PatternRate)
)

// strict parses s into v, then checks that s is written as the format's
// pattern re says: v's own parser (which the TUI's forms use too) may be
// more lenient, with spaces or signs. bad formats (with s for its %q) what
// is wrong with a value that parses but does not match.
func strict(s string, re *regexp.Regexp, v encoding.TextUnmarshaler, bad string) error {
	if err := v.UnmarshalText([]byte(s)); err != nil {
		return err
	}
	if !re.MatchString(s) {
		return fmt.Errorf(bad, s)
	}
	return nil
}
