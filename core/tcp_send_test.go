package core_test

import (
	"testing"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/wire"
)

// TestTCPNagleAndNoDelay checks RFC 1122 §4.2.3.4 as behaviour: with
// Nagle's algorithm, small writes made while data is unacknowledged wait
// and leave as one segment when the ACK comes; with TCP_NODELAY each
// small write leaves at once.
func TestTCPNagleAndNoDelay(t *testing.T) {
	r := newRawPeer(t, newVirtual(t), 0)
	rec := newRec(r.env)
	_, conn := r.accept(rec, wire.TCPOptions{MSS: 1000})
	r.write(rec, conn, []byte("a"))
	if s := r.one("a write on an idle connection"); string(s.Payload()) != "a" {
		t.Fatalf("got %s, want the byte at once", segString(s))
	}
	for _, b := range []string{"b", "c", "d"} {
		r.write(rec, conn, []byte(b))
		r.none("a small write with data unacknowledged")
	}
	r.ack(1)
	if s := r.one("the ACK of the first byte"); string(s.Payload()) != "bcd" || s.Seq() != rawISN+2 {
		t.Fatalf("got %s %q, want the three writes coalesced in one segment", segString(s), s.Payload())
	}
	r.ack(4)
	r.none("all acknowledged")

	r.call(r.s, func(c *core.Core) error { c.TCPSetNoDelay(conn, true); return nil })
	for i, b := range []string{"e", "f", "g"} {
		r.write(rec, conn, []byte(b))
		if s := r.one("a small write with TCP_NODELAY"); string(s.Payload()) != b || s.Seq() != rawISN+5+uint32(i) {
			t.Fatalf("got %s %q, want %q at once", segString(s), s.Payload(), b)
		}
	}
	// Nagle again: the next small write waits for the three in flight.
	r.call(r.s, func(c *core.Core) error { c.TCPSetNoDelay(conn, false); return nil })
	r.write(rec, conn, []byte("h"))
	r.none("a small write with Nagle back on")
	r.ack(7)
	if s := r.one("the ACK of the TCP_NODELAY writes"); string(s.Payload()) != "h" {
		t.Fatalf("got %s %q, want the held byte", segString(s), s.Payload())
	}
}
