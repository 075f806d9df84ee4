package core

import (
	"github.com/netlab/netlab/core/snapshot"
)

// record appends an event to the ring. Nothing is formatted here: the
// message and its arguments are kept as they are, and frames as bytes.
func (c *Core) record(kind snapshot.EventKind, n *Netif, msg string, arg, arg2 any, frame []byte) {
	if len(c.events) == 0 {
		return
	}
	e := &c.events[c.eventPos]
	*e = snapshot.Event{
		Seq:  c.cfg.EventSeq.Add(1),
		Time: c.now,
		Node: c.stack.name,
		Kind: kind,
		Msg:  msg,
		Arg:  arg,
		Arg2: arg2,
	}
	if n != nil {
		e.Netif = n.name
	}
	if frame != nil {
		// A fresh copy per event (only when packet events are on): once
		// recorded it never changes, so snapshots share it.
		e.Len = len(frame)
		e.Frame = append([]byte(nil), frame[:min(len(frame), snapshot.MaxEventBytes)]...)
	}
	c.eventsIn++
	c.eventPos = (c.eventPos + 1) % len(c.events)
	if c.eventN < len(c.events) {
		c.eventN++
	}
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(e)
	}
}

// stateEvent records a state change. msg is a constant format; arg and
// arg2 fill its verbs when someone reads the event.
func (c *Core) stateEvent(n *Netif, msg string, arg, arg2 any) {
	c.record(snapshot.EventState, n, msg, arg, arg2, nil)
}

// Event records a state change for a protocol built on the core (DHCP).
func (c *Core) Event(n *Netif, msg string, arg, arg2 any) {
	c.stateEvent(n, msg, arg, arg2)
}

func (c *Core) packetEvent(kind snapshot.EventKind, n *Netif, frame []byte) {
	if c.cfg.PacketEvents {
		c.record(kind, n, "", nil, nil, frame)
	}
}

// dropEvent records a dropped frame with its reason.
func (c *Core) dropEvent(n *Netif, reason string, frame []byte) {
	if c.cfg.PacketEvents {
		c.record(snapshot.EventDrop, n, "dropped (%s)", reason, nil, frame)
	}
}

// eventsSnapshot copies the ring, oldest first. Frames are shared: an
// event's frame is never written after it was recorded.
func (c *Core) eventsSnapshot() []snapshot.Event {
	out := make([]snapshot.Event, 0, c.eventN)
	start := (c.eventPos - c.eventN + len(c.events)) % max(len(c.events), 1)
	for i := 0; i < c.eventN; i++ {
		out = append(out, c.events[(start+i)%len(c.events)])
	}
	return out
}
