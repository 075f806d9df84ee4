//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/netlab/netlab/labs/host"
	"github.com/netlab/netlab/labs/run"
)

// needRoot skips a test that makes namespaces without root or
// /dev/net/tun, unless CI is set: CI runs as root and must run it.
func needRoot(t *testing.T) {
	t.Helper()
	if err := run.CheckHost(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatalf("CI is set and the host cannot run kernel labs: %v", err)
	}
}

// netnsNames lists the named namespaces this process's runs made (other
// processes on the machine may be running labs of their own).
func netnsNames(t *testing.T) []string {
	t.Helper()
	own := host.ProcessPrefix(os.Getpid())
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

func TestRunKernelPing(t *testing.T) {
	needRoot(t)
	before := netnsNames(t)
	code, out, errs := runCLI(t, "run", "kernel-ping")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"kernel-ping (real clock", "the kernel pings s", "3/3 replies", "kernel-ping: passed, 8/8 steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if after := netnsNames(t); !slices.Equal(after, before) {
		t.Errorf("namespaces before %v, after %v", before, after)
	}
}

// TestRunKernelLabs runs the built-in labs whose peers are the kernel's
// own tools (nc, curl, busybox httpd) as the command does: exit 0, and no
// namespace left.
func TestRunKernelLabs(t *testing.T) {
	needRoot(t)
	for _, tc := range []struct {
		lab  string
		want []string
	}{
		{"kernel-udp", []string{"nc in k sends to s's echo app", "16 B in 1 datagram(s)", "nc received s's datagram", "kernel-udp: passed, 13/13 steps"}},
		{"tap-pair", []string{"a pings b across the bridge", "3/3 replies", "a's megabyte reached b whole", "tap-pair: passed, 15/15 steps"}},
		{"kernel-http", []string{"curl got the page", "s fetches k's page                   200 OK", "404 Not Found", "kernel-http: passed, 9/9 steps"}},
	} {
		t.Run(tc.lab, func(t *testing.T) {
			before := netnsNames(t)
			code, out, errs := runCLI(t, "run", tc.lab)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if after := netnsNames(t); !slices.Equal(after, before) {
				t.Errorf("namespaces before %v, after %v", before, after)
			}
		})
	}
}

// TestRunWithoutHostExits3 acts out a host without root: a lab with a
// kernel node or a tap-pair link exits 3 and says what is missing, having
// made nothing, from `netlab run` and `netlab tui` alike; a lab with only
// in-memory links runs as ever.
func TestRunWithoutHostExits3(t *testing.T) {
	prev := hostCheck
	hostCheck = func() error {
		return fmt.Errorf("%w: CAP_NET_ADMIN (run as root), /dev/net/tun (missing)", host.ErrUnsupported)
	}
	defer func() { hostCheck = prev }()
	before := netnsNames(t)
	for _, lab := range []string{"kernel-ping", "kernel-udp", "kernel-http", "tap-pair"} {
		code, out, errs := runCLI(t, "run", lab)
		if code != exitNoPrivilege {
			t.Fatalf("%s: exit %d, want 3\n%s%s", lab, code, out, errs)
		}
		for _, want := range []string{lab, "CAP_NET_ADMIN (run as root)", "/dev/net/tun"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", lab, want, errs)
			}
		}
		// The TUI stops as early, with the same code, before it takes
		// the terminal.
		code, out, errs = runCLI(t, "tui", lab)
		if code != exitNoPrivilege || out != "" || !strings.Contains(errs, "CAP_NET_ADMIN (run as root)") {
			t.Fatalf("tui %s: exit %d, want 3\n%s%s", lab, code, out, errs)
		}
	}
	if after := netnsNames(t); !slices.Equal(after, before) {
		t.Errorf("namespaces before %v, after %v", before, after)
	}
	if code, out, errs := runCLI(t, "run", "quickstart"); code != exitOK {
		t.Fatalf("quickstart: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "clean"); code != exitNoPrivilege {
		t.Fatalf("clean: exit %d, want 3\n%s", code, errs)
	}
}

// deadRunName returns a namespace name of a run whose process is gone.
func deadRunName(t *testing.T) string {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return host.ProcessPrefix(c.Process.Pid) + "zz-k"
}

// TestClean leaves a live run's namespace alone and removes a dead run's.
func TestClean(t *testing.T) {
	needRoot(t)
	// The dead run's namespace comes first: ip netns add bind-mounts
	// NetnsDir onto itself, which would hide the live run's mount below it.
	dead := deadRunName(t)
	if out, err := exec.Command("ip", "netns", "add", dead).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", dead, err, out)
	}
	defer exec.Command("ip", "netns", "del", dead).Run()
	live, err := host.NewRun()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := live.Close(); err != nil {
			t.Errorf("closing the live run: %v", err)
		}
	}()
	if _, err := live.NewNamespace("k"); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "clean", "--dry-run")
	if code != exitOK || !strings.Contains(out, "left behind: namespace "+dead) {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
	}
	if !slices.Contains(allNetns(t), dead) {
		t.Fatal("the dry run removed the namespace")
	}
	code, out, errs = runCLI(t, "--json", "clean")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var rep struct {
		Format    string
		Leftovers []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Format != "netlab.clean/v1" || !slices.ContainsFunc(rep.Leftovers, func(l struct{ Name string }) bool { return l.Name == dead }) {
		t.Fatalf("got %s", out)
	}
	names := allNetns(t)
	if slices.Contains(names, dead) {
		t.Errorf("%s is still there", dead)
	}
	if !slices.Contains(names, live.ID()+"-k") {
		t.Errorf("clean removed the live run's namespace %s-k: %v", live.ID(), names)
	}
	if code, out, _ := runCLI(t, "clean"); code != exitOK || strings.Contains(out, dead) {
		t.Errorf("second clean: exit %d\n%s", code, out)
	}
}
