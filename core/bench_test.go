package core_test

import (
	"context"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/netifapi"
)

// Benchmarks on the real clock: the stacks' goroutines run freely, as in a
// lab with a kernel peer. Run with -benchtime to taste; figures:
//
//	p50-ns, p99-ns  netifapi round trip (caller to tcpip goroutine and back)
//	pkts/s          datagrams through a router stack

// roundTrips times b.N netifapi.Get calls on s and reports their median
// and 99th percentile.
func roundTrips(b *testing.B, s *core.Stack) {
	ctx := context.Background()
	if _, err := netifapi.Get(ctx, s, "eth0"); err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := netifapi.Get(ctx, s, "eth0"); err != nil {
			b.Fatal(err)
		}
		times[i] = time.Since(start)
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2]), "p50-ns")
	b.ReportMetric(float64(times[len(times)*99/100]), "p99-ns")
}

func BenchmarkNetifapiRoundTrip(b *testing.B) {
	clk := clock.NewReal()
	e := newEnv(b, clk)
	s := newStack(b, clk, "s")
	e.actorDone()
	e.addNetif(s, "eth0", mac(1), "10.0.0.1/24", 0, mem.NewChannel("s:eth0", 1).Endpoint())
	roundTrips(b, s)
}

func BenchmarkNetifapiRoundTripUnderLoad(b *testing.B) {
	e, x, y := realPair(b)
	// Two goroutines blast UDP both ways as fast as the stacks take it;
	// x is the stack whose round trips are timed.
	udpCount(e, x, 9)
	udpCount(e, y, 9)
	blasts := []struct {
		s    *core.Stack
		send func(c *core.Core, n int) error
	}{
		{x, udpBlast(e, x, netip.MustParseAddrPort("10.0.0.2:9"))},
		{y, udpBlast(e, y, netip.MustParseAddrPort("10.0.0.1:9"))},
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sent atomic.Uint64
	for _, bl := range blasts {
		wg.Go(func() {
			fn := func(c *core.Core) error { return bl.send(c, 32) }
			for {
				select {
				case <-stop:
					return
				default:
				}
				if bl.s.Call(context.Background(), fn) == nil {
					sent.Add(32)
				}
			}
		})
	}
	roundTrips(b, x)
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(sent.Load())/b.Elapsed().Seconds(), "blast-pkts/s")
}

// realPair is two stacks a (10.0.0.1) and b (10.0.0.2) on the real clock,
// joined by an unimpaired pipe (frames go straight to the peer's queue),
// with ARP resolved both ways.
func realPair(t testing.TB) (e *env, a, b *core.Stack) {
	p := newPair(t, clock.NewReal(), mem.Impairments{})
	if r := p.ping(p.a, addr("10.0.0.2"), 1, 8, 10*time.Second); r.reply == nil {
		t.Fatalf("got %+v for the first ping, want a reply", r.err)
	}
	return p.env, p.a, p.b
}

// udpCount binds a PCB on port of s that counts what it receives.
func udpCount(e *env, s *core.Stack, port uint16) *atomic.Uint64 {
	var got atomic.Uint64
	e.call(s, func(c *core.Core) error {
		p := c.NewUDP(func(c *core.Core, d *core.UDPDatagram) { got.Add(1) }, nil, nil)
		_, err := c.UDPBind(p, netip.AddrPortFrom(netip.IPv4Unspecified(), port))
		return err
	})
	return &got
}

// udpBlast returns a send function that sends n datagrams from a new PCB
// on s to dst.
func udpBlast(e *env, s *core.Stack, dst netip.AddrPort) func(c *core.Core, n int) error {
	var p *core.UDPPCB
	e.call(s, func(c *core.Core) error {
		p = c.NewUDP(nil, nil, nil)
		_, err := c.UDPBind(p, netip.AddrPort{})
		return err
	})
	payload := make([]byte, 512)
	return func(c *core.Core, n int) error {
		for range n {
			if err := c.UDPSend(p, payload, dst); err != nil {
				return err
			}
		}
		return nil
	}
}

func BenchmarkUDPForwarding(b *testing.B) {
	const (
		batch  = 32  // datagrams per call
		window = 256 // datagrams in flight at most: below the rx queues' 1024
	)
	x := buildRouter(b, clock.NewReal(), 0, mem.Impairments{})
	e, h1, h2 := x.env, x.h1, x.h2
	if res := e.ping(h1, addr("10.0.2.2"), 1, 8, 10*time.Second); res.reply == nil {
		b.Fatalf("got %+v for the first ping across r, want a reply", res.err)
	}
	got := udpCount(e, h2, 7)
	send := udpBlast(e, h1, netip.MustParseAddrPort("10.0.2.2:7"))
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(512)
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		n := min(batch, b.N-sent)
		for int(got.Load())+window < sent+n {
			runtime.Gosched()
		}
		if err := h1.Call(ctx, func(c *core.Core) error { return send(c, n) }); err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	deadline := time.Now().Add(30 * time.Second)
	for int(got.Load()) < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("got %d of %d datagrams through r", got.Load(), b.N)
		}
		runtime.Gosched()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}
