package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// establishedWorld runs tcp-handshake up to its first close: b's
// connection to a's port 80 and the one a accepted stay ESTABLISHED,
// with "hello" sent and read, and the clock paused there.
func establishedWorld(t *testing.T) *run.World {
	t.Helper()
	lab, err := labs.Builtin("tcp-handshake")
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range lab.Steps {
		if _, ok := s.Action.(*labs.Close); ok {
			lab.Steps = lab.Steps[:i]
			break
		}
	}
	w, err := run.Build(lab, run.Options{PacketEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if rep := w.Run(ctx); !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
	w.Virtual.SetSpeed(1)
	settle(t, w)
	return w
}

// TestGoldenTCP renders the Sockets panel of both ends of an
// ESTABLISHED connection (and a's listener), wide enough for every
// column (140x30, the narrow layout) and at 100x30, where the TCP
// columns take the owner's and the timers' room.
func TestGoldenTCP(t *testing.T) {
	w := establishedWorld(t)
	for _, sz := range [][2]int{{140, 30}, {100, 30}} {
		a := newTestApp(t, w, sz[0], sz[1])
		a.setFocus(pSockets)
		for i, n := range a.Snapshot().Nodes {
			a.selectNode(i)
			got := plain(a.Render())
			if !strings.Contains(got, "ESTABLISHED") {
				t.Fatalf("%s: no ESTABLISHED connection:\n%s", n, got)
			}
			golden(t, fmt.Sprintf("panel-tcp-handshake-%s-sockets-%dx%d", n, sz[0], sz[1]), got)
		}
	}
}

// TestTCPActions drives listen → connect → send → close (and reset)
// through the App on quickstart, each by its key from the Sockets panel
// and its form, and checks the sockets in the snapshots and the results
// in the status line.
func TestTCPActions(t *testing.T) {
	w := quietWorld(t, "quickstart")
	w.Virtual.Resume()
	a := newTestApp(t, w, 140, 45)
	act := a.env.act
	do := func(cmd tea.Cmd) resultMsg {
		t.Helper()
		if cmd == nil {
			t.Fatal("no command")
		}
		r, ok := cmd().(resultMsg)
		if !ok {
			t.Fatalf("not a result: %T", r)
		}
		a.Update(r)
		if r.Err != nil {
			t.Fatalf("%s: %v", r.What, r.Err)
		}
		return r
	}
	key := func(k string) tea.Cmd {
		_, cmd := a.Update(press(k))
		return cmd
	}
	typeIn := func(s string) {
		for _, r := range s {
			a.Update(press(string(r)))
		}
	}
	clearField := func() {
		for range 40 {
			a.Update(press("backspace"))
		}
	}
	status := func() string {
		lines := strings.Split(plain(a.Render()), "\n")
		return lines[len(lines)-2]
	}
	sp := a.panels[pSockets].(*socketsPanel)
	find := func(pred func(s *snapshot.Socket) bool) int {
		for i := range sp.socks {
			if pred(&sp.socks[i]) {
				return i
			}
		}
		return -1
	}
	a.setFocus(pSockets)

	// a listens on 8080: the form refuses a bad port and backlog first.
	a.selectNode(0)
	key("l")
	if a.form == nil || !strings.Contains(a.form.Title, "Listen on TCP on a") {
		t.Fatalf("l opened %v", a.form)
	}
	typeIn("70000")
	if cmd := key("enter"); cmd != nil || a.form == nil || a.form.Fields[0].Err == "" {
		t.Fatal("port 70000 was sent")
	}
	clearField()
	typeIn("8080")
	key("tab")
	clearField()
	typeIn("0")
	if cmd := key("enter"); cmd != nil || a.form.Fields[1].Err == "" {
		t.Fatal("backlog 0 was sent")
	}
	clearField()
	typeIn("2")
	r := do(key("enter"))
	if !strings.Contains(r.Detail, "listening, backlog 2") || !strings.Contains(status(), "✔ a listen TCP :8080: fd") {
		t.Fatalf("listen: %+v; status %q", r, status())
	}
	if act.accepting.Load() != 1 {
		t.Fatalf("%d accept loops", act.accepting.Load())
	}
	refreshUntil(t, a, func() bool {
		return find(func(s *snapshot.Socket) bool { return s.Proto == "tcp" && s.State == "LISTEN" && s.Owner == "tui" }) >= 0
	})

	// b connects: the form wants an address and a port.
	a.selectNode(1)
	key("o")
	typeIn("0.0.0.0:8080")
	if cmd := key("enter"); cmd != nil || a.form.Fields[0].Err == "" {
		t.Fatal("a connect to 0.0.0.0 was sent")
	}
	clearField()
	typeIn("10.0.0.1:8080")
	r = do(key("enter"))
	if !regexp.MustCompile(`fd \S+, 10\.0\.0\.2:\d+ → 10\.0\.0\.1:8080 ESTABLISHED`).MatchString(r.Detail) {
		t.Fatalf("connect: %+v", r)
	}
	refreshUntil(t, a, func() bool {
		i := find(func(s *snapshot.Socket) bool { return s.Proto == "tcp" && s.State == "ESTABLISHED" && s.Owner == "tui" })
		if i >= 0 {
			sp.list.sel = i
		}
		return i >= 0 && sp.socks[i].TCP != nil && sp.socks[i].TCP.SRTT > 0
	})
	row := plain(sp.View())
	if !regexp.MustCompile(`tcp\s+10\.0\.0\.2:\d+\s+10\.0\.0\.1:8080\s+ESTABLISHED`).MatchString(row) {
		t.Fatalf("b's Sockets panel:\n%s", row)
	}

	// a's accept loop took the connection: a row owned by tui, and the
	// status line says so on the next tick.
	a.selectNode(0)
	refreshUntil(t, a, func() bool {
		return find(func(s *snapshot.Socket) bool {
			return s.State == "ESTABLISHED" && s.Owner == "tui" && s.FD >= 0 && s.Local.Port() == 8080
		}) >= 0
	})
	a.Update(tickMsg{})
	if !strings.Contains(status(), "accepted fd") {
		t.Fatalf("status %q", status())
	}

	// b sends on its connection: the TCP form has no destination.
	a.selectNode(1)
	refreshUntil(t, a, func() bool {
		i := find(func(s *snapshot.Socket) bool { return s.Proto == "tcp" && s.State == "ESTABLISHED" })
		sp.list.sel = i
		return i >= 0
	})
	key("s")
	if a.form == nil || len(a.form.Fields) != 1 || a.form.Fields[0].Label != "data" {
		t.Fatalf("the TCP send form: %+v", a.form)
	}
	r = do(key("enter"))
	if !strings.Contains(r.Detail, "12 B sent") {
		t.Fatalf("send: %+v", r)
	}
	a.selectNode(0)
	refreshUntil(t, a, func() bool {
		return find(func(s *snapshot.Socket) bool {
			return s.State == "ESTABLISHED" && s.Local.Port() == 8080 && s.RecvQ == 12
		}) >= 0
	})

	// b closes (FIN): b goes to FIN-WAIT-2, a's connection to CLOSE-WAIT.
	a.selectNode(1)
	refreshUntil(t, a, func() bool {
		i := find(func(s *snapshot.Socket) bool { return s.Proto == "tcp" && s.State == "ESTABLISHED" })
		sp.list.sel = i
		return i >= 0
	})
	r = do(key("x"))
	if !strings.Contains(status(), "close") {
		t.Fatalf("close: %+v; status %q", r, status())
	}
	a.selectNode(0)
	refreshUntil(t, a, func() bool {
		i := find(func(s *snapshot.Socket) bool { return s.State == "CLOSE-WAIT" && s.Local.Port() == 8080 })
		sp.list.sel = i
		return i >= 0
	})
	// a resets its end (SO_LINGER 0).
	r = do(key("X"))
	if !strings.Contains(r.What, "reset") {
		t.Fatalf("reset: %+v", r)
	}
	refreshUntil(t, a, func() bool {
		return find(func(s *snapshot.Socket) bool { return s.State == "CLOSE-WAIT" }) < 0
	})

	// Closing the listener ends its accept loop.
	refreshUntil(t, a, func() bool {
		i := find(func(s *snapshot.Socket) bool { return s.State == "LISTEN" })
		sp.list.sel = i
		return i >= 0
	})
	do(key("x"))
	waitLoops(t, act)

	// A listener's loop also ends when the world closes.
	a.setFocus(pSockets)
	key("l")
	typeIn("9090")
	do(key("enter"))
	if act.accepting.Load() != 1 {
		t.Fatalf("%d accept loops", act.accepting.Load())
	}
	w.Close()
	waitLoops(t, act)
}

// waitLoops waits for every accept loop of act to end.
func waitLoops(t *testing.T, act *actions) {
	t.Helper()
	done := make(chan struct{})
	go func() { act.loops.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%d accept loops still running", act.accepting.Load())
	}
}

// TestGoldenTCPTimers renders both nodes' Timers panels at 100x30 after
// testdata/labs/tcp-timers.yaml: b's TIME-WAIT timer of its closed
// connection and the retransmission timer of its unacknowledged hello,
// a's delayed ACK of that hello.
func TestGoldenTCPTimers(t *testing.T) {
	lab, err := labs.LoadFile("testdata/labs/tcp-timers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w, err := run.Build(lab, run.Options{PacketEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if rep := w.Run(ctx); !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
	w.Virtual.SetSpeed(1)
	settle(t, w)
	a := newTestApp(t, w, 100, 30)
	a.setFocus(pTimers)
	for i, want := range [][]string{
		{`tcp delack 10\.0\.0\.2:40001\s+10\.0\.0\.1:80\s`},
		{`tcp rto 10\.0\.0\.1:80\s+10\.0\.0\.2:40001\s`, `tcp time-wait 10\.0\.0\.1:80\s+10\.0\.0\.2:40000\s`},
	} {
		a.selectNode(i)
		got := plain(a.Render())
		for _, re := range want {
			if !regexp.MustCompile(re).MatchString(got) {
				t.Errorf("%s's Timers panel has no %s:\n%s", a.Snapshot().NodeName(), re, got)
			}
		}
		golden(t, fmt.Sprintf("panel-tcp-timers-%s-timers-100x30", a.Snapshot().NodeName()), got)
	}
}
