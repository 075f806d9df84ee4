package core

import (
	"fmt"
	"net/netip"
	"sort"
	"time"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// ARP timing and limits, after lwIP's etharp.c and RFC 1122 section 2.3.2.
const (
	arpReachable   = 30 * time.Second  // a confirmed entry is reachable this long, then stale
	arpMaxAge      = 300 * time.Second // a stale entry not confirmed again is removed (ARP_MAXAGE)
	arpRetry       = time.Second       // between requests for an incomplete entry
	arpMaxTries    = 3                 // requests before resolution fails
	arpQueuePerHop = 3                 // packets queued per incomplete entry (ARP_QUEUE_LEN)
	arpQueueTotal  = 64                // packets queued in all
	arpMaxEntries  = 512
)

type arpKey struct {
	netif int
	addr  netip.Addr
}

type arpEntry struct {
	addr      netip.Addr
	mac       wire.MAC
	netif     *Netif
	state     snapshot.ARPState
	confirmed time.Duration // when the mapping was last confirmed
	nextTry   time.Duration // when the next request is due (incomplete, refreshing)
	tries     int
	queue     [][]byte // frames waiting for the MAC, with room for the header
}

// arpCache is the ARP cache. Owned by the tcpip goroutine.
type arpCache struct {
	c       *Core
	entries map[arpKey]*arpEntry
	queued  int
	age     *Timer
	dynamic int
	frame   [wire.EthernetHeaderLen + wire.ARPLen]byte
}

func (a *arpCache) init(c *Core) {
	a.c = c
	a.entries = make(map[arpKey]*arpEntry)
	a.age = c.NewTimer("arp age", "core", func(c *Core) { c.arp.tick() })
}

// resolveAndSend sends frame (an IPv4 packet after 14 bytes of room) to
// next hop hop on n, asking ARP first if needed (lwIP's etharp_output).
func (a *arpCache) resolveAndSend(n *Netif, hop netip.Addr, frame []byte) {
	c := a.c
	if hop == netip.IPv4Unspecified() || hop.As4() == [4]byte{255, 255, 255, 255} || isDirectedBroadcast(n, hop) {
		n.etherOutput(wire.BroadcastMAC, wire.EtherTypeIPv4, frame)
		return
	}
	if hop.IsMulticast() {
		b := hop.As4()
		mac := wire.MAC{0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3]} // RFC 1112 section 6.4
		n.etherOutput(mac, wire.EtherTypeIPv4, frame)
		return
	}
	e := a.entries[arpKey{n.index, hop}]
	if e != nil && e.state != snapshot.ARPIncomplete {
		if e.state == snapshot.ARPStale && c.now >= e.nextTry {
			// Confirm a stale mapping with a unicast request (RFC 1122
			// section 2.3.2.1), still using it meanwhile.
			e.nextTry = c.now + arpRetry
			a.request(n, hop, e.mac)
		}
		n.etherOutput(e.mac, wire.EtherTypeIPv4, frame)
		return
	}
	if e == nil {
		if len(a.entries) >= arpMaxEntries && !a.evict() {
			n.dropped(dropARPQueueFull)
			c.count(cntARPQueueDrops)
			return
		}
		e = &arpEntry{addr: hop, netif: n, state: snapshot.ARPIncomplete, nextTry: c.now + arpRetry, tries: 1}
		a.entries[arpKey{n.index, hop}] = e
		a.dynamicChanged(1)
		c.stateEvent(n, "ARP %v incomplete", hop, nil)
		a.request(n, hop, wire.MAC{})
	}
	if len(e.queue) >= arpQueuePerHop || a.queued >= arpQueueTotal {
		n.dropped(dropARPQueueFull)
		c.count(cntARPQueueDrops)
		return
	}
	e.queue = append(e.queue, append([]byte(nil), frame...))
	a.queued++
}

func isDirectedBroadcast(n *Netif, a netip.Addr) bool {
	if !n.addr.IsValid() || n.addr.Bits() >= 31 || !n.addr.Contains(a) {
		return false
	}
	return a == lastAddr(n.addr)
}

// lastAddr is the all-ones host address of p (its directed broadcast).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// request sends an ARP request for target on n; to a known MAC it is
// unicast (a refresh), otherwise broadcast.
func (a *arpCache) request(n *Netif, target netip.Addr, to wire.MAC) {
	if !n.addr.IsValid() {
		return
	}
	if to.IsZero() {
		to = wire.BroadcastMAC
	}
	a.send(n, to, wire.ARPRequest, n.addr.Addr(), wire.MAC{}, target)
	a.c.count(cntARPRequestsOut)
}

func (a *arpCache) send(n *Netif, dst wire.MAC, op uint16, senderIP netip.Addr, targetMAC wire.MAC, targetIP netip.Addr) {
	f := a.frame[:]
	wire.EncodeARP(f[wire.EthernetHeaderLen:], op, n.mac, senderIP, targetMAC, targetIP)
	n.etherOutput(dst, wire.EtherTypeARP, f)
}

// gratuitous announces n's address (RFC 5227 section 2.3) so that
// neighbours update their caches.
func (a *arpCache) gratuitous(n *Netif) {
	if n.loopback || !n.Usable() || !n.addr.IsValid() {
		return
	}
	a.send(n, wire.BroadcastMAC, wire.ARPRequest, n.addr.Addr(), wire.MAC{}, n.addr.Addr())
	a.c.count(cntARPGratuitousOut)
}

// ARPProbe sends an RFC 5227 probe for addr on n: a request with a zero
// sender address. A reply or a probe for the same address from someone
// else reaches the address-conflict hooks.
func (c *Core) ARPProbe(n *Netif, addr netip.Addr) {
	c.assertOnLoop()
	if !n.Usable() {
		return
	}
	c.arp.send(n, wire.BroadcastMAC, wire.ARPRequest, netip.IPv4Unspecified(), wire.MAC{}, addr)
	c.count(cntARPRequestsOut)
}

// input handles an ARP packet (RFC 826 "packet reception").
func (a *arpCache) input(n *Netif, pkt []byte) {
	c := a.c
	c.count(cntARPIn)
	m := wire.ARP(pkt)
	if m.Validate() != nil {
		n.dropped(dropARPMalformed)
		return
	}
	sip, smac, tip := m.SenderIP(), m.SenderMAC(), m.TargetIP()
	if smac == n.mac {
		return // our own frame looped back by a switch
	}
	if smac.IsMulticast() {
		// No host is at a broadcast or multicast address (RFC 1812
		// section 3.3.2): believing one turns unicast into floods.
		n.dropped(dropARPMalformed)
		return
	}
	if n.addr.IsValid() && sip == n.addr.Addr() || n.probing(sip) || sip.IsUnspecified() && n.probing(tip) {
		c.count(cntARPConflicts)
		c.stateEvent(n, "address conflict: %v is used by %v", sip, smac)
		for _, fn := range c.hooks.conflict {
			fn(c, n, sipOr(sip, tip), smac)
		}
		if sip == n.addr.Addr() {
			return
		}
	}
	forUs := n.addr.IsValid() && tip == n.addr.Addr()
	if sip.IsValid() && !sip.IsUnspecified() {
		a.update(n, sip, smac, forUs)
	}
	if forUs && m.Op() == wire.ARPRequest {
		a.send(n, smac, wire.ARPReply, n.addr.Addr(), smac, sip)
		c.count(cntARPRepliesOut)
	}
}

func sipOr(sip, tip netip.Addr) netip.Addr {
	if sip.IsUnspecified() {
		return tip
	}
	return sip
}

// probing reports whether a protocol on n is probing for addr.
func (n *Netif) probing(addr netip.Addr) bool {
	return n.probe.IsValid() && n.probe == addr
}

// SetProbing marks addr as the address a protocol on n is probing for
// (RFC 5227): ARP from another host claiming it reaches the
// address-conflict hooks. A zero addr ends probing.
func (c *Core) SetProbing(n *Netif, addr netip.Addr) {
	c.assertOnLoop()
	n.probe = addr
}

// update merges a mapping learnt from the wire. A new entry is only made
// when we are the target (RFC 826); an existing one is refreshed.
func (a *arpCache) update(n *Netif, ip netip.Addr, mac wire.MAC, create bool) {
	c := a.c
	k := arpKey{n.index, ip}
	e := a.entries[k]
	if e == nil {
		if !create || len(a.entries) >= arpMaxEntries && !a.evict() {
			return
		}
		e = &arpEntry{addr: ip, netif: n}
		a.entries[k] = e
		a.dynamicChanged(1)
	}
	if e.state == snapshot.ARPStatic {
		return
	}
	if e.state != snapshot.ARPReachable || e.mac != mac {
		c.stateEvent(n, "ARP %v reachable at %v", ip, mac)
	}
	e.mac, e.state, e.confirmed, e.tries = mac, snapshot.ARPReachable, c.now, 0
	e.nextTry = 0
	queue := e.queue
	e.queue = nil
	a.queued -= len(queue)
	for _, f := range queue {
		n.etherOutput(mac, wire.EtherTypeIPv4, f)
	}
}

// tick runs every second while the cache has dynamic entries (lwIP's
// etharp_tmr): retries, failures, aging. It also runs when an incomplete
// entry's next request is due, so that requests go exactly arpRetry apart
// whatever the phase of the one-second ticks.
func (a *arpCache) tick() {
	defer a.rearm()
	c := a.c
	for _, k := range a.sortedKeys() {
		e := a.entries[k]
		switch e.state {
		case snapshot.ARPIncomplete:
			if c.now < e.nextTry {
				continue
			}
			if e.tries >= arpMaxTries {
				a.fail(k, e)
				continue
			}
			e.tries++
			e.nextTry = c.now + arpRetry
			a.request(e.netif, e.addr, wire.MAC{})
		case snapshot.ARPReachable:
			if c.now-e.confirmed >= arpReachable {
				e.state = snapshot.ARPStale
				c.stateEvent(e.netif, "ARP %v stale", e.addr, nil)
			}
		case snapshot.ARPStale:
			if c.now-e.confirmed >= arpMaxAge {
				delete(a.entries, k)
				a.dynamicChanged(-1)
				c.stateEvent(e.netif, "ARP %v expired", e.addr, nil)
			}
		}
	}
}

// fail ends an incomplete entry: its queued packets are dropped and their
// senders learn that the host is unreachable.
func (a *arpCache) fail(k arpKey, e *arpEntry) {
	c := a.c
	delete(a.entries, k)
	a.dynamicChanged(-1)
	c.count(cntARPFailed)
	c.stateEvent(e.netif, "ARP %v failed after %d requests", e.addr, e.tries)
	a.queued -= len(e.queue)
	for _, f := range e.queue {
		e.netif.dropped(dropARPFailed)
		c.unreachable(e.netif, f[wire.EthernetHeaderLen:], ErrHostUnreach)
	}
}

func (a *arpCache) dynamicChanged(d int) {
	a.dynamic += d
	c := a.c
	if a.dynamic > 0 && !a.age.Armed() {
		c.ResetTimer(a.age, c.now+time.Second)
	} else if a.dynamic == 0 {
		c.StopTimer(a.age)
	}
}

// rearm arms the aging timer (a one-shot timer) for the next tick: a
// second from now, or sooner when an incomplete entry's next request is
// due then.
func (a *arpCache) rearm() {
	c := a.c
	if a.dynamic == 0 {
		c.StopTimer(a.age)
		return
	}
	at := c.now + time.Second
	for _, e := range a.entries {
		if e.state == snapshot.ARPIncomplete && e.nextTry < at {
			at = e.nextTry
		}
	}
	c.ResetTimer(a.age, at)
}

// evict removes the oldest stale entry to make room; false if none.
func (a *arpCache) evict() bool {
	var oldest *arpEntry
	var ok arpKey
	for k, e := range a.entries {
		if e.state == snapshot.ARPStale && (oldest == nil || e.confirmed < oldest.confirmed || e.confirmed == oldest.confirmed && k.addr.Less(ok.addr)) {
			oldest, ok = e, k
		}
	}
	if oldest == nil {
		return false
	}
	delete(a.entries, ok)
	a.dynamicChanged(-1)
	return true
}

func (a *arpCache) sortedKeys() []arpKey {
	keys := make([]arpKey, 0, len(a.entries))
	for k := range a.entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].netif != keys[j].netif {
			return keys[i].netif < keys[j].netif
		}
		return keys[i].addr.Less(keys[j].addr)
	})
	return keys
}

// flushNetif drops the entries of n: all of them when it is removed, the
// learnt ones when it goes down (static entries are configuration and
// stay, as on Linux).
func (a *arpCache) flushNetif(n *Netif, keepStatic bool) {
	// The order does not matter (only counters change), so the map is
	// walked as it is: no sorted copy of its keys on every remove.
	for k, e := range a.entries {
		if k.netif != n.index {
			continue
		}
		if keepStatic && e.state == snapshot.ARPStatic {
			continue
		}
		a.queued -= len(e.queue)
		for range e.queue {
			n.dropped(dropNetifDown)
		}
		delete(a.entries, k)
		if e.state != snapshot.ARPStatic {
			a.dynamicChanged(-1)
		}
	}
}

// AddStaticARP adds a permanent mapping of addr to mac on n.
func (c *Core) AddStaticARP(n *Netif, addr netip.Addr, mac wire.MAC) error {
	c.assertOnLoop()
	if !addr.Is4() {
		return fmt.Errorf("static ARP %v: not IPv4: %w", addr, ErrInvalid)
	}
	k := arpKey{n.index, addr}
	if e := c.arp.entries[k]; e != nil && e.state != snapshot.ARPStatic {
		c.arp.queued -= len(e.queue)
		delete(c.arp.entries, k)
		c.arp.dynamicChanged(-1)
		defer func() {
			for _, f := range e.queue {
				n.etherOutput(mac, wire.EtherTypeIPv4, f)
			}
		}()
	}
	c.arp.entries[k] = &arpEntry{addr: addr, mac: mac, netif: n, state: snapshot.ARPStatic}
	c.stateEvent(n, "ARP %v static at %v", addr, mac)
	return nil
}

// RemoveARP removes the entry for addr on n, static or not.
func (c *Core) RemoveARP(n *Netif, addr netip.Addr) error {
	c.assertOnLoop()
	k := arpKey{n.index, addr}
	e := c.arp.entries[k]
	if e == nil {
		return fmt.Errorf("ARP entry %v on %s: %w", addr, n.name, ErrNotFound)
	}
	c.arp.queued -= len(e.queue)
	delete(c.arp.entries, k)
	if e.state != snapshot.ARPStatic {
		c.arp.dynamicChanged(-1)
	}
	return nil
}

// ARPEntries returns the ARP cache, sorted by netif and address.
func (c *Core) ARPEntries() []snapshot.ARPEntry {
	var out []snapshot.ARPEntry
	for _, k := range c.arp.sortedKeys() {
		e := c.arp.entries[k]
		s := snapshot.ARPEntry{Address: e.addr, MAC: e.mac, Netif: e.netif.name, State: e.state, Queued: len(e.queue), Tries: e.tries}
		switch e.state {
		case snapshot.ARPIncomplete:
			s.Expires = e.nextTry
		case snapshot.ARPReachable:
			s.Expires = e.confirmed + arpReachable
		case snapshot.ARPStale:
			s.Expires = e.confirmed + arpMaxAge
		}
		out = append(out, s)
	}
	return out
}
