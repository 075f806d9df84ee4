package pitfalls

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/netlab/netlab/core"
)

// MaxActors is how many actors a scenario may have: one or two
// application goroutines and the tcpip goroutine.
const MaxActors = 3

// DefaultPreemptions bounds the preemptions of an interleaving when there
// are too many interleavings to explore them all.
const DefaultPreemptions = 2

// allLimit is how many interleavings the explorer runs before it gives up
// on exploring them all and bounds the preemptions instead.
const allLimit = 4000

// Actor is one goroutine of a scenario. Run runs on a goroutine of its
// own, but only while the scheduler lets it: from one scheduling point to
// the next.
type Actor struct {
	Name string
	Run  func(x *Ctx)
}

// Instance is one fresh copy of a scenario's world, built for one
// interleaving.
type Instance struct {
	// Actors are the scenario's goroutines, at most MaxActors.
	Actors []Actor
	// Sched is where the world's stack sends its scheduling points: the
	// instance installs the explorer's scheduler on it (Attach).
	Attach func(h core.Scheduler)
	// Observe, when set, is called on the actor's goroutine each time an
	// actor goes on from a point; it returns a violation of the
	// invariant, or "".
	Observe func(actor int, p core.Point, arg any) string
	// Check returns a violation of the invariant once every actor has
	// ended, or "".
	Check func() string
	// Close releases the instance.
	Close func()
}

// Step is what one actor did between two scheduling points.
type Step struct {
	// Actor is the actor's index, Name its name.
	Actor int    `json:"actor"`
	Name  string `json:"name"`
	// Did lists what the actor did in the step (its notes), Reached the
	// point it then stopped at ("finished" when it ended).
	Did     []string `json:"did,omitempty"`
	Reached string   `json:"reached"`
}

// Interleaving is one explored run: its steps in order, the preemptions
// in it and the violation it found, if any.
type Interleaving struct {
	Steps       []Step `json:"steps"`
	Preemptions int    `json:"preemptions"`
	Violation   string `json:"violation,omitempty"`
}

// Exploration is what exploring a scenario found.
type Exploration struct {
	// Explored is how many interleavings ran, Broken how many broke the
	// invariant.
	Explored int `json:"explored"`
	Broken   int `json:"broken"`
	// Bound is the preemption bound, -1 when every interleaving ran.
	Bound int `json:"preemption_bound"`
	// Shortest is the shortest interleaving that broke the invariant
	// (fewest steps, then fewest preemptions, then first found); nil when
	// none did.
	Shortest *Interleaving `json:"shortest,omitempty"`
	// Sample is an interleaving that held the invariant: the one with
	// the most preemptions (then the most steps, then first found), the
	// hardest the exploration pushed the version and it held; nil when
	// every one broke. The safe version's trace shows it.
	Sample *Interleaving `json:"sample,omitempty"`
}

// Explore runs newInstance's world under every interleaving of its
// actors' scheduling points: all of them when there are at most a few
// thousand, otherwise every one with at most DefaultPreemptions
// preemptions. It is deterministic: the same scenario gives the same
// exploration every time.
func Explore(newInstance func() (*Instance, error)) (*Exploration, error) {
	e, err := explore(newInstance, -1, allLimit)
	if err == errTooMany {
		e, err = explore(newInstance, DefaultPreemptions, 0)
	}
	return e, err
}

var errTooMany = fmt.Errorf("pitfalls: too many interleavings")

// decision is one choice of the scheduler in a run.
type decision struct {
	enabled []int // actors that could run
	chosen  int
	preempt int // preemptions up to and including this choice
}

// explore enumerates interleavings depth first: each run follows a
// prefix of choices and then the default (the running actor goes on; when
// it cannot, the first enabled one), and every other choice after the
// prefix becomes a prefix to run. bound < 0 means no preemption bound;
// limit > 0 stops with errTooMany after that many runs.
func explore(newInstance func() (*Instance, error), bound, limit int) (*Exploration, error) {
	ex := &Exploration{Bound: bound}
	todo := [][]int{nil}
	for len(todo) > 0 {
		prefix := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if limit > 0 && ex.Explored >= limit {
			return nil, errTooMany
		}
		inst, err := newInstance()
		if err != nil {
			return nil, err
		}
		run, decisions, err := runOnce(inst, prefix)
		inst.Close()
		if err != nil {
			return nil, err
		}
		ex.Explored++
		if run.Violation != "" {
			ex.Broken++
			if s := ex.Shortest; s == nil || len(run.Steps) < len(s.Steps) ||
				len(run.Steps) == len(s.Steps) && run.Preemptions < s.Preemptions {
				ex.Shortest = run
			}
		} else if m := ex.Sample; m == nil || run.Preemptions > m.Preemptions ||
			run.Preemptions == m.Preemptions && len(run.Steps) > len(m.Steps) {
			ex.Sample = run
		}
		for d := len(decisions) - 1; d >= len(prefix); d-- {
			dec := decisions[d]
			before := 0
			if d > 0 {
				before = decisions[d-1].preempt
			}
			prev := -1
			if d > 0 {
				prev = decisions[d-1].chosen
			}
			for i := len(dec.enabled) - 1; i >= 0; i-- {
				alt := dec.enabled[i]
				if alt == dec.chosen {
					continue
				}
				p := before
				if alt != prev && slices.Contains(dec.enabled, prev) {
					p++
				}
				if bound >= 0 && p > bound {
					continue
				}
				next := make([]int, d+1)
				for j := 0; j < d; j++ {
					next[j] = decisions[j].chosen
				}
				next[d] = alt
				todo = append(todo, next)
			}
		}
	}
	return ex, nil
}

// scheduler runs one instance's actors one at a time; it is the
// core.Scheduler their scheduling points report to.
type scheduler struct {
	inst    *Instance
	actors  []*actorState
	cur     int
	steps   []Step
	notes   []string
	vio     string
	yielded chan struct{}
}

type actorState struct {
	name   string
	resume chan struct{}
	ready  func() bool // set while the actor waits; nil when it can go on
	done   bool
	panic  any
}

// Ctx is an actor's handle on the scheduler, or, when the actor runs for
// real (RunForReal), on the other actors' progress.
type Ctx struct {
	s     *scheduler
	index int
	free  *freeRun // set when no scheduler runs the actors
}

// Note records what the actor did, for the trace (nothing when the actor
// runs for real).
func (x *Ctx) Note(format string, args ...any) {
	if x.s != nil {
		x.s.notes = append(x.s.notes, fmt.Sprintf(format, args...))
	}
}

// Wait parks the actor until ready returns true (a scheduling point of
// its own, such as the tcpip goroutine waiting for work); running for
// real, it yields the processor until then.
func (x *Ctx) Wait(p core.Point, ready func() bool) {
	for !ready() {
		if x.s == nil {
			runtime.Gosched()
			continue
		}
		x.s.Wait(p, ready)
	}
}

// AllOthersDone reports whether every other actor has ended.
func (x *Ctx) AllOthersDone() bool {
	if x.free != nil {
		return x.free.done.Load() == x.free.others
	}
	for i, a := range x.s.actors {
		if i != x.index && !a.done {
			return false
		}
	}
	return true
}

// Point parks the calling actor at p until the scheduler picks it again.
func (s *scheduler) Point(p core.Point, arg any) {
	s.park(string(p), nil)
	if s.inst.Observe != nil {
		if v := s.inst.Observe(s.cur, p, arg); v != "" && s.vio == "" {
			s.vio = v
		}
	}
}

// Wait parks the calling actor at p until ready holds.
func (s *scheduler) Wait(p core.Point, ready func() bool) {
	s.park(string(p), ready)
}

func (s *scheduler) park(reached string, ready func() bool) {
	a := s.actors[s.cur]
	s.record(reached)
	a.ready = ready
	s.yielded <- struct{}{}
	<-a.resume
}

func (s *scheduler) record(reached string) {
	s.steps = append(s.steps, Step{Actor: s.cur, Name: s.actors[s.cur].name, Did: s.notes, Reached: reached})
	s.notes = nil
}

// runOnce runs inst's actors following prefix, then the default choices.
func runOnce(inst *Instance, prefix []int) (*Interleaving, []decision, error) {
	if len(inst.Actors) == 0 || len(inst.Actors) > MaxActors {
		return nil, nil, fmt.Errorf("pitfalls: %d actors (1 to %d)", len(inst.Actors), MaxActors)
	}
	s := &scheduler{inst: inst, cur: -1, yielded: make(chan struct{})}
	inst.Attach(s)
	attached := true
	defer func() {
		if attached {
			inst.Attach(nil)
		}
	}()
	for i, act := range inst.Actors {
		a := &actorState{name: act.Name, resume: make(chan struct{})}
		s.actors = append(s.actors, a)
		go func() {
			<-a.resume
			defer func() {
				a.panic = recover()
				s.record("finished")
				a.done = true
				s.yielded <- struct{}{}
			}()
			act.Run(&Ctx{s: s, index: i})
		}()
	}
	var decisions []decision
	preempt := 0
	for {
		var enabled []int
		for i, a := range s.actors {
			if !a.done && (a.ready == nil || a.ready()) {
				enabled = append(enabled, i)
			}
		}
		if len(enabled) == 0 {
			break
		}
		prev := s.cur
		chosen := enabled[0]
		if d := len(decisions); d < len(prefix) {
			chosen = prefix[d]
			if !slices.Contains(enabled, chosen) {
				return nil, nil, fmt.Errorf("pitfalls: replay diverged at choice %d (a scenario is not deterministic)", d)
			}
		} else if slices.Contains(enabled, prev) {
			chosen = prev
		}
		if chosen != prev && slices.Contains(enabled, prev) {
			preempt++
		}
		decisions = append(decisions, decision{enabled: enabled, chosen: chosen, preempt: preempt})
		s.cur = chosen
		a := s.actors[chosen]
		a.ready = nil
		a.resume <- struct{}{}
		<-s.yielded
		if len(decisions) > 10000 {
			return nil, nil, fmt.Errorf("pitfalls: an interleaving ran over 10000 steps")
		}
	}
	inst.Attach(nil) // Check may call into the stack: no actor runs now
	attached = false
	for _, a := range s.actors {
		if a.panic != nil && s.vio == "" {
			s.vio = fmt.Sprintf("%s crashed: %v", a.name, a.panic)
		}
	}
	var stuck []string
	for _, a := range s.actors {
		if !a.done {
			stuck = append(stuck, a.name)
		}
	}
	if len(stuck) > 0 {
		// Leave the stuck actors parked: they hold nothing the next
		// instance shares.
		if s.vio == "" {
			s.vio = fmt.Sprintf("deadlock: %v wait for each other", stuck)
		}
	} else if s.vio == "" && inst.Check != nil {
		s.vio = inst.Check()
	}
	return &Interleaving{Steps: s.steps, Preemptions: preempt, Violation: s.vio}, decisions, nil
}
