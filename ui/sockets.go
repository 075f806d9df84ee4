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
// descriptor, protocol, addresses, state, queues, and for TCP connections
// the send and receive windows, congestion window and RTT estimate
// (srtt/rto), then owner and armed timers. Sockets a person opens here
// are owned by "tui".
type socketsPanel struct {
	tablePanel
	data  *Data
	socks []snapshot.Socket
	// tcp reports a TCP control block among socks: only then do the TCP
	// columns take room from the owner and timers.
	tcp bool
	// cols and widths are the columns shown at width colsW.
	cols   []sockCol
	widths []int
	colsW  int
	colsT  bool
}

// sockCol is a column of the Sockets panel.
type sockCol int

const (
	cFD sockCol = iota
	cProto
	cLocal
	cRemote
	cState
	cSendQ
	cRecvQ
	cSndWnd
	cRcvWnd
	cCwnd
	cRTT
	cOwner
	cTimers
	nSockCols
)

var sockHeads = [nSockCols]string{"fd", "proto", "local", "remote", "state", "sendq", "recvq", "swnd", "rwnd", "cwnd", "srtt/rto", "owner", "timers"}

// sockMin are the columns' widths; local, remote and owner grow into
// what is left (up to sockMid, then sockMax), and the last column takes
// the rest.
var (
	sockMid = [nSockCols]int{cLocal: 17, cRemote: 17, cOwner: 12}
	sockMin = [nSockCols]int{4, 5, 14, 14, 10, 5, 5, 5, 5, 5, 11, 8, 10}
	sockMax = [nSockCols]int{cLocal: 21, cRemote: 21, cOwner: 14}
)

// sockLayout chooses the columns that fit w: always descriptor to
// receive queue; then, when tcp, the windows, cwnd, RTT, timers and
// owner, or else owner and timers, as room allows.
func sockLayout(w int, tcp bool) ([]sockCol, []int) {
	cols := []sockCol{cFD, cProto, cLocal, cRemote, cState, cSendQ, cRecvQ}
	minW := sockMin
	opt := []sockCol{cOwner, cTimers}
	if tcp {
		// Room for "SYN-RECEIVED"; UDP's states are short.
		minW[cState] = 12
		opt = []sockCol{cSndWnd, cRcvWnd, cCwnd, cRTT, cTimers, cOwner}
	}
	used := 0
	for _, c := range cols {
		used += minW[c] + 1
	}
	take := map[sockCol]bool{}
	for _, c := range opt {
		if used+minW[c]+1 <= w {
			take[c] = true
			used += minW[c] + 1
		}
	}
	for _, c := range []sockCol{cSndWnd, cRcvWnd, cCwnd, cRTT, cOwner, cTimers} {
		if take[c] {
			cols = append(cols, c)
		}
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = minW[c]
	}
	// Room left: addresses and owner to sockMid first, then to sockMax.
	for _, to := range [][nSockCols]int{sockMid, sockMax} {
		for i, c := range cols {
			if to[c] > widths[i] {
				g := min(max(w-used, 0), to[c]-widths[i])
				widths[i] += g
				used += g
			}
		}
	}
	return cols, widths
}

func newSocketsPanel(e *env) *socketsPanel {
	p := &socketsPanel{}
	p.env = e
	p.list = newList(e, 1, func(w int) string {
		cols, widths := p.layout(w)
		heads := make([]string, len(cols))
		for i, c := range cols {
			heads[i] = sockHeads[c]
		}
		return col(w, widths, heads...)
	}, "no sockets (a opens a UDP socket, l a TCP listener, o a TCP connection)")
	p.list.kernel = "a kernel node: ip netns exec %s ss -tuna lists its sockets"
	return p
}

// layout returns the columns at width w, computed once per width.
func (p *socketsPanel) layout(w int) ([]sockCol, []int) {
	if p.cols == nil || p.colsW != w || p.colsT != p.tcp {
		p.cols, p.widths = sockLayout(w, p.tcp)
		p.colsW, p.colsT = w, p.tcp
	}
	return p.cols, p.widths
}

func (p *socketsPanel) Title() string { return p.titled("Sockets · " + p.data.NodeName()) }

func (p *socketsPanel) SetData(d *Data) {
	p.data = d
	p.socks = d.Stack().Sockets
	p.tcp = false
	for i := range p.socks {
		if p.socks[i].Proto == "tcp" {
			p.tcp = true
			break
		}
	}
	p.list.setRows(p)
}

func (p *socketsPanel) Len() int { return len(p.socks) }

func addrPort(s fmt.Stringer, valid bool) string {
	if !valid {
		return "*"
	}
	return s.String()
}

// qty formats a byte count in at most 5 cells: 65535, 1024K, 12M.
func qty(n int) string {
	switch {
	case n < 100000:
		return strconv.Itoa(n)
	case n < 100000<<10:
		return strconv.Itoa(n>>10) + "K"
	}
	return strconv.Itoa(n>>20) + "M"
}

// sockTimers names a socket's armed timers by their kind: "rto,delack"
// for "tcp rto 10.0.0.2:80" and "tcp delack 10.0.0.2:80".
func sockTimers(ts []string) string {
	if len(ts) == 0 {
		return "—"
	}
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(',')
		}
		if rest, ok := strings.CutPrefix(t, "tcp "); ok {
			t, _, _ = strings.Cut(rest, " ")
		}
		b.WriteString(t)
	}
	return b.String()
}

// cell is column c of socket s.
func sockCell(s *snapshot.Socket, c sockCol) string {
	switch c {
	case cFD:
		if s.FD < 0 {
			return "—"
		}
		return strconv.Itoa(s.FD)
	case cProto:
		return s.Proto
	case cLocal:
		return addrPort(s.Local, s.Local.IsValid())
	case cRemote:
		return addrPort(s.Remote, s.Remote.IsValid())
	case cState:
		if s.Error != "" {
			return s.State + " " + s.Error
		}
		return s.State
	case cSendQ:
		return qty(s.SendQ)
	case cRecvQ:
		return qty(s.RecvQ)
	case cOwner:
		return dash(s.Owner)
	case cTimers:
		return sockTimers(s.Timers)
	}
	// The TCP columns: blank for UDP, ICMP and listeners.
	t := s.TCP
	if t == nil {
		return ""
	}
	switch c {
	case cSndWnd:
		return qty(t.SendWindow)
	case cRcvWnd:
		return qty(t.RecvWindow)
	case cCwnd:
		return qty(t.Cwnd)
	case cRTT:
		return fmtDur(t.SRTT) + "/" + fmtDur(t.RTO)
	}
	return ""
}

func (p *socketsPanel) Text(i int) string {
	s := &p.socks[i]
	var b strings.Builder
	for c := range nSockCols {
		if c > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sockCell(s, c))
	}
	return b.String()
}

func (p *socketsPanel) Row(i, w int) []string {
	s := &p.socks[i]
	cols, widths := p.layout(w)
	cells := make([]string, len(cols))
	for j, c := range cols {
		cells[j] = sockCell(s, c)
		if c == cState && s.Error != "" {
			cells[j] = p.env.styles.Err.Render(cells[j])
		}
	}
	return []string{col(w, widths, cells...)}
}

func (p *socketsPanel) Keys() []key.Binding {
	k := p.env.keys
	return append([]key.Binding{k.Add, k.Listen, k.Dial, k.Bind, k.Connect, k.Send, k.Remove, k.Reset}, k.listKeys()...)
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
	switch {
	case key.Matches(km, k.Add):
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
	case key.Matches(km, k.Listen):
		p.env.open(newForm("Listen on TCP on "+node+" (connections are accepted in the background)", func(v []string) tea.Cmd {
			port, _ := parseCount(v[0], 1, 65535)
			backlog, _ := parseCount(v[1], 1, 4096)
			return a.ListenTCP(node, uint16(port), backlog)
		},
			newField("port", "", "80", checkCount(1, 65535)),
			newField("backlog", "4", "1 to 4096 connections waiting", checkCount(1, 4096)),
		))
		return nil
	case key.Matches(km, k.Dial):
		p.env.open(newForm("Open a TCP connection from "+node, func(v []string) tea.Cmd {
			ap, _ := parseAddrPort(v[0])
			return a.ConnectTCP(node, ap)
		}, newField("remote", "", "10.0.0.1:80", checkPeer)))
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
	fd, tcp := s.FD, s.Proto == "tcp"
	switch {
	case key.Matches(km, k.Remove):
		return a.CloseSocket(node, fd)
	case key.Matches(km, k.Reset):
		if !tcp {
			return func() tea.Msg {
				return resultMsg{What: "reset", Err: fmt.Errorf("only a TCP connection can be reset; x closes a %s socket", s.Proto)}
			}
		}
		return a.ResetSocket(node, fd)
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
	case key.Matches(km, k.Send) && tcp:
		// A stream has its peer: no destination.
		p.env.open(newForm(fmt.Sprintf("Send on %s fd %d (TCP to %v)", node, fd, addrPort(s.Remote, s.Remote.IsValid())), func(v []string) tea.Cmd {
			return a.Send(node, fd, netip.AddrPort{}, []byte(v[0]))
		}, newField("data", "hello netlab", "text to send", checkNotEmpty("text to send"))))
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
