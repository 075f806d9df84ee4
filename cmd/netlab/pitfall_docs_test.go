package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/netlab/netlab/labs/pitfalls"
)

// pitfallCommand is a quoted command whose output the page shows.
var pitfallCommand = regexp.MustCompile(`^\$ netlab pitfall ([a-z-]+)( --safe)?$`)

// quote is a run of lines from a fenced block of docs/pitfalls.md that
// shows the output of `netlab pitfall NAME [--safe]`.
type quote struct {
	name  string
	safe  bool
	lines []string
}

// docQuotes returns the output quoted in docs/pitfalls.md: each segment
// of a fenced block that follows a `$ netlab pitfall NAME [--safe]` line,
// and each fenced block with no command in a numbered section (an
// excerpt of that section's pitfall's unsafe output). Segments after any
// other command (--race, go run) are not quotes: their output varies.
func docQuotes(t *testing.T) []quote {
	t.Helper()
	b, err := os.ReadFile("../../docs/pitfalls.md")
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`^## [0-9]+\. ([a-z-]+) — `)
	var (
		out     []quote
		section string // the numbered section's pitfall, "" outside one
		inBlock bool
		cur     *quote
	)
	end := func() {
		if cur != nil && len(cur.lines) > 0 {
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			end()
			inBlock = !inBlock
			if inBlock && section != "" {
				cur = &quote{name: section}
			}
		case !inBlock:
			if strings.HasPrefix(line, "## ") {
				section = ""
				if m := heading.FindStringSubmatch(line); m != nil {
					section = m[1]
				}
			}
		case strings.HasPrefix(line, "$ "):
			end()
			if m := pitfallCommand.FindStringSubmatch(line); m != nil {
				cur = &quote{name: m[1], safe: m[2] != ""}
			}
		case cur != nil:
			if l := strings.TrimRight(line, " "); l != "" && l != "…" {
				cur.lines = append(cur.lines, l)
			}
		}
	}
	return out
}

// TestPitfallDocsQuoteRealOutput: every line that docs/pitfalls.md quotes
// from `netlab pitfall NAME` or `netlab pitfall NAME --safe` is a line of
// what the command prints now, in the same order (lines may be left
// out): the counts, the shortest interleaving and its violation cannot
// drift from the explorer's.
func TestPitfallDocsQuoteRealOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("explores the quoted pitfalls")
	}
	quotes := docQuotes(t)
	if len(quotes) < len(pitfalls.All()) {
		t.Fatalf("found %d quotes of netlab pitfall's output, want at least one per pitfall", len(quotes))
	}
	outputs := map[string][]string{}
	for _, q := range quotes {
		key := q.name + versionName(q.safe)
		real, ok := outputs[key]
		if !ok {
			args := []string{"pitfall", q.name}
			if q.safe {
				args = append(args, "--safe")
			}
			code, out, errs := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("netlab %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
			}
			for _, l := range strings.Split(out, "\n") {
				real = append(real, strings.TrimRight(l, " "))
			}
			outputs[key] = real
		}
		at := 0
		for _, l := range q.lines {
			for at < len(real) && real[at] != l {
				at++
			}
			if at == len(real) {
				t.Errorf("docs/pitfalls.md quotes %q from the %s version of %s, which does not print it (or not in that order); it prints:\n%s",
					l, versionName(q.safe), q.name, strings.Join(real, "\n"))
				break
			}
			at++
		}
	}
}
