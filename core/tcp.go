package core

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"time"

	"github.com/netlab/netlab/core/wire"
)

// TCP (RFC 9293) with lwIP's architecture: control blocks (TCPPCB) owned
// by the tcpip goroutine, a callback interface (TCPHandler) towards the
// socket layer, and the core's named timers. The files split like
// gVisor's transport/tcp: tcp.go (types, demux, the calls of the socket
// layer), tcp_input.go (the segment arrival state machine), tcp_output.go
// (segments out, send buffer, windows), tcp_timer.go (retransmission,
// persist, delayed ACK, keepalive, TIME-WAIT, RTT estimation).

// TCPState is a connection state of RFC 9293 §3.3.2.
type TCPState int

// The states of RFC 9293 §3.3.2.
const (
	TCPClosed TCPState = iota
	TCPListen
	TCPSynSent
	TCPSynReceived
	TCPEstablished
	TCPFinWait1
	TCPFinWait2
	TCPCloseWait
	TCPClosing
	TCPLastAck
	TCPTimeWait
)

var tcpStateNames = [...]string{
	TCPClosed:      "CLOSED",
	TCPListen:      "LISTEN",
	TCPSynSent:     "SYN-SENT",
	TCPSynReceived: "SYN-RECEIVED",
	TCPEstablished: "ESTABLISHED",
	TCPFinWait1:    "FIN-WAIT-1",
	TCPFinWait2:    "FIN-WAIT-2",
	TCPCloseWait:   "CLOSE-WAIT",
	TCPClosing:     "CLOSING",
	TCPLastAck:     "LAST-ACK",
	TCPTimeWait:    "TIME-WAIT",
}

// String returns the state's name as RFC 9293 writes it ("ESTABLISHED").
func (s TCPState) String() string {
	if s >= 0 && int(s) < len(tcpStateNames) {
		return tcpStateNames[s]
	}
	return fmt.Sprintf("TCPState(%d)", int(s))
}

// synchronized reports whether the state is past the handshake.
func (s TCPState) synchronized() bool { return s >= TCPEstablished }

// TCPHandler receives a connection's events; the socket layer implements
// it. Every method runs on the tcpip goroutine and must not block; it may
// call the core's TCP functions (TCPWrite, TCPClose, ...) on the same or
// other control blocks.
type TCPHandler interface {
	// TCPAccepted reports that conn completed its handshake on
	// listener: it is ESTABLISHED (or already CLOSE-WAIT) and uses the
	// listener's handler and owner until TCPSetHandler changes them. It
	// counts in the listener's accept queue until the socket layer calls
	// TCPAcceptDone(listener), when the application accept()s it.
	TCPAccepted(c *Core, listener, conn *TCPPCB)
	// TCPConnected reports that an active open (TCPConnect) completed.
	TCPConnected(c *Core, p *TCPPCB)
	// TCPReceived delivers in-order data. data is valid only during the
	// call (copy it). The receive window closes by len(data) until the
	// socket layer calls TCPRecved.
	TCPReceived(c *Core, p *TCPPCB, data []byte)
	// TCPSent reports that n more bytes were acknowledged: n bytes of
	// send buffer are free again.
	TCPSent(c *Core, p *TCPPCB, n int)
	// TCPPeerClosed reports the peer's FIN: the end of the stream, after
	// all data.
	TCPPeerClosed(c *Core, p *TCPPCB)
	// TCPError reports an error. If p.State() is TCPClosed during the
	// call, the error is fatal and p is gone: reset by the peer
	// (ErrConnReset), refused (ErrConnRefused), timed out (ErrTimedOut,
	// or the last soft error if one explains why: ErrHostUnreach, ...),
	// a hard ICMP error during the handshake (ErrConnRefused for port
	// unreachable, ErrProtoUnreach), or the stack stopped (ErrStopped).
	// Otherwise it is a soft error (RFC 1122 §4.2.3.9: ICMP host, net
	// unreachable, TTL exceeded; a failed ARP resolution) and the
	// connection carries on retransmitting: the socket layer may keep it
	// as SO_ERROR.
	TCPError(c *Core, p *TCPPCB, err error)
}

// TCPConfig holds a stack's TCP parameters. The zero value of a field
// means its default.
type TCPConfig struct {
	// MSL is the maximum segment lifetime; TIME-WAIT lasts 2·MSL
	// (RFC 9293 §3.4.2). Default 30s, as Linux (whose TIME-WAIT is 60s).
	MSL time.Duration
	// MinRTO and MaxRTO bound the retransmission timeout. Default 200ms
	// (Linux's TCP_RTO_MIN, below RFC 6298 §2.4's 1s, which predates fast
	// links) and 60s (the RFC's upper bound).
	MinRTO, MaxRTO time.Duration
	// InitialRTO is the RTO before the first RTT sample: 1s (RFC 6298
	// §2.1).
	InitialRTO time.Duration
	// DelayedACK is how long an ACK may wait for a second full segment
	// or data to ride on: default 40ms (Linux's minimum delayed-ACK
	// timeout), at most 500ms (RFC 1122 §4.2.3.2: longer values are
	// cut to it).
	DelayedACK time.Duration
	// SynRetries is how many times a SYN is retransmitted before the
	// connect fails with ErrTimedOut (default 6, Linux's tcp_syn_retries:
	// about 127s); SynAckRetries the same for a SYN-ACK (default 5).
	SynRetries, SynAckRetries int
	// MaxRetries is how many times data or a FIN is retransmitted without
	// progress before the connection is aborted with ErrTimedOut
	// (RFC 1122 §4.2.3.5 "R2"; default 15, Linux's tcp_retries2, about 15
	// minutes with a 60s MaxRTO).
	MaxRetries int
	// SendBuffer and RecvBuffer are the default SO_SNDBUF and SO_RCVBUF of
	// new control blocks, in bytes (default 256 KiB each).
	SendBuffer, RecvBuffer int
	// ISN, when set, chooses initial sequence numbers instead of the
	// RFC 6528 function (tests start connections near 2^32 with it).
	ISN func(local, remote netip.AddrPort) uint32
}

// tcpMaxDelayedACK is the longest an ACK may be delayed (RFC 1122
// §4.2.3.2).
const tcpMaxDelayedACK = 500 * time.Millisecond

func (cfg *TCPConfig) fill() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.MSL, 30*time.Second)
	def(&cfg.MinRTO, 200*time.Millisecond)
	def(&cfg.MaxRTO, 60*time.Second)
	def(&cfg.InitialRTO, time.Second)
	def(&cfg.DelayedACK, 40*time.Millisecond)
	cfg.DelayedACK = min(cfg.DelayedACK, tcpMaxDelayedACK)
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt(&cfg.SynRetries, 6)
	defInt(&cfg.SynAckRetries, 5)
	defInt(&cfg.MaxRetries, 15)
	defInt(&cfg.SendBuffer, 256<<10)
	defInt(&cfg.RecvBuffer, 256<<10)
}

// TCPConfig returns the stack's TCP parameters with defaults filled in.
func (c *Core) TCPConfig() TCPConfig { return c.tcp.cfg }

// SetTCPConfig sets the stack's TCP parameters; zero fields take their
// defaults. Connections that exist keep their buffer sizes.
func (c *Core) SetTCPConfig(cfg TCPConfig) {
	c.assertOnLoop()
	cfg.fill()
	c.tcp.cfg = cfg
}

// TCPInfo is a connection's state for getsockopt(TCP_INFO)-like uses,
// snapshots and tests.
type TCPInfo struct {
	State TCPState
	// SendQueued counts bytes in the send buffer: not yet acknowledged
	// (sent or not). Unsent is the part not sent yet.
	SendQueued, Unsent int
	// RecvQueued counts bytes delivered by TCPReceived but not yet
	// consumed (TCPRecved); OutOfOrder bytes held in the out-of-order
	// queue.
	RecvQueued, OutOfOrder int
	// SendBuffer and RecvBuffer are SO_SNDBUF and SO_RCVBUF, in bytes.
	SendBuffer, RecvBuffer int
	// SendWindow is the peer's window (scaled), RecvWindow the window we
	// advertised last, in bytes.
	SendWindow, RecvWindow int
	// Cwnd and Ssthresh are the congestion window and slow start
	// threshold, in bytes; MSS the segment size we send.
	Cwnd, Ssthresh, MSS int
	// SRTT and RTTVar are the RTT estimators of RFC 6298 (0 before the
	// first sample); RTO the current timeout, backed off.
	SRTT, RTTVar, RTO time.Duration
	// Retransmits counts segments sent again over the connection's life
	// (timeouts, fast retransmits, partial ACKs).
	Retransmits uint64
	// SoftError is the last soft error (ICMP, a failed ARP resolution)
	// since the peer last acknowledged new data, nil if none.
	SoftError error
}

// TCPPCB is a TCP control block (lwIP's struct tcp_pcb): a listener or a
// connection. Owned by the tcpip goroutine: create it with NewTCP and use
// it only through *Core.
type TCPPCB struct {
	state         TCPState
	local, remote netip.AddrPort
	bound         bool // local port claimed in the bind table
	inConns       bool // in the 4-tuple map
	child         bool // made by a listener: holds a port use, not a bind
	reuse         bool
	active        bool // active open
	appClosed     bool // TCPClose or TCPAbort: the application is gone
	rdShut        bool
	wrShut        bool
	h             TCPHandler
	owner         SocketOwner
	label         string // "10.0.0.1:49152 > 10.0.0.2:80", once known
	prev, next    *TCPPCB

	// Listener state: backlog bounds the SYN queue (children in
	// SYN-RECEIVED) and the accept queue (accepted, not yet taken).
	listener              *TCPPCB
	backlog               int
	synQueue, acceptQueue int

	// Send sequence space (RFC 9293 §3.3.1). sndMax is the highest
	// sequence number sent: after a timeout sndNxt goes back to sndUna.
	iss, sndUna, sndNxt, sndMax uint32
	sndWnd, maxSndWnd           int // bytes, scaled
	sndWl1, sndWl2              uint32
	sndShift, rcvShift          uint8 // window scale (RFC 7323)
	mss                         int   // send MSS
	advMSS                      int   // the MSS we announced
	// The send buffer: a ring of data from sequence number bufSeq on,
	// sndLen bytes at sndBuf[sndHead:], unacknowledged or unsent. It is
	// allocated on the first write and grows up to sndBufSize.
	sndBuf     []byte
	sndHead    int
	sndLen     int
	bufSeq     uint32
	sndBufSize int
	finQueued  bool // a FIN follows the data in the buffer
	nodelay    bool

	// Congestion control (RFC 5681, RFC 6582), in bytes.
	cwnd, ssthresh int
	caAcked        int // bytes acknowledged towards the next cwnd step
	dupAcks        int
	inRecovery     bool
	recover        uint32

	// RTT estimation and retransmission (RFC 6298).
	srtt, rttvar, rto time.Duration
	rttValid, timing  bool
	rttSeq            uint32
	rttStart          time.Duration
	retries           int
	retransmits       uint64
	persistShift      int

	// Receive sequence space. rcvAdv is the right edge of the window we
	// advertised, which never moves left (RFC 9293 §3.8.6).
	irs, rcvNxt, rcvAdv uint32
	rcvBufSize          int
	rcvUnread           int // delivered, not yet TCPRecved
	rcvUnacked          int // bytes received since our last ACK
	ackNeeded           bool
	ooo                 []tcpOOOSeg
	oooBytes            int

	keepOn      bool
	keepIdle    time.Duration
	keepIntvl   time.Duration
	keepCnt     int
	keepProbes  int
	lastRecv    time.Duration
	softErr     error
	rtoT        *Timer
	persistT    *Timer
	delackT     *Timer
	keepT       *Timer
	timeWaitT   *Timer
	synOptsPeer wire.TCPOptions
}

// tcpOOOSeg is a segment held in the out-of-order queue.
type tcpOOOSeg struct {
	seq  uint32
	data []byte
	fin  bool
}

// State returns the connection's state.
func (p *TCPPCB) State() TCPState { return p.state }

// Local returns the local address and port (zero before bind).
func (p *TCPPCB) Local() netip.AddrPort { return p.local }

// Remote returns the peer's address and port (zero for a listener).
func (p *TCPPCB) Remote() netip.AddrPort { return p.remote }

// Listener returns the listener that made p, nil for other PCBs.
func (p *TCPPCB) Listener() *TCPPCB { return p.listener }

// String describes the connection: "10.0.0.1:49152 > 10.0.0.2:80".
func (p *TCPPCB) String() string {
	if p.label != "" {
		return p.label
	}
	return p.local.String()
}

// Info returns the connection's counters and estimators.
func (p *TCPPCB) Info() TCPInfo {
	i := TCPInfo{
		State:       p.state,
		SendQueued:  p.sndLen,
		Unsent:      p.unsent(),
		RecvQueued:  p.rcvUnread,
		OutOfOrder:  p.oooBytes,
		SendBuffer:  p.sndBufSize,
		RecvBuffer:  p.rcvBufSize,
		SendWindow:  p.sndWnd,
		Cwnd:        p.cwnd,
		Ssthresh:    p.ssthresh,
		MSS:         p.mss,
		SRTT:        p.srtt,
		RTTVar:      p.rttvar,
		RTO:         p.rto,
		Retransmits: p.retransmits,
		SoftError:   p.softErr,
	}
	if p.state >= TCPSynReceived {
		i.RecvWindow = int(p.rcvAdv - p.rcvNxt)
	}
	return i
}

// tcpKey is a connection's 4-tuple, compact for hashing.
type tcpKey struct {
	la, ra [4]byte
	lp, rp uint16
}

// tcpListenKey is a listener's local address (0.0.0.0 for any) and port.
type tcpListenKey struct {
	a    [4]byte
	port uint16
}

func keyOf(local, remote netip.AddrPort) tcpKey {
	return tcpKey{la: local.Addr().As4(), ra: remote.Addr().As4(), lp: local.Port(), rp: remote.Port()}
}

// tcpTable demultiplexes segments in O(1): one map lookup for
// connections by 4-tuple, at most two (the address, then 0.0.0.0) for
// listeners. Owned by the tcpip goroutine.
type tcpTable struct {
	cfg       TCPConfig
	conns     map[tcpKey]*TCPPCB
	listeners map[tcpListenKey]*TCPPCB
	// binds lists the PCBs bound explicitly (TCPBind, listen, connect)
	// by port; uses counts every PCB on a port, children included.
	binds map[uint16][]*TCPPCB
	uses  map[uint16]int
	next  uint16
	// first and last link every PCB in creation order, for snapshots.
	first, last *TCPPCB
	count       int
	secret      uint64
	challenge   tokenBucket
}

func (t *tcpTable) init(seed uint64, name string) {
	t.cfg.fill()
	t.conns = make(map[tcpKey]*TCPPCB)
	t.listeners = make(map[tcpListenKey]*TCPPCB)
	t.binds = make(map[uint16][]*TCPPCB)
	t.uses = make(map[uint16]int)
	t.next = ephemeralFirst
	h := fnv.New64a()
	h.Write([]byte(name))
	t.secret = mix64(seed ^ h.Sum64())
	// RFC 5961 §7: challenge ACKs are rate limited per stack.
	t.challenge = tokenBucket{rate: 1000, burst: 1000, tokens: 1000}
}

// mix64 is SplitMix64's finaliser: a bijective 64-bit mixer.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// isn chooses an initial sequence number as RFC 6528 §3 does, ISN = M +
// F(4-tuple, secret), with M a clock ticking every 4µs (of the stack's
// clock) and F a keyed hash; the secret comes from the stack's seed and
// name, so the same lab and seed replay the same numbers.
func (c *Core) isn(local, remote netip.AddrPort) uint32 {
	if c.tcp.cfg.ISN != nil {
		return c.tcp.cfg.ISN(local, remote)
	}
	k := keyOf(local, remote)
	x := c.tcp.secret
	x = mix64(x ^ uint64(k.la[0])<<24 ^ uint64(k.la[1])<<16 ^ uint64(k.la[2])<<8 ^ uint64(k.la[3]) ^ uint64(k.lp)<<32)
	x = mix64(x ^ uint64(k.ra[0])<<24 ^ uint64(k.ra[1])<<16 ^ uint64(k.ra[2])<<8 ^ uint64(k.ra[3]) ^ uint64(k.rp)<<32)
	return uint32(c.now/(4*time.Microsecond)) + uint32(x)
}

func (t *tcpTable) link(p *TCPPCB) {
	p.prev = t.last
	if t.last != nil {
		t.last.next = p
	} else {
		t.first = p
	}
	t.last = p
	t.count++
}

func (t *tcpTable) unlinkAll(p *TCPPCB) {
	if p.prev != nil {
		p.prev.next = p.next
	} else if t.first == p {
		t.first = p.next
	} else {
		return // not linked
	}
	if p.next != nil {
		p.next.prev = p.prev
	} else {
		t.last = p.prev
	}
	p.prev, p.next = nil, nil
	t.count--
}

// lookupConn finds the connection of a segment; it counts the lookup.
func (c *Core) lookupConn(k tcpKey) *TCPPCB {
	c.count(cntTCPLookups)
	return c.tcp.conns[k]
}

// lookupListener finds the listener for a SYN to dst.
func (c *Core) lookupListener(dst netip.AddrPort) *TCPPCB {
	c.count(cntTCPLookups)
	if l := c.tcp.listeners[tcpListenKey{dst.Addr().As4(), dst.Port()}]; l != nil {
		return l
	}
	c.count(cntTCPLookups)
	return c.tcp.listeners[tcpListenKey{port: dst.Port()}]
}

// NewTCP makes a TCP control block in state CLOSED (lwIP's tcp_new). h
// receives its events (nil: none); owner describes its socket in
// snapshots. Buffers are allocated only when data flows.
func (c *Core) NewTCP(h TCPHandler, owner SocketOwner) *TCPPCB {
	c.assertOnLoop()
	p := &TCPPCB{h: h, owner: owner}
	c.initPCB(p)
	c.tcp.link(p)
	return p
}

func (c *Core) initPCB(p *TCPPCB) {
	p.sndBufSize = c.tcp.cfg.SendBuffer
	p.rcvBufSize = c.tcp.cfg.RecvBuffer
	p.rto = c.tcp.cfg.InitialRTO
	p.keepIdle, p.keepIntvl, p.keepCnt = 2*time.Hour, 75*time.Second, 9
}

// TCPSetHandler changes who receives p's events and who owns it in
// snapshots: what the socket layer does when it accepts a connection.
func (c *Core) TCPSetHandler(p *TCPPCB, h TCPHandler, owner SocketOwner) {
	c.assertOnLoop()
	p.h, p.owner = h, owner
}

// TCPSetReuseAddr lets p bind a port that other control blocks use
// (SO_REUSEADDR): connections in TIME-WAIT or accepted from an old
// listener, and other PCBs that also set it. Two listeners on the same
// address and port never coexist.
func (c *Core) TCPSetReuseAddr(p *TCPPCB, on bool) { p.reuse = on }

// TCPSetNoDelay turns Nagle's algorithm off (TCP_NODELAY on) or on
// (RFC 1122 §4.2.3.4).
func (c *Core) TCPSetNoDelay(p *TCPPCB, on bool) {
	c.assertOnLoop()
	p.nodelay = on
	if on && p.state.synchronized() {
		c.tcpOutput(p)
	}
}

// TCPSetKeepAlive turns keepalive on or off (SO_KEEPALIVE, RFC 1122
// §4.2.3.6): after idle without a segment from the peer, a probe every
// interval; count unanswered probes abort the connection with
// ErrTimedOut. Zero durations and counts keep their current values
// (Linux's defaults: 2h, 75s, 9).
func (c *Core) TCPSetKeepAlive(p *TCPPCB, on bool, idle, interval time.Duration, count int) {
	c.assertOnLoop()
	if idle > 0 {
		p.keepIdle = idle
	}
	if interval > 0 {
		p.keepIntvl = interval
	}
	if count > 0 {
		p.keepCnt = count
	}
	p.keepOn = on
	p.keepProbes = 0
	c.keepaliveArm(p)
}

// TCPSetBuffers sets SO_SNDBUF and SO_RCVBUF in bytes; 0 keeps a value.
// The receive buffer bounds the window and sets the window scale, so it
// should be set before the connection opens; the send buffer never
// shrinks below what it holds.
func (c *Core) TCPSetBuffers(p *TCPPCB, snd, rcv int) error {
	c.assertOnLoop()
	if snd < 0 || rcv < 0 || snd > 1<<30 || rcv > 1<<30 {
		return ErrInvalid
	}
	if snd > 0 {
		p.sndBufSize = max(snd, p.sndLen, 1)
	}
	if rcv > 0 {
		p.rcvBufSize = max(rcv, 1)
	}
	return nil
}

// TCPBind binds p to a local address and port; port 0 picks an ephemeral
// port (RFC 6335 range 49152-65535), and running out of them is
// ErrAddrInUse saying so. It returns the address bound.
func (c *Core) TCPBind(p *TCPPCB, local netip.AddrPort) (netip.AddrPort, error) {
	c.assertOnLoop()
	if p.state != TCPClosed || p.appClosed {
		return netip.AddrPort{}, ErrInvalid
	}
	if p.bound {
		return netip.AddrPort{}, ErrInvalid // bound once, as in BSD
	}
	addr := local.Addr()
	if !addr.IsValid() {
		addr = netip.IPv4Unspecified()
	}
	if !addr.Is4() {
		return netip.AddrPort{}, ErrInvalid
	}
	if !addr.IsUnspecified() && !addr.IsLoopback() && c.localNetif(addr) == nil {
		return netip.AddrPort{}, ErrAddrNotAvail
	}
	port := local.Port()
	if port == 0 {
		var ok bool
		if port, ok = c.tcp.ephemeral(); !ok {
			return netip.AddrPort{}, fmt.Errorf("%w: all %d ephemeral TCP ports (%d-%d) are taken",
				ErrAddrInUse, ephemeralLast-ephemeralFirst+1, ephemeralFirst, ephemeralLast)
		}
	} else if c.tcp.conflicts(p, addr, port) {
		return netip.AddrPort{}, ErrAddrInUse
	}
	p.local = netip.AddrPortFrom(addr, port)
	p.bound = true
	c.tcp.binds[port] = append(c.tcp.binds[port], p)
	c.tcp.uses[port]++
	return p.local, nil
}

func (t *tcpTable) conflicts(p *TCPPCB, addr netip.Addr, port uint16) bool {
	for _, q := range t.binds[port] {
		same := q.local.Addr() == addr || q.local.Addr().IsUnspecified() || addr.IsUnspecified()
		if !same {
			continue
		}
		if !(p.reuse && q.reuse) || (q.state == TCPListen && q.local.Addr() == addr) {
			return true
		}
	}
	// Ports still used by connections only (accepted children, TIME-WAIT
	// after the listener closed) need SO_REUSEADDR.
	return !p.reuse && t.uses[port] > len(t.binds[port])
}

func (t *tcpTable) ephemeral() (uint16, bool) {
	for i := 0; i <= ephemeralLast-ephemeralFirst; i++ {
		port := t.next
		if t.next == ephemeralLast {
			t.next = ephemeralFirst
		} else {
			t.next++
		}
		if t.uses[port] == 0 {
			return port, true
		}
	}
	return 0, false
}

func (t *tcpTable) release(p *TCPPCB) {
	port := p.local.Port()
	if p.bound {
		list := t.binds[port]
		for i, q := range list {
			if q == p {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(t.binds, port)
		} else {
			t.binds[port] = list
		}
	}
	if p.bound || p.child {
		if t.uses[port]--; t.uses[port] <= 0 {
			delete(t.uses, port)
		}
	}
	p.bound, p.child = false, false
}

// TCPListen puts p in LISTEN (lwIP's tcp_listen_with_backlog), binding an
// ephemeral port first if needed. backlog bounds both the queue of
// connections in SYN-RECEIVED (the SYN queue: SYNs beyond it are
// dropped, and the peer retransmits) and the queue of connections
// established but not yet accepted (TCPAcceptDone); at least 1, at most
// 4096.
func (c *Core) TCPListen(p *TCPPCB, backlog int) error {
	c.assertOnLoop()
	if p.appClosed {
		return ErrClosed
	}
	if p.state == TCPListen {
		p.backlog = min(max(backlog, 1), 4096)
		return nil
	}
	if p.state != TCPClosed {
		return ErrIsConnected
	}
	if !p.bound {
		if _, err := c.TCPBind(p, netip.AddrPort{}); err != nil {
			return err
		}
	}
	k := tcpListenKey{p.local.Addr().As4(), p.local.Port()}
	if c.tcp.listeners[k] != nil {
		return ErrAddrInUse
	}
	c.tcp.listeners[k] = p
	p.backlog = min(max(backlog, 1), 4096)
	c.setState(p, TCPListen)
	return nil
}

// TCPAcceptDone tells the core that the application took one connection
// off listener's accept queue (accept returned it).
func (c *Core) TCPAcceptDone(listener *TCPPCB) {
	c.assertOnLoop()
	if listener.acceptQueue > 0 {
		listener.acceptQueue--
	}
}

// TCPConnect starts an active open to remote (lwIP's tcp_connect): it
// binds p to an ephemeral port and the route's source address if needed,
// and sends a SYN. Completion is reported by TCPConnected, failure by
// TCPError (ErrConnRefused, ErrTimedOut, ...).
func (c *Core) TCPConnect(p *TCPPCB, remote netip.AddrPort) error {
	c.assertOnLoop()
	if p.appClosed {
		return ErrClosed
	}
	switch p.state {
	case TCPClosed:
	case TCPSynSent:
		return ErrInvalid // EALREADY
	default:
		return ErrIsConnected
	}
	if !remote.Addr().Is4() || remote.Port() == 0 || remote.Addr().IsUnspecified() || remote.Addr() == limitedBroadcast || remote.Addr().IsMulticast() {
		return ErrInvalid
	}
	path, err := c.selectPath(remote.Addr(), p.local.Addr(), nil, false)
	if err != nil {
		return err
	}
	if !p.bound {
		if _, err := c.TCPBind(p, netip.AddrPortFrom(path.src, 0)); err != nil {
			return err
		}
	} else if p.local.Addr().IsUnspecified() {
		p.local = netip.AddrPortFrom(path.src, p.local.Port())
	}
	k := keyOf(p.local, remote)
	if c.tcp.conns[k] != nil {
		return ErrAddrInUse
	}
	p.remote = remote
	p.active = true
	c.tcp.conns[k] = p
	p.inConns = true
	p.label = p.local.String() + " > " + remote.String()
	c.initSend(p, path.netif.mtu)
	p.rcvShift = windowShift(p.rcvBufSize)
	c.count(cntTCPActiveOpens)
	c.setState(p, TCPSynSent)
	c.sendSyn(p)
	return nil
}

// initSend sets the send sequence space and MSS for a new connection.
func (c *Core) initSend(p *TCPPCB, mtu int) {
	p.iss = c.isn(p.local, p.remote)
	p.sndUna, p.sndNxt, p.sndMax = p.iss, p.iss, p.iss
	p.bufSeq = p.iss + 1
	p.recover = p.iss // RFC 6582 §3.2 step 1 compares against it
	p.advMSS = max(mtu-wire.IPv4MinHeaderLen-wire.TCPMinHeaderLen, 64)
	p.mss = min(536, p.advMSS) // RFC 9293 §3.7.1 default until the peer's MSS
	p.ssthresh = 1 << 30
}

// windowShift returns the window scale that lets a 16-bit window field
// cover buf bytes (RFC 7323 §2.2).
func windowShift(buf int) uint8 {
	var s uint8
	for buf>>s > 65535 && s < wire.TCPMaxWindowShift {
		s++
	}
	return s
}

// TCPWrite queues as much of data as fits in the send buffer (SO_SNDBUF)
// and sends what Nagle, the congestion window and the peer's window
// allow. It returns the bytes taken: 0 when the buffer is full (wait for
// TCPSent). Data written in SYN-SENT or SYN-RECEIVED goes out once the
// connection is established. After TCPShutdown(write) or TCPClose it
// fails with ErrShutdown; on a connection that is not open, with
// ErrNotConnected.
func (c *Core) TCPWrite(p *TCPPCB, data []byte) (int, error) {
	c.assertOnLoop()
	if p.wrShut || p.appClosed {
		return 0, ErrShutdown
	}
	switch p.state {
	case TCPSynSent, TCPSynReceived, TCPEstablished, TCPCloseWait:
	default:
		return 0, ErrNotConnected
	}
	n := min(len(data), p.sndBufSize-p.sndLen)
	if n <= 0 {
		return 0, nil
	}
	p.bufAppend(data[:n])
	if p.state.synchronized() {
		c.tcpOutput(p)
	}
	return n, nil
}

// TCPRecved tells the core that the application consumed n bytes that
// TCPReceived delivered: the window reopens by n. A window update is sent
// when the window grew by at least min(half the buffer, one MSS), or
// reopened from zero (RFC 1122 §4.2.3.3, receiver SWS avoidance).
func (c *Core) TCPRecved(p *TCPPCB, n int) {
	c.assertOnLoop()
	if n <= 0 {
		return
	}
	p.rcvUnread = max(p.rcvUnread-n, 0)
	switch p.state {
	case TCPEstablished, TCPFinWait1, TCPFinWait2:
	default:
		return
	}
	wasZero := p.rcvAdv == p.rcvNxt
	// The window field caps what can be offered: without window scaling
	// a buffer above 64 KiB must not make every read an update.
	avail := min(max(p.rcvBufSize-p.rcvUnread-p.oooBytes, 0), 65535<<p.rcvShift)
	edge := p.rcvNxt + uint32(avail)
	if seqGT(edge, p.rcvAdv) && (wasZero || int(edge-p.rcvAdv) >= min(p.rcvBufSize/2, p.advMSS)) {
		c.sendAck(p)
	}
}

// TCPShutdown closes one or both halves (shutdown(2)). Closing the write
// half queues a FIN after the data in the send buffer (ESTABLISHED →
// FIN-WAIT-1, CLOSE-WAIT → LAST-ACK); closing the read half makes the
// core discard data that arrives (it is still acknowledged).
func (c *Core) TCPShutdown(p *TCPPCB, read, write bool) error {
	c.assertOnLoop()
	if p.appClosed {
		return ErrClosed
	}
	switch p.state {
	case TCPClosed, TCPListen:
		return ErrNotConnected
	case TCPSynSent:
		if write {
			// Nothing was sent: the connection just goes away
			// (RFC 9293 §3.10.4, CLOSE in SYN-SENT).
			c.tcpDrop(p, nil, false)
			return nil
		}
	}
	if read {
		p.rdShut = true
	}
	if write && !p.wrShut {
		p.wrShut = true
		c.queueFin(p)
	}
	return nil
}

// queueFin puts a FIN after the buffered data and moves the state on
// (RFC 9293 §3.10.4).
func (c *Core) queueFin(p *TCPPCB) {
	p.finQueued = true
	switch p.state {
	case TCPSynReceived, TCPEstablished:
		c.setState(p, TCPFinWait1)
	case TCPCloseWait:
		c.setState(p, TCPLastAck)
	default:
		return
	}
	c.tcpOutput(p)
}

// TCPClose closes the connection for the application (close(2) without
// SO_LINGER 0, lwIP's tcp_close). A listener, a connection not yet open
// or one in SYN-SENT goes away at once. Otherwise a FIN follows the
// buffered data and the core finishes the close on its own (FIN-WAIT,
// TIME-WAIT) without calling the handler again. If data the application
// never read remains, or arrives later, the connection is reset instead
// (RFC 1122 §4.2.2.13, as Linux does). p must not be used afterwards.
func (c *Core) TCPClose(p *TCPPCB) error {
	c.assertOnLoop()
	if p.appClosed {
		return nil
	}
	p.appClosed = true
	p.rdShut = true
	p.h = nil
	switch p.state {
	case TCPClosed, TCPListen, TCPSynSent:
		c.tcpDrop(p, nil, false)
		return nil
	case TCPTimeWait:
		return nil
	}
	if p.rcvUnread > 0 || p.oooBytes > 0 {
		c.count(cntTCPUnreadResets)
		c.sendRst(p, p.sndMax)
		c.tcpDrop(p, nil, false)
		return nil
	}
	p.wrShut = true
	if !p.finQueued {
		c.queueFin(p)
	}
	return nil
}

// TCPAbort resets the connection (close with SO_LINGER 0, lwIP's
// tcp_abort): an RST goes to the peer of a synchronized connection, and
// p is gone without further events.
func (c *Core) TCPAbort(p *TCPPCB) {
	c.assertOnLoop()
	p.h = nil
	p.appClosed = true
	switch p.state {
	case TCPSynReceived, TCPEstablished, TCPFinWait1, TCPFinWait2, TCPCloseWait, TCPClosing, TCPLastAck:
		c.sendRst(p, p.sndMax)
	}
	c.tcpDrop(p, nil, false)
}

// setState moves p to s and records the change in the event log.
func (c *Core) setState(p *TCPPCB, s TCPState) {
	if p.state == s {
		return
	}
	p.state = s
	label := p.label
	if label == "" {
		label = p.local.String()
	}
	c.stateEvent(nil, "tcp %v %v", label, s)
}

// tcpDrop removes p from every table and stops its timers; with err, and
// unless quietly, the handler hears TCPError(err) after p is CLOSED.
func (c *Core) tcpDrop(p *TCPPCB, err error, quiet bool) {
	if p.state == TCPSynReceived && p.listener != nil && p.listener.synQueue > 0 {
		p.listener.synQueue--
	}
	c.setState(p, TCPClosed)
	if p.inConns {
		delete(c.tcp.conns, keyOf(p.local, p.remote))
		p.inConns = false
	}
	if p.local.Addr().Is4() { // a PCB never bound has no address
		if k := (tcpListenKey{p.local.Addr().As4(), p.local.Port()}); c.tcp.listeners[k] == p {
			delete(c.tcp.listeners, k)
		}
	}
	c.tcp.release(p)
	c.tcp.unlinkAll(p)
	for _, t := range [...]*Timer{p.rtoT, p.persistT, p.delackT, p.keepT, p.timeWaitT} {
		if t != nil {
			c.StopTimer(t)
		}
	}
	p.ooo, p.oooBytes = nil, 0
	p.sndBuf, p.sndLen = nil, 0
	if err != nil && !quiet && p.h != nil {
		h := p.h
		p.h = nil
		h.TCPError(c, p, err)
	}
}

// softError records and reports an error that does not end p.
func (c *Core) softError(p *TCPPCB, err error) {
	p.softErr = err
	if p.h != nil {
		p.h.TCPError(c, p, err)
	}
}

// tcpNotify hands an ICMP error (or a local failure) about a segment
// from local to remote with sequence number seq to its connection. The
// sequence number must be one sent and not yet acknowledged (RFC 5927
// §4.1), which a blind attacker cannot guess. Port and protocol
// unreachable abort a connection in SYN-SENT or SYN-RECEIVED (as Linux
// does); every other error is soft (RFC 1122 §4.2.3.9).
func (c *Core) tcpNotify(local, remote netip.AddrPort, seq uint32, haveSeq bool, err error) {
	p := c.lookupConn(keyOf(local, remote))
	if p == nil || p.state == TCPTimeWait {
		return
	}
	if haveSeq && (seqLT(seq, p.sndUna) || seqGT(seq, p.sndMax)) {
		return
	}
	if err == ErrMsgSize {
		return // segments are sent without DF: no PMTU discovery
	}
	hard := err == ErrConnRefused || err == ErrProtoUnreach
	if hard && (p.state == TCPSynSent || p.state == TCPSynReceived) {
		c.tcpDrop(p, err, false)
		return
	}
	c.softError(p, err)
}

// shutdown fails every connection when the stack stops.
func (t *tcpTable) closeAll(c *Core, err error) {
	var all []*TCPPCB
	for p := t.first; p != nil; p = p.next {
		all = append(all, p)
	}
	for _, p := range all {
		c.tcpDrop(p, err, false)
	}
}

// TCPPCBs returns every TCP control block in creation order.
func (c *Core) TCPPCBs() []*TCPPCB {
	out := make([]*TCPPCB, 0, c.tcp.count)
	for p := c.tcp.first; p != nil; p = p.next {
		out = append(out, p)
	}
	return out
}
