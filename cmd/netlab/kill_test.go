//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/netlab/netlab/labs/host"
)

// killedLab has a kernel node with a daemon that escapes its process
// group (and so netlab's parent-death signal), a tap-pair link's bridge
// namespace, and a last step that waits long enough to be killed in.
const killedLab = `
name: killed
nodes:
  k:
    kind: kernel
    interfaces:
      tap0: {address: 10.9.0.1/24}
  s:
    interfaces:
      eth0: {address: 10.9.0.2/24}
      eth1: {address: 10.7.0.1/24}
  b:
    interfaces:
      eth0: {address: 10.7.0.2/24}
links:
  - {endpoints: [k:tap0, s:eth0], type: tap}
  - {endpoints: [s:eth1, b:eth0], type: tap-pair}
steps:
  - exec: {node: k, run: "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > \"$NETLAB_DIR/daemon\"", within: 5s}
  - expect: {exit: 0}
  - exec: {node: k, run: "echo files > \"$NETLAB_DIR/left\"", within: 5s}
  - ping: {from: b, to: 10.7.0.1, count: 1, timeout: 2s}
  - expect: {ping-replies: 1}
  - exec: {node: k, run: "echo ALL-BUILT; sleep 300", within: 5m}
`

// rootLinkNames lists the links of the namespace the test runs in.
func rootLinkNames(t *testing.T) []string {
	t.Helper()
	ls, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%d:%s", l.Attrs().Index, l.Attrs().Name))
	}
	return out
}

// TestCleanAfterSIGKILL kills a running `netlab run` of a kernel lab with
// SIGKILL, which leaves its namespaces (with their TAP devices, bridge
// and a daemon) and its directory of files behind; `netlab clean` removes
// every one of them, kills the daemon, and leaves a live run's namespace,
// and the root namespace's links, as they were.
func TestCleanAfterSIGKILL(t *testing.T) {
	needRoot(t)
	bin := buildNetlab(t, false)
	labFile := filepath.Join(t.TempDir(), "killed.yaml")
	if err := os.WriteFile(labFile, []byte(killedLab), 0o644); err != nil {
		t.Fatal(err)
	}
	rootBefore := rootLinkNames(t)
	live, err := host.NewRun()
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, err := live.NewNamespace("k"); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "run", labFile)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	built := make(chan error, 1)
	var seen strings.Builder
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "✔  5") {
				built <- nil
				return
			}
		}
		built <- fmt.Errorf("netlab ended: %v", sc.Err())
	}()
	select {
	case err := <-built:
		if err != nil {
			t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, seen.String(), stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("the lab did not get to its last step\nstderr:\n%s", stderr.String())
	}
	// The run's id carries netlab's pid: what it made is named after it.
	pid := strconv.FormatInt(int64(cmd.Process.Pid), 36)
	prefix := host.Prefix + strings.Repeat("0", 5-len(pid)) + pid
	var made []string
	for _, n := range allNetns(t) {
		if strings.HasPrefix(n, prefix) {
			made = append(made, n)
		}
	}
	if len(made) != 2 || !strings.HasSuffix(made[0], "-k") || !strings.HasSuffix(made[1], "-tap-pair-links") {
		t.Fatalf("the run made namespaces %v, want its k and tap-pair-links", made)
	}
	id := made[0][:host.IDLen]
	devices := map[string]string{}
	for _, ns := range made {
		out, err := exec.Command("ip", "-n", ns, "-o", "link", "show").CombinedOutput()
		if err != nil {
			t.Fatalf("ip -n %s link: %v\n%s", ns, err, out)
		}
		devices[ns] = string(out)
	}
	for _, want := range []struct{ ns, dev string }{{"-k", "tap0"}, {"-tap-pair-links", id + "b2"}, {"-tap-pair-links", id + "t2a"}, {"-tap-pair-links", id + "t2b"}} {
		if !strings.Contains(devices[id+want.ns], ": "+want.dev+":") {
			t.Fatalf("no device %s in %s%s:\n%s", want.dev, id, want.ns, devices[id+want.ns])
		}
	}
	dir := filepath.Join(host.FilesDir, id)
	b, err := os.ReadFile(filepath.Join(dir, "daemon"))
	if err != nil {
		t.Fatal(err)
	}
	daemon, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || syscall.Kill(daemon, 0) != nil {
		t.Fatalf("daemon %q is not running (%v)", b, err)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	for _, ns := range made {
		if !slices.Contains(allNetns(t), ns) {
			t.Fatalf("namespace %s went with netlab: nothing for clean to do", ns)
		}
	}
	code, out, errs := runCLI(t, "clean", "--dry-run")
	if code != exitOK {
		t.Fatalf("clean --dry-run: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range append(slices.Clone(made), id) {
		if !strings.Contains(out, want+" (run of process "+strconv.Itoa(cmd.Process.Pid)) {
			t.Errorf("clean --dry-run does not list %s:\n%s", want, out)
		}
	}
	code, out, errs = runCLI(t, "clean")
	if code != exitOK {
		t.Fatalf("clean: exit %d\n%s%s", code, out, errs)
	}
	t.Logf("netlab clean:\n%s", out)
	for _, want := range []string{"removed: namespace " + made[0], "removed: namespace " + made[1], "removed: directory " + id} {
		if !strings.Contains(out, want) {
			t.Errorf("clean's output lacks %q", want)
		}
	}
	names := allNetns(t)
	for _, ns := range made {
		if slices.Contains(names, ns) {
			t.Errorf("namespace %s is left after clean", ns)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the run's directory %s is left after clean (%v)", dir, err)
	}
	if !gone(daemon) {
		t.Errorf("the daemon %d that left netlab's process group is alive after clean", daemon)
	}
	if !slices.Contains(names, live.ID()+"-k") {
		t.Errorf("clean removed %s-k, a live run's namespace", live.ID())
	}
	if _, err := os.Stat(live.Dir()); err != nil {
		t.Errorf("clean removed %s, a live run's directory: %v", live.Dir(), err)
	}
	if after := rootLinkNames(t); !slices.Equal(after, rootBefore) {
		t.Errorf("the root namespace's links changed: before %v, after %v", rootBefore, after)
	}
}

// gone waits for pid to disappear (a zombie counts: init reaps it).
func gone(pid int) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			return true
		}
	}
	return false
}
