package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/sockets"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// Workload 5: scale. The cost of one full TCP segment of a bulk transfer
// while 1, 1,000 and 10,000 other connections are open; the cost of one
// UDP datagram (workload 1, 64 B) with 100,000 timers armed on the
// sending stack, and of arming them; the time to build a view of 10,000
// sockets (netlab's snapshot; gVisor's nearest figure is listing its
// registered endpoints and reading each one's Info and State).

func scaleMeasures(p params) ([]measure, string) {
	conns := []int{1, 1000, 10000}
	timers, socks := 100_000, 10_000
	if p.short {
		conns = []int{1, 100, 1000}
		timers, socks = 10_000, 1000
	}
	var ms []measure
	for _, n := range conns {
		ms = append(ms, measure{
			name: fmt.Sprintf("tcp ns/segment, %d conns open", n), unit: "ns", higher: false,
			netlab: func(p params) (float64, error) { return segmentCost(p, n, openNLTCPMany) },
			gvisor: func(p params) (float64, error) { return segmentCost(p, n, openGVTCPMany) },
			note:   "bulk on one more connection",
		})
	}
	ms = append(ms,
		measure{
			name: fmt.Sprintf("arm %d timers", timers), unit: "ns/timer", higher: false,
			netlab: func(p params) (float64, error) { r, err := nlTimers(p, timers, false); return r, err },
			gvisor: func(p params) (float64, error) { r, err := gvTimers(p, timers, false); return r, err },
			note:   "netlab core timers vs the gVisor stack clock's AfterFunc",
		},
		measure{
			name: fmt.Sprintf("udp 64B ns/dgram, %d timers armed", timers), unit: "ns", higher: false,
			netlab: func(p params) (float64, error) { return nlTimers(p, timers, true) },
			gvisor: func(p params) (float64, error) { return gvTimers(p, timers, true) },
		},
		measure{
			name: fmt.Sprintf("socket table of %d UDP sockets", socks), unit: "µs", higher: false,
			netlab: func(p params) (float64, error) { return nlSnapshot(socks) },
			gvisor: func(p params) (float64, error) { return gvEndpointList(socks) },
			note:   "netlab: request to fresh snapshot; gVisor: RegisteredEndpoints + Info + State",
		},
	)
	return ms, ""
}

// connsWorld opens a pair, n idle connections from a to b's port 81,
// and one more connection on port 80 for the bulk transfer.
type connsWorld func(n int) (client, server net.Conn, closeAll func(), err error)

// openMany dials n connections through dial and accepts them on ln.
func openMany(n int, ln net.Listener, dial func() (net.Conn, error)) ([]net.Conn, error) {
	out := make([]net.Conn, 0, 2*n)
	accepted := make(chan net.Conn, n)
	errs := make(chan error, 1)
	go func() {
		for range n {
			c, err := ln.Accept()
			if err != nil {
				errs <- err
				return
			}
			accepted <- c
		}
		errs <- nil
	}()
	for range n {
		c, err := dial()
		if err != nil {
			ln.Close()
			<-errs
			closeAll(out)
			return nil, err
		}
		out = append(out, c)
	}
	if err := <-errs; err != nil {
		closeAll(out)
		return nil, err
	}
	for range n {
		out = append(out, <-accepted)
	}
	return out, nil
}

func closeAll(cs []net.Conn) {
	for _, c := range cs {
		c.Close()
	}
}

func openNLTCPMany(n int) (client, server net.Conn, done func(), err error) {
	w, err := newNLPair()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*wallLimit)
	defer cancel()
	ln, err := sockets.Listen(ctx, w.B, "tcp", "10.0.0.2:81")
	if err != nil {
		w.close()
		return nil, nil, nil, err
	}
	idle, err := openMany(n, ln, func() (net.Conn, error) { return sockets.Dial(ctx, w.A, "tcp", "10.0.0.2:81") })
	ln.Close()
	if err != nil {
		w.close()
		return nil, nil, nil, err
	}
	if client, server, err = nlTCPConns(w, 80); err != nil {
		closeAll(idle)
		w.close()
		return nil, nil, nil, err
	}
	return client, server, func() { client.Close(); server.Close(); closeAll(idle); w.close() }, nil
}

func openGVTCPMany(n int) (client, server net.Conn, done func(), err error) {
	w, err := newGVPair()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*wallLimit)
	defer cancel()
	to := gvFull(netip.AddrPortFrom(addrB, 81))
	ln, err := gonet.ListenTCP(w.b, to, ipv4.ProtocolNumber)
	if err != nil {
		w.close()
		return nil, nil, nil, err
	}
	idle, err := openMany(n, ln, func() (net.Conn, error) { return gonet.DialContextTCP(ctx, w.a, to, ipv4.ProtocolNumber) })
	ln.Close()
	if err != nil {
		w.close()
		return nil, nil, nil, err
	}
	if client, server, err = gvTCPConns(w, 80); err != nil {
		closeAll(idle)
		w.close()
		return nil, nil, nil, err
	}
	return client, server, func() { client.Close(); server.Close(); closeAll(idle); w.close() }, nil
}

// segmentCost returns the wall time per full segment (MTU - 40 bytes) of
// a bulk transfer with n other connections open.
func segmentCost(p params, n int, open connsWorld) (float64, error) {
	c, s, done, err := open(n)
	if err != nil {
		return 0, err
	}
	defer done()
	total := tcpBytes(p) / 4
	mbps, err := tcpBulk(c, s, total)
	if err != nil {
		return 0, err
	}
	bytesPerNs := mbps * 1e6 / 8 / 1e9
	return (mtu - 40) / bytesPerNs, nil
}

// nlTimers arms n one-hour timers on stack a in one call; it returns
// the ns per timer armed, or (perDgram) the ns per datagram of workload
// 1 (64 B) run with them armed.
func nlTimers(p params, n int, perDgram bool) (float64, error) {
	w, err := newNLPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	var el time.Duration
	if err := w.a.Call(ctx, func(c *core.Core) error {
		t0 := time.Now()
		for range n {
			c.StartTimer(c.NewTimer("bench", "bench", func(*core.Core) {}), time.Hour, 0)
		}
		el = time.Since(t0)
		return nil
	}); err != nil {
		return 0, err
	}
	if !perDgram {
		return float64(el.Nanoseconds()) / float64(n), nil
	}
	rx, tx, err := nlUDPConns(w)
	if err != nil {
		return 0, err
	}
	defer rx.Close()
	defer tx.Close()
	r, err := udpRun(tx, rx, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 9)), 64, udpCount(p)/2)
	return 1e9 / r, err
}

// gvTimers is nlTimers for gVisor: n AfterFunc timers of stack a's
// clock, the clock its own protocols' timers use.
func gvTimers(p params, n int, perDgram bool) (float64, error) {
	w, err := newGVPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	clk := w.a.Clock()
	timers := make([]tcpip.Timer, 0, n)
	t0 := time.Now()
	for range n {
		timers = append(timers, clk.AfterFunc(time.Hour, func() {}))
	}
	el := time.Since(t0)
	defer func() {
		for _, t := range timers {
			t.Stop()
		}
	}()
	if !perDgram {
		return float64(el.Nanoseconds()) / float64(n), nil
	}
	rx, tx, err := gvUDPConns(w)
	if err != nil {
		return 0, err
	}
	defer rx.Close()
	defer tx.Close()
	r, err := udpRun(tx, rx, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 9)), 64, udpCount(p)/2)
	return 1e9 / r, err
}

// snapshotRounds is how many fresh views each repetition times.
const snapshotRounds = 21

// nlSnapshot opens n bound UDP sockets on stack a and returns the median
// time from asking for a snapshot to its publication.
func nlSnapshot(n int) (float64, error) {
	w, err := newNLPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	for i := range n {
		if _, err := w.A.ListenPacket(ctx, "udp", fmt.Sprintf("10.0.0.1:%d", 10000+i)); err != nil {
			return 0, err
		}
	}
	times := make([]time.Duration, 0, snapshotRounds)
	for range snapshotRounds {
		old := w.a.Snapshot()
		for w.a.LatestSnapshot() == old { // the request above may have been folded into one already queued
			time.Sleep(10 * time.Microsecond)
		}
		old = w.a.LatestSnapshot()
		t0 := time.Now()
		w.a.Snapshot()
		for w.a.LatestSnapshot() == old {
			// Sleep rather than spin: a spinning waiter would take one
			// of the two cores from the tcpip goroutine it waits for.
			time.Sleep(10 * time.Microsecond)
			if time.Since(t0) > wallLimit {
				return 0, fmt.Errorf("no snapshot published")
			}
		}
		times = append(times, time.Since(t0))
		if got := len(w.a.LatestSnapshot().Sockets); got < n {
			return 0, fmt.Errorf("snapshot has %d sockets, want %d", got, n)
		}
	}
	slices.Sort(times)
	return float64(times[len(times)/2]) / float64(time.Microsecond), nil
}

// gvEndpointList opens n bound UDP endpoints on stack a and returns the
// median time to list the stack's endpoints and read each one's Info
// and State.
func gvEndpointList(n int) (float64, error) {
	w, err := newGVPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	for i := range n {
		var wq waiter.Queue
		ep, terr := w.a.NewEndpoint(udp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
		if terr != nil {
			return 0, fmt.Errorf("gvisor: NewEndpoint: %s", terr)
		}
		defer ep.Close()
		if terr := ep.Bind(gvFull(netip.AddrPortFrom(addrA, uint16(10000+i)))); terr != nil {
			return 0, fmt.Errorf("gvisor: Bind: %s", terr)
		}
	}
	times := make([]time.Duration, 0, snapshotRounds)
	var sink uint32
	for range snapshotRounds {
		t0 := time.Now()
		eps := w.a.RegisteredEndpoints()
		for _, te := range eps {
			if e, ok := te.(tcpip.Endpoint); ok {
				info := e.Info()
				sink += uint32(e.State())
				_ = info
			}
		}
		times = append(times, time.Since(t0))
		if len(eps) < n {
			return 0, fmt.Errorf("%d endpoints registered, want %d", len(eps), n)
		}
	}
	_ = sink
	slices.Sort(times)
	return float64(times[len(times)/2]) / float64(time.Microsecond), nil
}
