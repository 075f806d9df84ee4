package mem

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"testing"
	"time"

	"github.com/netlab/netlab/core/link"
)

// newTestPipe returns a pipe on a manual clock with recorders on both
// sides.
func newTestPipe(t *testing.T, seed uint64, imp Impairments) (*Pipe, *manualClock, *recorder, *recorder) {
	t.Helper()
	clk := newManualClock()
	p := NewPipe("h1:eth0<->h2:eth0", clk, seed, imp)
	ra, rb := &recorder{}, &recorder{}
	p.A().SetReceiver(ra)
	p.B().SetReceiver(rb)
	t.Cleanup(p.Close)
	return p, clk, ra, rb
}

func TestPipeDeliversIntactInOrder(t *testing.T) {
	p, clk, ra, rb := newTestPipe(t, 1, Impairments{})
	clk.Advance(time.Second)
	for i := range 100 {
		f := frame(mac(2), mac(1), uint32(i), 60+i)
		want := slices.Clone(f)
		p.A().Transmit(f)
		clear(f) // the pipe must have copied it
		got := rb.frames()
		if len(got) != i+1 {
			t.Fatalf("after %d frames: B got %d, want delivery at once", i+1, len(got))
		}
		if !bytes.Equal(got[i].data, want) {
			t.Fatalf("frame %d: got % x, want % x", i, got[i].data, want)
		}
		if got[i].at != time.Second {
			t.Fatalf("frame %d: got At %v, want 1s", i, got[i].at)
		}
	}
	p.B().Transmit(frame(mac(1), mac(2), 7, 60))
	if got := ra.frames(); len(got) != 1 || seqOf(got[0].data) != 7 {
		t.Fatalf("A got %v, want one frame seq 7", seqs(got))
	}
	if clk.Armed() != 0 {
		t.Errorf("a perfect wire armed %d timers", clk.Armed())
	}
	st := p.Stats()
	if st.AtoB.TxFrames != 100 || st.AtoB.RxFrames != 100 || st.BtoA.RxFrames != 1 || st.AtoB.Dropped() != 0 {
		t.Errorf("got stats %+v", st)
	}
	checkConservation(t, "A->B", st.AtoB)
	if got, want := p.A().Name(), "h1:eth0<->h2:eth0/A"; got != want {
		t.Errorf("got A().Name() = %q, want %q", got, want)
	}
}

func TestPipeDelayShiftsDeliveryExactly(t *testing.T) {
	const delay = 10 * time.Millisecond
	p, clk, _, rb := newTestPipe(t, 1, Impairments{Delay: delay})
	p.A().Transmit(frame(mac(2), mac(1), 0, 60))
	clk.Advance(3 * time.Millisecond)
	p.A().Transmit(frame(mac(2), mac(1), 1, 60))
	p.A().Transmit(frame(mac(2), mac(1), 2, 60))
	clk.AdvanceTo(delay - 1)
	if n := rb.len(); n != 0 {
		t.Fatalf("got %d frames before the delay passed", n)
	}
	if q := p.Stats().AtoB.Queued; q != 3 {
		t.Fatalf("got Queued = %d, want 3", q)
	}
	clk.AdvanceTo(delay)
	if n := rb.len(); n != 1 {
		t.Fatalf("at %v: got %d frames, want 1", delay, n)
	}
	clk.Advance(time.Hour)
	got := rb.frames()
	want := []time.Duration{delay, delay + 3*time.Millisecond, delay + 3*time.Millisecond}
	for i, a := range got {
		if a.at != want[i] || seqOf(a.data) != uint32(i) {
			t.Errorf("frame %d: got seq %d at %v, want seq %d at %v", i, seqOf(a.data), a.at, i, want[i])
		}
	}
	if clk.Armed() != 0 {
		t.Errorf("%d timers still armed with nothing queued", clk.Armed())
	}
	checkConservation(t, "A->B", p.Stats().AtoB)
}

func TestPipeRateSerialises(t *testing.T) {
	for _, delay := range []time.Duration{0, 2 * time.Millisecond} {
		p, clk, _, rb := newTestPipe(t, 1, Impairments{Rate: 8_000_000, Delay: delay})
		for i := range 5 {
			p.A().Transmit(frame(mac(2), mac(1), uint32(i), 1000))
		}
		clk.Advance(time.Second)
		for i, a := range rb.frames() {
			if want := delay + time.Duration(i+1)*time.Millisecond; a.at != want {
				t.Errorf("delay %v: frame %d arrived at %v, want %v", delay, i, a.at, want)
			}
		}
		// An idle wire does not bank time: a frame sent later waits only
		// for its own serialisation.
		p.A().Transmit(frame(mac(2), mac(1), 9, 1000))
		clk.Advance(time.Second)
		got := rb.frames()
		if last := got[len(got)-1]; last.at != time.Second+delay+time.Millisecond {
			t.Errorf("delay %v: a frame on an idle wire arrived at %v, want %v", delay, last.at, time.Second+delay+time.Millisecond)
		}
	}
}

func TestSerialisation(t *testing.T) {
	for _, c := range []struct {
		n    int
		rate uint64
		want time.Duration
	}{
		{1000, 8_000_000, time.Millisecond},
		{1500, 1_000_000_000, 12 * time.Microsecond},
		{1, 3, 2666666667}, // rounded up
		{100, 0, 0},
		{link.MaxFrame, 1, 72112 * time.Second},
	} {
		if got := serialisation(c.n, c.rate); got != c.want {
			t.Errorf("got serialisation(%d, %d) = %v, want %v", c.n, c.rate, got, c.want)
		}
	}
}

// delivered transmits n numbered frames on a fresh pipe with imp and seed
// and returns the sequence numbers B received.
func delivered(t *testing.T, seed uint64, imp Impairments, n int) ([]uint32, Stats) {
	t.Helper()
	p, clk, _, rb := newTestPipe(t, seed, imp)
	for i := range n {
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
		clk.Advance(time.Microsecond)
	}
	clk.Advance(time.Hour)
	st := p.Stats()
	checkConservation(t, "A->B", st.AtoB)
	return seqs(rb.frames()), st
}

func TestPipeLossIsNearItsProbabilityAndReproducible(t *testing.T) {
	const n = 10000
	imp := Impairments{Loss: 0.1}
	first, st := delivered(t, 42, imp, n)
	// Binomial(10000, 0.1): mean 1000, sd 30.
	if st.AtoB.Lost < 880 || st.AtoB.Lost > 1120 {
		t.Errorf("lost %d of %d at loss 10%%, want about 1000", st.AtoB.Lost, n)
	}
	if len(first)+int(st.AtoB.Lost) != n {
		t.Errorf("delivered %d + lost %d != %d", len(first), st.AtoB.Lost, n)
	}
	again, _ := delivered(t, 42, imp, n)
	if !slices.Equal(first, again) {
		t.Errorf("the same seed lost different frames")
	}
	other, _ := delivered(t, 43, imp, n)
	if slices.Equal(first, other) {
		t.Errorf("seeds 42 and 43 lost the same frames")
	}
	// The directions draw from different sources.
	p, _, ra, rb := newTestPipe(t, 42, imp)
	for i := range 1000 {
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
		p.B().Transmit(frame(mac(1), mac(2), uint32(i), 60))
	}
	if slices.Equal(seqs(ra.frames()), seqs(rb.frames())) {
		t.Errorf("both directions lost the same frames")
	}
}

func TestPipeDuplicate(t *testing.T) {
	got, st := delivered(t, 1, Impairments{Duplicate: 1}, 100)
	if len(got) != 200 || st.AtoB.Duplicated != 100 {
		t.Fatalf("duplicate 100%%: got %d frames, %d duplicated; want 200, 100", len(got), st.AtoB.Duplicated)
	}
	for i := range 100 {
		if got[2*i] != uint32(i) || got[2*i+1] != uint32(i) {
			t.Fatalf("got %v, want every frame twice in order", got[:2*i+2])
		}
	}
	_, st = delivered(t, 1, Impairments{Duplicate: 0.3, Delay: time.Millisecond}, 10000)
	if d := st.AtoB.Duplicated; d < 2800 || d > 3200 {
		t.Errorf("duplicate 30%%: %d of 10000 duplicated", d)
	}
}

func TestPipeCorruptFlipsExactlyOneBitOfACopy(t *testing.T) {
	for _, imp := range []Impairments{{Corrupt: 1}, {Corrupt: 1, Delay: time.Millisecond}} {
		p, clk, _, rb := newTestPipe(t, 7, imp)
		var sent [][]byte
		for i := range 200 {
			f := frame(mac(2), mac(1), uint32(i), 60+i)
			keep := slices.Clone(f)
			p.A().Transmit(f)
			if !bytes.Equal(f, keep) {
				t.Fatalf("%v: the sender's buffer changed", imp)
			}
			sent = append(sent, keep)
		}
		clk.Advance(time.Second)
		got := rb.frames()
		if len(got) != len(sent) {
			t.Fatalf("%v: got %d frames, want %d", imp, len(got), len(sent))
		}
		positions := map[int]bool{}
		for i, a := range got {
			diff := 0
			for j := range a.data {
				if x := a.data[j] ^ sent[i][j]; x != 0 {
					diff += bits.OnesCount8(x)
					positions[j] = true
				}
			}
			if diff != 1 {
				t.Fatalf("%v: frame %d differs in %d bits, want 1", imp, i, diff)
			}
		}
		if len(positions) < 50 {
			t.Errorf("%v: flips hit only %d distinct bytes", imp, len(positions))
		}
		if c := p.Stats().AtoB.Corrupted; c != 200 {
			t.Errorf("%v: got Corrupted = %d, want 200", imp, c)
		}
	}
}

func TestPipeReorder(t *testing.T) {
	const delay = 10 * time.Millisecond
	p, clk, _, rb := newTestPipe(t, 3, Impairments{Delay: delay, Reorder: 0.25})
	sentAt := map[uint32]time.Duration{}
	for i := range 1000 {
		sentAt[uint32(i)] = clk.Now()
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
		clk.Advance(100 * time.Microsecond)
	}
	clk.Advance(time.Second)
	got := rb.frames()
	st := p.Stats().AtoB
	if len(got) != 1000 {
		t.Fatalf("got %d frames, want 1000", len(got))
	}
	if r := st.Reordered; r < 200 || r > 300 {
		t.Errorf("reordered %d of 1000 at 25%%", r)
	}
	if slices.IsSorted(seqs(got)) {
		t.Fatalf("nothing was reordered")
	}
	var kept []uint32
	reordered := 0
	for _, a := range got {
		s := seqOf(a.data)
		switch a.at {
		case sentAt[s]:
			reordered++
		case sentAt[s] + delay:
			kept = append(kept, s)
		default:
			t.Fatalf("frame %d sent at %v arrived at %v: neither at once nor after the delay", s, sentAt[s], a.at)
		}
	}
	if uint64(reordered) != st.Reordered {
		t.Errorf("%d frames skipped the delay, Reordered says %d", reordered, st.Reordered)
	}
	if !slices.IsSorted(kept) {
		t.Errorf("frames that were not chosen for reordering came out of order")
	}
}

func TestPipeJitterDoesNotReorder(t *testing.T) {
	const delay, jitter = 10 * time.Millisecond, 5 * time.Millisecond
	p, clk, _, rb := newTestPipe(t, 5, Impairments{Delay: delay, Jitter: jitter})
	sentAt := map[uint32]time.Duration{}
	for i := range 2000 {
		sentAt[uint32(i)] = clk.Now()
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
		clk.Advance(100 * time.Microsecond)
	}
	clk.Advance(time.Second)
	got := rb.frames()
	if len(got) != 2000 || !slices.IsSorted(seqs(got)) {
		t.Fatalf("got %d frames, sorted %v; want 2000 in order", len(got), slices.IsSorted(seqs(got)))
	}
	var prev time.Duration
	spread := map[time.Duration]bool{}
	for _, a := range got {
		s := seqOf(a.data)
		lat := a.at - sentAt[s]
		if lat < delay || a.at < prev || lat >= delay+jitter && a.at != prev {
			t.Fatalf("frame %d: latency %v (arrived %v, previous %v)", s, lat, a.at, prev)
		}
		prev = a.at
		spread[lat] = true
	}
	if len(spread) < 100 {
		t.Errorf("only %d distinct latencies: jitter is not random", len(spread))
	}
}

func TestPipeQueueFullDropsAndCounts(t *testing.T) {
	p, clk, _, rb := newTestPipe(t, 1, Impairments{Delay: time.Second, Queue: 10})
	for i := range 15 {
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
	}
	st := p.Stats().AtoB
	if st.Queued != 10 || st.QueueFull != 5 {
		t.Fatalf("got queued %d, queue-full %d; want 10, 5", st.Queued, st.QueueFull)
	}
	if d := st.Drops(); len(d) != 1 || d[0] != (Drop{"queue-full", 5}) {
		t.Errorf("got Drops() = %v", d)
	}
	clk.Advance(time.Second)
	if got := seqs(rb.frames()); !slices.Equal(got, []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("got %v, want the first 10", got)
	}
	checkConservation(t, "A->B", p.Stats().AtoB)

	// The default queue is DefaultQueue frames.
	p2, _, _, _ := newTestPipe(t, 1, Impairments{Delay: time.Second})
	for i := range DefaultQueue + 3 {
		p2.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
	}
	if st := p2.Stats().AtoB; st.Queued != DefaultQueue || st.QueueFull != 3 {
		t.Errorf("default queue: got queued %d, queue-full %d", st.Queued, st.QueueFull)
	}
}

func TestPipeChangeImpairmentsWhileFlowing(t *testing.T) {
	p, clk, _, rb := newTestPipe(t, 1, Impairments{Delay: 10 * time.Millisecond})
	send := func(from, to int) {
		for i := from; i < to; i++ {
			p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
		}
	}
	send(0, 5)
	clk.Advance(time.Millisecond)
	if err := p.SetImpairments(Impairments{}); err != nil {
		t.Fatal(err)
	}
	send(5, 10) // must not overtake the five still waiting
	if n := rb.len(); n != 0 {
		t.Fatalf("got %d frames ahead of the queued ones", n)
	}
	clk.Advance(9 * time.Millisecond)
	send(10, 15) // the queue is empty again: straight through
	if got := seqs(rb.frames()); !slices.Equal(got, []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}) {
		t.Fatalf("got %v, want 0..14 in order", got)
	}
	if err := p.SetImpairments(Impairments{Loss: 1}); err != nil {
		t.Fatal(err)
	}
	send(15, 20)
	if got := p.Impairments(); got != (Impairments{Loss: 1}) {
		t.Errorf("got Impairments() = %v", got)
	}
	err := p.SetImpairments(Impairments{Loss: 2})
	if !errors.Is(err, ErrBadImpairments) {
		t.Errorf("got %v, want ErrBadImpairments", err)
	}
	if got := p.Impairments(); got != (Impairments{Loss: 1}) {
		t.Errorf("a bad SetImpairments changed the impairments to %v", got)
	}
	st := p.Stats()
	if st.AtoB.Lost != 5 || st.AtoB.RxFrames != 15 || st.Impair.Loss != 1 {
		t.Errorf("got %+v", st)
	}
	checkConservation(t, "A->B", st.AtoB)
}

func TestPipeCloseReleasesQueuedBuffersAndStopsTimers(t *testing.T) {
	p, clk, ra, rb := newTestPipe(t, 1, Impairments{Delay: time.Second})
	for i := range 5 {
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
		p.B().Transmit(frame(mac(1), mac(2), uint32(i), 60))
	}
	var queued []*link.Buffer
	for _, d := range []*dir{&p.ab, &p.ba} {
		for i := range d.q.len() {
			queued = append(queued, d.q.buf[(d.q.head+i)&(len(d.q.buf)-1)].b)
		}
	}
	if len(queued) != 10 || clk.Armed() != 2 {
		t.Fatalf("got %d queued, %d timers armed; want 10, 2", len(queued), clk.Armed())
	}
	p.Close()
	p.Close()
	for i, b := range queued {
		if b.Data != nil {
			t.Errorf("queued buffer %d was not released", i)
		}
	}
	if clk.Armed() != 0 {
		t.Errorf("%d timers armed after Close", clk.Armed())
	}
	clk.Advance(time.Hour)
	p.A().Transmit(frame(mac(2), mac(1), 99, 60))
	if ra.len()+rb.len() != 0 {
		t.Errorf("frames delivered after Close")
	}
	st := p.Stats()
	if st.AtoB.Closed != 6 || st.BtoA.Closed != 5 || st.AtoB.Queued != 0 {
		t.Errorf("got %+v, want 6 and 5 closed", st)
	}
	checkConservation(t, "A->B", st.AtoB)
	checkConservation(t, "B->A", st.BtoA)
}

func TestPipeNoReceiverAndTooBig(t *testing.T) {
	clk := newManualClock()
	p := NewPipe("p", clk, 1, Impairments{})
	defer p.Close()
	p.A().Transmit(frame(mac(2), mac(1), 0, 60))
	p.A().Transmit(make([]byte, link.MaxFrame+1))
	rb := &recorder{}
	p.B().SetReceiver(rb)
	p.A().Transmit(make([]byte, link.MaxFrame))
	if err := p.SetImpairments(Impairments{Delay: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	p.A().Transmit(frame(mac(2), mac(1), 1, 60))
	p.B().SetReceiver(nil)
	clk.Advance(time.Second)
	st := p.Stats().AtoB
	if st.NoReceiver != 2 || st.TooBig != 1 || st.RxFrames != 1 || rb.len() != 1 {
		t.Errorf("got %v", st)
	}
	checkConservation(t, "A->B", st)
}

func TestNewPipePanicsOnBadImpairments(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewPipe took a negative delay")
		}
	}()
	NewPipe("p", newManualClock(), 1, Impairments{Delay: -1})
}

// TestPipeBatchesDueFrames checks that frames due at the same time reach
// the receiver in one batch.
func TestPipeBatchesDueFrames(t *testing.T) {
	clk := newManualClock()
	p := NewPipe("p", clk, 1, Impairments{Delay: time.Millisecond})
	defer p.Close()
	var sizes []int
	p.B().SetReceiver(receiverFunc(func(batch []*link.Buffer) {
		sizes = append(sizes, len(batch))
		release(batch)
	}))
	for i := range 7 {
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
	}
	clk.Advance(500 * time.Microsecond)
	p.A().Transmit(frame(mac(2), mac(1), 7, 60))
	clk.Advance(time.Second)
	if fmt.Sprint(sizes) != "[7 1]" {
		t.Errorf("got batches %v, want [7 1]", sizes)
	}
}

type receiverFunc func([]*link.Buffer)

func (f receiverFunc) Receive(b []*link.Buffer) { f(b) }
