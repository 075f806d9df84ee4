// Package labs defines netlab's lab file format: the types a lab decodes
// into, the loader that reads YAML into them with positioned errors, the
// validation rules, and the built-in labs embedded in the binary.
//
// All code here runs on the caller's goroutine and keeps no state between
// calls. The package is a leaf: it imports nothing of netlab (in particular
// not the stack under core/), so the command, the TUI and the runner may all
// import it.
//
// A loaded Lab is complete: Load fills in every default (MTUs, MAC
// addresses, link ids, step names, ping counts...), so that a runner never
// has to know the defaults itself. Lab files are trusted input: they name
// what to build and run, and the loader checks them for mistakes, not for
// malice (though no input makes it panic).
package labs

import (
	"fmt"
	"net/netip"
)

// ClockKind says which clock drives a lab: "virtual" or "real".
type ClockKind string

// The clocks a lab may run on.
const (
	// ClockVirtual is simulated time that jumps to the next deadline when
	// nothing else can happen. It is the default, unless a node or link
	// needs the real clock (see Lab.RealClockReason).
	ClockVirtual ClockKind = "virtual"
	// ClockReal is the wall clock.
	ClockReal ClockKind = "real"
)

// NodeKind says what a node is: "stack", "switch" or "kernel".
type NodeKind string

// The kinds of node a lab may hold.
const (
	// KindStack is a netlab IPv4 stack with interfaces, routes and apps.
	// It is the default kind.
	KindStack NodeKind = "stack"
	// KindSwitch is an Ethernet switch joining any number of links.
	KindSwitch NodeKind = "switch"
	// KindKernel is a Linux network namespace: the kernel's own stack,
	// its interfaces the TAP devices of the tap links that name it,
	// configured through netlink (addresses, MTU, routes, link state,
	// forwarding; IPv6 off). Exec steps run commands inside it. A lab
	// with a kernel node needs root and /dev/net/tun, and runs on the
	// real clock.
	KindKernel NodeKind = "kernel"
)

// The link types.
const (
	// LinkPipe is an in-memory Ethernet wire, the default.
	LinkPipe = "pipe"
	// LinkTAP joins a stack's interface to a kernel node's interface: a
	// TAP device inside the kernel node's namespace, whose file the stack
	// reads and writes. The link's impairments and capture apply on the
	// stack's side of the device.
	LinkTAP = "tap"
	// LinkTAPPair joins two stacks' interfaces through the Linux kernel:
	// each stack reads and writes a TAP device of its own, and the two
	// devices are ports of a Linux bridge inside a namespace of the lab.
	// The link's impairments and capture apply between its first
	// endpoint and the bridge.
	LinkTAPPair = "tap-pair"
)

// Defaults that Load fills in where a lab leaves a field out.
const (
	// DefaultSeed seeds a lab's random sources when it gives no seed.
	DefaultSeed uint64 = 1
	// DefaultMTU is an interface's MTU in bytes when none is given.
	DefaultMTU = 1500
	// MinMTU and MaxMTU bound an interface's MTU in bytes (IPv4's minimum
	// reassembly size, RFC 791, up to a jumbo frame).
	MinMTU, MaxMTU = 576, 9000
)

// Lab is one loaded, validated lab: what to build and what to do with it.
type Lab struct {
	// Name identifies the lab, [a-z0-9-]+.
	Name string
	// Description says what the lab shows and what to watch; may be empty.
	Description string
	// Clock is the clock the whole lab runs on. When the file gives none,
	// Load chooses ClockVirtual, or ClockReal when a node or a link needs
	// it (see RealClockReason).
	Clock ClockKind
	// Seed seeds every random source of the lab (default DefaultSeed).
	Seed uint64
	// Nodes are the stacks and switches, in file order.
	Nodes []Node
	// Links join the nodes' interfaces, in file order.
	Links []Link
	// Steps are what the runner does, in order.
	Steps []Step
	// Source says where the lab came from: a file name, or
	// "builtin:<name>" for a built-in lab.
	Source string

	// pos maps YAML paths ("$.steps[2].ping.to") to where they are in the
	// source; nil for a Lab built in Go.
	pos map[string]Pos
}

// Node is a stack, a switch or a kernel node.
type Node struct {
	// Name identifies the node: [a-z][a-z0-9-]*, at most 12 characters.
	Name string
	// Kind is KindStack, KindSwitch or KindKernel.
	Kind NodeKind
	// Forwarding turns on IPv4 forwarding between the stack's interfaces
	// (a kernel node's: net.ipv4.ip_forward).
	Forwarding bool
	// Interfaces are the stack's interfaces at the start, in file order.
	// A kernel node's are its TAP devices (address, MAC, MTU and up only),
	// each one end of a tap link.
	Interfaces []Interface
	// Routes are the stack's static routes at the start (a kernel
	// node's too).
	Routes []Route
	// ARP holds static ARP entries.
	ARP []StaticARP
	// Apps are the built-in applications the stack runs from the start.
	Apps []App
	// DHCPServers are the DHCP servers the stack runs from the start, one
	// per interface at most, in file order.
	DHCPServers []DHCPServer
	// Pos is where the node's name is in the source.
	Pos Pos
}

// Interface is a stack's network interface (an lwIP netif).
type Interface struct {
	// Name identifies the interface on its node: [a-z][a-z0-9]*, at most
	// 15 characters (the Linux limit, so that it can name a TAP device).
	Name string
	// MAC is the interface's hardware address. When the lab gives none,
	// Load derives 02:00:00:00:<node#>:<if#> from the node's position in
	// the file (1-based) and the interface's position on the node
	// (0-based), so that the same lab always gets the same addresses.
	MAC MAC
	// Address is the interface's address and prefix length, host bits
	// included (10.0.0.1/24); the zero Prefix when it has none.
	Address netip.Prefix
	// MTU is the largest IPv4 packet the interface sends, in bytes
	// (default DefaultMTU, MinMTU to MaxMTU).
	MTU int
	// Up is the interface's administrative state (default true).
	Up bool
	// DHCP, when not nil, runs a DHCP client on the interface from the
	// start (`dhcp: true`, or a mapping of the client's options); the
	// interface then has no Address of its own.
	DHCP *DHCPClient
	// Pos is where the interface's name is in the source.
	Pos Pos
}

// DHCPClient is the options of a DHCP client (an interface's `dhcp:`, or
// a dhcp-start or dhcp-inform step). The zero value is a client with the
// defaults: it sends no hostname, identifies itself by its MAC and asks
// for no address in particular.
type DHCPClient struct {
	// Hostname is sent in option 12 when not empty.
	Hostname string
	// ClientID is sent as the client identifier (option 61) when not
	// empty; otherwise the client identifies itself by type 1 and its MAC.
	ClientID string
	// RequestedAddress, when valid, is the address the client asks for
	// first (INIT-REBOOT), as after a restart with a remembered lease.
	RequestedAddress netip.Addr
}

// DefaultDHCPLease is the lease a DHCP server hands out when the lab gives
// none.
const DefaultDHCPLease = Duration(3600e9)

// DHCPServer is a DHCP server on one of a stack's interfaces (a node's
// `dhcp-server:`, or a dhcp-server-start step). The interface's address
// is the server's identifier and gives the subnet.
type DHCPServer struct {
	// Interface names the interface it serves.
	Interface string
	// PoolStart and PoolEnd bound the dynamic pool (inclusive), written
	// "10.0.0.100-10.0.0.199", inside the interface's subnet.
	PoolStart, PoolEnd netip.Addr
	// Lease is the lease time handed out (default DefaultDHCPLease).
	Lease Duration
	// Router and DNS are handed out (options 3 and 6) when set.
	Router netip.Addr
	DNS    []netip.Addr
	// T1 and T2 are the renewal and rebinding times handed out (options
	// 58 and 59) when not zero; the client otherwise takes 50% and 87.5%
	// of the lease (RFC 2131 section 4.4.5).
	T1, T2 Duration
	// Reservations are static leases by MAC.
	Reservations []DHCPReservation
	// Pos is where the server is in the source (a node's; a step's
	// server has the step's Pos).
	Pos Pos
}

// DHCPReservation is a static lease: the address a DHCP server always
// gives one MAC.
type DHCPReservation struct {
	MAC     MAC
	Address netip.Addr
}

// Route is a static route.
type Route struct {
	// To is the destination network, host bits zero (0.0.0.0/0 is the
	// default route).
	To netip.Prefix
	// Via is the next hop; the zero Addr for a directly connected route.
	Via netip.Addr
	// Interface names the outgoing interface; empty to choose it from Via.
	// At least one of Via and Interface is set.
	Interface string
	// Pos is where the route is in the source.
	Pos Pos
}

// StaticARP is a permanent ARP cache entry.
type StaticARP struct {
	// Address is the IPv4 address to resolve.
	Address netip.Addr
	// MAC is the hardware address it resolves to.
	MAC MAC
}

// The built-in app kinds.
const (
	// AppUDPEcho sends every datagram it receives back to its sender.
	AppUDPEcho = "udp-echo"
	// AppUDPDiscard receives datagrams and drops them.
	AppUDPDiscard = "udp-discard"
	// AppUDPSource sends datagrams of Size bytes to To every Interval.
	AppUDPSource = "udp-source"
	// AppHTTP serves a small page (HTTPPage) with net/http on a TCP port
	// (default 80). net/http's own timers run on the wall clock, so a lab
	// with an http app runs on the real clock.
	AppHTTP = "http"
)

// HTTPPage is the body the http app serves at every path (with a
// Content-Type of text/html); %s is replaced by the node's name.
const HTTPPage = "<!doctype html>\n<title>netlab</title>\n<h1>Hello from %s</h1>\n<p>Served by net/http over a netlab stack.</p>\n"

// App is a built-in application running on a stack from the start.
type App struct {
	// Kind is AppUDPEcho, AppUDPDiscard, AppUDPSource or AppHTTP.
	Kind string
	// Port is the local port: the UDP port served by udp-echo (default 7)
	// and udp-discard (default 9); udp-source's source port (0: an
	// ephemeral port); the TCP port http serves (default 80).
	Port uint16
	// To is where udp-source sends; zero for the other kinds.
	To netip.AddrPort
	// Size is udp-source's payload size in bytes (default 64).
	Size int
	// Interval is the time between two of udp-source's datagrams
	// (default 1s).
	Interval Duration
	// Count is how many datagrams udp-source sends; 0 sends forever.
	Count int
	// Pos is where the app is in the source.
	Pos Pos
}

// Link joins two endpoints.
type Link struct {
	// ID names the link for steps (impair, add-interface); default "l<N>"
	// with N its 1-based position in the file.
	ID string
	// A and B are the link's two ends, in file order.
	A, B Endpoint
	// Type is the link type: LinkPipe (the default), LinkTAP (between a
	// kernel node's interface and a stack's) or LinkTAPPair (between two
	// stacks' interfaces, through a Linux bridge). A link to a switch is a
	// pipe to one of the switch's ports.
	Type string
	// Impair holds the link's impairments at the start.
	Impair Impairments
	// Capture says the link is captured whenever the lab runs: its frames
	// go to a pcap file, even when the run was not asked for captures.
	Capture bool
	// Pos is where the link is in the source.
	Pos Pos
}

// Endpoint is one end of a link: a stack's or a kernel node's interface,
// or a switch.
type Endpoint struct {
	// Node names the node.
	Node string
	// Interface names the node's interface; empty for a switch.
	Interface string
}

// String formats e as written in a lab: "a:eth0", or "sw" for a switch.
func (e Endpoint) String() string {
	if e.Interface == "" {
		return e.Node
	}
	return e.Node + ":" + e.Interface
}

// Impairments is what a link does to the frames it carries, in both
// directions. The zero value is a perfect link.
type Impairments struct {
	// Loss is the share of frames dropped.
	Loss Percent
	// Duplicate is the share of frames delivered twice.
	Duplicate Percent
	// Reorder is the share of frames delivered at once, skipping Delay,
	// Jitter and Rate, ahead of the frames still on their way.
	Reorder Percent
	// Corrupt is the share of frames with a flipped bit.
	Corrupt Percent
	// Delay is the one-way latency added to every frame.
	Delay Duration
	// Jitter is the largest random variation added to Delay.
	Jitter Duration
	// Rate caps the link's bit rate; 0 is unlimited.
	Rate Rate
	// Queue is how many frames wait for a rate-limited link before it
	// drops; 0 lets the link driver choose.
	Queue int
}

// Step is one thing the runner does.
type Step struct {
	// Name labels the step; Load fills it with Action.Describe() when the
	// lab gives none.
	Name string
	// At, when set, is when the step starts, from the start of the lab.
	At *Duration
	// After, when set, is how long after the previous step ends this one
	// starts. At most one of At and After is set; with neither, the step
	// starts as soon as the previous one ends.
	After *Duration
	// Pos is where the step is in the source.
	Pos Pos
	// Action is what the step does; never nil in a loaded lab.
	Action Action
}

// Pos is a position in a lab file. Line and Column count from 1; the zero
// Pos means "unknown".
type Pos struct {
	Line, Column int
}

// IsValid reports whether p is a known position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String formats p as "line:column".
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Position returns where the YAML path (such as "$.steps[2].ping.to", as in
// Error.Path) is in the lab's source. When the path itself is not in the
// source (a field left out), it returns the position of its nearest
// ancestor that is, and the zero Pos for a Lab built in Go.
func (l *Lab) Position(path string) Pos {
	return lookupPos(l.pos, path)
}

// Node returns the node called name, or nil.
func (l *Lab) Node(name string) *Node {
	for i := range l.Nodes {
		if l.Nodes[i].Name == name {
			return &l.Nodes[i]
		}
	}
	return nil
}

// Link returns the link whose ID is id, or nil.
func (l *Lab) Link(id string) *Link {
	for i := range l.Links {
		if l.Links[i].ID == id {
			return &l.Links[i]
		}
	}
	return nil
}

// Interface returns the interface of n called name, or nil.
func (n *Node) Interface(name string) *Interface {
	for i := range n.Interfaces {
		if n.Interfaces[i].Name == name {
			return &n.Interfaces[i]
		}
	}
	return nil
}

// NeedsHost reports whether the lab needs the Linux host: a kernel node,
// a tap link or a tap-pair link, which need root (CAP_NET_ADMIN,
// CAP_SYS_ADMIN) and /dev/net/tun. Labs with only stacks, switches and
// pipes never do.
func (l *Lab) NeedsHost() bool {
	for _, n := range l.Nodes {
		if n.Kind == KindKernel {
			return true
		}
	}
	for _, lk := range l.Links {
		if lk.Type == LinkTAP || lk.Type == LinkTAPPair {
			return true
		}
	}
	return false
}
