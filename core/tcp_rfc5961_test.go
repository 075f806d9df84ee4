package core_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
)

// rawPeer plays 10.0.0.1 by hand against stack s (10.0.0.2) on a
// channel: it injects segments it builds and reads what s sends.
type rawPeer struct {
	t  *testing.T
	ch *mem.Channel
}

func (r *rawPeer) inject(seq, ack uint32, flags uint8, data string) {
	frame := make([]byte, wire.EthernetHeaderLen+wire.IPv4MinHeaderLen+wire.TCPMinHeaderLen+len(data))
	wire.EncodeEthernet(frame, mac(2), mac(1), wire.EtherTypeIPv4)
	ip := frame[wire.EthernetHeaderLen:]
	h := wire.IPv4Header{TotalLen: len(ip), TTL: 64, Protocol: wire.ProtoTCP, Src: addr("10.0.0.1"), Dst: addr("10.0.0.2")}
	h.Marshal(ip)
	seg := ip[wire.IPv4MinHeaderLen:]
	th := wire.TCPHeader{SrcPort: 40000, DstPort: 80, Seq: seq, Ack: ack, Flags: flags, Window: 65535}
	th.Marshal(seg)
	copy(seg[wire.TCPMinHeaderLen:], data)
	wire.SetTCPChecksum(seg, h.Src, h.Dst)
	r.ch.Inject(frame)
}

// read returns the next TCP segment s sent.
func (r *rawPeer) read() wire.TCP {
	r.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		f, err := r.ch.Read(ctx)
		cancel()
		if err != nil {
			r.t.Fatalf("nothing sent: %v", err)
		}
		ip := wire.IPv4(wire.Ethernet(f).Payload())
		if wire.Ethernet(f).EtherType() == wire.EtherTypeIPv4 && ip.Validate() == nil && ip.Protocol() == wire.ProtoTCP {
			return wire.TCP(ip.Payload()[:ip.TotalLen()-ip.HeaderLen()])
		}
	}
}

// TestTCPRFC5961 checks RST and SYN validation on an established
// connection: an in-window RST that is not exactly at RCV.NXT and a SYN
// each earn a challenge ACK and leave the connection be; an RST at
// RCV.NXT resets it; an ACK for data never sent is answered and ignored.
func TestTCPRFC5961(t *testing.T) {
	clk := clock.NewReal()
	e := newEnv(t, clk)
	s := newStack(t, clk, "s")
	e.actorDone()
	ch := mem.NewChannel("s:eth0", 64)
	e.addNetif(s, "eth0", mac(2), "10.0.0.2/24", 0, ch.Endpoint())
	r := &rawPeer{t: t, ch: ch}
	rec := newRec(e)
	e.call(s, func(c *core.Core) error {
		c.SetTCPConfig(core.TCPConfig{ISN: func(_, _ netip.AddrPort) uint32 { return 5000 }})
		return c.AddStaticARP(c.NetifByName("eth0"), addr("10.0.0.1"), mac(1))
	})
	ch.Drain()
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
