package core_test

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
)

// TestTCPDemuxLookupsPerSegment opens 1, 1,000 and 10,000 connections
// and counts the demultiplexing lookups per segment that reaches a
// connection: the same (one map lookup) however many there are. It also
// checks that idle connections stay cheap: no buffers until data flows.
func TestTCPDemuxLookupsPerSegment(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Queue: 50_000})
	ra, rb := newRec(p.env), newRec(p.env)
	rb.dataAt = 1 << 30 // no data events
	p.listen(p.b, rb, 80, 4096)
	open := 0
	var conns []*core.TCPPCB
	var heapPerConn float64
	for _, n := range []int{1, 1000, 10000} {
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for open < n {
			batch := min(n-open, 1000)
			p.call(p.a, func(c *core.Core) error {
				for range batch {
					q := c.NewTCP(ra, nil)
					if err := c.TCPConnect(q, netip.MustParseAddrPort("10.0.0.2:80")); err != nil {
						return err
					}
					conns = append(conns, q)
				}
				return nil
			})
			for range batch {
				ra.next(p.env, "connected", 10*time.Second)
				rb.next(p.env, "accepted", 10*time.Second)
			}
			open += batch
		}
		if n == 10000 {
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			heapPerConn = float64(after.HeapAlloc-before.HeapAlloc) / 9000 / 2 // both ends
		}
		// 100 data segments on the first connection; nothing else moves.
		in0, look0 := p.counter(p.b, "tcp-in"), p.counter(p.b, "tcp-demux-lookups")
		p.call(p.a, func(c *core.Core) error {
			c.TCPSetNoDelay(conns[0], true)
			for i := range 100 {
				if _, err := c.TCPWrite(conns[0], []byte{byte(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		p.sleep(time.Second)
		in, look := p.counter(p.b, "tcp-in")-in0, p.counter(p.b, "tcp-demux-lookups")-look0
		if in < 100 || look != in {
			t.Errorf("%d connections: got %d lookups for %d segments, want 1 per segment", n, look, in)
		}
		t.Logf("%5d connections: %d segments, %d lookups", n, in, look)
	}
	t.Logf("%.0f bytes of heap per idle connection end", heapPerConn)
	if heapPerConn > 2048 {
		t.Errorf("got %.0f bytes per idle connection end, want under 2 KiB (buffers are lazy)", heapPerConn)
	}
	var st []*core.TCPPCB
	p.call(p.b, func(c *core.Core) error { st = c.TCPPCBs(); return nil })
	if len(st) != 10001 {
		t.Errorf("got %d PCBs on b, want 10,001", len(st))
	}
}
