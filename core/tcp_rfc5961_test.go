package core_test

import (
	"errors"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
)

// TestTCPRFC5961 checks RST and SYN validation on an established
// connection: an in-window RST that is not exactly at RCV.NXT and a SYN
// each earn a challenge ACK and leave the connection be; an RST at
// RCV.NXT resets it; an ACK for data never sent is answered and ignored.
func TestTCPRFC5961(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	e, s := r.env, r.s
	rec := newRec(e)
	e.listen(s, rec, 80, 4)
	r.inject(1000, 0, wire.TCPSyn, "")
	synack := r.read()
	if synack.Flags() != wire.TCPSyn|wire.TCPAck || synack.Seq() != 5000 || synack.Ack() != 1001 {
		t.Fatalf("got flags %#x seq %d ack %d, want SYN-ACK 5000 ack 1001", synack.Flags(), synack.Seq(), synack.Ack())
	}
	r.inject(1001, 5001, wire.TCPAck, "")
	conn := rec.next(e, "accepted", 5*time.Second).conn

	for _, tc := range []struct {
		name  string
		seq   uint32
		flags uint8
	}{
		{"in-window RST off RCV.NXT", 1500, wire.TCPRst},
		{"SYN in ESTABLISHED", 1001, wire.TCPSyn},
	} {
		r.inject(tc.seq, 5001, tc.flags, "")
		got := r.read()
		if got.Flags() != wire.TCPAck || got.Seq() != 5001 || got.Ack() != 1001 {
			t.Errorf("%s: got flags %#x seq %d ack %d, want a challenge ACK 5001/1001", tc.name, got.Flags(), got.Seq(), got.Ack())
		}
		if st := e.tcpState(s, conn); st != core.TCPEstablished {
			t.Fatalf("%s: got %v, want ESTABLISHED", tc.name, st)
		}
	}
	// Data acknowledging bytes never sent: an ACK, the data dropped.
	r.inject(1001, 9000, wire.TCPAck, "x")
	if got := r.read(); got.Flags() != wire.TCPAck || got.Ack() != 1001 {
		t.Errorf("got flags %#x ack %d for an ACK of unsent data, want an ACK of 1001", got.Flags(), got.Ack())
	}
	if n := e.counter(s, "tcp-challenge-acks"); n != 2 {
		t.Errorf("got tcp-challenge-acks %d, want 2", n)
	}
	r.inject(1001, 5001, wire.TCPRst, "")
	ev := rec.next(e, "error", 5*time.Second)
	if !errors.Is(ev.err, core.ErrConnReset) {
		t.Errorf("got %v, want connection reset", ev.err)
	}
	// Now nothing owns the 4-tuple: an ACK gets an RST <SEQ=SEG.ACK>.
	r.inject(1001, 5001, wire.TCPAck, "")
	if got := r.read(); got.Flags() != wire.TCPRst || got.Seq() != 5001 {
		t.Errorf("got flags %#x seq %d, want RST seq 5001", got.Flags(), got.Seq())
	}
}

// rfc5961Want is what a segment in TestTCPRFC5961States should earn.
type rfc5961Want int

const (
	rfc5961Dropped   rfc5961Want = iota // nothing sent, the state unchanged
	rfc5961Challenge                    // a challenge ACK, the state unchanged
	rfc5961Acked                        // an ACK <SEQ=SND.MAX><ACK=RCV.NXT>, the state unchanged
	rfc5961Reset                        // the connection CLOSED, nothing sent
)

// rfc5961Conn is a connection a raw peer drove into a synchronized state
// and the sequence numbers the stack holds there.
type rfc5961Conn struct {
	rcvNxt, rcvWnd uint32 // RCV.NXT and the window advertised last
	sndUna, sndMax uint32
	maxSndWnd      uint32 // MAX.SND.WND: the peer always offers r.wnd
}

// TestTCPRFC5961States checks each rule of RFC 5961 in every synchronized
// state the peer can be in while the stack still expects segments, each
// case on a connection of its own: an RST exactly at RCV.NXT resets
// (§3.2); any other RST in the window earns a challenge ACK and one
// outside it is dropped silently (§3.2); a SYN, wherever in the window,
// earns a challenge ACK (§4.2); an ACK of data never sent is answered
// with an ACK and one older than SND.UNA-MAX.SND.WND with a challenge
// ACK, both then dropped (§5.2).
func TestTCPRFC5961States(t *testing.T) {
	for _, st := range []struct {
		state core.TCPState
		// reset is what the handler hears for an RST at RCV.NXT: nil for
		// nothing, as in CLOSING and LAST-ACK RFC 9293 §3.10.7.4 just
		// deletes the TCB.
		reset error
		// rcvNxt and sndMax are the stack's RCV.NXT and SND.MAX in the
		// state; SND.UNA stays rawISN+1 (the FIN, if sent, is not
		// acknowledged).
		rcvNxt, sndMax uint32
		setup          func(r *rawPeer, h *tcpRec, p *core.TCPPCB)
	}{
		{core.TCPEstablished, core.ErrConnReset, peerISN + 1, rawISN + 1, func(*rawPeer, *tcpRec, *core.TCPPCB) {}},
		{core.TCPCloseWait, core.ErrConnReset, peerISN + 2, rawISN + 1, func(r *rawPeer, h *tcpRec, _ *core.TCPPCB) {
			r.peerFin(h, rawISN+1)
		}},
		{core.TCPClosing, nil, peerISN + 2, rawISN + 2, func(r *rawPeer, h *tcpRec, p *core.TCPPCB) {
			r.shutWrite(p, peerISN+1)
			r.peerFin(h, rawISN+2) // simultaneous close: our FIN is not acknowledged
		}},
		{core.TCPLastAck, nil, peerISN + 2, rawISN + 2, func(r *rawPeer, h *tcpRec, p *core.TCPPCB) {
			r.peerFin(h, rawISN+1)
			r.shutWrite(p, peerISN+2)
		}},
	} {
		t.Run(st.state.String(), func(t *testing.T) {
			for _, tc := range []struct {
				name string
				seg  func(k rfc5961Conn) (seq, ack uint32, flags uint8)
				want rfc5961Want
			}{
				{"RST at RCV.NXT", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt, 0, wire.TCPRst
				}, rfc5961Reset},
				{"RST-ACK at RCV.NXT", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt, k.sndMax, wire.TCPRst | wire.TCPAck
				}, rfc5961Reset},
				{"RST at RCV.NXT+1", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt + 1, 0, wire.TCPRst
				}, rfc5961Challenge},
				{"RST at the window's right edge", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt + k.rcvWnd - 1, 0, wire.TCPRst
				}, rfc5961Challenge},
				{"RST just past the window", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt + k.rcvWnd, 0, wire.TCPRst
				}, rfc5961Dropped},
				{"RST at RCV.NXT-1", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt - 1, 0, wire.TCPRst
				}, rfc5961Dropped},
				{"SYN at RCV.NXT", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt, 0, wire.TCPSyn
				}, rfc5961Challenge},
				{"SYN in the window", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt + k.rcvWnd/2, 0, wire.TCPSyn
				}, rfc5961Challenge},
				{"ACK past SND.MAX", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt, k.sndMax + 1, wire.TCPAck
				}, rfc5961Acked},
				{"ACK before SND.UNA-MAX.SND.WND", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt, k.sndUna - k.maxSndWnd - 1, wire.TCPAck
				}, rfc5961Challenge},
				{"ACK at SND.UNA-MAX.SND.WND", func(k rfc5961Conn) (uint32, uint32, uint8) {
					return k.rcvNxt, k.sndUna - k.maxSndWnd, wire.TCPAck
				}, rfc5961Dropped},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := newRawPeer(t, newVirtual(t), 0)
					h := newRec(r.env)
					_, p := r.accept(h, wire.TCPOptions{})
					st.setup(r, h, p)
					if got := r.tcpState(r.s, p); got != st.state {
						t.Fatalf("got %v after the setup, want %v", got, st.state)
					}
					k := rfc5961Conn{rcvNxt: st.rcvNxt, rcvWnd: uint32(r.info(p).RecvWindow),
						sndUna: rawISN + 1, sndMax: st.sndMax, maxSndWnd: uint32(r.wnd)}
					before := r.counter(r.s, "tcp-challenge-acks")

					seq, ack, flags := tc.seg(k)
					r.inject(seq, ack, flags, "")
					segs := r.sent()
					challenges := r.counter(r.s, "tcp-challenge-acks") - before
					events := h.pending()
					state := r.tcpState(r.s, p)

					switch tc.want {
					case rfc5961Challenge, rfc5961Acked:
						if len(segs) != 1 || segs[0].Flags() != wire.TCPAck || segs[0].Seq() != k.sndMax || segs[0].Ack() != k.rcvNxt || len(segs[0].Payload()) != 0 {
							t.Errorf("got %s, want only an ACK seq %d ack %d", segsString(segs), k.sndMax, k.rcvNxt)
						}
					default:
						if len(segs) != 0 {
							t.Errorf("got %s, want nothing sent", segsString(segs))
						}
					}
					if tc.want == rfc5961Challenge && challenges != 1 {
						t.Errorf("got tcp-challenge-acks +%d, want +1", challenges)
					} else if tc.want != rfc5961Challenge && challenges != 0 {
						t.Errorf("got tcp-challenge-acks +%d, want +0", challenges)
					}
					if tc.want != rfc5961Reset {
						if state != st.state {
							t.Errorf("got %v, want %v still", state, st.state)
						}
						if len(events) > 0 {
							t.Errorf("handler heard %s (err %v), want nothing", events[0].kind, events[0].err)
						}
						return
					}
					if state != core.TCPClosed {
						t.Errorf("got %v, want CLOSED", state)
					}
					switch {
					case st.reset == nil && len(events) > 0:
						t.Errorf("handler heard %s (err %v), want nothing", events[0].kind, events[0].err)
					case st.reset != nil && (len(events) != 1 || events[0].kind != "error" || !errors.Is(events[0].err, st.reset) || events[0].state != core.TCPClosed):
						t.Errorf("handler heard %v, want one error %v in CLOSED", events, st.reset)
					}
					// Nothing owns the 4-tuple now: an ACK meets the
					// listener, which answers <SEQ=SEG.ACK><CTL=RST>.
					r.inject(k.rcvNxt, k.sndMax, wire.TCPAck, "")
					if got := r.one("an ACK after the reset"); got.Flags() != wire.TCPRst || got.Seq() != k.sndMax {
						t.Errorf("got %s after the reset, want RST seq %d", segString(got), k.sndMax)
					}
				})
			}
		})
	}
}

// peerFin sends the peer's FIN at peerISN+1 (acknowledging rawISN+1) and
// checks the stack acknowledges it at once with SEQ=sndMax and that the
// handler hears the end of the stream.
func (r *rawPeer) peerFin(h *tcpRec, sndMax uint32) {
	r.t.Helper()
	r.inject(peerISN+1, rawISN+1, wire.TCPFin|wire.TCPAck, "")
	if got := r.one("the peer's FIN"); got.Flags() != wire.TCPAck || got.Seq() != sndMax || got.Ack() != peerISN+2 {
		r.t.Fatalf("got %s for the peer's FIN, want ACK seq %d ack %d", segString(got), sndMax, peerISN+2)
	}
	h.next(r.env, "peer-closed", time.Second)
}

// shutWrite closes p's write half and checks the FIN it sends at
// rawISN+1 acknowledging rcvNxt.
func (r *rawPeer) shutWrite(p *core.TCPPCB, rcvNxt uint32) {
	r.t.Helper()
	r.call(r.s, func(c *core.Core) error { return c.TCPShutdown(p, false, true) })
	if got := r.one("shutdown(write)"); got.Flags() != wire.TCPFin|wire.TCPAck || got.Seq() != rawISN+1 || got.Ack() != rcvNxt {
		r.t.Fatalf("got %s after shutdown(write), want FIN seq %d ack %d", segString(got), rawISN+1, rcvNxt)
	}
}

// pending returns the events the handler recorded and the test did not
// take yet.
func (r *tcpRec) pending() []tcpEvent {
	r.ev.mu.Lock()
	defer r.ev.mu.Unlock()
	return append([]tcpEvent(nil), r.ev.q...)
}

// segsString describes segments for failure messages.
func segsString(segs []wire.TCP) string {
	if len(segs) == 0 {
		return "nothing"
	}
	out := ""
	for i, s := range segs {
		if i > 0 {
			out += ", "
		}
		out += segString(s)
	}
	return out
}

// TestTCPListenBacklog: with backlog 1 and an application that does not
// accept, a second handshake waits (its SYN dropped and retransmitted)
// until the first connection is taken.
func TestTCPListenBacklog(t *testing.T) {
	p := newPair(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond})
	ra := newRec(p.env)
	slow := &noAccept{newRec(p.env)}
	l := p.listen(p.b, slow, 80, 1)
	p.dial(p.a, ra, "10.0.0.2:80")
	ra.next(p.env, "connected", time.Second)
	slow.next(p.env, "accepted", time.Second)
	p.dial(p.a, ra, "10.0.0.2:80")
	p.sleep(2 * time.Second)
	if n := p.counter(p.b, "tcp-listen-drops"); n == 0 {
		t.Fatal("got no listen drops with a full accept queue")
	}
	p.call(p.b, func(c *core.Core) error { c.TCPAcceptDone(l); return nil })
	ra.next(p.env, "connected", 10*time.Second)
}

// noAccept records accepted connections but leaves them in the queue.
type noAccept struct{ *tcpRec }

func (n *noAccept) TCPAccepted(c *core.Core, l, p *core.TCPPCB) { n.put(c, "accepted", p, nil) }
