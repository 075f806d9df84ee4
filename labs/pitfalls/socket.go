package pitfalls

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"syscall"

	"github.com/netlab/netlab/sockets"
)

func init() {
	register(&Pitfall{
		Number: 4, Name: "fd-reuse",
		Title:     "a descriptor is closed and its number reused; a send on the old number goes to the wrong socket",
		Invariant: "every datagram reaches the peer of the socket it was sent on (or the send fails)",
		Unsafe:    "sockets without descriptor generations (classic)",
		Safe:      "sockets with descriptor generations",
		Explanation: "One goroutine closes descriptor 5 and opens a new socket, which gets the lowest free " +
			"number: 5 again, connected elsewhere. Another goroutine still holds the old 5 and sends on it: " +
			"the datagram leaves on the new socket, to the new peer. netlab's descriptors carry a generation " +
			"(5/g1): a stale descriptor no longer matches once its number is reused, and the send fails with EBADF.",
		build: buildFDReuse,
	})
	register(&Pitfall{
		Number: 5, Name: "shared-socket",
		Title:     "one socket used by several goroutines at once (receive, receive and close) without full duplex",
		Invariant: "each datagram is received once, whole, by one receive",
		Unsafe:    "sockets without full-duplex support",
		Safe:      "sockets with full-duplex support",
		Explanation: "Without full-duplex support (lwIP without LWIP_NETCONN_FULLDUPLEX) a receive copies the " +
			"datagram at the head of the socket's queue and takes it off afterwards, and a close frees the " +
			"queue at once. Two receives at once copy the same datagram and lose the next; a close meanwhile " +
			"frees the buffer a receive is copying. netlab's sockets take a datagram off the queue under the " +
			"socket's lock and keep a close from freeing what a receive holds.",
		build:    buildSharedSocket,
		raceDemo: true,
	})
	register(&Pitfall{
		Number: 6, Name: "unserialised-calls",
		Title:     "socket/bind/setsockopt/close on the same socket from goroutines the application does not serialise",
		Invariant: "every call reaches the socket its caller meant, or fails with EBADF",
		Unsafe:    "sockets without descriptor generations (classic)",
		Safe:      "sockets with descriptor generations",
		Explanation: "One goroutine binds descriptor 3 and sets SO_BROADCAST on it while another closes 3 and " +
			"opens its own socket, which gets 3 again and binds it. Unserialised, the first goroutine's bind " +
			"and setsockopt land on the second's new socket: it is bound to the wrong port, its own bind " +
			"fails, it may broadcast. With descriptor generations the stale calls fail with EBADF.",
		build: buildUnserialised,
	})
}

// buildFDReuse: fd 3 is connected to 127.0.0.1:7; the closer closes it and
// connects a new socket (number 3 again) to 127.0.0.1:9; the sender sends
// on the old descriptor.
func buildFDReuse(safe bool) (*Instance, error) {
	w, err := newWorld()
	if err != nil {
		return nil, err
	}
	w.withSockets(!safe, false)
	a := w.api
	var r7, r9, old sockets.FD
	err = w.setup(func(ctx context.Context) error {
		var err error
		if r7, err = boundSocket(ctx, a, loopTo7); err != nil {
			return err
		}
		if r9, err = boundSocket(ctx, a, loopTo9); err != nil {
			return err
		}
		if old, err = a.Socket(ctx, sockets.Datagram, "closer"); err != nil {
			return err
		}
		return a.Connect(ctx, old, loopTo7)
	})
	if err != nil {
		w.close()
		return nil, err
	}
	ctx := context.Background()
	closer := Actor{Name: "closer", Run: func(x *Ctx) {
		x.Note("close(%v) = %v", old, errText(a.Close(ctx, old)))
		fd, err := a.Socket(ctx, sockets.Datagram, "closer")
		x.Note("socket() = %v, %v", fd, errText(err))
		x.Note("connect(%v, %v) = %v", fd, loopTo9, errText(a.Connect(ctx, fd, loopTo9)))
	}}
	var sendErr error
	sender := Actor{Name: "sender", Run: func(x *Ctx) {
		_, sendErr = a.Send(ctx, old, []byte("for port 7"))
		x.Note("send(%v, \"for port 7\") = %v", old, errText(sendErr))
	}}
	check := func() string {
		if got := drain(a, r9); len(got) > 0 {
			return fmt.Sprintf("the socket on port 9 received %q, sent on the closed descriptor %v", got[0], old)
		}
		if got := drain(a, r7); sendErr == nil && len(got) == 0 {
			return fmt.Sprintf("the send on %v succeeded, but port 7 received nothing", old)
		}
		return ""
	}
	return w.instance([]Actor{closer, sender, w.tcpip()}, nil, check), nil
}

// buildSharedSocket: two datagrams wait on fd; one goroutine receives,
// another receives and closes.
func buildSharedSocket(safe bool) (*Instance, error) {
	w, err := newWorld()
	if err != nil {
		return nil, err
	}
	w.withSockets(false, !safe)
	a := w.api
	var fd sockets.FD
	sent := []string{"one", "two"}
	err = w.setup(func(ctx context.Context) error {
		var err error
		if fd, err = boundSocket(ctx, a, loopTo7); err != nil {
			return err
		}
		tx, err := a.Socket(ctx, sockets.Datagram, "setup")
		if err != nil {
			return err
		}
		for _, s := range sent {
			if _, err := a.SendTo(ctx, tx, []byte(s), loopTo7); err != nil {
				return err
			}
		}
		return a.Close(ctx, tx)
	})
	if err != nil {
		w.close()
		return nil, err
	}
	ctx := context.Background()
	var (
		mu  sync.Mutex // the actors may run for real (RunForReal)
		got []string
	)
	recv := func(x *Ctx) {
		b := make([]byte, 64)
		n, err := a.Recv(ctx, fd, b)
		x.Note("recv(%v) = %q, %v", fd, b[:n], errText(err))
		if err == nil {
			mu.Lock()
			got = append(got, string(b[:n]))
			mu.Unlock()
		}
	}
	reader := Actor{Name: "reader", Run: recv}
	closer := Actor{Name: "reader+closer", Run: func(x *Ctx) {
		recv(x)
		x.Note("close(%v) = %v", fd, errText(a.Close(ctx, fd)))
	}}
	check := func() string {
		seen := map[string]bool{}
		for _, g := range got {
			if g != sent[0] && g != sent[1] {
				return fmt.Sprintf("a receive returned %q, which nobody sent", g)
			}
			if seen[g] {
				return fmt.Sprintf("%q was received twice", g)
			}
			seen[g] = true
		}
		return ""
	}
	return w.instance([]Actor{reader, closer, w.tcpip()}, nil, check), nil
}

// buildUnserialised: fd is open; the configurer binds it to port 5000 and
// sets SO_BROADCAST; the other goroutine closes it, opens its own socket
// and binds that to port 6000.
func buildUnserialised(safe bool) (*Instance, error) {
	w, err := newWorld()
	if err != nil {
		return nil, err
	}
	w.withSockets(!safe, false)
	a := w.api
	var fd sockets.FD
	if err := w.setup(func(ctx context.Context) error {
		var err error
		fd, err = a.Socket(ctx, sockets.Datagram, "configurer")
		return err
	}); err != nil {
		w.close()
		return nil, err
	}
	ctx := context.Background()
	any5000 := netip.MustParseAddrPort("0.0.0.0:5000")
	any6000 := netip.MustParseAddrPort("0.0.0.0:6000")
	configurer := Actor{Name: "configurer", Run: func(x *Ctx) {
		x.Note("bind(%v, :5000) = %v", fd, errText(a.Bind(ctx, fd, any5000)))
		x.Note("setsockopt(%v, SO_BROADCAST) = %v", fd, errText(a.SetSockOpt(ctx, fd, sockets.SO_BROADCAST, 1)))
	}}
	var mine sockets.FD = -1
	var bindErr error
	other := Actor{Name: "reopener", Run: func(x *Ctx) {
		x.Note("close(%v) = %v", fd, errText(a.Close(ctx, fd)))
		var err error
		mine, err = a.Socket(ctx, sockets.Datagram, "reopener")
		x.Note("socket() = %v, %v", mine, errText(err))
		bindErr = a.Bind(ctx, mine, any6000)
		x.Note("bind(%v, :6000) = %v", mine, errText(bindErr))
	}}
	check := func() string {
		if mine < 0 {
			return ""
		}
		if bindErr != nil {
			return fmt.Sprintf("the reopener's bind of its own socket %v failed: %v", mine, bindErr)
		}
		if l, err := a.GetSockName(ctx, mine); err == nil && l.Port() != 6000 {
			return fmt.Sprintf("the reopener's socket %v is bound to %v", mine, l)
		}
		if v, err := a.GetSockOpt(ctx, mine, sockets.SO_BROADCAST); err == nil && v != 0 {
			return fmt.Sprintf("the reopener's socket %v has SO_BROADCAST set by the configurer", mine)
		}
		return ""
	}
	return w.instance([]Actor{configurer, other, w.tcpip()}, nil, check), nil
}

// boundSocket opens a non-blocking UDP socket bound to at.
func boundSocket(ctx context.Context, a *sockets.API, at netip.AddrPort) (sockets.FD, error) {
	fd, err := a.Socket(ctx, sockets.Datagram, "receiver")
	if err != nil {
		return -1, err
	}
	if err := a.SetNonblock(fd, true); err != nil {
		return -1, err
	}
	return fd, a.Bind(ctx, fd, at)
}

// drain returns what waits on the non-blocking socket fd.
func drain(a *sockets.API, fd sockets.FD) []string {
	var out []string
	b := make([]byte, 256)
	for {
		n, err := a.Recv(context.Background(), fd, b)
		if err != nil {
			if sockets.Errno(err, false) != syscall.EAGAIN {
				out = append(out, "error: "+err.Error())
			}
			return out
		}
		out = append(out, string(b[:n]))
	}
}
