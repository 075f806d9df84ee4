//go:build !race

// Allocation tests: under -race, sync.Pool drops items on purpose, so they
// run only without it (DESIGN.md, "Testing notes").

package sockets_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/sockets"
)

// maxAllocsPerDatagram is what sending a datagram on one stack's socket
// and receiving it on the other's may allocate, all goroutines counted
// (the two tcpip goroutines, the pipe's timers): nothing. Calls reuse
// their state (core.Stack.Call, sends), and a receive that waits reuses
// its socket's waiter and that waiter's timer.
const maxAllocsPerDatagram = 0

// allocsPerDatagram runs roundTrip (which sends one datagram and
// receives it) until pools and queues are warm, then returns what one
// run allocates on average.
func allocsPerDatagram(t *testing.T, roundTrip func() error) float64 {
	t.Helper()
	var err error
	run := func() {
		if err == nil {
			err = roundTrip()
		}
	}
	for range 50 {
		run()
	}
	allocs := testing.AllocsPerRun(300, run)
	if err != nil {
		t.Fatal(err)
	}
	return allocs
}

// allocWorld is two stacks on the real clock (timer resets and channel
// wake-ups do not allocate) with a pipe delay, so that every receive
// waits for its datagram.
func allocWorld(t *testing.T) *world {
	w := newWorld(t, worldOpts{delay: 20 * time.Microsecond})
	w.staticARP()
	return w
}

func TestUDPSendRecvAllocations(t *testing.T) {
	w := allocWorld(t)
	ctx := context.Background()
	rx := udpSocket(t, ctx, w.B, "10.0.0.2:9")
	// A receive timeout: the waits arm a timer too.
	must(t, w.B.SetRecvTimeout(rx, 10*time.Second), "timeout")
	tx := udpSocket(t, ctx, w.A, "")
	must(t, w.A.Connect(ctx, tx, ap("10.0.0.2:9")), "connect")
	msg, buf := make([]byte, 64), make([]byte, 2048)
	n := allocsPerDatagram(t, func() error {
		if _, err := w.A.Send(ctx, tx, msg); err != nil {
			return err
		}
		_, _, err := w.B.RecvFrom(ctx, rx, buf)
		return err
	})
	if n > maxAllocsPerDatagram {
		t.Errorf("got %v allocations per datagram sent and received, want at most %d", n, maxAllocsPerDatagram)
	}
}

func TestPacketConnAllocations(t *testing.T) {
	w := allocWorld(t)
	ctx := context.Background()
	rx, err := w.B.ListenPacket(ctx, "udp4", "10.0.0.2:9")
	must(t, err, "listen")
	defer rx.Close()
	tx, err := w.A.ListenPacket(ctx, "udp4", ":0")
	must(t, err, "listen")
	defer tx.Close()
	to := ap("10.0.0.2:9")
	msg, buf := make([]byte, 64), make([]byte, 2048)
	n := allocsPerDatagram(t, func() error {
		if _, err := tx.(*sockets.PacketConn).WriteToUDPAddrPort(msg, to); err != nil {
			return err
		}
		_, _, err := rx.(*sockets.PacketConn).ReadFromUDPAddrPort(buf)
		return err
	})
	if n > maxAllocsPerDatagram {
		t.Errorf("got %v allocations per datagram written and read, want at most %d", n, maxAllocsPerDatagram)
	}
}

func TestEchoSendRecvAllocations(t *testing.T) {
	w := allocWorld(t)
	ctx := context.Background()
	fd, err := w.A.Socket(ctx, sockets.Echo, "test")
	must(t, err, "socket")
	to := netip.AddrPortFrom(addrB, 0)
	msg, buf := make([]byte, 64), make([]byte, 2048)
	msg = msg[:sockets.EchoRequest(msg, 1, make([]byte, 56))]
	n := allocsPerDatagram(t, func() error {
		if _, err := w.A.SendTo(ctx, fd, msg, to); err != nil {
			return err
		}
		_, err := w.A.Recv(ctx, fd, buf)
		return err
	})
	if n > maxAllocsPerDatagram {
		t.Errorf("got %v allocations per echo request and reply, want at most %d", n, maxAllocsPerDatagram)
	}
}

// TestPacketConnReadFromAllocations: the net.PacketConn path makes the one
// allocation its contract needs (the *net.UDPAddr it returns, its IP
// inside it) and no other.
func TestPacketConnReadFromAllocations(t *testing.T) {
	w := allocWorld(t)
	ctx := context.Background()
	rx, err := w.B.ListenPacket(ctx, "udp4", "10.0.0.2:9")
	must(t, err, "listen")
	defer rx.Close()
	tx, err := w.A.ListenPacket(ctx, "udp4", ":0")
	must(t, err, "listen")
	defer tx.Close()
	to := net.UDPAddrFromAddrPort(ap("10.0.0.2:9"))
	msg, buf := make([]byte, 64), make([]byte, 2048)
	var from net.Addr
	n := allocsPerDatagram(t, func() error {
		if _, err := tx.WriteTo(msg, to); err != nil {
			return err
		}
		var err error
		_, from, err = rx.ReadFrom(buf)
		return err
	})
	if n > 1 {
		t.Errorf("got %v allocations per datagram written and read through net.PacketConn, want at most 1", n)
	}
	if got := from.(*net.UDPAddr); !got.IP.Equal(net.IPv4(10, 0, 0, 1)) || got.Port == 0 {
		t.Errorf("ReadFrom's address = %v, want 10.0.0.1 and an ephemeral port", got)
	}
}
