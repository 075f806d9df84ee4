package labs

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Action is what a step does. Its dynamic type is one of *Ping, *Expect,
// *Socket, *Bind, *Connect, *Accept, *Send, *Recv, *Close, *HTTPGet,
// *Exec, *AddInterface, *RemoveInterface, *SetInterface, *AddRoute,
// *RemoveRoute, *Impair, *Wait, *DHCP, *DHCPServerStart or
// *DHCPServerStop.
type Action interface {
	// Kind returns the action's key in a lab file, such as "ping".
	Kind() string
	// Describe says what the action does in a few words, such as
	// "ping b → 10.0.0.1"; it is the step's default name.
	Describe() string
}

// Step defaults that Load fills in.
const (
	// DefaultPingCount is how many echo requests a ping sends.
	DefaultPingCount = 3
	// DefaultPingSize is the ICMP payload size of a ping, in bytes (as
	// ping(8)).
	DefaultPingSize = 56
	// DefaultPingInterval is the time between two echo requests.
	DefaultPingInterval = Duration(1e9)
	// DefaultPingTimeout is how long a ping waits for each reply.
	DefaultPingTimeout = Duration(1e9)
	// DefaultRecvWithin is how long a recv waits for its datagrams.
	DefaultRecvWithin = Duration(1e9)
	// MaxUDPPayload is the largest UDP payload (and ICMP echo payload) that
	// fits an IPv4 packet: 65535 - 20 - 8 bytes.
	MaxUDPPayload = 65507
	// MaxStreamSend is the most bytes one send step writes on a TCP
	// socket (1 GiB).
	MaxStreamSend = 1 << 30
	// DefaultBacklog is a listening TCP socket's backlog.
	DefaultBacklog = 16
	// DefaultConnectWithin is how long a TCP socket's connect waits for
	// the handshake.
	DefaultConnectWithin = Duration(5e9)
	// DefaultAcceptWithin is how long an accept waits for a connection.
	DefaultAcceptWithin = Duration(1e9)
	// DefaultHTTPWithin is how long an http-get waits for the response.
	DefaultHTTPWithin = Duration(5e9)
	// DefaultExecWithin is how long a foreground exec may run before it
	// is killed.
	DefaultExecWithin = Duration(10e9)
)

// Exec runs a command inside a kernel node's namespace with /bin/sh -c.
// In the foreground (the default) the step waits for it, at most Within,
// and keeps its exit code and output for a later Expect (exit,
// output-contains); a command that exits non-zero does not fail the step
// by itself. In the background it runs for the rest of the lab (a daemon)
// and is killed when the lab ends; its output goes into the report. Lab
// files are trusted input: the command runs as netlab's own user (root).
type Exec struct {
	// Node names the kernel node.
	Node string
	// Run is the command line, for /bin/sh -c.
	Run string
	// Within bounds a foreground command's run (default
	// DefaultExecWithin); it is killed then. Zero for a background one.
	Within Duration
	// Background runs the command for the lab's lifetime.
	Background bool
}

// Kind returns "exec".
func (*Exec) Kind() string { return "exec" }

// Describe returns "exec on <node>: <run>", "&" appended in the
// background.
func (e *Exec) Describe() string {
	s := "exec on " + e.Node + ": " + e.Run
	if e.Background {
		s += " &"
	}
	return s
}

// Ping sends ICMP echo requests from a stack and counts the replies. The
// step ends when every reply has arrived or timed out.
type Ping struct {
	// From names the stack that pings.
	From string
	// To is the address pinged.
	To netip.Addr
	// Count is how many requests to send (default DefaultPingCount).
	Count int
	// Interval is the time between two requests (default
	// DefaultPingInterval).
	Interval Duration
	// Timeout is how long to wait for each reply after its request; a
	// later reply counts as lost (default DefaultPingTimeout).
	Timeout Duration
	// Size is the ICMP payload size in bytes (default DefaultPingSize).
	Size int
	// DontFragment sets the Don't Fragment flag on the requests (ping -M
	// do): one larger than the path's MTU comes back as an error.
	DontFragment bool
	// ID names the ping's result for a later Expect; may be empty.
	ID string
}

// Kind returns "ping".
func (*Ping) Kind() string { return "ping" }

// Describe returns "ping <from> → <to>", and ", DF" with DontFragment.
func (p *Ping) Describe() string {
	d := fmt.Sprintf("ping %s → %s", p.From, p.To)
	if p.DontFragment {
		d += ", DF"
	}
	return d
}

// The subjects an Expect may check, as Expect.Subject returns them.
const (
	SubjectPing      = "ping"
	SubjectSocket    = "socket"
	SubjectCounter   = "counter"
	SubjectInterface = "interface"
	SubjectEvent     = "event"
	SubjectDHCP      = "dhcp"
	SubjectExec      = "exec"
)

// SocketStates are the states an expect may require of a socket (`state:`):
// not bound yet, bound to a local address, connected to a peer, or closed
// by a close step.
var SocketStates = []string{"unbound", "bound", "connected", "closed"}

// TCPStates are the states of RFC 9293 section 3.3.2 that an expect may
// require of a TCP socket's connection (`tcp-state:`), named as the core's
// events and the TUI name them.
var TCPStates = []string{
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
	"FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
}

// StreamPattern fills b with the generated stream of a TCP socket from
// byte offset off: the bytes that send steps with a size write, one send
// after the other, and that an expect's intact checks. Each byte depends
// on its offset alone (the top byte of a Fibonacci hash of it), so that a
// byte lost, duplicated or moved anywhere in the stream shows.
func StreamPattern(off int64, b []byte) {
	for i := range b {
		b[i] = byte((uint64(off+int64(i)) * 0x9E3779B97F4A7C15) >> 56)
	}
}

// Expect checks a condition, at once or, with Within, as soon as it holds
// before the deadline. It checks one subject (see Subject): a ping's
// replies, a socket, a counter, an interface's state, the events a stack
// recorded, or an interface's DHCP client.
type Expect struct {
	// Ping names the ping whose replies are checked by ID; empty for the
	// latest ping before the step.
	Ping string
	// PingStep is the index in Lab.Steps of the ping that PingReplies and
	// PingRepliesMin check; set by Load, -1 when they are not set.
	PingStep int
	// PingReplies, when set, is the exact number of replies expected.
	PingReplies *int
	// PingRepliesMin, when set, is the least number of replies expected.
	PingRepliesMin *int

	// Socket names the socket whose state is checked.
	Socket string
	// BytesReceived, when set, is the number of payload bytes the socket
	// must have received since it was opened.
	BytesReceived *int
	// DatagramsReceived, when set, is the number of datagrams the socket
	// must have received since it was opened.
	DatagramsReceived *int
	// Error, when not empty, is the errno name the socket's pending error
	// must have (such as "ECONNREFUSED"), or "none" for no pending error.
	Error string
	// State, when not empty, is the state the socket must be in: one of
	// SocketStates.
	State string
	// TCPState, when not empty, is the state a TCP socket's connection
	// must be in: one of TCPStates ("ESTABLISHED"), as RFC 9293 names it.
	TCPState string
	// Intact, with BytesReceived, requires the bytes a TCP socket received
	// to be the generated stream (StreamPattern) from its first byte: what
	// the peer's send steps with a size sent, delivered whole and in order.
	Intact bool

	// Node names the stack whose counter, interface or events are
	// checked.
	Node string
	// Interface names the interface whose counter or state is checked;
	// for a counter, empty means a stack-wide one. For events, when not
	// empty, only the interface's events count.
	Interface string
	// Counter names the counter: an interface counter (see
	// InterfaceCounters, or "drops:<reason>") or a stack-wide one (such as
	// "ip-forwarded", "ip-reassembled", "icmp-out", "udp-no-port").
	Counter string
	// Equals, Min and Max, when set, bound the counter's value; Min and
	// Max also bound the number of matching events.
	Equals, Min, Max *uint64

	// Up, LinkUp, MTU and Address, when set, are what the interface's
	// administrative state, link (carrier) state, MTU in bytes and address
	// must be. An Address that is the zero Prefix (written "none") means
	// no address.
	Up, LinkUp *bool
	MTU        *int
	Address    *netip.Prefix

	// Event, when not empty, is what the text of one of the stack's
	// events must contain (such as "ARP 10.0.0.2 reachable"); written
	// between slashes in the file (/ARP .* stale/), it is a regular
	// expression that must match part of the text, held in EventRegexp.
	Event string
	// EventRegexp is Event compiled, nil for a plain substring.
	EventRegexp *regexp.Regexp

	// DHCP, when not empty, is the state the interface's DHCP client must
	// be in: one of DHCPStates ("BOUND").
	DHCP string
	// LeaseAddress, LeaseServer and LeaseRouter, when set, are the
	// address the client's lease gives, the server it came from and the
	// router it names; the zero Addr (written "none") means none.
	LeaseAddress, LeaseServer, LeaseRouter *netip.Addr
	// Renewed, Rebound and Expired, when set, are how many REQUESTs the
	// client sent renewing its lease (unicast to its server, from T1 or on
	// a dhcp-renew step; one when the server answers at once), how many it
	// broadcast rebinding (from T2), and how many times the lease ran out,
	// since the interface's client first started.
	Renewed, Rebound, Expired *uint64
	// Count, when set, is the exact number of matching events; without
	// Count, Min (default 1) and Max bound it.
	Count *uint64

	// ExecStep is the index in Lab.Steps of the foreground exec that
	// Exit and OutputContains check (the latest one before the expect);
	// set by Load, -1 when they are not set.
	ExecStep int
	// Exit, when set, is the exit code the command must have ended with
	// (a command killed at its within has none: -1).
	Exit *int
	// OutputContains, when not empty, is what the command's output
	// (stdout, then stderr) must contain.
	OutputContains string

	// Within, when set, is how long the condition may take to hold; when
	// nil it must hold when the step starts.
	Within *Duration
}

// Subject returns what e checks: SubjectPing, SubjectSocket,
// SubjectCounter, SubjectInterface, SubjectEvent, SubjectDHCP or
// SubjectExec ("" for
// an Expect without a condition, which Load never returns).
func (e *Expect) Subject() string {
	switch {
	case e.PingReplies != nil || e.PingRepliesMin != nil:
		return SubjectPing
	case e.Exit != nil || e.OutputContains != "":
		return SubjectExec
	case e.Socket != "":
		return SubjectSocket
	case e.Counter != "":
		return SubjectCounter
	case e.Event != "":
		return SubjectEvent
	case e.Up != nil || e.LinkUp != nil || e.MTU != nil || e.Address != nil:
		return SubjectInterface
	case e.DHCP != "" || e.LeaseAddress != nil || e.LeaseServer != nil || e.LeaseRouter != nil ||
		e.Renewed != nil || e.Rebound != nil || e.Expired != nil:
		return SubjectDHCP
	}
	return ""
}

// EventMatches reports whether an event's text is one that e counts.
func (e *Expect) EventMatches(text string) bool {
	if e.EventRegexp != nil {
		return e.EventRegexp.MatchString(text)
	}
	return strings.Contains(text, e.Event)
}

// Kind returns "expect".
func (*Expect) Kind() string { return "expect" }

// Describe says what is expected, such as "expect 3 ping replies" or
// "expect a eth0 rx-frames ≥ 3 within 1s".
func (e *Expect) Describe() string {
	var conds []string
	ping := "ping"
	if e.Ping != "" {
		ping = "ping " + e.Ping
	}
	if e.PingReplies != nil {
		conds = append(conds, fmt.Sprintf("%s replies = %d", ping, *e.PingReplies))
	}
	if e.PingRepliesMin != nil {
		conds = append(conds, fmt.Sprintf("%s replies ≥ %d", ping, *e.PingRepliesMin))
	}
	if e.BytesReceived != nil {
		conds = append(conds, fmt.Sprintf("%s bytes-received = %d", e.Socket, *e.BytesReceived))
	}
	if e.DatagramsReceived != nil {
		conds = append(conds, fmt.Sprintf("%s datagrams-received = %d", e.Socket, *e.DatagramsReceived))
	}
	if e.Error != "" {
		conds = append(conds, fmt.Sprintf("%s error %s", e.Socket, e.Error))
	}
	if e.State != "" {
		conds = append(conds, fmt.Sprintf("%s %s", e.Socket, e.State))
	}
	if e.TCPState != "" {
		conds = append(conds, fmt.Sprintf("%s %s", e.Socket, e.TCPState))
	}
	if e.Intact {
		conds = append(conds, e.Socket+" intact")
	}
	if e.Exit != nil {
		conds = append(conds, fmt.Sprintf("exit %d", *e.Exit))
	}
	if e.OutputContains != "" {
		conds = append(conds, "output contains "+strconv.Quote(e.OutputContains))
	}
	subject := e.Node
	if e.Interface != "" {
		subject += " " + e.Interface
	}
	bounds := func(subject string) {
		switch {
		case e.Equals != nil:
			conds = append(conds, fmt.Sprintf("%s = %d", subject, *e.Equals))
		case e.Count != nil:
			conds = append(conds, fmt.Sprintf("%s = %d", subject, *e.Count))
		case e.Min != nil && e.Max != nil:
			conds = append(conds, fmt.Sprintf("%d ≤ %s ≤ %d", *e.Min, subject, *e.Max))
		case e.Min != nil:
			conds = append(conds, fmt.Sprintf("%s ≥ %d", subject, *e.Min))
		case e.Max != nil:
			conds = append(conds, fmt.Sprintf("%s ≤ %d", subject, *e.Max))
		}
	}
	switch e.Subject() {
	case SubjectCounter:
		bounds(subject + " " + e.Counter)
	case SubjectEvent:
		pattern := strconv.Quote(e.Event)
		if e.EventRegexp != nil {
			pattern = e.Event
		}
		if e.Count == nil && e.Min == nil && e.Max == nil {
			conds = append(conds, subject+" event "+pattern)
		} else {
			bounds(subject + " events " + pattern)
		}
	case SubjectInterface:
		conds = append(conds, subject+" "+e.interfaceWant())
	case SubjectDHCP:
		conds = append(conds, subject+" dhcp "+e.dhcpWant())
	}
	s := "expect " + strings.Join(conds, ", ")
	if len(conds) == 0 {
		s = "expect"
	}
	if e.Within != nil {
		s += " within " + e.Within.String()
	}
	return s
}

// interfaceWant formats the interface state e wants: "up, link down, mtu
// 1400, 10.0.0.5/24".
func (e *Expect) interfaceWant() string {
	var want []string
	if e.Up != nil {
		want = append(want, map[bool]string{true: "up", false: "down"}[*e.Up])
	}
	if e.LinkUp != nil {
		want = append(want, map[bool]string{true: "link up", false: "link down"}[*e.LinkUp])
	}
	if e.MTU != nil {
		want = append(want, fmt.Sprintf("mtu %d", *e.MTU))
	}
	if e.Address != nil {
		if e.Address.IsValid() {
			want = append(want, e.Address.String())
		} else {
			want = append(want, "no address")
		}
	}
	return strings.Join(want, ", ")
}

// Socket opens a socket on a stack.
type Socket struct {
	// Node names the stack.
	Node string
	// ID names the socket for the steps that use it; unique among the
	// sockets open at the time.
	ID string
	// Proto is the protocol: ProtoUDP (the default) or ProtoTCP.
	Proto string
	// Bind, when valid, is the local address and port to bind to
	// (0.0.0.0:5000); otherwise the socket binds when a later bind step
	// says so, or to an ephemeral port when it first sends (or connects,
	// or listens).
	Bind netip.AddrPort
	// Connect, when valid, is the remote address to connect to (a later
	// connect step may connect it too). A TCP socket's connect is the
	// handshake: the step waits for it, up to Within.
	Connect netip.AddrPort
	// Listen makes a TCP socket a listener, with Backlog (default
	// DefaultBacklog) bounding the connections not yet accepted.
	Listen  bool
	Backlog int
	// Within is how long a TCP connect waits for the handshake (default
	// DefaultConnectWithin).
	Within Duration
	// DontFragment sets the Don't Fragment flag on the datagrams the
	// socket sends: one larger than the path's MTU fails with EMSGSIZE
	// instead of being fragmented.
	DontFragment bool
	// Broadcast lets the socket send to broadcast addresses
	// (SO_BROADCAST); without it such a send fails with EACCES.
	Broadcast bool
}

// Kind returns "socket".
func (*Socket) Kind() string { return "socket" }

// The protocols of a socket step.
const (
	ProtoUDP = "udp"
	ProtoTCP = "tcp"
)

// Describe returns "socket <id>: udp on <node>", with its binding and peer
// ("tcp on a listening on 0.0.0.0:80").
func (s *Socket) Describe() string {
	d := fmt.Sprintf("socket %s: %s on %s", s.ID, s.Proto, s.Node)
	switch {
	case s.Listen && s.Bind.IsValid():
		d += " listening on " + s.Bind.String()
	case s.Listen:
		d += " listening"
	case s.Bind.IsValid():
		d += " bound to " + s.Bind.String()
	}
	if s.Connect.IsValid() {
		d += " → " + s.Connect.String()
	}
	if s.DontFragment {
		d += ", DF"
	}
	return d
}

// Bind binds an open socket to a local address and port, as bind(2)
// does: a socket binds once, before it sends, connects or listens.
type Bind struct {
	// Socket names the socket.
	Socket string
	// Address is the local address and port (0.0.0.0:6000); port 0 picks
	// an ephemeral port.
	Address netip.AddrPort
}

// Kind returns "bind".
func (*Bind) Kind() string { return "bind" }

// Describe returns "bind <socket> to <address>".
func (b *Bind) Describe() string { return "bind " + b.Socket + " to " + b.Address.String() }

// Connect connects an open socket to a peer, as connect(2) does. A UDP
// socket's connect fixes the peer that sends without a destination go to
// and that alone it receives from; it may connect again, to another peer.
// A TCP socket's connect is the handshake: the step waits for it, up to
// Within, and a TCP socket connects once. Either binds an unbound socket
// first (an ephemeral port).
type Connect struct {
	// Socket names the socket.
	Socket string
	// To is the peer's address and port.
	To netip.AddrPort
	// Within is how long a TCP connect waits for the handshake (default
	// DefaultConnectWithin); a UDP connect does not wait.
	Within Duration
}

// Kind returns "connect".
func (*Connect) Kind() string { return "connect" }

// Describe returns "connect <socket> → <to>".
func (c *Connect) Describe() string { return "connect " + c.Socket + " → " + c.To.String() }

// Accept takes a connection off a listening TCP socket, as a new socket.
type Accept struct {
	// Socket names the listening socket.
	Socket string
	// ID names the accepted connection's socket.
	ID string
	// Within is how long to wait for a connection (default
	// DefaultAcceptWithin); 0 means one must be waiting already.
	Within Duration
}

// Kind returns "accept".
func (*Accept) Kind() string { return "accept" }

// Describe returns "accept <id> on <socket>".
func (a *Accept) Describe() string { return "accept " + a.ID + " on " + a.Socket }

// Send sends datagrams on a socket, or bytes on a TCP connection. On TCP
// the step hands the bytes to a writer of the socket's own and ends at
// once: the transfer goes on while later steps run (a recv on the other
// side, say), and a close step waits for it to end first.
type Send struct {
	// Socket names the socket.
	Socket string
	// To is the destination; invalid to send to the connected peer.
	To netip.AddrPort
	// Data, when not empty, is the payload; otherwise the payload is Size
	// generated bytes (see Payload; on TCP, StreamPattern).
	Data string
	// Size is the payload size in bytes (len(Data) when Data is set); at
	// most MaxUDPPayload on UDP, MaxStreamSend on TCP.
	Size int
	// Count is how many datagrams to send (default 1); on TCP, how many
	// times to write the payload.
	Count int
}

// Kind returns "send".
func (*Send) Kind() string { return "send" }

// Describe returns "send <payload> on <socket> → <to>".
func (s *Send) Describe() string {
	what := fmt.Sprintf("%d B", s.Size)
	if s.Data != "" {
		what = strconv.Quote(s.Data)
		if len(s.Data) > 24 {
			what = strconv.Quote(s.Data[:20]) + "…"
		}
	}
	if s.Count > 1 {
		what = fmt.Sprintf("%d × %s", s.Count, what)
	}
	d := fmt.Sprintf("send %s on %s", what, s.Socket)
	if s.To.IsValid() {
		d += " → " + s.To.String()
	}
	return d
}

// Payload returns the bytes of one datagram: Data, or Size bytes of the
// repeating pattern "abcdefghijklmnopqrstuvwxyz" when Data is empty.
func (s *Send) Payload() []byte {
	if s.Data != "" {
		return []byte(s.Data)
	}
	b := make([]byte, s.Size)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// Recv waits for datagrams on a socket, or bytes on a TCP connection;
// the step fails when they do not all arrive in time.
type Recv struct {
	// Socket names the socket.
	Socket string
	// Count is how many datagrams to receive (default 1); UDP only.
	Count int
	// Bytes is how many bytes a TCP socket must receive; 0 takes what
	// one read returns (at least a byte, or the end of the stream).
	Bytes int
	// Within is how long to wait for them (default DefaultRecvWithin); 0
	// means they must be queued already.
	Within Duration
}

// Kind returns "recv".
func (*Recv) Kind() string { return "recv" }

// Describe returns "recv on <socket> within <d>".
func (r *Recv) Describe() string {
	if r.Bytes > 0 {
		return fmt.Sprintf("recv %d B on %s within %s", r.Bytes, r.Socket, r.Within)
	}
	if r.Count > 1 {
		return fmt.Sprintf("recv %d on %s within %s", r.Count, r.Socket, r.Within)
	}
	return fmt.Sprintf("recv on %s within %s", r.Socket, r.Within)
}

// Close closes a socket. A TCP connection closes gracefully (a FIN after
// the bytes its send steps wrote), or with Reset at once with a RST
// (SO_LINGER 0).
type Close struct {
	// Socket names the socket.
	Socket string
	// Reset aborts a TCP connection instead.
	Reset bool
}

// Kind returns "close".
func (*Close) Kind() string { return "close" }

// Describe returns "close <socket>", and ", reset" with Reset.
func (c *Close) Describe() string {
	if c.Reset {
		return "close " + c.Socket + ", reset"
	}
	return "close " + c.Socket
}

// HTTPGet fetches a URL from a stack with net/http over its sockets, and
// checks the response.
type HTTPGet struct {
	// From names the stack.
	From string
	// URL is what to fetch: http://<IPv4 address>[:port]/path.
	URL string
	// Status is the status code expected (default 200).
	Status int
	// BodyContains, when not empty, is text the body must contain.
	BodyContains string
	// Within is how long the whole fetch may take (default
	// DefaultHTTPWithin).
	Within Duration
}

// Kind returns "http-get".
func (*HTTPGet) Kind() string { return "http-get" }

// Describe returns "http-get <url> from <node>".
func (h *HTTPGet) Describe() string { return "http-get " + h.URL + " from " + h.From }

// AddInterface adds an interface to a stack while the lab runs.
type AddInterface struct {
	// Node names the stack.
	Node string
	// Name names the new interface.
	Name string
	// MAC is its hardware address; derived as for Interface.MAC (counting
	// every interface the node had before) when the lab gives none.
	MAC MAC
	// Address is its address, or the zero Prefix.
	Address netip.Prefix
	// MTU is its MTU in bytes (default DefaultMTU).
	MTU int
	// Up is its administrative state (default true).
	Up bool
	// Link, when not empty, is the ID of the link to attach it to: a link
	// with an endpoint naming this node and interface.
	Link string
}

// Kind returns "add-interface".
func (*AddInterface) Kind() string { return "add-interface" }

// Describe returns "add <node>:<name> <address>".
func (a *AddInterface) Describe() string {
	d := "add " + a.Node + ":" + a.Name
	if a.Address.IsValid() {
		d += " " + a.Address.String()
	}
	if a.Link != "" {
		d += " on " + a.Link
	}
	return d
}

// RemoveInterface removes an interface from a stack while the lab runs.
type RemoveInterface struct {
	// Node names the stack.
	Node string
	// Name names the interface.
	Name string
}

// Kind returns "remove-interface".
func (*RemoveInterface) Kind() string { return "remove-interface" }

// Describe returns "remove <node>:<name>".
func (r *RemoveInterface) Describe() string { return "remove " + r.Node + ":" + r.Name }

// SetInterface changes an interface while the lab runs; nil fields are left
// as they are.
type SetInterface struct {
	// Node names the stack.
	Node string
	// Name names the interface.
	Name string
	// Up sets the administrative state.
	Up *bool
	// LinkUp sets the link (carrier) state.
	LinkUp *bool
	// MTU sets the MTU in bytes.
	MTU *int
	// Address sets the address; the zero Prefix (written "none") removes
	// it.
	Address *netip.Prefix
}

// Kind returns "set-interface".
func (*SetInterface) Kind() string { return "set-interface" }

// Describe returns "set <node>:<name>" and the changes, such as
// "set a:eth0 down, mtu 1400".
func (s *SetInterface) Describe() string {
	var changes []string
	if s.Up != nil {
		changes = append(changes, map[bool]string{true: "up", false: "down"}[*s.Up])
	}
	if s.LinkUp != nil {
		changes = append(changes, map[bool]string{true: "link up", false: "link down"}[*s.LinkUp])
	}
	if s.MTU != nil {
		changes = append(changes, fmt.Sprintf("mtu %d", *s.MTU))
	}
	if s.Address != nil {
		if s.Address.IsValid() {
			changes = append(changes, "address "+s.Address.String())
		} else {
			changes = append(changes, "no address")
		}
	}
	return "set " + s.Node + ":" + s.Name + " " + strings.Join(changes, ", ")
}

// AddRoute adds a static route to a stack while the lab runs.
type AddRoute struct {
	// Node names the stack.
	Node string
	// To is the destination network, host bits zero.
	To netip.Prefix
	// Via is the next hop, or the zero Addr.
	Via netip.Addr
	// Interface names the outgoing interface, or is empty. At least one of
	// Via and Interface is set.
	Interface string
}

// Kind returns "add-route".
func (*AddRoute) Kind() string { return "add-route" }

// Describe returns "route <node> <to> via <via>".
func (a *AddRoute) Describe() string {
	d := "route " + a.Node + " " + a.To.String()
	if a.Via.IsValid() {
		d += " via " + a.Via.String()
	}
	if a.Interface != "" {
		d += " dev " + a.Interface
	}
	return d
}

// Route returns the route a adds.
func (a *AddRoute) Route() Route { return Route{To: a.To, Via: a.Via, Interface: a.Interface} }

// RemoveRoute removes a stack's route to a network while the lab runs.
type RemoveRoute struct {
	// Node names the stack.
	Node string
	// To is the destination network of the route to remove.
	To netip.Prefix
}

// Kind returns "remove-route".
func (*RemoveRoute) Kind() string { return "remove-route" }

// Describe returns "remove route <node> <to>".
func (r *RemoveRoute) Describe() string { return "remove route " + r.Node + " " + r.To.String() }

// Impair changes a link's impairments while the lab runs; nil fields keep
// their current value.
type Impair struct {
	// Link is the ID of the link.
	Link string
	// Loss, Duplicate, Reorder and Corrupt set the shares of frames lost,
	// duplicated, reordered and corrupted.
	Loss, Duplicate, Reorder, Corrupt *Percent
	// Delay and Jitter set the one-way delay and its variation.
	Delay, Jitter *Duration
	// Rate sets the bit rate cap (0: unlimited).
	Rate *Rate
	// Queue sets the queue length in frames.
	Queue *int
}

// Kind returns "impair".
func (*Impair) Kind() string { return "impair" }

// Describe returns "impair <link>" and the changes, such as
// "impair l1 loss 50%".
func (im *Impair) Describe() string {
	var b strings.Builder
	b.WriteString("impair " + im.Link)
	add := func(name string, v fmt.Stringer) { fmt.Fprintf(&b, " %s %s", name, v) }
	if im.Loss != nil {
		add("loss", *im.Loss)
	}
	if im.Delay != nil {
		add("delay", *im.Delay)
	}
	if im.Jitter != nil {
		add("jitter", *im.Jitter)
	}
	if im.Duplicate != nil {
		add("duplicate", *im.Duplicate)
	}
	if im.Reorder != nil {
		add("reorder", *im.Reorder)
	}
	if im.Corrupt != nil {
		add("corrupt", *im.Corrupt)
	}
	if im.Rate != nil {
		add("rate", *im.Rate)
	}
	if im.Queue != nil {
		fmt.Fprintf(&b, " queue %d", *im.Queue)
	}
	return b.String()
}

// Apply returns cur with the changes of im applied.
func (im *Impair) Apply(cur Impairments) Impairments {
	set := func(dst *Percent, src *Percent) {
		if src != nil {
			*dst = *src
		}
	}
	set(&cur.Loss, im.Loss)
	set(&cur.Duplicate, im.Duplicate)
	set(&cur.Reorder, im.Reorder)
	set(&cur.Corrupt, im.Corrupt)
	if im.Delay != nil {
		cur.Delay = *im.Delay
	}
	if im.Jitter != nil {
		cur.Jitter = *im.Jitter
	}
	if im.Rate != nil {
		cur.Rate = *im.Rate
	}
	if im.Queue != nil {
		cur.Queue = *im.Queue
	}
	return cur
}

// Wait lets time pass.
type Wait struct {
	// Duration is how long to wait.
	Duration Duration
}

// Kind returns "wait".
func (*Wait) Kind() string { return "wait" }

// Describe returns "wait <duration>".
func (w *Wait) Describe() string { return "wait " + w.Duration.String() }
