package sockets

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// DefaultBacklog is the backlog of a Listen helper's socket (Linux's
// somaxconn).
const DefaultBacklog = 4096

// Listen opens a Stream socket listening on address over api's stack
// and returns it as a net.Listener (a *Listener), so that Go servers
// (http.Server.Serve) run over netlab. network is "tcp" or "tcp4";
// address is "host:port" with an IPv4 literal host ("" or "0.0.0.0" for
// any address) and a numeric port (0 for an ephemeral one). The socket
// sets SO_REUSEADDR, as Go's listeners do. Errors are *net.OpError
// values like net.Listen's.
func Listen(ctx context.Context, api *API, network, address string) (net.Listener, error) {
	switch network {
	case "tcp", "tcp4":
	default:
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	ap, err := parseHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	laddr := net.TCPAddrFromAddrPort(ap)
	fd, err := api.Socket(ctx, Stream, "listener")
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: laddr, Err: syscallErr("socket", err)}
	}
	fail := func(call string, err error) (net.Listener, error) {
		api.Close(context.WithoutCancel(ctx), fd)
		return nil, &net.OpError{Op: "listen", Net: network, Addr: laddr, Err: syscallErr(call, err)}
	}
	if err := api.SetSockOpt(ctx, fd, SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if err := api.Bind(ctx, fd, ap); err != nil {
		return fail("bind", err)
	}
	if err := api.Listen(ctx, fd, DefaultBacklog); err != nil {
		return fail("listen", err)
	}
	local, _ := api.GetSockName(ctx, fd)
	return &Listener{api: api, fd: fd, net: network, laddr: net.TCPAddrFromAddrPort(local)}, nil
}

// Listener is a listening Stream socket as a net.Listener. Any
// goroutine: Close wakes an Accept blocked in another one, which then
// returns net.ErrClosed.
type Listener struct {
	api    *API
	fd     FD
	net    string
	laddr  *net.TCPAddr
	closed atomic.Bool
}

var _ net.Listener = (*Listener)(nil)

// FD returns the socket's descriptor, for the socket calls.
func (l *Listener) FD() FD { return l.fd }

func (l *Listener) opErr(op string, err error) error {
	if l.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: l.net, Source: nil, Addr: l.laddr, Err: err}
}

// Accept waits for the next connection and returns it (a *Conn).
func (l *Listener) Accept() (net.Conn, error) {
	if l.closed.Load() {
		return nil, l.opErr("accept", net.ErrClosed)
	}
	fd, _, err := l.api.Accept(context.Background(), l.fd)
	if err != nil {
		return nil, l.opErr("accept", syscallErr("accept", err))
	}
	return newConn(l.api, fd, l.net), nil
}

// Close stops listening; connections not yet accepted are reset.
func (l *Listener) Close() error {
	if l.closed.Swap(true) {
		return l.opErr("close", net.ErrClosed)
	}
	if err := l.api.Close(context.Background(), l.fd); err != nil {
		return l.opErr("close", syscallErr("close", err))
	}
	return nil
}

// Addr returns the listening address, a *net.TCPAddr.
func (l *Listener) Addr() net.Addr { return l.laddr }

// SetDeadline sets the deadline of Accept calls, pending ones included
// (a wall-clock time; zero for none).
func (l *Listener) SetDeadline(t time.Time) error {
	return setDeadline(l.api, l.fd, &l.closed, l.net, l.laddr, t, false)
}
