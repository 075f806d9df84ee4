package snapshot

import (
	"net/netip"
	"time"

	"github.com/netlab/netlab/core/wire"
)

// DHCPClient is a netif's DHCP client (published under Extra["dhcp"]).
// Clock times are of the stack's clock; 0 means "not scheduled".
type DHCPClient struct {
	// State is the client's RFC 2131 state as lwIP names it ("bound").
	State string
	// Lease is the lease held, zero while the client has none.
	Lease DHCPLease
	// Server is the server the client is talking to or leased from.
	Server netip.Addr
	// Router is the default gateway the lease gave (and the client
	// installed), zero when none.
	Router netip.Addr
	// DNS are the name servers the lease (or an INFORM) gave.
	DNS []netip.Addr
	// LeaseTime, T1 and T2 are the durations the server gave.
	LeaseTime, T1, T2 time.Duration
	// RenewAt, RebindAt and ExpiresAt are the clock times of T1, T2 and
	// the lease's end; RetransmitAt is the next retransmission, probe or
	// back-off end.
	RenewAt, RebindAt, ExpiresAt, RetransmitAt time.Duration
	// Tries counts the messages sent in the current state.
	Tries int
	// Counters of the client's traffic and of replies it ignored.
	Sent, Received, Malformed, Ignored, Naks, Declines, Renewals, Rebinds, Expiries uint64
}

// DHCPLease is a lease: a client's own, or one row of a server's table.
type DHCPLease struct {
	// MAC is the client's hardware address (server side).
	MAC wire.MAC
	// Address is the leased address and the subnet's prefix length.
	Address netip.Prefix
	// State is the lease's state in a server's table: "offered",
	// "bound", "declined", "static"; empty for a client's own lease.
	State string
	// Hostname is the client's name, when it gave one.
	Hostname string
	// Start is the clock time the lease was granted or renewed last;
	// Expires the clock time it ends (offer hold, lease, quarantine).
	Start, Expires time.Duration
}

// DHCPServer is a netif's DHCP server (under Extra["dhcp-server"]).
type DHCPServer struct {
	// PoolStart and PoolEnd bound the dynamic pool (inclusive).
	PoolStart, PoolEnd netip.Addr
	// Leases is the lease table, by address.
	Leases []DHCPLease
	// Counters of the server's traffic.
	Discovers, Offers, Requests, Acks, Naks, Releases, Declines, Informs, Malformed, Ignored, Exhausted uint64
}
