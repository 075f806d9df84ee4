//go:build linux

package run_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/host"
	"github.com/netlab/netlab/labs/run"
)

// netnsNames lists the named namespaces this process's runs made (other
// processes on the machine may be running labs of their own).
func netnsNames(t *testing.T) []string {
	t.Helper()
	pid := strconv.FormatInt(int64(os.Getpid()), 36)
	own := host.Prefix + strings.Repeat("0", 5-len(pid)) + pid
	return slices.DeleteFunc(allNetns(t), func(s string) bool { return !strings.HasPrefix(s, own) })
}

// allNetns lists the named namespaces.
func allNetns(t *testing.T) []string {
	t.Helper()
	es, err := os.ReadDir(host.NetnsDir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// rootLinks lists the links of the namespace the test runs in.
func rootLinks(t *testing.T) []string {
	t.Helper()
	ls, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		a := l.Attrs()
		out = append(out, fmt.Sprintf("%d:%s:%v", a.Index, a.Name, a.Flags))
	}
	return out
}

const kernelLab = `
name: kernel-test
nodes:
  k:
    kind: kernel
    interfaces:
      tap0: {address: 10.9.0.1/24, mtu: 1400}
    routes:
      - {to: 10.77.0.0/16, via: 10.9.0.2}
  s:
    interfaces:
      eth0: {address: 10.9.0.2/24}
    apps: [udp-echo]
links:
  - {id: t, endpoints: [s:eth0, k:tap0], type: tap, capture: true}
steps:
  - exec: {node: k, run: "echo daemon up; echo on stderr >&2; exec sleep 60", background: true}
  - exec: {node: k, run: "ip -o link show tap0; ip -o addr show tap0; ip route show 10.77.0.0/16; sysctl -n net.ipv6.conf.all.disable_ipv6", within: 5s}
  - expect: {exit: 0, output-contains: "mtu 1400"}
  - expect: {output-contains: "link/ether 02:00:00:00:01:00"}
  - expect: {output-contains: "10.9.0.1/24"}
  - expect: {output-contains: "10.77.0.0/16 via 10.9.0.2 dev tap0"}
  - ping: {from: s, to: 10.9.0.1, count: 2, interval: 100ms, timeout: 2s}
  - expect: {ping-replies: 2}
  - exec: {node: k, run: "exit 3", within: 5s}
  - expect: {exit: 3}
  - exec: {node: k, run: "echo partial; sleep 10", within: 300ms}
  - expect: {output-contains: "partial"}
  - impair: {link: t, loss: 100%}
  - exec: {node: k, run: "ping -n -c 1 -W 1 10.9.0.2", within: 5s}
  - expect: {exit: 1}
`

// TestKernelLab runs a lab with a kernel node against the real kernel:
// the device as the lab describes it, routes, IPv6 off, pings over the
// TAP link, exit codes, a timeout, impairments on a tap link, a
// background daemon's output in the report, a capture of the link; and
// Close leaves no namespace, and the root namespace's links as they were.
func TestKernelLab(t *testing.T) {
	lab, err := labs.Load("kernel-test.yaml", []byte(kernelLab))
	if err != nil {
		t.Fatal(err)
	}
	needHost(t, lab)
	before, rootBefore := netnsNames(t), rootLinks(t)
	dir := t.TempDir()
	w, err := run.Build(lab, run.Options{CaptureDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	id := w.HostRun().ID()
	if ns := w.Namespace("k"); ns == nil || !slices.Contains(netnsNames(t), id+"-k") {
		t.Fatalf("no namespace %s-k: %v", id, netnsNames(t))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	for _, s := range rep.Steps {
		t.Logf("%d %s %s: %s", s.Index, s.Name, s.Status, s.Detail)
	}
	caps, err := w.StopCaptures()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
	if d := rep.Steps[10].Detail; !strings.Contains(d, "killed at its within") {
		t.Errorf("timed-out exec: detail %q", d)
	}
	if len(rep.Processes) != 1 {
		t.Fatalf("processes %+v", rep.Processes)
	}
	p := rep.Processes[0]
	if p.Node != "k" || p.Exit != -1 || p.Stdout != "daemon up\n" || p.Stderr != "on stderr\n" {
		t.Errorf("background process %+v", p)
	}
	if len(caps) != 1 || caps[0].Stats.Written < 4 {
		t.Errorf("captures %+v", caps)
	} else if st, err := os.Stat(filepath.Join(dir, "kernel-test-t.pcap")); err != nil || st.Size() < 100 {
		t.Errorf("capture file: %v", err)
	}
	if after := netnsNames(t); slices.ContainsFunc(after, func(s string) bool { return strings.HasPrefix(s, id) }) {
		t.Errorf("after Close, namespaces %v are left (before %v)", after, before)
	}
	if after := rootLinks(t); !slices.Equal(after, rootBefore) {
		t.Errorf("the root namespace's links changed: before %v, after %v", rootBefore, after)
	}
}

// TestHostLabWithoutHost acts out a host without root: Build fails at
// once with an error IsUnsupported knows, having made nothing; a lab
// without kernel nodes or tap links does not care.
func TestHostLabWithoutHost(t *testing.T) {
	defer run.SetHostCheck(func() error {
		return fmt.Errorf("%w: CAP_NET_ADMIN (run as root)", host.ErrUnsupported)
	})()
	lab, err := labs.Builtin("kernel-ping")
	if err != nil {
		t.Fatal(err)
	}
	// Only this process's: go test runs other packages' kernel tests
	// meanwhile.
	own := func(names []string) []string {
		return slices.DeleteFunc(names, func(s string) bool { return !strings.HasPrefix(s, host.ProcessPrefix(os.Getpid())) })
	}
	before := own(netnsNames(t))
	w, err := run.Build(lab, run.Options{})
	if err == nil {
		w.Close()
		t.Fatal("Build succeeded")
	}
	if !run.IsUnsupported(err) || !errors.Is(err, host.ErrUnsupported) || !strings.Contains(err.Error(), "CAP_NET_ADMIN") {
		t.Fatalf("Build: %v", err)
	}
	if after := own(netnsNames(t)); !slices.Equal(after, before) {
		t.Errorf("namespaces before %v, after %v", before, after)
	}
	q, err := labs.Builtin("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := runLab(t, q); !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
}

const tapPairLab = `
name: tap-pair-test
nodes:
  a:
    interfaces:
      eth0: {address: 10.7.0.1/24}
  b:
    interfaces:
      eth0: {address: 10.7.0.2/24, mtu: 9000}
links:
  - {id: br, endpoints: [a:eth0, b:eth0], type: tap-pair, capture: true}
steps:
  - ping: {from: a, to: 10.7.0.2, count: 3, interval: 100ms, timeout: 2s}
  - expect: {ping-replies: 3}
  - ping: {from: b, to: 10.7.0.1, count: 2, interval: 100ms, timeout: 2s, size: 4000}
  - expect: {ping-replies: 2}
`

// TestTAPPairLab pings across a tap-pair link and shows that the frames
// went through the kernel's bridge: a bridge and two TAP devices, its
// ports, in the lab's bridge namespace, their counters moving, the
// bridge's forwarding database holding both stacks' MACs; the capture on
// a's side; and nothing left after Close.
func TestTAPPairLab(t *testing.T) {
	lab, err := labs.Load("tap-pair-test.yaml", []byte(tapPairLab))
	if err != nil {
		t.Fatal(err)
	}
	needHost(t, lab)
	before, rootBefore := netnsNames(t), rootLinks(t)
	w, err := run.Build(lab, run.Options{CaptureDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	id := w.HostRun().ID()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	for _, s := range rep.Steps {
		t.Logf("%d %s %s: %s", s.Index, s.Name, s.Status, s.Detail)
	}
	if !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
	var ns *host.Namespace
	for _, n := range w.HostRun().Namespaces() {
		if n.Name() == run.BridgeNamespace {
			ns = n
		}
	}
	if ns == nil {
		t.Fatalf("no namespace %s-%s among %v", id, run.BridgeNamespace, netnsNames(t))
	}
	// The drivers' counts, read before the kernel's: a frame is counted
	// by the kernel when it is written or queued for reading, by the
	// driver after, so the drivers' figures are at most the kernel's.
	dev := w.DeviceStats()[0]
	ls, err := ns.Links()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]host.Link{}
	for _, l := range ls {
		byName[l.Name] = l
	}
	br, ta, tb := byName[id+"b1"], byName[id+"t1a"], byName[id+"t1b"]
	// A's frames are written into t1a and read from t1b, b's the other
	// way round.
	for _, c := range []struct {
		d       run.DeviceDir
		dev     string
		written bool
		kernel  uint64
	}{
		{dev.AtoB[0], ta.Name, true, ta.RxPackets}, {dev.AtoB[1], tb.Name, false, tb.TxPackets},
		{dev.BtoA[0], tb.Name, true, tb.RxPackets}, {dev.BtoA[1], ta.Name, false, ta.TxPackets},
	} {
		if !strings.HasPrefix(c.d.Device, c.dev+" on bridge "+br.Name+" in netns ") || c.d.Written != c.written ||
			c.d.Frames < 5 || c.d.Frames > c.kernel || c.d.Stats.Dropped() != 0 {
			t.Errorf("driver count %+v: want %s, written %v, at least the pings' 5 frames and at most the kernel's %d, no drops",
				c.d, c.dev, c.written, c.kernel)
		}
	}
	if len(dev.AtoB) != 2 || len(dev.BtoA) != 2 || dev.Errors != 0 || dev.Err != nil {
		t.Errorf("device stats %+v", dev)
	}
	if br.Type != "bridge" || ta.Type != "tuntap" || tb.Type != "tuntap" || !br.Up || !ta.Up || !tb.Up {
		t.Fatalf("devices %+v, want bridge %sb1 and TAPs %st1a, %st1b, all up", ls, id, id, id)
	}
	// Each frame a sent came into the kernel on t1a and left on t1b.
	if ta.RxPackets < 5 || tb.TxPackets < 5 || tb.RxPackets < 5 || ta.TxPackets < 5 {
		t.Errorf("TAP counters: t1a rx %d tx %d, t1b rx %d tx %d: want at least the pings' 5 frames each way",
			ta.RxPackets, ta.TxPackets, tb.RxPackets, tb.TxPackets)
	}
	res, err := ns.Exec(ctx, 10*time.Second, "bridge", "fdb", "show", "br", br.Name)
	if err != nil {
		t.Fatal(err)
	}
	fdb := string(res.Stdout)
	for _, want := range []string{"02:00:00:00:01:00 dev " + ta.Name, "02:00:00:00:02:00 dev " + tb.Name} {
		if !strings.Contains(fdb, want) {
			t.Errorf("the bridge's fdb lacks %q:\n%s", want, fdb)
		}
	}
	caps, err := w.StopCaptures()
	if err != nil {
		t.Fatal(err)
	}
	if len(caps) != 1 || caps[0].Stats.Written < 10 {
		t.Errorf("captures %+v, want the pings' frames", caps)
	}
	w.Close()
	if after := netnsNames(t); slices.ContainsFunc(after, func(s string) bool { return strings.HasPrefix(s, id) }) {
		t.Errorf("after Close, namespaces %v are left (before %v)", after, before)
	}
	if after := rootLinks(t); !slices.Equal(after, rootBefore) {
		t.Errorf("the root namespace's links changed: before %v, after %v", rootBefore, after)
	}
}

const carrierLab = `
name: carrier-test
nodes:
  k:
    kind: kernel
    interfaces:
      tap0: {address: 10.9.0.1/24}
  s:
    interfaces:
      eth0: {address: 10.9.0.2/24}
links:
  - {endpoints: [k:tap0, s:eth0], type: tap}
steps:
  - exec: {node: k, run: "ip -o link show tap0", within: 5s}
  - expect: {exit: 0, output-contains: ",LOWER_UP>"}
  - set-interface: {node: s, name: eth0, link-up: false}
  - exec: {node: k, run: "until ip -o link show tap0 | grep -q 'NO-CARRIER.*state DOWN'; do sleep 0.02; done; ip -o link show tap0", within: 5s}
  - expect: {exit: 0, output-contains: "NO-CARRIER"}
  - exec: {node: k, run: "ping -n -c 1 -W 1 10.9.0.2", within: 5s}
  - expect: {exit: 1}
  - set-interface: {node: s, name: eth0, link-up: true}
  - exec: {node: k, run: "until ip -o link show tap0 | grep -q LOWER_UP; do sleep 0.02; done; ping -n -c 1 -W 2 10.9.0.2", within: 10s}
  - expect: {exit: 0, output-contains: "1 received"}
  - set-interface: {node: s, name: eth0, up: false}
  - exec: {node: k, run: "until ip -o link show tap0 | grep -q NO-CARRIER; do sleep 0.02; done", within: 5s}
  - expect: {exit: 0}
  - set-interface: {node: s, name: eth0, up: true}
  - exec: {node: k, run: "until ip -o link show tap0 | grep -q LOWER_UP; do sleep 0.02; done", within: 5s}
  - expect: {exit: 0}
  - remove-interface: {node: s, name: eth0}
  - exec: {node: k, run: "until ip -o link show tap0 | grep -q NO-CARRIER; do sleep 0.02; done", within: 5s}
  - expect: {exit: 0}
`

// TestTAPCarrierFollowsLink: the kernel sees the stack's side of a tap
// link as a peer of a real NIC would: NO-CARRIER (operstate DOWN) while
// the stack's netif has its link down, is down, or is gone, and the
// carrier back (and pings answered) once it is up again.
func TestTAPCarrierFollowsLink(t *testing.T) {
	lab, err := labs.Load("carrier-test.yaml", []byte(carrierLab))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	for _, s := range rep.Steps {
		t.Logf("%d %s %s: %s", s.Index, s.Name, s.Status, s.Detail)
	}
	if !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
}
