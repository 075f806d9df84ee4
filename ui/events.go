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
//
// Each stack publishes its snapshot at its own moment, so one stack's
// events can reach the panel after a later event of another's: the panel
// remembers, per stack, the newest event it took, and slots late ones
// into their place. Events a stack's ring overwrote before a read took
// them are counted (missed) and the title says so.
type eventsPanel struct {
	tablePanel
	data    *Data
	log     []logEntry
	seen    map[string]seenEvents
	missed  uint64
	paused  bool
	pending []logEntry // events that arrived while paused, at most maxLog
	follow  bool
	detail  []string // the detail view's lines, nil when closed
	dOff    int
	w, h    int
}

// seenEvents is what the panel has taken of one stack's events: the Seq
// of the newest and the stack's count of recorded events then.
type seenEvents struct {
	seq, recorded uint64
}

func newEventsPanel(e *env) *eventsPanel {
	p := &eventsPanel{follow: true, seen: map[string]seenEvents{}}
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
	if p.missed > 0 {
		t += fmt.Sprintf(" · %s missed (the rings overflowed between two reads)", fmtCount(p.missed))
	}
	return p.titled(t)
}

func (p *eventsPanel) SetSize(w, h int) {
	p.w, p.h = w, h
	p.list.setSize(w, h)
}

func (p *eventsPanel) SetData(d *Data) {
	p.data = d
	var fresh []logEntry
	for _, s := range d.Stacks {
		if s == nil {
			continue
		}
		last := p.seen[s.Name]
		if s.Recorded != 0 && s.Recorded == last.recorded {
			continue // nothing new
		}
		took := 0
		for _, e := range s.Events {
			if e.Seq > last.seq {
				fresh = append(fresh, logEntry{ev: e})
				took++
				last.seq = e.Seq
			}
		}
		if gap := s.Recorded - last.recorded; s.Recorded > last.recorded && gap > uint64(took) {
			p.missed += gap - uint64(took)
		}
		last.recorded = s.Recorded
		p.seen[s.Name] = last
	}
	if len(fresh) > 0 {
		sort.Slice(fresh, func(i, j int) bool { return fresh[i].ev.Seq < fresh[j].ev.Seq })
		if p.paused {
			p.pending = mergeLog(p.pending, fresh)
			if over := len(p.pending) - maxLog; over > 0 {
				p.pending = append(p.pending[:0], p.pending[over:]...)
			}
		} else {
			p.log = mergeLog(p.log, fresh)
			p.trim()
		}
	}
	p.list.setRows(p)
	if p.follow && !p.paused {
		p.list.sel = p.list.count() - 1
		p.list.clamp()
	}
}

// mergeLog adds fresh (in Seq order) to log (in Seq order), keeping the
// order: usually fresh goes at the end; a stack's late events go where
// they belong.
func mergeLog(log, fresh []logEntry) []logEntry {
	at := sort.Search(len(log), func(i int) bool { return log[i].ev.Seq > fresh[0].ev.Seq })
	if at == len(log) {
		return append(log, fresh...)
	}
	tail := append([]logEntry(nil), log[at:]...)
	log = log[:at]
	i, j := 0, 0
	for i < len(tail) || j < len(fresh) {
		if j == len(fresh) || i < len(tail) && tail[i].ev.Seq < fresh[j].ev.Seq {
			log, i = append(log, tail[i]), i+1
		} else {
			log, j = append(log, fresh[j]), j+1
		}
	}
	return log
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
				if len(p.pending) > 0 {
					p.log = mergeLog(p.log, p.pending)
				}
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
