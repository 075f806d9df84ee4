package ui

import (
	"strings"
	"testing"

	"github.com/netlab/netlab/core/snapshot"
)

// eventsOf builds the Data of one tick: each stack's snapshot with its
// ring (events by Seq) and its count of recorded events.
func eventsOf(stacks ...snapshot.Stack) *Data {
	d := &Data{}
	for i := range stacks {
		d.Nodes = append(d.Nodes, stacks[i].Name)
		d.Stacks = append(d.Stacks, &stacks[i])
	}
	return d
}

func ring(name string, recorded uint64, seqs ...uint64) snapshot.Stack {
	s := snapshot.Stack{Name: name, Recorded: recorded}
	for _, q := range seqs {
		s.Events = append(s.Events, snapshot.Event{Seq: q, Node: name, Kind: snapshot.EventState, Msg: "event"})
	}
	return s
}

func logSeqs(p *eventsPanel) []uint64 {
	var out []uint64
	for _, e := range p.log {
		out = append(out, e.ev.Seq)
	}
	return out
}

// TestEventsLateStackKeepsItsEvents: a stack whose snapshot was built
// before another's can bring an event older than one the panel already
// shows; the panel slots it into its place instead of losing it, also
// while paused.
func TestEventsLateStackKeepsItsEvents(t *testing.T) {
	e := &env{styles: &Styles{}, keys: &KeyMap{}}
	p := newEventsPanel(e)
	p.SetSize(80, 20)
	// a recorded 2 after its snapshot; b's snapshot already has 3.
	e.data = eventsOf(ring("a", 1, 1), ring("b", 1, 3))
	p.SetData(e.data)
	e.data = eventsOf(ring("a", 3, 1, 2, 4), ring("b", 2, 3, 5))
	p.SetData(e.data)
	if got := logSeqs(p); len(got) != 5 || got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] != 4 || got[4] != 5 {
		t.Fatalf("log %v, want [1 2 3 4 5]", got)
	}
	if p.missed != 0 {
		t.Fatalf("%d missed, want 0", p.missed)
	}
	p.paused = true
	e.data = eventsOf(ring("a", 4, 1, 2, 4, 7), ring("b", 3, 3, 5, 6))
	p.SetData(e.data)
	e.data = eventsOf(ring("a", 4, 1, 2, 4, 7), ring("b", 3, 3, 5, 6))
	p.SetData(e.data)
	if len(p.pending) != 2 || p.pending[0].ev.Seq != 6 || p.pending[1].ev.Seq != 7 {
		t.Fatalf("pending %+v, want 6 and 7 once each", p.pending)
	}
}

// TestEventsCountsWhatTheRingOverwrote: when a stack recorded more
// events between two reads than its ring holds, the panel shows what the
// ring still had and its title counts the rest.
func TestEventsCountsWhatTheRingOverwrote(t *testing.T) {
	e := &env{styles: &Styles{}, keys: &KeyMap{}}
	p := newEventsPanel(e)
	p.SetSize(80, 20)
	e.data = eventsOf(ring("a", 2, 1, 2))
	p.SetData(e.data)
	e.data = eventsOf(ring("a", 7, 6, 7)) // 3, 4 and 5 were overwritten
	p.SetData(e.data)
	if got := logSeqs(p); len(got) != 4 || got[2] != 6 || got[3] != 7 {
		t.Fatalf("log %v, want [1 2 6 7]", got)
	}
	if p.missed != 3 || !strings.Contains(p.Title(), "3 missed") {
		t.Fatalf("missed %d, title %q; want 3", p.missed, p.Title())
	}
	// Nothing new: nothing more missed.
	p.SetData(e.data)
	if p.missed != 3 {
		t.Fatalf("missed %d after a read with nothing new", p.missed)
	}
}
