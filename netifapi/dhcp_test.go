package netifapi_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
)

// waitBound waits up to 5s for the DHCP client of s's netif name to be
// bound, and returns it as it is then.
func waitBound(t *testing.T, s *core.Stack, name string) snapshot.DHCPClient {
	t.Helper()
	var c snapshot.DHCPClient
	for range 5000 {
		var err error
		c, err = netifapi.DHCPClient(testCtx(t), s, name)
		must(t, "client", err)
		if c.State == "bound" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return c
}

// freshSnapshot waits for a snapshot of s built after the call.
func freshSnapshot(t *testing.T, s *core.Stack) *snapshot.Stack {
	t.Helper()
	v := s.LatestSnapshot().Version
	for range 5000 {
		if sn := s.Snapshot(); sn.Version > v+1 {
			return sn
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no fresh snapshot")
	return nil
}

func TestDHCPCalls(t *testing.T) {
	ctx := testCtx(t)
	clk := clock.NewReal()
	srv, cl := newStack(t, clk, "srv"), newStack(t, clk, "cl")
	p := mem.NewPipe("srv<->cl", clk, 1, mem.Impairments{})
	t.Cleanup(p.Close)
	_, err := netifapi.Add(ctx, srv, netifapi.Config{Name: "eth0", MAC: mac(1), Address: pfx("10.0.0.1/24"), Link: p.A()})
	must(t, "add srv", err)
	_, err = netifapi.Add(ctx, cl, netifapi.Config{Name: "eth0", MAC: mac(2), Link: p.B()})
	must(t, "add cl", err)

	_, err = netifapi.DHCPClient(ctx, cl, "eth0")
	wantErr(t, "DHCPClient before start", err, dhcp.ErrNotRunning, "dhcp client of eth0")
	_, err = netifapi.DHCPServer(ctx, srv, "eth0")
	wantErr(t, "DHCPServer before start", err, dhcp.ErrNotRunning, "dhcp server of eth0")
	err = netifapi.DHCPServerStart(ctx, cl, "eth0", dhcp.ServerConfig{PoolStart: addr("10.0.0.10"), PoolEnd: addr("10.0.0.20")})
	wantErr(t, "DHCPServerStart without an address", err, dhcp.ErrNoAddress, "dhcp server start on eth0")
	err = netifapi.DHCPServerStart(ctx, srv, "eth0", dhcp.ServerConfig{PoolStart: addr("10.0.1.10"), PoolEnd: addr("10.0.1.20")})
	wantErr(t, "DHCPServerStart outside the subnet", err, dhcp.ErrBadConfig, "dhcp server start on eth0")
	err = netifapi.DHCPStart(ctx, cl, "eth9", dhcp.ClientConfig{})
	wantErr(t, "DHCPStart(eth9)", err, core.ErrNoSuchNetif, "dhcp start on eth9")
	err = netifapi.DHCPRenew(ctx, cl, "eth0")
	wantErr(t, "DHCPRenew before start", err, dhcp.ErrNotRunning, "dhcp renew on eth0")
	err = netifapi.DHCPInform(ctx, cl, "eth0", dhcp.ClientConfig{})
	wantErr(t, "DHCPInform without an address", err, dhcp.ErrNoAddress, "dhcp inform on eth0")

	must(t, "server start", netifapi.DHCPServerStart(ctx, srv, "eth0", dhcp.ServerConfig{
		PoolStart: addr("10.0.0.10"), PoolEnd: addr("10.0.0.20"), LeaseTime: time.Minute,
	}))
	must(t, "start", netifapi.DHCPStart(ctx, cl, "eth0", dhcp.ClientConfig{ProbeInterval: time.Millisecond}))
	c := waitBound(t, cl, "eth0")
	if c.State != "bound" || c.Lease.Address != pfx("10.0.0.10/24") {
		t.Fatalf("got %+v, want bound to 10.0.0.10/24", c)
	}
	s, err := netifapi.DHCPServer(ctx, srv, "eth0")
	must(t, "server", err)
	if len(s.Leases) != 1 || s.Leases[0].MAC != mac(2) {
		t.Errorf("got leases %+v, want one for %v", s.Leases, mac(2))
	}
	sn := freshSnapshot(t, cl)
	if got, ok := sn.Extra[dhcp.ExtraClient]["eth0"].(snapshot.DHCPClient); !ok || got.State != "bound" {
		t.Errorf("got snapshot extra %#v, want the bound client", sn.Extra[dhcp.ExtraClient]["eth0"])
	}
	if _, ok := freshSnapshot(t, srv).Extra[dhcp.ExtraServer]["eth0"].(snapshot.DHCPServer); !ok {
		t.Errorf("no server in the server's snapshot")
	}
	must(t, "server stop", netifapi.DHCPServerStop(ctx, srv, "eth0"))
	must(t, "release", netifapi.DHCPRelease(ctx, cl, "eth0"))
}

// TestDHCPStopStorm stops (and restarts, renews, releases) a client from
// other goroutines thousands of times while its timers fire, on the real
// clock: no race, no crash, and no timer left armed once it is stopped.
//
// Retransmissions wait seconds, so the timers that can be due within a
// round are CHECKING's: its probe and bind run on the retransmit timer,
// ProbeInterval apart. Most rounds stop at once; the others wait for the
// client to reach REQUESTING, CHECKING (then stop within a few probe
// intervals, while the probe timer is due) or BOUND. A round that sees
// BOUND proves two timer fires (the second probe and the bind), so the
// retransmit timer's fire count, read from a snapshot, must be at least
// twice the rounds that bound, and some must: with timers that never
// fire no client binds.
func TestDHCPStopStorm(t *testing.T) {
	ctx := testCtx(t)
	clk := clock.NewReal()
	srv, cl := newStack(t, clk, "srv"), newStack(t, clk, "cl")
	p := mem.NewPipe("srv<->cl", clk, 1, mem.Impairments{Loss: 0.1, Delay: 100 * time.Microsecond})
	t.Cleanup(p.Close)
	_, err := netifapi.Add(ctx, srv, netifapi.Config{Name: "eth0", MAC: mac(1), Address: pfx("10.0.0.1/24"), Link: p.A()})
	must(t, "add srv", err)
	_, err = netifapi.Add(ctx, cl, netifapi.Config{Name: "eth0", MAC: mac(2), Link: p.B()})
	must(t, "add cl", err)
	must(t, "server start", netifapi.DHCPServerStart(ctx, srv, "eth0", dhcp.ServerConfig{
		PoolStart: addr("10.0.0.10"), PoolEnd: addr("10.0.0.20"), LeaseTime: time.Second, OfferHold: time.Second,
	}))
	const probeInterval = 200 * time.Microsecond
	cfg := dhcp.ClientConfig{ProbeInterval: probeInterval}
	// lost counts the frames the pipe dropped.
	lost := func() uint64 { st := p.Stats(); return st.AtoB.Lost + st.BtoA.Lost }
	// waitState polls the client until it is in one of states, and
	// reports whether it got there. The server answers every message, so
	// only a lost frame (retransmitted seconds later) or the other
	// goroutine (which stops the client) can hold it up: the round gives
	// up when the pipe has lost a frame since lost0 (read before the
	// start, which sends) or the client is off, and after a second in
	// any case; after a few such rounds (timers that do not fire leave
	// the client in CHECKING) it waits no more.
	stuck := 0
	waitState := func(lost0 uint64, states ...string) (string, bool) {
		if stuck >= 5 {
			return "", false
		}
		for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(50 * time.Microsecond) {
			c, err := netifapi.DHCPClient(ctx, cl, "eth0")
			if err != nil {
				t.Errorf("client: %v", err)
				return "", false
			}
			if slices.Contains(states, c.State) {
				return c.State, true
			}
			if c.State == "off" || lost() != lost0 {
				return c.State, false
			}
		}
		stuck++
		c, _ := netifapi.DHCPClient(ctx, cl, "eth0")
		t.Logf("round given up, waiting for %v: client %+v; %v", states, c, p.Stats())
		return "", false
	}
	const rounds = 3000
	var bound, checking, requesting int // rounds that saw each state
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(1, 2))
		for i := range rounds {
			lost0 := lost()
			if err := netifapi.DHCPStart(ctx, cl, "eth0", cfg); err != nil {
				t.Errorf("start %d: %v", i, err)
				return
			}
			switch r.IntN(16) {
			case 12:
				time.Sleep(time.Duration(r.IntN(1000)) * time.Microsecond)
			case 13:
				if _, ok := waitState(lost0, "requesting", "checking", "bound"); ok {
					requesting++
				}
			case 14:
				// Stop while the probe or bind is due, or just after.
				if st, ok := waitState(lost0, "checking", "bound"); ok {
					checking++
					if st == "bound" {
						bound++
					}
					time.Sleep(time.Duration(r.IntN(3*int(probeInterval/time.Microsecond))) * time.Microsecond)
				}
			case 15:
				if _, ok := waitState(lost0, "bound"); ok {
					bound++
				}
			}
			if err := netifapi.DHCPStop(ctx, cl, "eth0"); err != nil {
				t.Errorf("stop %d: %v", i, err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range rounds {
			var err error
			switch i % 3 {
			case 0:
				err = netifapi.DHCPStop(ctx, cl, "eth0")
			case 1:
				err = netifapi.DHCPRelease(ctx, cl, "eth0")
			case 2:
				if err = netifapi.DHCPRenew(ctx, cl, "eth0"); errors.Is(err, dhcp.ErrNotBound) || errors.Is(err, dhcp.ErrNotRunning) {
					err = nil
				}
			}
			if err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
		}
	}()
	wg.Wait()
	must(t, "final stop", netifapi.DHCPStop(ctx, cl, "eth0"))
	c, err := netifapi.DHCPClient(ctx, cl, "eth0")
	must(t, "client", err)
	if c.State != "off" {
		t.Errorf("got state %s after stop, want off", c.State)
	}
	n, err := netifapi.Get(ctx, cl, "eth0")
	must(t, "get", err)
	if n.Address.IsValid() {
		t.Errorf("got address %v after stop", n.Address)
	}

	// The client's timers live as long as its netif and count their
	// fires, but a snapshot lists armed timers only: with the server
	// gone, one more start leaves the retransmit timer armed (seconds
	// away) to be read.
	must(t, "server stop", netifapi.DHCPServerStop(ctx, srv, "eth0"))
	must(t, "start to read the timer", netifapi.DHCPStart(ctx, cl, "eth0", cfg))
	var fired uint64
	armed := false
	for _, tm := range freshSnapshot(t, cl).Timers {
		if tm.Owner == "eth0" && tm.Name == "dhcp retransmit" {
			fired, armed = tm.Fired, true
		}
	}
	t.Logf("rounds that saw requesting %d, checking %d, bound %d, given up %d; dhcp retransmit fired %d times", requesting, checking, bound, stuck, fired)
	if !armed {
		t.Errorf("no dhcp retransmit timer of eth0 armed after a start")
	}
	// Loss is 10% a frame: most waiting rounds bind, and one in ten is
	// far more than nothing.
	if min := rounds / 16 / 10; bound < min {
		t.Errorf("%d rounds saw the client bound, want at least %d", bound, min)
	}
	if fired < uint64(2*bound) {
		t.Errorf("dhcp retransmit fired %d times, want at least %d (2 for each of %d bindings)", fired, 2*bound, bound)
	}
	must(t, "stop after reading the timer", netifapi.DHCPStop(ctx, cl, "eth0"))

	time.Sleep(20 * time.Millisecond) // let any wrongly armed timer fire
	sn := freshSnapshot(t, cl)
	for _, tm := range sn.Timers {
		if tm.Owner == "eth0" {
			t.Errorf("timer %q of eth0 armed after stop (due %v)", tm.Name, tm.Due)
		}
	}
	got := sn.Extra[dhcp.ExtraClient]["eth0"].(snapshot.DHCPClient)
	if got.State != "off" || got.Sent == 0 {
		t.Errorf("got %+v, want off after sending", got)
	}
	t.Logf("client sent %d, received %d", got.Sent, got.Received)
}

// TestDHCPStartNeedsUpAndMTU576 checks, through netifapi, the rule DHCP
// starts by (lwIP's dhcp_start): the netif up, an MTU of at least 576. A
// client on a 576-byte netif leases an address; the MTU cannot go below
// that (the core refuses it, and the client keeps its lease); a netif
// that is down cannot start a client nor inform. dhcp's TestCheckUsable
// feeds the check smaller MTUs.
func TestDHCPStartNeedsUpAndMTU576(t *testing.T) {
	ctx := testCtx(t)
	clk := clock.NewReal()
	srv, cl := newStack(t, clk, "srv"), newStack(t, clk, "cl")
	p := mem.NewPipe("srv<->cl", clk, 1, mem.Impairments{})
	t.Cleanup(p.Close)
	_, err := netifapi.Add(ctx, srv, netifapi.Config{Name: "eth0", MAC: mac(1), Address: pfx("10.0.0.1/24"), Link: p.A()})
	must(t, "add srv", err)
	_, err = netifapi.Add(ctx, cl, netifapi.Config{Name: "eth0", MAC: mac(2), MTU: 576, Link: p.B()})
	must(t, "add cl", err)
	_, err = netifapi.Add(ctx, cl, netifapi.Config{Name: "eth1", MAC: mac(3), Address: pfx("10.1.0.2/24"), Down: true})
	must(t, "add cl eth1", err)
	must(t, "server start", netifapi.DHCPServerStart(ctx, srv, "eth0", dhcp.ServerConfig{
		PoolStart: addr("10.0.0.10"), PoolEnd: addr("10.0.0.20"), LeaseTime: time.Hour,
	}))

	wantErr(t, "DHCPStart on a down netif", netifapi.DHCPStart(ctx, cl, "eth1", dhcp.ClientConfig{}), dhcp.ErrNetifDown, "dhcp start on eth1")
	wantErr(t, "DHCPInform on a down netif", netifapi.DHCPInform(ctx, cl, "eth1", dhcp.ClientConfig{}), dhcp.ErrNetifDown, "dhcp inform on eth1")
	_, err = netifapi.DHCPClient(ctx, cl, "eth1")
	wantErr(t, "DHCPClient after the refused start", err, dhcp.ErrNotRunning, "dhcp client of eth1")

	must(t, "start at MTU 576", netifapi.DHCPStart(ctx, cl, "eth0", dhcp.ClientConfig{ProbeInterval: time.Millisecond}))
	c := waitBound(t, cl, "eth0")
	if c.State != "bound" || c.Lease.Address != pfx("10.0.0.10/24") {
		t.Fatalf("got %+v on a 576-byte netif, want bound to 10.0.0.10/24", c)
	}
	// dhcp.ErrMTUTooSmall cannot be reached from here: no netif has an
	// MTU below core.MinMTU, 576. Should the core take smaller ones, this
	// fails: then start a client on one and want dhcp.ErrMTUTooSmall.
	wantErr(t, "SetMTU(eth0, 575)", netifapi.SetMTU(ctx, cl, "eth0", 575), core.ErrInvalid, "set mtu of eth0")
	n, err := netifapi.Get(ctx, cl, "eth0")
	must(t, "get", err)
	if n.MTU != 576 || n.Address != pfx("10.0.0.10/24") {
		t.Errorf("got eth0 %+v, want MTU 576 and the lease's address", n)
	}
	must(t, "release", netifapi.DHCPRelease(ctx, cl, "eth0"))
}
