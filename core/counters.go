package core

import "github.com/netlab/netlab/core/snapshot"

// counter names a stack-wide counter.
type counter int

// The stack-wide counters. Their names are what labs and the TUI show.
const (
	cntEthIn counter = iota
	cntEthOut
	cntARPIn
	cntARPRequestsOut
	cntARPRepliesOut
	cntARPGratuitousOut
	cntARPFailed
	cntARPQueueDrops
	cntARPConflicts
	cntIPIn
	cntIPOut
	cntIPDelivered
	cntIPForwarded
	cntIPBadHeader
	cntIPBadOptions
	cntIPNoRoute
	cntIPNotForwarding
	cntIPTTLExceeded
	cntIPFragmented
	cntIPFragmentsOut
	cntIPFragmentsIn
	cntIPReassembled
	cntIPReassemblyFailed
	cntIPFragNeeded
	cntIPUnknownProto
	cntICMPIn
	cntICMPOut
	cntICMPBad
	cntICMPEchoIn
	cntICMPEchoRepliesOut
	cntICMPErrorsIn
	cntICMPErrorsOut
	cntICMPRateLimited
	cntUDPIn
	cntUDPOut
	cntUDPBad
	cntUDPNoPort
	cntUDPRecvDrops
	cntRxAfterRemove
	cntTCPIn
	cntTCPOut
	cntTCPBad
	cntTCPNoPort
	cntTCPLookups
	cntTCPActiveOpens
	cntTCPPassiveOpens
	cntTCPListenDrops
	cntTCPRetransmits
	cntTCPFastRetransmits
	cntTCPRTOs
	cntTCPTimeouts
	cntTCPRstIn
	cntTCPRstOut
	cntTCPChallengeAcks
	cntTCPOutOfWindow
	cntTCPOOOQueued
	cntTCPOOODups
	cntTCPOOODrops
	cntTCPDelayedAcks
	cntTCPWindowProbes
	cntTCPKeepalives
	cntTCPUnreadResets
	cntTCPOutErrors
	numCounters
)

var counterNames = [numCounters]string{
	cntEthIn:              "eth-in",
	cntEthOut:             "eth-out",
	cntARPIn:              "arp-in",
	cntARPRequestsOut:     "arp-requests-out",
	cntARPRepliesOut:      "arp-replies-out",
	cntARPGratuitousOut:   "arp-gratuitous-out",
	cntARPFailed:          "arp-failed",
	cntARPQueueDrops:      "arp-queue-drops",
	cntARPConflicts:       "arp-conflicts",
	cntIPIn:               "ip-in",
	cntIPOut:              "ip-out",
	cntIPDelivered:        "ip-delivered",
	cntIPForwarded:        "ip-forwarded",
	cntIPBadHeader:        "ip-bad-header",
	cntIPBadOptions:       "ip-bad-options",
	cntIPNoRoute:          "ip-no-route",
	cntIPNotForwarding:    "ip-not-forwarding",
	cntIPTTLExceeded:      "ip-ttl-exceeded",
	cntIPFragmented:       "ip-fragmented",
	cntIPFragmentsOut:     "ip-fragments-out",
	cntIPFragmentsIn:      "ip-fragments-in",
	cntIPReassembled:      "ip-reassembled",
	cntIPReassemblyFailed: "ip-reassembly-failed",
	cntIPFragNeeded:       "ip-frag-needed",
	cntIPUnknownProto:     "ip-unknown-proto",
	cntICMPIn:             "icmp-in",
	cntICMPOut:            "icmp-out",
	cntICMPBad:            "icmp-bad",
	cntICMPEchoIn:         "icmp-echo-in",
	cntICMPEchoRepliesOut: "icmp-echo-replies-out",
	cntICMPErrorsIn:       "icmp-errors-in",
	cntICMPErrorsOut:      "icmp-errors-out",
	cntICMPRateLimited:    "icmp-rate-limited",
	cntUDPIn:              "udp-in",
	cntUDPOut:             "udp-out",
	cntUDPBad:             "udp-bad",
	cntUDPNoPort:          "udp-no-port",
	cntUDPRecvDrops:       "udp-recv-drops",
	cntRxAfterRemove:      "rx-after-remove",
	cntTCPIn:              "tcp-in",
	cntTCPOut:             "tcp-out",
	cntTCPBad:             "tcp-bad",
	cntTCPNoPort:          "tcp-no-port",
	cntTCPLookups:         "tcp-demux-lookups",
	cntTCPActiveOpens:     "tcp-active-opens",
	cntTCPPassiveOpens:    "tcp-passive-opens",
	cntTCPListenDrops:     "tcp-listen-drops",
	cntTCPRetransmits:     "tcp-retransmits",
	cntTCPFastRetransmits: "tcp-fast-retransmits",
	cntTCPRTOs:            "tcp-rto-expiries",
	cntTCPTimeouts:        "tcp-timeouts",
	cntTCPRstIn:           "tcp-rst-in",
	cntTCPRstOut:          "tcp-rst-out",
	cntTCPChallengeAcks:   "tcp-challenge-acks",
	cntTCPOutOfWindow:     "tcp-out-of-window",
	cntTCPOOOQueued:       "tcp-ooo-queued",
	cntTCPOOODups:         "tcp-ooo-duplicates",
	cntTCPOOODrops:        "tcp-ooo-drops",
	cntTCPDelayedAcks:     "tcp-delayed-acks",
	cntTCPWindowProbes:    "tcp-window-probes",
	cntTCPKeepalives:      "tcp-keepalives",
	cntTCPUnreadResets:    "tcp-unread-resets",
	cntTCPOutErrors:       "tcp-out-errors",
}

// CounterNames lists every stack-wide counter name, in a stable order.
func CounterNames() []string { return counterNames[:] }

func (c *Core) count(k counter) { c.counters[k]++ }

// Counter returns the value of the stack-wide counter named name.
func (c *Core) Counter(name string) (uint64, bool) {
	for i, n := range counterNames {
		if n == name {
			return c.counters[i], true
		}
	}
	return 0, false
}

func (c *Core) countersSnapshot() snapshot.Counters {
	out := make(snapshot.Counters, numCounters)
	for i := range out {
		out[i] = snapshot.Counter{Name: counterNames[i], Value: c.counters[i]}
	}
	return out
}

// drop names a reason a netif dropped a frame.
type drop int

// Reasons for per-netif drops. Their names are what labs and the TUI show.
const (
	dropMalformed drop = iota
	dropNotForUs
	dropUnknownEtherType
	dropNetifDown
	dropLinkDown
	dropRxQueueFull
	dropIPMalformed
	dropIPChecksum
	dropIPOptions
	dropNotForwarding
	dropNoRoute
	dropTTLExceeded
	dropFragNeeded
	dropARPMalformed
	dropARPQueueFull
	dropARPFailed
	dropNoAddress
	numDrops
)

var dropNames = [numDrops]string{
	dropMalformed:        "malformed",
	dropNotForUs:         "not-for-us",
	dropUnknownEtherType: "unknown-ethertype",
	dropNetifDown:        "netif-down",
	dropLinkDown:         "link-down",
	dropRxQueueFull:      "rx-queue-full",
	dropIPMalformed:      "ip-malformed",
	dropIPChecksum:       "ip-checksum",
	dropIPOptions:        "ip-options",
	dropNotForwarding:    "not-forwarding",
	dropNoRoute:          "no-route",
	dropTTLExceeded:      "ttl-exceeded",
	dropFragNeeded:       "frag-needed",
	dropARPMalformed:     "arp-malformed",
	dropARPQueueFull:     "arp-queue-full",
	dropARPFailed:        "arp-failed",
	dropNoAddress:        "no-address",
}

// DropNames lists every per-netif drop reason, in a stable order.
func DropNames() []string { return dropNames[:] }
