package core_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// freshSnapshot asks s for a snapshot and returns one built after the
// call: under the virtual clock the next loop turn publishes it; under the
// real clock it may take a few.
func freshSnapshot(e *env, s *core.Stack) *snapshot.Stack {
	e.t.Helper()
	before := s.LatestSnapshot().Version
	for range 1000 {
		s.Snapshot()
		e.call(s, func(c *core.Core) error { return nil })
		if sn := s.LatestSnapshot(); sn.Version > before {
			return sn
		}
		e.sleep(time.Millisecond)
	}
	e.t.Fatalf("%s published no snapshot", s.Name())
	return nil
}

func timerNames(s *snapshot.Stack) map[string]bool {
	out := make(map[string]bool)
	for _, t := range s.Timers {
		out[t.Name] = true
	}
	return out
}

// netifErr runs fn on w's stack with eth0 and returns its error.
func (w *wireTest) netifErr(fn func(c *core.Core, n *core.Netif) error) error {
	var err error
	w.call(w.s, func(c *core.Core) error { err = fn(c, c.NetifByName("eth0")); return nil })
	return err
}

func TestNetifMTUBounds(t *testing.T) {
	w := newWireTest(t)
	for _, tc := range []struct {
		mtu  int
		want error
	}{
		{575, core.ErrInvalid},
		{576, nil},
		{core.MaxMTU, nil},
		{core.MaxMTU + 1, core.ErrInvalid},
		{-1, core.ErrInvalid},
	} {
		err := w.netifErr(func(c *core.Core, _ *core.Netif) error {
			n, err := c.AddNetif(core.NetifConfig{Name: "m", MTU: tc.mtu})
			if err == nil {
				if n.MTU() != tc.mtu {
					t.Errorf("got MTU %d, want %d", n.MTU(), tc.mtu)
				}
				return c.RemoveNetif(n)
			}
			return err
		})
		if !errors.Is(err, tc.want) {
			t.Errorf("got AddNetif(mtu %d) = %v, want %v", tc.mtu, err, tc.want)
		}
		err = w.netifErr(func(c *core.Core, n *core.Netif) error { return c.SetMTU(n, tc.mtu) })
		if !errors.Is(err, tc.want) {
			t.Errorf("got SetMTU(%d) = %v, want %v", tc.mtu, err, tc.want)
		}
	}
	w.netifErr(func(c *core.Core, n *core.Netif) error {
		if n.MTU() != core.MaxMTU {
			t.Errorf("got MTU %d after refused changes, want %d (the last accepted)", n.MTU(), core.MaxMTU)
		}
		if err := c.SetMTU(c.NetifByName("lo"), 1500); !errors.Is(err, core.ErrInvalid) {
			t.Errorf("got SetMTU(lo) = %v, want ErrInvalid", err)
		}
		return nil
	})
}

func TestNetifDuplicatesAndBadConfigRefused(t *testing.T) {
	w := newWireTest(t)
	for _, tc := range []struct {
		name string
		cfg  core.NetifConfig
		want error
	}{
		{"duplicate name", core.NetifConfig{Name: "eth0"}, core.ErrExists},
		{"duplicate address", core.NetifConfig{Name: "eth1", Address: pfx("10.0.0.1/16")}, core.ErrExists},
		{"empty name", core.NetifConfig{Name: ""}, core.ErrInvalid},
		{"name of 16 characters", core.NetifConfig{Name: "abcdefghijklmnop"}, core.ErrInvalid},
		{"name with a space", core.NetifConfig{Name: "eth 1"}, core.ErrInvalid},
		{"IPv6 address", core.NetifConfig{Name: "eth1", Address: pfx("fd00::1/64")}, core.ErrInvalid},
		{"prefix /0", core.NetifConfig{Name: "eth1", Address: pfx("10.1.0.1/0")}, core.ErrInvalid},
	} {
		err := w.netifErr(func(c *core.Core, _ *core.Netif) error { _, err := c.AddNetif(tc.cfg); return err })
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got AddNetif(%+v) = %v, want %v", tc.name, tc.cfg, err, tc.want)
		}
	}
	err := w.netifErr(func(c *core.Core, _ *core.Netif) error {
		n, err := c.AddNetif(core.NetifConfig{Name: "eth1", Address: pfx("10.1.0.1/24")})
		if err != nil {
			return err
		}
		if err := c.SetAddress(n, pfx("10.1.0.1/16")); err != nil {
			t.Errorf("got SetAddress(own address, new prefix) = %v, want nil", err)
		}
		return c.SetAddress(n, pfx("10.0.0.1/24"))
	})
	if !errors.Is(err, core.ErrExists) {
		t.Errorf("got SetAddress(eth0's address) = %v, want ErrExists", err)
	}
	w.netifErr(func(c *core.Core, _ *core.Netif) error {
		var names []string
		for _, n := range c.Netifs() {
			names = append(names, n.Name())
		}
		if !slices.Equal(names, []string{"lo", "eth0", "eth1"}) {
			t.Errorf("got netifs %v, want [lo eth0 eth1]", names)
		}
		return nil
	})
}

// fixtureGratuitousARP5: 10.0.0.5 is at 02:00:00:00:00:01, an ARP
// announcement (RFC 5227 section 2.3: sender and target both the address).
var fixtureGratuitousARP5 = unhex(`
	ffffffffffff 020000000001 0806 // Ethernet: broadcast, from us, ARP
	0001 0800 06 04 0001           // request
	020000000001 0a000005          // sender: us, 10.0.0.5
	000000000000 0a000005          // target: 10.0.0.5
`)

func TestAddressChangeSendsGratuitousARP(t *testing.T) {
	w := newWireTest(t)
	p, errs := udpSender(w.env, w.s)
	w.call(w.s, func(c *core.Core) error {
		_, err := c.UDPBind(p, netip.MustParseAddrPort("10.0.0.1:5000"))
		return err
	})
	w.netifErr(func(c *core.Core, n *core.Netif) error { return c.SetAddress(n, pfx("10.0.0.5/24")) })
	w.expectSent("address change", fixtureGratuitousARP5)
	if e := errs.get(w.env, time.Second); !errors.Is(e.err, core.ErrNetDown) {
		t.Errorf("got %v for a PCB bound to the old address, want ErrNetDown", e.err)
	}
	// A new prefix length on the same address is no news to neighbours;
	// clearing the address announces nothing.
	w.netifErr(func(c *core.Core, n *core.Netif) error { return c.SetAddress(n, pfx("10.0.0.5/24")) })
	w.netifErr(func(c *core.Core, n *core.Netif) error { return c.SetAddress(n, netip.Prefix{}) })
	w.expectSent("same address again, then cleared")
	if n := w.counter(w.s, "arp-gratuitous-out"); n != 2 {
		t.Errorf("got arp-gratuitous-out %d, want 2 (add, change)", n)
	}
}

// downTest checks that a netif that is not usable drops input (counted as
// drop) and refuses output, and comes back when set usable again.
func downTest(t *testing.T, set func(c *core.Core, n *core.Netif, up bool), drop string) {
	w := newWireTest(t)
	w.learnPeer()
	p, _ := udpSender(w.env, w.s)
	w.netifErr(func(c *core.Core, n *core.Netif) error { set(c, n, false); return nil })
	if got := w.arpEntries(); len(got) != 0 {
		t.Errorf("got ARP cache %+v on a down netif, want it flushed", got)
	}
	w.inject(peerFrame(echoFromPeer(ipUs, 1, nil)))
	w.expectSent("echo request to a down netif")
	if n := w.netifCounter("drops:" + drop); n != 1 {
		t.Errorf("got drops:%s %d, want 1", drop, n)
	}
	to := netip.AddrPortFrom(ipPeer, 9)
	for _, tc := range []struct {
		name string
		send func(c *core.Core, n *core.Netif) error
		want error
	}{
		{"bound to the device", func(c *core.Core, n *core.Netif) error {
			c.UDPBindNetif(p, n)
			defer c.UDPBindNetif(p, nil)
			return c.UDPSend(p, []byte("x"), to)
		}, core.ErrNetDown},
		{"UDPSendOn", func(c *core.Core, n *core.Netif) error {
			return c.UDPSendOn(n, netip.AddrPortFrom(ipUs, 68), netip.AddrPortFrom(addr("255.255.255.255"), 67), []byte("x"))
		}, core.ErrNetDown},
		// Its on-link route is gone with it, as in lwIP's ip4_route.
		{"by route", func(c *core.Core, _ *core.Netif) error { return c.UDPSend(p, []byte("x"), to) }, core.ErrNoRoute},
	} {
		if err := w.netifErr(tc.send); !errors.Is(err, tc.want) {
			t.Errorf("send %s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	w.expectSent("sends on a down netif")
	w.netifErr(func(c *core.Core, n *core.Netif) error { set(c, n, true); return nil })
	fixture := arpFrame(wire.BroadcastMAC, wire.ARPRequest, macUs, ipUs, wire.MAC{}, ipUs)
	w.expectSent("back up", fixture)
	w.learnPeer()
	w.inject(peerFrame(echoFromPeer(ipUs, 2, nil)))
	if _, msgs := icmpSent(w.sent()); len(msgs) != 1 {
		t.Errorf("got %d ICMP messages back up, want an echo reply", len(msgs))
	}
}

func TestAdminDown(t *testing.T) {
	downTest(t, func(c *core.Core, n *core.Netif, up bool) { c.SetUp(n, up) }, "netif-down")
}

func TestLinkDown(t *testing.T) {
	downTest(t, func(c *core.Core, n *core.Netif, up bool) { c.SetLinkUp(n, up) }, "link-down")
}

func TestRemoveNetif(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	// Three PCBs bound to eth0's address, the first of which closes
	// itself when told: each hears ENETDOWN once.
	told := newMailbox[int](w.env)
	w.call(w.s, func(c *core.Core) error {
		for i := range 3 {
			var p *core.UDPPCB
			p = c.NewUDP(nil, func(c *core.Core, err error) {
				if errors.Is(err, core.ErrNetDown) {
					told.put(i)
				}
				if i == 0 {
					c.UDPClose(p)
				}
			}, nil)
			if _, err := c.UDPBind(p, netip.AddrPortFrom(ipUs, uint16(5000+i))); err != nil {
				return err
			}
		}
		return c.AddRoute(core.Route{To: pfx("10.9.0.0/16"), Via: addr("10.0.0.254"), Netif: c.NetifByName("eth0")})
	})
	// Frames queued for eth0 when it goes are dropped with it.
	for i := range 3 {
		w.ch.Inject(peerFrame(echoFromPeer(ipUs, uint16(i), nil)))
	}
	var dropped uint64
	w.netifErr(func(c *core.Core, n *core.Netif) error {
		if err := c.RemoveNetif(n); err != nil {
			return err
		}
		dropped, _ = n.Counter("drops:netif-down")
		if err := c.RemoveNetif(n); !errors.Is(err, core.ErrNoSuchNetif) {
			t.Errorf("got a second RemoveNetif = %v, want ErrNoSuchNetif", err)
		}
		return nil
	})
	if dropped != 3 {
		t.Errorf("got drops:netif-down %d on the removed netif, want 3 (queued frames)", dropped)
	}
	var got []int
	for range 3 {
		got = append(got, told.get(w.env, time.Second))
	}
	if slices.Sort(got); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("got ENETDOWN for PCBs %v, want [0 1 2]", got)
	}
	w.sleep(time.Second)
	told.mu.Lock()
	if len(told.q) != 0 {
		t.Errorf("got ENETDOWN again for PCBs %v", told.q)
	}
	told.mu.Unlock()
	w.expectSent("removed netif")
	// The channel has no receiver any more.
	w.ch.Inject(peerFrame(echoFromPeer(ipUs, 9, nil)))
	if st := w.ch.Stats(); st.NoReceiver != 1 {
		t.Errorf("got channel stats %+v, want 1 frame without a receiver", st)
	}
	sn := freshSnapshot(w.env, w.s)
	if len(sn.Netifs) != 1 || len(sn.Routes) != 0 || len(sn.ARP) != 0 {
		t.Errorf("got netifs %+v, routes %+v, ARP %+v after removal, want only lo", sn.Netifs, sn.Routes, sn.ARP)
	}
}

func TestLoopbackIsFixed(t *testing.T) {
	w := newWireTest(t)
	w.call(w.s, func(c *core.Core) error {
		lo := c.NetifByName("lo")
		if lo == nil || lo.Index() != 1 {
			t.Fatalf("got lo %v, want index 1", lo)
		}
		if err := c.RemoveNetif(lo); !errors.Is(err, core.ErrLoopbackChange) {
			t.Errorf("got RemoveNetif(lo) = %v, want ErrLoopbackChange", err)
		}
		if err := c.SetAddress(lo, pfx("127.0.0.2/8")); !errors.Is(err, core.ErrLoopbackChange) {
			t.Errorf("got SetAddress(lo) = %v, want ErrLoopbackChange", err)
		}
		c.SetUp(lo, false)
		c.SetLinkUp(lo, false)
		if !lo.Usable() {
			t.Error("got lo unusable after SetUp/SetLinkUp false, want it fixed")
		}
		return nil
	})
}

// A receive callback that removes its own netif must not strand the frames
// queued on the next one: the tcpip goroutine is ranging over the netifs.
func TestRemoveNetifFromReceiveCallback(t *testing.T) {
	w := newWireTest(t)
	chans := []*mem.Channel{w.ch}
	for i, p := range []string{"10.1.0.1/24", "10.2.0.1/24"} {
		ch := mem.NewChannel("s:eth", 16)
		chans = append(chans, ch)
		w.addNetif(w.s, []string{"eth1", "eth2"}[i], mac(byte(10+i)), p, 0, ch.Endpoint())
		w.settle()
		ch.Drain()
	}
	w.call(w.s, func(c *core.Core) error {
		p := c.NewUDP(func(c *core.Core, d *core.UDPDatagram) { c.RemoveNetif(d.Netif) }, nil, nil)
		_, err := c.UDPBind(p, netip.AddrPortFrom(ipUs, 5000))
		if err != nil {
			return err
		}
		return c.AddStaticARP(c.NetifByName("eth1"), addr("10.1.0.2"), macPeer)
	})
	chans[0].Inject(peerFrame(ipPacket(fromPeer(ipUs, wire.ProtoUDP, 1), udpSegment(peerPort, netip.AddrPortFrom(ipUs, 5000), []byte("bye")))))
	h := wire.IPv4Header{ID: 1, TTL: 64, Protocol: wire.ProtoICMP, Src: addr("10.1.0.2"), Dst: addr("10.1.0.1")}
	chans[1].Inject(ether(mac(10), macPeer, wire.EtherTypeIPv4, ipPacket(h, echoMsg(wire.ICMPEchoRequest, 1, 1, nil))))
	w.settle()
	if f, ok := chans[1].TryRead(); !ok {
		t.Error("got no echo reply on eth1 in the turn that removed eth0, want one")
	} else if _, msgs := icmpSent([][]byte{f}); len(msgs) != 1 || msgs[0].Type() != wire.ICMPEchoReply {
		t.Errorf("got %s on eth1, want an echo reply", wire.Summarize(f))
	}
}

func TestSnapshotShowsTheStack(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	w.call(w.s, func(c *core.Core) error {
		p := c.NewUDP(nil, nil, nil)
		if _, err := c.UDPBind(p, netip.MustParseAddrPort("0.0.0.0:5000")); err != nil {
			return err
		}
		e := c.NewEcho(nil, nil, nil)
		if _, err := c.EchoBind(e, ipUs, 77); err != nil {
			return err
		}
		return c.AddRoute(core.Route{To: pfx("10.9.0.0/16"), Via: addr("10.0.0.254")})
	})
	sn := freshSnapshot(w.env, w.s)
	var netifs []string
	for _, n := range sn.Netifs {
		netifs = append(netifs, n.Name)
	}
	if !slices.Equal(netifs, []string{"lo", "eth0"}) {
		t.Errorf("got netifs %v, want [lo eth0]", netifs)
	}
	if len(sn.Netifs) == 2 {
		n := sn.Netifs[1]
		if n.Index != 2 || n.MAC != macUs || n.Address != pfx("10.0.0.1/24") || n.MTU != 1500 || !n.Up || !n.LinkUp || n.Link != "s:eth0" {
			t.Errorf("got eth0 %+v", n)
		}
		if n.Counters.RxFrames != 1 || n.Counters.TxFrames != 2 {
			t.Errorf("got eth0 rx %d tx %d frames, want 1 (request) and 2 (announcement, reply)", n.Counters.RxFrames, n.Counters.TxFrames)
		}
	}
	wantRoutes := []snapshot.Route{
		{To: pfx("10.0.0.0/24"), Netif: "eth0", OnLink: true},
		{To: pfx("10.9.0.0/16"), Via: addr("10.0.0.254"), Netif: "eth0"},
	}
	if !slices.Equal(sn.Routes, wantRoutes) {
		t.Errorf("got routes %+v, want %+v", sn.Routes, wantRoutes)
	}
	if len(sn.ARP) != 1 || sn.ARP[0].Address != ipPeer || sn.ARP[0].State != snapshot.ARPReachable {
		t.Errorf("got ARP %+v, want 10.0.0.2 reachable", sn.ARP)
	}
	wantSockets := []snapshot.Socket{
		{FD: -1, Proto: "udp", Local: netip.MustParseAddrPort("0.0.0.0:5000"), State: "bound"},
		{FD: -1, Proto: "icmp", Local: netip.MustParseAddrPort("10.0.0.1:77"), State: "bound"},
	}
	if len(sn.Sockets) != 2 || sn.Sockets[0].Proto != "udp" || sn.Sockets[0].Local != wantSockets[0].Local ||
		sn.Sockets[1].Local != wantSockets[1].Local || sn.Sockets[1].State != "bound" {
		t.Errorf("got sockets %+v, want %+v", sn.Sockets, wantSockets)
	}
	if names := timerNames(sn); !names["arp age"] {
		t.Errorf("got timers %v while an ARP entry exists, want \"arp age\"", names)
	}
	if got := sn.Counters.Get("arp-replies-out"); got != 1 {
		t.Errorf("got counter arp-replies-out %d in the snapshot, want 1", got)
	}
	if len(sn.Events) == 0 {
		t.Error("got no events in the snapshot")
	}
	// Once the entry is gone, so is its timer.
	w.sleep(301 * time.Second)
	sn = freshSnapshot(w.env, w.s)
	if names := timerNames(sn); len(sn.ARP) != 0 || names["arp age"] {
		t.Errorf("got ARP %+v and timers %v after 301s, want neither", sn.ARP, names)
	}
}

func TestStaticARPSurvivesLinkDownButNotRemoval(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{})
	static := func() int {
		n := 0
		p.call(p.a, func(c *core.Core) error {
			for _, e := range c.ARPEntries() {
				if e.State == snapshot.ARPStatic {
					n++
				}
			}
			return nil
		})
		return n
	}
	p.call(p.a, func(c *core.Core) error {
		return c.AddStaticARP(c.NetifByName("eth0"), addr("10.0.0.9"), mac(9))
	})
	p.call(p.a, func(c *core.Core) error {
		n := c.NetifByName("eth0")
		c.SetLinkUp(n, false)
		c.SetUp(n, false)
		c.SetUp(n, true)
		c.SetLinkUp(n, true)
		return nil
	})
	if got := static(); got != 1 {
		t.Fatalf("after link and admin down and up: got %d static entries, want 1", got)
	}
	p.call(p.a, func(c *core.Core) error { return c.RemoveNetif(c.NetifByName("eth0")) })
	if got := static(); got != 0 {
		t.Fatalf("after removal: got %d static entries, want 0", got)
	}
}
