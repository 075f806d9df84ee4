package pitfalls

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ActorNames returns the names of the actors an interleaving's steps
// belong to, by actor index.
func (il *Interleaving) ActorNames() []string {
	var names []string
	for _, s := range il.Steps {
		for len(names) <= s.Actor {
			names = append(names, "")
		}
		names[s.Actor] = s.Name
	}
	return names
}

// Lines returns what the step shows in its actor's column: what the actor
// did, one line each, then "→ " and the point it stopped at.
func (s Step) Lines() []string {
	out := append([]string(nil), s.Did...)
	return append(out, "→ "+s.Reached)
}

// Wrapped returns the step's lines wrapped to width cells, the
// continuation lines of each indented by two.
func (s Step) Wrapped(width int) []string {
	var out []string
	for _, l := range s.Lines() {
		out = append(out, wrapIndented(l, width)...)
	}
	return out
}

// Columns lays the interleaving out as text: a header with one column per
// actor, then one row per step, the step's lines in its actor's column
// (wrapped to fit), the other columns empty. width is the whole width in
// cells (at least 20 per column is kept).
func (il *Interleaving) Columns(width int) string {
	names := il.ActorNames()
	if len(names) == 0 {
		return ""
	}
	const numW, gap = 4, 2
	colW := max((width-numW-gap*len(names))/len(names), 20)
	var b, line strings.Builder
	row := func(num string, cells []string) {
		line.WriteString(pad(num, numW))
		for _, c := range cells {
			line.WriteString(strings.Repeat(" ", gap))
			line.WriteString(pad(c, colW))
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		line.Reset()
		b.WriteString("\n")
	}
	header := make([]string, len(names))
	rule := make([]string, len(names))
	for i, n := range names {
		header[i] = n
		rule[i] = strings.Repeat("─", min(colW, max(utf8.RuneCountInString(n), 5)))
	}
	row("step", header)
	row("", rule)
	for i, s := range il.Steps {
		for j, l := range s.Wrapped(colW) {
			cells := make([]string, len(names))
			cells[s.Actor] = l
			num := ""
			if j == 0 {
				num = strconv.Itoa(i + 1)
			}
			row(num, cells)
		}
	}
	return b.String()
}

// Wrap breaks s into lines of at most width cells, at spaces where it can
// and inside a word where one is longer than width.
func Wrap(s string, width int) []string {
	width = max(width, 1)
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		for utf8.RuneCountInString(w) > width { // a word longer than a line
			if line != "" {
				out, line = append(out, line), ""
			}
			r := []rune(w)
			out, w = append(out, string(r[:width])), string(r[width:])
		}
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
			line += " " + w
		default:
			out, line = append(out, line), w
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// wrapIndented wraps s to width, its continuation lines indented by two.
func wrapIndented(s string, width int) []string {
	lines := Wrap(s, width)
	if len(lines) == 1 {
		return lines
	}
	rest := Wrap(strings.Join(lines[1:], " "), width-2)
	out := []string{lines[0]}
	for _, l := range rest {
		out = append(out, "  "+l)
	}
	return out
}

// pad pads s with spaces to width cells.
func pad(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}
