package core

import (
	"fmt"
	"net/netip"

	"github.com/netlab/netlab/core/wire"
)

// NetifEvent says what happened to a netif, for protocols that follow
// netifs (a DHCP client stops when its netif goes, restarts on link up).
type NetifEvent int

// The netif events hooks receive.
const (
	NetifAdded NetifEvent = iota + 1
	NetifRemoving
	NetifAddressChanged
	NetifUp
	NetifDown
	NetifLinkUp
	NetifLinkDown
)

var netifEventNames = [...]string{"", "added", "removing", "address-changed", "up", "down", "link-up", "link-down"}

// String returns the event's name.
func (e NetifEvent) String() string {
	if int(e) < len(netifEventNames) {
		return netifEventNames[e]
	}
	return fmt.Sprintf("netif-event-%d", int(e))
}

// UDPDatagram is a datagram delivered to a UDP receive function. Its
// Payload is valid only during the call: keep a copy, not the slice.
type UDPDatagram struct {
	Src, Dst netip.AddrPort
	// Netif is the netif it arrived on.
	Netif *Netif
	// Broadcast reports a datagram sent to a broadcast address.
	Broadcast bool
	TTL       uint8
	Payload   []byte
}

// hooks are the functions protocols built on the core plug in, all run
// on the tcpip goroutine.
type hooks struct {
	netif    []func(c *Core, n *Netif, ev NetifEvent)
	conflict []func(c *Core, n *Netif, addr netip.Addr, mac wire.MAC)
	extras   []extra
}

type extra struct {
	proto string
	fn    func(n *Netif) any
}

// OnNetifEvent registers fn to run when a netif is added, is about to be
// removed, changes address, or goes up or down.
func (c *Core) OnNetifEvent(fn func(c *Core, n *Netif, ev NetifEvent)) {
	c.hooks.netif = append(c.hooks.netif, fn)
}

func (h *hooks) netifEvent(c *Core, n *Netif, ev NetifEvent) {
	for _, fn := range h.netif {
		fn(c, n, ev)
	}
}

// OnAddressConflict registers fn to run when ARP shows another host using
// addr, an address of n or one n is probing for (RFC 5227).
func (c *Core) OnAddressConflict(fn func(c *Core, n *Netif, addr netip.Addr, mac wire.MAC)) {
	c.hooks.conflict = append(c.hooks.conflict, fn)
}

// SetSnapshotExtra registers fn to describe a protocol's per-netif state
// in snapshots, under proto ("dhcp"). fn returns nil for netifs where the
// protocol has no state.
func (c *Core) SetSnapshotExtra(proto string, fn func(n *Netif) any) {
	c.hooks.extras = append(c.hooks.extras, extra{proto, fn})
}

// HandleUDPPort registers fn to receive every datagram to port on any
// netif, before sockets see them, even on netifs without an address (a
// DHCP client on port 68). It fails if the port is taken.
func (c *Core) HandleUDPPort(port uint16, fn func(c *Core, d *UDPDatagram)) error {
	c.assertOnLoop()
	p := c.NewUDP(fn, nil, nil)
	p.portHandler = true
	_, err := c.UDPBind(p, netip.AddrPortFrom(netip.IPv4Unspecified(), port))
	return err
}
