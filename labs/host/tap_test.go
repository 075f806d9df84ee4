//go:build linux

package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tunDevice is what /proc/PID/fd/N links to for a TAP device's file.
const tunDevice = "/dev/net/tun"

// openFDs returns the targets of the open descriptors of process pid, by
// descriptor.
func openFDs(t *testing.T, pid int) map[string]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := map[string]string{}
	for _, e := range es {
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			fds[e.Name()] = target
		}
	}
	return fds
}

// TestTAPIsCloseOnExec opens a TAP device as a lab does (NewTAP, handed to
// the link driver) and starts commands in its namespace, a daemon and a
// foreground one: neither inherits the device's descriptor, which would
// keep the device alive after the lab closed it.
func TestTAPIsCloseOnExec(t *testing.T) {
	w := newKernelWorld(t)
	// The descriptor is open here, and is the device.
	rc, err := w.tap.File.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); err != nil || got != tunDevice {
		t.Fatalf("the TAP's descriptor %d links to %q (%v), want %s", fd, got, err, tunDevice)
	}

	p, err := w.k.Start("sleep", "600")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// Start returns once sleep has been executed: the descriptors are the
	// ones exec left it.
	fds := openFDs(t, p.Pid())
	if !strings.HasPrefix(fds["1"], "pipe:") {
		t.Fatalf("the daemon's stdout is %q, want its output pipe (descriptors %v)", fds["1"], fds)
	}
	for n, target := range fds {
		if target == tunDevice {
			t.Errorf("the daemon inherited descriptor %s on %s (descriptors %v)", n, tunDevice, fds)
		}
	}

	res, err := w.k.Exec(testCtx(t), wallLimit, "ls", "-l", "/proc/self/fd/")
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Stdout)
	if res.ExitCode != 0 || !strings.Contains(out, "pipe:") {
		t.Fatalf("ls exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if strings.Contains(out, tunDevice) {
		t.Errorf("a command inherited a descriptor on %s:\n%s", tunDevice, out)
	}
}
