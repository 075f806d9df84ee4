package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/sockets"

	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// Workload 1: UDP datagrams per second from a socket on stack a to one on
// stack b, through net.PacketConn on both sides.

func udpMeasures(p params) ([]measure, string) {
	var ms []measure
	for _, size := range []int{64, 1400} {
		ms = append(ms, measure{
			name: fmt.Sprintf("udp %dB", size), unit: "dgrams/s", higher: true,
			netlab: func(p params) (float64, error) { return nlUDP(p, size) },
			gvisor: func(p params) (float64, error) { return gvUDP(p, size) },
			note:   "received/s",
		})
	}
	return ms, ""
}

// udpCount is how many datagrams one repetition sends.
func udpCount(p params) int {
	if p.short {
		return 20_000
	}
	return 200_000
}

func nlUDP(p params, size int) (float64, error) {
	w, err := newNLPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	rx, tx, err := nlUDPConns(w)
	if err != nil {
		return 0, err
	}
	defer rx.Close()
	defer tx.Close()
	return udpRun(tx, rx, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 9)), size, udpCount(p))
}

// nlUDPConns opens the receiving socket on b (port 9, udpRcvBuf) and the
// sending one on a.
func nlUDPConns(w *nlPair) (rx, tx net.PacketConn, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	if rx, err = w.B.ListenPacket(ctx, "udp", "10.0.0.2:9"); err != nil {
		return nil, nil, err
	}
	if err = w.B.SetSockOpt(ctx, rx.(*sockets.PacketConn).FD(), sockets.SO_RCVBUF, udpRcvBuf); err != nil {
		rx.Close()
		return nil, nil, err
	}
	if tx, err = w.A.ListenPacket(ctx, "udp", "10.0.0.1:0"); err != nil {
		rx.Close()
		return nil, nil, err
	}
	return rx, tx, nil
}

func gvUDP(p params, size int) (float64, error) {
	w, err := newGVPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	rx, tx, err := gvUDPConns(w)
	if err != nil {
		return 0, err
	}
	defer rx.Close()
	defer tx.Close()
	return udpRun(tx, rx, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 9)), size, udpCount(p))
}

// gvUDPConns opens the receiving endpoint on b (port 9, udpRcvBuf) and
// the sending one on a, as gonet UDPConns.
func gvUDPConns(w *gvPair) (rx, tx net.PacketConn, err error) {
	var wq waiter.Queue
	ep, terr := w.b.NewEndpoint(udp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if terr != nil {
		return nil, nil, fmt.Errorf("gvisor: NewEndpoint: %s", terr)
	}
	ep.SocketOptions().SetReceiveBufferSize(udpRcvBuf, true)
	if terr := ep.Bind(gvFull(netip.AddrPortFrom(addrB, 9))); terr != nil {
		ep.Close()
		return nil, nil, fmt.Errorf("gvisor: Bind: %s", terr)
	}
	rx = gonet.NewUDPConn(&wq, ep)
	la := gvFull(netip.AddrPortFrom(addrA, 0))
	if tx, err = gonet.DialUDP(w.a, &la, nil, ipv4.ProtocolNumber); err != nil {
		rx.Close()
		return nil, nil, err
	}
	return rx, tx, nil
}

// udpRun sends count datagrams of size bytes from tx to to, at most
// udpWindow ahead of what rx has received, and returns the datagrams rx
// received per second (until the last arrived, or until none arrived
// for 200ms after the last was sent: the rest were lost). The read
// deadline is set twice per run, not per datagram, so that neither
// side's deadline timers are on the measured path.
func udpRun(tx, rx net.PacketConn, to net.Addr, size, count int) (float64, error) {
	var got atomic.Int64
	type result struct {
		n    int64
		last time.Time
		err  error
	}
	done := make(chan result, 1)
	rx.SetReadDeadline(time.Now().Add(wallLimit))
	start := time.Now()
	go func() {
		buf := make([]byte, 2048)
		var last time.Time
		for got.Load() < int64(count) {
			if _, _, err := rx.ReadFrom(buf); err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break
				}
				done <- result{err: err}
				return
			}
			last = time.Now()
			got.Add(1)
		}
		done <- result{n: got.Load(), last: last}
	}()
	msg := make([]byte, size)
	for i := range count {
		if int64(i)-got.Load() > udpWindow {
			// Wait for the receiver, but not for a datagram that was lost.
			limit := time.Now().Add(10 * time.Millisecond)
			for int64(i)-got.Load() > udpWindow && time.Now().Before(limit) {
				time.Sleep(5 * time.Microsecond)
			}
		}
		if _, err := tx.WriteTo(msg, to); err != nil {
			rx.SetReadDeadline(time.Now())
			<-done
			return 0, err
		}
	}
	rx.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	r := <-done
	if r.err != nil {
		return 0, r.err
	}
	if r.n == 0 {
		return 0, errors.New("no datagram arrived")
	}
	return float64(r.n) / r.last.Sub(start).Seconds(), nil
}
