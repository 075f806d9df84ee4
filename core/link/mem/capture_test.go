package mem

import (
	"bytes"
	"slices"
	"sync"
	"testing"
	"time"
)

// sniffer is a Capturer that keeps a copy of every frame it is shown.
type sniffer struct {
	mu  sync.Mutex
	got []arrival
}

func (s *sniffer) Capture(at time.Duration, frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, arrival{data: slices.Clone(frame), at: at})
}

func (s *sniffer) frames() []arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// sameArrivals checks that a capture saw exactly what a receiver got.
func sameArrivals(t *testing.T, what string, got, want []arrival) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: captured %d frames, the receiver got %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i].at != want[i].at || !bytes.Equal(got[i].data, want[i].data) {
			t.Fatalf("%s: frame %d: captured seq %d at %v, the receiver got seq %d at %v",
				what, i, seqOf(got[i].data), got[i].at, seqOf(want[i].data), want[i].at)
		}
	}
}

// A capture sees both directions as delivered: in order, at delivery
// time, without the frames lost on the way.
func TestCaptureSeesDeliveredFrames(t *testing.T) {
	p, clk, ra, rb := newTestPipe(t, 7, Impairments{Delay: 2 * time.Millisecond, Loss: 0.2})
	var s sniffer
	p.SetCapture(&s)
	for i := range 200 {
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 60))
		if i%3 == 0 {
			p.B().Transmit(frame(mac(1), mac(2), uint32(1000+i), 80))
		}
		clk.Advance(500 * time.Microsecond)
	}
	clk.Advance(time.Second)
	st := p.Stats()
	if st.AtoB.Lost == 0 || st.BtoA.Lost == 0 {
		t.Fatalf("no loss to check against: %v", st)
	}
	// Each direction's share of the capture is what its receiver got.
	var ab, ba []arrival
	for _, a := range s.frames() {
		if a.data[5] == 2 { // to mac(2): A to B
			ab = append(ab, a)
		} else {
			ba = append(ba, a)
		}
	}
	sameArrivals(t, "A->B", ab, rb.frames())
	sameArrivals(t, "B->A", ba, ra.frames())
	all := s.frames()
	for i := 1; i < len(all); i++ {
		if all[i].at < all[i-1].at {
			t.Fatalf("capture goes back in time at frame %d: %v after %v", i, all[i].at, all[i-1].at)
		}
	}
	if all[0].at != 2*time.Millisecond {
		t.Errorf("first frame captured at %v, want its delivery at 2ms", all[0].at)
	}
}

// Duplicates, corrupted bits and reordering show in the capture exactly as
// the receiver gets them.
func TestCaptureSeesImpairedFrames(t *testing.T) {
	p, clk, _, rb := newTestPipe(t, 3, Impairments{Duplicate: 0.2, Corrupt: 0.3, Reorder: 0.2, Delay: time.Millisecond, Jitter: time.Millisecond})
	var s sniffer
	p.SetCapture(&s)
	for i := range 300 {
		p.A().Transmit(frame(mac(2), mac(1), uint32(i), 100))
		clk.Advance(100 * time.Microsecond)
	}
	clk.Advance(time.Second)
	st := p.Stats().AtoB
	if st.Duplicated == 0 || st.Corrupted == 0 || st.Reordered == 0 {
		t.Fatalf("impairments did not happen: %v", st)
	}
	sameArrivals(t, "A->B", s.frames(), rb.frames())
}

// A perfect wire delivers on the sender's goroutine; the capture stamps
// each frame with the time it was sent.
func TestCaptureOnAPerfectWire(t *testing.T) {
	p, clk, _, rb := newTestPipe(t, 1, Impairments{})
	var s sniffer
	p.SetCapture(&s)
	clk.Advance(3 * time.Second)
	p.A().Transmit(frame(mac(2), mac(1), 1, 60))
	sameArrivals(t, "A->B", s.frames(), rb.frames())
	if got := s.frames(); len(got) != 1 || got[0].at != 3*time.Second {
		t.Fatalf("got %v", got)
	}
}

// Frames with nothing attached at the far end still crossed the wire;
// frames released by Close did not.
func TestCaptureNoReceiverAndClose(t *testing.T) {
	clk := newManualClock()
	p := NewPipe("x", clk, 1, Impairments{Delay: time.Millisecond})
	var s sniffer
	p.SetCapture(&s)
	p.A().Transmit(frame(mac(2), mac(1), 1, 60))
	clk.Advance(time.Second)
	p.A().Transmit(frame(mac(2), mac(1), 2, 60))
	p.Close()
	clk.Advance(time.Second)
	got := s.frames()
	if len(got) != 1 || seqOf(got[0].data) != 1 {
		t.Fatalf("captured %v, want only seq 1", seqs(got))
	}
	if st := p.Stats().AtoB; st.NoReceiver != 1 || st.Closed != 1 {
		t.Errorf("got %v", st)
	}
}

func TestSetCaptureNilStops(t *testing.T) {
	p, _, _, _ := newTestPipe(t, 1, Impairments{})
	var s1, s2 sniffer
	p.SetCapture(&s1)
	p.A().Transmit(frame(mac(2), mac(1), 1, 60))
	p.SetCapture(&s2)
	p.B().Transmit(frame(mac(1), mac(2), 2, 60))
	p.SetCapture(nil)
	p.A().Transmit(frame(mac(2), mac(1), 3, 60))
	if got := seqs(s1.frames()); !slices.Equal(got, []uint32{1}) {
		t.Errorf("first capture: got %v, want [1]", got)
	}
	if got := seqs(s2.frames()); !slices.Equal(got, []uint32{2}) {
		t.Errorf("second capture: got %v, want [2]", got)
	}
}

// Starting and stopping a capture while frames flow on other goroutines
// is safe (run with -race).
func TestSetCaptureWhileFramesFlow(t *testing.T) {
	p, _, _, _ := newTestPipe(t, 1, Impairments{})
	var s sniffer
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, ep := range []func(){func() { p.A().Transmit(frame(mac(2), mac(1), 1, 60)) }, func() { p.B().Transmit(frame(mac(1), mac(2), 2, 60)) }} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					ep()
				}
			}
		})
	}
	for range 1000 {
		p.SetCapture(&s)
		p.SetCapture(nil)
	}
	close(stop)
	wg.Wait()
}
