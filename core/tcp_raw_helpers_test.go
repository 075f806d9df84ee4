package core_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
)

// The stack's ISN and the hand-played peer's, in tests with a rawPeer.
const (
	rawISN  = 5000
	peerISN = 1000
)

// rawPeer plays 10.0.0.1:port by hand against stack s (10.0.0.2) on a
// channel: it injects segments it builds and reads what s sends. On a
// virtual clock, time stands still while the test neither sleeps nor
// waits, so that no timer fires between an injected segment and the
// answer the test reads.
type rawPeer struct {
	*env
	t    *testing.T
	s    *core.Stack
	ch   *mem.Channel
	port uint16 // the peer's port
	wnd  uint16 // the window field the peer sends
}

// newRawPeer makes s with eth0 (10.0.0.2/24, MTU mtu, 0 for the default)
// on a channel, a static ARP entry for the peer, and s's ISN fixed at
// rawISN.
func newRawPeer(t *testing.T, clk clock.Clock, mtu int) *rawPeer {
	t.Helper()
	e := newEnv(t, clk)
	s := newStack(t, clk, "s")
	e.actorDone()
	ch := mem.NewChannel("s:eth0", 4096)
	e.addNetif(s, "eth0", mac(2), "10.0.0.2/24", mtu, ch.Endpoint())
	e.call(s, func(c *core.Core) error {
		c.SetTCPConfig(core.TCPConfig{ISN: func(_, _ netip.AddrPort) uint32 { return rawISN }})
		return c.AddStaticARP(c.NetifByName("eth0"), addr("10.0.0.1"), mac(1))
	})
	r := &rawPeer{env: e, t: t, s: s, ch: ch, port: 40000, wnd: 65535}
	r.sync()
	ch.Drain()
	return r
}

// segment injects a segment from the peer to s:80 (or h's ports if set).
func (r *rawPeer) segment(h wire.TCPHeader, data []byte) {
	if h.SrcPort == 0 {
		h.SrcPort = r.port
	}
	if h.DstPort == 0 {
		h.DstPort = 80
	}
	if h.Window == 0 && h.Flags&wire.TCPRst == 0 {
		h.Window = r.wnd
	}
	seg := make([]byte, h.Len()+len(data))
	h.Marshal(seg)
	copy(seg[h.Len():], data)
	wire.SetTCPChecksum(seg, addr("10.0.0.1"), addr("10.0.0.2"))
	r.ip(wire.ProtoTCP, addr("10.0.0.1"), seg)
}

// ip injects an IPv4 datagram of protocol proto from src to s
// (10.0.0.2), as if the peer's MAC sent it.
func (r *rawPeer) ip(proto uint8, src netip.Addr, payload []byte) {
	frame := make([]byte, wire.EthernetHeaderLen+wire.IPv4MinHeaderLen+len(payload))
	wire.EncodeEthernet(frame, mac(2), mac(1), wire.EtherTypeIPv4)
	ip := frame[wire.EthernetHeaderLen:]
	iph := wire.IPv4Header{TotalLen: len(ip), TTL: 64, Protocol: proto, Src: src, Dst: addr("10.0.0.2")}
	iph.Marshal(ip)
	copy(ip[wire.IPv4MinHeaderLen:], payload)
	r.ch.Inject(frame)
}

// inject sends a segment without options from the peer's port to s:80.
func (r *rawPeer) inject(seq, ack uint32, flags uint8, data string) {
	r.segment(wire.TCPHeader{Seq: seq, Ack: ack, Flags: flags}, []byte(data))
}

// sync returns once s processed every frame injected before: the loop
// runs a call's function before the frames queued with it, so the second
// call runs after them.
func (r *rawPeer) sync() {
	r.t.Helper()
	for range 2 {
		r.call(r.s, func(*core.Core) error { return nil })
	}
}

// read returns the next TCP segment s sent, once it has processed what
// was injected.
func (r *rawPeer) read() wire.TCP {
	r.t.Helper()
	r.sync()
	for {
		f, ok := r.ch.TryRead()
		if !ok {
			r.t.Fatal("nothing sent")
		}
		if seg, ok := tcpOf(f); ok {
			return seg
		}
	}
}

// sent returns every TCP segment s has sent so far, once it has
// processed what was injected.
func (r *rawPeer) sent() []wire.TCP {
	r.t.Helper()
	r.sync()
	var out []wire.TCP
	for {
		f, ok := r.ch.TryRead()
		if !ok {
			return out
		}
		if seg, ok := tcpOf(f); ok {
			out = append(out, seg)
		}
	}
}

// none fails the test if s sent a TCP segment.
func (r *rawPeer) none(why string) {
	r.t.Helper()
	if segs := r.sent(); len(segs) > 0 {
		r.t.Fatalf("%s: got %d segments (first: %s), want none", why, len(segs), segString(segs[0]))
	}
}

// one returns the one segment s sent, failing if it sent none or more.
func (r *rawPeer) one(why string) wire.TCP {
	r.t.Helper()
	segs := r.sent()
	if len(segs) != 1 {
		var first string
		if len(segs) > 0 {
			first = segString(segs[0])
		}
		r.t.Fatalf("%s: got %d segments (%s), want one", why, len(segs), first)
	}
	return segs[0]
}

func tcpOf(f []byte) (wire.TCP, bool) {
	eth := wire.Ethernet(f)
	if eth.EtherType() != wire.EtherTypeIPv4 {
		return nil, false
	}
	ip := wire.IPv4(eth.Payload())
	if ip.Validate() != nil || ip.Protocol() != wire.ProtoTCP {
		return nil, false
	}
	return wire.TCP(ip.Payload()[:ip.TotalLen()-ip.HeaderLen()]), true
}

// segString describes a segment for failure messages: "[S.] seq 5000 ack 1001 len 0".
func segString(s wire.TCP) string {
	names := ""
	for _, f := range []struct {
		bit  uint8
		name string
	}{{wire.TCPSyn, "S"}, {wire.TCPFin, "F"}, {wire.TCPRst, "R"}, {wire.TCPPsh, "P"}, {wire.TCPAck, "."}} {
		if s.Flags()&f.bit != 0 {
			names += f.name
		}
	}
	return fmt.Sprintf("[%s] seq %d ack %d len %d", names, s.Seq(), s.Ack(), len(s.Payload()))
}

// accept opens a listener on s:80 with h and plays a handshake with the
// peer's SYN options opts; it returns the SYN-ACK s sent and the
// connection accepted.
func (r *rawPeer) accept(h *tcpRec, opts wire.TCPOptions) (wire.TCP, *core.TCPPCB) {
	r.t.Helper()
	r.listen(r.s, h, 80, 16)
	synack := r.handshake(opts, 0)
	return synack, h.next(r.env, "accepted", time.Second).conn
}

// handshake sends a SYN with opts from the peer's port, checks the
// SYN-ACK and, after rtt of clock time, sends the handshake's ACK.
func (r *rawPeer) handshake(opts wire.TCPOptions, rtt time.Duration) wire.TCP {
	r.t.Helper()
	r.segment(wire.TCPHeader{Seq: peerISN, Flags: wire.TCPSyn, Options: opts}, nil)
	synack := r.one("SYN")
	if synack.Flags() != wire.TCPSyn|wire.TCPAck || synack.Seq() != rawISN || synack.Ack() != peerISN+1 {
		r.t.Fatalf("got %s, want SYN-ACK %d ack %d", segString(synack), rawISN, peerISN+1)
	}
	if rtt > 0 {
		r.sleep(rtt)
	}
	r.inject(peerISN+1, rawISN+1, wire.TCPAck, "")
	return synack
}

// info reads p's TCPInfo on s, once s has processed what was injected.
func (r *rawPeer) info(p *core.TCPPCB) core.TCPInfo {
	r.t.Helper()
	r.sync()
	var i core.TCPInfo
	r.call(r.s, func(c *core.Core) error { i = p.Info(); return nil })
	return i
}

// write queues data on p through h (as the socket layer would).
func (r *rawPeer) write(h *tcpRec, p *core.TCPPCB, data []byte) {
	r.t.Helper()
	r.call(r.s, func(c *core.Core) error { h.send(c, p, data, false); return nil })
}

// ack acknowledges the stack's bytes up to rawISN+1+n.
func (r *rawPeer) ack(n int) {
	r.inject(peerISN+1, rawISN+1+uint32(n), wire.TCPAck, "")
}
