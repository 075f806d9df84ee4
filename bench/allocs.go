package main

import (
	"net"

	"github.com/netlab/netlab/sockets"

	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"net/netip"
	"runtime"
)

// Workload 6: heap allocations per packet on the fast paths, counted by
// the runtime (MemStats.Mallocs) across the whole process while
// workloads 1 (UDP 64 B) and 2 (TCP bulk) run: both stacks, the link,
// the adapters, the sender and the receiver. A TCP packet is a full
// segment: received bytes / (MTU - 40).

func allocMeasures(p params) ([]measure, string) {
	return []measure{
		{
			name: "allocs/packet udp 64B", unit: "allocs", higher: false,
			netlab: func(p params) (float64, error) { return allocsUDP(p, newNLUDP) },
			gvisor: func(p params) (float64, error) { return allocsUDP(p, newGVUDP) },
			note:   "whole process, per datagram received",
		},
		{
			name: "allocs/packet udp 64B, address-free read", unit: "allocs", higher: false,
			netlab: func(p params) (float64, error) { return allocsUDP(p, addrFree(newNLUDP)) },
			gvisor: func(p params) (float64, error) { return allocsUDP(p, addrFree(newGVUDP)) },
			note:   "receiver: netlab ReadFromUDPAddrPort, gVisor gonet Read (no net.Addr made)",
		},
		{
			name: "allocs/packet tcp bulk", unit: "allocs", higher: false,
			netlab: func(p params) (float64, error) { return allocsTCP(p, openNLTCP) },
			gvisor: func(p params) (float64, error) { return allocsTCP(p, openGVTCP) },
			note:   "whole process, per 1460 B received",
		},
	}, ""
}

// udpWorld opens a pair of stacks and the two UDP conns of workload 1.
type udpWorld func() (rx, tx net.PacketConn, closeAll func(), err error)

func newNLUDP() (rx, tx net.PacketConn, closeAll func(), err error) {
	w, err := newNLPair()
	if err != nil {
		return nil, nil, nil, err
	}
	if rx, tx, err = nlUDPConns(w); err != nil {
		w.close()
		return nil, nil, nil, err
	}
	return rx, tx, func() { rx.Close(); tx.Close(); w.close() }, nil
}

func newGVUDP() (rx, tx net.PacketConn, closeAll func(), err error) {
	w, err := newGVPair()
	if err != nil {
		return nil, nil, nil, err
	}
	if rx, tx, err = gvUDPConns(w); err != nil {
		w.close()
		return nil, nil, nil, err
	}
	return rx, tx, func() { rx.Close(); tx.Close(); w.close() }, nil
}

// noAddrConn is a net.PacketConn whose ReadFrom reads through read,
// which makes no net.Addr, and returns a nil address.
type noAddrConn struct {
	net.PacketConn
	read func(b []byte) (int, error)
}

func (c noAddrConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.read(b)
	return n, nil, err
}

// addrFree wraps open's receiving conn in a noAddrConn: netlab's
// ReadFromUDPAddrPort, gonet's Read.
func addrFree(open udpWorld) udpWorld {
	return func() (rx, tx net.PacketConn, closeAll func(), err error) {
		rx, tx, closeAll, err = open()
		if err != nil {
			return nil, nil, nil, err
		}
		switch c := rx.(type) {
		case *sockets.PacketConn:
			rx = noAddrConn{c, func(b []byte) (int, error) { n, _, err := c.ReadFromUDPAddrPort(b); return n, err }}
		case *gonet.UDPConn:
			rx = noAddrConn{c, c.Read}
		}
		return rx, tx, closeAll, nil
	}
}

// mallocs returns the process's heap allocations so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

func allocsUDP(p params, open udpWorld) (float64, error) {
	rx, tx, closeAll, err := open()
	if err != nil {
		return 0, err
	}
	defer closeAll()
	to := net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 9))
	// A first run warms pools and queues up.
	if _, err := udpRun(tx, rx, to, 64, 2000); err != nil {
		return 0, err
	}
	n := udpCount(p) / 4
	before := mallocs()
	if _, err := udpRun(tx, rx, to, 64, n); err != nil {
		return 0, err
	}
	return float64(mallocs()-before) / float64(n), nil
}

func allocsTCP(p params, open tcpWorld) (float64, error) {
	var before, after uint64
	if _, err := tcpBulkOn(p, open, func(start bool) {
		if start {
			before = mallocs()
		} else {
			after = mallocs()
		}
	}); err != nil {
		return 0, err
	}
	return float64(after-before) / (float64(tcpBytes(p)) / (mtu - 40)), nil
}
