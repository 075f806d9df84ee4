package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
)

// sparkLen is how many ticks of traffic an interface's sparkline shows.
const sparkLen = 16

// traffic is one netif's recent frames per tick, for its sparkline.
type traffic struct {
	last   uint64 // rx+tx frames at the last tick
	seen   bool
	series []uint64 // frames per tick, oldest first, at most sparkLen
}

// interfacesPanel lists the netifs of the node: name, MAC, address, MTU,
// admin and link state, the DHCP client's state and lease countdown,
// traffic with a sparkline, drops by reason.
type interfacesPanel struct {
	tablePanel
	data    *Data
	netifs  []snapshot.Netif
	history map[string]*traffic // by node + "/" + netif
	tick    uint64
}

func newInterfacesPanel(e *env) *interfacesPanel {
	p := &interfacesPanel{history: map[string]*traffic{}}
	p.env = e
	p.list = newList(e, 2, func(w int) string {
		return col(w, ifWidths, "name", "mac", "address", "mtu", "admin", "link", "dhcp")
	}, "no interfaces (a adds one)")
	return p
}

var ifWidths = []int{8, 17, 18, 5, 6, 6, 0}

func (p *interfacesPanel) Title() string {
	return p.titled("Interfaces · " + p.data.NodeName())
}

func (p *interfacesPanel) SetData(d *Data) {
	p.data = d
	if d.Tick != p.tick {
		p.tick = d.Tick
		p.sample(d)
	}
	p.netifs = d.Stack().Netifs
	p.list.setRows(p)
}

// sample adds this tick's frame counts to every netif's history.
func (p *interfacesPanel) sample(d *Data) {
	alive := map[string]bool{}
	for i, s := range d.Stacks {
		if s == nil {
			continue
		}
		for _, n := range s.Netifs {
			k := d.Nodes[i] + "/" + n.Name
			alive[k] = true
			h := p.history[k]
			if h == nil {
				h = &traffic{}
				p.history[k] = h
			}
			total := n.Counters.RxFrames + n.Counters.TxFrames
			if h.seen {
				delta := uint64(0)
				if total >= h.last {
					delta = total - h.last
				}
				h.series = append(h.series, delta)
				if len(h.series) > sparkLen {
					h.series = h.series[len(h.series)-sparkLen:]
				}
			}
			h.last, h.seen = total, true
		}
	}
	for k := range p.history {
		if !alive[k] {
			delete(p.history, k)
		}
	}
}

func (p *interfacesPanel) Len() int { return len(p.netifs) }

func (p *interfacesPanel) Text(i int) string {
	n := p.netifs[i]
	return n.Name + " " + n.MAC.String() + " " + n.Address.String()
}

func (p *interfacesPanel) Row(i, w int) []string {
	st := p.env.styles
	n := p.netifs[i]
	addr := "—"
	if n.Address.IsValid() {
		addr = n.Address.String()
	}
	admin, link := st.OK.Render("up"), st.OK.Render("up")
	if !n.Up {
		admin = st.Warn.Render("down")
	}
	if !n.LinkUp {
		link = st.Err.Render("down")
	}
	name := n.Name
	if n.Loopback {
		name += " (lo)"
	}
	dh := dhcpCell(st, p.data.Stack(), n.Name, p.data.Clock.Now)
	l1 := col(w, ifWidths, name, n.MAC.String(), addr, strconv.Itoa(n.MTU), admin, link, dh)
	c := n.Counters
	var b strings.Builder
	fmt.Fprintf(&b, "  rx %s fr %s  tx %s fr %s", fmtCount(c.RxFrames), fmtBytes(c.RxBytes), fmtCount(c.TxFrames), fmtBytes(c.TxBytes))
	if h := p.history[p.data.NodeName()+"/"+n.Name]; h != nil && len(h.series) > 0 {
		b.WriteString("  " + sparkline(h.series))
	}
	if total := c.DropTotal(); total > 0 {
		reasons := make([]string, 0, len(c.Drops))
		for r := range c.Drops {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		parts := make([]string, 0, len(reasons))
		for _, r := range reasons {
			if c.Drops[r] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", r, c.Drops[r]))
			}
		}
		b.WriteString(st.Warn.Render(fmt.Sprintf("  drops %d (%s)", total, strings.Join(parts, ", "))))
	} else {
		b.WriteString("  drops 0")
	}
	if n.Link != "" {
		b.WriteString(st.Dim.Render("  on " + n.Link))
	}
	return []string{l1, fit(b.String(), w)}
}

func (p *interfacesPanel) Keys() []key.Binding {
	k := p.env.keys
	return append([]key.Binding{k.Add, k.Remove, k.Address, k.MTU, k.AdminToggle, k.LinkToggle, k.Forwarding,
		k.DHCPStart, k.DHCPStop, k.DHCPRenew, k.DHCPRelease, k.DHCPInform}, k.listKeys()...)
}

// selectedNetif returns the selected netif, if any.
func (p *interfacesPanel) selectedNetif() (snapshot.Netif, bool) {
	i := p.list.selected()
	if i < 0 || i >= len(p.netifs) {
		return snapshot.Netif{}, false
	}
	return p.netifs[i], true
}

func (p *interfacesPanel) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.updateList(msg); ok {
		return cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k, a, node := p.env.keys, p.env.act, p.data.NodeName()
	if key.Matches(km, k.Add) {
		p.env.open(addInterfaceForm(p.env, node, p.netifs))
		return nil
	}
	if key.Matches(km, k.Forwarding) {
		return a.SetForwarding(node, !p.data.Stack().Forwarding)
	}
	n, ok := p.selectedNetif()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(km, k.Remove):
		return a.RemoveInterface(node, n.Name)
	case key.Matches(km, k.AdminToggle):
		return a.SetUp(node, n.Name, !n.Up)
	case key.Matches(km, k.LinkToggle):
		return a.SetLinkUp(node, n.Name, !n.LinkUp)
	case key.Matches(km, k.DHCPStart):
		p.env.open(dhcpClientForm(p.env, node, n.Name, false))
	case key.Matches(km, k.DHCPInform):
		p.env.open(dhcpClientForm(p.env, node, n.Name, true))
	case key.Matches(km, k.DHCPStop):
		return a.DHCPStop(node, n.Name)
	case key.Matches(km, k.DHCPRenew):
		return a.DHCPRenew(node, n.Name)
	case key.Matches(km, k.DHCPRelease):
		return a.DHCPRelease(node, n.Name)
	case key.Matches(km, k.Address):
		cur := ""
		if n.Address.IsValid() {
			cur = n.Address.String()
		}
		p.env.open(newForm(fmt.Sprintf("Address of %s:%s", node, n.Name), func(v []string) tea.Cmd {
			pfx, _ := parsePrefix(v[0]) // empty: the zero prefix clears
			return a.SetAddress(node, n.Name, pfx)
		}, newField("address", cur, "10.0.0.9/24 (empty clears)", optional(checkPrefix))))
	case key.Matches(km, k.MTU):
		p.env.open(newForm(fmt.Sprintf("MTU of %s:%s", node, n.Name), func(v []string) tea.Cmd {
			mtu, _ := parseMTU(v[0])
			return a.SetMTU(node, n.Name, mtu)
		}, newField("MTU", strconv.Itoa(n.MTU), "576 to 9000", checkMTU)))
	}
	return nil
}

// addInterfaceForm asks for a new netif's name, address and MTU; the name
// starts as a link endpoint of the lab that no netif uses.
func addInterfaceForm(e *env, node string, have []snapshot.Netif) *Form {
	var names []string
	for _, n := range have {
		names = append(names, n.Name)
	}
	suggest := ""
	if e.act.world != nil {
		if free := e.act.world.FreeEndpoints(node, names); len(free) > 0 {
			suggest = free[0]
		}
	}
	if suggest == "" {
		for i := 0; ; i++ {
			s := fmt.Sprintf("eth%d", i)
			used := false
			for _, n := range names {
				used = used || n == s
			}
			if !used {
				suggest = s
				break
			}
		}
	}
	nameCheck := func(s string) error {
		if err := checkIfName(s); err != nil {
			return err
		}
		for _, n := range names {
			if n == strings.TrimSpace(s) {
				return fmt.Errorf("%s already has an interface %q", node, n)
			}
		}
		return nil
	}
	return newForm("Add interface to "+node, func(v []string) tea.Cmd {
		pfx, _ := parsePrefix(v[1])
		mtu := 0
		if strings.TrimSpace(v[2]) != "" {
			mtu, _ = parseMTU(v[2])
		}
		return e.act.AddInterface(node, strings.TrimSpace(v[0]), pfx, mtu)
	},
		newField("name", suggest, "eth1", nameCheck),
		newField("address", "", "10.0.0.9/24 (optional)", optional(checkPrefix)),
		newField("MTU", "", "1500 (optional)", optional(checkMTU)),
	)
}
