package pitfalls

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab/netlab/core"
)

// freeRun is the progress of actors that run for real.
type freeRun struct {
	done   atomic.Int32 // actors that have ended
	others int32        // how many actors there are, less one
}

// RaceResult is what running a scenario for real found.
type RaceResult struct {
	// Rounds is how many times the scenario ran, Broken how many of them
	// broke its end-of-run invariant (races that the explorer finds at a
	// scheduling point are the race detector's to report here).
	Rounds, Broken int
	// First is the first broken round's violation, "" when none.
	First string
}

// RunForReal runs the scenario rounds times with its actors on goroutines
// of their own, all at once, with no scheduler: the real concurrency that
// the race detector watches. Built with -race, the unsafe version of a
// pitfall with HasRaceDemo makes the race detector report; the safe one
// does not.
func (p *Pitfall) RunForReal(safe bool, rounds int) (*RaceResult, error) {
	if !p.HasRaceDemo() {
		return nil, fmt.Errorf("pitfall %s has no race demonstration: its bug is a logic race the race detector cannot see (every access is locked)", p.Name)
	}
	res := &RaceResult{}
	for range rounds {
		inst, err := p.build(safe)
		if err != nil {
			return nil, err
		}
		free := &freeRun{others: int32(len(inst.Actors) - 1)}
		inst.Attach(nudger{})
		start := make(chan struct{})
		var wg sync.WaitGroup
		panics := make([]any, len(inst.Actors))
		for i, act := range inst.Actors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					panics[i] = recover()
					free.done.Add(1)
				}()
				<-start
				act.Run(&Ctx{index: i, free: free})
			}()
		}
		close(start)
		wg.Wait()
		inst.Attach(nil)
		v := ""
		for i, pv := range panics {
			if pv != nil && v == "" {
				v = fmt.Sprintf("%s crashed: %v", inst.Actors[i].Name, pv)
			}
		}
		if v == "" && inst.Check != nil {
			v = inst.Check()
		}
		inst.Close()
		res.Rounds++
		if v != "" {
			res.Broken++
			if res.First == "" {
				res.First = v
			}
		}
	}
	return res, nil
}

// pointNudge is how long an actor running for real pauses at a scheduling
// point: long enough for the other goroutines to run into the same state,
// so that the accesses overlap in every round. A pause synchronises
// nothing: the race detector sees the accesses as the code makes them.
const pointNudge = 200 * time.Microsecond

// nudger is the core.Scheduler of a real run: it schedules nothing, it
// only pauses at points and yields while a goroutine waits.
type nudger struct{}

// Point pauses the calling goroutine briefly.
func (nudger) Point(core.Point, any) { time.Sleep(pointNudge) }

// Wait yields the processor until ready holds.
func (nudger) Wait(_ core.Point, ready func() bool) {
	for !ready() {
		runtime.Gosched()
	}
}
