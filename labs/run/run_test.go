package run_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runLab runs a lab and returns its report and its event log, one event
// per line.
func runLab(t *testing.T, lab *labs.Lab) (*run.Report, string) {
	t.Helper()
	needHost(t, lab)
	var mu sync.Mutex
	var log strings.Builder
	w, err := run.Build(lab, run.Options{
		PacketEvents: true,
		OnEvent: func(e *snapshot.Event) {
			mu.Lock()
			log.WriteString(e.String())
			log.WriteByte('\n')
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	w.Close()
	mu.Lock()
	defer mu.Unlock()
	return rep, log.String()
}

// needHost skips a test of a lab with kernel nodes or tap links when this
// process cannot make them (not root, no /dev/net/tun), unless CI is set:
// CI runs as root, and there such labs must run.
func needHost(t testing.TB, lab *labs.Lab) {
	t.Helper()
	if !lab.NeedsHost() {
		return
	}
	if err := run.CheckHost(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("lab %s needs the host: %v", lab.Name, err)
		}
		t.Fatalf("CI is set and the host cannot run lab %s: %v", lab.Name, err)
	}
	needPeers(t, lab)
}

// peerPrograms are the real peers labs run in kernel nodes.
var peerPrograms = []string{"dnsmasq", "udhcpc", "dhclient", "curl"}

// needPeers skips a test of a lab whose exec steps run a peer program
// this host lacks, unless CI is set: CI installs them (.ci/run).
func needPeers(t testing.TB, lab *labs.Lab) {
	t.Helper()
	for _, s := range lab.Steps {
		x, ok := s.Action.(*labs.Exec)
		if !ok {
			continue
		}
		words := strings.FieldsFunc(x.Run, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' })
		for _, p := range peerPrograms {
			if !slices.Contains(words, p) {
				continue
			}
			if _, err := exec.LookPath(p); err != nil {
				if os.Getenv("CI") == "" {
					t.Skipf("lab %s runs %s: %v", lab.Name, p, err)
				}
				t.Fatalf("CI is set and lab %s runs %s, which is not installed (.ci/run installs it): %v", lab.Name, p, err)
			}
		}
	}
}

func TestBuiltinLabsPass(t *testing.T) {
	for _, name := range labs.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			lab, err := labs.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			rep, _ := runLab(t, lab)
			if !rep.Passed {
				for _, s := range rep.Steps {
					t.Logf("%d %s %s: %s", s.Index, s.Name, s.Status, s.Detail)
				}
				t.Fatalf("%s", rep.Summary())
			}
			if len(rep.Steps) != len(lab.Steps) {
				t.Fatalf("got %d step results, want %d", len(rep.Steps), len(lab.Steps))
			}
		})
	}
}

// TestBuiltinLabsAreDeterministic runs every built-in lab on the virtual
// clock several times, under GOMAXPROCS 1 and 2, and compares the event
// logs byte for byte. (On the real clock, and with the Linux kernel as a
// peer, nothing is deterministic.)
func TestBuiltinLabsAreDeterministic(t *testing.T) {
	for _, name := range labs.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			lab, err := labs.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			if lab.Clock != labs.ClockVirtual {
				t.Skipf("lab %s runs on the %s clock", name, lab.Clock)
			}
			rep, first := runLab(t, lab)
			if strings.Count(first, "\n") < 10 {
				t.Fatalf("suspiciously short event log:\n%s", first)
			}
			steps := fmt.Sprint(rep.Steps, rep.Time)
			for _, procs := range []int{1, 2, 2} {
				prev := runtime.GOMAXPROCS(procs)
				rep, again := runLab(t, lab)
				runtime.GOMAXPROCS(prev)
				if again != first {
					t.Fatalf("GOMAXPROCS %d: event log differs:\n%s", procs, firstDiff(first, again))
				}
				if got := fmt.Sprint(rep.Steps, rep.Time); got != steps {
					t.Fatalf("GOMAXPROCS %d: report differs:\n%s\nvs\n%s", procs, got, steps)
				}
			}
		})
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + al[i] + "\n  vs " + bl[i]
		}
	}
	return "lengths differ"
}

const failing = `
name: failing
nodes:
  a: {kind: stack, interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {kind: stack, interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
    impair: {loss: 100%}
steps:
  - ping: {from: a, to: 10.0.0.2, count: 2}
  - expect: {ping-replies: 2}
  - expect: {node: b, interface: eth0, counter: rx-frames, min: 1, within: 2s}
`

func TestFailedExpectationsFailTheRun(t *testing.T) {
	lab, err := labs.Load("failing.yaml", []byte(failing))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	if rep.Passed {
		t.Fatal("a lab whose expectations fail passed")
	}
	if got := rep.Steps[1]; got.Status != run.Failed || got.Detail != "ping replies: want 2, got 0 of 2" || got.Want != "2" || got.Got != "0 of 2" {
		t.Errorf("step 2: got %s %q (want %q, got %q)", got.Status, got.Detail, got.Want, got.Got)
	}
	if got := rep.Steps[2]; got.Status != run.Failed || got.Took != 2*time.Second || got.Detail != "b eth0 rx-frames: want ≥ 1, got 0 (waited 2s)" {
		t.Errorf("step 3: got %s after %v (%q), want failed after 2s", got.Status, got.Took, got.Detail)
	}
}

const churn = `
name: churn
nodes:
  a: {kind: stack, interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {kind: stack, interfaces: {eth0: {address: 10.0.0.2/24}}, apps: [{udp-echo: {port: 7}}]}
  sw: {kind: switch}
links:
  - {endpoints: [a:eth0, sw]}
  - {endpoints: [b:eth0, sw]}
  - {id: extra, endpoints: [a:eth1, sw]}
steps:
  - add-interface: {node: a, name: eth1, address: 10.0.1.1/24, link: extra}
  - set-interface: {node: a, name: eth0, mtu: 1000}
  - ping: {from: a, to: 10.0.0.2, count: 2, size: 1400}
  - expect: {ping-replies: 2}
  - expect: {node: a, counter: ip-fragments-out, min: 4}
  - remove-interface: {node: a, name: eth1}
  - impair: {link: l1, loss: 100%}
  - ping: {from: a, to: 10.0.0.2, count: 1}
  - expect: {ping-replies: 0}
  - impair: {link: l1, loss: 0%}
  - socket: {node: a, id: s, connect: 10.0.0.2:7}
  - send: {socket: s, size: 100, count: 3}
  - recv: {socket: s, count: 3, within: 1s}
  - expect: {socket: s, bytes-received: 300, datagrams-received: 3}
  - socket: {node: a, id: r, connect: 10.0.0.2:99}
  - send: {socket: r, data: x}
  - wait: 100ms
  - expect: {socket: r, error: ECONNREFUSED}
`

func TestActionsAgainstTheStacks(t *testing.T) {
	lab, err := labs.Load("churn.yaml", []byte(churn))
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

func TestQuickstartOnTheRealClock(t *testing.T) {
	src, err := labs.BuiltinSource("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := labs.Load("quickstart-real.yaml", []byte(strings.Replace(string(src), "clock: virtual", "clock: real", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if lab.Clock != labs.ClockReal {
		t.Fatalf("got clock %q", lab.Clock)
	}
	rep, _ := runLab(t, lab)
	if !rep.Passed {
		t.Fatal(rep.Summary())
	}
	if rep.Wall < 200*time.Millisecond {
		t.Errorf("a real-clock run with 200ms of ping intervals took %v of wall time", rep.Wall)
	}
}
