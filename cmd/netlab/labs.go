package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/netlab/netlab/labs"
	"github.com/spf13/cobra"
)

// listFormat versions the JSON form of `netlab labs`.
const listFormat = "netlab.labs/v1"

func newLabsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "labs",
		Short: "List the built-in labs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			type entry struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				Steps       int    `json:"steps"`
			}
			var list []entry
			for _, name := range labs.BuiltinNames() {
				lab, err := labs.Builtin(name)
				if err != nil {
					return err
				}
				list = append(list, entry{name, strings.TrimSpace(lab.Description), len(lab.Steps)})
			}
			out := cmd.OutOrStdout()
			if g.json {
				return json.NewEncoder(out).Encode(struct {
					Format string  `json:"format"`
					Labs   []entry `json:"labs"`
				}{listFormat, list})
			}
			for _, e := range list {
				first, _, _ := strings.Cut(e.Description, "\n")
				fmt.Fprintf(out, "%-12s %s\n", e.Name, first)
			}
			return nil
		},
	}
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
