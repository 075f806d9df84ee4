package ui

import (
	"errors"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// fakeKernel is a kernel node's devices as netlink would list them.
var fakeKernel = []KernelLink{
	{Name: "lo", Type: "loopback", MTU: 65536, Up: true, Oper: "unknown", Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}},
	{Name: "tap0", Type: "tuntap", MAC: "02:00:00:00:01:00", MTU: 1500, Up: true, Oper: "up",
		Addrs:     []netip.Prefix{netip.MustParsePrefix("10.9.0.1/24")},
		RxPackets: 7, TxPackets: 9, RxBytes: 658, TxBytes: 846, RxDropped: 2},
}

// TestKernelNodeFake adds a kernel node to quickstart's world whose
// devices a fake reads (no namespace, no root): the first read runs as a
// command from Init, its result shows as the node's tab and, read only,
// in the Interfaces panel; the panel's action keys do nothing there, and
// an action aimed at it from another panel says it is a kernel node. A
// read that fails says why.
func TestKernelNodeFake(t *testing.T) {
	w := quietWorld(t, "quickstart")
	w.Nodes = append(w.Nodes, &run.Node{Name: "k", Kind: labs.KindKernel})
	a := New(w, Options{Tick: -1, NoColor: true})
	reads := 0
	var fail error
	a.readKernel = func(rw *run.World, node string) ([]KernelLink, error) {
		if rw != w || node != "k" {
			t.Errorf("read %s of %p, want k of %p", node, rw, w)
		}
		reads++
		return fakeKernel, fail
	}
	a.Update(sizeMsg100x30)
	// Before any read: the node is there, its devices are being read.
	a.selectNode(2)
	if got := plain(a.Render()); !strings.Contains(got, "[3:k (kernel)]") || !strings.Contains(got, "reading k's devices…") {
		t.Fatalf("before the first read:\n%s", got)
	}
	cmd := a.Init()
	if cmd == nil {
		t.Fatal("Init asks for no read of the kernel node")
	}
	// Init's batch: run it and feed its messages back.
	feed(a, cmd)
	if reads != 1 {
		t.Fatalf("%d reads", reads)
	}
	// No second read within kernelEvery.
	if a.kernelCmd() != nil {
		t.Fatal("a read right after the last")
	}
	got := plain(a.Render())
	if !regexp.MustCompile(`tap0\s+02:00:00:00:01:00\s+10\.9\.0\.1/24\s+1500\s+up\s+up\s+tap device`).MatchString(got) ||
		!strings.Contains(got, "rx 7 pk 658 B  tx 9 pk 846 B  drops rx 2 tx 0") {
		t.Fatalf("the kernel node's Interfaces:\n%s", got)
	}
	golden(t, "panel-kernel-fake-k-interfaces-100x30", got)

	// Read only: a, x, u do nothing; the help bar offers only list keys.
	for _, k := range []string{"a", "x", "u", "l", "m"} {
		if _, cmd := a.Update(press(k)); cmd != nil || a.form != nil {
			t.Fatalf("%s on a kernel node's Interfaces: %v, form %v", k, cmd, a.form)
		}
	}
	if bar := strings.Split(plain(a.Render()), "\n"); !strings.HasPrefix(strings.TrimSpace(bar[len(bar)-1]), "/ filter • tab next panel") {
		t.Fatalf("the help bar of a kernel node: %q", bar[len(bar)-1])
	}
	// From the Sockets panel: the action says why not. Its list says
	// there is nothing of a kernel node's here (its namespace, which
	// would say where to look, is not known: a fake).
	a.setFocus(pSockets)
	if got := plain(a.Render()); !strings.Contains(got, "a kernel node: no netlab stack, nothing of it here") {
		t.Fatalf("the kernel node's Sockets panel:\n%s", got)
	}
	a.Update(press("a"))
	_, cmd = a.Update(press("enter"))
	if r := cmd().(resultMsg); r.Err == nil || r.Err.Error() != "k is a kernel node: the TUI shows it, exec steps change it" {
		t.Fatalf("a UDP socket on k: %+v", r)
	}

	// A failed read says so.
	fail = errors.New("netlink: permission denied")
	a.kernelAt = a.kernelAt.Add(-2 * kernelEvery)
	a.setFocus(pInterfaces)
	feed(a, a.kernelCmd())
	a.kernel["k"].Links = nil
	a.Refresh()
	if got := plain(a.Render()); !strings.Contains(got, "cannot read k's devices: netlink: permission denied") {
		t.Fatalf("after a failed read:\n%s", got)
	}
}

// TestCaptureKey starts and stops a capture of quickstart's link from
// the Links panel with c: the panel shows it running and the frames it
// took, and the pcap file holds them once stopped.
func TestCaptureKey(t *testing.T) {
	dir := t.TempDir()
	w := quietWorldWith(t, "quickstart", run.Options{PacketEvents: true, CaptureDir: dir})
	w.Virtual.Resume()
	d := &driver{t: t, a: newTestApp(t, w, 140, 45), w: w}
	d.a.setFocus(pLinks)
	r := d.do(d.key("c"))
	path := dir + "/quickstart-l1.pcap"
	if r.Detail != "writing "+path || d.status() != "✔ capture l1: writing "+path {
		t.Fatalf("c: %+v; status %q", r, d.status())
	}
	if !w.Capturing("l1") {
		t.Fatal("the link is not being captured")
	}
	d.key("p")
	d.typeIn("10.0.0.2")
	d.do(d.key("enter"))
	lp := d.a.panels[pLinks].(*linksPanel)
	refreshUntil(t, d.a, func() bool { return len(lp.links) == 1 && lp.links[0].Captured >= 6 })
	if row := plain(lp.Row(0, 200)[0]); !regexp.MustCompile(`^l1  a:eth0 ↔ b:eth0  pipe  delay 1ms  ● capturing \d+ fr → `+regexp.QuoteMeta(path)).MatchString(row) ||
		!strings.Contains(plain(d.a.Render()), "● capturing") {
		t.Fatalf("the Links panel does not show the capture: %q\n%s", row, plain(d.a.Render()))
	}
	r = d.do(d.key("c"))
	if !regexp.MustCompile(`^\d+ frames written to `+regexp.QuoteMeta(path)+`$`).MatchString(r.Detail) || w.Capturing("l1") {
		t.Fatalf("c again: %+v", r)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() <= 24+6*16 { // the pcap header, and 6 records at least
		t.Fatalf("the capture file: %v, %v", fi, err)
	}
	d.a.Refresh()
	if strings.Contains(plain(d.a.Render()), "● capturing") {
		t.Fatal("the Links panel still shows the capture")
	}
}

var sizeMsg100x30 = tea.WindowSizeMsg{Width: 100, Height: 30}

// feed runs cmd (and every command of a batch) and gives each message it
// returns to a, until nothing comes back.
func feed(a *App, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			feed(a, c)
		}
	default:
		_, next := a.Update(msg)
		feed(a, next)
	}
}
