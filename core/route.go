package core

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/netlab/netlab/core/snapshot"
)

// route is a static route. On-link routes are not stored: they follow
// from each usable netif's address.
type route struct {
	to    netip.Prefix
	via   netip.Addr // zero: on-link through n
	netif *Netif     // nil: the netif on which via is on-link
}

// routeTable is the stack's routing table. Owned by the tcpip goroutine.
type routeTable struct {
	static []route
}

// Route is a static route to add or remove.
type Route struct {
	To    netip.Prefix
	Via   netip.Addr
	Netif *Netif
}

// AddRoute adds a static route; to 0.0.0.0/0 it is the default gateway.
func (c *Core) AddRoute(r Route) error {
	c.assertOnLoop()
	if !r.To.IsValid() || !r.To.Addr().Is4() || r.To.Masked() != r.To {
		return fmt.Errorf("route to %v: not an IPv4 network: %w", r.To, ErrInvalid)
	}
	if !r.Via.IsValid() && r.Netif == nil {
		return fmt.Errorf("route to %v: needs a gateway or an interface: %w", r.To, ErrInvalid)
	}
	if r.Via.IsValid() && !r.Via.Is4() {
		return fmt.Errorf("route to %v: gateway %v is not IPv4: %w", r.To, r.Via, ErrInvalid)
	}
	for _, x := range c.routes.static {
		if x.to == r.To {
			return fmt.Errorf("route to %v: %w", r.To, ErrExists)
		}
	}
	c.routes.static = append(c.routes.static, route{to: r.To, via: r.Via, netif: r.Netif})
	c.stateEvent(r.Netif, "route %v added", routeText(r.To, r.Via), nil)
	return nil
}

// RemoveRoute removes the static route to to.
func (c *Core) RemoveRoute(to netip.Prefix) error {
	c.assertOnLoop()
	for i, x := range c.routes.static {
		if x.to == to {
			c.routes.static = append(c.routes.static[:i], c.routes.static[i+1:]...)
			c.stateEvent(nil, "route %v removed", routeText(x.to, x.via), nil)
			return nil
		}
	}
	return fmt.Errorf("route to %v: %w", to, ErrNotFound)
}

func routeText(to netip.Prefix, via netip.Addr) string {
	if via.IsValid() {
		return to.String() + " via " + via.String()
	}
	return to.String()
}

func (t *routeTable) removeNetif(n *Netif) {
	kept := t.static[:0]
	for _, r := range t.static {
		if r.netif != n {
			kept = append(kept, r)
		}
	}
	t.static = kept
}

// netifAddressChanged is called when an on-link route may have changed.
// Lookups derive on-link routes from netifs, so nothing is cached.
func (t *routeTable) netifAddressChanged(n *Netif) {}

// onLinkNetif returns the usable netif whose subnet holds a.
func (c *Core) onLinkNetif(a netip.Addr) *Netif {
	var best *Netif
	for _, n := range c.netifs {
		if n == nil || n.loopback || !n.Usable() || !n.addr.IsValid() {
			continue
		}
		if n.addr.Contains(a) && (best == nil || n.addr.Bits() > best.addr.Bits()) {
			best = n
		}
	}
	return best
}

// lookupRoute finds the netif and next hop for dst by longest prefix
// match over on-link and static routes (on-link wins a tie). It allocates
// nothing.
func (c *Core) lookupRoute(dst netip.Addr) (n *Netif, nextHop netip.Addr, ok bool) {
	if ln := c.localNetif(dst); ln != nil || dst.IsLoopback() {
		return c.loopback, dst, true
	}
	bits := -1
	if on := c.onLinkNetif(dst); on != nil {
		n, nextHop, bits = on, dst, on.addr.Bits()
	}
	for _, r := range c.routes.static {
		if r.to.Bits() <= bits || !r.to.Contains(dst) {
			continue
		}
		out, hop := r.netif, dst
		if r.via.IsValid() {
			hop = r.via
			if out == nil {
				out = c.onLinkNetif(r.via)
			}
		}
		if out == nil || !out.Usable() {
			continue
		}
		n, nextHop, bits = out, hop, r.to.Bits()
	}
	return n, nextHop, n != nil
}

// Routes returns the routing table: on-link routes, then static ones.
func (c *Core) Routes() []snapshot.Route {
	var out []snapshot.Route
	for _, n := range c.netifs {
		if n == nil || n.loopback || !n.addr.IsValid() || !n.Usable() {
			continue
		}
		out = append(out, snapshot.Route{To: n.addr.Masked(), Netif: n.name, OnLink: true})
	}
	for _, r := range c.routes.static {
		name := ""
		if r.netif != nil {
			name = r.netif.name
		} else if on := c.onLinkNetif(r.via); on != nil {
			name = on.name
		}
		out = append(out, snapshot.Route{To: r.to, Via: r.via, Netif: name})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].To.Bits() > out[j].To.Bits() })
	return out
}
