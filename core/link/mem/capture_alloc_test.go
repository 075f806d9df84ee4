//go:build !race

package mem

import (
	"testing"
	"time"
)

// counter is a Capturer that only counts.
type counter struct{ n int }

func (c *counter) Capture(at time.Duration, frame []byte) { c.n++ }

func TestCaptureDoesNotAllocate(t *testing.T) {
	f := frame(mac(2), mac(1), 1, 1500)
	clk := newManualClock()
	for _, imp := range []Impairments{{}, {Delay: time.Millisecond}} {
		p := NewPipe("p", clk, 1, imp)
		defer p.Close()
		p.B().SetReceiver(releaser{})
		var c counter
		p.SetCapture(&c)
		step := func() {
			p.A().Transmit(f)
			clk.Advance(2 * time.Millisecond)
		}
		for range 10 {
			step()
		}
		if n := testing.AllocsPerRun(1000, step); n != 0 {
			t.Errorf("%v: Transmit with a capture: %v allocations, want 0", imp, n)
		}
		if c.n == 0 {
			t.Errorf("%v: nothing captured", imp)
		}
	}
}
