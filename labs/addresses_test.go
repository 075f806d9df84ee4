package labs

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestAddressBookOverlaps compares addressBook.overlapping with the
// obvious answer (does any address of the node overlap?) over random
// additions and removals of prefixes, crowded into 10.0.0.0/16 so that
// many overlap.
func TestAddressBookOverlaps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := newAddressBook()
	random := func() netip.Prefix {
		a := netip.AddrFrom4([4]byte{10, 0, byte(r.IntN(4)), byte(r.IntN(256))})
		return netip.PrefixFrom(a, 14+r.IntN(19))
	}
	for i := range 20000 {
		node, p := 1+r.IntN(2), random()
		key := fmt.Sprintf("n%d:e%d", node, r.IntN(40))
		if r.IntN(3) == 0 {
			b.forget(key)
			continue
		}
		b.forget(key)
		var want []string
		for k, a := range b.byIface {
			if a.node == node && a.prefix.Masked().Overlaps(p.Masked()) {
				want = append(want, k)
			}
		}
		got, ok := b.overlapping(node, p)
		if ok != (len(want) > 0) {
			t.Fatalf("%d: overlapping(%d, %v) = %q, %v; overlapping ones: %v", i, node, p, got, ok, want)
		}
		if ok {
			if o := b.byIface[got]; o.node != node || !o.prefix.Masked().Overlaps(p.Masked()) {
				t.Fatalf("%d: overlapping(%d, %v) = %s (%v), which does not overlap", i, node, p, got, o.prefix)
			}
			continue
		}
		b.add(key, vaddr{prefix: p, node: node})
	}
	for k := range b.byIface {
		b.forget(k)
	}
	if len(b.nets) != 0 || len(b.under) != 0 || len(b.onSeg) != 0 {
		t.Errorf("after forgetting everything: %d nets, %d under, %d on segments", len(b.nets), len(b.under), len(b.onSeg))
	}
}
