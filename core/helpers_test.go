package core_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
)

func mac(last byte) wire.MAC { return wire.MAC{2, 0, 0, 0, 0, last} }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// env is a test's world: its clock, and the test goroutine made an actor
// of that clock, so that a virtual clock waits for the test when it waits
// for the stacks, and replays the same way every time.
type env struct {
	t   testing.TB
	clk clock.Clock
	ctx context.Context
}

// newEnv makes the test goroutine an actor of clk. Stacks made later are
// stopped before the actor exits... no: the actor exits first (cleanups
// run last-in first-out), so that stopping stacks never waits on it.
func newEnv(t testing.TB, clk clock.Clock) *env {
	task := clk.NewTask("test", false)
	task.Wake()
	task.Sleep("start")
	e := &env{t: t, clk: clk, ctx: clock.WithTask(context.Background(), task)}
	return e
}

// exitLast registers the actor's exit; call it after making every stack.
func (e *env) actorDone() {
	task := clock.TaskFrom(e.ctx)
	e.t.Cleanup(task.Exit)
}

// newStack starts a stack that stops when the test ends.
func newStack(t testing.TB, clk clock.Clock, name string) *core.Stack {
	t.Helper()
	s := core.New(core.Config{Name: name, Clock: clk})
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// call runs fn on s's tcpip goroutine and fails the test on error.
func (e *env) call(s *core.Stack, fn func(c *core.Core) error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	if err := s.Call(ctx, fn); err != nil {
		e.t.Fatalf("call on %s: %v", s.Name(), err)
	}
}

// addNetif adds a netif on s attached to ep.
func (e *env) addNetif(s *core.Stack, name string, m wire.MAC, p string, mtu int, ep link.Endpoint) {
	e.t.Helper()
	e.call(s, func(c *core.Core) error {
		var a netip.Prefix
		if p != "" {
			a = pfx(p)
		}
		_, err := c.AddNetif(core.NetifConfig{Name: name, MAC: m, Address: a, MTU: mtu, Link: ep})
		return err
	})
}

// pair is two stacks a (10.0.0.1) and b (10.0.0.2) joined by a pipe.
type pair struct {
	*env
	a, b *core.Stack
	pipe *mem.Pipe
}

func newPair(t testing.TB, clk clock.Clock, imp mem.Impairments) *pair {
	t.Helper()
	return newPairMTU(t, clk, imp, 0, 0)
}

// newPairMTU is newPair with the MTUs of a's and b's netifs (0: the
// default).
func newPairMTU(t testing.TB, clk clock.Clock, imp mem.Impairments, mtuA, mtuB int) *pair {
	t.Helper()
	e := newEnv(t, clk)
	p := &pair{env: e, a: newStack(t, clk, "a"), b: newStack(t, clk, "b")}
	p.pipe = mem.NewPipe("a:eth0<->b:eth0", clk, 1, imp)
	t.Cleanup(p.pipe.Close)
	e.actorDone()
	e.addNetif(p.a, "eth0", mac(1), "10.0.0.1/24", mtuA, p.pipe.A())
	e.addNetif(p.b, "eth0", mac(2), "10.0.0.2/24", mtuB, p.pipe.B())
	return p
}

func newVirtual(t testing.TB) *clock.Virtual {
	c := clock.NewVirtual(clock.VirtualOptions{Watchdog: -1})
	t.Cleanup(c.Stop)
	return c
}

// mailbox carries values from the tcpip goroutine to the test actor.
type mailbox[T any] struct {
	mu sync.Mutex
	q  []T
	w  *clock.Waiter
}

func newMailbox[T any](e *env) *mailbox[T] {
	m := &mailbox[T]{w: clock.NewWaiter(e.ctx, e.clk)}
	e.t.Cleanup(m.w.Close)
	return m
}

// put runs on the tcpip goroutine.
func (m *mailbox[T]) put(v T) {
	m.mu.Lock()
	m.q = append(m.q, v)
	m.mu.Unlock()
	m.w.Wake()
}

// get waits up to timeout of clock time for the next value.
func (m *mailbox[T]) get(e *env, timeout time.Duration) T {
	e.t.Helper()
	deadline := e.clk.Now() + timeout
	for {
		m.mu.Lock()
		if len(m.q) > 0 {
			v := m.q[0]
			m.q = m.q[1:]
			m.mu.Unlock()
			return v
		}
		m.mu.Unlock()
		if err := m.w.Wait(deadline, "test mailbox"); err != nil && err != clock.ErrTimeout {
			e.t.Fatal(err)
		}
		if e.clk.Now() >= deadline {
			m.mu.Lock()
			n := len(m.q)
			m.mu.Unlock()
			if n == 0 {
				e.t.Fatalf("nothing came within %v", timeout)
			}
		}
	}
}

// echoResult is what an echo PCB saw.
type echoResult struct {
	reply *core.EchoReply
	err   *core.EchoError
	at    time.Duration
}

// ping sends one echo request from s to dst with size bytes of data and
// returns the reply or error that came back within timeout of clock time.
func (e *env) ping(s *core.Stack, dst netip.Addr, seq uint16, size int, timeout time.Duration) echoResult {
	e.t.Helper()
	got := newMailbox[echoResult](e)
	var pcb *core.EchoPCB
	var sent time.Duration
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i)
	}
	e.call(s, func(c *core.Core) error {
		pcb = c.NewEcho(func(c *core.Core, r *core.EchoReply) {
			cp := *r
			cp.Message = append([]byte(nil), r.Message...)
			got.put(echoResult{reply: &cp, at: c.Now() - sent})
		}, func(c *core.Core, er *core.EchoError) {
			cp := *er
			got.put(echoResult{err: &cp, at: c.Now() - sent})
		}, nil)
		sent = c.Now()
		return c.EchoSend(pcb, dst, seq, data)
	})
	defer e.call(s, func(c *core.Core) error { c.EchoClose(pcb); return nil })
	return got.get(e, timeout)
}

func (e *env) counter(s *core.Stack, name string) uint64 {
	e.t.Helper()
	var v uint64
	e.call(s, func(c *core.Core) error {
		var ok bool
		if v, ok = c.Counter(name); !ok {
			e.t.Fatalf("no counter %q", name)
		}
		return nil
	})
	return v
}

// sleep lets d of clock time pass.
func (e *env) sleep(d time.Duration) {
	if err := clock.Sleep(e.ctx, e.clk, d); err != nil {
		e.t.Fatal(err)
	}
}
