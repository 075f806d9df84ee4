package ui

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/netlab/netlab/labs"
)

// Validators of form fields. Each accepts the field's text and says what
// is wrong with it; parse functions turn accepted text into values. An
// empty text is accepted only by the optional* validators.

func optional(check func(string) error) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return check(s)
	}
}

func checkIfName(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return fmt.Errorf("name an interface, such as eth1")
	case len(s) > 15:
		return fmt.Errorf("%q is longer than 15 characters", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("%q: use letters, digits, '-', '_' and '.'", s)
		}
	}
	return nil
}

func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 address (such as 10.0.0.1)", strings.TrimSpace(s))
	}
	return a, nil
}

func checkAddr(s string) error { _, err := parseAddr(s); return err }

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 address with a prefix length (such as 10.0.0.1/24)", s)
	}
	return p, nil
}

func checkPrefix(s string) error { _, err := parsePrefix(s); return err }

// parseAddrPort parses "10.0.0.1:7", and ":7" or "7" as 0.0.0.0:7.
func parseAddrPort(s string) (netip.AddrPort, error) {
	s = strings.TrimSpace(s)
	if p, err := strconv.ParseUint(strings.TrimPrefix(s, ":"), 10, 16); err == nil {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(p)), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || !ap.Addr().Is4() {
		return netip.AddrPort{}, fmt.Errorf("%q is not an IPv4 address and port (such as 10.0.0.1:7, or :5000)", s)
	}
	return ap, nil
}

func checkAddrPort(s string) error { _, err := parseAddrPort(s); return err }

// checkPeer accepts the address and port of a peer to connect to: both
// given, neither zero.
func checkPeer(s string) error {
	ap, err := parseAddrPort(s)
	switch {
	case err != nil:
		return err
	case ap.Addr().IsUnspecified():
		return fmt.Errorf("%q: name the peer's address (such as 10.0.0.1:80)", strings.TrimSpace(s))
	case ap.Port() == 0:
		return fmt.Errorf("%q: port 0 cannot be connected to", strings.TrimSpace(s))
	}
	return nil
}

func checkNotEmpty(what string) func(string) error {
	return func(s string) error {
		if s == "" {
			return fmt.Errorf("type some %s", what)
		}
		return nil
	}
}

func parseMTU(s string) (int, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v < labs.MinMTU || v > labs.MaxMTU {
		return 0, fmt.Errorf("MTU %d is out of range (%d to %d)", v, labs.MinMTU, labs.MaxMTU)
	}
	return v, nil
}

func checkMTU(s string) error { _, err := parseMTU(s); return err }

func parseCount(s string, lo, hi int) (int, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%d is out of range (%d to %d)", v, lo, hi)
	}
	return v, nil
}

func checkCount(lo, hi int) func(string) error {
	return func(s string) error { _, err := parseCount(s, lo, hi); return err }
}

func parseDuration(s string) (time.Duration, error) {
	var d labs.Duration
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	err := d.UnmarshalText([]byte(s))
	return d.Std(), err
}

func checkDuration(s string) error { _, err := parseDuration(s); return err }

// parsePercent parses "5%" or "5" as 0.05.
func parsePercent(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if !strings.HasSuffix(s, "%") {
		s += "%"
	}
	var p labs.Percent
	err := p.UnmarshalText([]byte(s))
	return p.Fraction(), err
}

func checkPercent(s string) error { _, err := parsePercent(s); return err }

// parseRate parses "10Mbit/s" and friends as bits per second; empty is
// unlimited.
func parseRate(s string) (uint64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	var r labs.Rate
	err := r.UnmarshalText([]byte(s))
	return uint64(r), err
}

func checkRate(s string) error { _, err := parseRate(s); return err }
