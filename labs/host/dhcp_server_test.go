//go:build linux

package host

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/netifapi"
)

// serveDHCP starts netlab's DHCP server on the stack's eth0 (10.9.0.2/24):
// pool 10.9.0.100-10.9.0.110, itself as router, one name server, and the
// lease times given.
func (w *kernelWorld) serveDHCP(t *testing.T, lease, t1, t2 time.Duration) {
	t.Helper()
	err := netifapi.DHCPServerStart(testCtx(t), w.stack, "eth0", dhcp.ServerConfig{
		PoolStart: netip.MustParseAddr("10.9.0.100"), PoolEnd: netip.MustParseAddr("10.9.0.110"),
		Router: stackAddr, DNS: []netip.Addr{netip.MustParseAddr("10.9.0.53")},
		LeaseTime: lease, T1: t1, T2: t2,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// serverLease returns the row of the stack's lease table for mac, and the
// table.
func (w *kernelWorld) serverLease(t *testing.T, mac string) (snapshot.DHCPLease, bool, []snapshot.DHCPLease) {
	t.Helper()
	s, err := netifapi.DHCPServer(testCtx(t), w.stack, "eth0")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.Leases {
		if l.MAC.String() == mac {
			return l, true, s.Leases
		}
	}
	return snapshot.DHCPLease{}, false, s.Leases
}

// kernelTAP returns the kernel's side of the TAP link as netlink sees it.
func (w *kernelWorld) kernelTAP(t *testing.T) Link {
	t.Helper()
	ls, err := w.k.Links()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Name == w.tap.Name {
			return l
		}
	}
	t.Fatalf("no device %s in %s: %+v", w.tap.Name, w.k.FullName(), ls)
	return Link{}
}

// writeScript writes an executable shell script into dir.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// readLog returns a file's contents, "" while it does not exist.
func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// checkKernelLease checks that the server's table holds a bound lease
// for the kernel's device, named hostname, whose address the device
// carries with the pool's /24, and returns it.
func (w *kernelWorld) checkKernelLease(t *testing.T, hostname string) snapshot.DHCPLease {
	t.Helper()
	mac := w.kernelTAP(t).MAC.String()
	var l snapshot.DHCPLease
	waitFor(t, wallLimit, "a bound lease in netlab's table", func() (bool, string) {
		var ok bool
		var all []snapshot.DHCPLease
		l, ok, all = w.serverLease(t, mac)
		return ok && l.State == "bound", fmt.Sprintf("leases %+v", all)
	})
	if l.Hostname != hostname || l.Address.Bits() != 24 || l.Address.Addr().Less(netip.MustParseAddr("10.9.0.100")) ||
		netip.MustParseAddr("10.9.0.110").Less(l.Address.Addr()) {
		t.Errorf("lease %+v, want an address of 10.9.0.100-10.9.0.110/24 for host %s", l, hostname)
	}
	waitFor(t, wallLimit, "the kernel's device to carry the leased address", func() (bool, string) {
		k := w.kernelTAP(t)
		return slices.Contains(k.Addrs, l.Address), fmt.Sprintf("%s has %v, want %v", k.Name, k.Addrs, l.Address)
	})
	return l
}

// TestUdhcpcWithServer has busybox's udhcpc lease an address from
// netlab's server: the kernel's device gets it (through udhcpc's script,
// in the test's directory), the lease table shows the client bound; at
// half the lease udhcpc renews by unicast and netlab's table shows the
// lease restarted; udhcpc's release on exit (-R) frees the lease.
func TestUdhcpcWithServer(t *testing.T) {
	bin := needPeer(t, "udhcpc")
	w := newKernelWorldWith(t, netip.Prefix{}, netip.MustParsePrefix("10.9.0.2/24"))
	w.serveDHCP(t, 30*time.Second, 0, 0)
	dir := t.TempDir()
	events := filepath.Join(dir, "events")
	script := writeScript(t, dir, "udhcpc.script", `echo "$1 ip=$ip subnet=$subnet router=$router dns=$dns lease=$lease serverid=$serverid" >>`+events+`
case "$1" in
deconfig) ip -4 addr flush dev "$interface"; ip link set dev "$interface" up ;;
bound|renew)
	ip -4 addr replace "$ip/$subnet" dev "$interface"
	[ -n "$router" ] && ip -4 route replace default via "${router%% *}" dev "$interface"
	;;
esac
exit 0
`)
	start := time.Now()
	p, err := w.k.Start(bin, "-f", "-R", "-i", w.tap.Name, "-s", script, "-p", filepath.Join(dir, "udhcpc.pid"),
		"-x", "hostname:kbox", "-t", "10", "-T", "2")
	if err != nil {
		t.Fatal(err)
	}
	out := func() string { o, e := p.Output(); return string(o) + string(e) }
	t.Cleanup(func() { p.Stop(); t.Logf("udhcpc:\n%s\nscript events:\n%s", out(), readLog(t, events)) })
	l := w.checkKernelLease(t, "kbox")
	t.Logf("bound after %v: %+v", time.Since(start).Round(time.Millisecond), l)
	ev := readLog(t, events)
	want := fmt.Sprintf("bound ip=%v subnet=255.255.255.0 router=%v dns=10.9.0.53 lease=30 serverid=%v", l.Address.Addr(), stackAddr, stackAddr)
	if !strings.Contains(ev, want) {
		t.Errorf("udhcpc's script events:\n%s\nwant a line %q", ev, want)
	}
	// The kernel reaches the stack from its leased address.
	res, err := w.k.Exec(testCtx(t), wallLimit, "ping", "-n", "-c", "1", "-W", "2", stackAddr.String())
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("kernel ping of %v: %v, exit %d: %s", stackAddr, err, res.ExitCode, res.Stdout)
	}

	waitFor(t, wallLimit, "udhcpc to renew", func() (bool, string) {
		return strings.Contains(readLog(t, events), "\nrenew ip="+l.Address.Addr().String()), readLog(t, events)
	})
	t.Logf("renewed after %v", time.Since(start).Round(time.Millisecond))
	if r, ok, all := w.serverLease(t, l.MAC.String()); !ok || r.State != "bound" || r.Address != l.Address || r.Start <= l.Start {
		t.Errorf("after the renewal the table has %+v, want %v bound again with a later start than %v", all, l.Address, l.Start)
	}

	p.Stop() // SIGTERM: -R sends RELEASE
	waitFor(t, 5*time.Second, "netlab's server to free the released lease", func() (bool, string) {
		r, ok, all := w.serverLease(t, l.MAC.String())
		return !ok || r.State != "bound", fmt.Sprintf("leases %+v", all)
	})
}

// TestDhclientWithServer has ISC dhclient lease an address from netlab's
// server, with its own configuration, lease file, pid file and script in
// the test's directory: the kernel's device gets the address, dhclient's
// lease file and netlab's table show the lease; dhclient renews at T1
// (10s, which it randomises to 3/4 to all of it) and the table shows the
// lease restarted; `dhclient -r` releases it and the table frees it.
func TestDhclientWithServer(t *testing.T) {
	bin := needPeer(t, "dhclient")
	w := newKernelWorldWith(t, netip.Prefix{}, netip.MustParsePrefix("10.9.0.2/24"))
	w.serveDHCP(t, time.Minute, 10*time.Second, 45*time.Second)
	dir := t.TempDir()
	events := filepath.Join(dir, "events")
	conf := filepath.Join(dir, "dhclient.conf")
	if err := os.WriteFile(conf, []byte(`send host-name "kdh";
request subnet-mask, routers, domain-name-servers, dhcp-lease-time, dhcp-renewal-time, dhcp-rebinding-time;
`), 0o644); err != nil {
		t.Fatal(err)
	}
	script := writeScript(t, dir, "dhclient.script", `echo "$reason ip=$new_ip_address mask=$new_subnet_mask routers=$new_routers dns=$new_domain_name_servers lease=$new_dhcp_lease_time t1=$new_dhcp_renewal_time server=$new_dhcp_server_identifier" >>`+events+`
case "$reason" in
PREINIT) ip link set dev "$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
	if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
		ip -4 addr del "$old_ip_address/$old_subnet_mask" dev "$interface"
	fi
	ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
	for r in $new_routers; do ip -4 route replace default via "$r" dev "$interface"; break; done
	;;
EXPIRE|FAIL|RELEASE|STOP)
	[ -n "$old_ip_address" ] && ip -4 addr del "$old_ip_address/$old_subnet_mask" dev "$interface"
	;;
esac
exit 0
`)
	args := []string{"-4", "-cf", conf, "-lf", filepath.Join(dir, "dhclient.leases"), "-pf", filepath.Join(dir, "dhclient.pid"), "-sf", script}
	start := time.Now()
	p, err := w.k.Start(append([]string{bin, "-d", "-v"}, append(args, w.tap.Name)...)...)
	if err != nil {
		t.Fatal(err)
	}
	out := func() string { o, e := p.Output(); return string(o) + string(e) }
	t.Cleanup(func() { p.Stop(); t.Logf("dhclient:\n%s\nscript events:\n%s", out(), readLog(t, events)) })
	l := w.checkKernelLease(t, "kdh")
	t.Logf("bound after %v: %+v", time.Since(start).Round(time.Millisecond), l)
	want := fmt.Sprintf("BOUND ip=%v mask=255.255.255.0 routers=%v dns=10.9.0.53 lease=60 t1=10 server=%v", l.Address.Addr(), stackAddr, stackAddr)
	waitFor(t, 5*time.Second, "dhclient's script to see the lease", func() (bool, string) {
		return strings.Contains(readLog(t, events), want), fmt.Sprintf("events:\n%s\nwant a line %q", readLog(t, events), want)
	})
	// dhclient writes its lease file after running the script.
	waitFor(t, 5*time.Second, "dhclient's lease file to hold the lease", func() (bool, string) {
		lf := readLog(t, filepath.Join(dir, "dhclient.leases"))
		return strings.Contains(lf, "fixed-address "+l.Address.Addr().String()+";"), fmt.Sprintf("lease file:\n%s\nwant fixed-address %v", lf, l.Address.Addr())
	})

	waitFor(t, wallLimit, "dhclient to renew", func() (bool, string) {
		return strings.Contains(readLog(t, events), "\nRENEW ip="+l.Address.Addr().String()), readLog(t, events)
	})
	took := time.Since(start)
	t.Logf("renewed after %v", took.Round(time.Millisecond))
	if took < 7*time.Second {
		t.Errorf("renewed %v after the start, before 3/4 of T1", took)
	}
	if r, ok, all := w.serverLease(t, l.MAC.String()); !ok || r.State != "bound" || r.Address != l.Address || r.Start <= l.Start {
		t.Errorf("after the renewal the table has %+v, want %v bound again with a later start than %v", all, l.Address, l.Start)
	}

	// dhclient -r sends RELEASE and stops the running dhclient (by its pid
	// file).
	res, err := w.k.Exec(testCtx(t), wallLimit, append([]string{bin, "-r", "-v"}, append(args, w.tap.Name)...)...)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("dhclient -r: %v, exit %d:\n%s%s", err, res.ExitCode, res.Stdout, res.Stderr)
	}
	waitFor(t, 5*time.Second, "netlab's server to free the released lease", func() (bool, string) {
		r, ok, all := w.serverLease(t, l.MAC.String())
		return !ok || r.State != "bound", fmt.Sprintf("leases %+v", all)
	})
	if k := w.kernelTAP(t); slices.Contains(k.Addrs, l.Address) {
		t.Errorf("after the release %s still has %v", k.Name, l.Address)
	}
}
