package pitfalls

import (
	"reflect"
	"testing"
)

// TestEveryPitfallBreaksUnsafeAndHoldsSafe: the unsafe version of each
// scenario has at least one interleaving that breaks its invariant, with
// a trace whose steps come from more than one actor; the safe version,
// explored the same way, has none.
func TestEveryPitfallBreaksUnsafeAndHoldsSafe(t *testing.T) {
	if got := len(All()); got != 7 {
		t.Fatalf("%d pitfalls, want 7", got)
	}
	for i, p := range All() {
		if p.Number != i+1 {
			t.Fatalf("pitfall %d is number %d", i+1, p.Number)
		}
		t.Run(p.Name, func(t *testing.T) {
			unsafe, err := p.Explore(false)
			if err != nil {
				t.Fatal(err)
			}
			if !Holds(unsafe, false) || unsafe.Shortest == nil {
				t.Fatalf("unsafe: %d of %d interleavings broke %q, want at least one", unsafe.Broken, unsafe.Explored, p.Invariant)
			}
			actors := map[int]bool{}
			for _, s := range unsafe.Shortest.Steps {
				actors[s.Actor] = true
			}
			if len(actors) < 2 {
				t.Errorf("shortest breaking interleaving has steps of %d actor(s): %+v", len(actors), unsafe.Shortest.Steps)
			}
			safe, err := p.Explore(true)
			if err != nil {
				t.Fatal(err)
			}
			if !Holds(safe, true) {
				t.Fatalf("safe: %d of %d interleavings broke the invariant; shortest: %+v", safe.Broken, safe.Explored, safe.Shortest)
			}
			if m := safe.Sample; m == nil || m.Violation != "" || len(m.Steps) == 0 {
				t.Errorf("safe: sample %+v, want an interleaving that held", m)
			} else if m.Preemptions == 0 && safe.Explored > 1 {
				t.Errorf("safe: the sample has no preemption, though %d interleavings ran", safe.Explored)
			}
			if safe.Bound != unsafe.Bound {
				t.Errorf("safe explored with preemption bound %d, unsafe with %d", safe.Bound, unsafe.Bound)
			}
			t.Logf("unsafe %d/%d broken (%s); safe 0/%d", unsafe.Broken, unsafe.Explored, unsafe.Shortest.Violation, safe.Explored)
		})
	}
}

// TestExplorationIsDeterministic: exploring twice gives the same counts
// and the same shortest interleaving, step for step.
func TestExplorationIsDeterministic(t *testing.T) {
	for _, name := range []string{"netif-add", "shared-socket", "core-direct"} {
		p, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		a, err := p.Explore(false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.Explore(false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two explorations differ:\n%+v\n%+v", name, a, b)
		}
	}
}

// TestBrokenSafePathIsCaught: with every Call skipping the tcpip
// goroutine's inbox (netifapi and sockets then touch the core from the
// caller's goroutine), the explorer finds every safe version breaking.
func TestBrokenSafePathIsCaught(t *testing.T) {
	BreakSafePath(true)
	defer BreakSafePath(false)
	for _, p := range All() {
		name := p.Name
		e, err := p.Explore(true)
		if err != nil {
			t.Fatal(err)
		}
		if e.Broken == 0 {
			t.Errorf("%s: the broken safe path broke none of %d interleavings", name, e.Explored)
		} else {
			t.Logf("%s: %d/%d broken: %s", name, e.Broken, e.Explored, e.Shortest.Violation)
		}
	}
}

// TestPreemptionBoundPrunes: bounding the preemptions explores fewer
// interleavings than exploring them all, and with no preemptions at all
// the two adds never overlap.
func TestPreemptionBoundPrunes(t *testing.T) {
	p, _ := Lookup("netif-add")
	build := func() (*Instance, error) { return p.build(false) }
	all, err := explore(build, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	two, err := explore(build, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	zero, err := explore(build, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !(zero.Explored < two.Explored && two.Explored <= all.Explored) {
		t.Errorf("explored: bound 0 %d, bound 2 %d, all %d: want increasing", zero.Explored, two.Explored, all.Explored)
	}
	if zero.Broken != 0 {
		t.Errorf("with no preemption %d interleavings broke: adds ran one after the other", zero.Broken)
	}
	if two.Broken == 0 {
		t.Errorf("with two preemptions nothing broke")
	}
	if _, err := explore(build, -1, 3); err != errTooMany {
		t.Errorf("limit 3: err %v, want errTooMany", err)
	}
}

func TestLookup(t *testing.T) {
	if p, err := Lookup("4"); err != nil || p.Name != "fd-reuse" {
		t.Errorf("Lookup(4) = %v, %v", p, err)
	}
	if _, err := Lookup("nope"); err == nil {
		t.Error("Lookup(nope) found something")
	}
}
