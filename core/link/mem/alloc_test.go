//go:build !race

package mem

import (
	"testing"
	"time"
)

// Under -race, sync.Pool drops buffers on purpose, so these run without it.

func TestTransmitDoesNotAllocate(t *testing.T) {
	f := frame(mac(2), mac(1), 1, 1500)

	clk := newManualClock()
	direct := NewPipe("direct", clk, 1, Impairments{})
	defer direct.Close()
	direct.B().SetReceiver(releaser{})
	direct.A().Transmit(f) // warm the buffer pool
	if n := testing.AllocsPerRun(1000, func() { direct.A().Transmit(f) }); n != 0 {
		t.Errorf("Transmit on a perfect pipe: %v allocations, want 0", n)
	}

	delayed := NewPipe("delayed", clk, 1, Impairments{Delay: time.Millisecond, Jitter: 100 * time.Microsecond, Rate: 1_000_000_000, Loss: 0.01})
	defer delayed.Close()
	delayed.B().SetReceiver(releaser{})
	step := func() {
		for range 8 {
			delayed.A().Transmit(f)
		}
		clk.Advance(2 * time.Millisecond)
	}
	for range 10 {
		step() // grow the ring and the batch
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("Transmit and delivery on a delayed pipe: %v allocations per 8 frames, want 0", n)
	}
	if st := delayed.Stats().AtoB; st.RxFrames == 0 {
		t.Fatalf("nothing delivered: %v", st)
	}

	sw := NewSwitch("sw", clk)
	var hosts []*Pipe
	for i := range 3 {
		p := NewPipe("h", clk, uint64(i), Impairments{})
		defer p.Close()
		p.A().SetReceiver(releaser{})
		sw.Attach(p.B())
		hosts = append(hosts, p)
	}
	toHost1 := frame(mac(1), mac(0), 1, 1500)
	bcast := frame(broadcast, mac(0), 1, 1500)
	hosts[1].A().Transmit(frame(broadcast, mac(1), 0, 60)) // learn host 1
	hosts[0].A().Transmit(toHost1)
	if n := testing.AllocsPerRun(1000, func() {
		hosts[0].A().Transmit(toHost1)
		hosts[0].A().Transmit(bcast)
	}); n != 0 {
		t.Errorf("switching: %v allocations, want 0", n)
	}
}
