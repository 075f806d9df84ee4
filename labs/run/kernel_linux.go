//go:build linux

package run

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/tap"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/host"
)

// hostWorld is the host side of a world with kernel nodes or tap links:
// the host.Run that owns its namespaces, TAP devices and processes, the
// TAP drivers, and the background commands exec steps started.
type hostWorld struct {
	run *host.Run
	nss map[string]*host.Namespace // by kernel node
	// bridges holds the tap-pair links' bridges and devices, nil without
	// such links.
	bridges *host.Namespace
	// carriers make the TAP devices' carriers follow the stacks' netifs.
	carriers []*carrier
	taps     []*tap.Endpoint
	procs    []*bgProcess
}

// bgProcess is a command an exec step started in the background.
type bgProcess struct {
	node, run string
	p         *host.Process
}

// hostCheck is host.Check; tests replace it to act out a host that lacks
// privileges.
var hostCheck = host.Check

// CheckHost reports whether this process can build a lab that needs the
// host (labs.Lab.NeedsHost): root and /dev/net/tun. Its error wraps
// host.ErrUnsupported and says what is missing.
func CheckHost() error { return hostCheck() }

// IsUnsupported reports whether err says that the host lacks the
// privileges or support a lab needs.
func IsUnsupported(err error) bool { return errors.Is(err, host.ErrUnsupported) }

// relay hands every frame it receives to an endpoint: it joins a pipe's
// end to a TAP driver, both ways.
type relay struct{ to link.Endpoint }

func (r relay) Receive(batch []*link.Buffer) {
	for _, b := range batch {
		r.to.Transmit(b.Data)
		b.Release()
	}
}

// buildHost makes the kernel nodes' namespaces (IPv6 off, forwarding as
// the lab says), and for each tap link a TAP device inside the kernel
// node's namespace, named as the lab names the interface, with its MAC,
// MTU, address and state, whose driver is relayed to the kernel's end of
// the link's pipe: the pipe's impairments and capture apply as on any
// link. Then the tap-pair links (buildTAPPair), the kernel nodes'
// routes, and the TAP devices' carriers, which follow the stacks' netifs
// (followCarriers). Runs on Build's goroutine.
func (w *World) buildHost() error {
	if err := hostCheck(); err != nil {
		return err
	}
	r, err := host.NewRun()
	if err != nil {
		return err
	}
	h := &hostWorld{run: r, nss: map[string]*host.Namespace{}}
	w.host = h
	for _, n := range w.Lab.Nodes {
		if n.Kind != labs.KindKernel {
			continue
		}
		ns, err := r.NewNamespace(n.Name)
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		h.nss[n.Name] = ns
		if err := ns.DisableIPv6(); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		if n.Forwarding {
			if err := ns.Sysctl("net/ipv4/ip_forward", "1"); err != nil {
				return fmt.Errorf("node %s: %w", n.Name, err)
			}
		}
	}
	for i, l := range w.Links {
		if l.Spec.Type != labs.LinkTAP {
			continue
		}
		kend, pipeEnd := l.Spec.A, l.Pipe.A()
		if w.Node(kend.Node).Kind != labs.KindKernel {
			kend, pipeEnd = l.Spec.B, l.Pipe.B()
		}
		ns := h.nss[kend.Node]
		itf := w.Lab.Node(kend.Node).Interface(kend.Interface)
		t, err := ns.NewTAP(fmt.Sprintf("t%d", i+1), itf.MTU)
		if err != nil {
			return fmt.Errorf("link %s: %w", l.ID, err)
		}
		ep, err := tap.New(t.File, tap.Options{Name: l.Pipe.Name() + " (tap " + kend.String() + ")", Clock: w.Clock})
		if err != nil {
			t.File.Close()
			return fmt.Errorf("link %s: %w", l.ID, err)
		}
		h.taps = append(h.taps, ep)
		l.TAP, l.Device = ep, itf.Name+" in netns "+ns.FullName()
		// The device takes the lab's name for the interface: inside the
		// namespace, nothing else can be called that.
		nl := ns.Netlink()
		dev, err := nl.LinkByName(t.Name)
		if err == nil {
			err = nl.LinkSetName(dev, itf.Name)
		}
		if err == nil {
			err = nl.LinkSetHardwareAddr(dev, net.HardwareAddr(itf.MAC[:]))
		}
		if err != nil {
			return fmt.Errorf("link %s: device %s in %s: %w", l.ID, itf.Name, ns.FullName(), err)
		}
		if itf.Address.IsValid() {
			if err := ns.AddAddress(itf.Name, itf.Address); err != nil {
				return err
			}
		}
		if itf.Up {
			if err := ns.SetUp(itf.Name); err != nil {
				return err
			}
		}
		pipeEnd.SetReceiver(relay{ep})
		ep.SetReceiver(relay{pipeEnd})
	}
	for i, l := range w.Links {
		if l.Spec.Type == labs.LinkTAPPair {
			if err := w.buildTAPPair(i, l); err != nil {
				return fmt.Errorf("link %s: %w", l.ID, err)
			}
		}
	}
	for _, n := range w.Lab.Nodes {
		if n.Kind != labs.KindKernel {
			continue
		}
		for _, rt := range n.Routes {
			if err := h.nss[n.Name].AddRoute(rt.To, rt.Via, rt.Interface); err != nil {
				return fmt.Errorf("node %s: %w", n.Name, err)
			}
		}
	}
	return w.followCarriers()
}

// BridgeNamespace is the name of the namespace that holds the bridges of
// a lab's tap-pair links: longer than a node name may be, so that it is
// never a kernel node's.
const BridgeNamespace = "tap-pair-links"

// buildTAPPair makes tap-pair link l (the i-th): a bridge in the lab's
// bridge namespace (made with the first such link, IPv6 off) and two TAP
// devices, its ports, up. The first endpoint's device is relayed to the
// far end of the link's pipe, so that the pipe's impairments and capture
// apply between that stack and the bridge; the second stack's netif
// attaches to its device's driver directly (Link.PeerTAP). The devices'
// MTU is labs.MaxMTU: the stacks' own MTUs, whatever steps make them,
// decide what is sent.
func (w *World) buildTAPPair(i int, l *Link) error {
	h := w.host
	if h.bridges == nil {
		ns, err := h.run.NewNamespace(BridgeNamespace)
		if err != nil {
			return err
		}
		if err := ns.DisableIPv6(); err != nil {
			return err
		}
		h.bridges = ns
	}
	ns := h.bridges
	br, err := ns.NewBridge(fmt.Sprintf("b%d", i+1))
	if err != nil {
		return err
	}
	var eps [2]*tap.Endpoint
	var names [2]string
	for j, end := range []labs.Endpoint{l.Spec.A, l.Spec.B} {
		t, err := ns.NewTAP(fmt.Sprintf("t%d%c", i+1, 'a'+j), labs.MaxMTU)
		if err != nil {
			return err
		}
		ep, err := tap.New(t.File, tap.Options{Name: fmt.Sprintf("%s (tap %s of %s, bridge %s)", end, t.Name, l.Pipe.Name(), br), Clock: w.Clock})
		if err != nil {
			t.File.Close()
			return err
		}
		h.taps = append(h.taps, ep)
		eps[j], names[j] = ep, t.Name+" on bridge "+br+" in netns "+ns.FullName()
		if err := ns.SetMaster(t.Name, br); err != nil {
			return err
		}
		if err := ns.SetUp(t.Name); err != nil {
			return err
		}
	}
	pipeEnd := l.Pipe.B()
	pipeEnd.SetReceiver(relay{eps[0]})
	eps[0].SetReceiver(relay{pipeEnd})
	l.TAP, l.PeerTAP = eps[0], eps[1]
	l.Device, l.PeerDevice = names[0], names[1]
	return nil
}

// deviceStats is what link l's TAP drivers counted. A tap link's driver
// sits at its kernel node's end: frames towards that node are written into
// the device, frames from it read. A tap-pair link's frames from A are
// written into A's device and read from B's on the far side of the bridge,
// and the other way round.
func (w *World) deviceStats(l *Link) DeviceStats {
	var d DeviceStats
	ep, _ := l.TAP.(*tap.Endpoint)
	if ep == nil {
		return d
	}
	s := ep.Stats()
	written := DeviceDir{Device: l.Device, Written: true, Frames: s.Out.RxFrames, Stats: s.Out}
	read := DeviceDir{Device: l.Device, Frames: s.In.TxFrames, Stats: s.In}
	d.Errors, d.Err = s.WriteErrors+s.ReadErrors, s.Err
	peer, _ := l.PeerTAP.(*tap.Endpoint)
	switch {
	case peer != nil:
		p := peer.Stats()
		d.AtoB = []DeviceDir{written, {Device: l.PeerDevice, Frames: p.In.TxFrames, Stats: p.In}}
		d.BtoA = []DeviceDir{{Device: l.PeerDevice, Written: true, Frames: p.Out.RxFrames, Stats: p.Out}, read}
		d.Errors += p.WriteErrors + p.ReadErrors
		if p.Err != nil {
			d.Err = p.Err
		}
	case w.Node(l.Spec.A.Node) != nil && w.Node(l.Spec.A.Node).Kind == labs.KindKernel:
		d.AtoB, d.BtoA = []DeviceDir{read}, []DeviceDir{written}
	default:
		d.AtoB, d.BtoA = []DeviceDir{written}, []DeviceDir{read}
	}
	return d
}

// Namespace returns the namespace of kernel node name, nil for any other
// node.
func (w *World) Namespace(name string) *host.Namespace {
	if w.host == nil {
		return nil
	}
	return w.host.nss[name]
}

// HostRun returns the host.Run that owns the world's namespaces, nil for
// a world that needs none.
func (w *World) HostRun() *host.Run {
	if w.host == nil {
		return nil
	}
	return w.host.run
}

// stopProcesses kills the background commands and returns what they
// wrote, for the report.
func (w *World) stopProcesses() []ProcessReport {
	if w.host == nil {
		return nil
	}
	w.mu.Lock()
	procs := w.host.procs
	w.host.procs = nil
	w.mu.Unlock()
	var out []ProcessReport
	for _, bp := range procs {
		code := bp.p.Stop()
		stdout, stderr := bp.p.Output()
		out = append(out, ProcessReport{Node: bp.node, Run: bp.run, Pid: bp.p.Pid(), Exit: code, Stdout: string(stdout), Stderr: string(stderr)})
	}
	return out
}

// closeHost closes the TAP drivers and removes everything the host run
// made (processes first). After the stacks stopped.
func (w *World) closeHost() {
	if w.host == nil {
		return
	}
	w.stopProcesses()
	closeCarriers(w.host.carriers)
	for _, ep := range w.host.taps {
		ep.Close()
	}
	if err := w.host.run.Close(); err != nil {
		w.log.Error("removing the lab's namespaces", "err", err)
	}
}

// exec runs an exec step.
func (r *runner) exec(ctx context.Context, index int, a *labs.Exec) (string, error) {
	ns := r.w.Namespace(a.Node)
	if ns == nil {
		return "", fmt.Errorf("no kernel node named %q", a.Node)
	}
	argv := []string{"/bin/sh", "-c", a.Run}
	if a.Background {
		p, err := ns.Start(argv...)
		if err != nil {
			return "", err
		}
		r.w.mu.Lock()
		r.w.host.procs = append(r.w.host.procs, &bgProcess{node: a.Node, run: a.Run, p: p})
		r.w.mu.Unlock()
		return fmt.Sprintf("started, pid %d", p.Pid()), nil
	}
	res, err := ns.Exec(ctx, a.Within.Std(), argv...)
	if err != nil {
		return "", err
	}
	er := &execResult{exit: res.ExitCode, timedOut: res.TimedOut, output: string(res.Stdout) + string(res.Stderr), took: res.Duration}
	r.execs[index] = er
	return er.String(), nil
}

// execResult is how a foreground exec ended.
type execResult struct {
	exit     int
	timedOut bool
	output   string
	took     time.Duration
}

// CloseAllHosts removes the namespaces, devices and processes of every
// world of this process that is not closed yet: for a recovered panic.
func CloseAllHosts() error { return host.CloseAll() }
