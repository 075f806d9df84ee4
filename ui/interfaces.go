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
	// kernel is the kernel node's devices when the node shown is one
	// (kernel.go): read only, netifs is empty then.
	kernel *KernelData
}

func newInterfacesPanel(e *env) *interfacesPanel {
	p := &interfacesPanel{history: map[string]*traffic{}}
	p.env = e
	p.list = newList(e, 2, func(w int) string {
		if p.kernel != nil {
			return col(w, kernelWidths, "name", "mac", "address", "mtu", "admin", "oper", "kind")
		}
		return col(w, ifWidths, "name", "mac", "address", "mtu", "admin", "link", "dhcp")
	}, "no interfaces (a adds one)")
	return p
}

var ifWidths = []int{8, 17, 18, 5, 6, 6, 0}

// kernelWidths are a kernel node's columns: its operational state may be
// "unknown" (loopback, TAP devices without a carrier of their own).
var kernelWidths = []int{8, 17, 18, 5, 6, 7, 0}

func (p *interfacesPanel) Title() string {
	if p.kernel != nil {
		return p.titled("Interfaces · " + p.data.NodeName() + " · kernel, read only")
	}
	return p.titled("Interfaces · " + p.data.NodeName())
}

func (p *interfacesPanel) SetData(d *Data) {
	p.data = d
	if d.Tick != p.tick {
		p.tick = d.Tick
		p.sample(d)
	}
	p.netifs = d.Stack().Netifs
	p.kernel = d.Kernel()
	switch {
	case p.kernel == nil:
		p.list.empty = "no interfaces (a adds one)"
	case p.kernel.Err != nil:
		p.list.empty = "cannot read " + d.NodeName() + "'s devices: " + p.kernel.Err.Error()
	default:
		p.list.empty = "reading " + d.NodeName() + "'s devices…"
	}
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

func (p *interfacesPanel) Len() int {
	if p.kernel != nil {
		return len(p.kernel.Links)
	}
	return len(p.netifs)
}

func (p *interfacesPanel) Text(i int) string {
	if p.kernel != nil {
		l := p.kernel.Links[i]
		return l.Name + " " + l.MAC + " " + kernelAddrs(l)
	}
	n := p.netifs[i]
	return n.Name + " " + n.MAC.String() + " " + n.Address.String()
}

func (p *interfacesPanel) Row(i, w int) []string {
	if p.kernel != nil {
		return p.kernelRow(p.kernel.Links[i], w)
	}
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
	if p.kernel != nil {
		return k.listKeys()
	}
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
	if !ok || p.kernel != nil {
		return nil // a kernel node's keys are the list's
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

// kernelRow is a kernel node's device in two lines, as a stack's netif:
// name (and its kind when not a plain device), MAC, addresses, MTU,
// admin and operational state; then the kernel's packet, byte and drop
// counters.
func (p *interfacesPanel) kernelRow(l KernelLink, w int) []string {
	st := p.env.styles
	admin := st.OK.Render("up")
	if !l.Up {
		admin = st.Warn.Render("down")
	}
	oper := l.Oper
	switch oper {
	case "up":
		oper = st.OK.Render(oper)
	case "down", "lowerlayerdown":
		oper = st.Err.Render(oper)
	}
	name, kind := l.Name, ""
	switch {
	case l.Type == "loopback" || l.Name == "lo": // netlink calls lo a "device"
		name += " (lo)"
	case l.Type == "tuntap":
		kind = "tap device"
	case l.Type == "device" || l.Type == "":
	default:
		kind = l.Type
	}
	mac := l.MAC
	if mac == "" {
		mac = "—"
	}
	l1 := col(w, kernelWidths, name, mac, kernelAddrs(l), strconv.Itoa(l.MTU), admin, oper, kind)
	line := fmt.Sprintf("  rx %s pk %s  tx %s pk %s", fmtCount(l.RxPackets), fmtBytes(l.RxBytes), fmtCount(l.TxPackets), fmtBytes(l.TxBytes))
	if l.RxDropped+l.TxDropped > 0 {
		line += st.Warn.Render(fmt.Sprintf("  drops rx %d tx %d", l.RxDropped, l.TxDropped))
	} else {
		line += "  drops 0"
	}
	return []string{l1, fit(line, w)}
}

// kernelAddrs is a device's IPv4 addresses, "—" for none.
func kernelAddrs(l KernelLink) string {
	if len(l.Addrs) == 0 {
		return "—"
	}
	parts := make([]string, len(l.Addrs))
	for i, a := range l.Addrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",")
}
