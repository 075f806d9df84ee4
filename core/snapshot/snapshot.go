// Package snapshot holds the immutable views of a stack that its tcpip
// goroutine publishes: interfaces, ARP cache, routes, sockets, timers,
// counters and recent events. Values are plain data: once published they
// are never written again, so any goroutine may read them without locks.
package snapshot

import (
	"net/netip"
	"time"

	"github.com/netlab/netlab/core/wire"
)

// Stack is one stack's state at one moment.
type Stack struct {
	// Name is the stack's (the lab node's) name.
	Name string
	// Version increases with every published snapshot.
	Version uint64
	// Time is the clock time at which the snapshot was built.
	Time time.Duration
	// Forwarding reports whether the stack forwards IPv4 between netifs.
	Forwarding bool
	Netifs     []Netif
	ARP        []ARPEntry
	Routes     []Route
	Sockets    []Socket
	Timers     []Timer
	Counters   Counters
	// Events are the most recent events, oldest first; Recorded counts
	// every event the stack has recorded, so that a reader can tell how
	// many the ring overwrote since its last read.
	Events   []Event
	Recorded uint64
	// Extra holds protocol state published by plugged-in protocols
	// (DHCP), keyed by protocol then netif name.
	Extra map[string]map[string]any
}

// Netif is one network interface.
type Netif struct {
	Index   int
	Name    string
	MAC     wire.MAC
	Address netip.Prefix // zero when the netif has no address
	MTU     int
	Up      bool // administratively up
	LinkUp  bool // carrier present
	// Loopback marks the stack's loopback interface.
	Loopback bool
	// Link names the link the netif is attached to, "" when none.
	Link     string
	Counters NetifCounters
}

// NetifCounters count one netif's traffic. Frames and bytes are Ethernet
// frames including the header; Drops are frames dropped by reason.
type NetifCounters struct {
	RxFrames, RxBytes, TxFrames, TxBytes uint64
	Drops                                map[string]uint64
}

// DropTotal is the sum of all drop reasons.
func (c NetifCounters) DropTotal() uint64 {
	var n uint64
	for _, v := range c.Drops {
		n += v
	}
	return n
}

// ARPState is the state of an ARP cache entry.
type ARPState string

// The states an ARP entry can be in.
const (
	ARPIncomplete ARPState = "incomplete"
	ARPReachable  ARPState = "reachable"
	ARPStale      ARPState = "stale"
	ARPStatic     ARPState = "static"
)

// ARPEntry is one entry of the ARP cache.
type ARPEntry struct {
	Address netip.Addr
	MAC     wire.MAC // zero while incomplete
	Netif   string
	State   ARPState
	// Expires is the clock time at which the entry ages out, or the next
	// request is due while incomplete; 0 for static entries.
	Expires time.Duration
	// Queued counts packets waiting for this entry to resolve.
	Queued int
	// Tries counts requests sent while incomplete.
	Tries int
}

// Route is one entry of the routing table.
type Route struct {
	To    netip.Prefix
	Via   netip.Addr // zero for on-link routes
	Netif string
	// OnLink marks the route a netif's address makes.
	OnLink bool
}

// Socket is one protocol control block and the socket that owns it.
type Socket struct {
	// FD is the socket's descriptor, -1 if the PCB has no socket.
	FD     int
	Proto  string // "udp", "icmp", "tcp"
	Local  netip.AddrPort
	Remote netip.AddrPort // zero when not connected
	State  string
	// SendQ and RecvQ are bytes queued to send and to be read.
	SendQ, RecvQ int
	// Owner labels who opened the socket (an app's name, "lab", "tui").
	Owner string
	// Timers names the timers armed on this socket.
	Timers []string
	// Error is the pending socket error (SO_ERROR), "" when none.
	Error string
	// TCP holds a TCP connection's windows and estimators; nil for other
	// protocols and for listeners.
	TCP *TCPSocket
}

// TCPSocket is what a TCP connection adds to a Socket. Sizes are bytes.
type TCPSocket struct {
	// SendWindow is the peer's window, RecvWindow the one advertised.
	SendWindow, RecvWindow int
	// Cwnd and Ssthresh are the congestion window and slow start
	// threshold; MSS the segment size sent.
	Cwnd, Ssthresh, MSS int
	// SRTT, RTTVar and RTO are the RFC 6298 estimators and timeout.
	SRTT, RTTVar, RTO time.Duration
	// Unsent counts queued bytes not yet sent; OutOfOrder bytes held
	// out of order.
	Unsent, OutOfOrder int
	// Retransmits counts segments sent again.
	Retransmits uint64
}

// Timer is one armed timer of the stack.
type Timer struct {
	Name  string
	Owner string
	// Due is the clock time at which the timer fires.
	Due time.Duration
	// Period is the timer's period, 0 for one-shot timers.
	Period time.Duration
	// Fired counts how often the timer has fired.
	Fired uint64
}

// Counters are stack-wide protocol counters, by name ("ip-forwarded",
// "udp-no-port", ...), in a stable order.
type Counters []Counter

// Counter is one named counter.
type Counter struct {
	Name  string
	Value uint64
}

// Get returns the counter named name, or 0.
func (c Counters) Get(name string) uint64 {
	for _, x := range c {
		if x.Name == name {
			return x.Value
		}
	}
	return 0
}
