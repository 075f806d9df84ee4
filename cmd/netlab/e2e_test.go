package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"go.uber.org/goleak"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/internal/crash"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
	"github.com/netlab/netlab/ui"
)

var captureFile = flag.String("capture", "", "write the end-to-end test's screen after a ping to `FILE` (the README's capture)")

// Generous limits: two slow cores under -race.
const (
	e2eWait  = 60 * time.Second
	e2eEvery = 100 * time.Millisecond
)

// tmuxServer is a tmux server of the test's own: its own socket name
// (-L) in its own directory (TMUX_TMPDIR), no configuration file, so that
// it never touches a person's tmux.
type tmuxServer struct {
	t    *testing.T
	name string
	env  []string
}

func newTmux(t *testing.T) *tmuxServer {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing, and CI is set: the end-to-end test must run (.ci/run installs tmux)")
		}
		t.Skip("tmux is missing: the end-to-end test of the binary needs it")
	}
	dir, err := os.MkdirTemp("", "netlab-e2e-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		// Not the person's tmux: TMUX would point at their server.
		if !strings.HasPrefix(kv, "TMUX=") && !strings.HasPrefix(kv, "TMUX_PANE=") && !strings.HasPrefix(kv, "TMUX_TMPDIR=") {
			env = append(env, kv)
		}
	}
	s := &tmuxServer{t: t, name: fmt.Sprintf("netlab-e2e-%d", os.Getpid()), env: append(env, "TMUX_TMPDIR="+dir)}
	t.Cleanup(func() {
		// Even after a failure: the server, the program in it, its files.
		cmd := exec.Command("tmux", "-L", s.name, "kill-server")
		cmd.Env = s.env
		_ = cmd.Run()
		os.RemoveAll(dir)
	})
	return s
}

// run runs a tmux command on the server and returns its output.
func (s *tmuxServer) run(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", s.name, "-f", "/dev/null"}, args...)...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the pane shows now, as text.
func (s *tmuxServer) screen() string { return s.run("capture-pane", "-p", "-t", "e2e") }

// waitFor polls the pane until cond holds on its screen.
func (s *tmuxServer) waitFor(what string, cond func(scr string) bool) string {
	s.t.Helper()
	var scr string
	for deadline := time.Now().Add(e2eWait); time.Now().Before(deadline); time.Sleep(e2eEvery) {
		scr = s.screen()
		if cond(scr) {
			return scr
		}
	}
	s.t.Fatalf("waited %v for %s; the pane shows:\n%s", e2eWait, what, scr)
	return ""
}

// waitText waits until the pane shows every one of texts.
func (s *tmuxServer) waitText(texts ...string) string {
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

// keys sends tmux key names ("Enter", "Tab", "q").
func (s *tmuxServer) keys(ks ...string) { s.run(append([]string{"send-keys", "-t", "e2e"}, ks...)...) }

// typeText types text literally.
func (s *tmuxServer) typeText(text string) { s.run("send-keys", "-t", "e2e", "-l", text) }

// pane reads pane flags (tmux formats).
func (s *tmuxServer) pane(format string) string {
	return strings.TrimSpace(s.run("display-message", "-p", "-t", "e2e", format))
}

// startShell starts the session: a shell in a 140x45 pane, with a
// prompt to recognise, on a clean screen.
func (s *tmuxServer) startShell() {
	s.t.Helper()
	s.run("new-session", "-d", "-s", "e2e", "-x", "140", "-y", "45", "sh")
	if got := s.pane("#{pane_width}x#{pane_height}"); got != "140x45" {
		s.t.Fatalf("the pane is %s, want 140x45", got)
	}
	s.typeText("PS1='e2e$ '; clear")
	s.keys("Enter")
	s.waitFor("the prompt", func(scr string) bool { return strings.TrimSpace(scr) == "e2e$" })
}

// checkRestored checks that the terminal is as it was before the TUI:
// the alternate screen left, the cursor shown, the mouse not reported,
// and the shell in charge.
func (s *tmuxServer) checkRestored(when string) {
	s.t.Helper()
	for _, f := range []struct{ format, want string }{
		{"#{alternate_on}", "0"},
		{"#{cursor_flag}", "1"},
		{"#{mouse_any_flag}", "0"},
		{"#{mouse_button_flag}", "0"},
		{"#{pane_current_command}", "sh"},
	} {
		if got := s.pane(f.format); got != f.want {
			s.t.Errorf("%s, %s is %q, want %q", when, f.format, got, f.want)
		}
	}
}

// buildNetlab builds the command into a temporary directory, with -race
// when this test runs with it and race is true.
func buildNetlab(t *testing.T, race bool) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "netlab")
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok && race {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	cmd := exec.Command(gobin, append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// statusOf is the pane's status line (above the help bar).
func statusOf(scr string) string {
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	if len(lines) < 2 {
		return ""
	}
	return strings.TrimSpace(lines[len(lines)-2])
}

// TestE2ETmux runs the real binary in tmux at 140x45, as a person would:
// it reads the screen with capture-pane, pings and sends on a socket with
// send-keys, and quits with q; then the shell is back, the exit status is
// 0, the alternate screen is left, the cursor shows and the mouse is the
// terminal's again. Logs went to --log, not to the screen.
func TestE2ETmux(t *testing.T) {
	tm := newTmux(t)
	bin := buildNetlab(t, true)
	logFile := filepath.Join(t.TempDir(), "netlab.log")

	tm.startShell()
	tm.typeText(fmt.Sprintf("%s --log %s; echo EXIT=$?", bin, logFile))
	tm.keys("Enter")

	// The panels, the header, the lab's steps.
	scr := tm.waitText("netlab · quickstart", "virtual ", "[1:a]", "2:b",
		"Interfaces · a", "Timers · a", "Sockets · a", "ARP · a", "Routes · a", "Links", "Events", "Lab: quickstart · 9/9 passed")
	if tm.pane("#{alternate_on}") != "1" {
		t.Fatalf("the TUI is not on the alternate screen:\n%s", scr)
	}

	// Ping a → b from the ping form: the result is in the status line.
	tm.keys("p")
	tm.waitText("Ping from a")
	tm.typeText("10.0.0.2")
	tm.keys("Enter")
	scr = tm.waitFor("the ping's result", func(scr string) bool { return strings.HasPrefix(statusOf(scr), "✔ ping a → 10.0.0.2") })
	if st := statusOf(scr); !regexp.MustCompile(`^✔ ping a → 10\.0\.0\.2: 3/3 replies, rtt [0-9. ]+ ms$`).MatchString(st) {
		t.Fatalf("status line %q", st)
	}

	// On b: open a UDP socket in the Sockets panel and send to a's echo app.
	tm.keys("Right", "Tab", "Tab")
	tm.waitText("▶ Sockets · b")
	tm.keys("a")
	tm.waitText("Open a UDP socket on b")
	tm.typeText(":6000")
	tm.keys("Enter")
	tm.waitFor("the socket", func(scr string) bool { return strings.HasPrefix(statusOf(scr), "✔ b open UDP socket: fd 3") })
	// s sends on the selected socket: wait for its row.
	tm.waitFor("the socket's row", func(scr string) bool {
		return regexp.MustCompile(`▸ 3\s+udp\s+0\.0\.0\.0:6000\s`).MatchString(scr)
	})
	tm.keys("s")
	tm.waitText("Send on b fd 3", "hello netlab")
	tm.keys("Enter")
	tm.waitFor("the send's result", func(scr string) bool {
		return statusOf(scr) == "✔ b fd 3: send to 10.0.0.1:7: 12 B sent"
	})
	// b's ping for the capture: its Interfaces panel, counters moved.
	tm.keys("BTab", "BTab")
	tm.waitText("▶ Interfaces · b")
	tm.keys("p")
	tm.waitText("Ping from b")
	tm.typeText("10.0.0.1")
	tm.keys("Enter")
	scr = tm.waitFor("b's ping", func(scr string) bool { return strings.HasPrefix(statusOf(scr), "✔ ping b → 10.0.0.1: 3/3 replies") })
	if *captureFile != "" {
		if err := os.WriteFile(*captureFile, []byte(scr), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// q: the program ends, the shell is back with exit status 0, and the
	// terminal is as it was.
	tm.keys("q")
	scr = tm.waitFor("the shell", func(scr string) bool {
		return strings.Contains(scr, "EXIT=") && strings.HasSuffix(strings.TrimRight(scr, "\n"), "e2e$")
	})
	if !strings.Contains(scr, "\nEXIT=0\n") {
		t.Fatalf("netlab did not exit with status 0:\n%s", scr)
	}
	tm.checkRestored("after q")
	// Nothing but the command line, its status and the prompt.
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(scr), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 3 || !strings.Contains(lines[0], "--log") || lines[1] != "EXIT=0" || lines[2] != "e2e$" {
		t.Errorf("after quitting the screen shows more than the shell:\n%s", scr)
	}
	if fi, err := os.Stat(logFile); err != nil {
		t.Errorf("--log: %v", err)
	} else {
		t.Logf("--log wrote %d bytes", fi.Size())
	}
}

// TestE2ETmuxLab runs "netlab tui router --paused" in tmux with NO_COLOR
// set: the named lab opens with its nodes and the clock paused, "."
// steps it (the header says stepping), R reruns the lab into a new world,
// no escape sequence on the screen sets a colour, and q exits 0 with the
// terminal restored. A lab that does not exist exits 2 before the TUI
// starts, saying so.
func TestE2ETmuxLab(t *testing.T) {
	tm := newTmux(t)
	bin := buildNetlab(t, true)
	logFile := filepath.Join(t.TempDir(), "netlab.log")
	tm.startShell()

	tm.typeText(fmt.Sprintf("%s tui nosuchlab; echo EXIT=$?", bin))
	tm.keys("Enter")
	scr := tm.waitFor("the shell", func(scr string) bool {
		return strings.Contains(scr, "\nEXIT=") && strings.HasSuffix(strings.TrimRight(scr, "\n"), "e2e$")
	})
	if !strings.Contains(scr, "\nEXIT=2\n") || !strings.Contains(scr, "nosuchlab") {
		t.Fatalf("netlab tui nosuchlab:\n%s", scr)
	}
	tm.checkRestored("after a lab that does not exist")

	tm.typeText(fmt.Sprintf("clear; NO_COLOR=1 %s tui router --paused --log %s; echo EXIT=$?", bin, logFile))
	tm.keys("Enter")
	scr = tm.waitText("netlab · router", "⏸ paused", "[1:h1]", "2:r", "3:h2", "Interfaces · h1", "Lab: router")
	if tm.pane("#{alternate_on}") != "1" {
		t.Fatalf("the TUI is not on the alternate screen:\n%s", scr)
	}
	// The steps wait for the clock: "." walks it.
	tm.keys(".")
	tm.waitFor("the clock stepping", func(scr string) bool {
		return strings.Contains(scr, "⏭ stepping") && strings.HasPrefix(statusOf(scr), "✔ clock step")
	})
	// NO_COLOR: styles (bold, reverse) but no colour (39 and 49, the
	// terminal's default colours, are how tmux resets them).
	raw := tm.run("capture-pane", "-e", "-p", "-t", "e2e")
	if m := regexp.MustCompile("\x1b\\[[0-9;:]*m").FindAllString(raw, -1); len(m) == 0 {
		t.Errorf("capture-pane -e shows no style at all: the check below sees nothing")
	} else {
		for _, seq := range m {
			for _, p := range strings.FieldsFunc(seq[2:len(seq)-1], func(r rune) bool { return r == ';' || r == ':' }) {
				if n, _ := strconv.Atoi(p); n != 39 && n != 49 && ((n >= 30 && n <= 48) || (n >= 90 && n <= 107)) {
					t.Fatalf("with NO_COLOR the screen sets a colour: %q", seq)
				}
			}
		}
	}
	// R: a new world of the same lab, the clock paused again at 0.
	tm.keys("space")
	tm.waitText("▶ running")
	tm.keys("R")
	tm.waitFor("the rerun", func(scr string) bool {
		return statusOf(scr) == "✔ rerun: a new world of router is running"
	})
	tm.waitText("⏸ paused", "virtual 00:00:00.000")

	tm.keys("q")
	scr = tm.waitFor("the shell", func(scr string) bool {
		return strings.Contains(scr, "EXIT=") && strings.HasSuffix(strings.TrimRight(scr, "\n"), "e2e$")
	})
	if !regexp.MustCompile(`(?m)^EXIT=0$`).MatchString(scr) {
		t.Fatalf("netlab tui router did not exit with status 0:\n%s", scr)
	}
	tm.checkRestored("after q")
}

// TestE2ETmuxPitfalls runs "netlab pitfall netif-remove --tui" in tmux:
// the Pitfalls view opens on the pitfall with its exploration, → moves
// the cursor through the failing interleaving, s flips to the safe
// version, esc shows the quickstart lab running behind, ! comes back, and
// q exits 0 with the terminal restored.
func TestE2ETmuxPitfalls(t *testing.T) {
	tm := newTmux(t)
	bin := buildNetlab(t, true)
	tm.startShell()
	tm.typeText(fmt.Sprintf("%s pitfall netif-remove --tui; echo EXIT=$?", bin))
	tm.keys("Enter")
	tm.waitText("netlab · quickstart", "Pitfall 1/7 · netif-remove · unsafe version", "✘ 2 broke the invariant",
		"shortest failing interleaving: 4 steps, 1 preemption · step 1 of 4", "broken: eth0 was handed a frame after it was removed")
	tm.keys("Right", "Right")
	tm.waitText("step 3 of 4", "▶3    RemoveNetif(eth0) = ok")
	tm.keys("s")
	tm.waitText("Pitfall 1/7 · netif-remove · safe version", "✔ 0 broke the invariant", "the most preempted interleaving, which held")
	tm.keys("Escape")
	tm.waitText("Interfaces · a", "Lab: quickstart")
	tm.keys("!")
	tm.waitText("Pitfall 1/7 · netif-remove · safe version")
	tm.keys("q")
	scr := tm.waitFor("the shell", func(scr string) bool {
		return strings.Contains(scr, "EXIT=") && strings.HasSuffix(strings.TrimRight(scr, "\n"), "e2e$")
	})
	if !regexp.MustCompile(`(?m)^EXIT=0$`).MatchString(scr) {
		t.Fatalf("netlab pitfall --tui did not exit with status 0:\n%s", scr)
	}
	tm.checkRestored("after q")
}

// TestE2ETmuxSignals sends SIGTERM and SIGINT to the binary while its
// TUI runs in tmux: each restores the terminal and exits with status 130
// (interrupted), as every command does.
func TestE2ETmuxSignals(t *testing.T) {
	tm := newTmux(t)
	// Without -race: on a signal, Bubble Tea's shutdown closes its input
	// reader while the reading goroutine still runs (a data race inside
	// bubbletea v2.1.1 and muesli/cancelreader, not in netlab), and the
	// detector's report would bury the exit message this test reads.
	bin := buildNetlab(t, false)
	logFile := filepath.Join(t.TempDir(), "netlab.log")
	tm.startShell()
	for _, sig := range []string{"TERM", "INT"} {
		tm.typeText(fmt.Sprintf("clear; %s --log %s; echo EXIT=$?", bin, logFile))
		tm.keys("Enter")
		tm.waitText("netlab · quickstart", "Lab: quickstart · 9/9 passed")
		// netlab is the shell's only child.
		sh := tm.pane("#{pane_pid}")
		kids, err := os.ReadFile(fmt.Sprintf("/proc/%s/task/%s/children", sh, sh))
		if err != nil || len(strings.Fields(string(kids))) != 1 {
			t.Fatalf("the shell's children: %q, %v", kids, err)
		}
		pid := strings.TrimSpace(string(kids))
		if out, err := exec.Command("kill", "-"+sig, pid).CombinedOutput(); err != nil {
			t.Fatalf("kill -%s %s: %v %s", sig, pid, err, out)
		}
		scr := tm.waitFor("the shell after SIG"+sig, func(scr string) bool {
			return strings.Contains(scr, "EXIT=") && strings.HasSuffix(strings.TrimRight(scr, "\n"), "e2e$")
		})
		if !strings.Contains(scr, "netlab: interrupted\nEXIT=130\n") {
			t.Errorf("after SIG%s netlab did not say it was interrupted and exit with status 130:\n%s", sig, scr)
		}
		tm.checkRestored("after SIG" + sig)
	}
}

// syncBuffer is a bytes.Buffer that a program writes while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

// panicky is the TUI with a fault planted: it panics on the key "!" in
// Update, in View after "#", in a command's goroutine after "@", and on
// stack a's tcpip goroutine after "$".
type panicky struct {
	*ui.App
	inView bool
	// stuck, when set, holds Update until it is closed.
	stuck chan struct{}
}

// plantNetlabPanic panics on a goroutine of netlab's own kind, one that
// defers crash.Recover.
func plantNetlabPanic() {
	go func() {
		defer crash.Recover("planted")
		panic("planted: a netlab goroutine")
	}()
}

func (p *panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "!":
			panic("planted: Update")
		case "#":
			p.inView = true
		case "@":
			return p, func() tea.Msg { panic("planted: a command") }
		case "$":
			_ = p.World().Node("a").Stack.Post(func(*core.Core) { panic("planted: tcpip a") })
		case "%":
			plantNetlabPanic()
		case "^":
			// The panic leaves the TUI unable to quit on its own (as a
			// lock the panicked goroutine held would).
			plantNetlabPanic()
			<-p.stuck
		}
	}
	_, cmd := p.App.Update(msg)
	return p, cmd
}

func (p *panicky) View() tea.View {
	if p.inView {
		panic("planted: View")
	}
	return p.App.View()
}

// TestPanicRestoresTerminal runs the TUI through runProgram (as runTUI
// does) with a panic planted in Update, in View, in a command and on a
// stack's tcpip goroutine, and on one of netlab's other goroutines with
// crash recovery on (as the netlab command has it), once with the TUI
// free to quit and once with it stuck: the program returns an error
// (Bubble Tea's panic) or quits with the App's Err (the stack's or
// crash.Err, which runTUI prints with its trace) or is killed after
// crashGrace, its output ends by leaving the alternate screen and showing
// the cursor, the world is closed and no goroutine is left behind. (Bubble Tea prints each panic of its own and its stack on
// stderr, as it would for a person, once the terminal is restored.)
func TestPanicRestoresTerminal(t *testing.T) {
	for _, key := range []string{"!", "#", "@", "$", "%", "^"} {
		t.Run(key, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			if key == "%" || key == "^" {
				crash.Enable()
				defer crash.Reset()
			}
			lab, err := labs.Builtin("quickstart")
			if err != nil {
				t.Fatal(err)
			}
			w, err := run.Build(lab, run.Options{Speed: 1, PacketEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			w.Start(context.Background())
			app := ui.New(w, ui.Options{NoColor: true})
			in, typeIn := io.Pipe()
			defer typeIn.Close()
			var out syncBuffer
			errc := make(chan error, 1)
			stuck := make(chan struct{})
			defer close(stuck)
			go func() {
				errc <- runProgram(app, &panicky{App: app, stuck: stuck}, tea.WithInput(in), tea.WithOutput(&out),
					tea.WithWindowSize(140, 45), tea.WithoutSignals(), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
			}()

			// Wait for the first frames on the alternate screen, then type.
			term := vt.NewEmulator(140, 45)
			go func() { _, _ = io.Copy(io.Discard, term) }()
			defer term.InputPipe().(io.Closer).Close()
			deadline := time.Now().Add(e2eWait)
			for !bytes.Contains(out.Bytes(), []byte("Lab: quickstart")) {
				if time.Now().After(deadline) {
					t.Fatalf("no screen in %v:\n%q", e2eWait, out.Bytes())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if _, err := typeIn.Write([]byte(key)); err != nil {
				t.Fatal(err)
			}
			select {
			case err = <-errc:
			case <-time.After(e2eWait):
				t.Fatalf("the program did not end in %v after a panic", e2eWait)
			}
			if key == "$" {
				var pe *core.PanicError
				if err != nil || !errors.As(app.Err(), &pe) || pe.Stack != "a" {
					t.Fatalf("runProgram returned %v, the App's Err is %v; want nil and a's panic", err, app.Err())
				}
				var report bytes.Buffer
				reportFailure(&report, app.Err())
				if got := report.String(); !strings.HasPrefix(got, "netlab: stack a: the tcpip goroutine panicked: planted: tcpip a\n\ngoroutine ") ||
					!strings.Contains(got, "e2e_test.go") {
					t.Fatalf("the report of the panic:\n%s", got)
				}
			} else if key == "%" || key == "^" {
				var cp *crash.Panic
				failed := app.Err() // as runTUI reports it
				if failed == nil {
					failed = crash.Err()
				}
				if err != nil || !errors.As(failed, &cp) || (key == "%") != (app.Err() != nil) {
					t.Fatalf("runProgram returned %v, the App's Err is %v, crash.Err %v; want nil and the planted panic (in the App's Err only if it could quit)",
						err, app.Err(), crash.Err())
				}
				var report bytes.Buffer
				reportFailure(&report, failed)
				if got := report.String(); !strings.HasPrefix(got, "netlab: netlab's planted goroutine panicked: planted: a netlab goroutine\n\ngoroutine ") ||
					!strings.Contains(got, "e2e_test.go") {
					t.Fatalf("the report of the panic:\n%s", got)
				}
			} else if !errors.Is(err, tea.ErrProgramPanic) {
				t.Fatalf("runProgram returned %v, want ErrProgramPanic", err)
			}

			// The terminal, as a person would find it: the alternate
			// screen left, the cursor shown, mouse reports off.
			raw := out.Bytes()
			term.Write(bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n")))
			if term.IsAltScreen() {
				t.Error("the terminal is left on the alternate screen")
			}
			if term.CursorHidden() {
				t.Error("the cursor is left hidden")
			}
			for _, seq := range []struct{ name, on, off string }{
				{"alternate screen", ansi.SetModeAltScreenSaveCursor, ansi.ResetModeAltScreenSaveCursor},
				{"cursor", ansi.ResetModeTextCursorEnable, ansi.SetModeTextCursorEnable},
				{"mouse", ansi.SetModeMouseButtonEvent, ansi.ResetModeMouseButtonEvent},
			} {
				on, off := bytes.LastIndex(raw, []byte(seq.on)), bytes.LastIndex(raw, []byte(seq.off))
				if on < 0 || off < on {
					t.Errorf("%s: last set at %d, last reset at %d of %d bytes", seq.name, on, off, len(raw))
				}
			}
			// And nothing is drawn after it.
			if i := bytes.LastIndex(raw, []byte(ansi.ResetModeAltScreenSaveCursor)); i >= 0 {
				if tail := strings.TrimSpace(ansi.Strip(string(raw[i:]))); tail != "" {
					t.Errorf("the output goes on after leaving the alternate screen: %q", tail)
				}
			}

			// The world is closed: every stack stopped, no actor runs.
			for _, n := range w.Nodes {
				select {
				case <-n.Stack.Done():
				case <-time.After(e2eWait):
					t.Fatalf("stack %s still runs", n.Name)
				}
			}
			if err := w.Act(context.Background(), "test", func(context.Context) error { return nil }); !errors.Is(err, run.ErrClosed) {
				t.Fatalf("Act on the world after the panic: %v, want ErrClosed", err)
			}
			typeIn.Close() // ends Bubble Tea's input reader, for goleak
		})
	}
}
