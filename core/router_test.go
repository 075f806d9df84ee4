package core_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
)

// router is h1 (10.0.1.2) — r — h2 (10.0.2.2), with r forwarding and the
// r–h2 link's MTU set by the test.
type router struct {
	*env
	h1, r, h2 *core.Stack
}

// newRouter builds the router on a virtual clock, with 1ms links, and lets
// the gratuitous ARPs pass.
func newRouter(t *testing.T, mtu2 int) *router {
	x := buildRouter(t, newVirtual(t), mtu2, mem.Impairments{Delay: time.Millisecond})
	x.sleep(time.Second)
	return x
}

// buildRouter builds the router on clk, its two links impaired by imp.
func buildRouter(t testing.TB, clk clock.Clock, mtu2 int, imp mem.Impairments) *router {
	e := newEnv(t, clk)
	x := &router{env: e, h1: newStack(t, clk, "h1"), r: newStack(t, clk, "r"), h2: newStack(t, clk, "h2")}
	p1 := mem.NewPipe("h1-r", clk, 1, imp)
	p2 := mem.NewPipe("r-h2", clk, 2, imp)
	t.Cleanup(p1.Close)
	t.Cleanup(p2.Close)
	e.actorDone()
	e.addNetif(x.h1, "eth0", mac(1), "10.0.1.2/24", 0, p1.A())
	e.addNetif(x.r, "eth0", mac(2), "10.0.1.1/24", 0, p1.B())
	e.addNetif(x.r, "eth1", mac(3), "10.0.2.1/24", mtu2, p2.A())
	e.addNetif(x.h2, "eth0", mac(4), "10.0.2.2/24", mtu2, p2.B())
	e.call(x.r, func(c *core.Core) error { c.SetForwarding(true); return nil })
	for _, h := range []struct {
		s  *core.Stack
		gw string
	}{{x.h1, "10.0.1.1"}, {x.h2, "10.0.2.1"}} {
		e.call(h.s, func(c *core.Core) error {
			return c.AddRoute(core.Route{To: pfx("0.0.0.0/0"), Via: addr(h.gw)})
		})
	}
	return x
}

func TestForwardingAcrossRouter(t *testing.T) {
	x := newRouter(t, 1500)
	r := x.ping(x.h1, addr("10.0.2.2"), 1, 56, 5*time.Second)
	if r.reply == nil {
		t.Fatalf("got %+v, want a reply", r.err)
	}
	if r.reply.TTL != core.DefaultTTL-1 {
		t.Errorf("got reply TTL %d, want %d (one hop)", r.reply.TTL, core.DefaultTTL-1)
	}
	if n := x.counter(x.r, "ip-forwarded"); n != 2 {
		t.Errorf("got ip-forwarded %d, want 2", n)
	}
}

func TestForwardingOffDrops(t *testing.T) {
	x := newRouter(t, 1500)
	x.call(x.r, func(c *core.Core) error { c.SetForwarding(false); return nil })
	udp, got := udpClient(x.env, x.h1, netip.MustParseAddrPort("10.0.2.2:7"))
	x.call(x.h1, func(c *core.Core) error { return c.UDPSend(udp, []byte("x"), netip.AddrPort{}) })
	x.sleep(time.Second)
	if n := x.counter(x.r, "ip-not-forwarding"); n != 1 {
		t.Errorf("got ip-not-forwarding %d, want 1", n)
	}
	_ = got
}

func TestTTLExceededReachesSender(t *testing.T) {
	x := newRouter(t, 1500)
	var pcb *core.EchoPCB
	got := newMailbox[*core.EchoError](x.env)
	x.call(x.h1, func(c *core.Core) error {
		pcb = c.NewEcho(nil, func(c *core.Core, e *core.EchoError) { cp := *e; got.put(&cp) }, nil)
		c.EchoSetTTL(pcb, 1)
		return c.EchoSend(pcb, addr("10.0.2.2"), 7, []byte("ttl"))
	})
	e := got.get(x.env, time.Second)
	if !errors.Is(e.Err, core.ErrTTLExceeded) || e.From != addr("10.0.1.1") || e.Seq != 7 {
		t.Fatalf("got %+v, want time exceeded from 10.0.1.1 about seq 7", e)
	}
}

func TestFragmentationAtRouterAndReassembly(t *testing.T) {
	x := newRouter(t, 576)
	udpEcho(x.env, x.h2, 7)
	udp, got := udpClient(x.env, x.h1, netip.MustParseAddrPort("10.0.2.2:7"))
	msg := make([]byte, 1400)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	x.call(x.h1, func(c *core.Core) error { return c.UDPSend(udp, msg, netip.AddrPort{}) })
	r := got.get(x.env, 5*time.Second)
	if string(r.data) != string(msg) {
		t.Fatalf("echo of 1400 bytes came back as %d bytes, changed", len(r.data))
	}
	// r fragments the request; h2 fragments its own reply; both
	// reassemble.
	if n := x.counter(x.r, "ip-fragmented"); n != 1 {
		t.Errorf("r: got ip-fragmented %d, want 1", n)
	}
	if n := x.counter(x.r, "ip-fragments-out"); n != 3 {
		t.Errorf("r: got ip-fragments-out %d, want 3 (552+552+316 bytes)", n)
	}
	if n := x.counter(x.h2, "ip-reassembled"); n != 1 {
		t.Errorf("h2: got ip-reassembled %d, want 1", n)
	}
	if n := x.counter(x.h1, "ip-reassembled"); n != 1 {
		t.Errorf("h1: got ip-reassembled %d, want 1", n)
	}
}

func TestDontFragmentGetsFragmentationNeeded(t *testing.T) {
	x := newRouter(t, 576)
	udp, got := udpClient(x.env, x.h1, netip.MustParseAddrPort("10.0.2.2:7"))
	x.call(x.h1, func(c *core.Core) error {
		c.UDPSetDontFragment(udp, true)
		return c.UDPSend(udp, make([]byte, 1000), netip.AddrPort{})
	})
	r := got.get(x.env, 5*time.Second)
	if !errors.Is(r.err, core.ErrMsgSize) {
		t.Fatalf("got %+v, want message too long", r)
	}
	if n := x.counter(x.r, "ip-frag-needed"); n != 1 {
		t.Errorf("got ip-frag-needed %d, want 1", n)
	}
	// Locally, a DF datagram larger than the netif's own MTU fails at once.
	var err error
	x.call(x.h2, func(c *core.Core) error {
		p := c.NewUDP(nil, nil, nil)
		c.UDPSetDontFragment(p, true)
		err = c.UDPSend(p, make([]byte, 1000), netip.MustParseAddrPort("10.0.2.1:9"))
		return nil
	})
	if !errors.Is(err, core.ErrMsgSize) {
		t.Errorf("got %v, want ErrMsgSize", err)
	}
}

func TestNoRouteAndNetUnreachable(t *testing.T) {
	x := newRouter(t, 1500)
	// h1 has a default route; r has no route to 10.9.0.0/16.
	r := x.ping(x.h1, addr("10.9.0.1"), 1, 8, time.Second)
	if r.err == nil || !errors.Is(r.err.Err, core.ErrNetUnreach) {
		t.Fatalf("got %+v, want network unreachable from r", r)
	}
	var err error
	x.call(x.r, func(c *core.Core) error {
		p := c.NewEcho(nil, nil, nil)
		err = c.EchoSend(p, addr("10.9.0.1"), 1, nil)
		return nil
	})
	if !errors.Is(err, core.ErrNoRoute) {
		t.Errorf("got %v, want ErrNoRoute", err)
	}
}
