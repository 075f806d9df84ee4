package core_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPingOverPipeResolvesARP(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	p.sleep(time.Second) // let the gratuitous ARPs pass
	r := p.ping(p.a, addr("10.0.0.2"), 1, 56, 5*time.Second)
	if r.reply == nil {
		t.Fatalf("got error %v, want a reply", r.err.Err)
	}
	// ARP request + reply, then echo request + reply: 4 one-way trips.
	if r.at != 4*time.Millisecond {
		t.Errorf("got first RTT %v, want 4ms (ARP and echo)", r.at)
	}
	if r.reply.From != addr("10.0.0.2") || r.reply.Seq != 1 || len(r.reply.Message) != 8+56 {
		t.Errorf("got reply from %v seq %d len %d", r.reply.From, r.reply.Seq, len(r.reply.Message))
	}
	r = p.ping(p.a, addr("10.0.0.2"), 2, 56, 5*time.Second)
	if r.at != 2*time.Millisecond {
		t.Errorf("got second RTT %v, want 2ms (ARP cached)", r.at)
	}
	for _, s := range []*core.Stack{p.a, p.b} {
		var entries []snapshot.ARPEntry
		p.call(s, func(c *core.Core) error { entries = c.ARPEntries(); return nil })
		if len(entries) != 1 || entries[0].State != snapshot.ARPReachable {
			t.Errorf("%s: got ARP cache %+v, want one reachable entry", s.Name(), entries)
		}
	}
}

func TestPingOwnAddressStaysInside(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{})
	for _, dst := range []string{"10.0.0.1", "127.0.0.1"} {
		r := p.ping(p.a, addr(dst), 1, 8, time.Second)
		if r.reply == nil || r.at != 0 {
			t.Fatalf("ping %s: got %+v, want an instant reply", dst, r)
		}
	}
	if st := p.pipe.Stats(); st.AtoB.TxFrames != 1 {
		t.Errorf("got %d frames on the wire, want 1 (the gratuitous ARP)", st.AtoB.TxFrames)
	}
}

func TestARPFailureReachesSenderAsHostUnreachable(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{})
	r := p.ping(p.a, addr("10.0.0.99"), 1, 8, 10*time.Second)
	if r.err == nil || !errors.Is(r.err.Err, core.ErrHostUnreach) {
		t.Fatalf("got %+v, want host unreachable", r)
	}
	if r.at != 3*time.Second {
		t.Errorf("failed after %v, want 3s (three requests a second apart)", r.at)
	}
	if n := p.counter(p.a, "arp-failed"); n != 1 {
		t.Errorf("got arp-failed %d, want 1", n)
	}
}

// udpEcho binds a UDP PCB on s at port that echoes every datagram.
func udpEcho(e *env, s *core.Stack, port uint16) {
	e.call(s, func(c *core.Core) error {
		var p *core.UDPPCB
		p = c.NewUDP(func(c *core.Core, d *core.UDPDatagram) {
			c.UDPSend(p, d.Payload, d.Src)
		}, nil, nil)
		_, err := c.UDPBind(p, netip.AddrPortFrom(netip.IPv4Unspecified(), port))
		return err
	})
}

type udpResult struct {
	data []byte
	from netip.AddrPort
	err  error
}

// udpClient opens a PCB on s, optionally connected, and returns it with
// the channel of what it receives.
func udpClient(e *env, s *core.Stack, connect netip.AddrPort) (*core.UDPPCB, *mailbox[udpResult]) {
	ch := newMailbox[udpResult](e)
	var p *core.UDPPCB
	e.call(s, func(c *core.Core) error {
		p = c.NewUDP(func(c *core.Core, d *core.UDPDatagram) {
			ch.put(udpResult{data: append([]byte(nil), d.Payload...), from: d.Src})
		}, func(c *core.Core, err error) { ch.put(udpResult{err: err}) }, nil)
		if connect.IsValid() {
			return c.UDPConnect(p, connect)
		}
		_, err := c.UDPBind(p, netip.AddrPort{})
		return err
	})
	return p, ch
}

func TestUDPEcho(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	udpEcho(p.env, p.b, 7)
	pcb, ch := udpClient(p.env, p.a, netip.AddrPort{})
	msg := []byte("hello netlab")
	p.call(p.a, func(c *core.Core) error { return c.UDPSend(pcb, msg, netip.MustParseAddrPort("10.0.0.2:7")) })
	r := ch.get(p.env, time.Second)
	if !bytes.Equal(r.data, msg) || r.from != netip.MustParseAddrPort("10.0.0.2:7") {
		t.Fatalf("got %q from %v, want %q from 10.0.0.2:7", r.data, r.from, msg)
	}
}

func TestConnectedUDPSeesConnectionRefused(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{})
	pcb, ch := udpClient(p.env, p.a, netip.MustParseAddrPort("10.0.0.2:9999"))
	p.call(p.a, func(c *core.Core) error { return c.UDPSend(pcb, []byte("x"), netip.AddrPort{}) })
	r := ch.get(p.env, time.Second)
	if !errors.Is(r.err, core.ErrConnRefused) {
		t.Fatalf("got %+v, want connection refused", r)
	}
	if n := p.counter(p.b, "udp-no-port"); n != 1 {
		t.Errorf("got udp-no-port %d, want 1", n)
	}
}

func TestUDPBroadcast(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{})
	var port uint16
	recv := newMailbox[udpResult](p.env)
	p.call(p.b, func(c *core.Core) error {
		q := c.NewUDP(func(c *core.Core, d *core.UDPDatagram) {
			recv.put(udpResult{data: append([]byte(nil), d.Payload...), from: d.Src})
		}, nil, nil)
		ap, err := c.UDPBind(q, netip.MustParseAddrPort("0.0.0.0:5000"))
		port = ap.Port()
		return err
	})
	sender, _ := udpClient(p.env, p.a, netip.AddrPort{})
	for _, dst := range []string{"255.255.255.255", "10.0.0.255"} {
		to := netip.AddrPortFrom(addr(dst), port)
		var err error
		p.call(p.a, func(c *core.Core) error { err = c.UDPSend(sender, []byte("b"), to); return nil })
		if !errors.Is(err, core.ErrBroadcast) {
			t.Fatalf("send to %v without broadcast: got %v, want ErrBroadcast", to, err)
		}
		p.call(p.a, func(c *core.Core) error {
			c.UDPSetBroadcast(sender, true)
			defer c.UDPSetBroadcast(sender, false)
			return c.UDPSend(sender, []byte(dst), to)
		})
		if r := recv.get(p.env, time.Second); string(r.data) != dst {
			t.Fatalf("got %q, want %q", r.data, dst)
		}
	}
}

func TestUnknownEtherTypesAndGarbageAreCountedDrops(t *testing.T) {
	clk := clock.NewReal()
	e := newEnv(t, clk)
	s := newStack(t, clk, "s")
	ch := mem.NewChannel("ch", 16)
	e.addNetif(s, "eth0", mac(1), "10.0.0.1/24", 0, ch.Endpoint())
	m1, m2 := mac(1), mac(2)
	ipv6 := append(append(append([]byte{}, m1[:]...), m2[:]...), 0x86, 0xdd, 0x60, 0, 0, 0)
	ch.Inject(ipv6)
	ch.Inject([]byte{1, 2, 3})
	ch.Inject(append(append(append([]byte{}, m1[:]...), m2[:]...), 0x08, 0x00, 0x45, 0))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var drops map[string]uint64
		e.call(s, func(c *core.Core) error {
			drops = c.NetifSnapshot(c.NetifByName("eth0")).Counters.Drops
			return nil
		})
		if drops["unknown-ethertype"] == 1 && drops["malformed"] == 1 && drops["ip-malformed"] == 1 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("drops not counted")
}

func TestStopFailsPendingCalls(t *testing.T) {
	s := core.New(core.Config{Name: "s"})
	s.Start()
	s.Stop()
	err := s.Call(context.Background(), func(c *core.Core) error { return nil })
	if !errors.Is(err, core.ErrStopped) {
		t.Fatalf("got %v, want ErrStopped", err)
	}
}

func TestCallHonoursContext(t *testing.T) {
	clk := newVirtual(t)
	s := newStack(t, clk, "s")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Call(ctx, func(c *core.Core) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestCoreRefusesCallsOffTheLoop(t *testing.T) {
	e := newEnv(t, clock.NewReal())
	s := newStack(t, e.clk, "s")
	var leaked *core.Core
	e.call(s, func(c *core.Core) error { leaked = c; return nil })
	// After Stop the tcpip goroutine has ended: any use of the core is off
	// the loop (right after Call the loop may still be finishing its round).
	s.Stop()
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a core call outside the tcpip goroutine")
		}
	}()
	leaked.AddNetif(core.NetifConfig{Name: "x"})
}

// TestRequestsRunBetweenLongBatches queues 200 frames on a netif and, in
// the same turn, a request: the request runs after the 63rd frame, not
// after the whole batch, so that a call waits behind at most one link
// batch of frames (as lwIP's tcpip thread takes its mailbox in order).
func TestRequestsRunBetweenLongBatches(t *testing.T) {
	clk := newVirtual(t)
	e := newEnv(t, clk)
	s := newStack(t, clk, "s")
	e.actorDone()
	ch := mem.NewChannel("s:eth0", 16)
	e.addNetif(s, "eth0", mac(2), "10.0.0.2/24", 0, ch.Endpoint())
	const frames = 200
	frame := make([]byte, 60)
	wire.EncodeEthernet(frame, mac(2), mac(1), 0x88b5) // an EtherType nobody handles
	seen := newMailbox[uint64](e)
	rxFrames := func() (n uint64) {
		e.call(s, func(c *core.Core) error { n, _ = c.NetifByName("eth0").Counter("rx-frames"); return nil })
		return n
	}
	before := rxFrames()
	e.call(s, func(c *core.Core) error {
		for range frames {
			ch.Inject(frame)
		}
		return s.Post(func(c *core.Core) {
			n, _ := c.NetifByName("eth0").Counter("rx-frames")
			seen.put(n - before)
		})
	})
	if got := seen.get(e, time.Second); got != 63 {
		t.Errorf("the request ran after %d of the %d frames, want 63 (one link batch, then requests)", got, frames)
	}
	if got := rxFrames() - before; got != frames {
		t.Errorf("rx-frames grew by %d, want %d", got, frames)
	}
}
