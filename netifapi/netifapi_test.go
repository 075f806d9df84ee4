package netifapi_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/netifapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mac(last byte) wire.MAC { return wire.MAC{2, 0, 0, 0, 0, last} }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// newStack starts a stack on the real clock that stops when the test ends.
func newStack(t testing.TB, clk clock.Clock, name string) *core.Stack {
	s := core.New(core.Config{Name: name, Clock: clk})
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// testCtx is a context with a generous limit: 2 slow cores under -race.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr checks that err wraps want and is a *netifapi.Error naming op.
func wantErr(t *testing.T, what string, err, want error, op string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("got %s = %v, want %v", what, err, want)
		return
	}
	var e *netifapi.Error
	if !errors.As(err, &e) || e.Op != op {
		t.Errorf("got %s = %#v, want a *netifapi.Error with Op %q", what, err, op)
	}
}

func TestEveryCall(t *testing.T) {
	ctx := testCtx(t)
	s := newStack(t, clock.NewReal(), "s")
	ch := mem.NewChannel("s:eth0", 64)

	i, err := netifapi.Add(ctx, s, netifapi.Config{Name: "eth0", MAC: mac(1), Address: pfx("10.0.0.1/24"), Link: ch.Endpoint()})
	if err != nil || i != 2 {
		t.Fatalf("got Add(eth0) = %d, %v, want 2, nil", i, err)
	}
	_, err = netifapi.Add(ctx, s, netifapi.Config{Name: "eth0"})
	wantErr(t, "Add(eth0) again", err, core.ErrExists, "add eth0")
	_, err = netifapi.Add(ctx, s, netifapi.Config{Name: "eth1", MTU: 575})
	wantErr(t, "Add(mtu 575)", err, core.ErrInvalid, "add eth1")
	i, err = netifapi.Add(ctx, s, netifapi.Config{Name: "eth1", MTU: 576, Down: true, LinkDown: true})
	if err != nil || i != 3 {
		t.Fatalf("got Add(eth1) = %d, %v, want 3, nil", i, err)
	}

	n, err := netifapi.Get(ctx, s, "eth1")
	must(t, "Get(eth1)", err)
	if n.Index != 3 || n.MTU != 576 || n.Up || n.LinkUp || n.Address.IsValid() || n.Link != "" {
		t.Errorf("got Get(eth1) = %+v, want index 3, MTU 576, down, no address, no link", n)
	}
	_, err = netifapi.Get(ctx, s, "eth9")
	wantErr(t, "Get(eth9)", err, core.ErrNoSuchNetif, "get eth9")
	n, err = netifapi.GetByIndex(ctx, s, 2)
	if err != nil || n.Name != "eth0" || n.Link != "s:eth0" || n.Address != pfx("10.0.0.1/24") {
		t.Errorf("got GetByIndex(2) = %+v, %v, want eth0 on s:eth0 at 10.0.0.1/24", n, err)
	}
	_, err = netifapi.GetByIndex(ctx, s, 99)
	wantErr(t, "GetByIndex(99)", err, core.ErrNoSuchNetif, "get index 99")

	must(t, "SetUp(eth1)", netifapi.SetUp(ctx, s, "eth1", true))
	must(t, "SetLinkUp(eth1)", netifapi.SetLinkUp(ctx, s, "eth1", true))
	must(t, "SetMTU(eth1)", netifapi.SetMTU(ctx, s, "eth1", 9000))
	wantErr(t, "SetMTU(eth1, 575)", netifapi.SetMTU(ctx, s, "eth1", 575), core.ErrInvalid, "set mtu of eth1")
	must(t, "SetAddress(eth1)", netifapi.SetAddress(ctx, s, "eth1", pfx("10.1.0.1/24")))
	wantErr(t, "SetAddress(eth1, eth0's)", netifapi.SetAddress(ctx, s, "eth1", pfx("10.0.0.1/24")), core.ErrExists, "set address of eth1")
	wantErr(t, "SetAddress(eth1, IPv6)", netifapi.SetAddress(ctx, s, "eth1", pfx("fd00::1/64")), core.ErrInvalid, "set address of eth1")
	ch1 := mem.NewChannel("s:eth1", 64)
	must(t, "Attach(eth1)", netifapi.Attach(ctx, s, "eth1", ch1.Endpoint()))
	n, err = netifapi.Get(ctx, s, "eth1")
	if err != nil || !n.Up || !n.LinkUp || n.MTU != 9000 || n.Address != pfx("10.1.0.1/24") || n.Link != "s:eth1" {
		t.Errorf("got Get(eth1) = %+v, %v, want up, MTU 9000, 10.1.0.1/24 on s:eth1", n, err)
	}
	for _, tc := range []struct {
		op  string
		err error
	}{
		{"set address of eth9", netifapi.SetAddress(ctx, s, "eth9", pfx("10.9.0.1/24"))},
		{"set mtu of eth9", netifapi.SetMTU(ctx, s, "eth9", 1500)},
		{"set admin state of eth9", netifapi.SetUp(ctx, s, "eth9", true)},
		{"set link state of eth9", netifapi.SetLinkUp(ctx, s, "eth9", true)},
		{"attach eth9", netifapi.Attach(ctx, s, "eth9", ch1.Endpoint())},
		{"remove eth9", netifapi.Remove(ctx, s, "eth9")},
		{"add ARP entry on eth9", netifapi.AddStaticARP(ctx, s, "eth9", addr("10.9.0.2"), mac(2))},
		{"add route to 10.9.0.0/16", netifapi.AddRoute(ctx, s, netifapi.Route{To: pfx("10.9.0.0/16"), Netif: "eth9"})},
	} {
		wantErr(t, tc.op, tc.err, core.ErrNoSuchNetif, tc.op)
	}

	must(t, "SetForwarding", netifapi.SetForwarding(ctx, s, true))
	var fwd bool
	must(t, "read forwarding", s.Call(ctx, func(c *core.Core) error { fwd = c.Forwarding(); return nil }))
	if !fwd {
		t.Error("got forwarding off after SetForwarding(true)")
	}

	must(t, "AddRoute", netifapi.AddRoute(ctx, s, netifapi.Route{To: pfx("0.0.0.0/0"), Via: addr("10.0.0.254")}))
	must(t, "AddRoute via eth1", netifapi.AddRoute(ctx, s, netifapi.Route{To: pfx("10.8.0.0/16"), Netif: "eth1"}))
	wantErr(t, "AddRoute again", netifapi.AddRoute(ctx, s, netifapi.Route{To: pfx("0.0.0.0/0"), Via: addr("10.0.0.253")}), core.ErrExists, "add route to 0.0.0.0/0")
	wantErr(t, "AddRoute(not masked)", netifapi.AddRoute(ctx, s, netifapi.Route{To: pfx("10.7.0.1/16"), Via: addr("10.0.0.254")}), core.ErrInvalid, "add route to 10.7.0.1/16")
	routes, err := netifapi.Routes(ctx, s)
	must(t, "Routes", err)
	want := []snapshot.Route{
		{To: pfx("10.0.0.0/24"), Netif: "eth0", OnLink: true},
		{To: pfx("10.1.0.0/24"), Netif: "eth1", OnLink: true},
		{To: pfx("10.8.0.0/16"), Netif: "eth1"},
		{To: pfx("0.0.0.0/0"), Via: addr("10.0.0.254"), Netif: "eth0"},
	}
	if !slices.Equal(routes, want) {
		t.Errorf("got Routes = %+v, want %+v", routes, want)
	}
	must(t, "RemoveRoute", netifapi.RemoveRoute(ctx, s, pfx("10.8.0.0/16")))
	wantErr(t, "RemoveRoute again", netifapi.RemoveRoute(ctx, s, pfx("10.8.0.0/16")), core.ErrNotFound, "remove route to 10.8.0.0/16")

	must(t, "AddStaticARP", netifapi.AddStaticARP(ctx, s, "eth0", addr("10.0.0.9"), mac(9)))
	wantErr(t, "AddStaticARP(IPv6)", netifapi.AddStaticARP(ctx, s, "eth0", addr("fd00::9"), mac(9)), core.ErrInvalid, "add ARP entry on eth0")
	arp, err := netifapi.ARP(ctx, s)
	if err != nil || len(arp) != 1 || arp[0] != (snapshot.ARPEntry{Address: addr("10.0.0.9"), MAC: mac(9), Netif: "eth0", State: snapshot.ARPStatic}) {
		t.Errorf("got ARP = %+v, %v, want the static entry for 10.0.0.9", arp, err)
	}

	if v, err := netifapi.Counter(ctx, s, "eth0", "tx-frames"); err != nil || v != 1 {
		t.Errorf("got Counter(eth0, tx-frames) = %d, %v, want 1 (the announcement)", v, err)
	}
	if v, err := netifapi.Counter(ctx, s, "", "arp-gratuitous-out"); err != nil || v != 2 {
		t.Errorf("got Counter(arp-gratuitous-out) = %d, %v, want 2 (eth0, eth1)", v, err)
	}
	_, err = netifapi.Counter(ctx, s, "", "no-such-counter")
	wantErr(t, "Counter(no-such-counter)", err, core.ErrNotFound, "read counter no-such-counter")
	_, err = netifapi.Counter(ctx, s, "eth9", "rx-frames")
	wantErr(t, "Counter(eth9)", err, core.ErrNoSuchNetif, "read counter rx-frames")

	wantErr(t, "Remove(lo)", netifapi.Remove(ctx, s, "lo"), core.ErrLoopbackChange, "remove lo")
	must(t, "Remove(eth1)", netifapi.Remove(ctx, s, "eth1"))
	list, err := netifapi.List(ctx, s)
	must(t, "List", err)
	var names []string
	for _, n := range list {
		names = append(names, fmt.Sprintf("%d:%s", n.Index, n.Name))
	}
	if !slices.Equal(names, []string{"1:lo", "2:eth0"}) {
		t.Errorf("got List = %v, want [1:lo 2:eth0]", names)
	}
	// Indices are never reused.
	if i, err := netifapi.Add(ctx, s, netifapi.Config{Name: "eth1"}); err != nil || i != 4 {
		t.Errorf("got Add(eth1) after removing index 3 = %d, %v, want 4, nil", i, err)
	}
}

// everyCall runs each netifapi call once with ctx and returns the errors.
func everyCall(ctx context.Context, s *core.Stack) map[string]error {
	_, addErr := netifapi.Add(ctx, s, netifapi.Config{Name: "ctx0"})
	_, listErr := netifapi.List(ctx, s)
	_, getErr := netifapi.Get(ctx, s, "lo")
	_, idxErr := netifapi.GetByIndex(ctx, s, 1)
	_, routesErr := netifapi.Routes(ctx, s)
	_, arpErr := netifapi.ARP(ctx, s)
	_, cntErr := netifapi.Counter(ctx, s, "", "ip-in")
	return map[string]error{
		"Add":           addErr,
		"Remove":        netifapi.Remove(ctx, s, "ctx0"),
		"SetAddress":    netifapi.SetAddress(ctx, s, "ctx0", pfx("10.5.0.1/24")),
		"SetMTU":        netifapi.SetMTU(ctx, s, "ctx0", 1500),
		"SetUp":         netifapi.SetUp(ctx, s, "ctx0", true),
		"SetLinkUp":     netifapi.SetLinkUp(ctx, s, "ctx0", true),
		"Attach":        netifapi.Attach(ctx, s, "ctx0", mem.NewChannel("x", 1).Endpoint()),
		"SetForwarding": netifapi.SetForwarding(ctx, s, true),
		"AddRoute":      netifapi.AddRoute(ctx, s, netifapi.Route{To: pfx("10.6.0.0/16"), Via: addr("10.5.0.254")}),
		"RemoveRoute":   netifapi.RemoveRoute(ctx, s, pfx("10.6.0.0/16")),
		"AddStaticARP":  netifapi.AddStaticARP(ctx, s, "lo", addr("10.5.0.2"), mac(2)),
		"List":          listErr,
		"Get":           getErr,
		"GetByIndex":    idxErr,
		"Routes":        routesErr,
		"ARP":           arpErr,
		"Counter":       cntErr,
	}
}

func TestContextIsHonoured(t *testing.T) {
	s := newStack(t, clock.NewReal(), "s")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for call, err := range everyCall(canceled, s) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %s with a canceled context = %v, want context.Canceled", call, err)
		}
	}
	if l, err := netifapi.List(testCtx(t), s); err != nil || len(l) != 1 {
		t.Errorf("got List = %+v, %v after canceled calls, want only lo", l, err)
	}

	// A stack that is busy: the deadline passes while the request waits;
	// the request is not withdrawn and runs when the stack gets to it.
	release := make(chan struct{})
	s.Post(func(c *core.Core) { <-release }) // a deliberately stuck loop
	ctx, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err := netifapi.Add(ctx, s, netifapi.Config{Name: "late"})
	wantErr(t, "Add on a stuck stack", err, context.DeadlineExceeded, "add late")
	close(release)
	if n, err := netifapi.Get(testCtx(t), s, "late"); err != nil || n.Index != 2 {
		t.Errorf("got Get(late) = %+v, %v, want the netif the timed-out call added", n, err)
	}

	s.Stop()
	for call, err := range everyCall(testCtx(t), s) {
		if !errors.Is(err, core.ErrStopped) {
			t.Errorf("got %s on a stopped stack = %v, want ErrStopped", call, err)
		}
	}
}

func TestStopFailsWaitingCalls(t *testing.T) {
	s := newStack(t, clock.NewReal(), "s")
	release := make(chan struct{})
	s.Post(func(c *core.Core) { <-release })
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			_, err := netifapi.Add(testCtx(t), s, netifapi.Config{Name: fmt.Sprintf("w%d", i)})
			errs <- err
		}()
	}
	// Let the calls queue behind the stuck request, then stop.
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()
	time.Sleep(20 * time.Millisecond)
	close(release)
	<-stopped
	for range 8 {
		err := <-errs
		if err != nil && !errors.Is(err, core.ErrStopped) {
			t.Errorf("got %v from a call waiting when the stack stopped, want nil or ErrStopped", err)
		}
	}
}

// udpCounter counts distinct sequence numbers seen by a receive callback.
type udpCounter struct {
	mu   sync.Mutex
	seen map[uint32]bool
	news chan struct{}
}

func newUDPCounter() *udpCounter {
	return &udpCounter{seen: make(map[uint32]bool), news: make(chan struct{}, 1)}
}

// add runs on a tcpip goroutine: it must not block.
func (u *udpCounter) add(seq uint32) {
	u.mu.Lock()
	u.seen[seq] = true
	u.mu.Unlock()
	select {
	case u.news <- struct{}{}:
	default:
	}
}

func (u *udpCounter) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.seen)
}

// waitFor waits until n sequence numbers were seen, or timeout.
func (u *udpCounter) waitFor(n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for u.count() < n {
		select {
		case <-u.news:
		case <-deadline.C:
			return u.count() >= n
		}
	}
	return true
}

// The stress test of the issue: one stack has netifs added and removed
// thousands of times from two goroutines, while others list them, and two
// other stacks exchange UDP and pings through a switch the churned netifs
// are attached to. Real clock, meant for -race.
func TestChurnWhileTrafficFlows(t *testing.T) {
	const (
		cycles       = 1500 // per churning goroutine: 3000 in all
		minDatagrams = 1000 // UDP echoes a asks of b, at least
		minPings     = 30   // pings b sends a, at least
		window       = 32   // UDP datagrams in flight
	)
	ctx := testCtx(t)
	clk := clock.NewReal()
	sw := mem.NewSwitch("sw", clk)
	port := func(name string) *mem.Pipe {
		p := mem.NewPipe(name, clk, uint64(len(name)), mem.Impairments{})
		t.Cleanup(p.Close)
		sw.Attach(p.B())
		return p
	}
	a, b, c := newStack(t, clk, "a"), newStack(t, clk, "b"), newStack(t, clk, "c")
	for _, x := range []struct {
		s    *core.Stack
		mac  byte
		addr string
	}{{a, 1, "10.0.0.1/24"}, {b, 2, "10.0.0.2/24"}, {c, 3, "10.0.0.3/24"}} {
		_, err := netifapi.Add(ctx, x.s, netifapi.Config{Name: "eth0", MAC: mac(x.mac), Address: pfx(x.addr), Link: port(x.s.Name() + ":eth0").A()})
		must(t, "add eth0 on "+x.s.Name(), err)
	}
	churnPipes := []*mem.Pipe{port("c:churn0"), port("c:churn1")}

	// b echoes UDP on port 7; a counts the echoes; a answers pings.
	echoes, replies := newUDPCounter(), newUDPCounter()
	var aUDP *core.UDPPCB
	must(t, "udp echo on b", b.Call(ctx, func(c *core.Core) error {
		var p *core.UDPPCB
		p = c.NewUDP(func(c *core.Core, d *core.UDPDatagram) { c.UDPSend(p, d.Payload, d.Src) }, nil, nil)
		_, err := c.UDPBind(p, netip.MustParseAddrPort("0.0.0.0:7"))
		return err
	}))
	must(t, "udp client on a", a.Call(ctx, func(c *core.Core) error {
		aUDP = c.NewUDP(func(c *core.Core, d *core.UDPDatagram) {
			if len(d.Payload) == 4 {
				echoes.add(binary.BigEndian.Uint32(d.Payload))
			}
		}, nil, nil)
		return c.UDPConnect(aUDP, netip.MustParseAddrPort("10.0.0.2:7"))
	}))
	// a also aims unicast UDP at the churned netifs' addresses, so that
	// frames reach c's netifs while they come and go; c counts what
	// arrives on its port 9.
	atChurned := newUDPCounter()
	must(t, "udp sink on c", c.Call(ctx, func(x *core.Core) error {
		p := x.NewUDP(func(_ *core.Core, d *core.UDPDatagram) {
			if len(d.Payload) == 4 {
				atChurned.add(binary.BigEndian.Uint32(d.Payload))
			}
		}, nil, nil)
		_, err := x.UDPBind(p, netip.MustParseAddrPort("0.0.0.0:9"))
		return err
	}))
	var aChurn *core.UDPPCB
	must(t, "udp to the churned netifs on a", a.Call(ctx, func(x *core.Core) error {
		aChurn = x.NewUDP(func(*core.Core, *core.UDPDatagram) {}, nil, nil)
		_, err := x.UDPBind(aChurn, netip.AddrPort{})
		return err
	}))
	churned := []netip.AddrPort{
		netip.MustParseAddrPort("10.0.0.100:9"), netip.MustParseAddrPort("10.0.0.101:9"),
		netip.MustParseAddrPort("10.0.0.150:9"), netip.MustParseAddrPort("10.0.0.151:9"),
	}
	var bPing *core.EchoPCB
	must(t, "echo PCB on b", b.Call(ctx, func(c *core.Core) error {
		bPing = c.NewEcho(func(c *core.Core, r *core.EchoReply) { replies.add(uint32(r.Seq)) }, nil, nil)
		return c.EchoConnect(bPing, addr("10.0.0.1"))
	}))

	// A first ping resolves a and b to each other: ARP queues only 3
	// datagrams, and a window is 32.
	pinged := 1
	must(t, "first ping", b.Call(ctx, func(c *core.Core) error { return c.EchoSend(bPing, netip.Addr{}, 0, nil) }))
	if !replies.waitFor(1, 20*time.Second) {
		t.Fatal("got no reply to the first ping")
	}

	errs := make(chan error, 16)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	var churn sync.WaitGroup
	indices := make([][]int, len(churnPipes))
	shared := make([]int, len(churnPipes))
	for g := range churnPipes {
		churn.Go(func() {
			name := fmt.Sprintf("churn%d", g)
			for k := range cycles {
				i, err := netifapi.Add(ctx, c, netifapi.Config{
					Name: name, MAC: mac(byte(0x10 + g)), Address: pfx(fmt.Sprintf("10.0.0.%d/24", 100+g)),
					Link: churnPipes[g].A(),
				})
				if err != nil {
					report(fmt.Errorf("cycle %d: %w", k, err))
					return
				}
				indices[g] = append(indices[g], i)
				switch k % 4 {
				case 1:
					err = netifapi.SetAddress(ctx, c, name, pfx(fmt.Sprintf("10.0.0.%d/24", 150+g)))
				case 2:
					err = netifapi.SetUp(ctx, c, name, false)
				case 3:
					err = netifapi.SetMTU(ctx, c, name, 1000)
				}
				if err == nil {
					err = netifapi.Remove(ctx, c, name)
				}
				if err != nil {
					report(fmt.Errorf("cycle %d: %w", k, err))
					return
				}
				if k%10 != 0 {
					continue
				}
				// Both goroutines fight over one more name: one wins.
				i, err = netifapi.Add(ctx, c, netifapi.Config{Name: "shared", MAC: mac(0x20)})
				switch {
				case err == nil:
					indices[g] = append(indices[g], i)
					shared[g]++
				case !errors.Is(err, core.ErrExists):
					report(fmt.Errorf("cycle %d: %w", k, err))
					return
				}
				if err := netifapi.Remove(ctx, c, "shared"); err != nil && !errors.Is(err, core.ErrNoSuchNetif) {
					report(fmt.Errorf("cycle %d: %w", k, err))
					return
				}
			}
		})
	}
	churnDone := make(chan struct{})
	go func() { churn.Wait(); close(churnDone) }()
	finished := func() bool {
		select {
		case <-churnDone:
			return true
		default:
			return false
		}
	}

	var others sync.WaitGroup
	var lists, gets int
	others.Go(func() {
		for !finished() {
			l, err := netifapi.List(ctx, c)
			if err != nil {
				report(err)
				return
			}
			lists++
			names := map[string]bool{}
			for j, n := range l {
				if j == 0 && (n.Name != "lo" || n.Index != 1) || j > 0 && n.Index <= l[j-1].Index || names[n.Name] {
					report(fmt.Errorf("got List = %+v: want lo first, indices increasing, names unique", l))
					return
				}
				names[n.Name] = true
			}
			for _, name := range []string{"churn0", "churn1", "shared"} {
				n, err := netifapi.Get(ctx, c, name)
				switch {
				case errors.Is(err, core.ErrNoSuchNetif):
				case err != nil:
					report(err)
					return
				case n.Name != name || n.Index <= 2:
					report(fmt.Errorf("got Get(%s) = %+v", name, n))
					return
				}
				gets++
			}
		}
	})
	// Traffic runs in windows until the churn is over and at least the
	// minimum went through; every window must come back whole.
	var sent int
	others.Go(func() {
		var payload [4]byte
		for !finished() || sent < minDatagrams || pinged < minPings {
			from := sent
			err := a.Call(ctx, func(c *core.Core) error {
				for seq := from; seq < from+window; seq++ {
					binary.BigEndian.PutUint32(payload[:], uint32(seq))
					if err := c.UDPSend(aUDP, payload[:], netip.AddrPort{}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				report(fmt.Errorf("UDP send: %w", err))
				return
			}
			sent += window
			err = a.Call(ctx, func(x *core.Core) error {
				for i, to := range churned {
					binary.BigEndian.PutUint32(payload[:], uint32(from+i))
					// Unresolved or gone: the datagram is dropped.
					if err := x.UDPSend(aChurn, payload[:], to); err != nil && !errors.Is(err, core.ErrHostUnreach) {
						return err
					}
				}
				return nil
			})
			if err != nil {
				report(fmt.Errorf("UDP send to the churned netifs: %w", err))
				return
			}
			if !echoes.waitFor(sent, 20*time.Second) {
				report(fmt.Errorf("got %d of %d UDP echoes within 20s", echoes.count(), sent))
				return
			}
			seq := uint16(pinged)
			if err := b.Call(ctx, func(c *core.Core) error { return c.EchoSend(bPing, netip.Addr{}, seq, []byte("churn")) }); err != nil {
				report(fmt.Errorf("ping: %w", err))
				return
			}
			pinged++
			if !replies.waitFor(pinged, 20*time.Second) {
				report(fmt.Errorf("got %d of %d ping replies within 20s", replies.count(), pinged))
				return
			}
		}
	})
	<-churnDone
	others.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	seen := map[int]bool{}
	for g := range indices {
		if len(indices[g]) != cycles+shared[g] {
			t.Errorf("churn%d: got %d netifs added, want %d", g, len(indices[g]), cycles+shared[g])
		}
		for _, i := range indices[g] {
			if seen[i] || i <= 2 {
				t.Errorf("got index %d twice or below 3", i)
			}
			seen[i] = true
		}
	}
	if want := 2*cycles + shared[0] + shared[1]; len(seen) != want {
		t.Errorf("got %d distinct indices, want %d", len(seen), want)
	}
	l, err := netifapi.List(ctx, c)
	must(t, "final List", err)
	if len(l) != 2 || l[0].Name != "lo" || l[0].Index != 1 || l[1].Name != "eth0" || l[1].Index != 2 ||
		l[1].Address != pfx("10.0.0.3/24") || l[1].Link != "c:eth0/A" {
		t.Errorf("got final List = %+v, want exactly lo (1) and eth0 (2) on c:eth0/A", l)
	}
	if n := echoes.count(); n != sent || n < minDatagrams {
		t.Errorf("got %d of %d UDP echoes between a and b, want all and at least %d", n, sent, minDatagrams)
	}
	t.Logf("%d datagrams reached c through the churned netifs", atChurned.count())
	if atChurned.count() == 0 {
		t.Errorf("got no datagram on c through the churned netifs, want some while they existed")
	}
	if n := replies.count(); n != pinged || n < minPings {
		t.Errorf("got %d of %d ping replies between b and a, want all and at least %d", n, pinged, minPings)
	}
	// c still works after the churn: a pings its eth0.
	pong := newUDPCounter()
	must(t, "ping c", a.Call(ctx, func(x *core.Core) error {
		p := x.NewEcho(func(_ *core.Core, r *core.EchoReply) { pong.add(uint32(r.Seq)) }, nil, nil)
		return x.EchoSend(p, addr("10.0.0.3"), 1, nil)
	}))
	if !pong.waitFor(1, 10*time.Second) {
		t.Error("got no reply from c's eth0 after the churn")
	}
	t.Logf("%d add/remove cycles (and %d+%d wins of \"shared\"), %d lists, %d gets, %d UDP echoes, %d pings; switch flooded %d frames",
		2*cycles, shared[0], shared[1], lists, gets, echoes.count(), replies.count(), sw.Stats().Flooded)
}
