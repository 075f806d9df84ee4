package core_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/core"
	"github.com/netlab/netlab/core/link/mem"
	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/core/wire"
)

// Byte-level tests drive one stack through a mem.Channel: the test injects
// frames as if from the wire and reads what the stack transmits. The test
// is an actor of a virtual clock, so that the stack runs only while the test
// waits in a call, and time moves only when the test sleeps.

// The stack under test is 10.0.0.1 at macUs; its neighbours are 10.0.0.2
// (macPeer) and 10.0.0.3 (macOther).
var (
	macUs    = mac(1)
	macPeer  = mac(2)
	macOther = mac(3)
	ipUs     = addr("10.0.0.1")
	ipPeer   = addr("10.0.0.2")
	ipOther  = addr("10.0.0.3")
)

// wireTest is one stack "s" with eth0 (macUs, 10.0.0.1/24) on a Channel.
type wireTest struct {
	*env
	s  *core.Stack
	ch *mem.Channel
}

func newWireTest(t testing.TB) *wireTest {
	t.Helper()
	clk := newVirtual(t)
	e := newEnv(t, clk)
	w := &wireTest{env: e, s: newStack(t, clk, "s"), ch: mem.NewChannel("s:eth0", 1024)}
	e.actorDone()
	e.addNetif(w.s, "eth0", macUs, "10.0.0.1/24", 0, w.ch.Endpoint())
	w.settle()
	w.ch.Drain() // the gratuitous ARP of the new address
	return w
}

// settle lets the stack process every frame injected so far: under the
// virtual clock, a call's loop turn also takes the frames queued before it.
func (w *wireTest) settle() { w.call(w.s, func(c *core.Core) error { return nil }) }

// inject hands frames to the stack and lets it process them.
func (w *wireTest) inject(frames ...[]byte) {
	for _, f := range frames {
		w.ch.Inject(f)
	}
	w.settle()
}

// sent returns every frame the stack transmitted since the last call.
func (w *wireTest) sent() [][]byte {
	var out [][]byte
	for {
		f, ok := w.ch.TryRead()
		if !ok {
			return out
		}
		out = append(out, f)
	}
}

// expectSent checks that the stack transmitted exactly want since the
// last call.
func (w *wireTest) expectSent(what string, want ...[]byte) {
	w.t.Helper()
	got := w.sent()
	if len(got) != len(want) {
		w.t.Fatalf("%s: got %d frames sent, want %d:\n%s", what, len(got), len(want), describeAll(got))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			w.t.Errorf("%s: frame %d:\ngot  %x\nwant %x\ngot  %s\nwant %s", what, i,
				got[i], want[i], wire.Summarize(got[i]), wire.Summarize(want[i]))
		}
	}
}

func describeAll(frames [][]byte) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString("\t" + wire.Summarize(f) + "\n")
	}
	return b.String()
}

// netifCounter reads a counter of eth0 ("drops:not-for-us", "rx-frames").
func (w *wireTest) netifCounter(name string) uint64 {
	w.t.Helper()
	var v uint64
	w.call(w.s, func(c *core.Core) error {
		var ok bool
		if v, ok = c.NetifByName("eth0").Counter(name); !ok {
			w.t.Fatalf("no netif counter %q", name)
		}
		return nil
	})
	return v
}

func (w *wireTest) arpEntries() []snapshot.ARPEntry {
	var out []snapshot.ARPEntry
	w.call(w.s, func(c *core.Core) error { out = c.ARPEntries(); return nil })
	return out
}

// arpEntry returns the entry for a, if there is one.
func (w *wireTest) arpEntry(a netip.Addr) (snapshot.ARPEntry, bool) {
	for _, e := range w.arpEntries() {
		if e.Address == a {
			return e, true
		}
	}
	return snapshot.ARPEntry{}, false
}

// learnPeer makes the stack learn macPeer for 10.0.0.2, as a request from
// the peer does (RFC 826: we are its target), and discards the reply.
func (w *wireTest) learnPeer() {
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, macPeer, ipPeer, wire.MAC{}, ipUs))
	w.ch.Drain()
}

// unhex turns a hex dump with spaces, newlines and // comments into bytes.
func unhex(s string) []byte {
	var clean strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		panic(err)
	}
	return b
}

// ether builds an Ethernet II frame.
func ether(dst, src wire.MAC, etherType uint16, payload []byte) []byte {
	f := make([]byte, wire.EthernetHeaderLen+len(payload))
	wire.EncodeEthernet(f, dst, src, etherType)
	copy(f[wire.EthernetHeaderLen:], payload)
	return f
}

// arpFrame builds an ARP frame from sha to dst.
func arpFrame(dst wire.MAC, op uint16, sha wire.MAC, spa netip.Addr, tha wire.MAC, tpa netip.Addr) []byte {
	var p [wire.ARPLen]byte
	wire.EncodeARP(p[:], op, sha, spa, tha, tpa)
	return ether(dst, sha, wire.EtherTypeARP, p[:])
}

// pad pads a frame with zeros to the Ethernet minimum of 60 bytes.
func pad(f []byte) []byte {
	for len(f) < wire.EthernetMinLen {
		f = append(f, 0)
	}
	return f
}

// fixtureARPRequestForUs: 10.0.0.2 (02:00:00:00:00:02) asks who has
// 10.0.0.1, padded to 60 bytes as a real NIC sends it.
var fixtureARPRequestForUs = unhex(`
	ffffffffffff 020000000002 0806 // Ethernet: broadcast, from the peer, ARP
	0001 0800 06 04 0001           // Ethernet, IPv4, hln 6, pln 4, request
	020000000002 0a000002          // sender 02:..:02, 10.0.0.2
	000000000000 0a000001          // target unknown, 10.0.0.1
	000000000000000000000000000000000000 // padding
`)

// fixtureARPReplyToPeer: 10.0.0.1 is at 02:00:00:00:00:01, unicast to the
// asker. The stack sends 42 bytes; padding is the driver's business.
var fixtureARPReplyToPeer = unhex(`
	020000000002 020000000001 0806 // Ethernet: to the peer, from us, ARP
	0001 0800 06 04 0002           // Ethernet, IPv4, hln 6, pln 4, reply
	020000000001 0a000001          // sender: us, 10.0.0.1
	020000000002 0a000002          // target: the peer, 10.0.0.2
`)

// fixtureARPRequestFor9: we ask who has 10.0.0.9.
var fixtureARPRequestFor9 = unhex(`
	ffffffffffff 020000000001 0806 // Ethernet: broadcast, from us, ARP
	0001 0800 06 04 0001           // request
	020000000001 0a000001          // sender: us, 10.0.0.1
	000000000000 0a000009          // target unknown, 10.0.0.9
`)

func TestARPRequestForUsGetsExactReply(t *testing.T) {
	w := newWireTest(t)
	w.inject(fixtureARPRequestForUs)
	w.expectSent("reply to a request for 10.0.0.1", fixtureARPReplyToPeer)
	// The builder makes the same request (unpadded) as the fixture.
	if got := pad(arpFrame(wire.BroadcastMAC, wire.ARPRequest, macPeer, ipPeer, wire.MAC{}, ipUs)); !bytes.Equal(got, fixtureARPRequestForUs) {
		t.Errorf("got arpFrame(request 10.0.0.2 -> 10.0.0.1) = %x, want %x", got, fixtureARPRequestForUs)
	}
	// We were the target, so the asker's mapping is learnt (RFC 826).
	e, ok := w.arpEntry(ipPeer)
	if !ok || e.MAC != macPeer || e.State != snapshot.ARPReachable {
		t.Errorf("got entry for 10.0.0.2 = %+v (present %v), want reachable at %v", e, ok, macPeer)
	}
	if n := w.counter(w.s, "arp-replies-out"); n != 1 {
		t.Errorf("got arp-replies-out %d, want 1", n)
	}
}

func TestARPRequestForAnotherAddress(t *testing.T) {
	w := newWireTest(t)
	// 10.0.0.3 asks for 10.0.0.7: not us. No answer, and no entry for the
	// sender, since we are not its target (RFC 826).
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, macOther, ipOther, wire.MAC{}, addr("10.0.0.7")))
	w.expectSent("request for 10.0.0.7")
	if got := w.arpEntries(); len(got) != 0 {
		t.Fatalf("got ARP cache %+v after a request for another host, want empty", got)
	}
	// Once we know 10.0.0.3, requests for others refresh its entry (the
	// merge step of RFC 826) without an answer.
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, macOther, ipOther, wire.MAC{}, ipUs))
	if got := w.sent(); len(got) != 1 {
		t.Fatalf("got %d frames for a request for us, want 1 reply", len(got))
	}
	moved := mac(0x33)
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, moved, ipOther, wire.MAC{}, addr("10.0.0.7")))
	w.expectSent("request for 10.0.0.7 from a known host")
	if e, _ := w.arpEntry(ipOther); e.MAC != moved {
		t.Errorf("got 10.0.0.3 at %v, want %v (merged from its request)", e.MAC, moved)
	}
}

func TestGratuitousARPUpdatesExistingEntryOnly(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	moved := mac(0x22)
	// An announcement: sender and target are both 10.0.0.2 (RFC 5227
	// section 2.3), broadcast.
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, moved, ipPeer, wire.MAC{}, ipPeer))
	w.expectSent("gratuitous ARP")
	if e, _ := w.arpEntry(ipPeer); e.MAC != moved || e.State != snapshot.ARPReachable {
		t.Errorf("got entry %+v after a gratuitous ARP, want reachable at %v", e, moved)
	}
	// A gratuitous reply from a host we do not know makes no entry.
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPReply, macOther, ipOther, wire.BroadcastMAC, ipOther))
	if _, ok := w.arpEntry(ipOther); ok {
		t.Errorf("got an entry for 10.0.0.3 from its gratuitous ARP, want none")
	}
}

type conflict struct {
	netif string
	addr  netip.Addr
	mac   wire.MAC
}

func TestARPConflictReachesHook(t *testing.T) {
	w := newWireTest(t)
	got := newMailbox[conflict](w.env)
	w.call(w.s, func(c *core.Core) error {
		c.OnAddressConflict(func(c *core.Core, n *core.Netif, a netip.Addr, m wire.MAC) {
			got.put(conflict{n.Name(), a, m})
		})
		return nil
	})
	// Someone else announces 10.0.0.1.
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPReply, macOther, ipUs, wire.BroadcastMAC, ipUs))
	if c := got.get(w.env, time.Second); c != (conflict{"eth0", ipUs, macOther}) {
		t.Errorf("got conflict %+v, want eth0 10.0.0.1 from %v", c, macOther)
	}
	if _, ok := w.arpEntry(ipUs); ok {
		t.Error("got an ARP entry for our own address")
	}
	// While probing for 10.0.0.50 (RFC 5227 section 2.1.1), another
	// host's probe for it and its claim of it are both conflicts.
	probed := addr("10.0.0.50")
	w.call(w.s, func(c *core.Core) error { c.SetProbing(c.NetifByName("eth0"), probed); return nil })
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, macOther, netip.IPv4Unspecified(), wire.MAC{}, probed))
	if c := got.get(w.env, time.Second); c != (conflict{"eth0", probed, macOther}) {
		t.Errorf("got conflict %+v for a probe, want eth0 %v from %v", c, probed, macOther)
	}
	w.inject(arpFrame(macUs, wire.ARPReply, macPeer, probed, macUs, ipUs))
	if c := got.get(w.env, time.Second); c != (conflict{"eth0", probed, macPeer}) {
		t.Errorf("got conflict %+v for a reply, want eth0 %v from %v", c, probed, macPeer)
	}
	if n := w.counter(w.s, "arp-conflicts"); n != 3 {
		t.Errorf("got arp-conflicts %d, want 3", n)
	}
}

// udpSender opens an unbound UDP PCB on s whose errors go to a mailbox,
// stamped with the clock time.
func udpSender(e *env, s *core.Stack) (*core.UDPPCB, *mailbox[timedErr]) {
	errs := newMailbox[timedErr](e)
	var p *core.UDPPCB
	e.call(s, func(c *core.Core) error {
		p = c.NewUDP(nil, func(c *core.Core, err error) { errs.put(timedErr{err, c.Now()}) }, nil)
		return nil
	})
	return p, errs
}

type timedErr struct {
	err error
	at  time.Duration
}

func TestARPRetriesThenFails(t *testing.T) {
	t.Run("first entry", func(t *testing.T) { arpRetries(t, false) })
	// The aging timer already ticks, half a second out of phase with the
	// new entry: the retries must still be 1 s apart.
	t.Run("timer running", func(t *testing.T) { arpRetries(t, true) })
}

func arpRetries(t *testing.T, other bool) {
	w := newWireTest(t)
	p, errs := udpSender(w.env, w.s)
	if other {
		w.learnPeer()
		w.sleep(1500 * time.Millisecond)
	}
	start := w.clk.Now()
	w.call(w.s, func(c *core.Core) error {
		return c.UDPSend(p, []byte("x"), netip.MustParseAddrPort("10.0.0.9:9"))
	})
	// Requests at 0 s, 1 s and 2 s (RFC 1122 section 2.3.2.1 wants them
	// rate limited to one a second), then failure at 3 s.
	w.expectSent("at 0s", fixtureARPRequestFor9)
	for i := 1; i < 3; i++ {
		w.sleep(time.Second / 2)
		w.expectSent("between requests")
		w.sleep(time.Second / 2)
		w.expectSent("at the next second", fixtureARPRequestFor9)
	}
	e := errs.get(w.env, 5*time.Second)
	if !errors.Is(e.err, core.ErrHostUnreach) || e.at-start != 3*time.Second {
		t.Errorf("got %v after %v, want host unreachable after 3s", e.err, e.at-start)
	}
	w.sleep(5 * time.Second)
	w.expectSent("after the failure")
	if n := w.counter(w.s, "arp-requests-out"); n != 3 {
		t.Errorf("got arp-requests-out %d, want 3", n)
	}
	if n := w.counter(w.s, "arp-failed"); n != 1 {
		t.Errorf("got arp-failed %d, want 1", n)
	}
	if n := w.netifCounter("drops:arp-failed"); n != 1 {
		t.Errorf("got drops:arp-failed %d, want 1 (the queued datagram)", n)
	}
	if _, ok := w.arpEntry(addr("10.0.0.9")); ok {
		t.Errorf("got an entry for 10.0.0.9 after the failure, want none")
	}
}

func TestARPQueueIsBounded(t *testing.T) {
	w := newWireTest(t)
	p, _ := udpSender(w.env, w.s)
	w.call(w.s, func(c *core.Core) error {
		for i := range 4 {
			if err := c.UDPSend(p, []byte{'0' + byte(i)}, netip.MustParseAddrPort("10.0.0.9:9")); err != nil {
				return err
			}
		}
		return nil
	})
	w.expectSent("4 datagrams to an unresolved host", fixtureARPRequestFor9)
	e, _ := w.arpEntry(addr("10.0.0.9"))
	if e.State != snapshot.ARPIncomplete || e.Queued != 3 {
		t.Errorf("got entry %+v, want incomplete with 3 queued (ARP_QUEUE_LEN)", e)
	}
	if n := w.counter(w.s, "arp-queue-drops"); n != 1 {
		t.Errorf("got arp-queue-drops %d, want 1", n)
	}
	if n := w.netifCounter("drops:arp-queue-full"); n != 1 {
		t.Errorf("got drops:arp-queue-full %d, want 1", n)
	}
	// The reply releases the queue in order, to the MAC it gave.
	mac9 := mac(9)
	w.inject(arpFrame(macUs, wire.ARPReply, mac9, addr("10.0.0.9"), macUs, ipUs))
	got := w.sent()
	if len(got) != 3 {
		t.Fatalf("got %d frames after the reply, want the 3 queued:\n%s", len(got), describeAll(got))
	}
	for i, f := range got {
		eth := wire.Ethernet(f)
		ip := wire.IPv4(eth.Payload())
		if eth.Dst() != mac9 || ip.Validate() != nil || string(wire.UDP(ip.Payload()).Payload()) != string(rune('0'+i)) {
			t.Errorf("frame %d: got %s, want UDP %q to %v", i, wire.Summarize(f), rune('0'+i), mac9)
		}
	}
}

func TestARPQueueTotalIsBounded(t *testing.T) {
	w := newWireTest(t)
	p, _ := udpSender(w.env, w.s)
	// 22 unresolved hosts with 3 datagrams each: 66, of which 64 may wait.
	w.call(w.s, func(c *core.Core) error {
		for h := range 22 {
			to := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(100 + h)}), 9)
			for range 3 {
				if err := c.UDPSend(p, []byte("q"), to); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if n := w.counter(w.s, "arp-queue-drops"); n != 2 {
		t.Errorf("got arp-queue-drops %d, want 2 (66 queued, 64 allowed)", n)
	}
	queued := 0
	for _, e := range w.arpEntries() {
		queued += e.Queued
	}
	if queued != 64 {
		t.Errorf("got %d datagrams queued, want 64", queued)
	}
}

func TestARPEntryAges(t *testing.T) {
	w := newWireTest(t)
	start := w.clk.Now()
	w.learnPeer()
	check := func(at time.Duration, want snapshot.ARPState, expires time.Duration) {
		t.Helper()
		w.sleep(start + at - w.clk.Now())
		e, ok := w.arpEntry(ipPeer)
		switch {
		case want == "" && ok:
			t.Errorf("at %v: got entry %+v, want none", at, e)
		case want != "" && (!ok || e.State != want || e.Expires != start+expires):
			t.Errorf("at %v: got entry %+v (present %v), want %s expiring at %v", at, e, ok, want, start+expires)
		}
	}
	// Reachable for 30 s after confirmation, stale until 300 s, then gone
	// (lwIP's ARP_MAXAGE), with no traffic to confirm it again.
	check(29500*time.Millisecond, snapshot.ARPReachable, 30*time.Second)
	check(30500*time.Millisecond, snapshot.ARPStale, 300*time.Second)
	check(299500*time.Millisecond, snapshot.ARPStale, 300*time.Second)
	check(300500*time.Millisecond, "", 0)
	w.expectSent("while aging without traffic")
}

func TestStaticARPNeverAges(t *testing.T) {
	w := newWireTest(t)
	static := addr("10.0.0.20")
	w.call(w.s, func(c *core.Core) error {
		return c.AddStaticARP(c.NetifByName("eth0"), static, mac(20))
	})
	w.learnPeer() // a dynamic entry, so that the aging timer runs
	// The wire cannot move a static entry.
	w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, mac(21), static, wire.MAC{}, ipUs))
	w.ch.Drain()
	w.sleep(400 * time.Second)
	got := w.arpEntries()
	want := []snapshot.ARPEntry{{Address: static, MAC: mac(20), Netif: "eth0", State: snapshot.ARPStatic}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("got ARP cache %+v after 400s, want only %+v", got, want)
	}
}

func TestNonIPv4FramesAreCountedDrops(t *testing.T) {
	w := newWireTest(t)
	req := arpFrame(wire.BroadcastMAC, wire.ARPRequest, macPeer, ipPeer, wire.MAC{}, ipUs)
	// IPv6 (RFC 8200): an empty header will do.
	ipv6 := pad(ether(macUs, macPeer, wire.EtherTypeIPv6, make([]byte, 40)))
	// An ARP request for us inside an 802.1Q tag: VLANs are not ours.
	vlan := ether(wire.BroadcastMAC, macPeer, wire.EtherTypeVLAN, append([]byte{0, 5, 0x08, 0x06}, req[wire.EthernetHeaderLen:]...))
	w.inject(ipv6, vlan)
	if n := w.netifCounter("drops:unknown-ethertype"); n != 2 {
		t.Errorf("got drops:unknown-ethertype %d, want 2 (IPv6, VLAN)", n)
	}
	// The same request sent to another host's MAC is not for us.
	toOther := arpFrame(macOther, wire.ARPRequest, macPeer, ipPeer, wire.MAC{}, ipUs)
	w.inject(toOther)
	if n := w.netifCounter("drops:not-for-us"); n != 1 {
		t.Errorf("got drops:not-for-us %d, want 1", n)
	}
	w.expectSent("IPv6, VLAN and frames for another MAC")
	if n := w.counter(w.s, "arp-in"); n != 0 {
		t.Errorf("got arp-in %d, want 0", n)
	}
	if got := w.arpEntries(); len(got) != 0 {
		t.Errorf("got ARP cache %+v, want empty", got)
	}
}

// No host is at a broadcast or multicast MAC (RFC 1812 section 3.3.2): an
// ARP message claiming one would turn unicast into floods.
func TestARPWithMulticastSenderIsIgnored(t *testing.T) {
	w := newWireTest(t)
	w.learnPeer()
	for _, m := range []wire.MAC{wire.BroadcastMAC, {0x01, 0x00, 0x5e, 0, 0, 1}} {
		w.inject(arpFrame(wire.BroadcastMAC, wire.ARPRequest, m, ipPeer, wire.MAC{}, ipUs))
		w.expectSent(fmt.Sprintf("request from %v", m))
		if e, _ := w.arpEntry(ipPeer); e.MAC != macPeer {
			t.Errorf("got 10.0.0.2 at %v after an ARP from %v, want still %v", e.MAC, m, macPeer)
		}
	}
	if n := w.netifCounter("drops:arp-malformed"); n != 2 {
		t.Errorf("got drops:arp-malformed %d, want 2", n)
	}
}
