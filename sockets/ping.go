package sockets

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/netlab/netlab/core"
)

// Ping defaults, as ping(8)'s.
const (
	DefaultPingSize     = 56
	DefaultPingInterval = time.Second
	DefaultPingTimeout  = time.Second
)

// PingOptions configure a Ping. Times are clock times.
type PingOptions struct {
	// Count is how many echo requests to send; 0 or less sends until ctx
	// ends.
	Count int
	// Interval is the time between two requests (default 1s).
	Interval time.Duration
	// Timeout is how long a reply may take after its request (default
	// 1s); a later reply counts as lost. The ping ends Timeout after its
	// last request, or when every request is answered.
	Timeout time.Duration
	// Size is the number of data bytes after the ICMP header (default
	// 56, which makes 64-byte messages). The first 8 carry the send
	// time.
	Size int
	// TTL is the requests' IP TTL; 0 means the default (64).
	TTL int
	// DontFragment sets the Don't Fragment flag on the requests (ping -M
	// do): a request larger than the path's MTU is not fragmented, and
	// comes back as an error (EMSGSIZE), from this stack or from the
	// router that could not forward it.
	DontFragment bool
	// Source is the address to send from; zero lets the route choose.
	Source netip.Addr
}

// PingReply is the outcome of one request: its echo reply, or an ICMP
// error about it (a local failure such as ARP giving up included).
type PingReply struct {
	// Seq is the request's sequence number, from 1.
	Seq int
	// From is the replying host, or who reported the error (zero when
	// this stack found it, such as an ARP failure).
	From netip.Addr
	// TTL is the reply's IP TTL.
	TTL int
	// Size is the reply's ICMP message size, header included.
	Size int
	// RTT is the round-trip time in clock time.
	RTT time.Duration
	// Err is the error instead of a reply (an *Error: EHOSTUNREACH,
	// ENETUNREACH, ...), nil for a reply.
	Err error
}

// String reads like a line of ping(8): "64 bytes from 10.0.0.2:
// icmp_seq=1 ttl=64 time=2.000 ms", or "From 10.0.0.254 icmp_seq=1
// Destination Host Unreachable".
func (r PingReply) String() string {
	if r.Err == nil {
		return fmt.Sprintf("%d bytes from %v: icmp_seq=%d ttl=%d time=%s ms", r.Size, r.From, r.Seq, r.TTL, ms(r.RTT))
	}
	what := Errno(r.Err, false).Error()
	switch {
	case errors.Is(r.Err, core.ErrTTLExceeded):
		what = "Time to live exceeded"
	case errors.Is(r.Err, syscall.EHOSTUNREACH):
		what = "Destination Host Unreachable"
	case errors.Is(r.Err, syscall.ENETUNREACH):
		what = "Destination Net Unreachable"
	case errors.Is(r.Err, syscall.ENOPROTOOPT):
		what = "Destination Protocol Unreachable"
	}
	if r.From.IsValid() {
		return fmt.Sprintf("From %v icmp_seq=%d %s", r.From, r.Seq, what)
	}
	return fmt.Sprintf("icmp_seq=%d %s", r.Seq, what)
}

// PingResult sums up a Ping.
type PingResult struct {
	To                     netip.Addr
	Sent, Received, Errors int
	Replies                []PingReply // replies and errors, in the order they came
	MinRTT, AvgRTT, MaxRTT time.Duration
}

// Loss returns the percentage of requests that got no reply.
func (r *PingResult) Loss() float64 {
	if r.Sent == 0 {
		return 0
	}
	return float64(r.Sent-r.Received) * 100 / float64(r.Sent)
}

// String reads like ping(8)'s summary: "3 packets transmitted, 3
// received, 0% packet loss, rtt min/avg/max = 2.000/2.000/2.000 ms".
func (r *PingResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d packets transmitted, %d received, ", r.Sent, r.Received)
	if r.Errors > 0 {
		fmt.Fprintf(&b, "+%d errors, ", r.Errors)
	}
	b.WriteString(strconv.FormatFloat(r.Loss(), 'g', 6, 64) + "% packet loss")
	if r.Received > 0 {
		fmt.Fprintf(&b, ", rtt min/avg/max = %s/%s/%s ms", ms(r.MinRTT), ms(r.AvgRTT), ms(r.MaxRTT))
	}
	return b.String()
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }

// pingPending is a request waiting for its reply.
type pingPending struct {
	at   time.Duration // clock time it was sent
	done bool
}

// Ping sends echo requests to to from an Echo socket, Count of them
// Interval apart, matches the replies by sequence number, measures each
// round trip with the stack's clock (the data carries the send time),
// and waits up to Timeout after the last request. It calls each, on the
// caller's goroutine, with every reply and every error as it comes.
// Replies that come twice or too late are not counted.
//
// When ctx ends Ping returns what it has so far, with ctx's error
// (wrapped) if Count was positive. An actor pings with its task's
// context: it then sleeps through its task between requests.
func (a *API) Ping(ctx context.Context, to netip.Addr, o PingOptions, each func(PingReply)) (*PingResult, error) {
	const op = "ping"
	if o.Interval <= 0 {
		o.Interval = DefaultPingInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultPingTimeout
	}
	if o.Size == 0 {
		o.Size = DefaultPingSize
	}
	if o.Size < 0 || !to.Unmap().Is4() {
		return nil, errnoErr(op, -1, syscall.EINVAL)
	}
	to = to.Unmap()
	fd, err := a.Socket(ctx, Echo, "ping")
	if err != nil {
		return nil, err
	}
	defer a.Close(context.WithoutCancel(ctx), fd)
	if s := a.lookup(fd); s != nil {
		s.mu.Lock()
		s.errQueue = true // ICMP errors come in order, with their sequence numbers
		s.mu.Unlock()
	}
	if o.TTL > 0 {
		if err := a.SetSockOpt(ctx, fd, IP_TTL, o.TTL); err != nil {
			return nil, err
		}
	}
	if o.DontFragment {
		if err := a.SetSockOpt(ctx, fd, IP_DONTFRAG, 1); err != nil {
			return nil, err
		}
	}
	if o.Source.IsValid() {
		if err := a.Bind(ctx, fd, netip.AddrPortFrom(o.Source, 0)); err != nil {
			return nil, err
		}
	}

	clk := a.clock
	res := &PingResult{To: to}
	pending := make(map[uint16]*pingPending)
	msg := make([]byte, 8+o.Size)
	data := make([]byte, o.Size)
	for i := range data {
		data[i] = byte(i)
	}
	buf := make([]byte, len(msg)+64)
	report := func(r PingReply) {
		res.Replies = append(res.Replies, r)
		if each != nil {
			each(r)
		}
	}
	start := clk.Now()
	seq := 0
	var lastSend time.Duration
	for {
		now := clk.Now()
		sending := o.Count <= 0 || seq < o.Count
		next := start + time.Duration(seq)*o.Interval
		if sending && now >= next {
			seq++
			for k, p := range pending {
				if p.done || now-p.at > o.Timeout {
					delete(pending, k)
				}
			}
			if o.Size >= 8 {
				binary.BigEndian.PutUint64(data, uint64(now))
			}
			n := EchoRequest(msg, uint16(seq), data)
			pending[uint16(seq)] = &pingPending{at: now}
			res.Sent++
			lastSend = now
			if _, err := a.SendTo(ctx, fd, msg[:n], netip.AddrPortFrom(to, 0)); err != nil {
				if isContextErr(err) {
					return a.pingEnd(res, o, op, fd, err)
				}
				pending[uint16(seq)].done = true
				res.Errors++
				report(PingReply{Seq: seq, Err: err})
			}
			continue
		}
		answered := true
		for _, p := range pending {
			answered = answered && p.done
		}
		end := lastSend + o.Timeout
		if !sending && (answered || now >= end) {
			break
		}
		until := end
		if sending {
			until = next
		}
		n, m, err := a.recv(ctx, op, fd, buf, until)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return a.pingEnd(res, o, op, fd, err)
		}
		p := pending[m.seq]
		if p == nil || p.done {
			continue // not ours, late, or a duplicate
		}
		if m.err != nil {
			p.done = true
			res.Errors++
			report(PingReply{Seq: int(m.seq), From: m.by, Err: fail(op, fd, m.err, false)})
			continue
		}
		_, rseq, rdata, ok := ParseEcho(buf[:n])
		if !ok || rseq != m.seq {
			continue
		}
		sentAt := p.at
		if len(rdata) >= 8 {
			if t := time.Duration(binary.BigEndian.Uint64(rdata)); t <= clk.Now() && t >= start {
				sentAt = t
			}
		}
		rtt := clk.Now() - sentAt
		if rtt > o.Timeout {
			continue
		}
		p.done = true
		res.Received++
		report(PingReply{Seq: int(m.seq), From: m.from.Addr(), TTL: int(m.ttl), Size: m.n, RTT: rtt})
	}
	res.stats()
	return res, nil
}

// pingEnd ends a Ping that err interrupted: an ended context is the
// normal end of a ping without a count.
func (a *API) pingEnd(res *PingResult, o PingOptions, op string, fd FD, err error) (*PingResult, error) {
	res.stats()
	if o.Count <= 0 && isContextErr(err) {
		return res, nil
	}
	return res, fail(op, fd, err, false)
}

func (r *PingResult) stats() {
	var sum time.Duration
	n := 0
	r.MinRTT, r.AvgRTT, r.MaxRTT = 0, 0, 0
	for _, x := range r.Replies {
		if x.Err != nil {
			continue
		}
		if n == 0 || x.RTT < r.MinRTT {
			r.MinRTT = x.RTT
		}
		if x.RTT > r.MaxRTT {
			r.MaxRTT = x.RTT
		}
		sum += x.RTT
		n++
	}
	if n > 0 {
		r.AvgRTT = sum / time.Duration(n)
	}
}
