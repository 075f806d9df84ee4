package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/netifapi"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Workload 4: adding an interface (with a link and an IPv4 address) and
// removing it again, as a caller outside the stack sees it: netifapi.Add
// and netifapi.Remove against gVisor's CreateNIC, AddProtocolAddress and
// RemoveNIC. Idle, and while workload 1 (UDP 64 B) runs on the same
// stack.

func netifMeasures(p params) ([]measure, string) {
	var ms []measure
	for _, load := range []bool{false, true} {
		for _, pct := range []int{50, 99} {
			cond := "idle"
			if load {
				cond = "under udp load"
			}
			ms = append(ms, measure{
				name: fmt.Sprintf("netif add+remove p%d %s", pct, cond), unit: "µs", higher: false,
				netlab: func(p params) (float64, error) { return nlNetif(p, load, pct) },
				gvisor: func(p params) (float64, error) { return gvNetif(p, load, pct) },
			})
		}
	}
	return ms, ""
}

// netifRounds is how many add+remove round trips one repetition times.
func netifRounds(p params) int {
	if p.short {
		return 200
	}
	return 3000
}

// percentile returns the pct-th percentile of d in microseconds.
func percentile(d []time.Duration, pct int) float64 {
	slices.Sort(d)
	return float64(d[min(len(d)-1, len(d)*pct/100)]) / float64(time.Microsecond)
}

func nlNetif(p params, load bool, pct int) (float64, error) {
	w, err := newNLPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	if load {
		rx, tx, err := nlUDPConns(w)
		if err != nil {
			return 0, err
		}
		stop := udpLoad(tx, rx, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 9)))
		defer stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	times := make([]time.Duration, netifRounds(p))
	prefix := netip.MustParsePrefix("10.9.0.1/24")
	for i := range times {
		ch := mem.NewChannel("bench1", 16)
		t0 := time.Now()
		if _, err := netifapi.Add(ctx, w.a, netifapi.Config{Name: "bench1", MAC: macA, MTU: mtu, Address: prefix, Link: ch.Endpoint()}); err != nil {
			return 0, err
		}
		if err := netifapi.Remove(ctx, w.a, "bench1"); err != nil {
			return 0, err
		}
		times[i] = time.Since(t0)
	}
	return percentile(times, pct), nil
}

func gvNetif(p params, load bool, pct int) (float64, error) {
	w, err := newGVPair()
	if err != nil {
		return 0, err
	}
	defer w.close()
	if load {
		rx, tx, err := gvUDPConns(w)
		if err != nil {
			return 0, err
		}
		stop := udpLoad(tx, rx, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 9)))
		defer stop()
	}
	times := make([]time.Duration, netifRounds(p))
	pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{Address: gvAddr(netip.MustParseAddr("10.9.0.1")), PrefixLen: 24}}
	for i := range times {
		ep := channel.New(16, mtu, tcpip.LinkAddress(macA[:]))
		t0 := time.Now()
		id := w.a.NextNICID()
		if err := w.a.CreateNIC(id, ep); err != nil {
			return 0, fmt.Errorf("gvisor: CreateNIC: %s", err)
		}
		if err := w.a.AddProtocolAddress(id, pa, stack.AddressProperties{}); err != nil {
			return 0, fmt.Errorf("gvisor: AddProtocolAddress: %s", err)
		}
		if err := w.a.RemoveNIC(id); err != nil {
			return 0, fmt.Errorf("gvisor: RemoveNIC: %s", err)
		}
		times[i] = time.Since(t0)
	}
	return percentile(times, pct), nil
}

// udpLoad runs workload 1 (64 B, windowed as udpRun) from tx to rx
// until the returned stop is called; stop closes both.
func udpLoad(tx, rx net.PacketConn, to net.Addr) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	var got atomic.Int64
	wg.Go(func() {
		buf := make([]byte, 2048)
		for {
			_, _, err := rx.ReadFrom(buf)
			select {
			case <-quit:
				return
			default:
			}
			if err == nil {
				got.Add(1)
			}
		}
	})
	wg.Go(func() {
		msg := make([]byte, 64)
		for sent := int64(0); ; sent++ {
			select {
			case <-quit:
				return
			default:
			}
			if sent-got.Load() > udpWindow {
				limit := time.Now().Add(10 * time.Millisecond)
				for sent-got.Load() > udpWindow && time.Now().Before(limit) {
					time.Sleep(5 * time.Microsecond)
				}
				if sent-got.Load() > udpWindow {
					got.Store(sent) // datagrams were lost: stop waiting for them
				}
			}
			if _, err := tx.WriteTo(msg, to); err != nil {
				return
			}
		}
	})
	return func() {
		close(quit)
		rx.SetReadDeadline(time.Now()) // wakes the receiver
		wg.Wait()
		tx.Close()
		rx.Close()
	}
}
