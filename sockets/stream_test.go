package sockets_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/sockets"
)

// tcpSocket opens a Stream socket on api.
func tcpSocket(t testing.TB, ctx context.Context, api *sockets.API) sockets.FD {
	t.Helper()
	fd, err := api.Socket(ctx, sockets.Stream, "test")
	must(t, err, "socket")
	return fd
}

// tcpListen opens a listener on api at addr.
func tcpListen(t testing.TB, ctx context.Context, api *sockets.API, addr string, backlog int) sockets.FD {
	t.Helper()
	fd := tcpSocket(t, ctx, api)
	must(t, api.Bind(ctx, fd, ap(addr)), "bind "+addr)
	must(t, api.Listen(ctx, fd, backlog), "listen")
	return fd
}

// tcpConnected opens a connection from w.A to a listener on w.B at
// 10.0.0.2:port and returns the client's and the server's descriptors
// (and the listener's).
func (w *world) tcpConnected(t testing.TB, ctx context.Context, port string) (cfd, sfd, lfd sockets.FD) {
	t.Helper()
	lfd = tcpListen(t, ctx, w.B, "10.0.0.2:"+port, 16)
	cfd = tcpSocket(t, ctx, w.A)
	must(t, w.A.Connect(ctx, cfd, ap("10.0.0.2:"+port)), "connect")
	sfd, from, err := w.B.Accept(ctx, lfd)
	must(t, err, "accept")
	local, err := w.A.GetSockName(ctx, cfd)
	must(t, err, "getsockname")
	if from != local {
		t.Errorf("got accept's peer %v, want the client's address %v", from, local)
	}
	return cfd, sfd, lfd
}

// sendAll sends b on fd.
func sendAll(t testing.TB, ctx context.Context, api *sockets.API, fd sockets.FD, b []byte) {
	t.Helper()
	for len(b) > 0 {
		n, err := api.Send(ctx, fd, b)
		must(t, err, "send")
		b = b[n:]
	}
}

// recvAll reads fd until the end of the stream.
func recvAll(t testing.TB, ctx context.Context, api *sockets.API, fd sockets.FD, chunk int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, chunk)
	for {
		n, err := api.Recv(ctx, fd, buf)
		must(t, err, "recv")
		if n == 0 {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

// recvN reads exactly n bytes from fd.
func recvN(t testing.TB, ctx context.Context, api *sockets.API, fd sockets.FD, n int) []byte {
	t.Helper()
	out := make([]byte, 0, n)
	buf := make([]byte, 64<<10)
	for len(out) < n {
		k, err := api.Recv(ctx, fd, buf[:min(len(buf), n-len(out))])
		must(t, err, "recv")
		if k == 0 {
			t.Fatalf("end of stream after %d of %d bytes", len(out), n)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

// pattern returns n bytes that show where a byte came from.
func pattern(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestStreamHandshakeAndEcho(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, lfd := w.tcpConnected(t, ctx, "80")
		peer, err := w.A.GetPeerName(ctx, cfd)
		must(t, err, "getpeername")
		if peer != ap("10.0.0.2:80") {
			t.Errorf("got client's peer %v, want 10.0.0.2:80", peer)
		}
		local, err := w.B.GetSockName(ctx, sfd)
		must(t, err, "getsockname")
		if local != ap("10.0.0.2:80") {
			t.Errorf("got server's local %v, want 10.0.0.2:80", local)
		}
		if i, _ := w.A.Stat(cfd); i.State != "connected" || i.Type != sockets.Stream {
			t.Errorf("got client %+v, want a connected tcp socket", i)
		}
		if i, _ := w.B.Stat(lfd); i.State != "listening" {
			t.Errorf("got listener state %q, want listening", i.State)
		}
		if typ, _ := w.A.GetSockOpt(ctx, cfd, sockets.SO_TYPE); typ != int(sockets.Stream) {
			t.Errorf("got SO_TYPE %d, want Stream", typ)
		}
		sendAll(t, ctx, w.A, cfd, []byte("hello, netlab"))
		if got := recvN(t, ctx, w.B, sfd, 13); string(got) != "hello, netlab" {
			t.Errorf("got %q, want %q", got, "hello, netlab")
		}
		sendAll(t, ctx, w.B, sfd, []byte("hi"))
		buf := make([]byte, 100)
		n, from, err := w.A.RecvFrom(ctx, cfd, buf)
		must(t, err, "recvfrom")
		if string(buf[:n]) != "hi" || from != ap("10.0.0.2:80") {
			t.Errorf("got %q from %v, want \"hi\" from 10.0.0.2:80", buf[:n], from)
		}
		must(t, w.A.Close(ctx, cfd), "close")
		if n, err := w.B.Recv(ctx, sfd, buf); n != 0 || err != nil {
			t.Errorf("got recv after the peer's close = %d, %v; want 0, nil (end of stream)", n, err)
		}
		must(t, w.B.Close(ctx, sfd), "close")
		must(t, w.B.Close(ctx, lfd), "close")
		_, err = w.A.Send(ctx, cfd, []byte("x"))
		wantErrno(t, err, syscall.EBADF, "send on a closed descriptor")
	})
}

func TestStreamBulkTransfer(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	const size = 4 << 20
	data := pattern(size)
	var cfd, sfd sockets.FD
	w.run("connect", func(ctx context.Context, t testing.TB) { cfd, sfd, _ = w.tcpConnected(t, ctx, "80") })
	start := w.clk.Now()
	var (
		got []byte
		end time.Duration // when the last byte arrived: once the actors are done, the clock runs free
	)
	w.wait(
		w.actor("sender", func(ctx context.Context, t testing.TB) {
			// Odd sizes, so that writes and segments do not line up.
			for off := 0; off < size; {
				n := min(size-off, 7919+off%100_000)
				sendAll(t, ctx, w.A, cfd, data[off:off+n])
				off += n
			}
			must(t, w.A.Shutdown(ctx, cfd, sockets.SHUT_WR), "shutdown")
		}),
		w.actor("receiver", func(ctx context.Context, t testing.TB) {
			got = recvAll(t, ctx, w.B, sfd, 3001)
			end = w.clk.Now()
		}),
	)
	if !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, not the %d sent", len(got), len(data))
	}
	t.Logf("4 MiB in %v of clock time", end-start)
	i, _ := w.B.Stat(sfd)
	if i.ReceivedBytes != size {
		t.Errorf("got ReceivedBytes %d, want %d", i.ReceivedBytes, size)
	}
}

func TestStreamHalfClose(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, _ := w.tcpConnected(t, ctx, "80")
		sendAll(t, ctx, w.A, cfd, []byte("request"))
		must(t, w.A.Shutdown(ctx, cfd, sockets.SHUT_WR), "shutdown")
		_, err := w.A.Send(ctx, cfd, []byte("more"))
		wantErrno(t, err, syscall.EPIPE, "send after SHUT_WR")
		if got := recvAll(t, ctx, w.B, sfd, 100); string(got) != "request" {
			t.Errorf("got %q, want %q", got, "request")
		}
		// The server still sends after the client's FIN.
		reply := pattern(300_000)
		sendAll(t, ctx, w.B, sfd, reply)
		must(t, w.B.Close(ctx, sfd), "close")
		if got := recvAll(t, ctx, w.A, cfd, 10_000); !bytes.Equal(got, reply) {
			t.Errorf("got %d bytes after the half close, want %d", len(got), len(reply))
		}
		var fds = []sockets.PollFD{{FD: cfd, Events: sockets.POLLIN | sockets.POLLOUT}}
		_, err = w.A.Poll(ctx, fds, 0)
		must(t, err, "poll")
		if want := sockets.POLLIN | sockets.POLLOUT | sockets.POLLHUP; fds[0].Revents != want {
			t.Errorf("got poll %v after both FINs, want %v", fds[0].Revents, want)
		}
		must(t, w.A.Close(ctx, cfd), "close")
	})
}

func TestStreamResetByLingerZero(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, _ := w.tcpConnected(t, ctx, "80")
		sendAll(t, ctx, w.B, sfd, []byte("before the reset"))
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		must(t, w.B.SetSockOpt(ctx, sfd, sockets.SO_LINGER, 0), "SO_LINGER")
		if v, _ := w.B.GetSockOpt(ctx, sfd, sockets.SO_LINGER); v != 0 {
			t.Errorf("got SO_LINGER %d, want 0", v)
		}
		must(t, w.B.Close(ctx, sfd), "close")
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		fds := []sockets.PollFD{{FD: cfd, Events: sockets.POLLIN}}
		w.A.Poll(ctx, fds, 0)
		if fds[0].Revents&(sockets.POLLERR|sockets.POLLHUP) != sockets.POLLERR|sockets.POLLHUP {
			t.Errorf("got poll %v after the reset, want POLLERR|POLLHUP", fds[0].Revents)
		}
		// The data that came before the reset, then the reset, then the
		// end of the stream; sends fail with EPIPE.
		buf := make([]byte, 100)
		n, err := w.A.Recv(ctx, cfd, buf)
		if err != nil || string(buf[:n]) != "before the reset" {
			t.Errorf("got %q, %v; want the data sent before the reset", buf[:n], err)
		}
		_, err = w.A.Recv(ctx, cfd, buf)
		wantErrno(t, err, syscall.ECONNRESET, "recv after the reset")
		if n, err := w.A.Recv(ctx, cfd, buf); n != 0 || err != nil {
			t.Errorf("got %d, %v after the reset was reported, want 0, nil", n, err)
		}
		_, err = w.A.Send(ctx, cfd, []byte("x"))
		wantErrno(t, err, syscall.EPIPE, "send after the reset")
		if n := counter(ctx, t, w.a, "tcp-rst-in"); n != 1 {
			t.Errorf("got tcp-rst-in %d, want 1", n)
		}
		must(t, w.A.Close(ctx, cfd), "close")
	})
}

func TestStreamNonblockingConnect(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: 5 * time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		lfd := tcpListen(t, ctx, w.B, "10.0.0.2:80", 4)
		fd := tcpSocket(t, ctx, w.A)
		must(t, w.A.SetNonblock(fd, true), "nonblock")
		start := w.clk.Now()
		wantErrno(t, w.A.Connect(ctx, fd, ap("10.0.0.2:80")), syscall.EINPROGRESS, "connect")
		wantErrno(t, w.A.Connect(ctx, fd, ap("10.0.0.2:80")), syscall.EALREADY, "connect again")
		fds := []sockets.PollFD{{FD: fd, Events: sockets.POLLOUT}}
		n, err := w.A.Poll(ctx, fds, time.Second)
		must(t, err, "poll")
		if n != 1 || fds[0].Revents != sockets.POLLOUT {
			t.Fatalf("got poll %d, %v; want POLLOUT", n, fds[0].Revents)
		}
		if el := w.clk.Now() - start; el != 20*time.Millisecond {
			t.Errorf("connect took %v, want two round trips (20ms: ARP, then SYN and SYN-ACK)", el)
		}
		if e, _ := w.A.GetSockOpt(ctx, fd, sockets.SO_ERROR); e != 0 {
			t.Errorf("got SO_ERROR %s, want 0", sockets.ErrnoName(syscall.Errno(e)))
		}
		wantErrno(t, w.A.Connect(ctx, fd, ap("10.0.0.2:80")), syscall.EISCONN, "connect when connected")
		// The listener polls readable; accept on a non-blocking listener
		// with nothing queued is EAGAIN.
		lfds := []sockets.PollFD{{FD: lfd, Events: sockets.POLLIN}}
		if n, _ := w.B.Poll(ctx, lfds, time.Second); n != 1 || lfds[0].Revents != sockets.POLLIN {
			t.Errorf("got listener poll %v, want POLLIN", lfds[0].Revents)
		}
		sfd, _, err := w.B.Accept(ctx, lfd)
		must(t, err, "accept")
		must(t, w.B.SetNonblock(lfd, true), "nonblock")
		_, _, err = w.B.Accept(ctx, lfd)
		wantErrno(t, err, syscall.EAGAIN, "accept with nothing queued")
		// A non-blocking recv with nothing to read.
		_, err = w.A.Recv(ctx, fd, make([]byte, 10))
		wantErrno(t, err, syscall.EAGAIN, "non-blocking recv")
		w.B.Close(ctx, sfd)

		// Refused: poll reports the error, SO_ERROR says which.
		fd2 := tcpSocket(t, ctx, w.A)
		must(t, w.A.SetNonblock(fd2, true), "nonblock")
		wantErrno(t, w.A.Connect(ctx, fd2, ap("10.0.0.2:81")), syscall.EINPROGRESS, "connect")
		fds = []sockets.PollFD{{FD: fd2, Events: sockets.POLLOUT}}
		w.A.Poll(ctx, fds, time.Second)
		if fds[0].Revents&sockets.POLLERR == 0 {
			t.Errorf("got poll %v for a refused connect, want POLLERR", fds[0].Revents)
		}
		if e, _ := w.A.GetSockOpt(ctx, fd2, sockets.SO_ERROR); syscall.Errno(e) != syscall.ECONNREFUSED {
			t.Errorf("got SO_ERROR %s, want ECONNREFUSED", sockets.ErrnoName(syscall.Errno(e)))
		}
		w.A.Close(ctx, fd2)
		w.A.Close(ctx, fd)
		w.B.Close(ctx, lfd)
	})
}

func TestStreamBlockingConnectRefusedAndTimedOut(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		fd := tcpSocket(t, ctx, w.A)
		wantErrno(t, w.A.Connect(ctx, fd, ap("10.0.0.2:81")), syscall.ECONNREFUSED, "connect to a closed port")
		w.A.Close(ctx, fd)
		// Nobody at 10.0.0.3: ARP fails, the SYN goes unanswered until
		// SO_SNDTIMEO (EINPROGRESS, as Linux).
		fd = tcpSocket(t, ctx, w.A)
		must(t, w.A.SetSockOpt(ctx, fd, sockets.SO_SNDTIMEO, 2500), "SO_SNDTIMEO")
		start := w.clk.Now()
		wantErrno(t, w.A.Connect(ctx, fd, ap("10.0.0.3:80")), syscall.EINPROGRESS, "connect with SO_SNDTIMEO")
		if el := w.clk.Now() - start; el != 2500*time.Millisecond {
			t.Errorf("connect gave up after %v, want 2.5s", el)
		}
		w.A.Close(ctx, fd)
	})
}

func TestStreamAcceptBacklog(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		lfd := tcpListen(t, ctx, w.B, "10.0.0.2:80", 2)
		var fds []sockets.PollFD
		for range 4 {
			fd := tcpSocket(t, ctx, w.A)
			must(t, w.A.SetNonblock(fd, true), "nonblock")
			wantErrno(t, w.A.Connect(ctx, fd, ap("10.0.0.2:80")), syscall.EINPROGRESS, "connect")
			fds = append(fds, sockets.PollFD{FD: fd, Events: sockets.POLLOUT})
		}
		must(t, clockSleep(ctx, w, 100*time.Millisecond), "sleep")
		if n, _ := w.A.Poll(ctx, fds, 0); n != 2 {
			t.Errorf("got %d connections established with a backlog of 2, want 2", n)
		}
		if i, _ := w.B.Stat(lfd); i.Pending != 2 {
			t.Errorf("got %d connections pending accept, want 2", i.Pending)
		}
		for range 2 {
			_, _, err := w.B.Accept(ctx, lfd)
			must(t, err, "accept")
		}
		// The others' SYNs are retransmitted after the initial RTO (1s).
		must(t, clockSleep(ctx, w, 1500*time.Millisecond), "sleep")
		if n, _ := w.A.Poll(ctx, fds, 0); n != 4 {
			t.Errorf("got %d connections established after accepting 2, want 4", n)
		}
		for range 2 {
			_, _, err := w.B.Accept(ctx, lfd)
			must(t, err, "accept")
		}
		if n := counter(ctx, t, w.b, "tcp-listen-drops"); n == 0 {
			t.Error("got no listen drops, want the SYNs beyond the backlog dropped")
		}
	})
}

func TestStreamTimeouts(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, lfd := w.tcpConnected(t, ctx, "80")
		must(t, w.A.SetSockOpt(ctx, cfd, sockets.SO_RCVTIMEO, 300), "SO_RCVTIMEO")
		start := w.clk.Now()
		_, err := w.A.Recv(ctx, cfd, make([]byte, 10))
		wantErrno(t, err, syscall.EAGAIN, "recv with SO_RCVTIMEO")
		if el := w.clk.Now() - start; el != 300*time.Millisecond {
			t.Errorf("recv timed out after %v, want 300ms", el)
		}
		must(t, w.B.SetRecvTimeout(lfd, time.Second), "timeout")
		_, _, err = w.B.Accept(ctx, lfd)
		wantErrno(t, err, syscall.EAGAIN, "accept with SO_RCVTIMEO")

		// The server never reads: the client's send fills its buffer and
		// the server's window, then waits SO_SNDTIMEO and returns what it
		// took.
		must(t, w.A.SetSockOpt(ctx, cfd, sockets.SO_SNDBUF, 64<<10), "SO_SNDBUF")
		must(t, w.A.SetSockOpt(ctx, cfd, sockets.SO_SNDTIMEO, 500), "SO_SNDTIMEO")
		if v, _ := w.A.GetSockOpt(ctx, cfd, sockets.SO_SNDBUF); v != 64<<10 {
			t.Errorf("got SO_SNDBUF %d, want %d", v, 64<<10)
		}
		big := pattern(2 << 20)
		start = w.clk.Now()
		n, err := w.A.Send(ctx, cfd, big)
		must(t, err, "send")
		rcvbuf, _ := w.B.GetSockOpt(ctx, sfd, sockets.SO_RCVBUF)
		if n <= 64<<10 || n > 64<<10+rcvbuf {
			t.Errorf("got send = %d, want the send buffer and the peer's window (%d)", n, 64<<10+rcvbuf)
		}
		if el := w.clk.Now() - start; el < 500*time.Millisecond {
			t.Errorf("send returned after %v, want at least SO_SNDTIMEO (500ms)", el)
		}
		_, err = w.A.Send(ctx, cfd, big)
		wantErrno(t, err, syscall.EAGAIN, "send on a full buffer after SO_SNDTIMEO")
		fds := []sockets.PollFD{{FD: cfd, Events: sockets.POLLOUT}}
		if n, _ := w.A.Poll(ctx, fds, 0); n != 0 {
			t.Errorf("got poll %v on a full send buffer, want nothing", fds[0].Revents)
		}
		// The zero window is probed; the reader takes it all and the
		// sender's buffer drains.
		got := recvN(t, ctx, w.B, sfd, n)
		if !bytes.Equal(got, big[:n]) {
			t.Error("got other bytes than those sent")
		}
		if n, _ := w.A.Poll(ctx, fds, 2*time.Second); n != 1 {
			t.Errorf("got poll %v once the reader read, want POLLOUT", fds[0].Revents)
		}
	})
}

func TestStreamFullDuplexCloseFromThirdGoroutine(t *testing.T) {
	w := newWorld(t, worldOpts{delay: 50 * time.Microsecond})
	w.staticARP()
	ctx, cancel := bg()
	defer cancel()
	cfd, sfd, _ := w.tcpConnected(t, ctx, "80")
	// The server echoes what it reads, in its own goroutine.
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := w.B.Recv(ctx, sfd, buf)
			if err != nil || n == 0 {
				w.B.Close(ctx, sfd)
				return
			}
			if _, err := w.B.Send(ctx, sfd, buf[:n]); err != nil {
				return
			}
		}
	}()
	recvErr, sendErr := make(chan error, 1), make(chan error, 1)
	var received int
	go func() { // blocked in recv most of the time
		buf := make([]byte, 10_000)
		for {
			n, err := w.A.Recv(ctx, cfd, buf)
			received += n
			if err != nil || n == 0 {
				recvErr <- err
				return
			}
		}
	}()
	go func() { // sends while the other receives
		msg := pattern(10_000)
		for {
			if _, err := w.A.Send(ctx, cfd, msg); err != nil {
				sendErr <- err
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	must(t, w.A.Close(ctx, cfd), "close") // the third goroutine
	for _, ch := range []chan error{recvErr, sendErr} {
		select {
		case err := <-ch:
			wantErrno(t, err, syscall.EBADF, "a call blocked when the descriptor closed")
		case <-time.After(wallLimit):
			t.Fatal("a blocked call was not woken by close")
		}
	}
	if received == 0 {
		t.Error("received nothing back while sending")
	}
}

func TestStreamSnapshotShowsTimersWithFDAndOwner(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, _, _ := w.tcpConnected(t, ctx, "80")
		must(t, w.A.SetSockOpt(ctx, cfd, sockets.TCP_KEEPIDLE, 60), "TCP_KEEPIDLE")
		must(t, w.A.SetSockOpt(ctx, cfd, sockets.SO_KEEPALIVE, 1), "SO_KEEPALIVE")
		if v, _ := w.A.GetSockOpt(ctx, cfd, sockets.TCP_KEEPIDLE); v != 60 {
			t.Errorf("got TCP_KEEPIDLE %d, want 60", v)
		}
		must(t, clockSleep(ctx, w, time.Millisecond), "sleep")
		w.a.Snapshot()
		must(t, clockSleep(ctx, w, time.Millisecond), "sleep")
		sn := w.a.Snapshot()
		found := false
		for _, sk := range sn.Sockets {
			if sk.Proto != "tcp" {
				continue
			}
			found = true
			if sk.FD != cfd.Num() || sk.Owner != "test" || sk.State != "ESTABLISHED" {
				t.Errorf("got snapshot socket fd %d owner %q state %s, want fd %d, test, ESTABLISHED", sk.FD, sk.Owner, sk.State, cfd.Num())
			}
			if len(sk.Timers) != 1 || !strings.HasPrefix(sk.Timers[0], "tcp keepalive 10.0.0.2:80") {
				t.Errorf("got timers %q, want the keepalive timer", sk.Timers)
			}
		}
		if !found {
			t.Error("no TCP socket in the snapshot")
		}
		var timer bool
		for _, tm := range sn.Timers {
			if strings.HasPrefix(tm.Name, "tcp keepalive") {
				timer = true
				if tm.Due < 60*time.Second {
					t.Errorf("got keepalive due at %v, want after 60s", tm.Due)
				}
			}
		}
		if !timer {
			t.Error("no keepalive timer among the stack's timers")
		}
	})
}

func TestStreamKeepaliveExpiry(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, _, _ := w.tcpConnected(t, ctx, "80")
		for opt, v := range map[sockets.Option]int{sockets.TCP_KEEPIDLE: 10, sockets.TCP_KEEPINTVL: 2, sockets.TCP_KEEPCNT: 3, sockets.SO_KEEPALIVE: 1} {
			must(t, w.A.SetSockOpt(ctx, cfd, opt, v), opt.String())
		}
		must(t, w.pipe.SetImpairments(mem.Impairments{Delay: time.Millisecond, Loss: 1}), "impair") // the peer is gone
		start := w.clk.Now()
		_, err := w.A.Recv(ctx, cfd, make([]byte, 10))
		wantErrno(t, err, syscall.ETIMEDOUT, "recv on a dead peer with keepalive")
		if el := w.clk.Now() - start; el < 15*time.Second || el > 17*time.Second {
			t.Errorf("keepalive gave up after %v, want 10s + 3 × 2s", el)
		}
	})
}

func TestStreamLingerWaitsForTheQueueToDrain(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, _ := w.tcpConnected(t, ctx, "80")
		must(t, w.A.SetLinger(cfd, true, 3*time.Second), "linger")
		// The peer does not read: what fits its window leaves, the rest
		// stays queued, and close waits the linger time.
		must(t, w.B.SetSockOpt(ctx, sfd, sockets.SO_RCVBUF, 8192), "SO_RCVBUF")
		data := pattern(300_000)
		n, err := w.A.Send(ctx, cfd, data)
		must(t, err, "send")
		must(t, clockSleep(ctx, w, 100*time.Millisecond), "sleep")
		start := w.clk.Now()
		must(t, w.A.Close(ctx, cfd), "close")
		if el := w.clk.Now() - start; el != 3*time.Second {
			t.Errorf("close with data stuck returned after %v, want the linger time (3s)", el)
		}
		_ = n

		// A reader that reads: close returns once everything is
		// acknowledged, well before the linger time.
		cfd2, sfd2, _ := w.tcpConnected(t, ctx, "81")
		must(t, w.A.SetLinger(cfd2, true, 3*time.Second), "linger")
		sendAll(t, ctx, w.A, cfd2, data)
		done := w.actor("reader", func(ctx context.Context, t testing.TB) {
			if got := recvAll(t, ctx, w.B, sfd2, 50_000); !bytes.Equal(got, data) {
				t.Errorf("got %d bytes, want %d", len(got), len(data))
			}
		})
		start = w.clk.Now()
		must(t, w.A.Close(ctx, cfd2), "close")
		if el := w.clk.Now() - start; el >= 3*time.Second || el == 0 {
			t.Errorf("close returned after %v, want once the data was acknowledged", el)
		}
		w.wait(done)
	})
}

func TestStreamEphemeralPortExhaustion(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx, cancel := bg()
	defer cancel()
	const ports = 65535 - 49152 + 1
	var fds []sockets.FD
	for range ports {
		fd := tcpSocket(t, ctx, w.A)
		must(t, w.A.Bind(ctx, fd, ap("0.0.0.0:0")), "bind")
		fds = append(fds, fd)
	}
	fd := tcpSocket(t, ctx, w.A)
	err := w.A.Bind(ctx, fd, ap("0.0.0.0:0"))
	wantErrno(t, err, syscall.EADDRINUSE, "bind to port 0 with every ephemeral port taken")
	if err != nil && !strings.Contains(err.Error(), "ephemeral") {
		t.Errorf("got %q, want an error that says the ephemeral ports ran out", err)
	}
	err = w.A.Connect(ctx, fd, ap("10.0.0.2:80"))
	wantErrno(t, err, syscall.EADDRNOTAVAIL, "connect with every ephemeral port taken")
	must(t, w.A.Close(ctx, fds[0]), "close")
	must(t, w.A.Bind(ctx, fd, ap("0.0.0.0:0")), "bind once a port is free")
	for _, fd := range fds[1:] {
		w.A.Close(ctx, fd)
	}
	var se *sockets.Error
	if !errors.As(err, &se) {
		t.Errorf("got %T, want *sockets.Error", err)
	}
}

func TestStreamListenerCloseResetsUnacceptedAndWakesAccept(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		// An accept blocked in one actor returns EBADF when another
		// closes the listener.
		lfd := tcpListen(t, ctx, w.B, "10.0.0.2:80", 4)
		done := w.actor("acceptor", func(ctx context.Context, t testing.TB) {
			_, _, err := w.B.Accept(ctx, lfd)
			wantErrno(t, err, syscall.EBADF, "accept when the listener closed")
		})
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		must(t, w.B.Close(ctx, lfd), "close")
		w.wait(done)

		// A connection established but never accepted is reset when its
		// listener closes.
		lfd = tcpListen(t, ctx, w.B, "10.0.0.2:81", 4)
		cfd := tcpSocket(t, ctx, w.A)
		must(t, w.A.Connect(ctx, cfd, ap("10.0.0.2:81")), "connect")
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		must(t, w.B.Close(ctx, lfd), "close")
		_, err := w.A.Recv(ctx, cfd, make([]byte, 10))
		wantErrno(t, err, syscall.ECONNRESET, "recv on a connection its listener never accepted")
		w.A.Close(ctx, cfd)
	})
}

func TestStreamShutdownRead(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, _ := w.tcpConnected(t, ctx, "80")
		sendAll(t, ctx, w.A, cfd, []byte("dropped"))
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		must(t, w.B.Shutdown(ctx, sfd, sockets.SHUT_RD), "shutdown")
		if n, err := w.B.Recv(ctx, sfd, make([]byte, 10)); n != 0 || err != nil {
			t.Errorf("got recv after SHUT_RD = %d, %v; want 0, nil", n, err)
		}
		// The server can still send; data that arrives is dropped, and
		// closing does not reset (what was buffered counts as read).
		sendAll(t, ctx, w.B, sfd, []byte("still"))
		if got := recvN(t, ctx, w.A, cfd, 5); string(got) != "still" {
			t.Errorf("got %q, want %q", got, "still")
		}
		wantErrno(t, w.B.Shutdown(ctx, sfd, sockets.How(7)), syscall.EINVAL, "shutdown with a bad how")
		must(t, w.A.Close(ctx, cfd), "close")
		must(t, w.B.Close(ctx, sfd), "close")
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		if n := counter(ctx, t, w.b, "tcp-unread-resets"); n != 0 {
			t.Errorf("got %d resets for unread data, want 0", n)
		}
		fd := tcpSocket(t, ctx, w.A)
		wantErrno(t, w.A.Shutdown(ctx, fd, sockets.SHUT_WR), syscall.ENOTCONN, "shutdown unconnected")
		_, err := w.A.Recv(ctx, fd, make([]byte, 1))
		wantErrno(t, err, syscall.ENOTCONN, "recv unconnected")
		_, err = w.A.Send(ctx, fd, []byte("x"))
		wantErrno(t, err, syscall.EDESTADDRREQ, "send unconnected")
	})
}
