package sockets_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/sockets"
)

func TestPollSeveralDescriptors(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	ctx, cancel := bg()
	defer cancel()
	fds := []sockets.FD{
		udpSocket(t, ctx, w.B, "10.0.0.2:6001"),
		udpSocket(t, ctx, w.B, "10.0.0.2:6002"),
		udpSocket(t, ctx, w.B, "10.0.0.2:6003"),
	}
	poller := w.actor("poller", func(ctx context.Context, t testing.TB) {
		pfds := make([]sockets.PollFD, len(fds))
		for i, fd := range fds {
			pfds[i] = sockets.PollFD{FD: fd, Events: sockets.POLLIN}
		}
		start := w.clk.Now()
		n, err := w.B.Poll(ctx, pfds, 100*time.Millisecond)
		if err != nil || n != 0 {
			t.Errorf("got poll %d, %v with nothing sent, want 0", n, err)
		}
		if d := w.clk.Now() - start; d != 100*time.Millisecond {
			t.Errorf("poll timed out after %v, want 100ms", d)
		}
		// The sender (below) sends to 6002 at 200ms.
		n, err = w.B.Poll(ctx, pfds, -1)
		if err != nil || n != 1 || pfds[1].Revents != sockets.POLLIN || pfds[0].Revents != 0 || pfds[2].Revents != 0 {
			t.Errorf("got poll %d, %v, revents %v %v %v, want only the second POLLIN", n, err, pfds[0].Revents, pfds[1].Revents, pfds[2].Revents)
		}
		buf := make([]byte, 10)
		if n, err := w.B.Recv(ctx, fds[1], buf); err != nil || string(buf[:n]) != "6002" {
			t.Errorf("got %q, %v, want \"6002\"", buf[:n], err)
		}
		// POLLOUT holds at once; a bad descriptor is POLLNVAL; a negative
		// one is skipped.
		mixed := []sockets.PollFD{
			{FD: fds[0], Events: sockets.POLLIN | sockets.POLLOUT},
			{FD: 99, Events: sockets.POLLIN},
			{FD: -1, Events: sockets.POLLIN},
		}
		n, err = w.B.Poll(ctx, mixed, -1)
		if err != nil || n != 2 || mixed[0].Revents != sockets.POLLOUT || mixed[1].Revents != sockets.POLLNVAL || mixed[2].Revents != 0 {
			t.Errorf("got poll %d, %v, revents %v %v %v, want POLLOUT, POLLNVAL, 0", n, err, mixed[0].Revents, mixed[1].Revents, mixed[2].Revents)
		}
	})
	sender := w.actor("sender", func(ctx context.Context, t testing.TB) {
		must(t, clock.Sleep(ctx, w.clk, 200*time.Millisecond), "sleep")
		fd := udpSocket(t, ctx, w.A, "")
		_, err := w.A.SendTo(ctx, fd, []byte("6002"), ap("10.0.0.2:6002"))
		must(t, err, "sendto")
	})
	w.wait(poller, sender)
}

func TestPollWakesOnErrorAndClose(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	w.run("error", func(ctx context.Context, t testing.TB) {
		fd := udpSocket(t, ctx, w.A, "")
		must(t, w.A.Connect(ctx, fd, ap("10.0.0.2:9")), "connect")
		_, err := w.A.Send(ctx, fd, []byte("x"))
		must(t, err, "send")
		pfd := []sockets.PollFD{{FD: fd, Events: sockets.POLLIN}}
		n, err := w.A.Poll(ctx, pfd, -1)
		if err != nil || n != 1 || pfd[0].Revents != sockets.POLLERR {
			t.Errorf("got poll %d, %v, %v, want POLLERR", n, err, pfd[0].Revents)
		}
		if got := pfd[0].Revents.String(); got != "POLLERR" {
			t.Errorf("got %q, want POLLERR", got)
		}
	})

	ctx, cancel := bg()
	defer cancel()
	fd := udpSocket(t, ctx, w.A, "0.0.0.0:7")
	poller := w.actor("poller", func(ctx context.Context, t testing.TB) {
		pfd := []sockets.PollFD{{FD: fd, Events: sockets.POLLIN}}
		n, err := w.A.Poll(ctx, pfd, -1)
		if err != nil || n != 1 || pfd[0].Revents != sockets.POLLNVAL {
			t.Errorf("got poll %d, %v, %v, want POLLNVAL once closed", n, err, pfd[0].Revents)
		}
	})
	closer := w.actor("closer", func(ctx context.Context, t testing.TB) {
		must(t, clock.Sleep(ctx, w.clk, 10*time.Millisecond), "sleep")
		must(t, w.A.Close(ctx, fd), "close")
	})
	w.wait(poller, closer)
}

func TestCloseFromAnotherGoroutineUnblocksRecv(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	ctx, cancel := bg()
	defer cancel()
	fd := udpSocket(t, ctx, w.A, "0.0.0.0:4000")
	recv := w.actor("recv", func(ctx context.Context, t testing.TB) {
		_, _, err := w.A.RecvFrom(ctx, fd, make([]byte, 10))
		wantErrno(t, err, syscall.EBADF, "recvfrom on a descriptor closed meanwhile")
	})
	w.blockedIn("recv", "recvfrom fd "+fd.String())
	must(t, w.A.Close(ctx, fd), "close")
	w.wait(recv)
	wantErrno(t, w.A.Close(ctx, fd), syscall.EBADF, "second close")
}

func TestStackStopUnblocksCalls(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	ctx, cancel := bg()
	defer cancel()
	rfd := udpSocket(t, ctx, w.A, "0.0.0.0:4000")
	pfd := udpSocket(t, ctx, w.A, "0.0.0.0:4001")
	started := make(chan struct{}, 2)
	recv := w.actor("recv", func(ctx context.Context, t testing.TB) {
		started <- struct{}{}
		_, _, err := w.A.RecvFrom(ctx, rfd, make([]byte, 10))
		wantErrno(t, err, syscall.ENETDOWN, "recvfrom when the stack stops")
	})
	poll := w.actor("poll", func(ctx context.Context, t testing.TB) {
		started <- struct{}{}
		fds := []sockets.PollFD{{FD: pfd, Events: sockets.POLLIN}}
		n, err := w.A.Poll(ctx, fds, -1)
		if err != nil || n != 1 || fds[0].Revents&sockets.POLLHUP == 0 {
			t.Errorf("got poll %d, %v, %v, want POLLHUP when the stack stops", n, err, fds[0].Revents)
		}
	})
	<-started
	<-started
	w.blockedIn("recv", "recvfrom fd "+rfd.String())
	w.blockedIn("poll", "")
	w.a.Stop()
	w.wait(recv, poll)
	_, err := w.A.Socket(ctx, sockets.Datagram, "late")
	wantErrno(t, err, syscall.ENETDOWN, "socket on a stopped stack")
	_, err = w.A.SendTo(ctx, rfd, []byte("x"), ap("10.0.0.2:1"))
	wantErrno(t, err, syscall.ENETDOWN, "sendto on a stopped stack")
	if err := w.A.Close(ctx, rfd); err != nil {
		t.Errorf("close on a stopped stack: %v", err)
	}
}

func TestStaleDescriptor(t *testing.T) {
	t.Run("generations", func(t *testing.T) {
		w := newWorld(t, worldOpts{virtual: true})
		w.run("lab", func(ctx context.Context, t testing.TB) {
			old := udpSocket(t, ctx, w.A, "")
			must(t, w.A.Close(ctx, old), "close")
			fresh := udpSocket(t, ctx, w.A, "")
			if fresh.Num() != old.Num() || fresh == old || fresh.Gen() != 1 || fresh.String() != "3/g1" {
				t.Errorf("got %v after closing %v, want 3/g1", fresh, old)
			}
			wantErrno(t, w.A.Bind(ctx, old, ap("0.0.0.0:7000")), syscall.EBADF, "bind on a stale descriptor")
			_, err := w.A.Recv(ctx, old, nil)
			wantErrno(t, err, syscall.EBADF, "recv on a stale descriptor")
			wantErrno(t, w.A.Close(ctx, old), syscall.EBADF, "close of a stale descriptor")
			if local, _ := w.A.GetSockName(ctx, fresh); local.Port() != 0 {
				t.Errorf("the stale descriptor reached the new socket: it is bound to %v", local)
			}
			// POSIX: the lowest free number.
			a, b := udpSocket(t, ctx, w.A, ""), udpSocket(t, ctx, w.A, "")
			must(t, w.A.Close(ctx, a), "close")
			if c := udpSocket(t, ctx, w.A, ""); c.Num() != a.Num() {
				t.Errorf("got %v after closing %v (and %v open), want number %d", c, a, b, a.Num())
			}
		})
	})
	t.Run("classic", func(t *testing.T) {
		w := newWorld(t, worldOpts{virtual: true, sockets: sockets.Options{Classic: true}})
		w.run("lab", func(ctx context.Context, t testing.TB) {
			old := udpSocket(t, ctx, w.A, "")
			must(t, w.A.Close(ctx, old), "close")
			fresh := udpSocket(t, ctx, w.A, "")
			if fresh != old {
				t.Errorf("got %v after closing %v, want the same descriptor", fresh, old)
			}
			must(t, w.A.Bind(ctx, old, ap("0.0.0.0:7000")), "bind on the stale descriptor")
			if local, _ := w.A.GetSockName(ctx, fresh); local.Port() != 7000 {
				t.Errorf("got %v, want the new socket bound through the stale descriptor", local)
			}
		})
	})
}

func TestSocketsListsDescriptorsAndSnapshots(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	ctx, cancel := bg()
	defer cancel()
	fd, err := w.A.Socket(ctx, sockets.Datagram, "lab")
	must(t, err, "socket")
	must(t, w.A.Bind(ctx, fd, ap("10.0.0.1:5353")), "bind")
	efd, err := w.A.Socket(ctx, sockets.Echo, "tui")
	must(t, err, "socket")
	list := w.A.Sockets()
	if len(list) != 2 || list[0].FD != fd || list[0].Owner != "lab" || list[0].Local != ap("10.0.0.1:5353") || list[1].FD != efd || list[1].Type != sockets.Echo {
		t.Errorf("got %+v", list)
	}
	// The core's snapshot lists the sockets through core.SocketOwner.
	w.a.Snapshot()
	if _, err := w.A.GetSockName(ctx, fd); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wallLimit)
	for time.Now().Before(deadline) {
		snap := w.a.Snapshot()
		for _, s := range snap.Sockets {
			if s.FD == 3 && s.Owner == "lab" && s.Proto == "udp" && s.Local == ap("10.0.0.1:5353") {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Errorf("no snapshot lists fd 3 (lab) bound to 10.0.0.1:5353: %+v", w.a.LatestSnapshot().Sockets)
}

func TestRecvOnBadDescriptor(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true})
	ctx, cancel := bg()
	defer cancel()
	for _, fd := range []sockets.FD{-1, 0, 3, 1000} {
		_, _, err := w.A.RecvFrom(ctx, fd, nil)
		wantErrno(t, err, syscall.EBADF, "recvfrom on "+fd.String())
		var se *sockets.Error
		if errors.As(err, &se) && se.FD != fd {
			t.Errorf("error names fd %v, want %v", se.FD, fd)
		}
	}
}
