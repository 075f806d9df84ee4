package mem

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link"
)

// countingReceiver counts and releases what it receives.
type countingReceiver struct{ frames atomic.Uint64 }

func (r *countingReceiver) Receive(batch []*link.Buffer) {
	r.frames.Add(uint64(len(batch)))
	release(batch)
}

// TestStressRealClock has several goroutines transmit through impaired
// pipes and a switch on the real clock, while another changes the
// impairments and reads the counters; -race checks the locking, and every
// frame must be accounted for once the links drain.
func TestStressRealClock(t *testing.T) {
	clk := clock.NewReal()
	sw := NewSwitch("sw", clk)
	const hosts, frames = 4, 3000
	imps := []Impairments{
		{Loss: 0.01, Duplicate: 0.01, Reorder: 0.05, Corrupt: 0.01, Delay: 200 * time.Microsecond, Jitter: 100 * time.Microsecond},
		{Rate: 1_000_000_000, Queue: 50},
		{},
	}
	var pipes []*Pipe
	var rxs []*countingReceiver
	for h := range hosts {
		p := NewPipe(fmt.Sprint("h", h), clk, uint64(h), imps[0])
		r := &countingReceiver{}
		p.A().SetReceiver(r)
		sw.Attach(p.B())
		pipes = append(pipes, p)
		rxs = append(rxs, r)
	}
	var senders sync.WaitGroup
	for h := range hosts {
		senders.Go(func() {
			for i := range frames {
				dst := mac((h + 1 + i%3) % hosts)
				if i%50 == 0 {
					dst = broadcast
				}
				pipes[h].A().Transmit(frame(dst, mac(h), uint32(i), 60+i%1400))
				if i%500 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	stop := make(chan struct{})
	var meddler sync.WaitGroup
	meddler.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			for _, p := range pipes {
				if err := p.SetImpairments(imps[i%len(imps)]); err != nil {
					t.Error(err)
				}
				_ = p.Stats().String()
			}
			_ = sw.Stats()
		}
	})
	senders.Wait()
	close(stop)
	meddler.Wait()
	for _, p := range pipes {
		if err := p.SetImpairments(Impairments{}); err != nil {
			t.Fatal(err)
		}
	}
	waitQuiet(t, pipes)
	var delivered uint64
	for h, p := range pipes {
		st := p.Stats()
		checkConservation(t, p.Name()+" A->B", st.AtoB)
		checkConservation(t, p.Name()+" B->A", st.BtoA)
		if st.AtoB.TxFrames != frames {
			t.Errorf("%s: got %d frames transmitted, want %d", p.Name(), st.AtoB.TxFrames, frames)
		}
		if got := rxs[h].frames.Load(); got != st.BtoA.RxFrames {
			t.Errorf("%s: receiver got %d, pipe says %d", p.Name(), got, st.BtoA.RxFrames)
		}
		delivered += st.BtoA.RxFrames
		p.Close()
	}
	if delivered == 0 {
		t.Error("nothing was delivered")
	}
	sst := sw.Stats()
	var in uint64
	for _, ps := range sst.Ports {
		in += ps.InFrames
	}
	if in != sst.Forwarded+sst.Flooded+sst.Filtered+sst.Runts {
		t.Errorf("switch: %d in, but forwarded %d + flooded %d + filtered %d + runts %d",
			in, sst.Forwarded, sst.Flooded, sst.Filtered, sst.Runts)
	}
}

// waitQuiet waits until nothing moves on pipes: every frame accounted for,
// nothing queued, and the counters unchanged over a whole pass.
func waitQuiet(t *testing.T, pipes []*Pipe) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var prev []Stats
	for {
		var now []Stats
		quiet := true
		for _, p := range pipes {
			st := p.Stats()
			now = append(now, st)
			quiet = quiet && conserved(st.AtoB) && conserved(st.BtoA) && st.AtoB.Queued+st.BtoA.Queued == 0
		}
		if quiet && fmt.Sprint(now) == fmt.Sprint(prev) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("links did not drain: %v", now)
		}
		prev = now
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStressConcurrentTransmitOnOneSide has several goroutines share one
// side of a pipe (a zero-delay one and a delayed one), which the scratch
// batch and the queue must survive.
func TestStressConcurrentTransmitOnOneSide(t *testing.T) {
	for _, imp := range []Impairments{{}, {Delay: 50 * time.Microsecond, Jitter: 50 * time.Microsecond}} {
		clk := clock.NewReal()
		p := NewPipe("p", clk, 1, imp)
		r := &countingReceiver{}
		p.B().SetReceiver(r)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 2000 {
					p.A().Transmit(frame(mac(2), mac(g), uint32(i), 60))
				}
			})
		}
		wg.Wait()
		deadline := time.Now().Add(30 * time.Second)
		for r.frames.Load()+p.Stats().AtoB.Dropped() < 8000 {
			if time.Now().After(deadline) {
				t.Fatalf("%v: got %d frames, stats %v", imp, r.frames.Load(), p.Stats().AtoB)
			}
			time.Sleep(time.Millisecond)
		}
		p.Close()
		checkConservation(t, imp.String(), p.Stats().AtoB)
	}
}
