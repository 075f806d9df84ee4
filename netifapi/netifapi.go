// Package netifapi is the thread-safe interface API of a stack, after
// lwIP's netifapi: add and remove netifs, set addresses, MTUs, routes,
// forwarding, admin and link state, list them. Every call runs on any
// goroutine: it is marshalled into the stack's tcpip goroutine, waits for
// the reply and honours its context. A context that ends after the request
// was queued returns the context's error, but the change may still happen.
// A call that fails returns zero results: it never reads what the request
// may still be writing on the tcpip goroutine.
package netifapi

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// Config describes a netif to add.
type Config struct {
	Name    string
	MAC     wire.MAC
	MTU     int // 0 means 1500
	Address netip.Prefix
	Down    bool // add administratively down
	// LinkDown adds the netif with its link (carrier) down.
	LinkDown bool
	// Link is the link endpoint to attach; nil leaves the netif unattached.
	Link link.Endpoint
}

// Add adds a netif (netifapi_netif_add) and returns its index.
func Add(ctx context.Context, s *core.Stack, cfg Config) (int, error) {
	var index int
	err := s.Call(ctx, func(c *core.Core) error {
		n, err := c.AddNetif(core.NetifConfig{
			Name: cfg.Name, MAC: cfg.MAC, MTU: cfg.MTU, Address: cfg.Address,
			Down: cfg.Down, LinkDown: cfg.LinkDown, Link: cfg.Link,
		})
		if err != nil {
			return err
		}
		index = n.Index()
		return nil
	})
	if err != nil {
		return 0, wrap("add "+cfg.Name, err)
	}
	return index, nil
}

// Remove removes the netif named name (netifapi_netif_remove) in one step
// on the tcpip goroutine: frames queued for it are dropped and control
// blocks bound to it are told.
func Remove(ctx context.Context, s *core.Stack, name string) error {
	return wrap("remove "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return c.RemoveNetif(n)
	}))
}

// SetAddress sets the address of the netif named name; a zero prefix
// clears it (netifapi_netif_set_addr).
func SetAddress(ctx context.Context, s *core.Stack, name string, p netip.Prefix) error {
	return wrap("set address of "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return c.SetAddress(n, p)
	}))
}

// SetMTU sets the MTU of the netif named name.
func SetMTU(ctx context.Context, s *core.Stack, name string, mtu int) error {
	return wrap("set mtu of "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return c.SetMTU(n, mtu)
	}))
}

// SetUp brings the netif named name up or down (netifapi_netif_set_up,
// netifapi_netif_set_down).
func SetUp(ctx context.Context, s *core.Stack, name string, up bool) error {
	return wrap("set admin state of "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		c.SetUp(n, up)
		return nil
	}))
}

// SetLinkUp sets the link state of the netif named name
// (netifapi_netif_set_link_up, netifapi_netif_set_link_down).
func SetLinkUp(ctx context.Context, s *core.Stack, name string, up bool) error {
	return wrap("set link state of "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		c.SetLinkUp(n, up)
		return nil
	}))
}

// Attach connects the netif named name to a link endpoint.
func Attach(ctx context.Context, s *core.Stack, name string, ep link.Endpoint) error {
	return wrap("attach "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		c.Attach(n, ep)
		return nil
	}))
}

// SetForwarding turns IPv4 forwarding on or off.
func SetForwarding(ctx context.Context, s *core.Stack, on bool) error {
	return wrap("set forwarding", s.Call(ctx, func(c *core.Core) error {
		c.SetForwarding(on)
		return nil
	}))
}

// Route is a static route. Netif may be empty when Via is on-link.
type Route struct {
	To    netip.Prefix
	Via   netip.Addr
	Netif string
}

// AddRoute adds a static route; to 0.0.0.0/0 it sets the default gateway.
func AddRoute(ctx context.Context, s *core.Stack, r Route) error {
	return wrap("add route to "+r.To.String(), s.Call(ctx, func(c *core.Core) error {
		cr := core.Route{To: r.To, Via: r.Via}
		if r.Netif != "" {
			if cr.Netif = c.NetifByName(r.Netif); cr.Netif == nil {
				return fmt.Errorf("netif %q: %w", r.Netif, core.ErrNoSuchNetif)
			}
		}
		return c.AddRoute(cr)
	}))
}

// RemoveRoute removes the static route to to.
func RemoveRoute(ctx context.Context, s *core.Stack, to netip.Prefix) error {
	return wrap("remove route to "+to.String(), s.Call(ctx, func(c *core.Core) error {
		return c.RemoveRoute(to)
	}))
}

// Routes lists the routing table.
func Routes(ctx context.Context, s *core.Stack) ([]snapshot.Route, error) {
	var out []snapshot.Route
	err := s.Call(ctx, func(c *core.Core) error {
		out = c.Routes()
		return nil
	})
	if err != nil {
		return nil, wrap("list routes", err)
	}
	return out, nil
}

// AddStaticARP adds a permanent ARP entry on the netif named name.
func AddStaticARP(ctx context.Context, s *core.Stack, name string, addr netip.Addr, mac wire.MAC) error {
	return wrap("add ARP entry on "+name, onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		return c.AddStaticARP(n, addr, mac)
	}))
}

// ARP lists the ARP cache.
func ARP(ctx context.Context, s *core.Stack) ([]snapshot.ARPEntry, error) {
	var out []snapshot.ARPEntry
	err := s.Call(ctx, func(c *core.Core) error {
		out = c.ARPEntries()
		return nil
	})
	if err != nil {
		return nil, wrap("list ARP", err)
	}
	return out, nil
}

// List returns every netif, loopback first, in index order.
func List(ctx context.Context, s *core.Stack) ([]snapshot.Netif, error) {
	var out []snapshot.Netif
	err := s.Call(ctx, func(c *core.Core) error {
		for _, n := range c.Netifs() {
			out = append(out, netifSnapshot(c, n))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("list netifs", err)
	}
	return out, nil
}

// Get returns the netif named name.
func Get(ctx context.Context, s *core.Stack, name string) (snapshot.Netif, error) {
	var out snapshot.Netif
	err := onNetif(ctx, s, name, func(c *core.Core, n *core.Netif) error {
		out = netifSnapshot(c, n)
		return nil
	})
	if err != nil {
		return snapshot.Netif{}, wrap("get "+name, err)
	}
	return out, nil
}

// GetByIndex returns the netif with index i.
func GetByIndex(ctx context.Context, s *core.Stack, i int) (snapshot.Netif, error) {
	var out snapshot.Netif
	err := s.Call(ctx, func(c *core.Core) error {
		n := c.NetifByIndex(i)
		if n == nil {
			return fmt.Errorf("netif index %d: %w", i, core.ErrNoSuchNetif)
		}
		out = netifSnapshot(c, n)
		return nil
	})
	if err != nil {
		return snapshot.Netif{}, wrap(fmt.Sprintf("get index %d", i), err)
	}
	return out, nil
}

// Counter reads a counter: of the netif named netif (rx-frames, tx-frames,
// rx-bytes, tx-bytes, drops, drops:<reason>), or, when netif is "", a
// stack-wide one (ip-forwarded, udp-no-port, ...).
func Counter(ctx context.Context, s *core.Stack, netif, name string) (uint64, error) {
	var v uint64
	err := s.Call(ctx, func(c *core.Core) error {
		var ok bool
		if netif == "" {
			v, ok = c.Counter(name)
		} else {
			n := c.NetifByName(netif)
			if n == nil {
				return fmt.Errorf("netif %q: %w", netif, core.ErrNoSuchNetif)
			}
			v, ok = n.Counter(name)
		}
		if !ok {
			return fmt.Errorf("counter %q: %w", name, core.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return 0, wrap("read counter "+name, err)
	}
	return v, nil
}

func netifSnapshot(c *core.Core, n *core.Netif) snapshot.Netif {
	return c.NetifSnapshot(n)
}

func onNetif(ctx context.Context, s *core.Stack, name string, fn func(c *core.Core, n *core.Netif) error) error {
	return s.Call(ctx, func(c *core.Core) error {
		n := c.NetifByName(name)
		if n == nil {
			return fmt.Errorf("netif %q: %w", name, core.ErrNoSuchNetif)
		}
		return fn(c, n)
	})
}

// Error is the error of a failed netifapi call.
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return "netifapi: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the underlying error, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}
