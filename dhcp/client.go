package dhcp

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// ClientState is a DHCP client's state (RFC 2131 section 4.4, figure 5),
// named as lwIP names them.
type ClientState uint8

// The client's states.
const (
	Off        ClientState = iota // not running
	Init                          // about to discover (waits here while the link is down)
	Selecting                     // DISCOVER sent, waiting for an OFFER
	Requesting                    // REQUEST for an offer sent, waiting for ACK or NAK
	Checking                      // ACK received, ARP-probing the address (RFC 5227)
	Bound                         // address configured, waiting for T1
	Renewing                      // T1 passed: REQUEST unicast to the server
	Rebinding                     // T2 passed: REQUEST broadcast to any server
	InitReboot                    // about to ask for the last address again
	Rebooting                     // REQUEST for the last address sent
	BackingOff                    // waiting after a DECLINE before discovering again
	Informing                     // INFORM sent for options, the address set by hand
)

var clientStateNames = [...]string{"off", "init", "selecting", "requesting", "checking", "bound", "renewing", "rebinding", "init-reboot", "rebooting", "backing-off", "informing"}

// String returns the state's name ("init-reboot").
func (s ClientState) String() string {
	if int(s) < len(clientStateNames) {
		return clientStateNames[s]
	}
	return fmt.Sprintf("state-%d", int(s))
}

// hasLease reports whether the client holds a lease in state s.
func (s ClientState) hasLease() bool { return s == Bound || s == Renewing || s == Rebinding }

// Client timing (RFC 2131 sections 3.1, 4.1, 4.4.5; RFC 5227 section 2.1
// shortened as lwIP shortens it).
const (
	retransmitFirst = 4 * time.Second  // first retransmission delay
	retransmitMax   = 64 * time.Second // delays double up to this
	retransmitFuzz  = time.Second      // delays are randomised by +-1s
	renewMin        = 60 * time.Second // shortest wait between renewals
	requestTries    = 4                // REQUESTs before discovering again
	rebootTries     = 2                // REQUESTs in REBOOTING before discovering
	informTries     = 4                // INFORMs before giving up
	declineWait     = 10 * time.Second // back-off after a DECLINE (RFC 2131 3.1.5)
	// DefaultProbes and DefaultProbeInterval are how often and how far
	// apart the CHECKING state ARP-probes the offered address; the
	// address is bound one interval after the last probe.
	DefaultProbes        = 2
	DefaultProbeInterval = time.Second
)

// ClientConfig configures a DHCP client.
type ClientConfig struct {
	// Hostname is sent in option 12, when not empty.
	Hostname string
	// ClientID is sent in option 61; nil sends type 1 and the MAC
	// (RFC 2132 section 9.14).
	ClientID []byte
	// Requested is an address to ask for first (INIT-REBOOT), as after a
	// restart with a remembered lease.
	Requested netip.Addr
	// Probes is how many ARP probes CHECKING sends (0: DefaultProbes;
	// negative: none, bind at once); ProbeInterval how far apart (0:
	// DefaultProbeInterval).
	Probes        int
	ProbeInterval time.Duration
	// NoRoute keeps the router option from being installed as the
	// default route.
	NoRoute bool
	// Seed is mixed into the client's random source (xids, jitter),
	// which is otherwise seeded from the stack, netif and MAC, so that
	// runs replay.
	Seed uint64
}

// timer kinds, one core timer each.
const (
	tmRetransmit = iota
	tmT1
	tmT2
	tmLease
	numTimers
)

var timerNames = [numTimers]string{"dhcp retransmit", "dhcp t1", "dhcp t2", "dhcp lease"}

// leaseData is what an ACK gave: the data of BOUND, RENEWING, REBINDING.
type leaseData struct {
	addr              netip.Prefix
	server            netip.Addr
	router            netip.Addr
	dns               []netip.Addr
	lease, t1, t2     time.Duration
	infinite          bool
	start             time.Duration // when the acknowledged REQUEST was sent
	t1At, t2At, endAt time.Duration
}

// offerData is the data of REQUESTING: the offer being requested.
type offerData struct {
	addr   netip.Addr
	server netip.Addr
}

// checkData is the data of CHECKING: the acknowledged lease on probation.
type checkData struct {
	lease  leaseData
	probes int
}

// effectKind says what an effect asks the driver to do.
type effectKind uint8

const (
	effSend        effectKind = iota + 1 // send payload from src to dst
	effConfigure                         // set the address (and default route)
	effUnconfigure                       // clear the address (and default route)
	effProbe                             // send an ARP probe for addr
	effProbing                           // mark addr (zero: none) as probed for
)

// effect is one thing the client asks its driver to do: the machine
// itself touches nothing but its own fields.
type effect struct {
	kind     effectKind
	payload  []byte
	src, dst netip.Addr
	prefix   netip.Prefix
	router   netip.Addr
	addr     netip.Addr
}

// Client is a DHCP client's state machine for one netif. It has no
// goroutine and no clock: every method takes the time, changes the
// machine and queues effects (messages to send, address changes, ARP
// probes) that the driver applies; deadlines says when to call it back.
// Owned by the tcpip goroutine.
type Client struct {
	cfg   ClientConfig
	mac   wire.MAC
	rng   *rand.Rand
	state ClientState
	// linkOK is whether the netif can carry traffic.
	linkOK bool
	xid    uint32
	tries  int
	// since is when the current exchange began (the secs field).
	since time.Duration
	// sentAt is when the last REQUEST was sent (a lease starts then).
	sentAt time.Duration

	// Per-state data: offer in REQUESTING, check in CHECKING, lease in
	// BOUND, RENEWING, REBINDING (and kept through INIT-REBOOT and
	// REBOOTING while the address stays configured).
	offer offerData
	check checkData
	lease leaseData
	// informed holds the options an INFORM's ACK gave.
	informed leaseData
	// last is the address to ask for in INIT-REBOOT.
	last netip.Addr
	// configured is what the client set on the netif, and the default
	// route it asked for.
	configured netip.Prefix
	router     netip.Addr

	// deadlines are the clock times of the client's timers, 0 when not
	// armed.
	deadlines [numTimers]time.Duration
	out       []effect
	stats     clientStats
}

type clientStats struct {
	sent, received, malformed, ignored, naks, declines, renewals, rebinds, expiries uint64
}

// newClient returns a client in state OFF.
func newClient(cfg ClientConfig, mac wire.MAC, seed uint64) *Client {
	if cfg.Probes == 0 {
		cfg.Probes = DefaultProbes
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = DefaultProbeInterval
	}
	seed ^= cfg.Seed
	return &Client{cfg: cfg, mac: mac, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// State returns the client's state.
func (c *Client) State() ClientState { return c.state }

func (c *Client) takeEffects() []effect {
	out := c.out
	c.out = nil
	return out
}

// start starts the client: INIT-REBOOT when it has an address to ask for
// again, INIT otherwise; it sends at once when the link is up.
func (c *Client) start(now time.Duration, linkOK bool) {
	c.linkOK = linkOK
	if c.cfg.Requested.IsValid() && !c.last.IsValid() {
		c.last = c.cfg.Requested
	}
	if c.last.IsValid() {
		c.state = InitReboot
	} else {
		c.state = Init
	}
	c.kick(now)
}

// kick leaves INIT or INIT-REBOOT by sending, when the link allows.
func (c *Client) kick(now time.Duration) {
	if !c.linkOK {
		return
	}
	switch c.state {
	case Init:
		c.discover(now)
	case InitReboot:
		c.reboot(now)
	}
}

// stop cancels everything: timers, probing, the address. It keeps the
// leased address to ask for again on the next start.
func (c *Client) stop() {
	if c.state == Checking {
		c.out = append(c.out, effect{kind: effProbing})
	}
	if c.state.hasLease() || c.state == Rebooting || c.state == InitReboot {
		if c.lease.addr.IsValid() {
			c.last = c.lease.addr.Addr()
		}
	}
	c.unconfigure()
	c.state = Off
	c.deadlines = [numTimers]time.Duration{}
}

// release sends RELEASE for a held lease (RFC 2131 section 4.4.6), then
// stops and forgets the address.
func (c *Client) release(now time.Duration) {
	if c.state.hasLease() || c.state == Rebooting && c.configured.IsValid() {
		p := c.packet(dhcpv4.MessageTypeRelease, c.newXID(), now)
		p.ClientIPAddr = netIP(c.lease.addr.Addr())
		p.UpdateOption(dhcpv4.OptServerIdentifier(netIP(c.lease.server)))
		c.send(p, c.lease.addr.Addr(), c.lease.server)
	}
	c.stop()
	c.last = netip.Addr{}
	c.lease = leaseData{}
}

// renew starts renewing a held lease now (lwIP's dhcp_renew).
func (c *Client) renew(now time.Duration) error {
	if !c.state.hasLease() {
		return fmt.Errorf("client is %v: %w", c.state, ErrNotBound)
	}
	c.state = Renewing
	c.tries = 0
	c.xid = c.newXID()
	c.since = now
	c.sendRenew(now)
	return nil
}

// inform asks for options for an address set by hand (RFC 2131 section
// 3.4).
func (c *Client) inform(now time.Duration, addr netip.Prefix, linkOK bool) {
	c.stop()
	c.linkOK = linkOK
	c.state = Informing
	c.informed = leaseData{addr: addr}
	c.tries = 0
	c.xid = c.newXID()
	c.since = now
	c.sendInform(now)
}

// link tells the client that the netif became usable or not. Coming up
// restarts from INIT-REBOOT when the client held (or was confirming) an
// address, from INIT otherwise, as lwIP's dhcp_network_changed does.
func (c *Client) link(now time.Duration, up bool) {
	if c.linkOK == up {
		return
	}
	c.linkOK = up
	if !up {
		// Nothing can be sent: stop retransmitting. Lease timers go on.
		if c.state == Checking {
			c.out = append(c.out, effect{kind: effProbing})
			c.last = c.check.lease.addr.Addr()
			c.state = InitReboot
		}
		if c.state != Off && c.state != Informing {
			c.deadlines[tmRetransmit] = 0
		}
		return
	}
	switch c.state {
	case Off:
	case Informing:
		c.tries = 0
		c.sendInform(now)
	case Bound, Renewing, Rebinding, Rebooting, InitReboot:
		if c.lease.addr.IsValid() {
			c.last = c.lease.addr.Addr()
		}
		if c.last.IsValid() {
			c.state = InitReboot
		} else {
			c.state = Init
		}
		c.kick(now)
	default:
		c.state = Init
		c.kick(now)
	}
}

// conflict tells the client that ARP showed another host using addr.
func (c *Client) conflict(now time.Duration, addr netip.Addr) {
	if c.state != Checking || addr != c.check.lease.addr.Addr() {
		return
	}
	// RFC 2131 section 3.1.5: DECLINE, then wait before starting again.
	c.out = append(c.out, effect{kind: effProbing})
	p := c.packet(dhcpv4.MessageTypeDecline, c.xid, now)
	p.UpdateOption(dhcpv4.OptServerIdentifier(netIP(c.check.lease.server)))
	p.UpdateOption(dhcpv4.OptRequestedIPAddress(netIP(addr)))
	c.send(p, netip.IPv4Unspecified(), broadcast)
	c.stats.declines++
	c.last = netip.Addr{}
	c.check = checkData{}
	c.state = BackingOff
	c.deadlines = [numTimers]time.Duration{}
	c.deadlines[tmRetransmit] = now + declineWait
}

// timer runs the client's timer kind k, due at now.
func (c *Client) timer(now time.Duration, k int) {
	c.deadlines[k] = 0
	switch k {
	case tmRetransmit:
		c.retransmit(now)
	case tmT1:
		if c.state == Bound {
			c.state = Renewing
			c.tries = 0
			c.xid = c.newXID()
			c.since = now
			c.sendRenew(now)
		}
	case tmT2:
		if c.state == Bound || c.state == Renewing {
			c.state = Rebinding
			c.tries = 0
			c.xid = c.newXID()
			c.since = now
			c.sendRenew(now)
		}
	case tmLease:
		// RFC 2131 section 4.4.5: the lease ended, the address goes.
		c.stats.expiries++
		c.last = netip.Addr{}
		c.lease = leaseData{}
		c.unconfigure()
		c.deadlines = [numTimers]time.Duration{}
		c.state = Init
		c.kick(now)
	}
}

func (c *Client) retransmit(now time.Duration) {
	if !c.linkOK {
		return
	}
	switch c.state {
	case Init, InitReboot:
		c.kick(now)
	case Selecting:
		c.sendDiscover(now)
	case Requesting:
		if c.tries >= requestTries {
			c.discover(now)
			return
		}
		c.sendRequest(now)
	case Rebooting:
		if c.tries >= rebootTries {
			c.unconfigure()
			c.lease = leaseData{}
			c.last = netip.Addr{}
			c.deadlines = [numTimers]time.Duration{}
			c.discover(now)
			return
		}
		c.sendReboot(now)
	case Checking:
		if c.check.probes < c.cfg.Probes {
			c.probe(now)
			return
		}
		c.out = append(c.out, effect{kind: effProbing})
		c.bind(now, c.check.lease)
	case Renewing, Rebinding:
		c.sendRenew(now)
	case BackingOff:
		c.state = Init
		c.discover(now)
	case Informing:
		if c.tries < informTries {
			c.sendInform(now)
		}
	}
}

// backoff is the wait before retransmission number tries (RFC 2131
// section 4.1: 4s, 8s, ... 64s, each +-1s at random).
func (c *Client) backoff(tries int) time.Duration {
	d := retransmitFirst
	for i := 1; i < tries && d < retransmitMax; i++ {
		d *= 2
	}
	d = min(d, retransmitMax)
	return d + time.Duration(c.rng.Int64N(int64(2*retransmitFuzz/time.Millisecond)+1))*time.Millisecond - retransmitFuzz
}

func (c *Client) newXID() uint32 { return c.rng.Uint32() }

func (c *Client) discover(now time.Duration) {
	c.state = Selecting
	c.tries = 0
	c.xid = c.newXID()
	c.since = now
	c.sendDiscover(now)
}

func (c *Client) reboot(now time.Duration) {
	c.state = Rebooting
	c.tries = 0
	c.xid = c.newXID()
	c.since = now
	c.sendReboot(now)
}

// broadcast is the limited broadcast address.
var broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

func (c *Client) packet(typ dhcpv4.MessageType, xid uint32, now time.Duration) *dhcpv4.DHCPv4 {
	p := newPacket(dhcpv4.OpcodeBootRequest, typ, xid, c.mac)
	if secs := (now - c.since) / time.Second; secs > 0 {
		p.NumSeconds = uint16(min(secs, 0xffff))
	}
	id := c.cfg.ClientID
	if id == nil {
		id = append([]byte{1}, c.mac[:]...)
	}
	p.UpdateOption(dhcpv4.OptClientIdentifier(id))
	if c.cfg.Hostname != "" && typ != dhcpv4.MessageTypeRelease && typ != dhcpv4.MessageTypeDecline {
		p.UpdateOption(dhcpv4.OptHostName(c.cfg.Hostname))
	}
	if typ == dhcpv4.MessageTypeDiscover || typ == dhcpv4.MessageTypeRequest || typ == dhcpv4.MessageTypeInform {
		p.UpdateOption(dhcpv4.OptParameterRequestList(
			dhcpv4.OptionSubnetMask, dhcpv4.OptionRouter, dhcpv4.OptionDomainNameServer,
			dhcpv4.OptionIPAddressLeaseTime, dhcpv4.OptionServerIdentifier,
			dhcpv4.OptionRenewTimeValue, dhcpv4.OptionRebindingTimeValue))
	}
	return p
}

func (c *Client) send(p *dhcpv4.DHCPv4, src, dst netip.Addr) {
	c.stats.sent++
	c.out = append(c.out, effect{kind: effSend, payload: p.ToBytes(), src: src, dst: dst})
}

func (c *Client) arm(now time.Duration) {
	c.tries++
	c.deadlines[tmRetransmit] = now + c.backoff(c.tries)
}

func (c *Client) sendDiscover(now time.Duration) {
	p := c.packet(dhcpv4.MessageTypeDiscover, c.xid, now)
	p.SetBroadcast()
	c.send(p, netip.IPv4Unspecified(), broadcast)
	c.arm(now)
}

func (c *Client) sendRequest(now time.Duration) {
	p := c.packet(dhcpv4.MessageTypeRequest, c.xid, now)
	p.SetBroadcast()
	p.UpdateOption(dhcpv4.OptServerIdentifier(netIP(c.offer.server)))
	p.UpdateOption(dhcpv4.OptRequestedIPAddress(netIP(c.offer.addr)))
	c.sentAt = now
	c.send(p, netip.IPv4Unspecified(), broadcast)
	c.arm(now)
}

func (c *Client) sendReboot(now time.Duration) {
	p := c.packet(dhcpv4.MessageTypeRequest, c.xid, now)
	p.SetBroadcast()
	p.UpdateOption(dhcpv4.OptRequestedIPAddress(netIP(c.last)))
	c.sentAt = now
	src := netip.IPv4Unspecified()
	if c.configured.IsValid() && c.configured.Addr() == c.last {
		src = c.last
	}
	c.send(p, src, broadcast)
	c.arm(now)
}

// sendRenew sends the REQUEST of RENEWING (unicast to the server) or
// REBINDING (broadcast), with ciaddr set (RFC 2131 section 4.3.2), and
// waits half the time left to T2 or to the lease's end, at least 60s
// (section 4.4.5).
func (c *Client) sendRenew(now time.Duration) {
	p := c.packet(dhcpv4.MessageTypeRequest, c.xid, now)
	a := c.lease.addr.Addr()
	p.ClientIPAddr = netIP(a)
	c.sentAt = now
	until := c.lease.endAt
	if c.state == Renewing {
		c.stats.renewals++
		until = c.lease.t2At
		c.send(p, a, c.lease.server)
	} else {
		c.stats.rebinds++
		c.send(p, a, broadcast)
	}
	c.tries++
	wait := max((until-now)/2, renewMin)
	if c.lease.infinite {
		wait = renewMin
	} else if now+wait >= until {
		wait = 0 // T2 or the lease's end comes first
	}
	if wait > 0 {
		c.deadlines[tmRetransmit] = now + wait
	}
}

func (c *Client) sendInform(now time.Duration) {
	p := c.packet(dhcpv4.MessageTypeInform, c.xid, now)
	a := c.informed.addr.Addr()
	p.ClientIPAddr = netIP(a)
	c.send(p, a, broadcast)
	c.arm(now)
}

func (c *Client) probe(now time.Duration) {
	c.check.probes++
	c.out = append(c.out, effect{kind: effProbe, addr: c.check.lease.addr.Addr()})
	c.deadlines[tmRetransmit] = now + c.cfg.ProbeInterval
}

// handle handles a reply's bytes. Malformed replies and replies that do
// not fit the client's state are counted and change nothing else.
func (c *Client) handle(now time.Duration, b []byte) error {
	m, err := decode(b)
	if err != nil {
		c.stats.malformed++
		return err
	}
	if err := c.accept(m); err != nil {
		if isMalformed(err) {
			c.stats.malformed++
		} else {
			c.stats.ignored++
		}
		return err
	}
	c.stats.received++
	switch {
	case m.typ == dhcpv4.MessageTypeNak:
		c.nak(now)
	case c.state == Selecting:
		c.offer = offerData{addr: m.yiaddr, server: m.server}
		c.state = Requesting
		c.tries = 0
		c.sendRequest(now)
	case c.state == Requesting || c.state == Rebooting:
		l := c.leaseFrom(m, c.sentAt)
		if c.state == Rebooting && c.configured == l.addr {
			c.bind(now, l) // the address is on the netif already
			return nil
		}
		c.startCheck(now, l)
	case c.state == Renewing || c.state == Rebinding:
		c.bind(now, c.leaseFrom(m, c.sentAt))
	case c.state == Informing:
		c.informed.server, c.informed.dns = m.server, m.dns
		if len(m.routers) > 0 {
			c.informed.router = m.routers[0]
		}
		c.deadlines[tmRetransmit] = 0
	}
	return nil
}

// accept checks m against the client's state (RFC 2131 sections 4.3.1,
// 4.4.1): op, xid, chaddr, message type, server identifier, addresses and
// the lease time. Errors wrap ErrMismatch or ErrMalformed.
func (c *Client) accept(m *message) error {
	if m.op != dhcpv4.OpcodeBootReply {
		return mismatch("op %v", m.op)
	}
	if m.chaddr != c.mac {
		return mismatch("chaddr %v", m.chaddr)
	}
	var want []dhcpv4.MessageType
	switch c.state {
	case Selecting:
		want = []dhcpv4.MessageType{dhcpv4.MessageTypeOffer}
	case Requesting, Rebooting, Renewing, Rebinding:
		want = []dhcpv4.MessageType{dhcpv4.MessageTypeAck, dhcpv4.MessageTypeNak}
	case Informing:
		if c.deadlines[tmRetransmit] == 0 {
			return mismatch("not waiting for an ACK")
		}
		want = []dhcpv4.MessageType{dhcpv4.MessageTypeAck}
	default:
		return mismatch("%v in state %v", m.typ, c.state)
	}
	if m.xid != c.xid {
		return mismatch("xid %#x, want %#x", m.xid, c.xid)
	}
	ok := false
	for _, t := range want {
		ok = ok || m.typ == t
	}
	if !ok {
		return mismatch("%v in state %v", m.typ, c.state)
	}
	if !unicastHost(m.server) {
		return malformed("%v without a usable server identifier (%v)", m.typ, m.server)
	}
	switch c.state {
	case Requesting:
		if m.server != c.offer.server {
			return mismatch("%v from server %v, requested from %v", m.typ, m.server, c.offer.server)
		}
	case Renewing:
		if m.server != c.lease.server {
			return mismatch("%v from server %v, leased from %v", m.typ, m.server, c.lease.server)
		}
	}
	if m.typ == dhcpv4.MessageTypeNak || c.state == Informing {
		return nil
	}
	if !unicastHost(m.yiaddr) {
		return malformed("%v of address %v", m.typ, m.yiaddr)
	}
	if m.lease == 0 && !m.infinite {
		return malformed("%v without a lease time", m.typ)
	}
	switch c.state {
	case Requesting:
		if m.yiaddr != c.offer.addr {
			return mismatch("ACK of %v, requested %v", m.yiaddr, c.offer.addr)
		}
	case Rebooting:
		if m.yiaddr != c.last {
			return mismatch("ACK of %v, requested %v", m.yiaddr, c.last)
		}
	case Renewing, Rebinding:
		if m.yiaddr != c.lease.addr.Addr() {
			return mismatch("ACK of %v, leased %v", m.yiaddr, c.lease.addr.Addr())
		}
	}
	if m.maskBits >= 0 && m.maskBits > 30 {
		return malformed("subnet mask /%d leaves no room for a host and a peer", m.maskBits)
	}
	return nil
}

// leaseFrom makes the lease an ACK gives, starting at start (RFC 2131
// section 4.4.1), with T1 and T2 at their defaults (0.5 and 0.875 of the
// lease) when missing or inconsistent.
func (c *Client) leaseFrom(m *message, start time.Duration) leaseData {
	bits := m.maskBits
	if bits < 0 {
		bits = classfulBits(m.yiaddr)
	}
	l := leaseData{
		addr:     netip.PrefixFrom(m.yiaddr, bits),
		server:   m.server,
		dns:      m.dns,
		lease:    m.lease,
		infinite: m.infinite,
		start:    start,
	}
	for _, r := range m.routers {
		if unicastHost(r) && r != m.yiaddr {
			l.router = r
			break
		}
	}
	if l.infinite {
		return l
	}
	l.t1, l.t2 = m.t1, m.t2
	if l.t2 <= 0 || l.t2 >= l.lease {
		l.t2 = l.lease * 7 / 8
	}
	if l.t1 <= 0 || l.t1 >= l.t2 {
		l.t1 = min(l.lease/2, l.t2)
	}
	l.t1At, l.t2At, l.endAt = start+l.t1, start+l.t2, start+l.lease
	return l
}

func (c *Client) startCheck(now time.Duration, l leaseData) {
	if c.cfg.Probes < 0 {
		c.bind(now, l)
		return
	}
	c.state = Checking
	c.check = checkData{lease: l}
	c.deadlines[tmRetransmit] = 0
	c.out = append(c.out, effect{kind: effProbing, addr: l.addr.Addr()})
	c.probe(now)
}

// bind enters BOUND with lease l: the address and route are configured,
// T1, T2 and the lease's end armed.
func (c *Client) bind(now time.Duration, l leaseData) {
	if c.configured.IsValid() && (c.configured != l.addr || c.router != l.router) {
		c.unconfigure()
	}
	if !c.configured.IsValid() {
		c.configured = l.addr
		if !c.cfg.NoRoute {
			c.router = l.router
		}
		c.out = append(c.out, effect{kind: effConfigure, prefix: c.configured, router: c.router})
	}
	c.lease = l
	c.check = checkData{}
	c.last = l.addr.Addr()
	c.state = Bound
	c.tries = 0
	c.deadlines = [numTimers]time.Duration{}
	if !l.infinite {
		c.deadlines[tmT1], c.deadlines[tmT2], c.deadlines[tmLease] = max(l.t1At, now), max(l.t2At, now), max(l.endAt, now)
	}
}

// nak restarts discovery (RFC 2131 section 4.4.1): the address goes.
func (c *Client) nak(now time.Duration) {
	c.stats.naks++
	if c.state == Checking {
		c.out = append(c.out, effect{kind: effProbing})
	}
	c.unconfigure()
	c.lease = leaseData{}
	c.last = netip.Addr{}
	c.deadlines = [numTimers]time.Duration{}
	c.discover(now)
}

func (c *Client) unconfigure() {
	if c.configured.IsValid() {
		c.out = append(c.out, effect{kind: effUnconfigure, prefix: c.configured, router: c.router})
	}
	c.configured, c.router = netip.Prefix{}, netip.Addr{}
}

// snapshot describes the client.
func (c *Client) snapshot() snapshot.DHCPClient {
	s := snapshot.DHCPClient{
		State:        c.state.String(),
		RetransmitAt: c.deadlines[tmRetransmit],
		Tries:        c.tries,
		Sent:         c.stats.sent, Received: c.stats.received, Malformed: c.stats.malformed,
		Ignored: c.stats.ignored, Naks: c.stats.naks, Declines: c.stats.declines,
		Renewals: c.stats.renewals, Rebinds: c.stats.rebinds, Expiries: c.stats.expiries,
	}
	var l *leaseData
	switch {
	case c.state.hasLease() || (c.state == Rebooting || c.state == InitReboot) && c.lease.addr.IsValid():
		l = &c.lease
	case c.state == Checking:
		l = &c.check.lease
	case c.state == Informing:
		l = &c.informed
	case c.state == Requesting:
		s.Server = c.offer.server
	}
	if l != nil {
		s.Lease = snapshot.DHCPLease{Address: l.addr, Start: l.start, Expires: l.endAt}
		s.Server, s.Router, s.DNS = l.server, l.router, append([]netip.Addr(nil), l.dns...)
		s.LeaseTime, s.T1, s.T2 = l.lease, l.t1, l.t2
		s.RenewAt, s.RebindAt, s.ExpiresAt = l.t1At, l.t2At, l.endAt
	}
	return s
}
