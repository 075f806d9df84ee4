//go:build linux

package ui

import (
	"fmt"

	"github.com/netlab/netlab/labs/run"
)

// readKernelLinks lists the devices of kernel node's namespace through
// netlink. Any goroutine but the UI's (it makes system calls).
func readKernelLinks(w *run.World, node string) ([]KernelLink, error) {
	ns := w.Namespace(node)
	if ns == nil {
		return nil, fmt.Errorf("%s has no namespace", node)
	}
	ls, err := ns.Links()
	if err != nil {
		return nil, err
	}
	out := make([]KernelLink, 0, len(ls))
	for _, l := range ls {
		out = append(out, KernelLink{
			Name: l.Name, Type: l.Type, MAC: l.MAC.String(), MTU: l.MTU, Up: l.Up, Oper: l.OperState, Addrs: l.Addrs,
			RxPackets: l.RxPackets, TxPackets: l.TxPackets, RxBytes: l.RxBytes, TxBytes: l.TxBytes,
			RxDropped: l.RxDropped, TxDropped: l.TxDropped,
		})
	}
	return out, nil
}

// namespaceOf names kernel node's namespace as `ip netns` shows it, ""
// when it has none.
func namespaceOf(w *run.World, node string) string {
	if ns := w.Namespace(node); ns != nil {
		return ns.FullName()
	}
	return ""
}
