package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/netifapi"
)

// routesPanel lists the node's routing table and its forwarding switch.
type routesPanel struct {
	tablePanel
	data   *Data
	routes []snapshot.Route
}

var routeWidths = []int{18, 15, 8, 0}

func newRoutesPanel(e *env) *routesPanel {
	p := &routesPanel{}
	p.env = e
	p.list = newList(e, 1, func(w int) string {
		return col(w, routeWidths, "to", "via", "netif", "kind")
	}, "no routes (a adds one)")
	p.list.kernel = "a kernel node: ip -n %s route shows its routes"
	return p
}

func (p *routesPanel) Title() string {
	return p.titled(fmt.Sprintf("Routes · %s · forwarding %s", p.data.NodeName(), onOff(p.data.Stack().Forwarding)))
}

func (p *routesPanel) SetData(d *Data) {
	p.data = d
	p.routes = d.Stack().Routes
	p.list.setRows(p)
}

func (p *routesPanel) Len() int { return len(p.routes) }

func (p *routesPanel) cells(i int) []string {
	r := p.routes[i]
	via, kind := "—", "static"
	if r.Via.IsValid() {
		via = r.Via.String()
	}
	if r.OnLink {
		kind = "on-link"
	}
	return []string{r.To.String(), via, dash(r.Netif), kind}
}

func (p *routesPanel) Text(i int) string { return strings.Join(p.cells(i), " ") }

func (p *routesPanel) Row(i, w int) []string { return []string{col(w, routeWidths, p.cells(i)...)} }

func (p *routesPanel) Keys() []key.Binding {
	k := p.env.keys
	return append([]key.Binding{k.Add, k.Remove, k.Forwarding}, k.listKeys()...)
}

func (p *routesPanel) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.updateList(msg); ok {
		return cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k, a, node := p.env.keys, p.env.act, p.data.NodeName()
	switch {
	case key.Matches(km, k.Forwarding):
		return a.SetForwarding(node, !p.data.Stack().Forwarding)
	case key.Matches(km, k.Add):
		p.env.open(newForm("Add a route on "+node, func(v []string) tea.Cmd {
			to, _ := parsePrefix(v[0])
			var via = netifapi.Route{To: to.Masked(), Netif: strings.TrimSpace(v[2])}
			if strings.TrimSpace(v[1]) != "" {
				via.Via, _ = parseAddr(v[1])
			}
			return a.AddRoute(node, via)
		},
			newField("to", "", "10.0.2.0/24 or 0.0.0.0/0", checkPrefix),
			newField("via", "", "10.0.1.254 (optional)", optional(checkAddr)),
			newField("netif", "", "eth0 (optional)", optional(checkIfName)),
		))
	case key.Matches(km, k.Remove):
		i := p.list.selected()
		if i < 0 {
			return nil
		}
		r := p.routes[i]
		if r.OnLink {
			return func() tea.Msg {
				return resultMsg{What: "remove route " + r.To.String(), Err: fmt.Errorf("an on-link route goes with its interface's address")}
			}
		}
		return a.RemoveRoute(node, r.To)
	}
	return nil
}
