package labs

import (
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// actionKeys are the actions a step may hold, one each.
var actionKeys = []string{
	"ping", "expect", "socket", "bind", "connect", "accept", "send", "recv", "close", "http-get", "exec",
	"add-interface", "remove-interface", "set-interface",
	"add-route", "remove-route", "impair", "wait",
	DHCPStart, DHCPStop, DHCPRelease, DHCPRenew, DHCPInform,
	"dhcp-server-start", "dhcp-server-stop",
}

// stepFields are all the keys of a step.
var stepFields = append([]string{"name", "at", "after"}, actionKeys...)

// actionDecoders decode each action from its field.
var actionDecoders map[string]func(*decoder, *field) Action

func init() {
	actionDecoders = map[string]func(*decoder, *field) Action{
		"ping":              (*decoder).ping,
		"expect":            (*decoder).expect,
		"socket":            (*decoder).socket,
		"bind":              (*decoder).bind,
		"connect":           (*decoder).connect,
		"accept":            (*decoder).accept,
		"http-get":          (*decoder).httpGet,
		"exec":              (*decoder).exec,
		"send":              (*decoder).send,
		"recv":              (*decoder).recv,
		"close":             (*decoder).close,
		"add-interface":     (*decoder).addInterface,
		"remove-interface":  (*decoder).removeInterface,
		"set-interface":     (*decoder).setInterface,
		"add-route":         (*decoder).addRoute,
		"remove-route":      (*decoder).removeRoute,
		"impair":            (*decoder).impairStep,
		"wait":              (*decoder).wait,
		DHCPStart:           dhcpStep(DHCPStart),
		DHCPStop:            dhcpStep(DHCPStop),
		DHCPRelease:         dhcpStep(DHCPRelease),
		DHCPRenew:           dhcpStep(DHCPRenew),
		DHCPInform:          dhcpStep(DHCPInform),
		"dhcp-server-start": (*decoder).dhcpServerStart,
		"dhcp-server-stop":  (*decoder).dhcpServerStop,
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
		o.ref("name", &s.Name)
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
				d.pointf(e.pos, e.path, "a step needs an action: one of %s", oneOf(actionKeys))
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
	o, ok := d.actionObject(f, "from", "to", "count", "interval", "timeout", "size", "dont-fragment", "id")
	if ok {
		o.require("from", "to")
	}
	o.ref("from", &p.From)
	if o.addr("to", &p.To) && p.To.IsUnspecified() {
		d.errorf(o.get("to").pos, o.fieldPath("to"), "cannot ping %s", p.To)
	}
	o.int("count", &p.Count, 1, 1<<20)
	o.duration("interval", &p.Interval)
	if o.duration("timeout", &p.Timeout) && p.Timeout == 0 {
		d.errorf(o.get("timeout").pos, o.fieldPath("timeout"), "timeout must be more than 0")
	}
	o.int("size", &p.Size, 0, MaxUDPPayload)
	o.bool("dont-fragment", &p.DontFragment)
	d.id(o, "id", "ping id", &p.ID)
	return p
}

// expectSubjects are the subjects an expect checks, each with the keys
// that choose it (its conditions), the keys it requires and the other keys
// it allows.
var expectSubjects = []struct {
	name     string
	what     string
	conds    []string
	required []string
	others   []string
}{
	{SubjectPing, "a ping", []string{"ping-replies", "ping-replies-min"}, nil, []string{"ping"}},
	{SubjectExec, "a command", []string{"exit", "output-contains"}, nil, nil},
	{SubjectSocket, "a socket", []string{"bytes-received", "datagrams-received", "error", "state", "tcp-state"}, []string{"socket"}, []string{"intact"}},
	{SubjectCounter, "a counter", []string{"counter"}, []string{"node", "counter"}, []string{"interface", "equals", "min", "max"}},
	{SubjectInterface, "an interface's state", []string{"up", "link-up", "mtu", "address"}, []string{"node", "interface"}, nil},
	{SubjectEvent, "events", []string{"event"}, []string{"node", "event"}, []string{"interface", "count", "min", "max"}},
	{SubjectDHCP, "a DHCP client", []string{"dhcp", "lease-address", "lease-server", "lease-router", "renewed", "rebound", "expired"}, []string{"node", "interface"}, nil},
}

// expectFields are all the keys of an expect.
var expectFields = func() []string {
	var keys []string
	for _, sub := range expectSubjects {
		for _, k := range slices.Concat(sub.required, sub.conds, sub.others) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return append(keys, "within")
}()

func (d *decoder) expect(f *field) Action {
	e := &Expect{PingStep: -1, ExecStep: -1}
	o, ok := d.actionObject(f, expectFields...)
	o.ref("ping", &e.Ping)
	e.PingReplies = o.intPtr("ping-replies", 0, 1<<20)
	e.PingRepliesMin = o.intPtr("ping-replies-min", 0, 1<<20)
	e.Exit = o.intPtr("exit", 0, 255)
	o.str("output-contains", &e.OutputContains)
	o.ref("socket", &e.Socket)
	e.BytesReceived = o.intPtr("bytes-received", 0, 1<<62)
	e.DatagramsReceived = o.intPtr("datagrams-received", 0, 1<<62)
	if o.str("error", &e.Error) {
		if err := checkErrno(e.Error); err != nil {
			d.errorf(o.get("error").pos, o.fieldPath("error"), "%v", err)
		}
	}
	if o.str("state", &e.State) && !slices.Contains(SocketStates, e.State) {
		d.errorf(o.get("state").pos, o.fieldPath("state"), "unknown socket state %q (states: %s)%s",
			e.State, oneOf(SocketStates), suggest(e.State, SocketStates))
	}
	if o.str("tcp-state", &e.TCPState) && !slices.Contains(TCPStates, e.TCPState) {
		d.errorf(o.get("tcp-state").pos, o.fieldPath("tcp-state"), "unknown TCP state %q (states: %s)%s",
			e.TCPState, oneOf(TCPStates), suggest(e.TCPState, TCPStates))
	}
	o.bool("intact", &e.Intact)
	if e.Intact && !o.has("bytes-received") {
		f := o.byKey["intact"]
		d.errorf(f.keyPos, f.path, "intact goes with bytes-received: the stream's length to check, such as bytes-received: 1000")
	}
	o.ref("node", &e.Node)
	o.ref("interface", &e.Interface)
	if o.str("counter", &e.Counter) {
		if err := checkCounter(e.Counter, o.has("interface")); err != nil {
			d.errorf(o.get("counter").pos, o.fieldPath("counter"), "%v", err)
		}
	}
	e.Equals = o.uintPtr("equals")
	e.Min = o.uintPtr("min")
	e.Max = o.uintPtr("max")
	e.Count = o.uintPtr("count")
	e.Up = o.boolPtr("up")
	e.LinkUp = o.boolPtr("link-up")
	e.MTU = o.intPtr("mtu", MinMTU, MaxMTU)
	e.Address = d.addressOrNone(o, "address")
	if o.str("event", &e.Event) {
		d.eventPattern(o, e)
	}
	d.dhcpExpect(o, e)
	e.Within = o.durationPtr("within")
	if !ok {
		return e
	}

	// An expect checks one subject, chosen by its conditions, and says
	// what it expects of it.
	has := func(keys ...string) bool {
		return slices.ContainsFunc(keys, o.has)
	}
	var chosen []int
	for i, sub := range expectSubjects {
		if has(sub.conds...) {
			chosen = append(chosen, i)
		}
	}
	switch len(chosen) {
	case 0:
		// The keys given may say which subject was meant.
		var meant []int
		for i, sub := range expectSubjects {
			if has(sub.required...) || has(sub.others...) {
				meant = append(meant, i)
			}
		}
		if len(meant) == 1 {
			sub := expectSubjects[meant[0]]
			d.pointf(o.pos, o.path, "expect has no condition: give %s", oneOf(sub.conds))
			return e
		}
		var groups []string
		for _, sub := range expectSubjects {
			groups = append(groups, fmt.Sprintf("%s (%s)", oneOf(sub.conds), sub.what))
		}
		d.pointf(o.pos, o.path, "expect has no condition: give %s", strings.Join(groups, "; "))
		return e
	case 1:
	default:
		names := make([]string, len(chosen))
		for i, c := range chosen {
			names[i] = expectSubjects[c].what
		}
		d.pointf(o.pos, o.path, "an expect checks one thing, this one checks %s: make separate steps", andList(names))
		return e
	}
	sub := expectSubjects[chosen[0]]
	o.require(sub.required...)
	for _, f := range o.fields {
		if f.key == "within" || slices.Contains(sub.conds, f.key) || slices.Contains(sub.required, f.key) || slices.Contains(sub.others, f.key) {
			continue
		}
		d.errorf(f.keyPos, f.path, "%s does not go with %s: %s", f.key, oneOf(sub.conds), expectKeyHint(f.key))
	}
	switch sub.name {
	case SubjectCounter:
		if !has("equals", "min", "max") {
			d.pointf(o.pos, o.path, "counter %s needs a bound: equals, min or max", e.Counter)
		}
		d.exclusiveBounds(o, "equals")
	case SubjectEvent:
		d.exclusiveBounds(o, "count")
	}
	if e.Min != nil && e.Max != nil && *e.Min > *e.Max {
		d.errorf(o.byKey["max"].pos, o.fieldPath("max"), "max %d is less than min %d", *e.Max, *e.Min)
	}
	return e
}

// expectKeyHint says which subject an expect's key belongs to.
func expectKeyHint(key string) string {
	var subs []string
	for _, sub := range expectSubjects {
		if slices.Contains(sub.conds, key) || slices.Contains(sub.required, key) || slices.Contains(sub.others, key) {
			subs = append(subs, sub.what)
		}
	}
	return "it is for expectations of " + oneOf(subs)
}

// exclusiveBounds reports an exact bound (equals, count) given with min or
// max.
func (d *decoder) exclusiveBounds(o *object, key string) {
	if f := o.byKey[key]; f != nil && (o.has("min") || o.has("max")) {
		d.errorf(f.keyPos, f.path, "%s leaves no room for min or max", key)
	}
}

// addressOrNone decodes an interface address, or "none" for no address
// (the zero Prefix).
func (d *decoder) addressOrNone(o *object, key string) *netip.Prefix {
	af := o.scalar(key)
	if af == nil {
		return nil
	}
	if s, ok := af.value.(*ast.StringNode); ok && s.Value == "none" {
		return &netip.Prefix{}
	}
	var p netip.Prefix
	if !o.prefix(key, &p) {
		return nil
	}
	d.checkIfaceAddr(o, key, p)
	return &p
}

// eventPattern checks an expected event's text, and compiles it when it is
// written as a regular expression, between slashes.
func (d *decoder) eventPattern(o *object, e *Expect) {
	f := o.get("event")
	re, isRE := strings.CutPrefix(e.Event, "/")
	if isRE {
		re, isRE = strings.CutSuffix(re, "/")
	}
	switch {
	case e.Event == "":
		d.errorf(f.pos, f.path, "event is empty: give text that the event says, such as \"ARP 10.0.0.2 reachable\"")
	case isRE && re == "":
		d.errorf(f.pos, f.path, "empty regular expression: write text between the slashes, such as /ARP .* stale/")
	case isRE:
		compiled, err := regexp.Compile(re)
		if err != nil {
			msg := err.Error()
			if pe, ok := err.(*syntax.Error); ok {
				msg = pe.Code.String() + ": " + pe.Expr
			}
			d.errorf(f.pos, f.path, "bad regular expression %s: %s", e.Event, msg)
			return
		}
		e.EventRegexp = compiled
	}
}

func (d *decoder) socket(f *field) Action {
	s := &Socket{Proto: ProtoUDP}
	o, ok := d.actionObject(f, "node", "id", "proto", "bind", "connect", "broadcast", "dont-fragment", "listen", "backlog", "within")
	if ok {
		o.require("node", "id")
	}
	o.ref("node", &s.Node)
	d.id(o, "id", "socket id", &s.ID)
	if o.str("proto", &s.Proto) && s.Proto != ProtoUDP && s.Proto != ProtoTCP {
		pf := o.get("proto")
		d.errorf(pf.pos, pf.path, "unknown proto %q (protos: udp, tcp)%s", s.Proto, suggest(s.Proto, []string{ProtoUDP, ProtoTCP}))
	}
	o.bool("listen", &s.Listen)
	if s.Proto == ProtoTCP && s.Listen {
		s.Backlog = DefaultBacklog
	}
	o.int("backlog", &s.Backlog, 1, 4096)
	if s.Proto == ProtoTCP && o.has("connect") {
		s.Within = DefaultConnectWithin
	}
	if o.duration("within", &s.Within) && s.Within == 0 {
		d.errorf(o.get("within").pos, o.fieldPath("within"), "within must be more than 0")
	}
	// What goes with TCP only, or with UDP only.
	for _, k := range []string{"listen", "backlog", "within", "broadcast", "dont-fragment"} {
		tcpOnly := k == "listen" || k == "backlog" || k == "within"
		if f := o.byKey[k]; f != nil && tcpOnly != (s.Proto == ProtoTCP) && (s.Proto == ProtoTCP || s.Proto == ProtoUDP) {
			d.errorf(f.keyPos, f.path, "%s is for %s sockets, and this one is %s", k, map[bool]string{true: "tcp", false: "udp"}[tcpOnly], s.Proto)
		}
	}
	if f := o.byKey["backlog"]; f != nil && !s.Listen && s.Proto == ProtoTCP {
		d.errorf(f.keyPos, f.path, "backlog goes with listen: true")
	}
	if s.Listen && o.has("connect") {
		d.errorf(o.byKey["connect"].keyPos, o.fieldPath("connect"), "a socket listens or connects, not both")
	}
	if f := o.byKey["within"]; f != nil && s.Proto == ProtoTCP && !o.has("connect") {
		d.errorf(f.keyPos, f.path, "within is how long connect waits: it goes with connect")
	}
	o.addrPort("bind", &s.Bind)
	o.bool("dont-fragment", &s.DontFragment)
	o.bool("broadcast", &s.Broadcast)
	if o.addrPort("connect", &s.Connect) && (s.Connect.Port() == 0 || s.Connect.Addr().IsUnspecified()) {
		d.errorf(o.get("connect").pos, o.fieldPath("connect"), "cannot connect to %s", s.Connect)
	}
	return s
}

func (d *decoder) bind(f *field) Action {
	b := &Bind{}
	o, ok := d.actionObject(f, "socket", "address")
	if ok {
		o.require("socket", "address")
	}
	o.ref("socket", &b.Socket)
	o.addrPort("address", &b.Address)
	return b
}

func (d *decoder) connect(f *field) Action {
	c := &Connect{Within: DefaultConnectWithin}
	o, ok := d.actionObject(f, "socket", "to", "within")
	if ok {
		o.require("socket", "to")
	}
	o.ref("socket", &c.Socket)
	if o.addrPort("to", &c.To) && (c.To.Port() == 0 || c.To.Addr().IsUnspecified()) {
		d.errorf(o.get("to").pos, o.fieldPath("to"), "cannot connect to %s", c.To)
	}
	if o.duration("within", &c.Within) && c.Within == 0 {
		d.errorf(o.get("within").pos, o.fieldPath("within"), "within must be more than 0")
	}
	return c
}

func (d *decoder) accept(f *field) Action {
	a := &Accept{Within: DefaultAcceptWithin}
	o, ok := d.actionObject(f, "socket", "id", "within")
	if ok {
		o.require("socket", "id")
	}
	o.ref("socket", &a.Socket)
	d.id(o, "id", "socket id", &a.ID)
	o.duration("within", &a.Within)
	return a
}

func (d *decoder) httpGet(f *field) Action {
	h := &HTTPGet{Status: 200, Within: DefaultHTTPWithin}
	o, ok := d.actionObject(f, "from", "url", "status", "body-contains", "within")
	if ok {
		o.require("from", "url")
	}
	o.ref("from", &h.From)
	if o.str("url", &h.URL) {
		if err := checkHTTPURL(h.URL); err != nil {
			d.errorf(o.get("url").pos, o.fieldPath("url"), "%v", err)
		}
	}
	o.int("status", &h.Status, 100, 599)
	o.str("body-contains", &h.BodyContains)
	if o.duration("within", &h.Within) && h.Within == 0 {
		d.errorf(o.get("within").pos, o.fieldPath("within"), "within must be more than 0")
	}
	return h
}

func (d *decoder) exec(f *field) Action {
	x := &Exec{}
	o, ok := d.actionObject(f, "node", "run", "within", "background")
	if ok {
		o.require("node", "run")
	}
	o.ref("node", &x.Node)
	if o.str("run", &x.Run) && strings.TrimSpace(x.Run) == "" {
		d.errorf(o.get("run").pos, o.fieldPath("run"), "run is empty: give a command line, such as \"ping -c 3 10.9.0.2\"")
	}
	o.bool("background", &x.Background)
	if x.Background {
		if wf := o.byKey["within"]; wf != nil {
			d.errorf(wf.keyPos, wf.path, "within is for a command in the foreground: one in the background runs until the lab ends")
		}
		return x
	}
	x.Within = DefaultExecWithin
	if o.duration("within", &x.Within) && x.Within == 0 {
		d.errorf(o.get("within").pos, o.fieldPath("within"), "within must be more than 0")
	}
	return x
}

// checkHTTPURL checks an http-get's URL: http:// and an IPv4 address
// (netlab's stacks resolve no names), an optional port, a path.
func checkHTTPURL(s string) error {
	rest, ok := strings.CutPrefix(s, "http://")
	if !ok {
		return fmt.Errorf("bad url %q: write http://<IPv4 address>[:port]/path, such as http://10.0.0.1/", s)
	}
	host, _, _ := strings.Cut(rest, "/")
	h, port, hasPort := strings.Cut(host, ":")
	if a, err := netip.ParseAddr(h); err != nil || !a.Is4() || a.IsUnspecified() {
		return fmt.Errorf("bad url %q: the host must be an IPv4 address (netlab resolves no names), such as http://10.0.0.1/", s)
	}
	if hasPort {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) {
			return fmt.Errorf("bad url %q: port %q is not 1 to 65535", s, port)
		}
	}
	return nil
}

func (d *decoder) send(f *field) Action {
	s := &Send{Count: 1}
	o, ok := d.actionObject(f, "socket", "to", "data", "size", "count")
	if ok {
		o.require("socket")
	}
	o.ref("socket", &s.Socket)
	if o.addrPort("to", &s.To) && (s.To.Port() == 0 || s.To.Addr().IsUnspecified()) {
		d.errorf(o.get("to").pos, o.fieldPath("to"), "cannot send to %s", s.To)
	}
	switch {
	case o.has("data") && o.has("size"):
		d.errorf(o.byKey["size"].keyPos, o.fieldPath("size"), "give data or size, not both")
	case o.has("data"):
		if o.str("data", &s.Data) {
			s.Size = len(s.Data)
		}
	case o.has("size"):
		o.int("size", &s.Size, 0, MaxStreamSend)
	case ok:
		d.pointf(o.pos, o.path, "missing data or size")
	}
	o.int("count", &s.Count, 1, 1<<20)
	return s
}

func (d *decoder) recv(f *field) Action {
	r := &Recv{Count: 1, Within: DefaultRecvWithin}
	o, ok := d.actionObject(f, "socket", "count", "bytes", "within")
	if ok {
		o.require("socket")
	}
	o.ref("socket", &r.Socket)
	o.int("count", &r.Count, 1, 1<<20)
	o.int("bytes", &r.Bytes, 1, 1<<40)
	if o.has("count") && o.has("bytes") {
		d.errorf(o.byKey["bytes"].keyPos, o.fieldPath("bytes"), "give count (datagrams, udp) or bytes (tcp), not both")
	}
	o.duration("within", &r.Within)
	return r
}

func (d *decoder) close(f *field) Action {
	c := &Close{}
	o, ok := d.actionObject(f, "socket", "reset")
	if ok {
		o.require("socket")
	}
	o.ref("socket", &c.Socket)
	o.bool("reset", &c.Reset)
	return c
}

func (d *decoder) addInterface(f *field) Action {
	a := &AddInterface{MTU: DefaultMTU, Up: true}
	o, ok := d.actionObject(f, "node", "name", "mac", "address", "mtu", "up", "link")
	if ok {
		o.require("node", "name")
	}
	o.ref("node", &a.Node)
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
	o.ref("link", &a.Link)
	return a
}

func (d *decoder) removeInterface(f *field) Action {
	r := &RemoveInterface{}
	o, ok := d.actionObject(f, "node", "name")
	if ok {
		o.require("node", "name")
	}
	o.ref("node", &r.Node)
	o.ref("name", &r.Name)
	return r
}

func (d *decoder) setInterface(f *field) Action {
	s := &SetInterface{}
	o, ok := d.actionObject(f, "node", "name", "up", "link-up", "mtu", "address")
	if ok {
		o.require("node", "name")
	}
	o.ref("node", &s.Node)
	o.ref("name", &s.Name)
	s.Up = o.boolPtr("up")
	s.LinkUp = o.boolPtr("link-up")
	s.MTU = o.intPtr("mtu", MinMTU, MaxMTU)
	s.Address = d.addressOrNone(o, "address")
	if ok && !o.has("up") && !o.has("link-up") && !o.has("mtu") && !o.has("address") {
		d.pointf(o.pos, o.path, "set-interface changes nothing: give up, link-up, mtu or address")
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
	o.ref("node", &a.Node)
	return a
}

func (d *decoder) removeRoute(f *field) Action {
	r := &RemoveRoute{}
	o, ok := d.actionObject(f, "node", "to")
	if ok {
		o.require("node", "to")
	}
	o.ref("node", &r.Node)
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
			d.pointf(o.pos, o.path, "impair changes nothing: give %s", oneOf(impairFields))
		}
	}
	o.ref("link", &im.Link)
	return im
}

func (d *decoder) wait(f *field) Action {
	w := &Wait{}
	if f.value == nil {
		d.errorf(f.pos, f.path, "missing duration, such as wait: 2s")
		return w
	}
	d.text(f, func(s string) error {
		return strict(s, reDuration, &w.Duration, "not a duration: %q (write a number and a unit, such as 500ms or 2s)")
	})
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
