package sockets_test

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestPacketConnRoundTrip(t *testing.T) {
	// The real clock: PacketConn's methods run on goroutines the clock
	// does not schedule, and under a virtual clock time would run ahead
	// of them whenever they are not blocked in a call (DESIGN.md, Time).
	w := newWorld(t, worldOpts{delay: time.Millisecond})
	ctx, cancel := bg()
	defer cancel()
	pb, err := w.B.ListenPacket(ctx, "udp", "10.0.0.2:9000")
	must(t, err, "listen on b")
	defer pb.Close()
	pa, err := w.A.ListenPacket(ctx, "udp4", ":0")
	must(t, err, "listen on a")
	defer pa.Close()
	la := pa.LocalAddr().(*net.UDPAddr)
	if la.Port == 0 || !la.IP.Equal(net.IPv4zero) {
		t.Errorf("got local address %v, want 0.0.0.0 and an ephemeral port", la)
	}
	pb.SetReadDeadline(time.Now().Add(10 * time.Second))
	pa.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := pa.WriteTo([]byte("hi"), &net.UDPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 9000}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, from, err := pb.ReadFrom(buf)
	must(t, err, "read on b")
	ua, ok := from.(*net.UDPAddr)
	if string(buf[:n]) != "hi" || !ok || !ua.IP.Equal(net.IPv4(10, 0, 0, 1)) || ua.Port != la.Port {
		t.Fatalf("got %q from %v, want \"hi\" from 10.0.0.1:%d", buf[:n], from, la.Port)
	}
	if _, err := pb.WriteTo([]byte("ho"), from); err != nil {
		t.Fatal(err)
	}
	n, from, err = pa.ReadFrom(buf)
	must(t, err, "read on a")
	if string(buf[:n]) != "ho" || from.String() != "10.0.0.2:9000" {
		t.Errorf("got %q from %v, want \"ho\" from 10.0.0.2:9000", buf[:n], from)
	}
}

func TestPacketConnDeadlinesAndClose(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx, cancel := bg()
	defer cancel()
	pc, err := w.A.ListenPacket(ctx, "udp", "10.0.0.1:0")
	must(t, err, "listen")
	buf := make([]byte, 10)

	pc.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	start := time.Now()
	_, _, err = pc.ReadFrom(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("got %v, want a timeout (os.ErrDeadlineExceeded)", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" || oe.Net != "udp" {
		t.Errorf("got %#v, want a *net.OpError for read on udp", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("deadline 30ms away passed after %v", d)
	}

	// A deadline moved while a read waits applies to it.
	pc.SetReadDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() {
		_, _, err := pc.ReadFrom(buf)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	pc.SetReadDeadline(time.Now().Add(-time.Second))
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("got %v, want os.ErrDeadlineExceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a read kept waiting after its deadline moved to the past")
	}

	// A past write deadline fails writes.
	pc.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := pc.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 1}); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("got %v, want os.ErrDeadlineExceeded", err)
	}
	pc.SetWriteDeadline(time.Time{})

	// Close unblocks a read; later calls fail with net.ErrClosed.
	pc.SetReadDeadline(time.Time{})
	go func() {
		_, _, err := pc.ReadFrom(buf)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := pc.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("got %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a read kept waiting after Close")
	}
	if _, err := pc.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 1}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("got %v, want net.ErrClosed", err)
	}
	if err := pc.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second close: got %v, want net.ErrClosed", err)
	}
	if err := pc.SetReadDeadline(time.Now()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("deadline after close: got %v, want net.ErrClosed", err)
	}
}

func TestPacketConnDeadlineUnderVirtualClock(t *testing.T) {
	// Deadlines are converted to clock time: an hour-long deadline on an
	// idle virtual world passes at once.
	w := newWorld(t, worldOpts{virtual: true})
	ctx, cancel := bg()
	defer cancel()
	pc, err := w.A.ListenPacket(ctx, "udp", ":4000")
	must(t, err, "listen")
	defer pc.Close()
	pc.SetReadDeadline(time.Now().Add(time.Hour))
	start, clk := time.Now(), w.clk.Now()
	_, _, err = pc.ReadFrom(make([]byte, 10))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("got %v, want os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an hour of clock time took %v of wall time", d)
	}
	if d := w.clk.Now() - clk; d < 59*time.Minute {
		t.Errorf("the clock moved %v, want about an hour", d)
	}
}

func TestListenPacketErrors(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx, cancel := bg()
	defer cancel()
	_, err := w.A.ListenPacket(ctx, "tcp", ":80")
	var unknown net.UnknownNetworkError
	if !errors.As(err, &unknown) {
		t.Errorf("got %v, want net.UnknownNetworkError", err)
	}
	for _, addr := range []string{"nonsense", "[::1]:53", "10.0.0.1:http"} {
		if _, err := w.A.ListenPacket(ctx, "udp", addr); err == nil {
			t.Errorf("listen on %q: got no error", addr)
		}
	}
	pc, err := w.A.ListenPacket(ctx, "udp", "10.0.0.1:53")
	must(t, err, "listen")
	defer pc.Close()
	_, err = w.A.ListenPacket(ctx, "udp", "10.0.0.1:53")
	var se *os.SyscallError
	if !errors.Is(err, syscall.EADDRINUSE) || !errors.As(err, &se) || se.Syscall != "bind" {
		t.Errorf("got %v, want bind: EADDRINUSE", err)
	}
	_, err = w.A.ListenPacket(ctx, "udp", "10.0.0.9:53")
	if !errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Errorf("got %v, want EADDRNOTAVAIL", err)
	}
	if n := len(w.A.Sockets()); n != 1 {
		t.Errorf("failed listens left %d sockets, want 1", n)
	}
}
