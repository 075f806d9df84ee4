package core_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
)

// TestTCPImpaired10MB moves 10 MB, checked byte for byte, over a pipe
// that loses 5%, reorders 5%, duplicates 1% and corrupts 1% of frames in
// both directions (data and ACKs), on the virtual clock: a fraction of a
// second of wall time.
func TestTCPImpaired10MB(t *testing.T) {
	if testing.Short() {
		t.Skip("long transfer")
	}
	imp := mem.Impairments{Delay: 2 * time.Millisecond, Jitter: time.Millisecond, Rate: 100_000_000,
		Loss: 0.05, Reorder: 0.05, Duplicate: 0.01, Corrupt: 0.01, Queue: 4000}
	p := newPair(t, newVirtual(t), imp)
	ra, rb := newRec(p.env), newRec(p.env)
	const size = 10_000_000
	rb.dataAt = size
	client, server := p.connected(ra, rb)
	data := pattern(size)
	start := p.clk.Now()
	p.call(p.a, func(c *core.Core) error { ra.send(c, client, data, true); return nil })
	rb.next(p.env, "data", time.Hour)
	rb.next(p.env, "peer-closed", time.Minute)
	if got := rb.received(server); !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, not the %d sent, intact", len(got), size)
	}
	p.call(p.b, func(c *core.Core) error { return c.TCPClose(server) })
	ra.next(p.env, "peer-closed", time.Minute)
	el := p.clk.Now() - start
	var info core.TCPInfo
	p.call(p.a, func(c *core.Core) error { info = client.Info(); return nil })
	t.Logf("10 MB in %v of clock time (%.1f Mbit/s): %d retransmits, %d fast, %d timeouts; b: %d bad, %d out of order queued",
		el, float64(size*8)/el.Seconds()/1e6, info.Retransmits, p.counter(p.a, "tcp-fast-retransmits"),
		p.counter(p.a, "tcp-rto-expiries"), p.counter(p.b, "tcp-bad"), p.counter(p.b, "tcp-ooo-queued"))
}
