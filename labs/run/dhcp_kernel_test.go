//go:build linux

package run_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
	"github.com/netlab/netlab/netifapi"
)

// runPeerLab runs a built-in lab whose kernel node runs a real DHCP peer,
// calls check with the world before it closes (the stacks still run; the
// peer was stopped when the steps ended) and checks that the temporary
// directory the peer's files went to is gone after Close.
func runPeerLab(t *testing.T, name, tmpPrefix string, check func(w *run.World, rep *run.Report)) {
	t.Helper()
	lab, err := labs.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	needHost(t, lab)
	w, err := run.Build(lab, run.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	glob := filepath.Join("/tmp", tmpPrefix+w.Namespace("k").FullName()+".*")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	for _, s := range rep.Steps {
		t.Logf("%2d %-45s %s %s", s.Index, s.Name, s.Status, s.Detail)
	}
	for _, p := range rep.Processes {
		t.Logf("%s (exit %d):\n%s%s", p.Node, p.Exit, p.Stdout, p.Stderr)
	}
	if !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
	if len(rep.Processes) != 1 {
		t.Fatalf("got %d background processes, want the peer alone: %+v", len(rep.Processes), rep.Processes)
	}
	check(w, rep)
	w.Close()
	if left, _ := filepath.Glob(glob); len(left) > 0 {
		t.Errorf("the peer's temporary directory is left: %v", left)
	}
}

// TestDHCPDnsmasqLab runs the dhcp-dnsmasq lab against dnsmasq and
// checks what the lab cannot: dnsmasq's own log of the exchange (the
// discovery and request broadcast, the renewal answered by unicast, the
// release).
func TestDHCPDnsmasqLab(t *testing.T) {
	runPeerLab(t, "dhcp-dnsmasq", "netlab-dnsmasq-", func(w *run.World, rep *run.Report) {
		log := rep.Processes[0].Stderr
		for _, want := range []string{"DHCPDISCOVER(tap0) 02:00:00:00:02:00", "DHCPOFFER(tap0) 10.9.0.", "client provides name: s",
			"lease-time  2m", "T1  20s", "dns-server  10.9.0.53", "DHCPRELEASE(tap0) 10.9.0."} {
			if !strings.Contains(log, want) {
				t.Errorf("dnsmasq's log lacks %q", want)
			}
		}
		if n := strings.Count(log, "DHCPACK(tap0) 10.9.0."); n != 2 {
			t.Errorf("dnsmasq acknowledged %d requests, want 2 (the lease, the renewal)", n)
		}
		// The renewal is the last REQUEST: with ciaddr set, dnsmasq
		// answers it by unicast.
		if tail := log[strings.LastIndex(log, "DHCPREQUEST("):]; strings.Contains(tail, "broadcast response") {
			t.Errorf("dnsmasq broadcast its answer to the renewal")
		}
	})
}

// TestDHCPUdhcpcLab runs the dhcp-udhcpc lab with busybox's udhcpc and
// checks what the lab cannot: netlab's lease table, and udhcpc's release
// when the lab stopped it.
func TestDHCPUdhcpcLab(t *testing.T) {
	runPeerLab(t, "dhcp-udhcpc", "netlab-udhcpc-", func(w *run.World, rep *run.Report) {
		out := rep.Processes[0].Stdout + rep.Processes[0].Stderr
		for _, want := range []string{"lease of 10.9.0.100 obtained from 10.9.0.2, lease time 30", "sending renew to server 10.9.0.2",
			"unicasting a release of 10.9.0.100 to 10.9.0.2"} {
			if !strings.Contains(out, want) {
				t.Errorf("udhcpc's output lacks %q", want)
			}
		}
		kmac := w.Lab.Node("k").Interface("tap0").MAC.String()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var table string
		for ctx.Err() == nil {
			srv, err := netifapi.DHCPServer(ctx, w.Node("s").Stack, "eth0")
			if err != nil {
				t.Fatal(err)
			}
			table = fmt.Sprintf("%+v, counters %+v", srv.Leases, srv)
			bound := false
			for _, l := range srv.Leases {
				bound = bound || l.MAC.String() == kmac && l.State == "bound"
			}
			// Two ACKs at least: udhcpc sends a renewal from a socket
			// connected to the server and closes it at once; an ACK back
			// before the close is lost with it, and udhcpc asks again.
			if !bound && srv.Releases == 1 && srv.Acks >= 2 {
				t.Logf("netlab's server: %s", table)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Errorf("netlab's server did not send two ACKs or more and free the lease of %s on its release: %s", kmac, table)
	})
}
