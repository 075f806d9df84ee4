package ui

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sgr finds the SGR (style) escape sequences of a screen.
var sgr = regexp.MustCompile("\x1b\\[([0-9:;]*)m")

// colours returns the SGR sequences of s that set a colour (foreground
// or background, of any kind).
func colours(s string) []string {
	var out []string
	for _, m := range sgr.FindAllStringSubmatch(s, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if (n >= 30 && n <= 49) || (n >= 90 && n <= 107) {
				out = append(out, strconv.Quote(m[0]))
				break
			}
		}
	}
	return out
}

// TestNoColor renders the same moment with and without colour, after a
// link went down, an action failed, the log was paused and a timer
// fired: without colour no escape sequence sets a colour, and the text is
// exactly the coloured screen's text, so nothing is said by colour alone
// (states read as words and symbols: "down", "✘", "⏸ paused", "↻", the
// focused panel's "▶" and heavy frame, the selected row's "▸").
func TestNoColor(t *testing.T) {
	d := newDriver(t)
	a := d.a
	// A new eth1 on a, administratively down; a failed action (an
	// on-link route cannot be removed); the events log paused; the clock
	// stepped onto a timer.
	d.key("a")
	d.key("tab")
	d.typeIn("10.9.0.1/24")
	d.do(d.key("enter"))
	d.selectNetif("eth1")
	d.do(d.key("u"))
	a.setFocus(pEvents)
	d.key("space")
	d.w.Virtual.Pause()
	d.do(d.key("."))
	d.do(d.key("."))
	timers := a.panels[pTimers].(*timersPanel)
	refreshUntil(t, a, func() bool {
		n := netifOf(a.data.Stack(), "eth1")
		return n.Name != "" && !n.Up && len(timers.flash) > 0
	})
	a.setFocus(pRoutes)
	a.Update(d.key("x")()) // a refresh: the flash has flashTicks-1 to go
	mono := a.styles
	for _, sel := range []int{pInterfaces, pTimers, pEvents} {
		a.setFocus(sel)
		a.styles = mono
		m := a.Render()
		a.styles = NewStyles(true)
		c := a.Render()
		a.styles = mono
		if cs := colours(m); len(cs) > 0 {
			t.Fatalf("%s: without colour the screen sets colours: %v", panelNames[sel], cs[:min(len(cs), 5)])
		}
		if len(colours(c)) == 0 {
			t.Fatalf("%s: the coloured screen has no colour (the test sees nothing)", panelNames[sel])
		}
		if plain(m) != plain(c) {
			t.Fatalf("%s: the screens' text differs:\nmono:\n%s\ncolour:\n%s", panelNames[sel], plain(m), plain(c))
		}
		got := plain(m)
		for _, want := range []string{"⏸ paused", "✘ remove route", "▶ " + a.panels[sel].Title(), "▸ "} {
			if !strings.Contains(got, want) {
				t.Fatalf("%s: without colour the screen does not say %q:\n%s", panelNames[sel], want, got)
			}
		}
		if sel == pInterfaces && !regexp.MustCompile(`eth1\s+02:00:00:7e:01:01\s+10\.9\.0\.1/24\s+1500\s+down\s`).MatchString(got) {
			t.Fatalf("the admin state is not in words:\n%s", got)
		}
		if sel == pTimers && !strings.Contains(got, "↻") {
			t.Fatalf("the fired timer is not marked:\n%s", got)
		}
	}
}
