package core_test

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
)

func TestTCPStateNames(t *testing.T) {
	for s, want := range map[core.TCPState]string{core.TCPEstablished: "ESTABLISHED", core.TCPSynReceived: "SYN-RECEIVED",
		core.TCPTimeWait: "TIME-WAIT", core.TCPClosed: "CLOSED", core.TCPFinWait2: "FIN-WAIT-2"} {
		if s.String() != want {
			t.Errorf("got %d.String() = %q, want %q", int(s), s.String(), want)
		}
	}
}

func TestTCPHandshakeDataCloseTimeWait(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	for _, s := range []*core.Stack{p.a, p.b} {
		p.tcpConfig(s, func(cfg *core.TCPConfig) { cfg.MSL = 5 * time.Second })
	}
	ra, rb := newRec(p.env), newRec(p.env)
	client, server := p.connected(ra, rb)
	if st := p.tcpState(p.a, client); st != core.TCPEstablished {
		t.Fatalf("got client state %v, want ESTABLISHED", st)
	}
	var local, remote netip.AddrPort
	p.call(p.b, func(c *core.Core) error { local, remote = server.Local(), server.Remote(); return nil })
	if local != netip.MustParseAddrPort("10.0.0.2:80") || remote.Addr() != addr("10.0.0.1") || remote.Port() < 49152 {
		t.Errorf("got server %v > %v, want 10.0.0.2:80 > 10.0.0.1:ephemeral", local, remote)
	}

	p.call(p.a, func(c *core.Core) error { ra.send(c, client, []byte("hello, netlab"), false); return nil })
	rb.next(p.env, "data", time.Second)
	if got := rb.received(server); string(got) != "hello, netlab" {
		t.Fatalf("got %q, want %q", got, "hello, netlab")
	}
	p.call(p.b, func(c *core.Core) error { rb.send(c, server, []byte("hi"), false); return nil })
	ra.next(p.env, "data", time.Second)

	// The client closes first: FIN-WAIT-1, FIN-WAIT-2; the server sees
	// the end of the stream in CLOSE-WAIT, closes: LAST-ACK, CLOSED; the
	// client waits in TIME-WAIT for 2·MSL.
	p.call(p.a, func(c *core.Core) error { return c.TCPShutdown(client, false, true) })
	ev := rb.next(p.env, "peer-closed", time.Second)
	if ev.state != core.TCPCloseWait {
		t.Errorf("got server state %v at the peer's FIN, want CLOSE-WAIT", ev.state)
	}
	p.sleep(10 * time.Millisecond)
	if st := p.tcpState(p.a, client); st != core.TCPFinWait2 {
		t.Errorf("got client state %v, want FIN-WAIT-2", st)
	}
	p.call(p.b, func(c *core.Core) error { return c.TCPClose(server) })
	ev = ra.next(p.env, "peer-closed", time.Second)
	if ev.state != core.TCPTimeWait {
		t.Errorf("got client state %v at the server's FIN, want TIME-WAIT", ev.state)
	}
	closedAt := ev.at
	p.sleep(10 * time.Millisecond)
	var snapTimers []string
	p.call(p.a, func(c *core.Core) error {
		if n := len(c.TCPPCBs()); n != 1 {
			t.Errorf("got %d PCBs on a in TIME-WAIT, want 1", n)
		}
		return nil
	})
	p.call(p.b, func(c *core.Core) error {
		if n := len(c.TCPPCBs()); n != 1 || c.TCPPCBs()[0].State() != core.TCPListen {
			t.Errorf("got %d PCBs on b, want only the listener", n)
		}
		return nil
	})
	sn := p.a.Snapshot()
	for sn.Version < 2 || len(sn.Sockets) == 0 {
		p.sleep(time.Millisecond)
		sn = p.a.Snapshot()
	}
	for _, sk := range sn.Sockets {
		if sk.Proto == "tcp" {
			if sk.State != "TIME-WAIT" {
				t.Errorf("got snapshot state %q, want TIME-WAIT", sk.State)
			}
			snapTimers = sk.Timers
		}
	}
	if len(snapTimers) != 1 || !strings.HasPrefix(snapTimers[0], "tcp time-wait 10.0.0.2:80") {
		t.Errorf("got socket timers %q, want the TIME-WAIT timer", snapTimers)
	}
	p.call(p.a, func(c *core.Core) error { c.TCPClose(client); return nil })
	p.sleep(10*time.Second - (p.clk.Now() - closedAt) + time.Millisecond)
	p.call(p.a, func(c *core.Core) error {
		if n := len(c.TCPPCBs()); n != 0 {
			t.Errorf("got %d PCBs after 2·MSL, want 0 (%v)", n, c.TCPPCBs()[0].State())
		}
		return nil
	})
}

func TestTCPBulkTransfer(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond, Rate: 100_000_000})
	ra, rb := newRec(p.env), newRec(p.env)
	const size = 4 << 20
	rb.dataAt = size
	client, server := p.connected(ra, rb)
	data := pattern(size)
	start := p.clk.Now()
	p.call(p.a, func(c *core.Core) error { ra.send(c, client, data, true); return nil })
	rb.next(p.env, "data", time.Minute)
	rb.next(p.env, "peer-closed", time.Second)
	if got := rb.received(server); !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, not the %d sent", len(got), len(data))
	}
	el := p.clk.Now() - start
	t.Logf("4 MiB in %v of clock time (%.1f Mbit/s on a 100 Mbit/s wire)", el, float64(size*8)/el.Seconds()/1e6)
	if el > 2*time.Second {
		t.Errorf("took %v, want under 2s on a 100 Mbit/s wire", el)
	}
	var info core.TCPInfo
	p.call(p.a, func(c *core.Core) error { info = client.Info(); return nil })
	if info.SRTT <= 0 || info.Cwnd <= info.MSS || info.MSS != 1460 {
		t.Errorf("got info %+v, want an RTT estimate, cwnd grown, MSS 1460", info)
	}
	if n := p.counter(p.a, "tcp-retransmits"); n != 0 {
		t.Errorf("got %d retransmissions on a perfect wire, want 0", n)
	}
}

func TestTCPHalfClose(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	ra, rb := newRec(p.env), newRec(p.env)
	client, server := p.connected(ra, rb)
	p.call(p.a, func(c *core.Core) error { ra.send(c, client, []byte("request"), true); return nil })
	rb.next(p.env, "data", time.Second)
	rb.next(p.env, "peer-closed", time.Second)
	// The server still sends after the client's FIN; the client reads it.
	reply := pattern(100_000)
	ra.dataAt = len(reply)
	p.call(p.b, func(c *core.Core) error { rb.send(c, server, reply, true); return nil })
	ra.next(p.env, "data", 10*time.Second)
	ra.next(p.env, "peer-closed", time.Second)
	if got := ra.received(client); !bytes.Equal(got, reply) {
		t.Fatalf("got %d bytes after the half close, want %d", len(got), len(reply))
	}
	p.call(p.a, func(c *core.Core) error {
		if _, err := c.TCPWrite(client, []byte("x")); !errors.Is(err, core.ErrShutdown) {
			t.Errorf("got TCPWrite after shutdown = %v, want ErrShutdown", err)
		}
		return nil
	})
}

func TestTCPResetByAbort(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	ra, rb := newRec(p.env), newRec(p.env)
	client, _ := p.connected(ra, rb)
	p.call(p.a, func(c *core.Core) error { c.TCPAbort(client); return nil })
	ev := rb.next(p.env, "error", time.Second)
	if !errors.Is(ev.err, core.ErrConnReset) || ev.state != core.TCPClosed {
		t.Errorf("got %v in %v, want connection reset, CLOSED", ev.err, ev.state)
	}
	if n := p.counter(p.b, "tcp-rst-in"); n != 1 {
		t.Errorf("got tcp-rst-in %d, want 1", n)
	}
}

func TestTCPCloseWithUnreadDataResets(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	ra, rb := newRec(p.env), newRec(p.env)
	rb.hold = true
	client, server := p.connected(ra, rb)
	p.call(p.a, func(c *core.Core) error { ra.send(c, client, []byte("unread"), false); return nil })
	rb.next(p.env, "data", time.Second)
	p.call(p.b, func(c *core.Core) error { return c.TCPClose(server) })
	ev := ra.next(p.env, "error", time.Second)
	if !errors.Is(ev.err, core.ErrConnReset) {
		t.Errorf("got %v, want connection reset (RFC 1122 4.2.2.13)", ev.err)
	}
}

func TestTCPConnectionRefused(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	ra := newRec(p.env)
	p.dial(p.a, ra, "10.0.0.2:81")
	ev := ra.next(p.env, "error", 5*time.Second)
	if !errors.Is(ev.err, core.ErrConnRefused) || ev.state != core.TCPClosed {
		t.Errorf("got %v in %v, want connection refused, CLOSED", ev.err, ev.state)
	}
	if n := p.counter(p.b, "tcp-no-port"); n != 1 {
		t.Errorf("got tcp-no-port %d on b, want 1", n)
	}
}

func TestTCPSimultaneousOpen(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: 5 * time.Millisecond})
	p.sleep(time.Second) // gratuitous ARPs: both caches know the peer
	ra, rb := newRec(p.env), newRec(p.env)
	var pa, pb *core.TCPPCB
	open := func(s *core.Stack, r *tcpRec, local, remote string, out **core.TCPPCB) func(c *core.Core) error {
		return func(c *core.Core) error {
			*out = c.NewTCP(r, nil)
			if _, err := c.TCPBind(*out, netip.MustParseAddrPort(local)); err != nil {
				return err
			}
			return c.TCPConnect(*out, netip.MustParseAddrPort(remote))
		}
	}
	// Both SYNs leave before either arrives.
	if err := p.a.Post(func(c *core.Core) { open(p.a, ra, "10.0.0.1:5000", "10.0.0.2:6000", &pa)(c) }); err != nil {
		t.Fatal(err)
	}
	p.call(p.b, open(p.b, rb, "10.0.0.2:6000", "10.0.0.1:5000", &pb))
	ra.next(p.env, "connected", 5*time.Second)
	rb.next(p.env, "connected", 5*time.Second)
	if p.tcpState(p.a, pa) != core.TCPEstablished || p.tcpState(p.b, pb) != core.TCPEstablished {
		t.Fatal("not both ESTABLISHED")
	}
	if n := p.counter(p.a, "tcp-passive-opens") + p.counter(p.b, "tcp-passive-opens"); n != 0 {
		t.Errorf("got %d passive opens, want 0", n)
	}
	p.call(p.a, func(c *core.Core) error { ra.send(c, pa, []byte("ping"), false); return nil })
	rb.next(p.env, "data", time.Second)
}

func TestTCPSimultaneousClose(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: 5 * time.Millisecond})
	ra, rb := newRec(p.env), newRec(p.env)
	client, server := p.connected(ra, rb)
	if err := p.a.Post(func(c *core.Core) { c.TCPShutdown(client, false, true) }); err != nil {
		t.Fatal(err)
	}
	p.call(p.b, func(c *core.Core) error { return c.TCPShutdown(server, false, true) })
	// Each sees the other's FIN in FIN-WAIT-1: CLOSING, then TIME-WAIT.
	ea := ra.next(p.env, "peer-closed", time.Second)
	eb := rb.next(p.env, "peer-closed", time.Second)
	if ea.state != core.TCPClosing || eb.state != core.TCPClosing {
		t.Errorf("got states %v, %v at the FINs, want CLOSING twice", ea.state, eb.state)
	}
	p.sleep(20 * time.Millisecond)
	if sa, sb := p.tcpState(p.a, client), p.tcpState(p.b, server); sa != core.TCPTimeWait || sb != core.TCPTimeWait {
		t.Errorf("got states %v, %v, want TIME-WAIT twice", sa, sb)
	}
}

// TestTCPCloseUnbound closes a control block that was never bound, and
// stops a stack that holds one: neither may touch its (zero) address.
func TestTCPCloseUnbound(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	p.call(p.a, func(c *core.Core) error {
		c.TCPClose(c.NewTCP(nil, nil))
		c.TCPAbort(c.NewTCP(nil, nil))
		c.NewTCP(nil, nil) // left for the stack's stop
		return nil
	})
}
