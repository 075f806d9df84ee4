package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// These tests drive the whole program (tea.Program, its renderer, the
// tick, commands on their own goroutines) through teatest, and read what
// it drew through a terminal emulator (vt), as a person would: the
// assertions look at the screen, never at the byte stream. (teatest
// leaves a goroutine per program waiting for SIGINT, so this package
// checks no goroutine leaks; cmd/netlab's TestPanicRestoresTerminal
// runs the program without teatest and does.)

// Generous limits: two slow cores under -race.
const (
	screenWait  = 60 * time.Second
	screenEvery = 25 * time.Millisecond
	ttW, ttH    = 140, 45
)

// vtScreen is a running program and the terminal it draws on.
type vtScreen struct {
	t   *testing.T
	tm  *teatest.TestModel
	emu *vt.Emulator
	// out reads what the program wrote and feeds the emulator on the way.
	out io.Reader
}

// startTUI runs the TUI of world in teatest at 140x45 without colour,
// with its normal tick.
func startTUI(t *testing.T, world *run.World) *vtScreen {
	t.Helper()
	app := New(world, Options{NoColor: true, Tick: 50 * time.Millisecond})
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(ttW, ttH))
	emu := vt.NewEmulator(ttW, ttH)
	// The emulator answers queries (device attributes, modes) on its input
	// pipe; nobody reads them here, so drain it.
	go func() { _, _ = io.Copy(io.Discard, emu) }()
	t.Cleanup(func() { _ = emu.InputPipe().(io.Closer).Close() })
	s := &vtScreen{t: t, tm: tm, emu: emu, out: io.TeeReader(tm.Output(), onlcr{emu})}
	t.Cleanup(func() {
		// A test that failed half way leaves the program running: end it
		// before the world closes.
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(screenWait))
	})
	return s
}

// onlcr does what a tty's line discipline does with ONLCR set: it turns
// "\n" into "\r\n". Bubble Tea's renderer counts on it when its input is
// not a terminal (as here), and vt, being the terminal, does not do it.
type onlcr struct{ w io.Writer }

func (o onlcr) Write(p []byte) (int, error) {
	if _, err := o.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// text is the screen as plain text, trailing spaces trimmed.
func (s *vtScreen) text() string { return s.emu.String() }

// screenTB reports a wait that failed with the screen a person would see,
// not teatest's raw bytes.
type screenTB struct {
	*testing.T
	what   string
	screen *string
}

func (tb screenTB) Fatal(args ...any) {
	tb.T.Helper()
	tb.T.Fatalf("waited %v for %s; the screen is:\n%s", screenWait, tb.what, *tb.screen)
}

// waitFor waits until cond holds on the screen and returns that screen.
func (s *vtScreen) waitFor(what string, cond func(screen string) bool) string {
	s.t.Helper()
	var last string
	teatest.WaitFor(screenTB{s.t, what, &last}, s.out, func([]byte) bool {
		last = s.text()
		return cond(last)
	}, teatest.WithDuration(screenWait), teatest.WithCheckInterval(screenEvery))
	return last
}

// waitText waits until the screen shows every one of texts.
func (s *vtScreen) waitText(texts ...string) string {
	s.t.Helper()
	return s.waitFor(fmt.Sprintf("%q", texts), func(scr string) bool {
		for _, x := range texts {
			if !strings.Contains(scr, x) {
				return false
			}
		}
		return true
	})
}

// keys types each of ks: a named key ("tab", "enter", "esc") or text.
func (s *vtScreen) keys(ks ...string) {
	for _, k := range ks {
		switch k {
		case "tab", "shift+tab", "enter", "esc", "space", "up", "down", "left", "right", "ctrl+c":
			s.tm.Send(press(k))
		default:
			s.tm.Type(k)
		}
	}
}

// quit presses q and checks that the program ends without an error and
// hands back the App.
func (s *vtScreen) quit() *App {
	s.t.Helper()
	s.keys("q")
	m := s.tm.FinalModel(s.t, teatest.WithFinalTimeout(screenWait))
	app, ok := m.(*App)
	if !ok {
		s.t.Fatalf("the final model is %T, want *App", m)
	}
	return app
}

// statusLine is the status line (the line above the help bar).
func statusLine(scr string) string {
	lines := strings.Split(scr, "\n")
	if len(lines) < 2 {
		return ""
	}
	return strings.TrimSpace(lines[len(lines)-2])
}

// Interface rows: "eth0 02:00:00:00:01:00 10.0.0.1/24 1500 up up", then
// "rx 6 fr 432 B  tx 6 fr 432 B ...".
var ifCounters = regexp.MustCompile(`rx (\d+) fr [^t]*tx (\d+) fr`)

// netifCounters reads the frame counters shown under netif name in the
// Interfaces panel.
func netifCounters(scr, name string) (rx, tx uint64, ok bool) {
	lines := strings.Split(scr, "\n")
	for i, l := range lines {
		f := strings.Fields(strings.Trim(l, "┃│▸ "))
		if len(f) == 0 || f[0] != name || i+1 >= len(lines) {
			continue
		}
		m := ifCounters.FindStringSubmatch(lines[i+1])
		if m == nil {
			return 0, 0, false
		}
		rx, _ = strconv.ParseUint(m[1], 10, 64)
		tx, _ = strconv.ParseUint(m[2], 10, 64)
		return rx, tx, true
	}
	return 0, 0, false
}

// TestTeatestAddInterface adds eth1 to a through the Interfaces panel's
// form, with the clock paused, and sees it in the panel.
func TestTeatestAddInterface(t *testing.T) {
	w := quietWorld(t, "quickstart")
	s := startTUI(t, w)
	s.waitText("Interfaces · a", "⏸ paused", "eth0", "10.0.0.1/24")

	s.keys("a")
	s.waitText("Add interface to a")
	// The name field suggests eth1; the address is the next field.
	s.keys("tab", "10.9.0.1/24", "tab", "1400", "enter")
	scr := s.waitText("✔ add a:eth1")
	if st := statusLine(scr); !regexp.MustCompile(`^✔ add a:eth1: index \d+, not attached to a link$`).MatchString(st) {
		t.Errorf("status line %q, want the new index and that it has no link", st)
	}
	scr = s.waitFor("eth1 in the Interfaces panel", func(scr string) bool {
		return regexp.MustCompile(`eth1\s+02:00:00:7e:01:01\s+10\.9\.0\.1/24\s+1400\s`).MatchString(scr)
	})
	if strings.Contains(scr, "Add interface to a") {
		t.Errorf("the form is still open:\n%s", scr)
	}
	s.quit()
}

// TestTeatestSendCounters opens a UDP socket on b from the Sockets panel,
// sends a datagram to a's echo app, and sees b's frame counters move in
// the Interfaces panel.
func TestTeatestSendCounters(t *testing.T) {
	w := quietWorld(t, "quickstart")
	w.Virtual.Resume()
	s := startTUI(t, w)
	s.keys("2")
	scr := s.waitText("Interfaces · b", "Sockets · b", "▶ running ×1")
	rx0, tx0, ok := netifCounters(scr, "eth0")
	if !ok {
		t.Fatalf("no counters of b's eth0:\n%s", scr)
	}

	s.keys("tab", "tab") // Interfaces → Timers → Sockets
	s.waitText("▶ Sockets · b")
	s.keys("a")
	s.waitText("Open a UDP socket on b")
	s.keys(":6000", "enter")
	s.waitFor("the socket's descriptor in the status line", func(scr string) bool {
		return regexp.MustCompile(`^✔ b open UDP socket: fd 3(/g\d+)?, local 0\.0\.0\.0:6000$`).MatchString(statusLine(scr))
	})
	s.waitFor("the socket in the Sockets panel", func(scr string) bool {
		return regexp.MustCompile(`▸ 3\s+udp\s+0\.0\.0\.0:6000\s+\*\s+bound\s+0\s+0\s+tui`).MatchString(scr)
	})

	// s: the Send form starts with a's echo app and "hello netlab".
	s.keys("s")
	// The descriptor may carry its generation ("3/g2") when the lab's own
	// socket used number 3 before.
	s.waitFor("the Send form", func(scr string) bool {
		return regexp.MustCompile(`Send on b fd 3(/g\d+)?\b`).MatchString(scr) &&
			strings.Contains(scr, "10.0.0.1:7") && strings.Contains(scr, "hello netlab")
	})
	s.keys("enter")
	s.waitFor("the send's result", func(scr string) bool {
		return regexp.MustCompile(`✔ b fd 3(/g\d+)?: send to 10\.0\.0\.1:7: 12 B sent`).MatchString(scr)
	})
	// The echo comes back: b's eth0 sent one frame more and received one
	// more, and the socket holds the 12 bytes.
	scr = s.waitFor("b's eth0 counters to move", func(scr string) bool {
		rx, tx, ok := netifCounters(scr, "eth0")
		return ok && rx > rx0 && tx > tx0
	})
	rx1, tx1, _ := netifCounters(scr, "eth0")
	t.Logf("b eth0: rx %d → %d frames, tx %d → %d frames", rx0, rx1, tx0, tx1)
	s.waitFor("12 bytes in the socket's receive queue", func(scr string) bool {
		return regexp.MustCompile(`3\s+udp\s+0\.0\.0\.0:6000\s+\*\s+bound\s+0\s+12\s+tui`).MatchString(scr)
	})
	s.quit()
}

// Header: "netlab · quickstart   virtual 00:00:00.204 ⏸ paused ×1".
var headerClock = regexp.MustCompile(`virtual (\d\d):(\d\d):(\d\d)\.(\d\d\d) `)

// Timer rows: "arp age  core  0.797s  —".
var arpAgeRow = regexp.MustCompile(`arp age\s+core\s+(\d+\.\d{3})s\s`)

// clockOf reads the virtual clock in the header (-1 when it shows none).
func clockOf(scr string) time.Duration {
	m := headerClock.FindStringSubmatch(strings.SplitN(scr, "\n", 2)[0])
	if m == nil {
		return -1
	}
	var n [4]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute +
		time.Duration(n[2])*time.Second + time.Duration(n[3])*time.Millisecond
}

// arpAgeDue reads the countdown of the "arp age" timer in the Timers
// panel, to the millisecond (it shows 3 decimals below one second).
func arpAgeDue(scr string) (time.Duration, bool) {
	m := arpAgeRow.FindStringSubmatch(scr)
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(f*1000+0.5) * time.Millisecond, true
}

// TestTeatestStepClock steps the paused clock with "." and checks on
// the screen that the header's clock moves to exactly the next deadline
// and that a's "arp age" countdown shrinks by exactly the step; then it
// resumes and pauses the clock with space and steps again.
//
// quickstart's steps leave the clock paused at 0.204s with one timer per
// node, "arp age", armed one second after the node's first ARP entry: b's
// at 1.000s, a's a millisecond later. So the first step lands on b's,
// and a's countdown shrinks by the step without firing; the second lands
// on a's.
func TestTeatestStepClock(t *testing.T) {
	w := quietWorld(t, "quickstart")
	s := startTUI(t, w)
	var h0, c0 time.Duration
	scr := s.waitFor("a's arp age timer on the paused clock", func(scr string) bool {
		c, ok := arpAgeDue(scr)
		h0, c0 = clockOf(scr), c
		return ok && h0 >= 0 && strings.Contains(scr, "⏸ paused")
	})
	next, ok := w.Virtual.NextDeadline()
	if !ok {
		t.Fatalf("no timer is armed:\n%s", scr)
	}
	t.Logf("paused at %v; a's arp age due in %v; the next deadline is %v", h0, c0, next)
	if next >= h0+c0 {
		t.Fatalf("the next deadline is %v, want b's arp age, before a's (%v + %v)", next, h0, c0)
	}

	// One step: to b's deadline. a's countdown shrinks by the step.
	s.keys(".")
	s.waitText("✔ clock step: to " + fmtClock(next))
	scr = s.waitFor("the header at "+fmtClock(next), func(scr string) bool { return clockOf(scr) == next })
	step := clockOf(scr) - h0
	c1, ok := arpAgeDue(scr)
	if !ok || c0-c1 != step {
		t.Fatalf("a step of %v took a's arp age from %v to %v:\n%s", step, c0, c1, scr)
	}
	// Another: to a's deadline, exactly where its countdown said.
	s.keys(".")
	want := h0 + c0
	s.waitText("✔ clock step: to " + fmtClock(want))
	s.waitFor("the header at "+fmtClock(want), func(scr string) bool { return clockOf(scr) == want })
	if !w.Virtual.Paused() {
		t.Fatal("stepping resumed the clock")
	}

	// space resumes and pauses; a step from wherever the clock stopped
	// goes to the next deadline.
	s.keys("space")
	s.waitText("✔ clock: resumed", "▶ running ×1")
	s.keys("space")
	s.waitText("✔ clock: paused", "⏸ paused")
	scr = s.waitFor("the paused clock on the screen", func(scr string) bool {
		return clockOf(scr) == w.Virtual.Now().Truncate(time.Millisecond) // the header shows ms
	})
	h2 := clockOf(scr)
	next, ok = w.Virtual.NextDeadline()
	if !ok {
		t.Fatalf("no timer is armed at %v", h2)
	}
	s.keys(".")
	s.waitText("✔ clock step: to " + fmtClock(next))
	s.waitFor("the header at "+fmtClock(next), func(scr string) bool { return clockOf(scr) == next.Truncate(time.Millisecond) })
	t.Logf("paused at %v, stepped by %v", h2, next-h2)
	s.quit()
}

// TestTeatestQuit checks that q ends the program cleanly, hands back the
// App, and leaves the world running for its owner to close.
func TestTeatestQuit(t *testing.T) {
	w := quietWorld(t, "router")
	s := startTUI(t, w)
	s.waitText("netlab · router", "Interfaces · h1", "Timers · h1", "Sockets · h1", "Events",
		"ARP · h1", "Routes · h1", "Links", "Lab: router · 11/11 passed")
	app := s.quit()
	if app.World() != w {
		t.Fatal("the final model shows another world")
	}
	ctx, cancel := context.WithTimeout(context.Background(), screenWait)
	defer cancel()
	if err := w.Act(ctx, "test", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("the world after quitting: %v", err)
	}
}

// TestTeatestRealClock runs a lab on the real clock: the header says so,
// and the clock keys say in the status line that it cannot be paused,
// stepped or paced.
func TestTeatestRealClock(t *testing.T) {
	lab, err := labs.Builtin("quickstart")
	if err != nil {
		t.Fatal(err)
	}
	l := *lab
	l.Clock = labs.ClockReal
	w, err := run.Build(&l, run.Options{PacketEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	w.Start(context.Background())
	s := startTUI(t, w)
	scr := s.waitText("netlab · quickstart", "real 00:00:", "▶ running", "Interfaces · a", "Lab: quickstart · 9/9 passed")
	if strings.Contains(strings.SplitN(scr, "\n", 2)[0], "virtual") {
		t.Fatalf("the header of a real-clock lab says virtual:\n%s", scr)
	}
	// Each key's report differs from the one before it, so that each wait
	// sees its own.
	for _, k := range []struct{ key, what string }{
		{"space", "clock"}, {".", "clock step"}, {"P", "clock"}, {"+", "clock speed"}, {".", "clock step"}, {"-", "clock speed"},
	} {
		s.keys(k.key)
		s.waitFor(fmt.Sprintf("%q to report the real clock", k.key), func(scr string) bool {
			return statusLine(scr) == "✘ "+k.what+": the lab runs on the real clock"
		})
	}
	s.quit()
}
