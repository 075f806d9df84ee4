//go:build linux

package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// NetnsDir is where named namespaces live, as `ip netns` has them.
const NetnsDir = "/run/netns"

// Namespace is a network namespace a Run made, named after the run. It
// holds a handle to the namespace and a netlink handle inside it.
type Namespace struct {
	run  *Run
	name string // the user's name
	full string // run id + "-" + name: the file under NetnsDir
	ns   netns.NsHandle
	nl   *netlink.Handle

	mu     sync.Mutex
	closed bool
	taps   []*os.File // closed (if still open) before the namespace goes
	procs  []*Process
}

// NewNamespace makes a network namespace named after the run and name (a
// to z, 0 to 9 and '-', up to 32 characters), with its loopback up. The
// namespace appears in `ip netns list` as FullName.
func (r *Run) NewNamespace(name string) (*Namespace, error) {
	if err := checkName("namespace", name, 32); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	for _, n := range r.nss {
		if n.name == name {
			return nil, fmt.Errorf("namespace %q: %w", name, os.ErrExist)
		}
	}
	n := &Namespace{run: r, name: name, full: r.id + "-" + name}
	var err error
	if n.ns, err = createNamed(n.full); err != nil {
		return nil, fmt.Errorf("namespace %s: %w", n.full, err)
	}
	if n.nl, err = netlink.NewHandleAt(n.ns); err != nil {
		n.close()
		return nil, fmt.Errorf("namespace %s: netlink: %w", n.full, err)
	}
	r.nss = append(r.nss, n)
	if err := n.SetUp("lo"); err != nil {
		return n, err // the run removes it
	}
	return n, nil
}

// createNamed makes a namespace and binds it to NetnsDir/name, on a locked
// OS thread that is switched back before it is released.
func createNamed(name string) (netns.NsHandle, error) {
	if err := prepareNetnsDir(); err != nil {
		return netns.None(), err
	}
	path := filepath.Join(NetnsDir, name)
	type result struct {
		h   netns.NsHandle
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{netns.None(), err}
			return
		}
		defer orig.Close()
		h, err := netns.NewNamed(name) // unshares this thread's namespace
		if err != nil {
			os.Remove(path) // NewNamed may leave the empty file behind
		}
		if rerr := netns.Set(orig); rerr != nil {
			// The thread stays locked and dies with this goroutine.
			ch <- result{h, errors.Join(err, fmt.Errorf("restore namespace: %w", rerr))}
			return
		}
		runtime.UnlockOSThread()
		ch <- result{h, err}
	}()
	res := <-ch
	if res.err != nil && res.h.IsOpen() {
		res.h.Close()
		unmountNamed(path)
		return netns.None(), res.err
	}
	return res.h, res.err
}

// unmountNamed removes a namespace's bind mount and file.
func unmountNamed(path string) error {
	err := unix.Unmount(path, unix.MNT_DETACH)
	if err != nil && err != unix.EINVAL && err != unix.ENOENT {
		return fmt.Errorf("unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// Name returns the name the namespace was made with.
func (n *Namespace) Name() string { return n.name }

// FullName returns the namespace's name under NetnsDir, as `ip netns`
// shows it: the run id, '-', Name.
func (n *Namespace) FullName() string { return n.full }

// Netlink returns the namespace's netlink handle, for configuration this
// package has no method for. It acts only inside the namespace.
func (n *Namespace) Netlink() *netlink.Handle { return n.nl }

// Do runs fn on an OS thread switched into the namespace: sockets fn opens
// belong to the namespace, and so do processes it starts and files under
// /proc/sys/net it opens. fn runs on a fresh goroutine locked to its
// thread; the thread is switched back before it is released (if that
// fails, the thread is thrown away). A panic in fn is returned as an
// error. Do waits for fn.
func (n *Namespace) Do(fn func() error) error {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return n.do(fn)
}

// do is Do without the closed check, for callers holding n.mu.
func (n *Namespace) do(fn func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			ch <- fmt.Errorf("namespace %s: %w", n.full, err)
			return
		}
		defer orig.Close()
		if err := netns.Set(n.ns); err != nil {
			ch <- fmt.Errorf("namespace %s: enter: %w", n.full, err)
			if netns.Set(orig) == nil {
				runtime.UnlockOSThread()
			}
			return
		}
		ferr := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("namespace %s: panic: %v", n.full, p)
				}
			}()
			return fn()
		}()
		if err := netns.Set(orig); err != nil {
			ch <- errors.Join(ferr, fmt.Errorf("namespace %s: leave: %w", n.full, err))
			return // the locked thread exits with the goroutine
		}
		runtime.UnlockOSThread()
		ch <- ferr
	}()
	return <-ch
}

// close kills the namespace's processes, closes its TAP files and deletes
// it.
func (n *Namespace) close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	procs, taps := n.procs, n.taps
	n.procs, n.taps = nil, nil
	n.mu.Unlock()
	var errs []error
	for _, p := range procs {
		p.kill()
	}
	if n.ns.IsOpen() {
		errs = append(errs, killIn(n.ns))
	}
	for _, f := range taps {
		f.Close() // already closed by its driver, most often
	}
	if n.nl != nil {
		n.nl.Close()
	}
	if n.ns.IsOpen() {
		n.ns.Close()
	}
	errs = append(errs, unmountNamed(filepath.Join(NetnsDir, n.full)))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("namespace %s: %w", n.full, err)
	}
	return nil
}

var netnsDirOnce struct {
	sync.Once
	err error
}

// prepareNetnsDir makes NetnsDir a shared mount point, as iproute2's `ip
// netns add` does the first time it runs: otherwise a later `ip netns add`
// (by a lab's command, or anyone on the host) bind-mounts the directory
// onto itself and hides the namespaces this process mounted there, which
// then can no longer be unmounted.
func prepareNetnsDir() error {
	netnsDirOnce.Do(func() {
		if err := os.MkdirAll(NetnsDir, 0o755); err != nil {
			netnsDirOnce.err = err
			return
		}
		err := unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
		if err == unix.EINVAL {
			// Not a mount point yet: make it one, then shared.
			if err = unix.Mount(NetnsDir, NetnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err == nil {
				err = unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
			}
		}
		if err != nil {
			netnsDirOnce.err = fmt.Errorf("prepare %s: %w", NetnsDir, err)
		}
	})
	return netnsDirOnce.err
}
