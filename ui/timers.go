package ui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
)

// flashTicks is how many ticks a timer's row stays marked after it fired.
const flashTicks = 3

// timersPanel lists the node's armed timers with a live countdown (due
// minus the clock's now), period and fire count; a timer that fired since
// the last tick is marked "↻" and highlighted for a few ticks.
type timersPanel struct {
	tablePanel
	data   *Data
	timers []snapshot.Timer
	// fired is each timer's fire count at the last tick, flash how many
	// ticks its row still flashes; both by name+owner, for one node.
	fired map[string]uint64
	flash map[string]int
	node  string
	tick  uint64
}

// timerWidths are the columns at width w: the name (up to 28 cells, the
// length of "tcp rto 255.255.255.255:65535") takes what the owner,
// countdown, period and fire count leave, so a narrow panel still shows
// how often each timer fired; the owner (at least 12 cells) grows up to
// 21, a TCP connection's local address and port, when the name has its
// 28.
func timerWidths(w int) []int {
	rest := []int{12, 8, 6, 6}
	used := len(rest) // the gaps
	for _, x := range rest {
		used += x
	}
	name := min(max(w-used, 10), 28)
	rest[0] = min(max(w-used-name+12, 12), 21)
	return append([]int{name}, rest...)
}

func newTimersPanel(e *env) *timersPanel {
	p := &timersPanel{fired: map[string]uint64{}, flash: map[string]int{}}
	p.env = e
	p.list = newList(e, 1, func(w int) string {
		return col(w, timerWidths(w), "timer", "owner", "due in", "period", "fired")
	}, "no timers armed")
	p.list.kernel = "a kernel node (netns %s): its timers are the kernel's own"
	return p
}

func (p *timersPanel) Title() string { return p.titled("Timers · " + p.data.NodeName()) }

func timerKey(t *snapshot.Timer) string { return t.Name + "\x00" + t.Owner }

func (p *timersPanel) SetData(d *Data) {
	p.data = d
	p.timers = d.Stack().Timers
	if d.NodeName() != p.node {
		// Another node: start over without flashing everything.
		p.node = d.NodeName()
		clear(p.fired)
		clear(p.flash)
		for i := range p.timers {
			p.fired[timerKey(&p.timers[i])] = p.timers[i].Fired
		}
		p.tick = d.Tick
	} else if d.Tick != p.tick {
		p.tick = d.Tick
		for k, n := range p.flash {
			if n <= 1 {
				delete(p.flash, k)
			} else {
				p.flash[k] = n - 1
			}
		}
		seen := make(map[string]uint64, len(p.timers))
		for i := range p.timers {
			t := &p.timers[i]
			k := timerKey(t)
			if last, ok := p.fired[k]; ok && t.Fired != last {
				p.flash[k] = flashTicks
			}
			seen[k] = t.Fired
		}
		p.fired = seen
	}
	p.list.setRows(p)
}

func (p *timersPanel) Len() int { return len(p.timers) }

func (p *timersPanel) Text(i int) string { return p.timers[i].Name + " " + p.timers[i].Owner }

func (p *timersPanel) Row(i, w int) []string {
	t := &p.timers[i]
	n := strconv.FormatUint(t.Fired, 10)
	fresh := p.flash[timerKey(t)] > 0
	if fresh {
		n += " ↻"
	}
	line := col(w, timerWidths(w), t.Name, dash(t.Owner), countdown(t.Due, p.data.Clock.Now), fmtDur(t.Period), n)
	if fresh {
		line = p.env.styles.Fresh.Render(line)
	}
	return []string{line}
}

func (p *timersPanel) Keys() []key.Binding { return p.env.keys.listKeys() }

func (p *timersPanel) Update(msg tea.Msg) tea.Cmd {
	cmd, _ := p.updateList(msg)
	return cmd
}
