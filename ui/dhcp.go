package ui

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/dhcp"
	"github.com/netlab/netlab/labs/run"
	"github.com/netlab/netlab/netifapi"
)

// dhcpClientOf returns the DHCP client of netif name in s, if it has one.
func dhcpClientOf(s *snapshot.Stack, name string) (snapshot.DHCPClient, bool) {
	c, ok := s.Extra[dhcp.ExtraClient][name].(snapshot.DHCPClient)
	return c, ok
}

// dhcpServerOf returns the DHCP server of netif name in s, if it runs one.
func dhcpServerOf(s *snapshot.Stack, name string) (snapshot.DHCPServer, bool) {
	srv, ok := s.Extra[dhcp.ExtraServer][name].(snapshot.DHCPServer)
	return srv, ok
}

// dhcpCell is the Interfaces panel's dhcp column: the client's state and,
// while it holds a lease, the time the lease has left ("BOUND 58m"); "—"
// without a client.
func dhcpCell(st *Styles, s *snapshot.Stack, name string, now time.Duration) string {
	c, ok := dhcpClientOf(s, name)
	if !ok {
		return "—"
	}
	state := run.DHCPState(c)
	text := state
	if c.Lease.Address.IsValid() && c.ExpiresAt > 0 {
		text += " " + countdown(c.ExpiresAt, now)
	}
	switch state {
	case "BOUND", "INFORMING":
		return st.OK.Render(text)
	case "OFF":
		return st.Dim.Render(text)
	}
	return st.Warn.Render(text)
}

// dhcpRow is one row of the DHCP panel: a server, or one of its leases.
type dhcpRow struct {
	netif  string
	server *snapshot.DHCPServer // set on a server's row
	lease  snapshot.DHCPLease
}

// dhcpPanel shows the node's DHCP servers, each on a line of its own
// (pool and message counts) followed by its lease table (address, MAC,
// state, expires in, hostname).
type dhcpPanel struct {
	tablePanel
	data *Data
	rows []dhcpRow
}

var dhcpWidths = []int{15, 17, 8, 8, 0}

func newDHCPPanel(e *env) *dhcpPanel {
	p := &dhcpPanel{}
	p.env = e
	p.list = newList(e, 1, func(w int) string {
		return col(w, dhcpWidths, "address", "mac", "state", "expires", "hostname")
	}, "no DHCP server (s starts one)")
	p.list.kernel = "a kernel node: its DHCP peers (dnsmasq, udhcpc) are processes in %s"
	return p
}

func (p *dhcpPanel) Title() string {
	servers, leases := 0, 0
	for _, r := range p.rows {
		if r.server != nil {
			servers++
		} else {
			leases++
		}
	}
	t := "DHCP · " + p.data.NodeName()
	if servers > 0 {
		t += fmt.Sprintf(" · %d lease(s)", leases)
	}
	return p.titled(t)
}

func (p *dhcpPanel) SetData(d *Data) {
	p.data = d
	p.rows = p.rows[:0]
	s := d.Stack()
	for _, n := range s.Netifs {
		srv, ok := dhcpServerOf(s, n.Name)
		if !ok {
			continue
		}
		p.rows = append(p.rows, dhcpRow{netif: n.Name, server: &srv})
		for _, l := range srv.Leases {
			p.rows = append(p.rows, dhcpRow{netif: n.Name, lease: l})
		}
	}
	p.list.setRows(p)
}

func (p *dhcpPanel) Len() int { return len(p.rows) }

func (p *dhcpPanel) Text(i int) string {
	r := p.rows[i]
	if r.server != nil {
		return r.netif + " server " + r.server.PoolStart.String() + "-" + r.server.PoolEnd.String()
	}
	return r.netif + " " + r.lease.Address.String() + " " + r.lease.MAC.String() + " " + r.lease.State + " " + r.lease.Hostname
}

func (p *dhcpPanel) Row(i, w int) []string {
	st := p.env.styles
	r := p.rows[i]
	if srv := r.server; srv != nil {
		line := fmt.Sprintf("%s: pool %v-%v · discover %d offer %d request %d ack %d nak %d release %d decline %d",
			r.netif, srv.PoolStart, srv.PoolEnd, srv.Discovers, srv.Offers, srv.Requests, srv.Acks, srv.Naks, srv.Releases, srv.Declines)
		return []string{fit(st.Header.Render(line), w)}
	}
	l := r.lease
	state := l.State
	switch l.State {
	case "bound", "static":
		state = st.OK.Render(state)
	case "declined":
		state = st.Err.Render(state)
	default:
		state = st.Warn.Render(state)
	}
	exp := "—"
	if l.Expires > 0 {
		exp = countdown(l.Expires, p.data.Clock.Now)
	}
	return []string{col(w, dhcpWidths, l.Address.Addr().String(), l.MAC.String(), state, exp, dash(l.Hostname))}
}

func (p *dhcpPanel) Keys() []key.Binding {
	k := p.env.keys
	return append([]key.Binding{k.ServerStart, k.ServerStop}, k.listKeys()...)
}

func (p *dhcpPanel) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.updateList(msg); ok {
		return cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k, node := p.env.keys, p.data.NodeName()
	switch {
	case key.Matches(km, k.ServerStart):
		netif := ""
		if i := p.list.selected(); i >= 0 && i < len(p.rows) {
			netif = p.rows[i].netif
		}
		p.env.open(dhcpServerForm(p.env, node, p.data.Stack(), netif))
	case key.Matches(km, k.ServerStop):
		i := p.list.selected()
		if i < 0 || i >= len(p.rows) {
			return nil
		}
		return p.env.act.DHCPServerStop(node, p.rows[i].netif)
	}
	return nil
}

// dhcpServerForm asks for a server's interface, pool, lease, router and
// DNS; the interface starts as netif, or the node's first one with an
// address, and the pool as the upper part of its subnet.
func dhcpServerForm(e *env, node string, s *snapshot.Stack, netif string) *Form {
	var self netip.Prefix
	for _, n := range s.Netifs {
		if !n.Loopback && n.Address.IsValid() && (netif == "" || n.Name == netif) {
			netif, self = n.Name, n.Address
			break
		}
	}
	pool, router := "", ""
	if self.IsValid() && self.Bits() <= 24 {
		b := self.Masked().Addr().As4()
		pool = fmt.Sprintf("%d.%d.%d.100-%d.%d.%d.199", b[0], b[1], b[2], b[0], b[1], b[2])
		router = self.Addr().String()
	}
	return newForm("Start a DHCP server on "+node, func(v []string) tea.Cmd {
		start, end, _ := parsePool(v[1])
		cfg := dhcp.ServerConfig{PoolStart: start, PoolEnd: end}
		if d, err := parseDuration(v[2]); err == nil {
			cfg.LeaseTime = d
		}
		cfg.Router, _ = parseAddr(v[3])
		if a, err := parseAddr(v[4]); err == nil {
			cfg.DNS = []netip.Addr{a}
		}
		return e.act.DHCPServerStart(node, strings.TrimSpace(v[0]), cfg)
	},
		newField("interface", netif, "eth0 (it needs an address)", checkIfName),
		newField("pool", pool, "10.0.0.100-10.0.0.199", checkPool),
		newField("lease", "1h", "1h (empty: 1h)", optional(checkDuration)),
		newField("router", router, "10.0.0.1 (optional)", optional(checkAddr)),
		newField("dns", "", "10.0.0.1 (optional)", optional(checkAddr)),
	)
}

// parsePool parses "10.0.0.100-10.0.0.199".
func parsePool(s string) (start, end netip.Addr, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return start, end, fmt.Errorf("write the first and the last address: 10.0.0.100-10.0.0.199")
	}
	if start, err = parseAddr(a); err != nil {
		return start, end, err
	}
	if end, err = parseAddr(b); err != nil {
		return start, end, err
	}
	if end.Less(start) {
		return start, end, fmt.Errorf("the pool ends before it starts")
	}
	return start, end, nil
}

func checkPool(s string) error { _, _, err := parsePool(s); return err }

// dhcpClientForm asks for the options of a client to start (or of an
// inform, without a requested address).
func dhcpClientForm(e *env, node, netif string, inform bool) *Form {
	title := "Start the DHCP client of " + node + ":" + netif
	if inform {
		title = "DHCP inform on " + node + ":" + netif
	}
	fields := []*Field{
		newField("hostname", "", "optional", optional(checkHostname)),
		newField("client id", "", "optional (default: the MAC)", nil),
	}
	if !inform {
		fields = append(fields, newField("request", "", "10.0.0.150 (optional)", optional(checkAddr)))
	}
	return newForm(title, func(v []string) tea.Cmd {
		cfg := dhcp.ClientConfig{Hostname: strings.TrimSpace(v[0])}
		if id := strings.TrimSpace(v[1]); id != "" {
			cfg.ClientID = []byte(id)
		}
		if !inform {
			cfg.Requested, _ = parseAddr(v[2])
			return e.act.DHCPStart(node, netif, cfg)
		}
		return e.act.DHCPInform(node, netif, cfg)
	}, fields...)
}

func checkHostname(s string) error {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 255 || strings.ContainsAny(s, " \t") {
		return fmt.Errorf("1 to 255 characters, no spaces")
	}
	return nil
}

// seedOf is the seed the world's lab gives DHCP clients, as the runner
// gives them.
func (a *actions) seedOf() uint64 {
	if a.world != nil && a.world.Lab != nil {
		return a.world.Lab.Seed
	}
	return 0
}

// dhcpCall runs a DHCP call on netif of node and reports the client's
// state after it.
func (a *actions) dhcpCall(what, node, netif string, fn func(ctx context.Context, n *run.Node) error) tea.Cmd {
	return a.do(fmt.Sprintf("%s %s:%s", what, node, netif), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		if err := fn(ctx, n); err != nil {
			return "", err
		}
		if c, err := netifapi.DHCPClient(ctx, n.Stack, netif); err == nil {
			return run.DHCPBrief(c), nil
		}
		return "", nil
	})
}

// DHCPStart starts (or restarts) a netif's DHCP client.
func (a *actions) DHCPStart(node, netif string, cfg dhcp.ClientConfig) tea.Cmd {
	cfg.Seed = a.seedOf()
	return a.dhcpCall("dhcp start", node, netif, func(ctx context.Context, n *run.Node) error {
		return netifapi.DHCPStart(ctx, n.Stack, netif, cfg)
	})
}

// DHCPStop stops a netif's DHCP client.
func (a *actions) DHCPStop(node, netif string) tea.Cmd {
	return a.dhcpCall("dhcp stop", node, netif, func(ctx context.Context, n *run.Node) error {
		return netifapi.DHCPStop(ctx, n.Stack, netif)
	})
}

// DHCPRelease releases a netif's lease and stops its client.
func (a *actions) DHCPRelease(node, netif string) tea.Cmd {
	return a.dhcpCall("dhcp release", node, netif, func(ctx context.Context, n *run.Node) error {
		return netifapi.DHCPRelease(ctx, n.Stack, netif)
	})
}

// DHCPRenew renews a netif's lease now.
func (a *actions) DHCPRenew(node, netif string) tea.Cmd {
	return a.dhcpCall("dhcp renew", node, netif, func(ctx context.Context, n *run.Node) error {
		return netifapi.DHCPRenew(ctx, n.Stack, netif)
	})
}

// DHCPInform asks for options for a netif's address set by hand.
func (a *actions) DHCPInform(node, netif string, cfg dhcp.ClientConfig) tea.Cmd {
	cfg.Seed = a.seedOf()
	return a.dhcpCall("dhcp inform", node, netif, func(ctx context.Context, n *run.Node) error {
		return netifapi.DHCPInform(ctx, n.Stack, netif, cfg)
	})
}

// DHCPServerStart starts a DHCP server on a netif.
func (a *actions) DHCPServerStart(node, netif string, cfg dhcp.ServerConfig) tea.Cmd {
	return a.do(fmt.Sprintf("dhcp server on %s:%s", node, netif), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		if err := netifapi.DHCPServerStart(ctx, n.Stack, netif, cfg); err != nil {
			return "", err
		}
		return fmt.Sprintf("pool %v-%v", cfg.PoolStart, cfg.PoolEnd), nil
	})
}

// DHCPServerStop stops a netif's DHCP server.
func (a *actions) DHCPServerStop(node, netif string) tea.Cmd {
	return a.do(fmt.Sprintf("dhcp server off %s:%s", node, netif), actionTimeout, func(ctx context.Context) (string, error) {
		n, err := a.stack(node)
		if err != nil {
			return "", err
		}
		return "", netifapi.DHCPServerStop(ctx, n.Stack, netif)
	})
}
