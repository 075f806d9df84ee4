package sockets_test

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
	macA  = wire.MAC{2, 0, 0, 0, 0, 1}
	macB  = wire.MAC{2, 0, 0, 0, 0, 2}
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// wallLimit bounds every wait of a test on wall time: generous, since 2
// cores under -race are slow.
const wallLimit = 30 * time.Second

// world is two stacks, a (10.0.0.1) and b (10.0.0.2), joined by a pipe,
// with a socket API each.
type world struct {
	t    testing.TB
	clk  clock.Clock
	a, b *core.Stack
	A, B *sockets.API
	pipe *mem.Pipe
}

type worldOpts struct {
	virtual bool
	delay   time.Duration
	sockets sockets.Options
}

// newWorld builds the two stacks; everything stops when the test ends
// (the stacks before the clock).
func newWorld(t testing.TB, o worldOpts) *world {
	t.Helper()
	w := &world{t: t}
	if o.virtual {
		v := clock.NewVirtual(clock.VirtualOptions{Watchdog: -1})
		t.Cleanup(v.Stop)
		w.clk = v
	} else {
		w.clk = clock.NewReal()
	}
	w.a = core.New(core.Config{Name: "a", Clock: w.clk})
	w.b = core.New(core.Config{Name: "b", Clock: w.clk})
	w.a.Start()
	w.b.Start()
	t.Cleanup(w.a.Stop)
	t.Cleanup(w.b.Stop)
	w.pipe = mem.NewPipe("a-b", w.clk, 1, mem.Impairments{Delay: o.delay})
	t.Cleanup(w.pipe.Close)
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	for _, n := range []struct {
		s    *core.Stack
		mac  wire.MAC
		addr string
		ep   link.Endpoint
	}{{w.a, macA, "10.0.0.1/24", w.pipe.A()}, {w.b, macB, "10.0.0.2/24", w.pipe.B()}} {
		cfg := netifapi.Config{Name: "eth0", MAC: n.mac, Address: netip.MustParsePrefix(n.addr), Link: n.ep}
		if _, err := netifapi.Add(ctx, n.s, cfg); err != nil {
			t.Fatal(err)
		}
	}
	w.A = sockets.New(w.a, o.sockets)
	w.B = sockets.New(w.b, o.sockets)
	if o.virtual {
		// The setup above ran outside the clock's schedule (the test
		// goroutine is not an actor), so time may have moved while it
		// ran: let the gratuitous ARPs of the new netifs land, so that
		// every test starts from the same state at a known time.
		w.run("settle", func(ctx context.Context, t testing.TB) {
			if err := clock.Sleep(ctx, w.clk, settle-w.clk.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	return w
}

// settle is the clock time at which a virtual world's tests start.
const settle = time.Second

// staticARP makes a and b know each other's MACs, so that round trips
// are exactly two pipe delays.
func (w *world) staticARP() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	if err := netifapi.AddStaticARP(ctx, w.a, "eth0", addrB, macB); err != nil {
		w.t.Fatal(err)
	}
	if err := netifapi.AddStaticARP(ctx, w.b, "eth0", addrA, macA); err != nil {
		w.t.Fatal(err)
	}
}

// actor runs fn on a new goroutine as a clock task, with a context that
// marks it, and returns a channel closed when fn has returned. fn gets a
// testing.TB whose Fatal ends the actor's goroutine, not the test's.
func (w *world) actor(name string, fn func(ctx context.Context, t testing.TB)) <-chan struct{} {
	done := make(chan struct{})
	task := w.clk.NewTask(name, false)
	task.Wake()
	go func() {
		defer close(done)
		task.Sleep("start")
		defer task.Exit()
		fn(clock.WithTask(context.Background(), task), actorTB{w.t})
	}()
	return done
}

// actorTB is the testing.TB of an actor's goroutine: FailNow (and so
// Fatal) marks the test failed and ends the actor, since only the test's
// own goroutine may call testing.T.FailNow.
type actorTB struct{ testing.TB }

func (a actorTB) FailNow() {
	a.TB.Fail()
	runtime.Goexit()
}

func (a actorTB) Fatal(args ...any) {
	a.TB.Helper()
	a.TB.Error(args...)
	a.FailNow()
}

func (a actorTB) Fatalf(format string, args ...any) {
	a.TB.Helper()
	a.TB.Errorf(format, args...)
	a.FailNow()
}

// wait waits (on wall time) for actors to finish.
func (w *world) wait(done ...<-chan struct{}) {
	w.t.Helper()
	timeout := time.After(wallLimit)
	for _, d := range done {
		select {
		case <-d:
		case <-timeout:
			if v, ok := w.clk.(*clock.Virtual); ok {
				w.t.Fatalf("actors still running after %v; tasks: %v", wallLimit, v.Tasks())
			}
			w.t.Fatalf("actors still running after %v", wallLimit)
		}
	}
}

// blockedIn waits (on wall time) until the virtual clock's task name is
// asleep in a netlab call whose reason starts with why: the actor is
// really blocked, not merely about to be.
func (w *world) blockedIn(name, why string) {
	w.t.Helper()
	v := w.clk.(*clock.Virtual)
	want := name + " asleep in " + why
	for deadline := time.Now().Add(wallLimit); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		for _, task := range v.Tasks() {
			if strings.HasPrefix(task, want) {
				return
			}
		}
	}
	w.t.Fatalf("%s never blocked in %q; tasks: %v", name, why, v.Tasks())
}

// run runs fn as one actor and waits for it.
func (w *world) run(name string, fn func(ctx context.Context, t testing.TB)) {
	w.t.Helper()
	w.wait(w.actor(name, fn))
}

// must fails the test (or the actor, with an actor's t) if err is not
// nil.
func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErrno checks that err is an *sockets.Error with errno want.
func wantErrno(t testing.TB, err error, want syscall.Errno, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %s", what, err, sockets.ErrnoName(want))
		return
	}
	var se *sockets.Error
	if !errors.As(err, &se) {
		t.Errorf("%s: got %T, want *sockets.Error", what, err)
	}
}

// udpSocket opens a Datagram socket on api, bound to bind unless it is
// empty.
func udpSocket(t testing.TB, ctx context.Context, api *sockets.API, bind string) sockets.FD {
	t.Helper()
	fd, err := api.Socket(ctx, sockets.Datagram, "test")
	must(t, err, "socket")
	if bind != "" {
		must(t, api.Bind(ctx, fd, ap(bind)), "bind "+bind)
	}
	return fd
}

// echoServer answers every datagram on fd with the same bytes until fd
// closes; it runs as an actor.
func (w *world) echoServer(api *sockets.API, fd sockets.FD) <-chan struct{} {
	return w.actor("udp-echo", func(ctx context.Context, _ testing.TB) {
		buf := make([]byte, 65536)
		for {
			n, from, err := api.RecvFrom(ctx, fd, buf)
			if err != nil {
				return
			}
			if _, err := api.SendTo(ctx, fd, buf[:n], from); err != nil {
				return
			}
		}
	})
}

func bg() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), wallLimit)
}

// clockSleep sleeps d of w's clock time.
func clockSleep(ctx context.Context, w *world, d time.Duration) error {
	return clock.Sleep(ctx, w.clk, d)
}

// counter returns the value of stack s's counter name.
func counter(ctx context.Context, t testing.TB, s *core.Stack, name string) uint64 {
	t.Helper()
	var (
		v  uint64
		ok bool
	)
	must(t, s.Call(ctx, func(c *core.Core) error {
		v, ok = c.Counter(name)
		return nil
	}), "counter "+name)
	if !ok {
		t.Fatalf("no counter %q", name)
	}
	return v
}
