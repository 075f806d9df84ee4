package run_test

import (
	"strings"
	"testing"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// dhcpLab is a server on a and two interfaces on b: eth0 a client from the
// start, eth1 set by hand for inform.
const dhcpLab = `
name: dhcp-steps
nodes:
  a:
    interfaces:
      eth0: {address: 10.0.0.1/24}
    dhcp-server:
      eth0:
        pool: 10.0.0.100-10.0.0.199
        lease: 10m
        router: 10.0.0.1
        dns: [10.0.0.53]
        reservations: [{mac: "02:00:00:00:00:c1", address: 10.0.0.42}]
  b:
    interfaces:
      eth0: {dhcp: {hostname: bee}}
  c:
    interfaces:
      eth0: {mac: "02:00:00:00:00:c1"}
  sw: {kind: switch}
links:
  - endpoints: [a:eth0, sw]
  - endpoints: [b:eth0, sw]
  - endpoints: [c:eth0, sw]
steps:
  - expect: {node: c, interface: eth0, dhcp: OFF, lease-address: none}
  - expect: {node: b, interface: eth0, dhcp: BOUND, lease-address: 10.0.0.100, lease-server: 10.0.0.1, lease-router: 10.0.0.1, within: 10s}
  - dhcp-start: {node: c, interface: eth0, client-id: c}
  - expect: {node: c, interface: eth0, dhcp: BOUND, lease-address: 10.0.0.42, within: 10s}
  - dhcp-renew: {node: b, interface: eth0}
  - expect: {node: b, interface: eth0, dhcp: BOUND, renewed: 1, within: 1s}
  - dhcp-release: {node: b, interface: eth0}
  - expect: {node: b, interface: eth0, dhcp: OFF, lease-address: none}
  - expect: {node: b, interface: eth0, address: none}
  - expect: {node: a, event: "dhcp", min: 1}
  - dhcp-stop: {node: c, interface: eth0}
  - expect: {node: c, interface: eth0, address: none}
  - set-interface: {node: c, name: eth0, address: 10.0.0.7/24}
  - dhcp-inform: {node: c, interface: eth0}
  - expect: {node: c, interface: eth0, dhcp: INFORMING, lease-router: 10.0.0.1, within: 5s}
  - dhcp-server-stop: {node: a, interface: eth0}
  - dhcp-start: {node: b, interface: eth0}
  - wait: 30s
  - expect: {node: b, interface: eth0, dhcp: SELECTING}
  - dhcp-server-start: {node: a, interface: eth0, pool: 10.0.0.150-10.0.0.150, lease: 1h}
  - expect: {node: b, interface: eth0, dhcp: BOUND, lease-address: 10.0.0.150, lease-router: none, within: 2m}
`

// TestDHCPSteps runs every DHCP step and expectation through netifapi.
func TestDHCPSteps(t *testing.T) {
	lab, err := labs.Load("dhcp-steps.yaml", []byte(dhcpLab))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	for _, s := range rep.Steps {
		t.Logf("%2d %-50s %s %s", s.Index, s.Name, s.Status, s.Detail)
	}
	if !rep.Passed {
		t.Fatalf("%s", rep.Summary())
	}
}

// TestDHCPMismatch checks what a failed DHCP expectation says, and that a
// renew without a lease fails.
func TestDHCPMismatch(t *testing.T) {
	src := strings.Replace(dhcpLab, "steps:\n", `steps:
  - expect: {node: b, interface: eth0, dhcp: BOUND, renewed: 2, within: 10s}
  - dhcp-renew: {node: c, interface: eth0}
`, 1)
	lab, err := labs.Load("dhcp-fail.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := runLab(t, lab)
	if rep.Passed || len(rep.Steps) < 2 {
		t.Fatalf("%s", rep.Summary())
	}
	s := rep.Steps[0]
	if s.Status != run.Failed || s.Want != "renewed 2" || s.Got != "renewed 0" ||
		s.Detail != "b eth0 dhcp: want renewed 2, got renewed 0 (waited 10s)" {
		t.Errorf("step 1: %s, want %q, got %q, detail %q", s.Status, s.Want, s.Got, s.Detail)
	}
	if s := rep.Steps[1]; s.Status != run.Failed || !strings.Contains(s.Detail, "dhcp renew on eth0") {
		t.Errorf("step 2: %s %q", s.Status, s.Detail)
	}
}
