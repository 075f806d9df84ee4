package pitfalls

import (
	"bytes"
	"context"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/unsafecore"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/sockets"
)

// The world of every scenario: one stack "a" with eth0 (10.0.0.1/24) on
// a wire whose other end is the scenario's (a peer at 10.0.0.2).
var (
	addrA   = netip.MustParsePrefix("10.0.0.1/24")
	addrP   = netip.MustParseAddr("10.0.0.2")
	macA    = wire.MAC{0x02, 0, 0, 0, 0, 0x01}
	macP    = wire.MAC{0x02, 0, 0, 0, 0, 0x02}
	loopTo7 = netip.MustParseAddrPort("127.0.0.1:7")
	loopTo9 = netip.MustParseAddrPort("127.0.0.1:9")
)

// turnAt is the clock time of every turn the scenarios run: late enough
// for timers armed at 0 (DHCP's first retransmission) to be due.
const turnAt = time.Minute

// world is one stack driven through the unsafe door, with the far end of
// its eth0 wire.
type world struct {
	stack *core.Stack
	door  *core.Unsafe
	wire  *wireEnd
	api   *sockets.API // nil unless the scenario uses sockets
}

// breakSafePath, set by tests only (BreakSafePath), makes the worlds'
// Calls skip the inbox (core.Unsafe.BreakCalls) once they are built.
var breakSafePath atomic.Bool

// BreakSafePath, when on, makes the safe versions' netifapi and sockets
// calls skip the tcpip goroutine's inbox (core.Unsafe.BreakCalls), so that
// they touch the core from the caller's goroutine. It is for tests that
// the explorer, and whatever reports its results, catch a broken safe
// path; it applies to worlds built after the call.
func BreakSafePath(on bool) { breakSafePath.Store(on) }

// newWorld builds stack a with eth0 on a wire, not started: its turns run
// on whoever calls door.Turn (setup, then the tcpip actor).
func newWorld() (*world, error) {
	s := core.New(core.Config{Name: "a"})
	w := &world{stack: s, door: unsafecore.Open(s), wire: &wireEnd{}}
	err := w.setup(func(ctx context.Context) error {
		return s.Call(ctx, func(c *core.Core) error {
			_, err := c.AddNetif(core.NetifConfig{Name: "eth0", MAC: macA, Address: addrA, Link: w.wire})
			return err
		})
	})
	if err != nil {
		s.Stop()
		return nil, err
	}
	return w, nil
}

// withSockets gives the world a socket API (classic: no descriptor
// generations; halfDuplex: no full-duplex support).
func (w *world) withSockets(classic, halfDuplex bool) {
	w.api = sockets.New(w.stack, sockets.Options{Classic: classic, NoFullDuplex: halfDuplex})
}

// setup runs fn, which makes calls into the stack, while this goroutine
// runs the stack's turns at clock time 0: for building a scenario's world before its
// actors start (no scheduler is installed yet).
func (w *world) setup(fn func(ctx context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- fn(context.Background()) }()
	for {
		if w.door.HasWork(0) {
			w.door.Turn(0)
			continue
		}
		select {
		case err := <-done:
			for w.door.HasWork(0) {
				w.door.Turn(0)
			}
			return err
		default:
			runtime.Gosched()
		}
	}
}

// close stops the world's stack.
func (w *world) close() { w.stack.Stop() }

// netif returns the world's netif named name, nil if none.
func (w *world) netif(name string) *core.Netif {
	for _, n := range w.door.Netifs() {
		if n.Name() == name {
			return n
		}
	}
	return nil
}

// tcpip is the tcpip goroutine as an actor: it runs a turn whenever the
// stack has work, and ends when it has none left and every other actor
// has ended.
func (w *world) tcpip() Actor {
	return Actor{Name: "tcpip", Run: func(x *Ctx) {
		for {
			x.Wait(core.PointIdle, func() bool { return w.door.HasWork(turnAt) || x.AllOthersDone() })
			if !w.door.HasWork(turnAt) {
				return
			}
			x.Note("turn")
			w.door.Turn(turnAt)
		}
	}}
}

// instance wraps actors and checks into an Instance of this world.
func (w *world) instance(actors []Actor, observe func(int, core.Point, any) string, check func() string) *Instance {
	w.door.BreakCalls(breakSafePath.Load())
	return &Instance{
		Actors:  actors,
		Attach:  w.door.SetScheduler,
		Observe: observe,
		Check:   check,
		Close:   w.close,
	}
}

// wireEnd is the far end of eth0: it keeps every frame the stack sends
// and delivers the frames a scenario injects. Any goroutine.
type wireEnd struct {
	mu     sync.Mutex
	r      link.Receiver
	frames [][]byte
}

// Transmit keeps a copy of frame.
func (e *wireEnd) Transmit(frame []byte) {
	e.mu.Lock()
	e.frames = append(e.frames, bytes.Clone(frame))
	e.mu.Unlock()
}

// SetReceiver connects the stack's netif.
func (e *wireEnd) SetReceiver(r link.Receiver) {
	e.mu.Lock()
	e.r = r
	e.mu.Unlock()
}

// Name names the wire.
func (e *wireEnd) Name() string { return "a:eth0<->peer" }

// deliver hands frame to the stack's netif.
func (e *wireEnd) deliver(frame []byte) {
	e.mu.Lock()
	r := e.r
	e.mu.Unlock()
	if r != nil {
		r.Receive([]*link.Buffer{link.NewBuffer(frame)})
	}
}

// sent returns the frames sent so far, and forgets them.
func (e *wireEnd) sent() [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.frames
	e.frames = nil
	return out
}

// arpRequestFrame is the peer asking who has a's address: it teaches a
// the peer's MAC.
func arpRequestFrame() []byte {
	b := make([]byte, wire.EthernetHeaderLen+wire.ARPLen)
	wire.EncodeEthernet(b, wire.BroadcastMAC, macP, wire.EtherTypeARP)
	wire.EncodeARP(b[wire.EthernetHeaderLen:], wire.ARPRequest, macP, addrP, wire.MAC{}, addrA.Addr())
	return b
}

// pingPayload is what the peer's echo request carries.
var pingPayload = []byte("ping from the peer")

// echoRequestFrame is the peer's echo request to a.
func echoRequestFrame() []byte {
	const ipOff, icmpOff = wire.EthernetHeaderLen, wire.EthernetHeaderLen + wire.IPv4MinHeaderLen
	b := make([]byte, icmpOff+wire.ICMPHeaderLen+len(pingPayload))
	wire.EncodeEthernet(b, macA, macP, wire.EtherTypeIPv4)
	tlen := wire.EncodeICMPEcho(b[icmpOff:], wire.ICMPEchoRequest, 7, 1, pingPayload)
	h := wire.IPv4Header{TotalLen: wire.IPv4MinHeaderLen + tlen, ID: 1, TTL: 64, Protocol: wire.ProtoICMP, Src: addrP, Dst: addrA.Addr()}
	h.Marshal(b[ipOff:icmpOff])
	return b
}
