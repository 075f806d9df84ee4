//go:build !race

package capture

import (
	"io"
	"testing"
	"time"
)

func TestCaptureDoesNotAllocate(t *testing.T) {
	w := New(io.Discard, Options{})
	defer w.Close()
	f := testFrame(1, 1514)
	for range 20000 { // grow both batches
		w.Capture(time.Second, f)
	}
	if n := testing.AllocsPerRun(10000, func() { w.Capture(time.Second, f) }); n != 0 {
		t.Errorf("Capture: %v allocations, want 0", n)
	}
}
