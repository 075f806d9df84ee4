// Package crash keeps a panic on one of netlab's own goroutines (a
// clock's scheduler, a capture's writer, a TAP device's reader and
// writer, a carrier watcher, a namespace's thread) from killing the
// process with the terminal in raw mode and the lab's namespaces and
// devices left behind. Such a goroutine defers Recover first thing; once
// the command has called Enable, Recover keeps the first panic and closes
// Happened, and the program ends in order: the TUI quits (Bubble Tea
// restores the terminal), a run stops, both clean up, and the command
// prints the panic with its goroutine's trace and exits 1.
//
// Before Enable (in tests, and in programs that use netlab's packages),
// Recover recovers nothing: a panic crashes the process as Go's do, with
// its trace, so that a bug is never swallowed.
//
// A stack's tcpip goroutine does not use this package: it recovers on its
// own and reports a core.PanicError (Stack.Err).
//
// Its functions run on any goroutine.
package crash

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Panic is a panic that Recover caught.
type Panic struct {
	// Goroutine says which goroutine panicked ("tap reader a:eth0").
	Goroutine string
	// Value is what it panicked with; Trace its stack at the panic.
	Value any
	Trace []byte
}

// Error says which goroutine panicked and with what.
func (p *Panic) Error() string {
	return fmt.Sprintf("netlab's %s goroutine panicked: %v", p.Goroutine, p.Value)
}

var (
	enabled  atomic.Bool
	first    atomic.Pointer[Panic]
	mu       sync.Mutex
	happened = make(chan struct{})
)

// Enable makes Recover recover. The netlab command calls it first thing.
func Enable() { enabled.Store(true) }

// Recover, deferred at the top of a goroutine, recovers its panic once
// Enable was called, keeps the first such panic for Err and closes
// Happened; the goroutine then ends. Before Enable it lets the panic go
// on.
func Recover(goroutine string) {
	if !enabled.Load() {
		return
	}
	r := recover()
	if r == nil {
		return
	}
	p := &Panic{Goroutine: goroutine, Value: r, Trace: debug.Stack()}
	if first.CompareAndSwap(nil, p) {
		mu.Lock()
		close(happened)
		mu.Unlock()
	}
}

// Err returns the first panic Recover caught, as a *Panic, or nil.
func Err() error {
	if p := first.Load(); p != nil {
		return p
	}
	return nil
}

// Happened returns a channel closed when Recover has caught a panic.
func Happened() <-chan struct{} {
	mu.Lock()
	defer mu.Unlock()
	return happened
}

// Reset forgets the panic caught and turns Recover off again, for tests
// that act out a panic.
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	enabled.Store(false)
	if first.Swap(nil) != nil {
		happened = make(chan struct{})
	}
}
