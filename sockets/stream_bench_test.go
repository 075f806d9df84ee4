package sockets_test

import (
	"context"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/sockets"
)

// BenchmarkStreamBulk measures throughput through stream sockets from
// stack a to stack b over a pipe under the real clock: one goroutine
// sends 64 KiB per op, another receives.
func BenchmarkStreamBulk(b *testing.B) {
	const chunk = 64 << 10
	w := newWorld(b, worldOpts{})
	w.staticARP()
	ctx := context.Background()
	cfd, sfd, _ := w.tcpConnected(b, ctx, "80")
	msg := pattern(chunk)
	done := make(chan int64)
	go func() {
		buf := make([]byte, chunk)
		var got int64
		for {
			n, err := w.B.Recv(ctx, sfd, buf)
			if err != nil || n == 0 {
				done <- got
				return
			}
			got += int64(n)
		}
	}()
	b.SetBytes(chunk)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		sendAll(b, ctx, w.A, cfd, msg)
	}
	must(b, w.A.Shutdown(ctx, cfd, sockets.SHUT_WR), "shutdown")
	got := <-done
	el := time.Since(start)
	b.StopTimer()
	if got != int64(b.N)*chunk {
		b.Fatalf("got %d bytes, want %d", got, int64(b.N)*chunk)
	}
	b.ReportMetric(float64(got)*8/el.Seconds()/1e6, "Mbit/s")
}

// BenchmarkStreamConnectClose measures connections opened (connect,
// accept) and closed per second through stream sockets between two
// stacks under the real clock. The client closes first and the server
// once it has read the end of the stream, so TIME-WAIT stays on the
// client, where a short MSL recycles its ephemeral ports. (Had the
// server closed at once, both would be in TIME-WAIT, and the client's
// ports, reused after 16,384 connections, would meet the server's
// TIME-WAIT: a challenge ACK, an RST and a SYN retransmitted after a
// second, as the core does not reopen connections from TIME-WAIT.)
func BenchmarkStreamConnectClose(b *testing.B) {
	w := newWorld(b, worldOpts{})
	w.staticARP()
	ctx := context.Background()
	must(b, w.a.Call(ctx, func(c *core.Core) error {
		cfg := c.TCPConfig()
		cfg.MSL = time.Millisecond
		c.SetTCPConfig(cfg)
		return nil
	}), "MSL")
	lfd := tcpListen(b, ctx, w.B, "10.0.0.2:80", 1024)
	buf := make([]byte, 10)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		fd := tcpSocket(b, ctx, w.A)
		must(b, w.A.Connect(ctx, fd, ap("10.0.0.2:80")), "connect")
		sfd, _, err := w.B.Accept(ctx, lfd)
		must(b, err, "accept")
		must(b, w.A.Close(ctx, fd), "close")
		if n, err := w.B.Recv(ctx, sfd, buf); n != 0 || err != nil {
			b.Fatalf("got recv = %d, %v; want the end of the stream", n, err)
		}
		must(b, w.B.Close(ctx, sfd), "close")
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "conns/s")
}
