package main

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/link/pipe"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// The equivalence rules, kept here so that both sides read the same
// values (the README lists them):
//
//   - the same API layer: netlab's net.Conn, net.Listener and
//     net.PacketConn adapters (package sockets) against gVisor's gonet;
//     the link endpoint interfaces on both sides for the TAP workload;
//   - one process, so the same GOMAXPROCS for both;
//   - the same MTU, Ethernet framing on both (gVisor's pipe wrapped in
//     its ethernet endpoint, as netlab's pipe carries Ethernet frames),
//     neighbours resolved statically on both;
//   - the same socket buffers (tcpBuffer, udpRcvBuf), gVisor's receive
//     buffer auto-tuning off as netlab has none; SACK off (netlab has
//     none, gVisor's default); no offloads (no GSO, GRO or vnet headers
//     on either side's TAP);
//   - the receiver counts what arrived, not what was sent.
const (
	// mtu is every link's MTU.
	mtu = 1500
	// tcpBuffer is SO_SNDBUF and SO_RCVBUF of every TCP socket, set on
	// both sides (nlTCPBuffers, gvStack).
	tcpBuffer = 256 << 10
	// udpRcvBuf is SO_RCVBUF of the receiving UDP socket.
	udpRcvBuf = 4 << 20
	// udpWindow is how many datagrams the UDP sender lets be in flight
	// (sent and not yet counted by the receiver), below both stacks'
	// queue limits, so that the figure is throughput, not loss.
	udpWindow = 256
	// wallLimit bounds every setup step and every repetition.
	wallLimit = 60 * time.Second
)

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
	macA  = wire.MAC{0x02, 0, 0, 0, 0, 1}
	macB  = wire.MAC{0x02, 0, 0, 0, 0, 2}
)

// nlPair is two netlab stacks a (10.0.0.1) and b (10.0.0.2) on the real
// clock, joined by an unimpaired in-memory pipe, ARP entries static.
type nlPair struct {
	a, b *core.Stack
	A, B *sockets.API
	pipe *mem.Pipe
}

func newNLPair() (*nlPair, error) {
	clk := clock.NewReal()
	p := &nlPair{
		a:    core.New(core.Config{Name: "a", Clock: clk}),
		b:    core.New(core.Config{Name: "b", Clock: clk}),
		pipe: mem.NewPipe("a-b", clk, 1, mem.Impairments{}),
	}
	p.a.Start()
	p.b.Start()
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	for _, s := range []*core.Stack{p.a, p.b} {
		if err := nlTCPBuffers(ctx, s); err != nil {
			p.close()
			return nil, err
		}
	}
	for _, n := range []struct {
		s         *core.Stack
		mac, peer wire.MAC
		addr      string
		peerAddr  netip.Addr
		ep        link.Endpoint
	}{{p.a, macA, macB, "10.0.0.1/24", addrB, p.pipe.A()}, {p.b, macB, macA, "10.0.0.2/24", addrA, p.pipe.B()}} {
		cfg := netifapi.Config{Name: "eth0", MAC: n.mac, MTU: mtu, Address: netip.MustParsePrefix(n.addr), Link: n.ep}
		if _, err := netifapi.Add(ctx, n.s, cfg); err != nil {
			p.close()
			return nil, err
		}
		if err := netifapi.AddStaticARP(ctx, n.s, "eth0", n.peerAddr, n.peer); err != nil {
			p.close()
			return nil, err
		}
	}
	p.A = sockets.New(p.a, sockets.Options{})
	p.B = sockets.New(p.b, sockets.Options{})
	return p, nil
}

func (p *nlPair) close() {
	p.a.Stop()
	p.b.Stop()
	p.pipe.Close()
}

// nlTCPBuffers sets the SO_SNDBUF and SO_RCVBUF of a netlab stack's new
// TCP sockets to tcpBuffer.
func nlTCPBuffers(ctx context.Context, s *core.Stack) error {
	return s.Call(ctx, func(c *core.Core) error {
		cfg := c.TCPConfig()
		cfg.SendBuffer, cfg.RecvBuffer = tcpBuffer, tcpBuffer
		c.SetTCPConfig(cfg)
		return nil
	})
}

// gvStack returns a gVisor stack with IPv4, ARP, TCP and UDP, TCP's
// buffers set to tcpBuffer with auto-tuning off.
func gvStack() (*stack.Stack, error) {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol},
	})
	opts := []tcpip.SettableTransportProtocolOption{
		&tcpip.TCPSendBufferSizeRangeOption{Min: 4096, Default: tcpBuffer, Max: tcpBuffer},
		&tcpip.TCPReceiveBufferSizeRangeOption{Min: 4096, Default: tcpBuffer, Max: tcpBuffer},
	}
	mod := tcpip.TCPModerateReceiveBufferOption(false)
	sack := tcpip.TCPSACKEnabled(false)
	opts = append(opts, &mod, &sack)
	for _, o := range opts {
		if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, o); err != nil {
			s.Close()
			return nil, fmt.Errorf("gvisor: %T: %s", o, err)
		}
	}
	return s, nil
}

// gvPair is two gVisor stacks a (10.0.0.1) and b (10.0.0.2) joined by
// its in-memory pipe link wrapped in Ethernet, neighbours static.
type gvPair struct {
	a, b *stack.Stack
}

func newGVPair() (*gvPair, error) {
	la, lb := tcpip.LinkAddress(macA[:]), tcpip.LinkAddress(macB[:])
	pa, pb := pipe.New(la, lb, mtu+14)
	p := &gvPair{}
	var err error
	if p.a, err = gvStack(); err != nil {
		return nil, err
	}
	if p.b, err = gvStack(); err != nil {
		p.a.Close()
		return nil, err
	}
	if err := gvNIC(p.a, ethernet.New(pa), addrA, addrB, lb); err != nil {
		p.close()
		return nil, err
	}
	if err := gvNIC(p.b, ethernet.New(pb), addrB, addrA, la); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// gvNIC adds a NIC on ep to s (the stack's next NIC id: 1 on a new
// stack, which gvFull names) with addr/24, a route for the subnet and a
// static neighbour entry for peer.
func gvNIC(s *stack.Stack, ep stack.LinkEndpoint, addr, peer netip.Addr, peerMAC tcpip.LinkAddress) error {
	id := s.NextNICID()
	if err := s.CreateNIC(id, ep); err != nil {
		return fmt.Errorf("gvisor: CreateNIC: %s", err)
	}
	pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{Address: gvAddr(addr), PrefixLen: 24}}
	if err := s.AddProtocolAddress(id, pa, stack.AddressProperties{}); err != nil {
		return fmt.Errorf("gvisor: AddProtocolAddress: %s", err)
	}
	s.AddRoute(tcpip.Route{Destination: pa.AddressWithPrefix.Subnet(), NIC: id})
	if err := s.AddStaticNeighbor(id, ipv4.ProtocolNumber, gvAddr(peer), peerMAC); err != nil {
		return fmt.Errorf("gvisor: AddStaticNeighbor: %s", err)
	}
	return nil
}

func (p *gvPair) close() {
	p.a.Close()
	p.b.Close()
	p.a.Wait()
	p.b.Wait()
}

// gvAddr converts an IPv4 address.
func gvAddr(a netip.Addr) tcpip.Address { return tcpip.AddrFrom4(a.As4()) }

// gvFull is a gVisor endpoint address on NIC 1.
func gvFull(ap netip.AddrPort) tcpip.FullAddress {
	return tcpip.FullAddress{NIC: 1, Addr: gvAddr(ap.Addr()), Port: ap.Port()}
}
