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
