package core

import (
	"fmt"
	"sort"

	"github.com/netlab/netlab/core/snapshot"
)

// buildSnapshot copies the core's state into a new immutable snapshot.
// It runs on the tcpip goroutine only when someone asked for one.
func (c *Core) buildSnapshot() *snapshot.Stack {
	c.snapVer++
	s := &snapshot.Stack{
		Name:       c.stack.name,
		Version:    c.snapVer,
		Time:       c.now,
		Forwarding: c.forwarding,
		ARP:        c.ARPEntries(),
		Routes:     c.Routes(),
		Counters:   c.countersSnapshot(),
		Events:     c.eventsSnapshot(),
		Recorded:   c.eventsIn,
	}
	for _, n := range c.Netifs() {
		s.Netifs = append(s.Netifs, n.snapshot())
		for _, x := range c.hooks.extras {
			if v := x.fn(n); v != nil {
				if s.Extra == nil {
					s.Extra = make(map[string]map[string]any)
				}
				if s.Extra[x.proto] == nil {
					s.Extra[x.proto] = make(map[string]any)
				}
				s.Extra[x.proto][n.name] = v
			}
		}
	}
	for _, p := range c.udp.all {
		if p.portHandler {
			continue
		}
		sk := snapshot.Socket{FD: -1, Proto: "udp", Local: p.local, Remote: p.remote, State: "unbound"}
		if p.bound {
			sk.State = "bound"
		}
		if p.remote.IsValid() {
			sk.State = "connected"
		}
		fillOwner(&sk, p.owner)
		s.Sockets = append(s.Sockets, sk)
	}
	for _, p := range c.echo.all {
		sk := snapshot.Socket{FD: -1, Proto: "icmp", State: "unbound"}
		if p.bound {
			sk.State = "bound"
			sk.Local = netipAddrPort(p.local, p.id)
		}
		if p.remote.IsValid() {
			sk.Remote = netipAddrPort(p.remote, 0)
		}
		fillOwner(&sk, p.owner)
		s.Sockets = append(s.Sockets, sk)
	}
	for p := c.tcp.first; p != nil; p = p.next {
		s.Sockets = append(s.Sockets, p.snapshot())
	}
	for _, t := range c.timers.All() {
		s.Timers = append(s.Timers, snapshot.Timer{Name: t.name, Owner: t.owner, Due: t.Due(), Period: t.period, Fired: t.fired})
	}
	sort.Slice(s.Timers, func(i, j int) bool {
		a, b := s.Timers[i], s.Timers[j]
		if a.Due != b.Due {
			return a.Due < b.Due
		}
		return a.Name+a.Owner < b.Name+b.Owner
	})
	return s
}

func fillOwner(sk *snapshot.Socket, o SocketOwner) {
	if o == nil {
		return
	}
	info := o.SocketInfo()
	sk.FD, sk.Owner, sk.RecvQ, sk.SendQ, sk.Error = info.FD, info.Owner, info.RecvQ, info.SendQ, info.Error
	if sk.Owner == "" {
		sk.Owner = fmt.Sprintf("fd %d", info.FD)
	}
}

// snapshot describes a TCP control block: state, queues, windows,
// estimators and its armed timers.
func (p *TCPPCB) snapshot() snapshot.Socket {
	sk := snapshot.Socket{FD: -1, Proto: "tcp", Local: p.local, Remote: p.remote, State: p.state.String()}
	fillOwner(&sk, p.owner)
	i := p.Info()
	// A socket that owns the connection knows its queues best (the
	// core's receive count lags until the socket reports its reads);
	// without one, the core's counts stand.
	if p.owner == nil {
		sk.SendQ, sk.RecvQ = i.SendQueued, i.RecvQueued
	}
	if p.state != TCPListen && p.state != TCPClosed {
		sk.TCP = &snapshot.TCPSocket{
			SendWindow: i.SendWindow, RecvWindow: i.RecvWindow,
			Cwnd: i.Cwnd, Ssthresh: min(i.Ssthresh, 1<<30), MSS: i.MSS,
			SRTT: i.SRTT, RTTVar: i.RTTVar, RTO: i.RTO,
			Unsent: i.Unsent, OutOfOrder: i.OutOfOrder, Retransmits: i.Retransmits,
		}
	}
	for _, t := range [...]*Timer{p.rtoT, p.persistT, p.delackT, p.keepT, p.timeWaitT} {
		if t != nil && t.Armed() {
			sk.Timers = append(sk.Timers, t.name)
		}
	}
	return sk
}
