package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/netlab/netlab/sockets"

	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
)

// Workload 2: TCP bulk throughput from a net.Conn on stack a to one on
// stack b, MTU 1500, in memory.

func tcpMemMeasures(p params) ([]measure, string) {
	return []measure{{
		name: "tcp bulk a→b", unit: "Mbit/s", higher: true,
		netlab: nlTCPBulk, gvisor: gvTCPBulk, note: "64 KiB writes, received bytes",
	}}, ""
}

// tcpBytes is how much one repetition of a bulk transfer sends.
func tcpBytes(p params) int64 {
	if p.short {
		return 16 << 20
	}
	return 256 << 20
}

func nlTCPBulk(p params) (float64, error) { return tcpBulkOn(p, openNLTCP, nil) }

func gvTCPBulk(p params) (float64, error) { return tcpBulkOn(p, openGVTCP, nil) }

// tcpWorld opens a pair of stacks and a connection from a to b.
type tcpWorld func() (client, server net.Conn, closeAll func(), err error)

func openNLTCP() (client, server net.Conn, closeAll func(), err error) {
	w, err := newNLPair()
	if err != nil {
		return nil, nil, nil, err
	}
	if client, server, err = nlTCPConns(w, 80); err != nil {
		w.close()
		return nil, nil, nil, err
	}
	return client, server, func() { client.Close(); server.Close(); w.close() }, nil
}

func openGVTCP() (client, server net.Conn, closeAll func(), err error) {
	w, err := newGVPair()
	if err != nil {
		return nil, nil, nil, err
	}
	if client, server, err = gvTCPConns(w, 80); err != nil {
		w.close()
		return nil, nil, nil, err
	}
	return client, server, func() { client.Close(); server.Close(); w.close() }, nil
}

// tcpBulkOn opens a world, calls around (if set) just before and after
// the transfer, and returns its Mbit/s.
func tcpBulkOn(p params, open tcpWorld, around func(start bool)) (float64, error) {
	c, s, closeAll, err := open()
	if err != nil {
		return 0, err
	}
	defer closeAll()
	if around != nil {
		around(true)
		defer around(false)
	}
	return tcpBulk(c, s, tcpBytes(p))
}

// nlTCPConns connects a net.Conn on a to a listener on b's port and
// returns both ends.
func nlTCPConns(w *nlPair, port uint16) (client, server net.Conn, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	addr := netip.AddrPortFrom(addrB, port).String()
	ln, err := sockets.Listen(ctx, w.B, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	return connectPair(ln, func() (net.Conn, error) { return sockets.Dial(ctx, w.A, "tcp", addr) })
}

// gvTCPConns is nlTCPConns for gVisor, through gonet.
func gvTCPConns(w *gvPair, port uint16) (client, server net.Conn, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	to := gvFull(netip.AddrPortFrom(addrB, port))
	ln, err := gonet.ListenTCP(w.b, to, ipv4.ProtocolNumber)
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	return connectPair(ln, func() (net.Conn, error) { return gonet.DialContextTCP(ctx, w.a, to, ipv4.ProtocolNumber) })
}

// connectPair dials and accepts one connection on ln.
func connectPair(ln net.Listener, dial func() (net.Conn, error)) (client, server net.Conn, err error) {
	type acc struct {
		c   net.Conn
		err error
	}
	ch := make(chan acc, 1)
	go func() {
		c, err := ln.Accept()
		ch <- acc{c, err}
	}()
	client, err = dial()
	if err != nil {
		ln.Close()
		<-ch
		return nil, nil, err
	}
	a := <-ch
	if a.err != nil {
		client.Close()
		return nil, nil, a.err
	}
	return client, a.c, nil
}

// tcpChunk is the size of each write and read.
const tcpChunk = 64 << 10

// tcpBulk writes total bytes to tx in tcpChunk writes, closes its write
// side, and returns the Mbit/s that rx read until the end of the stream.
func tcpBulk(tx, rx net.Conn, total int64) (float64, error) {
	done := make(chan error, 1)
	var got int64
	start := time.Now()
	go func() {
		buf := make([]byte, tcpChunk)
		rx.SetReadDeadline(time.Now().Add(wallLimit))
		for {
			n, err := rx.Read(buf)
			got += int64(n)
			if errors.Is(err, io.EOF) {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	msg := make([]byte, tcpChunk)
	for sent := int64(0); sent < total; {
		n, err := tx.Write(msg[:min(int64(len(msg)), total-sent)])
		sent += int64(n)
		if err != nil {
			return 0, err
		}
	}
	if err := tx.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		return 0, err
	}
	if err := <-done; err != nil {
		return 0, err
	}
	el := time.Since(start)
	if got != total {
		return 0, fmt.Errorf("received %d bytes of %d", got, total)
	}
	return float64(got) * 8 / el.Seconds() / 1e6, nil
}
