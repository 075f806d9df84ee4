package run_test

import (
	"context"
	"testing"
	"time"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
	"github.com/netlab/netlab/netifapi"
)

// TestStart runs quickstart in the background, as the TUI does: the
// steps go from pending to passed, the report comes, the clock runs on,
// and Act reaches the stacks as an actor.
func TestStart(t *testing.T) {
	lab, err := labs.Builtin("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	w, err := run.Build(lab, run.Options{Speed: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, s := range w.Steps() {
		if s.Status != run.Pending {
			t.Fatalf("before Start, step %d is %s", s.Index, s.Status)
		}
	}
	w.Start(context.Background())
	select {
	case <-w.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not end")
	}
	rep := w.Report()
	if rep == nil || !rep.Passed {
		t.Fatalf("report %+v", rep)
	}
	for _, s := range w.Steps() {
		if s.Status != run.Passed {
			t.Fatalf("step %d %s is %s", s.Index, s.Name, s.Status)
		}
	}
	if st := w.ClockState(); !st.Virtual || st.Paused || st.Speed != 100 {
		t.Fatalf("clock state %+v: the clock must run on", st)
	}
	before := w.ClockState().Now
	err = w.Act(context.Background(), "test", func(ctx context.Context) error {
		return netifapi.SetMTU(ctx, w.Node("a").Stack, "eth0", 1400)
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := netifapi.Get(context.Background(), w.Node("a").Stack, "eth0")
	if err != nil || n.MTU != 1400 {
		t.Fatalf("MTU %d, %v", n.MTU, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.ClockState().Now <= before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if w.ClockState().Now <= before {
		t.Fatal("the clock did not run on after the steps")
	}
	if got := len(w.LinkStats()); got != 1 {
		t.Fatalf("%d link stats", got)
	}
	if free := w.FreeEndpoints("a", nil); len(free) != 1 || free[0] != "eth0" {
		t.Fatalf("free endpoints %q", free)
	}
	w.Close()
	if err := w.Act(context.Background(), "late", func(context.Context) error { return nil }); err != run.ErrClosed {
		t.Fatalf("Act after Close: %v", err)
	}
}

// TestCloseDuringStart closes a world while its run is in its first
// steps: nothing may hang or leak.
func TestCloseDuringStart(t *testing.T) {
	for _, name := range labs.BuiltinNames() {
		lab, err := labs.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := run.Build(lab, run.Options{Speed: 1})
		if err != nil {
			t.Fatal(err)
		}
		w.Start(context.Background())
		time.Sleep(20 * time.Millisecond)
		w.Close()
		<-w.Done()
	}
}
