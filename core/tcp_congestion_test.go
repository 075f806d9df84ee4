package core_test

import (
	"testing"

	"github.com/netlab/netlab/core/wire"
)

// ackingPeer is a receiver played by a rawPeer: it takes the stack's
// segments one at a time in the order they were sent, drops those the
// test chooses (first transmissions only), and answers each segment it
// keeps with a cumulative ACK, as a receiver without delayed ACKs does.
type ackingPeer struct {
	r      *rawPeer
	queue  []wire.TCP
	rcvNxt uint32
	held   map[uint32]uint32 // out-of-order: seq → end
	drop   map[uint32]bool   // sequence numbers to drop once
}

func newAckingPeer(r *rawPeer) *ackingPeer {
	return &ackingPeer{r: r, rcvNxt: rawISN + 1, held: map[uint32]uint32{}, drop: map[uint32]bool{}}
}

// collect appends what the stack sent since the last call.
func (a *ackingPeer) collect() { a.queue = append(a.queue, a.r.sent()...) }

// step takes the next segment: it returns it and whether it was kept
// (and acknowledged).
func (a *ackingPeer) step() (wire.TCP, bool) {
	a.r.t.Helper()
	if len(a.queue) == 0 {
		a.collect()
		if len(a.queue) == 0 {
			a.r.t.Fatal("the stack sent nothing more")
		}
	}
	seg := a.queue[0]
	a.queue = a.queue[1:]
	if a.drop[seg.Seq()] {
		delete(a.drop, seg.Seq())
		return seg, false
	}
	end := seg.Seq() + uint32(len(seg.Payload()))
	if seg.Seq() == a.rcvNxt {
		a.rcvNxt = end
		for {
			e, ok := a.held[a.rcvNxt]
			if !ok {
				break
			}
			delete(a.held, a.rcvNxt)
			a.rcvNxt = e
		}
	} else if int32(seg.Seq()-a.rcvNxt) > 0 {
		a.held[seg.Seq()] = end
	}
	a.r.inject(peerISN+1, a.rcvNxt, wire.TCPAck, "")
	a.collect()
	return seg, true
}

// TestTCPCongestionControl follows one connection's congestion window
// through slow start (it doubles each round trip), a window with two
// losses (fast retransmit after the third duplicate ACK, before any
// timeout; NewReno's partial ACK retransmitting the second hole at once;
// the full ACK ending recovery at ssthresh), and congestion avoidance
// (one MSS per window of data acknowledged): RFC 5681 §3.1, §3.2 and
// RFC 6582 §3.2.
func TestTCPCongestionControl(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	_, conn := r.accept(rec, wire.TCPOptions{MSS: 1000})
	const mss = 1000
	a := newAckingPeer(r)
	r.write(rec, conn, pattern(400_000))
	a.collect()
	info := r.info(conn)
	if info.Cwnd != 10*mss || len(a.queue) != 10 {
		t.Fatalf("got cwnd %d and %d segments out, want the initial window of 10 segments (RFC 6928)", info.Cwnd, len(a.queue))
	}

	// Slow start: each ACK of a full segment adds one MSS, so the window
	// doubles each round trip.
	for round, want := range []int{20 * mss, 40 * mss} {
		for n := len(a.queue); n > 0; n-- {
			a.step()
		}
		if info = r.info(conn); info.Cwnd != want || len(a.queue) != want/mss {
			t.Fatalf("round %d: got cwnd %d, %d segments out, want %d", round+1, info.Cwnd, len(a.queue), want)
		}
	}

	// Two losses in the next window, the 4th and the 11th segment.
	lost1 := a.queue[3].Seq()
	lost2 := a.queue[10].Seq()
	a.drop[lost1], a.drop[lost2] = true, true
	for range 3 {
		a.step()
	}
	if _, kept := a.step(); kept {
		t.Fatal("the first loss was not dropped")
	}
	retransmitted := func(seq uint32) bool {
		for _, s := range a.queue {
			if s.Seq() == seq {
				return true
			}
		}
		return false
	}
	var flight int
	for dup := 1; dup <= 3; dup++ {
		if dup == 3 {
			info = r.info(conn)
			flight = info.SendQueued - info.Unsent
		}
		a.step()
		if dup < 3 && retransmitted(lost1) {
			t.Fatalf("retransmitted after %d duplicate ACKs, want 3", dup)
		}
	}
	if !retransmitted(lost1) {
		t.Fatal("no fast retransmit after 3 duplicate ACKs")
	}
	if n := r.counter(r.s, "tcp-rto-expiries"); n != 0 {
		t.Fatalf("got %d RTO expiries, want the retransmission before any", n)
	}
	if n := r.counter(r.s, "tcp-fast-retransmits"); n != 1 {
		t.Fatalf("got tcp-fast-retransmits %d, want 1", n)
	}
	info = r.info(conn)
	ssthresh := max(flight/2, 2*mss)
	if info.Ssthresh != ssthresh || info.Cwnd != ssthresh+3*mss {
		t.Fatalf("after fast retransmit with %d bytes in flight: got ssthresh %d cwnd %d, want %d and ssthresh+3·MSS %d",
			flight, info.Ssthresh, info.Cwnd, ssthresh, ssthresh+3*mss)
	}
	// Each further duplicate ACK inflates the window by one MSS.
	for {
		cwnd := r.info(conn).Cwnd
		seg, _ := a.step()
		if seg.Seq() == lost1 {
			break // the retransmission: the partial ACK went out
		}
		if seg.Seq() == lost2 {
			continue // the second loss, dropped
		}
		if got := r.info(conn).Cwnd; got != cwnd+mss {
			t.Fatalf("got cwnd %d after a duplicate ACK, want %d", got, cwnd+mss)
		}
	}
	// The partial ACK (up to the second hole): the second hole goes
	// again at once, the window deflates by what was acknowledged and
	// grows back by one MSS, recovery goes on.
	if a.rcvNxt != lost2 {
		t.Fatalf("the peer acknowledged %d, want the second hole %d", a.rcvNxt, lost2)
	}
	if !retransmitted(lost2) {
		t.Fatal("no retransmission of the second hole after the partial ACK")
	}
	if info = r.info(conn); info.Ssthresh != ssthresh || info.Retransmits != 2 {
		t.Fatalf("after the partial ACK: got ssthresh %d, %d retransmits, want %d and 2", info.Ssthresh, info.Retransmits, ssthresh)
	}
	var flightLeft int
	for {
		before, una := r.info(conn), a.rcvNxt
		seg, _ := a.step()
		if seg.Seq() == lost2 {
			flightLeft = before.SendQueued - before.Unsent - int(a.rcvNxt-una)
			break
		}
	}
	// The full ACK ends recovery: cwnd = min(ssthresh, max(FlightSize,
	// SMSS) + SMSS) (RFC 6582 §3.2 step 3).
	want := min(ssthresh, max(flightLeft, mss)+mss)
	if info = r.info(conn); info.Cwnd != want || info.Retransmits != 2 || r.counter(r.s, "tcp-rto-expiries") != 0 {
		t.Fatalf("after the full ACK with %d bytes in flight: got cwnd %d, %d retransmits, want %d and 2", flightLeft, info.Cwnd, info.Retransmits, want)
	}

	// Congestion avoidance: slow start up to ssthresh first, then one
	// MSS more once a window's worth of bytes is acknowledged.
	for r.info(conn).Cwnd < ssthresh {
		a.step()
	}
	cwnd := r.info(conn).Cwnd
	if r.info(conn).Ssthresh != ssthresh || cwnd >= ssthresh+mss {
		t.Fatalf("got cwnd %d leaving slow start, want it within one MSS over ssthresh %d", cwnd, ssthresh)
	}
	acked := 0
	for acked < cwnd {
		if got := r.info(conn).Cwnd; got != cwnd {
			t.Fatalf("got cwnd %d after %d of %d bytes acknowledged in congestion avoidance, want %d", got, acked, cwnd, cwnd)
		}
		before := a.rcvNxt
		a.step()
		acked += int(a.rcvNxt - before)
	}
	if got := r.info(conn).Cwnd; got != cwnd+mss {
		t.Fatalf("got cwnd %d after a window of %d bytes acknowledged, want %d (one MSS more)", got, acked, cwnd+mss)
	}
}
