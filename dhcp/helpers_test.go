package dhcp_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mac(hi, lo byte) wire.MAC { return wire.MAC{2, 0, 0, 0, hi, lo} }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// world is a test's stacks and links on one virtual clock, with the test
// goroutine an actor of it.
type world struct {
	t   testing.TB
	clk *clock.Virtual
	ctx context.Context

	// seed seeds the links made next.
	seed uint64

	mu     sync.Mutex
	events []string // "12.000000 node eth0 dhcp client bound"
}

func newWorld(t testing.TB) *world {
	clk := clock.NewVirtual(clock.VirtualOptions{Watchdog: -1})
	t.Cleanup(clk.Stop)
	task := clk.NewTask("test", false)
	task.Wake()
	task.Sleep("start")
	w := &world{t: t, clk: clk, ctx: clock.WithTask(context.Background(), task)}
	return w
}

// ready makes the actor exit first at cleanup; call after the last stack.
func (w *world) ready() {
	task := clock.TaskFrom(w.ctx)
	w.t.Cleanup(task.Exit)
}

func (w *world) stack(name string) *core.Stack {
	s := core.New(core.Config{Name: name, Clock: w.clk, OnEvent: func(e *snapshot.Event) {
		if e.Kind == snapshot.EventState && strings.HasPrefix(e.Msg, "dhcp") {
			w.mu.Lock()
			w.events = append(w.events, fmt.Sprintf("%.3f %s %s %s", e.Time.Seconds(), e.Node, e.Netif, e.Text()))
			w.mu.Unlock()
		}
	}})
	s.Start()
	w.t.Cleanup(s.Stop)
	return s
}

func (w *world) log() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.events...)
}

// saw reports whether the event log has an entry with suffix text at
// time at (seconds).
func (w *world) saw(at time.Duration, who, text string) bool {
	want := fmt.Sprintf("%.3f %s %s", at.Seconds(), who, text)
	for _, e := range w.log() {
		if e == want {
			return true
		}
	}
	return false
}

func (w *world) want(at time.Duration, who, text string) {
	w.t.Helper()
	if !w.saw(at, who, text) {
		w.t.Errorf("no event %q at %v; log:\n%s", who+" "+text, at, strings.Join(w.log(), "\n"))
	}
}

func (w *world) cctx() context.Context {
	ctx, cancel := context.WithTimeout(w.ctx, 60*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

func (w *world) must(what string, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func (w *world) add(s *core.Stack, name string, m wire.MAC, p string, ep link.Endpoint) {
	w.t.Helper()
	cfg := netifapi.Config{Name: name, MAC: m, Link: ep}
	if p != "" {
		cfg.Address = pfx(p)
	}
	_, err := netifapi.Add(w.cctx(), s, cfg)
	w.must("add "+name, err)
}

func (w *world) pipe(name string, imp mem.Impairments) *mem.Pipe {
	w.seed++
	p := mem.NewPipe(name, w.clk, w.seed, imp)
	w.t.Cleanup(p.Close)
	return p
}

// sleepUntil lets clock time pass until at.
func (w *world) sleepUntil(at time.Duration) {
	w.t.Helper()
	if d := at - w.clk.Now(); d > 0 {
		w.must("sleep", clock.Sleep(w.ctx, w.clk, d))
	}
}

func (w *world) client(s *core.Stack, netif string) snapshot.DHCPClient {
	w.t.Helper()
	c, err := netifapi.DHCPClient(w.cctx(), s, netif)
	w.must("client", err)
	return c
}

func (w *world) server(s *core.Stack, netif string) snapshot.DHCPServer {
	w.t.Helper()
	c, err := netifapi.DHCPServer(w.cctx(), s, netif)
	w.must("server", err)
	return c
}

// waitState sleeps in steps of step until the client is in state, up to
// limit of clock time.
func (w *world) waitState(s *core.Stack, netif, state string, step, limit time.Duration) snapshot.DHCPClient {
	w.t.Helper()
	end := w.clk.Now() + limit
	for {
		c := w.client(s, netif)
		if c.State == state {
			return c
		}
		if w.clk.Now() >= end {
			w.t.Fatalf("%s %s: state %s after %v, want %s; log:\n%s", s.Name(), netif, c.State, limit, state, strings.Join(w.log(), "\n"))
		}
		w.sleepUntil(w.clk.Now() + step)
	}
}

func (w *world) netif(s *core.Stack, name string) snapshot.Netif {
	w.t.Helper()
	n, err := netifapi.Get(w.cctx(), s, name)
	w.must("get", err)
	return n
}

func (w *world) defaultRoute(s *core.Stack) netip.Addr {
	w.t.Helper()
	rs, err := netifapi.Routes(w.cctx(), s)
	w.must("routes", err)
	for _, r := range rs {
		if r.To.Bits() == 0 {
			return r.Via
		}
	}
	return netip.Addr{}
}

// stdServer is the tests' server config on 10.0.0.1/24.
func stdServer() dhcp.ServerConfig {
	return dhcp.ServerConfig{
		PoolStart: addr("10.0.0.100"), PoolEnd: addr("10.0.0.199"),
		Router: addr("10.0.0.1"), DNS: []netip.Addr{addr("10.0.0.53")},
		LeaseTime: time.Hour,
	}
}

// pairWorld is a server stack "srv" (10.0.0.1/24) and a client stack
// "cl" without an address, joined by a pipe.
func pairWorld(t testing.TB, imp mem.Impairments) (*world, *core.Stack, *core.Stack) {
	return pairWorldSeed(t, imp, 0)
}

func pairWorldSeed(t testing.TB, imp mem.Impairments, seed uint64) (*world, *core.Stack, *core.Stack) {
	w := newWorld(t)
	w.seed = seed
	srv, cl := w.stack("srv"), w.stack("cl")
	p := w.pipe("srv:eth0<->cl:eth0", imp)
	w.ready()
	w.add(srv, "eth0", mac(0, 1), "10.0.0.1/24", p.A())
	w.add(cl, "eth0", mac(0, 2), "", p.B())
	w.must("server start", netifapi.DHCPServerStart(w.cctx(), srv, "eth0", stdServer()))
	return w, srv, cl
}
