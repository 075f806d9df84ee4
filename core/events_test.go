package core_test

import (
	"fmt"
	"testing"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
)

// TestEventRingCountsWhatItOverwrites: the ring keeps the newest events
// (256 by default), oldest first, and the snapshot's Recorded counts every
// event recorded, so that a reader can tell how many the ring overwrote.
func TestEventRingCountsWhatItOverwrites(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{})
	before := freshSnapshot(p.env, p.a).Recorded
	p.call(p.a, func(c *core.Core) error {
		for i := range 300 {
			c.Event(nil, "test event %d", i, nil)
		}
		return nil
	})
	sn := freshSnapshot(p.env, p.a)
	if sn.Recorded != before+300 {
		t.Fatalf("Recorded %d, want %d+300", sn.Recorded, before)
	}
	if len(sn.Events) != 256 {
		t.Fatalf("%d events in the ring, want 256", len(sn.Events))
	}
	for i, e := range sn.Events {
		if want := i + 300 - 256; e.Text() != fmt.Sprintf("test event %d", want) {
			t.Fatalf("event %d is %q, want test event %d", i, e.Text(), want)
		}
		if i > 0 && e.Seq <= sn.Events[i-1].Seq {
			t.Fatalf("events out of order at %d: %d after %d", i, e.Seq, sn.Events[i-1].Seq)
		}
	}
}
