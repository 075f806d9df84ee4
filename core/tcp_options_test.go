package core_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/wire"
)

// synOptions parses a SYN's options.
func synOptions(t *testing.T, s wire.TCP) wire.TCPOptions {
	t.Helper()
	var o wire.TCPOptions
	if err := wire.ParseTCPOptions(s.Options(), &o); err != nil {
		t.Fatalf("SYN options %x: %v", s.Options(), err)
	}
	return o
}

// TestTCPWindowScaling checks RFC 7323 §2: scaling is used only when
// both SYNs carry the option, on a passive open (the SYN-ACK answers the
// option only if the SYN had it) and an active one (the SYN always offers
// it; a SYN-ACK without it turns scaling off on both sides).
func TestTCPWindowScaling(t *testing.T) {
	// The stack's 256 KiB receive buffer needs shift 3 to fit 16 bits.
	const ourShift = 3
	for _, tc := range []struct {
		name    string
		active  bool
		peerWS  bool
		peerSh  uint8
		sendWnd int // the peer's window field 100, as the stack reads it
	}{
		{"passive, both offer", false, true, 7, 100 << 7},
		{"passive, peer does not", false, false, 0, 100},
		{"active, both offer", true, true, 2, 100 << 2},
		{"active, peer does not", true, false, 0, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRawPeer(t, newVirtual(t), 0)
			rec := newRec(r.env)
			peer := wire.TCPOptions{MSS: 1460, HasWindowScale: tc.peerWS, WindowScale: tc.peerSh}
			var conn *core.TCPPCB
			var stackPort uint16
			if tc.active {
				conn = r.dial(r.s, rec, "10.0.0.1:40000")
				syn := r.one("connect")
				if o := synOptions(t, syn); syn.Flags() != wire.TCPSyn || !o.HasWindowScale || o.WindowScale != ourShift || o.MSS != 1460 {
					t.Fatalf("got SYN %s with options %+v, want window scale %d and MSS 1460", segString(syn), o, ourShift)
				}
				stackPort = syn.SrcPort()
				r.segment(wire.TCPHeader{DstPort: stackPort, Seq: peerISN, Ack: rawISN + 1, Flags: wire.TCPSyn | wire.TCPAck, Options: peer}, nil)
				rec.next(r.env, "connected", time.Second)
				if a := r.one("the SYN-ACK"); a.Flags() != wire.TCPAck || a.Ack() != peerISN+1 {
					t.Fatalf("got %s, want the handshake's ACK", segString(a))
				}
			} else {
				var synack wire.TCP
				synack, conn = r.accept(rec, peer)
				o := synOptions(t, synack)
				if o.HasWindowScale != tc.peerWS || (tc.peerWS && o.WindowScale != ourShift) {
					t.Fatalf("got SYN-ACK options %+v to a SYN with window scale %v, want it answered only if offered, shift %d",
						o, tc.peerWS, ourShift)
				}
				if synack.Window() != 65535 {
					t.Errorf("got SYN-ACK window %d, want 65535 (a SYN's window is never scaled)", synack.Window())
				}
				stackPort = 80
			}
			// The peer's window field 100 and 2000 bytes of data.
			r.wnd = 100
			r.segment(wire.TCPHeader{DstPort: stackPort, Seq: peerISN + 1, Ack: rawISN + 1, Flags: wire.TCPAck}, pattern(2000))
			r.sleep(time.Second) // the delayed ACK
			a := r.one("data")
			if i := r.info(conn); i.SendWindow != tc.sendWnd {
				t.Errorf("got send window %d from a window field of 100, want %d", i.SendWindow, tc.sendWnd)
			}
			wantField := 256 << 10 >> ourShift // the data was read at once
			if !tc.peerWS {
				wantField = 65535
			}
			if int(a.Window()) != wantField {
				t.Errorf("got window field %d in the ACK, want %d", a.Window(), wantField)
			}
		})
	}
}

// TestTCPMSSFromMTU checks the MSS option (RFC 9293 §3.7.1, RFC 879): a
// stack announces its netif's MTU less 40, sends segments no larger than
// the smaller of both MSS values, whichever side has the smaller MTU.
func TestTCPMSSFromMTU(t *testing.T) {
	t.Run("raw peer", func(t *testing.T) {
		r := newRawPeer(t, newVirtual(t), 1280)
		rec := newRec(r.env)
		synack, conn := r.accept(rec, wire.TCPOptions{MSS: 536})
		if o := synOptions(t, synack); o.MSS != 1240 {
			t.Fatalf("got MSS option %d on an MTU of 1280, want 1240", o.MSS)
		}
		if mss := r.info(conn).MSS; mss != 536 {
			t.Fatalf("got MSS %d, want the peer's 536", mss)
		}
		r.write(rec, conn, pattern(3000))
		for n := 0; n < 3000; {
			segs := r.sent()
			if len(segs) == 0 {
				t.Fatal("the stack stopped sending")
			}
			for _, s := range segs {
				if len(s.Payload()) > 536 {
					t.Fatalf("got a segment of %d bytes, want at most 536", len(s.Payload()))
				}
				n += len(s.Payload())
			}
			r.ack(n)
		}
	})
	for _, mtus := range [][2]int{{1280, 576}, {576, 1280}} {
		t.Run("pair", func(t *testing.T) {
			p := newPairMTU(t, newVirtual(t), mem.Impairments{Delay: time.Millisecond}, mtus[0], mtus[1])
			var mu sync.Mutex
			largest := 0
			p.pipe.SetCapture(captureFunc(func(_ time.Duration, f []byte) {
				if seg, ok := tcpOf(f); ok {
					mu.Lock()
					largest = max(largest, len(seg.Payload()))
					mu.Unlock()
				}
			}))
			ra, rb := newRec(p.env), newRec(p.env)
			const size = 100_000
			ra.dataAt, rb.dataAt = size, size
			client, server := p.connected(ra, rb)
			up, down := pattern(size), pattern(size + 1)[1:]
			p.call(p.a, func(c *core.Core) error { ra.send(c, client, up, false); return nil })
			p.call(p.b, func(c *core.Core) error { rb.send(c, server, down, false); return nil })
			rb.next(p.env, "data", time.Minute)
			ra.next(p.env, "data", time.Minute)
			if !bytes.Equal(rb.received(server), up) || !bytes.Equal(ra.received(client), down) {
				t.Fatal("the transfers were not intact")
			}
			var ma, mb int
			p.call(p.a, func(c *core.Core) error { ma = client.Info().MSS; return nil })
			p.call(p.b, func(c *core.Core) error { mb = server.Info().MSS; return nil })
			mu.Lock()
			defer mu.Unlock()
			if ma != 536 || mb != 536 || largest != 536 {
				t.Errorf("MTUs %v: got MSS %d and %d, largest segment %d bytes, want 536 (576 - 40) for all", mtus, ma, mb, largest)
			}
			if n := p.counter(p.a, "ip-fragments-out") + p.counter(p.b, "ip-fragments-out"); n != 0 {
				t.Errorf("got %d fragments, want none", n)
			}
		})
	}
}

// captureFunc adapts a function to mem.Capturer.
type captureFunc func(at time.Duration, frame []byte)

func (f captureFunc) Capture(at time.Duration, frame []byte) { f(at, frame) }
