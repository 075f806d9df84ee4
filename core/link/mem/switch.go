package mem

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
)

const (
	// MACAging is how long, in clock time, a Switch remembers where a
	// source address was seen (IEEE 802.1D's default ageing time).
	MACAging = 300 * time.Second
	// MaxMACs bounds a Switch's MAC table. A new address that finds it
	// full first pushes out the expired entries, or else the oldest one.
	MaxMACs = 4096
	// MaxDepth bounds how deeply forwarding may re-enter one Switch within
	// a single call chain (switches joined by zero-delay pipes forward
	// inline). A deeper frame is dropped and counted as a loop. Under a
	// Real clock, goroutines forwarding through the switch at the same
	// time add to the depth too, so the bound is generous.
	MaxDepth = 32
)

// ethHeader is the length of an Ethernet II header: destination (6),
// source (6), EtherType (2).
const ethHeader = 14

// Switch is a learning Ethernet bridge (IEEE 802.1D without spanning
// tree) joining several links. It learns source addresses per port,
// forwards known unicast to one port, floods broadcast, multicast and
// unknown destinations to every other port in port order, and filters
// frames whose destination is on the port they came in on.
//
// Forwarding is inline: it runs in the attached endpoint's Receive, on
// whichever goroutine delivered the frame (a pipe's sender or its timer
// callback). The MAC table is guarded by a mutex that is held only to learn
// and look up, never while transmitting, so that switches joined by
// zero-delay pipes cannot deadlock on each other's locks. The switch does
// not break loops: a cycle of switches floods forever, as real switches
// without spanning tree do (MaxDepth only stops the recursion of a cycle of
// zero-delay pipes).
type Switch struct {
	name  string
	clk   clock.Clock
	ports atomic.Pointer[[]*port] // by port number, nil when detached; copied on write under mu
	depth atomic.Int32
	c     switchCounters

	mu sync.Mutex
	// Guarded by mu:
	table map[[6]byte]macSlot
}

// macSlot is where and when a source address was last seen.
type macSlot struct {
	port int
	seen time.Duration
}

// port is a Switch's receiver on one attached endpoint.
type port struct {
	s        *Switch
	n        int
	ep       link.Endpoint
	detached atomic.Bool
	c        portCounters
}

// NewSwitch returns a switch named name with no ports, whose MAC aging
// follows clk.
func NewSwitch(name string, clk clock.Clock) *Switch {
	s := &Switch{name: name, clk: clk, table: make(map[[6]byte]macSlot)}
	s.ports.Store(new([]*port))
	return s
}

// Name returns the switch's name.
func (s *Switch) Name() string { return s.name }

// Attach adds a port on ep and returns its number (0, 1, ...; numbers are
// not reused). The switch becomes ep's receiver and transmits on ep:
// typically ep is a Pipe's B side whose A side goes to a stack's netif.
// Any goroutine.
func (s *Switch) Attach(ep link.Endpoint) int {
	s.mu.Lock()
	old := *s.ports.Load()
	p := &port{s: s, n: len(old), ep: ep}
	ports := append(slices.Clip(old), p)
	s.ports.Store(&ports)
	s.mu.Unlock()
	ep.SetReceiver(p)
	return p.n
}

// Detach removes a port: the switch stops being its endpoint's receiver,
// forgets the addresses learned on it and sends nothing more to it (a
// frame being forwarded at that very moment on another goroutine may still
// reach it). Unknown or already detached ports are ignored. Any goroutine.
func (s *Switch) Detach(port int) {
	s.mu.Lock()
	old := *s.ports.Load()
	if port < 0 || port >= len(old) || old[port] == nil {
		s.mu.Unlock()
		return
	}
	p := old[port]
	ports := slices.Clone(old)
	ports[port] = nil
	s.ports.Store(&ports)
	p.detached.Store(true)
	for mac, e := range s.table {
		if e.port == port {
			delete(s.table, mac)
		}
	}
	s.mu.Unlock()
	p.ep.SetReceiver(nil)
}

// Receive forwards each frame of batch, then releases it. It runs on the
// goroutine that delivered the batch and never blocks.
func (p *port) Receive(batch []*link.Buffer) {
	s := p.s
	if p.detached.Load() {
		release(batch)
		return
	}
	if s.depth.Add(1) > MaxDepth {
		s.depth.Add(-1)
		s.c.loops.Add(uint64(len(batch)))
		release(batch)
		return
	}
	now := s.clk.Now()
	for _, b := range batch {
		s.forward(p, b.Data, now)
		b.Release()
	}
	s.depth.Add(-1)
}

// release releases every buffer of batch.
func release(batch []*link.Buffer) {
	for _, b := range batch {
		b.Release()
	}
}

// forward learns frame's source on in and sends frame on to the port its
// destination was learned on, or to every other port.
func (s *Switch) forward(in *port, frame []byte, now time.Duration) {
	in.c.inFrames.Add(1)
	in.c.inBytes.Add(uint64(len(frame)))
	if len(frame) < ethHeader {
		s.c.runts.Add(1)
		return
	}
	var dst, src [6]byte
	copy(dst[:], frame[0:6])
	copy(src[:], frame[6:12])
	out := -1 // flood
	s.mu.Lock()
	if src[0]&1 == 0 { // a group address is never a source
		s.learnLocked(src, in.n, now)
	}
	if dst[0]&1 == 0 {
		if e, ok := s.table[dst]; ok {
			switch {
			case now-e.seen >= MACAging:
				delete(s.table, dst)
			case e.port == in.n:
				s.mu.Unlock()
				s.c.filtered.Add(1)
				return
			default:
				out = e.port
			}
		}
	}
	s.mu.Unlock()

	ports := *s.ports.Load()
	if out >= 0 && out < len(ports) && ports[out] != nil {
		s.c.forwarded.Add(1)
		ports[out].send(frame)
		return
	}
	s.c.flooded.Add(1)
	for i, p := range ports {
		if p != nil && i != in.n {
			p.send(frame)
		}
	}
}

// send transmits frame (which the endpoint copies) out of p.
func (p *port) send(frame []byte) {
	p.c.outFrames.Add(1)
	p.c.outBytes.Add(uint64(len(frame)))
	p.ep.Transmit(frame)
}

// learnLocked records that src was seen on port at now.
func (s *Switch) learnLocked(src [6]byte, port int, now time.Duration) {
	if e, ok := s.table[src]; ok {
		if e.port != port {
			s.c.moved.Add(1)
		}
		s.table[src] = macSlot{port: port, seen: now}
		return
	}
	if len(s.table) >= MaxMACs {
		s.makeRoomLocked(now)
	}
	s.table[src] = macSlot{port: port, seen: now}
	s.c.learned.Add(1)
}

// makeRoomLocked removes the expired entries of a full table, or if none
// has expired, the entry seen longest ago (the lowest address among equals,
// so that the choice does not depend on map order).
func (s *Switch) makeRoomLocked(now time.Duration) {
	expired := 0
	var oldest [6]byte
	var oldestSeen time.Duration
	first := true
	for mac, e := range s.table {
		if now-e.seen >= MACAging {
			delete(s.table, mac)
			expired++
			continue
		}
		if first || e.seen < oldestSeen || e.seen == oldestSeen && string(mac[:]) < string(oldest[:]) {
			oldest, oldestSeen, first = mac, e.seen, false
		}
	}
	if expired == 0 && !first {
		delete(s.table, oldest)
		s.c.evicted.Add(1)
	}
}

// Stats returns the switch's counters, its ports and its MAC table
// (without expired entries). Any goroutine; it holds the table's mutex
// only to copy the table.
func (s *Switch) Stats() SwitchStats {
	st := SwitchStats{
		Name:      s.name,
		Forwarded: s.c.forwarded.Load(),
		Flooded:   s.c.flooded.Load(),
		Filtered:  s.c.filtered.Load(),
		Runts:     s.c.runts.Load(),
		Loops:     s.c.loops.Load(),
		Learned:   s.c.learned.Load(),
		Moved:     s.c.moved.Load(),
		Evicted:   s.c.evicted.Load(),
	}
	for _, p := range *s.ports.Load() {
		if p == nil {
			continue
		}
		st.Ports = append(st.Ports, PortStats{
			Port: p.n, Name: p.ep.Name(),
			InFrames: p.c.inFrames.Load(), InBytes: p.c.inBytes.Load(),
			OutFrames: p.c.outFrames.Load(), OutBytes: p.c.outBytes.Load(),
		})
	}
	now := s.clk.Now()
	s.mu.Lock()
	for mac, e := range s.table {
		if age := now - e.seen; age < MACAging {
			st.MACs = append(st.MACs, MACEntry{MAC: mac, Port: e.port, Age: max(age, 0)})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(st.MACs, func(a, b MACEntry) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(string(a.MAC[:]), string(b.MAC[:])))
	})
	return st
}
