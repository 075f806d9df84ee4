package run_test

import (
	"strings"
	"testing"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// tcpSteps exercises every TCP action and expectation, the failures
// included: a data send breaks the generated stream, a connect is refused,
// a reset reaches the peer.
const tcpSteps = `
name: tcp-steps
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
steps:
  - socket: {node: a, id: l, proto: tcp, bind: 0.0.0.0:80, listen: true}
  - socket: {node: b, id: c, proto: tcp, connect: 10.0.0.1:80}
  - accept: {socket: l, id: s}
  - send: {socket: c, size: 100000}
  - send: {socket: c, size: 5000, count: 2}
  - recv: {socket: s, bytes: 110000, within: 5s}
  - expect: {socket: s, bytes-received: 110000, intact: true}
  - send: {socket: c, data: "oops"}
  - recv: {socket: s, bytes: 4}
  - expect: {socket: s, bytes-received: 110004, intact: true}
  - accept: {socket: l, id: none, within: 0s}
  - socket: {node: b, id: refused, proto: tcp, connect: 10.0.0.1:81}
  - expect: {socket: refused, error: ECONNREFUSED}
  - close: {socket: c, reset: true}
  - expect: {socket: s, tcp-state: CLOSED, within: 1s}
  - recv: {socket: s, bytes: 1}
  - expect: {socket: s, error: ECONNRESET}
`

func TestTCPStepsAndTheirFailures(t *testing.T) {
	lab, err := labs.Load("tcp-steps.yaml", []byte(tcpSteps))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	fails := map[int]string{
		10: "socket s stream: want intact, got byte 110000 is not the generated stream's",
		11: "no connection to accept within 0s",
		12: "connection refused",
		16: "connection reset",
	}
	for _, s := range rep.Steps {
		want, ok := fails[s.Index]
		switch {
		case ok:
			if s.Status != run.Failed || !strings.Contains(s.Detail, want) {
				t.Errorf("step %d %s: %s %q, want failed with %q", s.Index, s.Name, s.Status, s.Detail, want)
			}
		case s.Status != run.Passed:
			t.Errorf("step %d %s: %s %s", s.Index, s.Name, s.Status, s.Detail)
		}
	}
	if len(rep.Steps) != 17 {
		t.Errorf("%d steps ran, want 17: %s", len(rep.Steps), rep.Error)
	}
}

// The http app serves its page to an http-get over netlab's stacks, on
// the real clock.
func TestHTTPAppAndGet(t *testing.T) {
	lab, err := labs.Load("http.yaml", []byte(`
name: http
nodes:
  a:
    interfaces: {eth0: {address: 10.0.0.1/24}}
    apps: [{http: {port: 8080}}]
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
steps:
  - http-get: {from: b, url: "http://10.0.0.1:8080/any/path", body-contains: "Hello from a", within: 10s}
  - http-get: {from: b, url: "http://10.0.0.1:8080/", status: 404, within: 10s}
`))
	if err != nil {
		t.Fatal(err)
	}
	if lab.Clock != labs.ClockReal {
		t.Fatalf("clock %s, want real", lab.Clock)
	}
	rep, _ := runLab(t, lab)
	if len(rep.Steps) != 2 || rep.Steps[0].Status != run.Passed {
		t.Fatalf("%s", rep.Summary())
	}
	if s := rep.Steps[1]; s.Status != run.Failed || s.Want != "404" || s.Got != "200 OK" {
		t.Errorf("step 2: %s %q", s.Status, s.Detail)
	}
}
