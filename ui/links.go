package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/labs/run"
)

// linksPanel lists the lab's links: their ends, impairments, and the
// counters of both directions; then its switches: ports, forwarding
// counters and learnt MACs. A person changes a link's impairments here.
type linksPanel struct {
	tablePanel
	data     *Data
	links    []LinkData
	switches []mem.SwitchStats
}

func newLinksPanel(e *env) *linksPanel {
	p := &linksPanel{}
	p.env = e
	p.list = newList(e, 3, nil, "no links")
	return p
}

func (p *linksPanel) Title() string { return p.titled("Links") }

func (p *linksPanel) SetData(d *Data) {
	p.data = d
	p.links = d.Links
	p.switches = d.Switches
	p.list.setRows(p)
}

func (p *linksPanel) Len() int { return len(p.links) + len(p.switches) }

func (p *linksPanel) Text(i int) string {
	if i >= len(p.links) {
		sw := p.switches[i-len(p.links)]
		return sw.Name + " switch"
	}
	l := p.links[i]
	return l.ID + " " + l.A + " " + l.B + " " + l.Stats.Impair.String()
}

func (p *linksPanel) dir(name string, d mem.DirStats) string {
	s := fmt.Sprintf("  %s tx %s fr  rx %s fr", name, fmtCount(d.TxFrames), fmtCount(d.RxFrames))
	if n := d.Dropped(); n > 0 {
		var parts []string
		for _, r := range d.Drops() {
			parts = append(parts, fmt.Sprintf("%s %d", r.Reason, r.Count))
		}
		s += p.env.styles.Warn.Render(fmt.Sprintf("  drop %d (%s)", n, strings.Join(parts, ", ")))
	} else {
		s += "  drop 0"
	}
	for _, x := range []struct {
		n string
		v uint64
	}{{"dup", d.Duplicated}, {"corrupt", d.Corrupted}, {"reorder", d.Reordered}, {"queued", d.Queued}} {
		if x.v > 0 {
			s += fmt.Sprintf("  %s %d", x.n, x.v)
		}
	}
	return s
}

// switchRow is a switch in three lines: its counters, its ports, and its
// MAC table (as much as fits).
func (p *linksPanel) switchRow(sw mem.SwitchStats, w int) []string {
	head := fmt.Sprintf("%s  switch, %d ports  forwarded %s  flooded %s  filtered %s",
		sw.Name, len(sw.Ports), fmtCount(sw.Forwarded), fmtCount(sw.Flooded), fmtCount(sw.Filtered))
	var ports, macs []string
	for _, pt := range sw.Ports {
		ports = append(ports, fmt.Sprintf("p%d in %s out %s", pt.Port, fmtCount(pt.InFrames), fmtCount(pt.OutFrames)))
	}
	for _, m := range sw.MACs {
		macs = append(macs, fmt.Sprintf("%s→p%d", wireMAC(m.MAC), m.Port))
	}
	if len(macs) == 0 {
		macs = []string{"no MACs learnt"}
	}
	return []string{fit(head, w), fit("  "+strings.Join(ports, "  "), w), fit("  "+strings.Join(macs, " "), w)}
}

func (p *linksPanel) Row(i, w int) []string {
	if i >= len(p.links) {
		return p.switchRow(p.switches[i-len(p.links)], w)
	}
	l := p.links[i]
	imp := l.Stats.Impair.String()
	if !l.Stats.Impair.IsZero() {
		imp = p.env.styles.Warn.Render(imp)
	} else {
		imp = "perfect wire"
	}
	kind := l.Type
	if l.Device != "" {
		kind += " (" + l.Device + ")"
	}
	head := fmt.Sprintf("%s  %s ↔ %s  %s  %s", l.ID, l.A, l.B, kind, imp)
	if l.Capture != "" {
		head += p.env.styles.Fresh.Render(fmt.Sprintf("  ● capturing %d fr → %s", l.Captured, l.Capture))
	}
	if l.Devices.Err != nil {
		head += p.env.styles.Err.Render(fmt.Sprintf("  %d device errors, last: %v", l.Devices.Errors, l.Devices.Err))
	}
	return []string{
		fit(head, w),
		fit(p.dir(l.A+" → "+l.B, l.Stats.AtoB)+p.devices(l.Devices.AtoB), w),
		fit(p.dir(l.B+" → "+l.A, l.Stats.BtoA)+p.devices(l.Devices.BtoA), w),
	}
}

// devices is what a tap or tap-pair link's drivers counted in one
// direction, seen from the kernel: "· kernel in 6" (frames written into a
// tap link's device), "· kernel out 6" (read from it), "· bridge in 6 out
// 6" (written into a tap-pair link's first device, read from its second);
// drops in the warning colour.
func (p *linksPanel) devices(dirs []run.DeviceDir) string {
	if len(dirs) == 0 {
		return ""
	}
	s := "  · kernel"
	if len(dirs) == 2 {
		s = "  · bridge"
	}
	for _, d := range dirs {
		if d.Written {
			s += " in " + fmtCount(d.Frames)
		} else {
			s += " out " + fmtCount(d.Frames)
		}
		if n := d.Stats.Dropped(); n > 0 {
			var parts []string
			for _, r := range d.Stats.Drops() {
				parts = append(parts, fmt.Sprintf("%s %d", r.Reason, r.Count))
			}
			s += p.env.styles.Warn.Render(fmt.Sprintf(" (drop %d: %s)", n, strings.Join(parts, ", ")))
		}
	}
	return s
}

func (p *linksPanel) Keys() []key.Binding {
	return append([]key.Binding{p.env.keys.Impair, p.env.keys.Capture}, p.env.keys.listKeys()...)
}

func (p *linksPanel) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.updateList(msg); ok {
		return cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	i := p.list.selected()
	if i < 0 || i >= len(p.links) {
		return nil // switches have no impairments or captures of their own
	}
	l := p.links[i]
	switch {
	case key.Matches(km, p.env.keys.Impair):
		p.env.open(impairForm(p.env, l))
	case key.Matches(km, p.env.keys.Capture):
		return p.env.act.Capture(l.ID, l.Capture == "")
	}
	return nil
}

// impairForm edits a link's impairments, starting from the current ones.
func impairForm(e *env, l LinkData) *Form {
	cur := l.Stats.Impair
	pct := func(f float64) string {
		if f == 0 {
			return ""
		}
		return fmt.Sprintf("%g%%", f*100)
	}
	dur := func(d time.Duration) string {
		if d == 0 {
			return ""
		}
		return d.String()
	}
	rate := ""
	if cur.Rate != 0 {
		rate = mem.FormatRate(cur.Rate)
	}
	return newForm("Impair link "+l.ID+" ("+l.A+" ↔ "+l.B+")", func(v []string) tea.Cmd {
		imp := cur
		imp.Loss, _ = parsePercent(v[0])
		imp.Delay, _ = parseDuration(v[1])
		imp.Jitter, _ = parseDuration(v[2])
		imp.Duplicate, _ = parsePercent(v[3])
		imp.Reorder, _ = parsePercent(v[4])
		imp.Corrupt, _ = parsePercent(v[5])
		imp.Rate, _ = parseRate(v[6])
		return e.act.Impair(l.ID, imp)
	},
		newField("loss", pct(cur.Loss), "5% (empty: none)", checkPercent),
		newField("delay", dur(cur.Delay), "2ms", checkDuration),
		newField("jitter", dur(cur.Jitter), "1ms", checkDuration),
		newField("duplicate", pct(cur.Duplicate), "1%", checkPercent),
		newField("reorder", pct(cur.Reorder), "1%", checkPercent),
		newField("corrupt", pct(cur.Corrupt), "0.1%", checkPercent),
		newField("rate", rate, "10Mbit (empty: unlimited)", checkRate),
	)
}

func wireMAC(m [6]byte) string { return wire.MAC(m).String() }
