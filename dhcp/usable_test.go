package dhcp

import (
	"errors"
	"testing"
)

// TestCheckUsable checks the rule StartClient and InformClient apply
// first (lwIP's dhcp_start): the netif up, an MTU of at least 576. The
// core refuses MTUs below core.MinMTU (576 too) on any netif, so through
// netifapi only the boundary and a down netif can be reached (netifapi's
// TestDHCPStartNeedsUpAndMTU576); here the check is fed smaller MTUs.
func TestCheckUsable(t *testing.T) {
	for _, tc := range []struct {
		up   bool
		mtu  int
		want error
		msg  string
	}{
		{true, 576, nil, ""},
		{true, 1500, nil, ""},
		{true, 575, ErrMTUTooSmall, "netif eth0: mtu 575: dhcp: netif MTU below 576"},
		{true, 68, ErrMTUTooSmall, "netif eth0: mtu 68: dhcp: netif MTU below 576"},
		{false, 1500, ErrNetifDown, "netif eth0: dhcp: netif is down"},
		{false, 575, ErrNetifDown, "netif eth0: dhcp: netif is down"},
	} {
		err := checkUsable("eth0", tc.up, tc.mtu)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) || err != nil && err.Error() != tc.msg {
			t.Errorf("got checkUsable(eth0, up %v, mtu %d) = %v, want %v (%q)", tc.up, tc.mtu, err, tc.want, tc.msg)
		}
	}
}
