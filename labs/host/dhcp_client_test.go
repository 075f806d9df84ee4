//go:build linux

package host

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
)

// Interop of netlab's DHCP client and server with real ones: dnsmasq
// serving netlab's client, udhcpc (busybox) and dhclient (ISC) asking
// netlab's server, each in the kernel namespace of a kernelWorld, over
// the TAP device. Every peer keeps its lease file, script and pid file in
// the test's temporary directory: the host's are never read or written.

// needPeer returns the path of a peer program, skipping the test when it
// is missing unless CI is set: CI installs it (.ci/run) and must run the
// test.
func needPeer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/sbin"} {
			if _, serr := os.Stat(filepath.Join(dir, name)); serr == nil {
				return filepath.Join(dir, name)
			}
		}
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not installed: %v", name, err)
		}
		t.Fatalf("CI is set and %s is not installed (.ci/run installs it): %v", name, err)
	}
	return p
}

// waitFor polls cond every 50ms until it holds or limit passes, and fails
// the test with what and cond's last words then.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, still waiting for %s: %s", limit, what, detail)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dnsmasqLease is one line of dnsmasq's lease file: "expiry mac address
// hostname client-id".
type dnsmasqLease struct {
	expires  int64
	mac      string
	addr     netip.Addr
	hostname string
}

// dnsmasqLeases reads dnsmasq's lease file.
func dnsmasqLeases(t *testing.T, path string) []dnsmasqLease {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []dnsmasqLease
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			t.Fatalf("dnsmasq lease file line %q: want at least 4 fields", sc.Text())
		}
		exp, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			t.Fatalf("dnsmasq lease file line %q: %v", sc.Text(), err)
		}
		a, err := netip.ParseAddr(f[2])
		if err != nil {
			t.Fatalf("dnsmasq lease file line %q: %v", sc.Text(), err)
		}
		out = append(out, dnsmasqLease{expires: exp, mac: f[1], addr: a, hostname: f[3]})
	}
	return out
}

// clientState returns the stack's eth0 DHCP client.
func (w *kernelWorld) clientState(t *testing.T) snapshot.DHCPClient {
	t.Helper()
	c, err := netifapi.DHCPClient(testCtx(t), w.stack, "eth0")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDHCPClientWithDnsmasq has netlab's client lease an address from
// dnsmasq: the lease carries what dnsmasq was told to hand out (address
// in its range, mask, router, two name servers, lease time, T1), the
// address and default route are set on the stack and usable, dnsmasq's
// lease file holds the client; at T1 the client renews with dnsmasq (its
// log shows a second ACK and its lease file a later expiry); a release
// makes dnsmasq drop the lease. dnsmasq's shortest lease is two minutes,
// so T1 is set to 20s by option 58 to keep the test short.
func TestDHCPClientWithDnsmasq(t *testing.T) {
	bin := needPeer(t, "dnsmasq")
	w := newKernelWorldWith(t, netip.MustParsePrefix("10.9.0.1/24"), netip.Prefix{})
	dir := t.TempDir()
	leaseFile := filepath.Join(dir, "dnsmasq.leases")
	d, err := w.k.Start(bin, "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
		"--user=root", "--pid-file="+filepath.Join(dir, "dnsmasq.pid"), "--dhcp-leasefile="+leaseFile,
		"--log-facility=-", "--log-dhcp", "--interface="+w.tap.Name, "--bind-interfaces",
		"--dhcp-range=10.9.0.100,10.9.0.150,255.255.255.0,2m",
		"--dhcp-option=option:router,10.9.0.1",
		"--dhcp-option=option:dns-server,10.9.0.53,10.9.0.54",
		"--dhcp-option=option:T1,20",
		"--dhcp-option=option:T2,90")
	if err != nil {
		t.Fatal(err)
	}
	log := func() string { _, e := d.Output(); return string(e) }
	t.Cleanup(func() {
		d.Stop()
		t.Logf("dnsmasq's log:\n%s", log())
	})
	waitFor(t, wallLimit, "dnsmasq to start", func() (bool, string) {
		select {
		case <-d.Done():
			t.Fatalf("dnsmasq exited: %s", log())
		default:
		}
		return strings.Contains(log(), "DHCP, IP range"), log()
	})

	ctx := testCtx(t)
	start := time.Now()
	if err := netifapi.DHCPStart(ctx, w.stack, "eth0", dhcp.ClientConfig{Hostname: "netlab"}); err != nil {
		t.Fatal(err)
	}
	var c snapshot.DHCPClient
	waitFor(t, wallLimit, "a lease from dnsmasq", func() (bool, string) {
		c = w.clientState(t)
		return c.State == "bound", fmt.Sprintf("%+v", c)
	})
	t.Logf("bound after %v: %+v", time.Since(start).Round(time.Millisecond), c)
	first := c
	a := c.Lease.Address
	if a.Bits() != 24 || a.Addr().Less(netip.MustParseAddr("10.9.0.100")) || netip.MustParseAddr("10.9.0.150").Less(a.Addr()) {
		t.Errorf("leased %v, want an address of 10.9.0.100-10.9.0.150 with mask /24", a)
	}
	wantDNS := []netip.Addr{netip.MustParseAddr("10.9.0.53"), netip.MustParseAddr("10.9.0.54")}
	if c.Server != kernelAddr || c.Router != kernelAddr || !slices.Equal(c.DNS, wantDNS) ||
		c.LeaseTime != 2*time.Minute || c.T1 != 20*time.Second || c.T2 != 90*time.Second {
		t.Errorf("got server %v, router %v, dns %v, lease %v, t1 %v, t2 %v; want server and router %v, dns %v, lease 2m, t1 20s, t2 1m30s",
			c.Server, c.Router, c.DNS, c.LeaseTime, c.T1, c.T2, kernelAddr, wantDNS)
	}
	n, err := netifapi.Get(ctx, w.stack, "eth0")
	if err != nil || n.Address != a {
		t.Errorf("eth0 has address %v (%v), want the lease's %v", n.Address, err, a)
	}
	routes, err := netifapi.Routes(ctx, w.stack)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(routes, func(r snapshot.Route) bool {
		return r.To.Bits() == 0 && r.Via == kernelAddr && r.Netif == "eth0"
	}) {
		t.Errorf("no default route via %v on eth0: %+v", kernelAddr, routes)
	}
	ls := dnsmasqLeases(t, leaseFile)
	if len(ls) != 1 || ls[0].mac != stackMAC.String() || ls[0].addr != a.Addr() || ls[0].hostname != "netlab" {
		t.Fatalf("dnsmasq's leases %+v, want one of %v for %v named netlab", ls, a.Addr(), stackMAC)
	}
	// The kernel reaches the leased address.
	res, err := w.k.Exec(ctx, wallLimit, "ping", "-n", "-c", "1", "-W", "2", a.Addr().String())
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("kernel ping of %v: %v, exit %d: %s", a.Addr(), err, res.ExitCode, res.Stdout)
	}

	// T1: a unicast REQUEST to dnsmasq, a second ACK, a later expiry.
	acks := strings.Count(log(), "DHCPACK(")
	waitFor(t, wallLimit, "the renewal at T1", func() (bool, string) {
		c = w.clientState(t)
		return c.Renewals >= 1 && c.State == "bound", fmt.Sprintf("%+v", c)
	})
	took := time.Since(start)
	t.Logf("renewed %v after the start: %+v", took.Round(time.Millisecond), c)
	if took < 20*time.Second {
		t.Errorf("renewed %v after the start, before T1 (20s)", took)
	}
	if c.Lease.Address != a || c.RenewAt <= first.RenewAt || c.Renewals != 1 || c.Rebinds != 0 {
		t.Errorf("after renewing: %+v, want %v again with a later T1 (first %v), 1 renewal, no rebind", c, a, first.RenewAt)
	}
	waitFor(t, 5*time.Second, "dnsmasq to log the renewal's ACK", func() (bool, string) {
		return strings.Count(log(), "DHCPACK(") > acks, log()
	})
	// A REQUEST with ciaddr set, as RENEWING sends it, is answered by
	// unicast: dnsmasq says "broadcast response" for the others.
	if l := log(); strings.Contains(l[strings.LastIndex(l, "DHCPREQUEST("):], "broadcast response") {
		t.Errorf("dnsmasq broadcast its answer to the renewal, as to a client without an address")
	}
	waitFor(t, 5*time.Second, "dnsmasq's lease file to show the renewal", func() (bool, string) {
		now := dnsmasqLeases(t, leaseFile)
		return len(now) == 1 && now[0].expires > ls[0].expires, fmt.Sprintf("%+v, first %+v", now, ls)
	})

	// Release: dnsmasq forgets the lease, the stack the address.
	if err := netifapi.DHCPRelease(ctx, w.stack, "eth0"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "dnsmasq to drop the released lease", func() (bool, string) {
		return strings.Contains(log(), "DHCPRELEASE(") && len(dnsmasqLeases(t, leaseFile)) == 0, log()
	})
	if n, err := netifapi.Get(ctx, w.stack, "eth0"); err != nil || n.Address.IsValid() {
		t.Errorf("after release eth0 has address %v (%v), want none", n.Address, err)
	}
	if c := w.clientState(t); c.State != "off" {
		t.Errorf("after release the client is %s, want off", c.State)
	}
}
