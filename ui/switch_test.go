package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

const switchLab = `
name: switched
nodes:
  a: {kind: stack, interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {kind: stack, interfaces: {eth0: {address: 10.0.0.2/24}}}
  c: {kind: stack, interfaces: {eth0: {address: 10.0.0.3/24}}}
  sw: {kind: switch}
links:
  - {endpoints: [a:eth0, sw]}
  - {endpoints: [b:eth0, sw]}
  - {endpoints: [c:eth0, sw]}
steps:
  - ping: {from: a, to: 10.0.0.2, count: 1}
  - expect: {ping-replies: 1}
`

func TestLinksPanelShowsSwitches(t *testing.T) {
	lab, err := labs.Load("switched.yaml", []byte(switchLab))
	if err != nil {
		t.Fatal(err)
	}
	w, err := run.Build(lab, run.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if rep := w.Run(ctx); !rep.Passed {
		t.Fatal(rep.Summary())
	}
	settle(t, w)
	a := newTestApp(t, w, 100, 30) // one panel at a time
	for i := range nPanels {
		if panelNames[i] == "links" {
			a.setFocus(i)
		}
	}
	screen := plain(a.Render())
	for _, want := range []string{"sw  switch, 3 ports", "flooded", "02:00:00:00:01:00→p0", "02:00:00:00:02:00→p1"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
}
