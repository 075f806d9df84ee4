package sockets_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/sockets"
)

func TestUDPEchoBetweenStacks(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	ctx, cancel := bg()
	defer cancel()
	srv := udpSocket(t, ctx, w.B, "10.0.0.2:7")
	if srv != 3 || srv.String() != "3" {
		t.Errorf("got first descriptor %v, want 3", srv)
	}
	done := w.echoServer(w.B, srv)
	w.run("client", func(ctx context.Context, t testing.TB) {
		fd := udpSocket(t, ctx, w.A, "0.0.0.0:0")
		local, err := w.A.GetSockName(ctx, fd)
		must(t, err, "getsockname")
		if local != ap("0.0.0.0:49152") {
			t.Errorf("got sockname %v, want 0.0.0.0:49152 (the first ephemeral port)", local)
		}
		start := w.clk.Now()
		n, err := w.A.SendTo(ctx, fd, []byte("hello"), ap("10.0.0.2:7"))
		must(t, err, "sendto")
		if n != 5 {
			t.Errorf("sendto returned %d, want 5", n)
		}
		buf := make([]byte, 100)
		n, from, err := w.A.RecvFrom(ctx, fd, buf)
		must(t, err, "recvfrom")
		if string(buf[:n]) != "hello" || from != ap("10.0.0.2:7") {
			t.Errorf("got %q from %v, want \"hello\" from 10.0.0.2:7", buf[:n], from)
		}
		// ARP request and reply, then the datagram and its echo: four
		// pipe delays of clock time.
		if rtt := w.clk.Now() - start; rtt != 4*time.Millisecond {
			t.Errorf("round trip took %v of clock time, want 4ms", rtt)
		}
		// A short buffer gets the start of the datagram.
		_, err = w.A.SendTo(ctx, fd, []byte("truncated"), ap("10.0.0.2:7"))
		must(t, err, "sendto")
		small := make([]byte, 4)
		n, _, err = w.A.RecvFrom(ctx, fd, small)
		must(t, err, "recvfrom")
		if string(small[:n]) != "trun" {
			t.Errorf("got %q into 4 bytes, want \"trun\"", small[:n])
		}
		must(t, w.A.Close(ctx, fd), "close")
	})
	must(t, w.B.Close(ctx, srv), "close server")
	w.wait(done)
}

func TestConnectSendRecv(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	ctx, cancel := bg()
	defer cancel()
	srv := udpSocket(t, ctx, w.B, "10.0.0.2:7")
	other := udpSocket(t, ctx, w.B, "10.0.0.2:8")
	done := w.echoServer(w.B, srv)
	w.run("client", func(ctx context.Context, t testing.TB) {
		fd := udpSocket(t, ctx, w.A, "")
		must(t, w.A.Connect(ctx, fd, ap("10.0.0.2:7")), "connect")
		peer, err := w.A.GetPeerName(ctx, fd)
		must(t, err, "getpeername")
		if peer != ap("10.0.0.2:7") {
			t.Errorf("got peer %v, want 10.0.0.2:7", peer)
		}
		local, _ := w.A.GetSockName(ctx, fd)
		if local.Port() == 0 {
			t.Errorf("connect left the socket unbound: %v", local)
		}
		_, err = w.A.Send(ctx, fd, []byte("ping"))
		must(t, err, "send")
		buf := make([]byte, 100)
		n, err := w.A.Recv(ctx, fd, buf)
		must(t, err, "recv")
		if string(buf[:n]) != "ping" {
			t.Errorf("got %q, want \"ping\"", buf[:n])
		}
		// A connected socket hears only its peer.
		_, err = w.B.SendTo(ctx, other, []byte("stranger"), netip.AddrPortFrom(addrA, local.Port()))
		must(t, err, "sendto from another port")
		must(t, w.A.SetRecvTimeout(fd, 100*time.Millisecond), "set timeout")
		_, err = w.A.Recv(ctx, fd, buf)
		wantErrno(t, err, syscall.EAGAIN, "recv of a stranger's datagram")
		// Disconnecting (a zero address) forgets the peer.
		must(t, w.A.Connect(ctx, fd, netip.AddrPort{}), "disconnect")
		_, err = w.A.GetPeerName(ctx, fd)
		wantErrno(t, err, syscall.ENOTCONN, "getpeername after disconnect")
		_, err = w.A.Send(ctx, fd, []byte("x"))
		wantErrno(t, err, syscall.EDESTADDRREQ, "send after disconnect")
		var se *sockets.Error
		if errors.As(err, &se) && (se.Op != "send" || se.FD != fd) {
			t.Errorf("got error op %q fd %v, want send on %v", se.Op, se.FD, fd)
		}
	})
	must(t, w.B.Close(ctx, srv), "close server")
	w.wait(done)
}

func TestConnRefusedOnConnectedSocket(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("client", func(ctx context.Context, t testing.TB) {
		fd := udpSocket(t, ctx, w.A, "")
		must(t, w.A.Connect(ctx, fd, ap("10.0.0.2:9")), "connect")
		_, err := w.A.Send(ctx, fd, []byte("anyone?"))
		must(t, err, "first send")
		buf := make([]byte, 100)
		_, err = w.A.Recv(ctx, fd, buf)
		wantErrno(t, err, syscall.ECONNREFUSED, "recv after port unreachable")
		if !errors.Is(err, core.ErrConnRefused) {
			t.Errorf("got %v, want it to wrap core.ErrConnRefused", err)
		}
		// The error was reported once; SO_ERROR has nothing now.
		if v, err := w.A.GetSockOpt(ctx, fd, sockets.SO_ERROR); err != nil || v != 0 {
			t.Errorf("got SO_ERROR %d, %v after recv reported it, want 0", v, err)
		}
		// Again: this time SO_ERROR reads it and clears it.
		_, err = w.A.Send(ctx, fd, []byte("again"))
		must(t, err, "second send")
		must(t, clock.Sleep(ctx, w.clk, 10*time.Millisecond), "sleep")
		info, err := w.A.Stat(fd)
		must(t, err, "stat")
		if info.Error != syscall.ECONNREFUSED {
			t.Errorf("got pending error %v, want ECONNREFUSED", info.Error)
		}
		v, err := w.A.GetSockOpt(ctx, fd, sockets.SO_ERROR)
		if err != nil || syscall.Errno(v) != syscall.ECONNREFUSED {
			t.Errorf("got SO_ERROR %d, %v, want ECONNREFUSED", v, err)
		}
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.SO_ERROR); v != 0 {
			t.Errorf("got SO_ERROR %d on the second read, want 0", v)
		}
		// And the next send reports it, as Linux does.
		_, err = w.A.Send(ctx, fd, []byte("third"))
		must(t, err, "third send")
		must(t, clock.Sleep(ctx, w.clk, 10*time.Millisecond), "sleep")
		_, err = w.A.Send(ctx, fd, []byte("fourth"))
		wantErrno(t, err, syscall.ECONNREFUSED, "send after port unreachable")
	})
}

func TestBroadcastNeedsSOBroadcast(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("lab", func(ctx context.Context, t testing.TB) {
		rx := udpSocket(t, ctx, w.B, "0.0.0.0:5000")
		tx := udpSocket(t, ctx, w.A, "")
		for _, to := range []string{"10.0.0.255:5000", "255.255.255.255:5000"} {
			_, err := w.A.SendTo(ctx, tx, []byte("all"), ap(to))
			wantErrno(t, err, syscall.EACCES, "broadcast to "+to+" without SO_BROADCAST")
		}
		must(t, w.A.SetSockOpt(ctx, tx, sockets.SO_BROADCAST, 1), "SO_BROADCAST")
		if v, _ := w.A.GetSockOpt(ctx, tx, sockets.SO_BROADCAST); v != 1 {
			t.Errorf("got SO_BROADCAST %d, want 1", v)
		}
		must(t, w.B.SetRecvTimeout(rx, time.Second), "timeout")
		buf := make([]byte, 100)
		for _, to := range []string{"10.0.0.255:5000", "255.255.255.255:5000"} {
			_, err := w.A.SendTo(ctx, tx, []byte(to), ap(to))
			must(t, err, "broadcast to "+to)
			n, from, err := w.B.RecvFrom(ctx, rx, buf)
			must(t, err, "recv of broadcast to "+to)
			if string(buf[:n]) != to || from.Addr() != addrA {
				t.Errorf("got %q from %v, want %q from 10.0.0.1", buf[:n], from, to)
			}
		}
	})
}

func TestRecvTimeoutTakesNoWallTimeUnderVirtualClock(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	w.run("lab", func(ctx context.Context, t testing.TB) {
		fd := udpSocket(t, ctx, w.A, "0.0.0.0:4000")
		must(t, w.A.SetSockOpt(ctx, fd, sockets.SO_RCVTIMEO, 1000), "SO_RCVTIMEO")
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.SO_RCVTIMEO); v != 1000 {
			t.Errorf("got SO_RCVTIMEO %d, want 1000", v)
		}
		start, wall := w.clk.Now(), time.Now()
		_, _, err := w.A.RecvFrom(ctx, fd, make([]byte, 10))
		wantErrno(t, err, syscall.EWOULDBLOCK, "recvfrom with nothing sent")
		var se *sockets.Error
		if errors.As(err, &se) && !se.Timeout() {
			t.Errorf("%v: Timeout() is false", err)
		}
		if d := w.clk.Now() - start; d != time.Second {
			t.Errorf("timeout took %v of clock time, want 1s", d)
		}
		if d := time.Since(wall); d > 500*time.Millisecond {
			t.Errorf("a 1s timeout took %v of wall time under the virtual clock", d)
		}
		must(t, w.A.SetRecvTimeout(fd, 250*time.Millisecond), "SetRecvTimeout")
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.SO_RCVTIMEO); v != 250 {
			t.Errorf("got SO_RCVTIMEO %d, want 250", v)
		}
	})
}

func TestNonblockingRecv(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("lab", func(ctx context.Context, t testing.TB) {
		fd := udpSocket(t, ctx, w.B, "10.0.0.2:4000")
		must(t, w.B.SetNonblock(fd, true), "nonblock")
		start := w.clk.Now()
		_, err := w.B.Recv(ctx, fd, make([]byte, 10))
		wantErrno(t, err, syscall.EAGAIN, "non-blocking recv")
		if w.clk.Now() != start {
			t.Errorf("non-blocking recv waited")
		}
		tx := udpSocket(t, ctx, w.A, "")
		_, err = w.A.SendTo(ctx, tx, []byte("x"), ap("10.0.0.2:4000"))
		must(t, err, "sendto")
		must(t, clock.Sleep(ctx, w.clk, 10*time.Millisecond), "sleep")
		n, err := w.B.Recv(ctx, fd, make([]byte, 10))
		if err != nil || n != 1 {
			t.Errorf("got %d, %v, want the datagram", n, err)
		}
	})
}

func TestRcvBufOverflowIsCounted(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.staticARP() // ARP would hold only 3 datagrams while it resolves
	w.run("lab", func(ctx context.Context, t testing.TB) {
		rx := udpSocket(t, ctx, w.B, "10.0.0.2:7000")
		if v, _ := w.B.GetSockOpt(ctx, rx, sockets.SO_RCVBUF); v != sockets.DefaultRcvBuf {
			t.Errorf("got default SO_RCVBUF %d, want %d", v, sockets.DefaultRcvBuf)
		}
		must(t, w.B.SetSockOpt(ctx, rx, sockets.SO_RCVBUF, 1000), "SO_RCVBUF")
		tx := udpSocket(t, ctx, w.A, "")
		msg := make([]byte, 100)
		for i := range 20 {
			msg[0] = byte(i)
			_, err := w.A.SendTo(ctx, tx, msg, ap("10.0.0.2:7000"))
			must(t, err, "sendto")
		}
		must(t, clock.Sleep(ctx, w.clk, 10*time.Millisecond), "sleep")
		info, err := w.B.Stat(rx)
		must(t, err, "stat")
		if info.Queued != 10 || info.RecvQ != 1000 || info.Drops != 10 || info.Received != 10 || info.ReceivedBytes != 1000 {
			t.Errorf("got %+v, want 10 datagrams (1000 bytes) queued and 10 dropped", info)
		}
		// The stack counts them too, as Linux's UDP RcvbufErrors.
		if n := counter(ctx, t, w.b, "udp-recv-drops"); n != 10 {
			t.Errorf("got udp-recv-drops %d, want 10", n)
		}
		must(t, w.B.SetNonblock(rx, true), "nonblock")
		buf := make([]byte, 200)
		for i := range 10 {
			n, err := w.B.Recv(ctx, rx, buf)
			if err != nil || n != 100 || buf[0] != byte(i) {
				t.Fatalf("datagram %d: got %d bytes (first %d), %v", i, n, buf[0], err)
			}
		}
		_, err = w.B.Recv(ctx, rx, buf)
		wantErrno(t, err, syscall.EAGAIN, "recv of an emptied queue")
	})
}

func TestSocketOptions(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	w.run("lab", func(ctx context.Context, t testing.TB) {
		fd := udpSocket(t, ctx, w.A, "")
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.IP_TTL); v != 64 {
			t.Errorf("got IP_TTL %d, want 64", v)
		}
		must(t, w.A.SetSockOpt(ctx, fd, sockets.IP_TTL, 5), "IP_TTL")
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.IP_TTL); v != 5 {
			t.Errorf("got IP_TTL %d, want 5", v)
		}
		if v, _ := w.A.GetSockOpt(ctx, fd, sockets.SO_TYPE); sockets.Type(v) != sockets.Datagram {
			t.Errorf("got SO_TYPE %d, want Datagram", v)
		}
		wantErrno(t, w.A.SetSockOpt(ctx, fd, sockets.IP_TTL, 300), syscall.EINVAL, "IP_TTL 300")
		wantErrno(t, w.A.SetSockOpt(ctx, fd, sockets.SO_RCVBUF, 0), syscall.EINVAL, "SO_RCVBUF 0")
		wantErrno(t, w.A.SetSockOpt(ctx, fd, sockets.SO_ERROR, 1), syscall.ENOPROTOOPT, "set SO_ERROR")
		_, err := w.A.GetSockOpt(ctx, fd, sockets.Option(99))
		wantErrno(t, err, syscall.ENOPROTOOPT, "get option 99")

		// SO_REUSEADDR: two sockets that both set it share a port.
		must(t, w.A.Bind(ctx, fd, ap("0.0.0.0:6000")), "bind")
		wantErrno(t, w.A.Bind(ctx, fd, ap("0.0.0.0:6001")), syscall.EINVAL, "second bind")
		second := udpSocket(t, ctx, w.A, "")
		wantErrno(t, w.A.Bind(ctx, second, ap("0.0.0.0:6000")), syscall.EADDRINUSE, "bind of a used port")
		r1 := udpSocket(t, ctx, w.A, "")
		r2 := udpSocket(t, ctx, w.A, "")
		for _, fd := range []sockets.FD{r1, r2} {
			must(t, w.A.SetSockOpt(ctx, fd, sockets.SO_REUSEADDR, 1), "SO_REUSEADDR")
			must(t, w.A.Bind(ctx, fd, ap("0.0.0.0:6100")), "bind with SO_REUSEADDR")
		}
		wantErrno(t, w.A.Bind(ctx, second, ap("10.0.0.9:0")), syscall.EADDRNOTAVAIL, "bind of a foreign address")
		_, err = w.A.SendTo(ctx, second, []byte("x"), netip.MustParseAddrPort("[::1]:5"))
		wantErrno(t, err, syscall.EAFNOSUPPORT, "sendto an IPv6 address")
		_, err = w.A.Socket(ctx, sockets.Type(7), "x")
		wantErrno(t, err, syscall.EPROTOTYPE, "socket of type 7")
	})
}

func TestContextCanceledRecv(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx, cancel := bg()
	defer cancel()
	fd := udpSocket(t, ctx, w.A, "0.0.0.0:4000")
	rctx, rcancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, rcancel)
	_, _, err := w.A.RecvFrom(rctx, fd, make([]byte, 10))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, syscall.EINTR) {
		t.Errorf("got %v, want context.Canceled (EINTR)", err)
	}
	// The next receive reuses the waiter of the first: it must heed its
	// own context, not the first one's.
	dctx, dcancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer dcancel()
	_, _, err = w.A.RecvFrom(dctx, fd, make([]byte, 10))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v from a second receive, want context.DeadlineExceeded", err)
	}
	// An actor's context: its cancellation wakes the task.
	w.run("lab", func(actx context.Context, t testing.TB) {
		actx, cancel := context.WithTimeout(actx, 30*time.Millisecond)
		defer cancel()
		_, err := w.A.Recv(actx, fd, make([]byte, 10))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestErrnoTable(t *testing.T) {
	for _, c := range []struct {
		err  error
		send bool
		want syscall.Errno
	}{
		{core.ErrNoRoute, false, syscall.EHOSTUNREACH},
		{core.ErrAddrInUse, false, syscall.EADDRINUSE},
		{core.ErrAddrNotAvail, false, syscall.EADDRNOTAVAIL},
		{core.ErrInvalid, false, syscall.EINVAL},
		{core.ErrNoBuffers, false, syscall.ENOBUFS},
		{core.ErrNotConnected, true, syscall.EDESTADDRREQ},
		{core.ErrNotConnected, false, syscall.ENOTCONN},
		{core.ErrMsgSize, true, syscall.EMSGSIZE},
		{core.ErrConnRefused, false, syscall.ECONNREFUSED},
		{core.ErrHostUnreach, false, syscall.EHOSTUNREACH},
		{core.ErrNetUnreach, false, syscall.ENETUNREACH},
		{core.ErrNetDown, false, syscall.ENETDOWN},
		{core.ErrBroadcast, true, syscall.EACCES},
		{core.ErrStopped, false, syscall.ENETDOWN},
		{core.ErrClosed, false, syscall.EBADF},
		{fmt.Errorf("bind: %w", core.ErrAddrInUse), false, syscall.EADDRINUSE},
		{context.Canceled, false, syscall.EINTR},
		{errors.New("something else"), false, syscall.EIO},
	} {
		if got := sockets.Errno(c.err, c.send); got != c.want {
			t.Errorf("got Errno(%v, send %v) = %s, want %s", c.err, c.send, sockets.ErrnoName(got), sockets.ErrnoName(c.want))
		}
	}
	e := &sockets.Error{Op: "recvfrom", FD: 3, Err: syscall.ECONNREFUSED}
	if got, want := e.Error(), "sockets: recvfrom fd 3: connection refused"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if n, ok := sockets.ParseErrno("ECONNREFUSED"); !ok || n != syscall.ECONNREFUSED || sockets.ErrnoName(n) != "ECONNREFUSED" {
		t.Errorf("ParseErrno/ErrnoName do not round-trip ECONNREFUSED")
	}
}

func TestGetSockNameAfterConnect(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.staticARP()
	w.run("lab", func(ctx context.Context, t testing.TB) {
		sockname := func(fd sockets.FD) netip.AddrPort {
			t.Helper()
			local, err := w.A.GetSockName(ctx, fd)
			must(t, err, "getsockname")
			return local
		}
		// Bound to 0.0.0.0: connect binds the route's source address, as
		// Linux does.
		fd := udpSocket(t, ctx, w.A, "0.0.0.0:5000")
		must(t, w.A.Connect(ctx, fd, ap("10.0.0.2:7")), "connect")
		if got := sockname(fd); got != ap("10.0.0.1:5000") {
			t.Errorf("got sockname %v after connect, want 10.0.0.1:5000", got)
		}
		// The peer sees that address and answers to it.
		srv := udpSocket(t, ctx, w.B, "10.0.0.2:7")
		_, err := w.A.Send(ctx, fd, []byte("hi"))
		must(t, err, "send")
		buf := make([]byte, 16)
		_, from, err := w.B.RecvFrom(ctx, srv, buf)
		must(t, err, "recvfrom")
		if from != ap("10.0.0.1:5000") {
			t.Errorf("the peer got the datagram from %v, want 10.0.0.1:5000", from)
		}
		_, err = w.B.SendTo(ctx, srv, []byte("back"), from)
		must(t, err, "sendto")
		must(t, w.A.SetRecvTimeout(fd, time.Second), "timeout")
		n, err := w.A.Recv(ctx, fd, buf)
		if err != nil || string(buf[:n]) != "back" {
			t.Errorf("got %q, %v, want the answer", buf[:n], err)
		}
		// Disconnecting forgets the address, not the port.
		must(t, w.A.Connect(ctx, fd, netip.AddrPort{}), "disconnect")
		if got := sockname(fd); got != ap("0.0.0.0:5000") {
			t.Errorf("got sockname %v after disconnect, want 0.0.0.0:5000", got)
		}

		// An unbound socket gets an ephemeral port on that address.
		fd = udpSocket(t, ctx, w.A, "")
		must(t, w.A.Connect(ctx, fd, ap("10.0.0.2:7")), "connect")
		if got := sockname(fd); got.Addr() != addrA || got.Port() == 0 {
			t.Errorf("got sockname %v after connect, want 10.0.0.1 and a port", got)
		}
		// Towards the loopback, the loopback address.
		fd = udpSocket(t, ctx, w.A, "")
		must(t, w.A.Connect(ctx, fd, ap("127.0.0.1:7")), "connect to the loopback")
		if got := sockname(fd); got.Addr() != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("got sockname %v after connect to 127.0.0.1:7, want 127.0.0.1", got)
		}
		// A socket bound to an address keeps it.
		fd = udpSocket(t, ctx, w.A, "10.0.0.1:5001")
		must(t, w.A.Connect(ctx, fd, ap("127.0.0.1:7")), "connect")
		if got := sockname(fd); got != ap("10.0.0.1:5001") {
			t.Errorf("got sockname %v, want 10.0.0.1:5001 as bound", got)
		}
		// Without a route the connect still succeeds (Linux would say
		// ENETUNREACH) and the address stays open.
		fd = udpSocket(t, ctx, w.A, "0.0.0.0:5002")
		must(t, w.A.Connect(ctx, fd, ap("192.0.2.1:7")), "connect without a route")
		if got := sockname(fd); got != ap("0.0.0.0:5002") {
			t.Errorf("got sockname %v after connect without a route, want 0.0.0.0:5002", got)
		}
	})
}

func TestSendAbandonedByItsContextIsNotSent(t *testing.T) {
	w := newWorld(t, worldOpts{})
	w.staticARP()
	ctx, cancel := bg()
	defer cancel()
	rx := udpSocket(t, ctx, w.B, "10.0.0.2:9")
	must(t, w.B.SetRecvTimeout(rx, wallLimit), "timeout")
	tx := udpSocket(t, ctx, w.A, "")
	must(t, w.A.Connect(ctx, tx, ap("10.0.0.2:9")), "connect")
	// Hold a's tcpip goroutine (a test may; code on the loop never
	// blocks) so that the send stays queued until its context ends.
	held, release := make(chan struct{}), make(chan struct{})
	must(t, w.a.Post(func(c *core.Core) { close(held); <-release }), "post")
	<-held
	b := []byte("first")
	sctx, scancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err := w.A.Send(sctx, tx, b)
	scancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	copy(b, "XXXXX") // b is the caller's again (-race sees a stack that reads it)
	close(release)
	// The request still runs, after the loop is released, but does not
	// send: the next datagram is the first to arrive.
	_, err = w.A.Send(ctx, tx, []byte("second"))
	must(t, err, "send")
	buf := make([]byte, 16)
	n, err := w.B.Recv(ctx, rx, buf)
	if err != nil || string(buf[:n]) != "second" {
		t.Errorf("got %q, %v, want \"second\" first", buf[:n], err)
	}
	if n := counter(ctx, t, w.a, "udp-out"); n != 1 {
		t.Errorf("got udp-out %d, want 1", n)
	}
}

// TestSendsAndReceivesWithExpiringContexts sends and receives from
// several goroutines with contexts that end at random points of the
// calls, so that requests are abandoned while queued, while running and
// after they ran, and waiters are reused after every kind of end.
func TestSendsAndReceivesWithExpiringContexts(t *testing.T) {
	const goroutines, each = 4, 300
	w := newWorld(t, worldOpts{})
	w.staticARP()
	ctx, cancel := bg()
	defer cancel()
	rx := udpSocket(t, ctx, w.B, "10.0.0.2:9")
	must(t, w.B.SetSockOpt(ctx, rx, sockets.SO_RCVBUF, 1<<20), "SO_RCVBUF")
	var wg sync.WaitGroup
	var sent, lost atomic.Int64
	for g := range goroutines {
		wg.Add(2)
		go func() { // a sender
			defer wg.Done()
			tx := udpSocket(t, ctx, w.A, "")
			msg := make([]byte, 32)
			for i := range each {
				sctx, scancel := context.WithTimeout(ctx, time.Duration(i%7)*time.Microsecond)
				msg[0] = byte(g)
				_, err := w.A.SendTo(sctx, tx, msg, ap("10.0.0.2:9"))
				scancel()
				switch {
				case err == nil:
					sent.Add(1)
				case errors.Is(err, context.DeadlineExceeded):
					lost.Add(1)
				default:
					t.Errorf("sendto: %v", err)
					return
				}
			}
		}()
		go func() { // a receiver, on the same socket as the others
			defer wg.Done()
			buf := make([]byte, 64)
			for i := range each {
				rctx, rcancel := context.WithTimeout(ctx, time.Duration(i%5)*50*time.Microsecond)
				_, _, err := w.B.RecvFrom(rctx, rx, buf)
				rcancel()
				if err != nil && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("recvfrom: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if sent.Load()+lost.Load() != goroutines*each {
		t.Errorf("got %d sent and %d abandoned, want %d in all", sent.Load(), lost.Load(), goroutines*each)
	}
	// Every send that returned success was sent; the rest were not.
	if n := counter(ctx, t, w.a, "udp-out"); n != uint64(sent.Load()) {
		t.Errorf("got udp-out %d, want %d (the sends that succeeded)", n, sent.Load())
	}
	t.Logf("%d sent, %d abandoned", sent.Load(), lost.Load())
}
