//go:build linux

package host

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/sockets"
)

// The kernel's own tools as peers: OpenBSD netcat inside the namespace
// talks UDP and TCP to the netlab stack over the TAP device, both ways.

// needNC skips the test when OpenBSD netcat is missing, unless CI is set
// (.ci/run installs netcat-openbsd).
func needNC(t *testing.T) {
	t.Helper()
	path, err := exec.LookPath("nc")
	if err == nil {
		// -h prints the variant on stderr and exits 0 or 1, depending on
		// the version.
		out, _ := exec.Command(path, "-h").CombinedOutput()
		if !strings.Contains(string(out), "OpenBSD netcat") {
			err = fmt.Errorf("%s is not OpenBSD netcat", path)
		}
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and nc is unusable (%v): apt-get install netcat-openbsd", err)
		}
		t.Skip(err)
	}
}

// randomText returns n random bytes as hex: nc's output stays text, and
// any byte out of place shows.
func randomText(n int) []byte {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return []byte(hex.EncodeToString(b)[:n])
}

// waitListening waits until a socket of proto ("udp" or "tcp") is bound
// to port inside the namespace, as ss sees it.
func waitListening(t *testing.T, n *Namespace, proto string, port uint16) {
	t.Helper()
	flag := map[string]string{"udp": "-Hluna", "tcp": "-Hltna"}[proto]
	for deadline := time.Now().Add(wallLimit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res, err := n.Exec(testCtx(t), wallLimit, "ss", flag, fmt.Sprintf("sport = :%d", port))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(res.Stdout)) != "" {
			return
		}
	}
	t.Fatalf("nothing listens on %s port %d in %s", proto, port, n.FullName())
}

// waitOutput waits until p has written want (or more) to standard output
// or has exited, and returns what it wrote.
func waitOutput(t *testing.T, p *Process, want int) []byte {
	t.Helper()
	for deadline := time.Now().Add(wallLimit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.Done():
			out, _ := p.Output()
			return out
		default:
		}
		if out, _ := p.Output(); len(out) >= want {
			return out
		}
	}
	out, stderr := p.Output()
	t.Fatalf("pid %d wrote %d of %d bytes within %v; stderr %q", p.Pid(), len(out), want, wallLimit, stderr)
	return nil
}

// nc -u in the kernel sends a datagram to a stack socket, which answers
// the sender; nc prints the answer.
func TestNCUDPKernelToStack(t *testing.T) {
	needNC(t)
	w := newKernelWorld(t)
	ctx := testCtx(t)
	sc, err := w.api.ListenPacket(ctx, "udp", "10.9.0.2:6000")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	sc.SetDeadline(time.Now().Add(wallLimit))
	query, answer := randomText(1200), randomText(1400)
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 4096)
		n, from, err := sc.ReadFrom(buf)
		if err != nil {
			t.Error(err)
			got <- nil
			return
		}
		got <- bytes.Clone(buf[:n])
		if from.String() != "10.9.0.1:5000" {
			t.Errorf("datagram from %v, want 10.9.0.1:5000 (nc -p 5000)", from)
		}
		if _, err := sc.WriteTo(answer, from); err != nil {
			t.Error(err)
		}
	}()
	in := filepath.Join(t.TempDir(), "query")
	if err := os.WriteFile(in, query, 0o644); err != nil {
		t.Fatal(err)
	}
	// -w 3: nc waits that long after its input ended for the answer.
	res, err := w.k.Exec(ctx, wallLimit, "sh", "-c", "exec nc -u -n -w 3 -p 5000 10.9.0.2 6000 < "+in)
	if err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, query) {
		t.Errorf("the stack received %d bytes %.40q…, want nc's %d bytes %.40q…", len(b), b, len(query), query)
	}
	if !bytes.Equal(res.Stdout, answer) {
		t.Errorf("nc printed %d bytes %.40q…, want the stack's %d bytes %.40q… (exit %d, stderr %q)",
			len(res.Stdout), res.Stdout, len(answer), answer, res.ExitCode, res.Stderr)
	}
}

// A stack socket sends datagrams to nc -u -l in the kernel, which prints
// them.
func TestNCUDPStackToKernel(t *testing.T) {
	needNC(t)
	w := newKernelWorld(t)
	ctx := testCtx(t)
	p, err := w.k.Start("nc", "-d", "-u", "-n", "-l", "10.9.0.1", "5001")
	if err != nil {
		t.Fatal(err)
	}
	waitListening(t, w.k, "udp", 5001)
	sc, err := w.api.ListenPacket(ctx, "udp", "10.9.0.2:6001")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	to := net.UDPAddrFromAddrPort(netip.MustParseAddrPort("10.9.0.1:5001"))
	var want []byte
	for _, size := range []int{1, 700, 1472} {
		d := randomText(size)
		want = append(want, d...)
		if _, err := sc.WriteTo(d, to); err != nil {
			t.Fatal(err)
		}
	}
	if got := waitOutput(t, p, len(want)); !bytes.Equal(got, want) {
		t.Errorf("nc printed %d bytes %.40q…, want the stack's %d bytes %.40q…", len(got), got, len(want), want)
	}
}

// nc in the kernel connects to a stack listener, sends a stream and
// half-closes (-N); the stack reads it to the end, answers with a stream
// of its own and closes; nc prints the answer and exits.
func TestNCTCPKernelToStack(t *testing.T) {
	needNC(t)
	w := newKernelWorld(t)
	ctx := testCtx(t)
	l, err := sockets.Listen(ctx, w.api, "tcp", "10.9.0.2:8080")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	query, answer := randomText(300<<10), randomText(200<<10)
	got := make(chan []byte, 1)
	go func() {
		defer close(got)
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wallLimit))
		b, err := io.ReadAll(c)
		if err != nil {
			t.Errorf("stack read: %v", err)
		}
		got <- b
		if _, err := c.Write(answer); err != nil {
			t.Errorf("stack write: %v", err)
		}
	}()
	in := filepath.Join(t.TempDir(), "query")
	if err := os.WriteFile(in, query, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := w.k.Exec(ctx, wallLimit, "sh", "-c", "exec nc -n -N 10.9.0.2 8080 < "+in)
	if err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, query) {
		t.Errorf("the stack received %d bytes, want nc's %d byte-exact", len(b), len(query))
	}
	if res.ExitCode != 0 || !bytes.Equal(res.Stdout, answer) {
		t.Errorf("nc exit %d, printed %d bytes, want exit 0 and the stack's %d bytes byte-exact (stderr %q)",
			res.ExitCode, len(res.Stdout), len(answer), res.Stderr)
	}
}

// The stack connects to nc -l in the kernel, sends a stream and
// half-closes; nc writes it to a file, sends a file of its own and
// half-closes (-N); the stack reads that to the end.
func TestNCTCPStackToKernel(t *testing.T) {
	needNC(t)
	w := newKernelWorld(t)
	ctx := testCtx(t)
	dir := t.TempDir()
	query, answer := randomText(300<<10), randomText(200<<10)
	if err := os.WriteFile(filepath.Join(dir, "answer"), answer, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := w.k.Start("sh", "-c", "exec nc -n -N -l 10.9.0.1 9090 < "+filepath.Join(dir, "answer")+" > "+filepath.Join(dir, "got"))
	if err != nil {
		t.Fatal(err)
	}
	waitListening(t, w.k, "tcp", 9090)
	c, err := sockets.Dial(ctx, w.api, "tcp", "10.9.0.1:9090")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wallLimit))
	in, err := exchange(c, query)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in, answer) {
		t.Errorf("the stack received %d bytes, want nc's %d byte-exact", len(in), len(answer))
	}
	select {
	case <-p.Done():
	case <-time.After(wallLimit):
		t.Fatal("nc did not exit once both sides had closed")
	}
	got, err := os.ReadFile(filepath.Join(dir, "got"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, query) {
		_, stderr := p.Output()
		t.Errorf("nc received %d bytes, want the stack's %d byte-exact (stderr %q)", len(got), len(query), stderr)
	}
}
