package ui

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/labs/run"
)

// bigData is one tick of a stack with 10,000 sockets, 1,000 timers, 50
// interfaces, 500 ARP entries and 256 events.
func bigData(tick uint64) *Data {
	s := &snapshot.Stack{Name: "big", Version: tick, Time: 12 * time.Second}
	for i := range 50 {
		s.Netifs = append(s.Netifs, snapshot.Netif{Index: i + 1, Name: fmt.Sprintf("eth%d", i), MAC: wire.MAC{2, 0, 0, 0, 0, byte(i)},
			Address: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 1}), 24), MTU: 1500, Up: true, LinkUp: true,
			Counters: snapshot.NetifCounters{RxFrames: tick * uint64(i), TxFrames: tick, Drops: map[string]uint64{"no-route": 2}}})
	}
	for i := range 10000 {
		s.Sockets = append(s.Sockets, snapshot.Socket{FD: i + 3, Proto: "udp",
			Local: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(1024+i)),
			State: "bound", Owner: "load", RecvQ: i % 512})
	}
	for i := range 1000 {
		s.Timers = append(s.Timers, snapshot.Timer{Name: "tcp rto", Owner: fmt.Sprintf("fd %d", i), Due: time.Duration(i) * time.Millisecond, Fired: tick})
	}
	for i := range 500 {
		s.ARP = append(s.ARP, snapshot.ARPEntry{Address: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), Netif: "eth0", State: snapshot.ARPReachable, Expires: time.Minute})
	}
	frame := make([]byte, 60)
	for i := range 256 {
		s.Events = append(s.Events, snapshot.Event{Seq: tick*256 + uint64(i), Node: "big", Kind: snapshot.EventRx, Netif: "eth0", Msg: "", Len: 60, Frame: frame})
	}
	return &Data{Nodes: []string{"big"}, Stacks: []*snapshot.Stack{s}, Tick: tick,
		Clock: run.ClockState{Virtual: true, Speed: 1, Now: 12 * time.Second},
		Steps: []run.StepResult{{Index: 1, Name: "step", Status: run.Passed}}}
}

// BenchmarkRenderFrame measures one tick and one frame of the whole app at
// 200x60 with 10,000 sockets and 1,000 timers: panels render only their
// visible rows.
func BenchmarkRenderFrame(b *testing.B) {
	for _, focus := range []int{pSockets, pTimers} {
		b.Run(panelNames[focus], func(b *testing.B) {
			a := New(nil, Options{Tick: -1, NoColor: true})
			a.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
			a.setFocus(focus)
			datas := []*Data{bigData(1), bigData(2)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				a.setData(datas[i%2])
				_ = a.Render()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
		})
	}
}

// TestRenderBigFrame renders the big snapshot once: it must fit the
// screen exactly (BenchmarkRenderFrame measures it).
func TestRenderBigFrame(t *testing.T) {
	a := New(nil, Options{Tick: -1, NoColor: true})
	a.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	a.setFocus(pSockets)
	a.setData(bigData(1))
	got := plain(a.Render())
	if n := len(strings.Split(got, "\n")); n != 60 {
		t.Fatalf("%d lines", n)
	}
	if !strings.Contains(got, "Sockets · big · 1/10000") {
		t.Fatalf("no position in the title:\n%s", got)
	}
}
