package core

import (
	"net/netip"

	"github.com/netlab/netlab/core/link"
	"github.com/netlab/netlab/core/wire"
)

// fragBuf is where fragments are built, one at a time.
type fragBuf [link.MaxFrame]byte

// fragment splits the packet in frame (after 14 bytes of room) into
// fragments that fit n's MTU and sends each (RFC 791 section 3.2,
// "Fragmentation"). Options without the copied flag go only into the
// first fragment.
func (c *Core) fragment(n *Netif, hop netip.Addr, frame []byte) {
	ip := wire.IPv4(frame[ipOff:])
	hl := ip.HeaderLen()
	payload := ip[hl:ip.TotalLen()]
	baseOff, lastMF := ip.FragOffset(), ip.MF()
	opts := ip.Options()
	var later [wire.IPv4MaxHeaderLen - wire.IPv4MinHeaderLen]byte
	laterLen := copiedOptions(later[:], opts)

	c.count(cntIPFragmented)
	buf := &c.frags
	for off := 0; off < len(payload); {
		first := off == 0
		h, err := wire.ParseIPv4Header(ip)
		if err != nil {
			return
		}
		if !first {
			h.Options = later[:laterLen]
		}
		room := (n.mtu - h.Len()) &^ 7
		if room <= 0 {
			return
		}
		size := min(room, len(payload)-off)
		last := off+size == len(payload)
		h.TotalLen = h.Len() + size
		h.FragOffset = baseOff + off
		h.Flags &^= wire.IPv4FlagMF
		if !last || lastMF {
			h.Flags |= wire.IPv4FlagMF
		}
		f := buf[:ipOff+h.TotalLen]
		h.Marshal(f[ipOff:])
		copy(f[ipOff+h.Len():], payload[off:off+size])
		c.count(cntIPFragmentsOut)
		if n.loopback {
			n.etherOutput(wire.MAC{}, wire.EtherTypeIPv4, f)
		} else {
			c.arp.resolveAndSend(n, hop, f)
		}
		off += size
	}
}

// copiedOptions copies the options whose copied flag is set (RFC 791:
// the high bit of the type) into dst, pads them to a multiple of 4 with
// EOL, and returns the length.
func copiedOptions(dst, opts []byte) int {
	n := 0
	for i := 0; i < len(opts); {
		t := opts[i]
		if t == wire.IPv4OptEOL {
			break
		}
		if t == wire.IPv4OptNOP {
			i++
			continue
		}
		if i+1 >= len(opts) {
			break
		}
		l := int(opts[i+1])
		if l < 2 || i+l > len(opts) {
			break
		}
		if t&0x80 != 0 && n+l <= len(dst) {
			n += copy(dst[n:], opts[i:i+l])
		}
		i += l
	}
	for n%4 != 0 {
		dst[n] = wire.IPv4OptEOL
		n++
	}
	return n
}
