package run

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"net/netip"

	"github.com/netlab/netlab/core/snapshot"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/netifapi"
	"github.com/netlab/netlab/sockets"
)

// Mismatch is an expectation that did not hold: what was checked, what was
// wanted of it and what was seen. A failed expect step's error is one.
type Mismatch struct {
	// What names what was checked: "ping replies", "a eth0 rx-frames".
	What string
	// Want is what the lab expected ("3", "≥ 1", "link down, mtu 1400");
	// Got is what the runner saw last ("0", "link up, mtu 1500").
	Want, Got string
	// Waited is how long the runner waited for the condition (its
	// within), 0 when it had to hold at once.
	Waited time.Duration
}

// Error formats m as "what: want W, got G", with how long the runner
// waited.
func (m *Mismatch) Error() string {
	s := fmt.Sprintf("%s: want %s, got %s", m.What, m.Want, m.Got)
	if m.Waited > 0 {
		s += fmt.Sprintf(" (waited %v)", m.Waited)
	}
	return s
}

// errBadExpect marks an expectation that cannot be checked at all (the
// loader's validation keeps them out of a lab): waiting will not help.
var errBadExpect = errors.New("cannot check")

// expect checks an expectation, again at every step of clock time until
// it holds or its deadline passes.
func (r *runner) expect(ctx context.Context, a *labs.Expect) (string, error) {
	var deadline time.Duration
	if a.Within != nil {
		deadline = r.w.Clock.Now() + a.Within.Std()
	}
	poll := 10 * time.Millisecond
	if a.Within != nil && a.Within.Std()/100 < poll {
		poll = max(a.Within.Std()/100, time.Millisecond)
	}
	for {
		detail, err := r.check(ctx, a)
		if err == nil || ctx.Err() != nil || errors.Is(err, errBadExpect) {
			return detail, err
		}
		if r.w.Clock.Now() >= deadline {
			var m *Mismatch
			if a.Within != nil && errors.As(err, &m) {
				m.Waited = a.Within.Std()
			}
			return detail, err
		}
		if err := r.sleepUntil(ctx, min(r.w.Clock.Now()+poll, deadline)); err != nil {
			return "", err
		}
	}
}

// check evaluates an expectation once: a nil error and what it saw, or a
// *Mismatch.
func (r *runner) check(ctx context.Context, a *labs.Expect) (string, error) {
	switch a.Subject() {
	case labs.SubjectPing:
		return r.checkPing(a)
	case labs.SubjectExec:
		return r.checkExec(a)
	case labs.SubjectSocket:
		return r.checkSocket(ctx, a)
	case labs.SubjectCounter:
		return r.checkCounter(ctx, a)
	case labs.SubjectInterface:
		return r.checkInterface(ctx, a)
	case labs.SubjectEvent:
		return r.checkEvents(a)
	case labs.SubjectDHCP:
		return r.checkDHCP(ctx, a)
	}
	return "", fmt.Errorf("%w: expectation has no condition", errBadExpect)
}

func (r *runner) checkPing(a *labs.Expect) (string, error) {
	res := r.pings[a.PingStep]
	if res == nil {
		return "", fmt.Errorf("%w: the ping has not run", errBadExpect)
	}
	what := "ping replies"
	if a.Ping != "" {
		what = "ping " + a.Ping + " replies"
	}
	got := res.Received
	seen := fmt.Sprintf("%d of %d", got, res.Sent)
	if a.PingReplies != nil && got != *a.PingReplies {
		return "", &Mismatch{What: what, Want: strconv.Itoa(*a.PingReplies), Got: seen}
	}
	if a.PingRepliesMin != nil && got < *a.PingRepliesMin {
		return "", &Mismatch{What: what, Want: fmt.Sprintf("≥ %d", *a.PingRepliesMin), Got: seen}
	}
	return fmt.Sprintf("%d/%d replies", got, res.Sent), nil
}

func (r *runner) checkSocket(ctx context.Context, a *labs.Expect) (string, error) {
	s := r.socks[a.Socket]
	if s == nil {
		if r.closed[a.Socket] && a.State == "closed" {
			return "closed", nil
		}
		if r.closed[a.Socket] {
			return "", &Mismatch{What: "socket " + a.Socket, Want: a.State, Got: "closed"}
		}
		return "", fmt.Errorf("%w: no open socket %q", errBadExpect, a.Socket)
	}
	var seen []string
	if a.State != "" {
		got := socketState(s)
		if got != a.State {
			return "", &Mismatch{What: "socket " + a.Socket, Want: a.State, Got: got}
		}
		seen = append(seen, got)
	}
	if a.BytesReceived != nil && s.bytes != *a.BytesReceived {
		return "", &Mismatch{What: "socket " + a.Socket + " bytes received", Want: strconv.Itoa(*a.BytesReceived), Got: strconv.Itoa(s.bytes)}
	}
	if a.DatagramsReceived != nil && s.datagrams != *a.DatagramsReceived {
		return "", &Mismatch{What: "socket " + a.Socket + " datagrams received", Want: strconv.Itoa(*a.DatagramsReceived), Got: strconv.Itoa(s.datagrams)}
	}
	if s.tcp != nil {
		more, err := r.tcpExpect(ctx, s, a, a.Socket)
		if err != nil {
			return "", err
		}
		seen = append(seen, more...)
	}
	switch {
	case a.Error != "":
		got := r.socketError(ctx, s)
		if got != a.Error {
			return "", &Mismatch{What: "socket " + a.Socket + " error", Want: a.Error, Got: got}
		}
		seen = append(seen, "error "+got)
	case s.tcp != nil && a.BytesReceived != nil:
		seen = append(seen, fmt.Sprintf("%d B", s.bytes))
	case a.BytesReceived != nil || a.DatagramsReceived != nil:
		seen = append(seen, fmt.Sprintf("%d B in %d datagram(s)", s.bytes, s.datagrams))
	}
	return strings.Join(seen, ", "), nil
}

// socketState names the state of a lab's open socket, as an expect's
// state: says it: "unbound", "bound" or "connected".
func socketState(s *labSocket) string {
	info, err := s.node.Sockets.Stat(s.fd)
	switch {
	case err != nil:
		return "closed"
	case info.Remote.IsValid():
		return "connected"
	case info.Local.IsValid():
		return "bound"
	}
	return "unbound"
}

// socketError is the errno name of a socket's error: the last error a
// step saw on it, else its pending SO_ERROR, else "none".
func (r *runner) socketError(ctx context.Context, s *labSocket) string {
	if s.lastErr == nil {
		s.lastErr = s.writerErr()
	}
	if s.lastErr == nil {
		if v, err := s.node.Sockets.GetSockOpt(ctx, s.fd, sockets.SO_ERROR); err == nil && v != 0 {
			s.lastErr = syscall.Errno(v)
		}
	}
	if s.lastErr == nil {
		return "none"
	}
	return sockets.ErrnoName(sockets.Errno(s.lastErr, false))
}

func (r *runner) checkCounter(ctx context.Context, a *labs.Expect) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errBadExpect, err)
	}
	v, err := netifapi.Counter(ctx, n.Stack, a.Interface, a.Counter)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errBadExpect, err)
	}
	what := a.Node + " " + a.Counter
	if a.Interface != "" {
		what = a.Node + " " + a.Interface + " " + a.Counter
	}
	if want, ok := bounds(v, a.Equals, a.Min, a.Max); !ok {
		return "", &Mismatch{What: what, Want: want, Got: strconv.FormatUint(v, 10)}
	}
	return fmt.Sprintf("%s = %d", what, v), nil
}

// bounds checks v against an exact value and a range, and formats what
// they want: "3", "≥ 1", "≤ 5", "1 to 5".
func bounds(v uint64, exact, lo, hi *uint64) (want string, ok bool) {
	switch {
	case exact != nil:
		return strconv.FormatUint(*exact, 10), v == *exact
	case lo != nil && hi != nil:
		return fmt.Sprintf("%d to %d", *lo, *hi), v >= *lo && v <= *hi
	case lo != nil:
		return fmt.Sprintf("≥ %d", *lo), v >= *lo
	case hi != nil:
		return fmt.Sprintf("≤ %d", *hi), v <= *hi
	}
	return "", true
}

func (r *runner) checkInterface(ctx context.Context, a *labs.Expect) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errBadExpect, err)
	}
	what := a.Node + " " + a.Interface
	ifc, err := netifapi.Get(ctx, n.Stack, a.Interface)
	if err != nil {
		return "", &Mismatch{What: what, Want: interfaceWant(a), Got: "no such interface"}
	}
	var want, got []string
	all := interfaceState(a, ifc)
	for _, c := range all {
		if c.want != c.got {
			want, got = append(want, c.want), append(got, c.got)
		}
	}
	if len(want) > 0 {
		return "", &Mismatch{What: what, Want: strings.Join(want, ", "), Got: strings.Join(got, ", ")}
	}
	seen := make([]string, len(all))
	for i, c := range all {
		seen[i] = c.got
	}
	return strings.Join(seen, ", "), nil
}

// interfaceState pairs each part of an interface's state that a wants
// with what the interface has.
func interfaceState(a *labs.Expect, ifc snapshot.Netif) []struct{ want, got string } {
	var out []struct{ want, got string }
	add := func(want, got string) { out = append(out, struct{ want, got string }{want, got}) }
	upDown := func(prefix string, up bool) string {
		if up {
			return prefix + "up"
		}
		return prefix + "down"
	}
	addr := func(p netip.Prefix) string {
		if !p.IsValid() {
			return "no address"
		}
		return p.String()
	}
	if a.Up != nil {
		add(upDown("", *a.Up), upDown("", ifc.Up))
	}
	if a.LinkUp != nil {
		add(upDown("link ", *a.LinkUp), upDown("link ", ifc.LinkUp))
	}
	if a.MTU != nil {
		add(fmt.Sprintf("mtu %d", *a.MTU), fmt.Sprintf("mtu %d", ifc.MTU))
	}
	if a.Address != nil {
		add(addr(*a.Address), addr(ifc.Address))
	}
	return out
}

// interfaceWant formats everything a wants of an interface.
func interfaceWant(a *labs.Expect) string {
	var want []string
	for _, c := range interfaceState(a, snapshot.Netif{}) {
		want = append(want, c.want)
	}
	return strings.Join(want, ", ")
}

func (r *runner) checkEvents(a *labs.Expect) (string, error) {
	var n uint64
	var last []string
	var match string // the last matching event
	for _, e := range r.w.events.of(a.Node) {
		if a.Interface != "" && e.Netif != a.Interface {
			continue
		}
		text := e.Text()
		if a.EventMatches(text) {
			n++
			match = fmt.Sprintf("%q at %.3fs", text, e.Time.Seconds())
			continue
		}
		if len(last) == 3 {
			last = last[1:]
		}
		last = append(last, strconv.Quote(text))
	}
	lo := a.Min
	if a.Count == nil && a.Min == nil && a.Max == nil {
		one := uint64(1)
		lo = &one
	}
	what := a.Node + " events"
	if a.Interface != "" {
		what = a.Node + " " + a.Interface + " events"
	}
	if a.EventRegexp != nil {
		what += " matching " + a.Event
	} else {
		what += " saying " + strconv.Quote(a.Event)
	}
	want, ok := bounds(n, a.Count, lo, a.Max)
	if !ok {
		got := strconv.FormatUint(n, 10)
		if n == 0 && len(last) > 0 {
			got += " (the latest other events: " + strings.Join(last, ", ") + ")"
		}
		return "", &Mismatch{What: what, Want: want, Got: got}
	}
	switch n {
	case 0:
		return "none", nil
	case 1:
		return "1 event: " + match, nil
	}
	return fmt.Sprintf("%d events, the last %s", n, match), nil
}
