package ui

import (
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netlab/netlab/core/snapshot"
)

// TestTimerFlash steps the paused clock onto a's "arp age" timer with
// ".": the tick that sees it fired marks its row "↻" with its new fire
// count, and the mark goes after flashTicks ticks.
func TestTimerFlash(t *testing.T) {
	d := newDriver(t)
	d.w.Virtual.Pause()
	d.a.setFocus(pTimers)
	tp := d.a.panels[pTimers].(*timersPanel)
	arpAge := func() *snapshot.Timer {
		for i := range tp.timers {
			if tp.timers[i].Name == "arp age" {
				return &tp.timers[i]
			}
		}
		return nil
	}
	d.until(func(*snapshot.Stack) bool { return arpAge() != nil })
	before := arpAge().Fired
	if strings.Contains(plain(tp.View()), "↻") {
		t.Fatalf("a row flashes before anything fired:\n%s", plain(tp.View()))
	}
	// Two steps: b's arp age is due a millisecond before a's.
	d.do(d.key("."))
	d.do(d.key("."))
	row := regexp.MustCompile(`arp age\s+core\s+\S+\s+\S+\s+(\d+) ↻`)
	var fired string
	refreshUntil(t, d.a, func() bool {
		m := row.FindStringSubmatch(plain(tp.View()))
		if m != nil {
			fired = m[1]
		}
		return m != nil
	})
	if want := before + 1; fired != strconv.FormatUint(want, 10) {
		t.Fatalf("the flashing row says fired %s, want %d", fired, want)
	}
	if !strings.Contains(plain(d.a.Render()), "↻") {
		t.Fatal("the screen does not show the flash")
	}
	for range flashTicks {
		d.a.Refresh()
	}
	if v := plain(tp.View()); strings.Contains(v, "↻") {
		t.Fatalf("the row still flashes %d ticks later:\n%s", flashTicks, v)
	}
}

// TestGoldenInterfacesTraffic feeds the Interfaces panel ticks of b's
// traffic, with frames dropped for two reasons, and renders its
// sparkline and drops at 100x30.
func TestGoldenInterfacesTraffic(t *testing.T) {
	w := quietWorld(t, "quickstart")
	a := newTestApp(t, w, 100, 30)
	a.selectNode(1)
	base := *a.data
	var total uint64
	for i, frames := range []uint64{0, 4, 12, 2, 0, 30, 8, 16} {
		total += frames
		d := base
		d.Tick = base.Tick + uint64(i) + 1
		d.Stacks = append([]*snapshot.Stack(nil), base.Stacks...)
		s := *d.Stacks[1]
		s.Netifs = append([]snapshot.Netif(nil), s.Netifs...)
		for j := range s.Netifs {
			if s.Netifs[j].Name != "eth0" {
				continue
			}
			c := &s.Netifs[j].Counters
			c.RxFrames += total
			c.RxBytes += total * 98
			c.Drops = maps.Clone(c.Drops)
			if c.Drops == nil {
				c.Drops = map[string]uint64{}
			}
			c.Drops["no-route"] = total / 8
			c.Drops["netif-down"] = 3
		}
		d.Stacks[1] = &s
		a.setData(&d)
	}
	got := plain(a.Render())
	// 4 12 2 0 30 8 16 frames a tick, scaled to the highest.
	if !strings.Contains(got, "  ··▂▄▂·█▃▅  drops") {
		t.Fatalf("no sparkline of 4 12 2 0 30 8 16 frames:\n%s", got)
	}
	if !strings.Contains(got, "drops 12 (netif-down 3, no-route 9)") {
		t.Fatalf("no drops by reason:\n%s", got)
	}
	golden(t, "panel-quickstart-interfaces-traffic-100x30", got)
}

// TestEventsPauseKeepsEvents pauses the Events panel with space, pings
// meanwhile, and resumes: the log stood still while paused, its title
// counted the new events, and on resume every one of them is there, in
// order, with no hole (the world numbers its events one by one).
func TestEventsPauseKeepsEvents(t *testing.T) {
	d := newDriver(t)
	d.a.setFocus(pEvents)
	ev := d.a.panels[pEvents].(*eventsPanel)
	d.key("space")
	if !ev.paused {
		t.Fatal("space did not pause the log")
	}
	n0 := len(ev.log)
	last := ev.log[n0-1].ev.Seq
	d.key("p")
	d.typeIn("10.0.0.2")
	if r := d.do(d.key("enter")); !strings.Contains(r.Detail, "3/3 replies") {
		t.Fatalf("ping: %+v", r)
	}
	// a → b: 3 requests and replies, each out of one netif and into the
	// other, so at least 12 events.
	refreshUntil(t, d.a, func() bool { return len(ev.pending) >= 12 })
	if len(ev.log) != n0 {
		t.Fatalf("the paused log grew from %d to %d events", n0, len(ev.log))
	}
	if title := ev.Title(); !strings.Contains(title, "⏸ paused ("+strconv.Itoa(len(ev.pending))+" new)") {
		t.Fatalf("title %q with %d pending", title, len(ev.pending))
	}
	d.key("space")
	if ev.paused || len(ev.pending) != 0 {
		t.Fatal("space did not resume the log")
	}
	if len(ev.log) < n0+12 {
		t.Fatalf("after resuming the log has %d events, want at least %d", len(ev.log), n0+12)
	}
	for i, e := range ev.log[n0:] {
		if e.ev.Seq != last+uint64(i)+1 {
			t.Fatalf("event %d after the pause has seq %d, want %d: a hole", i, e.ev.Seq, last+uint64(i)+1)
		}
	}
	// Following, the newest event is selected and shown.
	if ev.list.selected() != len(ev.log)-1 {
		t.Fatalf("selected %d of %d after resuming", ev.list.selected(), len(ev.log))
	}
	if got := plain(d.a.Render()); !strings.Contains(got, ev.log[len(ev.log)-1].line()) {
		t.Fatalf("the newest event is not on the screen:\n%s", got)
	}
}
