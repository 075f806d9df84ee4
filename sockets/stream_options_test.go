package sockets_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/sockets"
)

// TestStreamConnectUnreachableHost: the SYNs to a host whose ARP fails go
// unanswered; connect fails when the SYN retries run out, with the soft
// error that explains it, EHOSTUNREACH, rather than ETIMEDOUT (as Linux).
func TestStreamConnectUnreachableHost(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		fd := tcpSocket(t, ctx, w.A)
		wantErrno(t, w.A.Connect(ctx, fd, ap("10.0.0.3:80")), syscall.EHOSTUNREACH, "connect to a host that does not answer ARP")
		must(t, w.A.Close(ctx, fd), "close")
	})
}

// TestStreamReuseAddrTimeWait: after the server closes first its side of
// the connection waits in TIME-WAIT on port 80; a new listener can bind
// 10.0.0.2:80 only with SO_REUSEADDR, and then serves a new connection.
func TestStreamReuseAddrTimeWait(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, lfd := w.tcpConnected(t, ctx, "80")
		must(t, w.B.Close(ctx, lfd), "close the listener")
		must(t, w.B.Close(ctx, sfd), "close the server's side first")
		if got := recvAll(t, ctx, w.A, cfd, 16); len(got) != 0 {
			t.Fatalf("got %d bytes, want the end of the stream", len(got))
		}
		must(t, w.A.Close(ctx, cfd), "close the client")
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		if st := tcpStates(ctx, t, w.b); len(st) != 1 || st[0] != "TIME-WAIT" {
			t.Fatalf("got b's TCP states %v, want one TIME-WAIT", st)
		}
		fd := tcpSocket(t, ctx, w.B)
		wantErrno(t, w.B.Bind(ctx, fd, ap("10.0.0.2:80")), syscall.EADDRINUSE, "bind over TIME-WAIT without SO_REUSEADDR")
		must(t, w.B.Close(ctx, fd), "close")
		lfd = tcpSocket(t, ctx, w.B)
		must(t, w.B.SetSockOpt(ctx, lfd, sockets.SO_REUSEADDR, 1), "SO_REUSEADDR")
		must(t, w.B.Bind(ctx, lfd, ap("10.0.0.2:80")), "bind over TIME-WAIT with SO_REUSEADDR")
		must(t, w.B.Listen(ctx, lfd, 4), "listen")
		cfd = tcpSocket(t, ctx, w.A)
		must(t, w.A.Connect(ctx, cfd, ap("10.0.0.2:80")), "connect to the new listener")
		sfd, _, err := w.B.Accept(ctx, lfd)
		must(t, err, "accept")
		sendAll(t, ctx, w.A, cfd, []byte("again"))
		if got := recvN(t, ctx, w.B, sfd, 5); string(got) != "again" {
			t.Errorf("got %q, want %q", got, "again")
		}
		for _, c := range []struct {
			api *sockets.API
			fd  sockets.FD
		}{{w.A, cfd}, {w.B, sfd}, {w.B, lfd}} {
			must(t, c.api.Close(ctx, c.fd), "close")
		}
	})
}

// TestStreamShutdownBoth: SHUT_RDWR sends a FIN after the queued data
// (the peer reads it, then the end of the stream), makes recv return the
// end of the stream and send fail with EPIPE, and leaves the socket open
// until close.
func TestStreamShutdownBoth(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("tcp", func(ctx context.Context, t testing.TB) {
		cfd, sfd, lfd := w.tcpConnected(t, ctx, "80")
		sendAll(t, ctx, w.A, cfd, []byte("last words"))
		must(t, w.A.Shutdown(ctx, cfd, sockets.SHUT_RDWR), "shutdown")
		if got := recvAll(t, ctx, w.B, sfd, 64); string(got) != "last words" {
			t.Errorf("got %q then the end of the stream, want %q", got, "last words")
		}
		if n, err := w.A.Recv(ctx, cfd, make([]byte, 8)); n != 0 || err != nil {
			t.Errorf("got recv after SHUT_RDWR = %d, %v; want 0, nil", n, err)
		}
		_, err := w.A.Send(ctx, cfd, []byte("x"))
		wantErrno(t, err, syscall.EPIPE, "send after SHUT_RDWR")
		// The server's data is dropped, not delivered, and the
		// connection closes without a reset.
		sendAll(t, ctx, w.B, sfd, []byte("unheard"))
		must(t, w.B.Close(ctx, sfd), "close the server")
		must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
		if st := tcpStates(ctx, t, w.a); len(st) != 1 || st[0] != "TIME-WAIT" {
			t.Errorf("got a's TCP states %v, want TIME-WAIT", st)
		}
		if n := counter(ctx, t, w.a, "tcp-rst-out") + counter(ctx, t, w.b, "tcp-rst-out"); n != 0 {
			t.Errorf("got %d resets, want none", n)
		}
		must(t, w.A.Close(ctx, cfd), "close")
		must(t, w.B.Close(ctx, lfd), "close")
	})
}

// tcpStates lists the states of s's TCP control blocks that are not
// listening, as its core sees them.
func tcpStates(ctx context.Context, t testing.TB, s *core.Stack) []string {
	t.Helper()
	var out []string
	must(t, s.Call(ctx, func(c *core.Core) error {
		for _, p := range c.TCPPCBs() {
			if p.State() != core.TCPListen {
				out = append(out, p.State().String())
			}
		}
		return nil
	}), "list TCP")
	return out
}
