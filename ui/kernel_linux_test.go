//go:build linux

package ui

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// TestKernelNode runs kernel-ping (root and /dev/net/tun: skipped without
// them, unless CI is set) and reads its kernel node k through netlink as
// the TUI does: k's tab, its loopback and its TAP device tap0 with the
// lab's address, read only, and counters that the lab's pings move; the
// Links panel names the tap link's device and namespace, and c captures
// the link while the pings run.
func TestKernelNode(t *testing.T) {
	if err := run.CheckHost(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatalf("CI is set and the host cannot run kernel labs: %v", err)
	}
	lab, err := labs.Builtin("kernel-ping")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w, err := run.Build(lab, run.Options{PacketEvents: true, CaptureDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	a := New(w, Options{Tick: -1, NoColor: true})
	a.Update(sizeMsg100x30)
	// Capture the tap link from the start.
	a.setFocus(pLinks)
	_, cmd := a.Update(press("c"))
	if r := cmd().(resultMsg); r.Err != nil {
		t.Fatalf("capture: %v", r.Err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	w.Start(ctx)

	ns := w.Namespace("k").FullName()
	a.Refresh()
	if got := plain(a.Render()); !strings.Contains(got, "l1  k:tap0 ↔ s:eth0  tap (tap0 in netns "+ns+")") {
		t.Fatalf("the Links panel does not show the TAP device:\n%s", got)
	}
	select {
	case <-w.Done():
	case <-ctx.Done():
		t.Fatal("kernel-ping did not end")
	}
	if rep := w.Report(); rep == nil || !rep.Passed {
		t.Fatalf("kernel-ping: %v", rep.Summary())
	}
	// The TAP driver's counts: k's frames read from tap0, s's written
	// into it.
	a.Refresh()
	a.setFocus(pLinks)
	if got := plain(a.Render()); !regexp.MustCompile(`k:tap0 → s:eth0 tx \d+ fr  rx \d+ fr  drop 0  · kernel out [1-9]\d*\b`).MatchString(got) ||
		!regexp.MustCompile(`s:eth0 → k:tap0 tx \d+ fr  rx \d+ fr  drop 0  · kernel in [1-9]\d*\b`).MatchString(got) {
		t.Fatalf("the Links panel does not show the TAP driver's counts:\n%s", got)
	}
	_, cmd = a.Update(press("c"))
	r := cmd().(resultMsg)
	if r.Err != nil || !regexp.MustCompile(`^\d+ frames written to `).MatchString(r.Detail) || strings.HasPrefix(r.Detail, "0 ") {
		t.Fatalf("stopping the capture: %+v", r)
	}

	a.setFocus(pInterfaces)
	a.selectNode(0)
	feed(a, a.kernelCmd())
	// The panels a kernel node has nothing for say where to look.
	for _, c := range []struct {
		panel int
		want  string
	}{
		{pARP, "a kernel node: ip -n " + ns + " neigh shows its ARP cache"},
		{pRoutes, "a kernel node: ip -n " + ns + " route shows its routes"},
		{pSockets, "a kernel node: ip netns exec " + ns + " ss -tuna lists its sockets"},
	} {
		a.setFocus(c.panel)
		if got := plain(a.Render()); !strings.Contains(got, c.want) {
			t.Fatalf("panel %d of the kernel node does not say %q:\n%s", c.panel, c.want, got)
		}
	}
	a.setFocus(pInterfaces)
	got := plain(a.Render())
	if !strings.Contains(got, "[1:k (kernel)]") || !strings.Contains(got, "Interfaces · k · kernel, read only") {
		t.Fatalf("k's tab and Interfaces:\n%s", got)
	}
	if !regexp.MustCompile(`lo \(lo\)\s+—\s+127\.0\.0\.1/8\s+65536\s+up\s`).MatchString(got) {
		t.Fatalf("k's loopback:\n%s", got)
	}
	row := regexp.MustCompile(`tap0\s+([0-9a-f:]{17})\s+10\.9\.0\.1/24\s+1500\s+up\s+\S+\s+tap device`)
	if !row.MatchString(got) {
		t.Fatalf("k's tap0:\n%s", got)
	}
	if mac := row.FindStringSubmatch(got)[1]; mac != lab.Node("k").Interface("tap0").MAC.String() {
		t.Errorf("tap0's MAC is %s, want the lab's %s", mac, lab.Node("k").Interface("tap0").MAC)
	}
	// The pings and the page went through tap0.
	var tap KernelLink
	for _, l := range a.kernel["k"].Links {
		if l.Name == "tap0" {
			tap = l
		}
	}
	if tap.RxPackets < 6 || tap.TxPackets < 6 {
		t.Fatalf("tap0's counters: %+v", tap)
	}
	if !regexp.MustCompile(`rx \d+ pk \S+ \S+  tx \d+ pk`).MatchString(got) {
		t.Fatalf("no counters:\n%s", got)
	}
}
