package wire

import (
	"bytes"
	"testing"
)

func TestEthernetValidate(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want error
	}{
		{0, ErrTruncated}, {1, ErrTruncated}, {13, ErrTruncated}, {14, nil}, {60, nil},
	} {
		if got := Ethernet(make([]byte, tc.n)).Validate(); got != tc.want {
			t.Errorf("got Ethernet(%d bytes).Validate() = %v, want %v", tc.n, got, tc.want)
		}
	}
	if got := Ethernet(nil).Validate(); got != ErrTruncated {
		t.Errorf("got Ethernet(nil).Validate() = %v, want ErrTruncated", got)
	}
}

func TestEthernetFixture(t *testing.T) {
	e := Ethernet(fixtureEchoRequest)
	if err := e.Validate(); err != nil {
		t.Fatalf("got Validate() = %v, want nil", err)
	}
	if got := e.Dst(); got != macA {
		t.Errorf("got Dst() = %v, want %v", got, macA)
	}
	if got := e.Src(); got != macB {
		t.Errorf("got Src() = %v, want %v", got, macB)
	}
	if got := e.EtherType(); got != EtherTypeIPv4 {
		t.Errorf("got EtherType() = %#04x, want %#04x", got, EtherTypeIPv4)
	}
	if got, want := len(e.Payload()), len(fixtureEchoRequest)-EthernetHeaderLen; got != want {
		t.Errorf("got len(Payload()) = %d, want %d", got, want)
	}
	var b [EthernetHeaderLen]byte
	EncodeEthernet(b[:], macA, macB, EtherTypeIPv4)
	if !bytes.Equal(b[:], fixtureEchoRequest[:EthernetHeaderLen]) {
		t.Errorf("got EncodeEthernet = %x, want %x", b, fixtureEchoRequest[:EthernetHeaderLen])
	}
	frame := bytes.Clone(fixtureEchoRequest)
	Ethernet(frame).SetDst(BroadcastMAC)
	if got := Ethernet(frame).Dst(); got != BroadcastMAC {
		t.Errorf("got Dst() after SetDst(broadcast) = %v, want %v", got, BroadcastMAC)
	}
}
