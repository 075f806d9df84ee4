package core

import (
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// Core is the state of one stack. Owned by the tcpip goroutine: a *Core is
// only ever handed to code running there (a Call or Post function, a
// timer, a hook), which is what makes it the capability to touch the core.
type Core struct {
	stack *Stack
	cfg   Config
	log   *slog.Logger
	// now is the clock time of the batch being processed.
	now time.Duration
	// onLoop is set while the tcpip goroutine runs core code; the debug
	// check assertOnLoop reads it, like lwIP's LWIP_ASSERT_CORE_LOCKED.
	onLoop atomic.Bool
	// unguarded turns assertOnLoop off: set only through the unsafe door
	// (Unsafe.Core), for the pitfall labs.
	unguarded bool

	netifs     []*Netif // by index order; index 0 unused
	nextIndex  int
	loopback   *Netif
	forwarding bool
	routes     routeTable
	arp        arpCache
	reass      reassembly
	udp        udpTable
	echo       echoTable
	tcp        tcpTable
	timers     clock.Deadlines[*Timer]
	counters   [numCounters]uint64
	ipID       uint16
	icmpBucket tokenBucket
	hooks      hooks

	events   []snapshot.Event // ring
	eventPos int
	eventN   int
	eventsIn uint64 // events recorded since the stack started
	snapVer  uint64

	// scratch is the buffer outgoing packets are built in; frags the one
	// fragments are cut into; icmpBuf the one ICMP errors are built in.
	scratch [65536 + 64]byte
	frags   fragBuf
	icmpBuf [wire.EthernetHeaderLen + wire.IPv4MaxHeaderLen + wire.ICMPHeaderLen + 576]byte
	udpD    UDPDatagram
	echoR   EchoReply
	// segIn is the TCP segment being processed, tcpHdr the header being
	// built: fields, so that pointers to them do not escape per segment.
	segIn  tcpSeg
	tcpHdr wire.TCPHeader
}

func newCore(s *Stack, cfg Config) *Core {
	c := &Core{
		stack:     s,
		cfg:       cfg,
		log:       cfg.Logger,
		nextIndex: 1,
		events:    make([]snapshot.Event, cfg.EventRing),
		netifs:    []*Netif{nil},
	}
	c.arp.init(c)
	c.reass.init(c)
	c.udp.init()
	c.echo.init()
	c.tcp.init(cfg.Seed, cfg.Name)
	c.icmpBucket = tokenBucket{rate: 100, burst: 50, tokens: 50}
	c.loopback = c.newLoopback()
	return c
}

// Now returns the clock time of the batch being processed.
func (c *Core) Now() time.Duration { return c.now }

// Clock returns the stack's clock.
func (c *Core) Clock() clock.Clock { return c.stack.clock }

// Name returns the stack's name.
func (c *Core) Name() string { return c.stack.name }

// Stack returns the stack this core belongs to.
func (c *Core) Stack() *Stack { return c.stack }

// assertOnLoop panics when core code runs while the tcpip goroutine is not
// processing: a cheap check that catches most wrong callers early (the
// race detector is the real proof).
func (c *Core) assertOnLoop() {
	if !c.onLoop.Load() && !c.unguarded {
		panic("core: called outside the tcpip goroutine (use netifapi or sockets)")
	}
}

// SetForwarding turns IPv4 forwarding between netifs on or off.
func (c *Core) SetForwarding(on bool) {
	c.assertOnLoop()
	if c.forwarding != on {
		c.forwarding = on
		c.stateEvent(nil, "forwarding %v", onOff(on), nil)
	}
}

// Forwarding reports whether forwarding is on.
func (c *Core) Forwarding() bool { return c.forwarding }

// shutdown detaches every netif when the stack stops.
func (c *Core) shutdown() {
	for _, n := range c.netifs {
		if n != nil {
			n.detach()
		}
	}
	c.udp.closeAll(c, ErrStopped)
	c.echo.closeAll(c, ErrStopped)
	c.tcp.closeAll(c, ErrStopped)
}

// inputBetweenRequests is how many frames the tcpip goroutine processes
// before it looks for requests that arrived meanwhile (a link driver's
// batch: tap.DefaultBatch).
const inputBetweenRequests = 64

// inputAll processes the frames queued on every netif, in index order.
// Every inputBetweenRequests frames it runs the requests that arrived
// meanwhile, as lwIP's tcpip thread takes messages from one mailbox in
// the order they came: a request that removes a netif may run between two
// of its frames, which then count as received after removal.
func (c *Core) inputAll() {
	seen := 0
	for _, n := range c.netifs {
		if n == nil {
			continue
		}
		batch := n.rx.take()
		for i, b := range batch {
			if seen++; seen%inputBetweenRequests == 0 && c.stack != nil {
				c.stack.serveInboxNow()
			}
			if !n.removed {
				c.point(PointNetifInput, n)
				n.input(b.Data)
			} else {
				c.count(cntRxAfterRemove)
			}
			b.Release()
			batch[i] = nil
		}
		n.rx.giveBack(batch)
	}
}

// isLocalAddr reports whether a is one of the stack's own addresses, and
// on which netif.
func (c *Core) localNetif(a netip.Addr) *Netif {
	for _, n := range c.netifs {
		if n != nil && !n.removed && n.addr.IsValid() && n.addr.Addr() == a {
			return n
		}
	}
	return nil
}

// without returns a new slice of list's elements but x. Lists of netifs
// and control blocks are never edited in place: the tcpip goroutine may be
// ranging over the old one (inputAll, addressGone) when a callback removes
// an element, and editing in place would make that range skip the next
// element and visit the last one twice.
func without[T comparable](list []T, x T) []T {
	out := make([]T, 0, len(list))
	for _, y := range list {
		if y != x {
			out = append(out, y)
		}
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// tokenBucket rate-limits ICMP errors (RFC 1812 section 4.3.2.8).
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Duration
}

func (b *tokenBucket) take(now time.Duration) bool {
	b.tokens += (now - b.last).Seconds() * b.rate
	b.last = now
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
