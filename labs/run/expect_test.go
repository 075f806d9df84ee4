package run_test

import (
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// states exercises the expectations of socket states, interface states and
// events, each of which holds.
const states = `
name: states
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}, apps: [udp-echo]}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
    impair: {delay: 1ms}
steps:
  - socket: {node: b, id: s}
  - expect: {socket: s, state: unbound}
  - send: {socket: s, to: 10.0.0.1:7, data: hi}
  - expect: {socket: s, state: bound}
  - recv: {socket: s}
  - close: {socket: s}
  - expect: {socket: s, state: closed}
  - socket: {node: b, id: s, connect: 10.0.0.1:7}
  - expect: {socket: s, state: connected, bytes-received: 0}

  - expect: {node: a, interface: eth0, up: true, link-up: true, mtu: 1500, address: 10.0.0.1/24}
  - set-interface: {node: a, name: eth0, link-up: false, mtu: 1400, address: 10.0.0.5/24}
  - expect: {node: a, interface: eth0, up: true, link-up: false, mtu: 1400, address: 10.0.0.5/24}
  - set-interface: {node: a, name: eth0, up: false, address: none}
  - expect: {node: a, interface: eth0, up: false, address: none}

  # b resolved a's MAC for the first datagram; a learnt b's from the request.
  - expect: {node: b, event: "ARP 10.0.0.1 reachable"}
  - expect: {node: b, interface: eth0, event: "/^ARP 10\\.0\\.0\\.1 (incomplete|reachable)/", count: 2}
  - expect: {node: a, event: "link down", count: 1}
  - expect: {node: a, event: "address conflict", count: 0}
  - expect: {node: a, event: "/^(admin|link) (up|down)$/", min: 2, max: 4}
  - set-interface: {node: a, name: eth0, link-up: true}
  - expect: {node: a, event: "link up", count: 1, within: 1s}
`

func TestNewExpectationsHold(t *testing.T) {
	lab, err := labs.Load("states.yaml", []byte(states))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	for _, s := range rep.Steps {
		if s.Status != run.Passed {
			t.Errorf("step %d %s: %s %s", s.Index, s.Name, s.Status, s.Detail)
		}
	}
	if !rep.Passed {
		t.Fatal(rep.Summary())
	}
}

// mismatches has one failing expectation of each subject, to check what
// the failures say.
const mismatches = `
name: mismatches
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
steps:
  - ping: {from: b, to: 10.0.0.1, count: 2, interval: 10ms, id: p}
  - expect: {ping: p, ping-replies-min: 3}
  - socket: {node: b, id: s, bind: 0.0.0.0:5000}
  - expect: {socket: s, state: connected}
  - expect: {socket: s, bytes-received: 10, within: 100ms}
  - expect: {socket: s, error: ECONNREFUSED}
  - close: {socket: s}
  - expect: {node: a, counter: ip-forwarded, min: 1, max: 5}
  - expect: {node: a, interface: eth0, up: true, link-up: false, mtu: 1400}
  - expect: {node: a, event: "ARP 10.0.0.9 reachable", within: 50ms}
  - expect: {node: b, event: "/^ARP .* reachable/", count: 5}
`

func TestMismatchesSayWhatWasExpectedAndSeen(t *testing.T) {
	lab, err := labs.Load("mismatches.yaml", []byte(mismatches))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	want := map[int]struct{ detail, want, got string }{
		2:  {"ping p replies: want ≥ 3, got 2 of 2", "≥ 3", "2 of 2"},
		4:  {"socket s: want connected, got bound", "connected", "bound"},
		5:  {"socket s bytes received: want 10, got 0 (waited 100ms)", "10", "0"},
		6:  {"socket s error: want ECONNREFUSED, got none", "ECONNREFUSED", "none"},
		8:  {"a ip-forwarded: want 1 to 5, got 0", "1 to 5", "0"},
		9:  {"a eth0: want link down, mtu 1400, got link up, mtu 1500", "link down, mtu 1400", "link up, mtu 1500"},
		11: {"b events matching /^ARP .* reachable/: want 5, got 1", "5", "1"},
	}
	for _, s := range rep.Steps {
		w, ok := want[s.Index]
		switch {
		case s.Index == 10:
			if s.Status != run.Failed || !strings.HasPrefix(s.Detail, `a events saying "ARP 10.0.0.9 reachable": want ≥ 1, got 0 (the latest other events: `) ||
				!strings.HasSuffix(s.Detail, "(waited 50ms)") || s.Took != 50*time.Millisecond {
				t.Errorf("step 10: %s %q after %v", s.Status, s.Detail, s.Took)
			}
		case ok:
			if s.Status != run.Failed || s.Detail != w.detail || s.Want != w.want || s.Got != w.got {
				t.Errorf("step %d: %s %q (want %q, got %q); want failed %q", s.Index, s.Status, s.Detail, s.Want, s.Got, w.detail)
			}
		case s.Status != run.Passed:
			t.Errorf("step %d %s: %s %s", s.Index, s.Name, s.Status, s.Detail)
		}
	}
	if rep.Passed {
		t.Fatal("the run passed")
	}
}

// TestSeedChoosesTheRun runs a lab with random losses under two seeds:
// each seed gives the same run every time, and the two runs differ.
func TestSeedChoosesTheRun(t *testing.T) {
	logs := map[uint64]string{}
	for _, seed := range []uint64{1, 5, 1, 5} {
		lab, err := labs.Builtin("lossy-link")
		if err != nil {
			t.Fatal(err)
		}
		lab.Seed = seed
		rep, log := runLab(t, lab)
		if !rep.Passed {
			t.Fatalf("seed %d: %s", seed, rep.Summary())
		}
		if prev, ok := logs[seed]; ok && prev != log {
			t.Errorf("seed %d: two runs differ", seed)
		}
		logs[seed] = log
	}
	if logs[1] == logs[5] {
		t.Errorf("seeds 1 and 5 give the same run")
	}
}
