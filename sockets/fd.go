package sockets

import (
	"math"
	"strconv"
	"syscall"
)

// FD is a socket descriptor: its number (as POSIX gives it: the lowest
// free one, from 3) in the low 16 bits, and above them the generation of
// that number, which grows each time a socket using the number closes. A
// descriptor kept after its socket closed is stale: once the number is
// reused it no longer matches, and calls on it fail with EBADF instead of
// reaching the new socket (unless the API is Classic). -1 is no
// descriptor.
type FD int

const (
	numBits  = 16
	numMask  = 1<<numBits - 1
	firstNum = 3 // 0, 1 and 2 are stdin, stdout and stderr
	maxNum   = numMask
	maxGen   = math.MaxInt >> numBits
)

func makeFD(num, gen int) FD { return FD(gen<<numBits | num) }

// Num returns the descriptor's number, what a POSIX system would return.
func (fd FD) Num() int {
	if fd < 0 {
		return int(fd)
	}
	return int(fd) & numMask
}

// Gen returns the descriptor's generation.
func (fd FD) Gen() int {
	if fd < 0 {
		return 0
	}
	return int(fd) >> numBits
}

// String returns the number ("3"), followed by the generation when it is
// not 0 ("3/g2").
func (fd FD) String() string {
	if fd < 0 || fd.Gen() == 0 {
		return strconv.Itoa(fd.Num())
	}
	return strconv.Itoa(fd.Num()) + "/g" + strconv.Itoa(fd.Gen())
}

// Type is a socket's type.
type Type int

// The socket types.
const (
	// Datagram is a UDP socket (SOCK_DGRAM, IPPROTO_UDP).
	Datagram Type = iota + 1
	// Echo is an ICMP echo socket, like a Linux ping socket (SOCK_DGRAM,
	// IPPROTO_ICMP): it sends echo requests and receives the replies
	// whose identifier is its own.
	Echo
	// Stream is a TCP socket (SOCK_STREAM, IPPROTO_TCP).
	Stream
)

// String returns "udp", "icmp" or "tcp".
func (t Type) String() string {
	switch t {
	case Datagram:
		return "udp"
	case Stream:
		return "tcp"
	case Echo:
		return "icmp"
	}
	return "type-" + strconv.Itoa(int(t))
}

// slot is one descriptor number of the table.
type slot struct {
	s   *socket // nil when the number is free
	gen int     // generation of the number's current (or next) socket
}

// allocLocked takes the lowest free number for s and returns its
// descriptor; EMFILE when every number is taken. a.mu held.
func (a *API) allocLocked(s *socket) (FD, error) {
	n := firstNum
	for ; n < len(a.slots); n++ {
		if a.slots[n].s == nil {
			break
		}
	}
	if n > maxNum {
		return -1, syscall.EMFILE
	}
	for len(a.slots) <= n {
		a.slots = append(a.slots, slot{})
	}
	a.slots[n].s = s
	gen := a.slots[n].gen
	if a.opts.Classic {
		gen = 0
	}
	return makeFD(n, gen), nil
}

// lookup returns the socket fd names, nil when fd is bad or stale.
// Classic tables ignore generations: a stale descriptor reaches whatever
// socket now has its number.
func (a *API) lookup(fd FD) *socket {
	if fd < 0 {
		return nil
	}
	n := fd.Num()
	a.mu.Lock()
	defer a.mu.Unlock()
	if n >= len(a.slots) {
		return nil
	}
	sl := a.slots[n]
	if sl.s == nil || (!a.opts.Classic && sl.gen != fd.Gen()) {
		return nil
	}
	return sl.s
}

// release frees fd's number if it still names s, bumping its generation,
// and reports whether it did.
func (a *API) release(fd FD, s *socket) bool {
	n := fd.Num()
	a.mu.Lock()
	defer a.mu.Unlock()
	if fd < 0 || n >= len(a.slots) || a.slots[n].s != s || s == nil {
		return false
	}
	a.slots[n].s = nil
	if !a.opts.Classic {
		a.slots[n].gen = (a.slots[n].gen + 1) & maxGen
	}
	return true
}

// remove frees the number fd names and returns its socket, nil when fd
// is bad or stale.
func (a *API) remove(fd FD) *socket {
	n := fd.Num()
	a.mu.Lock()
	defer a.mu.Unlock()
	if fd < 0 || n >= len(a.slots) {
		return nil
	}
	sl := &a.slots[n]
	if sl.s == nil || (!a.opts.Classic && sl.gen != fd.Gen()) {
		return nil
	}
	s := sl.s
	sl.s = nil
	if !a.opts.Classic {
		sl.gen = (sl.gen + 1) & maxGen
	}
	return s
}

// all returns the open sockets in descriptor order.
func (a *API) all() []*socket {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*socket
	for _, sl := range a.slots {
		if sl.s != nil {
			out = append(out, sl.s)
		}
	}
	return out
}
