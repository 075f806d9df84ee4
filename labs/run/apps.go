package run

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netlab/netlab/core/clock"
	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/sockets"
)

// app is a built-in application: an actor that uses a stack's sockets.
type app struct {
	name   string
	ready  atomic.Bool // its socket is open and bound (or it failed)
	cancel context.CancelFunc
	done   <-chan struct{}
	err    *error
}

func (a *app) stop() { a.cancel() }

// startApps starts every node's apps. It runs on the runner.
func (w *World) startApps(ctx context.Context) error {
	for _, spec := range w.Lab.Nodes {
		node := w.Node(spec.Name)
		for i, a := range spec.Apps {
			name := fmt.Sprintf("%s/%s#%d", spec.Name, a.Kind, i+1)
			actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			ap := &app{name: name, cancel: cancel}
			ready := func() { ap.ready.Store(true) }
			var fn func(ctx context.Context) error
			switch a.Kind {
			case labs.AppUDPEcho:
				fn = func(ctx context.Context) error { return udpServe(ctx, node.Sockets, a, name, true, ready) }
			case labs.AppUDPDiscard:
				fn = func(ctx context.Context) error { return udpServe(ctx, node.Sockets, a, name, false, ready) }
			case labs.AppUDPSource:
				fn = func(ctx context.Context) error { return udpSource(ctx, w.Clock, node.Sockets, a, name, ready) }
			case labs.AppHTTP:
				fn = func(ctx context.Context) error { return httpServe(ctx, node.Sockets, a, spec.Name, ready) }
			default:
				cancel()
				return fmt.Errorf("app %s: unknown kind %q", name, a.Kind)
			}
			ap.done, ap.err = w.actor(actx, name, true, func(ctx context.Context) error {
				defer ready()
				return fn(ctx)
			})
			w.mu.Lock()
			w.apps = append(w.apps, ap)
			w.mu.Unlock()
		}
	}
	// Every app opens and binds its socket before the first step: yield
	// (time stands still) until they all have.
	for _, ap := range w.apps {
		for !ap.ready.Load() {
			if err := ctx.Err(); err != nil {
				return err
			}
			clock.Yield(ctx)
		}
		select {
		case <-ap.done:
			if *ap.err != nil {
				return fmt.Errorf("app %s: %w", ap.name, *ap.err)
			}
		default:
		}
	}
	return nil
}

// udpServe is udp-echo (echo true) and udp-discard: it receives datagrams
// on a port and sends each back, or drops it.
func udpServe(ctx context.Context, api *sockets.API, a labs.App, owner string, echo bool, ready func()) error {
	fd, err := api.Socket(ctx, sockets.Datagram, owner)
	if err != nil {
		return err
	}
	defer api.Close(context.WithoutCancel(ctx), fd)
	if err := api.Bind(ctx, fd, netip.AddrPortFrom(netip.IPv4Unspecified(), a.Port)); err != nil {
		return err
	}
	ready()
	buf := make([]byte, 65536)
	for {
		n, from, err := api.RecvFrom(ctx, fd, buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, syscall.EAGAIN) {
				continue
			}
			return err
		}
		if echo {
			api.SendTo(ctx, fd, buf[:n], from)
		}
	}
}

// udpSource is udp-source: it sends Count datagrams (0: forever) of Size
// bytes to To, one every Interval.
func udpSource(ctx context.Context, clk clock.Clock, api *sockets.API, a labs.App, owner string, ready func()) error {
	fd, err := api.Socket(ctx, sockets.Datagram, owner)
	if err != nil {
		return err
	}
	defer api.Close(context.WithoutCancel(ctx), fd)
	if a.Port != 0 {
		if err := api.Bind(ctx, fd, netip.AddrPortFrom(netip.IPv4Unspecified(), a.Port)); err != nil {
			return err
		}
	}
	ready()
	payload := make([]byte, a.Size)
	for i := range payload {
		payload[i] = byte(i)
	}
	interval := a.Interval.Std()
	if interval <= 0 {
		interval = time.Second
	}
	for i := 0; a.Count == 0 || i < a.Count; i++ {
		api.SendTo(ctx, fd, payload, a.To)
		if err := clock.Sleep(ctx, clk, interval); err != nil {
			return nil
		}
	}
	return nil
}
