package run_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

const longWait = `
name: long-wait
clock: virtual
nodes:
  a: {kind: stack, interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {kind: stack, interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - {endpoints: [a:eth0, b:eth0]}
steps:
  - wait: 1h
  - ping: {from: a, to: 10.0.0.2, count: 1}
`

// TestRunEndsWhenNetlabsGoroutinePanics: with crash recovery on (the
// netlab command's), a panic on one of netlab's own goroutines ends a run
// at once, failed, with the panic as the report's error.
func TestRunEndsWhenNetlabsGoroutinePanics(t *testing.T) {
	crash.Enable()
	t.Cleanup(crash.Reset)
	lab, err := labs.Load("long-wait.yaml", []byte(longWait))
	if err != nil {
		t.Fatal(err)
	}
	w, err := run.Build(lab, run.Options{Speed: 1}) // paced: the wait takes an hour
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go func() {
		defer crash.Recover("test helper")
		time.Sleep(50 * time.Millisecond)
		panic("boom")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	if ctx.Err() != nil {
		t.Fatal("the run went on after the panic")
	}
	if rep.Passed || rep.Interrupted || rep.Error != "netlab's test helper goroutine panicked: boom" {
		t.Fatalf("report: passed %v, interrupted %v, error %q", rep.Passed, rep.Interrupted, rep.Error)
	}
	if !strings.Contains(rep.Summary(), "panicked: boom") {
		t.Errorf("summary %q does not say why", rep.Summary())
	}
}
