package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/labs/pitfalls"
)

// pitfallApp is the TUI of a quiet quickstart at w×h with the Pitfalls
// view open on pitfall 1, its exploration done.
func pitfallApp(t *testing.T, w, h int) *App {
	t.Helper()
	a := newTestApp(t, quietWorld(t, "quickstart"), w, h)
	_, cmd := a.Update(press("!"))
	feed(a, cmd)
	if !a.pit.open {
		t.Fatal("! did not open the Pitfalls view")
	}
	return a
}

// pressFeed presses k and runs what it asked for.
func pressFeed(a *App, k string) {
	_, cmd := a.Update(press(k))
	feed(a, cmd)
}

func TestPitfallsViewScreens(t *testing.T) {
	a := pitfallApp(t, 140, 45)
	golden(t, "pitfalls-netif-remove-unsafe-step1-140x45", plain(a.Render()))
	pressFeed(a, "right")
	pressFeed(a, "right")
	golden(t, "pitfalls-netif-remove-unsafe-step3-140x45", plain(a.Render()))
	pressFeed(a, "s")
	golden(t, "pitfalls-netif-remove-safe-step1-140x45", plain(a.Render()))
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	pressFeed(a, "6")
	pressFeed(a, "G")
	golden(t, "pitfalls-unserialised-calls-safe-last-80x24", plain(a.Render()))
}

// TestPitfallsViewStepsEveryPitfall picks each pitfall in both versions,
// requires the view to show what the explorer finds (the unsafe version
// breaks, the safe one holds) and steps the cursor from the first step to
// the last and one past it (it stays on the last).
func TestPitfallsViewStepsEveryPitfall(t *testing.T) {
	a := pitfallApp(t, 140, 45)
	for _, p := range pitfalls.All() {
		for _, safe := range []bool{false, true} {
			pressFeed(a, fmt.Sprint(p.Number))
			if a.pit.safe != safe {
				pressFeed(a, "s")
			}
			name := fmt.Sprintf("%s %s", p.Name, versionWord(safe))
			r, ok := a.pit.results[pitfallVersion{p.Number, safe}]
			if !ok || r.err != nil {
				t.Fatalf("%s: not explored (%v)", name, r.err)
			}
			il := a.pit.shown()
			if !pitfalls.Holds(r.e, safe) || il == nil || (il.Violation != "") == safe {
				t.Fatalf("%s: %d of %d broke; shown %+v", name, r.e.Broken, r.e.Explored, il)
			}
			screen := plain(a.Render())
			want := fmt.Sprintf("Pitfall %d/7 · %s · %s version", p.Number, p.Name, versionWord(safe))
			if !strings.Contains(screen, want) || !strings.Contains(screen, "▶1 ") {
				t.Fatalf("%s: the screen lacks %q or the cursor on step 1:\n%s", name, want, screen)
			}
			for n := 2; n <= len(il.Steps)+1; n++ {
				pressFeed(a, "right")
				at := min(n, len(il.Steps))
				if a.pit.step != at || !strings.Contains(plain(a.Render()), fmt.Sprintf("▶%d ", at)) {
					t.Fatalf("%s: after %d presses of → the cursor is on step %d, want %d:\n%s", name, n-1, a.pit.step, at, plain(a.Render()))
				}
			}
			pressFeed(a, "g")
			if a.pit.step != 1 {
				t.Fatalf("%s: g put the cursor on step %d", name, a.pit.step)
			}
		}
	}
	list := plain(a.Render())
	if strings.Contains(list, "✘\n") || strings.Contains(list, "NOT HELD") || strings.Contains(list, "·        ") {
		t.Fatalf("the list shows a version that did not hold or did not run:\n%s", list)
	}
}

// TestPitfallsViewKeysAndMouse: esc goes back to the panels and ! comes
// back to the same pitfall; a click on the list picks a pitfall; q still
// quits.
func TestPitfallsViewKeysAndMouse(t *testing.T) {
	a := pitfallApp(t, 140, 45)
	pressFeed(a, "3")
	pressFeed(a, "esc")
	if a.pit.open || !strings.Contains(plain(a.Render()), "Interfaces") {
		t.Fatalf("esc did not go back to the panels:\n%s", plain(a.Render()))
	}
	pressFeed(a, "!")
	if !a.pit.open || !strings.Contains(plain(a.Render()), "Pitfall 3/7 · dhcp-stop") {
		t.Fatalf("! did not come back to pitfall 3:\n%s", plain(a.Render()))
	}
	// Row 1 is under the header and the list's frame: pitfall 1 is on
	// screen row 2, pitfall 5 on row 6.
	_, cmd := a.Update(tea.MouseClickMsg{X: 5, Y: 6, Button: tea.MouseLeft})
	feed(a, cmd)
	if a.pit.sel != 4 || !strings.Contains(plain(a.Render()), "Pitfall 5/7 · shared-socket") {
		t.Fatalf("a click on the list's fifth row picked pitfall %d", a.pit.sel+1)
	}
	if _, err := a.ShowPitfall("no-such", false); err == nil {
		t.Fatal("ShowPitfall of an unknown pitfall did not fail")
	}
	cmd, _ = a.ShowPitfall("fd-reuse", true)
	feed(a, cmd)
	if a.pit.sel != 3 || !a.pit.safe || !strings.Contains(plain(a.Render()), "Pitfall 4/7 · fd-reuse · safe version") {
		t.Fatalf("ShowPitfall(fd-reuse, safe): on pitfall %d, safe %v", a.pit.sel+1, a.pit.safe)
	}
	if _, cmd := a.Update(press("q")); cmd == nil || fmt.Sprint(cmd()) != fmt.Sprint(tea.Quit()) {
		t.Fatal("q does not quit from the Pitfalls view")
	}
}

// TestFullHelpWrapsBetweenKeys: the ? overlay breaks its lines between
// two keys, never inside one, so every key and its description read
// whole on the screen, at any width the overlay fits.
func TestFullHelpWrapsBetweenKeys(t *testing.T) {
	a := pitfallApp(t, 140, 45)
	for _, w := range []int{140, 100, 80} {
		a.Update(tea.WindowSizeMsg{Width: w, Height: 45})
		pressFeed(a, "?")
		screen := plain(a.Render())
		k := a.keys
		all := append(k.globalKeys(), k.listKeys()...)
		all = append(all, a.pit.keyBindings()...)
		for _, b := range all {
			if h := b.Help(); !strings.Contains(screen, h.Key+" "+h.Desc) {
				t.Fatalf("at width %d the full help does not show %q whole:\n%s", w, h.Key+" "+h.Desc, screen)
			}
		}
		pressFeed(a, "x") // any key closes it
	}
}
