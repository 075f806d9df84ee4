package clock

import (
	"testing"
	"time"
)

type item struct {
	slot Slot
	name string
}

func (i *item) Slot() *Slot { return &i.slot }

func TestDeadlinesOrderByTimeThenArming(t *testing.T) {
	var q Deadlines[*item]
	a, b, c, d := &item{name: "a"}, &item{name: "b"}, &item{name: "c"}, &item{name: "d"}
	q.Set(b, 2*time.Second)
	q.Set(a, 2*time.Second)
	q.Set(c, time.Second)
	q.Set(d, 3*time.Second)
	q.Set(b, 2*time.Second) // re-armed: now after a
	if !q.Remove(d) || q.Remove(d) || d.slot.Queued() {
		t.Fatal("Remove reported wrongly")
	}
	if _, ok := q.PopDue(999 * time.Millisecond); ok {
		t.Fatal("a timer came out before it was due")
	}
	var got string
	for {
		x, ok := q.PopDue(time.Hour)
		if !ok {
			break
		}
		if x.slot.Queued() {
			t.Fatalf("%s still marked queued", x.name)
		}
		got += x.name
	}
	if got != "cab" || q.Len() != 0 {
		t.Fatalf("got order %q (%d left), want \"cab\"", got, q.Len())
	}
}
