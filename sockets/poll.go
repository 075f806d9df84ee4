package sockets

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/netlab/netlab/core/clock"
)

// PollEvent is a set of poll events (the bits of struct pollfd's events
// and revents, with Linux's values).
type PollEvent uint16

// The poll events. POLLERR, POLLHUP and POLLNVAL are reported whether
// asked for or not.
const (
	// POLLIN: a receive would not block (a datagram is queued, or the
	// stack stopped and it would fail at once; for a stream socket data
	// or the end of the stream, for a listener a connection to accept).
	POLLIN PollEvent = 0x1
	// POLLOUT: a send would not block (always, for a datagram socket of
	// a running stack; for a stream socket, when its send buffer has
	// room, which is how a non-blocking connect reports completion).
	POLLOUT PollEvent = 0x4
	// POLLERR: an error is pending (SO_ERROR), or the stack stopped.
	POLLERR PollEvent = 0x8
	// POLLHUP: the stack stopped; nothing more will arrive (for a
	// stream socket: both directions are shut, or it was reset).
	POLLHUP PollEvent = 0x10
	// POLLNVAL: the descriptor is not open (or closed while polled).
	POLLNVAL PollEvent = 0x20
)

// String returns the set's names joined by "|" ("POLLIN|POLLERR"), or
// "0".
func (e PollEvent) String() string {
	if e == 0 {
		return "0"
	}
	var names []string
	for _, x := range [...]struct {
		bit  PollEvent
		name string
	}{{POLLIN, "POLLIN"}, {POLLOUT, "POLLOUT"}, {POLLERR, "POLLERR"}, {POLLHUP, "POLLHUP"}, {POLLNVAL, "POLLNVAL"}} {
		if e&x.bit != 0 {
			names = append(names, x.name)
			e &^= x.bit
		}
	}
	if e != 0 {
		names = append(names, "0x"+strconv.FormatUint(uint64(e), 16))
	}
	return strings.Join(names, "|")
}

// PollFD is one descriptor to poll (struct pollfd): Events says what to
// wait for, Poll sets Revents to what holds. A negative FD is skipped.
type PollFD struct {
	FD      FD
	Events  PollEvent
	Revents PollEvent
}

// eventsLocked is what holds for s now, of events (and the events always
// reported). s.mu held.
func (s *socket) eventsLocked(events PollEvent) PollEvent {
	if s.closed {
		return POLLNVAL
	}
	if s.typ == Stream {
		return s.streamEventsLocked() & (events | POLLERR | POLLHUP | POLLNVAL)
	}
	var r PollEvent
	if s.q.n > 0 {
		r |= POLLIN
	}
	if s.soErr != nil {
		r |= POLLERR
	}
	if s.stopped {
		r |= POLLIN | POLLERR | POLLHUP
	} else {
		r |= POLLOUT
	}
	return r & (events | POLLERR | POLLHUP | POLLNVAL)
}

// Poll waits until one of fds is ready for what it asks (or has an error,
// or is not open), up to timeout of clock time (0: do not wait; negative:
// wait forever), and returns how many have Revents set: 0 when the
// timeout passed. It wakes on data, on an error, on a close in another
// goroutine, on the stack stopping; and returns ctx's error (wrapped)
// when ctx ends first.
func (a *API) Poll(ctx context.Context, fds []PollFD, timeout time.Duration) (int, error) {
	const op = "poll"
	var (
		w        *clock.Waiter
		watched  []*socket
		deadline time.Duration
	)
	defer func() {
		for _, s := range watched {
			s.removePoller(w)
		}
		if w != nil {
			w.Close()
		}
	}()
	if timeout > 0 {
		deadline = a.clock.Now() + timeout
	}
	for {
		// The first pass that will wait registers the waiter with each
		// socket under its mu, as it reads its state: nothing that
		// happens after the check can be missed.
		register := w == nil && timeout != 0
		if register {
			w = clock.NewWaiter(ctx, a.clock)
		}
		n := 0
		for i := range fds {
			p := &fds[i]
			p.Revents = 0
			if p.FD < 0 {
				continue
			}
			s := a.lookup(p.FD)
			if s == nil {
				p.Revents = POLLNVAL
				n++
				continue
			}
			s.mu.Lock()
			p.Revents = s.eventsLocked(p.Events)
			if register && !s.closed {
				s.addPollerLocked(w)
				watched = append(watched, s)
			}
			s.mu.Unlock()
			if p.Revents != 0 {
				n++
			}
		}
		if n > 0 || timeout == 0 {
			return n, nil
		}
		if deadline > 0 && a.clock.Now() >= deadline {
			return 0, nil
		}
		if err := w.Wait(deadline, "poll"); err != nil && err != clock.ErrTimeout {
			return 0, fail(op, -1, err, false)
		}
	}
}

// streamEventsLocked is what holds for a Stream socket now, as Linux's
// tcp_poll says it. s.mu held.
func (s *socket) streamEventsLocked() PollEvent {
	st := &s.st
	var r PollEvent
	if s.soErr != nil {
		r |= POLLERR
	}
	if s.stopped {
		return r | POLLIN | POLLERR | POLLHUP
	}
	switch st.state {
	case stListening:
		if len(st.acceptQ) > 0 {
			r |= POLLIN
		}
		return r
	case stConnecting:
		return r
	case stIdle:
		return r | POLLOUT | POLLHUP // as Linux says of a socket in CLOSE
	case stDead:
		return r | POLLIN | POLLOUT | POLLHUP
	}
	if st.rlen > 0 || st.eof || st.rdShut {
		r |= POLLIN
	}
	if st.wrShut || st.sndQueued < st.sndBuf {
		r |= POLLOUT
	}
	if st.eof && st.wrShut {
		r |= POLLHUP
	}
	return r
}
