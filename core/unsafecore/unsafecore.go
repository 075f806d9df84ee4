// Package unsafecore is the one deliberately unsafe door into a stack's
// core. It exists only for the pitfall labs (labs/pitfalls) and their
// tests: it hands out the *core.Core of a stack to any goroutine, lets
// core functions run off the tcpip goroutine without the LWIP_ASSERT_CORE_LOCKED-
// style check, lets the caller drive the tcpip goroutine's turns itself,
// and installs the scheduler that the named scheduling points report to.
// Everything it allows is a bug in any other code; internal/deptest keeps
// every other package from importing it. Any goroutine, which is the
// point.
package unsafecore

import (
	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/internal/door"
)

// Open returns the unsafe door of s. s must not have been started: the
// door's holder runs the tcpip goroutine's turns itself (Unsafe.Turn).
func Open(s *core.Stack) *core.Unsafe {
	return door.Open(s).(*core.Unsafe)
}
