package core

// Point names a scheduling point: a place where core, socket or DHCP code
// reads or writes state that other code shares, and where an interleaving
// explorer (labs/pitfalls) may switch to another goroutine. Outside the
// explorer a point is a nil check and nothing more: no synchronisation,
// no allocation.
type Point string

// The core's scheduling points.
const (
	// PointNextIndexRead: AddNetif has read the next free netif index
	// and not yet written the one after it.
	PointNextIndexRead Point = "read next netif index"
	// PointNetifListRead: AddNetif has read the netif list and not yet
	// stored the list with the new netif in it.
	PointNetifListRead Point = "read netif list"
	// PointNetifInput: the input loop has checked that a netif is not
	// removed and is about to hand it a frame. The argument is the
	// *Netif.
	PointNetifInput Point = "netif input"
	// PointNetifRemove: RemoveNetif has checked the netif and is about to
	// take it apart. The argument is the *Netif.
	PointNetifRemove Point = "remove netif"
	// PointIPSend: a transport header and payload are in the core's
	// scratch buffer; the IP header is about to be written in front of
	// them and the frame sent.
	PointIPSend Point = "ip send (scratch buffer filled)"
	// PointCallReply: a Call waits for the tcpip goroutine's reply.
	PointCallReply Point = "wait for tcpip reply"
	// PointIdle: the tcpip goroutine waits for work.
	PointIdle Point = "idle"
)

// Scheduler receives the scheduling points of one stack and of the code
// built on it (sockets, DHCP). It is installed only by the unsafe door
// (core/unsafecore), for the pitfall labs' explorer, which runs one
// goroutine at a time: a method is called on the goroutine that reached
// the point, and returns when the explorer lets that goroutine go on.
type Scheduler interface {
	// Point reports that the calling goroutine reached p; arg says on
	// what (nil, or a pointer).
	Point(p Point, arg any)
	// Wait reports that the calling goroutine cannot go on until ready
	// returns true; it returns when it may try again.
	Wait(p Point, ready func() bool)
}

// Point marks a named scheduling point reached by the calling goroutine:
// a no-op (a nil check) unless the pitfall explorer runs the stack. arg
// must be nil or a pointer, so that nothing is allocated. Any goroutine.
func (s *Stack) Point(p Point, arg any) {
	if h := s.sched; h != nil {
		h.Point(p, arg)
	}
}

// point is Stack.Point for core code.
func (c *Core) point(p Point, arg any) {
	if h := c.stack.sched; h != nil {
		h.Point(p, arg)
	}
}
