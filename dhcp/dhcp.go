// Package dhcp is netlab's DHCP client and server (RFC 2131), after
// lwIP's dhcp.c: state machines with lwIP's state names, plugged into the
// core through its hooks (UDP port handlers for ports 67 and 68 on every
// netif, netif events, address conflicts, named timers, per-netif slots,
// snapshot extras). Messages are encoded and decoded with
// github.com/insomniacslk/dhcp/dhcpv4.
//
// All code here runs on the tcpip goroutine: the functions that take a
// *core.Core (StartClient, StopClient, StartServer, ...) are for code
// already there. Other goroutines use netifapi's DHCP calls, which
// marshal these into the loop. The Client and Server state machines have
// no goroutines and no clock: they take the time, change state and hand
// back effects that this file applies to the core.
package dhcp

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// Errors of the DHCP calls.
var (
	ErrNotBound    = errors.New("dhcp: client holds no lease")
	ErrNotRunning  = errors.New("dhcp: not running on this netif")
	ErrNoAddress   = errors.New("dhcp: netif has no address")
	ErrBadConfig   = errors.New("dhcp: bad configuration")
	ErrNetifDown   = errors.New("dhcp: netif is down")
	ErrMTUTooSmall = errors.New("dhcp: netif MTU below 576")
)

// Slot keys and snapshot extras.
const (
	slotClient = "dhcp"
	slotServer = "dhcp-server"
	slotStack  = "dhcp-stack"
	// ExtraClient and ExtraServer are the snapshot.Stack.Extra keys under
	// which a netif's client (snapshot.DHCPClient) and server
	// (snapshot.DHCPServer) are published.
	ExtraClient = "dhcp"
	ExtraServer = "dhcp-server"
)

func isMalformed(err error) bool { return errors.Is(err, ErrMalformed) }

// stackState is what Install registered on a core. It lives in the
// loopback netif's slot: the one netif that is never removed.
type stackState struct {
	client, server bool // port handlers registered
}

// Install registers the DHCP hooks on c (once; later calls do nothing):
// netif events, address conflicts and snapshot extras. The UDP ports are
// taken when a client or server first starts. Starting a client or
// server installs it too.
func Install(c *core.Core) {
	install(c)
}

func install(c *core.Core) *stackState {
	lo := c.NetifByIndex(1)
	if st, ok := lo.Slot(slotStack).(*stackState); ok {
		return st
	}
	st := &stackState{}
	lo.SetSlot(slotStack, st)
	c.OnNetifEvent(netifEvent)
	c.OnAddressConflict(func(c *core.Core, n *core.Netif, addr netip.Addr, _ wire.MAC) {
		if d := clientOf(n); d != nil {
			d.step(c, func() { d.cl.conflict(c.Now(), addr) })
		}
	})
	c.SetSnapshotExtra(ExtraClient, func(n *core.Netif) any {
		if d := clientOf(n); d != nil {
			return d.cl.snapshot()
		}
		return nil
	})
	c.SetSnapshotExtra(ExtraServer, func(n *core.Netif) any {
		if d := serverOf(n); d != nil {
			return d.srv.snapshot()
		}
		return nil
	})
	return st
}

func netifEvent(c *core.Core, n *core.Netif, ev core.NetifEvent) {
	switch ev {
	case core.NetifRemoving:
		if d := clientOf(n); d != nil {
			d.cl.stop()
			d.cl.takeEffects() // the netif goes with its address and routes
			c.SetProbing(n, netip.Addr{})
			d.syncTimers(c)
			n.SetSlot(slotClient, nil)
		}
		if d := serverOf(n); d != nil {
			c.StopTimer(d.timer)
			n.SetSlot(slotServer, nil)
		}
	case core.NetifUp, core.NetifDown, core.NetifLinkUp, core.NetifLinkDown:
		if d := clientOf(n); d != nil {
			d.step(c, func() { d.cl.link(c.Now(), n.Usable()) })
		}
	}
}

// clientDriver ties a Client to its netif and core timers.
type clientDriver struct {
	n      *core.Netif
	cl     *Client
	timers [numTimers]*core.Timer
	// route is the default route the client installed, if any.
	route netip.Addr
}

func clientOf(n *core.Netif) *clientDriver {
	d, _ := n.Slot(slotClient).(*clientDriver)
	return d
}

func serverOf(n *core.Netif) *serverDriver {
	d, _ := n.Slot(slotServer).(*serverDriver)
	return d
}

func seedFor(c *core.Core, n *core.Netif) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s/%v", c.Name(), n.Name(), n.MAC())
	return h.Sum64()
}

func (st *stackState) takeClientPort(c *core.Core) error {
	if st.client {
		return nil
	}
	if err := c.HandleUDPPort(ClientPort, clientInput); err != nil {
		return fmt.Errorf("dhcp client port %d: %w", ClientPort, err)
	}
	st.client = true
	return nil
}

func (st *stackState) takeServerPort(c *core.Core) error {
	if st.server {
		return nil
	}
	if err := c.HandleUDPPort(ServerPort, serverInput); err != nil {
		return fmt.Errorf("dhcp server port %d: %w", ServerPort, err)
	}
	st.server = true
	return nil
}

func clientInput(c *core.Core, dg *core.UDPDatagram) {
	if d := clientOf(dg.Netif); d != nil && dg.Src.Port() == ServerPort {
		d.step(c, func() { d.cl.handle(c.Now(), dg.Payload) })
	}
}

func serverInput(c *core.Core, dg *core.UDPDatagram) {
	if d := serverOf(dg.Netif); d != nil {
		d.srv.handle(c.Now(), dg.Payload)
		d.apply(c)
	}
}

// step runs fn on the client, then applies its effects, rearms its
// timers and records a state change, all in the same step on the loop.
func (d *clientDriver) step(c *core.Core, fn func()) {
	before := d.cl.state
	fn()
	d.apply(c)
	d.syncTimers(c)
	if d.cl.state != before {
		c.Event(d.n, "dhcp client %v", d.cl.state, nil)
	}
}

func (d *clientDriver) apply(c *core.Core) {
	n := d.n
	for _, e := range d.cl.takeEffects() {
		switch e.kind {
		case effSend:
			_ = c.UDPSendOn(n, netip.AddrPortFrom(e.src, ClientPort), netip.AddrPortFrom(e.dst, ServerPort), e.payload)
		case effConfigure:
			if err := c.SetAddress(n, e.prefix); err != nil {
				c.Event(n, "dhcp client: cannot set address %v: %v", e.prefix, err)
				continue
			}
			if e.router.IsValid() {
				if err := c.AddRoute(core.Route{To: defaultRoute, Via: e.router, Netif: n}); err == nil {
					d.route = e.router
				}
			}
		case effUnconfigure:
			if d.route.IsValid() {
				for _, r := range c.Routes() {
					if r.To == defaultRoute && r.Via == d.route && r.Netif == n.Name() {
						_ = c.RemoveRoute(defaultRoute)
					}
				}
				d.route = netip.Addr{}
			}
			if n.Address() == e.prefix {
				_ = c.SetAddress(n, netip.Prefix{})
			}
		case effProbe:
			c.ARPProbe(n, e.addr)
		case effProbing:
			c.SetProbing(n, e.addr)
		}
	}
}

// DHCP's scheduling points (see core.Point).
const (
	// PointClientTimer: a client's timer fired and the client is about to
	// run it. The argument is the *core.Netif.
	PointClientTimer core.Point = "dhcp client timer"
	// PointClientStop: StopClient found the client and is about to stop
	// it. The argument is the *core.Netif.
	PointClientStop core.Point = "dhcp stop"
)

var defaultRoute = netip.PrefixFrom(netip.IPv4Unspecified(), 0)

// syncTimers makes the core timers match the client's deadlines.
func (d *clientDriver) syncTimers(c *core.Core) {
	for k, at := range d.cl.deadlines {
		t := d.timers[k]
		switch {
		case at == 0:
			c.StopTimer(t)
		case !t.Armed() || t.Due() != at:
			c.ResetTimer(t, at)
		}
	}
}

// StartClient starts (or restarts) the DHCP client of n (lwIP's
// dhcp_start). n must be up with an MTU of at least 576; with its link
// down the client waits in INIT (or INIT-REBOOT) for the link.
func StartClient(c *core.Core, n *core.Netif, cfg ClientConfig) error {
	if err := usableForDHCP(n); err != nil {
		return err
	}
	st := install(c)
	if err := st.takeClientPort(c); err != nil {
		return err
	}
	d := clientOf(n)
	if d == nil {
		d = &clientDriver{n: n}
		for k := range d.timers {
			d.timers[k] = c.NewTimer(timerNames[k], n.Name(), func(c *core.Core) {
				c.Stack().Point(PointClientTimer, n)
				d.step(c, func() { d.cl.timer(c.Now(), k) })
			})
		}
		d.cl = newClient(cfg, n.MAC(), seedFor(c, n))
		n.SetSlot(slotClient, d)
	} else {
		last := d.cl.last
		stats := d.cl.stats
		d.step(c, d.cl.stop)
		rng := d.cl.rng
		d.cl = newClient(cfg, n.MAC(), 0)
		d.cl.rng, d.cl.last, d.cl.stats = rng, last, stats
	}
	d.step(c, func() { d.cl.start(c.Now(), n.Usable()) })
	return nil
}

func usableForDHCP(n *core.Netif) error { return checkUsable(n.Name(), n.Up(), n.MTU()) }

// minMTU is the smallest MTU a DHCP client starts on, lwIP's
// DHCP_MAX_MSG_LEN_MIN_REQUIRED: a client must be prepared to receive
// messages of up to 576 octets (RFC 2131 section 2). It is DHCP's own
// rule; today the core refuses smaller MTUs on any netif as well
// (core.MinMTU).
const minMTU = 576

// checkUsable says whether a netif named name, administratively up or
// not, with MTU mtu, can run a DHCP client.
func checkUsable(name string, up bool, mtu int) error {
	if !up {
		return fmt.Errorf("netif %s: %w", name, ErrNetifDown)
	}
	if mtu < minMTU {
		return fmt.Errorf("netif %s: mtu %d: %w", name, mtu, ErrMTUTooSmall)
	}
	return nil
}

// StopClient stops n's client at once (lwIP's dhcp_stop): its timers are
// cancelled in this step, the address and default route it set are
// removed; no message is sent. Stopping a stopped client does nothing.
func StopClient(c *core.Core, n *core.Netif) {
	if d := clientOf(n); d != nil {
		c.Stack().Point(PointClientStop, n)
		d.step(c, d.cl.stop)
	}
}

// ReleaseClient sends RELEASE for n's lease, if it holds one, then stops
// the client and clears the address (lwIP's dhcp_release_and_stop).
func ReleaseClient(c *core.Core, n *core.Netif) {
	if d := clientOf(n); d != nil {
		d.step(c, func() { d.cl.release(c.Now()) })
	}
}

// RenewClient renews n's lease now (lwIP's dhcp_renew).
func RenewClient(c *core.Core, n *core.Netif) error {
	d := clientOf(n)
	if d == nil {
		return fmt.Errorf("netif %s: %w", n.Name(), ErrNotRunning)
	}
	var err error
	d.step(c, func() { err = d.cl.renew(c.Now()) })
	return err
}

// InformClient sends DHCPINFORM for n's address, set by hand, to learn
// the network's options (lwIP's dhcp_inform); the client is then in
// INFORMING and the options in its snapshot.
func InformClient(c *core.Core, n *core.Netif, cfg ClientConfig) error {
	if err := usableForDHCP(n); err != nil {
		return err
	}
	if !n.Address().IsValid() {
		return fmt.Errorf("netif %s: %w", n.Name(), ErrNoAddress)
	}
	if d := clientOf(n); d != nil && d.cl.configured.IsValid() {
		return fmt.Errorf("netif %s: the client holds a lease: %w", n.Name(), ErrBadConfig)
	}
	st := install(c)
	if err := st.takeClientPort(c); err != nil {
		return err
	}
	d := clientOf(n)
	if d == nil {
		if err := StartClient(c, n, cfg); err != nil {
			return err
		}
		d = clientOf(n)
	}
	d.step(c, func() { d.cl.inform(c.Now(), n.Address(), n.Usable()) })
	return nil
}

// ClientOf returns n's client state machine, nil if it never started.
func ClientOf(n *core.Netif) *Client {
	if d := clientOf(n); d != nil {
		return d.cl
	}
	return nil
}

// ClientSnapshot describes n's client.
func ClientSnapshot(n *core.Netif) (snapshot.DHCPClient, bool) {
	if d := clientOf(n); d != nil {
		return d.cl.snapshot(), true
	}
	return snapshot.DHCPClient{}, false
}

// serverDriver ties a Server to its netif and reclaim timer.
type serverDriver struct {
	n     *core.Netif
	srv   *Server
	timer *core.Timer
}

func (d *serverDriver) apply(c *core.Core) {
	for _, e := range d.srv.takeEffects() {
		dport := uint16(ClientPort)
		if e.addr.IsValid() {
			dport = ServerPort // to a relay agent
		}
		_ = c.UDPSendOn(d.n, netip.AddrPortFrom(e.src, ServerPort), netip.AddrPortFrom(e.dst, dport), e.payload)
	}
	if at := d.srv.nextExpiry(); at != 0 {
		if !d.timer.Armed() || d.timer.Due() != at {
			c.ResetTimer(d.timer, at)
		}
	} else {
		c.StopTimer(d.timer)
	}
}

// StartServer starts a DHCP server on n, which must have an address (the
// server identifier); a running server is replaced with an empty table.
func StartServer(c *core.Core, n *core.Netif, cfg ServerConfig) error {
	srv, err := newServer(cfg, n.Address())
	if err != nil {
		return err
	}
	st := install(c)
	if err := st.takeServerPort(c); err != nil {
		return err
	}
	StopServer(c, n)
	d := &serverDriver{n: n, srv: srv}
	d.timer = c.NewTimer("dhcp reclaim", n.Name(), func(c *core.Core) {
		d.srv.reclaim(c.Now())
		d.apply(c)
	})
	n.SetSlot(slotServer, d)
	c.Event(n, "dhcp server on, pool %v-%v", cfg.PoolStart, cfg.PoolEnd)
	return nil
}

// StopServer stops n's server, forgetting its lease table.
func StopServer(c *core.Core, n *core.Netif) {
	if d := serverOf(n); d != nil {
		c.StopTimer(d.timer)
		n.SetSlot(slotServer, nil)
		c.Event(n, "dhcp server off", nil, nil)
	}
}

// ServerSnapshot describes n's server and its lease table.
func ServerSnapshot(n *core.Netif) (snapshot.DHCPServer, bool) {
	if d := serverOf(n); d != nil {
		return d.srv.snapshot(), true
	}
	return snapshot.DHCPServer{}, false
}
