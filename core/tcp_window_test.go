package core_test

import (
	"testing"
	"time"

	"github.com/netlab/netlab/core/wire"
)

// TestTCPOldACKDoesNotMoveTheWindow: RFC 9293 §3.10.7.4 updates the send
// window only from a segment whose ACK is in [SND.UNA, SND.NXT]. A segment
// with new data but an ACK below SND.UNA (reordered behind a later ACK)
// is taken for its data, and its window, which is relative to its older
// ACK, is ignored: taking it would move the right edge past what the peer
// offered.
func TestTCPOldACKDoesNotMoveTheWindow(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	_, conn := r.accept(rec, wire.TCPOptions{MSS: 1000})
	r.write(rec, conn, pattern(1000))
	if segs := r.sent(); len(segs) != 1 || len(segs[0].Payload()) != 1000 {
		t.Fatalf("got %d segments, want the 1000 bytes in one", len(segs))
	}
	// The peer acknowledges them all with 2 bytes of its own and offers
	// 100 bytes.
	r.wnd = 100
	r.segment(wire.TCPHeader{Seq: peerISN + 1, Ack: rawISN + 1 + 1000, Flags: wire.TCPAck}, []byte("ab"))
	if i := r.info(conn); i.SendWindow != 100 {
		t.Fatalf("send window %d after an ACK offering 100", i.SendWindow)
	}
	// Its next bytes (a later SEG.SEQ than SND.WL1) come with an older
	// ACK (500 of the 1000) and a large window.
	r.segment(wire.TCPHeader{Seq: peerISN + 3, Ack: rawISN + 1 + 500, Flags: wire.TCPAck, Window: 60000}, []byte("late"))
	r.sleep(time.Second) // the delayed ACK
	if got := string(rec.received(conn)); got != "ablate" {
		t.Fatalf("received %q, want the segment's data", got)
	}
	if i := r.info(conn); i.SendWindow != 100 {
		t.Errorf("send window %d after a segment with an ACK below SND.UNA offering 60000, want 100 still", i.SendWindow)
	}
}
