// Package pitfalls reproduces the classic multithreading bugs of a
// network stack whose core is not thread safe (lwIP's multithreading
// notes), each in two versions: unsafe, through the core's unsafe door
// (core/unsafecore) or the sockets layer's classic modes, and safe,
// through the real netifapi and sockets code. A deterministic scheduler
// runs a scenario's actors (application goroutines and the tcpip
// goroutine) one at a time, switching only at the named scheduling points
// of the core, sockets and DHCP code, and an explorer enumerates the
// interleavings, checking the scenario's invariant after each.
//
// Which goroutine: Explore and the scenarios run on the caller's (the
// explorer) goroutine, which starts one goroutine per actor and lets only
// one of them run at a time. The race demonstrations (race.go) run their
// goroutines for real.
package pitfalls

import (
	"fmt"
	"sort"
)

// Pitfall is one classic bug and its scenario.
type Pitfall struct {
	// Number is the pitfall's number in lwIP's list (1 to 7), Name its
	// command-line name, Title one line about it.
	Number int
	Name   string
	Title  string
	// Invariant is what the scenario checks after every interleaving.
	Invariant string
	// Explanation says what goes wrong, why, and which API prevents it.
	Explanation string
	// Unsafe names what the unsafe version goes through, Safe the API the
	// safe version goes through.
	Unsafe, Safe string
	// build returns a fresh instance of the unsafe (safe false) or safe
	// scenario.
	build func(safe bool) (*Instance, error)
	// raceDemo says the unsafe scenario, run for real, is a data race the
	// race detector reports (RunForReal).
	raceDemo bool
}

// HasRaceDemo reports whether the pitfall has a real-concurrency
// demonstration: whether its unsafe version is a data race (pitfalls 4
// and 6 are logic races: every access is locked, the detector sees
// nothing).
func (p *Pitfall) HasRaceDemo() bool { return p.raceDemo }

// Explore explores the unsafe (safe false) or safe version.
func (p *Pitfall) Explore(safe bool) (*Exploration, error) {
	return Explore(func() (*Instance, error) { return p.build(safe) })
}

// Holds reports whether an exploration shows what the version should:
// the unsafe version breaks in at least one interleaving, the safe one in
// none.
func Holds(e *Exploration, safe bool) bool {
	if safe {
		return e.Broken == 0 && e.Explored > 0
	}
	return e.Broken > 0
}

var all []*Pitfall

func register(p *Pitfall) {
	all = append(all, p)
	sort.Slice(all, func(i, j int) bool { return all[i].Number < all[j].Number })
}

// All returns the pitfalls in order.
func All() []*Pitfall { return all }

// Lookup returns the pitfall named name (or numbered, "1" to "7").
func Lookup(name string) (*Pitfall, error) {
	for _, p := range all {
		if p.Name == name || fmt.Sprint(p.Number) == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no pitfall %q (netlab pitfall list shows them)", name)
}
