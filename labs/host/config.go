//go:build linux

package host

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
)

// The kernel-side configuration of a namespace, through its own netlink
// handle: nothing here reaches another namespace.

func (n *Namespace) link(dev string) (netlink.Link, error) {
	l, err := n.nl.LinkByName(dev)
	if err != nil {
		return nil, fmt.Errorf("%s: link %s: %w", n.full, dev, err)
	}
	return l, nil
}

// SetUp sets device dev up.
func (n *Namespace) SetUp(dev string) error {
	l, err := n.link(dev)
	if err != nil {
		return err
	}
	if err := n.nl.LinkSetUp(l); err != nil {
		return fmt.Errorf("%s: set %s up: %w", n.full, dev, err)
	}
	return nil
}

// SetDown sets device dev down.
func (n *Namespace) SetDown(dev string) error {
	l, err := n.link(dev)
	if err != nil {
		return err
	}
	if err := n.nl.LinkSetDown(l); err != nil {
		return fmt.Errorf("%s: set %s down: %w", n.full, dev, err)
	}
	return nil
}

// SetMTU sets device dev's MTU.
func (n *Namespace) SetMTU(dev string, mtu int) error {
	l, err := n.link(dev)
	if err != nil {
		return err
	}
	if err := n.nl.LinkSetMTU(l, mtu); err != nil {
		return fmt.Errorf("%s: set %s mtu %d: %w", n.full, dev, mtu, err)
	}
	return nil
}

// AddAddress adds the IPv4 address p (such as 10.9.0.1/24) to device dev.
func (n *Namespace) AddAddress(dev string, p netip.Prefix) error {
	l, err := n.link(dev)
	if err != nil {
		return err
	}
	a := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}}
	if err := n.nl.AddrAdd(l, a); err != nil {
		return fmt.Errorf("%s: add address %v to %s: %w", n.full, p, dev, err)
	}
	return nil
}

// AddRoute adds a route to to: through gateway via if via is valid,
// otherwise directly out of dev (dev may be empty when via is given).
func (n *Namespace) AddRoute(to netip.Prefix, via netip.Addr, dev string) error {
	r := &netlink.Route{Dst: &net.IPNet{IP: to.Masked().Addr().AsSlice(), Mask: net.CIDRMask(to.Bits(), to.Addr().BitLen())}}
	if via.IsValid() {
		r.Gw = via.AsSlice()
	}
	if dev != "" {
		l, err := n.link(dev)
		if err != nil {
			return err
		}
		r.LinkIndex = l.Attrs().Index
	}
	if err := n.nl.RouteAdd(r); err != nil {
		return fmt.Errorf("%s: add route to %v: %w", n.full, to, err)
	}
	return nil
}

// Sysctl sets a sysctl of the namespace, such as
// "net/ipv4/ip_forward", by writing under /proc/sys from a thread inside
// it (the files under /proc/sys/net are per namespace).
func (n *Namespace) Sysctl(key, value string) error {
	return n.Do(func() error {
		if err := os.WriteFile("/proc/sys/"+key, []byte(value), 0); err != nil {
			return fmt.Errorf("%s: sysctl %s=%s: %w", n.full, key, value, err)
		}
		return nil
	})
}

// DisableIPv6 turns IPv6 off on every device of the namespace, present
// and future, so that captures hold no router solicitations or MLD
// reports.
func (n *Namespace) DisableIPv6() error {
	for _, k := range []string{"net/ipv6/conf/default/disable_ipv6", "net/ipv6/conf/all/disable_ipv6"} {
		if err := n.Sysctl(k, "1"); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a kernel without IPv6
			}
			return err
		}
	}
	return nil
}

// Link is a device of a namespace as netlink reports it.
type Link struct {
	// Name and Index identify the device.
	Name  string
	Index int
	// Type is netlink's type name ("tuntap", "loopback", "bridge").
	Type string
	// MAC is the hardware address (empty for loopback).
	MAC net.HardwareAddr
	// MTU is in bytes.
	MTU int
	// Up is the administrative state; OperState is the kernel's
	// ("up", "down", "unknown").
	Up        bool
	OperState string
	// Addrs are the IPv4 addresses.
	Addrs []netip.Prefix
	// Counters, from the kernel's statistics.
	RxPackets, TxPackets, RxBytes, TxBytes, RxDropped, TxDropped uint64
}

// Links lists the namespace's devices with their IPv4 addresses and
// counters.
func (n *Namespace) Links() ([]Link, error) {
	ls, err := n.nl.LinkList()
	if err != nil {
		return nil, fmt.Errorf("%s: list links: %w", n.full, err)
	}
	out := make([]Link, 0, len(ls))
	for _, l := range ls {
		a := l.Attrs()
		x := Link{Name: a.Name, Index: a.Index, Type: l.Type(), MAC: a.HardwareAddr, MTU: a.MTU,
			Up: a.Flags&net.FlagUp != 0, OperState: a.OperState.String()}
		if s := a.Statistics; s != nil {
			x.RxPackets, x.TxPackets, x.RxBytes, x.TxBytes = s.RxPackets, s.TxPackets, s.RxBytes, s.TxBytes
			x.RxDropped, x.TxDropped = s.RxDropped, s.TxDropped
		}
		addrs, err := n.nl.AddrList(l, netlink.FAMILY_V4)
		if err != nil {
			return nil, fmt.Errorf("%s: list addresses of %s: %w", n.full, a.Name, err)
		}
		for _, ad := range addrs {
			if ip, ok := netip.AddrFromSlice(ad.IP.To4()); ok {
				bits, _ := ad.Mask.Size()
				x.Addrs = append(x.Addrs, netip.PrefixFrom(ip, bits))
			}
		}
		out = append(out, x)
	}
	return out, nil
}
