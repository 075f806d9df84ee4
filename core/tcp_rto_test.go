package core_test

import (
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
)

// TestTCPRTOEstimation checks RFC 6298 on the virtual clock, where round
// trips are exact: SRTT and RTTVAR after the first sample (R, R/2) and a
// later one (7/8 and 3/4 weights), RTO = SRTT + 4·RTTVAR; Karn's rule (an
// ACK of a retransmitted segment gives no sample); the minimum RTO; exponential backoff up to
// the maximum.
func TestTCPRTOEstimation(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	r.tcpConfig(r.s, func(cfg *core.TCPConfig) { cfg.MinRTO, cfg.MaxRTO = 200*time.Millisecond, 2*time.Second })
	rec := newRec(r.env)
	r.listen(r.s, rec, 80, 4)
	r.handshake(wire.TCPOptions{MSS: 1000}, 100*time.Millisecond) // the SYN-ACK's round trip is the first sample
	conn := rec.next(r.env, "accepted", time.Second).conn
	const ms = time.Millisecond
	check := func(step string, srtt, rttvar, rto time.Duration) {
		t.Helper()
		if i := r.info(conn); i.SRTT != srtt || i.RTTVar != rttvar || i.RTO != rto {
			t.Fatalf("%s: got SRTT %v RTTVAR %v RTO %v, want %v %v %v", step, i.SRTT, i.RTTVar, i.RTO, srtt, rttvar, rto)
		}
	}
	check("first sample of 100ms", 100*ms, 50*ms, 300*ms)

	sent := 0
	send := func() {
		t.Helper()
		r.write(rec, conn, pattern(100))
		sent += 100
		if s := r.one("a write"); s.Seq() != rawISN+1+uint32(sent-100) {
			t.Fatalf("got %s, want new data at %d", segString(s), rawISN+1+sent-100)
		}
	}
	send()
	r.sleep(200 * ms)
	r.ack(sent)
	// RTTVAR = 3/4·50 + 1/4·|100-200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5.
	check("second sample of 200ms", 112500*time.Microsecond, 62500*time.Microsecond, 362500*time.Microsecond)

	// Karn: the segment times out and goes again; its ACK gives no
	// sample and leaves the RTO backed off.
	send()
	r.sleep(362 * ms)
	r.none("before the RTO")
	r.sleep(500 * time.Microsecond)
	if s := r.one("at the RTO"); s.Seq() != rawISN+1+uint32(sent-100) || len(s.Payload()) != 100 {
		t.Fatalf("got %s, want the segment again", segString(s))
	}
	check("after a timeout", 112500*time.Microsecond, 62500*time.Microsecond, 725*ms)
	r.sleep(10 * ms)
	r.ack(sent)
	// No sample (SRTT and RTTVAR stay); the ACK of new data collapses
	// the backoff (see ackAdvance).
	check("after the retransmission's ACK", 112500*time.Microsecond, 62500*time.Microsecond, 362500*time.Microsecond)

	// Round trips of 1ms pull SRTT + 4·RTTVAR far below the minimum.
	for range 40 {
		send()
		r.sleep(ms)
		r.ack(sent)
	}
	if i := r.info(conn); i.RTO != 200*ms || i.SRTT+4*i.RTTVar >= 200*ms {
		t.Fatalf("got RTO %v with SRTT %v RTTVAR %v, want the 200ms minimum", i.RTO, i.SRTT, i.RTTVar)
	}

	// No ACK at all: the RTO doubles at each timeout, up to 2s.
	send()
	for i, wait := range []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms, 2000 * ms, 2000 * ms} {
		r.sleep(wait - ms)
		r.none("before the timeout")
		r.sleep(ms)
		if s := r.one("at the timeout"); s.Seq() != rawISN+1+uint32(sent-100) {
			t.Fatalf("timeout %d: got %s, want the unacknowledged segment", i+1, segString(s))
		}
		if got, want := r.info(conn).RTO, min(2*wait, 2*time.Second); got != want {
			t.Fatalf("timeout %d: got RTO %v, want %v", i+1, got, want)
		}
	}
	if n := r.counter(r.s, "tcp-rto-expiries"); n != 7 {
		t.Errorf("got tcp-rto-expiries %d, want 7", n)
	}
}

// TestTCPAckDuringGoBackN: after a timeout SND.NXT goes back to SND.UNA,
// but an ACK the stack sends then carries SEQ=SND.MAX, the edge the peer
// may have reached; with SEQ=SND.NXT the peer would find it below its
// RCV.NXT, unacceptable, and drop it with its acknowledgment, which
// deadlocks two sides that recover at once.
func TestTCPAckDuringGoBackN(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	_, conn := r.accept(rec, wire.TCPOptions{MSS: 1000})
	r.write(rec, conn, pattern(5000))
	if segs := r.sent(); len(segs) != 5 {
		t.Fatalf("got %d segments, want 5", len(segs))
	}
	// The peer got all five but its ACKs are lost: the RTO fires (the
	// handshake's sample put it at the 200ms minimum).
	r.sleep(time.Second)
	if segs := r.sent(); len(segs) == 0 || segs[0].Seq() != rawISN+1 {
		t.Fatalf("got %v after the RTO, want the first segment again", segStrings(segs))
	}
	if i := r.info(conn); i.Unsent != 4000 {
		t.Fatalf("got %d bytes unsent after the timeout, want 4000 (go-back-N)", i.Unsent)
	}
	// The peer sends data: the stack's ACK must carry SND.MAX.
	r.inject(peerISN+1, rawISN+1, wire.TCPAck|wire.TCPPsh, "x")
	r.sleep(time.Second)
	var acks []wire.TCP
	for _, s := range r.sent() {
		if len(s.Payload()) == 0 {
			acks = append(acks, s)
		}
	}
	if len(acks) == 0 || acks[0].Ack() != peerISN+2 || acks[0].Seq() != rawISN+5001 {
		t.Fatalf("got pure ACKs %v, want one of %d with SEQ=SND.MAX %d", segStrings(acks), peerISN+2, rawISN+5001)
	}
}
