package core

import (
	"net/netip"

	"github.com/netlab/netlab/core/wire"
)

// tcpOOOMaxSegs bounds the out-of-order queue's length; its bytes are
// bounded by the receive buffer.
const tcpOOOMaxSegs = 256

// tcpSeg is the arriving segment being processed: its fields, trimmed to
// the window as processing goes on. One per core (c.segIn).
type tcpSeg struct {
	seq, ack uint32
	flags    uint8
	wnd      uint16
	data     []byte
	opts     wire.TCPOptions
}

func (s *tcpSeg) has(f uint8) bool { return s.flags&f != 0 }

// segLen is SEG.LEN: data plus one for each of SYN and FIN.
func (s *tcpSeg) segLen() uint32 {
	n := uint32(len(s.data))
	if s.has(wire.TCPSyn) {
		n++
	}
	if s.has(wire.TCPFin) {
		n++
	}
	return n
}

// tcpInput handles a TCP segment addressed to this stack (lwIP's
// tcp_input): validation, O(1) demultiplexing (the 4-tuple map, then the
// listeners), and an RST for segments no one wants. quiet marks a
// segment sent to a broadcast address, which TCP drops (RFC 9293
// §3.9.1 "SEND" is unicast only; RFC 1122 §4.2.3.10).
func (c *Core) tcpInput(ip wire.IPv4, quiet bool) {
	c.count(cntTCPIn)
	seg := wire.TCP(ip.Payload())
	if seg.Validate(ip.Src(), ip.Dst()) != nil {
		c.count(cntTCPBad)
		return
	}
	if quiet {
		c.count(cntTCPBad)
		return
	}
	s := &c.segIn
	if seg.HeaderLen() > wire.TCPMinHeaderLen {
		if wire.ParseTCPOptions(seg.Options(), &s.opts) != nil {
			c.count(cntTCPBad)
			return
		}
	} else {
		s.opts = wire.TCPOptions{}
	}
	s.seq, s.ack, s.flags, s.wnd, s.data = seg.Seq(), seg.Ack(), seg.Flags(), seg.Window(), seg.Payload()
	k := tcpKey{la: ip.Dst().As4(), ra: ip.Src().As4(), lp: seg.DstPort(), rp: seg.SrcPort()}
	if p := c.lookupConn(k); p != nil {
		c.tcpProcess(p, s)
		s.data = nil
		return
	}
	src := netip.AddrPortFrom(ip.Src(), seg.SrcPort())
	dst := netip.AddrPortFrom(ip.Dst(), seg.DstPort())
	if l := c.lookupListener(dst); l != nil {
		switch {
		case s.has(wire.TCPRst):
			return // RFC 9293 §3.10.7.2: an RST to a listener is ignored
		case s.has(wire.TCPAck):
			// fall through to the RST below
		case s.has(wire.TCPSyn):
			c.listenInput(l, src, dst, s)
			s.data = nil
			return
		default:
			return
		}
	}
	s.data = nil
	c.count(cntTCPNoPort)
	c.tcpReset(src, dst, seg)
}

// listenInput handles a SYN on listener l (RFC 9293 §3.10.7.2): a child
// control block in SYN-RECEIVED answers with a SYN-ACK, unless the SYN
// queue or the accept queue is full, when the SYN is dropped and the
// peer will retransmit it (as Linux does without SYN cookies).
func (c *Core) listenInput(l *TCPPCB, src, dst netip.AddrPort, s *tcpSeg) {
	if l.synQueue >= l.backlog || l.acceptQueue >= l.backlog {
		c.count(cntTCPListenDrops)
		return
	}
	path, err := c.selectPath(src.Addr(), dst.Addr(), nil, false)
	if err != nil {
		return
	}
	p := &TCPPCB{h: l.h, owner: l.owner, listener: l, child: true, reuse: l.reuse}
	c.initPCB(p)
	p.sndBufSize, p.rcvBufSize, p.nodelay = l.sndBufSize, l.rcvBufSize, l.nodelay
	p.keepOn, p.keepIdle, p.keepIntvl, p.keepCnt = l.keepOn, l.keepIdle, l.keepIntvl, l.keepCnt
	p.local, p.remote = dst, src
	p.label = dst.String() + " > " + src.String()
	c.tcp.uses[dst.Port()]++
	c.tcp.conns[keyOf(dst, src)] = p
	p.inConns = true
	c.tcp.link(p)
	c.initSend(p, path.netif.mtu)
	p.irs, p.rcvNxt = s.seq, s.seq+1
	p.rcvAdv = p.rcvNxt
	p.synOptsPeer = s.opts
	if s.opts.HasWindowScale {
		p.rcvShift = windowShift(p.rcvBufSize)
	}
	c.applySynOptions(p, &s.opts)
	p.sndWnd, p.sndWl1, p.sndWl2 = int(s.wnd), s.seq, p.iss
	p.maxSndWnd = p.sndWnd
	p.lastRecv = c.now
	l.synQueue++
	c.count(cntTCPPassiveOpens)
	c.setState(p, TCPSynReceived)
	c.sendSyn(p)
}

// applySynOptions takes the peer's MSS (536 when absent, RFC 9293
// §3.7.1) and window scale (both sides must send it, RFC 7323 §2.2) and
// sets the initial congestion window (RFC 6928: min(10·MSS,
// max(2·MSS, 14600))).
func (c *Core) applySynOptions(p *TCPPCB, o *wire.TCPOptions) {
	peer := 536
	if o.MSS != 0 {
		peer = int(o.MSS)
	}
	p.mss = max(min(peer, p.advMSS), 64)
	if o.HasWindowScale {
		p.sndShift = min(o.WindowScale, wire.TCPMaxWindowShift)
	} else {
		p.sndShift, p.rcvShift = 0, 0
	}
	p.cwnd = min(10*p.mss, max(2*p.mss, 14600))
}

// acceptable is RFC 9293 §3.10.7.4's test of a segment's sequence
// number against the receive window.
func acceptable(seq, segLen, rcvNxt, wnd uint32) bool {
	inWnd := func(x uint32) bool { return seqLEQ(rcvNxt, x) && seqLT(x, rcvNxt+wnd) }
	switch {
	case segLen == 0 && wnd == 0:
		return seq == rcvNxt
	case segLen == 0:
		return inWnd(seq)
	case wnd == 0:
		return false
	}
	return inWnd(seq) || inWnd(seq+segLen-1)
}

// tcpProcess runs the segment arrival events of RFC 9293 §3.10.7 for a
// connection (lwIP's tcp_process and tcp_receive).
func (c *Core) tcpProcess(p *TCPPCB, s *tcpSeg) {
	if p.state == TCPSynSent {
		c.synSentInput(p, s)
		return
	}
	p.lastRecv = c.now
	p.keepProbes = 0
	if p.state == TCPSynReceived && s.has(wire.TCPSyn) && s.seq == p.irs && !s.has(wire.TCPRst) {
		if !s.has(wire.TCPAck) {
			c.sendSyn(p) // the peer retransmitted its SYN: so do we
			return
		}
		// A SYN-ACK in a simultaneous open: its SYN is the one we have.
		s.seq++
		s.flags &^= wire.TCPSyn
	}

	// First: the sequence number.
	wnd := p.rcvAdv - p.rcvNxt
	segLen := s.segLen()
	finAtEdge := s.has(wire.TCPFin) && len(s.data) == 0 && s.seq == p.rcvNxt
	if !acceptable(s.seq, segLen, p.rcvNxt, wnd) && !finAtEdge {
		c.count(cntTCPOutOfWindow)
		if !s.has(wire.TCPRst) {
			c.sendAck(p)
		}
		return
	}

	// Second: RST (RFC 5961 §3.2: only an exact match resets; any other
	// in-window RST earns a challenge ACK).
	if s.has(wire.TCPRst) {
		if s.seq != p.rcvNxt {
			c.challengeAck(p)
			return
		}
		c.count(cntTCPRstIn)
		switch {
		case p.state == TCPSynReceived && !p.active:
			c.tcpDrop(p, nil, true) // back to LISTEN: the listener stays
		case p.state == TCPSynReceived:
			c.tcpDrop(p, ErrConnRefused, false)
		case p.state == TCPClosing || p.state == TCPLastAck || p.state == TCPTimeWait:
			c.tcpDrop(p, nil, true)
		default:
			c.tcpDrop(p, ErrConnReset, false)
		}
		return
	}

	// Fourth: SYN in a synchronized state (RFC 5961 §4.2).
	if s.has(wire.TCPSyn) {
		c.challengeAck(p)
		return
	}

	// Fifth: ACK.
	if !s.has(wire.TCPAck) {
		return
	}
	established := false
	if p.state == TCPSynReceived {
		if !seqGT(s.ack, p.sndUna) || seqGT(s.ack, p.sndMax) {
			c.sendRstFor(p, s.ack)
			return
		}
		if !c.establish(p) {
			return
		}
		established = true
	}
	if seqGT(s.ack, p.sndMax) {
		c.sendAck(p) // acknowledges something not yet sent
		return
	}
	if seqLT(s.ack, p.sndUna-uint32(p.maxSndWnd)) {
		c.challengeAck(p) // RFC 5961 §5.2: too old to be true
		return
	}
	c.processAck(p, s)
	if p.state == TCPClosed {
		return
	}
	if p.finAcked() {
		switch p.state {
		case TCPFinWait1:
			c.setState(p, TCPFinWait2)
			if p.appClosed {
				// An orphan does not wait for ever for the peer's FIN
				// (Linux's tcp_fin_timeout, here 2·MSL).
				c.timeWaitArm(p)
			}
		case TCPClosing:
			c.enterTimeWait(p)
		case TCPLastAck:
			c.tcpDrop(p, nil, true)
			return
		}
	}
	if established {
		if p.active {
			if p.h != nil {
				p.h.TCPConnected(c, p)
			}
		} else if l := p.listener; l.h != nil {
			l.h.TCPAccepted(c, l, p)
		}
		if p.state == TCPClosed {
			return
		}
		c.keepaliveArm(p)
	}

	// Seventh: the segment's data.
	fin := s.has(wire.TCPFin)
	if len(s.data) > 0 || fin {
		switch p.state {
		case TCPEstablished, TCPFinWait1, TCPFinWait2:
			if !c.receive(p, s) {
				return
			}
		case TCPTimeWait:
			if fin && s.seq+uint32(len(s.data)) == p.rcvNxt-1 {
				// The peer retransmitted its FIN: ACK it, restart 2·MSL.
				c.timeWaitArm(p)
				p.ackNeeded = true
				c.sendAck(p)
			}
			return
		}
	}
	c.tcpOutput(p)
	if p.ackNeeded && p.state != TCPClosed {
		if p.rcvUnacked == 0 || p.rcvUnacked >= 2*p.mss || len(p.ooo) > 0 {
			c.sendAck(p)
		} else {
			c.delackArm(p)
		}
	}
}

// sendRstFor answers an unacceptable ACK in SYN-RECEIVED: <SEQ=SEG.ACK>
// <CTL=RST> (RFC 9293 §3.10.7.4).
func (c *Core) sendRstFor(p *TCPPCB, ack uint32) {
	c.count(cntTCPRstOut)
	c.sendSegment(p, ack, wire.TCPRst, 0, 0, nil)
}

// establish completes a handshake in SYN-RECEIVED. A child whose
// listener has gone is reset; one whose listener's accept queue is full
// stays in SYN-RECEIVED, the ACK ignored, so the SYN-ACK is sent again
// later (as Linux does).
func (c *Core) establish(p *TCPPCB) bool {
	if l := p.listener; l != nil && !p.active {
		if l.state != TCPListen {
			c.sendRst(p, p.sndMax)
			c.tcpDrop(p, nil, true)
			return false
		}
		if l.acceptQueue >= l.backlog {
			c.count(cntTCPListenDrops)
			return false
		}
		l.synQueue--
		l.acceptQueue++
	}
	p.retries = 0
	c.setState(p, TCPEstablished)
	return true
}

// synSentInput handles a segment in SYN-SENT (RFC 9293 §3.10.7.3).
func (c *Core) synSentInput(p *TCPPCB, s *tcpSeg) {
	if s.has(wire.TCPAck) && (seqLEQ(s.ack, p.iss) || seqGT(s.ack, p.sndMax)) {
		if !s.has(wire.TCPRst) {
			c.sendRstFor(p, s.ack)
		}
		return
	}
	if s.has(wire.TCPRst) {
		if s.has(wire.TCPAck) { // RFC 5961 §3.2: only if it acks our SYN
			c.count(cntTCPRstIn)
			c.tcpDrop(p, ErrConnRefused, false)
		}
		return
	}
	if !s.has(wire.TCPSyn) {
		return
	}
	p.lastRecv = c.now
	p.irs, p.rcvNxt = s.seq, s.seq+1
	p.rcvAdv = p.rcvNxt
	p.synOptsPeer = s.opts
	c.applySynOptions(p, &s.opts)
	p.sndWnd, p.sndWl1, p.sndWl2 = int(s.wnd), s.seq, s.ack
	p.maxSndWnd = p.sndWnd
	if !s.has(wire.TCPAck) {
		// Simultaneous open (RFC 9293 §3.5, figure 8).
		c.setState(p, TCPSynReceived)
		c.sendSyn(p)
		return
	}
	c.ackAdvance(p, s.ack)
	c.setState(p, TCPEstablished)
	p.ackNeeded = true
	if p.h != nil {
		p.h.TCPConnected(c, p)
	}
	if p.state == TCPClosed {
		return
	}
	c.keepaliveArm(p)
	c.tcpOutput(p) // data written while connecting, with the ACK
	if p.ackNeeded && p.state != TCPClosed {
		c.sendAck(p)
	}
}

// processAck handles the acknowledgment field and window of a segment in
// a synchronized state: new data acknowledged, duplicate ACKs and fast
// retransmit with NewReno (RFC 5681 §3.2, RFC 6582), window updates
// (RFC 9293 §3.10.7.4).
func (c *Core) processAck(p *TCPPCB, s *tcpSeg) {
	newWnd := int(s.wnd) << p.sndShift
	switch {
	case seqGT(s.ack, p.sndUna):
		c.ackAdvance(p, s.ack)
		if p.state == TCPClosed {
			return
		}
	case s.ack == p.sndUna && len(s.data) == 0 && !s.has(wire.TCPFin) && newWnd == p.sndWnd && p.sndMax != p.sndUna:
		c.dupAck(p, s.ack)
	}
	// The window is relative to the segment's ACK: only one in [SND.UNA,
	// SND.NXT] may move it (ackAdvance has made SND.UNA a new ACK's).
	if seqLT(s.ack, p.sndUna) {
		return
	}
	if seqLT(p.sndWl1, s.seq) || (p.sndWl1 == s.seq && seqLEQ(p.sndWl2, s.ack)) {
		p.sndWnd, p.sndWl1, p.sndWl2 = newWnd, s.seq, s.ack
		p.maxSndWnd = max(p.maxSndWnd, newWnd)
	}
}

// ackAdvance takes an ACK of new data up to ack: the buffer frees, the
// RTT is sampled, the congestion window grows (or NewReno's recovery
// goes on), and the handler hears how much buffer was freed.
func (c *Core) ackAdvance(p *TCPPCB, ack uint32) {
	acked := int(ack - p.sndUna)
	if p.sndUna == p.iss {
		acked-- // the SYN: the initial window is the one after the handshake (RFC 5681 §3.1)
	}
	freed := 0
	if seqGT(ack, p.bufSeq) {
		freed = min(int(ack-p.bufSeq), p.sndLen)
		p.bufConsume(freed)
	}
	p.sndUna = ack
	if seqLT(p.sndNxt, ack) {
		p.sndNxt = ack
	}
	if p.timing && seqGEQ(ack, p.rttSeq) {
		p.timing = false
		c.rttSample(p, c.now-p.rttStart)
	}
	// An ACK of new data collapses the backoff even without a sample
	// (Karn's rule still keeps retransmissions out of SRTT and RTTVAR).
	// RFC 6298 §5 keeps the backed-off RTO until a new sample, but
	// without timestamps a go-back-N recovery after a timeout retransmits
	// everything up to SND.MAX first, and under steady loss the RTO then
	// climbs to MaxRTO and stays there.
	p.retries = 0
	p.persistShift = 0
	c.rtoReset(p)
	p.softErr = nil // progress: an earlier ICMP error no longer explains anything
	if p.state.synchronized() && acked > 0 {
		c.congestionAck(p, ack, acked)
	}
	p.dupAcks = 0
	if p.sndUna == p.sndMax {
		if p.rtoT != nil {
			c.StopTimer(p.rtoT)
		}
	} else {
		c.rtoArm(p)
	}
	if freed > 0 && p.h != nil {
		p.h.TCPSent(c, p, freed)
	}
}

// congestionAck grows cwnd for acked new bytes: slow start by at most one
// MSS per ACK, congestion avoidance by one MSS per window (RFC 5681
// §3.1), or NewReno's full and partial ACKs in recovery (RFC 6582 §3.2).
func (c *Core) congestionAck(p *TCPPCB, ack uint32, acked int) {
	if p.inRecovery {
		if seqGEQ(ack, p.recover) {
			p.inRecovery = false
			// RFC 6582 §3.2 step 3, full ACK: min(ssthresh,
			// max(FlightSize, SMSS) + SMSS).
			p.cwnd = min(p.ssthresh, max(int(p.sndMax-p.sndUna), p.mss)+p.mss)
		} else {
			c.retransmitHead(p)
			p.cwnd = max(p.cwnd-acked, 0)
			if acked >= p.mss {
				p.cwnd += p.mss
			}
			p.cwnd = max(p.cwnd, p.mss)
		}
		return
	}
	if p.cwnd < p.ssthresh {
		p.cwnd += min(acked, p.mss)
	} else {
		p.caAcked += acked
		if p.caAcked >= p.cwnd {
			p.caAcked -= p.cwnd
			p.cwnd += p.mss
		}
	}
	p.cwnd = min(p.cwnd, 1<<30)
}

// dupAck counts a duplicate ACK; the third starts fast retransmit and
// NewReno fast recovery, later ones inflate cwnd (RFC 5681 §3.2, RFC 6582
// §3.2).
func (c *Core) dupAck(p *TCPPCB, ack uint32) {
	p.dupAcks++
	if p.inRecovery {
		p.cwnd += p.mss
		return
	}
	if p.dupAcks != 3 || !seqGT(ack, p.recover) {
		return
	}
	p.ssthresh = max(int(p.sndMax-p.sndUna)/2, 2*p.mss)
	p.recover = p.sndMax
	p.inRecovery = true
	c.count(cntTCPFastRetransmits)
	c.retransmitHead(p)
	p.cwnd = p.ssthresh + 3*p.mss
}

// receive takes a segment's data and FIN in ESTABLISHED or FIN-WAIT
// (RFC 9293 §3.10.7.4, seventh and eighth): trimmed to the window,
// delivered in order, or queued out of order. It reports whether p is
// still open.
func (c *Core) receive(p *TCPPCB, s *tcpSeg) bool {
	fin := s.has(wire.TCPFin)
	data := s.data
	seq := s.seq
	if seqLT(seq, p.rcvNxt) {
		cut := int(p.rcvNxt - seq)
		if cut > len(data) {
			cut, fin = len(data), false // the FIN is old too
		}
		data, seq = data[cut:], p.rcvNxt
	}
	if right := p.rcvAdv; seqGT(seq+uint32(len(data)), right) {
		data = data[:max(int(int32(right-seq)), 0)]
		fin = fin && seq == p.rcvNxt && len(data) == 0 && len(s.data) == 0
	}
	if seq != p.rcvNxt {
		c.oooInsert(p, seq, data, fin)
		p.ackNeeded = true
		p.rcvUnacked = 0 // a duplicate ACK at once (RFC 5681 §4.2)
		return true
	}
	hadOOO := len(p.ooo) > 0
	if len(data) > 0 {
		p.rcvNxt += uint32(len(data))
		p.rcvUnacked += len(data)
		p.ackNeeded = true
		if !c.deliver(p, data) {
			return false
		}
	}
	if hadOOO {
		f, ok := c.drainOOO(p)
		if !ok {
			return false
		}
		fin = fin || f
		p.rcvUnacked = 0 // filling a hole is acknowledged at once
	}
	if fin {
		return c.finReceived(p)
	}
	return true
}

// deliver hands in-order data to the handler, or drops it after the
// read half was shut (TCPShutdown(read)); data for an application that
// closed resets the connection (RFC 1122 §4.2.2.13).
func (c *Core) deliver(p *TCPPCB, data []byte) bool {
	if p.appClosed {
		c.count(cntTCPUnreadResets)
		c.sendRst(p, p.sndMax)
		c.tcpDrop(p, nil, true)
		return false
	}
	if p.rdShut || p.h == nil {
		return true
	}
	p.rcvUnread += len(data)
	p.h.TCPReceived(c, p, data)
	return p.state != TCPClosed
}

// oooInsert keeps a copy of an out-of-order segment, sorted by sequence
// number, within the budget: the receive buffer's bytes and
// tcpOOOMaxSegs segments. Segments wholly covered by one already held
// are dropped.
func (c *Core) oooInsert(p *TCPPCB, seq uint32, data []byte, fin bool) {
	if len(data) == 0 && !fin {
		return
	}
	end := seq + uint32(len(data))
	i := 0
	for ; i < len(p.ooo); i++ {
		o := &p.ooo[i]
		oend := o.seq + uint32(len(o.data))
		if seqLEQ(o.seq, seq) && seqGEQ(oend, end) && (o.fin || !fin) {
			c.count(cntTCPOOODups)
			return
		}
		if seqGT(o.seq, seq) {
			break
		}
	}
	if p.oooBytes+len(data) > p.rcvBufSize || len(p.ooo) >= tcpOOOMaxSegs {
		c.count(cntTCPOOODrops)
		return
	}
	c.count(cntTCPOOOQueued)
	p.ooo = append(p.ooo, tcpOOOSeg{})
	copy(p.ooo[i+1:], p.ooo[i:])
	p.ooo[i] = tcpOOOSeg{seq: seq, data: append([]byte(nil), data...), fin: fin}
	p.oooBytes += len(data)
}

// drainOOO delivers the queued segments that became in order. It
// reports whether a FIN was reached and whether p is still open.
func (c *Core) drainOOO(p *TCPPCB) (fin, ok bool) {
	for len(p.ooo) > 0 && seqLEQ(p.ooo[0].seq, p.rcvNxt) {
		o := p.ooo[0]
		p.ooo[0] = tcpOOOSeg{}
		p.ooo = p.ooo[1:]
		p.oooBytes -= len(o.data)
		end := o.seq + uint32(len(o.data))
		if seqGT(end, p.rcvNxt) {
			d := o.data[p.rcvNxt-o.seq:]
			p.rcvNxt = end
			if !c.deliver(p, d) {
				return false, false
			}
		}
		if o.fin && end == p.rcvNxt {
			fin = true
			break
		}
	}
	if len(p.ooo) == 0 {
		p.ooo = nil
	}
	return fin, true
}

// finReceived takes the peer's FIN, in order (RFC 9293 §3.10.7.4,
// eighth).
func (c *Core) finReceived(p *TCPPCB) bool {
	p.rcvNxt++
	p.ackNeeded = true
	p.rcvUnacked = 0
	// Out-of-order data past a FIN cannot be: drop it.
	p.ooo, p.oooBytes = nil, 0
	switch p.state {
	case TCPSynReceived, TCPEstablished:
		c.setState(p, TCPCloseWait)
	case TCPFinWait1:
		if p.finAcked() {
			c.enterTimeWait(p)
		} else {
			c.setState(p, TCPClosing)
		}
	case TCPFinWait2:
		c.enterTimeWait(p)
	}
	if p.h != nil {
		p.h.TCPPeerClosed(c, p)
	}
	return p.state != TCPClosed
}
