package labs

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// actionKeys are the actions a step may hold, one each.
var actionKeys = []string{
	"ping", "expect", "socket", "send", "recv", "close",
	"add-interface", "remove-interface", "set-interface",
	"add-route", "remove-route", "impair", "wait",
}

// stepFields are all the keys of a step.
var stepFields = append([]string{"name", "at", "after"}, actionKeys...)

// actionDecoders decode each action from its field.
var actionDecoders map[string]func(*decoder, *field) Action

func init() {
	actionDecoders = map[string]func(*decoder, *field) Action{
		"ping":             (*decoder).ping,
		"expect":           (*decoder).expect,
		"socket":           (*decoder).socket,
		"send":             (*decoder).send,
		"recv":             (*decoder).recv,
		"close":            (*decoder).close,
		"add-interface":    (*decoder).addInterface,
		"remove-interface": (*decoder).removeInterface,
		"set-interface":    (*decoder).setInterface,
		"add-route":        (*decoder).addRoute,
		"remove-route":     (*decoder).removeRoute,
		"impair":           (*decoder).impairStep,
		"wait":             (*decoder).wait,
	}
}

// steps decodes the steps list. A step whose action could not be decoded
// at all keeps a nil Action (the error is reported).
func (d *decoder) steps(f *field) []Step {
	var steps []Step
	for _, e := range d.sequence(f.value, f.path, f.pos) {
		s := Step{Pos: e.pos}
		o := d.object(e.value, e.path, e.pos, stepFields...)
		if o == nil {
			steps = append(steps, s)
			continue
		}
		o.str("name", &s.Name)
		s.At = o.durationPtr("at")
		s.After = o.durationPtr("after")
		if o.has("at") && o.has("after") {
			af := o.byKey["after"]
			d.errorf(af.keyPos, af.path, "give at (from the lab's start) or after (from the previous step), not both")
		}
		var actions []*field
		for _, f := range o.fields {
			if actionDecoders[f.key] != nil {
				actions = append(actions, f)
			}
		}
		switch len(actions) {
		case 0:
			if o.unknown == 0 {
				d.errorf(e.pos, e.path, "a step needs an action: one of %s", oneOf(actionKeys))
			}
		case 1:
		default:
			names := make([]string, len(actions))
			for i, a := range actions {
				names[i] = a.key
			}
			d.errorf(actions[1].keyPos, actions[1].path, "a step has one action, this one has %s: make them separate steps", andList(names))
		}
		for i, af := range actions {
			if a := actionDecoders[af.key](d, af); i == 0 {
				s.Action = a
			}
		}
		steps = append(steps, s)
	}
	return steps
}

// actionObject decodes an action's mapping with its known keys; it never
// returns nil, so that an action always comes out (empty when its value
// was not a mapping).
func (d *decoder) actionObject(f *field, keys ...string) (*object, bool) {
	o := d.object(f.value, f.path, f.pos, keys...)
	if o == nil {
		return d.emptyObject(f.path, f.pos), false
	}
	return o, true
}

// name decodes an id that a step gives something (socket, ping).
func (d *decoder) id(o *object, key, sort string, dst *string) {
	if o.str(key, dst) {
		if err := checkName(sort, *dst); err != nil {
			f := o.get(key)
			d.errorf(f.pos, f.path, "%v", err)
		}
	}
}

func (d *decoder) ping(f *field) Action {
	p := &Ping{Count: DefaultPingCount, Interval: DefaultPingInterval, Timeout: DefaultPingTimeout, Size: DefaultPingSize}
	o, ok := d.actionObject(f, "from", "to", "count", "interval", "timeout", "size", "id")
	if ok {
		o.require("from", "to")
	}
	o.str("from", &p.From)
	if o.addr("to", &p.To) && p.To.IsUnspecified() {
		d.errorf(o.get("to").pos, o.fieldPath("to"), "cannot ping %s", p.To)
	}
	o.int("count", &p.Count, 1, 1<<20)
	o.duration("interval", &p.Interval)
	if o.duration("timeout", &p.Timeout) && p.Timeout == 0 {
		d.errorf(o.get("timeout").pos, o.fieldPath("timeout"), "timeout must be more than 0")
	}
	o.int("size", &p.Size, 0, MaxUDPPayload)
	d.id(o, "id", "ping id", &p.ID)
	return p
}

// Expect's keys, by the subject they check.
var (
	expectPingConds    = []string{"ping-replies", "ping-replies-min"}
	expectSocketConds  = []string{"bytes-received", "datagrams-received", "error"}
	expectCounterConds = []string{"equals", "min", "max"}
	expectFields       = []string{
		"ping", "ping-replies", "ping-replies-min",
		"socket", "bytes-received", "datagrams-received", "error",
		"node", "interface", "counter", "equals", "min", "max",
		"within",
	}
)

func (d *decoder) expect(f *field) Action {
	e := &Expect{PingStep: -1}
	o, ok := d.actionObject(f, expectFields...)
	o.str("ping", &e.Ping)
	e.PingReplies = o.intPtr("ping-replies", 0, 1<<20)
	e.PingRepliesMin = o.intPtr("ping-replies-min", 0, 1<<20)
	o.str("socket", &e.Socket)
	e.BytesReceived = o.intPtr("bytes-received", 0, 1<<62)
	e.DatagramsReceived = o.intPtr("datagrams-received", 0, 1<<62)
	if o.str("error", &e.Error) {
		if err := checkErrno(e.Error); err != nil {
			d.errorf(o.get("error").pos, o.fieldPath("error"), "%v", err)
		}
	}
	o.str("node", &e.Node)
	o.str("interface", &e.Interface)
	if o.str("counter", &e.Counter) {
		if err := checkCounter(e.Counter, o.has("interface")); err != nil {
			d.errorf(o.get("counter").pos, o.fieldPath("counter"), "%v", err)
		}
	}
	e.Equals = o.uintPtr("equals")
	e.Min = o.uintPtr("min")
	e.Max = o.uintPtr("max")
	e.Within = o.durationPtr("within")
	if !ok {
		return e
	}

	// An expect checks one subject, and says what it expects of it.
	has := func(keys ...string) bool {
		for _, k := range keys {
			if o.has(k) {
				return true
			}
		}
		return false
	}
	subjects := 0
	for _, conds := range [][]string{expectPingConds, expectSocketConds, append([]string{"counter"}, expectCounterConds...)} {
		if has(conds...) {
			subjects++
		}
	}
	switch {
	case subjects == 0:
		d.errorf(o.pos, o.path, "expect has no condition: give %s, %s, or a counter with %s",
			strings.Join(expectPingConds, ", "), strings.Join(expectSocketConds, ", "), oneOf(expectCounterConds))
		return e
	case subjects > 1:
		d.errorf(o.pos, o.path, "an expect checks one thing (a ping, a socket or a counter): make separate steps")
		return e
	}
	orphan := func(key, needs string) {
		if f := o.byKey[key]; f != nil {
			d.errorf(f.keyPos, f.path, "%s goes with %s", key, needs)
		}
	}
	if !has(expectPingConds...) {
		orphan("ping", oneOf(expectPingConds))
	}
	if has(expectSocketConds...) {
		o.require("socket")
	} else {
		orphan("socket", oneOf(expectSocketConds))
	}
	if has("counter") || has(expectCounterConds...) {
		o.require("node", "counter")
		if !has(expectCounterConds...) {
			d.errorf(o.pos, o.path, "counter %s needs a bound: %s", e.Counter, oneOf(expectCounterConds))
		}
		if e.Equals != nil && (e.Min != nil || e.Max != nil) {
			d.errorf(o.byKey["equals"].keyPos, o.fieldPath("equals"), "equals leaves no room for min or max")
		}
		if e.Min != nil && e.Max != nil && *e.Min > *e.Max {
			d.errorf(o.byKey["max"].pos, o.fieldPath("max"), "max %d is less than min %d", *e.Max, *e.Min)
		}
	} else {
		orphan("node", "counter")
		orphan("interface", "counter")
	}
	return e
}

func (d *decoder) socket(f *field) Action {
	s := &Socket{Proto: "udp"}
	o, ok := d.actionObject(f, "node", "id", "proto", "bind", "connect")
	if ok {
		o.require("node", "id")
	}
	o.str("node", &s.Node)
	d.id(o, "id", "socket id", &s.ID)
	if o.str("proto", &s.Proto) && s.Proto != "udp" {
		pf := o.get("proto")
		if s.Proto == "tcp" {
			d.errorf(pf.pos, pf.path, "proto tcp is not supported yet: sockets are udp")
		} else {
			d.errorf(pf.pos, pf.path, "unknown proto %q (protos: udp)", s.Proto)
		}
	}
	o.addrPort("bind", &s.Bind)
	if o.addrPort("connect", &s.Connect) && (s.Connect.Port() == 0 || s.Connect.Addr().IsUnspecified()) {
		d.errorf(o.get("connect").pos, o.fieldPath("connect"), "cannot connect to %s", s.Connect)
	}
	return s
}

func (d *decoder) send(f *field) Action {
	s := &Send{Count: 1}
	o, ok := d.actionObject(f, "socket", "to", "data", "size", "count")
	if ok {
		o.require("socket")
	}
	o.str("socket", &s.Socket)
	if o.addrPort("to", &s.To) && (s.To.Port() == 0 || s.To.Addr().IsUnspecified()) {
		d.errorf(o.get("to").pos, o.fieldPath("to"), "cannot send to %s", s.To)
	}
	switch {
	case o.has("data") && o.has("size"):
		d.errorf(o.byKey["size"].keyPos, o.fieldPath("size"), "give data or size, not both")
	case o.has("data"):
		if o.str("data", &s.Data) {
			s.Size = len(s.Data)
			if s.Size > MaxUDPPayload {
				d.errorf(o.get("data").pos, o.fieldPath("data"), "data is %d bytes, more than a datagram holds (%d)", s.Size, MaxUDPPayload)
			}
		}
	case o.has("size"):
		o.int("size", &s.Size, 0, MaxUDPPayload)
	case ok:
		d.errorf(o.pos, o.path, "missing data or size")
	}
	o.int("count", &s.Count, 1, 1<<20)
	return s
}

func (d *decoder) recv(f *field) Action {
	r := &Recv{Count: 1, Within: DefaultRecvWithin}
	o, ok := d.actionObject(f, "socket", "count", "within")
	if ok {
		o.require("socket")
	}
	o.str("socket", &r.Socket)
	o.int("count", &r.Count, 1, 1<<20)
	o.duration("within", &r.Within)
	return r
}

func (d *decoder) close(f *field) Action {
	c := &Close{}
	o, ok := d.actionObject(f, "socket")
	if ok {
		o.require("socket")
	}
	o.str("socket", &c.Socket)
	return c
}

func (d *decoder) addInterface(f *field) Action {
	a := &AddInterface{MTU: DefaultMTU, Up: true}
	o, ok := d.actionObject(f, "node", "name", "mac", "address", "mtu", "up", "link")
	if ok {
		o.require("node", "name")
	}
	o.str("node", &a.Node)
	if o.str("name", &a.Name) {
		if err := checkName("interface name", a.Name); err != nil {
			d.errorf(o.get("name").pos, o.fieldPath("name"), "%v", err)
		}
	}
	o.mac("mac", &a.MAC)
	if o.prefix("address", &a.Address) {
		d.checkIfaceAddr(o, "address", a.Address)
	}
	o.int("mtu", &a.MTU, MinMTU, MaxMTU)
	o.bool("up", &a.Up)
	o.str("link", &a.Link)
	return a
}

func (d *decoder) removeInterface(f *field) Action {
	r := &RemoveInterface{}
	o, ok := d.actionObject(f, "node", "name")
	if ok {
		o.require("node", "name")
	}
	o.str("node", &r.Node)
	o.str("name", &r.Name)
	return r
}

func (d *decoder) setInterface(f *field) Action {
	s := &SetInterface{}
	o, ok := d.actionObject(f, "node", "name", "up", "link-up", "mtu", "address")
	if ok {
		o.require("node", "name")
	}
	o.str("node", &s.Node)
	o.str("name", &s.Name)
	s.Up = o.boolPtr("up")
	s.LinkUp = o.boolPtr("link-up")
	s.MTU = o.intPtr("mtu", MinMTU, MaxMTU)
	if af := o.get("address"); af != nil {
		if isScalar(af.value) && scalarText(af.value) == "none" {
			s.Address = &netip.Prefix{}
		} else {
			var p netip.Prefix
			if o.prefix("address", &p) {
				s.Address = &p
				d.checkIfaceAddr(o, "address", p)
			}
		}
	}
	if ok && !o.has("up") && !o.has("link-up") && !o.has("mtu") && !o.has("address") {
		d.errorf(o.pos, o.path, "set-interface changes nothing: give up, link-up, mtu or address")
	}
	return s
}

func (d *decoder) addRoute(f *field) Action {
	a := &AddRoute{}
	o, ok := d.actionObject(f, "node", "to", "via", "interface")
	if ok {
		o.require("node")
		d.routeFields(o, &a.To, &a.Via, &a.Interface)
	}
	o.str("node", &a.Node)
	return a
}

func (d *decoder) removeRoute(f *field) Action {
	r := &RemoveRoute{}
	o, ok := d.actionObject(f, "node", "to")
	if ok {
		o.require("node", "to")
	}
	o.str("node", &r.Node)
	if o.prefix("to", &r.To) && r.To != r.To.Masked() {
		d.errorf(o.get("to").pos, o.fieldPath("to"), "%s has host bits set: a route goes to a network, such as %s", r.To, r.To.Masked())
	}
	return r
}

func (d *decoder) impairStep(f *field) Action {
	o, ok := d.actionObject(f, append([]string{"link"}, impairFields...)...)
	im := d.impair(o)
	if ok {
		o.require("link")
		changes := false
		for _, k := range impairFields {
			changes = changes || o.has(k)
		}
		if !changes {
			d.errorf(o.pos, o.path, "impair changes nothing: give %s", oneOf(impairFields))
		}
	}
	o.str("link", &im.Link)
	return im
}

func (d *decoder) wait(f *field) Action {
	w := &Wait{}
	if f.value == nil {
		d.errorf(f.pos, f.path, "missing duration, such as wait: 2s")
		return w
	}
	d.text(f, func(s string) error { return w.Duration.UnmarshalText([]byte(s)) })
	return w
}

// InterfaceCounters are the counters every interface keeps; "drops:<reason>"
// counts one reason for drops.
var InterfaceCounters = []string{"rx-frames", "tx-frames", "rx-bytes", "tx-bytes", "drops"}

// checkCounter checks a counter's name: one of InterfaceCounters or
// drops:<reason> for an interface; any name written like "ip-forwarded"
// (optionally ":<detail>") for a stack, whose counters the stack defines.
func checkCounter(name string, iface bool) error {
	base, detail, found := strings.Cut(name, ":")
	if !isName(base, false, true) || (found && !isName(detail, true, true)) {
		return fmt.Errorf("bad counter name %q: such as rx-frames or drops:no-route", name)
	}
	if iface && base != "drops" && found || iface && !slices.Contains(InterfaceCounters, base) {
		hint := suggest(name, InterfaceCounters)
		if hint == "" {
			hint = "; leave out interface for a stack-wide counter"
		}
		return fmt.Errorf("unknown interface counter %q (counters: %s, drops:<reason>)%s",
			name, strings.Join(InterfaceCounters, ", "), hint)
	}
	return nil
}

// Errnos are the socket error names an expect may check (`error:`), beside
// "none".
var Errnos = []string{
	"EADDRINUSE", "EADDRNOTAVAIL", "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH",
	"EMSGSIZE", "ENETDOWN", "ENETUNREACH", "ENOBUFS", "ETIMEDOUT",
}

// checkErrno checks an expected socket error's name.
func checkErrno(name string) error {
	if name == "none" || slices.Contains(Errnos, name) {
		return nil
	}
	return fmt.Errorf("unknown socket error %q (errors: none, %s)%s", name, strings.Join(Errnos, ", "), suggest(name, Errnos))
}
