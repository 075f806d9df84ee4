package labs

import (
	"encoding"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// textValue is a value type of the format: it round-trips through text.
type textValue interface {
	encoding.TextMarshaler
}

// roundTrip checks that parsing in gives want, and that want formats as
// canon and parses back to itself.
func roundTrip[T comparable, P interface {
	*T
	encoding.TextUnmarshaler
}](t *testing.T, in string, want T, canon string) {
	t.Helper()
	var got T
	if err := P(&got).UnmarshalText([]byte(in)); err != nil {
		t.Errorf("UnmarshalText(%q): %v", in, err)
		return
	}
	if got != want {
		t.Errorf("UnmarshalText(%q) = %v, want %v", in, got, want)
	}
	text, err := any(want).(textValue).MarshalText()
	if err != nil || string(text) != canon {
		t.Errorf("MarshalText(%v) = %q, %v, want %q", want, text, err, canon)
	}
	var back T
	if err := P(&back).UnmarshalText(text); err != nil || back != want {
		t.Errorf("UnmarshalText(MarshalText(%v)) = %v, %v", want, back, err)
	}
}

// reject checks that parsing in fails with an error containing msg.
func reject[T any, P interface {
	*T
	encoding.TextUnmarshaler
}](t *testing.T, in, msg string) {
	t.Helper()
	var v T
	err := P(&v).UnmarshalText([]byte(in))
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("UnmarshalText(%q) = %v, %v, want an error with %q", in, v, err, msg)
	}
}

func TestDuration(t *testing.T) {
	roundTrip(t, "500ms", Duration(500*time.Millisecond), "500ms")
	roundTrip(t, "2h", Duration(2*time.Hour), "2h0m0s")
	roundTrip(t, "1h30m", Duration(90*time.Minute), "1h30m0s")
	roundTrip(t, " 1.5s ", Duration(1500*time.Millisecond), "1.5s")
	roundTrip(t, "0", Duration(0), "0s")
	roundTrip(t, "250us", Duration(250*time.Microsecond), "250µs")
	reject[Duration](t, "10", "not a duration")
	reject[Duration](t, "1 second", "not a duration")
	reject[Duration](t, "", "not a duration")
	reject[Duration](t, "-1s", "negative duration")
	if Duration(3*time.Second).Std() != 3*time.Second {
		t.Errorf("Std() is wrong")
	}
}

func TestPercent(t *testing.T) {
	roundTrip(t, "5%", Percent(5), "5%")
	roundTrip(t, "0.1%", Percent(0.1), "0.1%")
	roundTrip(t, "100%", Percent(100), "100%")
	roundTrip(t, "0%", Percent(0), "0%")
	roundTrip(t, "2.5 %", Percent(2.5), "2.5%")
	roundTrip(t, "0.00001%", Percent(0.00001), "0.00001%")
	reject[Percent](t, "5", "% sign")
	reject[Percent](t, "0.05", "% sign")
	reject[Percent](t, "%", "not a percentage")
	reject[Percent](t, "abc%", "not a percentage")
	reject[Percent](t, "NaN%", "not a percentage")
	reject[Percent](t, "Inf%", "not a percentage")
	reject[Percent](t, "101%", "out of range")
	reject[Percent](t, "-1%", "out of range")
	if Percent(25).Fraction() != 0.25 {
		t.Errorf("Fraction() is wrong")
	}
}

func TestRate(t *testing.T) {
	roundTrip(t, "10Mbit", Rate(10e6), "10Mbit")
	roundTrip(t, "1Gbit", Rate(1e9), "1Gbit")
	roundTrip(t, "512kbit", Rate(512e3), "512kbit")
	roundTrip(t, "512Kbit", Rate(512e3), "512kbit")
	roundTrip(t, "100bit", Rate(100), "100bit")
	roundTrip(t, "1.5Mbit", Rate(1.5e6), "1500kbit")
	roundTrip(t, "2500mbit", Rate(2.5e9), "2500Mbit")
	roundTrip(t, "0bit", Rate(0), "0bit")
	roundTrip(t, "1000Gbit", MaxRate, "1000Gbit")
	reject[Rate](t, "10M", "not a rate")
	reject[Rate](t, "10", "not a rate")
	reject[Rate](t, "Mbit", "not a rate")
	reject[Rate](t, "1e3kbit", "not a rate")
	reject[Rate](t, "-1kbit", "not a rate")
	reject[Rate](t, "10MB", "not a rate")
	reject[Rate](t, "10kbps", "not a rate")
	reject[Rate](t, "1001Gbit", "too high")
	reject[Rate](t, "0.1bit", "below 1bit")
}

func TestMAC(t *testing.T) {
	roundTrip(t, "02:00:00:00:00:0a", MAC{2, 0, 0, 0, 0, 0xa}, "02:00:00:00:00:0a")
	roundTrip(t, "02-AB-cd-00-00-FF", MAC{2, 0xab, 0xcd, 0, 0, 0xff}, "02:ab:cd:00:00:ff")
	reject[MAC](t, "02:00:00:00:0a", "not a MAC")
	reject[MAC](t, "02:00:00:00:00:0g", "not a MAC")
	reject[MAC](t, "02:00-00:00:00:00", "not a MAC")
	reject[MAC](t, "0200.0000.000a", "not a MAC")
	reject[MAC](t, "02:00:00:00:00:0a:00:00", "not a MAC")
	if !(MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}).IsMulticast() || (MAC{2}).IsMulticast() || !(MAC{1, 0, 0x5e}).IsMulticast() {
		t.Errorf("IsMulticast is wrong")
	}
	if !(MAC{}).IsZero() || (MAC{2}).IsZero() {
		t.Errorf("IsZero is wrong")
	}
	if got := derivedMAC(3, 2); got != (MAC{2, 0, 0, 0, 3, 2}) {
		t.Errorf("derivedMAC(3, 2) = %v", got)
	}
	if got := derivedMAC(0x10203, 7); got != (MAC{2, 0, 1, 2, 3, 7}) {
		t.Errorf("derivedMAC(0x10203, 7) = %v", got)
	}
}

func TestAddresses(t *testing.T) {
	if a, err := parseAddr("10.0.0.1"); err != nil || a != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("parseAddr = %v, %v", a, err)
	}
	if p, err := parsePrefix("10.0.0.1/24"); err != nil || p.String() != "10.0.0.1/24" {
		t.Errorf("parsePrefix keeps host bits: %v, %v", p, err)
	}
	if ap, err := parseAddrPort("10.0.0.1:7"); err != nil || ap != netip.MustParseAddrPort("10.0.0.1:7") {
		t.Errorf("parseAddrPort = %v, %v", ap, err)
	}
	for _, c := range []struct {
		parse func(string) error
		in    string
		msg   string
	}{
		{func(s string) error { _, err := parseAddr(s); return err }, "10.0.0", `not an IPv4 address: "10.0.0"`},
		{func(s string) error { _, err := parseAddr(s); return err }, "010.0.0.1", "not an IPv4 address"},
		{func(s string) error { _, err := parseAddr(s); return err }, "", "not an IPv4 address"},
		{func(s string) error { _, err := parseAddr(s); return err }, "::1", "IPv4-only"},
		{func(s string) error { _, err := parseAddr(s); return err }, "::ffff:1.2.3.4", "IPv4-only"},
		{func(s string) error { _, err := parseAddr(s); return err }, "fe80::1%eth0", "IPv4-only"},
		{func(s string) error { _, err := parsePrefix(s); return err }, "10.0.0.1", "missing prefix length"},
		{func(s string) error { _, err := parsePrefix(s); return err }, "10.0.0.1/33", "not an IPv4 prefix"},
		{func(s string) error { _, err := parsePrefix(s); return err }, "fd00::/8", "IPv4-only"},
		{func(s string) error { _, err := parsePrefix(s); return err }, "fd00::1", "IPv4-only"},
		{func(s string) error { _, err := parseAddrPort(s); return err }, "10.0.0.1", "missing port"},
		{func(s string) error { _, err := parseAddrPort(s); return err }, "10.0.0.1:70000", "not an IPv4 address:port"},
		{func(s string) error { _, err := parseAddrPort(s); return err }, "[::1]:7", "IPv4-only"},
		{func(s string) error { _, err := parseAddrPort(s); return err }, "::1", "IPv4-only"},
	} {
		err := c.parse(c.in)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("parse(%q) = %v, want an error with %q", c.in, err, c.msg)
		}
		if strings.Contains(c.msg, "IPv4-only") && !errors.Is(err, errIPv6) {
			t.Errorf("parse(%q) = %v, not errIPv6", c.in, err)
		}
	}
	if b := broadcast(netip.MustParsePrefix("10.1.2.3/20")); b != netip.MustParseAddr("10.1.15.255") {
		t.Errorf("broadcast(10.1.2.3/20) = %v", b)
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct {
		sort, name string
		ok         bool
	}{
		{"lab name", "quickstart", true},
		{"lab name", "2-hosts", true},
		{"lab name", "Quick", false},
		{"node name", "a", true},
		{"node name", "h-1", true},
		{"node name", "abcdefghijkl", true},
		{"node name", "abcdefghijklm", false},
		{"node name", "1a", false},
		{"node name", "", false},
		{"interface name", "eth0", true},
		{"interface name", "abcdefghijklmno", true},
		{"interface name", "abcdefghijklmnop", false},
		{"interface name", "eth-0", false},
		{"link id", "wan-1", true},
		{"link id", "l_1", false},
	} {
		if err := checkName(c.sort, c.name); (err == nil) != c.ok {
			t.Errorf("checkName(%q, %q) = %v", c.sort, c.name, err)
		}
	}
}

func TestSuggest(t *testing.T) {
	opts := []string{"ping", "expect", "socket", "send", "recv"}
	for in, want := range map[string]string{
		"pnig":     ` (did you mean "ping"?)`,
		"expcet":   ` (did you mean "expect"?)`,
		"sned":     ` (did you mean "send"?)`,
		"teleport": "",
		"ping":     "",
	} {
		if got := suggest(in, opts); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPaths(t *testing.T) {
	if got := childPath("$.nodes", "a.b"); got != `$.nodes.'a.b'` {
		t.Errorf("childPath quotes = %q", got)
	}
	for in, want := range map[string]string{
		"$.steps[2].ping.to": "$.steps[2].ping",
		"$.steps[2]":         "$.steps",
		"$.steps":            "$",
		"$":                  "",
		"$.nodes.'a.b'":      "$.nodes",
	} {
		if got := parentPath(in); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImpairApply(t *testing.T) {
	cur := Impairments{Loss: 5, Delay: Duration(time.Millisecond), Rate: 10e6, Queue: 64}
	im := &Impair{Link: "l1", Loss: ptr(Percent(50)), Rate: ptr(Rate(0)), Jitter: ptr(Duration(time.Millisecond))}
	want := Impairments{Loss: 50, Delay: Duration(time.Millisecond), Jitter: Duration(time.Millisecond), Queue: 64}
	if got := im.Apply(cur); got != want {
		t.Errorf("Apply = %+v, want %+v", got, want)
	}
	if got := (&Impair{}).Apply(cur); got != cur {
		t.Errorf("empty Apply = %+v", got)
	}
}

func TestSendPayload(t *testing.T) {
	if got := string((&Send{Data: "hello", Size: 5}).Payload()); got != "hello" {
		t.Errorf("Payload = %q", got)
	}
	if got := string((&Send{Size: 30}).Payload()); got != "abcdefghijklmnopqrstuvwxyzabcd" {
		t.Errorf("Payload = %q", got)
	}
	if got := (&Send{}).Payload(); len(got) != 0 {
		t.Errorf("empty Payload = %q", got)
	}
}

func TestDescribe(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.1")
	ap := netip.MustParseAddrPort("10.0.0.1:7")
	p := netip.MustParsePrefix("10.1.0.0/16")
	for _, c := range []struct {
		a    Action
		kind string
		want string
	}{
		{&Ping{From: "b", To: a}, "ping", "ping b → 10.0.0.1"},
		{&Expect{PingReplies: ptr(3)}, "expect", "expect ping replies = 3"},
		{&Expect{Ping: "p1", PingRepliesMin: ptr(2), Within: ptr(Duration(time.Second))}, "expect", "expect ping p1 replies ≥ 2 within 1s"},
		{&Expect{Socket: "s1", Error: "ECONNREFUSED"}, "expect", "expect s1 error ECONNREFUSED"},
		{&Expect{}, "expect", "expect"},
		{&Socket{Node: "b", ID: "s1", Proto: "udp", Connect: ap}, "socket", "socket s1: udp on b → 10.0.0.1:7"},
		{&Bind{Socket: "s1", Address: netip.MustParseAddrPort("0.0.0.0:6000")}, "bind", "bind s1 to 0.0.0.0:6000"},
		{&Connect{Socket: "s1", To: ap}, "connect", "connect s1 → 10.0.0.1:7"},
		{&Send{Socket: "s1", Data: strings.Repeat("x", 30), Size: 30, Count: 1}, "send", `send "xxxxxxxxxxxxxxxxxxxx"… on s1`},
		{&Recv{Socket: "s1", Count: 2, Within: Duration(time.Second)}, "recv", "recv 2 on s1 within 1s"},
		{&Close{Socket: "s1"}, "close", "close s1"},
		{&AddInterface{Node: "a", Name: "eth1"}, "add-interface", "add a:eth1"},
		{&RemoveInterface{Node: "a", Name: "eth1"}, "remove-interface", "remove a:eth1"},
		{&SetInterface{Node: "a", Name: "eth0", Up: ptr(false), MTU: ptr(1400)}, "set-interface", "set a:eth0 down, mtu 1400"},
		{&AddRoute{Node: "a", To: p, Interface: "eth0"}, "add-route", "route a 10.1.0.0/16 dev eth0"},
		{&RemoveRoute{Node: "a", To: p}, "remove-route", "remove route a 10.1.0.0/16"},
		{&Impair{Link: "l1", Loss: ptr(Percent(50))}, "impair", "impair l1 loss 50%"},
		{&Wait{Duration: Duration(2 * time.Second)}, "wait", "wait 2s"},
	} {
		if got := c.a.Describe(); got != c.want {
			t.Errorf("%T.Describe() = %q, want %q", c.a, got, c.want)
		}
		if got := c.a.Kind(); got != c.kind {
			t.Errorf("%T.Kind() = %q, want %q", c.a, got, c.kind)
		}
		if !slices.Contains(actionKeys, c.a.Kind()) {
			t.Errorf("%T.Kind() %q is not an action key", c.a, c.a.Kind())
		}
	}
	if got := (Endpoint{Node: "sw"}).String() + " " + (Endpoint{"a", "eth0"}).String(); got != "sw a:eth0" {
		t.Errorf("Endpoint.String = %q", got)
	}
	if got := (&AddRoute{To: p, Via: a, Interface: "eth0"}).Route(); got != (Route{To: p, Via: a, Interface: "eth0"}) {
		t.Errorf("AddRoute.Route() = %+v", got)
	}
}
