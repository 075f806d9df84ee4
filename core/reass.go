package core

import (
	"encoding/binary"
	"net/netip"
	"sort"
	"time"

	"github.com/netlab/netlab/core/wire"
)

// Reassembly limits, after lwIP's ip4_frag.c and RFC 791 section 3.2.
const (
	reassTimeout   = 15 * time.Second // IP_REASS_MAXAGE
	reassMaxBytes  = 256 << 10        // buffer memory held in all
	reassMaxDgrams = 16               // datagrams reassembled at once
)

type reassKey struct {
	src, dst netip.Addr
	id       uint16
	proto    uint8
}

// reassDgram is one datagram being reassembled.
type reassDgram struct {
	key     reassKey
	netif   *Netif
	header  []byte // the first fragment's header, once it came
	data    []byte // payload bytes, at their offsets
	have    []span // received payload ranges, sorted, merged
	total   int    // payload length once the last fragment came, else -1
	expires time.Duration
	first   []byte // the first fragment's header and 8 bytes, for ICMP
}

type span struct{ from, to int }

// reassembly holds datagrams being reassembled. Owned by the tcpip
// goroutine.
type reassembly struct {
	c     *Core
	dgs   map[reassKey]*reassDgram
	bytes int
	timer *Timer
}

func (r *reassembly) init(c *Core) {
	r.c = c
	r.dgs = make(map[reassKey]*reassDgram)
	r.timer = c.NewTimer("ip reass", "core", func(c *Core) { c.reass.tick() })
}

// input takes a fragment and returns the whole datagram (a new buffer)
// once every fragment has come, or nil.
func (r *reassembly) input(n *Netif, ip wire.IPv4) []byte {
	c := r.c
	k := reassKey{ip.Src(), ip.Dst(), ip.ID(), ip.Protocol()}
	d := r.dgs[k]
	if d == nil {
		if len(r.dgs) >= reassMaxDgrams {
			r.evictOldest()
		}
		d = &reassDgram{key: k, netif: n, total: -1, expires: c.now + reassTimeout}
		r.dgs[k] = d
		if !r.timer.Armed() {
			c.StartTimer(r.timer, time.Second, time.Second)
		}
	}
	payload := ip.Payload()
	from := ip.FragOffset()
	to := from + len(payload)
	if to > 65535-wire.IPv4MinHeaderLen || ip.MF() && len(payload)%8 != 0 {
		r.fail(d, "bad fragment")
		return nil
	}
	if !ip.MF() {
		if d.total >= 0 && d.total != to {
			r.fail(d, "conflicting last fragment")
			return nil
		}
		d.total = to
	}
	if d.total >= 0 && to > d.total {
		r.fail(d, "fragment beyond the end")
		return nil
	}
	// An overlap that is not an exact duplicate ends the datagram: the
	// classic overlapping-fragment attacks need it (RFC 1858, RFC 3128).
	for _, s := range d.have {
		if from < s.to && s.from < to {
			if from >= s.from && to <= s.to && string(d.data[from:to]) == string(payload) {
				return nil // a duplicate
			}
			r.fail(d, "overlapping fragments")
			return nil
		}
	}
	if to > len(d.data) && to <= cap(d.data) {
		d.data = d.data[:to]
	} else if to > len(d.data) {
		// The limit counts the memory held, not the bytes received: one
		// small fragment at a high offset holds a large buffer.
		size := max(to, min(2*cap(d.data), 65535))
		if r.bytes-cap(d.data)+size > reassMaxBytes {
			r.fail(d, "memory limit")
			return nil
		}
		grown := make([]byte, to, size)
		copy(grown, d.data)
		r.bytes += size - cap(d.data)
		d.data = grown
	}
	copy(d.data[from:to], payload)
	d.have = append(d.have, span{from, to})
	sort.Slice(d.have, func(i, j int) bool { return d.have[i].from < d.have[j].from })
	d.have = mergeSpans(d.have)
	if from == 0 {
		d.header = append([]byte(nil), ip[:ip.HeaderLen()]...)
		d.first = append([]byte(nil), ip[:min(len(ip), ip.HeaderLen()+8)]...)
	}
	if d.total < 0 || d.header == nil || len(d.have) != 1 || d.have[0].from != 0 || d.have[0].to != d.total {
		return nil
	}
	r.remove(d)
	c.count(cntIPReassembled)
	whole := make([]byte, len(d.header)+d.total)
	copy(whole, d.header)
	copy(whole[len(d.header):], d.data[:d.total])
	// The first fragment's header, made whole: total length, no MF, offset
	// 0 (the DF bit stays), and its checksum again.
	binary.BigEndian.PutUint16(whole[2:], uint16(len(whole)))
	binary.BigEndian.PutUint16(whole[6:], binary.BigEndian.Uint16(whole[6:])&wire.IPv4FlagDF)
	whole[10], whole[11] = 0, 0
	binary.BigEndian.PutUint16(whole[10:], wire.Checksum(whole[:len(d.header)], 0))
	return whole
}

func mergeSpans(s []span) []span {
	out := s[:1]
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if x.from <= last.to {
			last.to = max(last.to, x.to)
		} else {
			out = append(out, x)
		}
	}
	return out
}

func (r *reassembly) remove(d *reassDgram) {
	delete(r.dgs, d.key)
	r.bytes -= cap(d.data)
	if len(r.dgs) == 0 {
		r.c.StopTimer(r.timer)
	}
}

func (r *reassembly) fail(d *reassDgram, why string) {
	r.remove(d)
	r.c.count(cntIPReassemblyFailed)
	r.c.stateEvent(d.netif, "reassembly of id %d failed: %s", d.key.id, why)
}

func (r *reassembly) evictOldest() {
	var oldest *reassDgram
	for _, d := range r.sorted() {
		if oldest == nil || d.expires < oldest.expires {
			oldest = d
		}
	}
	if oldest != nil {
		r.fail(oldest, "too many datagrams")
	}
}

func (r *reassembly) sorted() []*reassDgram {
	out := make([]*reassDgram, 0, len(r.dgs))
	for _, d := range r.dgs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].key, out[j].key
		if a.src != b.src {
			return a.src.Less(b.src)
		}
		if a.dst != b.dst {
			return a.dst.Less(b.dst)
		}
		if a.id != b.id {
			return a.id < b.id
		}
		return a.proto < b.proto
	})
	return out
}

// tick expires datagrams that waited too long; if the first fragment
// came, the sender hears "fragment reassembly time exceeded" (RFC 792).
func (r *reassembly) tick() {
	c := r.c
	for _, d := range r.sorted() {
		if c.now < d.expires {
			continue
		}
		r.fail(d, "timeout")
		if d.first != nil {
			c.icmpError(wire.IPv4(d.first), wire.ICMPTimeExceeded, wire.ICMPReassemblyTimeExceeded, 0)
		}
	}
}

func (r *reassembly) flushNetif(n *Netif) {
	for _, d := range r.sorted() {
		if d.netif == n {
			r.remove(d)
		}
	}
}
