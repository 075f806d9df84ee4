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
