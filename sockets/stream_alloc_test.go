//go:build !race

package sockets_test

import (
	"context"
	"testing"

	"github.com/netlab/netlab/sockets"
)

// TestStreamSendRecvAllocations checks that steady-state sends and
// receives on a TCP connection allocate nothing, all goroutines counted:
// writes are pooled requests, the receive buffer is a ring grown once,
// window updates are a Post of a function taken once, and waits reuse
// the socket's waiters.
func TestStreamSendRecvAllocations(t *testing.T) {
	w := allocWorld(t)
	ctx := context.Background()
	cfd, sfd, _ := w.tcpConnected(t, ctx, "80")
	// Without it, Nagle's algorithm holds each send until the delayed
	// ACK of the one before (40ms).
	must(t, w.A.SetSockOpt(ctx, cfd, sockets.TCP_NODELAY, 1), "TCP_NODELAY")
	msg, buf := pattern(1400), make([]byte, 1400)
	n := allocsPerDatagram(t, func() error {
		if _, err := w.A.Send(ctx, cfd, msg); err != nil {
			return err
		}
		for got := 0; got < len(msg); {
			k, err := w.B.Recv(ctx, sfd, buf[got:])
			if err != nil {
				return err
			}
			got += k
		}
		return nil
	})
	if n > 0 {
		t.Errorf("got %v allocations per 1400 bytes sent and received, want 0", n)
	}
}
