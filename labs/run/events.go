package run

import (
	"sync"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
)

// eventLog keeps every state event of every stack of a world, for the
// expectations of events: a snapshot carries only a stack's most recent
// events, and an expectation counts them all since the lab started. It
// keeps the events as the stacks recorded them (plain values, formatted
// only when an expectation reads them), and only state events (netifs,
// addresses, ARP, routes, reassembly, protocols): frames in and out are
// recorded only when a run asks for packet events, and a lab's outcome
// must not depend on that.
type eventLog struct {
	mu     sync.Mutex
	byNode map[string][]snapshot.Event
}

// needsEvents reports whether a lab has an expectation of events.
func needsEvents(lab *labs.Lab) bool {
	for _, st := range lab.Steps {
		if e, ok := st.Action.(*labs.Expect); ok && e.Subject() == labs.SubjectEvent {
			return true
		}
	}
	return false
}

// hook returns the function a stack calls with each event it records: it
// keeps state events, then calls next. It runs on tcpip goroutines: it
// only appends under a mutex that nothing holds for long.
func (l *eventLog) hook(next func(*snapshot.Event)) func(*snapshot.Event) {
	return func(e *snapshot.Event) {
		if e.Kind == snapshot.EventState {
			ev := *e
			ev.Frame = nil // state events carry none; never keep the ring's buffer
			l.mu.Lock()
			l.byNode[ev.Node] = append(l.byNode[ev.Node], ev)
			l.mu.Unlock()
		}
		if next != nil {
			next(e)
		}
	}
}

// of returns the state events node has recorded so far, oldest first. The
// events are shared: callers must not change them.
func (l *eventLog) of(node string) []snapshot.Event {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	evs := l.byNode[node]
	return evs[:len(evs):len(evs)]
}
