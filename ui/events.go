package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// maxLog is how many events the Events panel keeps.
const maxLog = 5000

// logEntry is one event of the log, with its text built once, when first
// shown or filtered.
type logEntry struct {
	ev   snapshot.Event
	text string
}

func (e *logEntry) line() string {
	if e.text == "" {
		where := e.ev.Node
		if e.ev.Netif != "" {
			where += " " + e.ev.Netif
		}
		e.text = fmtEventTime(e.ev.Time) + " " + where + " " + e.ev.Kind.String() + " " + e.ev.Text()
	}
	return e.text
}

// eventsPanel is the stacks' recent events merged in order (by Seq): state
// changes and packet summaries. It follows the newest event unless the
// person scrolls up; space pauses it (events that arrive meanwhile wait
// in pending and join the log, in order, on resume); enter opens a detail
// view with the packet's decoded headers.
type eventsPanel struct {
	tablePanel
	data    *Data
	log     []logEntry
	lastSeq uint64
	paused  bool
	pending []logEntry // events that arrived while paused, at most maxLog
	follow  bool
	detail  []string // the detail view's lines, nil when closed
	dOff    int
	w, h    int
}

func newEventsPanel(e *env) *eventsPanel {
	p := &eventsPanel{follow: true}
	p.env = e
	p.list = newList(e, 1, nil, "no events yet")
	return p
}

func (p *eventsPanel) Title() string {
	t := "Events"
	switch {
	case p.detail != nil:
		t += " · packet detail (esc closes)"
	case p.paused:
		t += fmt.Sprintf(" · ⏸ paused (%d new)", len(p.pending))
	case p.follow:
		t += " · following"
	}
	return p.titled(t)
}

func (p *eventsPanel) SetSize(w, h int) {
	p.w, p.h = w, h
	p.list.setSize(w, h)
}

func (p *eventsPanel) SetData(d *Data) {
	p.data = d
	var fresh []snapshot.Event
	for _, s := range d.Stacks {
		if s == nil {
			continue
		}
		for _, e := range s.Events {
			if e.Seq > p.lastSeq {
				fresh = append(fresh, e)
			}
		}
	}
	if len(fresh) > 0 {
		sort.Slice(fresh, func(i, j int) bool { return fresh[i].Seq < fresh[j].Seq })
		if p.paused {
			for _, e := range fresh {
				p.pending = append(p.pending, logEntry{ev: e})
			}
			if over := len(p.pending) - maxLog; over > 0 {
				p.pending = append(p.pending[:0], p.pending[over:]...)
			}
		} else {
			for _, e := range fresh {
				p.log = append(p.log, logEntry{ev: e})
			}
			p.trim()
		}
		p.lastSeq = fresh[len(fresh)-1].Seq
	}
	p.list.setRows(p)
	if p.follow && !p.paused {
		p.list.sel = p.list.count() - 1
		p.list.clamp()
	}
}

// trim keeps the newest maxLog events of the log.
func (p *eventsPanel) trim() {
	if over := len(p.log) - maxLog; over > 0 {
		p.log = append(p.log[:0], p.log[over:]...)
		p.list.sel = max(p.list.sel-over, 0)
	}
}

func (p *eventsPanel) Len() int          { return len(p.log) }
func (p *eventsPanel) Text(i int) string { return p.log[i].line() }

func (p *eventsPanel) Row(i, w int) []string {
	e := &p.log[i]
	s := e.line()
	switch e.ev.Kind {
	case snapshot.EventDrop:
		s = p.env.styles.Err.Render(s)
	case snapshot.EventState:
		s = p.env.styles.OK.Render(s)
	}
	return []string{fit(s, w)}
}

func (p *eventsPanel) Capturing() bool { return p.list.typing || p.detail != nil }

func (p *eventsPanel) Keys() []key.Binding {
	k := p.env.keys
	if p.detail != nil {
		return []key.Binding{k.Up, k.Down, k.Clear}
	}
	return append([]key.Binding{k.PauseLog, k.Detail}, k.listKeys()...)
}

func (p *eventsPanel) Update(msg tea.Msg) tea.Cmd {
	k := p.env.keys
	if p.detail != nil {
		switch msg := msg.(type) {
		case tea.KeyPressMsg:
			switch {
			case key.Matches(msg, k.Clear), key.Matches(msg, k.Detail), msg.String() == "q":
				p.detail = nil
			case key.Matches(msg, k.Up):
				p.dOff = max(p.dOff-1, 0)
			case key.Matches(msg, k.Down):
				p.dOff = min(p.dOff+1, max(len(p.detail)-p.h, 0))
			}
		case scrollMsg:
			p.dOff = min(max(p.dOff+msg.Delta, 0), max(len(p.detail)-p.h, 0))
		}
		return nil
	}
	if km, ok := msg.(tea.KeyPressMsg); ok && !p.list.typing {
		switch {
		case key.Matches(km, k.PauseLog):
			p.paused = !p.paused
			if !p.paused {
				p.log = append(p.log, p.pending...)
				p.pending = nil
				p.trim()
				p.list.setRows(p)
				if p.follow {
					p.list.sel = p.list.count() - 1
					p.list.clamp()
				}
			}
			return nil
		case key.Matches(km, k.Detail):
			if i := p.list.selected(); i >= 0 {
				p.detail = eventDetail(&p.log[i].ev)
				p.dOff = 0
			}
			return nil
		}
	}
	cmd, ok := p.updateList(msg)
	if ok {
		p.follow = p.list.sel >= p.list.count()-1
	}
	return cmd
}

func (p *eventsPanel) View() string {
	if p.detail == nil {
		return p.tablePanel.View()
	}
	lines := make([]string, 0, p.h)
	for i := p.dOff; i < len(p.detail) && len(lines) < p.h; i++ {
		lines = append(lines, fit(p.detail[i], p.w))
	}
	for len(lines) < p.h {
		lines = append(lines, fit("", p.w))
	}
	return strings.Join(lines, "\n")
}

// eventDetail is the detail view of an event: what, when, where, and the
// decoded headers of its frame.
func eventDetail(e *snapshot.Event) []string {
	out := []string{
		fmt.Sprintf("event #%d at %ss on %s %s (%s)", e.Seq, fmtEventTime(e.Time), e.Node, e.Netif, e.Kind),
		e.Text(),
	}
	if len(e.Frame) == 0 {
		return append(out, "", "(no packet)")
	}
	out = append(out, "", fmt.Sprintf("frame: %d bytes on the wire, %d captured", e.Len, len(e.Frame)))
	out = append(out, wire.Describe(e.Frame)...)
	return out
}
