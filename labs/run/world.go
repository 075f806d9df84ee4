// Package run builds a lab's world (stacks, links, one clock) and runs its
// steps like a test.
//
// The world's runner is an actor of the world's clock: it configures the
// stacks, starts the built-in apps (actors too) and runs the steps, all
// through netifapi, sockets and the links' control calls, exactly as a
// user's program would. Under the virtual clock every actor and every
// stack's tcpip goroutine hold the world in turn, so a lab and its seed
// give the same event log on every run. Code here runs on the goroutine
// that calls Build and Run, and on the runner's and the apps' goroutines.
package run

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/sockets"
)

// Options configure a world.
type Options struct {
	// Speed paces a virtual clock (1 = real time); 0 runs as fast as
	// possible.
	Speed float64
	// Paused starts a virtual clock paused.
	Paused bool
	// Watchdog is how long a virtual world may make no progress before the
	// run fails as stuck (0: 10s).
	Watchdog time.Duration
	// PacketEvents records an event for every frame in and out.
	PacketEvents bool
	// EventRing is how many recent events each stack's snapshots carry
	// (0: the core's default). A UI that reads snapshots on a tick wants
	// room for every event of a busy tick.
	EventRing int
	// OnEvent receives every event of every stack, in order. It runs on
	// tcpip goroutines and must not block. It may keep a copy of *e, not
	// the pointer (the stack reuses the event's slot).
	OnEvent func(e *snapshot.Event)
	// OnStep receives each step's result as soon as it is known, and once
	// when a step starts (Status Running).
	OnStep func(r StepResult)
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// KeepRunning lets a virtual clock run on after the steps end (the
	// TUI); otherwise Run pauses it there, so that a run's log ends where
	// its steps end.
	KeepRunning bool
	// CaptureDir is where the world's captures go, one pcap file per link
	// (see World.CapturePath); empty is the current directory.
	CaptureDir string
	// CaptureAll captures every link from the start; otherwise only the
	// links the lab marks capture: true are.
	CaptureAll bool
}

// Node is one node of the world.
type Node struct {
	Name string
	Kind labs.NodeKind
	// Stack and Sockets are set for stack nodes.
	Stack   *core.Stack
	Sockets *sockets.API
	// Switch is set for switch nodes.
	Switch *mem.Switch
}

// Link is one link of the world. Every link is a pipe; a tap link's pipe
// joins the stack's netif to the TAP driver (TAP), so that impairments,
// captures and counters work on it as on any link. A tap-pair link's pipe
// joins its first stack's netif to the TAP driver of that stack's device
// on the bridge (TAP); its second stack's netif is on the driver of the
// other device (PeerTAP), with no pipe between.
type Link struct {
	ID   string
	Spec labs.Link
	Pipe *mem.Pipe
	// TAP is a tap or tap-pair link's TAP driver (a *tap.Endpoint) at the
	// far end of the pipe, nil for a pipe.
	TAP link.Endpoint
	// PeerTAP is a tap-pair link's second TAP driver, the one its second
	// endpoint's netif attaches to; nil for other links.
	PeerTAP link.Endpoint
	// Device and PeerDevice name TAP's and PeerTAP's devices and the
	// namespace each is in ("eth0 in netns netlab-…-k"), "" without one.
	Device, PeerDevice string
}

// World is a lab's running stacks, links and clock.
type World struct {
	Lab   *labs.Lab
	Clock clock.Clock
	// Virtual is the clock when it is virtual, nil otherwise.
	Virtual *clock.Virtual
	Nodes   []*Node
	Links   []*Link

	opts     Options
	log      *slog.Logger
	eventSeq atomic.Uint64
	stuck    chan error
	events   *eventLog // state events, for expectations of events (events.go)

	caps captures // the links' pcap captures (capture.go)

	// host is set for a lab with kernel nodes or tap links (kernel_linux.go).
	host *hostWorld

	mu     sync.Mutex
	closed bool
	apps   []*app
	prog   progress // a run that Start began
}

// Build makes the world's stacks, switches and links, unconfigured: Run
// (on the runner, so that it happens on the world's clock) adds the
// interfaces, routes and apps. A lab with kernel nodes or tap links
// (labs.Lab.NeedsHost) also gets its namespaces and TAP devices, fully
// configured on the kernel's side; without root or /dev/net/tun Build
// fails at once with an error for which IsUnsupported is true, having
// made nothing.
func Build(lab *labs.Lab, o Options) (*World, error) {
	w := &World{Lab: lab, opts: o, log: o.Logger, stuck: make(chan error, 1)}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	onEvent := o.OnEvent
	if needsEvents(lab) {
		w.events = &eventLog{byNode: map[string][]snapshot.Event{}}
		onEvent = w.events.hook(onEvent)
	}
	if lab.Clock == labs.ClockReal {
		w.Clock = clock.NewReal()
	} else {
		w.Virtual = clock.NewVirtual(clock.VirtualOptions{
			Speed:    o.Speed,
			Paused:   o.Paused,
			Watchdog: o.Watchdog,
			OnStuck: func(err error) {
				select {
				case w.stuck <- err:
				default:
				}
			},
		})
		w.Clock = w.Virtual
	}
	for _, n := range lab.Nodes {
		node := &Node{Name: n.Name, Kind: n.Kind}
		switch n.Kind {
		case labs.KindStack:
			node.Stack = core.New(core.Config{
				Name:         n.Name,
				Clock:        w.Clock,
				EventSeq:     &w.eventSeq,
				PacketEvents: o.PacketEvents,
				EventRing:    o.EventRing,
				Seed:         lab.Seed,
				OnEvent:      onEvent,
				Logger:       w.log.With("node", n.Name),
			})
			node.Stack.Start()
			node.Sockets = sockets.New(node.Stack, sockets.Options{})
		case labs.KindSwitch:
			node.Switch = mem.NewSwitch(n.Name, w.Clock)
		case labs.KindKernel:
			// Its namespace is made with the TAP devices, below.
		default:
			w.Close()
			return nil, fmt.Errorf("node %s: kind %q is not supported yet", n.Name, n.Kind)
		}
		w.Nodes = append(w.Nodes, node)
	}
	for i, l := range lab.Links {
		imp := impairments(l.Impair)
		if err := imp.Validate(); err != nil {
			w.Close()
			return nil, fmt.Errorf("link %s: %w", l.ID, err)
		}
		name := l.A.String() + "<->" + l.B.String()
		pipe := mem.NewPipe(name, w.Clock, lab.Seed*1000003+uint64(i), imp)
		w.Links = append(w.Links, &Link{ID: l.ID, Spec: l, Pipe: pipe})
		for _, side := range []struct {
			end labs.Endpoint
			ep  link.Endpoint
		}{{l.A, pipe.A()}, {l.B, pipe.B()}} {
			if sw := w.Node(side.end.Node); sw != nil && sw.Switch != nil {
				sw.Switch.Attach(side.ep)
			}
		}
	}
	if lab.NeedsHost() {
		if err := w.buildHost(); err != nil {
			w.Close()
			return nil, err
		}
	}
	if err := w.startLabCaptures(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// impairments converts a lab's impairments to a link's.
func impairments(i labs.Impairments) mem.Impairments {
	return mem.Impairments{
		Loss:      i.Loss.Fraction(),
		Duplicate: i.Duplicate.Fraction(),
		Reorder:   i.Reorder.Fraction(),
		Corrupt:   i.Corrupt.Fraction(),
		Delay:     i.Delay.Std(),
		Jitter:    i.Jitter.Std(),
		Rate:      uint64(i.Rate),
		Queue:     i.Queue,
	}
}

// Node returns the node named name, or nil.
func (w *World) Node(name string) *Node {
	for _, n := range w.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Link returns the link with id, or nil.
func (w *World) Link(id string) *Link {
	for _, l := range w.Links {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// endpointFor returns the link endpoint that interface iface of node
// attaches to, if a link names it.
func (w *World) endpointFor(node, iface string) (link.Endpoint, *Link) {
	for _, l := range w.Links {
		if l.Spec.A.Node == node && l.Spec.A.Interface == iface {
			return l.Pipe.A(), l
		}
		if l.Spec.B.Node == node && l.Spec.B.Interface == iface {
			if l.PeerTAP != nil {
				return l.PeerTAP, l
			}
			return l.Pipe.B(), l
		}
	}
	return nil, nil
}

// Close stops the captures (writing out their files), the clock, the
// apps, the stacks, the host's processes, TAP devices and namespaces, and
// the links, in that order: with the virtual clock
// stopped early, every goroutine runs freely again, so nothing can hold up
// the shutdown (not even an actor stuck while holding the world). It is
// safe to call more than once.
func (w *World) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	apps := w.apps
	cancel := w.prog.cancel
	w.mu.Unlock()
	w.StopCaptures()
	if cancel != nil {
		cancel()
	}
	if w.Virtual != nil {
		w.Virtual.Stop()
	}
	for _, a := range apps {
		a.stop()
	}
	for _, n := range w.Nodes {
		if n.Stack != nil {
			n.Stack.Stop()
		}
	}
	for _, a := range apps {
		<-a.done
	}
	w.stopRun()
	// Apps that a run started while Close was stopping the first ones.
	w.mu.Lock()
	late := w.apps[len(apps):]
	w.mu.Unlock()
	for _, a := range late {
		a.stop()
		<-a.done
	}
	w.closeHost()
	for _, l := range w.Links {
		l.Pipe.Close()
	}
}

// Snapshots returns the latest snapshot of every stack, in node order,
// and asks for fresh ones. It never blocks.
func (w *World) Snapshots() []*snapshot.Stack {
	var out []*snapshot.Stack
	for _, n := range w.Nodes {
		if n.Stack != nil {
			out = append(out, n.Stack.Snapshot())
		}
	}
	return out
}

// actor runs fn on a new goroutine as a task of the world's clock and
// returns a channel closed when fn has returned. A panic in fn is turned
// into an error on errc.
func (w *World) actor(ctx context.Context, name string, daemon bool, fn func(ctx context.Context) error) (<-chan struct{}, *error) {
	t := w.Clock.NewTask(name, daemon)
	t.Wake()
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		defer t.Exit()
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%s panicked: %v", name, r)
			}
		}()
		t.Sleep("start")
		err = fn(clock.WithTask(ctx, t))
	}()
	return done, &err
}

func macOf(m labs.MAC) wire.MAC { return wire.MAC(m) }
