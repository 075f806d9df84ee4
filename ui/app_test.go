package ui

import (
	"strings"
	"testing"
)

func TestQuickstartRenders(t *testing.T) {
	w := quietWorld(t, "quickstart")
	a := newTestApp(t, w, 140, 45)
	got := plain(a.Render())
	if lines := strings.Split(got, "\n"); len(lines) != 45 {
		t.Fatalf("screen has %d lines, want 45", len(lines))
	}
	for _, want := range []string{"netlab · quickstart", "Interfaces · a", "Timers · a", "Sockets · a", "Events", "Lab: quickstart"} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
}
