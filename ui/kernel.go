package ui

import (
	"net/netip"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// kernelEvery is how often the TUI reads its kernel nodes' devices.
const kernelEvery = 500 * time.Millisecond

// KernelLink is a device of a kernel node's namespace, as netlink reports
// it: the kernel's Interfaces rows (read only).
type KernelLink struct {
	Name string
	// Type is netlink's name for the device's kind ("tuntap", "loopback",
	// "bridge").
	Type string
	MAC  string
	MTU  int
	// Up is the administrative state; Oper the kernel's operational one
	// ("up", "down", "unknown").
	Up    bool
	Oper  string
	Addrs []netip.Prefix
	// Packet and byte counters and the kernel's drops, each way.
	RxPackets, TxPackets, RxBytes, TxBytes, RxDropped, TxDropped uint64
}

// KernelData is what the last read of a kernel node found: its devices,
// or why they could not be read.
type KernelData struct {
	Links []KernelLink
	Err   error
	// At is when it was read (wall time).
	At time.Time
}

// kernelMsg carries a read of world's kernel nodes, by node name.
type kernelMsg struct {
	world *run.World
	nodes map[string]*KernelData
}

// kernelNodes returns the names of w's kernel nodes, in lab order.
func kernelNodes(w *run.World) []string {
	var out []string
	if w == nil {
		return nil
	}
	for _, n := range w.Nodes {
		if n.Kind == labs.KindKernel {
			out = append(out, n.Name)
		}
	}
	return out
}

// readKernelCmd reads the devices of w's kernel nodes off the UI
// goroutine (netlink calls are system calls), nil when w has none.
func readKernelCmd(w *run.World, read func(w *run.World, node string) ([]KernelLink, error)) tea.Cmd {
	names := kernelNodes(w)
	if len(names) == 0 {
		return nil
	}
	return func() tea.Msg {
		m := kernelMsg{world: w, nodes: map[string]*KernelData{}}
		for _, n := range names {
			ls, err := read(w, n)
			m.nodes[n] = &KernelData{Links: ls, Err: err, At: time.Now()}
		}
		return m
	}
}
