package core_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
)

// TestTCPDelayedACK checks RFC 1122 §4.2.3.2 on the receiving side: every
// second full-sized segment is acknowledged at once, a lone segment only
// after the delayed-ACK timeout (not before), and a configured delay is
// cut to 500ms.
func TestTCPDelayedACK(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	r.tcpConfig(r.s, func(cfg *core.TCPConfig) { cfg.DelayedACK = 2 * time.Second })
	var cfg core.TCPConfig
	r.call(r.s, func(c *core.Core) error { cfg = c.TCPConfig(); return nil })
	if cfg.DelayedACK != 500*time.Millisecond {
		t.Fatalf("got DelayedACK %v after setting 2s, want it cut to 500ms", cfg.DelayedACK)
	}
	rec := newRec(r.env)
	rec.hold = true // no reads: no window updates to ride on
	_, conn := r.accept(rec, wire.TCPOptions{MSS: 1000})
	if mss := r.info(conn).MSS; mss != 1000 {
		t.Fatalf("got MSS %d, want the peer's 1000", mss)
	}
	full := pattern(1000)
	seq := uint32(peerISN + 1)
	for i := range 3 {
		r.inject(seq, rawISN+1, wire.TCPAck, string(full))
		seq += 1000
		r.none("the first of two full segments")
		r.inject(seq, rawISN+1, wire.TCPAck, string(full))
		seq += 1000
		if a := r.one("the second full segment"); a.Flags() != wire.TCPAck || a.Ack() != seq {
			t.Fatalf("pair %d: got %s, want an ACK of %d", i, segString(a), seq)
		}
	}
	// A lone segment waits for the timer: nothing at 499ms, an ACK at
	// 500ms.
	r.inject(seq, rawISN+1, wire.TCPAck, "small")
	seq += 5
	r.none("a lone segment")
	r.sleep(499 * time.Millisecond)
	r.none("a lone segment before the delay")
	r.sleep(time.Millisecond)
	if a := r.one("a lone segment after the delay"); a.Ack() != seq {
		t.Fatalf("got %s, want an ACK of %d", segString(a), seq)
	}
	if n := r.counter(r.s, "tcp-delayed-acks"); n != 1 {
		t.Errorf("got tcp-delayed-acks %d, want 1", n)
	}
	// The default delay is 40ms.
	r.tcpConfig(r.s, func(cfg *core.TCPConfig) { cfg.DelayedACK = 0 })
	r.inject(seq, rawISN+1, wire.TCPAck, "x")
	seq++
	r.sleep(39 * time.Millisecond)
	r.none("a lone segment before 40ms")
	r.sleep(time.Millisecond)
	if a := r.one("a lone segment after 40ms"); a.Ack() != seq {
		t.Fatalf("got %s, want an ACK of %d", segString(a), seq)
	}
	want := append(bytes.Repeat(full, 6), "smallx"...)
	if got := rec.received(conn); !bytes.Equal(got, want) {
		t.Errorf("got %d bytes, want %d", len(got), len(want))
	}
}

// TestTCPOutOfOrderBudget fills the out-of-order queue past its bound
// (256 segments) with one-byte segments, each after a hole: those beyond
// it are dropped and counted, the held ones are kept, and once the
// first hole is filled the whole stream arrives intact.
func TestTCPOutOfOrderBudget(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	_, conn := r.accept(rec, wire.TCPOptions{MSS: 1000})
	const segs = 300
	data := pattern(2 * segs)
	for i := range segs {
		off := 2*i + 1 // bytes 1, 3, 5, ...: a hole before each
		r.inject(peerISN+1+uint32(off), rawISN+1, wire.TCPAck, string(data[off:off+1]))
	}
	// Each out-of-order segment is answered at once with a duplicate ACK
	// (RFC 5681 §4.2).
	for _, a := range r.sent() {
		if a.Ack() != peerISN+1 {
			t.Fatalf("got %s, want duplicate ACKs of %d", segString(a), peerISN+1)
		}
	}
	queued, drops := r.counter(r.s, "tcp-ooo-queued"), r.counter(r.s, "tcp-ooo-drops")
	if queued != 256 || drops != segs-256 {
		t.Fatalf("got tcp-ooo-queued %d, tcp-ooo-drops %d, want 256 and %d", queued, drops, segs-256)
	}
	if i := r.info(conn); i.OutOfOrder != 256 {
		t.Fatalf("got %d bytes out of order, want 256", i.OutOfOrder)
	}
	// The even bytes fill the holes one by one: the queue drains as far
	// as it holds, then the rest comes in order.
	for i := range segs {
		off := 2 * i
		r.inject(peerISN+1+uint32(off), rawISN+1, wire.TCPAck, string(data[off:off+1]))
		if i >= 256 {
			r.inject(peerISN+1+uint32(off+1), rawISN+1, wire.TCPAck, string(data[off+1:off+2]))
		}
	}
	if i := r.info(conn); i.OutOfOrder != 0 || i.State != core.TCPEstablished {
		t.Fatalf("got %d bytes out of order in %v, want none in ESTABLISHED", i.OutOfOrder, i.State)
	}
	if got := rec.received(conn); !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes (%x...), want the %d sent, in order", len(got), got[:min(len(got), 8)], len(data))
	}
	r.sleep(time.Second)
	segsOut := r.sent()
	if last := segsOut[len(segsOut)-1]; last.Ack() != peerISN+1+uint32(len(data)) {
		t.Errorf("got last ACK %s, want all %d bytes acknowledged", segString(last), len(data))
	}
}
