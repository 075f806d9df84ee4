package labs

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

func ptr[T any](v T) *T { return &v }

func mustLoad(t *testing.T, name, src string) *Lab {
	t.Helper()
	lab, err := Load(name, []byte(src))
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	return lab
}

// stripPos returns a copy of lab without positions, to compare with a Lab
// written in Go.
func stripPos(lab *Lab) Lab {
	l := *lab
	l.pos = nil
	l.Nodes = append([]Node(nil), lab.Nodes...)
	for i := range l.Nodes {
		n := &l.Nodes[i]
		n.Pos = Pos{}
		n.Interfaces = append([]Interface(nil), n.Interfaces...)
		for j := range n.Interfaces {
			n.Interfaces[j].Pos = Pos{}
		}
		n.Routes = append([]Route(nil), n.Routes...)
		for j := range n.Routes {
			n.Routes[j].Pos = Pos{}
		}
		n.Apps = append([]App(nil), n.Apps...)
		for j := range n.Apps {
			n.Apps[j].Pos = Pos{}
		}
		n.DHCPServers = append([]DHCPServer(nil), n.DHCPServers...)
		for j := range n.DHCPServers {
			n.DHCPServers[j].Pos = Pos{}
		}
	}
	l.Links = append([]Link(nil), lab.Links...)
	for i := range l.Links {
		l.Links[i].Pos = Pos{}
	}
	l.Steps = append([]Step(nil), lab.Steps...)
	for i := range l.Steps {
		l.Steps[i].Pos = Pos{}
	}
	return l
}

// TestKitchenSink loads a lab that uses every field of the format and
// checks every value that lands in the Lab.
func TestKitchenSink(t *testing.T) {
	lab, err := LoadFile("testdata/kitchen-sink.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	ap := netip.MustParseAddrPort
	mac := func(s string) MAC {
		var m MAC
		if err := m.UnmarshalText([]byte(s)); err != nil {
			t.Fatal(err)
		}
		return m
	}
	want := Lab{
		Name:        "kitchen-sink",
		Description: "Every field.\n",
		Clock:       ClockReal,
		Seed:        42,
		Source:      "testdata/kitchen-sink.yaml",
		Nodes: []Node{
			{
				Name: "a", Kind: KindStack, Forwarding: true,
				Interfaces: []Interface{
					{Name: "eth0", MAC: mac("02:00:00:00:00:0a"), Address: pfx("10.0.0.1/24"), MTU: 1400, Up: false},
					{Name: "eth1", MAC: mac("02:00:00:00:01:01"), Address: pfx("10.0.1.1/24"), MTU: 1500, Up: true},
					{Name: "eth2", MAC: mac("02:00:00:00:01:02"), MTU: 1500, Up: true},
				},
				Routes: []Route{
					{To: pfx("0.0.0.0/0"), Via: addr("10.0.0.254")},
					{To: pfx("10.9.0.0/16"), Interface: "eth1"},
					{To: pfx("10.8.0.0/16"), Via: addr("10.0.1.2"), Interface: "eth1"},
				},
				ARP: []StaticARP{{Address: addr("10.0.0.9"), MAC: mac("02:00:00:00:00:99")}},
				Apps: []App{
					{Kind: AppUDPEcho, Port: 7},
					{Kind: AppUDPDiscard, Port: 9},
					{Kind: AppUDPSource, To: ap("10.0.0.2:9"), Size: 100, Interval: Duration(10e6), Count: 100, Port: 5001},
					{Kind: AppUDPSource, To: ap("10.0.0.2:9"), Size: 64, Interval: Duration(1e9)},
				},
			},
			{
				Name: "b", Kind: KindStack,
				Interfaces: []Interface{{Name: "eth0", MAC: mac("02:00:00:00:02:00"), Address: pfx("10.0.0.2/24"), MTU: 1500, Up: true}},
				Apps:       []App{{Kind: AppUDPEcho, Port: 7}},
			},
			{Name: "sw", Kind: KindSwitch},
			{
				Name: "c", Kind: KindStack,
				Interfaces: []Interface{
					{Name: "eth0", MAC: mac("02:00:00:00:04:00"), Address: pfx("10.0.2.1/24"), MTU: 1500, Up: true},
					{Name: "eth1", MAC: mac("02:00:00:00:04:01"), MTU: 1500, Up: true, DHCP: &DHCPClient{}},
					{Name: "eth2", MAC: mac("02:00:00:00:04:02"), MTU: 1500, Up: true, DHCP: &DHCPClient{Hostname: "c", ClientID: "c-1", RequestedAddress: addr("10.0.2.150")}},
				},
				DHCPServers: []DHCPServer{{
					Interface: "eth0", PoolStart: addr("10.0.2.100"), PoolEnd: addr("10.0.2.199"), Lease: Duration(2 * 3600e9),
					Router: addr("10.0.2.1"), DNS: []netip.Addr{addr("10.0.2.1"), addr("10.0.2.2")}, T1: Duration(3600e9), T2: Duration(6300e9),
					Reservations: []DHCPReservation{{MAC: mac("02:00:00:00:00:98"), Address: addr("10.0.2.50")}},
				}},
			},
		},
		Links: []Link{
			{
				ID: "l1", A: Endpoint{"a", "eth0"}, B: Endpoint{"b", "eth0"}, Type: LinkPipe,
				Impair: Impairments{Loss: 5, Delay: Duration(2e6), Jitter: Duration(1e6), Duplicate: 1, Reorder: 1, Corrupt: 0.1, Rate: 10e6, Queue: 64},
			},
			{ID: "l2", A: Endpoint{Node: "sw"}, B: Endpoint{"a", "eth1"}, Type: LinkPipe},
			{ID: "l3", A: Endpoint{"a", "eth3"}, B: Endpoint{Node: "sw"}, Type: LinkPipe},
		},
		Steps: []Step{
			{Name: "ping b to a", At: ptr(Duration(1e9)), Action: &Ping{From: "b", To: addr("10.0.0.1"), Count: 5, Interval: Duration(100e6), Timeout: Duration(2e9), Size: 1000, ID: "p1"}},
			{Name: "expect ping replies = 5", Action: &Expect{PingStep: 0, ExecStep: -1, PingReplies: ptr(5)}},
			{Name: "expect ping p1 replies ≥ 4 within 1s", After: ptr(Duration(500e6)), Action: &Expect{Ping: "p1", PingStep: 0, ExecStep: -1, PingRepliesMin: ptr(4), Within: ptr(Duration(1e9))}},
			{Name: "socket s1: udp on b bound to 0.0.0.0:5000 → 10.0.0.1:7, DF", Action: &Socket{Node: "b", ID: "s1", Proto: "udp", Bind: ap("0.0.0.0:5000"), Connect: ap("10.0.0.1:7"), DontFragment: true}},
			{Name: `send "hello" on s1`, Action: &Send{Socket: "s1", Data: "hello", Size: 5, Count: 1}},
			{Name: "send 3 × 64 B on s1 → 10.0.0.1:9", Action: &Send{Socket: "s1", To: ap("10.0.0.1:9"), Size: 64, Count: 3}},
			{Name: "recv on s1 within 2s", Action: &Recv{Socket: "s1", Count: 1, Within: Duration(2e9)}},
			{Name: "recv on s1 within 1s", Action: &Recv{Socket: "s1", Count: 1, Within: Duration(1e9)}},
			{Name: "expect s1 bytes-received = 5, s1 datagrams-received = 1", Action: &Expect{PingStep: -1, ExecStep: -1, Socket: "s1", BytesReceived: ptr(5), DatagramsReceived: ptr(1)}},
			{Name: "expect s1 error ECONNREFUSED within 1s", Action: &Expect{PingStep: -1, ExecStep: -1, Socket: "s1", Error: "ECONNREFUSED", Within: ptr(Duration(1e9))}},
			{Name: "expect s1 connected", Action: &Expect{PingStep: -1, ExecStep: -1, Socket: "s1", State: "connected"}},
			{Name: "connect s1 → 10.0.0.1:9", Action: &Connect{Socket: "s1", To: ap("10.0.0.1:9"), Within: DefaultConnectWithin}},
			{Name: "close s1", Action: &Close{Socket: "s1"}},
			{Name: "expect s1 closed", Action: &Expect{PingStep: -1, ExecStep: -1, Socket: "s1", State: "closed"}},
			{Name: "socket t1: tcp on b", Action: &Socket{Node: "b", ID: "t1", Proto: "tcp"}},
			{Name: "bind t1 to 10.0.0.2:5001", Action: &Bind{Socket: "t1", Address: ap("10.0.0.2:5001")}},
			{Name: "connect t1 → 10.0.0.1:80", Action: &Connect{Socket: "t1", To: ap("10.0.0.1:80"), Within: Duration(2e9)}},
			{Name: "close t1", Action: &Close{Socket: "t1"}},
			{Name: "add a:eth3 10.0.3.1/24 on l3", Action: &AddInterface{Node: "a", Name: "eth3", MAC: mac("02:00:00:00:00:33"), Address: pfx("10.0.3.1/24"), MTU: 1500, Up: true, Link: "l3"}},
			{Name: "add b:eth1", Action: &AddInterface{Node: "b", Name: "eth1", MAC: mac("02:00:00:00:02:01"), MTU: 1500, Up: true}},
			{Name: "remove a:eth3", Action: &RemoveInterface{Node: "a", Name: "eth3"}},
			{Name: "set a:eth0 down, link up, mtu 1400, address 10.0.0.5/24", Action: &SetInterface{Node: "a", Name: "eth0", Up: ptr(false), LinkUp: ptr(true), MTU: ptr(1400), Address: ptr(pfx("10.0.0.5/24"))}},
			{Name: "set a:eth1 no address", Action: &SetInterface{Node: "a", Name: "eth1", Address: ptr(netip.Prefix{})}},
			{Name: "route a 10.1.0.0/16 via 10.0.0.2", Action: &AddRoute{Node: "a", To: pfx("10.1.0.0/16"), Via: addr("10.0.0.2")}},
			{Name: "remove route a 10.1.0.0/16", Action: &RemoveRoute{Node: "a", To: pfx("10.1.0.0/16")}},
			{Name: "impair l1 loss 50% delay 1s jitter 0s duplicate 0% reorder 2.5% corrupt 100% rate 512kbit queue 0", Action: &Impair{
				Link: "l1", Loss: ptr(Percent(50)), Delay: ptr(Duration(1e9)), Jitter: ptr(Duration(0)), Duplicate: ptr(Percent(0)),
				Reorder: ptr(Percent(2.5)), Corrupt: ptr(Percent(100)), Rate: ptr(Rate(512e3)), Queue: ptr(0),
			}},
			{Name: "impair l2 rate 0bit", Action: &Impair{Link: "l2", Rate: ptr(Rate(0))}},
			{Name: "wait 2s", Action: &Wait{Duration: Duration(2e9)}},
			{Name: "expect 3 ≤ a eth0 rx-frames ≤ 10 within 1s", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "a", Interface: "eth0", Counter: "rx-frames", Min: ptr(uint64(3)), Max: ptr(uint64(10)), Within: ptr(Duration(1e9))}},
			{Name: "expect a eth0 drops:no-route = 0", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "a", Interface: "eth0", Counter: "drops:no-route", Equals: ptr(uint64(0))}},
			{Name: "expect a ip-forwarded = 0", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "a", Counter: "ip-forwarded", Equals: ptr(uint64(0))}},
			{Name: "expect a eth0 down, link up, mtu 1400, 10.0.0.5/24 within 1s", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "a", Interface: "eth0", Up: ptr(false), LinkUp: ptr(true), MTU: ptr(1400), Address: ptr(pfx("10.0.0.5/24")), Within: ptr(Duration(1e9))}},
			{Name: "expect a eth1 no address", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "a", Interface: "eth1", Address: ptr(netip.Prefix{})}},
			{Name: `expect a event "ARP 10.0.0.2 reachable" within 1s`, Action: &Expect{PingStep: -1, ExecStep: -1, Node: "a", Event: "ARP 10.0.0.2 reachable", Within: ptr(Duration(1e9))}},
			{Name: "expect a eth3 events /^netif (added|removed)/ = 2", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "a", Interface: "eth3", Event: "/^netif (added|removed)/", EventRegexp: regexp.MustCompile("^netif (added|removed)"), Count: ptr(uint64(2))}},
			{Name: `expect 0 ≤ b events "address conflict" ≤ 1`, Action: &Expect{PingStep: -1, ExecStep: -1, Node: "b", Event: "address conflict", Min: ptr(uint64(0)), Max: ptr(uint64(1))}},
			{Name: "dhcp start c:eth1", Action: &DHCP{Op: DHCPStart, Node: "c", Interface: "eth1", Client: DHCPClient{Hostname: "c1", ClientID: "id", RequestedAddress: addr("10.0.2.120")}}},
			{Name: "expect c eth1 dhcp BOUND within 10s", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "c", Interface: "eth1", DHCP: "BOUND", Within: ptr(Duration(10e9))}},
			{Name: "expect c eth1 dhcp lease 10.0.2.120, server 10.0.2.1, no router, renewed 0, rebound 0, expired 0", Action: &Expect{PingStep: -1, ExecStep: -1, Node: "c", Interface: "eth1",
				LeaseAddress: ptr(addr("10.0.2.120")), LeaseServer: ptr(addr("10.0.2.1")), LeaseRouter: ptr(netip.Addr{}), Renewed: ptr(uint64(0)), Rebound: ptr(uint64(0)), Expired: ptr(uint64(0))}},
			{Name: "dhcp renew c:eth1", Action: &DHCP{Op: DHCPRenew, Node: "c", Interface: "eth1"}},
			{Name: "dhcp release c:eth1", Action: &DHCP{Op: DHCPRelease, Node: "c", Interface: "eth1"}},
			{Name: "dhcp stop c:eth2", Action: &DHCP{Op: DHCPStop, Node: "c", Interface: "eth2"}},
			{Name: "dhcp inform c:eth1", Action: &DHCP{Op: DHCPInform, Node: "c", Interface: "eth1", Client: DHCPClient{Hostname: "c1", ClientID: "id"}}},
			{Name: "dhcp server off c:eth0", Action: &DHCPServerStop{Node: "c", Interface: "eth0"}},
			{Name: "dhcp server on c:eth0 10.0.2.10-10.0.2.19", Action: &DHCPServerStart{Node: "c", Server: DHCPServer{
				Interface: "eth0", PoolStart: addr("10.0.2.10"), PoolEnd: addr("10.0.2.19"), Lease: Duration(120e9), Router: addr("10.0.2.1"),
				DNS: []netip.Addr{addr("10.0.2.1")}, T1: Duration(60e9), T2: Duration(90e9),
				Reservations: []DHCPReservation{{MAC: mac("02:00:00:00:00:97"), Address: addr("10.0.2.5")}},
			}}},
		},
	}
	got := stripPos(lab)
	if g, w := fmt.Sprint(got.Name, got.Description, got.Clock, got.Seed, got.Source), fmt.Sprint(want.Name, want.Description, want.Clock, want.Seed, want.Source); g != w {
		t.Errorf("lab = %q, want %q", g, w)
	}
	for i := range max(len(got.Nodes), len(want.Nodes)) {
		if i >= len(got.Nodes) || i >= len(want.Nodes) || !reflect.DeepEqual(got.Nodes[i], want.Nodes[i]) {
			t.Errorf("node %d:\n got %+v\nwant %+v", i, at(got.Nodes, i), at(want.Nodes, i))
		}
	}
	for i := range max(len(got.Links), len(want.Links)) {
		if i >= len(got.Links) || i >= len(want.Links) || !reflect.DeepEqual(got.Links[i], want.Links[i]) {
			t.Errorf("link %d:\n got %+v\nwant %+v", i, at(got.Links, i), at(want.Links, i))
		}
	}
	for i := range max(len(got.Steps), len(want.Steps)) {
		if i >= len(got.Steps) || i >= len(want.Steps) || !reflect.DeepEqual(got.Steps[i], want.Steps[i]) {
			g, w := at(got.Steps, i), at(want.Steps, i)
			t.Errorf("step %d:\n got %q %+v\nwant %q %+v", i, g.Name, g.Action, w.Name, w.Action)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lab differs from the expected one")
	}
}

func at[T any](s []T, i int) T {
	var zero T
	if i < len(s) {
		return s[i]
	}
	return zero
}

// TestDefaults checks what Load fills in for a lab that leaves everything
// out.
func TestDefaults(t *testing.T) {
	lab := mustLoad(t, "defaults.yaml", `
name: defaults
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {interfaces: {eth0: }}
links:
  - endpoints: [a:eth0, b:eth0]
steps:
  - ping: {from: b, to: 10.0.0.1}
  - socket: {node: b, id: s}
  - send: {socket: s, to: 10.0.0.1:7, size: 3}
  - recv: {socket: s}
`)
	if lab.Clock != ClockVirtual || lab.Seed != DefaultSeed || lab.Source != "defaults.yaml" || lab.Description != "" {
		t.Errorf("lab = %q %q %d %q", lab.Clock, lab.Source, lab.Seed, lab.Description)
	}
	for i, n := range lab.Nodes {
		if n.Kind != KindStack || n.Forwarding {
			t.Errorf("node %s: kind %q forwarding %v", n.Name, n.Kind, n.Forwarding)
		}
		itf := n.Interfaces[0]
		if itf.MTU != DefaultMTU || !itf.Up || itf.MAC != (MAC{2, 0, 0, 0, byte(i + 1), 0}) {
			t.Errorf("interface %s:%s = %+v", n.Name, itf.Name, itf)
		}
	}
	if lab.Nodes[1].Interfaces[0].Address.IsValid() {
		t.Errorf("b:eth0 has an address: %v", lab.Nodes[1].Interfaces[0].Address)
	}
	if l := lab.Links[0]; l.ID != "l1" || l.Type != LinkPipe || l.Impair != (Impairments{}) {
		t.Errorf("link = %+v", l)
	}
	want := []Action{
		&Ping{From: "b", To: netip.MustParseAddr("10.0.0.1"), Count: DefaultPingCount, Interval: DefaultPingInterval, Timeout: DefaultPingTimeout, Size: DefaultPingSize},
		&Socket{Node: "b", ID: "s", Proto: "udp"},
		&Send{Socket: "s", To: netip.MustParseAddrPort("10.0.0.1:7"), Size: 3, Count: 1},
		&Recv{Socket: "s", Count: 1, Within: DefaultRecvWithin},
	}
	for i, s := range lab.Steps {
		if !reflect.DeepEqual(s.Action, want[i]) || s.At != nil || s.After != nil || s.Name != s.Action.Describe() {
			t.Errorf("step %d = %q %+v, want %+v", i, s.Name, s.Action, want[i])
		}
	}
	if got := lab.Steps[0].Name; got != "ping b → 10.0.0.1" {
		t.Errorf("default ping step name = %q", got)
	}
}

// TestPositions checks the positions that a Lab carries and that errors
// carry, line and column.
func TestPositions(t *testing.T) {
	src := `name: positions
nodes:
  a:
    interfaces:
      eth0: {address: 10.0.0.1/24}
    routes:
      - {to: 0.0.0.0/0, via: 10.0.0.254}
    apps:
      - udp-echo: {port: 7}
  sw: {kind: switch}
links:
  - endpoints: [sw, a:eth0]
steps:
  - ping: {from: a, to: 10.0.0.254}
  - name: wait a bit
    wait: 1s
`
	lab := mustLoad(t, "positions.yaml", src)
	a := lab.Node("a")
	checks := []struct {
		what      string
		got, want Pos
	}{
		{"node a", a.Pos, Pos{3, 3}},
		{"node sw", lab.Node("sw").Pos, Pos{10, 3}},
		{"a:eth0", a.Interface("eth0").Pos, Pos{5, 7}},
		{"route", a.Routes[0].Pos, Pos{7, 9}},
		{"app", a.Apps[0].Pos, Pos{9, 9}},
		{"link", lab.Links[0].Pos, Pos{12, 5}},
		{"step 0", lab.Steps[0].Pos, Pos{14, 5}},
		{"step 1", lab.Steps[1].Pos, Pos{15, 5}},
		{"$.steps[0].ping.to", lab.Position("$.steps[0].ping.to"), Pos{14, 25}},
		{"$.steps[0].ping.count (left out)", lab.Position("$.steps[0].ping.count"), Pos{14, 11}},
		{"$.links[0].endpoints[1]", lab.Position("$.links[0].endpoints[1]"), Pos{12, 21}},
		{"$.nodes.a.interfaces.eth0.address", lab.Position("$.nodes.a.interfaces.eth0.address"), Pos{5, 23}},
		{"$", lab.Position("$"), Pos{1, 1}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s at %v, want %v", c.what, c.got, c.want)
		}
	}
	if (&Lab{}).Position("$.name").IsValid() {
		t.Errorf("a Lab built in Go has positions")
	}

	broken := strings.Replace(src, "to: 10.0.0.254}\n  - name", "to: 10.0.0}\n  - name", 1)
	_, err := Load("quickstart.yaml", []byte(broken))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load: %v, want an *Error", err)
	}
	want := &Error{File: "quickstart.yaml", Pos: Pos{14, 25}, Path: "$.steps[0].ping.to", Msg: `not an IPv4 address: "10.0.0"`,
		Line: "  - ping: {from: a, to: 10.0.0}"}
	if *e != *want {
		t.Errorf("error = %#v, want %#v", e, want)
	}
	if got := e.Error(); got != `quickstart.yaml:14:25: steps[0].ping.to: not an IPv4 address: "10.0.0"` {
		t.Errorf("Error() = %q", got)
	}
	if got, want := e.Excerpt(), " 14 |   - ping: {from: a, to: 10.0.0}\n    |                         ^~~~~~"; got != want {
		t.Errorf("Excerpt() =\n%s\nwant\n%s", got, want)
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("x", 150) + ": " + strings.Repeat("y", 150)
	for _, c := range []struct {
		line string
		col  int
		want string
	}{
		{"name: Bad_Name", 7, " 3 | name: Bad_Name\n   |       ^~~~~~~~"},
		{"      adress: 10.0.0.1/24", 7, " 3 |       adress: 10.0.0.1/24\n   |       ^~~~~~"},
		{`  - {name: "→→é", ping: {from: zz, to: 1.2.3.4}}`, 32, ` 3 |   - {name: "→→é", ping: {from: zz, to: 1.2.3.4}}` + "\n" + `   |                                ^~`},
		{"\t- {to: 'it''s', x: 1} # c", 9, " 3 | \t- {to: 'it''s', x: 1} # c\n   | \t       ^~~~~~~"},
		{`  data: "a\"b", x`, 9, ` 3 |   data: "a\"b", x` + "\n" + `   |         ^~~~~~`},
		{"  to: 10.0.0.1 # comment", 7, " 3 |   to: 10.0.0.1 # comment\n   |       ^~~~~~~~"},
		{"  eth0: {address: 10.0.0.1/24}", 9, " 3 |   eth0: {address: 10.0.0.1/24}\n   |         ^"},
		{"name: \x1b[31mred\u2028", 7, " 3 | name: ?[31mred?\n   |       ^~~~~~~~~"},
		{"", 1, " 3 | \n   | ^"},
		{long, 153, " 3 | …" + strings.Repeat("x", 48) + ": " + strings.Repeat("y", 50) + "…\n   |  " + strings.Repeat(" ", 50) + "^" + strings.Repeat("~", 49)},
	} {
		e := &Error{Pos: Pos{3, c.col}, Line: c.line}
		if got := e.Excerpt(); got != c.want {
			t.Errorf("Excerpt of %q at %d =\n%s\nwant\n%s", c.line, c.col, got, c.want)
		}
	}
	if got := (&Error{Msg: "no position"}).Excerpt(); got != "" {
		t.Errorf("Excerpt without a position = %q", got)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, c := range []struct {
		err  *Error
		want string
	}{
		{&Error{File: "f.yaml", Pos: Pos{1, 2}, Path: "$.a[0].b", Msg: "bad"}, "f.yaml:1:2: a[0].b: bad"},
		{&Error{File: "f.yaml", Pos: Pos{1, 2}, Path: "$", Msg: "bad"}, "f.yaml:1:2: bad"},
		{&Error{File: "f.yaml", Msg: "bad"}, "f.yaml: bad"},
		{&Error{Pos: Pos{3, 4}, Msg: "bad"}, "3:4: bad"},
		{&Error{Path: "$.x", Msg: "bad"}, "x: bad"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%#v.Error() = %q, want %q", c.err, got, c.want)
		}
	}
	list := ErrorList{{Msg: "one"}, {Msg: "two"}}
	if got := list.Error(); got != "one\ntwo" {
		t.Errorf("ErrorList.Error() = %q", got)
	}
	var e *Error
	if !errors.As(error(list), &e) || e.Msg != "one" {
		t.Errorf("errors.As(ErrorList) = %v", e)
	}
	if ErrorList(nil).Err() != nil || list[:1].Err() != list[0] {
		t.Errorf("ErrorList.Err is wrong")
	}
}

// TestAllErrors checks that Load reports every error, in file order, and
// stops at a sane number.
func TestAllErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: many\nnodes:\n  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}\nsteps:\n")
	for i := range 150 {
		fmt.Fprintf(&b, "  - ping: {from: a, to: 10.0.%d}\n", i)
	}
	_, err := Load("many.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load: %v", err)
	}
	if len(list) != maxErrors {
		t.Errorf("%d errors, want %d", len(list), maxErrors)
	}
	for i, e := range list[:maxErrors-1] {
		if e.Pos.Line != 5+i {
			t.Errorf("error %d at line %d, want %d: %v", i, e.Pos.Line, 5+i, e)
		}
	}
	if last := list[len(list)-1]; !strings.Contains(last.Msg, "too many errors (150)") {
		t.Errorf("last error = %v", last)
	}
}

func TestAliases(t *testing.T) {
	lab := mustLoad(t, "aliases.yaml", `
name: aliases
nodes:
  a: {interfaces: {eth0: &if {address: 10.0.0.1/24, mtu: 1400}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
    impair: &slow {delay: 50ms, rate: !!str 1Mbit}
steps:
  - impair: {link: l1, loss: 1%}
  - wait: &w 1s
  - wait: *w
`)
	if got := lab.Links[0].Impair; got.Delay != Duration(50e6) || got.Rate != 1e6 {
		t.Errorf("impair = %+v", got)
	}
	if w := lab.Steps[2].Action.(*Wait); w.Duration != Duration(1e9) {
		t.Errorf("aliased wait = %v", w.Duration)
	}

	// An alias bomb is cut short, not expanded: 2000 nodes, each an alias
	// of a node with 2000 interfaces, each an alias.
	var b strings.Builder
	b.WriteString("name: bomb\nnodes:\n  n0: &n\n    interfaces:\n")
	for i := range 2000 {
		if i == 0 {
			b.WriteString("      e0: &i {mtu: 1500}\n")
			continue
		}
		fmt.Fprintf(&b, "      e%d: *i\n", i)
	}
	for i := 1; i < 2000; i++ {
		fmt.Fprintf(&b, "  n%d: *n\n", i)
	}
	_, err := Load("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "too large once its aliases are expanded") {
		t.Errorf("alias bomb: %v", err)
	}
}

func TestLoadDeterministic(t *testing.T) {
	data, err := os.ReadFile("testdata/kitchen-sink.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err1 := Load("k.yaml", data)
	b, err2 := Load("k.yaml", data)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("two loads differ (%v, %v)", err1, err2)
	}
	broken, _ := os.ReadFile("testdata/broken/many.yaml")
	_, err1 = Load("m.yaml", broken)
	_, err2 = Load("m.yaml", broken)
	if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
		t.Errorf("two loads give different errors:\n%v\n%v", err1, err2)
	}
}

func TestLoadFileMissing(t *testing.T) {
	if _, err := LoadFile("testdata/no-such-lab.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want ErrNotExist", err)
	}
}

// TestFlowStyle checks that a lab written in flow style, or as JSON, loads
// as its block-style self does.
func TestFlowStyle(t *testing.T) {
	block := mustLoad(t, "q.yaml", mustSource(t, "quickstart"))
	flow := strings.NewReplacer(
		"links:\n  - id: l1\n    endpoints: [a:eth0, b:eth0]\n    impair: {delay: 1ms}\n",
		"links: [{id: l1, endpoints: [a:eth0, b:eth0], impair: {delay: 1ms}}]\n",
	).Replace(mustSource(t, "quickstart"))
	if !strings.Contains(flow, "links: [{") {
		t.Fatal("the quickstart lab changed: update TestFlowStyle")
	}
	if got := mustLoad(t, "q.yaml", flow); !reflect.DeepEqual(stripPos(got), stripPos(block)) {
		t.Errorf("flow-style links differ:\n%+v\n%+v", got.Links, block.Links)
	}
	js, err := yaml.YAMLToJSON([]byte(mustSource(t, "quickstart")))
	if err != nil {
		t.Fatal(err)
	}
	if got := mustLoad(t, "q.yaml", string(js)); !reflect.DeepEqual(stripPos(got), stripPos(block)) {
		t.Errorf("JSON lab differs")
	}
	// A byte order mark is not part of the first key.
	if got := mustLoad(t, "q.yaml", "\ufeff"+mustSource(t, "quickstart")); got.Name != "quickstart" {
		t.Errorf("with a BOM: %q", got.Name)
	}
}

func mustSource(t *testing.T, name string) string {
	t.Helper()
	src, err := BuiltinSource(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}
