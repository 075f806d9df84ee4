// Command netlab is a terminal network lab: it runs user-space IPv4 stacks
// wired by in-memory links and scripted by YAML labs.
//
// Code here runs on the main goroutine; a lab's stacks, apps and runner
// run on their own goroutines (see labs/run).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs/run"
	"github.com/spf13/cobra"
)

// Exit codes, the same for every command.
const (
	exitOK          = 0
	exitFailed      = 1 // a lab's expectation did not hold
	exitBadInput    = 2 // bad input or usage
	exitNoPrivilege = 3 // missing privileges or host support
	exitInterrupted = 130
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func fail(code int, err error) error { return &exitError{code, err} }

// globals are the flags every command takes.
type globals struct {
	json     bool
	logFile  string
	logger   *slog.Logger
	closeLog func()
}

func main() {
	// A panic on one of netlab's own goroutines ends the command in
	// order (the terminal restored, the lab cleaned up) instead of
	// killing the process: see internal/crash.
	crash.Enable()
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs the command line args and returns the exit code.
func execute(args []string, stdout, stderr io.Writer) int {
	return executeWith(args, os.Stdin, stdout, stderr)
}

// executeWith is execute with stdin as the commands' input.
func executeWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A panic that reaches here still removes the namespaces, TAP devices
	// and processes of the labs it interrupted, then goes on.
	defer func() {
		if r := recover(); r != nil {
			run.CloseAllHosts()
			panic(r)
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := &globals{logger: slog.New(slog.DiscardHandler), closeLog: func() {}}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	g.closeLog()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		var q quiet
		switch {
		case ee.err == nil || ee.code == exitFailed || errors.As(ee.err, &q):
		case labErrors(ee.err) != nil:
			// A lab file's mistakes, each with its line.
			writeLabErrors(stderr, labErrors(ee.err), useColor(stderr))
		default:
			fmt.Fprintln(stderr, "netlab:", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors: unknown commands and flags, wrong arguments.
	fmt.Fprintln(stderr, "netlab:", err)
	return exitBadInput
}

func newRoot(g *globals) *cobra.Command {
	var tf tuiFlags
	root := &cobra.Command{
		Use:   "netlab",
		Short: "A terminal network lab of user-space IPv4 stacks",
		Long: `netlab runs real user-space IPv4 stacks built on lwIP's architecture,
wires them with in-memory links, and runs YAML labs against them.

Exit codes: 0 success, 1 a lab's expectation did not hold, 2 bad input or
usage, 3 missing privileges or host support, 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if g.logFile == "" {
				return nil
			}
			f, err := os.OpenFile(g.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return fail(exitBadInput, fmt.Errorf("--log: %w", err))
			}
			g.logger = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
			g.closeLog = func() { f.Close() }
			return nil
		},
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd, g, "quickstart", tf)
		},
	}
	addTUIFlags(root, &tf.speed, &tf.paused, &tf.noMouse)
	root.PersistentFlags().BoolVar(&g.json, "json", false, "write machine-readable JSON (versioned) instead of text")
	root.PersistentFlags().StringVar(&g.logFile, "log", "", "write debug logs to `FILE` (never to the terminal)")
	root.AddCommand(newTUICmd(g), newRunCmd(g), newLabsCmd(g), newValidateCmd(g), newCleanCmd(g), newPitfallCmd(g), newVersionCmd(g))
	return root
}
