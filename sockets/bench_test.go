package sockets_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab/netlab/sockets"
)

func BenchmarkUDPSendRecv64(b *testing.B)   { benchUDP(b, 64) }
func BenchmarkUDPSendRecv1400(b *testing.B) { benchUDP(b, 1400) }

// benchUDP measures datagrams per second from a socket on stack a to one
// on stack b over a pipe, under the real clock: one goroutine sends, one
// receives, with at most window datagrams in flight so that neither
// stack's queues overflow.
func benchUDP(b *testing.B, size int) {
	const window = 256
	w := newWorld(b, worldOpts{})
	w.staticARP()
	ctx := context.Background()
	rx := udpSocket(b, ctx, w.B, "10.0.0.2:9")
	must(b, w.B.SetSockOpt(ctx, rx, sockets.SO_RCVBUF, 4<<20), "SO_RCVBUF")
	must(b, w.B.SetRecvTimeout(rx, 500*time.Millisecond), "timeout")
	tx := udpSocket(b, ctx, w.A, "")
	must(b, w.A.Connect(ctx, tx, ap("10.0.0.2:9")), "connect")
	msg := make([]byte, size)

	var got atomic.Int64
	done := make(chan struct{})
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for got.Load() < int64(b.N) {
			if _, err := w.B.Recv(ctx, rx, buf); err != nil {
				return // the rest was lost
			}
			got.Add(1)
		}
	}()
	for i := range b.N {
		if int64(i)-got.Load() > window {
			// Wait for the receiver, but not for a datagram that was lost.
			limit := time.Now().Add(10 * time.Millisecond)
			for int64(i)-got.Load() > window && time.Now().Before(limit) {
				time.Sleep(5 * time.Microsecond)
			}
		}
		if _, err := w.A.Send(ctx, tx, msg); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	elapsed := time.Since(start)
	b.StopTimer()
	n := got.Load()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "dgrams/s")
	if lost := int64(b.N) - n; lost > 0 {
		b.ReportMetric(float64(lost)*100/float64(b.N), "%lost")
	}
}
