package dhcp_test

import (
	"testing"
	"time"

	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
)

func TestLifecycle(t *testing.T) {
	w, srv, cl := pairWorld(t, mem.Impairments{})
	t0 := w.clk.Now()
	w.must("start", netifapi.DHCPStart(w.cctx(), cl, "eth0", dhcp.ClientConfig{Hostname: "cl"}))
	// DISCOVER, OFFER, REQUEST, ACK at t0; two probes 1s apart; bound at t0+2s.
	w.sleepUntil(t0 + 3*time.Second)
	c := w.client(cl, "eth0")
	if c.State != "bound" || c.Lease.Address != pfx("10.0.0.100/24") || c.Server != addr("10.0.0.1") || c.Router != addr("10.0.0.1") {
		t.Fatalf("got client %+v, want bound to 10.0.0.100/24 from 10.0.0.1", c)
	}
	if len(c.DNS) != 1 || c.DNS[0] != addr("10.0.0.53") {
		t.Errorf("got DNS %v, want [10.0.0.53]", c.DNS)
	}
	if c.RenewAt != t0+30*time.Minute || c.RebindAt != t0+52*time.Minute+30*time.Second || c.ExpiresAt != t0+time.Hour {
		t.Errorf("got T1 %v T2 %v end %v, want t0+30m, t0+52m30s, t0+1h", c.RenewAt-t0, c.RebindAt-t0, c.ExpiresAt-t0)
	}
	w.want(t0, "cl eth0", "dhcp client checking")
	w.want(t0+2*time.Second, "cl eth0", "dhcp client bound")
	if got := w.netif(cl, "eth0").Address; got != pfx("10.0.0.100/24") {
		t.Errorf("got address %v, want 10.0.0.100/24", got)
	}
	if got := w.defaultRoute(cl); got != addr("10.0.0.1") {
		t.Errorf("got default route via %v, want 10.0.0.1", got)
	}
	leases := w.server(srv, "eth0").Leases
	if len(leases) != 1 || leases[0].State != "bound" || leases[0].Hostname != "cl" || leases[0].MAC != mac(0, 2) {
		t.Errorf("got server leases %+v, want one bound to cl", leases)
	}

	// T1: renewing, unicast, acknowledged at once.
	w.sleepUntil(t0 + 31*time.Minute)
	w.want(t0+30*time.Minute, "cl eth0", "dhcp client renewing")
	w.want(t0+30*time.Minute, "cl eth0", "dhcp client bound")
	c = w.client(cl, "eth0")
	if c.State != "bound" || c.RenewAt != t0+60*time.Minute || c.Renewals != 1 {
		t.Fatalf("after T1 got %+v, want bound, renewed, T1 at t0+60m", c)
	}

	// The server goes: renewing at T1, rebinding at T2, expiry at the end.
	w.must("server stop", netifapi.DHCPServerStop(w.cctx(), srv, "eth0"))
	w.sleepUntil(t0 + 89*time.Minute)
	w.want(t0+60*time.Minute, "cl eth0", "dhcp client renewing")
	w.want(t0+82*time.Minute+30*time.Second, "cl eth0", "dhcp client rebinding")
	if c := w.client(cl, "eth0"); c.State != "rebinding" || c.Renewals < 3 {
		t.Fatalf("at t0+89m got %+v, want rebinding after several renewals", c)
	}
	if got := w.netif(cl, "eth0").Address; got != pfx("10.0.0.100/24") {
		t.Errorf("got address %v while rebinding, want 10.0.0.100/24", got)
	}
	w.sleepUntil(t0 + 91*time.Minute)
	w.want(t0+90*time.Minute, "cl eth0", "dhcp client selecting")
	c = w.client(cl, "eth0")
	if c.State != "selecting" || c.Expiries != 1 {
		t.Fatalf("after the lease's end got %+v, want selecting", c)
	}
	if got := w.netif(cl, "eth0").Address; got.IsValid() {
		t.Errorf("got address %v after expiry, want none", got)
	}
	if got := w.defaultRoute(cl); got.IsValid() {
		t.Errorf("got default route via %v after expiry, want none", got)
	}

	// The server comes back: the next DISCOVER gets a lease.
	w.must("server start", netifapi.DHCPServerStart(w.cctx(), srv, "eth0", stdServer()))
	c = w.waitState(cl, "eth0", "bound", 5*time.Second, 3*time.Minute)
	if c.Lease.Address != pfx("10.0.0.100/24") {
		t.Errorf("rediscovered %v, want 10.0.0.100/24", c.Lease.Address)
	}
}
