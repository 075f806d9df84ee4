package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/netlab/netlab/labs"
	"github.com/spf13/cobra"
)

// validateFormat versions the JSON form of `netlab validate`.
const validateFormat = "netlab.validate/v1"

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check lab files without running them; report every error with its position",
		Long: `Check lab files without running them. Every mistake is reported, in file
order, as file:line:column, the YAML path of the offending node and what
was expected, then the offending line with a marker under the column.
FILE - reads standard input. Exit code 0 when every file is a valid lab,
2 when one is not.`,
		Args: cobra.MinimumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			type jsonError struct {
				Line    int    `json:"line,omitempty"`
				Column  int    `json:"column,omitempty"`
				Path    string `json:"path,omitempty"`
				Message string `json:"message"`
			}
			type jsonFile struct {
				File   string      `json:"file"`
				Valid  bool        `json:"valid"`
				Lab    string      `json:"lab,omitempty"`
				Errors []jsonError `json:"errors,omitempty"`
			}
			var files []jsonFile
			out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
			color := useColor(errw)
			bad := 0
			for _, path := range args {
				lab, err := loadArg(cmd.InOrStdin(), path)
				f := jsonFile{File: path, Valid: err == nil}
				if err == nil {
					f.Lab = lab.Name
					if !g.json {
						fmt.Fprintf(out, "%s: ok (lab %s: %d nodes, %d links, %d steps)\n", path, lab.Name, len(lab.Nodes), len(lab.Links), len(lab.Steps))
					}
					files = append(files, f)
					continue
				}
				bad++
				list := labErrors(err)
				for _, e := range list {
					f.Errors = append(f.Errors, jsonError{e.Pos.Line, e.Pos.Column, strings.TrimPrefix(strings.TrimPrefix(e.Path, "$"), "."), e.Msg})
				}
				if list == nil {
					f.Errors = []jsonError{{Message: err.Error()}}
				}
				files = append(files, f)
				if g.json {
					continue
				}
				if list == nil {
					fmt.Fprintln(errw, "netlab:", err)
					continue
				}
				writeLabErrors(errw, list, color)
				fmt.Fprintf(errw, "%s: %d error%s\n", list[0].File, len(list), plural(len(list)))
			}
			if g.json {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					Format string     `json:"format"`
					Valid  bool       `json:"valid"`
					Files  []jsonFile `json:"files"`
				}{validateFormat, bad == 0, files}); err != nil {
					return err
				}
			}
			if bad > 0 {
				return fail(exitBadInput, quiet{fmt.Errorf("%d of %d file%s invalid", bad, len(args), plural(len(args)))})
			}
			return nil
		},
	}
}

// loadArg loads the lab file path, or standard input for "-".
func loadArg(stdin io.Reader, path string) (*labs.Lab, error) {
	if path != "-" {
		return labs.LoadFile(path)
	}
	data, err := io.ReadAll(io.LimitReader(stdin, labs.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return labs.Load("<stdin>", data)
}

// quiet is an error that execute does not print: the command has said it
// already. Its text is for tests and logs.
type quiet struct{ error }

// labErrors returns the lab file errors that err holds (an *labs.Error or
// a labs.ErrorList), nil when it holds none.
func labErrors(err error) labs.ErrorList {
	var list labs.ErrorList
	var one *labs.Error
	switch {
	case errors.As(err, &list):
		return list
	case errors.As(err, &one):
		return labs.ErrorList{one}
	}
	return nil
}

// writeLabErrors writes each error as a compiler does: its position, path
// and message, then the offending line with a marker under the column.
func writeLabErrors(w io.Writer, list labs.ErrorList, color bool) {
	bold, red, green, reset := "", "", "", ""
	if color {
		bold, red, green, reset = "\x1b[1m", "\x1b[1;31m", "\x1b[32m", "\x1b[0m"
	}
	for _, e := range list {
		text := e.Error()
		loc, msg := text, ""
		if i := strings.Index(text, ": "); i >= 0 && e.File != "" {
			loc, msg = text[:i+1], text[i+1:]
		}
		fmt.Fprintf(w, "%s%s%s %serror:%s%s\n", bold, loc, reset, red, reset, msg)
		if x := e.Excerpt(); x != "" {
			if color {
				src, marker, _ := strings.Cut(x, "\n")
				x = src + "\n" + strings.Replace(marker, "| ", "| "+green, 1) + reset
			}
			fmt.Fprintln(w, x)
		}
	}
}

// useColor reports whether to color what goes to w: a terminal, and
// NO_COLOR unset (https://no-color.org).
func useColor(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && isTerminal(w)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
