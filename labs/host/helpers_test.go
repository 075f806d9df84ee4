//go:build linux

package host

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/tap"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

// wallLimit bounds each wait on the kernel: generous, since 2 cores under
// -race are slow.
const wallLimit = 60 * time.Second

// needHost skips the test without root or /dev/net/tun, unless CI is set:
// CI runs as root and must run these tests.
func needHost(t testing.TB) {
	t.Helper()
	if err := Check(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatalf("CI is set and the host cannot run kernel tests: %v", err)
	}
}

// namespaces lists the names under NetnsDir.
func namespaces(t testing.TB) []string {
	t.Helper()
	es, err := os.ReadDir(NetnsDir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// ownedBy returns the names in names that carry the run id id.
func ownedBy(names []string, id string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(s string) bool { return !strings.HasPrefix(s, id) })
}

// rootLinks lists the names, indexes and flags of the links of the
// namespace the test runs in, only reading them.
func rootLinks(t testing.TB) []string {
	t.Helper()
	ls, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		a := l.Attrs()
		out = append(out, fmt.Sprintf("%d:%s:%v", a.Index, a.Name, a.Flags))
	}
	return out
}

// kernelWorld is a netlab stack s (10.9.0.2/24) on a TAP device whose
// other side is the kernel of namespace k (10.9.0.1/24).
type kernelWorld struct {
	run   *Run
	k     *Namespace
	tap   *TAP
	ep    *tap.Endpoint
	stack *core.Stack
	api   *sockets.API
}

var (
	kernelAddr = netip.MustParseAddr("10.9.0.1")
	stackAddr  = netip.MustParseAddr("10.9.0.2")
	stackMAC   = wire.MAC{2, 0, 0, 0, 0, 2}
)

func newKernelWorld(t *testing.T) *kernelWorld {
	t.Helper()
	return newKernelWorldWith(t, netip.MustParsePrefix("10.9.0.1/24"), netip.MustParsePrefix("10.9.0.2/24"))
}

// newKernelWorldWith is newKernelWorld with the kernel's TAP device at
// kernelPrefix and the stack's eth0 at stackPrefix: a zero prefix leaves
// that side without an address, for a DHCP client.
func newKernelWorldWith(t *testing.T, kernelPrefix, stackPrefix netip.Prefix) *kernelWorld {
	t.Helper()
	needHost(t)
	before := namespaces(t)
	rootBefore := rootLinks(t)
	w := &kernelWorld{}
	var err error
	if w.run, err = NewRun(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.run.Close(); err != nil {
			t.Errorf("close run: %v", err)
		}
		if after := rootLinks(t); !slices.Equal(after, rootBefore) {
			t.Errorf("the root namespace's links changed: before %v, after %v", rootBefore, after)
		}
		if left := ownedBy(namespaces(t), w.run.ID()); len(left) > 0 {
			t.Errorf("after Close, namespaces %v are left", left)
		}
		if after := namespaces(t); !slices.Equal(ownedBy(after, "nl"), ownedBy(before, "nl")) && len(ownedBy(after, w.run.ID())) > 0 {
			t.Errorf("namespaces before %v, after %v", before, after)
		}
	})
	if w.k, err = w.run.NewNamespace("k"); err != nil {
		t.Fatal(err)
	}
	if err := w.k.DisableIPv6(); err != nil {
		t.Fatal(err)
	}
	if w.tap, err = w.k.NewTAP("t0", 1500); err != nil {
		t.Fatal(err)
	}
	if kernelPrefix.IsValid() {
		if err := w.k.AddAddress(w.tap.Name, kernelPrefix); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.k.SetUp(w.tap.Name); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewReal()
	if w.ep, err = tap.New(w.tap.File, tap.Options{Name: "s:eth0<->" + w.tap.Name, Clock: clk}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		t.Logf("tap stats: %v", w.ep.Stats())
		w.ep.Close()
	})
	w.stack = core.New(core.Config{Name: "s", Clock: clk})
	w.stack.Start()
	t.Cleanup(w.stack.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	defer cancel()
	if _, err := netifapi.Add(ctx, w.stack, netifapi.Config{
		Name: "eth0", MAC: stackMAC, Address: stackPrefix, Link: w.ep,
	}); err != nil {
		t.Fatal(err)
	}
	w.api = sockets.New(w.stack, sockets.Options{})
	return w
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wallLimit)
	t.Cleanup(cancel)
	return ctx
}
