package run

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/sockets"
)

func (r *runner) socket(ctx context.Context, a *labs.Socket) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", err
	}
	fd, err := n.Sockets.Socket(ctx, sockets.Datagram, "lab")
	if err != nil {
		return "", err
	}
	s := &labSocket{node: n, fd: fd}
	r.socks[a.ID] = s
	if a.Bind.IsValid() {
		if err := n.Sockets.Bind(ctx, fd, a.Bind); err != nil {
			return "", err
		}
	}
	if a.Connect.IsValid() {
		if err := n.Sockets.Connect(ctx, fd, a.Connect); err != nil {
			return "", err
		}
	}
	local, _ := n.Sockets.GetSockName(ctx, fd)
	return fmt.Sprintf("fd %v bound to %v", fd, local), nil
}

func (r *runner) sock(id string) (*labSocket, error) {
	s := r.socks[id]
	if s == nil {
		return nil, fmt.Errorf("no open socket %q", id)
	}
	return s, nil
}

func (r *runner) send(ctx context.Context, a *labs.Send) (string, error) {
	s, err := r.sock(a.Socket)
	if err != nil {
		return "", err
	}
	payload := a.Payload()
	count := max(a.Count, 1)
	sent := 0
	for i := 0; i < count; i++ {
		var n int
		if a.To.IsValid() {
			n, err = s.node.Sockets.SendTo(ctx, s.fd, payload, a.To)
		} else {
			n, err = s.node.Sockets.Send(ctx, s.fd, payload)
		}
		if err != nil {
			s.lastErr = err
			return "", err
		}
		sent += n
	}
	return fmt.Sprintf("%d B in %d datagram(s)", sent, count), nil
}

func (r *runner) recv(ctx context.Context, a *labs.Recv) (string, error) {
	s, err := r.sock(a.Socket)
	if err != nil {
		return "", err
	}
	api := s.node.Sockets
	count := max(a.Count, 1)
	deadline := r.w.Clock.Now() + a.Within.Std()
	buf := make([]byte, 65536)
	got, bytes := 0, 0
	for got < count {
		left := deadline - r.w.Clock.Now()
		if left <= 0 {
			if err := api.SetNonblock(s.fd, true); err != nil {
				return "", err
			}
		} else if err := api.SetRecvTimeout(s.fd, left); err != nil {
			return "", err
		}
		n, from, err := api.RecvFrom(ctx, s.fd, buf)
		api.SetNonblock(s.fd, false)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				return "", fmt.Errorf("received %d of %d datagram(s) within %v", got, count, a.Within.Std())
			}
			s.lastErr = err
			return "", err
		}
		got++
		bytes += n
		s.datagrams++
		s.bytes += n
		_ = from
	}
	api.SetRecvTimeout(s.fd, 0)
	return fmt.Sprintf("%d B in %d datagram(s)", bytes, got), nil
}

func (r *runner) close(ctx context.Context, a *labs.Close) (string, error) {
	s, err := r.sock(a.Socket)
	if err != nil {
		return "", err
	}
	delete(r.socks, a.Socket)
	return "", s.node.Sockets.Close(ctx, s.fd)
}

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
			if a.Within != nil {
				err = fmt.Errorf("%w (within %v)", err, a.Within.Std())
			}
			return detail, err
		}
		if err := r.sleepUntil(ctx, min(r.w.Clock.Now()+poll, deadline)); err != nil {
			return "", err
		}
	}
}

var errBadExpect = errors.New("cannot check")

// check evaluates an expectation once.
func (r *runner) check(ctx context.Context, a *labs.Expect) (string, error) {
	switch {
	case a.PingReplies != nil || a.PingRepliesMin != nil:
		res := r.pings[a.PingStep]
		if res == nil {
			return "", fmt.Errorf("%w: the ping has not run", errBadExpect)
		}
		got := res.Received
		if a.PingReplies != nil && got != *a.PingReplies {
			return "", fmt.Errorf("got %d ping replies, want %d", got, *a.PingReplies)
		}
		if a.PingRepliesMin != nil && got < *a.PingRepliesMin {
			return "", fmt.Errorf("got %d ping replies, want at least %d", got, *a.PingRepliesMin)
		}
		return fmt.Sprintf("%d/%d replies", got, res.Sent), nil
	case a.Socket != "":
		s := r.socks[a.Socket]
		if s == nil {
			return "", fmt.Errorf("%w: no open socket %q", errBadExpect, a.Socket)
		}
		if a.BytesReceived != nil && s.bytes != *a.BytesReceived {
			return "", fmt.Errorf("socket %s received %d B, want %d", a.Socket, s.bytes, *a.BytesReceived)
		}
		if a.DatagramsReceived != nil && s.datagrams != *a.DatagramsReceived {
			return "", fmt.Errorf("socket %s received %d datagrams, want %d", a.Socket, s.datagrams, *a.DatagramsReceived)
		}
		if a.Error != "" {
			got := r.socketError(ctx, s)
			if got != a.Error {
				return "", fmt.Errorf("socket %s has error %s, want %s", a.Socket, got, a.Error)
			}
			return "error " + got, nil
		}
		return fmt.Sprintf("%d B in %d datagram(s)", s.bytes, s.datagrams), nil
	case a.Counter != "":
		n, err := r.stack(a.Node)
		if err != nil {
			return "", fmt.Errorf("%w: %v", errBadExpect, err)
		}
		v, err := netifapiCounter(ctx, n, a.Interface, a.Counter)
		if err != nil {
			return "", fmt.Errorf("%w: %v", errBadExpect, err)
		}
		what := a.Node + " " + a.Counter
		if a.Interface != "" {
			what = a.Node + " " + a.Interface + " " + a.Counter
		}
		switch {
		case a.Equals != nil && v != *a.Equals:
			return "", fmt.Errorf("%s is %d, want %d", what, v, *a.Equals)
		case a.Min != nil && v < *a.Min:
			return "", fmt.Errorf("%s is %d, want at least %d", what, v, *a.Min)
		case a.Max != nil && v > *a.Max:
			return "", fmt.Errorf("%s is %d, want at most %d", what, v, *a.Max)
		}
		return fmt.Sprintf("%s = %d", what, v), nil
	}
	return "", fmt.Errorf("%w: expectation has no condition", errBadExpect)
}

// socketError is the errno name of a socket's error: the last error a
// step saw on it, else its pending SO_ERROR, else "none".
func (r *runner) socketError(ctx context.Context, s *labSocket) string {
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
