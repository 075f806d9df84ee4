package labs

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Load parses a lab file's contents, fills in the defaults and validates
// it. name is the file name that errors carry (and Lab.Source). On failure
// it returns a nil Lab and either one *Error or an ErrorList holding every
// mistake it found, in file order, each with its line of the source (see
// Error.Excerpt).
func Load(name string, data []byte) (*Lab, error) {
	lab, err := load(name, data)
	if err != nil {
		return nil, withLines(err, bytes.TrimPrefix(data, []byte("\ufeff")))
	}
	return lab, nil
}

// load is Load, without the source lines in its errors.
func load(name string, data []byte) (*Lab, error) {
	d := &decoder{file: name, pos: map[string]Pos{}}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if err := checkInput(name, data); err != nil {
		return nil, err
	}
	root, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	var lab *Lab
	if root == nil {
		d.pointf(Pos{Line: 1, Column: 1}, "", "empty lab file: a lab needs at least a name and nodes")
	} else {
		d.collectAnchors(root)
		d.pos["$"] = nodePos(root)
		lab = d.lab(d.resolve(root, "$"), nodePos(root))
		if !d.tooBig {
			d.validate(lab)
		}
	}
	if errs := sortErrors(d.errs); len(errs) > 0 {
		if d.dropped > 0 {
			last := errs[len(errs)-1]
			last.Msg = fmt.Sprintf("too many errors (more than %d); stopping here", maxCollected)
		}
		return nil, errs.Err()
	}
	lab.Source = name
	lab.pos = d.pos
	return lab, nil
}

// LoadFile reads and loads the lab file at path; errors name the file as
// path.
func LoadFile(path string) (*Lab, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, data)
}

// parse parses data into the YAML node of its one document, nil when the
// file holds none. Syntax errors carry goccy/go-yaml's position.
func parse(name string, data []byte) (root ast.Node, err error) {
	var file *ast.File
	func() {
		// goccy/go-yaml is not ours to fix: a panic on odd input must
		// still be an error, not a crash.
		defer func() {
			if r := recover(); r != nil {
				file, err = nil, &Error{File: name, Msg: fmt.Sprintf("YAML parser failure: %v", r)}
			}
		}()
		file, err = parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	}()
	if err != nil {
		var ye yaml.Error
		var le *Error
		switch {
		case errors.As(err, &le):
			return nil, le
		case errors.As(err, &ye):
			return nil, &Error{File: name, Pos: tokenPos(ye.GetToken()), Msg: "YAML syntax error: " + ye.GetMessage()}
		}
		return nil, &Error{File: name, Msg: "YAML syntax error: " + err.Error()}
	}
	var docs []ast.Node
	for _, doc := range file.Docs {
		if doc == nil {
			continue
		}
		switch doc.Body.(type) {
		case nil, *ast.DirectiveNode, *ast.CommentNode, *ast.CommentGroupNode:
			continue
		}
		docs = append(docs, doc.Body)
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0], nil
	}
	return nil, &Error{File: name, Pos: nodePos(docs[1]), Msg: "a lab file holds one YAML document; this is a second one"}
}

// labFields are the top-level keys of a lab file.
var labFields = []string{"name", "description", "clock", "seed", "nodes", "links", "steps"}

// lab decodes the top-level mapping.
func (d *decoder) lab(root ast.Node, pos Pos) *Lab {
	lab := &Lab{Clock: ClockVirtual, Seed: DefaultSeed}
	o := d.object(root, "$", pos, labFields...)
	if o == nil {
		return lab
	}
	if o.require("name") && o.str("name", &lab.Name) {
		if err := checkName("lab name", lab.Name); err != nil {
			d.errorf(o.get("name").pos, o.fieldPath("name"), "%v", err)
		}
	}
	o.str("description", &lab.Description)
	if f := o.scalar("clock"); f != nil {
		if s, ok := d.str(f); ok {
			switch ClockKind(s) {
			case ClockVirtual, ClockReal:
				lab.Clock = ClockKind(s)
			default:
				d.errorf(f.pos, f.path, "unknown clock %q (clocks: virtual, real)", s)
			}
		}
	}
	if f := o.scalar("seed"); f != nil {
		if v, ok := d.uinteger(f); ok {
			lab.Seed = v
		}
	}
	if f := o.get("nodes"); f != nil {
		lab.Nodes = d.nodes(f)
	} else {
		o.require("nodes")
	}
	if f := o.get("links"); f != nil {
		lab.Links = d.links(f)
	}
	if f := o.get("steps"); f != nil {
		lab.Steps = d.steps(f)
	}
	return lab
}

// nodeFields are the keys of a node; stackFields those only a stack has.
var (
	nodeFields  = []string{"kind", "forwarding", "interfaces", "routes", "arp", "apps", "dhcp-server"}
	stackFields = nodeFields[1:]
	nodeKinds   = []string{string(KindStack), string(KindSwitch), string(KindKernel)}
	// kernelFields are the keys of a kernel node, kernelIfaceFields those
	// of its interfaces.
	kernelFields      = []string{"kind", "forwarding", "interfaces", "routes"}
	kernelIfaceFields = []string{"mac", "address", "mtu", "up"}
)

// nodes decodes the nodes mapping, in file order.
func (d *decoder) nodes(f *field) []Node {
	m := d.object(f.value, f.path, f.pos)
	if m == nil {
		return nil
	}
	if len(m.fields) == 0 {
		d.errorf(f.pos, f.path, "a lab needs at least one node")
	}
	nodes := make([]Node, 0, len(m.fields))
	for _, nf := range m.fields {
		d.pos[nf.path] = nf.keyPos
		if err := checkName("node name", nf.key); err != nil {
			d.errorf(nf.keyPos, nf.path, "%v", err)
		}
		nodes = append(nodes, d.node(nf))
	}
	return nodes
}

// node decodes one node. A node whose kind is unknown gets the empty Kind,
// which validation takes as "already reported".
func (d *decoder) node(f *field) Node {
	n := Node{Name: f.key, Kind: KindStack, Pos: f.keyPos}
	o := d.object(f.value, f.path, f.keyPos, nodeFields...)
	if o == nil {
		n.Kind = ""
		return n
	}
	if kf := o.scalar("kind"); kf != nil {
		n.Kind = ""
		if s, ok := d.str(kf); ok {
			switch NodeKind(s) {
			case KindStack, KindSwitch, KindKernel:
				n.Kind = NodeKind(s)
			default:
				d.errorf(kf.pos, kf.path, "unknown node kind %q (kinds: %s)%s", s, oneOf(nodeKinds), suggest(s, nodeKinds))
			}
		}
	}
	if n.Kind != KindStack {
		if n.Kind == KindSwitch {
			for _, k := range stackFields {
				if sf := o.byKey[k]; sf != nil {
					d.errorf(sf.keyPos, sf.path, "%s is for stacks: a switch has none (its ports are the links that name it)", k)
				}
			}
		}
		if n.Kind == KindKernel {
			for _, k := range stackFields {
				if sf := o.byKey[k]; sf != nil && !slices.Contains(kernelFields, k) {
					d.errorf(sf.keyPos, sf.path, "%s is for stacks: a kernel node has %s (run daemons with exec steps)", k, andList(kernelFields[1:]))
				}
			}
		} else {
			return n
		}
	}
	o.bool("forwarding", &n.Forwarding)
	if f := o.get("interfaces"); f != nil {
		if m := d.object(f.value, f.path, f.pos); m != nil {
			for _, iff := range m.fields {
				d.pos[iff.path] = iff.keyPos
				if err := checkName("interface name", iff.key); err != nil {
					d.errorf(iff.keyPos, iff.path, "%v", err)
				}
				n.Interfaces = append(n.Interfaces, d.iface(iff, n.Kind == KindKernel))
			}
		}
	}
	if f := o.get("routes"); f != nil {
		for _, e := range d.sequence(f.value, f.path, f.pos) {
			n.Routes = append(n.Routes, d.route(e))
		}
	}
	if n.Kind == KindKernel {
		return n
	}
	if f := o.get("arp"); f != nil {
		for _, e := range d.sequence(f.value, f.path, f.pos) {
			ao := d.object(e.value, e.path, e.pos, "address", "mac")
			var entry StaticARP
			ao.require("address", "mac")
			ao.addr("address", &entry.Address)
			ao.mac("mac", &entry.MAC)
			n.ARP = append(n.ARP, entry)
		}
	}
	if f := o.get("apps"); f != nil {
		for _, e := range d.sequence(f.value, f.path, f.pos) {
			n.Apps = append(n.Apps, d.app(e))
		}
	}
	if f := o.get("dhcp-server"); f != nil {
		n.DHCPServers = d.dhcpServers(f)
	}
	return n
}

// iface decodes one of a stack's interfaces, or of a kernel node's (which
// have no DHCP client).
func (d *decoder) iface(f *field, kernel bool) Interface {
	itf := Interface{Name: f.key, MTU: DefaultMTU, Up: true, Pos: f.keyPos}
	keys := append(slices.Clip(kernelIfaceFields), "dhcp")
	if kernel {
		keys = kernelIfaceFields
	}
	o := d.object(f.value, f.path, f.keyPos, keys...)
	o.mac("mac", &itf.MAC)
	if o.prefix("address", &itf.Address) {
		d.checkIfaceAddr(o, "address", itf.Address)
	}
	o.int("mtu", &itf.MTU, MinMTU, MaxMTU)
	o.bool("up", &itf.Up)
	itf.DHCP = d.ifaceDHCP(o)
	return itf
}

// checkIfaceAddr reports an address an interface cannot have.
func (d *decoder) checkIfaceAddr(o *object, key string, p netip.Prefix) {
	if msg := ifaceAddrProblem(p); msg != "" {
		f := o.get(key)
		d.errorf(f.pos, f.path, "%s", msg)
	}
}

// ifaceAddrProblem says why an interface cannot have address p, or
// returns "" when it can.
func ifaceAddrProblem(p netip.Prefix) string {
	a := p.Addr()
	switch {
	case p.Bits() == 0:
		return fmt.Sprintf("%s: an interface's prefix length is 1 to 32", p)
	case a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Sprintf("%s is not a unicast host address", a)
	case p.Bits() <= 30 && a == p.Masked().Addr():
		return fmt.Sprintf("%s is the network's own address: give the interface a host address, such as %s/%d", p, a.Next(), p.Bits())
	case p.Bits() <= 30 && a == broadcast(p):
		return fmt.Sprintf("%s is the network's broadcast address: give the interface a host address, such as %s/%d", p, a.Prev(), p.Bits())
	}
	return ""
}

// broadcast returns the directed broadcast address of p's network.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := ^uint32(0) >> p.Bits()
	for i := range 4 {
		b[i] |= byte(host >> (24 - 8*i))
	}
	return netip.AddrFrom4(b)
}

// route decodes a static route.
func (d *decoder) route(e elem) Route {
	r := Route{Pos: e.pos}
	o := d.object(e.value, e.path, e.pos, "to", "via", "interface")
	d.routeFields(o, &r.To, &r.Via, &r.Interface)
	return r
}

// routeFields decodes and checks the to, via and interface of a route
// (static, or an add-route step).
func (d *decoder) routeFields(o *object, to *netip.Prefix, via *netip.Addr, iface *string) {
	if o == nil {
		return
	}
	o.require("to")
	if o.prefix("to", to) && *to != to.Masked() {
		f := o.get("to")
		d.errorf(f.pos, f.path, "%s has host bits set: a route goes to a network, such as %s", *to, to.Masked())
	}
	if o.addr("via", via) && via.IsUnspecified() {
		f := o.get("via")
		d.errorf(f.pos, f.path, "via %s is not a next hop", *via)
	}
	o.ref("interface", iface)
	if !o.has("via") && !o.has("interface") {
		d.pointf(o.pos, o.path, "a route needs via, interface or both")
	}
}

// appKinds are the built-in apps.
var appKinds = []string{AppUDPEcho, AppUDPDiscard, AppUDPSource, AppHTTP}

// app decodes one app: a one-key mapping "kind: {settings}", or just the
// kind's name for its defaults. An app that cannot be decoded comes out
// with an empty Kind (and a port that cannot, with Port 0), so that
// validation skips what is already reported.
func (d *decoder) app(e elem) App {
	app := App{Pos: e.pos}
	body := elem{path: e.path, pos: e.pos}
	if isScalar(e.value) {
		app.Kind = scalarText(e.value)
	} else {
		o := d.object(e.value, e.path, e.pos)
		if o == nil {
			return app
		}
		if len(o.fields) != 1 {
			d.pointf(e.pos, e.path, "an app is a mapping with one key, its kind: such as `- udp-echo: {port: 7}`")
			return app
		}
		f := o.fields[0]
		app.Kind = f.key
		body = elem{value: f.value, pos: f.pos, path: f.path}
	}
	var o *object
	switch app.Kind {
	case AppUDPEcho, AppUDPDiscard, AppHTTP:
		o = d.object(body.value, body.path, body.pos, "port")
		app.Port = map[string]uint16{AppUDPEcho: 7, AppUDPDiscard: 9, AppHTTP: 80}[app.Kind]
	case AppUDPSource:
		o = d.object(body.value, body.path, body.pos, "to", "size", "interval", "count", "port")
		app.Size, app.Interval = 64, Duration(1e9)
		if o.require("to") && o.addrPort("to", &app.To) {
			if f := o.get("to"); app.To.Port() == 0 || app.To.Addr().IsUnspecified() {
				d.errorf(f.pos, f.path, "%s: udp-source needs a destination address and a port other than 0", app.To)
			}
		}
		o.int("size", &app.Size, 0, MaxUDPPayload)
		if o.duration("interval", &app.Interval) && app.Interval == 0 {
			f := o.get("interval")
			d.errorf(f.pos, f.path, "interval must be more than 0")
		}
		o.int("count", &app.Count, 0, 1<<31-1)
	default:
		d.errorf(body.pos, body.path, "unknown app %q (apps: %s)%s", app.Kind, oneOf(appKinds), suggest(app.Kind, appKinds))
		app.Kind = ""
		return app
	}
	if o == nil {
		app.Kind = ""
		return app
	}
	if o.has("port") {
		lo := int64(1)
		if app.Kind == AppUDPSource {
			lo = 0
		}
		var port int
		app.Port = 0
		if o.int("port", &port, lo, 65535) {
			app.Port = uint16(port)
		}
	}
	return app
}

// links decodes the links list.
func (d *decoder) links(f *field) []Link {
	var links []Link
	for i, e := range d.sequence(f.value, f.path, f.pos) {
		l := Link{ID: fmt.Sprintf("l%d", i+1), Type: LinkPipe, Pos: e.pos}
		o := d.object(e.value, e.path, e.pos, "id", "endpoints", "type", "impair", "capture")
		if o == nil {
			links = append(links, l)
			continue
		}
		if o.str("id", &l.ID) {
			if err := checkName("link id", l.ID); err != nil {
				d.errorf(o.get("id").pos, o.fieldPath("id"), "%v", err)
			}
		}
		if o.require("endpoints") {
			ef := o.get("endpoints")
			eps := d.sequence(ef.value, ef.path, ef.pos)
			if eps != nil && len(eps) != 2 {
				d.errorf(ef.pos, ef.path, "a link has two endpoints, not %d", len(eps))
			}
			if len(eps) == 2 {
				l.A = d.endpoint(eps[0])
				l.B = d.endpoint(eps[1])
			}
		}
		if tf := o.scalar("type"); tf != nil {
			if s, ok := d.str(tf); ok {
				if s != LinkPipe && s != LinkTAP && s != LinkTAPPair {
					d.errorf(tf.pos, tf.path, "unknown link type %q (types: pipe, tap, tap-pair)%s", s, suggest(s, []string{LinkPipe, LinkTAP, LinkTAPPair}))
				}
				l.Type = s
			}
		}
		if imf := o.get("impair"); imf != nil {
			im := d.impair(d.object(imf.value, imf.path, imf.pos, impairFields...))
			l.Impair = im.Apply(Impairments{})
		}
		o.bool("capture", &l.Capture)
		links = append(links, l)
	}
	return links
}

// endpoint decodes "node:interface" or "switch".
func (d *decoder) endpoint(e elem) Endpoint {
	if s, ok := gluedPair(e.value); ok {
		return d.endpoint(elem{value: ast.String(token.New(s, s, &token.Position{})), pos: e.pos, path: e.path})
	}
	if !isScalar(e.value) {
		d.errorf(e.pos, e.path, "expected an endpoint such as a:eth0, got %s", describe(e.value))
		return Endpoint{}
	}
	s := scalarText(e.value)
	node, iface, found := cutColon(s)
	if node == "" || (found && iface == "") || containsColon(iface) {
		d.errorf(e.pos, e.path, "bad endpoint %q: write node:interface for a stack, or a switch's name", s)
		return Endpoint{}
	}
	return Endpoint{Node: node, Interface: iface}
}

// gluedPair undoes a quirk of goccy/go-yaml: inside a flow mapping, the
// plain scalar a:eth0 in a flow sequence comes out as the mapping
// {a: eth0}. gluedPair returns "a:eth0" for a mapping of one pair written
// without spaces around its colon.
func gluedPair(n ast.Node) (string, bool) {
	var mv *ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		if len(m.Values) != 1 {
			return "", false
		}
		mv = m.Values[0]
	case *ast.MappingValueNode:
		mv = m
	default:
		return "", false
	}
	if mv == nil || mv.Key == nil || !isScalar(mv.Value) {
		return "", false
	}
	if _, null := mv.Value.(*ast.NullNode); null {
		return "", false // {a: }, a mapping whose value is null
	}
	k, c, v := mv.Key.GetToken(), mv.Start, mv.Value.GetToken()
	if k == nil || c == nil || v == nil || k.Position == nil || c.Position == nil || v.Position == nil {
		return "", false
	}
	if k.Position.Line != c.Position.Line || c.Position.Line != v.Position.Line ||
		k.Position.Column+len([]rune(k.Value)) != c.Position.Column || c.Position.Column+1 != v.Position.Column {
		return "", false
	}
	return k.Value + ":" + v.Value, true
}

func cutColon(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func containsColon(s string) bool {
	_, _, found := cutColon(s)
	return found
}

// impairFields are the keys of a link's impairments.
var impairFields = []string{"loss", "delay", "jitter", "duplicate", "reorder", "corrupt", "rate", "queue"}

// impair decodes impairments (those of a link, or an impair step's
// changes) as an Impair whose nil fields were not given.
func (d *decoder) impair(o *object) *Impair {
	im := &Impair{}
	if o == nil {
		return im
	}
	im.Loss = o.percentPtr("loss")
	im.Duplicate = o.percentPtr("duplicate")
	im.Reorder = o.percentPtr("reorder")
	im.Corrupt = o.percentPtr("corrupt")
	im.Delay = o.durationPtr("delay")
	im.Jitter = o.durationPtr("jitter")
	var r Rate
	if o.rate("rate", &r) {
		im.Rate = &r
	}
	im.Queue = o.intPtr("queue", 0, 1<<20)
	return im
}
