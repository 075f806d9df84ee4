package crash_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/netlab/netlab/internal/crash"
)

// TestRecoverKeepsTheFirstPanic: once enabled, a panicking goroutine ends
// normally, Happened is closed and Err names the goroutine, the value and
// the panic's place in its trace; a second panic does not replace the
// first.
func TestRecoverKeepsTheFirstPanic(t *testing.T) {
	t.Cleanup(crash.Reset)
	crash.Enable()
	select {
	case <-crash.Happened():
		t.Fatal("Happened is closed before any panic")
	default:
	}
	for _, name := range []string{"first", "second"} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer crash.Recover(name)
			explode(name)
		}()
		<-done
	}
	<-crash.Happened()
	var p *crash.Panic
	if err := crash.Err(); !errors.As(err, &p) || p.Goroutine != "first" || p.Value != "boom first" {
		t.Fatalf("Err() = %v, want the first goroutine's panic", err)
	}
	if got := p.Error(); got != "netlab's first goroutine panicked: boom first" {
		t.Errorf("Error() = %q", got)
	}
	if !strings.Contains(string(p.Trace), "crash_test.explode") {
		t.Errorf("the trace does not show where it panicked:\n%s", p.Trace)
	}
	crash.Reset()
	if crash.Err() != nil {
		t.Fatal("Reset kept the panic")
	}
	select {
	case <-crash.Happened():
		t.Fatal("after Reset, Happened is still closed")
	default:
	}
}

// TestRecoverBeforeEnableLetsThePanicGoOn: a panic is never swallowed in
// a program that did not ask for it.
func TestRecoverBeforeEnableLetsThePanicGoOn(t *testing.T) {
	t.Cleanup(crash.Reset)
	got := make(chan any, 1)
	go func() {
		defer func() { got <- recover() }()
		defer crash.Recover("disabled")
		explode("disabled")
	}()
	if r := <-got; r != "boom disabled" {
		t.Fatalf("the panic that went on was %v, want boom disabled", r)
	}
	if crash.Err() != nil {
		t.Fatalf("Err() = %v, want nil", crash.Err())
	}
}

func explode(name string) { panic("boom " + name) }
