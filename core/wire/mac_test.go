package wire

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestMACString(t *testing.T) {
	for _, tc := range []struct {
		m    MAC
		want string
	}{
		{macA, "02:00:00:00:00:0a"},
		{BroadcastMAC, "ff:ff:ff:ff:ff:ff"},
		{MAC{}, "00:00:00:00:00:00"},
		{MAC{0xde, 0xad, 0xbe, 0xef, 0x01, 0x23}, "de:ad:be:ef:01:23"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("got %#v.String() = %q, want %q", [6]byte(tc.m), got, tc.want)
		}
	}
}

func TestParseMAC(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want MAC
	}{
		{"02:00:00:00:00:0a", macA},
		{"02:00:00:00:00:0A", macA},
		{"02-00-00-00-00-0a", macA},
		{"FF:FF:FF:FF:FF:FF", BroadcastMAC},
	} {
		got, err := ParseMAC(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("got ParseMAC(%q) = %v, %v, want %v, nil", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "02:00:00:00:00", "02:00:00:00:00:0a:", "02:00:00:00:00:0g",
		"02-00:00:00:00:0a", "02.00.00.00.00.0a", "0200.0000.000a", "2:0:0:0:0:a0000",
	} {
		_, err := ParseMAC(in)
		if !errors.Is(err, ErrBadMAC) {
			t.Errorf("got ParseMAC(%q) error %v, want one wrapping ErrBadMAC", in, err)
		}
	}
}

func TestMACText(t *testing.T) {
	type doc struct {
		HW MAC `json:"hw"`
	}
	b, err := json.Marshal(doc{macB})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"hw":"02:00:00:00:00:0b"}`; got != want {
		t.Errorf("got json.Marshal = %s, want %s", got, want)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil || d.HW != macB {
		t.Errorf("got json.Unmarshal(%s) = %v, %v, want %v, nil", b, d.HW, err, macB)
	}
	if err := json.Unmarshal([]byte(`{"hw":"nope"}`), &d); !errors.Is(err, ErrBadMAC) {
		t.Errorf("got json.Unmarshal of a bad MAC error %v, want ErrBadMAC", err)
	}
}

func TestMACPredicates(t *testing.T) {
	for _, tc := range []struct {
		m                          MAC
		broadcast, multicast, zero bool
	}{
		{macA, false, false, false},
		{BroadcastMAC, true, true, false},
		{MAC{0x01, 0x00, 0x5e, 0, 0, 1}, false, true, false},
		{MAC{}, false, false, true},
	} {
		if got := tc.m.IsBroadcast(); got != tc.broadcast {
			t.Errorf("got %v.IsBroadcast() = %v, want %v", tc.m, got, tc.broadcast)
		}
		if got := tc.m.IsMulticast(); got != tc.multicast {
			t.Errorf("got %v.IsMulticast() = %v, want %v", tc.m, got, tc.multicast)
		}
		if got := tc.m.IsZero(); got != tc.zero {
			t.Errorf("got %v.IsZero() = %v, want %v", tc.m, got, tc.zero)
		}
	}
}
