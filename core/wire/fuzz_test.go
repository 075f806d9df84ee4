package wire

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// Fuzz targets, one per parser. Seeds live in testdata/fuzz/<FuzzName>/.
// Each target checks properties, not only the absence of panics: what
// validates re-encodes to the same bytes, re-encoded bytes validate, and
// checksums of valid headers sum to zero.

func FuzzEthernet(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		e := Ethernet(data)
		err := e.Validate()
		if (len(data) >= EthernetHeaderLen) != (err == nil) {
			t.Fatalf("got Validate() = %v for %d bytes", err, len(data))
		}
		if err != nil {
			if err != ErrTruncated {
				t.Fatalf("got Validate() = %v, want ErrTruncated", err)
			}
			return
		}
		var b [EthernetHeaderLen]byte
		EncodeEthernet(b[:], e.Dst(), e.Src(), e.EtherType())
		if !bytes.Equal(b[:], data[:EthernetHeaderLen]) {
			t.Fatalf("got EncodeEthernet(decoded) = %x, want %x", b, data[:EthernetHeaderLen])
		}
		if len(e.Payload()) != len(data)-EthernetHeaderLen {
			t.Fatalf("got len(Payload()) = %d, want %d", len(e.Payload()), len(data)-EthernetHeaderLen)
		}
		if e.Dst().IsBroadcast() && !e.Dst().IsMulticast() {
			t.Fatalf("got broadcast %v that is not multicast", e.Dst())
		}
		if m, err := ParseMAC(e.Src().String()); err != nil || m != e.Src() {
			t.Fatalf("got ParseMAC(%q) = %v, %v, want %v", e.Src().String(), m, err, e.Src())
		}
	})
}

func FuzzARP(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		a := ARP(data)
		err := a.Validate()
		switch {
		case len(data) < ARPLen:
			if err != ErrTruncated {
				t.Fatalf("got Validate() = %v for %d bytes, want ErrTruncated", err, len(data))
			}
			return
		case err == ErrBadARP:
			return
		case err != nil:
			t.Fatalf("got Validate() = %v, want nil or ErrBadARP", err)
		}
		if op := a.Op(); op != ARPRequest && op != ARPReply {
			t.Fatalf("got Op() = %d from a valid packet", op)
		}
		b := make([]byte, ARPLen)
		EncodeARP(b, a.Op(), a.SenderMAC(), a.SenderIP(), a.TargetMAC(), a.TargetIP())
		if !bytes.Equal(b, data[:ARPLen]) {
			t.Fatalf("got EncodeARP(decoded) = %x, want %x", b, data[:ARPLen])
		}
		if a.IsProbe() && a.IsAnnouncement() {
			t.Fatalf("got a packet that is both probe and announcement: %x", data)
		}
	})
}

func FuzzIPv4(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		ip := IPv4(data)
		err := ip.Validate()
		h, perr := ParseIPv4Header(data)
		if perr != err {
			t.Fatalf("got ParseIPv4Header error %v, Validate %v, want the same", perr, err)
		}
		// Options iteration on arbitrary bytes never panics and agrees
		// with Validate.
		checkOptions(t, IPv4Options(data))
		// Quoting any bytes in an ICMP error gives a valid message.
		checkICMPErrorOf(t, data, err == nil)
		if err != nil {
			return
		}

		hl, tl := ip.HeaderLen(), ip.TotalLen()
		if hl < IPv4MinHeaderLen || hl > IPv4MaxHeaderLen || hl > tl || tl > len(data) {
			t.Fatalf("got HeaderLen %d TotalLen %d len %d from a valid header", hl, tl, len(data))
		}
		if Checksum(data[:hl], 0) != 0 {
			t.Fatalf("got Checksum(valid header) = %#04x, want 0", Checksum(data[:hl], 0))
		}
		if len(ip.Payload()) != tl-hl || len(ip.Options()) != hl-IPv4MinHeaderLen {
			t.Fatalf("got len(Payload()) %d len(Options()) %d, want %d %d", len(ip.Payload()), len(ip.Options()), tl-hl, hl-20)
		}
		if ip.FragOffset()%8 != 0 || ip.IsFragment() != (ip.MF() || ip.FragOffset() != 0) || ip.DF() != (ip.Flags()&IPv4FlagDF != 0) {
			t.Fatalf("got inconsistent fragment fields: flags %#04x offset %d", ip.Flags(), ip.FragOffset())
		}
		_, _, _, _ = ip.TOS(), ip.ID(), ip.Src(), ip.Dst()

		// Representation back to bytes: the same header.
		if h.Len() != hl {
			t.Fatalf("got Len() = %d, want %d", h.Len(), hl)
		}
		b := make([]byte, hl)
		h.Marshal(b)
		if !bytes.Equal(b, data[:hl]) {
			t.Fatalf("got Marshal(ParseIPv4Header(x)) =\n%x, want\n%x", b, data[:hl])
		}

		// SetTTL keeps the checksum valid and touches only TTL and checksum.
		c := bytes.Clone(data)
		for _, ttl := range []uint8{ip.TTL() - 1, 0, 255, ip.TTL()} {
			IPv4(c).SetTTL(ttl)
			if err := IPv4(c).Validate(); err != nil || IPv4(c).TTL() != ttl {
				t.Fatalf("got Validate() = %v, TTL() = %d after SetTTL(%d), want nil, %d", err, IPv4(c).TTL(), ttl, ttl)
			}
		}
		c[ipTTL], c[ipChecksum], c[ipChecksum+1] = data[ipTTL], data[ipChecksum], data[ipChecksum+1]
		if !bytes.Equal(c, data) {
			t.Fatalf("got SetTTL changing bytes other than TTL and checksum")
		}

		frame := ethFrame(EtherTypeIPv4, data)
		if s := Summarize(frame); !strings.HasPrefix(s, "IPv4 ") || strings.Contains(s, "bad ip checksum") || strings.Contains(s, "total length") {
			t.Fatalf("got Summarize(valid IPv4) = %q", s)
		}
	})
}

// checkOptions iterates o with Next and checks Validate, Has, Find and the
// copied-options writer against the iteration.
func checkOptions(t *testing.T, o IPv4Options) {
	t.Helper()
	var iterErr error
	seen := map[uint8]bool{}
	copied := 0
	for rest := o; len(rest) > 0; {
		opt, next, err := rest.Next()
		if err != nil {
			iterErr = err
			break
		}
		if len(opt) == 0 || len(next) >= len(rest) {
			t.Fatalf("got Next() = %x, %x on %x: no progress", opt, []byte(next), []byte(rest))
		}
		if opt[0] > IPv4OptNOP && (len(opt) < 2 || int(opt[1]) != len(opt)) {
			t.Fatalf("got option %x whose length octet is not its length", opt)
		}
		if !seen[opt[0]] {
			seen[opt[0]] = true
			if f := o.Find(opt[0]); !bytes.Equal(f, opt) {
				t.Fatalf("got Find(%d) = %x, want first occurrence %x", opt[0], f, opt)
			}
		}
		if IPv4OptionCopied(opt[0]) {
			copied += len(opt)
		}
		rest = next
	}
	if got := o.Validate(); got != iterErr {
		t.Fatalf("got Validate() = %v, iteration error %v", got, iterErr)
	}
	for typ := range seen {
		if !o.Has(typ) {
			t.Fatalf("got Has(%d) = false for an option seen", typ)
		}
	}
	if iterErr != nil {
		return
	}
	n := o.CopiedLen()
	if n != (copied+3)&^3 {
		t.Fatalf("got CopiedLen() = %d, want %d", n, (copied+3)&^3)
	}
	b := make([]byte, n)
	if w := o.WriteCopied(b); w != n {
		t.Fatalf("got WriteCopied() = %d, want %d", w, n)
	}
	if err := IPv4Options(b).Validate(); err != nil {
		t.Fatalf("got Validate() of copied options %x = %v", b, err)
	}
	for rest := IPv4Options(b); len(rest) > 0; {
		opt, next, _ := rest.Next()
		if opt[0] != IPv4OptEOL && !IPv4OptionCopied(opt[0]) {
			t.Fatalf("got uncopied option %d in WriteCopied output %x", opt[0], b)
		}
		rest = next
	}
}

// checkICMPErrorOf builds an ICMP error about original and checks that it
// validates and, for a valid original, that ICMPQuote finds it again.
func checkICMPErrorOf(t *testing.T, original []byte, valid bool) {
	t.Helper()
	q := ICMPErrorQuoteLen(original)
	if q < 0 || q > len(original) || q > IPv4MaxHeaderLen+ICMPQuoteDataLen {
		t.Fatalf("got ICMPErrorQuoteLen = %d for %d bytes", q, len(original))
	}
	b := make([]byte, ICMPHeaderLen+q)
	n := EncodeICMPError(b, ICMPDestUnreachable, ICMPFragNeeded, 1280, original)
	m := ICMP(b[:n])
	if err := m.Validate(); err != nil {
		t.Fatalf("got Validate() of EncodeICMPError = %v", err)
	}
	if m.NextHopMTU() != 1280 || !bytes.Equal(m.Payload(), original[:q]) {
		t.Fatalf("got NextHopMTU %d quote %x, want 1280 %x", m.NextHopMTU(), m.Payload(), original[:q])
	}
	quote, err := ICMPQuote(m)
	if !valid {
		return
	}
	orig := IPv4(original)
	if err != nil {
		t.Fatalf("got ICMPQuote error %v on an error about a valid datagram", err)
	}
	if quote.Src() != orig.Src() || quote.Dst() != orig.Dst() || quote.Protocol() != orig.Protocol() || quote.ID() != orig.ID() {
		t.Fatalf("got quote %x, want the header of %x", []byte(quote), original)
	}
	if want := min(ICMPQuoteDataLen, len(orig.Payload())); len(quote.Payload()) != want {
		t.Fatalf("got %d quoted payload bytes, want %d", len(quote.Payload()), want)
	}
	pp := make([]byte, ICMPHeaderLen+q)
	EncodeICMPParamProblem(pp, 9, original)
	if ICMP(pp).Validate() != nil || ICMP(pp).Pointer() != 9 {
		t.Fatalf("got invalid parameter problem %x", pp)
	}
}

func FuzzICMP(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m := ICMP(data)
		err := m.Validate()
		if len(data) < ICMPHeaderLen {
			if err != ErrTruncated {
				t.Fatalf("got Validate() = %v for %d bytes, want ErrTruncated", err, len(data))
			}
			return
		}
		if (err == nil) != (Checksum(data, 0) == 0) {
			t.Fatalf("got Validate() = %v, Checksum = %#04x", err, Checksum(data, 0))
		}
		// Any message with its checksum recomputed validates.
		fixed := bytes.Clone(data)
		fixed[2], fixed[3] = 0, 0
		c := Checksum(fixed, 0)
		fixed[2], fixed[3] = byte(c>>8), byte(c)
		if ICMP(fixed).Validate() != nil {
			t.Fatalf("got invalid message after fixing its checksum: %x", fixed)
		}
		if err != nil {
			return
		}
		_, _, _, _ = m.Checksum(), m.NextHopMTU(), m.Pointer(), m.Gateway()
		typ := m.Type()
		if (typ == ICMPEchoRequest || typ == ICMPEchoReply) && m.Code() == 0 {
			b := make([]byte, len(data))
			n := EncodeICMPEcho(b, typ, m.ID(), m.Seq(), m.Payload())
			// A checksum of 0x0000 and 0xffff are both valid; Encode
			// picks one.
			if n != len(data) || !bytes.Equal(b[:2], data[:2]) || !bytes.Equal(b[4:], data[4:]) || ICMP(b).Validate() != nil {
				t.Fatalf("got EncodeICMPEcho(decoded) = %x, want %x", b[:n], data)
			}
		}
		q, qerr := ICMPQuote(m)
		if !m.IsError() {
			if qerr != ErrNotICMPError {
				t.Fatalf("got ICMPQuote error %v for type %d, want ErrNotICMPError", qerr, typ)
			}
			return
		}
		if qerr != nil {
			if qerr != ErrTruncated && qerr != ErrBadVersion && qerr != ErrBadHeaderLen {
				t.Fatalf("got ICMPQuote error %v", qerr)
			}
			return
		}
		hl := q.HeaderLen()
		if hl < IPv4MinHeaderLen || hl > len(q) {
			t.Fatalf("got quote HeaderLen %d of %d bytes", hl, len(q))
		}
		_, _, _, _, _ = q.Src(), q.Dst(), q.Protocol(), q.Options(), q.FragOffset()
		if p := q.Payload(); len(p) > len(q)-hl {
			t.Fatalf("got quote Payload of %d bytes, more than %d present", len(p), len(q)-hl)
		}
		frame := ipv4Frame(IPv4Header{Protocol: ProtoICMP, Src: ipA, Dst: ipB}, data)
		if s := Summarize(frame); strings.Contains(s, "malformed quote") || strings.Contains(s, "bad icmp checksum") {
			t.Fatalf("got Summarize = %q for a valid error message", s)
		}
	})
}

func FuzzUDP(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, src, dst uint32) {
		s := netip.AddrFrom4([4]byte{byte(src >> 24), byte(src >> 16), byte(src >> 8), byte(src)})
		d := netip.AddrFrom4([4]byte{byte(dst >> 24), byte(dst >> 16), byte(dst >> 8), byte(dst)})
		u := UDP(data)
		err := u.Validate(s, d)
		switch {
		case len(data) < UDPHeaderLen:
			if err != ErrTruncated {
				t.Fatalf("got Validate() = %v for %d bytes, want ErrTruncated", err, len(data))
			}
			return
		case err == ErrBadUDPLength:
			if n := u.Length(); n >= UDPHeaderLen && n <= len(data) {
				t.Fatalf("got ErrBadUDPLength for length %d of %d bytes", n, len(data))
			}
			return
		case err == ErrBadChecksum:
			if u.Checksum() == 0 {
				t.Fatalf("got ErrBadChecksum with no checksum")
			}
		case err != nil:
			t.Fatalf("got Validate() = %v", err)
		}

		// Re-encoding: same header and data; the encoded datagram always
		// validates, and equals the input when the input had a checksum.
		n := u.Length()
		b := make([]byte, n)
		copy(b[UDPHeaderLen:], data[UDPHeaderLen:n])
		EncodeUDP(b, netip.AddrPortFrom(s, u.SrcPort()), netip.AddrPortFrom(d, u.DstPort()), n-UDPHeaderLen)
		if verr := UDP(b).Validate(s, d); verr != nil || UDP(b).Checksum() == 0 {
			t.Fatalf("got Validate(EncodeUDP(...)) = %v, checksum %#04x", verr, UDP(b).Checksum())
		}
		if err == ErrBadChecksum {
			return
		}
		if len(u.Payload()) != n-UDPHeaderLen {
			t.Fatalf("got len(Payload()) = %d, want %d", len(u.Payload()), n-UDPHeaderLen)
		}
		if u.Checksum() != 0 && !bytes.Equal(b, data[:n]) {
			t.Fatalf("got EncodeUDP(decoded) = %x, want %x", b, data[:n])
		}
		// Any single bit flipped in the data is caught by the checksum.
		if u.Checksum() != 0 && n > UDPHeaderLen {
			c := bytes.Clone(data)
			i := UDPHeaderLen + int(src%uint32(n-UDPHeaderLen))
			c[i] ^= 1 << (dst % 8)
			if UDP(c).Validate(s, d) != ErrBadChecksum {
				t.Fatalf("got a bit flip at %d not caught by the checksum", i)
			}
		}
	})
}

func FuzzSummarize(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s := Summarize(data)
		if s == "" || strings.ContainsAny(s, "\n\r") {
			t.Fatalf("got Summarize(%x) = %q, want one non-empty line", data, s)
		}
		lines := Describe(data)
		if len(lines) == 0 {
			t.Fatalf("got Describe(%x) with no lines", data)
		}
		for _, l := range lines {
			if !strings.Contains(l, ": ") || strings.ContainsAny(l, "\n\r") {
				t.Fatalf("got Describe line %q, want \"Layer: fields\" on one line", l)
			}
		}
		// A valid IPv4 datagram is never called bad.
		e := Ethernet(data)
		if e.Validate() == nil && e.EtherType() == EtherTypeIPv4 && IPv4(e.Payload()).Validate() == nil {
			if strings.Contains(s, "bad ip checksum") || strings.HasPrefix(s, "IPv4 truncated") || strings.HasPrefix(s, "IPv4 bad") {
				t.Fatalf("got Summarize = %q for a valid IPv4 datagram", s)
			}
		}
	})
}
