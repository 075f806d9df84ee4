package mem

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// DirStats counts what happened to the frames of one direction of a Pipe.
// It is a plain value, read with atomics: taking it never blocks senders.
//
// Once nothing is in flight, TxFrames + Duplicated = RxFrames + Lost +
// QueueFull + NoReceiver + Closed + TooBig + Queued.
type DirStats struct {
	// TxFrames and TxBytes count the frames offered by Transmit.
	TxFrames, TxBytes uint64
	// RxFrames and RxBytes count the frames handed to the receiver.
	RxFrames, RxBytes uint64
	// Lost counts frames dropped by the Loss impairment.
	Lost uint64
	// Duplicated counts the extra copies made by the Duplicate impairment.
	Duplicated uint64
	// Corrupted counts copies that had one bit flipped.
	Corrupted uint64
	// Reordered counts copies that Reorder sent ahead of waiting frames.
	Reordered uint64
	// QueueFull counts copies dropped because Queue frames were waiting.
	QueueFull uint64
	// NoReceiver counts copies dropped because no receiver was attached
	// when they arrived.
	NoReceiver uint64
	// Closed counts frames transmitted after Close, and frames that were
	// waiting when Close released them.
	Closed uint64
	// TooBig counts frames longer than link.MaxFrame.
	TooBig uint64
	// Queued is the number of frames waiting for delivery now.
	Queued uint64
}

// Dropped is the number of frames (and copies) that never reached the
// receiver: lost, queue full, no receiver, closed or too big.
func (d DirStats) Dropped() uint64 {
	return d.Lost + d.QueueFull + d.NoReceiver + d.Closed + d.TooBig
}

// Drops returns the non-zero drop counters by reason ("loss",
// "queue-full", "no-receiver", "closed", "too-big"), in that order.
func (d DirStats) Drops() []Drop {
	var out []Drop
	for _, r := range []Drop{
		{"loss", d.Lost}, {"queue-full", d.QueueFull}, {"no-receiver", d.NoReceiver},
		{"closed", d.Closed}, {"too-big", d.TooBig},
	} {
		if r.Count != 0 {
			out = append(out, r)
		}
	}
	return out
}

// String summarises d, such as "tx 10/1400B rx 9/1260B drop 1 (loss 1)".
func (d DirStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tx %d/%dB rx %d/%dB", d.TxFrames, d.TxBytes, d.RxFrames, d.RxBytes)
	if n := d.Dropped(); n != 0 {
		fmt.Fprintf(&b, " drop %d (", n)
		for i, r := range d.Drops() {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %d", r.Reason, r.Count)
		}
		b.WriteByte(')')
	}
	for _, x := range []struct {
		name string
		n    uint64
	}{{"dup", d.Duplicated}, {"corrupt", d.Corrupted}, {"reorder", d.Reordered}, {"queued", d.Queued}} {
		if x.n != 0 {
			fmt.Fprintf(&b, " %s %d", x.name, x.n)
		}
	}
	return b.String()
}

// Drop is one drop counter and its reason.
type Drop struct {
	// Reason is a short name: "loss", "queue-full", "no-receiver",
	// "closed", "too-big".
	Reason string
	// Count is the number of frames dropped for Reason.
	Count uint64
}

// Stats is a snapshot of a Pipe: its name, its impairments and the
// counters of both directions.
type Stats struct {
	// Name is the pipe's name.
	Name string
	// AtoB counts frames transmitted on side A (arriving at B).
	AtoB DirStats
	// BtoA counts frames transmitted on side B (arriving at A).
	BtoA DirStats
	// Impair is the pipe's current impairments.
	Impair Impairments
}

// String summarises s on one line, such as
// "h1<->h2 [loss 5%] A->B tx 10/1400B rx 9/1260B drop 1 (loss 1); B->A ...".
func (s Stats) String() string {
	return fmt.Sprintf("%s [%v] A->B %v; B->A %v", s.Name, s.Impair, s.AtoB, s.BtoA)
}

// dirCounters are a direction's counters. Written with atomics by whoever
// transmits or delivers; read with atomics by anyone.
type dirCounters struct {
	txFrames, txBytes  atomic.Uint64
	rxFrames, rxBytes  atomic.Uint64
	lost, duplicated   atomic.Uint64
	corrupted          atomic.Uint64
	reordered          atomic.Uint64
	queueFull          atomic.Uint64
	noReceiver, closed atomic.Uint64
	tooBig, queued     atomic.Uint64
}

func (c *dirCounters) load() DirStats {
	return DirStats{
		TxFrames: c.txFrames.Load(), TxBytes: c.txBytes.Load(),
		RxFrames: c.rxFrames.Load(), RxBytes: c.rxBytes.Load(),
		Lost: c.lost.Load(), Duplicated: c.duplicated.Load(),
		Corrupted: c.corrupted.Load(), Reordered: c.reordered.Load(),
		QueueFull: c.queueFull.Load(), NoReceiver: c.noReceiver.Load(),
		Closed: c.closed.Load(), TooBig: c.tooBig.Load(), Queued: c.queued.Load(),
	}
}

// SwitchStats is a snapshot of a Switch: its ports, what it did with the
// frames, and its MAC table.
type SwitchStats struct {
	// Name is the switch's name.
	Name string
	// Ports has one entry per attached port, by port number.
	Ports []PortStats
	// Forwarded counts frames sent to the one port their destination was
	// learned on.
	Forwarded uint64
	// Flooded counts frames sent to every other port: broadcast,
	// multicast, or a destination not (or no longer) in the table.
	Flooded uint64
	// Filtered counts frames dropped because their destination was learned
	// on the port they came in on.
	Filtered uint64
	// Runts counts frames too short to hold an Ethernet header.
	Runts uint64
	// Loops counts frames dropped because they re-entered switches more
	// than MaxDepth times within one call: a forwarding loop of zero-delay
	// links.
	Loops uint64
	// Learned counts MAC table insertions; Moved counts MACs seen on a new
	// port; Evicted counts entries pushed out of a full table.
	Learned, Moved, Evicted uint64
	// MACs is the MAC table, ordered by port then address, with entries
	// older than the aging time left out.
	MACs []MACEntry
}

// PortStats counts one switch port's frames.
type PortStats struct {
	// Port is the port number that Attach returned.
	Port int
	// Name is the attached endpoint's name.
	Name string
	// InFrames and InBytes count frames that arrived on this port.
	InFrames, InBytes uint64
	// OutFrames and OutBytes count frames the switch sent out of it.
	OutFrames, OutBytes uint64
}

// MACEntry is one learned address of a Switch's MAC table.
type MACEntry struct {
	// MAC is the learned source address (convertible to wire.MAC).
	MAC [6]byte
	// Port is the port it was last seen on.
	Port int
	// Age is the clock time since it was last seen.
	Age time.Duration
}

// String formats e as "02:00:00:00:00:0a port 1 age 3s".
func (e MACEntry) String() string {
	return fmt.Sprintf("%s port %d age %v", macString(e.MAC), e.Port, e.Age)
}

func macString(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// portCounters are a switch port's counters, written and read with
// atomics.
type portCounters struct {
	inFrames, inBytes   atomic.Uint64
	outFrames, outBytes atomic.Uint64
}

// switchCounters are a switch's counters, written and read with atomics.
type switchCounters struct {
	forwarded, flooded, filtered atomic.Uint64
	runts, loops                 atomic.Uint64
	learned, moved, evicted      atomic.Uint64
}
