package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/netlab/netlab/labs"
	"github.com/spf13/cobra"
)

// listFormat versions the JSON form of `netlab labs`.
const listFormat = "netlab.labs/v1"

// seriesFormat versions the JSON form of `netlab labs series`.
const seriesFormat = "netlab.series/v1"

func newLabsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "labs",
		Short: "List the built-in labs",
		Long: `List the built-in labs, one line each: its name and what it shows. They
are embedded in the binary: 'netlab run NAME' runs one, 'netlab tui NAME'
opens it, 'netlab labs show NAME' prints its source to copy and change.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			type entry struct {
				Name        string `json:"name"`
				Summary     string `json:"summary"`
				Description string `json:"description"`
				Steps       int    `json:"steps"`
			}
			var list []entry
			for _, name := range labs.BuiltinNames() {
				lab, err := labs.Builtin(name)
				if err != nil {
					return err
				}
				desc := strings.TrimSpace(lab.Description)
				list = append(list, entry{name, summary(desc), desc, len(lab.Steps)})
			}
			out := cmd.OutOrStdout()
			if g.json {
				return json.NewEncoder(out).Encode(struct {
					Format string  `json:"format"`
					Labs   []entry `json:"labs"`
				}{listFormat, list})
			}
			width := 0
			for _, e := range list {
				width = max(width, len(e.Name))
			}
			for _, e := range list {
				fmt.Fprintf(out, "%-*s  %s\n", width, e.Name, e.Summary)
			}
			return nil
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Print a built-in lab's source",
		Long: `Print a built-in lab's YAML source: save it to a file, change it, and run
the file ('netlab run my-lab.yaml'). Its first line names the lab schema
as lab.schema.json beside the file, for editors that check and complete
YAML: 'netlab labs schema > lab.schema.json' writes it there.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeBuiltinLabs,
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := labs.BuiltinSource(args[0])
			if err != nil {
				return fail(exitBadInput, err)
			}
			if g.json {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]string{"format": "netlab.lab-source/v1", "name": args[0], "source": string(src)})
			}
			// In the repository the schema is ../schema/ of the lab; a
			// copy finds it beside itself.
			src = bytes.Replace(src, []byte("$schema=../schema/lab.schema.json"), []byte("$schema=lab.schema.json"), 1)
			_, err = cmd.OutOrStdout().Write(src)
			return err
		},
	}, &cobra.Command{
		Use:   "series",
		Short: "List the teaching series, in order",
		Long: `List the teaching series: built-in labs that build on each other, to take
in this order, each with what it teaches. docs/teaching.md in netlab's
repository walks through them: what each shows, what to watch in the TUI
('netlab tui NAME'), what to try changing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			series := labs.TeachingSeries()
			out := cmd.OutOrStdout()
			if g.json {
				type entry struct {
					Number int    `json:"number"`
					Name   string `json:"name"`
					Topic  string `json:"topic"`
				}
				list := make([]entry, len(series))
				for i, l := range series {
					list[i] = entry{i + 1, l.Name, l.Topic}
				}
				return json.NewEncoder(out).Encode(struct {
					Format string  `json:"format"`
					Series []entry `json:"series"`
				}{seriesFormat, list})
			}
			width := 0
			for _, l := range series {
				width = max(width, len(l.Name))
			}
			for i, l := range series {
				fmt.Fprintf(out, "%d. %-*s  %s\n", i+1, width, l.Name, l.Topic)
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of lab files",
		Long: `Print the JSON Schema (draft 2020-12) of lab files, for editors: save it,
say "netlab labs schema > lab.schema.json", and start a lab file with
"# yaml-language-server: $schema=lab.schema.json" to have it checked and
completed as you type. The schema checks structure, types, keys and
values; 'netlab validate' checks everything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := cmd.OutOrStdout().Write(labs.Schema())
			return err
		},
	})
	return cmd
}

// summary returns the first sentence of a lab's description, on one line.
func summary(desc string) string {
	s := strings.Join(strings.Fields(desc), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return cut(s, 100)
}

// completeBuiltinLabs completes the names of built-in labs.
func completeBuiltinLabs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range labs.BuiltinNames() {
		if strings.HasPrefix(n, toComplete) {
			lab, err := labs.Builtin(n)
			if err == nil {
				n += "\t" + summary(lab.Description)
			}
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// version is set by the linker (-ldflags "-X main.version=v1.2.3");
// otherwise it comes from the module's build information.
var version = ""

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print netlab's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, goVersion := version, ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				goVersion = bi.GoVersion
				if v == "" {
					v = bi.Main.Version
				}
			}
			if v == "" || v == "(devel)" {
				v = "devel"
			}
			if g.json {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]string{"format": "netlab.version/v1", "version": v, "go": goVersion})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "netlab %s (%s)\n", v, goVersion)
			return nil
		},
	}
}
