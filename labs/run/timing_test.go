package run_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// timingLab mixes at (from the lab's start) and after (from the end of
// the step before) with steps that take time: a wait, and a ping whose
// last reply comes 2 ms (1 ms each way) after its third request, 200 ms
// after its first.
const timingLab = `
name: timing
clock: virtual
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}, apps: [udp-discard]}
links:
  - {endpoints: [a:eth0, b:eth0], impair: {delay: 1ms}}
steps:
  - wait: 100ms
  - at: 250ms
    ping: {from: a, to: 10.0.0.2, count: 3, interval: 100ms}
  - after: 50ms
    expect: {ping-replies: 3}
  - after: 1ms
    socket: {node: a, id: s, connect: 10.0.0.2:9}
  - at: 1s
    send: {socket: s, data: hello}
  - after: 1.5s
    expect: {node: b, counter: udp-in, equals: 1}
  - at: 2.5s
    wait: 250ms
  - after: 250ms
    send: {socket: s, data: again}
  - expect: {node: b, counter: udp-in, equals: 2, within: 10ms}
`

// TestStepsStartOnTime checks that every step starts exactly when its at
// or after says on the virtual clock: the times the report gives, the
// clock's own reading as each step starts, and the frames the steps
// send, which leave at those very instants.
func TestStepsStartOnTime(t *testing.T) {
	lab, err := labs.Load("timing.yaml", []byte(timingLab))
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	want := []time.Duration{
		0,         // wait
		250 * ms,  // at 250ms
		502 * ms,  // the ping's last reply at 452ms, and 50ms after
		503 * ms,  // after 1ms
		1000 * ms, // at 1s
		2500 * ms, // after 1.5s of a send that takes no time
		2500 * ms, // at 2.5s: when the step before ended
		3000 * ms, // after 250ms of a 250ms wait
		3000 * ms, // at once
	}
	var (
		mu      sync.Mutex
		started []time.Duration // the clock's reading as each step starts
		sent    []time.Duration // when a's frames that steps caused left
		w       *run.World
	)
	w, err = run.Build(lab, run.Options{
		PacketEvents: true,
		OnStep: func(r run.StepResult) {
			if r.Status == run.Running {
				started = append(started, w.Clock.Now())
			}
		},
		OnEvent: func(e *snapshot.Event) {
			if e.Node == "a" && e.Kind == snapshot.EventTx && stepFrame(e.Frame) {
				mu.Lock()
				sent = append(sent, e.Time)
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	w.Close()
	if !rep.Passed {
		t.Fatal(rep.Summary())
	}
	if len(rep.Steps) != len(want) || len(started) != len(want) {
		t.Fatalf("%d step results, %d starts, want %d", len(rep.Steps), len(started), len(want))
	}
	for i, s := range rep.Steps {
		if s.At != want[i] || started[i] != want[i] {
			t.Errorf("step %d (%s): the report says it started at %v, the clock read %v; want %v", i+1, s.Name, s.At, started[i], want[i])
		}
		if st := lab.Steps[i]; st.After != nil && i > 0 {
			prev := rep.Steps[i-1]
			if end := prev.At + prev.Took; s.At != end+st.After.Std() {
				t.Errorf("step %d starts at %v, not %v after the step before ended (%v)", i+1, s.At, st.After.Std(), end)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// The ping starts with an ARP request for b (a has not learnt b from
	// its gratuitous ARP: RFC 826 updates only entries a already has), so
	// its first echo request leaves with the reply, 2 ms later.
	wantSent := []time.Duration{250 * ms, 252 * ms, 350 * ms, 450 * ms, 1000 * ms, 3000 * ms}
	if len(sent) != len(wantSent) {
		t.Fatalf("a sent at %v, want %v", sent, wantSent)
	}
	for i := range sent {
		if sent[i] != wantSent[i] {
			t.Errorf("a sent at %v, want %v", sent, wantSent)
			break
		}
	}
}

// stepFrame reports whether frame is one that the timing lab's steps make
// a send: an ARP request for another address (not an announcement), an
// ICMP echo request, or a UDP datagram.
func stepFrame(f []byte) bool {
	const eth = 14 // the Ethernet header; then ARP, or IPv4 without options
	if len(f) < eth+28 {
		return false
	}
	switch binary.BigEndian.Uint16(f[12:]) {
	case 0x0806: // ARP: opcode at 6, sender IP at 14, target IP at 24
		return binary.BigEndian.Uint16(f[eth+6:]) == 1 && string(f[eth+14:eth+18]) != string(f[eth+24:eth+28])
	case 0x0800: // IPv4: protocol at 9, ICMP type at 20
		return f[eth+9] == 17 || f[eth+9] == 1 && f[eth+20] == 8
	}
	return false
}
