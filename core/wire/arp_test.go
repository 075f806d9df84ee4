package wire

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestARPFixtures(t *testing.T) {
	for _, tc := range []struct {
		name          string
		frame         []byte
		dst           MAC
		op            uint16
		sMAC, tMAC    MAC
		sIP, tIP      netip.Addr
		probe, announ bool
	}{
		{"request", fixtureARPRequest, BroadcastMAC, ARPRequest, macB, MAC{}, ipB, ipA, false, false},
		{"reply", fixtureARPReply, macB, ARPReply, macA, macB, ipA, ipB, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Ethernet(tc.frame)
			if err := e.Validate(); err != nil {
				t.Fatalf("got Ethernet.Validate() = %v, want nil", err)
			}
			if got := e.EtherType(); got != EtherTypeARP {
				t.Errorf("got EtherType() = %#04x, want %#04x", got, EtherTypeARP)
			}
			if got := e.Dst(); got != tc.dst {
				t.Errorf("got Dst() = %v, want %v", got, tc.dst)
			}
			a := ARP(e.Payload())
			if err := a.Validate(); err != nil {
				t.Fatalf("got ARP.Validate() = %v, want nil", err)
			}
			if got := a.Op(); got != tc.op {
				t.Errorf("got Op() = %d, want %d", got, tc.op)
			}
			if got := a.SenderMAC(); got != tc.sMAC {
				t.Errorf("got SenderMAC() = %v, want %v", got, tc.sMAC)
			}
			if got := a.SenderIP(); got != tc.sIP {
				t.Errorf("got SenderIP() = %v, want %v", got, tc.sIP)
			}
			if got := a.TargetMAC(); got != tc.tMAC {
				t.Errorf("got TargetMAC() = %v, want %v", got, tc.tMAC)
			}
			if got := a.TargetIP(); got != tc.tIP {
				t.Errorf("got TargetIP() = %v, want %v", got, tc.tIP)
			}
			if got := a.IsProbe(); got != tc.probe {
				t.Errorf("got IsProbe() = %v, want %v", got, tc.probe)
			}
			if got := a.IsAnnouncement(); got != tc.announ {
				t.Errorf("got IsAnnouncement() = %v, want %v", got, tc.announ)
			}

			// Encode the decoded values: the same bytes, padding included.
			b := make([]byte, EthernetMinLen)
			EncodeEthernet(b, tc.dst, tc.sMAC, EtherTypeARP)
			EncodeARP(b[EthernetHeaderLen:], tc.op, tc.sMAC, tc.sIP, tc.tMAC, tc.tIP)
			if !bytes.Equal(b, tc.frame) {
				t.Errorf("got encoded frame\n%x\nwant\n%x", b, tc.frame)
			}
		})
	}
}

func TestARPProbeAnnouncement(t *testing.T) {
	b := make([]byte, ARPLen)
	EncodeARP(b, ARPRequest, macA, netip.IPv4Unspecified(), MAC{}, ipA)
	if a := ARP(b); a.Validate() != nil || !a.IsProbe() || a.IsAnnouncement() {
		t.Errorf("got probe IsProbe() = %v, IsAnnouncement() = %v, want true, false", a.IsProbe(), a.IsAnnouncement())
	}
	EncodeARP(b, ARPRequest, macA, ipA, MAC{}, ipA)
	if a := ARP(b); a.Validate() != nil || a.IsProbe() || !a.IsAnnouncement() {
		t.Errorf("got announcement IsProbe() = %v, IsAnnouncement() = %v, want false, true", a.IsProbe(), a.IsAnnouncement())
	}
	// A non-IPv4 address is written as 0.0.0.0.
	EncodeARP(b, ARPReply, macA, netip.MustParseAddr("::1"), macB, netip.Addr{})
	if got := ARP(b).SenderIP(); got != netip.IPv4Unspecified() {
		t.Errorf("got SenderIP() after encoding ::1 = %v, want 0.0.0.0", got)
	}
}

func TestARPValidate(t *testing.T) {
	valid := fixtureARPRequest[EthernetHeaderLen:]
	with := func(off int, v ...byte) []byte {
		b := bytes.Clone(valid)
		copy(b[off:], v)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"valid with padding", valid, nil},
		{"valid exact", valid[:ARPLen], nil},
		{"empty", nil, ErrTruncated},
		{"27 bytes", valid[:ARPLen-1], ErrTruncated},
		{"hardware type 6", with(0, 0, 6), ErrBadARP},
		{"protocol IPv6", with(2, 0x86, 0xdd), ErrBadARP},
		{"hlen 8", with(4, 8), ErrBadARP},
		{"plen 16", with(5, 16), ErrBadARP},
		{"op 0", with(6, 0, 0), ErrBadARP},
		{"op 3 (RARP)", with(6, 0, 3), ErrBadARP},
		{"reply", with(6, 0, 2), nil},
	} {
		if got := ARP(tc.b).Validate(); got != tc.want {
			t.Errorf("%s: got ARP(%x).Validate() = %v, want %v", tc.name, tc.b, got, tc.want)
		}
	}
}
