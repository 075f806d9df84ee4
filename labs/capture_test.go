package labs

import "testing"

func TestLinkCapture(t *testing.T) {
	lab := mustLoad(t, "capture.yaml", `
name: capture
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}, eth1: {address: 10.0.1.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}, eth1: {address: 10.0.2.2/24}}}
  sw: {kind: switch}
links:
  - {endpoints: [a:eth0, b:eth0], capture: true}
  - {endpoints: [a:eth1, sw], capture: false}
  - {id: wan, endpoints: [sw, b:eth1]}
`)
	for i, want := range []bool{true, false, false} {
		if got := lab.Links[i].Capture; got != want {
			t.Errorf("link %s: got Capture %v, want %v", lab.Links[i].ID, got, want)
		}
	}
}
