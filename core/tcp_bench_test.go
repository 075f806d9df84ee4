package core_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
)

// TCP benchmarks on the real clock, two stacks over a perfect pipe:
//
//	MB/s        bulk transfer (BenchmarkTCPBulk, and with 1, 1,000 and
//	            10,000 idle connections open: BenchmarkTCPSegmentCost)
//	ns/segment  the cost of one full segment end to end
//	conns/s     connections opened and closed (BenchmarkTCPConnectClose)

// benchHandler counts what it receives and consumes it; as a sender it
// keeps writing from src while left > 0 (on the tcpip goroutine); it
// closes connections whose peer closed.
type benchHandler struct {
	bytes, segs atomic.Uint64
	closed      atomic.Uint64
	conns       chan *core.TCPPCB
	src         []byte
	left        int
	closeOnPeer bool
	closeOnAcc  bool
}

func newBenchHandler() *benchHandler {
	return &benchHandler{conns: make(chan *core.TCPPCB, 1<<14), src: make([]byte, 64<<10)}
}

func (h *benchHandler) TCPAccepted(c *core.Core, l, p *core.TCPPCB) {
	c.TCPAcceptDone(l)
	if h.closeOnAcc {
		c.TCPClose(p)
		return
	}
	h.conns <- p
}
func (h *benchHandler) TCPConnected(c *core.Core, p *core.TCPPCB) { h.conns <- p }
func (h *benchHandler) TCPReceived(c *core.Core, p *core.TCPPCB, data []byte) {
	h.segs.Add(1)
	h.bytes.Add(uint64(len(data)))
	c.TCPRecved(p, len(data))
}
func (h *benchHandler) TCPSent(c *core.Core, p *core.TCPPCB, n int) { h.pump(c, p) }
func (h *benchHandler) TCPPeerClosed(c *core.Core, p *core.TCPPCB) {
	if h.closeOnPeer {
		c.TCPClose(p)
		h.closed.Add(1)
	}
}
func (h *benchHandler) TCPError(c *core.Core, p *core.TCPPCB, err error) {}

func (h *benchHandler) pump(c *core.Core, p *core.TCPPCB) {
	for h.left > 0 {
		n, err := c.TCPWrite(p, h.src[:min(h.left, len(h.src))])
		if err != nil || n == 0 {
			return
		}
		h.left -= n
	}
}

func benchConnect(b *testing.B, e *env, a, s *core.Stack, ha, hb *benchHandler) *core.TCPPCB {
	var p *core.TCPPCB
	e.call(a, func(c *core.Core) error {
		p = c.NewTCP(ha, nil)
		return c.TCPConnect(p, netip.MustParseAddrPort("10.0.0.2:80"))
	})
	select {
	case <-ha.conns:
	case <-time.After(10 * time.Second):
		b.Fatal("no connection")
	}
	return p
}

func benchListen(e *env, s *core.Stack, h *benchHandler) {
	e.call(s, func(c *core.Core) error {
		l := c.NewTCP(h, nil)
		if _, err := c.TCPBind(l, netip.MustParseAddrPort("0.0.0.0:80")); err != nil {
			return err
		}
		return c.TCPListen(l, 4096)
	})
}

// bulk sends b.N chunks of 64 KiB from a to b over p and waits until
// all arrived.
func bulk(b *testing.B, e *env, a *core.Stack, p *core.TCPPCB, ha, hb *benchHandler) {
	const chunk = 64 << 10
	b.SetBytes(chunk)
	b.ReportAllocs()
	start := hb.bytes.Load()
	segs := hb.segs.Load()
	b.ResetTimer()
	t0 := time.Now()
	e.call(a, func(c *core.Core) error { ha.left = b.N * chunk; ha.pump(c, p); return nil })
	want := start + uint64(b.N*chunk)
	for hb.bytes.Load() < want {
		runtime.Gosched()
	}
	el := time.Since(t0)
	b.StopTimer()
	if n := hb.segs.Load() - segs; n > 0 {
		b.ReportMetric(float64(el.Nanoseconds())/float64(n), "ns/segment")
	}
}

func BenchmarkTCPBulk(b *testing.B) {
	e, a, s := realPair(b)
	ha, hb := newBenchHandler(), newBenchHandler()
	benchListen(e, s, hb)
	p := benchConnect(b, e, a, s, ha, hb)
	<-hb.conns
	bulk(b, e, a, p, ha, hb)
}

// BenchmarkTCPSegmentCost is bulk transfer on one connection while 1,
// 1,000 or 10,000 others sit idle: demultiplexing does not slow down.
func BenchmarkTCPSegmentCost(b *testing.B) {
	for _, idle := range []int{1, 1000, 10000} {
		b.Run(fmt.Sprintf("idle=%d", idle), func(b *testing.B) {
			e, a, s := realPair(b)
			ha, hb := newBenchHandler(), newBenchHandler()
			benchListen(e, s, hb)
			for opened := 0; opened < idle; {
				n := min(idle-opened, 1000)
				e.call(a, func(c *core.Core) error {
					for range n {
						if err := c.TCPConnect(c.NewTCP(ha, nil), netip.MustParseAddrPort("10.0.0.2:80")); err != nil {
							return err
						}
					}
					return nil
				})
				for range n {
					<-ha.conns
					<-hb.conns
				}
				opened += n
			}
			p := benchConnect(b, e, a, s, ha, hb)
			<-hb.conns
			bulk(b, e, a, p, ha, hb)
		})
	}
}

// BenchmarkTCPConnectClose opens a connection, the server closes it at
// once, the client closes in turn: a full handshake and teardown per
// iteration (TIME-WAIT shortened to 2ms so ports come back).
func BenchmarkTCPConnectClose(b *testing.B) {
	e, a, s := realPair(b)
	for _, st := range []*core.Stack{a, s} {
		e.tcpConfig(st, func(cfg *core.TCPConfig) { cfg.MSL = time.Millisecond })
	}
	ha, hb := newBenchHandler(), newBenchHandler()
	ha.closeOnPeer, hb.closeOnAcc = true, true
	benchListen(e, s, hb)
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	for i := range b.N {
		e.call(a, func(c *core.Core) error {
			return c.TCPConnect(c.NewTCP(ha, nil), netip.MustParseAddrPort("10.0.0.2:80"))
		})
		<-ha.conns
		for ha.closed.Load() < uint64(i+1) {
			runtime.Gosched()
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "conns/s")
}
