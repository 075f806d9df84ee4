//go:build linux

package host

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/sockets"
)

func TestKernelPingsStack(t *testing.T) {
	w := newKernelWorld(t)
	res, err := w.k.Exec(testCtx(t), wallLimit, "ping", "-n", "-c", "3", "-W", "2", stackAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || !strings.Contains(string(res.Stdout), "3 received") {
		t.Fatalf("ping exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	t.Logf("%s", res.Stdout)
}

func TestStackPingsKernel(t *testing.T) {
	w := newKernelWorld(t)
	res, err := w.api.Ping(testCtx(t), kernelAddr, sockets.PingOptions{Count: 3, Interval: 200 * time.Millisecond, Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 3 || res.Received != 3 {
		t.Fatalf("ping: sent %d received %d, want 3 and 3 (%+v)", res.Sent, res.Received, res.Replies)
	}
	for _, r := range res.Replies {
		if r.From != kernelAddr {
			t.Errorf("reply %d from %v, want %v", r.Seq, r.From, kernelAddr)
		}
	}
}

// kernelUDP opens a UDP socket inside the namespace, bound to addr.
func kernelUDP(t *testing.T, n *Namespace, addr string) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	err := n.Do(func() (err error) {
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestUDPBothWays(t *testing.T) {
	w := newKernelWorld(t)
	ctx := testCtx(t)
	kc := kernelUDP(t, w.k, "10.9.0.1:5000")
	sc, err := w.api.ListenPacket(ctx, "udp", "10.9.0.2:6000")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	deadline := time.Now().Add(wallLimit)
	kc.SetDeadline(deadline)
	sc.SetDeadline(deadline)
	buf := make([]byte, 2048)

	// Kernel to stack.
	if _, err := kc.WriteToUDPAddrPort([]byte("from the kernel"), netip.MustParseAddrPort("10.9.0.2:6000")); err != nil {
		t.Fatal(err)
	}
	n, from, err := sc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "from the kernel" || from.String() != "10.9.0.1:5000" {
		t.Fatalf("stack got %q from %v, want %q from 10.9.0.1:5000", got, from, "from the kernel")
	}
	// Stack to kernel, answering the sender.
	if _, err := sc.WriteTo([]byte("from netlab"), from); err != nil {
		t.Fatal(err)
	}
	n, kfrom, err := kc.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "from netlab" || kfrom.String() != "10.9.0.2:6000" {
		t.Fatalf("kernel got %q from %v, want %q from 10.9.0.2:6000", got, kfrom, "from netlab")
	}
	// A large datagram, fragmented by the stack and reassembled by the
	// kernel, and the other way round.
	big := make([]byte, 4000)
	rand.Read(big)
	if _, err := sc.WriteTo(big, from); err != nil {
		t.Fatal(err)
	}
	buf = make([]byte, 8192)
	if n, _, err = kc.ReadFromUDPAddrPort(buf); err != nil || !bytes.Equal(buf[:n], big) {
		t.Fatalf("kernel got %d bytes (%v), want the 4000 sent", n, err)
	}
	if _, err := kc.WriteToUDPAddrPort(big, netip.MustParseAddrPort("10.9.0.2:6000")); err != nil {
		t.Fatal(err)
	}
	if n, _, err = sc.ReadFrom(buf); err != nil || !bytes.Equal(buf[:n], big) {
		t.Fatalf("stack got %d bytes (%v), want the 4000 sent", n, err)
	}
}

const bulk = 1 << 20

// exchange writes out on c and closes the write side, while it reads c
// to EOF; it returns what it read.
func exchange(c net.Conn, out []byte) ([]byte, error) {
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, werr = c.Write(out); werr != nil {
			return
		}
		werr = c.(interface{ CloseWrite() error }).CloseWrite()
	}()
	in, rerr := io.ReadAll(c)
	wg.Wait()
	return in, errors.Join(werr, rerr)
}

// tcpBothWays has the kernel and the stack each send bulk random bytes
// over c (the kernel's side) and s (the stack's), and checks both arrive
// byte-exact.
func tcpBothWays(t *testing.T, kc, sc net.Conn) {
	t.Helper()
	deadline := time.Now().Add(2 * wallLimit)
	kc.SetDeadline(deadline)
	sc.SetDeadline(deadline)
	a, b := make([]byte, bulk), make([]byte, bulk)
	rand.Read(a)
	rand.Read(b)
	var wg sync.WaitGroup
	var sIn []byte
	var sErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		sIn, sErr = exchange(sc, b)
	}()
	kIn, kErr := exchange(kc, a)
	wg.Wait()
	if kErr != nil || sErr != nil {
		t.Fatalf("kernel side: %v; stack side: %v", kErr, sErr)
	}
	if !bytes.Equal(sIn, a) {
		t.Errorf("stack received %d bytes, want the kernel's %d byte-exact", len(sIn), len(a))
	}
	if !bytes.Equal(kIn, b) {
		t.Errorf("kernel received %d bytes, want the stack's %d byte-exact", len(kIn), len(b))
	}
}

// The kernel connects to a listener on the stack: our TCP's first real
// peer.
func TestTCPKernelConnectsToStack(t *testing.T) {
	w := newKernelWorld(t)
	ctx := testCtx(t)
	l, err := sockets.Listen(ctx, w.api, "tcp", "10.9.0.2:8080")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	var kc net.Conn
	if err := w.k.Do(func() (err error) {
		kc, err = (&net.Dialer{Timeout: wallLimit}).Dial("tcp4", "10.9.0.2:8080")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	sc := <-accepted
	if sc == nil {
		t.FailNow()
	}
	defer sc.Close()
	if got := sc.RemoteAddr().String(); !strings.HasPrefix(got, "10.9.0.1:") {
		t.Errorf("accepted from %s, want 10.9.0.1", got)
	}
	tcpBothWays(t, kc, sc)
}

// The stack connects to a listener in the kernel.
func TestTCPStackConnectsToKernel(t *testing.T) {
	w := newKernelWorld(t)
	ctx := testCtx(t)
	var l net.Listener
	if err := w.k.Do(func() (err error) {
		l, err = net.Listen("tcp4", "10.9.0.1:9090")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	sc, err := sockets.Dial(ctx, w.api, "tcp", "10.9.0.1:9090")
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	kc := <-accepted
	if kc == nil {
		t.FailNow()
	}
	defer kc.Close()
	tcpBothWays(t, kc, sc)
}
