package labs

import (
	"errors"
	"strings"
	"testing"
)

// TestClockChoice checks the rule that chooses a lab's clock, with a link
// type that stands in for one that needs the real clock (TAP links come
// with a later issue and only add themselves to realClockLinks).
func TestClockChoice(t *testing.T) {
	const lab = `name: clock
%s
nodes:
  a: {interfaces: {eth0: {address: 10.0.0.1/24}}}
  b: {interfaces: {eth0: {address: 10.0.0.2/24}}}
links:
  - endpoints: [a:eth0, b:eth0]
`
	load := func(clock string) (*Lab, error) {
		return Load("clock.yaml", []byte(strings.Replace(lab, "%s", clock, 1)))
	}
	for _, c := range []struct {
		clock string
		want  ClockKind
	}{{"", ClockVirtual}, {"clock: virtual", ClockVirtual}, {"clock: real", ClockReal}} {
		l, err := load(c.clock)
		if err != nil || l.Clock != c.want || l.RealClockReason() != "" {
			t.Errorf("%q with pipes: %v, %v", c.clock, l, err)
		}
	}

	realClockLinks[LinkPipe] = "frames cross the kernel"
	defer delete(realClockLinks, LinkPipe)
	for _, clock := range []string{"", "clock: real"} {
		l, err := load(clock)
		if err != nil || l.Clock != ClockReal || l.RealClockReason() != "link l1 is a pipe link: frames cross the kernel" {
			t.Errorf("%q with a link that needs the real clock: clock %v, reason %q, %v", clock, l.Clock, l.RealClockReason(), err)
		}
	}
	_, err := load("clock: virtual")
	var e *Error
	if !errors.As(err, &e) || e.Pos != (Pos{2, 8}) ||
		e.Msg != "clock virtual is impossible here: link l1 is a pipe link: frames cross the kernel (line 7); write clock: real, or leave clock out" {
		t.Errorf("clock: virtual with a link that needs the real clock: %v", err)
	}
}
