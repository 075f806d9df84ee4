//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/tap"
	"github.com/netlab/netlab/labs/host"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Workload 3: TCP bulk between a user-space stack and the Linux kernel
// over a TAP device in a network namespace that labs/host makes (and
// removes, with the device, when the repetition ends or fails), in both
// directions: netlab (core/link/tap) against gVisor (its fdbased
// endpoint on an identical TAP: IFF_TAP|IFF_NO_PI, no vnet header, MTU
// 1500, no checksum or segmentation offloads), and the kernel against
// itself over a veth pair between two namespaces as the ceiling. The
// kernel's side is this process's own sockets, opened on a thread inside
// the namespace. The stack is 10.0.0.1, the kernel 10.0.0.2.

func tapMeasures(p params) ([]measure, string) {
	if err := host.Check(); err != nil {
		return nil, "skipped: " + err.Error()
	}
	var ms []measure
	for _, toKernel := range []bool{true, false} {
		name := "tcp bulk stack→kernel (TAP)"
		if !toKernel {
			name = "tcp bulk kernel→stack (TAP)"
		}
		ms = append(ms, measure{
			name: name, unit: "Mbit/s", higher: true,
			netlab: func(p params) (float64, error) { return tapBulk(p, toKernel, nlTAPSide) },
			gvisor: func(p params) (float64, error) { return tapBulk(p, toKernel, gvTAPSide) },
			kernel: func(p params) (float64, error) { return vethBulk(p) },
			note:   "kernel column: kernel to kernel over veth",
		})
	}
	return ms, ""
}

// closeOnSignal removes workload 3's namespaces and devices when the
// run is interrupted (SIGINT, SIGTERM, SIGHUP); the returned function
// removes the handler.
func closeOnSignal() (stop func()) { return host.CloseOnSignal() }

// stackSide puts a user-space stack on tap at 10.0.0.1/24 and returns
// how to dial the kernel and listen for it through the stack's net.Conn
// layer, and how to close it.
type stackSide func(t *host.TAP) (dial func(to netip.AddrPort) (net.Conn, error), listen func(port uint16) (net.Listener, error), closeFn func(), err error)

func nlTAPSide(t *host.TAP) (func(netip.AddrPort) (net.Conn, error), func(uint16) (net.Listener, error), func(), error) {
	clk := clock.NewReal()
	ep, err := tap.New(t.File, tap.Options{Name: "a:eth0<->" + t.Name, Clock: clk})
	if err != nil {
		return nil, nil, nil, err
	}
	s := core.New(core.Config{Name: "a", Clock: clk})
	s.Start()
	closeFn := func() { s.Stop(); ep.Close() }
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	if err := nlTCPBuffers(ctx, s); err != nil {
		closeFn()
		return nil, nil, nil, err
	}
	if _, err := netifapi.Add(ctx, s, netifapi.Config{Name: "eth0", MAC: macA, MTU: mtu, Address: netip.MustParsePrefix("10.0.0.1/24"), Link: ep}); err != nil {
		closeFn()
		return nil, nil, nil, err
	}
	api := sockets.New(s, sockets.Options{})
	dial := func(to netip.AddrPort) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
		defer cancel()
		return sockets.Dial(ctx, api, "tcp", to.String())
	}
	listen := func(port uint16) (net.Listener, error) {
		ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
		defer cancel()
		return sockets.Listen(ctx, api, "tcp", fmt.Sprintf("10.0.0.1:%d", port))
	}
	return dial, listen, closeFn, nil
}

func gvTAPSide(t *host.TAP) (func(netip.AddrPort) (net.Conn, error), func(uint16) (net.Listener, error), func(), error) {
	// fdbased takes a descriptor of its own: a duplicate of the TAP's
	// (still non-blocking), which the endpoint closes.
	rc, err := t.File.SyscallConn()
	if err != nil {
		return nil, nil, nil, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(f uintptr) { fd, derr = unix.Dup(int(f)) }); err != nil {
		return nil, nil, nil, err
	}
	if derr != nil {
		return nil, nil, nil, derr
	}
	ep, err := fdbased.New(&fdbased.Options{FDs: []int{fd}, MTU: mtu, EthernetHeader: true, Address: tcpip.LinkAddress(macA[:])})
	if err != nil {
		unix.Close(fd)
		return nil, nil, nil, err
	}
	s, err := gvStack()
	if err != nil {
		ep.Close()
		return nil, nil, nil, err
	}
	closeFn := func() { s.Close(); s.Wait() }
	id := s.NextNICID()
	if terr := s.CreateNIC(id, ep); terr != nil {
		closeFn()
		return nil, nil, nil, fmt.Errorf("gvisor: CreateNIC: %s", terr)
	}
	pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{Address: gvAddr(addrA), PrefixLen: 24}}
	if terr := s.AddProtocolAddress(id, pa, stack.AddressProperties{}); terr != nil {
		closeFn()
		return nil, nil, nil, fmt.Errorf("gvisor: AddProtocolAddress: %s", terr)
	}
	s.AddRoute(tcpip.Route{Destination: pa.AddressWithPrefix.Subnet(), NIC: id})
	dial := func(to netip.AddrPort) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
		defer cancel()
		return gonet.DialContextTCP(ctx, s, gvFull(to), ipv4.ProtocolNumber)
	}
	listen := func(port uint16) (net.Listener, error) {
		return gonet.ListenTCP(s, gvFull(netip.AddrPortFrom(addrA, port)), ipv4.ProtocolNumber)
	}
	return dial, listen, closeFn, nil
}

// kernelNS makes a run and a namespace "k" with IPv6 off; the caller
// closes the run.
func kernelNS(run *host.Run, name string) (*host.Namespace, error) {
	ns, err := run.NewNamespace(name)
	if err != nil {
		return nil, err
	}
	if err := ns.DisableIPv6(); err != nil {
		return nil, err
	}
	return ns, ns.SetUp("lo")
}

// tapBulk measures one repetition of workload 3 for one stack and one
// direction.
func tapBulk(p params, toKernel bool, side stackSide) (mbps float64, err error) {
	run, err := host.NewRun()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errSkip, err)
	}
	defer func() { err = errors.Join(err, run.Close()) }()
	k, err := kernelNS(run, "k")
	if err != nil {
		return 0, err
	}
	t, err := k.NewTAP("t0", mtu)
	if err != nil {
		return 0, err
	}
	if err := k.AddAddress(t.Name, netip.MustParsePrefix("10.0.0.2/24")); err != nil {
		return 0, err
	}
	if err := k.SetUp(t.Name); err != nil {
		return 0, err
	}
	dial, listen, closeFn, err := side(t)
	if err != nil {
		return 0, err
	}
	defer closeFn()
	var client, server net.Conn
	if toKernel {
		var ln net.Listener
		if err := k.Do(func() (err error) { ln, err = net.Listen("tcp4", "10.0.0.2:5001"); return err }); err != nil {
			return 0, err
		}
		defer ln.Close()
		client, server, err = connectPair(ln, func() (net.Conn, error) { return dial(netip.MustParseAddrPort("10.0.0.2:5001")) })
	} else {
		ln, lerr := listen(5001)
		if lerr != nil {
			return 0, lerr
		}
		defer ln.Close()
		client, server, err = connectPair(ln, func() (c net.Conn, err error) {
			err = k.Do(func() (err error) { c, err = net.Dial("tcp4", "10.0.0.1:5001"); return err })
			return c, err
		})
	}
	if err != nil {
		return 0, err
	}
	defer client.Close()
	defer server.Close()
	return tcpBulk(client, server, tcpBytes(p))
}

// vethBulk measures the kernel against itself: TCP bulk from namespace
// k1 (10.0.0.1) to k2 (10.0.0.2) over a veth pair at MTU 1500, with the
// veth's offloads left at the kernel's defaults (the ceiling, not an
// equal).
func vethBulk(p params) (mbps float64, err error) {
	run, err := host.NewRun()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errSkip, err)
	}
	defer func() { err = errors.Join(err, run.Close()) }()
	k1, err := kernelNS(run, "k1")
	if err != nil {
		return 0, err
	}
	k2, err := kernelNS(run, "k2")
	if err != nil {
		return 0, err
	}
	peerNS, err := os.Open(filepath.Join("/run/netns", k2.FullName()))
	if err != nil {
		return 0, err
	}
	defer peerNS.Close()
	v0, v1 := run.ID()+"v0", run.ID()+"v1"
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: v0, MTU: mtu}, PeerName: v1, PeerNamespace: netlink.NsFd(int(peerNS.Fd()))}
	if err := k1.Netlink().LinkAdd(veth); err != nil {
		return 0, fmt.Errorf("veth: %w", err)
	}
	for _, x := range []struct {
		ns   *host.Namespace
		dev  string
		addr string
	}{{k1, v0, "10.0.0.1/24"}, {k2, v1, "10.0.0.2/24"}} {
		if err := x.ns.SetMTU(x.dev, mtu); err != nil {
			return 0, err
		}
		if err := x.ns.AddAddress(x.dev, netip.MustParsePrefix(x.addr)); err != nil {
			return 0, err
		}
		if err := x.ns.SetUp(x.dev); err != nil {
			return 0, err
		}
	}
	var ln net.Listener
	if err := k2.Do(func() (err error) { ln, err = net.Listen("tcp4", "10.0.0.2:5001"); return err }); err != nil {
		return 0, err
	}
	defer ln.Close()
	client, server, err := connectPair(ln, func() (c net.Conn, err error) {
		err = k1.Do(func() (err error) { c, err = net.Dial("tcp4", "10.0.0.2:5001"); return err })
		return c, err
	})
	if err != nil {
		return 0, err
	}
	defer client.Close()
	defer server.Close()
	return tcpBulk(client, server, tcpBytes(p))
}
