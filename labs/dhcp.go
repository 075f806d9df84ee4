package labs

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
)

// The DHCP client steps, each a netifapi call (DHCP.Op and Kind name
// them).
const (
	// DHCPStart starts (or restarts) an interface's client.
	DHCPStart = "dhcp-start"
	// DHCPStop stops it at once: no message, the address it set removed.
	DHCPStop = "dhcp-stop"
	// DHCPRelease sends RELEASE for its lease, then stops it.
	DHCPRelease = "dhcp-release"
	// DHCPRenew renews its lease now.
	DHCPRenew = "dhcp-renew"
	// DHCPInform asks for the network's options for an address set by
	// hand (DHCPINFORM).
	DHCPInform = "dhcp-inform"
)

// dhcpClientOps are the client steps; dhcpOpsWithOptions those that take
// the client's options.
var (
	dhcpClientOps      = []string{DHCPStart, DHCPStop, DHCPRelease, DHCPRenew, DHCPInform}
	dhcpOpsWithOptions = []string{DHCPStart, DHCPInform}
)

// DHCP is a step on an interface's DHCP client: one of DHCPStart,
// DHCPStop, DHCPRelease, DHCPRenew and DHCPInform.
type DHCP struct {
	// Op is the call: DHCPStart, DHCPStop, DHCPRelease, DHCPRenew or
	// DHCPInform.
	Op string
	// Node names the stack; Interface its interface.
	Node, Interface string
	// Client holds the client's options, for DHCPStart and DHCPInform.
	Client DHCPClient
}

// Kind returns Op ("dhcp-start").
func (d *DHCP) Kind() string { return d.Op }

// Describe returns "dhcp start b:eth0".
func (d *DHCP) Describe() string {
	return strings.ReplaceAll(d.Op, "-", " ") + " " + d.Node + ":" + d.Interface
}

// DHCPServerStart starts a DHCP server on an interface while the lab runs
// (a running one is replaced, its lease table forgotten).
type DHCPServerStart struct {
	// Node names the stack.
	Node string
	// Server is the server, its Interface included.
	Server DHCPServer
}

// Kind returns "dhcp-server-start".
func (*DHCPServerStart) Kind() string { return "dhcp-server-start" }

// Describe returns "dhcp server on a:eth0 10.0.0.100-10.0.0.199".
func (s *DHCPServerStart) Describe() string {
	return fmt.Sprintf("dhcp server on %s:%s %s", s.Node, s.Server.Interface, s.Server.Pool())
}

// DHCPServerStop stops the DHCP server of an interface, forgetting its
// lease table.
type DHCPServerStop struct {
	// Node names the stack; Interface its interface.
	Node, Interface string
}

// Kind returns "dhcp-server-stop".
func (*DHCPServerStop) Kind() string { return "dhcp-server-stop" }

// Describe returns "dhcp server off a:eth0".
func (s *DHCPServerStop) Describe() string { return "dhcp server off " + s.Node + ":" + s.Interface }

// Pool formats the server's pool as written: "10.0.0.100-10.0.0.199".
func (s *DHCPServer) Pool() string { return s.PoolStart.String() + "-" + s.PoolEnd.String() }

// DHCPStates are the states an expect may require of a DHCP client
// (`dhcp:`), as lwIP names them (RFC 2131 section 4.4).
var DHCPStates = []string{
	"OFF", "INIT", "SELECTING", "REQUESTING", "CHECKING", "BOUND", "RENEWING",
	"REBINDING", "INIT-REBOOT", "REBOOTING", "BACKING-OFF", "INFORMING",
}

// PatternDHCPPool is a DHCP server's pool: two IPv4 addresses joined by
// '-', the first and the last of the range.
const PatternDHCPPool = `^` + ipv4 + `-` + ipv4 + `$`

var reDHCPPool = regexp.MustCompile(PatternDHCPPool)

// dhcpClientFields are the keys of a client's options; dhcpServerFields
// those of a server.
var (
	dhcpClientFields = []string{"hostname", "client-id", "requested-address"}
	dhcpServerFields = []string{"pool", "lease", "router", "dns", "t1", "t2", "reservations"}
)

// ifaceDHCP decodes an interface's dhcp: true, false, or the client's
// options; nil for false.
func (d *decoder) ifaceDHCP(o *object) *DHCPClient {
	f := o.scalar("dhcp")
	if f == nil {
		return nil
	}
	if !isScalar(f.value) {
		c := &DHCPClient{}
		d.dhcpClient(d.object(f.value, f.path, f.pos, dhcpClientFields...), c)
		return c
	}
	if _, isBool := f.value.(*ast.BoolNode); !isBool {
		d.errorf(f.pos, f.path, "expected true, false or the client's options (%s), got %s", strings.Join(dhcpClientFields, ", "), describe(f.value))
		return nil
	}
	if on, ok := d.boolean(f); ok && on {
		return &DHCPClient{}
	}
	return nil
}

// dhcpClient decodes a client's options from o (which may hold other
// keys too) into c.
func (d *decoder) dhcpClient(o *object, c *DHCPClient) {
	if o == nil {
		return
	}
	if o.str("hostname", &c.Hostname) {
		if f := o.get("hostname"); c.Hostname == "" || utf8.RuneCountInString(c.Hostname) > 255 || strings.ContainsAny(c.Hostname, " \t\r\n") {
			d.errorf(f.pos, f.path, "bad hostname %q: 1 to 255 characters, no spaces", c.Hostname)
		}
	}
	if o.str("client-id", &c.ClientID) {
		if f := o.get("client-id"); c.ClientID == "" || utf8.RuneCountInString(c.ClientID) > 255 {
			d.errorf(f.pos, f.path, "client-id is 1 to 255 characters")
		}
	}
	if o.addr("requested-address", &c.RequestedAddress) {
		if a := c.RequestedAddress; !isUnicast(a) {
			f := o.get("requested-address")
			d.errorf(f.pos, f.path, "%s is not a unicast host address", a)
		}
	}
}

// isUnicast reports whether a may be a host's address.
func isUnicast(a netip.Addr) bool {
	return a.IsValid() && !a.IsUnspecified() && !a.IsLoopback() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// dhcpServers decodes a node's dhcp-server: a mapping of interface names
// to servers.
func (d *decoder) dhcpServers(f *field) []DHCPServer {
	m := d.object(f.value, f.path, f.pos)
	if m == nil {
		return nil
	}
	var out []DHCPServer
	for _, sf := range m.fields {
		d.pos[sf.path] = sf.keyPos
		srv := DHCPServer{Interface: sf.key, Pos: sf.keyPos}
		o := d.object(sf.value, sf.path, sf.keyPos, dhcpServerFields...)
		if o == nil {
			continue
		}
		o.require("pool")
		d.dhcpServer(o, &srv)
		out = append(out, srv)
	}
	return out
}

// dhcpServer decodes a server's settings from o (which may hold other
// keys too) into srv.
func (d *decoder) dhcpServer(o *object, srv *DHCPServer) {
	srv.Lease = DefaultDHCPLease
	o.text("pool", func(s string) error {
		a, b, ok := strings.Cut(s, "-")
		if !ok || !reDHCPPool.MatchString(s) {
			return fmt.Errorf("not a pool: %q (write the first and the last address, such as 10.0.0.100-10.0.0.199)", s)
		}
		srv.PoolStart, _ = netip.ParseAddr(a)
		srv.PoolEnd, _ = netip.ParseAddr(b)
		if srv.PoolEnd.Less(srv.PoolStart) {
			return fmt.Errorf("pool %s ends before it starts", s)
		}
		return nil
	})
	if o.duration("lease", &srv.Lease) && srv.Lease == 0 {
		d.errorf(o.get("lease").pos, o.fieldPath("lease"), "lease must be more than 0")
	}
	o.addr("router", &srv.Router)
	if f := o.get("dns"); f != nil {
		for _, e := range d.sequence(f.value, f.path, f.pos) {
			ef := &field{key: "dns", value: e.value, pos: e.pos, path: e.path}
			var a netip.Addr
			if ef.value == nil {
				d.errorf(e.pos, e.path, "no value: give a name server's address")
				continue
			}
			if d.text(ef, func(s string) (err error) { a, err = parseAddr(s); return err }) {
				srv.DNS = append(srv.DNS, a)
			}
		}
	}
	o.duration("t1", &srv.T1)
	o.duration("t2", &srv.T2)
	switch {
	case srv.T1 > 0 && srv.T1 >= srv.Lease:
		d.errorf(o.get("t1").pos, o.fieldPath("t1"), "t1 %s is not before the lease's end (%s)", srv.T1, srv.Lease)
	case srv.T2 > 0 && srv.T2 >= srv.Lease:
		d.errorf(o.get("t2").pos, o.fieldPath("t2"), "t2 %s is not before the lease's end (%s)", srv.T2, srv.Lease)
	case srv.T1 > 0 && srv.T2 > 0 && srv.T1 >= srv.T2:
		d.errorf(o.get("t2").pos, o.fieldPath("t2"), "t2 %s is not after t1 %s", srv.T2, srv.T1)
	}
	if f := o.get("reservations"); f != nil {
		for _, e := range d.sequence(f.value, f.path, f.pos) {
			ro := d.object(e.value, e.path, e.pos, "mac", "address")
			if ro == nil {
				continue
			}
			var r DHCPReservation
			ro.require("mac", "address")
			ro.mac("mac", &r.MAC)
			ro.addr("address", &r.Address)
			srv.Reservations = append(srv.Reservations, r)
		}
	}
}

// dhcpStep returns the decoder of a client step.
func dhcpStep(op string) func(*decoder, *field) Action {
	return func(d *decoder, f *field) Action {
		a := &DHCP{Op: op}
		keys := []string{"node", "interface"}
		if slices.Contains(dhcpOpsWithOptions, op) {
			keys = append(keys, dhcpClientFields...)
		}
		o, ok := d.actionObject(f, keys...)
		if ok {
			o.require("node", "interface")
		}
		o.ref("node", &a.Node)
		o.ref("interface", &a.Interface)
		d.dhcpClient(o, &a.Client)
		if op == DHCPInform && a.Client.RequestedAddress.IsValid() {
			rf := o.byKey["requested-address"]
			d.errorf(rf.keyPos, rf.path, "dhcp-inform asks for options for the address the interface has: it requests none")
		}
		return a
	}
}

func (d *decoder) dhcpServerStart(f *field) Action {
	a := &DHCPServerStart{}
	o, ok := d.actionObject(f, append([]string{"node", "interface"}, dhcpServerFields...)...)
	if ok {
		o.require("node", "interface", "pool")
	}
	o.ref("node", &a.Node)
	o.ref("interface", &a.Server.Interface)
	d.dhcpServer(o, &a.Server)
	return a
}

func (d *decoder) dhcpServerStop(f *field) Action {
	a := &DHCPServerStop{}
	o, ok := d.actionObject(f, "node", "interface")
	if ok {
		o.require("node", "interface")
	}
	o.ref("node", &a.Node)
	o.ref("interface", &a.Interface)
	return a
}

// addrOrNone decodes an address, or "none" (the zero Addr).
func (d *decoder) addrOrNone(o *object, key string) *netip.Addr {
	af := o.scalar(key)
	if af == nil {
		return nil
	}
	if s, ok := af.value.(*ast.StringNode); ok && s.Value == "none" {
		return &netip.Addr{}
	}
	var a netip.Addr
	if !o.addr(key, &a) {
		return nil
	}
	return &a
}

// dhcpExpect decodes the conditions of an expectation of a DHCP client.
func (d *decoder) dhcpExpect(o *object, e *Expect) {
	if o.str("dhcp", &e.DHCP) && !slices.Contains(DHCPStates, e.DHCP) {
		hint := suggest(e.DHCP, DHCPStates)
		if up := strings.ToUpper(e.DHCP); hint == "" && slices.Contains(DHCPStates, up) {
			hint = fmt.Sprintf(" (did you mean %s?)", up)
		}
		d.errorf(o.get("dhcp").pos, o.fieldPath("dhcp"), "unknown DHCP client state %q (states: %s)%s",
			e.DHCP, strings.Join(DHCPStates, ", "), hint)
	}
	e.LeaseAddress = d.addrOrNone(o, "lease-address")
	e.LeaseServer = d.addrOrNone(o, "lease-server")
	e.LeaseRouter = d.addrOrNone(o, "lease-router")
	e.Renewed = o.uintPtr("renewed")
	e.Rebound = o.uintPtr("rebound")
	e.Expired = o.uintPtr("expired")
}

// dhcpWant formats what e wants of a DHCP client: "BOUND, lease
// 10.0.0.100, renewed 1".
func (e *Expect) dhcpWant() string {
	var want []string
	if e.DHCP != "" {
		want = append(want, e.DHCP)
	}
	addr := func(name string, a *netip.Addr) {
		if a == nil {
			return
		}
		if a.IsValid() {
			want = append(want, name+" "+a.String())
		} else {
			want = append(want, "no "+name)
		}
	}
	addr("lease", e.LeaseAddress)
	addr("server", e.LeaseServer)
	addr("router", e.LeaseRouter)
	count := func(name string, n *uint64) {
		if n != nil {
			want = append(want, fmt.Sprintf("%s %d", name, *n))
		}
	}
	count("renewed", e.Renewed)
	count("rebound", e.Rebound)
	count("expired", e.Expired)
	return strings.Join(want, ", ")
}

// checkDHCPServer checks a server against its interface's address (when
// the lab gives it one) and its reservations against each other.
func (v *validator) checkDHCPServer(srv *DHCPServer, path string, self netip.Prefix) {
	if srv.PoolStart.IsValid() && self.IsValid() {
		sub := self.Masked()
		bcast := broadcast(self)
		switch {
		case !sub.Contains(srv.PoolStart) || !sub.Contains(srv.PoolEnd):
			v.errorf(path+".pool", "pool %s is not in %s's subnet %s", srv.Pool(), srv.Interface, sub)
		case self.Bits() <= 30 && (srv.PoolStart == sub.Addr() || srv.PoolEnd == bcast):
			v.errorf(path+".pool", "pool %s holds the network's own or broadcast address: start after %s and end before %s", srv.Pool(), sub.Addr(), bcast)
		}
	}
	macs := map[MAC]int{}
	addrs := map[netip.Addr]int{}
	for i, r := range srv.Reservations {
		rp := indexPath(path+".reservations", i)
		if r.MAC.IsMulticast() {
			v.errorf(rp+".mac", "%s is a group (multicast) address: a client has a unicast MAC", r.MAC)
		}
		if prev, dup := macs[r.MAC]; dup && !r.MAC.IsZero() {
			v.errorf(rp+".mac", "%s already has a reservation (line %d)", r.MAC, lookupPos(v.d.pos, indexPath(path+".reservations", prev)).Line)
		}
		macs[r.MAC] = i
		if !r.Address.IsValid() {
			continue
		}
		if prev, dup := addrs[r.Address]; dup {
			v.errorf(rp+".address", "%s is already reserved (line %d)", r.Address, lookupPos(v.d.pos, indexPath(path+".reservations", prev)).Line)
		}
		addrs[r.Address] = i
		if self.IsValid() {
			switch {
			case !self.Masked().Contains(r.Address):
				v.errorf(rp+".address", "%s is not in %s's subnet %s", r.Address, srv.Interface, self.Masked())
			case r.Address == self.Addr():
				v.errorf(rp+".address", "%s is %s's own address", r.Address, srv.Interface)
			case self.Bits() <= 30 && (r.Address == self.Masked().Addr() || r.Address == broadcast(self)):
				v.errorf(rp+".address", "%s is the network's own or broadcast address", r.Address)
			}
		}
	}
}

// checkNodeDHCP checks a node's DHCP clients and servers.
func (v *validator) checkNodeDHCP(vn *vnode) {
	n := vn.node
	np := nodePath(n.Name)
	for _, itf := range n.Interfaces {
		if itf.DHCP == nil {
			continue
		}
		ip := childPath(childPath(np, "interfaces"), itf.Name)
		switch {
		case itf.Address.IsValid():
			v.errorf(ip+".dhcp", "%s has an address and a DHCP client: give address or dhcp, not both (the lease sets the address)", itf.Name)
		case !itf.Up:
			v.errorf(ip+".dhcp", "a DHCP client needs its interface up: %s is down", itf.Name)
		}
	}
	seen := map[string]bool{}
	for i := range n.DHCPServers {
		srv := &n.DHCPServers[i]
		sp := childPath(childPath(np, "dhcp-server"), srv.Interface)
		itf := n.Interface(srv.Interface)
		if itf == nil {
			v.errorf(sp, "%s has no interface %q to serve%s", n.Name, srv.Interface, suggest(srv.Interface, v.ifaceNames(vn)))
			continue
		}
		if seen[srv.Interface] {
			continue // a duplicate key, already reported
		}
		seen[srv.Interface] = true
		if !itf.Address.IsValid() {
			v.errorf(sp, "a DHCP server needs an address on %s (its server identifier and subnet): give it one", srv.Interface)
		}
		v.checkDHCPServer(srv, sp, itf.Address)
	}
}
