package ui

import (
	"context"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs/run"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

// driver works an App as a person does: keys, typing into forms, and the
// results of the commands those give, each fed back to the App.
type driver struct {
	t *testing.T
	a *App
	w *run.World
}

// newDriver is the TUI at 140x45 of quickstart after its steps, with the
// clock running.
func newDriver(t *testing.T) *driver {
	w := quietWorld(t, "quickstart")
	w.Virtual.Resume()
	return &driver{t: t, a: newTestApp(t, w, 140, 45), w: w}
}

// key presses k and returns its command.
func (d *driver) key(k string) tea.Cmd {
	_, cmd := d.a.Update(press(k))
	return cmd
}

// typeIn types s into the open form's field.
func (d *driver) typeIn(s string) {
	for _, r := range s {
		d.a.Update(press(string(r)))
	}
}

// clearField empties the form's field.
func (d *driver) clearField() {
	for range 40 {
		d.a.Update(press("backspace"))
	}
}

// do runs cmd (an action), hands its result to the App and returns it;
// an action that failed fails the test.
func (d *driver) do(cmd tea.Cmd) resultMsg {
	d.t.Helper()
	if cmd == nil {
		d.t.Fatal("no command")
	}
	r, ok := cmd().(resultMsg)
	if !ok {
		d.t.Fatalf("not a result: %T", r)
	}
	d.a.Update(r)
	if r.Err != nil {
		d.t.Fatalf("%s: %v", r.What, r.Err)
	}
	return r
}

// status is the status line.
func (d *driver) status() string { return statusOf(d.a) }

// until refreshes until cond holds on the App's data.
func (d *driver) until(cond func(s *snapshot.Stack) bool) {
	d.t.Helper()
	refreshUntil(d.t, d.a, func() bool { return cond(d.a.data.Stack()) })
}

// netif asks node's stack itself (netifapi) for netif name.
func (d *driver) netif(node, name string) (snapshot.Netif, error) {
	d.t.Helper()
	var n snapshot.Netif
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := d.w.Act(ctx, "test", func(ctx context.Context) error {
		var err error
		n, err = netifapi.Get(ctx, d.w.Node(node).Stack, name)
		return err
	})
	return n, err
}

// routes asks node's stack for its routing table.
func (d *driver) routes(node string) []snapshot.Route {
	d.t.Helper()
	var rs []snapshot.Route
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := d.w.Act(ctx, "test", func(ctx context.Context) error {
		var err error
		rs, err = netifapi.Routes(ctx, d.w.Node(node).Stack)
		return err
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return rs
}

// selectRow selects the first row of the focused list whose text
// matches pred, refreshing until there is one.
func (d *driver) selectRow(n func() int, text func(i int) string, sel func(i int), pred func(s string) bool) {
	d.t.Helper()
	refreshUntil(d.t, d.a, func() bool {
		for i := range n() {
			if pred(text(i)) {
				sel(i)
				return true
			}
		}
		return false
	})
}

// selectNetif selects netif name in the Interfaces panel.
func (d *driver) selectNetif(name string) {
	d.t.Helper()
	p := d.a.panels[pInterfaces].(*interfacesPanel)
	d.selectRow(p.Len, func(i int) string { return p.netifs[i].Name },
		func(i int) { p.list.sel = i }, func(s string) bool { return s == name })
}

// TestInterfaceActions adds eth1 to a and then, each by its key on the
// Interfaces panel, sets its MTU, brings it administratively down and up,
// takes its link down and up, turns forwarding on and off, and removes
// it; after each the stack itself (netifapi) and the panel show the
// change, and the status line says what was done.
func TestInterfaceActions(t *testing.T) {
	d := newDriver(t)
	ifp := d.a.panels[pInterfaces].(*interfacesPanel)
	d.key("a")
	d.key("tab")
	d.typeIn("10.9.0.1/24")
	d.do(d.key("enter"))
	d.selectNetif("eth1")

	// m: MTU 1400.
	d.key("m")
	if d.a.form == nil || !strings.Contains(d.a.form.Title, "MTU of a:eth1") {
		t.Fatalf("m opened %v", d.a.form)
	}
	d.clearField()
	d.typeIn("1400")
	d.do(d.key("enter"))
	if got := d.status(); got != "✔ set a:eth1 MTU 1400" {
		t.Fatalf("status %q", got)
	}
	if n, err := d.netif("a", "eth1"); err != nil || n.MTU != 1400 {
		t.Fatalf("a:eth1 after m: %+v, %v", n, err)
	}
	d.until(func(s *snapshot.Stack) bool { return netifOf(s, "eth1").MTU == 1400 })
	if !regexp.MustCompile(`eth1\s+02:00:00:7e:01:01\s+10\.9\.0\.1/24\s+1400\s+up\s+up`).MatchString(plain(d.a.Render())) {
		t.Fatalf("the panel does not show MTU 1400:\n%s", plain(d.a.Render()))
	}

	// u: admin down, then up again.
	for _, up := range []bool{false, true} {
		d.do(d.key("u"))
		if want := "✔ a:eth1 admin " + upDown(up); d.status() != want {
			t.Fatalf("status %q, want %q", d.status(), want)
		}
		if n, err := d.netif("a", "eth1"); err != nil || n.Up != up {
			t.Fatalf("a:eth1 after u: up %v, %v; want up %v", n.Up, err, up)
		}
		d.until(func(s *snapshot.Stack) bool { return netifOf(s, "eth1").Up == up })
		row := regexp.MustCompile(`eth1\s+\S+\s+10\.9\.0\.1/24\s+1400\s+(\S+)\s+(\S+)`).FindStringSubmatch(plain(d.a.Render()))
		if row == nil || row[1] != upDown(up) {
			t.Fatalf("the panel's admin state is %q, want %s", row, upDown(up))
		}
	}

	// l: link down, then up again.
	for _, up := range []bool{false, true} {
		d.do(d.key("l"))
		if want := "✔ a:eth1 link " + upDown(up); d.status() != want {
			t.Fatalf("status %q, want %q", d.status(), want)
		}
		if n, err := d.netif("a", "eth1"); err != nil || n.LinkUp != up {
			t.Fatalf("a:eth1 after l: link %v, %v; want %v", n.LinkUp, err, up)
		}
		d.until(func(s *snapshot.Stack) bool { return netifOf(s, "eth1").LinkUp == up })
		row := regexp.MustCompile(`eth1\s+\S+\s+10\.9\.0\.1/24\s+1400\s+(\S+)\s+(\S+)`).FindStringSubmatch(plain(d.a.Render()))
		if row == nil || row[2] != upDown(up) {
			t.Fatalf("the panel's link state is %q, want %s", row, upDown(up))
		}
	}

	// f: forwarding on, then off; the Routes panel's title says so.
	for _, on := range []bool{true, false} {
		d.do(d.key("f"))
		if want := "✔ a forwarding " + onOff(on); d.status() != want {
			t.Fatalf("status %q, want %q", d.status(), want)
		}
		d.until(func(s *snapshot.Stack) bool { return s.Forwarding == on })
		if got := d.a.panels[pRoutes].Title(); !strings.Contains(got, "forwarding "+onOff(on)) {
			t.Fatalf("Routes title %q after f", got)
		}
	}

	// x: remove eth1.
	d.selectNetif("eth1")
	d.do(d.key("x"))
	if got := d.status(); got != "✔ remove a:eth1" {
		t.Fatalf("status %q", got)
	}
	if _, err := d.netif("a", "eth1"); err == nil {
		t.Fatal("a:eth1 is still there after x")
	}
	d.until(func(s *snapshot.Stack) bool { return netifOf(s, "eth1").Name == "" })
	for _, n := range ifp.netifs {
		if n.Name == "eth1" {
			t.Fatal("the panel still lists eth1")
		}
	}
	if n, err := d.netif("a", "eth0"); err != nil || !n.Up {
		t.Fatalf("eth0 after removing eth1: %+v, %v", n, err)
	}
}

// netifOf returns the netif named name in s, zero if none.
func netifOf(s *snapshot.Stack, name string) snapshot.Netif {
	for _, n := range s.Netifs {
		if n.Name == name {
			return n
		}
	}
	return snapshot.Netif{}
}

// TestRouteActions adds a route on b through the Routes panel's form,
// sees it in the stack's table and the panel, refuses to remove an
// on-link route, and removes the static one.
func TestRouteActions(t *testing.T) {
	d := newDriver(t)
	d.a.selectNode(1)
	d.a.setFocus(pRoutes)
	rp := d.a.panels[pRoutes].(*routesPanel)
	to := netip.MustParsePrefix("10.7.0.0/16")
	has := func(rs []snapshot.Route) bool {
		for _, r := range rs {
			if r.To == to && r.Via == netip.MustParseAddr("10.0.0.1") && !r.OnLink {
				return true
			}
		}
		return false
	}

	d.key("a")
	if d.a.form == nil || d.a.form.Title != "Add a route on b" {
		t.Fatalf("a opened %v", d.a.form)
	}
	d.typeIn("10.7.0.0/16")
	d.key("tab")
	d.typeIn("10.0.0.300")
	if cmd := d.key("enter"); cmd != nil || d.a.form.Fields[1].Err == "" {
		t.Fatal("a route via 10.0.0.300 was sent")
	}
	d.clearField()
	d.typeIn("10.0.0.1")
	d.do(d.key("enter"))
	if got := d.status(); got != "✔ add b route 10.7.0.0/16 via 10.0.0.1" {
		t.Fatalf("status %q", got)
	}
	if !has(d.routes("b")) {
		t.Fatalf("b's routes after adding: %v", d.routes("b"))
	}
	d.until(func(s *snapshot.Stack) bool { return has(s.Routes) })
	if v := plain(rp.View()); !regexp.MustCompile(`10\.7\.0\.0/16\s+10\.0\.0\.1\s+eth0\s+static`).MatchString(v) {
		t.Fatalf("the Routes panel does not show the route:\n%s", v)
	}

	// x on the on-link route is refused, and changes nothing.
	sel := func(static bool) {
		d.selectRow(rp.Len, rp.Text, func(i int) { rp.list.sel = i }, func(s string) bool {
			return strings.HasSuffix(s, " on-link") != static
		})
	}
	sel(false)
	r, _ := d.key("x")().(resultMsg)
	d.a.Update(r)
	if r.Err == nil || !strings.Contains(d.status(), "✘ remove route 10.0.0.0/24: an on-link route goes with its interface's address") {
		t.Fatalf("x on an on-link route: %+v; status %q", r, d.status())
	}
	// x on the static one removes it.
	sel(true)
	d.do(d.key("x"))
	if got := d.status(); got != "✔ remove b route 10.7.0.0/16" {
		t.Fatalf("status %q", got)
	}
	if has(d.routes("b")) {
		t.Fatalf("b's routes after removing: %v", d.routes("b"))
	}
	d.until(func(s *snapshot.Stack) bool { return !has(s.Routes) })
	if len(d.routes("b")) != 1 {
		t.Fatalf("b's routes: %v, want the on-link one alone", d.routes("b"))
	}
}

// TestUDPSocketActions opens a UDP socket on b, binds it with b,
// connects it with c to a's echo app, sends on it without a destination
// (the connected peer), and closes it with x.
func TestUDPSocketActions(t *testing.T) {
	d := newDriver(t)
	d.a.selectNode(1)
	d.a.setFocus(pSockets)
	sp := d.a.panels[pSockets].(*socketsPanel)
	mine := func(s *snapshot.Stack) *snapshot.Socket {
		for i := range s.Sockets {
			if s.Sockets[i].Owner == "tui" && s.Sockets[i].Proto == "udp" {
				return &s.Sockets[i]
			}
		}
		return nil
	}
	selectMine := func() {
		d.selectRow(sp.Len, func(i int) string { return sp.socks[i].Owner },
			func(i int) { sp.list.sel = i }, func(s string) bool { return s == "tui" })
	}
	d.key("a")
	d.do(d.key("enter")) // neither bound nor connected
	d.until(func(s *snapshot.Stack) bool { return mine(s) != nil })
	selectMine()
	fd := mine(d.a.data.Stack()).FD

	// b: bind to b's address, port 6200.
	d.key("b")
	d.typeIn("10.0.0.2:6200")
	d.do(d.key("enter"))
	want := netip.MustParseAddrPort("10.0.0.2:6200")
	if got, err := d.w.Node("b").Sockets.GetSockName(context.Background(), sockFD(t, d.w, "b", fd)); err != nil || got != want {
		t.Fatalf("getsockname after b: %v, %v", got, err)
	}
	d.until(func(s *snapshot.Stack) bool { m := mine(s); return m != nil && m.Local == want })

	// c: connect to a's echo app.
	d.key("c")
	d.typeIn("10.0.0.1:7")
	d.do(d.key("enter"))
	peer := netip.MustParseAddrPort("10.0.0.1:7")
	if got, err := d.w.Node("b").Sockets.GetPeerName(context.Background(), sockFD(t, d.w, "b", fd)); err != nil || got != peer {
		t.Fatalf("getpeername after c: %v, %v", got, err)
	}
	d.until(func(s *snapshot.Stack) bool { m := mine(s); return m != nil && m.Remote == peer })
	if !regexp.MustCompile(`udp\s+10\.0\.0\.2:6200\s+10\.0\.0\.1:7\s+connected`).MatchString(plain(d.a.Render())) {
		t.Fatalf("the Sockets panel does not show the connected socket:\n%s", plain(d.a.Render()))
	}

	// s on a connected socket: the destination may stay empty; the echo
	// comes back into the socket's queue.
	d.key("s")
	if d.a.form.Fields[0].Input.Value() != "" {
		t.Fatalf("the send form of a connected socket starts with %q", d.a.form.Fields[0].Input.Value())
	}
	if r := d.do(d.key("enter")); r.Detail != "12 B sent" {
		t.Fatalf("send: %+v", r)
	}
	d.until(func(s *snapshot.Stack) bool { m := mine(s); return m != nil && m.RecvQ == 12 })

	// x closes it.
	selectMine()
	d.do(d.key("x"))
	if !regexp.MustCompile(`^✔ b fd \S+: close$`).MatchString(d.status()) {
		t.Fatalf("status %q", d.status())
	}
	d.until(func(s *snapshot.Stack) bool { return mine(s) == nil })
	for _, in := range d.w.Node("b").Sockets.Sockets() {
		if in.FD.Num() == fd {
			t.Fatalf("b's descriptor %d is still open after x", fd)
		}
	}
}

// sockFD is the descriptor numbered num on node.
func sockFD(t *testing.T, w *run.World, node string, num int) sockets.FD {
	t.Helper()
	fd, err := fdOf(w.Node(node), num)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestClockSpeedKeys steps the virtual clock's pace with + and - and
// sees the clock and the header follow, to both ends of the range.
func TestClockSpeedKeys(t *testing.T) {
	d := newDriver(t)
	header := func() string { return strings.SplitN(plain(d.a.Render()), "\n", 2)[0] }
	for _, c := range []struct {
		key   string
		speed float64
		shown string
	}{{"+", 2, "×2"}, {"+", 5, "×5"}, {"=", 10, "×10"}, {"-", 5, "×5"}, {"-", 2, "×2"}, {"-", 1, "×1"}, {"-", 0.5, "×0.5"}} {
		r := d.do(d.key(c.key))
		if got := d.w.Virtual.Speed(); got != c.speed {
			t.Fatalf("after %s the clock's speed is %v, want %v", c.key, got, c.speed)
		}
		if r.Detail != c.shown || d.status() != "✔ clock speed: "+c.shown {
			t.Fatalf("after %s: %+v, status %q", c.key, r, d.status())
		}
		d.a.Refresh()
		if !strings.Contains(header(), "▶ running "+c.shown) {
			t.Fatalf("after %s the header is %q", c.key, header())
		}
	}
	// Past the slowest pace it stays there; past the fastest it runs as
	// fast as it can.
	for range 10 {
		d.do(d.key("-"))
	}
	if got := d.w.Virtual.Speed(); got != speeds[0] {
		t.Fatalf("the slowest speed is %v", got)
	}
	for range 20 {
		d.do(d.key("+"))
	}
	if got := d.w.Virtual.Speed(); got != 0 {
		t.Fatalf("the fastest speed is %v, want 0 (as fast as possible)", got)
	}
	d.a.Refresh()
	if !strings.Contains(header(), speedString(0)) {
		t.Fatalf("at full speed the header is %q", header())
	}
}

// TestClockHeaderStates walks the virtual clock through its states with
// space and "." and reads the header: running, paused, stepping (a
// paused clock walked from deadline to deadline), paused again, running.
func TestClockHeaderStates(t *testing.T) {
	d := newDriver(t)
	clockState := regexp.MustCompile(`virtual \d\d:\d\d:\d\d\.\d{3} (\S+ \S+) ×1 `)
	state := func() string {
		d.t.Helper()
		d.a.Refresh()
		h := strings.SplitN(plain(d.a.Render()), "\n", 2)[0]
		m := clockState.FindStringSubmatch(h)
		if m == nil {
			d.t.Fatalf("no clock state in the header %q", h)
		}
		return m[1]
	}
	if got := state(); got != "▶ running" {
		t.Fatalf("a running clock shows %q", got)
	}
	for _, c := range []struct{ key, want string }{
		{"space", "⏸ paused"}, {".", "⏭ stepping"}, {".", "⏭ stepping"}, {"space", "▶ running"},
		{".", "⏭ stepping"}, // "." pauses a running clock and steps it
		{"space", "▶ running"}, {"space", "⏸ paused"},
	} {
		d.do(d.key(c.key))
		if got := state(); got != c.want {
			t.Fatalf("after %q the header shows %q, want %q", c.key, got, c.want)
		}
		if st := d.a.data.Clock; st.Stepping != (c.want == "⏭ stepping") || st.Paused == (c.want == "▶ running") {
			t.Fatalf("after %q the clock's state is %+v", c.key, st)
		}
	}
}
