package core_test

import (
	"errors"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
)

// stateOf finds the one connection of s in state st.
func (r *rawPeer) stateOf(st core.TCPState) *core.TCPPCB {
	r.t.Helper()
	r.sync()
	var found *core.TCPPCB
	r.call(r.s, func(c *core.Core) error {
		for _, p := range c.TCPPCBs() {
			if p.State() == st {
				found = p
			}
		}
		return nil
	})
	return found
}

// expectAnswer injects a segment and checks what s answers: a
// challenge ACK (or the ACK of an out-of-window segment) <SEQ=seq>
// <ACK=ack>, an RST <SEQ=rst>, or nothing; then that p is in state st.
func (r *rawPeer) expectAnswer(why string, h wire.TCPHeader, want string, seq, ack uint32, p *core.TCPPCB, st core.TCPState) {
	r.t.Helper()
	r.segment(h, nil)
	segs := r.sent()
	switch want {
	case "none":
		if len(segs) != 0 {
			r.t.Fatalf("%s: got %s, want no answer", why, segString(segs[0]))
		}
	case "ack":
		if len(segs) != 1 || segs[0].Flags() != wire.TCPAck || segs[0].Seq() != seq || segs[0].Ack() != ack {
			r.t.Fatalf("%s: got %d segments %v, want one ACK seq %d ack %d", why, len(segs), segStrings(segs), seq, ack)
		}
	case "rst":
		if len(segs) != 1 || segs[0].Flags() != wire.TCPRst || segs[0].Seq() != seq {
			r.t.Fatalf("%s: got %d segments %v, want one RST seq %d", why, len(segs), segStrings(segs), seq)
		}
	}
	if p != nil {
		if got := r.tcpState(r.s, p); got != st {
			r.t.Fatalf("%s: got state %v, want %v", why, got, st)
		}
	}
}

func segStrings(segs []wire.TCP) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = segString(s)
	}
	return out
}

// TestTCPResetInSynSent checks RFC 9293 §3.10.7.3 with RFC 5961 §3.2: a
// SYN-ACK acknowledging something never sent gets an RST <SEQ=SEG.ACK>;
// an RST is taken only with an acceptable ACK (the connection is
// refused), never without one or with a wrong one.
func TestTCPResetInSynSent(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	conn := r.dial(r.s, rec, "10.0.0.1:40000")
	port := r.one("connect").SrcPort()
	h := func(seq, ack uint32, flags uint8) wire.TCPHeader {
		return wire.TCPHeader{DstPort: port, Seq: seq, Ack: ack, Flags: flags}
	}
	r.expectAnswer("SYN-ACK with a bad ACK", h(peerISN, rawISN+5, wire.TCPSyn|wire.TCPAck), "rst", rawISN+5, 0, conn, core.TCPSynSent)
	r.expectAnswer("ACK of the ISN itself", h(peerISN, rawISN, wire.TCPAck), "rst", rawISN, 0, conn, core.TCPSynSent)
	r.expectAnswer("RST with a bad ACK", h(peerISN, rawISN+5, wire.TCPRst|wire.TCPAck), "none", 0, 0, conn, core.TCPSynSent)
	r.expectAnswer("RST without ACK", h(peerISN, 0, wire.TCPRst), "none", 0, 0, conn, core.TCPSynSent)
	r.expectAnswer("RST with an acceptable ACK", h(0, rawISN+1, wire.TCPRst|wire.TCPAck), "none", 0, 0, nil, 0)
	if ev := rec.next(r.env, "error", time.Second); !errors.Is(ev.err, core.ErrConnRefused) || ev.state != core.TCPClosed {
		t.Fatalf("got %v in %v, want connection refused, CLOSED", ev.err, ev.state)
	}
}

// TestTCPResetInSynReceived: in SYN-RECEIVED an unacceptable ACK gets an
// RST <SEQ=SEG.ACK> and the handshake goes on; an in-window RST off
// RCV.NXT gets a challenge ACK (RFC 5961 §3.2); an out-of-window one is
// dropped silently; an exact one removes the embryonic connection
// without a word to the application, and the listener stays.
func TestTCPResetInSynReceived(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	r.listen(r.s, rec, 80, 4)
	r.inject(peerISN, 0, wire.TCPSyn, "")
	r.one("SYN")
	child := r.stateOf(core.TCPSynReceived)
	if child == nil {
		t.Fatal("no connection in SYN-RECEIVED")
	}
	h := func(seq, ack uint32, flags uint8) wire.TCPHeader {
		return wire.TCPHeader{Seq: seq, Ack: ack, Flags: flags}
	}
	r.expectAnswer("ACK beyond SND.NXT", h(peerISN+1, rawISN+7, wire.TCPAck), "rst", rawISN+7, 0, child, core.TCPSynReceived)
	r.expectAnswer("ACK of the ISN", h(peerISN+1, rawISN, wire.TCPAck), "rst", rawISN, 0, child, core.TCPSynReceived)
	r.expectAnswer("in-window RST off RCV.NXT", h(peerISN+100, 0, wire.TCPRst), "ack", rawISN+1, peerISN+1, child, core.TCPSynReceived)
	r.expectAnswer("RST past the window", h(peerISN+1+100_000, 0, wire.TCPRst), "none", 0, 0, child, core.TCPSynReceived)
	r.expectAnswer("RST at RCV.NXT", h(peerISN+1, 0, wire.TCPRst), "none", 0, 0, child, core.TCPClosed)
	rec.ev.mu.Lock()
	n := len(rec.ev.q)
	rec.ev.mu.Unlock()
	if n != 0 {
		t.Errorf("got %d events for an embryonic connection's reset, want none", n)
	}
	// The listener still answers.
	r.port++
	r.inject(peerISN, 0, wire.TCPSyn, "")
	if s := r.one("a new SYN"); s.Flags() != wire.TCPSyn|wire.TCPAck {
		t.Fatalf("got %s, want a SYN-ACK", segString(s))
	}
}

// TestTCPResetWhileClosing checks RST and SYN validation (RFC 9293
// §3.10.7.4, RFC 5961 §3.2, §4.2) in FIN-WAIT-1, FIN-WAIT-2 and
// TIME-WAIT: an in-window RST off RCV.NXT and a SYN each get a challenge
// ACK and change nothing; an RST at RCV.NXT ends the connection (reset
// in FIN-WAIT, quietly in TIME-WAIT).
func TestTCPResetWhileClosing(t *testing.T) {
	for _, st := range []core.TCPState{core.TCPFinWait1, core.TCPFinWait2, core.TCPTimeWait} {
		t.Run(st.String(), func(t *testing.T) {
			r := newRawPeer(t, newVirtual(t), 0)
			rec := newRec(r.env)
			_, conn := r.accept(rec, wire.TCPOptions{MSS: 1000})
			r.call(r.s, func(c *core.Core) error { return c.TCPShutdown(conn, false, true) })
			if fin := r.one("shutdown"); fin.Flags() != wire.TCPFin|wire.TCPAck {
				t.Fatalf("got %s, want a FIN", segString(fin))
			}
			rcvNxt := uint32(peerISN + 1)
			if st != core.TCPFinWait1 {
				r.ack(1) // the FIN
				r.none("the ACK of the FIN")
			}
			if st == core.TCPTimeWait {
				r.inject(peerISN+1, rawISN+2, wire.TCPFin|wire.TCPAck, "")
				rcvNxt++
				r.one("the peer's FIN")
				rec.next(r.env, "peer-closed", time.Second)
			}
			if got := r.tcpState(r.s, conn); got != st {
				t.Fatalf("got %v, want %v", got, st)
			}
			sndNxt := uint32(rawISN + 2)
			h := func(seq uint32, flags uint8) wire.TCPHeader {
				return wire.TCPHeader{Seq: seq, Ack: rawISN + 2, Flags: flags}
			}
			r.expectAnswer("in-window RST off RCV.NXT", h(rcvNxt+10, wire.TCPRst), "ack", sndNxt, rcvNxt, conn, st)
			r.expectAnswer("in-window SYN", h(rcvNxt+10, wire.TCPSyn), "ack", sndNxt, rcvNxt, conn, st)
			r.expectAnswer("SYN at RCV.NXT", h(rcvNxt, wire.TCPSyn), "ack", sndNxt, rcvNxt, conn, st)
			r.expectAnswer("RST past the window", h(rcvNxt+100_000, wire.TCPRst), "none", 0, 0, conn, st)
			if n := r.counter(r.s, "tcp-challenge-acks"); n != 3 {
				t.Errorf("got tcp-challenge-acks %d, want 3", n)
			}
			r.expectAnswer("RST at RCV.NXT", h(rcvNxt, wire.TCPRst), "none", 0, 0, conn, core.TCPClosed)
			if st != core.TCPTimeWait {
				if ev := rec.next(r.env, "error", time.Second); !errors.Is(ev.err, core.ErrConnReset) {
					t.Fatalf("got %v, want connection reset", ev.err)
				}
			}
		})
	}
}

// TestTCPSynQueueBound: a listener's backlog bounds the connections
// still in SYN-RECEIVED. SYNs beyond it are dropped and counted (the peer
// will retry); a slot frees when a handshake completes or when a
// half-open connection gives up after its SYN-ACK retries.
func TestTCPSynQueueBound(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	r.tcpConfig(r.s, func(cfg *core.TCPConfig) { cfg.SynAckRetries = 2 })
	rec := newRec(r.env)
	r.listen(r.s, rec, 80, 2)
	syn := func(port uint16) []wire.TCP {
		r.port = port
		r.inject(peerISN, 0, wire.TCPSyn, "")
		return r.sent()
	}
	for _, port := range []uint16{40001, 40002} {
		if segs := syn(port); len(segs) != 1 || segs[0].Flags() != wire.TCPSyn|wire.TCPAck {
			t.Fatalf("SYN from port %d: got %v, want a SYN-ACK", port, segStrings(segs))
		}
	}
	if segs := syn(40003); len(segs) != 0 {
		t.Fatalf("SYN beyond the backlog: got %v, want it dropped", segStrings(segs))
	}
	if n := r.counter(r.s, "tcp-listen-drops"); n != 1 {
		t.Fatalf("got tcp-listen-drops %d, want 1", n)
	}
	// 40001 completes its handshake: a slot frees.
	r.port = 40001
	r.inject(peerISN+1, rawISN+1, wire.TCPAck, "")
	rec.next(r.env, "accepted", time.Second)
	if segs := syn(40004); len(segs) != 1 {
		t.Fatalf("SYN after a handshake completed: got %v, want a SYN-ACK", segStrings(segs))
	}
	if segs := syn(40005); len(segs) != 0 {
		t.Fatalf("SYN with the queue full again: got %v, want it dropped", segStrings(segs))
	}
	// 40002 and 40004 never answer: after 2 retries (1s, 2s) and the
	// last wait (4s) they are gone, quietly.
	r.sleep(8 * time.Second)
	r.sent()
	if p := r.stateOf(core.TCPSynReceived); p != nil {
		t.Fatalf("got %v still in SYN-RECEIVED, want the half-open connections gone", p)
	}
	for _, port := range []uint16{40006, 40007} {
		if segs := syn(port); len(segs) != 1 {
			t.Fatalf("SYN from %d after the half-open ones expired: got %v, want a SYN-ACK", port, segStrings(segs))
		}
	}
	if n := r.counter(r.s, "tcp-listen-drops"); n != 2 {
		t.Fatalf("got tcp-listen-drops %d, want 2", n)
	}
}
