package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/sockets"
)

// tcpSocket is what the runner keeps of a lab's TCP socket. Owned by the
// runner goroutine (the writers keep their own state).
type tcpSocket struct {
	listening bool
	// queued is how many bytes send steps handed to writers: the stream
	// offset of the next send.
	queued int64
	// writer is the latest send's writer, nil before the first send.
	writer *streamWriter
	// badAt is the offset of the first byte received that is not the
	// generated stream's, -1 while every byte is.
	badAt int64
	// eof is set once a recv saw the end of the stream.
	eof bool
}

// streamWriter writes one send step's bytes on a TCP socket, on an actor
// of its own, after the socket's previous writer has finished.
type streamWriter struct {
	done    atomic.Bool
	mu      sync.Mutex
	err     error
	waiters []*clock.Waiter
}

// finish records the writer's outcome and wakes those waiting for it.
func (wr *streamWriter) finish(err error) {
	wr.mu.Lock()
	wr.err = err
	wr.done.Store(true)
	ws := wr.waiters
	wr.waiters = nil
	wr.mu.Unlock()
	for _, w := range ws {
		w.Wake()
	}
}

// wait waits, as the actor of ctx, until wr has finished, and returns its
// error.
func (wr *streamWriter) wait(ctx context.Context, clk clock.Clock, why string) error {
	w := clock.NewWaiter(ctx, clk)
	defer w.Close()
	wr.mu.Lock()
	if !wr.done.Load() {
		wr.waiters = append(wr.waiters, w)
	}
	wr.mu.Unlock()
	for !wr.done.Load() {
		if err := w.Wait(0, why); err != nil {
			return err
		}
	}
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return wr.err
}

// fillStream fills b with a send's bytes from pos: data repeated, or
// the generated stream from off+pos.
func fillStream(b []byte, data string, off, pos int64) {
	if data == "" {
		labs.StreamPattern(off+pos, b)
		return
	}
	for i := range b {
		b[i] = data[(pos+int64(i))%int64(len(data))]
	}
}

func (r *runner) tcpSocket(ctx context.Context, n *Node, a *labs.Socket) (string, error) {
	api := n.Sockets
	fd, err := api.Socket(ctx, sockets.Stream, "lab")
	if err != nil {
		return "", err
	}
	s := &labSocket{node: n, fd: fd, tcp: &tcpSocket{listening: a.Listen, badAt: -1}}
	r.socks[a.ID] = s
	delete(r.closed, a.ID)
	if a.Bind.IsValid() {
		if err := api.Bind(ctx, fd, a.Bind); err != nil {
			s.lastErr = err
			return "", err
		}
	}
	if a.Listen {
		if err := api.Listen(ctx, fd, a.Backlog); err != nil {
			s.lastErr = err
			return "", err
		}
		local, _ := api.GetSockName(ctx, fd)
		return fmt.Sprintf("fd %v listening on %v", fd, local), nil
	}
	if a.Connect.IsValid() {
		return tcpConnect(ctx, s, a.Connect, a.Within)
	}
	return fmt.Sprintf("fd %v", fd), nil
}

// tcpConnect connects a lab's TCP socket to to, waiting for the handshake
// up to within, and says how it went: "fd 3 10.0.0.2:49152 → 10.0.0.1:80
// established".
func tcpConnect(ctx context.Context, s *labSocket, to netip.AddrPort, within labs.Duration) (string, error) {
	api, fd := s.node.Sockets, s.fd
	// SO_SNDTIMEO bounds a blocking connect, as on Linux.
	if err := api.SetSendTimeout(fd, within.Std()); err != nil {
		return "", err
	}
	err := api.Connect(ctx, fd, to)
	api.SetSendTimeout(fd, 0)
	if err != nil {
		s.lastErr = err
		if errors.Is(err, syscall.EAGAIN) {
			return "", fmt.Errorf("connect to %v: no answer within %v", to, within)
		}
		return "", err
	}
	local, _ := api.GetSockName(ctx, fd)
	return fmt.Sprintf("fd %v %v → %v established", fd, local, to), nil
}

func (r *runner) accept(ctx context.Context, a *labs.Accept) (string, error) {
	l, err := r.sock(a.Socket)
	if err != nil {
		return "", err
	}
	api := l.node.Sockets
	if a.Within == 0 {
		api.SetNonblock(l.fd, true)
	} else {
		api.SetRecvTimeout(l.fd, a.Within.Std())
	}
	fd, peer, err := api.Accept(ctx, l.fd)
	api.SetNonblock(l.fd, false)
	api.SetRecvTimeout(l.fd, 0)
	if err != nil {
		if errors.Is(err, syscall.EAGAIN) {
			return "", fmt.Errorf("no connection to accept within %v", a.Within)
		}
		return "", err
	}
	r.socks[a.ID] = &labSocket{node: l.node, fd: fd, tcp: &tcpSocket{badAt: -1}}
	delete(r.closed, a.ID)
	return fmt.Sprintf("fd %v from %v", fd, peer), nil
}

// tcpSend hands a send's bytes to a writer of the socket's own, which
// writes them after the socket's earlier sends, and returns at once.
func (r *runner) tcpSend(ctx context.Context, s *labSocket, a *labs.Send) (string, error) {
	t := s.tcp
	total := int64(a.Size) * int64(max(a.Count, 1))
	off := t.queued
	t.queued += total
	prev := t.writer
	wr := &streamWriter{}
	t.writer = wr
	api, fd, clk, data := s.node.Sockets, s.fd, r.w.Clock, a.Data
	name := fmt.Sprintf("%s/send fd %v", s.node.Name, fd)
	r.w.actor(ctx, name, true, func(ctx context.Context) error {
		if prev != nil {
			if err := prev.wait(ctx, clk, "the previous send on fd "+fd.String()); err != nil {
				wr.finish(err)
				return nil
			}
		}
		buf := make([]byte, min(total, 64<<10))
		for pos := int64(0); pos < total; {
			b := buf[:min(int64(len(buf)), total-pos)]
			fillStream(b, data, off, pos)
			n, err := api.Send(ctx, fd, b)
			pos += int64(n)
			if err != nil {
				wr.finish(err)
				return nil
			}
		}
		wr.finish(nil)
		return nil
	})
	return fmt.Sprintf("%d B queued at stream offset %d", total, off), nil
}

// tcpRecv reads a.Bytes bytes (or one read's worth), checking them
// against the generated stream as they come.
func (r *runner) tcpRecv(ctx context.Context, s *labSocket, a *labs.Recv) (string, error) {
	api, t := s.node.Sockets, s.tcp
	deadline := r.w.Clock.Now() + a.Within.Std()
	buf := make([]byte, 64<<10)
	want := make([]byte, len(buf))
	got := 0
	defer api.SetRecvTimeout(s.fd, 0)
	for {
		if a.Bytes > 0 && got >= a.Bytes {
			break
		}
		left := deadline - r.w.Clock.Now()
		if left <= 0 {
			api.SetNonblock(s.fd, true)
		} else {
			api.SetRecvTimeout(s.fd, left)
		}
		b := buf
		if a.Bytes > 0 {
			b = buf[:min(len(buf), a.Bytes-got)]
		}
		n, err := api.Recv(ctx, s.fd, b)
		api.SetNonblock(s.fd, false)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				return "", fmt.Errorf("received %d of %d B within %v", got, a.Bytes, a.Within)
			}
			s.lastErr = err
			return "", err
		}
		if n == 0 {
			t.eof = true
			if a.Bytes > 0 {
				return "", fmt.Errorf("end of stream after %d of %d B", got, a.Bytes)
			}
			return "end of stream", nil
		}
		if t.badAt < 0 {
			labs.StreamPattern(int64(s.bytes), want[:n])
			if !bytes.Equal(b[:n], want[:n]) {
				for i := range n {
					if b[i] != want[i] {
						t.badAt = int64(s.bytes + i)
						break
					}
				}
			}
		}
		got += n
		s.bytes += n
		if a.Bytes == 0 {
			break
		}
	}
	return fmt.Sprintf("%d B (stream at %d B)", got, s.bytes), nil
}

// tcpClose closes a TCP socket: after its writers have written every
// byte, or at once with a RST.
func (r *runner) tcpClose(ctx context.Context, s *labSocket, a *labs.Close) (string, error) {
	api := s.node.Sockets
	detail := ""
	if a.Reset {
		if err := api.SetLinger(s.fd, true, 0); err != nil {
			return "", err
		}
		detail = "reset"
	} else if wr := s.tcp.writer; wr != nil {
		if err := wr.wait(ctx, r.w.Clock, "the sends on fd "+s.fd.String()); err != nil {
			s.lastErr = err
			detail = "after a failed send: " + err.Error()
		} else {
			detail = fmt.Sprintf("after %d B sent", s.tcp.queued)
		}
	}
	return detail, api.Close(ctx, s.fd)
}

// tcpExpect checks what an expect asks of a TCP socket beyond what any
// socket has: the connection's state, the stream intact.
func (r *runner) tcpExpect(ctx context.Context, s *labSocket, a *labs.Expect, id string) ([]string, error) {
	var seen []string
	if a.TCPState != "" {
		got := "CLOSED"
		if info, err := s.node.Sockets.TCPInfo(ctx, s.fd); err == nil {
			got = info.State.String()
		}
		if got != a.TCPState {
			return nil, &Mismatch{What: "socket " + id + " tcp state", Want: a.TCPState, Got: got}
		}
		seen = append(seen, got)
	}
	if a.Intact {
		if s.tcp.badAt >= 0 {
			return nil, &Mismatch{What: "socket " + id + " stream", Want: "intact",
				Got: fmt.Sprintf("byte %d is not the generated stream's", s.tcp.badAt)}
		}
		seen = append(seen, "intact")
	}
	return seen, nil
}

// writerErr is the error of a socket's latest writer that has failed.
func (s *labSocket) writerErr() error {
	if s.tcp == nil || s.tcp.writer == nil || !s.tcp.writer.done.Load() {
		return nil
	}
	wr := s.tcp.writer
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return wr.err
}

// httpGet fetches a URL with net/http over a stack's sockets. The lab
// runs on the real clock (the loader sees to it): net/http's timers do.
func (r *runner) httpGet(ctx context.Context, a *labs.HTTPGet) (string, error) {
	n, err := r.stack(a.From)
	if err != nil {
		return "", err
	}
	// The client's goroutines are not the runner's: give them a context
	// without the runner's clock task.
	hctx, cancel := context.WithTimeout(context.Background(), a.Within.Std())
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return sockets.Dial(ctx, n.Sockets, network, addr)
		},
		DisableKeepAlives: true,
	}}
	req, err := http.NewRequestWithContext(hctx, http.MethodGet, a.URL, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != a.Status {
		return "", &Mismatch{What: "status of " + a.URL, Want: fmt.Sprint(a.Status), Got: resp.Status}
	}
	if a.BodyContains != "" && !strings.Contains(string(body), a.BodyContains) {
		return "", &Mismatch{What: "body of " + a.URL, Want: fmt.Sprintf("containing %q", a.BodyContains), Got: fmt.Sprintf("%d B without it", len(body))}
	}
	return fmt.Sprintf("%s, %d B", resp.Status, len(body)), nil
}

// httpServe is the http app: net/http's server on a TCP port of the
// stack, serving labs.HTTPPage at every path.
func httpServe(ctx context.Context, api *sockets.API, a labs.App, node string, ready func()) error {
	// The server's goroutines are not the app's: give them a context
	// without its clock task.
	sctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	ln, err := sockets.Listen(sctx, api, "tcp", fmt.Sprintf("0.0.0.0:%d", a.Port))
	if err != nil {
		return err
	}
	ready()
	page := fmt.Sprintf(labs.HTTPPage, node)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return sctx },
	}
	stop := context.AfterFunc(sctx, func() { srv.Close() })
	defer stop()
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) || sctx.Err() != nil {
		return nil
	}
	return err
}
