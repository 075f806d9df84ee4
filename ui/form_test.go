package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestValidators(t *testing.T) {
	cases := []struct {
		name  string
		check func(string) error
		good  []string
		bad   []string
	}{
		{"prefix", checkPrefix, []string{"10.0.0.1/24", " 192.168.1.7/32 "}, []string{"", "10.0.0.1", "10.0.0.1/33", "::1/64", "x"}},
		{"addr", checkAddr, []string{"10.0.0.1"}, []string{"", "10.0.0.256", "::1", "10.0.0.1/24"}},
		{"addrport", checkAddrPort, []string{"10.0.0.1:7", ":5000", "5000", "0.0.0.0:0"}, []string{"", "10.0.0.1", "10.0.0.1:70000", "[::1]:7"}},
		{"mtu", checkMTU, []string{"576", "1500", "9000"}, []string{"", "575", "9001", "big"}},
		{"duration", checkDuration, []string{"", "0", "2ms", "1.5s"}, []string{"-1ms", "2", "soon"}},
		{"percent", checkPercent, []string{"", "5%", "5", "0.1%", "100%"}, []string{"101%", "-1%", "x%"}},
		{"rate", checkRate, []string{"", "10Mbit"}, []string{"fast"}},
		{"ifname", checkIfName, []string{"eth1", "wlan0.5"}, []string{"", "a very long name!", "eth 1", "abcdefghijklmnop"}},
		{"count", checkCount(1, 100), []string{"1", "100"}, []string{"0", "101", "x"}},
		{"optional prefix", optional(checkPrefix), []string{"", "  ", "10.0.0.1/24"}, []string{"10.0.0.1"}},
	}
	for _, c := range cases {
		for _, s := range c.good {
			if err := c.check(s); err != nil {
				t.Errorf("%s(%q) = %v, want nil", c.name, s, err)
			}
		}
		for _, s := range c.bad {
			if err := c.check(s); err == nil {
				t.Errorf("%s(%q) = nil, want an error", c.name, s)
			}
		}
	}
}

// TestFormValidatesBeforeSending types bad values into a form: enter
// must show the errors and send nothing; fixed values send.
func TestFormValidatesBeforeSending(t *testing.T) {
	keys := DefaultKeyMap()
	sent := 0
	var got []string
	f := newForm("test", func(v []string) tea.Cmd {
		sent++
		got = v
		return func() tea.Msg { return nil }
	},
		newField("address", "10.0.0.300/24", "", checkPrefix),
		newField("MTU", "70000", "", checkMTU),
	)
	done, cmd := f.Update(press("enter"), &keys)
	if done || cmd != nil || sent != 0 {
		t.Fatalf("a form with bad values was submitted (done %v, sent %d)", done, sent)
	}
	if f.Fields[0].Err == "" || f.Fields[1].Err == "" {
		t.Fatalf("errors not shown: %q, %q", f.Fields[0].Err, f.Fields[1].Err)
	}
	st := NewStyles(false)
	if v := plain(f.View(&st, 70)); !strings.Contains(v, "✘") {
		t.Fatalf("the form does not show its errors:\n%s", v)
	}
	f.Fields[0].Input.SetValue("10.0.0.3/24")
	f.Fields[1].Input.SetValue("1400")
	done, cmd = f.Update(press("enter"), &keys)
	if !done || cmd == nil || sent != 1 || got[0] != "10.0.0.3/24" || got[1] != "1400" {
		t.Fatalf("valid form: done %v, sent %d, values %q", done, sent, got)
	}
	// esc cancels without sending.
	f2 := newForm("t", func([]string) tea.Cmd { sent++; return nil }, newField("x", "", "", nil))
	if done, _ := f2.Update(press("esc"), &keys); !done || sent != 1 {
		t.Fatal("esc did not cancel")
	}
}

// TestActionsThroughForms adds an interface, sets its address and MTU,
// opens, binds and sends on a UDP socket, pings and impairs a link, each
// through its form, and checks the result in the world.
func TestActionsThroughForms(t *testing.T) {
	w := quietWorld(t, "quickstart")
	w.Virtual.Resume()
	a := newTestApp(t, w, 140, 45)
	run := func(cmd tea.Cmd) resultMsg {
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
	typeIn := func(s string) {
		for _, r := range s {
			a.Update(press(string(r)))
		}
	}
	submit := func() tea.Cmd {
		_, cmd := a.Update(press("enter"))
		return cmd
	}
	// Add eth1 on a with an address.
	a.Update(press("a"))
	a.Update(press("tab"))
	typeIn("10.9.0.1/24")
	r := run(submit())
	if !strings.Contains(r.What, "add a:eth1") {
		t.Fatalf("result %+v", r)
	}
	ifp := a.panels[pInterfaces].(*interfacesPanel)
	refreshUntil(t, a, func() bool {
		for _, n := range ifp.netifs {
			if n.Name == "eth1" && n.Address.String() == "10.9.0.1/24" {
				return true
			}
		}
		return false
	})
	// A bad MTU is refused by the form.
	ifp.list.sel = len(ifp.netifs) - 1
	a.Update(press("m"))
	for range 4 {
		a.Update(press("backspace"))
	}
	typeIn("100")
	if cmd := submit(); cmd != nil || a.form == nil {
		t.Fatal("MTU 100 was sent")
	}
	a.Update(press("esc"))

	// Open a UDP socket on b, send to a's echo app.
	a.selectNode(1)
	a.setFocus(pSockets)
	a.Update(press("a"))
	typeIn(":6000")
	run(submit())
	sp := a.panels[pSockets].(*socketsPanel)
	refreshUntil(t, a, func() bool { return len(sp.socks) == 1 && sp.socks[0].Owner == "tui" })
	a.Update(press("s"))
	r = run(submit())
	if !strings.Contains(r.Detail, "12 B sent") {
		t.Fatalf("send: %+v", r)
	}
	// Ping.
	a.Update(press("p"))
	typeIn("10.0.0.1")
	r = run(submit())
	if !strings.Contains(r.Detail, "3/3 replies") || !strings.Contains(r.Detail, "rtt") {
		t.Fatalf("ping: %+v", r)
	}
	// Impair the link.
	a.setFocus(pLinks)
	a.Update(press("i"))
	typeIn("5")
	r = run(submit())
	if got := w.Link("l1").Pipe.Impairments().Loss; got != 0.05 {
		t.Fatalf("loss is %v after %+v", got, r)
	}
	if !strings.Contains(plain(a.Render()), "✔ impair l1: loss 5% delay 1ms") {
		t.Fatalf("status line:\n%s", plain(a.Render()))
	}
}

// refreshUntil refreshes the app until cond holds (snapshots arrive a
// little after the change).
func refreshUntil(t *testing.T, a *App, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		a.Refresh()
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("not reached; screen:\n%s", plain(a.Render()))
}
