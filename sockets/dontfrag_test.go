package sockets_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

// TestDontFragment checks IP_DONTFRAG: a datagram larger than the MTU is
// fragmented without it, and fails with EMSGSIZE with it.
func TestDontFragment(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	w.staticARP()
	w.run("lab", func(ctx context.Context, t testing.TB) {
		must(t, netifapi.SetMTU(ctx, w.a, "eth0", 576), "set MTU")
		fd := udpSocket(t, ctx, w.A, "")
		big := make([]byte, 1000)
		if _, err := w.A.SendTo(ctx, fd, big, ap("10.0.0.2:9")); err != nil {
			t.Errorf("a datagram larger than the MTU, without DF: %v", err)
		}
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.IP_DONTFRAG); v != 0 {
			t.Errorf("IP_DONTFRAG is %d by default", v)
		}
		must(t, w.A.SetSockOpt(ctx, fd, sockets.IP_DONTFRAG, 1), "IP_DONTFRAG")
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.IP_DONTFRAG); v != 1 {
			t.Errorf("IP_DONTFRAG is %d after setting it", v)
		}
		_, err := w.A.SendTo(ctx, fd, big, ap("10.0.0.2:9"))
		wantErrno(t, err, syscall.EMSGSIZE, "a datagram larger than the MTU, with DF")
		if _, err := w.A.SendTo(ctx, fd, big[:500], ap("10.0.0.2:9")); err != nil {
			t.Errorf("a datagram that fits, with DF: %v", err)
		}
		if sockets.IP_DONTFRAG.String() != "IP_DONTFRAG" {
			t.Errorf("String() = %s", sockets.IP_DONTFRAG)
		}
	})
}

// TestPingDontFragment checks PingOptions.DontFragment: a request larger
// than the MTU comes back as an error instead of a reply.
func TestPingDontFragment(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	w.staticARP()
	w.run("lab", func(ctx context.Context, t testing.TB) {
		must(t, netifapi.SetMTU(ctx, w.a, "eth0", 576), "set MTU")
		res, err := w.A.Ping(ctx, addrB, sockets.PingOptions{Count: 2, Size: 1000}, nil)
		if err != nil || res.Received != 2 {
			t.Errorf("ping of 1000 bytes without DF: %+v, %v", res, err)
		}
		res, err = w.A.Ping(ctx, addrB, sockets.PingOptions{Count: 2, Size: 1000, DontFragment: true}, nil)
		if err != nil || res.Received != 0 || res.Errors != 2 {
			t.Fatalf("ping of 1000 bytes with DF: %+v, %v", res, err)
		}
		if rep := res.Replies[0]; !errors.Is(rep.Err, syscall.EMSGSIZE) {
			t.Errorf("reply 1: %+v, want EMSGSIZE", rep)
		}
		res, err = w.A.Ping(ctx, addrB, sockets.PingOptions{Count: 1, Size: 500, DontFragment: true}, nil)
		if err != nil || res.Received != 1 {
			t.Errorf("ping of 500 bytes with DF: %+v, %v", res, err)
		}
	})
}
