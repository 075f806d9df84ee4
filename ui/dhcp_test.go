package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
)

// TestDHCPActions drives every DHCP action of the TUI through the App on
// dhcp-basic, each by its key from the Interfaces or DHCP panel (through
// its form where it has one), and checks the result in the world through
// netifapi and on the screen.
func TestDHCPActions(t *testing.T) {
	w := quietWorld(t, "dhcp-basic")
	w.Virtual.SetSpeed(20) // hours from T1: nothing happens on its own meanwhile
	w.Virtual.Resume()
	a := newTestApp(t, w, 140, 45)
	b := w.Node("b").Stack
	ctx := context.Background()
	do := func(cmd tea.Cmd) resultMsg {
		t.Helper()
		if cmd == nil {
			t.Fatal("no command")
		}
		r, ok := cmd().(resultMsg)
		if !ok {
			t.Fatalf("not a result: %T", r)
		}
		a.Update(r)
		if r.Err != nil {
			t.Fatalf("%s: %v", r.What, r.Err)
		}
		return r
	}
	key := func(k string) tea.Cmd {
		_, cmd := a.Update(press(k))
		return cmd
	}
	typeIn := func(s string) {
		for _, r := range s {
			a.Update(press(string(r)))
		}
	}
	client := func() snapshot.DHCPClient {
		t.Helper()
		c, err := netifapi.DHCPClient(ctx, b, "eth0")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	waitState := func(state string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for client().State != state {
			if time.Now().After(deadline) {
				t.Fatalf("b eth0 is %s, want %s", client().State, state)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// b's eth0, bound by the lab.
	a.selectNode(1)
	a.setFocus(pInterfaces)
	ifp := a.panels[pInterfaces].(*interfacesPanel)
	for i, n := range ifp.netifs {
		if n.Name == "eth0" {
			ifp.list.sel = i
		}
	}
	refreshUntil(t, a, func() bool { return strings.Contains(plain(a.Render()), "BOUND ") })

	// r renews: one more REQUEST to the server.
	before := client().Renewals
	r := do(key("r"))
	if r.What != "dhcp renew b:eth0" || !strings.HasPrefix(r.Detail, "RENEWING 10.0.0.100/24") {
		t.Fatalf("renew: %+v", r)
	}
	waitState("bound")
	if got := client().Renewals; got != before+1 {
		t.Fatalf("renewals %d, want %d", got, before+1)
	}

	// D releases: the address goes, the client is off.
	r = do(key("D"))
	if r.Detail != "OFF" {
		t.Fatalf("release: %+v", r)
	}
	if ifc, _ := netifapi.Get(ctx, b, "eth0"); ifc.Address.IsValid() {
		t.Fatalf("eth0 kept %v after release", ifc.Address)
	}
	refreshUntil(t, a, func() bool { return strings.Contains(plain(a.Render()), "OFF") })

	// h starts it again through a form; a bad requested address is refused.
	if key("h") != nil || a.form == nil || !strings.Contains(a.form.Title, "Start the DHCP client of b:eth0") {
		t.Fatalf("h opened %v", a.form)
	}
	typeIn("bee")
	a.Update(press("tab"))
	a.Update(press("tab"))
	typeIn("10.0.0.300")
	if key("enter") != nil || a.form == nil {
		t.Fatal("a bad requested address was sent")
	}
	for range 3 {
		a.Update(press("backspace"))
	}
	typeIn("150")
	r = do(key("enter"))
	if r.What != "dhcp start b:eth0" || a.form != nil {
		t.Fatalf("start: %+v", r)
	}
	waitState("bound")
	if c := client(); c.Lease.Address.Addr().String() != "10.0.0.150" {
		t.Fatalf("lease %v, want the requested 10.0.0.150", c.Lease.Address)
	}
	refreshUntil(t, a, func() bool { return strings.Contains(plain(a.Render()), "10.0.0.150/24") })

	// H stops it at once.
	r = do(key("H"))
	if r.Detail != "OFF" {
		t.Fatalf("stop: %+v", r)
	}

	// i informs, for an address set by hand.
	refreshUntil(t, a, func() bool {
		n, ok := ifp.selectedNetif()
		return ok && n.Name == "eth0" && !n.Address.IsValid()
	})
	key("e")
	typeIn("10.0.0.77/24")
	do(key("enter"))
	key("i")
	if a.form == nil || !strings.Contains(a.form.Title, "DHCP inform on b:eth0") {
		t.Fatalf("i opened %v", a.form)
	}
	r = do(key("enter"))
	if !strings.HasPrefix(r.Detail, "INFORMING") {
		t.Fatalf("inform: %+v", r)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !client().Router.IsValid() {
		if time.Now().After(deadline) {
			t.Fatalf("inform got no router: %+v", client())
		}
		time.Sleep(time.Millisecond)
	}

	// a's DHCP panel: S stops the server, s starts it from a form that
	// suggests the interface, the pool and the router.
	a.selectNode(0)
	a.setFocus(pDHCP)
	refreshUntil(t, a, func() bool { return strings.Contains(plain(a.Render()), "eth0: pool 10.0.0.100-10.0.0.199") })
	dp := a.panels[pDHCP].(*dhcpPanel)
	dp.list.sel = 0
	r = do(key("S"))
	if r.What != "dhcp server off a:eth0" {
		t.Fatalf("server stop: %+v", r)
	}
	if _, err := netifapi.DHCPServer(ctx, w.Node("a").Stack, "eth0"); !errors.Is(err, dhcp.ErrNotRunning) {
		t.Fatalf("server after stop: %v", err)
	}
	refreshUntil(t, a, func() bool { return strings.Contains(plain(a.Render()), "no DHCP server (s starts one)") })
	key("s")
	if a.form == nil || a.form.Values()[0] != "eth0" || a.form.Values()[1] != "10.0.0.100-10.0.0.199" || a.form.Values()[3] != "10.0.0.1" {
		t.Fatalf("server form %v", a.form)
	}
	r = do(key("enter"))
	if r.Detail != "pool 10.0.0.100-10.0.0.199" {
		t.Fatalf("server start: %+v", r)
	}
	srv, err := netifapi.DHCPServer(ctx, w.Node("a").Stack, "eth0")
	if err != nil || srv.PoolEnd.String() != "10.0.0.199" {
		t.Fatalf("server after start: %+v %v", srv, err)
	}
}
