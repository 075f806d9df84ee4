package dhcp

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// Server defaults.
const (
	DefaultLeaseTime  = time.Hour
	DefaultOfferHold  = 30 * time.Second
	DefaultQuarantine = 10 * time.Minute
)

// Reservation is a static lease: the address always given to a MAC.
type Reservation struct {
	MAC     wire.MAC
	Address netip.Addr
}

// ServerConfig configures a DHCP server on one netif. The netif's
// address is the server identifier and gives the subnet mask.
type ServerConfig struct {
	// PoolStart and PoolEnd bound the dynamic pool (inclusive), inside
	// the netif's subnet.
	PoolStart, PoolEnd netip.Addr
	// Router and DNS are handed out (options 3 and 6) when set.
	Router netip.Addr
	DNS    []netip.Addr
	// LeaseTime is the lease handed out (0: DefaultLeaseTime); T1 and T2
	// are sent when not zero (options 58, 59).
	LeaseTime, T1, T2 time.Duration
	// Reservations are static leases by MAC; their addresses may be in or
	// out of the pool (but in the subnet).
	Reservations []Reservation
	// OfferHold is how long an offered address is kept for its client
	// (0: DefaultOfferHold); Quarantine how long a declined address is
	// not offered (0: DefaultQuarantine).
	OfferHold, Quarantine time.Duration
}

// leaseState is the state of a row of a server's lease table.
type leaseState uint8

const (
	leaseOffered  leaseState = iota + 1 // held for an OFFER's client
	leaseBound                          // acknowledged
	leaseDeclined                       // quarantined after a DECLINE
)

var leaseStateNames = [...]string{"", "offered", "bound", "declined"}

func (s leaseState) String() string { return leaseStateNames[s] }

type srvLease struct {
	mac      wire.MAC
	addr     netip.Addr
	state    leaseState
	hostname string
	start    time.Duration
	expires  time.Duration
}

// Server is a DHCP server's state for one netif: no goroutine, no clock;
// methods take the time and queue messages to send. Owned by the tcpip
// goroutine.
type Server struct {
	cfg    ServerConfig
	self   netip.Prefix // the netif's address: server id and mask
	byAddr map[netip.Addr]*srvLease
	byMAC  map[wire.MAC]*srvLease
	// recent remembers the address a MAC released, to give it again.
	recent   map[wire.MAC]netip.Addr
	reserved map[wire.MAC]netip.Addr
	isRes    map[netip.Addr]bool
	cursor   netip.Addr
	out      []effect
	stats    serverStats
}

type serverStats struct {
	discovers, offers, requests, acks, naks, releases, declines, informs, malformed, ignored, exhausted uint64
}

// newServer checks cfg against the netif's address self and returns a
// server.
func newServer(cfg ServerConfig, self netip.Prefix) (*Server, error) {
	if !self.IsValid() {
		return nil, fmt.Errorf("dhcp server needs an address on its netif: %w", ErrNoAddress)
	}
	sub := self.Masked()
	if !cfg.PoolStart.Is4() || !cfg.PoolEnd.Is4() || cfg.PoolEnd.Less(cfg.PoolStart) {
		return nil, fmt.Errorf("pool %v-%v: %w", cfg.PoolStart, cfg.PoolEnd, ErrBadConfig)
	}
	if !sub.Contains(cfg.PoolStart) || !sub.Contains(cfg.PoolEnd) {
		return nil, fmt.Errorf("pool %v-%v not in %v: %w", cfg.PoolStart, cfg.PoolEnd, sub, ErrBadConfig)
	}
	if cfg.LeaseTime <= 0 {
		cfg.LeaseTime = DefaultLeaseTime
	}
	if cfg.OfferHold <= 0 {
		cfg.OfferHold = DefaultOfferHold
	}
	if cfg.Quarantine <= 0 {
		cfg.Quarantine = DefaultQuarantine
	}
	s := &Server{
		cfg: cfg, self: self,
		byAddr: make(map[netip.Addr]*srvLease), byMAC: make(map[wire.MAC]*srvLease),
		recent: make(map[wire.MAC]netip.Addr), reserved: make(map[wire.MAC]netip.Addr), isRes: make(map[netip.Addr]bool),
		cursor: cfg.PoolStart,
	}
	for _, r := range cfg.Reservations {
		if !sub.Contains(r.Address) || r.Address == self.Addr() {
			return nil, fmt.Errorf("reservation %v for %v not in %v: %w", r.Address, r.MAC, sub, ErrBadConfig)
		}
		s.reserved[r.MAC] = r.Address
		s.isRes[r.Address] = true
	}
	return s, nil
}

func (s *Server) takeEffects() []effect {
	out := s.out
	s.out = nil
	return out
}

// inPool reports whether a is a dynamic address the server may hand out.
func (s *Server) inPool(a netip.Addr) bool {
	return a.Is4() && !a.Less(s.cfg.PoolStart) && !s.cfg.PoolEnd.Less(a) && a != s.self.Addr() && !s.isRes[a]
}

// lookup returns the live row for a (reclaiming an expired one).
func (s *Server) lookup(now time.Duration, a netip.Addr) *srvLease {
	l := s.byAddr[a]
	if l != nil && l.expires <= now {
		s.drop(l)
		return nil
	}
	return l
}

func (s *Server) drop(l *srvLease) {
	delete(s.byAddr, l.addr)
	if s.byMAC[l.mac] == l {
		delete(s.byMAC, l.mac)
		if l.state == leaseBound {
			s.recent[l.mac] = l.addr
		}
	}
}

// leaseOf returns mac's live row.
func (s *Server) leaseOf(now time.Duration, mac wire.MAC) *srvLease {
	l := s.byMAC[mac]
	if l != nil && l.expires <= now {
		s.drop(l)
		return nil
	}
	return l
}

// usable reports whether a may be given to mac.
func (s *Server) usable(now time.Duration, a netip.Addr, mac wire.MAC) bool {
	if r, ok := s.reserved[mac]; ok {
		return a == r && s.freeFor(now, a, mac)
	}
	return s.inPool(a) && s.freeFor(now, a, mac)
}

func (s *Server) freeFor(now time.Duration, a netip.Addr, mac wire.MAC) bool {
	l := s.lookup(now, a)
	return l == nil || l.mac == mac && l.state != leaseDeclined
}

// allocate picks mac's address: its reservation, its lease, the address
// it had, the one it asks for, or the next free one of the pool.
func (s *Server) allocate(now time.Duration, mac wire.MAC, requested netip.Addr) (netip.Addr, bool) {
	if r, ok := s.reserved[mac]; ok {
		return r, s.freeFor(now, r, mac)
	}
	if l := s.leaseOf(now, mac); l != nil {
		return l.addr, true
	}
	if a, ok := s.recent[mac]; ok && s.usable(now, a, mac) {
		return a, true
	}
	if requested.IsValid() && s.usable(now, requested, mac) {
		return requested, true
	}
	a := s.cursor
	for {
		if s.usable(now, a, mac) {
			s.cursor = a
			return a, true
		}
		if a = a.Next(); !a.IsValid() || s.cfg.PoolEnd.Less(a) {
			a = s.cfg.PoolStart
		}
		if a == s.cursor {
			return netip.Addr{}, false
		}
	}
}

// hold records mac's row for a in state st until expires.
func (s *Server) hold(now time.Duration, mac wire.MAC, a netip.Addr, st leaseState, d time.Duration, host string) {
	if old := s.byMAC[mac]; old != nil && old.addr != a {
		s.drop(old)
	}
	l := s.byAddr[a]
	if l == nil {
		l = &srvLease{addr: a}
		s.byAddr[a] = l
	}
	if s.byMAC[l.mac] == l && l.mac != mac {
		delete(s.byMAC, l.mac)
	}
	l.mac, l.state, l.start, l.expires = mac, st, now, now+d
	if host != "" {
		l.hostname = host
	}
	s.byMAC[mac] = l
	delete(s.recent, mac)
}

// handle handles a client message's bytes.
func (s *Server) handle(now time.Duration, b []byte) {
	m, err := decode(b)
	if err != nil {
		s.stats.malformed++
		return
	}
	if m.op != dhcpv4.OpcodeBootRequest {
		s.stats.ignored++
		return
	}
	switch m.typ {
	case dhcpv4.MessageTypeDiscover:
		s.discover(now, m)
	case dhcpv4.MessageTypeRequest:
		s.request(now, m)
	case dhcpv4.MessageTypeRelease:
		s.stats.releases++
		if l := s.leaseOf(now, m.chaddr); l != nil && l.addr == m.ciaddr && (!m.server.IsValid() || m.server == s.self.Addr()) {
			l.state = leaseBound
			s.drop(l)
		}
	case dhcpv4.MessageTypeDecline:
		s.stats.declines++
		if m.server.IsValid() && m.server != s.self.Addr() {
			return
		}
		if l := s.leaseOf(now, m.chaddr); l != nil && l.addr == m.requested {
			delete(s.byMAC, m.chaddr)
			l.mac, l.state, l.start, l.expires, l.hostname = wire.MAC{}, leaseDeclined, now, now+s.cfg.Quarantine, ""
		}
	case dhcpv4.MessageTypeInform:
		s.stats.informs++
		p := s.reply(m, dhcpv4.MessageTypeAck, netip.Addr{}, false)
		s.send(p, m, false)
	default:
		s.stats.ignored++
	}
}

func (s *Server) discover(now time.Duration, m *message) {
	s.stats.discovers++
	a, ok := s.allocate(now, m.chaddr, m.requested)
	if !ok {
		s.stats.exhausted++
		return
	}
	// A held OFFER (RFC 2131 section 4.3.1): the address is kept for the
	// client a short time; a bound lease stays bound.
	if l := s.byMAC[m.chaddr]; l == nil || l.addr != a || l.state != leaseBound {
		s.hold(now, m.chaddr, a, leaseOffered, s.cfg.OfferHold, m.hostname)
	}
	s.stats.offers++
	s.send(s.reply(m, dhcpv4.MessageTypeOffer, a, true), m, false)
}

// request answers a REQUEST in any of the client's states (RFC 2131
// section 4.3.2), as an authoritative server: an address it can give is
// acknowledged, even without a record (after a restart), one it cannot
// is refused.
func (s *Server) request(now time.Duration, m *message) {
	s.stats.requests++
	var a netip.Addr
	switch {
	case m.server.IsValid(): // SELECTING
		if m.server != s.self.Addr() {
			// The client chose another server: free the offer.
			if l := s.leaseOf(now, m.chaddr); l != nil && l.state == leaseOffered {
				s.drop(l)
			}
			return
		}
		a = m.requested
	case m.ciaddr.IsUnspecified(): // INIT-REBOOT
		a = m.requested
		if !s.self.Masked().Contains(a) {
			s.nak(m)
			return
		}
	default: // RENEWING, REBINDING
		a = m.ciaddr
	}
	if !a.IsValid() || !s.usable(now, a, m.chaddr) {
		s.nak(m)
		return
	}
	s.hold(now, m.chaddr, a, leaseBound, s.cfg.LeaseTime, m.hostname)
	s.stats.acks++
	s.send(s.reply(m, dhcpv4.MessageTypeAck, a, true), m, false)
}

func (s *Server) nak(m *message) {
	s.stats.naks++
	p := newPacket(dhcpv4.OpcodeBootReply, dhcpv4.MessageTypeNak, m.xid, m.chaddr)
	p.GatewayIPAddr = netIP(m.giaddr)
	p.UpdateOption(dhcpv4.OptServerIdentifier(netIP(s.self.Addr())))
	s.send(p, m, true)
}

// reply builds an OFFER or ACK of a (zero for an INFORM's ACK) with the
// options the server hands out.
func (s *Server) reply(m *message, typ dhcpv4.MessageType, a netip.Addr, lease bool) *dhcpv4.DHCPv4 {
	p := newPacket(dhcpv4.OpcodeBootReply, typ, m.xid, m.chaddr)
	p.Flags = 0
	if m.broadcast {
		p.SetBroadcast()
	}
	p.ClientIPAddr = netIP(m.ciaddr)
	p.YourIPAddr = netIP(a)
	p.GatewayIPAddr = netIP(m.giaddr)
	p.ServerIPAddr = netIP(s.self.Addr())
	p.UpdateOption(dhcpv4.OptServerIdentifier(netIP(s.self.Addr())))
	p.Options[dhcpv4.OptionSubnetMask.Code()] = net.CIDRMask(s.self.Bits(), 32)
	if s.cfg.Router.IsValid() {
		p.UpdateOption(dhcpv4.OptRouter(netIP(s.cfg.Router)))
	}
	if len(s.cfg.DNS) > 0 {
		p.UpdateOption(dhcpv4.OptDNS(netIPs(s.cfg.DNS)...))
	}
	if lease {
		p.Options[dhcpv4.OptionIPAddressLeaseTime.Code()] = seconds(s.cfg.LeaseTime)
		if s.cfg.T1 > 0 {
			p.Options[dhcpv4.OptionRenewTimeValue.Code()] = seconds(s.cfg.T1)
		}
		if s.cfg.T2 > 0 {
			p.Options[dhcpv4.OptionRebindingTimeValue.Code()] = seconds(s.cfg.T2)
		}
	}
	return p
}

// send queues a reply to where RFC 2131 section 4.1 says: the relay
// (giaddr), else a broadcast for a NAK, else ciaddr, else a broadcast
// (netlab never sends to an address its owner cannot answer ARP for).
func (s *Server) send(p *dhcpv4.DHCPv4, m *message, isNak bool) {
	dst := broadcast
	switch {
	case !m.giaddr.IsUnspecified():
		dst = m.giaddr
	case isNak:
	case !m.ciaddr.IsUnspecified():
		dst = m.ciaddr
	}
	e := effect{kind: effSend, payload: p.ToBytes(), src: s.self.Addr(), dst: dst}
	if !m.giaddr.IsUnspecified() {
		e.addr = m.giaddr // to the relay's server port
	}
	s.out = append(s.out, e)
}

// nextExpiry returns the earliest end of a row, 0 when none.
func (s *Server) nextExpiry() time.Duration {
	var at time.Duration
	for _, l := range s.byAddr {
		if at == 0 || l.expires < at {
			at = l.expires
		}
	}
	return at
}

// reclaim drops every row that has ended by now.
func (s *Server) reclaim(now time.Duration) {
	for _, l := range s.byAddr {
		if l.expires <= now {
			s.drop(l)
		}
	}
}

// snapshot describes the server and its lease table, by address.
func (s *Server) snapshot() snapshot.DHCPServer {
	out := snapshot.DHCPServer{
		PoolStart: s.cfg.PoolStart, PoolEnd: s.cfg.PoolEnd,
		Discovers: s.stats.discovers, Offers: s.stats.offers, Requests: s.stats.requests, Acks: s.stats.acks,
		Naks: s.stats.naks, Releases: s.stats.releases, Declines: s.stats.declines, Informs: s.stats.informs,
		Malformed: s.stats.malformed, Ignored: s.stats.ignored, Exhausted: s.stats.exhausted,
	}
	out.Leases = make([]snapshot.DHCPLease, 0, len(s.byAddr))
	for _, l := range s.byAddr {
		st := l.state.String()
		if l.state == leaseBound && s.isRes[l.addr] {
			st = "static"
		}
		out.Leases = append(out.Leases, snapshot.DHCPLease{
			MAC: l.mac, Address: netip.PrefixFrom(l.addr, s.self.Bits()), State: st,
			Hostname: l.hostname, Start: l.start, Expires: l.expires,
		})
	}
	slices.SortFunc(out.Leases, func(a, b snapshot.DHCPLease) int { return cmp.Compare(a.Address.Addr().Compare(b.Address.Addr()), 0) })
	return out
}
