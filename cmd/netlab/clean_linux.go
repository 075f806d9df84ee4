//go:build linux

package main

import (
	"encoding/json"
	"fmt"

	"github.com/netlab/netlab/labs/host"
	"github.com/spf13/cobra"
)

// cleanReport is `netlab clean --json`'s output.
type cleanReport struct {
	Format string `json:"format"`
	// DryRun says nothing was removed: Leftovers lists what would be.
	DryRun    bool           `json:"dry_run,omitempty"`
	Leftovers []leftoverJSON `json:"leftovers"`
	Errors    []string       `json:"errors,omitempty"`
}

type leftoverJSON struct {
	// Kind is "namespace" or "directory".
	Kind string `json:"kind"`
	Name string `json:"name"`
	Pid  int    `json:"pid"`
}

// cleanFormat versions cleanReport.
const cleanFormat = "netlab.clean/v1"

func newCleanCmd(g *globals) *cobra.Command {
	var dry bool
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Remove what labs killed before they could clean up left behind",
		Long: `Remove the network namespaces (with their TAP devices, bridges and
processes) and the directories of files (under /run/netlab) that runs of
netlab left behind when they died without cleaning up (SIGKILL, a crash). A namespace is a run's when its name carries a run
id (nl, then the run's process id); only runs whose process is no longer
alive are touched: a lab running now, and anything not made by netlab,
are left alone. Processes inside are killed before the namespace goes.
--dry-run only lists. Needs root, like the labs that make namespaces
(exit 3 without).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			rep := cleanReport{Format: cleanFormat, DryRun: dry, Leftovers: []leftoverJSON{}}
			var left []host.Leftover
			var err error
			if dry {
				left, err = host.Leftovers()
			} else {
				if cerr := hostCheck(); cerr != nil {
					return fail(exitNoPrivilege, fmt.Errorf("clean: %w", cerr))
				}
				left, err = host.Clean()
			}
			for _, l := range left {
				rep.Leftovers = append(rep.Leftovers, leftoverJSON{Kind: l.Kind, Name: l.Name, Pid: l.Pid})
			}
			if err != nil {
				rep.Errors = append(rep.Errors, err.Error())
			}
			if g.json {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if jerr := enc.Encode(rep); jerr != nil {
					return jerr
				}
			} else {
				verb := "removed"
				if dry {
					verb = "left behind"
				}
				for _, l := range left {
					fmt.Fprintf(out, "%s: %s %s (run of process %d, no longer alive)\n", verb, l.Kind, l.Name, l.Pid)
				}
				if len(left) == 0 && err == nil {
					fmt.Fprintln(out, "nothing to clean")
				}
			}
			if err != nil {
				return fail(exitFailed, fmt.Errorf("clean: %w", err))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "only list what would be removed")
	return cmd
}
