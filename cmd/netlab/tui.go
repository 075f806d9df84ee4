package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
	"github.com/netlab/netlab/ui"
)

func newTUICmd(g *globals) *cobra.Command {
	var (
		speed   float64
		paused  bool
		noMouse bool
	)
	cmd := &cobra.Command{
		Use:   "tui LAB",
		Short: "Open a lab in the terminal UI",
		Long: `Open a lab in the terminal UI: its stacks run live, its steps run in the
Lab panel, and every panel can be changed while it runs. LAB is a built-in
lab's name (see 'netlab labs') or a path to a lab file. Press ? for keys.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd, g, args[0], tuiFlags{speed: speed, paused: paused, noMouse: noMouse})
		},
	}
	addTUIFlags(cmd, &speed, &paused, &noMouse)
	return cmd
}

func addTUIFlags(cmd *cobra.Command, speed *float64, paused, noMouse *bool) {
	cmd.Flags().Float64Var(speed, "speed", 1, "pace of the virtual clock (1 = real time; 0 = as fast as possible)")
	cmd.Flags().BoolVar(paused, "paused", false, "start with the virtual clock paused")
	cmd.Flags().BoolVar(noMouse, "no-mouse", false, "leave the mouse to the terminal (select text)")
}

type tuiFlags struct {
	speed   float64
	paused  bool
	noMouse bool
	// pitfall, when set, opens the Pitfalls view on that pitfall (its
	// safe version when safe).
	pitfall string
	safe    bool
}

// runTUI opens lab in the TUI. Bubble Tea owns the terminal and SIGINT
// and SIGTERM while it runs; the world is closed after it returns, also
// after a panic (runProgram).
func runTUI(cmd *cobra.Command, g *globals, arg string, f tuiFlags) (err error) {
	lab, err := labs.Resolve(arg)
	if err != nil {
		return fail(exitBadInput, err)
	}
	if err := checkHostFor(lab); err != nil {
		return err
	}
	opts := run.Options{Speed: f.speed, Paused: f.paused, PacketEvents: true, EventRing: 2048, Logger: g.logger}
	build := func() (*run.World, error) {
		w, err := run.Build(lab, opts)
		if err != nil {
			return nil, err
		}
		w.Start(context.Background())
		return w, nil
	}
	w, err := build()
	if err != nil {
		return buildFailed(lab, err)
	}
	app := ui.New(w, ui.Options{Rebuild: build, NoColor: os.Getenv("NO_COLOR") != "", NoMouse: f.noMouse})
	if f.pitfall != "" {
		if _, err := app.ShowPitfall(f.pitfall, f.safe); err != nil {
			w.Close()
			return fail(exitBadInput, err)
		}
	}
	// Nothing may write to the terminal while the TUI owns it.
	log.SetOutput(io.Discard)
	defer log.SetOutput(os.Stderr)

	// SIGINT and SIGTERM reach both Bubble Tea's handler (an interrupt, or
	// a quit that returns no error) and the command's context (execute):
	// whichever ends the program, a signal exits 130.
	err = runProgram(app, app, tea.WithContext(cmd.Context()))
	if errors.Is(err, tea.ErrInterrupted) || cmd.Context().Err() != nil {
		return fail(exitInterrupted, errors.New("interrupted"))
	}
	if err != nil {
		return fail(exitFailed, err)
	}
	failed := app.Err()
	if failed == nil {
		failed = crash.Err() // the program was killed before it could quit
	}
	if err := failed; err != nil {
		// A stack's tcpip goroutine, or another of netlab's, panicked:
		// the TUI quit so that the terminal is back; say what happened,
		// with the goroutine's trace.
		reportFailure(cmd.ErrOrStderr(), err)
		return fail(exitFailed, err)
	}
	return nil
}

// reportFailure prints why the TUI or a run ended on its own, and where a
// panic happened.
func reportFailure(w io.Writer, err error) {
	fmt.Fprintln(w, "netlab:", err)
	var pe *core.PanicError
	var cp *crash.Panic
	switch {
	case errors.As(err, &pe):
		fmt.Fprintf(w, "\n%s\n", pe.Trace)
	case errors.As(err, &cp):
		fmt.Fprintf(w, "\n%s\n", cp.Trace)
	}
}

// crashGrace is how long the TUI has to quit on its own after one of
// netlab's goroutines panicked, and a world to close, before they are
// cut short.
const crashGrace = 3 * time.Second

// closeWorld closes w. After a panic on one of netlab's goroutines it
// waits crashGrace at most (what panicked may have left a lock held) and
// then removes what the lab made on the host directly.
func closeWorld(w *run.World) {
	if crash.Err() == nil {
		w.Close()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Close()
	}()
	select {
	case <-done:
	case <-time.After(crashGrace):
		run.CloseAllHosts()
	}
}

// runProgram runs m (app, or a test's wrapper of it) in a Bubble Tea
// program until it ends, then closes the world app shows (a rerun may
// have replaced the first one). Bubble Tea recovers a panic in Update,
// View or a command, restores the terminal and returns an error; the
// world is closed then too, and after a panic that escapes Run.
//
// After a panic on another of netlab's goroutines (internal/crash) the
// app quits on its next tick; if it has not within crashGrace (its
// goroutine may wait behind what panicked), the program is killed, which
// restores the terminal all the same.
func runProgram(app *ui.App, m tea.Model, opts ...tea.ProgramOption) (err error) {
	defer func() {
		closeWorld(app.World())
		if r := recover(); r != nil {
			err = fmt.Errorf("the TUI panicked: %v", r)
		}
	}()
	p := tea.NewProgram(m, opts...)
	ran := make(chan error, 1)
	go func() {
		_, err := p.Run()
		ran <- err
	}()
	select {
	case err = <-ran:
		return err
	case <-crash.Happened():
	}
	select {
	case err = <-ran:
		return err
	case <-time.After(crashGrace):
	}
	// Kill restores the terminal; Run returns only once the event loop
	// is free again, which it may never be: do not wait for it.
	p.Kill()
	select {
	case <-ran:
	case <-time.After(time.Second):
	}
	return nil // the App's Err may be unset: the command reports crash.Err
}
