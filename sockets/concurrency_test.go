package sockets_test

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab/netlab/sockets"
)

// TestConcurrentSendRecvOnOneSocket uses one socket from several
// goroutines at once under the real clock: senders, a receiver blocked
// while they send (full duplex), and a goroutine polling and listing it.
func TestConcurrentSendRecvOnOneSocket(t *testing.T) {
	const senders, each, window = 4, 250, 128
	w := newWorld(t, worldOpts{})
	w.staticARP() // ARP would hold only 3 datagrams while it resolves
	ctx, cancel := bg()
	defer cancel()
	srv := udpSocket(t, ctx, w.B, "10.0.0.2:7")
	var servers sync.WaitGroup
	servers.Add(1)
	go func() {
		defer servers.Done()
		buf := make([]byte, 100)
		for {
			n, from, err := w.B.RecvFrom(ctx, srv, buf)
			if err != nil {
				return
			}
			w.B.SendTo(ctx, srv, buf[:n], from)
		}
	}()
	fd := udpSocket(t, ctx, w.A, "")
	must(t, w.A.Connect(ctx, fd, ap("10.0.0.2:7")), "connect")
	must(t, w.A.SetRecvTimeout(fd, 10*time.Second), "timeout")

	var (
		received atomic.Int64
		sent     atomic.Int64
		wg       sync.WaitGroup
		seen     = make([]int, senders*each)
	)
	wg.Add(1)
	go func() { // the receiver
		defer wg.Done()
		buf := make([]byte, 100)
		for received.Load() < senders*each {
			n, err := w.A.Recv(ctx, fd, buf)
			if err != nil {
				t.Errorf("recv after %d datagrams: %v", received.Load(), err)
				return
			}
			if n != 8 {
				t.Errorf("got %d bytes, want 8", n)
				continue
			}
			seen[binary.BigEndian.Uint64(buf)]++
			received.Add(1)
		}
	}()
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var msg [8]byte
			for i := range each {
				for sent.Load()-received.Load() > window {
					time.Sleep(50 * time.Microsecond)
				}
				binary.BigEndian.PutUint64(msg[:], uint64(s*each+i))
				if _, err := w.A.Send(ctx, fd, msg[:]); err != nil {
					t.Errorf("send: %v", err)
					return
				}
				sent.Add(1)
			}
		}()
	}
	stop := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Add(1)
	go func() { // polls and lists while the others work
		defer watcher.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			fds := []sockets.PollFD{{FD: fd, Events: sockets.POLLIN | sockets.POLLOUT}}
			if _, err := w.A.Poll(ctx, fds, time.Millisecond); err != nil {
				t.Errorf("poll: %v", err)
				return
			}
			w.A.Sockets()
			w.a.Snapshot()
			if _, err := w.A.GetSockName(ctx, fd); err != nil {
				t.Errorf("getsockname: %v", err)
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	watcher.Wait()
	for id, n := range seen {
		if n != 1 {
			t.Errorf("datagram %d came back %d times, want once", id, n)
			break
		}
	}
	must(t, w.B.Close(ctx, srv), "close server")
	servers.Wait()
	must(t, w.A.Close(ctx, fd), "close")
}

// TestConcurrentOpenClose opens, uses and closes sockets from many
// goroutines at once: descriptors stay unique while open.
func TestConcurrentOpenClose(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx, cancel := bg()
	defer cancel()
	var (
		mu   sync.Mutex
		open = map[int]bool{}
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				fd, err := w.A.Socket(ctx, sockets.Datagram, "churn")
				if err != nil {
					t.Errorf("socket: %v", err)
					return
				}
				mu.Lock()
				if open[fd.Num()] {
					t.Errorf("descriptor number %d handed out twice", fd.Num())
				}
				open[fd.Num()] = true
				mu.Unlock()
				if err := w.A.Bind(ctx, fd, ap("0.0.0.0:0")); err != nil {
					t.Errorf("bind: %v", err)
				}
				mu.Lock()
				delete(open, fd.Num())
				mu.Unlock()
				if err := w.A.Close(ctx, fd); err != nil {
					t.Errorf("close: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(w.A.Sockets()); n != 0 {
		t.Errorf("%d sockets left open", n)
	}
}

// TestFullDuplexUnderVirtualClock: one actor blocks in a receive on a
// socket while another actor sends on the same socket.
func TestFullDuplexUnderVirtualClock(t *testing.T) {
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	ctx, cancel := bg()
	defer cancel()
	srv := udpSocket(t, ctx, w.B, "10.0.0.2:7")
	server := w.echoServer(w.B, srv)
	fd := udpSocket(t, ctx, w.A, "")
	must(t, w.A.Connect(ctx, fd, ap("10.0.0.2:7")), "connect")
	recv := w.actor("recv", func(ctx context.Context, t testing.TB) {
		buf := make([]byte, 10)
		for i := range 5 {
			n, err := w.A.Recv(ctx, fd, buf)
			if err != nil || n != 1 || buf[0] != byte(i) {
				t.Errorf("recv %d: got %d bytes %v, %v", i, n, buf[:n], err)
				return
			}
		}
	})
	send := w.actor("send", func(ctx context.Context, t testing.TB) {
		for i := range 5 {
			must(t, clockSleep(ctx, w, 10*time.Millisecond), "sleep")
			_, err := w.A.Send(ctx, fd, []byte{byte(i)})
			must(t, err, "send")
		}
	})
	w.wait(recv, send)
	must(t, w.B.Close(ctx, srv), "close server")
	w.wait(server)
}
