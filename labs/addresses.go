package labs

import (
	"encoding/binary"
	"net/netip"
)

// This file checks the static addresses of a lab's interfaces against
// each other, as the steps leave them: one node's subnets must not
// overlap (its connected routes could not say which interface reaches an
// address in both), and one Ethernet segment must not hold an address
// twice (both would answer ARP for it).

// vsegment is one Ethernet segment: the link ends that hear each other's
// broadcasts, joined by pipes and switches.
type vsegment struct {
	link   string // the first link joining it
	sw     string // a switch in it, "" when it is one pipe
	parent *vsegment
}

// root returns the segment s was merged into.
func (s *vsegment) root() *vsegment {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

// vaddr is an interface's static address and where the lab gives it.
type vaddr struct {
	prefix netip.Prefix
	path   string
	node   int       // the node's 1-based position
	seg    *vsegment // the interface's segment, nil when on no link
}

// netKey names a prefix of one node: the node's 1-based position, the
// prefix length and the prefix's network address, packed.
type netKey uint64

// nodeNet returns the netKey of a's prefix of length bits on node.
func nodeNet(node int, a netip.Addr, bits int) netKey {
	p, _ := a.Prefix(bits)
	b := p.Addr().As4()
	return netKey(uint64(node)<<40 | uint64(bits)<<32 | uint64(binary.BigEndian.Uint32(b[:])))
}

// segAddr is an address on a segment.
type segAddr struct {
	seg  *vsegment
	addr netip.Addr
}

// addressBook holds the static addresses the interfaces have at one
// point of the steps, indexed so that checking an address costs a few
// dozen map lookups however large the lab. It holds only addresses that
// passed the checks, so that no two of a node's subnets overlap and no
// segment has an address twice: a mistake is reported once, not again
// by the addresses that meet it later.
type addressBook struct {
	byIface map[string]vaddr // "node:interface" -> its address
	// nets maps each node's subnets (a node has each at most once) to
	// the interface on it.
	nets map[netKey]string
	// under counts a node's subnets strictly inside each shorter prefix.
	under map[netKey]int32
	onSeg map[segAddr]string // -> the interface with that address there
}

func newAddressBook() addressBook {
	return addressBook{byIface: map[string]vaddr{}, nets: map[netKey]string{}, under: map[netKey]int32{}, onSeg: map[segAddr]string{}}
}

// add records key's address a, which must not overlap the node's others.
func (b *addressBook) add(key string, a vaddr) {
	b.byIface[key] = a
	p := a.prefix
	b.nets[nodeNet(a.node, p.Addr(), p.Bits())] = key
	for bits := 1; bits < p.Bits(); bits++ {
		b.under[nodeNet(a.node, p.Addr(), bits)]++
	}
	if a.seg != nil {
		b.onSeg[segAddr{a.seg, p.Addr()}] = key
	}
}

// forget removes key's address, if it has one.
func (b *addressBook) forget(key string) {
	a, ok := b.byIface[key]
	if !ok {
		return
	}
	delete(b.byIface, key)
	p := a.prefix
	delete(b.nets, nodeNet(a.node, p.Addr(), p.Bits()))
	for bits := 1; bits < p.Bits(); bits++ {
		k := nodeNet(a.node, p.Addr(), bits)
		if b.under[k]--; b.under[k] == 0 {
			delete(b.under, k)
		}
	}
	if a.seg != nil {
		delete(b.onSeg, segAddr{a.seg, p.Addr()})
	}
}

// overlapping returns the interface of node whose subnet overlaps p, if
// there is one. Two prefixes overlap when one holds the other: a subnet
// of node holds p when it is p cut to its own length; p holds subnets
// when under counts some, and halving p towards them finds one.
func (b *addressBook) overlapping(node int, p netip.Prefix) (string, bool) {
	for bits := 1; bits <= p.Bits(); bits++ {
		if key, ok := b.nets[nodeNet(node, p.Addr(), bits)]; ok {
			return key, true
		}
	}
	if b.under[nodeNet(node, p.Addr(), p.Bits())] == 0 {
		return "", false
	}
	a := p.Masked().Addr().As4()
	x := binary.BigEndian.Uint32(a[:])
	for bits := p.Bits() + 1; bits <= 32; bits++ {
		lo, hi := x, x|1<<(32-bits)
		for _, half := range []uint32{lo, hi} {
			if key, ok := b.nets[nodeNet(node, addrOf(half), bits)]; ok {
				return key, true
			}
		}
		if b.under[nodeNet(node, addrOf(lo), bits)] > 0 {
			x = lo
		} else {
			x = hi
		}
	}
	return "", false // under and nets disagree: cannot happen
}

// addrOf returns the IPv4 address x.
func addrOf(x uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], x)
	return netip.AddrFrom4(b)
}

// checkAddresses joins the links into Ethernet segments and checks the
// addresses the nodes start with (steps change them later).
func (v *validator) checkAddresses() {
	for _, l := range v.lab.Links {
		var ends []*vsegment
		for _, ep := range []Endpoint{l.A, l.B} {
			kind := v.kindOf(ep.Node)
			if kind == "" || (kind == KindSwitch) != (ep.Interface == "") {
				continue // reported
			}
			key := ep.String()
			if kind == KindSwitch {
				key = ep.Node
			}
			seg := v.segments[key]
			if seg == nil {
				seg = &vsegment{link: l.ID}
				if kind == KindSwitch {
					seg.sw = ep.Node
				}
				v.segments[key] = seg
			}
			ends = append(ends, seg.root())
		}
		if len(ends) == 2 && ends[0] != ends[1] {
			ends[1].parent = ends[0]
			if ends[0].sw == "" {
				ends[0].sw = ends[1].sw
			}
		}
	}
	for _, n := range v.lab.Nodes {
		ip := childPath(nodePath(n.Name), "interfaces")
		for _, itf := range n.Interfaces {
			v.setAddress(n.Name, itf.Name, itf.Address, childPath(ip, itf.Name)+".address")
		}
	}
}

// setAddress gives node:iface address p (none when p is the zero
// Prefix), given at path, and reports it when it overlaps a subnet of
// another of the node's interfaces, or when an interface on the same
// Ethernet segment already has its address. Addresses already reported
// as impossible are left out.
func (v *validator) setAddress(node, iface string, p netip.Prefix, path string) {
	key := node + ":" + iface
	v.addrs.forget(key)
	vn := v.nodes[node]
	if vn == nil || !p.IsValid() || ifaceAddrProblem(p) != "" {
		return
	}
	a := vaddr{prefix: p, path: path, node: vn.index}
	if s := v.segments[key]; s != nil {
		a.seg = s.root()
	}
	if other, ok := v.addrs.overlapping(vn.index, p); ok {
		o := v.addrs.byIface[other]
		v.errorf(path, "%s overlaps %s of %s (line %d): one node's interfaces need subnets that do not overlap, or its routes cannot tell which interface reaches an address",
			p, o.prefix, other, lookupPos(v.d.pos, o.path).Line)
		return
	}
	if other, ok := v.addrs.onSeg[segAddr{a.seg, p.Addr()}]; ok && a.seg != nil {
		where := "on the same link " + a.seg.link
		if a.seg.sw != "" {
			where = "on the same segment (through switch " + a.seg.sw + ")"
		}
		v.errorf(path, "%s is already the address of %s (line %d), %s: every interface on a segment needs an address of its own, or ARP answers for both",
			p.Addr(), other, lookupPos(v.d.pos, v.addrs.byIface[other].path).Line, where)
		return
	}
	v.addrs.add(key, a)
}
