package core_test

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
)

func TestTCPZeroWindowPersist(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	ra, rb := newRec(p.env), newRec(p.env)
	rb.hold = true // a slow reader: nothing is consumed for now
	rb.dataAt = 64 << 10
	l := p.listen(p.b, rb, 80, 4)
	p.call(p.b, func(c *core.Core) error { return c.TCPSetBuffers(l, 0, 16<<10) })
	client := p.dial(p.a, ra, "10.0.0.2:80")
	ra.next(p.env, "connected", time.Second)
	server := rb.next(p.env, "accepted", time.Second).conn
	data := pattern(64 << 10)
	p.call(p.a, func(c *core.Core) error { ra.send(c, client, data, false); return nil })
	p.sleep(30 * time.Second)
	var info core.TCPInfo
	p.call(p.a, func(c *core.Core) error { info = client.Info(); return nil })
	if info.SendWindow != 0 || info.Unsent == 0 {
		t.Fatalf("got send window %d, unsent %d, want a zero window with data waiting", info.SendWindow, info.Unsent)
	}
	probes := p.counter(p.a, "tcp-window-probes")
	if probes < 3 || probes > 10 {
		t.Errorf("got %d zero-window probes in 30s, want a few, backed off", probes)
	}
	if got := len(rb.received(server)); got != 16<<10 {
		t.Errorf("got %d bytes received, want the 16 KiB window", got)
	}
	// The reader catches up: consume everything as it comes.
	p.call(p.b, func(c *core.Core) error {
		rb.hold = false
		c.TCPRecved(server, len(rb.received(server)))
		return nil
	})
	rb.next(p.env, "data", 10*time.Second)
	if got := rb.received(server); !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, want the %d sent", len(got), len(data))
	}
}

func TestTCPKeepaliveExpiry(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	ra, rb := newRec(p.env), newRec(p.env)
	client, _ := p.connected(ra, rb)
	p.call(p.a, func(c *core.Core) error {
		c.TCPSetKeepAlive(client, true, 10*time.Second, 2*time.Second, 3)
		return nil
	})
	// An idle but healthy peer answers the probes.
	p.sleep(30 * time.Second)
	if n := p.counter(p.a, "tcp-keepalives"); n < 2 {
		t.Fatalf("got %d keepalive probes in 30s idle, want some", n)
	}
	if st := p.tcpState(p.a, client); st != core.TCPEstablished {
		t.Fatalf("got %v with an answering peer, want ESTABLISHED", st)
	}
	// The peer vanishes: 3 probes 2s apart, then the connection dies.
	p.pipe.SetImpairments(mem.Impairments{Loss: 1})
	cut := p.clk.Now()
	ev := ra.next(p.env, "error", time.Minute)
	if !errors.Is(ev.err, core.ErrTimedOut) {
		t.Fatalf("got %v, want timed out", ev.err)
	}
	// Depending on where in its 10s idle cycle the cut falls: at least 3
	// probes 2s apart, at most 10s idle and then those.
	if d := ev.at - cut; d < 6*time.Second || d > 16100*time.Millisecond {
		t.Errorf("died %v after the cut, want 6s to 16s (10s idle, 3 probes 2s apart)", d)
	}
}

func TestTCPRetransmissionLimit(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	p.tcpConfig(p.a, func(cfg *core.TCPConfig) { cfg.MaxRetries = 5 })
	ra, rb := newRec(p.env), newRec(p.env)
	client, _ := p.connected(ra, rb)
	p.pipe.SetImpairments(mem.Impairments{Loss: 1})
	start := p.clk.Now()
	p.call(p.a, func(c *core.Core) error { ra.send(c, client, []byte("lost"), false); return nil })
	ev := ra.next(p.env, "error", 10*time.Minute)
	if !errors.Is(ev.err, core.ErrTimedOut) || ev.state != core.TCPClosed {
		t.Fatalf("got %v in %v, want timed out, CLOSED", ev.err, ev.state)
	}
	// RTO 200ms (the minimum, after a 2ms RTT), doubling: 0.2+0.4+...+6.4.
	if d := ev.at - start; d < 12*time.Second || d > 13*time.Second {
		t.Errorf("gave up after %v, want 12.6s (6 timeouts from 200ms)", d)
	}
	if n := p.counter(p.a, "tcp-retransmits"); n != 5 {
		t.Errorf("got %d retransmissions, want 5", n)
	}
}

func TestTCPSynRetriesAndSoftError(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	p.tcpConfig(p.a, func(cfg *core.TCPConfig) { cfg.SynRetries = 2 })
	ra := newRec(p.env)
	start := p.clk.Now()
	p.dial(p.a, ra, "10.0.0.99:80") // no such host: ARP fails
	ev := ra.next(p.env, "error", time.Minute)
	if !errors.Is(ev.err, core.ErrHostUnreach) || ev.state != core.TCPSynSent {
		t.Fatalf("got %v in %v, want a soft host unreachable in SYN-SENT", ev.err, ev.state)
	}
	for {
		ev = ra.ev.get(p.env, time.Minute)
		if ev.state == core.TCPClosed {
			break
		}
	}
	if !errors.Is(ev.err, core.ErrHostUnreach) {
		t.Fatalf("got %v, want the soft error that explains the timeout, host unreachable", ev.err)
	}
	if d := ev.at - start; d != 7*time.Second {
		t.Errorf("gave up after %v, want 7s (SYN at 0, 1s, 3s; timeout at 7s)", d)
	}
}

func TestTCPWraparound(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond, Loss: 0.02})
	for i, s := range []*core.Stack{p.a, p.b} {
		base := uint32(1<<32 - 100_000 - 7*i)
		p.tcpConfig(s, func(cfg *core.TCPConfig) {
			cfg.ISN = func(local, remote netip.AddrPort) uint32 { return base }
		})
	}
	ra, rb := newRec(p.env), newRec(p.env)
	const size = 1 << 20
	rb.dataAt, ra.dataAt = size, size
	client, server := p.connected(ra, rb)
	up, down := pattern(size), pattern(size + 1)[1:]
	p.call(p.a, func(c *core.Core) error { ra.send(c, client, up, true); return nil })
	p.call(p.b, func(c *core.Core) error { rb.send(c, server, down, true); return nil })
	for _, r := range []*tcpRec{ra, rb} {
		for range 2 {
			if ev := r.ev.get(p.env, 5*time.Minute); ev.kind != "data" && ev.kind != "peer-closed" {
				t.Fatalf("got %s %v", ev.kind, ev.err)
			}
		}
	}
	if !bytes.Equal(rb.received(server), up) || !bytes.Equal(ra.received(client), down) {
		t.Fatalf("got %d and %d bytes across the wrap, want %d each, intact", len(rb.received(server)), len(ra.received(client)), size)
	}
}
