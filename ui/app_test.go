package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

var panelNames = [nPanels]string{"interfaces", "timers", "sockets", "arp", "routes", "dhcp", "links", "events", "lab"}

// TestGoldenApp renders the whole app at 140x45 for each built-in lab,
// and every node of it.
func TestGoldenApp(t *testing.T) {
	for _, lab := range []string{"quickstart", "router", "dhcp-basic"} {
		t.Run(lab, func(t *testing.T) {
			w := quietWorld(t, lab)
			a := newTestApp(t, w, 140, 45)
			for i, n := range a.Snapshot().Nodes {
				a.selectNode(i)
				golden(t, fmt.Sprintf("app-%s-%s-140x45", lab, n), plain(a.Render()))
			}
		})
	}
}

// TestGoldenPanels renders each panel alone at 100x30 (the narrow layout
// shows the focused panel only).
func TestGoldenPanels(t *testing.T) {
	for _, lab := range []string{"quickstart", "router"} {
		t.Run(lab, func(t *testing.T) {
			w := quietWorld(t, lab)
			a := newTestApp(t, w, 100, 30)
			if lab == "router" {
				a.selectNode(1) // r: forwarding, two interfaces
			}
			for i := range nPanels {
				a.setFocus(i)
				golden(t, fmt.Sprintf("panel-%s-%s-100x30", lab, panelNames[i]), plain(a.Render()))
			}
		})
	}
}

// TestGoldenDHCP renders the panels that show DHCP at 100x30 after
// dhcp-basic: b's Interfaces with its client bound and its lease
// counting down, a's DHCP panel with the server's lease table, b's
// Timers with the client's timers.
func TestGoldenDHCP(t *testing.T) {
	w := quietWorld(t, "dhcp-basic")
	a := newTestApp(t, w, 100, 30)
	for _, c := range []struct {
		node  int
		panel int
	}{{1, pInterfaces}, {1, pTimers}, {0, pDHCP}, {1, pDHCP}} {
		a.selectNode(c.node)
		a.setFocus(c.panel)
		golden(t, fmt.Sprintf("panel-dhcp-basic-%s-%s-100x30", a.Snapshot().NodeName(), panelNames[c.panel]), plain(a.Render()))
	}
}

func TestTooSmall(t *testing.T) {
	w := quietWorld(t, "quickstart")
	for _, sz := range [][2]int{{59, 30}, {100, 15}, {20, 5}} {
		a := newTestApp(t, w, sz[0], sz[1])
		got := plain(a.Render())
		want := fmt.Sprintf("terminal too small: need %dx%d, have %dx%d", MinWidth, MinHeight, sz[0], sz[1])
		if !strings.Contains(got, want) {
			t.Errorf("at %dx%d the screen is\n%s\nwant it to say %q", sz[0], sz[1], got, want)
		}
	}
}

// TestLayoutSizes checks that every size renders exactly the terminal's
// size, the narrow layout at the smallest size included.
func TestLayoutSizes(t *testing.T) {
	w := quietWorld(t, "router")
	for _, sz := range [][2]int{{60, 16}, {80, 24}, {119, 40}, {120, 36}, {200, 60}, {140, 45}} {
		a := newTestApp(t, w, sz[0], sz[1])
		for i := range nPanels {
			a.setFocus(i)
			lines := strings.Split(plain(a.Render()), "\n")
			if len(lines) != sz[1] {
				t.Fatalf("%dx%d, %s focused: %d lines", sz[0], sz[1], panelNames[i], len(lines))
			}
			for j, l := range lines {
				if n := ansiWidth(l); n != sz[0] {
					t.Fatalf("%dx%d, %s focused: line %d is %d cells wide: %q", sz[0], sz[1], panelNames[i], j+1, n, l)
				}
			}
		}
		if narrow := sz[0] < 120 || sz[1] < 36; narrow {
			if got := plain(a.Render()); !strings.Contains(got, "[Lab") {
				t.Errorf("%dx%d: the narrow layout does not name the focused panel:\n%s", sz[0], sz[1], got)
			}
		}
	}
}

// TestRouting checks that tab moves focus, that keys a panel binds go to
// the focused panel, and that other keys are global.
func TestRouting(t *testing.T) {
	w := quietWorld(t, "quickstart")
	a := newTestApp(t, w, 140, 45)
	if a.focus != pInterfaces {
		t.Fatalf("focus starts on %d", a.focus)
	}
	a.Update(press("tab"))
	if a.focus != pSockets && a.focus != pTimers {
		t.Fatalf("tab moved focus to %s", panelNames[a.focus])
	}
	seen := map[int]bool{}
	for range nPanels {
		seen[a.focus] = true
		a.Update(press("tab"))
	}
	if len(seen) != nPanels {
		t.Fatalf("tab reached %d panels, want %d", len(seen), nPanels)
	}
	a.Update(press("shift+tab"))
	a.Update(press("tab"))

	// "a" in the Sockets panel opens its form; in the Timers panel it does
	// nothing.
	a.setFocus(pSockets)
	a.Update(press("a"))
	if a.form == nil || !strings.Contains(a.form.Title, "UDP socket") {
		t.Fatalf("a in Sockets opened %v", a.form)
	}
	a.Update(press("esc"))
	if a.form != nil {
		t.Fatal("esc did not close the form")
	}
	a.setFocus(pTimers)
	a.Update(press("a"))
	if a.form != nil {
		t.Fatalf("a in Timers opened %q", a.form.Title)
	}

	// Down moves the focused list only.
	a.setFocus(pEvents)
	ev := a.panels[pEvents].(*eventsPanel)
	lab := a.panels[pLab].(*labPanel)
	ev.list.sel = 0
	ev.follow = false
	a.Update(press("down"))
	if ev.list.sel != 1 || lab.list.sel != 0 {
		t.Fatalf("down: events at %d, lab at %d", ev.list.sel, lab.list.sel)
	}

	// Space pauses the events log in Events, the clock elsewhere.
	a.Update(press("space"))
	if !ev.paused {
		t.Fatal("space in Events did not pause the log")
	}
	a.setFocus(pLab)
	_, cmd := a.Update(press("space"))
	if cmd == nil {
		t.Fatal("space in Lab gave no clock command")
	}
	a.Update(cmd())
	if w.Virtual.Paused() {
		t.Fatal("space did not resume the paused clock")
	}
	w.Virtual.Pause()

	// Global: nodes, help, quit.
	a.Update(press("right"))
	if a.node != 1 {
		t.Fatalf("→ selected node %d", a.node)
	}
	a.Update(press("1"))
	if a.node != 0 {
		t.Fatalf("1 selected node %d", a.node)
	}
	a.Update(press("?"))
	if !a.showHelp || !strings.Contains(plain(a.Render()), "any key closes this help") {
		t.Fatal("? did not show the help")
	}
	a.Update(press("x"))
	if a.showHelp {
		t.Fatal("a key did not close the help")
	}
	if _, cmd := a.Update(press("q")); cmd == nil || fmt.Sprint(cmd()) != fmt.Sprint(tea.Quit()) {
		t.Fatal("q did not quit")
	}

	// While a filter is typed, every key goes to the panel.
	a.setFocus(pEvents)
	a.Update(press("/"))
	for _, r := range "qARP" {
		if _, cmd := a.Update(press(string(r))); cmd != nil {
			if _, quit := cmd().(tea.QuitMsg); quit {
				t.Fatal("q quit while typing a filter")
			}
		}
	}
	if ev.list.query != "qARP" {
		t.Fatalf("filter is %q", ev.list.query)
	}
}

// TestMouse checks that a click focuses the panel under it and selects a
// row, and that the wheel scrolls.
func TestMouse(t *testing.T) {
	w := quietWorld(t, "quickstart")
	a := newTestApp(t, w, 140, 45)
	r := a.rects[pEvents]
	a.Update(tea.MouseClickMsg{X: r.x + 5, Y: r.y + 3, Button: tea.MouseLeft})
	ev := a.panels[pEvents].(*eventsPanel)
	if a.focus != pEvents {
		t.Fatalf("click focused %s", panelNames[a.focus])
	}
	if ev.list.sel != ev.list.off+2 {
		t.Fatalf("click selected row %d (offset %d)", ev.list.sel, ev.list.off)
	}
	off := ev.list.off
	a.Update(tea.MouseWheelMsg{X: r.x + 5, Y: r.y + 3, Button: tea.MouseWheelUp})
	if ev.list.off != max(off-3, 0) {
		t.Fatalf("wheel up: offset %d, was %d", ev.list.off, off)
	}
}

// TestEventDetail opens a packet's decoded headers.
func TestEventDetail(t *testing.T) {
	w := quietWorld(t, "quickstart")
	a := newTestApp(t, w, 140, 45)
	a.setFocus(pEvents)
	ev := a.panels[pEvents].(*eventsPanel)
	// The first event with a frame.
	for i := range ev.log {
		if len(ev.log[i].ev.Frame) > 0 {
			ev.list.sel = i
			break
		}
	}
	ev.follow = false
	a.Update(press("enter"))
	got := plain(a.Render())
	if !strings.Contains(got, "packet detail") || !strings.Contains(got, "Ethernet") {
		t.Fatalf("no detail view:\n%s", got)
	}
	golden(t, "events-detail-140x45", got)
	a.Update(press("esc"))
	if ev.detail != nil {
		t.Fatal("esc did not close the detail")
	}
}

// TestFilter filters a panel's rows.
func TestFilter(t *testing.T) {
	w := quietWorld(t, "quickstart")
	a := newTestApp(t, w, 140, 45)
	a.setFocus(pEvents)
	for _, k := range []string{"/", "U", "D", "P", "enter"} {
		a.Update(press(k))
	}
	ev := a.panels[pEvents].(*eventsPanel)
	if n := ev.list.count(); n == 0 || n == len(ev.log) {
		t.Fatalf("filter UDP kept %d of %d events", n, len(ev.log))
	}
	for p := range ev.list.count() {
		if s := ev.log[ev.list.item(p)].line(); !strings.Contains(s, "UDP") {
			t.Fatalf("filter kept %q", s)
		}
	}
	if got := plain(a.Render()); !strings.Contains(got, "/UDP") {
		t.Fatalf("the filter is not shown:\n%s", got)
	}
	a.Update(press("esc"))
	if ev.list.count() != len(ev.log) {
		t.Fatal("esc did not clear the filter")
	}
}

// TestHelpBarKeepsHelpAndQuit renders every panel at 80 and 60 columns
// (and with a form open): the help bar always ends with "? all keys" and
// "q quit", whole, and says how to move on ("tab next panel") before any
// other global key; keys that do not fit are left out, not cut.
func TestHelpBarKeepsHelpAndQuit(t *testing.T) {
	w := quietWorld(t, "quickstart")
	for _, width := range []int{80, 60} {
		a := newTestApp(t, w, width, 24)
		check := func(what string) {
			t.Helper()
			lines := strings.Split(plain(a.Render()), "\n")
			bar := strings.TrimRight(lines[len(lines)-1], " ")
			if !strings.HasSuffix(bar, "? all keys • q quit") || strings.Contains(bar, "…") {
				t.Errorf("%d columns, %s: help bar %q", width, what, bar)
			}
			if a.form == nil && !strings.Contains(bar, "tab next panel") {
				t.Errorf("%d columns, %s: help bar %q has no tab", width, what, bar)
			}
		}
		for i := range nPanels {
			a.setFocus(i)
			check(panelNames[i])
		}
		a.setFocus(pInterfaces)
		a.Update(press("a"))
		lines := strings.Split(plain(a.Render()), "\n")
		if bar := strings.TrimSpace(lines[len(lines)-1]); bar != "enter submit • tab next field • esc cancel" {
			t.Errorf("%d columns, a form: help bar %q", width, bar)
		}
		a.Update(press("esc"))
	}
	// At 80 columns the Interfaces panel keeps its first keys.
	a := newTestApp(t, w, 80, 24)
	lines := strings.Split(plain(a.Render()), "\n")
	if bar := strings.TrimSpace(lines[len(lines)-1]); !strings.HasPrefix(bar, "a add • x remove •") {
		t.Errorf("80 columns, Interfaces: help bar %q", bar)
	}
}
