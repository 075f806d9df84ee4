package ui

import (
	"net/netip"
	"strings"
	"testing"
)

// TestPingShowsEachReplyAsItComes runs the ping action and checks that
// its progress named every reply before the result came.
func TestPingShowsEachReplyAsItComes(t *testing.T) {
	world := quietWorld(t, "quickstart")
	world.Virtual.Resume()
	a := newTestApp(t, world, 140, 45)
	cmd := a.env.act.Ping("b", netip.MustParseAddr("10.0.0.1"), 3, 56)
	msg := cmd()
	res, ok := msg.(resultMsg)
	if !ok || res.Err != nil {
		t.Fatalf("got %#v", msg)
	}
	// The last progress, published before the result, lists all three.
	p := a.env.act.Progress()
	for _, want := range []string{"seq 1 ", "seq 2 ", "seq 3 ", " ms"} {
		if !strings.Contains(p, want) {
			t.Errorf("progress %q lacks %q", p, want)
		}
	}
	a.Update(res)
	if a.env.act.Progress() != "" {
		t.Errorf("progress %q left after the result", a.env.act.Progress())
	}
	if !strings.Contains(a.status, "3/3 replies") {
		t.Errorf("status %q", a.status)
	}
}
