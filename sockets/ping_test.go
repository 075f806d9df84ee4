package sockets_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netlab/netlab/sockets"
)

func TestPingThreeReplies(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.staticARP()
	w.run("ping", func(ctx context.Context, t testing.TB) {
		var seen []sockets.PingReply
		start := w.clk.Now()
		res, err := w.A.Ping(ctx, addrB, sockets.PingOptions{Count: 3}, func(r sockets.PingReply) {
			seen = append(seen, r)
		})
		must(t, err, "ping")
		if res.Sent != 3 || res.Received != 3 || res.Errors != 0 || len(res.Replies) != 3 || len(seen) != 3 {
			t.Fatalf("got %+v, want 3 replies", res)
		}
		for i, r := range seen {
			if r.Seq != i+1 || r.From != addrB || r.RTT != 2*time.Millisecond || r.TTL != 64 || r.Size != 64 || r.Err != nil {
				t.Errorf("reply %d: got %+v, want seq %d from 10.0.0.2, rtt 2ms, ttl 64, 64 bytes", i, r, i+1)
			}
		}
		if got, want := seen[0].String(), "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=2.000 ms"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if got, want := res.String(), "3 packets transmitted, 3 received, 0% packet loss, rtt min/avg/max = 2.000/2.000/2.000 ms"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if d := w.clk.Now() - start; d != 2*time.Second+2*time.Millisecond {
			t.Errorf("ping took %v of clock time, want 2.002s (three requests 1s apart)", d)
		}
	})
	if n := len(w.A.Sockets()); n != 0 {
		t.Errorf("ping left %d sockets open", n)
	}
}

func TestPingHostUnreachable(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("ping", func(ctx context.Context, t testing.TB) {
		res, err := w.A.Ping(ctx, netip.MustParseAddr("10.0.0.99"), sockets.PingOptions{Count: 3, Timeout: 5 * time.Second}, nil)
		must(t, err, "ping")
		if res.Sent != 3 || res.Received != 0 || res.Errors != 3 {
			t.Fatalf("got %+v, want 3 errors", res)
		}
		for _, r := range res.Replies {
			if !errors.Is(r.Err, syscall.EHOSTUNREACH) {
				t.Errorf("seq %d: got %v, want EHOSTUNREACH", r.Seq, r.Err)
			}
		}
		if got := res.Replies[0].String(); got != "icmp_seq=1 Destination Host Unreachable" {
			t.Errorf("got %q", got)
		}
		if got, want := res.String(), "3 packets transmitted, 0 received, +3 errors, 100% packet loss"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestPingLossAndUnansweredTimeout(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: 600 * time.Millisecond})
	w.staticARP()
	w.run("ping", func(ctx context.Context, t testing.TB) {
		// Round trips of 1.2s are longer than a 1s timeout: all lost.
		res, err := w.A.Ping(ctx, addrB, sockets.PingOptions{Count: 2, Interval: 100 * time.Millisecond}, nil)
		must(t, err, "ping")
		if res.Sent != 2 || res.Received != 0 || !strings.Contains(res.String(), "100% packet loss") {
			t.Errorf("got %v, want 2 lost", res)
		}
		res, err = w.A.Ping(ctx, addrB, sockets.PingOptions{Count: 2, Interval: 100 * time.Millisecond, Timeout: 2 * time.Second, Size: 4}, nil)
		must(t, err, "ping")
		if res.Received != 2 || res.MinRTT != 1200*time.Millisecond {
			t.Errorf("got %v, want 2 replies after 1.2s (measured without a timestamp)", res)
		}
	})
}

func TestPingUntilContextEnds(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.staticARP()
	w.run("ping", func(ctx context.Context, t testing.TB) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		res, err := w.A.Ping(ctx, addrB, sockets.PingOptions{Interval: 10 * time.Millisecond}, func(r sockets.PingReply) {
			if r.Seq == 5 {
				cancel()
			}
		})
		if err != nil || res.Received != 5 {
			t.Errorf("got %v, %v, want 5 replies and no error", res, err)
		}
	})
}

func TestEchoSocket(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("lab", func(ctx context.Context, t testing.TB) {
		fd, err := w.A.Socket(ctx, sockets.Echo, "lab")
		must(t, err, "socket")
		must(t, w.A.Bind(ctx, fd, ap("0.0.0.0:4660")), "bind")
		if local, _ := w.A.GetSockName(ctx, fd); local.Port() != 4660 {
			t.Errorf("got sockname %v, want identifier 4660 as the port", local)
		}
		msg := make([]byte, 64)
		n := sockets.EchoRequest(msg, 7, []byte("abc"))
		msg[4], msg[5] = 0xff, 0xff // the identifier is the socket's to set
		if _, err := w.A.SendTo(ctx, fd, msg[:n], netip.AddrPortFrom(addrB, 0)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 100)
		n, from, err := w.A.RecvFrom(ctx, fd, buf)
		must(t, err, "recvfrom")
		id, seq, data, ok := sockets.ParseEcho(buf[:n])
		if !ok || buf[0] != 0 || id != 4660 || seq != 7 || string(data) != "abc" || from.Addr() != addrB {
			t.Errorf("got %x from %v, want an echo reply id 4660 seq 7 \"abc\" from 10.0.0.2", buf[:n], from)
		}
		_, err = w.A.SendTo(ctx, fd, buf[:n], netip.AddrPortFrom(addrB, 0))
		wantErrno(t, err, syscall.EINVAL, "sendto of an echo reply")

		// Connected: Send needs no address; disconnecting keeps the
		// identifier.
		must(t, w.A.Connect(ctx, fd, netip.AddrPortFrom(addrB, 0)), "connect")
		if _, err := w.A.Send(ctx, fd, msg[:sockets.EchoRequest(msg, 8, nil)]); err != nil {
			t.Fatal(err)
		}
		if _, err := w.A.Recv(ctx, fd, buf); err != nil {
			t.Fatal(err)
		}
		must(t, w.A.Connect(ctx, fd, netip.AddrPort{}), "disconnect")
		if local, _ := w.A.GetSockName(ctx, fd); local.Port() != 4660 {
			t.Errorf("got sockname %v after disconnect, want identifier 4660", local)
		}
		if _, err := w.A.GetPeerName(ctx, fd); !errors.Is(err, syscall.ENOTCONN) {
			t.Errorf("got %v, want ENOTCONN after disconnect", err)
		}

		// An echo request nobody can take: the receive reports it.
		start := w.clk.Now()
		_, err = w.A.SendTo(ctx, fd, msg[:sockets.EchoRequest(msg, 9, nil)], ap("10.0.0.99:0"))
		must(t, err, "sendto")
		_, err = w.A.Recv(ctx, fd, buf)
		wantErrno(t, err, syscall.EHOSTUNREACH, "recv after ARP failed")
		// Three requests a second apart (on the ticks of ARP's timer).
		if d := w.clk.Now() - start; d < 3*time.Second || d > 4*time.Second {
			t.Errorf("ARP gave up after %v, want after its retries (3-4s)", d)
		}
		must(t, w.A.Close(ctx, fd), "close")
	})
}

func TestPingFromNonActorUnderVirtualClock(t *testing.T) {
	// A goroutine the clock does not schedule may ping too: its waits
	// are clock timers, and the idle world jumps to them.
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.staticARP()
	ctx, cancel := bg()
	defer cancel()
	res, err := w.A.Ping(ctx, addrB, sockets.PingOptions{Count: 2}, nil)
	must(t, err, "ping")
	if res.Received != 2 {
		t.Errorf("got %v, want 2 replies", res)
	}
}

func TestEchoDisconnectKeepsItsControlBlock(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.staticARP()
	ctx, cancel := bg()
	defer cancel()
	fd, err := w.A.Socket(ctx, sockets.Echo, "first")
	must(t, err, "socket")
	must(t, w.A.Bind(ctx, fd, ap("0.0.0.0:4660")), "bind")
	_, err = w.A.Socket(ctx, sockets.Echo, "second")
	must(t, err, "socket")
	w.run("lab", func(ctx context.Context, t testing.TB) {
		msg := make([]byte, 64)
		buf := make([]byte, 100)
		must(t, w.A.Connect(ctx, fd, netip.AddrPortFrom(addrB, 0)), "connect")
		if local, _ := w.A.GetSockName(ctx, fd); local != ap("10.0.0.1:4660") {
			t.Errorf("got sockname %v after connect, want 10.0.0.1:4660 (the route's source)", local)
		}
		_, err := w.A.Send(ctx, fd, msg[:sockets.EchoRequest(msg, 1, nil)])
		must(t, err, "send")
		_, err = w.A.Recv(ctx, fd, buf)
		must(t, err, "recv")

		must(t, w.A.Connect(ctx, fd, netip.AddrPort{}), "disconnect")
		if local, _ := w.A.GetSockName(ctx, fd); local != ap("0.0.0.0:4660") {
			t.Errorf("got sockname %v after disconnect, want 0.0.0.0:4660", local)
		}
		_, err = w.A.GetPeerName(ctx, fd)
		wantErrno(t, err, syscall.ENOTCONN, "getpeername after disconnect")
		_, err = w.A.Send(ctx, fd, msg[:sockets.EchoRequest(msg, 2, nil)])
		wantErrno(t, err, syscall.EDESTADDRREQ, "send after disconnect")
		_, err = w.A.SendTo(ctx, fd, msg[:sockets.EchoRequest(msg, 3, nil)], netip.AddrPortFrom(addrB, 0))
		must(t, err, "sendto after disconnect")
		n, err := w.A.Recv(ctx, fd, buf)
		must(t, err, "recv after disconnect")
		if id, seq, _, ok := sockets.ParseEcho(buf[:n]); !ok || id != 4660 || seq != 3 {
			t.Errorf("got %x, want the reply to seq 3 with identifier 4660", buf[:n])
		}
	})
	// The core still has the control block it had (a replaced one would
	// now be listed after the second socket's).
	deadline := time.Now().Add(wallLimit)
	var got []string
	for time.Now().Before(deadline) {
		got = got[:0]
		for _, s := range w.a.Snapshot().Sockets {
			if s.Proto == "icmp" {
				got = append(got, s.Owner+" "+s.Local.String()+" "+s.Remote.String())
			}
		}
		if len(got) == 2 && got[0] == "first 0.0.0.0:4660 invalid AddrPort" && strings.HasPrefix(got[1], "second ") {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Errorf("got icmp sockets %q, want first (0.0.0.0:4660, unconnected) then second", got)
}
