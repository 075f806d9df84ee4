package run_test

import (
	"strings"
	"testing"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// bindConnect binds a UDP socket after opening it, connects it to a,
// then connects it again to c: each time, its sends go to the connected
// peer alone and it hears that peer alone. A TCP socket binds, then
// connects, in steps of their own; the failures are the calls' own.
const bindConnect = `
name: bind-connect
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
  c: {interfaces: {eth0: {address: 10.0.0.3/24}}}
  sw: {kind: switch}
links:
  - endpoints: [a:eth0, sw]
  - endpoints: [b:eth0, sw]
  - endpoints: [c:eth0, sw]
steps:
  - socket: {node: a, id: pa, bind: 0.0.0.0:7000}
  - socket: {node: c, id: pc, bind: 0.0.0.0:7000}
  - socket: {node: b, id: s}
  - expect: {socket: s, state: unbound}
  - bind: {socket: s, address: 0.0.0.0:6000}
  - expect: {socket: s, state: bound}
  - connect: {socket: s, to: 10.0.0.1:7000}
  - expect: {socket: s, state: connected}
  - send: {socket: s, data: "to a"}
  - recv: {socket: pa}
  - send: {socket: pc, to: 10.0.0.2:6000, data: "from c"}
  - send: {socket: pa, to: 10.0.0.2:6000, data: "from a"}
  - recv: {socket: s}
  - recv: {socket: s, within: 200ms}
  - connect: {socket: s, to: 10.0.0.3:7000}
  - send: {socket: s, data: "to c"}
  - recv: {socket: pc}
  - recv: {socket: pa, within: 200ms}
  - send: {socket: pc, to: 10.0.0.2:6000, data: "from c again"}
  - recv: {socket: s}
  - expect: {socket: s, datagrams-received: 2, bytes-received: 18}

  - socket: {node: a, id: l, proto: tcp, bind: 0.0.0.0:80, listen: true}
  - socket: {node: b, id: t, proto: tcp}
  - bind: {socket: t, address: 10.0.0.2:5555}
  - connect: {socket: t, to: 10.0.0.1:80, within: 1s}
  - accept: {socket: l, id: conn}
  - expect: {socket: t, tcp-state: ESTABLISHED}
  - socket: {node: b, id: r, proto: tcp}
  - connect: {socket: r, to: 10.0.0.1:81}
  - expect: {socket: r, error: ECONNREFUSED}
  - socket: {node: a, id: dup}
  - bind: {socket: dup, address: 0.0.0.0:7000}
  - expect: {socket: dup, error: EADDRINUSE}
`

func TestBindAndConnectSteps(t *testing.T) {
	lab, err := labs.Load("bind-connect.yaml", []byte(bindConnect))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	// What a step that passes must say, and why a step that fails must.
	passes := map[int]string{
		5:  "bound to 0.0.0.0:6000",
		7:  "10.0.0.2:6000 → 10.0.0.1:7000",
		15: "10.0.0.2:6000 → 10.0.0.3:7000",
		25: "10.0.0.2:5555 → 10.0.0.1:80 established",
		26: "from 10.0.0.2:5555",
	}
	fails := map[int]string{
		14: "received 0 of 1 datagram(s)", // c's datagram never reached s, connected to a
		18: "received 0 of 1 datagram(s)", // s, connected to c now, sent a nothing
		29: "connection refused",
		32: "address already in use",
	}
	for _, s := range rep.Steps {
		if want, ok := fails[s.Index]; ok {
			if s.Status != run.Failed || !strings.Contains(s.Detail, want) {
				t.Errorf("step %d %s: %s %q, want failed with %q", s.Index, s.Name, s.Status, s.Detail, want)
			}
			continue
		}
		if s.Status != run.Passed {
			t.Errorf("step %d %s: %s %s", s.Index, s.Name, s.Status, s.Detail)
		} else if want, ok := passes[s.Index]; ok && !strings.Contains(s.Detail, want) {
			t.Errorf("step %d %s: detail %q, want %q in it", s.Index, s.Name, s.Detail, want)
		}
	}
	if len(rep.Steps) != len(lab.Steps) {
		t.Errorf("%d steps ran, want %d: %s", len(rep.Steps), len(lab.Steps), rep.Error)
	}
}
