package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
	"github.com/spf13/cobra"
)

func newRunCmd(g *globals) *cobra.Command {
	var (
		events bool
		speed  float64
		pcap   string
		seed   uint64
	)
	cmd := &cobra.Command{
		Use:   "run LAB",
		Short: "Run a lab headless, like a test",
		Long: `Run a lab headless: build its stacks and links, run its steps in order
and print each step's outcome as it goes. LAB is a built-in lab's name
(see 'netlab labs') or a path to a lab file. Exit code 0 when every step
passed, 1 when an expectation did not hold, 2 when the lab is invalid.
A lab with kernel nodes or tap links needs root and /dev/net/tun: without
them it stops at once with exit code 3, having made nothing; its
namespaces are removed when it ends, fails or is interrupted. On a terminal a live line shows the step that runs and the clock; a
failed expectation says what it wanted and what it got, and the summary
lists the failed steps again. --seed N runs the lab with another seed
(the same lab and seed give the same run). With --pcap DIR, every link's
frames go to DIR/<lab>-<link>.pcap.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			lab, err := labs.Resolve(args[0])
			if err != nil {
				return fail(exitBadInput, err)
			}
			if cmd.Flags().Changed("seed") {
				lab.Seed = seed
			}
			out := cmd.OutOrStdout()
			p := newStepPrinter(out, len(lab.Steps), isTerminal(out) && !g.json, useColor(out))
			opts := run.Options{Speed: speed, Logger: g.logger, CaptureDir: pcap, CaptureAll: pcap != ""}
			if events && !g.json {
				opts.PacketEvents = true
				opts.OnEvent = p.event
			}
			if !g.json {
				fmt.Fprintf(out, "netlab · %s (%s clock, seed %d)\n", lab.Name, lab.Clock, lab.Seed)
				opts.OnStep = p.step
			}
			if err := checkHostFor(lab); err != nil {
				return err
			}
			w, err := run.Build(lab, opts)
			if err != nil {
				return buildFailed(lab, err)
			}
			// Removes the lab's namespaces even if what follows panics.
			defer closeWorld(w)
			p.start(w.ClockState)
			rep := w.Run(cmd.Context())
			p.finish()
			caps, capErr := w.StopCaptures()
			closeWorld(w)
			if g.json {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				p.summary(rep)
				printProcesses(out, rep.Processes)
				printCaptures(out, caps)
			}
			if err := crash.Err(); err != nil {
				// The run ended because one of netlab's goroutines
				// panicked (the report says so): show where.
				reportFailure(cmd.ErrOrStderr(), err)
			}
			switch {
			case rep.Interrupted:
				return fail(exitInterrupted, errors.New("interrupted"))
			case !rep.Passed:
				return fail(exitFailed, errors.New(rep.Summary()))
			case capErr != nil:
				return fail(exitBadInput, capErr)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&events, "events", false, "print every event (state changes and packets) as it happens")
	cmd.Flags().Float64Var(&speed, "speed", 0, "pace the virtual clock (1 = real time; 0 = as fast as possible)")
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed the lab's random sources with `N` instead of the lab's own seed")
	cmd.Flags().StringVar(&pcap, "pcap", "", "write every link's frames to `DIR`/<lab>-<link>.pcap (made if missing)")
	cmd.MarkFlagDirname("pcap")
	return cmd
}

// checkHostFor stops a lab that needs the host (kernel nodes, tap or
// tap-pair links) on a host that cannot make them, before anything is
// built: exit 3, saying what is missing.
func checkHostFor(lab *labs.Lab) error {
	if !lab.NeedsHost() {
		return nil
	}
	if err := hostCheck(); err != nil {
		return fail(exitNoPrivilege, fmt.Errorf("lab %s has kernel nodes or tap links, which this host cannot make: %w", lab.Name, err))
	}
	return nil
}

// buildFailed is the command's error for a world that run.Build could not
// make: exit 3 when the host lacks what the lab needs, 2 otherwise.
func buildFailed(lab *labs.Lab, err error) error {
	if run.IsUnsupported(err) {
		return fail(exitNoPrivilege, fmt.Errorf("lab %s: %w", lab.Name, err))
	}
	return fail(exitBadInput, err)
}

// hostCheck is run.CheckHost; tests replace it to act out a host without
// root or /dev/net/tun.
var hostCheck = run.CheckHost

// printProcesses shows what the lab's background commands wrote.
func printProcesses(w io.Writer, procs []run.ProcessReport) {
	for _, p := range procs {
		fmt.Fprintf(w, "background on %s: %s (pid %d", p.Node, strings.TrimSpace(p.Run), p.Pid)
		if p.Exit >= 0 {
			fmt.Fprintf(w, ", exit %d)\n", p.Exit)
		} else {
			fmt.Fprintln(w, ", killed at the end)")
		}
		for _, s := range []struct{ name, text string }{{"stdout", p.Stdout}, {"stderr", p.Stderr}} {
			lines := strings.Split(strings.TrimRight(s.text, "\n"), "\n")
			if s.text == "" {
				continue
			}
			if len(lines) > 20 {
				fmt.Fprintf(w, "  %s: … %d lines before\n", s.name, len(lines)-20)
				lines = lines[len(lines)-20:]
			}
			for _, l := range lines {
				fmt.Fprintf(w, "  %s │ %s\n", s.name, l)
			}
		}
	}
}

// printCaptures says where each capture went: "capture l1 → out/quickstart-l1.pcap, 12 frames".
func printCaptures(w io.Writer, caps []run.CaptureStatus) {
	for _, c := range caps {
		fmt.Fprintf(w, "capture %s → %s, %d frames", c.Link, c.Path, c.Stats.Written)
		if n := c.Stats.Dropped + c.Stats.Failed; n > 0 {
			fmt.Fprintf(w, " (%d lost: the writer fell behind or failed)", n)
		}
		fmt.Fprintln(w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func completeLabs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range labs.BuiltinNames() {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n)
		}
	}
	// Lab files complete as files too.
	return out, cobra.ShellCompDirectiveDefault
}
