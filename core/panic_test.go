package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
)

// TestLoopPanicStopsStack makes the tcpip goroutine panic: the process
// goes on, the stack has stopped (Done closed, calls fail with
// ErrStopped, Stop returns) and Err says what panicked and where.
func TestLoopPanicStopsStack(t *testing.T) {
	for _, name := range []string{"virtual", "real"} {
		t.Run(name, func(t *testing.T) {
			var s *core.Stack
			if name == "real" {
				s = core.New(core.Config{Name: "s"})
				s.Start()
			} else {
				s = newStack(t, newVirtual(t), "s")
			}
			if err := s.Err(); err != nil {
				t.Fatalf("Err before the panic: %v", err)
			}
			if err := s.Post(func(*core.Core) { panic("planted") }); err != nil {
				t.Fatal(err)
			}
			select {
			case <-s.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("the stack still runs after its goroutine panicked")
			}
			var pe *core.PanicError
			if err := s.Err(); !errors.As(err, &pe) || pe.Value != "planted" || pe.Stack != "s" ||
				err.Error() != "stack s: the tcpip goroutine panicked: planted" || !strings.Contains(string(pe.Trace), "panic_test.go") {
				t.Fatalf("Err after the panic: %v (%+v)", err, pe)
			}
			if err := s.Call(context.Background(), func(*core.Core) error { return nil }); !errors.Is(err, core.ErrStopped) {
				t.Fatalf("a call after the panic: %v, want ErrStopped", err)
			}
			s.Stop()
		})
	}
}
