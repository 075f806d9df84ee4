package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// statusOf is the status line of a's screen, trimmed.
func statusOf(a *App) string {
	lines := strings.Split(plain(a.Render()), "\n")
	return strings.TrimSpace(lines[len(lines)-2])
}

// alive reports whether w still runs actors (a closed world refuses
// them with run.ErrClosed).
func alive(t *testing.T, w *run.World) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return w.Act(ctx, "test", func(context.Context) error { return nil })
}

// TestRerun presses R twice: a rebuild that fails leaves the old world
// running and on the screen and says why in the status line; one that
// succeeds shows the new world and closes the old one.
func TestRerun(t *testing.T) {
	old := quietWorld(t, "quickstart")
	var fresh *run.World
	fail := true
	rebuild := func() (*run.World, error) {
		if fail {
			return nil, errors.New("lab file went away")
		}
		lab, err := labs.Builtin("quickstart")
		if err != nil {
			return nil, err
		}
		w, err := run.Build(lab, run.Options{PacketEvents: true})
		if err != nil {
			return nil, err
		}
		t.Cleanup(w.Close)
		w.Start(context.Background())
		fresh = w
		return w, nil
	}
	a := New(old, Options{Tick: -1, NoColor: true, Rebuild: rebuild})
	a.Update(tea.WindowSizeMsg{Width: 140, Height: 45})
	a.Refresh()

	// A failed rebuild: the old world stays.
	_, cmd := a.Update(press("R"))
	if cmd == nil {
		t.Fatal("R gave no command")
	}
	if got := statusOf(a); got != "… rerunning the lab" {
		t.Fatalf("status while rerunning %q", got)
	}
	a.Update(cmd())
	if got := statusOf(a); got != "✘ rerun: lab file went away" {
		t.Fatalf("status after a failed rerun %q", got)
	}
	if a.World() != old {
		t.Fatal("a failed rerun replaced the world")
	}
	if err := alive(t, old); err != nil {
		t.Fatalf("the old world after a failed rerun: %v", err)
	}
	// The panels still show the old world, and act on it.
	act := a.env.act
	if act.world != old {
		t.Fatal("the actions moved to another world")
	}
	a.selectNode(1)
	a.setFocus(pSockets)
	a.Update(press("a"))
	for _, r := range ":6100" {
		a.Update(press(string(r)))
	}
	_, cmd = a.Update(press("enter"))
	old.Virtual.Resume()
	if r := cmd().(resultMsg); r.Err != nil {
		t.Fatalf("an action on the old world after a failed rerun: %v", r.Err)
	}
	refreshUntil(t, a, func() bool {
		sp := a.panels[pSockets].(*socketsPanel)
		for _, s := range sp.socks {
			if s.Local.Port() == 6100 {
				return true
			}
		}
		return false
	})

	// A good rebuild: the new world replaces the old one, which closes.
	fail = false
	_, cmd = a.Update(press("R"))
	a.Update(cmd())
	if got := statusOf(a); got != "✔ rerun: a new world of quickstart is running" {
		t.Fatalf("status after a rerun %q", got)
	}
	if fresh == nil || a.World() != fresh || act.world != fresh {
		t.Fatal("the rerun's world is not the one shown")
	}
	if err := alive(t, old); !errors.Is(err, run.ErrClosed) {
		t.Fatalf("the old world after a rerun: %v, want run.ErrClosed", err)
	}
	if err := alive(t, fresh); err != nil {
		t.Fatalf("the new world: %v", err)
	}
	// The new world has none of the old one's sockets: the panels
	// started over on it.
	refreshUntil(t, a, func() bool {
		return a.data.Stack().Version > 0 && strings.Contains(plain(a.Render()), "Lab: quickstart")
	})
	for _, s := range a.data.Stack().Sockets {
		if s.Local.Port() == 6100 {
			t.Fatalf("the new world shows the old world's socket %v", s.Local)
		}
	}
}

// TestStackPanicQuits makes b's tcpip goroutine panic: the next tick
// quits the program (so that Bubble Tea restores the terminal) and Err
// says which stack panicked with what.
func TestStackPanicQuits(t *testing.T) {
	w := quietWorld(t, "quickstart")
	a := newTestApp(t, w, 140, 45)
	if _, cmd := a.Update(tickMsg{}); cmd != nil || a.Err() != nil {
		t.Fatalf("a tick of a healthy world: %v, %v", cmd, a.Err())
	}
	if err := w.Node("b").Stack.Post(func(*core.Core) { panic("planted on b") }); err != nil {
		t.Fatal(err)
	}
	<-w.Node("b").Stack.Done()
	_, cmd := a.Update(tickMsg{})
	if cmd == nil {
		t.Fatal("no command after the panic")
	}
	if _, quit := cmd().(tea.QuitMsg); !quit {
		t.Fatal("the tick after a stack's panic does not quit")
	}
	var pe *core.PanicError
	if err := a.Err(); !errors.As(err, &pe) || pe.Stack != "b" || pe.Value != "planted on b" {
		t.Fatalf("Err: %v", err)
	}
}
