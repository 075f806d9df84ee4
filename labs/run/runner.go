package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

// ErrStuck is wrapped by a report's error when the world stopped making
// progress.
var ErrStuck = clock.ErrStuck

// runner is the state of one run of a lab's steps. Owned by the runner
// goroutine.
type runner struct {
	w       *World
	results []StepResult
	pings   map[int]*sockets.PingResult // by step index
	execs   map[int]*execResult         // foreground execs, by step index
	socks   map[string]*labSocket
	closed  map[string]bool // ids of the sockets closed (and not opened again)
	last    time.Duration   // when the previous step ended
	start   time.Duration
}

// labSocket is a socket a lab opened, with what it received.
type labSocket struct {
	node      *Node
	fd        sockets.FD
	bytes     int
	datagrams int
	lastErr   error
	// tcp is set for TCP sockets (tcp.go).
	tcp *tcpSocket
}

// Run configures the world (interfaces, routes, ARP, apps), then runs the
// lab's steps in order, each to its outcome, and returns the report. It
// returns an error only when the run could not start. Cancelling ctx
// interrupts the run. Run does not Close the world.
func (w *World) Run(ctx context.Context) *Report {
	rep := &Report{
		Format: ReportFormat, Lab: w.Lab.Name, Source: w.Lab.Source,
		Clock: string(w.Lab.Clock), Seed: w.Lab.Seed,
	}
	wallStart := time.Now()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &runner{w: w, pings: map[int]*sockets.PingResult{}, execs: map[int]*execResult{}, socks: map[string]*labSocket{}, closed: map[string]bool{}}
	done, errp := w.actor(rctx, "runner", false, func(ctx context.Context) error {
		r.start = w.Clock.Now()
		r.last = r.start
		if err := w.configure(ctx); err != nil {
			return fmt.Errorf("setting up: %w", err)
		}
		if err := w.startApps(ctx); err != nil {
			return fmt.Errorf("starting apps: %w", err)
		}
		err := r.steps(ctx)
		if w.Virtual != nil && !w.opts.KeepRunning {
			w.Virtual.Pause()
		}
		return err
	})
	select {
	case <-done:
		// The log and the captures end where the steps ended: let the
		// paused world finish its last instant's work.
		w.settle()
	case err := <-w.stuck:
		rep.Error = err.Error()
		cancel()
		<-done
	case <-crash.Happened():
		// One of netlab's goroutines panicked (a clock's, a capture's, a
		// TAP's): the world cannot be trusted, so the run ends, failed.
		rep.Error = crash.Err().Error()
		cancel()
		<-done
	case <-ctx.Done():
		cancel()
		<-done
	}
	rep.Steps = r.results
	if !w.opts.KeepRunning {
		// Daemons end with the steps; their output goes in the report.
		rep.Processes = w.stopProcesses()
	}
	rep.Time = w.Clock.Now() - r.start
	rep.Wall = time.Since(wallStart)
	if err := *errp; err != nil && rep.Error == "" && !errors.Is(err, context.Canceled) {
		rep.Error = err.Error()
	}
	if ctx.Err() != nil {
		rep.Interrupted = true
		if rep.Error == "" {
			rep.Error = "interrupted"
		}
	}
	rep.Passed = rep.Error == ""
	for _, s := range rep.Steps {
		if s.Status != Passed {
			rep.Passed = false
		}
	}
	if len(rep.Steps) < len(w.Lab.Steps) {
		rep.Passed = false
	}
	return rep
}

// configure adds every stack's interfaces, routes, static ARP entries and
// forwarding, then starts the DHCP servers and clients, on the runner.
func (w *World) configure(ctx context.Context) error {
	for _, spec := range w.Lab.Nodes {
		node := w.Node(spec.Name)
		if node.Stack == nil {
			continue
		}
		s := node.Stack
		for _, ifc := range spec.Interfaces {
			ep, _ := w.endpointFor(spec.Name, ifc.Name)
			if _, err := netifapi.Add(ctx, s, netifapi.Config{
				Name: ifc.Name, MAC: macOf(ifc.MAC), MTU: ifc.MTU, Address: ifc.Address,
				Down: !ifc.Up, Link: ep,
			}); err != nil {
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
		}
		if spec.Forwarding {
			if err := netifapi.SetForwarding(ctx, s, true); err != nil {
				return err
			}
		}
		for _, rt := range spec.Routes {
			if err := netifapi.AddRoute(ctx, s, netifapi.Route{To: rt.To, Via: rt.Via, Netif: rt.Interface}); err != nil {
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
		}
		for _, e := range spec.ARP {
			ifc := arpNetif(spec, e)
			if err := netifapi.AddStaticARP(ctx, s, ifc, e.Address, macOf(e.MAC)); err != nil {
				return fmt.Errorf("%s: %w", spec.Name, err)
			}
		}
	}
	return w.configureDHCP(ctx)
}

// arpNetif picks the interface whose subnet holds a static ARP entry's
// address (the first interface when none does).
func arpNetif(n labs.Node, e labs.StaticARP) string {
	for _, ifc := range n.Interfaces {
		if ifc.Address.IsValid() && ifc.Address.Masked().Contains(e.Address) {
			return ifc.Name
		}
	}
	if len(n.Interfaces) > 0 {
		return n.Interfaces[0].Name
	}
	return ""
}

// steps runs the lab's steps in order.
func (r *runner) steps(ctx context.Context) error {
	w := r.w
	for i, st := range w.Lab.Steps {
		switch {
		case st.At != nil:
			if err := r.sleepUntil(ctx, r.start+st.At.Std()); err != nil {
				return err
			}
		case st.After != nil:
			if err := r.sleepUntil(ctx, r.last+st.After.Std()); err != nil {
				return err
			}
		}
		res := StepResult{Index: i + 1, Name: st.Name, Kind: st.Action.Kind(), Status: Running, At: w.Clock.Now() - r.start}
		r.report(res)
		detail, err := r.do(ctx, i, st.Action)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res.Took = w.Clock.Now() - r.start - res.At
		res.Status, res.Detail = Passed, detail
		if err != nil {
			res.Status, res.Detail = Failed, err.Error()
			var m *Mismatch
			if errors.As(err, &m) {
				res.Want, res.Got = m.Want, m.Got
			}
		}
		r.results = append(r.results, res)
		r.report(res)
		r.last = w.Clock.Now()
	}
	return nil
}

func (r *runner) report(res StepResult) {
	r.w.recordStep(res)
	r.w.log.Info("step", "index", res.Index, "name", res.Name, "status", res.Status, "detail", res.Detail, "at", res.At)
	if r.w.opts.OnStep != nil {
		r.w.opts.OnStep(res)
	}
}

func (r *runner) sleepUntil(ctx context.Context, at time.Duration) error {
	if d := at - r.w.Clock.Now(); d > 0 {
		return clock.Sleep(ctx, r.w.Clock, d)
	}
	return nil
}

// stack returns the stack node named name.
func (r *runner) stack(name string) (*Node, error) {
	n := r.w.Node(name)
	if n == nil || n.Stack == nil {
		return nil, fmt.Errorf("no stack named %q", name)
	}
	return n, nil
}

// do runs one action and says what happened.
func (r *runner) do(ctx context.Context, index int, a labs.Action) (string, error) {
	switch a := a.(type) {
	case *labs.Ping:
		return r.ping(ctx, index, a)
	case *labs.Expect:
		return r.expect(ctx, a)
	case *labs.Socket:
		return r.socket(ctx, a)
	case *labs.Bind:
		return r.bind(ctx, a)
	case *labs.Connect:
		return r.connect(ctx, a)
	case *labs.Accept:
		return r.accept(ctx, a)
	case *labs.HTTPGet:
		return r.httpGet(ctx, a)
	case *labs.Exec:
		return r.exec(ctx, index, a)
	case *labs.Send:
		return r.send(ctx, a)
	case *labs.Recv:
		return r.recv(ctx, a)
	case *labs.Close:
		return r.close(ctx, a)
	case *labs.Wait:
		return "", clock.Sleep(ctx, r.w.Clock, a.Duration.Std())
	case *labs.AddInterface:
		return r.addInterface(ctx, a)
	case *labs.RemoveInterface:
		n, err := r.stack(a.Node)
		if err != nil {
			return "", err
		}
		return "", netifapi.Remove(ctx, n.Stack, a.Name)
	case *labs.SetInterface:
		return r.setInterface(ctx, a)
	case *labs.AddRoute:
		n, err := r.stack(a.Node)
		if err != nil {
			return "", err
		}
		return "", netifapi.AddRoute(ctx, n.Stack, netifapi.Route{To: a.To, Via: a.Via, Netif: a.Interface})
	case *labs.RemoveRoute:
		n, err := r.stack(a.Node)
		if err != nil {
			return "", err
		}
		return "", netifapi.RemoveRoute(ctx, n.Stack, a.To)
	case *labs.Impair:
		return r.impair(a)
	case *labs.DHCP:
		return r.dhcp(ctx, a)
	case *labs.DHCPServerStart:
		return r.dhcpServerStart(ctx, a)
	case *labs.DHCPServerStop:
		return r.dhcpServerStop(ctx, a)
	}
	return "", fmt.Errorf("action %q is not supported", a.Kind())
}

func (r *runner) ping(ctx context.Context, index int, a *labs.Ping) (string, error) {
	n, err := r.stack(a.From)
	if err != nil {
		return "", err
	}
	res, err := n.Sockets.Ping(ctx, a.To, sockets.PingOptions{
		Count: a.Count, Interval: a.Interval.Std(), Timeout: a.Timeout.Std(), Size: a.Size,
		DontFragment: a.DontFragment,
	}, nil)
	if err != nil {
		return "", err
	}
	r.pings[index] = res
	return pingBrief(res), nil
}

func (r *runner) addInterface(ctx context.Context, a *labs.AddInterface) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", err
	}
	cfg := netifapi.Config{Name: a.Name, MAC: macOf(a.MAC), MTU: a.MTU, Address: a.Address, Down: !a.Up}
	if a.Link != "" {
		l := r.w.Link(a.Link)
		if l == nil {
			return "", fmt.Errorf("no link %q", a.Link)
		}
		cfg.Link, _ = r.w.endpointFor(a.Node, a.Name)
	}
	idx, err := netifapi.Add(ctx, n.Stack, cfg)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("index %d", idx), nil
}

func (r *runner) setInterface(ctx context.Context, a *labs.SetInterface) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", err
	}
	if a.MTU != nil {
		if err := netifapi.SetMTU(ctx, n.Stack, a.Name, *a.MTU); err != nil {
			return "", err
		}
	}
	if a.Address != nil {
		if err := netifapi.SetAddress(ctx, n.Stack, a.Name, *a.Address); err != nil {
			return "", err
		}
	}
	if a.LinkUp != nil {
		if err := netifapi.SetLinkUp(ctx, n.Stack, a.Name, *a.LinkUp); err != nil {
			return "", err
		}
	}
	if a.Up != nil {
		if err := netifapi.SetUp(ctx, n.Stack, a.Name, *a.Up); err != nil {
			return "", err
		}
	}
	return "", nil
}

func (r *runner) impair(a *labs.Impair) (string, error) {
	l := r.w.Link(a.Link)
	if l == nil {
		return "", fmt.Errorf("no link %q", a.Link)
	}
	imp := l.Pipe.Impairments()
	set := func(p *labs.Percent, dst *float64) {
		if p != nil {
			*dst = p.Fraction()
		}
	}
	set(a.Loss, &imp.Loss)
	set(a.Duplicate, &imp.Duplicate)
	set(a.Reorder, &imp.Reorder)
	set(a.Corrupt, &imp.Corrupt)
	if a.Delay != nil {
		imp.Delay = a.Delay.Std()
	}
	if a.Jitter != nil {
		imp.Jitter = a.Jitter.Std()
	}
	if a.Rate != nil {
		imp.Rate = uint64(*a.Rate)
	}
	if a.Queue != nil {
		imp.Queue = *a.Queue
	}
	if err := l.Pipe.SetImpairments(imp); err != nil {
		return "", err
	}
	return imp.String(), nil
}

// pingBrief says how a ping went: "3/3 replies, rtt min/avg/max =
// 2.000/2.667/4.000 ms".
func pingBrief(r *sockets.PingResult) string {
	s := fmt.Sprintf("%d/%d replies", r.Received, r.Sent)
	if r.Errors > 0 {
		s += fmt.Sprintf(", %d errors", r.Errors)
		for _, rep := range r.Replies {
			if rep.Err != nil {
				s += " (" + rep.Err.Error() + ")"
				break
			}
		}
	}
	if r.Received > 0 {
		s += fmt.Sprintf(", rtt min/avg/max = %.3f/%.3f/%.3f ms",
			float64(r.MinRTT)/1e6, float64(r.AvgRTT)/1e6, float64(r.MaxRTT)/1e6)
	}
	return s
}
