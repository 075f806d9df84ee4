package ui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
)

// arpPanel lists the node's ARP cache.
type arpPanel struct {
	tablePanel
	data    *Data
	entries []snapshot.ARPEntry
}

var arpWidths = []int{15, 17, 6, 10, 8, 0}

func newARPPanel(e *env) *arpPanel {
	p := &arpPanel{}
	p.env = e
	p.list = newList(e, 1, func(w int) string {
		return col(w, arpWidths, "address", "mac", "netif", "state", "expires", "queued")
	}, "ARP cache empty")
	p.list.kernel = "a kernel node: ip -n %s neigh shows its ARP cache"
	return p
}

func (p *arpPanel) Title() string { return p.titled("ARP · " + p.data.NodeName()) }

func (p *arpPanel) SetData(d *Data) {
	p.data = d
	p.entries = d.Stack().ARP
	p.list.setRows(p)
}

func (p *arpPanel) Len() int { return len(p.entries) }

func (p *arpPanel) Text(i int) string {
	e := p.entries[i]
	return e.Address.String() + " " + e.MAC.String() + " " + e.Netif + " " + string(e.State)
}

func (p *arpPanel) Row(i, w int) []string {
	st := p.env.styles
	e := p.entries[i]
	mac := e.MAC.String()
	state := string(e.State)
	switch e.State {
	case snapshot.ARPIncomplete:
		mac = "—"
		state = st.Warn.Render(state + " ×" + strconv.Itoa(e.Tries))
	case snapshot.ARPReachable, snapshot.ARPStatic:
		state = st.OK.Render(state)
	}
	exp := "—"
	if e.Expires > 0 {
		exp = countdown(e.Expires, p.data.Clock.Now)
	}
	q := ""
	if e.Queued > 0 {
		q = strconv.Itoa(e.Queued)
	}
	return []string{col(w, arpWidths, e.Address.String(), mac, e.Netif, state, exp, q)}
}

func (p *arpPanel) Keys() []key.Binding { return p.env.keys.listKeys() }

func (p *arpPanel) Update(msg tea.Msg) tea.Cmd {
	cmd, _ := p.updateList(msg)
	return cmd
}
