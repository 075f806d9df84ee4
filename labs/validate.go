package labs

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
)

// validator checks what decoding one field at a time cannot: names that
// refer to other parts of the lab, and the state that steps build up
// (interfaces added and removed, sockets opened and closed, time).
// Validation also fills in the defaults that depend on the whole lab:
// derived MACs, Expect.PingStep and step names.
type validator struct {
	d     *decoder
	lab   *Lab
	nodes map[string]*vnode
	// endpoints maps "node:interface" (stack ends only) to its link.
	endpoints map[string]*vendpoint
	links     map[string]int // link id -> index
	macs      map[MAC]string // -> "node:interface" using it
	sockets   map[string]*vsocket
	closed    map[string]int // socket id -> line of its close step
	pings     map[string]int // ping id -> step index
	lastPing  int
	lastExec  int // the latest foreground exec's step index, or -1
	// addrs holds the static addresses of the interfaces as the steps
	// so far have left them.
	addrs addressBook
	// segments maps each link end ("node:interface", or a switch's name)
	// to its Ethernet segment: the ends that pipes and switches join.
	segments map[string]*vsegment
}

// vnode is a node as the steps so far have left it.
type vnode struct {
	node   *Node
	index  int            // 1-based position in the file
	ifaces map[string]MAC // the interfaces it has now
	count  int            // interfaces it ever had, for derived MACs
	// ever holds the names of the interfaces it had at some point so far.
	ever map[string]bool
}

// vendpoint is a stack end of a link.
type vendpoint struct {
	link     string
	path     string
	attached bool // the interface exists now
	ever     bool // the interface existed at some point
}

// vsocket is an open socket.
type vsocket struct {
	connected bool
	// bound is set once the socket has a local address: bound by its
	// socket step, a bind or connect step, a listen or a UDP send.
	bound     bool
	tcp       bool
	listening bool
	line      int
}

// errorf reports an error at path, positioned where path (or its nearest
// ancestor) is in the source.
func (v *validator) errorf(path, format string, args ...any) {
	v.d.errorf(lookupPos(v.d.pos, path), path, format, args...)
}

// pointf is errorf for a mistake about the whole mapping at path.
func (v *validator) pointf(path, format string, args ...any) {
	v.d.pointf(lookupPos(v.d.pos, path), path, format, args...)
}

// validate checks lab, which d decoded, and fills in its derived defaults.
func (d *decoder) validate(lab *Lab) {
	v := &validator{
		d: d, lab: lab,
		nodes:     map[string]*vnode{},
		endpoints: map[string]*vendpoint{},
		links:     map[string]int{},
		macs:      map[MAC]string{},
		sockets:   map[string]*vsocket{},
		closed:    map[string]int{},
		pings:     map[string]int{},
		lastPing:  -1,
		lastExec:  -1,
		addrs:     newAddressBook(),
		segments:  map[string]*vsegment{},
	}
	v.checkNodes()
	v.checkLinks()
	v.checkAddresses()
	v.checkClock()
	v.checkSteps()
	for _, key := range slices.Sorted(maps.Keys(v.endpoints)) {
		if ep := v.endpoints[key]; !ep.ever {
			node, iface, _ := cutColon(key)
			v.errorf(ep.path, "unknown interface %q on %s (and no add-interface step attaches it to link %s)%s",
				iface, node, ep.link, suggest(iface, v.ifaceNames(v.nodes[node])))
		}
	}
}

// nodePath returns the YAML path of node name.
func nodePath(name string) string { return childPath("$.nodes", name) }

func (v *validator) checkNodes() {
	for i := range v.lab.Nodes {
		n := &v.lab.Nodes[i]
		vn := &vnode{node: n, index: i + 1, ifaces: map[string]MAC{}, ever: map[string]bool{}}
		v.nodes[n.Name] = vn
		np := nodePath(n.Name)
		for j := range n.Interfaces {
			itf := &n.Interfaces[j]
			ip := childPath(childPath(np, "interfaces"), itf.Name)
			v.addIface(vn, itf.Name, &itf.MAC, ip)
		}
		for j, r := range n.Routes {
			if r.Interface != "" {
				v.checkIface(indexPath(childPath(np, "routes"), j)+".interface", vn, r.Interface)
			}
		}
		arp := map[netip.Addr]int{}
		for j, e := range n.ARP {
			ep := indexPath(childPath(np, "arp"), j)
			if e.MAC.IsMulticast() {
				v.errorf(ep+".mac", "%s is a group (multicast) address: ARP resolves to a unicast MAC", e.MAC)
			}
			if prev, dup := arp[e.Address]; dup && e.Address.IsValid() {
				v.errorf(ep+".address", "a static ARP entry for %s is already at line %d", e.Address, lookupPos(v.d.pos, indexPath(childPath(np, "arp"), prev)).Line)
			}
			arp[e.Address] = j
		}
		v.checkNodeDHCP(vn)
		type port struct {
			proto string
			n     uint16
		}
		ports := map[port]int{}
		for j, app := range n.Apps {
			if app.Port == 0 || app.Kind == "" {
				continue
			}
			pt := port{"UDP", app.Port}
			if app.Kind == AppHTTP {
				pt.proto = "TCP"
			}
			if prev, dup := ports[pt]; dup {
				v.errorf(indexPath(childPath(np, "apps"), j), "%s port %d is already %s's (line %d)",
					pt.proto, app.Port, n.Apps[prev].Kind, n.Apps[prev].Pos.Line)
				continue
			}
			ports[pt] = j
		}
	}
}

// addIface gives vn a new interface, deriving its MAC when *mac is zero
// and checking that the MAC is a unique unicast address.
func (v *validator) addIface(vn *vnode, name string, mac *MAC, path string) {
	derived := mac.IsZero()
	if derived {
		*mac = derivedMAC(vn.index, vn.count)
	}
	vn.count++
	key := vn.node.Name + ":" + name
	switch {
	case mac.IsMulticast():
		v.errorf(path+".mac", "%s is a group (multicast) address: an interface needs a unicast MAC (first byte even)", *mac)
	case v.macs[*mac] != "" && derived:
		v.errorf(path, "derived MAC %s is already %s's: give %s a mac", *mac, v.macs[*mac], key)
	case v.macs[*mac] != "":
		v.errorf(path+".mac", "MAC %s is already %s's", *mac, v.macs[*mac])
	default:
		v.macs[*mac] = key
	}
	vn.ifaces[name] = *mac
	vn.ever[name] = true
}

// removeIface takes interface name away from vn.
func (v *validator) removeIface(vn *vnode, name string) {
	if mac, ok := vn.ifaces[name]; ok && v.macs[mac] == vn.node.Name+":"+name {
		delete(v.macs, mac)
	}
	delete(vn.ifaces, name)
}

// ifaceNames lists vn's interfaces now, sorted.
func (v *validator) ifaceNames(vn *vnode) []string {
	if vn == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(vn.ifaces))
}

// nodeNames lists the lab's nodes.
func (v *validator) nodeNames() []string {
	names := make([]string, len(v.lab.Nodes))
	for i, n := range v.lab.Nodes {
		names[i] = n.Name
	}
	return names
}

// node returns the node called name, reporting it at path when there is
// none. It returns nil for an empty name (already reported) and for a
// node whose kind is unknown (likewise).
func (v *validator) node(path, name string) *vnode {
	if name == "" {
		return nil
	}
	vn := v.nodes[name]
	if vn == nil {
		v.errorf(path, "unknown node %q%s", name, suggest(name, v.nodeNames()))
		return nil
	}
	if vn.node.Kind == "" {
		return nil
	}
	return vn
}

// stack is node for a step that needs a stack.
func (v *validator) stack(path, name, what string) *vnode {
	vn := v.node(path, name)
	if vn != nil && vn.node.Kind != KindStack {
		v.errorf(path, "%s is a %s: %s needs a stack", name, vn.node.Kind, what)
		return nil
	}
	return vn
}

// checkIface reports at path when vn has no interface name now.
func (v *validator) checkIface(path string, vn *vnode, name string) bool {
	if vn == nil || name == "" {
		return false
	}
	if _, ok := vn.ifaces[name]; ok {
		return true
	}
	v.errorf(path, "%s has no interface %q here%s", vn.node.Name, name, suggest(name, v.ifaceNames(vn)))
	return false
}

func (v *validator) checkLinks() {
	for i := range v.lab.Links {
		l := &v.lab.Links[i]
		lp := indexPath("$.links", i)
		if prev, dup := v.links[l.ID]; dup {
			what := "link id " + l.ID
			if _, given := v.d.pos[lp+".id"]; !given {
				what += fmt.Sprintf(" (the default for link %d)", i+1)
			}
			v.errorf(lp+".id", "%s is already the id of the link at line %d", what, v.lab.Links[prev].Pos.Line)
		} else {
			v.links[l.ID] = i
		}
		ends := []Endpoint{l.A, l.B}
		for j, ep := range ends {
			v.checkEndpoint(l, ep, indexPath(lp+".endpoints", j))
		}
		if l.A.Node != "" && l.A == l.B {
			v.errorf(lp+".endpoints[1]", "both ends of the link are %s", l.A)
		}
		v.checkLinkType(l, lp)
	}
	// A kernel node's interfaces are the TAP devices of its links.
	for _, n := range v.lab.Nodes {
		if n.Kind != KindKernel {
			continue
		}
		for _, itf := range n.Interfaces {
			if ep := v.endpoints[n.Name+":"+itf.Name]; ep == nil {
				v.errorf(childPath(childPath(nodePath(n.Name), "interfaces"), itf.Name),
					"%s:%s is on no link: a kernel node's interface is the TAP device of a tap link to a stack", n.Name, itf.Name)
			}
		}
	}
}

// kindOf returns the kind of node name, "" when there is none.
func (v *validator) kindOf(name string) NodeKind {
	if vn := v.nodes[name]; vn != nil {
		return vn.node.Kind
	}
	return ""
}

// checkLinkType checks that a tap link joins a kernel node's interface to
// a stack's, that a tap-pair link joins two stacks' interfaces, and that a
// pipe never ends at a kernel node.
func (v *validator) checkLinkType(l *Link, lp string) {
	ka, kb := v.kindOf(l.A.Node), v.kindOf(l.B.Node)
	if ka == "" || kb == "" {
		return // reported
	}
	switch l.Type {
	case LinkTAP:
		if (ka == KindKernel) == (kb == KindKernel) || (ka != KindStack && kb != KindStack) {
			v.errorf(lp+".type", "a tap link joins a kernel node's interface to a stack's; this one joins a %s and a %s", ka, kb)
		}
	case LinkTAPPair:
		if ka != KindStack || kb != KindStack {
			v.errorf(lp+".type", "a tap-pair link joins two stacks' interfaces through a Linux bridge; this one joins a %s and a %s", ka, kb)
		}
	case LinkPipe:
		for j, k := range []NodeKind{ka, kb} {
			if k == KindKernel {
				end := []Endpoint{l.A, l.B}[j]
				v.errorf(indexPath(lp+".endpoints", j), "%s is a kernel node: its interfaces join stacks by tap links (write type: tap)", end.Node)
			}
		}
	}
}

// checkEndpoint checks one end of link l.
func (v *validator) checkEndpoint(l *Link, ep Endpoint, path string) {
	vn := v.node(path, ep.Node)
	if vn == nil {
		return
	}
	switch vn.node.Kind {
	case KindSwitch:
		if ep.Interface != "" {
			v.errorf(path, "%s is a switch: write just %s (a switch's ports are its links)", ep.Node, ep.Node)
		}
	case KindStack, KindKernel:
		if ep.Interface == "" {
			v.errorf(path, "%s is a %s node: name its interface, as in %s:eth0", ep.Node, vn.node.Kind, ep.Node)
			return
		}
		key := ep.String()
		if prev := v.endpoints[key]; prev != nil {
			if prev.link != l.ID {
				v.errorf(path, "%s is already on link %s (line %d)", key, prev.link, lookupPos(v.d.pos, prev.path).Line)
			}
			return
		}
		_, exists := vn.ifaces[ep.Interface]
		v.endpoints[key] = &vendpoint{link: l.ID, path: path, attached: exists, ever: exists}
	}
}

func (v *validator) checkSteps() {
	var earliest Duration // the earliest the current step can start
	for i := range v.lab.Steps {
		s := &v.lab.Steps[i]
		sp := indexPath("$.steps", i)
		if s.At != nil {
			if *s.At < earliest {
				v.errorf(sp+".at", "at %s goes back in time: the steps before run until %s at least", *s.At, earliest)
			}
			earliest = max(earliest, *s.At)
		}
		if s.After != nil {
			earliest = addDurations(earliest, *s.After)
		}
		if s.Action == nil {
			continue
		}
		ap := childPath(sp, s.Action.Kind())
		switch a := s.Action.(type) {
		case *Ping:
			v.stack(ap+".from", a.From, "ping")
			if a.ID != "" {
				if prev, dup := v.pings[a.ID]; dup {
					v.errorf(ap+".id", "ping id %s is already the ping's at line %d", a.ID, v.lab.Steps[prev].Pos.Line)
				}
				v.pings[a.ID] = i
			}
			v.lastPing = i
			// The requests go out Interval apart.
			earliest = addDurations(earliest, mulDuration(a.Count-1, a.Interval))
		case *Expect:
			v.checkExpect(a, ap)
		case *Exec:
			if vn := v.node(ap+".node", a.Node); vn != nil && vn.node.Kind != KindKernel {
				v.errorf(ap+".node", "%s is a %s: exec runs a command in a kernel node", a.Node, vn.node.Kind)
			}
			if !a.Background {
				v.lastExec = i
			}
		case *Socket:
			v.stack(ap+".node", a.Node, "a socket")
			if a.ID != "" {
				if prev := v.sockets[a.ID]; prev != nil {
					v.errorf(ap+".id", "socket %s is already open (line %d)", a.ID, prev.line)
				}
				v.sockets[a.ID] = &vsocket{
					connected: a.Connect.IsValid(), bound: a.Bind.IsValid() || a.Connect.IsValid() || a.Listen,
					tcp: a.Proto == ProtoTCP, listening: a.Listen, line: s.Pos.Line,
				}
				delete(v.closed, a.ID)
			}
		case *Accept:
			if so := v.socket(ap+".socket", a.Socket); so != nil && !so.listening {
				v.errorf(ap+".socket", "socket %s is not listening: accept takes connections off a tcp socket with listen: true", a.Socket)
			}
			if a.ID != "" {
				if prev := v.sockets[a.ID]; prev != nil {
					v.errorf(ap+".id", "socket %s is already open (line %d)", a.ID, prev.line)
				}
				v.sockets[a.ID] = &vsocket{connected: true, bound: true, tcp: true, line: s.Pos.Line}
				delete(v.closed, a.ID)
			}
		case *Bind:
			if so := v.socket(ap+".socket", a.Socket); so != nil {
				if so.bound {
					v.errorf(ap+".socket", "socket %s is bound already: a socket binds once, before it sends, connects or listens", a.Socket)
				}
				so.bound = so.bound || a.Address.IsValid()
			}
		case *Connect:
			v.checkConnect(a, ap)
		case *Send:
			v.checkSend(a, ap)
		case *Recv:
			if so := v.socket(ap+".socket", a.Socket); so != nil {
				switch {
				case so.listening:
					v.errorf(ap+".socket", "socket %s is listening: accept its connections, and recv on them", a.Socket)
				case so.tcp && v.d.pos[ap+".count"].IsValid():
					v.errorf(ap+".count", "socket %s is tcp: a stream has no datagrams to count (give bytes)", a.Socket)
				case !so.tcp && a.Bytes > 0:
					v.errorf(ap+".bytes", "socket %s is udp: give count (datagrams), not bytes", a.Socket)
				}
			}
		case *Close:
			if so := v.socket(ap+".socket", a.Socket); so != nil {
				if a.Reset && !so.tcp {
					v.errorf(ap+".reset", "socket %s is udp: only a tcp connection is reset", a.Socket)
				}
				delete(v.sockets, a.Socket)
				v.closed[a.Socket] = s.Pos.Line
			}
		case *HTTPGet:
			v.stack(ap+".from", a.From, "http-get")
		case *AddInterface:
			v.checkAddInterface(a, ap)
		case *RemoveInterface:
			vn := v.stack(ap+".node", a.Node, "remove-interface")
			if v.checkIface(ap+".name", vn, a.Name) {
				v.removeIface(vn, a.Name)
				v.addrs.forget(a.Node + ":" + a.Name)
				if ep := v.endpoints[a.Node+":"+a.Name]; ep != nil {
					ep.attached = false
				}
			}
		case *SetInterface:
			vn := v.stack(ap+".node", a.Node, "set-interface")
			if v.checkIface(ap+".name", vn, a.Name) && a.Address != nil {
				v.setAddress(a.Node, a.Name, *a.Address, ap+".address")
			}
		case *AddRoute:
			vn := v.stack(ap+".node", a.Node, "add-route")
			if a.Interface != "" {
				v.checkIface(ap+".interface", vn, a.Interface)
			}
		case *RemoveRoute:
			v.stack(ap+".node", a.Node, "remove-route")
		case *Impair:
			if _, ok := v.links[a.Link]; !ok && a.Link != "" {
				ids := make([]string, 0, len(v.lab.Links))
				for _, l := range v.lab.Links {
					ids = append(ids, l.ID)
				}
				v.errorf(ap+".link", "unknown link %q%s", a.Link, suggest(a.Link, ids))
			}
		case *Wait:
			earliest = addDurations(earliest, a.Duration)
		case *DHCP:
			vn := v.stack(ap+".node", a.Node, a.Op)
			v.checkIface(ap+".interface", vn, a.Interface)
		case *DHCPServerStart:
			vn := v.stack(ap+".node", a.Node, "dhcp-server-start")
			if v.checkIface(ap+".interface", vn, a.Server.Interface) {
				v.checkDHCPServer(&a.Server, ap, netip.Prefix{})
			}
		case *DHCPServerStop:
			vn := v.stack(ap+".node", a.Node, "dhcp-server-stop")
			v.checkIface(ap+".interface", vn, a.Interface)
		}
		if s.Name == "" {
			s.Name = s.Action.Describe()
		}
	}
}

// addDurations adds two durations, saturating instead of overflowing.
func addDurations(a, b Duration) Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// mulDuration returns n times d, saturating instead of overflowing.
func mulDuration(n int, d Duration) Duration {
	if n <= 0 || d <= 0 {
		return 0
	}
	if int64(d) > math.MaxInt64/int64(n) {
		return math.MaxInt64
	}
	return Duration(int64(n) * int64(d))
}

// checkConnect checks a connect against its socket: a listener connects
// nowhere, a TCP socket connects once, and only a TCP connect waits.
func (v *validator) checkConnect(a *Connect, ap string) {
	so := v.socket(ap+".socket", a.Socket)
	switch {
	case so == nil:
		return
	case so.listening:
		v.errorf(ap+".socket", "socket %s is listening: a socket listens or connects, not both", a.Socket)
		return
	case so.tcp && so.connected:
		v.errorf(ap+".socket", "socket %s is connected already: a tcp socket connects once (open another)", a.Socket)
	case !so.tcp && v.d.pos[ap+".within"].IsValid():
		v.errorf(ap+".within", "socket %s is udp: a udp connect does not wait, within is for tcp sockets", a.Socket)
	}
	so.connected, so.bound = true, true
}

// checkSend checks a send against its socket: UDP datagrams fit a
// datagram and go somewhere; TCP bytes go to the connection's peer.
func (v *validator) checkSend(a *Send, ap string) {
	so := v.socket(ap+".socket", a.Socket)
	switch {
	case so == nil:
	case so.listening:
		v.errorf(ap+".socket", "socket %s is listening: accept its connections, and send on them", a.Socket)
	case so.tcp && a.To.IsValid():
		v.errorf(ap+".to", "socket %s is tcp: it sends to the peer it connected to, leave out to", a.Socket)
	case so.tcp && !so.connected:
		v.pointf(ap, "socket %s is not connected: give it connect, or accept a connection", a.Socket)
	case !so.tcp && a.Size > MaxUDPPayload && a.Data != "":
		v.errorf(ap+".data", "data is %d bytes, more than a datagram holds (%d)", a.Size, MaxUDPPayload)
	case !so.tcp && a.Size > MaxUDPPayload:
		v.errorf(ap+".size", "%d out of range (0 to %d): socket %s is udp, and a datagram holds no more", a.Size, MaxUDPPayload, a.Socket)
	case !so.tcp && !so.connected && !a.To.IsValid():
		v.pointf(ap, "missing to: socket %s is not connected", a.Socket)
	}
	if so != nil && !so.tcp {
		so.bound = true // a UDP send binds an unbound socket
	}
}

// socket returns the open socket id, reporting at path when there is
// none.
func (v *validator) socket(path, id string) *vsocket {
	if id == "" {
		return nil
	}
	if so := v.sockets[id]; so != nil {
		return so
	}
	if line, ok := v.closed[id]; ok {
		v.errorf(path, "socket %s was closed at line %d", id, line)
		return nil
	}
	open := slices.Sorted(maps.Keys(v.sockets))
	v.errorf(path, "unknown socket %q: open it with a socket step first%s", id, suggest(id, open))
	return nil
}

func (v *validator) checkExpect(e *Expect, path string) {
	if e.Exit != nil || e.OutputContains != "" {
		if v.lastExec < 0 {
			v.pointf(path, "no exec in the foreground before this expect: exit and output-contains check the latest one")
		} else {
			e.ExecStep = v.lastExec
		}
	}
	if e.PingReplies != nil || e.PingRepliesMin != nil {
		switch {
		case e.Ping != "":
			if step, ok := v.pings[e.Ping]; ok {
				e.PingStep = step
			} else {
				ids := slices.Sorted(maps.Keys(v.pings))
				v.errorf(path+".ping", "unknown ping %q: no earlier ping step has that id%s", e.Ping, suggest(e.Ping, ids))
			}
		case v.lastPing < 0:
			v.pointf(path, "no ping before this expect")
		default:
			e.PingStep = v.lastPing
		}
	}
	if e.Socket != "" {
		_, closed := v.closed[e.Socket]
		switch {
		case !closed || e.State != "closed" || v.sockets[e.Socket] != nil:
			v.socket(path+".socket", e.Socket)
		case e.BytesReceived != nil || e.DatagramsReceived != nil || e.Error != "" || e.TCPState != "":
			v.pointf(path, "socket %s was closed at line %d: only its state (closed) can be checked", e.Socket, v.closed[e.Socket])
		}
		if so := v.sockets[e.Socket]; so != nil && !so.tcp {
			for _, k := range []string{"tcp-state", "intact"} {
				if _, given := v.d.pos[path+"."+k]; given {
					v.errorf(path+"."+k, "socket %s is udp: %s is for tcp sockets", e.Socket, k)
				}
			}
		}
	}
	if e.Node != "" {
		what := "a counter or an interface"
		switch {
		case e.Event != "":
			what = "events"
		case e.Subject() == SubjectDHCP:
			what = "a DHCP client"
		}
		vn := v.stack(path+".node", e.Node, "an expect of "+what)
		switch {
		case e.Interface == "":
		case e.Event != "":
			// Events of an interface that is gone still count.
			if vn != nil && !vn.ever[e.Interface] {
				v.errorf(path+".interface", "%s never has an interface %q%s", vn.node.Name, e.Interface, suggest(e.Interface, slices.Sorted(maps.Keys(vn.ever))))
			}
		default:
			v.checkIface(path+".interface", vn, e.Interface)
		}
	}
}

func (v *validator) checkAddInterface(a *AddInterface, path string) {
	vn := v.stack(path+".node", a.Node, "add-interface")
	if vn == nil || a.Name == "" {
		return
	}
	if _, exists := vn.ifaces[a.Name]; exists {
		v.errorf(path+".name", "%s already has an interface %s", a.Node, a.Name)
		return
	}
	v.addIface(vn, a.Name, &a.MAC, path)
	v.setAddress(a.Node, a.Name, a.Address, path+".address")
	key := a.Node + ":" + a.Name
	ep := v.endpoints[key]
	switch {
	case a.Link == "" && ep != nil && !ep.attached:
		v.pointf(path, "%s is an endpoint of link %s: give link: %s to attach it", key, ep.link, ep.link)
	case a.Link == "":
	case ep != nil && ep.link == a.Link:
		ep.attached, ep.ever = true, true
	case ep != nil:
		v.errorf(path+".link", "%s is an endpoint of link %s, not %s", key, ep.link, a.Link)
	default:
		if i, ok := v.links[a.Link]; ok {
			l := v.lab.Links[i]
			v.errorf(path+".link", "link %s has no endpoint %s (its endpoints are %s and %s)", a.Link, key, l.A, l.B)
		} else {
			v.errorf(path+".link", "unknown link %q", a.Link)
		}
	}
}
