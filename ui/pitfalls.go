package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/labs/pitfalls"
)

// pitfallsView is the Pitfalls view: the classic multithreading bugs of
// labs/pitfalls in a list, the picked one's exploration beside it (its
// counts, an interleaving as one column per actor with a cursor on one
// step, the explanation), and a key that flips between the unsafe
// version and the safe one. Explorations run off the UI goroutine, as a
// tea.Cmd, one at a time; their results are kept.
type pitfallsView struct {
	st   *Styles
	keys *KeyMap
	all  []*pitfalls.Pitfall

	open bool
	sel  int  // index into all
	safe bool // the version shown
	// step is the interleaving's step the cursor is on, from 1.
	step int
	// scroll is the first line of the detail shown; follow keeps the
	// cursor's step on the screen (off after the person scrolls).
	scroll int
	follow bool

	results map[pitfallVersion]pitfallResult
	// running is the exploration under way, nil when none.
	running *pitfallVersion

	w, h int
}

// pitfallVersion names one version of one pitfall.
type pitfallVersion struct {
	number int
	safe   bool
}

type pitfallResult struct {
	e   *pitfalls.Exploration
	err error
}

// pitfallMsg brings an exploration back to the UI goroutine.
type pitfallMsg struct {
	v   pitfallVersion
	res pitfallResult
}

// pitfallListW is the width of the list of pitfalls, its frame included;
// below pitfallListMinW of screen the list is left out.
const (
	pitfallListW    = 26
	pitfallListMinW = 100
)

func newPitfallsView(st *Styles, keys *KeyMap) *pitfallsView {
	return &pitfallsView{st: st, keys: keys, all: pitfalls.All(), step: 1, follow: true,
		results: map[pitfallVersion]pitfallResult{}}
}

// show opens the view on the pitfall named name ("" keeps the last one)
// and starts its exploration if it has not run.
func (v *pitfallsView) show(name string) (tea.Cmd, error) {
	if name != "" {
		p, err := pitfalls.Lookup(name)
		if err != nil {
			return nil, err
		}
		v.pick(p.Number - 1)
	}
	v.open = true
	return v.explore(), nil
}

func (v *pitfallsView) current() pitfallVersion {
	return pitfallVersion{number: v.all[v.sel].Number, safe: v.safe}
}

// explore starts exploring the version shown, unless it has run or an
// exploration runs (its result starts the next one).
func (v *pitfallsView) explore() tea.Cmd {
	cur := v.current()
	if _, done := v.results[cur]; done || v.running != nil {
		return nil
	}
	v.running = &cur
	p := v.all[v.sel]
	return func() tea.Msg {
		e, err := p.Explore(cur.safe)
		return pitfallMsg{v: cur, res: pitfallResult{e: e, err: err}}
	}
}

// done takes an exploration's result and starts the one the person now
// looks at, if that is another.
func (v *pitfallsView) done(m pitfallMsg) tea.Cmd {
	v.results[m.v] = m.res
	v.running = nil
	return v.explore()
}

// pick selects pitfall i and puts the cursor on the first step.
func (v *pitfallsView) pick(i int) {
	v.sel = max(min(i, len(v.all)-1), 0)
	v.resetCursor()
}

func (v *pitfallsView) resetCursor() {
	v.step, v.scroll, v.follow = 1, 0, true
}

// shown returns the interleaving the view steps through: the shortest
// failing one of the unsafe version, the most preempted one of the safe
// version (nil while the exploration runs).
func (v *pitfallsView) shown() *pitfalls.Interleaving {
	r, ok := v.results[v.current()]
	if !ok || r.e == nil {
		return nil
	}
	if r.e.Shortest != nil {
		return r.e.Shortest
	}
	return r.e.Sample
}

func (v *pitfallsView) moveStep(d int) {
	n := 0
	if il := v.shown(); il != nil {
		n = len(il.Steps)
	}
	v.step = max(min(v.step+d, n), 1)
	v.follow = true
}

// keyBindings are the view's keys, for the help bar and the full help.
func (v *pitfallsView) keyBindings() []key.Binding {
	k := v.keys
	return []key.Binding{k.PitfallPick, k.StepNext, k.StepPrev, k.FlipSafe, k.StepFirst, k.StepLast, k.PageUp, k.PageDown, k.ClosePitfalls}
}

// update handles a key while the view is open.
func (v *pitfallsView) update(msg tea.KeyPressMsg) tea.Cmd {
	k := v.keys
	switch {
	case key.Matches(msg, k.ClosePitfalls):
		v.open = false
	case key.Matches(msg, k.Up):
		v.pick(v.sel - 1)
		return v.explore()
	case key.Matches(msg, k.Down):
		v.pick(v.sel + 1)
		return v.explore()
	case key.Matches(msg, k.Node):
		if i := int(msg.String()[0] - '1'); i < len(v.all) {
			v.pick(i)
			return v.explore()
		}
	case key.Matches(msg, k.StepNext):
		v.moveStep(1)
	case key.Matches(msg, k.StepPrev):
		v.moveStep(-1)
	case key.Matches(msg, k.StepFirst):
		v.moveStep(-1 << 20)
	case key.Matches(msg, k.StepLast):
		v.moveStep(1 << 20)
	case key.Matches(msg, k.FlipSafe):
		v.safe = !v.safe
		v.resetCursor()
		return v.explore()
	case key.Matches(msg, k.PageUp):
		v.scrollBy(-max(v.h-4, 1))
	case key.Matches(msg, k.PageDown):
		v.scrollBy(max(v.h-4, 1))
	}
	return nil
}

func (v *pitfallsView) scrollBy(d int) {
	v.scroll = max(v.scroll+d, 0)
	v.follow = false
}

// click selects the pitfall under a click at (x, y) of the body.
func (v *pitfallsView) click(x, y int) tea.Cmd {
	if v.w < pitfallListMinW || x >= pitfallListW {
		return nil
	}
	if i := y - 1; i >= 0 && i < len(v.all) { // inside the frame
		v.pick(i)
		return v.explore()
	}
	return nil
}

// render draws the view as exactly h lines of w cells.
func (v *pitfallsView) render(w, h int) []string {
	v.w, v.h = w, h
	detailX := 0
	var list []string
	if w >= pitfallListMinW {
		list = strings.Split(box(v.st, "Pitfalls", v.listLines(pitfallListW-2), pitfallListW, h, false), "\n")
		detailX = pitfallListW
	}
	dw := w - detailX
	lines, from, to := v.detailLines(dw - 2)
	// Scroll: keep the cursor's step in sight while following it, and
	// never past the end.
	inner := h - 2
	if v.follow && from >= 0 {
		if to > v.scroll+inner {
			v.scroll = to - inner
		}
		if from < v.scroll {
			v.scroll = from
		}
	}
	v.scroll = max(min(v.scroll, len(lines)-inner), 0)
	title := v.title()
	if v.scroll > 0 {
		title += fmt.Sprintf(" · ↑ %d more", v.scroll)
	}
	if rest := len(lines) - v.scroll - inner; rest > 0 {
		title += fmt.Sprintf(" · ↓ %d more", rest)
	}
	detail := strings.Split(box(v.st, title, lines[v.scroll:], dw, h, true), "\n")
	out := make([]string, h)
	for i := range out {
		if list != nil {
			out[i] = list[i]
		}
		out[i] += detail[i]
	}
	return out
}

// listLines are the pitfalls, the selected one marked, and what their
// explorations found so far.
func (v *pitfallsView) listLines(w int) []string {
	var out []string
	for i, p := range v.all {
		mark := "  "
		if i == v.sel {
			mark = "▸ "
		}
		l := fit(mark+strconv.Itoa(p.Number)+" "+p.Name, w)
		if i == v.sel {
			l = v.st.Selected.Render(l)
		}
		out = append(out, l)
	}
	out = append(out, "", fit("broke of explored", w), v.st.Header.Render(fit("     unsafe   safe", w)))
	for _, p := range v.all {
		u := v.verdict(pitfallVersion{p.Number, false})
		s := v.verdict(pitfallVersion{p.Number, true})
		out = append(out, fit(fmt.Sprintf("  %d  %s%s", p.Number, fit(u, 9), s), w))
	}
	return out
}

// verdict is one version's result in a word: how many interleavings
// broke, "…" while it runs, "·" before.
func (v *pitfallsView) verdict(pv pitfallVersion) string {
	r, ok := v.results[pv]
	switch {
	case !ok && v.running != nil && *v.running == pv:
		return "…"
	case !ok:
		return "·"
	case r.err != nil:
		return v.st.Err.Render("error")
	}
	s := fmt.Sprintf("%d/%d", r.e.Broken, r.e.Explored)
	if pitfalls.Holds(r.e, pv.safe) {
		return v.st.OK.Render(s)
	}
	return v.st.Err.Render(s + " ✘")
}

func (v *pitfallsView) title() string {
	p := v.all[v.sel]
	return fmt.Sprintf("Pitfall %d/%d · %s · %s version", p.Number, len(v.all), p.Name, versionWord(v.safe))
}

func versionWord(safe bool) string {
	if safe {
		return "safe"
	}
	return "unsafe"
}

// detailLines are the picked version's lines at width w, and the lines
// [from, to) that the cursor's step takes (-1 when there is no trace).
func (v *pitfallsView) detailLines(w int) (lines []string, from, to int) {
	st := v.st
	p := v.all[v.sel]
	para := func(s string, style func(...string) string) {
		for _, l := range pitfalls.Wrap(s, w) {
			lines = append(lines, style(l))
		}
	}
	plainText := func(s ...string) string { return strings.Join(s, "") }
	para(p.Title, st.Header.Render)
	how := p.Unsafe
	if v.safe {
		how = p.Safe
	}
	para("through "+how, plainText)
	para("invariant: "+p.Invariant, plainText)
	lines = append(lines, "")
	from, to = -1, -1
	r, ok := v.results[v.current()]
	switch {
	case !ok:
		lines = append(lines, st.Dim.Render("exploring every interleaving…"))
	case r.err != nil:
		para("the exploration failed: "+r.err.Error(), st.Err.Render)
	default:
		e := r.e
		scope := "every interleaving"
		if e.Bound >= 0 {
			scope = fmt.Sprintf("every interleaving with at most %d preemptions", e.Bound)
		}
		verdict := fmt.Sprintf("%d broke the invariant", e.Broken)
		held := pitfalls.Holds(e, v.safe)
		switch {
		case held && v.safe:
			verdict = st.OK.Render("✔ " + verdict)
		case held:
			verdict = st.Err.Render("✘ " + verdict)
		default:
			verdict = st.Err.Render("NOT HELD: " + verdict)
		}
		lines = append(lines, fmt.Sprintf("explored %d interleavings (%s): %s", e.Explored, scope, verdict))
		il := v.shown()
		if il == nil {
			break
		}
		v.step = max(min(v.step, len(il.Steps)), 1)
		what := "shortest failing interleaving"
		if il.Violation == "" {
			what = "the most preempted interleaving, which held"
		}
		lines = append(lines, "", fmt.Sprintf("%s: %d steps, %d preemption%s · step %d of %d",
			what, len(il.Steps), il.Preemptions, plural(il.Preemptions), v.step, len(il.Steps)))
		trace, f, t := v.traceLines(il, w)
		from, to = len(lines)+f, len(lines)+t
		lines = append(lines, trace...)
		if il.Violation != "" {
			lines = append(lines, "")
			para("broken: "+il.Violation, st.Err.Render)
		}
	}
	lines = append(lines, "")
	for i, pp := range strings.Split(strings.TrimSpace(p.Explanation), "\n\n") {
		if i > 0 {
			lines = append(lines, "")
		}
		para(pp, plainText)
	}
	lines = append(lines, "")
	if p.HasRaceDemo() {
		flags := "--race"
		if v.safe {
			flags += " --safe"
		}
		para(fmt.Sprintf("For real: 'netlab pitfall %s %s' runs this version on free goroutines under Go's race detector (it needs Go and a C compiler).",
			p.Name, flags), st.Dim.Render)
	} else {
		para("No race-detector demonstration: this is a logic race, every access is ordered by a lock or by the tcpip goroutine, so only the explorer shows it.", st.Dim.Render)
	}
	return lines, from, to
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// traceLines lays il out in one column per actor at width w, as
// Interleaving.Columns does, the cursor's step marked and highlighted and
// the steps after it dimmed; from and to are the lines the cursor's step
// takes.
func (v *pitfallsView) traceLines(il *pitfalls.Interleaving, w int) (lines []string, from, to int) {
	st := v.st
	names := il.ActorNames()
	const numW, gap = 4, 2
	colW := max((w-numW-gap*len(names))/len(names), 12)
	row := func(num string, cells []string, cell int, style func(...string) string) string {
		var b strings.Builder
		b.WriteString(fit(num, numW))
		for i, c := range cells {
			b.WriteString(strings.Repeat(" ", gap))
			c = fit(c, colW)
			if i == cell {
				c = style(c)
			}
			b.WriteString(c)
		}
		return b.String()
	}
	rule := make([]string, len(names))
	for i, n := range names {
		rule[i] = strings.Repeat("─", min(colW, max(len([]rune(n)), 5)))
	}
	lines = append(lines, row("step", names, -1, nil), row("", rule, -1, nil))
	for i, s := range il.Steps {
		n := i + 1
		if n == v.step {
			from = len(lines)
		}
		for j, l := range s.Wrapped(colW) {
			cells := make([]string, len(names))
			cells[s.Actor] = l
			num := ""
			switch {
			case j == 0 && n == v.step:
				num = "▶" + strconv.Itoa(n)
			case j == 0:
				num = " " + strconv.Itoa(n)
			}
			line := row(num, cells, s.Actor, st.Selected.Render)
			if n != v.step {
				line = row(num, cells, -1, nil)
			}
			if n > v.step {
				line = st.Dim.Render(line)
			}
			lines = append(lines, line)
		}
		if n == v.step {
			to = len(lines)
		}
	}
	return lines, from, to
}
