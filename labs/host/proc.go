//go:build linux

package host

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// MaxOutput is the most output kept of a command, per stream: beyond it
// the oldest bytes are dropped.
const MaxOutput = 1 << 20

// Result is how a foreground command ended.
type Result struct {
	// ExitCode is the command's exit status, or -1 if it did not exit by
	// itself (killed by a signal, or at its timeout).
	ExitCode int
	// TimedOut reports that the timeout killed it.
	TimedOut bool
	// Stdout and Stderr are its output (the last MaxOutput bytes each).
	Stdout, Stderr []byte
	// Duration is how long it ran, on the wall clock.
	Duration time.Duration
}

// Exec runs argv inside the namespace in the foreground and waits for it,
// for at most timeout (0: until ctx ends). Its output is captured. A
// command that runs and exits non-zero, or times out, is not an error: the
// Result says so. The error says why it could not run.
func (n *Namespace) Exec(ctx context.Context, timeout time.Duration, argv ...string) (Result, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	p, err := n.start(argv)
	if err != nil {
		return Result{}, err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.kill()
	}
	<-p.done
	n.forget(p)
	res := Result{ExitCode: p.cmd.ProcessState.ExitCode(), Stdout: p.stdout.Bytes(), Stderr: p.stderr.Bytes(), Duration: p.ended.Sub(p.started)}
	if ctx.Err() != nil && !p.exitedByItself() {
		res.TimedOut = true
	}
	return res, nil
}

// Process is a command running inside a namespace for the lab's lifetime
// (a daemon): it is killed when its namespace is removed, if not before.
type Process struct {
	cmd            *exec.Cmd
	argv           []string
	stdout, stderr *ringBuffer
	started, ended time.Time
	done           chan struct{}
	waitErr        error
	killOnce       sync.Once
}

// Start starts argv inside the namespace in the background, in a process
// group of its own. Its output is kept (Output). The process is killed
// when the namespace is removed, or by Stop.
//
// Commands (Start's and Exec's) get netlab's environment and
// NETLAB_DIR (the run's directory, Run.Dir), NETLAB_NODE (the
// namespace's Name) and NETLAB_NETNS (its FullName).
func (n *Namespace) Start(argv ...string) (*Process, error) {
	return n.start(argv)
}

func (n *Namespace) start(argv []string) (*Process, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("%s: no command", n.full)
	}
	p := &Process{argv: argv, stdout: &ringBuffer{}, stderr: &ringBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Env = append(os.Environ(), "NETLAB_DIR="+n.run.dir, "NETLAB_NODE="+n.name, "NETLAB_NETNS="+n.full)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// Dies with us, should we die without cleaning up.
		Pdeathsig: syscall.SIGKILL,
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, ErrClosed
	}
	// Registered before it starts so that close never misses it; close
	// holds off until Start returned (mu is held across it).
	defer n.mu.Unlock()
	err := n.do(func() error { return p.cmd.Start() })
	if err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", n.full, argv[0], err)
	}
	p.started = time.Now()
	n.procs = append(n.procs, p)
	go func() {
		p.waitErr = p.cmd.Wait()
		p.ended = time.Now()
		close(p.done)
	}()
	return p, nil
}

// forget drops p from the namespace's processes.
func (n *Namespace) forget(p *Process) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, q := range n.procs {
		if q == p {
			n.procs = append(n.procs[:i], n.procs[i+1:]...)
			break
		}
	}
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited and its output is complete.
func (p *Process) Done() <-chan struct{} { return p.done }

// Output returns what the process wrote so far (the last MaxOutput bytes
// of each stream).
func (p *Process) Output() (stdout, stderr []byte) { return p.stdout.Bytes(), p.stderr.Bytes() }

// Stop kills the process's group (SIGTERM, then SIGKILL after a second)
// and waits for it. It returns the exit code, -1 for a killed process.
func (p *Process) Stop() int {
	p.kill()
	return p.cmd.ProcessState.ExitCode()
}

func (p *Process) exitedByItself() bool {
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Exited()
}

// kill ends the process's group and waits for the process.
func (p *Process) kill() {
	p.killOnce.Do(func() {
		select {
		case <-p.done:
			unix.Kill(-p.cmd.Process.Pid, unix.SIGKILL) // leftovers of its group
			return
		default:
		}
		unix.Kill(-p.cmd.Process.Pid, unix.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(time.Second):
		}
		unix.Kill(-p.cmd.Process.Pid, unix.SIGKILL)
	})
	<-p.done
}

// killIn kills every process whose network namespace is ns (but this
// process), and waits a little for them to go: a daemon that left its
// process group is found this way.
func killIn(ns netns.NsHandle) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(ns), &st); err != nil {
		return fmt.Errorf("stat namespace: %w", err)
	}
	return killInode(st.Dev, st.Ino)
}

func killInode(dev, ino uint64) error {
	self := os.Getpid()
	var victims []int
	for i := 0; i < 50; i++ {
		victims = victims[:0]
		entries, err := os.ReadDir("/proc")
		if err != nil {
			return err
		}
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == self {
				continue
			}
			var st unix.Stat_t
			if unix.Stat(filepath.Join("/proc", e.Name(), "ns/net"), &st) != nil {
				continue
			}
			if st.Dev == dev && st.Ino == ino {
				victims = append(victims, pid)
				unix.Kill(pid, unix.SIGKILL)
			}
		}
		if len(victims) == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("processes %v still alive in the namespace", victims)
}

// ringBuffer keeps the last MaxOutput bytes written to it.
type ringBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *ringBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - MaxOutput; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

// Bytes returns a copy of what is kept.
func (b *ringBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
