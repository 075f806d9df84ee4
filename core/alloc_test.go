//go:build !race

// Allocation tests: under -race, sync.Pool drops items on purpose, so they
// run only without it (DESIGN.md, "Testing notes").

package core_test

import (
	"context"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
)

// perPacket is how many packets one measured call sends.
const perPacket = 64

// allocsPerPacket measures the allocations of one call on s that runs
// send(c, n) and of everything that follows until got has counted n more
// packets, with n = perPacket and n = 0; the difference is what the
// packets cost. The stacks run on the real clock: time.Timer resets and
// channel wake-ups do not allocate.
func allocsPerPacket(t *testing.T, s *core.Stack, got *atomic.Uint64, send func(c *core.Core, n int) error) float64 {
	t.Helper()
	ctx := context.Background()
	measure := func(n int) float64 {
		fn := func(c *core.Core) error { return send(c, n) }
		var err error
		allocs := testing.AllocsPerRun(200, func() {
			want := got.Load() + uint64(n)
			if e := s.Call(ctx, fn); e != nil {
				err = e
				return
			}
			deadline := time.Now().Add(10 * time.Second)
			for got.Load() < want {
				if time.Now().After(deadline) {
					err = context.DeadlineExceeded
					return
				}
				runtime.Gosched()
			}
		})
		if err != nil {
			t.Fatalf("sending %d packets: %v (got %d)", n, err, got.Load())
		}
		return allocs
	}
	measure(perPacket) // warm up: queues, pools, ARP
	base, full := measure(0), measure(perPacket)
	t.Logf("%v allocations per call with 0 packets, %v with %d", base, full, perPacket)
	return (full - base) / perPacket
}

func TestUDPFastPathAllocatesNothing(t *testing.T) {
	e, a, b := realPair(t)
	got := udpCount(e, b, 7)
	if n := allocsPerPacket(t, a, got, udpBlast(e, a, netip.MustParseAddrPort("10.0.0.2:7"))); n != 0 {
		t.Errorf("got %v allocations per UDP datagram sent and delivered, want 0", n)
	}
}

func TestEchoFastPathAllocatesNothing(t *testing.T) {
	e, a, _ := realPair(t)
	var got atomic.Uint64
	var p *core.EchoPCB
	e.call(a, func(c *core.Core) error {
		p = c.NewEcho(func(c *core.Core, r *core.EchoReply) { got.Add(1) }, nil, nil)
		return c.EchoConnect(p, addr("10.0.0.2"))
	})
	data := make([]byte, 56)
	var seq uint16
	send := func(c *core.Core, n int) error {
		for range n {
			seq++
			if err := c.EchoSend(p, netip.Addr{}, seq, data); err != nil {
				return err
			}
		}
		return nil
	}
	if n := allocsPerPacket(t, a, &got, send); n != 0 {
		t.Errorf("got %v allocations per echo request and reply, want 0", n)
	}
}

func TestForwardingFastPathAllocatesNothing(t *testing.T) {
	x := buildRouter(t, clock.NewReal(), 0, mem.Impairments{})
	e, h1, r, h2 := x.env, x.h1, x.r, x.h2
	if res := e.ping(h1, addr("10.0.2.2"), 1, 8, 10*time.Second); res.reply == nil {
		t.Fatalf("got %+v for the first ping across r, want a reply", res.err)
	}
	got := udpCount(e, h2, 7)
	if n := allocsPerPacket(t, h1, got, udpBlast(e, h1, netip.MustParseAddrPort("10.0.2.2:7"))); n != 0 {
		t.Errorf("got %v allocations per datagram forwarded by r, want 0", n)
	}
	if n := e.counter(r, "ip-forwarded"); n < perPacket {
		t.Errorf("got ip-forwarded %d on r, want at least %d", n, perPacket)
	}
}
