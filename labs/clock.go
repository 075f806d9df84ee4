package labs

import "fmt"

// The clock a lab runs on is chosen from its nodes and links when the lab
// does not say: virtual, unless one of them needs the real clock. A node
// or a link needs it when something outside netlab takes part (a Linux
// kernel behind a TAP device, a program in a namespace): their time
// cannot be made to stand still or jump. With such a node or link,
// `clock: virtual` is a mistake that validation reports.
//
// The kinds that need the real clock are listed here; the issues that add
// them (TAP links, kernel nodes) add them to these tables, and nothing
// else changes.
var (
	// realClockLinks maps a link type to why it needs the real clock.
	realClockLinks = map[string]string{
		LinkTAP:     "a TAP device and the Linux kernel behind it run on the wall clock",
		LinkTAPPair: "TAP devices and the Linux bridge between them run on the wall clock",
	}
	// realClockNodes maps a node kind to why it needs the real clock.
	realClockNodes = map[NodeKind]string{
		KindKernel: "the Linux kernel and the programs in its namespace run on the wall clock",
	}
)

// RealClockReason says why lab must run on the real clock: the first node
// or link that needs it, such as "link l1 is a tap link: a TAP device and
// the kernel behind it run on the wall clock". It returns "" when nothing
// does, and a lab that does not say which clock it wants is then virtual.
func (l *Lab) RealClockReason() string {
	why, _ := realClockNeed(l)
	return why
}

// realClockNeed returns why lab needs the real clock and the YAML path of
// what needs it, or "" and "".
func realClockNeed(l *Lab) (why, path string) {
	for _, n := range l.Nodes {
		if r, ok := realClockNodes[n.Kind]; ok {
			return fmt.Sprintf("node %s is a %s node: %s", n.Name, n.Kind, r), nodePath(n.Name) + ".kind"
		}
	}
	for _, n := range l.Nodes {
		for j, a := range n.Apps {
			if a.Kind == AppHTTP {
				return fmt.Sprintf("node %s runs an http app: net/http's own timers run on the wall clock", n.Name),
					indexPath(childPath(nodePath(n.Name), "apps"), j)
			}
		}
	}
	for i, s := range l.Steps {
		if h, ok := s.Action.(*HTTPGet); ok {
			return fmt.Sprintf("step %d fetches %s with net/http, whose timers run on the wall clock", i+1, h.URL),
				indexPath("$.steps", i) + ".http-get"
		}
	}
	for i, lk := range l.Links {
		if r, ok := realClockLinks[lk.Type]; ok {
			return fmt.Sprintf("link %s is a %s link: %s", lk.ID, lk.Type, r), indexPath("$.links", i) + ".type"
		}
	}
	return "", ""
}

// checkClock chooses the clock of a lab that does not give one, and
// reports `clock: virtual` in a lab that needs the real clock.
func (v *validator) checkClock() {
	why, path := realClockNeed(v.lab)
	if why == "" {
		return
	}
	if _, given := v.d.pos["$.clock"]; given && v.lab.Clock == ClockVirtual {
		v.errorf("$.clock", "clock virtual is impossible here: %s (line %d); write clock: real, or leave clock out",
			why, lookupPos(v.d.pos, path).Line)
		return
	}
	v.lab.Clock = ClockReal
}
