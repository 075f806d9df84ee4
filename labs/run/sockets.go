package run

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/sockets"
)

func (r *runner) socket(ctx context.Context, a *labs.Socket) (string, error) {
	n, err := r.stack(a.Node)
	if err != nil {
		return "", err
	}
	if a.Proto == labs.ProtoTCP {
		return r.tcpSocket(ctx, n, a)
	}
	fd, err := n.Sockets.Socket(ctx, sockets.Datagram, "lab")
	if err != nil {
		return "", err
	}
	s := &labSocket{node: n, fd: fd}
	r.socks[a.ID] = s
	delete(r.closed, a.ID)
	if a.Broadcast {
		if err := n.Sockets.SetSockOpt(ctx, fd, sockets.SO_BROADCAST, 1); err != nil {
			return "", err
		}
	}
	if a.DontFragment {
		if err := n.Sockets.SetSockOpt(ctx, fd, sockets.IP_DONTFRAG, 1); err != nil {
			return "", err
		}
	}
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

// bind binds an open socket, as a program's bind(2) would, and says
// where it is bound: "fd 3 bound to 0.0.0.0:6000".
func (r *runner) bind(ctx context.Context, a *labs.Bind) (string, error) {
	s, err := r.sock(a.Socket)
	if err != nil {
		return "", err
	}
	api := s.node.Sockets
	if err := api.Bind(ctx, s.fd, a.Address); err != nil {
		s.lastErr = err
		return "", err
	}
	local, _ := api.GetSockName(ctx, s.fd)
	return fmt.Sprintf("fd %v bound to %v", s.fd, local), nil
}

// connect connects an open socket, as a program's connect(2) would: a
// UDP socket at once (again, to another peer, if it was connected), a
// TCP socket by the handshake. It says what it connected: "fd 3
// 10.0.0.2:6000 → 10.0.0.1:7".
func (r *runner) connect(ctx context.Context, a *labs.Connect) (string, error) {
	s, err := r.sock(a.Socket)
	if err != nil {
		return "", err
	}
	if s.tcp != nil {
		return tcpConnect(ctx, s, a.To, a.Within)
	}
	api := s.node.Sockets
	if err := api.Connect(ctx, s.fd, a.To); err != nil {
		s.lastErr = err
		return "", err
	}
	local, _ := api.GetSockName(ctx, s.fd)
	return fmt.Sprintf("fd %v %v → %v", s.fd, local, a.To), nil
}

func (r *runner) send(ctx context.Context, a *labs.Send) (string, error) {
	s, err := r.sock(a.Socket)
	if err != nil {
		return "", err
	}
	if s.tcp != nil {
		return r.tcpSend(ctx, s, a)
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
	if s.tcp != nil {
		return r.tcpRecv(ctx, s, a)
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
	r.closed[a.Socket] = true
	if s.tcp != nil {
		return r.tcpClose(ctx, s, a)
	}
	return "", s.node.Sockets.Close(ctx, s.fd)
}
