//go:build !race

package core_test

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
)

// tcpSink is a lean TCPHandler for allocation tests and benchmarks: it
// counts segments and bytes received, consumes them at once, and
// signals connection events on channels.
type tcpSink struct {
	segs, bytes atomic.Uint64
	sent        atomic.Uint64
	conns       chan *core.TCPPCB
}

func newSink() *tcpSink { return &tcpSink{conns: make(chan *core.TCPPCB, 16)} }

func (s *tcpSink) TCPAccepted(c *core.Core, l, p *core.TCPPCB) { c.TCPAcceptDone(l); s.conns <- p }
func (s *tcpSink) TCPConnected(c *core.Core, p *core.TCPPCB)   { s.conns <- p }
func (s *tcpSink) TCPReceived(c *core.Core, p *core.TCPPCB, data []byte) {
	s.segs.Add(1)
	s.bytes.Add(uint64(len(data)))
	c.TCPRecved(p, len(data))
}
func (s *tcpSink) TCPSent(c *core.Core, p *core.TCPPCB, n int)      { s.sent.Add(uint64(n)) }
func (s *tcpSink) TCPPeerClosed(c *core.Core, p *core.TCPPCB)       {}
func (s *tcpSink) TCPError(c *core.Core, p *core.TCPPCB, err error) {}

// tcpRealConn connects a to b:80 on the real clock with sinks on both
// ends and returns the client PCB and the server's sink.
func tcpRealConn(t testing.TB, e *env, a, b *core.Stack) (*core.TCPPCB, *tcpSink) {
	t.Helper()
	sa, sb := newSink(), newSink()
	e.call(b, func(c *core.Core) error {
		l := c.NewTCP(sb, nil)
		if _, err := c.TCPBind(l, netip.MustParseAddrPort("0.0.0.0:80")); err != nil {
			return err
		}
		return c.TCPListen(l, 16)
	})
	var p *core.TCPPCB
	e.call(a, func(c *core.Core) error {
		p = c.NewTCP(sa, nil)
		return c.TCPConnect(p, netip.MustParseAddrPort("10.0.0.2:80"))
	})
	select {
	case <-sa.conns:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
	<-sb.conns
	return p, sb
}

// TestTCPFastPathAllocatesNothing: in steady bulk transfer, an in-order
// full segment sent, received, delivered and acknowledged (and the ACK
// processed by the sender) allocates nothing.
func TestTCPFastPathAllocatesNothing(t *testing.T) {
	e, a, b := realPair(t)
	p, sink := tcpRealConn(t, e, a, b)
	chunk := make([]byte, 1460*perPacket)
	send := func(c *core.Core, n int) error {
		if n == 0 {
			return nil
		}
		w, err := c.TCPWrite(p, chunk[:n*1460])
		if err == nil && w != n*1460 {
			t.Errorf("wrote %d of %d bytes", w, n*1460)
		}
		return err
	}
	if n := allocsPerPacket(t, a, &sink.segs, send); n != 0 {
		t.Errorf("got %v allocations per TCP segment sent, delivered and acknowledged, want 0", n)
	}
}
