//go:build linux

package host

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Prefix starts the name of every namespace and device a Run makes.
const Prefix = "nl"

// FilesDir holds each Run's directory of files (FilesDir/<run id>), which
// its processes find in $NETLAB_DIR: a web server's pages, a daemon's
// lease file, what a listener received.
const FilesDir = "/run/netlab"

// IDLen is the length of a run id: Prefix, five base-36 digits of the
// process id, two of a per-process sequence.
const IDLen = len(Prefix) + 5 + 2

// MaxDeviceSuffix is the longest suffix a device name may add to a run id:
// Linux limits interface names to 15 characters (IFNAMSIZ - 1).
const MaxDeviceSuffix = unix.IFNAMSIZ - 1 - IDLen

// ErrUnsupported is wrapped by Check's errors: the host lacks the
// privileges or the kernel support a lab with kernel nodes or TAP links
// needs (the command exits 3).
var ErrUnsupported = errors.New("host: missing privileges or host support")

// ErrClosed is returned by a Run's methods once it is closed.
var ErrClosed = errors.New("host: run closed")

// ErrName is wrapped by errors about a namespace or device name that is
// too long or holds characters other than a-z, 0-9 and '-'.
var ErrName = errors.New("host: bad name")

// Check reports whether this process can make namespaces and TAP devices:
// it needs CAP_NET_ADMIN and CAP_SYS_ADMIN (root) and /dev/net/tun. The
// error wraps ErrUnsupported and says what is missing.
func Check() error {
	var missing []string
	var hdr = unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		missing = append(missing, "capabilities unreadable: "+err.Error())
	} else {
		for _, c := range []struct {
			bit  uint
			name string
		}{{unix.CAP_NET_ADMIN, "CAP_NET_ADMIN"}, {unix.CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}} {
			if data[c.bit/32].Effective&(1<<(c.bit%32)) == 0 {
				missing = append(missing, c.name+" (run as root)")
			}
		}
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		missing = append(missing, "/dev/net/tun ("+err.Error()+")")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrUnsupported, strings.Join(missing, ", "))
	}
	return nil
}

var (
	runSeq atomic.Uint32
	// open holds the runs of this process that are not closed, for
	// CloseAll.
	openMu sync.Mutex
	open   = map[*Run]struct{}{}
)

// idRE matches a run id; names are the id, then '-' and a namespace name
// or a device suffix.
var idRE = regexp.MustCompile(`^` + Prefix + `([0-9a-z]{5})([0-9a-z]{2})`)

// nameRE is what a namespace name or device suffix may hold.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func pad(s string, n int) string {
	if len(s) >= n {
		return s[len(s)-n:]
	}
	return strings.Repeat("0", n-len(s)) + s
}

// newID returns a run id for this process.
func newID() string {
	seq := runSeq.Add(1) % (36 * 36)
	return ProcessPrefix(os.Getpid()) + pad(strconv.FormatInt(int64(seq), 36), 2)
}

// ProcessPrefix returns what the name of everything the runs of process
// pid make starts with: Prefix and five base-36 digits of pid.
func ProcessPrefix(pid int) string { return Prefix + pad(strconv.FormatInt(int64(pid), 36), 5) }

// pidOf returns the process id a name's run id carries.
func pidOf(name string) (int, bool) {
	m := idRE.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	pid, err := strconv.ParseInt(m[1], 36, 64)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return int(pid), true
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}

// Run is the host side of one lab run: its id and every namespace, device
// and process it made. Its methods may be called from any goroutine.
type Run struct {
	id  string
	dir string // FilesDir/id

	mu     sync.Mutex
	closed bool
	nss    []*Namespace
}

// NewRun checks the host (Check) and returns an empty run.
func NewRun() (*Run, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	r := &Run{id: newID()}
	r.dir = filepath.Join(FilesDir, r.id)
	if err := os.MkdirAll(FilesDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Mkdir(r.dir, 0o700); err != nil {
		return nil, fmt.Errorf("run %s: %w", r.id, err)
	}
	openMu.Lock()
	open[r] = struct{}{}
	openMu.Unlock()
	return r, nil
}

// ID returns the run's id, the prefix of every name it makes.
func (r *Run) ID() string { return r.id }

// Dir returns the run's directory of files, FilesDir/ID: empty at first,
// removed with everything in it by Close. Processes the run starts find
// it in $NETLAB_DIR.
func (r *Run) Dir() string { return r.dir }

// Namespaces returns the run's namespaces, in the order they were made.
func (r *Run) Namespaces() []*Namespace {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.nss)
}

// Close removes everything the run made: in each namespace (newest
// first), processes are killed, devices closed, the namespace deleted;
// then the run's directory. It
// returns the errors it met, joined, and is safe to call more than once.
func (r *Run) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	nss := r.nss
	r.nss = nil
	r.mu.Unlock()
	var errs []error
	for i := len(nss) - 1; i >= 0; i-- {
		errs = append(errs, nss[i].close())
	}
	errs = append(errs, os.RemoveAll(r.dir))
	openMu.Lock()
	delete(open, r)
	openMu.Unlock()
	return errors.Join(errs...)
}

// CloseAll closes every run of this process that is still open: for a
// recovered panic, or a signal handler of the caller's own.
func CloseAll() error {
	openMu.Lock()
	runs := make([]*Run, 0, len(open))
	for r := range open {
		runs = append(runs, r)
	}
	openMu.Unlock()
	var errs []error
	for _, r := range runs {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}

// CloseOnSignal closes every open run when the process gets SIGINT,
// SIGTERM or SIGHUP, then dies of that signal as it would have without
// the handler. The returned function removes the handler. A program that
// already handles those signals (the TUI) calls CloseAll itself instead.
func CloseOnSignal() (stop func()) {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case sig := <-ch:
			CloseAll()
			signal.Reset(sig)
			unix.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-done:
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
		})
	}
}

func checkName(what, name string, max int) error {
	if len(name) == 0 || len(name) > max || !nameRE.MatchString(name) {
		return fmt.Errorf("%s %q: %w (1 to %d of a-z, 0-9, '-')", what, name, ErrName, max)
	}
	return nil
}
