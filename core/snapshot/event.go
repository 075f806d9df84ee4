package snapshot

import (
	"fmt"
	"time"

	"github.com/netlab/netlab/core/wire"
)

// EventKind says what an event is about.
type EventKind uint8

// The kinds of events.
const (
	EventRx    EventKind = iota + 1 // a frame arrived on a netif
	EventTx                         // a frame left on a netif
	EventDrop                       // a frame or packet was dropped
	EventState                      // a state changed (netif, ARP entry, socket, protocol)
	EventTimer                      // a named timer fired
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventRx:
		return "rx"
	case EventTx:
		return "tx"
	case EventDrop:
		return "drop"
	case EventState:
		return "state"
	case EventTimer:
		return "timer"
	}
	return "event"
}

// MaxEventBytes is how many leading bytes of a frame an event keeps.
const MaxEventBytes = 128

// Event is one entry of a stack's event log. Events are recorded on the
// tcpip goroutine without formatting anything: Text and the packet
// summary are built only when someone reads them.
type Event struct {
	// Seq orders events across every stack of a world.
	Seq  uint64
	Time time.Duration
	Node string
	Kind EventKind
	// Netif is the interface concerned, "" when none.
	Netif string
	// Msg is a constant message ("ARP entry reachable", "netif added");
	// Arg, Arg2 fill its %v verbs lazily.
	Msg       string
	Arg, Arg2 any
	// Len is the frame's full length; Frame holds its first bytes.
	Len   int
	Frame []byte
}

// Text formats the event's message (without time and node).
func (e *Event) Text() string {
	var s string
	switch {
	case e.Arg2 != nil:
		s = fmt.Sprintf(e.Msg, e.Arg, e.Arg2)
	case e.Arg != nil:
		s = fmt.Sprintf(e.Msg, e.Arg)
	default:
		s = e.Msg
	}
	if len(e.Frame) > 0 {
		sum := wire.SummarizeCaptured(e.Frame, e.Len)
		if s == "" {
			return sum
		}
		return s + ": " + sum
	}
	return s
}

// String formats the whole event: "12.301000 a eth0 rx ARP who-has ...".
func (e *Event) String() string {
	where := e.Node
	if e.Netif != "" {
		where += " " + e.Netif
	}
	return fmt.Sprintf("%10.6f %s %s %s", e.Time.Seconds(), where, e.Kind, e.Text())
}
