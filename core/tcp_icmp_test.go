package core_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
)

// icmpAbout injects an ICMP destination unreachable with code, from the
// router 10.0.0.254, quoting seg as s sent it (10.0.0.2 to 10.0.0.1).
func (r *rawPeer) icmpAbout(seg wire.TCP, code uint8) {
	r.t.Helper()
	orig := make([]byte, wire.IPv4MinHeaderLen+len(seg))
	h := wire.IPv4Header{TotalLen: len(orig), TTL: 63, Protocol: wire.ProtoTCP, Src: addr("10.0.0.2"), Dst: addr("10.0.0.1")}
	h.Marshal(orig)
	copy(orig[wire.IPv4MinHeaderLen:], seg)
	msg := make([]byte, wire.ICMPHeaderLen+wire.ICMPErrorQuoteLen(orig))
	n := wire.EncodeICMPError(msg, wire.ICMPDestUnreachable, code, 0, orig)
	r.ip(wire.ProtoICMP, addr("10.0.0.254"), msg[:n])
}

// TestTCPICMPErrors checks ICMP destination unreachable messages reaching
// TCP connections (RFC 1122 §4.2.3.9, RFC 5927): port unreachable during
// the handshake is hard (the connect is refused); host unreachable is
// soft there (the SYN goes again and the handshake can still finish), and
// so is port unreachable once established; a message quoting a sequence
// number not in flight is ignored (RFC 5927 §4.1); a connection that gives
// up after soft errors reports the last one rather than a bare timeout.
func TestTCPICMPErrors(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	peerAt := func(port uint16) string { r.port = port; return netip.AddrPortFrom(addr("10.0.0.1"), port).String() }

	// Port unreachable in SYN-SENT: refused.
	conn := r.dial(r.s, rec, peerAt(40001))
	r.icmpAbout(r.one("connect"), wire.ICMPPortUnreachable)
	if ev := rec.next(r.env, "error", time.Second); !errors.Is(ev.err, core.ErrConnRefused) || ev.state != core.TCPClosed {
		t.Fatalf("port unreachable in SYN-SENT: got %v in %v, want connection refused, CLOSED", ev.err, ev.state)
	}

	// Host unreachable in SYN-SENT: soft.
	conn = r.dial(r.s, rec, peerAt(40002))
	syn := r.one("connect")
	r.icmpAbout(syn, wire.ICMPHostUnreachable)
	if ev := rec.next(r.env, "error", time.Second); !errors.Is(ev.err, core.ErrHostUnreach) || ev.state != core.TCPSynSent {
		t.Fatalf("host unreachable in SYN-SENT: got %v in %v, want a soft host unreachable", ev.err, ev.state)
	}
	if i := r.info(conn); !errors.Is(i.SoftError, core.ErrHostUnreach) {
		t.Fatalf("got SoftError %v, want host unreachable", i.SoftError)
	}
	r.sleep(time.Second)
	if s := r.one("the RTO"); s.Flags() != wire.TCPSyn {
		t.Fatalf("got %s, want the SYN again", segString(s))
	}
	r.segment(wire.TCPHeader{DstPort: syn.SrcPort(), Seq: peerISN, Ack: rawISN + 1, Flags: wire.TCPSyn | wire.TCPAck}, nil)
	rec.next(r.env, "connected", time.Second)
	r.one("the handshake's ACK")

	// Established, data in flight: port unreachable is soft; a quote of
	// data already acknowledged is ignored.
	r.write(rec, conn, []byte("first"))
	first := r.one("a write")
	ackFirst := wire.TCPHeader{DstPort: syn.SrcPort(), Seq: peerISN + 1, Ack: rawISN + 6, Flags: wire.TCPAck}
	r.segment(ackFirst, nil)
	r.icmpAbout(first, wire.ICMPPortUnreachable)
	r.write(rec, conn, []byte("second"))
	second := r.one("a write")
	if i := r.info(conn); i.SoftError != nil || i.State != core.TCPEstablished {
		t.Fatalf("an ICMP error about acknowledged data: got SoftError %v in %v, want it ignored", i.SoftError, i.State)
	}
	r.icmpAbout(second, wire.ICMPPortUnreachable)
	if ev := rec.next(r.env, "error", time.Second); !errors.Is(ev.err, core.ErrConnRefused) || ev.state != core.TCPEstablished {
		t.Fatalf("port unreachable in ESTABLISHED: got %v in %v, want it soft", ev.err, ev.state)
	}

	// No ACK ever comes: the connection gives up with the soft error.
	r.tcpConfig(r.s, func(cfg *core.TCPConfig) { cfg.MaxRetries = 2 })
	r.icmpAbout(second, wire.ICMPHostUnreachable)
	rec.next(r.env, "error", time.Second)
	r.sleep(time.Minute)
	if ev := rec.next(r.env, "error", time.Second); !errors.Is(ev.err, core.ErrHostUnreach) || ev.state != core.TCPClosed {
		t.Fatalf("giving up after a soft error: got %v in %v, want host unreachable, CLOSED", ev.err, ev.state)
	}
}
