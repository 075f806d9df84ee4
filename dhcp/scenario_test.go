package dhcp_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
)

// switchWorld joins a server stack (10.0.0.1/16 on eth0) and clients on
// one switch; others add more stacks to it before ready.
type switchWorld struct {
	*world
	sw  *mem.Switch
	srv *core.Stack
}

func newSwitchWorld(t testing.TB) *switchWorld {
	w := newWorld(t)
	sw := mem.NewSwitch("sw", w.clk)
	return &switchWorld{world: w, sw: sw, srv: w.stack("srv")}
}

// plug adds netif eth0 of s on the switch.
func (w *switchWorld) plug(s *core.Stack, m wire.MAC, p string) {
	w.t.Helper()
	pipe := w.pipe(s.Name()+":eth0<->sw", mem.Impairments{})
	w.sw.Attach(pipe.B())
	w.add(s, "eth0", m, p, pipe.A())
}

func TestConflictFoundByProbe(t *testing.T) {
	w := newSwitchWorld(t)
	squat, cl := w.stack("squat"), w.stack("cl")
	w.ready()
	w.plug(w.srv, mac(0, 1), "10.0.0.1/24")
	w.plug(squat, mac(0, 3), "10.0.0.100/24") // the pool's first address, taken
	w.plug(cl, mac(0, 2), "")
	w.must("server", netifapi.DHCPServerStart(w.cctx(), w.srv, "eth0", stdServer()))
	t0 := w.clk.Now()
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	w.sleepUntil(t0 + time.Second)
	c := w.client(cl, "eth0")
	if c.State != "backing-off" || c.Declines != 1 || c.RetransmitAt != t0+10*time.Second {
		t.Fatalf("after the probe got %+v, want backing-off until t0+10s after one DECLINE", c)
	}
	w.want(t0, "cl eth0", "dhcp client checking")
	w.want(t0, "cl eth0", "dhcp client backing-off")
	c = w.waitState(cl, "eth0", "bound", time.Second, time.Minute)
	if c.Lease.Address != pfx("10.0.0.101/24") {
		t.Errorf("got %v after the DECLINE, want 10.0.0.101/24", c.Lease.Address)
	}
	w.want(t0+12*time.Second, "cl eth0", "dhcp client bound")
	s := w.server(w.srv, "eth0")
	if len(s.Leases) != 2 || s.Leases[0].State != "declined" || s.Leases[0].Address.Addr() != addr("10.0.0.100") || s.Declines != 1 {
		t.Errorf("got server table %+v, want 10.0.0.100 declined", s.Leases)
	}
	if got := w.netif(squat, "eth0").Address; got != pfx("10.0.0.100/24") {
		t.Errorf("the squatter's address became %v", got)
	}
}

func TestNAKAfterServerRestart(t *testing.T) {
	w, srv, cl := pairWorld(t, mem.Impairments{})
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	w.waitState(cl, "eth0", "bound", time.Second, time.Minute)
	// The server restarts with another pool; the client restarts and
	// asks for its old address (INIT-REBOOT): NAK, then discovery.
	cfg := stdServer()
	cfg.PoolStart = addr("10.0.0.150")
	w.must("server restart", netifapi.DHCPServerStart(w.cctx(), srv, "eth0", cfg))
	w.must("stop", netifapi.DHCPStop(w.cctx(), cl, "eth0"))
	if got := w.netif(cl, "eth0").Address; got.IsValid() {
		t.Errorf("got address %v after stop, want none", got)
	}
	t1 := w.clk.Now()
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	c := w.waitState(cl, "eth0", "bound", time.Second, time.Minute)
	if c.Lease.Address != pfx("10.0.0.150/24") || c.Naks != 1 {
		t.Errorf("got %+v, want 10.0.0.150 after one NAK", c)
	}
	w.want(t1, "cl eth0", "dhcp client rebooting")
	w.want(t1, "cl eth0", "dhcp client selecting")
}

func TestServerRestartKeepsLeases(t *testing.T) {
	w, srv, cl := pairWorld(t, mem.Impairments{})
	t0 := w.clk.Now()
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	w.waitState(cl, "eth0", "bound", time.Second, time.Minute)
	w.must("server restart", netifapi.DHCPServerStart(w.cctx(), srv, "eth0", stdServer()))
	if n := len(w.server(srv, "eth0").Leases); n != 0 {
		t.Fatalf("got %d leases after restart, want 0", n)
	}
	// The renewal at T1 tells the restarted server about the lease.
	w.sleepUntil(t0 + 31*time.Minute)
	c := w.client(cl, "eth0")
	if c.State != "bound" || c.Lease.Address != pfx("10.0.0.100/24") || c.RenewAt != t0+time.Hour {
		t.Fatalf("got %+v, want bound to 10.0.0.100 renewed at t0+30m", c)
	}
	l := w.server(srv, "eth0").Leases
	if len(l) != 1 || l[0].Address.Addr() != addr("10.0.0.100") || l[0].State != "bound" || l[0].Expires != t0+90*time.Minute {
		t.Errorf("got leases %+v, want 10.0.0.100 bound until t0+90m", l)
	}
}

func TestRelease(t *testing.T) {
	w, srv, cl := pairWorld(t, mem.Impairments{})
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	w.waitState(cl, "eth0", "bound", time.Second, time.Minute)
	w.must("release", netifapi.DHCPRelease(w.cctx(), cl, "eth0"))
	c := w.client(cl, "eth0")
	if c.State != "off" || c.Lease.Address.IsValid() {
		t.Errorf("got %+v after release, want off without a lease", c)
	}
	if got := w.netif(cl, "eth0").Address; got.IsValid() {
		t.Errorf("got address %v after release", got)
	}
	if got := w.defaultRoute(cl); got.IsValid() {
		t.Errorf("got default route via %v after release", got)
	}
	w.sleepUntil(w.clk.Now() + time.Second)
	s := w.server(srv, "eth0")
	if len(s.Leases) != 0 || s.Releases != 1 {
		t.Errorf("got server %+v, want the lease freed", s)
	}
	if err := netifapi.DHCPRenew(w.cctx(), cl, "eth0"); err == nil {
		t.Errorf("renew after release succeeded")
	}
	cl.Snapshot() // ask for a fresh one
	w.sleepUntil(w.clk.Now() + time.Millisecond)
	snap := cl.Snapshot()
	for _, tm := range snap.Timers {
		if tm.Owner == "eth0" {
			t.Errorf("timer %s %s armed after release", tm.Name, tm.Owner)
		}
	}
}

func TestRenewAndInform(t *testing.T) {
	w, srv, cl := pairWorld(t, mem.Impairments{})
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	c := w.waitState(cl, "eth0", "bound", time.Second, time.Minute)
	now := w.clk.Now()
	w.must("renew", netifapi.DHCPRenew(w.cctx(), cl, "eth0"))
	w.sleepUntil(now + time.Millisecond)
	c2 := w.client(cl, "eth0")
	if c2.State != "bound" || c2.Renewals != 1 || c2.RenewAt <= c.RenewAt {
		t.Errorf("after renew got %+v, want a fresh lease", c2)
	}
	w.must("release", netifapi.DHCPRelease(w.cctx(), cl, "eth0"))
	w.must("set address", netifapi.SetAddress(w.cctx(), cl, "eth0", pfx("10.0.0.7/24")))
	w.must("inform", netifapi.DHCPInform(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	w.sleepUntil(w.clk.Now() + time.Millisecond)
	c = w.client(cl, "eth0")
	if c.State != "informing" || c.Server != addr("10.0.0.1") || len(c.DNS) != 1 || c.Router != addr("10.0.0.1") || c.RetransmitAt != 0 {
		t.Errorf("after inform got %+v, want options from 10.0.0.1", c)
	}
	if s := w.server(srv, "eth0"); s.Informs != 1 || len(s.Leases) != 0 {
		t.Errorf("server got %+v, want one INFORM and no lease", s)
	}
	if got := w.netif(cl, "eth0").Address; got != pfx("10.0.0.7/24") {
		t.Errorf("address %v after inform, want 10.0.0.7/24", got)
	}
}

func TestLossStillBinds(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w, _, cl := pairWorldSeed(t, mem.Impairments{Loss: 0.3}, seed*10)
			w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
			c := w.waitState(cl, "eth0", "bound", 5*time.Second, 30*time.Minute)
			if c.Lease.Address != pfx("10.0.0.100/24") {
				t.Errorf("got %v, want 10.0.0.100/24", c.Lease.Address)
			}
			t.Logf("bound after %v, %d messages sent", w.clk.Now(), c.Sent)
		})
	}
}

func TestLinkFlapRebootsToSameAddress(t *testing.T) {
	w, _, cl := pairWorld(t, mem.Impairments{})
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	w.waitState(cl, "eth0", "bound", time.Second, time.Minute)
	w.must("link down", netifapi.SetLinkUp(w.cctx(), cl, "eth0", false))
	w.sleepUntil(w.clk.Now() + time.Minute)
	t1 := w.clk.Now()
	w.must("link up", netifapi.SetLinkUp(w.cctx(), cl, "eth0", true))
	w.sleepUntil(t1 + time.Millisecond)
	c := w.client(cl, "eth0")
	if c.State != "bound" || c.Lease.Address != pfx("10.0.0.100/24") || c.Lease.Start != t1 {
		t.Errorf("after the link came up got %+v, want bound again to 10.0.0.100 from t1", c)
	}
	w.want(t1, "cl eth0", "dhcp client rebooting")
}

func TestStartNeedsNetifUp(t *testing.T) {
	w, _, cl := pairWorld(t, mem.Impairments{})
	w.must("down", netifapi.SetUp(w.cctx(), cl, "eth0", false))
	if err := netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}); err == nil {
		t.Errorf("start on a down netif succeeded")
	}
	w.must("up", netifapi.SetUp(w.cctx(), cl, "eth0", true))
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
	w.must("remove", netifapi.Remove(w.cctx(), cl, "eth0"))
	w.sleepUntil(w.clk.Now() + time.Millisecond)
	for _, tm := range cl.Snapshot().Timers {
		if tm.Owner == "eth0" {
			t.Errorf("timer %s of a removed netif", tm.Name)
		}
	}
}

func TestManyClientsOnSwitch(t *testing.T) {
	const clients = 200
	w := newSwitchWorld(t)
	var stacks []*core.Stack
	for i := range clients {
		stacks = append(stacks, w.stack(fmt.Sprintf("c%d", i)))
	}
	w.ready()
	w.plug(w.srv, mac(0, 0), "10.0.0.1/16")
	cfg := stdServer()
	cfg.PoolStart, cfg.PoolEnd = addr("10.0.1.0"), addr("10.0.3.255")
	w.must("server", netifapi.DHCPServerStart(w.cctx(), w.srv, "eth0", cfg))
	for i, s := range stacks {
		w.plug(s, mac(byte(i>>8)+1, byte(i)), "")
		w.must("start", netifapi.DHCPStart(w.cctx(), s, "eth0", dhcp.ClientConfig{}))
	}
	w.sleepUntil(w.clk.Now() + 10*time.Second)
	seen := map[netip.Addr]string{}
	for _, s := range stacks {
		c := w.client(s, "eth0")
		if c.State != "bound" {
			t.Errorf("%s: %s", s.Name(), c.State)
			continue
		}
		a := c.Lease.Address.Addr()
		if other, dup := seen[a]; dup {
			t.Errorf("%s and %s both got %v", s.Name(), other, a)
		}
		seen[a] = s.Name()
	}
	if got := len(w.server(w.srv, "eth0").Leases); got != clients {
		t.Errorf("server has %d leases, want %d", got, clients)
	}
}

// TestReplays runs a lossy lease twice: the same seeds give the same
// event log, jitter and all.
func TestReplays(t *testing.T) {
	run := func() []string {
		var log []string
		t.Run("run", func(t *testing.T) {
			w, _, cl := pairWorldSeed(t, mem.Impairments{Loss: 0.3}, 77)
			w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{}))
			w.waitState(cl, "eth0", "bound", 5*time.Second, 30*time.Minute)
			w.sleepUntil(w.clk.Now() + 2*time.Hour)
			log = w.log()
		})
		return log
	}
	a, b := run(), run()
	if len(a) < 5 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("two runs differ:\n%v\n%v", a, b)
	}
}
