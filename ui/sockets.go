package ui

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netlab/netlab/core/snapshot"
)

// socketsPanel lists the node's sockets (protocol control blocks):
// descriptor, protocol, addresses, state, queues, owner, armed timers.
// Sockets a person opens here are owned by "tui".
type socketsPanel struct {
	tablePanel
	data  *Data
	socks []snapshot.Socket
}

var sockWidths = []int{4, 5, 17, 17, 10, 5, 5, 12, 0}

func newSocketsPanel(e *env) *socketsPanel {
	p := &socketsPanel{}
	p.env = e
	p.list = newList(e, 1, func(w int) string {
		return col(w, sockWidths, "fd", "proto", "local", "remote", "state", "sendq", "recvq", "owner", "timers")
	}, "no sockets (a opens a UDP socket)")
	return p
}

func (p *socketsPanel) Title() string { return p.titled("Sockets · " + p.data.NodeName()) }

func (p *socketsPanel) SetData(d *Data) {
	p.data = d
	p.socks = d.Stack().Sockets
	p.list.setRows(p)
}

func (p *socketsPanel) Len() int { return len(p.socks) }

func addrPort(s fmt.Stringer, valid bool) string {
	if !valid {
		return "*"
	}
	return s.String()
}

func (p *socketsPanel) cells(i int) []string {
	s := p.socks[i]
	fd := "—"
	if s.FD >= 0 {
		fd = strconv.Itoa(s.FD)
	}
	state := s.State
	if s.Error != "" {
		state += " " + s.Error
	}
	return []string{fd, s.Proto, addrPort(s.Local, s.Local.IsValid()), addrPort(s.Remote, s.Remote.IsValid()),
		state, strconv.Itoa(s.SendQ), strconv.Itoa(s.RecvQ), dash(s.Owner), dash(strings.Join(s.Timers, ","))}
}

func (p *socketsPanel) Text(i int) string { return strings.Join(p.cells(i), " ") }

func (p *socketsPanel) Row(i, w int) []string {
	c := p.cells(i)
	if p.socks[i].Error != "" {
		c[4] = p.env.styles.Err.Render(c[4])
	}
	return []string{col(w, sockWidths, c...)}
}

func (p *socketsPanel) Keys() []key.Binding {
	k := p.env.keys
	return append([]key.Binding{k.Add, k.Bind, k.Connect, k.Send, k.Remove}, k.listKeys()...)
}

func (p *socketsPanel) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := p.updateList(msg); ok {
		return cmd
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k, a, node := p.env.keys, p.env.act, p.data.NodeName()
	if key.Matches(km, k.Add) {
		p.env.open(newForm("Open a UDP socket on "+node, func(v []string) tea.Cmd {
			bind, _ := parseAddrPort(v[0])
			conn, _ := parseAddrPort(v[1])
			if strings.TrimSpace(v[0]) == "" {
				bind = netip.AddrPort{}
			}
			if strings.TrimSpace(v[1]) == "" {
				conn = netip.AddrPort{}
			}
			return a.OpenUDP(node, bind, conn)
		},
			newField("bind", "", ":5000 or 10.0.0.2:5000 (optional)", optional(checkAddrPort)),
			newField("connect", "", "10.0.0.1:7 (optional)", optional(checkAddrPort)),
		))
		return nil
	}
	i := p.list.selected()
	if i < 0 {
		return nil
	}
	s := p.socks[i]
	if s.FD < 0 {
		return func() tea.Msg {
			return resultMsg{What: "socket", Err: fmt.Errorf("this control block has no descriptor")}
		}
	}
	fd := s.FD
	switch {
	case key.Matches(km, k.Remove):
		return a.CloseSocket(node, fd)
	case key.Matches(km, k.Bind):
		p.env.open(newForm(fmt.Sprintf("Bind %s fd %d", node, fd), func(v []string) tea.Cmd {
			ap, _ := parseAddrPort(v[0])
			return a.Bind(node, fd, ap)
		}, newField("address", "", ":5000 or 10.0.0.2:5000", checkAddrPort)))
	case key.Matches(km, k.Connect):
		p.env.open(newForm(fmt.Sprintf("Connect %s fd %d", node, fd), func(v []string) tea.Cmd {
			ap, _ := parseAddrPort(v[0])
			return a.Connect(node, fd, ap)
		}, newField("peer", "", "10.0.0.1:7", checkAddrPort)))
	case key.Matches(km, k.Send):
		to := ""
		if !s.Remote.IsValid() {
			to = "10.0.0.1:7"
		}
		check := checkAddrPort
		if s.Remote.IsValid() {
			check = optional(checkAddrPort)
		}
		p.env.open(newForm(fmt.Sprintf("Send on %s fd %d", node, fd), func(v []string) tea.Cmd {
			ap, _ := parseAddrPort(v[0])
			if strings.TrimSpace(v[0]) == "" {
				ap = netip.AddrPort{}
			}
			return a.Send(node, fd, ap, []byte(v[1]))
		},
			newField("to", to, "10.0.0.1:7 (empty: the connected peer)", check),
			newField("data", "hello netlab", "text to send", nil),
		))
	}
	return nil
}
