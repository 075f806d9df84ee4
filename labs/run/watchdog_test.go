package run_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// TestWatchdogEndsAStuckRun: an event hook that blocks the tcpip
// goroutine (as a careless OnEvent might) holds the virtual world; with a
// 100ms Options.Watchdog the run ends with an error wrapping ErrStuck
// that names the stack holding the world, and the report fails.
func TestWatchdogEndsAStuckRun(t *testing.T) {
	lab, err := labs.Builtin("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var once sync.Once
	w, err := run.Build(lab, run.Options{
		Watchdog: 100 * time.Millisecond,
		OnEvent: func(e *snapshot.Event) {
			once.Do(func() {
				select {
				case <-release:
				case <-time.After(20 * time.Second):
				}
			})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		time.Sleep(2 * time.Second)
		close(release)
	}()
	rep := w.Run(ctx)
	if rep.Passed || !strings.Contains(rep.Error, run.ErrStuck.Error()) || !strings.Contains(rep.Error, "has held the world") {
		t.Fatalf("got passed %v, error %q, want a failed run stuck on a holder", rep.Passed, rep.Error)
	}
	if rep.Interrupted {
		t.Error("got an interrupted run, want a stuck one")
	}
}
