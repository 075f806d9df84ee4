package core

import (
	"net/netip"

	"github.com/netlab/netlab/core/wire"
)

// EchoPCB is an ICMP echo control block: what a Linux ping socket is. Its
// identifier plays the role of a port: echo replies carrying it are
// delivered to it. Owned by the tcpip goroutine.
type EchoPCB struct {
	local  netip.Addr
	remote netip.Addr
	id     uint16
	bound  bool
	closed bool
	ttl    uint8
	df     bool // set the Don't Fragment flag
	recv   func(c *Core, r *EchoReply)
	errf   func(c *Core, e *EchoError)
	owner  SocketOwner
}

// EchoReply is an echo reply delivered to an EchoPCB. Message is the ICMP
// message (header and data). The EchoReply and its Message are valid only
// during the call: keep copies, not the pointer or the slice.
type EchoReply struct {
	From    netip.Addr
	TTL     uint8
	Seq     uint16
	Message []byte
}

// EchoError is an ICMP error (or a local failure) about an echo request.
type EchoError struct {
	Err error
	// From is who reported it (zero for a local failure), To where the
	// request was going.
	From, To netip.Addr
	Seq      uint16
}

// ID returns the echo identifier p is bound to.
func (p *EchoPCB) ID() uint16 { return p.id }

// Remote returns the address p is connected to, zero if none.
func (p *EchoPCB) Remote() netip.Addr { return p.remote }

// EchoDisconnect clears p's connected address.
func (c *Core) EchoDisconnect(p *EchoPCB) {
	c.assertOnLoop()
	p.remote = netip.Addr{}
}

// Local returns the local address p is bound to.
func (p *EchoPCB) Local() netip.Addr { return p.local }

type echoTable struct {
	ids  map[uint16]*EchoPCB
	all  []*EchoPCB
	next uint16
}

func (t *echoTable) init() {
	t.ids = make(map[uint16]*EchoPCB)
	t.next = 1
}

// NewEcho makes an ICMP echo control block.
func (c *Core) NewEcho(recv func(c *Core, r *EchoReply), errf func(c *Core, e *EchoError), owner SocketOwner) *EchoPCB {
	c.assertOnLoop()
	p := &EchoPCB{recv: recv, errf: errf, owner: owner, ttl: DefaultTTL}
	c.echo.all = append(c.echo.all, p)
	return p
}

// EchoSetTTL sets the TTL of requests p sends.
func (c *Core) EchoSetTTL(p *EchoPCB, ttl uint8) { p.ttl = ttl }

// EchoSetDontFragment sets the DF flag on the requests p sends (ping -M
// do): one larger than the path's MTU then fails with ErrMsgSize here, or
// draws an ICMP "fragmentation needed" from the router that cannot
// forward it.
func (c *Core) EchoSetDontFragment(p *EchoPCB, on bool) { p.df = on }

// EchoBind binds p to a local address and identifier; id 0 picks a free
// one. It returns the identifier.
func (c *Core) EchoBind(p *EchoPCB, local netip.Addr, id uint16) (uint16, error) {
	c.assertOnLoop()
	if p.closed {
		return 0, ErrClosed
	}
	if !local.IsValid() {
		local = netip.IPv4Unspecified()
	}
	if !local.IsUnspecified() && !local.IsLoopback() && c.localNetif(local) == nil {
		return 0, ErrAddrNotAvail
	}
	if id == 0 {
		for i := 0; i < 65535; i++ {
			cand := c.echo.next
			c.echo.next++
			if c.echo.next == 0 {
				c.echo.next = 1
			}
			if c.echo.ids[cand] == nil {
				id = cand
				break
			}
		}
		if id == 0 {
			return 0, ErrAddrInUse
		}
	} else if q := c.echo.ids[id]; q != nil && q != p {
		return 0, ErrAddrInUse
	}
	if p.bound {
		delete(c.echo.ids, p.id)
	}
	p.local, p.id, p.bound = local, id, true
	c.echo.ids[id] = p
	return id, nil
}

// EchoConnect fixes the address p sends to and receives from.
func (c *Core) EchoConnect(p *EchoPCB, remote netip.Addr) error {
	c.assertOnLoop()
	if !remote.Is4() {
		return ErrInvalid
	}
	if !p.bound {
		if _, err := c.EchoBind(p, netip.Addr{}, 0); err != nil {
			return err
		}
	}
	p.remote = remote
	return nil
}

// EchoSend sends an echo request with p's identifier, the sequence
// number seq and data to to (or the connected remote when to is zero).
func (c *Core) EchoSend(p *EchoPCB, to netip.Addr, seq uint16, data []byte) error {
	c.assertOnLoop()
	if p.closed {
		return ErrClosed
	}
	if !to.IsValid() {
		if !p.remote.IsValid() {
			return ErrNotConnected
		}
		to = p.remote
	}
	if !to.Is4() {
		return ErrInvalid
	}
	if len(data) > 65535-wire.IPv4MinHeaderLen-wire.ICMPHeaderLen {
		return ErrMsgSize
	}
	if !p.bound {
		if _, err := c.EchoBind(p, netip.Addr{}, 0); err != nil {
			return err
		}
	}
	path, err := c.selectPath(to, p.local, nil, false)
	if err != nil {
		return err
	}
	tlen := wire.EncodeICMPEcho(c.scratch[transportOff:], wire.ICMPEchoRequest, p.id, seq, data)
	if err := c.ipSend(path, to, wire.ProtoICMP, p.ttl, p.df, tlen); err != nil {
		return err
	}
	c.count(cntICMPOut)
	return nil
}

// EchoClose removes p.
func (c *Core) EchoClose(p *EchoPCB) {
	c.assertOnLoop()
	if p.closed {
		return
	}
	p.closed = true
	if p.bound && c.echo.ids[p.id] == p {
		delete(c.echo.ids, p.id)
	}
	c.echo.all = without(c.echo.all, p)
}

func (t *echoTable) deliver(c *Core, ip wire.IPv4, m wire.ICMP) {
	p := t.ids[m.ID()]
	if p == nil || p.recv == nil {
		return
	}
	if !p.local.IsUnspecified() && p.local != ip.Dst() {
		return
	}
	if p.remote.IsValid() && p.remote != ip.Src() {
		return
	}
	// One EchoReply for the core, as for UDPDatagram: a value passed by
	// pointer to a callback would escape, one allocation per reply.
	r := &c.echoR
	*r = EchoReply{From: ip.Src(), TTL: ip.TTL(), Seq: m.Seq(), Message: m}
	p.recv(c, r)
	r.Message = nil
}

func (t *echoTable) notify(c *Core, local netip.Addr, id uint16, to netip.Addr, seq uint16, err error, from netip.Addr) {
	p := t.ids[id]
	if p == nil || p.errf == nil {
		return
	}
	e := EchoError{Err: err, From: from, To: to, Seq: seq}
	p.errf(c, &e)
}

func (t *echoTable) addressGone(c *Core, addr netip.Addr) {
	for _, p := range t.all {
		if p.bound && p.local == addr && p.errf != nil {
			p.errf(c, &EchoError{Err: ErrNetDown})
		}
	}
}

func (t *echoTable) closeAll(c *Core, err error) {
	for _, p := range t.all {
		if p.errf != nil {
			p.errf(c, &EchoError{Err: err})
		}
	}
}

func netipAddrPort(a netip.Addr, port uint16) netip.AddrPort { return netip.AddrPortFrom(a, port) }
