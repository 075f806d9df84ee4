package sockets_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/sockets"
)

// connPair returns a connected pair of Conns between a and b on the real
// clock.
func connPair(t testing.TB, w *world) (client, server net.Conn, ln net.Listener) {
	t.Helper()
	ctx, cancel := bg()
	defer cancel()
	ln, err := sockets.Listen(ctx, w.B, "tcp", "10.0.0.2:0")
	must(t, err, "listen")
	type res struct {
		c   net.Conn
		err error
	}
	acc := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		acc <- res{c, err}
	}()
	client, err = sockets.Dial(ctx, w.A, "tcp4", ln.Addr().String())
	must(t, err, "dial")
	r := <-acc
	must(t, r.err, "accept")
	return client, r.c, ln
}

// TestConnNettest runs golang.org/x/net/nettest's conformance tests of
// net.Conn (basic I/O, ping-pong, racy reads and writes, read and write
// timeouts, deadlines in the past, present and future, close unblocking,
// concurrent methods) over two stacks.
func TestConnNettest(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		w := newWorld(t, worldOpts{delay: 20 * time.Microsecond})
		w.staticARP()
		c1, c2, ln := connPair(t, w)
		return c1, c2, func() {
			c1.Close()
			c2.Close()
			ln.Close()
		}, nil
	})
}

func TestConnEOFCloseWriteAndErrClosed(t *testing.T) {
	w := newWorld(t, worldOpts{delay: 20 * time.Microsecond})
	w.staticARP()
	c, s, ln := connPair(t, w)
	defer ln.Close()
	if _, ok := c.LocalAddr().(*net.TCPAddr); !ok || c.RemoteAddr().String() != s.LocalAddr().String() {
		t.Errorf("got client %v > %v, server %v", c.LocalAddr(), c.RemoteAddr(), s.LocalAddr())
	}
	if _, err := c.Write([]byte("question")); err != nil {
		t.Fatal(err)
	}
	must(t, c.(*sockets.Conn).CloseWrite(), "CloseWrite")
	got, err := io.ReadAll(s)
	if err != nil || string(got) != "question" {
		t.Fatalf("got %q, %v; want the question, then io.EOF", got, err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("got Write after CloseWrite = %v, want EPIPE", err)
	}
	if _, err := s.Write([]byte("answer")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	got, err = io.ReadAll(c)
	if err != nil || string(got) != "answer" {
		t.Errorf("got %q, %v; want the answer after the half close", got, err)
	}
	c.Close()
	_, err = c.Read(make([]byte, 1))
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" || !errors.Is(err, net.ErrClosed) {
		t.Errorf("got Read after Close = %v, want a read *net.OpError with net.ErrClosed", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("got a second Close = %v, want net.ErrClosed", err)
	}
	if err := c.SetDeadline(time.Now()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("got SetDeadline after Close = %v, want net.ErrClosed", err)
	}
	ln.Close()
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("got Accept after Close = %v, want net.ErrClosed", err)
	}
}

func TestConnResetAndDeadline(t *testing.T) {
	w := newWorld(t, worldOpts{delay: 20 * time.Microsecond})
	w.staticARP()
	c, s, ln := connPair(t, w)
	defer ln.Close()
	must(t, c.SetReadDeadline(time.Now().Add(50*time.Millisecond)), "deadline")
	start := time.Now()
	_, err := c.Read(make([]byte, 10))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("got %v, want os.ErrDeadlineExceeded", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("got %v, want a net.Error that is a timeout", err)
	}
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Errorf("read timed out after %v, want about 50ms", el)
	}
	must(t, c.SetReadDeadline(time.Time{}), "no deadline")
	must(t, s.(*sockets.Conn).SetLinger(0), "linger")
	s.Close()
	_, err = c.Read(make([]byte, 10))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("got %v, want ECONNRESET", err)
	}
	c.Close()
	// Dialing a port nobody listens on.
	ctx, cancel := bg()
	defer cancel()
	_, err = sockets.Dial(ctx, w.A, "tcp", "10.0.0.2:9")
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("got %v, want a dial *net.OpError with ECONNREFUSED", err)
	}
}

// TestHTTPOverNetlab serves a page with net/http on stack b and fetches
// it with an http.Client on stack a, both through netlab's TCP (real
// clock: net/http keeps timers of its own).
func TestHTTPOverNetlab(t *testing.T) {
	w := newWorld(t, worldOpts{delay: 100 * time.Microsecond})
	ctx, cancel := bg()
	defer cancel()
	ln, err := sockets.Listen(ctx, w.B, "tcp", ":80")
	must(t, err, "listen")
	page := bytes.Repeat([]byte("netlab serves this page over its own TCP. "), 5000)
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("X-Remote", r.RemoteAddr)
		rw.Write(page)
	})}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			t.Errorf("serve: %v", err)
		}
	}()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return sockets.Dial(ctx, w.A, network, addr)
	}}
	client := &http.Client{Transport: tr, Timeout: wallLimit}
	for i := range 3 { // the second and third reuse the connection
		resp, err := client.Get("http://10.0.0.2/index.html")
		must(t, err, "get")
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		must(t, err, "read body")
		if resp.StatusCode != 200 || !bytes.Equal(body, page) {
			t.Fatalf("get %d: got %s and %d bytes, want 200 and the %d-byte page", i, resp.Status, len(body), len(page))
		}
		if ra := resp.Header.Get("X-Remote"); len(ra) < 9 || ra[:9] != "10.0.0.1:" {
			t.Errorf("got the server's view of the client %q, want 10.0.0.1:port", ra)
		}
	}
	tr.CloseIdleConnections()
	shut, cancel2 := context.WithTimeout(context.Background(), wallLimit)
	defer cancel2()
	must(t, srv.Shutdown(shut), "shutdown")
	wg.Wait()
}

// TestStreamImpaired10MB moves 10 MB through the sockets API, checked
// byte for byte, over a pipe that loses 5%, reorders 5%, duplicates 1%
// and corrupts 1% of frames in both directions, on the virtual clock.
func TestStreamImpaired10MB(t *testing.T) {
	if testing.Short() {
		t.Skip("long transfer")
	}
	w := newWorld(t, worldOpts{virtual: true, delay: time.Millisecond})
	var cfd, sfd sockets.FD
	w.run("connect", func(ctx context.Context, t testing.TB) { cfd, sfd, _ = w.tcpConnected(t, ctx, "80") })
	imp := mem.Impairments{Delay: 2 * time.Millisecond, Jitter: time.Millisecond, Rate: 100_000_000,
		Loss: 0.05, Reorder: 0.05, Duplicate: 0.01, Corrupt: 0.01, Queue: 4000}
	must(t, w.pipe.SetImpairments(imp), "impair")
	const size = 10_000_000
	data := pattern(size)
	start := w.clk.Now()
	var (
		got []byte
		end time.Duration // when the last byte arrived: once the actors are done, the clock runs free
	)
	w.wait(
		w.actor("sender", func(ctx context.Context, t testing.TB) {
			for off := 0; off < size; off += 100_000 {
				sendAll(t, ctx, w.A, cfd, data[off:min(off+100_000, size)])
			}
			must(t, w.A.Close(ctx, cfd), "close")
		}),
		w.actor("receiver", func(ctx context.Context, t testing.TB) {
			got = recvAll(t, ctx, w.B, sfd, 16<<10)
			end = w.clk.Now()
			must(t, w.B.Close(ctx, sfd), "close")
		}),
	)
	if !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, not the %d sent, intact", len(got), size)
	}
	ctx, cancel := bg()
	defer cancel()
	el := end - start
	t.Logf("10 MB through sockets in %v of clock time (%.1f Mbit/s): %d retransmits; b: %d bad segments, %d queued out of order",
		el, float64(size*8)/el.Seconds()/1e6, counter(ctx, t, w.a, "tcp-retransmits"),
		counter(ctx, t, w.b, "tcp-bad"), counter(ctx, t, w.b, "tcp-ooo-queued"))
}
