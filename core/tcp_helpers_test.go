package core_test

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
)

// tcpEvent is one call a tcpRec saw, on the tcpip goroutine.
type tcpEvent struct {
	kind  string // accepted, connected, data, peer-closed, error
	conn  *core.TCPPCB
	err   error
	state core.TCPState // the PCB's state during the call
	at    time.Duration
}

// tcpRec is a test TCPHandler: it records events into a mailbox, keeps
// every byte received per connection, consumes data at once (TCPRecved)
// unless hold is set, accepts connections at once, and pumps send data
// (TCPWrite on TCPConnected, TCPAccepted and TCPSent) from out.
type tcpRec struct {
	ev   *mailbox[tcpEvent]
	hold bool
	// dataAt posts a "data" event when a connection has received this
	// many bytes in all (0: one per TCPReceived call).
	dataAt int

	mu   sync.Mutex
	got  map[*core.TCPPCB][]byte
	out  map[*core.TCPPCB][]byte // still to write
	fin  map[*core.TCPPCB]bool   // shutdown(write) once out is written
	sent map[*core.TCPPCB]int    // bytes acknowledged
}

func newRec(e *env) *tcpRec {
	return &tcpRec{ev: newMailbox[tcpEvent](e), got: map[*core.TCPPCB][]byte{}, out: map[*core.TCPPCB][]byte{},
		fin: map[*core.TCPPCB]bool{}, sent: map[*core.TCPPCB]int{}}
}

func (r *tcpRec) put(c *core.Core, kind string, p *core.TCPPCB, err error) {
	r.ev.put(tcpEvent{kind: kind, conn: p, err: err, state: p.State(), at: c.Now()})
}

func (r *tcpRec) TCPAccepted(c *core.Core, l, p *core.TCPPCB) {
	c.TCPAcceptDone(l)
	r.put(c, "accepted", p, nil)
	r.pump(c, p)
}

func (r *tcpRec) TCPConnected(c *core.Core, p *core.TCPPCB) {
	r.put(c, "connected", p, nil)
	r.pump(c, p)
}

func (r *tcpRec) TCPReceived(c *core.Core, p *core.TCPPCB, data []byte) {
	r.mu.Lock()
	before := len(r.got[p])
	r.got[p] = append(r.got[p], data...)
	after := len(r.got[p])
	r.mu.Unlock()
	if !r.hold {
		c.TCPRecved(p, len(data))
	}
	if r.dataAt == 0 || (before < r.dataAt && after >= r.dataAt) {
		r.put(c, "data", p, nil)
	}
}

func (r *tcpRec) TCPSent(c *core.Core, p *core.TCPPCB, n int) {
	r.mu.Lock()
	r.sent[p] += n
	r.mu.Unlock()
	r.pump(c, p)
}

func (r *tcpRec) TCPPeerClosed(c *core.Core, p *core.TCPPCB) { r.put(c, "peer-closed", p, nil) }

func (r *tcpRec) TCPError(c *core.Core, p *core.TCPPCB, err error) { r.put(c, "error", p, err) }

// send queues data on p and writes what fits; with fin, the write half
// closes after it.
func (r *tcpRec) send(c *core.Core, p *core.TCPPCB, data []byte, fin bool) {
	r.mu.Lock()
	r.out[p] = append(r.out[p], data...)
	r.fin[p] = r.fin[p] || fin
	r.mu.Unlock()
	r.pump(c, p)
}

func (r *tcpRec) pump(c *core.Core, p *core.TCPPCB) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.out[p]) > 0 {
		n, err := c.TCPWrite(p, r.out[p])
		if err != nil || n == 0 {
			return
		}
		r.out[p] = r.out[p][n:]
	}
	if r.fin[p] {
		delete(r.fin, p)
		c.TCPShutdown(p, false, true)
	}
}

func (r *tcpRec) received(p *core.TCPPCB) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[p]
}

// next waits for the next event and checks its kind.
func (r *tcpRec) next(e *env, kind string, timeout time.Duration) tcpEvent {
	e.t.Helper()
	ev := r.ev.get(e, timeout)
	if ev.kind != kind {
		e.t.Fatalf("got event %s (err %v, state %v) at %v, want %s", ev.kind, ev.err, ev.state, ev.at, kind)
	}
	return ev
}

// listen opens a listener on s at port.
func (e *env) listen(s *core.Stack, h core.TCPHandler, port uint16, backlog int) *core.TCPPCB {
	e.t.Helper()
	var l *core.TCPPCB
	e.call(s, func(c *core.Core) error {
		l = c.NewTCP(h, nil)
		if _, err := c.TCPBind(l, netip.AddrPortFrom(netip.IPv4Unspecified(), port)); err != nil {
			return err
		}
		return c.TCPListen(l, backlog)
	})
	return l
}

// dial starts a connection from s to to.
func (e *env) dial(s *core.Stack, h core.TCPHandler, to string) *core.TCPPCB {
	e.t.Helper()
	var p *core.TCPPCB
	e.call(s, func(c *core.Core) error {
		p = c.NewTCP(h, nil)
		return c.TCPConnect(p, netip.MustParseAddrPort(to))
	})
	return p
}

// tcpState reads p's state on s.
func (e *env) tcpState(s *core.Stack, p *core.TCPPCB) core.TCPState {
	e.t.Helper()
	var st core.TCPState
	e.call(s, func(c *core.Core) error { st = p.State(); return nil })
	return st
}

// tcpConfig changes s's TCP parameters.
func (e *env) tcpConfig(s *core.Stack, f func(cfg *core.TCPConfig)) {
	e.t.Helper()
	e.call(s, func(c *core.Core) error {
		cfg := c.TCPConfig()
		f(&cfg)
		c.SetTCPConfig(cfg)
		return nil
	})
}

// pattern returns n bytes that show where a byte came from.
func pattern(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// connected opens a connection from p.a to p.b:80 and returns both ends.
func (p *pair) connected(ra, rb *tcpRec) (client, server *core.TCPPCB) {
	p.t.Helper()
	p.listen(p.b, rb, 80, 16)
	client = p.dial(p.a, ra, "10.0.0.2:80")
	ra.next(p.env, "connected", 10*time.Second)
	server = rb.next(p.env, "accepted", 10*time.Second).conn
	return client, server
}

var _ testing.TB = (*testing.T)(nil)
