package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/netlab/netlab/labs/pitfalls"
	"github.com/spf13/cobra"
)

// Formats of the JSON forms of `netlab pitfall`.
const (
	pitfallListFormat = "netlab.pitfalls/v1"
	pitfallFormat     = "netlab.pitfall/v1"
)

// traceWidth is how wide the text trace of an interleaving is.
const traceWidth = 100

func newPitfallCmd(g *globals) *cobra.Command {
	var safe, race, tui bool
	cmd := &cobra.Command{
		Use:   "pitfall NAME",
		Short: "Reproduce a classic multithreading bug of a network stack, and its fix",
		Long: `Explore a pitfall's scenario under a deterministic scheduler: every
interleaving of its goroutines' scheduling points (or, when there are too
many, every one with at most two preemptions), checking its invariant after
each. Without --safe it runs the unsafe version (the core's unsafe door,
or the sockets layer's classic modes) and shows how many interleavings
break, the shortest one step by step per goroutine, and why; with --safe
it runs the same scenario through netifapi or sockets, where none may
break. 'netlab pitfall list' lists them.

--tui opens the same exploration in the TUI's Pitfalls view (the view the
TUI's ! key opens), where the cursor steps through the interleaving and s
flips between the versions.

--race runs the scenario for real instead, built with the race detector
(go run -race: it needs Go, a C compiler and netlab's source), and shows
the detector's report as it comes.

Exit codes: 0 the run showed what it should (the unsafe version breaks,
the safe one holds), 1 it did not, 2 bad usage, 3 Go, a C compiler or the
source is missing for --race.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completePitfalls,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pitfalls.Lookup(args[0])
			if err != nil {
				return fail(exitBadInput, err)
			}
			if race {
				return runRaceDemo(cmd, g, p, safe)
			}
			if tui {
				return runTUI(cmd, g, "quickstart", tuiFlags{speed: 1, pitfall: p.Name, safe: safe})
			}
			e, err := p.Explore(safe)
			if err != nil {
				return err
			}
			held := pitfalls.Holds(e, safe)
			out := cmd.OutOrStdout()
			if g.json {
				if err := json.NewEncoder(out).Encode(newPitfallReport(p, e, safe, held)); err != nil {
					return err
				}
			} else {
				writeExploration(out, p, e, safe, held)
			}
			if !held {
				return fail(exitFailed, nil)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&safe, "safe", false, "run the safe version (netifapi or sockets) instead of the unsafe one")
	cmd.Flags().BoolVar(&tui, "tui", false, "open the TUI's Pitfalls view on it instead (quickstart runs behind; ! or esc goes to the lab)")
	cmd.Flags().BoolVar(&race, "race", false, "run the scenario for real under the race detector (needs Go and a C compiler)")
	cmd.MarkFlagsMutuallyExclusive("tui", "race")
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the pitfalls",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			type entry struct {
				Number    int    `json:"number"`
				Name      string `json:"name"`
				Title     string `json:"title"`
				Invariant string `json:"invariant"`
				Unsafe    string `json:"unsafe"`
				SafeAPI   string `json:"safe_api"`
				RaceDemo  bool   `json:"race_demo"`
			}
			var list []entry
			for _, p := range pitfalls.All() {
				list = append(list, entry{p.Number, p.Name, p.Title, p.Invariant, p.Unsafe, p.Safe, p.HasRaceDemo()})
			}
			out := cmd.OutOrStdout()
			if g.json {
				return json.NewEncoder(out).Encode(struct {
					Format   string  `json:"format"`
					Pitfalls []entry `json:"pitfalls"`
				}{pitfallListFormat, list})
			}
			width := 0
			for _, e := range list {
				width = max(width, len(e.Name))
			}
			for _, e := range list {
				race := ""
				if e.RaceDemo {
					race = "  [--race]"
				}
				fmt.Fprintf(out, "%d  %-*s  %s%s\n", e.Number, width, e.Name, e.Title, race)
			}
			return nil
		},
	})
	return cmd
}

// pitfallReport is the JSON form of one exploration.
type pitfallReport struct {
	Format      string `json:"format"`
	Number      int    `json:"number"`
	Name        string `json:"name"`
	Title       string `json:"title"`
	Version     string `json:"version"` // "unsafe" or "safe"
	Invariant   string `json:"invariant"`
	Unsafe      string `json:"unsafe"`
	SafeAPI     string `json:"safe_api"`
	Explanation string `json:"explanation"`
	// Held says the run showed what it should: the unsafe version broke,
	// the safe one did not.
	Held bool `json:"held"`
	*pitfalls.Exploration
}

func newPitfallReport(p *pitfalls.Pitfall, e *pitfalls.Exploration, safe, held bool) pitfallReport {
	return pitfallReport{
		Format: pitfallFormat, Number: p.Number, Name: p.Name, Title: p.Title,
		Version: versionName(safe), Invariant: p.Invariant, Unsafe: p.Unsafe, SafeAPI: p.Safe,
		Explanation: p.Explanation, Held: held, Exploration: e,
	}
}

func versionName(safe bool) string {
	if safe {
		return "safe"
	}
	return "unsafe"
}

// writeExploration prints an exploration for a person.
func writeExploration(out io.Writer, p *pitfalls.Pitfall, e *pitfalls.Exploration, safe, held bool) {
	how := p.Unsafe
	if safe {
		how = p.Safe
	}
	fmt.Fprintf(out, "pitfall %d, %s (%s version, through %s)\n", p.Number, p.Name, versionName(safe), how)
	fmt.Fprintf(out, "%s\n", p.Title)
	fmt.Fprintf(out, "invariant: %s\n\n", p.Invariant)
	scope := "every interleaving"
	if e.Bound >= 0 {
		scope = fmt.Sprintf("every interleaving with at most %d preemptions", e.Bound)
	}
	fmt.Fprintf(out, "explored %d interleavings (%s): %d broke the invariant\n", e.Explored, scope, e.Broken)
	if s := e.Shortest; s != nil {
		fmt.Fprintf(out, "\nshortest failing interleaving: %d steps, %d preemption%s\n\n", len(s.Steps), s.Preemptions, plural(s.Preemptions))
		io.WriteString(out, s.Columns(traceWidth))
		fmt.Fprintf(out, "\nbroken: %s\n", s.Violation)
	} else if s := e.Sample; s != nil {
		fmt.Fprintf(out, "\nthe most preempted interleaving, which held: %d steps, %d preemption%s\n\n", len(s.Steps), s.Preemptions, plural(s.Preemptions))
		io.WriteString(out, s.Columns(traceWidth))
	}
	fmt.Fprintf(out, "\n%s\n\n", wrapText(p.Explanation, 76))
	switch {
	case held && safe:
		fmt.Fprintf(out, "held: no interleaving breaks the safe version\n")
	case held:
		fmt.Fprintf(out, "held: the unsafe version breaks; 'netlab pitfall %s --safe' runs the safe one\n", p.Name)
	case safe:
		fmt.Fprintf(out, "NOT HELD: the safe version broke\n")
	default:
		fmt.Fprintf(out, "NOT HELD: no interleaving broke the unsafe version\n")
	}
}

// wrapText fills text into lines of at most width.
func wrapText(text string, width int) string {
	var paras []string
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		paras = append(paras, strings.Join(pitfalls.Wrap(para, width), "\n"))
	}
	return strings.Join(paras, "\n\n")
}

// completePitfalls completes the names of pitfalls.
func completePitfalls(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range pitfalls.All() {
		if strings.HasPrefix(p.Name, toComplete) {
			out = append(out, p.Name+"\t"+p.Title)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
