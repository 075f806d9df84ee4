package core

import (
	"fmt"
	"net/netip"
	"sync"

	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// MinMTU is the smallest MTU a netif may have: every IPv4 host must take
// 576-byte datagrams (RFC 791, RFC 1122 section 3.3.3).
const MinMTU = 576

// MaxMTU is the largest MTU a netif may have (a jumbo frame).
const MaxMTU = link.MaxFrame - wire.EthernetHeaderLen

// rxQueueLimit is how many frames may wait for the tcpip goroutine on one
// netif; more are dropped and counted as rx-queue-full.
const rxQueueLimit = 1024

// Netif is a network interface (lwIP's struct netif). Owned by the tcpip
// goroutine; other goroutines see netifs through netifapi and snapshots.
type Netif struct {
	core     *Core
	index    int
	name     string
	mac      wire.MAC
	mtu      int
	addr     netip.Prefix
	up       bool
	linkUp   bool
	loopback bool
	removed  bool
	ep       link.Endpoint
	rx       *rxQueue

	rxFrames, rxBytes, txFrames, txBytes uint64
	drops                                [numDrops]uint64

	// probe is the address being probed for (RFC 5227), if any.
	probe netip.Addr
	// slots hold per-netif state of protocols plugged into the core.
	slots map[string]any
}

// NetifConfig describes a netif to add.
type NetifConfig struct {
	Name    string
	MAC     wire.MAC
	MTU     int // 0 means 1500
	Address netip.Prefix
	// Down adds the netif administratively down.
	Down bool
	// LinkDown adds the netif with its link (carrier) down.
	LinkDown bool
	// Link is the driver endpoint; nil leaves the netif unattached.
	Link link.Endpoint
}

// Index returns the netif's index (1 is loopback).
func (n *Netif) Index() int { return n.index }

// Name returns the netif's name.
func (n *Netif) Name() string { return n.name }

// MAC returns the netif's hardware address.
func (n *Netif) MAC() wire.MAC { return n.mac }

// MTU returns the netif's IP MTU.
func (n *Netif) MTU() int { return n.mtu }

// Address returns the netif's IPv4 address and prefix (zero if none).
func (n *Netif) Address() netip.Prefix { return n.addr }

// Up reports whether the netif is administratively up.
func (n *Netif) Up() bool { return n.up }

// LinkUp reports whether the netif's link is up.
func (n *Netif) LinkUp() bool { return n.linkUp }

// Usable reports whether the netif can carry traffic.
func (n *Netif) Usable() bool { return n.up && n.linkUp && !n.removed }

// Slot returns the protocol state stored under key, or nil.
func (n *Netif) Slot(key string) any { return n.slots[key] }

// SetSlot stores protocol state under key (nil deletes it).
func (n *Netif) SetSlot(key string, v any) {
	if v == nil {
		delete(n.slots, key)
		return
	}
	if n.slots == nil {
		n.slots = make(map[string]any)
	}
	n.slots[key] = v
}

func (n *Netif) dropped(d drop) { n.drops[d]++ }

func (n *Netif) String() string { return n.name }

func (c *Core) newLoopback() *Netif {
	n := &Netif{core: c, index: c.nextIndex, name: "lo", mtu: 65535 - 64, up: true, linkUp: true, loopback: true}
	n.addr = netip.MustParsePrefix("127.0.0.1/8")
	n.rx = &rxQueue{stack: c.stack, netif: n}
	c.nextIndex++
	c.netifs = append(c.netifs, n)
	return n
}

// AddNetif adds a netif (lwIP's netif_add) and returns it.
func (c *Core) AddNetif(cfg NetifConfig) (*Netif, error) {
	c.assertOnLoop()
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	if err := validName(cfg.Name); err != nil {
		return nil, err
	}
	if c.NetifByName(cfg.Name) != nil {
		return nil, fmt.Errorf("netif %q: %w", cfg.Name, ErrExists)
	}
	if cfg.MTU < MinMTU || cfg.MTU > MaxMTU {
		return nil, fmt.Errorf("mtu %d not in [%d, %d]: %w", cfg.MTU, MinMTU, MaxMTU, ErrInvalid)
	}
	if cfg.Address.IsValid() {
		if err := c.checkAddress(nil, cfg.Address); err != nil {
			return nil, err
		}
	}
	// Two reads and two writes of shared state, with a scheduling point
	// after each read: from two goroutines at once (lwIP's netif_add off
	// the tcpip thread) they interleave into a duplicate index or a lost
	// netif. On the tcpip goroutine nothing can come between them.
	index := c.nextIndex
	c.point(PointNextIndexRead, nil)
	c.nextIndex = index + 1
	n := &Netif{
		core:   c,
		index:  index,
		name:   cfg.Name,
		mac:    cfg.MAC,
		mtu:    cfg.MTU,
		up:     !cfg.Down,
		linkUp: !cfg.LinkDown,
	}
	n.rx = &rxQueue{stack: c.stack, netif: n}
	list := c.netifs
	c.point(PointNetifListRead, nil)
	c.netifs = append(list, n)
	if cfg.Link != nil {
		n.attach(cfg.Link)
	}
	c.stateEvent(n, "netif added (index %d)", n.index, nil)
	if cfg.Address.IsValid() {
		c.setAddress(n, cfg.Address)
	}
	c.hooks.netifEvent(c, n, NetifAdded)
	return n, nil
}

func validName(name string) error {
	if name == "" || len(name) > 15 {
		return fmt.Errorf("netif name %q: must be 1 to 15 characters: %w", name, ErrInvalid)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("netif name %q: invalid character %q: %w", name, r, ErrInvalid)
		}
	}
	return nil
}

// checkAddress refuses an address another netif of this stack has.
func (c *Core) checkAddress(self *Netif, p netip.Prefix) error {
	if !p.Addr().Is4() {
		return fmt.Errorf("address %v: not IPv4: %w", p, ErrInvalid)
	}
	if p.Bits() < 1 || p.Bits() > 32 {
		return fmt.Errorf("address %v: prefix length must be 1 to 32: %w", p, ErrInvalid)
	}
	if other := c.localNetif(p.Addr()); other != nil && other != self {
		return fmt.Errorf("address %v is on %s: %w", p.Addr(), other.name, ErrExists)
	}
	return nil
}

// RemoveNetif removes n (lwIP's netif_remove) in one step: frames queued
// for it are dropped, its routes and ARP entries go, and control blocks
// bound to its address are told the network is down.
func (c *Core) RemoveNetif(n *Netif) error {
	c.assertOnLoop()
	if n.removed {
		return fmt.Errorf("netif %q: %w", n.name, ErrNoSuchNetif)
	}
	if n.loopback {
		return ErrLoopbackChange
	}
	c.point(PointNetifRemove, n)
	c.hooks.netifEvent(c, n, NetifRemoving)
	old := n.addr
	n.detach()
	n.removed = true
	c.arp.flushNetif(n, false)
	c.reass.flushNetif(n)
	c.routes.removeNetif(n)
	if old.IsValid() {
		c.udp.addressGone(c, old.Addr())
		c.echo.addressGone(c, old.Addr())
	}
	c.netifs = without(c.netifs, n)
	c.stateEvent(n, "netif removed", nil, nil)
	return nil
}

// SetAddress sets (or, with a zero prefix, clears) n's IPv4 address.
func (c *Core) SetAddress(n *Netif, p netip.Prefix) error {
	c.assertOnLoop()
	if n.loopback {
		return ErrLoopbackChange
	}
	if p.IsValid() {
		if err := c.checkAddress(n, p); err != nil {
			return err
		}
	}
	c.setAddress(n, p)
	return nil
}

func (c *Core) setAddress(n *Netif, p netip.Prefix) {
	old := n.addr
	if old == p {
		return
	}
	n.addr = p
	c.routes.netifAddressChanged(n)
	if old.IsValid() && (!p.IsValid() || old.Addr() != p.Addr()) {
		c.udp.addressGone(c, old.Addr())
		c.echo.addressGone(c, old.Addr())
	}
	if p.IsValid() {
		c.stateEvent(n, "address %v", p, nil)
		c.arp.gratuitous(n)
	} else {
		c.stateEvent(n, "address cleared", nil, nil)
	}
	c.hooks.netifEvent(c, n, NetifAddressChanged)
}

// SetMTU sets n's MTU.
func (c *Core) SetMTU(n *Netif, mtu int) error {
	c.assertOnLoop()
	if mtu < MinMTU || mtu > MaxMTU || n.loopback {
		return fmt.Errorf("mtu %d not in [%d, %d]: %w", mtu, MinMTU, MaxMTU, ErrInvalid)
	}
	if n.mtu != mtu {
		n.mtu = mtu
		c.stateEvent(n, "mtu %d", mtu, nil)
	}
	return nil
}

// SetUp brings n administratively up or down.
func (c *Core) SetUp(n *Netif, up bool) {
	c.assertOnLoop()
	if n.up == up || n.loopback {
		return
	}
	n.up = up
	c.stateEvent(n, "admin %s", upDown(up), nil)
	c.routes.netifAddressChanged(n)
	if up {
		c.arp.gratuitous(n)
		c.hooks.netifEvent(c, n, NetifUp)
	} else {
		c.arp.flushNetif(n, true)
		c.hooks.netifEvent(c, n, NetifDown)
	}
}

// SetLinkUp sets n's link (carrier) state, as a driver or a test would.
func (c *Core) SetLinkUp(n *Netif, up bool) {
	c.assertOnLoop()
	if n.linkUp == up || n.loopback {
		return
	}
	n.linkUp = up
	c.stateEvent(n, "link %s", upDown(up), nil)
	c.routes.netifAddressChanged(n)
	if up {
		c.arp.gratuitous(n)
		c.hooks.netifEvent(c, n, NetifLinkUp)
	} else {
		c.arp.flushNetif(n, true)
		c.hooks.netifEvent(c, n, NetifLinkDown)
	}
}

// Attach connects n to a link endpoint, replacing any earlier one.
func (c *Core) Attach(n *Netif, ep link.Endpoint) {
	c.assertOnLoop()
	n.detach()
	n.attach(ep)
}

func (n *Netif) attach(ep link.Endpoint) {
	n.ep = ep
	n.rx.open()
	ep.SetReceiver(n.rx)
}

func (n *Netif) detach() {
	if n.ep != nil {
		n.ep.SetReceiver(nil)
		n.ep = nil
	}
	if dropped := n.rx.close(); dropped > 0 {
		n.drops[dropNetifDown] += uint64(dropped)
	}
}

func upDown(b bool) string {
	if b {
		return "up"
	}
	return "down"
}

// Netifs returns the netifs in index order (loopback first).
func (c *Core) Netifs() []*Netif {
	out := make([]*Netif, 0, len(c.netifs))
	for _, n := range c.netifs {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// NetifByName returns the netif named name, or nil.
func (c *Core) NetifByName(name string) *Netif {
	for _, n := range c.netifs {
		if n != nil && n.name == name {
			return n
		}
	}
	return nil
}

// NetifByIndex returns the netif with index i, or nil.
func (c *Core) NetifByIndex(i int) *Netif {
	for _, n := range c.netifs {
		if n != nil && n.index == i {
			return n
		}
	}
	return nil
}

func (n *Netif) snapshot() snapshot.Netif {
	s := snapshot.Netif{
		Index: n.index, Name: n.name, MAC: n.mac, Address: n.addr, MTU: n.mtu,
		Up: n.up, LinkUp: n.linkUp, Loopback: n.loopback,
		Counters: snapshot.NetifCounters{RxFrames: n.rxFrames, RxBytes: n.rxBytes, TxFrames: n.txFrames, TxBytes: n.txBytes},
	}
	if n.ep != nil {
		s.Link = n.ep.Name()
	}
	n.drops[dropRxQueueFull] += n.rx.takeDropped()
	for i, v := range n.drops {
		if v > 0 {
			if s.Counters.Drops == nil {
				s.Counters.Drops = make(map[string]uint64)
			}
			s.Counters.Drops[dropNames[i]] = v
		}
	}
	return s
}

// Counter returns one of n's counters by name: rx-frames, tx-frames,
// rx-bytes, tx-bytes, drops, or "drops:<reason>".
func (n *Netif) Counter(name string) (uint64, bool) {
	n.drops[dropRxQueueFull] += n.rx.takeDropped()
	switch name {
	case "rx-frames":
		return n.rxFrames, true
	case "tx-frames":
		return n.txFrames, true
	case "rx-bytes":
		return n.rxBytes, true
	case "tx-bytes":
		return n.txBytes, true
	case "drops":
		var t uint64
		for _, v := range n.drops {
			t += v
		}
		return t, true
	}
	for i, dn := range dropNames {
		if name == "drops:"+dn {
			return n.drops[i], true
		}
	}
	return 0, false
}

// rxQueue is where a link driver leaves frames for the tcpip goroutine.
// It is the one piece of a netif other goroutines touch, under its mutex.
type rxQueue struct {
	stack   *Stack
	netif   *Netif // identity only; never dereferenced off the loop
	mu      sync.Mutex
	frames  []*link.Buffer
	spare   []*link.Buffer
	closed  bool
	dropped uint64
}

// Receive queues a batch for the tcpip goroutine and wakes it if the
// queue was empty. Any goroutine; never blocks.
func (q *rxQueue) Receive(batch []*link.Buffer) {
	q.mu.Lock()
	if q.closed {
		q.dropped += uint64(len(batch))
		q.mu.Unlock()
		for _, b := range batch {
			b.Release()
		}
		return
	}
	first := len(q.frames) == 0
	n := len(batch)
	if room := rxQueueLimit - len(q.frames); n > room {
		for _, b := range batch[room:] {
			b.Release()
		}
		q.dropped += uint64(n - room)
		n = room
	}
	q.frames = append(q.frames, batch[:n]...)
	q.mu.Unlock()
	if first && n > 0 {
		q.stack.task.Wake()
	}
}

// pending reports whether frames wait in q. Any goroutine.
func (q *rxQueue) pending() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames) > 0
}

func (q *rxQueue) take() []*link.Buffer {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.frames) == 0 {
		return nil
	}
	b := q.frames
	q.frames = q.spare[:0]
	q.spare = nil
	return b
}

func (q *rxQueue) giveBack(b []*link.Buffer) {
	if b == nil {
		return
	}
	q.mu.Lock()
	q.spare = b[:0]
	q.mu.Unlock()
}

func (q *rxQueue) open() {
	q.mu.Lock()
	q.closed = false
	q.mu.Unlock()
}

// close drops every queued frame and refuses new ones.
func (q *rxQueue) close() int {
	q.mu.Lock()
	frames := q.frames
	q.frames = nil
	q.closed = true
	q.mu.Unlock()
	for _, b := range frames {
		b.Release()
	}
	return len(frames)
}

func (q *rxQueue) takeDropped() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	d := q.dropped
	q.dropped = 0
	return d
}

// NetifSnapshot describes n as a snapshot value.
func (c *Core) NetifSnapshot(n *Netif) snapshot.Netif { return n.snapshot() }
