//go:build !race

package wire

import "testing"

// TCP's view, option parser and encoder sit on the fast path of every
// segment: they allocate nothing (see alloc_test.go for why !race).

var sinkOpts TCPOptions

func TestAllocsTCP(t *testing.T) {
	syn, data := fixtureTCPSyn, fixtureTCPData
	h := TCPHeader{SrcPort: 1, DstPort: 2, Seq: 3, Ack: 4, Flags: TCPSyn | TCPAck, Window: 5,
		Options: TCPOptions{MSS: 1460, SACKPermitted: true, Timestamps: true, HasWindowScale: true, WindowScale: 7}}
	out := make([]byte, TCPMaxHeaderLen+16)
	assertNoAllocs(t, "TCP", func() {
		s := TCP(syn)
		sinkErr = s.Validate(ipA, ipB)
		sinkU16 = s.SrcPort() + s.DstPort() + s.Window() + s.Checksum() + s.Urgent()
		sinkU32 = s.Seq() + s.Ack()
		sinkInt = s.HeaderLen() + int(s.Flags())
		sinkErr = ParseTCPOptions(s.Options(), &sinkOpts)
		sinkBytes = TCP(data).Payload()
		n := h.Marshal(out)
		SetTCPChecksum(out[:n+16], ipA, ipB)
		sinkInt = h.Len()
	})
}
