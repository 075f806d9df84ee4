package ui

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// updating reports -update: rewrite the golden files under testdata/.
// The flag is github.com/charmbracelet/x/exp/golden's, which teatest
// links into this package's tests: a binary can define a flag only once.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// quietWorld builds a built-in lab, runs its steps to the end on the
// virtual clock (which Run leaves paused there), and waits until every
// stack has published a snapshot of that moment: a world whose screens do
// not change.
func quietWorld(t testing.TB, name string) *run.World {
	t.Helper()
	return quietWorldWith(t, name, run.Options{PacketEvents: true})
}

// quietWorldWith is quietWorld with the world's options o.
func quietWorldWith(t testing.TB, name string, o run.Options) *run.World {
	t.Helper()
	lab, err := labs.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := run.Build(lab, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := w.Run(ctx)
	if !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
	w.Virtual.SetSpeed(1)
	settle(t, w)
	return w
}

// settle waits until every stack has published a snapshot built after
// the clock stopped.
func settle(t testing.TB, w *run.World) {
	t.Helper()
	var first []uint64
	for _, s := range w.Snapshots() {
		first = append(first, s.Version)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ok := true
		for i, s := range w.Snapshots() {
			ok = ok && s.Version > first[i]
		}
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("snapshots did not settle")
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// newTestApp is the TUI of w at w×h, without colour or a tick.
func newTestApp(t testing.TB, world *run.World, w, h int) *App {
	t.Helper()
	a := New(world, Options{Tick: -1, NoColor: true})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	a.Refresh()
	return a
}

// plain strips every escape sequence, as a terminal without colours
// would show the screen.
func plain(s string) string {
	var b bytes.Buffer
	cw := &colorprofile.Writer{Forward: &b, Profile: colorprofile.NoTTY}
	cw.Write([]byte(s))
	return b.String()
}

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui/... -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from %s at line %d:\ngot:  %q\nwant: %q\n\nwhole screen:\n%s", name, path, i+1, g, w, got)
			}
		}
	}
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}
