package mem

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core/clock"
)

// lan is a switch with hosts, each joined to it by its own pipe: a host
// transmits on its pipe's A side, the switch is on the B side.
type lan struct {
	sw    *Switch
	clk   *manualClock
	pipes []*Pipe
	rx    []*recorder
}

func newLAN(t *testing.T, hosts int, imp Impairments) *lan {
	t.Helper()
	l := &lan{clk: newManualClock()}
	l.sw = NewSwitch("sw0", l.clk)
	for i := range hosts {
		p := NewPipe(fmt.Sprintf("h%d:eth0<->sw0:p%d", i, i), l.clk, uint64(i), imp)
		t.Cleanup(p.Close)
		r := &recorder{}
		p.A().SetReceiver(r)
		if port := l.sw.Attach(p.B()); port != i {
			t.Fatalf("got port %d, want %d", port, i)
		}
		l.pipes = append(l.pipes, p)
		l.rx = append(l.rx, r)
	}
	return l
}

// send has host from transmit a frame to dst with source mac(from).
func (l *lan) send(from int, dst [6]byte, seq uint32) {
	l.pipes[from].A().Transmit(frame(dst, mac(from), seq, 60))
}

// got returns, per host, the sequence numbers it has received since the
// last call.
func (l *lan) got() [][]uint32 {
	out := make([][]uint32, len(l.rx))
	for i, r := range l.rx {
		r.mu.Lock()
		out[i] = seqs(r.got)
		r.got = nil
		r.mu.Unlock()
	}
	return out
}

func TestSwitchLearnsForwardsFloods(t *testing.T) {
	l := newLAN(t, 4, Impairments{})
	l.send(0, mac(1), 1) // unknown: flooded
	if got := fmt.Sprint(l.got()); got != "[[] [1] [1] [1]]" {
		t.Fatalf("unknown unicast: got %s, want a flood to hosts 1-3", got)
	}
	l.send(1, mac(0), 2) // 0 was learned on port 0
	if got := fmt.Sprint(l.got()); got != "[[2] [] [] []]" {
		t.Fatalf("known unicast: got %s, want host 0 only", got)
	}
	l.send(0, mac(1), 3) // 1 was learned on port 1
	if got := fmt.Sprint(l.got()); got != "[[] [3] [] []]" {
		t.Fatalf("known unicast: got %s, want host 1 only", got)
	}
	l.send(2, broadcast, 4)
	if got := fmt.Sprint(l.got()); got != "[[4] [4] [] [4]]" {
		t.Fatalf("broadcast: got %s, want every other host", got)
	}
	l.send(3, [6]byte{0x01, 0x00, 0x5e, 0, 0, 1}, 5) // IPv4 multicast
	if got := fmt.Sprint(l.got()); got != "[[5] [5] [5] []]" {
		t.Fatalf("multicast: got %s, want every other host", got)
	}
	st := l.sw.Stats()
	if st.Forwarded != 2 || st.Flooded != 3 || st.Filtered != 0 || st.Learned != 4 {
		t.Errorf("got %+v", st)
	}
	var macs []string
	for _, e := range st.MACs {
		macs = append(macs, e.String())
	}
	want := []string{
		"02:00:00:00:00:00 port 0 age 0s", "02:00:00:00:00:01 port 1 age 0s",
		"02:00:00:00:00:02 port 2 age 0s", "02:00:00:00:00:03 port 3 age 0s",
	}
	if !slices.Equal(macs, want) {
		t.Errorf("got MAC table %q, want %q", macs, want)
	}
	if p := st.Ports[0]; p.InFrames != 2 || p.OutFrames != 3 || p.Name != "h0:eth0<->sw0:p0/B" || p.InBytes != 120 {
		t.Errorf("got port 0 stats %+v", p)
	}
}

func TestSwitchFiltersSamePort(t *testing.T) {
	l := newLAN(t, 3, Impairments{})
	// Two addresses behind port 0 (as behind a hub): 0 and 100.
	l.pipes[0].A().Transmit(frame(broadcast, mac(100), 1, 60))
	l.got()
	l.send(0, mac(100), 2)
	if got := fmt.Sprint(l.got()); got != "[[] [] []]" {
		t.Fatalf("got %s, want the frame filtered", got)
	}
	if st := l.sw.Stats(); st.Filtered != 1 {
		t.Errorf("got Filtered = %d, want 1", st.Filtered)
	}
}

func TestSwitchAgesEntries(t *testing.T) {
	l := newLAN(t, 3, Impairments{})
	l.send(1, broadcast, 1)
	l.clk.Advance(MACAging - time.Second)
	l.got()
	l.send(0, mac(1), 2)
	if got := fmt.Sprint(l.got()); got != "[[] [2] []]" {
		t.Fatalf("before aging: got %s, want host 1 only", got)
	}
	if e := l.sw.Stats().MACs; len(e) != 2 || e[1].Age != MACAging-time.Second {
		t.Fatalf("got MAC table %v", e)
	}
	l.clk.Advance(time.Second)
	l.send(0, mac(1), 3)
	if got := fmt.Sprint(l.got()); got != "[[] [3] [3]]" {
		t.Fatalf("after aging: got %s, want a flood", got)
	}
	if e := l.sw.Stats().MACs; len(e) != 1 || e[0].MAC != mac(0) {
		t.Errorf("got MAC table %v, want only host 0", e)
	}
}

func TestSwitchMACMoves(t *testing.T) {
	l := newLAN(t, 3, Impairments{})
	l.send(1, broadcast, 1)
	l.pipes[2].A().Transmit(frame(broadcast, mac(1), 2, 60)) // host 1 moved behind port 2
	l.got()
	l.send(0, mac(1), 3)
	if got := fmt.Sprint(l.got()); got != "[[] [] [3]]" {
		t.Fatalf("got %s, want the frame on the new port", got)
	}
	if st := l.sw.Stats(); st.Moved != 1 {
		t.Errorf("got Moved = %d, want 1", st.Moved)
	}
}

func TestSwitchTableIsBounded(t *testing.T) {
	l := newLAN(t, 2, Impairments{})
	for i := range MaxMACs + 100 {
		l.pipes[0].A().Transmit(frame(broadcast, mac(1000+i), 0, 60))
		l.clk.Advance(time.Millisecond)
	}
	st := l.sw.Stats()
	if len(st.MACs) != MaxMACs || st.Evicted != 100 || st.Learned != MaxMACs+100 {
		t.Fatalf("got %d entries, %d evicted, %d learned", len(st.MACs), st.Evicted, st.Learned)
	}
	// The oldest went first.
	if first := st.MACs[0].MAC; first != mac(1100) {
		t.Errorf("got oldest remaining %x, want %x", first, mac(1100))
	}
	// Expired entries make room before live ones are evicted.
	l.clk.Advance(MACAging)
	l.send(1, broadcast, 1)
	st = l.sw.Stats()
	if len(st.MACs) != 1 || st.Evicted != 100 {
		t.Errorf("after aging: got %d entries, %d evicted; want 1, 100", len(st.MACs), st.Evicted)
	}
}

func TestSwitchDetachAndRunts(t *testing.T) {
	l := newLAN(t, 3, Impairments{})
	l.send(1, broadcast, 1)
	l.got()
	l.sw.Detach(1)
	l.sw.Detach(1)
	l.sw.Detach(99)
	l.send(0, mac(1), 2) // the entry went with the port: flooded to port 2 only
	l.send(1, broadcast, 3)
	if got := fmt.Sprint(l.got()); got != "[[] [] [2]]" {
		t.Fatalf("got %s", got)
	}
	if st := l.pipes[1].Stats().AtoB; st.NoReceiver != 1 {
		t.Errorf("a detached port's pipe counted %d frames without receiver, want 1", st.NoReceiver)
	}
	st := l.sw.Stats()
	if len(st.Ports) != 2 || st.Ports[1].Port != 2 {
		t.Errorf("got ports %+v", st.Ports)
	}
	if port := l.sw.Attach(l.pipes[1].B()); port != 3 {
		t.Errorf("re-attached as port %d, want 3", port)
	}
	l.pipes[0].A().Transmit(make([]byte, 13))
	if st := l.sw.Stats(); st.Runts != 1 {
		t.Errorf("got Runts = %d, want 1", st.Runts)
	}
}

func TestSwitchesJoinedByAPipe(t *testing.T) {
	clk := newManualClock()
	s1, s2 := NewSwitch("s1", clk), NewSwitch("s2", clk)
	trunk := NewPipe("s1<->s2", clk, 1, Impairments{Delay: time.Millisecond})
	defer trunk.Close()
	s1.Attach(trunk.A())
	s2.Attach(trunk.B())
	h1, h2 := NewPipe("h1", clk, 1, Impairments{}), NewPipe("h2", clk, 2, Impairments{})
	r1, r2 := &recorder{}, &recorder{}
	h1.A().SetReceiver(r1)
	h2.A().SetReceiver(r2)
	s1.Attach(h1.B())
	s2.Attach(h2.B())
	h1.A().Transmit(frame(broadcast, mac(1), 1, 60))
	clk.Advance(time.Millisecond)
	h2.A().Transmit(frame(mac(1), mac(2), 2, 60))
	clk.Advance(time.Millisecond)
	if a, b := seqs(r1.frames()), seqs(r2.frames()); !slices.Equal(a, []uint32{2}) || !slices.Equal(b, []uint32{1}) {
		t.Fatalf("h1 got %v, h2 got %v", a, b)
	}
	if r2.frames()[0].at != time.Millisecond {
		t.Errorf("the broadcast reached h2 at %v, want 1ms", r2.frames()[0].at)
	}
}

// TestSwitchLoopIsCut builds a loop of two zero-delay pipes between two
// switches: a broadcast would recurse forever without MaxDepth.
func TestSwitchLoopIsCut(t *testing.T) {
	clk := newManualClock()
	s1, s2 := NewSwitch("s1", clk), NewSwitch("s2", clk)
	for i := range 2 {
		p := NewPipe(fmt.Sprint("trunk", i), clk, 1, Impairments{})
		defer p.Close()
		s1.Attach(p.A())
		s2.Attach(p.B())
	}
	h := NewPipe("h", clk, 1, Impairments{})
	h.A().SetReceiver(releaser{})
	s1.Attach(h.B())
	h.A().Transmit(frame(broadcast, mac(1), 1, 60))
	if l1, l2 := s1.Stats().Loops, s2.Stats().Loops; l1+l2 == 0 {
		t.Error("no loop was counted")
	}
	if s1.depth.Load() != 0 || s2.depth.Load() != 0 {
		t.Errorf("depth left at %d and %d", s1.depth.Load(), s2.depth.Load())
	}
}

// TestSwitchesDoNotDeadlock sends traffic both ways across two switches
// joined by a zero-delay pipe from several goroutines at once, on a real
// clock: a switch that held its lock while transmitting would deadlock.
func TestSwitchesDoNotDeadlock(t *testing.T) {
	clk := clock.NewReal()
	s1, s2 := NewSwitch("s1", clk), NewSwitch("s2", clk)
	trunk := NewPipe("trunk", clk, 1, Impairments{})
	defer trunk.Close()
	s1.Attach(trunk.A())
	s2.Attach(trunk.B())
	var hosts []*Pipe
	for i := range 4 {
		h := NewPipe(fmt.Sprint("h", i), clk, uint64(i), Impairments{})
		defer h.Close()
		h.A().SetReceiver(releaser{})
		if i%2 == 0 {
			s1.Attach(h.B())
		} else {
			s2.Attach(h.B())
		}
		hosts = append(hosts, h)
	}
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			for j := range 2000 {
				dst := broadcast
				if j%2 == 1 {
					dst = mac((i + 1) % 4)
				}
				h.A().Transmit(frame(dst, mac(i), uint32(j), 60))
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("deadlock: transmitters did not finish")
	}
	if st := s1.Stats(); st.Loops != 0 {
		t.Errorf("got %d loop drops without a loop", st.Loops)
	}
}
