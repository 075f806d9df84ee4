package core

import (
	"net/netip"

	"github.com/netlab/netlab/core/wire"
)

// Sequence number arithmetic modulo 2^32 (RFC 9293 §3.4, RFC 1982):
// a is before b when the signed 32-bit distance from b to a is negative,
// which holds across the wrap as long as the numbers compared are less
// than 2^31 apart (windows are at most 2^30, RFC 7323 §2.3).
func seqLT(a, b uint32) bool  { return int32(a-b) < 0 }
func seqLEQ(a, b uint32) bool { return int32(a-b) <= 0 }
func seqGT(a, b uint32) bool  { return int32(a-b) > 0 }
func seqGEQ(a, b uint32) bool { return int32(a-b) >= 0 }

// The send buffer is a ring of bytes from sequence number bufSeq on.

// bufAppend copies data to the end of the ring, growing it (up to
// sndBufSize, which the caller checked) as needed.
func (p *TCPPCB) bufAppend(data []byte) {
	need := p.sndLen + len(data)
	if need > len(p.sndBuf) {
		size := max(len(p.sndBuf)*2, 16<<10, need)
		size = min(size, max(p.sndBufSize, need))
		nb := make([]byte, size)
		p.bufCopy(nb, 0, p.sndLen)
		p.sndBuf, p.sndHead = nb, 0
	}
	tail := (p.sndHead + p.sndLen) % len(p.sndBuf)
	n := copy(p.sndBuf[tail:], data)
	copy(p.sndBuf, data[n:])
	p.sndLen += len(data)
}

// bufCopy copies n bytes starting off bytes past the ring's head to dst.
func (p *TCPPCB) bufCopy(dst []byte, off, n int) {
	if n == 0 {
		return
	}
	start := (p.sndHead + off) % len(p.sndBuf)
	k := copy(dst[:n], p.sndBuf[start:])
	copy(dst[k:n], p.sndBuf)
}

// bufConsume drops n acknowledged bytes from the head of the ring.
func (p *TCPPCB) bufConsume(n int) {
	p.sndLen -= n
	p.bufSeq += uint32(n)
	if p.sndLen == 0 {
		p.sndHead = 0
	} else {
		p.sndHead = (p.sndHead + n) % len(p.sndBuf)
	}
}

// sentOff returns how many bytes of the buffer have been sent (from
// sndNxt's point of view: after a timeout it goes back).
func (p *TCPPCB) sentOff() int {
	d := int32(p.sndNxt - p.bufSeq)
	if d < 0 {
		return 0
	}
	return min(int(d), p.sndLen)
}

func (p *TCPPCB) unsent() int { return p.sndLen - p.sentOff() }

// finSeq is the sequence number of our FIN (after the buffered data).
func (p *TCPPCB) finSeq() uint32 { return p.bufSeq + uint32(p.sndLen) }

// finSent reports whether sndNxt is past our FIN.
func (p *TCPPCB) finSent() bool { return p.finQueued && seqGT(p.sndNxt, p.finSeq()) }

// finAcked reports whether the peer acknowledged our FIN.
func (p *TCPPCB) finAcked() bool { return p.finQueued && seqGT(p.sndUna, p.finSeq()) }

// canSend reports whether p's state lets it send data or a FIN.
func (s TCPState) canSend() bool {
	switch s {
	case TCPEstablished, TCPCloseWait, TCPFinWait1, TCPClosing, TCPLastAck:
		return true
	}
	return false
}

// tcpOutput sends what the windows allow (lwIP's tcp_output): segments of
// at most one MSS from sndNxt on, within min(cwnd, the peer's window),
// holding back small segments while data is in flight (Nagle, RFC 1122
// §4.2.3.4, unless TCP_NODELAY) and small window-limited ones (sender SWS
// avoidance, ibid.), then the FIN. It arms the retransmission timer for
// what is in flight, or the persist timer when data waits for a window.
func (c *Core) tcpOutput(p *TCPPCB) { c.output(p, false) }

// output is tcpOutput; force sends a window-limited segment that SWS
// avoidance holds back (the persist timer's override, RFC 1122
// §4.2.3.4 (d)).
func (c *Core) output(p *TCPPCB, force bool) {
	if !p.state.canSend() {
		return
	}
	for {
		off := p.sentOff()
		unsent := p.sndLen - off
		flight := int(p.sndNxt - p.sndUna)
		usable := min(p.sndWnd, p.cwnd) - flight
		n := min(p.mss, unsent, max(usable, 0))
		fin := p.finQueued && !p.finSent() && n == unsent
		if n == 0 && !fin {
			break
		}
		if n > 0 && n < p.mss && !fin && !force {
			idle := flight == 0 || p.nodelay
			if !idle || (n < unsent && n < p.maxSndWnd/2) {
				break
			}
		}
		force = false
		flags := wire.TCPAck
		if n > 0 && n == unsent {
			flags |= wire.TCPPsh
		}
		if fin {
			flags |= wire.TCPFin
		}
		seq := p.sndNxt
		c.sendSegment(p, seq, flags, off, n, nil)
		end := seq + uint32(n)
		if fin {
			end++
		}
		if seqLT(seq, p.sndMax) {
			p.retransmits++
			c.count(cntTCPRetransmits)
			p.timing = false // Karn: never time a retransmission
		} else if !p.timing {
			p.timing, p.rttSeq, p.rttStart = true, end, c.now
		}
		p.sndNxt = end
		if seqGT(end, p.sndMax) {
			p.sndMax = end
		}
	}
	if p.sndNxt != p.sndUna {
		if p.rtoT == nil || !p.rtoT.Armed() {
			c.rtoArm(p)
		}
		c.persistStop(p)
	} else if p.unsent() > 0 {
		c.persistArm(p)
	}
}

// retransmitHead sends the first unacknowledged segment again (fast
// retransmit, NewReno's partial ACKs).
func (c *Core) retransmitHead(p *TCPPCB) {
	off := int(int32(p.sndUna - p.bufSeq))
	if off < 0 {
		return
	}
	n := min(p.mss, p.sndLen-off, int(p.sndMax-p.sndUna))
	fin := p.finQueued && seqGT(p.sndMax, p.finSeq()) && off+n == p.sndLen
	if n <= 0 && !fin {
		return
	}
	flags := wire.TCPAck
	if fin {
		flags |= wire.TCPFin
	}
	c.sendSegment(p, p.sndUna, flags, off, max(n, 0), nil)
	p.retransmits++
	p.timing = false
	c.count(cntTCPRetransmits)
}

// sendSyn sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with the MSS
// from the route's MTU and our window scale (RFC 9293 §3.7.1, RFC 7323
// §2.2), and arms the retransmission timer.
func (c *Core) sendSyn(p *TCPPCB) {
	var o wire.TCPOptions
	o.MSS = uint16(min(p.advMSS, 65535))
	flags := wire.TCPSyn
	if p.state == TCPSynSent {
		o.HasWindowScale, o.WindowScale = true, p.rcvShift
	} else {
		flags |= wire.TCPAck
		if p.synOptsPeer.HasWindowScale {
			o.HasWindowScale, o.WindowScale = true, p.rcvShift
		}
	}
	c.sendSegment(p, p.iss, flags, 0, 0, &o)
	if p.sndNxt == p.iss {
		p.sndNxt, p.sndMax = p.iss+1, p.iss+1
	}
	if p.retries == 0 && !p.timing {
		p.timing, p.rttSeq, p.rttStart = true, p.iss+1, c.now
	}
	c.rtoArm(p)
}

// sendAck sends an ACK with the current window. Its sequence number is
// SND.MAX, not SND.NXT: after a timeout SND.NXT goes back to SND.UNA
// (go-back-N), but the peer may hold everything up to SND.MAX, and an ACK
// below its RCV.NXT would be unacceptable to it (RFC 9293 §3.10.7.4) and
// dropped with its acknowledgment: two sides recovering at once would
// each discard the other's ACKs for ever.
func (c *Core) sendAck(p *TCPPCB) {
	c.sendSegment(p, p.sndMax, wire.TCPAck, 0, 0, nil)
}

// challengeAck answers a suspicious RST, SYN or ACK with an ACK
// (RFC 5961 §3.2, §4.2, §5.2), at most 1000 a second per stack (§7).
func (c *Core) challengeAck(p *TCPPCB) {
	if !c.tcp.challenge.take(c.now) {
		return
	}
	c.count(cntTCPChallengeAcks)
	c.sendAck(p)
}

// sendProbe sends a segment the peer must answer with an ACK: sequence
// number sndUna-1, no data (Linux's tcp_xmit_probe_skb), for zero-window
// probes and keepalives (RFC 1122 §4.2.2.17, §4.2.3.6).
func (c *Core) sendProbe(p *TCPPCB) {
	c.sendSegment(p, p.sndUna-1, wire.TCPAck, 0, 0, nil)
}

// sendRst resets p's peer: <SEQ=seq><CTL=RST,ACK> with our rcvNxt; seq
// is SND.MAX for a connection (see sendAck), so that the peer accepts it.
func (c *Core) sendRst(p *TCPPCB, seq uint32) {
	c.count(cntTCPRstOut)
	c.sendSegment(p, seq, wire.TCPRst|wire.TCPAck, 0, 0, nil)
}

// windowField returns the window to advertise (scaled for the header
// unless syn) and records its right edge in rcvAdv. The right edge never
// moves left (RFC 9293 §3.8.6), and moves right only by at least
// min(half the buffer, one MSS) (RFC 1122 §4.2.3.3, receiver SWS
// avoidance).
func (c *Core) windowField(p *TCPPCB, syn bool) uint16 {
	avail := max(p.rcvBufSize-p.rcvUnread-p.oooBytes, 0)
	edge := p.rcvNxt + uint32(avail)
	if seqLT(edge, p.rcvAdv) {
		edge = p.rcvAdv
	} else if grow := int(edge - p.rcvAdv); grow > 0 && grow < min(p.rcvBufSize/2, p.advMSS) {
		edge = p.rcvAdv
	}
	wnd := edge - p.rcvNxt
	if syn {
		f := min(wnd, 65535)
		if seqGT(p.rcvNxt+f, p.rcvAdv) {
			p.rcvAdv = p.rcvNxt + f
		}
		return uint16(f)
	}
	f := wnd >> p.rcvShift
	if seqLT(p.rcvNxt+f<<p.rcvShift, p.rcvAdv) {
		f = (wnd + 1<<p.rcvShift - 1) >> p.rcvShift // never shrink by rounding
	}
	f = min(f, 65535)
	if adv := p.rcvNxt + f<<p.rcvShift; seqGT(adv, p.rcvAdv) {
		p.rcvAdv = adv
	}
	return uint16(f)
}

// sendSegment builds a segment of p in the core's scratch buffer: seq,
// flags, n bytes of the send buffer from off, options, and (with ACK) our
// rcvNxt and window; then sends it. Routing failures are left to the
// retransmission timer.
func (c *Core) sendSegment(p *TCPPCB, seq uint32, flags uint8, off, n int, opts *wire.TCPOptions) {
	path, err := c.selectPath(p.remote.Addr(), p.local.Addr(), nil, false)
	if err != nil {
		c.count(cntTCPOutErrors)
		return
	}
	h := &c.tcpHdr
	*h = wire.TCPHeader{SrcPort: p.local.Port(), DstPort: p.remote.Port(), Seq: seq, Flags: flags}
	if opts != nil {
		h.Options = *opts
	}
	if flags&wire.TCPAck != 0 {
		h.Ack = p.rcvNxt
		if flags&wire.TCPRst == 0 {
			h.Window = c.windowField(p, flags&wire.TCPSyn != 0)
		}
		p.ackNeeded = false
		p.rcvUnacked = 0
		if p.delackT != nil && p.delackT.Armed() {
			c.StopTimer(p.delackT)
		}
	} else if flags&wire.TCPSyn != 0 {
		h.Window = uint16(min(p.rcvBufSize, 65535))
	}
	b := c.scratch[transportOff:]
	hl := h.Marshal(b)
	p.bufCopy(b[hl:], off, n)
	seg := b[:hl+n]
	wire.SetTCPChecksum(seg, path.src, p.remote.Addr())
	if c.ipSend(path, p.remote.Addr(), wire.ProtoTCP, DefaultTTL, false, len(seg)) == nil {
		c.count(cntTCPOut)
	}
}

// tcpReset answers a segment that belongs to no connection (RFC 9293
// §3.10.7.1): <SEQ=SEG.ACK><CTL=RST> if it had ACK, else
// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never an RST for an RST.
func (c *Core) tcpReset(src, dst netip.AddrPort, seg wire.TCP) {
	flags := seg.Flags()
	if flags&wire.TCPRst != 0 {
		return
	}
	path, err := c.selectPath(src.Addr(), dst.Addr(), nil, false)
	if err != nil {
		return
	}
	h := &c.tcpHdr
	*h = wire.TCPHeader{SrcPort: dst.Port(), DstPort: src.Port()}
	if flags&wire.TCPAck != 0 {
		h.Seq, h.Flags = seg.Ack(), wire.TCPRst
	} else {
		l := uint32(len(seg.Payload()))
		if flags&wire.TCPSyn != 0 {
			l++
		}
		if flags&wire.TCPFin != 0 {
			l++
		}
		h.Ack, h.Flags = seg.Seq()+l, wire.TCPRst|wire.TCPAck
	}
	b := c.scratch[transportOff:]
	hl := h.Marshal(b)
	wire.SetTCPChecksum(b[:hl], path.src, src.Addr())
	if c.ipSend(path, src.Addr(), wire.ProtoTCP, DefaultTTL, false, hl) == nil {
		c.count(cntTCPOut)
		c.count(cntTCPRstOut)
	}
}
