package run_test

// tshark is an independent implementation of every wire format netlab
// writes: these tests run built-in labs with every link captured and ask
// tshark, with IPv4, UDP and TCP checksum validation turned on (it checks
// nothing by default), what is in the files.

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netlab/netlab/core/wire"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// checksumPrefs turn on the checksum checks tshark leaves off by default
// (ICMP's it always checks).
var checksumPrefs = []string{
	"-o", "ip.check_checksum:TRUE",
	"-o", "udp.check_checksum:TRUE",
	"-o", "tcp.check_checksum:TRUE",
}

// needTshark returns tshark's path, or skips the test when it is missing
// outside CI (CI installs it: .ci/run).
func needTshark(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark is missing, and CI must run this test: apt-get install tshark")
		}
		t.Skip("tshark is not installed")
	}
	return path
}

// tshark runs tshark over file, two passes (so that requests know their
// replies and fragments their reassembly), with the checksum checks on
// unless prefs say otherwise, and returns its standard output.
func tshark(t *testing.T, file string, prefs []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(needTshark(t), append(append([]string{"-n", "-2", "-r", file}, prefs...), args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no personal preferences
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark %v: %v\n%s", cmd.Args[1:], err, stderr.String())
	}
	return stdout.String()
}

// pkt is one frame as tshark decoded it: field name to value ("" when the
// frame has no such field).
type pkt map[string]string

func (p pkt) int(field string) int {
	v := p[field]
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		return -1
	}
	return int(n)
}

func (p pkt) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range p {
			if !yield(k) {
				return
			}
		}
	}) {
		if p[k] != "" {
			fmt.Fprintf(&b, "%s=%s ", k, p[k])
		}
	}
	return b.String()
}

// fields are the fields every decode asks for.
var fields = []string{
	"frame.number", "frame.time_epoch", "frame.len",
	"eth.src", "eth.dst", "eth.type",
	"arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
	"ip.src", "ip.dst", "ip.id", "ip.len", "ip.ttl", "ip.proto", "ip.flags.mf", "ip.frag_offset",
	"ip.checksum.status", "ip.fragment.count", "ip.reassembled.length", "ip.reassembled_in",
	"icmp.type", "icmp.code", "icmp.ident", "icmp.seq", "icmp.checksum.status", "icmp.resp_in", "icmp.resp_to",
	"udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status", "udp.payload",
	"tcp.srcport", "tcp.checksum.status",
	"data.len",
}

// decode returns every frame of file as tshark decodes it, checksum
// checks on, first occurrence of each field (so an ICMP error's quoted
// header does not mix with the frame's own).
func decode(t *testing.T, file string, prefs ...string) []pkt {
	t.Helper()
	if prefs == nil {
		prefs = checksumPrefs
	}
	args := []string{"-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out := tshark(t, file, prefs, args...)
	var pkts []pkt
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		vals := strings.Split(line, "\t")
		if len(vals) != len(fields) {
			t.Fatalf("tshark gave %d fields, want %d: %q", len(vals), len(fields), line)
		}
		p := pkt{}
		for i, f := range fields {
			p[f] = vals[i]
		}
		pkts = append(pkts, p)
	}
	return pkts
}

// noComplaints checks that tshark, checksums checked, finds no malformed
// frame and nothing it rates a warning or worse.
func noComplaints(t *testing.T, file string, expected ...string) {
	t.Helper()
	out := tshark(t, file, checksumPrefs, "-Y", "_ws.malformed || _ws.expert.severity >= warning",
		"-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message")
	var left []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		_, msgs, _ := strings.Cut(line, "\t")
		rest := strings.FieldsFunc(msgs, func(r rune) bool { return r == ',' })
		rest = slices.DeleteFunc(rest, func(m string) bool {
			return slices.ContainsFunc(expected, func(e string) bool { return strings.HasPrefix(m, e) })
		})
		if len(rest) > 0 {
			left = append(left, line)
		}
	}
	if len(left) > 0 {
		t.Errorf("%s: tshark complains:\n%s", filepath.Base(file), strings.Join(left, "\n"))
	}
}

// checksumsGood checks that tshark verified (not merely skipped) and
// accepted every IPv4, ICMP, UDP and TCP checksum. The UDP or TCP header
// that an ICMP error quotes is cut short, so its checksum cannot be
// verified: it is not checked.
func checksumsGood(t *testing.T, file string, pkts []pkt) {
	t.Helper()
	for _, p := range pkts {
		if p["eth.type"] != "0x0800" {
			continue
		}
		if icmpError(p) {
			p = maps.Clone(p)
			delete(p, "udp.srcport")
			delete(p, "tcp.srcport")
		}
		if p["ip.checksum.status"] != "1" {
			t.Errorf("%s frame %s: IPv4 checksum status %q, want 1 (good)", filepath.Base(file), p["frame.number"], p["ip.checksum.status"])
		}
		if p["icmp.type"] != "" && p["icmp.checksum.status"] != "1" {
			t.Errorf("%s frame %s: ICMP checksum status %q, want 1", filepath.Base(file), p["frame.number"], p["icmp.checksum.status"])
		}
		if p["udp.srcport"] != "" && p["udp.checksum.status"] != "1" {
			t.Errorf("%s frame %s: UDP checksum status %q, want 1", filepath.Base(file), p["frame.number"], p["udp.checksum.status"])
		}
		if p["tcp.srcport"] != "" && p["tcp.checksum.status"] != "1" {
			t.Errorf("%s frame %s: TCP checksum status %q, want 1", filepath.Base(file), p["frame.number"], p["tcp.checksum.status"])
		}
	}
}

// where returns the frames for which match holds.
func where(pkts []pkt, match func(p pkt) bool) []pkt {
	var out []pkt
	for _, p := range pkts {
		if match(p) {
			out = append(out, p)
		}
	}
	return out
}

// byNumber indexes frames by frame number.
func byNumber(pkts []pkt) map[string]pkt {
	m := map[string]pkt{}
	for _, p := range pkts {
		m[p["frame.number"]] = p
	}
	return m
}

// macOf returns the MAC that Load gives interface if# of the node at
// position node# (1-based): 02:00:00:00:<node#>:<if#>.
func macOf(node, iface int) string { return fmt.Sprintf("02:00:00:00:%02x:%02x", node, iface) }

// checkARP checks that asker asked for target's address (broadcast) and
// got the answer from target's MAC, in that order.
func checkARP(t *testing.T, pkts []pkt, askerIP, askerMAC, targetIP, targetMAC string) {
	t.Helper()
	reqs := where(pkts, func(p pkt) bool {
		return p["arp.opcode"] == "1" && p["arp.src.proto_ipv4"] == askerIP && p["arp.dst.proto_ipv4"] == targetIP
	})
	reps := where(pkts, func(p pkt) bool {
		return p["arp.opcode"] == "2" && p["arp.src.proto_ipv4"] == targetIP && p["arp.dst.proto_ipv4"] == askerIP
	})
	if len(reqs) != 1 || len(reps) != 1 {
		t.Fatalf("ARP %s asks for %s: got %d requests and %d replies, want 1 and 1", askerIP, targetIP, len(reqs), len(reps))
	}
	req, rep := reqs[0], reps[0]
	if req["eth.dst"] != "ff:ff:ff:ff:ff:ff" || req["eth.src"] != askerMAC || req["arp.src.hw_mac"] != askerMAC {
		t.Errorf("ARP request: %v", req)
	}
	if rep["eth.dst"] != askerMAC || rep["eth.src"] != targetMAC || rep["arp.src.hw_mac"] != targetMAC || rep["arp.dst.hw_mac"] != askerMAC {
		t.Errorf("ARP reply: %v", rep)
	}
	if req.int("frame.number") > rep.int("frame.number") {
		t.Errorf("ARP reply (frame %s) before its request (frame %s)", rep["frame.number"], req["frame.number"])
	}
}

// echoPairs checks that the capture holds n echo requests from src to dst
// with sequence numbers 1..n and one identifier, each answered by a reply
// with the same identifier and sequence number that tshark pairs with it,
// and returns the requests and replies in sequence order. Fragmented
// messages count once, in the frame where tshark reassembles them; size is
// the echo data length (-1: any).
func echoPairs(t *testing.T, pkts []pkt, src, dst string, ident, n, size int) (reqs, reps []pkt) {
	t.Helper()
	num := byNumber(pkts)
	reqs = where(pkts, func(p pkt) bool {
		return p["icmp.type"] == "8" && p["ip.src"] == src && p["ip.dst"] == dst && p.int("icmp.ident") == ident
	})
	reps = where(pkts, func(p pkt) bool {
		return p["icmp.type"] == "0" && p["ip.src"] == dst && p["ip.dst"] == src && p.int("icmp.ident") == ident
	})
	if len(reqs) != n || len(reps) != n {
		t.Fatalf("echo %s → %s id %d: got %d requests and %d replies, want %d each", src, dst, ident, len(reqs), len(reps), n)
	}
	for i := range n {
		req, rep := reqs[i], reps[i]
		if req.int("icmp.seq") != i+1 || rep.int("icmp.seq") != i+1 {
			t.Errorf("echo %d: request seq %s, reply seq %s", i+1, req["icmp.seq"], rep["icmp.seq"])
		}
		if req["icmp.resp_in"] != rep["frame.number"] || rep["icmp.resp_to"] != req["frame.number"] {
			t.Errorf("echo %d: tshark pairs request %s with %q and reply %s with %q",
				i+1, req["frame.number"], req["icmp.resp_in"], rep["frame.number"], rep["icmp.resp_to"])
		}
		if req["icmp.code"] != "0" || rep["icmp.code"] != "0" {
			t.Errorf("echo %d: codes %s and %s", i+1, req["icmp.code"], rep["icmp.code"])
		}
		if size >= 0 && (req.int("data.len") != size || rep.int("data.len") != size) {
			t.Errorf("echo %d: %s and %s bytes of data, want %d", i+1, req["data.len"], rep["data.len"], size)
		}
		if num[rep["frame.number"]] == nil {
			t.Errorf("echo %d: no frame %s", i+1, rep["frame.number"])
		}
	}
	return reqs, reps
}

// udpPair checks that one datagram went from src to dst and one came back
// with the same payload, and returns them.
func udpPair(t *testing.T, pkts []pkt, src, dst netip.AddrPort, payload []byte) (req, rep pkt) {
	t.Helper()
	flow := func(from, to netip.AddrPort) []pkt {
		return where(pkts, func(p pkt) bool {
			return p["ip.src"] == from.Addr().String() && p["ip.dst"] == to.Addr().String() &&
				p.int("udp.srcport") == int(from.Port()) && p.int("udp.dstport") == int(to.Port())
		})
	}
	reqs, reps := flow(src, dst), flow(dst, src)
	if len(reqs) != 1 || len(reps) != 1 {
		t.Fatalf("UDP %v ⇄ %v: got %d and %d datagrams, want 1 each", src, dst, len(reqs), len(reps))
	}
	want := hex.EncodeToString(payload)
	for _, p := range []pkt{reqs[0], reps[0]} {
		if p["udp.payload"] != want {
			t.Errorf("UDP frame %s: payload %.40s..., want %.40s...", p["frame.number"], p["udp.payload"], want)
		}
		if p.int("udp.length") != 8+len(payload) {
			t.Errorf("UDP frame %s: length %s, want %d", p["frame.number"], p["udp.length"], 8+len(payload))
		}
	}
	return reqs[0], reps[0]
}

// fragmentsOf checks that the message tshark reassembles in frame last
// came as count fragments of one IP id, in order, none longer than mtu,
// with offsets and more-fragments flags that add up to total bytes of IP
// payload, and returns them.
func fragmentsOf(t *testing.T, pkts []pkt, last pkt, count, mtu, total int) []pkt {
	t.Helper()
	frags := where(pkts, func(p pkt) bool {
		return p["ip.reassembled_in"] == last["frame.number"] || p["frame.number"] == last["frame.number"]
	})
	if len(frags) != count || last.int("ip.fragment.count") != count || last.int("ip.reassembled.length") != total {
		t.Fatalf("frame %s: %d fragments (tshark counts %s) reassembled to %s bytes, want %d fragments, %d bytes",
			last["frame.number"], len(frags), last["ip.fragment.count"], last["ip.reassembled.length"], count, total)
	}
	off := 0
	for i, f := range frags {
		if f["ip.id"] != last["ip.id"] || f["ip.src"] != last["ip.src"] {
			t.Errorf("fragment %d: id %s from %s, want %s from %s", i, f["ip.id"], f["ip.src"], last["ip.id"], last["ip.src"])
		}
		if f.int("ip.frag_offset")*8 != off {
			t.Errorf("fragment %d: offset %s×8, want %d", i, f["ip.frag_offset"], off)
		}
		if mf := f["ip.flags.mf"] == "1"; mf != (i < count-1) {
			t.Errorf("fragment %d of %d: more-fragments %v", i, count, mf)
		}
		if f.int("ip.len") > mtu {
			t.Errorf("fragment %d: %s bytes, more than the MTU %d", i, f["ip.len"], mtu)
		}
		off += f.int("ip.len") - 20
	}
	if off != total {
		t.Errorf("fragments carry %d bytes, want %d", off, total)
	}
	return frags
}

// capturedLab runs a built-in lab with every link captured and returns the
// directory the files are in.
func capturedLab(t *testing.T, name string) string {
	t.Helper()
	lab, err := labs.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := runCaptured(t, lab)
	dir := t.TempDir()
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTsharkReadsQuickstart(t *testing.T) {
	needTshark(t)
	file := filepath.Join(capturedLab(t, "quickstart"), "quickstart-l1.pcap")
	pkts := decode(t, file)
	aMAC, bMAC := macOf(1, 0), macOf(2, 0)

	// Each stack announces its address when its interface comes up.
	for _, ip := range []string{"10.0.0.1", "10.0.0.2"} {
		if n := len(where(pkts, func(p pkt) bool {
			return p["arp.opcode"] == "1" && p["arp.src.proto_ipv4"] == ip && p["arp.dst.proto_ipv4"] == ip
		})); n != 1 {
			t.Errorf("%d ARP announcements of %s, want 1", n, ip)
		}
	}
	checkARP(t, pkts, "10.0.0.2", bMAC, "10.0.0.1", aMAC)

	reqs, reps := echoPairs(t, pkts, "10.0.0.2", "10.0.0.1", 1, 3, -1)
	// Virtual clock time is the capture's time since the Unix epoch: the
	// pipe's 1ms delay, the 100ms ping interval.
	for i, want := range []string{"0.002000000", "0.101000000", "0.201000000"} {
		if got := reqs[i]["frame.time_epoch"]; got != want {
			t.Errorf("echo request %d delivered at %s, want %s", i+1, got, want)
		}
		if reqs[i]["eth.dst"] != aMAC || reps[i]["eth.dst"] != bMAC || reqs[i]["ip.ttl"] != "64" {
			t.Errorf("echo %d: %v / %v", i+1, reqs[i], reps[i])
		}
	}

	req, rep := udpPair(t, pkts, netip.MustParseAddrPort("10.0.0.2:5000"), netip.MustParseAddrPort("10.0.0.1:7"), []byte("hello netlab"))
	if req.int("frame.number") > rep.int("frame.number") {
		t.Error("the UDP echo came back before it went")
	}
	if len(pkts) != 12 {
		t.Errorf("got %d frames, want 12: 3 ARP requests, 1 reply, 6 ICMP, 2 UDP", len(pkts))
	}
	checksumsGood(t, file, pkts)
	noComplaints(t, file)
}

func TestTsharkReadsRouter(t *testing.T) {
	needTshark(t)
	dir := capturedLab(t, "router")
	lan1, lan2 := filepath.Join(dir, "router-lan1.pcap"), filepath.Join(dir, "router-lan2.pcap")
	p1, p2 := decode(t, lan1), decode(t, lan2)
	h1, r0, r1, h2 := macOf(1, 0), macOf(2, 0), macOf(2, 1), macOf(3, 0)

	t.Run("arp", func(t *testing.T) {
		checkARP(t, p1, "10.0.1.1", h1, "10.0.1.254", r0)
		checkARP(t, p2, "10.0.2.254", r1, "10.0.2.1", h2)
	})

	t.Run("small pings cross r unchanged", func(t *testing.T) {
		reqs1, reps1 := echoPairs(t, p1, "10.0.1.1", "10.0.2.1", 1, 3, -1)
		reqs2, reps2 := echoPairs(t, p2, "10.0.1.1", "10.0.2.1", 1, 3, -1)
		for i := range 3 {
			// r decrements the TTL and rewrites the Ethernet header.
			if reqs1[i]["ip.ttl"] != "64" || reqs2[i]["ip.ttl"] != "63" || reps2[i]["ip.ttl"] != "64" || reps1[i]["ip.ttl"] != "63" {
				t.Errorf("echo %d: TTLs %s→%s, replies %s→%s", i+1, reqs1[i]["ip.ttl"], reqs2[i]["ip.ttl"], reps2[i]["ip.ttl"], reps1[i]["ip.ttl"])
			}
			if reqs1[i]["eth.dst"] != r0 || reqs2[i]["eth.src"] != r1 || reqs2[i]["eth.dst"] != h2 || reps1[i]["eth.src"] != r0 {
				t.Errorf("echo %d: Ethernet %s→%s then %s→%s", i+1, reqs1[i]["eth.src"], reqs1[i]["eth.dst"], reqs2[i]["eth.src"], reqs2[i]["eth.dst"])
			}
			if reqs1[i]["ip.id"] != reqs2[i]["ip.id"] {
				t.Errorf("echo %d: r changed the IP id", i+1)
			}
		}
	})

	t.Run("big pings are fragmented at r", func(t *testing.T) {
		// 1200 bytes of data: 1208 bytes of ICMP, a 1228-byte packet.
		reqs1, reps1 := echoPairs(t, p1, "10.0.1.1", "10.0.2.1", 2, 3, 1200)
		reqs2, reps2 := echoPairs(t, p2, "10.0.1.1", "10.0.2.1", 2, 3, 1200)
		for i := range 3 {
			// On lan1 the request fits (MTU 1500); r fragments it for
			// lan2 (MTU 576), h2 reassembles it and fragments its reply,
			// which r forwards as it is.
			if reqs1[i].int("ip.len") != 1228 || reqs1[i]["ip.flags.mf"] != "0" || reqs1[i]["ip.fragment.count"] != "" {
				t.Errorf("request %d on lan1: %v", i+1, reqs1[i])
			}
			fragmentsOf(t, p2, reqs2[i], 3, 576, 1208)
			fragmentsOf(t, p2, reps2[i], 3, 576, 1208)
			fragmentsOf(t, p1, reps1[i], 3, 576, 1208)
		}
	})

	t.Run("a big datagram is fragmented both ways", func(t *testing.T) {
		payload := make([]byte, 1400)
		for i := range payload {
			payload[i] = 'a' + byte(i%26)
		}
		h1u, h2u := netip.MustParseAddrPort("10.0.1.1:5000"), netip.MustParseAddrPort("10.0.2.1:7")
		req1, rep1 := udpPair(t, p1, h1u, h2u, payload)
		req2, rep2 := udpPair(t, p2, h1u, h2u, payload)
		if req1.int("ip.len") != 1428 || req1["ip.fragment.count"] != "" {
			t.Errorf("datagram on lan1: %v", req1)
		}
		fragmentsOf(t, p2, req2, 3, 576, 1408)
		fragmentsOf(t, p2, rep2, 3, 576, 1408)
		fragmentsOf(t, p1, rep1, 3, 576, 1408)
	})

	for _, f := range []struct {
		file string
		pkts []pkt
	}{{lan1, p1}, {lan2, p2}} {
		checksumsGood(t, f.file, f.pkts)
		noComplaints(t, f.file)
	}
}

// icmpError reports whether p is an ICMP error (destination unreachable,
// time exceeded, parameter problem), whose transport fields come from the
// packet it quotes.
func icmpError(p pkt) bool {
	switch p["icmp.type"] {
	case "3", "11", "12":
		return true
	}
	return false
}

// deliberate lists the built-in labs that lose or break frames on purpose,
// and what tshark rightly says about them: pings that a lossy link or a
// Don't Fragment flag leave unanswered, (corrupted) the bad checksums of
// frames whose bits a link flipped, and TCP repairing a bad link.
var deliberate = map[string]struct {
	complaints []string
	corrupted  bool
}{
	"lossy-link": {[]string{"No response seen to ICMP request", "Bad checksum"}, true},
	"mtu":        {[]string{"No response seen to ICMP request"}, false},
	// What loss, reordering and duplication make TCP do, and what
	// flipped bits make of a header (a bad version, length or urgent
	// pointer) that tshark decodes before it sees the bad checksum.
	"tcp-loss": {[]string{"Bad checksum", "Previous segment(s) not captured", "This frame is a (suspected) out-of-order segment",
		"This frame is a (suspected) retransmission", "This frame is a (suspected) fast retransmission", "Duplicate ACK",
		"TCP window update", "Bogus IPv4 version", "IPv6 payload length exceeds", "Malformed Packet",
		"The urgent pointer field is nonzero", "IPv4 total length exceeds", "Not enough data to decode",
		"New fragment past old data limits"}, true},
	// On the real clock a receiver may fall behind its sender: flow
	// control fills its window (and may close it). tshark's Thrift
	// heuristic takes the generated stream for Thrift and finds it short.
	"tap-pair": {[]string{"TCP window specified by the receiver is now completely full", "TCP Zero Window",
		"TCP ZeroWindow", "TCP window update", "Not enough data to decode"}, false},
}

// Every capture of every built-in lab decodes cleanly: every checksum
// verified good, nothing malformed, no warning (but what a lab breaks on
// purpose, see deliberate).
func TestTsharkFindsNothingWrongInAnyBuiltinLab(t *testing.T) {
	needTshark(t)
	for _, name := range labs.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			dir := capturedLab(t, name)
			files, _ := filepath.Glob(filepath.Join(dir, "*.pcap"))
			if len(files) == 0 {
				t.Fatal("no captures")
			}
			for _, file := range files {
				pkts := decode(t, file)
				if len(pkts) == 0 {
					t.Errorf("%s: no frames", filepath.Base(file))
				}
				if deliberate[name].corrupted {
					// Every checksum is verified; the bad ones are the
					// flipped bits'.
					for _, p := range pkts {
						for _, f := range []string{"ip.checksum.status", "icmp.checksum.status"} {
							if s := p[f]; s != "" && s != "0" && s != "1" {
								t.Errorf("%s frame %s: %s %q, want verified", filepath.Base(file), p["frame.number"], f, s)
							}
						}
					}
				} else {
					checksumsGood(t, file, pkts)
				}
				noComplaints(t, file, deliberate[name].complaints...)
			}
		})
	}
}

// corrupted flips one bit in a fifth of the frames, both ways. Static ARP
// entries keep the traffic flowing whatever the bits.
const corrupted = `
name: corrupted
seed: 7
nodes:
  a:
    interfaces: {eth0: {address: 10.0.0.1/24}}
    arp: [{address: 10.0.0.2, mac: "02:00:00:00:02:00"}]
    apps: [{udp-echo: {port: 7}}]
  b:
    interfaces: {eth0: {address: 10.0.0.2/24}}
    arp: [{address: 10.0.0.1, mac: "02:00:00:00:01:00"}]
links:
  - {endpoints: [a:eth0, b:eth0], impair: {corrupt: 20%, delay: 1ms}}
steps:
  - ping: {from: b, to: 10.0.0.1, count: 40, interval: 10ms, size: 200}
  - socket: {node: b, id: s, bind: 0.0.0.0:5000}
  - send: {socket: s, to: 10.0.0.1:7, size: 300, count: 40}
  - wait: 100ms
`

// A corrupted frame shows as a bad checksum in tshark, which proves its
// checks are on; and where tshark checks an IPv4, ICMP or UDP checksum,
// it agrees with netlab's own checksum code on every frame.
func TestTsharkSeesCorruptedFrames(t *testing.T) {
	needTshark(t)
	lab, err := labs.Load("corrupted.yaml", []byte(corrupted))
	if err != nil {
		t.Fatal(err)
	}
	files, sts := runCapturedAnyOutcome(t, lab)
	file := filepath.Join(t.TempDir(), "corrupted.pcap")
	if err := os.WriteFile(file, files["corrupted-l1.pcap"], 0o644); err != nil {
		t.Fatal(err)
	}
	pkts := decode(t, file)
	if len(pkts) != int(sts[0].Stats.Written) {
		t.Fatalf("tshark read %d frames, the capture wrote %d", len(pkts), sts[0].Stats.Written)
	}
	raw := frames(t, files["corrupted-l1.pcap"])

	var badIP, badL4, checked int
	for i, p := range pkts {
		f := raw[i]
		if p["eth.type"] != "0x0800" || len(f) < 34 {
			continue
		}
		ihl := int(f[14]&0x0f) * 4
		if f[14]>>4 != 4 || ihl < 20 || 14+ihl > len(f) {
			continue
		}
		hdr := f[14 : 14+ihl]
		ipOK := wire.Checksum(hdr, 0) == 0
		if st := p["ip.checksum.status"]; st != map[bool]string{true: "1", false: "0"}[ipOK] {
			t.Errorf("frame %d: tshark says IPv4 checksum status %q, netlab's checksum says good=%v", i+1, st, ipOK)
		}
		checked++
		if !ipOK {
			badIP++
			continue
		}
		total := int(hdr[2])<<8 | int(hdr[3])
		fragment := hdr[6]&0x3f != 0 || hdr[7] != 0 // MF or an offset
		if fragment || total > len(f)-14 || total < ihl {
			continue
		}
		body := f[14+ihl : 14+total]
		src, dst := netip.AddrFrom4([4]byte(hdr[12:16])), netip.AddrFrom4([4]byte(hdr[16:20]))
		var st string
		var ok bool
		switch hdr[9] {
		case 1:
			st, ok = p["icmp.checksum.status"], wire.Checksum(body, 0) == 0
		case 17:
			if len(body) < 8 || body[6] == 0 && body[7] == 0 || int(body[4])<<8|int(body[5]) != len(body) {
				continue // no checksum, or a length tshark judges first
			}
			st, ok = p["udp.checksum.status"], wire.Checksum(body, wire.PseudoHeaderSum(src, dst, 17, len(body))) == 0
		default:
			continue
		}
		if st != map[bool]string{true: "1", false: "0"}[ok] {
			t.Errorf("frame %d (protocol %d): tshark says checksum status %q, netlab's checksum says good=%v", i+1, hdr[9], st, ok)
		}
		checked++
		if !ok {
			badL4++
		}
	}
	if badIP == 0 || badL4 == 0 || checked < 100 {
		t.Fatalf("checked %d checksums: %d bad IPv4 and %d bad ICMP/UDP; the lab should corrupt some of each", checked, badIP, badL4)
	}
	t.Logf("%d frames, %d checksums compared, %d bad IPv4, %d bad ICMP/UDP", len(pkts), checked, badIP, badL4)

	// tshark's own verdict: the frames it flags as warnings or worse
	// include every bad checksum.
	flagged := tshark(t, file, checksumPrefs, "-Y", "_ws.expert.severity >= warning", "-T", "fields", "-e", "frame.number")
	if n := strings.Count(flagged, "\n"); n < badIP+badL4 {
		t.Errorf("tshark flags %d frames, fewer than the %d bad checksums", n, badIP+badL4)
	}
	// With its default preferences tshark verifies no IPv4 or UDP
	// checksum: the preferences are what turn the checks on.
	off := []string{"-o", "ip.check_checksum:FALSE", "-o", "udp.check_checksum:FALSE"}
	for _, p := range decode(t, file, off...) {
		if s := p["ip.checksum.status"]; s != "" && s != "2" {
			t.Fatalf("with the checks off, tshark says IPv4 checksum status %q (want 2, unverified)", s)
		}
	}
}

// runCapturedAnyOutcome is runCaptured for a lab whose steps may fail.
func runCapturedAnyOutcome(t *testing.T, lab *labs.Lab) (map[string][]byte, []run.CaptureStatus) {
	t.Helper()
	return runCapturedOpts(t, lab, false)
}
