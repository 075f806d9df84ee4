package core

import "time"

// A connection's timers are named timers of the core, made on first use
// and named after the connection so that the TUI's Timers panel and
// snapshots show them: "tcp rto 10.0.0.2:80", "tcp persist ...",
// "tcp delack ...", "tcp keepalive ...", "tcp time-wait ...", owned by the
// connection's local address.

func (c *Core) tcpTimer(p *TCPPCB, t **Timer, kind string, fn func(c *Core, p *TCPPCB)) *Timer {
	if *t == nil {
		*t = c.NewTimer("tcp "+kind+" "+p.remote.String(), p.local.String(), func(c *Core) { fn(c, p) })
		(*t).socket = p
	}
	return *t
}

// rttSample updates SRTT and RTTVAR with a measurement r and computes the
// RTO from them (RFC 6298 §2.2, §2.3), bounded by MinRTO and MaxRTO.
func (c *Core) rttSample(p *TCPPCB, r time.Duration) {
	if !p.rttValid {
		p.srtt, p.rttvar, p.rttValid = r, r/2, true
	} else {
		d := p.srtt - r
		if d < 0 {
			d = -d
		}
		p.rttvar = (3*p.rttvar + d) / 4
		p.srtt = (7*p.srtt + r) / 8
	}
	c.rtoReset(p)
}

// rtoReset sets the RTO from the estimators, dropping any backoff
// (RFC 6298 §2.3; after a new sample, and on any ACK of new data), or to
// the initial RTO before the first sample.
func (c *Core) rtoReset(p *TCPPCB) {
	cfg := &c.tcp.cfg
	if !p.rttValid {
		p.rto = cfg.InitialRTO
		return
	}
	p.rto = min(max(p.srtt+max(time.Millisecond, 4*p.rttvar), cfg.MinRTO), cfg.MaxRTO)
}

// rtoArm (re)starts the retransmission timer to fire after the RTO
// (RFC 6298 §5.1, §5.3).
func (c *Core) rtoArm(p *TCPPCB) {
	c.ResetTimer(c.tcpTimer(p, &p.rtoT, "rto", (*Core).rtoFire), c.now+p.rto)
}

// rtoFire is the retransmission timeout (RFC 6298 §5.4-5.6): the RTO
// doubles (up to MaxRTO), the SYN or the first unacknowledged segment
// goes again, and the congestion window falls to one segment (RFC 5681
// §3.1, go-back-N from sndUna). Too many tries abort with ErrTimedOut.
func (c *Core) rtoFire(p *TCPPCB) {
	cfg := &c.tcp.cfg
	p.retries++
	p.rto = min(p.rto*2, cfg.MaxRTO)
	p.timing = false
	switch p.state {
	case TCPSynSent, TCPSynReceived:
		limit := cfg.SynRetries
		if p.state == TCPSynReceived && !p.active {
			limit = cfg.SynAckRetries
		}
		if p.retries > limit {
			c.count(cntTCPTimeouts)
			c.tcpDrop(p, p.timeoutErr(), p.state == TCPSynReceived && !p.active)
			return
		}
		p.retransmits++
		c.count(cntTCPRetransmits)
		c.sendSyn(p)
		return
	}
	if p.sndUna == p.sndMax || !p.state.canSend() {
		return
	}
	if p.retries > cfg.MaxRetries {
		c.count(cntTCPTimeouts)
		c.tcpDrop(p, p.timeoutErr(), false)
		return
	}
	p.ssthresh = max(int(p.sndMax-p.sndUna)/2, 2*p.mss)
	p.cwnd = p.mss
	p.caAcked = 0
	p.inRecovery = false
	p.recover = p.sndMax
	p.dupAcks = 0
	p.sndNxt = p.sndUna
	c.count(cntTCPRTOs)
	c.tcpOutput(p)
	if p.state != TCPClosed && p.sndNxt != p.sndUna {
		c.rtoArm(p)
	}
}

// timeoutErr is the error of a connection that gave up retransmitting:
// the last soft error if an ICMP message (or a failed ARP resolution)
// explained the silence, else ErrTimedOut (RFC 1122 §4.2.3.9: soft
// errors are made available to the application; Linux's tcp_write_err
// reports sk_err_soft the same way).
func (p *TCPPCB) timeoutErr() error {
	if p.softErr != nil {
		return p.softErr
	}
	return ErrTimedOut
}

// persistArm starts the persist timer when data waits for the peer's
// window to open (RFC 9293 §3.8.6.1), backing off like the RTO.
func (c *Core) persistArm(p *TCPPCB) {
	t := c.tcpTimer(p, &p.persistT, "persist", (*Core).persistFire)
	if t.Armed() {
		return
	}
	d := min(max(p.rto, c.tcp.cfg.MinRTO)<<p.persistShift, c.tcp.cfg.MaxRTO)
	c.ResetTimer(t, c.now+d)
}

func (c *Core) persistStop(p *TCPPCB) {
	if p.persistT != nil {
		c.StopTimer(p.persistT)
	}
}

// persistFire probes a zero window (RFC 1122 §4.2.2.17: the peer must
// answer with its window, however long it stays closed), or sends what a
// small window allows when SWS avoidance held it back.
func (c *Core) persistFire(p *TCPPCB) {
	if !p.state.canSend() || p.unsent() == 0 || p.sndNxt != p.sndUna {
		return
	}
	if p.sndWnd == 0 {
		c.count(cntTCPWindowProbes)
		c.sendProbe(p)
		if p.persistShift < 16 {
			p.persistShift++
		}
		c.persistArm(p)
		return
	}
	c.output(p, true)
}

// delackArm starts the delayed-ACK timer (RFC 1122 §4.2.3.2; RFC 5681
// §4.2), unless it runs already.
func (c *Core) delackArm(p *TCPPCB) {
	t := c.tcpTimer(p, &p.delackT, "delack", (*Core).delackFire)
	if !t.Armed() {
		c.ResetTimer(t, c.now+c.tcp.cfg.DelayedACK)
	}
}

func (c *Core) delackFire(p *TCPPCB) {
	if p.ackNeeded && p.state != TCPClosed {
		c.count(cntTCPDelayedAcks)
		c.sendAck(p)
	}
}

// keepaliveArm schedules the next keepalive check of a connection with
// SO_KEEPALIVE on.
func (c *Core) keepaliveArm(p *TCPPCB) {
	if !p.keepOn || !p.state.synchronized() || p.state == TCPTimeWait {
		if p.keepT != nil {
			c.StopTimer(p.keepT)
		}
		return
	}
	c.ResetTimer(c.tcpTimer(p, &p.keepT, "keepalive", (*Core).keepaliveFire), max(p.lastRecv+p.keepIdle, c.now))
}

// keepaliveFire sends a keepalive probe after keepIdle without a segment
// from the peer, then one every keepIntvl; keepCnt unanswered probes
// abort with ErrTimedOut (RFC 1122 §4.2.3.6). A connection with data in
// flight leaves it to the retransmission timer.
func (c *Core) keepaliveFire(p *TCPPCB) {
	if !p.keepOn || !p.state.synchronized() || p.state == TCPTimeWait {
		return
	}
	t := p.keepT
	if c.now < p.lastRecv+p.keepIdle && p.keepProbes == 0 {
		c.ResetTimer(t, p.lastRecv+p.keepIdle)
		return
	}
	if p.sndMax != p.sndUna || p.unsent() > 0 {
		c.ResetTimer(t, c.now+p.keepIdle)
		return
	}
	if p.keepProbes >= p.keepCnt {
		c.count(cntTCPTimeouts)
		c.tcpDrop(p, p.timeoutErr(), false)
		return
	}
	p.keepProbes++
	c.count(cntTCPKeepalives)
	c.sendProbe(p)
	c.ResetTimer(t, c.now+p.keepIntvl)
}

// enterTimeWait moves p to TIME-WAIT for 2·MSL (RFC 9293 §3.6.1).
func (c *Core) enterTimeWait(p *TCPPCB) {
	c.setState(p, TCPTimeWait)
	for _, t := range [...]*Timer{p.rtoT, p.persistT, p.keepT} {
		if t != nil {
			c.StopTimer(t)
		}
	}
	p.sndBuf = nil
	c.timeWaitArm(p)
}

func (c *Core) timeWaitArm(p *TCPPCB) {
	c.ResetTimer(c.tcpTimer(p, &p.timeWaitT, "time-wait", (*Core).timeWaitFire), c.now+2*c.tcp.cfg.MSL)
}

// timeWaitFire ends TIME-WAIT, or an orphaned FIN-WAIT-2.
func (c *Core) timeWaitFire(p *TCPPCB) {
	if p.state == TCPTimeWait || p.state == TCPFinWait2 {
		c.tcpDrop(p, nil, true)
	}
}
