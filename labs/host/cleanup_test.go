//go:build linux

package host

import (
	"bufio"
	"bytes"
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

	"github.com/netlab/netlab/core/link/tap"
)

// childEnv makes the test binary a child that builds a lab and then
// either waits for a signal (CloseOnSignal) or panics on a goroutine.
const childEnv = "NETLAB_HOST_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		child(mode)
		return
	}
	os.Exit(m.Run())
}

// child builds a run with a namespace, a TAP and a daemon whose own child
// left its process group, prints "READY namespace pid", and then waits
// for a signal or panics.
func child(mode string) {
	fail := func(err error) {
		fmt.Println("ERROR", err)
		CloseAll()
		os.Exit(1)
	}
	if mode == "signal" {
		CloseOnSignal()
	}
	r, err := NewRun()
	if err != nil {
		fail(err)
	}
	n, err := r.NewNamespace("c")
	if err != nil {
		fail(err)
	}
	if _, err := n.NewTAP("t0", 0); err != nil {
		fail(err)
	}
	p, err := n.Start("sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!; wait")
	if err != nil {
		fail(err)
	}
	var pid int
	for deadline := time.Now().Add(wallLimit); pid == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		out, _ := p.Output()
		pid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	}
	fmt.Println("READY", n.FullName(), pid)
	switch mode {
	case "panic":
		go panic("a lab goroutine panics mid-way")
	}
	select {}
}

// startChild runs the test binary as a child in mode and returns it with
// the namespace it made and its daemon's pid.
func startChild(t *testing.T, mode string) (*exec.Cmd, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	var stderr bytes.Buffer // the panic's trace: expected, shown on failure
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("child's stderr:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	var ns string
	var pid int
	if _, err := fmt.Sscanf(line, "READY %s %d", &ns, &pid); err != nil || pid <= 0 {
		t.Fatalf("child said %q", line)
	}
	if !slices.Contains(namespaces(t), ns) {
		t.Fatalf("child's namespace %s is not under %s", ns, NetnsDir)
	}
	if !alive(pid) {
		t.Fatalf("child's daemon %d is not running", pid)
	}
	return cmd, ns, pid
}

// gone waits for pid to disappear (a zombie counts as gone: its parent
// was the daemon's shell, and init reaps it).
func gone(pid int) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			return true
		}
	}
	return false
}

func TestCloseRemovesEverything(t *testing.T) {
	needHost(t)
	// Only this process's: go test runs other packages' kernel tests
	// meanwhile.
	own := ProcessPrefix(os.Getpid())
	before := ownedBy(namespaces(t), own)
	r, err := NewRun()
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.NewNamespace("a")
	if err != nil {
		t.Fatal(err)
	}
	tp, err := n.NewTAP("t0", 1400)
	if err != nil {
		t.Fatal(err)
	}
	// Link down maps to the TAP's carrier, which the kernel side sees.
	ep, err := tap.New(tp.File, tap.Options{Name: "carrier"})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	if err := n.SetUp(tp.Name); err != nil {
		t.Fatal(err)
	}
	// oper returns the device's operstate once it is (or is not, for
	// "!down") want: the kernel's link watch may take a second.
	oper := func(want string) string {
		var got string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			ls, err := n.Links()
			if err != nil {
				t.Fatal(err)
			}
			got = "missing"
			for _, l := range ls {
				if l.Name == tp.Name {
					got = l.OperState
				}
			}
			if got == want || want == "!down" && got != "down" {
				break
			}
		}
		return got
	}
	if err := ep.SetCarrier(false); err != nil {
		t.Fatal(err)
	}
	if got := oper("down"); got != "down" {
		t.Errorf("operstate with the carrier off = %s, want down", got)
	}
	if err := ep.SetCarrier(true); err != nil {
		t.Fatal(err)
	}
	if got := oper("!down"); got == "down" {
		t.Errorf("operstate with the carrier on = %s, want up or unknown", got)
	}
	links, err := n.Links()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range links {
		names = append(names, l.Name)
	}
	if !slices.Contains(names, tp.Name) || len(tp.Name) > 15 {
		t.Fatalf("links %v, want %s (at most 15 characters)", names, tp.Name)
	}
	res, err := n.Exec(testCtx(t), wallLimit, "ip", "-o", "link", "show", tp.Name)
	if err != nil || res.ExitCode != 0 || !strings.Contains(string(res.Stdout), "mtu 1400") {
		t.Fatalf("ip link show in the namespace: %v %+v", err, res)
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil || !strings.Contains(string(out), n.FullName()) {
		t.Fatalf("ip netns list = %q (%v), want %s", out, err, n.FullName())
	}
	p, err := n.Start("sleep", "300")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !gone(p.Pid()) {
		t.Errorf("process %d still alive after Close", p.Pid())
	}
	if after := ownedBy(namespaces(t), own); !slices.Equal(before, after) {
		t.Errorf("namespaces before %v, after Close %v", before, after)
	}
	if _, err := n.NewTAP("t1", 0); err == nil {
		t.Error("NewTAP after Close succeeded")
	}
}

func TestExecTimeout(t *testing.T) {
	needHost(t)
	r, err := NewRun()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := r.NewNamespace("x")
	if err != nil {
		t.Fatal(err)
	}
	res, err := n.Exec(testCtx(t), 200*time.Millisecond, "sh", "-c", "echo started; sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.ExitCode != -1 || string(res.Stdout) != "started\n" || res.Duration > 10*time.Second {
		t.Fatalf("result %+v, want timed out after 200ms with its output", res)
	}
	res, err = n.Exec(testCtx(t), wallLimit, "sh", "-c", "echo out; echo err >&2; exit 3")
	if err != nil || res.ExitCode != 3 || res.TimedOut || string(res.Stdout) != "out\n" || string(res.Stderr) != "err\n" {
		t.Fatalf("result %+v (%v), want exit 3 with both outputs", res, err)
	}
	if _, err := n.Exec(testCtx(t), wallLimit, "/nonexistent/command"); err == nil {
		t.Fatal("Exec of a missing command succeeded")
	}
}

func TestNames(t *testing.T) {
	needHost(t)
	r, err := NewRun()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if pid, ok := pidOf(r.ID() + "-x"); !ok || pid != os.Getpid() || len(r.ID()) != IDLen {
		t.Fatalf("run id %q gives pid %d %v, want %d", r.ID(), pid, ok, os.Getpid())
	}
	for _, bad := range []string{"", "Upper", "a/b", "has space", strings.Repeat("a", 33)} {
		if _, err := r.NewNamespace(bad); err == nil {
			t.Errorf("NewNamespace(%q) succeeded", bad)
		}
	}
	n, err := r.NewNamespace("n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.NewNamespace("n"); err == nil {
		t.Error("a second namespace n succeeded")
	}
	if _, err := n.NewTAP(strings.Repeat("a", MaxDeviceSuffix+1), 0); err == nil {
		t.Error("a device name over 15 characters succeeded")
	}
}

// A lab killed by SIGTERM removes its namespace, TAP and processes before
// it dies.
func TestSignalCleansUp(t *testing.T) {
	needHost(t)
	cmd, ns, pid := startChild(t, "signal")
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("child ended with %v, want killed by SIGTERM", err)
	}
	if slices.Contains(namespaces(t), ns) {
		t.Errorf("namespace %s left after SIGTERM", ns)
	}
	if !gone(pid) {
		t.Errorf("daemon %d left after SIGTERM", pid)
	}
}

// A lab that panics on a goroutine dies without cleaning up; Clean removes
// what it left (killing the daemon that escaped its process group), and
// nothing of a live run.
func TestCleanAfterPanic(t *testing.T) {
	needHost(t)
	live, err := NewRun()
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	ln, err := live.NewNamespace("live")
	if err != nil {
		t.Fatal(err)
	}
	cmd, ns, pid := startChild(t, "panic")
	cmd.Wait()
	if !slices.Contains(namespaces(t), ns) {
		t.Fatalf("namespace %s gone after a panic: nothing for Clean to do", ns)
	}
	left, err := Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(left, func(l Leftover) bool { return l.Name == ns && l.Pid == cmd.Process.Pid }) {
		t.Fatalf("Leftovers() = %v, want %s of pid %d", left, ns, cmd.Process.Pid)
	}
	removed, err := Clean()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(removed, func(l Leftover) bool { return l.Name == ns }) {
		t.Errorf("Clean() = %v, want %s", removed, ns)
	}
	if slices.Contains(namespaces(t), ns) {
		t.Errorf("namespace %s left after Clean", ns)
	}
	if !gone(pid) {
		t.Errorf("daemon %d left after Clean", pid)
	}
	if !slices.Contains(namespaces(t), ln.FullName()) {
		t.Errorf("Clean removed %s, a live run's namespace", ln.FullName())
	}
	dir := filepath.Join(FilesDir, ns[:IDLen])
	if !slices.ContainsFunc(removed, func(l Leftover) bool { return l.Kind == LeftDirectory && l.Name == ns[:IDLen] }) {
		t.Errorf("Clean() = %v, want directory %s", removed, ns[:IDLen])
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the dead run's directory %s is left after Clean (%v)", dir, err)
	}
	if _, err := os.Stat(live.Dir()); err != nil {
		t.Errorf("Clean removed %s, a live run's directory: %v", live.Dir(), err)
	}
}

// Commands find the run's directory, their node and namespace in their
// environment; the directory goes with the run.
func TestRunDir(t *testing.T) {
	needHost(t)
	r, err := NewRun()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := r.NewNamespace("files")
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir() != filepath.Join(FilesDir, r.ID()) {
		t.Fatalf("Dir() = %s", r.Dir())
	}
	res, err := n.Exec(testCtx(t), wallLimit, "sh", "-c", `echo "$NETLAB_NODE" > "$NETLAB_DIR/node" && echo "$NETLAB_NETNS"`)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("exec: %v %+v", err, res)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != n.FullName() {
		t.Errorf("NETLAB_NETNS = %q, want %q", got, n.FullName())
	}
	if b, err := os.ReadFile(filepath.Join(r.Dir(), "node")); err != nil || string(b) != "files\n" {
		t.Errorf("$NETLAB_DIR/node = %q (%v), want \"files\\n\"", b, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Dir()); !os.IsNotExist(err) {
		t.Errorf("%s is left after Close (%v)", r.Dir(), err)
	}
}
