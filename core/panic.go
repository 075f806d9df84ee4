package core

import (
	"fmt"
	"runtime/debug"
)

// PanicError is what a stack whose tcpip goroutine panicked reports
// (Stack.Err): the stack has stopped, as if Stop had been called, so that
// a program showing it (the TUI) can restore the terminal, say what
// happened and exit instead of dying with the terminal in a raw mode.
type PanicError struct {
	// Stack is the stack's name; Value what the goroutine panicked with;
	// Trace its goroutine's stack at the panic.
	Stack string
	Value any
	Trace []byte
}

// Error says which stack panicked and with what.
func (e *PanicError) Error() string {
	return fmt.Sprintf("stack %s: the tcpip goroutine panicked: %v", e.Stack, e.Value)
}

// Err returns a *PanicError once the stack's tcpip goroutine has
// panicked, nil otherwise. Any goroutine; never blocks.
func (s *Stack) Err() error {
	if p := s.panicked.Load(); p != nil {
		return p
	}
	return nil
}

// recoverLoop, deferred by the tcpip goroutine, turns a panic into a
// stopped stack: the panic is kept for Err, the netifs are detached
// (best effort: the core's state may be half changed), pending and later
// requests fail with ErrStopped, the goroutine's clock task ends and Done
// is closed. On the tcpip goroutine.
func (s *Stack) recoverLoop() {
	r := recover()
	if r == nil {
		return
	}
	s.panicked.Store(&PanicError{Stack: s.name, Value: r, Trace: debug.Stack()})
	s.core.log.Error("tcpip goroutine panicked", "stack", s.name, "panic", r)
	func() {
		defer func() { _ = recover() }()
		s.core.shutdown()
	}()
	s.core.onLoop.Store(false)
	s.stopOnce.Do(func() {})
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.failInbox()
	s.wake.Stop()
	s.task.Exit()
	close(s.done)
}
