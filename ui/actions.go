package ui

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

// resultMsg is an action's outcome, for the status line.
type resultMsg struct {
	What   string
	Detail string
	Err    error
}

// worldMsg carries a rebuilt world (rerun).
type worldMsg struct {
	World *run.World
	Err   error
}

// Timeouts of actions, in wall time: a paused clock must not hang a
// command forever.
const (
	actionTimeout = 5 * time.Second
	pingTimeout   = 60 * time.Second
)

// actions are every change a person can make, each as a tea.Cmd that runs
// off the UI goroutine through netifapi, sockets or the world's control
// calls, and reports a resultMsg. Nothing here blocks Update.
type actions struct {
	world *run.World
	// build makes a new world of the same lab (rerun).
	build func() (*run.World, error)
	// macs counts the MACs made for added interfaces.
	macs atomic.Uint32
	// inflight counts the actions running now.
	inflight atomic.Int64
	// progress is what a running action has to say so far ("ping b →
	// 10.0.0.1: seq 1 2.000 ms"); the status line shows it on each tick
	// until the action's result comes.
	progress atomic.Pointer[string]
	// accepting counts the accept loops of TCP listeners opened here,
	// loops waits for them (tests).
	accepting atomic.Int64
	loops     sync.WaitGroup
}

// say publishes an action's progress. Any goroutine.
func (a *actions) say(s string) { a.progress.Store(&s) }

// Progress returns the latest progress of a running action, "" if none.
func (a *actions) Progress() string {
	if p := a.progress.Load(); p != nil {
		return *p
	}
	return ""
}

// do runs fn as an actor of the world and reports its outcome.
func (a *actions) do(what string, timeout time.Duration, fn func(ctx context.Context) (string, error)) tea.Cmd {
	w := a.world
	if w == nil {
		return nil
	}
	return func() tea.Msg {
		a.inflight.Add(1)
		defer a.inflight.Add(-1)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		var detail string
		err := w.Act(ctx, "tui", func(ctx context.Context) error {
			var err error
			detail, err = fn(ctx)
			return err
		})
		return resultMsg{What: what, Detail: detail, Err: err}
	}
}

func (a *actions) stack(node string) (*run.Node, error) {
	n := a.world.Node(node)
	if n != nil && n.Kind == labs.KindKernel {
		return nil, fmt.Errorf("%s is a kernel node: the TUI shows it, exec steps change it", node)
	}
	if n == nil || n.Stack == nil {
		return nil, fmt.Errorf("no stack named %q", node)
	}
	return n, nil
}

// AddInterface adds a netif, attached to the lab's link endpoint for it
// when there is one.
func (a *actions) AddInterface(node, name string, addr netip.Prefix, mtu int) tea.Cmd {
	return a.do("add "+node+":"+name, actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		cfg := netifapi.Config{Name: name, Address: addr, MTU: mtu, MAC: a.newMAC(node)}
		detail := "not attached to a link"
		if ep, l := a.world.Endpoint(node, name); ep != nil {
			cfg.Link = ep
			detail = "attached to link " + l.ID
		}
		idx, err := netifapi.Add(ctx, n.Stack, cfg)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("index %d, %s", idx, detail), nil
	})
}

// newMAC makes a locally administered MAC for an interface a person adds:
// 02:00:00:7e:<node>:<n>.
func (a *actions) newMAC(node string) wire.MAC {
	idx := 0
	for i, n := range a.world.Nodes {
		if n.Name == node {
			idx = i + 1
		}
	}
	return wire.MAC{0x02, 0, 0, 0x7e, byte(idx), byte(a.macs.Add(1))}
}

// RemoveInterface removes a netif.
func (a *actions) RemoveInterface(node, name string) tea.Cmd {
	return a.do("remove "+node+":"+name, actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.Remove(ctx, n.Stack, name)
	})
}

// SetAddress sets (or with a zero prefix clears) a netif's address.
func (a *actions) SetAddress(node, name string, p netip.Prefix) tea.Cmd {
	what := "set " + node + ":" + name + " address " + p.String()
	if !p.IsValid() {
		what = "clear " + node + ":" + name + " address"
	}
	return a.do(what, actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.SetAddress(ctx, n.Stack, name, p)
	})
}

// SetMTU sets a netif's MTU.
func (a *actions) SetMTU(node, name string, mtu int) tea.Cmd {
	return a.do(fmt.Sprintf("set %s:%s MTU %d", node, name, mtu), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.SetMTU(ctx, n.Stack, name, mtu)
	})
}

// SetUp brings a netif administratively up or down.
func (a *actions) SetUp(node, name string, up bool) tea.Cmd {
	return a.do(fmt.Sprintf("%s:%s admin %s", node, name, upDown(up)), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.SetUp(ctx, n.Stack, name, up)
	})
}

// SetLinkUp sets a netif's link (carrier) up or down.
func (a *actions) SetLinkUp(node, name string, up bool) tea.Cmd {
	return a.do(fmt.Sprintf("%s:%s link %s", node, name, upDown(up)), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.SetLinkUp(ctx, n.Stack, name, up)
	})
}

// SetForwarding turns a stack's forwarding on or off.
func (a *actions) SetForwarding(node string, on bool) tea.Cmd {
	return a.do(fmt.Sprintf("%s forwarding %s", node, onOff(on)), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.SetForwarding(ctx, n.Stack, on)
	})
}

// AddRoute adds a static route.
func (a *actions) AddRoute(node string, r netifapi.Route) tea.Cmd {
	what := fmt.Sprintf("%s route %v", node, r.To)
	if r.Via.IsValid() {
		what += " via " + r.Via.String()
	}
	if r.Netif != "" {
		what += " dev " + r.Netif
	}
	return a.do("add "+what, actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.AddRoute(ctx, n.Stack, r)
	})
}

// RemoveRoute removes a static route.
func (a *actions) RemoveRoute(node string, to netip.Prefix) tea.Cmd {
	return a.do(fmt.Sprintf("remove %s route %v", node, to), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.RemoveRoute(ctx, n.Stack, to)
	})
}

// OpenUDP opens a UDP socket owned by "tui", bound and connected when
// bind and connect are valid.
func (a *actions) OpenUDP(node string, bind, connect netip.AddrPort) tea.Cmd {
	return a.do(node+" open UDP socket", actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		fd, err := n.Sockets.Socket(ctx, sockets.Datagram, "tui")
		if err != nil {
			return "", err
		}
		if bind.IsValid() {
			if err := n.Sockets.Bind(ctx, fd, bind); err != nil {
				return "fd " + fd.String() + " open", err
			}
		}
		if connect.IsValid() {
			if err := n.Sockets.Connect(ctx, fd, connect); err != nil {
				return "fd " + fd.String() + " open", err
			}
		}
		local, _ := n.Sockets.GetSockName(ctx, fd)
		return fmt.Sprintf("fd %v, local %v", fd, local), nil
	})
}

// fdOf finds the descriptor whose number is num.
func fdOf(n *run.Node, num int) (sockets.FD, error) {
	for _, in := range n.Sockets.Sockets() {
		if in.FD.Num() == num {
			return in.FD, nil
		}
	}
	return -1, fmt.Errorf("no socket with descriptor %d", num)
}

// onSocket runs fn on the socket numbered num of node.
func (a *actions) onSocket(what, node string, num int, fn func(ctx context.Context, api *sockets.API, fd sockets.FD) (string, error)) tea.Cmd {
	return a.do(fmt.Sprintf("%s fd %d: %s", node, num, what), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		fd, err := fdOf(n, num)
		if err != nil {
			return "", err
		}
		return fn(ctx, n.Sockets, fd)
	})
}

// Bind binds a socket.
func (a *actions) Bind(node string, num int, to netip.AddrPort) tea.Cmd {
	return a.onSocket("bind "+to.String(), node, num, func(ctx context.Context, api *sockets.API, fd sockets.FD) (string, error) {
		return "", api.Bind(ctx, fd, to)
	})
}

// Connect connects a socket.
func (a *actions) Connect(node string, num int, to netip.AddrPort) tea.Cmd {
	return a.onSocket("connect "+to.String(), node, num, func(ctx context.Context, api *sockets.API, fd sockets.FD) (string, error) {
		return "", api.Connect(ctx, fd, to)
	})
}

// Send sends one datagram, to to (or to the connected peer when to is
// not valid), or data on a TCP connection (to not valid).
func (a *actions) Send(node string, num int, to netip.AddrPort, data []byte) tea.Cmd {
	what := "send"
	if to.IsValid() {
		what += " to " + to.String()
	}
	return a.onSocket(what, node, num, func(ctx context.Context, api *sockets.API, fd sockets.FD) (string, error) {
		var n int
		var err error
		if to.IsValid() {
			n, err = api.SendTo(ctx, fd, data, to)
		} else {
			n, err = api.Send(ctx, fd, data)
		}
		return fmt.Sprintf("%d B sent", n), err
	})
}

// CloseSocket closes a socket: gracefully (a FIN after the data
// queued) for a TCP connection.
func (a *actions) CloseSocket(node string, num int) tea.Cmd {
	return a.onSocket("close", node, num, func(ctx context.Context, api *sockets.API, fd sockets.FD) (string, error) {
		return "", api.Close(ctx, fd)
	})
}

// ListenTCP opens a TCP socket owned by "tui" that listens on port with
// backlog, and starts its accept loop: a daemon actor that accepts every
// connection as it comes (so that it shows as a row of its own, owned by
// "tui" too) and says so in the status line, until the listener is
// closed or the world closes.
func (a *actions) ListenTCP(node string, port uint16, backlog int) tea.Cmd {
	return a.do(fmt.Sprintf("%s listen TCP :%d", node, port), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		api := n.Sockets
		fd, err := api.Socket(ctx, sockets.Stream, "tui")
		if err != nil {
			return "", err
		}
		fail := func(err error) (string, error) {
			api.Close(context.WithoutCancel(ctx), fd)
			return "", err
		}
		if err := api.Bind(ctx, fd, netip.AddrPortFrom(netip.IPv4Unspecified(), port)); err != nil {
			return fail(err)
		}
		if err := api.Listen(ctx, fd, backlog); err != nil {
			return fail(err)
		}
		a.loops.Add(1)
		a.accepting.Add(1)
		_, err = a.world.Go(context.Background(), fmt.Sprintf("%s/tui accept fd %v", node, fd), func(ctx context.Context) error {
			defer a.loops.Done()
			defer a.accepting.Add(-1)
			for {
				nfd, peer, err := api.Accept(ctx, fd)
				if err != nil {
					return nil // the listener closed, or the world
				}
				a.say(fmt.Sprintf("%s fd %v: accepted fd %v from %v", node, fd, nfd, peer))
			}
		})
		if err != nil {
			a.loops.Done()
			a.accepting.Add(-1)
			return fail(err)
		}
		return fmt.Sprintf("fd %v listening, backlog %d, accepting in the background", fd, backlog), nil
	})
}

// ConnectTCP opens a TCP socket owned by "tui" and connects it to to,
// waiting for the handshake; the socket is closed if that fails.
func (a *actions) ConnectTCP(node string, to netip.AddrPort) tea.Cmd {
	return a.do(fmt.Sprintf("%s connect TCP to %v", node, to), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		api := n.Sockets
		fd, err := api.Socket(ctx, sockets.Stream, "tui")
		if err != nil {
			return "", err
		}
		if err := api.Connect(ctx, fd, to); err != nil {
			api.Close(context.WithoutCancel(ctx), fd)
			return "", err
		}
		local, _ := api.GetSockName(ctx, fd)
		return fmt.Sprintf("fd %v, %v → %v ESTABLISHED", fd, local, to), nil
	})
}

// ResetSocket closes a TCP socket with SO_LINGER 0: the connection is
// reset (RST) instead of closed with a FIN.
func (a *actions) ResetSocket(node string, num int) tea.Cmd {
	return a.onSocket("reset", node, num, func(ctx context.Context, api *sockets.API, fd sockets.FD) (string, error) {
		if err := api.SetLinger(fd, true, 0); err != nil {
			return "", err
		}
		return "", api.Close(ctx, fd)
	})
}

// Ping pings to from node and reports every RTT.
func (a *actions) Ping(node string, to netip.Addr, count int, size int) tea.Cmd {
	return a.do(fmt.Sprintf("ping %s → %v", node, to), pingTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		what := fmt.Sprintf("ping %s → %v:", node, to)
		var lines strings.Builder
		each := func(r sockets.PingReply) {
			if r.Err != nil {
				fmt.Fprintf(&lines, " seq %d %v,", r.Seq, r.Err)
			} else {
				fmt.Fprintf(&lines, " seq %d %.3f ms,", r.Seq, float64(r.RTT)/1e6)
			}
			a.say("▶ " + what + strings.TrimSuffix(lines.String(), ","))
		}
		a.say("▶ " + what + " waiting for replies")
		res, err := n.Sockets.Ping(ctx, to, sockets.PingOptions{Count: count, Size: size, Interval: 100 * time.Millisecond}, each)
		if err != nil {
			return "", err
		}
		return pingSummary(res), nil
	})
}

// pingSummary says how a ping went, with every RTT:
// "3/3 replies, rtt 2.000 2.001 2.000 ms".
func pingSummary(r *sockets.PingResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d replies", r.Received, r.Sent)
	var rtts []string
	for _, rep := range r.Replies {
		if rep.Err != nil {
			fmt.Fprintf(&b, ", seq %d: %v", rep.Seq, rep.Err)
			continue
		}
		rtts = append(rtts, fmt.Sprintf("%.3f", float64(rep.RTT)/1e6))
	}
	if len(rtts) > 0 {
		fmt.Fprintf(&b, ", rtt %s ms", strings.Join(rtts, " "))
	}
	return b.String()
}

// Impair changes a link's impairments.
func (a *actions) Impair(id string, imp mem.Impairments) tea.Cmd {
	w := a.world
	return func() tea.Msg {
		l := w.Link(id)
		if l == nil {
			return resultMsg{What: "impair " + id, Err: fmt.Errorf("no link %q", id)}
		}
		err := l.Pipe.SetImpairments(imp)
		return resultMsg{What: "impair " + id, Detail: imp.String(), Err: err}
	}
}

// Capture starts (on) or stops a capture of link id: a pcap file at the
// world's CapturePath, written off the loop by the world's capture.
func (a *actions) Capture(id string, on bool) tea.Cmd {
	w := a.world
	return func() tea.Msg {
		if on {
			path := w.CapturePath(id)
			if err := w.StartCapture(id, path); err != nil {
				return resultMsg{What: "capture " + id, Err: err}
			}
			return resultMsg{What: "capture " + id, Detail: "writing " + path}
		}
		st, err := w.StopCapture(id)
		return resultMsg{What: "capture " + id + " stopped", Detail: fmt.Sprintf("%d frames written to %s", st.Stats.Written, st.Path), Err: err}
	}
}

// clockAction runs a control call of the virtual clock.
func (a *actions) clockAction(what string, fn func(c *run.World) string) tea.Cmd {
	w := a.world
	return func() tea.Msg {
		if w.Virtual == nil {
			return resultMsg{What: what, Err: fmt.Errorf("the lab runs on the real clock")}
		}
		return resultMsg{What: what, Detail: fn(w)}
	}
}

// TogglePause pauses or resumes the virtual clock.
func (a *actions) TogglePause() tea.Cmd {
	return a.clockAction("clock", func(w *run.World) string {
		if w.Virtual.Paused() {
			w.Virtual.Resume()
			return "resumed"
		}
		w.Virtual.Pause()
		return "paused"
	})
}

// Step advances a paused virtual clock to its next deadline.
func (a *actions) Step() tea.Cmd {
	return a.clockAction("clock step", func(w *run.World) string {
		if !w.Virtual.Paused() {
			w.Virtual.Pause()
		}
		next, ok := w.Virtual.NextDeadline()
		w.Virtual.Step()
		if !ok {
			return "nothing is due"
		}
		return "to " + fmtClock(next)
	})
}

// speeds are the paces the clock steps through with + and -; 0 (as fast
// as possible) is the last.
var speeds = []float64{0.01, 0.1, 0.25, 0.5, 1, 2, 5, 10, 100, 0}

// ChangeSpeed moves the clock's pace dir steps along speeds.
func (a *actions) ChangeSpeed(dir int) tea.Cmd {
	return a.clockAction("clock speed", func(w *run.World) string {
		cur := w.Virtual.Speed()
		i := len(speeds) - 1
		for j, s := range speeds {
			if s == cur || (cur != 0 && s != 0 && s >= cur) {
				i = j
				break
			}
		}
		i = min(max(i+dir, 0), len(speeds)-1)
		w.Virtual.SetSpeed(speeds[i])
		return speedString(speeds[i])
	})
}

// Rerun builds and starts a new world of the same lab and then closes
// the old one. When the build fails the old world keeps running (the
// App keeps showing it) and the error is reported.
func (a *actions) Rerun() tea.Cmd {
	old, build := a.world, a.build
	return func() tea.Msg {
		if build == nil {
			return worldMsg{Err: fmt.Errorf("rerun is not available")}
		}
		w, err := build()
		if err != nil {
			return worldMsg{Err: err}
		}
		if old != nil {
			old.Close()
		}
		return worldMsg{World: w}
	}
}

func upDown(b bool) string {
	if b {
		return "up"
	}
	return "down"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
